//! "Mon compte": profile, password, addresses, orders, RGPD export and erasure, API tokens.

use maud::Markup;
use rocket::form::FromForm;
use rocket::http::{CookieJar, Header, Status};
use rocket::request::FlashMessage;
use rocket::response::{Flash, Redirect, Responder};
use rocket::{get, post, routes, Either, Route, State};

use crate::config::Settings;
use crate::crypto;
use crate::db::Db;
use crate::domain::fields::{self, FieldErrors};
use crate::domain::notifications::Preferences;
use crate::domain::password;
use crate::store::addresses::{self, AddressInput};
use crate::store::{api_tokens, users};
use crate::views::account::{AccountPage, AddressValues, ProfileValues};
use crate::web::auth::{start_session, Customer, SignedIn, StaffMember, SESSION_COOKIE};
use crate::web::csrf::{CsrfForm, NoFields, Page};
use crate::web::shown_once;
use crate::{unix_now, views, Error, Result};

pub fn routes() -> Vec<Route> {
    routes![
        account,
        update_profile,
        update_notifications,
        password_page,
        change_password,
        add_address,
        address_page,
        update_address,
        delete_address,
        export,
        delete_page,
        delete_account,
        tokens_page,
        create_token,
        revoke_token,
    ]
}

type FormResult = Result<Either<(Status, Markup), Flash<Redirect>>>;

fn invalid(markup: Markup) -> FormResult {
    Ok(Either::Left((Status::UnprocessableEntity, markup)))
}

fn done(to: &str, message: &str) -> FormResult {
    Ok(Either::Right(Flash::success(Redirect::to(to.to_string()), message)))
}

async fn account_page(
    db: &Db,
    page: &Page<'_>,
    user_id: i64,
    profile: Option<(&ProfileForm, &FieldErrors)>,
    address: Option<(&AddressForm, &FieldErrors)>,
    notice: Option<&str>,
) -> Result<Markup> {
    let record = users::get(db, user_id).await?.ok_or(Error::NotFound)?;
    let addresses = addresses::list(db, user_id).await?;
    let no_errors = FieldErrors::new();
    let profile_values = match profile {
        Some((form, _)) => ProfileValues { full_name: &form.full_name, phone: &form.phone },
        None => ProfileValues { full_name: &record.full_name, phone: record.phone.as_deref().unwrap_or_default() },
    };
    let view = AccountPage {
        user: &record,
        addresses: &addresses,
        profile: profile_values,
        profile_errors: profile.map_or(&no_errors, |(_, errors)| errors),
        new_address: address.map(|(form, _)| form.values()).unwrap_or_default(),
        address_errors: address.map_or(&no_errors, |(_, errors)| errors),
        notice,
        preferences: users::preferences(db, user_id).await?,
        sms_available: crate::store::outbox::channels().sms,
    };
    Ok(views::account::account(&page.nav(), &page.csrf, &view))
}

#[get("/account")]
async fn account(db: &Db, user: SignedIn, page: Page<'_>, flash: Option<FlashMessage<'_>>) -> Result<Markup> {
    account_page(db, &page, user.0.id, None, None, flash.as_ref().map(FlashMessage::message)).await
}

#[derive(FromForm)]
struct ProfileForm {
    #[field(default = String::new())]
    full_name: String,
    #[field(default = String::new())]
    phone: String,
}

#[post("/account/profile", data = "<form>")]
async fn update_profile(db: &Db, user: SignedIn, page: Page<'_>, form: CsrfForm<ProfileForm>) -> FormResult {
    let form = form.0;
    let mut errors = FieldErrors::new();
    let full_name = errors.check("full_name", fields::person_name(&form.full_name));
    let phone = errors.check("phone", fields::optional_french_phone(&form.phone));
    let (Some(full_name), Some(phone)) = (full_name, phone) else {
        return invalid(account_page(db, &page, user.0.id, Some((&form, &errors)), None, None).await?);
    };
    users::update_profile(db, user.0.id, &full_name, phone.as_deref()).await?;
    done("/account", "Vos informations sont enregistrées.")
}

#[derive(FromForm)]
struct NotificationsForm {
    #[field(default = String::new())]
    notify_email: String,
    #[field(default = false)]
    notify_sms: bool,
}

