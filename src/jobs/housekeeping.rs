//! Periodic clean-up of what expires.

use crate::db::DbPool;
use crate::store;

/// Every ten minutes: expired sessions, stale login counters, yesterday's menu withdrawals,
/// abandoned carts, old sent notifications and spent password reset links go.
pub async fn run(db: DbPool, notification_keep_days: i64, shutdown: rocket::Shutdown) {
    let mut shutdown = std::pin::pin!(shutdown);
    let mut interval = rocket::tokio::time::interval(std::time::Duration::from_secs(600));
    loop {
        rocket::tokio::select! {
            _ = interval.tick() => {}
            _ = &mut shutdown => return,
        }
        let now = crate::unix_now();
        match store::sessions::purge_expired(&db, now).await {
            Ok(purged) if purged > 0 => tracing::info!(purged, "expired sessions purged"),
            Ok(_) => {}
            Err(error) => failed("purge expired sessions", &error),
        }
        if let Err(error) = store::login_throttle::purge(&db, now - 86_400).await {
            failed("purge login counters", &error);
        }
        // Counters of windows over two days old; the dashboard's refusals for 90 days.
        let old_day = crate::domain::limits::paris_day(now - 90 * 86_400);
        if let Err(error) = store::rate_limits::purge(&db, now - 2 * 86_400, &old_day).await {
            failed("purge rate limits", &error);
        }
        // A pizza withdrawn by a manager is withdrawn for the day.
        let midnight = crate::domain::dashboard::start_of_day(now);
        if let Err(error) = store::menu_admin::end_old_withdrawals(&db, midnight).await {
            failed("end yesterday's menu withdrawals", &error);
        }
        // A cart's cookie lives 7 days: nobody comes back to an older cart.
        if let Err(error) = store::carts::purge(&db, now - 7 * 86_400).await {
            failed("purge old carts", &error);
        }
        match store::outbox::purge_sent(&db, now - notification_keep_days * 86_400).await {
            Ok(purged) if purged > 0 => tracing::info!(purged, "sent notifications purged"),
            Ok(_) => {}
            Err(error) => failed("purge sent notifications", &error),
        }
        if let Err(error) = store::password_resets::purge(&db, now - 86_400).await {
            failed("purge password reset links", &error);
        }
    }
}

fn failed(task: &str, error: &crate::Error) {
    tracing::warn!(%error, "housekeeping: could not {task}");
    crate::reporting::job_failed("housekeeping", &format!("could not {task}: {error}"));
}
