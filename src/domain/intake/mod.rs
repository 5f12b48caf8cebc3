//! Order intake: what a request to order must hold, checked the same way whichever door it
//! comes through — the web checkout and its JSON twin ([`web_order`]), the phone and the
//! counter ([`staff_order`]), a customer's modification ([`modification`]). Each door gives
//! the facts as they were typed; the answer is the order to write, or French messages field
//! by field. Nothing here reads the database or the clock: the pizzeria's hours and zone,
//! the other pizzerias' zones, the customer's saved addresses and the time are parameters.
//!
//! What stays with the doors is what needs I/O: finding the customer by phone (and creating
//! them), the guest limits, then writing the order with its stock (`store::order_writes`).
use std::collections::HashMap;

use super::fields::{self, FieldErrors};
use super::notifications::Preferences;
use super::orders::{self, Mode, PaymentMethod};

pub mod changes;
mod delivery;
pub use delivery::{delivery, zone_refusal, Context, Delivery, DeliveryFacts, Pizzeria, Schedule};

/// Where an order was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// The site or the JSON API, by the customer (or a guest).
    Web,
    /// By phone, typed by the counter staff.
    Phone,
    /// At the counter, face to face.
    Counter,
}

impl Channel {
    pub fn parse(value: &str) -> Option<Channel> {
        match value {
            "web" => Some(Channel::Web),
            "phone" => Some(Channel::Phone),
            "counter" => Some(Channel::Counter),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Web => "web",
            Channel::Phone => "phone",
            Channel::Counter => "counter",
        }
    }

    /// In words, for the dashboard and its export.
    pub fn label(self) -> &'static str {
        match self {
            Channel::Web => "Site web",
            Channel::Phone => "Téléphone",
            Channel::Counter => "Comptoir",
        }
    }

    /// The ways of paying this channel takes: online only on the web (when the
    /// installation has a payment provider); cash and card everywhere.
    pub fn payment_methods(self, online_available: bool) -> Vec<PaymentMethod> {
        let online = (self == Channel::Web && online_available).then_some(PaymentMethod::Online);
        online.into_iter().chain([PaymentMethod::Cash, PaymentMethod::Card]).collect()
    }

    /// Whether an order may be marked paid as it is taken: only at the counter, for
    /// takeaway (the money is in the till; a delivery is paid to the driver).
    pub fn may_be_paid_now(self, mode: Mode) -> bool {
        self == Channel::Counter && mode == Mode::Takeaway
    }
}

/// One line as the order asks it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineRequest {
    pub pizza_id: i64,
    pub quantity: i64,
    pub note: String,
    /// A customised pizza (size, removals, extras, a second half), checked against the
    /// menu; `None`: the pizza as on the menu.
    pub composition: Option<crate::domain::composition::Composed>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeliveryAddress {
    pub street: String,
    pub postcode: String,
    pub city: String,
    pub instructions: String,
}

/// An order ready to be written.
#[derive(Debug, Clone)]
pub struct NewOrder {
    pub pizzeria_id: i64,
    pub customer_id: Option<i64>,
    /// The member of staff who took it (phone and counter orders).
    pub taken_by: Option<i64>,
    pub customer_name: String,
    pub customer_phone: String,
    pub customer_email: Option<String>,
    pub channel: Channel,
    pub mode: Mode,
    pub address: Option<DeliveryAddress>,
    /// UTC epoch seconds; `None`: as soon as possible.
    pub requested_for: Option<i64>,
    /// The times capacity may promise (see `Context::promise_times`).
    pub promise_times: Vec<i64>,
    pub payment_method: PaymentMethod,
    /// Paid at the counter as it is taken (the amount is the order's total).
    pub paid: bool,
    pub lines: Vec<LineRequest>,
    /// Placed by a guest, who follows it with a private link.
    pub guest: bool,
    /// What the customer wants to be told about this order.
    pub notify: Preferences,
}

/// What a customer may change on a `placed` order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub lines: Vec<LineRequest>,
    pub mode: Mode,
    pub address: Option<DeliveryAddress>,
    pub requested_for: Option<i64>,
    /// The times capacity may promise (see `Context::promise_times`).
    pub promise_times: Vec<i64>,
}

/// How a refusal names the ways of paying: in words on the pages, with their codes on the
/// JSON API (where the codes are what the caller sends).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wording {
    Page,
    Api,
}

