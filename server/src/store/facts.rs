//! Fact rows (what aggregation reads) and the sample design (strata,
//! clusters, weights). Facts are written with their submission, in the same
//! transaction; see `migrations/*/0003_facts_and_design.sql`.

use salama_shared::facts::UnitFacts;
use sqlx::query::Query;
use sqlx::{Database, Encode, Row, Type};

use super::dialect::Dialect;
use super::review::{ANY_REJECTED, Counting, POLICY};
use super::{Columns, Store, StoreError, StoreResult};

/// A submission's facts with the envelope fields aggregation filters on.
#[derive(Clone, Debug, Default)]
pub struct SubmissionFacts {
    /// The interview's local date, `YYYY-MM-DD`.
    pub completed_on: String,
    pub enumerator_id: Option<String>,
    pub cluster_id: Option<String>,
    pub units: Vec<UnitFacts>,
}

/// One fact row as aggregation loads it, with the design joined in.
#[derive(Clone, Debug, PartialEq)]
pub struct FactRow {
    pub seq: i64,
    pub submission_id: String,
    pub unit: i64,
    pub channel: String,
    pub completed_on: String,
    pub enumerator_id: Option<String>,
    pub cluster_id: Option<String>,
    pub stratum: Option<String>,
    pub weight: Option<f64>,
    pub sex: Option<String>,
    pub age: Option<i64>,
    pub area: Option<String>,
    pub disability: Option<bool>,
    pub displacement: Option<String>,
    pub urban_rural: Option<String>,
    pub outcomes: String,
}

/// How many fact rows a survey has, and the generation that changes when
/// they change other than by appending.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FactState {
    pub units: i64,
    pub generation: i64,
}

/// A weight (and possibly a stratum) from an uploaded design file.
#[derive(Clone, Debug, PartialEq)]
pub enum DesignEntry {
    /// `None` leaves what the cluster has: a file that gives only weights
    /// keeps the strata an earlier one gave, and the other way round.
    Cluster {
        cluster_id: String,
        stratum: Option<String>,
        weight: Option<f64>,
    },
    Submission {
        submission_id: String,
        weight: f64,
    },
}

/// Separates the submissions of a microdata page.
pub const MICRODATA_SEPARATOR: char = '\u{1e}';

/// Which units a load reads: respondents (unit 0) or household members.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnitLevel {
    Respondents,
    Members,
}

pub(super) const INSERT_FACT: &str = "INSERT INTO fact_units \
     (submission_id, unit, survey_id, survey_version, channel, completed_on, enumerator_id, cluster_id, \
      sex, age, area, disability, displacement, urban_rural, outcomes) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)";
pub(super) const ADD_FACT_UNITS: &str = "INSERT INTO fact_state (survey_id, units, generation) \
     VALUES ($1, $2, 0) ON CONFLICT (survey_id) DO UPDATE SET units = fact_state.units + excluded.units";
const FACT_STATE: &str = "SELECT units, generation FROM fact_state WHERE survey_id = $1";
pub(super) const BUMP_GENERATION: &str = "INSERT INTO fact_state (survey_id, units, generation) \
     VALUES ($1, 0, 1) ON CONFLICT (survey_id) DO UPDATE SET generation = fact_state.generation + 1";
const RESET_FACT_STATE: &str = "INSERT INTO fact_state (survey_id, units, generation) \
     VALUES ($1, $2, 1) ON CONFLICT (survey_id) DO UPDATE SET units = excluded.units, \
     generation = fact_state.generation + 1";
const DELETE_FACTS: &str = "DELETE FROM fact_units WHERE survey_id = $1";
/// Fact rows are read a page at a time, each page as one text value (rows
/// split by 0x1E, fields by 0x1F, NULL as 0x18): decoding a million rows one
/// by one costs ~25 µs each, a page of text a small fraction of that.
/// Codes, ids and dates never hold these control characters; a row that
/// does (written by hand) makes its page read again row by row: these are
/// the rows, [`fact_page`] is the page.
/// Only the rows of submissions that count (`counting`) are read.
fn fact_lines(dialect: &Dialect, counting: Counting) -> String {
    format!(
        "SELECT f.seq, f.submission_id, {} AS line \
         FROM fact_units f \
         LEFT JOIN design_clusters c ON c.survey_id = f.survey_id AND c.cluster_id = f.cluster_id \
         LEFT JOIN design_submission_weights w ON w.survey_id = f.survey_id AND w.submission_id = f.submission_id \
         WHERE f.survey_id = $1 AND f.seq > $2 AND ((f.unit = 0) = $3){} ORDER BY f.seq LIMIT $4",
        dialect.fact_line,
        counting.condition("f.submission_id")
    )
}

