//! Who is asking, and may they: the session cookie and API tokens, the CSRF check, and one
//! request guard per area of the site.
//!
//! The CSRF check of forms is in `web::csrf`.
//!
//! Every guard resolves the visitor once per request ([`Visitor::of`]); a refusal records
//! why in the request (`web::refusal`) so that the catchers answer the right way: a
//! redirect to the login page, to the password change, a French page, or JSON on the API.

use std::net::IpAddr;

use rocket::http::uri::Origin;
use rocket::http::{Cookie, CookieJar, SameSite};
use rocket::request::{FromRequest, Outcome};
use rocket::Request;

use crate::config::Settings;
use crate::crypto;
use crate::db::Db;
use crate::domain::roles::{may_enter, Actor, Area, Role};
use crate::store::users::AuthUser;
use crate::store::{api_tokens, sessions};
use crate::unix_now;
use crate::web::refusal::{check_origin, is_unsafe, record_refusal, Refusal};

pub const SESSION_COOKIE: &str = "oc_session";
/// Carries the CSRF token of a visitor who is not signed in (login and register forms).
pub const VISITOR_CSRF_COOKIE: &str = "oc_csrf";
pub const CSRF_HEADER: &str = "X-CSRF-Token";

fn refuse<T, E: Default>(req: &Request<'_>, refusal: Refusal) -> Outcome<T, E> {
    record_refusal(req, refusal);
    Outcome::Error((refusal.status(), E::default()))
}

/// How the visitor proved who they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// A session cookie; the digest of its token and the session's CSRF token.
    Session { token_hash: String, csrf_token: String },
    /// `Authorization: Bearer …` (no CSRF: a browser never adds it by itself); a read-only
    /// token may only read.
    Bearer { read_only: bool },
}

