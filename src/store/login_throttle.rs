//! Failed-login counters per account and per client address (see `domain::throttle`).

use crate::db::DbPool;
use crate::domain::throttle::Record;
use crate::{db_run, Result};

pub async fn get(db: &DbPool, key: &str) -> Result<Option<Record>> {
    let row: Option<(i64, i64, i64)> = db_run!(db, |pool| {
        sqlx::query_as("SELECT failures, last_failure_at, locked_until FROM login_throttle WHERE key = $1")
            .bind(key)
            .fetch_optional(pool)
            .await?
    });
    Ok(row.map(|(failures, last_failure_at, locked_until)| Record { failures, last_failure_at, locked_until }))
}

pub async fn save(db: &DbPool, key: &str, record: Record) -> Result<()> {
    db_run!(db, |pool| {
        sqlx::query(
            "INSERT INTO login_throttle (key, failures, last_failure_at, locked_until) VALUES ($1, $2, $3, $4)
             ON CONFLICT (key) DO UPDATE SET failures = excluded.failures,
                 last_failure_at = excluded.last_failure_at, locked_until = excluded.locked_until",
        )
        .bind(key)
        .bind(record.failures)
        .bind(record.last_failure_at)
        .bind(record.locked_until)
        .execute(pool)
        .await?;
    });
    Ok(())
}

pub async fn clear(db: &DbPool, key: &str) -> Result<()> {
    db_run!(db, |pool| {
        sqlx::query("DELETE FROM login_throttle WHERE key = $1").bind(key).execute(pool).await?;
    });
    Ok(())
}

/// Forgets counters whose last failure and lock are both older than `before`.
pub async fn purge(db: &DbPool, before: i64) -> Result<u64> {
    let purged = db_run!(db, |pool| {
        sqlx::query("DELETE FROM login_throttle WHERE last_failure_at < $1 AND locked_until < $1")
            .bind(before)
            .execute(pool)
            .await?
            .rows_affected()
    });
    Ok(purged)
}
