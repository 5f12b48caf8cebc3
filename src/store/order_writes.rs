//! Writing orders: placing one reserves its stock in the same transaction; modifying it
//! (while `placed`) releases and reserves again, atomically. Status changes, cancellation
//! included, are in `order_moves`.
//!
//! The stock rows an order needs are locked in ingredient order (`SELECT … FOR UPDATE` on
//! PostgreSQL; on SQLite the transaction holds the database's write lock from its start),
//! checked, then updated in one statement, as the last step before the commit. Either the
//! whole order is written, or nothing is. One statement per kind of row: the fewer round
//! trips in the transaction, the shorter the stock rows stay locked.

use std::collections::BTreeSet;

use super::capacity::{free_promise, promise_in, write_booking, write_promise};
use super::catalogue::{self, Catalogue};
use super::orders::{Contact, OrderLine, Placed, Refusal};
use super::outbox::{self, enqueue};
use super::payment_rules::PaymentRule;
use super::stock_sql::{
    held_by_order, lock_stock, order_movements, release, stock_update_sql_at, value_rows, write_journal, StockUpdate,
    JOURNAL_INSERT,
};
use crate::db::{Batch, BeginWrite, DbPool};
use crate::domain::capacity::Basket;
use crate::domain::intake::{changes, Change, DeliveryAddress, LineRequest, NewOrder};
use crate::domain::notifications::{self, Happening};
use crate::domain::orders::{self, Mode, PaymentStatus, Status};
use crate::domain::planning::{self, Plan, Unavailable};
use crate::domain::stock::MovementKind;
use crate::live::{self, Announce, Event};
use crate::{db_run, unix_now, Error, Result};

/// The plan's lines as `order_lines` keeps them.
fn written_lines(plan: &Plan) -> Vec<OrderLine> {
    plan.lines
        .iter()
        .map(|l| OrderLine {
            pizza_id: l.pizza_id,
            pizza_name: l.name.clone(),
            unit_price_cents: l.price.unit_price_cents,
            vat_rate_bp: l.price.vat_rate_bp,
            quantity: l.price.quantity,
            note: l.note.clone(),
            composition: composition_json(l),
        })
        .collect()
}

/// The plan of these lines at this pizzeria, from the catalogue as it is now.
fn plan_from(catalogue: &Catalogue, pizzeria_id: i64, lines: &[LineRequest]) -> std::result::Result<Plan, Refusal> {
    planning::plan(lines, |pizza_id| catalogue.offer(pizzeria_id, pizza_id), catalogue.recipes())
        .map_err(|Unavailable(name)| Refusal::Unavailable(name))
}

/// The columns of `orders` a placement writes, with their parameters (`$1` is the
/// reference, `$2` the pizzeria, `$20` now).
const ORDER_INSERT: &str = "INSERT INTO orders (reference, pizzeria_id, customer_id, taken_by, customer_name,
         customer_phone, customer_email, channel, mode, status, payment_method, payment_status, delivery_street,
         delivery_postcode, delivery_city, delivery_instructions, requested_for, total_ht_cents, total_vat_cents,
         total_ttc_cents, access_token_hash, created_at, updated_at, collected_cents, notify_email, notify_sms,
         promised_for)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'placed', $10, $21, $11, $12, $13, $14, $15, $16, $17, $18, $19,
             $20, $20, $22, $23, $24, $26)";
/// Parameters after the order's 24: `$25` the user who placed it (or none), `$26` the time
/// promised, then the rows.
const FIRST_ROW_PARAMETER: usize = 27;
const LINE_WIDTH: usize = 7;
const NEED_WIDTH: usize = 2;
const MESSAGE_WIDTH: usize = 4;

