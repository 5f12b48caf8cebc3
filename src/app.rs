//! Builds the Rocket instance: configuration, database, migrations and seed, routes.

use rocket::fairing::AdHoc;
use rocket::{Build, Rocket};
use rocket_db_pools::Database;

use crate::config::Config;
use crate::db::{seed, Db};
use crate::{web, Error, Result};

pub fn build(config: &Config) -> Result<Rocket<Build>> {
    let settings = config.settings.clone();
    ensure_data_dir(&settings.data_dir)?;
    let demo = settings.demo;
    let rocket = rocket::custom(config.figment.clone())
        .manage(settings)
        .attach(web::shield())
        .attach(Db::init())
        .attach(AdHoc::try_on_ignite("Migrations and seed", move |rocket| async move {
            // `state`, not `Db::fetch`: when the pool failed, its fairing has said why already.
            let Some(db) = rocket.state::<Db>() else { return Err(rocket) };
            match prepare_database(db, demo).await {
                Ok(()) => Ok(rocket),
                Err(error) => {
                    tracing::error!(%error, "could not prepare the database");
                    Err(rocket)
                }
            }
        }))
        .attach(AdHoc::on_liftoff("Startup log", |rocket| {
            Box::pin(async move {
                let config = rocket.config();
                let backend = Db::fetch(rocket).map(|db| format!("{:?}", db.backend())).unwrap_or_default();
                tracing::info!(
                    version = env!("CARGO_PKG_VERSION"),
                    profile = %config.profile,
                    database = backend,
                    "listening on http://{}:{}",
                    config.address,
                    config.port
                );
            })
        }))
        .attach(AdHoc::on_liftoff("Housekeeping and live events", |rocket| {
            Box::pin(async move {
                if let Some(db) = Db::fetch(rocket) {
                    rocket::tokio::spawn(housekeeping((**db).clone(), rocket.shutdown()));
                    if let crate::db::DbPool::Postgres(pool) = &**db {
                        rocket::tokio::spawn(crate::live::listen(pool.clone(), rocket.shutdown()));
                    }
                }
            })
        }));
    Ok(web::mount(rocket))
}

/// Every ten minutes: expired sessions, stale login counters, yesterday's menu withdrawals
/// and abandoned carts go.
async fn housekeeping(db: crate::db::DbPool, shutdown: rocket::Shutdown) {
    let mut shutdown = std::pin::pin!(shutdown);
    let mut interval = rocket::tokio::time::interval(std::time::Duration::from_secs(600));
    loop {
        rocket::tokio::select! {
            _ = interval.tick() => {}
            _ = &mut shutdown => return,
        }
        let now = crate::unix_now();
        match crate::store::sessions::purge_expired(&db, now).await {
            Ok(purged) if purged > 0 => tracing::info!(purged, "expired sessions purged"),
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "could not purge expired sessions"),
        }
        if let Err(error) = crate::store::login_throttle::purge(&db, now - 86_400).await {
            tracing::warn!(%error, "could not purge login counters");
        }
        // A pizza withdrawn by a manager is withdrawn for the day.
        let midnight = crate::domain::dashboard::start_of_day(now);
        if let Err(error) = crate::store::menu_admin::end_old_withdrawals(&db, midnight).await {
            tracing::warn!(%error, "could not end yesterday's menu withdrawals");
        }
        // A cart's cookie lives 7 days: nobody comes back to an older cart.
        if let Err(error) = crate::store::carts::purge(&db, now - 7 * 86_400).await {
            tracing::warn!(%error, "could not purge old carts");
        }
    }
}

/// Brings the schema up to date, seeds a new database, and creates demo accounts on request.
pub async fn prepare_database(db: &crate::db::DbPool, demo: bool) -> Result<()> {
    db.migrate().await?;
    if seed::apply_once(db).await? {
        tracing::info!("new database: seed data applied");
    }
    if demo {
        let created = seed::ensure_demo_accounts(db).await?;
        tracing::warn!(created, password = seed::DEMO_PASSWORD, "demo accounts enabled");
    }
    Ok(())
}

pub fn ensure_data_dir(path: &std::path::Path) -> Result<()> {
    std::fs::create_dir_all(path).map_err(|e| {
        Error::io(format!("cannot create the data directory {} (data_dir / OC_PIZZA_DATA_DIR)", path.display()), e)
    })
}
