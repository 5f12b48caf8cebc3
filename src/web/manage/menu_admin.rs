//! The menu's management (`/manage/menu`): admins edit pizzas, recipes and memo steps; a
//! pizzeria's manager (or an admin for a pizzeria) withdraws a pizza for the day and puts
//! it back. Edits show at once on the public menu, the recipe memo and the API (they read
//! the same rows).

use std::collections::HashSet;

use maud::Markup;
use rocket::form::FromForm;
use rocket::http::Status;
use rocket::request::FlashMessage;
use rocket::response::{Flash, Redirect};
use rocket::{get, post, routes, Either, Route};

use crate::db::Db;
use crate::domain::menu::{self as rules, PizzaEdit};
use crate::domain::{fields, money};
use crate::store::menu_admin as store;
use crate::views::menu_admin::{EditValues, MenuPage};
use crate::web::auth::{AdminArea, ManageArea};
use crate::web::csrf::{CsrfForm, Page};
use crate::web::staff::screens::resolve;
use crate::{views, Error, Result};

pub fn routes() -> Vec<Route> {
    routes![menu_page, withdraw, edit_page, save, ingredient_page, save_ingredient]
}

#[get("/manage/menu?<pizzeria>")]
async fn menu_page(
    db: &Db,
    user: ManageArea,
    page: Page<'_>,
    flash: Option<FlashMessage<'_>>,
    pizzeria: Option<&str>,
) -> Result<Markup> {
    let pizzas = store::pizzas(db).await?;
    let (here, withdrawn, choices) = match resolve(db, &user.0, pizzeria).await? {
        Ok(here) => {
            let withdrawn = store::withdrawn(db, here.id).await?;
            (Some(here), withdrawn, Vec::new())
        }
        Err(choices) => (None, Vec::new(), choices),
    };
    let ingredients = if user.0.pizzeria_id.is_none() { store::ingredients(db).await? } else { Vec::new() };
    let view = MenuPage {
        ingredients: &ingredients,
        csrf: &page.csrf,
        admin: user.0.pizzeria_id.is_none(),
        here: here.as_ref(),
        pizzas: &pizzas,
        withdrawn: &withdrawn,
        choices: &choices,
        notice: flash.as_ref().map(|f| f.message()),
    };
    Ok(views::menu_admin::menu(&page.nav(), &view))
}

#[derive(FromForm)]
struct WithdrawForm {
    #[field(default = String::new())]
    pizzeria: String,
    #[field(default = String::new())]
    pizza: String,
    #[field(default = false)]
    withdrawn: bool,
}

/// Withdraws a pizza from the pizzeria's menu for the day, or puts it back.
#[post("/manage/menu/withdrawals", data = "<form>")]
async fn withdraw(db: &Db, user: ManageArea, form: CsrfForm<WithdrawForm>) -> Result<Flash<Redirect>> {
    let form = form.0;
    let here = resolve(db, &user.0, Some(form.pizzeria.as_str()))
        .await?
        .map_err(|_| Error::BadRequest("Choisissez une pizzeria.".into()))?;
    let found = crate::store::menu::pizza_by_slug(db, &form.pizza).await?;
    let (pizza_id, name) = found.ok_or_else(|| Error::BadRequest("Cette pizza n'est pas à la carte.".into()))?;
    store::set_withdrawn(db, here.id, pizza_id, form.withdrawn, user.0.id).await?;
    let message = if form.withdrawn {
        format!("{name} est retirée de la carte de {} pour aujourd'hui.", here.name)
    } else {
        format!("{name} est de retour à la carte de {}.", here.name)
    };
    Ok(Flash::success(Redirect::to(here.link(&user.0, "/manage/menu")), message))
}

#[get("/manage/menu/pizzas/<pizza>")]
async fn edit_page(db: &Db, _admin: AdminArea, page: Page<'_>, pizza: &str) -> Result<Markup> {
    let slug = pizza;
    let codes = store::ingredient_codes(db).await?;
    let values = match slug {
        "new" => EditValues { active: true, vat: "10".into(), ..Default::default() },
        slug => {
            let (pizza, recipe, steps) = store::pizza(db, slug).await?.ok_or(Error::NotFound)?;
            EditValues {
                slug: pizza.slug,
                name: pizza.name,
                description: pizza.description,
                price: money::form_eur(pizza.price_cents),
                vat: crate::domain::money::format_vat_rate(pizza.vat_rate_bp)
                    .replace(['\u{a0}', '%'], "")
                    .trim()
                    .to_string(),
                active: pizza.active,
                sort_order: pizza.sort_order.to_string(),
                recipe: recipe.iter().map(|(c, q)| format!("{c} {q}")).collect::<Vec<_>>().join("\n"),
                steps: steps.join("\n"),
                problem: None,
            }
        }
    };
    Ok(views::menu_admin::edit(&page.nav(), &page.csrf, slug == "new", &values, &codes))
}

#[derive(FromForm)]
struct EditForm {
    #[field(default = String::new())]
    slug: String,
    #[field(default = String::new())]
    name: String,
    #[field(default = String::new())]
    description: String,
    #[field(default = String::new())]
    price: String,
    #[field(default = String::new())]
    vat: String,
    #[field(default = false)]
    active: bool,
    #[field(default = String::new())]
    sort_order: String,
    #[field(default = String::new())]
    recipe: String,
    #[field(default = String::new())]
    steps: String,
}

