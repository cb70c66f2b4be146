//! Supervisors' review (migration 0008): each submission's state, its
//! history, its corrected revisions, each survey's counting rule and who
//! supervises whom. A decision or a correction that changes what counts
//! marks the survey's facts as changed in its own transaction, so the next
//! aggregate reads them.

use salama_shared::review::{ChangedAnswer, ReviewEvent, ReviewItem, ReviewState, Revision};
use sqlx::Row;

use super::facts::{ADD_FACT_UNITS, BUMP_GENERATION, SubmissionFacts, fact_inserts};
use super::queries::INSERT_AUDIT;
use super::{Columns, Store, StoreError, StoreResult, now};

/// Which submissions a survey's aggregates and microdata read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Counting {
    /// No interview of the survey is rejected: nothing to leave out.
    Every,
    NotRejected,
    ApprovedOnly,
}

impl Counting {
    /// From the survey's rule (`None`: never set) and whether any of its
    /// interviews is rejected.
    pub(super) fn of(approved_only: Option<bool>, any_rejected: bool) -> Self {
        match (approved_only, any_rejected) {
            (Some(true), _) => Counting::ApprovedOnly,
            (_, true) => Counting::NotRejected,
            (_, false) => Counting::Every,
        }
    }

    /// The condition on `{column}` (a submission id) that keeps the
    /// counted ones, to append to a `WHERE`.
    pub(super) fn condition(self, column: &str) -> String {
        match self {
            Counting::Every => String::new(),
            Counting::NotRejected => format!(
                " AND NOT EXISTS (SELECT 1 FROM submission_reviews r \
                 WHERE r.submission_id = {column} AND r.state = 'rejected')"
            ),
            Counting::ApprovedOnly => format!(
                " AND EXISTS (SELECT 1 FROM submission_reviews r \
                 WHERE r.submission_id = {column} AND r.state = 'approved')"
            ),
        }
    }
}

pub(super) const POLICY: &str = "SELECT approved_only FROM review_policies WHERE survey_id = $1";
const SET_POLICY: &str = "INSERT INTO review_policies (survey_id, approved_only) VALUES ($1, $2) \
     ON CONFLICT (survey_id) DO UPDATE SET approved_only = excluded.approved_only";
const FLAG_RULES: &str = "SELECT rules FROM flag_rules WHERE survey_id = $1";
const SET_FLAG_RULES: &str = "INSERT INTO flag_rules (survey_id, rules, set_by, set_at) VALUES ($1, $2, $3, $4) \
     ON CONFLICT (survey_id) DO UPDATE SET rules = excluded.rules, set_by = excluded.set_by, set_at = excluded.set_at";
/// Through the index on (survey_id, state): a survey with nothing rejected
/// reads its facts without a lookup per row.
pub(super) const ANY_REJECTED: &str = "SELECT COUNT(*) FROM (SELECT 1 FROM submission_reviews \
     WHERE survey_id = $1 AND state = 'rejected' LIMIT 1) AS one";

/// One submission as the review list shows it: its respondent's fact row
/// (enumerator, cluster, date), its review and its latest revision.
macro_rules! review_items {
    ($where:literal) => {
        concat!(
            "SELECT f.seq, s.submission_id, s.survey_id, s.survey_version, s.channel, s.received_at, \
             f.completed_on, f.enumerator_id, f.cluster_id, r.state, r.reviewer, r.reason, r.reviewed_at, \
             (SELECT MAX(v.revision) FROM submission_revisions v WHERE v.submission_id = s.submission_id) AS revision \
             FROM fact_units f JOIN submissions s ON s.submission_id = f.submission_id \
             LEFT JOIN submission_reviews r ON r.submission_id = f.submission_id \
             WHERE f.unit = 0 AND ",
            $where
        )
    };
}

/// `$1` survey, `$2` the position to page before, `$3` state, `$4` cluster,
/// `$5` enumerator, `$6` the supervisor whose teams' clusters only are
/// listed, `$7` how many (`$n IS NULL OR …`: one statement whatever is given).
const REVIEW_LIST: &str = review_items!(
    "f.survey_id = $1 AND f.seq < $2 \
     AND ($3 IS NULL OR COALESCE(r.state, 'received') = $3) \
     AND ($4 IS NULL OR f.cluster_id = $4) AND ($5 IS NULL OR f.enumerator_id = $5) \
     AND ($6 IS NULL OR f.cluster_id IN (SELECT a.cluster_id FROM assignments a \
          JOIN supervision t ON t.enumerator = a.user_name WHERE a.survey_id = $1 AND t.supervisor = $6)) \
     ORDER BY f.seq DESC LIMIT $7"
);
const REVIEW_ITEM: &str = review_items!("s.submission_id = $1");

