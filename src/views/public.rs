use maud::{html, Markup, Render};

use super::layout::{page, Nav};
use crate::domain::availability::Availability;
use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::domain::money::format_eur;
use crate::domain::orders::{Mode, MAX_QUANTITY_PER_LINE, NOTE_MAX_CHARACTERS};
use crate::domain::slots::{self, OpenState};
use crate::store::menu::MenuItem;
use crate::store::pizzerias::{OpeningPeriod, Pizzeria, PizzeriaDetails};

/// The home page's answer to "Où livrer ?".
pub enum PostcodeAnswer<'a> {
    None,
    Invalid(&'a str),
    /// The postcode, and whether any pizzeria delivers there.
    Known(&'a str, bool),
}

pub fn home(nav: &Nav, pizzerias: &[PizzeriaDetails], postcode: &PostcodeAnswer<'_>) -> Markup {
    page(
        "Choisissez votre pizzeria",
        nav,
        html! {
            h1 { "Choisissez votre pizzeria" }
            p.lead { "Commandez en ligne, à emporter ou en livraison, dans la pizzeria la plus proche de chez vous." }
            form.filters method="get" action="/" {
                label { "Où livrer ? (code postal)"
                    input type="text" name="postcode" inputmode="numeric" maxlength="5" autocomplete="postal-code"
                        value=[match postcode { PostcodeAnswer::Known(code, _) => Some(*code), PostcodeAnswer::Invalid(code) => Some(*code), PostcodeAnswer::None => None }];
                }
                button.button type="submit" { "Chercher" }
            }
            @match postcode {
                PostcodeAnswer::Invalid(_) => { p.form-errors role="alert" { "Un code postal compte 5 chiffres (exemple : 75011)." } }
                PostcodeAnswer::Known(code, false) => {
                    p.notice role="status" data-postcode-answer="none" { "Aucune de nos pizzerias ne livre le " (code) " pour l'instant : vous pouvez commander à emporter." }
                }
                PostcodeAnswer::Known(code, true) => {
                    p.notice role="status" data-postcode-answer="some" { "Les pizzerias qui livrent le " (code) " sont en tête de liste." }
                }
                PostcodeAnswer::None => {}
            }
            @if pizzerias.is_empty() {
                p { "Aucune pizzeria n'est ouverte aux commandes pour le moment." }
            }
            ul.pizzeria-list {
                @for details in pizzerias {
                    @let pizzeria = &details.pizzeria;
                    @let delivers = matches!(postcode, PostcodeAnswer::Known(code, _) if details.delivery_postcodes.iter().any(|c| c == code));
                    li.card data-pizzeria=(pizzeria.slug) {
                        h2 { (pizzeria.name) }
                        @if delivers { p.badge.badge-ok data-delivers { "Livre chez vous" } }
                        p.address { (pizzeria.street) br; (pizzeria.postcode) " " (pizzeria.city) }
                        p { "Téléphone : " a href={ "tel:" (pizzeria.phone.replace(' ', "")) } { (pizzeria.phone) } }
                        @if !details.delivery_postcodes.is_empty() {
                            p { "Livraison : " (details.delivery_postcodes.join(", ")) }
                        }
                        details {
                            summary { "Horaires d'ouverture" }
                            dl.hours {
                                @for (day, periods) in weekly_hours(&details.opening_hours) {
                                    dt { (day) }
                                    dd { (periods) }
                                }
                            }
                        }
                        a.button href={ "/pizzerias/" (pizzeria.slug) "/menu" } {
                            "Voir la carte"
                            span.visually-hidden { " de " (pizzeria.name) }
                        }
                    }
                }
            }
        },
    )
}

/// What the menu page shows besides the menu itself.
pub struct MenuExtras<'a> {
    /// For the "add to cart" forms.
    pub csrf: &'a str,
    /// A message after adding to the cart: (is it an error, text).
    pub flash: Option<(bool, &'a str)>,
    /// Pizzas in the visitor's cart.
    pub cart_count: i64,
    /// Open now or closed, at this time.
    pub opening: Option<(DateTime<Utc>, OpenState)>,
    /// The rush controls in force, as customers are told them.
    pub rush: Vec<String>,
    /// The "dès que possible" windows for one pizza (`Ordering::asap`).
    pub asap: Vec<(Mode, i64)>,
}

/// "Ouverte jusqu'à 23h00", or closed and when it opens: orders for later are still taken.
fn opening_line(now: DateTime<Utc>, state: OpenState) -> Markup {
    html! {
        @match state {
            OpenState::Open { until } => {
                p.opening.open data-open="true" { "Ouverte en ce moment, jusqu'à " (clock_of(until)) "." }
            }
            OpenState::Closed { opens: Some(opens) } => {
                p.opening.closed data-open="false" {
                    strong { "Fermée en ce moment." } " Ouvre " (slots::describe_from(now, opens))
                    " : vous pouvez déjà commander pour un créneau à venir."
                }
            }
            OpenState::Closed { opens: None } => {
                p.opening.closed data-open="false" { strong { "Fermée en ce moment" } ", sans horaire d'ouverture prévu." }
            }
        }
    }
}

fn clock_of(time: DateTime<Utc>) -> String {
    match slots::clock(time).as_str() {
        "0h00" => "minuit".to_string(),
        clock => clock.to_string(),
    }
}

/// What stands for the visitor's CSRF token in a [`menu_list`] rendered once for everyone.
const CSRF_PLACEHOLDER: &str = "__OC_PIZZA_CSRF__";

/// A menu's pizza list rendered once for every visitor, cut where each visitor's CSRF token
/// goes (the same until the menu changes).
pub fn menu_list_parts(
    pizzeria: &Pizzeria,
    items: &[MenuItem],
    elsewhere: &HashMap<i64, Vec<(String, String)>>,
) -> Vec<String> {
    menu_list(pizzeria, items, elsewhere, CSRF_PLACEHOLDER)
        .into_string()
        .split(CSRF_PLACEHOLDER)
        .map(String::from)
        .collect()
}

/// The menu page's content, written straight into the page: the cached list is copied once,
/// with the visitor's token between its parts (a 15 KiB page was copied four times).
struct MenuContent<'a> {
    pizzeria: &'a Pizzeria,
    parts: &'a [String],
    extras: &'a MenuExtras<'a>,
}

