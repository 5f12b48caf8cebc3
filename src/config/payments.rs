//! The online payment settings (flattened into [`super::Settings`]: keys `stripe_*` and
//! `payment_*`, env `OC_PIZZA_STRIPE_*`, `OC_PIZZA_PAYMENT_*`). Off until a secret key is set.

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PaymentSettings {
    /// Stripe's API (`https://api.stripe.com`; a loopback server in tests).
    pub stripe_api_url: String,
    /// Where Stripe.js is served from (its origin is the only one the payment page's CSP adds).
    pub stripe_js_url: String,
    /// `sk_live_…` / `sk_test_…`; unset: online payment is off.
    pub stripe_secret_key: Option<String>,
    /// `pk_live_…` / `pk_test_…`, given to the browser.
    pub stripe_publishable_key: Option<String>,
    /// The webhook endpoint's signing secret (`whsec_…`)…
    pub stripe_webhook_secret: Option<String>,
    /// …and the previous one while it is being rotated.
    pub stripe_webhook_previous_secret: Option<String>,
    /// An online order not paid within this delay is cancelled and its stock returned.
    pub payment_timeout_minutes: i64,
    /// How often the payment job looks for overdue orders and refunds to retry (it also
    /// wakes at once after a cancellation).
    pub payment_check_seconds: u64,
}

impl Default for PaymentSettings {
    fn default() -> Self {
        PaymentSettings {
            stripe_api_url: "https://api.stripe.com".into(),
            stripe_js_url: "https://js.stripe.com/v3/".into(),
            stripe_secret_key: None,
            stripe_publishable_key: None,
            stripe_webhook_secret: None,
            stripe_webhook_previous_secret: None,
            payment_timeout_minutes: 15,
            payment_check_seconds: 30,
        }
    }
}

pub const KEYS: &[&str] = &[
    "stripe_api_url",
    "stripe_js_url",
    "stripe_secret_key",
    "stripe_publishable_key",
    "stripe_webhook_secret",
    "stripe_webhook_previous_secret",
    "payment_timeout_minutes",
    "payment_check_seconds",
];
pub const SECRET_KEYS: &[&str] = &["stripe_secret_key", "stripe_webhook_secret", "stripe_webhook_previous_secret"];

fn set(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

impl PaymentSettings {
    /// The secret key, when online payment is on.
    pub fn secret_key(&self) -> Option<&str> {
        set(&self.stripe_secret_key)
    }

    /// The webhook secrets to accept (current first).
    pub fn webhook_secrets(&self) -> Vec<&str> {
        [set(&self.stripe_webhook_secret), set(&self.stripe_webhook_previous_secret)].into_iter().flatten().collect()
    }

    pub fn check(&self) -> Result<()> {
        if self.secret_key().is_none() {
            return Ok(());
        }
        for (key, value) in [
            ("stripe_publishable_key", &self.stripe_publishable_key),
            ("stripe_webhook_secret", &self.stripe_webhook_secret),
        ] {
            if set(value).is_none() {
                return Err(Error::Config(format!(
                    "stripe_secret_key is set but {key} is not: online payment needs both (OC_PIZZA_{})",
                    key.to_ascii_uppercase()
                )));
            }
        }
        for (key, url) in [("stripe_api_url", &self.stripe_api_url), ("stripe_js_url", &self.stripe_js_url)] {
            if !super::is_https_or_loopback(url) {
                return Err(Error::Config(format!(
                    "{key} must be an https:// address (plain http only on this machine), got {url}"
                )));
            }
        }
        if self.payment_timeout_minutes < 1 {
            return Err(Error::Config(
                "payment_timeout_minutes must be 1 or more (OC_PIZZA_PAYMENT_TIMEOUT_MINUTES)".into(),
            ));
        }
        if !(1..=3_600).contains(&self.payment_check_seconds) {
            return Err(Error::Config(
                "payment_check_seconds must be between 1 and 3600 (OC_PIZZA_PAYMENT_CHECK_SECONDS)".into(),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn online_payment_is_off_until_configured_and_then_needs_every_key() {
        assert!(PaymentSettings::default().check().is_ok());
        assert!(PaymentSettings::default().secret_key().is_none());
        let half = PaymentSettings { stripe_secret_key: Some("sk_test_1".into()), ..Default::default() };
        assert!(half.check().expect_err("no publishable key").to_string().contains("stripe_publishable_key"));
        let whole = PaymentSettings {
            stripe_publishable_key: Some("pk_test_1".into()),
            stripe_webhook_secret: Some("whsec_1".into()),
            stripe_webhook_previous_secret: Some(" ".into()),
            ..half
        };
        assert!(whole.check().is_ok());
        assert_eq!(whole.webhook_secrets(), vec!["whsec_1"]);
        let plain = PaymentSettings { stripe_api_url: "http://stripe.example.com".into(), ..whole };
        assert!(plain.check().is_err());
    }
}
