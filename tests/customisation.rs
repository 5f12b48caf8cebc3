//! Customisation (issue "Pizzas the way customers order them"), through the JSON API so far:
//! a size, removals, extras and half-and-half are priced to the cent, take exactly their
//! composition from the stock, are kept with the order as sold, and show on the kitchen
//! screen; nonsense is refused in French with nothing written.

mod common;

use std::collections::BTreeMap;

use common::{count, demo, Backend, Browser, Reply, TestApp, TestDb, DEMO_PASSWORD};
use reqwest::Method;
use serde_json::json;

const A: &str = "boulogne";

async fn place(app: &TestApp, lines: serde_json::Value) -> Reply {
    let body = json!({
        "pizzeria": A, "mode": "takeaway", "when": common::next_evening(), "payment": "cash", "lines": lines,
        "contact": { "name": "Léa Invitée", "email": "lea@exemple.fr", "phone": "06 11 22 33 44" },
    });
    Browser::new(app).json(Method::POST, "/api/v1/orders", &[], &body).await
}

/// What an order took from the stock, by ingredient code.
async fn taken(pool: &oc_pizza::db::DbPool, reference: &str) -> BTreeMap<String, i64> {
    let mut taken = BTreeMap::new();
    for code in
        ["dough", "tomato_sauce", "cream", "mozzarella", "ham", "mushrooms", "gorgonzola", "goat_cheese", "parmesan"]
    {
        let sql = format!(
            "SELECT CAST(COALESCE(-SUM(m.delta), 0) AS BIGINT) FROM stock_movements m JOIN ingredients i ON i.id = m.ingredient_id
             WHERE i.code = '{code}' AND m.kind = 'order'
               AND m.order_id = (SELECT id FROM orders WHERE reference = '{reference}')"
        );
        let quantity = count(pool, &sql).await;
        if quantity != 0 {
            taken.insert(code.to_string(), quantity);
        }
    }
    taken
}