#[post("/account/notifications", data = "<form>")]
async fn update_notifications(db: &Db, user: Customer, form: CsrfForm<NotificationsForm>) -> Result<Flash<Redirect>> {
    let preferences = Preferences::from_form(&form.0.notify_email, form.0.notify_sms).map_err(Error::BadRequest)?;
    users::set_preferences(db, user.0.id, preferences).await?;
    Ok(Flash::success(Redirect::to("/account#notifications"), "Vos préférences de notification sont enregistrées."))
}

#[get("/account/password")]
fn password_page(user: SignedIn, page: Page<'_>) -> Markup {
    views::account::change_password(&page.nav(), &page.csrf, user.0.must_change_password, &FieldErrors::new())
}

#[derive(FromForm)]
struct PasswordForm {
    #[field(default = String::new())]
    current_password: String,
    #[field(default = String::new())]
    new_password: String,
    #[field(default = String::new())]
    new_password_confirmation: String,
}

/// A new password ends every session of the account; this browser gets a fresh one.
#[post("/account/password", data = "<form>")]
async fn change_password(
    db: &Db,
    settings: &State<Settings>,
    cookies: &CookieJar<'_>,
    user: SignedIn,
    page: Page<'_>,
    form: CsrfForm<PasswordForm>,
) -> FormResult {
    let (user, form) = (user.0, form.0);
    let mut errors = FieldErrors::new();
    let stored = users::password_hash(db, user.id).await?;
    if !crypto::verify_password_blocking(form.current_password.clone(), stored).await? {
        errors.add("current_password", "Le mot de passe actuel est incorrect.");
    }
    errors.check("new_password", password::check(&form.new_password, &user.email));
    if errors.get("new_password").is_none() {
        if form.new_password != form.new_password_confirmation {
            errors.add("new_password_confirmation", "Les deux mots de passe ne sont pas identiques.");
        } else if form.new_password == form.current_password {
            errors.add("new_password", "Choisissez un mot de passe différent de l'actuel.");
        }
    }
    if !errors.is_empty() {
        return invalid(views::account::change_password(&page.nav(), &page.csrf, user.must_change_password, &errors));
    }
    let hash = crypto::hash_password_blocking(form.new_password).await?;
    users::set_password(db, user.id, &hash, false).await?;
    let user = crate::store::users::AuthUser { must_change_password: false, ..user };
    start_session(db, settings, cookies, &user, false).await?;
    tracing::info!(user_id = user.id, "password changed; other sessions ended");
    done(user.role.home(), "Votre mot de passe est changé. Vos autres sessions ont été fermées.")
}

#[derive(FromForm)]
struct AddressForm {
    #[field(default = String::new())]
    label: String,
    #[field(default = String::new())]
    street: String,
    #[field(default = String::new())]
    postcode: String,
    #[field(default = String::new())]
    city: String,
    #[field(default = String::new())]
    instructions: String,
}

impl AddressForm {
    fn values(&self) -> AddressValues<'_> {
        AddressValues {
            label: &self.label,
            street: &self.street,
            postcode: &self.postcode,
            city: &self.city,
            instructions: &self.instructions,
        }
    }

    fn validate(&self) -> Result<AddressInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        let input = AddressInput {
            label: errors.check("label", fields::text(&self.label, 50, true)).unwrap_or_default(),
            street: errors.check("street", fields::text(&self.street, 200, false)).unwrap_or_default(),
            postcode: errors.check("postcode", fields::postcode(&self.postcode)).unwrap_or_default(),
            city: errors.check("city", fields::text(&self.city, 100, false)).unwrap_or_default(),
            instructions: errors.check("instructions", fields::note(&self.instructions, 300)).unwrap_or_default(),
        };
        if errors.is_empty() {
            Ok(input)
        } else {
            Err(errors)
        }
    }
}

