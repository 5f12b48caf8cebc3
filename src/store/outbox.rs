//! The notification outbox: rows written in the same transaction as what they tell (an
//! order placed, modified, moved; a password reset asked for), claimed and delivered by
//! the worker in `jobs::outbox`.
//!
//! A claim takes due rows and pushes their `next_attempt_at` one lease ahead in the same
//! statement (PostgreSQL: `FOR UPDATE SKIP LOCKED`, so two instances never take the same
//! row; SQLite: inside the write transaction). A worker that dies while sending leaves
//! the row to be taken again when the lease is over.
//!
//! An order's messages on one channel go out in the order they were written: a row is not
//! taken while an earlier one of the same order and channel is still pending (being sent,
//! or waiting for a retry), so "livrée" never overtakes "en route", even across instances.

use std::sync::OnceLock;

use rocket::tokio::sync::Notify;

use crate::db::{BeginWrite, DbPool};
use crate::domain::notifications::{Channel, Channels, Kind};
use crate::{db_run, Result};

/// How long a claimed row is the claimer's: longer than any SMTP or HTTP timeout.
pub const LEASE_SECONDS: i64 = 120;

static CHANNELS: OnceLock<Channels> = OnceLock::new();

/// The channels this installation sends on, set once at start-up from the configuration
/// (nothing is written in the outbox for a channel that is off).
pub fn set_channels(channels: Channels) {
    let _ = CHANNELS.set(channels);
}

pub fn channels() -> Channels {
    CHANNELS.get().copied().unwrap_or_default()
}

fn wake_up() -> &'static Notify {
    static WAKE: OnceLock<Notify> = OnceLock::new();
    WAKE.get_or_init(Notify::new)
}

/// Tells this process's worker that rows were committed (call after the commit).
pub fn wake() {
    wake_up().notify_one();
}

/// Waits until [`wake`] is called.
pub async fn woken() {
    wake_up().notified().await
}

/// An e-mail about an account, not an order: (address, kind, subject, body, now). The body
/// is what the worker needs to render it (a reset link's token), or empty.
pub(crate) const ACCOUNT_EMAIL_SQL: &str =
    "INSERT INTO notification_outbox (order_id, channel, recipient, kind, subject, body, created_at, next_attempt_at)
     VALUES (NULL, 'email', $1, $2, $3, $4, $5, $5)";

/// Writes an e-mail of `kind` about an account (no order) to `address`, unless one of the
/// same kind was written to it in the last `quiet_seconds` (a form sent again and again
/// must not flood someone's inbox). `Ok(false)` when nothing was written.
pub async fn enqueue_account_notice(
    db: &DbPool,
    address: &str,
    kind: Kind,
    now: i64,
    quiet_seconds: i64,
) -> Result<bool> {
    if !channels().email {
        return Ok(false);
    }
    let written = db_run!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        let recent: i64 = sqlx::query_scalar(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM notification_outbox
             WHERE recipient = $1 AND kind = $2 AND created_at > $3",
        )
        .bind(address)
        .bind(kind.as_str())
        .bind(now - quiet_seconds)
        .fetch_one(&mut *tx)
        .await?;
        if recent > 0 {
            tx.rollback().await?;
            false
        } else {
            sqlx::query(ACCOUNT_EMAIL_SQL)
                .bind(address)
                .bind(kind.as_str())
                .bind(kind.subject(""))
                .bind("")
                .bind(now)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            true
        }
    });
    if written {
        wake();
    }
    Ok(written)
}

