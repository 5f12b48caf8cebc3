//! What a modification changed, in the kitchen's words: the kitchen screen shows it under
//! "Modifiée" so that nobody compares two tickets by eye.

use std::collections::BTreeMap;

use chrono::DateTime;

use super::{Change, DeliveryAddress, LineRequest};
use crate::domain::orders::Mode;
use crate::domain::slots;

/// The order as it was before the modification.
#[derive(Debug, Clone)]
pub struct Before {
    pub lines: Vec<LineRequest>,
    pub mode: Mode,
    pub address: Option<DeliveryAddress>,
    /// UTC epoch seconds; `None`: as soon as possible.
    pub requested_for: Option<i64>,
}

/// Quantity and notes of each pizza (several lines of one pizza add up).
fn by_pizza(lines: &[LineRequest]) -> BTreeMap<i64, (i64, Vec<&str>)> {
    let mut pizzas: BTreeMap<i64, (i64, Vec<&str>)> = BTreeMap::new();
    for line in lines {
        let entry = pizzas.entry(line.pizza_id).or_default();
        entry.0 += line.quantity;
        if !line.note.is_empty() {
            entry.1.push(&line.note);
        }
    }
    pizzas
}

fn when(requested_for: Option<i64>, other: Option<i64>) -> String {
    let Some(time) = requested_for.and_then(|t| DateTime::from_timestamp(t, 0)) else {
        return "dès que possible".into();
    };
    if other.and_then(|o| DateTime::from_timestamp(o, 0)).is_some_and(|o| slots::same_local_day(o, time)) {
        slots::clock(time)
    } else {
        slots::describe(time)
    }
}

fn mode_words(mode: Mode) -> &'static str {
    match mode {
        Mode::Delivery => "en livraison",
        Mode::Takeaway => "à emporter",
    }
}

/// "+1 Reine · −1 Margherita · Margherita : note « bien cuite » · à emporter (était : en
/// livraison) · pour 20h30 (était : 20h00)"; `name_of` names a pizza by its id.
pub fn describe(before: &Before, after: &Change, name_of: impl Fn(i64) -> String) -> String {
    let (old, new) = (by_pizza(&before.lines), by_pizza(&after.lines));
    let mut parts: Vec<String> = Vec::new();
    let pizzas: std::collections::BTreeSet<i64> = old.keys().chain(new.keys()).copied().collect();
    for pizza in pizzas {
        let (was, was_notes) = old.get(&pizza).cloned().unwrap_or_default();
        let (now, notes) = new.get(&pizza).cloned().unwrap_or_default();
        let name = name_of(pizza);
        match now - was {
            0 => {}
            more if more > 0 => parts.push(format!("+{more} {name}")),
            fewer => parts.push(format!("−{} {name}", -fewer)),
        }
        if now > 0 && notes != was_notes {
            if notes.is_empty() {
                parts.push(format!("{name} : note retirée"));
            } else {
                parts.push(format!("{name} : note « {} »", notes.join(" / ")));
            }
        }
    }
    if after.mode != before.mode {
        parts.push(format!("{} (était : {})", mode_words(after.mode), mode_words(before.mode)));
    } else if after.mode == Mode::Delivery && after.address != before.address {
        if let Some(address) = &after.address {
            parts.push(format!("nouvelle adresse : {}, {} {}", address.street, address.postcode, address.city));
        }
    }
    if after.requested_for != before.requested_for {
        let now = when(after.requested_for, before.requested_for);
        let was = when(before.requested_for, after.requested_for);
        let now = if after.requested_for.is_some() { format!("pour {now}") } else { now };
        parts.push(format!("{now} (était : {was})"));
    }
    if parts.is_empty() {
        "rien de changé pour la cuisine".into()
    } else {
        parts.join(" · ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use chrono_tz::Europe::Paris;

    fn line(pizza_id: i64, quantity: i64, note: &str) -> LineRequest {
        LineRequest { pizza_id, quantity, note: note.into(), composition: None }
    }

    fn paris(h: u32, m: u32) -> Option<i64> {
        Some(Paris.with_ymd_and_hms(2026, 12, 8, h, m, 0).single().expect("time").timestamp())
    }

    fn name(id: i64) -> String {
        ["Margherita", "Reine", "Diavola"][id as usize - 1].into()
    }

    #[test]
    fn the_kitchen_reads_what_changed() {
        let address = DeliveryAddress {
            street: "3 rue de Paris".into(),
            postcode: "92100".into(),
            city: "Boulogne".into(),
            instructions: String::new(),
        };
        let before = Before {
            lines: vec![line(1, 2, ""), line(2, 1, "")],
            mode: Mode::Delivery,
            address: Some(address.clone()),
            requested_for: paris(20, 0),
        };
        let after = Change {
            lines: vec![line(1, 1, "bien cuite"), line(3, 1, "")],
            mode: Mode::Takeaway,
            address: None,
            requested_for: paris(20, 30),
            promise_times: Vec::new(),
        };
        assert_eq!(
            describe(&before, &after, name),
            "−1 Margherita · Margherita : note « bien cuite » · −1 Reine · +1 Diavola · à emporter (était : en livraison) \
             · pour 20h30 (était : 20h00)"
        );
        let same = Change {
            lines: before.lines.clone(),
            mode: Mode::Delivery,
            address: Some(address),
            requested_for: paris(20, 0),
            promise_times: Vec::new(),
        };
        assert_eq!(describe(&before, &same, name), "rien de changé pour la cuisine");
        let moved = Change {
            address: Some(DeliveryAddress {
                street: "5 rue Gallieni".into(),
                ..same.address.clone().unwrap_or_default()
            }),
            requested_for: None,
            ..same.clone()
        };
        assert_eq!(
            describe(&before, &moved, name),
            "nouvelle adresse : 5 rue Gallieni, 92100 Boulogne · dès que possible (était : mardi 8 décembre à 20h00)"
        );
    }
}
