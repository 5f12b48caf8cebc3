//! Moving an order along its life (`domain::workflow` decides; this writes): the status,
//! the journal row, the stock it gives back or records as waste, the driver, the payment
//! collected, and the live event — in one transaction.
//!
//! The order row is read with a row lock (PostgreSQL) or inside SQLite's write
//! transaction, so two people tapping the same button are served one after the other: the
//! second sees the new status (or version) and is refused.

use super::orders::{Contact, Refusal};
use super::outbox::{self, enqueue};
use super::stock_sql::{held_by_order, lock_stock, order_movements, release, write_journal};
use crate::db::{BeginWrite, DbPool};
use crate::domain::notifications::Happening;
use crate::domain::orders::{Mode, PaymentMethod, PaymentStatus, Status};
use crate::domain::stock::MovementKind;
use crate::domain::workflow::{self, MoveRefusal, Mover, OrderState, StockEffect};
use crate::live::{Announce, Event};
use crate::{db_run, unix_now, Result};

/// A move asked for by a screen or the API.
#[derive(Debug, Clone)]
pub struct MoveRequest {
    pub to: Status,
    /// The version the asker saw; `None` when they do not care (the status is still checked).
    pub version: Option<i64>,
    pub reason: String,
    /// At hand-over of an unpaid order: how it was paid, and the amount.
    pub collected: Option<(PaymentMethod, i64)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Moved {
    pub transition_id: i64,
    pub version: i64,
}

#[derive(sqlx::FromRow)]
struct Current {
    status: String,
    mode: String,
    #[sqlx(try_from = "String")]
    payment_method: PaymentMethod,
    #[sqlx(try_from = "String")]
    payment_status: PaymentStatus,
    driver_id: Option<i64>,
    total_ttc_cents: i64,
    version: i64,
    #[sqlx(flatten)]
    contact: Contact,
}

impl Current {
    fn state(&self) -> OrderState {
        OrderState {
            status: Status::parse(&self.status).unwrap_or(Status::Placed),
            mode: Mode::parse(&self.mode).unwrap_or(Mode::Takeaway),
            payment_method: self.payment_method,
            paid: self.payment_status == PaymentStatus::Paid,
            driver_id: self.driver_id,
        }
    }
}

/// Checks everything that does not need the database: the move itself and the payment.
fn check(current: &Current, mover: Mover, request: &MoveRequest) -> std::result::Result<workflow::Move, Refusal> {
    let state = current.state();
    // What the order's state refuses is said first (it explains more than "it changed").
    let allowed = workflow::check_move(state, request.to, mover, &request.reason).map_err(|refusal| match refusal {
        // The customer's words for it: too late to cancel.
        MoveRefusal::Invalid { from, .. } if mover == Mover::Customer => Refusal::TooLate(from),
        other => Refusal::Move(other),
    })?;
    if request.version.is_some_and(|v| v != current.version) {
        return Err(Refusal::Stale);
    }
    if allowed.takes_payment {
        match request.collected {
            None => return Err(Refusal::Payment("Indiquez le paiement encaissé (espèces ou carte, montant).".into())),
            Some((method, amount)) => {
                workflow::check_collection(current.total_ttc_cents, method, amount).map_err(Refusal::Payment)?
            }
        }
    }
    Ok(allowed)
}

/// Moves the order `order_id`; `journal_user` is who is written in the journal (the
/// signed-in customer or member of staff; `None` for a guest).
pub async fn advance(
    db: &DbPool,
    order_id: i64,
    mover: Mover,
    journal_user: Option<i64>,
    request: &MoveRequest,
) -> Result<std::result::Result<Moved, Refusal>> {
    let now = unix_now();
    let reason = request.reason.trim();
    let outcome = db_run!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        let sql = format!(
            "SELECT pizzeria_id, reference, status, mode, payment_method, payment_status, driver_id, total_ttc_cents,
                    version, customer_email, customer_phone, notify_email, notify_sms
             FROM orders WHERE id = $1{}",
            pool.row_lock()
        );
        let current: Current = sqlx::query_as(&sql).bind(order_id).fetch_one(&mut *tx).await?;
        match check(&current, mover, request) {
            Err(refusal) => {
                tx.rollback().await?;
                Err(refusal)
            }
            Ok(allowed) => {
                let note = match reason {
                    "" => current.contact.reference.clone(),
                    reason => format!("{} : {reason}", current.contact.reference),
                };
                match allowed.stock {
                    StockEffect::None => {}
                    StockEffect::Return => {
                        let held = held_by_order!(tx, order_id);
                        lock_stock!(
                            tx,
                            pool.row_lock(),
                            current.contact.pizzeria_id,
                            held.iter().map(|(id, _)| *id).collect()
                        );
                        release!(tx, current.contact.pizzeria_id, order_id, &held, journal_user, &note, now);
                    }
                    StockEffect::Waste => {
                        // The stock was taken when the order was placed; the journal says
                        // where it went: back from the order, and out as waste.
                        let held = held_by_order!(tx, order_id);
                        let pizzeria = current.contact.pizzeria_id;
                        let mut lines = order_movements(
                            pizzeria,
                            order_id,
                            &held,
                            MovementKind::Cancellation,
                            1,
                            journal_user,
                            &note,
                        );
                        lines.extend(order_movements(
                            pizzeria,
                            order_id,
                            &held,
                            MovementKind::Waste,
                            -1,
                            journal_user,
                            &note,
                        ));
                        write_journal!(tx, &lines, now);
                    }
                }
                let to = allowed.to.as_str();
                let cancelled = allowed.to == Status::Cancelled;
                let (paid_by, collected) = match (allowed.takes_payment, request.collected) {
                    (true, Some((method, amount))) => (Some(method.as_str()), Some(amount)),
                    _ => (None, None),
                };
                sqlx::query(
                    "UPDATE orders SET status = $1, version = version + 1, updated_at = $2,
                         cancel_reason = CASE WHEN $3 THEN $4 ELSE cancel_reason END,
                         driver_id = CASE WHEN $5 THEN $6 ELSE driver_id END,
                         payment_method = COALESCE($7, payment_method),
                         payment_status = CASE WHEN $7 IS NULL THEN payment_status ELSE 'paid' END,
                         collected_cents = COALESCE($8, collected_cents)
                     WHERE id = $9",
                )
                .bind(to)
                .bind(now)
                .bind(cancelled)
                .bind(reason)
                .bind(allowed.assigns_driver)
                .bind(journal_user)
                .bind(paid_by)
                .bind(collected)
                .bind(order_id)
                .execute(&mut *tx)
                .await?;
                if cancelled {
                    crate::store::capacity::free_promise!(tx, order_id);
                    // An intent not paid yet is moot now (paid later all the same, it is
                    // refunded); a payment received is owed back.
                    sqlx::query(
                        "UPDATE payments SET status = 'failed', updated_at = $2 WHERE order_id = $1 AND status = 'pending'",
                    )
                    .bind(order_id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                }
                if allowed.refunds {
                    sqlx::query(
                        "UPDATE payments SET refund_status = 'pending', refund_next_at = $2
                         WHERE order_id = $1 AND status = 'succeeded' AND refund_status IS NULL",
                    )
                    .bind(order_id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                }
                let transition_id: i64 = sqlx::query_scalar(
                    "INSERT INTO order_transitions (order_id, from_status, to_status, user_id, reason, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                )
                .bind(order_id)
                .bind(allowed.from.as_str())
                .bind(to)
                .bind(journal_user)
                .bind((!reason.is_empty()).then_some(reason))
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
                let event = Event {
                    id: transition_id,
                    kind: if cancelled { "cancelled" } else { "moved" }.into(),
                    pizzeria_id: current.contact.pizzeria_id,
                    reference: current.contact.reference.clone(),
                    status: to.into(),
                    window: None,
                };
                let messages = current.contact.messages(Happening::Moved(allowed.to), current.state().mode);
                let queued = enqueue!(tx, order_id, &current.contact.reference, messages, now);
                pool.notify_in(&mut *tx, &event).await?;
                tx.commit().await?;
                pool.after_commit(event);
                if queued {
                    outbox::wake();
                }
                Ok(Moved { transition_id, version: current.version + 1 })
            }
        }
    });
    Ok(outcome)
}

/// The customer (or the guest with the link) cancels a `placed` order: its stock goes back.
pub async fn cancel(
    db: &DbPool,
    order_id: i64,
    version: i64,
    user_id: Option<i64>,
    reason: &str,
) -> Result<std::result::Result<(), Refusal>> {
    let request = MoveRequest { to: Status::Cancelled, version: Some(version), reason: reason.into(), collected: None };
    Ok(advance(db, order_id, Mover::Customer, user_id, &request).await?.map(|_| ()))
}

/// Why the payment job cancels an online order (journal and customer's page).
pub const EXPIRED_REASON: &str = "Paiement en ligne non reçu dans les délais";

/// The payment job cancels an online order whose payment did not come in time: its stock
/// goes back. Refused, with nothing written, if the order was paid meanwhile.
pub async fn expire(db: &DbPool, order_id: i64) -> Result<std::result::Result<(), Refusal>> {
    let request = MoveRequest { to: Status::Cancelled, version: None, reason: EXPIRED_REASON.into(), collected: None };
    Ok(advance(db, order_id, Mover::System, None, &request).await?.map(|_| ()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::roles::Role;

    fn current(status: &str, version: i64) -> Current {
        Current {
            contact: Contact {
                pizzeria_id: 1,
                reference: "OC-TEST".into(),
                customer_email: None,
                customer_phone: "0612345678".into(),
                notify_email: "all".into(),
                notify_sms: false,
            },
            status: status.into(),
            mode: "takeaway".into(),
            payment_method: PaymentMethod::Cash,
            payment_status: PaymentStatus::Unpaid,
            driver_id: None,
            total_ttc_cents: 2000,
            version,
        }
    }

    fn request(to: Status, version: Option<i64>, collected: Option<(PaymentMethod, i64)>) -> MoveRequest {
        MoveRequest { to, version, reason: String::new(), collected }
    }

    #[test]
    fn stale_versions_and_missing_payments_are_refused_before_any_write() {
        let counter = Mover::Staff { user_id: 3, role: Role::Counter };
        let ready = current("ready", 4);
        let paid = Some((PaymentMethod::Card, 2000));
        assert_eq!(check(&ready, counter, &request(Status::Collected, Some(3), paid)).err(), Some(Refusal::Stale));
        assert!(matches!(check(&ready, counter, &request(Status::Collected, None, None)), Err(Refusal::Payment(_))));
        assert!(check(&ready, counter, &request(Status::Collected, Some(4), paid)).is_ok());
        let placed = current("preparing", 2);
        assert_eq!(
            check(&placed, Mover::Customer, &request(Status::Cancelled, Some(2), None)).err(),
            Some(Refusal::TooLate(Status::Preparing))
        );
    }
}
