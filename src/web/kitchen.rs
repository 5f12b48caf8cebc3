//! The kitchen's screen (pizzaiolos, their manager, admins): the live queue of orders to
//! make, and the recipe memo of every pizza.

use maud::Markup;
use rocket::response::stream::EventStream;
use rocket::{get, routes, Route, Shutdown, State};

use crate::config::Settings;
use crate::db::Db;
use crate::store::screens as store;
use crate::web::auth::KitchenArea;
use crate::web::csrf::Page;
use crate::web::screens::{self, Screen};
use crate::{views, Error, Result};

pub fn routes() -> Vec<Route> {
    routes![kitchen, queue, events, recipe]
}

#[get("/kitchen?<pizzeria>")]
async fn kitchen(
    db: &Db,
    user: KitchenArea,
    page: Page<'_>,
    settings: &State<Settings>,
    pizzeria: Option<&str>,
) -> Result<Markup> {
    screens::page(db, Screen::Kitchen, &user.0, &page, settings, pizzeria).await
}

#[get("/kitchen/queue?<pizzeria>")]
async fn queue(
    db: &Db,
    user: KitchenArea,
    page: Page<'_>,
    settings: &State<Settings>,
    pizzeria: Option<&str>,
) -> Result<Markup> {
    screens::queue(db, Screen::Kitchen, &user.0, &page, settings, pizzeria).await
}

#[get("/kitchen/events?<pizzeria>")]
async fn events(db: &Db, user: KitchenArea, pizzeria: Option<&str>, shutdown: Shutdown) -> Result<EventStream![]> {
    screens::events(db, &user.0, pizzeria, shutdown).await
}

#[get("/kitchen/recipes/<pizza>")]
async fn recipe(db: &Db, _user: KitchenArea, page: Page<'_>, pizza: &str) -> Result<Markup> {
    let recipe = store::recipe(db, pizza).await?.ok_or(Error::NotFound)?;
    Ok(views::recipe::recipe(&page.nav(), &recipe))
}
