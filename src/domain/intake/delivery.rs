//! Where and when: the mode, the address against the pizzeria's zone, the time against its
//! hours and holidays.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};

use super::DeliveryAddress;
use crate::domain::fields::{self, FieldErrors};
use crate::domain::orders::Mode;
use crate::domain::slots::{self, Period};

/// A pizzeria's hours and holidays: when it can have an order ready.
#[derive(Debug, Clone, Default)]
pub struct Schedule {
    hours: Vec<Period>,
    closed: Vec<NaiveDate>,
}

impl Schedule {
    pub fn new(hours: Vec<Period>, closed: Vec<NaiveDate>) -> Schedule {
        Schedule { hours, closed }
    }

    /// "Dès que possible", if the pizzeria takes an order for now.
    pub fn as_soon_as_possible(&self, now: DateTime<Utc>, lead: Duration) -> Option<DateTime<Utc>> {
        slots::as_soon_as_possible(now, lead, &self.hours).filter(|t| !slots::closed_on(*t, &self.closed))
    }

    /// Open now, or when it opens next.
    pub fn open_state(&self, now: DateTime<Utc>) -> slots::OpenState {
        slots::open_state(now, &self.hours, &self.closed)
    }

    /// The times offered, earliest first.
    pub fn times(&self, now: DateTime<Utc>, lead: Duration) -> Vec<DateTime<Utc>> {
        slots::choices(now, lead, &self.hours).into_iter().filter(|t| !slots::closed_on(*t, &self.closed)).collect()
    }

    /// The times offered: (form value, French label).
    pub fn choices(&self, now: DateTime<Utc>, lead: Duration) -> Vec<(String, String)> {
        self.times(now, lead).into_iter().map(|t| (slots::form_value(t), slots::describe(t))).collect()
    }

    /// The times "dès que possible" may be promised for, earliest first: the earliest an
    /// order can be ready, then today's times offered.
    pub fn as_soon_as_possible_times(&self, now: DateTime<Utc>, lead: Duration) -> Vec<i64> {
        self.as_soon_as_possible(now, lead)
            .into_iter()
            .chain(self.times(now, lead).into_iter().filter(|t| slots::same_local_day(*t, now)))
            .map(|t| t.timestamp())
            .collect()
    }

    /// A time typed or picked, checked against the hours and the holidays.
    pub fn check(&self, now: DateTime<Utc>, lead: Duration, requested: NaiveDateTime) -> Result<DateTime<Utc>, String> {
        let time = slots::check_requested(now, lead, &self.hours, requested)?;
        if slots::closed_on(time, &self.closed) {
            return Err("La pizzeria est fermée ce jour-là : choisissez un autre jour.".into());
        }
        Ok(time)
    }
}

/// A pizzeria as intake sees it: its zone and its schedule.
#[derive(Debug, Clone)]
pub struct Pizzeria<'a> {
    pub id: i64,
    pub name: &'a str,
    pub delivery_postcodes: &'a [String],
    pub schedule: Schedule,
}

/// What intake needs besides the request: the pizzeria, who else delivers where, the
/// customer's saved addresses, the time, and what the installation offers.
#[derive(Debug, Clone)]
pub struct Context<'a> {
    pub pizzeria: Pizzeria<'a>,
    /// Every active pizzeria's name and postcodes, to name those that deliver a postcode
    /// this one does not.
    pub zones: Vec<(&'a str, &'a [String])>,
    /// The customer's saved addresses, by id.
    pub saved_addresses: Vec<(i64, DeliveryAddress)>,
    pub now: DateTime<Utc>,
    /// The preparation lead before the first slot.
    pub lead: Duration,
    /// A payment provider is configured.
    pub online_payment: bool,
    /// The pizzeria's rush controls (web orders or deliveries paused).
    pub rush: crate::domain::rush::Rush,
}

impl Context<'_> {
    /// "Dès que possible" is offered now.
    pub fn can_asap(&self) -> bool {
        self.pizzeria.schedule.as_soon_as_possible(self.now, self.lead).is_some()
    }

    /// The times offered now: (form value, French label).
    pub fn slots(&self) -> Vec<(String, String)> {
        self.pizzeria.schedule.choices(self.now, self.lead)
    }

    /// The times a promise may fall on: for "dès que possible" (`requested` is `None`),
    /// the earliest first; for a time asked for, those to name when it is full.
    pub fn promise_times(&self, requested: Option<i64>) -> Vec<i64> {
        let schedule = &self.pizzeria.schedule;
        match requested {
            None => schedule.as_soon_as_possible_times(self.now, self.lead),
            Some(_) => schedule.times(self.now, self.lead).into_iter().map(|t| t.timestamp()).collect(),
        }
    }
}

