//! Cart, checkout, an order's page and its modification form, the order history.

use maud::{html, Markup};

use super::forms::{action_button, csrf, notice, notification_fields, summary, Input};
use super::layout::{page, Nav};
use crate::domain::fields::FieldErrors;
use crate::domain::money::{format_eur, format_vat_rate};
use crate::domain::notifications::Preferences;
use crate::domain::orders::{Mode, PaymentMethod, PaymentStatus, Status, MAX_QUANTITY_PER_LINE, NOTE_MAX_CHARACTERS};
use crate::domain::pricing::{PricedLine, Totals, VatShare};
use crate::domain::requote;
use crate::domain::slots;
use crate::store::addresses::Address;
use crate::store::carts::CartLine;
use crate::store::orders::{Order, OrderLine};
use crate::store::pizzerias::Pizzeria;

fn totals_table(breakdown: &[VatShare], totals: Totals) -> Markup {
    html! {
        table.totals {
            tbody {
                @for share in breakdown {
                    tr { th scope="row" { "Total HT (TVA " (format_vat_rate(share.vat_rate_bp)) ")" } td { (format_eur(share.totals.ht_cents)) } }
                    tr { th scope="row" { "TVA " (format_vat_rate(share.vat_rate_bp)) } td { (format_eur(share.totals.vat_cents)) } }
                }
                tr.total-ttc { th scope="row" { "Total TTC" } td data-total-ttc=(totals.ttc_cents) { (format_eur(totals.ttc_cents)) } }
            }
        }
    }
}

pub struct CartPage<'a> {
    pub pizzeria: Option<&'a Pizzeria>,
    /// The "dès que possible" windows for this cart (`Ordering::asap`).
    pub asap: Vec<(Mode, i64)>,
    pub lines: &'a [CartLine],
    pub breakdown: &'a [VatShare],
    pub totals: Totals,
    pub notice: Option<&'a str>,
    pub errors: &'a FieldErrors,
}

pub fn cart(nav: &Nav, token: &str, view: &CartPage<'_>) -> Markup {
    page(
        "Mon panier",
        nav,
        html! {
            h1 { "Mon panier" }
            (notice(view.notice))
            (summary(view.errors))
            @if view.lines.is_empty() {
                p { "Votre panier est vide." }
                p { a.button href="/" { "Choisir une pizzeria" } }
            } @else {
                @if let Some(pizzeria) = view.pizzeria {
                    p.lead { "Commande chez " strong { (pizzeria.name) } " — "
                        a href={ "/pizzerias/" (pizzeria.slug) "/menu" } { "ajouter d'autres pizzas" } }
                }
                (super::forms::asap_line(&view.asap))
                table.cart.stack {
                    thead { tr { th { "Pizza" } th { "Prix TTC" } th { "Quantité et note pour la cuisine" } th { "Sous-total" } th { span.visually-hidden { "Retirer" } } } }
                    tbody {
                        @for line in view.lines {
                            tr data-cart-line=(line.pizza_slug) {
                                td.stack-title { (line.pizza_name) }
                                td data-label="Prix TTC" { (format_eur(line.unit_price_cents)) }
                                td {
                                    form.inline-form method="post" action={ "/cart/lines/" (line.id) } {
                                        (csrf(token))
                                        label.visually-hidden for={ "q" (line.id) } { "Quantité de " (line.pizza_name) }
                                        input id={ "q" (line.id) } type="number" name="quantity" min="1" max=(MAX_QUANTITY_PER_LINE) value=(line.quantity) required;
                                        label.visually-hidden for={ "n" (line.id) } { "Note pour la cuisine" }
                                        input id={ "n" (line.id) } type="text" name="note" value=(line.note) maxlength=(NOTE_MAX_CHARACTERS) placeholder="ex. sans olives";
                                        button.link type="submit" { "Mettre à jour" }
                                    }
                                }
                                td data-label="Sous-total" { (format_eur(line.unit_price_cents * line.quantity)) }
                                td { (action_button(&format!("/cart/lines/{}/remove", line.id), token, "Retirer", "link danger")) }
                            }
                        }
                    }
                }
                (totals_table(view.breakdown, view.totals))
                div.actions {
                    a.button href="/checkout" { "Commander" }
                    (action_button("/cart/clear", token, "Vider le panier", "link danger"))
                }
            }
        },
    )
}

