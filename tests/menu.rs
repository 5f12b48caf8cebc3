//! The public pages: pizzerias, menus with live availability, assets, error pages.

mod common;

use common::{execute, Backend, Browser, TestApp, TestDb, DEMO_PASSWORD};
use reqwest::Method;
use serde_json::json;

/// The availability the menu page shows for one pizza: ("available" | "few-left" |
/// "sold-out", the count shown for few-left).
fn availability_of(menu: &str, pizza: &str) -> (String, Option<i64>) {
    let start = menu.find(&format!(r#"data-pizza="{pizza}""#)).unwrap_or_else(|| panic!("{pizza} is on the menu"));
    let item = &menu[start..];
    let item = &item[..item.find("</li>").expect("end of the menu item")];
    let attribute = |name: &str| {
        let marker = format!(r#"{name}=""#);
        item.find(&marker).map(|at| {
            let value = &item[at + marker.len()..];
            value[..value.find('"').expect("closing quote")].to_string()
        })
    };
    let state = attribute("data-availability").expect("availability attribute");
    (state, attribute("data-count").map(|count| count.parse().expect("count")))
}

/// The admin, signed in (the demo accounts are on).
async fn admin(app: &TestApp) -> Browser {
    let admin = Browser::new(app);
    admin.sign_in("admin@demo.ocpizza.fr", DEMO_PASSWORD).await;
    admin
}

/// Sets a pizzeria's stock of one ingredient through the app, as an inventory count: the
/// menus are served from a cache that only the app's own writes (and their events) refresh.
async fn set_stock(admin: &Browser, pizzeria: &str, ingredient: &str, quantity: i64) {
    let csrf = admin.csrf().await;
    let body = json!({ "ingredient": ingredient, "action": "inventory", "quantity": quantity });
    let path = format!("/api/v1/pizzerias/{pizzeria}/stock");
    let reply = admin.json(Method::POST, &path, &[("X-CSRF-Token", csrf.as_str())], &body).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
}

async fn menu_availability_follows_the_stock(backend: Backend) {
    let db = TestDb::new(backend).await;
    let app = TestApp::spawn_with(&db, &["--demo"], &[]).await;
    let admin = admin(&app).await;
    let menu = || async { app.get_text("/pizzerias/paris-bastille/menu").await.1 };

    let before = menu().await;
    assert_eq!(availability_of(&before, "margherita"), ("available".into(), None));
    assert_eq!(availability_of(&before, "bufala"), ("available".into(), None));
    assert!(!before.contains("Épuisée"));

    // No mozzarella left: every pizza that needs it is sold out; the bufala is not.
    set_stock(&admin, "paris-bastille", "mozzarella", 0).await;
    let after = menu().await;
    for pizza in ["margherita", "reine", "napolitaine", "quatre-fromages", "calzone", "truffe"] {
        assert_eq!(availability_of(&after, pizza).0, "sold-out", "{pizza} needs mozzarella");
    }
    assert_eq!(availability_of(&after, "bufala").0, "available");
    assert!(after.contains("Épuisée"));

    // 250 g of buffalo mozzarella at 125 g a pizza: "plus que 2".
    set_stock(&admin, "paris-bastille", "buffalo_mozzarella", 250).await;
    let few = menu().await;
    assert_eq!(availability_of(&few, "bufala"), ("few-left".into(), Some(2)));
    assert!(few.contains("Plus que 2"));

    // Stock is per pizzeria: the others still have mozzarella.
    let elsewhere = app.get_text("/pizzerias/paris-vaugirard/menu").await.1;
    assert_eq!(availability_of(&elsewhere, "margherita").0, "available");

    // Back in stock, back on the menu.
    set_stock(&admin, "paris-bastille", "mozzarella", 5000).await;
    assert_eq!(availability_of(&menu().await, "margherita").0, "available");

    // The seed itself starts two pizzerias short.
    assert_eq!(availability_of(&app.get_text("/pizzerias/vincennes/menu").await.1, "napolitaine").0, "sold-out");
    assert_eq!(
        availability_of(&app.get_text("/pizzerias/montreuil/menu").await.1, "truffe"),
        ("few-left".into(), Some(3))
    );
}

async fn a_withdrawn_pizza_is_sold_out_in_that_pizzeria_only(backend: Backend) {
    let db = TestDb::new(backend).await;
    let app = TestApp::spawn_with(&db, &["--demo"], &[]).await;
    let admin = admin(&app).await;
    let csrf = admin.csrf().await;
    let headers = [("X-CSRF-Token", csrf.as_str())];
    // Both menus are in the cache before the change.
    assert_eq!(availability_of(&app.get_text("/pizzerias/boulogne/menu").await.1, "diavola").0, "available");
    assert_eq!(availability_of(&app.get_text("/pizzerias/montreuil/menu").await.1, "diavola").0, "available");
    let withdraw = json!({ "pizza": "diavola", "withdrawn": true });
    let reply = admin.json(Method::POST, "/api/v1/pizzerias/boulogne/withdrawals", &headers, &withdraw).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(availability_of(&app.get_text("/pizzerias/boulogne/menu").await.1, "diavola").0, "sold-out");
    assert_eq!(availability_of(&app.get_text("/pizzerias/montreuil/menu").await.1, "diavola").0, "available");
    // An inactive pizza leaves every menu.
    let calzone = json!({
        "name": "Calzone", "price_cents": 1250, "vat_rate_bp": 1000, "active": false,
        "recipe": [{ "ingredient": "dough", "quantity": 1 }],
    });
    let reply = admin.json(Method::PUT, "/api/v1/menu/pizzas/calzone", &headers, &calzone).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(!app.get_text("/pizzerias/montreuil/menu").await.1.contains(r#"data-pizza="calzone""#));
}

async fn unknown_pages_get_a_french_404(backend: Backend) {
    let db = TestDb::new(backend).await;
    let app = TestApp::spawn(&db).await;
    let long_slug = format!("/pizzerias/{}/menu", "a".repeat(5000));
    for path in [
        "/pizzerias/atlantis/menu",
        "/nowhere",
        "/assets/css/missing.css",
        "/pizzerias/'%20OR%20'1'='1/menu",
        "/pizzerias/%C3%A9t%C3%A9/menu",
        long_slug.as_str(),
        "/assets/%2E%2E/Cargo.toml",
    ] {
        let (status, body) = app.get_text(path).await;
        assert_eq!(status, 404, "{path}");
        assert!(body.contains("Page introuvable"), "{path}: {body}");
        assert!(!body.contains("[package]"), "{path} must not leak files");
    }
    // Path traversal is refused with a 4xx page, never a file.
    for path in ["/assets/..%2F..%2FCargo.toml", "/assets/%2e%2e%2f%2e%2e%2fCargo.toml"] {
        let (status, body) = app.get_text(path).await;
        assert!((400..500).contains(&status), "{path}: {status}");
        assert!(body.contains("lang=\"fr\"") && !body.contains("[package]"), "{path}: {body}");
    }
    // An inactive pizzeria's menu is gone too.
    let pool = db.pool().await;
    execute(&pool, "UPDATE pizzerias SET active = FALSE WHERE slug = 'boulogne'").await;
    assert_eq!(app.get_text("/pizzerias/boulogne/menu").await.0, 404);
    assert!(!app.get_text("/").await.1.contains("OC Pizza Boulogne"));
    pool.close().await;
}

async fn pages_carry_security_headers(backend: Backend) {
    let db = TestDb::new(backend).await;
    let app = TestApp::spawn(&db).await;
    for path in ["/", "/pizzerias/boulogne/menu", "/nowhere"] {
        let response = app.get(path).await;
        let headers = response.headers();
        let csp = headers["content-security-policy"].to_str().expect("CSP");
        assert!(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert_eq!(headers["x-frame-options"], "DENY", "{path}");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["referrer-policy"], "strict-origin-when-cross-origin", "{path}");
    }
    // The pages need nothing the policy forbids: no inline script or style.
    let home = app.get_text("/").await.1;
    assert!(!home.contains("<script>") && !home.contains("<style") && !home.contains(" style="));
}

async fn assets_are_embedded_and_cached(backend: Backend) {
    let db = TestDb::new(backend).await;
    let app = TestApp::spawn(&db).await;
    let home = app.get_text("/").await.1;
    let at = home.find("/assets/css/app.css?v=").expect("versioned stylesheet URL");
    let url = &home[at..at + home[at..].find('"').expect("end of URL")];

    let response = app.get(url).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/css; charset=utf-8");
    assert_eq!(response.headers()["cache-control"], "public, max-age=31536000, immutable");
    let etag = response.headers()["etag"].to_str().expect("etag").to_string();
    assert!(response.text().await.expect("css").contains("--red"));

    // Without the right version the browser must revalidate; with the ETag it gets a 304.
    let unversioned = app.get("/assets/css/app.css?v=0000000000000000").await;
    assert_eq!(unversioned.headers()["cache-control"], "public, no-cache");
    let revalidated = app
        .client
        .get(format!("{}/assets/css/app.css", app.address))
        .header("If-None-Match", &etag)
        .send()
        .await
        .expect("request");
    assert_eq!(revalidated.status(), 304);

    let logo = app.get("/assets/icons/logo.svg").await;
    assert_eq!(logo.headers()["content-type"], "image/svg+xml");
}

async fn a_server_error_gets_a_french_page_without_details(backend: Backend) {
    let db = TestDb::new(backend).await;
    let app = TestApp::spawn(&db).await;
    let pool = db.pool().await;
    // Break the database under the running server: the menu query can no longer run.
    execute(&pool, "DROP TABLE ingredient_allergens").await;
    let (status, page) = app.get_text("/pizzerias/boulogne/menu").await;
    assert_eq!(status, 500);
    assert!(page.contains("Erreur du serveur"), "{page}");
    assert!(!page.contains("ingredient_allergens"), "no internal detail reaches the customer: {page}");
    assert!(app.log().contains("ingredient_allergens"), "the cause is in the log for the operator");
    // The rest of the site still works.
    assert_eq!(app.get_text("/").await.0, 200);
    pool.close().await;
}

/// The menu is rendered once for everyone, but each visitor's forms carry their own CSRF
/// token: every "Ajouter au panier" form of the page, and the cart takes it.
async fn each_visitor_gets_the_cached_menu_with_their_own_token(backend: Backend) {
    let db = TestDb::new(backend).await;
    let app = TestApp::spawn_with(&db, &["--demo"], &[]).await;
    let page = "/pizzerias/montreuil/menu";
    let tokens_in = |body: &str| -> Vec<String> {
        let marker = r#"name="csrf_token" value=""#;
        body.match_indices(marker)
            .map(|(at, _)| {
                let value = &body[at + marker.len()..];
                value[..value.find('"').expect("closing quote")].to_string()
            })
            .collect()
    };
    let mut seen = Vec::new();
    for _ in 0..2 {
        let visitor = Browser::new(&app);
        let token = visitor.csrf().await;
        let menu = visitor.get(page).await;
        assert_eq!(menu.status, 200);
        let forms = tokens_in(&menu.body);
        assert_eq!(forms.len(), 14, "one form per pizza on the menu");
        assert!(forms.iter().all(|t| *t == token), "every form carries this visitor's token");
        assert!(!menu.body.contains("__OC_PIZZA_CSRF__"));
        let added = visitor
            .post_raw(
                "/cart/add",
                &[("csrf_token", forms[0].as_str()), ("pizzeria", "montreuil"), ("pizza", "reine"), ("quantity", "2")],
                &[],
            )
            .await;
        assert_eq!(added.status, 303, "{}", added.body);
        assert!(visitor.get(page).await.body.contains("Mon panier (2)"), "the cart shows on the cached menu");
        seen.push(token);
    }
    assert_ne!(seen[0], seen[1], "two visitors, two tokens");
}

/// Customisation (issue "Pizzas the way customers order them"), first step: the JSON menu
/// lists each pizza's sizes with their prices and the lines a customer may take off, and the
/// extras with their prices, allergens and whether this pizzeria's stock has enough.
async fn the_menu_lists_sizes_removable_lines_and_extras(backend: Backend) {
    let db = TestDb::new(backend).await;
    let app = TestApp::spawn_with(&db, &["--demo"], &[]).await;
    let menu = Browser::new(&app).get("/api/v1/pizzerias/boulogne/menu").await.json();
    assert_eq!((menu["default_size"].clone(), menu["max_extras"].clone()), (json!("33"), json!(3)));
    let pizza = |slug: &str| {
        menu["pizzas"].as_array().expect("pizzas").iter().find(|p| p["slug"] == slug).cloned().expect("on the menu")
    };
    let reine = pizza("reine");
    assert_eq!(
        reine["sizes"],
        json!([
            { "code": "26", "label": "Petite (26 cm)", "price_cents": 900 },
            { "code": "33", "label": "Moyenne (33 cm)", "price_cents": 1150 },
            { "code": "40", "label": "Grande (40 cm)", "price_cents": 1500 },
        ])
    );
    assert_eq!(reine["price_cents"], json!(1150), "the default size's price");
    let removable: Vec<&str> =
        reine["removable"].as_array().expect("lines").iter().filter_map(|l| l["ingredient"].as_str()).collect();
    assert!(removable.contains(&"mushrooms") && removable.contains(&"ham"), "{removable:?}");
    assert!(!removable.contains(&"dough") && !removable.contains(&"tomato_sauce"), "the base stays: {removable:?}");
    assert_eq!(pizza("calzone")["sizes"].as_array().map(Vec::len), Some(2), "no large calzone");
    let extra = |code: &str| {
        menu["extras"].as_array().expect("extras").iter().find(|e| e["code"] == code).cloned().expect("an extra")
    };
    assert_eq!(extra("mozzarella")["price_cents"], json!(150));
    assert_eq!(extra("mozzarella")["allergens"], json!(["milk"]));
    assert_eq!(extra("mozzarella")["available"], json!(true));

    // An extra whose ingredient is short here is shown unavailable, here only.
    let admin = admin(&app).await;
    set_stock(&admin, "boulogne", "goat_cheese", 20).await;
    let here = Browser::new(&app).get("/api/v1/pizzerias/boulogne/menu").await.json();
    let goat = here["extras"].as_array().expect("extras").iter().find(|e| e["code"] == "chevre").cloned();
    assert_eq!(goat.map(|e| e["available"].clone()), Some(json!(false)), "40 g at 150 % is 60 g; 20 g left");
    let there = Browser::new(&app).get("/api/v1/pizzerias/vincennes/menu").await.json();
    let goat = there["extras"].as_array().expect("extras").iter().find(|e| e["code"] == "chevre").cloned();
    assert_eq!(goat.map(|e| e["available"].clone()), Some(json!(true)));

    // An installation seeded before sizes existed sells one size, at the pizzas' prices (the
    // menu is read again at the next start, or at a menu change).
    app.kill();
    let pool = db.pool().await;
    execute(&pool, "DELETE FROM pizza_sizes").await;
    execute(&pool, "DELETE FROM sizes").await;
    let app = TestApp::spawn_with(&db, &["--demo"], &[]).await;
    let menu = Browser::new(&app).get("/api/v1/pizzerias/boulogne/menu").await.json();
    let reine = menu["pizzas"].as_array().expect("pizzas").iter().find(|p| p["slug"] == "reine").cloned();
    let sole = json!([{ "code": "standard", "label": "Taille unique", "price_cents": 1150 }]);
    assert_eq!(reine.map(|r| r["sizes"].clone()), Some(sole));
}

both_backends!(
    the_menu_lists_sizes_removable_lines_and_extras,
    each_visitor_gets_the_cached_menu_with_their_own_token,
    a_server_error_gets_a_french_page_without_details,
    menu_availability_follows_the_stock,
    a_withdrawn_pizza_is_sold_out_in_that_pizzeria_only,
    unknown_pages_get_a_french_404,
    assets_are_embedded_and_cached,
    pages_carry_security_headers,
);

/// The longest a menu may show what the stock no longer allows: none on the instance that
/// made the change (its cache is invalidated after the commit, before the answer leaves);
/// on another PostgreSQL instance, NOTIFY's delivery to its listener, well under this bound.
fn staleness_bound(backend: Backend, same_instance: bool) -> std::time::Duration {
    match (backend, same_instance) {
        (Backend::Sqlite, _) | (_, true) => std::time::Duration::ZERO,
        (Backend::Postgres, false) => std::time::Duration::from_secs(1),
    }
}

/// Checks `sold_out` at once, then until `bound` has passed; panics with `what` if never.
async fn sold_out_within<F, Fut>(bound: std::time::Duration, what: &str, sold_out: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = std::time::Instant::now() + bound;
    loop {
        if sold_out().await {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "{what} still shows the pizza available after {bound:?}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// Menus are served from a cache, yet an emptied stock shows as *épuisée* on the page and in
/// the API — at once on the instance that took the change, and within the stated bound on
/// another one serving the same PostgreSQL database; a browser that has the page gets a 304 until
/// it changes.
async fn cached_menus_follow_the_stock_on_every_instance(backend: Backend) {
    let db = TestDb::new(backend).await;
    let first = TestApp::spawn_with(&db, &["--demo"], &[]).await;
    let second = match backend {
        Backend::Postgres => Some(TestApp::spawn(&db).await),
        Backend::Sqlite => None,
    };
    let instances: Vec<&TestApp> = std::iter::once(&first).chain(second.as_ref()).collect();
    let page = "/pizzerias/paris-bastille/menu";
    let api = "/api/v1/pizzerias/paris-bastille/menu";
    let api_available = |app: &TestApp| {
        let url = format!("{}{api}", app.address);
        let client = app.client.clone();
        async move {
            let menu: serde_json::Value = client.get(url).send().await.expect("menu").json().await.expect("JSON");
            let pizzas = menu["pizzas"].as_array().cloned().unwrap_or_default();
            pizzas.iter().find(|p| p["slug"] == "margherita").map(|p| p["available"] == true)
        }
    };
    for app in &instances {
        assert_eq!(availability_of(&app.get_text(page).await.1, "margherita").0, "available");
        assert_eq!(api_available(app).await, Some(true), "cached on every instance");
    }
    let visitor = Browser::new(&first);
    let seen = visitor.get(page).await;
    let etag = seen.headers.get("etag").and_then(|v| v.to_str().ok()).expect("an ETag").to_string();
    let again = visitor.send(Method::GET, page, &[("If-None-Match", etag.as_str())], Vec::new()).await;
    assert_eq!(again.status, 304, "unchanged: not sent again");

    let admin = admin(&first).await;
    set_stock(&admin, "paris-bastille", "mozzarella", 0).await;
    for (index, app) in instances.iter().enumerate() {
        let what = format!("instance {index}'s page");
        sold_out_within(staleness_bound(backend, index == 0), &what, || async {
            availability_of(&app.get_text(page).await.1, "margherita").0 == "sold-out"
        })
        .await;
        let what = format!("instance {index}'s API");
        sold_out_within(staleness_bound(backend, index == 0), &what, || async {
            api_available(app).await == Some(false)
        })
        .await;
    }
    let changed = visitor.send(Method::GET, page, &[("If-None-Match", etag.as_str())], Vec::new()).await;
    assert_eq!(changed.status, 200, "changed: sent again");
    assert!(changed.body.contains("Épuisée"));
}

both_backends!(cached_menus_follow_the_stock_on_every_instance);
