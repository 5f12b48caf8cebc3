//! The checkout: delivery or takeaway, address in the zone, time slot, contact and
//! payment, then the order is placed. The delivery checks are shared with the order
//! modification and the API.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use maud::Markup;
use rocket::form::FromForm;
use rocket::http::{CookieJar, Status};
use rocket::response::{Flash, Redirect};
use rocket::{get, post, routes, Either, Route, State};

use crate::config::Settings;
use crate::db::Db;
use crate::domain::fields::{self, FieldErrors};
use crate::domain::notifications::Preferences;
use crate::domain::orders::{self as rules, Mode, PaymentMethod};
use crate::domain::pricing::{self};
use crate::domain::slots::{self, Period};
use crate::payments::OnlinePayment;
use crate::store::addresses::{self, Address};
use crate::store::carts::{self, Cart, CartLine};
use crate::store::catalogue;
use crate::store::orders::{self, DeliveryAddress, LineRequest, NewOrder};
use crate::store::pizzerias::PizzeriaDetails;
use crate::store::rate_limits::GuestOrder;
use crate::store::users;
use crate::views::ordering::{order_link, CheckoutPage, CheckoutValues};
use crate::web::auth::ClientAddress;
use crate::web::cart::{current_cart, priced};
use crate::web::csrf::{Both, CsrfForm, Page};
use crate::web::limits::{self, RetryAfter};
use crate::{views, Error, Result};

pub fn routes() -> Vec<Route> {
    routes![checkout_page, checkout]
}

/// The checkout form, as typed.
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

/// The checkout's own fields, besides the delivery ones.
#[derive(FromForm)]
struct ContactForm {
    #[field(default = String::new())]
    full_name: String,
    #[field(default = String::new())]
    email: String,
    #[field(default = String::new())]
    phone: String,
    #[field(default = String::new())]
    payment: String,
    /// A guest's choice of messages (a customer's is in their account).
    #[field(default = String::new())]
    notify_email: String,
    #[field(default = false)]
    notify_sms: bool,
}

pub(crate) fn opening_periods(details: &PizzeriaDetails) -> Vec<Period> {
    details
        .opening_hours
        .iter()
        .map(|h| Period {
            weekday: h.weekday as u32,
            opens_minute: h.opens_minute as u32,
            closes_minute: h.closes_minute as u32,
        })
        .collect()
}

/// A pizzeria's hours and holidays: when it can have an order ready.
pub(crate) struct Schedule {
    hours: Vec<Period>,
    closed: Vec<chrono::NaiveDate>,
}

impl Schedule {
    pub(crate) fn of(details: &PizzeriaDetails) -> Schedule {
        Schedule { hours: opening_periods(details), closed: details.closing_days.clone() }
    }

    /// "Dès que possible", if the pizzeria takes an order for now.
    pub(crate) fn as_soon_as_possible(&self, now: DateTime<Utc>, lead: Duration) -> Option<DateTime<Utc>> {
        slots::as_soon_as_possible(now, lead, &self.hours).filter(|t| !slots::closed_on(*t, &self.closed))
    }

    /// The times offered: (form value, French label).
    pub(crate) fn choices(&self, now: DateTime<Utc>, lead: Duration) -> Vec<(String, String)> {
        slots::choices(now, lead, &self.hours)
            .into_iter()
            .filter(|t| !slots::closed_on(*t, &self.closed))
            .map(|t| (slots::form_value(t), slots::describe(t)))
            .collect()
    }

    /// A time typed or picked, checked against the hours and the holidays.
    pub(crate) fn check(
        &self,
        now: DateTime<Utc>,
        lead: Duration,
        requested: chrono::NaiveDateTime,
    ) -> std::result::Result<DateTime<Utc>, String> {
        let time = slots::check_requested(now, lead, &self.hours, requested)?;
        if slots::closed_on(time, &self.closed) {
            return Err("La pizzeria est fermée ce jour-là : choisissez un autre jour.".into());
        }
        Ok(time)
    }
}

