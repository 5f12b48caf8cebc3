//! The order state machine (DESIGN §4): which moves exist, who may make each, and what a
//! move does besides changing the status. Every channel (customer pages, staff screens,
//! the API) asks [`check_move`] before writing anything.
//!
//! ```text
//! placed → preparing → ready → out_for_delivery → delivered
//!                        ╰──→ collected                       (takeaway)
//! placed | preparing | ready → cancelled                      (staff, with a reason)
//! placed → cancelled                                          (the customer)
//! placed → cancelled         (the system: an online payment that never came)
//! ```

use super::orders::{Mode, PaymentMethod, Status};
use super::roles::Role;

/// Who asks for a move. The pizzeria has been checked before (see `orders::reach`):
/// staff here are staff of the order's pizzeria, or an admin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mover {
    /// The order's customer, signed in or holding the guest link.
    Customer,
    Staff {
        user_id: i64,
        role: Role,
    },
    /// The payment job, cancelling an online order whose payment did not come in time.
    System,
}

/// What is known of the order when a move is asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderState {
    pub status: Status,
    pub mode: Mode,
    pub payment_method: PaymentMethod,
    pub paid: bool,
    pub driver_id: Option<i64>,
}

/// What happens to the stock an order holds when it is cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StockEffect {
    None,
    /// Nothing was cooked: the ingredients go back on the shelf.
    Return,
    /// The dough is rolled: the ingredients are lost, journaled as waste.
    Waste,
}

/// A move that may be made, and its side effects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Move {
    pub from: Status,
    pub to: Status,
    pub stock: StockEffect,
    /// The mover becomes the order's driver.
    pub assigns_driver: bool,
    /// Unpaid, the order is paid at this move: the payment collected is recorded.
    pub takes_payment: bool,
    /// Paid online and cancelled: the payment is refunded (asked of the provider after
    /// the commit, and retried until it confirms).
    pub refunds: bool,
}

/// Why a move is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MoveRefusal {
    /// This role never makes this move (403).
    Forbidden,
    /// Not a move from the order's status, or not for its mode (409).
    Invalid { from: Status, to: Status },
    /// Another driver has it (409).
    TakenByAnother,
    /// Paid online and not yet confirmed: the kitchen does not start it (409).
    AwaitingPayment,
    /// A staff cancellation says why (422).
    ReasonRequired,
}

impl MoveRefusal {
    pub fn message(&self) -> String {
        match self {
            MoveRefusal::Forbidden => "Votre rôle ne permet pas cette action sur une commande.".into(),
            MoveRefusal::Invalid { from, to } => format!(
                "Impossible de passer la commande de « {} » à « {} ».",
                from.label().to_lowercase(),
                to.label().to_lowercase()
            ),
            MoveRefusal::TakenByAnother => "Un autre livreur a déjà pris cette commande.".into(),
            MoveRefusal::AwaitingPayment => "Le paiement en ligne de cette commande n'est pas encore confirmé.".into(),
            MoveRefusal::ReasonRequired => "Indiquez le motif de l'annulation.".into(),
        }
    }

    /// Refusals that describe the order's state rather than the asker's rights.
    pub fn is_conflict(&self) -> bool {
        matches!(self, MoveRefusal::Invalid { .. } | MoveRefusal::TakenByAnother | MoveRefusal::AwaitingPayment)
    }
}

/// The edges of the graph, with the roles that may walk each (admins and managers walk
/// every staff edge). The customer's only edge is `placed → cancelled`.
fn staff_roles(from: Status, to: Status, mode: Mode) -> Option<&'static [Role]> {
    use Status::*;
    Some(match (from, to, mode) {
        (Placed, Preparing, _) | (Preparing, Ready, _) => &[Role::Pizzaiolo],
        (Ready, OutForDelivery, Mode::Delivery) | (OutForDelivery, Delivered, Mode::Delivery) => &[Role::Driver],
        (Ready, Collected, Mode::Takeaway) => &[Role::Counter],
        (Placed | Preparing | Ready, Cancelled, _) => &[Role::Counter],
        _ => return None,
    })
}