const REVIEW_STATE: &str = "SELECT state FROM submission_reviews WHERE submission_id = $1";
/// A first decision: nothing written if another reviewer decided meanwhile.
const FIRST_REVIEW: &str = "INSERT INTO submission_reviews \
     (submission_id, survey_id, state, reviewer, reason, reviewed_at) VALUES ($1, $2, $3, $4, $5, $6) \
     ON CONFLICT (submission_id) DO NOTHING";
/// A later decision, only from the state the reviewer saw.
const NEXT_REVIEW: &str = "UPDATE submission_reviews SET state = $3, reviewer = $4, reason = $5, reviewed_at = $6 \
     WHERE submission_id = $1 AND state = $2";
const INSERT_EVENT: &str = "INSERT INTO review_events (submission_id, at, actor, event, reason, revision) \
     VALUES ($1, $2, $3, $4, $5, $6)";
const EVENTS: &str = "SELECT at, actor, event, reason, revision FROM review_events \
     WHERE submission_id = $1 ORDER BY id";
const REVISIONS: &str = "SELECT revision, author, reason, changes, created_at FROM submission_revisions \
     WHERE submission_id = $1 ORDER BY revision";
/// The latest revision's body: a correction's, else the body as received.
const LATEST_BODY: &str = "SELECT s.survey_id, s.channel, s.survey_version, \
     COALESCE((SELECT MAX(v.revision) FROM submission_revisions v WHERE v.submission_id = s.submission_id), 0) AS revision, \
     COALESCE((SELECT v.body FROM submission_revisions v WHERE v.submission_id = s.submission_id \
               ORDER BY v.revision DESC LIMIT 1), s.body) AS body, \
     COALESCE((SELECT v.content_sha256 FROM submission_revisions v WHERE v.submission_id = s.submission_id \
               ORDER BY v.revision DESC LIMIT 1), s.content_sha256) AS content_sha256 \
     FROM submissions s WHERE s.submission_id = $1";
/// Nothing written if another correction took this revision number first.
const INSERT_REVISION: &str = "INSERT INTO submission_revisions \
     (submission_id, revision, body, content_sha256, author, reason, changes, created_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (submission_id, revision) DO NOTHING";
const DELETE_SUBMISSION_FACTS: &str = "DELETE FROM fact_units WHERE submission_id = $1";
/// Back to received (no review row) from has issues only.
const REOPEN: &str =
    "DELETE FROM submission_reviews WHERE submission_id = $1 AND state = 'has_issues'";
/// The interviews sent back to an enumerator, latest decision first.
const RETURNED: &str = "SELECT r.submission_id FROM submission_reviews r \
     JOIN fact_units f ON f.submission_id = r.submission_id AND f.unit = 0 \
     WHERE r.state = 'has_issues' AND f.enumerator_id = $1 ORDER BY r.reviewed_at DESC, r.submission_id LIMIT $2";

const SET_SUPERVISOR: &str = "INSERT INTO supervision (enumerator, supervisor) VALUES ($1, $2) \
     ON CONFLICT (enumerator) DO UPDATE SET supervisor = excluded.supervisor";
const CLEAR_SUPERVISOR: &str = "DELETE FROM supervision WHERE enumerator = $1";
const SUPERVISES: &str = "SELECT COUNT(*) FROM assignments a JOIN supervision t ON t.enumerator = a.user_name \
     WHERE a.survey_id = $1 AND a.cluster_id = $2 AND t.supervisor = $3";
const TEAM: &str = "SELECT enumerator FROM supervision WHERE supervisor = $1 ORDER BY enumerator";

/// What [`ReviewFilter`] lists.
#[derive(Clone, Debug, Default)]
pub struct ReviewFilter {
    pub state: Option<ReviewState>,
    pub cluster_id: Option<String>,
    pub enumerator_id: Option<String>,
    /// Only the clusters of this supervisor's enumerators.
    pub supervisor: Option<String>,
    /// Only submissions listed before this position.
    pub before: Option<i64>,
    pub limit: u32,
}

