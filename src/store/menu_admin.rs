//! Editing the menu: a pizza, its recipe and its memo steps in one transaction; a
//! pizzeria's withdrawals for the day. Order lines keep their own snapshot (name, price,
//! rate), so nothing here changes a past order.

use sqlx::FromRow;

use crate::db::{BeginWrite, DbPool};
use crate::domain::menu::PizzaEdit;
use crate::{db_run, unix_now, Result};

#[derive(Debug, Clone, FromRow)]
pub struct PizzaRow {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub price_cents: i64,
    pub vat_rate_bp: i64,
    pub active: bool,
    pub sort_order: i64,
}

pub async fn pizzas(db: &DbPool) -> Result<Vec<PizzaRow>> {
    let rows = db_run!(db, |pool| {
        sqlx::query_as(
            "SELECT id, slug, name, description, price_cents, vat_rate_bp, active, sort_order FROM pizzas
             ORDER BY sort_order, name",
        )
        .fetch_all(pool)
        .await?
    });
    Ok(rows)
}

/// A pizza with its recipe ((code, quantity)) and steps.
pub async fn pizza(db: &DbPool, slug: &str) -> Result<Option<(PizzaRow, Vec<(String, i64)>, Vec<String>)>> {
    let found = db_run!(db, |pool| {
        let pizza: Option<PizzaRow> = sqlx::query_as(
            "SELECT id, slug, name, description, price_cents, vat_rate_bp, active, sort_order FROM pizzas WHERE slug = $1",
        )
        .bind(slug)
        .fetch_optional(pool)
        .await?;
        match pizza {
            None => None,
            Some(pizza) => {
                let recipe: Vec<(String, i64)> = sqlx::query_as(
                    "SELECT i.code, r.quantity FROM recipe_lines r JOIN ingredients i ON i.id = r.ingredient_id
                     WHERE r.pizza_id = $1 ORDER BY i.name",
                )
                .bind(pizza.id)
                .fetch_all(pool)
                .await?;
                let steps: Vec<String> =
                    sqlx::query_scalar("SELECT instruction FROM recipe_steps WHERE pizza_id = $1 ORDER BY position")
                        .bind(pizza.id)
                        .fetch_all(pool)
                        .await?;
                Some((pizza, recipe, steps))
            }
        }
    });
    Ok(found)
}

