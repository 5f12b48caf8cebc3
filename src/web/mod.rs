//! HTTP routes, grouped by audience. Routes stay thin: parse, call the store, render.

pub mod admin;
pub mod api;
pub mod auth;
pub mod cart_cookie;
pub mod csrf;
pub mod customer;
mod error_page;
pub mod events;
pub mod hostile_urls;
pub(crate) mod intake;
pub mod limits;
pub mod manage;
pub mod ops;
pub mod payments;
pub mod refusal;
pub mod shown_once;
pub mod staff;
pub mod telemetry;

use rocket::catcher::BoxFuture;
use rocket::http::uri::fmt::{Query, UriDisplay};
use rocket::http::{Header, Method, Status};
use rocket::response::{Redirect, Responder};
use rocket::serde::json::{json, Json};
use rocket::shield::{Frame, Policy, Referrer, Shield};
use rocket::{routes, Build, Catcher, Request, Rocket};

use crate::views;
use refusal::{refusal_of, Refusal};

/// Mounts every route and catcher. Account management is mounted twice: `/admin/users` for
/// the group, `/manage/users` for a pizzeria's manager (the guard tells them apart).
pub fn mount(rocket: Rocket<Build>) -> Rocket<Build> {
    let mut root = routes![crate::assets::serve];
    root.extend(customer::public::routes());
    root.extend(ops::routes());
    root.extend(customer::session::routes());
    root.extend(customer::password::routes());
    root.extend(customer::account::routes());
    root.extend(staff::entry::routes());
    root.extend(customer::cart::routes());
    root.extend(customer::checkout::routes());
    root.extend(customer::orders::routes());
    root.extend(staff::screens::routes());
    root.extend(staff::kitchen::routes());
    root.extend(staff::delivery::routes());
    root.extend(staff::counter::routes());
    root.extend(staff::phone::routes());
    root.extend(manage::stock::routes());
    root.extend(admin::stock::routes());
    root.extend(admin::pizzerias::routes());
    root.extend(admin::backups::routes());
    root.extend(manage::dashboard::routes());
    root.extend(manage::capacity::routes());
    root.extend(manage::menu_admin::routes());
    root.extend(payments::routes());
    root.extend(customer::pay::routes());
    root.extend(ops::test_routes());
    root.extend(hostile_urls::routes());
    rocket
        .mount("/", telemetry::reported(root))
        .mount("/admin", telemetry::reported(manage::users::routes()))
        .mount("/manage", telemetry::reported(manage::users::routes()))
        .mount("/api/v1", telemetry::reported(api::routes()))
        .mount("/api/v1", telemetry::reported(api::orders::routes()))
        .mount("/api/v1", telemetry::reported(api::staff::routes()))
        .mount("/api/v1", telemetry::reported(api::stock::routes()))
        .mount("/api/v1", telemetry::reported(api::menu::routes()))
        .mount("/api/v1", telemetry::reported(api::slots::routes()))
        .mount("/api/v1", telemetry::reported(api::rush::routes()))
        .mount("/api/v1", telemetry::reported(api::openapi::routes()))
        .register("/", vec![Catcher::new(None, page_catcher)])
        .register("/api", vec![Catcher::new(None, api_catcher)])
}

/// Pages: a visitor who must sign in goes to the login page (and comes back after), one
/// who must change their password goes there; everything else gets a French page.
fn page_catcher<'r>(status: Status, req: &'r Request<'_>) -> BoxFuture<'r> {
    Box::pin(async move {
        match (status.code, refusal_of(req)) {
            (401, _) => {
                let target = if req.method() == Method::Get {
                    let next = req.uri().to_string();
                    format!("/login?next={}", &next as &dyn UriDisplay<Query>)
                } else {
                    "/login".to_string()
                };
                Redirect::to(target).respond_to(req)
            }
            (403, Some(Refusal::MustChangePassword)) => Redirect::to("/account/password").respond_to(req),
            (_, refusal) => {
                let detail = refusal.map(Refusal::message);
                let nav = auth::Visitor::of(req).await.nav();
                let page = views::errors::page(&nav, status, detail, Some(telemetry::request_id(req)));
                rocket::Response::build_from(page.respond_to(req)?).status(status).ok()
            }
        }
    })
}

