//! Server-side sessions: a row per signed-in browser, found by the digest of the token its
//! cookie carries.

use sqlx::FromRow;

use crate::db::DbPool;
use crate::store::users::{AuthUser, AuthUserRow, AUTH_USER_COLUMNS};
use crate::{db_run, Result};

pub struct NewSession<'a> {
    pub token_hash: &'a str,
    pub user_id: i64,
    pub csrf_token: &'a str,
    pub idle_timeout_seconds: i64,
    pub expires_at: i64,
}

pub async fn create(db: &DbPool, session: &NewSession<'_>, now: i64) -> Result<()> {
    db_run!(db, |pool| {
        let mut tx = pool.begin().await?;
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen_at, expires_at,
                                   idle_timeout_seconds)
             VALUES ($1, $2, $3, $4, $4, $5, $6)",
        )
        .bind(session.token_hash)
        .bind(session.user_id)
        .bind(session.csrf_token)
        .bind(now)
        .bind(session.expires_at)
        .bind(session.idle_timeout_seconds)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
    });
    Ok(())
}

/// A live session and its user.
#[derive(Debug, Clone)]
pub struct LiveSession {
    pub user: AuthUser,
    pub csrf_token: String,
    pub last_seen_at: i64,
}

#[derive(FromRow)]
struct LiveSessionRow {
    #[sqlx(flatten)]
    user: AuthUserRow,
    csrf_token: String,
    last_seen_at: i64,
}

/// The session of this token if it has not expired (idle or absolute) and its account is
/// still active.
pub async fn find_live(db: &DbPool, token_hash: &str, now: i64) -> Result<Option<LiveSession>> {
    let sql = format!(
        "SELECT {AUTH_USER_COLUMNS}, s.csrf_token, s.last_seen_at
         FROM sessions s JOIN users u ON u.id = s.user_id
         WHERE s.token_hash = $1 AND s.expires_at > $2 AND s.last_seen_at + s.idle_timeout_seconds > $2
           AND u.active AND u.erased_at IS NULL"
    );
    let row: Option<LiveSessionRow> =
        db_run!(db, |pool| sqlx::query_as(&sql).bind(token_hash).bind(now).fetch_optional(pool).await?);
    row.map(|row| {
        Ok(LiveSession { user: row.user.into_user()?, csrf_token: row.csrf_token, last_seen_at: row.last_seen_at })
    })
    .transpose()
}

pub async fn touch(db: &DbPool, token_hash: &str, now: i64) -> Result<()> {
    db_run!(db, |pool| {
        sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
            .bind(now)
            .bind(token_hash)
            .execute(pool)
            .await?;
    });
    Ok(())
}

pub async fn delete(db: &DbPool, token_hash: &str) -> Result<()> {
    let user_id: Option<i64> = db_run!(db, |pool| {
        sqlx::query_scalar("DELETE FROM sessions WHERE token_hash = $1 RETURNING user_id")
            .bind(token_hash)
            .fetch_optional(pool)
            .await?
    });
    if let Some(user_id) = user_id {
        crate::live::rights_changed(db, user_id).await;
    }
    Ok(())
}

/// Removes sessions past their absolute or idle expiry. Returns how many.
pub async fn purge_expired(db: &DbPool, now: i64) -> Result<u64> {
    let purged = db_run!(db, |pool| {
        sqlx::query("DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at + idle_timeout_seconds <= $1")
            .bind(now)
            .execute(pool)
            .await?
            .rows_affected()
    });
    Ok(purged)
}