fn check(form: &EditForm, known: &HashSet<String>) -> std::result::Result<PizzaEdit, String> {
    let name = fields::text(&form.name, 80, false).map_err(|m| format!("Nom : {m}"))?;
    let description = fields::note(&form.description, 300).map_err(|m| format!("Description : {m}"))?;
    let price_cents = rules::price(money::parse_eur(&form.price)?)?;
    let sort_order = match form.sort_order.trim() {
        "" => 0,
        typed => typed.parse::<i64>().map_err(|_| "L'ordre sur la carte est un nombre entier.".to_string())?,
    };
    Ok(PizzaEdit {
        name,
        description,
        price_cents,
        vat_rate_bp: rules::vat_rate(&form.vat)?,
        active: form.active,
        sort_order,
        recipe: rules::recipe(&form.recipe, known)?,
        steps: rules::steps(&form.steps)?,
    })
}

/// Saves a pizza (`new`: creates one with the slug of the form).
#[post("/manage/menu/pizzas/<pizza>", data = "<form>")]
async fn save(
    db: &Db,
    _admin: AdminArea,
    page: Page<'_>,
    pizza: &str,
    form: CsrfForm<EditForm>,
) -> Result<Either<(Status, Markup), Flash<Redirect>>> {
    let slug = pizza;
    let form = form.0;
    let codes = store::ingredient_codes(db).await?;
    let known: HashSet<String> = codes.iter().cloned().collect();
    let creating = slug == "new";
    let target = if creating { form.slug.trim().to_string() } else { slug.to_string() };
    if !creating && store::pizza(db, slug).await?.is_none() {
        return Err(Error::NotFound);
    }
    let problem = if let Err(message) = fields::slug(&target) {
        Some(message)
    } else if creating && store::pizza(db, &target).await?.is_some() {
        Some(format!("Une pizza « {target} » existe déjà."))
    } else {
        match check(&form, &known) {
            Ok(edit) => {
                store::save(db, &target, &edit).await?;
                let message = format!("{} est enregistrée.", edit.name);
                return Ok(Either::Right(Flash::success(Redirect::to("/manage/menu"), message)));
            }
            Err(message) => Some(message),
        }
    };
    let values = EditValues {
        slug: target,
        name: form.name,
        description: form.description,
        price: form.price,
        vat: form.vat,
        active: form.active,
        sort_order: form.sort_order,
        recipe: form.recipe,
        steps: form.steps,
        problem,
    };
    Ok(Either::Left((
        Status::UnprocessableEntity,
        views::menu_admin::edit(&page.nav(), &page.csrf, creating, &values, &codes),
    )))
}

#[get("/manage/menu/ingredients/<ingredient>")]
async fn ingredient_page(db: &Db, _admin: AdminArea, page: Page<'_>, ingredient: &str) -> Result<Markup> {
    let row = match ingredient {
        "new" => store::IngredientRow { unit: "g".into(), ..Default::default() },
        code => store::ingredients(db).await?.into_iter().find(|i| i.code == code).ok_or(Error::NotFound)?,
    };
    Ok(views::menu_admin::ingredient(&page.nav(), &page.csrf, ingredient == "new", &row, None))
}

#[derive(FromForm)]
struct IngredientForm {
    #[field(default = String::new())]
    code: String,
    #[field(default = String::new())]
    name: String,
    #[field(default = String::new())]
    unit: String,
    #[field(default = Vec::new())]
    allergens: Vec<String>,
}

/// Saves an ingredient (`new`: creates one, with its stock at zero everywhere).
#[post("/manage/menu/ingredients/<ingredient>", data = "<form>")]
async fn save_ingredient(
    db: &Db,
    _admin: AdminArea,
    page: Page<'_>,
    ingredient: &str,
    form: CsrfForm<IngredientForm>,
) -> Result<Either<(Status, Markup), Flash<Redirect>>> {
    let form = form.0;
    let creating = ingredient == "new";
    let existing = store::ingredients(db).await?;
    let current = existing.iter().find(|i| i.code == ingredient);
    if !creating && current.is_none() {
        return Err(Error::NotFound);
    }
    let code = if creating { form.code.trim().replace('-', "_") } else { ingredient.to_string() };
    let checked = (|| {
        fields::code(&code)?;
        if creating && existing.iter().any(|i| i.code == code) {
            return Err(format!("L'ingrédient « {code} » existe déjà."));
        }
        let name = fields::text(&form.name, 80, false).map_err(|m| format!("Nom : {m}"))?;
        // The unit of an existing ingredient stays: its stock and recipes are counted in it.
        let unit = match current {
            Some(current) => current.unit.clone(),
            None => rules::unit(&form.unit)?.to_string(),
        };
        Ok(store::IngredientRow { code: code.clone(), name, unit, allergens: rules::allergens(&form.allergens)? })
    })();
    match checked {
        Ok(row) => {
            store::save_ingredient(db, &row).await?;
            Ok(Either::Right(Flash::success(Redirect::to("/manage/menu"), format!("{} est enregistré.", row.name))))
        }
        Err(problem) => {
            let shown = store::IngredientRow { code, name: form.name, unit: form.unit, allergens: form.allergens };
            let markup = views::menu_admin::ingredient(&page.nav(), &page.csrf, creating, &shown, Some(&problem));
            Ok(Either::Left((Status::UnprocessableEntity, markup)))
        }
    }
}
