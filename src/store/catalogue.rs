//! The catalogue as ordering sees it — active pizzerias with their hours and zones, pizzas
//! with their prices and recipes, the day's withdrawals — read from the database once per
//! change of the catalogue, not once per order.
//!
//! The catalogue changes rarely (an admin's or a manager's edit, the nightly end of the
//! day's withdrawals) and every such change is announced (`live::announce` with
//! `live::catalogue_changed`): on this process at once after its commit, on the other
//! PostgreSQL instances through LISTEN/NOTIFY. Entries are stamped with
//! `live::catalogue_generation`, read before the database reads, exactly as the menu cache
//! does with the events' generation (see `menu_cache`); orders and stock movements do not
//! move it. While a PostgreSQL instance's listener is disconnected, the catalogue is read
//! from the database every time.
//!
//! What an order takes from here is its prices and its recipes' needs. An order that races
//! with an edit on another instance is priced as the catalogue was when it was placed; the
//! stock it takes is always checked and taken in the order's own transaction.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use sqlx::FromRow;

use crate::db::DbPool;
use crate::domain::availability::RecipeNeed;
use crate::domain::planning::Offer;
use crate::live;
use crate::store::pizzerias::{self, PizzeriaDetails};
use crate::{db_run, Result};

#[derive(Debug, Clone, FromRow)]
pub struct CataloguePizza {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub price_cents: i64,
    pub vat_rate_bp: i64,
    pub active: bool,
}

#[derive(Debug, Default)]
pub struct Catalogue {
    /// Active pizzerias, by name.
    pub pizzerias: Vec<PizzeriaDetails>,
    pizzas: Vec<CataloguePizza>,
    pizza_by_slug: HashMap<String, usize>,
    pizza_by_id: HashMap<i64, usize>,
    recipes: HashMap<i64, Vec<RecipeNeed>>,
    /// (pizzeria, pizza) withdrawn for the day.
    withdrawn: HashSet<(i64, i64)>,
}

impl Catalogue {
    /// The catalogue from its rows (recipe lines: pizza, ingredient, quantity; withdrawals:
    /// pizzeria, pizza).
    pub fn new(
        pizzerias: Vec<PizzeriaDetails>,
        pizzas: Vec<CataloguePizza>,
        recipe_lines: Vec<(i64, i64, i64)>,
        withdrawals: Vec<(i64, i64)>,
    ) -> Catalogue {
        let mut recipes: HashMap<i64, Vec<RecipeNeed>> = HashMap::new();
        for (pizza_id, ingredient_id, quantity) in recipe_lines {
            recipes.entry(pizza_id).or_default().push(RecipeNeed { ingredient_id, quantity });
        }
        Catalogue {
            pizzerias,
            pizza_by_slug: pizzas.iter().enumerate().map(|(i, p)| (p.slug.clone(), i)).collect(),
            pizza_by_id: pizzas.iter().enumerate().map(|(i, p)| (p.id, i)).collect(),
            pizzas,
            recipes,
            withdrawn: withdrawals.into_iter().collect(),
        }
    }

    /// An active pizzeria by its slug.
    pub fn pizzeria_by_slug(&self, slug: &str) -> Option<&PizzeriaDetails> {
        self.pizzerias.iter().find(|p| p.pizzeria.slug == slug)
    }

    /// Every active pizzeria's name and delivery postcodes.
    pub fn zones(&self) -> Vec<(&str, &[String])> {
        self.pizzerias.iter().map(|p| (p.pizzeria.name.as_str(), p.delivery_postcodes.as_slice())).collect()
    }

    /// An active pizzeria by its id.
    pub fn pizzeria(&self, id: i64) -> Option<&PizzeriaDetails> {
        self.pizzerias.iter().find(|p| p.pizzeria.id == id)
    }

    /// An active pizza by its slug.
    pub fn pizza_by_slug(&self, slug: &str) -> Option<&CataloguePizza> {
        self.pizza_by_slug.get(slug).map(|&i| &self.pizzas[i]).filter(|p| p.active)
    }

    /// A pizza by its id, active or not.
    pub fn pizza(&self, id: i64) -> Option<&CataloguePizza> {
        self.pizza_by_id.get(&id).map(|&i| &self.pizzas[i])
    }

    /// Every pizza's recipe, by pizza id.
    pub fn recipes(&self) -> &HashMap<i64, Vec<RecipeNeed>> {
        &self.recipes
    }

    /// What one pizza takes of each ingredient (empty: it cannot be made).
    pub fn recipe(&self, pizza_id: i64) -> &[RecipeNeed] {
        self.recipes.get(&pizza_id).map(Vec::as_slice).unwrap_or_default()
    }

