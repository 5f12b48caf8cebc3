//! HTTP routes, grouped by audience. Routes stay thin: parse, call the store, render.

pub mod ops;
pub mod public;

use rocket::http::Status;
use rocket::{catch, catchers, routes, Catcher, Request, Route};

use crate::views;

pub fn routes() -> Vec<Route> {
    let mut all = routes![crate::assets::serve];
    all.extend(public::routes());
    all.extend(ops::routes());
    all
}

pub fn catchers() -> Vec<Catcher> {
    catchers![default_catcher]
}

#[catch(default)]
fn default_catcher(status: Status, _: &Request<'_>) -> (Status, maud::Markup) {
    (status, views::errors::page(status, None))
}