/// What the visitor chose or typed in the checkout (or modification) form.
#[derive(Debug, Default, Clone)]
pub struct CheckoutValues {
    pub mode: String,
    pub address_id: String,
    pub street: String,
    pub postcode: String,
    pub city: String,
    pub instructions: String,
    pub when: String,
    pub full_name: String,
    pub email: String,
    pub phone: String,
    pub payment: String,
    pub notify: Preferences,
}

pub struct CheckoutPage<'a> {
    pub pizzeria: &'a Pizzeria,
    pub delivery_postcodes: &'a [String],
    pub lines: &'a [PricedLine],
    pub names: &'a [String],
    pub breakdown: &'a [VatShare],
    pub totals: Totals,
    pub addresses: &'a [Address],
    pub can_asap: bool,
    /// (form value, label) of each time the customer may pick.
    pub slots: &'a [(String, String)],
    pub values: &'a CheckoutValues,
    pub errors: &'a FieldErrors,
    pub problem: Option<&'a str>,
    /// Not signed in as a customer: the notification choice is asked here.
    pub guest: bool,
    /// Somebody is signed in (else the page offers to sign in and come back).
    pub signed_in: bool,
    pub sms_available: bool,
    /// Online payment is configured: offered first.
    pub online_payment: bool,
    /// The rush controls in force, as customers are told them.
    pub rush: Vec<String>,
    /// The "dès que possible" windows for this basket (`Ordering::asap`).
    pub asap: Vec<(Mode, i64)>,
}

pub(crate) fn radio(name: &'static str, value: &str, current: &str, label: &str) -> Markup {
    let id = format!("{name}-{value}");
    html! {
        div.field.checkbox {
            input id=(id) type="radio" name=(name) value=(value) checked[current == value];
            label for=(id) { (label) }
        }
    }
}

/// A pizza of an order form (the modification, the phone order): its quantity and its note,
/// both labelled; the price rides on the quantity for the running total.
pub(crate) struct MenuLine<'a> {
    pub id: i64,
    pub name: &'a str,
    pub price_cents: i64,
    pub quantity: &'a str,
    pub note: &'a str,
    /// "épuisée", "plus que 3": said next to the name.
    pub badge: Markup,
    pub autofocus: bool,
}

pub(crate) fn menu_line(line: &MenuLine<'_>) -> Markup {
    let id = line.id;
    html! {
        div.field.menu-line {
            label for={ "qty-" (id) } { (line.name) " — " (format_eur(line.price_cents)) (line.badge) }
            input id={ "qty-" (id) } type="number" name={ "quantity[" (id) "]" } min="0" max=(MAX_QUANTITY_PER_LINE)
                value=(line.quantity) data-price-cents=(line.price_cents) autofocus[line.autofocus];
            label.note-label for={ "note-" (id) } { "Note pour la cuisine" span.visually-hidden { " : " (line.name) } }
            input id={ "note-" (id) } type="text" name={ "note[" (id) "]" } value=(line.note)
                maxlength=(NOTE_MAX_CHARACTERS) placeholder="ex. sans olives";
        }
    }
}

