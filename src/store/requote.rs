//! The live re-quote's reads and writes: the open orders with a promise, as
//! `domain::requote` replays them, and each order's new estimate (`orders.requoted_for`),
//! with the one "retard" message its customer gets (`orders.delay_notified_at`).

use std::collections::BTreeMap;

use sqlx::FromRow;

use crate::db::{BeginWrite, DbPool};
use crate::domain::capacity::Capacity;
use crate::domain::notifications::Happening;
use crate::domain::orders::{Mode, Status};
use crate::domain::requote::{Open, Stage};
use crate::live::{Announce, Event};
use crate::store::orders::Contact;
use crate::store::outbox::{self, enqueue};
use crate::{db_run, Result};

/// An open order with a promise, as read.
#[derive(Debug, Clone, FromRow)]
pub struct OpenRow {
    pub id: i64,
    pub pizzeria_id: i64,
    pub status: String,
    pub mode: String,
    pub delivery_postcode: Option<String>,
    pub promised_for: i64,
    pub requoted_for: Option<i64>,
    pub delay_notified_at: Option<i64>,
    pub pizzas: i64,
    pub returns: Option<i64>,
    pub drivers: Option<i64>,
}

impl OpenRow {
    pub fn mode(&self) -> Mode {
        Mode::parse(&self.mode).unwrap_or(Mode::Takeaway)
    }

    /// The order as the replay sees it, with the oven quarter-hours it booked.
    pub fn open(&self, capacity: &Capacity, oven: Vec<(i64, i64)>) -> Open {
        let stage = match Status::parse(&self.status) {
            Some(Status::Preparing) => Stage::InKitchen,
            Some(Status::Ready) => Stage::Ready,
            Some(Status::OutForDelivery) => Stage::OnTheRoad,
            _ => Stage::Waiting,
        };
        let travel = match self.mode() {
            Mode::Takeaway => 0,
            Mode::Delivery => capacity.travel(self.delivery_postcode.as_deref().unwrap_or_default()),
        };
        Open {
            order_id: self.id,
            stage,
            mode: self.mode(),
            pizzas: self.pizzas,
            travel,
            promised_for: self.promised_for,
            oven,
            drivers: self.drivers.unwrap_or(1),
            returns: self.returns,
        }
    }
}

/// Every pizzeria's open orders with a promise, and the oven quarter-hours booked by those
/// not started yet (by order, earliest first).
pub async fn open_orders(db: &DbPool) -> Result<(Vec<OpenRow>, BTreeMap<i64, Vec<(i64, i64)>>)> {
    let (rows, oven): (Vec<OpenRow>, Vec<(i64, i64, i64)>) = db_run!(db, |pool| {
        let rows = sqlx::query_as(
            "SELECT o.id, o.pizzeria_id, o.status, o.mode, o.delivery_postcode, o.promised_for, o.requoted_for,
                    o.delay_notified_at,
                    CAST((SELECT COALESCE(SUM(l.quantity), 0) FROM order_lines l WHERE l.order_id = o.id) AS BIGINT)
                        AS pizzas,
                    r.returns, r.drivers
             FROM orders o LEFT JOIN delivery_runs r ON r.order_id = o.id
             WHERE o.status IN ('placed', 'preparing', 'ready', 'out_for_delivery') AND o.promised_for IS NOT NULL
             ORDER BY o.pizzeria_id, o.id",
        )
        .fetch_all(pool)
        .await?;
        let oven = sqlx::query_as(
            "SELECT b.order_id, b.quarter, b.pizzas FROM oven_bookings b JOIN orders o ON o.id = b.order_id
             WHERE o.status = 'placed' ORDER BY b.order_id, b.quarter",
        )
        .fetch_all(pool)
        .await?;
        (rows, oven)
    });
    let mut booked: BTreeMap<i64, Vec<(i64, i64)>> = BTreeMap::new();
    for (order_id, quarter, pizzas) in oven {
        booked.entry(order_id).or_default().push((quarter, pizzas));
    }
    Ok((rows, booked))
}

/// Writes an order's new estimate (`None`: back on time) and, when `tell` and its customer
/// was not told yet, queues the one "retard" message, in one transaction; the order's
/// screens and tracker hear of it. `Ok(true)` when the message was queued. Does nothing to
/// an order closed meanwhile.
pub async fn write(db: &DbPool, order_id: i64, estimate: Option<(i64, i64)>, tell: bool, now: i64) -> Result<bool> {
    let queued = db_run!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        let updated = sqlx::query(
            "UPDATE orders SET requoted_for = $2
             WHERE id = $1 AND status IN ('placed', 'preparing', 'ready', 'out_for_delivery')",
        )
        .bind(order_id)
        .bind(estimate.map(|(_, end)| end))
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() == 0 {
            tx.rollback().await?;
            false
        } else {
            let told = tell
                && sqlx::query("UPDATE orders SET delay_notified_at = $2 WHERE id = $1 AND delay_notified_at IS NULL")
                    .bind(order_id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected()
                    == 1;
            let (contact, status, mode): (Contact, String, String) = {
                let row: (i64, String, Option<String>, String, String, bool, String, String) = sqlx::query_as(
                    "SELECT pizzeria_id, reference, customer_email, customer_phone, notify_email, notify_sms, status,
                            mode
                     FROM orders WHERE id = $1",
                )
                .bind(order_id)
                .fetch_one(&mut *tx)
                .await?;
                let (pizzeria_id, reference, customer_email, customer_phone, notify_email, notify_sms, status, mode) =
                    row;
                let contact =
                    Contact { pizzeria_id, reference, customer_email, customer_phone, notify_email, notify_sms };
                (contact, status, mode)
            };
            let queued = told && {
                let messages = contact.messages(Happening::Delayed, Mode::parse(&mode).unwrap_or(Mode::Takeaway));
                enqueue!(tx, order_id, &contact.reference, messages, now)
            };
            let event = Event {
                kind: "requoted".into(),
                pizzeria_id: contact.pizzeria_id,
                reference: contact.reference.clone(),
                status,
                window: estimate,
                ..Event::default()
            };
            pool.notify_in(&mut *tx, &event).await?;
            tx.commit().await?;
            pool.after_commit(event);
            queued
        }
    });
    if queued {
        outbox::wake();
    }
    Ok(queued)
}
