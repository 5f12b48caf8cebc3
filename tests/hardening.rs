//! Hardening against real attacks: API tokens that die with the password, expire and may
//! be read-only; a login throttle that counts simultaneous attempts and that nobody can
//! turn against someone else; a bounded number of password hashes at once; answers that
//! do not tell which order references exist; `check-config` that says when a secret is
//! missing; cookies marked Secure in release.

mod common;

use common::{count, demo, Backend, Browser, TestApp, TestDb, DEMO_PASSWORD};
use reqwest::Method;

const NEW_PASSWORD: &str = "une pizza calzone bien cuite";

/// Creates an API token on `/account/tokens` and returns it.
async fn new_token(browser: &Browser, fields: &[(&str, &str)]) -> String {
    browser.get("/account/tokens").await;
    let reply = browser.submit("/account/tokens", fields).await;
    assert_eq!(reply.redirect_path(), Some("/account/tokens"), "{}", reply.body);
    // Shown once, on the page the form redirects to; a refresh shows it no more.
    let reply = browser.get("/account/tokens").await;
    assert!(reply.body.contains("Jeton créé."));
    assert!(!browser.get("/account/tokens").await.body.contains("data-token>"), "shown once only");
    let marker = "data-token>";
    let at = reply.body.find(marker).expect("the token is shown") + marker.len();
    reply.body[at..at + reply.body[at..].find('<').expect("end")].to_string()
}

async fn me_status(app: &TestApp, token: &str) -> (u16, serde_json::Value) {
    let reply =
        Browser::new(app).api(Method::GET, "/api/v1/me", &[("Authorization", &format!("Bearer {token}"))]).await;
    let json = serde_json::from_str(&reply.body).unwrap_or_default();
    (reply.status, json)
}