/// May `mover` move the order to `to`? `reason` is the cancellation's, blank if none.
pub fn check_move(order: OrderState, to: Status, mover: Mover, reason: &str) -> Result<Move, MoveRefusal> {
    let from = order.status;
    let roles = staff_roles(from, to, order.mode);
    let customer_edge = from == Status::Placed && to == Status::Cancelled;
    match mover {
        Mover::System => {
            // Only the expiry of an online order still waiting for its payment.
            let awaiting = order.payment_method == PaymentMethod::Online && !order.paid;
            if !(customer_edge && awaiting) {
                return Err(MoveRefusal::Invalid { from, to });
            }
        }
        Mover::Customer if !customer_edge => {
            return Err(if to == Status::Cancelled {
                MoveRefusal::Invalid { from, to }
            } else {
                MoveRefusal::Forbidden
            })
        }
        Mover::Customer => {}
        Mover::Staff { role, user_id } => {
            let allowed_somewhere = Status::ALL
                .into_iter()
                .flat_map(|f| [Mode::Delivery, Mode::Takeaway].map(|m| staff_roles(f, to, m)))
                .flatten()
                .any(|roles| role_walks(role, roles));
            if !allowed_somewhere {
                return Err(MoveRefusal::Forbidden);
            }
            match roles {
                None => return Err(MoveRefusal::Invalid { from, to }),
                Some(roles) if !role_walks(role, roles) => return Err(MoveRefusal::Forbidden),
                Some(_) => {}
            }
            if to == Status::Cancelled && reason.trim().is_empty() {
                return Err(MoveRefusal::ReasonRequired);
            }
            if from == Status::OutForDelivery && order.driver_id.is_some_and(|d| d != user_id) && role == Role::Driver {
                return Err(MoveRefusal::TakenByAnother);
            }
        }
    }
    if to == Status::Preparing && order.payment_method == PaymentMethod::Online && !order.paid {
        return Err(MoveRefusal::AwaitingPayment);
    }
    Ok(Move {
        from,
        to,
        stock: match (from, to) {
            (Status::Placed, Status::Cancelled) => StockEffect::Return,
            (_, Status::Cancelled) => StockEffect::Waste,
            _ => StockEffect::None,
        },
        assigns_driver: to == Status::OutForDelivery,
        takes_payment: matches!(to, Status::Delivered | Status::Collected) && !order.paid,
        refunds: to == Status::Cancelled && order.payment_method == PaymentMethod::Online && order.paid,
    })
}

fn role_walks(role: Role, roles: &[Role]) -> bool {
    matches!(role, Role::Manager | Role::Admin) || roles.contains(&role)
}

/// The moves a screen offers on an order, in the order of the buttons.
pub fn offered_moves(order: OrderState, mover: Mover) -> Vec<Status> {
    [Status::Preparing, Status::Ready, Status::OutForDelivery, Status::Delivered, Status::Collected, Status::Cancelled]
        .into_iter()
        .filter(|to| check_move(order, *to, mover, "motif").is_ok())
        .collect()
}

/// The most a driver or the counter may record above the total (a tip), so that a slip of
/// the finger (1 250,00 € for 12,50 €) is caught.
pub const MAX_TIP_CENTS: i64 = 10_000;

/// What a driver or the counter may collect at hand-over: cash or a card, never "online".
pub const COLLECTED_METHODS: [PaymentMethod; 2] = [PaymentMethod::Cash, PaymentMethod::Card];

/// The method typed on a hand-over (screen or API), if one that is collected by hand.
pub fn collected_method(typed: &str) -> Option<PaymentMethod> {
    PaymentMethod::parse(typed.trim()).filter(|method| COLLECTED_METHODS.contains(method))
}

/// What a screen says once a move is made: the order and its new state, and for cash taken
/// over the total, the change to give back.
pub fn move_done(reference: &str, to: Status, collected: Option<(PaymentMethod, i64)>, total_cents: i64) -> String {
    let done = format!("Commande {reference} : {}.", to.label().to_lowercase());
    match collected {
        Some((PaymentMethod::Cash, amount)) if amount > total_cents => {
            format!("{done} Rendu : {}.", super::money::format_eur(amount - total_cents))
        }
        _ => done,
    }
}

