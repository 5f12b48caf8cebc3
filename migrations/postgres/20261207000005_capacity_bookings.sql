-- What each order takes of its pizzeria's capacity (postgres). Keep equivalent to
-- ../sqlite/20261207000005_capacity_bookings.sql. Written with the order, in the same
-- transaction as its stock; deleted when it is cancelled, rewritten when it is modified.

-- Pizzas baked in an oven quarter-hour (its start, UTC epoch seconds) for an order.
CREATE TABLE oven_bookings (
    order_id    BIGINT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    pizzeria_id BIGINT NOT NULL REFERENCES pizzerias (id) ON DELETE CASCADE,
    quarter     BIGINT NOT NULL CHECK (quarter % 900 = 0),
    pizzas      BIGINT NOT NULL CHECK (pizzas > 0),
    PRIMARY KEY (order_id, quarter)
);
CREATE INDEX oven_bookings_by_quarter ON oven_bookings (pizzeria_id, quarter);

-- A delivery's drivers, away from the pizzeria from departs to returns.
CREATE TABLE delivery_runs (
    order_id    BIGINT PRIMARY KEY REFERENCES orders (id) ON DELETE CASCADE,
    pizzeria_id BIGINT NOT NULL REFERENCES pizzerias (id) ON DELETE CASCADE,
    departs     BIGINT NOT NULL,
    returns     BIGINT NOT NULL,
    drivers     BIGINT NOT NULL CHECK (drivers > 0),
    CHECK (returns > departs)
);
CREATE INDEX delivery_runs_by_time ON delivery_runs (pizzeria_id, returns);

-- The time promised to the customer when the order was taken (ready at the counter, or at
-- the door): the time asked for, or the earliest one capacity allowed for "dès que
-- possible". None for orders taken before capacity was counted.
ALTER TABLE orders ADD COLUMN promised_for BIGINT;
