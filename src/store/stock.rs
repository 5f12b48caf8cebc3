//! A pizzeria's stock as its manager sees it: levels, the actions of the stock page (each a
//! journal row and the stock row, in one transaction, the row locked), the journal with its
//! filters, and how many of each pizza the stock still allows.

use std::collections::HashMap;

use sqlx::FromRow;

use crate::db::{BeginWrite, DbPool};
use crate::domain::availability::{self, RecipeNeed};
use crate::domain::stock::{self, Action};
use crate::live::{Announce, Event};
use crate::store::stock_sql::write_journal;
use crate::{db_run, unix_now, Result};

#[derive(Debug, Clone, FromRow)]
pub struct StockRow {
    pub ingredient_id: i64,
    pub code: String,
    pub name: String,
    pub unit: String,
    pub quantity: i64,
    pub low_threshold: i64,
}

impl StockRow {
    pub fn level(&self) -> stock::Level {
        stock::Level::of(self.quantity, self.low_threshold)
    }
}

pub async fn levels(db: &DbPool, pizzeria_id: i64) -> Result<Vec<StockRow>> {
    let rows = db_run!(db, |pool| {
        sqlx::query_as(
            "SELECT s.ingredient_id, i.code, i.name, i.unit, s.quantity, s.low_threshold
             FROM stock s JOIN ingredients i ON i.id = s.ingredient_id
             WHERE s.pizzeria_id = $1 ORDER BY i.name",
        )
        .bind(pizzeria_id)
        .fetch_all(pool)
        .await?
    });
    Ok(rows)
}

/// The ingredient's id, by its code.
pub async fn ingredient_id(db: &DbPool, code: &str) -> Result<Option<i64>> {
    Ok(ingredient(db, code).await?.map(|(id, _, _)| id))
}

/// An ingredient as the stock forms name it: (id, name, unit), by its code.
pub async fn ingredient(db: &DbPool, code: &str) -> Result<Option<(i64, String, String)>> {
    let found = db_run!(db, |pool| {
        sqlx::query_as("SELECT id, name, unit FROM ingredients WHERE code = $1").bind(code).fetch_optional(pool).await?
    });
    Ok(found)
}

/// Applies an action of the stock page: `Ok(Err(message))` when the rules refuse it
/// (nothing is written then).
pub async fn apply(
    db: &DbPool,
    pizzeria_id: i64,
    ingredient_id: i64,
    action: &Action,
    user_id: i64,
) -> Result<std::result::Result<(), String>> {
    let now = unix_now();
    let outcome = db_run!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        let sql =
            format!("SELECT quantity FROM stock WHERE pizzeria_id = $1 AND ingredient_id = $2{}", pool.row_lock());
        let current: Option<i64> =
            sqlx::query_scalar(&sql).bind(pizzeria_id).bind(ingredient_id).fetch_optional(&mut *tx).await?;
        let planned = match current {
            None => Err("Cet ingrédient n'est pas suivi dans cette pizzeria.".to_string()),
            Some(current) => stock::movement(action, current),
        };
        match planned {
            Err(message) => {
                tx.rollback().await?;
                Err(message)
            }
            Ok(movement) => {
                if let Action::Threshold { value } = action {
                    sqlx::query("UPDATE stock SET low_threshold = $1 WHERE pizzeria_id = $2 AND ingredient_id = $3")
                        .bind(*value)
                        .bind(pizzeria_id)
                        .bind(ingredient_id)
                        .execute(&mut *tx)
                        .await?;
                }
                if let Some((delta, kind, note)) = movement {
                    let line = stock::Movement {
                        pizzeria_id,
                        ingredient_id,
                        delta,
                        kind,
                        order_id: None,
                        user_id: Some(user_id),
                        note,
                    };
                    write_journal!(tx, &[line], now);
                }
                let event = Event::stock(pizzeria_id);
                pool.notify_in(&mut *tx, &event).await?;
                tx.commit().await?;
                pool.after_commit(event);
                Ok(())
            }
        }
    });
    Ok(outcome)
}

/// Which movements the journal shows.
#[derive(Debug, Clone, Default)]
pub struct JournalFilter {
    pub ingredient_id: Option<i64>,
    pub kind: Option<String>,
    /// UTC epoch seconds, inclusive.
    pub from: Option<i64>,
    /// UTC epoch seconds, exclusive.
    pub until: Option<i64>,
    pub user_id: Option<i64>,
}

