//! The live staff screens: kitchen (a 10" tablet at arm's length), delivery (a phone),
//! counter (a PC). Every state is said in words and an icon as well as a colour; every
//! button is a plain form that works without JavaScript; `live.js` re-reads the queue when
//! the server says something changed.

use chrono::{DateTime, Utc};
use maud::{html, Markup};

use super::forms::csrf;
use super::layout::{page, page_with_head, Nav};
use crate::config::Settings;
use crate::domain::money::{form_eur, format_eur};
use crate::domain::orders::Status as OrderStatus;
use crate::domain::orders::{Mode, PaymentMethod, PaymentStatus, Status};
use crate::domain::slots;
use crate::domain::workflow::{self, Mover};
use crate::store::screens::Ticket;
use crate::store::users::AuthUser;
use crate::unix_now;

/// The three live screens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Kitchen,
    Delivery,
    Counter,
}

impl Screen {
    pub fn parse(value: &str) -> Option<Screen> {
        match value {
            "kitchen" => Some(Screen::Kitchen),
            "delivery" => Some(Screen::Delivery),
            "counter" => Some(Screen::Counter),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Screen::Kitchen => "kitchen",
            Screen::Delivery => "delivery",
            Screen::Counter => "counter",
        }
    }

    pub fn path(self) -> &'static str {
        match self {
            Screen::Kitchen => "/kitchen",
            Screen::Delivery => "/delivery",
            Screen::Counter => "/staff/orders",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Screen::Kitchen => "Cuisine",
            Screen::Delivery => "Livraisons",
            Screen::Counter => "Commandes en cours",
        }
    }

    /// The moves this screen's buttons make (others are made elsewhere).
    pub fn moves(self) -> &'static [OrderStatus] {
        match self {
            Screen::Kitchen => &[OrderStatus::Preparing, OrderStatus::Ready],
            Screen::Delivery => &[OrderStatus::OutForDelivery, OrderStatus::Delivered],
            Screen::Counter => &[OrderStatus::Collected, OrderStatus::Cancelled],
        }
    }
}

/// The pizzeria a screen shows: a member of staff's own; an admin picks one.
#[derive(Debug, Clone)]
pub struct Here {
    pub id: i64,
    pub slug: String,
    pub name: String,
}

impl Here {
    /// The screen's address for this pizzeria (an admin's carries the pizzeria).
    pub fn link(&self, user: &AuthUser, path: &str) -> String {
        match user.pizzeria_id {
            Some(_) => path.to_string(),
            None => format!("{path}?pizzeria={}", self.slug),
        }
    }
}

/// The moves `user` may make on `ticket` from `screen`: what the buttons offer.
pub fn buttons(screen: Screen, ticket: &Ticket, user: &AuthUser) -> Vec<OrderStatus> {
    let mover = Mover::Staff { user_id: user.id, role: user.role };
    workflow::offered_moves(ticket.state(), mover).into_iter().filter(|to| screen.moves().contains(to)).collect()
}

/// Everything a screen's markup needs.
pub struct ScreenView<'a> {
    pub screen: Screen,
    pub here: &'a Here,
    pub user: &'a AuthUser,
    pub csrf: &'a str,
    pub tickets: &'a [Ticket],
    pub now: i64,
    pub lead_minutes: i64,
    pub warn_minutes: i64,
    pub late_minutes: i64,
}

impl<'a> ScreenView<'a> {
    pub fn new(
        screen: Screen,
        here: &'a Here,
        user: &'a AuthUser,
        csrf: &'a str,
        settings: &Settings,
        tickets: &'a [Ticket],
    ) -> Self {
        ScreenView {
            screen,
            here,
            user,
            csrf,
            tickets,
            now: unix_now(),
            lead_minutes: settings.preparation_lead_minutes,
            warn_minutes: settings.kitchen_warn_minutes,
            late_minutes: settings.kitchen_late_minutes,
        }
    }

    fn link(&self, path: &str) -> String {
        self.here.link(self.user, path)
    }
}

/// How long an order has waited, in the kitchen's three levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Waiting {
    /// Scheduled later: not to be started yet.
    Upcoming,
    Fine,
    Watch,
    Late,
}

