//! localstripe (PyPI) on loopback: a stateful Stripe-protocol server for the payment tests,
//! with signed webhooks configured through `POST /_config/webhooks/<id>`.

use std::process::{Child, Command, Stdio};

pub const SECRET_KEY: &str = "sk_test_ocpizza";

/// A `Stripe-Signature` header for `body` made with `secret` at `at`, as Stripe signs.
pub fn signed(body: &str, secret: &str, at: i64) -> String {
    use hmac::Mac;
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("key");
    mac.update(format!("{at}.{body}").as_bytes());
    format!("t={at},v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// The localstripe program, or `None` (said; a failure in CI).
fn program() -> Option<&'static str> {
    let found = ["localstripe"].into_iter().find(|program| {
        Command::new(program)
            .arg("--help")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    });
    if found.is_none() {
        let message = "payment test skipped: install localstripe (`pip install localstripe`; .ci/run does)";
        assert!(std::env::var("CI").as_deref() != Ok("true"), "{message}");
        eprintln!("{message}");
    }
    found
}

pub struct LocalStripe {
    pub url: String,
    child: Child,
}

impl LocalStripe {
    pub fn start() -> Option<LocalStripe> {
        let program = program()?;
        let port = super::notify::free_port();
        let child = Command::new(program)
            .args(["--port", &port.to_string(), "--from-scratch"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start localstripe");
        let stripe = LocalStripe { url: format!("http://127.0.0.1:{port}"), child };
        super::wait_for_port(port, "localstripe");
        Some(stripe)
    }

    /// A call to localstripe as Stripe.js or the dashboard would make it.
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> serde_json::Value {
        let client = oc_pizza::tls::http_client().build().expect("HTTP client");
        let response = client
            .post(format!("{}{path}", self.url))
            .basic_auth(SECRET_KEY, Some(""))
            .form(form)
            .send()
            .await
            .expect("localstripe answers");
        let status = response.status();
        let text = response.text().await.expect("body");
        assert!(status.is_success(), "{path}: {status} {text}");
        serde_json::from_str(&text).unwrap_or(serde_json::Value::Null)
    }

    /// Sends the signed events to `url` with `secret`.
    pub async fn register_webhook(&self, url: &str, secret: &str) {
        self.post("/_config/webhooks/oc-pizza", &[("url", url), ("secret", secret)]).await;
    }

    /// Pays an intent with a test card, as the Payment Element would.
    pub async fn pay(&self, intent_id: &str) -> serde_json::Value {
        let method = self
            .post(
                "/v1/payment_methods",
                &[
                    ("type", "card"),
                    ("card[number]", "4242424242424242"),
                    ("card[exp_month]", "12"),
                    ("card[exp_year]", "2030"),
                    ("card[cvc]", "123"),
                ],
            )
            .await;
        let method_id = method["id"].as_str().expect("payment method id").to_string();
        // localstripe confirms only an intent that already has its method (Stripe.js does both
        // in one call).
        self.post(&format!("/v1/payment_intents/{intent_id}"), &[("payment_method", &method_id)]).await;
        self.post(&format!("/v1/payment_intents/{intent_id}/confirm"), &[]).await
    }
}

impl Drop for LocalStripe {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A TCP relay in front of localstripe that a test can close: closing it cuts the open
/// connections (the app's client keeps them alive), and while closed every new connection is
/// dropped at once, as when the provider is out of reach.
pub struct Gate {
    pub url: String,
    open: tokio::sync::watch::Sender<bool>,
}

impl Gate {
    pub async fn to(target: &str) -> Gate {
        let target = target.trim_start_matches("http://").to_string();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://127.0.0.1:{}", listener.local_addr().expect("address").port());
        let (open, watching) = tokio::sync::watch::channel(true);
        tokio::spawn(async move {
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else { return };
                let mut open = watching.clone();
                let target = target.clone();
                tokio::spawn(async move {
                    if !*open.borrow_and_update() {
                        return;
                    }
                    let Ok(mut outbound) = tokio::net::TcpStream::connect(&target).await else { return };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                        _ = open.wait_for(|open| !*open) => {}
                    }
                });
            }
        });
        Gate { url, open }
    }

    pub fn set_open(&self, open: bool) {
        self.open.send_replace(open);
    }
}

impl LocalStripe {
    /// A GET as the Stripe dashboard would make it.
    pub async fn get(&self, path: &str) -> serde_json::Value {
        let client = oc_pizza::tls::http_client().build().expect("HTTP client");
        let response =
            client.get(format!("{}{path}", self.url)).basic_auth(SECRET_KEY, Some("")).send().await.expect("GET");
        let status = response.status();
        let text = response.text().await.expect("body");
        assert!(status.is_success(), "{path}: {status} {text}");
        serde_json::from_str(&text).unwrap_or(serde_json::Value::Null)
    }
}
