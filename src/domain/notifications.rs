//! Who is told what about an order, by which channel: the rule is here, the outbox
//! (written in the order's own transaction) and the worker that sends are elsewhere.
//!
//! A customer hears of every step that changes their evening (received, in the oven,
//! ready to collect, on its way, delivered, cancelled, modified). Some steps are the
//! shop's own business and are not told: a delivery order being `ready` (it waits for a
//! driver) and a takeaway being `collected` (the customer is standing at the counter).

use super::orders::{Mode, Status};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Email,
    Sms,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
        }
    }

    pub fn parse(value: &str) -> Option<Channel> {
        match value {
            "email" => Some(Channel::Email),
            "sms" => Some(Channel::Sms),
            _ => None,
        }
    }
}

/// What a message is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Confirmation,
    Modified,
    Preparing,
    Ready,
    OutForDelivery,
    Delivered,
    Cancelled,
    /// The promise slipped: the kitchen or the drivers fell behind (told once per order).
    Delayed,
    PasswordReset,
    /// To a pizzeria's managers: an ingredient is low or out.
    StockAlert,
    /// To an account's owner: someone tried to register with its address (the site
    /// answered as for a new account, so as not to tell who has one).
    AccountExists,
}

impl Kind {
    pub const ALL: [Kind; 11] = [
        Kind::Confirmation,
        Kind::Modified,
        Kind::Preparing,
        Kind::Ready,
        Kind::OutForDelivery,
        Kind::Delivered,
        Kind::Cancelled,
        Kind::Delayed,
        Kind::PasswordReset,
        Kind::StockAlert,
        Kind::AccountExists,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Confirmation => "confirmation",
            Kind::Modified => "modified",
            Kind::Preparing => "preparing",
            Kind::Ready => "ready",
            Kind::OutForDelivery => "out_for_delivery",
            Kind::Delivered => "delivered",
            Kind::Cancelled => "cancelled",
            Kind::Delayed => "delayed",
            Kind::PasswordReset => "password_reset",
            Kind::StockAlert => "stock_alert",
            Kind::AccountExists => "account_exists",
        }
    }

    pub fn parse(value: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|kind| kind.as_str() == value)
    }

    /// Told even to a customer who asked for the essential messages only.
    fn is_essential(self) -> bool {
        matches!(
            self,
            Kind::Confirmation
                | Kind::Modified
                | Kind::Cancelled
                | Kind::Delayed
                | Kind::PasswordReset
                | Kind::StockAlert
                | Kind::AccountExists
        )
    }

    /// The steps worth a text message: when to be at the door or at the counter.
    fn goes_by_sms(self) -> bool {
        matches!(self, Kind::Preparing | Kind::Ready | Kind::OutForDelivery | Kind::Delayed)
    }

    /// The subject of the e-mail.
    pub fn subject(self, reference: &str) -> String {
        match self {
            Kind::Confirmation => format!("Commande {reference} reçue"),
            Kind::Modified => format!("Commande {reference} modifiée"),
            Kind::Preparing => format!("Commande {reference} : en préparation"),
            Kind::Ready => format!("Commande {reference} : prête à retirer"),
            Kind::OutForDelivery => format!("Commande {reference} : en route"),
            Kind::Delivered => format!("Commande {reference} livrée"),
            Kind::Cancelled => format!("Commande {reference} annulée"),
            Kind::Delayed => format!("Commande {reference} : nouvel horaire"),
            Kind::PasswordReset => "Réinitialisation de votre mot de passe OC Pizza".to_string(),
            Kind::StockAlert => "Alerte de stock".to_string(),
            Kind::AccountExists => "Votre compte OC Pizza existe déjà".to_string(),
        }
    }

    /// One sentence: the text message, and the first line of the e-mail.
    pub fn headline(self, reference: &str, pizzeria: &str) -> String {
        match self {
            Kind::Confirmation => format!("{pizzeria} a bien reçu votre commande {reference}."),
            Kind::Modified => format!("Votre commande {reference} a été modifiée."),
            Kind::Preparing => format!("OC Pizza : votre commande {reference} est en préparation chez {pizzeria}."),
            Kind::Ready => format!("OC Pizza : votre commande {reference} est prête à emporter chez {pizzeria}."),
            Kind::OutForDelivery => format!("OC Pizza : votre commande {reference} est en route."),
            Kind::Delivered => format!("Votre commande {reference} a été livrée. Bon appétit !"),
            Kind::Cancelled => format!("Votre commande {reference} a été annulée."),
            Kind::Delayed => {
                format!(
                    "OC Pizza : {pizzeria} a pris du retard, votre commande {reference} arrivera plus tard que prévu."
                )
            }
            Kind::PasswordReset => "Vous avez demandé à changer le mot de passe de votre compte OC Pizza.".into(),
            Kind::StockAlert => format!("Alerte de stock à {pizzeria}."),
            Kind::AccountExists => {
                "Quelqu'un, peut-être vous, a voulu créer un compte OC Pizza avec cette adresse, qui en a déjà un."
                    .into()
            }
        }
    }
}

