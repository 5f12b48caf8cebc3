//! The portable dump: every table's rows as JSON, read in one consistent snapshot and
//! written back into either backend — the format that lets a SQLite installation grow into
//! PostgreSQL (and back) without losing its history.
//!
//! The file is JSON lines: a header object, then for each table an object naming it and its
//! columns followed by one JSON array per row. Values are what the database's own JSON
//! functions make of them (integers, text, `true`/`false` from PostgreSQL's booleans), and
//! each backend's JSON functions turn them back, so no per-type code lives here.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sqlx::{Connection, Row};

use crate::db::{BeginWrite, DbPool};
use crate::{db_run, Error, Result};

/// Every table a backup carries, parents before children (the order of the migrations that
/// created them), so that rows can be inserted in this order and deleted in the reverse.
pub const TABLES: &[&str] = &[
    "app_meta",
    "pizzerias",
    "opening_hours",
    "delivery_postcodes",
    "users",
    "sessions",
    "addresses",
    "ingredients",
    "ingredient_allergens",
    "stock",
    "pizzas",
    "recipe_lines",
    "recipe_steps",
    "sizes",
    "pizza_sizes",
    "extras",
    "menu_withdrawals",
    "orders",
    "order_lines",
    "order_transitions",
    "stock_movements",
    "payments",
    "payment_events",
    "notification_outbox",
    "login_throttle",
    "api_tokens",
    "carts",
    "cart_lines",
    "closing_days",
    "password_resets",
    "app_secrets",
    "stock_alerts",
    "rate_limits",
    "limit_refusals",
    "pizzeria_capacity",
    "capacity_travel",
    "oven_ranges",
    "oven_bookings",
    "delivery_runs",
    "rush_controls",
    "rush_log",
];

/// Tables a backup leaves out: the migrations' own journal (a restore migrates with the
/// binary's migrations) and the history of backups (it describes the storage, which a
/// restore does not roll back).
pub const NOT_BACKED_UP: &[&str] = &["_sqlx_migrations", "backup_runs"];

/// Rows per statement when restoring (one JSON parameter each).
const RESTORE_BATCH: usize = 500;

/// The first line of a dump.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DumpHeader {
    pub format: String,
    pub schema_version: i64,
    pub backend: String,
}

pub const DUMP_FORMAT: &str = "oc-pizza-dump/1";

/// The line that starts a table's rows.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TableHeader {
    pub table: String,
    pub columns: Vec<String>,
}

/// What a dump holds, for the manifest.
#[derive(Debug, Clone, Default)]
pub struct DumpSummary {
    pub schema_version: i64,
    pub row_counts: BTreeMap<String, i64>,
}

/// What a restore reads, in file order.
#[derive(Debug)]
pub enum RestoreChunk {
    Table(TableHeader),
    /// Rows of the current table, each a JSON array.
    Rows(Vec<String>),
}

/// The last migration applied to this database (0 for an empty one).
pub async fn schema_version(db: &DbPool) -> Result<i64> {
    db_run!(db, |pool| {
        let version: Option<i64> =
            sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success").fetch_one(pool).await?;
        Ok(version.unwrap_or(0))
    })
}

/// The tables of the schema (to prove [`TABLES`] and [`NOT_BACKED_UP`] cover them all).
pub async fn schema_tables(db: &DbPool) -> Result<Vec<String>> {
    let sql = match db {
        DbPool::Sqlite(_) => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        }
        DbPool::Postgres(_) => {
            "SELECT table_name::text FROM information_schema.tables
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1"
        }
    };
    db_run!(db, |pool| Ok(sqlx::query_scalar(sql).fetch_all(pool).await?))
}

fn columns_sql(db: &DbPool) -> &'static str {
    match db {
        DbPool::Sqlite(_) => "SELECT name FROM pragma_table_info($1) ORDER BY cid",
        DbPool::Postgres(_) => {
            "SELECT column_name::text FROM information_schema.columns
             WHERE table_schema = current_schema() AND table_name = $1 AND is_generated = 'NEVER'
             ORDER BY ordinal_position"
        }
    }
}

fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Rows of every table, counted, from one snapshot (a read transaction: SQLite's WAL and
/// PostgreSQL's `REPEATABLE READ` both see the database as it was at its first read, while
/// orders keep being written). Lines go to `out` in batches, each ending with a newline.
///
/// On PostgreSQL, `with_snapshot` receives the exported snapshot's name while the
/// transaction is still open, so that `pg_dump --snapshot` sees exactly the same data.
pub async fn dump<F, Fut>(
    db: &DbPool,
    out: rocket::tokio::sync::mpsc::Sender<String>,
    with_snapshot: F,
) -> Result<(DumpSummary, Option<Fut::Output>)>
where
    F: FnOnce(String) -> Fut,
    Fut: std::future::Future,
{
    let schema_version = schema_version(db).await?;
    let backend = match db.backend() {
        crate::db::Backend::Sqlite => "sqlite",
        crate::db::Backend::Postgres => "postgres",
    };
    let header = DumpHeader { format: DUMP_FORMAT.into(), schema_version, backend: backend.into() };
    send(&out, json_line(&header)?).await?;
    let columns_sql = columns_sql(db);
    let array_function = match db {
        DbPool::Sqlite(_) => "json_array",
        DbPool::Postgres(_) => "json_build_array",
    };
    let mut summary = DumpSummary { schema_version, row_counts: BTreeMap::new() };
    let mut side_result = None;
    db_run!(db, |pool| {
        let mut connection = pool.acquire().await?;
        let mut tx = connection.begin().await?;
        if let DbPool::Postgres(_) = db {
            sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").execute(&mut *tx).await?;
            // A big table may take longer than a request's statement timeout.
            sqlx::query("SET LOCAL statement_timeout = 0").execute(&mut *tx).await?;
        }
        let mut side_task = None;
        if let DbPool::Postgres(_) = db {
            let snapshot: String = sqlx::query_scalar("SELECT pg_export_snapshot()").fetch_one(&mut *tx).await?;
            side_task = Some(with_snapshot(snapshot));
        } else {
            // SQLite's snapshot starts at the first read: take it now.
            sqlx::query("SELECT COUNT(*) FROM app_meta").execute(&mut *tx).await?;
        }
        let dump_tables = async {
            for table in TABLES {
                let columns: Vec<String> = sqlx::query_scalar(columns_sql).bind(*table).fetch_all(&mut *tx).await?;
                send(&out, json_line(&TableHeader { table: table.to_string(), columns: columns.clone() })?).await?;
                let list = columns.iter().map(|c| quoted(c)).collect::<Vec<_>>().join(", ");
                let sql = format!("SELECT CAST({array_function}({list}) AS TEXT) FROM {}", quoted(table));
                let mut rows = sqlx::query_scalar::<_, String>(&sql).fetch(&mut *tx);
                let mut count = 0i64;
                let mut batch = String::with_capacity(64 * 1024);
                while let Some(row) = futures_next(&mut rows).await {
                    batch.push_str(&row?);
                    batch.push('\n');
                    count += 1;
                    if batch.len() >= 60 * 1024 {
                        send(&out, std::mem::take(&mut batch)).await?;
                    }
                }
                drop(rows);
                if !batch.is_empty() {
                    send(&out, batch).await?;
                }
                summary.row_counts.insert(table.to_string(), count);
            }
            Ok::<(), Error>(())
        };
        match side_task {
            // pg_dump and our own reading run together inside the exported snapshot.
            Some(task) => {
                let (dumped, side) = rocket::tokio::join!(dump_tables, task);
                dumped?;
                side_result = Some(side);
            }
            None => dump_tables.await?,
        }
        tx.rollback().await?;
    });
    Ok((summary, side_result))
}

async fn futures_next<S: rocket::futures::Stream + Unpin>(stream: &mut S) -> Option<S::Item> {
    rocket::futures::StreamExt::next(stream).await
}

fn json_line<T: Serialize>(value: &T) -> Result<String> {
    let mut line = serde_json::to_string(value).map_err(|e| Error::Backup(format!("dump header: {e}")))?;
    line.push('\n');
    Ok(line)
}

async fn send(out: &rocket::tokio::sync::mpsc::Sender<String>, text: String) -> Result<()> {
    out.send(text).await.map_err(|_| Error::Backup("the dump's writer stopped".into()))
}

/// Replaces every backed-up table's rows with the dump's, in one transaction: either the
/// whole dump is in, or nothing changed. Columns the dump lacks (added by a later
/// migration) take their defaults; a column the schema lacks is refused. Returns the rows
/// written per table.
pub async fn restore(
    db: &DbPool,
    mut input: rocket::tokio::sync::mpsc::Receiver<RestoreChunk>,
) -> Result<BTreeMap<String, i64>> {
    let columns_sql = columns_sql(db);
    let postgres = matches!(db, DbPool::Postgres(_));
    let mut written = BTreeMap::new();
    db_run!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        if !postgres {
            // Foreign keys are checked at the commit, once every table is back.
            sqlx::query("PRAGMA defer_foreign_keys = ON").execute(&mut *tx).await?;
        }
        for table in TABLES.iter().rev() {
            sqlx::query(&format!("DELETE FROM {}", quoted(table))).execute(&mut *tx).await?;
        }
        let mut current: Option<(TableHeader, String)> = None;
        while let Some(chunk) = input.recv().await {
            match chunk {
                RestoreChunk::Table(header) => {
                    if !TABLES.contains(&header.table.as_str()) {
                        return Err(Error::Backup(format!(
                            "the dump has a table this program does not know: {}",
                            header.table
                        )));
                    }
                    let existing: Vec<String> =
                        sqlx::query_scalar(columns_sql).bind(&header.table).fetch_all(&mut *tx).await?;
                    if let Some(unknown) = header.columns.iter().find(|c| !existing.contains(c)) {
                        return Err(Error::Backup(format!(
                            "the dump's table {} has a column {unknown} that this database does not",
                            header.table
                        )));
                    }
                    let list = header.columns.iter().map(|c| quoted(c)).collect::<Vec<_>>().join(", ");
                    let sql = if postgres {
                        format!(
                            "INSERT INTO {table} ({list}) SELECT {list} FROM json_populate_recordset(NULL::{table}, CAST($1 AS json))",
                            table = quoted(&header.table)
                        )
                    } else {
                        let values =
                            (0..header.columns.len()).map(|i| format!("value ->> {i}")).collect::<Vec<_>>().join(", ");
                        format!("INSERT INTO {} ({list}) SELECT {values} FROM json_each($1)", quoted(&header.table))
                    };
                    written.insert(header.table.clone(), 0i64);
                    current = Some((header, sql));
                }
                RestoreChunk::Rows(rows) => {
                    let Some((header, sql)) = &current else {
                        return Err(Error::Backup("the dump has rows before any table".into()));
                    };
                    for batch in rows.chunks(RESTORE_BATCH) {
                        let parameter = if postgres { as_objects(&header.columns, batch)? } else { as_array(batch) };
                        sqlx::query(sql).bind(parameter).execute(&mut *tx).await?;
                    }
                    *written.entry(header.table.clone()).or_default() += rows.len() as i64;
                }
            }
        }
        if postgres {
            // Identity columns continue after the restored ids.
            for table in TABLES {
                let columns: Vec<String> = sqlx::query_scalar(columns_sql).bind(*table).fetch_all(&mut *tx).await?;
                if columns.iter().any(|c| c == "id") {
                    sqlx::query(&format!(
                        "SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE(MAX(id), 0) + 1, false) FROM {}",
                        quoted(table)
                    ))
                    .execute(&mut *tx)
                    .await?;
                }
            }
        }
        tx.commit().await?;
    });
    Ok(written)
}

