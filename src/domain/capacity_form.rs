//! The manager's capacity form (`/manage/capacity`): what is typed, checked, with a French
//! message for the first thing wrong.

use std::collections::BTreeMap;

use super::capacity::{Capacity, OvenRange, DRIVERS, LEAD_MINUTES, OVEN_PER_QUARTER, PIZZAS_PER_RUN, TRAVEL_MINUTES};

/// A capacity as typed on the manager's form, checked.
#[derive(Debug, Clone, Default)]
pub struct CapacityForm<'a> {
    pub oven_per_quarter: &'a str,
    pub lead_minutes: &'a str,
    pub drivers: &'a str,
    pub pizzas_per_run: &'a str,
    pub default_travel_minutes: &'a str,
    /// One `postcode minutes` a line.
    pub travel_minutes: &'a str,
    /// One `day HH:MM-HH:MM pizzas` a line.
    pub oven_ranges: &'a str,
}

fn number(value: &str, (low, high): (i64, i64), what: &str) -> Result<i64, String> {
    match value.trim().parse::<i64>() {
        Ok(n) if (low..=high).contains(&n) => Ok(n),
        Ok(_) => Err(format!("{what} : entre {low} et {high}.")),
        Err(_) => Err(format!("{what} : un nombre entier, entre {low} et {high}.")),
    }
}

/// The capacity a form describes, or the first French message about what is wrong.
pub fn from_form(form: &CapacityForm<'_>) -> Result<Capacity, String> {
    let mut travel_minutes = BTreeMap::new();
    for line in form.travel_minutes.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (postcode, minutes) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        let postcode = crate::domain::fields::postcode(postcode).map_err(|m| format!("Trajets : {m}"))?;
        let minutes = number(minutes, TRAVEL_MINUTES, &format!("Trajet vers le {postcode} (minutes)"))?;
        travel_minutes.insert(postcode, minutes);
    }
    Ok(Capacity {
        oven_per_quarter: number(form.oven_per_quarter, OVEN_PER_QUARTER, "Pizzas cuites par quart d'heure")?,
        oven_ranges: oven_ranges(form.oven_ranges)?,
        lead_minutes: number(form.lead_minutes, LEAD_MINUTES, "Préparation avant cuisson (minutes)")?,
        drivers: number(form.drivers, DRIVERS, "Livreurs ce soir")?,
        pizzas_per_run: number(form.pizzas_per_run, PIZZAS_PER_RUN, "Pizzas par livreur et par tournée")?,
        travel_minutes,
        default_travel_minutes: number(
            form.default_travel_minutes,
            TRAVEL_MINUTES,
            "Trajet vers les autres codes postaux (minutes)",
        )?,
    })
}

const WEEKDAYS: [&str; 7] = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"];

/// "19:00", "19h00", "19h" → minutes after midnight (24:00 is the end of the day).
fn minute_of_day(value: &str) -> Option<u32> {
    let (hours, minutes) = value.split_once([':', 'h']).unwrap_or((value, ""));
    let hours: u32 = hours.trim().parse().ok()?;
    let minutes: u32 = if minutes.trim().is_empty() { 0 } else { minutes.trim().parse().ok()? };
    (minutes < 60 && hours * 60 + minutes <= 24 * 60).then_some(hours * 60 + minutes)
}

/// The oven's rates by day and time, one `vendredi 19:00-21:00 20` a line: the day, the
/// range, the pizzas per quarter-hour then. Ranges of one day may not overlap.
pub fn oven_ranges(text: &str) -> Result<Vec<OvenRange>, String> {
    let mut ranges: Vec<OvenRange> = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let example = "par exemple « vendredi 19:00-21:00 20 »";
        let words: Vec<&str> = line.split_whitespace().collect();
        let [day, range, pizzas] = words[..] else {
            return Err(format!("Four par jour : « {line} » — un jour, une plage et des pizzas, {example}."));
        };
        let weekday = WEEKDAYS
            .iter()
            .position(|d| *d == day.to_lowercase())
            .ok_or_else(|| format!("Four par jour : « {day} » n'est pas un jour (lundi … dimanche)."))?
            as u32
            + 1;
        let (from, to) = range
            .split_once('-')
            .and_then(|(from, to)| Some((minute_of_day(from)?, minute_of_day(to)?)))
            .filter(|(from, to)| from < to)
            .ok_or_else(|| format!("Four par jour : « {range} » — une plage du matin au soir, {example}."))?;
        let pizzas = number(pizzas, OVEN_PER_QUARTER, &format!("Four le {day} de {range} (pizzas par quart d'heure)"))?;
        if ranges.iter().any(|r| r.weekday == weekday && r.from_minute < to && from < r.to_minute) {
            return Err(format!("Four par jour : deux plages du {day} se chevauchent."));
        }
        ranges.push(OvenRange { weekday, from_minute: from, to_minute: to, pizzas_per_quarter: pizzas });
    }
    ranges.sort_by_key(|r| (r.weekday, r.from_minute));
    Ok(ranges)
}

