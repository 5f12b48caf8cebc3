//! The chain's pizzerias (`/admin/pizzerias`, admins): create one, edit its address,
//! weekly hours, delivery zone and closing days, or deactivate it (hidden from customers,
//! its history kept).

use maud::Markup;
use rocket::form::FromForm;
use rocket::http::Status;
use rocket::request::FlashMessage;
use rocket::response::{Flash, Redirect};
use rocket::{get, post, routes, Either, Route, State};
use std::collections::HashMap;

use crate::config::Settings;
use crate::db::Db;
use crate::domain::{fields, pizzerias as rules};
use crate::store::menu;
use crate::store::pizzerias::{self, PizzeriaEdit};
use crate::views::admin_pizzerias::PizzeriaValues;
use crate::web::auth::AdminArea;
use crate::web::csrf::{CsrfForm, Page};
use crate::{views, Error, Result};

pub fn routes() -> Vec<Route> {
    routes![list, edit_page, save]
}

#[get("/admin/pizzerias")]
async fn list(db: &Db, _admin: AdminArea, page: Page<'_>, flash: Option<FlashMessage<'_>>) -> Result<Markup> {
    let all = pizzerias::all(db).await?;
    Ok(views::admin_pizzerias::list(&page.nav(), &all, flash.as_ref().map(|f| f.message())))
}

#[get("/admin/pizzerias/<pizzeria>")]
async fn edit_page(db: &Db, _admin: AdminArea, page: Page<'_>, pizzeria: &str) -> Result<Markup> {
    let values = match pizzeria {
        // A new pizzeria opens to customers once it has stock (rules::opening_refusal).
        "new" => PizzeriaValues { active: false, hours: rules::pickers(&[]), ..Default::default() },
        slug => {
            let edit = pizzerias::for_edit(db, slug).await?.ok_or(Error::NotFound)?;
            PizzeriaValues {
                slug: slug.to_string(),
                name: edit.name,
                street: edit.street,
                postcode: edit.postcode,
                city: edit.city,
                phone: edit.phone,
                email: edit.email.unwrap_or_default(),
                active: edit.active,
                hours: rules::pickers(&edit.hours),
                postcodes: edit.postcodes.join(", "),
                closing_days: edit
                    .closing_days
                    .iter()
                    .map(|(d, r)| format!("{} {r}", d.format("%Y-%m-%d")).trim().to_string())
                    .collect::<Vec<_>>()
                    .join("\n"),
                problem: None,
            }
        }
    };
    Ok(views::admin_pizzerias::edit(&page.nav(), &page.csrf, pizzeria == "new", &values))
}

#[derive(FromForm)]
struct PizzeriaForm {
    #[field(default = String::new())]
    slug: String,
    #[field(default = String::new())]
    name: String,
    #[field(default = String::new())]
    street: String,
    #[field(default = String::new())]
    postcode: String,
    #[field(default = String::new())]
    city: String,
    #[field(default = String::new())]
    phone: String,
    #[field(default = String::new())]
    email: String,
    #[field(default = false)]
    active: bool,
    /// The time pickers: `hours[<weekday>-<range>-opens|closes]` (weekday 1 = Monday).
    hours: HashMap<String, String>,
    #[field(default = String::new())]
    postcodes: String,
    #[field(default = String::new())]
    closing_days: String,
}

/// The pickers as the form sent them, day by day (as many ranges as the form had, at most
/// eight a day).
fn day_pickers(fields: &HashMap<String, String>) -> Vec<rules::DayPickers> {
    (1..=7)
        .map(|weekday| {
            let value =
                |range: usize, end: &str| fields.get(&format!("{weekday}-{range}-{end}")).cloned().unwrap_or_default();
            (0..8)
                .take_while(|range| {
                    *range < rules::PICKER_RANGES || fields.contains_key(&format!("{weekday}-{range}-opens"))
                })
                .map(|range| (value(range, "opens"), value(range, "closes")))
                .collect()
        })
        .collect()
}