/// The payment collected at hand-over: a method at the door or counter, and an amount that
/// covers the total.
pub fn check_collection(total_cents: i64, method: PaymentMethod, amount_cents: i64) -> Result<(), String> {
    if !COLLECTED_METHODS.contains(&method) {
        return Err("Le paiement encaissé est en espèces ou par carte.".into());
    }
    if amount_cents < total_cents {
        return Err(format!(
            "Le montant encaissé ({}) ne couvre pas le total ({}).",
            super::money::format_eur(amount_cents),
            super::money::format_eur(total_cents)
        ));
    }
    if amount_cents > total_cents + MAX_TIP_CENTS {
        return Err(format!(
            "Le montant encaissé ({}) dépasse le total de plus de {} : vérifiez la saisie.",
            super::money::format_eur(amount_cents),
            super::money::format_eur(MAX_TIP_CENTS)
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_move_says_what_it_did_and_the_change_to_give_back() {
        assert_eq!(move_done("OC-AB12CD", Status::Preparing, None, 2600), "Commande OC-AB12CD : en préparation.");
        let paid = move_done("OC-AB12CD", Status::Collected, Some((PaymentMethod::Cash, 3000)), 2600);
        assert!(paid.starts_with("Commande OC-AB12CD : retirée. Rendu : 4,00"), "{paid}");
        let by_card = move_done("OC-AB12CD", Status::Delivered, Some((PaymentMethod::Card, 2600)), 2600);
        assert_eq!(by_card, "Commande OC-AB12CD : livrée.");
    }

    fn order(status: Status, mode: Mode) -> OrderState {
        OrderState { status, mode, payment_method: PaymentMethod::Cash, paid: false, driver_id: None }
    }

    fn staff(role: Role) -> Mover {
        Mover::Staff { user_id: 10, role }
    }

    #[test]
    fn the_happy_paths() {
        let delivery = [Status::Placed, Status::Preparing, Status::Ready, Status::OutForDelivery, Status::Delivered];
        let movers = [staff(Role::Pizzaiolo), staff(Role::Pizzaiolo), staff(Role::Driver), staff(Role::Driver)];
        for (pair, mover) in delivery.windows(2).zip(movers) {
            let done = check_move(order(pair[0], Mode::Delivery), pair[1], mover, "").expect("a valid move");
            assert_eq!((done.from, done.to, done.stock), (pair[0], pair[1], StockEffect::None));
        }
        let pickup = check_move(order(Status::Ready, Mode::Takeaway), Status::Collected, staff(Role::Counter), "");
        assert_eq!(pickup.map(|m| m.takes_payment), Ok(true));
        let taken = check_move(order(Status::Ready, Mode::Delivery), Status::OutForDelivery, staff(Role::Driver), "");
        assert!(taken.expect("taken").assigns_driver);
    }

    #[test]
    fn modes_have_their_own_ends() {
        let refused = check_move(order(Status::Ready, Mode::Takeaway), Status::OutForDelivery, staff(Role::Driver), "");
        assert_eq!(refused, Err(MoveRefusal::Invalid { from: Status::Ready, to: Status::OutForDelivery }));
        let refused = check_move(order(Status::Ready, Mode::Delivery), Status::Collected, staff(Role::Counter), "");
        assert_eq!(refused, Err(MoveRefusal::Invalid { from: Status::Ready, to: Status::Collected }));
    }

    #[test]
    fn skipping_or_going_back_is_invalid() {
        for (from, to) in [
            (Status::Placed, Status::Ready),
            (Status::Ready, Status::Preparing),
            (Status::Preparing, Status::Preparing),
            (Status::Delivered, Status::Cancelled),
            (Status::Cancelled, Status::Preparing),
            (Status::OutForDelivery, Status::Cancelled),
        ] {
            let refused = check_move(order(from, Mode::Delivery), to, staff(Role::Manager), "panne du four");
            assert_eq!(refused, Err(MoveRefusal::Invalid { from, to }), "{from:?} → {to:?}");
            assert!(refused.unwrap_err().is_conflict());
        }
    }

    #[test]
    fn each_role_its_moves() {
        let placed = order(Status::Placed, Mode::Delivery);
        assert_eq!(check_move(placed, Status::Preparing, staff(Role::Driver), ""), Err(MoveRefusal::Forbidden));
        assert_eq!(check_move(placed, Status::Preparing, staff(Role::Counter), ""), Err(MoveRefusal::Forbidden));
        assert_eq!(check_move(placed, Status::Preparing, Mover::Customer, ""), Err(MoveRefusal::Forbidden));
        assert_eq!(check_move(placed, Status::Cancelled, staff(Role::Pizzaiolo), "x"), Err(MoveRefusal::Forbidden));
        assert_eq!(check_move(placed, Status::Cancelled, staff(Role::Customer), "x"), Err(MoveRefusal::Forbidden));
        let ready = order(Status::Ready, Mode::Delivery);
        assert_eq!(check_move(ready, Status::OutForDelivery, staff(Role::Pizzaiolo), ""), Err(MoveRefusal::Forbidden));
        for role in [Role::Manager, Role::Admin] {
            assert!(check_move(placed, Status::Preparing, staff(role), "").is_ok());
            assert!(check_move(ready, Status::OutForDelivery, staff(role), "").is_ok());
        }
    }

    #[test]
    fn cancellations() {
        let placed = order(Status::Placed, Mode::Delivery);
        assert_eq!(
            check_move(placed, Status::Cancelled, Mover::Customer, "").map(|m| m.stock),
            Ok(StockEffect::Return)
        );
        assert_eq!(check_move(placed, Status::Cancelled, staff(Role::Counter), "  "), Err(MoveRefusal::ReasonRequired));
        assert_eq!(
            check_move(placed, Status::Cancelled, staff(Role::Counter), "client injoignable").map(|m| m.stock),
            Ok(StockEffect::Return)
        );
        for status in [Status::Preparing, Status::Ready] {
            let late = order(status, Mode::Takeaway);
            assert_eq!(
                check_move(late, Status::Cancelled, staff(Role::Counter), "four").map(|m| m.stock),
                Ok(StockEffect::Waste)
            );
            assert_eq!(
                check_move(late, Status::Cancelled, Mover::Customer, ""),
                Err(MoveRefusal::Invalid { from: status, to: Status::Cancelled })
            );
        }
    }

    #[test]
    fn one_driver_per_delivery() {
        let mut on_the_road = order(Status::OutForDelivery, Mode::Delivery);
        on_the_road.driver_id = Some(99);
        assert_eq!(
            check_move(on_the_road, Status::Delivered, staff(Role::Driver), ""),
            Err(MoveRefusal::TakenByAnother)
        );
        assert!(
            check_move(on_the_road, Status::Delivered, Mover::Staff { user_id: 99, role: Role::Driver }, "").is_ok()
        );
        assert!(check_move(on_the_road, Status::Delivered, staff(Role::Manager), "").is_ok(), "the manager closes it");
    }

    #[test]
    fn online_orders_wait_for_their_payment() {
        let mut online = order(Status::Placed, Mode::Delivery);
        online.payment_method = PaymentMethod::Online;
        assert_eq!(
            check_move(online, Status::Preparing, staff(Role::Pizzaiolo), ""),
            Err(MoveRefusal::AwaitingPayment)
        );
        online.paid = true;
        assert!(check_move(online, Status::Preparing, staff(Role::Pizzaiolo), "").is_ok());
        online.status = Status::Ready;
        let delivered = check_move(
            OrderState { status: Status::OutForDelivery, ..online },
            Status::Delivered,
            staff(Role::Driver),
            "",
        );
        assert_eq!(delivered.map(|m| m.takes_payment), Ok(false), "already paid");
    }

    #[test]
    fn paid_online_orders_are_refunded_when_cancelled_by_anyone() {
        let mut online = order(Status::Placed, Mode::Takeaway);
        online.payment_method = PaymentMethod::Online;
        online.paid = true;
        assert_eq!(check_move(online, Status::Cancelled, Mover::Customer, "").map(|m| m.refunds), Ok(true));
        let preparing = OrderState { status: Status::Preparing, ..online };
        let by_staff = check_move(preparing, Status::Cancelled, staff(Role::Counter), "four en panne");
        assert_eq!(by_staff.map(|m| (m.refunds, m.stock)), Ok((true, StockEffect::Waste)));
        let unpaid = OrderState { paid: false, ..online };
        assert_eq!(check_move(unpaid, Status::Cancelled, Mover::Customer, "").map(|m| m.refunds), Ok(false));
        let cash = order(Status::Placed, Mode::Takeaway);
        assert_eq!(check_move(cash, Status::Cancelled, Mover::Customer, "").map(|m| m.refunds), Ok(false));
    }

    #[test]
    fn the_system_only_expires_unpaid_online_orders() {
        let mut online = order(Status::Placed, Mode::Delivery);
        online.payment_method = PaymentMethod::Online;
        let expired = check_move(online, Status::Cancelled, Mover::System, "paiement non reçu");
        assert_eq!(expired.map(|m| (m.stock, m.refunds)), Ok((StockEffect::Return, false)));
        let paid = OrderState { paid: true, ..online };
        assert!(check_move(paid, Status::Cancelled, Mover::System, "").is_err(), "paid meanwhile: kept");
        let cash = order(Status::Placed, Mode::Delivery);
        assert!(check_move(cash, Status::Cancelled, Mover::System, "").is_err());
        let started = OrderState { status: Status::Preparing, paid: true, ..online };
        assert!(check_move(started, Status::Cancelled, Mover::System, "").is_err());
        assert!(check_move(online, Status::Preparing, Mover::System, "").is_err());
    }

    #[test]
    fn screens_offer_what_the_role_may_do() {
        let placed = order(Status::Placed, Mode::Delivery);
        assert_eq!(offered_moves(placed, staff(Role::Pizzaiolo)), vec![Status::Preparing]);
        assert_eq!(offered_moves(placed, staff(Role::Counter)), vec![Status::Cancelled]);
        assert_eq!(offered_moves(placed, staff(Role::Manager)), vec![Status::Preparing, Status::Cancelled]);
        assert_eq!(offered_moves(order(Status::Delivered, Mode::Delivery), staff(Role::Admin)), vec![]);
    }

    #[test]
    fn collected_amounts() {
        assert_eq!(check_collection(2500, PaymentMethod::Cash, 2500), Ok(()));
        assert_eq!(check_collection(2500, PaymentMethod::Card, 3000), Ok(()));
        assert!(check_collection(2500, PaymentMethod::Cash, 2499).unwrap_err().contains("ne couvre pas"));
        assert!(check_collection(2500, PaymentMethod::Cash, 250_000).unwrap_err().contains("dépasse"));
        assert!(check_collection(2500, PaymentMethod::Online, 2500).is_err());
    }
}
