//! Live events: what changed on which order, for the screens that follow a pizzeria
//! (kitchen, delivery, counter) or one order (its tracking page).
//!
//! One in-process bus (a tokio broadcast channel) feeds every server-sent-event stream of
//! this process. What feeds the bus depends on the backend:
//! - PostgreSQL: every write that changes an order sends `NOTIFY oc_pizza_events` **inside
//!   its transaction** (delivered at commit, never for a rolled-back write), and each
//!   instance's listener copies the notifications onto its bus. An order placed on one
//!   instance reaches screens connected to any other, with no broker but PostgreSQL.
//! - SQLite: one process (the database file is not shared between machines); the write
//!   publishes on the bus after its commit.
//!
//! An event says *which* order changed, never what it contains (a NOTIFY payload is small
//! and a screen must read the order with its own rights anyway): screens re-read their
//! queue when told. When the listener loses its connection, notifications sent meanwhile
//! are lost, so it publishes [`Event::resync`] and every screen re-reads everything.

use std::sync::{Arc, OnceLock};

use rocket::tokio::sync::broadcast;
use serde::{Deserialize, Serialize};

pub const CHANNEL: &str = "oc_pizza_events";

/// The kind of event that says the catalogue changed.
const CATALOGUE: &str = "catalogue";

/// The kind of event that says a user's rights changed (logout, password changed, account
/// disabled or erased, role changed, token revoked): their open streams end, and a screen
/// that reconnects is checked again like any new one.
const SIGNED_OUT: &str = "signed_out";

/// How many events a slow screen may lag behind before it is told to re-read everything.
const BUS_CAPACITY: usize = 1024;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// The transition's id in `order_transitions` (0 for a resync; the payment's for
    /// `refunded`, the user's for `signed_out`).
    pub id: i64,
    /// `placed`, `modified`, `moved` (a status change), `cancelled`, `resync`, `signed_out`, ….
    pub kind: String,
    pub pizzeria_id: i64,
    pub reference: String,
    pub status: String,
    /// A `requoted` event's new window for the order (start, end: UTC epoch seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<(i64, i64)>,
}

impl Event {
    /// Every screen must re-read its state: events may have been lost.
    pub fn resync() -> Event {
        Event {
            id: 0,
            kind: "resync".into(),
            pizzeria_id: 0,
            reference: String::new(),
            status: String::new(),
            window: None,
        }
    }

    pub fn is_resync(&self) -> bool {
        self.kind == "resync"
    }

    /// The pizzeria's stock moved.
    pub fn stock(pizzeria_id: i64) -> Event {
        Event { kind: "stock".into(), pizzeria_id, ..Event::default() }
    }

    /// The end of `user_id`'s sessions or tokens (see [`SIGNED_OUT`]).
    pub fn signed_out(user_id: i64) -> Event {
        Event {
            id: user_id,
            kind: SIGNED_OUT.into(),
            pizzeria_id: 0,
            reference: String::new(),
            status: String::new(),
            window: None,
        }
    }

