//! The drivers' screen (drivers, their manager, admins), phone-sized: deliveries ready to
//! take, and the driver's own round.

use maud::Markup;
use rocket::response::stream::EventStream;
use rocket::{get, routes, Route, Shutdown, State};

use crate::config::Settings;
use crate::db::Db;
use crate::web::auth::DeliveryArea;
use crate::web::csrf::Page;
use crate::web::screens::{self, Screen};
use crate::Result;

pub fn routes() -> Vec<Route> {
    routes![delivery, queue, events]
}

#[get("/delivery?<pizzeria>")]
async fn delivery(
    db: &Db,
    user: DeliveryArea,
    page: Page<'_>,
    settings: &State<Settings>,
    pizzeria: Option<&str>,
) -> Result<Markup> {
    screens::page(db, Screen::Delivery, &user.0, &page, settings, pizzeria).await
}

#[get("/delivery/queue?<pizzeria>")]
async fn queue(
    db: &Db,
    user: DeliveryArea,
    page: Page<'_>,
    settings: &State<Settings>,
    pizzeria: Option<&str>,
) -> Result<Markup> {
    screens::queue(db, Screen::Delivery, &user.0, &page, settings, pizzeria).await
}

#[get("/delivery/events?<pizzeria>")]
async fn events(db: &Db, user: DeliveryArea, pizzeria: Option<&str>, shutdown: Shutdown) -> Result<EventStream![]> {
    screens::events(db, &user.0, pizzeria, shutdown).await
}
