//! The customisation part of the menu — `sizes`, `pizza_sizes`, the recipe lines' flags,
//! `extras` — read as a `domain::composition::Menu`, with what the API shows of extras.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use crate::db::DbPool;
use crate::domain::composition::{Extra, Menu, Pizza, RecipeLine, Size, MAX_EXTRAS};
use crate::{db_run, live, Result};

/// An extra as the menu shows it: its allergens too.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShownExtra {
    pub extra: Extra,
    pub ingredient_code: String,
    pub allergens: Vec<String>,
}

/// The menu a composition is checked against, and its extras as shown.
pub type Customisation = (Menu, Vec<ShownExtra>);

/// The size of an installation that has not set any.
pub const SOLE_SIZE: &str = "standard";

type SizeRow = (String, String, i64, bool);
type PizzaRow = (i64, String, String, i64, i64);
type LineRow = (i64, i64, String, String, i64, bool, bool, String);
type ExtraRow = (String, i64, String, i64, i64, String, String, String);
type Rows = (Vec<SizeRow>, Vec<PizzaRow>, Vec<(i64, String, i64)>, Vec<LineRow>, Vec<ExtraRow>);

/// The customisation menu as of the last catalogue change this process heard of (menu
/// edits, a resync): read once, not for every customised order.
pub async fn menu(db: &DbPool) -> Result<Arc<Customisation>> {
    static CACHED: Mutex<Option<(u64, Arc<Customisation>)>> = Mutex::new(None);
    let generation = live::catalogue_generation();
    let hit = CACHED.lock().ok().and_then(|entry| {
        entry.as_ref().filter(|(g, _)| *g == generation && live::hearing_every_change()).map(|(_, v)| v.clone())
    });
    if let Some(hit) = hit {
        return Ok(hit);
    }
    let value = Arc::new(read(db).await?);
    if let Ok(mut entry) = CACHED.lock() {
        *entry = Some((generation, value.clone()));
    }
    Ok(value)
}

/// The menu's sizes, active pizzas with their prices per size and recipes, and active
/// extras (with their allergens).
async fn read(db: &DbPool) -> Result<(Menu, Vec<ShownExtra>)> {
    let (sizes, pizzas, prices, lines, extras): Rows = db_run!(db, |pool| {
        let sizes = sqlx::query_as("SELECT code, label, factor_pct, is_default FROM sizes ORDER BY position, code")
            .fetch_all(pool)
            .await?;
        let pizzas = sqlx::query_as(
            "SELECT id, slug, name, vat_rate_bp, price_cents FROM pizzas WHERE active ORDER BY sort_order, id",
        )
        .fetch_all(pool)
        .await?;
        let prices = sqlx::query_as("SELECT pizza_id, size_code, price_cents FROM pizza_sizes").fetch_all(pool).await?;
        let lines = sqlx::query_as(
            "SELECT r.pizza_id, r.ingredient_id, i.code, i.name, r.quantity, r.removable, r.base, i.unit
             FROM recipe_lines r JOIN ingredients i ON i.id = r.ingredient_id ORDER BY r.pizza_id, r.base DESC, i.name",
        )
        .fetch_all(pool)
        .await?;
        let extras = sqlx::query_as(
            "SELECT e.code, e.ingredient_id, e.name, e.quantity, e.price_cents, i.unit, i.code,
                    COALESCE((SELECT STRING_AGG(a.allergen, ',' ORDER BY a.allergen) FROM ingredient_allergens a
                              WHERE a.ingredient_id = e.ingredient_id), '')
             FROM extras e JOIN ingredients i ON i.id = e.ingredient_id WHERE e.active ORDER BY e.position, e.code",
        )
        .fetch_all(pool)
        .await?;
        (sizes, pizzas, prices, lines, extras)
    });
    let mut sizes = sizes;
    if !sizes.iter().any(|(_, _, _, is_default)| *is_default) {
        // No default size saved: the one size the pizzas have always been sold in.
        sizes.insert(0, (SOLE_SIZE.into(), "Taille unique".into(), 100, true));
    }
    let default_size =
        sizes.iter().find(|(_, _, _, is_default)| *is_default).map(|(code, ..)| code.clone()).unwrap_or_default();
    let mut by_pizza: BTreeMap<i64, Vec<RecipeLine>> = BTreeMap::new();
    for (pizza_id, ingredient_id, code, ingredient, quantity, removable, base, unit) in lines {
        let line = RecipeLine { ingredient_id, code, ingredient, quantity, removable, base, scales: unit != "piece" };
        by_pizza.entry(pizza_id).or_default().push(line);
    }
    let mut priced: BTreeMap<i64, BTreeMap<String, i64>> = BTreeMap::new();
    for (pizza_id, size, cents) in prices {
        priced.entry(pizza_id).or_default().insert(size, cents);
    }
    let pizzas = pizzas
        .into_iter()
        .map(|(id, slug, name, vat_rate_bp, price_cents)| {
            let mut prices = priced.remove(&id).unwrap_or_default();
            // The default size is the reference: the pizza's own price.
            prices.insert(default_size.clone(), price_cents);
            Pizza { id, slug, name, vat_rate_bp, prices, lines: by_pizza.remove(&id).unwrap_or_default() }
        })
        .collect();
    let shown: Vec<ShownExtra> = extras
        .into_iter()
        .map(|(code, ingredient_id, name, quantity, price_cents, unit, ingredient_code, allergens)| ShownExtra {
            extra: Extra { code, ingredient_id, name, quantity, price_cents, scales: unit != "piece" },
            ingredient_code,
            allergens: allergens.split(',').filter(|a| !a.is_empty()).map(String::from).collect(),
        })
        .collect();
    let menu = Menu {
        sizes: sizes.into_iter().map(|(code, label, factor_pct, _)| Size { code, label, factor_pct }).collect(),
        default_size,
        extras: shown.iter().map(|s| s.extra.clone()).collect(),
        max_extras: MAX_EXTRAS,
        pizzas,
    };
    Ok((menu, shown))
}
