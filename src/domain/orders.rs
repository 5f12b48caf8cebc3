//! An order's life: its status, channel, mode and payment, and what its customer may
//! still do with it. (The staff transitions join this module with the kitchen work.)

use std::collections::{BTreeMap, HashMap};

use super::availability::RecipeNeed;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Placed,
    Preparing,
    Ready,
    OutForDelivery,
    Delivered,
    Collected,
    Cancelled,
}

impl Status {
    pub const ALL: [Status; 7] = [
        Status::Placed,
        Status::Preparing,
        Status::Ready,
        Status::OutForDelivery,
        Status::Delivered,
        Status::Collected,
        Status::Cancelled,
    ];

    pub fn parse(value: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.as_str() == value)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Placed => "placed",
            Status::Preparing => "preparing",
            Status::Ready => "ready",
            Status::OutForDelivery => "out_for_delivery",
            Status::Delivered => "delivered",
            Status::Collected => "collected",
            Status::Cancelled => "cancelled",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Status::Placed => "Reçue",
            Status::Preparing => "En préparation",
            Status::Ready => "Prête",
            Status::OutForDelivery => "En livraison",
            Status::Delivered => "Livrée",
            Status::Collected => "Retirée",
            Status::Cancelled => "Annulée",
        }
    }

    /// The steps a customer follows on the order's page, in order (`cancelled` aside).
    pub fn journey(mode: Mode) -> &'static [Status] {
        match mode {
            Mode::Delivery => {
                &[Status::Placed, Status::Preparing, Status::Ready, Status::OutForDelivery, Status::Delivered]
            }
            Mode::Takeaway => &[Status::Placed, Status::Preparing, Status::Ready, Status::Collected],
        }
    }

    /// Not finished yet (neither handed over nor cancelled).
    pub fn is_open(self) -> bool {
        !matches!(self, Status::Delivered | Status::Collected | Status::Cancelled)
    }

    /// The customer may change lines, address or time, or cancel, only before the
    /// kitchen starts.
    pub fn customer_may_change(self) -> bool {
        self == Status::Placed
    }
}

/// A note for the kitchen as typed on a line: one line of text, not too long.
pub fn kitchen_note(note: &str) -> Result<String, String> {
    super::fields::note(note, NOTE_MAX_CHARACTERS)
        .map(|note| note.replace('\n', " "))
        .map_err(|message| format!("Note pour la cuisine : {message}"))
}

/// An online order placed and not paid yet: its customer is sent to the payment page.
/// (`store::payment_rules` is this rule in SQL, checked against it on both databases.)
pub fn awaiting_online_payment(method: PaymentMethod, payment: PaymentStatus, status: Status) -> bool {
    method == PaymentMethod::Online && payment == PaymentStatus::Unpaid && status == Status::Placed
}

/// An online order whose payment has not come: the kitchen does not see it yet (nor, once
/// cancelled unpaid, its cancellation).
pub fn kitchen_waits_for_payment(method: PaymentMethod, payment: PaymentStatus) -> bool {
    method == PaymentMethod::Online && payment == PaymentStatus::Unpaid
}

/// An order still open and not paid: what a guest may have only a few of at once.
pub fn open_and_unpaid(payment: PaymentStatus, status: Status) -> bool {
    payment == PaymentStatus::Unpaid && status.is_open()
}

/// What the order page and the staff screens say of an order's payment.
pub fn payment_state(method: PaymentMethod, payment: PaymentStatus, status: Status) -> &'static str {
    match (method, payment, status) {
        (_, PaymentStatus::Refunded, _) => "remboursée",
        (_, PaymentStatus::Paid, Status::Cancelled) => "remboursement en cours",
        (_, PaymentStatus::Paid, _) => "payée",
        (PaymentMethod::Online, PaymentStatus::Unpaid, Status::Placed) => "en attente du paiement en ligne",
        (PaymentMethod::Online, PaymentStatus::Unpaid, _) => "non payée",
        (_, PaymentStatus::Unpaid, _) => "à régler",
    }
}

/// Lines, address or time may change while the order is `placed` — except when it is paid
/// online: the customer's card paid (or is paying) the amount of the provider's
/// PaymentIntent, so such an order is cancelled (and refunded) rather than changed.
pub fn customer_may_modify(status: Status, method: PaymentMethod) -> bool {
    status.customer_may_change() && method != PaymentMethod::Online
}

/// Where an order's money stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PaymentStatus {
    Unpaid,
    Paid,
    /// Paid, then given back (an online order cancelled).
    Refunded,
}

