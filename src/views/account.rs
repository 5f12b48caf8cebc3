//! Login, registration, and the pages of "Mon compte".

use maud::{html, Markup};

use super::forms::{action_button, csrf, notice, notification_fields, summary, Input};
use super::layout::{page, Nav};
use crate::domain::fields::FieldErrors;
use crate::domain::notifications::Preferences;
use crate::domain::password::MIN_CHARACTERS;
use crate::store::addresses::Address;
use crate::store::api_tokens::ApiToken;
use crate::store::users::UserRecord;

/// What the visitor typed in the login form (never the password).
#[derive(Debug, Default)]
pub struct LoginValues<'a> {
    pub email: &'a str,
    pub next: Option<&'a str>,
    pub remember: bool,
    /// Said above the form (after a password reset).
    pub notice: Option<&'a str>,
}

pub fn login(nav: &Nav, token: &str, values: &LoginValues<'_>, problem: Option<&str>) -> Markup {
    page(
        "Connexion",
        nav,
        html! {
            h1 { "Connexion" }
            (notice(values.notice))
            @if let Some(problem) = problem { p.form-errors role="alert" { (problem) } }
            form.stacked method="post" action="/login" novalidate {
                (csrf(token))
                @if let Some(next) = values.next { input type="hidden" name="next" value=(next); }
                (Input::text("email", "Adresse e-mail", values.email).kind("email").autocomplete("username").render(&FieldErrors::new()))
                (Input::password("password", "Mot de passe", "current-password").render(&FieldErrors::new()))
                div.field.checkbox {
                    input #champ-remember type="checkbox" name="remember" value="true" checked[values.remember];
                    label for="champ-remember" { "Rester connecté (30 jours, clients uniquement)" }
                }
                button.button type="submit" { "Se connecter" }
            }
            p { a href="/password/forgot" { "Mot de passe oublié ?" } }
            p { "Pas encore de compte ? " a href="/register" { "Créer un compte" } }
        },
    )
}

#[derive(Debug, Default)]
pub struct RegisterValues<'a> {
    pub full_name: &'a str,
    pub email: &'a str,
    pub phone: &'a str,
}

pub fn register(nav: &Nav, token: &str, values: &RegisterValues<'_>, errors: &FieldErrors) -> Markup {
    let password_hint =
        format!("Au moins {MIN_CHARACTERS} caractères ; une phrase que vous retenez facilement convient très bien.");
    page(
        "Créer un compte",
        nav,
        html! {
            h1 { "Créer un compte" }
            (summary(errors))
            form.stacked method="post" action="/register" novalidate {
                (csrf(token))
                (Input::text("full_name", "Nom et prénom", values.full_name).autocomplete("name").max_length(100).render(errors))
                (Input::text("email", "Adresse e-mail", values.email).kind("email").autocomplete("email").render(errors))
                (Input::text("phone", "Téléphone", values.phone).kind("tel").autocomplete("tel")
                    .hint("Pour que la pizzeria puisse vous joindre au sujet de votre commande.").render(errors))
                (Input::password("password", "Mot de passe", "new-password").hint(&password_hint).render(errors))
                (Input::password("password_confirmation", "Confirmez le mot de passe", "new-password").render(errors))
                button.button type="submit" { "Créer mon compte" }
            }
            p { "Déjà un compte ? " a href="/login" { "Se connecter" } }
        },
    )
}

pub fn change_password(nav: &Nav, token: &str, forced: bool, errors: &FieldErrors) -> Markup {
    page(
        "Changer de mot de passe",
        nav,
        html! {
            h1 { "Changer de mot de passe" }
            @if forced {
                p.notice role="status" { "Votre mot de passe a été attribué par un responsable : choisissez le vôtre pour continuer." }
            }
            (summary(errors))
            form.stacked method="post" action="/account/password" novalidate {
                (csrf(token))
                (Input::password("current_password", "Mot de passe actuel", "current-password").render(errors))
                (Input::password("new_password", "Nouveau mot de passe", "new-password")
                    .hint("Au moins 10 caractères. Vos autres sessions seront fermées.").render(errors))
                (Input::password("new_password_confirmation", "Confirmez le nouveau mot de passe", "new-password").render(errors))
                button.button type="submit" { "Enregistrer le mot de passe" }
            }
        },
    )
}

#[derive(Debug, Default)]
pub struct ProfileValues<'a> {
    pub full_name: &'a str,
    pub phone: &'a str,
}

#[derive(Debug, Default)]
pub struct AddressValues<'a> {
    pub label: &'a str,
    pub street: &'a str,
    pub postcode: &'a str,
    pub city: &'a str,
    pub instructions: &'a str,
}

impl<'a> From<&'a Address> for AddressValues<'a> {
    fn from(address: &'a Address) -> Self {
        AddressValues {
            label: &address.label,
            street: &address.street,
            postcode: &address.postcode,
            city: &address.city,
            instructions: &address.instructions,
        }
    }
}