/// Writes messages about order `$order_id` (a `Vec<Planned>`) inside transaction `$tx`.
/// The subject is written now; the body is rendered from the order when it is sent.
macro_rules! enqueue {
    ($tx:expr, $order_id:expr, $reference:expr, $messages:expr, $now:expr) => {{
        let messages: Vec<$crate::domain::notifications::Planned> = $messages;
        if !messages.is_empty() {
            let sql = format!(
                "INSERT INTO notification_outbox (order_id, channel, recipient, kind, subject, body, created_at,
                     next_attempt_at)
                 VALUES {}",
                $crate::store::stock_sql::value_rows(1, messages.len(), 8)
            );
            let mut insert = sqlx::query(&sql);
            for message in &messages {
                insert = insert
                    .bind($order_id)
                    .bind(message.channel.as_str())
                    .bind(&message.recipient)
                    .bind(message.kind.as_str())
                    .bind(message.kind.subject($reference))
                    .bind("")
                    .bind($now)
                    .bind($now);
            }
            insert.execute(&mut *$tx).await?;
        }
        !messages.is_empty()
    }};
}
pub(crate) use enqueue;

/// A row taken by this worker.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Claimed {
    pub id: i64,
    pub order_id: Option<i64>,
    pub channel: String,
    pub recipient: String,
    pub kind: String,
    pub subject: String,
    pub body: String,
    /// Including this one.
    pub attempts: i64,
}

impl Claimed {
    pub fn channel(&self) -> Option<Channel> {
        Channel::parse(&self.channel)
    }

    pub fn kind(&self) -> Option<Kind> {
        Kind::parse(&self.kind)
    }
}

/// Takes up to `limit` due rows for this worker, oldest first.
pub async fn claim(db: &DbPool, now: i64, limit: i64) -> Result<Vec<Claimed>> {
    let claimed = db_run!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        let sql = format!(
            "UPDATE notification_outbox SET attempts = attempts + 1, next_attempt_at = $1
             WHERE id IN (SELECT id FROM notification_outbox o
                          WHERE status = 'pending' AND next_attempt_at <= $2
                            AND NOT EXISTS (SELECT 1 FROM notification_outbox e
                                            WHERE e.order_id = o.order_id AND e.channel = o.channel
                                              AND e.status = 'pending' AND e.id < o.id)
                          ORDER BY id LIMIT $3{})
             RETURNING id, order_id, channel, recipient, kind, subject, body, attempts",
            pool.skip_locked()
        );
        let mut rows: Vec<Claimed> =
            sqlx::query_as(&sql).bind(now + LEASE_SECONDS).bind(now).bind(limit).fetch_all(&mut *tx).await?;
        tx.commit().await?;
        rows.sort_by_key(|row| row.id);
        rows
    });
    Ok(claimed)
}

/// Delivered. A password reset's link is wiped: only the mailbox keeps it.
pub async fn mark_sent(db: &DbPool, id: i64, now: i64) -> Result<()> {
    db_run!(db, |pool| {
        sqlx::query(
            "UPDATE notification_outbox SET status = 'sent', sent_at = $1, last_error = NULL,
                 body = CASE WHEN kind = 'password_reset' THEN '' ELSE body END
             WHERE id = $2",
        )
        .bind(now)
        .bind(id)
        .execute(pool)
        .await?;
    });
    Ok(())
}

/// Not delivered this time: tried again at `retry_at`, or given up (`None`).
pub async fn mark_failed(db: &DbPool, id: i64, error: &str, retry_at: Option<i64>) -> Result<()> {
    let error: String = error.chars().take(500).collect();
    db_run!(db, |pool| {
        sqlx::query(
            "UPDATE notification_outbox
             SET status = CASE WHEN $1 IS NULL THEN 'failed' ELSE 'pending' END,
                 next_attempt_at = COALESCE($1, next_attempt_at), last_error = $2,
                 body = CASE WHEN $1 IS NULL AND kind = 'password_reset' THEN '' ELSE body END
             WHERE id = $3",
        )
        .bind(retry_at)
        .bind(&error)
        .bind(id)
        .execute(pool)
        .await?;
    });
    Ok(())
}

/// Sent rows older than `before` go (the journal of transitions keeps the history).
pub async fn purge_sent(db: &DbPool, before: i64) -> Result<u64> {
    let purged = db_run!(db, |pool| {
        sqlx::query("DELETE FROM notification_outbox WHERE status = 'sent' AND sent_at < $1")
            .bind(before)
            .execute(pool)
            .await?
            .rows_affected()
    });
    Ok(purged)
}
