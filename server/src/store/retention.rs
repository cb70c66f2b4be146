//! Each survey's retention date and the destruction of its raw data once
//! the date has passed (migration 0010, `salama_shared::retention`).

use super::queries::INSERT_AUDIT;
use super::{Store, StoreError, StoreResult, now};
use salama_shared::date::Date;

/// A survey's retention as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredRetention {
    pub survey_id: String,
    pub retain_until: Date,
    pub set_by: String,
    pub set_at: String,
    pub destroyed_at: Option<String>,
    pub destroyed_submissions: u64,
}

/// What one pass of destruction removed from a survey whose date passed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Destruction {
    pub survey_id: String,
    pub retain_until: Date,
    pub submissions: u64,
}

/// The actor the audit log names for what the server does on its own.
pub const SERVER_ACTOR: &str = "salama";

const COLUMNS: &str =
    "survey_id, retain_until, set_by, set_at, destroyed_at, destroyed_submissions";
const SET: &str = "INSERT INTO survey_retention (survey_id, retain_until, set_by, set_at) \
     VALUES ($1, $2, $3, $4) ON CONFLICT (survey_id) DO UPDATE SET \
     retain_until = excluded.retain_until, set_by = excluded.set_by, set_at = excluded.set_at";
/// Dates are `YYYY-MM-DD`, so text order is date order.
const PASSED: &str = "SELECT survey_id, retain_until FROM survey_retention \
     WHERE retain_until < $1 ORDER BY survey_id";
/// Everything kept one respondent at a time, children before the rows
/// they refer to. A table added later that holds anything of a respondent
/// belongs here too (the conformance suite checks the known ones empty).
const DESTROY: &[&str] = &[
    "DELETE FROM fact_units WHERE survey_id = $1",
    "DELETE FROM design_submission_weights WHERE survey_id = $1",
    "DELETE FROM review_events WHERE submission_id IN \
     (SELECT submission_id FROM submissions WHERE survey_id = $1)",
    "DELETE FROM submission_revisions WHERE submission_id IN \
     (SELECT submission_id FROM submissions WHERE survey_id = $1)",
    "DELETE FROM submission_reviews WHERE survey_id = $1",
    // Visits hold households' outcomes and enumerators' notes.
    "DELETE FROM visits WHERE survey_id = $1",
];
const DESTROY_SUBMISSIONS: &str = "DELETE FROM submissions WHERE survey_id = $1";
const NO_FACTS: &str = "INSERT INTO fact_state (survey_id, units, generation) \
     VALUES ($1, 0, 1) ON CONFLICT (survey_id) DO UPDATE SET units = 0, \
     generation = fact_state.generation + 1";
const RECORD_DESTRUCTION: &str = "UPDATE survey_retention SET \
     destroyed_at = COALESCE(destroyed_at, $2), \
     destroyed_submissions = destroyed_submissions + $3 WHERE survey_id = $1";

/// A row of `survey_retention` in [`COLUMNS`] order.
type Row = (String, String, String, String, Option<String>, i64);

fn read(row: Row) -> StoreResult<StoredRetention> {
    let (survey_id, retain_until, set_by, set_at, destroyed_at, destroyed) = row;
    Ok(StoredRetention {
        retain_until: Date::parse(&retain_until).ok_or_else(|| {
            StoreError::Corrupt(format!(
                "survey {survey_id}: retention date `{}` is not a date",
                salama_shared::text::shown(&retain_until, 40)
            ))
        })?,
        survey_id,
        set_by,
        set_at,
        destroyed_at,
        destroyed_submissions: u64::try_from(destroyed).unwrap_or(0),
    })
}

impl Store {
    /// The survey's retention, if a date was ever set. A row that does not
    /// read (edited by hand) counts as none, logged: the survey keeps
    /// taking answers rather than failing every one, and the destruction
    /// pass, which reads it the same way, destroys nothing on its word.
    pub async fn retention(&self, survey_id: &str) -> StoreResult<Option<StoredRetention>> {
        let query = format!("SELECT {COLUMNS} FROM survey_retention WHERE survey_id = $1");
        let row: Option<Row> = with_pool!(self, pool => {
            sqlx::query_as(&query).bind(survey_id).fetch_optional(pool).await?
        });
        Ok(row.and_then(|row| {
            read(row)
                .inspect_err(|error| tracing::error!(%error, "a retention row is not readable"))
                .ok()
        }))
    }

