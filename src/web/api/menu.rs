//! The menu's management in the JSON API: admins put a pizza (its recipe and memo steps),
//! managers withdraw a pizza for the day — the same checks as the pages.

use std::collections::HashSet;

use rocket::http::Status;
use rocket::serde::json::{json, Json, Value};
use rocket::{post, put, routes, Route};
use serde::Deserialize;

use crate::db::Db;
use crate::domain::fields;
use crate::domain::menu::{self as rules, PizzaEdit};
use crate::domain::roles::Role;
use crate::store::menu_admin as store;
use crate::web::api::orders::ApiBody;
use crate::web::api::{failure, managed_pizzeria, server, ApiError};
use crate::web::auth::ApiCaller;

pub fn routes() -> Vec<Route> {
    routes![put_pizza, put_ingredient, withdraw]
}

type ApiResult = std::result::Result<(Status, Json<Value>), ApiError>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RecipeLine {
    ingredient: String,
    quantity: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PizzaBody {
    name: String,
    #[serde(default)]
    description: String,
    price_cents: i64,
    vat_rate_bp: i64,
    #[serde(default = "yes")]
    active: bool,
    #[serde(default)]
    sort_order: i64,
    recipe: Vec<RecipeLine>,
    #[serde(default)]
    steps: Vec<String>,
}

fn yes() -> bool {
    true
}

fn invalid(message: &str) -> ApiError {
    failure(Status::UnprocessableEntity, "invalid", message)
}

/// Creates or replaces a pizza, its recipe and its memo steps (admins).
#[put("/menu/pizzas/<pizza>", data = "<body>")]
async fn put_pizza(db: &Db, caller: ApiCaller, pizza: &str, body: ApiBody<PizzaBody>) -> ApiResult {
    if caller.0.role != Role::Admin {
        return Err(failure(Status::Forbidden, "forbidden", "Réservé à la direction du groupe."));
    }
    let body = body.0;
    fields::slug(pizza).map_err(|m| invalid(&m))?;
    let known: HashSet<String> = store::ingredient_codes(db).await.map_err(server)?.into_iter().collect();
    let lines = body.recipe.into_iter().map(|l| (l.ingredient, l.quantity)).collect();
    let recipe = rules::recipe_lines(lines, &known).map_err(|m| invalid(&m))?;
    let steps = rules::step_list(body.steps).map_err(|m| invalid(&m))?;
    let name = fields::text(&body.name, 80, false).map_err(|m| invalid(&format!("name : {m}")))?;
    let description = fields::note(&body.description, 300).map_err(|m| invalid(&format!("description : {m}")))?;
    let price_cents = rules::price(body.price_cents).map_err(|m| invalid(&format!("price_cents : {m}")))?;
    if !(0..=10_000).contains(&body.vat_rate_bp) {
        return Err(invalid("vat_rate_bp : entre 0 et 10 000 (1 000 = 10 %)."));
    }
    let edit = PizzaEdit {
        name,
        description,
        price_cents,
        vat_rate_bp: body.vat_rate_bp,
        active: body.active,
        sort_order: body.sort_order,
        recipe,
        steps,
    };
    store::save(db, pizza, &edit).await.map_err(server)?;
    Ok((
        Status::Ok,
        Json(json!({
            "slug": pizza, "name": edit.name, "description": edit.description, "price_cents": edit.price_cents,
            "vat_rate_bp": edit.vat_rate_bp, "active": edit.active, "sort_order": edit.sort_order,
            "recipe": edit.recipe.iter().map(|(i, q)| json!({ "ingredient": i, "quantity": q })).collect::<Vec<_>>(),
            "steps": edit.steps,
        })),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WithdrawBody {
    pizza: String,
    withdrawn: bool,
}

/// Withdraws a pizza from the pizzeria's menu for the day, or puts it back (its manager,
/// or an admin).
#[post("/pizzerias/<slug>/withdrawals", data = "<body>")]
async fn withdraw(db: &Db, caller: ApiCaller, slug: &str, body: ApiBody<WithdrawBody>) -> ApiResult {
    let here = managed_pizzeria(db, &caller, slug).await?;
    let body = body.0;
    let found = crate::store::menu::pizza_by_slug(db, &body.pizza).await.map_err(server)?;
    let Some((pizza_id, _)) = found else { return Err(invalid("Cette pizza n'est pas à la carte.")) };
    store::set_withdrawn(db, here.id, pizza_id, body.withdrawn, caller.0.id).await.map_err(server)?;
    Ok((Status::Ok, Json(json!({ "pizzeria": here.slug, "pizza": body.pizza, "withdrawn": body.withdrawn }))))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IngredientBody {
    name: String,
    unit: String,
    #[serde(default)]
    allergens: Vec<String>,
}

/// Creates or updates an ingredient (admins); an existing ingredient keeps its unit (422 if
/// another is asked), a new one starts at zero stock in every pizzeria.
#[put("/menu/ingredients/<ingredient>", data = "<body>")]
async fn put_ingredient(db: &Db, caller: ApiCaller, ingredient: &str, body: ApiBody<IngredientBody>) -> ApiResult {
    if caller.0.role != Role::Admin {
        return Err(failure(Status::Forbidden, "forbidden", "Réservé à la direction du groupe."));
    }
    let body = body.0;
    let code = ingredient;
    fields::code(code).map_err(|m| invalid(&m))?;
    let name = fields::text(&body.name, 80, false).map_err(|m| invalid(&format!("name : {m}")))?;
    let unit = rules::unit(&body.unit).map_err(|m| invalid(&m))?;
    let existing = store::ingredients(db).await.map_err(server)?;
    if existing.iter().any(|i| i.code == code && i.unit != unit) {
        return Err(invalid(
            "L'unité d'un ingrédient ne change pas : le stock et les recettes sont comptés dans son unité.",
        ));
    }
    let allergens = rules::allergens(&body.allergens).map_err(|m| invalid(&m))?;
    let row = store::IngredientRow { code: code.to_string(), name, unit: unit.to_string(), allergens };
    store::save_ingredient(db, &row).await.map_err(server)?;
    Ok((Status::Ok, Json(json!({ "code": row.code, "name": row.name, "unit": row.unit, "allergens": row.allergens }))))
}
