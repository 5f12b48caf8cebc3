//! The checkout: delivery or takeaway, address in the zone, time slot, contact and
//! payment, checked by `domain::intake::web_order`, then the order is placed.

use maud::Markup;
use rocket::form::FromForm;
use rocket::http::{CookieJar, Status};
use rocket::response::{Flash, Redirect};
use rocket::{get, post, routes, Either, Route, State};

use crate::config::Settings;
use crate::db::Db;
use crate::domain::capacity::Basket;
use crate::domain::fields::FieldErrors;
use crate::domain::intake::{self, ContactFacts, LineRequest, WebCustomer, WebRequest, Wording};
use crate::domain::notifications::Preferences;
use crate::domain::orders::{Mode, PaymentMethod};
use crate::domain::pricing;
use crate::payments::OnlinePayment;
use crate::store::carts::{self, Cart, CartLine};
use crate::store::{addresses, catalogue, order_writes, users};
use crate::views::ordering::{order_link, CheckoutPage, CheckoutValues};
use crate::web::auth::ClientAddress;
use crate::web::csrf::{Both, CsrfForm, Page};
use crate::web::customer::cart::{current_cart, priced};
use crate::web::intake::{DeliveryForm, Ordering};
use crate::web::limits::{self, RetryAfter};
use crate::{views, Error, Result};

pub fn routes() -> Vec<Route> {
    routes![checkout_page, checkout]
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

struct CheckoutContext {
    ordering: Ordering,
    lines: Vec<CartLine>,
    can_asap: bool,
    slots: Vec<(String, String)>,
    asap: Vec<(Mode, i64)>,
}

async fn checkout_context(
    db: &Db,
    settings: &Settings,
    online: &OnlinePayment,
    page: &Page<'_>,
    cart: &Cart,
    lines: Vec<CartLine>,
    (mode, postcode): (Mode, Option<&str>),
) -> Result<CheckoutContext> {
    let addresses = match page.visitor.signed_in() {
        Some(user) => addresses::list(db, user.id).await?,
        None => Vec::new(),
    };
    let catalogue = catalogue::current(db).await?;
    let ordering = Ordering::load(db, catalogue, cart.pizzeria_id, addresses, settings, online.0.is_some())
        .await?
        .ok_or(Error::NotFound)?;
    let can_asap = ordering.context().can_asap();
    let basket = Basket { pizzas: lines.iter().map(|l| l.quantity).sum(), mode, postcode };
    let slots = ordering.slots_for(db, settings, &basket).await?;
    let asap = ordering.asap(db, settings, basket.pizzas, postcode).await?;
    Ok(CheckoutContext { ordering, lines, can_asap, slots, asap })
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
        pizzeria: &context.ordering.details.pizzeria,
        delivery_postcodes: &context.ordering.details.delivery_postcodes,
        lines: &prices,
        names: &names,
        breakdown: &pricing::vat_breakdown(&prices),
        totals: pricing::totals(&prices),
        addresses: &context.ordering.addresses,
        can_asap: context.can_asap,
        slots: &context.slots,
        values,
        errors,
        problem,
        guest: page.visitor.signed_in().is_none_or(|u| u.role != crate::domain::roles::Role::Customer),
        signed_in: page.visitor.signed_in().is_some(),
        sms_available: crate::store::outbox::channels().sms,
        online_payment: context.ordering.online_payment,
        rush: context.ordering.rush.notices(chrono::Utc::now().timestamp()),
        asap: context.asap.clone(),
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
    // Takeaway, the mode that needs the least: a delivery's time is checked as it is sent.
    let context = checkout_context(db, settings, online, &page, &cart, lines, (Mode::Takeaway, None)).await?;
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
        // A saved address this pizzeria delivers, else the first one: preselected.
        let addresses = &context.ordering.addresses;
        let zone = &context.ordering.details.delivery_postcodes;
        if let Some(address) = addresses.iter().find(|a| zone.contains(&a.postcode)).or(addresses.first()) {
            values.address_id = address.id.to_string();
        }
    }
    Ok(Either::Left(checkout_markup(&page, &context, &values, &FieldErrors::new(), None)))
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
    let mode = Mode::parse(delivery_form.mode.trim()).unwrap_or(Mode::Takeaway);
    let postcode = Some(delivery_form.postcode.trim()).filter(|p| mode == Mode::Delivery && !p.is_empty());
    let context = checkout_context(db, settings, online, &page, &cart, lines, (mode, postcode)).await?;
    let values = CheckoutValues {
        full_name: form.full_name.clone(),
        email: form.email.clone(),
        phone: form.phone.clone(),
        payment: form.payment.clone(),
        notify: Preferences::from_form(&form.notify_email, form.notify_sms).unwrap_or_default(),
        ..delivery_form.values()
    };
    let customer = page.visitor.signed_in().filter(|u| u.role == crate::domain::roles::Role::Customer);
    let customer = match customer {
        Some(user) => WebCustomer::Customer { id: user.id, notify: users::preferences(db, user.id).await? },
        None => WebCustomer::Guest { notify_email: &form.notify_email, notify_sms: form.notify_sms },
    };
    let request = WebRequest {
        lines: context
            .lines
            .iter()
            .map(|l| LineRequest {
                pizza_id: l.pizza_id,
                quantity: l.quantity,
                note: l.note.clone(),
                composition: None,
            })
            .collect(),
        delivery: delivery_form.facts(),
        contact: ContactFacts { full_name: &form.full_name, email: &form.email, phone: &form.phone },
        payment: &form.payment,
        customer,
        wording: Wording::Page,
    };
    let mut errors = FieldErrors::new();
    let Some(order) = intake::web_order(&request, &context.ordering.context(), &mut errors) else {
        return Ok(Either::Left((
            Status::UnprocessableEntity,
            checkout_markup(&page, &context, &values, &errors, None),
        )));
    };
    if let Err(refused) = limits::admit_if_guest(db, settings, retry, client.0, &order).await? {
        let markup = checkout_markup(&page, &context, &values, &errors, Some(&refused.message));
        return Ok(Either::Left((Status::TooManyRequests, markup)));
    }
    match order_writes::place(db, &order, settings.capacity_limits).await? {
        Err(refusal) => {
            let message = refusal.message();
            Ok(Either::Left((Status::Conflict, checkout_markup(&page, &context, &values, &errors, Some(&message)))))
        }
        Ok(placed) => {
            carts::clear(db, cart.id).await?;
            tracing::info!(reference = %placed.reference, pizzeria = cart.pizzeria_id, "order placed");
            if order.payment_method == PaymentMethod::Online {
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
