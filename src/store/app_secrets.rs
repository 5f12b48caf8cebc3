//! Secrets that belong to the installation rather than to its configuration: created once,
//! kept in the database (so every instance and every backup has them).

use crate::db::DbPool;
use crate::{crypto, db_run, Result};

/// The installation's secret, created on first use. Two instances starting together
/// agree: the first insert wins, both read it back.
pub async fn installation_secret(db: &DbPool) -> Result<String> {
    let candidate = crypto::random_token();
    let secret = db_run!(db, |pool| {
        sqlx::query("INSERT INTO app_secrets (name, value) VALUES ('installation', $1) ON CONFLICT (name) DO NOTHING")
            .bind(&candidate)
            .execute(pool)
            .await?;
        sqlx::query_scalar::<_, String>("SELECT value FROM app_secrets WHERE name = 'installation'")
            .fetch_one(pool)
            .await?
    });
    Ok(secret)
}

/// The guest-link secrets: the installation's, and the one it replaced if its grace period
/// is not over.
pub async fn guest_secrets(db: &DbPool, now: i64) -> Result<crypto::GuestSecrets> {
    let current = installation_secret(db).await?;
    let rows: Vec<(String, String)> = db_run!(db, |pool| {
        sqlx::query_as(
            "SELECT name, value FROM app_secrets WHERE name IN ('installation_previous', 'installation_previous_until')",
        )
        .fetch_all(pool)
        .await?
    });
    let value = |name: &str| rows.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
    let until = value("installation_previous_until").and_then(|v| v.parse::<i64>().ok());
    let previous = value("installation_previous").zip(until).filter(|(_, until)| *until > now);
    Ok(crypto::GuestSecrets { current, previous })
}

/// Replaces the installation's secret: links made with the old one keep opening their
/// orders until `grace_until`, then stop. Returns the number of guest orders still open
/// (whose customers hold a link that will stop).
pub async fn rotate_installation_secret(db: &DbPool, grace_until: i64) -> Result<i64> {
    let current = installation_secret(db).await?;
    let fresh = crypto::random_token();
    let open = db_run!(db, |pool| {
        let mut tx = pool.begin().await?;
        for (name, value) in
            [("installation_previous", current.clone()), ("installation_previous_until", grace_until.to_string())]
        {
            sqlx::query(
                "INSERT INTO app_secrets (name, value) VALUES ($1, $2)
                 ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            )
            .bind(name)
            .bind(&value)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query("UPDATE app_secrets SET value = $1 WHERE name = 'installation'")
            .bind(&fresh)
            .execute(&mut *tx)
            .await?;
        let open: i64 = sqlx::query_scalar(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM orders WHERE access_token_hash IS NOT NULL
               AND status IN ('placed', 'preparing', 'ready', 'out_for_delivery')",
        )
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        open
    });
    Ok(open)
}
