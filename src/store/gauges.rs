//! What `/metrics` reads from the database at each scrape: the state every instance
//! shares (orders, outbox, stock alerts, backups), counted where it is kept.

use crate::db::DbPool;
use crate::{db_run, Result};

/// The counts a scrape reports.
#[derive(Debug, Default, Clone)]
pub struct Gauges {
    /// (status, channel, count)
    pub orders: Vec<(String, String, i64)>,
    /// (status, count) of the notification outbox.
    pub notifications: Vec<(String, i64)>,
    /// (level, count) of the ingredients in alert.
    pub stock_alerts: Vec<(String, i64)>,
    /// When the last backup succeeded (epoch seconds), if one ever did.
    pub last_backup_success: Option<i64>,
}

pub async fn read(db: &DbPool) -> Result<Gauges> {
    let (orders, notifications, stock_alerts) = db_run!(db, |pool| {
        let orders = sqlx::query_as::<_, (String, String, i64)>(
            "SELECT status, channel, CAST(COUNT(*) AS BIGINT) FROM orders GROUP BY status, channel ORDER BY 1, 2",
        )
        .fetch_all(pool)
        .await?;
        let notifications = sqlx::query_as::<_, (String, i64)>(
            "SELECT status, CAST(COUNT(*) AS BIGINT) FROM notification_outbox GROUP BY status ORDER BY 1",
        )
        .fetch_all(pool)
        .await?;
        let stock_alerts = sqlx::query_as::<_, (String, i64)>(
            "SELECT level, CAST(COUNT(*) AS BIGINT) FROM stock_alerts GROUP BY level ORDER BY 1",
        )
        .fetch_all(pool)
        .await?;
        (orders, notifications, stock_alerts)
    });
    let last_backup_success = crate::store::backup_runs::last_success(db).await?;
    Ok(Gauges { orders, notifications, stock_alerts, last_backup_success })
}
