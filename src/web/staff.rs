//! The staff areas. Their screens arrive with the staff-workflow and stock issues; the
//! guards in front of them are the real ones.

use maud::Markup;
use rocket::response::Redirect;
use rocket::{get, routes, Route};

use crate::db::Db;
use crate::store::pizzerias;
use crate::store::users::AuthUser;
use crate::web::auth::{AdminArea, ManageArea};
use crate::web::csrf::Page;
use crate::{views, Result};

pub fn routes() -> Vec<Route> {
    routes![menu, admin_home]
}

async fn placeholder(db: &Db, page: &Page<'_>, user: &AuthUser, title: &str, what: &str) -> Result<Markup> {
    let pizzeria = match user.pizzeria_id {
        Some(id) => pizzerias::name(db, id).await?,
        None => Some("Toutes les pizzerias".to_string()),
    };
    Ok(views::staff::coming_soon(&page.nav(), title, pizzeria.as_deref(), what))
}

#[get("/manage/menu")]
async fn menu(db: &Db, user: ManageArea, page: Page<'_>) -> Result<Markup> {
    placeholder(db, &page, &user.0, "Carte", "Les pizzas, leurs recettes et leur disponibilité.").await
}

#[get("/admin")]
fn admin_home(_user: AdminArea) -> Redirect {
    Redirect::to("/admin/users")
}
