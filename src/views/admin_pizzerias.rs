//! The chain's pizzerias, for admins: the list and a pizzeria's form.

use maud::{html, Markup};

use super::forms::{csrf, notice};
use super::layout::{page, Nav};

pub fn list(nav: &Nav, all: &[(String, String, bool)], message: Option<&str>) -> Markup {
    page(
        "Pizzerias",
        nav,
        html! {
            h1 { "Pizzerias" }
            (notice(message))
            p { a.button href="/admin/pizzerias/new" { "+ Nouvelle pizzeria" } }
            table {
                thead { tr { th scope="col" { "Pizzeria" } th scope="col" { "État" } th scope="col" { "" } } }
                tbody { @for (slug, name, active) in all {
                    tr data-pizzeria=(slug) {
                        td { (name) }
                        td { @if *active { "✔ ouverte aux clients" } @else { "✖ désactivée" } }
                        td { a href=(format!("/admin/pizzerias/{slug}")) { "Modifier" } }
                    }
                } }
            }
        },
    )
}

/// What the form shows.
#[derive(Debug, Clone, Default)]
pub struct PizzeriaValues {
    pub slug: String,
    pub name: String,
    pub street: String,
    pub postcode: String,
    pub city: String,
    pub phone: String,
    pub email: String,
    pub active: bool,
    pub hours: String,
    pub postcodes: String,
    pub closing_days: String,
    pub problem: Option<String>,
}

pub fn edit(nav: &Nav, token: &str, creating: bool, v: &PizzeriaValues) -> Markup {
    let title = if creating { "Nouvelle pizzeria".to_string() } else { v.name.clone() };
    let action = if creating { "/admin/pizzerias/new".to_string() } else { format!("/admin/pizzerias/{}", v.slug) };
    let text = |id: &'static str, label: &'static str, value: &str| {
        html! { div.field { label for=(id) { (label) } input id=(id) type="text" name=(id) value=(value); } }
    };
    page(
        &title,
        nav,
        html! {
            nav.breadcrumb { a href="/admin/pizzerias" { "Pizzerias" } " › " (title) }
            h1 { (title) }
            @if let Some(problem) = &v.problem { p.form-errors role="alert" { (problem) } }
            form.stacked method="post" action=(action) {
                (csrf(token))
                @if creating { (text("slug", "Identifiant (dans les adresses)", &v.slug)) }
                (text("name", "Nom", &v.name))
                (text("street", "Adresse", &v.street))
                (text("postcode", "Code postal", &v.postcode))
                (text("city", "Ville", &v.city))
                (text("phone", "Téléphone", &v.phone))
                (text("email", "E-mail (facultatif)", &v.email))
                div.field.checkbox { input #active type="checkbox" name="active" value="true" checked[v.active]; label for="active" { "Ouverte aux clients" } }
                div.field {
                    label for="hours" { "Horaires : un jour par ligne, ses plages (lundi 11:30-14:30 18:30-23:00) ; un jour absent est fermé" }
                    textarea #hours name="hours" rows="7" { (v.hours) }
                }
                div.field { label for="postcodes" { "Codes postaux livrés (séparés par des virgules)" } textarea #postcodes name="postcodes" rows="2" { (v.postcodes) } }
                div.field {
                    label for="closing_days" { "Jours de fermeture : un par ligne, AAAA-MM-JJ puis le motif (2026-12-25 Noël)" }
                    textarea #closing_days name="closing_days" rows="4" { (v.closing_days) }
                }
                button.button type="submit" { "Enregistrer" }
            }
        },
    )
}
