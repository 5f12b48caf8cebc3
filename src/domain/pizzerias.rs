//! A pizzeria's form: its weekly hours (several ranges a day), its delivery postcodes and
//! its closing days, as the admin types them.

use chrono::NaiveDate;

/// (ISO weekday, opens minute, closes minute)
pub type Range = (i64, i64, i64);

const DAYS: [&str; 7] = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"];

fn minute(value: &str) -> Option<i64> {
    let (h, m) = value.split_once(':').or_else(|| value.split_once('h'))?;
    let (h, m): (i64, i64) = (h.parse().ok()?, if m.is_empty() { 0 } else { m.parse().ok()? });
    ((0..=24).contains(&h) && (0..60).contains(&m) && h * 60 + m <= 1440).then_some(h * 60 + m)
}

/// Hours typed one day a line: `lundi 11:30-14:30 18:30-23:00` (a day without a line is closed).
pub fn hours(text: &str) -> Result<Vec<Range>, String> {
    let mut ranges: Vec<Range> = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let mut parts = line.split_whitespace();
        let day = parts.next().unwrap_or_default().to_lowercase();
        let Some(weekday) = DAYS.iter().position(|d| *d == day).map(|i| i as i64 + 1) else {
            return Err(format!("Horaires : « {day} » n'est pas un jour (lundi … dimanche)."));
        };
        if ranges.iter().any(|r| r.0 == weekday) {
            return Err(format!("Horaires : le {day} figure deux fois ; mettez ses plages sur une ligne."));
        }
        let mut day_ranges: Vec<Range> = Vec::new();
        for range in parts {
            let (Some(opens), Some(closes)) =
                range.split_once('-').map_or((None, None), |(a, b)| (minute(a), minute(b)))
            else {
                return Err(format!("Horaires du {day} : « {range} » s'écrit 11:30-14:30."));
            };
            if closes <= opens {
                return Err(format!("Horaires du {day} : « {range} » ferme avant d'ouvrir."));
            }
            if day_ranges.iter().any(|r| opens < r.2 && r.1 < closes) {
                return Err(format!("Horaires du {day} : deux plages se chevauchent."));
            }
            day_ranges.push((weekday, opens, closes));
        }
        if day_ranges.is_empty() {
            return Err(format!("Horaires : le {day} n'a pas de plage (supprimez la ligne s'il est fermé)."));
        }
        ranges.extend(day_ranges);
    }
    Ok(ranges)
}

/// The hours as the form shows them.
pub fn hours_text(ranges: &[Range]) -> String {
    (1..=7)
        .filter_map(|weekday| {
            let day: Vec<String> = ranges
                .iter()
                .filter(|r| r.0 == weekday)
                .map(|r| format!("{:02}:{:02}-{:02}:{:02}", r.1 / 60, r.1 % 60, r.2 / 60, r.2 % 60))
                .collect();
            (!day.is_empty()).then(|| format!("{} {}", DAYS[weekday as usize - 1], day.join(" ")))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Delivery postcodes, separated by commas, spaces or lines.
pub fn postcodes(text: &str) -> Result<Vec<String>, String> {
    let mut codes: Vec<String> = Vec::new();
    for code in text.split([',', ' ', '\n', ';']).map(str::trim).filter(|c| !c.is_empty()) {
        super::fields::postcode(code).map_err(|m| format!("Codes postaux : « {code} » — {m}"))?;
        if !codes.iter().any(|c| c == code) {
            codes.push(code.to_string());
        }
    }
    Ok(codes)
}

/// Closing days one a line: `2026-12-25 Noël` (the reason is optional).
pub fn closing_days(text: &str) -> Result<Vec<(NaiveDate, String)>, String> {
    let mut days: Vec<(NaiveDate, String)> = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (date, reason) = line.split_once(' ').unwrap_or((line, ""));
        let Ok(date) = NaiveDate::parse_from_str(date, "%Y-%m-%d") else {
            return Err(format!("Jours de fermeture : « {date} » s'écrit AAAA-MM-JJ."));
        };
        if !days.iter().any(|(d, _)| *d == date) {
            days.push((date, reason.trim().chars().take(100).collect()));
        }
    }
    Ok(days)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weekly_hours() {
        let ranges = hours("lundi 11:30-14:30 18:30-23:00\n\nDimanche 18h-23h").expect("hours");
        assert_eq!(ranges, vec![(1, 690, 870), (1, 1110, 1380), (7, 1080, 1380)]);
        assert_eq!(hours(&hours_text(&ranges)), Ok(ranges));
        for bad in [
            "lundi 25:00-26:00",
            "lundi 14:00-11:00",
            "funday 11:00-12:00",
            "lundi",
            "lundi 11-14 13-15",
            "lundi 11:00-12:00\nlundi 18:00-19:00",
            "lundi midi",
        ] {
            assert!(hours(bad).is_err(), "{bad}");
        }
        assert_eq!(hours("mardi 18:00-24:00"), Ok(vec![(2, 1080, 1440)]));
    }

    #[test]
    fn postcodes_and_closing_days() {
        assert_eq!(postcodes("93200, 93210\n93200"), Ok(vec!["93200".into(), "93210".into()]));
        assert!(postcodes("9320").is_err());
        let days = closing_days("2026-12-25 Noël\n2027-01-01").expect("days");
        assert_eq!(days[0], (NaiveDate::from_ymd_opt(2026, 12, 25).expect("date"), "Noël".into()));
        assert!(closing_days("25/12/2026").is_err());
    }
}
