//! Writing orders: placing one reserves its stock in the same transaction; modifying it
//! (while `placed`) releases and reserves again, atomically. Status changes, cancellation
//! included, are in `order_moves`.
//!
//! The stock rows an order needs are locked in ingredient order (`SELECT … FOR UPDATE` on
//! PostgreSQL; on SQLite the transaction holds the database's write lock from its start),
//! checked, then updated in one statement, as the last step before the commit. Either the
//! whole order is written, or nothing is. One statement per kind of row: the fewer round
//! trips in the transaction, the shorter the stock rows stay locked.

use std::collections::{BTreeSet, HashMap};

use super::orders::{Change, LineRequest, NewOrder, Placed, Refusal};
use super::outbox::{self, enqueue};
use super::stock_sql::{apply_stock, held_by_order, lock_stock, release, value_rows};
use crate::db::{BeginWrite, DbPool};
use crate::domain::availability::RecipeNeed;
use crate::domain::notifications::{self, EmailLevel, Happening, Preferences};
use crate::domain::orders::{self, Mode, Status};
use crate::domain::pricing::{self, PricedLine, Totals};
use crate::live::{Announce, Event};
use crate::{db_run, unix_now, Error, Result};

#[derive(sqlx::FromRow)]
struct MenuPizza {
    id: i64,
    name: String,
    price_cents: i64,
    vat_rate_bp: i64,
    orderable: bool,
}

const CATALOGUE_PIZZAS: &str = "SELECT p.id, p.name, p.price_cents, p.vat_rate_bp,
        (p.active AND NOT EXISTS (SELECT 1 FROM menu_withdrawals w WHERE w.pizza_id = p.id AND w.pizzeria_id = $1))
        AS orderable
    FROM pizzas p";
const CATALOGUE_RECIPES: &str = "SELECT pizza_id, ingredient_id, quantity FROM recipe_lines";

/// A line ready to be written: priced from the catalogue.
struct PricedRequest {
    pizza_id: i64,
    name: String,
    price: PricedLine,
    note: String,
}

/// What an order takes of one ingredient, and a pizza that needs it (for the message).
struct Need {
    ingredient_id: i64,
    quantity: i64,
    pizza: String,
}

/// The order as it will be written: priced lines, stock needs in ingredient order, totals.
struct Plan {
    lines: Vec<PricedRequest>,
    needs: Vec<Need>,
    totals: Totals,
}

fn plan(
    pizzas: Vec<MenuPizza>,
    recipe_rows: Vec<(i64, i64, i64)>,
    requests: &[LineRequest],
) -> std::result::Result<Plan, Refusal> {
    let mut recipes: HashMap<i64, Vec<RecipeNeed>> = HashMap::new();
    for (pizza_id, ingredient_id, quantity) in recipe_rows {
        recipes.entry(pizza_id).or_default().push(RecipeNeed { ingredient_id, quantity });
    }
    let pizzas: HashMap<i64, MenuPizza> = pizzas.into_iter().map(|p| (p.id, p)).collect();
    let mut lines = Vec::new();
    for request in requests {
        let pizza = pizzas.get(&request.pizza_id).ok_or_else(|| Refusal::Unavailable("?".into()))?;
        if !pizza.orderable || !recipes.contains_key(&pizza.id) {
            return Err(Refusal::Unavailable(pizza.name.clone()));
        }
        lines.push(PricedRequest {
            pizza_id: pizza.id,
            name: pizza.name.clone(),
            price: PricedLine {
                unit_price_cents: pizza.price_cents,
                vat_rate_bp: pizza.vat_rate_bp,
                quantity: request.quantity,
            },
            note: request.note.clone(),
        });
    }
    let wanted: Vec<(i64, i64)> = lines.iter().map(|l| (l.pizza_id, l.price.quantity)).collect();
    let needs = orders::stock_needs(&wanted, &recipes)
        .into_iter()
        .map(|(ingredient_id, quantity)| {
            let pizza = lines
                .iter()
                .find(|l| recipes.get(&l.pizza_id).is_some_and(|r| r.iter().any(|n| n.ingredient_id == ingredient_id)))
                .map(|l| l.name.clone())
                .unwrap_or_default();
            Need { ingredient_id, quantity, pizza }
        })
        .collect();
    let prices: Vec<PricedLine> = lines.iter().map(|l| l.price).collect();
    Ok(Plan { totals: pricing::totals(&prices), lines, needs })
}