/// Everything a placement writes, as one round trip: the stock update, the order, its
/// lines, its `order` movements, its first transition and its messages; answers the order's
/// id and the transition's. PostgreSQL runs it once the stock rows are locked and known to
/// suffice; a SQLite script starts with the stock update (see below) and first answers how
/// many stock rows it changed. Parameters: the order's
/// ([`ORDER_INSERT`]), `$25`, `$26`, then `lines` × (pizza, name, unit price, VAT rate, quantity,
/// note), `needs` × (ingredient, quantity), `messages` × (channel, recipient, kind,
/// subject).
fn placement_sql(batch: Batch, lines: usize, needs: usize, messages: usize) -> String {
    let order_id = match batch {
        Batch::Script => "(SELECT id FROM orders WHERE reference = $1)",
        Batch::CommonTableExpressions => "(SELECT id FROM o)",
    };
    let rows = |first: usize, count: usize, width: usize, row: &dyn Fn(Vec<String>) -> String| -> String {
        (0..count)
            .map(|i| row((0..width).map(|col| format!("${}", first + i * width + col)).collect()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let first_need = FIRST_ROW_PARAMETER + lines * LINE_WIDTH;
    let first_message = first_need + needs * NEED_WIDTH;
    let mut writes = vec![
        format!(
            "INSERT INTO order_lines (order_id, pizza_id, pizza_name, unit_price_cents, vat_rate_bp, quantity, note,
                 composition)
             VALUES {}",
            rows(FIRST_ROW_PARAMETER, lines, LINE_WIDTH, &|p| format!("({order_id}, {})", p.join(", ")))
        ),
        "INSERT INTO order_transitions (order_id, from_status, to_status, user_id, created_at)
             VALUES ({order_id}, NULL, 'placed', $25, $20) RETURNING id"
            .replace("{order_id}", order_id),
    ];
    if needs > 0 {
        writes.push(format!(
            "{JOURNAL_INSERT} {}",
            rows(first_need, needs, NEED_WIDTH, &|p| format!(
                "($2, {}, -{}, '{}', {order_id}, $25, $1, $20)",
                p[0],
                p[1],
                MovementKind::Order.as_str()
            ))
        ));
    }
    let stock_update = (needs > 0).then(|| {
        stock_update_sql_at(StockUpdate { pizzeria: 2, now: 20, first_pair: first_need, count: needs, sign: '-' })
    });
    if messages > 0 {
        writes.push(format!(
            "INSERT INTO notification_outbox (order_id, channel, recipient, kind, subject, body, created_at,
                 next_attempt_at)
             VALUES {}",
            rows(first_message, messages, MESSAGE_WIDTH, &|p| format!("({order_id}, {}, '', $20, $20)", p.join(", ")))
        ));
    }
    match batch {
        // The stock first: the schema's `CHECK (quantity >= 0)` stops the script there if
        // anything is short, before anything else is written; then how many stock rows it
        // changed (a missing row is no stock).
        Batch::Script => {
            let transition = writes.remove(1).replace(" RETURNING id", "");
            let stock = match stock_update {
                Some(update) => format!("{update};\nSELECT changes(), 0"),
                None => "SELECT 0, 0".to_string(),
            };
            format!(
                "{stock};\n{ORDER_INSERT};\n{transition};\n{};\nSELECT id, (SELECT MAX(id) FROM order_transitions t WHERE t.order_id = orders.id)
                 FROM orders WHERE reference = $1",
                writes.join(";\n")
            )
        }
        // The `placed` event's NOTIFY rides in the same statement (PostgreSQL delivers it at
        // the commit, as any NOTIFY): one round trip fewer while the stock rows are locked.
        // Its id is the transition's.
        Batch::CommonTableExpressions => {
            writes.extend(stock_update);
            let ctes: Vec<String> = writes.iter().enumerate().map(|(i, w)| format!("w{i} AS ({w})")).collect();
            format!(
                "WITH o AS ({ORDER_INSERT} RETURNING id), {},\n notified AS (SELECT {})
                 SELECT (SELECT id FROM o), (SELECT id FROM w1) FROM notified",
                ctes.join(",\n"),
                live::notify_sql("(SELECT id FROM w1)", "placed", "$2::bigint", "$1::text", Status::Placed.as_str())
            )
        }
    }
}

/// Binds the columns a placement and a modification both write, in this order: street,
/// postcode, city (none for takeaway), instructions (empty for takeaway), the time asked
/// for, the totals HT, VAT and TTC.
macro_rules! bind_where_when_and_totals {
    ($query:expr, $mode:expr, $address:expr, $requested_for:expr, $totals:expr) => {{
        let delivery = $mode == Mode::Delivery;
        let address: &crate::domain::intake::DeliveryAddress = $address;
        $query
            .bind(delivery.then_some(address.street.as_str()))
            .bind(delivery.then_some(address.postcode.as_str()))
            .bind(delivery.then_some(address.city.as_str()))
            .bind(if delivery { address.instructions.as_str() } else { "" })
            .bind($requested_for)
            .bind($totals.ht_cents)
            .bind($totals.vat_cents)
            .bind($totals.ttc_cents)
    }};
}

/// Binds an order line's columns after its order: pizza, name, unit price, VAT rate,
/// quantity, note.
macro_rules! bind_line {
    ($query:expr, $line:expr) => {{
        let line: &planning::PlannedLine = $line;
        $query
            .bind(line.pizza_id)
            .bind(&line.name)
            .bind(line.price.unit_price_cents)
            .bind(line.price.vat_rate_bp)
            .bind(line.price.quantity)
            .bind(&line.note)
            .bind($crate::store::order_writes::composition_json(line))
    }};
}

/// A line's composition as its order keeps it (`order_lines.composition`), or NULL.
pub(crate) fn composition_json(line: &crate::domain::planning::PlannedLine) -> Option<String> {
    line.composition.as_ref().map(|c| {
        let parts: Vec<serde_json::Value> =
            c.parts.iter().map(|p| serde_json::json!({ "label": p.label, "cents": p.cents })).collect();
        serde_json::json!({ "summary": c.summary, "parts": parts }).to_string()
    })
}

/// The order's lines, in one statement.
macro_rules! write_lines {
    ($tx:expr, $plan:expr, $order_id:expr) => {{
        let sql = format!(
            "INSERT INTO order_lines (order_id, pizza_id, pizza_name, unit_price_cents, vat_rate_bp, quantity, note,
                 composition)
             VALUES {}",
            value_rows(1, $plan.lines.len(), 8)
        );
        let mut insert = sqlx::query(&sql);
        for line in &$plan.lines {
            insert = bind_line!(insert.bind($order_id), line);
        }
        insert.execute(&mut *$tx).await?;
    }};
}

