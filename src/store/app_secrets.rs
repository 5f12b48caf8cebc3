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
