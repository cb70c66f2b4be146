//! Household visits and their outcomes (migration 0009), stored once under
//! the id the device made, and read back in the order they were made for
//! the response rates (`salama_shared::response_rate`).

use salama_shared::response_rate::VisitRow;
use salama_shared::visit::{Visit, VisitOutcome};
use sqlx::Row;

use super::{Columns, Store, StoreError, StoreResult, now};

/// What storing a visit did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VisitStored {
    /// Stored now, durably; when it was received.
    New(String),
    /// The same visit was stored before, at that time: nothing written.
    Duplicate(String),
    /// The id is taken by a visit with other content: nothing written.
    Conflict,
}

const INSERT_VISIT: &str = "INSERT INTO visits (visit_id, survey_id, cluster_id, household, \
     enumerator, outcome, visited_at, visited_unix, submission_id, note, content_sha256, received_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (visit_id) DO NOTHING";
const STORED_VISIT: &str = "SELECT content_sha256, received_at FROM visits WHERE visit_id = $1";
const SURVEY_VISITS: &str = "SELECT cluster_id, household, enumerator, outcome FROM visits \
     WHERE survey_id = $1 ORDER BY visited_unix, received_at, visit_id";

impl Store {
    /// Stores a visit credited to `enumerator` unless its id is taken;
    /// returns after the commit.
    pub async fn insert_visit(
        &self,
        visit: &Visit,
        enumerator: &str,
        content_sha256: &str,
    ) -> StoreResult<VisitStored> {
        let id = visit.visit_id.hyphenated().to_string();
        let submission = visit
            .submission_id
            .map(|submission| submission.hyphenated().to_string());
        let received_at = now();
        with_pool!(self, pool => {
            let mut transaction = pool.begin().await?;
            let inserted = sqlx::query(INSERT_VISIT)
                .bind(&id)
                .bind(&visit.survey_id)
                .bind(&visit.cluster_id)
                .bind(&visit.household)
                .bind(enumerator)
                .bind(visit.outcome.as_str())
                .bind(visit.visited_at.as_str())
                .bind(visit.visited_at.unix_seconds())
                .bind(submission.as_deref())
                .bind(visit.note.as_deref())
                .bind(content_sha256)
                .bind(&received_at)
                .execute(&mut *transaction)
                .await?
                .rows_affected();
            let stored = if inserted == 1 {
                VisitStored::New(received_at)
            } else {
                let row = sqlx::query(STORED_VISIT).bind(&id).fetch_optional(&mut *transaction).await?
                    .ok_or_else(|| StoreError::Corrupt(format!("visit {id} conflicted but cannot be read")))?;
                if row.text("content_sha256")? == content_sha256 {
                    VisitStored::Duplicate(row.text("received_at")?)
                } else {
                    VisitStored::Conflict
                }
            };
            transaction.commit().await?;
            Ok(stored)
        })
    }

    /// Whether a visit of this id is stored (a resend after its cluster
    /// was moved to someone else is still acknowledged, exactly once).
    pub async fn visit_stored(&self, visit_id: uuid::Uuid) -> StoreResult<bool> {
        let id = visit_id.hyphenated().to_string();
        with_pool!(self, pool => {
            Ok(sqlx::query(STORED_VISIT).bind(&id).fetch_optional(pool).await?.is_some())
        })
    }

    /// Every visit of a survey, in the order they were made.
    pub async fn survey_visits(&self, survey_id: &str) -> StoreResult<Vec<VisitRow>> {
        with_pool!(self, pool => {
            let rows = sqlx::query(SURVEY_VISITS).bind(survey_id).fetch_all(pool).await?;
            let mut visits = Vec::with_capacity(rows.len());
            for row in rows {
                let code = row.try_get::<String, _>("outcome")?;
                let outcome = VisitOutcome::parse(&code)
                    .ok_or_else(|| StoreError::Corrupt(format!("a visit's outcome `{}`", code.escape_debug())))?;
                visits.push(VisitRow {
                    cluster_id: row.text("cluster_id")?,
                    household: row.text("household")?,
                    enumerator: row.text("enumerator")?,
                    outcome,
                });
            }
            Ok(visits)
        })
    }
}