/// Takes the plan's stock with its `order` movements, as the last step before the commit.
/// `Some(pizza)` when short (nothing taken).
macro_rules! reserve {
    ($tx:expr, $lock:expr, $pizzeria_id:expr, $order_id:expr, $plan:expr, $user_id:expr, $note:expr, $now:expr) => {{
        let held = lock_stock!($tx, $lock, $pizzeria_id, $plan.needs.iter().map(|n| n.ingredient_id).collect());
        let short = $plan.short_of(&held);
        if short.is_none() {
            let needs: Vec<(i64, i64)> = $plan.needs.iter().map(|n| (n.ingredient_id, n.quantity)).collect();
            let taken = order_movements($pizzeria_id, $order_id, &needs, MovementKind::Order, -1, $user_id, $note);
            write_journal!($tx, &taken, $now);
        }
        short
    }};
}

/// Claims the right to change the order: it must still be `placed` and at `version`.
/// Bumps the version (and locks the order row until the transaction ends).
macro_rules! claim_placed {
    ($tx:expr, $order_id:expr, $version:expr, $now:expr) => {{
        let sql = format!(
            "UPDATE orders SET version = version + 1, updated_at = $1 WHERE id = $2 AND version = $3 AND {}",
            PaymentRule::CustomerMayModify.sql("")
        );
        let claimed =
            sqlx::query(&sql).bind($now).bind($order_id).bind($version).execute(&mut *$tx).await?.rows_affected();
        if claimed == 1 {
            None
        } else {
            let found: Option<(String, String)> =
                sqlx::query_as("SELECT status, payment_method FROM orders WHERE id = $1")
                    .bind($order_id)
                    .fetch_optional(&mut *$tx)
                    .await?;
            Some(match found.as_ref().map(|(status, method)| (Status::parse(status), method.as_str())) {
                Some((Some(status), _)) if status != Status::Placed => Refusal::TooLate(status),
                Some((_, "online")) => Refusal::PaidOnline,
                _ => Refusal::Stale,
            })
        }
    }};
}

