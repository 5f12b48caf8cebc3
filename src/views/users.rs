//! Account management: `/admin/users` for the group, `/manage/users` for a pizzeria's crew.

use maud::{html, Markup};

use super::forms::{action_button, csrf, notice, summary, Input};
use super::layout::{page, Nav};
use crate::domain::fields::FieldErrors;
use crate::domain::roles::Role;
use crate::store::users::UserRecord;

/// The filters of the list, as typed.
#[derive(Debug, Default)]
pub struct ListFilters<'a> {
    pub role: &'a str,
    pub pizzeria: &'a str,
    pub active: &'a str,
    pub search: &'a str,
}

pub struct ListPage<'a> {
    pub base: &'a str,
    pub users: &'a [UserRecord],
    pub filters: ListFilters<'a>,
    /// Roles and pizzerias this manager may choose from.
    pub roles: &'a [Role],
    pub pizzerias: &'a [(i64, String)],
    pub notice: Option<&'a str>,
    pub truncated: bool,
    /// The accounts whose login is locked now (too many wrong passwords).
    pub locked: &'a std::collections::HashSet<i64>,
}

fn title(base: &str) -> &'static str {
    if base == "/admin" {
        "Comptes utilisateurs"
    } else {
        "Mon équipe"
    }
}

pub fn list(nav: &Nav, view: &ListPage<'_>) -> Markup {
    let base = view.base;
    page(
        title(base),
        nav,
        html! {
            h1 { (title(base)) }
            (notice(view.notice))
            p { a.button href={ (base) "/users/new" } { "Créer un compte" } }
            form.filters method="get" action={ (base) "/users" } {
                label { "Rôle "
                    select name="role" {
                        option value="" { "Tous" }
                        @for role in view.roles { option value=(role.as_str()) selected[view.filters.role == role.as_str()] { (role.label()) } }
                    }
                }
                @if view.pizzerias.len() > 1 {
                    label { "Pizzeria "
                        select name="pizzeria" {
                            option value="" { "Toutes" }
                            @for (id, name) in view.pizzerias {
                                option value=(id) selected[view.filters.pizzeria == id.to_string()] { (name) }
                            }
                        }
                    }
                }
                label { "État "
                    select name="active" {
                        option value="" { "Tous" }
                        option value="true" selected[view.filters.active == "true"] { "Actifs" }
                        option value="false" selected[view.filters.active == "false"] { "Désactivés" }
                    }
                }
                label { "Nom ou e-mail " input type="search" name="q" value=(view.filters.search) maxlength="100"; }
                button.button type="submit" { "Filtrer" }
            }
            @if view.users.is_empty() { p { "Aucun compte ne correspond." } } @else {
                table.users {
                    thead { tr { th { "Nom" } th { "E-mail" } th { "Rôle" } th { "Pizzeria" } th { "État" } } }
                    tbody {
                        @for user in view.users {
                            tr data-user-id=(user.id) {
                                td { a href={ (base) "/users/" (user.id) } { (user.full_name) } }
                                td { (user.email.as_deref().unwrap_or("—")) }
                                td { (user.role().map(Role::label).unwrap_or("?")) }
                                td { (user.pizzeria_name.as_deref().unwrap_or("—")) }
                                td {
                                    @if user.active { "actif" } @else { "désactivé" }
                                    @if view.locked.contains(&user.id) { ", " strong { "connexion bloquée" } }
                                }
                            }
                        }
                    }
                }
                @if view.truncated { p.note { "Seuls les 500 premiers comptes sont affichés : affinez les filtres." } }
            }
        },
    )
}

#[derive(Debug, Default)]
pub struct AccountValues<'a> {
    pub full_name: &'a str,
    pub email: &'a str,
    pub phone: &'a str,
    pub role: &'a str,
    pub pizzeria: &'a str,
}

pub struct FormPage<'a> {
    pub base: &'a str,
    pub csrf: &'a str,
    pub roles: &'a [Role],
    pub pizzerias: &'a [(i64, String)],
    pub values: AccountValues<'a>,
    pub errors: &'a FieldErrors,
}

