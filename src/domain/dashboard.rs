//! The managers' dashboard: figures of one day computed from the day's orders and their
//! journal (no kept counters: the journal is the truth, and a day of a pizzeria is a few
//! hundred rows).

use std::collections::BTreeMap;

use chrono::{DateTime, Timelike, Utc};
use chrono_tz::Europe::Paris;

use super::capacity::{Capacity, QUARTER};
use super::orders::Status;

/// An order of the day, as the dashboard needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayOrder {
    pub status: Status,
    pub channel: String,
    pub mode: String,
    pub ht_cents: i64,
    pub ttc_cents: i64,
    pub created_at: i64,
    /// When it is wanted (the slot, or placed + the preparation lead).
    pub due_at: i64,
    /// placed → ready, in seconds, once it is ready.
    pub preparation_seconds: Option<i64>,
    /// out_for_delivery → delivered, in seconds, once it is delivered.
    pub delivery_seconds: Option<i64>,
    /// The end of the window promised when it was taken (`None` before capacity was counted).
    pub promised_for: Option<i64>,
    /// When the promise was met or missed: ready (takeaway) or delivered.
    pub done_at: Option<i64>,
}

/// How the day's promises were kept: of the orders done (ready to take away, or delivered)
/// that had a promise, those done by the end of their window (early counts as on time), and
/// the average gap between what happened and the promise (minutes; positive: late).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Punctuality {
    pub judged: i64,
    pub on_time: i64,
    pub average_error_minutes: Option<f64>,
}

impl Punctuality {
    /// "92 %", or a dash before any promise was judged.
    pub fn share(&self) -> String {
        match self.judged {
            0 => "—".into(),
            judged => format!("{} %", (self.on_time as f64 * 100.0 / judged as f64).round() as i64),
        }
    }

    /// "+4 min", "−2 min", or a dash.
    pub fn average_error(&self) -> String {
        match self.average_error_minutes.map(|m| m.round() as i64) {
            None => "—".into(),
            Some(m) if m > 0 => format!("+{m} min"),
            Some(m) if m < 0 => format!("−{} min", -m),
            Some(_) => "0 min".into(),
        }
    }
}

