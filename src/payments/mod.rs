//! Online payment through Stripe's HTTP API (PaymentIntents and Refunds, form-encoded, with
//! idempotency keys so that a retried call never charges or refunds twice). The amount is
//! always the server's total of the order; what confirms a payment is Stripe's signed
//! webhook (`domain::payments::verify_signature`), never the browser.

use std::time::Duration;

use serde::Deserialize;

use crate::config::PaymentSettings;

/// What Stripe says of a PaymentIntent.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct PaymentIntent {
    pub id: String,
    pub client_secret: Option<String>,
    pub status: String,
    pub amount: i64,
    pub currency: String,
    #[serde(default)]
    pub metadata: std::collections::BTreeMap<String, String>,
}

/// What Stripe says of a refund.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Refund {
    pub id: String,
    pub status: String,
    pub amount: i64,
}

/// A call that did not succeed; `transient` when trying again later may help (network,
/// 5xx, rate limit) rather than a refusal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentError {
    pub message: String,
    pub transient: bool,
}

impl std::fmt::Display for PaymentError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

#[derive(Deserialize)]
struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Deserialize)]
struct ErrorDetail {
    message: Option<String>,
}

/// Online payment as the routes see it: the Stripe client, or `None` when it is off.
pub struct OnlinePayment(pub Option<Stripe>);

/// The Stripe client of this installation.
#[derive(Clone)]
pub struct Stripe {
    client: reqwest::Client,
    api: String,
    secret_key: String,
}

impl Stripe {
    /// `None` when online payment is off (no secret key).
    pub fn from_settings(settings: &PaymentSettings) -> Result<Option<Stripe>, String> {
        let Some(secret_key) = settings.secret_key() else { return Ok(None) };
        let client = crate::tls::http_client()
            .timeout(Duration::from_secs(20))
            .user_agent(concat!("oc-pizza/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Some(Stripe {
            client,
            api: settings.stripe_api_url.trim().trim_end_matches('/').to_string(),
            secret_key: secret_key.to_string(),
        }))
    }

    async fn post<T: for<'de> Deserialize<'de>>(
        &self,
        path: &str,
        form: &[(&str, String)],
        idempotency_key: &str,
    ) -> Result<T, PaymentError> {
        let request = self
            .client
            .post(format!("{}{path}", self.api))
            .bearer_auth(&self.secret_key)
            .header("Idempotency-Key", idempotency_key)
            .form(form);
        Self::answer(request.send().await).await
    }

    async fn answer<T: for<'de> Deserialize<'de>>(sent: reqwest::Result<reqwest::Response>) -> Result<T, PaymentError> {
        let response =
            sent.map_err(|e| PaymentError { message: format!("Stripe unreachable: {e}"), transient: true })?;
        let status = response.status();
        let body = response
            .text()
            .await
            .map_err(|e| PaymentError { message: format!("Stripe's answer was cut: {e}"), transient: true })?;
        if status.is_success() {
            return serde_json::from_str(&body).map_err(|e| PaymentError {
                message: format!("unexpected answer from Stripe: {e}"),
                transient: false,
            });
        }
        let detail = serde_json::from_str::<ErrorBody>(&body).ok().and_then(|b| b.error.message).unwrap_or_default();
        Err(PaymentError {
            message: format!("Stripe refused ({}): {detail}", status.as_u16()),
            transient: status.is_server_error() || status.as_u16() == 429,
        })
    }

    /// A PaymentIntent for `amount_cents` euros, tagged with the order's reference. The same
    /// `idempotency_key` (one per order) gives back the same intent.
    pub async fn create_intent(
        &self,
        reference: &str,
        amount_cents: i64,
        idempotency_key: &str,
    ) -> Result<PaymentIntent, PaymentError> {
        let form = [
            ("amount", amount_cents.to_string()),
            ("currency", "eur".to_string()),
            ("payment_method_types[]", "card".to_string()),
            ("metadata[reference]", reference.to_string()),
        ];
        self.post("/v1/payment_intents", &form, idempotency_key).await
    }

    pub async fn intent(&self, id: &str) -> Result<PaymentIntent, PaymentError> {
        let request = self.client.get(format!("{}/v1/payment_intents/{id}", self.api)).bearer_auth(&self.secret_key);
        Self::answer(request.send().await).await
    }

    /// Refunds a paid intent in full.
    pub async fn refund(&self, intent_id: &str, idempotency_key: &str) -> Result<Refund, PaymentError> {
        self.post("/v1/refunds", &[("payment_intent", intent_id.to_string())], idempotency_key).await
    }

    /// What became of a refund asked earlier (Stripe may answer `pending` first).
    pub async fn refund_state(&self, refund_id: &str) -> Result<Refund, PaymentError> {
        let request = self.client.get(format!("{}/v1/refunds/{refund_id}", self.api)).bearer_auth(&self.secret_key);
        Self::answer(request.send().await).await
    }

    /// Cancels an intent that was never paid, so that a late card confirmation is refused.
    pub async fn cancel_intent(&self, id: &str) -> Result<PaymentIntent, PaymentError> {
        self.post(&format!("/v1/payment_intents/{id}/cancel"), &[], &format!("cancel-{id}")).await
    }
}