/// Refuses a postcode outside the pizzeria's zone, naming those that deliver there.
async fn check_zone(db: &Db, details: &PizzeriaDetails, postcode: &str, errors: &mut FieldErrors) -> Result<()> {
    if details.delivery_postcodes.iter().any(|code| code == postcode) {
        return Ok(());
    }
    let others: Vec<String> = catalogue::current(db)
        .await?
        .pizzerias
        .iter()
        .filter(|p| p.delivery_postcodes.iter().any(|code| code == postcode))
        .map(|p| p.pizzeria.name.clone())
        .collect();
    let message = if others.is_empty() {
        format!(
            "{} ne livre pas le {postcode} et aucune de nos pizzerias n'y livre : choisissez « à emporter ».",
            details.pizzeria.name
        )
    } else {
        format!("{} ne livre pas le {postcode}. Y livre : {}.", details.pizzeria.name, others.join(", "))
    };
    errors.add("postcode", message);
    Ok(())
}

/// Mode, address and time, checked against the pizzeria's zone and hours.
pub(crate) async fn check_delivery(
    db: &Db,
    form: &DeliveryForm,
    details: &PizzeriaDetails,
    saved: &[Address],
    lead: Duration,
    errors: &mut FieldErrors,
) -> Result<Option<(Mode, Option<DeliveryAddress>, Option<i64>)>> {
    let now = Utc::now();
    let schedule = Schedule::of(details);
    let mode = Mode::parse(form.mode.trim());
    if mode.is_none() {
        errors.add("mode", "Choisissez la livraison ou la vente à emporter.");
    }
    let address = match mode {
        Some(Mode::Delivery) => match saved.iter().find(|a| a.id.to_string() == form.address_id.trim()) {
            Some(saved) => {
                check_zone(db, details, &saved.postcode, errors).await?;
                Some(DeliveryAddress {
                    street: saved.street.clone(),
                    postcode: saved.postcode.clone(),
                    city: saved.city.clone(),
                    instructions: saved.instructions.clone(),
                })
            }
            None => {
                let street = errors.check("street", fields::text(&form.street, 200, false));
                let postcode = errors.check("postcode", fields::postcode(&form.postcode));
                let city = errors.check("city", fields::text(&form.city, 100, false));
                let instructions = errors.check("instructions", fields::note(&form.instructions, 300));
                if let Some(postcode) = &postcode {
                    check_zone(db, details, postcode, errors).await?;
                }
                match (street, postcode, city, instructions) {
                    (Some(street), Some(postcode), Some(city), Some(instructions)) => {
                        Some(DeliveryAddress { street, postcode, city, instructions })
                    }
                    _ => None,
                }
            }
        },
        _ => None,
    };
    let when = form.when.trim();
    let requested_for = if when == "asap" || when.is_empty() {
        if schedule.as_soon_as_possible(now, lead).is_none() {
            errors.add("when", "La pizzeria ne prend pas de commande pour tout de suite : choisissez une heure.");
        }
        None
    } else {
        match slots::parse_form_value(when) {
            None => {
                errors.add("when", "Choisissez une heure dans la liste.");
                None
            }
            Some(local) => errors.check("when", schedule.check(now, lead, local)).map(|t| t.timestamp()),
        }
    };
    Ok(match (mode, errors.is_empty()) {
        (Some(mode), true) => Some((mode, address, requested_for)),
        _ => None,
    })
}

struct CheckoutContext {
    online_payment: bool,
    details: PizzeriaDetails,
    lines: Vec<CartLine>,
    addresses: Vec<Address>,
    can_asap: bool,
    slots: Vec<(String, String)>,
}

async fn checkout_context(
    db: &Db,
    settings: &Settings,
    online: &OnlinePayment,
    page: &Page<'_>,
    cart: &Cart,
    lines: Vec<CartLine>,
) -> Result<CheckoutContext> {
    let details = catalogue::pizzeria_details(db, cart.pizzeria_id).await?.ok_or(Error::NotFound)?;
    let addresses = match page.visitor.signed_in() {
        Some(user) => addresses::list(db, user.id).await?,
        None => Vec::new(),
    };
    let lead = Duration::minutes(settings.preparation_lead_minutes);
    let schedule = Schedule::of(&details);
    Ok(CheckoutContext {
        online_payment: online.0.is_some(),
        can_asap: schedule.as_soon_as_possible(Utc::now(), lead).is_some(),
        slots: schedule.choices(Utc::now(), lead),
        details,
        lines,
        addresses,
    })
}

