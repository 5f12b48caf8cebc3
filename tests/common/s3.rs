//! A real S3-protocol server on loopback for the backup tests: s3s-fs (crates.io), which
//! checks SigV4 signatures, serving a bucket from a temporary folder the test can look into.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

pub const ACCESS_KEY: &str = "OCPIZZATESTKEY";
pub const SECRET_KEY: &str = "oc-pizza-test-secret-0123456789";
pub const BUCKET: &str = "oc-pizza-backups";
pub const PREFIX: &str = "nightly/";

/// s3s-fs on PATH or in cargo's bin folder, or `None` (said; a failure in CI).
fn program() -> Option<PathBuf> {
    let mut candidates = vec![PathBuf::from("s3s-fs")];
    if let Some(home) = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")))
    {
        candidates.push(home.join("bin/s3s-fs"));
    }
    let found = candidates.into_iter().find(|program| {
        Command::new(program)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    });
    if found.is_none() {
        let message = "S3 test skipped: install s3s-fs (`cargo install s3s-fs --version 0.14.1 --features binary --locked`; .ci/run does)";
        assert!(std::env::var("CI").as_deref() != Ok("true"), "{message}");
        eprintln!("{message}");
    }
    found
}

pub struct S3Server {
    pub endpoint: String,
    child: Child,
    root: tempfile::TempDir,
}

impl S3Server {
    pub fn start() -> Option<S3Server> {
        let program = program()?;
        let root = tempfile::Builder::new().prefix("oc-pizza-s3-").tempdir().expect("S3 folder");
        std::fs::create_dir_all(root.path().join(BUCKET)).expect("bucket folder");
        let port = super::notify::free_port();
        let child = Command::new(program)
            .args([
                "--host",
                "127.0.0.1",
                "--port",
                &port.to_string(),
                "--access-key",
                ACCESS_KEY,
                "--secret-key",
                SECRET_KEY,
            ])
            .arg(root.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start s3s-fs");
        let server = S3Server { endpoint: format!("http://127.0.0.1:{port}"), child, root };
        super::wait_for_port(port, "s3s-fs");
        Some(server)
    }

    /// The settings that point the binary at this server (with `secret` as the secret key).
    pub fn settings(&self, secret: &str) -> Vec<(&'static str, String)> {
        vec![
            ("OC_PIZZA_BACKUP_STORAGE", "s3".into()),
            ("OC_PIZZA_BACKUP_S3_ENDPOINT", self.endpoint.clone()),
            ("OC_PIZZA_BACKUP_S3_REGION", "fr-par".into()),
            ("OC_PIZZA_BACKUP_S3_BUCKET", BUCKET.into()),
            ("OC_PIZZA_BACKUP_S3_ACCESS_KEY", ACCESS_KEY.into()),
            ("OC_PIZZA_BACKUP_S3_SECRET_KEY", secret.into()),
            ("OC_PIZZA_BACKUP_S3_PREFIX", PREFIX.into()),
        ]
    }

    /// The folder that holds the objects under the prefix.
    pub fn prefix_dir(&self) -> PathBuf {
        self.root.path().join(BUCKET).join(PREFIX)
    }

    /// The backup keys stored in the bucket, as the server's own folder shows them.
    pub fn stored_keys(&self) -> Vec<String> {
        stored_keys(&self.prefix_dir())
    }
}

/// Backup folders (those holding a manifest) under `dir`, sorted.
pub fn stored_keys(dir: &Path) -> Vec<String> {
    let mut keys: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|entry| entry.ok())
                .filter(|entry| entry.path().join("manifest.json").is_file())
                .map(|entry| entry.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    keys.sort();
    keys
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
