//! The journal of backup runs: one row per attempt, from start to success or failure.

use crate::db::DbPool;
use crate::{db_run, Result};

/// One attempt, as the admin page shows it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BackupRun {
    pub id: i64,
    pub triggered_by: String,
    pub status: String,
    pub storage_key: Option<String>,
    pub size_bytes: Option<i64>,
    pub sha256: Option<String>,
    pub error: Option<String>,
    pub started_at: i64,
    pub finished_at: Option<i64>,
}

pub async fn start(db: &DbPool, triggered_by: &str) -> Result<i64> {
    db_run!(db, |pool| {
        Ok(sqlx::query_scalar(
            "INSERT INTO backup_runs (triggered_by, status, started_at) VALUES ($1, 'running', $2) RETURNING id",
        )
        .bind(triggered_by)
        .bind(chrono::Utc::now().timestamp())
        .fetch_one(pool)
        .await?)
    })
}

pub async fn succeeded(db: &DbPool, id: i64, key: &str, size: u64, sha256: &str) -> Result<()> {
    db_run!(db, |pool| {
        sqlx::query(
            "UPDATE backup_runs SET status = 'succeeded', storage_key = $2, size_bytes = $3, sha256 = $4, finished_at = $5
             WHERE id = $1",
        )
        .bind(id)
        .bind(key)
        .bind(i64::try_from(size).unwrap_or(i64::MAX))
        .bind(sha256)
        .bind(chrono::Utc::now().timestamp())
        .execute(pool)
        .await?;
    });
    Ok(())
}

pub async fn failed(db: &DbPool, id: i64, key: Option<&str>, error: &str) -> Result<()> {
    db_run!(db, |pool| {
        sqlx::query(
            "UPDATE backup_runs SET status = 'failed', storage_key = $2, error = $3, finished_at = $4 WHERE id = $1",
        )
        .bind(id)
        .bind(key)
        .bind(error)
        .bind(chrono::Utc::now().timestamp())
        .execute(pool)
        .await?;
    });
    Ok(())
}

/// Runs left `running` by a process that died are failures: said so at the next boot.
pub async fn abandon_unfinished(db: &DbPool) -> Result<u64> {
    db_run!(db, |pool| {
        Ok(sqlx::query(
            "UPDATE backup_runs SET status = 'failed', error = 'interrupted (the server stopped during the backup)',
                 finished_at = $1
             WHERE status = 'running'",
        )
        .bind(chrono::Utc::now().timestamp())
        .execute(pool)
        .await?
        .rows_affected())
    })
}

/// When the last backup succeeded (Unix time).
pub async fn last_success(db: &DbPool) -> Result<Option<i64>> {
    db_run!(db, |pool| {
        Ok(sqlx::query_scalar("SELECT MAX(finished_at) FROM backup_runs WHERE status = 'succeeded'")
            .fetch_one(pool)
            .await?)
    })
}

/// The newest runs first.
pub async fn recent(db: &DbPool, limit: i64) -> Result<Vec<BackupRun>> {
    db_run!(db, |pool| {
        Ok(sqlx::query_as(
            "SELECT id, triggered_by, status, storage_key, size_bytes, sha256, error, started_at, finished_at
             FROM backup_runs ORDER BY id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(pool)
        .await?)
    })
}