/// The visitor's role once [`Visitor::of`] has looked (for error reports; shared with the
/// error report of a panic, which reads it when the panic happens).
#[derive(Default)]
pub struct RoleCell(pub std::sync::Arc<std::sync::OnceLock<&'static str>>);

/// `anonymous`, the signed-in visitor's role, or `unknown` when the request was answered
/// before anyone looked (a bad URL, a failure before the guards).
pub fn known_role(req: &Request<'_>) -> &'static str {
    req.local_cache(RoleCell::default).0.get().copied().unwrap_or("unknown")
}

/// The visitor of this request: signed in or not. Never fails.
#[derive(Debug, Clone, Default)]
pub struct Visitor {
    pub user: Option<(AuthUser, Credential)>,
    /// An `Authorization` header was sent but named no live token.
    pub bad_bearer: bool,
}

impl Visitor {
    pub async fn of<'r>(req: &'r Request<'_>) -> &'r Visitor {
        let visitor = req.local_cache_async(async { resolve(req).await.unwrap_or_default() }).await;
        let _ = req
            .local_cache(RoleCell::default)
            .0
            .set(visitor.signed_in().map_or("anonymous", |user| user.role.as_str()));
        visitor
    }

    pub fn signed_in(&self) -> Option<&AuthUser> {
        self.user.as_ref().map(|(user, _)| user)
    }

    /// The token forms of a signed-in visitor carry.
    pub fn session_csrf(&self) -> Option<&str> {
        match &self.user {
            Some((_, Credential::Session { csrf_token, .. })) => Some(csrf_token),
            _ => None,
        }
    }

    /// What the page header shows of the visitor (a signed-in user's name, areas, logout).
    pub fn nav(&self) -> crate::views::layout::Nav {
        let user = match &self.user {
            Some((user, Credential::Session { csrf_token, .. })) => Some(crate::views::layout::NavUser {
                name: user.full_name.clone(),
                role: user.role,
                csrf: csrf_token.clone(),
            }),
            _ => None,
        };
        crate::views::layout::Nav { user, cart_count: 0 }
    }

    pub fn session_token_hash(&self) -> Option<&str> {
        match &self.user {
            Some((_, Credential::Session { token_hash, .. })) => Some(token_hash),
            _ => None,
        }
    }
}

async fn resolve(req: &Request<'_>) -> Option<Visitor> {
    let db = req.rocket().state::<Db>()?;
    let session = req.cookies().get_private(SESSION_COOKIE);
    let authorization = req.headers().get_one("Authorization");
    match identify(db, authorization, session.as_ref().map(|cookie| cookie.value())).await {
        Identity::Visitor(visitor) => Some(visitor),
        Identity::SessionEnded => {
            req.cookies().remove_private(SESSION_COOKIE);
            None
        }
    }
}

/// What a request's credentials say.
pub enum Identity {
    Visitor(Visitor),
    /// The session cookie names no live session (its cookie should go).
    SessionEnded,
}

/// Who sends this `Authorization` header (an API token, which wins) or this session token
/// (the decrypted value of the session cookie). Shared by Rocket's guards and the event
/// server (`web::events`).
pub async fn identify(db: &Db, authorization: Option<&str>, session_token: Option<&str>) -> Identity {
    let now = unix_now();
    if let Some(header) = authorization {
        let token = header.strip_prefix("Bearer ").map(str::trim).unwrap_or_default();
        let user = match token.is_empty() {
            true => None,
            false => api_tokens::authenticate(db, &crypto::token_digest(token), now).await.ok().flatten(),
        };
        return Identity::Visitor(match user {
            Some((user, read_only)) => {
                Visitor { user: Some((user, Credential::Bearer { read_only })), bad_bearer: false }
            }
            None => Visitor { user: None, bad_bearer: true },
        });
    }
    let Some(session_token) = session_token else { return Identity::Visitor(Visitor::default()) };
    let token_hash = crypto::token_digest(session_token);
    match sessions::find_live(db, &token_hash, now).await {
        Ok(Some(session)) => {
            // One write a minute at most per session, not one per request.
            if now - session.last_seen_at >= 60 {
                let _ = sessions::touch(db, &token_hash, now).await;
            }
            let credential = Credential::Session { token_hash, csrf_token: session.csrf_token };
            Identity::Visitor(Visitor { user: Some((session.user, credential)), bad_bearer: false })
        }
        Ok(None) => Identity::SessionEnded,
        Err(error) => {
            tracing::warn!(%error, "could not read the session");
            Identity::Visitor(Visitor::default())
        }
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for &'r Visitor {
    type Error = ();

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, ()> {
        Outcome::Success(Visitor::of(req).await)
    }
}

/// Paths a user who must change their password may still reach.
const PASSWORD_CHANGE_PATHS: [&str; 2] = ["/account/password", "/logout"];

/// Any signed-in user (by session cookie) whose account is active.
#[derive(Debug, Clone)]
pub struct SignedIn(pub AuthUser);

async fn signed_in(req: &Request<'_>) -> Outcome<AuthUser, ()> {
    let visitor = Visitor::of(req).await;
    match &visitor.user {
        Some((user, Credential::Session { .. })) => {
            if user.must_change_password && !PASSWORD_CHANGE_PATHS.contains(&req.uri().path().as_str()) {
                return refuse(req, Refusal::MustChangePassword);
            }
            Outcome::Success(user.clone())
        }
        // A page is not an API: a bearer token does not open it.
        _ => refuse(req, Refusal::LoginRequired),
    }
}

/// A signed-in user whose account passes `allowed`; 403 otherwise.
async fn signed_in_as(req: &Request<'_>, allowed: impl Fn(&AuthUser) -> bool) -> Outcome<AuthUser, ()> {
    match signed_in(req).await {
        Outcome::Success(user) if allowed(&user) => Outcome::Success(user),
        Outcome::Success(_) => refuse(req, Refusal::WrongRole),
        other => other,
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for SignedIn {
    type Error = ();

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, ()> {
        signed_in(req).await.map(SignedIn)
    }
}

/// A signed-in customer (the RGPD pages, addresses).
#[derive(Debug, Clone)]
pub struct Customer(pub AuthUser);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Customer {
    type Error = ();

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, ()> {
        signed_in_as(req, |user| user.role == Role::Customer).await.map(Customer)
    }
}

/// A signed-in member of staff (any role but customer).
#[derive(Debug, Clone)]
pub struct StaffMember(pub AuthUser);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for StaffMember {
    type Error = ();

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, ()> {
        signed_in_as(req, |user| user.role.is_staff()).await.map(StaffMember)
    }
}

/// One guard per area: the signed-in user, if their role may enter it.
macro_rules! area_guard {
    ($(#[$doc:meta])* $name:ident, $area:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct $name(pub AuthUser);

        #[rocket::async_trait]
        impl<'r> FromRequest<'r> for $name {
            type Error = ();

            async fn from_request(req: &'r Request<'_>) -> Outcome<Self, ()> {
                signed_in_as(req, |user| may_enter(user.role, $area)).await.map($name)
            }
        }
    };
}

area_guard!(
    /// Counter staff, their manager, admins: phone and counter orders.
    CounterArea,
    Area::Counter
);
area_guard!(
    /// Pizzaiolos, their manager, admins.
    KitchenArea,
    Area::Kitchen
);
area_guard!(
    /// Drivers, their manager, admins.
    DeliveryArea,
    Area::Delivery
);
area_guard!(
    /// Managers (their own pizzeria) and admins.
    ManageArea,
    Area::Manage
);
area_guard!(
    /// The group's direction.
    AdminArea,
    Area::Admin
);

/// Whoever manages accounts here: under `/admin` an admin, under `/manage` a manager (or
/// an admin). The same routes are mounted at both places.
#[derive(Debug, Clone)]
pub struct AccountManager {
    pub user: AuthUser,
    /// The base the routes were reached through, for links: `/admin` or `/manage`.
    pub base: &'static str,
}

impl AccountManager {
    pub fn actor(&self) -> Actor {
        Actor { user_id: self.user.id, role: self.user.role, pizzeria_id: self.user.pizzeria_id }
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for AccountManager {
    type Error = ();

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, ()> {
        let (area, base) =
            if req.uri().path().starts_with("/admin/") { (Area::Admin, "/admin") } else { (Area::Manage, "/manage") };
        signed_in_as(req, |user| may_enter(user.role, area)).await.map(|user| AccountManager { user, base })
    }
}

/// The caller of the JSON API, if any: a bearer token, or a session cookie (then unsafe
/// methods need the `X-CSRF-Token` header and a same-site origin). A bad token is refused.
async fn api_caller(req: &Request<'_>) -> Outcome<Option<AuthUser>, ()> {
    let visitor = Visitor::of(req).await;
    if visitor.bad_bearer {
        return refuse(req, Refusal::BadApiToken);
    }
    match &visitor.user {
        Some((user, Credential::Bearer { read_only })) => {
            if user.must_change_password {
                return refuse(req, Refusal::MustChangePassword);
            }
            if *read_only && is_unsafe(req.method()) {
                return refuse(req, Refusal::ReadOnlyToken);
            }
            Outcome::Success(Some(user.clone()))
        }
        Some((user, Credential::Session { csrf_token, .. })) => {
            if is_unsafe(req.method()) {
                if let Err(refusal) = check_origin(req) {
                    return refuse(req, refusal);
                }
                let sent = req.headers().get_one(CSRF_HEADER).unwrap_or_default();
                if !crypto::constant_time_eq(sent, csrf_token) {
                    return refuse(req, Refusal::CsrfToken);
                }
            }
            if user.must_change_password {
                return refuse(req, Refusal::MustChangePassword);
            }
            Outcome::Success(Some(user.clone()))
        }
        None => {
            if is_unsafe(req.method()) {
                if let Err(refusal) = check_origin(req) {
                    return refuse(req, refusal);
                }
            }
            Outcome::Success(None)
        }
    }
}

/// A signed-in caller of the JSON API.
#[derive(Debug, Clone)]
pub struct ApiCaller(pub AuthUser);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for ApiCaller {
    type Error = ();

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, ()> {
        match api_caller(req).await {
            Outcome::Success(Some(user)) => Outcome::Success(ApiCaller(user)),
            Outcome::Success(None) => refuse(req, Refusal::LoginRequired),
            Outcome::Error(e) => Outcome::Error(e),
            Outcome::Forward(f) => Outcome::Forward(f),
        }
    }
}

/// A caller of the JSON API who may be anonymous (a guest ordering).
#[derive(Debug, Clone)]
pub struct MaybeApiCaller(pub Option<AuthUser>);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for MaybeApiCaller {
    type Error = ();

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, ()> {
        api_caller(req).await.map(MaybeApiCaller)
    }
}

/// The client's address: the socket peer, or the `X-Real-IP` a trusted proxy sent.
pub struct ClientAddress(pub Option<IpAddr>);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for ClientAddress {
    type Error = ();

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, ()> {
        let peer = req.remote().map(|address| address.ip());
        let trusted = req.rocket().state::<Settings>().map(|s| s.trusted_proxies.as_slice()).unwrap_or_default();
        let address = match peer {
            Some(ip) if trusted.contains(&ip) => {
                req.headers().get_one("X-Real-IP").and_then(|value| value.trim().parse().ok()).or(peer)
            }
            _ => peer,
        };
        Outcome::Success(ClientAddress(address))
    }
}

/// Starts a new session for `user` (a new token every time: no fixation) and sets its cookie.
pub async fn start_session(
    db: &Db,
    settings: &Settings,
    cookies: &CookieJar<'_>,
    user: &AuthUser,
    remember: bool,
) -> crate::Result<()> {
    let now = unix_now();
    let remember = remember && user.role == Role::Customer;
    let (idle, lifetime) = if remember {
        let days = settings.session_remember_days * 86_400;
        (days, days)
    } else {
        (settings.session_idle_minutes * 60, settings.session_absolute_hours * 3600)
    };
    let token = crypto::random_token();
    let csrf = crypto::random_token();
    let session = sessions::NewSession {
        token_hash: &crypto::token_digest(&token),
        user_id: user.id,
        csrf_token: &csrf,
        idle_timeout_seconds: idle,
        expires_at: now + lifetime,
    };
    sessions::create(db, &session, now).await?;
    let mut cookie = Cookie::build((SESSION_COOKIE, token))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(settings.cookie_secure)
        .path("/");
    if remember {
        cookie = cookie.max_age(rocket::time::Duration::seconds(lifetime));
    }
    cookies.add_private(cookie);
    cookies.remove_private(VISITOR_CSRF_COOKIE);
    Ok(())
}

/// Where to go after login: `next` if it is a path of this site, else the role's home.
pub fn safe_next(next: Option<&str>, fallback: &str) -> String {
    match next {
        Some(next) if is_local_path(next) => next.to_string(),
        _ => fallback.to_string(),
    }
}

/// `/kitchen?x=1` yes; `//evil.example`, `/\evil`, `https://…`, `javascript:` no.
pub fn is_local_path(target: &str) -> bool {
    target.starts_with('/')
        && !target.starts_with("//")
        && !target.starts_with("/\\")
        && !target.chars().any(|c| c.is_control() || c == '\\')
        && target.len() <= 2000
        && Origin::parse(target).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed_after_login() {
        assert!(is_local_path("/kitchen"));
        assert!(is_local_path("/manage/users?role=driver"));
        for bad in [
            "//evil.example/",
            "/\\evil.example",
            "https://evil.example/",
            "javascript:alert(1)",
            "",
            "kitchen",
            "/a\nb",
        ] {
            assert!(!is_local_path(bad), "{bad:?}");
        }
        assert_eq!(safe_next(Some("//evil.example"), "/account"), "/account");
        assert_eq!(safe_next(None, "/kitchen"), "/kitchen");
    }
}
