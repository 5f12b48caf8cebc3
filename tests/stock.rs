//! The stock page: each action writes its movement (and nothing on a refusal), the journal
//! and its filters, what the stock can still make, the page scoped to the manager's
//! pizzeria, live events, and concurrent restocks, waste and orders on one ingredient.

mod common;

use std::time::Duration;

use common::{assert_stock_matches_journal, count, demo, Backend, Browser, Reply, TestApp, TestDb, DEMO_PASSWORD};
use oc_pizza::db::DbPool;
use reqwest::Method;
use serde_json::json;

const A: &str = "boulogne";
const B: &str = "vincennes";

async fn manager(app: &TestApp, pizzeria: &str) -> Browser {
    let browser = Browser::new(app);
    browser.sign_in(&demo("manager", pizzeria), DEMO_PASSWORD).await;
    browser.get("/manage/stock").await;
    browser
}

async fn act(browser: &Browser, pizzeria: &str, ingredient: &str, action: &str, quantity: &str, note: &str) -> Reply {
    let fields = [
        ("pizzeria", pizzeria),
        ("ingredient", ingredient),
        ("action", action),
        ("quantity", quantity),
        ("note", note),
    ];
    browser.submit("/manage/stock", &fields).await
}

async fn stock_of(pool: &DbPool, pizzeria: &str, ingredient: &str) -> i64 {
    count(
        pool,
        &format!(
            "SELECT quantity FROM stock WHERE pizzeria_id = (SELECT id FROM pizzerias WHERE slug = '{pizzeria}')
             AND ingredient_id = (SELECT id FROM ingredients WHERE code = '{ingredient}')"
        ),
    )
    .await
}

async fn movements(pool: &DbPool) -> i64 {
    count(pool, "SELECT COUNT(*) FROM stock_movements").await
}

async fn last_movement(pool: &DbPool) -> String {
    common::scalar_text(
        pool,
        "SELECT m.kind || ' ' || CAST(m.delta AS TEXT) || ' ' || u.role || ' ' || m.note
         FROM stock_movements m JOIN users u ON u.id = m.user_id ORDER BY m.id DESC LIMIT 1",
    )
    .await
    .unwrap_or_default()
}

