//! The rules of online payment that need no network: whether a webhook really comes from
//! the payment provider (Stripe's `Stripe-Signature`: an HMAC-SHA256 of `timestamp.payload`
//! with the endpoint's secret, checked in constant time, within a tolerance, any of several
//! `v1` signatures accepted while a secret is being rotated).

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Stripe's own default: an event signed more than five minutes ago is refused (a replay).
pub const SIGNATURE_TOLERANCE_SECONDS: i64 = 300;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureError {
    /// No `t=` or no `v1=` in the header.
    Malformed,
    /// Signed too long ago (or too far in the future).
    Expired,
    /// No `v1` signature matches any of the secrets.
    Mismatch,
}

impl SignatureError {
    pub fn message(self) -> &'static str {
        match self {
            SignatureError::Malformed => "Stripe-Signature header is missing or malformed",
            SignatureError::Expired => "Stripe-Signature timestamp is outside the tolerance",
            SignatureError::Mismatch => "Stripe-Signature does not match",
        }
    }
}

/// Checks a webhook's `Stripe-Signature` header against its raw body. `secrets`: the
/// endpoint's secret, and the previous one while it is being rotated. Returns the signed
/// timestamp.
pub fn verify_signature(
    header: &str,
    payload: &[u8],
    secrets: &[&str],
    now: i64,
    tolerance: i64,
) -> Result<i64, SignatureError> {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) => timestamp = value.parse::<i64>().ok(),
            Some(("v1", value)) => {
                if let Ok(bytes) = hex::decode(value) {
                    signatures.push(bytes);
                }
            }
            _ => {}
        }
    }
    let (Some(timestamp), false) = (timestamp, signatures.is_empty()) else {
        return Err(SignatureError::Malformed);
    };
    let matches = secrets.iter().filter(|secret| !secret.is_empty()).any(|secret| {
        signatures.iter().any(|signature| {
            let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else { return false };
            mac.update(timestamp.to_string().as_bytes());
            mac.update(b".");
            mac.update(payload);
            // `verify_slice` compares in constant time.
            mac.verify_slice(signature).is_ok()
        })
    });
    if !matches {
        return Err(SignatureError::Mismatch);
    }
    if (now - timestamp).abs() > tolerance {
        return Err(SignatureError::Expired);
    }
    Ok(timestamp)
}

/// How long after a failed refund it is tried again: 30 s, doubling with each failure,
/// at most an hour (a refund owed is never given up; the manager sees it meanwhile).
pub fn refund_retry_delay(failures: i64) -> i64 {
    let doublings = failures.clamp(1, 8) - 1;
    (30_i64 << doublings).min(3_600)
}

/// When an online order placed at `placed_at` is cancelled if still unpaid.
pub fn pay_before(placed_at: i64, timeout_minutes: i64) -> i64 {
    placed_at + timeout_minutes * 60
}

/// At `now`, the online orders placed at or before this instant are overdue (the inverse
/// of [`pay_before`], for the expiry job's query).
pub fn overdue_if_placed_by(now: i64, timeout_minutes: i64) -> i64 {
    now - timeout_minutes * 60
}

