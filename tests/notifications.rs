//! Customers are told about their orders: e-mail through a real SMTP server (aiosmtpd on
//! loopback), texts through an SMS gateway on loopback, both written in the outbox in the
//! same transaction as the transition and delivered by the worker — retried when the server
//! is down, kept across a `kill -9`, sent once with two instances. Password reset by e-mail.

mod common;

use std::time::Duration;

use common::notify::{free_port, Mail, SmsGateway, SmtpServer};
use common::{count, demo, first_slot, scalar_text, Backend, Browser, TestApp, TestDb, DEMO_PASSWORD};
use oc_pizza::db::DbPool;
use oc_pizza::domain::money::format_eur;
use reqwest::Method;
use serde_json::json;

const A: &str = "boulogne";
const GUEST_EMAIL: &str = "lea@exemple.fr";
const WAIT: Duration = Duration::from_secs(20);

async fn spawn(db: &TestDb, envs: &[(&'static str, String)]) -> TestApp {
    let envs: Vec<(&str, &str)> = envs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    TestApp::spawn_with(db, &["--demo"], &envs).await
}

/// A guest orders through the API: (reference, private key).
async fn place(app: &TestApp, mode: &str, extra: serde_json::Value) -> (String, String) {
    let mut body = json!({
        "pizzeria": A, "mode": mode, "when": common::next_evening(), "payment": "cash",
        "lines": [{ "pizza": "margherita", "quantity": 2, "note": "bien cuite" }, { "pizza": "reine", "quantity": 1 }],
        "contact": { "name": "Léa Invitée", "email": GUEST_EMAIL, "phone": "06 11 22 33 44" },
    });
    if mode == "delivery" {
        body["address"] = json!({ "street": "3 rue de Paris", "postcode": "92100", "city": "Boulogne" });
    }
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    let reply = Browser::new(app).json(Method::POST, "/api/v1/orders", &[], &body).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let order = reply.json();
    (order["reference"].as_str().expect("reference").into(), order["access_key"].as_str().expect("key").into())
}

async fn staff(app: &TestApp, role: &str) -> Browser {
    let browser = Browser::new(app);
    browser.sign_in(&demo(role, A), DEMO_PASSWORD).await;
    browser
}

/// Moves an order through the staff API.
async fn advance(browser: &Browser, reference: &str, body: serde_json::Value) {
    let csrf = browser.csrf().await;
    let path = format!("/api/v1/orders/{reference}/transitions");
    let reply = browser.json(Method::POST, &path, &[("X-CSRF-Token", csrf.as_str())], &body).await;
    assert_eq!(reply.status, 200, "{} → {}", body, reply.body);
}

/// Messages to customers: the demo stock has low ingredients, whose alerts go to managers.
fn for_customers(mail: &Mail) -> bool {
    !mail.subject.starts_with("Stock ")
}

fn about_mozzarella(mail: &Mail) -> bool {
    mail.subject.starts_with("Stock ") && mail.subject.contains("Mozzarella fior di latte")
}

fn about<'a>(mails: &'a [Mail], reference: &str) -> Vec<&'a Mail> {
    mails.iter().filter(|m| m.subject.contains(reference)).collect()
}

/// Outbox rows for customers (the managers' stock alerts set aside) that meet `condition`.
async fn outbox(pool: &DbPool, condition: &str) -> i64 {
    count(pool, &format!("SELECT COUNT(*) FROM notification_outbox WHERE kind <> 'stock_alert' AND ({condition})"))
        .await
}

