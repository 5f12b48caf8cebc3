//! The counter's screen (counter staff, their manager, admins): the pizzeria's orders in
//! progress, the takeaway orders to hand over (and cash in), cancellations with a reason.

use maud::Markup;
use rocket::response::stream::EventStream;
use rocket::{get, routes, Route, Shutdown};

use crate::db::Db;
use crate::domain::slots;
use crate::store::screens as tickets;
use crate::web::auth::CounterArea;
use crate::web::csrf::Page;
use crate::web::staff::screens::{self, Screen, ScreenRequest};
use crate::{views, Result};

pub fn routes() -> Vec<Route> {
    routes![counter, queue, events, finished_today]
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

/// Today's finished orders (delivered, collected, cancelled): a customer comes back about
/// one, a receipt is asked for.
#[get("/staff/orders/done?<pizzeria>")]
async fn finished_today(db: &Db, user: CounterArea, page: Page<'_>, pizzeria: Option<&str>) -> Result<Markup> {
    let here = match screens::resolve(db, &user.0, pizzeria).await? {
        Ok(here) => here,
        Err(choices) => {
            return Ok(views::screens::chooser(&page.nav(), FINISHED_TITLE, &choices, "/staff/orders/done"));
        }
    };
    let orders = tickets::finished_since(db, here.id, slots::start_of_day(chrono::Utc::now())).await?;
    let back = here.link(&user.0, "/staff/orders");
    Ok(views::screens::finished_today(&page.nav(), FINISHED_TITLE, &here, &back, &orders))
}

const FINISHED_TITLE: &str = "Terminées aujourd'hui";
