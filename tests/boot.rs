//! First boot migrates and seeds; later boots change nothing; demo accounts only on request.

mod common;

use common::{count, Backend, TestApp, TestDb};

/// Row counts of every seeded table, to compare one boot with the next.
async fn seeded_counts(db: &oc_pizza::db::DbPool) -> Vec<(&'static str, i64)> {
    let mut counts = Vec::new();
    for table in [
        "pizzerias",
        "opening_hours",
        "delivery_postcodes",
        "ingredients",
        "ingredient_allergens",
        "pizzas",
        "recipe_lines",
        "recipe_steps",
        "stock",
        "stock_movements",
        "users",
        "app_meta",
    ] {
        counts.push((table, count(db, &format!("SELECT COUNT(*) FROM {table}")).await));
    }
    counts
}

async fn first_boot_seeds_and_later_boots_do_not_duplicate(backend: Backend) {
    let db = TestDb::new(backend).await;
    let app = TestApp::spawn(&db).await;

    let (status, home) = app.get_text("/").await;
    assert_eq!(status, 200);
    assert!(home.contains(r#"<html lang="fr">"#));
    for name in
        ["OC Pizza Bastille", "OC Pizza Vaugirard", "OC Pizza Boulogne", "OC Pizza Montreuil", "OC Pizza Vincennes"]
    {
        assert!(home.contains(name), "home page lists {name}");
    }
    for slug in ["paris-bastille", "paris-vaugirard", "boulogne", "montreuil", "vincennes"] {
        let (status, menu) = app.get_text(&format!("/pizzerias/{slug}/menu")).await;
        assert_eq!(status, 200, "menu of {slug}");
        assert!(menu.contains("Margherita") && menu.contains("9,50\u{a0}€"), "menu of {slug} shows prices TTC");
        assert!(menu.matches("data-pizza=").count() >= 12, "menu of {slug} has at least 12 pizzas");
    }

    let pool = db.pool().await;
    let first = seeded_counts(&pool).await;
    let find =
        |counts: &[(&str, i64)], table: &str| counts.iter().find(|(t, _)| *t == table).map(|(_, n)| *n).unwrap_or(-1);
    assert_eq!(find(&first, "pizzerias"), 5);
    assert!(find(&first, "ingredients") >= 20);
    assert!(find(&first, "pizzas") >= 12);
    assert_eq!(find(&first, "users"), 0, "no account exists without --demo");
    // Every active pizza has a recipe and a memo; every pizzeria has stock for every ingredient.
    assert_eq!(
        count(
            &pool,
            "SELECT COUNT(*) FROM pizzas p WHERE NOT EXISTS (SELECT 1 FROM recipe_lines r WHERE r.pizza_id = p.id)"
        )
        .await,
        0
    );
    assert_eq!(
        count(
            &pool,
            "SELECT COUNT(*) FROM pizzas p WHERE NOT EXISTS (SELECT 1 FROM recipe_steps s WHERE s.pizza_id = p.id)"
        )
        .await,
        0
    );
    assert_eq!(find(&first, "stock"), find(&first, "pizzerias") * find(&first, "ingredients"));
    assert!(count(&pool, "SELECT COUNT(DISTINCT ingredient_id) FROM ingredient_allergens").await >= 8);
    // The stock equals the sum of its movements.
    assert_eq!(
        count(
            &pool,
            "SELECT COUNT(*) FROM stock s WHERE s.quantity <> (SELECT COALESCE(CAST(SUM(m.delta) AS BIGINT), 0)
             FROM stock_movements m WHERE m.pizzeria_id = s.pizzeria_id AND m.ingredient_id = s.ingredient_id)"
        )
        .await,
        0
    );

    app.kill();
    let app = TestApp::spawn(&db).await;
    assert_eq!(app.get_text("/").await.0, 200);
    assert_eq!(seeded_counts(&pool).await, first, "a second boot changes nothing");
    app.kill();

    // `migrate` on an up-to-date database is a no-op too.
    let output = common::run(&db, &["migrate"], &[]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(seeded_counts(&pool).await, first);
    pool.close().await;
}

async fn demo_accounts_only_when_asked(backend: Backend) {
    let db = TestDb::new(backend).await;
    let app = TestApp::spawn(&db).await;
    let pool = db.pool().await;
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM users").await, 0);
    app.kill();

    let app = TestApp::spawn_with(&db, &["--demo"], &[]).await;
    // One manager, counter, pizzaiolo and driver per pizzeria, plus an admin and a customer.
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM users").await, 5 * 4 + 2);
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM users WHERE role = 'manager' AND pizzeria_id IS NOT NULL").await, 5);
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM users WHERE password_hash LIKE '$argon2id$%'").await, 22);
    app.kill();

    let app = TestApp::spawn_with(&db, &[], &[("OC_PIZZA_DEMO", "1")]).await;
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM users").await, 22, "demo accounts are not duplicated");
    app.kill();
    pool.close().await;
}

/// Two instances starting together on one empty database (`serve` and `migrate` run at
/// the same time during an upgrade, two replicas): the schema and the seed land once,
/// and both start.
async fn concurrent_first_boots_seed_once(backend: Backend) {
    let db = TestDb::new(backend).await;
    let (first, second) = tokio::join!(TestApp::spawn(&db), TestApp::spawn(&db));
    assert_eq!(first.get_text("/pizzerias/montreuil/menu").await.0, 200);
    assert_eq!(second.get_text("/pizzerias/montreuil/menu").await.0, 200);
    let pool = db.pool().await;
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM pizzerias").await, 5);
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM app_meta").await, 1);
    assert_eq!(
        count(&pool, "SELECT COUNT(*) FROM stock").await,
        count(&pool, "SELECT COUNT(*) FROM pizzerias").await * count(&pool, "SELECT COUNT(*) FROM ingredients").await
    );
    pool.close().await;
}

both_backends!(
    first_boot_seeds_and_later_boots_do_not_duplicate,
    demo_accounts_only_when_asked,
    concurrent_first_boots_seed_once,
);
