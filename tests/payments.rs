//! Online payment, first step: the Stripe client and the webhook signature against a real
//! Stripe-protocol server (localstripe on loopback).

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::stripe::{LocalStripe, SECRET_KEY};
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
