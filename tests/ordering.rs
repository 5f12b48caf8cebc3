//! Ordering on the web: cart, checkout with stock reservation, the order's page, modify and
//! cancel while `placed`, guests' private links, and no oversell under concurrency.

mod common;

use common::{
    assert_stock_matches_journal, count, execute, first_slot, scalar_text, Backend, Browser, Reply, TestApp, TestDb,
    DEMO_PASSWORD,
};
use oc_pizza::db::DbPool;

const P: &str = "paris-bastille";

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

/// Sets a stock the way an inventory count does: a movement and the row, together.
async fn set_stock(pool: &DbPool, pizzeria: &str, ingredient: &str, quantity: i64) {
    let target = format!(
        "pizzeria_id = (SELECT id FROM pizzerias WHERE slug = '{pizzeria}')
         AND ingredient_id = (SELECT id FROM ingredients WHERE code = '{ingredient}')"
    );
    execute(
        pool,
        &format!(
            "INSERT INTO stock_movements (pizzeria_id, ingredient_id, delta, kind, note)
             SELECT pizzeria_id, ingredient_id, {quantity} - quantity, 'inventory', 'test' FROM stock
             WHERE {target} AND quantity <> {quantity}"
        ),
    )
    .await;
    execute(pool, &format!("UPDATE stock SET quantity = {quantity} WHERE {target}")).await;
}

async fn add(browser: &Browser, pizzeria: &str, pizza: &str, quantity: &str, note: &str) -> Reply {
    browser.get(&format!("/pizzerias/{pizzeria}/menu")).await;
    browser
        .submit("/cart/add", &[("pizzeria", pizzeria), ("pizza", pizza), ("quantity", quantity), ("note", note)])
        .await
}

async fn checkout(browser: &Browser, fields: &[(&str, &str)]) -> Reply {
    let page = browser.get("/checkout").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let slot = first_slot(&page.body);
    let mut all = vec![("when", slot.as_str()), ("payment", "cash")];
    all.extend_from_slice(fields);
    browser.submit("/checkout", &all).await
}

fn reference_of(reply: &Reply) -> String {
    let path =
        reply.redirect_path().unwrap_or_else(|| panic!("a redirect to the order: {} {}", reply.status, reply.body));
    let reference = path.trim_start_matches("/orders/");
    reference[..reference.find('?').unwrap_or(reference.len())].to_string()
}

fn version_in(page: &str) -> String {
    let marker = r#"name="version" value=""#;
    let at = page.find(marker).expect("a version field") + marker.len();
    page[at..at + page[at..].find('"').expect("end")].to_string()
}

