//! The seed (pizzerias, ingredients, menu, recipes, opening stock) and the demo accounts.

use crate::db::DbPool;
use crate::{db_run, Error, Result};

const CHAIN_SEED: &str = include_str!("../../migrations/seed/0001_chain.sql");
/// Recorded in `app_meta` so that a later boot knows the seed is there.
const CHAIN_SEED_KEY: &str = "seed.chain";
const CHAIN_SEED_VERSION: &str = "0001";

pub const DEMO_PASSWORD: &str = "pizza-demo-2026";
pub const DEMO_EMAIL_DOMAIN: &str = "demo.ocpizza.fr";

/// Applies the seed if this database has never received it. The marker row is claimed in
/// the same transaction as the seed, so two instances booting at once cannot both seed.
/// Returns whether the seed was applied now.
pub async fn apply_once(db: &DbPool) -> Result<bool> {
    let applied = db_run!(db, |pool| {
        let mut tx = pool.begin().await?;
        let claimed = sqlx::query("INSERT INTO app_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
            .bind(CHAIN_SEED_KEY)
            .bind(CHAIN_SEED_VERSION)
            .execute(&mut *tx)
            .await?
            .rows_affected()
            == 1;
        if claimed {
            // Through `Executor` rather than `RawSql::execute`, whose future rustc cannot prove
            // `Send` in Rocket's fairing (rust-lang/rust#64552).
            sqlx::Executor::execute(&mut *tx, sqlx::raw_sql(CHAIN_SEED)).await?;
        }
        tx.commit().await?;
        claimed
    });
    Ok(applied)
}

/// One account per staff role per pizzeria, an admin and a customer, all with
/// [`DEMO_PASSWORD`]. Existing accounts are left as they are. Only on request (`--demo`).
pub async fn ensure_demo_accounts(db: &DbPool) -> Result<u64> {
    let password_hash = rocket::tokio::task::spawn_blocking(|| crate::crypto::hash_password(DEMO_PASSWORD))
        .await
        .map_err(|e| Error::PasswordHash(e.to_string()))??;
    let created = db_run!(db, |pool| {
        let mut tx = pool.begin().await?;
        // `WHERE TRUE` lets SQLite tell the upsert's ON CONFLICT from a join constraint.
        let staff = sqlx::query(
            "INSERT INTO users (email, password_hash, full_name, role, pizzeria_id)
             SELECT r.column1 || '.' || p.slug || '@' || $2, $1, r.column2 || ' ' || p.name, r.column1, p.id
             FROM pizzerias p CROSS JOIN (VALUES ('manager', 'Responsable'), ('counter', 'Accueil'),
                 ('pizzaiolo', 'Pizzaiolo'), ('driver', 'Livreur')) AS r
             WHERE TRUE
             ON CONFLICT (email) DO NOTHING",
        )
        .bind(&password_hash)
        .bind(DEMO_EMAIL_DOMAIN)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let others = sqlx::query(
            "INSERT INTO users (email, password_hash, full_name, phone, role) VALUES
                ('admin@' || $2, $1, 'Direction OC Pizza', NULL, 'admin'),
                ('client@' || $2, $1, 'Camille Client', '06 12 34 56 78', 'customer')
             ON CONFLICT (email) DO NOTHING",
        )
        .bind(&password_hash)
        .bind(DEMO_EMAIL_DOMAIN)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        staff + others
    });
    Ok(created)
}