/// A page of fact rows as one text value, with how many rows it holds: a
/// 0x1E inside a column shows as one line too many.
fn fact_page(dialect: &Dialect, lines: &str) -> String {
    format!(
        "SELECT max(seq) AS last, count(*) AS count, {} AS lines FROM ({lines}) AS page",
        dialect.joined_lines
    )
}

const LOAD_PAGE: i64 = 50_000;

/// [`fact_lines`] or [`fact_page`] bound to read the page after `after`.
fn page_after<'q, DB: Database>(
    query: &'q str,
    survey_id: &'q str,
    after: i64,
    respondents: bool,
) -> Query<'q, DB, DB::Arguments<'q>>
where
    &'q str: Encode<'q, DB> + Type<DB>,
    i64: Encode<'q, DB> + Type<DB>,
    bool: Encode<'q, DB> + Type<DB>,
{
    sqlx::query(query)
        .bind(survey_id)
        .bind(after)
        .bind(respondents)
        .bind(LOAD_PAGE)
}

/// One fact row from its line in a loaded page; `None` if it does not read.
fn fact_row(line: &str) -> Option<FactRow> {
    let fields: Vec<&str> = line.split('\u{1f}').collect();
    let [
        seq,
        submission_id,
        unit,
        channel,
        completed_on,
        enumerator_id,
        cluster_id,
        stratum,
        weight,
        sex,
        age,
        area,
        disability,
        displacement,
        urban_rural,
        outcomes,
    ] = fields[..]
    else {
        return None;
    };
    let text = |field: &str| (field != "\u{18}").then(|| field.to_owned());
    let number = |field: &str| -> Option<Option<i64>> {
        match text(field) {
            Some(number) => number.parse().ok().map(Some),
            None => Some(None),
        }
    };
    Some(FactRow {
        seq: seq.parse().ok()?,
        submission_id: submission_id.to_owned(),
        unit: unit.parse().ok()?,
        channel: channel.to_owned(),
        completed_on: completed_on.to_owned(),
        enumerator_id: text(enumerator_id),
        cluster_id: text(cluster_id),
        stratum: text(stratum),
        weight: match text(weight) {
            Some(weight) => Some(weight.parse().ok()?),
            None => None,
        },
        sex: text(sex),
        age: number(age)?,
        area: text(area),
        disability: number(disability)?.map(|d| d != 0),
        displacement: text(displacement),
        urban_rural: text(urban_rural),
        outcomes: outcomes.to_owned(),
    })
}

/// The rows of a page read as one text value, if every line is one
/// readable row.
fn fact_page_rows(lines: &str, count: i64) -> Option<Vec<FactRow>> {
    let rows: Vec<FactRow> = lines.split('\u{1e}').map(fact_row).collect::<Option<_>>()?;
    (i64::try_from(rows.len()).ok() == Some(count)).then_some(rows)
}

pub(super) const UPSERT_CLUSTER: &str = "INSERT INTO design_clusters (survey_id, cluster_id, stratum, weight) \
     VALUES ($1, $2, $3, $4) ON CONFLICT (survey_id, cluster_id) \
     DO UPDATE SET stratum = COALESCE(excluded.stratum, design_clusters.stratum), \
     weight = COALESCE(excluded.weight, design_clusters.weight)";
pub(super) const UPSERT_SUBMISSION_WEIGHT: &str = "INSERT INTO design_submission_weights (survey_id, submission_id, weight) \
     VALUES ($1, $2, $3) ON CONFLICT (survey_id, submission_id) DO UPDATE SET weight = excluded.weight";
/// The maintenance task that (re)builds facts from stored submissions.
pub const FACTS_BACKFILL: &str = "facts_backfill";
const MARK_TASK: &str =
    "INSERT INTO pending_maintenance (task) VALUES ($1) ON CONFLICT (task) DO NOTHING";
const PENDING_TASK: &str = "SELECT COUNT(*) FROM pending_maintenance WHERE task = $1";
const DONE_TASK: &str = "DELETE FROM pending_maintenance WHERE task = $1";
const SURVEYS_WITH_SUBMISSIONS: &str =
    "SELECT DISTINCT survey_id FROM submissions ORDER BY survey_id";
