//! Cross-site request forgery: forms carry the visitor's token (checked by the [`CsrfForm`]
//! data guard before any handler runs), the API's cookie callers send it in a header, and
//! requests a browser marks as cross-site or from a foreign `Origin` are refused.

use rocket::data::{self, FromData, ToByteUnit};
use rocket::form::{Form, FromForm};
use rocket::http::{Cookie, SameSite, Status};
use rocket::request::{FromRequest, Outcome};
use rocket::{Data, Request};

use crate::config::Settings;
use crate::crypto;
use crate::web::auth::{Visitor, VISITOR_CSRF_COOKIE};
use crate::web::refusal::{check_origin, record_refusal, Refusal};

/// The CSRF token the forms of this visitor carry: the session's, or for a visitor who is
/// not signed in, one kept in a private cookie (created on first need).
pub fn form_token(req: &Request<'_>, visitor: &Visitor) -> String {
    if let Some(token) = visitor.session_csrf() {
        return token.to_string();
    }
    if let Some(cookie) = req.cookies().get_private(VISITOR_CSRF_COOKIE) {
        return cookie.value().to_string();
    }
    let token = crypto::random_token();
    let secure = req.rocket().state::<Settings>().is_some_and(|s| s.cookie_secure);
    req.cookies().add_private(
        Cookie::build((VISITOR_CSRF_COOKIE, token.clone()))
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(secure)
            .path("/"),
    );
    token
}

/// The visitor and the CSRF token for the forms of a page.
pub struct Page<'r> {
    pub visitor: &'r Visitor,
    pub csrf: String,
    /// Pizzas in the visitor's cart, for the header.
    pub cart_count: i64,
}

impl Page<'_> {
    pub fn nav(&self) -> crate::views::layout::Nav {
        crate::views::layout::Nav { cart_count: self.cart_count, ..self.visitor.nav() }
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Page<'r> {
    type Error = ();

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, ()> {
        let visitor = Visitor::of(req).await;
        let cart_count = crate::web::cart_cookie::size(req).await;
        Outcome::Success(Page { visitor, csrf: form_token(req, visitor), cart_count })
    }
}

#[derive(FromForm)]
struct CsrfField {
    #[field(name = "csrf_token", default = String::new())]
    token: String,
}

/// A form posted from one of our pages: parsed leniently into `T`, and refused (403,
/// handler not run, nothing written) unless it carries the visitor's CSRF token and comes
/// from our own site. Every form handler takes its data through this guard.
pub struct CsrfForm<T>(pub T);

#[rocket::async_trait]
impl<'r, T: for<'a> FromForm<'a> + Send + 'static> FromData<'r> for CsrfForm<T> {
    type Error = ();

    async fn from_data(req: &'r Request<'_>, data: Data<'r>) -> data::Outcome<'r, Self> {
        if let Err(refusal) = check_origin(req) {
            record_refusal(req, refusal);
            return data::Outcome::Error((Status::Forbidden, ()));
        }
        let visitor = Visitor::of(req).await;
        let expected = match visitor.session_csrf() {
            Some(token) => Some(token.to_string()),
            None => req.cookies().get_private(VISITOR_CSRF_COOKIE).map(|c| c.value().to_string()),
        };
        let limit = req.limits().get("form").unwrap_or_else(|| 32.kibibytes());
        let body = match data.open(limit).into_string().await {
            Ok(body) if body.is_complete() => body.into_inner(),
            Ok(_) => return data::Outcome::Error((Status::PayloadTooLarge, ())),
            Err(_) => return data::Outcome::Error((Status::BadRequest, ())),
        };
        let raw = rocket::http::RawStr::new(&body);
        let sent = Form::<CsrfField>::parse_encoded(raw).map(|f| f.token).unwrap_or_default();
        let valid = expected.is_some_and(|expected| crypto::constant_time_eq(&sent, &expected));
        if !valid {
            record_refusal(req, Refusal::CsrfToken);
            return data::Outcome::Error((Status::Forbidden, ()));
        }
        match Form::<T>::parse_encoded(raw) {
            Ok(value) => data::Outcome::Success(CsrfForm(value)),
            Err(errors) => {
                tracing::debug!(%errors, "unreadable form");
                data::Outcome::Error((Status::UnprocessableEntity, ()))
            }
        }
    }
}

/// Two form structs read from the same fields: every field goes to both, each keeps what
/// it knows (forms are parsed leniently). Rocket's forms only nest with a prefix; this
/// lets the checkout and the order modification share `DeliveryForm` without one.
pub struct Both<A, B>(pub A, pub B);

#[rocket::async_trait]
impl<'r, A: FromForm<'r>, B: FromForm<'r>> FromForm<'r> for Both<A, B> {
    type Context = (A::Context, B::Context);

    fn init(opts: rocket::form::Options) -> Self::Context {
        (A::init(opts), B::init(opts))
    }

    fn push_value(ctxt: &mut Self::Context, field: rocket::form::ValueField<'r>) {
        A::push_value(&mut ctxt.0, field.clone());
        B::push_value(&mut ctxt.1, field);
    }

    /// Our forms carry no files: a data field goes to the first part only.
    async fn push_data(ctxt: &mut Self::Context, field: rocket::form::DataField<'r, '_>) {
        A::push_data(&mut ctxt.0, field).await
    }

    fn finalize(ctxt: Self::Context) -> rocket::form::Result<'r, Self> {
        Ok(Both(A::finalize(ctxt.0)?, B::finalize(ctxt.1)?))
    }
}

/// A form with nothing but its CSRF token (logout, disable, revoke, …).
#[derive(FromForm)]
pub struct NoFields {
    #[field(name = "csrf_token", default = String::new())]
    _token: String,
}
