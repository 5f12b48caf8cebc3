//! Online payment from the customer's side, against localstripe on loopback, on both
//! databases: the checkout creates the PaymentIntent for the server's total, the kitchen
//! sees the order only once Stripe's signed webhook confirms it, an unpaid order expires and
//! returns its stock (after asking Stripe, should the webhook never come), and a cancelled
//! paid order is refunded — retried while Stripe is out of reach, shown to the manager.

mod common;

use std::time::{Duration, Instant};

use common::stripe::{signed, Gate, LocalStripe, SECRET_KEY};
use common::{count, demo, execute, first_slot, scalar_text, Backend, Browser, TestApp, TestDb, DEMO_PASSWORD};
use oc_pizza::db::DbPool;
use reqwest::Method;
use serde_json::json;

const WEBHOOK_SECRET: &str = "whsec_ocpizza_online";
const A: &str = "boulogne";

/// The app with online payment on, talking to Stripe at `api_url`, its webhook registered
/// with localstripe; the payment job runs every second.
async fn online_app(db: &TestDb, localstripe: &LocalStripe, api_url: &str) -> TestApp {
    let js = format!("{}/js.stripe.com/v3/", localstripe.url);
    let envs = [
        ("OC_PIZZA_STRIPE_API_URL", api_url),
        ("OC_PIZZA_STRIPE_JS_URL", js.as_str()),
        ("OC_PIZZA_STRIPE_SECRET_KEY", SECRET_KEY),
        ("OC_PIZZA_STRIPE_PUBLISHABLE_KEY", "pk_test_ocpizza"),
        ("OC_PIZZA_STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET),
        ("OC_PIZZA_PAYMENT_CHECK_SECONDS", "1"),
    ];
    let app = TestApp::spawn_with(db, &["--demo"], &envs).await;
    localstripe.register_webhook(&format!("{}/payments/stripe/webhook", app.address), WEBHOOK_SECRET).await;
    app
}

async fn text(pool: &DbPool, sql: &str) -> String {
    scalar_text(pool, sql).await.unwrap_or_default()
}

async fn order_field(pool: &DbPool, reference: &str, field: &str) -> String {
    text(pool, &format!("SELECT CAST({field} AS TEXT) FROM orders WHERE reference = '{reference}'")).await
}

async fn stock_total(pool: &DbPool) -> i64 {
    common::assert_stock_matches_journal(pool).await;
    count(
        pool,
        &format!(
            "SELECT CAST(SUM(quantity) AS BIGINT) FROM stock WHERE pizzeria_id = (SELECT id FROM pizzerias WHERE slug = '{A}')"
        ),
    )
    .await
}

/// Waits until `sql` reads `expected` (15 s at most).
async fn wait_for(pool: &DbPool, sql: &str, expected: &str, app: &TestApp) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let found = text(pool, sql).await;
        if found == expected {
            return;
        }
        assert!(Instant::now() < deadline, "{sql}: {found:?}, expected {expected:?}\n{}", app.log());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A guest orders online through the API: (reference, key, the API's answer).
async fn place_online(app: &TestApp) -> (String, String, serde_json::Value) {
    let body = json!({
        "pizzeria": A, "mode": "takeaway", "when": common::next_evening(), "payment": "online",
        "lines": [{ "pizza": "margherita", "quantity": 2 }, { "pizza": "reine", "quantity": 1 }],
        "contact": { "name": "Léa Invitée", "email": "lea@exemple.fr", "phone": "06 11 22 33 44" },
    });
    let guest = Browser::new(app);
    let reply = guest.json(Method::POST, "/api/v1/orders", &[], &body).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let document = guest.get("/api/v1/openapi.json").await.json();
    common::openapi::assert_documented(&document, "/orders", "post", &reply);
    let answer = reply.json();
    let reference = answer["reference"].as_str().expect("reference").to_string();
    let key = answer["access_key"].as_str().expect("guest key").to_string();
    (reference, key, answer)
}

async fn intent_of(pool: &DbPool, reference: &str) -> String {
    text(
        pool,
        &format!(
            "SELECT p.provider_ref FROM payments p JOIN orders o ON o.id = p.order_id WHERE o.reference = '{reference}'"
        ),
    )
    .await
}

async fn staff(app: &TestApp, role: &str) -> Browser {
    let browser = Browser::new(app);
    browser.sign_in(&demo(role, A), DEMO_PASSWORD).await;
    browser
}

/// A guest pays on the web: the intent is for the server's total whatever the form says,
/// the payment page opens only to Stripe's origins, the kitchen sees the order once the
/// signed webhook has confirmed it (live), and a second confirmation counts for nothing.
async fn an_online_order_reaches_the_kitchen_only_once_paid(backend: Backend) {
    let Some(localstripe) = LocalStripe::start() else { return };
    let db = TestDb::new(backend).await;
    let app = online_app(&db, &localstripe, &localstripe.url).await;
    let pool = db.pool().await;
    let before = stock_total(&pool).await;

    let guest = Browser::new(&app);
    guest.get(&format!("/pizzerias/{A}/menu")).await;
    let added = guest.submit("/cart/add", &[("pizzeria", A), ("pizza", "margherita"), ("quantity", "3")]).await;
    assert_eq!(added.status, 303, "{}", added.body);
    let page = guest.get("/checkout").await;
    assert!(page.body.contains(r#"value="online""#) && page.body.contains("Payer en ligne"), "{}", page.body);
    let slot = first_slot(&page.body);
    let fields = [
        ("mode", "takeaway"),
        ("when", slot.as_str()),
        ("full_name", "Léa Invitée"),
        ("email", "lea@exemple.fr"),
        ("phone", "06 11 22 33 44"),
        ("notify_email", "all"),
        ("payment", "online"),
        // What a tampering browser might add: ignored, the server prices the order.
        ("amount", "1"),
        ("total_ttc_cents", "1"),
    ];
    let reply = guest.submit("/checkout", &fields).await;
    let target = reply.redirect_path().unwrap_or_else(|| panic!("{} {}", reply.status, reply.body)).to_string();
    assert!(target.contains("/pay?key="), "to the payment page: {target}");
    let reference = target.trim_start_matches("/orders/").split('/').next().expect("reference").to_string();
    let total: i64 = order_field(&pool, &reference, "total_ttc_cents").await.parse().expect("total");
    assert_eq!(total, 3 * 950, "three margheritas at the menu's price");
    assert_eq!(order_field(&pool, &reference, "payment_method").await, "online");
    assert_eq!(order_field(&pool, &reference, "payment_status").await, "unpaid");
    assert!(stock_total(&pool).await < before, "the stock is reserved at once");

    let pay = guest.get(&target).await;
    assert_eq!(pay.status, 200, "{}", pay.body);
    let policy = pay.headers.get("content-security-policy").and_then(|h| h.to_str().ok()).unwrap_or_default();
    assert!(policy.contains(&format!("script-src 'self' {}", localstripe.url)), "{policy}");
    assert!(policy.contains(&format!("frame-src {}", localstripe.url)), "{policy}");
    assert!(!policy.contains("*"), "no wildcard: {policy}");
    assert!(pay.body.contains("/js.stripe.com/v3/") && pay.body.contains("data-client-secret=\"pi_"), "{}", pay.body);
    let menu = guest.get(&format!("/pizzerias/{A}/menu")).await;
    let default_policy = menu.headers.get("content-security-policy").and_then(|h| h.to_str().ok()).unwrap_or_default();
    assert!(!default_policy.contains("127.0.0.1"), "other pages keep the strict policy: {default_policy}");

    let intent_id = intent_of(&pool, &reference).await;
    let intent = localstripe.get(&format!("/v1/payment_intents/{intent_id}")).await;
    assert_eq!((intent["amount"].as_i64(), intent["currency"].as_str()), (Some(total), Some("eur")), "{intent}");
    assert_eq!(intent["metadata"]["reference"], reference.as_str());
    // Reloading the page gives the same intent, not a second one.
    assert_eq!(guest.get(&target).await.status, 200);
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM payments").await, 1);

    // Not paid: not in the kitchen, and the kitchen cannot start it.
    let cook = staff(&app, "pizzaiolo").await;
    assert!(!cook.get("/kitchen").await.body.contains(&reference), "an unpaid online order stays out of the kitchen");
    let csrf = cook.csrf().await;
    let version: i64 = order_field(&pool, &reference, "version").await.parse().expect("version");
    let start = json!({ "to": "preparing", "version": version });
    let path = format!("/api/v1/orders/{reference}/transitions");
    let refused = cook.json(Method::POST, &path, &[("X-CSRF-Token", csrf.as_str())], &start).await;
    assert_eq!((refused.status, refused.json()["error"].clone()), (409, json!("awaiting_payment")), "{}", refused.body);
    let key = target.split("key=").nth(1).expect("key").to_string();
    let back = guest.get(&format!("/orders/{reference}?key={key}&payment=return")).await;
    assert!(back.body.contains("Paiement en cours de confirmation"), "{}", back.body);
    let modify = guest.get(&format!("/orders/{reference}/edit?key={key}")).await;
    assert_eq!(modify.status, 303, "an order paid online is not modified");

    // Paid at Stripe: the signed webhook tells the kitchen, live.
    let mut screen = cook.events("/kitchen/events").await;
    assert!(screen.next(Duration::from_secs(5)).await.is_some_and(|e| e.name == "hello"));
    localstripe.pay(&intent_id).await;
    let event = screen.wait_for("change", &reference, Duration::from_secs(15)).await;
    assert!(event.is_some_and(|e| e.data.contains("\"paid\"")), "the kitchen hears of the payment\n{}", app.log());
    assert_eq!(order_field(&pool, &reference, "payment_status").await, "paid");
    assert!(cook.get("/kitchen").await.body.contains(&reference), "paid: on the kitchen screen");
    let back = guest.get(&format!("/orders/{reference}?key={key}&payment=return")).await;
    assert!(!back.body.contains("Paiement en cours de confirmation") && back.body.contains("payée"), "{}", back.body);
    assert_eq!(guest.get(&target).await.redirect_path(), Some(format!("/orders/{reference}?key={key}").as_str()));

    // Another succeeded event for the same intent (a duplicate confirmation): nothing more.
    let body = format!(
        r#"{{"id":"evt_duplicate","type":"payment_intent.succeeded","data":{{"object":{{"id":"{intent_id}","object":"payment_intent"}}}}}}"#
    );
    let response = app
        .client
        .post(format!("{}/payments/stripe/webhook", app.address))
        .header("Stripe-Signature", signed(&body, WEBHOOK_SECRET, chrono::Utc::now().timestamp()))
        .body(body)
        .send()
        .await
        .expect("webhook");
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM payments WHERE status = 'succeeded'").await, 1);
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM payment_events WHERE payment_intent IS NOT NULL").await, 2);
    let started = cook.json(Method::POST, &path, &[("X-CSRF-Token", csrf.as_str())], &start).await;
    assert_eq!(started.status, 200, "paid: the kitchen starts it: {}", started.body);
    pool.close().await;
}

both_backends!(an_online_order_reaches_the_kitchen_only_once_paid);

/// An online order not paid in time is cancelled and its stock returned; but first Stripe
/// is asked, so that an order paid whose webhook never came is kept (and counted paid).
async fn unpaid_online_orders_expire_unless_stripe_says_they_were_paid(backend: Backend) {
    let Some(localstripe) = LocalStripe::start() else { return };
    let db = TestDb::new(backend).await;
    let app = online_app(&db, &localstripe, &localstripe.url).await;
    // No webhook reaches the app in this test: only the expiry job's question to Stripe.
    localstripe.register_webhook("http://127.0.0.1:9/nowhere", WEBHOOK_SECRET).await;
    let pool = db.pool().await;
    let before = stock_total(&pool).await;

    let (forgotten, _, answer) = place_online(&app).await;
    let payment = &answer["payment"];
    assert!(payment["client_secret"].as_str().is_some_and(|s| s.starts_with("pi_")), "{answer}");
    assert_eq!(payment["publishable_key"], "pk_test_ocpizza");
    assert_eq!(payment["amount_cents"], answer["totals"]["ttc_cents"], "{answer}");
    let (paid_quietly, _, _) = place_online(&app).await;
    let reserved = before - stock_total(&pool).await;
    assert!(reserved > 0);
    localstripe.pay(&intent_of(&pool, &paid_quietly).await).await;

    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(order_field(&pool, &forgotten, "status").await, "placed", "within its delay, the order waits");
    // Twenty minutes later (the delay is 15).
    execute(&pool, "UPDATE orders SET created_at = created_at - 1200").await;
    let status = format!("SELECT status FROM orders WHERE reference = '{forgotten}'");
    wait_for(&pool, &status, "cancelled", &app).await;
    assert_eq!(order_field(&pool, &forgotten, "cancel_reason").await, "Paiement en ligne non reçu dans les délais");
    let intent = localstripe.get(&format!("/v1/payment_intents/{}", intent_of(&pool, &forgotten).await)).await;
    assert_eq!(intent["status"], "canceled", "the intent can no longer be paid: {intent}");

    let paid = format!("SELECT payment_status FROM orders WHERE reference = '{paid_quietly}'");
    wait_for(&pool, &paid, "paid", &app).await;
    assert_eq!(order_field(&pool, &paid_quietly, "status").await, "placed", "kept: it was paid");
    // The first order's stock came back; the second's is still held.
    assert_eq!(before - stock_total(&pool).await, reserved / 2, "one order's stock returned");
    let returned = format!(
        "SELECT COUNT(*) FROM stock_movements WHERE kind = 'cancellation'
           AND order_id = (SELECT id FROM orders WHERE reference = '{forgotten}')"
    );
    assert!(count(&pool, &returned).await > 0, "returned through the journal");
    pool.close().await;
}

both_backends!(unpaid_online_orders_expire_unless_stripe_says_they_were_paid);

/// A paid order cancelled by its customer is refunded; while Stripe is out of reach the
/// refund fails, the manager sees it, and it is retried until Stripe confirms — once. A
/// staff cancellation after the kitchen started refunds too.
async fn cancelled_paid_orders_are_refunded_and_failures_retried(backend: Backend) {
    let Some(localstripe) = LocalStripe::start() else { return };
    let gate = Gate::to(&localstripe.url).await;
    let db = TestDb::new(backend).await;
    let app = online_app(&db, &localstripe, &gate.url).await;
    let pool = db.pool().await;
    let before = stock_total(&pool).await;

    let (reference, key, _) = place_online(&app).await;
    let intent = intent_of(&pool, &reference).await;
    localstripe.pay(&intent).await;
    let paid = format!("SELECT payment_status FROM orders WHERE reference = '{reference}'");
    wait_for(&pool, &paid, "paid", &app).await;

    gate.set_open(false);
    let guest = Browser::new(&app);
    let version: i64 = order_field(&pool, &reference, "version").await.parse().expect("version");
    let cancel = guest
        .json(
            Method::POST,
            &format!("/api/v1/orders/{reference}/cancel"),
            &[("X-Order-Key", key.as_str())],
            &json!({ "version": version }),
        )
        .await;
    assert_eq!(cancel.status, 200, "{}", cancel.body);
    assert_eq!(stock_total(&pool).await, before, "the stock is back");
    let refund = format!("SELECT refund_status FROM payments WHERE provider_ref = '{intent}'");
    wait_for(&pool, &refund, "failed", &app).await;
    assert_eq!(order_field(&pool, &reference, "payment_status").await, "paid", "not refunded until Stripe says so");
    let manager = staff(&app, "manager").await;
    let board = manager.get("/manage/dashboard").await.body;
    assert!(board.contains("Remboursements en attente") && board.contains(&format!("data-refund=\"{reference}\"")));
    assert!(board.contains("data-refund-status=\"failed\"") && board.contains("Stripe unreachable"), "{board}");
    let page = guest.get(&format!("/orders/{reference}?key={key}")).await.body;
    assert!(page.contains("remboursement en cours"), "{page}");

    // Stripe back; the retry is due (its delay is fast-forwarded).
    gate.set_open(true);
    execute(&pool, "UPDATE payments SET refund_next_at = 0 WHERE refund_status = 'failed'").await;
    wait_for(&pool, &paid, "refunded", &app).await;
    assert_eq!(text(&pool, &refund).await, "succeeded");
    let refunds = localstripe.get(&format!("/v1/refunds?payment_intent={intent}")).await;
    let listed = refunds["data"].as_array().cloned().unwrap_or_default();
    assert_eq!(listed.len(), 1, "refunded once: {refunds}");
    assert_eq!(listed[0]["amount"].as_i64(), order_field(&pool, &reference, "total_ttc_cents").await.parse().ok());
    assert!(!manager.get("/manage/dashboard").await.body.contains("Remboursements en attente"));
    assert!(guest.get(&format!("/orders/{reference}?key={key}")).await.body.contains("remboursée"));

    // The counter cancels a paid order the kitchen had started: refunded, the stock wasted.
    let (started, _, _) = place_online(&app).await;
    localstripe.pay(&intent_of(&pool, &started).await).await;
    let paid = format!("SELECT payment_status FROM orders WHERE reference = '{started}'");
    wait_for(&pool, &paid, "paid", &app).await;
    let cook = staff(&app, "pizzaiolo").await;
    let version = order_field(&pool, &started, "version").await;
    let fields = [("to", "preparing"), ("version", version.as_str()), ("screen", "kitchen")];
    assert_eq!(cook.submit(&format!("/staff/orders/{started}/move"), &fields).await.status, 303);
    let counter = staff(&app, "counter").await;
    let version = order_field(&pool, &started, "version").await;
    let fields =
        [("to", "cancelled"), ("version", version.as_str()), ("screen", "counter"), ("reason", "four en panne")];
    assert_eq!(counter.submit(&format!("/staff/orders/{started}/move"), &fields).await.status, 303);
    wait_for(&pool, &paid, "refunded", &app).await;
    let seen = counter.get(&format!("/orders/{started}")).await.body;
    assert!(seen.contains(r#"data-payment="refunded""#) && seen.contains("remboursée"), "the staff see it refunded");
    let wasted = format!(
        "SELECT COUNT(*) FROM stock_movements WHERE kind = 'waste'
           AND order_id = (SELECT id FROM orders WHERE reference = '{started}')"
    );
    assert!(count(&pool, &wasted).await > 0);
    common::assert_stock_matches_journal(&pool).await;
    pool.close().await;
}

both_backends!(cancelled_paid_orders_are_refunded_and_failures_retried);
