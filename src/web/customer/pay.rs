//! The customer's online payment: the PaymentIntent for an order (always the server's
//! total, one per order thanks to the provider's idempotency key) and the page holding
//! Stripe's card form, whose content security policy opens to the configured Stripe
//! origins only. The page never decides anything: the order is paid when Stripe's signed
//! webhook says so (`web::payments`).

use rocket::http::{Header, Status};
use rocket::response::{Redirect, Responder};
use rocket::{get, routes, Either, Route, State};

use crate::config::Settings;
use crate::db::Db;
use crate::domain::orders::Access;
use crate::domain::payments::payment_origins;
use crate::payments::{OnlinePayment, PaymentError, PaymentIntent, Stripe};
use crate::store::orders::Order;
use crate::store::payments;
use crate::views::ordering::order_link;
use crate::views::payment::PaymentPage;
use crate::web::csrf::Page;
use crate::web::customer::orders::{login_first, reach};
use crate::{views, Error, Result};

pub fn routes() -> Vec<Route> {
    routes![pay_page]
}

/// The order's PaymentIntent, created on first need for the order's total as the server
/// computed it. Asked again (a reload, a retry after the provider was out of reach), the
/// same intent comes back.
pub(crate) async fn intent_for(
    db: &Db,
    stripe: &Stripe,
    order: &Order,
) -> Result<std::result::Result<PaymentIntent, PaymentError>> {
    if let Some(existing) = payments::open_intent(db, order.id).await? {
        return Ok(stripe.intent(&existing).await);
    }
    let created =
        stripe.create_intent(&order.reference, order.total_ttc_cents, &format!("intent-{}", order.reference)).await;
    if let Ok(intent) = &created {
        payments::record_intent(db, order.id, &intent.id, intent.amount).await?;
    }
    Ok(created)
}

/// When an unpaid online order will be cancelled.
pub(crate) fn pay_before(order: &Order, settings: &Settings) -> i64 {
    crate::domain::payments::pay_before(order.created_at, settings.payments.payment_timeout_minutes)
}

/// The payment page with its own content security policy: Stripe.js's origin for scripts
/// and frames, and Stripe's API for the calls Stripe.js makes.
pub struct PaymentMarkup {
    markup: maud::Markup,
    policy: String,
    status: Status,
}

impl<'r> Responder<'r, 'static> for PaymentMarkup {
    fn respond_to(self, request: &'r rocket::Request<'_>) -> rocket::response::Result<'static> {
        rocket::Response::build_from(self.markup.respond_to(request)?)
            .status(self.status)
            .header(Header::new("Content-Security-Policy", self.policy))
            .ok()
    }
}

fn policy(settings: &Settings) -> String {
    let (frames, connect) = payment_origins(&settings.payments.stripe_js_url, &settings.payments.stripe_api_url);
    let scripts = frames.first().cloned().unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self' {scripts}; frame-src {}; connect-src 'self' {}; \
         img-src 'self' data: {scripts}; object-src 'none'; base-uri 'self'; form-action 'self'; \
         frame-ancestors 'none'",
        frames.join(" "),
        connect.join(" ")
    )
}

#[get("/orders/<reference>/pay?<key>")]
#[allow(clippy::too_many_arguments)] // Rocket guards and query fields, each named.
async fn pay_page(
    db: &Db,
    settings: &State<Settings>,
    online: &State<OnlinePayment>,
    page: Page<'_>,
    flash: Option<rocket::request::FlashMessage<'_>>,
    reference: &str,
    key: Option<&str>,
) -> Result<Either<PaymentMarkup, Redirect>> {
    let Some((order, _, access)) = reach(db, page.visitor, reference, key).await? else {
        return Ok(Either::Right(login_first(reference)));
    };
    if !access.can_change() {
        return Err(Error::NotFound);
    }
    let key = key.filter(|_| access == Access::Guest);
    let (Some(stripe), Some(publishable_key)) =
        (&online.0, settings.payments.stripe_publishable_key.as_deref().filter(|k| !k.trim().is_empty()))
    else {
        return Ok(Either::Right(Redirect::to(order_link(reference, key))));
    };
    if !order.awaiting_online_payment() {
        return Ok(Either::Right(Redirect::to(order_link(reference, key))));
    }
    let (intent, problem) = match intent_for(db, stripe, &order).await? {
        Ok(intent) if intent.status == "succeeded" => {
            // Paid; the webhook is on its way.
            return Ok(Either::Right(Redirect::to(return_path(reference, key))));
        }
        Ok(intent) => (Some(intent), None),
        Err(error) => {
            tracing::warn!(%error, reference, "payment page: Stripe could not be reached");
            (None, Some("Le service de paiement ne répond pas pour le moment : réessayez dans un instant."))
        }
    };
    let return_url = format!("{}{}", settings.public_url.trim_end_matches('/'), return_path(reference, key));
    let view = PaymentPage {
        order: &order,
        key,
        stripe_js_url: &settings.payments.stripe_js_url,
        publishable_key: publishable_key.trim(),
        client_secret: intent.as_ref().and_then(|i| i.client_secret.as_deref()),
        problem,
        pay_before: pay_before(&order, settings),
        return_url: &return_url,
        notice: flash.as_ref().map(rocket::request::FlashMessage::message),
    };
    Ok(Either::Left(PaymentMarkup {
        markup: views::payment::page(&page.nav(), &view),
        policy: policy(settings),
        status: if problem.is_some() { Status::ServiceUnavailable } else { Status::Ok },
    }))
}

/// The order's page as Stripe sends the browser back to it.
fn return_path(reference: &str, key: Option<&str>) -> String {
    match key {
        Some(key) => format!("{}&payment=return", order_link(reference, Some(key))),
        None => format!("{}?payment=return", order_link(reference, None)),
    }
}