async fn compositions_are_priced_taken_from_stock_and_shown_to_the_kitchen(backend: Backend) {
    let db = TestDb::new(backend).await;
    let app = TestApp::spawn_with(&db, &["--demo"], &[]).await;
    let pool = db.pool().await;

    // Two large reines without mushrooms, with extra mozzarella; one large half reine (with
    // extra mozzarella on it) half quatre fromages without gorgonzola.
    let reply = place(
        &app,
        json!([
            { "pizza": "reine", "quantity": 2, "size": "40", "without": ["mushrooms"], "extras": ["mozzarella"] },
            { "pizza": "reine", "quantity": 1, "size": "40", "extras": ["mozzarella"],
              "half": { "pizza": "quatre-fromages", "without": ["gorgonzola"] } },
        ]),
    )
    .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let order = reply.json();
    let reference = order["reference"].as_str().expect("reference").to_string();
    // 15,00 € the large reine + 1,50 € the extra, twice; the dearer half (large quatre
    // fromages, 17,00 €) + half an extra (0,75 €). VAT 10 % of 50,75 €: HT 46,14 €.
    assert_eq!(order["lines"][0]["unit_price_cents"], json!(1650));
    assert_eq!(order["lines"][1]["unit_price_cents"], json!(1775));
    assert_eq!(order["totals"], json!({ "ht_cents": 4614, "vat_cents": 461, "ttc_cents": 5075 }));
    assert_eq!(
        order["lines"][0]["composition"]["summary"],
        json!("Grande (40 cm) — Reine SANS Champignons de Paris + Mozzarella")
    );
    assert_eq!(
        order["lines"][1]["composition"]["parts"],
        json!([
            { "label": "½ Reine / ½ Quatre fromages — Grande (40 cm) (prix de la plus chère, Quatre fromages)", "cents": 1700 },
            { "label": "Supplément Mozzarella (sur la ½ Reine)", "cents": 75 },
        ])
    );

    // Exactly the compositions' needs (the demo's recipes at 150 %, rounded up; halves at
    // half; the dough ball and the base once).
    let expected: BTreeMap<String, i64> = [
        ("dough", 2 + 1),
        ("tomato_sauce", 2 * 120 + 120),
        ("mozzarella", 2 * (165 + 75) + 83 + 38 + 60),
        ("ham", 2 * 105 + 53),
        ("mushrooms", 45),
        ("goat_cheese", 30),
        ("parmesan", 15),
    ]
    .into_iter()
    .map(|(code, quantity)| (code.to_string(), quantity))
    .collect();
    assert_eq!(taken(&pool, &reference).await, expected, "no gorgonzola, no cream (the second half's base)");
    common::assert_stock_matches_journal(&pool).await;

    // Kept with the order: a menu change does not touch it.
    common::execute(&pool, "UPDATE pizza_sizes SET price_cents = price_cents + 500").await;
    common::execute(&pool, "UPDATE extras SET price_cents = 900").await;
    let key = order["access_key"].as_str().expect("key");
    let again =
        Browser::new(&app).api(Method::GET, &format!("/api/v1/orders/{reference}"), &[("X-Order-Key", key)]).await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(again.json()["totals"]["ttc_cents"], json!(5075));
    assert_eq!(again.json()["lines"][1]["composition"], order["lines"][1]["composition"]);

    // The kitchen sees it, removals in bold; the customer's page says it.
    let cook = Browser::new(&app);
    cook.sign_in(&demo("pizzaiolo", A), DEMO_PASSWORD).await;
    let queue = cook.get("/kitchen/queue").await.body;
    assert!(queue.contains(r#"<strong class="sans">SANS</strong> Champignons de Paris + Mozzarella"#), "{queue}");
    assert!(queue.contains("½ Quatre fromages <strong class=\"sans\">SANS</strong> Gorgonzola"), "{queue}");
    let page = Browser::new(&app).get(&format!("/orders/{reference}?key={key}")).await.body;
    assert!(page.contains("Grande (40 cm) — ½ Reine + Mozzarella, ½ Quatre fromages SANS Gorgonzola"), "{page}");

    // Not modified on the site yet (its form offers plain pizzas): said, and refused.
    let guest = Browser::new(&app);
    let page = guest.get(&format!("/orders/{reference}?key={key}")).await.body.replace("&#39;", "'");
    assert!(page.contains("qui ne se modifient pas encore sur le site") && !page.contains("Modifier la commande"));
    let edit = guest.get(&format!("/orders/{reference}/edit?key={key}")).await;
    assert_eq!(edit.redirect_path(), Some(&*format!("/orders/{reference}?key={key}")));
    let fields = [("version", "1"), ("key", key), ("mode", "takeaway"), ("when", "asap")];
    let refused = guest.submit(&format!("/orders/{reference}/edit"), &fields).await;
    assert_eq!(refused.status, 303, "{}", refused.body);
    let after = Browser::new(&app)
        .api(Method::GET, &format!("/api/v1/orders/{reference}"), &[("X-Order-Key", key)])
        .await
        .json();
    assert_eq!((after["version"].clone(), after["lines"].clone()), (order["version"].clone(), order["lines"].clone()));
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM order_lines").await, 2);

    // The CSV reads each line as it was composed.
    let manager = Browser::new(&app);
    manager.sign_in(&demo("manager", A), DEMO_PASSWORD).await;
    let today = chrono::Utc::now().with_timezone(&chrono_tz::Europe::Paris).format("%Y-%m-%d").to_string();
    let csv = manager.get(&format!("/manage/dashboard/orders.csv?from={today}&to={today}")).await.body;
    let row = csv.lines().find(|l| l.starts_with(&reference)).unwrap_or_else(|| panic!("{csv}"));
    assert!(
        row.contains("2 × Grande (40 cm) — Reine SANS Champignons de Paris + Mozzarella, 1 × Grande (40 cm) — ½ Reine"),
        "{row}"
    );
}

async fn nonsense_compositions_are_refused_in_french_with_nothing_written(backend: Backend) {
    let db = TestDb::new(backend).await;
    let app = TestApp::spawn_with(&db, &["--demo"], &[]).await;
    let pool = db.pool().await;
    let movements = "SELECT COUNT(*) FROM stock_movements";
    let before = count(&pool, movements).await;
    for (line, says) in [
        (json!({ "pizza": "reine", "quantity": 1, "size": "50" }), "Taille inconnue : « 50 »."),
        (json!({ "pizza": "calzone", "quantity": 1, "size": "40" }), "La Calzone n'existe pas en Grande (40 cm)."),
        (json!({ "pizza": "reine", "quantity": 1, "without": ["dough"] }), "ne peut pas être retiré de la Reine"),
        (json!({ "pizza": "reine", "quantity": 1, "without": ["caviar"] }), "La Reine ne contient pas « caviar »"),
        (json!({ "pizza": "reine", "quantity": 1, "extras": ["caviar"] }), "« caviar » n'est pas un supplément"),
        (
            json!({ "pizza": "reine", "quantity": 1, "extras": ["mozzarella", "jambon", "olives", "oeuf"] }),
            "3 suppléments au plus par pizza.",
        ),
        (json!({ "pizza": "reine", "quantity": 1, "half": { "pizza": "reine" } }), "la même pizza"),
        (
            json!({ "pizza": "reine", "quantity": 1, "size": "26", "half": { "pizza": "bufala", "size": "40" } }),
            "Les deux moitiés d'une pizza sont de la même taille.",
        ),
        (json!({ "pizza": "reine", "quantity": 1, "half": { "pizza": "lune" } }), "Cette pizza n'est pas à la carte."),
        (json!({ "pizza": "reine", "quantity": -2, "size": "40" }), "La quantité doit être d'au moins 1."),
    ] {
        let reply = place(&app, json!([line])).await;
        assert_eq!(reply.status, 422, "{line}: {}", reply.body);
        assert!(reply.body.contains(says), "{line} → {says}: {}", reply.body);
    }
    // A body of the wrong shape is refused before anything is read.
    let unknown_field = place(&app, json!([{ "pizza": "reine", "quantity": 1, "taille": "40" }])).await;
    assert_eq!(unknown_field.status, 422, "{}", unknown_field.body);
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM orders").await, 0, "no order");
    assert_eq!(count(&pool, movements).await, before, "no stock taken");
}

async fn a_recipe_edit_keeps_what_customers_may_take_off(backend: Backend) {
    let db = TestDb::new(backend).await;
    let app = TestApp::spawn_with(&db, &["--demo"], &[]).await;
    let admin = Browser::new(&app);
    admin.sign_in("admin@demo.ocpizza.fr", DEMO_PASSWORD).await;
    let csrf = admin.csrf().await;
    // The reine gets onions (removable on the other pizzas that have them), keeps the rest.
    let body = json!({
        "name": "Reine", "price_cents": 1150, "vat_rate_bp": 1000,
        "recipe": [
            { "ingredient": "dough", "quantity": 1 }, { "ingredient": "tomato_sauce", "quantity": 80 },
            { "ingredient": "mozzarella", "quantity": 110 }, { "ingredient": "ham", "quantity": 70 },
            { "ingredient": "mushrooms", "quantity": 60 }, { "ingredient": "onions", "quantity": 20 },
        ],
    });
    let saved = admin.json(Method::PUT, "/api/v1/menu/pizzas/reine", &[("X-CSRF-Token", csrf.as_str())], &body).await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    let menu = Browser::new(&app).get(&format!("/api/v1/pizzerias/{A}/menu")).await.json();
    let reine = menu["pizzas"].as_array().expect("pizzas").iter().find(|p| p["slug"] == "reine").cloned();
    let removable: Vec<String> = reine.expect("the reine")["removable"]
        .as_array()
        .expect("lines")
        .iter()
        .filter_map(|l| l["ingredient"].as_str().map(String::from))
        .collect();
    for kept in ["mozzarella", "ham", "mushrooms", "onions"] {
        assert!(removable.iter().any(|r| r == kept), "{kept}: {removable:?}");
    }
    assert!(!removable.iter().any(|r| r == "dough" || r == "tomato_sauce"), "the base stays: {removable:?}");
}

async fn the_confirmation_mail_shows_the_composition(backend: Backend) {
    let db = TestDb::new(backend).await;
    let Some(smtp) = common::notify::SmtpServer::start().await else { return };
    let env = common::notify::SmtpServer::env(smtp.port);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let app = TestApp::spawn_with(&db, &["--demo"], &env).await;
    let line = json!({ "pizza": "reine", "quantity": 1, "size": "26", "without": ["ham"], "extras": ["olives"] });
    let reply = place(&app, json!([line])).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let reference = reply.json()["reference"].as_str().expect("reference").to_string();
    let subject = format!("Commande {reference} reçue");
    let mails = smtp.wait_for_where(1, std::time::Duration::from_secs(20), |m| m.subject == subject).await;
    let text = mails[0].text.clone().unwrap_or_default();
    assert!(text.contains("Petite (26 cm) — Reine SANS Jambon blanc + Olives noires"), "{text}");
    assert!(mails[0].html.as_deref().is_some_and(|h| h.contains("SANS Jambon blanc")), "the HTML part too");
}

both_backends!(
    the_confirmation_mail_shows_the_composition,
    a_recipe_edit_keeps_what_customers_may_take_off,
    compositions_are_priced_taken_from_stock_and_shown_to_the_kitchen,
    nonsense_compositions_are_refused_in_french_with_nothing_written,
);
