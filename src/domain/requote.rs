//! What customers are told and when it moves: a promise is shown as a window ("prête vers
//! 19h35–19h45"), and when the kitchen or the drivers fall behind, the orders behind the
//! late one are estimated again from the live queue.
//!
//! The replay: the orders not yet started keep the oven quarter-hours they booked, in the
//! order of their latest start; the pizzas of a quarter-hour already past (the order was
//! not started in time) go into the first quarter-hours from now plus the preparation lead
//! that still have room, taking it from the orders booked there, whose pizzas move on in
//! turn. Deliveries then leave when their pizzas are out of the oven and a driver is back;
//! a driver still on the road after their run's planned return comes back no sooner than
//! the trip back from now.

use std::collections::BTreeMap;

use crate::domain::capacity::{Capacity, QUARTER};
use crate::domain::orders::Mode;

/// How wide a promised window is: the end is the time the oven and drivers can keep.
pub const TAKEAWAY_WINDOW: i64 = 10 * 60;
pub const DELIVERY_WINDOW: i64 = 15 * 60;

/// An order started and not yet out of the oven is estimated out this long from now once
/// its planned time has passed.
pub const STILL_IN_KITCHEN: i64 = 5 * 60;

/// Re-quoted times are rounded up to this step: a customer reads "20h05", not "20h03".
const STEP: i64 = 5 * 60;

/// The window shown for a promise ending at `end`: (start, end).
pub fn window(mode: Mode, end: i64) -> (i64, i64) {
    let width = match mode {
        Mode::Takeaway => TAKEAWAY_WINDOW,
        Mode::Delivery => DELIVERY_WINDOW,
    };
    (end - width, end)
}

/// "prête vers 19h35–19h45", "livrée vers 19h50–20h05" (Paris time).
pub fn describe_window(mode: Mode, end: i64) -> String {
    let (start, end) = window(mode, end);
    let clock = |t: i64| chrono::DateTime::from_timestamp(t, 0).map(crate::domain::slots::clock).unwrap_or_default();
    let verb = match mode {
        Mode::Takeaway => "prête",
        Mode::Delivery => "livrée",
    };
    format!("{verb} vers {}–{}", clock(start), clock(end))
}

/// Where an open order is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Placed, not started.
    Waiting,
    /// Started (in preparation or in the oven).
    InKitchen,
    /// Out of the oven, waiting at the counter or for a driver.
    Ready,
    /// With its driver.
    OnTheRoad,
}

/// An open order as the replay sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Open {
    pub order_id: i64,
    pub stage: Stage,
    pub mode: Mode,
    pub pizzas: i64,
    /// Seconds from the pizzeria to its door (0 for a takeaway).
    pub travel: i64,
    /// The end of its promised window.
    pub promised_for: i64,
    /// The oven quarter-hours it booked (quarter start, pizzas), earliest first; empty when
    /// taken without capacity limits.
    pub oven: Vec<(i64, i64)>,
    /// Drivers its run takes, and when it was planned back at the pizzeria.
    pub drivers: i64,
    pub returns: Option<i64>,
}

impl Open {
    /// When its pizzas are due out of the oven.
    fn due_out(&self) -> i64 {
        self.promised_for - self.travel
    }

    /// What it booked, or for an order taken without limits the quarter-hour before it is due.
    fn booked(&self) -> Vec<(i64, i64)> {
        if self.oven.is_empty() {
            vec![(self.due_out().div_euclid(QUARTER) * QUARTER - QUARTER, self.pizzas.max(1))]
        } else {
            self.oven.clone()
        }
    }
}

/// When preparation must start for the order to keep its promise: its first oven
/// quarter-hour minus the preparation lead.
pub fn latest_start(capacity: &Capacity, open: &Open) -> i64 {
    open.booked().iter().map(|(quarter, _)| *quarter).min().unwrap_or(open.due_out()) - capacity.lead_minutes * 60
}

/// Past when a kitchen ticket is late against its promise: not started by its latest start
/// (its first oven quarter-hour, `oven.0`, minus the preparation lead), or still in the
/// kitchen when its pizzas were due out of the oven (the end of its last one, `oven.1`).
pub fn kitchen_deadline(started: bool, oven: (Option<i64>, Option<i64>), lead_minutes: i64) -> Option<i64> {
    match (started, oven) {
        (false, (Some(first), _)) => Some(first - lead_minutes * 60),
        (true, (_, Some(last))) => Some(last + QUARTER),
        _ => None,
    }
}