/// The total of the pizzas chosen in the form, TTC, kept up to date as quantities change
/// (app.js); the server's figure is the one of the page as sent.
pub(crate) fn running_total(lines: &[MenuLine<'_>]) -> Markup {
    let cents: i64 = lines.iter().map(|l| l.price_cents * l.quantity.trim().parse::<i64>().unwrap_or(0).max(0)).sum();
    html! {
        p.running-total { "Total des pizzas : " output #running-total data-running-total for="pizzas" { (format_eur(cents)) } " TTC" }
    }
}

/// Mode, address and time: shared by the checkout and the modification form.
pub(crate) fn delivery_fields(view: &CheckoutPage<'_>) -> Markup {
    let v = view.values;
    let e = view.errors;
    html! {
        fieldset {
            legend { "Livraison ou à emporter" }
            (radio("mode", Mode::Delivery.as_str(), &v.mode, "Livraison à domicile"))
            (radio("mode", Mode::Takeaway.as_str(), &v.mode, &format!("À emporter — {}, {}", view.pizzeria.street, view.pizzeria.city)))
            @if let Some(error) = e.get("mode") { p.field-error { (error) } }
            p.hint { "Cette pizzeria livre les codes postaux " (view.delivery_postcodes.join(", ")) "." }
        }
        fieldset.delivery-address {
            legend { "Adresse de livraison" }
            p.hint { "Seulement pour une livraison." }
            @if !view.addresses.is_empty() {
                div.field {
                    label for="champ-address_id" { "Une adresse enregistrée" }
                    select #champ-address_id name="address_id" {
                        option value="" { "— une nouvelle adresse (ci-dessous) —" }
                        @for address in view.addresses {
                            option value=(address.id) selected[v.address_id == address.id.to_string()] {
                                @if !address.label.is_empty() { (address.label) " — " }
                                (address.street) ", " (address.postcode) " " (address.city)
                            }
                        }
                    }
                }
            }
            (Input::text("street", "Numéro et rue", &v.street).autocomplete("street-address").max_length(200).render(e))
            (Input::text("postcode", "Code postal", &v.postcode).autocomplete("postal-code").max_length(5).render(e))
            (Input::text("city", "Ville", &v.city).autocomplete("address-level2").max_length(100).render(e))
            (Input::text("instructions", "Instructions pour le livreur", &v.instructions).optional().max_length(300).render(e))
        }
        fieldset {
            legend { "Pour quand ?" }
            div.field {
                label for="champ-when" { "Prête pour" }
                select #champ-when name="when" {
                    @if view.can_asap { option value="asap" selected[v.when == "asap"] { "Dès que possible" } }
                    @for (day, times) in by_day(view.slots) {
                        optgroup label=(day) {
                            @for (value, label) in times { option value=(value) selected[&v.when == value] { (label) } }
                        }
                    }
                }
            }
            @if let Some(error) = e.get("when") { p.field-error { (error) } }
            (super::forms::asap_line(&view.asap))
        }
    }
}

/// The offered times grouped by day ("mardi 24 mars"), in their order: each label keeps its
/// day, which the closed list shows.
fn by_day(slots: &[(String, String)]) -> Vec<(&str, Vec<&(String, String)>)> {
    let mut days: Vec<(&str, Vec<&(String, String)>)> = Vec::new();
    for slot in slots {
        let day = slot.1.split_once(" à ").map_or(slot.1.as_str(), |(day, _)| day);
        match days.last_mut() {
            Some((last, times)) if *last == day => times.push(slot),
            _ => days.push((day, vec![slot])),
        }
    }
    days
}

pub fn checkout(nav: &Nav, token: &str, view: &CheckoutPage<'_>) -> Markup {
    let v = view.values;
    let e = view.errors;
    page(
        "Finaliser la commande",
        nav,
        html! {
            nav.breadcrumb aria-label="Fil d'Ariane" { a href="/cart" { "Mon panier" } " › Commande" }
            h1 { "Finaliser la commande — " (view.pizzeria.name) }
            (super::forms::rush_notices(&view.rush))
            @if let Some(problem) = view.problem { p.form-errors role="alert" { (problem) } }
            (summary(e))
            @if !view.signed_in {
                p.note {
                    "Vous avez un compte ? "
                    a href="/login?next=%2Fcheckout" { "Connectez-vous" }
                    " : votre panier vous attend ici, avec vos coordonnées et vos adresses."
                }
            }
            ul.order-summary {
                @for (line, name) in view.lines.iter().zip(view.names) {
                    li { (line.quantity) " × " (name) " — " (format_eur(line.unit_price_cents * line.quantity)) }
                }
            }
            (totals_table(view.breakdown, view.totals))
            form.stacked method="post" action="/checkout" novalidate {
                (csrf(token))
                (delivery_fields(view))
                fieldset {
                    legend { "Vos coordonnées" }
                    (Input::text("full_name", "Nom et prénom", &v.full_name).autocomplete("name").max_length(100).render(e))
                    (Input::text("email", "Adresse e-mail", &v.email).kind("email").autocomplete("email")
                        .hint("Pour recevoir la confirmation et suivre la commande.").render(e))
                    (Input::text("phone", "Téléphone", &v.phone).kind("tel").autocomplete("tel").render(e))
                }
                @if view.guest {
                    fieldset {
                        legend { "Vous tenir informé" }
                        (notification_fields(v.notify, view.sms_available, "Sur un numéro de mobile (06 ou 07)."))
                        @if let Some(error) = e.get("notify_email") { p.field-error { (error) } }
                    }
                } @else {
                    p.note { "Nous vous tenons informé selon " a href="/account#notifications" { "vos préférences de notification" } "." }
                }
                fieldset {
                    @if view.online_payment {
                        legend { "Paiement" }
                        (radio("payment", PaymentMethod::Online.as_str(), &v.payment, "Payer en ligne maintenant (carte bancaire)"))
                        (radio("payment", PaymentMethod::Cash.as_str(), &v.payment, "Espèces, à la livraison ou au comptoir"))
                        (radio("payment", PaymentMethod::Card.as_str(), &v.payment, "Carte bancaire, à la livraison ou au comptoir"))
                    } @else {
                        legend { "Paiement à la livraison ou au comptoir" }
                        (radio("payment", PaymentMethod::Cash.as_str(), &v.payment, "Espèces"))
                        (radio("payment", PaymentMethod::Card.as_str(), &v.payment, "Carte bancaire"))
                    }
                    @if let Some(error) = e.get("payment") { p.field-error { (error) } }
                }
                button.button type="submit" { "Valider la commande (" (format_eur(view.totals.ttc_cents)) ")" }
            }
        },
    )
}

