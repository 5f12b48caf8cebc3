//! When an order can be ready: "dès que possible" or a chosen time, within the pizzeria's
//! opening hours (Europe/Paris, across daylight saving changes), after the preparation
//! lead time. Times are stored in UTC.

use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Timelike, Utc};
use chrono_tz::Europe::Paris;

/// An opening period, minutes after local midnight; `weekday` is ISO (1 = Monday).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub weekday: u32,
    pub opens_minute: u32,
    pub closes_minute: u32,
}

/// Slots are offered on this grid.
pub const STEP_MINUTES: i64 = 15;
/// How far ahead a customer may order.
pub const DAYS_AHEAD: i64 = 2;
/// A slot offered on a page stays acceptable this long: the first slot is only just `lead`
/// away, and a customer who takes a minute to fill the form (or a form sent across a
/// quarter-hour) must not be refused the slot the page offered them.
pub const FORM_GRACE_MINUTES: i64 = 5;

fn local_minute(date: NaiveDate, minute: u32) -> Option<DateTime<Utc>> {
    let naive = date.and_time(NaiveTime::MIN) + Duration::minutes(minute as i64);
    match Paris.from_local_datetime(&naive) {
        LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
        // The hour that is repeated in October: the first one.
        LocalResult::Ambiguous(first, _) => Some(first.with_timezone(&Utc)),
        // The hour that does not exist in March.
        LocalResult::None => None,
    }
}

/// When each period (the kitchen starting `lead` before the first slot) opens and closes,
/// in UTC, for the days around `now`.
fn windows(now: DateTime<Utc>, lead: Duration, hours: &[Period]) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    let today = now.with_timezone(&Paris).date_naive();
    let mut windows = Vec::new();
    for offset in 0..=DAYS_AHEAD {
        let date = today + Duration::days(offset);
        let weekday = date.weekday().number_from_monday();
        for period in hours.iter().filter(|p| p.weekday == weekday) {
            let (Some(opens), Some(closes)) =
                (local_minute(date, period.opens_minute), local_minute(date, period.closes_minute))
            else {
                continue;
            };
            windows.push((opens + lead, closes));
        }
    }
    windows.sort();
    windows
}

/// The time an order placed now "dès que possible" would be ready, if the pizzeria can
/// take one now (open, and `lead` from now is still before closing).
pub fn as_soon_as_possible(now: DateTime<Utc>, lead: Duration, hours: &[Period]) -> Option<DateTime<Utc>> {
    let ready = now + lead;
    windows(now, lead, hours)
        .into_iter()
        .find(|(first, closes)| now >= *first - lead && ready <= *closes)
        .map(|_| ready)
}

/// The times a customer may choose, on the grid, from `now + lead` on.
pub fn choices(now: DateTime<Utc>, lead: Duration, hours: &[Period]) -> Vec<DateTime<Utc>> {
    let earliest = now + lead;
    let mut slots = Vec::new();
    for (first, closes) in windows(now, lead, hours) {
        let mut slot = first.max(round_up(earliest));
        while slot <= closes {
            if slots.last() != Some(&slot) {
                slots.push(slot);
            }
            slot += Duration::minutes(STEP_MINUTES);
        }
    }
    slots
}

fn round_up(time: DateTime<Utc>) -> DateTime<Utc> {
    let step = STEP_MINUTES * 60;
    let seconds = time.timestamp();
    let rounded = (seconds + step - 1).div_euclid(step) * step;
    DateTime::from_timestamp(rounded, 0).unwrap_or(time)
}

/// Is the pizzeria closed (a holiday) on the local date of `time`?
pub fn closed_on(time: DateTime<Utc>, closed: &[NaiveDate]) -> bool {
    closed.contains(&time.with_timezone(&Paris).date_naive())
}

/// How far ahead [`open_state`] looks for the next opening.
const OPENING_SEARCH_DAYS: i64 = 14;

/// Is the pizzeria open at a given time, and until when; if not, when does it open next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenState {
    Open {
        until: DateTime<Utc>,
    },
    /// `opens` is `None` when no opening is set for the next two weeks.
    Closed {
        opens: Option<DateTime<Utc>>,
    },
}

