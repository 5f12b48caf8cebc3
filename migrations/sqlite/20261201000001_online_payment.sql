-- Online payment wired to orders (sqlite). Keep equivalent to
-- ../postgres/20261201000001_online_payment.sql.

-- A refund is asked when a paid online order is cancelled, and retried until the provider
-- confirms it: refund_status NULL (none asked), 'pending' (to ask, or asked and not yet
-- confirmed), 'failed' (the last try failed; retried at refund_next_at), 'succeeded'.
ALTER TABLE payments ADD COLUMN refund_status TEXT
    CHECK (refund_status IN ('pending', 'failed', 'succeeded'));
ALTER TABLE payments ADD COLUMN refund_ref TEXT;
ALTER TABLE payments ADD COLUMN refund_attempts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE payments ADD COLUMN refund_error TEXT;
ALTER TABLE payments ADD COLUMN refund_next_at BIGINT;
CREATE INDEX payments_refunds_due ON payments (refund_next_at) WHERE refund_status IN ('pending', 'failed');

-- The online orders still waiting for their payment, for the expiry job.
CREATE INDEX orders_awaiting_payment ON orders (created_at)
    WHERE payment_method = 'online' AND payment_status = 'unpaid' AND status = 'placed';
