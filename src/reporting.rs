//! Errors to Sentry: panics, 5xx answers and failed background jobs, with the route, the
//! method, the request id and the visitor's role — and never a password, a cookie, a token,
//! an e-mail or a postal address: events carry only fields we put there, and [`scrub`] runs
//! on every event before it leaves (the request, the user and the breadcrumbs are dropped,
//! text is cleaned). Off when no DSN is set.

use std::sync::Arc;

use sentry::protocol::{Event, Level, Value};

use crate::config::SentrySettings;

/// Starts the client; the guard flushes what is queued when dropped (at shutdown).
pub fn init(settings: &SentrySettings) -> Option<sentry::ClientInitGuard> {
    let dsn = settings.dsn()?.parse().ok()?;
    crate::tls::install_crypto_provider();
    let mut options = sentry::ClientOptions::new().sample_rate(settings.sentry_sample_rate);
    options.dsn = Some(dsn);
    options.release = Some(concat!("oc-pizza@", env!("CARGO_PKG_VERSION")).into());
    options.environment = Some(settings.sentry_environment.trim().to_string().into());
    options.send_default_pii = false;
    options.max_breadcrumbs = 0;
    options.before_send = Some(Arc::new(|event| Some(scrub(event))));
    let guard = sentry::init(options);
    tracing::info!(environment = %settings.sentry_environment, "errors are reported to Sentry");
    Some(guard)
}

pub fn enabled() -> bool {
    sentry::Hub::current().client().is_some_and(|client| client.is_enabled())
}

/// What the HTTP layer knows of a request answered with a 5xx.
pub struct FailedRequest<'a> {
    pub method: &'a str,
    pub route: &'a str,
    pub status: u16,
    pub request_id: &'a str,
    /// `anonymous`, a role, or `unknown` when the request failed before anyone looked.
    pub role: &'a str,
    /// The error's own message, when it went through our error type.
    pub error: Option<&'a str>,
}

pub fn server_error(failed: &FailedRequest) {
    if !enabled() {
        return;
    }
    let mut event = Event {
        level: Level::Error,
        message: Some(format!("HTTP {} {} {}", failed.status, failed.method, failed.route)),
        transaction: Some(format!("{} {}", failed.method, failed.route)),
        ..Default::default()
    };
    for (tag, value) in [
        ("route", failed.route.to_string()),
        ("method", failed.method.to_string()),
        ("status", failed.status.to_string()),
        ("request_id", failed.request_id.to_string()),
        ("role", failed.role.to_string()),
    ] {
        event.tags.insert(tag.into(), value);
    }
    if let Some(error) = failed.error {
        event.extra.insert("error".into(), Value::String(error.to_string()));
    }
    sentry::capture_event(event);
}

/// A background job that failed (a backup, a message given up, a housekeeping task).
pub fn job_failed(job: &str, error: &str) {
    if !enabled() {
        return;
    }
    let mut event = Event {
        level: Level::Error,
        message: Some(format!("{job} failed: {error}")),
        transaction: Some(format!("job {job}")),
        ..Default::default()
    };
    event.tags.insert("job".into(), job.to_string());
    sentry::capture_event(event);
}

/// Words whose value is a secret when they appear as `word=value` or `word: value` (the
/// cookie names: a `Cookie:` header carries several).
const SECRET_WORDS: &[&str] =
    &["password", "passwd", "token", "secret", "cookie", "authorization", "key", "oc_session", "oc_csrf", "oc_cart"];

/// Keys of `extra` that are never sent.
fn sensitive_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    SECRET_WORDS.iter().any(|word| key.contains(word))
        || ["email", "mail", "address", "street", "phone", "postcode"].iter().any(|word| key.contains(word))
}

