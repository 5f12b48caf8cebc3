//! The rush controls in the JSON API (`/api/v1/pizzerias/<slug>/rush`): what is in force
//! and who used the controls; pause web orders or deliveries, add minutes, resume. The same
//! rules, log and authorisation (the pizzeria's manager, admins) as `/manage/capacity`.

use rocket::http::Status;
use rocket::serde::json::{json, Json, Value};
use rocket::{get, post, routes, Route};
use serde::Deserialize;

use crate::db::Db;
use crate::domain::rush::{action_from_form, Action, Rush};
use crate::store::rush;
use crate::unix_now;
use crate::web::api::orders::ApiBody;
use crate::web::api::{failure, managed_pizzeria, server, ApiError};
use crate::web::auth::ApiCaller;
use crate::web::staff::screens::Here;

pub fn routes() -> Vec<Route> {
    routes![controls, act]
}

type ApiResult = std::result::Result<Json<Value>, ApiError>;

fn time(value: Option<i64>, now: i64) -> Option<String> {
    value.filter(|t| *t > now).and_then(|t| chrono::DateTime::from_timestamp(t, 0)).map(|t| t.to_rfc3339())
}

async fn controls_json(db: &Db, here: &Here, state: &Rush, now: i64) -> Result<Value, ApiError> {
    let log = rush::log(db, here.id, 20).await.map_err(server)?;
    let extra_until = time(state.extra_lead_until, now);
    Ok(json!({
        "pizzeria": here.slug,
        "web_paused_until": time(state.web_paused_until, now),
        "deliveries_paused_until": time(state.deliveries_paused_until, now),
        "extra_lead_minutes": if extra_until.is_some() { state.extra_lead_minutes } else { 0 },
        "extra_lead_until": extra_until,
        "notices": state.notices(now),
        "log": log.iter().map(|(at, by, action, minutes, extra)| json!({
            "at": chrono::DateTime::from_timestamp(*at, 0).map(|t| t.to_rfc3339()),
            "by": by, "action": action, "minutes": minutes, "extra_lead_minutes": extra,
            "description": Action::describe(action, *minutes, *extra),
        })).collect::<Vec<_>>(),
    }))
}

#[get("/pizzerias/<slug>/rush")]
async fn controls(db: &Db, caller: ApiCaller, slug: &str) -> ApiResult {
    let here = managed_pizzeria(db, &caller, slug).await?;
    let state = rush::current(db, here.id).await.map_err(server)?;
    Ok(Json(controls_json(db, &here, &state, unix_now()).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RushBody {
    action: String,
    #[serde(default)]
    minutes: Option<i64>,
    #[serde(default)]
    extra_lead_minutes: Option<i64>,
}

/// A rush control, logged with who used it; the controls in force after it.
#[post("/pizzerias/<slug>/rush", data = "<body>")]
async fn act(db: &Db, caller: ApiCaller, slug: &str, body: ApiBody<RushBody>) -> ApiResult {
    let here = managed_pizzeria(db, &caller, slug).await?;
    let body = body.0;
    let number = |n: Option<i64>| n.map(|n| n.to_string()).unwrap_or_default();
    let action = action_from_form(&body.action, &number(body.minutes), &number(body.extra_lead_minutes))
        .map_err(|message| failure(Status::UnprocessableEntity, "invalid", &message))?;
    let now = unix_now();
    let state = rush::apply(db, here.id, caller.0.id, action, now).await.map_err(server)?;
    tracing::info!(by = caller.0.id, pizzeria = here.id, action = action.code(), "rush control (API)");
    Ok(Json(controls_json(db, &here, &state, now).await?))
}