/// What a decision did.
#[derive(Clone, Debug, PartialEq)]
pub enum Reviewed {
    Done(Box<ReviewItem>),
    /// No stored submission with that id, or none with facts to review.
    NotFound,
    /// Not allowed from the state it is in (perhaps just decided by
    /// another reviewer): nothing changed.
    WrongState(ReviewState),
}

/// A corrected revision to store, validated, with its facts.
pub struct NewRevision<'a> {
    pub submission_id: &'a str,
    /// The revision the correction was made from; the new one is the next.
    pub from_revision: u32,
    pub body: &'a [u8],
    pub content_sha256: &'a str,
    pub author: &'a str,
    pub reason: &'a str,
    pub changes: &'a [ChangedAnswer],
    pub facts: &'a SubmissionFacts,
    /// The enumerator's own corrected interview, sent back after "has
    /// issues": it leaves that state for `received` (reviewed afresh).
    pub resent: bool,
}

/// The latest revision of a stored submission, as the rules read it.
#[derive(Clone, Debug, PartialEq)]
pub struct LatestBody {
    pub survey_id: String,
    pub channel: String,
    pub survey_version: u32,
    pub revision: u32,
    pub body: Vec<u8>,
    pub content_sha256: String,
}

fn state_of(text: Option<String>) -> StoreResult<ReviewState> {
    match text {
        None => Ok(ReviewState::Received),
        Some(text) => ReviewState::parse(&text)
            .ok_or_else(|| StoreError::Corrupt(format!("review state `{text}`"))),
    }
}

fn number(value: i64, what: &str) -> StoreResult<u32> {
    u32::try_from(value).map_err(|_| StoreError::Corrupt(format!("{what} {value} out of range")))
}

fn review_item(row: &impl Columns) -> StoreResult<(String, ReviewItem)> {
    let revision = row.optional_integer("revision")?.unwrap_or(0);
    Ok((
        row.text("survey_id")?,
        ReviewItem {
            submission_id: row.text("submission_id")?,
            survey_version: number(row.integer("survey_version")?, "survey version")?,
            channel: row.text("channel")?,
            completed_on: row.text("completed_on")?,
            received_at: row.text("received_at")?,
            enumerator_id: row.optional_text("enumerator_id")?,
            cluster_id: row.optional_text("cluster_id")?,
            state: state_of(row.optional_text("state")?)?,
            reviewer: row.optional_text("reviewer")?,
            reason: row.optional_text("reason")?,
            reviewed_at: row.optional_text("reviewed_at")?,
            revision: number(revision, "revision")?,
            position: row.integer("seq")?,
        },
    ))
}

impl Store {
    /// Whether a survey's aggregates count approved interviews only.
    pub async fn review_policy(&self, survey_id: &str) -> StoreResult<bool> {
        with_pool!(self, pool => {
            let row = sqlx::query(POLICY).bind(survey_id).fetch_optional(pool).await?;
            Ok(match row { Some(row) => row.flag("approved_only")?, None => false })
        })
    }

    /// Sets a survey's counting rule, audited as done by `actor`; the facts
    /// are marked changed when the rule does change. Returns whether it did.
    pub async fn set_review_policy(
        &self,
        survey_id: &str,
        approved_only: bool,
        actor: &str,
    ) -> StoreResult<bool> {
        with_pool!(self, pool => {
            let mut transaction = pool.begin().await?;
            let row = sqlx::query(POLICY).bind(survey_id).fetch_optional(&mut *transaction).await?;
            let before = match row { Some(row) => row.flag("approved_only")?, None => false };
            sqlx::query(SET_POLICY).bind(survey_id).bind(approved_only).execute(&mut *transaction).await?;
            let changed = before != approved_only;
            if changed {
                sqlx::query(BUMP_GENERATION).bind(survey_id).execute(&mut *transaction).await?;
                let rule = if approved_only { "approved only" } else { "every valid one not rejected" };
                sqlx::query(INSERT_AUDIT).bind(now()).bind(actor).bind("review_policy_set")
                    .bind(format!("{survey_id}: {rule}")).execute(&mut *transaction).await?;
            }
            transaction.commit().await?;
            Ok(changed)
        })
    }

