//! Files of a backup on the local disk: zstd compression with the SHA-256 of what is
//! written, and the JSON-lines dump read back in chunks. The work is blocking (CPU and
//! disk), so it runs on tokio's blocking threads, fed through channels.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use rocket::tokio::sync::mpsc;
use sha2::{Digest, Sha256};

use crate::store::dump::{DumpHeader, RestoreChunk, TableHeader, DUMP_FORMAT};
use crate::{Error, Result};

/// zstd's default level: about as fast as the disk on 2 cores, a third of the JSON's size.
const LEVEL: i32 = 3;

/// A written file: its size and SHA-256 (hex).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub size: u64,
    pub sha256: String,
}

/// Counts and hashes what goes through it.
struct Hashing<W: Write> {
    inner: W,
    hasher: Sha256,
    size: u64,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.size += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

fn io(context: String) -> impl FnOnce(std::io::Error) -> Error {
    move |source| Error::io(context, source)
}

async fn blocking<T: Send + 'static>(work: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    rocket::tokio::task::spawn_blocking(work).await.map_err(|e| Error::Backup(format!("a backup task stopped: {e}")))?
}

/// A compressed file being written from text sent through the channel; finish by dropping
/// the sender and awaiting the handle.
pub fn compressed_writer(path: PathBuf) -> (mpsc::Sender<String>, rocket::tokio::task::JoinHandle<Result<Written>>) {
    let (sender, mut receiver) = mpsc::channel::<String>(64);
    let handle = rocket::tokio::task::spawn_blocking(move || {
        let file = File::create(&path).map_err(io(format!("cannot create {}", path.display())))?;
        let hashing = Hashing { inner: BufWriter::new(file), hasher: Sha256::new(), size: 0 };
        let mut encoder =
            zstd::Encoder::new(hashing, LEVEL).map_err(io(format!("cannot compress into {}", path.display())))?;
        while let Some(text) = receiver.blocking_recv() {
            encoder.write_all(text.as_bytes()).map_err(io(format!("cannot write {}", path.display())))?;
        }
        let mut hashing = encoder.finish().map_err(io(format!("cannot write {}", path.display())))?;
        hashing.flush().map_err(io(format!("cannot write {}", path.display())))?;
        hashing.inner.get_ref().sync_all().map_err(io(format!("cannot write {}", path.display())))?;
        Ok(Written { size: hashing.size, sha256: hex::encode(hashing.hasher.finalize()) })
    });
    (sender, handle)
}

/// Compresses `from` into `to`.
pub async fn compress_file(from: PathBuf, to: PathBuf) -> Result<Written> {
    blocking(move || {
        let mut input = File::open(&from).map_err(io(format!("cannot read {}", from.display())))?;
        let file = File::create(&to).map_err(io(format!("cannot create {}", to.display())))?;
        let hashing = Hashing { inner: BufWriter::new(file), hasher: Sha256::new(), size: 0 };
        let mut encoder =
            zstd::Encoder::new(hashing, LEVEL).map_err(io(format!("cannot compress {}", from.display())))?;
        std::io::copy(&mut input, &mut encoder).map_err(io(format!("cannot compress {}", from.display())))?;
        let mut hashing = encoder.finish().map_err(io(format!("cannot write {}", to.display())))?;
        hashing.flush().map_err(io(format!("cannot write {}", to.display())))?;
        Ok(Written { size: hashing.size, sha256: hex::encode(hashing.hasher.finalize()) })
    })
    .await
}

/// Decompresses `from` into `to`.
pub async fn decompress_file(from: PathBuf, to: PathBuf) -> Result<()> {
    blocking(move || {
        let input = File::open(&from).map_err(io(format!("cannot read {}", from.display())))?;
        let mut decoder = zstd::Decoder::new(input).map_err(io(format!("cannot decompress {}", from.display())))?;
        let mut output = BufWriter::new(File::create(&to).map_err(io(format!("cannot create {}", to.display())))?);
        std::io::copy(&mut decoder, &mut output).map_err(io(format!("cannot decompress {}", from.display())))?;
        output.flush().map_err(io(format!("cannot write {}", to.display())))?;
        Ok(())
    })
    .await
}

