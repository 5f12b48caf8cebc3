//! What limits attackers (flattened into [`super::Settings`]): the login throttle, how many
//! password hashes run at once, reset links, anonymous orders and text messages, and the
//! life of API tokens.

use serde::{Deserialize, Serialize};

use crate::domain::limits::{GuestLimits, SmsLimits};
use crate::{Error, Result};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SecuritySettings {
    /// Failed logins for one account from one client address before that pair is locked.
    pub login_max_failures: i64,
    /// Failed logins for one account from anywhere before the account itself is locked
    /// (distributed guessing); kept well above `login_max_failures` so that nobody locks
    /// someone else out from one address.
    pub login_max_failures_per_account: i64,
    /// Failed logins from one client address before it is locked (several people may
    /// share an address: keep it higher).
    pub login_max_failures_per_address: i64,
    /// Failures older than this are forgotten.
    pub login_failure_window_seconds: i64,
    /// How long a lock of an account-and-address pair or of an address lasts.
    pub login_lockout_seconds: i64,
    /// How long an account-wide lock lasts (shorter: it also stops the account's owner).
    pub login_account_lockout_seconds: i64,
    /// Each failure already counted holds the next failed answer this much longer.
    pub login_slowdown_ms: u64,
    /// Password hashes computed at once (argon2 takes 19 MiB each); more wait…
    pub password_hash_concurrency: i64,
    /// …this long at most, then the request is answered 503 ("réessayez").
    pub password_hash_wait_ms: u64,
    /// Password-reset requests from one client address in an hour…
    pub password_reset_max_per_address: i64,
    /// …and for one e-mail address (whether or not it has an account).
    pub password_reset_max_per_account: i64,
    /// The limits on anonymous orders (below). Off only for load tests and benchmarks,
    /// whose traffic all comes from one address.
    pub guest_order_limits: bool,
    /// The window of the two counters below, in seconds.
    pub guest_order_window_seconds: i64,
    /// Guest orders from one client address in the window.
    pub guest_orders_per_address: i64,
    /// Guest orders for one phone number or one e-mail address in the window.
    pub guest_orders_per_contact: i64,
    /// Guest orders open and unpaid for one contact at once.
    pub guest_open_unpaid_per_contact: i64,
    /// The most pizzas in one guest order (more: by phone, or signed in).
    pub guest_max_pizzas: i64,
    /// Text messages to one number in a day…
    pub sms_per_number_per_day: i64,
    /// …and from one pizzeria in a day (the budget).
    pub sms_per_pizzeria_per_day: i64,
    /// A guest's private link stops opening its order this many days after the order was
    /// handed over or cancelled.
    pub guest_link_days_after_close: i64,
    /// After `oc-pizza guest-links rotate`, links made with the old secret still work this
    /// many days.
    pub guest_link_rotation_grace_days: i64,
    /// An API token made without a date ends after this many days…
    pub api_token_default_days: i64,
    /// …and none lives longer than this.
    pub api_token_max_days: i64,
}

impl Default for SecuritySettings {
    fn default() -> Self {
        SecuritySettings {
            login_max_failures: 5,
            login_max_failures_per_account: 20,
            login_max_failures_per_address: 30,
            login_failure_window_seconds: 900,
            login_lockout_seconds: 900,
            login_account_lockout_seconds: 300,
            login_slowdown_ms: 250,
            password_hash_concurrency: 4,
            password_hash_wait_ms: 2000,
            password_reset_max_per_address: 10,
            password_reset_max_per_account: 3,
            guest_order_limits: true,
            guest_order_window_seconds: 3600,
            guest_orders_per_address: 10,
            guest_orders_per_contact: 5,
            guest_open_unpaid_per_contact: 3,
            guest_max_pizzas: 15,
            sms_per_number_per_day: 10,
            sms_per_pizzeria_per_day: 300,
            guest_link_days_after_close: 30,
            guest_link_rotation_grace_days: 7,
            api_token_default_days: 90,
            api_token_max_days: 365,
        }
    }
}

