//! Backups: take one (a native snapshot and a portable dump of the same instant,
//! compressed, with a manifest), upload it, prove it by a restore drill into a scratch
//! database, apply retention; list, verify and restore them. One backup at a time: a
//! process-wide lock on SQLite, `pg_try_advisory_lock` on PostgreSQL (several instances).

pub mod archive;
pub mod native;
mod steps;
pub mod storage;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::Utc;

use crate::config::{BackupSettings, Settings};
use crate::db::DbPool;
use crate::domain::backups::{key_for, Manifest, ManifestFile, Retention, Stored, MANIFEST_FORMAT};
use crate::store::{backup_runs, dump};
use crate::{Error, Result};
use steps::{
    backend_name, binary_schema_version, check_file, compare_counts, dump_to, restore_file, scratch_pool, ScratchDb,
};
use storage::{Storage, MANIFEST};

pub const PORTABLE_FILE: &str = "data.jsonl.zst";
const SQLITE_NATIVE_FILE: &str = "native.sqlite.zst";
const POSTGRES_NATIVE_FILE: &str = "native.pgdump.zst";

/// Who asked for a backup (`backup_runs.triggered_by`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    Schedule,
    Manual,
    PreRestore,
}

impl Trigger {
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Schedule => "schedule",
            Trigger::Manual => "manual",
            Trigger::PreRestore => "pre_restore",
        }
    }
}

/// What a successful run did.
#[derive(Debug, Clone)]
pub struct RunReport {
    pub manifest: Manifest,
    pub backup_ms: u128,
    pub verify_ms: u128,
    pub deleted: Vec<String>,
}

/// What a restore did, or would do (`--dry-run`).
#[derive(Debug, Clone)]
pub struct RestoreReport {
    pub source: String,
    pub manifest: Option<Manifest>,
    pub current_rows: BTreeMap<String, i64>,
    pub restored_rows: BTreeMap<String, i64>,
    pub safety_snapshot: Option<String>,
    pub dry_run: bool,
}

/// Backups of one database to one storage.
#[derive(Clone)]
pub struct Backups {
    db: DbPool,
    database_url: String,
    data_dir: PathBuf,
    settings: BackupSettings,
    storage: Storage,
}

/// The one backup of this process (SQLite has one process; on PostgreSQL the advisory
/// lock covers the other instances).
fn local_gate() -> std::sync::Arc<rocket::tokio::sync::Mutex<()>> {
    static GATE: std::sync::OnceLock<std::sync::Arc<rocket::tokio::sync::Mutex<()>>> = std::sync::OnceLock::new();
    GATE.get_or_init(Default::default).clone()
}

/// `pg_try_advisory_lock`'s key: "ocpb" in ASCII.
const ADVISORY_KEY: i64 = 0x6f63_7062;

/// Held while a backup runs; [`BackupLock::release`] gives it back.
struct BackupLock {
    _local: rocket::tokio::sync::OwnedMutexGuard<()>,
    postgres: Option<sqlx::pool::PoolConnection<sqlx::Postgres>>,
}

impl BackupLock {
    async fn release(self) {
        if let Some(mut connection) = self.postgres {
            if sqlx::query("SELECT pg_advisory_unlock($1)").bind(ADVISORY_KEY).execute(&mut *connection).await.is_err()
            {
                // The session lock must not outlive the run: close the connection that holds it.
                let _ = connection.detach();
            }
        }
    }
}

impl Backups {
    pub fn new(db: DbPool, settings: &Settings) -> Result<Backups> {
        let target = settings.backup.target(&settings.data_dir)?;
        let storage = Storage::open(&target, settings.backup.backup_part_size_mib)?;
        Ok(Backups {
            db,
            database_url: settings.effective_database_url(),
            data_dir: settings.data_dir.clone(),
            settings: settings.backup.clone(),
            storage,
        })
    }

    pub fn db(&self) -> &DbPool {
        &self.db
    }

    pub async fn close(&self) {
        self.db.close().await;
    }

    pub fn storage(&self) -> &Storage {
        &self.storage
    }

    pub fn settings(&self) -> &BackupSettings {
        &self.settings
    }

    async fn try_lock(&self) -> Result<Option<BackupLock>> {
        let Ok(local) = local_gate().try_lock_owned() else { return Ok(None) };
        let postgres = match &self.db {
            DbPool::Sqlite(_) => None,
            DbPool::Postgres(pool) => {
                let mut connection = pool.acquire().await?;
                let locked: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
                    .bind(ADVISORY_KEY)
                    .fetch_one(&mut *connection)
                    .await?;
                if !locked {
                    return Ok(None);
                }
                Some(connection)
            }
        };
        Ok(Some(BackupLock { _local: local, postgres }))
    }

