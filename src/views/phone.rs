//! The phone and counter order form: built for the keyboard (the phone field has the
//! focus, Tab walks the form in order, Enter on the phone field looks the customer up).

use std::collections::HashMap;

use maud::{html, Markup};

use super::forms::{csrf, notice, notification_fields, summary, Input};
use super::layout::{page, Nav};
use super::ordering::{delivery_fields, menu_line, radio, running_total, CheckoutPage, CheckoutValues, MenuLine};
use crate::domain::availability::Availability;
use crate::domain::fields::FieldErrors;
use crate::domain::orders::PaymentMethod;
use crate::store::addresses::Address;
use crate::store::menu::MenuItem;
use crate::store::pizzerias::Pizzeria;
use crate::store::users::PhoneCustomer;

/// What the form shows again.
#[derive(Debug, Clone, Default)]
pub struct PhoneValues {
    pub channel: String,
    pub phone: String,
    pub customer_id: String,
    /// The phone number was looked up (show who was found, or that nobody was).
    pub looked_up: bool,
    pub paid_now: bool,
    pub quantities: HashMap<String, String>,
    pub notes: HashMap<String, String>,
    pub delivery: CheckoutValues,
}

pub struct PhoneOrderPage<'a> {
    /// The rush controls in force, as customers are told them (phone and counter orders are
    /// never paused, but the staff answer the same questions).
    pub rush: Vec<String>,
    pub pizzeria: &'a Pizzeria,
    pub delivery_postcodes: &'a [String],
    /// An admin's form carries the pizzeria.
    pub admin: bool,
    pub slug: &'a str,
    /// Does this installation send text messages?
    pub sms_available: bool,
    pub menu: &'a [MenuItem],
    pub matches: &'a [PhoneCustomer],
    pub addresses: &'a [Address],
    pub can_asap: bool,
    pub slots: &'a [(String, String)],
    pub values: &'a PhoneValues,
    pub errors: &'a FieldErrors,
    pub notice: Option<&'a str>,
    pub problem: Option<&'a str>,
}

fn availability_badge(availability: Availability) -> Markup {
    html! {
        @match availability {
            Availability::SoldOut => { " " span.badge.badge-out { "épuisée" } }
            Availability::FewLeft(n) => { " " span.badge.badge-few { "plus que " (n) } }
            Availability::Available => {}
        }
    }
}