/// The origins the payment page's content security policy adds, from the configured
/// Stripe.js and API addresses (loopback servers in tests). Stripe's own script also opens
/// frames on `hooks.stripe.com` for 3-D Secure, so that origin goes with `js.stripe.com`.
pub fn payment_origins(js_url: &str, api_url: &str) -> (Vec<String>, Vec<String>) {
    let origin = |url: &str| -> Option<String> {
        let (scheme, rest) = url.trim().split_once("://")?;
        let host = rest.split(['/', '?', '#']).next().filter(|h| !h.is_empty())?;
        Some(format!("{scheme}://{host}"))
    };
    let mut scripts: Vec<String> = origin(js_url).into_iter().collect();
    let mut connect = scripts.clone();
    connect.extend(origin(api_url));
    if scripts.iter().any(|o| o == "https://js.stripe.com") {
        scripts.push("https://hooks.stripe.com".into());
    }
    connect.dedup();
    (scripts, connect)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refunds_are_retried_sooner_then_later_but_never_given_up() {
        let delays: Vec<i64> = (1..=10).map(refund_retry_delay).collect();
        assert_eq!(&delays[..4], &[30, 60, 120, 240]);
        assert!(delays.windows(2).all(|pair| pair[0] <= pair[1]));
        assert_eq!(refund_retry_delay(40), 3_600);
    }

    #[test]
    fn an_online_order_is_overdue_once_its_delay_has_run_out() {
        let deadline = pay_before(1_000, 15);
        assert_eq!(deadline, 1_000 + 15 * 60);
        assert_eq!(overdue_if_placed_by(deadline, 15), 1_000, "overdue exactly at its deadline");
        assert!(overdue_if_placed_by(deadline - 1, 15) < 1_000, "not a second before");
    }

    #[test]
    fn the_payment_page_opens_only_to_the_configured_origins() {
        let (frames, connect) = payment_origins("https://js.stripe.com/v3/", "https://api.stripe.com");
        assert_eq!(frames, vec!["https://js.stripe.com", "https://hooks.stripe.com"]);
        assert_eq!(connect, vec!["https://js.stripe.com", "https://api.stripe.com"]);
        let (frames, connect) = payment_origins("http://127.0.0.1:4242/js.stripe.com/v3/", "http://127.0.0.1:4242");
        assert_eq!(frames, vec!["http://127.0.0.1:4242"]);
        assert_eq!(connect, vec!["http://127.0.0.1:4242"]);
    }

    const PAYLOAD: &[u8] = br#"{"id":"evt_1","type":"payment_intent.succeeded"}"#;
    const SIGNED_AT: i64 = 1_795_670_628;
    // Computed with Python's hmac module, independently of this code.
    const WITH_CURRENT: &str = "5edace06f1d934a30bbe076f23f496767b8903b0cf5ef0706193ed440792ab59";
    const WITH_OLD: &str = "020821a4536481d6c27b4c4cf283ec1d0075096eed975f2cdbfb4241395ce723";

    fn check(header: &str, secrets: &[&str], now: i64) -> Result<i64, SignatureError> {
        verify_signature(header, PAYLOAD, secrets, now, SIGNATURE_TOLERANCE_SECONDS)
    }

    #[test]
    fn a_signature_made_with_the_secret_is_accepted() {
        let header = format!("t={SIGNED_AT},v1={WITH_CURRENT}");
        assert_eq!(check(&header, &["whsec_test_secret"], SIGNED_AT + 10), Ok(SIGNED_AT));
    }

    #[test]
    fn any_v1_signature_and_any_configured_secret_will_do_during_a_rotation() {
        let header = format!("t={SIGNED_AT},v1={},v1={WITH_OLD},v0=abcd", "00".repeat(32));
        assert_eq!(check(&header, &["whsec_test_secret", "whsec_old_secret"], SIGNED_AT), Ok(SIGNED_AT));
        assert_eq!(check(&header, &["whsec_test_secret"], SIGNED_AT), Err(SignatureError::Mismatch));
    }

    #[test]
    fn a_changed_body_a_wrong_secret_or_an_old_timestamp_is_refused() {
        let header = format!("t={SIGNED_AT},v1={WITH_CURRENT}");
        let tampered = br#"{"id":"evt_1","type":"payment_intent.succeeded","amount":1}"#;
        assert_eq!(
            verify_signature(&header, tampered, &["whsec_test_secret"], SIGNED_AT, 300),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(check(&header, &["whsec_other"], SIGNED_AT), Err(SignatureError::Mismatch));
        assert_eq!(check(&header, &["whsec_test_secret"], SIGNED_AT + 301), Err(SignatureError::Expired));
        assert_eq!(check(&header, &["whsec_test_secret"], SIGNED_AT - 301), Err(SignatureError::Expired));
        // Re-signing the same body with a new timestamp needs the secret.
        let moved = format!("t={},v1={WITH_CURRENT}", SIGNED_AT + 1000);
        assert_eq!(check(&moved, &["whsec_test_secret"], SIGNED_AT + 1000), Err(SignatureError::Mismatch));
    }

    #[test]
    fn malformed_headers_are_refused() {
        for header in ["", "t=abc,v1=00", &format!("v1={WITH_CURRENT}"), &format!("t={SIGNED_AT}"), "garbage"] {
            assert_eq!(check(header, &["whsec_test_secret"], SIGNED_AT), Err(SignatureError::Malformed), "{header}");
        }
        // An empty secret never verifies anything.
        let header = format!("t={SIGNED_AT},v1={WITH_CURRENT}");
        assert_eq!(check(&header, &[""], SIGNED_AT), Err(SignatureError::Mismatch));
    }
}