    /// Marks runs that a dead process left `running` as failed (only when no other instance
    /// holds the backup lock, i.e. none of them is still running).
    pub async fn recover(&self) -> Result<u64> {
        let Some(lock) = self.try_lock().await? else { return Ok(0) };
        let abandoned = backup_runs::abandon_unfinished(&self.db).await;
        lock.release().await;
        abandoned
    }

    /// Takes, uploads and verifies a backup, then applies retention; the run is recorded
    /// in `backup_runs` whatever happens. `Ok(None)`: another backup is running.
    /// `due`: for a scheduled run, the planned time — skipped if another instance already
    /// backed up since.
    pub async fn run(&self, trigger: Trigger, due: Option<chrono::DateTime<Utc>>) -> Result<Option<RunReport>> {
        let Some(lock) = self.try_lock().await? else { return Ok(None) };
        if let Some(due) = due {
            if backup_runs::last_success(&self.db).await?.is_some_and(|last| last >= due.timestamp()) {
                lock.release().await;
                return Ok(None);
            }
        }
        let outcome = self.run_locked(trigger).await;
        lock.release().await;
        outcome.map(Some)
    }

    async fn run_locked(&self, trigger: Trigger) -> Result<RunReport> {
        let run = backup_runs::start(&self.db, trigger.as_str()).await?;
        let mut key = None;
        let outcome = self.back_up(trigger, &mut key).await;
        match &outcome {
            Ok(report) => {
                let portable = report.manifest.file("portable");
                backup_runs::succeeded(
                    &self.db,
                    run,
                    &report.manifest.key,
                    report.manifest.total_size(),
                    portable.map(|f| f.sha256.as_str()).unwrap_or(""),
                )
                .await?;
                tracing::info!(
                    key = %report.manifest.key,
                    size = report.manifest.total_size(),
                    backup_ms = report.backup_ms as u64,
                    verify_ms = report.verify_ms as u64,
                    deleted = report.deleted.len(),
                    "backup succeeded"
                );
            }
            Err(error) => {
                let message = error.to_string();
                backup_runs::failed(&self.db, run, key.as_deref(), &message).await?;
                tracing::error!(error = %message, "backup failed");
                crate::reporting::job_failed("backup", &message);
            }
        }
        outcome
    }

    fn scratch_dir(&self, prefix: &str) -> Result<tempfile::TempDir> {
        crate::config::ensure_data_dir(&self.data_dir)?;
        tempfile::Builder::new().prefix(prefix).tempdir_in(&self.data_dir).map_err(|e| {
            Error::io(format!("cannot create a scratch folder in {} (data_dir)", self.data_dir.display()), e)
        })
    }

    async fn back_up(&self, trigger: Trigger, key_out: &mut Option<String>) -> Result<RunReport> {
        let started = Instant::now();
        let created_at = Utc::now();
        let key = key_for(created_at);
        *key_out = Some(key.clone());
        let scratch = self.scratch_dir(".backup-")?;
        let portable_path = scratch.path().join(PORTABLE_FILE);
        let (summary, native) = match &self.db {
            DbPool::Sqlite(_) => {
                // One snapshot for both files: the copy, then the dump read from the copy.
                let copy = scratch.path().join("copy.sqlite");
                native::sqlite_copy(&self.db, &copy).await?;
                let native_path = scratch.path().join(SQLITE_NATIVE_FILE);
                let native = archive::compress_file(copy.clone(), native_path.clone()).await?;
                let copy_db = DbPool::connect(&crate::config::sqlite_url(&copy), &scratch_pool()).await?;
                let dumped = dump_to(&copy_db, &portable_path, |_| async {}).await;
                copy_db.close().await;
                let (summary, _) = dumped?;
                (summary, (SQLITE_NATIVE_FILE, native_path, native))
            }
            DbPool::Postgres(_) => {
                native::check_pg_dump(&self.db, &self.settings.backup_pg_dump).await?;
                let archive_path = scratch.path().join("native.pgdump");
                let (summary, pg_dump) = dump_to(&self.db, &portable_path, |snapshot| {
                    let program = self.settings.backup_pg_dump.clone();
                    let url = self.database_url.clone();
                    let archive_path = archive_path.clone();
                    async move { native::pg_dump(&program, &url, &snapshot, &archive_path).await }
                })
                .await?;
                pg_dump.unwrap_or_else(|| Err(Error::Backup("pg_dump did not run".into())))?;
                let native_path = scratch.path().join(POSTGRES_NATIVE_FILE);
                let native = archive::compress_file(archive_path, native_path.clone()).await?;
                (summary, (POSTGRES_NATIVE_FILE, native_path, native))
            }
        };
        let portable = archive::digest(portable_path.clone()).await?;
        let (native_name, native_path, native_written) = native;
        let mut manifest = Manifest {
            format: MANIFEST_FORMAT.into(),
            key: key.clone(),
            app_version: env!("CARGO_PKG_VERSION").into(),
            schema_version: summary.schema_version,
            backend: backend_name(self.db.backend()).into(),
            triggered_by: trigger.as_str().into(),
            created_at: created_at.timestamp(),
            duration_ms: 0,
            files: vec![
                ManifestFile {
                    name: PORTABLE_FILE.into(),
                    kind: "portable".into(),
                    size: portable.size,
                    sha256: portable.sha256,
                },
                ManifestFile {
                    name: native_name.into(),
                    kind: "native".into(),
                    size: native_written.size,
                    sha256: native_written.sha256,
                },
            ],
            row_counts: summary.row_counts,
            verified_at: None,
        };
        self.storage.upload(&portable_path, &key, PORTABLE_FILE).await?;
        self.storage.upload(&native_path, &key, native_name).await?;
        drop(scratch);
        manifest.duration_ms = started.elapsed().as_millis() as u64;
        self.storage.put_manifest(&manifest).await?;
        let backup_ms = started.elapsed().as_millis();

        let verifying = Instant::now();
        let manifest = self.verify(&key).await?;
        let verify_ms = verifying.elapsed().as_millis();
        let deleted = self.apply_retention().await?;
        Ok(RunReport { manifest, backup_ms, verify_ms, deleted })
    }

