//! Web security: CSRF and cross-site refusals, login throttling, disabled accounts, open
//! redirects, staff accounts with one-time passwords, API tokens.

mod common;

use common::{count, demo, scalar_text, Backend, Browser, TestApp, TestDb, DEMO_PASSWORD};
use reqwest::Method;

const PASSWORD: &str = "une pizza quatre saisons";

async fn forged_forms_are_refused_and_write_nothing(backend: Backend) {
    let db = TestDb::new(backend).await;
    let app = TestApp::spawn_with(&db, &["--demo"], &[]).await;
    let pool = db.pool().await;
    let browser = Browser::new(&app);
    browser.sign_in("client@demo.ocpizza.fr", DEMO_PASSWORD).await;
    let token = common::csrf_in(&browser.get("/account").await.body).expect("token");
    let address = [("street", "1 rue du Faubourg"), ("postcode", "75011"), ("city", "Paris")];
    let with = |token: &str| {
        let mut fields = vec![("csrf_token", token.to_string())];
        fields.extend(address.iter().map(|(k, v)| (*k, v.to_string())));
        fields
    };
    type Case<'a> = (&'a str, Vec<(&'a str, String)>, Vec<(&'a str, &'a str)>);
    let refusals: Vec<Case> = vec![
        ("no token", address.iter().map(|(k, v)| (*k, v.to_string())).collect(), vec![]),
        ("wrong token", with("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), vec![]),
        ("empty token", with(""), vec![]),
        ("foreign Origin", with(&token), vec![("Origin", "https://evil.example")]),
        ("null Origin", with(&token), vec![("Origin", "null")]),
        ("cross-site fetch", with(&token), vec![("Sec-Fetch-Site", "cross-site")]),
    ];
    for (case, fields, headers) in refusals {
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let reply = browser.post_raw("/account/addresses", &fields, &headers).await;
        assert_eq!(reply.status, 403, "{case}");
        assert!(reply.body.contains("Accès refusé") && reply.body.contains("lang=\"fr\""), "{case}: French page");
        assert_eq!(count(&pool, "SELECT COUNT(*) FROM addresses").await, 0, "{case}: nothing written");
    }
    // The token of another session does not do either.
    let other = Browser::new(&app);
    other.sign_in(&demo("manager", "boulogne"), DEMO_PASSWORD).await;
    let foreign_token = common::csrf_in(&other.get("/account").await.body).expect("token");
    let fields: Vec<(&str, String)> = with(&foreign_token);
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(browser.post_raw("/account/addresses", &fields, &[]).await.status, 403);
    // Logging out needs the token too (no logout by a foreign page).
    assert_eq!(browser.post_raw("/logout", &[], &[]).await.status, 403);
    assert_eq!(browser.get("/account").await.status, 200);

    // The same request, from our own page, goes through.
    let fields: Vec<(&str, String)> = with(&token);
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let same_origin = app.address.trim_start_matches("http://").to_string();
    let origin = format!("http://{same_origin}");
    let reply = browser
        .post_raw("/account/addresses", &fields, &[("Origin", &origin), ("Sec-Fetch-Site", "same-origin")])
        .await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM addresses").await, 1);

    // Login and registration forms are protected as well (no login CSRF).
    let stranger = Browser::new(&app);
    let reply =
        stranger.post_raw("/login", &[("email", "client@demo.ocpizza.fr"), ("password", DEMO_PASSWORD)], &[]).await;
    assert_eq!(reply.status, 403);
    assert!(stranger.cookie("oc_session").is_none());
    let users_before = count(&pool, "SELECT COUNT(*) FROM users").await;
    let reply = stranger
        .post_raw(
            "/register",
            &[
                ("full_name", "X"),
                ("email", "x@exemple.fr"),
                ("phone", "0611223344"),
                ("password", PASSWORD),
                ("password_confirmation", PASSWORD),
            ],
            &[],
        )
        .await;
    assert_eq!(reply.status, 403);
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM users").await, users_before);
    pool.close().await;
}

async fn failed_logins_lock_then_release(backend: Backend) {
    let db = TestDb::new(backend).await;
    let settings = [
        ("OC_PIZZA_LOGIN_MAX_FAILURES", "3"),
        ("OC_PIZZA_LOGIN_LOCKOUT_SECONDS", "3"),
        ("OC_PIZZA_LOGIN_SLOWDOWN_MS", "50"),
    ];
    let app = TestApp::spawn_with(&db, &["--demo"], &settings).await;
    let browser = Browser::new(&app);
    let email = "client@demo.ocpizza.fr";
    for attempt in 1..=3 {
        let reply = browser.login(email, "pas le bon mot de passe").await;
        assert_eq!(reply.status, 401, "attempt {attempt}");
        assert!(reply.body.contains("Adresse e-mail ou mot de passe incorrect."));
        assert!(reply.body.contains(&format!(r#"value="{email}""#)), "the e-mail typed is kept");
        assert!(!reply.body.contains("pas le bon mot de passe"), "never the password");
    }
    // Locked: even the right password is refused, with the time to wait.
    let reply = browser.login(email, DEMO_PASSWORD).await;
    assert_eq!(reply.status, 429);
    assert!(reply.body.contains("Trop de tentatives de connexion. Réessayez dans 1 minute."), "{}", reply.body);
    assert!(browser.cookie("oc_session").is_none());

    // An unknown address gets exactly the same answers: nothing tells them apart.
    for _ in 1..=3 {
        let reply = browser.login("personne@exemple.fr", "pas le bon mot de passe").await;
        assert_eq!(reply.status, 401);
        assert!(reply.body.contains("Adresse e-mail ou mot de passe incorrect."));
    }
    assert_eq!(browser.login("personne@exemple.fr", DEMO_PASSWORD).await.status, 429);

    // Another account is not locked by the first one's failures.
    browser.sign_in(&demo("driver", "boulogne"), DEMO_PASSWORD).await;

    tokio::time::sleep(std::time::Duration::from_millis(3200)).await;
    let reply = browser.login(email, DEMO_PASSWORD).await;
    assert_eq!((reply.status, reply.redirect_path()), (303, Some("/account")), "released after the lockout");

    let pool = db.pool().await;
    // Counters are kept by digest: no unknown e-mail address is stored.
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM login_throttle WHERE key LIKE '%personne%'").await, 0);
    pool.close().await;
}

/// Failures from one client address lock it; `X-Real-IP` names the client only when the
/// request comes from a trusted proxy (else anyone could pick a fresh address per attempt).
async fn client_addresses_come_from_trusted_proxies_only(backend: Backend) {
    let db = TestDb::new(backend).await;
    let limits = [
        ("OC_PIZZA_LOGIN_MAX_FAILURES", "100"),
        ("OC_PIZZA_LOGIN_MAX_FAILURES_PER_ADDRESS", "2"),
        ("OC_PIZZA_LOGIN_SLOWDOWN_MS", "0"),
    ];
    for (trusted, expect_locked) in [(None, true), (Some(r#"["127.0.0.1", "::1"]"#), false)] {
        let mut envs = limits.to_vec();
        if let Some(trusted) = trusted {
            envs.push(("OC_PIZZA_TRUSTED_PROXIES", trusted));
        }
        let app = TestApp::spawn_with(&db, &["--demo"], &envs).await;
        let browser = Browser::new(&app);
        let token = browser.csrf().await;
        let mut last = 0;
        for (n, address) in ["203.0.113.1", "203.0.113.2", "203.0.113.3"].iter().enumerate() {
            let email = format!("inconnu{n}@exemple.fr");
            let reply = browser
                .post_raw(
                    "/login",
                    &[("csrf_token", &token), ("email", &email), ("password", "mauvais mot de passe")],
                    &[("X-Real-IP", address)],
                )
                .await;
            last = reply.status;
        }
        assert_eq!(last == 429, expect_locked, "trusted proxies {trusted:?}: last status {last}");
        app.kill();
        let pool = db.pool().await;
        common::execute(&pool, "DELETE FROM login_throttle").await;
        pool.close().await;
    }
}

async fn a_disabled_account_is_out_at_its_next_request(backend: Backend) {
    let db = TestDb::new(backend).await;
    let app = TestApp::spawn_with(&db, &["--demo"], &[]).await;
    let driver = Browser::new(&app);
    driver.sign_in(&demo("driver", "boulogne"), DEMO_PASSWORD).await;
    assert_eq!(driver.get("/delivery").await.status, 200);

    let manager = Browser::new(&app);
    manager.sign_in(&demo("manager", "boulogne"), DEMO_PASSWORD).await;
    let pool = db.pool().await;
    let id = count(&pool, &format!("SELECT id FROM users WHERE email = '{}'", demo("driver", "boulogne"))).await;
    manager.get(&format!("/manage/users/{id}")).await;
    let reply = manager.submit(&format!("/manage/users/{id}/disable"), &[]).await;
    assert_eq!((reply.status, reply.redirect_path()), (303, Some(format!("/manage/users/{id}").as_str())));
    assert_eq!(count(&pool, &format!("SELECT COUNT(*) FROM sessions WHERE user_id = {id}")).await, 0);

    assert_eq!(driver.get("/delivery").await.redirect_path(), Some("/login?next=%2Fdelivery"));
    let reply = driver.login(&demo("driver", "boulogne"), DEMO_PASSWORD).await;
    assert_eq!(reply.status, 403);
    assert!(reply.body.contains("Ce compte est désactivé"));

    manager.get(&format!("/manage/users/{id}")).await;
    assert_eq!(manager.submit(&format!("/manage/users/{id}/enable"), &[]).await.status, 303);
    driver.sign_in(&demo("driver", "boulogne"), DEMO_PASSWORD).await;
    pool.close().await;
}

async fn login_sends_back_to_local_pages_only(backend: Backend) {
    let db = TestDb::new(backend).await;
    let app = TestApp::spawn_with(&db, &["--demo"], &[]).await;
    let browser = Browser::new(&app);
    let reply = browser.get("/manage/stock").await;
    assert_eq!(reply.redirect_path(), Some("/login?next=%2Fmanage%2Fstock"));
    let page = browser.get("/login?next=%2Fmanage%2Fstock").await;
    assert!(page.body.contains(r#"name="next" value="/manage/stock""#));
    let token = browser.csrf().await;
    let login = |next: &'static str| {
        let token = token.clone();
        let browser = &browser;
        async move {
            browser
                .post_raw(
                    "/login",
                    &[
                        ("csrf_token", &token),
                        ("email", &demo("manager", "montreuil")),
                        ("password", DEMO_PASSWORD),
                        ("next", next),
                    ],
                    &[],
                )
                .await
        }
    };
    assert_eq!(login("/manage/stock").await.redirect_path(), Some("/manage/stock"));
    for hostile in ["//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"] {
        let browser = Browser::new(&app);
        browser.get("/login").await;
        let token = browser.csrf().await;
        let reply = browser
            .post_raw(
                "/login",
                &[
                    ("csrf_token", &token),
                    ("email", &demo("manager", "montreuil")),
                    ("password", DEMO_PASSWORD),
                    ("next", hostile),
                ],
                &[],
            )
            .await;
        assert_eq!(reply.redirect_path(), Some("/manage/dashboard"), "{hostile}");
        assert!(!reply.location.unwrap_or_default().contains("evil"), "{hostile}");
    }
}

async fn staff_accounts_get_a_one_time_password(backend: Backend) {
    let db = TestDb::new(backend).await;
    let app = TestApp::spawn_with(&db, &["--demo"], &[]).await;
    let pool = db.pool().await;
    let manager = Browser::new(&app);
    manager.sign_in(&demo("manager", "vincennes"), DEMO_PASSWORD).await;
    let vincennes = count(&pool, "SELECT id FROM pizzerias WHERE slug = 'vincennes'").await.to_string();
    let boulogne = count(&pool, "SELECT id FROM pizzerias WHERE slug = 'boulogne'").await.to_string();
    manager.get("/manage/users/new").await;

    // A manager cannot create a manager, nor staff elsewhere.
    for (role, pizzeria) in [("manager", vincennes.as_str()), ("admin", ""), ("driver", boulogne.as_str())] {
        let reply = manager
            .submit(
                "/manage/users",
                &[("full_name", "Nouveau"), ("email", "nouveau@ocpizza.fr"), ("role", role), ("pizzeria", pizzeria)],
            )
            .await;
        assert_eq!(reply.status, 422, "{role} at {pizzeria}");
    }
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM users WHERE email = 'nouveau@ocpizza.fr'").await, 0);

    let reply = manager
        .submit(
            "/manage/users",
            &[
                ("full_name", "Noé Livreur"),
                ("email", "noe@ocpizza.fr"),
                ("phone", "0611223344"),
                ("role", "driver"),
                ("pizzeria", &vincennes),
            ],
        )
        .await;
    // Answered with a redirect (a refresh creates nothing), the password shown once there.
    let id = count(&pool, "SELECT id FROM users WHERE email = 'noe@ocpizza.fr'").await;
    assert_eq!((reply.status, reply.redirect_path()), (303, Some(&*format!("/manage/users/{id}"))), "{}", reply.body);
    let reply = manager.get(&format!("/manage/users/{id}")).await;
    assert!(reply.body.contains("Compte créé."));
    let marker = "data-one-time-password>";
    let at = reply.body.find(marker).expect("the one-time password is shown") + marker.len();
    let one_time = reply.body[at..at + reply.body[at..].find('<').expect("end")].to_string();
    assert_eq!(one_time.len(), 14);
    assert!(!manager.get(&format!("/manage/users/{id}")).await.body.contains(&one_time), "shown once only");

    // First login: the password must be changed before anything else.
    let noe = Browser::new(&app);
    let reply = noe.login("noe@ocpizza.fr", &one_time).await;
    assert_eq!(reply.redirect_path(), Some("/account/password"));
    assert_eq!(noe.get("/delivery").await.redirect_path(), Some("/account/password"));
    noe.get("/account/password").await;
    let reply = noe
        .submit(
            "/account/password",
            &[("current_password", &one_time), ("new_password", PASSWORD), ("new_password_confirmation", PASSWORD)],
        )
        .await;
    assert_eq!(reply.redirect_path(), Some("/delivery"));
    assert_eq!(noe.get("/delivery").await.status, 200);

    // A reset gives a new one-time password and ends the sessions.
    manager.get(&format!("/manage/users/{id}")).await;
    let reply = manager.submit(&format!("/manage/users/{id}/reset-password"), &[]).await;
    assert_eq!(reply.redirect_path(), Some(&*format!("/manage/users/{id}")));
    let page = manager.get(&format!("/manage/users/{id}")).await.body;
    assert!(page.contains("data-one-time-password") && page.contains("Mot de passe réinitialisé."));
    assert_eq!(noe.get("/delivery").await.redirect_path(), Some("/login?next=%2Fdelivery"));
    assert_eq!(noe.login("noe@ocpizza.fr", PASSWORD).await.status, 401);

    // The list shows this pizzeria's crew only.
    let list = manager.get("/manage/users").await;
    assert!(list.body.contains("Noé Livreur") && list.body.contains(&demo("pizzaiolo", "vincennes")));
    assert!(!list.body.contains(&demo("pizzaiolo", "boulogne")) && !list.body.contains("admin@demo"));
    assert!(!list.body.contains(&demo("manager", "vincennes")), "not even the manager's own account");

    // The admin changes Noé's pizzeria; the manager of Vincennes no longer sees him.
    let admin = Browser::new(&app);
    admin.sign_in("admin@demo.ocpizza.fr", DEMO_PASSWORD).await;
    let filtered = admin.get(&format!("/admin/users?role=driver&pizzeria={vincennes}&active=true&q=no%C3%A9")).await;
    assert!(filtered.body.contains("Noé Livreur") && !filtered.body.contains(&demo("driver", "vincennes")));
    admin.get(&format!("/admin/users/{id}")).await;
    let reply = admin
        .submit(
            &format!("/admin/users/{id}"),
            &[("full_name", "Noé Livreur"), ("phone", ""), ("role", "driver"), ("pizzeria", &boulogne)],
        )
        .await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    assert_eq!(manager.get(&format!("/manage/users/{id}")).await.status, 404);
    let role = scalar_text(&pool, &format!("SELECT role FROM users WHERE id = {id}")).await;
    assert_eq!(role.as_deref(), Some("driver"));
    pool.close().await;
}

async fn api_tokens_authenticate_scripts(backend: Backend) {
    let db = TestDb::new(backend).await;
    let app = TestApp::spawn_with(&db, &["--demo"], &[]).await;
    let pool = db.pool().await;
    let manager = Browser::new(&app);
    manager.sign_in(&demo("manager", "boulogne"), DEMO_PASSWORD).await;
    manager.get("/account/tokens").await;
    let reply = manager.submit("/account/tokens", &[("name", "Caisse du comptoir")]).await;
    assert_eq!(reply.redirect_path(), Some("/account/tokens"));
    let reply = manager.get("/account/tokens").await;
    let marker = "data-token>";
    let at = reply.body.find(marker).expect("the token is shown") + marker.len();
    let token = reply.body[at..at + reply.body[at..].find('<').expect("end")].to_string();
    assert!(token.starts_with("ocp_"));
    let stored = scalar_text(&pool, "SELECT token_hash FROM api_tokens").await.expect("a token row");
    assert_ne!(stored, token, "stored as a digest");
    assert!(!manager.get("/account/tokens").await.body.contains(&token), "shown once only");

    let script = Browser::new(&app);
    let bearer = format!("Bearer {token}");
    let me = script.api(Method::GET, "/api/v1/me", &[("Authorization", &bearer)]).await;
    assert_eq!(me.status, 200, "{}", me.body);
    assert_eq!(me.json()["role"], "manager");
    let crew = script.api(Method::GET, "/api/v1/users", &[("Authorization", &bearer)]).await.json();
    let emails: Vec<String> = crew["users"]
        .as_array()
        .expect("users")
        .iter()
        .map(|u| u["email"].as_str().unwrap_or_default().to_string())
        .collect();
    assert!(emails.contains(&demo("driver", "boulogne")) && !emails.contains(&demo("driver", "vincennes")));

    // No CSRF for a bearer token; the same rules as the pages.
    let driver_id = count(&pool, &format!("SELECT id FROM users WHERE email = '{}'", demo("driver", "boulogne"))).await;
    let other_id = count(&pool, &format!("SELECT id FROM users WHERE email = '{}'", demo("driver", "vincennes"))).await;
    let reply =
        script.api(Method::POST, &format!("/api/v1/users/{driver_id}/disable"), &[("Authorization", &bearer)]).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json()["active"], false);
    let reply =
        script.api(Method::POST, &format!("/api/v1/users/{other_id}/disable"), &[("Authorization", &bearer)]).await;
    assert_eq!(reply.status, 404);
    assert_eq!(reply.json()["error"], "not_found");

    // With the session cookie instead, an unsafe call needs the X-CSRF-Token header.
    let reply = manager.api(Method::POST, &format!("/api/v1/users/{driver_id}/enable"), &[]).await;
    assert_eq!(reply.status, 403);
    assert_eq!(reply.json()["error"], "csrf");
    let csrf = common::csrf_in(&manager.get("/account").await.body).expect("token");
    let reply =
        manager.api(Method::POST, &format!("/api/v1/users/{driver_id}/enable"), &[("X-CSRF-Token", &csrf)]).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json()["active"], true);

    // A revoked or unknown token is refused, in JSON.
    let id = count(&pool, "SELECT id FROM api_tokens").await;
    manager.get("/account/tokens").await;
    assert_eq!(manager.submit(&format!("/account/tokens/{id}/revoke"), &[]).await.status, 303);
    for header in [bearer.as_str(), "Bearer ocp_nope", "Basic YWRtaW46YWRtaW4="] {
        let reply = script.api(Method::GET, "/api/v1/me", &[("Authorization", header)]).await;
        assert_eq!(reply.status, 401, "{header}");
        assert_eq!(reply.json()["error"], "invalid_token");
    }
    // A token does not open the pages: they need a session.
    let manager_token_page = script.api(Method::GET, "/manage/dashboard", &[("Authorization", &bearer)]).await;
    assert_eq!(manager_token_page.status, 303);
    // Customers have no tokens.
    let customer = Browser::new(&app);
    customer.sign_in("client@demo.ocpizza.fr", DEMO_PASSWORD).await;
    assert_eq!(customer.get("/account/tokens").await.status, 403);
    pool.close().await;
}

both_backends!(
    forged_forms_are_refused_and_write_nothing,
    failed_logins_lock_then_release,
    client_addresses_come_from_trusted_proxies_only,
    a_disabled_account_is_out_at_its_next_request,
    login_sends_back_to_local_pages_only,
    staff_accounts_get_a_one_time_password,
    api_tokens_authenticate_scripts,
);