    /// A survey's saved flag rules, if any. A stored row that no longer
    /// reads as rules (edited by hand, say) counts as none, logged: the
    /// flags file then asks for rules instead of failing.
    pub async fn flag_rules(
        &self,
        survey_id: &str,
    ) -> StoreResult<Option<salama_shared::review::FlagRules>> {
        let text: Option<String> = with_pool!(self, pool => {
            let row = sqlx::query(FLAG_RULES).bind(survey_id).fetch_optional(pool).await?;
            match row { Some(row) => Some(row.try_get("rules")?), None => None }
        });
        Ok(text.and_then(|text| {
            match serde_json::from_str::<salama_shared::review::FlagRules>(&text) {
                Ok(rules) if rules.problems().is_empty() => Some(rules),
                _ => {
                    tracing::warn!(survey_id, "stored flag rules unreadable; counted as none");
                    None
                }
            }
        }))
    }

    /// Saves a survey's flag rules (checked by the caller), audited.
    pub async fn set_flag_rules(
        &self,
        survey_id: &str,
        rules: &salama_shared::review::FlagRules,
        actor: &str,
    ) -> StoreResult<()> {
        let text = serde_json::to_string(rules)
            .map_err(|e| StoreError::Corrupt(format!("flag rules: {e}")))?;
        with_pool!(self, pool => {
            let mut transaction = pool.begin().await?;
            sqlx::query(SET_FLAG_RULES).bind(survey_id).bind(&text).bind(actor).bind(now())
                .execute(&mut *transaction).await?;
            sqlx::query(INSERT_AUDIT).bind(now()).bind(actor).bind("flag_rules_set")
                .bind(format!("{survey_id}: {text}")).execute(&mut *transaction).await?;
            transaction.commit().await?;
            Ok(())
        })
    }

    /// A page of a survey's submissions for review, latest first.
    pub async fn review_list(
        &self,
        survey_id: &str,
        filter: &ReviewFilter,
    ) -> StoreResult<Vec<ReviewItem>> {
        with_pool!(self, pool => {
            let rows = sqlx::query(REVIEW_LIST)
                .bind(survey_id)
                .bind(filter.before.unwrap_or(i64::MAX))
                .bind(filter.state.map(ReviewState::as_str))
                .bind(filter.cluster_id.as_deref())
                .bind(filter.enumerator_id.as_deref())
                .bind(filter.supervisor.as_deref())
                .bind(i64::from(filter.limit))
                .fetch_all(pool)
                .await?;
            rows.iter().map(|row| review_item(row).map(|(_, item)| item)).collect()
        })
    }

    /// One submission's review, with its survey's id.
    pub async fn review_item(
        &self,
        submission_id: &str,
    ) -> StoreResult<Option<(String, ReviewItem)>> {
        with_pool!(self, pool => {
            let row = sqlx::query(REVIEW_ITEM).bind(submission_id).fetch_optional(pool).await?;
            row.as_ref().map(review_item).transpose()
        })
    }

    /// A submission's decisions and corrections, oldest first.
    pub async fn review_history(&self, submission_id: &str) -> StoreResult<Vec<ReviewEvent>> {
        with_pool!(self, pool => {
            let rows = sqlx::query(EVENTS).bind(submission_id).fetch_all(pool).await?;
            let mut events = Vec::with_capacity(rows.len());
            for row in &rows {
                events.push(ReviewEvent {
                    at: row.text("at")?,
                    actor: row.text("actor")?,
                    event: row.text("event")?,
                    reason: row.text("reason")?,
                    revision: number(row.integer("revision")?, "revision")?,
                });
            }
            Ok(events)
        })
    }

    /// A submission's corrected revisions, oldest first.
    pub async fn revisions(&self, submission_id: &str) -> StoreResult<Vec<Revision>> {
        with_pool!(self, pool => {
            let rows = sqlx::query(REVISIONS).bind(submission_id).fetch_all(pool).await?;
            let mut revisions = Vec::with_capacity(rows.len());
            for row in &rows {
                let changes = row.text("changes")?;
                revisions.push(Revision {
                    revision: number(row.integer("revision")?, "revision")?,
                    author: row.text("author")?,
                    reason: row.text("reason")?,
                    created_at: row.text("created_at")?,
                    changes: serde_json::from_str(&changes)
                        .map_err(|e| StoreError::Corrupt(format!("changes of {submission_id}: {e}")))?,
                });
            }
            Ok(revisions)
        })
    }

