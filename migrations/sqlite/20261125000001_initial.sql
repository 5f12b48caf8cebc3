-- OC Pizza initial schema (SQLite). Keep equivalent to ../postgres/20261125000001_initial.sql:
-- tests/schema.rs compares the two.
-- Conventions: ids are integers, money is integer cents (EUR), VAT rates are basis points
-- (1000 = 10 %), stock quantities are integers in the ingredient's base unit, times are
-- UTC epoch seconds.

CREATE TABLE app_meta (
    key         TEXT PRIMARY KEY NOT NULL,
    value       TEXT NOT NULL,
    updated_at  BIGINT NOT NULL DEFAULT (unixepoch())
);

CREATE TABLE pizzerias (
    id          INTEGER PRIMARY KEY,
    slug        TEXT NOT NULL UNIQUE CHECK (length(slug) BETWEEN 1 AND 64),
    name        TEXT NOT NULL CHECK (length(name) > 0),
    street      TEXT NOT NULL,
    postcode    TEXT NOT NULL,
    city        TEXT NOT NULL,
    phone       TEXT NOT NULL,
    email       TEXT,
    active      BOOLEAN NOT NULL DEFAULT TRUE,
    created_at  BIGINT NOT NULL DEFAULT (unixepoch())
);

-- One row per opening period; a day may have two (lunch and evening).
CREATE TABLE opening_hours (
    id            INTEGER PRIMARY KEY,
    pizzeria_id   BIGINT NOT NULL REFERENCES pizzerias (id) ON DELETE CASCADE,
    weekday       BIGINT NOT NULL CHECK (weekday BETWEEN 1 AND 7), -- ISO: 1 = Monday
    opens_minute  BIGINT NOT NULL CHECK (opens_minute BETWEEN 0 AND 1439),
    closes_minute BIGINT NOT NULL CHECK (closes_minute BETWEEN 1 AND 1440),
    CHECK (closes_minute > opens_minute)
);
CREATE INDEX opening_hours_pizzeria ON opening_hours (pizzeria_id, weekday);

CREATE TABLE delivery_postcodes (
    pizzeria_id BIGINT NOT NULL REFERENCES pizzerias (id) ON DELETE CASCADE,
    postcode    TEXT NOT NULL CHECK (length(postcode) = 5),
    PRIMARY KEY (pizzeria_id, postcode)
);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    email         TEXT UNIQUE,
    password_hash TEXT,
    full_name     TEXT NOT NULL,
    phone         TEXT,
    role          TEXT NOT NULL CHECK (role IN ('customer', 'counter', 'pizzaiolo', 'driver', 'manager', 'admin')),
    pizzeria_id   BIGINT REFERENCES pizzerias (id),
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    created_at    BIGINT NOT NULL DEFAULT (unixepoch()),
    -- Staff belong to exactly one pizzeria; customers and admins to none.
    CHECK ((role IN ('customer', 'admin') AND pizzeria_id IS NULL)
        OR (role IN ('counter', 'pizzaiolo', 'driver', 'manager') AND pizzeria_id IS NOT NULL)),
    -- Only customers taken by phone may lack a login.
    CHECK (role = 'customer' OR (email IS NOT NULL AND password_hash IS NOT NULL))
);
CREATE INDEX users_phone ON users (phone);
CREATE INDEX users_pizzeria ON users (pizzeria_id);

CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY NOT NULL,
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token   TEXT NOT NULL,
    created_at   BIGINT NOT NULL DEFAULT (unixepoch()),
    last_seen_at BIGINT NOT NULL DEFAULT (unixepoch()),
    expires_at   BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);

CREATE TABLE addresses (
    id           INTEGER PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    label        TEXT NOT NULL DEFAULT '',
    street       TEXT NOT NULL CHECK (length(street) > 0),
    postcode     TEXT NOT NULL CHECK (length(postcode) = 5),
    city         TEXT NOT NULL CHECK (length(city) > 0),
    instructions TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL DEFAULT (unixepoch())
);
CREATE INDEX addresses_user ON addresses (user_id);

CREATE TABLE ingredients (
    id         INTEGER PRIMARY KEY,
    code       TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL CHECK (length(name) > 0),
    unit       TEXT NOT NULL CHECK (unit IN ('g', 'ml', 'piece')),
    created_at BIGINT NOT NULL DEFAULT (unixepoch())
);

