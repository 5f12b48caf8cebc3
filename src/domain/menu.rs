//! Editing the menu: what a pizza's form may say. A pizza has a price above zero, a VAT
//! rate, at least one recipe line (each ingredient once, a quantity above zero) and at most
//! a few memo steps. Past orders keep their own snapshot: nothing here touches them.

use std::collections::HashSet;

pub const MAX_STEPS: usize = 20;

/// A pizza as its form describes it, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PizzaEdit {
    pub name: String,
    pub description: String,
    pub price_cents: i64,
    pub vat_rate_bp: i64,
    pub active: bool,
    pub sort_order: i64,
    /// (ingredient code, quantity in its unit)
    pub recipe: Vec<(String, i64)>,
    pub steps: Vec<String>,
}

/// A VAT rate typed as a percentage ("10", "5,5"): 0 to 100 %, in basis points.
pub fn vat_rate(value: &str) -> Result<i64, String> {
    let cleaned = value.trim().trim_end_matches('%').trim().replace(',', ".");
    let invalid = || "Le taux de TVA est un pourcentage entre 0 et 100 (par exemple 10 ou 5,5).".to_string();
    let percent: f64 = cleaned.parse().map_err(|_| invalid())?;
    if !(0.0..=100.0).contains(&percent) || !percent.is_finite() {
        return Err(invalid());
    }
    let bp = (percent * 100.0).round();
    if (bp - percent * 100.0).abs() > 1e-6 {
        return Err(invalid());
    }
    Ok(bp as i64)
}

/// The recipe typed one ingredient a line: `mozzarella 120` (its code, then the quantity).
pub fn recipe(text: &str, known: &HashSet<String>) -> Result<Vec<(String, i64)>, String> {
    let mut lines = Vec::new();
    for (number, line) in text.lines().enumerate().map(|(i, l)| (i + 1, l.trim())).filter(|(_, l)| !l.is_empty()) {
        let mut parts = line.split_whitespace();
        let (Some(code), Some(quantity), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(format!(
                "Recette, ligne {number} : écrivez le code de l'ingrédient puis la quantité (mozzarella 120)."
            ));
        };
        let Ok(quantity) = quantity.parse::<i64>() else {
            return Err(format!("Recette, ligne {number} : la quantité est un nombre entier supérieur à zéro."));
        };
        lines.push((code.to_string(), quantity));
    }
    recipe_lines(lines, known)
}

/// A recipe's lines (ingredient code, quantity), from the form or the API: at least one,
/// each ingredient known and once, quantities above zero.
pub fn recipe_lines(lines: Vec<(String, i64)>, known: &HashSet<String>) -> Result<Vec<(String, i64)>, String> {
    let mut seen = HashSet::new();
    for (code, quantity) in &lines {
        if !known.contains(code) {
            return Err(format!("Recette : ingrédient « {code} » inconnu."));
        }
        if !seen.insert(code.as_str()) {
            return Err(format!("Recette : « {code} » figure deux fois."));
        }
        if !(1..=100_000).contains(quantity) {
            return Err(format!("Recette : la quantité de « {code} » est un nombre entier supérieur à zéro."));
        }
    }
    if lines.is_empty() {
        return Err("Une pizza a au moins un ingrédient dans sa recette.".into());
    }
    Ok(lines)
}

/// The memo's steps typed one a line.
pub fn steps(text: &str) -> Result<Vec<String>, String> {
    step_list(text.lines().map(str::to_string).collect())
}

/// The memo's steps (blank ones dropped): at most [`MAX_STEPS`], each one line of at most
/// 300 characters.
pub fn step_list(steps: Vec<String>) -> Result<Vec<String>, String> {
    let steps: Vec<String> = steps.iter().map(|s| s.trim()).filter(|s| !s.is_empty()).map(str::to_string).collect();
    if steps.len() > MAX_STEPS {
        return Err(format!("{MAX_STEPS} étapes au plus."));
    }
    if steps.iter().any(|s| s.chars().count() > 300 || s.contains('\n')) {
        return Err("Une étape tient sur une ligne de 300 caractères au plus.".into());
    }
    Ok(steps)
}

/// A pizza's price TTC: above zero, below 1 000 € (a slip of the finger otherwise).
pub fn price(cents: i64) -> Result<i64, String> {
    if (1..=100_000).contains(&cents) {
        Ok(cents)
    } else {
        Err("Le prix TTC est supérieur à zéro et inférieur à 1 000 €.".into())
    }
}

/// The fourteen allergens of the EU list (Regulation 1169/2011, annex II), as stored.
pub const ALLERGENS: [&str; 14] = [
    "gluten",
    "crustaceans",
    "eggs",
    "fish",
    "peanuts",
    "soy",
    "milk",
    "nuts",
    "celery",
    "mustard",
    "sesame",
    "sulphites",
    "lupin",
    "molluscs",
];

/// An ingredient's base unit.
pub fn unit(value: &str) -> Result<&'static str, String> {
    match value.trim() {
        "g" => Ok("g"),
        "ml" => Ok("ml"),
        "piece" => Ok("piece"),
        _ => Err("L'unité est g, ml ou piece.".into()),
    }
}

/// Allergen codes from the EU list, each once.
pub fn allergens(codes: &[String]) -> Result<Vec<String>, String> {
    let mut kept: Vec<String> = Vec::new();
    for code in codes {
        if !ALLERGENS.contains(&code.as_str()) {
            return Err(format!("« {code} » n'est pas un allergène de la liste européenne."));
        }
        if !kept.contains(code) {
            kept.push(code.clone());
        }
    }
    Ok(kept)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known() -> HashSet<String> {
        ["mozzarella", "basil", "dough"].into_iter().map(String::from).collect()
    }

    #[test]
    fn recipes() {
        assert_eq!(
            recipe("dough 1\n\n mozzarella   120 \n", &known()),
            Ok(vec![("dough".into(), 1), ("mozzarella".into(), 120)])
        );
        assert!(recipe("", &known()).unwrap_err().contains("au moins un ingrédient"));
        assert!(recipe("dough 1\ndough 2", &known()).unwrap_err().contains("deux fois"));
        assert!(recipe("kryptonite 1", &known()).unwrap_err().contains("inconnu"));
        for bad in ["dough 0", "dough -3", "dough un", "dough", "dough 1 2"] {
            assert!(recipe(bad, &known()).is_err(), "{bad}");
        }
    }

    #[test]
    fn vat_rates() {
        assert_eq!(vat_rate("10"), Ok(1000));
        assert_eq!(vat_rate("5,5 %"), Ok(550));
        assert_eq!(vat_rate("0"), Ok(0));
        for bad in ["-1", "101", "dix", "5.555"] {
            assert!(vat_rate(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn units_and_allergens() {
        assert_eq!(unit(" g "), Ok("g"));
        assert!(unit("kg").is_err());
        assert_eq!(allergens(&["milk".into(), "milk".into()]), Ok(vec!["milk".into()]));
        assert!(allergens(&["glitter".into()]).is_err());
    }

    #[test]
    fn memo_steps() {
        assert_eq!(steps("Étaler la pâte.\n\nCuire 90 s."), Ok(vec!["Étaler la pâte.".into(), "Cuire 90 s.".into()]));
        assert!(steps(&"x\n".repeat(21)).is_err());
    }
}