impl PaymentStatus {
    pub const ALL: [PaymentStatus; 3] = [PaymentStatus::Unpaid, PaymentStatus::Paid, PaymentStatus::Refunded];

    pub fn parse(value: &str) -> Option<PaymentStatus> {
        PaymentStatus::ALL.into_iter().find(|s| s.as_str() == value)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PaymentStatus::Unpaid => "unpaid",
            PaymentStatus::Paid => "paid",
            PaymentStatus::Refunded => "refunded",
        }
    }
}

/// A column's text, read into one of these enums (`#[sqlx(try_from = "String")]` on the
/// rows): a value the schema's CHECK forbids is an error, not a default.
macro_rules! from_column {
    ($type:ty) => {
        impl TryFrom<String> for $type {
            type Error = String;

            fn try_from(value: String) -> Result<Self, String> {
                <$type>::parse(&value).ok_or_else(|| format!("unknown {} {value:?}", stringify!($type)))
            }
        }
    };
}

from_column!(PaymentStatus);
from_column!(PaymentMethod);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Delivery,
    Takeaway,
}

impl Mode {
    pub fn parse(value: &str) -> Option<Mode> {
        match value {
            "delivery" => Some(Mode::Delivery),
            "takeaway" => Some(Mode::Takeaway),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Delivery => "delivery",
            Mode::Takeaway => "takeaway",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Mode::Delivery => "Livraison",
            Mode::Takeaway => "À emporter",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentMethod {
    Online,
    Cash,
    Card,
}

impl PaymentMethod {
    pub const ALL: [PaymentMethod; 3] = [PaymentMethod::Online, PaymentMethod::Cash, PaymentMethod::Card];

    pub fn parse(value: &str) -> Option<PaymentMethod> {
        match value {
            "online" => Some(PaymentMethod::Online),
            "cash" => Some(PaymentMethod::Cash),
            "card" => Some(PaymentMethod::Card),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PaymentMethod::Online => "online",
            PaymentMethod::Cash => "cash",
            PaymentMethod::Card => "card",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            PaymentMethod::Online => "En ligne",
            PaymentMethod::Cash => "Espèces, à la livraison ou au comptoir",
            PaymentMethod::Card => "Carte bancaire, à la livraison ou au comptoir",
        }
    }

    /// In a word, for tables and exports.
    pub fn short_label(self) -> &'static str {
        match self {
            PaymentMethod::Online => "En ligne",
            PaymentMethod::Cash => "Espèces",
            PaymentMethod::Card => "Carte bancaire",
        }
    }
}

/// How someone reaches an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Its customer, signed in.
    Customer,
    /// The guest who holds its private key.
    Guest,
    /// Staff of its pizzeria, or an admin: they see it; their own screens act on it.
    Staff,
}

impl Access {
    /// The customer's actions (modify, cancel) are for the customer and the guest only.
    pub fn can_change(self) -> bool {
        matches!(self, Access::Customer | Access::Guest)
    }
}

/// The answer to "may this visitor see this order?".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    Granted(Access),
    /// Nobody is signed in and no key was given: ask them to authenticate first.
    SignInFirst,
    /// Someone else's order: it does not exist for this visitor (404).
    Hidden,
}

/// Who sees an order: the guest whose key matches, its customer, an admin, the staff of its
/// pizzeria. `viewer` is (user id, role, pizzeria) of the signed-in visitor.
pub fn reach(
    customer_id: Option<i64>,
    pizzeria_id: i64,
    key: Option<bool>,
    viewer: Option<(i64, super::roles::Role, Option<i64>)>,
) -> Reach {
    use super::roles::Role;
    if key == Some(true) {
        return Reach::Granted(Access::Guest);
    }
    match viewer {
        Some((id, _, _)) if customer_id == Some(id) => Reach::Granted(Access::Customer),
        Some((_, Role::Admin, _)) => Reach::Granted(Access::Staff),
        Some((_, role, pizzeria)) if role.is_staff() && pizzeria == Some(pizzeria_id) => Reach::Granted(Access::Staff),
        None if key.is_none() => Reach::SignInFirst,
        _ => Reach::Hidden,
    }
}

/// Whether a guest's private link still opens its order: always while the order is open,
/// and for `keep_days` after it was handed over or cancelled (`closed_at`: its last change).
pub fn guest_link_live(status: Status, closed_at: i64, now: i64, keep_days: i64) -> bool {
    status.is_open() || now < closed_at.saturating_add(keep_days.saturating_mul(86_400))
}

