//! `check-config`: every effective setting with where it came from, secrets redacted, and
//! what is valid but worth a warning.

use super::{backup, payments, reporting, security, Config};
use crate::db::redact_url;

impl Config {
    /// What `check-config` should point out although the configuration is valid.
    pub fn warnings(&self) -> Vec<String> {
        let mut warnings = Vec::new();
        if self.is_release() && !self.settings.cookie_secure {
            warnings.push(
                "cookie_secure = false: session cookies travel over plain HTTP too. Keep it only if this \
                 installation is reached without TLS on purpose"
                    .to_string(),
            );
        }
        warnings
    }

    /// Every effective setting with where it came from, secrets redacted (`check-config`).
    pub fn describe(&self) -> Vec<(String, String, String)> {
        const KEYS: &[&str] = &[
            "address",
            "port",
            "events_port",
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
            "trusted_proxies",
            "ip_header",
            "preparation_lead_minutes",
            "capacity_limits",
            "kitchen_warn_minutes",
            "kitchen_late_minutes",
            "stock_max_quantity",
            "public_url",
            "smtp_host",
            "smtp_port",
            "smtp_security",
            "smtp_user",
            "smtp_password",
            "mail_from",
            "sms_gateway_url",
            "sms_gateway_token",
            "sms_sender",
            "notification_max_attempts",
            "notification_retry_base_seconds",
            "notification_keep_days",
            "metrics_token",
            "databases.main.max_connections",
            "databases.main.connect_timeout",
            "databases.main.statement_timeout",
        ];
        let keys = KEYS.iter().chain(security::KEYS).chain(backup::KEYS).chain(reporting::KEYS).chain(payments::KEYS);
        let secret_key_set = rocket::Config::try_from(&self.figment).is_ok_and(|c| c.secret_key.is_provided());
        let mut rows = vec![(
            "profile".to_string(),
            self.profile.to_string(),
            "ROCKET_PROFILE or the build's default".to_string(),
        )];
        for key in keys {
            let found = self.figment.find_value(key).ok();
            let value = match (*key, &found) {
                ("secret_key", _) => if secret_key_set { "(set, redacted)" } else { "(not set)" }.to_string(),
                ("database_url", _) => redact_url(&self.settings.effective_database_url()),
                (key, found) if is_secret(key) => {
                    if found.as_ref().is_some_and(is_set) { "(set, redacted)" } else { "(not set)" }.to_string()
                }
                ("sms_gateway_url", Some(value)) => redact_url(&value_to_string(value)),
                (_, Some(value)) => value_to_string(value),
                ("databases.main.max_connections", None) => "(workers × 4)".to_string(),
                ("databases.main.connect_timeout", None) => "(5 seconds)".to_string(),
                ("databases.main.statement_timeout", None) => "(10 seconds)".to_string(),
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

/// Settings whose value is never printed.
fn is_secret(key: &str) -> bool {
    ["smtp_password", "sms_gateway_token", "metrics_token"].contains(&key)
        || [backup::SECRET_KEYS, reporting::SECRET_KEYS, payments::SECRET_KEYS]
            .iter()
            .any(|secrets| secrets.contains(&key))
}

/// A value that says something: an unset `Option` is serialised as empty, and a blank
/// string counts as unset everywhere the settings are read.
fn is_set(value: &figment::value::Value) -> bool {
    use figment::value::Value;
    match value {
        Value::Empty(_, _) => false,
        Value::String(_, s) => !s.trim().is_empty(),
        _ => true,
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
