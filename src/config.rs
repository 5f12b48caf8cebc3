//! Settings, layered with figment (later layers win):
//! built-in defaults → `Rocket.toml` (`[default]`, `[debug]`, `[release]`, or the file in
//! `ROCKET_CONFIG`) → `/etc/oc-pizza/oc-pizza.toml` (or the file in `OC_PIZZA_CONFIG`) →
//! `ROCKET_*` → `OC_PIZZA_*` → `DATABASE_URL` → command-line flags.
//!
//! Rocket reads its own keys (address, port, secret_key, …) from the same figment, so an
//! operator has one place for everything.

use std::path::{Path, PathBuf};

use figment::providers::{Env, Format, Serialized, Toml};
use figment::{Figment, Profile};
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

pub const DEFAULT_CONFIG_FILE: &str = "/etc/oc-pizza/oc-pizza.toml";
pub const SQLITE_FILE_NAME: &str = "oc-pizza.db";
/// The name of our database in Rocket's `databases` table (`databases.main.url`, …).
pub const DATABASE_NAME: &str = "main";

/// OC Pizza's own settings (Rocket's are read by Rocket from the same figment).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Where the SQLite file and local backups live.
    pub data_dir: PathBuf,
    /// `sqlite://PATH?mode=rwc` or `postgres://…`; unset means the SQLite file in `data_dir`.
    pub database_url: Option<String>,
    /// Create the demo accounts (known password). Refused in the release profile.
    pub demo: bool,
    /// Mark cookies `Secure` (set it when Nginx terminates TLS in front of us).
    pub cookie_secure: bool,
    /// The menu says "plus que N" when a pizzeria can make N or fewer of a pizza.
    pub few_left_threshold: i64,
    /// How long `/readyz` waits for the database before answering 503.
    pub readiness_timeout_ms: u64,
    /// A session ends after this long without a request.
    pub session_idle_minutes: i64,
    /// A session ends this long after login, whatever happens.
    pub session_absolute_hours: i64,
    /// A customer who ticks "rester connecté" stays signed in this long.
    pub session_remember_days: i64,
    /// Failed logins for one account before it is locked.
    pub login_max_failures: i64,
    /// Failed logins from one client address before it is locked (several people may
    /// share an address: keep it higher).
    pub login_max_failures_per_address: i64,
    /// Failures older than this are forgotten.
    pub login_failure_window_seconds: i64,
    /// How long a lock lasts.
    pub login_lockout_seconds: i64,
    /// Each failure already counted holds the next failed answer this much longer.
    pub login_slowdown_ms: u64,
    /// Proxies whose `X-Real-IP` header is believed (Nginx on the same machine: 127.0.0.1).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// The earliest an order can be ready: now plus this many minutes.
    pub preparation_lead_minutes: i64,
    /// The kitchen screen marks an order waiting this many minutes "à surveiller"…
    pub kitchen_warn_minutes: i64,
    /// …and this many "en retard".
    pub kitchen_late_minutes: i64,
    /// The largest quantity one stock action may move, in base units (g, ml, pieces): a
    /// typing slip is refused rather than written.
    pub stock_max_quantity: i64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            data_dir: PathBuf::from("/var/lib/oc-pizza"),
            database_url: None,
            demo: false,
            cookie_secure: false,
            few_left_threshold: 5,
            readiness_timeout_ms: 2000,
            session_idle_minutes: 120,
            session_absolute_hours: 12,
            session_remember_days: 30,
            login_max_failures: 5,
            login_max_failures_per_address: 30,
            login_failure_window_seconds: 900,
            login_lockout_seconds: 900,
            login_slowdown_ms: 250,
            trusted_proxies: Vec::new(),
            preparation_lead_minutes: 30,
            kitchen_warn_minutes: 15,
            kitchen_late_minutes: 25,
            stock_max_quantity: 1_000_000,
        }
    }
}

/// Flags given on the command line; they override every other layer.
#[derive(Debug, Default, Clone)]
pub struct CliOverrides {
    pub demo: bool,
}

/// The effective configuration: the merged figment (for Rocket and for `check-config`) and
/// our typed settings extracted from it.
#[derive(Debug, Clone)]
pub struct Config {
    pub figment: Figment,
    pub settings: Settings,
    pub profile: Profile,
    pub config_file: PathBuf,
}

