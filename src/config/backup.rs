//! The backup settings (flattened into [`super::Settings`]: keys `backup_*`, env
//! `OC_PIZZA_BACKUP_*`).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::domain::backups::{Retention, Schedule};
use crate::{Error, Result};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BackupSettings {
    /// When backups run: a cron expression (5 fields as in a crontab, or 6 with seconds
    /// first) read in `backup_time_zone`; `off`: never on a schedule.
    pub backup_schedule: String,
    pub backup_time_zone: String,
    /// After a boot, a missed scheduled backup runs this long after the start.
    pub backup_catch_up_delay_seconds: u64,
    /// `local` (a folder: `backup_dir`) or `s3` (S3-compatible object storage).
    pub backup_storage: String,
    /// The local folder; unset: `data_dir/backups`.
    pub backup_dir: Option<PathBuf>,
    /// e.g. `https://s3.fr-par.scw.cloud` for Scaleway Paris.
    pub backup_s3_endpoint: Option<String>,
    /// e.g. `fr-par` (also `nl-ams`, `pl-waw`).
    pub backup_s3_region: String,
    pub backup_s3_bucket: Option<String>,
    pub backup_s3_access_key: Option<String>,
    pub backup_s3_secret_key: Option<String>,
    /// A folder inside the bucket, e.g. `oc-pizza/`.
    pub backup_s3_prefix: String,
    /// Uploads above this size go in parts of this size (S3 needs at least 5 MiB).
    pub backup_part_size_mib: u64,
    /// Retention: the newest backup of each of the last N days, ISO weeks and months.
    pub backup_keep_daily: usize,
    pub backup_keep_weekly: usize,
    pub backup_keep_monthly: usize,
    /// A scheduled backup that fails is tried this many times in all…
    pub backup_attempts: u32,
    /// …waiting this long before the second attempt, twice as long before each next one.
    pub backup_retry_base_seconds: u64,
    /// The `pg_dump` program (PostgreSQL's native snapshot).
    pub backup_pg_dump: String,
    /// The `pg_restore` program (checks the native snapshot).
    pub backup_pg_restore: String,
}

impl Default for BackupSettings {
    fn default() -> Self {
        BackupSettings {
            backup_schedule: "0 0 * * *".into(),
            backup_time_zone: "Europe/Paris".into(),
            backup_catch_up_delay_seconds: 120,
            backup_storage: "local".into(),
            backup_dir: None,
            backup_s3_endpoint: None,
            backup_s3_region: "fr-par".into(),
            backup_s3_bucket: None,
            backup_s3_access_key: None,
            backup_s3_secret_key: None,
            backup_s3_prefix: "oc-pizza/".into(),
            backup_part_size_mib: 16,
            backup_keep_daily: 7,
            backup_keep_weekly: 4,
            backup_keep_monthly: 12,
            backup_attempts: 3,
            backup_retry_base_seconds: 300,
            backup_pg_dump: "pg_dump".into(),
            backup_pg_restore: "pg_restore".into(),
        }
    }
}

/// The keys of [`BackupSettings`] in `check-config`'s order, and which are secret.
pub const KEYS: &[&str] = &[
    "backup_schedule",
    "backup_time_zone",
    "backup_catch_up_delay_seconds",
    "backup_storage",
    "backup_dir",
    "backup_s3_endpoint",
    "backup_s3_region",
    "backup_s3_bucket",
    "backup_s3_access_key",
    "backup_s3_secret_key",
    "backup_s3_prefix",
    "backup_part_size_mib",
    "backup_keep_daily",
    "backup_keep_weekly",
    "backup_keep_monthly",
    "backup_attempts",
    "backup_retry_base_seconds",
    "backup_pg_dump",
    "backup_pg_restore",
];
pub const SECRET_KEYS: &[&str] = &["backup_s3_access_key", "backup_s3_secret_key"];

/// Where backups are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StorageTarget {
    Local(PathBuf),
    S3 { endpoint: String, region: String, bucket: String, access_key: String, secret_key: String, prefix: String },
}

impl BackupSettings {
    /// The schedule, or `None` when scheduled backups are off.
    pub fn schedule(&self) -> Result<Option<Schedule>> {
        let expression = self.backup_schedule.trim();
        if expression.is_empty() || expression.eq_ignore_ascii_case("off") {
            return Ok(None);
        }
        Schedule::parse(expression, &self.backup_time_zone)
            .map(Some)
            .map_err(|e| Error::Config(format!("{e} (backup_schedule / backup_time_zone)")))
    }