async fn tokens_end_with_the_password_expire_and_may_be_read_only(backend: Backend) {
    let db = TestDb::new(backend).await;
    let app = TestApp::spawn_with(&db, &["--demo"], &[]).await;
    let pool = db.pool().await;

    // Changed by its owner.
    let manager = Browser::new(&app);
    manager.sign_in(&demo("manager", "boulogne"), DEMO_PASSWORD).await;
    let token = new_token(&manager, &[("name", "Caisse")]).await;
    assert_eq!(me_status(&app, &token).await.0, 200);
    manager.get("/account/password").await;
    let reply = manager
        .submit(
            "/account/password",
            &[
                ("current_password", DEMO_PASSWORD),
                ("new_password", NEW_PASSWORD),
                ("new_password_confirmation", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    let (status, body) = me_status(&app, &token).await;
    assert_eq!((status, body["error"].as_str()), (401, Some("invalid_token")), "a token made before the change");

    // Reset by the manager (a one-time password).
    let driver = Browser::new(&app);
    driver.sign_in(&demo("driver", "boulogne"), DEMO_PASSWORD).await;
    let driver_token = new_token(&driver, &[("name", "Téléphone")]).await;
    assert_eq!(me_status(&app, &driver_token).await.0, 200);
    let manager = Browser::new(&app);
    manager.sign_in(&demo("manager", "boulogne"), NEW_PASSWORD).await;
    let driver_id = count(&pool, &format!("SELECT id FROM users WHERE email = '{}'", demo("driver", "boulogne"))).await;
    manager.get(&format!("/manage/users/{driver_id}")).await;
    assert_eq!(manager.submit(&format!("/manage/users/{driver_id}/reset-password"), &[]).await.status, 303);
    assert_eq!(me_status(&app, &driver_token).await.0, 401, "a token made before the reset by the manager");

    // Reset through an e-mailed link (the link written as the mail job would).
    let pizzaiolo = Browser::new(&app);
    pizzaiolo.sign_in(&demo("pizzaiolo", "boulogne"), DEMO_PASSWORD).await;
    let pizzaiolo_token = new_token(&pizzaiolo, &[("name", "Écran")]).await;
    let link = "lien-de-test-0123456789abcdefghijklmnopqrstu";
    common::execute(
        &pool,
        &format!(
            "INSERT INTO password_resets (token_hash, user_id, created_at, expires_at)
             SELECT '{}', id, {now}, {now} + 3600 FROM users WHERE email = '{}'",
            oc_pizza::crypto::token_digest(link),
            demo("pizzaiolo", "boulogne"),
            now = oc_pizza::unix_now(),
        ),
    )
    .await;
    let visitor = Browser::new(&app);
    visitor.get(&format!("/password/reset/{link}")).await;
    let reply = visitor
        .submit(
            &format!("/password/reset/{link}"),
            &[("new_password", NEW_PASSWORD), ("new_password_confirmation", NEW_PASSWORD)],
        )
        .await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    assert_eq!(me_status(&app, &pizzaiolo_token).await.0, 401, "a token made before the reset by e-mail");

    // An account that must change its password is stopped on the API too, with words.
    let counter = Browser::new(&app);
    counter.sign_in(&demo("counter", "boulogne"), DEMO_PASSWORD).await;
    let counter_token = new_token(&counter, &[("name", "Comptoir")]).await;
    common::execute(
        &pool,
        &format!("UPDATE users SET must_change_password = TRUE WHERE email = '{}'", demo("counter", "boulogne")),
    )
    .await;
    let (status, body) = me_status(&app, &counter_token).await;
    assert_eq!((status, body["error"].as_str()), (403, Some("password_change_required")), "{body}");
    assert!(body["message"].as_str().is_some_and(|m| m.contains("mot de passe")), "{body}");

    // A lifetime: the default, or one chosen up to the maximum; an expired token is refused.
    let manager_token = new_token(&manager, &[("name", "Script"), ("days", "7")]).await;
    let expires_at = count(&pool, "SELECT expires_at FROM api_tokens WHERE name = 'Script'").await;
    let in_days = (expires_at - oc_pizza::unix_now() + 60) / 86_400;
    assert_eq!(in_days, 7);
    let page = manager.get("/account/tokens").await.body;
    assert!(page.contains("jusqu&#39;au") || page.contains("jusqu'au"), "the end date is shown");
    for days in ["0", "366", "-3", "beaucoup"] {
        manager.get("/account/tokens").await;
        let reply = manager.submit("/account/tokens", &[("name", "Trop long"), ("days", days)]).await;
        assert_eq!(reply.status, 422, "{days}");
        assert!(reply.body.contains("Choisissez une durée de 1 à 365 jours."), "{days}");
    }
    assert_eq!(me_status(&app, &manager_token).await.0, 200);
    common::execute(&pool, "UPDATE api_tokens SET expires_at = 1000 WHERE name = 'Script'").await;
    assert_eq!(me_status(&app, &manager_token).await.0, 401, "expired");
    assert!(manager.get("/account/tokens").await.body.contains("expiré"));

    // Read-only: reads, never writes.
    let reader = new_token(&manager, &[("name", "Lecture"), ("read_only", "true")]).await;
    let script = Browser::new(&app);
    let bearer = format!("Bearer {reader}");
    assert_eq!(script.api(Method::GET, "/api/v1/users", &[("Authorization", &bearer)]).await.status, 200);
    let reply =
        script.api(Method::POST, &format!("/api/v1/users/{driver_id}/disable"), &[("Authorization", &bearer)]).await;
    assert_eq!((reply.status, reply.json()["error"].as_str()), (403, Some("read_only_token")), "{}", reply.body);
    assert_eq!(count(&pool, &format!("SELECT COUNT(*) FROM users WHERE id = {driver_id} AND active")).await, 1);
    assert!(manager.get("/account/tokens").await.body.contains("lecture seule"));
    pool.close().await;
}

/// Forty wrong passwords at once for one account from one address: each is counted, only
/// the first five are judged, and the account is locked for that address afterwards.
async fn simultaneous_failures_are_all_counted(backend: Backend) {
    let db = TestDb::new(backend).await;
    let app = TestApp::spawn_with(&db, &["--demo"], &[("OC_PIZZA_LOGIN_SLOWDOWN_MS", "0")]).await;
    let pool = db.pool().await;
    let email = demo("driver", "boulogne");
    let browser = Browser::new(&app);
    let token = browser.csrf().await;
    let fields = [("csrf_token", token.as_str()), ("email", email.as_str()), ("password", "pas le bon")];
    let attempts = (0..40).map(|_| browser.post_raw("/login", &fields, &[]));
    let statuses: Vec<u16> = common::join_all(attempts).await.into_iter().map(|reply| reply.status).collect();
    let judged = statuses.iter().filter(|s| **s == 401).count();
    assert!(statuses.iter().all(|s| matches!(s, 401 | 429 | 503)), "{statuses:?}");
    assert!(judged <= 5, "at most five judged: {statuses:?}");
    assert!(statuses.iter().filter(|s| **s == 429).count() >= 35, "{statuses:?}");
    let pair = format!("account:{}|address:127.0.0.1", oc_pizza::crypto::token_digest(&email));
    let counted = count(&pool, &format!("SELECT failures FROM login_throttle WHERE key = '{pair}'")).await;
    assert_eq!(counted, 40, "every attempt counted");
    assert_eq!(browser.login(&email, DEMO_PASSWORD).await.status, 429, "locked for this address");
    pool.close().await;
}

/// Wrong passwords from one address lock that address out of the account, not its owner;
/// guessing spread over many addresses locks the account, and its manager unlocks it.
async fn nobody_locks_someone_else_out_and_managers_unlock(backend: Backend) {
    let db = TestDb::new(backend).await;
    let envs = [
        ("OC_PIZZA_TRUSTED_PROXIES", r#"["127.0.0.1", "::1"]"#),
        ("OC_PIZZA_LOGIN_SLOWDOWN_MS", "0"),
        ("OC_PIZZA_LOGIN_MAX_FAILURES_PER_ACCOUNT", "12"),
    ];
    let app = TestApp::spawn_with(&db, &["--demo"], &envs).await;
    let email = demo("driver", "boulogne");
    let attacker = Browser::new(&app);
    let token = attacker.csrf().await;
    let from = |address: &'static str, password: &'static str| {
        let (attacker, token, email) = (&attacker, token.clone(), email.clone());
        async move {
            attacker
                .post_raw(
                    "/login",
                    &[("csrf_token", &token), ("email", &email), ("password", password)],
                    &[("X-Real-IP", address)],
                )
                .await
                .status
        }
    };
    for _ in 0..5 {
        assert_eq!(from("203.0.113.9", "devinette").await, 401);
    }
    assert_eq!(from("203.0.113.9", "devinette").await, 429, "this address is locked out of the account");

    // The driver, from the pizzeria's own address, still signs in.
    let driver = Browser::new(&app);
    let driver_token = driver.csrf().await;
    let reply = driver
        .post_raw(
            "/login",
            &[("csrf_token", &driver_token), ("email", &email), ("password", DEMO_PASSWORD)],
            &[("X-Real-IP", "198.51.100.7")],
        )
        .await;
    assert_eq!(reply.status, 303, "the owner is not locked out: {}", reply.body);

    // Spread over many addresses: the account itself is locked for a while.
    for address in ["203.0.113.10", "203.0.113.11", "203.0.113.12", "203.0.113.13"] {
        for _ in 0..3 {
            from(address, "devinette").await;
        }
    }
    let owner = Browser::new(&app);
    let owner_token = owner.csrf().await;
    let owner_fields = [("csrf_token", owner_token.as_str()), ("email", email.as_str()), ("password", DEMO_PASSWORD)];
    let sign_in = || owner.post_raw("/login", &owner_fields, &[("X-Real-IP", "198.51.100.7")]);
    assert_eq!(sign_in().await.status, 429, "distributed guessing locks the account");

    // Its manager sees it and unlocks it; another pizzeria's manager cannot.
    let pool = db.pool().await;
    let driver_id = count(&pool, &format!("SELECT id FROM users WHERE email = '{email}'")).await;
    let other = Browser::new(&app);
    other.sign_in(&demo("manager", "vincennes"), DEMO_PASSWORD).await;
    other.get("/manage/users").await;
    assert_eq!(other.submit(&format!("/manage/users/{driver_id}/unlock"), &[]).await.status, 404);
    assert_eq!(sign_in().await.status, 429, "still locked");
    let manager = Browser::new(&app);
    manager.sign_in(&demo("manager", "boulogne"), DEMO_PASSWORD).await;
    let list = manager.get("/manage/users").await.body;
    let row = list.split(&format!("data-user-id=\"{driver_id}\"")).nth(1).expect("the driver's row");
    assert!(row[..row.find("</tr>").expect("row end")].contains("connexion bloquée"), "{row}");
    let page = manager.get(&format!("/manage/users/{driver_id}")).await.body;
    assert!(page.contains("Connexion bloquée") && page.contains("Débloquer la connexion"));
    let reply = manager.submit(&format!("/manage/users/{driver_id}/unlock"), &[]).await;
    assert_eq!(reply.status, 303);
    assert!(!manager.get("/manage/users").await.body.contains("connexion bloquée"));
    assert_eq!(sign_in().await.status, 303, "unlocked");
    pool.close().await;
}

/// With one password check at a time and no wait, a burst of logins gets quick 503s (in
/// French) instead of a queue of 19 MiB hashes; they are counted in the metrics.
async fn password_hashes_are_bounded(backend: Backend) {
    let db = TestDb::new(backend).await;
    let envs = [
        ("OC_PIZZA_PASSWORD_HASH_CONCURRENCY", "1"),
        ("OC_PIZZA_PASSWORD_HASH_WAIT_MS", "1"),
        ("OC_PIZZA_LOGIN_SLOWDOWN_MS", "0"),
        ("OC_PIZZA_LOGIN_MAX_FAILURES_PER_ADDRESS", "1000"),
    ];
    let app = TestApp::spawn_with(&db, &["--demo"], &envs).await;
    let browser = Browser::new(&app);
    let token = browser.csrf().await;
    let emails: Vec<String> = (0..30).map(|n| format!("personne{n}@exemple.fr")).collect();
    let forms: Vec<[(&str, &str); 3]> = emails
        .iter()
        .map(|email| [("csrf_token", token.as_str()), ("email", email.as_str()), ("password", "au hasard")])
        .collect();
    let attempts = forms.iter().map(|fields| browser.post_raw("/login", fields, &[]));
    let replies = common::join_all(attempts).await;
    let statuses: Vec<u16> = replies.iter().map(|r| r.status).collect();
    assert!(statuses.iter().all(|s| matches!(s, 401 | 503)), "{statuses:?}");
    let busy = replies.iter().find(|r| r.status == 503).expect("some were turned away");
    assert!(busy.body.contains("Trop de connexions en même temps"), "{}", busy.body);
    let metrics = browser.get("/metrics").await.body;
    assert!(metrics.contains("oc_pizza_security_refusals_total{reason=\"hashing_busy\"}"), "{metrics}");
    // A refused attempt was not judged: it does not count against the account.
    let pool = db.pool().await;
    let refused = statuses.iter().filter(|s| **s == 503).count() as i64;
    assert_eq!(
        count(&pool, "SELECT CAST(COALESCE(SUM(failures), 0) AS BIGINT) FROM login_throttle WHERE key LIKE 'account:%' AND key NOT LIKE '%|%'").await,
        30 - refused
    );
    pool.close().await;
}

/// An anonymous caller gets the same answer for an order that exists and for one that
/// does not.
async fn order_references_are_no_oracle(backend: Backend) {
    let db = TestDb::new(backend).await;
    let app = TestApp::spawn_with(&db, &["--demo"], &[]).await;
    let pool = db.pool().await;
    common::insert(
        &pool,
        "INSERT INTO orders (reference, pizzeria_id, customer_id, customer_name, customer_phone, channel, mode,
             status, payment_method, payment_status, total_ht_cents, total_vat_cents, total_ttc_cents)
         SELECT 'OC-EXIST1', p.id, u.id, 'Camille', '0612345678', 'web', 'takeaway', 'placed', 'cash', 'unpaid', 864, 86, 950
         FROM pizzerias p, users u WHERE p.slug = 'boulogne' AND u.email = 'client@demo.ocpizza.fr' RETURNING id",
    )
    .await;
    let stranger = Browser::new(&app);
    let existing = stranger.api(Method::GET, "/api/v1/orders/OC-EXIST1", &[]).await;
    let unknown = stranger.api(Method::GET, "/api/v1/orders/OC-NOPE99", &[]).await;
    assert_eq!(existing.status, 401);
    assert_eq!((unknown.status, unknown.body.as_str()), (existing.status, existing.body.as_str()));
    // The pages too: both ask to sign in.
    let existing = stranger.get("/orders/OC-EXIST1").await;
    let unknown = stranger.get("/orders/OC-NOPE99").await;
    assert_eq!(existing.status, 303);
    assert_eq!(unknown.status, 303);
    // A quote or a space in a reference is sent back to the login page, encoded.
    let odd = stranger.get("/orders/%22%20x").await;
    assert_eq!(odd.status, 303);
    assert_eq!(odd.redirect_path(), Some("/login?next=%2Forders%2F%22%20x"));
    pool.close().await;
}

fn check_config(db: &TestDb, envs: &[(&str, &str)]) -> String {
    let output = common::run(db, &["check-config"], envs);
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "{text}{}", String::from_utf8_lossy(&output.stderr));
    text
}

fn line<'a>(text: &'a str, key: &str) -> &'a str {
    text.lines().find(|line| line.starts_with(&format!("{key} "))).unwrap_or_else(|| panic!("{key} in:\n{text}"))
}

