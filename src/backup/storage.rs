//! Where backups are kept, through opendal: S3-compatible object storage (Scaleway's, or
//! any other) or a local folder. Each backup is a folder named by its key holding its
//! files and `manifest.json`.

use std::path::Path;
use std::time::Duration;

use opendal::{ErrorKind, HttpTransporter, Operator};
use rocket::tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::config::backup::StorageTarget;
use crate::domain::backups::{parse_key, Manifest};
use crate::{Error, Result};

pub const MANIFEST: &str = "manifest.json";

#[derive(Clone)]
pub struct Storage {
    operator: Operator,
    part_size: usize,
    /// Where, for messages (never with a secret).
    location: String,
}

impl Storage {
    pub fn open(target: &StorageTarget, part_size_mib: u64) -> Result<Storage> {
        let failed = |e: opendal::Error| Error::Backup(format!("backup storage: {e}"));
        let (operator, location) = match target {
            StorageTarget::Local(dir) => {
                std::fs::create_dir_all(dir).map_err(|e| {
                    Error::io(format!("cannot create the backup folder {} (backup_dir)", dir.display()), e)
                })?;
                let builder = opendal::services::Fs::default().root(&dir.to_string_lossy());
                (Operator::new(builder).map_err(failed)?, format!("folder {}", dir.display()))
            }
            StorageTarget::S3 { endpoint, region, bucket, access_key, secret_key, prefix } => {
                let builder = opendal::services::S3::default()
                    .endpoint(endpoint)
                    .region(region)
                    .bucket(bucket)
                    .access_key_id(access_key)
                    .secret_access_key(secret_key)
                    .root(&format!("/{prefix}"))
                    .disable_config_load()
                    .disable_ec2_metadata();
                let operator = Operator::new(builder).map_err(failed)?;
                let client = crate::tls::http_client()
                    .connect_timeout(Duration::from_secs(10))
                    .read_timeout(Duration::from_secs(60))
                    .build()
                    .map_err(|e| Error::Backup(format!("HTTP client: {e}")))?;
                let transport = HttpTransporter::new(opendal_http_transport_reqwest::ReqwestTransport::new(client));
                let context = operator.base_context().with_http_transport(transport);
                (operator.with_context(context), format!("bucket {bucket} at {endpoint}, prefix {prefix:?}"))
            }
        };
        Ok(Storage { operator, part_size: (part_size_mib as usize) << 20, location })
    }

    pub fn location(&self) -> &str {
        &self.location
    }

    fn failed(&self, action: &str, error: opendal::Error) -> Error {
        let reason = match error.kind() {
            ErrorKind::PermissionDenied => {
                "access refused: check backup_s3_access_key and backup_s3_secret_key".to_string()
            }
            ErrorKind::NotFound => "not found".to_string(),
            _ => error.to_string(),
        };
        Error::Backup(format!("{action} ({}): {reason}", self.location))
    }

    /// Uploads a local file, in parts of `backup_part_size_mib` above that size.
    pub async fn upload(&self, local: &Path, key: &str, name: &str) -> Result<()> {
        let remote = format!("{key}/{name}");
        let mut file = rocket::tokio::fs::File::open(local)
            .await
            .map_err(|e| Error::io(format!("cannot read {}", local.display()), e))?;
        let mut writer = self
            .operator
            .writer_with(&remote)
            .chunk(self.part_size)
            .await
            .map_err(|e| self.failed(&format!("cannot upload {remote}"), e))?;
        let mut buffer = vec![0u8; self.part_size.min(8 << 20)];
        loop {
            let n =
                file.read(&mut buffer).await.map_err(|e| Error::io(format!("cannot read {}", local.display()), e))?;
            if n == 0 {
                break;
            }
            if let Err(e) = writer.write(buffer[..n].to_vec()).await {
                let _ = writer.abort().await;
                return Err(self.failed(&format!("cannot upload {remote}"), e));
            }
        }
        writer.close().await.map_err(|e| self.failed(&format!("cannot upload {remote}"), e))?;
        Ok(())
    }

    pub async fn download(&self, key: &str, name: &str, local: &Path) -> Result<()> {
        let remote = format!("{key}/{name}");
        let reader =
            self.operator.reader(&remote).await.map_err(|e| self.failed(&format!("cannot download {remote}"), e))?;
        let mut stream =
            reader.into_bytes_stream(..).await.map_err(|e| self.failed(&format!("cannot download {remote}"), e))?;
        let mut file = rocket::tokio::fs::File::create(local)
            .await
            .map_err(|e| Error::io(format!("cannot create {}", local.display()), e))?;
        while let Some(bytes) = rocket::futures::StreamExt::next(&mut stream).await {
            let bytes =
                bytes.map_err(|e| Error::Backup(format!("cannot download {remote} ({}): {e}", self.location)))?;
            file.write_all(&bytes).await.map_err(|e| Error::io(format!("cannot write {}", local.display()), e))?;
        }
        file.flush().await.map_err(|e| Error::io(format!("cannot write {}", local.display()), e))?;
        Ok(())
    }

    pub async fn put_manifest(&self, manifest: &Manifest) -> Result<()> {
        let remote = format!("{}/{MANIFEST}", manifest.key);
        let body = serde_json::to_vec_pretty(manifest).map_err(|e| Error::Backup(format!("manifest: {e}")))?;
        self.operator.write(&remote, body).await.map_err(|e| self.failed(&format!("cannot upload {remote}"), e))?;
        Ok(())
    }

    pub async fn manifest(&self, key: &str) -> Result<Manifest> {
        if parse_key(key).is_none() {
            return Err(Error::Backup(format!("{key:?} is not a backup key (such as 20261126T230000.000Z)")));
        }
        let remote = format!("{key}/{MANIFEST}");
        let body = self.operator.read(&remote).await.map_err(|e| match e.kind() {
            ErrorKind::NotFound => Error::Backup(format!("no backup {key} in the {}", self.location)),
            _ => self.failed(&format!("cannot read {remote}"), e),
        })?;
        serde_json::from_slice(&body.to_vec())
            .map_err(|e| Error::Backup(format!("the manifest of {key} is not valid: {e}")))
    }

    /// The keys of the stored backups, oldest first (folders whose name is a key).
    pub async fn keys(&self) -> Result<Vec<String>> {
        let entries = self.operator.list("/").await.map_err(|e| self.failed("cannot list the backups", e))?;
        let mut keys: Vec<String> = entries
            .iter()
            .map(|entry| entry.name().trim_end_matches('/').to_string())
            .filter(|name| parse_key(name).is_some())
            .collect();
        keys.sort();
        keys.dedup();
        Ok(keys)
    }

    /// Every stored backup whose manifest can be read, oldest first; a folder without one
    /// (an upload cut short) is reported with `None`.
    pub async fn manifests(&self) -> Result<Vec<(String, Option<Manifest>)>> {
        let mut found = Vec::new();
        for key in self.keys().await? {
            let manifest = self.manifest(&key).await.ok();
            found.push((key, manifest));
        }
        Ok(found)
    }

    pub async fn delete(&self, key: &str) -> Result<()> {
        if parse_key(key).is_none() {
            return Err(Error::Backup(format!("{key:?} is not a backup key")));
        }
        self.operator
            .delete_with(&format!("{key}/"))
            .recursive(true)
            .await
            .map_err(|e| self.failed(&format!("cannot delete {key}"), e))
    }
}
