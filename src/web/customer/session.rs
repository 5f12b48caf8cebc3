//! Signing in and out, and registering as a customer.

use maud::Markup;
use rocket::form::FromForm;
use rocket::http::{CookieJar, Status};
use rocket::request::FlashMessage;
use rocket::response::{Flash, Redirect};
use rocket::{get, post, routes, Either, Route, State};

use crate::config::Settings;
use crate::crypto;
use crate::db::Db;
use crate::domain::fields::{self, FieldErrors};
use crate::domain::notifications::Kind;
use crate::domain::throttle::{self, Policy};
use crate::domain::{password, roles::Role};
use crate::store::users::{self, CreateError, NewUser};
use crate::store::{login_throttle, outbox, sessions};
use crate::web::auth::{safe_next, start_session, ClientAddress, Visitor, SESSION_COOKIE};
use crate::web::csrf::{CsrfForm, NoFields, Page};
use crate::{unix_now, views, Error, Result};

pub fn routes() -> Vec<Route> {
    routes![login_page, login, logout, register_page, register]
}

type PageOrRedirect = Either<(Status, Markup), Redirect>;
type PageOrFlash = Either<(Status, Markup), Flash<Redirect>>;

#[get("/login?<next>")]
fn login_page(page: Page<'_>, flash: Option<FlashMessage<'_>>, next: Option<&str>) -> Either<Markup, Redirect> {
    if let Some(user) = page.visitor.signed_in() {
        return Either::Right(Redirect::to(safe_next(next, user.role.home())));
    }
    let next = next.filter(|next| crate::web::auth::is_local_path(next));
    let notice = flash.as_ref().map(FlashMessage::message);
    let values = views::account::LoginValues { next, notice, ..Default::default() };
    Either::Left(views::account::login(&page.nav(), &page.csrf, &values, None))
}

#[derive(FromForm)]
struct LoginForm {
    #[field(default = String::new())]
    email: String,
    #[field(default = String::new())]
    password: String,
    #[field(default = false)]
    remember: bool,
    next: Option<String>,
}

/// The counters of an attempt (see `domain::throttle`), the account-and-address pair
/// first: its key, its policy, and whether a success clears it (the pair) or only gives
/// the attempt back (the shared ones).
fn counters(settings: &Settings, email_digest: &str, client: Option<std::net::IpAddr>) -> Vec<(String, Policy, bool)> {
    let s = &settings.security;
    let policy = |max_failures, lockout_seconds| Policy {
        max_failures,
        window_seconds: s.login_failure_window_seconds,
        lockout_seconds,
        slowdown_ms: s.login_slowdown_ms,
    };
    let account = login_throttle::account_key(email_digest);
    let mut keys = Vec::with_capacity(3);
    if let Some(ip) = client {
        keys.push((format!("{account}|address:{ip}"), policy(s.login_max_failures, s.login_lockout_seconds), true));
        keys.push((format!("address:{ip}"), policy(s.login_max_failures_per_address, s.login_lockout_seconds), false));
    }
    keys.push((account, policy(s.login_max_failures_per_account, s.login_account_lockout_seconds), false));
    keys
}

/// The same answer whether or not the e-mail address has an account.
const WRONG_CREDENTIALS: &str = "Adresse e-mail ou mot de passe incorrect.";

#[post("/login", data = "<form>")]
async fn login(
    db: &Db,
    settings: &State<Settings>,
    cookies: &CookieJar<'_>,
    page: Page<'_>,
    client: ClientAddress,
    form: CsrfForm<LoginForm>,
) -> Result<PageOrRedirect> {
    let form = form.0;
    let email = form.email.trim().to_lowercase();
    let next = form.next.as_deref().filter(|next| crate::web::auth::is_local_path(next));
    let values = views::account::LoginValues { email: &form.email, next, remember: form.remember, notice: None };
    let refuse = |status: Status, message: &str| {
        Either::Left((status, views::account::login(&page.nav(), &page.csrf, &values, Some(message))))
    };
    if email.is_empty() || form.password.is_empty() {
        return Ok(refuse(Status::UnprocessableEntity, "Indiquez votre adresse e-mail et votre mot de passe."));
    }

    // Each attempt is counted before its password is checked (see `domain::throttle`); the
    // account is named by a digest: no address is stored for unknown e-mails.
    let now = unix_now();
    let email_digest = crypto::token_digest(&email);
    let keys = counters(settings, &email_digest, client.0);
    let mut records = Vec::with_capacity(keys.len());
    for (key, policy, _) in &keys {
        let record = login_throttle::count_attempt(db, key, policy, now).await?;
        if !policy.may_judge(record) {
            crate::metrics::count_refusal("login_locked");
            let seconds = policy.locked_for(Some(record), now).unwrap_or(policy.lockout_seconds);
            let message = format!("Trop de tentatives de connexion. Réessayez dans {}.", throttle::minutes_fr(seconds));
            return Ok(refuse(Status::TooManyRequests, &message));
        }
        records.push(record);
    }

    // An address that cannot exist is looked up as nobody (and answered the same way).
    let candidate = match crate::domain::fields::email(&email) {
        Ok(email) => users::find_for_login(db, &email).await?,
        Err(_) => None,
    };
    let stored = candidate.as_ref().and_then(|c| c.password_hash.clone());
    let verified = match crypto::verify_password_blocking(form.password.clone(), stored).await {
        Ok(verified) => verified,
        Err(Error::Busy(message)) => {
            crate::metrics::count_refusal("hashing_busy");
            // Not judged: the attempt is given back.
            for (key, policy, _) in &keys {
                login_throttle::give_back(db, key, policy).await?;
            }
            return Ok(refuse(Status::ServiceUnavailable, message));
        }
        Err(error) => return Err(error),
    };
    let candidate = candidate.filter(|_| verified);
    let Some(candidate) = candidate else {
        let slowest = keys.iter().zip(&records).map(|((_, policy, _), record)| policy.slowdown(*record)).max();
        rocket::tokio::time::sleep(slowest.unwrap_or_default()).await;
        return Ok(refuse(Status::Unauthorized, WRONG_CREDENTIALS));
    };
    // Success: this browser's pair starts afresh; the shared counters get the attempt back.
    for (key, policy, cleared_on_success) in &keys {
        if *cleared_on_success {
            login_throttle::clear(db, key).await?;
        } else {
            login_throttle::give_back(db, key, policy).await?;
        }
    }
    if !candidate.active {
        // Only someone who knows the password learns this.
        return Ok(refuse(
            Status::Forbidden,
            "Ce compte est désactivé. Adressez-vous à votre responsable ou à OC Pizza.",
        ));
    }

    // Leave the previous session of this browser, if any: a new token every time.
    if let Some(old) = page.visitor.session_token_hash() {
        sessions::delete(db, old).await?;
    }
    let record = users::get(db, candidate.id).await?.ok_or(Error::NotFound)?;
    let user = record.auth_user()?;
    start_session(db, settings, cookies, &user, form.remember).await?;
    let _ = sessions::purge_expired(db, now).await;
    tracing::info!(user_id = user.id, role = user.role.as_str(), "signed in");
    let target =
        if user.must_change_password { "/account/password".to_string() } else { safe_next(next, user.role.home()) };
    Ok(Either::Right(Redirect::to(target)))
}

