use sqlx::FromRow;

use crate::db::DbPool;
use crate::{db_run, Result};

#[derive(Debug, Clone, FromRow)]
pub struct Pizzeria {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub street: String,
    pub postcode: String,
    pub city: String,
    pub phone: String,
}

/// An opening period, in minutes after local midnight; `weekday` is ISO (1 = Monday).
#[derive(Debug, Clone, FromRow)]
pub struct OpeningPeriod {
    pub pizzeria_id: i64,
    pub weekday: i64,
    pub opens_minute: i64,
    pub closes_minute: i64,
}

#[derive(Debug, Clone)]
pub struct PizzeriaDetails {
    pub pizzeria: Pizzeria,
    pub opening_hours: Vec<OpeningPeriod>,
    pub delivery_postcodes: Vec<String>,
}

const PIZZERIA_COLUMNS: &str = "id, slug, name, street, postcode, city, phone";

pub async fn list_active(db: &DbPool) -> Result<Vec<PizzeriaDetails>> {
    let sql = format!("SELECT {PIZZERIA_COLUMNS} FROM pizzerias WHERE active ORDER BY name");
    let (pizzerias, hours, postcodes) = db_run!(db, |pool| {
        let pizzerias: Vec<Pizzeria> = sqlx::query_as(&sql).fetch_all(pool).await?;
        let hours: Vec<OpeningPeriod> = sqlx::query_as(
            "SELECT pizzeria_id, weekday, opens_minute, closes_minute FROM opening_hours
             ORDER BY pizzeria_id, weekday, opens_minute",
        )
        .fetch_all(pool)
        .await?;
        let postcodes: Vec<(i64, String)> =
            sqlx::query_as("SELECT pizzeria_id, postcode FROM delivery_postcodes ORDER BY pizzeria_id, postcode")
                .fetch_all(pool)
                .await?;
        (pizzerias, hours, postcodes)
    });
    Ok(pizzerias
        .into_iter()
        .map(|pizzeria| {
            let id = pizzeria.id;
            PizzeriaDetails {
                opening_hours: hours.iter().filter(|h| h.pizzeria_id == id).cloned().collect(),
                delivery_postcodes: postcodes.iter().filter(|(p, _)| *p == id).map(|(_, code)| code.clone()).collect(),
                pizzeria,
            }
        })
        .collect())
}

pub async fn find_active_by_slug(db: &DbPool, slug: &str) -> Result<Option<Pizzeria>> {
    let sql = format!("SELECT {PIZZERIA_COLUMNS} FROM pizzerias WHERE slug = $1 AND active");
    let pizzeria = db_run!(db, |pool| sqlx::query_as(&sql).bind(slug).fetch_optional(pool).await?);
    Ok(pizzeria)
}

/// Every pizzeria's id and name, for choosers; `only` restricts to one.
pub async fn names(db: &DbPool, only: Option<i64>) -> Result<Vec<(i64, String)>> {
    let names = db_run!(db, |pool| {
        sqlx::query_as("SELECT id, name FROM pizzerias WHERE ($1 IS NULL OR id = $1) ORDER BY name")
            .bind(only)
            .fetch_all(pool)
            .await?
    });
    Ok(names)
}

/// Every pizzeria's id, slug and name, for the staff screens' chooser.
pub async fn directory(db: &DbPool) -> Result<Vec<(i64, String, String)>> {
    let rows = db_run!(db, |pool| sqlx::query_as("SELECT id, slug, name FROM pizzerias ORDER BY name")
        .fetch_all(pool)
        .await?);
    Ok(rows)
}

pub async fn id_by_slug(db: &DbPool, slug: &str) -> Result<Option<i64>> {
    let id = db_run!(db, |pool| {
        sqlx::query_scalar("SELECT id FROM pizzerias WHERE slug = $1").bind(slug).fetch_optional(pool).await?
    });
    Ok(id)
}

pub async fn name(db: &DbPool, id: i64) -> Result<Option<String>> {
    let name = db_run!(db, |pool| {
        sqlx::query_scalar("SELECT name FROM pizzerias WHERE id = $1").bind(id).fetch_optional(pool).await?
    });
    Ok(name)
}

pub async fn details(db: &DbPool, id: i64) -> Result<Option<PizzeriaDetails>> {
    Ok(list_active(db).await?.into_iter().find(|details| details.pizzeria.id == id))
}
