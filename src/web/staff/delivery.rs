//! The drivers' screen (drivers, their manager, admins), phone-sized: deliveries ready to
//! take, and the driver's own round.

use maud::Markup;
use rocket::response::stream::EventStream;
use rocket::{get, routes, Route, Shutdown};

use crate::db::Db;
use crate::web::auth::DeliveryArea;
use crate::web::staff::screens::{self, Screen, ScreenRequest};
use crate::Result;

pub fn routes() -> Vec<Route> {
    routes![delivery, queue, events]
}

#[get("/delivery?<pizzeria>")]
async fn delivery(user: DeliveryArea, screen: ScreenRequest<'_>, pizzeria: Option<&str>) -> Result<Markup> {
    screen.page(Screen::Delivery, &user.0, pizzeria).await
}

#[get("/delivery/queue?<pizzeria>")]
async fn queue(user: DeliveryArea, screen: ScreenRequest<'_>, pizzeria: Option<&str>) -> Result<Markup> {
    screen.queue(Screen::Delivery, &user.0, pizzeria).await
}

#[get("/delivery/events?<pizzeria>")]
async fn events(db: &Db, user: DeliveryArea, pizzeria: Option<&str>, shutdown: Shutdown) -> Result<EventStream![]> {
    screens::events(db, &user.0, pizzeria, shutdown).await
}
