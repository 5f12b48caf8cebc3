//! The staff side of the JSON API: the same moves as the screens' buttons (one state
//! machine decides), the screens' queues, and the event stream for integrations.

use rocket::http::Status;
use rocket::response::stream::EventStream;
use rocket::serde::json::{json, Json, Value};
use rocket::{get, post, routes, Route, Shutdown};
use serde::Deserialize;

use crate::db::Db;
use crate::domain::orders::{self as rules, Reach, Status as OrderStatus};
use crate::domain::roles::{may_enter, Area};
use crate::domain::workflow::{self, Mover};
use crate::store::order_moves::{self, MoveRequest};
use crate::store::orders;
use crate::store::screens::Ticket;
use crate::web::api::orders::{order_json, ApiBody};
use crate::web::api::{failure, not_found, pizzeria_for, server, ApiError};
use crate::web::auth::ApiCaller;
use crate::web::staff::screens::{self, Screen};

pub fn routes() -> Vec<Route> {
    routes![transition, queue, events]
}

type ApiResult = std::result::Result<(Status, Json<Value>), ApiError>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PaymentBody {
    method: String,
    amount_cents: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TransitionBody {
    to: String,
    version: Option<i64>,
    #[serde(default)]
    reason: String,
    payment: Option<PaymentBody>,
}

/// Moves an order (staff of its pizzeria, or an admin): 200 with the order, 403 for a move
/// the role never makes, 409 for a move the order's state refuses (or a stale version), 422
/// for a missing reason or payment.
#[post("/orders/<reference>/transitions", data = "<body>")]
async fn transition(db: &Db, caller: ApiCaller, reference: &str, body: ApiBody<TransitionBody>) -> ApiResult {
    let body = body.0;
    let user = &caller.0;
    if !user.role.is_staff() {
        return Err(failure(Status::Forbidden, "forbidden", "Seul le personnel fait avancer une commande."));
    }
    let (order, _) = orders::by_reference(db, reference).await.map_err(server)?.ok_or_else(not_found)?;
    let viewer = Some((user.id, user.role, user.pizzeria_id));
    if rules::reach(None, order.pizzeria_id, None, viewer) != Reach::Granted(rules::Access::Staff) {
        return Err(not_found());
    }
    let Some(to) = OrderStatus::parse(&body.to) else {
        return Err(failure(
            Status::UnprocessableEntity,
            "invalid",
            "« to » doit être preparing, ready, out_for_delivery, delivered, collected ou cancelled.",
        ));
    };
    let collected = match body.payment {
        None => None,
        Some(payment) => match workflow::collected_method(&payment.method) {
            Some(method) => Some((method, payment.amount_cents)),
            None => return Err(failure(Status::UnprocessableEntity, "invalid", "« payment.method » : cash ou card.")),
        },
    };
    let reason: String = body.reason.chars().take(200).collect();
    let request = MoveRequest { to, version: body.version, reason, collected };
    let mover = Mover::Staff { user_id: user.id, role: user.role };
    if let Err(refusal) = order_moves::advance(db, order.id, mover, Some(user.id), &request).await.map_err(server)? {
        return Err(failure(Status::new(refusal.http_status()), refusal.code(), &refusal.message()));
    }
    let (order, lines) = orders::by_reference(db, reference).await.map_err(server)?.ok_or_else(not_found)?;
    Ok((Status::Ok, Json(order_json(&order, &lines))))
}

fn area_of(screen: Screen) -> Area {
    match screen {
        Screen::Kitchen => Area::Kitchen,
        Screen::Delivery => Area::Delivery,
        Screen::Counter => Area::Counter,
    }
}

/// Checks that the caller may watch this pizzeria's `screen`, and returns the pizzeria.
async fn watch(db: &Db, caller: &ApiCaller, slug: &str, screen: Screen) -> Result<screens::Here, ApiError> {
    if !may_enter(caller.0.role, area_of(screen)) {
        return Err(failure(Status::Forbidden, "forbidden", "Votre rôle n'a pas accès à cet écran."));
    }
    pizzeria_for(db, caller, slug).await
}

fn ticket_json(ticket: &Ticket, moves: &[OrderStatus]) -> Value {
    json!({
        "reference": ticket.reference, "status": ticket.status, "version": ticket.version, "mode": ticket.mode,
        "channel": ticket.channel, "customer_name": ticket.customer_name, "customer_phone": ticket.customer_phone,
        "address": ticket.delivery_street.as_ref().map(|street| json!({
            "street": street, "postcode": ticket.delivery_postcode, "city": ticket.delivery_city,
            "instructions": ticket.delivery_instructions,
        })),
        "requested_for": ticket.requested_for.and_then(|t| chrono::DateTime::from_timestamp(t, 0)).map(|t| t.to_rfc3339()),
        "created_at": chrono::DateTime::from_timestamp(ticket.created_at, 0).map(|t| t.to_rfc3339()),
        "payment_method": ticket.payment_method.as_str(), "payment_status": ticket.payment_status.as_str(),
        "total_ttc_cents": ticket.total_ttc_cents, "modified": ticket.modified(), "cancel_reason": ticket.cancel_reason,
        "driver_id": ticket.driver_id,
        "lines": ticket.lines.iter().map(|l| json!({
            "pizza": l.pizza_slug, "name": l.pizza_name, "quantity": l.quantity, "note": l.note,
        })).collect::<Vec<_>>(),
        "moves": moves.iter().map(|m| m.as_str()).collect::<Vec<_>>(),
    })
}

/// A screen's queue (`kitchen`, `delivery` or `counter`), as the screen shows it to the caller.
#[get("/pizzerias/<slug>/queues/<screen>")]
async fn queue(db: &Db, caller: ApiCaller, slug: &str, screen: &str) -> ApiResult {
    let screen = Screen::parse(screen).ok_or_else(not_found)?;
    let here = watch(db, &caller, slug, screen).await?;
    let tickets = screens::tickets(db, screen, here.id, &caller.0).await.map_err(server)?;
    let list: Vec<Value> = tickets.iter().map(|t| ticket_json(t, &screens::buttons(screen, t, &caller.0))).collect();
    Ok((Status::Ok, Json(json!({ "pizzeria": here.slug, "screen": screen.as_str(), "orders": list }))))
}

/// Why a customer may not follow a pizzeria's events (here and on the events port).
pub(crate) const STAFF_ONLY: &str = "Réservé au personnel de la pizzeria.";

/// The pizzeria's order events as server-sent events (`change`, `resync`), for any
/// member of its staff or an admin.
#[get("/pizzerias/<slug>/events")]
async fn events(db: &Db, caller: ApiCaller, slug: &str, shutdown: Shutdown) -> Result<EventStream![], ApiError> {
    if !caller.0.role.is_staff() {
        return Err(failure(Status::Forbidden, "forbidden", STAFF_ONLY));
    }
    let here = pizzeria_for(db, &caller, slug).await?;
    Ok(screens::event_stream(move |event| event.pizzeria_id == here.id, Some(caller.0.id), shutdown))
}
