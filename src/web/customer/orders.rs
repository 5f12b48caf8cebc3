//! An order's page, its modification and cancellation by its customer (or by the guest
//! holding its private link), and the customer's history.

use std::collections::HashMap;

use maud::Markup;
use rocket::form::FromForm;
use rocket::http::uri::fmt::{Query, UriDisplay};
use rocket::http::Status;
use rocket::request::FlashMessage;
use rocket::response::{Flash, Redirect};
use rocket::{get, post, routes, Either, Route, State};

use crate::config::Settings;
use crate::crypto;
use crate::db::Db;
use crate::domain::capacity::Basket;
use crate::domain::fields::FieldErrors;
use crate::domain::intake;
use crate::domain::orders::{self as rules, Access, Reach};
use crate::domain::pricing::{self, PricedLine};
use crate::domain::slots;
use crate::store::orders::{self, Order, OrderLine};
use crate::store::{addresses, catalogue, order_moves, order_writes};
use crate::views::ordering::order_link;
use crate::views::ordering::{AwaitingPayment, CheckoutPage, CheckoutValues, EditPage, OrderPage};
use crate::web::auth::{SignedIn, Visitor};
use crate::web::csrf::{Both, CsrfForm, Page};
use crate::web::intake::{DeliveryForm, Ordering};
use crate::{views, Error, Result};

pub fn routes() -> Vec<Route> {
    routes![order_page, order_events, edit_page, edit, cancel, history]
}

/// The order and how the visitor may see it; someone else's order does not exist (404).
/// A visitor who is not signed in and has no key is asked to sign in first.
pub(crate) async fn reach(
    db: &Db,
    visitor: &Visitor,
    reference: &str,
    key: Option<&str>,
) -> Result<Option<(Order, Vec<OrderLine>, Access)>> {
    let found = orders::by_reference(db, reference).await?;
    let viewer = visitor.signed_in().map(|u| (u.id, u.role, u.pizzeria_id));
    let Some((order, lines)) = found else {
        return if viewer.is_none() && key.is_none() { Ok(None) } else { Err(Error::NotFound) };
    };
    let key_matches = key.map(|key| key_opens(key, &order));
    match rules::reach(order.customer_id, order.pizzeria_id, key_matches, viewer) {
        Reach::Granted(access) => Ok(Some((order, lines, access))),
        Reach::SignInFirst => Ok(None),
        Reach::Hidden => Err(Error::NotFound),
    }
}

static GUEST_LINK_DAYS: std::sync::OnceLock<i64> = std::sync::OnceLock::new();

/// How long a guest's link keeps opening an order after it is closed (set at start-up from
/// `guest_link_days_after_close`; 30 days if unset).
pub fn set_guest_link_days(days: i64) {
    let _ = GUEST_LINK_DAYS.set(days);
}

/// Does this private key open this order? A guest order's key is derived from its
/// reference and the installation's secret (`crypto::guest_key_opens`: the previous secret
/// too during a rotation's grace period); the link stops some days after the order closed.
pub(crate) fn key_opens(key: &str, order: &Order) -> bool {
    let now = crate::unix_now();
    let keep_days = GUEST_LINK_DAYS.get().copied().unwrap_or(30);
    order.access_token_hash.is_some()
        && rules::guest_link_live(order.status(), order.updated_at, now, keep_days)
        && crypto::guest_key_opens(&order.reference, key, now)
}

/// The order, if the visitor may change it (its customer, or the guest with its key);
/// otherwise it does not exist for them.
async fn reach_to_change(
    db: &Db,
    visitor: &Visitor,
    reference: &str,
    key: Option<&str>,
) -> Result<(Order, Vec<OrderLine>, Access)> {
    match reach(db, visitor, reference, key).await? {
        Some((order, lines, access)) if access.can_change() => Ok((order, lines, access)),
        _ => Err(Error::NotFound),
    }
}

pub(crate) fn login_first(reference: &str) -> Redirect {
    let next = format!("/orders/{reference}");
    Redirect::to(format!("/login?next={}", &next.as_str() as &dyn UriDisplay<Query>))
}

