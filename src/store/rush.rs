//! A pizzeria's rush controls (`rush_controls`) and who used them (`rush_log`).

use crate::db::DbPool;
use crate::domain::rush::{Action, Rush};
use crate::{db_run, Result};

/// web paused until, deliveries paused until, extra minutes, extra until
type RushRow = (Option<i64>, Option<i64>, i64, Option<i64>);

fn rush_from(row: Option<RushRow>) -> Rush {
    row.map_or_else(Rush::default, |(web, deliveries, extra, extra_until)| Rush {
        web_paused_until: web,
        deliveries_paused_until: deliveries,
        extra_lead_minutes: extra,
        extra_lead_until: extra_until,
    })
}

const SELECT: &str = "SELECT web_paused_until, deliveries_paused_until, extra_lead_minutes, extra_lead_until
     FROM rush_controls WHERE pizzeria_id = $1";

/// The pizzeria's controls as saved (those past their time are simply not in force).
pub async fn current(db: &DbPool, pizzeria_id: i64) -> Result<Rush> {
    let row: Option<RushRow> =
        db_run!(db, |pool| sqlx::query_as(SELECT).bind(pizzeria_id).fetch_optional(pool).await?);
    Ok(rush_from(row))
}

/// Applies a manager's action and logs it, in one transaction; the controls after it.
pub async fn apply(db: &DbPool, pizzeria_id: i64, user_id: i64, action: Action, now: i64) -> Result<Rush> {
    let (minutes, extra) = action.minutes();
    let rush = db_run!(db, |pool| {
        let mut tx = pool.begin().await?;
        let row: Option<RushRow> = sqlx::query_as(SELECT).bind(pizzeria_id).fetch_optional(&mut *tx).await?;
        let rush = rush_from(row).apply(action, now);
        sqlx::query(
            "INSERT INTO rush_controls (pizzeria_id, web_paused_until, deliveries_paused_until, extra_lead_minutes,
                 extra_lead_until)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (pizzeria_id) DO UPDATE SET web_paused_until = $2, deliveries_paused_until = $3,
                 extra_lead_minutes = $4, extra_lead_until = $5",
        )
        .bind(pizzeria_id)
        .bind(rush.web_paused_until)
        .bind(rush.deliveries_paused_until)
        .bind(rush.extra_lead_minutes)
        .bind(rush.extra_lead_until)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO rush_log (pizzeria_id, user_id, action, minutes, extra_lead_minutes, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(pizzeria_id)
        .bind(user_id)
        .bind(action.code())
        .bind(minutes)
        .bind(extra)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        rush
    });
    Ok(rush)
}

/// One use of the controls: when, by whom, the action's code, its duration and extra minutes.
pub type LogEntry = (i64, Option<String>, String, i64, i64);

/// The pizzeria's latest uses of the controls, newest first.
pub async fn log(db: &DbPool, pizzeria_id: i64, limit: i64) -> Result<Vec<LogEntry>> {
    Ok(db_run!(db, |pool| {
        sqlx::query_as(
            "SELECT l.created_at, u.full_name, l.action, l.minutes, l.extra_lead_minutes
             FROM rush_log l LEFT JOIN users u ON u.id = l.user_id
             WHERE l.pizzeria_id = $1 ORDER BY l.created_at DESC, l.id DESC LIMIT $2",
        )
        .bind(pizzeria_id)
        .bind(limit)
        .fetch_all(pool)
        .await?
    }))
}
