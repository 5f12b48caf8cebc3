//! The cookie that names a browser's cart, and the cart's size for the page header (read
//! once per request).

use rocket::http::{Cookie, CookieJar, SameSite};
use rocket::Request;

use crate::config::Settings;
use crate::crypto;
use crate::db::Db;
use crate::store::carts;

pub const CART_COOKIE: &str = "oc_cart";

pub fn token(cookies: &CookieJar<'_>) -> Option<String> {
    cookies.get_private(CART_COOKIE).map(|c| c.value().to_string())
}

/// The visitor's cart token, made on first need. The cart survives login: it belongs to
/// the browser, not to the session.
pub fn ensure(cookies: &CookieJar<'_>, settings: &Settings) -> String {
    if let Some(token) = token(cookies) {
        return token;
    }
    let token = crypto::random_token();
    cookies.add_private(
        Cookie::build((CART_COOKIE, token.clone()))
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(settings.cookie_secure)
            .path("/")
            .max_age(rocket::time::Duration::days(7)),
    );
    token
}

/// The request's cart size, cached under its own type (the cache is keyed by type).
struct CartSize(i64);

/// How many pizzas the visitor's cart holds (0 without a cart, or when the count cannot be
/// read: the header is not worth an error page).
pub async fn size(req: &Request<'_>) -> i64 {
    req.local_cache_async(async {
        let Some(token) = token(req.cookies()) else { return CartSize(0) };
        let Some(db) = req.rocket().state::<Db>() else { return CartSize(0) };
        CartSize(carts::size(db, &crypto::token_digest(&token)).await.unwrap_or(0))
    })
    .await
    .0
}