/// The payment method typed, if this channel takes it.
pub fn payment_method(
    channel: Channel,
    online_available: bool,
    typed: &str,
    wording: Wording,
) -> Result<PaymentMethod, String> {
    let allowed = channel.payment_methods(online_available);
    if let Some(method) = PaymentMethod::parse(typed.trim()).filter(|m| allowed.contains(m)) {
        return Ok(method);
    }
    let words: Vec<String> = allowed
        .iter()
        .map(|method| match (wording, method) {
            (Wording::Page, PaymentMethod::Online) => "le paiement en ligne".to_string(),
            (Wording::Page, PaymentMethod::Cash) => "espèces".to_string(),
            (Wording::Page, PaymentMethod::Card) => "carte bancaire".to_string(),
            (Wording::Api, PaymentMethod::Online) => "en ligne (online)".to_string(),
            (Wording::Api, PaymentMethod::Cash) => "en espèces (cash)".to_string(),
            (Wording::Api, PaymentMethod::Card) => "par carte (card)".to_string(),
        })
        .collect();
    let list = match words.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} ou {last}", rest.join(", ")),
        None => String::new(),
    };
    Err(match wording {
        Wording::Page => format!("Choisissez {list}."),
        Wording::Api => format!("Le paiement se fait {list}."),
    })
}

/// One line as typed (quantity and note), for the pages and the API alike.
pub fn line_request(pizza_id: i64, quantity: &str, note: &str) -> Result<LineRequest, String> {
    Ok(LineRequest {
        pizza_id,
        quantity: orders::quantity(quantity)?,
        note: orders::kitchen_note(note)?,
        composition: None,
    })
}

/// The size rules of the whole order, reported on the `lines` field.
pub fn check_order_size(lines: &[LineRequest], errors: &mut FieldErrors) {
    let quantities: Vec<i64> = lines.iter().map(|l| l.quantity).collect();
    if let Err(message) = orders::check_size(&quantities) {
        errors.add("lines", message);
    }
}

/// The forms' `quantity[<pizza id>]` and `note[<pizza id>]` (phone order, modification); 0
/// or empty leaves the pizza out.
pub fn lines_from_map(
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
    lines
}

/// Name, phone and e-mail as typed.
#[derive(Debug, Clone, Copy, Default)]
pub struct ContactFacts<'a> {
    pub full_name: &'a str,
    pub email: &'a str,
    pub phone: &'a str,
}

/// Who orders on the web: a customer with their account's preferences, or a guest with
/// the choices typed on the form.
#[derive(Debug, Clone, Copy)]
pub enum WebCustomer<'a> {
    Customer { id: i64, notify: Preferences },
    Guest { notify_email: &'a str, notify_sms: bool },
}

/// A web order (the checkout page or `POST /api/v1/orders`).
#[derive(Debug, Clone)]
pub struct WebRequest<'a> {
    pub lines: Vec<LineRequest>,
    pub delivery: DeliveryFacts<'a>,
    pub contact: ContactFacts<'a>,
    pub payment: &'a str,
    pub customer: WebCustomer<'a>,
    pub wording: Wording,
}

/// The order a web request asks for, or nothing (with the reasons in `errors`). The
/// e-mail is required: a web customer is told about their order by e-mail.
pub fn web_order(request: &WebRequest<'_>, context: &Context<'_>, errors: &mut FieldErrors) -> Option<NewOrder> {
    let delivery = delivery(&request.delivery, context, errors);
    let full_name = errors.check("full_name", fields::person_name(request.contact.full_name));
    let email = errors.check("email", fields::email(request.contact.email));
    let phone = errors.check("phone", fields::french_phone(request.contact.phone));
    let payment =
        errors.check("payment", payment_method(Channel::Web, context.online_payment, request.payment, request.wording));
    check_order_size(&request.lines, errors);
    let mode = Mode::parse(request.delivery.mode.trim());
    if let Some(paused) = context.rush.web_refusal(mode, context.now.timestamp()) {
        errors.add("mode", paused);
    }
    let (customer_id, notify) = match request.customer {
        WebCustomer::Customer { id, notify } => (Some(id), Some(notify)),
        WebCustomer::Guest { notify_email, notify_sms } => {
            (None, errors.check("notify_email", Preferences::from_form(notify_email, notify_sms)))
        }
    };
    let (Some(delivery), Some(customer_name), Some(email), Some(customer_phone), Some(payment_method), Some(notify)) =
        (delivery, full_name, email, phone, payment, notify)
    else {
        return None;
    };
    errors.is_empty().then(|| NewOrder {
        pizzeria_id: context.pizzeria.id,
        customer_id,
        taken_by: None,
        customer_name,
        customer_phone,
        customer_email: Some(email),
        channel: Channel::Web,
        mode: delivery.mode,
        address: delivery.address,
        requested_for: delivery.requested_for,
        promise_times: delivery.promise_times,
        payment_method,
        paid: false,
        lines: request.lines.clone(),
        guest: customer_id.is_none(),
        notify,
    })
}

