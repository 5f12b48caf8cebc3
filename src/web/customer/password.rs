//! Password reset by e-mail: `/password/forgot` answers the same whether or not the address
//! has an account; the link (single use, one hour) sets a new password and ends every
//! session of the account.

use maud::Markup;
use rocket::form::FromForm;
use rocket::http::Status;
use rocket::request::FlashMessage;
use rocket::response::{Flash, Redirect};
use rocket::{get, post, routes, Either, Route, State};

use crate::config::Settings;
use crate::db::Db;
use crate::domain::fields::{self, FieldErrors};
use crate::domain::password;
use crate::domain::throttle::{self, Policy};
use crate::store::{login_throttle, password_resets};
use crate::web::auth::ClientAddress;
use crate::web::csrf::{CsrfForm, Page};
use crate::{crypto, unix_now, views, Result};

pub fn routes() -> Vec<Route> {
    routes![forgot_page, forgot, reset_page, reset]
}

const SENT: &str = "Si un compte existe pour cette adresse, un e-mail vient de lui être envoyé avec un lien \
                    valable une heure. Pensez à regarder dans les indésirables.";

#[get("/password/forgot")]
fn forgot_page(page: Page<'_>, flash: Option<FlashMessage<'_>>) -> Markup {
    let done = flash.as_ref().map(FlashMessage::message);
    views::password::forgot(&page.nav(), &page.csrf, "", done, &FieldErrors::new())
}

#[derive(FromForm)]
struct ForgotForm {
    #[field(default = String::new())]
    email: String,
}

/// Requests are counted per client address and per e-mail address typed (by digest), an
/// hour at a time, with the login throttle's counters: a script cannot send a flood of
/// e-mails to one person, nor probe many addresses from one machine.
fn request_counters(settings: &Settings, email: &str, client: Option<std::net::IpAddr>) -> Vec<(String, Policy)> {
    let policy = |max_failures| Policy { max_failures, window_seconds: 3600, lockout_seconds: 3600, slowdown_ms: 0 };
    let s = &settings.security;
    let mut keys =
        vec![(format!("reset-account:{}", crypto::token_digest(email)), policy(s.password_reset_max_per_account))];
    if let Some(ip) = client {
        keys.push((format!("reset-address:{ip}"), policy(s.password_reset_max_per_address)));
    }
    keys
}

#[post("/password/forgot", data = "<form>")]
async fn forgot(
    db: &Db,
    settings: &State<Settings>,
    page: Page<'_>,
    client: ClientAddress,
    form: CsrfForm<ForgotForm>,
) -> Result<Either<(Status, Markup), Flash<Redirect>>> {
    let mut errors = FieldErrors::new();
    let Some(email) = errors.check("email", fields::email(&form.0.email)) else {
        let markup = views::password::forgot(&page.nav(), &page.csrf, &form.0.email, None, &errors);
        return Ok(Either::Left((Status::UnprocessableEntity, markup)));
    };
    let now = unix_now();
    for (key, policy) in request_counters(settings, &email, client.0) {
        let record = login_throttle::count_attempt(db, &key, &policy, now).await?;
        if !policy.may_judge(record) {
            crate::metrics::count_refusal("reset_limited");
            let wait = throttle::minutes_fr(policy.locked_for(Some(record), now).unwrap_or(policy.lockout_seconds));
            errors.add("email", format!("Trop de demandes de lien. Réessayez dans {wait}."));
            let markup = views::password::forgot(&page.nav(), &page.csrf, &form.0.email, None, &errors);
            return Ok(Either::Left((Status::TooManyRequests, markup)));
        }
    }
    let written = password_resets::request(db, &email, &crypto::random_token(), now).await?;
    tracing::info!(written, "password reset asked for");
    Ok(Either::Right(Flash::success(Redirect::to("/password/forgot"), SENT)))
}

#[get("/password/reset/<token>")]
async fn reset_page(db: &Db, page: Page<'_>, token: &str) -> Result<(Status, Markup)> {
    Ok(match password_resets::holder(db, token, unix_now()).await? {
        Some(_) => (Status::Ok, views::password::reset(&page.nav(), &page.csrf, token, &FieldErrors::new())),
        None => (Status::Gone, views::password::expired(&page.nav())),
    })
}

#[derive(FromForm)]
struct ResetForm {
    #[field(default = String::new())]
    new_password: String,
    #[field(default = String::new())]
    new_password_confirmation: String,
}

#[post("/password/reset/<token>", data = "<form>")]
async fn reset(
    db: &Db,
    page: Page<'_>,
    token: &str,
    form: CsrfForm<ResetForm>,
) -> Result<Either<(Status, Markup), Flash<Redirect>>> {
    let Some(email) = password_resets::holder(db, token, unix_now()).await? else {
        return Ok(Either::Left((Status::Gone, views::password::expired(&page.nav()))));
    };
    let form = form.0;
    let mut errors = FieldErrors::new();
    errors.check("new_password", password::check(&form.new_password, &email));
    if errors.is_empty() && form.new_password != form.new_password_confirmation {
        errors.add("new_password_confirmation", "Les deux mots de passe ne sont pas identiques.");
    }
    if !errors.is_empty() {
        let markup = views::password::reset(&page.nav(), &page.csrf, token, &errors);
        return Ok(Either::Left((Status::UnprocessableEntity, markup)));
    }
    let hash = crypto::hash_password_blocking(form.new_password).await?;
    // Checked again inside the transaction: two tabs submitting the same link get one change.
    match password_resets::redeem(db, token, &hash, unix_now()).await? {
        None => Ok(Either::Left((Status::Gone, views::password::expired(&page.nav())))),
        Some(user_id) => {
            tracing::info!(user_id, "password reset by e-mail; every session ended");
            Ok(Either::Right(Flash::success(
                Redirect::to("/login"),
                "Votre mot de passe est changé et vos sessions sont fermées : connectez-vous avec le nouveau.",
            )))
        }
    }
}
