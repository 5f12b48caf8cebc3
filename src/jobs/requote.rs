//! Re-quotes the open orders when the kitchen or the drivers fall behind
//! (`domain::requote`): after any live event (an order placed, started, delivered — on any
//! instance), at most every few seconds, and every half-minute in any case, since falling
//! behind is the clock passing with nothing happening.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::db::DbPool;
use crate::domain::capacity::Capacity;
use crate::domain::requote;
use crate::store;
use crate::unix_now;

const EVERY: Duration = Duration::from_secs(30);
const AT_MOST_EVERY: Duration = Duration::from_secs(2);

pub async fn run(db: DbPool, notice_minutes: i64, shutdown: rocket::Shutdown) {
    super::on_events(shutdown, AT_MOST_EVERY, EVERY, || async {
        match pass(&db, notice_minutes, unix_now()).await {
            Ok((0, _)) => {}
            Ok((moved, told)) => tracing::info!(moved, told, "re-quote: estimates moved"),
            Err(error) => {
                tracing::warn!(%error, "re-quote: could not re-read the queue");
                crate::reporting::job_failed("re-quote", &error.to_string());
            }
        }
    })
    .await
}

/// One pass over every pizzeria's open orders: (estimates changed, customers told).
pub async fn pass(db: &DbPool, notice_minutes: i64, now: i64) -> crate::Result<(usize, usize)> {
    let (rows, mut booked) = store::requote::open_orders(db).await?;
    let mut by_pizzeria: BTreeMap<i64, Vec<store::requote::OpenRow>> = BTreeMap::new();
    for row in rows {
        by_pizzeria.entry(row.pizzeria_id).or_default().push(row);
    }
    let (mut moved, mut told) = (0, 0);
    for (pizzeria_id, rows) in by_pizzeria {
        let capacity: Capacity = store::capacity::for_pizzeria(db, pizzeria_id).await?.0;
        let open: Vec<requote::Open> =
            rows.iter().map(|r| r.open(&capacity, booked.remove(&r.id).unwrap_or_default())).collect();
        let late: BTreeMap<i64, i64> = requote::requote(&capacity, &open, now).into_iter().collect();
        for row in &rows {
            let estimate = late.get(&row.id).copied();
            if estimate == row.requoted_for {
                continue;
            }
            let tell = estimate.is_some_and(|end| end - row.promised_for >= notice_minutes * 60)
                && row.delay_notified_at.is_none();
            let window = estimate.map(|end| requote::window(row.mode(), end));
            if store::requote::write(db, row.id, window, tell, now).await? {
                told += 1;
            }
            moved += 1;
        }
    }
    Ok((moved, told))
}
