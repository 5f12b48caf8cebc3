//! Orders taken by phone or at the counter (`counter` staff, their manager, admins): the
//! customer found by phone number or created on the spot (no password), then the same
//! rules as the web checkout — zone, hours, stock reserved in the same transaction.

use std::collections::HashMap;

use maud::Markup;
use rocket::form::FromForm;
use rocket::http::Status;
use rocket::request::FlashMessage;
use rocket::response::{Flash, Redirect};
use rocket::{get, post, routes, Either, Route, State};

use crate::config::Settings;
use crate::db::Db;
use crate::domain::capacity::Basket;
use crate::domain::fields::{self, FieldErrors};
use crate::domain::intake::{self, StaffRequest};
use crate::domain::notifications::Preferences;
use crate::domain::orders::{Mode, PaymentMethod};
use crate::store::addresses::{self, AddressInput};
use crate::store::users::{self, PhoneCustomer};
use crate::store::{catalogue, menu, order_writes};
use crate::views::ordering::CheckoutValues;
use crate::views::phone::{PhoneOrderPage, PhoneValues};
use crate::web::auth::CounterArea;
use crate::web::csrf::{Both, CsrfForm, Page};
use crate::web::intake::{DeliveryForm, Ordering};
use crate::web::staff::screens::{resolve, Here};
use crate::{views, Error, Result};

pub fn routes() -> Vec<Route> {
    routes![new_order_page, new_order]
}

/// The rest of the phone order form, besides the delivery fields.
#[derive(FromForm, Default)]
struct PhoneForm {
    #[field(default = String::new())]
    pizzeria: String,
    #[field(default = String::new())]
    channel: String,
    #[field(default = String::new())]
    phone: String,
    #[field(default = String::new())]
    customer_id: String,
    #[field(default = String::new())]
    full_name: String,
    #[field(default = String::new())]
    email: String,
    #[field(default = String::new())]
    payment: String,
    #[field(default = false)]
    paid_now: bool,
    #[field(default = String::new())]
    notify_email: String,
    #[field(default = false)]
    notify_sms: bool,
    #[field(default = HashMap::new())]
    quantity: HashMap<String, String>,
    #[field(default = HashMap::new())]
    note: HashMap<String, String>,
}

struct Context {
    here: Here,
    ordering: Ordering,
    menu: Vec<menu::MenuItem>,
    /// Customers with the typed phone number.
    matches: Vec<PhoneCustomer>,
    can_asap: bool,
    slots: Vec<(String, String)>,
}

async fn context(
    db: &Db,
    settings: &Settings,
    here: Here,
    phone: Option<&str>,
    customer_id: Option<i64>,
) -> Result<Context> {
    let menu = menu::for_pizzeria(db, here.id, settings.few_left_threshold).await?;
    let matches = match phone {
        Some(phone) => users::customers_by_phone(db, phone).await?,
        None => Vec::new(),
    };
    let chosen = customer_id.filter(|id| matches.iter().any(|m| m.id == *id)).or(matches.first().map(|m| m.id));
    let addresses = match chosen {
        Some(id) => addresses::list(db, id).await?,
        None => Vec::new(),
    };
    // Online payment is for the web only: the staff's context never offers it.
    let ordering = Ordering::load(db, catalogue::current(db).await?, here.id, addresses, settings, false)
        .await?
        .ok_or(Error::NotFound)?;
    let can_asap = ordering.context().can_asap();
    // The times with room for a pizza at least: the basket is typed on this page, and the
    // order's own time is checked as it is sent (the refusal names the next one).
    let one_pizza = Basket { pizzas: 1, mode: Mode::Takeaway, postcode: None };
    let slots = ordering.slots_for(db, settings, &one_pizza).await?;
    Ok(Context { can_asap, slots, here, ordering, menu, matches })
}

fn markup(
    page: &Page<'_>,
    user: &CounterArea,
    context: &Context,
    values: &PhoneValues,
    errors: &FieldErrors,
    notice: Option<&str>,
    problem: Option<&str>,
) -> Markup {
    let view = PhoneOrderPage {
        rush: context.ordering.rush.notices(crate::unix_now()),
        pizzeria: &context.ordering.details.pizzeria,
        delivery_postcodes: &context.ordering.details.delivery_postcodes,
        admin: user.0.pizzeria_id.is_none(),
        slug: &context.here.slug,
        sms_available: crate::store::outbox::channels().sms,
        menu: &context.menu,
        matches: &context.matches,
        addresses: &context.ordering.addresses,
        can_asap: context.can_asap,
        slots: &context.slots,
        values,
        errors,
        notice,
        problem,
    };
    views::phone::new_order(&page.nav(), &page.csrf, &view)
}

