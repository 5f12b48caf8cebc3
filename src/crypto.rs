//! Secrets: random tokens, their SHA-256 digests for storage, argon2id password hashes.

use std::sync::OnceLock;

use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine;
use sha2::{Digest, Sha256};

use crate::{Error, Result};

/// 32 random bytes, URL-safe base64 (43 characters).
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// What the database keeps of a session or API token: its SHA-256, in hex. A stolen
/// database copy gives no usable token.
pub fn token_digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The installation's secret for guest links, and the one it replaced while that one's
/// grace period lasts (`oc-pizza guest-links rotate`).
#[derive(Debug, Clone)]
pub struct GuestSecrets {
    pub current: String,
    /// The previous secret and until when (Unix time) its links still open.
    pub previous: Option<(String, i64)>,
}

static GUEST_SECRETS: OnceLock<GuestSecrets> = OnceLock::new();

/// Sets the installation's secrets (read from the database at start-up).
pub fn set_guest_secrets(secrets: GuestSecrets) {
    let _ = GUEST_SECRETS.set(secrets);
}

fn guest_secrets() -> Result<&'static GuestSecrets> {
    GUEST_SECRETS.get().ok_or_else(|| Error::Integrity("the installation secret is not loaded".into()))
}

/// A guest's private key for an order: an HMAC of its reference under the installation's
/// secret. Any instance, at any later time, can put the same link in a message without the
/// link being stored anywhere; the order row keeps only the key's digest.
pub fn guest_key(reference: &str) -> Result<String> {
    Ok(guest_key_under(&guest_secrets()?.current, reference))
}

/// The private key of the order `reference` under `secret`.
pub fn guest_key_under(secret: &str, reference: &str) -> String {
    keyed_digest(secret, &format!("guest-order:{reference}"))
}

/// Whether `key` is the private key of the order `reference`: under the current secret,
/// or under the previous one until its grace period ends.
pub fn guest_key_opens(reference: &str, key: &str, now: i64) -> bool {
    let Ok(secrets) = guest_secrets() else { return false };
    let under = |secret: &str| constant_time_eq(key, &guest_key_under(secret, reference));
    under(&secrets.current) || secrets.previous.as_ref().is_some_and(|(old, until)| now < *until && under(old))
}

fn keyed_digest(secret: &str, message: &str) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(message.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

/// Compares two secrets in time that does not depend on where they differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// A one-time password for an account created or reset by someone else: easy to read
/// out on the phone (no 0/O, 1/l), 12 characters.
pub fn one_time_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 12];
    OsRng.fill_bytes(&mut bytes);
    let chars: String = bytes.iter().map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char).collect();
    format!("{}-{}-{}", &chars[0..4], &chars[4..8], &chars[8..12])
}

/// argon2id with the crate's defaults (19 MiB, 2 passes, 1 lane: OWASP's recommendation).
/// CPU-heavy: call it from a blocking thread.
pub fn hash_password(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| Error::PasswordHash(e.to_string()))
}

/// Checks a password against a stored hash; `None` (no account, or no password) is checked
/// against a dummy hash so that the answer takes as long either way.
pub fn verify_password(password: &str, stored: Option<&str>) -> bool {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let dummy = DUMMY.get_or_init(|| hash_password(&random_token()).unwrap_or_default());
    let (hash, real) = match stored {
        Some(hash) => (hash, true),
        None => (dummy.as_str(), false),
    };
    let Ok(parsed) = PasswordHash::new(hash) else { return false };
    let matches = argon2::Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok();
    matches && real
}

/// How many password hashes may run at once, and how long a request waits for its turn:
/// each takes 19 MiB, so a flood of logins must be turned away, not queued without end.
struct HashLimit {
    permits: rocket::tokio::sync::Semaphore,
    wait: std::time::Duration,
}

static HASH_LIMIT: OnceLock<HashLimit> = OnceLock::new();

/// Sets the limit (at start-up, from the settings); unset, four at a time, two seconds.
pub fn set_hash_limit(concurrent: usize, wait: std::time::Duration) {
    let _ = HASH_LIMIT.set(HashLimit { permits: rocket::tokio::sync::Semaphore::new(concurrent.max(1)), wait });
}

fn hash_limit() -> &'static HashLimit {
    HASH_LIMIT.get_or_init(|| HashLimit {
        permits: rocket::tokio::sync::Semaphore::new(4),
        wait: std::time::Duration::from_secs(2),
    })
}

/// Runs a password hash on a blocking thread once a permit is free; `Error::Busy` when
/// none frees up in time.
async fn with_hash_permit<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T> {
    let limit = hash_limit();
    let permit = rocket::tokio::time::timeout(limit.wait, limit.permits.acquire())
        .await
        .map_err(|_| busy())?
        .map_err(|_| busy())?;
    let result = rocket::tokio::task::spawn_blocking(work).await.map_err(|e| Error::PasswordHash(e.to_string()));
    drop(permit);
    result
}

fn busy() -> Error {
    Error::Busy("Trop de connexions en même temps ; réessayez dans un instant.")
}

pub async fn hash_password_blocking(password: String) -> Result<String> {
    with_hash_permit(move || hash_password(&password)).await?
}

/// `Ok(false)` for a wrong password; `Err(Error::Busy)` when too many are being checked.
pub async fn verify_password_blocking(password: String, stored: Option<String>) -> Result<bool> {
    with_hash_permit(move || verify_password(&password, stored.as_deref())).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guest_keys_depend_on_the_secret_and_the_reference() {
        let a = keyed_digest("secret-one", "guest-order:OC-AAAA");
        assert_eq!(a, keyed_digest("secret-one", "guest-order:OC-AAAA"));
        assert_ne!(a, keyed_digest("secret-two", "guest-order:OC-AAAA"));
        assert_ne!(a, keyed_digest("secret-one", "guest-order:OC-AAAB"));
        assert_eq!(a.len(), 43);
    }

    #[test]
    fn tokens_are_random_and_digests_stable() {
        let (a, b) = (random_token(), random_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(token_digest("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert!(constant_time_eq(&a, &a.clone()));
        assert!(!constant_time_eq(&a, &b));
        assert!(!constant_time_eq("abc", "abcd"));
    }

    #[test]
    fn passwords_hash_with_argon2id_and_verify() {
        let hash = hash_password("quatre fromages").expect("hash");
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
        assert!(verify_password("quatre fromages", Some(&hash)));
        assert!(!verify_password("quatre fromage", Some(&hash)));
        assert!(!verify_password("quatre fromages", None));
        assert!(!verify_password("x", Some("not a hash")));
    }

    #[test]
    fn one_time_passwords_are_readable() {
        let otp = one_time_password();
        assert_eq!(otp.len(), 14);
        assert!(!otp.contains(['0', 'O', '1', 'l', 'I']));
    }
}