/// The oven's ranges as the form shows them again.
pub fn describe_ranges(ranges: &[OvenRange]) -> String {
    let clock = |minute: u32| format!("{:02}:{:02}", minute / 60, minute % 60);
    ranges
        .iter()
        .map(|r| {
            let day = WEEKDAYS.get(r.weekday as usize - 1).copied().unwrap_or_default();
            format!("{day} {}-{} {}", clock(r.from_minute), clock(r.to_minute), r.pizzas_per_quarter)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_is_checked_in_french() {
        let form = CapacityForm {
            oven_per_quarter: "24",
            lead_minutes: "10",
            drivers: "3",
            pizzas_per_run: "6",
            default_travel_minutes: "15",
            travel_minutes: "75011 20\n\n94300  25",
            oven_ranges: "Vendredi 19:00-21:00 20\nvendredi 21h-22h30 16",
        };
        let capacity = from_form(&form).expect("valid");
        assert_eq!((capacity.oven_per_quarter, capacity.drivers, capacity.travel("94300")), (24, 3, 25 * 60));
        assert_eq!(
            capacity.oven_ranges,
            vec![
                OvenRange { weekday: 5, from_minute: 19 * 60, to_minute: 21 * 60, pizzas_per_quarter: 20 },
                OvenRange { weekday: 5, from_minute: 21 * 60, to_minute: 22 * 60 + 30, pizzas_per_quarter: 16 },
            ]
        );
        assert_eq!(describe_ranges(&capacity.oven_ranges), "vendredi 19:00-21:00 20\nvendredi 21:00-22:30 16");
        for (bad, says) in [
            (
                CapacityForm { oven_per_quarter: "0", ..form.clone() },
                "Pizzas cuites par quart d'heure : entre 1 et 200.",
            ),
            (CapacityForm { drivers: "beaucoup", ..form.clone() }, "Livreurs ce soir : un nombre entier"),
            (
                CapacityForm { lead_minutes: "-5", ..form.clone() },
                "Préparation avant cuisson (minutes) : entre 0 et 120.",
            ),
            (CapacityForm { travel_minutes: "7501 20", ..form.clone() }, "Trajets :"),
            (CapacityForm { travel_minutes: "75011", ..form.clone() }, "Trajet vers le 75011 (minutes)"),
            (CapacityForm { oven_ranges: "vendridi 19:00-21:00 20", ..form.clone() }, "Four par jour : « vendridi »"),
            (CapacityForm { oven_ranges: "lundi 21:00-19:00 20", ..form.clone() }, "Four par jour : « 21:00-19:00 »"),
            (CapacityForm { oven_ranges: "lundi 19:00-25:00 20", ..form.clone() }, "Four par jour : « 19:00-25:00 »"),
            (CapacityForm { oven_ranges: "lundi 19:00-21:00 0", ..form.clone() }, "Four le lundi de 19:00-21:00"),
            (
                CapacityForm { oven_ranges: "lundi 19:00-21:00", ..form.clone() },
                "Four par jour : « lundi 19:00-21:00 »",
            ),
            (
                CapacityForm { oven_ranges: "lundi 19:00-21:00 20\nlundi 20:00-22:00 10", ..form.clone() },
                "Four par jour : deux plages du lundi se chevauchent.",
            ),
        ] {
            let message = from_form(&bad).expect_err(says);
            assert!(message.starts_with(says), "{message}");
        }
    }
}