impl Config {
    pub fn load(overrides: &CliOverrides) -> Result<Self> {
        let profile = Profile::from_env_or("ROCKET_PROFILE", rocket::Config::DEFAULT_PROFILE);
        let (config_file, explicit) = match std::env::var_os("OC_PIZZA_CONFIG") {
            Some(path) => (PathBuf::from(path), true),
            None => (PathBuf::from(DEFAULT_CONFIG_FILE), false),
        };
        if explicit && !config_file.is_file() {
            return Err(Error::Config(format!(
                "OC_PIZZA_CONFIG names {}, which is not a readable file; fix the path or unset OC_PIZZA_CONFIG",
                config_file.display()
            )));
        }

        let mut figment = Figment::from(rocket::Config::default())
            // The client address comes from X-Real-IP only for trusted proxies (see
            // `trusted_proxies`), never from whoever sends the header.
            .merge(Serialized::default("ip_header", false))
            .merge(Serialized::defaults(Settings::default()))
            .merge(Toml::file(Env::var_or("ROCKET_CONFIG", "Rocket.toml")).nested())
            .merge(Toml::file(&config_file).profile(Profile::Global))
            .merge(Env::prefixed("ROCKET_").ignore(&["PROFILE", "CONFIG"]).global())
            .merge(Env::prefixed("OC_PIZZA_").ignore(&["CONFIG", "LOG"]).global())
            .merge(Env::raw().only(&["DATABASE_URL"]).global());
        if overrides.demo {
            figment = figment.merge(Serialized::global("demo", true));
        }
        let figment = figment.select(profile.clone());

        let settings: Settings = figment.extract_lossy().map_err(|e| Error::Config(describe_figment_error(&e)))?;
        let url = settings.effective_database_url();
        let figment = figment.merge(Serialized::global(&format!("databases.{DATABASE_NAME}.url"), url));

        Ok(Config { figment, settings, profile, config_file })
    }

    pub fn is_release(&self) -> bool {
        self.profile == rocket::Config::RELEASE_PROFILE
    }

    /// Refuses settings that must not reach production, naming the setting and the fix.
    pub fn validate(&self) -> Result<()> {
        // Extracting Rocket's own config validates address, port, limits, secret_key format, …
        let rocket_config =
            rocket::Config::try_from(&self.figment).map_err(|e| Error::Config(describe_figment_error(&e)))?;

        let url = self.settings.effective_database_url();
        crate::db::Backend::from_url(&url).map_err(|_| {
            Error::Config(format!(
                "database_url must start with sqlite:// or postgres:// (got {}); set DATABASE_URL or database_url in {}",
                redact_url(&url),
                self.config_file.display()
            ))
        })?;
        if self.settings.few_left_threshold < 0 {
            return Err(Error::Config("few_left_threshold must be 0 or more (OC_PIZZA_FEW_LEFT_THRESHOLD)".into()));
        }
        let s = &self.settings;
        for (key, value) in [
            ("session_idle_minutes", s.session_idle_minutes),
            ("session_absolute_hours", s.session_absolute_hours),
            ("session_remember_days", s.session_remember_days),
            ("login_max_failures", s.login_max_failures),
            ("login_max_failures_per_address", s.login_max_failures_per_address),
            ("login_failure_window_seconds", s.login_failure_window_seconds),
            ("login_lockout_seconds", s.login_lockout_seconds),
            ("preparation_lead_minutes", s.preparation_lead_minutes),
            ("kitchen_warn_minutes", s.kitchen_warn_minutes),
            ("kitchen_late_minutes", s.kitchen_late_minutes),
            ("stock_max_quantity", s.stock_max_quantity),
        ] {
            if value < 1 {
                return Err(Error::Config(format!("{key} must be 1 or more (OC_PIZZA_{})", key.to_ascii_uppercase())));
            }
        }
        if s.kitchen_late_minutes <= s.kitchen_warn_minutes {
            return Err(Error::Config(
                "kitchen_late_minutes must be more than kitchen_warn_minutes (OC_PIZZA_KITCHEN_LATE_MINUTES)".into(),
            ));
        }
        if self.is_release() {
            if !rocket_config.secret_key.is_provided() {
                return Err(Error::Config(format!(
                    "secret_key is not set: the release profile needs a secret key to sign session cookies. \
                     Generate one with `openssl rand -base64 32` and set it as secret_key in {} \
                     or in the ROCKET_SECRET_KEY environment variable",
                    self.config_file.display()
                )));
            }
            if self.settings.demo {
                return Err(Error::Config(
                    "demo is enabled in the release profile: demo accounts have a published password. \
                     Remove --demo and unset OC_PIZZA_DEMO (or demo in the config file)"
                        .into(),
                ));
            }
        }
        Ok(())
    }