#[derive(Debug, Clone, FromRow)]
pub struct Movement {
    pub created_at: i64,
    pub ingredient: String,
    pub unit: String,
    pub delta: i64,
    pub kind: String,
    pub note: String,
    pub who: Option<String>,
    pub reference: Option<String>,
}

pub const JOURNAL_PAGE: i64 = 50;

/// One page of the journal, newest first, and how many movements match.
pub async fn journal(db: &DbPool, pizzeria_id: i64, filter: &JournalFilter, page: i64) -> Result<(Vec<Movement>, i64)> {
    const WHERE: &str = "m.pizzeria_id = $1 AND ($2 IS NULL OR m.ingredient_id = $2) AND ($3 IS NULL OR m.kind = $3)
          AND ($4 IS NULL OR m.created_at >= $4) AND ($5 IS NULL OR m.created_at < $5) AND ($6 IS NULL OR m.user_id = $6)";
    let rows_sql = format!(
        "SELECT m.created_at, i.name AS ingredient, i.unit, m.delta, m.kind, m.note, u.full_name AS who, o.reference
         FROM stock_movements m JOIN ingredients i ON i.id = m.ingredient_id
         LEFT JOIN users u ON u.id = m.user_id LEFT JOIN orders o ON o.id = m.order_id
         WHERE {WHERE} ORDER BY m.id DESC LIMIT $7 OFFSET $8"
    );
    let count_sql = format!("SELECT COUNT(*) FROM stock_movements m WHERE {WHERE}");
    let offset = (page.max(1) - 1).saturating_mul(JOURNAL_PAGE);
    let found = db_run!(db, |pool| {
        let rows: Vec<Movement> = sqlx::query_as(&rows_sql)
            .bind(pizzeria_id)
            .bind(filter.ingredient_id)
            .bind(filter.kind.as_deref())
            .bind(filter.from)
            .bind(filter.until)
            .bind(filter.user_id)
            .bind(JOURNAL_PAGE)
            .bind(offset)
            .fetch_all(pool)
            .await?;
        let total: i64 = sqlx::query_scalar(&count_sql)
            .bind(pizzeria_id)
            .bind(filter.ingredient_id)
            .bind(filter.kind.as_deref())
            .bind(filter.from)
            .bind(filter.until)
            .bind(filter.user_id)
            .fetch_one(pool)
            .await?;
        (rows, total)
    });
    Ok(found)
}

/// Who has moved this pizzeria's stock (the journal's "who" filter).
pub async fn movers(db: &DbPool, pizzeria_id: i64) -> Result<Vec<(i64, String)>> {
    let rows = db_run!(db, |pool| {
        sqlx::query_as(
            "SELECT DISTINCT u.id, u.full_name FROM stock_movements m JOIN users u ON u.id = m.user_id
             WHERE m.pizzeria_id = $1 ORDER BY u.full_name",
        )
        .bind(pizzeria_id)
        .fetch_all(pool)
        .await?
    });
    Ok(rows)
}

/// A pizza the stock can still make: how many, and the ingredient that limits it.
#[derive(Debug, Clone)]
pub struct Makeable {
    pub pizza: String,
    pub count: i64,
    pub limiting: Option<String>,
    pub withdrawn: bool,
}