/// An order waits from when it was placed or, for a later slot, from when its
/// preparation should start (the slot minus the lead time).
pub fn waiting(ticket: &Ticket, now: i64, lead_minutes: i64, warn: i64, late: i64) -> (Waiting, i64) {
    let start = waiting_since(ticket, lead_minutes);
    let minutes = (now - start).div_euclid(60);
    let level = match minutes {
        m if m < 0 => Waiting::Upcoming,
        m if m >= late => Waiting::Late,
        m if m >= warn => Waiting::Watch,
        _ => Waiting::Fine,
    };
    (level, minutes)
}

fn waiting_since(ticket: &Ticket, lead_minutes: i64) -> i64 {
    match ticket.requested_for {
        Some(slot) => (slot - lead_minutes * 60).max(ticket.created_at),
        None => ticket.created_at,
    }
}

fn waiting_label(level: Waiting, minutes: i64) -> String {
    match level {
        Waiting::Upcoming if minutes < -60 => "⌛ à venir".to_string(),
        Waiting::Upcoming => format!("⌛ à lancer dans {} min", -minutes),
        Waiting::Fine => format!("◷ {minutes} min"),
        Waiting::Watch => format!("⚠ {minutes} min — à surveiller"),
        Waiting::Late => format!("⛔ {minutes} min — en retard"),
    }
}

fn when(ticket: &Ticket) -> String {
    match ticket.requested_for.and_then(|t| DateTime::<Utc>::from_timestamp(t, 0)) {
        Some(slot) => format!("Pour {}", slots::describe(slot)),
        None => "Dès que possible".to_string(),
    }
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

fn maps_link(ticket: &Ticket) -> String {
    let address = format!(
        "{}, {} {}",
        ticket.delivery_street.as_deref().unwrap_or_default(),
        ticket.delivery_postcode.as_deref().unwrap_or_default(),
        ticket.delivery_city.as_deref().unwrap_or_default()
    );
    let encoded: String = url_encode(&address);
    format!("https://www.google.com/maps/search/?api=1&query={encoded}")
}

fn url_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            b' ' => "+".to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// The page: title, connection state, the queue (re-read live), a fallback refresh.
pub fn screen_page(nav: &Nav, view: &ScreenView<'_>) -> Markup {
    let screen = view.screen;
    let title = format!("{} — {}", screen.title(), view.here.name);
    let events = view.link(&format!("{}/events", events_base(screen)));
    let queue_url = view.link(&format!("{}/queue", screen.path()));
    page_with_head(
        &title,
        nav,
        // Without JavaScript the screen still follows, by reloading itself.
        html! { noscript { meta http-equiv="refresh" content="30"; } },
        html! {
            div class=(format!("screen screen-{}", screen.as_str())) {
                div.screen-head {
                    h1 { (screen.title()) " " span.lead { (view.here.name) } }
                    p.live-state #live-state role="status" aria-live="polite" data-state="connecting" {
                        noscript { "Mise à jour toutes les 30 secondes." }
                        span.js-only { "Connexion…" }
                    }
                }
                @if screen == Screen::Counter {
                    p { a.button href=(view.link("/staff/orders/new")) { "➕ Nouvelle commande (téléphone ou comptoir)" } }
                }
                div #queue data-live=(queue_url) data-events=(events) data-warn=(view.warn_minutes)
                    data-late=(view.late_minutes) { (queue(view)) }
            }
        },
    )
}

fn events_base(screen: Screen) -> &'static str {
    match screen {
        Screen::Kitchen => "/kitchen",
        Screen::Delivery => "/delivery",
        Screen::Counter => "/staff",
    }
}

/// The tickets, as the page shows them and as the script re-reads them.
pub fn queue(view: &ScreenView<'_>) -> Markup {
    let (cancelled, open): (Vec<&Ticket>, Vec<&Ticket>) =
        view.tickets.iter().partition(|t| t.status() == Status::Cancelled);
    html! {
        @if open.is_empty() {
            p.empty-queue { (match view.screen {
                Screen::Kitchen => "Aucune commande à préparer.",
                Screen::Delivery => "Aucune livraison en attente.",
                Screen::Counter => "Aucune commande en cours.",
            }) }
        }
        ol.tickets aria-label="Commandes" {
            @for ticket in &open { li { (ticket_card(view, ticket)) } }
        }
        @if !cancelled.is_empty() {
            h2 { "Annulées récemment" }
            ol.tickets.cancelled aria-label="Commandes annulées" {
                @for ticket in &cancelled { li { (ticket_card(view, ticket)) } }
            }
        }
    }
}