fn new_reference() -> String {
    use argon2::password_hash::rand_core::{OsRng, RngCore};
    let mut bytes = [0u8; 6];
    OsRng.fill_bytes(&mut bytes);
    orders::reference_from(&bytes)
}

/// The basket as capacity counts it.
fn basket<'a>(lines: &[LineRequest], mode: Mode, address: Option<&'a DeliveryAddress>) -> Basket<'a> {
    Basket { pizzas: lines.iter().map(|l| l.quantity).sum(), mode, postcode: address.map(|a| a.postcode.as_str()) }
}

/// Places an order: everything or nothing. With `capacity_limits`, the time promised must
/// be one the pizzeria's oven and drivers can keep, and its load is booked with the order.
pub async fn place(
    db: &DbPool,
    order: &NewOrder,
    capacity_limits: bool,
) -> Result<std::result::Result<Placed, Refusal>> {
    // A reference already taken (one chance in a billion) is drawn again.
    for _ in 0..3 {
        match place_once(db, order, &new_reference(), capacity_limits).await {
            Err(Error::Database(sqlx::Error::Database(e))) if e.is_unique_violation() => continue,
            other => return other,
        }
    }
    Err(Error::Integrity("no free order reference after 3 draws".into()))
}

async fn place_once(
    db: &DbPool,
    order: &NewOrder,
    reference: &str,
    capacity_limits: bool,
) -> Result<std::result::Result<Placed, Refusal>> {
    let now = unix_now();
    let user_id = order.taken_by.or(order.customer_id);
    let address = order.address.clone().unwrap_or_default();
    let guest_key = if order.guest { Some(crate::crypto::guest_key(reference)?) } else { None };
    let plan = match plan_from(&*catalogue::current(db).await?, order.pizzeria_id, &order.lines) {
        Ok(plan) => plan,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let messages = notifications::planned(
        Happening::Placed,
        order.mode,
        order.notify,
        order.customer_email.as_deref(),
        &order.customer_phone,
        outbox::channels(),
    );
    let outcome = db_run!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        let batch = pool.batches_as();
        let basket = basket(&order.lines, order.mode, order.address.as_ref());
        let times = &order.promise_times;
        let promise =
            match promise_in!(tx, pool, capacity_limits, order.pizzeria_id, basket, order.requested_for, times, now) {
                Ok(promise) => promise,
                Err(refusal) => {
                    tx.rollback().await?;
                    return Ok(Err(Refusal::Capacity(refusal)));
                }
            };
        let ingredients: Vec<i64> = plan.needs.iter().map(|n| n.ingredient_id).collect();
        if batch == Batch::CommonTableExpressions {
            let held = lock_stock!(tx, pool.row_lock(), order.pizzeria_id, ingredients.clone());
            if let Some(pizza) = plan.short_of(&held) {
                tx.rollback().await?;
                return Ok(Err(Refusal::OutOfStock(pizza)));
            }
        }
        let sql = placement_sql(batch, plan.lines.len(), plan.needs.len(), messages.len());
        let write = sqlx::query_as::<_, (i64, i64)>(&sql)
            .bind(reference)
            .bind(order.pizzeria_id)
            .bind(order.customer_id)
            .bind(order.taken_by)
            .bind(&order.customer_name)
            .bind(&order.customer_phone)
            .bind(order.customer_email.as_deref())
            .bind(order.channel.as_str())
            .bind(order.mode.as_str())
            .bind(order.payment_method.as_str());
        let mut write = bind_where_when_and_totals!(write, order.mode, &address, order.requested_for, plan.totals)
            .bind(guest_key.as_deref().map(crate::crypto::token_digest))
            .bind(now)
            .bind(if order.paid { PaymentStatus::Paid } else { PaymentStatus::Unpaid }.as_str())
            .bind(order.paid.then_some(plan.totals.ttc_cents))
            .bind(order.notify.email.as_str())
            .bind(order.notify.sms)
            .bind(user_id)
            .bind(promise.0);
        for line in &plan.lines {
            write = bind_line!(write, line);
        }
        for need in &plan.needs {
            write = write.bind(need.ingredient_id).bind(need.quantity);
        }
        for message in &messages {
            write = write
                .bind(message.channel.as_str())
                .bind(&message.recipient)
                .bind(message.kind.as_str())
                .bind(message.kind.subject(reference));
        }
        let written = match write.fetch_all(&mut *tx).await {
            Err(sqlx::Error::Database(e)) if e.kind() == sqlx::error::ErrorKind::CheckViolation => None,
            other => Some(other?),
        };
        let ids = match (batch, written.as_deref()) {
            (Batch::CommonTableExpressions, Some(&[ids])) => Some(ids),
            (Batch::Script, Some(&[(changed, _), ids])) if changed == ingredients.len() as i64 => Some(ids),
            (Batch::Script, _) => None,
            (Batch::CommonTableExpressions, _) => {
                return Err(Error::Integrity(format!("order {reference}: the placement wrote no order")))
            }
        };
        let Some((id, transition_id)) = ids else {
            // SQLite: short of something; what is left, read in the same transaction, says what.
            let held = lock_stock!(tx, pool.row_lock(), order.pizzeria_id, ingredients);
            tx.rollback().await?;
            return match plan.short_of(&held) {
                Some(pizza) => Ok(Err(Refusal::OutOfStock(pizza))),
                None => Err(Error::Integrity(format!("order {reference}: the stock refused it, yet suffices"))),
            };
        };
        if let Some(booking) = &promise.1 {
            write_booking!(tx, batch, id, order.pizzeria_id, booking);
        }
        let event = Event {
            id: transition_id,
            kind: "placed".into(),
            pizzeria_id: order.pizzeria_id,
            reference: reference.to_string(),
            status: Status::Placed.as_str().into(),
            window: None,
        };
        // No `notify_in`: PostgreSQL's statement notified already; SQLite publishes after the commit.
        tx.commit().await?;
        pool.after_commit(event);
        if !messages.is_empty() {
            outbox::wake();
        }
        Ok(Placed {
            id,
            reference: reference.to_string(),
            guest_key: guest_key.clone(),
            lines: written_lines(&plan),
            totals: plan.totals,
            created_at: now,
            promised_for: promise.0,
        })
    });
    Ok(outcome)
}