fn as_array(rows: &[String]) -> String {
    let mut text = String::with_capacity(rows.iter().map(|r| r.len() + 1).sum::<usize>() + 2);
    text.push('[');
    for (i, row) in rows.iter().enumerate() {
        if i > 0 {
            text.push(',');
        }
        text.push_str(row);
    }
    text.push(']');
    text
}

/// `json_populate_recordset` matches values to columns by name: each row array becomes
/// an object.
fn as_objects(columns: &[String], rows: &[String]) -> Result<String> {
    let mut objects = Vec::with_capacity(rows.len());
    for row in rows {
        let values: Vec<serde_json::Value> =
            serde_json::from_str(row).map_err(|e| Error::Backup(format!("a row of the dump is not JSON: {e}")))?;
        if values.len() != columns.len() {
            return Err(Error::Backup(format!(
                "a row of the dump has {} values for {} columns",
                values.len(),
                columns.len()
            )));
        }
        let object: serde_json::Map<String, serde_json::Value> = columns.iter().cloned().zip(values).collect();
        objects.push(serde_json::Value::Object(object));
    }
    serde_json::to_string(&objects).map_err(|e| Error::Backup(format!("restore batch: {e}")))
}

/// Rows per backed-up table.
pub async fn row_counts(db: &DbPool) -> Result<BTreeMap<String, i64>> {
    let mut counts = BTreeMap::new();
    for table in TABLES {
        let sql = format!("SELECT COUNT(*) FROM {}", quoted(table));
        let count: i64 = db_run!(db, |pool| sqlx::query_scalar(&sql).fetch_one(pool).await?);
        counts.insert(table.to_string(), count);
    }
    Ok(counts)
}

/// What is wrong with this database's data, if anything: SQLite's own integrity and
/// foreign-key checks, and on both backends the stock's invariant (each stock row equals the
/// sum of its movements, none is negative).
pub async fn integrity_problems(db: &DbPool) -> Result<Vec<String>> {
    let mut problems = Vec::new();
    if let DbPool::Sqlite(pool) = db {
        let verdicts: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check").fetch_all(pool).await?;
        if verdicts != ["ok"] {
            problems.push(format!("integrity_check: {}", verdicts.join("; ")));
        }
        let orphans = sqlx::query("PRAGMA foreign_key_check").fetch_all(pool).await?;
        if let Some(first) = orphans.first() {
            let table: String = first.try_get(0)?;
            problems.push(format!("{} rows point to missing parents (first in {table})", orphans.len()));
        }
    }
    let (mismatched, negative): (i64, i64) = db_run!(db, |pool| {
        sqlx::query_as(
            // One pass over the journal (a correlated sum per stock row reads it row by row).
            "SELECT
                 (SELECT COUNT(*) FROM stock s
                  LEFT JOIN (SELECT pizzeria_id, ingredient_id, SUM(delta) AS total FROM stock_movements
                             GROUP BY pizzeria_id, ingredient_id) m
                         ON m.pizzeria_id = s.pizzeria_id AND m.ingredient_id = s.ingredient_id
                  WHERE s.quantity <> COALESCE(m.total, 0)),
                 (SELECT COUNT(*) FROM stock WHERE quantity < 0)",
        )
        .fetch_one(pool)
        .await?
    });
    if mismatched > 0 {
        problems.push(format!("{mismatched} stock rows differ from the sum of their movements"));
    }
    if negative > 0 {
        problems.push(format!("{negative} stock rows are negative"));
    }
    Ok(problems)
}
