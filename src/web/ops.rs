//! Probes for the supervisor and the load balancer.

use std::time::Duration;

use rocket::http::{ContentType, Status};
use rocket::request::{FromRequest, Outcome};
use rocket::{get, routes, Request, Route, State};

use crate::config::Settings;
use crate::db::Db;
use crate::metrics::Metrics;
use crate::web::auth::ClientAddress;

pub fn routes() -> Vec<Route> {
    routes![healthz, readyz, metrics]
}

/// Who may read `/metrics`: a client on this machine (through a trusted proxy, the client
/// the proxy names), or anyone with the configured bearer token.
pub struct MetricsReader;

#[rocket::async_trait]
impl<'r> FromRequest<'r> for MetricsReader {
    type Error = ();

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, ()> {
        let Some(settings) = req.rocket().state::<Settings>() else { return Outcome::Error((Status::Forbidden, ())) };
        let token = settings.metrics_token.as_deref().map(str::trim).filter(|t| !t.is_empty());
        let bearer = req.headers().get_one("Authorization").and_then(|v| v.strip_prefix("Bearer ")).map(str::trim);
        if let (Some(token), Some(bearer)) = (token, bearer) {
            if crate::crypto::constant_time_eq(token, bearer) {
                return Outcome::Success(MetricsReader);
            }
        }
        let ClientAddress(client) = match req.guard::<ClientAddress>().await {
            Outcome::Success(address) => address,
            _ => return Outcome::Error((Status::Forbidden, ())),
        };
        if bearer.is_none() && client.is_some_and(|ip| ip.is_loopback()) {
            Outcome::Success(MetricsReader)
        } else {
            Outcome::Error((Status::Forbidden, ()))
        }
    }
}

/// Prometheus' text format.
#[get("/metrics")]
async fn metrics(_reader: MetricsReader, db: &Db, metrics: &State<Metrics>) -> crate::Result<(ContentType, String)> {
    let text = metrics.render(db).await?;
    Ok((ContentType::new("text", "plain").with_params([("version", "0.0.4"), ("charset", "utf-8")]), text))
}

type Json = (Status, (ContentType, &'static str));

/// The process is up and serving requests.
#[get("/healthz")]
fn healthz() -> Json {
    (Status::Ok, (ContentType::JSON, r#"{"status":"ok"}"#))
}

/// The application can serve traffic: its database answers within the readiness timeout.
#[get("/readyz")]
async fn readyz(db: &Db, settings: &State<Settings>) -> Json {
    let timeout = Duration::from_millis(settings.readiness_timeout_ms);
    match rocket::tokio::time::timeout(timeout, db.ping()).await {
        Ok(Ok(())) => (Status::Ok, (ContentType::JSON, r#"{"status":"ready","database":"ok"}"#)),
        Ok(Err(error)) => {
            tracing::warn!(%error, "readiness check failed");
            (Status::ServiceUnavailable, (ContentType::JSON, r#"{"status":"unavailable","database":"error"}"#))
        }
        Err(_) => {
            tracing::warn!(timeout_ms = settings.readiness_timeout_ms, "readiness check timed out");
            (Status::ServiceUnavailable, (ContentType::JSON, r#"{"status":"unavailable","database":"timeout"}"#))
        }
    }
}

/// Debug builds only, and only when `OC_PIZZA_TEST_PANIC_ROUTE` is set: a handler that
/// panics, so that a test can prove a panic reaches the error reports.
#[cfg(debug_assertions)]
#[get("/test/panic")]
async fn panic_for_tests(visitor: &crate::web::auth::Visitor) -> &'static str {
    let _ = visitor.signed_in();
    panic!("deliberate panic for the error-reporting test")
}

/// The routes that exist for tests only (none in release builds).
pub fn test_routes() -> Vec<Route> {
    #[cfg(debug_assertions)]
    if std::env::var_os("OC_PIZZA_TEST_PANIC_ROUTE").is_some() {
        return routes![panic_for_tests];
    }
    Vec::new()
}
