//! Payments as the provider reports them: each webhook event handled once (its id is kept),
//! and the payment row and its order moved in the same transaction; the online orders whose
//! payment is overdue; the refunds owed, claimed by one worker at a time and retried.
//!
//! A `payments` row is one PaymentIntent: `pending` (created, not paid), `succeeded`,
//! `failed` (refused, or given up when its order expired; a later success still counts),
//! `refunded`. Its `refund_status` follows the refund owed when a paid order is cancelled.

use crate::db::{BeginWrite, DbPool};
use crate::live::{Announce, Event};
use crate::store::payment_rules::PaymentRule;
use crate::{db_run, Result};

/// What an event or a check with the provider did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventOutcome {
    /// Seen before: nothing changed.
    Replayed,
    /// Recorded; the order it paid (or failed), if the intent is one of ours.
    Applied { order_id: Option<i64> },
}

/// What a confirmed payment did to its order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settled {
    /// Not one of ours, or already counted: nothing changed.
    Nothing,
    /// The order is paid: the kitchen sees it now.
    Paid(i64),
    /// The order was cancelled before the payment came: it is refunded.
    Refund(i64),
}

/// Marks the intent's payment succeeded and its order paid, in the caller's transaction (the
/// `paid` event, to publish after the commit, goes into `$event`); a second confirmation of
/// the same intent changes nothing, the row being no longer pending or failed.
macro_rules! settle {
    ($tx:expr, $pool:expr, $intent:expr, $now:expr, $event:ident) => {{
        let payment: Option<(i64, i64)> = sqlx::query_as(
            "UPDATE payments SET status = 'succeeded', updated_at = $2
             WHERE provider = 'stripe' AND provider_ref = $1 AND status IN ('pending', 'failed')
             RETURNING id, order_id",
        )
        .bind($intent)
        .bind($now)
        .fetch_optional(&mut *$tx)
        .await?;
        match payment {
            None => Settled::Nothing,
            Some((payment_id, order_id)) => {
                let sql = format!(
                    "UPDATE orders SET payment_status = 'paid', updated_at = $2 WHERE id = $1 AND {}
                     RETURNING pizzeria_id, reference",
                    PaymentRule::AwaitingOnlinePayment.sql("")
                );
                let paid: Option<(i64, String)> =
                    sqlx::query_as(&sql).bind(order_id).bind($now).fetch_optional(&mut *$tx).await?;
                match paid {
                    Some((pizzeria_id, reference)) => {
                        let event = Event {
                            id: payment_id,
                            kind: "paid".into(),
                            pizzeria_id,
                            reference,
                            status: "placed".into(),
                            window: None,
                        };
                        $pool.notify_in(&mut *$tx, &event).await?;
                        $event = Some(event);
                        Settled::Paid(order_id)
                    }
                    None => {
                        // Cancelled (expired, or by its customer) while the card was being paid.
                        sqlx::query(
                            "UPDATE payments SET refund_status = 'pending', refund_next_at = $2
                             WHERE id = $1 AND refund_status IS NULL",
                        )
                        .bind(payment_id)
                        .bind($now)
                        .execute(&mut *$tx)
                        .await?;
                        Settled::Refund(order_id)
                    }
                }
            }
        }
    }};
}

/// Records the event and applies it: `payment_intent.succeeded` marks the payment
/// succeeded and its order paid (or, if the order was cancelled meanwhile, owed a refund);
/// `payment_intent.payment_failed` marks a pending payment failed. Other types are only
/// recorded.
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
        let mut order_id = None;
        let mut paid_event = None;
        match (kind, intent) {
            ("payment_intent.succeeded", Some(intent)) => {
                let settled = settle!(tx, pool, intent, now, paid_event);
                order_id = match settled {
                    Settled::Paid(id) | Settled::Refund(id) => Some(id),
                    Settled::Nothing => None,
                };
            }
            ("payment_intent.payment_failed", Some(intent)) => {
                order_id = sqlx::query_scalar(
                    "UPDATE payments SET status = 'failed', updated_at = $2
                     WHERE provider = 'stripe' AND provider_ref = $1 AND status = 'pending' RETURNING order_id",
                )
                .bind(intent)
                .bind(now)
                .fetch_optional(&mut *tx)
                .await?;
            }
            _ => {}
        }
        tx.commit().await?;
        if let Some(event) = paid_event {
            pool.after_commit(event);
        }
        Ok(EventOutcome::Applied { order_id })
    })
}

