//! A pizzeria's form: its weekly hours (several ranges a day), its delivery postcodes and
//! its closing days, as the admin types them.

use chrono::NaiveDate;

/// (ISO weekday, opens minute, closes minute)
pub type Range = (i64, i64, i64);

const DAYS: [&str; 7] = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"];

/// Ranges per day the form offers (more when saved hours have more).
pub const PICKER_RANGES: usize = 2;

/// The time pickers of one day: (opens, closes) as the browser sends them ("18:30", or
/// empty for an unused range).
pub type DayPickers = Vec<(String, String)>;

/// "18:30" as minutes after midnight; a closing at "00:00" is midnight at the day's end.
fn minute(value: &str, closing: bool) -> Option<i64> {
    let (h, m) = value.trim().split_once(':')?;
    let (h, m): (i64, i64) = (h.parse().ok()?, m.parse().ok()?);
    let minute = ((0..24).contains(&h) && (0..60).contains(&m)).then_some(h * 60 + m)?;
    Some(if closing && minute == 0 { 1440 } else { minute })
}

/// The weekly hours from the form's time pickers (index 0 = Monday); a day whose ranges
/// are all empty is closed.
pub fn hours_from_pickers(days: &[DayPickers]) -> Result<Vec<Range>, String> {
    let mut ranges: Vec<Range> = Vec::new();
    for (index, pickers) in days.iter().enumerate().take(7) {
        let (weekday, day) = (index as i64 + 1, DAYS[index]);
        let mut day_ranges: Vec<Range> = Vec::new();
        for (opens, closes) in pickers {
            let (opens, closes) = match (opens.trim(), closes.trim()) {
                ("", "") => continue,
                ("", _) | (_, "") => {
                    return Err(format!("Horaires du {day} : indiquez l'ouverture et la fermeture de chaque plage."))
                }
                (o, c) => match (minute(o, false), minute(c, true)) {
                    (Some(opens), Some(closes)) => (opens, closes),
                    _ => return Err(format!("Horaires du {day} : une heure s'écrit 11:30.")),
                },
            };
            if closes <= opens {
                return Err(format!(
                    "Horaires du {day} : la plage {} ferme avant d'ouvrir.",
                    range_text(opens, closes)
                ));
            }
            if day_ranges.iter().any(|r| opens < r.2 && r.1 < closes) {
                return Err(format!("Horaires du {day} : deux plages se chevauchent."));
            }
            day_ranges.push((weekday, opens, closes));
        }
        day_ranges.sort();
        ranges.extend(day_ranges);
    }
    Ok(ranges)
}

fn clock(minute: i64) -> String {
    format!("{:02}:{:02}", minute / 60 % 24, minute % 60)
}

fn range_text(opens: i64, closes: i64) -> String {
    format!("{}–{}", clock(opens), clock(closes))
}

/// The pickers' values for saved hours: each day its ranges, padded to [`PICKER_RANGES`].
pub fn pickers(ranges: &[Range]) -> Vec<DayPickers> {
    (1..=7)
        .map(|weekday| {
            let mut day: DayPickers =
                ranges.iter().filter(|r| r.0 == weekday).map(|r| (clock(r.1), clock(r.2))).collect();
            while day.len() < PICKER_RANGES {
                day.push((String::new(), String::new()));
            }
            day
        })
        .collect()
}

/// The name of a weekday (1 = Monday) as a heading says it.
pub fn weekday_name(weekday: usize) -> &'static str {
    ["Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi", "Samedi", "Dimanche"][(weekday.clamp(1, 7)) - 1]
}

/// A pizzeria opens to customers only once it has something to sell: opened with an empty
/// stock, every pizza would show "Épuisée". One already open stays open when it sells out.
pub fn opening_refusal(was_open: bool, opens: bool, makeable_pizzas: usize) -> Option<&'static str> {
    (opens && !was_open && makeable_pizzas == 0).then_some(
        "Elle ne peut pas encore ouvrir aux clients : aucune pizza n'est faisable avec son stock. \
         Enregistrez d'abord une réception de stock (page Stock), puis cochez « Ouverte aux clients ».",
    )
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

    fn day(ranges: &[(&str, &str)]) -> DayPickers {
        ranges.iter().map(|(o, c)| (o.to_string(), c.to_string())).collect()
    }

    #[test]
    fn weekly_hours_from_the_pickers() {
        let mut week = vec![day(&[("", ""), ("", "")]); 7];
        week[0] = day(&[("18:30", "23:00"), ("11:30", "14:30")]);
        week[6] = day(&[("18:00", "00:00"), ("", "")]);
        let ranges = hours_from_pickers(&week).expect("hours");
        assert_eq!(ranges, vec![(1, 690, 870), (1, 1110, 1380), (7, 1080, 1440)]);
        assert_eq!(hours_from_pickers(&pickers(&ranges)), Ok(ranges));
        assert_eq!(pickers(&[])[3], day(&[("", ""), ("", "")]));
        for (bad, says) in [
            (day(&[("14:00", "11:00")]), "la plage 14:00–11:00 ferme avant d'ouvrir"),
            (day(&[("11:00", "14:00"), ("13:00", "15:00")]), "deux plages se chevauchent"),
            (day(&[("11:00", "")]), "indiquez l'ouverture et la fermeture"),
            (day(&[("25:00", "26:00")]), "une heure s'écrit 11:30"),
            (day(&[("midi", "14:00")]), "une heure s'écrit 11:30"),
        ] {
            let mut week = vec![day(&[]); 7];
            week[1] = bad;
            let message = hours_from_pickers(&week).expect_err(says);
            assert!(message.starts_with("Horaires du mardi") && message.contains(says), "{message}");
        }
    }

    #[test]
    fn a_pizzeria_opens_once_it_can_sell() {
        assert!(opening_refusal(false, true, 0).is_some());
        assert_eq!(opening_refusal(false, true, 3), None);
        assert_eq!(opening_refusal(true, true, 0), None, "sold out tonight: stays open");
        assert_eq!(opening_refusal(false, false, 0), None);
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
