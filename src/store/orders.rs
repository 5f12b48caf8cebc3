//! Orders: placing one reserves its stock in the same transaction; modifying or cancelling
//! it (while `placed`) releases and reserves again, atomically.
//!
//! The reservation is one conditional `UPDATE stock … WHERE quantity >= need` per
//! ingredient, in ingredient order: on PostgreSQL the row lock makes a concurrent order
//! wait and re-check the condition; on SQLite the transaction holds the write lock from its
//! start (`BEGIN IMMEDIATE`). Either the whole order is written, or nothing is.

use std::collections::HashMap;

use sqlx::FromRow;

use crate::db::{BeginWrite, DbPool};
use crate::domain::availability::RecipeNeed;
use crate::domain::orders::{self, Mode, PaymentMethod, Status};
use crate::domain::pricing::{self, PricedLine, Totals};
use crate::{db_run, unix_now, Error, Result};

#[derive(Debug, Clone)]
pub struct LineRequest {
    pub pizza_id: i64,
    pub quantity: i64,
    pub note: String,
}

#[derive(Debug, Clone, Default)]
pub struct DeliveryAddress {
    pub street: String,
    pub postcode: String,
    pub city: String,
    pub instructions: String,
}

#[derive(Debug, Clone)]
pub struct NewOrder {
    pub pizzeria_id: i64,
    pub customer_id: Option<i64>,
    /// The member of staff who took it (phone and counter orders).
    pub taken_by: Option<i64>,
    pub customer_name: String,
    pub customer_phone: String,
    pub customer_email: Option<String>,
    pub channel: &'static str,
    pub mode: Mode,
    pub address: Option<DeliveryAddress>,
    /// UTC epoch seconds; `None`: as soon as possible.
    pub requested_for: Option<i64>,
    pub payment_method: PaymentMethod,
    pub lines: Vec<LineRequest>,
    /// Digest of the guest's private link token.
    pub access_token_hash: Option<String>,
}

/// What the customer is told when an order cannot be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The pizza is not on this pizzeria's menu now (inactive or withdrawn).
    Unavailable(String),
    /// Not enough stock for this pizza.
    OutOfStock(String),
    /// The order changed since the form was loaded.
    Stale,
    /// The order has moved on: the customer can no longer change it.
    TooLate(Status),
}

impl Refusal {
    pub fn message(&self) -> String {
        match self {
            Refusal::Unavailable(name) => format!("La pizza « {name} » n'est plus à la carte de cette pizzeria."),
            Refusal::OutOfStock(name) => {
                format!("Il ne reste plus assez d'ingrédients pour « {name} » : réduisez la quantité ou choisissez une autre pizza.")
            }
            Refusal::Stale => {
                "Cette commande a changé depuis l'ouverture de la page : vérifiez-la et recommencez.".to_string()
            }
            Refusal::TooLate(status) => format!(
                "La commande ne peut plus être modifiée ni annulée : elle est « {} ».",
                status.label().to_lowercase()
            ),
        }
    }
}

#[derive(FromRow)]
struct MenuPizza {
    id: i64,
    name: String,
    price_cents: i64,
    vat_rate_bp: i64,
    orderable: bool,
}

/// The pizzas (with whether this pizzeria sells them now) and their recipes.
struct Catalogue {
    pizzas: HashMap<i64, MenuPizza>,
    recipes: HashMap<i64, Vec<RecipeNeed>>,
}

/// A line ready to be written: priced from the catalogue.
struct PricedRequest {
    pizza_id: i64,
    name: String,
    price: PricedLine,
    note: String,
}

fn price_lines(catalogue: &Catalogue, lines: &[LineRequest]) -> std::result::Result<Vec<PricedRequest>, Refusal> {
    lines
        .iter()
        .map(|line| {
            let pizza = catalogue.pizzas.get(&line.pizza_id).ok_or_else(|| Refusal::Unavailable("?".into()))?;
            if !pizza.orderable || !catalogue.recipes.contains_key(&pizza.id) {
                return Err(Refusal::Unavailable(pizza.name.clone()));
            }
            Ok(PricedRequest {
                pizza_id: pizza.id,
                name: pizza.name.clone(),
                price: PricedLine {
                    unit_price_cents: pizza.price_cents,
                    vat_rate_bp: pizza.vat_rate_bp,
                    quantity: line.quantity,
                },
                note: line.note.clone(),
            })
        })
        .collect()
}