pub struct OrderPage<'a> {
    pub order: &'a Order,
    pub lines: &'a [OrderLine],
    pub breakdown: &'a [VatShare],
    /// The guest's key, carried by the page's links and forms.
    pub key: Option<&'a str>,
    /// The private link to show a guest once, right after ordering.
    pub private_link: Option<&'a str>,
    pub notice: Option<&'a str>,
    pub problem: Option<&'a str>,
    pub can_change: bool,
    /// When the order should be ready (UTC epoch seconds).
    pub expected_at: i64,
    /// Waiting for its online payment: what to say and until when.
    pub pay: Option<AwaitingPayment>,
}

pub struct AwaitingPayment {
    /// The browser is back from the payment provider.
    pub returning: bool,
    /// After this (UTC epoch seconds) the order is cancelled.
    pub pay_before: i64,
}

/// The steps of the order as a progress bar: done, current, to come.
fn progress(order: &Order) -> Markup {
    let status = order.status();
    let steps = Status::journey(order.mode());
    let current = steps.iter().position(|s| *s == status);
    html! {
        ol.progress aria-label="Avancement de la commande" {
            @for (index, step) in steps.iter().enumerate() {
                @let state = match current {
                    Some(at) if index < at => "done",
                    Some(at) if index == at => "current",
                    _ => "todo",
                };
                li class={ "step " (state) } data-step=(step.as_str()) aria-current=[(state == "current").then_some("step")] {
                    (step_label(*step, order.mode()))
                }
            }
        }
    }
}

fn step_label(step: Status, mode: Mode) -> &'static str {
    match (step, mode) {
        (Status::Ready, Mode::Takeaway) => "Prête à retirer",
        (Status::Collected, _) => "Retirée",
        (step, _) => step.label(),
    }
}

fn with_key(path: &str, key: Option<&str>) -> String {
    match key {
        Some(key) => format!("{path}?key={key}"),
        None => path.to_string(),
    }
}

/// The order's page, with the guest's private key when there is one.
pub fn order_link(reference: &str, key: Option<&str>) -> String {
    with_key(&format!("/orders/{reference}"), key)
}

