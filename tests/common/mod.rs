//! Black-box test support: a fresh database per test (a SQLite file, or a PostgreSQL
//! database created and dropped), the real `oc-pizza` binary started on a random port,
//! and an HTTP client.
#![allow(dead_code)]

pub mod notify;
pub mod openapi;
pub mod s3;
pub mod sentry;
pub mod stripe;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use oc_pizza::db::{DbPool, PoolSettings};

pub const BINARY: &str = env!("CARGO_BIN_EXE_oc-pizza");
pub const PG_URL_VARIABLE: &str = "OC_PIZZA_TEST_PG_URL";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs an async scenario once on SQLite and once on PostgreSQL, as two tests.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name($crate::common::Backend::Sqlite).await
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if $crate::common::postgres_admin_url().is_none() {
                        return;
                    }
                    super::$name($crate::common::Backend::Postgres).await
                }
            }
        )*
    };
}

/// The PostgreSQL server for tests, or `None` (with a message) when it is not configured.
/// In CI (`CI=true`) a skipped PostgreSQL test is a failure.
pub fn postgres_admin_url() -> Option<String> {
    match std::env::var(PG_URL_VARIABLE) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            if std::env::var("CI").is_ok_and(|ci| ci == "true") {
                panic!("{PG_URL_VARIABLE} is not set: PostgreSQL tests cannot be skipped in CI");
            }
            // Written to stderr directly so that the test harness does not hide it.
            let _ = writeln!(std::io::stderr(), "SKIPPED: PostgreSQL test ({PG_URL_VARIABLE} is not set)");
            None
        }
    }
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

fn unique_suffix() -> String {
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    format!("{}_{}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed), nanos % 100_000)
}

/// A database that exists for one test: a SQLite file in a temporary folder, or a
/// PostgreSQL database that is dropped when this value is.
pub struct TestDb {
    pub backend: Backend,
    pub url: String,
    pub data_dir: tempfile::TempDir,
    postgres: Option<(String, String)>, // (admin URL, database name)
}

impl TestDb {
    pub async fn new(backend: Backend) -> TestDb {
        let data_dir = tempfile::Builder::new().prefix("oc-pizza-test-").tempdir().expect("temporary folder");
        match backend {
            Backend::Sqlite => {
                let url = oc_pizza::config::sqlite_url(&data_dir.path().join("oc-pizza.db"));
                TestDb { backend, url, data_dir, postgres: None }
            }
            Backend::Postgres => {
                let admin = postgres_admin_url().expect("PostgreSQL URL");
                let name = format!("oc_pizza_test_{}", unique_suffix());
                let admin_pool = DbPool::connect(&admin, &PoolSettings { max_connections: 1, ..Default::default() })
                    .await
                    .expect("connect to the PostgreSQL test server");
                if let DbPool::Postgres(pool) = &admin_pool {
                    sqlx::query(&format!("CREATE DATABASE {name}")).execute(pool).await.expect("create database");
                }
                admin_pool.close().await;
                let url = with_database(&admin, &name);
                TestDb { backend, url, data_dir, postgres: Some((admin, name)) }
            }
        }
    }

    /// A direct connection for the test's own reads and writes.
    pub async fn pool(&self) -> DbPool {
        DbPool::connect(&self.url, &PoolSettings { max_connections: 2, ..Default::default() })
            .await
            .expect("connect to the test database")
    }

    pub fn data_dir(&self) -> &Path {
        self.data_dir.path()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some((admin, name)) = self.postgres.take() else { return };
        // Drop runs inside the test's runtime: use a thread with a runtime of its own.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            runtime.block_on(async {
                let admin_pool = DbPool::connect(&admin, &PoolSettings { max_connections: 1, ..Default::default() })
                    .await
                    .map_err(std::io::Error::other)?;
                if let DbPool::Postgres(pool) = &admin_pool {
                    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .execute(pool)
                        .await
                        .map_err(std::io::Error::other)?;
                }
                admin_pool.close().await;
                Ok::<_, std::io::Error>(())
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("warning: could not drop a PostgreSQL test database: {dropped:?}");
        }
    }
}

