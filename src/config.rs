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

pub mod backup;
mod describe;
pub mod payments;
pub mod reporting;
pub mod security;
pub use backup::BackupSettings;
pub use payments::PaymentSettings;
pub use reporting::SentrySettings;
pub use security::SecuritySettings;

pub const DEFAULT_CONFIG_FILE: &str = "/etc/oc-pizza/oc-pizza.toml";
pub const SQLITE_FILE_NAME: &str = "oc-pizza.db";
use crate::db::{redact_url, DATABASE_NAME};

/// OC Pizza's own settings (Rocket's are read by Rocket from the same figment).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Where the SQLite file and local backups live.
    pub data_dir: PathBuf,
    /// `sqlite://PATH?mode=rwc` or `postgres://…`; unset means the SQLite file in `data_dir`.
    pub database_url: Option<String>,
    /// Create the demo accounts (known password). Refused in the release profile.
    pub demo: bool,
    /// Mark cookies `Secure` (Nginx terminates TLS in front of us). True by default in the
    /// release profile: a plain-HTTP installation must say `cookie_secure = false`.
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
    /// A second port (same address) that serves only the live event streams (`…/events`),
    /// with far less memory per open screen than the main port; Nginx sends `/events` URLs
    /// there. Unset: the main port serves them (enough for a few dozen screens).
    pub events_port: Option<u16>,
    /// Proxies whose `X-Real-IP` header is believed (Nginx on the same machine: 127.0.0.1).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// The earliest an order can be ready: now plus this many minutes.
    pub preparation_lead_minutes: i64,
    /// Times are promised only when the pizzeria's oven and drivers can keep them, and each
    /// order books its load. Off only for load tests measuring raw checkout speed.
    pub capacity_limits: bool,
    /// A customer is told once (e-mail, text) when their order's estimate slips this many
    /// minutes past its promise.
    pub delay_notice_minutes: i64,
    /// The kitchen screen marks an order waiting this many minutes "à surveiller"…
    pub kitchen_warn_minutes: i64,
    /// …and this many "en retard".
    pub kitchen_late_minutes: i64,
    /// The largest quantity one stock action may move, in base units (g, ml, pieces): a
    /// typing slip is refused rather than written.
    pub stock_max_quantity: i64,
    /// The site's address as customers reach it (links in e-mails and texts).
    pub public_url: String,
    /// The SMTP server that sends e-mail; unset: no e-mail is sent (nor written in the outbox).
    pub smtp_host: Option<String>,
    pub smtp_port: u16,
    /// `starttls` (port 587), `tls` (port 465) or `none` (a relay on this machine only).
    pub smtp_security: String,
    pub smtp_user: Option<String>,
    pub smtp_password: Option<String>,
    /// The sender of every e-mail, `Name <address>`.
    pub mail_from: String,
    /// The SMS gateway (`POST` JSON `{"to", "text", "sender"}` with a bearer token); unset:
    /// no text is sent.
    pub sms_gateway_url: Option<String>,
    pub sms_gateway_token: Option<String>,
    /// The sender name shown on the phone (11 characters at most).
    pub sms_sender: String,
    /// Attempts before a message is marked failed.
    pub notification_max_attempts: i64,
    /// The first retry waits this long; each next one twice as long (an hour at most).
    pub notification_retry_base_seconds: i64,
    /// Sent messages are purged from the outbox after this many days.
    pub notification_keep_days: i64,
    /// `/metrics` answers clients on this machine; from elsewhere only with
    /// `Authorization: Bearer <metrics_token>` (unset: never).
    pub metrics_token: Option<String>,
    /// Backups: schedule, storage, retention (`backup_*`).
    #[serde(flatten)]
    pub backup: BackupSettings,
    /// Error reporting to Sentry (`sentry_*`).
    #[serde(flatten)]
    pub sentry: SentrySettings,
    /// Online payment (`stripe_*`, `payment_*`).
    #[serde(flatten)]
    pub payments: PaymentSettings,
    /// Login throttle, password hashing, API tokens (`login_*`, `password_hash_*`,
    /// `api_token_*`).
    #[serde(flatten)]
    pub security: SecuritySettings,
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
            events_port: None,
            trusted_proxies: Vec::new(),
            preparation_lead_minutes: 30,
            capacity_limits: true,
            delay_notice_minutes: 10,
            kitchen_warn_minutes: 15,
            kitchen_late_minutes: 25,
            stock_max_quantity: 1_000_000,
            public_url: "http://127.0.0.1:8000".into(),
            smtp_host: None,
            smtp_port: 587,
            smtp_security: "starttls".into(),
            smtp_user: None,
            smtp_password: None,
            mail_from: "OC Pizza <commandes@ocpizza.fr>".into(),
            sms_gateway_url: None,
            sms_gateway_token: None,
            sms_sender: "OCPIZZA".into(),
            notification_max_attempts: 8,
            notification_retry_base_seconds: 30,
            notification_keep_days: 30,
            metrics_token: None,
            backup: BackupSettings::default(),
            sentry: SentrySettings::default(),
            payments: PaymentSettings::default(),
            security: SecuritySettings::default(),
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
            // Behind Nginx's TLS, as the package installs it: cookies only over HTTPS.
            .merge(Serialized::default("cookie_secure", true).profile(rocket::Config::RELEASE_PROFILE))
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
            ("preparation_lead_minutes", s.preparation_lead_minutes),
            ("delay_notice_minutes", s.delay_notice_minutes),
            ("kitchen_warn_minutes", s.kitchen_warn_minutes),
            ("kitchen_late_minutes", s.kitchen_late_minutes),
            ("stock_max_quantity", s.stock_max_quantity),
            ("notification_max_attempts", s.notification_max_attempts),
            ("notification_retry_base_seconds", s.notification_retry_base_seconds),
            ("notification_keep_days", s.notification_keep_days),
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
        if s.events_port.is_some_and(|events| events == rocket_config.port || events == 0) {
            return Err(Error::Config(
                "events_port must be a free port other than port (OC_PIZZA_EVENTS_PORT); unset it to serve \
                 the event streams on the main port"
                    .into(),
            ));
        }
        s.check_notifications()?;
        s.security.check()?;
        s.backup.check(&s.data_dir)?;
        s.sentry.check()?;
        s.payments.check()?;
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
}