    /// Moves a submission to `next`, by `reviewer` with `reason`, audited;
    /// only from a state that allows it, and only if nobody decided
    /// meanwhile. The survey's facts are marked changed when what counts
    /// changes, in the same transaction.
    pub async fn review(
        &self,
        submission_id: &str,
        next: ReviewState,
        reviewer: &str,
        reason: &str,
    ) -> StoreResult<Reviewed> {
        let Some((survey_id, item)) = self.review_item(submission_id).await? else {
            return Ok(Reviewed::NotFound);
        };
        let at = now();
        with_pool!(self, pool => {
            let mut transaction = pool.begin().await?;
            let current: Option<String> = sqlx::query_scalar(REVIEW_STATE).bind(submission_id)
                .fetch_optional(&mut *transaction).await?;
            let current = state_of(current)?;
            if !current.can_become(next) {
                return Ok(Reviewed::WrongState(current));
            }
            let written = if current == ReviewState::Received {
                sqlx::query(FIRST_REVIEW).bind(submission_id).bind(&survey_id).bind(next.as_str())
                    .bind(reviewer).bind(reason).bind(&at).execute(&mut *transaction).await?
            } else {
                sqlx::query(NEXT_REVIEW).bind(submission_id).bind(current.as_str()).bind(next.as_str())
                    .bind(reviewer).bind(reason).bind(&at).execute(&mut *transaction).await?
            }.rows_affected();
            if written == 0 {
                // Decided by someone else between the read and the write.
                let now_state: Option<String> = sqlx::query_scalar(REVIEW_STATE).bind(submission_id)
                    .fetch_optional(&mut *transaction).await?;
                return Ok(Reviewed::WrongState(state_of(now_state)?));
            }
            sqlx::query(INSERT_EVENT).bind(submission_id).bind(&at).bind(reviewer).bind(next.as_str())
                .bind(reason).bind(i64::from(item.revision)).execute(&mut *transaction).await?;
            let approved_only: Option<bool> = sqlx::query_scalar(POLICY).bind(&survey_id)
                .fetch_optional(&mut *transaction).await?;
            let approved_only = approved_only.unwrap_or(false);
            if current.counts(approved_only) != next.counts(approved_only) {
                sqlx::query(BUMP_GENERATION).bind(&survey_id).execute(&mut *transaction).await?;
            }
            let detail = format!("{submission_id} ({survey_id}): {} -> {}; {}", current.as_str(), next.as_str(), salama_shared::text::shown(reason, 200));
            sqlx::query(INSERT_AUDIT).bind(&at).bind(reviewer).bind("submission_reviewed").bind(detail)
                .execute(&mut *transaction).await?;
            transaction.commit().await?;
        });
        Ok(Reviewed::Done(Box::new(ReviewItem {
            state: next,
            reviewer: Some(reviewer.to_owned()),
            reason: Some(reason.to_owned()),
            reviewed_at: Some(at),
            ..item
        })))
    }

    /// The latest revision of a stored submission.
    pub async fn latest_body(&self, submission_id: &str) -> StoreResult<Option<LatestBody>> {
        with_pool!(self, pool => {
            let row = sqlx::query(LATEST_BODY).bind(submission_id).fetch_optional(pool).await?;
            let Some(row) = row else { return Ok(None) };
            Ok(Some(LatestBody {
                survey_id: row.text("survey_id")?,
                channel: row.text("channel")?,
                survey_version: number(row.integer("survey_version")?, "survey version")?,
                revision: number(row.integer("revision")?, "revision")?,
                body: row.try_get_unchecked("body")?,
                content_sha256: row.text("content_sha256")?,
            }))
        })
    }

