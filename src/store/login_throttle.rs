//! Login attempts per key (see `domain::throttle`): `account:<digest of the e-mail>`,
//! `account:<digest>|address:<ip>` and `address:<ip>`.

use crate::db::DbPool;
use crate::domain::throttle::{Policy, Record};
use crate::{db_run, Result};

/// The key of an account's own counter; its per-address counters start with it and `|`.
pub fn account_key(email_digest: &str) -> String {
    format!("account:{email_digest}")
}

/// `Policy::after_attempt` in one statement: counts one attempt and returns the record,
/// so that simultaneous attempts each see their own count. The right-hand sides of the
/// UPDATE read the row as it was.
const COUNT_ATTEMPT: &str = "
INSERT INTO login_throttle (key, failures, last_failure_at, locked_until)
VALUES ($1, 1, $2, CASE WHEN CAST($3 AS BIGINT) <= 1 THEN CAST($2 AS BIGINT) + CAST($4 AS BIGINT) ELSE 0 END)
ON CONFLICT (key) DO UPDATE SET
    failures = CASE
        WHEN login_throttle.locked_until > CAST($2 AS BIGINT) THEN login_throttle.failures + 1
        WHEN login_throttle.locked_until = 0
             AND CAST($2 AS BIGINT) - login_throttle.last_failure_at <= CAST($5 AS BIGINT)
            THEN login_throttle.failures + 1
        ELSE 1 END,
    locked_until = CASE
        WHEN login_throttle.locked_until > CAST($2 AS BIGINT) THEN login_throttle.locked_until
        WHEN (CASE WHEN login_throttle.locked_until = 0
                        AND CAST($2 AS BIGINT) - login_throttle.last_failure_at <= CAST($5 AS BIGINT)
                   THEN login_throttle.failures + 1 ELSE 1 END) >= CAST($3 AS BIGINT)
            THEN CAST($2 AS BIGINT) + CAST($4 AS BIGINT)
        ELSE 0 END,
    last_failure_at = CAST($2 AS BIGINT)
RETURNING failures, last_failure_at, locked_until";

pub async fn count_attempt(db: &DbPool, key: &str, policy: &Policy, now: i64) -> Result<Record> {
    let (failures, last_failure_at, locked_until): (i64, i64, i64) = db_run!(db, |pool| {
        let mut tx = pool.begin().await?;
        let row = sqlx::query_as(COUNT_ATTEMPT)
            .bind(key)
            .bind(now)
            .bind(policy.max_failures)
            .bind(policy.lockout_seconds)
            .bind(policy.window_seconds)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        row
    });
    Ok(Record { failures, last_failure_at, locked_until })
}

/// A successful login gives its attempt back to a shared counter (and the lock, if that
/// attempt was the one that set it).
pub async fn give_back(db: &DbPool, key: &str, policy: &Policy) -> Result<()> {
    db_run!(db, |pool| {
        sqlx::query(
            "UPDATE login_throttle SET failures = failures - 1,
                 locked_until = CASE WHEN failures - 1 < CAST($2 AS BIGINT) THEN 0 ELSE locked_until END
             WHERE key = $1 AND failures > 0",
        )
        .bind(key)
        .bind(policy.max_failures)
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

/// Until when the account with this e-mail digest is locked, from anywhere or from one
/// address (the latest lock), if it is.
pub async fn locked_until(db: &DbPool, email_digest: &str, now: i64) -> Result<Option<i64>> {
    let key = account_key(email_digest);
    let until: Option<i64> = db_run!(db, |pool| {
        sqlx::query_scalar(
            "SELECT MAX(locked_until) FROM login_throttle
             WHERE (key = $1 OR key LIKE $2) AND locked_until > $3",
        )
        .bind(&key)
        .bind(format!("{key}|%"))
        .bind(now)
        .fetch_one(pool)
        .await?
    });
    Ok(until)
}

/// The e-mail digests of the accounts locked now, from anywhere or from one address.
pub async fn locked_accounts(db: &DbPool, now: i64) -> Result<std::collections::HashSet<String>> {
    let keys: Vec<String> = db_run!(db, |pool| {
        sqlx::query_scalar("SELECT key FROM login_throttle WHERE key LIKE 'account:%' AND locked_until > $1")
            .bind(now)
            .fetch_all(pool)
            .await?
    });
    Ok(keys
        .iter()
        .filter_map(|key| key.strip_prefix("account:"))
        .map(|rest| rest.split('|').next().unwrap_or(rest).to_string())
        .collect())
}

/// Lifts every lock and forgets every count of the account with this e-mail digest.
pub async fn unlock(db: &DbPool, email_digest: &str) -> Result<u64> {
    let key = account_key(email_digest);
    let removed = db_run!(db, |pool| {
        sqlx::query("DELETE FROM login_throttle WHERE key = $1 OR key LIKE $2")
            .bind(&key)
            .bind(format!("{key}|%"))
            .execute(pool)
            .await?
            .rows_affected()
    });
    Ok(removed)
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
