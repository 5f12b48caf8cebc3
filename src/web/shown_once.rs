//! A secret shown once after a form (a one-time password, an API token) survives the
//! redirect that follows the POST in an encrypted cookie, read and removed by the page it
//! is for: a refresh neither resubmits the form nor shows the secret again.

use rocket::http::{Cookie, CookieJar, SameSite};

const COOKIE: &str = "oc_once";

/// Keeps `secret` for the next page that asks for `purpose` (e.g. "user-12").
pub fn keep(cookies: &CookieJar<'_>, purpose: &str, secret: &str, secure: bool) {
    cookies.add_private(
        Cookie::build((COOKIE, format!("{purpose}\n{secret}")))
            .http_only(true)
            .same_site(SameSite::Strict)
            .secure(secure)
            .path("/")
            .max_age(rocket::time::Duration::minutes(10)),
    );
}

/// The secret kept for `purpose`, once: the cookie is removed as it is read.
pub fn take(cookies: &CookieJar<'_>, purpose: &str) -> Option<String> {
    let cookie = cookies.get_private(COOKIE)?;
    let (kept_for, secret) = cookie.value().split_once('\n')?;
    if kept_for != purpose {
        return None;
    }
    let secret = secret.to_string();
    cookies.remove_private(COOKIE);
    Some(secret)
}