/// The pizza that needs `ingredient_id`, for the out-of-stock message.
fn pizza_needing(catalogue: &Catalogue, lines: &[PricedRequest], ingredient_id: i64) -> String {
    lines
        .iter()
        .find(|line| {
            catalogue.recipes.get(&line.pizza_id).is_some_and(|r| r.iter().any(|n| n.ingredient_id == ingredient_id))
        })
        .map(|line| line.name.clone())
        .unwrap_or_default()
}

const CATALOGUE_PIZZAS: &str = "SELECT p.id, p.name, p.price_cents, p.vat_rate_bp,
        (p.active AND NOT EXISTS (SELECT 1 FROM menu_withdrawals w WHERE w.pizza_id = p.id AND w.pizzeria_id = $1))
        AS orderable
    FROM pizzas p";
const CATALOGUE_RECIPES: &str = "SELECT pizza_id, ingredient_id, quantity FROM recipe_lines";

/// Reads the catalogue, reserves the stock and writes lines and journal rows: the common
/// part of placing and modifying. The macro keeps one body for both backends' transactions.
macro_rules! reserve_and_write_lines {
    ($tx:expr, $pizzeria_id:expr, $order_id:expr, $reference:expr, $user_id:expr, $lines:expr, $now:expr) => {{
        let pizzas: Vec<MenuPizza> = sqlx::query_as(CATALOGUE_PIZZAS).bind($pizzeria_id).fetch_all(&mut *$tx).await?;
        let recipe_rows: Vec<(i64, i64, i64)> = sqlx::query_as(CATALOGUE_RECIPES).fetch_all(&mut *$tx).await?;
        let mut recipes: HashMap<i64, Vec<RecipeNeed>> = HashMap::new();
        for (pizza_id, ingredient_id, quantity) in recipe_rows {
            recipes.entry(pizza_id).or_default().push(RecipeNeed { ingredient_id, quantity });
        }
        let catalogue = Catalogue { pizzas: pizzas.into_iter().map(|p| (p.id, p)).collect(), recipes };
        match price_lines(&catalogue, $lines) {
            Err(refusal) => Err(refusal),
            Ok(priced) => {
                let wanted: Vec<(i64, i64)> = priced.iter().map(|l| (l.pizza_id, l.price.quantity)).collect();
                let needs = orders::stock_needs(&wanted, &catalogue.recipes);
                {
                    {
                        for line in &priced {
                            sqlx::query(
                                "INSERT INTO order_lines (order_id, pizza_id, pizza_name, unit_price_cents, vat_rate_bp,
                                                          quantity, note)
                                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
                            )
                            .bind($order_id)
                            .bind(line.pizza_id)
                            .bind(&line.name)
                            .bind(line.price.unit_price_cents)
                            .bind(line.price.vat_rate_bp)
                            .bind(line.price.quantity)
                            .bind(&line.note)
                            .execute(&mut *$tx)
                            .await?;
                        }
                        for (ingredient_id, need) in &needs {
                            sqlx::query(
                                "INSERT INTO stock_movements (pizzeria_id, ingredient_id, delta, kind, order_id, user_id,
                                                              note, created_at)
                                 VALUES ($1, $2, $3, 'order', $4, $5, $6, $7)",
                            )
                            .bind($pizzeria_id)
                            .bind(ingredient_id)
                            .bind(-need)
                            .bind($order_id)
                            .bind($user_id)
                            .bind($reference)
                            .bind($now)
                            .execute(&mut *$tx)
                            .await?;
                        }
                        let prices: Vec<PricedLine> = priced.iter().map(|l| l.price).collect();
                        let needs: Vec<Need> = needs
                            .into_iter()
                            .map(|(ingredient_id, quantity)| Need {
                                ingredient_id,
                                quantity,
                                pizza: pizza_needing(&catalogue, &priced, ingredient_id),
                            })
                            .collect();
                        Ok((pricing::totals(&prices), needs))
                    }
                }
            }
        }
    }};
}

