//! `/healthz` says the process is up; `/readyz` says the database answers.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{Backend, TestApp, TestDb};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::AbortHandle;

/// A loopback TCP relay to PostgreSQL that the test can cut (every connection dropped, the
/// port closed) and restore, to make the database unreachable without touching the server.
struct Relay {
    port: u16,
    target: String,
    tasks: Arc<Mutex<Vec<AbortHandle>>>,
}

impl Relay {
    async fn start(target: String) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("relay port");
        let port = listener.local_addr().expect("relay address").port();
        let relay = Relay { port, target, tasks: Arc::default() };
        relay.serve(listener);
        relay
    }

    fn serve(&self, listener: TcpListener) {
        let tasks = Arc::clone(&self.tasks);
        let target = self.target.clone();
        let accept = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let target = target.clone();
                let connection = tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(&target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                tasks.lock().expect("relay tasks").push(connection.abort_handle());
            }
        });
        self.tasks.lock().expect("relay tasks").push(accept.abort_handle());
    }

    fn cut(&self) {
        for task in self.tasks.lock().expect("relay tasks").drain(..) {
            task.abort();
        }
    }

    async fn restore(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match TcpListener::bind(("127.0.0.1", self.port)).await {
                Ok(listener) => return self.serve(listener),
                Err(error) if Instant::now() > deadline => panic!("cannot reopen the relay port: {error}"),
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    }
}

/// `host:port` of a `postgres://user@host:port/db` URL.
fn host_and_port(url: &str) -> String {
    let rest = &url[url.find("://").expect("URL scheme") + 3..];
    let authority = &rest[..rest.find('/').unwrap_or(rest.len())];
    let host = authority.rsplit('@').next().expect("host");
    if host.contains(':') {
        host.to_string()
    } else {
        format!("{host}:5432")
    }
}

