//! URLs no person types: a control character (NUL, tab, line break…) or bytes that are not
//! UTF-8 in a path segment, a query name or a query value. They are refused here, before any route, guard or query sees them: PostgreSQL refuses a NUL in a
//! text parameter (a 500 otherwise), and a redirect built from such a path is not a URL.
//!
//! The fairing sends the request to [`refused`] (GET, 400, a French page or JSON under
//! `/api`); the events port asks [`is_hostile`] itself.

use rocket::fairing::{Fairing, Info, Kind};
use rocket::http::uri::Origin;
use rocket::http::{Method, RawStr, Status};
use rocket::response::Responder;
use rocket::serde::json::{json, Json};
use rocket::{get, routes, Data, Request, Route};

use crate::views;

const REFUSED_PATH: &str = "/_refused/hostile-url";

pub const MESSAGE: &str = "Cette adresse contient des caractères non autorisés.";

pub fn routes() -> Vec<Route> {
    routes![refused]
}

/// Whether a percent-decoded piece of a URL is unacceptable.
fn hostile_value(decoded: Result<std::borrow::Cow<'_, str>, std::str::Utf8Error>) -> bool {
    match decoded {
        Ok(value) => value.chars().any(char::is_control),
        Err(_) => true,
    }
}

/// Whether this request target carries a control character or invalid UTF-8 in a path
/// segment, a query name or a query value.
pub fn is_hostile(path: &str, query: Option<&str>) -> bool {
    let in_path = path.split('/').any(|segment| hostile_value(RawStr::new(segment).percent_decode()));
    let in_query = query.is_some_and(|query| {
        query.split('&').flat_map(|pair| pair.splitn(2, '=')).any(|part| hostile_value(RawStr::new(part).url_decode()))
    });
    in_path || in_query
}

/// Whether this request was sent to [`refused`] and came from under `/api`.
struct Diverted {
    api: bool,
}

pub struct HostileUrls;

#[rocket::async_trait]
impl Fairing for HostileUrls {
    fn info(&self) -> Info {
        Info { name: "Hostile URLs", kind: Kind::Request }
    }

    async fn on_request(&self, req: &mut Request<'_>, _: &mut Data<'_>) {
        let uri = req.uri();
        if !is_hostile(uri.path().as_str(), uri.query().map(|q| q.as_str())) {
            return;
        }
        let api = uri.path().as_str().starts_with("/api/");
        tracing::info!(method = %req.method(), api, "refused a URL with control characters or overlong values");
        req.local_cache(|| Diverted { api });
        req.set_method(Method::Get);
        req.set_uri(Origin::parse(REFUSED_PATH).expect("a constant path"));
    }
}

#[get("/_refused/hostile-url")]
fn refused() -> Refused {
    Refused
}

/// 400, in JSON for the API and as a French page elsewhere.
struct Refused;

impl<'r> Responder<'r, 'static> for Refused {
    fn respond_to(self, req: &'r Request<'_>) -> rocket::response::Result<'static> {
        let api = req.local_cache(|| Diverted { api: false }).api;
        let status = Status::BadRequest;
        let body = if api {
            Json(json!({ "error": "bad_request", "message": MESSAGE })).respond_to(req)?
        } else {
            let request_id = crate::web::telemetry::request_id(req);
            views::errors::page(&Default::default(), status, Some(MESSAGE), Some(request_id)).respond_to(req)?
        };
        rocket::Response::build_from(body).status(status).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_and_invalid_utf8_are_hostile() {
        for (path, query) in [
            ("/orders/%00", None),
            ("/orders/%09/edit", None),
            ("/pizzerias/a%0Ab/menu", None),
            ("/orders/%FF", None),
            ("/manage/stock", Some("page=%00")),
            ("/manage/stock", Some("kind=a%0Db")),
            ("/manage/stock", Some("na%00me=1")),
        ] {
            assert!(is_hostile(path, query), "{path} {query:?}");
        }
    }

    #[test]
    fn what_people_type_is_not() {
        for (path, query) in [
            ("/pizzerias/paris-bastille/menu", None),
            ("/orders/%22", None),
            ("/orders/'%20OR%201=1", None),
            ("/pizzerias/caf%C3%A9/menu", None),
            ("/manage/stock", Some("page=2&kind=order&from=2026-12-01")),
            ("/login", Some("next=%2Forders%2FOC-AB12%3Fkey%3Dx")),
            ("/", Some("postcode=75011+Paris")),
            ("/pizzerias/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/menu", None),
        ] {
            assert!(!is_hostile(path, query), "{path} {query:?}");
        }
    }
}
