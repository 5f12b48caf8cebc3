//! What a pizzeria can promise: how many pizzas its oven bakes per quarter-hour, and how
//! many drivers it has on the road. A promise is a time — ready at the counter, or at the
//! customer's door — and it can be kept when the oven has room for the basket in the
//! quarter-hours before the pizzas must leave it (the door's time minus the travel time),
//! and, for a delivery, when a driver is free for the round trip.
//!
//! Times are UTC epoch seconds; quarter-hours are aligned on the epoch, which is also the
//! Paris grid (Paris is a whole number of hours from UTC).

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Timelike};
use chrono_tz::Europe::Paris;

use crate::domain::orders::Mode;

pub const QUARTER: i64 = 15 * 60;

/// A basket may be baked over this many quarter-hours, the last one ending when the pizzas
/// must leave the oven: a party's twenty pizzas fill the oven ahead of time.
pub const MAX_SPREAD: i64 = 4;

/// Bounds of the values a manager may set: beyond them, a typo rather than a pizzeria.
pub const OVEN_PER_QUARTER: (i64, i64) = (1, 200);
pub const LEAD_MINUTES: (i64, i64) = (0, 120);
pub const DRIVERS: (i64, i64) = (0, 50);
pub const PIZZAS_PER_RUN: (i64, i64) = (1, 30);
pub const TRAVEL_MINUTES: (i64, i64) = (1, 120);

/// The oven's rate on one weekday between two times (minutes after local midnight).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OvenRange {
    /// ISO weekday, 1 = Monday.
    pub weekday: u32,
    pub from_minute: u32,
    pub to_minute: u32,
    pub pizzas_per_quarter: i64,
}

/// A pizzeria's capacity, as its manager sets it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capacity {
    /// Pizzas the oven bakes per quarter-hour where no range says otherwise.
    pub oven_per_quarter: i64,
    pub oven_ranges: Vec<OvenRange>,
    /// Preparation before baking (minutes): nothing is baked sooner than this from now.
    pub lead_minutes: i64,
    /// Drivers on shift tonight.
    pub drivers: i64,
    /// The most pizzas one driver carries in one run.
    pub pizzas_per_run: i64,
    /// Minutes from the pizzeria to a delivery postcode.
    pub travel_minutes: BTreeMap<String, i64>,
    /// For a postcode without its own travel time.
    pub default_travel_minutes: i64,
}

impl Default for Capacity {
    /// One oven of a small pizzeria, two drivers.
    fn default() -> Self {
        Capacity {
            oven_per_quarter: 12,
            oven_ranges: Vec::new(),
            lead_minutes: 15,
            drivers: 2,
            pizzas_per_run: 6,
            travel_minutes: BTreeMap::new(),
            default_travel_minutes: 15,
        }
    }
}

impl Capacity {
    /// Pizzas the oven bakes in the quarter-hour starting at `quarter`.
    pub fn oven_at(&self, quarter: i64) -> i64 {
        let Some(local) = DateTime::from_timestamp(quarter, 0).map(|t| t.with_timezone(&Paris)) else {
            return self.oven_per_quarter;
        };
        let (weekday, minute) = (local.weekday().number_from_monday(), local.hour() * 60 + local.minute());
        self.oven_ranges
            .iter()
            .find(|r| r.weekday == weekday && r.from_minute <= minute && minute < r.to_minute)
            .map_or(self.oven_per_quarter, |r| r.pizzas_per_quarter)
    }

    /// Seconds from the pizzeria to this postcode.
    pub fn travel(&self, postcode: &str) -> i64 {
        self.travel_minutes.get(postcode).copied().unwrap_or(self.default_travel_minutes) * 60
    }

    /// Drivers one delivery of `pizzas` takes.
    fn drivers_for(&self, pizzas: i64) -> i64 {
        (pizzas.max(1) + self.pizzas_per_run.max(1) - 1) / self.pizzas_per_run.max(1)
    }
}

/// A delivery on the road: its drivers are away from `departs` to `returns`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Run {
    pub departs: i64,
    pub returns: i64,
    pub drivers: i64,
}

