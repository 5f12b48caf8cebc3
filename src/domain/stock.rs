//! A pizzeria's stock of one ingredient: its level, and what each action of the stock page
//! writes in the journal. Stock is in base units (g, ml, piece) and never goes negative.

/// How an ingredient stands against its low threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Ok,
    Low,
    Out,
}

impl Level {
    pub fn of(quantity: i64, low_threshold: i64) -> Level {
        if quantity <= 0 {
            Level::Out
        } else if quantity <= low_threshold {
            Level::Low
        } else {
            Level::Ok
        }
    }

    /// Said in words and with a sign, not only in colour.
    pub fn label(self) -> &'static str {
        match self {
            Level::Ok => "✔ ok",
            Level::Low => "⚠ bas",
            Level::Out => "✖ épuisé",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Ok => "ok",
            Level::Low => "low",
            Level::Out => "out",
        }
    }

    pub fn parse(value: &str) -> Option<Level> {
        [Level::Ok, Level::Low, Level::Out].into_iter().find(|level| level.as_str() == value)
    }
}

/// Why the stock of an ingredient moved: each line of the journal has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MovementKind {
    /// A delivery from a supplier.
    Restock,
    /// Taken by an order.
    Order,
    /// Given back by an order cancelled or changed.
    Cancellation,
    /// Thrown away.
    Waste,
    /// The difference a physical count found.
    Inventory,
    /// Sent to, or received from, another pizzeria.
    Transfer,
}

impl MovementKind {
    pub const ALL: [MovementKind; 6] = [
        MovementKind::Restock,
        MovementKind::Order,
        MovementKind::Cancellation,
        MovementKind::Waste,
        MovementKind::Inventory,
        MovementKind::Transfer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MovementKind::Restock => "restock",
            MovementKind::Order => "order",
            MovementKind::Cancellation => "cancellation",
            MovementKind::Waste => "waste",
            MovementKind::Inventory => "inventory",
            MovementKind::Transfer => "transfer",
        }
    }

    pub fn parse(value: &str) -> Option<MovementKind> {
        MovementKind::ALL.into_iter().find(|kind| kind.as_str() == value)
    }

    pub fn label(self) -> &'static str {
        match self {
            MovementKind::Restock => "Réception",
            MovementKind::Order => "Commande",
            MovementKind::Cancellation => "Annulation",
            MovementKind::Waste => "Perte",
            MovementKind::Inventory => "Inventaire",
            MovementKind::Transfer => "Transfert",
        }
    }
}

/// One line of the stock journal, as it will be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Movement {
    pub pizzeria_id: i64,
    pub ingredient_id: i64,
    /// Added (positive) or taken (negative), in base units.
    pub delta: i64,
    pub kind: MovementKind,
    pub order_id: Option<i64>,
    /// Who did it; `None`: the system.
    pub user_id: Option<i64>,
    pub note: String,
}

/// What movements do to the stock rows: their deltas summed per (pizzeria, ingredient), in
/// that order (the order rows are locked in), the rows they leave as they were left out.
pub fn stock_changes(movements: &[Movement]) -> Vec<(i64, i64, i64)> {
    let mut sums: std::collections::BTreeMap<(i64, i64), i64> = std::collections::BTreeMap::new();
    for movement in movements {
        *sums.entry((movement.pizzeria_id, movement.ingredient_id)).or_default() += movement.delta;
    }
    sums.into_iter()
        .filter(|(_, delta)| *delta != 0)
        .map(|((pizzeria, ingredient), delta)| (pizzeria, ingredient, delta))
        .collect()
}

/// A quantity with its unit, as a person reads it: "500 g", "1 pièce", "3 pièces".
pub fn amount(quantity: i64, unit: &str) -> String {
    let unit = match (unit, quantity.abs()) {
        ("piece", 1) => "pièce",
        ("piece", _) => "pièces",
        (other, _) => other,
    };
    format!("{quantity} {unit}")
}

/// What the stock page asks of one ingredient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// A delivery from a supplier (its reference, if any).
    Restock { quantity: i64, reference: String },
    /// Thrown away, with the reason.
    Waste { quantity: i64, reason: String },
    /// A physical count: the stock becomes `counted`.
    Inventory { counted: i64 },
    /// Below this the ingredient shows as low.
    Threshold { value: i64 },
}

