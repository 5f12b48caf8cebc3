-- Limits on anonymous orders and text messages (sqlite). Keep equivalent to
-- ../postgres/20261207000002_guest_limits.sql.

-- Fixed-window counters: `guest-address:<ip>`, `guest-phone:<digest>`,
-- `guest-email:<digest>` (orders by guests in the window), `sms-number:<digest>:<day>`,
-- `sms-pizzeria:<id>:<day>` (texts sent that day). Taken and read in one upsert.
CREATE TABLE rate_limits (
    key          TEXT PRIMARY KEY NOT NULL,
    count        BIGINT NOT NULL CHECK (count >= 0),
    window_start BIGINT NOT NULL
);

-- What the limits refused, per pizzeria, day (Europe/Paris) and reason: the manager's
-- dashboard shows them. One row a day and reason at most, however many refusals.
CREATE TABLE limit_refusals (
    pizzeria_id BIGINT NOT NULL REFERENCES pizzerias (id),
    day         TEXT NOT NULL,
    reason      TEXT NOT NULL CHECK (reason IN ('guest_order_size', 'guest_open_unpaid', 'guest_orders_address',
                                                 'guest_orders_contact', 'sms_number', 'sms_budget')),
    count       BIGINT NOT NULL CHECK (count >= 0),
    PRIMARY KEY (pizzeria_id, day, reason)
);

-- A guest's orders still open and unpaid, by phone and by e-mail (the limit per contact).
CREATE INDEX orders_open_guest_phone ON orders (customer_phone)
    WHERE customer_id IS NULL AND payment_status = 'unpaid' AND status IN ('placed', 'preparing', 'ready', 'out_for_delivery');
CREATE INDEX orders_open_guest_email ON orders (customer_email)
    WHERE customer_id IS NULL AND payment_status = 'unpaid' AND status IN ('placed', 'preparing', 'ready', 'out_for_delivery');