pub fn order(nav: &Nav, token: &str, view: &OrderPage<'_>) -> Markup {
    let order = view.order;
    let status = order.status();
    let totals =
        Totals { ht_cents: order.total_ht_cents, vat_cents: order.total_vat_cents, ttc_cents: order.total_ttc_cents };
    page(
        &format!("Commande {}", order.reference),
        nav,
        html! {
            h1 { "Commande " span data-reference { (order.reference) } }
            (notice(view.notice))
            @if let Some(problem) = view.problem { p.form-errors role="alert" { (problem) } }
            @if let Some(link) = view.private_link {
                div.notice role="status" {
                    p { strong { "Gardez ce lien : " } "il permet de suivre, modifier ou annuler votre commande." }
                    p { a data-private-link href=(link) { (link) } }
                }
            }
            // Followed live: the page reloads itself when the order changes.
            div data-live="" data-reload="" data-events=(with_key(&format!("/orders/{}/events", order.reference), view.key)) {
                p.status { "État : " strong data-status=(status.as_str()) { (status.label()) }
                    @if let Some(reason) = &order.cancel_reason { " — " (reason) } }
                @if status != Status::Cancelled { (progress(order)) }
                @if status.is_open() {
                    @if let Some(end) = order.requoted_for {
                        p.estimate.requoted data-expected-at=(end) {
                            strong { "Nouvelle estimation : " (requote::describe_window(order.mode(), end)) }
                            " — la pizzeria a pris du retard, toutes nos excuses."
                        }
                    } @else if let (None, Some(end)) = (order.requested_for, order.promised_for) {
                        p.estimate data-expected-at=(end) {
                            "Dès que possible : " (requote::describe_window(order.mode(), end)) "."
                        }
                    } @else if let Some(time) = chrono::DateTime::from_timestamp(view.expected_at, 0) {
                        p.estimate data-expected-at=(view.expected_at) {
                            @match (order.requested_for.is_some(), order.mode()) {
                                (true, Mode::Delivery) => { "Livraison prévue " (slots::describe(time)) "." }
                                (true, Mode::Takeaway) => { "À retirer " (slots::describe(time)) "." }
                                (false, _) => { "Prête vers " (slots::describe(time)) " (estimation)." }
                            }
                        }
                    }
                    p.live-state #live-state role="status" aria-live="polite" {}
                }
            }
            p { (order.pizzeria_name) " · Tél. " a href={ "tel:" (order.pizzeria_phone.replace(' ', "")) } { (order.pizzeria_phone) } }
            p { (order.mode().label())
                @if let (Some(street), Some(postcode), Some(city)) = (&order.delivery_street, &order.delivery_postcode, &order.delivery_city) {
                    " au " (street) ", " (postcode) " " (city)
                }
                " · "
                @match order.requested_for.and_then(|t| chrono::DateTime::from_timestamp(t, 0)) {
                    Some(time) => { "pour " (slots::describe(time)) }
                    None => { "dès que possible" }
                }
            }
            @if order.delivery_street.is_some() && !order.delivery_instructions.is_empty() {
                p.delivery-instructions { "Instructions pour le livreur : " (order.delivery_instructions) }
            }
            @let method = order.payment_method;
            p { "Paiement : " (method.label()) " (" span data-payment=(order.payment_status.as_str()) {
                (crate::domain::orders::payment_state(method, order.payment_status, status)) } ")" }
            @if let Some(pay) = &view.pay {
                div.notice role="status" {
                    @if pay.returning {
                        p { strong { "Paiement en cours de confirmation…" }
                            " Cette page se met à jour dès que notre prestataire de paiement nous le confirme." }
                    } @else {
                        p { "Votre commande attend son paiement en ligne : elle part en cuisine dès qu'il est confirmé." }
                    }
                    @if let Some(deadline) = chrono::DateTime::from_timestamp(pay.pay_before, 0) {
                        p { "Sans paiement avant " (slots::describe(deadline)) ", elle sera annulée." }
                    }
                    p { a.button href=(with_key(&format!("/orders/{}/pay", order.reference), view.key)) {
                        @if pay.returning { "Revenir au paiement" } @else { "Payer maintenant" } } }
                }
            }
            table.order-lines.stack {
                thead { tr { th { "Pizza" } th { "Quantité" } th { "Prix TTC" } th { "Sous-total" } } }
                tbody {
                    @for line in view.lines {
                        tr {
                            td.stack-title { (line.pizza_name)
                                @if let Some(summary) = line.composition_summary() { br; small data-composition="" { (summary) } }
                                @if !line.note.is_empty() { br; small { "Note : " (line.note) } } }
                            td data-label="Quantité" { (line.quantity) }
                            td data-label="Prix TTC" { (format_eur(line.unit_price_cents)) }
                            td data-label="Sous-total" { (format_eur(line.unit_price_cents * line.quantity)) }
                        }
                    }
                }
            }
            (totals_table(view.breakdown, totals))
            @if view.can_change && status == Status::Placed {
                @let customised = view.lines.iter().any(|l| l.composition.is_some());
                @let modifiable = crate::domain::orders::customer_may_modify(status, method) && !customised;
                div.actions {
                    @if modifiable {
                        a.button href=(with_key(&format!("/orders/{}/edit", order.reference), view.key)) { "Modifier la commande" }
                    }
                    // Cancelling asks first: the button opens a question, the form is inside.
                    details.confirm-cancel {
                        summary.button.secondary { "Annuler la commande…" }
                        form method="post" action={ "/orders/" (order.reference) "/cancel" } {
                            (csrf(token))
                            input type="hidden" name="version" value=(order.version);
                            @if let Some(key) = view.key { input type="hidden" name="key" value=(key); }
                            p { "Voulez-vous vraiment annuler la commande " (order.reference) " ?" }
                            button.button.danger type="submit" { "Oui, annuler la commande" }
                        }
                    }
                }
                @if modifiable {
                    p.note { "Vous pouvez modifier ou annuler tant que la pizzeria n'a pas commencé la préparation." }
                } @else if customised {
                    p.note { (crate::domain::orders::CUSTOMISED_NOT_MODIFIABLE) }
                } @else if order.payment_status == PaymentStatus::Paid {
                    p.note { "Vous pouvez annuler tant que la pizzeria n'a pas commencé la préparation : le paiement vous sera remboursé." }
                } @else {
                    p.note { "Vous pouvez annuler tant que la pizzeria n'a pas commencé la préparation." }
                }
            }
        },
    )
}

