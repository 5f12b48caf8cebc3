//! Soak: mixed traffic for a while — menu pages, orders, the kitchen and counter moving
//! every order to `collected`, kitchen screens holding event streams — while the server's
//! RSS is sampled every 10 s. Prints the curve and the growth after warm-up. Not a test:
//! figures are printed, never asserted. Run through `benches/soak.sh`, which starts the
//! server.
//!
//! Arguments: BASE_URL SERVER_PID EMAIL PASSWORD PIZZERIA [SECONDS=600] [ORDERS_PER_S=20]
//! [MENUS_PER_S=200] [SCREENS=200]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use support::{rss_kib, sign_in};

mod support;

/// One sample every 10 s; the first minute is warm-up (caches, pools, allocator arenas).
const SAMPLE_EVERY: Duration = Duration::from_secs(10);
const WARM_UP: Duration = Duration::from_secs(60);

/// Latencies (ms) and failures of one kind of request.
#[derive(Default)]
struct Tally {
    latencies: Mutex<Vec<f64>>,
    failures: AtomicU64,
}

impl Tally {
    fn record(&self, started: Instant, ok: bool) {
        if ok {
            if let Ok(mut latencies) = self.latencies.lock() {
                latencies.push(started.elapsed().as_secs_f64() * 1000.0);
            }
        } else {
            self.failures.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn summary(&self, name: &str) -> String {
        let mut latencies = self.latencies.lock().map(|l| l.clone()).unwrap_or_default();
        latencies.sort_by(f64::total_cmp);
        let at =
            |p: f64| latencies.get(((latencies.len().max(1) - 1) as f64 * p) as usize).copied().unwrap_or(f64::NAN);
        format!(
            "{name}: {} ok, {} failed, p50 {:.1} ms, p99 {:.1} ms",
            latencies.len(),
            self.failures.load(Ordering::Relaxed),
            at(0.5),
            at(0.99)
        )
    }
}

#[derive(Default)]
struct Tallies {
    menus: Tally,
    orders: Tally,
    moves: Tally,
    events: AtomicU64,
}

/// Runs `task` `per_second` times a second (spread evenly) until `deadline`, never more
/// than `in_flight` at once (a slow server makes the load generator wait, not pile up).
async fn at_rate<F, Fut>(per_second: u64, deadline: Instant, in_flight: usize, task: F)
where
    F: Fn(u64) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    if per_second == 0 {
        return;
    }
    let permits = Arc::new(tokio::sync::Semaphore::new(in_flight));
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / per_second as f64));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut n = 0;
    while Instant::now() < deadline {
        tick.tick().await;
        let Ok(permit) = permits.clone().acquire_owned().await else { return };
        let work = task(n);
        tokio::spawn(async move {
            work.await;
            drop(permit);
        });
        n += 1;
    }
}

