//! The JSON API: its OpenAPI document matches the mounted routes and the answers; orders
//! through the API follow the same rules as the pages; malformed input gets a 4xx and
//! writes nothing.

mod common;

use std::collections::BTreeSet;

use common::openapi::assert_documented;
use common::{count, demo, Backend, Browser, TestApp, TestDb, DEMO_PASSWORD};
use reqwest::Method;
use serde_json::{json, Value};

fn next_evening() -> String {
    // Tomorrow at 20:00 in Paris: every pizzeria of the seed is open then.
    let tomorrow = chrono::Utc::now().with_timezone(&chrono_tz::Europe::Paris).date_naive() + chrono::Duration::days(1);
    format!("{}T20:00", tomorrow.format("%Y-%m-%d"))
}

async fn the_document_describes_every_api_route(backend: Backend) {
    let db = TestDb::new(backend).await;
    let app = TestApp::spawn(&db).await;
    let browser = Browser::new(&app);
    let reply = browser.get("/api/v1/openapi.json").await;
    assert_eq!(reply.status, 200);
    let document = reply.json();
    assert_eq!(document["openapi"], "3.1.0");
    let documented: BTreeSet<(String, String)> = document["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .flat_map(|(path, operations)| {
            operations.as_object().into_iter().flatten().map(move |(method, _)| (method.to_uppercase(), path.clone()))
        })
        .collect();
    let rocket = oc_pizza::web::mount(rocket::custom(rocket::Config::figment()));
    let mounted: BTreeSet<(String, String)> = rocket
        .routes()
        .filter(|route| route.uri.as_str().starts_with("/api/v1/"))
        .map(|route| {
            let uri = route.uri.as_str();
            let path =
                uri.split('?').next().unwrap_or(uri).trim_start_matches("/api/v1").replace('<', "{").replace('>', "}");
            (route.method.as_str().to_string(), path)
        })
        .collect();
    assert_eq!(documented, mounted, "documented operations = mounted API routes");
    eprintln!("OpenAPI: {} operations", documented.len());
    for (method, path) in &documented {
        let operation = &document["paths"][path][method.to_lowercase()];
        assert!(operation["operationId"].is_string() && operation["responses"].is_object(), "{method} {path}");
    }
}

