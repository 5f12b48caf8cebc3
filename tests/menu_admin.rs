//! Managing the menu: an admin's edit shows at once on the public menu, the recipe memo and
//! the API, never on past orders; bad recipes, prices and rates are refused with nothing
//! written; a manager withdraws a pizza for the day in their own pizzeria only.

mod common;

use common::{count, demo, scalar_text, Backend, Browser, TestApp, TestDb, DEMO_PASSWORD};
use reqwest::Method;
use serde_json::json;

const A: &str = "boulogne";

fn order(pizzeria: &str) -> serde_json::Value {
    let tomorrow = chrono::Utc::now().with_timezone(&chrono_tz::Europe::Paris).date_naive() + chrono::Duration::days(1);
    json!({
        "pizzeria": pizzeria, "mode": "takeaway", "when": format!("{}T20:00", tomorrow.format("%Y-%m-%d")),
        "payment": "cash", "lines": [{ "pizza": "margherita", "quantity": 1 }],
        "contact": { "name": "Léa", "email": "lea@exemple.fr", "phone": "06 11 22 33 44" },
    })
}

fn margherita(price: &str, recipe: &str, vat: &str) -> Vec<(&'static str, String)> {
    vec![
        ("name", "Margherita".into()),
        ("description", "Tomate, mozzarella, basilic, origan.".into()),
        ("price", price.into()),
        ("vat", vat.into()),
        ("active", "true".into()),
        ("sort_order", "1".into()),
        ("recipe", recipe.into()),
        ("steps", "Étaler la pâte en 30 cm.\nSauce, mozzarella.\nCuire 90 secondes, basilic à la sortie.".into()),
    ]
}

async fn an_edit_shows_everywhere_at_once_but_not_on_past_orders(backend: Backend) {
    let db = TestDb::new(backend).await;
    let app = TestApp::spawn_with(&db, &["--demo"], &[]).await;
    let pool = db.pool().await;
    let guest = Browser::new(&app);
    let before = guest.json(Method::POST, "/api/v1/orders", &[], &order(A)).await;
    assert_eq!(before.status, 201);
    let past = before.json()["reference"].as_str().expect("reference").to_string();

    let admin = Browser::new(&app);
    admin.sign_in("admin@demo.ocpizza.fr", DEMO_PASSWORD).await;
    let form = admin.get("/manage/menu/pizzas/margherita").await;
    assert_eq!(form.status, 200);
    assert!(form.body.contains("mozzarella 120"), "the recipe in its form");
    let recipe = "dough 1\ntomato_sauce 80\nmozzarella 130\nbasil 3\nolive_oil 5";
    let fields = margherita("10,50", recipe, "10");
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let reply = admin.submit("/manage/menu/pizzas/margherita", &fields).await;
    assert_eq!((reply.status, reply.redirect_path()), (303, Some("/manage/menu")), "{}", reply.body);

    let menu = guest.get(&format!("/pizzerias/{A}/menu")).await.body;
    assert!(menu.contains("10,50") && menu.contains("origan"), "the public menu");
    let api = guest.get(&format!("/api/v1/pizzerias/{A}/menu")).await.json();
    let pizza =
        api["pizzas"].as_array().and_then(|p| p.iter().find(|p| p["slug"] == "margherita").cloned()).expect("pizza");
    assert_eq!(pizza["price_cents"], 1050);
    let cook = Browser::new(&app);
    cook.sign_in(&demo("pizzaiolo", A), DEMO_PASSWORD).await;
    let memo = cook.get("/kitchen/recipes/margherita").await.body;
    assert!(memo.contains("130 g") && memo.contains("Cuire 90 secondes"), "the recipe memo");
    let kept = scalar_text(
        &pool,
        &format!(
            "SELECT CAST(l.unit_price_cents AS TEXT) FROM order_lines l JOIN orders o ON o.id = l.order_id
             WHERE o.reference = '{past}'"
        ),
    )
    .await;
    assert_eq!(kept.as_deref(), Some("950"), "a past order keeps its price");
    // A new order takes the new price and the new recipe.
    let after = guest.json(Method::POST, "/api/v1/orders", &[], &order(A)).await.json();
    assert_eq!(after["totals"]["ttc_cents"], 1050);

    // Refusals: nothing changes.
    for (price, recipe, vat, says) in [
        ("10,50", "", "10", "au moins un ingrédient"),
        ("10,50", "dough 1\ndough 2", "10", "deux fois"),
        ("10,50", "dough 0", "10", "supérieur à zéro"),
        ("10,50", "kryptonite 3", "10", "inconnu"),
        ("0", "dough 1", "10", "supérieur à zéro"),
        ("-4", "dough 1", "10", "montant"),
        ("10,50", "dough 1", "150", "pourcentage"),
    ] {
        let fields = margherita(price, recipe, vat);
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let reply = admin.submit("/manage/menu/pizzas/margherita", &fields).await;
        assert_eq!(reply.status, 422, "{says}");
        assert!(reply.body.contains(says), "{says}: {}", reply.body);
    }
    assert_eq!(count(&pool, "SELECT price_cents FROM pizzas WHERE slug = 'margherita'").await, 1050);
    assert_eq!(
        count(
            &pool,
            "SELECT COUNT(*) FROM recipe_lines WHERE pizza_id = (SELECT id FROM pizzas WHERE slug = 'margherita')"
        )
        .await,
        5
    );

    // A new pizza; its slug must be new and well-formed.
    let mut fields = margherita("12,00", "dough 1\nmozzarella 100", "10");
    fields[0] = ("name", "Bianca".into());
    fields.push(("slug", "bianca".into()));
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(admin.submit("/manage/menu/pizzas/new", &fields).await.status, 303);
    assert!(guest.get(&format!("/pizzerias/{A}/menu")).await.body.contains("Bianca"));
    assert_eq!(admin.submit("/manage/menu/pizzas/new", &fields).await.status, 422, "the slug is taken");
    let mut bad = fields.clone();
    bad.retain(|(k, _)| *k != "slug");
    bad.push(("slug", "Pizza Été"));
    assert_eq!(admin.submit("/manage/menu/pizzas/new", &bad).await.status, 422);
    // Managers do not edit the menu.
    let boss = Browser::new(&app);
    boss.sign_in(&demo("manager", A), DEMO_PASSWORD).await;
    assert_eq!(boss.get("/manage/menu/pizzas/margherita").await.status, 403);
}

