//! The capacity form of a pizzeria, for its manager.

use maud::{html, Markup};

use super::forms::{csrf, notice};
use super::layout::{page as frame, Nav};
use super::screens::Here;
use crate::domain::capacity::{self, Capacity};
use crate::domain::capacity_form::{describe_ranges, CapacityForm};
use crate::domain::rush::{self, Action, Rush};
use crate::store::rush::LogEntry;

/// The rush controls as the manager sees them: in force now, and the latest uses.
pub struct RushView {
    pub now: i64,
    pub rush: Rush,
    pub log: Vec<LogEntry>,
}

/// What the form shows: the saved values, or those just typed.
#[derive(Debug, Clone, Default)]
pub struct CapacityValues {
    pub oven_per_quarter: String,
    pub lead_minutes: String,
    pub drivers: String,
    pub pizzas_per_run: String,
    pub default_travel_minutes: String,
    pub travel_minutes: String,
    pub oven_ranges: String,
}

impl CapacityValues {
    pub fn of(capacity: &Capacity) -> Self {
        CapacityValues {
            oven_per_quarter: capacity.oven_per_quarter.to_string(),
            lead_minutes: capacity.lead_minutes.to_string(),
            drivers: capacity.drivers.to_string(),
            pizzas_per_run: capacity.pizzas_per_run.to_string(),
            default_travel_minutes: capacity.default_travel_minutes.to_string(),
            travel_minutes: capacity
                .travel_minutes
                .iter()
                .map(|(postcode, minutes)| format!("{postcode} {minutes}"))
                .collect::<Vec<_>>()
                .join("\n"),
            oven_ranges: describe_ranges(&capacity.oven_ranges),
        }
    }

    pub fn typed(form: &CapacityForm<'_>) -> Self {
        CapacityValues {
            oven_per_quarter: form.oven_per_quarter.into(),
            lead_minutes: form.lead_minutes.into(),
            drivers: form.drivers.into(),
            pizzas_per_run: form.pizzas_per_run.into(),
            default_travel_minutes: form.default_travel_minutes.into(),
            travel_minutes: form.travel_minutes.into(),
            oven_ranges: form.oven_ranges.into(),
        }
    }
}

pub struct CapacityPage<'a> {
    pub here: &'a Here,
    pub values: &'a CapacityValues,
    /// The postcodes the pizzeria delivers.
    pub zone: &'a [String],
    /// When and by whom it was last changed (`None`: the defaults).
    pub changed: Option<(i64, Option<String>)>,
    pub notice: Option<&'a str>,
    pub problem: Option<&'a str>,
    pub csrf: &'a str,
    pub rush: &'a RushView,
    /// What was promised beyond the capacity as it is now, in words.
    pub overbooked: Vec<String>,
}

fn number(id: &'static str, label: &str, value: &str, (low, high): (i64, i64), hint: &str) -> Markup {
    html! {
        div.field {
            label for=(id) { (label) }
            input #(id) type="number" name=(id) value=(value) min=(low) max=(high) step="1" inputmode="numeric"
                required aria-describedby={ (id) "-aide" };
            p.hint id={ (id) "-aide" } { (hint) " (de " (low) " à " (high) ")" }
        }
    }
}

fn duration_choice(id: &str) -> Markup {
    html! {
        div.field {
            label for=(id) { "Pendant" }
            select #(id) name="minutes" {
                @for minutes in [15, 30, 45, 60, 90, 120] {
                    option value=(minutes) selected[minutes == 30] { (minutes) " minutes" }
                }
            }
        }
    }
}

/// "Coup de feu": pause web orders or deliveries, add minutes, resume; what is in force and
/// who did what.
fn rush_controls(view: &CapacityPage<'_>) -> Markup {
    let rush_view = view.rush;
    let in_force = rush_view.rush.notices(rush_view.now);
    let form = |action: &'static str, legend: &'static str, extra: bool, button: &'static str| {
        html! {
            form.stacked method="post" action="/manage/capacity/rush" {
                (csrf(view.csrf))
                input type="hidden" name="pizzeria" value=(view.here.slug);
                input type="hidden" name="action" value=(action);
                fieldset {
                    legend { (legend) }
                    @if extra {
                        div.field {
                            label for="extra" { "Minutes de préparation en plus" }
                            input #extra type="number" name="extra" value="15" min=(rush::EXTRA_LEAD_MINUTES.0)
                                max=(rush::EXTRA_LEAD_MINUTES.1) step="5" inputmode="numeric" required;
                        }
                    }
                    (duration_choice(&format!("{action}-minutes")))
                    button.button type="submit" { (button) }
                }
            }
        }
    };
    html! {
        section aria-labelledby="coup-de-feu" {
            h2 #coup-de-feu { "Coup de feu" }
            p { "Quand la cuisine est débordée : ces mesures s'arrêtent d'elles-mêmes à l'heure dite. "
                "Les commandes par téléphone et au comptoir restent possibles." }
            @if in_force.is_empty() {
                p.note { "Aucune mesure en cours : les commandes en ligne sont ouvertes." }
            } @else {
                ul.notice role="status" { @for said in &in_force { li { (said) } } }
                form.inline method="post" action="/manage/capacity/rush" {
                    (csrf(view.csrf))
                    input type="hidden" name="pizzeria" value=(view.here.slug);
                    input type="hidden" name="action" value=(Action::Resume.code());
                    button.button type="submit" { "Tout reprendre maintenant" }
                }
            }
            (form("pause_deliveries", "Suspendre les livraisons en ligne", false, "Suspendre les livraisons"))
            (form("pause_web", "Suspendre toutes les commandes en ligne", false, "Suspendre les commandes en ligne"))
            (form("extra_lead", "Allonger les délais promis", true, "Ajouter ce délai"))
            @if !rush_view.log.is_empty() {
                h3 { "Dernières mesures" }
                ul {
                    @for (at, who, code, minutes, extra) in &rush_view.log {
                        li {
                            (super::paris_time(*at, "%d/%m à %Hh%M")) " — "
                            (Action::describe(code, *minutes, *extra).unwrap_or_default())
                            @if let Some(who) = who { " (" (who) ")" }
                        }
                    }
                }
            }
        }
    }
}