/// The orders that will miss their promise, with the end of their new window (rounded up
/// to five minutes): the orders behind a late one move only when it takes their room.
pub fn requote(capacity: &Capacity, open: &[Open], now: i64) -> Vec<(i64, i64)> {
    let first_bake = (now + capacity.lead_minutes * 60 + QUARTER - 1).div_euclid(QUARTER) * QUARTER;
    let mut out_of_oven: BTreeMap<i64, i64> = BTreeMap::new();
    let mut used: BTreeMap<i64, i64> = BTreeMap::new();
    let mut waiting: Vec<&Open> = open.iter().filter(|o| o.stage == Stage::Waiting).collect();
    waiting.sort_by_key(|o| (latest_start(capacity, o), o.order_id));
    for order in waiting {
        let mut last = None;
        let mut displaced = 0;
        let booked = order.booked();
        for (quarter, pizzas) in &booked {
            if *quarter < first_bake {
                displaced += pizzas;
                continue;
            }
            let room = (capacity.oven_at(*quarter) - used.get(quarter).copied().unwrap_or(0)).max(0);
            let taken = room.min(*pizzas);
            if taken > 0 {
                *used.entry(*quarter).or_default() += taken;
                last = last.max(Some(*quarter));
            }
            displaced += pizzas - taken;
        }
        let mut quarter = booked.iter().map(|(q, _)| *q).min().unwrap_or(first_bake).max(first_bake);
        // A day of quarter-hours at most: an oven set to bake nothing is a manager's typo.
        for _ in 0..96 {
            if displaced == 0 {
                break;
            }
            let room = (capacity.oven_at(quarter) - used.get(&quarter).copied().unwrap_or(0)).max(0);
            let taken = room.min(displaced);
            if taken > 0 {
                *used.entry(quarter).or_default() += taken;
                last = last.max(Some(quarter));
                displaced -= taken;
            }
            quarter += QUARTER;
        }
        let out = last.map_or(first_bake, |q| q + QUARTER);
        out_of_oven.insert(order.order_id, out.max(order.due_out()));
    }
    for order in open.iter().filter(|o| o.stage == Stage::InKitchen) {
        let due = order.due_out();
        out_of_oven.insert(order.order_id, if now < due { due } else { now + STILL_IN_KITCHEN });
    }
    for order in open.iter().filter(|o| o.stage == Stage::Ready) {
        out_of_oven.insert(order.order_id, now.min(order.due_out()));
    }

    let mut expected: BTreeMap<i64, i64> = BTreeMap::new();
    for order in open.iter().filter(|o| o.mode == Mode::Takeaway) {
        if let Some(out) = out_of_oven.get(&order.order_id) {
            expected.insert(order.order_id, *out);
        }
    }
    // Each driver's return; those on the road come back no sooner than the trip back.
    let mut drivers: Vec<i64> = vec![now; capacity.drivers.max(0) as usize];
    for order in open.iter().filter(|o| o.mode == Mode::Delivery && o.stage == Stage::OnTheRoad) {
        let back = order.returns.unwrap_or(now).max(now + order.travel);
        take_drivers(&drivers, order.drivers).into_iter().for_each(|i| drivers[i] = back);
    }
    let mut leaving: Vec<(&Open, i64)> = open
        .iter()
        .filter(|o| o.mode == Mode::Delivery)
        .filter_map(|o| out_of_oven.get(&o.order_id).map(|out| (o, *out)))
        .collect();
    leaving.sort_by_key(|(o, out)| (*out, o.promised_for, o.order_id));
    for (order, out) in leaving {
        let taken = take_drivers(&drivers, order.drivers);
        let departs = taken.iter().map(|i| drivers[*i]).max().unwrap_or(out).max(out);
        taken.iter().for_each(|i| drivers[*i] = departs + 2 * order.travel);
        expected.insert(order.order_id, departs + order.travel);
    }

    open.iter()
        .filter_map(|o| {
            let at = *expected.get(&o.order_id)?;
            (at > o.promised_for).then(|| (o.order_id, (at + STEP - 1).div_euclid(STEP) * STEP))
        })
        .collect()
}