/// An order taken by the staff, by phone or at the counter.
#[derive(Debug, Clone)]
pub struct StaffRequest<'a> {
    pub channel: &'a str,
    /// The customer's phone number, already checked (it found them, or will create them).
    pub phone: Option<String>,
    /// The customer found by that number, if one was chosen.
    pub customer_id: Option<i64>,
    pub full_name: &'a str,
    /// Optional at the counter.
    pub email: &'a str,
    pub payment: &'a str,
    pub paid_now: bool,
    pub notify_email: &'a str,
    pub notify_sms: bool,
    pub lines: Vec<LineRequest>,
    pub delivery: DeliveryFacts<'a>,
    /// The member of staff taking it.
    pub taken_by: i64,
}

/// The order the staff typed, or nothing (with the reasons in `errors`). Its `customer_id`
/// is the one found by phone, or `None` for a new customer the door creates before writing.
pub fn staff_order(request: &StaffRequest<'_>, context: &Context<'_>, errors: &mut FieldErrors) -> Option<NewOrder> {
    let notify = errors.check("notify_email", Preferences::from_form(request.notify_email, request.notify_sms));
    let channel = Channel::parse(request.channel).filter(|c| *c != Channel::Web);
    if channel.is_none() {
        errors.add("channel", "Par téléphone ou au comptoir ?");
    }
    let full_name = errors.check("full_name", fields::person_name(request.full_name));
    let email = match request.email.trim() {
        "" => None,
        typed => errors.check("email", fields::email(typed)),
    };
    let payment = errors.check(
        "payment",
        payment_method(channel.unwrap_or(Channel::Phone), context.online_payment, request.payment, Wording::Page),
    );
    check_order_size(&request.lines, errors);
    let delivery = delivery(&request.delivery, context, errors);
    let may_be_paid_now = match (channel, &delivery) {
        (Some(channel), Some(delivery)) => channel.may_be_paid_now(delivery.mode),
        _ => false,
    };
    if request.paid_now && !may_be_paid_now {
        errors.add("paid_now", "Le paiement immédiat se fait au comptoir, pour une commande à emporter.");
    }
    let (Some(channel), Some(customer_phone), Some(customer_name), Some(payment_method), Some(delivery), Some(notify)) =
        (channel, request.phone.clone(), full_name, payment, delivery, notify)
    else {
        return None;
    };
    errors.is_empty().then(|| NewOrder {
        pizzeria_id: context.pizzeria.id,
        customer_id: request.customer_id,
        taken_by: Some(request.taken_by),
        customer_name,
        customer_phone,
        customer_email: email,
        channel,
        mode: delivery.mode,
        address: delivery.address,
        requested_for: delivery.requested_for,
        promise_times: delivery.promise_times,
        payment_method,
        paid: request.paid_now,
        lines: request.lines.clone(),
        guest: false,
        notify,
    })
}

/// A customer's change of a `placed` order (the page or `PUT /api/v1/orders/<ref>`).
pub fn modification(
    lines: Vec<LineRequest>,
    facts: &DeliveryFacts<'_>,
    context: &Context<'_>,
    errors: &mut FieldErrors,
) -> Option<Change> {
    check_order_size(&lines, errors);
    let delivery = delivery(facts, context, errors)?;
    errors.is_empty().then_some(Change {
        lines,
        mode: delivery.mode,
        address: delivery.address,
        requested_for: delivery.requested_for,
        promise_times: delivery.promise_times,
    })
}

#[cfg(test)]
mod tests;
