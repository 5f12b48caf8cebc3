//! Online payment's background work, on every instance (the rows are claimed, so two
//! instances never act on the same one):
//! - an online order still unpaid when its delay runs out is cancelled and its stock
//!   returned — after asking the provider, since the webhook may be late or lost: a payment
//!   that did succeed is counted instead, and an intent not paid is cancelled at the
//!   provider so that it cannot be paid afterwards;
//! - a refund owed (a paid order cancelled, or a payment that came after its order was
//!   cancelled) is asked of the provider, with one idempotency key per payment, until the
//!   provider confirms it; failures wait longer each time and are shown to the manager.
//!
//! Runs every `payment_check_seconds`, and at once after a cancellation (a live event, from
//! any instance) or a late payment.

use std::sync::OnceLock;
use std::time::Duration;

use rocket::tokio::sync::Notify;

use crate::config::PaymentSettings;
use crate::db::DbPool;
use crate::domain::payments::refund_retry_delay;
use crate::payments::Stripe;
use crate::store::{order_moves, payments};
use crate::{unix_now, Result};

/// A refund the provider has taken but not confirmed yet is asked about again after this.
const REFUND_PENDING_RECHECK_SECONDS: i64 = 60;

fn bell() -> &'static Notify {
    static BELL: OnceLock<Notify> = OnceLock::new();
    BELL.get_or_init(Notify::new)
}

/// Runs the job now rather than at its next round (a refund became due).
pub fn wake() {
    bell().notify_one();
}

pub async fn run(db: DbPool, stripe: Stripe, settings: PaymentSettings, shutdown: rocket::Shutdown) {
    let mut shutdown = std::pin::pin!(shutdown);
    let mut events = crate::live::subscribe();
    let every = Duration::from_secs(settings.payment_check_seconds);
    loop {
        if let Err(error) = expire_overdue(&db, &stripe, settings.payment_timeout_minutes).await {
            tracing::warn!(%error, "payments: could not expire the overdue online orders");
            crate::reporting::job_failed("payment expiry", &error.to_string());
        }
        if let Err(error) = refund_due(&db, &stripe).await {
            tracing::warn!(%error, "payments: could not process the refunds");
            crate::reporting::job_failed("refunds", &error.to_string());
        }
        loop {
            rocket::tokio::select! {
                received = events.recv() => match received {
                    Ok(published) if published.event.kind != "cancelled" && !published.event.is_resync() => continue,
                    _ => break,
                },
                _ = bell().notified() => break,
                _ = rocket::tokio::time::sleep(every) => break,
                _ = &mut shutdown => return,
            }
        }
    }
}

/// Cancels the online orders whose payment did not come in time.
pub async fn expire_overdue(db: &DbPool, stripe: &Stripe, timeout_minutes: i64) -> Result<()> {
    let now = unix_now();
    let cutoff = crate::domain::payments::overdue_if_placed_by(now, timeout_minutes);
    for order in payments::overdue(db, cutoff).await? {
        if let Some(intent) = &order.intent {
            if paid_after_all(db, stripe, intent).await? {
                tracing::info!(reference = %order.reference, "payments: paid, its webhook had not come");
                continue;
            }
        }
        match order_moves::expire(db, order.order_id).await? {
            Ok(()) => tracing::info!(reference = %order.reference, "payments: online order expired, stock returned"),
            Err(refusal) => tracing::info!(reference = %order.reference, reason = %refusal.message(), "payments: kept"),
        }
    }
    Ok(())
}

/// Asks the provider about an overdue order's intent: succeeded → counted as paid (true);
/// otherwise cancelled there, so that a card cannot pay it afterwards. A provider out of
/// reach does not keep the stock locked: the order expires, and should the payment come
/// later all the same, it is refunded.
async fn paid_after_all(db: &DbPool, stripe: &Stripe, intent: &str) -> Result<bool> {
    let succeeded = match stripe.intent(intent).await {
        Ok(found) if found.status == "succeeded" => true,
        Ok(_) => match stripe.cancel_intent(intent).await {
            Ok(_) => false,
            // Paid between the two calls?
            Err(_) => stripe.intent(intent).await.is_ok_and(|found| found.status == "succeeded"),
        },
        Err(error) => {
            tracing::warn!(%error, intent, "payments: the provider could not be asked before the expiry");
            false
        }
    };
    if succeeded {
        payments::settle_intent(db, intent).await?;
    }
    Ok(succeeded)
}

/// Asks for the refunds due now, or what became of those asked.
pub async fn refund_due(db: &DbPool, stripe: &Stripe) -> Result<()> {
    let now = unix_now();
    for due in payments::claim_refunds(db, now).await? {
        let answer = match &due.refund_ref {
            Some(refund) => stripe.refund_state(refund).await,
            None => stripe.refund(&due.intent, &format!("refund-{}", due.payment_id)).await,
        };
        let failures = due.refund_attempts + 1;
        match answer {
            Ok(refund) if refund.status == "succeeded" => {
                payments::refund_succeeded(db, due.payment_id, &refund.id).await?;
                tracing::info!(intent = %due.intent, refund = %refund.id, "payments: refunded");
            }
            Ok(refund) if matches!(refund.status.as_str(), "pending" | "requires_action") => {
                payments::refund_waiting(db, due.payment_id, &refund.id, now + REFUND_PENDING_RECHECK_SECONDS).await?;
            }
            Ok(refund) => {
                let message = format!("Stripe a refusé le remboursement {} ({})", refund.id, refund.status);
                payments::refund_failed(db, due.payment_id, &message, now + refund_retry_delay(failures)).await?;
                crate::reporting::job_failed("refunds", &message);
            }
            Err(error) => {
                tracing::warn!(%error, intent = %due.intent, failures, "payments: refund failed, will retry");
                payments::refund_failed(db, due.payment_id, &error.message, now + refund_retry_delay(failures)).await?;
                crate::reporting::job_failed("refunds", &error.message);
            }
        }
    }
    Ok(())
}