/// An operator reads "(not set)" for a secret that is not set, and cookies are Secure in
/// release unless the configuration says otherwise (then check-config warns).
async fn check_config_tells_unset_secrets_and_secure_cookies(backend: Backend) {
    let db = TestDb::new(backend).await;
    let text = check_config(&db, &[]);
    for key in ["metrics_token", "sentry_dsn", "smtp_password", "sms_gateway_token", "stripe_secret_key"] {
        assert!(line(&text, key).contains("(not set)"), "{}", line(&text, key));
    }
    assert!(line(&text, "cookie_secure").contains("false"), "debug: plain HTTP on this machine");
    assert!(line(&text, "api_token_max_days").contains("365"), "{}", line(&text, "api_token_max_days"));
    let text = check_config(&db, &[("OC_PIZZA_METRICS_TOKEN", "s3cr3t-metrics"), ("OC_PIZZA_SMTP_PASSWORD", " ")]);
    assert!(line(&text, "metrics_token").contains("(set, redacted)"));
    assert!(!text.contains("s3cr3t-metrics"));
    assert!(line(&text, "smtp_password").contains("(not set)"), "blank is not set");

    let release =
        [("ROCKET_PROFILE", "release"), ("ROCKET_SECRET_KEY", "hPRYyVRiMyxpw5sBB1XeCMN1kFsDCqKvBi2QJxBVHQk=")];
    let text = check_config(&db, &release);
    assert!(line(&text, "cookie_secure").contains("true"), "{}", line(&text, "cookie_secure"));
    assert!(!text.contains("warning:"), "{text}");
    let plain = [release[0], release[1], ("OC_PIZZA_COOKIE_SECURE", "false")];
    let text = check_config(&db, &plain);
    assert!(text.contains("warning: cookie_secure = false"), "{text}");

    // And the release server marks its cookies Secure.
    let app = TestApp::spawn_with(&db, &[], &release).await;
    let reply = Browser::new(&app).get("/login").await;
    let cookies: Vec<&str> = reply.headers.get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()).collect();
    assert!(!cookies.is_empty() && cookies.iter().all(|c| c.contains("Secure")), "{cookies:?}");
}

