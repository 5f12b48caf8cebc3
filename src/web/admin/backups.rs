//! Backups for admins (`/admin/backups`): their state and "Sauvegarder maintenant".

use std::sync::Arc;

use maud::Markup;
use rocket::request::FlashMessage;
use rocket::response::{Flash, Redirect};
use rocket::{get, post, routes, Route, State};

use crate::config::Settings;
use crate::db::Db;
use crate::jobs::backups::BackupService;
use crate::store::backup_runs;
use crate::views::backups::BackupsPage;
use crate::web::auth::AdminArea;
use crate::web::csrf::{CsrfForm, NoFields, Page};
use crate::{views, Result};

pub fn routes() -> Vec<Route> {
    routes![overview, run_now]
}

#[get("/admin/backups")]
async fn overview(
    db: &Db,
    _admin: AdminArea,
    page: Page<'_>,
    service: &State<Arc<BackupService>>,
    settings: &State<Settings>,
    flash: Option<FlashMessage<'_>>,
) -> Result<Markup> {
    let runs = backup_runs::recent(db, 30).await?;
    let time_zone = settings.backup.time_zone();
    let view = BackupsPage {
        runs: &runs,
        next_run: service.next_run(),
        running: service.is_running(),
        location: service.backups().map(|b| b.storage().location()),
        time_zone,
    };
    Ok(views::backups::page_of(&page.nav(), &page.csrf, &view, flash.as_ref().map(|f| f.message())))
}

#[post("/admin/backups/run", data = "<_form>")]
async fn run_now(_admin: AdminArea, service: &State<Arc<BackupService>>, _form: CsrfForm<NoFields>) -> Flash<Redirect> {
    let to = Redirect::to("/admin/backups");
    if service.inner().start_manual() {
        Flash::success(to, "Sauvegarde lancée : elle apparaîtra dans l'historique une fois vérifiée.")
    } else if service.backups().is_none() {
        Flash::error(to, "Les réglages de stockage des sauvegardes sont inutilisables : voir le journal du serveur.")
    } else {
        Flash::error(to, "Une sauvegarde est déjà en cours.")
    }
}