async fn orders_through_the_api_follow_the_rules(backend: Backend) {
    let db = TestDb::new(backend).await;
    let app = TestApp::spawn_with(&db, &["--demo"], &[]).await;
    let pool = db.pool().await;
    let guest = Browser::new(&app);
    let document = guest.get("/api/v1/openapi.json").await.json();

    let reply = guest.get("/api/v1/pizzerias").await;
    assert_documented(&document, "/pizzerias", "get", &reply);
    assert_eq!(reply.json()["pizzerias"].as_array().map(Vec::len), Some(5));
    let reply = guest.get("/api/v1/pizzerias/boulogne/menu").await;
    assert_documented(&document, "/pizzerias/{slug}/menu", "get", &reply);
    let reply = guest.get("/api/v1/pizzerias/atlantis/menu").await;
    assert_documented(&document, "/pizzerias/{slug}/menu", "get", &reply);

    let when = next_evening();
    let place = json!({
        "pizzeria": "boulogne", "mode": "delivery", "when": when, "payment": "card",
        "lines": [{ "pizza": "margherita", "quantity": 2, "note": "bien cuite" }, { "pizza": "reine", "quantity": 1 }],
        "address": { "street": "3 rue de Paris", "postcode": "92100", "city": "Boulogne-Billancourt" },
        "contact": { "name": "Léa Invitée", "email": "lea@exemple.fr", "phone": "06 11 22 33 44" },
    });
    let reply = guest.json(Method::POST, "/api/v1/orders", &[], &place).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_documented(&document, "/orders", "post", &reply);
    let order = reply.json();
    let reference = order["reference"].as_str().expect("reference").to_string();
    let key = order["access_key"].as_str().expect("a guest gets a key").to_string();
    assert_eq!(order["status"], "placed");
    assert_eq!(
        order["totals"]["ttc_cents"].as_i64().expect("ttc"),
        order["totals"]["ht_cents"].as_i64().expect("ht") + order["totals"]["vat_cents"].as_i64().expect("vat")
    );
    assert!(order["requested_for"].as_str().is_some_and(|t| t.ends_with("+00:00")), "stored and given in UTC");

    let path = format!("/api/v1/orders/{reference}");
    let reply = guest.api(Method::GET, &path, &[("X-Order-Key", &key)]).await;
    assert_documented(&document, "/orders/{reference}", "get", &reply);
    assert_eq!(reply.status, 200);
    let reply = guest.api(Method::GET, &path, &[]).await;
    assert_eq!(reply.status, 401);
    assert_documented(&document, "/orders/{reference}", "get", &reply);
    assert_eq!(guest.api(Method::GET, &path, &[("X-Order-Key", "nope")]).await.status, 404);

    // Modify, then the same version again: stale.
    let modify =
        json!({ "version": 1, "mode": "takeaway", "when": when, "lines": [{ "pizza": "diavola", "quantity": 1 }] });
    let reply = guest.json(Method::PUT, &path, &[("X-Order-Key", &key)], &modify).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_documented(&document, "/orders/{reference}", "put", &reply);
    assert_eq!(reply.json()["lines"][0]["pizza"], "Diavola");
    let reply = guest.json(Method::PUT, &path, &[("X-Order-Key", &key)], &modify).await;
    assert_eq!(reply.status, 409);
    assert_eq!(reply.json()["error"], "stale");
    assert_documented(&document, "/orders/{reference}", "put", &reply);

    // Staff of the pizzeria see it, but do not change it through the customer's API.
    let manager = Browser::new(&app);
    manager.sign_in(&demo("manager", "boulogne"), DEMO_PASSWORD).await;
    manager.get("/account/tokens").await;
    assert_eq!(manager.submit("/account/tokens", &[("name", "caisse")]).await.redirect_path(), Some("/account/tokens"));
    let page = manager.get("/account/tokens").await;
    let at = page.body.find("data-token>").expect("token") + "data-token>".len();
    let bearer = format!("Bearer {}", &page.body[at..at + page.body[at..].find('<').expect("end")]);
    assert_eq!(guest.api(Method::GET, &path, &[("Authorization", &bearer)]).await.status, 200);
    let reply = guest
        .json(Method::POST, &format!("{path}/cancel"), &[("Authorization", &bearer)], &json!({ "version": 2 }))
        .await;
    assert_eq!(reply.status, 403);
    let other = Browser::new(&app);
    other.sign_in(&demo("manager", "vincennes"), DEMO_PASSWORD).await;
    assert_eq!(other.api(Method::GET, &path, &[]).await.status, 404, "another pizzeria's manager");

    let reply =
        guest.json(Method::POST, &format!("{path}/cancel"), &[("X-Order-Key", &key)], &json!({ "version": 2 })).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_documented(&document, "/orders/{reference}/cancel", "post", &reply);
    assert_eq!(reply.json()["status"], "cancelled");
    let reply =
        guest.json(Method::POST, &format!("{path}/cancel"), &[("X-Order-Key", &key)], &json!({ "version": 3 })).await;
    assert_eq!((reply.status, reply.json()["error"].clone()), (409, json!("too_late")));

    // A customer with their session: the CSRF header is required; the order is theirs.
    let customer = Browser::new(&app);
    customer.sign_in("client@demo.ocpizza.fr", DEMO_PASSWORD).await;
    let mut mine = place.clone();
    mine["mode"] = json!("takeaway");
    mine.as_object_mut().expect("object").remove("address");
    let reply = customer.json(Method::POST, "/api/v1/orders", &[], &mine).await;
    assert_eq!((reply.status, reply.json()["error"].clone()), (403, json!("csrf")));
    let csrf = common::csrf_in(&customer.get("/account").await.body).expect("token");
    let reply = customer.json(Method::POST, "/api/v1/orders", &[("X-CSRF-Token", &csrf)], &mine).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert!(reply.json().get("access_key").is_none(), "a customer's order needs no key");
    let reply = customer.api(Method::GET, "/api/v1/me/orders", &[]).await;
    assert_documented(&document, "/me/orders", "get", &reply);
    assert_eq!(reply.json()["orders"].as_array().map(Vec::len), Some(1));

    // Out of stock: 409, nothing written.
    let before = count(&pool, "SELECT COUNT(*) FROM orders").await;
    let mut greedy = mine.clone();
    greedy["lines"] =
        json!([{ "pizza": "truffe", "quantity": 20 }, { "pizza": "truffe", "quantity": 20, "note": "x" }]);
    greedy["pizzeria"] = json!("montreuil");
    let reply = customer.json(Method::POST, "/api/v1/orders", &[("X-CSRF-Token", &csrf)], &greedy).await;
    assert_eq!((reply.status, reply.json()["error"].clone()), (409, json!("out_of_stock")), "{}", reply.body);
    assert_documented(&document, "/orders", "post", &reply);
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM orders").await, before);
    pool.close().await;
}

