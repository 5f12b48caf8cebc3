//! Crash consistency, on both databases: clients keep ordering while the real server is
//! killed with SIGKILL at a random moment, twenty times, restarted each time. At the end
//! every order that got a 2xx answer is in the database with its lines, its stock
//! movements and its first transition; no order is half-written; and every stock equals
//! the sum of its journal. (On SQLite this rests on WAL with `synchronous = NORMAL`: a
//! commit is in the WAL file — the operating system's cache — before the answer leaves, so
//! a killed process loses nothing; only a power cut could, see docs/architecture.md.)

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use common::{count, execute, Backend, Browser, TestApp, TestDb};
use reqwest::Method;
use serde_json::json;

const KILLS: usize = 20;
const CLIENTS: usize = 6;

/// A pseudo-random number of milliseconds in `low..high`, different at each call.
fn random_ms(low: u64, high: u64) -> u64 {
    let nanos = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(7);
    let mixed = (u64::from(nanos)).wrapping_mul(6_364_136_223_846_793_005).rotate_left(17);
    low + mixed % (high - low)
}

/// One client: places orders until the server stops answering; the references it was
/// answered 201 for go into `accepted`.
async fn keep_ordering(app_address: String, accepted: Arc<Mutex<Vec<String>>>, client_index: usize) {
    let client = oc_pizza::tls::http_client().timeout(Duration::from_secs(10)).build().expect("HTTP client");
    let pizzerias = ["boulogne", "vincennes"];
    for n in 0.. {
        let pizzeria = pizzerias[(client_index + n) % 2];
        let body = json!({
            "pizzeria": pizzeria, "mode": "takeaway", "when": common::next_evening(), "payment": "cash",
            "lines": [{ "pizza": "margherita", "quantity": 1 + (n % 3) }, { "pizza": "reine", "quantity": 1 }],
            "contact": { "name": "Léa Invitée", "email": "lea@exemple.fr", "phone": "06 11 22 33 44" },
        });
        let Ok(response) = client.post(format!("{app_address}/api/v1/orders")).json(&body).send().await else {
            return;
        };
        if response.status().as_u16() != 201 {
            assert!(response.status().is_client_error() || response.status().is_server_error());
            continue;
        }
        // The answer's body may be cut by the kill: a 201 whose body is lost was not
        // seen by the customer either, and is not counted.
        let Ok(order) = response.json::<serde_json::Value>().await else { return };
        if let Some(reference) = order["reference"].as_str() {
            accepted.lock().expect("accepted").push(reference.to_string());
        }
    }
}

async fn every_acknowledged_order_survives_sigkill(backend: Backend) {
    let db = TestDb::new(backend).await;
    let pool = db.pool().await;
    // Seed and migrate once; enough stock for every round.
    drop(TestApp::spawn(&db).await);
    execute(
        &pool,
        "INSERT INTO stock_movements (pizzeria_id, ingredient_id, delta, kind, note)
         SELECT pizzeria_id, ingredient_id, 10000000, 'restock', 'crash test' FROM stock",
    )
    .await;
    execute(&pool, "UPDATE stock SET quantity = quantity + 10000000").await;

    let accepted = Arc::new(Mutex::new(Vec::new()));
    for round in 0..KILLS {
        let app = TestApp::spawn(&db).await;
        let clients: Vec<_> = (0..CLIENTS)
            .map(|index| tokio::spawn(keep_ordering(app.address.clone(), accepted.clone(), index)))
            .collect();
        tokio::time::sleep(Duration::from_millis(random_ms(150, 900))).await;
        app.kill();
        for client in clients {
            client.await.unwrap_or_else(|e| panic!("round {round}: a client panicked: {e}"));
        }
    }
    // One more start: the database opens cleanly after the last kill.
    let app = TestApp::spawn(&db).await;
    assert_eq!(Browser::new(&app).api(Method::GET, "/api/v1/pizzerias", &[]).await.status, 200);
    drop(app);

    let accepted = accepted.lock().expect("accepted").clone();
    assert!(accepted.len() >= KILLS, "orders were accepted between the kills: {}", accepted.len());
    for reference in &accepted {
        let whole = count(
            &pool,
            &format!(
                "SELECT (SELECT COUNT(*) FROM order_lines l WHERE l.order_id = o.id) * 100
                      + (SELECT COUNT(*) FROM order_transitions t WHERE t.order_id = o.id AND t.to_status = 'placed') * 10
                      + CASE WHEN EXISTS (SELECT 1 FROM stock_movements m WHERE m.order_id = o.id AND m.kind = 'order')
                        THEN 1 ELSE 0 END
                 FROM orders o WHERE o.reference = '{reference}'"
            ),
        )
        .await;
        assert_eq!(whole, 211, "order {reference}, answered 201, is whole in the database (2 lines, placed, stock)");
    }
    let half_written = count(
        &pool,
        "SELECT COUNT(*) FROM orders o
         WHERE NOT EXISTS (SELECT 1 FROM order_lines l WHERE l.order_id = o.id)
            OR NOT EXISTS (SELECT 1 FROM order_transitions t WHERE t.order_id = o.id)
            OR NOT EXISTS (SELECT 1 FROM stock_movements m WHERE m.order_id = o.id)",
    )
    .await;
    assert_eq!(half_written, 0, "no order without its lines, transition or movements");
    let orders = count(&pool, "SELECT COUNT(*) FROM orders").await;
    assert!(orders >= accepted.len() as i64, "{orders} orders for {} answered", accepted.len());
    common::assert_stock_matches_journal(&pool).await;
    eprintln!("{backend:?}: {KILLS} kills, {} orders answered 201, {orders} in the database", accepted.len());
    pool.close().await;
}

both_backends!(every_acknowledged_order_survives_sigkill);
