//! The stock page: levels and what can still be made (re-read live), the action form, the
//! journal with its filters and pages.

use chrono::DateTime;
use chrono_tz::Europe::Paris;
use maud::{html, Markup};
use rocket::form::FromForm;

use super::forms::{csrf, notice};
use super::layout::{page_with_head, Nav};
use crate::domain::stock::{amount, MovementKind};
use crate::store::stock::{Makeable, Movement, StockRow, JOURNAL_PAGE};
use crate::views::screens::Here;

/// The journal's filters, as the query string carries them.
#[derive(FromForm, Default, Debug, Clone)]
pub struct JournalQuery {
    pub ingredient: Option<String>,
    pub kind: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub who: Option<i64>,
    pub page: Option<String>,
}

/// What the action form shows again after a refusal.
#[derive(Debug, Clone, Default)]
pub struct StockForm {
    pub ingredient: String,
    pub action: String,
    pub quantity: String,
    pub note: String,
    pub problem: Option<String>,
}

pub struct JournalView<'a> {
    pub query: &'a JournalQuery,
    pub movements: &'a [Movement],
    pub total: i64,
    pub page: i64,
    pub movers: &'a [(i64, String)],
}

pub struct StockPage<'a> {
    pub here: &'a Here,
    /// This page's address for the visitor (an admin's carries the pizzeria).
    pub link: String,
    pub admin: bool,
    pub csrf: &'a str,
    pub levels: &'a [StockRow],
    pub makeable: &'a [Makeable],
    pub few_left: i64,
    pub form: &'a StockForm,
    pub notice: Option<&'a str>,
    pub journal: JournalView<'a>,
}

fn kind_label(kind: &str) -> &str {
    MovementKind::parse(kind).map_or(kind, |k| k.label())
}

/// A unit alone, in a label: "(g)", "(pièces)".
fn unit(unit: &str) -> &str {
    match unit {
        "piece" => "pièces",
        other => other,
    }
}

/// The order's reference once, then what the note adds to it (a modification, a reason).
fn journal_note(reference: Option<&str>, note: &str) -> String {
    let Some(reference) = reference else { return note.to_string() };
    let rest = note.strip_prefix(reference).unwrap_or(note).trim_start_matches([' ', ':']).trim();
    if rest.is_empty() {
        reference.to_string()
    } else {
        format!("{reference} — {rest}")
    }
}

fn with_pizzeria(view: &StockPage<'_>, path: &str) -> String {
    if view.admin {
        format!("{path}?pizzeria={}", view.here.slug)
    } else {
        path.to_string()
    }
}

pub fn page(nav: &Nav, view: &StockPage<'_>) -> Markup {
    let title = format!("Stock — {}", view.here.name);
    page_with_head(
        &title,
        nav,
        html! { noscript { meta http-equiv="refresh" content="60"; } },
        html! {
            div.screen-head {
                h1 { "Stock " span.lead { (view.here.name) } }
                p.live-state #live-state role="status" aria-live="polite" data-state="connecting" {
                    span.js-only { "Connexion…" }
                }
            }
            (notice(view.notice))
            @if view.admin { p { a href="/admin/stock" { "Stock du groupe et transferts entre pizzerias" } } }
            (action_form(view))
            div #queue data-live=(with_pizzeria(view, "/manage/stock/live")) data-events=(with_pizzeria(view, "/manage/stock/events")) {
                (live(view.levels, view.makeable, view.few_left))
            }
            (journal(view))
        },
    )
}

fn action_form(view: &StockPage<'_>) -> Markup {
    let f = view.form;
    html! {
        section.card {
            h2 { "Mouvement de stock" }
            @if let Some(problem) = &f.problem { p.form-errors role="alert" { (problem) } }
            form.filters method="post" action="/manage/stock" {
                (csrf(view.csrf))
                input type="hidden" name="pizzeria" value=(view.here.slug);
                label { "Ingrédient"
                    select name="ingredient" required {
                        @for row in view.levels {
                            option value=(row.code) selected[f.ingredient == row.code] { (row.name) " (" (unit(&row.unit)) ")" }
                        }
                    }
                }
                label { "Action"
                    select name="action" {
                        @for (value, label) in [("restock", "Réception"), ("waste", "Perte"), ("inventory", "Inventaire (quantité comptée)"), ("threshold", "Seuil bas")] {
                            option value=(value) selected[f.action == value] { (label) }
                        }
                    }
                }
                label { "Quantité" input type="text" name="quantity" inputmode="numeric" required value=(f.quantity); }
                label { "Référence fournisseur ou raison de la perte"
                    input type="text" name="note" maxlength="200" value=(f.note);
                }
                button.button type="submit" { "Enregistrer" }
            }
        }
    }
}

