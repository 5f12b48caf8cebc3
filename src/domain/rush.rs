//! Rush controls: when the kitchen is swamped, a manager pauses web orders (or only web
//! deliveries) for some minutes, or adds preparation minutes to every promise. Each control
//! ends by itself at its time. Phone and counter orders are never paused: the staff decide
//! what they take, but the extra minutes apply to them too.

use chrono::DateTime;

use super::orders::Mode;
use super::slots;

/// How long a pause or extra minutes may last, in minutes.
pub const DURATION_MINUTES: (i64, i64) = (5, 240);
/// Extra preparation minutes a manager may add.
pub const EXTRA_LEAD_MINUTES: (i64, i64) = (5, 60);

/// What a manager does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// No web order (site and API) for `minutes`.
    PauseWeb { minutes: i64 },
    /// No web delivery for `minutes`; takeaway still taken.
    PauseDeliveries { minutes: i64 },
    /// `extra` minutes more before any time promised, for `minutes`.
    ExtraLead { extra: i64, minutes: i64 },
    /// Every control ends now.
    Resume,
}

impl Action {
    pub fn code(self) -> &'static str {
        match self {
            Action::PauseWeb { .. } => "pause_web",
            Action::PauseDeliveries { .. } => "pause_deliveries",
            Action::ExtraLead { .. } => "extra_lead",
            Action::Resume => "resume",
        }
    }

    /// (duration, extra minutes) as the log keeps them.
    pub fn minutes(self) -> (i64, i64) {
        match self {
            Action::PauseWeb { minutes } | Action::PauseDeliveries { minutes } => (minutes, 0),
            Action::ExtraLead { extra, minutes } => (minutes, extra),
            Action::Resume => (0, 0),
        }
    }

    /// The log's row again, in words (`None`: an unknown code).
    pub fn describe(code: &str, minutes: i64, extra: i64) -> Option<String> {
        Some(match code {
            "pause_web" => format!("Commandes en ligne suspendues pour {minutes} min"),
            "pause_deliveries" => format!("Livraisons en ligne suspendues pour {minutes} min"),
            "extra_lead" => format!("{extra} min de préparation en plus pendant {minutes} min"),
            "resume" => "Reprise normale".to_string(),
            _ => return None,
        })
    }
}

/// The controls of one pizzeria, as saved: each in force until its time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Rush {
    pub web_paused_until: Option<i64>,
    pub deliveries_paused_until: Option<i64>,
    pub extra_lead_minutes: i64,
    pub extra_lead_until: Option<i64>,
}

fn in_force(until: Option<i64>, now: i64) -> Option<i64> {
    until.filter(|until| *until > now)
}

fn clock(time: i64) -> String {
    DateTime::from_timestamp(time, 0).map(slots::clock).unwrap_or_default()
}

impl Rush {
    /// The controls after `action` at `now`.
    pub fn apply(self, action: Action, now: i64) -> Rush {
        match action {
            Action::PauseWeb { minutes } => Rush { web_paused_until: Some(now + minutes * 60), ..self },
            Action::PauseDeliveries { minutes } => Rush { deliveries_paused_until: Some(now + minutes * 60), ..self },
            Action::ExtraLead { extra, minutes } => {
                Rush { extra_lead_minutes: extra, extra_lead_until: Some(now + minutes * 60), ..self }
            }
            Action::Resume => Rush::default(),
        }
    }

    /// Minutes added to the preparation lead now.
    pub fn extra_lead(&self, now: i64) -> i64 {
        in_force(self.extra_lead_until, now).map_or(0, |_| self.extra_lead_minutes)
    }

    /// Why a web order in this mode is refused now, if it is.
    pub fn web_refusal(&self, mode: Option<Mode>, now: i64) -> Option<String> {
        if let Some(until) = in_force(self.web_paused_until, now) {
            return Some(format!(
                "Commandes en ligne suspendues jusqu'à {} : la cuisine est débordée. Appelez la pizzeria ou revenez \
                 un peu plus tard.",
                clock(until)
            ));
        }
        match (mode, in_force(self.deliveries_paused_until, now)) {
            (Some(Mode::Delivery), Some(until)) => Some(format!(
                "Livraison suspendue jusqu'à {} : choisissez la vente à emporter, ou revenez un peu plus tard.",
                clock(until)
            )),
            _ => None,
        }
    }