    /// Every survey's retention. A row that does not read (edited by hand)
    /// is left out and logged, so one bad row cannot hide the others.
    pub async fn retentions(&self) -> StoreResult<Vec<StoredRetention>> {
        let query = format!("SELECT {COLUMNS} FROM survey_retention ORDER BY survey_id");
        with_pool!(self, pool => {
            let rows: Vec<Row> = sqlx::query_as(&query).fetch_all(pool).await?;
            let mut read_rows = Vec::with_capacity(rows.len());
            for row in rows {
                match read(row) {
                    Ok(retention) => read_rows.push(retention),
                    Err(error) => tracing::error!(%error, "a retention row is not readable"),
                }
            }
            Ok(read_rows)
        })
    }

    /// Sets (or moves) the survey's retention date, audited in the same
    /// transaction. The caller checks the date (`retention::new_date`).
    pub async fn set_retention(
        &self,
        survey_id: &str,
        retain_until: Date,
        set_by: &str,
    ) -> StoreResult<()> {
        let at = now();
        let date = retain_until.to_string();
        let detail = format!("{survey_id}: raw data kept until {date}");
        with_pool!(self, pool => {
            let mut transaction = pool.begin().await?;
            sqlx::query(SET).bind(survey_id).bind(&date).bind(set_by).bind(&at)
                .execute(&mut *transaction).await?;
            sqlx::query(INSERT_AUDIT).bind(&at).bind(set_by).bind("retention_set").bind(&detail)
                .execute(&mut *transaction).await?;
            transaction.commit().await?;
            Ok(())
        })
    }

    /// Destroys the raw data of every survey whose retention date is
    /// before `today`: its submissions and every row kept per respondent,
    /// one survey per transaction, each audited. Runs again harmlessly: a
    /// submission that slipped in after a pass goes at the next one.
    pub async fn destroy_passed(&self, today: Date) -> StoreResult<Vec<Destruction>> {
        let today_text = today.to_string();
        let passed: Vec<(String, String)> = with_pool!(self, pool => {
            sqlx::query_as(PASSED).bind(&today_text).fetch_all(pool).await?
        });
        let mut destroyed = Vec::new();
        for (survey_id, retain_until) in passed {
            let Some(retain_until) = Date::parse(&retain_until) else {
                tracing::error!(survey = %survey_id, "retention date is not a date; nothing destroyed");
                continue;
            };
            let submissions = self.destroy_survey_data(&survey_id, retain_until).await?;
            destroyed.push(Destruction {
                survey_id,
                retain_until,
                submissions,
            });
        }
        Ok(destroyed)
    }

    async fn destroy_survey_data(&self, survey_id: &str, retain_until: Date) -> StoreResult<u64> {
        let at = now();
        with_pool!(self, pool => {
            let mut transaction = pool.begin().await?;
            for statement in DESTROY {
                sqlx::query(statement).bind(survey_id).execute(&mut *transaction).await?;
            }
            let submissions = sqlx::query(DESTROY_SUBMISSIONS).bind(survey_id)
                .execute(&mut *transaction).await?.rows_affected();
            sqlx::query(NO_FACTS).bind(survey_id).execute(&mut *transaction).await?;
            let (destroyed_at,): (Option<String>,) =
                sqlx::query_as("SELECT destroyed_at FROM survey_retention WHERE survey_id = $1")
                    .bind(survey_id).fetch_one(&mut *transaction).await?;
            let first = destroyed_at.is_none();
            sqlx::query(RECORD_DESTRUCTION).bind(survey_id).bind(&at)
                .bind(i64::try_from(submissions).unwrap_or(i64::MAX))
                .execute(&mut *transaction).await?;
            // The first pass is audited even when nothing was received; a
            // later one only when a straggler was destroyed.
            if first || submissions > 0 {
                let detail = format!(
                    "{survey_id}: {submissions} submissions destroyed, the retention date {retain_until} having passed"
                );
                sqlx::query(INSERT_AUDIT).bind(&at).bind(SERVER_ACTOR).bind("raw_data_destroyed").bind(&detail)
                    .execute(&mut *transaction).await?;
            }
            transaction.commit().await?;
            Ok(submissions)
        })
    }
}
