//! The limits on anonymous orders as the routes use them: who is a guest, and the
//! `Retry-After` header of a refusal (a handler notes the delay in the request; the
//! fairing writes the header on whatever the handler answered).

use std::sync::atomic::{AtomicI64, Ordering};

use rocket::fairing::{Fairing, Info, Kind};
use rocket::request::{FromRequest, Outcome};
use rocket::{Request, Response};

use crate::config::Settings;
use crate::db::Db;
use crate::domain::intake::NewOrder;
use crate::domain::limits::Refused;
use crate::store::rate_limits::{self, GuestOrder};

/// The delay this request's answer asks the client to wait (0: none).
#[derive(Default)]
pub struct RetryAfter(AtomicI64);

impl RetryAfter {
    pub fn set(&self, seconds: i64) {
        self.0.store(seconds.max(1), Ordering::Relaxed);
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for &'r RetryAfter {
    type Error = ();

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, ()> {
        Outcome::Success(req.local_cache(RetryAfter::default))
    }
}

pub struct RetryAfterHeader;

#[rocket::async_trait]
impl Fairing for RetryAfterHeader {
    fn info(&self) -> Info {
        Info { name: "Retry-After", kind: Kind::Response }
    }

    async fn on_response<'r>(&self, req: &'r Request<'_>, res: &mut Response<'r>) {
        let seconds = req.local_cache(RetryAfter::default).0.load(Ordering::Relaxed);
        if seconds > 0 {
            res.set_raw_header("Retry-After", seconds.to_string());
        }
    }
}

/// Whether a guest order may be placed: `Ok(())` when the limits allow it or are off,
/// the refusal otherwise (its delay noted for the `Retry-After` header).
async fn admit_guest(
    db: &Db,
    settings: &Settings,
    retry: &RetryAfter,
    order: &GuestOrder<'_>,
) -> crate::Result<Result<(), Refused>> {
    let Some(limits) = settings.security.guest_limits() else { return Ok(Ok(())) };
    let verdict = rate_limits::admit_guest_order(db, &limits, order, crate::unix_now()).await?;
    if let Err(Refused { retry_after: Some(seconds), .. }) = &verdict {
        retry.set(*seconds);
    }
    if let Err(refused) = &verdict {
        crate::metrics::count_refusal(refused.limit.code());
        tracing::info!(pizzeria = order.pizzeria_id, limit = refused.limit.code(), "guest order refused by a limit");
    }
    Ok(verdict)
}

/// The guest limits, for an order placed by a guest (a customer's or the staff's passes).
pub async fn admit_if_guest(
    db: &Db,
    settings: &Settings,
    retry: &RetryAfter,
    client: Option<std::net::IpAddr>,
    order: &NewOrder,
) -> crate::Result<Result<(), Refused>> {
    if !order.guest {
        return Ok(Ok(()));
    }
    let guest = GuestOrder {
        pizzeria_id: order.pizzeria_id,
        client,
        phone: &order.customer_phone,
        email: order.customer_email.as_deref().unwrap_or_default(),
        pizzas: order.lines.iter().map(|line| line.quantity).sum(),
    };
    admit_guest(db, settings, retry, &guest).await
}
