//! A pizzeria's capacity (`pizzeria_capacity`, `capacity_travel`, `oven_ranges`): read as
//! a `domain::capacity::Capacity` (the defaults where nothing is saved), saved whole.

use std::collections::BTreeMap;

use crate::db::DbPool;
use crate::domain::capacity::{Capacity, OvenRange};
use crate::{db_run, Result};

/// oven_per_quarter, lead_minutes, drivers, pizzas_per_run, default_travel_minutes, and who
/// changed it when
type CapacityRow = (i64, i64, i64, i64, i64, i64, Option<String>);

/// The pizzeria's capacity, and when and by whom it was last changed (`None`: the defaults).
pub async fn for_pizzeria(db: &DbPool, pizzeria_id: i64) -> Result<(Capacity, Option<(i64, Option<String>)>)> {
    let (row, travel, ranges) = db_run!(db, |pool| {
        let row: Option<CapacityRow> = sqlx::query_as(
            "SELECT c.oven_per_quarter, c.lead_minutes, c.drivers, c.pizzas_per_run, c.default_travel_minutes,
                    c.updated_at, u.full_name
             FROM pizzeria_capacity c LEFT JOIN users u ON u.id = c.updated_by WHERE c.pizzeria_id = $1",
        )
        .bind(pizzeria_id)
        .fetch_optional(pool)
        .await?;
        let travel: Vec<(String, i64)> =
            sqlx::query_as("SELECT postcode, minutes FROM capacity_travel WHERE pizzeria_id = $1 ORDER BY postcode")
                .bind(pizzeria_id)
                .fetch_all(pool)
                .await?;
        let ranges: Vec<(i64, i64, i64, i64)> = sqlx::query_as(
            "SELECT weekday, from_minute, to_minute, pizzas_per_quarter FROM oven_ranges WHERE pizzeria_id = $1
             ORDER BY weekday, from_minute",
        )
        .bind(pizzeria_id)
        .fetch_all(pool)
        .await?;
        (row, travel, ranges)
    });
    let mut capacity = Capacity::default();
    let mut changed = None;
    if let Some((oven, lead, drivers, per_run, default_travel, at, who)) = row {
        capacity.oven_per_quarter = oven;
        capacity.lead_minutes = lead;
        capacity.drivers = drivers;
        capacity.pizzas_per_run = per_run;
        capacity.default_travel_minutes = default_travel;
        changed = Some((at, who));
    }
    capacity.travel_minutes = travel.into_iter().collect::<BTreeMap<_, _>>();
    capacity.oven_ranges = ranges
        .into_iter()
        .map(|(weekday, from, to, pizzas)| OvenRange {
            weekday: weekday as u32,
            from_minute: from as u32,
            to_minute: to as u32,
            pizzas_per_quarter: pizzas,
        })
        .collect();
    Ok((capacity, changed))
}

/// Saves the whole capacity of a pizzeria in one transaction.
pub async fn save(db: &DbPool, pizzeria_id: i64, capacity: &Capacity, user_id: i64, now: i64) -> Result<()> {
    db_run!(db, |pool| {
        let mut tx = pool.begin().await?;
        sqlx::query(
            "INSERT INTO pizzeria_capacity (pizzeria_id, oven_per_quarter, lead_minutes, drivers, pizzas_per_run,
                 default_travel_minutes, updated_by, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (pizzeria_id) DO UPDATE SET oven_per_quarter = $2, lead_minutes = $3, drivers = $4,
                 pizzas_per_run = $5, default_travel_minutes = $6, updated_by = $7, updated_at = $8",
        )
        .bind(pizzeria_id)
        .bind(capacity.oven_per_quarter)
        .bind(capacity.lead_minutes)
        .bind(capacity.drivers)
        .bind(capacity.pizzas_per_run)
        .bind(capacity.default_travel_minutes)
        .bind(user_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM capacity_travel WHERE pizzeria_id = $1").bind(pizzeria_id).execute(&mut *tx).await?;
        for (postcode, minutes) in &capacity.travel_minutes {
            sqlx::query("INSERT INTO capacity_travel (pizzeria_id, postcode, minutes) VALUES ($1, $2, $3)")
                .bind(pizzeria_id)
                .bind(postcode)
                .bind(*minutes)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("DELETE FROM oven_ranges WHERE pizzeria_id = $1").bind(pizzeria_id).execute(&mut *tx).await?;
        for range in &capacity.oven_ranges {
            sqlx::query(
                "INSERT INTO oven_ranges (pizzeria_id, weekday, from_minute, to_minute, pizzas_per_quarter)
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(pizzeria_id)
            .bind(range.weekday as i64)
            .bind(range.from_minute as i64)
            .bind(range.to_minute as i64)
            .bind(range.pizzas_per_quarter)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
    });
    Ok(())
}