fn breakdown(lines: &[OrderLine]) -> Vec<pricing::VatShare> {
    let prices: Vec<PricedLine> = lines.iter().map(OrderLine::priced).collect();
    pricing::vat_breakdown(&prices)
}

/// What the order page says above the order: (notice, problem).
type Messages<'a> = (Option<&'a str>, Option<&'a str>);

fn order_markup(
    page: &Page<'_>,
    settings: &Settings,
    (order, lines, access): (&Order, &[OrderLine], Access),
    key: Option<&str>,
    (new, returning): (bool, bool),
    (notice, problem): Messages<'_>,
) -> Markup {
    let private_link = (new && access == Access::Guest).then(|| order_link(&order.reference, key));
    let view = OrderPage {
        order,
        lines,
        breakdown: &breakdown(lines),
        key: if access == Access::Guest { key } else { None },
        private_link: private_link.as_deref(),
        notice,
        problem,
        can_change: access.can_change(),
        expected_at: rules::expected_at(
            order.created_at,
            order.promised_for.or(order.requested_for),
            settings.preparation_lead_minutes,
        ),
        pay: (access.can_change() && order.awaiting_online_payment()).then(|| AwaitingPayment {
            returning,
            pay_before: crate::domain::payments::pay_before(
                order.created_at,
                settings.payments.payment_timeout_minutes,
            ),
        }),
    };
    views::ordering::order(&page.nav(), &page.csrf, &view)
}

#[get("/orders/<reference>?<key>&<new>&<payment>")]
#[allow(clippy::too_many_arguments)] // Rocket guards and query fields, each named.
async fn order_page(
    db: &Db,
    settings: &State<Settings>,
    page: Page<'_>,
    flash: Option<FlashMessage<'_>>,
    reference: &str,
    key: Option<&str>,
    new: Option<&str>,
    payment: Option<&str>,
) -> Result<Either<Markup, Redirect>> {
    let Some((order, lines, access)) = reach(db, page.visitor, reference, key).await? else {
        return Ok(Either::Right(login_first(reference)));
    };
    let notice = flash.as_ref().filter(|f| f.kind() == "success").map(FlashMessage::message);
    let problem = flash.as_ref().filter(|f| f.kind() != "success").map(FlashMessage::message);
    let shown = (new.is_some(), payment == Some("return"));
    let markup = order_markup(&page, settings, (&order, &lines, access), key, shown, (notice, problem));
    Ok(Either::Left(markup))
}

#[derive(FromForm)]
struct EditForm {
    #[field(default = String::new())]
    version: String,
    key: Option<String>,
    #[field(default = HashMap::new())]
    quantity: HashMap<String, String>,
    #[field(default = HashMap::new())]
    note: HashMap<String, String>,
}

struct EditContext {
    ordering: Ordering,
    menu: Vec<(i64, String, i64)>,
    can_asap: bool,
    slots: Vec<(String, String)>,
}

/// The modification form's context. The times offered are those the oven and drivers can
/// keep for the order as it is (its own booking still counted, so a little cautious), and
/// always its current time.
async fn edit_context(db: &Db, settings: &Settings, order: &Order, pizzas: i64) -> Result<EditContext> {
    let addresses = match order.customer_id {
        Some(id) => addresses::list(db, id).await?,
        None => Vec::new(),
    };
    let items = crate::store::menu::for_pizzeria(db, order.pizzeria_id, settings.few_left_threshold).await?;
    let ordering = Ordering::load(db, catalogue::current(db).await?, order.pizzeria_id, addresses, settings, false)
        .await?
        .ok_or(Error::NotFound)?;
    let intake = ordering.context();
    let basket = Basket { pizzas, mode: order.mode(), postcode: order.delivery_postcode.as_deref() };
    let keepable = ordering.slots_for(db, settings, &basket).await?;
    let current = order.requested_for.and_then(|t| chrono::DateTime::from_timestamp(t, 0)).map(slots::form_value);
    let slots = intake
        .slots()
        .into_iter()
        .filter(|(value, _)| Some(value) == current.as_ref() || keepable.iter().any(|(kept, _)| kept == value));
    Ok(EditContext {
        can_asap: intake.can_asap(),
        slots: slots.collect(),
        menu: items.into_iter().map(|i| (i.pizza_id, i.name, i.price_cents)).collect(),
        ordering,
    })
}