    /// What order planning needs of a pizza at this pizzeria.
    pub fn offer(&self, pizzeria_id: i64, pizza_id: i64) -> Option<Offer<'_>> {
        self.pizza(pizza_id).map(|pizza| Offer {
            name: &pizza.name,
            price_cents: pizza.price_cents,
            vat_rate_bp: pizza.vat_rate_bp,
            orderable: self.orderable(pizzeria_id, pizza_id),
        })
    }

    /// Whether the pizzeria sells this pizza now: active, with a recipe, not withdrawn.
    pub fn orderable(&self, pizzeria_id: i64, pizza_id: i64) -> bool {
        self.pizza(pizza_id).is_some_and(|p| p.active)
            && !self.recipe(pizza_id).is_empty()
            && !self.withdrawn.contains(&(pizzeria_id, pizza_id))
    }
}

struct Entry {
    generation: u64,
    value: Arc<Catalogue>,
}

fn cached() -> &'static Mutex<Option<Entry>> {
    static CATALOGUE: Mutex<Option<Entry>> = Mutex::new(None);
    &CATALOGUE
}

/// The catalogue as of the last change this process heard of.
pub async fn current(db: &DbPool) -> Result<Arc<Catalogue>> {
    let generation = live::catalogue_generation();
    let hit = cached().lock().ok().and_then(|entry| {
        entry.as_ref().filter(|e| e.generation == generation && live::hearing_every_change()).map(|e| e.value.clone())
    });
    if let Some(hit) = hit {
        return Ok(hit);
    }
    let value = Arc::new(read(db).await?);
    if let Ok(mut entry) = cached().lock() {
        *entry = Some(Entry { generation, value: value.clone() });
    }
    Ok(value)
}

/// An active pizzeria with its hours and zones.
pub async fn pizzeria_details(db: &DbPool, id: i64) -> Result<Option<PizzeriaDetails>> {
    Ok(current(db).await?.pizzeria(id).cloned())
}

async fn read(db: &DbPool) -> Result<Catalogue> {
    let pizzerias = pizzerias::list_active(db).await?;
    let (pizzas, recipe_lines, withdrawals) = db_run!(db, |pool| {
        let pizzas: Vec<CataloguePizza> =
            sqlx::query_as("SELECT id, slug, name, price_cents, vat_rate_bp, active FROM pizzas ORDER BY id")
                .fetch_all(pool)
                .await?;
        let recipe_lines: Vec<(i64, i64, i64)> = sqlx::query_as(
            "SELECT pizza_id, ingredient_id, quantity FROM recipe_lines ORDER BY pizza_id, ingredient_id",
        )
        .fetch_all(pool)
        .await?;
        let withdrawals: Vec<(i64, i64)> =
            sqlx::query_as("SELECT pizzeria_id, pizza_id FROM menu_withdrawals").fetch_all(pool).await?;
        (pizzas, recipe_lines, withdrawals)
    });
    Ok(Catalogue::new(pizzerias, pizzas, recipe_lines, withdrawals))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pizza(id: i64, slug: &str, active: bool) -> CataloguePizza {
        CataloguePizza { id, slug: slug.into(), name: slug.into(), price_cents: 1000, vat_rate_bp: 1000, active }
    }

    #[test]
    fn only_active_pizzas_with_a_recipe_and_not_withdrawn_are_orderable() {
        let catalogue = Catalogue::new(
            Vec::new(),
            vec![
                pizza(1, "margherita", true),
                pizza(2, "reine", true),
                pizza(3, "ancienne", false),
                pizza(4, "vide", true),
            ],
            vec![(1, 10, 120), (2, 10, 100), (3, 10, 100)],
            vec![(7, 2)],
        );
        assert!(catalogue.orderable(7, 1));
        assert!(!catalogue.orderable(7, 2), "withdrawn at pizzeria 7");
        assert!(catalogue.orderable(8, 2), "only at pizzeria 7");
        assert!(!catalogue.orderable(7, 3), "inactive");
        assert!(!catalogue.orderable(7, 4), "no recipe");
        assert!(!catalogue.orderable(7, 99), "unknown");
        assert_eq!(catalogue.pizza_by_slug("reine").map(|p| p.id), Some(2));
        assert!(catalogue.pizza_by_slug("ancienne").is_none(), "slugs find active pizzas only");
        assert_eq!(catalogue.pizza(3).map(|p| p.active), Some(false));
        assert_eq!(catalogue.recipe(1), &[RecipeNeed { ingredient_id: 10, quantity: 120 }]);
    }
}