/// A page of raw submissions in one row: per-row overhead dominates
/// reading millions of small bodies. JSON text cannot hold a raw 0x1E, so
/// it separates them.
fn microdata_page(dialect: &Dialect, counting: Counting) -> String {
    format!(
        "SELECT max(submission_id) AS last, {} AS bodies FROM ({}) AS page",
        dialect.joined_bodies,
        submission_bodies(counting)
    )
}

/// Each submission's latest revision (a correction's, else the body as
/// received), of those that count, by id: `$1` survey, `$2` after, `$3` limit.
fn submission_bodies(counting: Counting) -> String {
    format!(
        "SELECT s.submission_id AS submission_id, \
         COALESCE((SELECT v.body FROM submission_revisions v WHERE v.submission_id = s.submission_id \
                   ORDER BY v.revision DESC LIMIT 1), s.body) AS body \
         FROM submissions s WHERE s.survey_id = $1 AND s.submission_id > $2{} \
         ORDER BY s.submission_id LIMIT $3",
        counting.condition("s.submission_id")
    )
}
const SUBMISSION_WEIGHTS_BETWEEN: &str = "SELECT submission_id, weight FROM design_submission_weights \
     WHERE survey_id = $1 AND submission_id > $2 AND submission_id <= $3";
const DESIGN_CLUSTERS: &str =
    "SELECT cluster_id, stratum, weight FROM design_clusters WHERE survey_id = $1";

/// [`INSERT_FACT`] bound for every unit of a submission, for whichever
/// database runs them.
pub(super) fn fact_inserts<'q, DB: Database>(
    submission_id: &'q str,
    survey_id: &'q str,
    version: u32,
    channel: &'q str,
    facts: &'q SubmissionFacts,
) -> impl Iterator<Item = Query<'q, DB, DB::Arguments<'q>>>
where
    &'q str: Encode<'q, DB> + Type<DB>,
    Option<&'q str>: Encode<'q, DB> + Type<DB>,
    String: Encode<'q, DB> + Type<DB>,
    i64: Encode<'q, DB> + Type<DB>,
    Option<i64>: Encode<'q, DB> + Type<DB>,
{
    facts.units.iter().map(move |unit| {
        sqlx::query(INSERT_FACT)
            .bind(submission_id)
            .bind(i64::from(unit.unit))
            .bind(survey_id)
            .bind(i64::from(version))
            .bind(channel)
            .bind(facts.completed_on.as_str())
            .bind(facts.enumerator_id.as_deref())
            .bind(facts.cluster_id.as_deref())
            .bind(unit.sex.as_deref())
            .bind(unit.age)
            .bind(unit.area.as_deref())
            .bind(unit.disability.map(i64::from))
            .bind(unit.displacement.as_deref())
            .bind(unit.urban_rural.as_deref())
            .bind(salama_shared::facts::encode_outcomes(&unit.outcomes))
    })
}

fn fact_state(row: &impl Columns) -> StoreResult<FactState> {
    Ok(FactState {
        units: row.integer("units")?,
        generation: row.integer("generation")?,
    })
}

impl Store {
    pub async fn fact_state(&self, survey_id: &str) -> StoreResult<FactState> {
        with_pool!(self, pool => {
            let row = sqlx::query(FACT_STATE).bind(survey_id).fetch_optional(pool).await?;
            Ok(row.as_ref().map(fact_state).transpose()?.unwrap_or_default())
        })
    }

    /// The fact rows after `after_seq`, with the design joined in, and the
    /// state they belong to, read in one snapshot so a caller can tell
    /// whether what it holds plus these rows is the whole.
    /// A row that does not read is left out and logged by submission id.
    pub async fn load_facts(
        &self,
        survey_id: &str,
        level: UnitLevel,
        after_seq: i64,
    ) -> StoreResult<(FactState, Vec<FactRow>)> {
        let mut rows = Vec::new();
        let (state, unreadable) = self
            .load_fact_rows(survey_id, level, after_seq, &mut |row| rows.push(row))
            .await?;
        for submission_id in &unreadable {
            crate::skipped::log_skipped(
                submission_id,
                crate::skipped::SkipReason::Unreadable,
                "aggregates",
            );
        }
        crate::skipped::count_skipped(unreadable.len());
        Ok((state, rows))
    }