pub struct EditPage<'a> {
    pub checkout: CheckoutPage<'a>,
    pub order: &'a Order,
    /// Each pizza of the menu: (id, name, price, quantity in the form, note).
    pub menu: &'a [(i64, String, i64, String, String)],
    pub key: Option<&'a str>,
}

pub fn edit_order(nav: &Nav, token: &str, view: &EditPage<'_>) -> Markup {
    let order = view.order;
    let c = &view.checkout;
    page(
        &format!("Modifier la commande {}", order.reference),
        nav,
        html! {
            nav.breadcrumb aria-label="Fil d'Ariane" {
                a href=(order_link(&order.reference, view.key)) { "Commande " (order.reference) } " › Modifier"
            }
            h1 { "Modifier la commande " (order.reference) }
            @if let Some(problem) = c.problem { p.form-errors role="alert" { (problem) } }
            (summary(c.errors))
            form.stacked method="post" action={ "/orders/" (order.reference) "/edit" } novalidate {
                (csrf(token))
                input type="hidden" name="version" value=(order.version);
                @if let Some(key) = view.key { input type="hidden" name="key" value=(key); }
                @let lines: Vec<MenuLine> = view.menu.iter().map(|(id, name, price, quantity, note)| MenuLine {
                    id: *id, name, price_cents: *price, quantity, note, badge: html! {}, autofocus: false,
                }).collect();
                fieldset #pizzas {
                    legend { "Pizzas (0 pour retirer)" }
                    @for line in &lines { (menu_line(line)) }
                    @if let Some(error) = c.errors.get("lines") { p.field-error { (error) } }
                    (running_total(&lines))
                    p.note { "Avant modification : " (format_eur(order.total_ttc_cents)) " TTC." }
                }
                (delivery_fields(c))
                button.button type="submit" { "Enregistrer les modifications" }
            }
        },
    )
}

pub fn history(nav: &Nav, orders: &[Order]) -> Markup {
    page(
        "Mes commandes",
        nav,
        html! {
            nav.breadcrumb aria-label="Fil d'Ariane" { a href="/account" { "Mon compte" } " › Commandes" }
            h1 { "Mes commandes" }
            @if orders.is_empty() {
                p { "Vous n'avez pas encore passé de commande." }
                p { a.button href="/" { "Choisir une pizzeria" } }
            } @else {
                table.orders.stack {
                    thead { tr { th { "Référence" } th { "Pizzeria" } th { "Date" } th { "Total TTC" } th { "État" } } }
                    tbody {
                        @for order in orders {
                            tr {
                                td.stack-title { a href={ "/orders/" (order.reference) } { (order.reference) } }
                                td data-label="Pizzeria" { (order.pizzeria_name) }
                                td data-label="Date" { @if let Some(t) = chrono::DateTime::from_timestamp(order.created_at, 0) { (slots::describe(t)) } }
                                td data-label="Total TTC" { (format_eur(order.total_ttc_cents)) }
                                td data-label="État" { (order.status().label()) }
                            }
                        }
                    }
                }
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_grouped_by_day_in_their_order() {
        let slots: Vec<(String, String)> = [
            ("2026-03-24T22:45", "mardi 24 mars à 22h45"),
            ("2026-03-24T23:00", "mardi 24 mars à 23h00"),
            ("2026-03-25T11:30", "mercredi 25 mars à 11h30"),
        ]
        .map(|(v, l)| (v.to_string(), l.to_string()))
        .to_vec();
        let days = by_day(&slots);
        assert_eq!(
            days.iter().map(|(day, times)| (*day, times.len())).collect::<Vec<_>>(),
            [("mardi 24 mars", 2), ("mercredi 25 mars", 1)]
        );
    }
}
