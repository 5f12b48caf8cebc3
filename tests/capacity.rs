//! Capacity (issue "Promises the kitchen can keep"): each pizzeria's manager sets what the
//! kitchen and the drivers can do, with the defaults until then; nonsense is refused in
//! French with nothing written; nobody else's pizzeria is reachable. Orders book their
//! load atomically: concurrent orders for one time never exceed it, the overflow is refused
//! naming the next time that can be kept, a cancellation frees the load, and the checkout,
//! the phone and the API follow the same rule. "Dès que possible" is read from the live
//! queue, and when the kitchen falls behind the orders behind are re-quoted, live, with one
//! message to their customers.

mod common;

use std::time::Duration;

use common::notify::SmtpServer;
use common::{count, demo, Backend, Browser, Reply, TestApp, TestDb, DEMO_PASSWORD};
use reqwest::Method;
use serde_json::json;

const A: &str = "boulogne";
const B: &str = "vincennes";

fn fields<'a>(oven: &'a str, drivers: &'a str, travel: &'a str) -> Vec<(&'static str, &'a str)> {
    vec![
        ("oven_per_quarter", oven),
        ("lead_minutes", "10"),
        ("drivers", drivers),
        ("pizzas_per_run", "5"),
        ("default_travel_minutes", "15"),
        ("travel_minutes", travel),
    ]
}