-- The 14 allergens of EU regulation 1169/2011.
CREATE TABLE ingredient_allergens (
    ingredient_id BIGINT NOT NULL REFERENCES ingredients (id) ON DELETE CASCADE,
    allergen      TEXT NOT NULL CHECK (allergen IN ('gluten', 'crustaceans', 'eggs', 'fish', 'peanuts', 'soy',
                      'milk', 'nuts', 'celery', 'mustard', 'sesame', 'sulphites', 'lupin', 'molluscs')),
    PRIMARY KEY (ingredient_id, allergen)
);

CREATE TABLE stock (
    pizzeria_id   BIGINT NOT NULL REFERENCES pizzerias (id) ON DELETE CASCADE,
    ingredient_id BIGINT NOT NULL REFERENCES ingredients (id),
    quantity      BIGINT NOT NULL CHECK (quantity >= 0),
    low_threshold BIGINT NOT NULL DEFAULT 0 CHECK (low_threshold >= 0),
    updated_at    BIGINT NOT NULL DEFAULT (unixepoch()),
    PRIMARY KEY (pizzeria_id, ingredient_id)
);

CREATE TABLE pizzas (
    id          INTEGER PRIMARY KEY,
    slug        TEXT NOT NULL UNIQUE CHECK (length(slug) BETWEEN 1 AND 64),
    name        TEXT NOT NULL CHECK (length(name) > 0),
    description TEXT NOT NULL DEFAULT '',
    price_cents BIGINT NOT NULL CHECK (price_cents > 0),            -- TTC
    vat_rate_bp BIGINT NOT NULL CHECK (vat_rate_bp BETWEEN 0 AND 10000),
    active      BOOLEAN NOT NULL DEFAULT TRUE,
    sort_order  BIGINT NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL DEFAULT (unixepoch()),
    updated_at  BIGINT NOT NULL DEFAULT (unixepoch())
);

CREATE TABLE recipe_lines (
    pizza_id      BIGINT NOT NULL REFERENCES pizzas (id) ON DELETE CASCADE,
    ingredient_id BIGINT NOT NULL REFERENCES ingredients (id),
    quantity      BIGINT NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (pizza_id, ingredient_id)
);

CREATE TABLE recipe_steps (
    pizza_id    BIGINT NOT NULL REFERENCES pizzas (id) ON DELETE CASCADE,
    position    BIGINT NOT NULL CHECK (position > 0),
    instruction TEXT NOT NULL CHECK (length(instruction) > 0),
    PRIMARY KEY (pizza_id, position)
);

-- A manager can take a pizza off their pizzeria's menu whatever the stock.
CREATE TABLE menu_withdrawals (
    pizzeria_id BIGINT NOT NULL REFERENCES pizzerias (id) ON DELETE CASCADE,
    pizza_id    BIGINT NOT NULL REFERENCES pizzas (id) ON DELETE CASCADE,
    user_id     BIGINT REFERENCES users (id),
    created_at  BIGINT NOT NULL DEFAULT (unixepoch()),
    PRIMARY KEY (pizzeria_id, pizza_id)
);

CREATE TABLE orders (
    id                INTEGER PRIMARY KEY,
    reference         TEXT NOT NULL UNIQUE,
    pizzeria_id       BIGINT NOT NULL REFERENCES pizzerias (id),
    customer_id       BIGINT REFERENCES users (id),
    taken_by          BIGINT REFERENCES users (id),
    customer_name     TEXT NOT NULL,
    customer_phone    TEXT NOT NULL,
    customer_email    TEXT,
    channel           TEXT NOT NULL CHECK (channel IN ('web', 'phone', 'counter')),
    mode              TEXT NOT NULL CHECK (mode IN ('delivery', 'takeaway')),
    status            TEXT NOT NULL CHECK (status IN ('placed', 'preparing', 'ready', 'out_for_delivery',
                          'delivered', 'collected', 'cancelled')),
    payment_method    TEXT NOT NULL CHECK (payment_method IN ('online', 'cash', 'card')),
    payment_status    TEXT NOT NULL CHECK (payment_status IN ('unpaid', 'paid', 'refunded')),
    delivery_street   TEXT,
    delivery_postcode TEXT,
    delivery_city     TEXT,
    delivery_instructions TEXT NOT NULL DEFAULT '',
    requested_for     BIGINT,                                      -- NULL: as soon as possible
    total_ht_cents    BIGINT NOT NULL CHECK (total_ht_cents >= 0),
    total_vat_cents   BIGINT NOT NULL CHECK (total_vat_cents >= 0),
    total_ttc_cents   BIGINT NOT NULL CHECK (total_ttc_cents >= 0),
    cancel_reason     TEXT,
    driver_id         BIGINT REFERENCES users (id),
    collected_cents   BIGINT CHECK (collected_cents >= 0),
    version           BIGINT NOT NULL DEFAULT 1,
    created_at        BIGINT NOT NULL DEFAULT (unixepoch()),
    updated_at        BIGINT NOT NULL DEFAULT (unixepoch()),
    CHECK (mode = 'takeaway' OR (delivery_street IS NOT NULL AND delivery_postcode IS NOT NULL
                                 AND delivery_city IS NOT NULL)),
    CHECK (total_ttc_cents = total_ht_cents + total_vat_cents)
);
CREATE INDEX orders_pizzeria_status ON orders (pizzeria_id, status);
CREATE INDEX orders_customer ON orders (customer_id);