/// The movement an action writes: (signed delta, kind, note). `None` when the stock does
/// not move (an inventory that finds what the system says, a threshold).
/// What to do about an ingredient's alert, from the level its managers were last told of
/// (`None`: nothing told, or back to normal) to the level it is at now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertChange {
    /// Nothing changes.
    Keep,
    /// Back above its threshold: the alert ends (and a later drop is told again).
    Clear,
    /// Low, or out, and worse than what was told: the managers are e-mailed.
    Raise(Level),
    /// Better than what was told but still low (restocked a little): noted, not e-mailed.
    Ease(Level),
}

pub fn alert_change(told: Option<Level>, now: Level) -> AlertChange {
    match (told, now) {
        (None, Level::Ok) => AlertChange::Keep,
        (Some(_), Level::Ok) => AlertChange::Clear,
        (Some(told), now) if told == now => AlertChange::Keep,
        (Some(Level::Out), Level::Low) => AlertChange::Ease(Level::Low),
        (_, now) => AlertChange::Raise(now),
    }
}

/// The e-mail a pizzeria's managers get: (subject, text).
pub fn alert_message(
    level: Level,
    ingredient: &str,
    pizzeria: &str,
    quantity: i64,
    threshold: i64,
    unit: &str,
) -> (String, String) {
    let unit = if unit == "piece" { "pièce(s)" } else { unit };
    let (state, advice) = match level {
        Level::Out => ("épuisé", "Les pizzas qui en ont besoin ne sont plus proposées aux clients."),
        _ => ("bas", "Pensez à réapprovisionner avant la rupture."),
    };
    let subject = format!("Stock {state} : {ingredient} — {pizzeria}");
    let text = format!(
        "Bonjour,\n\n{ingredient} est {state} à {pizzeria} : il reste {quantity} {unit} (seuil d'alerte : {threshold} {unit}).\n{advice}\n"
    );
    (subject, text)
}

pub fn movement(action: &Action, current: i64) -> Result<Option<(i64, MovementKind, String)>, String> {
    match action {
        Action::Restock { quantity, reference } => {
            let note = if reference.is_empty() { String::new() } else { format!("Réf. fournisseur {reference}") };
            Ok(Some((*quantity, MovementKind::Restock, note)))
        }
        Action::Waste { quantity, reason } => {
            if *quantity > current {
                return Err(format!(
                    "La perte ({quantity}) dépasse le stock ({current}) : faites plutôt un inventaire."
                ));
            }
            Ok(Some((-*quantity, MovementKind::Waste, reason.clone())))
        }
        Action::Inventory { counted } => {
            let delta = counted - current;
            Ok((delta != 0).then(|| (delta, MovementKind::Inventory, format!("Inventaire : {current} → {counted}"))))
        }
        Action::Threshold { .. } => Ok(None),
    }
}

/// A transfer between two pizzerias: from one to another, never more than the source holds.
pub fn check_transfer(from: i64, to: i64, quantity: i64, source_stock: i64) -> Result<(), String> {
    if from == to {
        return Err("Choisissez deux pizzerias différentes.".into());
    }
    if quantity > source_stock {
        return Err(format!("Le transfert ({quantity}) dépasse le stock de la pizzeria d'origine ({source_stock})."));
    }
    Ok(())
}