fn role_and_pizzeria(view: &FormPage<'_>) -> Markup {
    let role_error = view.errors.get("role");
    let pizzeria_error = view.errors.get("pizzeria");
    html! {
        div.field.has-error[role_error.is_some()] {
            label for="champ-role" { "Rôle" }
            select #champ-role name="role" required {
                @for role in view.roles { option value=(role.as_str()) selected[view.values.role == role.as_str()] { (role.label()) } }
            }
            @if let Some(error) = role_error { p.field-error { (error) } }
        }
        div.field.has-error[pizzeria_error.is_some()] {
            label for="champ-pizzeria" { "Pizzeria" }
            select #champ-pizzeria name="pizzeria" {
                @if view.pizzerias.len() > 1 { option value="" { "Aucune (direction du groupe)" } }
                @for (id, name) in view.pizzerias {
                    option value=(id) selected[view.values.pizzeria == id.to_string()] { (name) }
                }
            }
            @if let Some(error) = pizzeria_error { p.field-error { (error) } }
        }
    }
}

pub fn new_account(nav: &Nav, view: &FormPage<'_>) -> Markup {
    page(
        "Créer un compte",
        nav,
        html! {
            nav.breadcrumb aria-label="Fil d'Ariane" { a href={ (view.base) "/users" } { (title(view.base)) } " › Nouveau compte" }
            h1 { "Créer un compte" }
            p { "Un mot de passe à usage unique sera affiché une seule fois ; la personne devra en choisir un à sa première connexion." }
            (summary(view.errors))
            form.stacked method="post" action={ (view.base) "/users" } novalidate {
                (csrf(view.csrf))
                (Input::text("full_name", "Nom et prénom", view.values.full_name).max_length(100).render(view.errors))
                (Input::text("email", "Adresse e-mail", view.values.email).kind("email").render(view.errors))
                (Input::text("phone", "Téléphone", view.values.phone).kind("tel").optional().render(view.errors))
                (role_and_pizzeria(view))
                button.button type="submit" { "Créer le compte" }
            }
        },
    )
}

pub struct EditPage<'a> {
    pub form: FormPage<'a>,
    pub user: &'a UserRecord,
    pub is_self: bool,
    pub one_time_password: Option<&'a str>,
    pub notice: Option<&'a str>,
    /// Until when the account's login is locked (too many wrong passwords), if it is.
    pub locked_until: Option<i64>,
}

pub fn edit_account(nav: &Nav, view: &EditPage<'_>) -> Markup {
    let base = view.form.base;
    let user = view.user;
    let token = view.form.csrf;
    page(
        &format!("Compte de {}", user.full_name),
        nav,
        html! {
            nav.breadcrumb aria-label="Fil d'Ariane" { a href={ (base) "/users" } { (title(base)) } " › " (user.full_name) }
            h1 { (user.full_name) }
            (notice(view.notice))
            @if let Some(password) = view.one_time_password {
                div.notice role="status" {
                    p { strong { "Mot de passe à usage unique : " } code.secret data-one-time-password { (password) } }
                    p { "Communiquez-le à la personne : il ne sera plus affiché. Elle devra le changer à sa prochaine connexion." }
                }
            }
            p { "E-mail : " (user.email.as_deref().unwrap_or("—")) " · État : " @if user.active { "actif" } @else { "désactivé" }
                @if user.must_change_password { " · mot de passe à changer" } }
            @if let Some(until) = view.locked_until {
                div.notice role="status" {
                    p { strong { "Connexion bloquée" } " jusqu'à " (super::paris_time(until, "%H:%M")) " après trop de mots de passe erronés." }
                    p { "Si la personne s'est simplement trompée, débloquez-la ; si ce n'est pas elle, réinitialisez plutôt son mot de passe." }
                    (action_button(&format!("{base}/users/{}/unlock", user.id), token, "Débloquer la connexion", "button"))
                }
            }
            (summary(view.form.errors))
            form.stacked method="post" action={ (base) "/users/" (user.id) } novalidate {
                (csrf(token))
                (Input::text("full_name", "Nom et prénom", view.form.values.full_name).max_length(100).render(view.form.errors))
                (Input::text("phone", "Téléphone", view.form.values.phone).kind("tel").optional().render(view.form.errors))
                @if user.role() != Some(Role::Customer) { (role_and_pizzeria(&view.form)) }
                button.button type="submit" { "Enregistrer" }
            }
            @if !view.is_self {
                div.actions {
                    @if user.active {
                        (action_button(&format!("{base}/users/{}/disable", user.id), token, "Désactiver le compte", "button danger"))
                    } @else {
                        (action_button(&format!("{base}/users/{}/enable", user.id), token, "Réactiver le compte", "button"))
                    }
                    @if user.role() != Some(Role::Customer) {
                        (action_button(&format!("{base}/users/{}/reset-password", user.id), token, "Réinitialiser le mot de passe", "button"))
                    }
                }
            }
        },
    )
}