async fn malformed_input_gets_a_4xx_and_writes_nothing(backend: Backend) {
    let db = TestDb::new(backend).await;
    let app = TestApp::spawn(&db).await;
    let pool = db.pool().await;
    let client = Browser::new(&app);
    let document = client.get("/api/v1/openapi.json").await.json();
    let good = json!({
        "pizzeria": "boulogne", "mode": "takeaway", "when": next_evening(), "payment": "cash",
        "lines": [{ "pizza": "margherita", "quantity": 1 }],
        "contact": { "name": "Léa", "email": "lea@exemple.fr", "phone": "0611223344" },
    });
    let with = |pointer: &str, value: Value| {
        let mut body = good.clone();
        let mut slot = &mut body;
        for part in pointer.trim_start_matches('/').split('/') {
            slot = match part.parse::<usize>() {
                Ok(index) => &mut slot[index],
                Err(_) => &mut slot[part],
            };
        }
        *slot = value;
        body.to_string().into_bytes()
    };
    let without = |field: &str| {
        let mut body = good.clone();
        body.as_object_mut().expect("object").remove(field);
        body.to_string().into_bytes()
    };
    let mut unknown = good.clone();
    unknown["discount"] = json!(100);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("not JSON", b"{pizzeria: boulogne".to_vec()),
        ("empty body", Vec::new()),
        ("array", b"[]".to_vec()),
        ("wrong type: quantity", with("/lines/0/quantity", json!("two"))),
        ("wrong type: lines", with("/lines", json!("margherita"))),
        ("huge number", with("/lines/0/quantity", json!(1e30))),
        ("quantity 10 000", with("/lines/0/quantity", json!(10_000))),
        ("quantity 0", with("/lines/0/quantity", json!(0))),
        ("negative quantity", with("/lines/0/quantity", json!(-3))),
        ("missing lines", without("lines")),
        ("missing contact", without("contact")),
        ("no lines", with("/lines", json!([]))),
        ("too many lines", with("/lines", json!(vec![json!({ "pizza": "margherita", "quantity": 1 }); 21]))),
        ("unknown field", unknown.to_string().into_bytes()),
        ("unknown pizza", with("/lines/0/pizza", json!("atlantide"))),
        ("injection in pizza", with("/lines/0/pizza", json!("margherita' OR '1'='1"))),
        ("injection in pizzeria", with("/pizzeria", json!("'; DROP TABLE orders; --"))),
        ("script in name", with("/contact/name", json!("<script>\u{0}</script>"))),
        ("long note", with("/lines/0/note", json!("x".repeat(10_000)))),
        ("bad postcode", with("/mode", json!("delivery"))),
        ("slot in the past", with("/when", json!("2020-01-01T20:00"))),
        ("slot at night", with("/when", json!(next_evening().replace("20:00", "04:00")))),
        ("payment unknown", with("/payment", json!("bitcoin"))),
        ("online payment not offered", with("/payment", json!("online"))),
        ("invalid UTF-8", {
            let mut bytes = good.to_string().into_bytes();
            bytes.splice(15..15, [0xff, 0xfe, 0xc3]);
            bytes
        }),
    ];
    let mut huge = good.clone();
    huge["contact"]["name"] = json!("x".repeat(10 * 1024 * 1024));
    let status =
        common::oversized_post(&app.address, "/api/v1/orders", "application/json", "", huge.to_string().into_bytes())
            .await;
    assert_eq!(status, Some(413), "10 MB of JSON");
    for (case, body) in cases {
        let reply = client.send(Method::POST, "/api/v1/orders", &[("Content-Type", "application/json")], body).await;
        assert!((400..500).contains(&reply.status), "{case}: {} {}", reply.status, reply.body);
        let error = reply.json();
        assert!(
            error["error"].is_string() && error["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{case}: {error}"
        );
        if reply.status != 400 {
            assert_documented(&document, "/orders", "post", &reply);
        }
        assert_eq!(count(&pool, "SELECT COUNT(*) FROM orders").await, 0, "{case}: {}", reply.body);
    }
    // The same through the pages' forms.
    let token = client.csrf().await;
    let mut broken = format!("csrf_token={token}&full_name=").into_bytes();
    broken.extend_from_slice(&[0xff, 0xfe]);
    let form = [("Content-Type", "application/x-www-form-urlencoded")];
    let reply = client.send(Method::POST, "/register", &form, broken).await;
    assert!((400..500).contains(&reply.status), "invalid UTF-8 form: {}", reply.status);
    let huge = format!("csrf_token={token}&full_name={}", "x".repeat(10 * 1024 * 1024)).into_bytes();
    let status = common::oversized_post(&app.address, "/checkout", form[0].1, &client.cookie_header(), huge).await;
    assert_eq!(status, Some(413), "10 MB form");
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM orders").await, 0);
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM order_lines").await, 0);
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM stock_movements WHERE kind IN ('order', 'cancellation')").await, 0);
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM users").await, 0);
    pool.close().await;
}

both_backends!(
    the_document_describes_every_api_route,
    orders_through_the_api_follow_the_rules,
    malformed_input_gets_a_4xx_and_writes_nothing,
);
