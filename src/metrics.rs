//! Prometheus metrics (`/metrics`, text format, names `oc_pizza_*`): what this process
//! counts itself (HTTP requests by route template and status, their latency, the process),
//! and what every instance shares, read from the database at each scrape (orders by status
//! and channel, the notification outbox, stock alerts, the last successful backup, the
//! pool).

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry, TextEncoder,
};

use crate::db::DbPool;
use crate::store::gauges;
use crate::Result;

pub struct Metrics {
    registry: Registry,
    http_requests: IntCounterVec,
    http_duration: HistogramVec,
    orders: IntGaugeVec,
    notifications: IntGaugeVec,
    stock_alerts: IntGaugeVec,
    last_backup: IntGauge,
    pool: IntGaugeVec,
    event_streams: IntGauge,
}

/// Requests turned away by a security limit (a locked login, too many password checks at
/// once, an order limit), by reason: counted where they happen, exposed by every registry.
pub fn security_refusals() -> &'static IntCounterVec {
    static COUNTER: std::sync::OnceLock<IntCounterVec> = std::sync::OnceLock::new();
    COUNTER.get_or_init(|| {
        IntCounterVec::new(
            Opts::new(
                "oc_pizza_security_refusals_total",
                "Requests refused by a security limit since start, by reason (login_locked, hashing_busy, …).",
            ),
            &["reason"],
        )
        .expect("a valid metric definition")
    })
}

/// One more refusal for `reason` (a constant: the label set stays small).
pub fn count_refusal(reason: &'static str) {
    security_refusals().with_label_values(&[reason]).inc();
}

fn build<T: prometheus::core::Collector + Clone + 'static>(registry: &Registry, metric: prometheus::Result<T>) -> T {
    // Names and labels are constants of this file: a failure is a programming error that
    // the first test run shows.
    let metric = metric.expect("a valid metric definition");
    registry.register(Box::new(metric.clone())).expect("a metric registered once");
    metric
}

impl Metrics {
    pub fn new() -> Metrics {
        let registry = Registry::new();
        #[cfg(target_os = "linux")]
        registry
            .register(Box::new(prometheus::process_collector::ProcessCollector::new(
                std::process::id() as i32,
                "oc_pizza",
            )))
            .expect("the process collector registered once");
        let http_requests = build(
            &registry,
            IntCounterVec::new(
                Opts::new(
                    "oc_pizza_http_requests_total",
                    "HTTP requests answered, by method, route template and status.",
                ),
                &["method", "route", "status"],
            ),
        );
        let http_duration = build(
            &registry,
            HistogramVec::new(
                HistogramOpts::new(
                    "oc_pizza_http_request_duration_seconds",
                    "Time to answer an HTTP request (headers).",
                )
                .buckets(vec![0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0]),
                &["method", "route"],
            ),
        );
        let orders = build(
            &registry,
            IntGaugeVec::new(
                Opts::new("oc_pizza_orders", "Orders in the database, by status and channel."),
                &["status", "channel"],
            ),
        );
        let notifications = build(
            &registry,
            IntGaugeVec::new(
                Opts::new(
                    "oc_pizza_notifications",
                    "Messages of the notification outbox, by status (pending, sent, failed).",
                ),
                &["status"],
            ),
        );
        let stock_alerts = build(
            &registry,
            IntGaugeVec::new(
                Opts::new("oc_pizza_stock_alerts", "Ingredients in alert, by level (low, out)."),
                &["level"],
            ),
        );
        let last_backup = build(
            &registry,
            IntGauge::with_opts(Opts::new(
                "oc_pizza_backup_last_success_timestamp_seconds",
                "When the last backup succeeded (Unix time; 0: never).",
            )),
        );
        let pool = build(
            &registry,
            IntGaugeVec::new(
                Opts::new("oc_pizza_db_pool_connections", "Database pool connections, by state (open, in_use)."),
                &["state"],
            ),
        );
        let event_streams = build(
            &registry,
            IntGauge::with_opts(Opts::new(
                "oc_pizza_event_streams",
                "Live event streams open on this instance (screens, order pages, API clients), both ports.",
            )),
        );
        registry.register(Box::new(security_refusals().clone())).expect("the refusal counter registered once");
        Metrics {
            registry,
            http_requests,
            http_duration,
            orders,
            notifications,
            stock_alerts,
            last_backup,
            pool,
            event_streams,
        }
    }

    /// One answered request: `route` is the template (`/pizzerias/<slug>/menu`), never the
    /// path, so that the number of series stays bounded.
    pub fn observe_request(&self, method: &str, route: &str, status: u16, seconds: f64) {
        self.http_requests.with_label_values(&[method, route, &status.to_string()]).inc();
        self.http_duration.with_label_values(&[method, route]).observe(seconds);
    }

    /// The text exposition, with the shared gauges read now.
    pub async fn render(&self, db: &DbPool) -> Result<String> {
        let read = gauges::read(db).await?;
        self.orders.reset();
        for (status, channel, count) in &read.orders {
            self.orders.with_label_values(&[status, channel]).set(*count);
        }
        self.notifications.reset();
        for status in ["pending", "sent", "failed"] {
            let count = read.notifications.iter().find(|(s, _)| s == status).map_or(0, |(_, c)| *c);
            self.notifications.with_label_values(&[status]).set(count);
        }
        self.stock_alerts.reset();
        for level in ["low", "out"] {
            let count = read.stock_alerts.iter().find(|(l, _)| l == level).map_or(0, |(_, c)| *c);
            self.stock_alerts.with_label_values(&[level]).set(count);
        }
        self.last_backup.set(read.last_backup_success.unwrap_or(0));
        let (open, idle) = db.pool_usage();
        self.pool.with_label_values(&["open"]).set(i64::from(open));
        self.pool.with_label_values(&["in_use"]).set(i64::from(open) - idle as i64);
        self.event_streams.set(crate::live::open_streams());
        let mut text = Vec::new();
        TextEncoder::new()
            .encode(&self.registry.gather(), &mut text)
            .map_err(|e| crate::Error::Integrity(format!("metrics encoding: {e}")))?;
        Ok(String::from_utf8_lossy(&text).into_owned())
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}