/// Reads the catalogue in the transaction and plans the order.
macro_rules! load_plan {
    ($tx:expr, $pizzeria_id:expr, $requests:expr) => {{
        let pizzas: Vec<MenuPizza> = sqlx::query_as(CATALOGUE_PIZZAS).bind($pizzeria_id).fetch_all(&mut *$tx).await?;
        let recipes: Vec<(i64, i64, i64)> = sqlx::query_as(CATALOGUE_RECIPES).fetch_all(&mut *$tx).await?;
        plan(pizzas, recipes, $requests)
    }};
}

/// The order's lines and its `order` movements: one statement each.
macro_rules! write_lines_and_journal {
    ($tx:expr, $plan:expr, $pizzeria_id:expr, $order_id:expr, $user_id:expr, $note:expr, $now:expr) => {{
        let sql = format!(
            "INSERT INTO order_lines (order_id, pizza_id, pizza_name, unit_price_cents, vat_rate_bp, quantity, note)
             VALUES {}",
            value_rows(1, $plan.lines.len(), 7)
        );
        let mut insert = sqlx::query(&sql);
        for line in &$plan.lines {
            insert = insert
                .bind($order_id)
                .bind(line.pizza_id)
                .bind(&line.name)
                .bind(line.price.unit_price_cents)
                .bind(line.price.vat_rate_bp)
                .bind(line.price.quantity)
                .bind(&line.note);
        }
        insert.execute(&mut *$tx).await?;
        if !$plan.needs.is_empty() {
            let sql = format!(
                "INSERT INTO stock_movements (pizzeria_id, ingredient_id, delta, kind, order_id, user_id, note, created_at)
                 VALUES {}",
                value_rows(1, $plan.needs.len(), 8)
            );
            let mut insert = sqlx::query(&sql);
            for need in &$plan.needs {
                insert = insert
                    .bind($pizzeria_id)
                    .bind(need.ingredient_id)
                    .bind(-need.quantity)
                    .bind("order")
                    .bind($order_id)
                    .bind($user_id)
                    .bind($note)
                    .bind($now);
            }
            insert.execute(&mut *$tx).await?;
        }
    }};
}

/// Takes the plan's stock, as the last step before the commit. `Some(pizza)` when short.
macro_rules! reserve {
    ($tx:expr, $lock:expr, $pizzeria_id:expr, $plan:expr, $now:expr) => {{
        let held = lock_stock!($tx, $lock, $pizzeria_id, $plan.needs.iter().map(|n| n.ingredient_id).collect());
        match $plan.needs.iter().find(|n| held.get(&n.ingredient_id).copied().unwrap_or(0) < n.quantity) {
            Some(short) => Some(short.pizza.clone()),
            None => {
                apply_stock!(
                    $tx,
                    $pizzeria_id,
                    $plan.needs.iter().map(|n| (n.ingredient_id, -n.quantity)).collect(),
                    $now
                );
                None
            }
        }
    }};
}