impl Render for MenuContent<'_> {
    fn render_to(&self, buffer: &mut String) {
        let (pizzeria, extras) = (self.pizzeria, self.extras);
        let head = html! {
            nav.breadcrumb aria-label="Fil d'Ariane" { a href="/" { "Nos pizzerias" } " › " (pizzeria.name) }
            h1 { "La carte — " (pizzeria.name) }
            p.address { (pizzeria.street) ", " (pizzeria.postcode) " " (pizzeria.city) " · " (pizzeria.phone) }
            @if let Some((now, state)) = extras.opening { (opening_line(now, state)) }
            (super::forms::rush_notices(&extras.rush))
            (super::forms::asap_line(&extras.asap))
            p.note { "Prix TTC. Disponibilités calculées à l’instant selon le stock de la pizzeria." }
            // After "Ajouter au panier" the page comes back where the pizza is (its anchor):
            // the message floats at the bottom of the screen, where the visitor looks.
            @if let Some((error, message)) = extras.flash {
                div.toast {
                    @if error { p.form-errors role="alert" { (message) } } @else { p.notice role="status" { (message) " " a href="/cart" { "Voir le panier" } } }
                    button.link.toast-close type="button" hidden { "Fermer" span.visually-hidden { " le message" } }
                }
            }
            @if extras.cart_count > 0 { p { a.button href="/cart" { "Mon panier (" (extras.cart_count) ")" } } }
        };
        // Room for the whole content and the footer after it: growing the page's buffer
        // later would copy it again.
        let list_len: usize = self.parts.iter().map(String::len).sum();
        buffer.reserve(head.0.len() + list_len + extras.csrf.len() * self.parts.len() + 512);
        buffer.push_str(&head.0);
        for (i, part) in self.parts.iter().enumerate() {
            if i > 0 {
                extras.csrf.render_to(buffer);
            }
            buffer.push_str(part);
        }
    }
}

/// The menu page: `parts` come from [`menu_list_parts`]; the visitor's token is put in here.
pub fn menu(nav: &Nav, pizzeria: &Pizzeria, parts: &[String], extras: &MenuExtras<'_>) -> Markup {
    page(&format!("La carte de {}", pizzeria.name), nav, MenuContent { pizzeria, parts, extras })
}

