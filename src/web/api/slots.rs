//! The times a pizzeria can promise for a basket (`GET /api/v1/pizzerias/<slug>/slots`):
//! every time of its hours from now on with whether its oven and drivers can keep it, and
//! the rush controls in force. Public, like the menu; the order's own transaction decides.

use rocket::http::Status;
use rocket::serde::json::{json, Json, Value};
use rocket::{get, routes, Route, State};

use super::{failure, not_found, server, ApiError};
use crate::config::Settings;
use crate::db::Db;
use crate::domain::capacity::Basket;
use crate::domain::orders::{Mode, MAX_PIZZAS};
use crate::domain::{fields, requote, slots};
use crate::store::catalogue;
use crate::web::intake::Ordering;

pub fn routes() -> Vec<Route> {
    routes![slots_for_basket]
}

fn invalid(message: &str) -> ApiError {
    failure(Status::UnprocessableEntity, "invalid", message)
}

#[get("/pizzerias/<slug>/slots?<pizzas>&<mode>&<postcode>")]
async fn slots_for_basket(
    db: &Db,
    settings: &State<Settings>,
    slug: &str,
    pizzas: Option<&str>,
    mode: Option<&str>,
    postcode: Option<&str>,
) -> Result<Json<Value>, ApiError> {
    let pizzas = match pizzas.map(str::trim).unwrap_or("1").parse::<i64>() {
        Ok(n) if (1..=MAX_PIZZAS).contains(&n) => n,
        _ => return Err(invalid(&format!("pizzas : un nombre entier de 1 à {MAX_PIZZAS}."))),
    };
    let mode = match mode.map(str::trim).unwrap_or("takeaway") {
        "takeaway" => Mode::Takeaway,
        "delivery" => Mode::Delivery,
        _ => return Err(invalid("mode : « delivery » (livraison) ou « takeaway » (à emporter).")),
    };
    let postcode = match postcode.map(str::trim).filter(|p| !p.is_empty()) {
        Some(typed) => Some(fields::postcode(typed).map_err(|m| invalid(&format!("postcode : {m}")))?),
        None => None,
    };
    let catalogue = catalogue::current(db).await.map_err(server)?;
    let pizzeria = catalogue.pizzeria_by_slug(slug).ok_or_else(not_found)?.pizzeria.clone();
    let ordering = Ordering::load(db, catalogue, pizzeria.id, Vec::new(), settings, false)
        .await
        .map_err(server)?
        .ok_or_else(not_found)?;
    let basket = Basket { pizzas, mode, postcode: postcode.as_deref() };
    // A basket no time can ever take is refused at every time already (`book` fails too).
    let (availability, never) = ordering.availability(db, settings, &basket).await.map_err(server)?;
    let asap_window = ordering
        .asap(db, settings, pizzas, postcode.as_deref())
        .await
        .map_err(server)?
        .into_iter()
        .find(|(asked, _)| *asked == mode)
        .filter(|_| never.is_none())
        .map(|(_, end)| {
            let (from, until) = requote::window(mode, end);
            let text = |t: i64| chrono::DateTime::from_timestamp(t, 0).map(|t| t.to_rfc3339());
            json!({ "from": text(from), "until": text(until) })
        });
    let context = ordering.context();
    let now = context.now.timestamp();
    let slots: Vec<_> = availability
        .iter()
        .map(|(time, available)| {
            json!({
                "time": time.to_rfc3339(), "value": slots::form_value(*time), "label": slots::describe(*time),
                "available": available,
            })
        })
        .collect();
    Ok(Json(json!({
        "pizzeria": pizzeria.slug, "pizzas": pizzas, "mode": mode.as_str(),
        "asap": context.can_asap() && never.is_none(),
        "asap_window": asap_window,
        "refusal": never.map(|refusal| refusal.message()),
        "paused": ordering.rush.web_refusal(Some(mode), now),
        "notices": ordering.rush.notices(now),
        "slots": slots,
    })))
}
