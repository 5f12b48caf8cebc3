//! The authorisation matrix: every route the application mounts × every kind of visitor.
//!
//! The routes are read from the application itself, so a route added without a line in
//! [`rule_for`] fails this test. Objects in the paths (an address, an account, a token)
//! belong to customer A and to the pizzeria P (paris-bastille); Q (boulogne) is "another
//! pizzeria". Each check gets fresh objects, so that an allowed action (disabling an
//! account, deleting an address) does not change what the next check sees.

mod common;

use common::{count, demo, insert, Backend, Browser, TestApp, TestDb, DEMO_PASSWORD};
use oc_pizza::db::DbPool;
use reqwest::Method;

const P: &str = "paris-bastille";
const Q: &str = "boulogne";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Actor {
    Anonymous,
    CustomerA,
    CustomerB,
    Staff(&'static str, &'static str),
    Disabled,
    Admin,
}

const ACTORS: [Actor; 13] = [
    Actor::Anonymous,
    Actor::CustomerA,
    Actor::CustomerB,
    Actor::Staff("counter", P),
    Actor::Staff("pizzaiolo", P),
    Actor::Staff("driver", P),
    Actor::Staff("manager", P),
    Actor::Staff("counter", Q),
    Actor::Staff("pizzaiolo", Q),
    Actor::Staff("driver", Q),
    Actor::Staff("manager", Q),
    Actor::Disabled,
    Actor::Admin,
];

/// What a visitor gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// Served (2xx, 3xx elsewhere than the login page, or 4xx for the empty form).
    Allowed,
    /// Sent to the login page.
    Login,
    Forbidden,
    NotFound,
    /// API: 401 JSON.
    Unauthenticated,
}
use Outcome::*;

impl Actor {
    fn role(self) -> Option<&'static str> {
        match self {
            Actor::CustomerA | Actor::CustomerB => Some("customer"),
            Actor::Staff(role, _) => Some(role),
            Actor::Admin => Some("admin"),
            Actor::Anonymous | Actor::Disabled => None,
        }
    }
}

/// Who may use a kind of page, for a signed-in actor (anonymous and disabled are handled
/// by the caller).
fn page_rule(actor: Actor, allowed_roles: &[&str]) -> Outcome {
    match actor.role() {
        Some(role) if allowed_roles.contains(&role) => Allowed,
        _ => Forbidden,
    }
}

const STAFF: &[&str] = &["counter", "pizzaiolo", "driver", "manager", "admin"];