    /// The submissions whose fact rows (at either level) do not read,
    /// outcomes included, each once.
    pub async fn unreadable_facts(&self, survey_id: &str) -> StoreResult<Vec<String>> {
        let mut unreadable = Vec::new();
        for level in [UnitLevel::Respondents, UnitLevel::Members] {
            // Rows are looked at one by one and not kept: a survey's facts
            // can be millions of rows.
            let mut undecodable = Vec::new();
            let (_, unreadable_rows) = self
                .load_fact_rows(survey_id, level, 0, &mut |row| {
                    if salama_shared::facts::decode_outcomes(&row.outcomes).is_none() {
                        undecodable.push(row.submission_id);
                    }
                })
                .await?;
            unreadable.extend(unreadable_rows);
            unreadable.extend(undecodable);
        }
        unreadable.sort_unstable();
        unreadable.dedup();
        Ok(unreadable)
    }

    /// Hands each readable row after `after_seq` to `each`, in order, and
    /// returns the state they belong to and the submissions whose rows do
    /// not read.
    async fn load_fact_rows(
        &self,
        survey_id: &str,
        level: UnitLevel,
        after_seq: i64,
        each: &mut (dyn FnMut(FactRow) + Send),
    ) -> StoreResult<(FactState, Vec<String>)> {
        let respondents = level == UnitLevel::Respondents;
        with_pool!(self, pool => {
            let mut transaction = pool.begin().await?;
            if let Some(snapshot) = self.dialect.snapshot {
                sqlx::query(snapshot).execute(&mut *transaction).await?;
            }
            // What counts is read in the snapshot the rows are: a decision
            // committed meanwhile bumps the generation read below too.
            let approved_only: Option<bool> = sqlx::query_scalar(POLICY).bind(survey_id)
                .fetch_optional(&mut *transaction).await?;
            let rejected: i64 = sqlx::query_scalar(ANY_REJECTED).bind(survey_id)
                .fetch_one(&mut *transaction).await?;
            let load_lines = fact_lines(self.dialect, Counting::of(approved_only, rejected > 0));
            let load_page = fact_page(self.dialect, &load_lines);
            let row = sqlx::query(FACT_STATE)
                .bind(survey_id)
                .fetch_optional(&mut *transaction)
                .await?;
            let state = row.as_ref().map(fact_state).transpose()?.unwrap_or_default();
            let mut unreadable = Vec::new();
            let mut after = after_seq;
            loop {
                let page = page_after(&load_page, survey_id, after, respondents)
                    .fetch_one(&mut *transaction)
                    .await?;
                let last: Option<i64> = page.try_get("last")?;
                let Some(last) = last else { break };
                let count: i64 = page.try_get("count")?;
                // Text that is not UTF-8 (SQLite keeps what it is given)
                // fails the page as text.
                let lines: Option<String> = page.try_get("lines").ok().flatten();
                match lines.as_deref().and_then(|lines| fact_page_rows(lines, count)) {
                    Some(rows) => rows.into_iter().for_each(&mut *each),
                    None => {
                        // Row by row, each named by its own id, so a
                        // separator inside a column cannot blame another
                        // row or show a column as an id.
                        let rows = page_after(&load_lines, survey_id, after, respondents)
                            .fetch_all(&mut *transaction)
                            .await?;
                        for row in rows {
                            let line: Option<String> = row.try_get("line").ok();
                            let line = line.filter(|line| !line.contains('\u{1e}'));
                            match line.as_deref().and_then(fact_row) {
                                Some(fact) => each(fact),
                                None => unreadable.push(
                                    row.try_get::<String, _>("submission_id").map_or_else(
                                        |_| "?".to_owned(),
                                        |id| id.chars().take(64).collect(),
                                    ),
                                ),
                            }
                        }
                    }
                }
                after = last;
            }
            transaction.commit().await?;
            Ok((state, unreadable))
        })
    }

    /// Stores uploaded design entries in one transaction and marks the
    /// survey's facts as changed, so aggregates read the new weights; no
    /// line in the design history (see [`Store::store_design`]).
    pub async fn upsert_design(&self, survey_id: &str, entries: &[DesignEntry]) -> StoreResult<()> {
        let change = super::fieldwork::DesignChange {
            entries,
            clear_cluster_weights: &[],
            delete_submission_weights: &[],
            record: None,
        };
        self.store_design(survey_id, &change).await
    }

