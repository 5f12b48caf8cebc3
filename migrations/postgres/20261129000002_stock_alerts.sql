-- Stock alerts sent to managers (postgres). Keep equivalent to ../sqlite/20261129000002_stock_alerts.sql.

-- The alert each ingredient of each pizzeria is in, once its managers were told: a new
-- e-mail goes out when an ingredient gets low or runs out, not again while it stays so;
-- the row goes when it is back above its threshold.
CREATE TABLE stock_alerts (
    pizzeria_id   BIGINT NOT NULL REFERENCES pizzerias (id) ON DELETE CASCADE,
    ingredient_id BIGINT NOT NULL REFERENCES ingredients (id) ON DELETE CASCADE,
    level         TEXT NOT NULL CHECK (level IN ('low', 'out')),
    since         BIGINT NOT NULL,
    PRIMARY KEY (pizzeria_id, ingredient_id)
);