fn ticket_card(view: &ScreenView<'_>, ticket: &Ticket) -> Markup {
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
                @if ticket.modified && status != Status::Cancelled { span.badge.flag-modified { "✎ Modifiée" } }
            }
            @if status == Status::Cancelled {
                p.flag-cancelled role="alert" {
                    "✖ Annulée — ne pas préparer"
                    @if let Some(reason) = &ticket.cancel_reason { " : " (reason) }
                }
            }
            p.due { strong { (when(ticket)) } }
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
                                option value="cash" selected[ticket.payment_method != PaymentMethod::Card] { "Espèces" }
                                option value="card" selected[ticket.payment_method == PaymentMethod::Card] { "Carte" }
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
                        button.button.big type="submit" { (button_label(to)) }
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

/// An admin picks the pizzeria whose screen they want.
pub fn chooser(nav: &Nav, title: &str, choices: &[Here], path: &str) -> Markup {
    page(
        title,
        nav,
        html! {
            h1 { (title) }
            p { "Choisissez la pizzeria :" }
            ul.pizzeria-choices {
                @for here in choices {
                    li { a.button href=(format!("{path}?pizzeria={}", here.slug)) { (here.name) } }
                }
            }
        },
    )
}

/// A refused tap: what happened, and the way back to the screen.
pub fn refused(nav: &Nav, message: &str, back: &str) -> Markup {
    page(
        "Action refusée",
        nav,
        html! {
            section.error-page {
                h1 { "Action refusée" }
                p.error-detail role="alert" { (message) }
                p { a.button href=(back) { "Retour à l'écran" } }
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ticket(created_at: i64, requested_for: Option<i64>) -> Ticket {
        Ticket {
            id: 1,
            reference: "OC-AAAAAA".into(),
            pizzeria_id: 1,
            status: "placed".into(),
            mode: "takeaway".into(),
            channel: "web".into(),
            customer_name: "Léa".into(),
            customer_phone: "06 12 34 56 78".into(),
            delivery_street: None,
            delivery_postcode: None,
            delivery_city: None,
            delivery_instructions: String::new(),
            requested_for,
            payment_method: PaymentMethod::Cash,
            payment_status: PaymentStatus::Unpaid,
            total_ttc_cents: 1000,
            cancel_reason: None,
            driver_id: None,
            driver_name: None,
            version: 1,
            created_at,
            updated_at: created_at,
            modified: false,
            lines: Vec::new(),
        }
    }

    #[test]
    fn waiting_levels_follow_the_thresholds() {
        let now = 100_000;
        assert_eq!(waiting(&ticket(now - 5 * 60, None), now, 30, 15, 25), (Waiting::Fine, 5));
        assert_eq!(waiting(&ticket(now - 15 * 60, None), now, 30, 15, 25), (Waiting::Watch, 15));
        assert_eq!(waiting(&ticket(now - 40 * 60, None), now, 30, 15, 25), (Waiting::Late, 40));
        // Wanted in two hours: to be started in 90 minutes.
        assert_eq!(waiting(&ticket(now - 60, Some(now + 120 * 60)), now, 30, 15, 25), (Waiting::Upcoming, -90));
        assert_eq!(waiting_label(Waiting::Upcoming, -90), "⌛ à venir");
        assert_eq!(waiting_label(Waiting::Upcoming, -20), "⌛ à lancer dans 20 min");
        assert!(waiting_label(Waiting::Late, 40).contains("en retard"), "said in words, not only in colour");
    }

    #[test]
    fn addresses_open_in_a_maps_app() {
        let mut t = ticket(0, None);
        t.delivery_street = Some("12 rue de l'Église".into());
        t.delivery_postcode = Some("75011".into());
        t.delivery_city = Some("Paris".into());
        assert_eq!(
            maps_link(&t),
            "https://www.google.com/maps/search/?api=1&query=12+rue+de+l%27%C3%89glise%2C+75011+Paris"
        );
    }
}
