//! What the doors that take orders share: the delivery fields of their forms and the
//! context `domain::intake` checks a request against (the pizzeria from the catalogue,
//! the customer's saved addresses, now).

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use rocket::form::FromForm;

use crate::config::Settings;
use crate::db::DbPool;
use crate::domain::capacity::{self, Basket};
use crate::domain::intake::{Context, DeliveryFacts};
use crate::domain::orders::Mode;
use crate::domain::rush::Rush;
use crate::domain::slots;
use crate::store;
use crate::store::addresses::Address;
use crate::store::catalogue::Catalogue;
use crate::store::pizzerias::PizzeriaDetails;
use crate::views::ordering::CheckoutValues;

/// Mode, address and time, as the checkout, the phone order and the modification type them.
#[derive(FromForm, Default, Clone)]
pub(crate) struct DeliveryForm {
    #[field(default = String::new())]
    pub mode: String,
    #[field(default = String::new())]
    pub address_id: String,
    #[field(default = String::new())]
    pub street: String,
    #[field(default = String::new())]
    pub postcode: String,
    #[field(default = String::new())]
    pub city: String,
    #[field(default = String::new())]
    pub instructions: String,
    #[field(default = String::new())]
    pub when: String,
}

impl DeliveryForm {
    pub(crate) fn facts(&self) -> DeliveryFacts<'_> {
        DeliveryFacts {
            mode: &self.mode,
            address_id: &self.address_id,
            street: &self.street,
            postcode: &self.postcode,
            city: &self.city,
            instructions: &self.instructions,
            when: &self.when,
        }
    }

    /// What the visitor typed, for the form shown again (contact fields left empty).
    pub(crate) fn values(&self) -> CheckoutValues {
        CheckoutValues {
            mode: self.mode.clone(),
            address_id: self.address_id.clone(),
            street: self.street.clone(),
            postcode: self.postcode.clone(),
            city: self.city.clone(),
            instructions: self.instructions.clone(),
            when: self.when.clone(),
            ..Default::default()
        }
    }
}

/// A pizzeria of the catalogue, with what intake needs to check an order for it.
pub(crate) struct Ordering {
    pub catalogue: Arc<Catalogue>,
    pub details: PizzeriaDetails,
    pub addresses: Vec<Address>,
    pub lead: Duration,
    pub online_payment: bool,
    pub rush: Rush,
}

impl Ordering {
    /// The pizzeria's ordering context, with its rush controls read now; `None`: no such
    /// pizzeria in the catalogue.
    pub async fn load(
        db: &DbPool,
        catalogue: Arc<Catalogue>,
        pizzeria_id: i64,
        addresses: Vec<Address>,
        settings: &Settings,
        online_payment: bool,
    ) -> crate::Result<Option<Ordering>> {
        let Some(details) = catalogue.pizzeria(pizzeria_id).cloned() else { return Ok(None) };
        let rush = store::rush::current(db, pizzeria_id).await?;
        let lead = Duration::minutes(settings.preparation_lead_minutes);
        Ok(Some(Ordering { catalogue, details, addresses, lead, online_payment, rush }))
    }

    /// The context of a request made now (the preparation lead with the rush's extra minutes).
    pub fn context(&self) -> Context<'_> {
        let now = Utc::now();
        Context {
            pizzeria: self.details.intake(),
            zones: self.catalogue.zones(),
            saved_addresses: self.addresses.iter().map(Address::delivery).collect(),
            now,
            lead: self.lead + Duration::minutes(self.rush.extra_lead(now.timestamp())),
            online_payment: self.online_payment,
            rush: self.rush,
        }
    }
}

impl Ordering {
    /// The times offered for this basket, (form value, French label): those the pizzeria's
    /// oven and drivers can still keep (every time of its hours without `capacity_limits`).
    /// The order's transaction checks again: this is what the page shows, not a booking.
    pub async fn slots_for(
        &self,
        db: &DbPool,
        settings: &Settings,
        basket: &Basket<'_>,
    ) -> crate::Result<Vec<(String, String)>> {
        Ok(self
            .availability(db, settings, basket)
            .await?
            .0
            .into_iter()
            .filter(|(_, keepable)| *keepable)
            .map(|(t, _)| (slots::form_value(t), slots::describe(t)))
            .collect())
    }

    /// "Dès que possible" for `pizzas` (a delivery to `postcode`, or the pizzeria's usual
    /// trip): the earliest time the oven, and the drivers for a delivery, can keep from the
    /// live queue — the end of the window customers are shown (`domain::requote::window`);
    /// for each mode open to web orders now (nothing when no order can be taken for now).
    pub async fn asap(
        &self,
        db: &DbPool,
        settings: &Settings,
        pizzas: i64,
        postcode: Option<&str>,
    ) -> crate::Result<Vec<(Mode, i64)>> {
        let context = self.context();
        if !context.can_asap() {
            return Ok(Vec::new());
        }
        let times = context.pizzeria.schedule.times(context.now, context.lead);
        let now = context.now.timestamp();
        let capacity_and_load = match settings.capacity_limits {
            true => Some(store::capacity::with_load(db, self.details.pizzeria.id, now).await?),
            false => None,
        };
        let mut said = Vec::new();
        for mode in [Mode::Takeaway, Mode::Delivery] {
            let paused = self.rush.web_refusal(Some(mode), now).is_some();
            if paused || (mode == Mode::Delivery && self.details.delivery_postcodes.is_empty()) {
                continue;
            }
            let basket = Basket { pizzas: pizzas.max(1), mode, postcode: postcode.filter(|_| mode == Mode::Delivery) };
            let first = times.iter().map(|t| t.timestamp()).find(|t| match &capacity_and_load {
                Some((capacity, load)) => capacity::book(capacity, load, &basket, *t, now).is_some(),
                None => true,
            });
            if let Some(end) = first {
                said.push((mode, end));
            }
        }
        Ok(said)
    }

    /// Every time of the pizzeria's hours from now on, whether it can be kept for this
    /// basket (always, without `capacity_limits`), and why none ever can, if so.
    pub async fn availability(
        &self,
        db: &DbPool,
        settings: &Settings,
        basket: &Basket<'_>,
    ) -> crate::Result<(Vec<(DateTime<Utc>, bool)>, Option<capacity::Refusal>)> {
        let context = self.context();
        let times = context.pizzeria.schedule.times(context.now, context.lead);
        if !settings.capacity_limits {
            return Ok((times.into_iter().map(|t| (t, true)).collect(), None));
        }
        let now = context.now.timestamp();
        let (capacity, load) = store::capacity::with_load(db, self.details.pizzeria.id, now).await?;
        let keepable =
            times.into_iter().map(|t| (t, capacity::book(&capacity, &load, basket, t.timestamp(), now).is_some()));
        Ok((keepable.collect(), capacity::possible(&capacity, basket).err()))
    }
}