/// Limits of one order, so that a typo (or a script) cannot empty a pizzeria.
pub const MAX_LINES: usize = 20;
pub const MAX_QUANTITY_PER_LINE: i64 = 20;
pub const MAX_PIZZAS: i64 = 50;
pub const NOTE_MAX_CHARACTERS: usize = 140;

/// A quantity typed in a form: 1 to [`MAX_QUANTITY_PER_LINE`].
pub fn quantity(value: &str) -> Result<i64, String> {
    match value.trim().parse::<i64>() {
        Ok(n) if (1..=MAX_QUANTITY_PER_LINE).contains(&n) => Ok(n),
        Ok(n) if n < 1 => Err("La quantité doit être d'au moins 1.".into()),
        Ok(_) => Err(format!("{MAX_QUANTITY_PER_LINE} pizzas identiques au plus par ligne ; appelez la pizzeria pour une grosse commande.")),
        Err(_) => Err("La quantité doit être un nombre entier.".into()),
    }
}

/// The size rules of a whole order (lines and pizzas).
pub fn check_size(quantities: &[i64]) -> Result<(), String> {
    if quantities.is_empty() {
        return Err("La commande est vide.".into());
    }
    if quantities.len() > MAX_LINES {
        return Err(format!("{MAX_LINES} lignes au plus par commande."));
    }
    if quantities.iter().sum::<i64>() > MAX_PIZZAS {
        return Err(format!(
            "{MAX_PIZZAS} pizzas au plus par commande ; appelez la pizzeria pour une grosse commande."
        ));
    }
    Ok(())
}

/// How much of each ingredient an order takes, sorted by ingredient (the order in which
/// stock rows are locked, so that two orders never wait on each other in a cycle).
pub fn stock_needs(lines: &[(i64, i64)], recipes: &HashMap<i64, Vec<RecipeNeed>>) -> BTreeMap<i64, i64> {
    let mut needs = BTreeMap::new();
    for (pizza_id, quantity) in lines {
        for need in recipes.get(pizza_id).map(Vec::as_slice).unwrap_or_default() {
            *needs.entry(need.ingredient_id).or_default() += need.quantity * quantity;
        }
    }
    needs
}

/// An order reference: short, unambiguous to read out on the phone, not sequential.
pub fn reference_from(random: &[u8; 6]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let code: String = random.iter().map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char).collect();
    format!("OC-{code}")
}

/// Why an order with customised pizzas is not changed on the site yet (the modification
/// form offers plain pizzas only: saving it would lose the compositions).
pub const CUSTOMISED_NOT_MODIFIABLE: &str =
    "Cette commande contient des pizzas personnalisées, qui ne se modifient pas \
     encore sur le site : annulez-la et commandez à nouveau, ou appelez la pizzeria.";

