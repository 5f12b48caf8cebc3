//! The staff areas' entry points that are not a screen of their own.

use rocket::response::Redirect;
use rocket::{get, routes, Route};

use crate::web::auth::AdminArea;

pub fn routes() -> Vec<Route> {
    routes![admin_home]
}

#[get("/admin")]
fn admin_home(_user: AdminArea) -> Redirect {
    Redirect::to("/admin/users")
}