pub fn new_order(nav: &Nav, token: &str, view: &PhoneOrderPage<'_>) -> Markup {
    let v = view.values;
    let e = view.errors;
    let delivery = CheckoutPage {
        pizzeria: view.pizzeria,
        delivery_postcodes: view.delivery_postcodes,
        lines: &[],
        names: &[],
        breakdown: &[],
        totals: Default::default(),
        addresses: view.addresses,
        can_asap: view.can_asap,
        slots: view.slots,
        values: &v.delivery,
        errors: e,
        problem: None,
        guest: false,
        signed_in: true,
        sms_available: view.sms_available,
        online_payment: false,
        rush: Vec::new(),
        asap: Vec::new(),
    };
    let orders_link = if view.admin { format!("/staff/orders?pizzeria={}", view.slug) } else { "/staff/orders".into() };
    page(
        "Nouvelle commande",
        nav,
        html! {
            nav.breadcrumb aria-label="Fil d'Ariane" { a href=(orders_link) { "Commandes en cours" } " › Nouvelle commande" }
            h1 { "Nouvelle commande " span.lead { (view.pizzeria.name) } }
            (notice(view.notice))
            @for line in &view.rush { p.notice.rush role="status" { "Coup de feu — les clients en ligne lisent : " (line) } }
            @if let Some(problem) = view.problem { p.form-errors role="alert" { (problem) } }
            (summary(e))
            form.filters method="get" action="/staff/orders/new" role="search" {
                @if view.admin { input type="hidden" name="pizzeria" value=(view.slug); }
                label { "Téléphone du client"
                    input #lookup-phone type="tel" name="phone" value=(v.phone) autofocus[!v.looked_up] autocomplete="off" required;
                }
                button.button type="submit" { "Rechercher" }
            }
            @if v.looked_up {
                @if view.matches.is_empty() {
                    p.note { "Aucun client avec ce numéro : il sera créé avec la commande." }
                } @else {
                    p.notice { "Client trouvé : " strong { (view.matches[0].full_name) }
                        @if view.matches.len() > 1 { " (et " (view.matches.len() - 1) " autre(s) avec ce numéro)" } }
                }
            }
            form.stacked.phone-order method="post" action="/staff/orders/new" novalidate {
                (csrf(token))
                input type="hidden" name="pizzeria" value=(view.slug);
                fieldset {
                    legend { "Client" }
                    (radio("channel", "phone", &v.channel, "Par téléphone"))
                    (radio("channel", "counter", &v.channel, "Au comptoir"))
                    @if let Some(error) = e.get("channel") { p.field-error { (error) } }
                    @if view.matches.len() > 1 {
                        div.field {
                            label for="champ-customer_id" { "Client" }
                            select #champ-customer_id name="customer_id" {
                                @for customer in view.matches {
                                    option value=(customer.id) selected[v.customer_id == customer.id.to_string()] {
                                        (customer.full_name) @if let Some(email) = &customer.email { " — " (email) }
                                    }
                                }
                            }
                        }
                    } @else if let Some(customer) = view.matches.first() {
                        input type="hidden" name="customer_id" value=(customer.id);
                    }
                    (Input::text("phone", "Téléphone", &v.phone).kind("tel").render(e))
                    (Input::text("full_name", "Nom", &v.delivery.full_name).max_length(100).render(e))
                    (Input::text("email", "E-mail", &v.delivery.email).kind("email").optional()
                        .hint("Pour la confirmation, si le client le souhaite.").render(e))
                }
                fieldset {
                    legend { "Tenir le client informé ? (demandez-lui)" }
                    (notification_fields(v.delivery.notify, view.sms_available, "Sur son mobile (06 ou 07) seulement."))
                    @if let Some(error) = e.get("notify_email") { p.field-error { (error) } }
                }
                @let lines: Vec<MenuLine> = view.menu.iter().enumerate().map(|(index, item)| MenuLine {
                    id: item.pizza_id,
                    name: &item.name,
                    price_cents: item.price_cents,
                    quantity: v.quantities.get(&item.pizza_id.to_string()).map(String::as_str).unwrap_or("0"),
                    note: v.notes.get(&item.pizza_id.to_string()).map(String::as_str).unwrap_or_default(),
                    badge: availability_badge(item.availability),
                    // Once the customer is looked up, typing starts with the first quantity.
                    autofocus: v.looked_up && index == 0 && e.is_empty(),
                }).collect();
                fieldset #pizzas {
                    legend { "Pizzas" }
                    @for line in &lines { (menu_line(line)) }
                    @if let Some(error) = e.get("lines") { p.field-error { (error) } }
                    (running_total(&lines))
                }
                (delivery_fields(&delivery))
                fieldset {
                    legend { "Paiement" }
                    (radio("payment", PaymentMethod::Cash.as_str(), &v.delivery.payment, "Espèces"))
                    (radio("payment", PaymentMethod::Card.as_str(), &v.delivery.payment, "Carte bancaire"))
                    @if let Some(error) = e.get("payment") { p.field-error { (error) } }
                    div.field.checkbox {
                        input #paid_now type="checkbox" name="paid_now" value="true" checked[v.paid_now];
                        label for="paid_now" { "Payée maintenant au comptoir (à emporter)" }
                    }
                    @if let Some(error) = e.get("paid_now") { p.field-error { (error) } }
                }
                button.button type="submit" { "Enregistrer la commande" }
            }
        },
    )
}