pub async fn makeable(db: &DbPool, pizzeria_id: i64, stock: &[StockRow]) -> Result<Vec<Makeable>> {
    let (pizzas, lines) = db_run!(db, |pool| {
        let pizzas: Vec<(i64, String, bool)> = sqlx::query_as(
            "SELECT p.id, p.name,
                    EXISTS (SELECT 1 FROM menu_withdrawals w WHERE w.pizza_id = p.id AND w.pizzeria_id = $1)
             FROM pizzas p WHERE p.active ORDER BY p.sort_order, p.name",
        )
        .bind(pizzeria_id)
        .fetch_all(pool)
        .await?;
        let lines: Vec<(i64, i64, i64)> =
            sqlx::query_as("SELECT pizza_id, ingredient_id, quantity FROM recipe_lines").fetch_all(pool).await?;
        (pizzas, lines)
    });
    let quantities: HashMap<i64, i64> = stock.iter().map(|row| (row.ingredient_id, row.quantity)).collect();
    let names: HashMap<i64, &str> = stock.iter().map(|row| (row.ingredient_id, row.name.as_str())).collect();
    let mut recipes: HashMap<i64, Vec<RecipeNeed>> = HashMap::new();
    for (pizza_id, ingredient_id, quantity) in lines {
        recipes.entry(pizza_id).or_default().push(RecipeNeed { ingredient_id, quantity });
    }
    Ok(pizzas
        .into_iter()
        .map(|(id, pizza, withdrawn)| {
            let (count, limiting) =
                availability::makeable(recipes.get(&id).map(Vec::as_slice).unwrap_or_default(), &quantities);
            Makeable { pizza, count, limiting: limiting.and_then(|i| names.get(&i)).map(|n| n.to_string()), withdrawn }
        })
        .collect())
}

/// Every pizzeria's stock of every ingredient (the admin's group-wide view):
/// (pizzeria id, ingredient id, quantity, low threshold).
pub async fn group(db: &DbPool) -> Result<Vec<(i64, i64, i64, i64)>> {
    let rows = db_run!(db, |pool| {
        sqlx::query_as("SELECT pizzeria_id, ingredient_id, quantity, low_threshold FROM stock").fetch_all(pool).await?
    });
    Ok(rows)
}

/// Every ingredient: (id, code, name, unit).
pub async fn ingredients(db: &DbPool) -> Result<Vec<(i64, String, String, String)>> {
    let rows = db_run!(db, |pool| {
        sqlx::query_as("SELECT id, code, name, unit FROM ingredients ORDER BY name").fetch_all(pool).await?
    });
    Ok(rows)
}

/// Moves stock from one pizzeria to another: two `transfer` movements and both rows, in one
/// transaction (the rows locked in pizzeria order), or nothing.
pub async fn transfer(
    db: &DbPool,
    (from, to): (i64, i64),
    ingredient_id: i64,
    quantity: i64,
    user_id: i64,
) -> Result<std::result::Result<(), String>> {
    let now = unix_now();
    let outcome = db_run!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        let sql = format!(
            "SELECT s.pizzeria_id, s.quantity, p.name FROM stock s JOIN pizzerias p ON p.id = s.pizzeria_id
             WHERE s.ingredient_id = $1 AND s.pizzeria_id IN ($2, $3) ORDER BY s.pizzeria_id{}",
            pool.row_lock().replace("NO KEY UPDATE", "NO KEY UPDATE OF s")
        );
        let rows: Vec<(i64, i64, String)> =
            sqlx::query_as(&sql).bind(ingredient_id).bind(from).bind(to).fetch_all(&mut *tx).await?;
        let source = rows.iter().find(|r| r.0 == from);
        let target = rows.iter().find(|r| r.0 == to);
        let checked = match (source, target) {
            (Some(source), Some(target)) => {
                stock::check_transfer(from, to, quantity, source.1).map(|()| (source.2.clone(), target.2.clone()))
            }
            _ => Err("Cet ingrédient n'est pas suivi dans l'une des deux pizzerias.".to_string()),
        };
        match checked {
            Err(message) => {
                tx.rollback().await?;
                Err(message)
            }
            Ok((source_name, target_name)) => {
                let lines: Vec<stock::Movement> =
                    [(from, -quantity, format!("Vers {target_name}")), (to, quantity, format!("Depuis {source_name}"))]
                        .into_iter()
                        .map(|(pizzeria_id, delta, note)| stock::Movement {
                            pizzeria_id,
                            ingredient_id,
                            delta,
                            kind: stock::MovementKind::Transfer,
                            order_id: None,
                            user_id: Some(user_id),
                            note,
                        })
                        .collect();
                write_journal!(tx, &lines, now);
                let events: Vec<Event> = [from, to].into_iter().map(Event::stock).collect();
                for event in &events {
                    pool.notify_in(&mut *tx, event).await?;
                }
                tx.commit().await?;
                for event in events {
                    pool.after_commit(event);
                }
                Ok(())
            }
        }
    });
    Ok(outcome)
}
