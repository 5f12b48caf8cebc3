//! Account management, mounted twice: under `/admin` (every account, admins only) and under
//! `/manage` (a manager's counter, pizzaiolo and driver accounts). The rule of who may
//! manage whom is `domain::roles`; accounts out of reach answer 404.

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
use crate::domain::roles::{assignable_roles, check_account_change, may_manage, Actor, Role};
use crate::store::login_throttle;
use crate::store::pizzerias;
use crate::store::users::{self, CreateError, Filter, NewUser, UserRecord};
use crate::views::users::{AccountValues, EditPage, FormPage, ListFilters, ListPage};
use crate::web::auth::AccountManager;
use crate::web::csrf::{CsrfForm, NoFields, Page};
use crate::web::shown_once;
use crate::{unix_now, views, Error, Result};

pub fn routes() -> Vec<Route> {
    routes![list, new_page, create, edit_page, update, disable, enable, reset_password, unlock]
}

type FormResult = Result<Either<(Status, Markup), Flash<Redirect>>>;

/// The pizzerias this manager may pick from: all for an admin, their own for a manager.
async fn pizzeria_choices(db: &Db, manager: &AccountManager) -> Result<Vec<(i64, String)>> {
    let only = if manager.user.role == Role::Admin { None } else { manager.user.pizzeria_id.or(Some(-1)) };
    pizzerias::names(db, only).await
}

/// The account `id`, if `actor` manages it (`domain::roles::may_manage`); otherwise it
/// does not exist for them (404). Shared with the JSON API.
pub(crate) async fn managed_account(db: &Db, actor: Actor, id: i64) -> Result<UserRecord> {
    let record = users::get(db, id).await?.ok_or(Error::NotFound)?;
    match record.role() {
        Some(role) if may_manage(actor, role, record.pizzeria_id) => Ok(record),
        _ => Err(Error::NotFound),
    }
}

/// The list's filters, from the query string.
#[derive(FromForm, Default)]
struct ListQuery {
    role: Option<String>,
    pizzeria: Option<String>,
    active: Option<String>,
    q: Option<String>,
}

#[get("/users?<query..>")]
async fn list(
    db: &Db,
    manager: AccountManager,
    page: Page<'_>,
    flash: Option<FlashMessage<'_>>,
    query: ListQuery,
) -> Result<Markup> {
    let (role, pizzeria, active) = (query.role.as_deref(), query.pizzeria.as_deref(), query.active.as_deref());
    let q = query.q.as_deref();
    let actor = manager.actor();
    let visible_roles: Vec<Role> = match actor.role {
        Role::Admin => Role::ALL.to_vec(),
        _ => assignable_roles(actor).to_vec(),
    };
    let search = q.map(str::trim).filter(|q| !q.is_empty() && q.chars().count() <= 100);
    let filter = Filter {
        role: role.and_then(Role::parse),
        pizzeria_id: pizzeria.and_then(|p| p.parse().ok()),
        active: active.and_then(|a| a.parse().ok()),
        search: search.map(str::to_string),
        scope_pizzeria: if actor.role == Role::Admin { None } else { actor.pizzeria_id.or(Some(-1)) },
        scope_roles: if actor.role == Role::Admin { None } else { Some(visible_roles.clone()) },
    };
    let found = users::list(db, &filter).await?;
    let pizzerias = pizzeria_choices(db, &manager).await?;
    let locked_digests = login_throttle::locked_accounts(db, unix_now()).await?;
    let locked = found
        .iter()
        .filter(|user| user.email.as_deref().is_some_and(|email| locked_digests.contains(&crypto::token_digest(email))))
        .map(|user| user.id)
        .collect();
    let view = ListPage {
        base: manager.base,
        users: &found,
        filters: ListFilters {
            role: role.unwrap_or_default(),
            pizzeria: pizzeria.unwrap_or_default(),
            active: active.unwrap_or_default(),
            search: search.unwrap_or_default(),
        },
        roles: &visible_roles,
        pizzerias: &pizzerias,
        notice: flash.as_ref().map(FlashMessage::message),
        truncated: found.len() as i64 >= users::LIST_LIMIT,
        locked: &locked,
    };
    Ok(views::users::list(&page.nav(), &view))
}

