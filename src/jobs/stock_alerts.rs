//! Keeps the managers' stock alerts in line with the stock (`store::stock_alerts`): after
//! stock moves (any live event: an order, a restock, a waste, on any instance), at most
//! once a second, and every minute in any case.

use std::time::Duration;

use crate::db::DbPool;
use crate::store::stock_alerts;
use crate::unix_now;

const EVERY: Duration = Duration::from_secs(60);
const AT_MOST_EVERY: Duration = Duration::from_secs(1);

pub async fn run(db: DbPool, shutdown: rocket::Shutdown) {
    super::on_events(shutdown, AT_MOST_EVERY, EVERY, || async {
        match stock_alerts::reconcile(&db, unix_now()).await {
            Ok(0) => {}
            Ok(written) => tracing::info!(written, "stock alerts: managers e-mailed"),
            Err(error) => {
                tracing::warn!(%error, "stock alerts: could not check the stock");
                crate::reporting::job_failed("stock alerts", &error.to_string());
            }
        }
    })
    .await
}