/// `postgres://user@host:port/old?opts` with its database replaced by `database`.
pub fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (url, String::new()),
    };
    let authority_start = base.find("://").map(|i| i + 3).unwrap_or(0);
    let path_start = base[authority_start..].find('/').map(|i| i + authority_start).unwrap_or(base.len());
    format!("{}/{}{}", &base[..path_start], database, query)
}

/// Everything that reaches the binary's environment is set here: nothing from the
/// developer's shell (DATABASE_URL, OC_PIZZA_*, ROCKET_*) leaks in.
pub fn command(db: &TestDb) -> Command {
    let mut command = Command::new(BINARY);
    for (key, _) in std::env::vars() {
        if key.starts_with("OC_PIZZA_") || key.starts_with("ROCKET_") || key == "DATABASE_URL" {
            command.env_remove(key);
        }
    }
    let config_file = db.data_dir().join("oc-pizza.toml");
    if !config_file.exists() {
        std::fs::write(&config_file, "# test configuration\n").expect("write the test config file");
    }
    command
        .current_dir(db.data_dir())
        .env("DATABASE_URL", &db.url)
        .env("OC_PIZZA_DATA_DIR", db.data_dir())
        .env("OC_PIZZA_CONFIG", &config_file)
        .env("ROCKET_ADDRESS", "127.0.0.1")
        .env("ROCKET_CLI_COLORS", "false")
        .env("ROCKET_LOG_LEVEL", "normal")
        // No nightly backup in the middle of a test (the backup tests turn it on).
        .env("OC_PIZZA_BACKUP_SCHEDULE", "off")
        // Every test's orders come from this machine, most with the same contact: the limits
        // on anonymous orders are off, as for the load tests (on by default in the binary;
        // tests/hardening.rs turns them on and checks them). Likewise most tests put many
        // orders on one evening's time at one pizzeria: capacity is off too, and
        // tests/capacity.rs turns it on and checks it.
        .env("OC_PIZZA_GUEST_ORDER_LIMITS", "false")
        .env("OC_PIZZA_CAPACITY_LIMITS", "false")
        .stdin(Stdio::null());
    command
}

/// Runs the binary to completion (for commands such as `check-config`).
pub fn run(db: &TestDb, args: &[&str], envs: &[(&str, &str)]) -> Output {
    command(db).args(args).envs(envs.iter().copied()).output().expect("run oc-pizza")
}

/// The real server, started on a random loopback port, killed when dropped.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    child: Child,
    log_path: PathBuf,
}

impl TestApp {
    pub async fn spawn(db: &TestDb) -> TestApp {
        TestApp::spawn_with(db, &[], &[]).await
    }

    pub async fn spawn_with(db: &TestDb, args: &[&str], envs: &[(&str, &str)]) -> TestApp {
        let port = free_port();
        let log_path = db.data_dir().join(format!("server-{port}.log"));
        let log = std::fs::File::create(&log_path).expect("server log file");
        let child = command(db)
            .args(args)
            .envs(envs.iter().copied())
            .env("ROCKET_PORT", port.to_string())
            .stdout(log.try_clone().expect("log file"))
            .stderr(log)
            .spawn()
            .expect("start oc-pizza");
        let mut app = TestApp {
            address: format!("http://127.0.0.1:{port}"),
            client: oc_pizza::tls::http_client().timeout(Duration::from_secs(15)).build().expect("HTTP client"),
            child,
            log_path,
        };
        app.wait_until_up().await;
        app
    }

    async fn wait_until_up(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("oc-pizza exited during start-up ({status}):\n{}", self.log());
            }
            if let Ok(response) = self.client.get(format!("{}/healthz", self.address)).send().await {
                if response.status() == 200 {
                    return;
                }
            }
            if Instant::now() > deadline {
                panic!("oc-pizza did not answer /healthz within 60 s:\n{}", self.log());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(format!("{}{}", self.address, path)).send().await.expect("HTTP request")
    }

