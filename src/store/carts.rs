//! Carts: one per browser (signed in or not), one pizzeria per cart, found by the digest
//! of the token in the visitor's cart cookie.

use sqlx::FromRow;

use crate::db::DbPool;
use crate::domain::orders::{MAX_LINES, MAX_QUANTITY_PER_LINE};
use crate::{db_run, unix_now, Result};

#[derive(Debug, Clone, FromRow)]
pub struct Cart {
    pub id: i64,
    pub pizzeria_id: i64,
}

/// A cart line with what the menu says of its pizza now.
#[derive(Debug, Clone, FromRow)]
pub struct CartLine {
    pub id: i64,
    pub pizza_id: i64,
    pub pizza_slug: String,
    pub pizza_name: String,
    pub unit_price_cents: i64,
    pub vat_rate_bp: i64,
    pub quantity: i64,
    pub note: String,
}

pub async fn find(db: &DbPool, token_hash: &str) -> Result<Option<Cart>> {
    let cart = db_run!(db, |pool| {
        sqlx::query_as("SELECT id, pizzeria_id FROM carts WHERE token_hash = $1")
            .bind(token_hash)
            .fetch_optional(pool)
            .await?
    });
    Ok(cart)
}

/// How many pizzas the cart of this token holds (0 without a cart).
pub async fn size(db: &DbPool, token_hash: &str) -> Result<i64> {
    let size: Option<i64> = db_run!(db, |pool| {
        sqlx::query_scalar(
            "SELECT CAST(SUM(l.quantity) AS BIGINT) FROM cart_lines l JOIN carts c ON c.id = l.cart_id
             WHERE c.token_hash = $1",
        )
        .bind(token_hash)
        .fetch_one(pool)
        .await?
    });
    Ok(size.unwrap_or(0))
}

pub async fn lines(db: &DbPool, cart_id: i64) -> Result<Vec<CartLine>> {
    let lines = db_run!(db, |pool| {
        sqlx::query_as(
            "SELECT l.id, l.pizza_id, p.slug AS pizza_slug, p.name AS pizza_name, p.price_cents AS unit_price_cents,
                    p.vat_rate_bp, l.quantity, l.note
             FROM cart_lines l JOIN pizzas p ON p.id = l.pizza_id
             WHERE l.cart_id = $1 ORDER BY l.id",
        )
        .bind(cart_id)
        .fetch_all(pool)
        .await?
    });
    Ok(lines)
}

/// Why a pizza could not go into the cart.
#[derive(Debug, PartialEq, Eq)]
pub enum AddRefusal {
    /// The cart holds pizzas of another pizzeria (its id).
    OtherPizzeria(i64),
    TooManyLines,
    TooMany,
}

/// Adds `quantity` of a pizza (with its note) to the visitor's cart, creating the cart.
/// The same pizza with the same note adds up on one line.
pub async fn add(
    db: &DbPool,
    token_hash: &str,
    pizzeria_id: i64,
    pizza_id: i64,
    quantity: i64,
    note: &str,
) -> Result<Result<(), AddRefusal>> {
    let now = unix_now();
    let outcome = db_run!(db, |pool| {
        let mut tx = pool.begin().await?;
        let existing: Option<(i64, i64)> = sqlx::query_as("SELECT id, pizzeria_id FROM carts WHERE token_hash = $1")
            .bind(token_hash)
            .fetch_optional(&mut *tx)
            .await?;
        let cart_id = match existing {
            Some((id, cart_pizzeria)) => {
                let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM cart_lines WHERE cart_id = $1")
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?;
                if cart_pizzeria != pizzeria_id {
                    if count > 0 {
                        return Ok(Err(AddRefusal::OtherPizzeria(cart_pizzeria)));
                    }
                    sqlx::query("UPDATE carts SET pizzeria_id = $1 WHERE id = $2")
                        .bind(pizzeria_id)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                }
                id
            }
            None => {
                sqlx::query_scalar(
                    "INSERT INTO carts (token_hash, pizzeria_id, updated_at) VALUES ($1, $2, $3) RETURNING id",
                )
                .bind(token_hash)
                .bind(pizzeria_id)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?
            }
        };
        let same: Option<(i64, i64)> =
            sqlx::query_as("SELECT id, quantity FROM cart_lines WHERE cart_id = $1 AND pizza_id = $2 AND note = $3")
                .bind(cart_id)
                .bind(pizza_id)
                .bind(note)
                .fetch_optional(&mut *tx)
                .await?;
        match same {
            Some((_, current)) if current + quantity > MAX_QUANTITY_PER_LINE => return Ok(Err(AddRefusal::TooMany)),
            Some((line_id, _)) => {
                sqlx::query("UPDATE cart_lines SET quantity = quantity + $1 WHERE id = $2")
                    .bind(quantity)
                    .bind(line_id)
                    .execute(&mut *tx)
                    .await?;
            }
            None => {
                let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM cart_lines WHERE cart_id = $1")
                    .bind(cart_id)
                    .fetch_one(&mut *tx)
                    .await?;
                if count >= MAX_LINES as i64 {
                    return Ok(Err(AddRefusal::TooManyLines));
                }
                sqlx::query("INSERT INTO cart_lines (cart_id, pizza_id, quantity, note) VALUES ($1, $2, $3, $4)")
                    .bind(cart_id)
                    .bind(pizza_id)
                    .bind(quantity)
                    .bind(note)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        sqlx::query("UPDATE carts SET updated_at = $1 WHERE id = $2").bind(now).bind(cart_id).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(())
    });
    Ok(outcome)
}

/// Changes a line's quantity and note; `false` if the line is not in this cart.
pub async fn update_line(db: &DbPool, cart_id: i64, line_id: i64, quantity: i64, note: &str) -> Result<bool> {
    let updated = db_run!(db, |pool| {
        sqlx::query("UPDATE cart_lines SET quantity = $1, note = $2 WHERE id = $3 AND cart_id = $4")
            .bind(quantity)
            .bind(note)
            .bind(line_id)
            .bind(cart_id)
            .execute(pool)
            .await?
            .rows_affected()
    });
    Ok(updated == 1)
}

pub async fn remove_line(db: &DbPool, cart_id: i64, line_id: i64) -> Result<bool> {
    let removed = db_run!(db, |pool| {
        sqlx::query("DELETE FROM cart_lines WHERE id = $1 AND cart_id = $2")
            .bind(line_id)
            .bind(cart_id)
            .execute(pool)
            .await?
            .rows_affected()
    });
    Ok(removed == 1)
}

pub async fn clear(db: &DbPool, cart_id: i64) -> Result<()> {
    db_run!(db, |pool| {
        sqlx::query("DELETE FROM cart_lines WHERE cart_id = $1").bind(cart_id).execute(pool).await?;
    });
    Ok(())
}

/// Forgets carts nobody touched since `before`.
pub async fn purge(db: &DbPool, before: i64) -> Result<u64> {
    let purged = db_run!(db, |pool| {
        sqlx::query("DELETE FROM carts WHERE updated_at < $1").bind(before).execute(pool).await?.rows_affected()
    });
    Ok(purged)
}
