//! The staff workflow: one state machine for every screen and the API, its journal, the
//! stock a cancellation gives back or wastes, the payment collected at hand-over, and the
//! refusals (wrong role, wrong pizzeria, invalid move, stale version, two taps at once).

mod common;

use std::time::Duration;

use common::{count, demo, first_slot, scalar_text, Backend, Browser, Reply, TestApp, TestDb, DEMO_PASSWORD};
use oc_pizza::db::DbPool;
use reqwest::Method;
use serde_json::json;

const A: &str = "boulogne";
const B: &str = "vincennes";

fn next_evening() -> String {
    // Tomorrow at 20:00 in Paris: every pizzeria of the seed is open then.
    let tomorrow = chrono::Utc::now().with_timezone(&chrono_tz::Europe::Paris).date_naive() + chrono::Duration::days(1);
    format!("{}T20:00", tomorrow.format("%Y-%m-%d"))
}

/// A guest orders through the API: (reference, private key).
async fn place(app: &TestApp, pizzeria: &str, mode: &str, payment: &str) -> (String, String) {
    let guest = Browser::new(app);
    let postcode = if pizzeria == A { "92100" } else { "94300" };
    let mut body = json!({
        "pizzeria": pizzeria, "mode": mode, "when": next_evening(), "payment": payment,
        "lines": [{ "pizza": "margherita", "quantity": 2, "note": "bien cuite" }, { "pizza": "reine", "quantity": 1 }],
        "contact": { "name": "Léa Invitée", "email": "lea@exemple.fr", "phone": "06 11 22 33 44" },
    });
    if mode == "delivery" {
        body["address"] =
            json!({ "street": "3 rue de Paris", "postcode": postcode, "city": "Ville", "instructions": "code 1234" });
    }
    let reply = guest.json(Method::POST, "/api/v1/orders", &[], &body).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let order = reply.json();
    (order["reference"].as_str().expect("reference").into(), order["access_key"].as_str().expect("key").into())
}

async fn staff(app: &TestApp, role: &str, pizzeria: &str) -> Browser {
    let browser = Browser::new(app);
    browser.sign_in(&demo(role, pizzeria), DEMO_PASSWORD).await;
    browser
}

async fn version(pool: &DbPool, reference: &str) -> String {
    count(pool, &format!("SELECT version FROM orders WHERE reference = '{reference}'")).await.to_string()
}

async fn status(pool: &DbPool, reference: &str) -> String {
    scalar_text(pool, &format!("SELECT status FROM orders WHERE reference = '{reference}'")).await.unwrap_or_default()
}

/// Taps a screen's button: the move form as the screen renders it.
async fn tap(
    browser: &Browser,
    screen: &str,
    reference: &str,
    to: &str,
    version: &str,
    extra: &[(&str, &str)],
) -> Reply {
    let mut fields = vec![("to", to), ("version", version), ("screen", screen)];
    fields.extend_from_slice(extra);
    browser.submit(&format!("/staff/orders/{reference}/move"), &fields).await
}

/// The total stock of a pizzeria, and the check that it equals its journal and is never negative.
async fn stock_total(pool: &DbPool, pizzeria: &str) -> i64 {
    common::assert_stock_matches_journal(pool).await;
    count(
        pool,
        &format!(
            "SELECT CAST(SUM(quantity) AS BIGINT) FROM stock WHERE pizzeria_id = (SELECT id FROM pizzerias WHERE slug = '{pizzeria}')"
        ),
    )
    .await
}

/// A journal row: from, to, the mover's role, the reason.
type JournalRow = (Option<String>, String, Option<String>, Option<String>);

async fn journal(pool: &DbPool, reference: &str) -> Vec<String> {
    let rows: Vec<JournalRow> = oc_pizza::db_run!(pool, |p| {
        sqlx::query_as(
            "SELECT t.from_status, t.to_status, u.role, t.reason FROM order_transitions t
             JOIN orders o ON o.id = t.order_id LEFT JOIN users u ON u.id = t.user_id
             WHERE o.reference = $1 ORDER BY t.id",
        )
        .bind(reference)
        .fetch_all(p)
        .await
        .expect("journal")
    });
    rows.into_iter()
        .map(|(from, to, role, reason)| {
            let mut line =
                format!("{}→{to} by {}", from.unwrap_or_else(|| "∅".into()), role.unwrap_or_else(|| "guest".into()));
            if let Some(reason) = reason {
                line.push_str(&format!(" ({reason})"));
            }
            line
        })
        .collect()
}

