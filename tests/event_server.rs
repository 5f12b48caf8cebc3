//! The events port (`events_port`): the same event streams as the main port, on a lean
//! server of their own, with the same rules (role, pizzeria, order key, API token), clear
//! refusals for bad requests, the open streams counted in the metrics, and a clean stop with
//! screens connected.

mod common;

use std::time::Duration;

use common::{demo, free_port, Backend, Browser, TestApp, TestDb, DEMO_PASSWORD};
use reqwest::Method;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const A: &str = "boulogne";
const B: &str = "vincennes";

/// The app with its events port: (app, the events port's base URL).
async fn spawn(db: &TestDb) -> (TestApp, String) {
    let port = free_port().to_string();
    let app = TestApp::spawn_with(db, &["--demo"], &[("OC_PIZZA_EVENTS_PORT", port.as_str())]).await;
    (app, format!("http://127.0.0.1:{port}"))
}

async fn staff(app: &TestApp, role: &str, pizzeria: &str) -> Browser {
    let browser = Browser::new(app);
    browser.sign_in(&demo(role, pizzeria), DEMO_PASSWORD).await;
    browser
}

/// A guest's takeaway order through the API: (reference, private key).
async fn place(app: &TestApp, pizzeria: &str) -> (String, String) {
    let tomorrow = chrono::Utc::now().with_timezone(&chrono_tz::Europe::Paris).date_naive() + chrono::Duration::days(1);
    let body = json!({
        "pizzeria": pizzeria, "mode": "takeaway", "when": format!("{}T20:00", tomorrow.format("%Y-%m-%d")),
        "payment": "cash", "lines": [{ "pizza": "margherita", "quantity": 1 }],
        "contact": { "name": "Léa Invitée", "email": "lea@exemple.fr", "phone": "06 11 22 33 44" },
    });
    let reply = Browser::new(app).json(Method::POST, "/api/v1/orders", &[], &body).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let order = reply.json();
    (order["reference"].as_str().expect("reference").into(), order["access_key"].as_str().expect("key").into())
}

/// Sends `request` as is and reads the answer until the server closes, or for `within`.
async fn raw(base: &str, request: &[u8], within: Duration) -> String {
    let address = base.trim_start_matches("http://");
    let mut socket = tokio::net::TcpStream::connect(address).await.expect("connect to the events port");
    socket.write_all(request).await.expect("send");
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(within, socket.read_to_end(&mut answer)).await;
    String::from_utf8_lossy(&answer).into_owned()
}

fn status_of(answer: &str) -> u16 {
    answer.split(' ').nth(1).and_then(|code| code.parse().ok()).unwrap_or(0)
}

