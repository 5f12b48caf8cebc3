//! The menu's management pages: the pizzas (admins edit them), a pizzeria's withdrawals
//! for the day, and a pizza's form with its recipe and memo steps.

use maud::{html, Markup};

use super::forms::{csrf, notice};
use super::layout::{page, Nav};
use crate::domain::menu::ALLERGENS;
use crate::domain::money::{format_eur, format_vat_rate};
use crate::store::menu_admin::{IngredientRow, PizzaRow};
use crate::views::screens::Here;

pub struct MenuPage<'a> {
    pub csrf: &'a str,
    pub admin: bool,
    /// The pizzeria whose withdrawals are shown (none: an admin who has not chosen).
    pub here: Option<&'a Here>,
    pub pizzas: &'a [PizzaRow],
    pub withdrawn: &'a [i64],
    /// (slug, name) of the pizzerias an admin may pick.
    pub choices: &'a [Here],
    pub ingredients: &'a [IngredientRow],
    pub notice: Option<&'a str>,
}

pub fn menu(nav: &Nav, view: &MenuPage<'_>) -> Markup {
    page(
        "Carte",
        nav,
        html! {
            h1 { "Carte" @if let Some(here) = view.here { " " span.lead { (here.name) } } }
            (notice(view.notice))
            @if view.admin {
                p { a.button href="/manage/menu/pizzas/new" { "+ Nouvelle pizza" } }
                @if !view.choices.is_empty() {
                    p { "Retirer une pizza pour la journée dans une pizzeria : "
                        @for (i, choice) in view.choices.iter().enumerate() {
                            @if i > 0 { ", " } a href=(format!("/manage/menu?pizzeria={}", choice.slug)) { (choice.name) }
                        }
                    }
                }
            }
            @if view.admin {
                h2 { "Ingrédients" }
                p { a.button href="/manage/menu/ingredients/new" { "+ Nouvel ingrédient" } }
                ul.ingredient-list { @for row in view.ingredients {
                    li data-ingredient=(row.code) {
                        a href=(format!("/manage/menu/ingredients/{}", row.code)) { (row.name) }
                        " (" (row.unit) ")"
                        @if !row.allergens.is_empty() {
                            " — " (row.allergens.iter().map(|a| super::public::allergen_label(a)).collect::<Vec<_>>().join(", "))
                        }
                    }
                } }
                h2 { "Pizzas" }
            }
            table.menu-admin {
                thead { tr {
                    th scope="col" { "Pizza" } th scope="col" { "Prix TTC" } th scope="col" { "TVA" } th scope="col" { "À la carte" }
                    @if view.here.is_some() { th scope="col" { "Aujourd'hui" } }
                    @if view.admin { th scope="col" { "Recette" } }
                } }
                tbody { @for pizza in view.pizzas {
                    @let out = view.withdrawn.contains(&pizza.id);
                    tr data-pizza=(pizza.slug) {
                        td { (pizza.name) }
                        td.qty { (format_eur(pizza.price_cents)) }
                        td.qty { (format_vat_rate(pizza.vat_rate_bp)) }
                        td { @if pizza.active { "oui" } @else { "non" } }
                        @if let (Some(here), true) = (view.here, pizza.active) {
                            td {
                                form.inline method="post" action="/manage/menu/withdrawals" {
                                    (csrf(view.csrf))
                                    input type="hidden" name="pizzeria" value=(here.slug);
                                    input type="hidden" name="pizza" value=(pizza.slug);
                                    input type="hidden" name="withdrawn" value=(if out { "false" } else { "true" });
                                    @if out {
                                        span.badge.badge-out { "retirée" } " "
                                        button.button type="submit" { "Remettre" }
                                    } @else {
                                        button.button.danger type="submit" { "Retirer aujourd'hui" }
                                    }
                                }
                            }
                        } @else if view.here.is_some() { td { "—" } }
                        @if view.admin { td { a href=(format!("/manage/menu/pizzas/{}", pizza.slug)) { "Modifier" } } }
                    }
                } }
            }
        },
    )
}

/// What the pizza form shows.
#[derive(Debug, Clone, Default)]
pub struct EditValues {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub price: String,
    pub vat: String,
    pub active: bool,
    pub sort_order: String,
    pub recipe: String,
    pub steps: String,
    pub problem: Option<String>,
}

