//! A pizzeria's capacity (`pizzeria_capacity`, `capacity_travel`, `oven_ranges`): read as
//! a `domain::capacity::Capacity` (the defaults where nothing is saved), saved whole.

use std::collections::BTreeMap;

use crate::db::{Batch, DbPool};
use crate::domain::capacity::{Capacity, Load, OvenRange};
use crate::{db_run, Result};

/// oven_per_quarter, lead_minutes, drivers, pizzas_per_run, default_travel_minutes, and who
/// changed it when
pub(crate) type CapacityRow = (i64, i64, i64, i64, i64, i64, Option<String>);

/// The rows of a pizzeria's capacity, read on `$conn` (a pool, or `&mut *tx`): the main
/// row (if saved), its travel times and its oven's ranges.
macro_rules! read_capacity {
    ($conn:expr, $pizzeria_id:expr) => {{
        let row: Option<$crate::store::capacity::CapacityRow> = sqlx::query_as(
            "SELECT c.oven_per_quarter, c.lead_minutes, c.drivers, c.pizzas_per_run, c.default_travel_minutes,
                    c.updated_at, u.full_name
             FROM pizzeria_capacity c LEFT JOIN users u ON u.id = c.updated_by WHERE c.pizzeria_id = $1",
        )
        .bind($pizzeria_id)
        .fetch_optional($conn)
        .await?;
        let travel: Vec<(String, i64)> =
            sqlx::query_as("SELECT postcode, minutes FROM capacity_travel WHERE pizzeria_id = $1 ORDER BY postcode")
                .bind($pizzeria_id)
                .fetch_all($conn)
                .await?;
        let ranges: Vec<(i64, i64, i64, i64)> = sqlx::query_as(
            "SELECT weekday, from_minute, to_minute, pizzas_per_quarter FROM oven_ranges WHERE pizzeria_id = $1
             ORDER BY weekday, from_minute",
        )
        .bind($pizzeria_id)
        .fetch_all($conn)
        .await?;
        $crate::store::capacity::capacity_from(row, travel, ranges)
    }};
}
pub(crate) use read_capacity;

/// The pizzeria's capacity, and when and by whom it was last changed (`None`: the defaults).
pub async fn for_pizzeria(db: &DbPool, pizzeria_id: i64) -> Result<(Capacity, Option<(i64, Option<String>)>)> {
    Ok(db_run!(db, |pool| { read_capacity!(pool, pizzeria_id) }))
}

pub(crate) fn capacity_from(
    row: Option<CapacityRow>,
    travel: Vec<(String, i64)>,
    ranges: Vec<(i64, i64, i64, i64)>,
) -> (Capacity, Option<(i64, Option<String>)>) {
    let mut capacity = Capacity::default();
    let mut changed = None;
    if let Some((oven, lead, drivers, per_run, default_travel, at, who)) = row {
        capacity.oven_per_quarter = oven;
        capacity.lead_minutes = lead;
        capacity.drivers = drivers;
        capacity.pizzas_per_run = per_run;
        capacity.default_travel_minutes = default_travel;
        changed = Some((at, who));
    }
    capacity.travel_minutes = travel.into_iter().collect::<BTreeMap<_, _>>();
    capacity.oven_ranges = ranges
        .into_iter()
        .map(|(weekday, from, to, pizzas)| OvenRange {
            weekday: weekday as u32,
            from_minute: from as u32,
            to_minute: to as u32,
            pizzas_per_quarter: pizzas,
        })
        .collect();
    (capacity, changed)
}

/// How far back the bookings are read: nothing is baked before now, and a run that came
/// back before now weighs on nothing; an hour's margin for a clock or a grace period.
pub(crate) const LOAD_LOOKBACK_SECONDS: i64 = 3600;

/// What the pizzeria has already promised, read on `$conn`: pizzas per oven quarter-hour and
/// the deliveries' runs, from [`LOAD_LOOKBACK_SECONDS`] before `$now` on. The oven counts the
/// orders not started yet: once the kitchen starts one, its pizzas are in its hands and the
/// quarter-hours it booked go back to the queue behind it (the "dès que possible" estimate
/// moves earlier as the kitchen works).
macro_rules! read_load {
    ($conn:expr, $pizzeria_id:expr, $now:expr) => {{
        let since: i64 = $now - $crate::store::capacity::LOAD_LOOKBACK_SECONDS;
        let oven: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT b.quarter, CAST(SUM(b.pizzas) AS BIGINT) FROM oven_bookings b JOIN orders o ON o.id = b.order_id
             WHERE b.pizzeria_id = $1 AND b.quarter >= $2 AND o.status = 'placed'
             GROUP BY b.quarter",
        )
        .bind($pizzeria_id)
        .bind(since)
        .fetch_all($conn)
        .await?;
        let runs: Vec<(i64, i64, i64)> = sqlx::query_as(
            "SELECT departs, returns, drivers FROM delivery_runs WHERE pizzeria_id = $1 AND returns > $2",
        )
        .bind($pizzeria_id)
        .bind(since)
        .fetch_all($conn)
        .await?;
        $crate::domain::capacity::Load {
            oven: oven.into_iter().collect(),
            runs: runs
                .into_iter()
                .map(|(departs, returns, drivers)| $crate::domain::capacity::Run { departs, returns, drivers })
                .collect(),
        }
    }};
}
pub(crate) use read_load;