async fn a_manager_sets_the_capacity_of_their_pizzeria(backend: Backend) {
    let db = TestDb::new(backend).await;
    let app = TestApp::spawn_with(&db, &["--demo"], &[]).await;
    let pool = db.pool().await;
    let manager = Browser::new(&app);
    manager.sign_in(&demo("manager", A), DEMO_PASSWORD).await;

    // Reached from the header; the defaults until the manager sets them.
    assert!(manager.get("/manage/dashboard").await.body.contains(r#"href="/manage/capacity">Capacité</a>"#));
    let page = manager.get("/manage/capacity").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Valeurs par défaut") && page.body.contains(r#"name="oven_per_quarter" value="12""#));

    // Nonsense: a French message, the values typed kept, nothing written.
    for (oven, drivers, travel, says) in [
        ("0", "3", "", "Pizzas cuites par quart d&#39;heure : entre 1 et 200."),
        ("500", "3", "", "entre 1 et 200"),
        ("24", "beaucoup", "", "Livreurs ce soir : un nombre entier"),
        ("24", "-1", "", "Livreurs ce soir : entre 0 et 50."),
        ("24", "3", "7501 20", "Trajets :"),
        ("24", "3", "75011 0", "Trajet vers le 75011 (minutes) : entre 1 et 120."),
    ] {
        let mut all = fields(oven, drivers, travel);
        all.push(("pizzeria", A));
        let reply = manager.submit("/manage/capacity", &all).await;
        assert_eq!(reply.status, 422, "{oven} {drivers} {travel}");
        let body = reply.body.replace("&#39;", "'");
        assert!(body.contains(&says.replace("&#39;", "'")), "{says}: {body}");
        assert!(reply.body.contains(&format!(r#"name="drivers" value="{drivers}""#)), "the typed value stays");
    }
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM pizzeria_capacity").await, 0);

    // Saved: redirected, shown again, with who changed it.
    let mut all = fields("24", "3", "92100 10\n75016 25");
    all.push(("pizzeria", A));
    let reply = manager.submit("/manage/capacity", &all).await;
    assert_eq!((reply.status, reply.redirect_path()), (303, Some("/manage/capacity")), "{}", reply.body);
    let page = manager.get("/manage/capacity").await.body;
    assert!(page.contains("Les commandes déjà prises ne changent pas."));
    assert!(page.contains(r#"name="oven_per_quarter" value="24""#) && page.contains(r#"name="drivers" value="3""#));
    assert!(page.contains("75016 25\n92100 10") && page.contains("Modifiée le"), "{page}");
    let saved = count(
        &pool,
        "SELECT c.oven_per_quarter * 1000 + c.drivers * 100 + (SELECT COUNT(*) FROM capacity_travel t
             WHERE t.pizzeria_id = c.pizzeria_id)
         FROM pizzeria_capacity c JOIN pizzerias p ON p.id = c.pizzeria_id WHERE p.slug = 'boulogne'",
    )
    .await;
    assert_eq!(saved, 24_000 + 300 + 2);

    // The oven by day and time range: saved, shown again; nonsense refused in French.
    let mut ranged = fields("24", "3", "92100 10\n75016 25");
    ranged.extend([("pizzeria", A), ("oven_ranges", "Vendredi 19h-21h 40\nsamedi 19:00-22:00 36")]);
    assert_eq!(manager.submit("/manage/capacity", &ranged).await.status, 303);
    let page = manager.get("/manage/capacity").await.body;
    assert!(page.contains("vendredi 19:00-21:00 40\nsamedi 19:00-22:00 36"), "{page}");
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM oven_ranges").await, 2);
    for (ranges, says) in [
        ("vendredi 21:00-19:00 40", "Four par jour : « 21:00-19:00 »"),
        ("vendredi 19:00-21:00 40\nvendredi 20:00-22:00 10", "deux plages du vendredi se chevauchent"),
        ("jeudi soir 40", "Four par jour : « soir »"),
    ] {
        let mut bad = fields("24", "3", "");
        bad.extend([("pizzeria", A), ("oven_ranges", ranges)]);
        let reply = manager.submit("/manage/capacity", &bad).await;
        assert_eq!(reply.status, 422, "{ranges}");
        assert!(reply.body.contains(says), "{says}: {}", reply.body);
    }
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM oven_ranges").await, 2, "nothing written");

    // Another pizzeria's: refused, nothing written there.
    let mut theirs = fields("30", "1", "");
    theirs.push(("pizzeria", B));
    assert_eq!(manager.submit("/manage/capacity", &theirs).await.status, 403);
    assert_eq!(manager.get(&format!("/manage/capacity?pizzeria={B}")).await.status, 403);
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM pizzeria_capacity").await, 1);
    // Not for the kitchen or the counter.
    let cook = Browser::new(&app);
    cook.sign_in(&demo("pizzaiolo", A), DEMO_PASSWORD).await;
    assert_eq!(cook.get("/manage/capacity").await.status, 403);

    // An admin chooses the pizzeria, then sets it.
    let admin = Browser::new(&app);
    admin.sign_in("admin@demo.ocpizza.fr", DEMO_PASSWORD).await;
    let chooser = admin.get("/manage/capacity").await.body;
    assert!(chooser.contains(&format!("/manage/capacity?pizzeria={B}")), "{chooser}");
    admin.get(&format!("/manage/capacity?pizzeria={B}")).await;
    let reply = admin.submit("/manage/capacity", &theirs).await;
    assert_eq!(reply.redirect_path(), Some(&*format!("/manage/capacity?pizzeria={B}")));
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM pizzeria_capacity").await, 2);
}

/// Tomorrow at `hh:mm` in Paris, as forms and the API take it (every pizzeria of the demo
/// is open in the evening).
fn tomorrow_at(time: &str) -> String {
    let tomorrow = chrono::Utc::now().with_timezone(&chrono_tz::Europe::Paris).date_naive() + chrono::Duration::days(1);
    format!("{}T{time}", tomorrow.format("%Y-%m-%d"))
}

/// A guest's API order of `pizzas` margheritas at Boulogne.
async fn order(app: &TestApp, when: &str, pizzas: i64, mode: &str) -> Reply {
    let mut body = json!({
        "pizzeria": A, "mode": mode, "when": when, "payment": "cash",
        "lines": [{ "pizza": "margherita", "quantity": pizzas }],
        "contact": { "name": "Léa Invitée", "email": "lea@exemple.fr", "phone": "06 11 22 33 44" },
    });
    if mode == "delivery" {
        body["address"] = json!({ "street": "3 rue de Paris", "postcode": "92100", "city": "Boulogne" });
    }
    Browser::new(app).json(Method::POST, "/api/v1/orders", &[], &body).await
}

async fn concurrent_orders_for_one_time_never_exceed_its_capacity(backend: Backend) {
    let db = TestDb::new(backend).await;
    // Capacity on (as in production; the other tests switch it off); the guest limits
    // (off for every test) would stop this many orders from one address first.
    let app = TestApp::spawn_with(&db, &["--demo"], &[("OC_PIZZA_CAPACITY_LIMITS", "true")]).await;
    let pool = db.pool().await;
    // Stock is not what this test is about: plenty of it.
    common::execute(&pool, "UPDATE stock SET quantity = 10000000").await;
    // Four pizzas a quarter-hour, no lead, one driver.
    let manager = Browser::new(&app);
    manager.sign_in(&demo("manager", A), DEMO_PASSWORD).await;
    let mut all = fields("4", "1", "");
    all[1] = ("lead_minutes", "0");
    all.push(("pizzeria", A));
    assert_eq!(manager.submit("/manage/capacity", &all).await.status, 303);

    // 24 guests at once, two pizzas each, for 20:00: the oven bakes them in the four
    // quarter-hours before, 16 pizzas, so 8 orders.
    let eight = tomorrow_at("20:00");
    let replies = common::join_all((0..24).map(|_| order(&app, &eight, 2, "takeaway"))).await;
    let errors: Vec<String> = replies.iter().filter(|r| r.status >= 500).map(|r| r.body.clone()).collect();
    assert!(errors.is_empty(), "server errors: {errors:?}");
    let accepted: Vec<&Reply> = replies.iter().filter(|r| r.status == 201).collect();
    let refused: Vec<&Reply> = replies.iter().filter(|r| r.status == 409).collect();
    assert_eq!((accepted.len(), refused.len()), (8, 16), "{:?}", replies.iter().map(|r| r.status).collect::<Vec<_>>());
    for reply in &refused {
        let body = reply.json();
        assert_eq!(body["error"], "slot_full", "{}", reply.body);
        // 20:15 bakes in the 20:00 quarter-hour, still empty.
        let message = body["message"].as_str().unwrap_or_default();
        assert!(
            message.contains("Première heure possible pour cette commande") && message.ends_with("à 20h15."),
            "{message}"
        );
    }
    let booked = "SELECT CAST(COALESCE(SUM(pizzas), 0) AS BIGINT) FROM oven_bookings";
    assert_eq!(count(&pool, booked).await, 16, "pizzas booked = pizzas ordered");
    let fullest =
        "SELECT CAST(COALESCE(MAX(n), 0) AS BIGINT) FROM (SELECT SUM(pizzas) AS n FROM oven_bookings GROUP BY quarter) q";
    assert_eq!(count(&pool, fullest).await, 4, "no quarter-hour beyond the oven");
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM orders WHERE promised_for = requested_for").await, 8);

    // The checkout offers 20:15, not 20:00, for two pizzas.
    let guest = Browser::new(&app);
    guest.get(&format!("/pizzerias/{A}/menu")).await;
    let added =
        guest.submit("/cart/add", &[("pizzeria", A), ("pizza", "margherita"), ("quantity", "2"), ("note", "")]).await;
    assert_eq!(added.status, 303);
    let page = guest.get("/checkout").await.body;
    assert!(!page.contains(&format!(r#"value="{eight}""#)), "a full time is not offered");
    assert!(page.contains(&format!(r#"value="{}""#, tomorrow_at("20:15"))), "{page}");
    // The API says the same, for any basket; nonsense is refused.
    let api = Browser::new(&app);
    let slots = api.get(&format!("/api/v1/pizzerias/{A}/slots?pizzas=2")).await;
    assert_eq!(slots.status, 200, "{}", slots.body);
    let slots = slots.json();
    let available = |value: &str| {
        slots["slots"].as_array().into_iter().flatten().find(|s| s["value"] == value).map(|s| s["available"].clone())
    };
    assert_eq!(available(&eight), Some(json!(false)));
    assert_eq!(available(&tomorrow_at("20:15")), Some(json!(true)));
    let too_many = api.get(&format!("/api/v1/pizzerias/{A}/slots?pizzas=17")).await.json();
    assert!(too_many["refusal"].as_str().is_some_and(|m| m.contains("plus de 16 pizzas")), "{too_many}");
    for bad in ["pizzas=0", "pizzas=beaucoup", "mode=velo", "mode=delivery&postcode=7501"] {
        assert_eq!(api.get(&format!("/api/v1/pizzerias/{A}/slots?{bad}")).await.status, 422, "{bad}");
    }
    assert_eq!(api.get("/api/v1/pizzerias/atlantis/slots").await.status, 404);

    // Sent all the same (a page loaded earlier): refused, naming the next time.
    let reply = guest
        .submit(
            "/checkout",
            &[
                ("when", eight.as_str()),
                ("payment", "cash"),
                ("mode", "takeaway"),
                ("full_name", "Client"),
                ("email", "client@exemple.fr"),
                ("phone", "0611223344"),
            ],
        )
        .await;
    assert_eq!(reply.status, 409);
    assert!(reply.body.contains("Première heure possible pour cette commande") && reply.body.contains("20h15"));

    // A cancellation frees its load: another order of two fits again.
    let cancelled = accepted[0].json();
    let (reference, key) =
        (cancelled["reference"].as_str().unwrap_or_default(), cancelled["access_key"].as_str().unwrap_or_default());
    let version = cancelled["version"].as_i64().unwrap_or(1);
    let reply = Browser::new(&app)
        .json(
            Method::POST,
            &format!("/api/v1/orders/{reference}/cancel"),
            &[("X-Order-Key", key)],
            &json!({ "version": version }),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(count(&pool, booked).await, 14);
    assert_eq!(order(&app, &eight, 2, "takeaway").await.status, 201);
    assert_eq!(order(&app, &eight, 1, "takeaway").await.status, 409);

    // One driver: a second delivery while the first is on the road is refused; a
    // takeaway at that time is not.
    let nine = tomorrow_at("21:00");
    let first = order(&app, &nine, 1, "delivery").await;
    assert_eq!(first.status, 201, "{}", first.body);
    let second = order(&app, &nine, 1, "delivery").await;
    assert_eq!((second.status, second.json()["error"].clone()), (409, json!("slot_full")), "{}", second.body);
    assert_eq!(order(&app, &nine, 1, "takeaway").await.status, 201);
    // More than the oven can ever bake for one time: said as such.
    let huge = order(&app, &tomorrow_at("22:00"), 17, "takeaway").await;
    assert_eq!((huge.status, huge.json()["error"].clone()), (422, json!("too_many_pizzas")), "{}", huge.body);

    // The phone follows the same rule.
    let counter = Browser::new(&app);
    counter.sign_in(&demo("counter", A), DEMO_PASSWORD).await;
    let margherita = count(&pool, "SELECT id FROM pizzas WHERE slug = 'margherita'").await;
    let quantity = format!("quantity[{margherita}]");
    let page = counter.get("/staff/orders/new?phone=0612345678").await;
    assert!(!page.body.contains(&format!(r#"value="{eight}""#)), "a full time is not offered by phone either");
    let reply = counter
        .submit(
            "/staff/orders/new",
            &[
                ("pizzeria", A),
                ("channel", "phone"),
                ("phone", "06 12 34 56 78"),
                ("full_name", "Camille Client"),
                ("payment", "cash"),
                ("mode", "takeaway"),
                (quantity.as_str(), "1"),
                ("when", eight.as_str()),
            ],
        )
        .await;
    assert_eq!(reply.status, 409, "{}", reply.body);
    assert!(reply.body.contains("20h15"), "{}", reply.body);
    assert_eq!(count(&pool, fullest).await, 4);

    // Lowered in the evening: nothing is cancelled, the manager is shown what now exceeds it.
    let placed = "SELECT COUNT(*) FROM orders WHERE status = 'placed'";
    let before = count(&pool, placed).await;
    assert!(!manager.get("/manage/capacity").await.body.contains("À surveiller"));
    let mut lowered = fields("2", "1", "");
    lowered[1] = ("lead_minutes", "0");
    lowered.push(("pizzeria", A));
    assert_eq!(manager.submit("/manage/capacity", &lowered).await.status, 303);
    let page = manager.get("/manage/capacity").await.body.replace("&#39;", "'");
    assert!(
        page.contains("À surveiller") && page.contains("à 19h45 : 4 pizzas à cuire pour 2 par quart d'heure"),
        "{page}"
    );
    assert_eq!(count(&pool, placed).await, before);
    assert_eq!(count(&pool, fullest).await, 4);
}

/// A rush control through the API, with the session's CSRF token.
async fn post_rush(who: &Browser, body: serde_json::Value) -> Reply {
    let csrf = who.csrf().await;
    who.json(Method::POST, &format!("/api/v1/pizzerias/{A}/rush"), &[("X-CSRF-Token", csrf.as_str())], &body).await
}

async fn a_rush_pause_refuses_web_orders_with_its_message_and_ends_by_itself(backend: Backend) {
    let db = TestDb::new(backend).await;
    let app = TestApp::spawn_with(&db, &["--demo"], &[]).await;
    let pool = db.pool().await;
    let manager = Browser::new(&app);
    manager.sign_in(&demo("manager", A), DEMO_PASSWORD).await;
    let nine = tomorrow_at("21:00");
    let logged = "SELECT COUNT(*) FROM rush_log";

    // Nonsense: a French message, nothing written.
    for (action, minutes, says) in [
        ("pause_deliveries", "0", "Durée : un nombre de minutes entre 5 et 240."),
        ("pause_web", "toute la soirée", "Durée : un nombre de minutes"),
        ("tout_arreter", "30", "Choisissez une action."),
    ] {
        let fields = [("pizzeria", A), ("action", action), ("minutes", minutes)];
        let reply = manager.submit("/manage/capacity/rush", &fields).await;
        assert_eq!(reply.status, 422, "{action} {minutes}");
        assert!(reply.body.contains(says), "{says}: {}", reply.body);
    }
    assert_eq!(count(&pool, logged).await, 0);
    // Not for another pizzeria's manager, nor the kitchen.
    let other = Browser::new(&app);
    other.sign_in(&demo("manager", B), DEMO_PASSWORD).await;
    let pause = [("pizzeria", A), ("action", "pause_deliveries"), ("minutes", "30")];
    assert_eq!(other.submit("/manage/capacity/rush", &pause).await.status, 403);
    let cook = Browser::new(&app);
    cook.sign_in(&demo("pizzaiolo", A), DEMO_PASSWORD).await;
    assert_eq!(cook.submit("/manage/capacity/rush", &pause).await.status, 403);
    assert_eq!(count(&pool, logged).await, 0);

    // Deliveries paused for 30 minutes: the customers are told, web deliveries refused.
    let reply = manager.submit("/manage/capacity/rush", &pause).await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    let page = manager.get("/manage/capacity").await.body.replace("&#39;", "'");
    assert!(page.contains("Livraison suspendue jusqu'à"), "{page}");
    assert!(page.contains("Livraisons en ligne suspendues pour 30 min"), "the log names it: {page}");
    let menu = Browser::new(&app).get(&format!("/pizzerias/{A}/menu")).await.body.replace("&#39;", "'");
    assert!(menu.contains("Livraison suspendue jusqu'à") && menu.contains("vente à emporter uniquement"), "{menu}");
    let refused = order(&app, &nine, 1, "delivery").await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(refused.body.contains("Livraison suspendue jusqu'à"), "{}", refused.body);
    assert_eq!(order(&app, &nine, 1, "takeaway").await.status, 201, "takeaway is still taken");
    // Another pizzeria is not paused.
    assert!(!Browser::new(&app).get(&format!("/pizzerias/{B}/menu")).await.body.contains("suspendue"));

    // It ends by itself at its time.
    common::execute(&pool, "UPDATE rush_controls SET deliveries_paused_until = 1").await;
    assert_eq!(order(&app, &nine, 1, "delivery").await.status, 201);
    assert!(!Browser::new(&app).get(&format!("/pizzerias/{A}/menu")).await.body.contains("suspendue"));

    // Every web order paused, then extra minutes, then a resume: each logged.
    let all = [("pizzeria", A), ("action", "pause_web"), ("minutes", "15")];
    assert_eq!(manager.submit("/manage/capacity/rush", &all).await.status, 303);
    let refused = order(&app, &nine, 1, "takeaway").await;
    assert!(refused.status == 422 && refused.body.contains("Commandes en ligne suspendues jusqu"), "{}", refused.body);
    let extra = [("pizzeria", A), ("action", "extra_lead"), ("extra", "20"), ("minutes", "60")];
    assert_eq!(manager.submit("/manage/capacity/rush", &extra).await.status, 303);
    let menu = Browser::new(&app).get(&format!("/pizzerias/{A}/menu")).await.body;
    assert!(menu.contains("comptez 20 minutes de plus"), "{menu}");
    let resume = [("pizzeria", A), ("action", "resume")];
    assert_eq!(manager.submit("/manage/capacity/rush", &resume).await.status, 303);
    assert_eq!(order(&app, &nine, 1, "takeaway").await.status, 201);
    assert_eq!(count(&pool, logged).await, 4);

    let page = manager.get("/manage/capacity").await.body;
    assert!(page.contains("Reprise normale") && page.contains("Aucune mesure en cours"), "{page}");

    // The same controls through the API: the manager's (with the session's CSRF token), refused
    // to another pizzeria's manager and to the kitchen, nonsense a 422 in French.
    let path = format!("/api/v1/pizzerias/{A}/rush");
    let bad = post_rush(&manager, json!({ "action": "pause_web", "minutes": 1000 })).await;
    assert_eq!((bad.status, bad.json()["error"].clone()), (422, json!("invalid")), "{}", bad.body);
    assert!(bad.json()["message"].as_str().is_some_and(|m| m.contains("entre 5 et 240")), "{}", bad.body);
    let unknown = post_rush(&manager, json!({ "action": "pause_web", "minutes": 20, "forever": true })).await;
    assert_eq!(unknown.status, 422, "{}", unknown.body);
    assert_eq!(post_rush(&other, json!({ "action": "resume" })).await.status, 403);
    assert_eq!(post_rush(&cook, json!({ "action": "resume" })).await.status, 403);
    assert_eq!(cook.get(&path).await.status, 403);
    assert_eq!(count(&pool, logged).await, 4, "nothing written");
    let paused = post_rush(&manager, json!({ "action": "pause_deliveries", "minutes": 20 })).await;
    assert_eq!(paused.status, 200, "{}", paused.body);
    let state = paused.json();
    assert!(state["deliveries_paused_until"].is_string() && state["web_paused_until"].is_null(), "{state}");
    assert!(state["notices"][0].as_str().is_some_and(|n| n.starts_with("Livraison suspendue jusqu")), "{state}");
    assert_eq!(state["log"][0]["action"], json!("pause_deliveries"));
    assert_eq!(order(&app, &nine, 1, "delivery").await.status, 422, "the API's pause holds for the site too");
    let read = manager.get(&path).await;
    assert_eq!((read.status, read.json()["log"].as_array().map(Vec::len)), (200, Some(5)));
    assert_eq!(count(&pool, logged).await, 5);
    let page = manager.get("/manage/capacity").await.body.replace("&#39;", "'");
    assert!(page.contains("Livraison suspendue jusqu'à"), "the page shows what the API did: {page}");
}

/// A guest's "dès que possible" takeaway of `pizzas` margheritas at Boulogne: (reference,
/// private key, the time promised).
async fn asap_order(app: &TestApp, pizzas: i64) -> (String, String, i64) {
    let reply = order(app, "asap", pizzas, "takeaway").await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let order = reply.json();
    let promised = order["promised_for"].as_str().expect("a promise");
    let promised = chrono::DateTime::parse_from_rfc3339(promised).expect("RFC 3339").timestamp();
    let key = order["access_key"].as_str().expect("the guest's key").to_string();
    (order["reference"].as_str().expect("reference").to_string(), key, promised)
}

/// The end of the "dès que possible" window the menu shows for one pizza to take away.
async fn menu_asap(app: &TestApp) -> i64 {
    let menu = Browser::new(app).get(&format!("/pizzerias/{A}/menu")).await.body;
    let start = menu.find(r#"data-asap-takeaway=""#).unwrap_or_else(|| panic!("no window on the menu: {menu}"));
    let digits: String = menu[start + 20..].chars().take_while(char::is_ascii_digit).collect();
    digits.parse().expect("a time")
}

/// The quarter-hour of now: the promises below move when it changes mid-test.
fn quarter_now() -> i64 {
    chrono::Utc::now().timestamp().div_euclid(900)
}

/// Seeds the demo, then opens Boulogne day and night with plenty of stock, so that "dès que
/// possible" is offered whenever the test runs (the app reads the hours when it starts).
async fn open_all_day(db: &TestDb) -> oc_pizza::db::DbPool {
    TestApp::spawn_with(db, &["--demo"], &[]).await.kill();
    let pool = db.pool().await;
    let boulogne = "(SELECT id FROM pizzerias WHERE slug = 'boulogne')";
    common::execute(&pool, &format!("DELETE FROM opening_hours WHERE pizzeria_id = {boulogne}")).await;
    common::execute(&pool, &format!("DELETE FROM closing_days WHERE pizzeria_id = {boulogne}")).await;
    for weekday in 1..=7 {
        let open = format!(
            "INSERT INTO opening_hours (pizzeria_id, weekday, opens_minute, closes_minute) SELECT id, {weekday}, 0, 1440
             FROM pizzerias WHERE slug = 'boulogne'"
        );
        common::execute(&pool, &open).await;
    }
    common::execute(&pool, "UPDATE stock SET quantity = 10000000").await;
    pool
}

/// Two pizzas a quarter-hour at Boulogne, a quarter-hour's preparation.
async fn small_oven(manager: &Browser) {
    let mut capacity = fields("2", "1", "");
    capacity[1] = ("lead_minutes", "15");
    capacity.push(("pizzeria", A));
    assert_eq!(manager.submit("/manage/capacity", &capacity).await.status, 303);
}

/// Moves an order through the staff API (the session's CSRF token).
async fn advance(who: &Browser, reference: &str, to: &str) {
    let csrf = who.csrf().await;
    let path = format!("/api/v1/orders/{reference}/transitions");
    let reply = who.json(Method::POST, &path, &[("X-CSRF-Token", csrf.as_str())], &json!({ "to": to })).await;
    assert_eq!(reply.status, 200, "{to}: {}", reply.body);
}

async fn the_dashboard_shows_the_oven_load_and_how_promises_were_kept(backend: Backend) {
    let db = TestDb::new(backend).await;
    let pool = open_all_day(&db).await;
    let app = TestApp::spawn_with(&db, &["--demo"], &[("OC_PIZZA_CAPACITY_LIMITS", "true")]).await;
    let manager = Browser::new(&app);
    manager.sign_in(&demo("manager", A), DEMO_PASSWORD).await;
    small_oven(&manager).await;
    let (kept, _, _) = asap_order(&app, 2).await;
    let (missed, _, _) = asap_order(&app, 2).await;
    let (waiting, _, _) = asap_order(&app, 2).await;
    // One ready well before its time; one promised twenty minutes ago, ready now.
    let cook = Browser::new(&app);
    cook.sign_in(&demo("pizzaiolo", A), DEMO_PASSWORD).await;
    common::execute(
        &pool,
        &format!(
            "UPDATE orders SET promised_for = {} WHERE reference = '{missed}'",
            chrono::Utc::now().timestamp() - 1200
        ),
    )
    .await;
    for reference in [&kept, &missed] {
        advance(&cook, reference, "preparing").await;
        advance(&cook, reference, "ready").await;
    }

    let board = manager.get("/manage/dashboard/live").await.body;
    assert!(board.contains(r#"data-kpi="punctuality">50 %<"#), "{board}");
    assert!(board.contains("promesses tenues (2 jugées)"), "{board}");
    // The oven: every booked quarter-hour against the two pizzas it bakes, started orders too.
    let booked: i64 =
        board.split(r#"data-booked=""#).skip(1).filter_map(|rest| rest.split('"').next()?.parse::<i64>().ok()).sum();
    assert_eq!(booked, 6, "three orders of two: {board}");
    assert!(board.contains(r#"data-oven="2""#) && !board.contains(r#"data-oven="12""#), "{board}");
    assert!(
        board.contains("Four aujourd&#39;hui : 6 pizzas réservées")
            || board.contains("Four aujourd'hui : 6 pizzas réservées"),
        "{board}"
    );

    // The CSV: each order's promise, when it was ready, and the gap in minutes.
    let today = chrono::Utc::now().with_timezone(&chrono_tz::Europe::Paris).format("%Y-%m-%d").to_string();
    let csv = manager.get(&format!("/manage/dashboard/orders.csv?from={today}&to={today}")).await.body;
    let row = |reference: &str| -> Vec<String> {
        csv.lines()
            .find(|l| l.starts_with(reference))
            .unwrap_or_else(|| panic!("{reference}: {csv}"))
            .split(';')
            .map(String::from)
            .collect()
    };
    let late: i64 = row(&missed)[13].parse().expect("minutes");
    assert!((19..=21).contains(&late), "twenty minutes late: {late}");
    assert!(row(&kept)[13].parse::<i64>().expect("minutes") < 0, "ready early");
    assert!(!row(&waiting)[11].is_empty() && row(&waiting)[12].is_empty(), "promised, not ready yet");

    // Admins see it side by side.
    let admin = Browser::new(&app);
    admin.sign_in("admin@demo.ocpizza.fr", DEMO_PASSWORD).await;
    let overview = admin.get("/manage/dashboard").await.body;
    assert!(overview.contains(r#"data-punctuality="50 %""#), "{overview}");
}

async fn the_asap_window_follows_the_queue_and_a_late_order_re_quotes_those_behind(backend: Backend) {
    let db = TestDb::new(backend).await;
    let Some(smtp) = SmtpServer::start().await else { return };
    let pool = open_all_day(&db).await;
    let mut env: Vec<(&str, String)> = SmtpServer::env(smtp.port);
    env.push(("OC_PIZZA_CAPACITY_LIMITS", "true".into()));
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let app = TestApp::spawn_with(&db, &["--demo"], &env).await;
    let manager = Browser::new(&app);
    manager.sign_in(&demo("manager", A), DEMO_PASSWORD).await;
    small_oven(&manager).await;

    // The queue grows: each order of two takes the next quarter-hour, the window moves later.
    let quarter = quarter_now();
    let empty = menu_asap(&app).await;
    let (first, _, p1) = asap_order(&app, 2).await;
    let (second, _, p2) = asap_order(&app, 2).await;
    let (third, _, p3) = asap_order(&app, 2).await;
    let queued = menu_asap(&app).await;
    assert!(queued > empty, "{queued} after {empty}");
    if quarter == quarter_now() {
        assert_eq!((p1, p2, p3, queued), (empty, empty + 900, empty + 1800, empty + 2700));
        let menu = Browser::new(&app).get(&format!("/pizzerias/{A}/menu")).await.body;
        assert!(menu.contains("Dès que possible : prête vers"), "{menu}");
    }
    // The cart and the checkout say it too, for what the cart holds.
    let customer = Browser::new(&app);
    customer.submit("/cart/add", &[("pizzeria", A), ("pizza", "margherita"), ("quantity", "2")]).await;
    for path in ["/cart", "/checkout"] {
        let page = customer.get(path).await.body;
        assert!(page.contains("Dès que possible : prête vers"), "{path}: {page}");
        if quarter == quarter_now() {
            assert!(page.contains(&format!(r#"data-asap-takeaway="{queued}""#)), "{path}: {page}");
        }
    }

    // The kitchen starts the first: its quarter-hour goes back to the queue, the window earlier.
    let quarter = quarter_now();
    let cook = Browser::new(&app);
    cook.sign_in(&demo("pizzaiolo", A), DEMO_PASSWORD).await;
    advance(&cook, &first, "preparing").await;
    let started = menu_asap(&app).await;
    if quarter == quarter_now() {
        assert_eq!(started, p1, "the first order's room is free again");
    }
    let (fourth, key, p4) = asap_order(&app, 2).await;

    // The second is not started in time (its quarter-hour an hour ago): it takes the first
    // room left, the fourth's, which moves a quarter-hour later; each customer is told once.
    let quarter = quarter_now();
    let id = |reference: &str| format!("(SELECT id FROM orders WHERE reference = '{reference}')");
    let guest = Browser::new(&app);
    let mut tracker = guest.events(&format!("/orders/{fourth}/events?key={key}")).await;
    common::execute(
        &pool,
        &format!("UPDATE oven_bookings SET quarter = quarter - 3600 WHERE order_id = {}", id(&second)),
    )
    .await;
    common::execute(&pool, &format!("UPDATE orders SET promised_for = promised_for - 3600 WHERE id = {}", id(&second)))
        .await;
    // Any order wakes the re-quote (it also runs every half-minute).
    assert_eq!(order(&app, &tomorrow_at("21:00"), 1, "takeaway").await.status, 201);
    let moved = tracker.wait_for("change", r#""kind":"requoted""#, Duration::from_secs(40)).await;
    let moved = moved.expect("the tracker hears of the new window");
    let requoted = |reference: &str| {
        let sql = format!("SELECT COALESCE(requoted_for, 0) FROM orders WHERE reference = '{reference}'");
        let pool = pool.clone();
        async move { count(&pool, &sql).await }
    };
    let new_end = requoted(&fourth).await;
    assert!(new_end > p4, "{new_end} after {p4}");
    assert!(moved.data.contains(&format!(r#""window":[{},{new_end}]"#, new_end - 600)), "{}", moved.data);
    assert!(requoted(&second).await > p2 - 3600, "the late one itself");
    if quarter == quarter_now() {
        assert_eq!(new_end, p4 + 900);
        assert_eq!(requoted(&third).await, 0, "{third} keeps its promise: nothing took its room");
    }
    let page = guest.get(&format!("/orders/{fourth}?key={key}")).await.body;
    assert!(page.contains("Nouvelle estimation : prête vers"), "{page}");
    // The kitchen sees the late one first, flagged.
    let queue = cook.get("/kitchen/queue").await.body;
    let late = queue.find(&format!(r#"data-reference="{second}""#)).expect("the late ticket");
    assert!(late < queue.find(&format!(r#"data-reference="{third}""#)).expect("the third"), "by latest start");
    assert!(queue[late..].split("</article>").next().is_some_and(|t| t.contains("En retard sur l")), "{queue}");

    // One message each, however many times the queue is read again.
    let told = |reference: &str| {
        format!("SELECT COUNT(*) FROM notification_outbox WHERE kind = 'delayed' AND order_id = {}", id(reference))
    };
    for _ in 0..2 {
        assert_eq!(order(&app, &tomorrow_at("21:15"), 1, "takeaway").await.status, 201);
        tokio::time::sleep(Duration::from_secs(3)).await;
    }
    assert_eq!((count(&pool, &told(&second)).await, count(&pool, &told(&fourth)).await), (1, 1));
    let subject = format!("Commande {fourth} : nouvel horaire");
    let mails = smtp.wait_for_where(1, Duration::from_secs(20), |m| m.subject == subject).await;
    let text = mails[0].text.clone().unwrap_or_default();
    assert!(text.contains("a pris du retard") && text.contains("Nouvelle estimation : prête vers"), "{text}");
}

async fn a_time_off_the_grid_past_or_on_a_closed_day_is_refused_in_french(backend: Backend) {
    let db = TestDb::new(backend).await;
    // Closed tomorrow (written before the app starts: it reads the hours when it starts).
    TestApp::spawn_with(&db, &["--demo"], &[]).await.kill();
    let pool = db.pool().await;
    let tomorrow = chrono::Utc::now().with_timezone(&chrono_tz::Europe::Paris).date_naive() + chrono::Duration::days(1);
    let closed = format!(
        "INSERT INTO closing_days (pizzeria_id, day, reason) SELECT id, '{}', 'Inventaire' FROM pizzerias
         WHERE slug = 'boulogne'",
        tomorrow.format("%Y-%m-%d")
    );
    common::execute(&pool, &closed).await;
    let app = TestApp::spawn_with(&db, &["--demo"], &[("OC_PIZZA_CAPACITY_LIMITS", "true")]).await;
    let day_after = tomorrow + chrono::Duration::days(1);
    let yesterday = tomorrow - chrono::Duration::days(2);
    for (when, says) in [
        (format!("{}T20:07", day_after.format("%Y-%m-%d")), "au quart d'heure"),
        (format!("{}T20:00", yesterday.format("%Y-%m-%d")), "au moins 30 minutes après maintenant"),
        (format!("{}T20:00", tomorrow.format("%Y-%m-%d")), "fermée"),
        ("demain soir".to_string(), "Choisissez une heure dans la liste."),
    ] {
        let reply = order(&app, &when, 1, "takeaway").await;
        assert_eq!(reply.status, 422, "{when}: {}", reply.body);
        assert!(reply.body.replace("\\u0027", "'").contains(says), "{when} → {says}: {}", reply.body);
    }
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM orders").await, 0, "nothing written");
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM oven_bookings").await, 0, "nothing booked");
    let on_the_grid = order(&app, &format!("{}T20:15", day_after.format("%Y-%m-%d")), 1, "takeaway").await;
    assert_eq!(on_the_grid.status, 201, "{}", on_the_grid.body);
}

both_backends!(
    a_time_off_the_grid_past_or_on_a_closed_day_is_refused_in_french,
    the_dashboard_shows_the_oven_load_and_how_promises_were_kept,
    the_asap_window_follows_the_queue_and_a_late_order_re_quotes_those_behind,
    a_manager_sets_the_capacity_of_their_pizzeria,
    concurrent_orders_for_one_time_never_exceed_its_capacity,
    a_rush_pause_refuses_web_orders_with_its_message_and_ends_by_itself,
);
