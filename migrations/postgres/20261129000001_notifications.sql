-- Notifications and password reset (postgres). Keep equivalent to ../sqlite/20261129000001_notifications.sql.

-- What a customer wants to hear about: e-mail 'all' steps, only the 'essential' ones
-- (confirmation, modification, cancellation) or 'none'; SMS for the steps that matter on
-- the doorstep (in the oven, on its way, ready to collect).
ALTER TABLE users ADD COLUMN notify_email TEXT NOT NULL DEFAULT 'all' CHECK (notify_email IN ('all', 'essential', 'none'));
ALTER TABLE users ADD COLUMN notify_sms BOOLEAN NOT NULL DEFAULT FALSE;
-- The choice that holds for one order (the account's, or the guest's at checkout).
ALTER TABLE orders ADD COLUMN notify_email TEXT NOT NULL DEFAULT 'all' CHECK (notify_email IN ('all', 'essential', 'none'));
ALTER TABLE orders ADD COLUMN notify_sms BOOLEAN NOT NULL DEFAULT FALSE;

-- What the message is about; the worker renders it from the order when it sends it.
ALTER TABLE notification_outbox ADD COLUMN kind TEXT NOT NULL DEFAULT 'confirmation';
CREATE INDEX notification_outbox_order ON notification_outbox (order_id);

-- A password reset link: only its digest is kept; it works once, for one hour.
CREATE TABLE password_resets (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);
CREATE INDEX password_resets_user ON password_resets (user_id, created_at);

-- One secret per installation (kept in the database, so every instance and every backup
-- has it): a guest's private order link is derived from it, so that a message sent later
-- can carry the link again without the link being stored.
CREATE TABLE app_secrets (
    name  TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);
