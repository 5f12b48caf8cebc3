//! The counter's screen (counter staff, their manager, admins): the pizzeria's orders in
//! progress, the takeaway orders to hand over (and cash in), cancellations with a reason.

use maud::Markup;
use rocket::response::stream::EventStream;
use rocket::{get, routes, Route, Shutdown};

use crate::db::Db;
use crate::web::auth::CounterArea;
use crate::web::staff::screens::{self, Screen, ScreenRequest};
use crate::Result;

pub fn routes() -> Vec<Route> {
    routes![counter, queue, events]
}

#[get("/staff/orders?<pizzeria>")]
async fn counter(user: CounterArea, screen: ScreenRequest<'_>, pizzeria: Option<&str>) -> Result<Markup> {
    screen.page(Screen::Counter, &user.0, pizzeria).await
}

#[get("/staff/orders/queue?<pizzeria>")]
async fn queue(user: CounterArea, screen: ScreenRequest<'_>, pizzeria: Option<&str>) -> Result<Markup> {
    screen.queue(Screen::Counter, &user.0, pizzeria).await
}

#[get("/staff/events?<pizzeria>")]
async fn events(db: &Db, user: CounterArea, pizzeria: Option<&str>, shutdown: Shutdown) -> Result<EventStream![]> {
    screens::events(db, &user.0, pizzeria, shutdown).await
}