/// Saves a pizza (creates it when `slug` is new): its row, recipe and steps together.
pub async fn save(db: &DbPool, slug: &str, edit: &PizzaEdit) -> Result<()> {
    let now = unix_now();
    db_run!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO pizzas (slug, name, description, price_cents, vat_rate_bp, active, sort_order, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (slug) DO UPDATE SET name = $2, description = $3, price_cents = $4, vat_rate_bp = $5,
                 active = $6, sort_order = $7, updated_at = $8
             RETURNING id",
        )
        .bind(slug)
        .bind(&edit.name)
        .bind(&edit.description)
        .bind(edit.price_cents)
        .bind(edit.vat_rate_bp)
        .bind(edit.active)
        .bind(edit.sort_order)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        // What the customer may take off, and the base, stay as they were for the lines kept;
        // a new line is flagged as the same ingredient is in the other recipes.
        let flags: Vec<(String, bool, bool)> = sqlx::query_as(
            "SELECT i.code, r.removable, r.base FROM recipe_lines r JOIN ingredients i ON i.id = r.ingredient_id
             WHERE r.pizza_id = $1",
        )
        .bind(id)
        .fetch_all(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM recipe_lines WHERE pizza_id = $1").bind(id).execute(&mut *tx).await?;
        for (code, quantity) in &edit.recipe {
            let kept = flags.iter().find(|(c, _, _)| c == code);
            sqlx::query(
                "INSERT INTO recipe_lines (pizza_id, ingredient_id, quantity, removable, base)
                 SELECT $1, i.id, $2,
                        COALESCE($4, (SELECT r.removable FROM recipe_lines r WHERE r.ingredient_id = i.id
                                      ORDER BY r.pizza_id LIMIT 1), FALSE),
                        COALESCE($5, (SELECT r.base FROM recipe_lines r WHERE r.ingredient_id = i.id
                                      ORDER BY r.pizza_id LIMIT 1), FALSE)
                 FROM ingredients i WHERE i.code = $3",
            )
            .bind(id)
            .bind(*quantity)
            .bind(code)
            .bind(kept.map(|(_, removable, _)| *removable))
            .bind(kept.map(|(_, _, base)| *base))
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query("DELETE FROM recipe_steps WHERE pizza_id = $1").bind(id).execute(&mut *tx).await?;
        for (position, step) in edit.steps.iter().enumerate() {
            sqlx::query("INSERT INTO recipe_steps (pizza_id, position, instruction) VALUES ($1, $2, $3)")
                .bind(id)
                .bind(position as i64 + 1)
                .bind(step)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
    });
    crate::live::announce(db, crate::live::catalogue_changed(0)).await
}

/// Every ingredient's code (what a recipe may name).
pub async fn ingredient_codes(db: &DbPool) -> Result<Vec<String>> {
    let codes =
        db_run!(db, |pool| sqlx::query_scalar("SELECT code FROM ingredients ORDER BY code").fetch_all(pool).await?);
    Ok(codes)
}

/// The pizzas withdrawn today at this pizzeria.
pub async fn withdrawn(db: &DbPool, pizzeria_id: i64) -> Result<Vec<i64>> {
    let ids = db_run!(db, |pool| {
        sqlx::query_scalar("SELECT pizza_id FROM menu_withdrawals WHERE pizzeria_id = $1")
            .bind(pizzeria_id)
            .fetch_all(pool)
            .await?
    });
    Ok(ids)
}

/// Withdraws a pizza from a pizzeria's menu (`true`), or puts it back (`false`).
pub async fn set_withdrawn(db: &DbPool, pizzeria_id: i64, pizza_id: i64, withdrawn: bool, user_id: i64) -> Result<()> {
    let now = unix_now();
    db_run!(db, |pool| {
        if withdrawn {
            sqlx::query(
                "INSERT INTO menu_withdrawals (pizzeria_id, pizza_id, user_id, created_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (pizzeria_id, pizza_id) DO NOTHING",
            )
            .bind(pizzeria_id)
            .bind(pizza_id)
            .bind(user_id)
            .bind(now)
            .execute(pool)
            .await?;
        } else {
            sqlx::query("DELETE FROM menu_withdrawals WHERE pizzeria_id = $1 AND pizza_id = $2")
                .bind(pizzeria_id)
                .bind(pizza_id)
                .execute(pool)
                .await?;
        }
    });
    crate::live::announce(db, crate::live::catalogue_changed(pizzeria_id)).await
}

/// Withdrawals are for the day: those made before `since` (today's midnight) end.
pub async fn end_old_withdrawals(db: &DbPool, since: i64) -> Result<u64> {
    let ended = db_run!(db, |pool| {
        sqlx::query("DELETE FROM menu_withdrawals WHERE created_at < $1")
            .bind(since)
            .execute(pool)
            .await?
            .rows_affected()
    });
    if ended > 0 {
        crate::live::announce(db, crate::live::catalogue_changed(0)).await?;
    }
    Ok(ended)
}

/// An ingredient as the admin edits it: (code, name, unit, allergens).
#[derive(Debug, Clone, Default)]
pub struct IngredientRow {
    pub code: String,
    pub name: String,
    pub unit: String,
    pub allergens: Vec<String>,
}

pub async fn ingredients(db: &DbPool) -> Result<Vec<IngredientRow>> {
    let (rows, allergens) = db_run!(db, |pool| {
        let rows: Vec<(String, String, String)> =
            sqlx::query_as("SELECT code, name, unit FROM ingredients ORDER BY name").fetch_all(pool).await?;
        let allergens: Vec<(String, String)> = sqlx::query_as(
            "SELECT i.code, a.allergen FROM ingredient_allergens a JOIN ingredients i ON i.id = a.ingredient_id
             ORDER BY a.allergen",
        )
        .fetch_all(pool)
        .await?;
        (rows, allergens)
    });
    Ok(rows
        .into_iter()
        .map(|(code, name, unit)| IngredientRow {
            allergens: allergens.iter().filter(|(c, _)| *c == code).map(|(_, a)| a.clone()).collect(),
            code,
            name,
            unit,
        })
        .collect())
}

/// Creates or updates an ingredient (its unit never changes once created: stock and recipes
/// are counted in it). A new ingredient gets a stock row at zero in every pizzeria.
pub async fn save_ingredient(db: &DbPool, row: &IngredientRow) -> Result<()> {
    db_run!(db, |pool| {
        let mut tx = pool.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO ingredients (code, name, unit) VALUES ($1, $2, $3)
             ON CONFLICT (code) DO UPDATE SET name = $2
             RETURNING id",
        )
        .bind(&row.code)
        .bind(&row.name)
        .bind(&row.unit)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM ingredient_allergens WHERE ingredient_id = $1").bind(id).execute(&mut *tx).await?;
        for allergen in &row.allergens {
            sqlx::query("INSERT INTO ingredient_allergens (ingredient_id, allergen) VALUES ($1, $2)")
                .bind(id)
                .bind(allergen)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query(super::stock_sql::ZERO_STOCK_ROWS).execute(&mut *tx).await?;
        tx.commit().await?;
    });
    crate::live::announce(db, crate::live::catalogue_changed(0)).await
}