/// Waits until some outbox row meets `condition`.
async fn wait_for_outbox(pool: &DbPool, condition: &str, app: &TestApp) {
    let deadline = std::time::Instant::now() + WAIT;
    while outbox(pool, condition).await == 0 {
        assert!(std::time::Instant::now() < deadline, "no outbox row where {condition}:\n{}", app.log());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The settings of an app whose mail server (on `port`) may be down, retried every second.
fn quick_retries(port: u16) -> Vec<(&'static str, String)> {
    let mut envs = SmtpServer::env(port);
    envs.push(("OC_PIZZA_NOTIFICATION_RETRY_BASE_SECONDS", "1".into()));
    envs
}

async fn a_customer_hears_of_every_step_once(backend: Backend) {
    let Some(smtp) = SmtpServer::start().await else { return };
    let db = TestDb::new(backend).await;
    let app = spawn(&db, &SmtpServer::env(smtp.port)).await;
    let pool = db.pool().await;
    let (delivery, key) = place(&app, "delivery", json!({})).await;
    let (takeaway, _) = place(&app, "takeaway", json!({})).await;
    let (cancelled, _) = place(&app, "takeaway", json!({})).await;

    let cook = staff(&app, "pizzaiolo").await;
    let driver = staff(&app, "driver").await;
    let counter = staff(&app, "counter").await;
    let total = count(&pool, &format!("SELECT total_ttc_cents FROM orders WHERE reference = '{delivery}'")).await;
    for to in ["preparing", "ready"] {
        advance(&cook, &delivery, json!({ "to": to })).await;
        advance(&cook, &takeaway, json!({ "to": to })).await;
    }
    advance(&driver, &delivery, json!({ "to": "out_for_delivery" })).await;
    let paid = json!({ "method": "cash", "amount_cents": total });
    advance(&driver, &delivery, json!({ "to": "delivered", "payment": paid })).await;
    advance(&counter, &takeaway, json!({ "to": "collected", "payment": { "method": "card", "amount_cents": total } }))
        .await;
    advance(&counter, &cancelled, json!({ "to": "cancelled", "reason": "Four en panne" })).await;

    // Delivery: received, in the oven, on its way, delivered (its `ready` is the shop's
    // business). Takeaway: received, in the oven, ready to collect (not `collected`).
    // Cancelled: received, cancelled with the reason.
    smtp.wait_for_where(4 + 3 + 2, WAIT, for_customers).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mails = smtp.received_where(for_customers);
    let subjects = |reference: &str| about(&mails, reference).iter().map(|m| m.subject.clone()).collect::<Vec<_>>();
    assert_eq!(
        subjects(&delivery),
        vec![
            format!("Commande {delivery} reçue"),
            format!("Commande {delivery} : en préparation"),
            format!("Commande {delivery} : en route"),
            format!("Commande {delivery} livrée"),
        ]
    );
    assert_eq!(
        subjects(&takeaway),
        vec![
            format!("Commande {takeaway} reçue"),
            format!("Commande {takeaway} : en préparation"),
            format!("Commande {takeaway} : prête à retirer"),
        ]
    );
    assert_eq!(
        subjects(&cancelled),
        vec![format!("Commande {cancelled} reçue"), format!("Commande {cancelled} annulée")]
    );
    assert_eq!(mails.len(), 9, "one message per notifiable transition, none twice");

    let confirmation = about(&mails, &delivery)[0];
    assert_eq!(confirmation.rcpt_tos, vec![GUEST_EMAIL.to_string()]);
    assert!(confirmation.from.contains("commandes@ocpizza.test"), "{}", confirmation.from);
    assert!(!confirmation.date.is_empty() && confirmation.message_id.ends_with("@ocpizza.test>"));
    assert_eq!(confirmation.content_type, "multipart/alternative");
    let link = format!("https://pizza.test/orders/{delivery}?key={key}");
    let phone = scalar_text(&pool, &format!("SELECT phone FROM pizzerias WHERE slug = '{A}'")).await.expect("phone");
    let ttc = format_eur(total);
    for part in [confirmation.text(), confirmation.html()] {
        assert!(part.contains(&delivery), "the reference: {part}");
        assert!(part.contains("Margherita") && part.contains("Note : bien cuite"), "the lines: {part}");
        assert!(part.contains(&ttc), "the total {ttc}: {part}");
        assert!(part.contains("Total HT") && part.contains("TVA 10"), "HT and VAT: {part}");
        assert!(part.contains("3 rue de Paris"), "the delivery address: {part}");
        assert!(part.contains(&phone), "the pizzeria's phone {phone}: {part}");
    }
    assert!(confirmation.text().contains(&link), "the guest's private link: {}", confirmation.text());
    assert!(confirmation.html().contains(&format!("href=\"{link}\"")), "{}", confirmation.html());
    // The private link in the message opens the order.
    let (status, page) = app.get_text(&format!("/orders/{delivery}?key={key}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("data-step=\"delivered\""), "the tracking page shows the steps");
    let cancellation = about(&mails, &cancelled)[1];
    assert!(cancellation.text().contains("Four en panne") && cancellation.html().contains("Four en panne"));

    assert_eq!(outbox(&pool, "status = 'sent'").await, 9);
    assert_eq!(outbox(&pool, "status <> 'sent'").await, 0);
}

async fn preferences_choose_what_is_sent(backend: Backend) {
    let Some(smtp) = SmtpServer::start().await else { return };
    let db = TestDb::new(backend).await;
    let app = spawn(&db, &SmtpServer::env(smtp.port)).await;
    let cook = staff(&app, "pizzaiolo").await;

    // A guest who wants nothing gets nothing; one who wants the essentials gets no "in the oven".
    let (silent, _) = place(&app, "takeaway", json!({ "notify_email": "none" })).await;
    let (essential, _) = place(&app, "takeaway", json!({ "notify_email": "essential" })).await;
    let reply = Browser::new(&app)
        .json(
            Method::POST,
            "/api/v1/orders",
            &[],
            &json!({ "pizzeria": A, "mode": "takeaway", "payment": "cash", "notify_email": "spam",
                     "lines": [{ "pizza": "margherita", "quantity": 1 }],
                     "contact": { "name": "Léa", "email": GUEST_EMAIL, "phone": "0611223344" } }),
        )
        .await;
    assert_eq!(reply.status, 422, "an unknown choice is refused: {}", reply.body);

    // A customer chooses in their account.
    let customer = Browser::new(&app);
    customer.sign_in("client@demo.ocpizza.fr", DEMO_PASSWORD).await;
    let page = customer.get("/account").await;
    assert!(page.body.contains("Mes notifications") && page.body.contains("name=\"notify_email\""));
    let saved = customer.submit("/account/notifications", &[("notify_email", "essential")]).await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let refused = customer.submit("/account/notifications", &[("notify_email", "everything")]).await;
    assert_eq!(refused.status, 400);
    let csrf = customer.csrf().await;
    let body = json!({ "pizzeria": A, "mode": "takeaway", "when": common::next_evening(), "payment": "cash",
                       "lines": [{ "pizza": "margherita", "quantity": 1 }],
                       "contact": { "name": "Camille Client", "email": "client@demo.ocpizza.fr", "phone": "0612345678" } });
    let reply = customer.json(Method::POST, "/api/v1/orders", &[("X-CSRF-Token", csrf.as_str())], &body).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let mine = reply.json()["reference"].as_str().expect("reference").to_string();

    // A guest on the web checkout chooses too: the essentials, so a modification is told.
    let guest = Browser::new(&app);
    guest.get(&format!("/pizzerias/{A}/menu")).await;
    guest.submit("/cart/add", &[("pizzeria", A), ("pizza", "margherita"), ("quantity", "1")]).await;
    let form = guest.get("/checkout").await;
    assert!(form.body.contains("Vous tenir informé") && form.body.contains("name=\"notify_email\""));
    let slot = first_slot(&form.body);
    let fields = [
        ("mode", "takeaway"),
        ("when", slot.as_str()),
        ("payment", "cash"),
        ("full_name", "Léa Invitée"),
        ("email", GUEST_EMAIL),
        ("phone", "06 11 22 33 44"),
        ("notify_email", "essential"),
    ];
    let placed = guest.submit("/checkout", &fields).await;
    assert_eq!(placed.status, 303, "{}", placed.body);
    let web = placed.redirect_path().expect("the order's page").trim_start_matches("/orders/").to_string();
    let (web, web_key) = web
        .split_once("?key=")
        .map(|(r, k)| (r.to_string(), k.split('&').next().unwrap_or("").to_string()))
        .expect("a guest link");
    let change = json!({ "version": 1, "mode": "takeaway", "when": common::next_evening(),
                         "lines": [{ "pizza": "reine", "quantity": 2 }] });
    let changed = Browser::new(&app)
        .json(Method::PUT, &format!("/api/v1/orders/{web}"), &[("X-Order-Key", web_key.as_str())], &change)
        .await;
    assert_eq!(changed.status, 200, "{}", changed.body);

    for reference in [&silent, &essential, &mine, &web] {
        advance(&cook, reference, json!({ "to": "preparing" })).await;
    }
    let (marker, _) = place(&app, "takeaway", json!({})).await;
    smtp.wait_for_where(5, WAIT, for_customers).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mails = smtp.received_where(for_customers);
    assert!(about(&mails, &marker).len() == 1, "the marker order's confirmation arrived");
    assert!(about(&mails, &silent).is_empty(), "nothing for 'none'");
    assert_eq!(about(&mails, &essential).len(), 1, "'essential': the confirmation only");
    let web_mails: Vec<String> = about(&mails, &web).iter().map(|m| m.subject.clone()).collect();
    assert_eq!(web_mails, vec![format!("Commande {web} reçue"), format!("Commande {web} modifiée")]);
    let modified = about(&mails, &web)[1];
    assert!(modified.text().contains("2 × Reine") && !modified.text().contains("Margherita"), "{}", modified.text());
    let mine_mails = about(&mails, &mine);
    assert_eq!(mine_mails.len(), 1, "the account's choice holds: {mine_mails:?}");
    assert_eq!(mine_mails[0].rcpt_tos, vec!["client@demo.ocpizza.fr".to_string()]);
    // The customer's link is the order's page (they sign in), never a key.
    let text = mine_mails[0].text();
    assert!(text.contains(&format!("https://pizza.test/orders/{mine}")) && !text.contains("?key="), "{text}");
}

async fn a_down_smtp_server_is_retried_until_it_is_back(backend: Backend) {
    let port = free_port();
    let db = TestDb::new(backend).await;
    let app = spawn(&db, &quick_retries(port)).await;
    let pool = db.pool().await;
    let (reference, _) = place(&app, "takeaway", json!({})).await;

    // Refused: the row stays pending with its error and a later attempt.
    wait_for_outbox(&pool, "attempts >= 2 AND status = 'pending' AND last_error IS NOT NULL", &app).await;
    let Some(smtp) = SmtpServer::start_on(port).await else { return };
    let mails = smtp.wait_for_where(1, Duration::from_secs(60), for_customers).await;
    assert_eq!(about(&mails, &reference).len(), 1, "delivered once the server is back");
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(smtp.received_where(for_customers).len(), 1, "and only once");
    assert_eq!(outbox(&pool, "status = 'sent' AND attempts >= 3").await, 1);
    assert!(app.log().contains("notification not sent"), "each failure is logged");
}

async fn nothing_is_lost_when_the_process_is_killed(backend: Backend) {
    let port = free_port();
    let db = TestDb::new(backend).await;
    let envs = quick_retries(port);
    let app = spawn(&db, &envs).await;
    let pool = db.pool().await;
    let (reference, _) = place(&app, "takeaway", json!({})).await;
    let cook = staff(&app, "pizzaiolo").await;
    advance(&cook, &reference, json!({ "to": "preparing" })).await;
    // Killed between the transitions and the delivery (the mail server is down).
    app.kill();
    assert_eq!(outbox(&pool, "status = 'pending'").await, 2, "both messages were committed with their transitions");

    let Some(smtp) = SmtpServer::start_on(port).await else { return };
    let _app = spawn(&db, &envs).await;
    // A row claimed at the instant of the kill waits for its lease (2 minutes) to end.
    let mails = smtp.wait_for_where(2, Duration::from_secs(150), for_customers).await;
    let subjects: Vec<String> = about(&mails, &reference).iter().map(|m| m.subject.clone()).collect();
    assert_eq!(subjects.len(), 2, "{subjects:?}");
    assert!(subjects.iter().any(|s| s.ends_with("reçue")) && subjects.iter().any(|s| s.ends_with("en préparation")));
}

async fn two_instances_deliver_each_message_once(backend: Backend) {
    let Some(smtp) = SmtpServer::start().await else { return };
    let db = TestDb::new(backend).await;
    let first = spawn(&db, &SmtpServer::env(smtp.port)).await;
    let second = spawn(&db, &SmtpServer::env(smtp.port)).await;
    let cooks = [staff(&first, "pizzaiolo").await, staff(&second, "pizzaiolo").await];
    let mut references = Vec::new();
    for n in 0..12 {
        let app = if n % 2 == 0 { &first } else { &second };
        let (reference, _) = place(app, "takeaway", json!({})).await;
        advance(&cooks[n % 2], &reference, json!({ "to": "preparing" })).await;
        references.push(reference);
    }
    smtp.wait_for_where(24, Duration::from_secs(30), for_customers).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let mails = smtp.received_where(for_customers);
    let mut seen: Vec<(String, String)> = mails.iter().map(|m| (m.subject.clone(), m.rcpt_tos.join(","))).collect();
    seen.sort();
    let before = seen.len();
    seen.dedup();
    assert_eq!((before, seen.len()), (24, 24), "each of the 24 messages arrived once");
    for reference in &references {
        assert_eq!(about(&mails, reference).len(), 2);
    }
    let pool = db.pool().await;
    assert_eq!(outbox(&pool, "status = 'sent' AND attempts = 1").await, 24, "each row was taken by one worker, once");
}

async fn texts_go_to_mobiles_that_accepted_them(backend: Backend) {
    let gateway = SmsGateway::start().await;
    let db = TestDb::new(backend).await;
    let app = spawn(&db, &gateway.env()).await;
    let pool = db.pool().await;
    let (accepted, _) = place(&app, "delivery", json!({ "notify_sms": true })).await;
    let (declined, _) = place(&app, "delivery", json!({})).await;
    let cook = staff(&app, "pizzaiolo").await;
    let driver = staff(&app, "driver").await;
    for reference in [&accepted, &declined] {
        advance(&cook, reference, json!({ "to": "preparing" })).await;
        advance(&cook, reference, json!({ "to": "ready" })).await;
        advance(&driver, reference, json!({ "to": "out_for_delivery" })).await;
    }
    gateway.wait_for(2, WAIT).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let bodies = gateway.bodies();
    assert_eq!(bodies.len(), 2, "in the oven and on its way, for the customer who accepted: {bodies:?}");
    for body in &bodies {
        assert_eq!(body["to"], "+33611223344");
        assert_eq!(body["sender"], "OCPIZZA");
        let text = body["text"].as_str().unwrap_or_default();
        assert!(text.contains(&accepted) && !text.contains(&declined), "{text}");
        assert!(text.chars().count() <= 160, "one SMS: {text}");
    }
    assert!(bodies[0]["text"].as_str().unwrap_or_default().contains("en préparation"));
    assert!(bodies[1]["text"].as_str().unwrap_or_default().contains("en route"));
    assert_eq!(*gateway.refused.lock().expect("refused"), 0);
    assert_eq!(outbox(&pool, "channel = 'email'").await, 0, "e-mail is off: nothing written for it");

    // Taken by phone: the customer is asked, and says yes to texts.
    let counter = staff(&app, "counter").await;
    let page = counter.get("/staff/orders/new?phone=0722334455").await;
    assert!(page.body.contains("Tenir le client informé"), "{}", page.body);
    let margherita = count(&pool, "SELECT id FROM pizzas WHERE slug = 'margherita'").await;
    let quantity = format!("quantity[{margherita}]");
    let slot = first_slot(&page.body);
    let fields = [
        ("pizzeria", A),
        ("channel", "phone"),
        ("phone", "07 22 33 44 55"),
        ("full_name", "Paul Téléphone"),
        ("payment", "cash"),
        ("mode", "takeaway"),
        ("when", slot.as_str()),
        (quantity.as_str(), "1"),
        ("notify_email", "none"),
        ("notify_sms", "true"),
    ];
    let taken = counter.submit("/staff/orders/new", &fields).await;
    assert_eq!(taken.status, 303, "{}", taken.body);
    let phoned =
        scalar_text(&pool, "SELECT reference FROM orders WHERE customer_phone LIKE '07%'").await.expect("order");
    advance(&cook, &phoned, json!({ "to": "preparing" })).await;
    advance(&cook, &phoned, json!({ "to": "ready" })).await;
    let bodies = gateway.wait_for(4, WAIT).await;
    let texts: Vec<&str> =
        bodies.iter().filter(|b| b["to"] == "+33722334455").filter_map(|b| b["text"].as_str()).collect();
    assert_eq!(texts.len(), 2, "{bodies:?}");
    assert!(texts[0].contains("en préparation") && texts[1].contains("prête à emporter"), "{texts:?}");

    // A gateway that refuses the token: the message fails at once, and says why.
    let db = TestDb::new(backend).await;
    let mut envs = gateway.env();
    envs[1].1 = "wrong-token".into();
    let app = spawn(&db, &envs).await;
    let (reference, _) = place(&app, "takeaway", json!({ "notify_sms": true })).await;
    advance(&staff(&app, "pizzaiolo").await, &reference, json!({ "to": "preparing" })).await;
    let pool = db.pool().await;
    wait_for_outbox(&pool, "status = 'failed'", &app).await;
    let error = scalar_text(&pool, "SELECT last_error FROM notification_outbox WHERE status = 'failed'").await;
    assert!(error.unwrap_or_default().contains("401"));
    assert_eq!(gateway.bodies().len(), 4, "nothing recorded without the right token");
}

fn reset_path(mail: &Mail) -> String {
    let text = mail.text();
    let start = text.find("https://pizza.test/password/reset/").expect("a reset link in the text part");
    let link: String = text[start..].chars().take_while(|c| !c.is_whitespace()).collect();
    assert!(mail.html().contains(&link), "the same link in the HTML part");
    link.trim_start_matches("https://pizza.test").to_string()
}

async fn a_forgotten_password_is_reset_through_the_received_email(backend: Backend) {
    let Some(smtp) = SmtpServer::start().await else { return };
    let db = TestDb::new(backend).await;
    let app = spawn(&db, &SmtpServer::env(smtp.port)).await;
    let pool = db.pool().await;
    let email = "client@demo.ocpizza.fr";
    let elsewhere = Browser::new(&app);
    elsewhere.sign_in(email, DEMO_PASSWORD).await;

    let visitor = Browser::new(&app);
    let known = visitor.submit("/password/forgot", &[("email", email)]).await;
    let unknown = visitor.submit("/password/forgot", &[("email", "personne@exemple.fr")]).await;
    assert_eq!((known.status, unknown.status), (303, 303));
    let said = visitor.get("/password/forgot").await;
    assert!(said.body.contains("Si un compte existe"), "{}", said.body);
    assert_eq!(visitor.submit("/password/forgot", &[("email", "pas-une-adresse")]).await.status, 422);

    let mails = smtp.wait_for_where(1, WAIT, for_customers).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(smtp.received_where(for_customers).len(), 1, "one message, to the known address only: {mails:?}");
    let mail = &mails[0];
    assert_eq!(mail.rcpt_tos, vec![email.to_string()]);
    assert_eq!(mail.subject, "Réinitialisation de votre mot de passe OC Pizza");
    let path = reset_path(mail);
    assert_eq!(
        scalar_text(&pool, "SELECT body FROM notification_outbox WHERE kind = 'password_reset'").await.as_deref(),
        Some(""),
        "the link is not kept once sent"
    );

    assert_eq!(visitor.get(&path).await.status, 200);
    let weak = visitor.submit(&path, &[("new_password", "court"), ("new_password_confirmation", "court")]).await;
    assert_eq!(weak.status, 422);
    let new_password = "une nouvelle phrase de passe";
    let fields = [("new_password", new_password), ("new_password_confirmation", new_password)];
    let done = visitor.submit(&path, &fields).await;
    assert_eq!((done.status, done.redirect_path()), (303, Some("/login")));
    // The other sessions ended; the new password works, the old one does not.
    assert_eq!(elsewhere.get("/account").await.redirect_path().map(|p| p.starts_with("/login")), Some(true));
    assert_eq!(Browser::new(&app).login(email, DEMO_PASSWORD).await.status, 401);
    Browser::new(&app).sign_in(email, new_password).await;
    // Used once: never again.
    assert_eq!(visitor.get(&path).await.status, 410);
    assert_eq!(visitor.submit(&path, &fields).await.status, 410);

    // An expired link is refused too.
    common::execute(&pool, "UPDATE password_resets SET created_at = created_at - 3600").await;
    visitor.submit("/password/forgot", &[("email", email)]).await;
    let mails = smtp.wait_for_where(2, WAIT, for_customers).await;
    let second = reset_path(&mails[1]);
    assert_ne!(second, path);
    common::execute(&pool, "UPDATE password_resets SET expires_at = 0 WHERE used_at IS NULL").await;
    assert_eq!(visitor.get(&second).await.status, 410);
    let fields =
        [("new_password", "encore une autre phrase"), ("new_password_confirmation", "encore une autre phrase")];
    assert_eq!(visitor.submit(&second, &fields).await.status, 410);
    Browser::new(&app).sign_in(email, new_password).await;
}

async fn the_tracking_page_follows_each_step_live(backend: Backend) {
    let db = TestDb::new(backend).await;
    let app = spawn(&db, &[]).await;
    let (reference, key) = place(&app, "delivery", json!({})).await;
    let guest = Browser::new(&app);
    let page = guest.get(&format!("/orders/{reference}?key={key}")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains(r#"class="step current" data-step="placed" aria-current="step""#), "{}", page.body);
    assert!(page.body.contains("Livraison prévue"), "the expected time");
    assert!(page.body.contains("tel:"), "the pizzeria's phone");

    let mut stream = guest.events(&format!("/orders/{reference}/events?key={key}")).await;
    let cook = staff(&app, "pizzaiolo").await;
    let driver = staff(&app, "driver").await;
    for (who, to) in [(&cook, "preparing"), (&cook, "ready"), (&driver, "out_for_delivery")] {
        advance(who, &reference, json!({ "to": to })).await;
        let event = stream.wait_for("change", &format!(r#""status":"{to}""#), Duration::from_secs(5)).await;
        assert!(event.is_some_and(|e| e.data.contains(&reference)), "the {to} transition arrives");
    }
    let page = guest.get(&format!("/orders/{reference}?key={key}")).await;
    assert!(page.body.contains(r#"class="step done" data-step="ready""#));
    assert!(page.body.contains(r#"class="step current" data-step="out_for_delivery""#));
    // Another customer's reference does not exist for them, nor without the key.
    let other = Browser::new(&app);
    other.sign_in("client@demo.ocpizza.fr", DEMO_PASSWORD).await;
    assert_eq!(other.events_status(&format!("/orders/{reference}/events")).await, 404);
    assert_eq!(other.get(&format!("/orders/{reference}")).await.status, 404);
    assert_eq!(guest.events_status(&format!("/orders/{reference}/events?key=not-the-key")).await, 404);
}

async fn managers_are_emailed_when_an_ingredient_gets_low_or_runs_out(backend: Backend) {
    let Some(smtp) = SmtpServer::start().await else { return };
    let db = TestDb::new(backend).await;
    let app = spawn(&db, &SmtpServer::env(smtp.port)).await;
    let boss = staff(&app, "manager").await;
    let act = |action: &'static str, quantity: &'static str| {
        let fields = [("pizzeria", A), ("ingredient", "mozzarella"), ("action", action), ("quantity", quantity)];
        let boss = &boss;
        async move {
            let reply = boss.submit("/manage/stock", &fields).await;
            assert_eq!(reply.status, 303, "{action} {quantity}: {}", reply.body);
        }
    };
    let alerts = |mails: &[Mail]| -> Vec<String> { mails.iter().map(|m| m.subject.clone()).collect() };
    let low = "Stock bas : Mozzarella fior di latte — OC Pizza Boulogne".to_string();
    let out = "Stock épuisé : Mozzarella fior di latte — OC Pizza Boulogne".to_string();

    act("threshold", "2000").await;
    act("inventory", "1500").await;
    smtp.wait_for_where(1, WAIT, about_mozzarella).await;
    // Still low, lower: not told again.
    act("inventory", "1200").await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(alerts(&smtp.received_where(about_mozzarella)), vec![low.clone()]);
    let mail = &smtp.received_where(about_mozzarella)[0];
    assert_eq!(mail.rcpt_tos, vec![demo("manager", A)], "to the pizzeria's manager");
    assert!(mail.text().contains("il reste 1500 g (seuil d'alerte : 2000 g)"), "{}", mail.text());
    assert!(mail.text().contains("https://pizza.test/manage/stock") && mail.html().contains("Mozzarella"));

    // Out: told; restocked: the alert ends; low again: told again.
    act("inventory", "0").await;
    smtp.wait_for_where(2, WAIT, about_mozzarella).await;
    act("restock", "5000").await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    act("inventory", "100").await;
    smtp.wait_for_where(3, WAIT, about_mozzarella).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(alerts(&smtp.received_where(about_mozzarella)), vec![low.clone(), out, low]);
}

/// Registering with an address that has an account answers as a new registration; the
/// owner is told by e-mail (once an hour at most), and nobody else learns anything.
async fn a_taken_address_is_told_by_email_not_on_the_page(backend: Backend) {
    let Some(smtp) = SmtpServer::start().await else { return };
    let db = TestDb::new(backend).await;
    let app = spawn(&db, &SmtpServer::env(smtp.port)).await;
    let register = |email: &'static str| {
        let browser = Browser::new(&app);
        async move {
            browser.forget_csrf();
            let password = "une autre pizza au four";
            let fields = [
                ("full_name", "Quelqu'un"),
                ("email", email),
                ("phone", "0611223344"),
                ("password", password),
                ("password_confirmation", password),
            ];
            let reply = browser.submit("/register", &fields).await;
            let notice = browser.get("/login").await.body;
            (reply.status, reply.redirect_path().map(str::to_string), notice.contains("Inscription enregistrée"))
        }
    };
    let taken = register("client@demo.ocpizza.fr").await;
    let new = register("nouvelle@exemple.fr").await;
    assert_eq!(taken, new, "the same answer");
    assert_eq!(new, (303, Some("/login".to_string()), true));
    register("client@demo.ocpizza.fr").await;

    let mails = smtp.wait_for_where(1, WAIT, for_customers).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(smtp.received_where(for_customers).len(), 1, "one message, to the owner only: {mails:?}");
    assert_eq!(mails[0].rcpt_tos, vec!["client@demo.ocpizza.fr".to_string()]);
    assert_eq!(mails[0].subject, "Votre compte OC Pizza existe déjà");
    assert!(mails[0].text().contains("https://pizza.test/password/forgot"), "{}", mails[0].text());
    // The owner's password did not change.
    Browser::new(&app).sign_in("client@demo.ocpizza.fr", DEMO_PASSWORD).await;
}

/// Reset links are limited per e-mail address and per client address: a script cannot
/// flood one inbox, nor probe many addresses from one machine.
async fn reset_requests_are_limited(backend: Backend) {
    let db = TestDb::new(backend).await;
    let envs = [("OC_PIZZA_PASSWORD_RESET_MAX_PER_ADDRESS", "4".to_string())];
    let app = spawn(&db, &envs).await;
    let visitor = Browser::new(&app);
    let ask = |email: &'static str| {
        let visitor = &visitor;
        async move {
            visitor.get("/password/forgot").await;
            visitor.submit("/password/forgot", &[("email", email)]).await
        }
    };
    for _ in 0..3 {
        assert_eq!(ask("client@demo.ocpizza.fr").await.status, 303);
    }
    let refused = ask("client@demo.ocpizza.fr").await;
    assert_eq!(refused.status, 429, "a fourth link in the hour for one address");
    assert!(refused.body.contains("Trop de demandes de lien. Réessayez dans 60 minutes."), "{}", refused.body);
    // An unknown address is limited the same way (nothing tells them apart)…
    assert_eq!(ask("personne@exemple.fr").await.status, 303);
    // …and this machine has now asked four times: the next is refused whatever the address.
    assert_eq!(ask("quelquun@exemple.fr").await.status, 429);
}

/// Texts are capped per destination number and per pizzeria each day: beyond, the message
/// fails for good (never retried: texts cost money) and the manager sees it on the board.
async fn texts_stop_at_the_daily_limits(backend: Backend) {
    let gateway = SmsGateway::start().await;
    let db = TestDb::new(backend).await;
    let mut envs = gateway.env();
    envs.push(("OC_PIZZA_SMS_PER_NUMBER_PER_DAY", "1".into()));
    envs.push(("OC_PIZZA_SMS_PER_PIZZERIA_PER_DAY", "2".into()));
    let app = spawn(&db, &envs).await;
    let pool = db.pool().await;
    let cook = staff(&app, "pizzaiolo").await;
    let mut references = Vec::new();
    for phone in ["06 11 00 00 01", "06 11 00 00 02", "06 11 00 00 03"] {
        let contact = json!({ "name": "Léa", "email": GUEST_EMAIL, "phone": phone });
        let (reference, _) = place(&app, "takeaway", json!({ "notify_sms": true, "contact": contact })).await;
        advance(&cook, &reference, json!({ "to": "preparing" })).await;
        references.push(reference);
    }
    // The first order's second text: its number had its one text of the day.
    advance(&cook, &references[0], json!({ "to": "ready" })).await;
    wait_for_outbox(&pool, "channel = 'sms' AND status = 'failed' AND last_error LIKE '%numéro%'", &app).await;
    wait_for_outbox(&pool, "channel = 'sms' AND status = 'failed' AND last_error LIKE '%budget%'", &app).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let bodies = gateway.bodies();
    let to: Vec<&str> = bodies.iter().filter_map(|b| b["to"].as_str()).collect();
    assert_eq!(to, vec!["+33611000001", "+33611000002"], "two texts, the third one over the pizzeria's budget");
    assert_eq!(outbox(&pool, "channel = 'sms' AND status = 'failed'").await, 2);
    assert_eq!(outbox(&pool, "channel = 'sms' AND status = 'failed' AND attempts > 1").await, 0, "never retried");

    let manager = staff(&app, "manager").await;
    let board = manager.get("/manage/dashboard").await.body;
    assert!(
        board.contains(r#"data-refusal="sms_number""#) && board.contains(r#"data-refusal="sms_budget""#),
        "{board}"
    );
    assert!(board.contains("SMS non envoyés : budget du jour atteint"), "{board}");
}

both_backends!(
    texts_stop_at_the_daily_limits,
    a_taken_address_is_told_by_email_not_on_the_page,
    reset_requests_are_limited,
    managers_are_emailed_when_an_ingredient_gets_low_or_runs_out,
    a_customer_hears_of_every_step_once,
    preferences_choose_what_is_sent,
    a_down_smtp_server_is_retried_until_it_is_back,
    nothing_is_lost_when_the_process_is_killed,
    two_instances_deliver_each_message_once,
    texts_go_to_mobiles_that_accepted_them,
    a_forgotten_password_is_reset_through_the_received_email,
    the_tracking_page_follows_each_step_live,
);
