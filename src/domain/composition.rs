//! A pizza as a customer orders it — a size, ingredients taken off, extras, or two halves
//! on one base — priced in parts the customer can read, and turned into exactly what it
//! takes from the stock.
//!
//! The rules:
//! - **Sizes.** Each pizza has its own price per size; each size scales the recipe, written
//!   for the reference size, by its factor (26 cm: 70 %, 33 cm: 100 %, 40 cm: 150 %).
//!   Scaled quantities round up to the unit, never to nothing; what is counted by the piece
//!   (a dough ball, an egg) does not scale — a large pizza is stretched from one ball.
//! - **Without.** A recipe line may be removed when the menu says so (never the dough nor
//!   the base): nothing is taken from the stock for it, and the price does not change.
//! - **Extras.** From the menu's list, each with its quantity at the reference size and its
//!   price; at most [`Menu::max_extras`] on a pizza (halves together). On a half, an extra
//!   takes half its quantity and costs half its price (rounded up to the cent).
//! - **Half-and-half.** Two different pizzas of the same size on one base: the base lines
//!   (the dough, the sauce) once, from the first half; every other line of each half at half
//!   its quantity (rounded up). The price is the dearer half's at that size, plus extras.

use std::collections::BTreeMap;

/// A size of the menu.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Size {
    pub code: String,
    /// "Grande (40 cm)"
    pub label: String,
    /// Percent of the recipe as written.
    pub factor_pct: i64,
}

/// A line of a pizza's recipe, at the reference size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecipeLine {
    pub ingredient_id: i64,
    /// The ingredient's code (the API's word for it) and name.
    pub code: String,
    pub ingredient: String,
    pub quantity: i64,
    /// The customer may take it off.
    pub removable: bool,
    /// Part of the base (dough, sauce): once on a half-and-half.
    pub base: bool,
    /// Scales with the size (false for what is counted by the piece).
    pub scales: bool,
}

/// A pizza of the menu with its recipe and its price per size code (TTC cents).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pizza {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub vat_rate_bp: i64,
    pub prices: BTreeMap<String, i64>,
    pub lines: Vec<RecipeLine>,
}

/// A supplement of the menu.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extra {
    pub code: String,
    pub ingredient_id: i64,
    pub name: String,
    /// At the reference size.
    pub quantity: i64,
    pub price_cents: i64,
    /// Scales with the size (false for what is counted by the piece).
    pub scales: bool,
}

/// The most extras on one pizza (its halves together).
pub const MAX_EXTRAS: usize = 3;

/// What a composition is checked against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Menu {
    pub sizes: Vec<Size>,
    /// Used when a line names no size.
    pub default_size: String,
    pub extras: Vec<Extra>,
    pub max_extras: usize,
    pub pizzas: Vec<Pizza>,
}

/// One half (or the whole pizza) as asked: the pizza's slug, the ingredient ids taken off,
/// the extras' codes (an extra twice is a double portion).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HalfRequest {
    pub pizza: String,
    pub removed: Vec<i64>,
    pub extras: Vec<String>,
    /// A half may name its size; it must be the pizza's.
    pub size: Option<String>,
}

/// A line as asked: a size (or the default), the pizza, and an optional second half.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Request {
    pub size: Option<String>,
    pub first: HalfRequest,
    pub second: Option<HalfRequest>,
}

/// A part of the price, as the cart and the receipt show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PricePart {
    pub label: String,
    pub cents: i64,
}

/// A checked composition: its unit price (the sum of its parts), its VAT rate, what it
/// takes from the stock per pizza, and its words for the kitchen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Composed {
    /// The pizzas it is made of (one, or two halves).
    pub pizza_ids: Vec<i64>,
    pub unit_price_cents: i64,
    pub vat_rate_bp: i64,
    pub parts: Vec<PricePart>,
    /// Ingredient id → quantity, for one pizza.
    pub needs: BTreeMap<i64, i64>,
    /// "Grande (40 cm) — ½ Reine SANS champignons + Mozzarella, ½ Quatre fromages"
    pub summary: String,
}

fn scaled(quantity: i64, factor_pct: i64, scales: bool, halves: i64) -> i64 {
    let factor_pct = if scales { factor_pct } else { 100 };
    let denominator = 100 * halves;
    ((quantity * factor_pct + denominator - 1) / denominator).max(1)
}

fn half_price(cents: i64) -> i64 {
    (cents + 1) / 2
}

