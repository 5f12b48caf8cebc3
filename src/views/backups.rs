//! The backups page, for admins: the last success and failure, the next planned run, the
//! history, and "Sauvegarder maintenant".

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use maud::{html, Markup};

use super::forms::{csrf, notice};
use super::layout::{page, Nav};
use crate::store::backup_runs::BackupRun;

/// What the page shows.
pub struct BackupsPage<'a> {
    pub runs: &'a [BackupRun],
    pub next_run: Option<DateTime<Utc>>,
    pub running: bool,
    /// Where backups go (never with a secret); `None`: the storage settings are unusable.
    pub location: Option<&'a str>,
    pub time_zone: Tz,
}

fn when(epoch: i64, time_zone: Tz) -> String {
    DateTime::from_timestamp(epoch, 0)
        .map(|at| at.with_timezone(&time_zone).format("%d/%m/%Y à %H:%M").to_string())
        .unwrap_or_default()
}

fn size(bytes: i64) -> String {
    match bytes {
        b if b >= 1 << 20 => format!("{:.1} Mo", b as f64 / f64::from(1 << 20)),
        b if b >= 1 << 10 => format!("{:.0} ko", b as f64 / 1024.0),
        b => format!("{b} o"),
    }
}

fn trigger(name: &str) -> &'static str {
    match name {
        "schedule" => "planifiée",
        "manual" => "manuelle",
        "pre_restore" => "avant restauration",
        _ => "autre",
    }
}

pub fn page_of(nav: &Nav, token: &str, view: &BackupsPage, message: Option<&str>) -> Markup {
    let tz = view.time_zone;
    let last_success = view.runs.iter().find(|r| r.status == "succeeded");
    let last_failure = view.runs.iter().find(|r| r.status == "failed");
    let failing = matches!((last_failure, last_success), (Some(f), Some(s)) if f.id > s.id)
        || (last_failure.is_some() && last_success.is_none());
    page(
        "Sauvegardes",
        nav,
        html! {
            h1 { "Sauvegardes" }
            (notice(message))
            dl.summary {
                dt { "Dernière sauvegarde réussie" }
                dd data-last-success {
                    @match last_success {
                        Some(run) => { (when(run.finished_at.unwrap_or(run.started_at), tz)) " — " code { (run.storage_key.as_deref().unwrap_or("")) } }
                        None => { "✖ aucune" }
                    }
                }
                @if let Some(run) = last_failure {
                    dt { "Dernier échec" }
                    dd data-last-failure class=(if failing { "alert" } else { "" }) {
                        (when(run.started_at, tz)) " — " (run.error.as_deref().unwrap_or("erreur inconnue"))
                    }
                }
                dt { "Prochaine sauvegarde planifiée" }
                dd data-next-run {
                    @match view.next_run {
                        Some(at) => (when(at.timestamp(), tz)),
                        None => "aucune (planification désactivée)",
                    }
                }
                dt { "Stockage" }
                dd { (view.location.unwrap_or("✖ réglages de stockage inutilisables (voir le journal)")) }
            }
            @if view.running {
                p role="status" { "Une sauvegarde est en cours…" }
            }
            form method="post" action="/admin/backups/run" {
                (csrf(token))
                button.button type="submit" disabled[view.running || view.location.is_none()] { "Sauvegarder maintenant" }
            }
            h2 { "Historique" }
            @if view.runs.is_empty() {
                p { "Aucune sauvegarde pour l'instant." }
            } @else {
                table {
                    thead { tr {
                        th scope="col" { "Début" } th scope="col" { "Type" } th scope="col" { "État" }
                        th scope="col" { "Sauvegarde" } th scope="col" { "Taille" } th scope="col" { "Erreur" }
                    } }
                    tbody { @for run in view.runs {
                        tr data-run=(run.id) data-status=(run.status) {
                            td { (when(run.started_at, tz)) }
                            td { (trigger(&run.triggered_by)) }
                            td { @match run.status.as_str() {
                                "succeeded" => "✔ réussie",
                                "failed" => "✖ échouée",
                                _ => "en cours",
                            } }
                            td { @if let Some(key) = &run.storage_key { code { (key) } } }
                            td { @if let Some(bytes) = run.size_bytes { (size(bytes)) } }
                            td { (run.error.as_deref().unwrap_or("")) }
                        }
                    } }
                }
            }
        },
    )
}
