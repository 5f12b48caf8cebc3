//! A customer's saved delivery addresses. Every query is scoped to its owner.

use sqlx::FromRow;

use crate::db::DbPool;
use crate::domain::intake::DeliveryAddress;
use crate::{db_run, Result};

#[derive(Debug, Clone, FromRow, serde::Serialize)]
pub struct Address {
    pub id: i64,
    pub label: String,
    pub street: String,
    pub postcode: String,
    pub city: String,
    pub instructions: String,
}

impl Address {
    /// The address as an order takes it, with its id (the forms choose it by id).
    pub fn delivery(&self) -> (i64, DeliveryAddress) {
        let address = DeliveryAddress {
            street: self.street.clone(),
            postcode: self.postcode.clone(),
            city: self.city.clone(),
            instructions: self.instructions.clone(),
        };
        (self.id, address)
    }
}

#[derive(Debug, Clone, Default)]
pub struct AddressInput {
    pub label: String,
    pub street: String,
    pub postcode: String,
    pub city: String,
    pub instructions: String,
}

/// A customer keeps at most this many addresses.
pub const MAX_PER_USER: i64 = 20;

pub async fn list(db: &DbPool, user_id: i64) -> Result<Vec<Address>> {
    let addresses = db_run!(db, |pool| {
        sqlx::query_as(
            "SELECT id, label, street, postcode, city, instructions FROM addresses WHERE user_id = $1 ORDER BY id",
        )
        .bind(user_id)
        .fetch_all(pool)
        .await?
    });
    Ok(addresses)
}

pub async fn get(db: &DbPool, user_id: i64, address_id: i64) -> Result<Option<Address>> {
    let address = db_run!(db, |pool| {
        sqlx::query_as(
            "SELECT id, label, street, postcode, city, instructions FROM addresses WHERE id = $1 AND user_id = $2",
        )
        .bind(address_id)
        .bind(user_id)
        .fetch_optional(pool)
        .await?
    });
    Ok(address)
}

/// Adds an address unless the customer already has [`MAX_PER_USER`]; `None` then.
pub async fn create(db: &DbPool, user_id: i64, input: &AddressInput) -> Result<Option<i64>> {
    let id = db_run!(db, |pool| {
        let mut tx = pool.begin().await?;
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO addresses (user_id, label, street, postcode, city, instructions)
             SELECT $1, $2, $3, $4, $5, $6
             WHERE (SELECT COUNT(*) FROM addresses WHERE user_id = $1) < $7
             RETURNING id",
        )
        .bind(user_id)
        .bind(&input.label)
        .bind(&input.street)
        .bind(&input.postcode)
        .bind(&input.city)
        .bind(&input.instructions)
        .bind(MAX_PER_USER)
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        id
    });
    Ok(id)
}

pub async fn update(db: &DbPool, user_id: i64, address_id: i64, input: &AddressInput) -> Result<bool> {
    let updated = db_run!(db, |pool| {
        sqlx::query(
            "UPDATE addresses SET label = $1, street = $2, postcode = $3, city = $4, instructions = $5
             WHERE id = $6 AND user_id = $7",
        )
        .bind(&input.label)
        .bind(&input.street)
        .bind(&input.postcode)
        .bind(&input.city)
        .bind(&input.instructions)
        .bind(address_id)
        .bind(user_id)
        .execute(pool)
        .await?
        .rows_affected()
    });
    Ok(updated == 1)
}

pub async fn delete(db: &DbPool, user_id: i64, address_id: i64) -> Result<bool> {
    let deleted = db_run!(db, |pool| {
        sqlx::query("DELETE FROM addresses WHERE id = $1 AND user_id = $2")
            .bind(address_id)
            .bind(user_id)
            .execute(pool)
            .await?
            .rows_affected()
    });
    Ok(deleted == 1)
}
