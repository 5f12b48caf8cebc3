-- Staff workflow and dashboard (PostgreSQL). Keep equivalent to ../sqlite/20261128000001_workflow.sql.

-- The dashboard reads a pizzeria's orders of the day.
CREATE INDEX orders_pizzeria_created ON orders (pizzeria_id, created_at);
-- Preparation and delivery times come from the journal, per order and status.
CREATE INDEX order_transitions_to ON order_transitions (order_id, to_status);

-- Days a pizzeria is closed (holidays), local dates 'YYYY-MM-DD': the checkout offers no slot then.
CREATE TABLE closing_days (
    pizzeria_id BIGINT NOT NULL REFERENCES pizzerias (id) ON DELETE CASCADE,
    day         TEXT NOT NULL CHECK (length(day) = 10),
    reason      TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (pizzeria_id, day)
);
