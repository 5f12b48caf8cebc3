//! The database: one pool type serving SQLite or PostgreSQL, wired into Rocket through
//! rocket_db_pools' `Pool` extension point, migrations embedded per backend, and the
//! seed applied once.
//!
//! Queries are written once and compiled for each backend with [`db_run!`]: the body is
//! duplicated by the macro, so each copy is type-checked against its own driver (no `Any`
//! driver and its gaps).

pub mod seed;

use std::str::FromStr;
use std::time::Duration;

use rocket::figment::Figment;
use rocket_db_pools::Database;
use sqlx::pool::PoolOptions;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqliteSynchronous};
use sqlx::Connection;

use crate::{Error, Result};

/// The name of our database in Rocket's `databases` table (`databases.main.url`, …).
pub const DATABASE_NAME: &str = "main";

/// Hides the password of a `scheme://user:password@host/…` URL.
pub fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else { return url.to_string() };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    match (authority.rfind('@'), authority.find(':')) {
        (Some(at), Some(colon)) if colon < at => {
            format!("{}://{}:***{}", &url[..scheme_end], &authority[..colon], &rest[at..])
        }
        _ => url.to_string(),
    }
}

static SQLITE_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

/// The migrations embedded for `backend`.
pub fn migrations(backend: Backend) -> &'static [sqlx::migrate::Migration] {
    match backend {
        Backend::Sqlite => &SQLITE_MIGRATOR.migrations,
        Backend::Postgres => &POSTGRES_MIGRATOR.migrations,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Result<Self> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(Error::Config("database_url must start with sqlite:// or postgres://".into()))
        }
    }
}

/// A connection pool to whichever database the configuration names.
#[derive(Debug, Clone)]
pub enum DbPool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs `$body` with `$pool` bound to the concrete sqlx pool of the active backend.
/// The body is compiled once per backend, so it must be valid SQL and Rust for both.
#[macro_export]
macro_rules! db_run {
    ($db:expr, |$pool:ident| $body:expr) => {
        match $db {
            $crate::db::DbPool::Sqlite($pool) => $body,
            $crate::db::DbPool::Postgres($pool) => $body,
        }
    };
}

/// A transaction that holds the write lock from its first statement.
///
/// On SQLite a deferred transaction that reads and then writes fails at once with
/// "database is locked" when another writer got in between (the busy timeout cannot help
/// an upgrade); `BEGIN IMMEDIATE` makes writers queue instead. Writers of this process
/// also queue on an async gate first: SQLite's own busy handler waits by sleeping (up to
/// 100 ms a try), which under load costs far more than the writes. PostgreSQL locks rows
/// as they are updated: an ordinary transaction, no gate (instances share the database).
pub trait BeginWrite {
    type Database: sqlx::Database;

    fn begin_write(&self) -> impl std::future::Future<Output = Result<WriteTx<Self::Database>, sqlx::Error>> + Send;

    /// What ends a `SELECT` that must lock the rows it reads until the commit. PostgreSQL:
    /// `FOR NO KEY UPDATE`, the lock an `UPDATE` of non-key columns takes, which does not
    /// conflict with the key-share locks that foreign-key checks (a movement pointing to its
    /// stock row) take — `FOR UPDATE` would, and deadlock two orders. SQLite: nothing, its
    /// write transaction already excludes other writers.
    fn row_lock(&self) -> &'static str;

    /// What ends a `SELECT` that claims rows several workers compete for: PostgreSQL skips
    /// the rows another worker has locked; SQLite's write transaction already excludes it.
    fn skip_locked(&self) -> &'static str;

    /// How several writes go to the database in one round trip: SQLite runs a script of
    /// statements sharing numbered parameters; PostgreSQL runs one statement whose writes
    /// are common table expressions (`WITH … AS (INSERT …)`).
    fn batches_as(&self) -> Batch;

    /// A statement (its one parameter: the pizzeria) that makes the writers promising times
    /// of this pizzeria's capacity take turns until the commit, so that two of them never
    /// book the same free room. PostgreSQL: a transaction-level advisory lock; SQLite: none
    /// needed, its write transaction already excludes other writers.
    fn pizzeria_lock(&self) -> Option<&'static str>;
}

/// See [`BeginWrite::batches_as`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Batch {
    Script,
    CommonTableExpressions,
}