#[post("/account/addresses", data = "<form>")]
async fn add_address(db: &Db, user: Customer, page: Page<'_>, form: CsrfForm<AddressForm>) -> FormResult {
    let form = form.0;
    let input = match form.validate() {
        Ok(input) => input,
        Err(errors) => return invalid(account_page(db, &page, user.0.id, None, Some((&form, &errors)), None).await?),
    };
    if addresses::create(db, user.0.id, &input).await?.is_none() {
        let mut errors = FieldErrors::new();
        errors
            .add("street", format!("Vous avez déjà {} adresses : supprimez-en une d'abord.", addresses::MAX_PER_USER));
        return invalid(account_page(db, &page, user.0.id, None, Some((&form, &errors)), None).await?);
    }
    done("/account#adresses", "Adresse ajoutée.")
}

#[get("/account/addresses/<id>")]
async fn address_page(db: &Db, user: Customer, page: Page<'_>, id: i64) -> Result<Markup> {
    let address = addresses::get(db, user.0.id, id).await?.ok_or(Error::NotFound)?;
    Ok(views::account::edit_address(&page.nav(), &page.csrf, id, &(&address).into(), &FieldErrors::new()))
}

#[post("/account/addresses/<id>", data = "<form>")]
async fn update_address(db: &Db, user: Customer, page: Page<'_>, id: i64, form: CsrfForm<AddressForm>) -> FormResult {
    // Someone else's address does not exist, as far as this customer can tell.
    addresses::get(db, user.0.id, id).await?.ok_or(Error::NotFound)?;
    let form = form.0;
    let input = match form.validate() {
        Ok(input) => input,
        Err(errors) => {
            return invalid(views::account::edit_address(&page.nav(), &page.csrf, id, &form.values(), &errors))
        }
    };
    if !addresses::update(db, user.0.id, id, &input).await? {
        return Err(Error::NotFound);
    }
    done("/account#adresses", "Adresse enregistrée.")
}

#[post("/account/addresses/<id>/delete", data = "<_form>")]
async fn delete_address(db: &Db, user: Customer, id: i64, _form: CsrfForm<NoFields>) -> FormResult {
    if !addresses::delete(db, user.0.id, id).await? {
        return Err(Error::NotFound);
    }
    done("/account#adresses", "Adresse supprimée.")
}

/// Everything we hold about the customer, as a JSON download (RGPD, right of access).
#[derive(Responder)]
#[response(content_type = "json")]
struct Download {
    body: String,
    disposition: Header<'static>,
}

#[get("/account/export")]
async fn export(db: &Db, user: Customer) -> Result<Download> {
    let id = user.0.id;
    let record = users::get(db, id).await?.ok_or(Error::NotFound)?;
    let addresses = addresses::list(db, id).await?;
    let (orders, lines) = users::orders_for_export(db, id).await?;
    let document = serde_json::json!({
        "exported_at": unix_now(),
        "account": {
            "email": record.email,
            "full_name": record.full_name,
            "phone": record.phone,
            "created_at": record.created_at,
        },
        "addresses": addresses,
        "orders": orders,
        "order_lines": lines,
    });
    let body = serde_json::to_string_pretty(&document).map_err(|e| Error::Integrity(e.to_string()))?;
    Ok(Download {
        body,
        disposition: Header::new("Content-Disposition", "attachment; filename=\"mes-donnees-oc-pizza.json\""),
    })
}

#[get("/account/delete")]
fn delete_page(_user: Customer, page: Page<'_>) -> Markup {
    views::account::delete_account(&page.nav(), &page.csrf, &FieldErrors::new())
}

#[derive(FromForm)]
struct ConfirmForm {
    #[field(default = String::new())]
    password: String,
}

/// RGPD erasure: personal data goes, orders stay (anonymised) for the accounts.
#[post("/account/delete", data = "<form>")]
async fn delete_account(
    db: &Db,
    cookies: &CookieJar<'_>,
    user: Customer,
    page: Page<'_>,
    form: CsrfForm<ConfirmForm>,
) -> Result<(Status, Markup)> {
    let user = user.0;
    let mut errors = FieldErrors::new();
    let stored = users::password_hash(db, user.id).await?;
    if !crypto::verify_password_blocking(form.0.password, stored).await? {
        errors.add("password", "Le mot de passe est incorrect.");
    } else if users::open_order_count(db, user.id).await? > 0 {
        errors.add(
            "password",
            "Une de vos commandes est en cours : vous pourrez supprimer votre compte une fois livrée.",
        );
    }
    if !errors.is_empty() {
        return Ok((Status::UnprocessableEntity, views::account::delete_account(&page.nav(), &page.csrf, &errors)));
    }
    users::erase(db, user.id).await?;
    cookies.remove_private(SESSION_COOKIE);
    tracing::info!(user_id = user.id, "customer account erased");
    Ok((Status::Ok, views::account::goodbye(&Default::default())))
}