#[allow(clippy::too_many_arguments)]
fn edit_markup(
    page: &Page<'_>,
    order: &Order,
    context: &EditContext,
    quantities: &HashMap<String, String>,
    notes: &HashMap<String, String>,
    values: &CheckoutValues,
    errors: &FieldErrors,
    problem: Option<&str>,
    key: Option<&str>,
) -> Markup {
    let menu: Vec<(i64, String, i64, String, String)> = context
        .menu
        .iter()
        .map(|(id, name, price)| {
            let id_text = id.to_string();
            (
                *id,
                name.clone(),
                *price,
                quantities.get(&id_text).cloned().unwrap_or_else(|| "0".into()),
                notes.get(&id_text).cloned().unwrap_or_default(),
            )
        })
        .collect();
    let view = EditPage {
        checkout: CheckoutPage {
            pizzeria: &context.ordering.details.pizzeria,
            delivery_postcodes: &context.ordering.details.delivery_postcodes,
            lines: &[],
            names: &[],
            breakdown: &[],
            totals: Default::default(),
            addresses: &context.ordering.addresses,
            can_asap: context.can_asap,
            slots: &context.slots,
            values,
            errors,
            problem,
            guest: false,
            signed_in: true,
            sms_available: false,
            online_payment: false,
            rush: Vec::new(),
            asap: Vec::new(),
        },
        order,
        menu: &menu,
        key,
    };
    views::ordering::edit_order(&page.nav(), &page.csrf, &view)
}

#[get("/orders/<reference>/edit?<key>")]
async fn edit_page(
    db: &Db,
    settings: &State<Settings>,
    page: Page<'_>,
    reference: &str,
    key: Option<&str>,
) -> Result<Either<Markup, Redirect>> {
    let Some((order, lines, access)) = reach(db, page.visitor, reference, key).await? else {
        return Ok(Either::Right(login_first(reference)));
    };
    if !access.can_change() {
        return Err(Error::NotFound);
    }
    // A customised pizza is not offered on this form yet: saving it would lose its composition.
    let customised = lines.iter().any(|l| l.composition.is_some());
    if !rules::customer_may_modify(order.status(), order.payment_method) || customised {
        return Ok(Either::Right(Redirect::to(order_link(reference, key))));
    }
    let context = edit_context(db, settings, &order, lines.iter().map(|l| l.quantity).sum()).await?;
    let mut quantities = HashMap::new();
    let mut notes = HashMap::new();
    for line in &lines {
        let id = line.pizza_id.to_string();
        let current: i64 = quantities.get(&id).and_then(|q: &String| q.parse().ok()).unwrap_or(0);
        quantities.insert(id.clone(), (current + line.quantity).to_string());
        notes.insert(id, line.note.clone());
    }
    let values = CheckoutValues {
        mode: order.mode.clone(),
        street: order.delivery_street.clone().unwrap_or_default(),
        postcode: order.delivery_postcode.clone().unwrap_or_default(),
        city: order.delivery_city.clone().unwrap_or_default(),
        instructions: order.delivery_instructions.clone(),
        when: order
            .requested_for
            .and_then(|t| chrono::DateTime::from_timestamp(t, 0))
            .map(slots::form_value)
            .unwrap_or_else(|| "asap".into()),
        ..Default::default()
    };
    let key = if access == Access::Guest { key } else { None };
    Ok(Either::Left(edit_markup(&page, &order, &context, &quantities, &notes, &values, &FieldErrors::new(), None, key)))
}