both_backends!(
    tokens_end_with_the_password_expire_and_may_be_read_only,
    simultaneous_failures_are_all_counted,
    nobody_locks_someone_else_out_and_managers_unlock,
    password_hashes_are_bounded,
    order_references_are_no_oracle,
    check_config_tells_unset_secrets_and_secure_cookies,
);

/// A guest order and its private link, a password reset, an API token and the session
/// cookies, at the debug level, in text and in JSON: none of these secrets is in the log.
async fn no_secret_reaches_the_log(backend: Backend) {
    let db = TestDb::new(backend).await;
    for format in ["text", "json"] {
        let envs = [("OC_PIZZA_LOG", "debug"), ("OC_PIZZA_LOG_FORMAT", format)];
        let app = TestApp::spawn_with(&db, &["--demo"], &envs).await;
        let pool = db.pool().await;
        let mut secrets = Vec::new();

        // A guest order through the API, then its private link, on the site and the API.
        let guest = Browser::new(&app);
        let body = serde_json::json!({ "pizzeria": "boulogne", "mode": "takeaway", "payment": "cash",
            "when": common::next_evening(), "lines": [{ "pizza": "margherita", "quantity": 1 }],
            "contact": { "name": "Léa", "email": "lea@exemple.fr", "phone": "0611223344" } });
        let placed = guest.json(Method::POST, "/api/v1/orders", &[], &body).await;
        assert_eq!(placed.status, 201, "{}", placed.body);
        let (reference, key) = (
            placed.json()["reference"].as_str().expect("reference").to_string(),
            placed.json()["access_key"].as_str().expect("key").to_string(),
        );
        assert_eq!(guest.get(&format!("/orders/{reference}?key={key}")).await.status, 200);
        assert_eq!(guest.get(&format!("/orders/{reference}/edit?key={key}")).await.status, 200);
        assert_eq!(guest.peek(&format!("/orders/{reference}/events?key={key}")).await.status, 200);
        let api = guest.api(Method::GET, &format!("/api/v1/orders/{reference}?key={key}"), &[]).await;
        assert_eq!(api.status, 200);
        assert_eq!(guest.get(&format!("/orders/{reference}?key={key}x")).await.status, 404, "a wrong key");
        secrets.push(key);

        // A password reset by link (written as the mail job would), used, then used again.
        let link = format!("lien-{format}-0123456789abcdefghijklmnopqrstu");
        common::execute(
            &pool,
            &format!(
                "INSERT INTO password_resets (token_hash, user_id, created_at, expires_at)
                 SELECT '{}', id, {now}, {now} + 3600 FROM users WHERE email = '{}'",
                oc_pizza::crypto::token_digest(&link),
                demo("pizzaiolo", "boulogne"),
                now = oc_pizza::unix_now(),
            ),
        )
        .await;
        let visitor = Browser::new(&app);
        assert_eq!(visitor.get(&format!("/password/reset/{link}")).await.status, 200);
        let fields = [("new_password", NEW_PASSWORD), ("new_password_confirmation", NEW_PASSWORD)];
        assert_eq!(visitor.submit(&format!("/password/reset/{link}"), &fields).await.status, 303);
        assert_eq!(visitor.get(&format!("/password/reset/{link}")).await.status, 410);
        secrets.push(link);

        // An API token, used and mistyped; the session cookies of the browser that made it.
        let manager = Browser::new(&app);
        manager.sign_in(&demo("manager", "boulogne"), DEMO_PASSWORD).await;
        let token = new_token(&manager, &[("name", "Journal")]).await;
        assert_eq!(me_status(&app, &token).await.0, 200);
        assert_eq!(me_status(&app, &format!("{token}x")).await.0, 401);
        secrets.push(token);
        secrets.push(manager.cookie("oc_session").expect("session cookie"));
        secrets.push(common::csrf_in(&manager.get("/account").await.body).expect("CSRF token"));
        pool.close().await;

        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let log = app.log();
        assert!(log.lines().count() > 20, "a debug log: {log}");
        assert!(log.contains(&reference), "the log names what happened (the order's reference)");
        for secret in &secrets {
            let leaked: Vec<&str> = log.lines().filter(|line| line.contains(secret.as_str())).collect();
            assert!(leaked.is_empty(), "{format}: {secret} is in the log:\n{}", leaked.join("\n"));
        }
        app.kill();
    }
}