/// The size and SHA-256 of a file.
pub async fn digest(path: PathBuf) -> Result<Written> {
    blocking(move || {
        let mut file = File::open(&path).map_err(io(format!("cannot read {}", path.display())))?;
        let mut hasher = Sha256::new();
        let mut buffer = vec![0u8; 1 << 20];
        let mut size = 0u64;
        loop {
            let n = file.read(&mut buffer).map_err(io(format!("cannot read {}", path.display())))?;
            if n == 0 {
                break;
            }
            hasher.update(&buffer[..n]);
            size += n as u64;
        }
        Ok(Written { size, sha256: hex::encode(hasher.finalize()) })
    })
    .await
}

/// Reads the header of a compressed dump.
pub async fn dump_header(path: PathBuf) -> Result<DumpHeader> {
    blocking(move || {
        let file = File::open(&path).map_err(io(format!("cannot read {}", path.display())))?;
        let decoder = zstd::Decoder::new(file).map_err(io(format!("cannot decompress {}", path.display())))?;
        let mut first = String::new();
        BufReader::new(decoder).read_line(&mut first).map_err(io(format!("cannot read {}", path.display())))?;
        parse_header(&first)
    })
    .await
}

fn parse_header(line: &str) -> Result<DumpHeader> {
    let header: DumpHeader = serde_json::from_str(line)
        .map_err(|_| Error::Backup("this file is not an OC Pizza dump (no header line)".into()))?;
    if header.format != DUMP_FORMAT {
        return Err(Error::Backup(format!("unknown dump format {:?} (expected {DUMP_FORMAT})", header.format)));
    }
    Ok(header)
}

/// Streams a compressed dump's tables and rows into the channel a restore reads.
pub fn dump_reader(path: &Path) -> (mpsc::Receiver<RestoreChunk>, rocket::tokio::task::JoinHandle<Result<()>>) {
    const ROWS_PER_CHUNK: usize = 2000;
    let path = path.to_path_buf();
    let (sender, receiver) = mpsc::channel::<RestoreChunk>(8);
    let handle = rocket::tokio::task::spawn_blocking(move || {
        let stopped = || Error::Backup("the restore stopped reading".into());
        let file = File::open(&path).map_err(io(format!("cannot read {}", path.display())))?;
        let decoder = zstd::Decoder::new(file).map_err(io(format!("cannot decompress {}", path.display())))?;
        let mut lines = BufReader::with_capacity(1 << 20, decoder).lines();
        let first = lines.next().transpose().map_err(io(format!("cannot read {}", path.display())))?;
        parse_header(first.as_deref().unwrap_or(""))?;
        let mut rows = Vec::with_capacity(ROWS_PER_CHUNK);
        for line in lines {
            let line = line.map_err(io(format!("cannot read {}", path.display())))?;
            if line.starts_with('{') {
                if !rows.is_empty() {
                    sender.blocking_send(RestoreChunk::Rows(std::mem::take(&mut rows))).map_err(|_| stopped())?;
                }
                let table: TableHeader = serde_json::from_str(&line)
                    .map_err(|e| Error::Backup(format!("a table line of the dump is not valid: {e}")))?;
                sender.blocking_send(RestoreChunk::Table(table)).map_err(|_| stopped())?;
            } else if line.starts_with('[') {
                rows.push(line);
                if rows.len() == ROWS_PER_CHUNK {
                    sender.blocking_send(RestoreChunk::Rows(std::mem::take(&mut rows))).map_err(|_| stopped())?;
                }
            } else if !line.is_empty() {
                return Err(Error::Backup("the dump has a line that is neither a table nor a row".into()));
            }
        }
        if !rows.is_empty() {
            sender.blocking_send(RestoreChunk::Rows(rows)).map_err(|_| stopped())?;
        }
        Ok(())
    });
    (receiver, handle)
}