    /// The restore drill: downloads the backup, checks every file's checksum, restores the
    /// portable dump into a scratch database of this installation's backend (integrity,
    /// stock = sum of movements, row counts equal to the manifest's), checks the native
    /// snapshot, and records the verification in the manifest.
    pub async fn verify(&self, key: &str) -> Result<Manifest> {
        let mut manifest = self.storage.manifest(key).await?;
        manifest.restorable_by(binary_schema_version(self.db.backend())).map_err(Error::Backup)?;
        let scratch = self.scratch_dir(".verify-")?;
        for file in &manifest.files {
            let local = scratch.path().join(&file.name);
            self.storage.download(key, &file.name, &local).await?;
            check_file(&local, file).await?;
        }
        let portable =
            manifest.file("portable").ok_or_else(|| Error::Backup(format!("backup {key} has no portable dump")))?;
        let restored = self.drill(&scratch.path().join(&portable.name), scratch.path()).await?;
        compare_counts(&manifest.row_counts, &restored, "the restored copy")?;
        if let Some(native) = manifest.file("native") {
            let local = scratch.path().join(&native.name);
            let unpacked = scratch.path().join("native");
            archive::decompress_file(local, unpacked.clone()).await?;
            if native.name == SQLITE_NATIVE_FILE {
                let copy = DbPool::connect(&crate::config::sqlite_url(&unpacked), &scratch_pool()).await?;
                let checked = async {
                    let problems = dump::integrity_problems(&copy).await?;
                    if !problems.is_empty() {
                        return Err(Error::Backup(format!("the SQLite snapshot is damaged: {}", problems.join("; "))));
                    }
                    compare_counts(&manifest.row_counts, &dump::row_counts(&copy).await?, "the SQLite snapshot")
                }
                .await;
                copy.close().await;
                checked?;
            } else {
                native::check_pg_archive(&self.settings.backup_pg_restore, &unpacked).await?;
            }
        }
        manifest.verified_at = Some(Utc::now().timestamp());
        self.storage.put_manifest(&manifest).await?;
        Ok(manifest)
    }

    /// Restores a dump into a new scratch database and checks it; the rows per table.
    async fn drill(&self, portable: &Path, scratch_dir: &Path) -> Result<BTreeMap<String, i64>> {
        let scratch = ScratchDb::create(&self.db, &self.database_url, scratch_dir).await?;
        let outcome = async {
            scratch.db.migrate().await?;
            let restored = restore_file(&scratch.db, portable).await?;
            let problems = dump::integrity_problems(&scratch.db).await?;
            if !problems.is_empty() {
                return Err(Error::Backup(format!("the restored copy fails its checks: {}", problems.join("; "))));
            }
            Ok(restored)
        }
        .await;
        scratch.drop_database(&self.db).await;
        outcome
    }