    /// Which of `ids` are stored submissions of the survey.
    pub async fn stored_submissions(
        &self,
        survey_id: &str,
        ids: &[String],
    ) -> StoreResult<std::collections::HashSet<String>> {
        let mut stored = std::collections::HashSet::new();
        // Well under both backends' limits on bound parameters.
        for chunk in ids.chunks(500) {
            with_pool!(self, pool => {
                let mut query = sqlx::QueryBuilder::new(
                    "SELECT submission_id FROM submissions WHERE survey_id = ",
                );
                query.push_bind(survey_id).push(" AND submission_id IN (");
                let mut list = query.separated(", ");
                for id in chunk {
                    list.push_bind(id);
                }
                list.push_unseparated(")");
                let found: Vec<String> = query.build_query_scalar().fetch_all(pool).await?;
                stored.extend(found);
            });
        }
        Ok(stored)
    }

    /// Whether a one-off maintenance task (set by a migration) is pending.
    pub async fn maintenance_pending(&self, task: &str) -> StoreResult<bool> {
        let count: i64 = with_pool!(self, pool => sqlx::query_scalar(PENDING_TASK).bind(task).fetch_one(pool).await?);
        Ok(count > 0)
    }

    pub async fn maintenance_done(&self, task: &str) -> StoreResult<()> {
        with_pool!(self, pool => { sqlx::query(DONE_TASK).bind(task).execute(pool).await?; });
        Ok(())
    }

    pub async fn surveys_with_submissions(&self) -> StoreResult<Vec<String>> {
        with_pool!(self, pool => Ok(sqlx::query_scalar(SURVEYS_WITH_SUBMISSIONS).fetch_all(pool).await?))
    }

    /// Which of a survey's submissions count now.
    async fn counting(&self, survey_id: &str) -> StoreResult<Counting> {
        with_pool!(self, pool => {
            let approved_only: Option<bool> = sqlx::query_scalar(POLICY).bind(survey_id).fetch_optional(pool).await?;
            let rejected: i64 = sqlx::query_scalar(ANY_REJECTED).bind(survey_id).fetch_one(pool).await?;
            Ok(Counting::of(approved_only, rejected > 0))
        })
    }

    /// Up to `limit` stored submissions of a survey after `after_id`, by id,
    /// each as its latest revision.
    pub async fn submission_bodies(
        &self,
        survey_id: &str,
        after_id: &str,
        limit: u32,
    ) -> StoreResult<Vec<(String, Vec<u8>)>> {
        self.submission_bodies_counted(survey_id, after_id, limit, Counting::Every)
            .await
    }

    /// [`Store::submission_bodies`] of the submissions that count.
    async fn submission_bodies_counted(
        &self,
        survey_id: &str,
        after_id: &str,
        limit: u32,
        counting: Counting,
    ) -> StoreResult<Vec<(String, Vec<u8>)>> {
        let query = submission_bodies(counting);
        with_pool!(self, pool => {
            let rows = sqlx::query(&query).bind(survey_id).bind(after_id).bind(i64::from(limit)).fetch_all(pool).await?;
            let mut bodies = Vec::with_capacity(rows.len());
            for row in rows {
                // Unchecked: SQLite keeps a value of any type where a body
                // goes; read as bytes, such a body is skipped as unreadable
                // instead of failing every reader.
                bodies.push((row.try_get("submission_id")?, row.try_get_unchecked("body")?));
            }
            Ok(bodies)
        })
    }

    /// Up to `limit` raw submissions after `after_id` (by id), joined by
    /// [`MICRODATA_SEPARATOR`], and the last id; `None` after the last page.
    pub async fn microdata_page(
        &self,
        survey_id: &str,
        after_id: &str,
        limit: u32,
    ) -> StoreResult<Option<(String, String)>> {
        let counting = self.counting(survey_id).await?;
        let query = microdata_page(self.dialect, counting);
        let page: Result<Option<(String, String)>, sqlx::Error> = with_pool!(self, pool => async {
            let row = sqlx::query(&query).bind(survey_id).bind(after_id).bind(i64::from(limit)).fetch_one(pool).await?;
            let last: Option<String> = row.try_get("last")?;
            let bodies: Option<String> = row.try_get("bodies")?;
            Ok(last.zip(bodies))
        }.await);
        match page {
            Ok(page) => Ok(page),
            // A body that is not UTF-8 (written by hand: the API stores only
            // JSON it has read) fails the whole page as text. Read the page
            // row by row instead; such a body becomes an empty one, which
            // the reader skips and counts.
            Err(error) => {
                tracing::warn!(survey = survey_id, error = %error, "a microdata page does not read as text; reading it row by row");
                let rows = self
                    .submission_bodies_counted(survey_id, after_id, limit, counting)
                    .await?;
                let Some((last, _)) = rows.last() else {
                    return Ok(None);
                };
                let last = last.clone();
                let mut bodies = String::new();
                for (index, (_, body)) in rows.iter().enumerate() {
                    if index > 0 {
                        bodies.push(MICRODATA_SEPARATOR);
                    }
                    if let Ok(text) = std::str::from_utf8(body) {
                        bodies.push_str(text);
                    }
                }
                Ok(Some((last, bodies)))
            }
        }
    }

