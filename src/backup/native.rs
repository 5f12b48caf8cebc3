//! Each backend's own snapshot, kept beside the portable dump: SQLite's `VACUUM INTO` (a
//! complete database file) and PostgreSQL's `pg_dump --format=custom` (for `pg_restore`).

use std::path::Path;
use std::process::Stdio;

use rocket::tokio::process::Command;

use crate::db::DbPool;
use crate::store::dump::TABLES;
use crate::{Error, Result};

/// A consistent copy of the live SQLite database at `to` (SQLite reads one snapshot for it
/// while writers go on).
pub async fn sqlite_copy(db: &DbPool, to: &Path) -> Result<()> {
    let DbPool::Sqlite(pool) = db else {
        return Err(Error::Backup("VACUUM INTO is for SQLite".into()));
    };
    let path = to.to_string_lossy().replace('\'', "''");
    sqlx::query(&format!("VACUUM INTO '{path}'")).execute(pool).await?;
    Ok(())
}

/// A connection URL for libpq's tools without its password (which goes in `PGPASSWORD`,
/// never on a command line that `ps` shows).
fn libpq_target(url: &str) -> Result<(String, Option<String>)> {
    let mut parsed = url::Url::parse(url).map_err(|e| Error::Backup(format!("database_url: {e}")))?;
    let password = parsed.password().map(|p| percent_encoding::percent_decode_str(p).decode_utf8_lossy().into_owned());
    let _ = parsed.set_password(None);
    Ok((parsed.to_string(), password))
}

fn tool(program: &str, url: &str) -> Result<Command> {
    let (target, password) = libpq_target(url)?;
    let mut command = Command::new(program);
    command.arg(format!("--dbname={target}")).stdin(Stdio::null()).kill_on_drop(true);
    if let Some(password) = password {
        command.env("PGPASSWORD", password);
    }
    Ok(command)
}

async fn output(mut command: Command, program: &str) -> Result<std::process::Output> {
    command.output().await.map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            Error::Backup(format!(
                "{program} is not installed: PostgreSQL backups need it (apt install postgresql-client), \
                 or set backup_pg_dump / backup_pg_restore to its path"
            ))
        } else {
            Error::io(format!("cannot run {program}"), e)
        }
    })
}

/// The major version of a PostgreSQL tool (`pg_dump (PostgreSQL) 15.19` → 15).
fn major_version(text: &str) -> Option<u32> {
    let version = text.split_whitespace().find(|word| word.chars().next().is_some_and(|c| c.is_ascii_digit()))?;
    version.split('.').next()?.parse().ok()
}

/// Refuses a `pg_dump` missing or older than the server (it would refuse to dump, or
/// dump wrongly).
pub async fn check_pg_dump(db: &DbPool, program: &str) -> Result<()> {
    let mut command = Command::new(program);
    command.arg("--version").stdin(Stdio::null());
    let version = output(command, program).await?;
    let tool_major = major_version(&String::from_utf8_lossy(&version.stdout))
        .ok_or_else(|| Error::Backup(format!("{program} --version did not print a version")))?;
    let server: String = match db {
        DbPool::Postgres(pool) => sqlx::query_scalar("SHOW server_version_num").fetch_one(pool).await?,
        DbPool::Sqlite(_) => return Ok(()),
    };
    let server_major = server.trim().parse::<u32>().map(|n| n / 10000).unwrap_or(0);
    if tool_major < server_major {
        return Err(Error::Backup(format!(
            "{program} is version {tool_major}, older than the PostgreSQL server ({server_major}): \
             install postgresql-client-{server_major} or set backup_pg_dump to a newer pg_dump"
        )));
    }
    Ok(())
}

/// `pg_dump --format=custom` of the data as the exported `snapshot` sees it (uncompressed:
/// the file is compressed with zstd like the others).
pub async fn pg_dump(program: &str, url: &str, snapshot: &str, to: &Path) -> Result<()> {
    let mut command = tool(program, url)?;
    command
        .args(["--format=custom", "--compress=0", "--no-owner", "--no-privileges"])
        .arg(format!("--snapshot={snapshot}"))
        .arg(format!("--file={}", to.display()));
    let done = output(command, program).await?;
    if !done.status.success() {
        return Err(Error::Backup(format!("{program} failed: {}", String::from_utf8_lossy(&done.stderr).trim())));
    }
    Ok(())
}

/// Checks that a `pg_dump` archive is readable and holds the data of every backed-up table.
pub async fn check_pg_archive(program: &str, archive: &Path) -> Result<()> {
    let mut command = Command::new(program);
    command.arg("--list").arg(archive).stdin(Stdio::null()).kill_on_drop(true);
    let done = output(command, program).await?;
    if !done.status.success() {
        return Err(Error::Backup(format!(
            "the PostgreSQL archive is not readable: {}",
            String::from_utf8_lossy(&done.stderr).trim()
        )));
    }
    let listing = String::from_utf8_lossy(&done.stdout);
    let missing: Vec<&str> = TABLES
        .iter()
        .copied()
        .filter(|table| {
            !listing.lines().any(|line| line.contains("TABLE DATA") && line.contains(&format!(" {table} ")))
        })
        .collect();
    if !missing.is_empty() {
        return Err(Error::Backup(format!("the PostgreSQL archive lacks the data of {}", missing.join(", "))));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_major_version_of_a_tool() {
        assert_eq!(major_version("pg_dump (PostgreSQL) 15.19 (Debian 15.19-0+deb12u1)"), Some(15));
        assert_eq!(major_version("pg_dump (PostgreSQL) 12.22 (Ubuntu 12.22-0ubuntu0.20.04.1)"), Some(12));
        assert_eq!(major_version("pg_dump"), None);
    }

    #[test]
    fn the_password_leaves_the_url_for_the_environment() {
        let (target, password) = libpq_target("postgres://app:s%40cret@db.internal:5432/oc?sslmode=require").unwrap();
        assert_eq!(target, "postgres://app@db.internal:5432/oc?sslmode=require");
        assert_eq!(password.as_deref(), Some("s@cret"));
        let (target, password) = libpq_target("postgres://postgres@127.0.0.1/oc").unwrap();
        assert_eq!(target, "postgres://postgres@127.0.0.1/oc");
        assert_eq!(password, None);
    }
}
