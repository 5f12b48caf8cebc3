//! Password reset links: one per request, valid one hour, usable once. Only the token's
//! digest is kept; the token itself travels in the outbox row of its e-mail, which is
//! wiped once the message is handed over.

use super::outbox;
use crate::crypto::token_digest;
use crate::db::{BeginWrite, DbPool};
use crate::domain::notifications::Kind;
use crate::{db_run, Result};

pub const VALID_SECONDS: i64 = 3600;
/// A second request for the same account within this delay sends nothing more.
pub const RESEND_AFTER_SECONDS: i64 = 60;

/// Writes a reset link for the active account with this e-mail address, and its e-mail,
/// in one transaction. `Ok(false)` when nothing was written (no such account, or a link
/// was sent a moment ago) — the visitor is told the same either way.
pub async fn request(db: &DbPool, email: &str, token: &str, now: i64) -> Result<bool> {
    if !outbox::channels().email {
        return Ok(false);
    }
    let written = db_run!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        let user: Option<(i64, String)> = sqlx::query_as(
            "SELECT id, email FROM users WHERE lower(email) = lower($1) AND active AND password_hash IS NOT NULL",
        )
        .bind(email.trim())
        .fetch_optional(&mut *tx)
        .await?;
        let Some((user_id, address)) = user else {
            tx.rollback().await?;
            return Ok(false);
        };
        let recent: i64 = sqlx::query_scalar(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM password_resets WHERE user_id = $1 AND created_at > $2",
        )
        .bind(user_id)
        .bind(now - RESEND_AFTER_SECONDS)
        .fetch_one(&mut *tx)
        .await?;
        if recent > 0 {
            tx.rollback().await?;
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO password_resets (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(token_digest(token))
        .bind(user_id)
        .bind(now)
        .bind(now + VALID_SECONDS)
        .execute(&mut *tx)
        .await?;
        sqlx::query(outbox::ACCOUNT_EMAIL_SQL)
            .bind(&address)
            .bind(Kind::PasswordReset.as_str())
            .bind(Kind::PasswordReset.subject(""))
            .bind(token)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        true
    });
    if written {
        outbox::wake();
    }
    Ok(written)
}

/// The e-mail address of the account a live link resets (`None`: unknown, used or expired).
pub async fn holder(db: &DbPool, token: &str, now: i64) -> Result<Option<String>> {
    let found: Option<Option<String>> = db_run!(db, |pool| {
        sqlx::query_scalar(
            "SELECT u.email FROM password_resets r JOIN users u ON u.id = r.user_id
             WHERE r.token_hash = $1 AND r.used_at IS NULL AND r.expires_at > $2 AND u.active",
        )
        .bind(token_digest(token))
        .bind(now)
        .fetch_optional(pool)
        .await?
    });
    Ok(found.flatten())
}

/// Uses the link: sets the password, spends this link and every other one of the account,
/// and ends all its sessions and API tokens — in one transaction. `None` when the link is unknown, used
/// or expired.
pub async fn redeem(db: &DbPool, token: &str, password_hash: &str, now: i64) -> Result<Option<i64>> {
    let redeemed = db_run!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        let sql = format!(
            "SELECT user_id FROM password_resets WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2{}",
            pool.row_lock()
        );
        let user_id: Option<i64> =
            sqlx::query_scalar(&sql).bind(token_digest(token)).bind(now).fetch_optional(&mut *tx).await?;
        match user_id {
            None => {
                tx.rollback().await?;
                None
            }
            Some(user_id) => {
                sqlx::query("UPDATE password_resets SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL")
                    .bind(now)
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "UPDATE users SET password_hash = $1, must_change_password = FALSE, updated_at = $2 WHERE id = $3",
                )
                .bind(password_hash)
                .bind(now)
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
                sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
                sqlx::query(crate::store::users::REVOKE_TOKENS_SQL).bind(now).bind(user_id).execute(&mut *tx).await?;
                tx.commit().await?;
                Some(user_id)
            }
        }
    });
    if let Some(user_id) = redeemed {
        crate::live::rights_changed(db, user_id).await;
    }
    Ok(redeemed)
}

/// Links older than a day go.
pub async fn purge(db: &DbPool, before: i64) -> Result<u64> {
    let purged = db_run!(db, |pool| {
        sqlx::query("DELETE FROM password_resets WHERE expires_at < $1")
            .bind(before)
            .execute(pool)
            .await?
            .rows_affected()
    });
    Ok(purged)
}