    /// The user whose streams must end, if this is a `signed_out` event.
    pub fn signed_out_user(&self) -> Option<i64> {
        (self.kind == SIGNED_OUT).then_some(self.id)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// `pg_notify` of an event whose transition id is only known inside the statement that
/// writes it (a placement's CTEs): the same payload as [`Event::to_json`], built in SQL from
/// SQL expressions for the id, the pizzeria and the reference.
pub fn notify_sql(id: &str, kind: &str, pizzeria_id: &str, reference: &str, status: &str) -> String {
    format!(
        "pg_notify('{CHANNEL}', json_build_object('id', {id}, 'kind', '{kind}', 'pizzeria_id', {pizzeria_id}, \
         'reference', {reference}, 'status', '{status}')::text)"
    )
}

/// An event as the bus carries it: shared by every stream (thousands of screens), its JSON
/// written once.
#[derive(Debug)]
pub struct Published {
    pub event: Event,
    pub json: String,
}

fn bus() -> &'static broadcast::Sender<Arc<Published>> {
    static BUS: OnceLock<broadcast::Sender<Arc<Published>>> = OnceLock::new();
    BUS.get_or_init(|| broadcast::channel(BUS_CAPACITY).0)
}

pub fn subscribe() -> broadcast::Receiver<Arc<Published>> {
    bus().subscribe()
}

/// Counts the events this process has seen: whatever was read from the database before the
/// count moved may be out of date (the menu cache keys its entries with it).
static GENERATION: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// The number of events published in this process so far.
pub fn generation() -> u64 {
    GENERATION.load(std::sync::atomic::Ordering::Acquire)
}

/// Counts the catalogue's changes this process has heard of (menu, pizzeria, withdrawal
/// edits; a resync): orders and stock movements do not move it. The catalogue cache keys
/// its entry with it.
static CATALOGUE_GENERATION: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// The number of catalogue changes heard by this process so far.
pub fn catalogue_generation() -> u64 {
    CATALOGUE_GENERATION.load(std::sync::atomic::Ordering::Acquire)
}

fn invalidate_catalogue_local() {
    CATALOGUE_GENERATION.fetch_add(1, std::sync::atomic::Ordering::AcqRel);
}

/// Marks what this event may have made out of date in this process: everything read, and the
/// catalogue too for a catalogue change or a resync.
fn invalidate_for(event: &Event) {
    // Rights changed, not data: nothing cached is out of date.
    if event.signed_out_user().is_some() {
        return;
    }
    if event.kind == CATALOGUE || event.is_resync() {
        invalidate_catalogue_local();
    }
    invalidate_local();
}

/// Whether this process hears every change (SQLite: it makes them all; PostgreSQL: while its
/// listener is connected). While it does not, caches must not be trusted.
static HEARING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(true);

/// May what was read at the current [`generation`] be served from a cache?
pub fn hearing_every_change() -> bool {
    HEARING.load(std::sync::atomic::Ordering::Acquire)
}

fn set_hearing(hearing: bool) {
    HEARING.store(hearing, std::sync::atomic::Ordering::Release);
    invalidate_catalogue_local();
    invalidate_local();
}

/// Marks everything this process read before now as possibly out of date: on the instance
/// that made a change, at once after its commit (read-your-writes), while its NOTIFY is on
/// its way to the others.
pub fn invalidate_local() {
    GENERATION.fetch_add(1, std::sync::atomic::Ordering::AcqRel);
}

/// Event streams open in this process (the `oc_pizza_event_streams` gauge).
static OPEN_STREAMS: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(0);

pub fn open_streams() -> i64 {
    OPEN_STREAMS.load(std::sync::atomic::Ordering::Relaxed)
}

/// Counts one open stream while it lives.
pub struct OpenStream(());

impl OpenStream {
    pub fn new() -> OpenStream {
        OPEN_STREAMS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        OpenStream(())
    }
}

impl Default for OpenStream {
    fn default() -> Self {
        OpenStream::new()
    }
}

impl Drop for OpenStream {
    fn drop(&mut self) {
        OPEN_STREAMS.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
    }
}

/// Publishes on this process's bus (nobody listening is fine).
pub fn publish(event: Event) {
    // Before the screens hear of it, so that a page they re-read is not served from a cache.
    invalidate_for(&event);
    let json = event.to_json();
    let _ = bus().send(Arc::new(Published { event, json }));
}

/// Announces a change made outside any order or stock transaction (a menu or pizzeria edit),
/// after its commit: NOTIFY on PostgreSQL (every instance hears it), the bus on SQLite.
pub async fn announce(db: &crate::db::DbPool, event: Event) -> crate::Result<()> {
    match db {
        crate::db::DbPool::Postgres(pool) => {
            sqlx::query("SELECT pg_notify($1, $2)").bind(CHANNEL).bind(event.to_json()).execute(pool).await?;
            invalidate_for(&event);
        }
        crate::db::DbPool::Sqlite(_) => publish(event),
    }
    Ok(())
}

/// Ends the open streams of `user_id` on every instance, once a change of their rights is
/// committed. A failure is logged, not returned: the change is made, and the streams are
/// checked again when they reconnect.
pub async fn rights_changed(db: &crate::db::DbPool, user_id: i64) {
    if let Err(error) = announce(db, Event::signed_out(user_id)).await {
        tracing::warn!(%error, user_id, "live events: could not announce the end of a user's sessions");
    }
}

/// A change of the catalogue (pizzas, recipes, ingredients, pizzerias, withdrawals): every
/// menu is re-read.
pub fn catalogue_changed(pizzeria_id: i64) -> Event {
    Event { id: 0, kind: CATALOGUE.into(), pizzeria_id, reference: String::new(), status: String::new(), window: None }
}

/// How a write announces its event on each backend: PostgreSQL notifies inside the
/// transaction, SQLite publishes after the commit.
pub trait Announce {
    /// Run inside the write transaction, before its commit.
    fn notify_in(
        &self,
        tx: &mut <Self::Database as sqlx::Database>::Connection,
        event: &Event,
    ) -> impl std::future::Future<Output = Result<(), sqlx::Error>> + Send;