    pub async fn get_text(&self, path: &str) -> (u16, String) {
        let response = self.get(path).await;
        let status = response.status().as_u16();
        (status, response.text().await.expect("response body"))
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// How the process ended, if it did within `within`.
    pub fn exit_within(&mut self, within: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + within;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            if Instant::now() > deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Stops the server the hard way (as a crash or a power cut would).
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A loopback port that is free now and was not handed out before in this process (the
/// kernel may give a just-released port again to a concurrent test).
pub fn free_port() -> u16 {
    static HANDED_OUT: std::sync::Mutex<Vec<u16>> = std::sync::Mutex::new(Vec::new());
    let mut handed_out = HANDED_OUT.lock().expect("port registry");
    loop {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .map(|address| address.port())
            .expect("free port");
        if !handed_out.contains(&port) {
            handed_out.push(port);
            return port;
        }
    }
}

/// Runs one statement on the test database (the test's own hand on the data).
pub async fn execute(db: &DbPool, sql: &str) -> u64 {
    oc_pizza::db_run!(db, |pool| sqlx::query(sql).execute(pool).await.expect(sql).rows_affected())
}

pub async fn count(db: &DbPool, sql: &str) -> i64 {
    oc_pizza::db_run!(db, |pool| sqlx::query_scalar::<_, i64>(sql).fetch_one(pool).await.expect(sql))
}

/// What a test reads of an answer.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub location: Option<String>,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Reply {
    /// The path a redirect points to (the host removed).
    pub fn redirect_path(&self) -> Option<&str> {
        let location = self.location.as_deref()?;
        Some(location.find("://").map_or(location, |at| {
            let rest = &location[at + 3..];
            rest.find('/').map_or("/", |slash| &rest[slash..])
        }))
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("JSON expected ({e}): {}", self.body))
    }
}

/// A browser: its own cookie jar, no automatic redirects, forms posted with the CSRF token
/// found in the last page that had one.
pub struct Browser {
    pub address: String,
    client: reqwest::Client,
    cookies: std::sync::Mutex<Vec<(String, String)>>,
    csrf: std::sync::Mutex<Option<String>>,
}

impl Browser {
    pub fn new(app: &TestApp) -> Browser {
        Browser {
            address: app.address.clone(),
            client: oc_pizza::tls::http_client()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(Duration::from_secs(30))
                .build()
                .expect("HTTP client"),
            cookies: Default::default(),
            csrf: Default::default(),
        }
    }

    /// The same browser (a copy of its cookies) speaking to another address: the events port.
    pub fn at(&self, address: &str) -> Browser {
        Browser {
            address: address.to_string(),
            client: self.client.clone(),
            cookies: std::sync::Mutex::new(self.cookies.lock().expect("jar").clone()),
            csrf: Default::default(),
        }
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies.lock().expect("jar").iter().find(|(n, _)| n == name).map(|(_, v)| v.clone())
    }

    pub fn set_cookie(&self, name: &str, value: &str) {
        let mut jar = self.cookies.lock().expect("jar");
        jar.retain(|(n, _)| n != name);
        jar.push((name.to_string(), value.to_string()));
    }

    pub fn cookie_header(&self) -> String {
        self.cookies.lock().expect("jar").iter().map(|(n, v)| format!("{n}={v}")).collect::<Vec<_>>().join("; ")
    }

    async fn read(&self, response: reqwest::Response) -> Reply {
        for value in response.headers().get_all("set-cookie") {
            let value = value.to_str().expect("cookie header");
            let (pair, attributes) = value.split_once(';').unwrap_or((value, ""));
            let (name, cookie_value) = pair.split_once('=').expect("cookie name=value");
            let removed = attributes.to_ascii_lowercase().contains("max-age=0");
            let mut jar = self.cookies.lock().expect("jar");
            jar.retain(|(n, _)| n != name.trim());
            if !removed {
                jar.push((name.trim().to_string(), cookie_value.trim().to_string()));
            }
        }
        let status = response.status().as_u16();
        let location = response.headers().get("location").map(|l| l.to_str().expect("location").to_string());
        let headers = response.headers().clone();
        let body = response.text().await.expect("body");
        if let Some(token) = csrf_in(&body) {
            *self.csrf.lock().expect("csrf") = Some(token);
        }
        Reply { status, location, headers, body }
    }

    pub async fn get(&self, path: &str) -> Reply {
        let request = self.client.get(format!("{}{path}", self.address)).header("Cookie", self.cookie_header());
        self.read(request.send().await.expect("GET")).await
    }

    /// Posts exactly these fields (no CSRF token added), with extra headers.
    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)], headers: &[(&str, &str)]) -> Reply {
        let mut request =
            self.client.post(format!("{}{path}", self.address)).header("Cookie", self.cookie_header()).form(fields);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.read(request.send().await.expect("POST")).await
    }

    /// The CSRF token of the last page seen with a form (fetching `/login` or `/account`
    /// first if none was seen yet).
    pub async fn csrf(&self) -> String {
        if let Some(token) = self.csrf.lock().expect("csrf").clone() {
            return token;
        }
        if self.cookie("oc_session").is_some() {
            if let Some(token) = csrf_in(&self.get("/account/password").await.body) {
                return token;
            }
        }
        csrf_in(&self.get("/login").await.body).expect("a CSRF token on the page")
    }

    pub fn forget_csrf(&self) {
        *self.csrf.lock().expect("csrf") = None;
    }

    /// Posts a form with the visitor's CSRF token, as a browser on our page would.
    pub async fn submit(&self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let token = self.csrf().await;
        let mut all = vec![("csrf_token", token.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, &all, &[]).await
    }

    pub async fn login(&self, email: &str, password: &str) -> Reply {
        self.forget_csrf();
        let reply = self.submit("/login", &[("email", email), ("password", password)]).await;
        self.forget_csrf();
        reply
    }

    /// Signs in and checks that it worked.
    pub async fn sign_in(&self, email: &str, password: &str) {
        let reply = self.login(email, password).await;
        assert_eq!(reply.status, 303, "login of {email} failed: {}", reply.body);
        assert!(self.cookie("oc_session").is_some(), "a session cookie after login");
    }

    /// Sends a raw body (JSON, broken UTF-8, anything) with these headers.
    pub async fn send(&self, method: reqwest::Method, path: &str, headers: &[(&str, &str)], body: Vec<u8>) -> Reply {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.address))
            .header("Cookie", self.cookie_header())
            .body(body);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.read(request.send().await.expect("request")).await
    }

    /// Sends a JSON document.
    pub async fn json(
        &self,
        method: reqwest::Method,
        path: &str,
        headers: &[(&str, &str)],
        body: &serde_json::Value,
    ) -> Reply {
        let mut all = vec![("Content-Type", "application/json")];
        all.extend_from_slice(headers);
        self.send(method, path, &all, body.to_string().into_bytes()).await
    }

    pub async fn api(&self, method: reqwest::Method, path: &str, headers: &[(&str, &str)]) -> Reply {
        let mut request =
            self.client.request(method, format!("{}{path}", self.address)).header("Cookie", self.cookie_header());
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.read(request.send().await.expect("API request")).await
    }
}

