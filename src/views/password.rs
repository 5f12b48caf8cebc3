//! "Mot de passe oublié": asking for a link, and choosing a new password with it.

use maud::{html, Markup};

use super::forms::{csrf, notice, summary, Input};
use super::layout::{page, Nav};
use crate::domain::fields::FieldErrors;
use crate::domain::password::MIN_CHARACTERS;

pub fn forgot(nav: &Nav, token: &str, email: &str, done: Option<&str>, errors: &FieldErrors) -> Markup {
    page(
        "Mot de passe oublié",
        nav,
        html! {
            h1 { "Mot de passe oublié" }
            (notice(done))
            (summary(errors))
            p { "Indiquez l'adresse e-mail de votre compte : nous vous enverrons un lien pour choisir un nouveau mot de passe." }
            form.stacked method="post" action="/password/forgot" novalidate {
                (csrf(token))
                (Input::text("email", "Adresse e-mail", email).kind("email").autocomplete("username").render(errors))
                button.button type="submit" { "Recevoir le lien" }
            }
            p { a href="/login" { "Revenir à la connexion" } }
        },
    )
}

pub fn reset(nav: &Nav, token: &str, reset_token: &str, errors: &FieldErrors) -> Markup {
    let hint = format!("Au moins {MIN_CHARACTERS} caractères. Toutes vos sessions seront fermées.");
    page(
        "Nouveau mot de passe",
        nav,
        html! {
            h1 { "Choisir un nouveau mot de passe" }
            (summary(errors))
            form.stacked method="post" action={ "/password/reset/" (reset_token) } novalidate {
                (csrf(token))
                (Input::password("new_password", "Nouveau mot de passe", "new-password").hint(&hint).render(errors))
                (Input::password("new_password_confirmation", "Confirmez le nouveau mot de passe", "new-password").render(errors))
                button.button type="submit" { "Enregistrer le mot de passe" }
            }
        },
    )
}

pub fn expired(nav: &Nav) -> Markup {
    page(
        "Lien expiré",
        nav,
        html! {
            h1 { "Ce lien n'est plus valable" }
            p { "Un lien de réinitialisation ne sert qu'une fois et pendant une heure." }
            p { a.button href="/password/forgot" { "Demander un nouveau lien" } }
        },
    )
}