async fn each_action_writes_its_movement(backend: Backend) {
    let db = TestDb::new(backend).await;
    let app = TestApp::spawn_with(&db, &["--demo"], &[]).await;
    let pool = db.pool().await;
    let boss = manager(&app, A).await;
    let page = boss.get("/manage/stock").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Mozzarella fior di latte") && page.body.contains("Pizzas encore réalisables"));
    let opening = stock_of(&pool, A, "mozzarella").await;

    let reply = act(&boss, A, "mozzarella", "restock", "500", "BL-2026-11").await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    assert_eq!(stock_of(&pool, A, "mozzarella").await, opening + 500);
    assert_eq!(last_movement(&pool).await, "restock 500 manager Réf. fournisseur BL-2026-11");
    let told = boss.get("/manage/stock").await.body;
    assert!(told.contains("Réception enregistrée"), "the manager is told");
    // In words and units, not the ingredient's code.
    assert!(told.contains("Mozzarella fior di latte — Réception enregistrée : +500 g."), "{told}");

    let reply = act(&boss, A, "mozzarella", "waste", "100", "Tombée par terre").await;
    assert_eq!(reply.status, 303);
    assert_eq!(last_movement(&pool).await, "waste -100 manager Tombée par terre");

    // Refusals write nothing.
    let before = movements(&pool).await;
    let now = stock_of(&pool, A, "mozzarella").await;
    for (ingredient, action, quantity, note, says) in [
        ("mozzarella", "waste", "50", "", "raison de la perte"),
        ("mozzarella", "waste", &(now + 1).to_string() as &str, "périmée", "dépasse le stock"),
        ("mozzarella", "restock", "abc", "", "nombre entier"),
        ("mozzarella", "restock", "-5", "", "au moins 1"),
        ("mozzarella", "restock", "0", "", "au moins 1"),
        ("mozzarella", "restock", "2000000", "", "trop grande"),
        ("mozzarella", "inventory", "-1", "", "négative"),
        ("mozzarella", "threshold", "-3", "", "négative"),
        ("unobtainium", "restock", "5", "", "ingrédient de la liste"),
        ("mozzarella", "steal", "5", "", "Choisissez une action"),
    ] {
        let reply = act(&boss, A, ingredient, action, quantity, note).await;
        assert_eq!(reply.status, 422, "{action} {quantity}: {}", reply.body);
        assert!(reply.body.contains(says), "{action} {quantity} should say {says:?}");
    }
    assert_eq!(movements(&pool).await, before, "refusals write nothing");
    assert_eq!(stock_of(&pool, A, "mozzarella").await, now);

    // Inventory: the count becomes the stock, the difference a movement; the same count, none.
    let reply = act(&boss, A, "mozzarella", "inventory", "1000", "").await;
    assert_eq!(reply.status, 303);
    assert_eq!(stock_of(&pool, A, "mozzarella").await, 1000);
    assert_eq!(last_movement(&pool).await, format!("inventory {} manager Inventaire : {now} → 1000", 1000 - now));
    let before = movements(&pool).await;
    assert_eq!(act(&boss, A, "mozzarella", "inventory", "1000", "").await.status, 303);
    assert_eq!(movements(&pool).await, before);
    // Threshold: the level says it.
    assert_eq!(act(&boss, A, "mozzarella", "threshold", "2000", "").await.status, 303);
    let page = boss.get("/manage/stock").await.body;
    let row = &page[page.find(r#"data-ingredient="mozzarella""#).expect("the row")..];
    assert!(row[..row.find("</tr>").expect("row end")].contains("bas"), "{row}");
    // Out of mozzarella: the Margherita cannot be made, and says why.
    assert_eq!(act(&boss, A, "mozzarella", "inventory", "0", "").await.status, 303);
    let page = boss.get("/manage/stock").await.body;
    let row = &page[page.find(r#"data-pizza="Margherita""#).expect("the pizza's row")..];
    let row = &row[..row.find("</tr>").expect("row end")];
    assert!(row.contains(r#"data-count="0""#) && row.contains("Mozzarella fior di latte"), "{row}");

    // The journal, filtered.
    let journal = boss.get("/manage/stock?kind=waste").await.body;
    let table = &journal[journal.find("table class=\"journal\"").expect("journal")..];
    assert!(table.contains("Tombée par terre") && !table.contains("BL-2026-11"), "only waste");
    let journal = boss.get("/manage/stock?ingredient=mozzarella&kind=inventory").await.body;
    assert!(journal.contains("2 mouvement(s)"), "two inventories moved the stock");
    assert_stock_matches_journal(&pool).await;
}

async fn a_manager_sees_and_moves_only_their_pizzeria(backend: Backend) {
    let db = TestDb::new(backend).await;
    let app = TestApp::spawn_with(&db, &["--demo"], &[]).await;
    let pool = db.pool().await;
    let other = manager(&app, B).await;
    assert_eq!(other.get(&format!("/manage/stock?pizzeria={A}")).await.status, 403);
    assert_eq!(other.get(&format!("/manage/stock/live?pizzeria={A}")).await.status, 403);
    let before = stock_of(&pool, A, "basil").await;
    assert_eq!(act(&other, A, "basil", "restock", "10", "").await.status, 403);
    assert_eq!(stock_of(&pool, A, "basil").await, before);
    // Their own form acts on their own pizzeria.
    let theirs = stock_of(&pool, B, "basil").await;
    assert_eq!(act(&other, "", "basil", "restock", "10", "").await.status, 303);
    assert_eq!((stock_of(&pool, A, "basil").await, stock_of(&pool, B, "basil").await), (before, theirs + 10));
    // Other roles: no stock page.
    for role in ["pizzaiolo", "counter", "driver"] {
        let staff = Browser::new(&app);
        staff.sign_in(&demo(role, A), DEMO_PASSWORD).await;
        assert_eq!(staff.get("/manage/stock").await.status, 403, "{role}");
    }
    // An admin chooses, then acts on any pizzeria.
    let admin = Browser::new(&app);
    admin.sign_in("admin@demo.ocpizza.fr", DEMO_PASSWORD).await;
    assert!(admin.get("/manage/stock").await.body.contains(&format!("/manage/stock?pizzeria={A}")));
    assert_eq!(admin.get(&format!("/manage/stock?pizzeria={A}")).await.status, 200);
    assert_eq!(act(&admin, A, "basil", "restock", "5", "").await.status, 303);
    assert_eq!(stock_of(&pool, A, "basil").await, before + 5);
}

async fn the_stock_page_follows_orders_live(backend: Backend) {
    let db = TestDb::new(backend).await;
    let app = TestApp::spawn_with(&db, &["--demo"], &[]).await;
    let boss = manager(&app, A).await;
    let mut events = boss.events("/manage/stock/events").await;
    assert_eq!(events.next(Duration::from_secs(10)).await.map(|e| e.name), Some("hello".into()));
    let reply = Browser::new(&app).json(Method::POST, "/api/v1/orders", &[], &order(A)).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert!(events.wait_for("change", r#""kind":"placed""#, Duration::from_secs(5)).await.is_some());
    act(&boss, A, "basil", "restock", "10", "").await;
    assert!(events.wait_for("change", r#""kind":"stock""#, Duration::from_secs(5)).await.is_some());
}

fn order(pizzeria: &str) -> serde_json::Value {
    let tomorrow = chrono::Utc::now().with_timezone(&chrono_tz::Europe::Paris).date_naive() + chrono::Duration::days(1);
    json!({
        "pizzeria": pizzeria, "mode": "takeaway", "when": format!("{}T20:00", tomorrow.format("%Y-%m-%d")),
        "payment": "cash", "lines": [{ "pizza": "margherita", "quantity": 1 }],
        "contact": { "name": "Léa", "email": "lea@exemple.fr", "phone": "06 11 22 33 44" },
    })
}

async fn restocks_waste_and_orders_at_once_lose_no_update(backend: Backend) {
    let db = TestDb::new(backend).await;
    let app = TestApp::spawn_with(&db, &["--demo"], &[]).await;
    let pool = db.pool().await;
    let opening = stock_of(&pool, A, "mozzarella").await;
    let boss = manager(&app, A).await;
    let guest = Browser::new(&app);
    let body = order(A);
    let mut work = Vec::new();
    for i in 0..15 {
        let (boss, guest, body) = (&boss, &guest, &body);
        work.push(async move {
            let restock = act(boss, A, "mozzarella", "restock", "100", "").await.status;
            let waste = act(boss, A, "mozzarella", "waste", "10", &format!("essai {i}")).await.status;
            let placed = guest.json(Method::POST, "/api/v1/orders", &[], body).await.status;
            (restock, waste, placed)
        });
    }
    let results = common::join_all(work.into_iter()).await;
    assert!(results.iter().all(|(r, w, p)| (*r, *w, *p) == (303, 303, 201)), "{results:?}");
    let per_margherita = count(
        &pool,
        "SELECT quantity FROM recipe_lines WHERE pizza_id = (SELECT id FROM pizzas WHERE slug = 'margherita')
         AND ingredient_id = (SELECT id FROM ingredients WHERE code = 'mozzarella')",
    )
    .await;
    assert_eq!(stock_of(&pool, A, "mozzarella").await, opening + 15 * 100 - 15 * 10 - 15 * per_margherita);
    assert_stock_matches_journal(&pool).await;
}

async fn transfers_move_stock_between_pizzerias_atomically(backend: Backend) {
    let db = TestDb::new(backend).await;
    let app = TestApp::spawn_with(&db, &["--demo"], &[]).await;
    let pool = db.pool().await;
    let admin = Browser::new(&app);
    admin.sign_in("admin@demo.ocpizza.fr", DEMO_PASSWORD).await;
    let page = admin.get("/admin/stock").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains(r#"data-ingredient="mozzarella""#) && page.body.contains("OC Pizza Vincennes"));
    let (a, b) = (stock_of(&pool, A, "mozzarella").await, stock_of(&pool, B, "mozzarella").await);
    let transfer = |from: &'static str, to: &'static str, quantity: String| {
        let admin = &admin;
        async move {
            admin
                .submit(
                    "/admin/stock/transfers",
                    &[("from", from), ("to", to), ("ingredient", "mozzarella"), ("quantity", &quantity)],
                )
                .await
        }
    };
    let reply = transfer(A, B, "500".into()).await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    assert_eq!((stock_of(&pool, A, "mozzarella").await, stock_of(&pool, B, "mozzarella").await), (a - 500, b + 500));
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM stock_movements WHERE kind = 'transfer'").await, 2);
    let told = admin.get("/admin/stock").await.body;
    assert!(
        told.contains(
            "Transfert enregistré : 500 g de Mozzarella fior di latte, de OC Pizza Boulogne vers OC Pizza Vincennes."
        ),
        "names, not slugs: {told}"
    );
    // More than the source holds, the same pizzeria, nonsense: refused, nothing written.
    let before = movements(&pool).await;
    for (from, to, quantity, says) in [
        (A, B, (a - 500 + 1).to_string(), "dépasse le stock"),
        (A, A, "5".to_string(), "différentes"),
        (A, B, "-5".to_string(), "au moins 1"),
        (A, "atlantis", "5".to_string(), "deux pizzerias"),
    ] {
        let reply = transfer(from, to, quantity).await;
        assert_eq!(reply.status, 422);
        assert!(reply.body.contains(says), "{says}: {}", reply.body);
    }
    assert_eq!(movements(&pool).await, before);
    assert_eq!((stock_of(&pool, A, "mozzarella").await, stock_of(&pool, B, "mozzarella").await), (a - 500, b + 500));
    assert_stock_matches_journal(&pool).await;
    // Managers do not move stock between pizzerias.
    let boss = manager(&app, A).await;
    assert_eq!(boss.get("/admin/stock").await.status, 403);
    let reply = boss
        .submit("/admin/stock/transfers", &[("from", B), ("to", A), ("ingredient", "mozzarella"), ("quantity", "5")])
        .await;
    assert_eq!(reply.status, 403);
}

async fn the_api_reads_and_moves_the_same_stock(backend: Backend) {
    let db = TestDb::new(backend).await;
    let app = TestApp::spawn_with(&db, &["--demo"], &[]).await;
    let pool = db.pool().await;
    let boss = manager(&app, A).await;
    let csrf = boss.csrf().await;
    let headers = [("X-CSRF-Token", csrf.as_str())];
    let path = format!("/api/v1/pizzerias/{A}/stock");
    let stock = boss.get(&path).await;
    assert_eq!(stock.status, 200, "{}", stock.body);
    let document = stock.json();
    let basil = document["ingredients"].as_array().and_then(|all| all.iter().find(|i| i["code"] == "basil").cloned());
    assert_eq!(basil.expect("basil")["quantity"].as_i64(), Some(stock_of(&pool, A, "basil").await));
    assert!(document["makeable"].as_array().is_some_and(|m| m.iter().any(|p| p["pizza"] == "Margherita")));

    let before = stock_of(&pool, A, "basil").await;
    let reply = boss
        .json(
            Method::POST,
            &path,
            &headers,
            &json!({ "ingredient": "basil", "action": "restock", "quantity": 40, "note": "BL-9" }),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(stock_of(&pool, A, "basil").await, before + 40);
    let count_before = movements(&pool).await;
    for bad in [
        json!({ "ingredient": "basil", "action": "waste", "quantity": 5 }),
        json!({ "ingredient": "basil", "action": "restock", "quantity": -5 }),
        json!({ "ingredient": "basil", "action": "restock", "quantity": 5_000_000 }),
        json!({ "ingredient": "kryptonite", "action": "restock", "quantity": 5 }),
        json!({ "ingredient": "basil", "action": "restock", "quantity": "cinq" }),
        json!({ "ingredient": "basil", "action": "waste", "quantity": before + 41, "note": "tout" }),
    ] {
        let reply = boss.json(Method::POST, &path, &headers, &bad).await;
        assert_eq!(reply.status, 422, "{bad}: {}", reply.body);
    }
    assert_eq!(movements(&pool).await, count_before, "refusals write nothing");
    let journal = boss.get(&format!("{path}/movements?kind=restock")).await.json();
    assert!(journal["movements"].as_array().is_some_and(|m| !m.is_empty() && m.iter().all(|r| r["kind"] == "restock")));

    let other = manager(&app, B).await;
    assert_eq!(other.get(&path).await.status, 403);
    let other_csrf = other.csrf().await;
    let reply = other
        .json(
            Method::POST,
            &path,
            &[("X-CSRF-Token", &other_csrf)],
            &json!({ "ingredient": "basil", "action": "restock", "quantity": 1 }),
        )
        .await;
    assert_eq!(reply.status, 403);
    assert_eq!(stock_of(&pool, A, "basil").await, before + 40);

    let admin = Browser::new(&app);
    admin.sign_in("admin@demo.ocpizza.fr", DEMO_PASSWORD).await;
    let admin_csrf = admin.csrf().await;
    let ah = [("X-CSRF-Token", admin_csrf.as_str())];
    let reply = admin
        .json(
            Method::POST,
            "/api/v1/stock/transfers",
            &ah,
            &json!({ "from": A, "to": B, "ingredient": "basil", "quantity": 10 }),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let reply = admin
        .json(
            Method::POST,
            "/api/v1/stock/transfers",
            &ah,
            &json!({ "from": A, "to": B, "ingredient": "basil", "quantity": 100_000 }),
        )
        .await;
    assert_eq!(reply.status, 409);
    assert_eq!(stock_of(&pool, A, "basil").await, before + 30);
    let reply = boss
        .json(
            Method::POST,
            "/api/v1/stock/transfers",
            &headers,
            &json!({ "from": A, "to": B, "ingredient": "basil", "quantity": 1 }),
        )
        .await;
    assert_eq!(reply.status, 403, "managers do not transfer");
    assert_stock_matches_journal(&pool).await;
}

both_backends!(
    the_api_reads_and_moves_the_same_stock,
    transfers_move_stock_between_pizzerias_atomically,
    each_action_writes_its_movement,
    a_manager_sees_and_moves_only_their_pizzeria,
    the_stock_page_follows_orders_live,
    restocks_waste_and_orders_at_once_lose_no_update,
);