impl Settings {
    /// The mail and SMS settings make sense together, or the service does not start.
    fn check_notifications(&self) -> Result<()> {
        let url = self.public_url.trim();
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(Error::Config(format!(
                "public_url must start with http:// or https:// (got {url:?}); it is the site's address in e-mails (OC_PIZZA_PUBLIC_URL)"
            )));
        }
        if let Some(host) = self.smtp_host() {
            match self.smtp_security.as_str() {
                "starttls" | "tls" => {}
                "none" if is_loopback(host) => {}
                "none" => {
                    return Err(Error::Config(format!(
                        "smtp_security = \"none\" sends mail in clear text: allowed only to a relay on this machine \
                         (smtp_host = {host}); use starttls or tls (OC_PIZZA_SMTP_SECURITY)"
                    )))
                }
                other => {
                    return Err(Error::Config(format!(
                        "smtp_security must be starttls, tls or none (got {other:?}) (OC_PIZZA_SMTP_SECURITY)"
                    )))
                }
            }
            if self.smtp_user.is_some() != self.smtp_password.is_some() {
                return Err(Error::Config("smtp_user and smtp_password go together: set both or neither".into()));
            }
            if self.mail_from.parse::<lettre::message::Mailbox>().is_err() {
                return Err(Error::Config(format!(
                    "mail_from must be an address such as \"OC Pizza <commandes@ocpizza.fr>\" (got {:?}) (OC_PIZZA_MAIL_FROM)",
                    self.mail_from
                )));
            }
        }
        if let Some(url) = self.sms_gateway_url() {
            if !is_https_or_loopback(url) {
                return Err(Error::Config(format!(
                    "sms_gateway_url must be an https:// address (plain http only on this machine), got {} (OC_PIZZA_SMS_GATEWAY_URL)",
                    redact_url(url)
                )));
            }
            if self.sms_gateway_token.as_deref().is_none_or(|t| t.trim().is_empty()) {
                return Err(Error::Config(
                    "sms_gateway_url is set but sms_gateway_token is not (OC_PIZZA_SMS_GATEWAY_TOKEN)".into(),
                ));
            }
            let sender = self.sms_sender.trim();
            if sender.is_empty() || sender.chars().count() > 11 || !sender.chars().all(|c| c.is_ascii_alphanumeric()) {
                return Err(Error::Config(format!(
                    "sms_sender must be 1 to 11 letters or digits (got {sender:?}) (OC_PIZZA_SMS_SENDER)"
                )));
            }
        }
        Ok(())
    }

    /// The SMTP server, if e-mail is on.
    pub fn smtp_host(&self) -> Option<&str> {
        self.smtp_host.as_deref().map(str::trim).filter(|h| !h.is_empty())
    }

    /// The SMS gateway, if texts are on.
    pub fn sms_gateway_url(&self) -> Option<&str> {
        self.sms_gateway_url.as_deref().map(str::trim).filter(|u| !u.is_empty())
    }

    /// The site's address without a trailing slash.
    pub fn public_base(&self) -> &str {
        self.public_url.trim().trim_end_matches('/')
    }

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

/// Secrets may travel to this address: https, or plain http to this machine only.
pub fn is_https_or_loopback(url: &str) -> bool {
    let url = url.trim();
    url.starts_with("https://")
        || ["http://127.0.0.1", "http://localhost", "http://[::1]"].iter().any(|p| url.starts_with(p))
}

fn is_loopback(host: &str) -> bool {
    host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Creates the data directory (and its parents) if needed, naming the setting on failure.
pub fn ensure_data_dir(path: &std::path::Path) -> Result<()> {
    std::fs::create_dir_all(path).map_err(|e| {
        Error::io(format!("cannot create the data directory {} (data_dir / OC_PIZZA_DATA_DIR)", path.display()), e)
    })
}

pub fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}

fn describe_figment_error(error: &figment::Error) -> String {
    error.clone().into_iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unset_database_url_means_the_sqlite_file_in_the_data_dir() {
        let settings = Settings { data_dir: PathBuf::from("/srv/pizza"), ..Settings::default() };
        assert_eq!(settings.effective_database_url(), "sqlite:///srv/pizza/oc-pizza.db?mode=rwc");
        let settings = Settings { database_url: Some(" ".into()), ..settings };
        assert_eq!(settings.effective_database_url(), "sqlite:///srv/pizza/oc-pizza.db?mode=rwc");
    }
}