fn checkout_markup(
    page: &Page<'_>,
    context: &CheckoutContext,
    values: &CheckoutValues,
    errors: &FieldErrors,
    problem: Option<&str>,
) -> Markup {
    let prices = priced(&context.lines);
    let names: Vec<String> = context.lines.iter().map(|l| l.pizza_name.clone()).collect();
    let view = CheckoutPage {
        pizzeria: &context.details.pizzeria,
        delivery_postcodes: &context.details.delivery_postcodes,
        lines: &prices,
        names: &names,
        breakdown: &pricing::vat_breakdown(&prices),
        totals: pricing::totals(&prices),
        addresses: &context.addresses,
        can_asap: context.can_asap,
        slots: &context.slots,
        values,
        errors,
        problem,
        guest: page.visitor.signed_in().is_none_or(|u| u.role != crate::domain::roles::Role::Customer),
        sms_available: crate::store::outbox::channels().sms,
        online_payment: context.online_payment,
    };
    views::ordering::checkout(&page.nav(), &page.csrf, &view)
}

#[get("/checkout")]
async fn checkout_page(
    db: &Db,
    settings: &State<Settings>,
    online: &State<OnlinePayment>,
    cookies: &CookieJar<'_>,
    page: Page<'_>,
) -> Result<Either<Markup, Flash<Redirect>>> {
    let Some((cart, lines)) = current_cart(db, cookies).await?.filter(|(_, lines)| !lines.is_empty()) else {
        return Ok(Either::Right(Flash::error(Redirect::to("/cart"), "Votre panier est vide.")));
    };
    let context = checkout_context(db, settings, online, &page, &cart, lines).await?;
    let mut values = CheckoutValues {
        mode: Mode::Delivery.as_str().into(),
        when: if context.can_asap { "asap".into() } else { String::new() },
        payment: PaymentMethod::Cash.as_str().into(),
        ..Default::default()
    };
    if let Some(user) = page.visitor.signed_in() {
        if let Some(record) = users::get(db, user.id).await? {
            values.full_name = record.full_name;
            values.email = record.email.unwrap_or_default();
            values.phone = record.phone.unwrap_or_default();
        }
    }
    Ok(Either::Left(checkout_markup(&page, &context, &values, &FieldErrors::new(), None)))
}