/// When the customer can expect the order ready (UTC epoch seconds): the slot they asked
/// for, or, as soon as possible, the time it was placed plus the preparation lead time.
pub fn expected_at(created_at: i64, requested_for: Option<i64>, lead_minutes: i64) -> i64 {
    requested_for.unwrap_or(created_at + lead_minutes * 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_journey_follows_the_mode_and_the_estimate_the_slot_or_the_lead_time() {
        assert_eq!(Status::journey(Mode::Delivery).last(), Some(&Status::Delivered));
        assert_eq!(Status::journey(Mode::Takeaway).last(), Some(&Status::Collected));
        assert!(!Status::journey(Mode::Takeaway).contains(&Status::OutForDelivery));
        assert_eq!(expected_at(1_000, None, 30), 2_800);
        assert_eq!(expected_at(1_000, Some(9_000), 30), 9_000);
    }

    #[test]
    fn the_payment_is_described_as_the_customer_and_staff_need_it() {
        use PaymentMethod::*;
        use PaymentStatus::*;
        assert_eq!(payment_state(Online, Unpaid, Status::Placed), "en attente du paiement en ligne");
        assert_eq!(payment_state(Online, Unpaid, Status::Cancelled), "non payée");
        assert_eq!(payment_state(Online, Paid, Status::Preparing), "payée");
        assert_eq!(payment_state(Online, Paid, Status::Cancelled), "remboursement en cours");
        assert_eq!(payment_state(Online, Refunded, Status::Cancelled), "remboursée");
        assert_eq!(payment_state(Cash, Unpaid, Status::Ready), "à régler");
        assert_eq!(payment_state(Card, Paid, Status::Collected), "payée");
    }

    #[test]
    fn an_order_paid_online_is_cancelled_rather_than_modified() {
        assert!(customer_may_modify(Status::Placed, PaymentMethod::Cash));
        assert!(!customer_may_modify(Status::Placed, PaymentMethod::Online));
        assert!(!customer_may_modify(Status::Preparing, PaymentMethod::Card));
    }

    #[test]
    fn statuses_round_trip() {
        for status in Status::ALL {
            assert_eq!(Status::parse(status.as_str()), Some(status));
        }
        assert_eq!(Status::parse("lost"), None);
        assert!(Status::Placed.customer_may_change());
        assert!(!Status::Preparing.customer_may_change());
        assert!(Status::Ready.is_open() && !Status::Cancelled.is_open() && !Status::Collected.is_open());
    }

    #[test]
    fn who_reaches_an_order() {
        use crate::domain::roles::Role;
        let reach_as = |key, viewer| reach(Some(7), 1, key, viewer);
        assert_eq!(reach_as(Some(true), None), Reach::Granted(Access::Guest));
        assert_eq!(reach_as(None, Some((7, Role::Customer, None))), Reach::Granted(Access::Customer));
        assert_eq!(reach_as(None, Some((8, Role::Customer, None))), Reach::Hidden);
        assert_eq!(reach_as(None, Some((9, Role::Pizzaiolo, Some(1)))), Reach::Granted(Access::Staff));
        assert_eq!(reach_as(None, Some((9, Role::Pizzaiolo, Some(2)))), Reach::Hidden);
        assert_eq!(reach_as(None, Some((1, Role::Admin, None))), Reach::Granted(Access::Staff));
        assert_eq!(reach_as(None, None), Reach::SignInFirst);
        assert_eq!(reach_as(Some(false), None), Reach::Hidden, "a wrong key");
        assert!(Access::Guest.can_change() && !Access::Staff.can_change());
    }

    #[test]
    fn quantities() {
        assert_eq!(quantity(" 3 "), Ok(3));
        assert_eq!(quantity("20"), Ok(20));
        for bad in ["0", "-1", "21", "10000", "1.5", "", "trois", "99999999999999999999"] {
            assert!(quantity(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn order_size() {
        assert!(check_size(&[]).is_err());
        assert_eq!(check_size(&[20, 20, 10]), Ok(()));
        assert!(check_size(&[20, 20, 11]).unwrap_err().contains("50 pizzas"));
        assert!(check_size(&[1; 21]).unwrap_err().contains("20 lignes"));
    }

    #[test]
    fn needs_add_up_per_ingredient_in_ingredient_order() {
        let recipes = HashMap::from([
            (1, vec![RecipeNeed { ingredient_id: 7, quantity: 120 }, RecipeNeed { ingredient_id: 3, quantity: 1 }]),
            (2, vec![RecipeNeed { ingredient_id: 7, quantity: 100 }]),
        ]);
        let needs = stock_needs(&[(1, 2), (2, 1), (1, 1)], &recipes);
        assert_eq!(needs.into_iter().collect::<Vec<_>>(), vec![(3, 3), (7, 460)]);
    }

    #[test]
    fn references_are_readable() {
        let reference = reference_from(&[0, 1, 31, 32, 255, 8]);
        assert_eq!(reference, "OC-AB9A9J");
        assert!(!reference[3..].contains(['0', 'O', '1', 'I']));
    }

    #[test]
    fn a_guest_link_lives_while_the_order_is_open_then_some_days() {
        let day = 86_400;
        assert!(guest_link_live(Status::Placed, 0, 400 * day, 30));
        assert!(guest_link_live(Status::OutForDelivery, 0, 400 * day, 30));
        for closed in [Status::Delivered, Status::Collected, Status::Cancelled] {
            assert!(guest_link_live(closed, 10 * day, 40 * day - 1, 30), "{closed:?}");
            assert!(!guest_link_live(closed, 10 * day, 40 * day, 30), "{closed:?}");
        }
    }

    #[test]
    fn an_online_order_awaits_its_payment_while_placed_and_unpaid() {
        assert!(awaiting_online_payment(PaymentMethod::Online, PaymentStatus::Unpaid, Status::Placed));
        assert!(!awaiting_online_payment(PaymentMethod::Online, PaymentStatus::Paid, Status::Placed));
        assert!(!awaiting_online_payment(PaymentMethod::Online, PaymentStatus::Unpaid, Status::Cancelled));
        assert!(!awaiting_online_payment(PaymentMethod::Cash, PaymentStatus::Unpaid, Status::Placed));
        assert_eq!(kitchen_note(" bien cuite\nsans olives "), Ok("bien cuite sans olives".to_string()));
        assert!(kitchen_note(&"x".repeat(NOTE_MAX_CHARACTERS + 1)).is_err());
    }
}
