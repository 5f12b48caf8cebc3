//! A ticket of the live staff screens: the order's lines and notes, the customer and the
//! address (delivery), the payment to collect, the buttons of the moves this person may
//! make.

use chrono::{DateTime, Utc};
use maud::{html, Markup};

use super::forms::csrf;
use super::screens::{buttons, waiting, waiting_label, waiting_since, Screen, ScreenView, Waiting};
use crate::domain::money::{form_eur, format_eur};
use crate::domain::orders::{Mode, PaymentMethod, PaymentStatus, Status};
use crate::domain::slots;
use crate::domain::workflow;
use crate::store::screens::Ticket;

fn when(ticket: &Ticket) -> String {
    match ticket.requested_for.and_then(|t| DateTime::<Utc>::from_timestamp(t, 0)) {
        Some(slot) => format!("Pour {}", slots::describe(slot)),
        None => "Dès que possible".to_string(),
    }
}

/// A composition's words with every "SANS" in bold: a removal must not be missed.
fn composition_words(summary: &str) -> Markup {
    html! {
        @for (i, piece) in summary.split(" SANS ").enumerate() {
            @if i > 0 { " " strong.sans { "SANS" } " " }
            (piece)
        }
    }
}

fn clock(time: i64) -> String {
    DateTime::<Utc>::from_timestamp(time, 0).map(slots::clock).unwrap_or_default()
}

fn mode_label(mode: Mode) -> &'static str {
    match mode {
        Mode::Delivery => "➜ Livraison",
        Mode::Takeaway => "◼ À emporter",
    }
}

fn button_label(to: Status) -> &'static str {
    match to {
        Status::Preparing => "Commencer",
        Status::Ready => "Prête",
        Status::OutForDelivery => "Je prends",
        Status::Delivered => "Livrée",
        Status::Collected => "Remise au client",
        Status::Cancelled => "Annuler la commande",
        Status::Placed => "",
    }
}

pub(super) fn maps_link(ticket: &Ticket) -> String {
    let address = format!(
        "{}, {} {}",
        ticket.delivery_street.as_deref().unwrap_or_default(),
        ticket.delivery_postcode.as_deref().unwrap_or_default(),
        ticket.delivery_city.as_deref().unwrap_or_default()
    );
    let encoded: String = url::form_urlencoded::byte_serialize(address.as_bytes()).collect();
    format!("https://www.google.com/maps/search/?api=1&query={encoded}")
}

/// One order's ticket: what to make or deliver, for whom, when, and the buttons of the
/// moves this person may make.
pub fn card(view: &ScreenView<'_>, ticket: &Ticket) -> Markup {
    let status = ticket.status();
    let (level, minutes) = waiting(ticket, view.now, view.lead_minutes, view.warn_minutes, view.late_minutes);
    let level_class = match level {
        Waiting::Upcoming => "upcoming",
        Waiting::Fine => "fine",
        Waiting::Watch => "watch",
        Waiting::Late => "late",
    };
    let kitchen = view.screen == Screen::Kitchen;
    html! {
        article.ticket class=(format!("status-{} wait-{level_class}", status.as_str())) id=(format!("ticket-{}", ticket.reference))
            data-reference=(ticket.reference) data-status=(status.as_str()) {
            header.ticket-head {
                h2 { (ticket.reference) }
                span.badge.status-badge { (status.label()) }
                span.badge { (mode_label(ticket.mode())) }
                @if ticket.modified() && status != Status::Cancelled { span.badge.flag-modified { "✎ Modifiée" } }
            }
            @if let (Some(details), false) = (&ticket.modification, status == Status::Cancelled) {
                @if !details.is_empty() { p.flag-modified-details { strong { "Modifiée : " } (details) } }
            }
            @if status == Status::Cancelled {
                p.flag-cancelled role="alert" {
                    "✖ Annulée — ne pas préparer"
                    @if let Some(reason) = &ticket.cancel_reason { " : " (reason) }
                }
            }
            p.due { strong { (when(ticket)) }
                @if let (Some(promised), true) = (ticket.promised_for, kitchen) {
                    " · heure promise " (clock(promised))
                    @if let Some(requoted) = ticket.requoted_for { ", nouvelle estimation " (clock(requoted)) }
                }
            }
            @if let (Some(deadline), true) = (ticket.deadline, kitchen && status.is_open()) {
                p.flag-late data-late-after=(deadline) hidden[view.now <= deadline] {
                    "⛔ En retard sur l'heure promise" }
            }
            @if status.is_open() && view.screen != Screen::Delivery {
                p.elapsed data-since=(waiting_since(ticket, view.lead_minutes)) { (waiting_label(level, minutes)) }
            }
            ul.lines {
                @for line in &ticket.lines {
                    li {
                        @if kitchen {
                            a.line-link href=(format!("/kitchen/recipes/{}", line.pizza_slug)) {
                                span.qty { (line.quantity) " ×" } " " (line.pizza_name)
                            }
                        } @else {
                            span.qty { (line.quantity) " ×" } " " (line.pizza_name)
                        }
                        @if let Some(summary) = crate::store::orders::summary_of(line.composition.as_deref()) {
                            p.line-composition data-composition="" { (composition_words(&summary)) }
                        }
                        @if !line.note.is_empty() { p.line-note { "✎ " (line.note) } }
                    }
                }
            }
            @if !kitchen { (customer_block(view, ticket)) }
            @if status.is_open() { (actions(view, ticket)) }
        }
    }
}

