//! What the console's fieldwork page reads and keeps: interviews counted per
//! cluster with the weight each carries, households targeted per cluster,
//! and each design file stored with what it changed (migration 0007).

pub use salama_shared::design_upload::DesignUpload;
use sqlx::Row;

use super::facts::{BUMP_GENERATION, DesignEntry, UPSERT_CLUSTER, UPSERT_SUBMISSION_WEIGHT};
use super::{Store, StoreResult, now};

/// The respondents (unit 0) of one cluster, or of none (`cluster: None`:
/// online answers and interviews without a cluster), with the weights the
/// aggregates would give them: a submission's own, else its cluster's.
#[derive(Clone, Debug, PartialEq)]
pub struct ClusterCount {
    pub cluster: Option<String>,
    pub stratum: Option<String>,
    pub interviews: i64,
    /// Of those, interviews carrying a weight.
    pub weighted: i64,
    pub sum_of_weights: f64,
}

/// A design file to store: its entries, the weights it takes away, and the
/// history row it leaves.
pub struct DesignChange<'a> {
    pub entries: &'a [DesignEntry],
    /// Clusters whose weight is cleared (their stratum stays: strata also
    /// come from assignments).
    pub clear_cluster_weights: &'a [String],
    /// Submissions whose own weight is deleted.
    pub delete_submission_weights: &'a [String],
    /// The history's line; `None` for a design written by other means.
    pub record: Option<DesignRecord<'a>>,
}

/// Who stored a design file, what its rows named, how many it changed.
pub struct DesignRecord<'a> {
    pub uploaded_by: &'a str,
    pub keyed_by: &'a str,
    pub changed: usize,
}

const CLUSTER_COUNTS: &str = "SELECT f.cluster_id AS cluster_id, c.stratum AS stratum, \
     count(*) AS interviews, count(COALESCE(w.weight, c.weight)) AS weighted, \
     sum(COALESCE(w.weight, c.weight)) AS sum_of_weights \
     FROM fact_units f \
     LEFT JOIN design_clusters c ON c.survey_id = f.survey_id AND c.cluster_id = f.cluster_id \
     LEFT JOIN design_submission_weights w ON w.survey_id = f.survey_id AND w.submission_id = f.submission_id \
     WHERE f.survey_id = $1 AND f.unit = 0 GROUP BY f.cluster_id, c.stratum ORDER BY f.cluster_id";
const TARGETS: &str = "SELECT cluster_id, target_households FROM design_clusters \
     WHERE survey_id = $1 AND target_households IS NOT NULL";
/// A target from the clusters file; the cluster's stratum and weight stay.
pub(super) const CLUSTER_TARGET: &str = "INSERT INTO design_clusters (survey_id, cluster_id, stratum, weight, target_households) \
     VALUES ($1, $2, NULL, NULL, $3) ON CONFLICT (survey_id, cluster_id) \
     DO UPDATE SET target_households = excluded.target_households";
const SUBMISSION_WEIGHTS: &str = "SELECT submission_id, weight FROM design_submission_weights \
     WHERE survey_id = $1 ORDER BY submission_id";
const CLEAR_CLUSTER_WEIGHT: &str =
    "UPDATE design_clusters SET weight = NULL WHERE survey_id = $1 AND cluster_id = $2";
const DELETE_SUBMISSION_WEIGHT: &str =
    "DELETE FROM design_submission_weights WHERE survey_id = $1 AND submission_id = $2";
const RECORD_UPLOAD: &str = "INSERT INTO design_uploads \
     (survey_id, uploaded_by, uploaded_at, keyed_by, row_count, changed, removed) \
     VALUES ($1, $2, $3, $4, $5, $6, $7)";
const UPLOADS: &str = "SELECT uploaded_by, uploaded_at, keyed_by, row_count, changed, removed \
     FROM design_uploads WHERE survey_id = $1 ORDER BY id DESC LIMIT $2";

fn count(number: usize) -> i64 {
    i64::try_from(number).unwrap_or(i64::MAX)
}