/// A quantity typed on the stock page: a whole number of base units, at least `min`, at most
/// `max` (so that a slip — 10000000 g of basil — is caught).
pub fn quantity(value: &str, min: i64, max: i64) -> Result<i64, String> {
    let value = value.trim().replace([' ', '\u{a0}', '\u{202f}'], "");
    match value.parse::<i64>() {
        Ok(n) if n < min && min > 0 => Err(format!("La quantité doit être d'au moins {min}.")),
        Ok(n) if n < min => Err("La quantité ne peut pas être négative.".into()),
        Ok(n) if n > max => Err(format!("Quantité trop grande (au plus {max}) : vérifiez la saisie.")),
        Ok(n) => Ok(n),
        Err(_) => Err("La quantité doit être un nombre entier, dans l'unité de l'ingrédient (g, ml ou pièces).".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn managers_are_told_when_an_ingredient_gets_worse_and_once_only() {
        use AlertChange::*;
        assert_eq!(alert_change(None, Level::Ok), Keep);
        assert_eq!(alert_change(None, Level::Low), Raise(Level::Low));
        assert_eq!(alert_change(None, Level::Out), Raise(Level::Out));
        assert_eq!(alert_change(Some(Level::Low), Level::Low), Keep, "still low: not told again");
        assert_eq!(alert_change(Some(Level::Low), Level::Out), Raise(Level::Out));
        assert_eq!(alert_change(Some(Level::Out), Level::Low), Ease(Level::Low));
        assert_eq!(alert_change(Some(Level::Out), Level::Ok), Clear);
        let (subject, text) = alert_message(Level::Out, "Mozzarella", "OC Pizza Boulogne", 0, 2000, "g");
        assert_eq!(subject, "Stock épuisé : Mozzarella — OC Pizza Boulogne");
        assert!(text.contains("il reste 0 g (seuil d'alerte : 2000 g)"), "{text}");
    }

    #[test]
    fn levels() {
        assert_eq!(Level::of(0, 100), Level::Out);
        assert_eq!(Level::of(100, 100), Level::Low);
        assert_eq!(Level::of(101, 100), Level::Ok);
        assert_eq!(Level::of(5, 0), Level::Ok);
        assert!(Level::Out.label().contains("épuisé"));
    }

    #[test]
    fn each_action_its_movement() {
        let restock = Action::Restock { quantity: 500, reference: "BL-42".into() };
        assert_eq!(movement(&restock, 10), Ok(Some((500, MovementKind::Restock, "Réf. fournisseur BL-42".into()))));
        let waste = Action::Waste { quantity: 10, reason: "tombé".into() };
        assert_eq!(movement(&waste, 10), Ok(Some((-10, MovementKind::Waste, "tombé".into()))));
        assert!(movement(&waste, 9).unwrap_err().contains("dépasse le stock"), "never below zero");
        assert_eq!(
            movement(&Action::Inventory { counted: 7 }, 10).map(|m| m.map(|(d, k, _)| (d, k))),
            Ok(Some((-3, MovementKind::Inventory)))
        );
        assert_eq!(movement(&Action::Inventory { counted: 10 }, 10), Ok(None));
        assert_eq!(movement(&Action::Threshold { value: 3 }, 10), Ok(None));
    }

    #[test]
    fn movements_change_each_stock_row_by_their_sum() {
        let line = |pizzeria_id, ingredient_id, delta, kind| Movement {
            pizzeria_id,
            ingredient_id,
            delta,
            kind,
            order_id: None,
            user_id: None,
            note: String::new(),
        };
        // A cancelled order thrown away: back from the order, out as waste — the row stays.
        let wasted = [line(1, 10, 120, MovementKind::Cancellation), line(1, 10, -120, MovementKind::Waste)];
        assert_eq!(stock_changes(&wasted), vec![]);
        let transfer = [line(2, 10, -500, MovementKind::Transfer), line(1, 10, 500, MovementKind::Transfer)];
        assert_eq!(stock_changes(&transfer), vec![(1, 10, 500), (2, 10, -500)], "in lock order");
        let order = [line(1, 11, -2, MovementKind::Order), line(1, 10, -240, MovementKind::Order)];
        assert_eq!(stock_changes(&order), vec![(1, 10, -240), (1, 11, -2)]);
        assert!(MovementKind::ALL.iter().all(|k| MovementKind::parse(k.as_str()) == Some(*k)));
    }

    #[test]
    fn amounts_are_said_with_their_unit() {
        assert_eq!(amount(500, "g"), "500 g");
        assert_eq!(amount(1, "piece"), "1 pièce");
        assert_eq!(amount(-3, "piece"), "-3 pièces");
        assert_eq!(amount(250, "ml"), "250 ml");
    }

    #[test]
    fn transfers() {
        assert_eq!(check_transfer(1, 2, 500, 500), Ok(()));
        assert!(check_transfer(1, 2, 501, 500).unwrap_err().contains("dépasse"));
        assert!(check_transfer(1, 1, 5, 500).unwrap_err().contains("différentes"));
    }

    #[test]
    fn typed_quantities() {
        assert_eq!(quantity(" 1 500 ", 1, 1_000_000), Ok(1500));
        assert_eq!(quantity("0", 0, 10), Ok(0));
        for bad in ["0", "-5", "abc", "1.5", "", "2000000", "99999999999999999999"] {
            assert!(quantity(bad, 1, 1_000_000).is_err(), "{bad:?}");
        }
        assert!(quantity("-1", 0, 10).unwrap_err().contains("négative"));
    }
}
