//! Customer accounts: registration with bad input, sessions, password change, addresses,
//! RGPD export and erasure.

mod common;

use common::{count, insert, scalar_text, Backend, Browser, TestApp, TestDb, DEMO_PASSWORD};

const PASSWORD: &str = "une pizza quatre saisons";

/// Registers, and signs in when the registration was taken (it does not sign in by
/// itself: a taken address must get the same answer as a new one).
async fn register(browser: &Browser, name: &str, email: &str, phone: &str, password: &str) -> common::Reply {
    let reply = register_only(browser, name, email, phone, password).await;
    if reply.status == 303 {
        browser.sign_in(email.trim(), password).await;
    }
    reply
}

async fn register_only(browser: &Browser, name: &str, email: &str, phone: &str, password: &str) -> common::Reply {
    browser.forget_csrf();
    browser
        .submit(
            "/register",
            &[
                ("full_name", name),
                ("email", email),
                ("phone", phone),
                ("password", password),
                ("password_confirmation", password),
            ],
        )
        .await
}

async fn a_customer_registers_and_signs_in_again(backend: Backend) {
    let db = TestDb::new(backend).await;
    let app = TestApp::spawn(&db).await;
    let browser = Browser::new(&app);
    let reply = register(&browser, "Léa <b>Dupont</b>", " Lea.Dupont@Exemple.FR ", "+33 6 11 22 33 44", PASSWORD).await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    assert_eq!(reply.redirect_path(), Some("/login"), "then signed in by the helper");

    let account = browser.get("/account").await;
    assert_eq!(account.status, 200);
    assert!(account.body.contains("lea.dupont@exemple.fr"), "the e-mail is stored lower-cased");
    assert!(account.body.contains("06 11 22 33 44"), "the phone is stored the French way");
    assert!(account.body.contains("Léa &lt;b&gt;Dupont&lt;/b&gt;"), "HTML in a name is shown escaped");
    assert!(!account.body.contains("<b>Dupont</b>"));

    let pool = db.pool().await;
    let hash = scalar_text(&pool, "SELECT password_hash FROM users WHERE email = 'lea.dupont@exemple.fr'").await;
    let hash = hash.expect("a stored hash");
    assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
    assert!(!hash.contains(PASSWORD));

    // Signing out ends the session; signing in again works with the same password.
    let old_cookie = browser.cookie("oc_session").expect("session cookie");
    let token = common::csrf_in(&account.body).expect("token");
    let reply = browser.post_raw("/logout", &[("csrf_token", &token)], &[]).await;
    assert_eq!((reply.status, reply.redirect_path()), (303, Some("/")));
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM sessions").await, 0);
    browser.set_cookie("oc_session", &old_cookie);
    assert_eq!(browser.get("/account").await.redirect_path(), Some("/login?next=%2Faccount"), "old cookie is dead");

    let reply = browser.login("LEA.DUPONT@exemple.fr", PASSWORD).await;
    assert_eq!((reply.status, reply.redirect_path()), (303, Some("/account")));
    assert_ne!(browser.cookie("oc_session"), Some(old_cookie), "a new session token at each login");
    pool.close().await;
}