fn customer_block(view: &ScreenView<'_>, ticket: &Ticket) -> Markup {
    html! {
        div.customer {
            p { strong { (ticket.customer_name) } " · " a href=(format!("tel:{}", ticket.customer_phone.replace(' ', ""))) { "☎ " (ticket.customer_phone) } }
            @if ticket.mode() == Mode::Delivery {
                p.address {
                    a href=(maps_link(ticket)) target="_blank" rel="noopener" {
                        "⌂ " (ticket.delivery_street.as_deref().unwrap_or_default()) ", "
                        (ticket.delivery_postcode.as_deref().unwrap_or_default()) " "
                        (ticket.delivery_city.as_deref().unwrap_or_default())
                    }
                }
                @if !ticket.delivery_instructions.is_empty() { p.line-note { "ℹ " (ticket.delivery_instructions) } }
            }
            p.amount {
                @if ticket.payment_status == PaymentStatus::Refunded {
                    "↩ Remboursée (" (format_eur(ticket.total_ttc_cents)) ")"
                } @else if ticket.paid() && ticket.status() == Status::Cancelled {
                    "↩ Remboursement en cours (" (format_eur(ticket.total_ttc_cents)) ")"
                } @else if ticket.paid() {
                    "✔ Payée (" (format_eur(ticket.total_ttc_cents)) ")"
                } @else if ticket.payment_method == PaymentMethod::Online {
                    "⌛ Paiement en ligne en attente (" (format_eur(ticket.total_ttc_cents)) ")"
                } @else {
                    "€ À encaisser : " strong { (format_eur(ticket.total_ttc_cents)) }
                    " (" (if ticket.payment_method == PaymentMethod::Card { "carte" } else { "espèces" }) ")"
                }
            }
            @if let (Some(driver), true) = (&ticket.driver_name, view.screen != Screen::Kitchen) {
                p.note { "Livreur : " (driver) }
            }
        }
    }
}

fn actions(view: &ScreenView<'_>, ticket: &Ticket) -> Markup {
    let action = format!("/staff/orders/{}/move", ticket.reference);
    let moves = buttons(view.screen, ticket, view.user);
    html! {
        div.ticket-actions {
            @for to in moves {
                @if to == Status::Cancelled {
                    details.cancel {
                        summary { "Annuler…" }
                        form method="post" action=(action) {
                            (csrf(view.csrf))
                            (hidden_fields(view, ticket, to))
                            label { "Motif (obligatoire)" input type="text" name="reason" required maxlength="200"; }
                            button.button.danger type="submit" { (button_label(to)) }
                        }
                    }
                } @else if matches!(to, Status::Delivered | Status::Collected) && !ticket.paid() {
                    form.collect method="post" action=(action) {
                        (csrf(view.csrf))
                        (hidden_fields(view, ticket, to))
                        label { "Paiement"
                            select name="method" {
                                @for method in workflow::COLLECTED_METHODS {
                                    option value=(method.as_str()) selected[ticket.payment_method == method
                                        || (ticket.payment_method == PaymentMethod::Online && method == PaymentMethod::Cash)] {
                                        (method.short_label())
                                    }
                                }
                            }
                        }
                        label { "Montant encaissé (€)"
                            input type="text" name="amount" inputmode="decimal" required value=(form_eur(ticket.total_ttc_cents));
                        }
                        button.button.big type="submit" { "✔ " (button_label(to)) }
                    }
                } @else {
                    form method="post" action=(action) {
                        (csrf(view.csrf))
                        (hidden_fields(view, ticket, to))
                        // Each move its own colour as well as its word: "Commencer" is not "Prête".
                        button.button.big class=(format!("move-{}", to.as_str())) type="submit" { (button_label(to)) }
                    }
                }
            }
        }
    }
}

fn hidden_fields(view: &ScreenView<'_>, ticket: &Ticket, to: Status) -> Markup {
    html! {
        input type="hidden" name="to" value=(to.as_str());
        input type="hidden" name="version" value=(ticket.version);
        input type="hidden" name="screen" value=(view.screen.as_str());
    }
}