#[get("/users/new")]
async fn new_page(db: &Db, manager: AccountManager, page: Page<'_>) -> Result<Markup> {
    let pizzerias = pizzeria_choices(db, &manager).await?;
    let view = FormPage {
        base: manager.base,
        csrf: &page.csrf,
        roles: assignable_roles(manager.actor()),
        pizzerias: &pizzerias,
        values: AccountValues::default(),
        errors: &FieldErrors::new(),
    };
    Ok(views::users::new_account(&page.nav(), &view))
}

#[derive(FromForm)]
struct AccountForm {
    #[field(default = String::new())]
    full_name: String,
    #[field(default = String::new())]
    email: String,
    #[field(default = String::new())]
    phone: String,
    #[field(default = String::new())]
    role: String,
    #[field(default = String::new())]
    pizzeria: String,
}

impl AccountForm {
    fn values(&self) -> AccountValues<'_> {
        AccountValues {
            full_name: &self.full_name,
            email: &self.email,
            phone: &self.phone,
            role: &self.role,
            pizzeria: &self.pizzeria,
        }
    }

    /// The role and pizzeria asked for, checked against what `manager` may give.
    fn role_and_pizzeria(
        &self,
        manager: &AccountManager,
        target: Option<i64>,
        errors: &mut FieldErrors,
    ) -> Option<(Role, Option<i64>)> {
        let Some(role) = Role::parse(self.role.trim()) else {
            errors.add("role", "Choisissez un rôle dans la liste.");
            return None;
        };
        let pizzeria_id = match self.pizzeria.trim() {
            "" => None,
            value => match value.parse::<i64>() {
                Ok(id) => Some(id),
                Err(_) => {
                    errors.add("pizzeria", "Choisissez une pizzeria dans la liste.");
                    return None;
                }
            },
        };
        let pizzeria_id = if role.belongs_to_a_pizzeria() { pizzeria_id } else { None };
        if let Err(message) = check_account_change(manager.actor(), target, role, pizzeria_id) {
            errors.add(if message.contains("pizzeria") { "pizzeria" } else { "role" }, message);
            return None;
        }
        Some((role, pizzeria_id))
    }
}

#[post("/users", data = "<form>")]
async fn create(
    db: &Db,
    settings: &State<Settings>,
    cookies: &CookieJar<'_>,
    manager: AccountManager,
    page: Page<'_>,
    form: CsrfForm<AccountForm>,
) -> FormResult {
    let form = form.0;
    let mut errors = FieldErrors::new();
    let full_name = errors.check("full_name", fields::person_name(&form.full_name));
    let email = errors.check("email", fields::email(&form.email));
    let phone = errors.check("phone", fields::optional_french_phone(&form.phone));
    let role = form.role_and_pizzeria(&manager, None, &mut errors);
    let pizzerias = pizzeria_choices(db, &manager).await?;
    let render = |errors: &FieldErrors| {
        let view = FormPage {
            base: manager.base,
            csrf: &page.csrf,
            roles: assignable_roles(manager.actor()),
            pizzerias: &pizzerias,
            values: form.values(),
            errors,
        };
        Either::Left((Status::UnprocessableEntity, views::users::new_account(&page.nav(), &view)))
    };
    let (Some(full_name), Some(email), Some(phone), Some((role, pizzeria_id))) = (full_name, email, phone, role) else {
        return Ok(render(&errors));
    };
    if pizzeria_id.is_some_and(|id| !pizzerias.iter().any(|(known, _)| *known == id)) {
        errors.add("pizzeria", "Choisissez une pizzeria dans la liste.");
        return Ok(render(&errors));
    }
    let one_time = crypto::one_time_password();
    let hash = crypto::hash_password_blocking(one_time.clone()).await?;
    let new_user = NewUser {
        email: &email,
        password_hash: &hash,
        full_name: &full_name,
        phone: phone.as_deref(),
        role,
        pizzeria_id,
        must_change_password: true,
    };
    let id = match users::create(db, &new_user).await {
        Ok(id) => id,
        Err(CreateError::EmailTaken) => {
            errors.add("email", "Un compte existe déjà avec cette adresse e-mail.");
            return Ok(render(&errors));
        }
        Err(CreateError::Other(error)) => return Err(error),
    };
    tracing::info!(by = manager.user.id, user_id = id, role = role.as_str(), "account created");
    // The account's page shows the password once; a refresh there creates nothing.
    shown_once::keep(cookies, &format!("user-{id}"), &one_time, settings.cookie_secure);
    Ok(Either::Right(Flash::success(Redirect::to(format!("{}/users/{id}", manager.base)), "Compte créé.")))
}

