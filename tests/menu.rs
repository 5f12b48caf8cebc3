//! The public pages: pizzerias, menus with live availability, assets, error pages.

mod common;

use common::{execute, Backend, TestApp, TestDb};

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

/// Sets a pizzeria's stock of one ingredient the way an inventory count would: a journal
/// movement and the stock row, in one transaction.
async fn set_stock(db: &TestDb, pizzeria: &str, ingredient: &str, quantity: i64) {
    let pool = db.pool().await;
    let target = format!(
        "pizzeria_id = (SELECT id FROM pizzerias WHERE slug = '{pizzeria}')
         AND ingredient_id = (SELECT id FROM ingredients WHERE code = '{ingredient}')"
    );
    oc_pizza::db_run!(&pool, |pool| {
        let mut tx = pool.begin().await.expect("begin");
        sqlx::query(&format!(
            "INSERT INTO stock_movements (pizzeria_id, ingredient_id, delta, kind, note)
             SELECT pizzeria_id, ingredient_id, {quantity} - quantity, 'inventory', 'test' FROM stock
             WHERE {target} AND quantity <> {quantity}"
        ))
        .execute(&mut *tx)
        .await
        .expect("movement");
        let updated = sqlx::query(&format!("UPDATE stock SET quantity = {quantity} WHERE {target}"))
            .execute(&mut *tx)
            .await
            .expect("stock")
            .rows_affected();
        assert_eq!(updated, 1, "stock row of {ingredient} at {pizzeria}");
        tx.commit().await.expect("commit");
    });
    pool.close().await;
}

async fn menu_availability_follows_the_stock(backend: Backend) {
    let db = TestDb::new(backend).await;
    let app = TestApp::spawn(&db).await;
    let menu = || async { app.get_text("/pizzerias/paris-bastille/menu").await.1 };

    let before = menu().await;
    assert_eq!(availability_of(&before, "margherita"), ("available".into(), None));
    assert_eq!(availability_of(&before, "bufala"), ("available".into(), None));
    assert!(!before.contains("Épuisée"));

    // No mozzarella left: every pizza that needs it is sold out; the bufala is not.
    set_stock(&db, "paris-bastille", "mozzarella", 0).await;
    let after = menu().await;
    for pizza in ["margherita", "reine", "napolitaine", "quatre-fromages", "calzone", "truffe"] {
        assert_eq!(availability_of(&after, pizza).0, "sold-out", "{pizza} needs mozzarella");
    }
    assert_eq!(availability_of(&after, "bufala").0, "available");
    assert!(after.contains("Épuisée"));

    // 250 g of buffalo mozzarella at 125 g a pizza: "plus que 2".
    set_stock(&db, "paris-bastille", "buffalo_mozzarella", 250).await;
    let few = menu().await;
    assert_eq!(availability_of(&few, "bufala"), ("few-left".into(), Some(2)));
    assert!(few.contains("Plus que 2"));

    // Stock is per pizzeria: the others still have mozzarella.
    let elsewhere = app.get_text("/pizzerias/paris-vaugirard/menu").await.1;
    assert_eq!(availability_of(&elsewhere, "margherita").0, "available");

    // Back in stock, back on the menu.
    set_stock(&db, "paris-bastille", "mozzarella", 5000).await;
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
    let app = TestApp::spawn(&db).await;
    let pool = db.pool().await;
    execute(
        &pool,
        "INSERT INTO menu_withdrawals (pizzeria_id, pizza_id)
         SELECT z.id, p.id FROM pizzerias z, pizzas p WHERE z.slug = 'boulogne' AND p.slug = 'diavola'",
    )
    .await;
    assert_eq!(availability_of(&app.get_text("/pizzerias/boulogne/menu").await.1, "diavola").0, "sold-out");
    assert_eq!(availability_of(&app.get_text("/pizzerias/montreuil/menu").await.1, "diavola").0, "available");
    // An inactive pizza leaves every menu.
    execute(&pool, "UPDATE pizzas SET active = FALSE WHERE slug = 'calzone'").await;
    assert!(!app.get_text("/pizzerias/montreuil/menu").await.1.contains(r#"data-pizza="calzone""#));
    pool.close().await;
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
    execute(&pool, "DROP TABLE menu_withdrawals").await;
    let (status, page) = app.get_text("/pizzerias/boulogne/menu").await;
    assert_eq!(status, 500);
    assert!(page.contains("Erreur du serveur"), "{page}");
    assert!(!page.contains("menu_withdrawals"), "no internal detail reaches the customer: {page}");
    assert!(app.log().contains("menu_withdrawals"), "the cause is in the log for the operator");
    // The rest of the site still works.
    assert_eq!(app.get_text("/").await.0, 200);
    pool.close().await;
}

both_backends!(
    a_server_error_gets_a_french_page_without_details,
    menu_availability_follows_the_stock,
    a_withdrawn_pizza_is_sold_out_in_that_pizzeria_only,
    unknown_pages_get_a_french_404,
    assets_are_embedded_and_cached,
    pages_carry_security_headers,
);
