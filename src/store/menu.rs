use std::collections::HashMap;

use sqlx::FromRow;

use crate::db::DbPool;
use crate::domain::availability::{self, Availability, RecipeNeed};
use crate::{db_run, Result};

#[derive(Debug, Clone, FromRow)]
struct PizzaRow {
    id: i64,
    slug: String,
    name: String,
    description: String,
    price_cents: i64,
    vat_rate_bp: i64,
    withdrawn: bool,
}

/// A pizza as a pizzeria's menu shows it, with its live availability.
#[derive(Debug, Clone)]
pub struct MenuItem {
    pub pizza_id: i64,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub price_cents: i64,
    pub vat_rate_bp: i64,
    /// Allergen codes (EU list), sorted.
    pub allergens: Vec<String>,
    pub makeable: i64,
    pub availability: Availability,
}

/// The active pizzas of the menu with what the pizzeria's stock allows right now.
pub async fn for_pizzeria(db: &DbPool, pizzeria_id: i64, few_left_threshold: i64) -> Result<Vec<MenuItem>> {
    let (pizzas, recipe_lines, stock, allergens) = db_run!(db, |pool| {
        let pizzas: Vec<PizzaRow> = sqlx::query_as(
            "SELECT p.id, p.slug, p.name, p.description, p.price_cents, p.vat_rate_bp,
                    EXISTS (SELECT 1 FROM menu_withdrawals w WHERE w.pizza_id = p.id AND w.pizzeria_id = $1) AS withdrawn
             FROM pizzas p WHERE p.active ORDER BY p.sort_order, p.name",
        )
        .bind(pizzeria_id)
        .fetch_all(pool)
        .await?;
        let recipe_lines: Vec<(i64, i64, i64)> = sqlx::query_as(
            "SELECT r.pizza_id, r.ingredient_id, r.quantity FROM recipe_lines r
             JOIN pizzas p ON p.id = r.pizza_id WHERE p.active",
        )
        .fetch_all(pool)
        .await?;
        let stock: Vec<(i64, i64)> = sqlx::query_as("SELECT ingredient_id, quantity FROM stock WHERE pizzeria_id = $1")
            .bind(pizzeria_id)
            .fetch_all(pool)
            .await?;
        let allergens: Vec<(i64, String)> = sqlx::query_as(
            "SELECT DISTINCT r.pizza_id, a.allergen FROM recipe_lines r
             JOIN ingredient_allergens a ON a.ingredient_id = r.ingredient_id
             ORDER BY r.pizza_id, a.allergen",
        )
        .fetch_all(pool)
        .await?;
        (pizzas, recipe_lines, stock, allergens)
    });

    let stock: HashMap<i64, i64> = stock.into_iter().collect();
    let mut recipes: HashMap<i64, Vec<RecipeNeed>> = HashMap::new();
    for (pizza_id, ingredient_id, quantity) in recipe_lines {
        recipes.entry(pizza_id).or_default().push(RecipeNeed { ingredient_id, quantity });
    }
    let mut allergens_by_pizza: HashMap<i64, Vec<String>> = HashMap::new();
    for (pizza_id, allergen) in allergens {
        allergens_by_pizza.entry(pizza_id).or_default().push(allergen);
    }

    Ok(pizzas
        .into_iter()
        .map(|pizza| {
            let recipe = recipes.get(&pizza.id).map(Vec::as_slice).unwrap_or_default();
            let makeable = if pizza.withdrawn { 0 } else { availability::makeable(recipe, &stock).0 };
            MenuItem {
                availability: availability::availability(makeable, few_left_threshold),
                makeable,
                allergens: allergens_by_pizza.remove(&pizza.id).unwrap_or_default(),
                pizza_id: pizza.id,
                slug: pizza.slug,
                name: pizza.name,
                description: pizza.description,
                price_cents: pizza.price_cents,
                vat_rate_bp: pizza.vat_rate_bp,
            }
        })
        .collect())
}

/// For each pizza, the other active pizzerias that can make at least one now:
/// pizza id → [(slug, name)].
pub async fn makeable_elsewhere(db: &DbPool, except_pizzeria: i64) -> Result<HashMap<i64, Vec<(String, String)>>> {
    let (pizzerias, recipe_lines, stock, withdrawals) = db_run!(db, |pool| {
        let pizzerias: Vec<(i64, String, String)> =
            sqlx::query_as("SELECT id, slug, name FROM pizzerias WHERE active AND id <> $1 ORDER BY name")
                .bind(except_pizzeria)
                .fetch_all(pool)
                .await?;
        let recipe_lines: Vec<(i64, i64, i64)> = sqlx::query_as(
            "SELECT r.pizza_id, r.ingredient_id, r.quantity FROM recipe_lines r JOIN pizzas p ON p.id = r.pizza_id
             WHERE p.active",
        )
        .fetch_all(pool)
        .await?;
        let stock: Vec<(i64, i64, i64)> =
            sqlx::query_as("SELECT pizzeria_id, ingredient_id, quantity FROM stock").fetch_all(pool).await?;
        let withdrawals: Vec<(i64, i64)> =
            sqlx::query_as("SELECT pizzeria_id, pizza_id FROM menu_withdrawals").fetch_all(pool).await?;
        (pizzerias, recipe_lines, stock, withdrawals)
    });
    let mut recipes: HashMap<i64, Vec<RecipeNeed>> = HashMap::new();
    for (pizza_id, ingredient_id, quantity) in recipe_lines {
        recipes.entry(pizza_id).or_default().push(RecipeNeed { ingredient_id, quantity });
    }
    let mut stock_by_pizzeria: HashMap<i64, HashMap<i64, i64>> = HashMap::new();
    for (pizzeria_id, ingredient_id, quantity) in stock {
        stock_by_pizzeria.entry(pizzeria_id).or_default().insert(ingredient_id, quantity);
    }
    let mut elsewhere: HashMap<i64, Vec<(String, String)>> = HashMap::new();
    for (pizzeria_id, slug, name) in &pizzerias {
        let stock = stock_by_pizzeria.get(pizzeria_id).cloned().unwrap_or_default();
        for (pizza_id, recipe) in &recipes {
            let withdrawn = withdrawals.contains(&(*pizzeria_id, *pizza_id));
            if !withdrawn && availability::makeable(recipe, &stock).0 > 0 {
                elsewhere.entry(*pizza_id).or_default().push((slug.clone(), name.clone()));
            }
        }
    }
    Ok(elsewhere)
}

/// An active pizza by its slug: (id, name).
pub async fn pizza_by_slug(db: &DbPool, slug: &str) -> Result<Option<(i64, String)>> {
    let pizza = db_run!(db, |pool| {
        sqlx::query_as("SELECT id, name FROM pizzas WHERE slug = $1 AND active").bind(slug).fetch_optional(pool).await?
    });
    Ok(pizza)
}
