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
pub fn movement(action: &Action, current: i64) -> Result<Option<(i64, &'static str, String)>, String> {
    match action {
        Action::Restock { quantity, reference } => {
            let note = if reference.is_empty() { String::new() } else { format!("Réf. fournisseur {reference}") };
            Ok(Some((*quantity, "restock", note)))
        }
        Action::Waste { quantity, reason } => {
            if *quantity > current {
                return Err(format!(
                    "La perte ({quantity}) dépasse le stock ({current}) : faites plutôt un inventaire."
                ));
            }
            Ok(Some((-*quantity, "waste", reason.clone())))
        }
        Action::Inventory { counted } => {
            let delta = counted - current;
            Ok((delta != 0).then(|| (delta, "inventory", format!("Inventaire : {current} → {counted}"))))
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
        assert_eq!(movement(&restock, 10), Ok(Some((500, "restock", "Réf. fournisseur BL-42".into()))));
        let waste = Action::Waste { quantity: 10, reason: "tombé".into() };
        assert_eq!(movement(&waste, 10), Ok(Some((-10, "waste", "tombé".into()))));
        assert!(movement(&waste, 9).unwrap_err().contains("dépasse le stock"), "never below zero");
        assert_eq!(
            movement(&Action::Inventory { counted: 7 }, 10).map(|m| m.map(|(d, k, _)| (d, k))),
            Ok(Some((-3, "inventory")))
        );
        assert_eq!(movement(&Action::Inventory { counted: 10 }, 10), Ok(None));
        assert_eq!(movement(&Action::Threshold { value: 3 }, 10), Ok(None));
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
