//! The JSON API of the public side: pizzerias, menus with availability, and orders (place,
//! read, modify, cancel; a customer's list). The same rules as the pages: the same field
//! checks, delivery zones, time slots and stock reservation.

use rocket::data::{self, FromData, ToByteUnit};
use rocket::http::Status;
use rocket::serde::json::{json, Json, Value};
use rocket::{get, post, put, routes, Data, Request, Route, State};
use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::config::Settings;
use crate::db::Db;
use crate::domain::composition::{Composed, HalfRequest, Menu, Request as Composition};
use crate::domain::fields::FieldErrors;
use crate::domain::intake::{self, ContactFacts, DeliveryFacts, LineRequest, WebCustomer, WebRequest, Wording};
use crate::domain::orders::{self as rules, PaymentMethod, Reach, Status as OrderStatus};
use crate::domain::pricing::{self, PricedLine};
use crate::domain::roles::Role;
use crate::store::catalogue::{self, Catalogue};
use crate::store::orders::{self, Order, OrderLine};
use crate::store::{addresses, order_moves, order_writes, users};
use crate::web::api::{failure, not_found, server, ApiError};
use crate::web::auth::{ApiCaller, ClientAddress, MaybeApiCaller};
use crate::web::customer::orders::key_opens;
use crate::web::intake::Ordering;
use crate::web::limits::{self, RetryAfter};

pub fn routes() -> Vec<Route> {
    routes![list_pizzerias, pizzeria_menu, place_order, get_order, modify_order, cancel_order, my_orders]
}

type ApiResult<T = Value> = std::result::Result<(Status, Json<T>), ApiError>;

fn invalid(errors: &FieldErrors) -> ApiError {
    let fields: serde_json::Map<String, Value> =
        errors.iter().map(|(field, message)| (field.to_string(), Value::String(message.to_string()))).collect();
    let message = errors.iter().map(|(_, m)| m).collect::<Vec<_>>().join(" ");
    (Status::UnprocessableEntity, Json(json!({ "error": "invalid", "message": message, "fields": fields })))
}

fn refused(refusal: orders::Refusal) -> ApiError {
    failure(Status::new(refusal.http_status()), refusal.code(), &refusal.message())
}

/// A JSON body: at most the `json` limit, UTF-8, of the expected shape with no unknown
/// field. Refusals are JSON errors that say what is wrong (serde's words: they name the
/// field and the position).
pub struct ApiBody<T>(pub T);

/// Why the body was refused, for the catcher.
pub struct BodyProblem(pub std::sync::Mutex<Option<String>>);

pub fn body_problem(req: &Request<'_>) -> Option<String> {
    req.local_cache(|| BodyProblem(std::sync::Mutex::new(None))).0.lock().ok().and_then(|p| p.clone())
}

fn record_body_problem(req: &Request<'_>, message: String) {
    if let Ok(mut slot) = req.local_cache(|| BodyProblem(std::sync::Mutex::new(None))).0.lock() {
        *slot = Some(message);
    }
}

#[rocket::async_trait]
impl<'r, T: DeserializeOwned + Send + 'static> FromData<'r> for ApiBody<T> {
    type Error = ();

    async fn from_data(req: &'r Request<'_>, data: Data<'r>) -> data::Outcome<'r, Self> {
        let limit = req.limits().get("json").unwrap_or_else(|| 1.mebibytes());
        let bytes = match data.open(limit).into_bytes().await {
            Ok(bytes) if bytes.is_complete() => bytes.into_inner(),
            Ok(_) => {
                record_body_problem(req, format!("Le corps de la requête dépasse {limit}."));
                return data::Outcome::Error((Status::PayloadTooLarge, ()));
            }
            Err(_) => return data::Outcome::Error((Status::BadRequest, ())),
        };
        let Ok(text) = std::str::from_utf8(&bytes) else {
            record_body_problem(req, "Le corps de la requête n'est pas de l'UTF-8 valide.".into());
            return data::Outcome::Error((Status::BadRequest, ()));
        };
        match serde_json::from_str::<T>(text) {
            Ok(value) => data::Outcome::Success(ApiBody(value)),
            Err(error) => {
                record_body_problem(req, format!("JSON invalide : {error}"));
                data::Outcome::Error((Status::UnprocessableEntity, ()))
            }
        }
    }
}