async fn the_events_port_serves_the_screens_with_the_same_rules(backend: Backend) {
    let db = TestDb::new(backend).await;
    let (app, events) = spawn(&db).await;
    let cook = staff(&app, "pizzaiolo", A).await;
    let mut kitchen = cook.at(&events).events("/kitchen/events").await;
    assert_eq!(kitchen.next(Duration::from_secs(10)).await.map(|e| e.name), Some("hello".into()));
    let other_driver = staff(&app, "driver", B).await;
    let mut elsewhere = other_driver.at(&events).events("/delivery/events").await;
    assert_eq!(elsewhere.next(Duration::from_secs(10)).await.map(|e| e.name), Some("hello".into()));

    let (reference, key) = place(&app, A).await;
    let event = kitchen.wait_for("change", &reference, Duration::from_secs(5)).await.expect("the new order's event");
    assert!(event.data.contains(r#""kind":"placed""#), "{}", event.data);
    assert!(event.id.as_deref().is_some_and(|id| id.parse::<i64>().is_ok_and(|id| id > 0)), "{:?}", event.id);
    // Pizzeria B's driver hears of B's orders only: the first change they get is B's.
    let (theirs, _) = place(&app, B).await;
    let first = elsewhere.wait_for("change", "", Duration::from_secs(5)).await.expect("B's event");
    assert!(first.data.contains(&theirs) && !first.data.contains(&reference), "{}", first.data);

    // The customer's page follows its own order with its key.
    let guest = Browser::new(&app).at(&events);
    let mut tracking = guest.events(&format!("/orders/{reference}/events?key={key}")).await;
    assert_eq!(tracking.next(Duration::from_secs(10)).await.map(|e| e.name), Some("hello".into()));
    assert_eq!(cook.get("/kitchen").await.status, 200);
    let moved = cook
        .submit(
            &format!("/staff/orders/{reference}/move"),
            &[("to", "preparing"), ("version", ""), ("screen", "kitchen")],
        )
        .await;
    assert_eq!(moved.status, 303, "{}", moved.body);
    let change = tracking.wait_for("change", r#""status":"preparing""#, Duration::from_secs(5)).await;
    assert!(change.is_some_and(|e| e.data.contains(&reference)), "the move reaches the order's page");
    assert!(kitchen.wait_for("change", r#""status":"preparing""#, Duration::from_secs(5)).await.is_some());

    // The same refusals as on the main port.
    assert_eq!(guest.events_status(&format!("/orders/{reference}/events?key=wrong")).await, 404);
    assert_eq!(guest.events_status(&format!("/orders/{reference}/events")).await, 401, "sign in first");
    assert_eq!(other_driver.at(&events).events_status(&format!("/delivery/events?pizzeria={A}")).await, 403);
    assert_eq!(other_driver.at(&events).events_status("/kitchen/events").await, 403, "a driver in the kitchen");
    assert_eq!(Browser::new(&app).at(&events).events_status("/kitchen/events").await, 401);
    let customer = Browser::new(&app);
    customer.sign_in("client@demo.ocpizza.fr", DEMO_PASSWORD).await;
    assert_eq!(customer.at(&events).events_status("/kitchen/events").await, 403);
    assert_eq!(customer.at(&events).events_status(&format!("/api/v1/pizzerias/{A}/events")).await, 403);
    assert_eq!(customer.at(&events).events_status(&format!("/orders/{theirs}/events")).await, 404, "not theirs");
    let admin = Browser::new(&app);
    admin.sign_in("admin@demo.ocpizza.fr", DEMO_PASSWORD).await;
    assert_eq!(admin.at(&events).events_status("/kitchen/events").await, 400, "which pizzeria?");
    assert_eq!(admin.at(&events).events_status(&format!("/kitchen/events?pizzeria={B}")).await, 200);
    assert_eq!(admin.at(&events).events_status("/kitchen/events?pizzeria=atlantis").await, 404);
    // A forged or foreign session cookie opens nothing.
    let forged = Browser::new(&app).at(&events);
    forged.set_cookie("oc_session", "c2VhbGVkIGJ5IHNvbWVvbmUgZWxzZQ%3D%3D");
    assert_eq!(forged.events_status("/kitchen/events").await, 401);

    // The pizzeria's stream in the API, with a session or a token; not another pizzeria's.
    assert_eq!(cook.at(&events).events_status(&format!("/api/v1/pizzerias/{A}/events")).await, 200);
    assert_eq!(cook.at(&events).events_status(&format!("/api/v1/pizzerias/{B}/events")).await, 403);
    let manager = staff(&app, "manager", A).await;
    manager.get("/account/tokens").await;
    assert_eq!(
        manager.submit("/account/tokens", &[("name", "écran cuisine")]).await.redirect_path(),
        Some("/account/tokens")
    );
    let page = manager.get("/account/tokens").await;
    let at = page.body.find("data-token>").expect("token") + "data-token>".len();
    let token = &page.body[at..at + page.body[at..].find('<').expect("end")];
    let request =
        format!("GET /api/v1/pizzerias/{A}/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\r\n");
    let answer = raw(&events, request.as_bytes(), Duration::from_secs(2)).await;
    assert_eq!(status_of(&answer), 200, "{answer}");
    assert!(answer.contains("text/event-stream") && answer.contains("event:hello\ndata:live\n\n"), "{answer}");
    let request = format!("GET /api/v1/pizzerias/{A}/events HTTP/1.1\r\nAuthorization: Bearer revoked\r\n\r\n");
    let answer = raw(&events, request.as_bytes(), Duration::from_secs(5)).await;
    assert_eq!(status_of(&answer), 401, "{answer}");
    assert!(answer.ends_with("Jeton d'API invalide, expiré ou révoqué.\n"), "{answer}");

    // The metrics count the streams open on this instance (the four above still are).
    let (_, metrics) = app.get_text("/metrics").await;
    let open = metrics
        .lines()
        .find_map(|line| line.strip_prefix("oc_pizza_event_streams "))
        .and_then(|value| value.trim().parse::<i64>().ok());
    assert!(open.is_some_and(|open| open >= 3), "{open:?} in the metrics");
}

async fn bad_requests_get_a_clear_client_error(backend: Backend) {
    let db = TestDb::new(backend).await;
    let (_app, events) = spawn(&db).await;
    let within = Duration::from_secs(5);
    for (request, status, says) in [
        (b"GET /menu HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(), 404, "Cette page n'existe pas."),
        (b"POST /kitchen/events HTTP/1.1\r\nContent-Length: 0\r\n\r\n".to_vec(), 405, "Seule la méthode GET"),
        (b"\x16\x03\x01 not http at all\r\n\r\n".to_vec(), 400, "Requête illisible."),
        (
            [b"GET /kitchen/events HTTP/1.1\r\nCookie: ".as_slice(), &[b'a'; 9000], b"\r\n\r\n"].concat(),
            431,
            "En-têtes trop longs.",
        ),
    ] {
        let answer = raw(&events, &request, within).await;
        assert_eq!(status_of(&answer), status, "{answer}");
        let (head, body) = answer.split_once("\r\n\r\n").expect("a head and a body");
        assert!(head.contains("Content-Type: text/plain; charset=utf-8"), "{head}");
        assert!(head.contains(&format!("Content-Length: {}", body.len())), "{head}");
        assert!(body.contains(says), "{body}");
    }
    // A client that never finishes its request is dropped, not kept forever.
    let answer = raw(&events, b"GET /kitchen/events HTTP/1.1\r\n", Duration::from_secs(15)).await;
    assert_eq!(answer, "", "closed without an answer");
}

/// A stop (SIGTERM, as systemd sends) with a screen connected to the events port: the process
/// exits cleanly and in time, and the screen sees its stream end.
async fn the_server_stops_cleanly_with_screens_connected(backend: Backend) {
    let db = TestDb::new(backend).await;
    let (mut app, events) = spawn(&db).await;
    let cook = staff(&app, "pizzaiolo", A).await;
    let mut kitchen = cook.at(&events).events("/kitchen/events").await;
    assert_eq!(kitchen.next(Duration::from_secs(10)).await.map(|e| e.name), Some("hello".into()));
    let sent = std::process::Command::new("kill").args(["-TERM", &app.pid().to_string()]).status();
    assert!(sent.is_ok_and(|status| status.success()));
    let status = tokio::task::spawn_blocking(move || app.exit_within(Duration::from_secs(15)).map(|s| s.success()));
    assert_eq!(status.await.expect("waited"), Some(true), "a clean exit with a screen connected");
    assert!(kitchen.next(Duration::from_secs(5)).await.is_none(), "the stream has ended");
}

/// A stream ends when the rights of whoever opened it change, on both ports: the screen
/// reconnects and is checked again like a new one.
async fn streams_end_when_their_users_rights_change(backend: Backend) {
    let db = TestDb::new(backend).await;
    let (app, events) = spawn(&db).await;
    let within = Duration::from_secs(5);
    let cook = staff(&app, "pizzaiolo", A).await;
    let colleague = staff(&app, "manager", A).await;
    let mut on_events_port = cook.at(&events).events("/kitchen/events").await;
    let mut on_main_port = cook.events("/kitchen/events").await;
    let mut colleagues = colleague.at(&events).events("/kitchen/events").await;
    for stream in [&mut on_events_port, &mut on_main_port, &mut colleagues] {
        assert_eq!(stream.next(Duration::from_secs(10)).await.map(|e| e.name), Some("hello".into()));
    }

    // Signing out ends the pizzaiolo's streams, not their colleague's.
    let page = cook.get("/kitchen").await;
    let token = common::csrf_in(&page.body).expect("the page's token");
    assert_eq!(cook.post_raw("/logout", &[("csrf_token", &token)], &[]).await.status, 303);
    assert!(on_events_port.ended(within).await, "the events port's stream ends at logout");
    assert!(on_main_port.ended(within).await, "the main port's stream ends at logout");
    assert_eq!(cook.at(&events).events_status("/kitchen/events").await, 401, "and does not reopen");
    let (reference, _) = place(&app, A).await;
    assert!(colleagues.wait_for("change", &reference, within).await.is_some(), "the colleague's screen lives on");

    // An account disabled by its manager: its screen closes at once and stays closed.
    let driver = staff(&app, "driver", A).await;
    let mut road = driver.at(&events).events("/delivery/events").await;
    assert_eq!(road.next(Duration::from_secs(10)).await.map(|e| e.name), Some("hello".into()));
    let pool = db.pool().await;
    let id = common::count(&pool, &format!("SELECT id FROM users WHERE email = '{}'", demo("driver", A))).await;
    colleague.get(&format!("/manage/users/{id}")).await;
    assert_eq!(colleague.submit(&format!("/manage/users/{id}/disable"), &[]).await.status, 303);
    assert!(road.ended(within).await, "the disabled driver's stream ends");
    assert_eq!(driver.at(&events).events_status("/delivery/events").await, 401);
    assert!(!colleagues.ended(Duration::from_millis(500)).await, "other users' streams stay open");
}

both_backends!(
    the_events_port_serves_the_screens_with_the_same_rules,
    streams_end_when_their_users_rights_change,
    bad_requests_get_a_clear_client_error,
    the_server_stops_cleanly_with_screens_connected,
);

/// The production layout across instances: a screen on instance 1's events port hears of an
/// order placed on instance 2 (PostgreSQL LISTEN/NOTIFY feeds every instance's bus).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_events_port_hears_other_instances_on_postgres() {
    if common::postgres_admin_url().is_none() {
        return;
    }
    let db = TestDb::new(Backend::Postgres).await;
    let (first, events) = spawn(&db).await;
    let second = TestApp::spawn_with(&db, &[], &[]).await;
    let cook = staff(&first, "pizzaiolo", A).await;
    let mut kitchen = cook.at(&events).events("/kitchen/events").await;
    assert_eq!(kitchen.next(Duration::from_secs(10)).await.map(|e| e.name), Some("hello".into()));
    let (reference, _) = place(&second, A).await;
    let event = kitchen.wait_for("change", &reference, Duration::from_secs(5)).await;
    assert!(event.is_some(), "the order placed on instance 2 reaches the events port of instance 1");
}