/// Open or closed at `now`, by the opening hours and the holidays (`closed`).
pub fn open_state(now: DateTime<Utc>, hours: &[Period], closed: &[NaiveDate]) -> OpenState {
    let today = now.with_timezone(&Paris).date_naive();
    // From yesterday: a period that runs past midnight is still open this morning.
    let mut periods: Vec<(DateTime<Utc>, DateTime<Utc>)> = (-1..=OPENING_SEARCH_DAYS)
        .map(|offset| today + Duration::days(offset))
        .filter(|date| !closed.contains(date))
        .flat_map(|date| {
            let weekday = date.weekday().number_from_monday();
            hours
                .iter()
                .filter(move |p| p.weekday == weekday)
                .filter_map(move |p| Some((local_minute(date, p.opens_minute)?, local_minute(date, p.closes_minute)?)))
        })
        .collect();
    periods.sort();
    if let Some((_, until)) = periods.iter().find(|(opens, closes)| *opens <= now && now < *closes) {
        return OpenState::Open { until: *until };
    }
    OpenState::Closed { opens: periods.iter().map(|(opens, _)| *opens).find(|opens| *opens > now) }
}

/// Local midnight (Europe/Paris) of the day of `now`, in UTC epoch seconds: where "today"
/// starts for a pizzeria's lists.
pub fn start_of_day(now: DateTime<Utc>) -> i64 {
    let today = now.with_timezone(&Paris).date_naive();
    local_minute(today, 0).map_or(now.timestamp() - 86_400, |t| t.timestamp())
}

/// The time of day in Europe/Paris, "19h30".
pub fn clock(time: DateTime<Utc>) -> String {
    let local = time.with_timezone(&Paris);
    format!("{}h{:02}", local.hour(), local.minute())
}

/// Do two times fall on the same day in Europe/Paris?
pub fn same_local_day(a: DateTime<Utc>, b: DateTime<Utc>) -> bool {
    a.with_timezone(&Paris).date_naive() == b.with_timezone(&Paris).date_naive()
}

/// [`describe`], with "aujourd'hui" and "demain" said as such.
pub fn describe_from(now: DateTime<Utc>, time: DateTime<Utc>) -> String {
    let (today, day) = (now.with_timezone(&Paris).date_naive(), time.with_timezone(&Paris).date_naive());
    let clock = clock(time);
    match (day - today).num_days() {
        0 => format!("aujourd'hui à {clock}"),
        1 => format!("demain à {clock}"),
        _ => describe(time),
    }
}

/// Checks a time the customer typed or picked (Europe/Paris) and returns it in UTC.
pub fn check_requested(
    now: DateTime<Utc>,
    lead: Duration,
    hours: &[Period],
    requested: NaiveDateTime,
) -> Result<DateTime<Utc>, String> {
    let requested = match Paris.from_local_datetime(&requested) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.with_timezone(&Utc),
        LocalResult::None => {
            return Err("Cette heure n'existe pas (changement d'heure) : choisissez-en une autre.".into())
        }
    };
    if requested < now + lead - Duration::minutes(FORM_GRACE_MINUTES) {
        let minutes = lead.num_minutes();
        return Err(format!("Choisissez une heure au moins {minutes} minutes après maintenant."));
    }
    if i64::from(requested.minute()) % STEP_MINUTES != 0 || requested.second() != 0 {
        return Err(
            "Choisissez une heure au quart d'heure (19h00, 19h15, 19h30…) : la cuisine s'organise ainsi.".into()
        );
    }
    if requested > now + Duration::days(DAYS_AHEAD + 1) {
        return Err(format!("On ne peut commander que {DAYS_AHEAD} jours à l'avance au plus."));
    }
    let open = windows(now, lead, hours).into_iter().any(|(first, closes)| requested >= first && requested <= closes);
    if !open {
        return Err("La pizzeria est fermée à cette heure-là : choisissez un créneau proposé.".into());
    }
    Ok(requested)
}

/// "mardi 24 mars à 19h30", in Europe/Paris.
pub fn describe(time: DateTime<Utc>) -> String {
    const DAYS: [&str; 7] = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"];
    const MONTHS: [&str; 12] = [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ];
    let local = time.with_timezone(&Paris);
    format!(
        "{} {} {} à {}",
        DAYS[local.weekday().num_days_from_monday() as usize],
        local.day(),
        MONTHS[local.month0() as usize],
        clock(time)
    )
}

/// The value of a slot in a form: local time, `2026-03-29T19:30`.
pub fn form_value(time: DateTime<Utc>) -> String {
    time.with_timezone(&Paris).format("%Y-%m-%dT%H:%M").to_string()
}