/// The first CSRF token of a page.
pub fn csrf_in(body: &str) -> Option<String> {
    let marker = r#"name="csrf_token" value=""#;
    let at = body.find(marker)? + marker.len();
    Some(body[at..at + body[at..].find('"')?].to_string())
}

pub const DEMO_PASSWORD: &str = "pizza-demo-2026";

/// The first time slot a form offers (checkout, order edit, phone order).
pub fn first_slot(page: &str) -> String {
    let marker = r#"<option value="20"#;
    let at = page.find(marker).expect("a time slot is offered") + r#"<option value=""#.len();
    page[at..at + page[at..].find('"').expect("end")].to_string()
}

pub fn demo(role: &str, pizzeria: &str) -> String {
    format!("{role}.{pizzeria}@demo.ocpizza.fr")
}

pub async fn scalar_text(db: &DbPool, sql: &str) -> Option<String> {
    oc_pizza::db_run!(db, |pool| sqlx::query_scalar::<_, Option<String>>(sql).fetch_one(pool).await.expect(sql))
}

/// Inserts a row and returns its id (`… RETURNING id`), in a committed transaction.
pub async fn insert(db: &DbPool, sql: &str) -> i64 {
    oc_pizza::db_run!(db, |pool| {
        let mut tx = pool.begin().await.expect("begin");
        let id: i64 = sqlx::query_scalar(sql).fetch_one(&mut *tx).await.expect(sql);
        tx.commit().await.expect("commit");
        id
    })
}