/// Claims the right to change the order: it must still be `placed` and at `version`.
/// Bumps the version (and locks the order row until the transaction ends).
macro_rules! claim_placed {
    ($tx:expr, $order_id:expr, $version:expr, $now:expr) => {{
        let claimed = sqlx::query(
            "UPDATE orders SET version = version + 1, updated_at = $1
             WHERE id = $2 AND version = $3 AND status = 'placed' AND payment_method <> 'online'",
        )
        .bind($now)
        .bind($order_id)
        .bind($version)
        .execute(&mut *$tx)
        .await?
        .rows_affected();
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

/// Who an order's messages go to, and what they asked for, as the order row keeps it.
#[derive(sqlx::FromRow)]
pub(crate) struct Contact {
    pub pizzeria_id: i64,
    pub reference: String,
    pub customer_email: Option<String>,
    pub customer_phone: String,
    pub notify_email: String,
    pub notify_sms: bool,
}

impl Contact {
    pub fn messages(&self, happening: Happening, mode: Mode) -> Vec<notifications::Planned> {
        let preferences = Preferences {
            email: EmailLevel::parse(&self.notify_email).unwrap_or(EmailLevel::All),
            sms: self.notify_sms,
        };
        notifications::planned(
            happening,
            mode,
            preferences,
            self.customer_email.as_deref(),
            &self.customer_phone,
            outbox::channels(),
        )
    }
}

fn new_reference() -> String {
    use argon2::password_hash::rand_core::{OsRng, RngCore};
    let mut bytes = [0u8; 6];
    OsRng.fill_bytes(&mut bytes);
    orders::reference_from(&bytes)
}

/// Places an order: everything or nothing.
pub async fn place(db: &DbPool, order: &NewOrder) -> Result<std::result::Result<Placed, Refusal>> {
    // A reference already taken (one chance in a billion) is drawn again.
    for _ in 0..3 {
        match place_once(db, order, &new_reference()).await {
            Err(Error::Database(sqlx::Error::Database(e))) if e.is_unique_violation() => continue,
            other => return other,
        }
    }
    Err(Error::Integrity("no free order reference after 3 draws".into()))
}

async fn place_once(db: &DbPool, order: &NewOrder, reference: &str) -> Result<std::result::Result<Placed, Refusal>> {
    let now = unix_now();
    let user_id = order.taken_by.or(order.customer_id);
    let address = order.address.clone().unwrap_or_default();
    let delivery = order.mode == Mode::Delivery;
    let guest_key = if order.guest { Some(crate::crypto::guest_key(reference)?) } else { None };
    let outcome = db_run!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        match load_plan!(tx, order.pizzeria_id, &order.lines) {
            Err(refusal) => {
                tx.rollback().await?;
                Err(refusal)
            }
            Ok(plan) => {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO orders (reference, pizzeria_id, customer_id, taken_by, customer_name, customer_phone,
                         customer_email, channel, mode, status, payment_method, payment_status, delivery_street,
                         delivery_postcode, delivery_city, delivery_instructions, requested_for, total_ht_cents,
                         total_vat_cents, total_ttc_cents, access_token_hash, created_at, updated_at, collected_cents,
                         notify_email, notify_sms)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'placed', $10, $21, $11, $12, $13, $14, $15, $16,
                             $17, $18, $19, $20, $20, $22, $23, $24)
                     RETURNING id",
                )
                .bind(reference)
                .bind(order.pizzeria_id)
                .bind(order.customer_id)
                .bind(order.taken_by)
                .bind(&order.customer_name)
                .bind(&order.customer_phone)
                .bind(order.customer_email.as_deref())
                .bind(order.channel)
                .bind(order.mode.as_str())
                .bind(order.payment_method.as_str())
                .bind(delivery.then_some(address.street.as_str()))
                .bind(delivery.then_some(address.postcode.as_str()))
                .bind(delivery.then_some(address.city.as_str()))
                .bind(if delivery { address.instructions.as_str() } else { "" })
                .bind(order.requested_for)
                .bind(plan.totals.ht_cents)
                .bind(plan.totals.vat_cents)
                .bind(plan.totals.ttc_cents)
                .bind(guest_key.as_deref().map(crate::crypto::token_digest))
                .bind(now)
                .bind(if order.paid { "paid" } else { "unpaid" })
                .bind(order.paid.then_some(plan.totals.ttc_cents))
                .bind(order.notify.email.as_str())
                .bind(order.notify.sms)
                .fetch_one(&mut *tx)
                .await?;
                write_lines_and_journal!(tx, plan, order.pizzeria_id, id, user_id, reference, now);
                let transition_id: i64 = sqlx::query_scalar(
                    "INSERT INTO order_transitions (order_id, from_status, to_status, user_id, created_at)
                     VALUES ($1, NULL, 'placed', $2, $3) RETURNING id",
                )
                .bind(id)
                .bind(user_id)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
                match reserve!(tx, pool.row_lock(), order.pizzeria_id, plan, now) {
                    Some(pizza) => {
                        tx.rollback().await?;
                        Err(Refusal::OutOfStock(pizza))
                    }
                    None => {
                        let event = Event {
                            id: transition_id,
                            kind: "placed".into(),
                            pizzeria_id: order.pizzeria_id,
                            reference: reference.to_string(),
                            status: Status::Placed.as_str().into(),
                        };
                        let messages = notifications::planned(
                            Happening::Placed,
                            order.mode,
                            order.notify,
                            order.customer_email.as_deref(),
                            &order.customer_phone,
                            outbox::channels(),
                        );
                        let queued = enqueue!(tx, id, reference, messages, now);
                        pool.notify_in(&mut *tx, &event).await?;
                        tx.commit().await?;
                        pool.after_commit(event);
                        if queued {
                            outbox::wake();
                        }
                        Ok(Placed { id, reference: reference.to_string(), guest_key: guest_key.clone() })
                    }
                }
            }
        }
    });
    Ok(outcome)
}