/// A write transaction (and, on SQLite, this process's turn to write).
pub struct WriteTx<DB: sqlx::Database> {
    tx: sqlx::Transaction<'static, DB>,
    _turn: Option<rocket::tokio::sync::OwnedMutexGuard<()>>,
}

impl<DB: sqlx::Database> WriteTx<DB> {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }

    /// Rolls back now, before this process's next writer starts (dropping would leave the
    /// rollback to the connection's next use).
    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        self.tx.rollback().await
    }
}

impl<DB: sqlx::Database> std::ops::Deref for WriteTx<DB> {
    type Target = DB::Connection;

    fn deref(&self) -> &DB::Connection {
        &self.tx
    }
}

impl<DB: sqlx::Database> std::ops::DerefMut for WriteTx<DB> {
    fn deref_mut(&mut self) -> &mut DB::Connection {
        &mut self.tx
    }
}

fn sqlite_writer_gate() -> std::sync::Arc<rocket::tokio::sync::Mutex<()>> {
    static GATE: std::sync::OnceLock<std::sync::Arc<rocket::tokio::sync::Mutex<()>>> = std::sync::OnceLock::new();
    GATE.get_or_init(Default::default).clone()
}

/// This process's one connection that writes to a SQLite file (the gate above lets one
/// writer at a time in anyway). Its page cache stays valid from one write to the next,
/// whereas a pooled connection must read again every page another connection changed
/// since it last ran (a tenth of the writer's time under the checkout benchmark).
fn sqlite_writer(pool: &SqlitePool) -> SqlitePool {
    let options = pool.connect_options();
    let Ok(mut writers) = sqlite_writers().lock() else { return pool.clone() };
    writers
        .entry(options.get_filename().to_path_buf())
        .or_insert_with(|| {
            PoolOptions::new().max_connections(1).test_before_acquire(false).connect_lazy_with(options.as_ref().clone())
        })
        .clone()
}

type SqliteWriters = std::sync::Mutex<std::collections::HashMap<std::path::PathBuf, SqlitePool>>;

fn sqlite_writers() -> &'static SqliteWriters {
    static WRITERS: std::sync::OnceLock<SqliteWriters> = std::sync::OnceLock::new();
    WRITERS.get_or_init(Default::default)
}

/// The writer of this pool's file, no longer kept (the pool is being closed: a restore
/// drill's scratch database, a command that is done).
fn forget_sqlite_writer(pool: &SqlitePool) -> Option<SqlitePool> {
    sqlite_writers().lock().ok()?.remove(pool.connect_options().get_filename())
}

/// How long a request waits for this process's turn to write on SQLite (the server's
/// `statement_timeout`); unset (command-line tools): as long as it takes.
static WRITE_TURN_TIMEOUT: std::sync::OnceLock<Duration> = std::sync::OnceLock::new();

impl BeginWrite for SqlitePool {
    type Database = sqlx::Sqlite;

    async fn begin_write(&self) -> Result<WriteTx<sqlx::Sqlite>, sqlx::Error> {
        let gate = sqlite_writer_gate().lock_owned();
        let turn = match WRITE_TURN_TIMEOUT.get() {
            // Writers queued longer than this: the request gives up (503) rather than hang.
            Some(limit) => rocket::tokio::time::timeout(*limit, gate).await.map_err(|_| sqlx::Error::PoolTimedOut)?,
            None => gate.await,
        };
        let tx = sqlite_writer(self).begin_with("BEGIN IMMEDIATE").await?;
        Ok(WriteTx { tx, _turn: Some(turn) })
    }

    fn row_lock(&self) -> &'static str {
        ""
    }

    fn skip_locked(&self) -> &'static str {
        ""
    }

    fn batches_as(&self) -> Batch {
        Batch::Script
    }

    fn pizzeria_lock(&self) -> Option<&'static str> {
        None
    }
}

impl BeginWrite for PgPool {
    type Database = sqlx::Postgres;

    async fn begin_write(&self) -> Result<WriteTx<sqlx::Postgres>, sqlx::Error> {
        Ok(WriteTx { tx: self.begin().await?, _turn: None })
    }

    fn row_lock(&self) -> &'static str {
        " FOR NO KEY UPDATE"
    }

    fn skip_locked(&self) -> &'static str {
        " FOR UPDATE SKIP LOCKED"
    }

    fn batches_as(&self) -> Batch {
        Batch::CommonTableExpressions
    }

    fn pizzeria_lock(&self) -> Option<&'static str> {
        // The first key names what is locked (24: capacity), the second which pizzeria.
        Some("SELECT pg_advisory_xact_lock(24, CAST($1 AS INTEGER))")
    }
}

