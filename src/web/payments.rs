//! The payment provider's webhook (`POST /payments/stripe/webhook`): no session, no CSRF —
//! the `Stripe-Signature` over the raw body is the only credential. A bad or old signature
//! answers 400 and changes nothing; a replayed event answers 200 and changes nothing (Stripe
//! retries anything else). 404 while online payment is off.

use rocket::data::{Data, ToByteUnit};
use rocket::http::Status;
use rocket::request::{FromRequest, Outcome, Request};
use rocket::serde::json::{json, Value};
use rocket::{post, routes, Route, State};
use serde::Deserialize;

use crate::config::Settings;
use crate::db::Db;
use crate::domain::payments::{verify_signature, SIGNATURE_TOLERANCE_SECONDS};
use crate::store::payments::{self, EventOutcome};
use crate::Result;

pub fn routes() -> Vec<Route> {
    routes![stripe_webhook]
}

/// The `Stripe-Signature` header, possibly empty.
struct StripeSignature(String);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for StripeSignature {
    type Error = ();

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, ()> {
        Outcome::Success(StripeSignature(req.headers().get_one("Stripe-Signature").unwrap_or_default().to_string()))
    }
}

#[derive(Deserialize)]
struct Event {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    data: Option<EventData>,
}

#[derive(Deserialize)]
struct EventData {
    object: Option<EventObject>,
}

#[derive(Deserialize)]
struct EventObject {
    id: Option<String>,
    object: Option<String>,
}

fn refused(status: Status, message: &str) -> (Status, Value) {
    (status, json!({ "error": message }))
}

#[post("/payments/stripe/webhook", data = "<body>")]
async fn stripe_webhook(
    db: &Db,
    settings: &State<Settings>,
    signature: StripeSignature,
    body: Data<'_>,
) -> Result<(Status, Value)> {
    let secrets = settings.payments.webhook_secrets();
    if settings.payments.secret_key().is_none() || secrets.is_empty() {
        return Ok(refused(Status::NotFound, "online payment is off"));
    }
    let body = match body.open(256.kibibytes()).into_bytes().await {
        Ok(bytes) if bytes.is_complete() => bytes.into_inner(),
        Ok(_) => return Ok(refused(Status::PayloadTooLarge, "event too large")),
        Err(_) => return Ok(refused(Status::BadRequest, "unreadable body")),
    };
    if let Err(error) = verify_signature(&signature.0, &body, &secrets, crate::unix_now(), SIGNATURE_TOLERANCE_SECONDS)
    {
        tracing::warn!(reason = error.message(), "payment webhook refused");
        return Ok(refused(Status::BadRequest, error.message()));
    }
    let Ok(event) = serde_json::from_slice::<Event>(&body) else {
        return Ok(refused(Status::BadRequest, "not a Stripe event"));
    };
    let intent = event
        .data
        .and_then(|data| data.object)
        .filter(|object| object.object.as_deref() == Some("payment_intent"))
        .and_then(|object| object.id);
    let outcome = payments::apply_event(db, &event.id, &event.kind, intent.as_deref()).await?;
    if matches!(outcome, EventOutcome::Applied { order_id: Some(_) }) {
        // A payment that came after its order was cancelled is refunded at once.
        crate::jobs::payments::wake();
    }
    tracing::info!(event = %event.id, kind = %event.kind, ?outcome, "payment webhook");
    Ok((Status::Ok, json!({ "received": true, "replayed": outcome == EventOutcome::Replayed })))
}
