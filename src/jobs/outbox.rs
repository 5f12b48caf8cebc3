//! The outbox worker: takes due messages (`store::outbox::claim`), renders them from the
//! order as it is now, hands them to the SMTP server or the SMS gateway, and records the
//! outcome: sent, tried again later (the delay doubles at each failure), or failed after
//! `notification_max_attempts`.
//!
//! It wakes when this process commits a message, when a live event arrives (on PostgreSQL,
//! an order written by another instance), and every few seconds in any case.

use std::sync::Arc;
use std::time::Duration;

use rocket::futures::StreamExt;

use super::mail::{Mailer, SendError};
use super::sms::SmsGateway;
use crate::config::Settings;
use crate::db::DbPool;
use crate::domain::limits::{self, Limit};
use crate::domain::notifications::{retry_delay_seconds, Channel, Kind};
use crate::domain::pricing::{self, PricedLine};
use crate::store::orders::OrderLine;
use crate::store::outbox::{self, Claimed};
use crate::store::{orders, password_resets, pizzerias, rate_limits};
use crate::views::mail::{self, OrderMessage};
use crate::views::ordering::order_link;
use crate::{crypto, unix_now, Result};

/// Messages taken per claim, and sent at the same time.
const BATCH: i64 = 32;
const PARALLEL_SENDS: usize = 8;
/// Rows written by another instance are found at the latest this long after.
const POLL: Duration = Duration::from_secs(5);

pub struct Worker {
    db: DbPool,
    settings: Settings,
    mailer: Option<Mailer>,
    sms: Option<SmsGateway>,
}

impl Worker {
    pub fn new(db: DbPool, settings: Settings) -> std::result::Result<Worker, String> {
        let mailer = Mailer::from_settings(&settings)?;
        let sms = SmsGateway::from_settings(&settings)?;
        Ok(Worker { db, settings, mailer, sms })
    }

    pub async fn run(self: Arc<Self>, shutdown: rocket::Shutdown) {
        let mut shutdown = std::pin::pin!(shutdown);
        let mut events = crate::live::subscribe();
        loop {
            loop {
                match self.deliver_due().await {
                    Ok(0) => break,
                    Ok(_) => continue,
                    Err(error) => {
                        tracing::warn!(%error, "outbox: could not read the due messages");
                        break;
                    }
                }
            }
            rocket::tokio::select! {
                _ = outbox::woken() => {}
                _ = events.recv() => {}
                _ = rocket::tokio::time::sleep(POLL) => {}
                _ = &mut shutdown => return,
            }
        }
    }

    /// Claims one batch and delivers it; the number of messages claimed.
    pub async fn deliver_due(&self) -> Result<usize> {
        let claimed = outbox::claim(&self.db, unix_now(), BATCH).await?;
        let count = claimed.len();
        rocket::futures::stream::iter(claimed)
            .for_each_concurrent(PARALLEL_SENDS, |row| async move {
                if let Err(error) = self.deliver(&row).await {
                    tracing::warn!(%error, id = row.id, "outbox: could not record a delivery");
                }
            })
            .await;
        Ok(count)
    }

    async fn deliver(&self, row: &Claimed) -> Result<()> {
        let started = std::time::Instant::now();
        let outcome = self.send(row).await;
        let now = unix_now();
        match outcome {
            Ok(()) => {
                outbox::mark_sent(&self.db, row.id, now).await?;
                tracing::info!(
                    id = row.id,
                    channel = %row.channel,
                    kind = %row.kind,
                    attempt = row.attempts,
                    ms = started.elapsed().as_millis() as u64,
                    "notification sent"
                );
            }
            Err(error) => {
                let give_up = error.permanent || row.attempts >= self.settings.notification_max_attempts;
                let retry_at = (!give_up)
                    .then(|| now + retry_delay_seconds(row.attempts, self.settings.notification_retry_base_seconds));
                outbox::mark_failed(&self.db, row.id, &error.message, retry_at).await?;
                tracing::warn!(
                    id = row.id,
                    channel = %row.channel,
                    kind = %row.kind,
                    attempt = row.attempts,
                    error = %error.message,
                    retry_at,
                    "notification not sent"
                );
                if give_up {
                    crate::reporting::job_failed(
                        "notifications",
                        &format!("{} {} message {} given up: {}", row.channel, row.kind, row.id, error.message),
                    );
                }
            }
        }
        Ok(())
    }

