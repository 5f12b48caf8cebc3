//! The live staff screens: kitchen (a 10" tablet at arm's length), delivery (a phone),
//! counter (a PC). Every state is said in words and an icon as well as a colour; every
//! button is a plain form that works without JavaScript; `live.js` re-reads the queue when
//! the server says something changed.

use maud::{html, Markup};

use super::layout::{page, page_with_head, Nav};
use crate::config::Settings;
use crate::domain::orders::Status as OrderStatus;
use crate::domain::orders::Status;
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

pub(super) fn waiting_since(ticket: &Ticket, lead_minutes: i64) -> i64 {
    match ticket.requested_for {
        Some(slot) => (slot - lead_minutes * 60).max(ticket.created_at),
        None => ticket.created_at,
    }
}

pub(super) fn waiting_label(level: Waiting, minutes: i64) -> String {
    match level {
        Waiting::Upcoming if minutes < -60 => "⌛ à venir".to_string(),
        Waiting::Upcoming => format!("⌛ à lancer dans {} min", -minutes),
        Waiting::Fine => format!("◷ {minutes} min"),
        Waiting::Watch => format!("⚠ {minutes} min — à surveiller"),
        Waiting::Late => format!("⛔ {minutes} min — en retard"),
    }
}

/// The page: title, connection state, the queue (re-read live), a fallback refresh.
pub fn screen_page(nav: &Nav, view: &ScreenView<'_>, notice: Option<&str>) -> Markup {
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
                @if let Some(notice) = notice { p.notice role="status" { (notice) } }
                @if screen == Screen::Counter {
                    p.actions {
                        a.button href=(view.link("/staff/orders/new")) { "+ Nouvelle commande (téléphone ou comptoir)" }
                        " "
                        a href=(view.link("/staff/orders/done")) { "Commandes terminées aujourd'hui" }
                    }
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
            @for ticket in &open { li { (super::ticket::card(view, ticket)) } }
        }
        @if !cancelled.is_empty() {
            h2 { "Annulées récemment" }
            ol.tickets.cancelled aria-label="Commandes annulées" {
                @for ticket in &cancelled { li { (super::ticket::card(view, ticket)) } }
            }
        }
    }
}

/// An admin picks the pizzeria whose screen they want.
/// Today's finished orders of a pizzeria, the latest first: one card per order on a phone.
/// `back` leads to the counter screen.
pub fn finished_today(nav: &Nav, title: &str, here: &Here, back: &str, orders: &[Ticket]) -> Markup {
    page(
        &format!("{title} — {}", here.name),
        nav,
        html! {
            nav.breadcrumb aria-label="Fil d'Ariane" { a href=(back) { "Commandes en cours" } " › " (title) }
            h1 { (title) " " span.lead { (here.name) } }
            @if orders.is_empty() {
                p { "Aucune commande terminée aujourd'hui." }
            } @else {
                p.note { (orders.len()) " commande(s), la plus récente en premier." }
                table.stack.finished {
                    thead { tr {
                        th scope="col" { "Commande" } th scope="col" { "Terminée à" } th scope="col" { "Client" }
                        th scope="col" { "Pizzas" } th scope="col" { "Total" } th scope="col" { "Paiement" } th scope="col" { "État" }
                    } }
                    tbody {
                        @for order in orders {
                            @let status = order.status();
                            tr data-reference=(order.reference) {
                                td.stack-title { (order.reference) " · " (order.mode().label()) }
                                td data-label="Terminée à" { (super::paris_time(order.updated_at, "%Hh%M")) }
                                td data-label="Client" { (order.customer_name) " · " (order.customer_phone) }
                                td data-label="Pizzas" {
                                    (order.lines.iter().map(|l| format!("{} × {}", l.quantity, l.pizza_name)).collect::<Vec<_>>().join(", "))
                                }
                                td data-label="Total" { (crate::domain::money::format_eur(order.total_ttc_cents)) }
                                td data-label="Paiement" {
                                    (order.payment_method.short_label()) @if order.paid() { " (payée)" } @else { " (non payée)" }
                                }
                                td data-label="État" {
                                    (status.label())
                                    @if let (Status::Cancelled, Some(reason)) = (status, &order.cancel_reason) { " : " (reason) }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}

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
    use crate::domain::orders::{PaymentMethod, PaymentStatus};

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
            modification: None,
            promised_for: None,
            requoted_for: None,
            first_quarter: None,
            last_quarter: None,
            deadline: None,
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
            crate::views::ticket::maps_link(&t),
            "https://www.google.com/maps/search/?api=1&query=12+rue+de+l%27%C3%89glise%2C+75011+Paris"
        );
    }
}
