use maud::Markup;
use rocket::{get, routes, Route, State};

use crate::config::Settings;
use crate::db::Db;
use crate::store::{menu, pizzerias};
use crate::web::auth::Visitor;
use crate::{views, Error, Result};

pub fn routes() -> Vec<Route> {
    routes![home, pizzeria_menu]
}

#[get("/")]
async fn home(db: &Db, visitor: &Visitor) -> Result<Markup> {
    let pizzerias = pizzerias::list_active(db).await?;
    Ok(views::public::home(&visitor.nav(), &pizzerias))
}

#[get("/pizzerias/<slug>/menu")]
async fn pizzeria_menu(db: &Db, visitor: &Visitor, settings: &State<Settings>, slug: &str) -> Result<Markup> {
    let pizzeria = pizzerias::find_active_by_slug(db, slug).await?.ok_or(Error::NotFound)?;
    let items = menu::for_pizzeria(db, pizzeria.id, settings.few_left_threshold).await?;
    Ok(views::public::menu(&visitor.nav(), &pizzeria, &items))
}
