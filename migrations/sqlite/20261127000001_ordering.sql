-- Ordering (SQLite). Keep equivalent to ../postgres/20261127000001_ordering.sql.

-- A visitor's cart (signed in or not), found by the digest of the token in its cookie.
CREATE TABLE carts (
    id          INTEGER PRIMARY KEY,
    token_hash  TEXT NOT NULL UNIQUE,
    pizzeria_id BIGINT NOT NULL REFERENCES pizzerias (id) ON DELETE CASCADE,
    updated_at  BIGINT NOT NULL DEFAULT (unixepoch())
);
CREATE INDEX carts_updated ON carts (updated_at);

CREATE TABLE cart_lines (
    id       INTEGER PRIMARY KEY,
    cart_id  BIGINT NOT NULL REFERENCES carts (id) ON DELETE CASCADE,
    pizza_id BIGINT NOT NULL REFERENCES pizzas (id) ON DELETE CASCADE,
    quantity BIGINT NOT NULL CHECK (quantity BETWEEN 1 AND 20),
    note     TEXT NOT NULL DEFAULT '' CHECK (length(note) <= 140)
);
CREATE INDEX cart_lines_cart ON cart_lines (cart_id);

-- The kitchen's note on a line ("sans olives").
ALTER TABLE order_lines ADD COLUMN note TEXT NOT NULL DEFAULT '';
-- A guest's private link to their order carries a token; this is its digest.
ALTER TABLE orders ADD COLUMN access_token_hash TEXT;
CREATE UNIQUE INDEX orders_access_token ON orders (access_token_hash);
CREATE INDEX stock_movements_order ON stock_movements (order_id);
