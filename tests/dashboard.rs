//! The managers' dashboard against a fixture of orders whose figures were computed by hand,
//! its CSV export parsed back, and who may see which pizzeria's figures.

mod common;

use common::{count, demo, execute, Backend, Browser, TestApp, TestDb, DEMO_PASSWORD};
use reqwest::Method;
use serde_json::json;

const A: &str = "boulogne";

fn tomorrow_evening() -> String {
    let tomorrow = chrono::Utc::now().with_timezone(&chrono_tz::Europe::Paris).date_naive() + chrono::Duration::days(1);
    format!("{}T20:00", tomorrow.format("%Y-%m-%d"))
}

fn today() -> String {
    chrono::Utc::now().with_timezone(&chrono_tz::Europe::Paris).format("%Y-%m-%d").to_string()
}

async fn guest_order(app: &TestApp, mode: &str, lines: serde_json::Value) -> (String, String) {
    let mut body = json!({
        "pizzeria": A, "mode": mode, "when": tomorrow_evening(), "payment": "cash", "lines": lines,
        "contact": { "name": "Léa", "email": "lea@exemple.fr", "phone": "06 11 22 33 44" },
    });
    if mode == "delivery" {
        body["address"] = json!({ "street": "3 rue de Paris", "postcode": "92100", "city": "Boulogne-Billancourt" });
    }
    let reply = Browser::new(app).json(Method::POST, "/api/v1/orders", &[], &body).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let order = reply.json();
    (order["reference"].as_str().expect("reference").into(), order["access_key"].as_str().expect("key").into())
}

