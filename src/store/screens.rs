//! What the staff screens read: a pizzeria's open orders as tickets (kitchen, delivery,
//! counter), and a pizza's recipe for the kitchen's memo.

use std::collections::HashMap;

use sqlx::FromRow;

use crate::db::DbPool;
use crate::domain::orders::{Mode, PaymentMethod, PaymentStatus, Status};
use crate::domain::workflow::OrderState;
use crate::store::payment_rules::PaymentRule;
use crate::{db_run, Result};

/// An order as a screen shows it.
#[derive(Debug, Clone, FromRow)]
pub struct Ticket {
    pub id: i64,
    pub reference: String,
    pub pizzeria_id: i64,
    pub status: String,
    pub mode: String,
    pub channel: String,
    pub customer_name: String,
    pub customer_phone: String,
    pub delivery_street: Option<String>,
    pub delivery_postcode: Option<String>,
    pub delivery_city: Option<String>,
    pub delivery_instructions: String,
    pub requested_for: Option<i64>,
    #[sqlx(try_from = "String")]
    pub payment_method: PaymentMethod,
    #[sqlx(try_from = "String")]
    pub payment_status: PaymentStatus,
    pub total_ttc_cents: i64,
    pub cancel_reason: Option<String>,
    pub driver_id: Option<i64>,
    pub driver_name: Option<String>,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
    /// Changed by its customer since it was placed: what the last change did, in the
    /// kitchen's words (empty for a change made before they were kept).
    pub modification: Option<String>,
    /// The time promised (see `orders.promised_for`), and its re-quote if it slipped.
    pub promised_for: Option<i64>,
    pub requoted_for: Option<i64>,
    /// The first and last oven quarter-hours it booked.
    pub first_quarter: Option<i64>,
    pub last_quarter: Option<i64>,
    /// Past this time it is late against its promise (`domain::requote::kitchen_deadline`;
    /// the kitchen's screen sets it).
    #[sqlx(skip)]
    pub deadline: Option<i64>,
    #[sqlx(skip)]
    pub lines: Vec<TicketLine>,
}

impl Ticket {
    pub fn status(&self) -> Status {
        Status::parse(&self.status).unwrap_or(Status::Placed)
    }

    pub fn mode(&self) -> Mode {
        Mode::parse(&self.mode).unwrap_or(Mode::Takeaway)
    }

    pub fn modified(&self) -> bool {
        self.modification.is_some()
    }

    pub fn paid(&self) -> bool {
        self.payment_status == PaymentStatus::Paid
    }

    pub fn state(&self) -> OrderState {
        OrderState {
            status: self.status(),
            mode: self.mode(),
            payment_method: self.payment_method,
            paid: self.paid(),
            driver_id: self.driver_id,
        }
    }

    /// When it is wanted: the slot, or (as soon as possible) when it was placed.
    pub fn due_at(&self) -> i64 {
        self.requested_for.unwrap_or(self.created_at)
    }
}

#[derive(Debug, Clone, FromRow)]
pub struct TicketLine {
    pub order_id: i64,
    pub pizza_slug: String,
    pub pizza_name: String,
    pub quantity: i64,
    pub note: String,
    /// Its composition as sold (JSON), if customised.
    pub composition: Option<String>,
}

const TICKET_SELECT: &str = "SELECT o.id, o.reference, o.pizzeria_id, o.status, o.mode, o.channel, o.customer_name,
        o.customer_phone, o.delivery_street, o.delivery_postcode, o.delivery_city, o.delivery_instructions,
        o.requested_for, o.payment_method, o.payment_status, o.total_ttc_cents, o.cancel_reason, o.driver_id,
        d.full_name AS driver_name, o.version, o.created_at, o.updated_at,
        (SELECT COALESCE(t.details, '') FROM order_transitions t WHERE t.order_id = o.id AND t.reason = 'modification'
         ORDER BY t.id DESC LIMIT 1) AS modification,
        o.promised_for, o.requoted_for,
        (SELECT MIN(b.quarter) FROM oven_bookings b WHERE b.order_id = o.id) AS first_quarter,
        (SELECT MAX(b.quarter) FROM oven_bookings b WHERE b.order_id = o.id) AS last_quarter
    FROM orders o LEFT JOIN users d ON d.id = o.driver_id";

/// Which tickets a screen wants.
#[derive(Debug, Clone, Copy)]
pub struct Wanted<'a> {
    pub statuses: &'a [Status],
    /// Also orders cancelled since this time (the kitchen must stop making them).
    pub cancelled_since: Option<i64>,
    /// Orders paid online show only once their payment is confirmed.
    pub hide_unpaid_online: bool,
}