/// The server's `databases.main.statement_timeout` when not set.
pub const DEFAULT_STATEMENT_TIMEOUT_SECONDS: u64 = 10;

/// Pool sizing and timeouts, from `databases.main.*` (rocket_db_pools' keys).
#[derive(Debug, Clone)]
pub struct PoolSettings {
    pub max_connections: u32,
    pub min_connections: u32,
    pub connect_timeout: Duration,
    pub idle_timeout: Option<Duration>,
    /// The longest a statement may run (lock waits included) before it is cancelled and its
    /// request answered 503; on SQLite, also the longest wait for the write lock. `None`
    /// (command-line tools, restores): no limit.
    pub statement_timeout: Option<Duration>,
}

impl Default for PoolSettings {
    fn default() -> Self {
        PoolSettings {
            max_connections: 8,
            min_connections: 0,
            connect_timeout: Duration::from_secs(5),
            idle_timeout: None,
            statement_timeout: None,
        }
    }
}

impl PoolSettings {
    fn pool_options<DB: sqlx::Database>(&self) -> PoolOptions<DB> {
        PoolOptions::new()
            .max_connections(self.max_connections)
            .min_connections(self.min_connections)
            .acquire_timeout(self.connect_timeout)
            .idle_timeout(self.idle_timeout)
    }
}

impl DbPool {
    pub async fn connect(url: &str, settings: &PoolSettings) -> Result<Self> {
        Self::open(url, settings).await.map_err(|error| match error {
            Error::Database(source) => Error::Connect { url: redact_url(url), source },
            other => other,
        })
    }

    async fn open(url: &str, settings: &PoolSettings) -> Result<Self> {
        match Backend::from_url(url)? {
            Backend::Sqlite => {
                let options = SqliteConnectOptions::from_str(url)?
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(settings.statement_timeout.unwrap_or(Duration::from_secs(10)))
                    .foreign_keys(true);
                if let Some(limit) = settings.statement_timeout {
                    let _ = WRITE_TURN_TIMEOUT.set(limit);
                }
                // A connection to a file does not go stale: no ping (a round trip to its worker
                // thread) each time one is taken from the pool.
                let pool = settings.pool_options().test_before_acquire(false).connect_with(options).await?;
                Ok(DbPool::Sqlite(pool))
            }
            Backend::Postgres => {
                let mut options = PgConnectOptions::from_str(url)?;
                if let Some(limit) = settings.statement_timeout {
                    let millis = limit.as_millis().to_string();
                    options = options.options([("statement_timeout", millis.as_str())]);
                }
                let pool = settings.pool_options().connect_with(options.clone()).await;
                match pool {
                    Ok(pool) => Ok(DbPool::Postgres(pool)),
                    // The pool retries until its timeout and then reports only that; one
                    // direct attempt tells the operator why (refused, wrong password, …).
                    Err(sqlx::Error::PoolTimedOut) => match PgConnection::connect_with(&options).await {
                        Err(cause) => Err(cause.into()),
                        Ok(connection) => {
                            let _ = connection.close().await;
                            Err(sqlx::Error::PoolTimedOut.into())
                        }
                    },
                    Err(error) => Err(error.into()),
                }
            }
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            DbPool::Sqlite(_) => Backend::Sqlite,
            DbPool::Postgres(_) => Backend::Postgres,
        }
    }

    /// Applies the embedded migrations of this backend that are not applied yet.
    pub async fn migrate(&self) -> Result<()> {
        match self {
            DbPool::Sqlite(pool) => SQLITE_MIGRATOR.run(pool).await?,
            DbPool::Postgres(pool) => POSTGRES_MIGRATOR.run(pool).await?,
        }
        Ok(())
    }

    /// A round trip to the database (readiness probe).
    pub async fn ping(&self) -> Result<()> {
        db_run!(self, |pool| {
            sqlx::query("SELECT 1").execute(pool).await?;
        });
        Ok(())
    }

    /// (open connections, idle ones), for the metrics.
    pub fn pool_usage(&self) -> (u32, usize) {
        db_run!(self, |pool| (pool.size(), pool.num_idle()))
    }