/// The last look at an event before it leaves.
pub fn scrub(mut event: Event<'static>) -> Event<'static> {
    event.request = None;
    event.user = None;
    event.breadcrumbs = Default::default();
    event.message = event.message.map(|m| scrub_text(&m));
    event.culprit = event.culprit.map(|c| scrub_text(&c));
    event.transaction = event.transaction.map(|t| scrub_text(&t));
    if let Some(entry) = event.logentry.as_mut() {
        entry.message = scrub_text(&entry.message);
        entry.params.clear();
    }
    for exception in event.exception.values.iter_mut() {
        exception.value = exception.value.as_deref().map(scrub_text);
    }
    for value in event.tags.values_mut() {
        *value = scrub_text(value);
    }
    event.extra.retain(|key, _| !sensitive_key(key));
    for value in event.extra.values_mut() {
        scrub_value(value);
    }
    event
}

fn scrub_value(value: &mut Value) {
    match value {
        Value::String(text) => *text = scrub_text(text),
        Value::Array(items) => items.iter_mut().for_each(scrub_value),
        Value::Object(map) => {
            map.retain(|key, _| !sensitive_key(key));
            map.values_mut().for_each(scrub_value);
        }
        _ => {}
    }
}

/// Hides what looks like an e-mail address, a URL's password, a bearer token, an API
/// token, a password-reset link's token or a `password=…` / `key=…` value. Every log line
/// goes through it too (`logging`).
pub fn scrub_text(text: &str) -> String {
    let text: String = text.split_inclusive(char::is_whitespace).map(crate::db::redact_url).collect();
    let text = hide_emails(&text);
    let text = hide_after(&text, "/password/reset/", |c| c == '/' || c == '?' || c == '#' || is_delimiter(c));
    let text = hide_after(&text, "ocp_", is_delimiter);
    hide_secret_values(&text)
}

fn is_delimiter(c: char) -> bool {
    c.is_whitespace() || "\"',;&<>`)]}".contains(c)
}

/// Replaces what follows each `marker` (up to `ends`) with `[redacted]`.
fn hide_after(text: &str, marker: &str, ends: impl Fn(char) -> bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(marker) {
        let start = at + marker.len();
        let end = rest[start..].find(&ends).map_or(rest.len(), |len| start + len);
        out.push_str(&rest[..start]);
        if end > start && &rest[start..end] != "[redacted]" {
            out.push_str("[redacted]");
        } else {
            out.push_str(&rest[start..end]);
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

fn hide_emails(text: &str) -> String {
    let is_local = |c: char| c.is_ascii_alphanumeric() || "._%+-".contains(c);
    let is_domain = |c: char| c.is_ascii_alphanumeric() || ".-".contains(c);
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let mut copied = 0;
    while i < chars.len() {
        if chars[i] == '@' {
            let mut start = i;
            while start > copied && is_local(chars[start - 1]) {
                start -= 1;
            }
            let mut end = i + 1;
            while end < chars.len() && is_domain(chars[end]) {
                end += 1;
            }
            let domain: String = chars[i + 1..end].iter().collect();
            if start < i && domain.trim_matches('.').contains('.') {
                out.extend(&chars[copied..start]);
                out.push_str("[email]");
                copied = end;
                i = end;
                continue;
            }
        }
        i += 1;
    }
    out.extend(&chars[copied..]);
    out
}

fn hide_secret_values(text: &str) -> String {
    // ASCII lowercasing keeps every byte where it was: indices work on both strings.
    let lower = text.to_ascii_lowercase();
    let skip = |mut at: usize, these: &str| {
        while text[at..].starts_with(|c: char| these.contains(c)) {
            at += 1;
        }
        at
    };
    let skip_scheme = |at: usize| {
        ["bearer ", "basic "]
            .iter()
            .find(|scheme| lower[at..].starts_with(*scheme))
            .map_or(at, |scheme| skip(at + scheme.len(), " "))
    };
    let mut out = String::with_capacity(text.len());
    let (mut copied, mut at) = (0, 0);
    while at < text.len() {
        let value_start = SECRET_WORDS
            .iter()
            .find_map(|word| {
                if !lower[at..].starts_with(word) {
                    return None;
                }
                let separator = skip(at + word.len(), " \"'");
                text[separator..].starts_with(['=', ':']).then(|| skip_scheme(skip(separator + 1, " \"'")))
            })
            .or_else(|| lower[at..].starts_with("bearer ").then(|| skip_scheme(at)));
        if let Some(start) = value_start {
            let end = start
                + text[start..].find(|c: char| c.is_whitespace() || "\"',;&".contains(c)).unwrap_or(text.len() - start);
            if end > start {
                out.push_str(&text[copied..start]);
                out.push_str("[redacted]");
                (copied, at) = (end, end);
                continue;
            }
        }
        at += text[at..].chars().next().map_or(1, char::len_utf8);
    }
    out.push_str(&text[copied..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_loses_emails_passwords_and_tokens() {
        assert_eq!(
            scrub_text("550 5.1.1 <lea.invitee+pizza@exemple.fr>: mailbox unknown"),
            "550 5.1.1 <[email]>: mailbox unknown"
        );
        assert_eq!(
            scrub_text("cannot connect to postgres://oc_pizza:hunter2@db.internal:5432/oc"),
            "cannot connect to postgres://oc_pizza:***@db.internal:5432/oc"
        );
        assert_eq!(scrub_text("Authorization: Bearer abc.def-123 refused"), "Authorization: Bearer [redacted] refused");
        assert_eq!(scrub_text("login failed password=tr0ub4dor&user=x"), "login failed password=[redacted]&user=x");
        assert_eq!(scrub_text("set-cookie: session=deadbeef; Path=/"), "set-cookie: [redacted]; Path=/");
        assert_eq!(scrub_text("no such table: orders"), "no such table: orders");
        assert_eq!(
            scrub_text("GET /password/reset/AbC-123_x?next=1 text/html"),
            "GET /password/reset/[redacted]?next=1 text/html"
        );
        assert_eq!(
            scrub_text(r#""uri":"/orders/OC-AB12?key=s3cr3t&new=1""#),
            r#""uri":"/orders/OC-AB12?key=[redacted]&new=1""#
        );
        assert_eq!(scrub_text("token ocp_AbC-123 used"), "token ocp_[redacted] used");
        assert_eq!(scrub_text("Cookie: oc_csrf=abc; oc_session=def"), "Cookie: [redacted]; oc_session=[redacted]");
        assert_eq!(scrub_text("/password/reset/ alone"), "/password/reset/ alone");
        assert_eq!(scrub_text("twitter @ocpizza"), "twitter @ocpizza");
    }

    #[test]
    fn events_lose_the_request_the_user_and_sensitive_extras() {
        let mut event = Event {
            message: Some("order for marc@exemple.fr failed".into()),
            request: Some(sentry::protocol::Request {
                cookies: Some("oc_session=secret-session".into()),
                ..Default::default()
            }),
            user: Some(sentry::User { email: Some("marc@exemple.fr".into()), ..Default::default() }),
            ..Default::default()
        };
        event.extra.insert("customer_email".into(), Value::String("marc@exemple.fr".into()));
        event.extra.insert("delivery_street".into(), Value::String("3 rue de Paris".into()));
        event.extra.insert("error".into(), Value::String("token=abcdef for marc@exemple.fr".into()));
        event.tags.insert("role".into(), "customer".into());
        let event = scrub(event);
        let sent = serde_json::to_string(&event).expect("JSON");
        for secret in ["marc@exemple.fr", "secret-session", "3 rue de Paris", "abcdef"] {
            assert!(!sent.contains(secret), "{secret} leaked: {sent}");
        }
        assert_eq!(event.message.as_deref(), Some("order for [email] failed"));
        assert_eq!(event.tags.get("role").map(String::as_str), Some("customer"));
        assert_eq!(event.extra.get("error"), Some(&Value::String("token=[redacted] for [email]".into())));
    }
}
