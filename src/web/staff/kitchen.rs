//! The kitchen's screen (pizzaiolos, their manager, admins): the live queue of orders to
//! make, and the recipe memo of every pizza.

use maud::Markup;
use rocket::response::stream::EventStream;
use rocket::{get, routes, Route, Shutdown};

use crate::db::Db;
use crate::store::screens as store;
use crate::web::auth::KitchenArea;
use crate::web::csrf::Page;
use crate::web::staff::screens::{self, Screen, ScreenRequest};
use crate::{views, Error, Result};

pub fn routes() -> Vec<Route> {
    routes![kitchen, queue, events, recipe]
}

#[get("/kitchen?<pizzeria>")]
async fn kitchen(user: KitchenArea, screen: ScreenRequest<'_>, pizzeria: Option<&str>) -> Result<Markup> {
    screen.page(Screen::Kitchen, &user.0, pizzeria).await
}

#[get("/kitchen/queue?<pizzeria>")]
async fn queue(user: KitchenArea, screen: ScreenRequest<'_>, pizzeria: Option<&str>) -> Result<Markup> {
    screen.queue(Screen::Kitchen, &user.0, pizzeria).await
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