pub struct AccountPage<'a> {
    pub user: &'a UserRecord,
    pub addresses: &'a [Address],
    pub profile: ProfileValues<'a>,
    pub profile_errors: &'a FieldErrors,
    pub new_address: AddressValues<'a>,
    pub address_errors: &'a FieldErrors,
    pub notice: Option<&'a str>,
    pub preferences: Preferences,
    /// Does this installation send text messages?
    pub sms_available: bool,
}

pub fn account(nav: &Nav, token: &str, view: &AccountPage<'_>) -> Markup {
    let is_customer = view.user.role == "customer";
    page(
        "Mon compte",
        nav,
        html! {
            h1 { "Mon compte" }
            (notice(view.notice))
            section.card {
                h2 { "Mes informations" }
                p { "Adresse e-mail : " strong { (view.user.email.as_deref().unwrap_or_default()) } }
                @if let Some(role) = view.user.role() { @if role.is_staff() {
                    p { "Rôle : " (role.label()) @if let Some(name) = &view.user.pizzeria_name { " — " (name) } }
                } }
                (summary(view.profile_errors))
                form.stacked method="post" action="/account/profile" novalidate {
                    (csrf(token))
                    (Input::text("full_name", "Nom et prénom", view.profile.full_name).autocomplete("name").max_length(100).render(view.profile_errors))
                    (Input::text("phone", "Téléphone", view.profile.phone).kind("tel").autocomplete("tel").optional().render(view.profile_errors))
                    button.button type="submit" { "Enregistrer" }
                }
                p { a href="/account/password" { "Changer de mot de passe" } }
            }
            @if is_customer {
                section.card #adresses {
                    h2 { "Mes adresses de livraison" }
                    @if view.addresses.is_empty() { p { "Aucune adresse enregistrée." } }
                    ul.address-list {
                        @for address in view.addresses {
                            li {
                                @if !address.label.is_empty() { strong { (address.label) } " — " }
                                (address.street) ", " (address.postcode) " " (address.city)
                                " " a href={ "/account/addresses/" (address.id) } { "Modifier" }
                                " " (action_button(&format!("/account/addresses/{}/delete", address.id), token, "Supprimer", "link danger"))
                            }
                        }
                    }
                    h3 { "Ajouter une adresse" }
                    (summary(view.address_errors))
                    form.stacked method="post" action="/account/addresses" novalidate {
                        (csrf(token))
                        (address_fields(&view.new_address, view.address_errors))
                        button.button type="submit" { "Ajouter l'adresse" }
                    }
                }
            }
            @if is_customer {
                section.card #notifications {
                    h2 { "Mes notifications" }
                    p { "Ce que nous vous envoyons au sujet de vos prochaines commandes." }
                    form.stacked method="post" action="/account/notifications" {
                        (csrf(token))
                        (notification_fields(view.preferences, view.sms_available,
                            "Seulement sur un numéro de mobile (06 ou 07) : indiquez-le ci-dessus."))
                        button.button type="submit" { "Enregistrer mes préférences" }
                    }
                }
            }
            section.card {
                h2 { "Mes commandes" }
                p { a href="/account/orders" { "Voir l'historique de mes commandes" } }
            }
            @if !is_customer {
                section.card {
                    h2 { "Jetons d'API" }
                    p { a href="/account/tokens" { "Gérer mes jetons d'API" } " (scripts, caisse, intégrations)" }
                }
            }
            @if is_customer {
                section.card {
                    h2 { "Mes données personnelles" }
                    p { a href="/account/export" download { "Télécharger mes données (JSON)" } }
                    p { a.danger href="/account/delete" { "Supprimer mon compte" } }
                }
            }
        },
    )
}

pub fn address_fields(values: &AddressValues<'_>, errors: &FieldErrors) -> Markup {
    html! {
        (Input::text("label", "Nom de l'adresse", values.label).optional().hint("Par exemple : Maison, Bureau").max_length(50).render(errors))
        (Input::text("street", "Numéro et rue", values.street).autocomplete("street-address").max_length(200).render(errors))
        (Input::text("postcode", "Code postal", values.postcode).autocomplete("postal-code").max_length(5).render(errors))
        (Input::text("city", "Ville", values.city).autocomplete("address-level2").max_length(100).render(errors))
        (Input::text("instructions", "Instructions pour le livreur", values.instructions).optional()
            .hint("Digicode, étage… (300 caractères au plus)").max_length(300).render(errors))
    }
}

pub fn edit_address(nav: &Nav, token: &str, id: i64, values: &AddressValues<'_>, errors: &FieldErrors) -> Markup {
    page(
        "Modifier une adresse",
        nav,
        html! {
            nav.breadcrumb aria-label="Fil d'Ariane" { a href="/account" { "Mon compte" } " › Adresse" }
            h1 { "Modifier une adresse" }
            (summary(errors))
            form.stacked method="post" action={ "/account/addresses/" (id) } novalidate {
                (csrf(token))
                (address_fields(values, errors))
                button.button type="submit" { "Enregistrer" }
            }
        },
    )
}