CREATE TABLE order_lines (
    id               INTEGER PRIMARY KEY,
    order_id         BIGINT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    pizza_id         BIGINT NOT NULL REFERENCES pizzas (id),
    pizza_name       TEXT NOT NULL,
    unit_price_cents BIGINT NOT NULL CHECK (unit_price_cents > 0),   -- TTC, at order time
    vat_rate_bp      BIGINT NOT NULL CHECK (vat_rate_bp BETWEEN 0 AND 10000),
    quantity         BIGINT NOT NULL CHECK (quantity > 0)
);
CREATE INDEX order_lines_order ON order_lines (order_id);

CREATE TABLE order_transitions (
    id          INTEGER PRIMARY KEY,
    order_id    BIGINT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    from_status TEXT,                                               -- NULL when the order is created
    to_status   TEXT NOT NULL,
    user_id     BIGINT REFERENCES users (id),
    reason      TEXT,
    created_at  BIGINT NOT NULL DEFAULT (unixepoch())
);
CREATE INDEX order_transitions_order ON order_transitions (order_id);

CREATE TABLE stock_movements (
    id            INTEGER PRIMARY KEY,
    pizzeria_id   BIGINT NOT NULL,
    ingredient_id BIGINT NOT NULL,
    delta         BIGINT NOT NULL CHECK (delta <> 0),
    kind          TEXT NOT NULL CHECK (kind IN ('restock', 'order', 'cancellation', 'waste', 'inventory',
                      'transfer')),
    order_id      BIGINT REFERENCES orders (id),
    user_id       BIGINT REFERENCES users (id),                     -- NULL: the system (seed, jobs)
    note          TEXT NOT NULL DEFAULT '',
    created_at    BIGINT NOT NULL DEFAULT (unixepoch()),
    FOREIGN KEY (pizzeria_id, ingredient_id) REFERENCES stock (pizzeria_id, ingredient_id)
);
CREATE INDEX stock_movements_stock ON stock_movements (pizzeria_id, ingredient_id);

CREATE TABLE payments (
    id           INTEGER PRIMARY KEY,
    order_id     BIGINT NOT NULL REFERENCES orders (id),
    provider     TEXT NOT NULL,
    provider_ref TEXT NOT NULL UNIQUE,
    amount_cents BIGINT NOT NULL CHECK (amount_cents >= 0),
    status       TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed', 'refunded')),
    created_at   BIGINT NOT NULL DEFAULT (unixepoch()),
    updated_at   BIGINT NOT NULL DEFAULT (unixepoch())
);
CREATE INDEX payments_order ON payments (order_id);

-- Written in the same transaction as the event; delivered by a background worker.
CREATE TABLE notification_outbox (
    id              INTEGER PRIMARY KEY,
    order_id        BIGINT REFERENCES orders (id) ON DELETE CASCADE,
    channel         TEXT NOT NULL CHECK (channel IN ('email', 'sms')),
    recipient       TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts        BIGINT NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at BIGINT NOT NULL DEFAULT (unixepoch()),
    last_error      TEXT,
    created_at      BIGINT NOT NULL DEFAULT (unixepoch()),
    sent_at         BIGINT
);
CREATE INDEX notification_outbox_due ON notification_outbox (status, next_attempt_at);

CREATE TABLE backup_runs (
    id           INTEGER PRIMARY KEY,
    triggered_by TEXT NOT NULL CHECK (triggered_by IN ('schedule', 'manual', 'pre_restore')),
    status       TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
    storage_key  TEXT,
    size_bytes   BIGINT CHECK (size_bytes >= 0),
    sha256       TEXT,
    error        TEXT,
    started_at   BIGINT NOT NULL DEFAULT (unixepoch()),
    finished_at  BIGINT
);
