//! A pizzeria's capacity (`/manage/capacity`: its manager, admins for any pizzeria): the
//! oven's pizzas per quarter-hour, the preparation lead, tonight's drivers, the pizzas a
//! driver carries and the travel times. Saving never touches an order already taken.

use maud::Markup;
use rocket::form::FromForm;
use rocket::http::Status;
use rocket::request::FlashMessage;
use rocket::response::{Flash, Redirect};
use rocket::{get, post, routes, Either, Route};

use crate::db::Db;
use crate::domain::capacity;
use crate::domain::capacity_form::{self, CapacityForm};
use crate::domain::rush::action_from_form;
use crate::store::{capacity as store, catalogue, rush};
use crate::views::capacity::{CapacityPage, CapacityValues, RushView};
use crate::web::auth::ManageArea;
use crate::web::csrf::{CsrfForm, Page};
use crate::web::staff::screens::{resolve, Here};
use crate::{unix_now, views, Error, Result};

pub fn routes() -> Vec<Route> {
    routes![capacity_page, save, rush_control]
}

const TITLE: &str = "Capacité";

#[get("/manage/capacity?<pizzeria>")]
async fn capacity_page(
    db: &Db,
    user: ManageArea,
    page: Page<'_>,
    flash: Option<FlashMessage<'_>>,
    pizzeria: Option<&str>,
) -> Result<Markup> {
    let here = match resolve(db, &user.0, pizzeria).await? {
        Ok(here) => here,
        Err(choices) => return Ok(views::screens::chooser(&page.nav(), TITLE, &choices, "/manage/capacity")),
    };
    render_saved(db, &page, &here, flash.as_ref().map(FlashMessage::message), None).await
}

/// The page with the capacity as saved.
async fn render_saved(
    db: &Db,
    page: &Page<'_>,
    here: &Here,
    notice: Option<&str>,
    problem: Option<&str>,
) -> Result<Markup> {
    let (saved, changed) = store::for_pizzeria(db, here.id).await?;
    render(db, page, here, &CapacityValues::of(&saved), changed, notice, problem).await
}

async fn render(
    db: &Db,
    page: &Page<'_>,
    here: &Here,
    values: &CapacityValues,
    changed: Option<(i64, Option<String>)>,
    notice: Option<&str>,
    problem: Option<&str>,
) -> Result<Markup> {
    let catalogue = catalogue::current(db).await?;
    let zone = catalogue.pizzeria(here.id).map(|d| d.delivery_postcodes.clone()).unwrap_or_default();
    let now = unix_now();
    let rush = RushView { now, rush: rush::current(db, here.id).await?, log: rush::log(db, here.id, 10).await? };
    let (capacity, load) = store::with_load(db, here.id, now).await?;
    let overbooked =
        capacity::overbooked(&capacity, &load, now).into_iter().map(capacity::Overbooked::describe).collect();
    let view =
        CapacityPage { here, values, zone: &zone, changed, notice, problem, csrf: &page.csrf, rush: &rush, overbooked };
    Ok(views::capacity::page(&page.nav(), TITLE, &view))
}

#[derive(FromForm)]
struct Form {
    #[field(default = String::new())]
    pizzeria: String,
    #[field(default = String::new())]
    oven_per_quarter: String,
    #[field(default = String::new())]
    lead_minutes: String,
    #[field(default = String::new())]
    drivers: String,
    #[field(default = String::new())]
    pizzas_per_run: String,
    #[field(default = String::new())]
    default_travel_minutes: String,
    #[field(default = String::new())]
    travel_minutes: String,
    #[field(default = String::new())]
    oven_ranges: String,
}

#[post("/manage/capacity", data = "<form>")]
async fn save(
    db: &Db,
    user: ManageArea,
    page: Page<'_>,
    form: CsrfForm<Form>,
) -> Result<Either<(Status, Markup), Flash<Redirect>>> {
    let form = form.0;
    let here = resolve(db, &user.0, Some(form.pizzeria.as_str()))
        .await?
        .map_err(|_| Error::BadRequest("Choisissez une pizzeria.".into()))?;
    let (_, changed) = store::for_pizzeria(db, here.id).await?;
    let typed = CapacityForm {
        oven_per_quarter: &form.oven_per_quarter,
        lead_minutes: &form.lead_minutes,
        drivers: &form.drivers,
        pizzas_per_run: &form.pizzas_per_run,
        default_travel_minutes: &form.default_travel_minutes,
        travel_minutes: &form.travel_minutes,
        oven_ranges: &form.oven_ranges,
    };
    match capacity_form::from_form(&typed) {
        Ok(capacity) => {
            store::save(db, here.id, &capacity, user.0.id, unix_now()).await?;
            tracing::info!(by = user.0.id, pizzeria = here.id, "capacity changed");
            let said = format!("Capacité de {} enregistrée. Les commandes déjà prises ne changent pas.", here.name);
            Ok(Either::Right(Flash::success(Redirect::to(here.link(&user.0, "/manage/capacity")), said)))
        }
        Err(problem) => {
            let values = CapacityValues::typed(&typed);
            let markup = render(db, &page, &here, &values, changed, None, Some(&problem)).await?;
            Ok(Either::Left((Status::UnprocessableEntity, markup)))
        }
    }
}

#[derive(FromForm)]
struct RushForm {
    #[field(default = String::new())]
    pizzeria: String,
    #[field(default = String::new())]
    action: String,
    #[field(default = String::new())]
    minutes: String,
    #[field(default = String::new())]
    extra: String,
}

/// A rush control: pause web orders or deliveries, add minutes, or resume. Logged with who.
#[post("/manage/capacity/rush", data = "<form>")]
async fn rush_control(
    db: &Db,
    user: ManageArea,
    page: Page<'_>,
    form: CsrfForm<RushForm>,
) -> Result<Either<(Status, Markup), Flash<Redirect>>> {
    let form = form.0;
    let here = resolve(db, &user.0, Some(form.pizzeria.as_str()))
        .await?
        .map_err(|_| Error::BadRequest("Choisissez une pizzeria.".into()))?;
    let action = match action_from_form(&form.action, &form.minutes, &form.extra) {
        Ok(action) => action,
        Err(problem) => {
            let markup = render_saved(db, &page, &here, None, Some(&problem)).await?;
            return Ok(Either::Left((Status::UnprocessableEntity, markup)));
        }
    };
    let back = Redirect::to(here.link(&user.0, "/manage/capacity"));
    let now = unix_now();
    let rush = rush::apply(db, here.id, user.0.id, action, now).await?;
    tracing::info!(by = user.0.id, pizzeria = here.id, action = action.code(), "rush control");
    let said = match rush.notices(now).join(" ") {
        none if none.is_empty() => "Reprise normale : les commandes en ligne sont ouvertes.".to_string(),
        said => format!("Enregistré. Les clients voient : « {said} »"),
    };
    Ok(Either::Right(Flash::success(back, said)))
}