/// What an order takes of one ingredient, and a pizza that needs it (for the message).
struct Need {
    ingredient_id: i64,
    quantity: i64,
    pizza: String,
}

/// Takes the stock, in ingredient order, as the last statements before the commit: on
/// PostgreSQL the stock rows stay locked only from here to the commit. `Some(pizza)` when
/// an ingredient is short.
macro_rules! reserve {
    ($tx:expr, $pizzeria_id:expr, $needs:expr, $now:expr) => {{
        let mut short = None;
        for need in $needs {
            let reserved = sqlx::query(
                "UPDATE stock SET quantity = quantity - $1, updated_at = $2
                 WHERE pizzeria_id = $3 AND ingredient_id = $4 AND quantity >= $1",
            )
            .bind(need.quantity)
            .bind($now)
            .bind($pizzeria_id)
            .bind(need.ingredient_id)
            .execute(&mut *$tx)
            .await?
            .rows_affected();
            if reserved != 1 {
                short = Some(need.pizza.clone());
                break;
            }
        }
        short
    }};
}

/// Gives back to the stock what an order holds (the sum of its movements), journaled.
macro_rules! release_stock {
    ($tx:expr, $pizzeria_id:expr, $order_id:expr, $user_id:expr, $note:expr, $now:expr) => {{
        let held: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT ingredient_id, CAST(-SUM(delta) AS BIGINT) FROM stock_movements
             WHERE order_id = $1 GROUP BY ingredient_id HAVING SUM(delta) < 0 ORDER BY ingredient_id",
        )
        .bind($order_id)
        .fetch_all(&mut *$tx)
        .await?;
        for (ingredient_id, quantity) in held {
            sqlx::query("UPDATE stock SET quantity = quantity + $1, updated_at = $2 WHERE pizzeria_id = $3 AND ingredient_id = $4")
                .bind(quantity)
                .bind($now)
                .bind($pizzeria_id)
                .bind(ingredient_id)
                .execute(&mut *$tx)
                .await?;
            sqlx::query(
                "INSERT INTO stock_movements (pizzeria_id, ingredient_id, delta, kind, order_id, user_id, note, created_at)
                 VALUES ($1, $2, $3, 'cancellation', $4, $5, $6, $7)",
            )
            .bind($pizzeria_id)
            .bind(ingredient_id)
            .bind(quantity)
            .bind($order_id)
            .bind($user_id)
            .bind($note)
            .bind($now)
            .execute(&mut *$tx)
            .await?;
        }
    }};
}

#[derive(Debug, Clone)]
pub struct Placed {
    pub id: i64,
    pub reference: String,
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
    let outcome = db_run!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        // The order row first (totals filled in below), so that lines and movements can
        // point to it.
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO orders (reference, pizzeria_id, customer_id, taken_by, customer_name, customer_phone,
                 customer_email, channel, mode, status, payment_method, payment_status, delivery_street,
                 delivery_postcode, delivery_city, delivery_instructions, requested_for, total_ht_cents,
                 total_vat_cents, total_ttc_cents, access_token_hash, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'placed', $10, 'unpaid', $11, $12, $13, $14, $15, 0, 0, 0,
                     $16, $17, $17)
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
        .bind(order.access_token_hash.as_deref())
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        let written: std::result::Result<(Totals, Vec<Need>), Refusal> =
            reserve_and_write_lines!(tx, order.pizzeria_id, id, reference, user_id, &order.lines, now);
        match written {
            Err(refusal) => {
                tx.rollback().await?;
                Err(refusal)
            }
            Ok((totals, needs)) => {
                sqlx::query("UPDATE orders SET total_ht_cents = $1, total_vat_cents = $2, total_ttc_cents = $3 WHERE id = $4")
                    .bind(totals.ht_cents)
                    .bind(totals.vat_cents)
                    .bind(totals.ttc_cents)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO order_transitions (order_id, from_status, to_status, user_id, created_at)
                     VALUES ($1, NULL, 'placed', $2, $3)",
                )
                .bind(id)
                .bind(user_id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                match reserve!(tx, order.pizzeria_id, &needs, now) {
                    Some(pizza) => {
                        tx.rollback().await?;
                        Err(Refusal::OutOfStock(pizza))
                    }
                    None => {
                        tx.commit().await?;
                        Ok(Placed { id, reference: reference.to_string() })
                    }
                }
            }
        }
    });
    Ok(outcome)
}

