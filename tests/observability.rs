//! What operators see: a request id on every answer (a trusted proxy's kept), one log line
//! per request, and `/metrics` in Prometheus' text format — counted requests, the shared
//! state read from the database, the process — readable from this machine or with the
//! configured token only.

mod common;

use std::time::Duration;

use common::{Backend, Browser, TestApp, TestDb};
use reqwest::Method;
use serde_json::json;

const TOKEN: &str = "scrape-secret-token";

fn is_generated_id(id: &str) -> bool {
    id.len() == 32 && id.chars().all(|c| c.is_ascii_hexdigit())
}

async fn request_id(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> String {
    let mut request = app.client.get(format!("{}{path}", app.address));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("request");
    response.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string()
}

/// The value of the series whose line starts with `name{` and holds every label given.
fn series(text: &str, name: &str, labels: &[&str]) -> Option<f64> {
    text.lines()
        .filter(|line| {
            line.starts_with(&format!("{name}{{")) || (labels.is_empty() && line.starts_with(&format!("{name} ")))
        })
        .find(|line| labels.iter().all(|label| line.contains(label)))
        .and_then(|line| line.rsplit(' ').next()?.parse().ok())
}

async fn operators_see_request_ids_logs_and_metrics(backend: Backend) {
    let db = TestDb::new(backend).await;
    let envs = [("OC_PIZZA_TRUSTED_PROXIES", r#"["127.0.0.1"]"#), ("OC_PIZZA_METRICS_TOKEN", TOKEN)];
    let app = TestApp::spawn_with(&db, &["--demo"], &envs).await;

    // A new id per request; a trusted proxy's plain id is kept, anything else replaced.
    let first = request_id(&app, "/pizzerias/boulogne/menu", &[]).await;
    let second = request_id(&app, "/pizzerias/boulogne/menu", &[]).await;
    assert!(is_generated_id(&first) && is_generated_id(&second) && first != second, "{first} {second}");
    assert_eq!(request_id(&app, "/", &[("X-Request-Id", "edge-7f3a.1")]).await, "edge-7f3a.1");
    let replaced = request_id(&app, "/", &[("X-Request-Id", "bad id; rm -rf")]).await;
    assert!(is_generated_id(&replaced), "{replaced}");
    assert!(is_generated_id(&request_id(&app, "/no/such/page", &[]).await), "errors carry one too");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let log = app.log();
    let line = log
        .lines()
        .find(|l| l.contains("request_id=edge-7f3a.1"))
        .unwrap_or_else(|| panic!("the request's log line:\n{log}"));
    assert!(line.contains("method=GET") && line.contains("route=/") && line.contains("status=200"), "{line}");
    assert!(line.contains("ms="), "{line}");
    let menu = log.lines().find(|l| l.contains(&first)).expect("the menu's log line");
    assert!(menu.contains("route=/pizzerias/<slug>/menu"), "the route template, not the path: {menu}");

    // An order, for the shared gauges.
    let tomorrow = chrono::Utc::now().with_timezone(&chrono_tz::Europe::Paris).date_naive() + chrono::Duration::days(1);
    let body = json!({ "pizzeria": "boulogne", "mode": "takeaway", "payment": "cash",
        "when": format!("{}T20:00", tomorrow.format("%Y-%m-%d")),
        "lines": [{ "pizza": "margherita", "quantity": 1 }],
        "contact": { "name": "Léa", "email": "lea@exemple.fr", "phone": "0611223344" } });
    assert_eq!(Browser::new(&app).json(Method::POST, "/api/v1/orders", &[], &body).await.status, 201);

    let response = app.get("/metrics").await;
    assert_eq!(response.status(), 200, "from this machine");
    let content_type = response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert!(content_type.starts_with("text/plain; version=0.0.4"), "{content_type}");
    let text = response.text().await.expect("metrics");
    let menu_route = r#"route="/pizzerias/<slug>/menu""#;
    assert!(series(&text, "oc_pizza_http_requests_total", &[menu_route, r#"status="200""#]) >= Some(2.0), "{text}");
    assert!(series(&text, "oc_pizza_http_requests_total", &[r#"route="unmatched""#, r#"status="404""#]) >= Some(1.0));
    assert!(series(&text, "oc_pizza_http_request_duration_seconds_count", &[menu_route]) >= Some(2.0));
    assert_eq!(series(&text, "oc_pizza_orders", &[r#"status="placed""#, r#"channel="web""#]), Some(1.0), "{text}");
    assert_eq!(series(&text, "oc_pizza_notifications", &[r#"status="pending""#]), Some(0.0));
    assert!(series(&text, "oc_pizza_stock_alerts", &[r#"level="low""#]).is_some());
    assert_eq!(series(&text, "oc_pizza_backup_last_success_timestamp_seconds", &[]), Some(0.0));
    assert!(series(&text, "oc_pizza_db_pool_connections", &[r#"state="open""#]) >= Some(1.0));
    assert!(series(&text, "oc_pizza_process_resident_memory_bytes", &[]) > Some(1_000_000.0), "{text}");
    assert!(series(&text, "oc_pizza_process_open_fds", &[]) > Some(0.0));
    assert!(series(&text, "oc_pizza_process_start_time_seconds", &[]) > Some(1.7e9));
    promtool_accepts(&text);

    // From elsewhere (the proxy names another client): the token or nothing.
    let elsewhere = [("X-Real-IP", "203.0.113.7")];
    let status = |headers: Vec<(&'static str, String)>| {
        let request = app.client.get(format!("{}/metrics", app.address));
        let request = headers.into_iter().fold(request, |r, (k, v)| r.header(k, v));
        async move { request.send().await.expect("metrics").status().as_u16() }
    };
    let mut headers: Vec<(&str, String)> = elsewhere.iter().map(|(k, v)| (*k, v.to_string())).collect();
    assert_eq!(status(headers.clone()).await, 403);
    headers.push(("Authorization", "Bearer not-the-token".into()));
    assert_eq!(status(headers.clone()).await, 403);
    headers.pop();
    headers.push(("Authorization", format!("Bearer {TOKEN}")));
    assert_eq!(status(headers).await, 200);
}

/// `promtool check metrics` (Debian's `prometheus` package) accepts the exposition; said
/// and skipped where it is not installed, a failure in CI.
fn promtool_accepts(text: &str) {
    use std::io::Write;
    let Ok(mut child) = std::process::Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
    else {
        let message = "promtool check skipped: install Debian's prometheus package (.ci/run does)";
        assert!(std::env::var("CI").as_deref() != Ok("true"), "{message}");
        eprintln!("{message}");
        return;
    };
    child.stdin.take().expect("stdin").write_all(text.as_bytes()).expect("write to promtool");
    let output = child.wait_with_output().expect("promtool");
    assert!(
        output.status.success(),
        "promtool check metrics: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// `OC_PIZZA_LOG_FORMAT=json`: every line a JSON object, the request's fields included.
async fn logs_can_be_json_lines(backend: Backend) {
    let db = TestDb::new(backend).await;
    let app = TestApp::spawn_with(&db, &[], &[("OC_PIZZA_LOG_FORMAT", "json")]).await;
    assert_eq!(request_id(&app, "/pizzerias/boulogne/menu", &[("X-Request-Id", "json-1")]).await.len(), 32);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let log = app.log();
    let lines: Vec<serde_json::Value> = log
        .lines()
        .filter(|line| line.starts_with('{'))
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect();
    assert!(lines.len() >= 3, "{log}");
    let request = lines
        .iter()
        .find(|line| line["route"] == "/pizzerias/<slug>/menu")
        .unwrap_or_else(|| panic!("the request's line: {log}"));
    assert_eq!((request["method"].as_str(), request["status"].as_u64()), (Some("GET"), Some(200)));
    assert_eq!(request["target"], "oc_pizza::http");
    assert!(request["request_id"].as_str().is_some_and(|id| id.len() == 32), "an untrusted proxy's id is not kept");
}

/// Under systemd (`Type=notify`, `WatchdogSec=`): READY=1 once serving, keep-alives at half
/// the watchdog period, STOPPING=1 on SIGTERM, then a clean exit.
async fn systemd_hears_ready_keepalives_and_stopping(backend: Backend) {
    let db = TestDb::new(backend).await;
    let path = db.data_dir().join("notify.sock");
    let socket = tokio::net::UnixDatagram::bind(&path).expect("a notify socket");
    let path = path.to_string_lossy().to_string();
    let mut app = TestApp::spawn_with(&db, &[], &[("NOTIFY_SOCKET", &path), ("WATCHDOG_USEC", "400000")]).await;
    let mut received = Vec::new();
    let next = || {
        let socket = &socket;
        async move {
            let mut buffer = [0u8; 512];
            let read = tokio::time::timeout(Duration::from_secs(10), socket.recv(&mut buffer)).await;
            let read = read.expect("a notification within 10 s").expect("read the notify socket");
            String::from_utf8_lossy(&buffer[..read]).trim().to_string()
        }
    };
    while received.iter().filter(|m| *m == "WATCHDOG=1").count() < 3 {
        received.push(next().await);
    }
    assert_eq!(received.first().map(String::as_str), Some("READY=1"), "{received:?}");
    assert_eq!(app.get_text("/healthz").await.0, 200, "ready means serving");

    let sent = std::process::Command::new("kill").args(["-TERM", &app.pid().to_string()]).status();
    assert!(sent.is_ok_and(|s| s.success()));
    let mut stopping = false;
    for _ in 0..20 {
        if next().await == "STOPPING=1" {
            stopping = true;
            break;
        }
    }
    assert!(stopping, "STOPPING=1 on SIGTERM");
    let status = app.exit_within(Duration::from_secs(15)).expect("the process ends after SIGTERM");
    assert!(status.success(), "a clean exit: {status}\n{}", app.log());
}

/// Errors reach Sentry (here a stand-in on loopback that the real client posts to) with the
/// route, method, request id and role — and nothing personal: no e-mail, cookie or password.
async fn server_errors_and_failed_jobs_reach_sentry_scrubbed(backend: Backend) {
    let sentry = common::sentry::SentrySink::start().await;
    let db = TestDb::new(backend).await;
    let closed = common::notify::free_port().to_string();
    let endpoint = format!("http://127.0.0.1:{closed}");
    let envs = [
        ("OC_PIZZA_SENTRY_DSN", sentry.dsn.as_str()),
        ("OC_PIZZA_SENTRY_ENVIRONMENT", "recette"),
        // A backup to a storage that is down: a failed background job.
        ("OC_PIZZA_BACKUP_SCHEDULE", "0 0 * * *"),
        ("OC_PIZZA_BACKUP_CATCH_UP_DELAY_SECONDS", "1"),
        ("OC_PIZZA_BACKUP_ATTEMPTS", "1"),
        ("OC_PIZZA_BACKUP_STORAGE", "s3"),
        ("OC_PIZZA_BACKUP_S3_ENDPOINT", endpoint.as_str()),
        ("OC_PIZZA_BACKUP_S3_BUCKET", "b"),
        ("OC_PIZZA_BACKUP_S3_ACCESS_KEY", "AK"),
        ("OC_PIZZA_BACKUP_S3_SECRET_KEY", "storage-secret-key"),
        // A handler that panics (mounted in debug builds when asked).
        ("OC_PIZZA_TEST_PANIC_ROUTE", "1"),
    ];
    let app = TestApp::spawn_with(&db, &["--demo"], &envs).await;
    let customer = Browser::new(&app);
    customer.sign_in("client@demo.ocpizza.fr", common::DEMO_PASSWORD).await;
    let session = customer.cookie("oc_session").unwrap_or_default();
    let pool = db.pool().await;
    common::execute(&pool, "ALTER TABLE orders RENAME TO orders_gone").await;
    let reply = customer.get("/account/orders").await;
    common::execute(&pool, "ALTER TABLE orders_gone RENAME TO orders").await;
    assert_eq!(reply.status, 500, "{}", reply.body);
    let request_id = reply.headers.get("x-request-id").and_then(|v| v.to_str().ok()).expect("request id").to_string();

    let event = sentry
        .wait_for("request_id", &request_id, Duration::from_secs(10))
        .await
        .unwrap_or_else(|| panic!("the 500's event: {:?}\n{}", sentry.envelopes(), app.log()));
    assert_eq!(event["tags"]["route"], "/account/orders");
    assert_eq!(event["tags"]["method"], "GET");
    assert_eq!(event["tags"]["status"], "500");
    assert_eq!(event["tags"]["role"], "customer");
    assert_eq!(event["environment"], "recette");
    assert_eq!(event["release"], concat!("oc-pizza@", env!("CARGO_PKG_VERSION")));
    assert!(event["extra"]["error"].as_str().is_some_and(|e| e.contains("orders")), "{event}");
    // A panic in a handler: answered 500, reported once, as a panic, with the request's tags.
    let reply = customer.get("/test/panic").await;
    assert_eq!(reply.status, 500);
    let panic_id = reply.headers.get("x-request-id").and_then(|v| v.to_str().ok()).expect("request id").to_string();
    let panic = sentry.wait_for("request_id", &panic_id, Duration::from_secs(10)).await.expect("the panic's event");
    assert_eq!(panic["tags"]["route"], "/test/panic");
    assert_eq!(panic["tags"]["method"], "GET");
    assert_eq!(panic["tags"]["role"], "customer");
    let exception = &panic["exception"]["values"][0];
    assert_eq!(exception["type"], "panic", "{panic}");
    assert!(exception["value"].as_str().is_some_and(|v| v.contains("deliberate panic")), "{panic}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let about_panic = sentry.events().iter().filter(|e| e["tags"]["request_id"] == panic_id.as_str()).count();
    assert_eq!(about_panic, 1, "one report for one panic");

    let job = sentry.wait_for("job", "backup", Duration::from_secs(20)).await.expect("the failed backup's event");
    assert!(job["message"].as_str().is_some_and(|m| m.starts_with("backup failed")), "{job}");

    let everything = sentry.envelopes().join("\n");
    for secret in ["client@demo.ocpizza.fr", common::DEMO_PASSWORD, "storage-secret-key"] {
        assert!(!everything.contains(secret), "{secret} reached Sentry:\n{everything}");
    }
    assert!(session.len() > 8 && !everything.contains(&session), "the session cookie never leaves");
    pool.close().await;
}

both_backends!(
    operators_see_request_ids_logs_and_metrics,
    logs_can_be_json_lines,
    systemd_hears_ready_keepalives_and_stopping,
    server_errors_and_failed_jobs_reach_sentry_scrubbed
);