/// The expected outcome of `method path` for `actor`. `None`: the route is not in the table.
fn rule_for(method: &str, path: &str, actor: Actor) -> Option<Outcome> {
    let signed_out = matches!(actor, Actor::Anonymous | Actor::Disabled);
    let api = path.starts_with("/api/");
    // The payment webhook is off in this app (no Stripe settings): 404 for everyone.
    if path == "/payments/stripe/webhook" {
        return Some(NotFound);
    }
    if matches!(
        (method, path),
        ("GET", "/api/v1/openapi.json")
            | ("GET", "/api/v1/pizzerias")
            | ("GET", "/api/v1/pizzerias/<slug>/menu")
            | ("GET", "/api/v1/pizzerias/<slug>/slots")
            | ("POST", "/api/v1/orders")
    ) {
        return Some(Allowed);
    }
    // Staff moves through the API: the staff of P and admins reach P's orders (the body's
    // unknown move then gets a 422); for the staff of Q the order does not exist.
    if path == "/api/v1/orders/<reference>/transitions" {
        return Some(match actor {
            Actor::Anonymous | Actor::Disabled => Unauthenticated,
            Actor::Admin | Actor::Staff(_, P) => Allowed,
            Actor::Staff(_, _) => NotFound,
            _ => Forbidden,
        });
    }
    // P's kitchen queue: P's kitchen roles and admins; P's event stream: all of P's staff.
    if path == "/api/v1/pizzerias/<slug>/queues/<screen>" || path == "/api/v1/pizzerias/<slug>/events" {
        let kitchen = path.ends_with("<screen>");
        return Some(match actor {
            Actor::Anonymous | Actor::Disabled => Unauthenticated,
            Actor::Admin => Allowed,
            Actor::Staff("pizzaiolo" | "manager", P) => Allowed,
            Actor::Staff(_, P) if !kitchen => Allowed,
            _ => Forbidden,
        });
    }
    // P's stock and rush controls through the API: P's manager and admins (Q's manager is
    // refused P's).
    if path.starts_with("/api/v1/pizzerias/<slug>/stock") || path == "/api/v1/pizzerias/<slug>/rush" {
        return Some(match actor {
            Actor::Anonymous | Actor::Disabled => Unauthenticated,
            Actor::Admin | Actor::Staff("manager", P) => Allowed,
            _ => Forbidden,
        });
    }
    if path == "/api/v1/pizzerias/<slug>/withdrawals" {
        return Some(match actor {
            Actor::Anonymous | Actor::Disabled => Unauthenticated,
            Actor::Admin | Actor::Staff("manager", P) => Allowed,
            _ => Forbidden,
        });
    }
    if matches!(
        path,
        "/api/v1/stock/transfers" | "/api/v1/menu/pizzas/<pizza>" | "/api/v1/menu/ingredients/<ingredient>"
    ) {
        return Some(match actor {
            Actor::Anonymous | Actor::Disabled => Unauthenticated,
            Actor::Admin => Allowed,
            _ => Forbidden,
        });
    }
    // Customer A's order through the API: its customer reads and changes it; the staff of
    // P and admins read it only; without credentials or key: 401; anyone else: 404.
    if path.starts_with("/api/v1/orders/<reference>") {
        let reading = method == "GET";
        return Some(match actor {
            Actor::Anonymous | Actor::Disabled => Unauthenticated,
            Actor::CustomerA => Allowed,
            Actor::Admin | Actor::Staff(_, P) if reading => Allowed,
            Actor::Admin | Actor::Staff(_, P) => Forbidden,
            _ => NotFound,
        });
    }
    if path == "/api/v1/me/orders" {
        return Some(if signed_out { Unauthenticated } else { Allowed });
    }
    if signed_out && api {
        if matches!(path, "/api/v1/me" | "/api/v1/users" | "/api/v1/users/<id>/disable" | "/api/v1/users/<id>/enable") {
            return Some(Unauthenticated);
        }
        return None;
    }
    let public = matches!(
        (method, path),
        ("GET", "/")
            | ("GET", "/pizzerias/<slug>/menu")
            | ("GET", "/assets/<path..>")
            | ("GET", "/healthz")
            | ("GET", "/readyz")
            // Every actor of the matrix connects from this machine (observability.rs
            // checks the refusal from elsewhere and the token).
            | ("GET", "/metrics")
            | ("GET", "/login")
            | ("POST", "/login")
            | ("GET", "/register")
            | ("POST", "/register")
            | ("POST", "/logout")
            | ("GET", "/cart")
            | ("POST", "/cart/add")
            | ("POST", "/cart/clear")
            | ("GET", "/checkout")
            | ("POST", "/checkout")
            | ("GET", "/password/forgot")
            | ("POST", "/password/forgot")
            | ("GET", "/password/reset/<token>")
            | ("POST", "/password/reset/<token>")
            // Where a URL with control characters is sent: 400 for everyone.
            | ("GET", "/_refused/hostile-url")
    );
    if public {
        return Some(Allowed);
    }
    // A line of someone else's cart does not exist, for anyone.
    if matches!(path, "/cart/lines/<id>" | "/cart/lines/<id>/remove") {
        return Some(NotFound);
    }
    // Customer A's order: A sees and changes it; the staff of P and admins see it; for
    // anyone else it does not exist. Without a session or a key, its pages ask to sign in.
    if path.starts_with("/orders/<reference>") {
        let viewing = method == "GET" && matches!(path, "/orders/<reference>" | "/orders/<reference>/events");
        let page = method == "GET";
        return Some(match actor {
            Actor::CustomerA => Allowed,
            Actor::Anonymous | Actor::Disabled if page => Login,
            Actor::Admin | Actor::Staff(_, P) if viewing => Allowed,
            _ => NotFound,
        });
    }
    let known = KNOWN.contains(&(method, path));
    if !known {
        return None;
    }
    if signed_out {
        return Some(Login);
    }
    let customer_object = |rule: Outcome| match actor {
        Actor::CustomerA => rule,
        Actor::CustomerB => NotFound,
        _ => Forbidden,
    };
    let account_in_p = |area_roles: &[&str]| match actor {
        Actor::Admin => Allowed,
        Actor::Staff("manager", P) if area_roles.contains(&"manager") => Allowed,
        Actor::Staff("manager", _) if area_roles.contains(&"manager") => NotFound,
        _ => Forbidden,
    };
    Some(match (method, path) {
        ("GET", "/account")
        | ("POST", "/account/profile")
        | ("GET", "/account/password")
        | ("POST", "/account/password")
        | ("GET", "/account/orders") => Allowed,
        ("POST", "/account/addresses")
        | ("POST", "/account/notifications")
        | ("GET", "/account/export")
        | ("GET", "/account/delete")
        | ("POST", "/account/delete") => page_rule(actor, &["customer"]),
        ("GET", "/account/addresses/<id>")
        | ("POST", "/account/addresses/<id>")
        | ("POST", "/account/addresses/<id>/delete") => customer_object(Allowed),
        ("GET", "/account/tokens") | ("POST", "/account/tokens") => page_rule(actor, STAFF),
        ("POST", "/account/tokens/<id>/revoke") => match actor {
            Actor::Staff("manager", P) => Allowed,
            a if a.role().is_some_and(|r| STAFF.contains(&r)) => NotFound,
            _ => Forbidden,
        },
        ("GET", "/staff/orders/new") | ("POST", "/staff/orders/new") => {
            page_rule(actor, &["counter", "manager", "admin"])
        }
        ("GET", "/staff/orders")
        | ("GET", "/staff/orders/queue")
        | ("GET", "/staff/orders/done")
        | ("GET", "/staff/events") => page_rule(actor, &["counter", "manager", "admin"]),
        ("GET", "/kitchen")
        | ("GET", "/kitchen/queue")
        | ("GET", "/kitchen/events")
        | ("GET", "/kitchen/recipes/<pizza>") => page_rule(actor, &["pizzaiolo", "manager", "admin"]),
        ("GET", "/delivery") | ("GET", "/delivery/queue") | ("GET", "/delivery/events") => {
            page_rule(actor, &["driver", "manager", "admin"])
        }
        // Any of P's staff reach P's order (its unknown move then gets a 400); Q's do not.
        ("POST", "/staff/orders/<reference>/move") => match actor {
            Actor::Admin | Actor::Staff(_, P) => Allowed,
            Actor::Staff(_, _) => NotFound,
            _ => Forbidden,
        },
        ("GET", "/manage/dashboard")
        | ("GET", "/manage/dashboard/live")
        | ("GET", "/manage/dashboard/events")
        | ("GET", "/manage/dashboard/orders.csv")
        | ("GET", "/manage/stock")
        | ("GET", "/manage/stock/live")
        | ("GET", "/manage/stock/events")
        | ("POST", "/manage/stock")
        | ("GET", "/manage/menu")
        | ("POST", "/manage/menu/withdrawals")
        | ("GET", "/manage/capacity")
        | ("POST", "/manage/capacity")
        | ("POST", "/manage/capacity/rush") => page_rule(actor, &["manager", "admin"]),
        ("GET", "/manage/menu/pizzas/<pizza>")
        | ("POST", "/manage/menu/pizzas/<pizza>")
        | ("GET", "/manage/menu/ingredients/<ingredient>")
        | ("POST", "/manage/menu/ingredients/<ingredient>") => page_rule(actor, &["admin"]),
        ("GET", "/admin")
        | ("GET", "/admin/stock")
        | ("POST", "/admin/stock/transfers")
        | ("GET", "/admin/pizzerias")
        | ("GET", "/admin/pizzerias/<pizzeria>")
        | ("POST", "/admin/pizzerias/<pizzeria>")
        | ("GET", "/admin/backups")
        | ("POST", "/admin/backups/run") => page_rule(actor, &["admin"]),
        ("GET", "/admin/users") | ("GET", "/admin/users/new") | ("POST", "/admin/users") => {
            page_rule(actor, &["admin"])
        }
        ("GET", "/admin/users/<id>")
        | ("POST", "/admin/users/<id>")
        | ("POST", "/admin/users/<id>/disable")
        | ("POST", "/admin/users/<id>/enable")
        | ("POST", "/admin/users/<id>/reset-password")
        | ("POST", "/admin/users/<id>/unlock") => account_in_p(&["admin"]),
        ("GET", "/manage/users") | ("GET", "/manage/users/new") | ("POST", "/manage/users") => {
            page_rule(actor, &["manager", "admin"])
        }
        ("GET", "/manage/users/<id>")
        | ("POST", "/manage/users/<id>")
        | ("POST", "/manage/users/<id>/disable")
        | ("POST", "/manage/users/<id>/enable")
        | ("POST", "/manage/users/<id>/reset-password")
        | ("POST", "/manage/users/<id>/unlock") => account_in_p(&["manager", "admin"]),
        ("GET", "/api/v1/me") => Allowed,
        ("GET", "/api/v1/users") => page_rule(actor, &["manager", "admin"]),
        ("POST", "/api/v1/users/<id>/disable") | ("POST", "/api/v1/users/<id>/enable") => match actor {
            Actor::Admin | Actor::Staff("manager", P) => Allowed,
            Actor::Staff("manager", _) => NotFound,
            _ => Forbidden,
        },
        _ => return None,
    })
}

