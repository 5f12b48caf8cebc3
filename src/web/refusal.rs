//! Why a request was refused (recorded in the request for the catchers), and the checks of
//! where an unsafe request comes from. Shared by the guards (`auth`), the form check
//! (`csrf`) and the events port.

use std::sync::Mutex;

use rocket::http::{Method, Status};
use rocket::Request;

/// Why a request was refused; read by the catchers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    LoginRequired,
    MustChangePassword,
    WrongRole,
    CsrfToken,
    ForeignOrigin,
    BadApiToken,
    ReadOnlyToken,
}

impl Refusal {
    pub fn message(self) -> &'static str {
        match self {
            Refusal::LoginRequired => "Connectez-vous pour accéder à cette page.",
            Refusal::MustChangePassword => "Choisissez un nouveau mot de passe avant de continuer.",
            Refusal::WrongRole => "Votre compte n'a pas accès à cette page.",
            Refusal::CsrfToken => {
                "Le formulaire a expiré ou ne vient pas de notre site. Rechargez la page et recommencez."
            }
            Refusal::ForeignOrigin => "Cette requête vient d'un autre site : elle a été refusée.",
            Refusal::BadApiToken => "Jeton d'API invalide, expiré ou révoqué.",
            Refusal::ReadOnlyToken => "Ce jeton d'API est en lecture seule : il ne peut rien modifier.",
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Refusal::LoginRequired => "unauthenticated",
            Refusal::MustChangePassword => "password_change_required",
            Refusal::WrongRole => "forbidden",
            Refusal::CsrfToken => "csrf",
            Refusal::ForeignOrigin => "cross_site",
            Refusal::BadApiToken => "invalid_token",
            Refusal::ReadOnlyToken => "read_only_token",
        }
    }

    pub(crate) fn status(self) -> Status {
        match self {
            Refusal::LoginRequired | Refusal::BadApiToken => Status::Unauthorized,
            _ => Status::Forbidden,
        }
    }
}

struct RefusalSlot(Mutex<Option<Refusal>>);

pub(crate) fn record_refusal(req: &Request<'_>, refusal: Refusal) {
    let slot = req.local_cache(|| RefusalSlot(Mutex::new(None)));
    if let Ok(mut slot) = slot.0.lock() {
        slot.get_or_insert(refusal);
    }
}

/// Why this request was refused, if a guard refused it.
pub fn refusal_of(req: &Request<'_>) -> Option<Refusal> {
    req.local_cache(|| RefusalSlot(Mutex::new(None))).0.lock().ok().and_then(|slot| *slot)
}

pub(crate) fn is_unsafe(method: Method) -> bool {
    !matches!(method, Method::Get | Method::Head | Method::Options)
}

/// Refuses a request that a browser says comes from another site.
pub(crate) fn check_origin(req: &Request<'_>) -> Result<(), Refusal> {
    if req.headers().get_one("Sec-Fetch-Site") == Some("cross-site") {
        return Err(Refusal::ForeignOrigin);
    }
    let Some(origin) = req.headers().get_one("Origin") else { return Ok(()) };
    let host = req.headers().get_one("Host").unwrap_or_default();
    let origin_host = origin.split_once("://").map(|(_, rest)| rest).unwrap_or_default();
    if origin_host.is_empty() || !origin_host.eq_ignore_ascii_case(host) {
        return Err(Refusal::ForeignOrigin);
    }
    Ok(())
}
