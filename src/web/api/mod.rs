//! The JSON API (`/api/v1`): the same rules and the same authorisation as the pages.
//! Callers authenticate with `Authorization: Bearer <token>` (see `/account/tokens`) or
//! with the session cookie plus the `X-CSRF-Token` header on unsafe requests.

pub mod menu;
pub mod openapi;
pub mod orders;
pub mod rush;
pub mod slots;
pub mod staff;
pub mod stock;

use rocket::http::Status;
use rocket::serde::json::{json, Json, Value};
use rocket::{get, post, routes, Route};

use crate::db::Db;
use crate::domain::roles::{assignable_roles, may_enter, Actor, Area, Role};
use crate::store::users::{self, Filter, UserRecord};
use crate::web::auth::ApiCaller;
use crate::web::staff::screens::{resolve, Here};
use crate::Error;

pub fn routes() -> Vec<Route> {
    routes![me, list_users, disable_user, enable_user]
}

/// A JSON error: `{"error": code, "message": text}` with its status. Shared by every API module.
pub(crate) type ApiError = (Status, Json<Value>);

pub(crate) fn failure(status: Status, code: &str, message: &str) -> ApiError {
    (status, Json(json!({ "error": code, "message": message })))
}

pub(crate) fn not_found() -> ApiError {
    failure(Status::NotFound, "not_found", "Ressource introuvable.")
}

/// An error of the application as a JSON error; server errors are logged, never detailed.
pub(crate) fn server(error: Error) -> ApiError {
    match error {
        Error::NotFound => not_found(),
        Error::Forbidden => failure(Status::Forbidden, "forbidden", "Votre compte n'a pas accès à cette ressource."),
        Error::BadRequest(message) => failure(Status::BadRequest, "bad_request", &message),
        other if other.status() == Status::ServiceUnavailable => {
            tracing::warn!(error = %other, "API request gave up: the database is overloaded or unreachable");
            failure(
                other.status(),
                "unavailable",
                "Le service est momentanément surchargé ; réessayez dans un instant.",
            )
        }
        other => {
            tracing::error!(error = %other, "API request failed");
            failure(other.status(), "server_error", "Erreur du serveur ; réessayez dans un instant.")
        }
    }
}

/// The pizzeria `slug` for a caller who works there (its staff) or anywhere (an admin).
/// Another pizzeria's staff are refused (403); an unknown pizzeria is 404.
pub(crate) async fn pizzeria_for(db: &Db, caller: &ApiCaller, slug: &str) -> Result<Here, ApiError> {
    match resolve(db, &caller.0, Some(slug)).await {
        Ok(Ok(here)) => Ok(here),
        Ok(Err(_)) => Err(not_found()),
        Err(error) => Err(server(error)),
    }
}

/// The pizzeria `slug` for a caller who manages it: its manager, or an admin.
pub(crate) async fn managed_pizzeria(db: &Db, caller: &ApiCaller, slug: &str) -> Result<Here, ApiError> {
    if !may_enter(caller.0.role, Area::Manage) {
        return Err(failure(Status::Forbidden, "forbidden", "Réservé aux responsables de pizzeria et à la direction."));
    }
    pizzeria_for(db, caller, slug).await
}

type ApiResult = std::result::Result<Json<Value>, ApiError>;

fn actor(caller: &ApiCaller) -> Actor {
    Actor { user_id: caller.0.id, role: caller.0.role, pizzeria_id: caller.0.pizzeria_id }
}

fn user_json(user: &UserRecord) -> Value {
    json!({
        "id": user.id,
        "email": user.email,
        "full_name": user.full_name,
        "role": user.role,
        "pizzeria_id": user.pizzeria_id,
        "active": user.active,
    })
}

#[get("/me")]
fn me(caller: ApiCaller) -> Json<Value> {
    let user = &caller.0;
    Json(json!({
        "id": user.id,
        "email": user.email,
        "full_name": user.full_name,
        "role": user.role.as_str(),
        "pizzeria_id": user.pizzeria_id,
    }))
}

/// The accounts this caller manages (admins: all; managers: their crew).
#[get("/users")]
async fn list_users(db: &Db, caller: ApiCaller) -> ApiResult {
    let actor = actor(&caller);
    let filter = match actor.role {
        Role::Admin => Filter::default(),
        Role::Manager => Filter {
            scope_pizzeria: actor.pizzeria_id.or(Some(-1)),
            scope_roles: Some(assignable_roles(actor).to_vec()),
            ..Filter::default()
        },
        _ => return Err(failure(Status::Forbidden, "forbidden", "Votre compte ne gère pas d'autres comptes.")),
    };
    let found = users::list(db, &filter).await.map_err(server)?;
    Ok(Json(json!({ "users": found.iter().map(user_json).collect::<Vec<_>>() })))
}

async fn set_active(db: &Db, caller: &ApiCaller, id: i64, active: bool) -> ApiResult {
    let actor = actor(caller);
    if !matches!(actor.role, Role::Admin | Role::Manager) {
        return Err(failure(Status::Forbidden, "forbidden", "Votre compte ne gère pas d'autres comptes."));
    }
    let record = crate::web::manage::users::managed_account(db, actor, id).await.map_err(server)?;
    if record.email.is_none() {
        return Err(not_found()); // erased: nothing to manage
    }
    if id == actor.user_id {
        return Err(failure(Status::Conflict, "self", "Vous ne pouvez pas désactiver votre propre compte."));
    }
    users::set_active(db, id, active).await.map_err(server)?;
    let record = users::get(db, id).await.map_err(server)?.ok_or_else(not_found)?;
    Ok(Json(user_json(&record)))
}

#[post("/users/<id>/disable")]
async fn disable_user(db: &Db, caller: ApiCaller, id: i64) -> ApiResult {
    set_active(db, &caller, id, false).await
}

#[post("/users/<id>/enable")]
async fn enable_user(db: &Db, caller: ApiCaller, id: i64) -> ApiResult {
    set_active(db, &caller, id, true).await
}