/// Claims the right to change the order: it must still be `placed` and at `version`.
/// Bumps the version (and locks the row until the transaction ends).
macro_rules! claim_placed {
    ($tx:expr, $order_id:expr, $version:expr, $now:expr) => {{
        let claimed = sqlx::query(
            "UPDATE orders SET version = version + 1, updated_at = $1 WHERE id = $2 AND version = $3 AND status = 'placed'",
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
            let status: Option<String> =
                sqlx::query_scalar("SELECT status FROM orders WHERE id = $1").bind($order_id).fetch_optional(&mut *$tx).await?;
            Some(match status.as_deref().and_then(Status::parse) {
                Some(status) if status != Status::Placed => Refusal::TooLate(status),
                _ => Refusal::Stale,
            })
        }
    }};
}

/// Cancels a `placed` order and gives its stock back.
pub async fn cancel(
    db: &DbPool,
    order_id: i64,
    version: i64,
    user_id: Option<i64>,
    reason: &str,
) -> Result<std::result::Result<(), Refusal>> {
    let now = unix_now();
    let outcome = db_run!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        match claim_placed!(tx, order_id, version, now) {
            Some(refusal) => {
                tx.rollback().await?;
                Err(refusal)
            }
            None => {
                let (pizzeria_id, reference): (i64, String) =
                    sqlx::query_as("SELECT pizzeria_id, reference FROM orders WHERE id = $1")
                        .bind(order_id)
                        .fetch_one(&mut *tx)
                        .await?;
                release_stock!(tx, pizzeria_id, order_id, user_id, &reference, now);
                sqlx::query("UPDATE orders SET status = 'cancelled', cancel_reason = $1 WHERE id = $2")
                    .bind(reason)
                    .bind(order_id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO order_transitions (order_id, from_status, to_status, user_id, reason, created_at)
                     VALUES ($1, 'placed', 'cancelled', $2, $3, $4)",
                )
                .bind(order_id)
                .bind(user_id)
                .bind(reason)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }
        }
    });
    Ok(outcome)
}

/// What a customer may change on a `placed` order.
#[derive(Debug, Clone)]
pub struct Change {
    pub lines: Vec<LineRequest>,
    pub mode: Mode,
    pub address: Option<DeliveryAddress>,
    pub requested_for: Option<i64>,
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
        match claim_placed!(tx, order_id, version, now) {
            Some(refusal) => {
                tx.rollback().await?;
                Err(refusal)
            }
            None => {
                let (pizzeria_id, reference): (i64, String) =
                    sqlx::query_as("SELECT pizzeria_id, reference FROM orders WHERE id = $1")
                        .bind(order_id)
                        .fetch_one(&mut *tx)
                        .await?;
                let note = format!("{reference} (modification)");
                release_stock!(tx, pizzeria_id, order_id, user_id, &note, now);
                sqlx::query("DELETE FROM order_lines WHERE order_id = $1").bind(order_id).execute(&mut *tx).await?;
                let written: std::result::Result<(Totals, Vec<Need>), Refusal> =
                    reserve_and_write_lines!(tx, pizzeria_id, order_id, &note, user_id, &change.lines, now);
                match written {
                    Err(refusal) => {
                        tx.rollback().await?;
                        Err(refusal)
                    }
                    Ok((totals, needs)) => {
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
                        .bind(totals.ht_cents)
                        .bind(totals.vat_cents)
                        .bind(totals.ttc_cents)
                        .bind(order_id)
                        .execute(&mut *tx)
                        .await?;
                        sqlx::query(
                            "INSERT INTO order_transitions (order_id, from_status, to_status, user_id, reason, created_at)
                             VALUES ($1, 'placed', 'placed', $2, 'modification', $3)",
                        )
                        .bind(order_id)
                        .bind(user_id)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                        match reserve!(tx, pizzeria_id, &needs, now) {
                            Some(pizza) => {
                                tx.rollback().await?;
                                Err(Refusal::OutOfStock(pizza))
                            }
                            None => {
                                tx.commit().await?;
                                Ok(())
                            }
                        }
                    }
                }
            }
        }
    });
    Ok(outcome)
}

