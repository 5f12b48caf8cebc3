//! Payments as the provider reports them: each webhook event handled once (its id is kept),
//! and the payment row and its order moved in the same transaction.

use crate::db::{BeginWrite, DbPool};
use crate::{db_run, Result};

/// What an event did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventOutcome {
    /// Seen before: nothing changed.
    Replayed,
    /// Recorded; the order it paid (or failed), if the intent is one of ours.
    Applied { order_id: Option<i64> },
}

/// Records the event and applies it: `payment_intent.succeeded` marks the pending payment
/// succeeded and its order paid; `payment_intent.payment_failed` marks the payment failed.
/// Other types are only recorded.
pub async fn apply_event(db: &DbPool, event_id: &str, kind: &str, intent: Option<&str>) -> Result<EventOutcome> {
    let now = crate::unix_now();
    db_run!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        let inserted = sqlx::query(
            "INSERT INTO payment_events (event_id, type, payment_intent, received_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (event_id) DO NOTHING",
        )
        .bind(event_id)
        .bind(kind)
        .bind(intent)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted == 0 {
            tx.rollback().await?;
            return Ok(EventOutcome::Replayed);
        }
        let new_status = match kind {
            "payment_intent.succeeded" => Some("succeeded"),
            "payment_intent.payment_failed" => Some("failed"),
            _ => None,
        };
        let mut order_id = None;
        if let (Some(status), Some(intent)) = (new_status, intent) {
            order_id = sqlx::query_scalar(
                "UPDATE payments SET status = $1, updated_at = $2
                 WHERE provider = 'stripe' AND provider_ref = $3 AND status = 'pending' RETURNING order_id",
            )
            .bind(status)
            .bind(now)
            .bind(intent)
            .fetch_optional(&mut *tx)
            .await?;
            if let (Some(order), "succeeded") = (order_id, status) {
                sqlx::query(
                    "UPDATE orders SET payment_status = 'paid', updated_at = $2
                     WHERE id = $1 AND payment_method = 'online' AND payment_status = 'unpaid'",
                )
                .bind(order)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        Ok(EventOutcome::Applied { order_id })
    })
}
