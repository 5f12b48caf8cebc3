//! The chain grows: an admin creates a pizzeria (its stock rows at zero), edits its hours,
//! zone and closing days (which the checkout respects), and deactivates it (hidden from
//! customers, its history kept).

mod common;

use common::{count, demo, Backend, Browser, TestApp, TestDb, DEMO_PASSWORD};
use reqwest::Method;
use serde_json::json;

fn tomorrow() -> chrono::NaiveDate {
    chrono::Utc::now().with_timezone(&chrono_tz::Europe::Paris).date_naive() + chrono::Duration::days(1)
}

fn order(pizzeria: &str) -> serde_json::Value {
    json!({
        "pizzeria": pizzeria, "mode": "takeaway", "when": format!("{}T20:00", tomorrow().format("%Y-%m-%d")),
        "payment": "cash", "lines": [{ "pizza": "margherita", "quantity": 1 }],
        "contact": { "name": "Léa", "email": "lea@exemple.fr", "phone": "06 11 22 33 44" },
    })
}

const WEEK: &str = "lundi 11:00-14:30 18:00-23:30\nmardi 11:00-14:30 18:00-23:30\nmercredi 11:00-14:30 18:00-23:30
jeudi 11:00-14:30 18:00-23:30\nvendredi 11:00-14:30 18:00-23:30\nsamedi 11:00-23:30\ndimanche 18:00-23:30";

fn saint_denis(hours: &str, postcodes: &str, closing: &str, active: bool) -> Vec<(&'static str, String)> {
    let mut fields = vec![
        ("slug", "saint-denis".to_string()),
        ("name", "OC Pizza Saint-Denis".into()),
        ("street", "2 rue de la République".into()),
        ("postcode", "93200".into()),
        ("city", "Saint-Denis".into()),
        ("phone", "01 48 20 20 20".into()),
        ("hours", hours.into()),
        ("postcodes", postcodes.into()),
        ("closing_days", closing.into()),
    ];
    if active {
        fields.push(("active", "true".into()));
    }
    fields
}

async fn submit(browser: &Browser, path: &str, fields: &[(&'static str, String)]) -> common::Reply {
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    browser.submit(path, &fields).await
}

async fn a_new_pizzeria_opens_closes_for_a_day_and_is_deactivated(backend: Backend) {
    let db = TestDb::new(backend).await;
    let app = TestApp::spawn_with(&db, &["--demo"], &[]).await;
    let pool = db.pool().await;
    let admin = Browser::new(&app);
    admin.sign_in("admin@demo.ocpizza.fr", DEMO_PASSWORD).await;
    assert_eq!(admin.get("/admin/pizzerias/new").await.status, 200);

    // Bad forms write nothing.
    for (hours, postcodes, says) in [
        ("lundi 14:00-11:00", "93200", "ferme avant d'ouvrir"),
        ("lundi 11:00-14:00 13:00-15:00", "93200", "chevauchent"),
        ("funday 11:00-14:00", "93200", "n'est pas un jour"),
        (WEEK, "9320", "Codes postaux"),
    ] {
        let reply = submit(&admin, "/admin/pizzerias/new", &saint_denis(hours, postcodes, "", true)).await;
        assert_eq!(reply.status, 422, "{says}");
        assert!(reply.body.contains(says), "{says}: {}", reply.body);
    }
    let mut taken = saint_denis(WEEK, "93200", "", true);
    taken[0] = ("slug", "boulogne".into());
    assert!(submit(&admin, "/admin/pizzerias/new", &taken).await.body.contains("existe déjà"));
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM pizzerias").await, 5);

    // Created: on the home page, every ingredient at zero, so nothing can be ordered yet.
    let reply = submit(&admin, "/admin/pizzerias/new", &saint_denis(WEEK, "93200, 93210", "", true)).await;
    assert_eq!((reply.status, reply.redirect_path()), (303, Some("/admin/pizzerias")), "{}", reply.body);
    let guest = Browser::new(&app);
    assert!(guest.get("/").await.body.contains("OC Pizza Saint-Denis"));
    assert_eq!(
        count(&pool, "SELECT COUNT(*) FROM stock WHERE pizzeria_id = (SELECT id FROM pizzerias WHERE slug = 'saint-denis') AND quantity = 0").await,
        count(&pool, "SELECT COUNT(*) FROM ingredients").await
    );
    let reply = guest.json(Method::POST, "/api/v1/orders", &[], &order("saint-denis")).await;
    assert_eq!((reply.status, reply.json()["error"].clone()), (409, json!("out_of_stock")));
    // Restocked through the stock page, it sells.
    for (ingredient, quantity) in
        [("dough", "10"), ("tomato_sauce", "1000"), ("mozzarella", "1000"), ("basil", "100"), ("olive_oil", "100")]
    {
        let fields = [
            ("pizzeria", "saint-denis"),
            ("ingredient", ingredient),
            ("action", "restock"),
            ("quantity", quantity),
            ("note", ""),
        ];
        assert_eq!(admin.submit("/manage/stock", &fields).await.status, 303);
    }
    assert_eq!(guest.json(Method::POST, "/api/v1/orders", &[], &order("saint-denis")).await.status, 201);

    // Closed tomorrow: no order for tomorrow, no slot offered tomorrow.
    let closing = format!("{} Inventaire annuel", tomorrow().format("%Y-%m-%d"));
    let reply = submit(&admin, "/admin/pizzerias/saint-denis", &saint_denis(WEEK, "93200", &closing, true)).await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    let reply = guest.json(Method::POST, "/api/v1/orders", &[], &order("saint-denis")).await;
    assert_eq!(reply.status, 422, "{}", reply.body);
    assert!(reply.body.contains("fermée ce jour-là"));
    guest.get("/pizzerias/saint-denis/menu").await;
    guest
        .submit("/cart/add", &[("pizzeria", "saint-denis"), ("pizza", "margherita"), ("quantity", "1"), ("note", "")])
        .await;
    let checkout = guest.get("/checkout").await.body;
    assert!(!checkout.contains(&format!(r#"value="{}T"#, tomorrow().format("%Y-%m-%d"))), "no slot tomorrow");
    assert!(admin.get("/admin/pizzerias/saint-denis").await.body.contains("Inventaire annuel"));

    // Deactivated: hidden from customers, its orders kept.
    let orders = count(&pool, "SELECT COUNT(*) FROM orders").await;
    let reply = submit(&admin, "/admin/pizzerias/saint-denis", &saint_denis(WEEK, "93200", "", false)).await;
    assert_eq!(reply.status, 303);
    assert!(!guest.get("/").await.body.contains("OC Pizza Saint-Denis"));
    assert_eq!(guest.get("/pizzerias/saint-denis/menu").await.status, 404);
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM orders").await, orders);

    // Only admins.
    let boss = Browser::new(&app);
    boss.sign_in(&demo("manager", "boulogne"), DEMO_PASSWORD).await;
    assert_eq!(boss.get("/admin/pizzerias").await.status, 403);
    let reply = submit(&boss, "/admin/pizzerias/boulogne", &saint_denis(WEEK, "93200", "", true)).await;
    assert_eq!(reply.status, 403);
}

both_backends!(a_new_pizzeria_opens_closes_for_a_day_and_is_deactivated);
