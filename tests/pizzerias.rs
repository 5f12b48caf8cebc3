//! The chain grows: an admin creates a pizzeria (its stock rows at zero), edits its hours,
//! zone and closing days (which the checkout respects), and deactivates it (hidden from
//! customers, its history kept).

mod common;

use chrono::Datelike;
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

const DAYS: [&str; 7] = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"];

/// The form's time pickers (`hours[<weekday>-<range>-opens|closes]`) for hours written
/// "lundi 11:00-14:30 18:00-23:30", a day a line.
fn pickers(hours: &str) -> Vec<(String, String)> {
    let mut fields = Vec::new();
    for line in hours.lines() {
        let mut words = line.split_whitespace();
        let day = words.next().expect("a day");
        let weekday = DAYS.iter().position(|d| *d == day).expect("a French day") + 1;
        for (range, times) in words.enumerate() {
            let (opens, closes) = times.split_once('-').expect("opens-closes");
            fields.push((format!("hours[{weekday}-{range}-opens]"), opens.to_string()));
            fields.push((format!("hours[{weekday}-{range}-closes]"), closes.to_string()));
        }
    }
    fields
}

fn saint_denis(hours: &str, postcodes: &str, closing: &str, active: bool) -> Vec<(String, String)> {
    let mut fields = vec![
        ("slug", "saint-denis".to_string()),
        ("name", "OC Pizza Saint-Denis".into()),
        ("street", "2 rue de la République".into()),
        ("postcode", "93200".into()),
        ("city", "Saint-Denis".into()),
        ("phone", "01 48 20 20 20".into()),
        ("postcodes", postcodes.into()),
        ("closing_days", closing.into()),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_string(), value))
    .collect::<Vec<_>>();
    fields.extend(pickers(hours));
    if active {
        fields.push(("active".into(), "true".into()));
    }
    fields
}

async fn submit(browser: &Browser, path: &str, fields: &[(String, String)]) -> common::Reply {
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
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
        ("lundi 11:00-", "93200", "indiquez l'ouverture et la fermeture"),
        ("lundi 11h-14h", "93200", "une heure s'écrit 11:30"),
        (WEEK, "9320", "Codes postaux"),
    ] {
        let reply = submit(&admin, "/admin/pizzerias/new", &saint_denis(hours, postcodes, "", true)).await;
        assert_eq!(reply.status, 422, "{says}");
        assert!(reply.body.contains(says), "{says}: {}", reply.body);
    }
    let mut taken = saint_denis(WEEK, "93200", "", true);
    taken[0] = ("slug".into(), "boulogne".into());
    assert!(submit(&admin, "/admin/pizzerias/new", &taken).await.body.contains("existe déjà"));
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM pizzerias").await, 5);

    // Opened to customers at once, every pizza would be sold out: refused, nothing written.
    let reply = submit(&admin, "/admin/pizzerias/new", &saint_denis(WEEK, "93200, 93210", "", true)).await;
    assert_eq!(reply.status, 422);
    assert!(
        reply.body.contains("aucune pizza n&#39;est faisable") || reply.body.contains("aucune pizza n'est faisable"),
        "{}",
        reply.body
    );
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM pizzerias").await, 5);
    // Created closed: not on the home page, every ingredient at zero.
    let form = admin.get("/admin/pizzerias/new").await.body;
    assert!(!form.contains(r#"name="active" value="true" checked"#), "a new pizzeria starts closed");
    assert!(form.contains(r#"type="time" name="hours[1-0-opens]""#), "time pickers");
    let reply = submit(&admin, "/admin/pizzerias/new", &saint_denis(WEEK, "93200, 93210", "", false)).await;
    assert_eq!((reply.status, reply.redirect_path()), (303, Some("/admin/pizzerias")), "{}", reply.body);
    assert!(admin
        .get("/admin/pizzerias")
        .await
        .body
        .contains("fermée aux clients : enregistrez une réception de stock"));
    let guest = Browser::new(&app);
    assert!(!guest.get("/").await.body.contains("OC Pizza Saint-Denis"));
    assert_eq!(guest.get("/pizzerias/saint-denis/menu").await.status, 404);
    // The saved hours come back in the pickers.
    let form = admin.get("/admin/pizzerias/saint-denis").await.body;
    assert!(form.contains(r#"name="hours[6-0-closes]" value="23:30""#), "{form}");
    assert_eq!(
        count(&pool, "SELECT COUNT(*) FROM stock WHERE pizzeria_id = (SELECT id FROM pizzerias WHERE slug = 'saint-denis') AND quantity = 0").await,
        count(&pool, "SELECT COUNT(*) FROM ingredients").await
    );
    // Restocked through the stock page, it opens and sells.
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
    let reply = submit(&admin, "/admin/pizzerias/saint-denis", &saint_denis(WEEK, "93200, 93210", "", true)).await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    assert!(guest.get("/").await.body.contains("OC Pizza Saint-Denis"));
    assert_eq!(guest.json(Method::POST, "/api/v1/orders", &[], &order("saint-denis")).await.status, 201);

    // The menu says whether it is open now, and when it opens.
    let today = chrono::Utc::now().with_timezone(&chrono_tz::Europe::Paris).date_naive();
    let day_name = |date: chrono::NaiveDate| DAYS[date.weekday().num_days_from_monday() as usize];
    let all_day = format!("{} 00:00-00:00", day_name(today));
    assert_eq!(
        submit(&admin, "/admin/pizzerias/saint-denis", &saint_denis(&all_day, "93200", "", true)).await.status,
        303
    );
    let menu = guest.get("/pizzerias/saint-denis/menu").await.body;
    assert!(
        menu.contains("Ouverte en ce moment, jusqu&#39;à minuit.")
            || menu.contains("Ouverte en ce moment, jusqu'à minuit."),
        "{menu}"
    );
    let later = format!("{} 10:00-11:00", day_name(today + chrono::Duration::days(2)));
    assert_eq!(
        submit(&admin, "/admin/pizzerias/saint-denis", &saint_denis(&later, "93200", "", true)).await.status,
        303
    );
    let menu = guest.get("/pizzerias/saint-denis/menu").await.body;
    assert!(menu.contains("Fermée en ce moment.") && menu.contains(" à 10h00"), "{menu}");
    assert!(menu.contains(r#"data-open="false""#));
    assert_eq!(submit(&admin, "/admin/pizzerias/saint-denis", &saint_denis(WEEK, "93200", "", true)).await.status, 303);

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