/// Every guarded route of the table.
const KNOWN: &[(&str, &str)] = &[
    ("GET", "/account"),
    ("POST", "/account/profile"),
    ("GET", "/account/password"),
    ("POST", "/account/password"),
    ("GET", "/account/orders"),
    ("POST", "/account/addresses"),
    ("POST", "/account/notifications"),
    ("GET", "/account/export"),
    ("GET", "/account/delete"),
    ("POST", "/account/delete"),
    ("GET", "/account/addresses/<id>"),
    ("POST", "/account/addresses/<id>"),
    ("POST", "/account/addresses/<id>/delete"),
    ("GET", "/account/tokens"),
    ("POST", "/account/tokens"),
    ("POST", "/account/tokens/<id>/revoke"),
    ("GET", "/staff/orders/new"),
    ("POST", "/staff/orders/new"),
    ("GET", "/staff/orders"),
    ("GET", "/staff/orders/queue"),
    ("GET", "/staff/orders/done"),
    ("GET", "/staff/events"),
    ("GET", "/kitchen"),
    ("GET", "/kitchen/queue"),
    ("GET", "/kitchen/events"),
    ("GET", "/kitchen/recipes/<pizza>"),
    ("GET", "/delivery"),
    ("GET", "/delivery/queue"),
    ("GET", "/delivery/events"),
    ("POST", "/staff/orders/<reference>/move"),
    ("GET", "/manage/dashboard"),
    ("GET", "/manage/dashboard/live"),
    ("GET", "/manage/dashboard/events"),
    ("GET", "/manage/dashboard/orders.csv"),
    ("GET", "/manage/stock"),
    ("GET", "/manage/stock/live"),
    ("GET", "/manage/stock/events"),
    ("POST", "/manage/stock"),
    ("GET", "/manage/menu"),
    ("POST", "/manage/menu/withdrawals"),
    ("GET", "/manage/capacity"),
    ("POST", "/manage/capacity"),
    ("POST", "/manage/capacity/rush"),
    ("GET", "/manage/menu/pizzas/<pizza>"),
    ("POST", "/manage/menu/pizzas/<pizza>"),
    ("GET", "/manage/menu/ingredients/<ingredient>"),
    ("POST", "/manage/menu/ingredients/<ingredient>"),
    ("GET", "/admin"),
    ("GET", "/admin/stock"),
    ("GET", "/admin/pizzerias"),
    ("GET", "/admin/pizzerias/<pizzeria>"),
    ("POST", "/admin/pizzerias/<pizzeria>"),
    ("GET", "/admin/backups"),
    ("POST", "/admin/backups/run"),
    ("POST", "/payments/stripe/webhook"),
    ("POST", "/admin/stock/transfers"),
    ("GET", "/admin/users"),
    ("GET", "/admin/users/new"),
    ("POST", "/admin/users"),
    ("GET", "/admin/users/<id>"),
    ("POST", "/admin/users/<id>"),
    ("POST", "/admin/users/<id>/disable"),
    ("POST", "/admin/users/<id>/enable"),
    ("POST", "/admin/users/<id>/reset-password"),
    ("POST", "/admin/users/<id>/unlock"),
    ("GET", "/manage/users"),
    ("GET", "/manage/users/new"),
    ("POST", "/manage/users"),
    ("GET", "/manage/users/<id>"),
    ("POST", "/manage/users/<id>"),
    ("POST", "/manage/users/<id>/disable"),
    ("POST", "/manage/users/<id>/enable"),
    ("POST", "/manage/users/<id>/reset-password"),
    ("POST", "/manage/users/<id>/unlock"),
    ("GET", "/api/v1/me"),
    ("GET", "/api/v1/users"),
    ("POST", "/api/v1/users/<id>/disable"),
    ("POST", "/api/v1/users/<id>/enable"),
];

