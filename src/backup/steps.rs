//! The steps a backup and a restore are made of: the dump written and read through its
//! compressed file, a file checked against its manifest, row counts compared, the scratch
//! database of the restore drill.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::Utc;

use super::archive;
use crate::db::{Backend, DbPool, PoolSettings};
use crate::domain::backups::ManifestFile;
use crate::store::dump;
use crate::{Error, Result};

pub(super) fn backend_name(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    }
}

/// The newest migration this program knows for `backend`.
pub(super) fn binary_schema_version(backend: Backend) -> i64 {
    crate::db::migrations(backend).iter().map(|m| m.version).max().unwrap_or(0)
}

pub(super) fn scratch_pool() -> PoolSettings {
    PoolSettings { max_connections: 2, ..PoolSettings::default() }
}

pub(super) async fn dump_to<F, Fut>(
    db: &DbPool,
    path: &Path,
    with_snapshot: F,
) -> Result<(dump::DumpSummary, Option<Fut::Output>)>
where
    F: FnOnce(String) -> Fut,
    Fut: std::future::Future,
{
    let (sender, writer) = archive::compressed_writer(path.to_path_buf());
    let dumped = dump::dump(db, sender, with_snapshot).await;
    let written = writer.await.map_err(|e| Error::Backup(format!("the dump's writer stopped: {e}")))?;
    let dumped = dumped?;
    written?;
    Ok(dumped)
}

pub(super) async fn restore_file(db: &DbPool, portable: &Path) -> Result<BTreeMap<String, i64>> {
    let (chunks, reader) = archive::dump_reader(portable);
    let restored = dump::restore(db, chunks).await;
    let read = reader.await.map_err(|e| Error::Backup(format!("the dump's reader stopped: {e}")))?;
    // The restore's own error says more than the reader's "stopped reading".
    let restored = restored?;
    read?;
    Ok(restored)
}

pub(super) async fn check_file(local: &Path, expected: &ManifestFile) -> Result<()> {
    let found = archive::digest(local.to_path_buf()).await?;
    if found.size != expected.size || found.sha256 != expected.sha256 {
        return Err(Error::Backup(format!(
            "{} does not match its manifest (size {} instead of {}, or a different SHA-256): the copy is damaged",
            expected.name, found.size, expected.size
        )));
    }
    Ok(())
}

pub(super) fn compare_counts(
    expected: &BTreeMap<String, i64>,
    found: &BTreeMap<String, i64>,
    what: &str,
) -> Result<()> {
    let differences: Vec<String> = expected
        .iter()
        .filter(|(table, count)| found.get(*table).copied().unwrap_or(0) != **count)
        .map(|(table, count)| format!("{table}: {} instead of {count}", found.get(table).copied().unwrap_or(0)))
        .collect();
    if differences.is_empty() {
        Ok(())
    } else {
        Err(Error::Backup(format!("{what} has other row counts than the manifest: {}", differences.join(", "))))
    }
}

/// A database for the restore drill, dropped after: a file in the scratch folder for
/// SQLite, a new database on the same server for PostgreSQL.
pub(super) struct ScratchDb {
    pub(super) db: DbPool,
    postgres_name: Option<String>,
}

impl ScratchDb {
    pub(super) async fn create(live: &DbPool, live_url: &str, scratch_dir: &Path) -> Result<ScratchDb> {
        match live {
            DbPool::Sqlite(_) => {
                let url = crate::config::sqlite_url(&scratch_dir.join("drill.sqlite"));
                Ok(ScratchDb { db: DbPool::connect(&url, &scratch_pool()).await?, postgres_name: None })
            }
            DbPool::Postgres(pool) => {
                let name = format!("oc_pizza_drill_{}_{}", std::process::id(), Utc::now().timestamp_millis());
                sqlx::query(&format!("CREATE DATABASE {name}")).execute(pool).await.map_err(|e| {
                    Error::Backup(format!(
                        "cannot create the scratch database of the restore drill ({e}): the database user needs CREATEDB"
                    ))
                })?;
                let mut url = url::Url::parse(live_url).map_err(|e| Error::Backup(format!("database_url: {e}")))?;
                url.set_path(&format!("/{name}"));
                match DbPool::connect(url.as_str(), &scratch_pool()).await {
                    Ok(db) => Ok(ScratchDb { db, postgres_name: Some(name) }),
                    Err(error) => {
                        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name}")).execute(pool).await;
                        Err(error)
                    }
                }
            }
        }
    }

    pub(super) async fn drop_database(self, live: &DbPool) {
        self.db.close().await;
        if let (Some(name), DbPool::Postgres(pool)) = (self.postgres_name, live) {
            if let Err(error) = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(pool).await
            {
                tracing::warn!(%error, database = %name, "could not drop the scratch database of the restore drill");
            }
        }
    }
}