#[get("/pizzerias")]
async fn list_pizzerias(db: &Db) -> ApiResult {
    let catalogue = catalogue::current(db).await.map_err(server)?;
    let list: Vec<Value> = catalogue
        .pizzerias
        .iter()
        .map(|details| {
            let p = &details.pizzeria;
            json!({
                "slug": p.slug, "name": p.name, "street": p.street, "postcode": p.postcode, "city": p.city,
                "phone": p.phone, "delivery_postcodes": details.delivery_postcodes,
                "opening_hours": details.opening_hours.iter().map(|h| json!({
                    "weekday": h.weekday, "opens_minute": h.opens_minute, "closes_minute": h.closes_minute
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    Ok((Status::Ok, Json(json!({ "pizzerias": list }))))
}

#[get("/pizzerias/<slug>/menu")]
async fn pizzeria_menu(db: &Db, settings: &State<Settings>, slug: &str) -> ApiResult {
    let menu = crate::store::menu_cache::menu(db, slug, settings.few_left_threshold)
        .await
        .map_err(server)?
        .ok_or_else(not_found)?;
    let customisation = crate::store::composition::menu(db).await.map_err(server)?;
    let (composition, extras) = (&customisation.0, &customisation.1);
    let stock: std::collections::HashMap<String, i64> = crate::store::stock::levels(db, menu.pizzeria.id)
        .await
        .map_err(server)?
        .into_iter()
        .map(|row| (row.code, row.quantity))
        .collect();
    let largest = composition.sizes.iter().map(|s| s.factor_pct).max().unwrap_or(100);
    let size_label = |code: &str| composition.sizes.iter().find(|s| s.code == code).map(|s| s.label.clone());
    let pizzas: Vec<Value> = menu
        .items
        .iter()
        .map(|item| {
            let custom = composition.pizzas.iter().find(|p| p.slug == item.slug);
            let sizes: Vec<Value> = composition
                .sizes
                .iter()
                .filter_map(|size| {
                    let cents = custom?.prices.get(&size.code)?;
                    Some(json!({ "code": size.code, "label": size.label, "price_cents": cents }))
                })
                .collect();
            let removable: Vec<Value> = custom
                .map(|p| {
                    p.lines
                        .iter()
                        .filter(|l| l.removable)
                        .map(|l| json!({ "ingredient": l.code, "name": l.ingredient }))
                        .collect()
                })
                .unwrap_or_default();
            json!({
                "slug": item.slug, "name": item.name, "description": item.description,
                "price_cents": item.price_cents, "vat_rate_bp": item.vat_rate_bp, "allergens": item.allergens,
                "available": item.availability.can_order(), "makeable": item.makeable,
                "sizes": sizes, "removable": removable,
            })
        })
        .collect();
    let extras: Vec<Value> = extras
        .iter()
        .map(|shown| {
            let needed = shown.extra.quantity * if shown.extra.scales { largest } else { 100 } / 100;
            json!({
                "code": shown.extra.code, "name": shown.extra.name, "price_cents": shown.extra.price_cents,
                "allergens": shown.allergens,
                "available": stock.get(&shown.ingredient_code).is_some_and(|q| *q >= needed.max(1)),
            })
        })
        .collect();
    Ok((
        Status::Ok,
        Json(json!({
            "pizzeria": menu.pizzeria.slug, "pizzas": pizzas,
            "default_size": composition.default_size,
            "default_size_label": size_label(&composition.default_size),
            "extras": extras, "max_extras": composition.max_extras,
        })),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LineBody {
    pizza: String,
    quantity: i64,
    #[serde(default)]
    note: String,
    /// A size of the menu (default: the menu's default size).
    #[serde(default)]
    size: Option<String>,
    /// Ingredient codes taken off.
    #[serde(default)]
    without: Vec<String>,
    /// Extras' codes (twice: a double portion).
    #[serde(default)]
    extras: Vec<String>,
    /// The second half of a half-and-half.
    #[serde(default)]
    half: Option<HalfBody>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HalfBody {
    pizza: String,
    #[serde(default)]
    size: Option<String>,
    #[serde(default)]
    without: Vec<String>,
    #[serde(default)]
    extras: Vec<String>,
}

impl LineBody {
    /// Asks for more than the pizza as on the menu.
    fn customised(&self) -> bool {
        self.size.is_some() || !self.without.is_empty() || !self.extras.is_empty() || self.half.is_some()
    }
}

/// One half as the rule takes it: the ingredient codes taken off as the pizza's ingredient
/// ids (a code not in its recipe: a French message).
fn half_request(
    menu: &Menu,
    pizza: &str,
    size: Option<&String>,
    without: &[String],
    extras: &[String],
) -> Result<HalfRequest, String> {
    let recipe = menu.pizzas.iter().find(|p| p.slug == pizza.trim());
    let mut removed = Vec::new();
    for code in without {
        let line = recipe.and_then(|p| p.lines.iter().find(|l| l.code == code.trim()));
        let Some(line) = line else {
            let name = recipe.map_or(pizza.trim(), |p| p.name.as_str());
            return Err(format!(
                "La {name} ne contient pas « {} » : rien à retirer.",
                code.chars().take(64).collect::<String>()
            ));
        };
        removed.push(line.ingredient_id);
    }
    Ok(HalfRequest { pizza: pizza.trim().into(), removed, extras: extras.to_vec(), size: size.cloned() })
}

/// A customised line checked against the menu: its composition, or the French message.
fn compose(menu: &Menu, line: &LineBody) -> Result<Composed, String> {
    let first = half_request(menu, &line.pizza, None, &line.without, &line.extras)?;
    let second = match &line.half {
        Some(half) => Some(half_request(menu, &half.pizza, half.size.as_ref(), &half.without, &half.extras)?),
        None => None,
    };
    menu.compose(&Composition { size: line.size.clone(), first, second })
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct AddressBody {
    street: String,
    postcode: String,
    city: String,
    #[serde(default)]
    instructions: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ContactBody {
    name: String,
    email: String,
    phone: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PlaceBody {
    pizzeria: String,
    lines: Vec<LineBody>,
    mode: String,
    address: Option<AddressBody>,
    /// Local time in Europe/Paris, `2026-11-26T19:30`, or `asap` / absent.
    when: Option<String>,
    contact: ContactBody,
    payment: String,
    /// A guest's messages: `all` (default), `essential` or `none`; a customer's are their
    /// account's.
    notify_email: Option<String>,
    /// A guest accepts text messages (default: no).
    notify_sms: Option<bool>,
}

/// Lines by pizza slug → line requests, with per-line French messages.
fn lines_of(
    catalogue: &Catalogue,
    menu: Option<&Menu>,
    lines: &[LineBody],
    errors: &mut FieldErrors,
) -> Vec<LineRequest> {
    if lines.len() > rules::MAX_LINES {
        errors.add("lines", format!("{} lignes au plus par commande.", rules::MAX_LINES));
        return Vec::new();
    }
    let mut requests = Vec::new();
    for line in lines {
        let Some(pizza_id) = catalogue.pizza_by_slug(line.pizza.trim()).map(|p| p.id) else {
            errors.add(
                "lines",
                format!("La pizza « {} » n'existe pas.", line.pizza.chars().take(64).collect::<String>()),
            );
            continue;
        };
        let request = intake::line_request(pizza_id, &line.quantity.to_string(), &line.note);
        let composition = match (menu, line.customised()) {
            (Some(menu), true) => match compose(menu, line) {
                Ok(composed) => Some(composed),
                Err(message) => {
                    errors.add("lines", message);
                    continue;
                }
            },
            _ => None,
        };
        if let Some(request) = errors.check("lines", request) {
            requests.push(LineRequest { composition, ..request });
        }
    }
    requests
}

/// The customisation menu, read only when a line asks for more than the menu's pizza (the
/// plain checkout stays as fast as it was).
async fn customisation(
    db: &Db,
    lines: &[LineBody],
) -> Result<Option<std::sync::Arc<crate::store::composition::Customisation>>, ApiError> {
    if !lines.iter().any(LineBody::customised) {
        return Ok(None);
    }
    Ok(Some(crate::store::composition::menu(db).await.map_err(server)?))
}

/// The body's mode, address and time as intake reads them (the API has no saved address).
fn delivery_facts<'a>(mode: &'a str, address: Option<&'a AddressBody>, when: Option<&'a str>) -> DeliveryFacts<'a> {
    let address = address.map(|a| (a.street.as_str(), a.postcode.as_str(), a.city.as_str(), a.instructions.as_str()));
    let (street, postcode, city, instructions) = address.unwrap_or_default();
    DeliveryFacts { mode, address_id: "", street, postcode, city, instructions, when: when.unwrap_or("asap") }
}

pub(crate) fn order_json(order: &Order, lines: &[OrderLine]) -> Value {
    let prices: Vec<PricedLine> = lines.iter().map(OrderLine::priced).collect();
    json!({
        "reference": order.reference,
        "pizzeria": order.pizzeria_slug,
        "status": order.status,
        "version": order.version,
        "mode": order.mode,
        "channel": order.channel,
        "payment_method": order.payment_method.as_str(),
        "payment_status": order.payment_status.as_str(),
        "address": order.delivery_street.as_ref().map(|street| json!({
            "street": street, "postcode": order.delivery_postcode, "city": order.delivery_city,
            "instructions": order.delivery_instructions,
        })),
        "requested_for": order.requested_for.and_then(|t| chrono::DateTime::from_timestamp(t, 0)).map(|t| t.to_rfc3339()),
        "promised_for": order.promised_for.and_then(|t| chrono::DateTime::from_timestamp(t, 0)).map(|t| t.to_rfc3339()),
        "promised_window": order.promised_for.map(|end| window_json(order.mode(), end)),
        "estimated_window": order.requoted_for.map(|end| window_json(order.mode(), end)),
        "lines": lines.iter().map(|l| json!({
            "pizza": l.pizza_name, "quantity": l.quantity, "unit_price_cents": l.unit_price_cents,
            "vat_rate_bp": l.vat_rate_bp, "note": l.note,
            "composition": l.composition.as_deref().and_then(|c| serde_json::from_str::<Value>(c).ok()),
        })).collect::<Vec<_>>(),
        "totals": { "ht_cents": order.total_ht_cents, "vat_cents": order.total_vat_cents, "ttc_cents": order.total_ttc_cents },
        "vat": pricing::vat_breakdown(&prices).iter().map(|s| json!({
            "vat_rate_bp": s.vat_rate_bp, "ht_cents": s.totals.ht_cents, "vat_cents": s.totals.vat_cents,
            "ttc_cents": s.totals.ttc_cents,
        })).collect::<Vec<_>>(),
        "cancel_reason": order.cancel_reason,
        "created_at": chrono::DateTime::from_timestamp(order.created_at, 0).map(|t| t.to_rfc3339()),
    })
}

/// Places an order. A signed-in customer's order is theirs; anyone else's (no credentials)
/// is a guest order, answered with its private `access_key` (shown once).
#[post("/orders", data = "<body>")]
async fn place_order(
    db: &Db,
    settings: &State<Settings>,
    online: &State<crate::payments::OnlinePayment>,
    caller: MaybeApiCaller,
    client: ClientAddress,
    retry: &RetryAfter,
    body: ApiBody<PlaceBody>,
) -> ApiResult {
    let body = body.0;
    let customer = caller.0.filter(|user| user.role == Role::Customer);
    let catalogue = catalogue::current(db).await.map_err(server)?;
    let Some(details) = catalogue.pizzeria_by_slug(body.pizzeria.trim()) else {
        return Err(failure(Status::UnprocessableEntity, "unknown_pizzeria", "Cette pizzeria n'existe pas."));
    };
    let pizzeria = details.pizzeria.clone();
    let mut errors = FieldErrors::new();
    let menu = customisation(db, &body.lines).await?;
    let lines = lines_of(&catalogue, menu.as_ref().map(|m| &m.0), &body.lines, &mut errors);
    let (saved, customer) = match &customer {
        Some(user) => {
            let saved = addresses::list(db, user.id).await.map_err(server)?;
            let notify = users::preferences(db, user.id).await.map_err(server)?;
            (saved, WebCustomer::Customer { id: user.id, notify })
        }
        None => {
            let notify_email = body.notify_email.as_deref().unwrap_or_default();
            (Vec::new(), WebCustomer::Guest { notify_email, notify_sms: body.notify_sms.unwrap_or(false) })
        }
    };
    let ordering = Ordering::load(db, catalogue.clone(), pizzeria.id, saved, settings, online.0.is_some())
        .await
        .map_err(server)?
        .ok_or_else(not_found)?;
    let request = WebRequest {
        lines,
        delivery: delivery_facts(&body.mode, body.address.as_ref(), body.when.as_deref()),
        contact: ContactFacts { full_name: &body.contact.name, email: &body.contact.email, phone: &body.contact.phone },
        payment: &body.payment,
        customer,
        wording: Wording::Api,
    };
    let Some(order) = intake::web_order(&request, &ordering.context(), &mut errors) else {
        return Err(invalid(&errors));
    };
    if let Err(refused) = limits::admit_if_guest(db, settings, retry, client.0, &order).await.map_err(server)? {
        return Err(failure(Status::TooManyRequests, "rate_limited", &refused.message));
    }
    let placed = order_writes::place(db, &order, settings.capacity_limits).await.map_err(server)?.map_err(refused)?;
    let written = Order::just_placed(&order, &placed, &pizzeria);
    let mut document = order_json(&written, &placed.lines);
    if let Some(key) = placed.guest_key {
        document["access_key"] = Value::String(key);
    }
    if let (PaymentMethod::Online, Some(stripe)) = (order.payment_method, &online.0) {
        document["payment"] = online_payment_json(db, settings, stripe, &written).await.map_err(server)?;
    }
    Ok((Status::Created, Json(document)))
}

/// What a client needs to pay an online order with Stripe.js: the intent's client secret
/// and the publishable key. The provider out of reach is not fatal: the order waits, and
/// `GET /orders/<ref>/pay` (the web page) or a new call later creates the intent.
async fn online_payment_json(
    db: &Db,
    settings: &Settings,
    stripe: &crate::payments::Stripe,
    order: &Order,
) -> crate::Result<Value> {
    let intent = crate::web::customer::pay::intent_for(db, stripe, order).await?;
    let mut payment = json!({
        "provider": "stripe",
        "amount_cents": order.total_ttc_cents,
        "currency": "eur",
        "publishable_key": settings.payments.stripe_publishable_key.as_deref().unwrap_or_default().trim(),
        "pay_before": chrono::DateTime::from_timestamp(crate::web::customer::pay::pay_before(order, settings), 0)
            .map(|t| t.to_rfc3339()),
        "page": format!("/orders/{}/pay", order.reference),
    });
    match intent {
        Ok(intent) => {
            payment["intent"] = Value::String(intent.id);
            payment["client_secret"] = intent.client_secret.map(Value::String).unwrap_or(Value::Null);
        }
        Err(error) => {
            tracing::warn!(%error, reference = %order.reference, "API: Stripe could not be reached");
            payment["client_secret"] = Value::Null;
        }
    }
    Ok(payment)
}

/// The order, if the caller may see it: its customer, the guest with its key (header
/// `X-Order-Key` or `?key=`), its pizzeria's staff, an admin. Otherwise 404.
async fn reachable(
    db: &Db,
    caller: &MaybeApiCaller,
    reference: &str,
    key: Option<&str>,
) -> std::result::Result<(Order, Vec<OrderLine>, bool), ApiError> {
    let sign_in_first =
        || failure(Status::Unauthorized, "unauthenticated", "Authentifiez-vous ou donnez la clé de la commande.");
    let viewer = caller.0.as_ref().map(|u| (u.id, u.role, u.pizzeria_id));
    let Some((order, lines)) = orders::by_reference(db, reference).await.map_err(server)? else {
        // Answered as for an order that exists: an anonymous caller learns nothing of which
        // references are taken.
        return Err(if viewer.is_none() && key.is_none() { sign_in_first() } else { not_found() });
    };
    let key_matches = key.map(|key| key_opens(key, &order));
    match rules::reach(order.customer_id, order.pizzeria_id, key_matches, viewer) {
        Reach::Granted(access) => Ok((order, lines, access.can_change())),
        Reach::SignInFirst => Err(sign_in_first()),
        Reach::Hidden => Err(not_found()),
    }
}

/// The order key, from the `X-Order-Key` header.
pub struct OrderKey(pub Option<String>);

#[rocket::async_trait]
impl<'r> rocket::request::FromRequest<'r> for OrderKey {
    type Error = ();

    async fn from_request(req: &'r Request<'_>) -> rocket::request::Outcome<Self, ()> {
        rocket::request::Outcome::Success(OrderKey(req.headers().get_one("X-Order-Key").map(str::to_string)))
    }
}

#[get("/orders/<reference>?<key>")]
async fn get_order(db: &Db, caller: MaybeApiCaller, header: OrderKey, reference: &str, key: Option<&str>) -> ApiResult {
    let key = header.0.as_deref().or(key);
    let (order, lines, _) = reachable(db, &caller, reference, key).await?;
    Ok((Status::Ok, Json(order_json(&order, &lines))))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ModifyBody {
    version: i64,
    lines: Vec<LineBody>,
    mode: String,
    address: Option<AddressBody>,
    when: Option<String>,
}

#[put("/orders/<reference>", data = "<body>")]
async fn modify_order(
    db: &Db,
    settings: &State<Settings>,
    caller: MaybeApiCaller,
    header: OrderKey,
    reference: &str,
    body: ApiBody<ModifyBody>,
) -> ApiResult {
    let body = body.0;
    let (order, _, may_change) = reachable(db, &caller, reference, header.0.as_deref()).await?;
    if !may_change {
        return Err(failure(Status::Forbidden, "forbidden", "Seul le client peut modifier sa commande ici."));
    }
    let catalogue = catalogue::current(db).await.map_err(server)?;
    let mut errors = FieldErrors::new();
    let menu = customisation(db, &body.lines).await?;
    let lines = lines_of(&catalogue, menu.as_ref().map(|m| &m.0), &body.lines, &mut errors);
    let saved = match order.customer_id {
        Some(id) => addresses::list(db, id).await.map_err(server)?,
        None => Vec::new(),
    };
    let ordering = Ordering::load(db, catalogue, order.pizzeria_id, saved, settings, false)
        .await
        .map_err(server)?
        .ok_or_else(not_found)?;
    let facts = delivery_facts(&body.mode, body.address.as_ref(), body.when.as_deref());
    let Some(change) = intake::modification(lines, &facts, &ordering.context(), &mut errors) else {
        return Err(invalid(&errors));
    };
    let user_id = caller.0.as_ref().map(|u| u.id);
    order_writes::modify(db, order.id, body.version, user_id, &change, settings.capacity_limits)
        .await
        .map_err(server)?
        .map_err(refused)?;
    let (order, lines) = orders::by_reference(db, reference).await.map_err(server)?.ok_or_else(not_found)?;
    Ok((Status::Ok, Json(order_json(&order, &lines))))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CancelBody {
    version: i64,
}

#[post("/orders/<reference>/cancel", data = "<body>")]
async fn cancel_order(
    db: &Db,
    caller: MaybeApiCaller,
    header: OrderKey,
    reference: &str,
    body: ApiBody<CancelBody>,
) -> ApiResult {
    let (order, _, may_change) = reachable(db, &caller, reference, header.0.as_deref()).await?;
    if !may_change {
        return Err(failure(Status::Forbidden, "forbidden", "Seul le client peut annuler sa commande ici."));
    }
    let user_id = caller.0.as_ref().map(|u| u.id);
    order_moves::cancel(db, order.id, body.0.version, user_id, "Annulée par le client")
        .await
        .map_err(server)?
        .map_err(refused)?;
    let (order, lines) = orders::by_reference(db, reference).await.map_err(server)?.ok_or_else(not_found)?;
    debug_assert_eq!(order.status(), OrderStatus::Cancelled);
    Ok((Status::Ok, Json(order_json(&order, &lines))))
}

#[get("/me/orders")]
async fn my_orders(db: &Db, caller: ApiCaller) -> ApiResult {
    let found = orders::for_customer(db, caller.0.id).await.map_err(server)?;
    let list: Vec<Value> = found
        .iter()
        .map(|o| {
            json!({
                "reference": o.reference, "pizzeria": o.pizzeria_slug, "status": o.status,
                "total_ttc_cents": o.total_ttc_cents,
                "created_at": chrono::DateTime::from_timestamp(o.created_at, 0).map(|t| t.to_rfc3339()),
            })
        })
        .collect();
    Ok((Status::Ok, Json(json!({ "orders": list }))))
}

/// A promise's window as the API gives it: `{"from": …, "until": …}` (RFC 3339).
fn window_json(mode: crate::domain::orders::Mode, end: i64) -> serde_json::Value {
    let (from, until) = crate::domain::requote::window(mode, end);
    let text = |t: i64| chrono::DateTime::from_timestamp(t, 0).map(|t| t.to_rfc3339());
    json!({ "from": text(from), "until": text(until) })
}