/// Posts a body far over the server's limit the way a client that keeps writing would,
/// reading the answer while still writing (the server answers and closes early: a client
/// that waits to finish writing sees only a broken pipe). Returns the status, if any came.
pub async fn oversized_post(
    address: &str,
    path: &str,
    content_type: &str,
    cookies: &str,
    body: Vec<u8>,
) -> Option<u16> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = address.trim_start_matches("http://");
    let stream = tokio::net::TcpStream::connect(host).await.expect("connect");
    let (mut reader, mut writer) = stream.into_split();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nCookie: {cookies}\r\n\r\n",
        body.len()
    );
    let write = tokio::spawn(async move {
        let _ = writer.write_all(head.as_bytes()).await;
        for chunk in body.chunks(64 * 1024) {
            if writer.write_all(chunk).await.is_err() {
                break;
            }
        }
    });
    let mut answer = Vec::new();
    let mut buffer = [0u8; 4096];
    while !answer.windows(4).any(|w| w == b"\r\n\r\n") {
        match tokio::time::timeout(Duration::from_secs(30), reader.read(&mut buffer)).await {
            Ok(Ok(n)) if n > 0 => answer.extend_from_slice(&buffer[..n]),
            _ => break,
        }
    }
    write.abort();
    let text = String::from_utf8_lossy(&answer);
    text.split_whitespace().nth(1).and_then(|status| status.parse().ok())
}

/// A server-sent-event stream being read, as a screen reads it.
pub struct EventReader {
    response: reqwest::Response,
    buffer: String,
}

/// One event: its `event:` name, `data:` and `id:`.
#[derive(Debug, Clone, Default)]
pub struct SseEvent {
    pub name: String,
    pub data: String,
    pub id: Option<String>,
}

impl Browser {
    /// Opens an event stream with this browser's cookies; panics unless it answers 200.
    pub async fn events(&self, path: &str) -> EventReader {
        let client = oc_pizza::tls::http_client().build().expect("HTTP client");
        let response = client
            .get(format!("{}{path}", self.address))
            .header("Cookie", self.cookie_header())
            .header("Accept", "text/event-stream")
            .send()
            .await
            .expect("event stream");
        assert_eq!(response.status().as_u16(), 200, "event stream {path}");
        EventReader { response, buffer: String::new() }
    }

    /// The status an event stream answers with (for refusals).
    pub async fn events_status(&self, path: &str) -> u16 {
        self.peek(path).await.status
    }

    /// A GET whose body is not read (an event stream): status and headers only.
    pub async fn peek(&self, path: &str) -> Reply {
        let client =
            oc_pizza::tls::http_client().redirect(reqwest::redirect::Policy::none()).build().expect("HTTP client");
        let response = client
            .get(format!("{}{path}", self.address))
            .header("Cookie", self.cookie_header())
            .send()
            .await
            .expect("GET");
        let status = response.status().as_u16();
        let location = response.headers().get("location").map(|l| l.to_str().expect("location").to_string());
        Reply { status, location, headers: response.headers().clone(), body: String::new() }
    }
}