    /// Every effective setting with where it came from, secrets redacted (`check-config`).
    pub fn describe(&self) -> Vec<(String, String, String)> {
        const KEYS: &[&str] = &[
            "address",
            "port",
            "workers",
            "log_level",
            "secret_key",
            "data_dir",
            "database_url",
            "demo",
            "cookie_secure",
            "few_left_threshold",
            "readiness_timeout_ms",
            "session_idle_minutes",
            "session_absolute_hours",
            "session_remember_days",
            "login_max_failures",
            "login_max_failures_per_address",
            "login_failure_window_seconds",
            "login_lockout_seconds",
            "login_slowdown_ms",
            "trusted_proxies",
            "ip_header",
            "preparation_lead_minutes",
            "kitchen_warn_minutes",
            "kitchen_late_minutes",
            "stock_max_quantity",
            "databases.main.max_connections",
            "databases.main.connect_timeout",
        ];
        let secret_key_set = rocket::Config::try_from(&self.figment).is_ok_and(|c| c.secret_key.is_provided());
        let mut rows = vec![(
            "profile".to_string(),
            self.profile.to_string(),
            "ROCKET_PROFILE or the build's default".to_string(),
        )];
        for key in KEYS {
            let found = self.figment.find_value(key).ok();
            let value = match (*key, &found) {
                ("secret_key", _) => if secret_key_set { "(set, redacted)" } else { "(not set)" }.to_string(),
                ("database_url", _) => redact_url(&self.settings.effective_database_url()),
                (_, Some(value)) => value_to_string(value),
                ("databases.main.max_connections", None) => "(workers × 4)".to_string(),
                ("databases.main.connect_timeout", None) => "(5 seconds)".to_string(),
                (_, None) => "(not set)".to_string(),
            };
            let source = match *key {
                "database_url" if self.settings.explicit_database_url().is_none() => {
                    "derived from data_dir".to_string()
                }
                _ => self
                    .figment
                    .find_metadata(key)
                    .map(|metadata| match &metadata.source {
                        Some(figment::Source::File(path)) => format!("{} ({})", metadata.name, path.display()),
                        Some(figment::Source::Code(_)) if !metadata.name.contains("environment") => {
                            "built-in default".to_string()
                        }
                        _ if metadata.name.ends_with("::default()") => "built-in default".to_string(),
                        _ => metadata.name.to_string(),
                    })
                    .unwrap_or_else(|| "built-in default".to_string()),
            };
            rows.push((key.to_string(), value, source));
        }
        rows
    }
}

impl Settings {
    /// The database URL the operator set, if any (blank counts as unset).
    pub fn explicit_database_url(&self) -> Option<&str> {
        self.database_url.as_deref().map(str::trim).filter(|url| !url.is_empty())
    }

    pub fn effective_database_url(&self) -> String {
        match self.explicit_database_url() {
            Some(url) => url.to_string(),
            None => sqlite_url(&self.data_dir.join(SQLITE_FILE_NAME)),
        }
    }
}

pub fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}

/// Hides the password of a `scheme://user:password@host/…` URL.
pub fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else { return url.to_string() };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    match (authority.rfind('@'), authority.find(':')) {
        (Some(at), Some(colon)) if colon < at => {
            format!("{}://{}:***{}", &url[..scheme_end], &authority[..colon], &rest[at..])
        }
        _ => url.to_string(),
    }
}

fn value_to_string(value: &figment::value::Value) -> String {
    use figment::value::Value;
    match value {
        Value::String(_, s) => s.clone(),
        Value::Bool(_, b) => b.to_string(),
        Value::Num(_, n) => n
            .to_u128()
            .map(|n| n.to_string())
            .or_else(|| n.to_i128().map(|n| n.to_string()))
            .or_else(|| n.to_f64().map(|f| f.to_string()))
            .unwrap_or_default(),
        Value::Empty(_, _) => String::new(),
        Value::Array(_, items) if items.is_empty() => "(none)".to_string(),
        Value::Array(_, items) => items.iter().map(value_to_string).collect::<Vec<_>>().join(", "),
        other => format!("{other:?}"),
    }
}

fn describe_figment_error(error: &figment::Error) -> String {
    error.clone().into_iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_the_password_only() {
        assert_eq!(redact_url("postgres://app:s3cret@db.internal:5432/oc"), "postgres://app:***@db.internal:5432/oc");
        assert_eq!(redact_url("postgres://app@db/oc"), "postgres://app@db/oc");
        assert_eq!(
            redact_url("sqlite:///var/lib/oc-pizza/oc-pizza.db?mode=rwc"),
            "sqlite:///var/lib/oc-pizza/oc-pizza.db?mode=rwc"
        );
    }

    #[test]
    fn unset_database_url_means_the_sqlite_file_in_the_data_dir() {
        let settings = Settings { data_dir: PathBuf::from("/srv/pizza"), ..Settings::default() };
        assert_eq!(settings.effective_database_url(), "sqlite:///srv/pizza/oc-pizza.db?mode=rwc");
        let settings = Settings { database_url: Some(" ".into()), ..settings };
        assert_eq!(settings.effective_database_url(), "sqlite:///srv/pizza/oc-pizza.db?mode=rwc");
    }
}
