//! The counter's screen (counter staff, their manager, admins): the pizzeria's orders in
//! progress, the takeaway orders to hand over (and cash in), cancellations with a reason.

use maud::Markup;
use rocket::response::stream::EventStream;
use rocket::{get, routes, Route, Shutdown, State};

use crate::config::Settings;
use crate::db::Db;
use crate::web::auth::CounterArea;
use crate::web::csrf::Page;
use crate::web::screens::{self, Screen};
use crate::Result;

pub fn routes() -> Vec<Route> {
    routes![counter, queue, events]
}

#[get("/staff/orders?<pizzeria>")]
async fn counter(
    db: &Db,
    user: CounterArea,
    page: Page<'_>,
    settings: &State<Settings>,
    pizzeria: Option<&str>,
) -> Result<Markup> {
    screens::page(db, Screen::Counter, &user.0, &page, settings, pizzeria).await
}

#[get("/staff/orders/queue?<pizzeria>")]
async fn queue(
    db: &Db,
    user: CounterArea,
    page: Page<'_>,
    settings: &State<Settings>,
    pizzeria: Option<&str>,
) -> Result<Markup> {
    screens::queue(db, Screen::Counter, &user.0, &page, settings, pizzeria).await
}

#[get("/staff/events?<pizzeria>")]
async fn events(db: &Db, user: CounterArea, pizzeria: Option<&str>, shutdown: Shutdown) -> Result<EventStream![]> {
    screens::events(db, &user.0, pizzeria, shutdown).await
}