both_backends!(no_secret_reaches_the_log);

fn guest_order(contact: (&str, &str), pizzas: i64) -> serde_json::Value {
    serde_json::json!({ "pizzeria": "boulogne", "mode": "takeaway", "payment": "cash", "when": common::next_evening(),
        "lines": [{ "pizza": "margherita", "quantity": pizzas }],
        "contact": { "name": "Invité", "email": contact.0, "phone": contact.1 } })
}

/// Anonymous orders are limited: size, open unpaid orders per contact, orders per contact
/// and per client address in a window; refused in French with 429 (and `Retry-After` when
/// waiting helps), nothing written; counted on the manager's dashboard and in `/metrics`.
/// Signed-in customers are not limited, and `guest_order_limits = false` lifts them all.
async fn anonymous_orders_are_limited(backend: Backend) {
    let db = TestDb::new(backend).await;
    let envs = [
        ("OC_PIZZA_GUEST_ORDER_LIMITS", "true"),
        ("OC_PIZZA_TRUSTED_PROXIES", r#"["127.0.0.1", "::1"]"#),
        ("OC_PIZZA_GUEST_ORDERS_PER_ADDRESS", "4"),
        ("OC_PIZZA_GUEST_ORDERS_PER_CONTACT", "3"),
        ("OC_PIZZA_GUEST_OPEN_UNPAID_PER_CONTACT", "2"),
        ("OC_PIZZA_GUEST_MAX_PIZZAS", "6"),
    ];
    let app = TestApp::spawn_with(&db, &["--demo"], &envs).await;
    let pool = db.pool().await;
    let guest = Browser::new(&app);
    let from = |ip: &'static str, body: serde_json::Value| {
        let guest = &guest;
        async move { guest.json(Method::POST, "/api/v1/orders", &[("X-Real-IP", ip)], &body).await }
    };
    let stock_before = count(&pool, "SELECT CAST(SUM(quantity) AS BIGINT) FROM stock").await;

    // Too big for a guest.
    let big = from("203.0.113.1", guest_order(("a@exemple.fr", "0611000001"), 7)).await;
    assert_eq!((big.status, big.json()["error"].as_str()), (429, Some("rate_limited")), "{}", big.body);
    assert!(big.json()["message"].as_str().is_some_and(|m| m.contains("au plus 6 pizzas")), "{}", big.body);
    assert!(big.headers.get("retry-after").is_none(), "waiting does not help");

    // Two open unpaid orders for one contact, then a third is refused.
    for _ in 0..2 {
        assert_eq!(from("203.0.113.1", guest_order(("a@exemple.fr", "0611000001"), 1)).await.status, 201);
    }
    let third = from("203.0.113.2", guest_order(("autre@exemple.fr", "0611000001"), 1)).await;
    assert_eq!(third.status, 429, "the same phone: {}", third.body);
    assert!(third.json()["message"].as_str().is_some_and(|m| m.contains("non réglée")), "{}", third.body);

    // Paid orders do not stay open; the contact's counter still stops the fourth in the hour.
    common::execute(&pool, "UPDATE orders SET payment_status = 'paid'").await;
    assert_eq!(from("203.0.113.3", guest_order(("A@exemple.fr", "0611000009"), 1)).await.status, 201);
    let fourth = from("203.0.113.3", guest_order(("a@exemple.fr", "0611000010"), 1)).await;
    assert_eq!(fourth.status, 429, "the same e-mail, a fourth time in the hour: {}", fourth.body);
    let wait: i64 = fourth.headers.get("retry-after").and_then(|v| v.to_str().ok()?.parse().ok()).expect("Retry-After");
    assert!((3000..=3600).contains(&wait), "{wait}");
    assert!(fourth.json()["message"].as_str().is_some_and(|m| m.contains("réessayez dans")), "{}", fourth.body);

    // One client address: four orders in the hour whatever the contact, then refused.
    common::execute(&pool, "UPDATE orders SET payment_status = 'paid'").await;
    for n in 0..4 {
        let contact = (format!("c{n}@exemple.fr"), format!("06220000{n:02}"));
        let reply = from("198.51.100.9", guest_order((&contact.0, &contact.1), 1)).await;
        assert_eq!(reply.status, 201, "{}", reply.body);
    }
    let fifth = from("198.51.100.9", guest_order(("c9@exemple.fr", "0622000009"), 1)).await;
    assert_eq!(fifth.status, 429);
    assert!(fifth.json()["message"].as_str().is_some_and(|m| m.contains("depuis cette connexion")), "{}", fifth.body);
    assert!(fifth.headers.get("retry-after").is_some());
    // The address is refused before the contact is counted: from elsewhere it may order.
    assert_eq!(from("198.51.100.10", guest_order(("c9@exemple.fr", "0622000009"), 1)).await.status, 201);

    // Nothing was written for a refusal: 8 orders placed, their stock only.
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM orders").await, 8);
    let margherita_stock_per_pizza =
        count(&pool, "SELECT CAST(SUM(quantity) AS BIGINT) FROM recipe_lines r JOIN pizzas p ON p.id = r.pizza_id WHERE p.slug = 'margherita'").await;
    let stock_after = count(&pool, "SELECT CAST(SUM(quantity) AS BIGINT) FROM stock").await;
    assert_eq!(stock_before - stock_after, 8 * margherita_stock_per_pizza);
    common::assert_stock_matches_journal(&pool).await;

    // The web checkout says the same, on the page.
    let web = Browser::new(&app);
    web.get("/pizzerias/boulogne/menu").await;
    let add = [("pizzeria", "boulogne"), ("pizza", "margherita"), ("quantity", "7"), ("note", "")];
    assert_eq!(web.submit("/cart/add", &add).await.status, 303);
    let page = web.get("/checkout").await;
    let slot = common::first_slot(&page.body);
    let fields = [
        ("when", slot.as_str()),
        ("payment", "cash"),
        ("mode", "takeaway"),
        ("full_name", "Léa"),
        ("email", "web@exemple.fr"),
        ("phone", "0633000000"),
    ];
    let reply = web.submit("/checkout", &fields).await;
    assert_eq!(reply.status, 429, "{}", reply.body);
    assert!(reply.body.contains("au plus 6 pizzas") && reply.body.contains("web@exemple.fr"), "the form is kept");

    // A signed-in customer is not limited.
    let customer = Browser::new(&app);
    customer.sign_in("client@demo.ocpizza.fr", DEMO_PASSWORD).await;
    let csrf = common::csrf_in(&customer.get("/account").await.body).expect("token");
    let mine = customer
        .json(
            Method::POST,
            "/api/v1/orders",
            &[("X-CSRF-Token", &csrf)],
            &guest_order(("x@exemple.fr", "0611000001"), 7),
        )
        .await;
    assert_eq!(mine.status, 201, "{}", mine.body);

    // The manager sees today's refusals; /metrics counts them.
    let manager = Browser::new(&app);
    manager.sign_in(&demo("manager", "boulogne"), DEMO_PASSWORD).await;
    let board = manager.get("/manage/dashboard").await.body;
    assert!(
        board.contains("Refus de sécurité aujourd&#39;hui") || board.contains("Refus de sécurité aujourd'hui"),
        "{board}"
    );
    assert!(board.contains(r#"data-refusals="5""#), "five refusals: {board}");
    assert!(
        board.contains(r#"data-refusal="guest_order_size""#) && board.contains("commandes sans compte trop grandes")
    );
    let metrics = manager.get("/metrics").await.body;
    assert!(metrics.contains(r#"oc_pizza_security_refusals_total{reason="guest_orders_address"} 1"#), "{metrics}");
    app.kill();

    // Off (as for benchmarks): the big guest order goes through.
    let app = TestApp::spawn_with(&db, &["--demo"], &[("OC_PIZZA_GUEST_ORDER_LIMITS", "false")]).await;
    let reply = Browser::new(&app)
        .json(Method::POST, "/api/v1/orders", &[], &guest_order(("z@exemple.fr", "0699000000"), 7))
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    pool.close().await;
}

both_backends!(anonymous_orders_are_limited);

/// A guest's link stops some days after its order closed; `oc-pizza guest-links rotate`
/// replaces the secret links derive from: old links work through the grace period, then
/// stop, and links made with the new secret work.
async fn guest_links_expire_and_rotate(backend: Backend) {
    let db = TestDb::new(backend).await;
    let app = TestApp::spawn_with(&db, &["--demo"], &[]).await;
    let pool = db.pool().await;
    let guest = Browser::new(&app);
    let mut placed = Vec::new();
    for phone in ["0611000001", "0611000002"] {
        let reply = guest.json(Method::POST, "/api/v1/orders", &[], &guest_order(("g@exemple.fr", phone), 1)).await;
        assert_eq!(reply.status, 201, "{}", reply.body);
        let json = reply.json();
        placed.push((
            json["reference"].as_str().expect("ref").to_string(),
            json["access_key"].as_str().expect("key").to_string(),
        ));
    }
    let opens = |(reference, key): &(String, String)| {
        let (guest, path) = (&guest, format!("/orders/{reference}?key={key}"));
        async move { guest.get(&path).await.status }
    };
    assert_eq!(opens(&placed[0]).await, 200);

    // Collected 29 days ago: still open; 31 days ago: the link no longer opens it.
    let day = 86_400;
    let closed = |days_ago: i64| {
        format!(
            "UPDATE orders SET status = 'collected', updated_at = {} WHERE reference = '{}'",
            oc_pizza::unix_now() - days_ago * day,
            placed[0].0
        )
    };
    common::execute(&pool, &closed(29)).await;
    assert_eq!(opens(&placed[0]).await, 200);
    common::execute(&pool, &closed(31)).await;
    assert_eq!(opens(&placed[0]).await, 404, "expired");
    let api = guest.api(Method::GET, &format!("/api/v1/orders/{}?key={}", placed[0].0, placed[0].1), &[]).await;
    assert_eq!(api.status, 404);
    app.kill();

    // Rotation: the open order's link keeps working during the grace period.
    let output = common::run(&db, &["guest-links", "rotate", "--grace-days", "2"], &[]);
    let said = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "{said}{}", String::from_utf8_lossy(&output.stderr));
    assert!(
        said.contains("links sent before keep working 2 day(s)") && said.contains("1 guest order(s) still open"),
        "{said}"
    );
    let refused = common::run(&db, &["guest-links", "rotate", "--grace-days", "400"], &[]);
    assert_eq!(refused.status.code(), Some(2));
    let app = TestApp::spawn_with(&db, &["--demo"], &[]).await;
    let guest = Browser::new(&app);
    let path = format!("/orders/{}?key={}", placed[1].0, placed[1].1);
    assert_eq!(guest.get(&path).await.status, 200, "within the grace period");

    // The link made with the new secret (as new messages carry it) opens the order.
    let secret = common::scalar_text(&pool, "SELECT value FROM app_secrets WHERE name = 'installation'").await;
    let new_key = oc_pizza::crypto::guest_key_under(&secret.expect("secret"), &placed[1].0);
    assert_ne!(new_key, placed[1].1);
    assert_eq!(guest.get(&format!("/orders/{}?key={new_key}", placed[1].0)).await.status, 200);
    app.kill();

    // After the grace period, the old link stops.
    common::execute(&pool, "UPDATE app_secrets SET value = '1000' WHERE name = 'installation_previous_until'").await;
    let app = TestApp::spawn_with(&db, &["--demo"], &[]).await;
    let guest = Browser::new(&app);
    assert_eq!(guest.get(&path).await.status, 404, "the grace period is over");
    assert_eq!(guest.get(&format!("/orders/{}?key={new_key}", placed[1].0)).await.status, 200);
    pool.close().await;
}

both_backends!(guest_links_expire_and_rotate);

/// The counters' SQL is the twin of its pure rule: the same attempts (within the window, at
/// the limit, during a lock, at its end, after the window) give the same records, and the
/// same requests the same fixed windows, on both databases.
async fn counters_in_sql_follow_their_pure_rules(backend: Backend) {
    use oc_pizza::domain::limits::next_window;
    use oc_pizza::domain::throttle::Policy;
    use oc_pizza::store::{login_throttle, rate_limits};
    let db = TestDb::new(backend).await;
    let pool = db.pool().await;
    pool.migrate().await.expect("migrations");
    let policy = Policy { max_failures: 3, window_seconds: 600, lockout_seconds: 900, slowdown_ms: 0 };
    let mut record = None;
    for now in [1000, 1010, 1020, 1030, 1919, 1920, 1925, 2600, 3300] {
        let counted = login_throttle::count_attempt(&pool, "account:twin", &policy, now).await.expect("count");
        let rule = policy.after_attempt(record, now);
        assert_eq!(counted, rule, "attempt at {now}");
        record = Some(rule);
    }
    let mut window = None;
    for now in [0, 10, 3599, 3600, 3700, 7199, 7200] {
        let taken = rate_limits::take(&pool, "guest-twin", 3600, now).await.expect("take");
        let rule = next_window(window, 3600, now);
        assert_eq!(taken, rule, "request at {now}");
        window = Some(rule);
    }
    pool.close().await;
}

both_backends!(counters_in_sql_follow_their_pure_rules);