/// What the account page shows besides the account: a one-time password just made, a
/// notice, the login lock.
#[derive(Default)]
struct Extras<'a> {
    one_time_password: Option<&'a str>,
    notice: Option<&'a str>,
    locked_until: Option<i64>,
}

fn edit_markup(
    manager: &AccountManager,
    page: &Page<'_>,
    record: &UserRecord,
    pizzerias: &[(i64, String)],
    form: Option<(&AccountForm, &FieldErrors)>,
    extras: Extras<'_>,
) -> Markup {
    let Extras { one_time_password, notice, locked_until } = extras;
    let pizzeria = record.pizzeria_id.map(|id| id.to_string()).unwrap_or_default();
    let no_errors = FieldErrors::new();
    let values = match form {
        Some((form, _)) => form.values(),
        None => AccountValues {
            full_name: &record.full_name,
            email: record.email.as_deref().unwrap_or_default(),
            phone: record.phone.as_deref().unwrap_or_default(),
            role: &record.role,
            pizzeria: &pizzeria,
        },
    };
    let view = EditPage {
        form: FormPage {
            base: manager.base,
            csrf: &page.csrf,
            roles: assignable_roles(manager.actor()),
            pizzerias,
            values,
            errors: form.map_or(&no_errors, |(_, errors)| errors),
        },
        user: record,
        is_self: record.id == manager.user.id,
        one_time_password,
        notice,
        locked_until,
    };
    views::users::edit_account(&page.nav(), &view)
}

#[get("/users/<id>")]
async fn edit_page(
    db: &Db,
    cookies: &CookieJar<'_>,
    manager: AccountManager,
    page: Page<'_>,
    flash: Option<FlashMessage<'_>>,
    id: i64,
) -> Result<Markup> {
    let record = managed_account(db, manager.actor(), id).await?;
    let pizzerias = pizzeria_choices(db, &manager).await?;
    let locked_until = match record.email.as_deref() {
        Some(email) => login_throttle::locked_until(db, &crypto::token_digest(email), unix_now()).await?,
        None => None,
    };
    let one_time = shown_once::take(cookies, &format!("user-{id}"));
    let extras = Extras {
        one_time_password: one_time.as_deref(),
        notice: flash.as_ref().map(FlashMessage::message),
        locked_until,
    };
    Ok(edit_markup(&manager, &page, &record, &pizzerias, None, extras))
}

/// Lifts the login locks of an account (its owner mistyped; an attacker's guesses would
/// rather call for a new password).
#[post("/users/<id>/unlock", data = "<_form>")]
async fn unlock(db: &Db, manager: AccountManager, id: i64, _form: CsrfForm<NoFields>) -> Result<Flash<Redirect>> {
    let record = managed_account(db, manager.actor(), id).await?;
    let email = record.email.as_deref().ok_or(Error::NotFound)?;
    let lifted = login_throttle::unlock(db, &crypto::token_digest(email)).await?;
    tracing::info!(by = manager.user.id, user_id = id, counters = lifted, "login unlocked");
    Ok(Flash::success(Redirect::to(format!("{}/users/{id}", manager.base)), "Connexion débloquée."))
}