/// Walks one takeaway order to `collected` as the kitchen and the counter would: preparing,
/// ready, then handed over with its payment.
async fn move_along(
    client: reqwest::Client,
    base: String,
    staff: Arc<(String, String)>,
    order: Value,
    tallies: Arc<Tallies>,
) {
    let reference = order["reference"].as_str().unwrap_or_default().to_string();
    let total = order["totals"]["ttc_cents"].as_i64().unwrap_or_default();
    let mut version = order["version"].as_i64().unwrap_or_default();
    for to in ["preparing", "ready", "collected"] {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let mut body = json!({ "to": to, "version": version });
        if to == "collected" {
            body["payment"] = json!({ "method": "card", "amount_cents": total });
        }
        let started = Instant::now();
        let reply = client
            .post(format!("{base}/api/v1/orders/{reference}/transitions"))
            .header("Cookie", &staff.0)
            .header("X-CSRF-Token", &staff.1)
            .json(&body)
            .send()
            .await;
        let moved = match reply {
            Ok(reply) if reply.status() == 200 => reply.json::<Value>().await.ok(),
            Ok(reply) => {
                eprintln!("move to {to} refused: {} {}", reply.status(), reply.text().await.unwrap_or_default());
                None
            }
            Err(_) => None,
        };
        tallies.moves.record(started, moved.is_some());
        let Some(moved) = moved else { return };
        version = moved["version"].as_i64().unwrap_or(version + 1);
    }
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    let [base, pid, email, password, pizzeria, ..] = args.as_slice() else {
        eprintln!(
            "usage: soak BASE_URL SERVER_PID EMAIL PASSWORD PIZZERIA [SECONDS] [ORDERS_PER_S] [MENUS_PER_S] [SCREENS]"
        );
        std::process::exit(2);
    };
    let number = |i: usize, default: u64| args.get(i).and_then(|s| s.parse().ok()).unwrap_or(default);
    let pid: u32 = pid.parse().expect("server pid");
    let seconds = number(5, 600);
    let orders_per_s = number(6, 20);
    let menus_per_s = number(7, 200);
    let screens = number(8, 200) as usize;
    let client = oc_pizza::tls::http_client()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(screens + 256)
        .build()
        .expect("client");
    let staff = Arc::new(sign_in(&client, base, email, password).await);
    let tallies = Arc::new(Tallies::default());
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    println!(
        "soak: {seconds} s on {base}: {menus_per_s} menu pages/s, {orders_per_s} orders/s at {pizzeria} \
         (each moved to collected), {screens} kitchen screens"
    );

    let streams = Arc::new(AtomicU64::new(0));
    for _ in 0..screens {
        let (client, url, cookie) = (client.clone(), format!("{base}/kitchen/events"), staff.0.clone());
        let (tallies, streams) = (tallies.clone(), streams.clone());
        tokio::spawn(async move {
            let Ok(mut response) = client.get(url).header("Cookie", cookie).send().await else { return };
            if response.status() == 200 {
                streams.fetch_add(1, Ordering::Relaxed);
            }
            // Rocket writes an event's lines in separate chunks: count the blank lines that end
            // events across chunk boundaries.
            let mut last = 0u8;
            while let Ok(Some(chunk)) = response.chunk().await {
                let mut ended = 0;
                for &byte in chunk.iter() {
                    if byte == b'\n' && last == b'\n' {
                        ended += 1;
                    }
                    last = byte;
                }
                tallies.events.fetch_add(ended, Ordering::Relaxed);
            }
        });
    }

    let sampler = {
        let (tallies, streams) = (tallies.clone(), streams.clone());
        tokio::spawn(async move {
            let mut samples = Vec::new();
            let mut tick = tokio::time::interval(SAMPLE_EVERY);
            while Instant::now() <= deadline + Duration::from_millis(500) {
                tick.tick().await;
                let rss = rss_kib(pid);
                let at = started.elapsed().as_secs();
                let done = |t: &Tally| t.latencies.lock().map(|l| l.len()).unwrap_or(0);
                println!(
                    "t={at:>4} s  RSS {:>6.1} MiB  menus {:>7}  orders {:>6}  moves {:>6}  streams {:>4}  events {:>8}",
                    rss as f64 / 1024.0,
                    done(&tallies.menus),
                    done(&tallies.orders),
                    done(&tallies.moves),
                    streams.load(Ordering::Relaxed),
                    tallies.events.load(Ordering::Relaxed)
                );
                samples.push((at, rss));
            }
            samples
        })
    };

    let slugs = ["paris-bastille", "paris-vaugirard", "boulogne", "montreuil", "vincennes"];
    let menus = {
        let (client, base, tallies) = (client.clone(), base.clone(), tallies.clone());
        at_rate(menus_per_s, deadline, 64, move |n| {
            let (client, tallies) = (client.clone(), tallies.clone());
            let url = format!("{base}/pizzerias/{}/menu", slugs[n as usize % slugs.len()]);
            async move {
                let started = Instant::now();
                let ok = match client.get(url).send().await {
                    Ok(reply) => reply.status() == 200 && reply.bytes().await.is_ok(),
                    Err(_) => false,
                };
                tallies.menus.record(started, ok);
            }
        })
    };
    let when = {
        let tomorrow =
            chrono::Utc::now().with_timezone(&chrono_tz::Europe::Paris).date_naive() + chrono::Duration::days(1);
        format!("{}T20:00", tomorrow.format("%Y-%m-%d"))
    };
    let orders = {
        let (client, base, tallies, staff, pizzeria) =
            (client.clone(), base.clone(), tallies.clone(), staff.clone(), pizzeria.clone());
        at_rate(orders_per_s, deadline, 64, move |n| {
            let (client, base, tallies, staff) = (client.clone(), base.clone(), tallies.clone(), staff.clone());
            let body = json!({
                "pizzeria": pizzeria, "mode": "takeaway", "when": when, "payment": "cash",
                "lines": [{ "pizza": if n % 2 == 0 { "margherita" } else { "reine" }, "quantity": 1 + n % 3 }],
                "contact": { "name": "Banc d'endurance", "email": "soak@exemple.fr", "phone": "06 11 22 33 44" },
            });
            async move {
                let started = Instant::now();
                let placed = match client.post(format!("{base}/api/v1/orders")).json(&body).send().await {
                    Ok(reply) if reply.status() == 201 => reply.json::<Value>().await.ok(),
                    Ok(reply) => {
                        eprintln!("order refused: {} {}", reply.status(), reply.text().await.unwrap_or_default());
                        None
                    }
                    Err(_) => None,
                };
                tallies.orders.record(started, placed.is_some());
                if let Some(order) = placed {
                    move_along(client, base, staff, order, tallies).await;
                }
            }
        })
    };
    tokio::join!(menus, orders);
    let samples = sampler.await.unwrap_or_default();
    tokio::time::sleep(Duration::from_secs(2)).await;

    println!("{}", tallies.menus.summary("menu pages"));
    println!("{}", tallies.orders.summary("orders"));
    println!("{}", tallies.moves.summary("kitchen and counter moves"));
    println!(
        "events received by {} screens: {}",
        streams.load(Ordering::Relaxed),
        tallies.events.load(Ordering::Relaxed)
    );
    let warm = samples.iter().find(|(at, _)| *at >= WARM_UP.as_secs()).map(|s| s.1);
    let after: Vec<u64> = samples.iter().filter(|(at, _)| *at >= WARM_UP.as_secs()).map(|s| s.1).collect();
    match (warm, after.last(), after.iter().max()) {
        (Some(warm), Some(last), Some(max)) => {
            let growth = (*last as f64 - warm as f64) / warm as f64 * 100.0;
            println!(
                "RSS after warm-up ({} s): {:.1} MiB; at the end: {:.1} MiB ({growth:+.1} %); highest: {:.1} MiB",
                WARM_UP.as_secs(),
                warm as f64 / 1024.0,
                *last as f64 / 1024.0,
                *max as f64 / 1024.0
            );
        }
        _ => println!("too short for a warm-up ({} s): no growth figure", WARM_UP.as_secs()),
    }
    // A one-off step (a thread's first allocations, a pool reaching its size) is not a leak;
    // a leak keeps growing: the second half of the run says which.
    let half = samples.get(samples.len() / 2).map(|s| s.1);
    if let (Some(half), Some(last)) = (half, samples.last().map(|s| s.1)) {
        println!(
            "RSS over the second half: {:.1} -> {:.1} MiB ({:+.1} %)",
            half as f64 / 1024.0,
            last as f64 / 1024.0,
            (last as f64 - half as f64) / half as f64 * 100.0
        );
    }
}
