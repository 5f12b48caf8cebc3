//! Capacity (issue "Promises the kitchen can keep"): each pizzeria's manager sets what the
//! kitchen and the drivers can do, with the defaults until then; nonsense is refused in
//! French with nothing written; nobody else's pizzeria is reachable. Orders book their
//! load atomically: concurrent orders for one time never exceed it, the overflow is refused
//! naming the next time that can be kept, a cancellation frees the load, and the checkout,
//! the phone and the API follow the same rule.

mod common;

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
}

both_backends!(
    a_manager_sets_the_capacity_of_their_pizzeria,
    concurrent_orders_for_one_time_never_exceed_its_capacity,
    a_rush_pause_refuses_web_orders_with_its_message_and_ends_by_itself,
);
