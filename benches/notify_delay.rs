//! Places guest orders through the API, one every INTERVAL_MS, and measures how long each
//! confirmation e-mail takes to reach the SMTP server (its acceptance time, written by
//! `tests/support/smtp_sink.py`). Not a test: figures are printed, never asserted. Run
//! through `benches/notify-delay.sh`, which starts the SMTP server and the application.
//!
//! Arguments: BASE_URL MAIL_FOLDER [ORDERS=200] [INTERVAL_MS=50] [PIZZERIA=boulogne]

use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn epoch_seconds() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0)
}

/// subject → acceptance time, of every message in the folder.
fn received(folder: &str) -> HashMap<String, f64> {
    let Ok(entries) = std::fs::read_dir(folder) else { return HashMap::new() };
    entries
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            if path.extension()? != "json" {
                return None;
            }
            let mail: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
            Some((mail["subject"].as_str()?.to_string(), mail["received_at"].as_f64()?))
        })
        .collect()
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    let [base, folder, ..] = args.as_slice() else {
        eprintln!("usage: notify_delay BASE_URL MAIL_FOLDER [ORDERS] [INTERVAL_MS] [PIZZERIA]");
        std::process::exit(2);
    };
    let orders: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(200);
    let interval: u64 = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(50);
    let pizzeria = args.get(4).cloned().unwrap_or_else(|| "boulogne".into());
    let client = oc_pizza::tls::http_client().build().expect("HTTP client");
    let when = {
        let tomorrow =
            chrono::Utc::now().with_timezone(&chrono_tz::Europe::Paris).date_naive() + chrono::Duration::days(1);
        format!("{}T20:00", tomorrow.format("%Y-%m-%d"))
    };
    // reference → (request sent, 201 received), in epoch seconds.
    let mut sent: HashMap<String, (f64, f64)> = HashMap::new();
    for _ in 0..orders {
        let body = serde_json::json!({
            "pizzeria": pizzeria, "mode": "takeaway", "when": when, "payment": "cash",
            "lines": [{ "pizza": "margherita", "quantity": 1 }],
            "contact": { "name": "Banc d'essai", "email": "bench@exemple.fr", "phone": "06 11 22 33 44" },
        });
        let start = epoch_seconds();
        let reply = client.post(format!("{base}/api/v1/orders")).json(&body).send().await.expect("order");
        let committed = epoch_seconds();
        if reply.status() != 201 {
            eprintln!("order refused: {} {}", reply.status(), reply.text().await.unwrap_or_default());
            continue;
        }
        let order: serde_json::Value = reply.json().await.expect("order JSON");
        sent.insert(order["reference"].as_str().unwrap_or_default().to_string(), (start, committed));
        tokio::time::sleep(Duration::from_millis(interval)).await;
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut mails = received(folder);
    while mails.len() < sent.len() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
        mails = received(folder);
    }
    let mut from_request = Vec::new();
    let mut from_commit = Vec::new();
    for (reference, (start, committed)) in &sent {
        if let Some(accepted) = mails.get(&format!("Commande {reference} reçue")) {
            from_request.push((accepted - start) * 1000.0);
            from_commit.push((accepted - committed).max(0.0) * 1000.0);
        }
    }
    from_request.sort_by(f64::total_cmp);
    from_commit.sort_by(f64::total_cmp);
    println!("orders placed: {} (one every {interval} ms); confirmations received: {}", sent.len(), from_request.len());
    println!(
        "transition → SMTP acceptance, from the order's request: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        percentile(&from_request, 0.50),
        percentile(&from_request, 0.99),
        from_request.last().copied().unwrap_or(f64::NAN)
    );
    println!(
        "transition → SMTP acceptance, from the order's 201 (its commit): p50 {:.1} ms, p99 {:.1} ms",
        percentile(&from_commit, 0.50),
        percentile(&from_commit, 0.99)
    );
}