/// Levels and what the stock can still make: the part of the page that follows the orders.
pub fn live(levels: &[StockRow], makeable: &[Makeable], few_left: i64) -> Markup {
    html! {
        div.stock-tables {
            section {
                h2 { "Ingrédients" }
                table.stock {
                    thead { tr { th scope="col" { "Ingrédient" } th scope="col" { "Stock" } th scope="col" { "Seuil bas" } th scope="col" { "État" } } }
                    tbody {
                        @for row in levels {
                            @let level = row.level();
                            tr class=(format!("level-{}", level.as_str())) data-ingredient=(row.code) {
                                td { (row.name) }
                                td.qty data-quantity=(row.quantity) { (amount(row.quantity, &row.unit)) }
                                td.qty { (row.low_threshold) }
                                td { span class=(format!("badge level-badge-{}", level.as_str())) { (level.label()) } }
                            }
                        }
                    }
                }
            }
            section {
                h2 { "Pizzas encore réalisables" }
                table.makeable {
                    thead { tr { th scope="col" { "Pizza" } th scope="col" { "Encore" } th scope="col" { "Ingrédient limitant" } } }
                    tbody {
                        @for item in makeable {
                            tr data-pizza=(item.pizza) class=[(item.count <= few_left).then_some("few")] {
                                td { (item.pizza) @if item.withdrawn { " " span.badge.badge-out { "retirée aujourd'hui" } } }
                                td.qty data-count=(item.count) { (item.count) }
                                td { (item.limiting.as_deref().unwrap_or("—")) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn journal(view: &StockPage<'_>) -> Markup {
    let j = &view.journal;
    let q = j.query;
    let pages = ((j.total + JOURNAL_PAGE - 1) / JOURNAL_PAGE).max(1);
    let page_link = |page: i64| {
        let mut parts = vec![format!("page={page}")];
        if view.admin {
            parts.push(format!("pizzeria={}", view.here.slug));
        }
        for (name, value) in [("ingredient", &q.ingredient), ("kind", &q.kind), ("from", &q.from), ("to", &q.to)] {
            if let Some(value) = value.as_deref().filter(|v| !v.is_empty()) {
                parts.push(format!("{name}={}", value.replace(['&', '=', '#', ' '], "")));
            }
        }
        if let Some(who) = q.who {
            parts.push(format!("who={who}"));
        }
        format!("/manage/stock?{}#journal", parts.join("&"))
    };
    html! {
        section #journal {
            h2 { "Journal des mouvements" }
            form.filters method="get" action="/manage/stock" {
                @if view.admin { input type="hidden" name="pizzeria" value=(view.here.slug); }
                label { "Ingrédient"
                    select name="ingredient" {
                        option value="" { "tous" }
                        @for row in view.levels { option value=(row.code) selected[q.ingredient.as_deref() == Some(row.code.as_str())] { (row.name) } }
                    }
                }
                label { "Type"
                    select name="kind" {
                        option value="" { "tous" }
                        @for kind in MovementKind::ALL { option value=(kind.as_str()) selected[q.kind.as_deref() == Some(kind.as_str())] { (kind.label()) } }
                    }
                }
                label { "Du" input type="date" name="from" value=[q.from.as_deref()]; }
                label { "Au" input type="date" name="to" value=[q.to.as_deref()]; }
                label { "Par"
                    select name="who" {
                        option value="" { "tout le monde" }
                        @for (id, name) in j.movers { option value=(id) selected[q.who == Some(*id)] { (name) } }
                    }
                }
                button.button type="submit" { "Filtrer" }
            }
            p.note { (j.total) " mouvement(s)" @if pages > 1 { " — page " (j.page) " sur " (pages) } }
            div.table-scroll tabindex="0" role="region" aria-label="Journal des mouvements" { table.journal {
                thead { tr { th scope="col" { "Date" } th scope="col" { "Ingrédient" } th scope="col" { "Quantité" } th scope="col" { "Type" } th scope="col" { "Par" } th scope="col" { "Note" } } }
                tbody {
                    @for m in j.movements {
                        tr data-kind=(m.kind) {
                            td { @if let Some(t) = DateTime::from_timestamp(m.created_at, 0) { (t.with_timezone(&Paris).format("%d/%m/%Y %H:%M")) } }
                            td { (m.ingredient) }
                            td.qty { @if m.delta > 0 { "+" } (amount(m.delta, &m.unit)) }
                            td { (kind_label(&m.kind)) }
                            td { (m.who.as_deref().unwrap_or("système")) }
                            td { (journal_note(m.reference.as_deref(), &m.note)) }
                        }
                    }
                }
            } }
            nav.pages aria-label="Pages du journal" {
                @if j.page > 1 { a href=(page_link(j.page - 1)) { "← Plus récents" } " " }
                @if j.page < pages { a href=(page_link(j.page + 1)) { "Plus anciens →" } }
            }
        }
    }
}

/// What the transfer form shows again after a refusal.
#[derive(Debug, Clone, Default)]
pub struct TransferForm {
    pub from: String,
    pub to: String,
    pub ingredient: String,
    pub quantity: String,
    pub problem: Option<String>,
}

pub struct GroupPage<'a> {
    pub csrf: &'a str,
    /// (id, slug, name)
    pub pizzerias: &'a [(i64, String, String)],
    /// (id, code, name, unit)
    pub ingredients: &'a [(i64, String, String, String)],
    /// (pizzeria, ingredient, quantity, low threshold)
    pub cells: &'a [(i64, i64, i64, i64)],
    pub form: &'a TransferForm,
    pub notice: Option<&'a str>,
}

/// The group's stock: ingredients × pizzerias, and the transfer form.
pub fn group(nav: &Nav, view: &GroupPage<'_>) -> Markup {
    use std::collections::HashMap;
    let cells: HashMap<(i64, i64), (i64, i64)> = view.cells.iter().map(|(p, i, q, t)| ((*p, *i), (*q, *t))).collect();
    let f = view.form;
    super::layout::page(
        "Stock du groupe",
        nav,
        html! {
            h1 { "Stock du groupe" }
            (notice(view.notice))
            section.card {
                h2 { "Transfert entre pizzerias" }
                @if let Some(problem) = &f.problem { p.form-errors role="alert" { (problem) } }
                form.filters method="post" action="/admin/stock/transfers" {
                    (csrf(view.csrf))
                    label { "De"
                        select name="from" { @for (_, slug, name) in view.pizzerias { option value=(slug) selected[&f.from == slug] { (name) } } }
                    }
                    label { "Vers"
                        select name="to" { @for (_, slug, name) in view.pizzerias { option value=(slug) selected[&f.to == slug] { (name) } } }
                    }
                    label { "Ingrédient"
                        select name="ingredient" {
                            @for (_, code, name, u) in view.ingredients { option value=(code) selected[&f.ingredient == code] { (name) " (" (unit(u)) ")" } }
                        }
                    }
                    label { "Quantité" input type="text" name="quantity" inputmode="numeric" required value=(f.quantity); }
                    button.button type="submit" { "Transférer" }
                }
            }
            div.table-scroll {
                table.stock.group {
                    thead { tr {
                        th scope="col" { "Ingrédient" }
                        @for (_, slug, name) in view.pizzerias { th scope="col" { a href=(format!("/manage/stock?pizzeria={slug}")) { (name) } } }
                    } }
                    tbody {
                        @for (id, code, name, u) in view.ingredients {
                            tr data-ingredient=(code) {
                                th scope="row" { (name) " (" (unit(u)) ")" }
                                @for (pizzeria, slug, _) in view.pizzerias {
                                    @match cells.get(&(*pizzeria, *id)) {
                                        Some((quantity, threshold)) => {
                                            @let level = crate::domain::stock::Level::of(*quantity, *threshold);
                                            td.qty data-pizzeria=(slug) data-quantity=(quantity) {
                                                (quantity) " " span class=(format!("badge level-badge-{}", level.as_str())) { (level.label()) }
                                            }
                                        }
                                        None => { td { "—" } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_journal_names_an_order_once() {
        assert_eq!(journal_note(Some("OC-AB12CD"), "OC-AB12CD"), "OC-AB12CD");
        assert_eq!(journal_note(Some("OC-AB12CD"), "OC-AB12CD (modification)"), "OC-AB12CD — (modification)");
        assert_eq!(journal_note(Some("OC-AB12CD"), "OC-AB12CD : client absent"), "OC-AB12CD — client absent");
        assert_eq!(journal_note(None, "Réf. fournisseur BL-42"), "Réf. fournisseur BL-42");
    }
}