impl Store {
    /// Respondents per cluster with their weights; counts only.
    pub async fn cluster_counts(&self, survey_id: &str) -> StoreResult<Vec<ClusterCount>> {
        with_pool!(self, pool => {
            let rows = sqlx::query(CLUSTER_COUNTS).bind(survey_id).fetch_all(pool).await?;
            let mut counts = Vec::with_capacity(rows.len());
            for row in rows {
                let sum: Option<f64> = row.try_get("sum_of_weights")?;
                counts.push(ClusterCount {
                    cluster: row.try_get("cluster_id")?,
                    stratum: row.try_get("stratum")?,
                    interviews: row.try_get("interviews")?,
                    weighted: row.try_get("weighted")?,
                    sum_of_weights: sum.unwrap_or(0.0),
                });
            }
            Ok(counts)
        })
    }

    /// The households each cluster's interviews should reach, where the
    /// clusters file gave a number.
    pub async fn cluster_targets(&self, survey_id: &str) -> StoreResult<Vec<(String, i64)>> {
        with_pool!(self, pool => {
            let rows = sqlx::query(TARGETS).bind(survey_id).fetch_all(pool).await?;
            let mut targets = Vec::with_capacity(rows.len());
            for row in rows {
                targets.push((row.try_get("cluster_id")?, row.try_get("target_households")?));
            }
            Ok(targets)
        })
    }

    /// Every weight uploaded for a single submission of the survey.
    pub async fn submission_weights(&self, survey_id: &str) -> StoreResult<Vec<(String, f64)>> {
        with_pool!(self, pool => {
            let rows = sqlx::query(SUBMISSION_WEIGHTS).bind(survey_id).fetch_all(pool).await?;
            let mut weights = Vec::with_capacity(rows.len());
            for row in rows {
                weights.push((row.try_get("submission_id")?, row.try_get("weight")?));
            }
            Ok(weights)
        })
    }

    /// Stores a design file whole or not at all: its entries, the weights
    /// it removes, and its line in the history; aggregates read it at once.
    pub async fn store_design(
        &self,
        survey_id: &str,
        change: &DesignChange<'_>,
    ) -> StoreResult<()> {
        let at = now();
        let removed = change.clear_cluster_weights.len() + change.delete_submission_weights.len();
        with_pool!(self, pool => {
            let mut transaction = pool.begin().await?;
            for entry in change.entries {
                match entry {
                    DesignEntry::Cluster { cluster_id, stratum, weight } => {
                        sqlx::query(UPSERT_CLUSTER).bind(survey_id).bind(cluster_id).bind(stratum.as_deref()).bind(*weight)
                            .execute(&mut *transaction).await?;
                    }
                    DesignEntry::Submission { submission_id, weight } => {
                        sqlx::query(UPSERT_SUBMISSION_WEIGHT).bind(survey_id).bind(submission_id).bind(*weight)
                            .execute(&mut *transaction).await?;
                    }
                }
            }
            for cluster in change.clear_cluster_weights {
                sqlx::query(CLEAR_CLUSTER_WEIGHT).bind(survey_id).bind(cluster)
                    .execute(&mut *transaction).await?;
            }
            for submission in change.delete_submission_weights {
                sqlx::query(DELETE_SUBMISSION_WEIGHT).bind(survey_id).bind(submission)
                    .execute(&mut *transaction).await?;
            }
            if let Some(record) = &change.record {
                sqlx::query(RECORD_UPLOAD)
                    .bind(survey_id)
                    .bind(record.uploaded_by)
                    .bind(&at)
                    .bind(record.keyed_by)
                    .bind(count(change.entries.len()))
                    .bind(count(record.changed))
                    .bind(count(removed))
                    .execute(&mut *transaction)
                    .await?;
            }
            sqlx::query(BUMP_GENERATION).bind(survey_id).execute(&mut *transaction).await?;
            transaction.commit().await?;
            Ok(())
        })
    }

    /// The survey's last `limit` design files stored, newest first.
    pub async fn design_uploads(
        &self,
        survey_id: &str,
        limit: u32,
    ) -> StoreResult<Vec<DesignUpload>> {
        with_pool!(self, pool => {
            let rows = sqlx::query(UPLOADS).bind(survey_id).bind(i64::from(limit)).fetch_all(pool).await?;
            let mut uploads = Vec::with_capacity(rows.len());
            for row in rows {
                uploads.push(DesignUpload {
                    uploaded_by: row.try_get("uploaded_by")?,
                    uploaded_at: row.try_get("uploaded_at")?,
                    keyed_by: row.try_get("keyed_by")?,
                    rows: row.try_get("row_count")?,
                    changed: row.try_get("changed")?,
                    removed: row.try_get("removed")?,
                });
            }
            Ok(uploads)
        })
    }
}