pub fn page(nav: &Nav, title: &str, view: &CapacityPage<'_>) -> Markup {
    let v = view.values;
    frame(
        &format!("{title} — {}", view.here.name),
        nav,
        html! {
            h1 { (title) " " span.lead { (view.here.name) } }
            p.lead { "Ce que la pizzeria peut promettre : la cuisson au four, la préparation et les livreurs. "
                "Une modification vaut pour les commandes à venir ; celles déjà prises ne changent pas." }
            (notice(view.notice))
            @if let Some(problem) = view.problem { p.form-errors role="alert" { (problem) } }
            @if !view.overbooked.is_empty() {
                section.overbooked aria-labelledby="a-surveiller" {
                    h2 #a-surveiller { "À surveiller" }
                    p { "Des commandes déjà prises dépassent la capacité enregistrée. Elles sont maintenues : "
                        "prévenez la cuisine ou les livreurs, ou rappelez les clients concernés." }
                    ul { @for line in &view.overbooked { li { (line) } } }
                }
            }
            p.note {
                @match &view.changed {
                    Some((at, who)) => {
                        "Modifiée le " (super::paris_time(*at, "%d/%m/%Y à %Hh%M"))
                        @if let Some(who) = who { " par " (who) } "."
                    }
                    None => { "Valeurs par défaut : ajustez-les à votre four et à votre équipe." }
                }
            }
            form.stacked method="post" action="/manage/capacity" {
                (csrf(view.csrf))
                input type="hidden" name="pizzeria" value=(view.here.slug);
                fieldset {
                    legend { "Cuisine" }
                    (number("oven_per_quarter", "Pizzas cuites par quart d'heure", &v.oven_per_quarter, capacity::OVEN_PER_QUARTER,
                        "Ce que le four sort en un quart d'heure, en pleine charge"))
                    (number("lead_minutes", "Préparation avant cuisson (minutes)", &v.lead_minutes, capacity::LEAD_MINUTES,
                        "Le temps d'étaler et de garnir avant d'enfourner"))
                    div.field {
                        label for="oven_ranges" { "Four par jour et par plage horaire" }
                        textarea #oven_ranges name="oven_ranges" rows="4" aria-describedby="oven_ranges-aide" { (v.oven_ranges) }
                        p.hint #oven_ranges-aide {
                            "Facultatif : un jour, une plage et les pizzas par quart d'heure par ligne, par exemple "
                            "« vendredi 19:00-21:00 20 » (deux fours allumés). Ailleurs, la valeur ci-dessus."
                        }
                    }
                }
                fieldset {
                    legend { "Livraison" }
                    (number("drivers", "Livreurs ce soir", &v.drivers, capacity::DRIVERS,
                        "0 : aucune livraison ne peut être promise"))
                    (number("pizzas_per_run", "Pizzas par livreur et par tournée", &v.pizzas_per_run, capacity::PIZZAS_PER_RUN,
                        "Ce qu'un livreur emporte en une fois"))
                    (number("default_travel_minutes", "Trajet vers les autres codes postaux (minutes)", &v.default_travel_minutes,
                        capacity::TRAVEL_MINUTES, "Aller simple, pour un code postal sans trajet indiqué ci-dessous"))
                    div.field {
                        label for="travel_minutes" { "Trajets par code postal (minutes)" }
                        textarea #travel_minutes name="travel_minutes" rows="5" aria-describedby="travel_minutes-aide" { (v.travel_minutes) }
                        p.hint #travel_minutes-aide {
                            "Un code postal et ses minutes par ligne, par exemple « 75011 20 »."
                            @if !view.zone.is_empty() { " Codes livrés : " (view.zone.join(", ")) "." }
                        }
                    }
                }
                button.button type="submit" { "Enregistrer" }
            }
            (rush_controls(view))
        },
    )
}