/// The pizzas of a menu with their availability and add-to-cart forms (their CSRF field
/// holds `csrf`).
pub fn menu_list(
    pizzeria: &Pizzeria,
    items: &[MenuItem],
    elsewhere: &HashMap<i64, Vec<(String, String)>>,
    csrf: &str,
) -> Markup {
    html! {
            ul.menu-list {
                @for item in items {
                    li.card.pizza.sold-out[item.availability == Availability::SoldOut] id={ "pizza-" (item.slug) } data-pizza=(item.slug) {
                        div.pizza-head {
                            h2 { (item.name) }
                            p.price { (format_eur(item.price_cents)) }
                        }
                        p { (item.description) }
                        @if !item.allergens.is_empty() {
                            p.allergens { "Allergènes : " (allergen_list(&item.allergens)) }
                        }
                        @match item.availability {
                            Availability::SoldOut => { p.badge.badge-out data-availability="sold-out" { "Épuisée" } }
                            Availability::FewLeft(count) => {
                                p.badge.badge-few data-availability="few-left" data-count=(count) { "Plus que " (count) }
                            }
                            Availability::Available => { p.badge.badge-ok data-availability="available" { "Disponible" } }
                        }
                        @if item.availability.can_order() {
                            form.add-to-cart method="post" action="/cart/add" {
                                input type="hidden" name="csrf_token" value=(csrf);
                                input type="hidden" name="pizzeria" value=(pizzeria.slug);
                                input type="hidden" name="pizza" value=(item.slug);
                                label for={ "qte-" (item.slug) } { "Quantité" }
                                input id={ "qte-" (item.slug) } type="number" name="quantity" value="1" min="1" max=(MAX_QUANTITY_PER_LINE);
                                label for={ "note-" (item.slug) } { "Note pour la cuisine" }
                                input id={ "note-" (item.slug) } type="text" name="note" maxlength=(NOTE_MAX_CHARACTERS) placeholder="ex. sans olives";
                                button.button type="submit" { "Ajouter au panier" span.visually-hidden { " : " (item.name) } }
                            }
                        } @else if let Some(others) = elsewhere.get(&item.pizza_id) {
                            p.elsewhere { "Encore disponible à : "
                                @for (index, (slug, name)) in others.iter().enumerate() {
                                    @if index > 0 { ", " }
                                    a href={ "/pizzerias/" (slug) "/menu" } { (name) }
                                }
                            }
                        }
                    }
                }
            }
    }
}

const WEEKDAYS: [&str; 7] = ["Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi", "Samedi", "Dimanche"];

/// One line per day of the week, e.g. ("Mardi", "11h30–14h30, 18h00–23h00").
fn weekly_hours(periods: &[OpeningPeriod]) -> Vec<(&'static str, String)> {
    WEEKDAYS
        .iter()
        .enumerate()
        .map(|(index, day)| {
            let ranges: Vec<String> = periods
                .iter()
                .filter(|p| p.weekday == index as i64 + 1)
                .map(|p| format!("{}–{}", clock(p.opens_minute), clock(p.closes_minute)))
                .collect();
            (*day, if ranges.is_empty() { "fermé".to_string() } else { ranges.join(", ") })
        })
        .collect()
}

fn clock(minute: i64) -> String {
    format!("{}h{:02}", minute / 60, minute % 60)
}

/// Allergens in French, in alphabetical order of their French names.
fn allergen_list(codes: &[String]) -> String {
    let mut labels: Vec<&str> = codes.iter().map(|code| allergen_label(code)).collect();
    // Good enough a collation for these fourteen words: é sorts as e, œ as oe.
    labels.sort_by_key(|label| label.replace('é', "e").replace('œ', "oe"));
    labels.join(", ")
}

pub fn allergen_label(code: &str) -> &str {
    match code {
        "gluten" => "gluten",
        "crustaceans" => "crustacés",
        "eggs" => "œufs",
        "fish" => "poisson",
        "peanuts" => "arachides",
        "soy" => "soja",
        "milk" => "lait",
        "nuts" => "fruits à coque",
        "celery" => "céleri",
        "mustard" => "moutarde",
        "sesame" => "sésame",
        "sulphites" => "sulfites",
        "lupin" => "lupin",
        "molluscs" => "mollusques",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn period(weekday: i64, opens_minute: i64, closes_minute: i64) -> OpeningPeriod {
        OpeningPeriod { pizzeria_id: 1, weekday, opens_minute, closes_minute }
    }

    #[test]
    fn allergens_are_listed_in_french_alphabetical_order() {
        let codes = ["fish", "gluten", "milk", "sulphites", "eggs", "celery", "crustaceans"].map(String::from);
        assert_eq!(allergen_list(&codes), "céleri, crustacés, gluten, lait, œufs, poisson, sulfites");
    }

    #[test]
    fn weekly_hours_lists_every_day() {
        let hours = weekly_hours(&[period(2, 690, 870), period(2, 1080, 1380), period(1, 1080, 1440)]);
        assert_eq!(hours.len(), 7);
        assert_eq!(hours[0], ("Lundi", "18h00–24h00".to_string()));
        assert_eq!(hours[1], ("Mardi", "11h30–14h30, 18h00–23h00".to_string()));
        assert_eq!(hours[6], ("Dimanche", "fermé".to_string()));
    }
}