/// Every (method, path pattern) the application mounts, query parameters left out.
fn mounted_routes() -> Vec<(String, String)> {
    let rocket = oc_pizza::web::mount(rocket::custom(rocket::Config::figment()));
    let mut routes: Vec<(String, String)> = rocket
        .routes()
        .map(|route| {
            let uri = route.uri.as_str();
            let path = uri.split('?').next().unwrap_or(uri).to_string();
            (route.method.as_str().to_string(), path)
        })
        .collect();
    routes.sort();
    routes.dedup();
    routes
}

/// A concrete path for the pattern, with fresh objects owned by customer A, pizzeria P and
/// P's manager.
async fn concrete_path(pool: &DbPool, pattern: &str) -> String {
    let id = if pattern.starts_with("/account/addresses/<id>") {
        insert(
            pool,
            "INSERT INTO addresses (user_id, street, postcode, city)
             SELECT id, '1 rue de la Paix', '75011', 'Paris' FROM users WHERE email = 'client@demo.ocpizza.fr'
             RETURNING id",
        )
        .await
    } else if pattern.starts_with("/account/tokens/<id>") {
        let hash = format!("matrix-{}", count(pool, "SELECT COUNT(*) FROM api_tokens").await);
        insert(
            pool,
            &format!(
                "INSERT INTO api_tokens (user_id, name, token_hash, prefix)
                 SELECT id, 'matrix', '{hash}', 'ocp_' FROM users WHERE email = '{}' RETURNING id",
                demo("manager", P)
            ),
        )
        .await
    } else if pattern.starts_with("/cart/lines/<id>") {
        let n = count(pool, "SELECT COUNT(*) FROM carts").await;
        let cart = insert(
            pool,
            &format!(
                "INSERT INTO carts (token_hash, pizzeria_id) SELECT 'matrix-cart-{n}', id FROM pizzerias
                      WHERE slug = '{P}' RETURNING id"
            ),
        )
        .await;
        insert(
            pool,
            &format!(
                "INSERT INTO cart_lines (cart_id, pizza_id, quantity) SELECT {cart}, id, 1 FROM pizzas
                      WHERE slug = 'margherita' RETURNING id"
            ),
        )
        .await
    } else if pattern.contains("/orders/<reference>") {
        let n = count(pool, "SELECT COUNT(*) FROM orders").await;
        insert(
            pool,
            &format!(
                "INSERT INTO orders (reference, pizzeria_id, customer_id, customer_name, customer_phone, channel, mode,
                     status, payment_method, payment_status, total_ht_cents, total_vat_cents, total_ttc_cents)
                 SELECT 'OC-MX{n}', p.id, u.id, 'Camille', '0612345678', 'web', 'takeaway', 'placed', 'cash', 'unpaid',
                     864, 86, 950
                 FROM pizzerias p, users u WHERE p.slug = '{P}' AND u.email = 'client@demo.ocpizza.fr' RETURNING id"
            ),
        )
        .await;
        return pattern.replace("<reference>", &format!("OC-MX{n}"));
    } else if pattern.contains("/users/<id>") {
        let n = count(pool, "SELECT COUNT(*) FROM users").await;
        insert(
            pool,
            &format!(
                "INSERT INTO users (email, password_hash, full_name, role, pizzeria_id)
                 SELECT 'victim{n}@ocpizza.fr', 'x', 'Victime {n}', 'driver', id FROM pizzerias WHERE slug = '{P}'
                 RETURNING id"
            ),
        )
        .await
    } else {
        0
    };
    pattern
        .replace("<id>", &id.to_string())
        .replace("<slug>", P)
        .replace("<path..>", "css/app.css")
        .replace("<pizza>", "margherita")
        .replace("<screen>", "kitchen")
        .replace("<pizzeria>", P)
        .replace("<ingredient>", "basil")
        // A reset link that was never sent: the page says it is not valid (410), for anyone.
        .replace("<token>", "not-a-reset-token")
}