pub fn parse_form_value(value: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(value.trim(), "%Y-%m-%dT%H:%M").ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every day 11:30–14:30 and 18:00–23:00.
    fn hours() -> Vec<Period> {
        (1..=7)
            .flat_map(|weekday| {
                [
                    Period { weekday, opens_minute: 690, closes_minute: 870 },
                    Period { weekday, opens_minute: 1080, closes_minute: 1380 },
                ]
            })
            .collect()
    }

    fn paris(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Paris.with_ymd_and_hms(y, m, d, h, min, 0).single().expect("a local time").with_timezone(&Utc)
    }

    fn naive(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d).and_then(|d| d.and_hms_opt(h, min, 0)).expect("date")
    }

    const LEAD: i64 = 30;

    #[test]
    fn as_soon_as_possible_only_while_open() {
        let lead = Duration::minutes(LEAD);
        assert_eq!(as_soon_as_possible(paris(2026, 11, 25, 19, 0), lead, &hours()), Some(paris(2026, 11, 25, 19, 30)));
        assert_eq!(as_soon_as_possible(paris(2026, 11, 25, 22, 30), lead, &hours()), Some(paris(2026, 11, 25, 23, 0)));
        assert_eq!(as_soon_as_possible(paris(2026, 11, 25, 22, 31), lead, &hours()), None, "too late for tonight");
        assert_eq!(as_soon_as_possible(paris(2026, 11, 25, 16, 0), lead, &hours()), None, "closed in the afternoon");
        assert_eq!(as_soon_as_possible(paris(2026, 11, 25, 17, 59), lead, &hours()), None, "not open yet");
        assert_eq!(as_soon_as_possible(paris(2026, 11, 25, 18, 0), lead, &hours()), Some(paris(2026, 11, 25, 18, 30)));
    }

    #[test]
    fn closing_days_are_local_dates() {
        let christmas = NaiveDate::from_ymd_opt(2026, 12, 25).expect("date");
        // 23:30 UTC on the 24th is already the 25th in Paris.
        assert!(closed_on(paris(2026, 12, 25, 0, 30), &[christmas]));
        assert!(!closed_on(paris(2026, 12, 24, 23, 30), &[christmas]));
    }

    #[test]
    fn choices_follow_the_grid_and_the_hours() {
        let slots = choices(paris(2026, 11, 25, 19, 7), Duration::minutes(LEAD), &hours());
        assert_eq!(slots[0], paris(2026, 11, 25, 19, 45), "19:07 + 30 min, rounded up to the quarter");
        assert_eq!(slots.iter().filter(|s| **s <= paris(2026, 11, 25, 23, 0)).count(), 14, "19:45 … 23:00");
        // Tomorrow lunch starts when the kitchen has had its lead time: 12:00.
        let tomorrow = slots.iter().find(|s| **s > paris(2026, 11, 26, 0, 0)).expect("tomorrow");
        assert_eq!(*tomorrow, paris(2026, 11, 26, 12, 0));
        assert!(!slots.contains(&paris(2026, 11, 26, 16, 0)));
    }

    #[test]
    fn a_requested_time_is_checked() {
        let now = paris(2026, 11, 25, 19, 0);
        let lead = Duration::minutes(LEAD);
        assert_eq!(check_requested(now, lead, &hours(), naive(2026, 11, 25, 20, 0)), Ok(paris(2026, 11, 25, 20, 0)));
        assert!(check_requested(now, lead, &hours(), naive(2026, 11, 25, 19, 10)).unwrap_err().contains("30 minutes"));
        assert!(check_requested(now, lead, &hours(), naive(2026, 11, 25, 18, 0)).is_err(), "in the past");
        assert!(
            check_requested(now, lead, &hours(), naive(2026, 11, 25, 20, 7)).unwrap_err().contains("au quart d'heure"),
            "off the grid"
        );
        assert!(check_requested(now, lead, &hours(), naive(2026, 11, 26, 16, 0)).unwrap_err().contains("fermée"));
        assert!(check_requested(now, lead, &hours(), naive(2026, 12, 20, 20, 0)).unwrap_err().contains("à l'avance"));
    }

    #[test]
    fn the_first_slot_offered_survives_the_time_spent_on_the_form() {
        let lead = Duration::minutes(LEAD);
        // Offered at 19:29:59: the first slot is 20:00, exactly `lead` away.
        let offered = paris(2026, 11, 25, 19, 29) + Duration::seconds(59);
        let first = choices(offered, lead, &hours())[0];
        assert_eq!(first, paris(2026, 11, 25, 20, 0));
        let requested = parse_form_value(&form_value(first)).expect("a form value");
        for late in [Duration::seconds(2), Duration::minutes(FORM_GRACE_MINUTES) - Duration::seconds(1)] {
            assert_eq!(check_requested(offered + late, lead, &hours(), requested), Ok(first), "sent {late} later");
        }
        let too_late = offered + Duration::minutes(FORM_GRACE_MINUTES) + Duration::seconds(2);
        assert!(check_requested(too_late, lead, &hours(), requested).unwrap_err().contains("30 minutes"));
    }

    #[test]
    fn daylight_saving_days_keep_local_hours() {
        // 2026-03-29: clocks go from 02:00 to 03:00. Evening slots are still 18:30 … 23:00 local.
        let slots = choices(paris(2026, 3, 29, 17, 0), Duration::minutes(LEAD), &hours());
        assert_eq!(slots[0], paris(2026, 3, 29, 18, 30));
        assert_eq!(describe(slots[0]), "dimanche 29 mars à 18h30");
        // 2026-10-25: clocks go back at 03:00; 19:30 local is 18:30 UTC.
        let evening = paris(2026, 10, 25, 19, 30);
        assert_eq!(evening, DateTime::parse_from_rfc3339("2026-10-25T18:30:00Z").expect("utc"));
        assert_eq!(
            check_requested(paris(2026, 10, 25, 18, 0), Duration::minutes(LEAD), &hours(), naive(2026, 10, 25, 19, 30)),
            Ok(evening)
        );
        // A local time that does not exist is refused plainly.
        let hours_at_night = vec![Period { weekday: 7, opens_minute: 0, closes_minute: 1440 }];
        assert!(check_requested(
            paris(2026, 3, 28, 20, 0),
            Duration::minutes(LEAD),
            &hours_at_night,
            naive(2026, 3, 29, 2, 30)
        )
        .unwrap_err()
        .contains("n'existe pas"));
    }

    #[test]
    fn form_values_round_trip_in_local_time() {
        let t = paris(2026, 7, 14, 20, 15);
        assert_eq!(form_value(t), "2026-07-14T20:15");
        assert_eq!(parse_form_value("2026-07-14T20:15"), Some(naive(2026, 7, 14, 20, 15)));
        assert_eq!(parse_form_value("demain soir"), None);
        assert_eq!(describe(t), "mardi 14 juillet à 20h15");
        assert_eq!(describe(paris(2026, 7, 14, 9, 5)), "mardi 14 juillet à 9h05");
    }

    #[test]
    fn open_state_says_until_when_or_when_next() {
        let hours = hours();
        // Tuesday 8 December 2026.
        assert_eq!(
            open_state(paris(2026, 12, 8, 12, 0), &hours, &[]),
            OpenState::Open { until: paris(2026, 12, 8, 14, 30) }
        );
        assert_eq!(
            open_state(paris(2026, 12, 8, 15, 0), &hours, &[]),
            OpenState::Closed { opens: Some(paris(2026, 12, 8, 18, 0)) }
        );
        assert_eq!(
            open_state(paris(2026, 12, 8, 23, 30), &hours, &[]),
            OpenState::Closed { opens: Some(paris(2026, 12, 9, 11, 30)) }
        );
        // A holiday on Wednesday: the next opening is Thursday's.
        let holiday = [NaiveDate::from_ymd_opt(2026, 12, 9).expect("date")];
        assert_eq!(
            open_state(paris(2026, 12, 8, 23, 30), &hours, &holiday),
            OpenState::Closed { opens: Some(paris(2026, 12, 10, 11, 30)) }
        );
        assert_eq!(open_state(paris(2026, 12, 8, 12, 0), &[], &[]), OpenState::Closed { opens: None });
        // A Saturday period closing at 2:00 on Sunday is still open at 1:00.
        let late = [Period { weekday: 6, opens_minute: 18 * 60, closes_minute: 26 * 60 }];
        assert_eq!(
            open_state(paris(2026, 12, 13, 1, 0), &late, &[]),
            OpenState::Open { until: paris(2026, 12, 13, 2, 0) }
        );
    }

    #[test]
    fn today_starts_at_paris_midnight() {
        assert_eq!(start_of_day(paris(2026, 12, 8, 15, 0)), paris(2026, 12, 8, 0, 0).timestamp());
        // 23:30 UTC on 8 December is already the 9th in Paris.
        let late = Utc.with_ymd_and_hms(2026, 12, 8, 23, 30, 0).single().expect("utc");
        assert_eq!(start_of_day(late), paris(2026, 12, 9, 0, 0).timestamp());
    }

    #[test]
    fn today_and_tomorrow_are_said_as_such() {
        let now = paris(2026, 12, 8, 15, 0);
        assert_eq!(describe_from(now, paris(2026, 12, 8, 18, 0)), "aujourd'hui à 18h00");
        assert_eq!(describe_from(now, paris(2026, 12, 9, 11, 30)), "demain à 11h30");
        assert_eq!(describe_from(now, paris(2026, 12, 10, 11, 30)), "jeudi 10 décembre à 11h30");
    }
}