#[post("/users/<id>", data = "<form>")]
async fn update(db: &Db, manager: AccountManager, page: Page<'_>, id: i64, form: CsrfForm<AccountForm>) -> FormResult {
    let record = managed_account(db, manager.actor(), id).await?;
    let form = form.0;
    let mut errors = FieldErrors::new();
    let full_name = errors.check("full_name", fields::person_name(&form.full_name));
    let phone = errors.check("phone", fields::optional_french_phone(&form.phone));
    let is_customer = record.role() == Some(Role::Customer);
    let role = if is_customer { None } else { form.role_and_pizzeria(&manager, Some(id), &mut errors) };
    let pizzerias = pizzeria_choices(db, &manager).await?;
    if let Some((_, Some(pizzeria_id))) = role {
        if !pizzerias.iter().any(|(known, _)| *known == pizzeria_id) {
            errors.add("pizzeria", "Choisissez une pizzeria dans la liste.");
        }
    }
    let (Some(full_name), Some(phone), true) = (full_name, phone, errors.is_empty()) else {
        let markup = edit_markup(&manager, &page, &record, &pizzerias, Some((&form, &errors)), Extras::default());
        return Ok(Either::Left((Status::UnprocessableEntity, markup)));
    };
    users::update_profile(db, id, &full_name, phone.as_deref()).await?;
    if let Some((role, pizzeria_id)) = role {
        users::set_role(db, id, role, pizzeria_id).await?;
    }
    tracing::info!(by = manager.user.id, user_id = id, "account updated");
    Ok(Either::Right(Flash::success(Redirect::to(format!("{}/users/{id}", manager.base)), "Compte enregistré.")))
}

#[post("/users/<id>/disable", data = "<_form>")]
async fn disable(db: &Db, manager: AccountManager, id: i64, _form: CsrfForm<NoFields>) -> Result<Flash<Redirect>> {
    let record = managed_account(db, manager.actor(), id).await?;
    let back = Redirect::to(format!("{}/users/{id}", manager.base));
    if record.id == manager.user.id {
        return Ok(Flash::error(back, "Vous ne pouvez pas désactiver votre propre compte."));
    }
    users::set_active(db, id, false).await?;
    tracing::info!(by = manager.user.id, user_id = id, "account disabled; its sessions and tokens ended");
    Ok(Flash::success(back, "Compte désactivé : ses sessions et jetons sont fermés."))
}

#[post("/users/<id>/enable", data = "<_form>")]
async fn enable(db: &Db, manager: AccountManager, id: i64, _form: CsrfForm<NoFields>) -> Result<Flash<Redirect>> {
    let record = managed_account(db, manager.actor(), id).await?;
    if record.email.is_none() {
        return Err(Error::NotFound); // erased: nothing to re-enable
    }
    users::set_active(db, id, true).await?;
    tracing::info!(by = manager.user.id, user_id = id, "account enabled");
    Ok(Flash::success(Redirect::to(format!("{}/users/{id}", manager.base)), "Compte réactivé."))
}

/// A one-time password, shown once on the account's page, to be changed at the next login.
#[post("/users/<id>/reset-password", data = "<_form>")]
async fn reset_password(
    db: &Db,
    settings: &State<Settings>,
    cookies: &CookieJar<'_>,
    manager: AccountManager,
    id: i64,
    _form: CsrfForm<NoFields>,
) -> Result<Flash<Redirect>> {
    let record = managed_account(db, manager.actor(), id).await?;
    if record.id == manager.user.id || record.role() == Some(Role::Customer) || record.email.is_none() {
        return Err(Error::BadRequest("Ce mot de passe ne peut pas être réinitialisé ici.".into()));
    }
    let one_time = crypto::one_time_password();
    let hash = crypto::hash_password_blocking(one_time.clone()).await?;
    users::set_password(db, id, &hash, true).await?;
    tracing::info!(by = manager.user.id, user_id = id, "password reset");
    shown_once::keep(cookies, &format!("user-{id}"), &one_time, settings.cookie_secure);
    Ok(Flash::success(Redirect::to(format!("{}/users/{id}", manager.base)), "Mot de passe réinitialisé."))
}