impl EventReader {
    /// The next event (comments and heartbeats skipped), or `None` after `within`.
    pub async fn next(&mut self, within: Duration) -> Option<SseEvent> {
        let deadline = Instant::now() + within;
        loop {
            while let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let mut event = SseEvent::default();
                for line in block.lines() {
                    if let Some(value) = line.strip_prefix("event:") {
                        event.name = value.trim().to_string();
                    } else if let Some(value) = line.strip_prefix("data:") {
                        event.data.push_str(value.trim_start());
                    } else if let Some(value) = line.strip_prefix("id:") {
                        event.id = Some(value.trim().to_string());
                    }
                }
                if !event.name.is_empty() || !event.data.is_empty() {
                    return Some(event);
                }
            }
            let left = deadline.checked_duration_since(Instant::now())?;
            match tokio::time::timeout(left, self.response.chunk()).await {
                Ok(Ok(Some(chunk))) => self.buffer.push_str(&String::from_utf8_lossy(&chunk)),
                _ => return None,
            }
        }
    }

    /// Whether the server ends the stream within `within` (events meanwhile are skipped);
    /// `false` if it is still open then.
    pub async fn ended(&mut self, within: Duration) -> bool {
        let deadline = Instant::now() + within;
        loop {
            let Some(left) = deadline.checked_duration_since(Instant::now()) else { return false };
            match tokio::time::timeout(left, self.response.chunk()).await {
                Ok(Ok(Some(_))) => {}
                Ok(Ok(None)) | Ok(Err(_)) => return true,
                Err(_) => return false,
            }
        }
    }

    /// Waits for the event `name` whose data contains `needle`, skipping others.
    pub async fn wait_for(&mut self, name: &str, needle: &str, within: Duration) -> Option<SseEvent> {
        let deadline = Instant::now() + within;
        loop {
            let left = deadline.checked_duration_since(Instant::now())?;
            let event = self.next(left).await?;
            if event.name == name && event.data.contains(needle) {
                return Some(event);
            }
        }
    }
}

/// Every stock row equals the sum of its journal, and none is negative.
pub async fn assert_stock_matches_journal(pool: &DbPool) {
    let mismatches = count(
        pool,
        "SELECT COUNT(*) FROM stock s WHERE s.quantity <> (SELECT COALESCE(SUM(m.delta), 0) FROM stock_movements m
             WHERE m.pizzeria_id = s.pizzeria_id AND m.ingredient_id = s.ingredient_id)",
    )
    .await;
    assert_eq!(mismatches, 0, "stock and journal disagree");
    assert_eq!(count(pool, "SELECT COUNT(*) FROM stock WHERE quantity < 0").await, 0);
}

/// Runs the futures at once on this task and waits for all; their outputs in order.
pub async fn join_all<F: std::future::Future>(futures: impl Iterator<Item = F>) -> Vec<F::Output> {
    let mut pinned: Vec<std::pin::Pin<Box<F>>> = futures.map(Box::pin).collect();
    let mut results: Vec<Option<F::Output>> = pinned.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (future, result) in pinned.iter_mut().zip(results.iter_mut()) {
            if result.is_none() {
                match future.as_mut().poll(cx) {
                    std::task::Poll::Ready(output) => *result = Some(output),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    results.into_iter().flatten().collect()
}

/// Tomorrow at 20:00 in Paris, as order forms write it: every pizzeria of the seed is open then.
pub fn next_evening() -> String {
    let tomorrow = chrono::Utc::now().with_timezone(&chrono_tz::Europe::Paris).date_naive() + chrono::Duration::days(1);
    format!("{}T20:00", tomorrow.format("%Y-%m-%d"))
}

/// Waits until a server started by a test listens on `port` (20 s at most).
pub fn wait_for_port(port: u16, server: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "{server} did not listen on port {port}");
        std::thread::sleep(Duration::from_millis(50));
    }
}