/// The form; `?phone=` looks the customer up first.
#[get("/staff/orders/new?<pizzeria>&<phone>")]
async fn new_order_page(
    db: &Db,
    settings: &State<Settings>,
    user: CounterArea,
    page: Page<'_>,
    flash: Option<FlashMessage<'_>>,
    pizzeria: Option<&str>,
    phone: Option<&str>,
) -> Result<Markup> {
    let here = match resolve(db, &user.0, pizzeria).await? {
        Ok(here) => here,
        Err(choices) => {
            return Ok(views::screens::chooser(&page.nav(), "Prise de commande", &choices, "/staff/orders/new"))
        }
    };
    let typed = phone.unwrap_or_default();
    let mut errors = FieldErrors::new();
    let normalised = match typed.trim() {
        "" => None,
        typed => errors.check("phone", fields::french_phone(typed)),
    };
    let context = context(db, settings, here, normalised.as_deref(), None).await?;
    let mut values = PhoneValues {
        channel: "phone".into(),
        phone: normalised.clone().unwrap_or_else(|| typed.to_string()),
        looked_up: normalised.is_some(),
        delivery: CheckoutValues {
            mode: Mode::Takeaway.as_str().into(),
            when: if context.can_asap { "asap".into() } else { String::new() },
            payment: PaymentMethod::Cash.as_str().into(),
            ..Default::default()
        },
        ..Default::default()
    };
    if let Some(found) = context.matches.first() {
        values.delivery.notify = users::preferences(db, found.id).await?;
        values.customer_id = found.id.to_string();
        values.delivery.full_name = found.full_name.clone();
        values.delivery.email = found.email.clone().unwrap_or_default();
        if let Some(address) = context.ordering.addresses.first() {
            values.delivery.mode = Mode::Delivery.as_str().into();
            values.delivery.address_id = address.id.to_string();
        }
    }
    let notice = flash.as_ref().map(|f| f.message());
    Ok(markup(&page, &user, &context, &values, &errors, notice, None))
}

#[post("/staff/orders/new", data = "<form>")]
async fn new_order(
    db: &Db,
    settings: &State<Settings>,
    user: CounterArea,
    page: Page<'_>,
    form: CsrfForm<Both<DeliveryForm, PhoneForm>>,
) -> Result<Either<(Status, Markup), Flash<Redirect>>> {
    let Both(delivery_form, form) = form.0;
    let here = match resolve(db, &user.0, Some(form.pizzeria.as_str())).await? {
        Ok(here) => here,
        Err(_) => return Err(Error::BadRequest("Choisissez une pizzeria.".into())),
    };
    let mut errors = FieldErrors::new();
    let phone = errors.check("phone", fields::french_phone(&form.phone));
    let customer_id = form.customer_id.trim().parse::<i64>().ok();
    let context = context(db, settings, here, phone.as_deref(), customer_id).await?;
    // A customer chosen in the form must be one with this phone number (never another's id).
    let customer = customer_id.and_then(|id| context.matches.iter().find(|m| m.id == id));
    let values = PhoneValues {
        channel: form.channel.clone(),
        phone: form.phone.clone(),
        customer_id: customer.map(|c| c.id.to_string()).unwrap_or_default(),
        looked_up: true,
        paid_now: form.paid_now,
        quantities: form.quantity.clone(),
        notes: form.note.clone(),
        delivery: CheckoutValues {
            full_name: form.full_name.clone(),
            email: form.email.clone(),
            payment: form.payment.clone(),
            notify: Preferences::from_form(&form.notify_email, form.notify_sms).unwrap_or_default(),
            ..delivery_form.values()
        },
    };
    let request = StaffRequest {
        channel: &form.channel,
        phone,
        customer_id: customer.map(|c| c.id),
        full_name: &form.full_name,
        email: &form.email,
        payment: &form.payment,
        paid_now: form.paid_now,
        notify_email: &form.notify_email,
        notify_sms: form.notify_sms,
        lines: intake::lines_from_map(&form.quantity, &form.note, &mut errors),
        delivery: delivery_form.facts(),
        taken_by: user.0.id,
    };
    let Some(mut order) = intake::staff_order(&request, &context.ordering.context(), &mut errors) else {
        return Ok(Either::Left((
            Status::UnprocessableEntity,
            markup(&page, &user, &context, &values, &errors, None, None),
        )));
    };
    let customer_id = match order.customer_id {
        Some(id) => id,
        None => users::create_phone_customer(db, &order.customer_name, &order.customer_phone).await?,
    };
    order.customer_id = Some(customer_id);
    match order_writes::place(db, &order, settings.capacity_limits).await? {
        Err(refusal) => {
            let message = refusal.message();
            Ok(Either::Left((Status::Conflict, markup(&page, &user, &context, &values, &errors, None, Some(&message)))))
        }
        Ok(placed) => {
            // A new address typed for this customer is kept for their next call.
            if let (Some(address), true) = (&order.address, delivery_form.address_id.trim().is_empty()) {
                let input = AddressInput {
                    label: String::new(),
                    street: address.street.clone(),
                    postcode: address.postcode.clone(),
                    city: address.city.clone(),
                    instructions: address.instructions.clone(),
                };
                addresses::create(db, customer_id, &input).await?;
            }
            let channel = order.channel.as_str();
            tracing::info!(reference = %placed.reference, pizzeria = context.here.id, channel, "staff order placed");
            let back = context.here.link(&user.0, "/staff/orders/new");
            Ok(Either::Right(Flash::success(
                Redirect::to(back),
                format!("Commande {} enregistrée pour {}.", placed.reference, order.customer_name),
            )))
        }
    }
}