/// What happened to an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Happening {
    Placed,
    Modified,
    Moved(Status),
    /// Its promise slipped by more than the installation's tolerance.
    Delayed,
}

/// The message a happening deserves, if any.
pub fn kind_for(happening: Happening, mode: Mode) -> Option<Kind> {
    match happening {
        Happening::Placed => Some(Kind::Confirmation),
        Happening::Modified => Some(Kind::Modified),
        Happening::Delayed => Some(Kind::Delayed),
        Happening::Moved(status) => match status {
            Status::Placed => None,
            Status::Preparing => Some(Kind::Preparing),
            Status::Ready if mode == Mode::Takeaway => Some(Kind::Ready),
            Status::Ready => None,
            Status::OutForDelivery => Some(Kind::OutForDelivery),
            Status::Delivered => Some(Kind::Delivered),
            Status::Collected => None,
            Status::Cancelled => Some(Kind::Cancelled),
        },
    }
}

/// How much e-mail a customer wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailLevel {
    All,
    Essential,
    None,
}

impl EmailLevel {
    pub const ALL: [EmailLevel; 3] = [EmailLevel::All, EmailLevel::Essential, EmailLevel::None];

    pub fn as_str(self) -> &'static str {
        match self {
            EmailLevel::All => "all",
            EmailLevel::Essential => "essential",
            EmailLevel::None => "none",
        }
    }

    pub fn parse(value: &str) -> Option<EmailLevel> {
        EmailLevel::ALL.into_iter().find(|level| level.as_str() == value)
    }

    pub fn label(self) -> &'static str {
        match self {
            EmailLevel::All => "Chaque étape (reçue, en préparation, prête, en route, livrée)",
            EmailLevel::Essential => "L'essentiel (confirmation, modification, annulation)",
            EmailLevel::None => "Aucun e-mail",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Preferences {
    pub email: EmailLevel,
    pub sms: bool,
}

impl Preferences {
    /// From a form's `notify_email` (all / essential / none) and `notify_sms` fields.
    pub fn from_form(email: &str, sms: bool) -> Result<Preferences, String> {
        let email = match email.trim() {
            "" => EmailLevel::All,
            value => EmailLevel::parse(value).ok_or("Choisissez quels e-mails vous voulez recevoir.")?,
        };
        Ok(Preferences { email, sms })
    }
}

impl Default for Preferences {
    fn default() -> Self {
        Preferences { email: EmailLevel::All, sms: false }
    }
}

/// A message to write in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    pub channel: Channel,
    pub kind: Kind,
    pub recipient: String,
}

/// Which channels are switched on in this installation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Channels {
    pub email: bool,
    pub sms: bool,
}

/// The messages an order's happening sends: by e-mail when the order has an address and
/// its customer wants that kind of message; by SMS when the customer accepted texts and
/// gave a mobile number.
pub fn planned(
    happening: Happening,
    mode: Mode,
    preferences: Preferences,
    email: Option<&str>,
    phone: &str,
    channels: Channels,
) -> Vec<Planned> {
    let Some(kind) = kind_for(happening, mode) else { return Vec::new() };
    let mut messages = Vec::new();
    let wants_email = match preferences.email {
        EmailLevel::All => true,
        EmailLevel::Essential => kind.is_essential(),
        EmailLevel::None => false,
    };
    if let (true, true, Some(address)) = (channels.email, wants_email, email.filter(|e| !e.trim().is_empty())) {
        messages.push(Planned { channel: Channel::Email, kind, recipient: address.trim().to_string() });
    }
    if channels.sms && preferences.sms && kind.goes_by_sms() {
        if let Some(number) = mobile_number(phone) {
            messages.push(Planned { channel: Channel::Sms, kind, recipient: number });
        }
    }
    messages
}

/// A French mobile number (06…, 07…, +33 6…, 0033 7…) in international form
/// (`+33612345678`); `None` for a landline or anything else.
pub fn mobile_number(phone: &str) -> Option<String> {
    let digits: String = phone.chars().filter(|c| c.is_ascii_digit() || *c == '+').collect();
    let national = if let Some(rest) = digits.strip_prefix("+33") {
        rest.to_string()
    } else if let Some(rest) = digits.strip_prefix("0033") {
        rest.to_string()
    } else if let Some(rest) = digits.strip_prefix('0') {
        rest.to_string()
    } else {
        return None;
    };
    let is_mobile = national.len() == 9
        && national.chars().all(|c| c.is_ascii_digit())
        && (national.starts_with('6') || national.starts_with('7'));
    is_mobile.then(|| format!("+33{national}"))
}