/// What is already promised: pizzas per oven quarter-hour (its start), deliveries' runs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Load {
    pub oven: BTreeMap<i64, i64>,
    pub runs: Vec<Run>,
}

impl Load {
    /// Adds a booking (an order already promised).
    pub fn add(&mut self, booking: &Booking) {
        for (quarter, pizzas) in &booking.oven {
            *self.oven.entry(*quarter).or_default() += pizzas;
        }
        self.runs.extend(booking.run);
    }
}

/// An order's basket as capacity sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Basket<'a> {
    pub pizzas: i64,
    pub mode: Mode,
    /// The delivery postcode.
    pub postcode: Option<&'a str>,
}

/// Where a promise puts its load: pizzas per oven quarter-hour, and the driver's run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Booking {
    pub oven: Vec<(i64, i64)>,
    pub run: Option<Run>,
}

/// Why no time can be promised for a basket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// More pizzas than the oven can bake for any one time.
    TooBig { most: i64 },
    /// No driver tonight.
    NoDriver,
    /// The time asked for is full; `next` is the first later time that can be kept.
    Full { next: Option<i64> },
    /// "Dès que possible": no time left today can be kept.
    NothingLeftToday,
}

impl Refusal {
    /// A stable code for the JSON API.
    pub fn code(self) -> &'static str {
        match self {
            Refusal::TooBig { .. } => "too_many_pizzas",
            Refusal::NoDriver => "no_driver",
            Refusal::Full { .. } => "slot_full",
            Refusal::NothingLeftToday => "no_time_left_today",
        }
    }

    pub fn message(self) -> String {
        match self {
            Refusal::TooBig { most } => format!(
                "Nous ne pouvons pas préparer plus de {most} pizzas pour une même heure : \
                 partagez la commande ou appelez la pizzeria."
            ),
            Refusal::NoDriver => "Pas de livreur disponible ce soir : choisissez la vente à emporter.".into(),
            Refusal::Full { next: Some(next) } => format!(
                "Cette heure est complète pour la cuisine ou les livreurs. Première heure possible pour \
                 cette commande : {}.",
                describe(next)
            ),
            Refusal::Full { next: None } => "Cette heure est complète, et aucune autre ne peut être tenue pour cette \
                 commande dans les deux jours : appelez la pizzeria."
                .into(),
            Refusal::NothingLeftToday => "Nous ne pouvons plus préparer cette commande aujourd'hui : choisissez une \
                 heure un autre jour."
                .into(),
        }
    }
}

/// When the pizzas must leave the oven for a promise at `time`.
pub fn out_of_oven(capacity: &Capacity, basket: &Basket<'_>, time: i64) -> i64 {
    match basket.mode {
        Mode::Takeaway => time,
        Mode::Delivery => time - capacity.travel(basket.postcode.unwrap_or_default()),
    }
}

/// Can `basket` be promised for `time` (ready at the counter, or at the door), given what is
/// already promised and that nothing is baked before `now` plus the preparation lead? The
/// pizzas go in the latest quarter-hours that end by the time they must leave the oven.
pub fn book(capacity: &Capacity, load: &Load, basket: &Basket<'_>, time: i64, now: i64) -> Option<Booking> {
    let out = out_of_oven(capacity, basket, time);
    let first_bake = now + capacity.lead_minutes * 60;
    let last_quarter = out.div_euclid(QUARTER) * QUARTER - QUARTER;
    let mut left = basket.pizzas.max(1);
    let mut oven = Vec::new();
    for quarter in (0..MAX_SPREAD).map(|k| last_quarter - k * QUARTER) {
        // A quarter-hour counts once the preparation is done by its start.
        if quarter < (first_bake + QUARTER - 1).div_euclid(QUARTER) * QUARTER {
            break;
        }
        let free = (capacity.oven_at(quarter) - load.oven.get(&quarter).copied().unwrap_or(0)).max(0);
        let taken = free.min(left);
        if taken > 0 {
            oven.push((quarter, taken));
            left -= taken;
        }
        if left == 0 {
            break;
        }
    }
    if left > 0 {
        return None;
    }
    let run = match basket.mode {
        Mode::Takeaway => None,
        Mode::Delivery => {
            let travel = capacity.travel(basket.postcode.unwrap_or_default());
            let run = Run { departs: out, returns: out + 2 * travel, drivers: capacity.drivers_for(basket.pizzas) };
            // Conservative: every run that overlaps this one keeps its drivers all along.
            let away: i64 = load
                .runs
                .iter()
                .filter(|r| r.departs < run.returns && run.departs < r.returns)
                .map(|r| r.drivers)
                .sum();
            if away + run.drivers > capacity.drivers {
                return None;
            }
            Some(run)
        }
    };
    Some(Booking { oven, run })
}