impl DeliveryForm {
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

#[post("/checkout", data = "<form>")]
#[allow(clippy::too_many_arguments)]
async fn checkout(
    db: &Db,
    settings: &State<Settings>,
    online: &State<OnlinePayment>,
    cookies: &CookieJar<'_>,
    page: Page<'_>,
    client: ClientAddress,
    retry: &RetryAfter,
    form: CsrfForm<Both<DeliveryForm, ContactForm>>,
) -> Result<Either<(Status, Markup), Flash<Redirect>>> {
    let Both(delivery_form, form) = form.0;
    let Some((cart, lines)) = current_cart(db, cookies).await?.filter(|(_, lines)| !lines.is_empty()) else {
        return Ok(Either::Right(Flash::error(Redirect::to("/cart"), "Votre panier est vide.")));
    };
    let context = checkout_context(db, settings, online, &page, &cart, lines).await?;
    let values = CheckoutValues {
        full_name: form.full_name.clone(),
        email: form.email.clone(),
        phone: form.phone.clone(),
        payment: form.payment.clone(),
        notify: Preferences::from_form(&form.notify_email, form.notify_sms).unwrap_or_default(),
        ..delivery_form.values()
    };
    let mut errors = FieldErrors::new();
    let lead = Duration::minutes(settings.preparation_lead_minutes);
    let delivery = check_delivery(db, &delivery_form, &context.details, &context.addresses, lead, &mut errors).await?;
    let full_name = errors.check("full_name", fields::person_name(&form.full_name));
    let email = errors.check("email", fields::email(&form.email));
    let phone = errors.check("phone", fields::french_phone(&form.phone));
    let payment = match PaymentMethod::parse(form.payment.trim()) {
        Some(method @ (PaymentMethod::Cash | PaymentMethod::Card)) => Some(method),
        Some(PaymentMethod::Online) if context.online_payment => Some(PaymentMethod::Online),
        _ if context.online_payment => {
            errors.add("payment", "Choisissez le paiement en ligne, en espèces ou par carte bancaire.");
            None
        }
        _ => {
            errors.add("payment", "Choisissez espèces ou carte bancaire.");
            None
        }
    };
    let quantities: Vec<i64> = context.lines.iter().map(|l| l.quantity).collect();
    if let Err(message) = rules::check_size(&quantities) {
        errors.add("lines", message);
    }
    let customer = page.visitor.signed_in().filter(|u| u.role == crate::domain::roles::Role::Customer);
    let notify = match customer {
        Some(user) => users::preferences(db, user.id).await?,
        None => Preferences::from_form(&form.notify_email, form.notify_sms).unwrap_or_else(|message| {
            errors.add("notify_email", message);
            Preferences::default()
        }),
    };
    let (Some((mode, address, requested_for)), Some(full_name), Some(email), Some(phone), Some(payment), true) =
        (delivery, full_name, email, phone, payment, errors.is_empty())
    else {
        return Ok(Either::Left((
            Status::UnprocessableEntity,
            checkout_markup(&page, &context, &values, &errors, None),
        )));
    };
    if customer.is_none() {
        let guest = GuestOrder {
            pizzeria_id: cart.pizzeria_id,
            client: client.0,
            phone: &phone,
            email: &email,
            pizzas: quantities.iter().sum(),
        };
        if let Err(refused) = limits::admit_guest(db, settings, retry, &guest).await? {
            let markup = checkout_markup(&page, &context, &values, &errors, Some(&refused.message));
            return Ok(Either::Left((Status::TooManyRequests, markup)));
        }
    }
    // A guest follows the order with a private link; a customer with their account.
    let order = NewOrder {
        pizzeria_id: cart.pizzeria_id,
        customer_id: customer.map(|u| u.id),
        taken_by: None,
        customer_name: full_name,
        customer_phone: phone,
        customer_email: Some(email),
        channel: "web",
        mode,
        address,
        requested_for,
        payment_method: payment,
        lines: context
            .lines
            .iter()
            .map(|l| LineRequest { pizza_id: l.pizza_id, quantity: l.quantity, note: l.note.clone() })
            .collect(),
        paid: false,
        guest: customer.is_none(),
        notify,
    };
    match orders::place(db, &order).await? {
        Err(refusal) => {
            let message = refusal.message();
            Ok(Either::Left((Status::Conflict, checkout_markup(&page, &context, &values, &errors, Some(&message)))))
        }
        Ok(placed) => {
            carts::clear(db, cart.id).await?;
            tracing::info!(reference = %placed.reference, pizzeria = cart.pizzeria_id, "order placed");
            if payment == PaymentMethod::Online {
                // The payment page creates the intent (and says so if Stripe is out of reach).
                let target = match &placed.guest_key {
                    Some(key) => format!("/orders/{}/pay?key={key}", placed.reference),
                    None => format!("/orders/{}/pay", placed.reference),
                };
                return Ok(Either::Right(Flash::success(
                    Redirect::to(target),
                    "Votre commande est enregistrée : il reste à la régler.",
                )));
            }
            let target = match &placed.guest_key {
                Some(key) => format!("{}&new=1", order_link(&placed.reference, Some(key))),
                None => format!("/orders/{}", placed.reference),
            };
            Ok(Either::Right(Flash::success(Redirect::to(target), "Merci ! Votre commande est enregistrée.")))
        }
    }
}

/// One line as typed (quantity and note), for the pages and the API alike.
pub(crate) fn line_request(pizza_id: i64, quantity: &str, note: &str) -> std::result::Result<LineRequest, String> {
    Ok(LineRequest { pizza_id, quantity: rules::quantity(quantity)?, note: rules::kitchen_note(note)? })
}

/// The size rules of the whole order, reported on the `lines` field.
pub(crate) fn check_order_size(lines: &[LineRequest], errors: &mut FieldErrors) {
    let quantities: Vec<i64> = lines.iter().map(|l| l.quantity).collect();
    if let Err(message) = rules::check_size(&quantities) {
        errors.add("lines", message);
    }
}

/// The modification form's `quantity[<pizza id>]` and `note[<pizza id>]`; 0 or empty
/// leaves the pizza out.
pub(crate) fn lines_from_map(
    quantities: &HashMap<String, String>,
    notes: &HashMap<String, String>,
    errors: &mut FieldErrors,
) -> Vec<LineRequest> {
    let mut lines = Vec::new();
    let mut ids: Vec<(&String, &String)> = quantities.iter().collect();
    ids.sort();
    for (id, quantity) in ids {
        let quantity = quantity.trim();
        if quantity.is_empty() || quantity == "0" {
            continue;
        }
        let Ok(pizza_id) = id.parse::<i64>() else {
            errors.add("lines", "Une des pizzas demandées n'existe pas.");
            continue;
        };
        let note = notes.get(id).map(String::as_str).unwrap_or_default();
        if let Some(line) = errors.check("lines", line_request(pizza_id, quantity, note)) {
            lines.push(line);
        }
    }
    check_order_size(&lines, errors);
    lines
}
