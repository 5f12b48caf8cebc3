//! Can a pizzeria still make a pizza, and how many?
//!
//! A pizza is available iff every ingredient of its recipe is in stock for at least one
//! pizza; how many can be made is the smallest, over its ingredients, of stock ÷ quantity.

use std::collections::HashMap;

/// One ingredient of a recipe: how much of it (in its base unit) one pizza takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecipeNeed {
    pub ingredient_id: i64,
    pub quantity: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Availability {
    /// Plenty left.
    Available,
    /// Only this many can still be made (at most the "few left" threshold, at least 1).
    FewLeft(i64),
    /// Cannot be made: an ingredient is short (or the recipe is empty).
    SoldOut,
}

impl Availability {
    pub fn can_order(self) -> bool {
        !matches!(self, Availability::SoldOut)
    }
}

/// How many pizzas of this recipe the stock allows, and the ingredient that limits it.
/// A recipe without ingredients cannot be made: its cost in stock is unknown.
pub fn makeable(recipe: &[RecipeNeed], stock: &HashMap<i64, i64>) -> (i64, Option<i64>) {
    let mut best: Option<(i64, i64)> = None;
    for need in recipe {
        let in_stock = stock.get(&need.ingredient_id).copied().unwrap_or(0).max(0);
        let count = if need.quantity <= 0 { i64::MAX } else { in_stock / need.quantity };
        if best.is_none_or(|(smallest, _)| count < smallest) {
            best = Some((count, need.ingredient_id));
        }
    }
    match best {
        Some((count, limiting)) => (count, Some(limiting)),
        None => (0, None),
    }
}

pub fn availability(makeable_count: i64, few_left_threshold: i64) -> Availability {
    if makeable_count <= 0 {
        Availability::SoldOut
    } else if makeable_count <= few_left_threshold {
        Availability::FewLeft(makeable_count)
    } else {
        Availability::Available
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn need(ingredient_id: i64, quantity: i64) -> RecipeNeed {
        RecipeNeed { ingredient_id, quantity }
    }

    fn stock(rows: &[(i64, i64)]) -> HashMap<i64, i64> {
        rows.iter().copied().collect()
    }

    #[test]
    fn the_scarcest_ingredient_limits_the_count() {
        let recipe = [need(1, 1), need(2, 80), need(3, 120)];
        let (count, limiting) = makeable(&recipe, &stock(&[(1, 50), (2, 1000), (3, 500)]));
        assert_eq!(count, 4); // 500 g of mozzarella / 120 g
        assert_eq!(limiting, Some(3));
    }

    #[test]
    fn partial_quantities_do_not_count() {
        let recipe = [need(1, 120)];
        assert_eq!(makeable(&recipe, &stock(&[(1, 119)])).0, 0);
        assert_eq!(makeable(&recipe, &stock(&[(1, 120)])).0, 1);
        assert_eq!(makeable(&recipe, &stock(&[(1, 239)])).0, 1);
    }

    #[test]
    fn a_missing_stock_row_is_no_stock() {
        let (count, limiting) = makeable(&[need(1, 1), need(2, 10)], &stock(&[(1, 5)]));
        assert_eq!((count, limiting), (0, Some(2)));
    }

    #[test]
    fn negative_stock_is_treated_as_empty() {
        assert_eq!(makeable(&[need(1, 1)], &stock(&[(1, -3)])).0, 0);
    }

    #[test]
    fn an_empty_recipe_cannot_be_made() {
        assert_eq!(makeable(&[], &stock(&[(1, 100)])), (0, None));
    }

    #[test]
    fn availability_thresholds() {
        assert_eq!(availability(0, 5), Availability::SoldOut);
        assert_eq!(availability(1, 5), Availability::FewLeft(1));
        assert_eq!(availability(5, 5), Availability::FewLeft(5));
        assert_eq!(availability(6, 5), Availability::Available);
        assert_eq!(availability(1, 0), Availability::Available);
        assert!(!Availability::SoldOut.can_order());
        assert!(Availability::FewLeft(2).can_order());
    }
}
