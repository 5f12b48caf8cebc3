//! The messages customers receive: each e-mail in a plain-text part and an HTML part that
//! say the same thing, and the text message (SMS).

use maud::{html, Markup, DOCTYPE};

use crate::domain::money::{format_eur, format_vat_rate};
use crate::domain::notifications::Kind;
use crate::domain::orders::{Mode, PaymentStatus};
use crate::domain::pricing::VatShare;
use crate::domain::slots;
use crate::store::orders::{Order, OrderLine};
use crate::store::pizzerias::Pizzeria;

/// An e-mail ready to send.
#[derive(Debug, Clone)]
pub struct Email {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// What an order's message is made of.
pub struct OrderMessage<'a> {
    pub kind: Kind,
    pub order: &'a Order,
    pub lines: &'a [OrderLine],
    pub breakdown: &'a [VatShare],
    pub pizzeria: &'a Pizzeria,
    /// The page that follows the order (the private link for a guest).
    pub tracking_url: &'a str,
}

fn when(order: &Order) -> String {
    match order.requested_for.and_then(|t| chrono::DateTime::from_timestamp(t, 0)) {
        Some(time) => format!("pour {}", slots::describe(time)),
        None => "dès que possible".to_string(),
    }
}

fn delivery_address(order: &Order) -> Option<String> {
    match (&order.delivery_street, &order.delivery_postcode, &order.delivery_city) {
        (Some(street), Some(postcode), Some(city)) => Some(format!("{street}, {postcode} {city}")),
        _ => None,
    }
}

fn payment(order: &Order) -> String {
    let method = order.payment_method.label();
    let state = match order.payment_status {
        PaymentStatus::Paid => "payée",
        PaymentStatus::Refunded => "remboursée",
        PaymentStatus::Unpaid => "à régler",
    };
    format!("{method} ({state})")
}

/// Does this message show the order in full (lines and totals)?
fn shows_the_order(kind: Kind) -> bool {
    matches!(kind, Kind::Confirmation | Kind::Modified)
}

pub fn order_email(message: &OrderMessage<'_>) -> Email {
    let OrderMessage { kind, order, lines, breakdown, pizzeria, tracking_url } = *message;
    let headline = kind.headline(&order.reference, &pizzeria.name);
    let mode = order.mode();
    let address = delivery_address(order);
    let reason = order.cancel_reason.as_deref().filter(|r| kind == Kind::Cancelled && !r.is_empty());
    let full = shows_the_order(kind);

    let requote = order
        .requoted_for
        .filter(|_| kind == Kind::Delayed)
        .map(|end| format!("Nouvelle estimation : {}.", crate::domain::requote::describe_window(mode, end)));
    let mut text = format!("Bonjour {},\n\n{headline}\n", order.customer_name);
    if let Some(reason) = reason {
        text.push_str(&format!("Motif : {reason}\n"));
    }
    if let Some(requote) = &requote {
        text.push_str(&format!("{requote}\n"));
    }
    text.push_str(&format!("\nCommande {}\n", order.reference));
    text.push_str(&format!("{} {}\n", mode.label(), when(order)));
    if let (Mode::Delivery, Some(address)) = (mode, &address) {
        text.push_str(&format!("Adresse de livraison : {address}\n"));
    }
    if full {
        text.push('\n');
        for line in lines {
            text.push_str(&format!(
                "{} × {} — {}\n",
                line.quantity,
                line.pizza_name,
                format_eur(line.unit_price_cents * line.quantity)
            ));
            if let Some(summary) = line.composition_summary() {
                text.push_str(&format!("    {summary}\n"));
            }
            if !line.note.is_empty() {
                text.push_str(&format!("    Note : {}\n", line.note));
            }
        }
        text.push('\n');
        for share in breakdown {
            let rate = format_vat_rate(share.vat_rate_bp);
            text.push_str(&format!("Total HT (TVA {rate}) : {}\n", format_eur(share.totals.ht_cents)));
            text.push_str(&format!("TVA {rate} : {}\n", format_eur(share.totals.vat_cents)));
        }
    }
    text.push_str(&format!("Total TTC : {}\n", format_eur(order.total_ttc_cents)));
    text.push_str(&format!("Paiement : {}\n", payment(order)));
    text.push_str(&format!("\nSuivre votre commande : {tracking_url}\n"));
    text.push_str(&format!(
        "\n{}\n{}, {} {}\nTél. {}\n",
        pizzeria.name, pizzeria.street, pizzeria.postcode, pizzeria.city, pizzeria.phone
    ));
    text.push_str(
        "\nCe message vous est envoyé au sujet de votre commande ; vos préférences se règlent dans votre compte.\n",
    );

    let body = html! {
        p { "Bonjour " (order.customer_name) "," }
        p style="font-size:18px;font-weight:bold" { (headline) }
        @if let Some(reason) = reason { p { "Motif : " (reason) } }
        @if let Some(requote) = &requote { p { strong { (requote) } } }
        p { "Commande " strong { (order.reference) } br; (mode.label()) " " (when(order))
            @if let (Mode::Delivery, Some(address)) = (mode, &address) { br; "Adresse de livraison : " (address) } }
        @if full {
            table cellpadding="4" style="border-collapse:collapse" {
                thead { tr { th align="left" { "Pizza" } th align="right" { "Quantité" } th align="right" { "Sous-total TTC" } } }
                tbody {
                    @for line in lines {
                        tr {
                            td { (line.pizza_name)
                                @if let Some(summary) = line.composition_summary() { br; small { (summary) } }
                                @if !line.note.is_empty() { br; small { "Note : " (line.note) } } }
                            td align="right" { (line.quantity) }
                            td align="right" { (format_eur(line.unit_price_cents * line.quantity)) }
                        }
                    }
                }
            }
            table cellpadding="4" {
                @for share in breakdown {
                    tr { td { "Total HT (TVA " (format_vat_rate(share.vat_rate_bp)) ")" } td align="right" { (format_eur(share.totals.ht_cents)) } }
                    tr { td { "TVA " (format_vat_rate(share.vat_rate_bp)) } td align="right" { (format_eur(share.totals.vat_cents)) } }
                }
            }
        }
        p { strong { "Total TTC : " (format_eur(order.total_ttc_cents)) } br; "Paiement : " (payment(order)) }
        p { a href=(tracking_url) { "Suivre votre commande" } }
        p { (pizzeria.name) br; (pizzeria.street) ", " (pizzeria.postcode) " " (pizzeria.city) br; "Tél. " (pizzeria.phone) }
        p style="color:#666;font-size:12px" { "Ce message vous est envoyé au sujet de votre commande ; vos préférences se règlent dans votre compte." }
    };
    Email { subject: kind.subject(&order.reference), text, html: document(&kind.subject(&order.reference), body) }
}