    /// What customers are told now (menu, checkout), one sentence per control in force.
    pub fn notices(&self, now: i64) -> Vec<String> {
        let mut said = Vec::new();
        if let Some(until) = in_force(self.web_paused_until, now) {
            said.push(format!("Commandes en ligne suspendues jusqu'à {}.", clock(until)));
        } else if let Some(until) = in_force(self.deliveries_paused_until, now) {
            said.push(format!("Livraison suspendue jusqu'à {} : vente à emporter uniquement.", clock(until)));
        }
        if let Some(until) = in_force(self.extra_lead_until, now) {
            said.push(format!(
                "Forte affluence : comptez {} minutes de plus jusqu'à {}.",
                self.extra_lead_minutes,
                clock(until)
            ));
        }
        said
    }
}

fn number(value: &str, (low, high): (i64, i64), what: &str) -> Result<i64, String> {
    match value.trim().parse::<i64>() {
        Ok(n) if (low..=high).contains(&n) => Ok(n),
        _ => Err(format!("{what} : un nombre de minutes entre {low} et {high}.")),
    }
}

/// The action a manager's form asks for, or a French message.
pub fn action_from_form(action: &str, minutes: &str, extra: &str) -> Result<Action, String> {
    let duration = || number(minutes, DURATION_MINUTES, "Durée");
    match action.trim() {
        "pause_web" => Ok(Action::PauseWeb { minutes: duration()? }),
        "pause_deliveries" => Ok(Action::PauseDeliveries { minutes: duration()? }),
        "extra_lead" => {
            Ok(Action::ExtraLead { extra: number(extra, EXTRA_LEAD_MINUTES, "Délai en plus")?, minutes: duration()? })
        }
        "resume" => Ok(Action::Resume),
        _ => Err("Choisissez une action.".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use chrono_tz::Europe::Paris;

    fn at(h: u32, m: u32) -> i64 {
        Paris.with_ymd_and_hms(2026, 12, 8, h, m, 0).single().expect("a Paris time").timestamp()
    }

    #[test]
    fn a_pause_refuses_web_orders_until_it_ends_by_itself() {
        let rush = Rush::default().apply(Action::PauseDeliveries { minutes: 30 }, at(20, 0));
        let refused = rush.web_refusal(Some(Mode::Delivery), at(20, 10)).expect("paused");
        assert!(refused.starts_with("Livraison suspendue jusqu'à 20h30"), "{refused}");
        assert_eq!(rush.web_refusal(Some(Mode::Takeaway), at(20, 10)), None);
        assert_eq!(rush.web_refusal(Some(Mode::Delivery), at(20, 30)), None, "ended by itself");
        assert_eq!(rush.notices(at(20, 10)), vec!["Livraison suspendue jusqu'à 20h30 : vente à emporter uniquement."]);
        assert!(rush.notices(at(20, 31)).is_empty());

        let rush = rush.apply(Action::PauseWeb { minutes: 15 }, at(20, 10));
        assert!(rush.web_refusal(Some(Mode::Takeaway), at(20, 20)).is_some_and(|m| m.contains("jusqu'à 20h25")));
        assert_eq!(rush.apply(Action::Resume, at(20, 20)), Rush::default());
    }

    #[test]
    fn extra_minutes_apply_until_their_time() {
        let rush = Rush::default().apply(Action::ExtraLead { extra: 20, minutes: 60 }, at(19, 0));
        assert_eq!((rush.extra_lead(at(19, 59)), rush.extra_lead(at(20, 0))), (20, 0));
        assert_eq!(rush.notices(at(19, 30)), vec!["Forte affluence : comptez 20 minutes de plus jusqu'à 20h00."]);
    }

    #[test]
    fn the_form_is_checked_in_french() {
        assert_eq!(action_from_form("pause_web", "30", ""), Ok(Action::PauseWeb { minutes: 30 }));
        assert_eq!(action_from_form("extra_lead", "60", "15"), Ok(Action::ExtraLead { extra: 15, minutes: 60 }));
        assert_eq!(action_from_form("resume", "", ""), Ok(Action::Resume));
        assert_eq!(action_from_form("pause_web", "0", ""), Err("Durée : un nombre de minutes entre 5 et 240.".into()));
        assert!(action_from_form("extra_lead", "30", "500").is_err_and(|m| m.starts_with("Délai en plus")));
        assert_eq!(action_from_form("tout_arreter", "30", ""), Err("Choisissez une action.".into()));
        assert_eq!(
            Action::describe("pause_deliveries", 30, 0).as_deref(),
            Some("Livraisons en ligne suspendues pour 30 min")
        );
    }
}