pub fn edit(nav: &Nav, token: &str, creating: bool, v: &EditValues, codes: &[String]) -> Markup {
    let title = if creating { "Nouvelle pizza".to_string() } else { format!("Modifier {}", v.name) };
    let action =
        if creating { "/manage/menu/pizzas/new".to_string() } else { format!("/manage/menu/pizzas/{}", v.slug) };
    page(
        &title,
        nav,
        html! {
            nav.breadcrumb { a href="/manage/menu" { "Carte" } " › " (title) }
            h1 { (title) }
            @if let Some(problem) = &v.problem { p.form-errors role="alert" { (problem) } }
            form.stacked method="post" action=(action) {
                (csrf(token))
                @if creating {
                    div.field { label for="slug" { "Identifiant (dans les adresses)" } input #slug type="text" name="slug" required value=(v.slug); }
                }
                div.field { label for="name" { "Nom" } input #name type="text" name="name" required maxlength="80" value=(v.name); }
                div.field { label for="description" { "Description" } input #description type="text" name="description" maxlength="300" value=(v.description); }
                div.field { label for="price" { "Prix TTC (€)" } input #price type="text" name="price" inputmode="decimal" required value=(v.price); }
                div.field { label for="vat" { "TVA (%)" } input #vat type="text" name="vat" inputmode="decimal" required value=(v.vat); }
                div.field { label for="sort_order" { "Ordre sur la carte" } input #sort_order type="text" name="sort_order" inputmode="numeric" value=(v.sort_order); }
                div.field.checkbox { input #active type="checkbox" name="active" value="true" checked[v.active]; label for="active" { "À la carte" } }
                div.field {
                    label for="recipe" { "Recette : un ingrédient par ligne, son code puis la quantité (g, ml ou pièces)" }
                    textarea #recipe name="recipe" rows="8" { (v.recipe) }
                    p.hint { "Codes : " (codes.join(", ")) }
                }
                div.field {
                    label for="steps" { "Étapes de l'aide-mémoire, une par ligne" }
                    textarea #steps name="steps" rows="6" { (v.steps) }
                }
                button.button type="submit" { "Enregistrer" }
            }
        },
    )
}

/// An ingredient's form: name, unit (fixed once created), allergens from the EU list.
pub fn ingredient(nav: &Nav, token: &str, creating: bool, row: &IngredientRow, problem: Option<&str>) -> Markup {
    let title = if creating { "Nouvel ingrédient".to_string() } else { row.name.clone() };
    let action = if creating {
        "/manage/menu/ingredients/new".to_string()
    } else {
        format!("/manage/menu/ingredients/{}", row.code)
    };
    page(
        &title,
        nav,
        html! {
            nav.breadcrumb { a href="/manage/menu" { "Carte" } " › " (title) }
            h1 { (title) }
            @if let Some(problem) = problem { p.form-errors role="alert" { (problem) } }
            form.stacked method="post" action=(action) {
                (csrf(token))
                @if creating {
                    div.field { label for="code" { "Code (dans les recettes)" } input #code type="text" name="code" required value=(row.code); }
                }
                div.field { label for="name" { "Nom" } input #name type="text" name="name" required maxlength="80" value=(row.name); }
                div.field {
                    label for="unit" { "Unité" }
                    select #unit name="unit" disabled[!creating] {
                        @for (value, label) in [("g", "grammes"), ("ml", "millilitres"), ("piece", "pièces")] {
                            option value=(value) selected[row.unit == value] { (label) }
                        }
                    }
                    @if !creating { p.hint { "L'unité ne change plus : le stock et les recettes sont comptés dans cette unité." } }
                }
                fieldset {
                    legend { "Allergènes (liste européenne)" }
                    @for code in ALLERGENS {
                        div.field.checkbox {
                            input id=(format!("allergen-{code}")) type="checkbox" name="allergens" value=(code) checked[row.allergens.iter().any(|a| a == code)];
                            label for=(format!("allergen-{code}")) { (super::public::allergen_label(code)) }
                        }
                    }
                }
                button.button type="submit" { "Enregistrer" }
            }
        },
    )
}