async fn registration_refuses_bad_input_and_keeps_what_was_typed(backend: Backend) {
    let db = TestDb::new(backend).await;
    let app = TestApp::spawn(&db).await;
    let browser = Browser::new(&app);
    let long = "x".repeat(10_000);
    let long_email = format!("{long}@exemple.fr");
    let cases: Vec<(&str, [&str; 4], &str)> = vec![
        ("empty name", ["", "a@exemple.fr", "0611223344", PASSWORD], "Ce champ est obligatoire"),
        ("long name", [&long, "a@exemple.fr", "0611223344", PASSWORD], "100 caractères au maximum"),
        ("control characters", ["Léa\u{1}", "a@exemple.fr", "0611223344", PASSWORD], "caractères non autorisés"),
        ("invalid e-mail", ["Léa", "lea-at-exemple.fr", "0611223344", PASSWORD], "adresse e-mail n'est pas valide"),
        ("long e-mail", ["Léa", &long_email, "0611223344", PASSWORD], "n'est pas valide"),
        ("foreign phone", ["Léa", "a@exemple.fr", "+44 20 7946 0958", PASSWORD], "numéro de téléphone français"),
        ("short password", ["Léa", "a@exemple.fr", "0611223344", "pizza"], "au moins 10 caractères"),
        ("common password", ["Léa", "a@exemple.fr", "0611223344", "azertyuiop"], "plus courants"),
        ("long password", ["Léa", "a@exemple.fr", "0611223344", &long], "au plus 200 caractères"),
    ];
    for (case, [name, email, phone, password], message) in cases {
        let reply = register(&browser, name, email, phone, password).await;
        assert_eq!(reply.status, 422, "{case}");
        assert!(reply.body.contains(message), "{case}: expected {message:?} in the page");
        assert!(reply.body.contains("field-error"), "{case}: the message is next to the field");
        if name == "Léa" {
            assert!(reply.body.contains(r#"value="Léa""#), "{case}: the name typed is kept");
        }
        assert!(!reply.body.contains(&format!(r#"value="{password}""#)), "{case}: never the password");
    }
    // Mismatched confirmation.
    browser.forget_csrf();
    let reply = browser
        .submit(
            "/register",
            &[
                ("full_name", "Léa"),
                ("email", "a@exemple.fr"),
                ("phone", "0611223344"),
                ("password", PASSWORD),
                ("password_confirmation", "autre chose encore"),
            ],
        )
        .await;
    assert_eq!(reply.status, 422);
    assert!(reply.body.contains("ne sont pas identiques"));
    // The same e-mail twice: the same answer as a new account (nothing tells that the
    // address has one), and the first account is untouched.
    let first = register_only(&browser, "Léa", "dup@exemple.fr", "0611223344", PASSWORD).await;
    let other = Browser::new(&app);
    let second = register_only(&other, "Léo", "DUP@exemple.fr", "0611223355", "une autre pizza au four").await;
    assert_eq!((first.status, first.redirect_path()), (303, Some("/login")));
    assert_eq!((second.status, second.redirect_path()), (first.status, first.redirect_path()));
    assert!(other.cookie("oc_session").is_none() && browser.cookie("oc_session").is_none(), "nobody signed in");
    let notice = other.get("/login").await.body;
    assert!(notice.contains("Inscription enregistrée"), "{notice}");
    assert_eq!(other.login("dup@exemple.fr", "une autre pizza au four").await.status, 401, "not the second password");
    browser.sign_in("dup@exemple.fr", PASSWORD).await;

    let pool = db.pool().await;
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM users WHERE role = 'customer'").await, 1, "only the valid one");
    pool.close().await;
}

async fn a_password_change_ends_the_other_sessions(backend: Backend) {
    let db = TestDb::new(backend).await;
    let app = TestApp::spawn_with(&db, &["--demo"], &[]).await;
    let (phone, laptop) = (Browser::new(&app), Browser::new(&app));
    phone.sign_in("client@demo.ocpizza.fr", DEMO_PASSWORD).await;
    laptop.sign_in("client@demo.ocpizza.fr", DEMO_PASSWORD).await;

    let page = laptop.get("/account/password").await;
    assert_eq!(page.status, 200);
    let reply = laptop
        .submit(
            "/account/password",
            &[
                ("current_password", "pas le bon mot de passe"),
                ("new_password", PASSWORD),
                ("new_password_confirmation", PASSWORD),
            ],
        )
        .await;
    assert_eq!(reply.status, 422);
    assert!(reply.body.contains("actuel est incorrect"));
    let reply = laptop
        .submit(
            "/account/password",
            &[("current_password", DEMO_PASSWORD), ("new_password", PASSWORD), ("new_password_confirmation", PASSWORD)],
        )
        .await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    assert_eq!(laptop.get("/account").await.status, 200, "this browser stays signed in");
    assert_eq!(phone.get("/account").await.redirect_path(), Some("/login?next=%2Faccount"), "the other is out");
    assert_eq!(phone.login("client@demo.ocpizza.fr", DEMO_PASSWORD).await.status, 401);
    phone.sign_in("client@demo.ocpizza.fr", PASSWORD).await;
}

async fn addresses_belong_to_their_customer(backend: Backend) {
    let db = TestDb::new(backend).await;
    let app = TestApp::spawn_with(&db, &["--demo"], &[]).await;
    let alice = Browser::new(&app);
    alice.sign_in("client@demo.ocpizza.fr", DEMO_PASSWORD).await;
    alice.get("/account").await;
    let reply = alice
        .submit(
            "/account/addresses",
            &[
                ("label", "Maison"),
                ("street", "12 rue de la Roquette"),
                ("postcode", "75011"),
                ("city", "Paris"),
                ("instructions", "Code 1234B\r\n3e étage"),
            ],
        )
        .await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    let page = alice.get("/account").await;
    assert!(page.body.contains("12 rue de la Roquette"));

    // Bad input: the form comes back with the values typed and a message per field.
    let reply = alice
        .submit("/account/addresses", &[("street", ""), ("postcode", "7501"), ("city", "Paris"), ("label", "Bureau")])
        .await;
    assert_eq!(reply.status, 422);
    assert!(reply.body.contains("Ce champ est obligatoire") && reply.body.contains("5 chiffres"));
    assert!(reply.body.contains(r#"value="Bureau""#));

    let pool = db.pool().await;
    let id = count(&pool, "SELECT MAX(id) FROM addresses").await;
    let reply = alice
        .submit(
            &format!("/account/addresses/{id}"),
            &[("street", "14 rue de la Roquette"), ("postcode", "75011"), ("city", "Paris")],
        )
        .await;
    assert_eq!(reply.status, 303);

    // Another customer can neither see, change nor delete it: it does not exist for them.
    let bob = Browser::new(&app);
    register(&bob, "Bob", "bob@exemple.fr", "0611223344", PASSWORD).await;
    assert_eq!(bob.get(&format!("/account/addresses/{id}")).await.status, 404);
    bob.get("/account").await;
    let reply = bob
        .submit(&format!("/account/addresses/{id}"), &[("street", "Volé"), ("postcode", "75011"), ("city", "Paris")])
        .await;
    assert_eq!(reply.status, 404);
    assert_eq!(bob.submit(&format!("/account/addresses/{id}/delete"), &[]).await.status, 404);
    let street = scalar_text(&pool, &format!("SELECT street FROM addresses WHERE id = {id}")).await;
    assert_eq!(street.as_deref(), Some("14 rue de la Roquette"));

    assert_eq!(alice.submit(&format!("/account/addresses/{id}/delete"), &[]).await.status, 303);
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM addresses").await, 0);
    pool.close().await;
}

async fn a_customer_downloads_then_erases_their_data(backend: Backend) {
    let db = TestDb::new(backend).await;
    let app = TestApp::spawn(&db).await;
    let browser = Browser::new(&app);
    register(&browser, "Zoé Martin", "zoe@exemple.fr", "0611223344", PASSWORD).await;
    browser.get("/account").await;
    browser
        .submit("/account/addresses", &[("street", "3 place de la Nation"), ("postcode", "75012"), ("city", "Paris")])
        .await;
    let pool = db.pool().await;
    // A past order, as the ordering feature will write it.
    insert(
        &pool,
        "INSERT INTO orders (reference, pizzeria_id, customer_id, customer_name, customer_phone, customer_email,
             channel, mode, status, payment_method, payment_status, delivery_street, delivery_postcode, delivery_city,
             total_ht_cents, total_vat_cents, total_ttc_cents)
         SELECT 'OC-TEST-1', p.id, u.id, u.full_name, u.phone, u.email, 'web', 'delivery', 'delivered', 'cash',
             'paid', '3 place de la Nation', '75012', 'Paris', 1000, 100, 1100
         FROM pizzerias p, users u WHERE p.slug = 'paris-bastille' AND u.email = 'zoe@exemple.fr' RETURNING id",
    )
    .await;

    let export = browser.get("/account/export").await;
    assert_eq!(export.status, 200);
    assert!(export.headers["content-type"].to_str().unwrap_or_default().starts_with("application/json"));
    assert!(export.headers["content-disposition"].to_str().unwrap_or_default().starts_with("attachment"));
    let data = export.json();
    assert_eq!(data["account"]["email"], "zoe@exemple.fr");
    assert_eq!(data["account"]["phone"], "06 11 22 33 44");
    assert_eq!(data["addresses"][0]["street"], "3 place de la Nation");
    assert_eq!(data["orders"][0]["reference"], "OC-TEST-1");
    assert!(!export.body.contains("argon2"), "no password hash in the export");

    browser.get("/account/delete").await;
    let reply = browser.submit("/account/delete", &[("password", "mauvais mot de passe")]).await;
    assert_eq!(reply.status, 422);
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM users WHERE email = 'zoe@exemple.fr'").await, 1);
    let reply = browser.submit("/account/delete", &[("password", PASSWORD)]).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(reply.body.contains("Votre compte a été supprimé"));

    assert_eq!(count(&pool, "SELECT COUNT(*) FROM users WHERE email = 'zoe@exemple.fr'").await, 0);
    assert_eq!(
        count(&pool, "SELECT COUNT(*) FROM users WHERE full_name LIKE '%Zoé%' OR phone = '06 11 22 33 44'").await,
        0
    );
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM addresses").await, 0);
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM sessions").await, 0);
    // The order stays, for the accounts, without the person.
    assert_eq!(
        count(&pool, "SELECT COUNT(*) FROM orders WHERE reference = 'OC-TEST-1' AND total_ttc_cents = 1100").await,
        1
    );
    let name =
        scalar_text(&pool, "SELECT customer_name || '|' || customer_phone || '|' || delivery_street FROM orders").await;
    assert_eq!(name.as_deref(), Some("Client supprimé||(effacée)"));
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM orders WHERE customer_email IS NOT NULL").await, 0);
    assert_eq!(browser.get("/account").await.redirect_path(), Some("/login?next=%2Faccount"));
    assert_eq!(browser.login("zoe@exemple.fr", PASSWORD).await.status, 401);
    pool.close().await;
}

/// The `Set-Cookie` header that carries the session.
fn session_cookie(reply: &common::Reply) -> String {
    reply
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap_or_default().to_string())
        .find(|c| c.starts_with("oc_session="))
        .expect("session cookie")
}

async fn sessions_expire_when_idle_or_too_old(backend: Backend) {
    let db = TestDb::new(backend).await;
    let app = TestApp::spawn_with(&db, &["--demo"], &[("OC_PIZZA_SESSION_IDLE_MINUTES", "30")]).await;
    let pool = db.pool().await;
    let customer = Browser::new(&app);
    customer.sign_in("client@demo.ocpizza.fr", DEMO_PASSWORD).await;
    let idle = count(&pool, "SELECT idle_timeout_seconds FROM sessions").await;
    assert_eq!(idle, 1800, "idle limit from the configuration");

    // Idle for 29 minutes: still in. Idle for 31: out.
    common::execute(&pool, "UPDATE sessions SET last_seen_at = last_seen_at - 29 * 60").await;
    assert_eq!(customer.get("/account").await.status, 200);
    common::execute(&pool, "UPDATE sessions SET last_seen_at = last_seen_at - 31 * 60").await;
    assert_eq!(customer.get("/account").await.redirect_path(), Some("/login?next=%2Faccount"));

    // Past the absolute limit, activity does not matter.
    customer.sign_in("client@demo.ocpizza.fr", DEMO_PASSWORD).await;
    common::execute(&pool, "UPDATE sessions SET expires_at = last_seen_at - 1").await;
    assert_eq!(customer.get("/account").await.redirect_path(), Some("/login?next=%2Faccount"));

    // "Rester connecté": a lasting cookie and a 30-day session, for customers only.
    customer.forget_csrf();
    let token = customer.csrf().await;
    let reply = customer
        .post_raw(
            "/login",
            &[
                ("csrf_token", &token),
                ("email", "client@demo.ocpizza.fr"),
                ("password", DEMO_PASSWORD),
                ("remember", "true"),
            ],
            &[],
        )
        .await;
    let cookie = session_cookie(&reply);
    assert!(cookie.contains("Max-Age=2592000"), "{cookie}");
    // Logging in purges the expired rows: only this session is left.
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM sessions").await, 1);
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    assert_eq!(count(&pool, "SELECT MAX(expires_at - created_at) FROM sessions").await, 30 * 86_400);
    let staff = Browser::new(&app);
    staff.forget_csrf();
    let token = staff.csrf().await;
    let reply = staff
        .post_raw(
            "/login",
            &[
                ("csrf_token", &token),
                ("email", &common::demo("pizzaiolo", "boulogne")),
                ("password", DEMO_PASSWORD),
                ("remember", "true"),
            ],
            &[],
        )
        .await;
    let cookie = session_cookie(&reply);
    assert!(!cookie.contains("Max-Age"), "staff sessions end with the browser: {cookie}");
    pool.close().await;
}

/// Whatever is typed in any form field of the account pages, the answer is a page, never a
/// server error.
async fn hostile_input_never_breaks_a_form(backend: Backend) {
    let db = TestDb::new(backend).await;
    let app = TestApp::spawn_with(&db, &["--demo"], &[]).await;
    let customer = Browser::new(&app);
    customer.sign_in("client@demo.ocpizza.fr", DEMO_PASSWORD).await;
    let admin = Browser::new(&app);
    admin.sign_in("admin@demo.ocpizza.fr", DEMO_PASSWORD).await;
    let long = "é".repeat(10_000);
    let values = [
        "",
        long.as_str(),
        "a\u{0}b\u{1b}[31m",
        "<script>alert(1)</script>",
        "' OR '1'='1",
        "%00",
        "😀🍕",
        "-1",
        "99999999999999999999",
    ];
    let pool = db.pool().await;
    let driver_id = count(&pool, &format!("SELECT id FROM users WHERE email = '{}'", common::demo("driver", P))).await;
    let user_page = format!("/admin/users/{driver_id}");
    let visitor = Browser::new(&app);
    let forms: Vec<(&Browser, &str, &[&str])> = vec![
        (&visitor, "/login", &["email", "password", "next"]),
        (&visitor, "/register", &["full_name", "email", "phone", "password", "password_confirmation"]),
        (&customer, "/account/profile", &["full_name", "phone"]),
        (&customer, "/account/addresses", &["label", "street", "postcode", "city", "instructions"]),
        (&customer, "/account/password", &["current_password", "new_password", "new_password_confirmation"]),
        (&admin, "/account/tokens", &["name"]),
        (&admin, "/admin/users", &["full_name", "email", "phone", "role", "pizzeria"]),
        (&admin, &user_page, &["full_name", "phone", "role", "pizzeria"]),
    ];
    for (browser, path, fields) in forms {
        for field in fields.iter() {
            for value in values {
                let mut all: Vec<(&str, &str)> = fields.iter().map(|f| (*f, "Valeur")).collect();
                all.retain(|(f, _)| f != field);
                all.push((field, value));
                let reply = browser.submit(path, &all).await;
                assert!(
                    reply.status < 500,
                    "{path} {field}={:?}: {}",
                    value.chars().take(20).collect::<String>(),
                    reply.status
                );
                assert!(!reply.body.contains("<script>alert"), "{path} {field}: HTML is escaped");
            }
        }
    }
    pool.close().await;
}

const P: &str = "paris-bastille";

both_backends!(
    sessions_expire_when_idle_or_too_old,
    hostile_input_never_breaks_a_form,
    a_customer_registers_and_signs_in_again,
    registration_refuses_bad_input_and_keeps_what_was_typed,
    a_password_change_ends_the_other_sessions,
    addresses_belong_to_their_customer,
    a_customer_downloads_then_erases_their_data,
);