    /// Run after a successful commit.
    fn after_commit(&self, event: Event);

    type Database: sqlx::Database;
}

impl Announce for sqlx::SqlitePool {
    type Database = sqlx::Sqlite;

    async fn notify_in(&self, _tx: &mut sqlx::SqliteConnection, _event: &Event) -> Result<(), sqlx::Error> {
        Ok(())
    }

    fn after_commit(&self, event: Event) {
        publish(event);
    }
}

impl Announce for sqlx::PgPool {
    type Database = sqlx::Postgres;

    async fn notify_in(&self, tx: &mut sqlx::PgConnection, event: &Event) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT pg_notify($1, $2)").bind(CHANNEL).bind(event.to_json()).execute(tx).await?;
        Ok(())
    }

    /// The event reaches this process's bus through the listener like any other instance's;
    /// what this process cached is out of date now.
    fn after_commit(&self, _event: Event) {
        invalidate_local();
    }
}

/// Copies PostgreSQL notifications onto this process's bus until shutdown. Runs on every
/// instance that serves PostgreSQL.
pub async fn listen(pool: sqlx::PgPool, shutdown: rocket::Shutdown) {
    let mut shutdown = std::pin::pin!(shutdown);
    // Until LISTEN holds, changes made by other instances would go unheard.
    set_hearing(false);
    loop {
        let mut listener = match sqlx::postgres::PgListener::connect_with(&pool).await {
            Ok(listener) => listener,
            Err(error) => {
                tracing::warn!(%error, "live events: cannot connect the listener; retrying in 1 s");
                rocket::tokio::select! {
                    _ = rocket::tokio::time::sleep(std::time::Duration::from_secs(1)) => continue,
                    _ = &mut shutdown => return,
                }
            }
        };
        if let Err(error) = listener.listen(CHANNEL).await {
            tracing::warn!(%error, "live events: LISTEN failed; retrying in 1 s");
            rocket::tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            continue;
        }
        // Anything may have happened before this LISTEN took effect.
        set_hearing(true);
        publish(Event::resync());
        tracing::info!("live events: listening");
        loop {
            let received = rocket::tokio::select! {
                received = listener.try_recv() => received,
                _ = &mut shutdown => return,
            };
            match received {
                Ok(Some(notification)) => match serde_json::from_str::<Event>(notification.payload()) {
                    Ok(event) => publish(event),
                    Err(error) => tracing::warn!(%error, "live events: unreadable notification"),
                },
                // The connection was lost: what was sent meanwhile is gone. Reconnect and
                // LISTEN again, then tell the screens to re-read (in that order, so that
                // nothing falls between their re-read and the new LISTEN).
                Ok(None) => {
                    set_hearing(false);
                    tracing::warn!("live events: listener connection lost; reconnecting");
                    break;
                }
                Err(error) => {
                    set_hearing(false);
                    tracing::warn!(%error, "live events: listener failed; reconnecting");
                    break;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `signed_out` event names its user, also once through NOTIFY's JSON; no other does.
    #[test]
    fn a_signed_out_event_names_its_user() {
        let event = Event::signed_out(42);
        assert_eq!(event.signed_out_user(), Some(42));
        let heard: Event = serde_json::from_str(&event.to_json()).expect("the event read back");
        assert_eq!(heard.signed_out_user(), Some(42));
        assert_eq!(Event::resync().signed_out_user(), None);
        assert_eq!(catalogue_changed(42).signed_out_user(), None);
    }

    /// The payload built in SQL has every field `Event` reads back (one it does not know is
    /// ignored; one missing would drop the event).
    #[test]
    fn the_sql_payload_has_the_fields_of_an_event() {
        let sql = notify_sql("(SELECT id FROM w1)", "placed", "$2::bigint", "$1::text", "placed");
        let event = serde_json::to_value(Event::resync()).expect("an event as JSON");
        for field in event.as_object().expect("an object").keys() {
            assert!(sql.contains(&format!("'{field}', ")), "{field} in {sql}");
        }
        assert!(sql.starts_with(&format!("pg_notify('{CHANNEL}', json_build_object('id', (SELECT id FROM w1)")));
    }
}
