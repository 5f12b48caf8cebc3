-- Payment provider events already handled (postgres). Keep equivalent to
-- ../sqlite/20261130000001_payment_events.sql.

-- A webhook is delivered at least once: the event id makes a replay change nothing.
CREATE TABLE payment_events (
    event_id       TEXT PRIMARY KEY NOT NULL,
    type           TEXT NOT NULL,
    payment_intent TEXT,
    received_at    BIGINT NOT NULL DEFAULT (CAST(EXTRACT(EPOCH FROM CURRENT_TIMESTAMP) AS BIGINT))
);
