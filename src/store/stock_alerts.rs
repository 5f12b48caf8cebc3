//! Stock alerts for managers: the levels they were told of (`stock_alerts`) are brought in
//! line with the stock, and each ingredient that got low or ran out writes an e-mail to the
//! pizzeria's managers in the outbox — in the same transaction as the alert row, so a
//! crash loses none and a second instance doing the same at the same time writes nothing
//! (its conditional insert or update changes no row).

use super::outbox;
use crate::db::{BeginWrite, DbPool};
use crate::domain::notifications::Kind;
use crate::domain::stock::{alert_change, alert_message, AlertChange, Level};
use crate::{db_run, Result};

#[derive(sqlx::FromRow)]
struct Row {
    pizzeria_id: i64,
    ingredient_id: i64,
    quantity: i64,
    low_threshold: i64,
    told: Option<String>,
    ingredient: String,
    unit: String,
    pizzeria: String,
}

const STOCK_WITH_ALERTS: &str = "SELECT s.pizzeria_id, s.ingredient_id, s.quantity, s.low_threshold, a.level AS told,
        i.name AS ingredient, i.unit, p.name AS pizzeria
    FROM stock s
    JOIN ingredients i ON i.id = s.ingredient_id
    JOIN pizzerias p ON p.id = s.pizzeria_id AND p.active
    LEFT JOIN stock_alerts a ON a.pizzeria_id = s.pizzeria_id AND a.ingredient_id = s.ingredient_id";

/// Brings the alerts in line with the stock; the number of e-mails written. The stock is
/// read outside any write transaction (this runs after every burst of orders): the write
/// lock is taken only when an alert changes.
pub async fn reconcile(db: &DbPool, now: i64) -> Result<usize> {
    let rows: Vec<Row> = db_run!(db, |pool| sqlx::query_as(STOCK_WITH_ALERTS).fetch_all(pool).await?);
    let changes: Vec<(Row, AlertChange)> = rows
        .into_iter()
        .filter_map(|row| {
            let told = row.told.as_deref().and_then(Level::parse);
            let change = alert_change(told, Level::of(row.quantity, row.low_threshold));
            (change != AlertChange::Keep).then_some((row, change))
        })
        .collect();
    if changes.is_empty() {
        return Ok(0);
    }
    let mail = outbox::channels().email;
    let written = db_run!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        let mut written = 0;
        for (row, change) in &changes {
            let (level, raise) = match *change {
                AlertChange::Keep => continue,
                AlertChange::Clear => {
                    sqlx::query("DELETE FROM stock_alerts WHERE pizzeria_id = $1 AND ingredient_id = $2")
                        .bind(row.pizzeria_id)
                        .bind(row.ingredient_id)
                        .execute(&mut *tx)
                        .await?;
                    continue;
                }
                AlertChange::Ease(level) => (level, false),
                AlertChange::Raise(level) => (level, true),
            };
            // Written only if the row is still what was read: of two instances, one wins.
            let affected = match &row.told {
                None => sqlx::query(
                    "INSERT INTO stock_alerts (pizzeria_id, ingredient_id, level, since) VALUES ($1, $2, $3, $4)
                     ON CONFLICT (pizzeria_id, ingredient_id) DO NOTHING",
                )
                .bind(row.pizzeria_id)
                .bind(row.ingredient_id)
                .bind(level.as_str())
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected(),
                Some(told) => sqlx::query(
                    "UPDATE stock_alerts SET level = $1, since = $2
                     WHERE pizzeria_id = $3 AND ingredient_id = $4 AND level = $5",
                )
                .bind(level.as_str())
                .bind(now)
                .bind(row.pizzeria_id)
                .bind(row.ingredient_id)
                .bind(told)
                .execute(&mut *tx)
                .await?
                .rows_affected(),
            };
            if !(affected == 1 && raise && mail) {
                continue;
            }
            let (subject, text) =
                alert_message(level, &row.ingredient, &row.pizzeria, row.quantity, row.low_threshold, &row.unit);
            let inserted = sqlx::query(
                "INSERT INTO notification_outbox (order_id, channel, recipient, kind, subject, body, created_at,
                     next_attempt_at)
                 SELECT NULL, 'email', email, $1, $2, $3, $4, $4 FROM users
                 WHERE role = 'manager' AND pizzeria_id = $5 AND active AND email IS NOT NULL",
            )
            .bind(Kind::StockAlert.as_str())
            .bind(&subject)
            .bind(&text)
            .bind(now)
            .bind(row.pizzeria_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            written += inserted as usize;
        }
        tx.commit().await?;
        written
    });
    if written > 0 {
        outbox::wake();
    }
    Ok(written)
}
