//! Storage behind one narrow interface, with an SQLite implementation (the
//! embedded default) and a PostgreSQL one (for several server instances).
//! The same conformance suite (`server/tests/storage.rs`) runs against both.
//!
//! Both backends run the same SQL: `$1` placeholders, `ON CONFLICT` and
//! portable column types work on each, so the queries are written once in
//! [`queries`] and the two implementations differ only in their pool.

/// Runs `$body` with `$pool` bound to whichever pool the store has; the body
/// is the same SQL for both, type-checked once per backend.
macro_rules! with_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match $store {
            Store::Sqlite($pool) => $body,
            Store::Postgres($pool) => $body,
        }
    };
}

mod assignments;
mod facts;
mod queries;

pub use assignments::Assignment;

pub use facts::{
    DesignEntry, FACTS_BACKFILL, FactRow, FactState, MICRODATA_SEPARATOR, SubmissionFacts,
    UnitLevel,
};

use std::str::FromStr;
use std::time::Duration;

use salama_shared::date::Timestamp;
use serde::Serialize;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use uuid::Uuid;

/// Storage failures the callers act on; anything else is `Database`.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The survey version is already published with another definition.
    #[error("survey {survey_id} version {version} is already published")]
    VersionExists { survey_id: String, version: u32 },
    #[error("a user named {0} exists already")]
    UserExists(String),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("stored data is not readable: {0}")]
    Corrupt(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// A published survey version.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StoredSurvey {
    pub survey_id: String,
    pub version: u32,
    /// The definition as published (JSON).
    pub definition: String,
    pub public: bool,
    pub published_at: String,
}

/// The outcome of publishing: the stored version, and whether this call
/// published it (rather than finding the same definition already there).
#[derive(Clone, Debug, PartialEq)]
pub struct Publication {
    pub survey: StoredSurvey,
    pub new: bool,
}

/// A validated submission about to be stored.
#[derive(Clone, Debug)]
pub struct NewSubmission<'a> {
    pub submission_id: Uuid,
    pub survey_id: &'a str,
    pub survey_version: u32,
    pub channel: &'a str,
    /// SHA-256 of the submission's canonical JSON, to tell a resend from a
    /// different submission reusing the id.
    pub content_sha256: &'a str,
    /// The request body exactly as received.
    pub body: &'a [u8],
    /// What aggregation needs, written in the same transaction.
    pub facts: &'a SubmissionFacts,
}

pub use salama_shared::api::Receipt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Inserted {
    /// Stored now, durably.
    New(Receipt),
    /// The same submission was stored before: nothing written.
    Duplicate(Receipt),
    /// The id is taken by a submission with other content: nothing written.
    Conflict(Receipt),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub detail: String,
}

/// The storage a server runs on, chosen from the database URL's scheme.
#[derive(Clone, Debug)]
pub enum Store {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

impl Store {
    /// Connects (creating an SQLite file and its folders if needed) and
    /// brings the schema up to date.
    pub async fn open(url: &str) -> StoreResult<Self> {
        let store = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect(url)
                .await?;
            Store::Postgres(pool)
        } else {
            let options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                // FULL makes each commit durable in WAL mode before it returns,
                // so a 2xx is only ever sent for data on disk.
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10));
            if let Some(folder) = options
                .get_filename()
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
            {
                std::fs::create_dir_all(folder)
                    .map_err(|e| StoreError::Database(sqlx::Error::Io(e)))?;
            }
            let pool = SqlitePoolOptions::new()
                .max_connections(8)
                .connect_with(options)
                .await?;
            Store::Sqlite(pool)
        };
        store.migrate().await?;
        Ok(store)
    }

    pub async fn migrate(&self) -> StoreResult<()> {
        match self {
            Store::Sqlite(pool) => sqlx::migrate!("../migrations/sqlite").run(pool).await?,
            Store::Postgres(pool) => sqlx::migrate!("../migrations/postgres").run(pool).await?,
        }
        Ok(())
    }

    pub fn backend(&self) -> &'static str {
        match self {
            Store::Sqlite(_) => "sqlite",
            Store::Postgres(_) => "postgres",
        }
    }

    pub async fn close(&self) {
        match self {
            Store::Sqlite(pool) => pool.close().await,
            Store::Postgres(pool) => pool.close().await,
        }
    }
}

/// Now, as the text stored in timestamp columns (UTC, RFC 3339).
pub fn now() -> String {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX)
        });
    Timestamp::from_unix_seconds(seconds).as_str().to_owned()
}

/// A person or device with a role.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub name: String,
    pub role: String,
    pub password_hash: String,
    pub revoked: bool,
}