async fn a_manager_withdraws_a_pizza_for_the_day(backend: Backend) {
    let db = TestDb::new(backend).await;
    let app = TestApp::spawn_with(&db, &["--demo"], &[]).await;
    let guest = Browser::new(&app);
    let boss = Browser::new(&app);
    boss.sign_in(&demo("manager", A), DEMO_PASSWORD).await;
    let page = boss.get("/manage/menu").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Retirer aujourd'hui"));
    let withdraw = |flag: &'static str| {
        let boss = &boss;
        async move { boss.submit("/manage/menu/withdrawals", &[("pizza", "margherita"), ("withdrawn", flag)]).await }
    };
    assert_eq!(withdraw("true").await.status, 303);
    let reply = guest.json(Method::POST, "/api/v1/orders", &[], &order(A)).await;
    assert_eq!((reply.status, reply.json()["error"].clone()), (409, json!("unavailable")), "{}", reply.body);
    assert_eq!(
        guest.json(Method::POST, "/api/v1/orders", &[], &order("vincennes")).await.status,
        201,
        "elsewhere it stays"
    );
    let menu = guest.get(&format!("/pizzerias/{A}/menu")).await.body;
    let card = &menu[menu.find("Margherita").expect("on the menu")..];
    let card = &card[..card.find("</li>").expect("the card's end")];
    assert!(card.contains(r#"data-availability="sold-out""#) && !card.contains("Ajouter au panier"), "{card}");
    assert_eq!(withdraw("false").await.status, 303);
    assert_eq!(guest.json(Method::POST, "/api/v1/orders", &[], &order(A)).await.status, 201);

    // Another pizzeria's manager, and other roles, cannot.
    let other = Browser::new(&app);
    other.sign_in(&demo("manager", "vincennes"), DEMO_PASSWORD).await;
    other.get("/manage/menu").await;
    let reply = other
        .submit("/manage/menu/withdrawals", &[("pizzeria", A), ("pizza", "margherita"), ("withdrawn", "true")])
        .await;
    assert_eq!(reply.status, 403);
    assert_eq!(guest.json(Method::POST, "/api/v1/orders", &[], &order(A)).await.status, 201);
    let cook = Browser::new(&app);
    cook.sign_in(&demo("pizzaiolo", A), DEMO_PASSWORD).await;
    assert_eq!(cook.get("/manage/menu").await.status, 403);
}

async fn ingredients_with_their_allergens(backend: Backend) {
    let db = TestDb::new(backend).await;
    let app = TestApp::spawn_with(&db, &["--demo"], &[]).await;
    let pool = db.pool().await;
    let admin = Browser::new(&app);
    admin.sign_in("admin@demo.ocpizza.fr", DEMO_PASSWORD).await;
    assert_eq!(admin.get("/manage/menu/ingredients/new").await.status, 200);
    let reply = admin
        .submit("/manage/menu/ingredients/new", &[("code", "origan"), ("name", "Origan séché"), ("unit", "g")])
        .await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    assert_eq!(
        count(&pool, "SELECT COUNT(*) FROM stock WHERE quantity = 0 AND ingredient_id = (SELECT id FROM ingredients WHERE code = 'origan')").await,
        count(&pool, "SELECT COUNT(*) FROM pizzerias").await,
        "a stock row at zero in every pizzeria"
    );
    // Refusals.
    for (fields, says) in [
        (vec![("code", "origan"), ("name", "Encore"), ("unit", "g")], "existe déjà"),
        (vec![("code", "Poivre Noir"), ("name", "Poivre"), ("unit", "g")], "minuscules"),
        (vec![("code", "poivre"), ("name", "Poivre"), ("unit", "kg")], "g, ml ou piece"),
        (vec![("code", "poivre"), ("name", "Poivre"), ("unit", "g"), ("allergens", "paillettes")], "liste européenne"),
    ] {
        let reply = admin.submit("/manage/menu/ingredients/new", &fields).await;
        assert_eq!(reply.status, 422, "{says}");
        assert!(reply.body.contains(says), "{says}: {}", reply.body);
    }
    // An allergen added to the basil shows on the menu of every pizza that uses it; its
    // unit does not change.
    let reply = admin
        .submit("/manage/menu/ingredients/basil", &[("name", "Basilic frais"), ("unit", "ml"), ("allergens", "celery")])
        .await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    assert_eq!(scalar_text(&pool, "SELECT unit FROM ingredients WHERE code = 'basil'").await.as_deref(), Some("g"));
    let menu = Browser::new(&app).get(&format!("/pizzerias/{A}/menu")).await.body;
    let card = &menu[menu.find("Margherita").expect("Margherita")..];
    assert!(card[..card.find("</li>").expect("end")].contains("céleri"), "{card}");
    let boss = Browser::new(&app);
    boss.sign_in(&demo("manager", A), DEMO_PASSWORD).await;
    assert_eq!(boss.get("/manage/menu/ingredients/basil").await.status, 403);
}

async fn the_api_puts_pizzas_and_withdraws_them(backend: Backend) {
    let db = TestDb::new(backend).await;
    let app = TestApp::spawn_with(&db, &["--demo"], &[]).await;
    let pool = db.pool().await;
    let admin = Browser::new(&app);
    admin.sign_in("admin@demo.ocpizza.fr", DEMO_PASSWORD).await;
    let csrf = admin.csrf().await;
    let headers = [("X-CSRF-Token", csrf.as_str())];
    let bianca = json!({
        "name": "Bianca", "description": "Crème, mozzarella.", "price_cents": 1200, "vat_rate_bp": 1000,
        "recipe": [{ "ingredient": "dough", "quantity": 1 }, { "ingredient": "mozzarella", "quantity": 100 }],
        "steps": ["Étaler la pâte.", "Cuire 90 s."],
    });
    let reply = admin.json(Method::PUT, "/api/v1/menu/pizzas/bianca", &headers, &bianca).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let menu = Browser::new(&app).get(&format!("/api/v1/pizzerias/{A}/menu")).await.json();
    assert!(menu["pizzas"]
        .as_array()
        .is_some_and(|p| p.iter().any(|p| p["slug"] == "bianca" && p["price_cents"] == 1200)));
    for (bad, says) in [
        (json!({ "name": "X", "price_cents": 1200, "vat_rate_bp": 1000, "recipe": [] }), "au moins un ingrédient"),
        (
            json!({ "name": "X", "price_cents": 0, "vat_rate_bp": 1000, "recipe": [{ "ingredient": "dough", "quantity": 1 }] }),
            "price_cents",
        ),
        (
            json!({ "name": "X", "price_cents": 900, "vat_rate_bp": 1000, "recipe": [{ "ingredient": "dough", "quantity": 1 }, { "ingredient": "dough", "quantity": 2 }] }),
            "deux fois",
        ),
        (
            json!({ "name": "X", "price_cents": 900, "vat_rate_bp": 1000, "recipe": [{ "ingredient": "dough", "quantity": -1 }] }),
            "supérieur à zéro",
        ),
    ] {
        let reply = admin.json(Method::PUT, "/api/v1/menu/pizzas/bianca", &headers, &bad).await;
        assert_eq!(reply.status, 422, "{bad}");
        assert!(reply.body.contains(says), "{says}: {}", reply.body);
    }
    assert_eq!(
        count(&pool, "SELECT price_cents FROM pizzas WHERE slug = 'bianca'").await,
        1200,
        "refusals change nothing"
    );

    let boss = Browser::new(&app);
    boss.sign_in(&demo("manager", A), DEMO_PASSWORD).await;
    let boss_csrf = boss.csrf().await;
    let bh = [("X-CSRF-Token", boss_csrf.as_str())];
    assert_eq!(boss.json(Method::PUT, "/api/v1/menu/pizzas/bianca", &bh, &bianca).await.status, 403);
    let path = format!("/api/v1/pizzerias/{A}/withdrawals");
    let reply = boss.json(Method::POST, &path, &bh, &json!({ "pizza": "margherita", "withdrawn": true })).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let reply = Browser::new(&app).json(Method::POST, "/api/v1/orders", &[], &order(A)).await;
    assert_eq!(reply.status, 409, "withdrawn: {}", reply.body);
    let other = Browser::new(&app);
    other.sign_in(&demo("manager", "vincennes"), DEMO_PASSWORD).await;
    let other_csrf = other.csrf().await;
    let reply = other
        .json(
            Method::POST,
            &path,
            &[("X-CSRF-Token", &other_csrf)],
            &json!({ "pizza": "margherita", "withdrawn": false }),
        )
        .await;
    assert_eq!(reply.status, 403);
    assert_eq!(
        boss.json(Method::POST, &path, &bh, &json!({ "pizza": "margherita", "withdrawn": false })).await.status,
        200
    );
    assert_eq!(Browser::new(&app).json(Method::POST, "/api/v1/orders", &[], &order(A)).await.status, 201);

    // Ingredients.
    let reply = admin
        .json(Method::PUT, "/api/v1/menu/ingredients/origan", &headers, &json!({ "name": "Origan", "unit": "g" }))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let reply = admin
        .json(Method::PUT, "/api/v1/menu/ingredients/basil", &headers, &json!({ "name": "Basilic", "unit": "ml" }))
        .await;
    assert_eq!(reply.status, 422, "a unit never changes");
    let glitter = json!({ "name": "Basilic", "unit": "g", "allergens": ["glitter"] });
    assert_eq!(admin.json(Method::PUT, "/api/v1/menu/ingredients/basil", &headers, &glitter).await.status, 422);
    let rows = "SELECT COUNT(*) FROM stock WHERE ingredient_id = (SELECT id FROM ingredients WHERE code = 'origan')";
    assert_eq!(count(&pool, rows).await, 5);
    let reply =
        boss.json(Method::PUT, "/api/v1/menu/ingredients/origan", &bh, &json!({ "name": "X", "unit": "g" })).await;
    assert_eq!(reply.status, 403);
}

both_backends!(
    an_edit_shows_everywhere_at_once_but_not_on_past_orders,
    a_manager_withdraws_a_pizza_for_the_day,
    ingredients_with_their_allergens,
    the_api_puts_pizzas_and_withdraws_them
);
