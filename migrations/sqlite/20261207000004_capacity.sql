-- What each pizzeria can promise (sqlite). Keep equivalent to
-- ../postgres/20261207000004_capacity.sql. A pizzeria without a row has the defaults of
-- domain::capacity::Capacity; the bounds are those of its form.
CREATE TABLE pizzeria_capacity (
    pizzeria_id            BIGINT PRIMARY KEY REFERENCES pizzerias (id) ON DELETE CASCADE,
    oven_per_quarter       BIGINT NOT NULL CHECK (oven_per_quarter BETWEEN 1 AND 200),
    lead_minutes           BIGINT NOT NULL CHECK (lead_minutes BETWEEN 0 AND 120),
    drivers                BIGINT NOT NULL CHECK (drivers BETWEEN 0 AND 50),
    pizzas_per_run         BIGINT NOT NULL CHECK (pizzas_per_run BETWEEN 1 AND 30),
    default_travel_minutes BIGINT NOT NULL CHECK (default_travel_minutes BETWEEN 1 AND 120),
    updated_by             BIGINT REFERENCES users (id) ON DELETE SET NULL,
    updated_at             BIGINT NOT NULL
);

-- Minutes from the pizzeria to a delivery postcode.
CREATE TABLE capacity_travel (
    pizzeria_id BIGINT NOT NULL REFERENCES pizzerias (id) ON DELETE CASCADE,
    postcode    TEXT NOT NULL CHECK (length(postcode) = 5),
    minutes     BIGINT NOT NULL CHECK (minutes BETWEEN 1 AND 120),
    PRIMARY KEY (pizzeria_id, postcode)
);

-- The oven's rate on a weekday between two times, where it differs from the usual one.
CREATE TABLE oven_ranges (
    pizzeria_id        BIGINT NOT NULL REFERENCES pizzerias (id) ON DELETE CASCADE,
    weekday            BIGINT NOT NULL CHECK (weekday BETWEEN 1 AND 7),
    from_minute        BIGINT NOT NULL CHECK (from_minute BETWEEN 0 AND 1439),
    to_minute          BIGINT NOT NULL CHECK (to_minute BETWEEN 1 AND 1440),
    pizzas_per_quarter BIGINT NOT NULL CHECK (pizzas_per_quarter BETWEEN 1 AND 200),
    PRIMARY KEY (pizzeria_id, weekday, from_minute),
    CHECK (to_minute > from_minute)
);
