//! The chain's pizzerias, for admins: the list and a pizzeria's form.

use maud::{html, Markup};

use super::forms::{csrf, notice};
use super::layout::{page, Nav};
use crate::domain::pizzerias::{weekday_name, DayPickers};

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
    /// Per weekday (index 0 = Monday), the time pickers' values.
    pub hours: Vec<DayPickers>,
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
                div.field.checkbox {
                    input #active type="checkbox" name="active" value="true" checked[v.active] aria-describedby="active-aide";
                    label for="active" { "Ouverte aux clients" }
                }
                p.hint #active-aide { "Une pizzeria ouvre aux clients une fois son stock reçu : sans stock, toutes ses pizzas seraient épuisées." }
                fieldset.hours {
                    legend { "Horaires d'ouverture" }
                    p.hint { "Une ou deux plages par jour ; un jour sans plage est fermé. Fermeture à minuit : 00:00." }
                    @for (index, ranges) in v.hours.iter().enumerate() {
                        @let weekday = index + 1;
                        @let day = weekday_name(weekday);
                        div.hours-day {
                            span.hours-name { (day) }
                            @for (range, (opens, closes)) in ranges.iter().enumerate() {
                                span.hours-range {
                                    @let id = format!("h{weekday}-{range}");
                                    label.visually-hidden for={ (id) "-o" } { (day) ", plage " (range + 1) " : ouverture" }
                                    input id={ (id) "-o" } type="time" name={ "hours[" (weekday) "-" (range) "-opens]" } value=(opens);
                                    span aria-hidden="true" { " à " }
                                    label.visually-hidden for={ (id) "-c" } { (day) ", plage " (range + 1) " : fermeture" }
                                    input id={ (id) "-c" } type="time" name={ "hours[" (weekday) "-" (range) "-closes]" } value=(closes);
                                }
                            }
                        }
                    }
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