pub const KEYS: &[&str] = &[
    "login_max_failures",
    "login_max_failures_per_account",
    "login_max_failures_per_address",
    "login_failure_window_seconds",
    "login_lockout_seconds",
    "login_account_lockout_seconds",
    "login_slowdown_ms",
    "password_hash_concurrency",
    "password_hash_wait_ms",
    "password_reset_max_per_address",
    "password_reset_max_per_account",
    "guest_order_limits",
    "guest_order_window_seconds",
    "guest_orders_per_address",
    "guest_orders_per_contact",
    "guest_open_unpaid_per_contact",
    "guest_max_pizzas",
    "sms_per_number_per_day",
    "sms_per_pizzeria_per_day",
    "guest_link_days_after_close",
    "guest_link_rotation_grace_days",
    "api_token_default_days",
    "api_token_max_days",
];

impl SecuritySettings {
    pub fn check(&self) -> Result<()> {
        for (key, value) in [
            ("login_max_failures", self.login_max_failures),
            ("login_max_failures_per_account", self.login_max_failures_per_account),
            ("login_max_failures_per_address", self.login_max_failures_per_address),
            ("login_failure_window_seconds", self.login_failure_window_seconds),
            ("login_lockout_seconds", self.login_lockout_seconds),
            ("login_account_lockout_seconds", self.login_account_lockout_seconds),
            ("password_hash_concurrency", self.password_hash_concurrency),
            ("password_reset_max_per_address", self.password_reset_max_per_address),
            ("password_reset_max_per_account", self.password_reset_max_per_account),
            ("guest_order_window_seconds", self.guest_order_window_seconds),
            ("guest_orders_per_address", self.guest_orders_per_address),
            ("guest_orders_per_contact", self.guest_orders_per_contact),
            ("guest_open_unpaid_per_contact", self.guest_open_unpaid_per_contact),
            ("guest_max_pizzas", self.guest_max_pizzas),
            ("sms_per_number_per_day", self.sms_per_number_per_day),
            ("sms_per_pizzeria_per_day", self.sms_per_pizzeria_per_day),
            ("guest_link_days_after_close", self.guest_link_days_after_close),
            ("api_token_default_days", self.api_token_default_days),
            ("api_token_max_days", self.api_token_max_days),
        ] {
            if value < 1 {
                return Err(Error::Config(format!("{key} must be 1 or more (OC_PIZZA_{})", key.to_ascii_uppercase())));
            }
        }
        if self.api_token_default_days > self.api_token_max_days {
            return Err(Error::Config(
                "api_token_default_days must not be more than api_token_max_days (OC_PIZZA_API_TOKEN_DEFAULT_DAYS)"
                    .into(),
            ));
        }
        if self.api_token_max_days > 3650 {
            return Err(Error::Config("api_token_max_days must be 3650 (ten years) or less".into()));
        }
        Ok(())
    }

    /// The limits on guest orders; `None` when switched off (`guest_order_limits = false`).
    pub fn guest_limits(&self) -> Option<GuestLimits> {
        self.guest_order_limits.then_some(GuestLimits {
            window_seconds: self.guest_order_window_seconds,
            per_address: self.guest_orders_per_address,
            per_contact: self.guest_orders_per_contact,
            open_unpaid_per_contact: self.guest_open_unpaid_per_contact,
            max_pizzas: self.guest_max_pizzas,
        })
    }

    pub fn sms_limits(&self) -> SmsLimits {
        SmsLimits {
            per_number_per_day: self.sms_per_number_per_day,
            per_pizzeria_per_day: self.sms_per_pizzeria_per_day,
        }
    }

    /// The lifetimes a token may be given, in days, for the token form: the default, the
    /// maximum and a few usual ones in between.
    pub fn token_lifetimes(&self) -> Vec<i64> {
        let mut days: Vec<i64> = [7, 30, 90, 180, 365, self.api_token_default_days, self.api_token_max_days]
            .into_iter()
            .filter(|d| *d <= self.api_token_max_days)
            .collect();
        days.sort_unstable();
        days.dedup();
        days
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_lifetimes_stop_at_the_maximum() {
        let settings = SecuritySettings::default();
        assert_eq!(settings.token_lifetimes(), vec![7, 30, 90, 180, 365]);
        let short = SecuritySettings { api_token_default_days: 10, api_token_max_days: 45, ..settings.clone() };
        assert_eq!(short.token_lifetimes(), vec![7, 10, 30, 45]);
        assert!(short.check().is_ok());
        let wrong = SecuritySettings { api_token_default_days: 400, ..settings };
        assert!(wrong.check().expect_err("default above max").to_string().contains("api_token_default_days"));
    }
}
