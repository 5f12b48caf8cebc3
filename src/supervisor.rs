//! systemd's service protocol (the unit is `Type=notify` with `WatchdogSec=`): `READY=1`
//! once the database is migrated and the listener bound, `WATCHDOG=1` keep-alives from the
//! runtime at half the watchdog period (a stuck runtime stops them and systemd restarts
//! the service), `STOPPING=1` when shutdown begins. Without `NOTIFY_SOCKET` (not under
//! systemd, or another `Type=`) every call does nothing.

use sd_notify::NotifyState;

pub fn ready() {
    notify(NotifyState::Ready, "READY");
}

pub fn stopping() {
    notify(NotifyState::Stopping, "STOPPING");
}

fn notify(state: NotifyState<'_>, name: &str) {
    if let Err(error) = sd_notify::notify(&[state]) {
        tracing::warn!(%error, state = name, "could not notify systemd");
    }
}

/// Sends keep-alives while the runtime runs, if systemd asked for them.
pub async fn watchdog(shutdown: rocket::Shutdown) {
    let Some(period) = sd_notify::watchdog_enabled() else { return };
    let mut shutdown = std::pin::pin!(shutdown);
    let mut interval = rocket::tokio::time::interval(period / 2);
    tracing::info!(period_ms = period.as_millis() as u64, "systemd watchdog: keep-alives at half the period");
    loop {
        rocket::tokio::select! {
            _ = interval.tick() => notify(NotifyState::Watchdog, "WATCHDOG"),
            _ = &mut shutdown => return,
        }
    }
}