/// A payment confirmed by asking the provider (the expiry job's check before it cancels an
/// order whose webhook never came): the same effect as the `succeeded` event.
pub async fn settle_intent(db: &DbPool, intent: &str) -> Result<Settled> {
    let now = crate::unix_now();
    db_run!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        let mut paid_event = None;
        let settled = settle!(tx, pool, intent, now, paid_event);
        tx.commit().await?;
        if let Some(event) = paid_event {
            pool.after_commit(event);
        }
        Ok(settled)
    })
}

/// Keeps the PaymentIntent created for an order (the same intent comes back for the same
/// order: the provider's idempotency key is the order's).
pub async fn record_intent(db: &DbPool, order_id: i64, intent: &str, amount_cents: i64) -> Result<()> {
    let now = crate::unix_now();
    db_run!(db, |pool| {
        sqlx::query(
            "INSERT INTO payments (order_id, provider, provider_ref, amount_cents, status, created_at, updated_at)
             VALUES ($1, 'stripe', $2, $3, 'pending', $4, $4)
             ON CONFLICT (provider_ref) DO NOTHING",
        )
        .bind(order_id)
        .bind(intent)
        .bind(amount_cents)
        .bind(now)
        .execute(pool)
        .await?;
    });
    Ok(())
}

/// The order's intent still waiting for a card, if any.
pub async fn open_intent(db: &DbPool, order_id: i64) -> Result<Option<String>> {
    Ok(db_run!(db, |pool| {
        sqlx::query_scalar(
            "SELECT provider_ref FROM payments
             WHERE order_id = $1 AND provider = 'stripe' AND status IN ('pending', 'failed')
             ORDER BY id DESC LIMIT 1",
        )
        .bind(order_id)
        .fetch_optional(pool)
        .await?
    }))
}

/// An online order whose payment delay has run out.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Overdue {
    pub order_id: i64,
    pub reference: String,
    pub intent: Option<String>,
}

/// The online orders placed before `cutoff` and still waiting for their payment.
pub async fn overdue(db: &DbPool, cutoff: i64) -> Result<Vec<Overdue>> {
    let sql = format!(
        "SELECT o.id AS order_id, o.reference,
                (SELECT p.provider_ref FROM payments p
                 WHERE p.order_id = o.id AND p.status IN ('pending', 'failed')
                 ORDER BY p.id DESC LIMIT 1) AS intent
         FROM orders o
         WHERE {} AND o.created_at <= $1
         ORDER BY o.created_at LIMIT 100",
        PaymentRule::AwaitingOnlinePayment.sql("o")
    );
    Ok(db_run!(db, |pool| { sqlx::query_as(&sql).bind(cutoff).fetch_all(pool).await? }))
}

/// A refund owed, claimed by this worker.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RefundDue {
    pub payment_id: i64,
    pub intent: String,
    pub refund_ref: Option<String>,
    pub refund_attempts: i64,
}

/// How long a claimed refund is left to its worker before another may take it.
const REFUND_LEASE_SECONDS: i64 = 120;

/// Takes the refunds due now (a lease keeps other instances off them meanwhile).
pub async fn claim_refunds(db: &DbPool, now: i64) -> Result<Vec<RefundDue>> {
    Ok(db_run!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        let sql = format!(
            "UPDATE payments SET refund_next_at = $1
             WHERE id IN (SELECT id FROM payments
                          WHERE refund_status IN ('pending', 'failed') AND refund_next_at <= $2
                          ORDER BY refund_next_at LIMIT 20{})
             RETURNING id AS payment_id, provider_ref AS intent, refund_ref, refund_attempts",
            pool.skip_locked()
        );
        let rows: Vec<RefundDue> =
            sqlx::query_as(&sql).bind(now + REFUND_LEASE_SECONDS).bind(now).fetch_all(&mut *tx).await?;
        tx.commit().await?;
        rows
    }))
}