    /// The zone of the schedule, of retention's days, weeks and months, and of the dates
    /// shown (`check` refuses an unknown one).
    pub fn time_zone(&self) -> chrono_tz::Tz {
        self.backup_time_zone.trim().parse().unwrap_or(chrono_tz::Europe::Paris)
    }

    pub fn retention(&self) -> Retention {
        Retention { daily: self.backup_keep_daily, weekly: self.backup_keep_weekly, monthly: self.backup_keep_monthly }
    }

    pub fn target(&self, data_dir: &Path) -> Result<StorageTarget> {
        let required = |value: &Option<String>, key: &str| {
            value.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_string).ok_or_else(|| {
                Error::Config(format!("backup_storage = \"s3\" needs {key} (OC_PIZZA_{})", key.to_ascii_uppercase()))
            })
        };
        match self.backup_storage.trim() {
            "local" => Ok(StorageTarget::Local(self.backup_dir.clone().unwrap_or_else(|| data_dir.join("backups")))),
            "s3" => {
                let endpoint = required(&self.backup_s3_endpoint, "backup_s3_endpoint")?;
                if !super::is_https_or_loopback(&endpoint) {
                    return Err(Error::Config(format!(
                        "backup_s3_endpoint must be an https:// address (plain http only on this machine), got {endpoint}"
                    )));
                }
                let mut prefix = self.backup_s3_prefix.trim().trim_start_matches('/').to_string();
                if !prefix.is_empty() && !prefix.ends_with('/') {
                    prefix.push('/');
                }
                Ok(StorageTarget::S3 {
                    endpoint,
                    region: self.backup_s3_region.trim().to_string(),
                    bucket: required(&self.backup_s3_bucket, "backup_s3_bucket")?,
                    access_key: required(&self.backup_s3_access_key, "backup_s3_access_key")?,
                    secret_key: required(&self.backup_s3_secret_key, "backup_s3_secret_key")?,
                    prefix,
                })
            }
            other => Err(Error::Config(format!(
                "backup_storage must be local or s3 (got {other:?}) (OC_PIZZA_BACKUP_STORAGE)"
            ))),
        }
    }

    /// The settings make sense together, or the service does not start.
    pub fn check(&self, data_dir: &Path) -> Result<()> {
        self.schedule()?;
        self.target(data_dir)?;
        if self.backup_part_size_mib < 5 {
            return Err(Error::Config("backup_part_size_mib must be 5 or more (S3's smallest part)".into()));
        }
        if self.backup_attempts < 1 {
            return Err(Error::Config("backup_attempts must be 1 or more (OC_PIZZA_BACKUP_ATTEMPTS)".into()));
        }
        if self.backup_keep_daily + self.backup_keep_weekly + self.backup_keep_monthly == 0 {
            return Err(Error::Config(
                "backup_keep_daily, backup_keep_weekly and backup_keep_monthly are all 0: keep at least one".into(),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s3_needs_its_settings_and_https() {
        let data_dir = Path::new("/var/lib/oc-pizza");
        let settings = BackupSettings { backup_storage: "s3".into(), ..BackupSettings::default() };
        let refusal = settings.target(data_dir).expect_err("no endpoint").to_string();
        assert!(refusal.contains("backup_s3_endpoint"), "{refusal}");
        let settings = BackupSettings {
            backup_s3_endpoint: Some("http://s3.example.com".into()),
            backup_s3_bucket: Some("b".into()),
            backup_s3_access_key: Some("ak".into()),
            backup_s3_secret_key: Some("sk".into()),
            backup_s3_prefix: "/nightly".into(),
            ..settings
        };
        assert!(settings.target(data_dir).is_err(), "plain http to another machine");
        let settings = BackupSettings { backup_s3_endpoint: Some("https://s3.fr-par.scw.cloud".into()), ..settings };
        match settings.target(data_dir).expect("valid") {
            StorageTarget::S3 { prefix, region, .. } => {
                assert_eq!(prefix, "nightly/");
                assert_eq!(region, "fr-par");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn local_storage_defaults_to_the_data_dir() {
        let settings = BackupSettings::default();
        assert_eq!(
            settings.target(Path::new("/srv/pizza")).expect("local"),
            StorageTarget::Local(PathBuf::from("/srv/pizza/backups"))
        );
        assert!(BackupSettings { backup_schedule: "off".into(), ..settings.clone() }
            .schedule()
            .expect("off")
            .is_none());
        assert!(BackupSettings { backup_time_zone: "Mars/Olympus".into(), ..settings }.check(Path::new("/")).is_err());
    }
}
