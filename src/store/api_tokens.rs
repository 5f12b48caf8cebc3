//! Personal API tokens, stored as digests.

use sqlx::FromRow;

use crate::db::DbPool;
use crate::store::users::{AuthUser, AuthUserRow, AUTH_USER_COLUMNS};
use crate::{db_run, Result};

#[derive(Debug, Clone, FromRow, serde::Serialize)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    pub prefix: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub expires_at: Option<i64>,
    pub read_only: bool,
}

impl ApiToken {
    pub fn is_live(&self, now: i64) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_some_and(|at| at > now)
    }
}

pub struct NewToken<'a> {
    pub name: &'a str,
    pub token_hash: &'a str,
    pub prefix: &'a str,
    pub expires_at: i64,
    pub read_only: bool,
}

pub async fn create(db: &DbPool, user_id: i64, token: &NewToken<'_>) -> Result<i64> {
    let id = db_run!(db, |pool| {
        let mut tx = pool.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO api_tokens (user_id, name, token_hash, prefix, expires_at, read_only)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(user_id)
        .bind(token.name)
        .bind(token.token_hash)
        .bind(token.prefix)
        .bind(token.expires_at)
        .bind(token.read_only)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        id
    });
    Ok(id)
}

pub async fn list(db: &DbPool, user_id: i64) -> Result<Vec<ApiToken>> {
    let tokens = db_run!(db, |pool| {
        sqlx::query_as(
            "SELECT id, name, prefix, created_at, last_used_at, revoked_at, expires_at, read_only FROM api_tokens
             WHERE user_id = $1 ORDER BY revoked_at IS NOT NULL, created_at DESC, id DESC",
        )
        .bind(user_id)
        .fetch_all(pool)
        .await?
    });
    Ok(tokens)
}

/// Revokes one of the user's own tokens; `false` if there is no such live token.
pub async fn revoke(db: &DbPool, user_id: i64, token_id: i64, now: i64) -> Result<bool> {
    let revoked = db_run!(db, |pool| {
        sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL")
            .bind(now)
            .bind(token_id)
            .bind(user_id)
            .execute(pool)
            .await?
            .rows_affected()
    });
    if revoked == 1 {
        crate::live::rights_changed(db, user_id).await;
    }
    Ok(revoked == 1)
}

/// The user of a live token (not revoked, not expired, account active) and whether the
/// token is read-only, recording that it was used.
pub async fn authenticate(db: &DbPool, token_hash: &str, now: i64) -> Result<Option<(AuthUser, bool)>> {
    let sql = format!(
        "SELECT {AUTH_USER_COLUMNS}, t.read_only FROM api_tokens t JOIN users u ON u.id = t.user_id
         WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND t.expires_at > $2
           AND u.active AND u.erased_at IS NULL"
    );
    let row: Option<TokenRow> = db_run!(db, |pool| {
        let row = sqlx::query_as(&sql).bind(token_hash).bind(now).fetch_optional(pool).await?;
        if row.is_some() {
            // At most one write a minute per token.
            sqlx::query(
                "UPDATE api_tokens SET last_used_at = $1
                 WHERE token_hash = $2 AND (last_used_at IS NULL OR last_used_at < $1 - 60)",
            )
            .bind(now)
            .bind(token_hash)
            .execute(pool)
            .await?;
        }
        row
    });
    row.map(|row| Ok((row.user.into_user()?, row.read_only))).transpose()
}

#[derive(FromRow)]
struct TokenRow {
    #[sqlx(flatten)]
    user: AuthUserRow,
    read_only: bool,
}
