//! Sending text messages through an HTTP gateway: `POST` of `{"to", "text", "sender"}` with
//! a bearer token — the shape French SMS providers accept, through a small adapter when
//! theirs differs.

use std::time::Duration;

use super::mail::SendError;
use crate::config::Settings;

pub struct SmsGateway {
    client: reqwest::Client,
    url: String,
    token: String,
    sender: String,
}

impl SmsGateway {
    /// The gateway the settings describe, or `None` when texts are off.
    pub fn from_settings(settings: &Settings) -> Result<Option<SmsGateway>, String> {
        let Some(url) = settings.sms_gateway_url() else { return Ok(None) };
        let client = crate::tls::http_client()
            .timeout(Duration::from_secs(15))
            .user_agent(concat!("oc-pizza/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Some(SmsGateway {
            client,
            url: url.to_string(),
            token: settings.sms_gateway_token.clone().unwrap_or_default(),
            sender: settings.sms_sender.trim().to_string(),
        }))
    }

    pub async fn send(&self, to: &str, text: &str) -> Result<(), SendError> {
        let body = serde_json::json!({ "to": to, "text": text, "sender": self.sender });
        let response = self
            .client
            .post(&self.url)
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .map_err(|e| SendError::transient(format!("passerelle SMS injoignable : {}", e.without_url())))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        // A refusal of this message (bad number, bad token) will not change by retrying; a
        // busy or broken gateway may.
        let permanent = status.is_client_error() && status.as_u16() != 429 && status.as_u16() != 408;
        Err(SendError { message: format!("passerelle SMS : HTTP {status}"), permanent })
    }
}
