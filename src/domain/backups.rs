//! The rules of backups: when the next one is due (a cron expression read in the
//! pizzerias' time zone, so that "midnight" stays local midnight across DST), whether a
//! night was missed, which backups retention keeps, and the manifest that describes one.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, TimeZone, Utc};
use chrono_tz::Tz;
use croner::parser::{CronParser, Seconds};
use croner::Cron;
use serde::{Deserialize, Serialize};

/// What the manifest's `format` says; a restore refuses anything else.
pub const MANIFEST_FORMAT: &str = "oc-pizza-backup/1";

/// When backups run: a cron expression evaluated in a time zone.
#[derive(Debug, Clone)]
pub struct Schedule {
    cron: Cron,
    time_zone: Tz,
}

impl Schedule {
    /// `expression` has 5 fields (`minute hour day month weekday`, as in a crontab) or 6
    /// (seconds first); `time_zone` is an IANA name such as `Europe/Paris`.
    pub fn parse(expression: &str, time_zone: &str) -> Result<Schedule, String> {
        let time_zone: Tz = time_zone
            .trim()
            .parse()
            .map_err(|_| format!("unknown time zone {time_zone:?} (an IANA name such as Europe/Paris)"))?;
        let cron = CronParser::builder()
            .seconds(Seconds::Optional)
            .build()
            .parse(expression)
            .map_err(|e| format!("invalid cron expression {expression:?}: {e}"))?;
        Ok(Schedule { cron, time_zone })
    }

    pub fn time_zone(&self) -> Tz {
        self.time_zone
    }

    /// The first planned run strictly after `after`. Computed on local wall-clock time, then
    /// converted: a run at 00:00 stays at 00:00 in Paris in winter (23:00 UTC) and in summer
    /// (22:00 UTC). `None` only for an expression that never matches again.
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let local = after.with_timezone(&self.time_zone);
        self.cron.find_next_occurrence(&local, false).ok().map(|next| next.with_timezone(&Utc))
    }

    /// Whether a planned run was missed: one was due between the last success (or, never
    /// having succeeded, ever) and `now`.
    pub fn missed(&self, last_success: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
        match last_success {
            None => true,
            Some(last) => self.next_after(last).is_some_and(|due| due <= now),
        }
    }

    /// When the first run after a boot at `now` happens: soon (after `catch_up_delay`) when a
    /// planned run was missed while the server was down, otherwise at the next planned time.
    pub fn first_run_after_boot(
        &self,
        last_success: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
        catch_up_delay: chrono::Duration,
    ) -> Option<DateTime<Utc>> {
        if self.missed(last_success, now) {
            Some(now + catch_up_delay)
        } else {
            self.next_after(now)
        }
    }
}

/// How many backups retention keeps: every backup of the last `daily` days that have
/// one (a manual backup or a safety snapshot taken during the day does not push the nightly
/// one out), then the newest backup of each of the last `weekly` ISO weeks and `monthly`
/// months that have one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    pub daily: usize,
    pub weekly: usize,
    pub monthly: usize,
}

/// A stored backup as retention sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub key: String,
    pub created_at: DateTime<Utc>,
    pub verified: bool,
}

impl Retention {
    /// The keys to delete. Only verified backups count towards the periods; an unverified
    /// one is deleted once a newer verified backup exists (it proved nothing, and a newer one
    /// did). The newest verified backup is never deleted, whatever the settings. Periods are
    /// calendar days, ISO weeks and months in `time_zone`.
    pub fn to_delete(&self, backups: &[Stored], time_zone: Tz) -> Vec<String> {
        let mut verified: Vec<&Stored> = backups.iter().filter(|b| b.verified).collect();
        verified.sort_by(|a, b| b.created_at.cmp(&a.created_at).then_with(|| b.key.cmp(&a.key)));
        let Some(newest) = verified.first() else {
            // Nothing proven yet: keep everything rather than guess.
            return Vec::new();
        };
        let mut keep: BTreeSet<&str> = BTreeSet::from([newest.key.as_str()]);
        let local = |b: &Stored| b.created_at.with_timezone(&time_zone);
        let day = |b: &Stored| {
            let day = local(b);
            (day.year(), day.month(), day.day())
        };
        let mut recent_days = Vec::new();
        for backup in &verified {
            if !recent_days.contains(&day(backup)) {
                if recent_days.len() == self.daily {
                    break;
                }
                recent_days.push(day(backup));
            }
            keep.insert(backup.key.as_str());
        }
        let mut keep_newest_per = |count: usize, period: &dyn Fn(&Stored) -> (i32, u32, u32)| {
            let mut seen = BTreeSet::new();
            for backup in &verified {
                if seen.len() == count && !seen.contains(&period(backup)) {
                    break;
                }
                if seen.insert(period(backup)) {
                    keep.insert(backup.key.as_str());
                }
            }
        };
        keep_newest_per(self.weekly, &|b| {
            let week = local(b).iso_week();
            (week.year(), week.week(), 0)
        });
        keep_newest_per(self.monthly, &|b| {
            let month = local(b);
            (month.year(), month.month(), 0)
        });
        let mut doomed: Vec<String> = backups
            .iter()
            .filter(|b| !keep.contains(b.key.as_str()))
            .filter(|b| b.verified || b.created_at < newest.created_at)
            .map(|b| b.key.clone())
            .collect();
        doomed.sort();
        doomed
    }
}

