use sqlx::FromRow;

use crate::db::DbPool;
use crate::domain::intake;
use crate::domain::slots::Period;
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
    /// Holidays: local dates with no slot.
    pub closing_days: Vec<chrono::NaiveDate>,
}

impl PizzeriaDetails {
    /// The pizzeria as order intake checks it: its zone and its schedule.
    pub fn intake(&self) -> intake::Pizzeria<'_> {
        let hours = self
            .opening_hours
            .iter()
            .map(|h| Period {
                weekday: h.weekday as u32,
                opens_minute: h.opens_minute as u32,
                closes_minute: h.closes_minute as u32,
            })
            .collect();
        intake::Pizzeria {
            id: self.pizzeria.id,
            name: &self.pizzeria.name,
            delivery_postcodes: &self.delivery_postcodes,
            schedule: intake::Schedule::new(hours, self.closing_days.clone()),
        }
    }
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
        let closing: Vec<(i64, String)> =
            sqlx::query_as("SELECT pizzeria_id, day FROM closing_days ORDER BY day").fetch_all(pool).await?;
        (pizzerias, hours, (postcodes, closing))
    });
    let (postcodes, closing) = postcodes;
    Ok(pizzerias
        .into_iter()
        .map(|pizzeria| {
            let id = pizzeria.id;
            PizzeriaDetails {
                opening_hours: hours.iter().filter(|h| h.pizzeria_id == id).cloned().collect(),
                delivery_postcodes: postcodes.iter().filter(|(p, _)| *p == id).map(|(_, code)| code.clone()).collect(),
                closing_days: closing
                    .iter()
                    .filter(|(p, _)| *p == id)
                    .filter_map(|(_, day)| chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").ok())
                    .collect(),
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

/// A pizzeria, open or closed for good (its orders still name it).
pub async fn by_id(db: &DbPool, id: i64) -> Result<Option<Pizzeria>> {
    let sql = format!("SELECT {PIZZERIA_COLUMNS} FROM pizzerias WHERE id = $1");
    let found = db_run!(db, |pool| sqlx::query_as(&sql).bind(id).fetch_optional(pool).await?);
    Ok(found)
}

/// A pizzeria as the admin edits it.
#[derive(Debug, Clone, Default)]
pub struct PizzeriaEdit {
    pub name: String,
    pub street: String,
    pub postcode: String,
    pub city: String,
    pub phone: String,
    pub email: Option<String>,
    pub active: bool,
    /// (ISO weekday, opens minute, closes minute)
    pub hours: Vec<(i64, i64, i64)>,
    pub postcodes: Vec<String>,
    pub closing_days: Vec<(chrono::NaiveDate, String)>,
}

/// Every pizzeria, active or not: (slug, name, active).
pub async fn all(db: &DbPool) -> Result<Vec<(String, String, bool)>> {
    let rows = db_run!(db, |pool| sqlx::query_as("SELECT slug, name, active FROM pizzerias ORDER BY name")
        .fetch_all(pool)
        .await?);
    Ok(rows)
}

/// id, name, street, postcode, city, phone, email, active
type EditRow = (i64, String, String, String, String, String, Option<String>, bool);

/// A pizzeria's form, by slug.
pub async fn for_edit(db: &DbPool, slug: &str) -> Result<Option<PizzeriaEdit>> {
    let found = db_run!(db, |pool| {
        let row: Option<EditRow> = sqlx::query_as(
            "SELECT id, name, street, postcode, city, phone, email, active FROM pizzerias WHERE slug = $1",
        )
        .bind(slug)
        .fetch_optional(pool)
        .await?;
        match row {
            None => None,
            Some((id, name, street, postcode, city, phone, email, active)) => {
                let hours: Vec<(i64, i64, i64)> = sqlx::query_as(
                    "SELECT weekday, opens_minute, closes_minute FROM opening_hours WHERE pizzeria_id = $1
                     ORDER BY weekday, opens_minute",
                )
                .bind(id)
                .fetch_all(pool)
                .await?;
                let postcodes: Vec<String> = sqlx::query_scalar(
                    "SELECT postcode FROM delivery_postcodes WHERE pizzeria_id = $1 ORDER BY postcode",
                )
                .bind(id)
                .fetch_all(pool)
                .await?;
                let closing: Vec<(String, String)> =
                    sqlx::query_as("SELECT day, reason FROM closing_days WHERE pizzeria_id = $1 ORDER BY day")
                        .bind(id)
                        .fetch_all(pool)
                        .await?;
                let closing_days = closing
                    .into_iter()
                    .filter_map(|(d, r)| chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok().map(|d| (d, r)))
                    .collect();
                Some(PizzeriaEdit {
                    name,
                    street,
                    postcode,
                    city,
                    phone,
                    email,
                    active,
                    hours,
                    postcodes,
                    closing_days,
                })
            }
        }
    });
    Ok(found)
}

/// Creates or updates a pizzeria with its hours, zone and closing days, in one transaction.
/// A new pizzeria gets a stock row at zero for every ingredient.
pub async fn save(db: &DbPool, slug: &str, edit: &PizzeriaEdit) -> Result<()> {
    db_run!(db, |pool| {
        let mut tx = pool.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO pizzerias (slug, name, street, postcode, city, phone, email, active)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (slug) DO UPDATE SET name = $2, street = $3, postcode = $4, city = $5, phone = $6, email = $7,
                 active = $8
             RETURNING id",
        )
        .bind(slug)
        .bind(&edit.name)
        .bind(&edit.street)
        .bind(&edit.postcode)
        .bind(&edit.city)
        .bind(&edit.phone)
        .bind(edit.email.as_deref())
        .bind(edit.active)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM opening_hours WHERE pizzeria_id = $1").bind(id).execute(&mut *tx).await?;
        for (weekday, opens, closes) in &edit.hours {
            sqlx::query(
                "INSERT INTO opening_hours (pizzeria_id, weekday, opens_minute, closes_minute) VALUES ($1, $2, $3, $4)",
            )
            .bind(id)
            .bind(*weekday)
            .bind(*opens)
            .bind(*closes)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query("DELETE FROM delivery_postcodes WHERE pizzeria_id = $1").bind(id).execute(&mut *tx).await?;
        for code in &edit.postcodes {
            sqlx::query("INSERT INTO delivery_postcodes (pizzeria_id, postcode) VALUES ($1, $2)")
                .bind(id)
                .bind(code)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("DELETE FROM closing_days WHERE pizzeria_id = $1").bind(id).execute(&mut *tx).await?;
        for (day, reason) in &edit.closing_days {
            sqlx::query("INSERT INTO closing_days (pizzeria_id, day, reason) VALUES ($1, $2, $3)")
                .bind(id)
                .bind(day.format("%Y-%m-%d").to_string())
                .bind(reason)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query(super::stock_sql::ZERO_STOCK_ROWS).execute(&mut *tx).await?;
        tx.commit().await?;
    });
    crate::live::announce(db, crate::live::catalogue_changed(0)).await
}
