//! Capacity (issue "Promises the kitchen can keep", first step): each pizzeria's manager
//! sets what the kitchen and the drivers can do, with the defaults until then; nonsense is
//! refused in French with nothing written; nobody else's pizzeria is reachable.

mod common;

use common::{count, demo, Backend, Browser, TestApp, TestDb, DEMO_PASSWORD};

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

both_backends!(a_manager_sets_the_capacity_of_their_pizzeria);