/// The API answers JSON, whatever went wrong.
fn api_catcher<'r>(status: Status, req: &'r Request<'_>) -> BoxFuture<'r> {
    Box::pin(async move {
        let problem = api::orders::body_problem(req);
        let (code, message) = match (refusal_of(req), status.code) {
            (Some(refusal), _) => (refusal.code(), refusal.message()),
            (None, 400 | 413 | 422) if problem.is_some() => ("invalid_body", problem.as_deref().unwrap_or_default()),
            (None, 404) => ("not_found", "Ressource introuvable."),
            (None, 400 | 422) => ("bad_request", "Requête invalide."),
            (None, 413) => ("too_large", "Requête trop volumineuse."),
            (None, 503) => ("unavailable", "Le service est momentanément surchargé ; réessayez dans un instant."),
            (None, code) if code >= 500 => ("server_error", "Erreur du serveur ; réessayez dans un instant."),
            (None, _) => ("error", "Requête refusée."),
        };
        let body = Json(json!({ "error": code, "message": message }));
        let mut response = rocket::Response::build_from(body.respond_to(req)?).status(status).finalize();
        if status == Status::Unauthorized {
            response.set_header(Header::new("WWW-Authenticate", "Bearer"));
        }
        Ok(response)
    })
}

/// Rocket hands a body to hyper in chunks of 4 KiB, each through a channel between two
/// tasks and written by its own `writev`: a 15 KiB menu took four. A body of known size is
/// sent as one chunk (up to [`WHOLE_BODY_LIMIT`]: a backup download still streams); an
/// event stream, whose events are a few hundred bytes, keeps a small buffer per open screen.
pub struct BodyChunks;

const WHOLE_BODY_LIMIT: usize = 1 << 20;
const EVENT_STREAM_CHUNK: usize = 1024;

/// The chunk size Rocket should read a body with: (preset size, is an event stream).
fn chunk_size(preset: Option<usize>, event_stream: bool) -> Option<usize> {
    match preset {
        Some(size) => Some(size.clamp(rocket::response::Body::DEFAULT_MAX_CHUNK, WHOLE_BODY_LIMIT)),
        None if event_stream => Some(EVENT_STREAM_CHUNK),
        None => None,
    }
}

#[rocket::async_trait]
impl rocket::fairing::Fairing for BodyChunks {
    fn info(&self) -> rocket::fairing::Info {
        rocket::fairing::Info { name: "Body chunks", kind: rocket::fairing::Kind::Response }
    }

    async fn on_response<'r>(&self, _req: &'r Request<'_>, res: &mut rocket::Response<'r>) {
        let event_stream = res.content_type().is_some_and(|t| t.is_event_stream());
        if let Some(size) = chunk_size(res.body().preset_size(), event_stream) {
            res.set_max_chunk_size(size);
        }
    }
}

/// Security headers on every response: Rocket's defaults (nosniff, …) plus a strict
/// content security policy (every script, style and image comes from our own assets),
/// no framing, and no full URL leaked to other sites.
pub fn shield() -> Shield {
    Shield::default().enable(ContentSecurityPolicy).enable(Frame::Deny).enable(Referrer::StrictOriginWhenCrossOrigin)
}

#[derive(Default)]
struct ContentSecurityPolicy;

impl Policy for ContentSecurityPolicy {
    const NAME: &'static str = "Content-Security-Policy";

    fn header(&self) -> Header<'static> {
        Header::new(
            Self::NAME,
            "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; \
             form-action 'self'; frame-ancestors 'none'",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sized_body_goes_in_one_chunk_and_an_event_stream_in_small_ones() {
        assert_eq!(chunk_size(Some(15_167), false), Some(15_167), "the menu page: one write");
        assert_eq!(chunk_size(Some(12), false), Some(rocket::response::Body::DEFAULT_MAX_CHUNK));
        assert_eq!(chunk_size(Some(50 << 20), false), Some(WHOLE_BODY_LIMIT), "a backup still streams");
        assert_eq!(chunk_size(None, true), Some(EVENT_STREAM_CHUNK));
        assert_eq!(chunk_size(None, false), None, "other streams keep Rocket's default");
    }
}