/// The fixture, by hand (prices TTC, VAT 10 %, HT rounded half up per order):
/// 1. web, takeaway: 2 × Margherita (9,50)            = 19,00 TTC, 17,27 HT
/// 2. web, delivery: 1 × Reine (11,50) + 1 × Margherita = 21,00 TTC, 19,09 HT
/// 3. phone, takeaway: 3 × Reine                       = 34,50 TTC, 31,36 HT
/// 4. web, takeaway: 1 × Margherita, cancelled          (not a sale)
///
/// Sales: 3 orders, 74,50 TTC, 67,72 HT; web 2, phone 1; takeaway 2, delivery 1;
/// best sellers: Reine 4, Margherita 3.
async fn the_figures_match_a_fixture_and_the_csv_adds_up(backend: Backend) {
    let db = TestDb::new(backend).await;
    let app = TestApp::spawn_with(&db, &["--demo"], &[]).await;
    let pool = db.pool().await;
    let (first, _) = guest_order(&app, "takeaway", json!([{ "pizza": "margherita", "quantity": 2 }])).await;
    guest_order(
        &app,
        "delivery",
        json!([{ "pizza": "reine", "quantity": 1 }, { "pizza": "margherita", "quantity": 1 }]),
    )
    .await;
    let (cancelled, key) = guest_order(&app, "takeaway", json!([{ "pizza": "margherita", "quantity": 1 }])).await;
    let reply = Browser::new(&app)
        .json(
            Method::POST,
            &format!("/api/v1/orders/{cancelled}/cancel"),
            &[("X-Order-Key", &key)],
            &json!({ "version": 1 }),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    // The phone order, taken at the counter.
    let counter = Browser::new(&app);
    counter.sign_in(&demo("counter", A), DEMO_PASSWORD).await;
    let page = counter.get("/staff/orders/new").await.body;
    let at = page.find(r#"<option value="20"#).expect("a slot") + r#"<option value=""#.len();
    let slot = page[at..at + page[at..].find('"').expect("end")].to_string();
    let reine = count(&pool, "SELECT id FROM pizzas WHERE slug = 'reine'").await.to_string();
    let quantity = format!("quantity[{reine}]");
    let fields = [
        ("channel", "phone"),
        ("phone", "07 01 02 03 04"),
        ("full_name", "Client Téléphone"),
        ("payment", "cash"),
        ("mode", "takeaway"),
        ("when", slot.as_str()),
        (quantity.as_str(), "3"),
    ];
    assert_eq!(counter.submit("/staff/orders/new", &fields).await.status, 303);
    // The first order is made: 10 minutes in the oven, by the journal.
    let cook = Browser::new(&app);
    cook.sign_in(&demo("pizzaiolo", A), DEMO_PASSWORD).await;
    for to in ["preparing", "ready"] {
        let reply = cook.submit(&format!("/staff/orders/{first}/move"), &[("to", to), ("screen", "kitchen")]).await;
        assert_eq!(reply.status, 303);
    }
    execute(
        &pool,
        &format!(
            "UPDATE order_transitions SET created_at = (SELECT created_at FROM orders WHERE reference = '{first}') + 600
             WHERE to_status = 'ready' AND order_id = (SELECT id FROM orders WHERE reference = '{first}')"
        ),
    )
    .await;

    let boss = Browser::new(&app);
    boss.sign_in(&demo("manager", A), DEMO_PASSWORD).await;
    let page = boss.get("/manage/dashboard").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let kpi = |name: &str| {
        let marker = format!(r#"data-kpi="{name}">"#);
        let at = page.body.find(&marker).unwrap_or_else(|| panic!("{name}")) + marker.len();
        page.body[at..at + page.body[at..].find('<').expect("end")].to_string()
    };
    assert_eq!(kpi("orders"), "3");
    assert_eq!(kpi("revenue-ttc"), "74,50\u{a0}€");
    assert_eq!(kpi("revenue-ht"), "67,72\u{a0}€");
    assert_eq!(kpi("preparation"), "10 min");
    assert_eq!(kpi("late"), "0");
    let body = &page.body;
    assert!(body.contains(r#"<tr data-channel="web"><th scope="row">Site web</th><td class="qty">2</td>"#), "{body}");
    assert!(body.contains(r#"<tr data-channel="phone"><th scope="row">Téléphone</th><td class="qty">1</td>"#));
    assert!(body.contains(r#"<tr data-mode="takeaway"><th scope="row">À emporter</th><td class="qty">2</td>"#));
    assert!(body.contains("<li>Reine — 4</li><li>Margherita — 3</li>"), "best sellers");
    assert!(body.contains(r#"<tr data-status="placed"><th scope="row">Reçue</th><td class="qty">2</td>"#));
    assert!(
        body.contains("<svg class=\"hour-chart\"") && body.contains("Commandes par heure aujourd'hui : 3 en tout.")
    );

    // An order whose promised time has passed is late.
    let past = "requested_for = created_at - 60, promised_for = created_at - 60";
    execute(&pool, &format!("UPDATE orders SET {past} WHERE reference = '{first}'")).await;
    let live = boss.get("/manage/dashboard/live").await.body;
    assert!(live.contains(r#"data-kpi="late">⚠ 1<"#), "{live}");

    // The CSV: French headers, `;`, decimal commas; its totals add up to the same figures.
    let csv = boss.get(&format!("/manage/dashboard/orders.csv?from={}&to={}", today(), today())).await;
    assert_eq!(csv.status, 200);
    assert!(csv.headers["content-type"].to_str().expect("type").starts_with("text/csv"));
    let text = csv.body.trim_start_matches('\u{feff}');
    let mut rows = text.lines();
    let header: Vec<&str> = rows.next().expect("header").split(';').collect();
    assert_eq!(
        header,
        [
            "Référence",
            "Date",
            "Canal",
            "Mode",
            "État",
            "Paiement",
            "Payée",
            "Pizzas",
            "Total HT",
            "TVA",
            "Total TTC",
            "Promise",
            "Prête ou livrée",
            "Écart (min)"
        ]
    );
    let rows: Vec<Vec<&str>> = rows.map(|r| r.split(';').collect()).collect();
    assert_eq!(rows.len(), 4, "every order of the day, the cancelled one included");
    let cents = |v: &str| v.replace(',', "").parse::<i64>().expect("an amount");
    let sales: Vec<&Vec<&str>> = rows.iter().filter(|r| r[4] != "Annulée").collect();
    assert_eq!(sales.iter().map(|r| cents(r[10])).sum::<i64>(), 7450);
    assert_eq!(sales.iter().map(|r| cents(r[8])).sum::<i64>(), 6772);
    assert!(rows.iter().all(|r| cents(r[8]) + cents(r[9]) == cents(r[10])), "HT + TVA = TTC on every line");
    assert!(rows.iter().any(|r| r[7] == "1 × Reine, 1 × Margherita"));
    // Words, not codes: channel, mode and payment as a person reads them.
    assert!(rows.iter().all(|r| ["Site web", "Téléphone", "Comptoir"].contains(&r[2])), "{rows:?}");
    assert!(rows.iter().all(|r| ["Livraison", "À emporter"].contains(&r[3])), "{rows:?}");
    assert!(rows.iter().all(|r| ["En ligne", "Espèces", "Carte bancaire"].contains(&r[5])), "{rows:?}");
    // Bad periods are refused.
    assert_eq!(boss.get("/manage/dashboard/orders.csv").await.status, 400);
    assert_eq!(boss.get("/manage/dashboard/orders.csv?from=2026-12-01&to=2026-11-01").await.status, 400);
    let refused = boss.get("/manage/dashboard/orders.csv?from=hier&to=demain").await;
    assert_eq!(refused.status, 400);
    // The error page keeps the manager's own header (signed in, with their pages).
    assert!(
        refused.body.contains("Se déconnecter") && refused.body.contains(r#"href="/manage/stock""#),
        "{}",
        refused.body
    );
}

async fn each_sees_the_figures_they_may(backend: Backend) {
    let db = TestDb::new(backend).await;
    let app = TestApp::spawn_with(&db, &["--demo"], &[]).await;
    guest_order(&app, "takeaway", json!([{ "pizza": "margherita", "quantity": 2 }])).await;
    let other = Browser::new(&app);
    other.sign_in(&demo("manager", "vincennes"), DEMO_PASSWORD).await;
    assert_eq!(other.get(&format!("/manage/dashboard?pizzeria={A}")).await.status, 403);
    assert_eq!(
        other.get(&format!("/manage/dashboard/orders.csv?pizzeria={A}&from={}&to={}", today(), today())).await.status,
        403
    );
    let theirs = other.get("/manage/dashboard").await.body;
    assert!(theirs.contains(r#"data-kpi="orders">0<"#), "Vincennes sold nothing");
    let cook = Browser::new(&app);
    cook.sign_in(&demo("pizzaiolo", A), DEMO_PASSWORD).await;
    assert_eq!(cook.get("/manage/dashboard").await.status, 403);
    let admin = Browser::new(&app);
    admin.sign_in("admin@demo.ocpizza.fr", DEMO_PASSWORD).await;
    let overview = admin.get("/manage/dashboard").await.body;
    assert_eq!(overview.matches("<tr data-pizzeria=").count(), 5, "every pizzeria side by side");
    let row = &overview[overview.find(r#"<tr data-pizzeria="boulogne">"#).expect("Boulogne")..];
    assert!(row[..row.find("</tr>").expect("end")].contains("19,00"), "{row}");
    assert_eq!(admin.get(&format!("/manage/dashboard?pizzeria={A}")).await.status, 200);
}

both_backends!(the_figures_match_a_fixture_and_the_csv_adds_up, each_sees_the_figures_they_may);