/// The order's lines, mode, address and time as they are before a modification.
macro_rules! before_change {
    ($tx:expr, $order_id:expr) => {{
        let lines: Vec<(i64, i64, String)> =
            sqlx::query_as("SELECT pizza_id, quantity, note FROM order_lines WHERE order_id = $1 ORDER BY id")
                .bind($order_id)
                .fetch_all(&mut *$tx)
                .await?;
        let (mode, street, postcode, city, instructions, requested_for): BeforeRow = sqlx::query_as(
            "SELECT mode, delivery_street, delivery_postcode, delivery_city, delivery_instructions, requested_for
             FROM orders WHERE id = $1",
        )
        .bind($order_id)
        .fetch_one(&mut *$tx)
        .await?;
        let mode = Mode::parse(&mode).unwrap_or(Mode::Takeaway);
        changes::Before {
            lines: lines
                .into_iter()
                .map(|(pizza_id, quantity, note)| LineRequest { pizza_id, quantity, note, composition: None })
                .collect(),
            mode,
            address: match (mode, street, postcode, city) {
                (Mode::Delivery, Some(street), Some(postcode), Some(city)) => {
                    Some(DeliveryAddress { street, postcode, city, instructions })
                }
                _ => None,
            },
            requested_for,
        }
    }};
}