pub fn delete_account(nav: &Nav, token: &str, errors: &FieldErrors) -> Markup {
    page(
        "Supprimer mon compte",
        nav,
        html! {
            nav.breadcrumb aria-label="Fil d'Ariane" { a href="/account" { "Mon compte" } " › Suppression" }
            h1 { "Supprimer mon compte" }
            p { "Vos nom, adresse e-mail, téléphone, adresses et mot de passe seront effacés définitivement. "
                "Vos commandes passées sont conservées pour la comptabilité, sans vos coordonnées." }
            p { "Pensez à " a href="/account/export" download { "télécharger vos données" } " avant." }
            (summary(errors))
            form.stacked method="post" action="/account/delete" novalidate {
                (csrf(token))
                (Input::password("password", "Votre mot de passe, pour confirmer", "current-password").render(errors))
                button.button.danger type="submit" { "Supprimer définitivement mon compte" }
            }
        },
    )
}

pub fn goodbye(nav: &Nav) -> Markup {
    page(
        "Compte supprimé",
        nav,
        html! {
            h1 { "Votre compte a été supprimé" }
            p { "Vos données personnelles ont été effacées. Merci d'avoir commandé chez OC Pizza." }
            p { a href="/" { "Revenir à l'accueil" } }
        },
    )
}

pub struct TokensPage<'a> {
    pub tokens: &'a [ApiToken],
    /// A token just created: shown this once.
    pub created: Option<&'a str>,
    pub name: &'a str,
    pub notice: Option<&'a str>,
    /// The lifetimes offered (days) and the one preselected.
    pub lifetimes: &'a [i64],
    pub days: i64,
    pub read_only: bool,
    pub now: i64,
}

fn lifetime_fr(days: i64) -> String {
    match days {
        365 => "1 an".into(),
        730 => "2 ans".into(),
        d if d % 30 == 0 && d >= 60 => format!("{} mois", d / 30),
        1 => "1 jour".into(),
        d => format!("{d} jours"),
    }
}

pub fn tokens(nav: &Nav, token: &str, view: &TokensPage<'_>, errors: &FieldErrors) -> Markup {
    let (tokens, created, name) = (view.tokens, view.created, view.name);
    page(
        "Jetons d'API",
        nav,
        html! {
            nav.breadcrumb aria-label="Fil d'Ariane" { a href="/account" { "Mon compte" } " › Jetons d'API" }
            h1 { "Jetons d'API" }
            (notice(view.notice))
            p { "Un jeton permet à un script ou à une intégration d'utiliser l'API (" code { "/api/v1" } ") avec vos droits : "
                "envoyez-le dans l'en-tête " code { "Authorization: Bearer …" } "." }
            @if let Some(created) = created {
                div.notice role="status" {
                    p { strong { "Voici votre nouveau jeton. Copiez-le maintenant : il ne sera plus jamais affiché." } }
                    p { code.secret data-token { (created) } }
                }
            }
            (summary(errors))
            form.stacked method="post" action="/account/tokens" novalidate {
                (csrf(token))
                (Input::text("name", "Nom du jeton", name).hint("Par exemple : caisse du comptoir").max_length(100).render(errors))
                div.field {
                    label for="champ-days" { "Durée de validité" }
                    select #champ-days name="days" {
                        @for days in view.lifetimes {
                            option value=(days) selected[*days == view.days] { (lifetime_fr(*days)) }
                        }
                    }
                    @if let Some(problem) = errors.get("days") { p.field-error { (problem) } }
                }
                div.field.checkbox {
                    input #champ-read_only type="checkbox" name="read_only" value="true" checked[view.read_only];
                    label for="champ-read_only" { "Lecture seule (consulter, sans rien modifier)" }
                }
                button.button type="submit" { "Créer un jeton" }
            }
            p.hint { "Un jeton cesse de fonctionner à sa date de fin, quand vous le révoquez, et quand le mot de passe du compte change." }
            @if tokens.is_empty() { p { "Aucun jeton." } } @else {
                table {
                    thead { tr { th { "Nom" } th { "Début" } th { "Droits" } th { "État" } th { span.visually-hidden { "Action" } } } }
                    tbody {
                        @for t in tokens {
                            tr {
                                td { (t.name) }
                                td { code { (t.prefix) "…" } }
                                td { @if t.read_only { "lecture seule" } @else { "lecture et écriture" } }
                                td {
                                    @if t.revoked_at.is_some() { "révoqué" }
                                    @else if !t.is_live(view.now) { "expiré" }
                                    @else {
                                        @if t.last_used_at.is_some() { "actif, déjà utilisé" } @else { "actif, jamais utilisé" }
                                        @if let Some(at) = t.expires_at { ", jusqu'au " (super::paris_time(at, "%d/%m/%Y")) }
                                    }
                                }
                                td { @if t.is_live(view.now) {
                                    (action_button(&format!("/account/tokens/{}/revoke", t.id), token, "Révoquer", "link danger"))
                                } }
                            }
                        }
                    }
                }
            }
        },
    )
}