fn observed(reply: &common::Reply, api: bool) -> Outcome {
    match reply.status {
        303 if reply.redirect_path().is_some_and(|p| p.starts_with("/login")) => Login,
        401 if api => Unauthenticated,
        403 => Forbidden,
        404 => NotFound,
        _ => Allowed,
    }
}

async fn every_route_refuses_whoever_must_not_use_it(backend: Backend) {
    // The table covers every mounted route.
    let routes = mounted_routes();
    let missing: Vec<String> = routes
        .iter()
        .filter(|(method, path)| ACTORS.iter().any(|actor| rule_for(method, path, *actor).is_none()))
        .map(|(method, path)| format!("{method} {path}"))
        .collect();
    assert!(missing.is_empty(), "routes without an authorisation rule: {missing:?}");

    let db = TestDb::new(backend).await;
    let app = TestApp::spawn_with(&db, &["--demo"], &[]).await;
    let pool = db.pool().await;

    // Sign every actor in.
    let mut browsers = Vec::new();
    for actor in ACTORS {
        let browser = Browser::new(&app);
        match actor {
            Actor::Anonymous => {}
            Actor::CustomerA => browser.sign_in("client@demo.ocpizza.fr", DEMO_PASSWORD).await,
            Actor::CustomerB => {
                browser.get("/register").await;
                let reply = browser
                    .submit(
                        "/register",
                        &[
                            ("full_name", "Client B"),
                            ("email", "b@exemple.fr"),
                            ("phone", "0611223344"),
                            ("password", "une autre pizza au four"),
                            ("password_confirmation", "une autre pizza au four"),
                        ],
                    )
                    .await;
                assert_eq!(reply.status, 303);
                browser.sign_in("b@exemple.fr", "une autre pizza au four").await;
            }
            Actor::Staff(role, pizzeria) => browser.sign_in(&demo(role, pizzeria), DEMO_PASSWORD).await,
            Actor::Disabled => browser.sign_in(&demo("counter", "montreuil"), DEMO_PASSWORD).await,
            Actor::Admin => browser.sign_in("admin@demo.ocpizza.fr", DEMO_PASSWORD).await,
        }
        browsers.push((actor, browser));
    }
    let disabled = common::execute(
        &pool,
        &format!("UPDATE users SET active = FALSE WHERE email = '{}'", demo("counter", "montreuil")),
    )
    .await;
    assert_eq!(disabled, 1);

    // Logging out last: it ends the session the other checks use.
    let mut ordered = routes.clone();
    ordered.sort_by_key(|(method, path)| (method == "POST" && path == "/logout", path.clone()));
    let mut failures = Vec::new();
    let mut checks = 0;
    for (method, pattern) in &ordered {
        for (actor, browser) in &browsers {
            let expected = rule_for(method, pattern, *actor).expect("checked above");
            let path = concrete_path(&pool, pattern).await;
            let api = pattern.starts_with("/api/");
            // The token of the visitor's own pages: the checks are about authorisation, not CSRF.
            let token = Some(browser.csrf().await);
            let reply = match (method.as_str(), api) {
                // An event stream never ends: its status and headers say who it serves.
                ("GET", _) if pattern.ends_with("/events") => browser.peek(&path).await,
                ("GET", _) => browser.get(&path).await,
                (_, true) => {
                    let headers: Vec<(&str, &str)> =
                        token.as_deref().map(|t| vec![("X-CSRF-Token", t)]).unwrap_or_default();
                    let method = Method::from_bytes(method.as_bytes()).expect("method");
                    // A body of the right shape, so that the answer is about who asks.
                    let body = match pattern.as_str() {
                        "/api/v1/orders/<reference>/cancel" => serde_json::json!({ "version": 0 }),
                        "/api/v1/orders/<reference>/transitions" => serde_json::json!({ "to": "x" }),
                        "/api/v1/pizzerias/<slug>/stock" => {
                            serde_json::json!({ "ingredient": "basil", "action": "threshold", "quantity": 10 })
                        }
                        "/api/v1/pizzerias/<slug>/rush" => serde_json::json!({ "action": "nothing" }),
                        "/api/v1/pizzerias/<slug>/withdrawals" => {
                            serde_json::json!({ "pizza": "unknown", "withdrawn": false })
                        }
                        "/api/v1/menu/ingredients/<ingredient>" => {
                            serde_json::json!({ "name": "Basilic", "unit": "kg" })
                        }
                        "/api/v1/menu/pizzas/<pizza>" => serde_json::json!({
                            "name": "Margherita", "price_cents": 0, "vat_rate_bp": 1000, "recipe": []
                        }),
                        "/api/v1/stock/transfers" => {
                            serde_json::json!({ "from": "boulogne", "to": "boulogne", "ingredient": "basil", "quantity": 1 })
                        }
                        "/api/v1/orders/<reference>" => {
                            serde_json::json!({ "version": 0, "lines": [], "mode": "takeaway" })
                        }
                        _ => serde_json::json!({}),
                    };
                    browser.json(method, &path, &headers, &body).await
                }
                _ => {
                    let fields: Vec<(&str, &str)> =
                        token.as_deref().map(|t| vec![("csrf_token", t)]).unwrap_or_default();
                    browser.post_raw(&path, &fields, &[]).await
                }
            };
            checks += 1;
            let got = observed(&reply, api);
            if got != expected {
                failures.push(format!(
                    "{method} {path} as {actor:?}: expected {expected:?}, got {got:?} ({})",
                    reply.status
                ));
            }
            if reply.status >= 500 {
                failures.push(format!("{method} {path} as {actor:?}: server error"));
            }
        }
    }
    assert!(failures.is_empty(), "{} of {checks} checks failed:\n{}", failures.len(), failures.join("\n"));
    assert_eq!(checks, routes.len() * ACTORS.len());
    eprintln!("authorisation matrix: {} routes × {} actors = {checks} checks", routes.len(), ACTORS.len());
    pool.close().await;
}