#[post("/orders/<reference>/edit", data = "<form>")]
async fn edit(
    db: &Db,
    settings: &State<Settings>,
    page: Page<'_>,
    reference: &str,
    form: CsrfForm<Both<DeliveryForm, EditForm>>,
) -> Result<Either<(Status, Markup), Flash<Redirect>>> {
    let Both(delivery_form, form) = form.0;
    let key = form.key.as_deref();
    let (order, current_lines, access) = reach_to_change(db, page.visitor, reference, key).await?;
    let guest_key = key.filter(|_| access == Access::Guest);
    let back = order_link(reference, guest_key);
    let Ok(version) = form.version.trim().parse::<i64>() else {
        return Err(Error::BadRequest("Le formulaire est incomplet : rechargez la page.".into()));
    };
    if current_lines.iter().any(|l| l.composition.is_some()) {
        return Ok(Either::Right(Flash::error(Redirect::to(back), rules::CUSTOMISED_NOT_MODIFIABLE)));
    }
    let context = edit_context(db, settings, &order, current_lines.iter().map(|l| l.quantity).sum()).await?;
    let mut errors = FieldErrors::new();
    let lines = intake::lines_from_map(&form.quantity, &form.note, &mut errors);
    let values = delivery_form.values();
    let Some(change) = intake::modification(lines, &delivery_form.facts(), &context.ordering.context(), &mut errors)
    else {
        let markup =
            edit_markup(&page, &order, &context, &form.quantity, &form.note, &values, &errors, None, guest_key);
        return Ok(Either::Left((Status::UnprocessableEntity, markup)));
    };
    let user_id = page.visitor.signed_in().map(|u| u.id);
    match order_writes::modify(db, order.id, version, user_id, &change, settings.capacity_limits).await? {
        Ok(()) => Ok(Either::Right(Flash::success(Redirect::to(back), "Votre commande est modifiée."))),
        Err(refusal) => {
            let status = Status::Conflict;
            let message = refusal.message();
            let markup = edit_markup(
                &page,
                &order,
                &context,
                &form.quantity,
                &form.note,
                &values,
                &errors,
                Some(&message),
                guest_key,
            );
            Ok(Either::Left((status, markup)))
        }
    }
}

#[derive(FromForm)]
struct CancelForm {
    #[field(default = String::new())]
    version: String,
    key: Option<String>,
}

#[post("/orders/<reference>/cancel", data = "<form>")]
async fn cancel(
    db: &Db,
    settings: &State<Settings>,
    page: Page<'_>,
    reference: &str,
    form: CsrfForm<CancelForm>,
) -> Result<Either<(Status, Markup), Flash<Redirect>>> {
    let form = form.0;
    let key = form.key.as_deref();
    let (order, lines, access) = reach_to_change(db, page.visitor, reference, key).await?;
    let guest_key = key.filter(|_| access == Access::Guest);
    let back = Redirect::to(order_link(reference, guest_key));
    let Ok(version) = form.version.trim().parse::<i64>() else {
        return Err(Error::BadRequest("Le formulaire est incomplet : rechargez la page.".into()));
    };
    let user_id = page.visitor.signed_in().map(|u| u.id);
    match order_moves::cancel(db, order.id, version, user_id, "Annulée par le client").await? {
        Ok(()) => Ok(Either::Right(Flash::success(back, "Votre commande est annulée."))),
        Err(refusal) => {
            let current = orders::by_reference(db, reference).await?.map(|(o, _)| o).unwrap_or(order);
            let markup = order_markup(
                &page,
                settings,
                (&current, &lines, access),
                guest_key,
                (false, false),
                (None, Some(&refusal.message())),
            );
            Ok(Either::Left((Status::Conflict, markup)))
        }
    }
}

/// The order's events (server-sent), for its page: whoever may see the order may follow it.
#[get("/orders/<reference>/events?<key>")]
async fn order_events(
    db: &Db,
    visitor: &Visitor,
    reference: &str,
    key: Option<&str>,
    shutdown: rocket::Shutdown,
) -> Result<Either<Redirect, rocket::response::stream::EventStream![]>> {
    let Some((order, _, _)) = reach(db, visitor, reference, key).await? else {
        return Ok(Either::Left(login_first(reference)));
    };
    let reference = order.reference;
    let viewer = visitor.signed_in().map(|user| user.id);
    Ok(Either::Right(crate::web::staff::screens::event_stream(
        move |event| event.reference == reference,
        viewer,
        shutdown,
    )))
}

#[get("/account/orders")]
async fn history(db: &Db, user: SignedIn, page: Page<'_>) -> Result<Markup> {
    let found = orders::for_customer(db, user.0.id).await?;
    Ok(views::ordering::history(&page.nav(), &found))
}