    /// Stores a corrected revision and puts its facts in place of the
    /// previous revision's, audited with every old and new value, in one
    /// transaction. `None` if another correction took the revision first.
    pub async fn correct(&self, new: &NewRevision<'_>) -> StoreResult<Option<u32>> {
        let at = now();
        let revision = new.from_revision + 1;
        let changes = serde_json::to_string(new.changes)
            .map_err(|e| StoreError::Corrupt(format!("changes do not serialise: {e}")))?;
        let Some((survey_id, item)) = self.review_item(new.submission_id).await? else {
            return Ok(None);
        };
        with_pool!(self, pool => {
            let mut transaction = pool.begin().await?;
            let inserted = sqlx::query(INSERT_REVISION).bind(new.submission_id).bind(i64::from(revision))
                .bind(new.body).bind(new.content_sha256).bind(new.author).bind(new.reason).bind(&changes).bind(&at)
                .execute(&mut *transaction).await?.rows_affected();
            if inserted == 0 {
                return Ok(None);
            }
            if new.resent {
                let reopened = sqlx::query(REOPEN).bind(new.submission_id).execute(&mut *transaction).await?.rows_affected();
                if reopened == 0 {
                    // Decided meanwhile: the resend is not taken.
                    return Ok(None);
                }
            }
            // The survey's count row first, as at ingest: fact sequence
            // numbers then commit in order on PostgreSQL.
            sqlx::query(ADD_FACT_UNITS).bind(&survey_id).bind(0_i64).execute(&mut *transaction).await?;
            let removed = sqlx::query(DELETE_SUBMISSION_FACTS).bind(new.submission_id)
                .execute(&mut *transaction).await?.rows_affected();
            let removed = i64::try_from(removed).unwrap_or(i64::MAX);
            let added = i64::try_from(new.facts.units.len()).unwrap_or(i64::MAX);
            sqlx::query(ADD_FACT_UNITS).bind(&survey_id).bind(added - removed).execute(&mut *transaction).await?;
            for insert in fact_inserts(new.submission_id, &survey_id, item.survey_version, &item.channel, new.facts) {
                insert.execute(&mut *transaction).await?;
            }
            sqlx::query(BUMP_GENERATION).bind(&survey_id).execute(&mut *transaction).await?;
            let (event, action) = if new.resent { ("resent", "submission_resent") } else { ("corrected", "submission_corrected") };
            sqlx::query(INSERT_EVENT).bind(new.submission_id).bind(&at).bind(new.author).bind(event)
                .bind(new.reason).bind(i64::from(revision)).execute(&mut *transaction).await?;
            let values: Vec<String> = new.changes.iter()
                .map(|change| format!("{}: {} -> {}", change.path, change.old, change.new))
                .collect();
            let detail = format!("{} ({survey_id}) revision {revision}: {}; {}", new.submission_id,
                salama_shared::text::shown(&values.join(", "), 2000), salama_shared::text::shown(new.reason, 200));
            sqlx::query(INSERT_AUDIT).bind(&at).bind(new.author).bind(action).bind(detail)
                .execute(&mut *transaction).await?;
            transaction.commit().await?;
        });
        Ok(Some(revision))
    }

    /// The ids of the interviews sent back to an enumerator (has issues),
    /// at most `limit`.
    pub async fn returned_to(&self, enumerator: &str, limit: u32) -> StoreResult<Vec<String>> {
        with_pool!(self, pool => Ok(sqlx::query_scalar(RETURNED).bind(enumerator).bind(i64::from(limit)).fetch_all(pool).await?))
    }

    /// Gives an enumerator a supervisor (or none), audited.
    pub async fn set_supervisor(
        &self,
        enumerator: &str,
        supervisor: Option<&str>,
        actor: &str,
    ) -> StoreResult<()> {
        with_pool!(self, pool => {
            let mut transaction = pool.begin().await?;
            match supervisor {
                Some(supervisor) => sqlx::query(SET_SUPERVISOR).bind(enumerator).bind(supervisor).execute(&mut *transaction).await?,
                None => sqlx::query(CLEAR_SUPERVISOR).bind(enumerator).execute(&mut *transaction).await?,
            };
            let detail = format!("{enumerator}: {}", supervisor.unwrap_or("none"));
            sqlx::query(INSERT_AUDIT).bind(now()).bind(actor).bind("supervisor_set").bind(detail)
                .execute(&mut *transaction).await?;
            transaction.commit().await?;
            Ok(())
        })
    }

    /// The enumerators a supervisor reviews, by name.
    pub async fn team(&self, supervisor: &str) -> StoreResult<Vec<String>> {
        with_pool!(self, pool => Ok(sqlx::query_scalar(TEAM).bind(supervisor).fetch_all(pool).await?))
    }

    /// Whether a cluster of a survey is assigned to one of the supervisor's
    /// enumerators.
    pub async fn supervises(
        &self,
        supervisor: &str,
        survey_id: &str,
        cluster_id: &str,
    ) -> StoreResult<bool> {
        let count: i64 = with_pool!(self, pool => sqlx::query_scalar(SUPERVISES).bind(survey_id)
            .bind(cluster_id).bind(supervisor).fetch_one(pool).await?);
        Ok(count > 0)
    }
}