both_backends!(every_route_refuses_whoever_must_not_use_it);

/// Every (method, path pattern, query parameter names) the application mounts.
fn mounted_routes_with_queries() -> Vec<(String, String, Vec<String>)> {
    let rocket = oc_pizza::web::mount(rocket::custom(rocket::Config::figment()));
    let mut routes: Vec<(String, String, Vec<String>)> = rocket
        .routes()
        .map(|route| {
            let uri = route.uri.as_str();
            let (path, query) = uri.split_once('?').unwrap_or((uri, ""));
            let mut names: Vec<String> = query
                .split('&')
                .filter(|part| part.starts_with('<'))
                .map(|part| part.trim_matches(|c| c == '<' || c == '>').to_string())
                .collect();
            // A `<query..>` is a struct of fields: name them.
            if names.iter().any(|name| name.ends_with("..")) {
                names.retain(|name| !name.ends_with(".."));
                let fields: &[&str] = match path {
                    "/manage/stock" => &["ingredient", "kind", "from", "to", "who", "page"],
                    "/admin/users" | "/manage/users" => &["role", "pizzeria", "active", "q"],
                    other => panic!("name the fields of {other}'s query"),
                };
                names.extend(fields.iter().map(|f| f.to_string()));
            }
            (route.method.as_str().to_string(), path.to_string(), names)
        })
        .collect();
    routes.sort();
    routes.dedup();
    routes
}

