-- Pizzas the way customers order them (postgres). Keep equivalent to
-- ../sqlite/20261208000001_customisation.sql.

-- The menu's sizes. Recipes are written for the default size (the reference: 100 %, priced
-- by `pizzas.price_cents`); another size scales them by its factor and has its own price per
-- pizza (`pizza_sizes`). No row: one size, the pizzas as sold until now (the application's
-- "taille unique"); a migration writes no row, so that a migrated database stays empty.
CREATE TABLE sizes (
    code       TEXT PRIMARY KEY CHECK (length(code) BETWEEN 1 AND 16),
    label      TEXT NOT NULL CHECK (length(label) BETWEEN 1 AND 60),
    factor_pct BIGINT NOT NULL CHECK (factor_pct BETWEEN 25 AND 400),
    position   BIGINT NOT NULL DEFAULT 0,
    is_default BOOLEAN NOT NULL DEFAULT FALSE,
    CHECK (NOT is_default OR factor_pct = 100)
);
CREATE UNIQUE INDEX sizes_one_default ON sizes (is_default) WHERE is_default;

-- A pizza's price in a size other than the default (TTC cents); a pizza is sold in the
-- default size and in those listed here.
CREATE TABLE pizza_sizes (
    pizza_id    BIGINT NOT NULL REFERENCES pizzas (id) ON DELETE CASCADE,
    size_code   TEXT NOT NULL REFERENCES sizes (code) ON DELETE CASCADE,
    price_cents BIGINT NOT NULL CHECK (price_cents > 0),
    PRIMARY KEY (pizza_id, size_code)
);

-- A recipe line the customer may take off ("sans oignons"), and the base (dough, sauce),
-- made once on a half-and-half.
ALTER TABLE recipe_lines ADD COLUMN removable BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE recipe_lines ADD COLUMN base BOOLEAN NOT NULL DEFAULT FALSE;

-- The supplements: an ingredient, its quantity at the default size, its price (TTC cents).
CREATE TABLE extras (
    code          TEXT PRIMARY KEY CHECK (length(code) BETWEEN 1 AND 64),
    ingredient_id BIGINT NOT NULL REFERENCES ingredients (id),
    name          TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
    quantity      BIGINT NOT NULL CHECK (quantity > 0),
    price_cents   BIGINT NOT NULL CHECK (price_cents > 0),
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    position      BIGINT NOT NULL DEFAULT 0
);

-- An order line's composition as it was sold, never recomputed from today's menu: its words
-- for the kitchen and its price parts, as JSON ({"summary": …, "parts": [{"label", "cents"}]});
-- NULL: the pizza as on the menu.
ALTER TABLE order_lines ADD COLUMN composition TEXT;
