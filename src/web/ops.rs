//! Probes for the supervisor and the load balancer.

use std::time::Duration;

use rocket::http::{ContentType, Status};
use rocket::{get, routes, Route, State};

use crate::config::Settings;
use crate::db::Db;

pub fn routes() -> Vec<Route> {
    routes![healthz, readyz]
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