#[get("/account/tokens")]
async fn tokens_page(
    db: &Db,
    settings: &State<Settings>,
    cookies: &CookieJar<'_>,
    user: StaffMember,
    page: Page<'_>,
    flash: Option<FlashMessage<'_>>,
) -> Result<Markup> {
    let tokens = api_tokens::list(db, user.0.id).await?;
    let lifetimes = settings.security.token_lifetimes();
    let created = shown_once::take(cookies, &format!("token-{}", user.0.id));
    let view = views::account::TokensPage {
        tokens: &tokens,
        created: created.as_deref(),
        name: "",
        notice: flash.as_ref().map(FlashMessage::message),
        lifetimes: &lifetimes,
        days: settings.security.api_token_default_days,
        read_only: false,
        now: unix_now(),
    };
    Ok(views::account::tokens(&page.nav(), &page.csrf, &view, &FieldErrors::new()))
}

#[derive(FromForm)]
struct TokenForm {
    #[field(default = String::new())]
    name: String,
    /// Days of validity: text, so that nonsense gets a French message rather than a 422.
    #[field(default = String::new())]
    days: String,
    #[field(default = false)]
    read_only: bool,
}

/// The token is shown once, on the page the form redirects to; only its digest is kept.
#[post("/account/tokens", data = "<form>")]
async fn create_token(
    db: &Db,
    settings: &State<Settings>,
    cookies: &CookieJar<'_>,
    user: StaffMember,
    page: Page<'_>,
    form: CsrfForm<TokenForm>,
) -> Result<Either<(Status, Markup), Flash<Redirect>>> {
    let (user, form) = (user.0, form.0);
    let security = &settings.security;
    let now = unix_now();
    let mut errors = FieldErrors::new();
    let name = errors.check("name", fields::text(&form.name, 100, false));
    let days = match form.days.trim() {
        "" => Some(security.api_token_default_days),
        typed => errors.check(
            "days",
            typed
                .parse::<i64>()
                .ok()
                .filter(|d| (1..=security.api_token_max_days).contains(d))
                .ok_or(format!("Choisissez une durée de 1 à {} jours.", security.api_token_max_days)),
        ),
    };
    let lifetimes = security.token_lifetimes();
    let (Some(name), Some(days)) = (name, days) else {
        let tokens = api_tokens::list(db, user.id).await?;
        let view = views::account::TokensPage {
            tokens: &tokens,
            created: None,
            name: &form.name,
            notice: None,
            lifetimes: &lifetimes,
            days: security.api_token_default_days,
            read_only: form.read_only,
            now,
        };
        let markup = views::account::tokens(&page.nav(), &page.csrf, &view, &errors);
        return Ok(Either::Left((Status::UnprocessableEntity, markup)));
    };
    let token = format!("ocp_{}", crypto::random_token());
    let new_token = api_tokens::NewToken {
        name: &name,
        token_hash: &crypto::token_digest(&token),
        prefix: &token[..12],
        expires_at: now + days * 86_400,
        read_only: form.read_only,
    };
    api_tokens::create(db, user.id, &new_token).await?;
    shown_once::keep(cookies, &format!("token-{}", user.id), &token, settings.cookie_secure);
    Ok(Either::Right(Flash::success(Redirect::to("/account/tokens"), "Jeton créé.")))
}

#[post("/account/tokens/<id>/revoke", data = "<_form>")]
async fn revoke_token(db: &Db, user: StaffMember, id: i64, _form: CsrfForm<NoFields>) -> FormResult {
    if !api_tokens::revoke(db, user.0.id, id, unix_now()).await? {
        return Err(Error::NotFound);
    }
    done("/account/tokens", "Jeton révoqué.")
}
