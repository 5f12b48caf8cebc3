//! The stock in the JSON API: the same reads and actions as `/manage/stock` and
//! `/admin/stock`, the same rules and the same authorisation.

use rocket::http::Status;
use rocket::serde::json::{json, Json, Value};
use rocket::{get, post, routes, Route, State};
use serde::Deserialize;

use crate::config::Settings;
use crate::db::Db;
use crate::domain::dashboard::day_start;
use crate::domain::roles::Role;
use crate::domain::stock as rules;
use crate::store::pizzerias;
use crate::store::stock::{self, JournalFilter};
use crate::web::api::orders::ApiBody;
use crate::web::api::{failure, managed_pizzeria, server, ApiError};
use crate::web::auth::ApiCaller;
use crate::web::manage::stock::parse_action;
use crate::web::staff::screens::Here;

pub fn routes() -> Vec<Route> {
    routes![levels, act, movements, transfer]
}

type ApiResult = std::result::Result<(Status, Json<Value>), ApiError>;

fn invalid(message: &str) -> ApiError {
    failure(Status::UnprocessableEntity, "invalid", message)
}

async fn levels_json(db: &Db, here: &Here) -> Result<Value, ApiError> {
    let rows = stock::levels(db, here.id).await.map_err(server)?;
    let makeable = stock::makeable(db, here.id, &rows).await.map_err(server)?;
    Ok(json!({
        "pizzeria": here.slug,
        "ingredients": rows.iter().map(|r| json!({
            "code": r.code, "name": r.name, "unit": r.unit, "quantity": r.quantity,
            "low_threshold": r.low_threshold, "level": r.level().as_str(),
        })).collect::<Vec<_>>(),
        "makeable": makeable.iter().map(|m| json!({
            "pizza": m.pizza, "count": m.count, "limiting": m.limiting, "withdrawn": m.withdrawn,
        })).collect::<Vec<_>>(),
    }))
}

#[get("/pizzerias/<slug>/stock")]
async fn levels(db: &Db, caller: ApiCaller, slug: &str) -> ApiResult {
    let here = managed_pizzeria(db, &caller, slug).await?;
    Ok((Status::Ok, Json(levels_json(db, &here).await?)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ActionBody {
    ingredient: String,
    action: String,
    quantity: i64,
    #[serde(default)]
    note: String,
}

/// A reception, a loss, an inventory count or a threshold, as on the stock page.
#[post("/pizzerias/<slug>/stock", data = "<body>")]
async fn act(
    db: &Db,
    settings: &State<Settings>,
    caller: ApiCaller,
    slug: &str,
    body: ApiBody<ActionBody>,
) -> ApiResult {
    let here = managed_pizzeria(db, &caller, slug).await?;
    let body = body.0;
    let ingredient = stock::ingredient_id(db, &body.ingredient).await.map_err(server)?;
    let Some(ingredient) = ingredient else { return Err(invalid("Ingrédient inconnu.")) };
    let action = parse_action(&body.action, &body.quantity.to_string(), &body.note, settings.stock_max_quantity)
        .map_err(|message: String| invalid(&message))?;
    stock::apply(db, here.id, ingredient, &action, caller.0.id).await.map_err(server)?.map_err(|m| invalid(&m))?;
    Ok((Status::Ok, Json(levels_json(db, &here).await?)))
}

/// The movement journal, newest first, 50 a page.
#[get("/pizzerias/<slug>/stock/movements?<ingredient>&<kind>&<from>&<to>&<page>")]
#[allow(clippy::too_many_arguments)]
async fn movements(
    db: &Db,
    caller: ApiCaller,
    slug: &str,
    ingredient: Option<&str>,
    kind: Option<&str>,
    from: Option<&str>,
    to: Option<&str>,
    page: Option<&str>,
) -> ApiResult {
    let here = managed_pizzeria(db, &caller, slug).await?;
    let ingredient_id = match ingredient {
        Some(code) => {
            Some(stock::ingredient_id(db, code).await.map_err(server)?.ok_or_else(|| invalid("Ingrédient inconnu."))?)
        }
        None => None,
    };
    let filter = JournalFilter {
        ingredient_id,
        kind: kind.map(str::to_string),
        from: day_start(from),
        until: day_start(to).map(|t| t + 86_400),
        user_id: None,
    };
    let page = crate::domain::fields::page_number(page).map_err(|message| invalid(&message))?;
    let (rows, total) = stock::journal(db, here.id, &filter, page).await.map_err(server)?;
    Ok((
        Status::Ok,
        Json(json!({
            "pizzeria": here.slug, "page": page, "total": total,
            "movements": rows.iter().map(|m| json!({
                "at": chrono::DateTime::from_timestamp(m.created_at, 0).map(|t| t.to_rfc3339()),
                "ingredient": m.ingredient, "unit": m.unit, "delta": m.delta, "kind": m.kind,
                "note": m.note, "who": m.who, "order": m.reference,
            })).collect::<Vec<_>>(),
        })),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TransferBody {
    from: String,
    to: String,
    ingredient: String,
    quantity: i64,
}

/// Admins: moves stock from one pizzeria to another (two movements, or nothing).
#[post("/stock/transfers", data = "<body>")]
async fn transfer(db: &Db, settings: &State<Settings>, caller: ApiCaller, body: ApiBody<TransferBody>) -> ApiResult {
    if caller.0.role != Role::Admin {
        return Err(failure(Status::Forbidden, "forbidden", "Réservé à la direction du groupe."));
    }
    let body = body.0;
    let directory = pizzerias::directory(db).await.map_err(server)?;
    let id_of = |slug: &str| directory.iter().find(|p| p.1 == slug).map(|p| p.0);
    let (Some(from), Some(to)) = (id_of(&body.from), id_of(&body.to)) else {
        return Err(invalid("Pizzeria inconnue."));
    };
    let ingredient = stock::ingredient_id(db, &body.ingredient).await.map_err(server)?;
    let Some(ingredient) = ingredient else { return Err(invalid("Ingrédient inconnu.")) };
    let quantity =
        rules::quantity(&body.quantity.to_string(), 1, settings.stock_max_quantity).map_err(|m| invalid(&m))?;
    stock::transfer(db, (from, to), ingredient, quantity, caller.0.id)
        .await
        .map_err(server)?
        .map_err(|m| failure(Status::Conflict, "refused", &m))?;
    Ok((
        Status::Ok,
        Json(json!({ "from": body.from, "to": body.to, "ingredient": body.ingredient, "quantity": quantity })),
    ))
}
