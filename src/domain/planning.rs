//! An order as it will be written: its lines priced from the catalogue, and what it takes
//! of each ingredient. The store writes the plan (`store::order_writes`) and checks its
//! needs against the stock rows it locks.

use std::collections::{BTreeMap, HashMap};

use super::availability::RecipeNeed;
use super::composition::Composed;
use super::intake::LineRequest;
use super::orders;
use super::pricing::{self, PricedLine, Totals};

/// What the catalogue says of a pizza for one pizzeria.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Offer<'a> {
    pub name: &'a str,
    pub price_cents: i64,
    pub vat_rate_bp: i64,
    /// On sale there now: active, with a recipe, not withdrawn for the day.
    pub orderable: bool,
}

/// A line ready to be written: priced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedLine {
    pub pizza_id: i64,
    pub name: String,
    pub price: PricedLine,
    pub note: String,
    /// What the customer composed: its words and price parts are kept with the line.
    pub composition: Option<Composed>,
}

/// What an order takes of one ingredient, and a pizza that needs it (for the message).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Need {
    pub ingredient_id: i64,
    pub quantity: i64,
    pub pizza: String,
}

/// The order as it will be written: priced lines, stock needs in ingredient order, totals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub lines: Vec<PlannedLine>,
    pub needs: Vec<Need>,
    pub totals: Totals,
}

/// Why an order cannot be planned: this pizza (its name, or "?" when unknown) is not on sale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unavailable(pub String);

impl Plan {
    /// The pizza of the first need the stock held does not cover.
    pub fn short_of(&self, held: &BTreeMap<i64, i64>) -> Option<String> {
        self.needs
            .iter()
            .find(|n| held.get(&n.ingredient_id).copied().unwrap_or(0) < n.quantity)
            .map(|n| n.pizza.clone())
    }
}

/// Prices the lines from the catalogue (`offer` of a pizza id for this pizzeria) and sums
/// what they take of each ingredient.
pub fn plan<'a>(
    requests: &[LineRequest],
    offer: impl Fn(i64) -> Option<Offer<'a>>,
    recipes: &HashMap<i64, Vec<RecipeNeed>>,
) -> Result<Plan, Unavailable> {
    let mut lines = Vec::new();
    for request in requests {
        let pizza = offer(request.pizza_id).ok_or_else(|| Unavailable("?".into()))?;
        // Each half of a composition must be on sale here.
        let halves = request.composition.as_ref().map(|c| c.pizza_ids.clone()).unwrap_or_default();
        for id in std::iter::once(request.pizza_id).chain(halves) {
            let half = offer(id).ok_or_else(|| Unavailable("?".into()))?;
            if !half.orderable {
                return Err(Unavailable(half.name.to_string()));
            }
        }
        let (unit_price_cents, vat_rate_bp) = match &request.composition {
            Some(composed) => (composed.unit_price_cents, composed.vat_rate_bp),
            None => (pizza.price_cents, pizza.vat_rate_bp),
        };
        lines.push(PlannedLine {
            pizza_id: request.pizza_id,
            name: pizza.name.to_string(),
            price: PricedLine { unit_price_cents, vat_rate_bp, quantity: request.quantity },
            note: request.note.clone(),
            composition: request.composition.clone(),
        });
    }
    // What each line takes of each ingredient: its composition's needs, or its recipe's.
    let mut per_line: Vec<(String, BTreeMap<i64, i64>)> = Vec::new();
    for line in &lines {
        let quantity = line.price.quantity;
        let needs: BTreeMap<i64, i64> = match &line.composition {
            Some(composed) => composed.needs.iter().map(|(id, q)| (*id, q * quantity)).collect(),
            None => orders::stock_needs(&[(line.pizza_id, quantity)], recipes),
        };
        per_line.push((line.name.clone(), needs));
    }
    let mut totals: BTreeMap<i64, i64> = BTreeMap::new();
    for (_, needs) in &per_line {
        for (id, quantity) in needs {
            *totals.entry(*id).or_default() += quantity;
        }
    }
    let needs = totals
        .into_iter()
        .map(|(ingredient_id, quantity)| {
            let pizza = per_line
                .iter()
                .find(|(_, needs)| needs.contains_key(&ingredient_id))
                .map(|(name, _)| name.clone())
                .unwrap_or_default();
            Need { ingredient_id, quantity, pizza }
        })
        .collect();
    let prices: Vec<PricedLine> = lines.iter().map(|l| l.price).collect();
    Ok(Plan { totals: pricing::totals(&prices), lines, needs })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plan_prices_lines_and_names_who_needs_what() {
        let recipes: HashMap<i64, Vec<RecipeNeed>> = [
            (1, vec![RecipeNeed { ingredient_id: 10, quantity: 120 }, RecipeNeed { ingredient_id: 11, quantity: 1 }]),
            (2, vec![RecipeNeed { ingredient_id: 10, quantity: 110 }]),
        ]
        .into();
        // The reine is withdrawn at pizzeria 7, not at 8.
        let at = |pizzeria: i64| {
            move |id: i64| match id {
                1 => Some(Offer { name: "MARGHERITA", price_cents: 950, vat_rate_bp: 1000, orderable: true }),
                2 => Some(Offer { name: "REINE", price_cents: 1150, vat_rate_bp: 1000, orderable: pizzeria != 7 }),
                _ => None,
            }
        };
        let line = |pizza_id, quantity| LineRequest { pizza_id, quantity, note: String::new(), composition: None };
        let planned = plan(&[line(1, 2)], at(7), &recipes).expect("a plan");
        assert_eq!(planned.totals.ttc_cents, 1900);
        assert_eq!(
            planned.needs.iter().map(|n| (n.ingredient_id, n.quantity)).collect::<Vec<_>>(),
            vec![(10, 240), (11, 2)]
        );
        assert_eq!(planned.needs[0].pizza, "MARGHERITA");
        assert_eq!(plan(&[line(2, 1)], at(7), &recipes), Err(Unavailable("REINE".into())));
        let both = plan(&[line(1, 1), line(2, 1)], at(8), &recipes).expect("not withdrawn at 8");
        assert_eq!(
            both.needs.iter().map(|n| (n.ingredient_id, n.quantity)).collect::<Vec<_>>(),
            vec![(10, 230), (11, 1)]
        );
        assert_eq!(plan(&[line(3, 1)], at(8), &recipes), Err(Unavailable("?".into())), "unknown pizza");
        let held: BTreeMap<i64, i64> = [(10, 229), (11, 5)].into();
        assert_eq!(both.short_of(&held), Some("MARGHERITA".into()));
    }
}