/// The storage key of a backup taken at `at`: sortable, readable, unique to the millisecond.
pub fn key_for(at: DateTime<Utc>) -> String {
    at.format("%Y%m%dT%H%M%S%.3fZ").to_string()
}

/// When the backup named `key` was taken, if the key is one of ours.
pub fn parse_key(key: &str) -> Option<DateTime<Utc>> {
    chrono::NaiveDateTime::parse_from_str(key, "%Y%m%dT%H%M%S%.3fZ").ok().map(|naive| Utc.from_utc_datetime(&naive))
}

/// One file of a backup: its name in the backup's folder, size and SHA-256 (hex).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestFile {
    pub name: String,
    /// `portable` (restorable into either database) or `native` (the backend's own format).
    pub kind: String,
    pub size: u64,
    pub sha256: String,
}

/// What is written beside a backup, and read back before trusting it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub key: String,
    pub app_version: String,
    /// The last migration applied to the database that was backed up.
    pub schema_version: i64,
    /// `sqlite` or `postgres`.
    pub backend: String,
    /// `schedule`, `manual` or `pre_restore`.
    pub triggered_by: String,
    pub created_at: i64,
    pub duration_ms: u64,
    pub files: Vec<ManifestFile>,
    pub row_counts: BTreeMap<String, i64>,
    /// When the restore drill passed; `None` while it has not (yet).
    pub verified_at: Option<i64>,
}

impl Manifest {
    pub fn file(&self, kind: &str) -> Option<&ManifestFile> {
        self.files.iter().find(|file| file.kind == kind)
    }

    pub fn total_size(&self) -> u64 {
        self.files.iter().map(|file| file.size).sum()
    }