/// The provider confirmed the refund: the payment and its order say `refunded`.
pub async fn refund_succeeded(db: &DbPool, payment_id: i64, refund_ref: &str) -> Result<()> {
    let now = crate::unix_now();
    db_run!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        let order_id: Option<i64> = sqlx::query_scalar(
            "UPDATE payments SET status = 'refunded', refund_status = 'succeeded', refund_ref = $2,
                 refund_error = NULL, refund_next_at = NULL, updated_at = $3
             WHERE id = $1 AND refund_status IN ('pending', 'failed') RETURNING order_id",
        )
        .bind(payment_id)
        .bind(refund_ref)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let mut event = None;
        if let Some(order_id) = order_id {
            let order: Option<(i64, String, String)> = sqlx::query_as(
                "UPDATE orders SET payment_status = 'refunded', updated_at = $2
                 WHERE id = $1 AND payment_method = 'online' RETURNING pizzeria_id, reference, status",
            )
            .bind(order_id)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some((pizzeria_id, reference, status)) = order {
                let refunded =
                    Event { id: payment_id, kind: "refunded".into(), pizzeria_id, reference, status, window: None };
                pool.notify_in(&mut *tx, &refunded).await?;
                event = Some(refunded);
            }
        }
        tx.commit().await?;
        if let Some(event) = event {
            pool.after_commit(event);
        }
    });
    Ok(())
}

/// The provider took the refund but has not confirmed it yet: asked again at `next_at`.
pub async fn refund_waiting(db: &DbPool, payment_id: i64, refund_ref: &str, next_at: i64) -> Result<()> {
    db_run!(db, |pool| {
        sqlx::query(
            "UPDATE payments SET refund_status = 'pending', refund_ref = $2, refund_next_at = $3, refund_error = NULL
             WHERE id = $1 AND refund_status IN ('pending', 'failed')",
        )
        .bind(payment_id)
        .bind(refund_ref)
        .bind(next_at)
        .execute(pool)
        .await?;
    });
    Ok(())
}

/// The refund failed this time: said to the manager, tried again at `next_at`.
pub async fn refund_failed(db: &DbPool, payment_id: i64, error: &str, next_at: i64) -> Result<()> {
    let error: String = error.chars().take(500).collect();
    db_run!(db, |pool| {
        sqlx::query(
            "UPDATE payments SET refund_status = 'failed', refund_attempts = refund_attempts + 1, refund_error = $2,
                 refund_next_at = $3
             WHERE id = $1 AND refund_status IN ('pending', 'failed')",
        )
        .bind(payment_id)
        .bind(&error)
        .bind(next_at)
        .execute(pool)
        .await?;
    });
    Ok(())
}

/// A refund owed and not yet confirmed, as the manager's dashboard lists it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OpenRefund {
    pub reference: String,
    pub amount_cents: i64,
    pub refund_status: String,
    pub refund_attempts: i64,
    pub refund_error: Option<String>,
    pub refund_next_at: Option<i64>,
    pub cancelled_at: i64,
}

/// The pizzeria's refunds still owed, oldest first.
pub async fn open_refunds(db: &DbPool, pizzeria_id: i64) -> Result<Vec<OpenRefund>> {
    Ok(db_run!(db, |pool| {
        sqlx::query_as(
            "SELECT o.reference, p.amount_cents, p.refund_status, p.refund_attempts, p.refund_error,
                    p.refund_next_at, o.updated_at AS cancelled_at
             FROM payments p JOIN orders o ON o.id = p.order_id
             WHERE o.pizzeria_id = $1 AND p.refund_status IN ('pending', 'failed')
             ORDER BY p.id LIMIT 100",
        )
        .bind(pizzeria_id)
        .fetch_all(pool)
        .await?
    }))
}
