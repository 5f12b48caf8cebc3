//! Online payment, first steps: the Stripe client and the webhook signature against a real
//! Stripe-protocol server (localstripe on loopback), and the app's webhook endpoint —
//! verified, applied once, on both databases.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::stripe::{signed, LocalStripe, SECRET_KEY};
use common::{count, scalar_text, Backend, Browser, TestApp, TestDb};
use oc_pizza::config::PaymentSettings;
use oc_pizza::domain::payments::{verify_signature, SignatureError, SIGNATURE_TOLERANCE_SECONDS};
use oc_pizza::payments::Stripe;
use tokio::io::AsyncWriteExt;

const WEBHOOK_SECRET: &str = "whsec_ocpizza_test";

/// A webhook endpoint on loopback that keeps (Stripe-Signature, body) of each delivery.
async fn webhook_receiver() -> (String, Arc<Mutex<Vec<(String, Vec<u8>)>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://127.0.0.1:{}/stripe/webhook", listener.local_addr().expect("address").port());
    let received = Arc::new(Mutex::new(Vec::new()));
    let seen = received.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else { return };
            let seen = seen.clone();
            tokio::spawn(async move {
                let Some((head, body)) = common::notify::read_request(&mut socket).await else { return };
                let signature = head
                    .lines()
                    .find_map(|line| line.split_once(':').filter(|(n, _)| n.eq_ignore_ascii_case("stripe-signature")))
                    .map(|(_, v)| v.trim().to_string())
                    .unwrap_or_default();
                seen.lock().expect("deliveries").push((signature, body));
                let _ = socket.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").await;
            });
        }
    });
    (url, received)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stripe_client_and_webhook_signatures_work_with_a_stripe_protocol_server() {
    let Some(localstripe) = LocalStripe::start() else { return };
    let (webhook_url, deliveries) = webhook_receiver().await;
    localstripe.register_webhook(&webhook_url, WEBHOOK_SECRET).await;
    let settings = PaymentSettings {
        stripe_api_url: localstripe.url.clone(),
        stripe_secret_key: Some(SECRET_KEY.into()),
        stripe_publishable_key: Some("pk_test_ocpizza".into()),
        stripe_webhook_secret: Some(WEBHOOK_SECRET.into()),
        ..PaymentSettings::default()
    };
    settings.check().expect("valid settings");
    let stripe = Stripe::from_settings(&settings).expect("client").expect("online payment on");

    let intent = stripe.create_intent("OC-TEST-1", 2100, "order-OC-TEST-1").await.expect("intent");
    assert_eq!((intent.amount, intent.currency.as_str()), (2100, "eur"));
    assert_eq!(intent.metadata.get("reference").map(String::as_str), Some("OC-TEST-1"));
    assert!(intent.client_secret.as_deref().is_some_and(|s| s.starts_with(&intent.id)), "{intent:?}");
    assert_ne!(intent.status, "succeeded");

    let paid = localstripe.pay(&intent.id).await;
    assert_eq!(paid["status"], "succeeded", "{paid}");
    assert_eq!(stripe.intent(&intent.id).await.expect("retrieve").status, "succeeded");

    // localstripe signs its webhooks like Stripe: our check accepts them, and only them.
    let deadline = Instant::now() + Duration::from_secs(15);
    let (signature, body) = loop {
        let found = deliveries
            .lock()
            .expect("deliveries")
            .iter()
            .find(|(_, body)| {
                let event: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
                event["type"] == "payment_intent.succeeded" && event["data"]["object"]["id"] == intent.id.as_str()
            })
            .cloned();
        if let Some(found) = found {
            break found;
        }
        assert!(Instant::now() < deadline, "no payment_intent.succeeded webhook");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let now = chrono::Utc::now().timestamp();
    let secrets = settings.webhook_secrets();
    assert!(verify_signature(&signature, &body, &secrets, now, SIGNATURE_TOLERANCE_SECONDS).is_ok(), "{signature}");
    let mut tampered = body.clone();
    let at = tampered.iter().position(|&b| b == b'2').expect("a digit in the amount");
    tampered[at] = b'1';
    assert_eq!(
        verify_signature(&signature, &tampered, &secrets, now, SIGNATURE_TOLERANCE_SECONDS),
        Err(SignatureError::Mismatch)
    );
    assert_eq!(
        verify_signature(&signature, &body, &["whsec_other"], now, SIGNATURE_TOLERANCE_SECONDS),
        Err(SignatureError::Mismatch)
    );
    assert_eq!(
        verify_signature(&signature, &body, &secrets, now + 3600, SIGNATURE_TOLERANCE_SECONDS),
        Err(SignatureError::Expired)
    );

    let refund = stripe.refund(&intent.id, "refund-OC-TEST-1").await.expect("refund");
    assert_eq!((refund.amount, refund.status.as_str()), (2100, "succeeded"));
    let refused = stripe.refund("pi_does_not_exist", "refund-nothing").await.expect_err("unknown intent");
    assert!(!refused.transient && refused.message.contains("Stripe refused (404)"), "{refused:?}");
}

async fn deliver(app: &TestApp, body: &str, signature: Option<&str>) -> (u16, serde_json::Value) {
    let mut request = app
        .client
        .post(format!("{}/payments/stripe/webhook", app.address))
        .header("Content-Type", "application/json")
        .body(body.to_string());
    if let Some(signature) = signature {
        request = request.header("Stripe-Signature", signature);
    }
    let response = request.send().await.expect("webhook");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or_default())
}