async fn a_customer_orders_modifies_and_cancels(backend: Backend) {
    let db = TestDb::new(backend).await;
    let app = TestApp::spawn_with(&db, &["--demo"], &[]).await;
    let pool = db.pool().await;
    let customer = Browser::new(&app);
    customer.sign_in("client@demo.ocpizza.fr", DEMO_PASSWORD).await;
    let mozzarella_before = stock_of(&pool, P, "mozzarella").await;
    let ham_before = stock_of(&pool, P, "ham").await;

    assert!(customer.get("/account").await.body.contains(r#"href="/cart">Panier</a>"#), "an empty cart in the header");
    let added = add(&customer, P, "margherita", "2", "bien cuite").await;
    assert_eq!(added.status, 303);
    // Back to the pizza just added (a long menu on a phone), the header counting the cart.
    assert_eq!(added.redirect_path(), Some(&*format!("/pizzerias/{P}/menu#pizza-margherita")));
    assert_eq!(add(&customer, P, "reine", "1", "").await.status, 303);
    let account = customer.get("/account").await;
    assert!(
        account.body.contains(r#"href="/cart">Panier (3<span class="visually-hidden"> pizza(s)</span>)</a>"#),
        "{}",
        account.body
    );
    let cart = customer.get("/cart").await;
    assert!(cart.body.contains("Margherita") && cart.body.contains("bien cuite"));
    // 2 × 9,50 + 12,50 (reine) = 31,50 € TTC at 10 %: 28,64 HT + 2,86 TVA.
    let reine = scalar_text(&pool, "SELECT CAST(price_cents AS TEXT) FROM pizzas WHERE slug = 'reine'").await;
    let ttc = 2 * 950 + reine.as_deref().and_then(|p| p.parse::<i64>().ok()).expect("reine's price");
    assert!(cart.body.contains(&format!(r#"data-total-ttc="{ttc}""#)), "{}", cart.body);

    let reply = checkout(
        &customer,
        &[
            ("mode", "delivery"),
            ("street", "12 rue de la Roquette"),
            ("postcode", "75011"),
            ("city", "Paris"),
            ("full_name", "Camille Client"),
            ("email", "client@demo.ocpizza.fr"),
            ("phone", "06 12 34 56 78"),
        ],
    )
    .await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    let reference = reference_of(&reply);
    assert!(reference.starts_with("OC-"));
    let page = customer.get(&format!("/orders/{reference}")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains(r#"data-status="placed""#) && page.body.contains("12 rue de la Roquette"));
    assert!(page.body.contains(&format!(r#"data-total-ttc="{ttc}""#)));
    assert_eq!(count(&pool, &format!("SELECT total_ttc_cents FROM orders WHERE reference = '{reference}'")).await, ttc);
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM cart_lines").await, 0, "the cart is emptied");
    assert_eq!(stock_of(&pool, P, "mozzarella").await, mozzarella_before - 2 * 120 - 110);
    assert_eq!(stock_of(&pool, P, "ham").await, ham_before - 70);
    assert_stock_matches_journal(&pool).await;
    assert!(customer.get("/account/orders").await.body.contains(&reference));

    // Modify: one margherita only; the reine's ham comes back.
    let edit = customer.get(&format!("/orders/{reference}/edit")).await;
    assert_eq!(edit.status, 200);
    let version = version_in(&edit.body);
    let margherita = count(&pool, "SELECT id FROM pizzas WHERE slug = 'margherita'").await.to_string();
    let slot = first_slot(&edit.body);
    let qty_field = format!("quantity[{margherita}]");
    // Each note has its visible label; the total of the pizzas ordered is shown.
    assert!(edit.body.contains(&format!(r#"<label class="note-label" for="note-{margherita}">Note pour la cuisine"#)));
    let total = format!("{},{:02}\u{a0}€", ttc / 100, ttc % 100);
    assert!(edit.body.contains(&format!(">{total}</output> TTC")), "the running total starts at {total}");
    assert!(edit.body.contains(&format!("Avant modification : {total} TTC.")), "{total}");
    let fields =
        [("version", version.as_str()), (qty_field.as_str(), "1"), ("mode", "takeaway"), ("when", slot.as_str())];
    let reply = customer.submit(&format!("/orders/{reference}/edit"), &fields).await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    assert_eq!(stock_of(&pool, P, "mozzarella").await, mozzarella_before - 120);
    assert_eq!(stock_of(&pool, P, "ham").await, ham_before);
    assert_eq!(count(&pool, &format!("SELECT total_ttc_cents FROM orders WHERE reference = '{reference}'")).await, 950);
    assert_stock_matches_journal(&pool).await;
    // The kitchen reads what changed.
    let pizzaiolo = Browser::new(&app);
    pizzaiolo.sign_in(&common::demo("pizzaiolo", P), DEMO_PASSWORD).await;
    let kitchen = pizzaiolo.get("/kitchen").await.body;
    for change in [
        "Modifiée : </strong>−1 Margherita",
        "Margherita : note retirée",
        "−1 Reine",
        "à emporter (était : en livraison)",
    ] {
        assert!(kitchen.contains(change), "{change}: {kitchen}");
    }

    // The same form again is stale: refused, nothing changes.
    let reply = customer.submit(&format!("/orders/{reference}/edit"), &fields).await;
    assert_eq!(reply.status, 409);
    assert!(reply.body.contains("a changé depuis"), "{}", reply.body);

    // Cancel: everything comes back; a second cancel is too late.
    let page = customer.get(&format!("/orders/{reference}")).await;
    let version = version_in(&page.body);
    let reply = customer.submit(&format!("/orders/{reference}/cancel"), &[("version", &version)]).await;
    assert_eq!(reply.status, 303);
    assert_eq!(stock_of(&pool, P, "mozzarella").await, mozzarella_before);
    assert!(customer.get(&format!("/orders/{reference}")).await.body.contains(r#"data-status="cancelled""#));
    let reply = customer.submit(&format!("/orders/{reference}/cancel"), &[("version", &version)]).await;
    assert_eq!(reply.status, 409);
    assert!(reply.body.contains("ne peut plus être modifiée"));
    assert_stock_matches_journal(&pool).await;
    assert_eq!(
        count(
            &pool,
            &format!(
                "SELECT COUNT(*) FROM order_transitions t JOIN orders o ON o.id = t.order_id
                               WHERE o.reference = '{reference}'"
            )
        )
        .await,
        3,
        "placed, modification, cancelled"
    );
    pool.close().await;
}

async fn a_guest_follows_the_order_with_a_private_link(backend: Backend) {
    let db = TestDb::new(backend).await;
    let app = TestApp::spawn(&db).await;
    let pool = db.pool().await;
    let guest = Browser::new(&app);
    assert_eq!(add(&guest, "boulogne", "diavola", "1", "").await.status, 303);
    let reply = checkout(
        &guest,
        &[
            ("mode", "takeaway"),
            ("full_name", "Invité Pressé"),
            ("email", "invite@exemple.fr"),
            ("phone", "0611223344"),
        ],
    )
    .await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    let location = reply.redirect_path().expect("redirect").to_string();
    assert!(location.contains("?key="), "{location}");
    let reference = reference_of(&reply);
    let page = guest.get(&location).await;
    assert!(page.body.contains("data-private-link"), "the link is shown to keep");
    assert!(page.body.contains("Annuler la commande"));
    // Cancelling asks first: the button opens the question, the form is behind it.
    let question = page.body.find("Voulez-vous vraiment annuler la commande").expect("a confirmation");
    let summary = page.body.find("<summary").expect("a disclosure");
    let form = page.body.find("/cancel\"").expect("the cancel form");
    assert!(summary < form && form < question, "the form is inside the question");
    let key = location.split("key=").nth(1).and_then(|k| k.split('&').next()).expect("key").to_string();
    assert!(scalar_text(&pool, "SELECT access_token_hash FROM orders").await.is_some_and(|h| h != key), "a digest");

    // Without the key: sign in first; with a wrong key: no such order.
    let stranger = Browser::new(&app);
    assert_eq!(
        stranger.get(&format!("/orders/{reference}")).await.redirect_path(),
        Some(format!("/login?next=%2Forders%2F{reference}").as_str())
    );
    assert_eq!(stranger.get(&format!("/orders/{reference}?key=wrong")).await.status, 404);
    let stranger_token = stranger.csrf().await;
    let version = version_in(&page.body);
    let reply = stranger
        .post_raw(
            &format!("/orders/{reference}/cancel"),
            &[("csrf_token", &stranger_token), ("version", &version), ("key", "wrong")],
            &[],
        )
        .await;
    assert_eq!(reply.status, 404);

    let reply = guest.submit(&format!("/orders/{reference}/cancel"), &[("version", &version), ("key", &key)]).await;
    assert_eq!(reply.status, 303);
    assert_eq!(scalar_text(&pool, "SELECT status FROM orders").await.as_deref(), Some("cancelled"));
    assert_stock_matches_journal(&pool).await;
    pool.close().await;
}

async fn once_preparing_the_customer_can_no_longer_change_it(backend: Backend) {
    let db = TestDb::new(backend).await;
    let app = TestApp::spawn(&db).await;
    let pool = db.pool().await;
    let guest = Browser::new(&app);
    add(&guest, P, "margherita", "1", "").await;
    let reply = checkout(
        &guest,
        &[("mode", "takeaway"), ("full_name", "Léa"), ("email", "lea@exemple.fr"), ("phone", "0611223344")],
    )
    .await;
    let location = reply.redirect_path().expect("redirect").to_string();
    let reference = reference_of(&reply);
    let key = location.split("key=").nth(1).and_then(|k| k.split('&').next()).expect("key").to_string();
    let page = guest.get(&location).await;
    let version = version_in(&page.body);
    // The kitchen starts (written directly: this test is about the customer's side).
    execute(&pool, "UPDATE orders SET status = 'preparing', version = version + 1").await;
    let mozzarella = stock_of(&pool, P, "mozzarella").await;

    let reply = guest.submit(&format!("/orders/{reference}/cancel"), &[("version", &version), ("key", &key)]).await;
    assert_eq!(reply.status, 409);
    assert!(reply.body.contains("« en préparation »"), "{}", reply.body);
    let page = guest.get(&format!("/orders/{reference}?key={key}")).await;
    assert!(!page.body.contains("Annuler la commande") && !page.body.contains("Modifier la commande"));
    let margherita = count(&pool, "SELECT id FROM pizzas WHERE slug = 'margherita'").await.to_string();
    let field = format!("quantity[{margherita}]");
    let reply = guest
        .submit(
            &format!("/orders/{reference}/edit"),
            &[("version", "2"), ("key", &key), (&field, "3"), ("mode", "takeaway")],
        )
        .await;
    assert!(reply.status == 409 || reply.status == 422, "{}", reply.status);
    assert_eq!(stock_of(&pool, P, "mozzarella").await, mozzarella, "nothing moved");
    assert_eq!(scalar_text(&pool, "SELECT status FROM orders").await.as_deref(), Some("preparing"));
    assert_stock_matches_journal(&pool).await;
    pool.close().await;
}

/// A pizza withdrawn from (or back on) a pizzeria's menu through the app (its admin's API):
/// the catalogue the orders are priced from follows the app's own writes.
async fn withdraw(app: &TestApp, pizzeria: &str, pizza: &str, withdrawn: bool) {
    let admin = Browser::new(app);
    admin.sign_in("admin@demo.ocpizza.fr", DEMO_PASSWORD).await;
    let csrf = admin.csrf().await;
    let body = serde_json::json!({ "pizza": pizza, "withdrawn": withdrawn });
    let path = format!("/api/v1/pizzerias/{pizzeria}/withdrawals");
    let reply = admin.json(reqwest::Method::POST, &path, &[("X-CSRF-Token", csrf.as_str())], &body).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
}

/// An inventory count through the app (its admin's API): what the menus show follows the
/// app's own writes, not rows changed behind its back.
async fn count_stock(app: &TestApp, pizzeria: &str, ingredient: &str, quantity: i64) {
    let admin = Browser::new(app);
    admin.sign_in("admin@demo.ocpizza.fr", DEMO_PASSWORD).await;
    let csrf = admin.csrf().await;
    let body = serde_json::json!({ "ingredient": ingredient, "action": "inventory", "quantity": quantity });
    let path = format!("/api/v1/pizzerias/{pizzeria}/stock");
    let reply = admin.json(reqwest::Method::POST, &path, &[("X-CSRF-Token", csrf.as_str())], &body).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
}

async fn bad_orders_are_refused_and_write_nothing(backend: Backend) {
    let db = TestDb::new(backend).await;
    let app = TestApp::spawn_with(&db, &["--demo"], &[]).await;
    let pool = db.pool().await;
    let guest = Browser::new(&app);
    for (quantity, message) in [
        ("0", "au moins 1"),
        ("-1", "au moins 1"),
        ("10000", "20 pizzas identiques"),
        ("deux", "nombre entier"),
        ("99999999999999999999", "nombre entier"),
    ] {
        let reply = add(&guest, P, "margherita", quantity, "").await;
        assert_eq!(reply.status, 303);
        let menu = guest.get(&format!("/pizzerias/{P}/menu")).await;
        assert!(menu.body.contains(message), "quantity {quantity}: {message}");
    }
    add(&guest, P, "atlantide", "1", "").await;
    assert!(guest.get(&format!("/pizzerias/{P}/menu")).await.body.contains("n'est pas à la carte"));
    add(&guest, P, "margherita", "1", &"x".repeat(141)).await;
    assert!(guest.get(&format!("/pizzerias/{P}/menu")).await.body.contains("140 caractères"));
    let reply =
        guest.submit("/cart/add", &[("pizzeria", "atlantis"), ("pizza", "margherita"), ("quantity", "1")]).await;
    assert_eq!(reply.status, 400);
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM cart_lines").await, 0);

    // Sold out here: refused, and the menu says where it can still be had.
    count_stock(&app, P, "mozzarella", 0).await;
    let menu = guest.get(&format!("/pizzerias/{P}/menu")).await;
    assert!(menu.body.contains("Encore disponible à") && menu.body.contains("/pizzerias/boulogne/menu"));
    add(&guest, P, "margherita", "1", "").await;
    assert!(guest.get(&format!("/pizzerias/{P}/menu")).await.body.contains("épuisée"));
    count_stock(&app, P, "mozzarella", 5000).await;

    // One pizzeria per cart.
    assert_eq!(add(&guest, P, "margherita", "1", "").await.status, 303);
    add(&guest, "boulogne", "margherita", "1", "").await;
    assert!(guest.get("/pizzerias/boulogne/menu").await.body.contains("une autre pizzeria"));

    // Checkout: each field says what is wrong; the values typed stay.
    guest.get("/checkout").await;
    let reply = guest
        .submit(
            "/checkout",
            &[
                ("mode", "delivery"),
                ("street", "5 rue de Vaugirard"),
                ("postcode", "75015"),
                ("city", ""),
                ("when", "2020-01-01T12:00"),
                ("full_name", ""),
                ("email", "pas-un-email"),
                ("phone", "12"),
                ("payment", "bitcoin"),
            ],
        )
        .await;
    assert_eq!(reply.status, 422);
    for message in [
        "Ce champ est obligatoire",
        "ne livre pas le 75015. Y livre : OC Pizza Vaugirard",
        "au moins 30 minutes",
        "n'est pas valide",
        "téléphone français",
        "espèces ou carte",
    ] {
        assert!(reply.body.contains(message), "{message}");
    }
    assert!(reply.body.contains(r#"value="pas-un-email""#));
    // The summary at the top names each field and links to it.
    for (anchor, label) in [("champ-city", "Ville"), ("champ-full_name", "Nom et prénom")] {
        let item = format!(r##"<a href="#{anchor}">{label}</a> : Ce champ est obligatoire."##);
        assert!(reply.body.contains(&item), "{item}");
    }
    let reply = guest
        .submit(
            "/checkout",
            &[
                ("mode", "teleportation"),
                ("when", "demain"),
                ("full_name", "Léa"),
                ("email", "lea@exemple.fr"),
                ("phone", "0611223344"),
                ("payment", "cash"),
            ],
        )
        .await;
    assert_eq!(reply.status, 422);
    assert!(reply.body.contains("Choisissez la livraison ou la vente à emporter"));

    // Withdrawn from this pizzeria's menu between the cart and the checkout.
    withdraw(&app, P, "margherita", true).await;
    let reply = checkout(
        &guest,
        &[("mode", "takeaway"), ("full_name", "Léa"), ("email", "lea@exemple.fr"), ("phone", "0611223344")],
    )
    .await;
    assert_eq!(reply.status, 409, "{}", reply.body);
    assert!(reply.body.contains("« Margherita » n'est plus à la carte"));
    withdraw(&app, P, "margherita", false).await;

    // Out of stock between the cart and the checkout: nothing written, the cart kept.
    set_stock(&pool, P, "mozzarella", 100).await;
    let reply = checkout(
        &guest,
        &[("mode", "takeaway"), ("full_name", "Léa"), ("email", "lea@exemple.fr"), ("phone", "0611223344")],
    )
    .await;
    assert_eq!(reply.status, 409, "{}", reply.body);
    assert!(reply.body.contains("plus assez d'ingrédients pour « Margherita »"));
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM orders").await, 0);
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM order_lines").await, 0);
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM stock_movements WHERE kind = 'order'").await, 0);
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM cart_lines").await, 1);
    assert_stock_matches_journal(&pool).await;
    pool.close().await;
}

async fn the_cart_survives_login(backend: Backend) {
    let db = TestDb::new(backend).await;
    let app = TestApp::spawn_with(&db, &["--demo"], &[]).await;
    let visitor = Browser::new(&app);
    assert_eq!(add(&visitor, "vincennes", "reine", "3", "").await.status, 303);
    // The checkout offers to sign in and come back to it.
    assert!(visitor.get("/checkout").await.body.contains(r#"href="/login?next=%2Fcheckout""#));
    visitor.forget_csrf();
    visitor.get("/login?next=%2Fcheckout").await;
    let reply = visitor
        .submit("/login", &[("email", "client@demo.ocpizza.fr"), ("password", DEMO_PASSWORD), ("next", "/checkout")])
        .await;
    assert_eq!(reply.redirect_path(), Some("/checkout"), "back to the checkout");
    let cart = visitor.get("/cart").await;
    assert!(cart.body.contains(r#"data-cart-line="reine""#) && cart.body.contains(r#"value="3""#), "{}", cart.body);
    // The checkout is filled in from the account, the saved address Vincennes delivers chosen.
    for (street, postcode, city) in [("8 rue de Rivoli", "75004", "Paris"), ("3 place de la Nation", "75012", "Paris")]
    {
        visitor.get("/account").await;
        let fields = [("label", ""), ("street", street), ("postcode", postcode), ("city", city), ("instructions", "")];
        assert_eq!(visitor.submit("/account/addresses", &fields).await.status, 303);
    }
    let pool = db.pool().await;
    let nation = count(&pool, "SELECT id FROM addresses WHERE postcode = '75012'").await;
    let checkout = visitor.get("/checkout").await;
    assert!(checkout.body.contains(r#"value="client@demo.ocpizza.fr""#));
    assert!(checkout.body.contains(&format!(r#"<option value="{nation}" selected>"#)), "{}", checkout.body);
}

async fn concurrent_checkouts_never_oversell(backend: Backend) {
    let db = TestDb::new(backend).await;
    let app = TestApp::spawn(&db).await;
    let pool = db.pool().await;
    const BUYERS: usize = 50;
    const MAKEABLE: i64 = 5;
    let mut buyers = Vec::new();
    for _ in 0..BUYERS {
        let buyer = Browser::new(&app);
        assert_eq!(add(&buyer, "montreuil", "margherita", "1", "").await.status, 303);
        let page = buyer.get("/checkout").await;
        buyers.push((buyer, first_slot(&page.body)));
    }
    // Exactly five margheritas left, and mozzarella is what limits them.
    set_stock(&pool, "montreuil", "mozzarella", MAKEABLE * 120).await;
    let replies = common::join_all(buyers.iter().map(|(buyer, slot)| async move {
        buyer
            .submit(
                "/checkout",
                &[
                    ("when", slot),
                    ("payment", "card"),
                    ("mode", "takeaway"),
                    ("full_name", "Client"),
                    ("email", "client@exemple.fr"),
                    ("phone", "0611223344"),
                ],
            )
            .await
    }))
    .await;
    let accepted = replies.iter().filter(|r| r.status == 303).count();
    let refused = replies.iter().filter(|r| r.status == 409 && r.body.contains("plus assez d'ingrédients")).count();
    let errors: Vec<u16> = replies.iter().map(|r| r.status).filter(|s| *s >= 500).collect();
    assert!(errors.is_empty(), "server errors: {errors:?}");
    assert_eq!(accepted as i64, MAKEABLE, "exactly as many orders as the stock allows");
    assert_eq!(refused, BUYERS - MAKEABLE as usize);
    assert_eq!(stock_of(&pool, "montreuil", "mozzarella").await, 0);
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM orders").await, MAKEABLE);
    assert_stock_matches_journal(&pool).await;

    pool.close().await;
}

async fn concurrent_modifications_of_one_order_let_one_win(backend: Backend) {
    let db = TestDb::new(backend).await;
    let app = TestApp::spawn_with(&db, &["--demo"], &[]).await;
    let pool = db.pool().await;
    let customer = Browser::new(&app);
    customer.sign_in("client@demo.ocpizza.fr", DEMO_PASSWORD).await;
    add(&customer, P, "margherita", "1", "").await;
    let reply = checkout(
        &customer,
        &[("mode", "takeaway"), ("full_name", "Camille"), ("email", "c@exemple.fr"), ("phone", "0611223344")],
    )
    .await;
    let reference = reference_of(&reply);
    let edit = customer.get(&format!("/orders/{reference}/edit")).await;
    let version = version_in(&edit.body);
    let slot = first_slot(&edit.body);
    let margherita = count(&pool, "SELECT id FROM pizzas WHERE slug = 'margherita'").await.to_string();
    let field = format!("quantity[{margherita}]");
    let quantities: Vec<String> = (2..12).map(|n| n.to_string()).collect();
    let replies = common::join_all(quantities.iter().map(|quantity| {
        let fields = [
            ("version", version.as_str()),
            (field.as_str(), quantity.as_str()),
            ("mode", "takeaway"),
            ("when", slot.as_str()),
        ];
        let customer = &customer;
        let reference = &reference;
        async move { customer.submit(&format!("/orders/{reference}/edit"), &fields).await }
    }))
    .await;
    assert_eq!(replies.iter().filter(|r| r.status == 303).count(), 1, "one modification wins");
    assert_eq!(replies.iter().filter(|r| r.status == 409).count(), quantities.len() - 1);
    assert!(replies.iter().all(|r| r.status < 500));
    let kept = count(&pool, "SELECT CAST(SUM(quantity) AS BIGINT) FROM order_lines").await;
    assert!((2..12).contains(&kept));
    assert_eq!(count(&pool, "SELECT version FROM orders").await, 2);
    assert_stock_matches_journal(&pool).await;
    pool.close().await;
}

async fn the_home_page_finds_who_delivers_a_postcode(backend: Backend) {
    let db = TestDb::new(backend).await;
    let app = TestApp::spawn(&db).await;
    let browser = Browser::new(&app);
    let page = browser.get("/?postcode=75012").await.body;
    let first = page.find("data-pizzeria=").expect("pizzerias");
    let delivering: Vec<&str> = ["paris-bastille", "vincennes"].to_vec();
    for slug in &delivering {
        let at = page.find(&format!(r#"data-pizzeria="{slug}""#)).expect(slug);
        assert!(at < page.find(r#"data-pizzeria="boulogne""#).expect("boulogne"), "{slug} first");
    }
    assert!(
        page[first..].starts_with(r#"data-pizzeria="paris-bastille""#)
            || page[first..].starts_with(r#"data-pizzeria="vincennes""#)
    );
    assert_eq!(page.matches("data-delivers").count(), 2);
    assert!(browser.get("/?postcode=13001").await.body.contains("Aucune de nos pizzerias ne livre le 13001"));
    assert!(browser.get("/?postcode=abc").await.body.contains("5 chiffres"));
}

async fn abandoned_carts_are_purged(backend: Backend) {
    let db = TestDb::new(backend).await;
    let app = TestApp::spawn(&db).await;
    let visitor = Browser::new(&app);
    add(&visitor, P, "margherita", "1", "").await;
    let pool = db.pool().await;
    execute(
        &pool,
        "INSERT INTO carts (token_hash, pizzeria_id, updated_at) SELECT 'old', id, 1000 FROM pizzerias WHERE slug = 'boulogne'",
    )
    .await;
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM carts").await, 2);
    // Housekeeping runs at start, then every ten minutes.
    app.kill();
    let app = TestApp::spawn(&db).await;
    let mut left = 2;
    for _ in 0..50 {
        left = count(&pool, "SELECT COUNT(*) FROM carts").await;
        if left == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(left, 1, "the week-old cart is gone, today's stays");
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM carts WHERE token_hash = 'old'").await, 0);
    drop(app);
    pool.close().await;
}

both_backends!(
    a_customer_orders_modifies_and_cancels,
    a_guest_follows_the_order_with_a_private_link,
    once_preparing_the_customer_can_no_longer_change_it,
    bad_orders_are_refused_and_write_nothing,
    the_cart_survives_login,
    concurrent_checkouts_never_oversell,
    concurrent_modifications_of_one_order_let_one_win,
    the_home_page_finds_who_delivers_a_postcode,
    abandoned_carts_are_purged,
);