fn percent_encoded(value: &str) -> String {
    value
        .bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b == b'-' { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

#[derive(Debug, Clone, Copy)]
enum Expect {
    /// 400 whoever asks: refused before any route sees it.
    BadRequest,
    /// A 4xx (or the login page).
    Refused,
    /// Anything but a server error (the page, a 404, a 422…).
    NoServerError,
}

impl Expect {
    fn of(bad: bool) -> Expect {
        if bad {
            Expect::BadRequest
        } else {
            Expect::NoServerError
        }
    }
}

/// Every parameter of every route, in the path or the query, for four kinds of visitor:
/// control characters and overlong values are refused with 400 before anything reads them;
/// quotes, spaces, SQL, non-ASCII and out-of-range numbers get a 4xx (or the page), never
/// a 500, on both databases.
async fn hostile_values_in_any_parameter_never_answer_500(backend: Backend) {
    let db = TestDb::new(backend).await;
    let app = TestApp::spawn_with(&db, &["--demo"], &[]).await;
    let pool = db.pool().await;
    let mut visitors = Vec::new();
    for email in [
        None,
        Some("client@demo.ocpizza.fr".to_string()),
        Some(demo("manager", P)),
        Some("admin@demo.ocpizza.fr".to_string()),
    ] {
        let browser = Browser::new(&app);
        if let Some(email) = &email {
            browser.sign_in(email, DEMO_PASSWORD).await;
        }
        let token = browser.csrf().await;
        visitors.push((email.unwrap_or_else(|| "anonymous".into()), browser, token));
    }
    let long = "x".repeat(5000);
    // (value, refused with 400 whatever the route and whoever asks)
    let texts: Vec<(&str, bool)> = vec![
        ("\0", true),
        ("a\0b", true),
        ("\t", true),
        ("a\nb", true),
        (long.as_str(), false),
        ("\"", false),
        ("'", false),
        (" ", false),
        ("' OR 1=1 --", false),
        ("pizzéria 🍕", false),
        ("../../etc/passwd", false),
    ];
    let numbers = ["0", "-1", "2147483648", "9223372036854775807", "18446744073709551616", "abc"];
    let mut failures = Vec::new();
    let mut checks = 0;
    for (method, pattern, query_names) in mounted_routes_with_queries() {
        if pattern.contains("<path..>") || pattern == "/payments/stripe/webhook" {
            continue;
        }
        let slots: Vec<usize> =
            pattern.split('/').enumerate().filter(|(_, s)| s.starts_with('<')).map(|(i, _)| i).collect();
        if slots.is_empty() && query_names.is_empty() {
            continue;
        }
        let concrete = concrete_path(&pool, &pattern).await;
        let segments: Vec<&str> = concrete.split('/').collect();
        // Every attacked URL: (description, URL, what is expected).
        let mut urls: Vec<(String, String, Expect)> = Vec::new();
        let numeric = |name: &str| matches!(name, "id" | "page" | "who");
        for slot in &slots {
            let name = pattern.split('/').nth(*slot).unwrap_or_default().trim_matches(|c| c == '<' || c == '>');
            let mut values: Vec<(String, Expect)> =
                texts.iter().map(|(v, bad)| (v.to_string(), Expect::of(*bad))).collect();
            if numeric(name) {
                values.extend(numbers.iter().map(|n| (n.to_string(), Expect::NoServerError)));
            }
            for (value, expect) in values {
                let mut attacked: Vec<String> = segments.iter().map(|s| s.to_string()).collect();
                attacked[*slot] = percent_encoded(&value);
                urls.push((format!("<{name}> = {:.20?}", value), attacked.join("/"), expect));
            }
        }
        for name in &query_names {
            let mut values: Vec<(String, Expect)> =
                texts.iter().map(|(v, bad)| (v.to_string(), Expect::of(*bad))).collect();
            if numeric(name) {
                // A page out of range is refused too (an offset would overflow).
                let expect = if name == "page" { Expect::Refused } else { Expect::NoServerError };
                values.extend(numbers.iter().map(|n| (n.to_string(), expect)));
            }
            // The pizzeria named, so that an admin reaches the page rather than the chooser.
            let here = if name != "pizzeria" && query_names.iter().any(|n| n == "pizzeria") {
                format!("&pizzeria={P}")
            } else {
                String::new()
            };
            for (value, expect) in values {
                let url = format!("{concrete}?{name}={}{here}", percent_encoded(&value));
                urls.push((format!("?{name} = {:.20?}", value), url, expect));
            }
        }
        for (what, url, expect) in &urls {
            for (who, browser, token) in &visitors {
                let reply = match method.as_str() {
                    "GET" if pattern.ends_with("/events") => browser.peek(url).await,
                    "GET" => browser.get(url).await,
                    other if pattern.starts_with("/api/") => {
                        let method = Method::from_bytes(other.as_bytes()).expect("method");
                        browser.json(method, url, &[("X-CSRF-Token", token)], &serde_json::json!({})).await
                    }
                    _ => browser.post_raw(url, &[("csrf_token", token)], &[]).await,
                };
                checks += 1;
                let to_login = reply.status == 303 && reply.redirect_path().is_some_and(|p| p.starts_with("/login"));
                let as_expected = match expect {
                    Expect::BadRequest => reply.status == 400,
                    // By the rule, or before it by the visitor's rights.
                    Expect::Refused => (400..500).contains(&reply.status) || to_login,
                    Expect::NoServerError => reply.status < 500,
                };
                if !as_expected {
                    failures.push(format!("{method} {pattern} {what} as {who}: {}", reply.status));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} of {checks} checks failed:\n{}", failures.len(), failures.join("\n"));
    eprintln!("hostile parameters: {checks} checks");
    pool.close().await;
}

both_backends!(hostile_values_in_any_parameter_never_answer_500);