/// How long to wait before attempt `attempts + 1`, after `attempts` failed ones: the base
/// delay doubled at each failure, at most an hour.
pub fn retry_delay_seconds(attempts: i64, base_seconds: i64) -> i64 {
    let doublings = attempts.saturating_sub(1).clamp(0, 20) as u32;
    base_seconds.max(1).saturating_mul(1_i64 << doublings).min(3600)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ON: Channels = Channels { email: true, sms: true };

    fn kinds(messages: &[Planned], channel: Channel) -> Vec<Kind> {
        messages.iter().filter(|m| m.channel == channel).map(|m| m.kind).collect()
    }

    #[test]
    fn a_delivery_is_told_each_step_but_ready_and_a_takeaway_each_step_but_collected() {
        let all = Preferences { email: EmailLevel::All, sms: false };
        let told = |mode, happenings: &[Happening]| -> Vec<Kind> {
            happenings
                .iter()
                .flat_map(|h| planned(*h, mode, all, Some("a@b.fr"), "0145454545", ON))
                .map(|m| m.kind)
                .collect()
        };
        let delivery = [
            Happening::Placed,
            Happening::Moved(Status::Preparing),
            Happening::Moved(Status::Ready),
            Happening::Moved(Status::OutForDelivery),
            Happening::Moved(Status::Delivered),
        ];
        assert_eq!(
            told(Mode::Delivery, &delivery),
            vec![Kind::Confirmation, Kind::Preparing, Kind::OutForDelivery, Kind::Delivered]
        );
        let takeaway = [
            Happening::Placed,
            Happening::Modified,
            Happening::Moved(Status::Preparing),
            Happening::Moved(Status::Ready),
            Happening::Moved(Status::Collected),
        ];
        assert_eq!(
            told(Mode::Takeaway, &takeaway),
            vec![Kind::Confirmation, Kind::Modified, Kind::Preparing, Kind::Ready]
        );
        assert_eq!(told(Mode::Takeaway, &[Happening::Moved(Status::Cancelled)]), vec![Kind::Cancelled]);
    }

    #[test]
    fn preferences_and_contact_details_choose_the_channels() {
        let essential = Preferences { email: EmailLevel::Essential, sms: true };
        let preparing = planned(
            Happening::Moved(Status::Preparing),
            Mode::Delivery,
            essential,
            Some("a@b.fr"),
            "06 12 34 56 78",
            ON,
        );
        assert_eq!(kinds(&preparing, Channel::Email), vec![]);
        assert_eq!(
            preparing,
            vec![Planned { channel: Channel::Sms, kind: Kind::Preparing, recipient: "+33612345678".into() }]
        );
        let cancelled =
            planned(Happening::Moved(Status::Cancelled), Mode::Delivery, essential, Some("a@b.fr"), "0612345678", ON);
        assert_eq!(kinds(&cancelled, Channel::Email), vec![Kind::Cancelled]);
        assert_eq!(kinds(&cancelled, Channel::Sms), vec![], "texts only for the doorstep steps");
        // A landline gets no text; no address, no e-mail; a channel switched off sends nothing.
        let all_sms = Preferences { email: EmailLevel::All, sms: true };
        assert!(planned(Happening::Moved(Status::Preparing), Mode::Delivery, all_sms, None, "01 45 45 45 45", ON)
            .is_empty());
        let off = Channels { email: false, sms: false };
        assert!(planned(Happening::Placed, Mode::Delivery, all_sms, Some("a@b.fr"), "0612345678", off).is_empty());
        let none = Preferences { email: EmailLevel::None, sms: false };
        assert!(planned(Happening::Placed, Mode::Delivery, none, Some("a@b.fr"), "0612345678", ON).is_empty());
    }

    #[test]
    fn mobile_numbers_are_french_06_and_07_in_international_form() {
        assert_eq!(mobile_number("06 12 34 56 78").as_deref(), Some("+33612345678"));
        assert_eq!(mobile_number("+33 7 12 34 56 78").as_deref(), Some("+33712345678"));
        assert_eq!(mobile_number("0033612345678").as_deref(), Some("+33612345678"));
        assert_eq!(mobile_number("01 45 45 45 45"), None);
        assert_eq!(mobile_number("0612"), None);
        assert_eq!(mobile_number("612345678"), None);
    }

    #[test]
    fn retries_double_from_the_base_up_to_an_hour() {
        let schedule: Vec<i64> = (1..=9).map(|attempts| retry_delay_seconds(attempts, 30)).collect();
        assert_eq!(schedule, vec![30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
        assert_eq!(retry_delay_seconds(0, 30), 30);
        assert_eq!(retry_delay_seconds(1_000, 1), 3600);
    }

    #[test]
    fn form_values_become_preferences_and_unknown_ones_are_refused() {
        assert_eq!(Preferences::from_form("", false), Ok(Preferences::default()));
        assert_eq!(
            Preferences::from_form("essential", true),
            Ok(Preferences { email: EmailLevel::Essential, sms: true })
        );
        assert!(Preferences::from_form("spam", false).is_err());
    }

    #[test]
    fn kinds_round_trip_through_their_names() {
        for kind in Kind::ALL {
            assert_eq!(Kind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(Kind::parse("spam"), None);
        assert!(Kind::Preparing.subject("OC-1").contains("OC-1"));
    }
}