/// Pizzas booked per oven quarter-hour in [from, until), started orders included: what the
/// oven had to bake (the dashboard's chart).
pub async fn booked_between(db: &DbPool, pizzeria_id: i64, from: i64, until: i64) -> Result<BTreeMap<i64, i64>> {
    let rows: Vec<(i64, i64)> = db_run!(db, |pool| {
        sqlx::query_as(
            "SELECT quarter, CAST(SUM(pizzas) AS BIGINT) FROM oven_bookings
             WHERE pizzeria_id = $1 AND quarter >= $2 AND quarter < $3 GROUP BY quarter",
        )
        .bind(pizzeria_id)
        .bind(from)
        .bind(until)
        .fetch_all(pool)
        .await?
    });
    Ok(rows.into_iter().collect())
}

/// The pizzeria's capacity and what it has promised, as a page shows them (not locked: the
/// order's transaction checks again).
pub async fn with_load(db: &DbPool, pizzeria_id: i64, now: i64) -> Result<(Capacity, Load)> {
    Ok(db_run!(db, |pool| {
        let (capacity, _) = read_capacity!(pool, pizzeria_id);
        (capacity, read_load!(pool, pizzeria_id, now))
    }))
}

/// An order's promise, in its transaction (`$pool` the backend's pool, `$tx` the write
/// transaction): with `$limits`, the pizzeria's writers take turns (see
/// `BeginWrite::pizzeria_lock`), its capacity and load are read and
/// `domain::capacity::promise` decides; without (load tests), the time asked for, or the
/// first of the times, with nothing booked. `Ok((time, booking))` or the refusal.
macro_rules! promise_in {
    ($tx:expr, $pool:expr, $limits:expr, $pizzeria_id:expr, $basket:expr, $requested:expr, $times:expr, $now:expr) => {{
        let (requested, times): (Option<i64>, &[i64]) = ($requested, $times);
        if $limits {
            if let Some(lock) = $pool.pizzeria_lock() {
                sqlx::query(lock).bind($pizzeria_id).execute(&mut *$tx).await?;
            }
            let (capacity, _) = $crate::store::capacity::read_capacity!(&mut *$tx, $pizzeria_id);
            let load = $crate::store::capacity::read_load!(&mut *$tx, $pizzeria_id, $now);
            $crate::domain::capacity::promise(&capacity, &load, &$basket, requested, times, $now)
                .map(|(time, booking)| (time, Some(booking)))
        } else {
            Ok((requested.or(times.first().copied()).unwrap_or($now), None))
        }
    }};
}
pub(crate) use promise_in;

/// Writes an order's promise: its time on the order, its oven quarter-hours and its run
/// (a modification; a placement writes the time with the order, see [`write_booking`]).
macro_rules! write_promise {
    ($tx:expr, $batch:expr, $order_id:expr, $pizzeria_id:expr, $promise:expr) => {{
        let (time, booking): &(i64, Option<$crate::domain::capacity::Booking>) = $promise;
        let empty = $crate::domain::capacity::Booking { oven: Vec::new(), run: None };
        let booking = booking.as_ref().unwrap_or(&empty);
        let sql = $crate::store::capacity::promise_sql($batch, true, booking.oven.len(), booking.run.is_some());
        let write = sqlx::query(&sql).bind($order_id).bind(*time).bind($pizzeria_id);
        $crate::store::capacity::bind_booking!(write, booking).execute(&mut *$tx).await?;
    }};
}
pub(crate) use write_promise;

/// Writes what a new order books (its time is in its row already).
macro_rules! write_booking {
    ($tx:expr, $batch:expr, $order_id:expr, $pizzeria_id:expr, $booking:expr) => {{
        let booking: &$crate::domain::capacity::Booking = $booking;
        let sql = $crate::store::capacity::promise_sql($batch, false, booking.oven.len(), booking.run.is_some());
        let write = sqlx::query(&sql).bind($order_id).bind($pizzeria_id);
        $crate::store::capacity::bind_booking!(write, booking).execute(&mut *$tx).await?;
    }};
}
pub(crate) use write_booking;

/// Binds a booking's run (if any), then its oven rows.
macro_rules! bind_booking {
    ($query:expr, $booking:expr) => {{
        let mut query = $query;
        if let Some(run) = &$booking.run {
            query = query.bind(run.departs).bind(run.returns).bind(run.drivers);
        }
        for (quarter, pizzas) in &$booking.oven {
            query = query.bind(*quarter).bind(*pizzas);
        }
        query
    }};
}
pub(crate) use bind_booking;

/// Frees what an order had booked (cancelled, or about to be booked again).
macro_rules! free_promise {
    ($tx:expr, $order_id:expr) => {{
        sqlx::query("DELETE FROM oven_bookings WHERE order_id = $1").bind($order_id).execute(&mut *$tx).await?;
        sqlx::query("DELETE FROM delivery_runs WHERE order_id = $1").bind($order_id).execute(&mut *$tx).await?;
    }};
}
pub(crate) use free_promise;