    pub async fn close(&self) {
        match self {
            DbPool::Sqlite(pool) => {
                if let Some(writer) = forget_sqlite_writer(pool) {
                    writer.close().await;
                }
                pool.close().await
            }
            DbPool::Postgres(pool) => pool.close().await,
        }
    }
}

#[rocket::async_trait]
impl rocket_db_pools::Pool for DbPool {
    type Connection = DbPool;
    type Error = Error;

    async fn init(figment: &Figment) -> Result<Self> {
        let config: rocket_db_pools::Config =
            figment.extract().map_err(|e| Error::Config(format!("databases.{}: {e}", DATABASE_NAME)))?;
        let settings = PoolSettings {
            max_connections: config.max_connections as u32,
            min_connections: config.min_connections.unwrap_or(0),
            connect_timeout: Duration::from_secs(config.connect_timeout),
            idle_timeout: config.idle_timeout.map(Duration::from_secs),
            statement_timeout: Some(Duration::from_secs(
                figment.extract_inner::<u64>("statement_timeout").unwrap_or(DEFAULT_STATEMENT_TIMEOUT_SECONDS),
            )),
        };
        DbPool::connect(&config.url, &settings).await
    }

    /// Handlers use the pool itself (cheap to clone) so that each query or transaction
    /// takes a connection only for as long as it needs one.
    async fn get(&self) -> Result<Self::Connection> {
        Ok(self.clone())
    }

    async fn close(&self) {
        DbPool::close(self).await
    }
}

/// Serialises first-boot work (the switch to WAL, migrations, seed) between processes that
/// share one SQLite file, such as `serve` and `migrate` started together. PostgreSQL needs
/// none: sqlx's migrator takes an advisory lock and the seed claims its marker row.
/// The lock is released when this value is dropped.
pub struct BootLock(#[allow(dead_code)] Option<std::fs::File>);

impl BootLock {
    pub async fn acquire(url: &str) -> Result<BootLock> {
        if Backend::from_url(url)? != Backend::Sqlite {
            return Ok(BootLock(None));
        }
        let database = SqliteConnectOptions::from_str(url)?.get_filename().to_path_buf();
        let path = std::path::PathBuf::from(format!("{}.lock", database.display()));
        let locked = rocket::tokio::task::spawn_blocking(move || {
            let file = std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(&path)?;
            file.lock()?; // waits for the other process, if any
            Ok::<_, std::io::Error>(file)
        })
        .await
        .map_err(|e| Error::io("boot lock", std::io::Error::other(e)))?
        .map_err(|e| Error::io(format!("cannot lock {}.lock", database.display()), e))?;
        Ok(BootLock(Some(locked)))
    }
}

/// The application's database, managed by Rocket; a request guard as `&Db`.
#[derive(Database)]
#[database("main")]
pub struct Db(DbPool);

impl Db {
    /// The same pool for a task that lives outside Rocket's requests (the event server).
    pub fn from_pool(pool: DbPool) -> Db {
        Db(pool)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_the_password_only() {
        assert_eq!(redact_url("postgres://app:s3cret@db.internal:5432/oc"), "postgres://app:***@db.internal:5432/oc");
        assert_eq!(redact_url("postgres://app@db/oc"), "postgres://app@db/oc");
        assert_eq!(
            redact_url("sqlite:///var/lib/oc-pizza/oc-pizza.db?mode=rwc"),
            "sqlite:///var/lib/oc-pizza/oc-pizza.db?mode=rwc"
        );
    }

    #[rocket::tokio::test]
    async fn a_closed_sqlite_pool_leaves_no_writer_open() {
        let folder = tempfile::tempdir().expect("a folder");
        let url = format!("sqlite://{}?mode=rwc", folder.path().join("writer.sqlite").display());
        let db = DbPool::connect(&url, &PoolSettings::default()).await.expect("a database");
        let DbPool::Sqlite(pool) = &db else { unreachable!("a SQLite URL") };
        let file = pool.connect_options().get_filename().to_path_buf();
        let tx = pool.begin_write().await.expect("a write transaction");
        tx.commit().await.expect("a commit");
        let writer = sqlite_writers().lock().expect("writers").get(&file).cloned().expect("one writer for the file");
        assert_eq!(writer.size(), 1, "the writer holds one connection");
        db.close().await;
        assert!(writer.is_closed(), "closing the pool closes its writer");
        assert!(!sqlite_writers().lock().expect("writers").contains_key(&file), "and forgets it");
    }
}
