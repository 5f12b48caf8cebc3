//! A real browser (Debian's headless chromium, driven through chromedriver): a customer
//! orders from the menu; the pizzaiolo's kitchen screen, open all along, shows the ticket
//! without a reload; the recipe memo opens from the ticket; the order is started and
//! marked ready. Screenshots of the kitchen, delivery, counter and phone-order screens,
//! and of the manager's stock page and dashboard, at tablet, phone and PC sizes go to
//! `target/screenshots/`. A live screen keeps what a person is typing when the queue
//! changes under them. Every page each role can reach, followed link by link, opens
//! without an error, a console error or a serious accessibility violation (axe-core).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{demo, scalar_text, Backend, TestApp, TestDb, DEMO_PASSWORD};
use fantoccini::{Client, ClientBuilder, Locator};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const A: &str = "boulogne";

/// chromedriver on a loopback port, stopped when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// chromedriver, or `None` (said, and a failure in CI) when chromium is not installed.
async fn driver() -> Option<Driver> {
    if !Path::new(CHROMIUM).exists() || !Path::new(CHROMEDRIVER).exists() {
        let message = "browser test skipped: install Debian's chromium and chromium-driver (.ci/run does)";
        assert!(std::env::var("CI").as_deref() != Ok("true"), "{message}");
        eprintln!("{message}");
        return None;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port();
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .arg("--allowed-ips=127.0.0.1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let driver = Driver { child, url: format!("http://127.0.0.1:{port}") };
    let deadline = Instant::now() + Duration::from_secs(20);
    let probe = oc_pizza::tls::http_client().build().expect("HTTP client");
    while probe.get(format!("{}/status", driver.url)).send().await.is_err() {
        assert!(Instant::now() < deadline, "chromedriver did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Some(driver)
}

/// A headless chromium window of this size, with its own profile (cookies). Narrower than
/// a desktop window can be, it is a phone (device emulation).
async fn window(driver: &Driver, width: u32, height: u32) -> Client {
    let mut options = serde_json::json!({
        "binary": CHROMIUM,
        "args": ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 format!("--window-size={width},{height}"), "--lang=fr-FR"],
    });
    if width < 600 {
        options["mobileEmulation"] = serde_json::json!({ "deviceMetrics": { "width": width, "height": height, "pixelRatio": 1.0, "touch": true } });
    }
    let mut capabilities = serde_json::Map::new();
    capabilities.insert("goog:chromeOptions".into(), options);
    // What the page logs, for the crawl's console check.
    capabilities.insert("goog:loggingPrefs".into(), serde_json::json!({ "browser": "ALL" }));
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector).capabilities(capabilities).connect(&driver.url).await.expect("a browser session")
}

fn screenshots_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target").join("screenshots");
    std::fs::create_dir_all(&dir).expect("target/screenshots");
    dir
}

async fn screenshot(client: &Client, name: &str) {
    let png = client.screenshot().await.expect("screenshot");
    assert!(png.starts_with(b"\x89PNG"), "a PNG");
    std::fs::write(screenshots_dir().join(format!("{name}.png")), png).expect("write screenshot");
}

async fn sign_in(client: &Client, app: &TestApp, email: &str) {
    client.goto(&format!("{}/login", app.address)).await.expect("login page");
    client.find(Locator::Css("#champ-email")).await.expect("e-mail field").send_keys(email).await.expect("type");
    client
        .find(Locator::Css("#champ-password"))
        .await
        .expect("password field")
        .send_keys(DEMO_PASSWORD)
        .await
        .expect("type");
    client.find(Locator::Css("main form button[type=submit]")).await.expect("button").click().await.expect("submit");
    wait_until(client, "signed in", |url| !url.contains("/login")).await;
}

async fn wait_until(client: &Client, what: &str, done: impl Fn(&str) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let url = client.current_url().await.expect("url").to_string();
        if done(&url) {
            return;
        }
        assert!(Instant::now() < deadline, "{what}: still at {url}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Opens a live screen and waits until it is connected and has re-read its queue.
async fn open_live(client: &Client, url: &str) {
    client.goto(url).await.expect("screen");
    client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("#live-state[data-state=live]"))
        .await
        .expect("the screen says it is live");
    tokio::time::sleep(Duration::from_millis(300)).await;
}

/// A guest's delivery order through the API: (reference, key).
async fn common_order(app: &TestApp) -> (String, String) {
    let tomorrow = chrono::Utc::now().with_timezone(&chrono_tz::Europe::Paris).date_naive() + chrono::Duration::days(1);
    let body = serde_json::json!({
        "pizzeria": A, "mode": "delivery", "when": format!("{}T20:00", tomorrow.format("%Y-%m-%d")), "payment": "cash",
        "lines": [{ "pizza": "reine", "quantity": 2, "note": "coupée en 8" }],
        "address": { "street": "3 rue de Paris", "postcode": "92100", "city": "Boulogne-Billancourt", "instructions": "2e étage" },
        "contact": { "name": "Léa Invitée", "email": "lea@exemple.fr", "phone": "06 11 22 33 44" },
    });
    let reply = common::Browser::new(app).json(reqwest::Method::POST, "/api/v1/orders", &[], &body).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let order = reply.json();
    (order["reference"].as_str().expect("reference").into(), order["access_key"].as_str().expect("key").into())
}

async fn ordered_from_the_menu_seen_live_in_the_kitchen(backend: Backend) {
    let Some(driver) = driver().await else { return };
    let db = TestDb::new(backend).await;
    let app = TestApp::spawn_with(&db, &["--demo"], &[]).await;
    let pool = db.pool().await;
    let suffix = format!("{backend:?}").to_lowercase();

    // The pizzaiolo's tablet shows the kitchen, live, before the order exists.
    let tablet = window(&driver, 1280, 800).await;
    sign_in(&tablet, &app, &demo("pizzaiolo", A)).await;
    open_live(&tablet, &format!("{}/kitchen", app.address)).await;
    // A marker that a reload would wipe out.
    tablet.execute("window.stillTheSamePage = true;", vec![]).await.expect("marker");

    // The customer orders from the menu.
    let customer = window(&driver, 1280, 900).await;
    sign_in(&customer, &app, "client@demo.ocpizza.fr").await;
    customer.goto(&format!("{}/pizzerias/{A}/menu", app.address)).await.expect("menu");
    let note = customer.find(Locator::Css("#note-margherita")).await.expect("note field");
    note.send_keys("bien cuite").await.expect("type");
    customer
        .find(Locator::XPath("//input[@value='margherita']/ancestor::form//button"))
        .await
        .expect("add to cart")
        .click()
        .await
        .expect("click");
    // Back on the menu, which says the pizza is in the cart.
    customer
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::XPath("//*[contains(text(), 'ajoutée(s) au panier')]"))
        .await
        .expect("the cart took the pizza");
    customer.goto(&format!("{}/checkout", app.address)).await.expect("checkout");
    customer.find(Locator::Css("#mode-takeaway")).await.expect("takeaway").click().await.expect("click");
    customer
        .find(Locator::Css("form[action='/checkout'] button[type=submit]"))
        .await
        .expect("order button")
        .click()
        .await
        .expect("order");
    wait_until(&customer, "the order's page", |url| url.contains("/orders/OC-")).await;
    let url = customer.current_url().await.expect("url");
    let reference = url.path().trim_start_matches("/orders/").to_string();

    // The ticket appears on the tablet without a reload.
    let ticket = tablet
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Id(&format!("ticket-{reference}")))
        .await
        .expect("the ticket appears live");
    assert!(ticket.text().await.expect("text").contains("bien cuite"));
    let same_page = tablet.execute("return window.stillTheSamePage === true;", vec![]).await.expect("marker");
    assert_eq!(same_page, serde_json::json!(true), "the screen was not reloaded");
    screenshot(&tablet, &format!("kitchen-tablet-1280x800-{suffix}")).await;

    // The recipe memo, from the ticket's line.
    ticket.find(Locator::Css("a.line-link")).await.expect("line").click().await.expect("open recipe");
    wait_until(&tablet, "the recipe memo", |url| url.ends_with("/kitchen/recipes/margherita")).await;
    let memo = tablet.find(Locator::Css("main")).await.expect("memo").text().await.expect("text");
    assert!(memo.contains("Margherita") && memo.contains("Ingrédients") && memo.contains("Allergènes"), "{memo}");
    screenshot(&tablet, &format!("recipe-tablet-1280x800-{suffix}")).await;

    // Started, then ready.
    for (label, expected) in [("Commencer", "preparing"), ("Prête", "ready")] {
        open_live(&tablet, &format!("{}/kitchen", app.address)).await;
        let button = format!("//article[@id='ticket-{reference}']//button[normalize-space()='{label}']");
        tablet.find(Locator::XPath(&button)).await.expect(label).click().await.expect("tap");
        // The tap posts a form: wait for its answer to be written.
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let status =
                scalar_text(&pool, &format!("SELECT status FROM orders WHERE reference = '{reference}'")).await;
            if status.as_deref() == Some(expected) {
                break;
            }
            assert!(Instant::now() < deadline, "{label}: the order is still {status:?}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    // The customer's page shows it (it follows the order live too).
    customer.refresh().await.expect("refresh");
    let state = customer.find(Locator::Css("[data-status]")).await.expect("status").text().await.expect("text");
    assert_eq!(state, "Prête");

    // The other screens, at their devices' sizes, with a delivery ready to take.
    let (delivery, _) = common_order(&app).await;
    let cook = common::Browser::new(&app);
    cook.sign_in(&demo("pizzaiolo", A), DEMO_PASSWORD).await;
    for to in ["preparing", "ready"] {
        let reply = cook.submit(&format!("/staff/orders/{delivery}/move"), &[("to", to), ("screen", "kitchen")]).await;
        assert_eq!(reply.status, 303, "{}", reply.body);
    }
    let phone = window(&driver, 390, 844).await;
    sign_in(&phone, &app, &demo("driver", A)).await;
    phone.goto(&format!("{}/delivery", app.address)).await.expect("delivery");
    phone.find(Locator::Id(&format!("ticket-{delivery}"))).await.expect("the delivery is listed");
    screenshot(&phone, &format!("delivery-phone-390x844-{suffix}")).await;
    let pc = window(&driver, 1366, 900).await;
    sign_in(&pc, &app, &demo("counter", A)).await;
    pc.goto(&format!("{}/staff/orders/new?phone=0612345678", app.address)).await.expect("phone order");
    // The running total follows the quantities typed.
    let quantity = pc.find(Locator::Css("input[data-price-cents]")).await.expect("a pizza's quantity");
    let price: i64 =
        quantity.attr("data-price-cents").await.expect("attr").and_then(|p| p.parse().ok()).expect("price");
    quantity.clear().await.expect("clear");
    quantity.send_keys("3").await.expect("type");
    let total = pc.find(Locator::Id("running-total")).await.expect("running total").text().await.expect("text");
    // WebDriver's text reads the page's no-break space as a space.
    let expected = format!("{},{:02} €", price * 3 / 100, price * 3 % 100);
    assert_eq!(total, expected, "3 × {price} cents");
    screenshot(&pc, &format!("phone-order-pc-1366x900-{suffix}")).await;
    pc.goto(&format!("{}/staff/orders", app.address)).await.expect("counter");
    screenshot(&pc, &format!("counter-pc-1366x900-{suffix}")).await;

    // The manager's stock page, on the office PC and on the tablet.
    let office = window(&driver, 1366, 900).await;
    sign_in(&office, &app, &demo("manager", A)).await;
    office.goto(&format!("{}/manage/stock", app.address)).await.expect("stock");
    screenshot(&office, &format!("stock-pc-1366x900-{suffix}")).await;
    office.set_window_size(1280, 800).await.expect("tablet size");
    office.refresh().await.expect("refresh");
    screenshot(&office, &format!("stock-tablet-1280x800-{suffix}")).await;

    office.goto(&format!("{}/manage/dashboard", app.address)).await.expect("dashboard");
    screenshot(&office, &format!("dashboard-tablet-1280x800-{suffix}")).await;
    office.set_window_size(1366, 900).await.expect("PC size");
    office.refresh().await.expect("refresh");
    screenshot(&office, &format!("dashboard-pc-1366x900-{suffix}")).await;

    for client in [tablet, customer, phone, pc, office] {
        client.close().await.expect("close the browser");
    }
}

both_backends!(ordered_from_the_menu_seen_live_in_the_kitchen);

/// The counter screen is live: a new order arriving while the cashier types a cancellation
/// reason leaves the panel open, the text and the focus where they were; the new ticket is
/// listed; the reason, finished, cancels the order.
async fn typing_on_a_live_screen_survives_a_new_order(backend: Backend) {
    let Some(driver) = driver().await else { return };
    let db = TestDb::new(backend).await;
    let app = TestApp::spawn_with(&db, &["--demo"], &[]).await;
    let pool = db.pool().await;
    let (first, _) = common_order(&app).await;
    let counter = window(&driver, 1280, 800).await;
    sign_in(&counter, &app, &demo("counter", A)).await;
    open_live(&counter, &format!("{}/staff/orders", app.address)).await;
    counter.execute("window.stillTheSamePage = true;", vec![]).await.expect("marker");

    let panel = format!("#ticket-{first} details.cancel");
    counter.find(Locator::Css(&format!("{panel} summary"))).await.expect("Annuler…").click().await.expect("open");
    let reason = counter.find(Locator::Css(&format!("{panel} input[name=reason]"))).await.expect("reason field");
    reason.click().await.expect("focus");
    reason.send_keys("Le client a rap").await.expect("type");

    // A new order arrives and is listed live.
    let (second, _) = common_order(&app).await;
    counter
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Id(&format!("ticket-{second}")))
        .await
        .expect("the new order appears live");
    let state = counter
        .execute(
            "var panel = document.querySelector(arguments[0]);
             var field = panel && panel.querySelector('input[name=reason]');
             return [!!(panel && panel.open), field ? field.value : null, document.activeElement === field,
                     window.stillTheSamePage === true];",
            vec![serde_json::json!(panel)],
        )
        .await
        .expect("state");
    assert_eq!(state, serde_json::json!([true, "Le client a rap", true, true]), "open, typed, focused, not reloaded");

    // The cashier finishes the reason and cancels.
    reason.send_keys("pelé").await.expect("type on");
    counter
        .find(Locator::Css(&format!("{panel} button[type=submit]")))
        .await
        .expect("cancel button")
        .click()
        .await
        .expect("cancel");
    let deadline = Instant::now() + Duration::from_secs(10);
    let query = format!(
        "SELECT COUNT(*) FROM orders WHERE reference = '{first}' AND status = 'cancelled'
           AND cancel_reason = 'Le client a rappelé'"
    );
    while common::count(&pool, &query).await != 1 {
        assert!(Instant::now() < deadline, "the order was not cancelled with the typed reason");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    counter.close().await.expect("close the browser");
    pool.close().await;
}

both_backends!(typing_on_a_live_screen_survives_a_new_order);

/// The payment page in a real browser: Stripe.js (localstripe's stand-in, on loopback) loads
/// under the page's own content security policy and the card form mounts; the order's page,
/// open on the return from Stripe, says the payment is being confirmed and turns to *payée*
/// by itself when the signed webhook arrives.
async fn the_payment_page_loads_stripe_and_the_return_page_follows_the_webhook(backend: Backend) {
    let Some(driver) = driver().await else { return };
    let Some(localstripe) = common::stripe::LocalStripe::start() else { return };
    let db = TestDb::new(backend).await;
    let js = format!("{}/js.stripe.com/v3/", localstripe.url);
    let envs = [
        ("OC_PIZZA_STRIPE_API_URL", localstripe.url.as_str()),
        ("OC_PIZZA_STRIPE_JS_URL", js.as_str()),
        ("OC_PIZZA_STRIPE_SECRET_KEY", common::stripe::SECRET_KEY),
        ("OC_PIZZA_STRIPE_PUBLISHABLE_KEY", "pk_test_ocpizza"),
        ("OC_PIZZA_STRIPE_WEBHOOK_SECRET", "whsec_browser"),
    ];
    let app = TestApp::spawn_with(&db, &["--demo"], &envs).await;
    localstripe.register_webhook(&format!("{}/payments/stripe/webhook", app.address), "whsec_browser").await;
    let pool = db.pool().await;
    let body = serde_json::json!({
        "pizzeria": A, "mode": "takeaway", "when": common::next_evening(), "payment": "online",
        "lines": [{ "pizza": "reine", "quantity": 1 }],
        "contact": { "name": "Léa Invitée", "email": "lea@exemple.fr", "phone": "06 11 22 33 44" },
    });
    let reply = common::Browser::new(&app).json(reqwest::Method::POST, "/api/v1/orders", &[], &body).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let order = reply.json();
    let (reference, key) =
        (order["reference"].as_str().expect("reference"), order["access_key"].as_str().expect("key"));
    let intent = order["payment"]["intent"].as_str().expect("intent").to_string();

    let phone = window(&driver, 400, 800).await;
    phone.goto(&format!("{}/orders/{reference}/pay?key={key}", app.address)).await.expect("payment page");
    // localstripe's card form is drawn by its script: it ran, under our policy.
    phone
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("#payment-element input"))
        .await
        .expect("Stripe.js mounted its card form");
    let enabled = phone.execute("return !document.getElementById('payment-submit').disabled;", vec![]).await;
    assert_eq!(enabled.expect("script"), serde_json::json!(true), "pay.js enabled the button");
    screenshot(&phone, &format!("payment-phone-{}", format!("{backend:?}").to_lowercase())).await;

    open_live(&phone, &format!("{}/orders/{reference}?key={key}&payment=return", app.address)).await;
    let page = phone.source().await.expect("page");
    assert!(page.contains("Paiement en cours de confirmation"), "{page}");
    localstripe.pay(&intent).await;
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        // The page may be between two renderings (it re-reads itself live): not there yet.
        let shown = match phone.find(Locator::Css("[data-payment]")).await {
            Ok(element) => element.text().await.ok(),
            Err(_) => None,
        };
        if shown.as_deref() == Some("payée") {
            break;
        }
        assert!(Instant::now() < deadline, "the page did not follow the payment: {shown:?}\n{}", app.log());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let paid = format!("SELECT payment_status FROM orders WHERE reference = '{reference}'");
    assert_eq!(scalar_text(&pool, &paid).await.as_deref(), Some("paid"));
    phone.close().await.expect("close");
    pool.close().await;
}

both_backends!(the_payment_page_loads_stripe_and_the_return_page_follows_the_webhook);

/// axe-core 4.10.3 from the npm registry (`.ci/run` fetches it and checks its SHA-512), or
/// `None` (said; a failure in CI).
fn axe_script() -> Option<String> {
    let path = std::env::var("OC_PIZZA_AXE_JS").map(PathBuf::from).unwrap_or_else(|_| {
        let home = std::env::var("HOME").unwrap_or_default();
        Path::new(&home).join(".cache/oc-pizza/axe-core-4.10.3.min.js")
    });
    match std::fs::read_to_string(&path) {
        Ok(script) => Some(script),
        Err(_) => {
            let message = format!("crawl skipped: no axe-core at {} (.ci/run fetches it)", path.display());
            assert!(std::env::var("CI").as_deref() != Ok("true"), "{message}");
            eprintln!("{message}");
            None
        }
    }
}

/// What chromium logged as an error since the last call (JavaScript errors, failed loads,
/// refused by the content security policy), read from chromedriver's log endpoint.
async fn console_errors(client: &Client, driver: &Driver) -> Vec<String> {
    let session = client.session_id().await.expect("session").expect("a session id");
    let reply = oc_pizza::tls::http_client()
        .build()
        .expect("HTTP client")
        .post(format!("{}/session/{session}/se/log", driver.url))
        .header("Content-Type", "application/json")
        .body(r#"{"type":"browser"}"#)
        .send()
        .await
        .expect("chromedriver's log");
    let log: serde_json::Value = serde_json::from_str(&reply.text().await.expect("a log")).expect("a JSON log");
    log["value"]
        .as_array()
        .map(|entries| {
            entries
                .iter()
                .filter(|e| e["level"] == "SEVERE")
                .map(|e| e["message"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// Whether a link found on a page is one to follow: our own page, not an event stream, a
/// download, the API or an asset.
fn worth_following(url: &url::Url, origin: &url::Url) -> bool {
    let path = url.path();
    url.origin() == origin.origin()
        && !path.ends_with("/events")
        && !path.ends_with(".csv")
        && !path.contains("/download")
        && !path.starts_with("/api/")
        && !path.starts_with("/assets/")
        && !path.starts_with("/metrics")
        && !path.starts_with("/health")
}

/// A page kind, so that the crawl sees a few of each (one recipe memo is like another).
fn page_kind(url: &url::Url) -> String {
    let segments: Vec<&str> = url.path().split('/').filter(|s| !s.is_empty()).take(2).collect();
    segments.join("/")
}

/// Follows every link `who` can reach from `start` (a few pages of each kind), and on each
/// page checks: no error page, no sign-in asked, no console error, no serious or critical
/// axe-core violation. Returns the pages seen and the problems found.
/// The pages the crawl photographs on a phone (`target/screenshots/`): the customer's cart,
/// an order's page, the manager's dashboard.
fn photographed(path: &str) -> Option<&'static str> {
    match path {
        "/cart" => Some("cart"),
        "/manage/dashboard" => Some("dashboard"),
        path if path.starts_with("/orders/OC-") && !path.ends_with("/edit") => Some("order"),
        _ => None,
    }
}

async fn crawl(
    client: &Client,
    driver: &Driver,
    axe: &str,
    who: &str,
    start: &[String],
    photos: Option<&str>,
) -> (Vec<String>, Vec<String>) {
    const PAGES_AT_MOST: usize = 40;
    const OF_A_KIND: usize = 3;
    let origin = url::Url::parse(&start[0]).expect("a start URL");
    let mut queue: std::collections::VecDeque<url::Url> =
        start.iter().map(|s| url::Url::parse(s).expect("a URL")).collect();
    let mut seen: std::collections::HashSet<String> = queue.iter().map(|u| u.to_string()).collect();
    let mut kinds: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let (mut visited, mut problems) = (Vec::new(), Vec::new());
    let check_axe = format!(
        "{axe}\n;const done = arguments[arguments.length - 1];
         axe.run(document, {{ resultTypes: ['violations'] }}).then(r => done(r.violations
             .filter(v => v.impact === 'serious' || v.impact === 'critical')
             .map(v => v.id + ' (' + v.impact + '): ' + v.help + ' — ' + v.nodes.map(n => n.target.join(' ')).slice(0, 3).join(', '))))
           .catch(e => done(['axe failed: ' + e]));"
    );
    console_errors(client, driver).await;
    while let Some(url) = queue.pop_front() {
        if visited.len() >= PAGES_AT_MOST {
            break;
        }
        let kind = kinds.entry(page_kind(&url)).or_default();
        if *kind >= OF_A_KIND {
            continue;
        }
        *kind += 1;
        client.goto(url.as_str()).await.expect("a page");
        let landed = client.current_url().await.expect("url");
        let page = format!("{who} {}", url.path());
        visited.push(url.path().to_string());
        if !who.starts_with("visiteur") && landed.path() == "/login" {
            problems.push(format!("{page}: asks to sign in again"));
            continue;
        }
        if let (Some(prefix), Some(name)) = (photos, photographed(url.path())) {
            screenshot(client, &format!("{prefix}-{name}")).await;
        }
        let width = client
            .execute("return [document.documentElement.scrollWidth, window.innerWidth];", vec![])
            .await
            .expect("widths");
        if let (Some(page_width), Some(screen)) = (width[0].as_i64(), width[1].as_i64()) {
            if page_width > screen {
                problems.push(format!("{page}: {page_width} px wide on a {screen} px screen"));
            }
        }
        let error = client
            .execute("const e = document.querySelector('section.error-page'); return e ? e.textContent : null;", vec![])
            .await
            .expect("error page?");
        if let Some(text) = error.as_str() {
            problems.push(format!("{page}: an error page: {}", text.split_whitespace().collect::<Vec<_>>().join(" ")));
        }
        let violations = client.execute_async(&check_axe, vec![]).await.expect("axe-core ran");
        for violation in violations.as_array().into_iter().flatten() {
            problems.push(format!("{page}: {}", violation.as_str().unwrap_or_default()));
        }
        for message in console_errors(client, driver).await {
            problems.push(format!("{page}: console: {message}"));
        }
        let links = client
            .execute("return Array.from(document.querySelectorAll('a[href]')).map(a => a.href);", vec![])
            .await
            .expect("links");
        for link in links.as_array().into_iter().flatten().filter_map(|l| l.as_str()) {
            let Ok(mut next) = url::Url::parse(link) else { continue };
            next.set_fragment(None);
            if worth_following(&next, &origin) && seen.insert(next.to_string()) {
                queue.push_back(next);
            }
        }
    }
    (visited, problems)
}

/// Every page every role reaches from the home page, followed link by link in a real
/// browser, on a phone (390×844) and a PC (1280×800): each answers, is no wider than the
/// screen, logs no error in the console and has no serious or critical axe-core violation;
/// and each role reaches all its areas from the header.
async fn every_page_of_every_role_opens_cleanly(backend: Backend) {
    let Some(driver) = driver().await else { return };
    let Some(axe) = axe_script() else { return };
    let db = TestDb::new(backend).await;
    let app = TestApp::spawn_with(&db, &["--demo"], &[]).await;
    let (reference, key) = common_order(&app).await;
    let at = |path: &str| format!("{}{path}", app.address);
    let management = ["/manage/dashboard", "/manage/stock", "/manage/menu", "/manage/capacity"];
    let group = ["/admin/stock", "/admin/users", "/admin/pizzerias", "/admin/backups"];
    // Who, signed in as, where they start, and the pages they must reach from the header.
    type Role<'a> = (&'a str, Option<String>, Vec<String>, Vec<&'a str>);
    let roles: Vec<Role> = vec![
        ("visiteur", None, vec![at("/"), at(&format!("/orders/{reference}?key={key}"))], vec!["/login", "/register"]),
        ("client", Some("client@demo.ocpizza.fr".into()), vec![at("/")], vec!["/account", "/account/orders"]),
        ("accueil", Some(demo("counter", A)), vec![at("/")], vec!["/staff/orders", "/staff/orders/new"]),
        ("pizzaiolo", Some(demo("pizzaiolo", A)), vec![at("/")], vec!["/kitchen"]),
        ("livreur", Some(demo("driver", A)), vec![at("/")], vec!["/delivery"]),
        ("responsable", Some(demo("manager", A)), vec![at("/")], [&management[..], &["/manage/users"]].concat()),
        ("direction", Some("admin@demo.ocpizza.fr".into()), vec![at("/")], [&management[..], &group[..]].concat()),
    ];
    let mut report = Vec::new();
    let mut problems = Vec::new();
    for (width, height) in [(390, 844), (1280, 800)] {
        for (who, email, start, reachable) in &roles {
            let client = window(&driver, width, height).await;
            if let Some(email) = email {
                sign_in(&client, &app, email).await;
            }
            if *who == "client" {
                // A pizza in the cart, for the cart's page to hold a line.
                client.goto(&at(&format!("/pizzerias/{A}/menu"))).await.expect("menu");
                let add = Locator::XPath("//input[@value='margherita']/ancestor::form//button");
                client.find(add).await.expect("add to cart").click().await.expect("click");
                wait_until(&client, "back on the menu", |url| url.contains("/menu")).await;
            }
            let photos = (width < 600).then(|| format!("phone-{width}-{}", format!("{backend:?}").to_lowercase()));
            let (pages, found) =
                crawl(&client, &driver, &axe, &format!("{who} {width}px"), start, photos.as_deref()).await;
            for wanted in reachable {
                if !pages.iter().any(|page| page == wanted) {
                    problems.push(format!("{who}: {wanted} is not reachable from the header ({pages:?})"));
                }
            }
            report.push(format!("{who} {width}px: {} pages", pages.len()));
            problems.extend(found);
            client.close().await.expect("close the window");
        }
    }
    println!("crawl ({backend:?}): {}", report.join(", "));
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
}

both_backends!(every_page_of_every_role_opens_cleanly);