    /// Counts a text on today's counters of its number and of its pizzeria; beyond either
    /// limit it is not sent (a permanent failure: texts cost money, and a number typed by
    /// anyone must not be flooded).
    async fn within_sms_limits(&self, number: &str, pizzeria_id: i64) -> std::result::Result<(), SendError> {
        let now = unix_now();
        let day = limits::paris_day(now);
        let limits = self.settings.security.sms_limits();
        let transient = |e: crate::Error| SendError::transient(e.to_string());
        let number_key = format!("sms-number:{}:{day}", crypto::token_digest(number));
        let to_number = rate_limits::take(&self.db, &number_key, 2 * 86_400, now).await.map_err(transient)?;
        let refused = match limits.check(to_number.count, 0) {
            Err(limit) => Some(limit),
            Ok(()) => {
                let budget_key = format!("sms-pizzeria:{pizzeria_id}:{day}");
                let spent = rate_limits::take(&self.db, &budget_key, 2 * 86_400, now).await.map_err(transient)?;
                limits.check(0, spent.count).err()
            }
        };
        let Some(limit) = refused else { return Ok(()) };
        crate::metrics::count_refusal(limit.code());
        rate_limits::record_refusal(&self.db, pizzeria_id, now, limit).await.map_err(transient)?;
        tracing::warn!(pizzeria = pizzeria_id, limit = limit.code(), "text message not sent: a daily limit is reached");
        Err(SendError::permanent(match limit {
            Limit::SmsNumber => "plafond de SMS du jour atteint pour ce numéro",
            _ => "budget de SMS du jour de la pizzeria atteint",
        }))
    }

    /// The SMTP sender; a message for e-mail while e-mail is off is not retried.
    fn mailer(&self) -> std::result::Result<&Mailer, SendError> {
        self.mailer.as_ref().ok_or_else(|| SendError::permanent("l'envoi d'e-mails est désactivé"))
    }

    async fn send(&self, row: &Claimed) -> std::result::Result<(), SendError> {
        let (Some(channel), Some(kind)) = (row.channel(), row.kind()) else {
            return Err(SendError::permanent(format!("type de message inconnu : {} / {}", row.channel, row.kind)));
        };
        let base = self.settings.public_base();
        if kind == Kind::StockAlert {
            let email = mail::staff_email(&row.subject, &row.body, &format!("{base}/manage/stock"));
            return self.mailer()?.send(&row.recipient, &email).await;
        }
        if kind == Kind::AccountExists {
            let email = mail::account_exists_email(&format!("{base}/login"), &format!("{base}/password/forgot"));
            return self.mailer()?.send(&row.recipient, &email).await;
        }
        if kind == Kind::PasswordReset {
            let url = format!("{base}/password/reset/{}", row.body);
            let email = mail::password_reset_email(&url, password_resets::VALID_SECONDS / 60);
            return self.mailer()?.send(&row.recipient, &email).await;
        }
        let order_id = row.order_id.ok_or_else(|| SendError::permanent("message sans commande"))?;
        let found = orders::by_id(&self.db, order_id).await.map_err(|e| SendError::transient(e.to_string()))?;
        let (order, lines) = found.ok_or_else(|| SendError::permanent("commande introuvable"))?;
        match channel {
            Channel::Sms => {
                let Some(sms) = &self.sms else { return Err(SendError::permanent("l'envoi de SMS est désactivé")) };
                self.within_sms_limits(&row.recipient, order.pizzeria_id).await?;
                sms.send(&row.recipient, &mail::sms_text(kind, &order)).await
            }
            Channel::Email => {
                let pizzeria = pizzerias::by_id(&self.db, order.pizzeria_id)
                    .await
                    .map_err(|e| SendError::transient(e.to_string()))?
                    .ok_or_else(|| SendError::permanent("pizzeria introuvable"))?;
                // A guest follows the order with its private link; a customer signs in.
                let key = match (order.customer_id, &order.access_token_hash) {
                    (None, Some(_)) => {
                        Some(crypto::guest_key(&order.reference).map_err(|e| SendError::transient(e.to_string()))?)
                    }
                    _ => None,
                };
                let tracking_url = format!("{base}{}", order_link(&order.reference, key.as_deref()));
                let prices: Vec<PricedLine> = lines.iter().map(OrderLine::priced).collect();
                let breakdown = pricing::vat_breakdown(&prices);
                let email = mail::order_email(&OrderMessage {
                    kind,
                    order: &order,
                    lines: &lines,
                    breakdown: &breakdown,
                    pizzeria: &pizzeria,
                    tracking_url: &tracking_url,
                });
                self.mailer()?.send(&row.recipient, &email).await
            }
        }
    }
}