/// Why this save may not open the pizzeria to customers (no pizza makeable from its stock).
async fn opening_refusal(
    db: &Db,
    settings: &Settings,
    slug: &str,
    saved: Option<&PizzeriaEdit>,
    edit: &PizzeriaEdit,
) -> Result<Option<&'static str>> {
    let was_open = saved.is_some_and(|s| s.active);
    if !edit.active || was_open {
        return Ok(None);
    }
    let makeable = match pizzerias::id_by_slug(db, slug).await? {
        Some(id) => {
            menu::for_pizzeria(db, id, settings.few_left_threshold).await?.iter().filter(|i| i.makeable > 0).count()
        }
        None => 0,
    };
    Ok(rules::opening_refusal(was_open, edit.active, makeable))
}

fn check(form: &PizzeriaForm) -> std::result::Result<PizzeriaEdit, String> {
    let email = match form.email.trim() {
        "" => None,
        typed => Some(fields::email(typed).map_err(|m| format!("E-mail : {m}"))?),
    };
    Ok(PizzeriaEdit {
        name: fields::text(&form.name, 80, false).map_err(|m| format!("Nom : {m}"))?,
        street: fields::text(&form.street, 200, false).map_err(|m| format!("Adresse : {m}"))?,
        postcode: fields::postcode(&form.postcode)?,
        city: fields::text(&form.city, 100, false).map_err(|m| format!("Ville : {m}"))?,
        phone: fields::french_phone(&form.phone)?,
        email,
        active: form.active,
        hours: rules::hours_from_pickers(&day_pickers(&form.hours))?,
        postcodes: rules::postcodes(&form.postcodes)?,
        closing_days: rules::closing_days(&form.closing_days)?,
    })
}

#[post("/admin/pizzerias/<pizzeria>", data = "<form>")]
async fn save(
    db: &Db,
    settings: &State<Settings>,
    _admin: AdminArea,
    page: Page<'_>,
    pizzeria: &str,
    form: CsrfForm<PizzeriaForm>,
) -> Result<Either<(Status, Markup), Flash<Redirect>>> {
    let form = form.0;
    let creating = pizzeria == "new";
    let slug = if creating { form.slug.trim().to_string() } else { pizzeria.to_string() };
    let saved = if creating { None } else { Some(pizzerias::for_edit(db, &slug).await?.ok_or(Error::NotFound)?) };
    let problem = if let Err(message) = fields::slug(&slug) {
        message
    } else if creating && pizzerias::for_edit(db, &slug).await?.is_some() {
        format!("Une pizzeria « {slug} » existe déjà.")
    } else {
        match check(&form) {
            Ok(edit) => match opening_refusal(db, settings, &slug, saved.as_ref(), &edit).await? {
                Some(refusal) => refusal.to_string(),
                None => {
                    pizzerias::save(db, &slug, &edit).await?;
                    let said = if edit.active || !creating {
                        format!("{} est enregistrée.", edit.name)
                    } else {
                        format!(
                            "{} est créée, fermée aux clients : enregistrez une réception de stock, puis ouvrez-la.",
                            edit.name
                        )
                    };
                    return Ok(Either::Right(Flash::success(Redirect::to("/admin/pizzerias"), said)));
                }
            },
            Err(message) => message,
        }
    };
    let values = PizzeriaValues {
        slug,
        name: form.name,
        street: form.street,
        postcode: form.postcode,
        city: form.city,
        phone: form.phone,
        email: form.email,
        active: form.active,
        hours: day_pickers(&form.hours),
        postcodes: form.postcodes,
        closing_days: form.closing_days,
        problem: Some(problem),
    };
    Ok(Either::Left((
        Status::UnprocessableEntity,
        views::admin_pizzerias::edit(&page.nav(), &page.csrf, creating, &values),
    )))
}
