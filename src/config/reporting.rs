//! The Sentry settings (flattened into [`super::Settings`]: keys `sentry_*`, env
//! `OC_PIZZA_SENTRY_*`).

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SentrySettings {
    /// The project's DSN (`https://KEY@o0.ingest.sentry.io/PROJECT`); unset: nothing is sent.
    pub sentry_dsn: Option<String>,
    /// Which installation the events come from (`production`, `staging`, …).
    pub sentry_environment: String,
    /// The share of error events sent, from 0.0 to 1.0.
    pub sentry_sample_rate: f32,
}

impl Default for SentrySettings {
    fn default() -> Self {
        SentrySettings { sentry_dsn: None, sentry_environment: "production".into(), sentry_sample_rate: 1.0 }
    }
}

pub const KEYS: &[&str] = &["sentry_dsn", "sentry_environment", "sentry_sample_rate"];
pub const SECRET_KEYS: &[&str] = &["sentry_dsn"];

impl SentrySettings {
    /// The DSN, if error reporting is on.
    pub fn dsn(&self) -> Option<&str> {
        self.sentry_dsn.as_deref().map(str::trim).filter(|dsn| !dsn.is_empty())
    }

    pub fn check(&self) -> Result<()> {
        if let Some(dsn) = self.dsn() {
            dsn.parse::<sentry::types::Dsn>().map_err(|e| {
                Error::Config(format!(
                    "sentry_dsn is not a Sentry DSN ({e}); copy it from the project's settings (OC_PIZZA_SENTRY_DSN)"
                ))
            })?;
        }
        if !(0.0..=1.0).contains(&self.sentry_sample_rate) {
            return Err(Error::Config(format!(
                "sentry_sample_rate must be between 0.0 and 1.0 (got {}) (OC_PIZZA_SENTRY_SAMPLE_RATE)",
                self.sentry_sample_rate
            )));
        }
        if self.sentry_environment.trim().is_empty() {
            return Err(Error::Config("sentry_environment must not be empty (OC_PIZZA_SENTRY_ENVIRONMENT)".into()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dsn_and_a_rate_are_checked() {
        assert!(SentrySettings::default().check().is_ok(), "off by default");
        let on =
            SentrySettings { sentry_dsn: Some("https://abc123@o1.ingest.sentry.io/42".into()), ..Default::default() };
        assert!(on.check().is_ok());
        let typo = SentrySettings { sentry_dsn: Some("abc123@sentry".into()), ..Default::default() };
        assert!(typo.check().expect_err("not a DSN").to_string().contains("sentry_dsn"));
        let rate = SentrySettings { sentry_sample_rate: 1.5, ..on };
        assert!(rate.check().is_err());
    }
}