async fn a_delivery_goes_from_the_kitchen_to_the_door(backend: Backend) {
    let db = TestDb::new(backend).await;
    let app = TestApp::spawn_with(&db, &["--demo"], &[]).await;
    let pool = db.pool().await;
    let before = stock_total(&pool, A).await;
    let (reference, _) = place(&app, A, "delivery", "cash").await;
    let reserved = before - stock_total(&pool, A).await;
    assert!(reserved > 0, "placing reserves stock");

    let cook = staff(&app, "pizzaiolo", A).await;
    let kitchen = cook.get("/kitchen").await;
    assert_eq!(kitchen.status, 200);
    assert!(kitchen.body.contains(&reference), "the ticket is on the kitchen screen");
    assert!(kitchen.body.contains("bien cuite") && kitchen.body.contains("/kitchen/recipes/margherita"));
    assert!(kitchen.body.contains(r#"value="preparing""#) && !kitchen.body.contains(r#"value="ready""#));

    assert!(kitchen.body.contains("move-preparing"), "Commencer has its own colour");

    let reply = tap(&cook, "kitchen", &reference, "preparing", &version(&pool, &reference).await, &[]).await;
    assert_eq!((reply.status, reply.redirect_path()), (303, Some("/kitchen")), "{}", reply.body);
    assert!(cook.get("/kitchen").await.body.contains("move-ready"), "Prête has another colour");
    let reply = tap(&cook, "kitchen", &reference, "ready", &version(&pool, &reference).await, &[]).await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    let kitchen = cook.get("/kitchen").await.body;
    assert!(kitchen.contains(&format!("Commande {reference} : prête.")), "the screen confirms the move");
    assert!(!kitchen.contains(&format!("ticket-{reference}")), "a ready order leaves the kitchen");

    let driver = staff(&app, "driver", A).await;
    let screen = driver.get("/delivery").await;
    assert!(screen.body.contains(&reference) && screen.body.contains("3 rue de Paris"), "{}", screen.body);
    assert!(screen.body.contains("tel:0611223344") && screen.body.contains("code 1234"));
    assert!(screen.body.contains("À encaisser"), "the amount to collect is shown");
    let reply = tap(&driver, "delivery", &reference, "out_for_delivery", &version(&pool, &reference).await, &[]).await;
    assert_eq!((reply.status, reply.redirect_path()), (303, Some("/delivery")), "{}", reply.body);
    let driver_id = count(&pool, &format!("SELECT id FROM users WHERE email = '{}'", demo("driver", A))).await;
    assert_eq!(count(&pool, &format!("SELECT driver_id FROM orders WHERE reference = '{reference}'")).await, driver_id);

    // Nobody else delivers it: a second driver of the same pizzeria is refused.
    let colleague_id = common::insert(
        &pool,
        &format!(
            "INSERT INTO users (email, password_hash, full_name, role, pizzeria_id)
             SELECT 'second.driver@demo.ocpizza.fr', password_hash, 'Second Livreur', 'driver', pizzeria_id FROM users
             WHERE email = '{}' RETURNING id",
            demo("driver", A)
        ),
    )
    .await;
    assert!(colleague_id > 0);
    let colleague = Browser::new(&app);
    colleague.sign_in("second.driver@demo.ocpizza.fr", DEMO_PASSWORD).await;
    assert!(!colleague.get("/delivery").await.body.contains(&reference), "another driver's round is not shown");
    let cash = [("method", "cash"), ("amount", "100")];
    let reply = tap(&colleague, "delivery", &reference, "delivered", "", &cash).await;
    assert_eq!(reply.status, 409, "{}", reply.body);
    assert!(reply.body.contains("Un autre livreur"));

    // Delivered, with the payment collected: missing, short, then right.
    let v = version(&pool, &reference).await;
    let reply = tap(&driver, "delivery", &reference, "delivered", &v, &[]).await;
    assert_eq!(reply.status, 422, "the payment is asked for");
    let reply = tap(&driver, "delivery", &reference, "delivered", &v, &[("method", "cash"), ("amount", "1,00")]).await;
    assert_eq!(reply.status, 422);
    assert!(reply.body.contains("ne couvre pas"), "{}", reply.body);
    let total = count(&pool, &format!("SELECT total_ttc_cents FROM orders WHERE reference = '{reference}'")).await;
    let amount = format!("{},{:02}", total / 100, total % 100);
    let reply = tap(&driver, "delivery", &reference, "delivered", &v, &[("method", "card"), ("amount", &amount)]).await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    assert_eq!(status(&pool, &reference).await, "delivered");
    let paid = scalar_text(
        &pool,
        &format!("SELECT payment_status || ' ' || payment_method || ' ' || CAST(collected_cents AS TEXT) FROM orders WHERE reference = '{reference}'"),
    )
    .await;
    assert_eq!(paid, Some(format!("paid card {total}")));
    assert_eq!(
        journal(&pool, &reference).await,
        vec![
            "∅→placed by guest",
            "placed→preparing by pizzaiolo",
            "preparing→ready by pizzaiolo",
            "ready→out_for_delivery by driver",
            "out_for_delivery→delivered by driver",
        ]
    );
    assert_eq!(before - stock_total(&pool, A).await, reserved, "the stock taken at placement stays taken");
    // A finished order accepts no more moves.
    let reply = tap(&driver, "delivery", &reference, "out_for_delivery", "", &[]).await;
    assert_eq!(reply.status, 409);
}

async fn takeaway_pickup_and_cancellations(backend: Backend) {
    let db = TestDb::new(backend).await;
    let app = TestApp::spawn_with(&db, &["--demo"], &[]).await;
    let pool = db.pool().await;
    let cook = staff(&app, "pizzaiolo", A).await;
    let counter = staff(&app, "counter", A).await;

    // Takeaway: made, then handed over at the counter with the payment.
    let (pickup, _) = place(&app, A, "takeaway", "cash").await;
    tap(&cook, "kitchen", &pickup, "preparing", "", &[]).await;
    tap(&cook, "kitchen", &pickup, "ready", "", &[]).await;
    let screen = counter.get("/staff/orders").await;
    assert!(screen.body.contains(&pickup) && screen.body.contains("Remise au client"), "{}", screen.body);
    let total = count(&pool, &format!("SELECT total_ttc_cents FROM orders WHERE reference = '{pickup}'")).await;
    let amount = format!("{}", total / 100 + 5); // a 5-euro note too many: change given, tip allowed
    let reply = tap(&counter, "counter", &pickup, "collected", "", &[("method", "cash"), ("amount", &amount)]).await;
    assert_eq!((reply.status, reply.redirect_path()), (303, Some("/staff/orders")), "{}", reply.body);
    assert_eq!(status(&pool, &pickup).await, "collected");
    // The screen confirms, and says the change to give back.
    let change = oc_pizza::domain::money::format_eur((total / 100 + 5) * 100 - total);
    let screen = counter.get("/staff/orders").await.body;
    assert!(screen.contains(&format!("Commande {pickup} : retirée. Rendu : {change}.")), "{screen}");
    // Delivery moves do not apply to a takeaway order.
    let (other, _) = place(&app, A, "takeaway", "card").await;
    tap(&cook, "kitchen", &other, "preparing", "", &[]).await;
    tap(&cook, "kitchen", &other, "ready", "", &[]).await;
    let driver = staff(&app, "driver", A).await;
    assert_eq!(tap(&driver, "delivery", &other, "out_for_delivery", "", &[]).await.status, 409);

    // Cancelled while placed: the reason is required; the stock comes back.
    let before = stock_total(&pool, A).await;
    let (early, _) = place(&app, A, "delivery", "cash").await;
    assert!(stock_total(&pool, A).await < before);
    let reply = tap(&counter, "counter", &early, "cancelled", "", &[("reason", "  ")]).await;
    assert_eq!(reply.status, 422, "a staff cancellation says why");
    assert_eq!(status(&pool, &early).await, "placed");
    let reply = tap(&counter, "counter", &early, "cancelled", "", &[("reason", "Client injoignable")]).await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    assert_eq!(stock_total(&pool, A).await, before, "cancelled from placed: every gram back");
    assert_eq!(
        journal(&pool, &early).await.last().map(String::as_str),
        Some("placed→cancelled by counter (Client injoignable)")
    );

    // Cancelled while in the oven: the stock is lost, journaled as waste.
    let before = stock_total(&pool, A).await;
    let (late, key) = place(&app, A, "delivery", "cash").await;
    let own_page = Browser::new(&app).get(&format!("/orders/{late}?key={key}")).await;
    assert!(
        own_page.body.contains("Instructions pour le livreur : code 1234"),
        "the customer sees what the driver is told"
    );
    let taken = before - stock_total(&pool, A).await;
    tap(&cook, "kitchen", &late, "preparing", "", &[]).await;
    // The customer can no longer cancel it…
    let guest = Browser::new(&app);
    let v: i64 = version(&pool, &late).await.parse().expect("version");
    let reply = guest
        .json(
            Method::POST,
            &format!("/api/v1/orders/{late}/cancel"),
            &[("X-Order-Key", &key)],
            &json!({ "version": v }),
        )
        .await;
    assert_eq!(reply.status, 409, "{}", reply.body);
    assert_eq!(reply.json()["error"], "too_late");
    // …nor can a pizzaiolo; the counter can, with a reason.
    assert_eq!(tap(&cook, "kitchen", &late, "cancelled", "", &[("reason", "four")]).await.status, 403);
    let reply = tap(&counter, "counter", &late, "cancelled", "", &[("reason", "Four en panne")]).await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    assert_eq!(before - stock_total(&pool, A).await, taken, "nothing comes back from the oven");
    let wasted = count(
        &pool,
        &format!(
            "SELECT CAST(-SUM(delta) AS BIGINT) FROM stock_movements WHERE kind = 'waste'
             AND order_id = (SELECT id FROM orders WHERE reference = '{late}')"
        ),
    )
    .await;
    assert_eq!(wasted, taken, "what the order took is journaled as waste");
    // The kitchen is told to stop: the cancelled ticket is flagged with its reason.
    let kitchen = cook.get("/kitchen").await.body;
    assert!(kitchen.contains(&late) && kitchen.contains("Annulée") && kitchen.contains("Four en panne"), "{kitchen}");

    // Today's finished orders, found from the counter screen: the collected one with its
    // payment, the cancelled ones with their reason; not the one still in progress.
    assert!(counter.get("/staff/orders").await.body.contains(r#"href="/staff/orders/done""#));
    let done = counter.get("/staff/orders/done").await;
    assert_eq!(done.status, 200);
    let row = |reference: &str| {
        let at =
            done.body.find(&format!(r#"data-reference="{reference}""#)).unwrap_or_else(|| panic!("{reference} listed"));
        done.body[at..at + done.body[at..].find("</tr>").expect("end of row")].to_string()
    };
    assert!(row(&pickup).contains("Retirée") && row(&pickup).contains("Espèces (payée)"), "{}", row(&pickup));
    assert!(row(&early).contains("Annulée : Client injoignable"));
    assert!(row(&late).contains("Annulée : Four en panne"));
    assert!(!done.body.contains(&format!(r#"data-reference="{other}""#)), "still at the counter");
    let elsewhere = staff(&app, "counter", B).await;
    assert!(!elsewhere.get("/staff/orders/done").await.body.contains(&pickup), "another pizzeria's counter");
}

async fn refusals_wrong_role_pizzeria_move_version_and_double_taps(backend: Backend) {
    let db = TestDb::new(backend).await;
    let app = TestApp::spawn_with(&db, &["--demo"], &[]).await;
    let pool = db.pool().await;
    let (reference, _) = place(&app, A, "delivery", "cash").await;
    let v = version(&pool, &reference).await;

    // Wrong role.
    let driver = staff(&app, "driver", A).await;
    assert_eq!(tap(&driver, "delivery", &reference, "preparing", &v, &[]).await.status, 403);
    assert_eq!(driver.get("/kitchen").await.status, 403, "a driver does not enter the kitchen");
    let customer = Browser::new(&app);
    customer.sign_in("client@demo.ocpizza.fr", DEMO_PASSWORD).await;
    assert_eq!(tap(&customer, "kitchen", &reference, "preparing", &v, &[]).await.status, 403);
    // Wrong pizzeria: the order does not exist for them, their screens do not show it.
    let other_cook = staff(&app, "pizzaiolo", B).await;
    assert_eq!(tap(&other_cook, "kitchen", &reference, "preparing", &v, &[]).await.status, 404);
    assert!(!other_cook.get("/kitchen").await.body.contains(&reference));
    assert_eq!(other_cook.get(&format!("/kitchen?pizzeria={A}")).await.status, 403);
    let other_driver = staff(&app, "driver", B).await;
    assert_eq!(other_driver.get(&format!("/delivery/queue?pizzeria={A}")).await.status, 403);
    // Invalid move (skips a step) and unknown move.
    let cook = staff(&app, "pizzaiolo", A).await;
    let reply = tap(&cook, "kitchen", &reference, "ready", &v, &[]).await;
    assert_eq!(reply.status, 409);
    assert!(reply.body.contains("Impossible de passer la commande"), "{}", reply.body);
    assert_eq!(tap(&cook, "kitchen", &reference, "baked", &v, &[]).await.status, 400);
    // No CSRF token: refused before anything happens.
    let reply =
        cook.post_raw(&format!("/staff/orders/{reference}/move"), &[("to", "preparing"), ("version", &v)], &[]).await;
    assert_eq!(reply.status, 403);
    assert_eq!(status(&pool, &reference).await, "placed");

    // Two pizzaiolos tap *Commencer* at once: one wins, the other is told.
    let second = staff(&app, "pizzaiolo", A).await;
    let (one, two) = tokio::join!(
        tap(&cook, "kitchen", &reference, "preparing", &v, &[]),
        tap(&second, "kitchen", &reference, "preparing", &v, &[])
    );
    let mut statuses = [one.status, two.status];
    statuses.sort_unstable();
    assert_eq!(statuses, [303, 409], "one succeeds, one conflicts: {} / {}", one.body, two.body);
    assert_eq!(journal(&pool, &reference).await.iter().filter(|l| l.contains("→preparing")).count(), 1);
    // A stale version is refused even for a valid move.
    assert_eq!(tap(&cook, "kitchen", &reference, "ready", &v, &[]).await.status, 409);
    assert_eq!(status(&pool, &reference).await, "preparing");
}

async fn the_api_makes_the_same_moves(backend: Backend) {
    let db = TestDb::new(backend).await;
    let app = TestApp::spawn_with(&db, &["--demo"], &[]).await;
    let pool = db.pool().await;
    let (reference, _) = place(&app, A, "delivery", "cash").await;
    let cook = staff(&app, "pizzaiolo", A).await;
    let csrf = cook.csrf().await;
    let path = format!("/api/v1/orders/{reference}/transitions");
    let headers = [("X-CSRF-Token", csrf.as_str())];

    let queue = cook.get(&format!("/api/v1/pizzerias/{A}/queues/kitchen")).await;
    assert_eq!(queue.status, 200, "{}", queue.body);
    let listed = queue.json();
    let ticket =
        listed["orders"].as_array().and_then(|o| o.iter().find(|t| t["reference"] == reference.as_str()).cloned());
    let ticket = ticket.expect("the order is in the kitchen queue");
    assert_eq!(ticket["moves"], json!(["preparing"]));
    let v = ticket["version"].as_i64().expect("version");

    let reply = cook.json(Method::POST, &path, &headers, &json!({ "to": "ready", "version": v })).await;
    assert_eq!((reply.status, reply.json()["error"].clone()), (409, json!("invalid_transition")));
    let reply = cook.json(Method::POST, &path, &headers, &json!({ "to": "preparing", "version": v - 1 })).await;
    assert_eq!((reply.status, reply.json()["error"].clone()), (409, json!("stale")));
    let reply = cook.json(Method::POST, &path, &headers, &json!({ "to": "preparing", "version": v })).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json()["status"], "preparing");
    let reply = cook.json(Method::POST, &path, &headers, &json!({ "to": "ready" })).await;
    assert_eq!(reply.status, 200, "{}", reply.body);

    // A driver through a bearer-less session; a wrong pizzeria's driver; a customer.
    let other = staff(&app, "driver", B).await;
    let other_csrf = other.csrf().await;
    let reply =
        other.json(Method::POST, &path, &[("X-CSRF-Token", &other_csrf)], &json!({ "to": "out_for_delivery" })).await;
    assert_eq!(reply.status, 404, "another pizzeria's order does not exist for them");
    assert_eq!(other.get(&format!("/api/v1/pizzerias/{A}/queues/delivery")).await.status, 403);
    assert_eq!(
        cook.get(&format!("/api/v1/pizzerias/{A}/queues/delivery")).await.status,
        403,
        "not the kitchen's queue"
    );
    let driver = staff(&app, "driver", A).await;
    let driver_csrf = driver.csrf().await;
    let dh = [("X-CSRF-Token", driver_csrf.as_str())];
    let queue = driver.get(&format!("/api/v1/pizzerias/{A}/queues/delivery")).await.json();
    assert!(queue["orders"].as_array().is_some_and(|o| o.iter().any(|t| t["reference"] == reference.as_str())));
    let reply = driver.json(Method::POST, &path, &dh, &json!({ "to": "out_for_delivery" })).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let reply = driver.json(Method::POST, &path, &dh, &json!({ "to": "delivered" })).await;
    assert_eq!((reply.status, reply.json()["error"].clone()), (422, json!("payment_required")));
    let total = count(&pool, &format!("SELECT total_ttc_cents FROM orders WHERE reference = '{reference}'")).await;
    let body = json!({ "to": "delivered", "payment": { "method": "cash", "amount_cents": total } });
    let reply = driver.json(Method::POST, &path, &dh, &body).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json()["payment_status"], "paid");
    let reply = driver.json(Method::POST, &path, &dh, &json!({ "to": "teleported" })).await;
    assert_eq!(reply.status, 422);

    let customer = Browser::new(&app);
    customer.sign_in("client@demo.ocpizza.fr", DEMO_PASSWORD).await;
    let customer_csrf = customer.csrf().await;
    let reply =
        customer.json(Method::POST, &path, &[("X-CSRF-Token", &customer_csrf)], &json!({ "to": "ready" })).await;
    assert_eq!(reply.status, 403);
    assert_eq!(customer.get(&format!("/api/v1/pizzerias/{A}/queues/kitchen")).await.status, 403);
    assert_eq!(customer.events_status(&format!("/api/v1/pizzerias/{A}/events")).await, 403);
}

async fn the_kitchen_stream_announces_orders_of_its_pizzeria_only(backend: Backend) {
    let db = TestDb::new(backend).await;
    let app = TestApp::spawn_with(&db, &["--demo"], &[]).await;
    let cook = staff(&app, "pizzaiolo", A).await;
    let mut kitchen = cook.events("/kitchen/events").await;
    let hello = kitchen.next(Duration::from_secs(10)).await.expect("a first event");
    assert_eq!(hello.name, "hello");
    let other_driver = staff(&app, "driver", B).await;
    let mut elsewhere = other_driver.events("/delivery/events").await;
    assert_eq!(elsewhere.next(Duration::from_secs(10)).await.map(|e| e.name), Some("hello".into()));

    let (reference, _) = place(&app, A, "delivery", "cash").await;
    let event = kitchen.wait_for("change", &reference, Duration::from_secs(5)).await.expect("the new order's event");
    assert!(event.data.contains(r#""kind":"placed""#), "{}", event.data);
    assert!(event.id.is_some(), "events carry an id");
    // Pizzeria B's screens hear of B's orders, and only those: the first change they get is B's.
    let (theirs, _) = place(&app, B, "delivery", "cash").await;
    let first = elsewhere.wait_for("change", "", Duration::from_secs(5)).await.expect("B's event");
    assert!(first.data.contains(&theirs) && !first.data.contains(&reference), "{}", first.data);

    // A move is announced too.
    let v = version(&db.pool().await, &reference).await;
    tap(&cook, "kitchen", &reference, "preparing", &v, &[]).await;
    let moved = kitchen.wait_for("change", &reference, Duration::from_secs(5)).await.expect("the move's event");
    assert!(moved.data.contains(r#""status":"preparing""#));

    // Streams are guarded like pages.
    assert_eq!(other_driver.events_status(&format!("/delivery/events?pizzeria={A}")).await, 403);
    assert_eq!(Browser::new(&app).events_status("/kitchen/events").await, 303, "sign in first");
    // The customer's page follows its own order.
    let guest = Browser::new(&app);
    let (mine, key) = place(&app, A, "takeaway", "cash").await;
    let mut tracking = guest.events(&format!("/orders/{mine}/events?key={key}")).await;
    assert_eq!(tracking.next(Duration::from_secs(10)).await.map(|e| e.name), Some("hello".into()));
    tap(&cook, "kitchen", &mine, "preparing", "", &[]).await;
    assert!(tracking.wait_for("change", &mine, Duration::from_secs(5)).await.is_some());
    assert_eq!(guest.events_status(&format!("/orders/{mine}/events?key=wrong")).await, 404);
}

both_backends!(
    a_delivery_goes_from_the_kitchen_to_the_door,
    takeaway_pickup_and_cancellations,
    refusals_wrong_role_pizzeria_move_version_and_double_taps,
    the_api_makes_the_same_moves,
    the_kitchen_stream_announces_orders_of_its_pizzeria_only,
);

/// Two instances on one PostgreSQL database: a screen connected to the first hears of an
/// order placed on the second (LISTEN/NOTIFY).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_cross_instances_on_postgres() {
    if common::postgres_admin_url().is_none() {
        return;
    }
    let db = TestDb::new(Backend::Postgres).await;
    let first = TestApp::spawn_with(&db, &["--demo"], &[]).await;
    let second = TestApp::spawn_with(&db, &[], &[]).await;
    let cook = staff(&first, "pizzaiolo", A).await;
    let mut kitchen = cook.events("/kitchen/events").await;
    assert_eq!(kitchen.next(Duration::from_secs(10)).await.map(|e| e.name), Some("hello".into()));
    let (reference, _) = place(&second, A, "takeaway", "cash").await;
    let event = kitchen.wait_for("change", &reference, Duration::from_secs(5)).await;
    assert!(event.is_some(), "the order placed on instance 2 reaches the screen on instance 1");
    // And a move made on instance 2 too.
    let other_cook = staff(&second, "pizzaiolo", A).await;
    tap(&other_cook, "kitchen", &reference, "preparing", "", &[]).await;
    let moved = kitchen.wait_for("change", r#""status":"preparing""#, Duration::from_secs(5)).await;
    assert!(moved.is_some_and(|e| e.data.contains(&reference)));
}

async fn phone_and_counter_orders(backend: Backend) {
    let db = TestDb::new(backend).await;
    let app = TestApp::spawn_with(&db, &["--demo"], &[]).await;
    let pool = db.pool().await;
    let counter = staff(&app, "counter", A).await;
    let margherita = count(&pool, "SELECT id FROM pizzas WHERE slug = 'margherita'").await;
    let quantity = format!("quantity[{margherita}]");
    let note = format!("note[{margherita}]");

    // A returning customer, found by phone (typed any way).
    let page = counter.get("/staff/orders/new?phone=0612345678").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Client trouvé") && page.body.contains("Camille Client"), "{}", page.body);
    let slot = first_slot(&page.body);
    let customer_id = count(&pool, "SELECT id FROM users WHERE email = 'client@demo.ocpizza.fr'").await.to_string();
    let orders_before = count(&pool, "SELECT COUNT(*) FROM orders").await;
    let base = |mode: &'static str| {
        vec![
            ("pizzeria", A),
            ("channel", "phone"),
            ("phone", "06 12 34 56 78"),
            ("full_name", "Camille Client"),
            ("payment", "cash"),
            ("mode", mode),
        ]
    };

    // Refusals first: nothing is written.
    let mut fields = base("delivery");
    fields.extend([("customer_id", customer_id.as_str()), (quantity.as_str(), "2"), ("when", slot.as_str())]);
    fields.extend([("street", "1 rue de Rivoli"), ("postcode", "75001"), ("city", "Paris")]);
    let reply = counter.submit("/staff/orders/new", &fields).await;
    assert_eq!(reply.status, 422);
    assert!(reply.body.contains("ne livre pas le 75001"), "{}", reply.body);
    let mut fields = base("takeaway");
    fields.extend([(quantity.as_str(), "0"), ("when", slot.as_str())]);
    let reply = counter.submit("/staff/orders/new", &fields).await;
    assert_eq!(reply.status, 422);
    assert!(reply.body.contains("La commande est vide"), "{}", reply.body);
    let mut fields: Vec<(&str, &str)> = base("takeaway").into_iter().filter(|(name, _)| *name != "phone").collect();
    fields.extend([(quantity.as_str(), "21"), ("when", slot.as_str()), ("phone", "12")]);
    let reply = counter.submit("/staff/orders/new", &fields).await;
    assert_eq!(reply.status, 422);
    assert!(
        reply.body.contains("20 pizzas identiques au plus") && reply.body.contains("10 chiffres"),
        "{}",
        reply.body
    );
    let mut fields = base("delivery");
    fields.extend([(quantity.as_str(), "1"), ("when", slot.as_str()), ("paid_now", "true")]);
    fields.extend([("street", "3 rue de Paris"), ("postcode", "92100"), ("city", "Boulogne")]);
    let reply = counter.submit("/staff/orders/new", &fields).await;
    assert_eq!(reply.status, 422, "paid now is for takeaway at the counter");
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM orders").await, orders_before);

    // Delivered to a new address, which the customer keeps.
    let mut fields = base("delivery");
    fields.extend([("customer_id", customer_id.as_str()), (quantity.as_str(), "2"), (note.as_str(), "sans basilic")]);
    fields.extend([("when", slot.as_str()), ("street", "3 rue de Paris"), ("postcode", "92100"), ("city", "Boulogne")]);
    let reply = counter.submit("/staff/orders/new", &fields).await;
    assert_eq!((reply.status, reply.redirect_path()), (303, Some("/staff/orders/new")), "{}", reply.body);
    let confirmation = counter.get("/staff/orders/new").await;
    assert!(confirmation.body.contains("enregistrée pour Camille Client"), "{}", confirmation.body);
    let row = scalar_text(
        &pool,
        "SELECT o.channel || ' ' || o.mode || ' ' || u.role || ' ' || CAST(o.customer_id AS TEXT) || ' ' || o.payment_status
         FROM orders o JOIN users u ON u.id = o.taken_by ORDER BY o.id DESC LIMIT 1",
    )
    .await;
    assert_eq!(row, Some(format!("phone delivery counter {customer_id} unpaid")));
    assert_eq!(
        count(&pool, &format!("SELECT COUNT(*) FROM addresses WHERE user_id = {customer_id} AND postcode = '92100'"))
            .await,
        1
    );
    let kitchen = staff(&app, "pizzaiolo", A).await.get("/kitchen").await.body;
    assert!(kitchen.contains("sans basilic"), "the kitchen sees the phone order");

    // A new customer at the counter, paid at once: created without a login.
    let page = counter.get("/staff/orders/new?phone=07%2000%2000%2000%2001").await;
    assert!(page.body.contains("Aucun client avec ce numéro"), "{}", page.body);
    let fields = vec![
        ("pizzeria", A),
        ("channel", "counter"),
        ("phone", "07 00 00 00 01"),
        ("full_name", "Nouveau Client"),
        ("payment", "card"),
        ("mode", "takeaway"),
        ("when", slot.as_str()),
        (quantity.as_str(), "1"),
        ("paid_now", "true"),
    ];
    let reply = counter.submit("/staff/orders/new", &fields).await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    let created = scalar_text(
        &pool,
        "SELECT role || ' ' || COALESCE(email, '-') || ' ' || COALESCE(password_hash, '-') FROM users WHERE phone = '07 00 00 00 01'",
    )
    .await;
    assert_eq!(created, Some("customer - -".into()));
    let paid = scalar_text(&pool, "SELECT channel || ' ' || payment_status FROM orders ORDER BY id DESC LIMIT 1").await;
    assert_eq!(paid, Some("counter paid".into()));
    // The same number again finds them.
    assert!(counter.get("/staff/orders/new?phone=0700000001").await.body.contains("Nouveau Client"));

    // Out of stock: refused, nothing written.
    common::execute(
        &pool,
        &format!(
            "INSERT INTO stock_movements (pizzeria_id, ingredient_id, delta, kind, note)
         SELECT pizzeria_id, ingredient_id, -quantity, 'inventory', 'test' FROM stock
         WHERE pizzeria_id = (SELECT id FROM pizzerias WHERE slug = '{A}') AND quantity > 0
           AND ingredient_id = (SELECT id FROM ingredients WHERE code = 'mozzarella')"
        ),
    )
    .await;
    common::execute(
        &pool,
        &format!(
            "UPDATE stock SET quantity = 0 WHERE pizzeria_id = (SELECT id FROM pizzerias WHERE slug = '{A}')
         AND ingredient_id = (SELECT id FROM ingredients WHERE code = 'mozzarella')"
        ),
    )
    .await;
    let before = count(&pool, "SELECT COUNT(*) FROM orders").await;
    let reply = counter.submit("/staff/orders/new", &fields).await;
    assert_eq!(reply.status, 409, "{}", reply.body);
    assert!(reply.body.contains("Margherita"), "{}", reply.body);
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM orders").await, before);

    // Other pizzerias and other roles are refused.
    let other = staff(&app, "counter", B).await;
    assert_eq!(other.submit("/staff/orders/new", &fields).await.status, 403);
    assert_eq!(other.get(&format!("/staff/orders/new?pizzeria={A}")).await.status, 403);
    assert_eq!(staff(&app, "driver", A).await.get("/staff/orders/new").await.status, 403);
    stock_total(&pool, A).await;
}

both_backends!(phone_and_counter_orders);