/// The punctuality of the orders placed since `since`.
pub fn punctuality(orders: &[DayOrder], since: i64) -> Punctuality {
    let gaps: Vec<i64> = orders
        .iter()
        .filter(|o| o.created_at >= since && o.status != Status::Cancelled)
        .filter_map(|o| Some(o.done_at? - o.promised_for?))
        .collect();
    Punctuality {
        judged: gaps.len() as i64,
        on_time: gaps.iter().filter(|gap| **gap <= 0).count() as i64,
        average_error_minutes: average_minutes(gaps.iter().copied()),
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Figures {
    /// Open orders by status, in the order of the workflow.
    pub by_status: Vec<(Status, i64)>,
    /// Open orders whose time has passed.
    pub late: i64,
    /// Not cancelled.
    pub orders: i64,
    pub revenue_ttc_cents: i64,
    pub revenue_ht_cents: i64,
    pub by_channel: BTreeMap<String, i64>,
    pub by_mode: BTreeMap<String, i64>,
    pub average_preparation_minutes: Option<f64>,
    pub average_delivery_minutes: Option<f64>,
    /// Orders placed in each hour of the day (Europe/Paris), 0 to 23.
    pub per_hour: [i64; 24],
    pub punctuality: Punctuality,
}

fn average_minutes(values: impl Iterator<Item = i64>) -> Option<f64> {
    let (sum, count) = values.fold((0i64, 0i64), |(s, c), v| (s + v, c + 1));
    (count > 0).then(|| sum as f64 / count as f64 / 60.0)
}

/// The figures of the day that started at `since`. `orders` holds the day's orders and the
/// orders still open from before (they count on the status board and as late, not as the
/// day's sales). Cancelled orders are not sales.
pub fn figures(orders: &[DayOrder], since: i64, now: i64) -> Figures {
    let kept: Vec<&DayOrder> =
        orders.iter().filter(|o| o.status != Status::Cancelled && o.created_at >= since).collect();
    let mut figures = Figures {
        orders: kept.len() as i64,
        revenue_ttc_cents: kept.iter().map(|o| o.ttc_cents).sum(),
        revenue_ht_cents: kept.iter().map(|o| o.ht_cents).sum(),
        late: orders.iter().filter(|o| o.status.is_open() && o.due_at < now).count() as i64,
        average_preparation_minutes: average_minutes(kept.iter().filter_map(|o| o.preparation_seconds)),
        average_delivery_minutes: average_minutes(kept.iter().filter_map(|o| o.delivery_seconds)),
        punctuality: punctuality(orders, since),
        ..Default::default()
    };
    for status in [Status::Placed, Status::Preparing, Status::Ready, Status::OutForDelivery] {
        figures.by_status.push((status, orders.iter().filter(|o| o.status == status).count() as i64));
    }
    for order in &kept {
        *figures.by_channel.entry(order.channel.clone()).or_default() += 1;
        *figures.by_mode.entry(order.mode.clone()).or_default() += 1;
        if let Some(placed) = DateTime::<Utc>::from_timestamp(order.created_at, 0) {
            figures.per_hour[placed.with_timezone(&Paris).hour() as usize] += 1;
        }
    }
    figures
}

/// The day's oven: each quarter-hour from the first booked to the last (a day at most), as
/// (quarter-hour's start, pizzas booked, pizzas the oven bakes then).
pub fn oven_load(capacity: &Capacity, booked: &BTreeMap<i64, i64>) -> Vec<(i64, i64, i64)> {
    let (Some(first), Some(last)) = (booked.keys().next().copied(), booked.keys().next_back().copied()) else {
        return Vec::new();
    };
    (0..=((last - first) / QUARTER).min(95))
        .map(|k| first + k * QUARTER)
        .map(|quarter| (quarter, booked.get(&quarter).copied().unwrap_or(0), capacity.oven_at(quarter)))
        .collect()
}

/// The best sellers: (pizza, quantity), most sold first, ties by name, at most `top`.
pub fn best_sellers(lines: &[(String, i64)], top: usize) -> Vec<(String, i64)> {
    let mut totals: BTreeMap<&str, i64> = BTreeMap::new();
    for (pizza, quantity) in lines {
        *totals.entry(pizza).or_default() += quantity;
    }
    let mut sorted: Vec<(String, i64)> = totals.into_iter().map(|(p, q)| (p.to_string(), q)).collect();
    sorted.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    sorted.truncate(top);
    sorted
}

/// Midnight (Europe/Paris) of the day `now` falls in, as UTC epoch seconds.
pub fn start_of_day(now: i64) -> i64 {
    let local = DateTime::<Utc>::from_timestamp(now, 0).unwrap_or_default().with_timezone(&Paris);
    local
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .and_then(|midnight| midnight.and_local_timezone(Paris).earliest())
        .map(|t| t.timestamp())
        .unwrap_or(now - now.rem_euclid(86_400))
}

/// Midnight (Europe/Paris) starting the day typed `2026-11-25`, as UTC epoch seconds.
pub fn day_start(value: Option<&str>) -> Option<i64> {
    let date = chrono::NaiveDate::parse_from_str(value?.trim(), "%Y-%m-%d").ok()?;
    date.and_hms_opt(0, 0, 0)?.and_local_timezone(Paris).earliest().map(|t| t.timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(status: Status, channel: &str, mode: &str, ttc: i64, created_at: i64) -> DayOrder {
        DayOrder {
            status,
            channel: channel.into(),
            mode: mode.into(),
            ht_cents: ttc * 10 / 11,
            ttc_cents: ttc,
            created_at,
            due_at: created_at + 1800,
            preparation_seconds: None,
            delivery_seconds: None,
            promised_for: None,
            done_at: None,
        }
    }

    #[test]
    fn punctuality_counts_promises_kept_and_the_average_gap() {
        let day = 1_795_713_000;
        let done = |promised: i64, done: Option<i64>| DayOrder {
            promised_for: Some(day + promised),
            done_at: done.map(|d| day + d),
            ..order(Status::Ready, "web", "takeaway", 1000, day)
        };
        let orders = vec![
            done(3600, Some(3000)),                                          // 10 min early: kept
            done(3600, Some(3600)),                                          // on the minute: kept
            done(3600, Some(4500)),                                          // 15 min late
            done(3600, None),                                                // not done yet: not judged
            DayOrder { promised_for: None, ..done(0, Some(0)) },             // no promise
            DayOrder { created_at: day - 86_400, ..done(3600, Some(9000)) }, // another day
        ];
        let p = punctuality(&orders, day - 60);
        assert_eq!((p.judged, p.on_time), (3, 2));
        assert_eq!(p.average_error_minutes, Some(5.0 / 3.0));
        assert_eq!((p.share(), p.average_error()), ("67 %".to_string(), "+2 min".to_string()));
        assert_eq!(Punctuality::default().share(), "—");
    }

    #[test]
    fn figures_of_a_day() {
        // 2026-11-26 18:10 and 19:40 in Paris (UTC+1).
        let (six, seven) = (1_795_713_000, 1_795_718_400);
        let mut ready = order(Status::Ready, "phone", "takeaway", 1150, seven);
        ready.preparation_seconds = Some(600);
        let mut delivered = order(Status::Delivered, "web", "delivery", 2300, six);
        delivered.preparation_seconds = Some(1200);
        delivered.delivery_seconds = Some(900);
        let orders = vec![
            order(Status::Placed, "web", "delivery", 950, seven),
            ready,
            delivered,
            order(Status::Cancelled, "web", "takeaway", 5000, six),
        ];
        let mut yesterday = order(Status::Preparing, "counter", "takeaway", 9900, six - 86_400);
        yesterday.due_at = six - 80_000;
        let mut orders = orders;
        orders.push(yesterday);
        let f = figures(&orders, six - 3600, seven + 3600);
        assert_eq!(f.orders, 3, "cancelled orders are not sales");
        assert_eq!(f.revenue_ttc_cents, 950 + 1150 + 2300);
        assert_eq!(f.by_channel.get("web"), Some(&2));
        assert_eq!(f.by_mode.get("takeaway"), Some(&1));
        assert_eq!(f.by_status[0], (Status::Placed, 1));
        assert_eq!(f.late, 3, "placed, ready, and yesterday's still in the oven");
        assert_eq!(f.by_status[1], (Status::Preparing, 1), "yesterday's open order is on the board");
        assert!(!f.by_channel.contains_key("counter"), "…but not in today's sales");
        assert_eq!(f.average_preparation_minutes, Some(15.0));
        assert_eq!(f.average_delivery_minutes, Some(15.0));
        assert_eq!((f.per_hour[18], f.per_hour[19]), (1, 2));
    }

    #[test]
    fn the_oven_load_spans_the_booked_quarter_hours() {
        let capacity = Capacity { oven_per_quarter: 12, ..Capacity::default() };
        let booked: BTreeMap<i64, i64> = [(900 * 100, 4), (900 * 102, 13)].into();
        assert_eq!(
            oven_load(&capacity, &booked),
            vec![(90_000, 4, 12), (90_900, 0, 12), (91_800, 13, 12)],
            "the empty quarter-hour between them is shown"
        );
        assert!(oven_load(&capacity, &BTreeMap::new()).is_empty());
    }

    #[test]
    fn best_sellers_are_ranked() {
        let lines = vec![("Reine".into(), 2), ("Margherita".into(), 1), ("Margherita".into(), 3), ("Bufala".into(), 2)];
        assert_eq!(best_sellers(&lines, 2), vec![("Margherita".into(), 4), ("Bufala".into(), 2)]);
    }

    #[test]
    fn days_start_at_midnight_in_paris() {
        // 2026-03-29 (the spring DST day) 12:00 UTC → midnight Paris was 23:00 UTC the day before.
        assert_eq!(start_of_day(1_774_785_600), 1_774_738_800);
        // 2026-11-26 23:30 UTC is already the 27th in Paris.
        assert_eq!(start_of_day(1_795_735_800), 1_795_734_000);
        assert_eq!(day_start(Some("2026-03-29")), Some(1_774_738_800));
        assert_eq!(day_start(Some("hier")), None);
    }
}