impl Menu {
    fn pizza(&self, slug: &str) -> Result<&Pizza, String> {
        self.pizzas.iter().find(|p| p.slug == slug.trim()).ok_or_else(|| "Cette pizza n'est pas à la carte.".into())
    }

    fn size(&self, code: Option<&str>) -> Result<&Size, String> {
        let code = code.map(str::trim).filter(|c| !c.is_empty()).unwrap_or(&self.default_size);
        self.sizes.iter().find(|s| s.code == code).ok_or_else(|| format!("Taille inconnue : « {code} »."))
    }

    fn extra(&self, code: &str) -> Result<&Extra, String> {
        self.extras
            .iter()
            .find(|e| e.code == code.trim())
            .ok_or_else(|| format!("« {} » n'est pas un supplément de la carte.", code.trim()))
    }

    /// Checks and prices a line, or says in French what is wrong with it.
    pub fn compose(&self, request: &Request) -> Result<Composed, String> {
        let size = self.size(request.size.as_deref())?;
        let mut halves = vec![&request.first];
        halves.extend(request.second.as_ref());
        let count = halves.len() as i64;
        for half in &halves {
            if half.size.as_deref().is_some_and(|s| s.trim() != size.code) {
                return Err("Les deux moitiés d'une pizza sont de la même taille.".into());
            }
        }
        let extras_asked: usize = halves.iter().map(|h| h.extras.len()).sum();
        if extras_asked > self.max_extras {
            return Err(format!("{} suppléments au plus par pizza.", self.max_extras));
        }
        let pizzas: Vec<&Pizza> = halves.iter().map(|h| self.pizza(&h.pizza)).collect::<Result<_, _>>()?;
        if let [first, second] = pizzas[..] {
            if first.id == second.id {
                return Err(format!("Les deux moitiés sont la même pizza : commandez une {} entière.", first.name));
            }
        }
        let mut prices = Vec::new();
        for pizza in &pizzas {
            let price = pizza.prices.get(&size.code).copied();
            prices.push(price.ok_or_else(|| format!("La {} n'existe pas en {}.", pizza.name, size.label))?);
        }
        let (dearest, price) =
            pizzas.iter().zip(&prices).max_by_key(|(_, price)| **price).map(|(p, c)| (*p, *c)).ok_or("Pizza vide.")?;

        let mut needs: BTreeMap<i64, i64> = BTreeMap::new();
        let mut parts = vec![PricePart {
            label: match pizzas[..] {
                [whole] => format!("{} — {}", whole.name, size.label),
                _ => format!(
                    "½ {} / ½ {} — {} (prix de la plus chère, {})",
                    pizzas[0].name, pizzas[1].name, size.label, dearest.name
                ),
            },
            cents: price,
        }];
        let mut words = Vec::new();
        for (index, (half, pizza)) in halves.iter().zip(&pizzas).enumerate() {
            for removed in &half.removed {
                let line = pizza.lines.iter().find(|l| l.ingredient_id == *removed).ok_or_else(|| {
                    format!("La {} ne contient pas cet ingrédient : il ne peut pas être retiré.", pizza.name)
                })?;
                if !line.removable {
                    return Err(format!("« {} » ne peut pas être retiré de la {}.", line.ingredient, pizza.name));
                }
            }
            for line in &pizza.lines {
                if half.removed.contains(&line.ingredient_id) || (line.base && index > 0) {
                    continue;
                }
                let share = if line.base { 1 } else { count };
                *needs.entry(line.ingredient_id).or_default() +=
                    scaled(line.quantity, size.factor_pct, line.scales, share);
            }
            let mut said = Vec::new();
            for code in &half.extras {
                let extra = self.extra(code)?;
                *needs.entry(extra.ingredient_id).or_default() +=
                    scaled(extra.quantity, size.factor_pct, extra.scales, count);
                let cents = if count == 1 { extra.price_cents } else { half_price(extra.price_cents) };
                let on = if count == 1 { String::new() } else { format!(" (sur la ½ {})", pizza.name) };
                parts.push(PricePart { label: format!("Supplément {}{on}", extra.name), cents });
                said.push(format!("+ {}", extra.name));
            }
            let removed: Vec<String> = pizza
                .lines
                .iter()
                .filter(|l| half.removed.contains(&l.ingredient_id))
                .map(|l| format!("SANS {}", l.ingredient))
                .collect();
            let name = if count == 1 { pizza.name.clone() } else { format!("½ {}", pizza.name) };
            words.push([vec![name], removed, said].concat().join(" "));
        }
        Ok(Composed {
            pizza_ids: pizzas.iter().map(|p| p.id).collect(),
            unit_price_cents: parts.iter().map(|p| p.cents).sum(),
            vat_rate_bp: dearest.vat_rate_bp,
            parts,
            needs,
            summary: format!("{} — {}", size.label, words.join(", ")),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOUGH: i64 = 1;
    const TOMATO: i64 = 2;
    const MOZZARELLA: i64 = 3;
    const MUSHROOMS: i64 = 4;
    const HAM: i64 = 5;
    const GORGONZOLA: i64 = 6;

    fn line(ingredient_id: i64, ingredient: &str, quantity: i64, removable: bool, base: bool) -> RecipeLine {
        let code = ingredient.into();
        RecipeLine {
            ingredient_id,
            code,
            ingredient: ingredient.into(),
            quantity,
            removable,
            base,
            scales: ingredient != "pâte",
        }
    }

    fn menu() -> Menu {
        let sizes = [("26", "Petite (26 cm)", 70), ("33", "Moyenne (33 cm)", 100), ("40", "Grande (40 cm)", 150)];
        let base = || vec![line(DOUGH, "pâte", 1, false, true), line(TOMATO, "sauce tomate", 80, false, true)];
        Menu {
            sizes: sizes
                .iter()
                .map(|(code, label, factor_pct)| Size {
                    code: code.to_string(),
                    label: label.to_string(),
                    factor_pct: *factor_pct,
                })
                .collect(),
            default_size: "33".into(),
            extras: vec![Extra {
                code: "mozzarella".into(),
                ingredient_id: MOZZARELLA,
                name: "mozzarella".into(),
                quantity: 50,
                price_cents: 150,
                scales: true,
            }],
            max_extras: 3,
            pizzas: vec![
                Pizza {
                    id: 10,
                    slug: "reine".into(),
                    name: "Reine".into(),
                    vat_rate_bp: 1000,
                    prices: [("26".into(), 900), ("33".into(), 1150), ("40".into(), 1450)].into(),
                    lines: [
                        base(),
                        vec![
                            line(MOZZARELLA, "mozzarella", 100, true, false),
                            line(HAM, "jambon", 60, true, false),
                            line(MUSHROOMS, "champignons", 40, true, false),
                        ],
                    ]
                    .concat(),
                },
                Pizza {
                    id: 11,
                    slug: "quatre-fromages".into(),
                    name: "Quatre fromages".into(),
                    vat_rate_bp: 1000,
                    prices: [("33".into(), 1300), ("40".into(), 1600)].into(),
                    lines: [
                        base(),
                        vec![
                            line(MOZZARELLA, "mozzarella", 80, true, false),
                            line(GORGONZOLA, "gorgonzola", 45, true, false),
                        ],
                    ]
                    .concat(),
                },
            ],
        }
    }

    fn whole(pizza: &str) -> HalfRequest {
        HalfRequest { pizza: pizza.into(), ..HalfRequest::default() }
    }

    #[test]
    fn a_plain_pizza_is_its_recipe_at_the_default_size() {
        let composed = menu().compose(&Request { first: whole("reine"), ..Request::default() }).expect("valid");
        assert_eq!(composed.unit_price_cents, 1150);
        assert_eq!(composed.needs, [(DOUGH, 1), (TOMATO, 80), (MOZZARELLA, 100), (HAM, 60), (MUSHROOMS, 40)].into());
        assert_eq!(composed.summary, "Moyenne (33 cm) — Reine");
    }

    #[test]
    fn a_size_scales_the_recipe_and_has_its_price() {
        let large = Request { size: Some("40".into()), first: whole("reine"), second: None };
        let composed = menu().compose(&large).expect("valid");
        assert_eq!(composed.unit_price_cents, 1450);
        assert_eq!(composed.needs[&DOUGH], 1, "one dough ball, stretched larger");
        assert_eq!(composed.needs[&MUSHROOMS], 60);
        // 70 % of 80 g of tomato is 56 g; of 40 g of mushrooms, 28 g.
        let small = menu().compose(&Request { size: Some("26".into()), ..large }).expect("valid");
        assert_eq!((small.needs[&TOMATO], small.needs[&MUSHROOMS], small.unit_price_cents), (56, 28, 900));
    }

    #[test]
    fn a_removed_line_takes_nothing_and_costs_the_same_extras_add_both() {
        let mut reine = whole("reine");
        reine.removed = vec![MUSHROOMS];
        reine.extras = vec!["mozzarella".into(), "mozzarella".into()];
        let composed = menu().compose(&Request { size: Some("40".into()), first: reine, second: None }).expect("valid");
        assert!(!composed.needs.contains_key(&MUSHROOMS));
        // 100 g at 150 %, plus twice 50 g at 150 %.
        assert_eq!(composed.needs[&MOZZARELLA], 150 + 75 + 75);
        assert_eq!(composed.unit_price_cents, 1450 + 150 + 150);
        assert_eq!(composed.parts.len(), 3);
        assert_eq!(composed.parts[1], PricePart { label: "Supplément mozzarella".into(), cents: 150 });
        assert_eq!(composed.summary, "Grande (40 cm) — Reine SANS champignons + mozzarella + mozzarella");
    }

    #[test]
    fn half_and_half_has_one_base_half_toppings_and_the_dearer_price() {
        let mut reine = whole("reine");
        reine.extras = vec!["mozzarella".into()];
        let mut cheeses = whole("quatre-fromages");
        cheeses.removed = vec![GORGONZOLA];
        let request = Request { size: Some("40".into()), first: reine, second: Some(cheeses) };
        let composed = menu().compose(&request).expect("valid");
        // The base once at 150 %; each half's toppings at half of 150 %, rounded up.
        assert_eq!(composed.needs[&DOUGH], 1);
        assert_eq!(composed.needs[&TOMATO], 120);
        assert_eq!(composed.needs[&HAM], 45);
        assert_eq!(composed.needs[&MUSHROOMS], 30);
        // Mozzarella: the reine's half (75), the cheeses' half (60), the extra on a half (38).
        assert_eq!(composed.needs[&MOZZARELLA], 75 + 60 + 38);
        assert!(!composed.needs.contains_key(&GORGONZOLA));
        // The dearer half (16,00 €) and half an extra (0,75 €).
        assert_eq!(composed.unit_price_cents, 1600 + 75);
        assert_eq!(
            composed.parts[0].label,
            "½ Reine / ½ Quatre fromages — Grande (40 cm) (prix de la plus chère, Quatre fromages)"
        );
        assert_eq!(composed.summary, "Grande (40 cm) — ½ Reine + mozzarella, ½ Quatre fromages SANS gorgonzola");
    }

    #[test]
    fn nonsense_is_refused_in_french() {
        let menu = menu();
        let refused = |request: Request| menu.compose(&request).expect_err("refused");
        let base = Request { first: whole("reine"), ..Request::default() };
        assert_eq!(refused(Request { size: Some("50".into()), ..base.clone() }), "Taille inconnue : « 50 ».");
        assert_eq!(
            refused(Request { size: Some("26".into()), first: whole("quatre-fromages"), second: None }),
            "La Quatre fromages n'existe pas en Petite (26 cm)."
        );
        assert_eq!(
            refused(Request { first: whole("calzone-lune"), ..base.clone() }),
            "Cette pizza n'est pas à la carte."
        );
        let mut no_dough = whole("reine");
        no_dough.removed = vec![DOUGH];
        assert_eq!(
            refused(Request { first: no_dough, ..base.clone() }),
            "« pâte » ne peut pas être retiré de la Reine."
        );
        let mut not_there = whole("reine");
        not_there.removed = vec![GORGONZOLA];
        assert!(refused(Request { first: not_there, ..base.clone() }).contains("ne contient pas"));
        let mut greedy = whole("reine");
        greedy.extras = vec!["mozzarella".into(); 4];
        assert_eq!(refused(Request { first: greedy, ..base.clone() }), "3 suppléments au plus par pizza.");
        let mut unknown = whole("reine");
        unknown.extras = vec!["caviar".into()];
        assert_eq!(
            refused(Request { first: unknown, ..base.clone() }),
            "« caviar » n'est pas un supplément de la carte."
        );
        assert!(refused(Request { second: Some(whole("reine")), ..base.clone() }).contains("la même pizza"));
        let other_size = HalfRequest { size: Some("40".into()), ..whole("quatre-fromages") };
        assert_eq!(
            refused(Request { second: Some(other_size), ..base }),
            "Les deux moitiés d'une pizza sont de la même taille."
        );
    }
}
