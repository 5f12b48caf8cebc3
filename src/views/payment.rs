//! The online payment page: the order's total and Stripe's own card form (the Payment
//! Element, loaded from Stripe.js); the card never passes through our server.

use maud::{html, Markup};

use crate::assets;
use crate::domain::money::format_eur;
use crate::domain::slots;
use crate::store::orders::Order;
use crate::views::layout::{page_with_head, Nav};
use crate::views::ordering::order_link;

pub struct PaymentPage<'a> {
    pub order: &'a Order,
    pub key: Option<&'a str>,
    /// Where Stripe.js comes from (the configured address).
    pub stripe_js_url: &'a str,
    pub publishable_key: &'a str,
    /// The intent's client secret: lets this page's card form pay this intent only.
    pub client_secret: Option<&'a str>,
    /// The provider could not be reached: said, with a way to try again.
    pub problem: Option<&'a str>,
    /// After this (UTC epoch seconds), an unpaid order is cancelled.
    pub pay_before: i64,
    /// Where Stripe sends the browser back (absolute URL).
    pub return_url: &'a str,
    pub notice: Option<&'a str>,
}

pub fn page(nav: &Nav, view: &PaymentPage<'_>) -> Markup {
    let order = view.order;
    let back = order_link(&order.reference, view.key);
    let head = html! {
        @if view.client_secret.is_some() {
            script src=(view.stripe_js_url) {}
            script src=(assets::url("js/pay.js")) defer {}
        }
    };
    page_with_head(
        &format!("Paiement de la commande {}", order.reference),
        nav,
        head,
        html! {
            nav.breadcrumb aria-label="Fil d'Ariane" { a href=(back) { "Commande " (order.reference) } " › Paiement" }
            h1 { "Paiement en ligne" }
            (crate::views::forms::notice(view.notice))
            p { "Commande " strong { (order.reference) } " — " (order.pizzeria_name) " — total "
                strong data-amount=(order.total_ttc_cents) { (format_eur(order.total_ttc_cents)) } " TTC." }
            @if let Some(deadline) = chrono::DateTime::from_timestamp(view.pay_before, 0) {
                p.note { "Réglez avant " (slots::describe(deadline))
                    " : passé ce délai, la commande est annulée et les pizzas remises en vente." }
            }
            @if let Some(problem) = view.problem {
                p.form-errors role="alert" { (problem) }
                p { a.button href=(format!("/orders/{}/pay{}", order.reference,
                        view.key.map(|k| format!("?key={k}")).unwrap_or_default())) { "Réessayer" } }
            }
            @if let Some(secret) = view.client_secret {
                form.stacked #payment-form data-publishable-key=(view.publishable_key) data-client-secret=(secret)
                    data-return-url=(view.return_url) {
                    div #payment-element {}
                    p.form-errors #payment-message role="alert" hidden {}
                    button.button #payment-submit type="submit" disabled {
                        "Payer " (format_eur(order.total_ttc_cents))
                    }
                }
                noscript { p.form-errors { "Le paiement par carte a besoin de JavaScript. Vous pouvez aussi annuler
                    la commande et la repasser avec un paiement à la livraison." } }
                p.note { "Vos coordonnées bancaires sont saisies chez notre prestataire de paiement (Stripe), "
                    "jamais sur nos serveurs. La commande part en cuisine dès que Stripe nous confirme le paiement." }
            }
            p { a href=(back) { "Retour à la commande" } }
        },
    )
}