/// The `wanted` drivers back the soonest (indexes into `drivers`), none if there are none.
fn take_drivers(drivers: &[i64], wanted: i64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..drivers.len()).collect();
    order.sort_by_key(|i| (drivers[*i], *i));
    order.into_iter().take(wanted.max(1) as usize).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use chrono_tz::Europe::Paris;

    fn at(h: u32, m: u32) -> i64 {
        Paris.with_ymd_and_hms(2026, 12, 8, h, m, 0).single().expect("a Paris time").timestamp()
    }

    fn capacity() -> Capacity {
        Capacity { oven_per_quarter: 4, lead_minutes: 15, drivers: 1, pizzas_per_run: 5, ..Capacity::default() }
    }

    fn takeaway(order_id: i64, pizzas: i64, promised_for: i64, oven: &[(i64, i64)]) -> Open {
        Open {
            order_id,
            stage: Stage::Waiting,
            mode: Mode::Takeaway,
            pizzas,
            travel: 0,
            promised_for,
            oven: oven.to_vec(),
            drivers: 0,
            returns: None,
        }
    }

    #[test]
    fn a_window_ends_at_the_promise() {
        assert_eq!(window(Mode::Takeaway, at(19, 45)), (at(19, 35), at(19, 45)));
        assert_eq!(describe_window(Mode::Takeaway, at(19, 45)), "prête vers 19h35–19h45");
        assert_eq!(describe_window(Mode::Delivery, at(20, 5)), "livrée vers 19h50–20h05");
    }

    #[test]
    fn a_ticket_is_late_when_not_started_by_its_latest_start_or_not_out_when_due() {
        let oven = (Some(at(19, 30)), Some(at(19, 45)));
        assert_eq!(kitchen_deadline(false, oven, 15), Some(at(19, 15)));
        assert_eq!(kitchen_deadline(true, oven, 15), Some(at(20, 0)));
        assert_eq!(kitchen_deadline(false, (None, None), 15), None, "taken without capacity limits");
    }

    #[test]
    fn a_kitchen_on_time_re_quotes_nothing() {
        let open = [takeaway(1, 4, at(19, 45), &[(at(19, 30), 4)]), takeaway(2, 4, at(20, 0), &[(at(19, 45), 4)])];
        assert_eq!(requote(&capacity(), &open, at(19, 0)), vec![]);
        assert_eq!(latest_start(&capacity(), &open[0]), at(19, 15));
    }

    #[test]
    fn a_late_order_pushes_back_only_the_orders_whose_room_it_takes() {
        // At 19:20 order 1 (4 pizzas booked 19:30, latest start 19:15) has not been
        // started: its pizzas go in 19:45 at the earliest (19:20 + 15 min, on the
        // quarter), where order 2 was booked; order 2 moves to 20:00, where order 3 was
        // booked; order 3 moves to 20:15. Order 4 (21:00) keeps its promise.
        let open = [
            takeaway(1, 4, at(19, 45), &[(at(19, 30), 4)]),
            takeaway(2, 4, at(20, 0), &[(at(19, 45), 4)]),
            takeaway(3, 2, at(20, 15), &[(at(20, 0), 2)]),
            takeaway(4, 4, at(21, 0), &[(at(20, 45), 4)]),
        ];
        assert_eq!(requote(&capacity(), &open, at(19, 20)), vec![(1, at(20, 0)), (2, at(20, 15)), (3, at(20, 30))],);
        // Started in time instead, nobody moves.
        let mut started = open.clone();
        started[0].stage = Stage::InKitchen;
        assert_eq!(requote(&capacity(), &started, at(19, 20)), vec![]);
    }

    #[test]
    fn a_started_order_still_in_the_kitchen_after_its_time_is_a_few_minutes_away() {
        let mut order = takeaway(1, 2, at(19, 45), &[(at(19, 30), 2)]);
        order.stage = Stage::InKitchen;
        assert_eq!(requote(&capacity(), &[order], at(19, 52)), vec![(1, at(20, 0))]);
    }

    #[test]
    fn a_driver_not_back_delays_the_next_delivery() {
        let mut on_the_road = takeaway(1, 2, at(19, 45), &[]);
        on_the_road.mode = Mode::Delivery;
        on_the_road.stage = Stage::OnTheRoad;
        on_the_road.travel = 15 * 60;
        on_the_road.drivers = 1;
        on_the_road.returns = Some(at(20, 0));
        let mut next = takeaway(2, 2, at(20, 15), &[]);
        next.mode = Mode::Delivery;
        next.stage = Stage::Ready;
        next.travel = 15 * 60;
        next.drivers = 1;
        // At 19:40 the only driver is planned back at 20:00: the next leaves then, on time.
        assert_eq!(requote(&capacity(), &[on_the_road.clone(), next.clone()], at(19, 40)), vec![]);
        // At 19:55 the first door (19:45) is not reached yet: the driver is back no sooner
        // than 20:10, the next door at 20:25.
        assert_eq!(requote(&capacity(), &[on_the_road, next], at(19, 55)), vec![(2, at(20, 25))]);
    }
}