    /// Deletes what retention no longer keeps; the deleted keys.
    pub async fn apply_retention(&self) -> Result<Vec<String>> {
        let stored: Vec<Stored> = self
            .storage
            .manifests()
            .await?
            .into_iter()
            .filter_map(|(key, manifest)| {
                let created_at = crate::domain::backups::parse_key(&key)?;
                Some(Stored { key, created_at, verified: manifest.is_some_and(|m| m.verified_at.is_some()) })
            })
            .collect();
        let retention: Retention = self.settings.retention();
        let time_zone = self.settings.time_zone();
        let doomed = retention.to_delete(&stored, time_zone);
        for key in &doomed {
            self.storage.delete(key).await?;
        }
        Ok(doomed)
    }

    /// Restores a backup — a key in the storage, a downloaded backup folder, or a bare
    /// `data.jsonl.zst` — into this database, which is migrated first (a bare machine works).
    /// Unless `dry_run`, a safety snapshot of the current data is taken first when there is
    /// any (`safety_snapshot`), and a backup whose schema is newer than this program is refused.
    pub async fn restore(&self, source: &str, dry_run: bool, safety_snapshot: bool) -> Result<RestoreReport> {
        let scratch = self.scratch_dir(".restore-")?;
        let (portable, manifest) = self.fetch_for_restore(source, scratch.path()).await?;
        let header = archive::dump_header(portable.clone()).await?;
        let binary = binary_schema_version(self.db.backend());
        if let Some(manifest) = &manifest {
            manifest.restorable_by(binary).map_err(Error::Backup)?;
        } else if header.schema_version > binary {
            return Err(Error::Backup(format!(
                "this dump has schema version {}, newer than this program's {binary}: restore it with a newer oc-pizza",
                header.schema_version
            )));
        }
        self.db.migrate().await?;
        let current_rows = dump::row_counts(&self.db).await?;
        let mut report = RestoreReport {
            source: source.to_string(),
            manifest,
            current_rows,
            restored_rows: BTreeMap::new(),
            safety_snapshot: None,
            dry_run,
        };
        if dry_run {
            return Ok(report);
        }
        if safety_snapshot && report.current_rows.values().any(|&n| n > 0) {
            let taken = self.run(Trigger::PreRestore, None).await.map_err(|e| {
                Error::Backup(format!(
                    "the safety snapshot of the current data failed, nothing was restored: {e} \
                     (fix the storage, or pass --no-safety-snapshot to restore without one)"
                ))
            })?;
            let taken = taken.ok_or_else(|| Error::Backup("a backup is running: try again when it is over".into()))?;
            report.safety_snapshot = Some(taken.manifest.key);
        }
        report.restored_rows = restore_file(&self.db, &portable).await?;
        if let Some(manifest) = &report.manifest {
            compare_counts(&manifest.row_counts, &report.restored_rows, "the restored database")?;
        }
        let problems = dump::integrity_problems(&self.db).await?;
        if !problems.is_empty() {
            return Err(Error::Backup(format!("the restored database fails its checks: {}", problems.join("; "))));
        }
        Ok(report)
    }

    async fn fetch_for_restore(&self, source: &str, scratch: &Path) -> Result<(PathBuf, Option<Manifest>)> {
        let path = Path::new(source);
        if path.exists() {
            let folder =
                if path.is_dir() { path.to_path_buf() } else { path.parent().unwrap_or(Path::new(".")).to_path_buf() };
            let manifest_path = folder.join(MANIFEST);
            if path.is_file() && path.file_name().is_some_and(|name| name != MANIFEST) {
                // A bare dump file: no manifest, no checksum to hold it to.
                return Ok((path.to_path_buf(), None));
            }
            let text = std::fs::read(&manifest_path)
                .map_err(|e| Error::io(format!("cannot read {}", manifest_path.display()), e))?;
            let manifest: Manifest = serde_json::from_slice(&text)
                .map_err(|e| Error::Backup(format!("{} is not a backup manifest: {e}", manifest_path.display())))?;
            let portable =
                manifest.file("portable").ok_or_else(|| Error::Backup("the backup has no portable dump".into()))?;
            let local = folder.join(&portable.name);
            check_file(&local, portable).await?;
            return Ok((local, Some(manifest)));
        }
        let manifest = self.storage.manifest(source).await?;
        let portable =
            manifest.file("portable").ok_or_else(|| Error::Backup("the backup has no portable dump".into()))?;
        let local = scratch.join(&portable.name);
        self.storage.download(source, &portable.name, &local).await?;
        check_file(&local, portable).await?;
        Ok((local, Some(manifest)))
    }
}
