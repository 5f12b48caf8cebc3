//! One TLS stack: rustls on ring (no aws-lc, no OpenSSL), installed as the process's
//! provider before any HTTP client is built.

/// Installs ring as rustls' process-wide provider (once; later calls do nothing).
pub fn install_crypto_provider() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // Fails only if a provider is already installed, which is what we want.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// A reqwest client builder on that provider (reqwest is built without one of its own).
pub fn http_client() -> reqwest::ClientBuilder {
    install_crypto_provider();
    reqwest::Client::builder()
}