#[post("/logout", data = "<_form>")]
async fn logout(db: &Db, visitor: &Visitor, cookies: &CookieJar<'_>, _form: CsrfForm<NoFields>) -> Result<Redirect> {
    if let Some(token_hash) = visitor.session_token_hash() {
        sessions::delete(db, token_hash).await?;
    }
    cookies.remove_private(SESSION_COOKIE);
    Ok(Redirect::to("/"))
}

#[get("/register")]
fn register_page(page: Page<'_>) -> Either<Markup, Redirect> {
    if page.visitor.signed_in().is_some() {
        return Either::Right(Redirect::to("/account"));
    }
    let values = views::account::RegisterValues::default();
    Either::Left(views::account::register(&page.nav(), &page.csrf, &values, &FieldErrors::new()))
}

#[derive(FromForm)]
struct RegisterForm {
    #[field(default = String::new())]
    full_name: String,
    #[field(default = String::new())]
    email: String,
    #[field(default = String::new())]
    phone: String,
    #[field(default = String::new())]
    password: String,
    #[field(default = String::new())]
    password_confirmation: String,
}

/// What a registration answers, whether or not the address already had an account: the
/// page must not tell who is a customer (the owner of a taken address is told by e-mail).
const REGISTERED: &str = "Inscription enregistrée : connectez-vous avec votre adresse e-mail et le mot de passe \
     choisi. Si cette adresse avait déjà un compte, son titulaire vient de recevoir un e-mail.";

#[post("/register", data = "<form>")]
async fn register(db: &Db, page: Page<'_>, form: CsrfForm<RegisterForm>) -> Result<PageOrFlash> {
    let form = form.0;
    let mut errors = FieldErrors::new();
    let full_name = errors.check("full_name", fields::person_name(&form.full_name));
    let email = errors.check("email", fields::email(&form.email));
    let phone = errors.check("phone", fields::french_phone(&form.phone));
    errors.check("password", password::check(&form.password, email.as_deref().unwrap_or_default()));
    if errors.get("password").is_none() && form.password != form.password_confirmation {
        errors.add("password_confirmation", "Les deux mots de passe ne sont pas identiques.");
    }
    let values = views::account::RegisterValues { full_name: &form.full_name, email: &form.email, phone: &form.phone };
    let (Some(full_name), Some(email), Some(phone), true) = (full_name, email, phone, errors.is_empty()) else {
        let markup = views::account::register(&page.nav(), &page.csrf, &values, &errors);
        return Ok(Either::Left((Status::UnprocessableEntity, markup)));
    };
    // Hashed either way: both answers take the same time.
    let password_hash = crypto::hash_password_blocking(form.password).await?;
    let new_user = NewUser {
        email: &email,
        password_hash: &password_hash,
        full_name: &full_name,
        phone: Some(&phone),
        role: Role::Customer,
        pizzeria_id: None,
        must_change_password: false,
    };
    match users::create(db, &new_user).await {
        Ok(id) => tracing::info!(user_id = id, "customer registered"),
        Err(CreateError::EmailTaken) => {
            let told = outbox::enqueue_account_notice(db, &email, Kind::AccountExists, unix_now(), 3600).await?;
            tracing::info!(told, "registration with an address that has an account");
        }
        Err(CreateError::Other(error)) => return Err(error),
    }
    Ok(Either::Right(Flash::success(Redirect::to("/login"), REGISTERED)))
}
