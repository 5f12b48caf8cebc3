//! The nightly backup in the serving process, run by tokio-cron-scheduler: one one-shot
//! job at a time, armed for the next planned instant that [`Schedule`] computes in the
//! configured time zone (a job created from a cron expression with a time zone keeps a
//! fixed UTC offset and drifts by an hour at DST), re-armed after each run. A night missed
//! while the server was down is caught up shortly after boot. Failures are retried with
//! backoff; every attempt is in `backup_runs`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rocket::Shutdown;
use tokio_cron_scheduler::{Job, JobScheduler};

use crate::backup::{Backups, Trigger};
use crate::domain::backups::Schedule;
use crate::store::backup_runs;

/// The backups of the serving process, shared with the admin page.
#[derive(Default)]
pub struct BackupService {
    backups: OnceLock<Backups>,
    next_run: Mutex<Option<DateTime<Utc>>>,
    running: AtomicBool,
}

impl BackupService {
    pub fn backups(&self) -> Option<&Backups> {
        self.backups.get()
    }

    pub fn next_run(&self) -> Option<DateTime<Utc>> {
        self.next_run.lock().map(|next| *next).unwrap_or(None)
    }

    fn set_next_run(&self, at: Option<DateTime<Utc>>) {
        if let Ok(mut next) = self.next_run.lock() {
            *next = at;
        }
    }

    pub fn is_running(&self) -> bool {
        self.running.load(Ordering::SeqCst)
    }

    /// Starts a backup in the background ("Sauvegarder maintenant"); false when one is
    /// running already in this process or backups are not set up.
    pub fn start_manual(self: &Arc<Self>) -> bool {
        let Some(backups) = self.backups().cloned() else { return false };
        if self.running.swap(true, Ordering::SeqCst) {
            return false;
        }
        let service = self.clone();
        rocket::tokio::spawn(async move {
            // A success or a failure is logged and recorded by the run itself.
            if let Ok(None) = backups.run(Trigger::Manual, None).await {
                tracing::warn!("manual backup skipped: another backup is running");
            }
            service.running.store(false, Ordering::SeqCst);
        });
        true
    }

    /// One scheduled run: `attempts` tries, waiting `base`, 2×`base`, … in between.
    async fn scheduled(&self, due: DateTime<Utc>) {
        let Some(backups) = self.backups() else { return };
        let attempts = backups.settings().backup_attempts.max(1);
        let base = backups.settings().backup_retry_base_seconds;
        for attempt in 1..=attempts {
            if self.running.swap(true, Ordering::SeqCst) {
                tracing::warn!("scheduled backup skipped: a manual backup is running");
                return;
            }
            let outcome = backups.run(Trigger::Schedule, Some(due)).await;
            self.running.store(false, Ordering::SeqCst);
            match outcome {
                Ok(_) => return,
                Err(_) if attempt < attempts => {
                    let wait = base.saturating_mul(1 << (attempt - 1).min(10));
                    tracing::warn!(attempt, attempts, retry_in_seconds = wait, "backup failed; retrying");
                    rocket::tokio::time::sleep(Duration::from_secs(wait)).await;
                }
                Err(_) => tracing::error!(attempts, "backup failed at every attempt"),
            }
        }
    }
}

/// Arms the scheduler for `backups` until shutdown.
pub async fn run(service: Arc<BackupService>, backups: Backups, mut shutdown: Shutdown) {
    let schedule = match backups.settings().schedule() {
        Ok(schedule) => schedule,
        Err(error) => {
            tracing::error!(%error, "backups: the schedule is unusable");
            None
        }
    };
    if let Err(error) = backups.recover().await {
        tracing::warn!(%error, "backups: could not close the runs of a previous process");
    }
    let catch_up = chrono::Duration::seconds(backups.settings().backup_catch_up_delay_seconds as i64);
    let _ = service.backups.set(backups);
    let Some(schedule) = schedule else {
        tracing::info!("backups: no schedule (backup_schedule = off); manual backups only");
        return;
    };
    let Some(backups) = service.backups() else { return };
    let last = match backup_runs::last_success(backups.db()).await {
        Ok(last) => last.and_then(|at| DateTime::from_timestamp(at, 0)),
        Err(error) => {
            tracing::warn!(%error, "backups: cannot read the last success; catching up");
            None
        }
    };
    let now = Utc::now();
    let Some(first) = schedule.first_run_after_boot(last, now, catch_up) else {
        tracing::warn!("backups: the schedule never runs again");
        return;
    };
    // A catch-up is due at boot (skipped if another instance backed up since); a planned
    // run at its planned time.
    let first_due = if schedule.missed(last, now) {
        tracing::info!(at = %first, "backups: a planned backup was missed; catching up");
        now
    } else {
        first
    };
    let scheduler = match JobScheduler::new().await {
        Ok(scheduler) => scheduler,
        Err(error) => {
            tracing::error!(%error, "backups: the scheduler did not start");
            return;
        }
    };
    arm(&scheduler, &service, Arc::new(schedule), first, first_due).await;
    if let Err(error) = scheduler.start().await {
        tracing::error!(%error, "backups: the scheduler did not start");
        return;
    }
    (&mut shutdown).await;
    let mut scheduler = scheduler;
    let _ = scheduler.shutdown().await;
}

/// A one-shot job at `at` that runs the backup due at `due`, then arms the next one.
fn arm<'a>(
    scheduler: &'a JobScheduler,
    service: &'a Arc<BackupService>,
    schedule: Arc<Schedule>,
    at: DateTime<Utc>,
    due: DateTime<Utc>,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + 'a>> {
    Box::pin(async move {
        service.set_next_run(Some(at));
        let wait = (at - Utc::now()).to_std().unwrap_or(Duration::ZERO);
        let (job_scheduler, job_service, job_schedule) = (scheduler.clone(), service.clone(), schedule.clone());
        let job = Job::new_one_shot_async(wait, move |_id, _scheduler| {
            let (scheduler, service, schedule) = (job_scheduler.clone(), job_service.clone(), job_schedule.clone());
            Box::pin(async move {
                service.scheduled(due).await;
                match schedule.next_after(Utc::now()) {
                    Some(next) => arm(&scheduler, &service, schedule.clone(), next, next).await,
                    None => service.set_next_run(None),
                }
            })
        });
        let added = match job {
            Ok(job) => scheduler.add(job).await.map(|_| ()),
            Err(error) => Err(error),
        };
        if let Err(error) = added {
            tracing::error!(%error, "backups: could not schedule the next backup");
            service.set_next_run(None);
        } else {
            tracing::info!(at = %at, "backups: next backup planned");
        }
    })
}
