//! Orders: how pages read them, and what a write answers. The writes are in
//! `order_writes` (placing and modifying, with their stock reservation) and `order_moves`
//! (status changes); what an order must hold to be written is `domain::intake`.

use sqlx::FromRow;

use crate::db::DbPool;
use crate::domain::intake::NewOrder;
use crate::domain::notifications::{self, EmailLevel, Happening, Preferences};
use crate::domain::orders::{Mode, PaymentMethod, PaymentStatus, Status};
use crate::domain::pricing::{PricedLine, Totals};
use crate::store::outbox;
use crate::store::pizzerias::Pizzeria;
use crate::{db_run, Result};

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
    /// A status change the state machine refuses.
    Move(crate::domain::workflow::MoveRefusal),
    /// The payment collected at hand-over is missing or wrong.
    Payment(String),
    /// Paid online: the order is cancelled and refunded rather than modified.
    PaidOnline,
    /// The oven or the drivers cannot keep the time asked for.
    Capacity(crate::domain::capacity::Refusal),
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
            Refusal::Move(refusal) => refusal.message(),
            Refusal::Payment(message) => message.clone(),
            Refusal::Capacity(refusal) => refusal.message(),
            Refusal::PaidOnline => {
                "Une commande payée en ligne ne peut pas être modifiée : annulez-la (elle vous sera \
                                    remboursée) puis commandez à nouveau."
                    .into()
            }
        }
    }

    /// The HTTP status that says it: 403 (not this role's move), 422 (something to fill in),
    /// 409 (the order is not, or no longer, in a state for this).
    pub fn http_status(&self) -> u16 {
        use crate::domain::workflow::MoveRefusal;
        match self {
            Refusal::Move(MoveRefusal::Forbidden) => 403,
            Refusal::Move(MoveRefusal::ReasonRequired) | Refusal::Payment(_) => 422,
            Refusal::Capacity(crate::domain::capacity::Refusal::TooBig { .. }) => 422,
            _ => 409,
        }
    }

    /// A stable code for the JSON API.
    pub fn code(&self) -> &'static str {
        use crate::domain::workflow::MoveRefusal;
        match self {
            Refusal::Unavailable(_) => "unavailable",
            Refusal::OutOfStock(_) => "out_of_stock",
            Refusal::Stale => "stale",
            Refusal::TooLate(_) => "too_late",
            Refusal::Move(MoveRefusal::Forbidden) => "forbidden",
            Refusal::Move(MoveRefusal::Invalid { .. }) => "invalid_transition",
            Refusal::Move(MoveRefusal::TakenByAnother) => "taken",
            Refusal::Move(MoveRefusal::AwaitingPayment) => "awaiting_payment",
            Refusal::Move(MoveRefusal::ReasonRequired) => "reason_required",
            Refusal::Payment(_) => "payment_required",
            Refusal::PaidOnline => "paid_online",
            Refusal::Capacity(refusal) => refusal.code(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Placed {
    pub id: i64,
    pub reference: String,
    /// The guest's private key (`crypto::guest_key`).
    pub guest_key: Option<String>,
    /// The lines and totals as written (the answer needs no read back).
    pub lines: Vec<OrderLine>,
    pub totals: Totals,
    pub created_at: i64,
    /// The time promised (see `orders.promised_for`).
    pub promised_for: i64,
}

impl Order {
    /// The order just written by [`place`], as a read would return it.
    pub fn just_placed(new: &NewOrder, placed: &Placed, pizzeria: &Pizzeria) -> Order {
        let address = new.address.as_ref().filter(|_| new.mode == Mode::Delivery);
        Order {
            id: placed.id,
            reference: placed.reference.clone(),
            pizzeria_id: pizzeria.id,
            pizzeria_name: pizzeria.name.clone(),
            pizzeria_slug: pizzeria.slug.clone(),
            pizzeria_phone: pizzeria.phone.clone(),
            customer_id: new.customer_id,
            customer_name: new.customer_name.clone(),
            customer_phone: new.customer_phone.clone(),
            customer_email: new.customer_email.clone(),
            channel: new.channel.as_str().to_string(),
            mode: new.mode.as_str().to_string(),
            status: Status::Placed.as_str().to_string(),
            payment_method: new.payment_method,
            payment_status: if new.paid { PaymentStatus::Paid } else { PaymentStatus::Unpaid },
            delivery_street: address.map(|a| a.street.clone()),
            delivery_postcode: address.map(|a| a.postcode.clone()),
            delivery_city: address.map(|a| a.city.clone()),
            delivery_instructions: address.map(|a| a.instructions.clone()).unwrap_or_default(),
            requested_for: new.requested_for,
            promised_for: Some(placed.promised_for),
            requoted_for: None,
            total_ht_cents: placed.totals.ht_cents,
            total_vat_cents: placed.totals.vat_cents,
            total_ttc_cents: placed.totals.ttc_cents,
            cancel_reason: None,
            version: 1,
            created_at: placed.created_at,
            updated_at: placed.created_at,
            access_token_hash: placed.guest_key.as_deref().map(crate::crypto::token_digest),
        }
    }
}

/// Who an order's messages go to, and what they asked for, as the order row keeps it.
#[derive(sqlx::FromRow)]
pub struct Contact {
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
    #[sqlx(try_from = "String")]
    pub payment_method: PaymentMethod,
    #[sqlx(try_from = "String")]
    pub payment_status: PaymentStatus,
    pub delivery_street: Option<String>,
    pub delivery_postcode: Option<String>,
    pub delivery_city: Option<String>,
    pub delivery_instructions: String,
    pub requested_for: Option<i64>,
    /// The time promised when it was taken (ready, or at the door); `None` before capacity
    /// was counted.
    pub promised_for: Option<i64>,
    /// When the kitchen or the drivers fell behind: the end of its new estimated window.
    pub requoted_for: Option<i64>,
    pub total_ht_cents: i64,
    pub total_vat_cents: i64,
    pub total_ttc_cents: i64,
    pub cancel_reason: Option<String>,
    pub version: i64,
    pub created_at: i64,
    /// The last change (a closed order's closing time).
    pub updated_at: i64,
    pub access_token_hash: Option<String>,
}

impl Order {
    pub fn status(&self) -> Status {
        Status::parse(&self.status).unwrap_or(Status::Placed)
    }

    pub fn mode(&self) -> Mode {
        Mode::parse(&self.mode).unwrap_or(Mode::Takeaway)
    }

    /// An online order placed and not paid yet (`domain::orders::awaiting_online_payment`).
    pub fn awaiting_online_payment(&self) -> bool {
        crate::domain::orders::awaiting_online_payment(self.payment_method, self.payment_status, self.status())
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
    /// Its composition as sold (`order_lines.composition`, JSON), if customised.
    pub composition: Option<String>,
}

impl OrderLine {
    /// The composition's words ("Grande (40 cm) — Reine SANS champignons + Mozzarella").
    pub fn composition_summary(&self) -> Option<String> {
        summary_of(self.composition.as_deref())
    }

    /// The line as the totals see it (its snapshot of price and VAT rate).
    pub fn priced(&self) -> PricedLine {
        PricedLine { unit_price_cents: self.unit_price_cents, vat_rate_bp: self.vat_rate_bp, quantity: self.quantity }
    }
}

const ORDER_SELECT: &str = "SELECT o.id, o.reference, o.pizzeria_id, p.name AS pizzeria_name, p.slug AS pizzeria_slug,
        p.phone AS pizzeria_phone, o.customer_id, o.customer_name, o.customer_phone, o.customer_email, o.channel,
        o.mode, o.status, o.payment_method, o.payment_status, o.delivery_street, o.delivery_postcode, o.delivery_city,
        o.delivery_instructions, o.requested_for, o.promised_for, o.requoted_for, o.total_ht_cents, o.total_vat_cents, o.total_ttc_cents,
        o.cancel_reason, o.version, o.created_at, o.updated_at, o.access_token_hash
    FROM orders o JOIN pizzerias p ON p.id = o.pizzeria_id";

pub async fn by_reference(db: &DbPool, reference: &str) -> Result<Option<(Order, Vec<OrderLine>)>> {
    let sql = format!("{ORDER_SELECT} WHERE o.reference = $1");
    let order: Option<Order> = db_run!(db, |pool| sqlx::query_as(&sql).bind(reference).fetch_optional(pool).await?);
    with_lines(db, order).await
}

/// The order with this id (the outbox worker knows orders by id).
pub async fn by_id(db: &DbPool, id: i64) -> Result<Option<(Order, Vec<OrderLine>)>> {
    let sql = format!("{ORDER_SELECT} WHERE o.id = $1");
    let order: Option<Order> = db_run!(db, |pool| sqlx::query_as(&sql).bind(id).fetch_optional(pool).await?);
    with_lines(db, order).await
}

async fn with_lines(db: &DbPool, order: Option<Order>) -> Result<Option<(Order, Vec<OrderLine>)>> {
    let found = db_run!(db, |pool| {
        match order {
            None => None,
            Some(order) => {
                let lines: Vec<OrderLine> = sqlx::query_as(
                    "SELECT pizza_id, pizza_name, unit_price_cents, vat_rate_bp, quantity, note, composition FROM order_lines
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

/// The words of a composition kept as JSON on its order line.
pub fn summary_of(composition: Option<&str>) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(composition?).ok()?;
    value["summary"].as_str().map(String::from)
}