/// Replaces the lines, mode, address and time of a `placed` order: the old lines' stock is
/// released and the new lines' reserved in one transaction; if anything is short, the
/// order stays exactly as it was.
pub async fn modify(
    db: &DbPool,
    order_id: i64,
    version: i64,
    user_id: Option<i64>,
    change: &Change,
) -> Result<std::result::Result<(), Refusal>> {
    let now = unix_now();
    let address = change.address.clone().unwrap_or_default();
    let delivery = change.mode == Mode::Delivery;
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
        let planned = load_plan!(tx, pizzeria_id, &change.lines);
        match (claimed, planned) {
            (Some(refusal), _) | (None, Err(refusal)) => {
                tx.rollback().await?;
                Err(refusal)
            }
            (None, Ok(plan)) => {
                let note = format!("{reference} (modification)");
                let held = held_by_order!(tx, order_id);
                // Every row this change touches, locked once and in order.
                let touched: BTreeSet<i64> =
                    held.iter().map(|(id, _)| *id).chain(plan.needs.iter().map(|n| n.ingredient_id)).collect();
                lock_stock!(tx, pool.row_lock(), pizzeria_id, touched.into_iter().collect());
                release!(tx, pizzeria_id, order_id, &held, user_id, &note, now);
                sqlx::query("DELETE FROM order_lines WHERE order_id = $1").bind(order_id).execute(&mut *tx).await?;
                write_lines_and_journal!(tx, plan, pizzeria_id, order_id, user_id, &note, now);
                sqlx::query(
                    "UPDATE orders SET mode = $1, delivery_street = $2, delivery_postcode = $3, delivery_city = $4,
                         delivery_instructions = $5, requested_for = $6, total_ht_cents = $7,
                         total_vat_cents = $8, total_ttc_cents = $9
                     WHERE id = $10",
                )
                .bind(change.mode.as_str())
                .bind(delivery.then_some(address.street.as_str()))
                .bind(delivery.then_some(address.postcode.as_str()))
                .bind(delivery.then_some(address.city.as_str()))
                .bind(if delivery { address.instructions.as_str() } else { "" })
                .bind(change.requested_for)
                .bind(plan.totals.ht_cents)
                .bind(plan.totals.vat_cents)
                .bind(plan.totals.ttc_cents)
                .bind(order_id)
                .execute(&mut *tx)
                .await?;
                let transition_id: i64 = sqlx::query_scalar(
                    "INSERT INTO order_transitions (order_id, from_status, to_status, user_id, reason, created_at)
                     VALUES ($1, 'placed', 'placed', $2, 'modification', $3) RETURNING id",
                )
                .bind(order_id)
                .bind(user_id)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
                match reserve!(tx, pool.row_lock(), pizzeria_id, plan, now) {
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
    fn a_plan_prices_lines_and_names_who_needs_what() {
        let pizzas = vec![
            MenuPizza { id: 1, name: "Margherita".into(), price_cents: 950, vat_rate_bp: 1000, orderable: true },
            MenuPizza { id: 2, name: "Reine".into(), price_cents: 1150, vat_rate_bp: 1000, orderable: false },
        ];
        let recipes = vec![(1, 10, 120), (1, 11, 1), (2, 10, 110)];
        let line = |pizza_id, quantity| LineRequest { pizza_id, quantity, note: String::new() };
        let planned = plan(pizzas, recipes.clone(), &[line(1, 2)]).expect("a plan");
        assert_eq!(planned.totals.ttc_cents, 1900);
        assert_eq!(
            planned.needs.iter().map(|n| (n.ingredient_id, n.quantity)).collect::<Vec<_>>(),
            vec![(10, 240), (11, 2)]
        );
        assert_eq!(planned.needs[0].pizza, "Margherita");
        let pizzas =
            vec![MenuPizza { id: 2, name: "Reine".into(), price_cents: 1150, vat_rate_bp: 1000, orderable: false }];
        assert!(matches!(plan(pizzas, recipes, &[line(2, 1)]), Err(Refusal::Unavailable(name)) if name == "Reine"));
    }
}
