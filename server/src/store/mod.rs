//! Storage behind one narrow interface, on SQLite (the embedded default)
//! or PostgreSQL (for several server instances). The same conformance suite
//! (`server/tests/storage.rs`) runs against both.
//!
//! A [`Store`] is a pool and a dialect (`dialect.rs`). Most statements read
//! the same on both databases (`$1` placeholders, `ON CONFLICT`, portable
//! column types) and are written once, beside the function that runs them;
//! what the two spell differently (joining text, reading one snapshot) is
//! in the dialect. sqlx gives each database its own pool and connection
//! types, so a body that runs statements is compiled once per pool by
//! [`with_pool!`] rather than written against sqlx's generic bounds.

/// Runs `$body` with `$pool` bound to the store's pool, whichever database
/// it is on: the same statements, type-checked for each.
macro_rules! with_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.pool {
            $crate::store::Pool::Sqlite($pool) => $body,
            $crate::store::Pool::Postgres($pool) => $body,
        }
    };
}

mod assignments;
mod dialect;
mod disclosure;
mod facts;
mod fieldwork;
mod pairing;
mod people;
mod queries;
mod releases;
mod retention;
mod review;
mod visits;

pub use assignments::Assignment;
use dialect::Dialect;
pub use disclosure::CurrentPolicy;
pub use fieldwork::{ClusterCount, DesignChange, DesignRecord, DesignUpload};
pub use people::{Device, Person, RevokedDevice, device_id};
pub use retention::{Destruction, SERVER_ACTOR, StoredRetention};
pub use review::{LatestBody, NewRevision, ReviewFilter, Reviewed};
pub use visits::VisitStored;

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

#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AuditEntry {
    /// Its place in the log: a search's `before_id` pages back from it.
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub detail: String,
}

/// The storage a server runs on, chosen from the database URL's scheme.
#[derive(Clone, Debug)]
pub struct Store {
    pool: Pool,
    dialect: &'static Dialect,
}

/// A connection pool to one of the databases.
#[derive(Clone, Debug)]
pub enum Pool {
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
            Store {
                pool: Pool::Postgres(pool),
                dialect: &dialect::POSTGRES,
            }
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
            Store {
                pool: Pool::Sqlite(pool),
                dialect: &dialect::SQLITE,
            }
        };
        store.migrate().await?;
        Ok(store)
    }

    /// The pool, for SQL of one's own (tests writing what no API would).
    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    pub async fn migrate(&self) -> StoreResult<()> {
        match &self.pool {
            Pool::Sqlite(pool) => sqlx::migrate!("../migrations/sqlite").run(pool).await?,
            Pool::Postgres(pool) => sqlx::migrate!("../migrations/postgres").run(pool).await?,
        }
        Ok(())
    }

    pub fn backend(&self) -> &'static str {
        self.dialect.name
    }

    pub async fn close(&self) {
        with_pool!(self, pool => pool.close().await);
    }
}

/// Columns read by name from either database's rows: the decoding bounds
/// are written here once, not at every reader.
trait Columns {
    fn text(&self, column: &str) -> sqlx::Result<String>;
    fn optional_text(&self, column: &str) -> sqlx::Result<Option<String>>;
    fn integer(&self, column: &str) -> sqlx::Result<i64>;
    fn optional_integer(&self, column: &str) -> sqlx::Result<Option<i64>>;
    fn flag(&self, column: &str) -> sqlx::Result<bool>;
}

impl<R: sqlx::Row> Columns for R
where
    for<'c> &'c str: sqlx::ColumnIndex<R>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> bool: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    fn text(&self, column: &str) -> sqlx::Result<String> {
        self.try_get(column)
    }

    fn optional_text(&self, column: &str) -> sqlx::Result<Option<String>> {
        self.try_get(column)
    }

    fn integer(&self, column: &str) -> sqlx::Result<i64> {
        self.try_get(column)
    }

    fn optional_integer(&self, column: &str) -> sqlx::Result<Option<i64>> {
        self.try_get(column)
    }

    fn flag(&self, column: &str) -> sqlx::Result<bool> {
        self.try_get(column)
    }
}

/// Now, as the text stored in timestamp columns (UTC, RFC 3339).
pub fn now() -> String {
    Timestamp::from_unix_seconds(unix_seconds())
        .as_str()
        .to_owned()
}

/// Today's date in UTC, the zone of every stored timestamp.
pub fn today() -> salama_shared::date::Date {
    Timestamp::from_unix_seconds(unix_seconds()).local_date()
}

fn unix_seconds() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX)
        })
}

/// Who holds a token, and whether it is a browser session (rather than a
/// device's or a script's bearer token).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenHolder {
    pub user: User,
    pub session: bool,
}

/// What revoking a user did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Revocation {
    Revoked,
    /// No active user of that name (unknown, or revoked already).
    NotActive,
    /// They are the last active admin: refused.
    LastAdmin,
}

/// A person or device with a role.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub name: String,
    pub role: String,
    pub password_hash: String,
    pub revoked: bool,
    /// Created with a one-time password not yet replaced by their own.
    pub must_change_password: bool,
}