/// Mode, address and time as typed (the checkout's, the phone form's, the modification's
/// and the API's fields).
#[derive(Debug, Clone, Copy, Default)]
pub struct DeliveryFacts<'a> {
    pub mode: &'a str,
    /// A saved address chosen by its id (empty: the typed one).
    pub address_id: &'a str,
    pub street: &'a str,
    pub postcode: &'a str,
    pub city: &'a str,
    pub instructions: &'a str,
    /// A slot's form value, or `asap` / empty.
    pub when: &'a str,
}

/// Mode, address and time, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub mode: Mode,
    pub address: Option<DeliveryAddress>,
    pub requested_for: Option<i64>,
    /// See [`Context::promise_times`].
    pub promise_times: Vec<i64>,
}

/// The message when `postcode` is outside the pizzeria's zone, naming those that deliver it.
pub fn zone_refusal(pizzeria: &Pizzeria<'_>, zones: &[(&str, &[String])], postcode: &str) -> Option<String> {
    if pizzeria.delivery_postcodes.iter().any(|code| code == postcode) {
        return None;
    }
    let others: Vec<&str> =
        zones.iter().filter(|(_, codes)| codes.iter().any(|code| code == postcode)).map(|(name, _)| *name).collect();
    Some(if others.is_empty() {
        format!(
            "{} ne livre pas le {postcode} et aucune de nos pizzerias n'y livre : choisissez « à emporter ».",
            pizzeria.name
        )
    } else {
        format!("{} ne livre pas le {postcode}. Y livre : {}.", pizzeria.name, others.join(", "))
    })
}

/// Mode, address and time, checked against the pizzeria's zone, hours and holidays.
pub fn delivery(facts: &DeliveryFacts<'_>, context: &Context<'_>, errors: &mut FieldErrors) -> Option<Delivery> {
    let mode = Mode::parse(facts.mode.trim());
    if mode.is_none() {
        errors.add("mode", "Choisissez la livraison ou la vente à emporter.");
    }
    let check_zone = |postcode: &str, errors: &mut FieldErrors| {
        if let Some(message) = zone_refusal(&context.pizzeria, &context.zones, postcode) {
            errors.add("postcode", message);
        }
    };
    let address = match mode {
        Some(Mode::Delivery) => {
            let chosen = facts.address_id.trim();
            match context.saved_addresses.iter().find(|(id, _)| id.to_string() == chosen) {
                Some((_, saved)) => {
                    check_zone(&saved.postcode, errors);
                    Some(saved.clone())
                }
                None => {
                    let street = errors.check("street", fields::text(facts.street, 200, false));
                    let postcode = errors.check("postcode", fields::postcode(facts.postcode));
                    let city = errors.check("city", fields::text(facts.city, 100, false));
                    let instructions = errors.check("instructions", fields::note(facts.instructions, 300));
                    if let Some(postcode) = &postcode {
                        check_zone(postcode, errors);
                    }
                    match (street, postcode, city, instructions) {
                        (Some(street), Some(postcode), Some(city), Some(instructions)) => {
                            Some(DeliveryAddress { street, postcode, city, instructions })
                        }
                        _ => None,
                    }
                }
            }
        }
        _ => None,
    };
    let schedule = &context.pizzeria.schedule;
    let when = facts.when.trim();
    let requested_for = if when == "asap" || when.is_empty() {
        if !context.can_asap() {
            errors.add("when", "La pizzeria ne prend pas de commande pour tout de suite : choisissez une heure.");
        }
        None
    } else {
        match slots::parse_form_value(when) {
            None => {
                errors.add("when", "Choisissez une heure dans la liste.");
                None
            }
            Some(local) => {
                errors.check("when", schedule.check(context.now, context.lead, local)).map(|t| t.timestamp())
            }
        }
    };
    match (mode, errors.is_empty()) {
        (Some(mode), true) => {
            Some(Delivery { mode, address, requested_for, promise_times: context.promise_times(requested_for) })
        }
        _ => None,
    }
}