    /// Weights uploaded for single submissions with ids in `(after, up_to]`.
    pub async fn submission_weights_between(
        &self,
        survey_id: &str,
        after: &str,
        up_to: &str,
    ) -> StoreResult<Vec<(String, f64)>> {
        with_pool!(self, pool => {
            let rows = sqlx::query(SUBMISSION_WEIGHTS_BETWEEN).bind(survey_id).bind(after).bind(up_to).fetch_all(pool).await?;
            let mut weights = Vec::with_capacity(rows.len());
            for row in rows {
                weights.push((row.try_get("submission_id")?, row.try_get("weight")?));
            }
            Ok(weights)
        })
    }

    /// The clusters of a survey's design: (cluster, stratum, weight).
    pub async fn design_clusters(
        &self,
        survey_id: &str,
    ) -> StoreResult<Vec<(String, Option<String>, Option<f64>)>> {
        with_pool!(self, pool => {
            let rows = sqlx::query(DESIGN_CLUSTERS).bind(survey_id).fetch_all(pool).await?;
            let mut clusters = Vec::with_capacity(rows.len());
            for row in rows {
                clusters.push((row.try_get("cluster_id")?, row.try_get("stratum")?, row.try_get("weight")?));
            }
            Ok(clusters)
        })
    }

    /// Starts rebuilding a survey's facts: drops them and marks the
    /// rebuild pending, so an interrupted one is redone at the next start.
    pub async fn begin_facts_rebuild(&self, survey_id: &str) -> StoreResult<()> {
        with_pool!(self, pool => {
            let mut transaction = pool.begin().await?;
            sqlx::query(DELETE_FACTS).bind(survey_id).execute(&mut *transaction).await?;
            sqlx::query(RESET_FACT_STATE).bind(survey_id).bind(0_i64).execute(&mut *transaction).await?;
            sqlx::query(MARK_TASK).bind(FACTS_BACKFILL).execute(&mut *transaction).await?;
            transaction.commit().await?;
            Ok(())
        })
    }

    /// Adds the facts of stored submissions (submission id, survey
    /// version, channel, facts) in one transaction. A submission whose facts
    /// are there already is left as it is: one that arrived while the
    /// rebuild ran was given its facts by its own transaction, and two
    /// instances rebuilding at once write each submission's facts once.
    pub async fn append_facts(
        &self,
        survey_id: &str,
        rebuilt: &[(String, u32, String, SubmissionFacts)],
    ) -> StoreResult<()> {
        let ids: Vec<&str> = rebuilt.iter().map(|(id, _, _, _)| id.as_str()).collect();
        with_pool!(self, pool => {
            let mut transaction = pool.begin().await?;
            // The survey's count row is locked first, as in
            // `insert_submissions`: no submission of the survey can then
            // add facts between the look below and the inserts.
            sqlx::query(ADD_FACT_UNITS).bind(survey_id).bind(0_i64).execute(&mut *transaction).await?;
            let mut present = std::collections::HashSet::new();
            for chunk in ids.chunks(500) {
                let mut query = sqlx::QueryBuilder::new(
                    "SELECT DISTINCT submission_id FROM fact_units WHERE submission_id IN (",
                );
                let mut list = query.separated(", ");
                for id in chunk {
                    list.push_bind(*id);
                }
                list.push_unseparated(")");
                let found: Vec<String> = query.build_query_scalar().fetch_all(&mut *transaction).await?;
                present.extend(found);
            }
            let missing: Vec<&(String, u32, String, SubmissionFacts)> =
                rebuilt.iter().filter(|(id, _, _, _)| !present.contains(id)).collect();
            let units: usize = missing.iter().map(|(_, _, _, facts)| facts.units.len()).sum();
            let units = i64::try_from(units).map_err(|_| StoreError::Corrupt("too many facts".into()))?;
            sqlx::query(ADD_FACT_UNITS).bind(survey_id).bind(units).execute(&mut *transaction).await?;
            for (id, version, channel, facts) in missing {
                for insert in fact_inserts(id, survey_id, *version, channel, facts) {
                    insert.execute(&mut *transaction).await?;
                }
            }
            transaction.commit().await?;
            Ok(())
        })
    }
}