/// The writes of a promise in one round trip. Parameters: `$1` the order, then with `time`
/// the time promised (written on the order), then the pizzeria, the run's departure, return
/// and drivers (if any), then `oven_rows` × (quarter-hour, pizzas).
pub(crate) fn promise_sql(batch: Batch, time: bool, oven_rows: usize, run: bool) -> String {
    let pizzeria = if time { 3 } else { 2 };
    let mut writes = Vec::new();
    if time {
        writes.push("UPDATE orders SET promised_for = $2 WHERE id = $1 AND pizzeria_id = $3".to_string());
    }
    let mut next = pizzeria + 1;
    if run {
        writes.push(format!(
            "INSERT INTO delivery_runs (order_id, pizzeria_id, departs, returns, drivers) VALUES ($1, ${pizzeria}, ${}, ${}, ${})",
            next,
            next + 1,
            next + 2
        ));
        next += 3;
    }
    if oven_rows > 0 {
        let rows: Vec<String> =
            (0..oven_rows).map(|i| format!("($1, ${pizzeria}, ${}, ${})", next + 2 * i, next + 2 * i + 1)).collect();
        writes.push(format!(
            "INSERT INTO oven_bookings (order_id, pizzeria_id, quarter, pizzas) VALUES {}",
            rows.join(", ")
        ));
    }
    match batch {
        Batch::Script => writes.join(";\n"),
        Batch::CommonTableExpressions => {
            let ctes: Vec<String> = writes.iter().enumerate().map(|(i, w)| format!("w{i} AS ({w})")).collect();
            format!("WITH {} SELECT 1", ctes.join(", "))
        }
    }
}

/// Saves the whole capacity of a pizzeria in one transaction.
pub async fn save(db: &DbPool, pizzeria_id: i64, capacity: &Capacity, user_id: i64, now: i64) -> Result<()> {
    db_run!(db, |pool| {
        let mut tx = pool.begin().await?;
        sqlx::query(
            "INSERT INTO pizzeria_capacity (pizzeria_id, oven_per_quarter, lead_minutes, drivers, pizzas_per_run,
                 default_travel_minutes, updated_by, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (pizzeria_id) DO UPDATE SET oven_per_quarter = $2, lead_minutes = $3, drivers = $4,
                 pizzas_per_run = $5, default_travel_minutes = $6, updated_by = $7, updated_at = $8",
        )
        .bind(pizzeria_id)
        .bind(capacity.oven_per_quarter)
        .bind(capacity.lead_minutes)
        .bind(capacity.drivers)
        .bind(capacity.pizzas_per_run)
        .bind(capacity.default_travel_minutes)
        .bind(user_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM capacity_travel WHERE pizzeria_id = $1").bind(pizzeria_id).execute(&mut *tx).await?;
        for (postcode, minutes) in &capacity.travel_minutes {
            sqlx::query("INSERT INTO capacity_travel (pizzeria_id, postcode, minutes) VALUES ($1, $2, $3)")
                .bind(pizzeria_id)
                .bind(postcode)
                .bind(*minutes)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("DELETE FROM oven_ranges WHERE pizzeria_id = $1").bind(pizzeria_id).execute(&mut *tx).await?;
        for range in &capacity.oven_ranges {
            sqlx::query(
                "INSERT INTO oven_ranges (pizzeria_id, weekday, from_minute, to_minute, pizzas_per_quarter)
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(pizzeria_id)
            .bind(range.weekday as i64)
            .bind(range.from_minute as i64)
            .bind(range.to_minute as i64)
            .bind(range.pizzas_per_quarter)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_promise_is_written_in_one_round_trip_with_numbered_parameters() {
        let script = promise_sql(Batch::Script, true, 2, true);
        assert_eq!(script.matches(";\n").count(), 2, "{script}");
        assert!(script.contains("VALUES ($1, $3, $4, $5, $6)"), "{script}");
        assert!(script.ends_with("VALUES ($1, $3, $7, $8), ($1, $3, $9, $10)"), "{script}");
        let statement = promise_sql(Batch::CommonTableExpressions, true, 1, false);
        assert!(!statement.contains(';'), "{statement}");
        assert!(statement.ends_with("w1 AS (INSERT INTO oven_bookings (order_id, pizzeria_id, quarter, pizzas) VALUES ($1, $3, $4, $5)) SELECT 1"), "{statement}");
        assert_eq!(
            promise_sql(Batch::Script, false, 1, true),
            "INSERT INTO delivery_runs (order_id, pizzeria_id, departs, returns, drivers) VALUES ($1, $2, $3, $4, $5);\n\
             INSERT INTO oven_bookings (order_id, pizzeria_id, quarter, pizzas) VALUES ($1, $2, $6, $7)"
        );
        assert_eq!(
            promise_sql(Batch::Script, true, 0, false),
            "UPDATE orders SET promised_for = $2 WHERE id = $1 AND pizzeria_id = $3"
        );
    }
}
