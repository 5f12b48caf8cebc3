//! Fixed-window counters (`domain::limits::next_window`) and what the limits refused.

use crate::crypto::token_digest;
use crate::db::DbPool;
use crate::domain::limits::{paris_day, GuestLimits, Limit, Refused, Window};
use crate::store::payment_rules::PaymentRule;
use crate::{db_run, Result};

/// What the limits on a guest order look at.
pub struct GuestOrder<'a> {
    pub pizzeria_id: i64,
    pub client: Option<std::net::IpAddr>,
    pub phone: &'a str,
    pub email: &'a str,
    pub pizzas: i64,
}

/// Whether this guest order may go on to be placed: the basket's size, the contact's open
/// unpaid orders, then the counters of the client address, the phone and the e-mail (each
/// counts this order; a refusal gives back what it took). A refusal is recorded for the
/// pizzeria's dashboard and `/metrics`.
pub async fn admit_guest_order(
    db: &DbPool,
    limits: &GuestLimits,
    order: &GuestOrder<'_>,
    now: i64,
) -> Result<std::result::Result<(), Refused>> {
    let open = open_unpaid_guest_orders(db, order.phone, order.email).await?;
    if let Err(refused) = limits.check_basket(order.pizzas, open) {
        record_refusal(db, order.pizzeria_id, now, refused.limit).await?;
        return Ok(Err(refused));
    }
    let mut counters = vec![
        (format!("guest-phone:{}", token_digest(order.phone)), Limit::GuestOrdersContact),
        (format!("guest-email:{}", token_digest(&order.email.to_lowercase())), Limit::GuestOrdersContact),
    ];
    if let Some(ip) = order.client {
        counters.insert(0, (format!("guest-address:{ip}"), Limit::GuestOrdersAddress));
    }
    let mut taken = Vec::with_capacity(counters.len());
    for (key, limit) in counters {
        let window = take(db, &key, limits.window_seconds, now).await?;
        taken.push(key);
        if let Err(refused) = limits.check_count(limit, window, now) {
            for key in &taken {
                give_back(db, key).await?;
            }
            record_refusal(db, order.pizzeria_id, now, refused.limit).await?;
            return Ok(Err(refused));
        }
    }
    Ok(Ok(()))
}

/// `next_window` in one statement: counts one more and returns the window, so that
/// simultaneous requests each see their own count.
const TAKE: &str = "
INSERT INTO rate_limits (key, count, window_start) VALUES ($1, 1, $2)
ON CONFLICT (key) DO UPDATE SET
    count = CASE WHEN CAST($2 AS BIGINT) - rate_limits.window_start < CAST($3 AS BIGINT)
                 THEN rate_limits.count + 1 ELSE 1 END,
    window_start = CASE WHEN CAST($2 AS BIGINT) - rate_limits.window_start < CAST($3 AS BIGINT)
                        THEN rate_limits.window_start ELSE CAST($2 AS BIGINT) END
RETURNING count, window_start";

pub async fn take(db: &DbPool, key: &str, window_seconds: i64, now: i64) -> Result<Window> {
    let (count, started_at): (i64, i64) = db_run!(db, |pool| {
        let mut tx = pool.begin().await?;
        let row = sqlx::query_as(TAKE).bind(key).bind(now).bind(window_seconds).fetch_one(&mut *tx).await?;
        tx.commit().await?;
        row
    });
    Ok(Window { count, started_at })
}

/// Gives back one count (the request was refused by another counter, or failed).
pub async fn give_back(db: &DbPool, key: &str) -> Result<()> {
    db_run!(db, |pool| {
        sqlx::query("UPDATE rate_limits SET count = count - 1 WHERE key = $1 AND count > 0")
            .bind(key)
            .execute(pool)
            .await?;
    });
    Ok(())
}

/// A guest's orders still open and unpaid, by phone number or e-mail address.
pub async fn open_unpaid_guest_orders(db: &DbPool, phone: &str, email: &str) -> Result<i64> {
    let sql = format!(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM orders
         WHERE customer_id IS NULL AND {} AND (customer_phone = $1 OR customer_email = $2)",
        PaymentRule::OpenAndUnpaid.sql("")
    );
    let open = db_run!(db, |pool| { sqlx::query_scalar(&sql).bind(phone).bind(email).fetch_one(pool).await? });
    Ok(open)
}

/// One more refusal of `limit` at this pizzeria, on the day of `now` in Paris (the caller
/// counts it in the process's metrics too).
pub async fn record_refusal(db: &DbPool, pizzeria_id: i64, now: i64, limit: Limit) -> Result<()> {
    let day = paris_day(now);
    db_run!(db, |pool| {
        let mut tx = pool.begin().await?;
        sqlx::query(
            "INSERT INTO limit_refusals (pizzeria_id, day, reason, count) VALUES ($1, $2, $3, 1)
             ON CONFLICT (pizzeria_id, day, reason) DO UPDATE SET count = limit_refusals.count + 1",
        )
        .bind(pizzeria_id)
        .bind(&day)
        .bind(limit.code())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
    });
    Ok(())
}

/// The refusals of this pizzeria on `day`, by reason (in `Limit::ALL`'s order).
pub async fn refusals_on(db: &DbPool, pizzeria_id: i64, day: &str) -> Result<Vec<(Limit, i64)>> {
    let rows: Vec<(String, i64)> = db_run!(db, |pool| {
        sqlx::query_as("SELECT reason, count FROM limit_refusals WHERE pizzeria_id = $1 AND day = $2")
            .bind(pizzeria_id)
            .bind(day)
            .fetch_all(pool)
            .await?
    });
    let mut refusals: Vec<(Limit, i64)> =
        rows.into_iter().filter_map(|(reason, count)| Limit::parse(&reason).map(|limit| (limit, count))).collect();
    refusals.sort_by_key(|(limit, _)| Limit::ALL.iter().position(|l| l == limit));
    Ok(refusals)
}

/// Forgets counters whose window started before `before`, and refusals of days before
/// `before_day`.
pub async fn purge(db: &DbPool, before: i64, before_day: &str) -> Result<u64> {
    let purged = db_run!(db, |pool| {
        let counters = sqlx::query("DELETE FROM rate_limits WHERE window_start < $1")
            .bind(before)
            .execute(pool)
            .await?
            .rows_affected();
        let refusals = sqlx::query("DELETE FROM limit_refusals WHERE day < $1")
            .bind(before_day)
            .execute(pool)
            .await?
            .rows_affected();
        counters + refusals
    });
    Ok(purged)
}
