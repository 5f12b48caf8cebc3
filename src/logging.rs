//! Where log lines go: standard error (journald under systemd), as text or as one JSON
//! object per line (`OC_PIZZA_LOG_FORMAT=json`), filtered by `OC_PIZZA_LOG`.
//!
//! Every line, ours and those of the libraries (Rocket writes the full URI of each request
//! it routes), passes through `reporting::scrub_text` on its way out: a password-reset
//! link's token, a guest order's key, an API token or a session cookie never reaches the
//! journal or a log shipper, whatever the level and the format.

use std::io::Write;

use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::EnvFilter;

/// Installs the subscriber for the whole process.
pub fn init() {
    let logs = tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_env("OC_PIZZA_LOG").unwrap_or_else(|_| EnvFilter::new("info")))
        // Plain text: colour codes between a field's name and its value would hide it from
        // the redaction.
        .with_ansi(false)
        .with_writer(RedactedStderr);
    if std::env::var("OC_PIZZA_LOG_FORMAT").is_ok_and(|format| format.trim().eq_ignore_ascii_case("json")) {
        logs.json().flatten_event(true).init();
    } else {
        logs.init();
    }
}

/// Standard error, each formatted event scrubbed before it is written.
struct RedactedStderr;

impl<'a> MakeWriter<'a> for RedactedStderr {
    type Writer = Redacted;

    fn make_writer(&'a self) -> Self::Writer {
        Redacted
    }
}

/// The formatter writes each event whole, in one call: the line is scrubbed as a unit.
struct Redacted;

impl Write for Redacted {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let line = crate::reporting::scrub_text(&String::from_utf8_lossy(buf));
        std::io::stderr().lock().write_all(line.as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}
