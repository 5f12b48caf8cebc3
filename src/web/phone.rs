//! Orders taken by phone or at the counter (`counter` staff, their manager, admins): the
//! customer found by phone number or created on the spot (no password), then the same
//! rules as the web checkout — zone, hours, stock reserved in the same transaction.

use std::collections::HashMap;

use chrono::{Duration, Utc};
use maud::Markup;
use rocket::form::FromForm;
use rocket::http::Status;
use rocket::request::FlashMessage;
use rocket::response::{Flash, Redirect};
use rocket::{get, post, routes, Either, Route, State};

use crate::config::Settings;
use crate::db::Db;
use crate::domain::fields::{self, FieldErrors};
use crate::domain::notifications::Preferences;
use crate::domain::orders::{Mode, PaymentMethod};
use crate::store::addresses::{self, Address, AddressInput};
use crate::store::orders::{self, NewOrder};
use crate::store::users::{self, PhoneCustomer};
use crate::store::{catalogue, menu, pizzerias};
use crate::views::ordering::CheckoutValues;
use crate::views::phone::{PhoneOrderPage, PhoneValues};
use crate::web::auth::CounterArea;
use crate::web::checkout::{check_delivery, lines_from_map, DeliveryForm, Schedule};
use crate::web::csrf::{Both, CsrfForm, Page};
use crate::web::screens::{resolve, Here};
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
    details: pizzerias::PizzeriaDetails,
    menu: Vec<menu::MenuItem>,
    /// Customers with the typed phone number.
    matches: Vec<PhoneCustomer>,
    addresses: Vec<Address>,
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
    let details = catalogue::pizzeria_details(db, here.id).await?.ok_or(Error::NotFound)?;
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
    let lead = Duration::minutes(settings.preparation_lead_minutes);
    let schedule = Schedule::of(&details);
    Ok(Context {
        can_asap: schedule.as_soon_as_possible(Utc::now(), lead).is_some(),
        slots: schedule.choices(Utc::now(), lead),
        here,
        details,
        menu,
        matches,
        addresses,
    })
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
        pizzeria: &context.details.pizzeria,
        delivery_postcodes: &context.details.delivery_postcodes,
        admin: user.0.pizzeria_id.is_none(),
        slug: &context.here.slug,
        sms_available: crate::store::outbox::channels().sms,
        menu: &context.menu,
        matches: &context.matches,
        addresses: &context.addresses,
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
        if let Some(address) = context.addresses.first() {
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
    let notify = errors.check("notify_email", Preferences::from_form(&form.notify_email, form.notify_sms));
    let channel = match form.channel.as_str() {
        "phone" => Some("phone"),
        "counter" => Some("counter"),
        _ => {
            errors.add("channel", "Par téléphone ou au comptoir ?");
            None
        }
    };
    let full_name = errors.check("full_name", fields::person_name(&form.full_name));
    let email = match form.email.trim() {
        "" => None,
        typed => errors.check("email", fields::email(typed)),
    };
    let payment = match PaymentMethod::parse(form.payment.trim()) {
        Some(method @ (PaymentMethod::Cash | PaymentMethod::Card)) => Some(method),
        _ => {
            errors.add("payment", "Choisissez espèces ou carte bancaire.");
            None
        }
    };
    let lines = lines_from_map(&form.quantity, &form.note, &mut errors);
    let lead = Duration::minutes(settings.preparation_lead_minutes);
    let delivery = check_delivery(db, &delivery_form, &context.details, &context.addresses, lead, &mut errors).await?;
    // Paid as it is taken: only at the counter, for takeaway.
    if form.paid_now && !(channel == Some("counter") && delivery.as_ref().is_some_and(|d| d.0 == Mode::Takeaway)) {
        errors.add("paid_now", "Le paiement immédiat se fait au comptoir, pour une commande à emporter.");
    }
    let (
        Some(channel),
        Some(phone),
        Some(full_name),
        Some(payment),
        Some((mode, address, requested_for)),
        Some(notify),
        true,
    ) = (channel, phone, full_name, payment, delivery, notify, errors.is_empty())
    else {
        return Ok(Either::Left((
            Status::UnprocessableEntity,
            markup(&page, &user, &context, &values, &errors, None, None),
        )));
    };
    let customer_id = match customer {
        Some(customer) => customer.id,
        None => users::create_phone_customer(db, &full_name, &phone).await?,
    };
    let order = NewOrder {
        pizzeria_id: context.here.id,
        customer_id: Some(customer_id),
        taken_by: Some(user.0.id),
        customer_name: full_name.clone(),
        customer_phone: phone,
        customer_email: email,
        channel,
        mode,
        address: address.clone(),
        requested_for,
        payment_method: payment,
        paid: form.paid_now,
        lines,
        guest: false,
        notify,
    };
    match orders::place(db, &order).await? {
        Err(refusal) => {
            let message = refusal.message();
            Ok(Either::Left((Status::Conflict, markup(&page, &user, &context, &values, &errors, None, Some(&message)))))
        }
        Ok(placed) => {
            // A new address typed for this customer is kept for their next call.
            if let (Some(address), true) = (&address, delivery_form.address_id.trim().is_empty()) {
                let input = AddressInput {
                    label: String::new(),
                    street: address.street.clone(),
                    postcode: address.postcode.clone(),
                    city: address.city.clone(),
                    instructions: address.instructions.clone(),
                };
                addresses::create(db, customer_id, &input).await?;
            }
            tracing::info!(reference = %placed.reference, pizzeria = context.here.id, channel, "staff order placed");
            let back = context.here.link(&user.0, "/staff/orders/new");
            Ok(Either::Right(Flash::success(
                Redirect::to(back),
                format!("Commande {} enregistrée pour {full_name}.", placed.reference),
            )))
        }
    }
}
