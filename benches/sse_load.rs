//! Holds many kitchen screens open on the server's event stream while orders are placed,
//! and prints the server's memory and the event delay. Not a test: figures are printed,
//! never asserted. Run through `benches/sse-load.sh`, which starts the server.
//!
//! Arguments: BASE_URL SERVER_PID EMAIL PASSWORD [SCREENS=5000] [ORDERS=100] [PIZZERIA=boulogne]
//! [INTERVAL_MS=100] (the pause between two orders) [STREAMS_URL=BASE_URL] (where the screens
//! connect: the events port, or the main port).

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use support::{rss_kib, sign_in};

mod support;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    let [base, pid, email, password, ..] = args.as_slice() else {
        eprintln!("usage: sse_load BASE_URL SERVER_PID EMAIL PASSWORD [SCREENS] [ORDERS] [PIZZERIA]");
        std::process::exit(2);
    };
    let pid: u32 = pid.parse().expect("server pid");
    let screens: usize = args.get(4).and_then(|s| s.parse().ok()).unwrap_or(5000);
    let orders: usize = args.get(5).and_then(|s| s.parse().ok()).unwrap_or(100);
    let pizzeria = args.get(6).cloned().unwrap_or_else(|| "boulogne".into());
    let interval: u64 = args.get(7).and_then(|s| s.parse().ok()).unwrap_or(100);
    let streams = args.get(8).cloned().unwrap_or_else(|| base.clone());
    let client = oc_pizza::tls::http_client()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(screens + 16)
        .build()
        .expect("client");
    let (cookie, _) = sign_in(&client, base, email, password).await;
    let idle_rss = rss_kib(pid);

    // reference → when its order was sent and when its 201 came back.
    let sent: Arc<Mutex<HashMap<String, (Instant, Instant)>>> = Arc::default();
    // (reference, arrival time) per received event.
    let received: Arc<Mutex<Vec<(String, Instant)>>> = Arc::default();
    let connected = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    for _ in 0..screens {
        let (client, cookie, url) = (client.clone(), cookie.clone(), format!("{streams}/kitchen/events"));
        let (received, connected) = (received.clone(), connected.clone());
        tokio::spawn(async move {
            let Ok(mut response) = client.get(url).header("Cookie", cookie).send().await else { return };
            if response.status() != 200 {
                return;
            }
            let mut buffer = String::new();
            let mut hello = false;
            while let Ok(Some(chunk)) = response.chunk().await {
                let now = Instant::now();
                buffer.push_str(&String::from_utf8_lossy(&chunk));
                while let Some(end) = buffer.find("\n\n") {
                    let event: String = buffer.drain(..end + 2).collect();
                    if !hello && event.contains("event:hello") {
                        hello = true;
                        connected.fetch_add(1, Ordering::Relaxed);
                    }
                    if let Some(at) = event.find(r#""reference":""#) {
                        let rest = &event[at + 13..];
                        let reference = rest[..rest.find('"').unwrap_or(0)].to_string();
                        if event.contains(r#""kind":"placed""#) {
                            received.lock().expect("lock").push((reference, now));
                        }
                    }
                }
            }
        });
    }
    while connected.load(Ordering::Relaxed) < screens {
        if started.elapsed() > Duration::from_secs(120) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let open = connected.load(Ordering::Relaxed);
    let connect_time = started.elapsed();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let streaming_rss = rss_kib(pid);

    let when = {
        let tomorrow =
            chrono::Utc::now().with_timezone(&chrono_tz::Europe::Paris).date_naive() + chrono::Duration::days(1);
        format!("{}T20:00", tomorrow.format("%Y-%m-%d"))
    };
    for _ in 0..orders {
        let body = serde_json::json!({
            "pizzeria": pizzeria, "mode": "takeaway", "when": when, "payment": "cash",
            "lines": [{ "pizza": "margherita", "quantity": 1 }],
            "contact": { "name": "Banc d'essai", "email": "bench@exemple.fr", "phone": "06 11 22 33 44" },
        });
        let start = Instant::now();
        let reply = client.post(format!("{base}/api/v1/orders")).json(&body).send().await.expect("order");
        let accepted = Instant::now();
        if reply.status() != 201 {
            eprintln!("order refused: {} {}", reply.status(), reply.text().await.unwrap_or_default());
            continue;
        }
        let order: serde_json::Value = reply.json().await.expect("order JSON");
        let reference = order["reference"].as_str().unwrap_or_default().to_string();
        sent.lock().expect("lock").insert(reference, (start, accepted));
        tokio::time::sleep(Duration::from_millis(interval)).await;
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let loaded_rss = rss_kib(pid);

    let sent = sent.lock().expect("lock").clone();
    let received = received.lock().expect("lock").clone();
    let mut from_request = Vec::with_capacity(received.len());
    let mut from_answer = Vec::with_capacity(received.len());
    for (reference, at) in &received {
        if let Some((start, accepted)) = sent.get(reference) {
            from_request.push(at.saturating_duration_since(*start).as_secs_f64() * 1000.0);
            from_answer.push(at.saturating_duration_since(*accepted).as_secs_f64() * 1000.0);
        }
    }
    from_request.sort_by(f64::total_cmp);
    from_answer.sort_by(f64::total_cmp);
    let expected = open * sent.len();
    println!("screens connected: {open}/{screens} in {:.1} s", connect_time.as_secs_f64());
    println!(
        "orders placed: {} (one every {interval} ms); events received: {} of {expected} expected",
        sent.len(),
        from_request.len()
    );
    println!(
        "server RSS: {:.1} MiB idle, {:.1} MiB with {open} streams, {:.1} MiB after the orders ({:.1} KiB per stream)",
        idle_rss as f64 / 1024.0,
        streaming_rss as f64 / 1024.0,
        loaded_rss as f64 / 1024.0,
        (streaming_rss.saturating_sub(idle_rss)) as f64 / open.max(1) as f64
    );
    println!(
        "event delay from the order's request: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        percentile(&from_request, 0.50),
        percentile(&from_request, 0.99),
        from_request.last().copied().unwrap_or(f64::NAN)
    );
    println!(
        "event delay after the order's 201 (0 when the event came first): p50 {:.1} ms, p99 {:.1} ms",
        percentile(&from_answer, 0.50),
        percentile(&from_answer, 0.99)
    );
    println!(
        "targets: RSS < 150 MiB ({}), p99 <= 200 ms ({})",
        if (loaded_rss as f64 / 1024.0) < 150.0 { "met" } else { "NOT met" },
        if percentile(&from_request, 0.99) <= 200.0 { "met" } else { "NOT met" }
    );
}