/// mode, delivery street, postcode, city, instructions, requested for
type BeforeRow = (String, Option<String>, Option<String>, Option<String>, String, Option<i64>);

/// Replaces the lines, mode, address and time of a `placed` order: the old lines' stock is
/// released and the new lines' reserved in one transaction; if anything is short, the
/// order stays exactly as it was.
pub async fn modify(
    db: &DbPool,
    order_id: i64,
    version: i64,
    user_id: Option<i64>,
    change: &Change,
    capacity_limits: bool,
) -> Result<std::result::Result<(), Refusal>> {
    let now = unix_now();
    let address = change.address.clone().unwrap_or_default();
    let catalogue = catalogue::current(db).await?;
    let outcome = db_run!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        let claimed = claim_placed!(tx, order_id, version, now);
        let contact: Contact = sqlx::query_as(
            "SELECT pizzeria_id, reference, customer_email, customer_phone, notify_email, notify_sms
             FROM orders WHERE id = $1",
        )
        .bind(order_id)
        .fetch_one(&mut *tx)
        .await?;
        let (pizzeria_id, reference) = (contact.pizzeria_id, contact.reference.clone());
        let planned = plan_from(&catalogue, pizzeria_id, &change.lines);
        match (claimed, planned) {
            (Some(refusal), _) | (None, Err(refusal)) => {
                tx.rollback().await?;
                Err(refusal)
            }
            (None, Ok(plan)) => 'modified: {
                // Its load is freed first: the order competes for the room it held.
                free_promise!(tx, order_id);
                let basket = basket(&change.lines, change.mode, change.address.as_ref());
                let times = &change.promise_times;
                let promise =
                    match promise_in!(tx, pool, capacity_limits, pizzeria_id, basket, change.requested_for, times, now)
                    {
                        Ok(promise) => promise,
                        Err(refusal) => {
                            tx.rollback().await?;
                            break 'modified Err(Refusal::Capacity(refusal));
                        }
                    };
                write_promise!(tx, pool.batches_as(), order_id, pizzeria_id, &promise);
                let note = format!("{reference} (modification)");
                let before = before_change!(tx, order_id);
                let details = changes::describe(&before, change, |pizza_id| {
                    catalogue.pizza(pizza_id).map_or_else(|| format!("pizza n° {pizza_id}"), |p| p.name.clone())
                });
                let held = held_by_order!(tx, order_id);
                // Every row this change touches, locked once and in order.
                let touched: BTreeSet<i64> =
                    held.iter().map(|(id, _)| *id).chain(plan.needs.iter().map(|n| n.ingredient_id)).collect();
                lock_stock!(tx, pool.row_lock(), pizzeria_id, touched.into_iter().collect());
                release!(tx, pizzeria_id, order_id, &held, user_id, &note, now);
                sqlx::query("DELETE FROM order_lines WHERE order_id = $1").bind(order_id).execute(&mut *tx).await?;
                write_lines!(tx, plan, order_id);
                let update = sqlx::query(
                    "UPDATE orders SET mode = $1, delivery_street = $2, delivery_postcode = $3, delivery_city = $4,
                         delivery_instructions = $5, requested_for = $6, total_ht_cents = $7,
                         total_vat_cents = $8, total_ttc_cents = $9
                     WHERE id = $10",
                )
                .bind(change.mode.as_str());
                bind_where_when_and_totals!(update, change.mode, &address, change.requested_for, plan.totals)
                    .bind(order_id)
                    .execute(&mut *tx)
                    .await?;
                let transition_id: i64 = sqlx::query_scalar(
                    "INSERT INTO order_transitions (order_id, from_status, to_status, user_id, reason, details, created_at)
                     VALUES ($1, 'placed', 'placed', $2, 'modification', $3, $4) RETURNING id",
                )
                .bind(order_id)
                .bind(user_id)
                .bind(&details)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
                match reserve!(tx, pool.row_lock(), pizzeria_id, order_id, plan, user_id, &note, now) {
                    Some(pizza) => {
                        tx.rollback().await?;
                        Err(Refusal::OutOfStock(pizza))
                    }
                    None => {
                        let event = Event {
                            id: transition_id,
                            kind: "modified".into(),
                            pizzeria_id,
                            reference: reference.clone(),
                            status: Status::Placed.as_str().into(),
                            window: None,
                        };
                        let queued =
                            enqueue!(tx, order_id, &reference, contact.messages(Happening::Modified, change.mode), now);
                        pool.notify_in(&mut *tx, &event).await?;
                        tx.commit().await?;
                        pool.after_commit(event);
                        if queued {
                            outbox::wake();
                        }
                        Ok(())
                    }
                }
            }
        }
    });
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_placement_is_one_script_or_one_statement_with_numbered_parameters() {
        let script = placement_sql(Batch::Script, 2, 3, 1);
        assert!(script.starts_with("UPDATE stock"), "the stock first, stopped by its CHECK if short: {script}");
        assert_eq!(
            script.matches(";\n").count(),
            7,
            "stock, rows changed, order, transition, lines, movements, outbox, then the ids: {script}"
        );
        assert!(script.contains("VALUES ((SELECT id FROM orders WHERE reference = $1), $27, $28, $29, $30, $31, $32, $33), ((SELECT id FROM orders WHERE reference = $1), $34, $35, $36, $37, $38, $39, $40)"), "{script}");
        assert!(
            script.contains(
                "($2, $41, -$42, 'order', (SELECT id FROM orders WHERE reference = $1), $25, $1, $20), ($2, $43, -$44"
            ),
            "{script}"
        );
        assert!(
            script.contains("quantity - CASE ingredient_id WHEN $41 THEN $42 WHEN $43 THEN $44 WHEN $45 THEN $46 END"),
            "{script}"
        );
        assert!(script.contains("ingredient_id IN ($41, $43, $45)"), "{script}");
        assert!(script.contains("$47, $48, $49, $50, '', $20, $20)"), "{script}");
        assert!(!script.contains("RETURNING"), "{script}");

        let statement = placement_sql(Batch::CommonTableExpressions, 1, 1, 0);
        assert!(!statement.contains(';'), "{statement}");
        assert!(statement.starts_with("WITH o AS (INSERT INTO orders"), "{statement}");
        assert!(statement.contains("VALUES ((SELECT id FROM o), $27, $28, $29, $30, $31, $32, $33)"), "{statement}");
        assert!(statement.contains("w1 AS (INSERT INTO order_transitions"), "{statement}");
        assert!(!statement.contains("notification_outbox"), "no message, no outbox row: {statement}");
        assert!(statement.contains("w3 AS (UPDATE stock"), "{statement}");
        assert!(statement.ends_with("SELECT (SELECT id FROM o), (SELECT id FROM w1) FROM notified"), "{statement}");
        assert!(
            statement.contains(&format!("pg_notify('{}', json_build_object('id', (SELECT id FROM w1)", live::CHANNEL))
        );
    }
}