/// Whether a basket could ever be promised (an empty evening), or why not.
pub fn possible(capacity: &Capacity, basket: &Basket<'_>) -> Result<(), Refusal> {
    let most =
        capacity.oven_ranges.iter().map(|r| r.pizzas_per_quarter).chain([capacity.oven_per_quarter]).max().unwrap_or(0)
            * MAX_SPREAD;
    if basket.pizzas > most {
        return Err(Refusal::TooBig { most });
    }
    if basket.mode == Mode::Delivery
        && (capacity.drivers == 0 || capacity.drivers_for(basket.pizzas) > capacity.drivers)
    {
        return Err(Refusal::NoDriver);
    }
    Ok(())
}

/// Of the times offered (`candidates`, earliest first), those that can be kept.
pub fn keepable(capacity: &Capacity, load: &Load, basket: &Basket<'_>, candidates: &[i64], now: i64) -> Vec<i64> {
    candidates.iter().copied().filter(|time| book(capacity, load, basket, *time, now).is_some()).collect()
}

/// The first time at or after `time`, on the quarter-hour grid, among `candidates`, that
/// can be kept: the one to name when `time` is full.
pub fn next_keepable(
    capacity: &Capacity,
    load: &Load,
    basket: &Basket<'_>,
    candidates: &[i64],
    time: i64,
    now: i64,
) -> Option<i64> {
    candidates.iter().copied().filter(|t| *t >= time).find(|t| book(capacity, load, basket, *t, now).is_some())
}

/// What was promised beyond the capacity as it is now (lowered after orders were taken):
/// never cancelled, shown to the manager.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overbooked {
    /// The oven's quarter-hour starting at `quarter` has `booked` pizzas for `oven`.
    Oven { quarter: i64, booked: i64, oven: i64 },
    /// At `at`, `away` drivers are promised on the road for `drivers` on shift.
    Drivers { at: i64, away: i64, drivers: i64 },
}

impl Overbooked {
    /// In words, for the manager.
    pub fn describe(self) -> String {
        match self {
            Overbooked::Oven { quarter, booked, oven } => {
                format!("{} : {booked} pizzas à cuire pour {oven} par quart d'heure", describe(quarter))
            }
            Overbooked::Drivers { at, away, drivers } => {
                format!("{} : {away} livreurs en route pour {drivers} ce soir", describe(at))
            }
        }
    }
}

/// Every quarter-hour and every departure from `from` on where what is booked exceeds the
/// capacity, in time order.
pub fn overbooked(capacity: &Capacity, load: &Load, from: i64) -> Vec<Overbooked> {
    let mut found: Vec<(i64, Overbooked)> = load
        .oven
        .iter()
        .filter(|(quarter, _)| **quarter + QUARTER > from)
        .filter_map(|(quarter, booked)| {
            let oven = capacity.oven_at(*quarter);
            (*booked > oven).then_some((*quarter, Overbooked::Oven { quarter: *quarter, booked: *booked, oven }))
        })
        .collect();
    let mut departures: Vec<i64> = load.runs.iter().map(|r| r.departs).filter(|t| *t >= from).collect();
    departures.sort_unstable();
    departures.dedup();
    for at in departures {
        let away: i64 = load.runs.iter().filter(|r| r.departs <= at && at < r.returns).map(|r| r.drivers).sum();
        if away > capacity.drivers {
            found.push((at, Overbooked::Drivers { at, away, drivers: capacity.drivers }));
        }
    }
    found.sort_by_key(|(at, _)| *at);
    found.into_iter().map(|(_, o)| o).collect()
}

