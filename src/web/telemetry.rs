//! Every request gets an id (a trusted proxy's `X-Request-Id`, or a new one), returned in
//! the `X-Request-Id` header and shown on the error page so a customer can quote it; one
//! log line when it is answered (method, route template, status, duration, id); and its
//! count and latency in the metrics.

use std::time::Instant;

use rocket::fairing::{Fairing, Info, Kind};
use rocket::http::Header;
use rocket::{Data, Request, Response};

use crate::config::Settings;
use crate::metrics::Metrics;

pub const HEADER: &str = "X-Request-Id";

struct RequestId(String);

struct Started(Instant);

/// This request's id (empty before the fairing ran, which it always has in a served request).
pub fn request_id<'r>(req: &'r Request<'_>) -> &'r str {
    &req.local_cache(|| RequestId(String::new())).0
}

/// A proxy's id is kept when the proxy is trusted and the id is plain (letters, digits,
/// `-`, `_`, `.`, at most 64): it then ties our log line to the proxy's.
fn from_proxy(req: &Request<'_>) -> Option<String> {
    let peer = req.remote()?.ip();
    let trusted = req.rocket().state::<Settings>()?.trusted_proxies.contains(&peer);
    let value = req.headers().get_one(HEADER)?.trim();
    let plain = !value.is_empty()
        && value.len() <= 64
        && value.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    (trusted && plain).then(|| value.to_string())
}

fn new_id() -> String {
    use argon2::password_hash::rand_core::{OsRng, RngCore};
    let mut bytes = [0u8; 16];
    OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// The message of the error that made a 5xx answer, kept for the error report.
struct FailureDetail(Option<String>);

pub fn record_failure(req: &Request<'_>, error: &crate::Error) {
    req.local_cache(|| FailureDetail(Some(error.to_string())));
}

fn failure_detail<'r>(req: &'r Request<'_>) -> Option<&'r str> {
    req.local_cache(|| FailureDetail(None)).0.as_deref()
}

/// Set when a handler panicked: its report is the panic's, not a second "HTTP 500".
struct Panicked(bool);

/// With Sentry on, every route's handler runs under a hub of its own whose scope carries the
/// route, method, request id and (once known) role, so that a panic's event has them too;
/// the panic is caught here and answered 500 like Rocket would.
pub fn reported(routes: Vec<rocket::Route>) -> Vec<rocket::Route> {
    if !crate::reporting::enabled() {
        return routes;
    }
    routes
        .into_iter()
        .map(|mut route| {
            route.handler = Box::new(ReportedHandler(route.handler));
            route
        })
        .collect()
}

#[derive(Clone)]
struct ReportedHandler(Box<dyn rocket::route::Handler>);

#[rocket::async_trait]
impl rocket::route::Handler for ReportedHandler {
    async fn handle<'r>(&self, req: &'r Request<'_>, data: Data<'r>) -> rocket::route::Outcome<'r> {
        use rocket::futures::FutureExt;
        use sentry::SentryFutureExt;
        let route = req.route().and_then(|route| route.uri.as_str().split('?').next()).unwrap_or("unmatched");
        let role = req.local_cache(crate::web::auth::RoleCell::default).0.clone();
        let hub = std::sync::Arc::new(sentry::Hub::new_from_top(sentry::Hub::main()));
        hub.configure_scope(|scope| {
            scope.set_tag("route", route);
            scope.set_tag("method", req.method().as_str());
            scope.set_tag("request_id", request_id(req));
            scope.add_event_processor(move |mut event| {
                event.tags.insert("role".into(), role.get().copied().unwrap_or("unknown").into());
                Some(event)
            });
        });
        match std::panic::AssertUnwindSafe(self.0.handle(req, data)).catch_unwind().bind_hub(hub).await {
            Ok(outcome) => outcome,
            Err(_) => {
                req.local_cache(|| Panicked(true));
                rocket::route::Outcome::Error(rocket::http::Status::InternalServerError)
            }
        }
    }
}

pub struct Telemetry;

#[rocket::async_trait]
impl Fairing for Telemetry {
    fn info(&self) -> Info {
        Info { name: "Request id, request log and metrics", kind: Kind::Request | Kind::Response }
    }

    async fn on_request(&self, req: &mut Request<'_>, _: &mut Data<'_>) {
        let id = from_proxy(req).unwrap_or_else(new_id);
        req.local_cache(|| RequestId(id));
        req.local_cache(|| Started(Instant::now()));
    }

    async fn on_response<'r>(&self, req: &'r Request<'_>, res: &mut Response<'r>) {
        let id = request_id(req);
        let elapsed = req.local_cache(|| Started(Instant::now())).0.elapsed();
        // The path template without its query part: one series per route, whatever the values.
        let route = req.route().and_then(|route| route.uri.as_str().split('?').next()).unwrap_or("unmatched");
        let status = res.status().code;
        res.set_header(Header::new(HEADER, id.to_string()));
        if let Some(metrics) = req.rocket().state::<Metrics>() {
            metrics.observe_request(req.method().as_str(), route, status, elapsed.as_secs_f64());
        }
        if status >= 500 && !req.local_cache(|| Panicked(false)).0 {
            crate::reporting::server_error(&crate::reporting::FailedRequest {
                method: req.method().as_str(),
                route,
                status,
                request_id: id,
                role: crate::web::auth::known_role(req),
                error: failure_detail(req),
            });
        }
        tracing::info!(
            target: "oc_pizza::http",
            method = %req.method(),
            route = %route,
            status,
            ms = format_args!("{:.1}", elapsed.as_secs_f64() * 1000.0),
            request_id = %id,
            "request"
        );
    }
}