    /// Why this backup cannot be restored by a binary whose newest migration is
    /// `binary_schema`, if it cannot.
    pub fn restorable_by(&self, binary_schema: i64) -> Result<(), String> {
        if self.format != MANIFEST_FORMAT {
            return Err(format!("unknown backup format {:?} (expected {MANIFEST_FORMAT})", self.format));
        }
        if self.schema_version > binary_schema {
            return Err(format!(
                "backup {} has schema version {}, newer than this program's {binary_schema}: \
                 restore it with the version of oc-pizza that made it ({}) or a later one",
                self.key, self.schema_version, self.app_version
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).expect("test date").with_timezone(&Utc)
    }

    fn paris_midnight() -> Schedule {
        Schedule::parse("0 0 * * *", "Europe/Paris").expect("schedule")
    }

    #[test]
    fn midnight_in_paris_stays_local_midnight_across_both_dst_changes() {
        let schedule = paris_midnight();
        // Spring forward on 2026-03-29 (02:00 → 03:00): midnight is 23:00 UTC before, 22:00 after.
        assert_eq!(schedule.next_after(utc("2026-03-28T12:00:00Z")), Some(utc("2026-03-28T23:00:00Z")));
        assert_eq!(schedule.next_after(utc("2026-03-28T23:00:00Z")), Some(utc("2026-03-29T22:00:00Z")));
        assert_eq!(schedule.next_after(utc("2026-03-29T22:00:00Z")), Some(utc("2026-03-30T22:00:00Z")));
        // Fall back on 2026-10-25 (03:00 → 02:00): 22:00 UTC before, 23:00 after.
        assert_eq!(schedule.next_after(utc("2026-10-24T12:00:00Z")), Some(utc("2026-10-24T22:00:00Z")));
        assert_eq!(schedule.next_after(utc("2026-10-24T22:00:00Z")), Some(utc("2026-10-25T23:00:00Z")));
        assert_eq!(schedule.next_after(utc("2026-10-25T23:00:00Z")), Some(utc("2026-10-26T23:00:00Z")));
        for run in [utc("2026-03-29T22:00:00Z"), utc("2026-10-25T23:00:00Z")] {
            let local = run.with_timezone(&chrono_tz::Europe::Paris);
            assert_eq!(local.format("%H:%M").to_string(), "00:00");
        }
    }

    #[test]
    fn six_field_expressions_and_other_time_zones_are_understood() {
        let schedule = Schedule::parse("0 30 2 * * *", "UTC").expect("schedule");
        assert_eq!(schedule.next_after(utc("2026-11-26T03:00:00Z")), Some(utc("2026-11-27T02:30:00Z")));
        assert!(Schedule::parse("0 0 * * *", "Europe/Pariss").is_err());
        assert!(Schedule::parse("every night", "Europe/Paris").is_err());
        assert!(Schedule::parse("0 25 * * *", "Europe/Paris").is_err());
    }

    #[test]
    fn a_missed_midnight_is_caught_up_soon_after_boot() {
        let schedule = paris_midnight();
        let delay = chrono::Duration::seconds(60);
        // Backed up at midnight on the 24th, server down over the next midnight, boots at 09:00.
        let last = Some(utc("2026-11-23T23:00:05Z"));
        let boot = utc("2026-11-25T08:00:00Z");
        assert!(schedule.missed(last, boot));
        assert_eq!(schedule.first_run_after_boot(last, boot, delay), Some(utc("2026-11-25T08:01:00Z")));
        // Backed up last midnight: nothing missed, the next run is tonight.
        let last = Some(utc("2026-11-24T23:00:05Z"));
        assert!(!schedule.missed(last, boot));
        assert_eq!(schedule.first_run_after_boot(last, boot, delay), Some(utc("2026-11-25T23:00:00Z")));
        // Never backed up: soon.
        assert_eq!(schedule.first_run_after_boot(None, boot, delay), Some(utc("2026-11-25T08:01:00Z")));
    }

    fn stored(key_time: &str, verified: bool) -> Stored {
        let created_at = utc(key_time);
        Stored { key: key_for(created_at), created_at, verified }
    }

    #[test]
    fn retention_keeps_the_newest_of_each_day_week_and_month() {
        // One backup every night at 23:00 UTC for 70 days (Sept 1 → Nov 9 2026), plus a
        // manual one at noon on the last day.
        let mut backups: Vec<Stored> = (0..70)
            .map(|day| {
                let at = utc("2026-09-01T23:00:00Z") + chrono::Duration::days(day);
                Stored { key: key_for(at), created_at: at, verified: true }
            })
            .collect();
        backups.push(stored("2026-11-09T12:00:00Z", true));
        let retention = Retention { daily: 3, weekly: 2, monthly: 2 };
        let doomed = retention.to_delete(&backups, chrono_tz::Europe::Paris);
        let mut kept: Vec<String> = backups
            .iter()
            .map(|b| b.key.clone())
            .filter(|k| !doomed.contains(k))
            .map(|k| k[..8].to_string() + &k[8..11])
            .collect();
        kept.sort();
        // In Paris, 23:00 UTC is the next local day. Days kept, with all their backups: Nov 10
        // (the night of the 9th), Nov 9 (the night of the 8th and the manual one at noon), Nov 8.
        // Weeks (ISO, Monday first): Nov 10 is in week 46, Nov 8 closes week 45.
        // Months: November (Nov 10) and October (its newest, Nov 1 00:00 Paris = Oct 31 23:00 UTC
        // is already November locally, so October's newest is Oct 30 23:00 UTC = Oct 31 local).
        assert_eq!(kept, vec!["20261030T23", "20261107T23", "20261108T23", "20261109T12", "20261109T23"]);
        assert!(!doomed.contains(&key_for(utc("2026-11-09T12:00:00Z"))));
    }

    #[test]
    fn retention_never_deletes_the_newest_verified_backup_and_drops_older_failures() {
        let backups = vec![
            stored("2026-11-20T23:00:00Z", false),
            stored("2026-11-21T23:00:00Z", true),
            stored("2026-11-22T23:00:00Z", false),
        ];
        let nothing = Retention { daily: 0, weekly: 0, monthly: 0 };
        let doomed = nothing.to_delete(&backups, chrono_tz::Europe::Paris);
        // The unverified one newer than the newest verified is kept (it may still be verified).
        assert_eq!(doomed, vec![key_for(utc("2026-11-20T23:00:00Z"))]);
        // No verified backup at all: nothing is deleted.
        assert!(nothing.to_delete(&backups[..1], chrono_tz::Europe::Paris).is_empty());
    }

    #[test]
    fn keys_sort_by_time_and_read_back() {
        let at = utc("2026-11-26T23:00:00.042Z");
        assert_eq!(key_for(at), "20261126T230000.042Z");
        assert_eq!(parse_key("20261126T230000.042Z"), Some(at));
        assert_eq!(parse_key("../etc"), None);
        assert!(key_for(utc("2026-11-26T23:00:00Z")) < key_for(utc("2026-11-27T00:00:00Z")));
    }

    #[test]
    fn a_backup_from_a_newer_schema_is_refused() {
        let manifest = Manifest {
            format: MANIFEST_FORMAT.into(),
            key: "20261126T230000.000Z".into(),
            app_version: "9.9.9".into(),
            schema_version: 20301231000001,
            backend: "sqlite".into(),
            triggered_by: "manual".into(),
            created_at: 0,
            duration_ms: 0,
            files: vec![],
            row_counts: BTreeMap::new(),
            verified_at: None,
        };
        let refusal = manifest.restorable_by(20261129000002).expect_err("newer schema");
        assert!(refusal.contains("newer than this program's"), "{refusal}");
        assert!(manifest.restorable_by(20301231000001).is_ok());
        let foreign = Manifest { format: "tarball".into(), ..manifest };
        assert!(foreign.restorable_by(20301231000001).is_err());
    }
}