/// An order as its pages show it.
#[derive(Debug, Clone, FromRow)]
pub struct Order {
    pub id: i64,
    pub reference: String,
    pub pizzeria_id: i64,
    pub pizzeria_name: String,
    pub pizzeria_slug: String,
    pub pizzeria_phone: String,
    pub customer_id: Option<i64>,
    pub customer_name: String,
    pub customer_phone: String,
    pub customer_email: Option<String>,
    pub channel: String,
    pub mode: String,
    pub status: String,
    pub payment_method: String,
    pub payment_status: String,
    pub delivery_street: Option<String>,
    pub delivery_postcode: Option<String>,
    pub delivery_city: Option<String>,
    pub delivery_instructions: String,
    pub requested_for: Option<i64>,
    pub total_ht_cents: i64,
    pub total_vat_cents: i64,
    pub total_ttc_cents: i64,
    pub cancel_reason: Option<String>,
    pub version: i64,
    pub created_at: i64,
    pub access_token_hash: Option<String>,
}

impl Order {
    pub fn status(&self) -> Status {
        Status::parse(&self.status).unwrap_or(Status::Placed)
    }

    pub fn mode(&self) -> Mode {
        Mode::parse(&self.mode).unwrap_or(Mode::Takeaway)
    }
}

#[derive(Debug, Clone, FromRow)]
pub struct OrderLine {
    pub pizza_id: i64,
    pub pizza_name: String,
    pub unit_price_cents: i64,
    pub vat_rate_bp: i64,
    pub quantity: i64,
    pub note: String,
}

const ORDER_SELECT: &str = "SELECT o.id, o.reference, o.pizzeria_id, p.name AS pizzeria_name, p.slug AS pizzeria_slug,
        p.phone AS pizzeria_phone, o.customer_id, o.customer_name, o.customer_phone, o.customer_email, o.channel,
        o.mode, o.status, o.payment_method, o.payment_status, o.delivery_street, o.delivery_postcode, o.delivery_city,
        o.delivery_instructions, o.requested_for, o.total_ht_cents, o.total_vat_cents, o.total_ttc_cents,
        o.cancel_reason, o.version, o.created_at, o.access_token_hash
    FROM orders o JOIN pizzerias p ON p.id = o.pizzeria_id";

pub async fn by_reference(db: &DbPool, reference: &str) -> Result<Option<(Order, Vec<OrderLine>)>> {
    let sql = format!("{ORDER_SELECT} WHERE o.reference = $1");
    let found = db_run!(db, |pool| {
        let order: Option<Order> = sqlx::query_as(&sql).bind(reference).fetch_optional(pool).await?;
        match order {
            None => None,
            Some(order) => {
                let lines: Vec<OrderLine> = sqlx::query_as(
                    "SELECT pizza_id, pizza_name, unit_price_cents, vat_rate_bp, quantity, note FROM order_lines
                     WHERE order_id = $1 ORDER BY id",
                )
                .bind(order.id)
                .fetch_all(pool)
                .await?;
                Some((order, lines))
            }
        }
    });
    Ok(found)
}

pub async fn for_customer(db: &DbPool, customer_id: i64) -> Result<Vec<Order>> {
    let sql = format!("{ORDER_SELECT} WHERE o.customer_id = $1 ORDER BY o.created_at DESC, o.id DESC LIMIT 200");
    let orders = db_run!(db, |pool| sqlx::query_as(&sql).bind(customer_id).fetch_all(pool).await?);
    Ok(orders)
}
