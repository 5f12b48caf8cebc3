//! Work the serving process does in the background: delivering the notification outbox,
//! the managers' stock alerts, the nightly backup, and the periodic housekeeping.

pub mod backups;
pub mod housekeeping;
pub mod mail;
pub mod outbox;
pub mod payments;
pub mod requote;
pub mod sms;
pub mod stock_alerts;

use std::time::Duration;

/// Runs `pass` now, then after each live event (any instance's; at most once per
/// `at_most_every`) and every `every` in any case, until the server stops.
pub(crate) async fn on_events<F, Fut>(shutdown: rocket::Shutdown, at_most_every: Duration, every: Duration, mut pass: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut shutdown = std::pin::pin!(shutdown);
    let mut events = crate::live::subscribe();
    loop {
        pass().await;
        rocket::tokio::select! {
            _ = rocket::tokio::time::sleep(at_most_every) => {}
            _ = &mut shutdown => return,
        }
        rocket::tokio::select! {
            _ = events.recv() => {}
            _ = rocket::tokio::time::sleep(every) => {}
            _ = &mut shutdown => return,
        }
    }
}