/// localstripe's signed webhook pays an online order's pending payment; forged, old and
/// replayed events change nothing.
async fn webhooks_are_verified_and_applied_once(backend: Backend) {
    let Some(localstripe) = LocalStripe::start() else { return };
    let db = TestDb::new(backend).await;
    let envs = [
        ("OC_PIZZA_STRIPE_API_URL", localstripe.url.as_str()),
        ("OC_PIZZA_STRIPE_SECRET_KEY", SECRET_KEY),
        ("OC_PIZZA_STRIPE_PUBLISHABLE_KEY", "pk_test_ocpizza"),
        ("OC_PIZZA_STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET),
    ];
    let app = TestApp::spawn_with(&db, &["--demo"], &envs).await;
    let pool = db.pool().await;
    let order = serde_json::json!({
        "pizzeria": "boulogne", "mode": "takeaway", "when": common::next_evening(),
        "payment": "cash", "lines": [{ "pizza": "margherita", "quantity": 2 }],
        "contact": { "name": "Léa Invitée", "email": "lea@exemple.fr", "phone": "06 11 22 33 44" },
    });
    let reply = Browser::new(&app).json(reqwest::Method::POST, "/api/v1/orders", &[], &order).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let reference = reply.json()["reference"].as_str().expect("reference").to_string();
    let total = count(&pool, &format!("SELECT total_ttc_cents FROM orders WHERE reference = '{reference}'")).await;

    // Online checkout is the next step: here the order is made an online one by hand, with the
    // pending payment its PaymentIntent would have.
    let settings = PaymentSettings {
        stripe_api_url: localstripe.url.clone(),
        stripe_secret_key: Some(SECRET_KEY.into()),
        ..PaymentSettings::default()
    };
    let stripe = Stripe::from_settings(&settings).expect("client").expect("on");
    let intent = stripe.create_intent(&reference, total, &format!("order-{reference}")).await.expect("intent");
    common::execute(&pool, &format!("UPDATE orders SET payment_method = 'online' WHERE reference = '{reference}'"))
        .await;
    common::execute(
        &pool,
        &format!(
            "INSERT INTO payments (order_id, provider, provider_ref, amount_cents, status)
             SELECT id, 'stripe', '{}', total_ttc_cents, 'pending' FROM orders WHERE reference = '{reference}'",
            intent.id
        ),
    )
    .await;
    localstripe.register_webhook(&format!("{}/payments/stripe/webhook", app.address), WEBHOOK_SECRET).await;
    localstripe.pay(&intent.id).await;
    let deadline = Instant::now() + Duration::from_secs(15);
    let paid = format!("SELECT payment_status FROM orders WHERE reference = '{reference}'");
    while scalar_text(&pool, &paid).await.as_deref() != Some("paid") {
        assert!(Instant::now() < deadline, "the signed webhook did not mark the order paid:\n{}", app.log());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let payment = format!("SELECT status FROM payments WHERE provider_ref = '{}'", intent.id);
    assert_eq!(scalar_text(&pool, &payment).await.as_deref(), Some("succeeded"));

    // Our own events, signed or not.
    let body = r#"{"id":"evt_test_replay","type":"payment_intent.succeeded","data":{"object":{"id":"pi_unknown","object":"payment_intent"}}}"#;
    let now = chrono::Utc::now().timestamp();
    let events = "SELECT COUNT(*) FROM payment_events WHERE event_id = 'evt_test_replay'";
    for (signature, why) in [
        (None, "no signature"),
        (Some(signed(body, "whsec_someone_else", now)), "another secret"),
        (Some(signed(body, WEBHOOK_SECRET, now - 3600)), "an hour old"),
        (Some("t=abc,v1=zz".to_string()), "malformed"),
    ] {
        let (status, answer) = deliver(&app, body, signature.as_deref()).await;
        assert_eq!(status, 400, "{why}: {answer}");
        assert_eq!(count(&pool, events).await, 0, "{why}: nothing recorded");
    }
    let signature = signed(body, WEBHOOK_SECRET, now);
    let (status, answer) = deliver(&app, body, Some(&signature)).await;
    assert_eq!((status, answer["replayed"].as_bool()), (200, Some(false)), "{answer}");
    let (status, answer) = deliver(&app, body, Some(&signature)).await;
    assert_eq!((status, answer["replayed"].as_bool()), (200, Some(true)), "a replay is acknowledged: {answer}");
    assert_eq!(count(&pool, events).await, 1, "and recorded once");
    let tampered = body.replace("pi_unknown", &intent.id);
    let (status, _) = deliver(&app, &tampered, Some(&signature)).await;
    assert_eq!(status, 400, "a body changed after signing");
    pool.close().await;
}

both_backends!(webhooks_are_verified_and_applied_once);
