//! Builds the Rocket instance: configuration, database, migrations and seed, routes.

use rocket::fairing::AdHoc;
use rocket::{Build, Rocket};
use rocket_db_pools::Database;

use crate::config::{Config, Settings};
use crate::db::{seed, Db};
use crate::domain::notifications::Channels;
use crate::jobs::{housekeeping, outbox, stock_alerts};
use crate::{web, Error, Result};

pub fn build(config: &Config) -> Result<Rocket<Build>> {
    let settings = config.settings.clone();
    crate::config::ensure_data_dir(&settings.data_dir)?;
    let demo = settings.demo;
    crate::web::customer::orders::set_guest_link_days(settings.security.guest_link_days_after_close);
    crate::crypto::set_hash_limit(
        usize::try_from(settings.security.password_hash_concurrency).unwrap_or(1),
        std::time::Duration::from_millis(settings.security.password_hash_wait_ms),
    );
    crate::store::outbox::set_channels(Channels {
        email: settings.smtp_host().is_some(),
        sms: settings.sms_gateway_url().is_some(),
    });
    let stripe = crate::payments::Stripe::from_settings(&settings.payments).map_err(Error::Config)?;
    let rocket = rocket::custom(config.figment.clone())
        .manage(crate::payments::OnlinePayment(stripe))
        .manage(settings)
        .manage(crate::metrics::Metrics::new())
        .manage(std::sync::Arc::new(crate::jobs::backups::BackupService::default()))
        .attach(web::telemetry::Telemetry)
        .attach(web::hostile_urls::HostileUrls)
        .attach(web::limits::RetryAfterHeader)
        .attach(web::shield())
        .attach(web::BodyChunks)
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
        .attach(AdHoc::try_on_ignite("Events port", |rocket| async move {
            let Some(port) = rocket.state::<Settings>().and_then(|settings| settings.events_port) else {
                return Ok(rocket);
            };
            let address = rocket.figment().extract_inner("address").unwrap_or(rocket::Config::default().address);
            match web::events::EventServer::bind(address, port) {
                Ok(listener) => Ok(rocket.manage(EventsSocket(std::sync::Mutex::new(Some(listener))))),
                Err(error) => {
                    tracing::error!(%error, "could not open the events port");
                    Err(rocket)
                }
            }
        }))
        .attach(AdHoc::on_liftoff("Event server", |rocket| {
            Box::pin(async move {
                let socket = rocket.state::<EventsSocket>().and_then(|socket| socket.0.lock().ok()?.take());
                if let Some(listener) = socket {
                    web::events::EventServer::start(rocket, listener);
                }
            })
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
                // Migrated (the ignite fairing) and listening (liftoff): ready for traffic.
                crate::supervisor::ready();
                rocket::tokio::spawn(crate::supervisor::watchdog(rocket.shutdown()));
            })
        }))
        .attach(AdHoc::on_shutdown("systemd stopping", |_| Box::pin(async { crate::supervisor::stopping() })))
        .attach(AdHoc::on_liftoff("Housekeeping, notifications, live events and backups", |rocket| {
            Box::pin(async move {
                let (Some(db), Some(settings)) = (Db::fetch(rocket), rocket.state::<Settings>()) else { return };
                let keep_days = settings.notification_keep_days;
                rocket::tokio::spawn(housekeeping::run((**db).clone(), keep_days, rocket.shutdown()));
                rocket::tokio::spawn(stock_alerts::run((**db).clone(), rocket.shutdown()));
                // Without capacity limits (load tests) nothing is booked: no promise to re-quote.
                if settings.capacity_limits {
                    let notice = settings.delay_notice_minutes;
                    rocket::tokio::spawn(crate::jobs::requote::run((**db).clone(), notice, rocket.shutdown()));
                }
                match outbox::Worker::new((**db).clone(), settings.clone()) {
                    Ok(worker) => {
                        rocket::tokio::spawn(std::sync::Arc::new(worker).run(rocket.shutdown()));
                    }
                    Err(error) => tracing::error!(%error, "notifications: the mail or SMS settings are unusable"),
                }
                if let Some(crate::payments::OnlinePayment(Some(stripe))) = rocket.state() {
                    let job = crate::jobs::payments::run(
                        (**db).clone(),
                        stripe.clone(),
                        settings.payments.clone(),
                        rocket.shutdown(),
                    );
                    rocket::tokio::spawn(job);
                }
                if let crate::db::DbPool::Postgres(pool) = &**db {
                    rocket::tokio::spawn(crate::live::listen(pool.clone(), rocket.shutdown()));
                }
                let service = rocket.state::<std::sync::Arc<crate::jobs::backups::BackupService>>();
                match (service, crate::backup::Backups::new((**db).clone(), settings)) {
                    (Some(service), Ok(backups)) => {
                        rocket::tokio::spawn(crate::jobs::backups::run(service.clone(), backups, rocket.shutdown()));
                    }
                    (_, Err(error)) => tracing::error!(%error, "backups: the storage settings are unusable"),
                    (None, _) => {}
                }
            })
        }));
    Ok(web::mount(rocket))
}

/// The events port's socket, bound at ignition, taken by the event server at liftoff.
struct EventsSocket(std::sync::Mutex<Option<std::net::TcpListener>>);

/// Brings the schema up to date, seeds a new database, and creates demo accounts on request.
pub async fn prepare_database(db: &crate::db::DbPool, demo: bool) -> Result<()> {
    db.migrate().await?;
    crate::crypto::set_guest_secrets(crate::store::app_secrets::guest_secrets(db, crate::unix_now()).await?);
    if seed::apply_once(db).await? {
        tracing::info!("new database: seed data applied");
    }
    if demo {
        let created = seed::ensure_demo_accounts(db).await?;
        tracing::warn!(created, password = seed::DEMO_PASSWORD, "demo accounts enabled");
    }
    Ok(())
}
