//! HTTP routes, grouped by audience. Routes stay thin: parse, call the store, render.

pub mod ops;
pub mod public;

use rocket::http::{Header, Status};
use rocket::shield::{Frame, Policy, Referrer, Shield};
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

/// Security headers on every response: Rocket's defaults (nosniff, …) plus a strict
/// content security policy (every script, style and image comes from our own assets),
/// no framing, and no full URL leaked to other sites.
pub fn shield() -> Shield {
    Shield::default().enable(ContentSecurityPolicy).enable(Frame::Deny).enable(Referrer::StrictOriginWhenCrossOrigin)
}

#[derive(Default)]
struct ContentSecurityPolicy;

impl Policy for ContentSecurityPolicy {
    const NAME: &'static str = "Content-Security-Policy";

    fn header(&self) -> Header<'static> {
        Header::new(
            Self::NAME,
            "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; \
             form-action 'self'; frame-ancestors 'none'",
        )
    }
}
