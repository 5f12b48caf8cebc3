//! What the dashboard reads: a pizzeria's orders of the day (and those still open), with
//! their preparation and delivery times from the journal; the day's lines; the orders of a
//! period for the CSV export.

use sqlx::FromRow;

use crate::db::DbPool;
use crate::domain::dashboard::DayOrder;
use crate::domain::orders::{Mode, PaymentMethod, PaymentStatus, Status};
use crate::{db_run, Result};

#[derive(FromRow)]
struct DayRow {
    status: String,
    channel: String,
    mode: String,
    total_ht_cents: i64,
    total_ttc_cents: i64,
    created_at: i64,
    requested_for: Option<i64>,
    promised_for: Option<i64>,
    ready_at: Option<i64>,
    left_at: Option<i64>,
    delivered_at: Option<i64>,
}

/// The day's orders of the pizzeria (placed since `since`) and its orders still open. Two
/// index lookups (`orders_pizzeria_created`, `orders_pizzeria_status`) rather than one `OR`
/// that would read every order the pizzeria ever had.
pub async fn day_orders(db: &DbPool, pizzeria_id: i64, since: i64, lead_seconds: i64) -> Result<Vec<DayOrder>> {
    let rows: Vec<DayRow> = db_run!(db, |pool| {
        sqlx::query_as(
            "SELECT o.status, o.channel, o.mode, o.total_ht_cents, o.total_ttc_cents, o.created_at, o.requested_for,
                    o.promised_for, (SELECT MIN(t.created_at) FROM order_transitions t WHERE t.order_id = o.id AND t.to_status = 'ready')
                        AS ready_at,
                    (SELECT MIN(t.created_at) FROM order_transitions t
                        WHERE t.order_id = o.id AND t.to_status = 'out_for_delivery') AS left_at,
                    (SELECT MIN(t.created_at) FROM order_transitions t WHERE t.order_id = o.id AND t.to_status = 'delivered')
                        AS delivered_at
             FROM orders o
             WHERE o.id IN (SELECT id FROM orders WHERE pizzeria_id = $1 AND created_at >= $2
                            UNION
                            SELECT id FROM orders WHERE pizzeria_id = $1
                                AND status IN ('placed', 'preparing', 'ready', 'out_for_delivery'))",
        )
        .bind(pizzeria_id)
        .bind(since)
        .fetch_all(pool)
        .await?
    });
    Ok(rows
        .into_iter()
        .map(|r| DayOrder {
            done_at: match Mode::parse(&r.mode) {
                Some(Mode::Delivery) => r.delivered_at,
                _ => r.ready_at,
            },
            status: Status::parse(&r.status).unwrap_or(Status::Placed),
            channel: r.channel,
            mode: r.mode,
            ht_cents: r.total_ht_cents,
            ttc_cents: r.total_ttc_cents,
            created_at: r.created_at,
            due_at: r.promised_for.or(r.requested_for).unwrap_or(r.created_at + lead_seconds),
            promised_for: r.promised_for,
            preparation_seconds: r.ready_at.map(|t| t - r.created_at),
            delivery_seconds: r.left_at.zip(r.delivered_at).map(|(left, delivered)| delivered - left),
        })
        .collect())
}

/// The lines of the pizzeria's orders placed since `since`, cancelled ones left out.
pub async fn day_lines(db: &DbPool, pizzeria_id: i64, since: i64) -> Result<Vec<(String, i64)>> {
    let lines = db_run!(db, |pool| {
        sqlx::query_as(
            "SELECT l.pizza_name, l.quantity FROM order_lines l JOIN orders o ON o.id = l.order_id
             WHERE o.pizzeria_id = $1 AND o.created_at >= $2 AND o.status <> 'cancelled'",
        )
        .bind(pizzeria_id)
        .bind(since)
        .fetch_all(pool)
        .await?
    });
    Ok(lines)
}

/// An order of the CSV export.
#[derive(Debug, Clone, FromRow)]
pub struct ExportRow {
    pub reference: String,
    pub created_at: i64,
    pub channel: String,
    pub mode: String,
    pub status: String,
    #[sqlx(try_from = "String")]
    pub payment_method: PaymentMethod,
    #[sqlx(try_from = "String")]
    pub payment_status: PaymentStatus,
    pub total_ht_cents: i64,
    pub total_vat_cents: i64,
    pub total_ttc_cents: i64,
    /// "2 × Margherita, 1 × Reine"
    pub lines: String,
    pub promised_for: Option<i64>,
    /// Ready (takeaway) or delivered: when the promise was met or missed.
    pub done_at: Option<i64>,
}

/// An exported line: its order's reference, quantity, pizza and composition (JSON).
type ExportLine = (String, i64, String, Option<String>);

/// The pizzeria's orders placed in [from, until), oldest first. A customised line reads
/// as its composition ("1 × Grande (40 cm) — Reine SANS Champignons de Paris").
pub async fn export(db: &DbPool, pizzeria_id: i64, from: i64, until: i64) -> Result<Vec<ExportRow>> {
    let (mut rows, lines): (Vec<ExportRow>, Vec<ExportLine>) = db_run!(db, |pool| {
        let rows = sqlx::query_as(
            "SELECT o.reference, o.created_at, o.channel, o.mode, o.status, o.payment_method, o.payment_status,
                    o.total_ht_cents, o.total_vat_cents, o.total_ttc_cents, '' AS lines, o.promised_for,
                    (SELECT MIN(t.created_at) FROM order_transitions t WHERE t.order_id = o.id
                        AND t.to_status = CASE WHEN o.mode = 'delivery' THEN 'delivered' ELSE 'ready' END) AS done_at
             FROM orders o WHERE o.pizzeria_id = $1 AND o.created_at >= $2 AND o.created_at < $3
             ORDER BY o.created_at, o.id",
        )
        .bind(pizzeria_id)
        .bind(from)
        .bind(until)
        .fetch_all(pool)
        .await?;
        let lines = sqlx::query_as(
            "SELECT o.reference, l.quantity, l.pizza_name, l.composition FROM order_lines l
             JOIN orders o ON o.id = l.order_id
             WHERE o.pizzeria_id = $1 AND o.created_at >= $2 AND o.created_at < $3 ORDER BY l.id",
        )
        .bind(pizzeria_id)
        .bind(from)
        .bind(until)
        .fetch_all(pool)
        .await?;
        (rows, lines)
    });
    let mut by_order: std::collections::HashMap<String, Vec<String>> = std::collections::HashMap::new();
    for (reference, quantity, name, composition) in lines {
        let what = crate::store::orders::summary_of(composition.as_deref()).unwrap_or(name);
        by_order.entry(reference).or_default().push(format!("{quantity} × {what}"));
    }
    for row in &mut rows {
        row.lines = by_order.remove(&row.reference).unwrap_or_default().join(", ");
    }
    Ok(rows)
}
