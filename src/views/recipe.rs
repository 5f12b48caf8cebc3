//! The kitchen's recipe memo: what goes on the pizza, in what quantity, its allergens and
//! the steps — large type, for a tablet at arm's length.

use maud::{html, Markup};

use super::layout::{page, Nav};
use crate::store::screens::Recipe;

/// The recipe memo: what goes on the pizza, in what quantity, its allergens, the steps.
pub fn recipe(nav: &Nav, recipe: &Recipe) -> Markup {
    let allergens: Vec<&str> = {
        let mut all: Vec<&str> = recipe.ingredients.iter().flat_map(|i| i.allergen_codes()).collect();
        all.sort_unstable();
        all.dedup();
        all.into_iter().map(super::public::allergen_label).collect()
    };
    page(
        &format!("Recette : {}", recipe.name),
        nav,
        html! {
            div.screen.recipe {
                p { a href="/kitchen" { "← Retour à la cuisine" } }
                h1 { (recipe.name) }
                @if !recipe.description.is_empty() { p.lead { (recipe.description) } }
                h2 { "Ingrédients" }
                // Two columns, the allergens under each name: it fits a phone held at arm's length.
                table.recipe-ingredients {
                    thead { tr { th scope="col" { "Ingrédient" } th scope="col" { "Quantité" } } }
                    tbody {
                        @for ingredient in &recipe.ingredients {
                            @let allergens = ingredient.allergen_codes().into_iter().map(super::public::allergen_label).collect::<Vec<_>>();
                            tr {
                                td {
                                    (ingredient.name)
                                    @if !allergens.is_empty() { br; small.allergens { "Allergènes : " (allergens.join(", ")) } }
                                }
                                td.qty { (ingredient.quantity) " " (unit_label(&ingredient.unit, ingredient.quantity)) }
                            }
                        }
                    }
                }
                p.allergen-summary {
                    strong { "Allergènes : " }
                    @if allergens.is_empty() { "aucun" } @else { (allergens.join(", ")) }
                }
                h2 { "Étapes" }
                @if recipe.steps.is_empty() {
                    p.note { "Pas d'étapes enregistrées pour cette pizza." }
                } @else {
                    ol.steps { @for step in &recipe.steps { li { (step) } } }
                }
            }
        },
    )
}

fn unit_label(unit: &str, quantity: i64) -> &'static str {
    match (unit, quantity) {
        ("g", _) => "g",
        ("ml", _) => "ml",
        (_, 1) => "pièce",
        _ => "pièces",
    }
}