pub fn password_reset_email(reset_url: &str, valid_minutes: i64) -> Email {
    let kind = Kind::PasswordReset;
    let text = format!(
        "Bonjour,\n\n{}\n\nPour choisir un nouveau mot de passe, ouvrez ce lien (valable {valid_minutes} minutes, une seule fois) :\n{reset_url}\n\n\
         Si vous n'avez rien demandé, ignorez ce message : votre mot de passe ne change pas.\n",
        kind.headline("", "")
    );
    let body = html! {
        p { "Bonjour," }
        p { (kind.headline("", "")) }
        p { a href=(reset_url) { "Choisir un nouveau mot de passe" } }
        p { "Ce lien est valable " (valid_minutes) " minutes et ne sert qu'une fois." }
        p { "Si vous n'avez rien demandé, ignorez ce message : votre mot de passe ne change pas." }
    };
    Email { subject: kind.subject(""), text, html: document(&kind.subject(""), body) }
}

/// To the owner of an address someone tried to register with.
pub fn account_exists_email(login_url: &str, forgot_url: &str) -> Email {
    let kind = Kind::AccountExists;
    let text = format!(
        "Bonjour,\n\n{}\n\nSi c'était vous, connectez-vous : {login_url}\n         Mot de passe oublié ? Choisissez-en un nouveau : {forgot_url}\n\n         Si ce n'était pas vous, ignorez ce message : rien n'a changé sur votre compte.\n",
        kind.headline("", "")
    );
    let body = html! {
        p { "Bonjour," }
        p { (kind.headline("", "")) }
        p { "Si c'était vous : " a href=(login_url) { "connectez-vous" } ", ou " a href=(forgot_url) { "choisissez un nouveau mot de passe" } "." }
        p { "Si ce n'était pas vous, ignorez ce message : rien n'a changé sur votre compte." }
    };
    Email { subject: kind.subject(""), text, html: document(&kind.subject(""), body) }
}

/// A message to the staff (a stock alert): its text, and a link to the page that deals with it.
pub fn staff_email(subject: &str, text: &str, link: &str) -> Email {
    let body = html! {
        @for paragraph in text.split("\n\n") { p { @for (i, line) in paragraph.lines().enumerate() { @if i > 0 { br; } (line) } } }
        p { a href=(link) { "Ouvrir la page du stock" } }
    };
    Email {
        subject: subject.to_string(),
        text: format!("{text}\nLa page du stock : {link}\n"),
        html: document(subject, body),
    }
}

/// The text message: one sentence, with the pizzeria's phone number.
pub fn sms_text(kind: Kind, order: &Order) -> String {
    let headline = kind.headline(&order.reference, &order.pizzeria_name);
    match order.requoted_for.filter(|_| kind == Kind::Delayed) {
        Some(end) => format!(
            "{headline} Nouvelle estimation : {}. Tél. {}",
            crate::domain::requote::describe_window(order.mode(), end),
            order.pizzeria_phone
        ),
        None => format!("{headline} Tél. {}", order.pizzeria_phone),
    }
}

fn document(title: &str, body: Markup) -> String {
    html! {
        (DOCTYPE)
        html lang="fr" {
            head { meta charset="utf-8"; title { (title) } }
            body style="font-family:Arial,sans-serif;color:#222;max-width:600px" { (body) }
        }
    }
    .into_string()
}