/// A time offered on a page stays keepable this long after `now`: the preparation lead is
/// counted from when the page was shown, not from when the form came back.
pub const FORM_GRACE: i64 = crate::domain::slots::FORM_GRACE_MINUTES * 60;

/// The promise for `basket`: the time asked for (`requested`) if it can be kept, else a
/// refusal naming the first later one of `times` that can; for "dès que possible"
/// (`requested` is `None`), the first of `times` (earliest first) that can be kept.
pub fn promise(
    capacity: &Capacity,
    load: &Load,
    basket: &Basket<'_>,
    requested: Option<i64>,
    times: &[i64],
    now: i64,
) -> Result<(i64, Booking), Refusal> {
    possible(capacity, basket)?;
    match requested {
        Some(time) => match book(capacity, load, basket, time, now - FORM_GRACE) {
            Some(booking) => Ok((time, booking)),
            None => Err(Refusal::Full { next: next_keepable(capacity, load, basket, times, time + 1, now) }),
        },
        None => times
            .iter()
            .find_map(|time| book(capacity, load, basket, *time, now).map(|booking| (*time, booking)))
            .ok_or(Refusal::NothingLeftToday),
    }
}

fn describe(time: i64) -> String {
    DateTime::from_timestamp(time, 0).map(crate::domain::slots::describe).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// Tuesday 8 December 2026, Paris time.
    fn at(h: u32, m: u32) -> i64 {
        Paris.with_ymd_and_hms(2026, 12, 8, h, m, 0).single().expect("a Paris time").timestamp()
    }

    fn takeaway(pizzas: i64) -> Basket<'static> {
        Basket { pizzas, mode: Mode::Takeaway, postcode: None }
    }

    fn delivery(pizzas: i64, postcode: &'static str) -> Basket<'static> {
        Basket { pizzas, mode: Mode::Delivery, postcode: Some(postcode) }
    }

    fn capacity() -> Capacity {
        Capacity {
            oven_per_quarter: 10,
            travel_minutes: [("75011".to_string(), 20)].into(),
            default_travel_minutes: 15,
            drivers: 2,
            pizzas_per_run: 5,
            lead_minutes: 15,
            oven_ranges: Vec::new(),
        }
    }

    #[test]
    fn a_takeaway_is_baked_in_the_quarter_before_it_is_ready() {
        let booking = book(&capacity(), &Load::default(), &takeaway(3), at(20, 0), at(18, 0)).expect("room");
        assert_eq!(booking, Booking { oven: vec![(at(19, 45), 3)], run: None });
    }

    #[test]
    fn a_delivery_leaves_the_oven_its_travel_time_before_the_door() {
        // 20 minutes to the 75011: out of the oven at 19:40, baked 19:15–19:30.
        let booking = book(&capacity(), &Load::default(), &delivery(2, "75011"), at(20, 0), at(18, 0)).expect("room");
        assert_eq!(booking.oven, vec![(at(19, 15), 2)]);
        assert_eq!(booking.run, Some(Run { departs: at(19, 40), returns: at(20, 20), drivers: 1 }));
        // Elsewhere, the default 15 minutes: out at 19:45, baked 19:30–19:45.
        let booking = book(&capacity(), &Load::default(), &delivery(2, "75012"), at(20, 0), at(18, 0)).expect("room");
        assert_eq!(booking.oven, vec![(at(19, 30), 2)]);
    }

    #[test]
    fn a_full_quarter_spreads_to_earlier_ones_then_refuses() {
        let capacity = capacity();
        let mut load = Load::default();
        load.oven.insert(at(19, 45), 8);
        // 2 left at 19:45, then 10 at 19:30.
        let booking = book(&capacity, &load, &takeaway(7), at(20, 0), at(18, 0)).expect("room");
        assert_eq!(booking.oven, vec![(at(19, 45), 2), (at(19, 30), 5)]);
        // Four quarters at most: 2 + 10 + 10 + 10.
        assert!(book(&capacity, &load, &takeaway(32), at(20, 0), at(18, 0)).is_some());
        assert!(book(&capacity, &load, &takeaway(33), at(20, 0), at(18, 0)).is_none());
        // Never before now plus the preparation lead: at 19:20 the pizzas are ready to
        // bake at 19:35, so only the 19:45 quarter (2 left) remains before 20:00.
        assert!(book(&capacity, &load, &takeaway(2), at(20, 0), at(19, 20)).is_some());
        assert!(book(&capacity, &load, &takeaway(3), at(20, 0), at(19, 20)).is_none());
    }

    #[test]
    fn bookings_add_up_until_the_slot_is_full_and_the_next_one_is_named() {
        let capacity = Capacity { oven_per_quarter: 4, ..capacity() };
        let now = at(18, 0);
        let candidates: Vec<i64> = (0..6).map(|k| at(19, 0) + k * QUARTER).collect();
        let mut load = Load::default();
        let mut booked = 0;
        // Orders of 3 for 20:00 until none fits: 4 quarters × 4 = 16 pizzas, so 5 orders
        // (15 pizzas), and the 16th pizza alone would still fit.
        while let Some(booking) = book(&capacity, &load, &takeaway(3), at(20, 0), now) {
            load.add(&booking);
            booked += 3;
        }
        assert_eq!(booked, 15);
        assert!(load.oven.values().all(|pizzas| *pizzas <= 4), "{load:?}");
        // 20:00 is full (its earlier quarters too, but for one pizza at 19:00); earlier
        // times bake in the free quarters before them, 20:15 in its own.
        let all_but_eight: Vec<i64> = candidates.iter().copied().filter(|t| *t != at(20, 0)).collect();
        assert_eq!(keepable(&capacity, &load, &takeaway(3), &candidates, now), all_but_eight);
        assert_eq!(next_keepable(&capacity, &load, &takeaway(3), &candidates, at(20, 0), now), Some(at(20, 15)));
        assert_eq!(next_keepable(&capacity, &load, &takeaway(1), &candidates, at(19, 0), now), Some(at(19, 0)));
    }

    #[test]
    fn drivers_limit_deliveries_during_their_round_trip() {
        let capacity = capacity();
        let now = at(18, 0);
        let mut load = Load::default();
        // Two drivers: two deliveries overlapping in time, not a third.
        for _ in 0..2 {
            let booking = book(&capacity, &load, &delivery(2, "75011"), at(20, 0), now).expect("a driver");
            load.add(&booking);
        }
        assert!(book(&capacity, &load, &delivery(1, "75011"), at(20, 0), now).is_none());
        assert!(book(&capacity, &load, &takeaway(1), at(20, 0), now).is_some(), "takeaway needs no driver");
        // Back at 20:20: a delivery leaving then is fine (20:40 at the door).
        assert!(book(&capacity, &load, &delivery(1, "75011"), at(21, 0), now).is_some());
        // Six pizzas take two drivers (five a run).
        assert_eq!(
            book(&capacity, &Load::default(), &delivery(6, "75011"), at(20, 0), now)
                .and_then(|b| b.run)
                .map(|r| r.drivers),
            Some(2)
        );
    }

    #[test]
    fn what_can_never_be_promised_is_said() {
        let capacity = capacity();
        assert_eq!(possible(&capacity, &takeaway(40)), Ok(()));
        assert_eq!(possible(&capacity, &takeaway(41)), Err(Refusal::TooBig { most: 40 }));
        assert!(Refusal::TooBig { most: 40 }.message().contains("plus de 40 pizzas"));
        let no_driver = Capacity { drivers: 0, ..capacity.clone() };
        assert_eq!(possible(&no_driver, &delivery(1, "75011")), Err(Refusal::NoDriver));
        assert_eq!(possible(&no_driver, &takeaway(1)), Ok(()));
        assert_eq!(possible(&capacity, &delivery(11, "75011")), Err(Refusal::NoDriver), "three drivers' worth");
    }

    #[test]
    fn the_oven_may_bake_more_at_rush_hours() {
        let capacity = Capacity {
            oven_ranges: vec![OvenRange {
                weekday: 2,
                from_minute: 19 * 60,
                to_minute: 21 * 60,
                pizzas_per_quarter: 20,
            }],
            ..capacity()
        };
        assert_eq!(capacity.oven_at(at(19, 30)), 20);
        assert_eq!(capacity.oven_at(at(21, 0)), 10);
        assert_eq!(possible(&capacity, &takeaway(80)), Ok(()));
    }

    #[test]
    fn a_promise_is_the_time_asked_for_or_a_refusal_naming_the_next_one() {
        let capacity = Capacity { oven_per_quarter: 4, ..capacity() };
        let now = at(18, 0);
        let times: Vec<i64> = (0..8).map(|k| at(19, 0) + k * QUARTER).collect();
        let mut load = Load::default();
        for quarter in [at(19, 15), at(19, 30), at(19, 45), at(20, 0)] {
            load.oven.insert(quarter, 4);
        }
        // 20:00 bakes 19:00–19:45: one quarter free, not enough for 5; 20:45 bakes in
        // 20:15 and 20:30.
        assert_eq!(
            promise(&capacity, &load, &takeaway(5), Some(at(20, 0)), &times, now).map(|(t, _)| t),
            Err(Refusal::Full { next: Some(at(20, 45)) })
        );
        assert_eq!(
            promise(&capacity, &load, &takeaway(4), Some(at(20, 0)), &times, now).map(|(t, _)| t),
            Ok(at(20, 0))
        );
        // As soon as possible: the first time that can be kept.
        assert_eq!(promise(&capacity, &load, &takeaway(5), None, &times, now).map(|(t, _)| t), Ok(at(19, 0)));
        assert_eq!(
            promise(&capacity, &load, &takeaway(17), None, &times, now).map(|(t, _)| t),
            Err(Refusal::TooBig { most: 16 })
        );
        assert_eq!(
            promise(&capacity, &load, &takeaway(16), None, &times[2..4], now).map(|(t, _)| t),
            Err(Refusal::NothingLeftToday)
        );
        // A time offered a few minutes ago is still kept: 19:15 needs baking from 19:00,
        // and the lead (15 minutes) from 18:49 would rule it out without the grace.
        assert!(promise(&capacity, &Load::default(), &takeaway(1), Some(at(19, 15)), &times, at(18, 49)).is_ok());
        assert!(promise(&capacity, &Load::default(), &takeaway(1), Some(at(19, 15)), &times, at(18, 51)).is_err());
        let message = Refusal::Full { next: Some(at(20, 45)) }.message();
        assert!(message.ends_with("mardi 8 décembre à 20h45."), "{message}");
    }

    #[test]
    fn a_lowered_capacity_flags_what_was_already_promised() {
        let mut load = Load::default();
        load.oven.insert(at(19, 30), 8);
        load.oven.insert(at(19, 45), 3);
        load.oven.insert(at(18, 0), 9);
        for _ in 0..2 {
            load.runs.push(Run { departs: at(19, 40), returns: at(20, 20), drivers: 1 });
        }
        let lowered = Capacity { oven_per_quarter: 4, drivers: 1, ..capacity() };
        assert_eq!(
            overbooked(&lowered, &load, at(19, 0)),
            vec![
                Overbooked::Oven { quarter: at(19, 30), booked: 8, oven: 4 },
                Overbooked::Drivers { at: at(19, 40), away: 2, drivers: 1 },
            ],
            "18:00 is past; 19:45 fits"
        );
        assert!(
            overbooked(&capacity(), &load, at(19, 0)).is_empty(),
            "nothing beyond the capacity they were taken under"
        );
        assert_eq!(
            Overbooked::Oven { quarter: at(19, 30), booked: 8, oven: 4 }.describe(),
            "mardi 8 décembre à 19h30 : 8 pizzas à cuire pour 4 par quart d'heure"
        );
    }
}
