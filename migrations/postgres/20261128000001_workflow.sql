-- Staff workflow and dashboard (PostgreSQL). Keep equivalent to ../sqlite/20261128000001_workflow.sql.

-- The dashboard reads a pizzeria's orders of the day.
CREATE INDEX orders_pizzeria_created ON orders (pizzeria_id, created_at);
-- Preparation and delivery times come from the journal, per order and status.
CREATE INDEX order_transitions_to ON order_transitions (order_id, to_status);