/// The pizzeria's tickets in these statuses, earliest due first, with their lines.
pub async fn tickets(db: &DbPool, pizzeria_id: i64, wanted: Wanted<'_>) -> Result<Vec<Ticket>> {
    let statuses: Vec<String> = wanted.statuses.iter().map(|s| format!("'{}'", s.as_str())).collect::<Vec<_>>();
    // The statuses are our own constants, never input: safe to inline.
    let sql = format!(
        "{TICKET_SELECT}
         WHERE o.pizzeria_id = $1
           AND (o.status IN ({}) OR (o.status = 'cancelled' AND o.updated_at >= $2))
           AND NOT ($3 AND {})
         ORDER BY COALESCE(o.requested_for, o.created_at), o.id
         LIMIT 300",
        statuses.join(", "),
        PaymentRule::KitchenWaitsForPayment.sql("o")
    );
    let since = wanted.cancelled_since.unwrap_or(i64::MAX);
    let mut tickets: Vec<Ticket> = db_run!(db, |pool| {
        sqlx::query_as(&sql).bind(pizzeria_id).bind(since).bind(wanted.hide_unpaid_online).fetch_all(pool).await?
    });
    attach_lines(db, &mut tickets).await?;
    Ok(tickets)
}

/// The pizzeria's orders finished (delivered, collected, cancelled) since `since`, the
/// latest first.
pub async fn finished_since(db: &DbPool, pizzeria_id: i64, since: i64) -> Result<Vec<Ticket>> {
    let sql = format!(
        "{TICKET_SELECT}
         WHERE o.pizzeria_id = $1 AND o.status IN ('delivered', 'collected', 'cancelled') AND o.updated_at >= $2
         ORDER BY o.updated_at DESC, o.id DESC
         LIMIT 500"
    );
    let mut tickets: Vec<Ticket> =
        db_run!(db, |pool| sqlx::query_as(&sql).bind(pizzeria_id).bind(since).fetch_all(pool).await?);
    attach_lines(db, &mut tickets).await?;
    Ok(tickets)
}

/// One ticket, by order reference.
pub async fn ticket(db: &DbPool, reference: &str) -> Result<Option<Ticket>> {
    let sql = format!("{TICKET_SELECT} WHERE o.reference = $1");
    let found: Option<Ticket> = db_run!(db, |pool| sqlx::query_as(&sql).bind(reference).fetch_optional(pool).await?);
    let mut found: Vec<Ticket> = found.into_iter().collect();
    attach_lines(db, &mut found).await?;
    Ok(found.pop())
}

async fn attach_lines(db: &DbPool, tickets: &mut [Ticket]) -> Result<()> {
    if tickets.is_empty() {
        return Ok(());
    }
    let ids: Vec<String> = tickets.iter().map(|t| t.id.to_string()).collect();
    // Ids read from the database just above: integers, safe to inline.
    let sql = format!(
        "SELECT l.order_id, p.slug AS pizza_slug, l.pizza_name, l.quantity, l.note, l.composition
         FROM order_lines l JOIN pizzas p ON p.id = l.pizza_id
         WHERE l.order_id IN ({}) ORDER BY l.id",
        ids.join(", ")
    );
    let lines: Vec<TicketLine> = db_run!(db, |pool| sqlx::query_as(&sql).fetch_all(pool).await?);
    let mut by_order: HashMap<i64, Vec<TicketLine>> = HashMap::new();
    for line in lines {
        by_order.entry(line.order_id).or_default().push(line);
    }
    for ticket in tickets {
        ticket.lines = by_order.remove(&ticket.id).unwrap_or_default();
    }
    Ok(())
}

/// A pizza's memo for the kitchen.
#[derive(Debug, Clone)]
pub struct Recipe {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub ingredients: Vec<RecipeIngredient>,
    pub steps: Vec<String>,
}

#[derive(Debug, Clone, FromRow)]
pub struct RecipeIngredient {
    pub name: String,
    pub quantity: i64,
    pub unit: String,
    /// Comma-separated allergen codes, empty if none.
    pub allergens: String,
}

impl RecipeIngredient {
    pub fn allergen_codes(&self) -> Vec<&str> {
        self.allergens.split(',').filter(|a| !a.is_empty()).collect()
    }
}

pub async fn recipe(db: &DbPool, slug: &str) -> Result<Option<Recipe>> {
    let found = db_run!(db, |pool| {
        let pizza: Option<(i64, String, String)> =
            sqlx::query_as("SELECT id, name, description FROM pizzas WHERE slug = $1")
                .bind(slug)
                .fetch_optional(pool)
                .await?;
        match pizza {
            None => None,
            Some((id, name, description)) => {
                let ingredients: Vec<RecipeIngredient> = sqlx::query_as(
                    "SELECT i.name, r.quantity, i.unit,
                            COALESCE((SELECT STRING_AGG(a.allergen, ',' ORDER BY a.allergen) FROM ingredient_allergens a
                                      WHERE a.ingredient_id = i.id), '') AS allergens
                     FROM recipe_lines r JOIN ingredients i ON i.id = r.ingredient_id
                     WHERE r.pizza_id = $1 ORDER BY i.name",
                )
                .bind(id)
                .fetch_all(pool)
                .await?;
                let steps: Vec<String> =
                    sqlx::query_scalar("SELECT instruction FROM recipe_steps WHERE pizza_id = $1 ORDER BY position")
                        .bind(id)
                        .fetch_all(pool)
                        .await?;
                Some(Recipe { slug: slug.to_string(), name, description, ingredients, steps })
            }
        }
    });
    Ok(found)
}