async fn wait_for_status(app: &TestApp, path: &str, expected: u16, within: Duration) -> String {
    let deadline = Instant::now() + within;
    loop {
        let (status, body) = app.get_text(path).await;
        if status == expected {
            return body;
        }
        if Instant::now() > deadline {
            panic!("{path} still answers {status} ({body}) after {within:?}; expected {expected}\n{}", app.log());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn readiness_follows_the_database(backend: Backend) {
    let db = TestDb::new(backend).await;
    match backend {
        Backend::Sqlite => {
            let app = TestApp::spawn(&db).await;
            assert_eq!(app.get_text("/healthz").await, (200, r#"{"status":"ok"}"#.to_string()));
            assert_eq!(app.get_text("/readyz").await.0, 200);
        }
        Backend::Postgres => {
            let relay = Relay::start(host_and_port(&db.url)).await;
            let relayed_url = db.url.replacen(&host_and_port(&db.url), &format!("127.0.0.1:{}", relay.port), 1);
            let app = TestApp::spawn_with(&db, &[], &[("DATABASE_URL", &relayed_url)]).await;
            assert_eq!(app.get_text("/readyz").await.0, 200);
            assert_eq!(app.get_text("/pizzerias/boulogne/menu").await.0, 200);

            relay.cut();
            let body = wait_for_status(&app, "/readyz", 503, Duration::from_secs(20)).await;
            assert!(body.contains("unavailable"), "{body}");
            assert_eq!(app.get_text("/healthz").await.0, 200, "the process itself is still up");
            // A page that needs the database says so in French, with a 503, not a 500. (The
            // menu was cached: it is read again once the instance knows it no longer hears the
            // others' changes — as soon as its listener sees its connection gone.)
            let page = wait_for_status(&app, "/pizzerias/boulogne/menu", 503, Duration::from_secs(10)).await;
            assert!(page.contains("momentanément indisponible"), "{page}");

            relay.restore().await;
            wait_for_status(&app, "/readyz", 200, Duration::from_secs(30)).await;
            assert_eq!(app.get_text("/pizzerias/boulogne/menu").await.0, 200);
        }
    }
}

both_backends!(readiness_follows_the_database);

#[test]
fn host_and_port_of_urls() {
    assert_eq!(host_and_port("postgres://postgres@127.0.0.1/test"), "127.0.0.1:5432");
    assert_eq!(host_and_port("postgres://u:p@db.local:6543/x?sslmode=disable"), "db.local:6543");
}

/// Production PostgreSQL runs on its own server: `sslmode=require` must give encrypted
/// connections (this machine's PostgreSQL has TLS on, with a self-signed certificate).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_connections_can_be_encrypted() {
    if common::postgres_admin_url().is_none() {
        return;
    }
    let db = TestDb::new(Backend::Postgres).await;
    let encrypted_url = format!("{}{}sslmode=require", db.url, if db.url.contains('?') { '&' } else { '?' });
    let app = TestApp::spawn_with(&db, &[], &[("DATABASE_URL", &encrypted_url)]).await;
    assert_eq!(app.get_text("/readyz").await.0, 200);
    assert_eq!(app.get_text("/pizzerias/vincennes/menu").await.0, 200);

    let database = db.url.rsplit('/').next().expect("database name").split('?').next().expect("name").to_string();
    let observer_url =
        format!("{}{}sslmode=disable&application_name=observer", db.url, if db.url.contains('?') { '&' } else { '?' });
    let observer = oc_pizza::db::DbPool::connect(&observer_url, &Default::default()).await.expect("observer");
    let application_connections = |ssl: bool| {
        format!(
            "SELECT COUNT(*) FROM pg_stat_activity a JOIN pg_stat_ssl s ON s.pid = a.pid
             WHERE a.datname = '{database}' AND a.application_name <> 'observer' AND s.ssl = {ssl}"
        )
    };
    assert!(
        common::count(&observer, &application_connections(true)).await >= 1,
        "the application's connections use TLS"
    );
    assert_eq!(common::count(&observer, &application_connections(false)).await, 0, "and none is in clear text");
    observer.close().await;
}

/// Another process holds the database's write lock (SQLite: a write transaction on the file;
/// PostgreSQL: an exclusive lock on `stock`) while customers order and the pool is small:
/// every request gives up after the statement timeout (or the wait for a connection) with a
/// French 503 instead of hanging, nothing is half-written, `/healthz` keeps answering; once
/// the lock is gone, orders go through again.
async fn a_blocked_database_answers_503_and_never_hangs(backend: Backend) {
    let db = TestDb::new(backend).await;
    let databases = "{main={statement_timeout=1,connect_timeout=1,max_connections=2}}";
    let app = TestApp::spawn_with(&db, &[], &[("ROCKET_DATABASES", databases)]).await;
    let order = serde_json::json!({
        "pizzeria": "boulogne", "mode": "takeaway", "when": common::next_evening(), "payment": "cash",
        "lines": [{ "pizza": "margherita", "quantity": 1 }],
        "contact": { "name": "Léa Invitée", "email": "lea@exemple.fr", "phone": "06 11 22 33 44" },
    });
    let place = || async {
        // The client gives up after 15 s: a hang fails the test.
        let response = app.client.post(format!("{}/api/v1/orders", app.address)).json(&order).send().await;
        let response = response.expect("an answer, not a hang");
        let status = response.status().as_u16();
        (status, response.json::<serde_json::Value>().await.unwrap_or_default())
    };

    let pool = db.pool().await;
    let held = Held::take(&pool).await;
    let healthz = async { app.get_text("/healthz").await };
    let (answers, (health, _)) = tokio::join!(common::join_all((0..4).map(|_| place())), healthz);
    assert_eq!(health, 200, "the process answers while the database is blocked");
    for (status, body) in &answers {
        assert_eq!(*status, 503, "{body}\n{}", app.log());
        assert_eq!(body["error"], "unavailable", "{body}");
        assert!(body["message"].as_str().is_some_and(|m| m.contains("surchargé")), "{body}");
    }
    let (status, page) = app.get_text("/cart").await;
    assert!(status == 200 || status == 503, "{status}");
    if status == 503 {
        assert!(page.contains("momentanément indisponible"), "{page}");
    }
    held.release().await;

    assert_eq!(common::count(&pool, "SELECT COUNT(*) FROM orders").await, 0, "nothing half-written");
    common::assert_stock_matches_journal(&pool).await;
    let (status, body) = place().await;
    assert_eq!(status, 201, "the lock gone, orders go through: {body}");
    pool.close().await;
}

both_backends!(a_blocked_database_answers_503_and_never_hangs);

/// A write lock held by the test, as another process would.
enum Held {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

impl Held {
    async fn take(pool: &oc_pizza::db::DbPool) -> Held {
        match pool {
            oc_pizza::db::DbPool::Sqlite(pool) => {
                Held::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await.expect("the write lock"))
            }
            oc_pizza::db::DbPool::Postgres(pool) => {
                let mut tx = pool.begin().await.expect("begin");
                sqlx::query("LOCK TABLE stock IN ACCESS EXCLUSIVE MODE").execute(&mut *tx).await.expect("lock");
                Held::Postgres(tx)
            }
        }
    }

    async fn release(self) {
        match self {
            Held::Sqlite(tx) => tx.rollback().await.expect("release"),
            Held::Postgres(tx) => tx.rollback().await.expect("release"),
        }
    }
}
