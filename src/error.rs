//! The one error type of the application, and how it answers an HTTP request.

use rocket::http::Status;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    #[error("data integrity: {0}")]
    Integrity(String),
    #[error("{0}")]
    BadRequest(String),
    #[error("configuration: {0}")]
    Config(String),
    #[error("the server could not start: {0}")]
    Startup(String),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("cannot connect to the database {url}: {source}")]
    Connect { url: String, source: sqlx::Error },
    #[error("database migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("password hashing: {0}")]
    PasswordHash(String),
    #[error("{context}: {source}")]
    Io { context: String, source: std::io::Error },
    #[error("backup: {0}")]
    Backup(String),
    /// Too much at once (password hashes): answered 503 with this French sentence.
    #[error("busy: {0}")]
    Busy(&'static str),
}

impl Error {
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io { context: context.into(), source }
    }

    /// The process exit status for this error: 2 when the configuration is refused
    /// (systemd must not restart: it would fail again), 1 otherwise (a database not up yet,
    /// a port still taken: worth another try).
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Config(_) => 2,
            _ => 1,
        }
    }

    pub fn status(&self) -> Status {
        match self {
            Error::NotFound => Status::NotFound,
            Error::Forbidden => Status::Forbidden,
            Error::BadRequest(_) => Status::BadRequest,
            Error::Busy(_) => Status::ServiceUnavailable,
            // The database is unreachable or overloaded: a temporary condition, not a bug.
            Error::Database(
                sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) | sqlx::Error::Tls(_),
            )
            | Error::Connect { .. } => Status::ServiceUnavailable,
            // A statement cancelled by its timeout (PostgreSQL 57014, 55P03) or a write lock
            // held too long by another process (SQLite BUSY): overloaded, not broken.
            Error::Database(sqlx::Error::Database(e))
                if matches!(e.code().as_deref(), Some("57014" | "55P03" | "5" | "517")) =>
            {
                Status::ServiceUnavailable
            }
            _ => Status::InternalServerError,
        }
    }
}
