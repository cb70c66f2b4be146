//! Enumerators' assignments: survey, cluster, stratum, area.

use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::facts::BUMP_GENERATION;
use super::fieldwork::CLUSTER_TARGET;
use super::{Store, StoreResult, now};

/// One cluster of one survey given to one enumerator.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Assignment {
    pub survey_id: String,
    pub cluster_id: String,
    pub enumerator: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stratum: Option<String>,
    /// The cluster's admin area (a code of the survey's area tree).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub area: Option<String>,
}

const UPSERT_ASSIGNMENT: &str = "INSERT INTO assignments (survey_id, cluster_id, user_name, stratum, area, assigned_at) \
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (survey_id, cluster_id, user_name) \
     DO UPDATE SET stratum = excluded.stratum, area = excluded.area";
/// The stratum an assignment names becomes the cluster's in the design;
/// an uploaded weight is kept.
const CLUSTER_STRATUM: &str = "INSERT INTO design_clusters (survey_id, cluster_id, stratum, weight) \
     VALUES ($1, $2, $3, NULL) ON CONFLICT (survey_id, cluster_id) DO UPDATE SET stratum = excluded.stratum";
const ASSIGNMENTS_OF: &str = "SELECT survey_id, cluster_id, user_name, stratum, area FROM assignments \
     WHERE user_name = $1 ORDER BY survey_id, cluster_id";
const DELETE_ASSIGNMENT: &str =
    "DELETE FROM assignments WHERE survey_id = $1 AND cluster_id = $2 AND user_name = $3";
const ASSIGNMENTS_FOR: &str = "SELECT survey_id, cluster_id, user_name, stratum, area FROM assignments \
     WHERE survey_id = $1 ORDER BY cluster_id, user_name";

impl Store {
    /// Stores assignments in one transaction; strata they name go into the
    /// survey design, so aggregates use them at once.
    pub async fn assign(&self, survey_id: &str, assignments: &[Assignment]) -> StoreResult<()> {
        self.reassign(survey_id, assignments, &[], &[]).await
    }

    /// Takes clusters back (`withdraw`: cluster and enumerator), stores
    /// `assignments` and the households `targets` of clusters, all in one
    /// transaction: an uploaded plan applies whole or not at all.
    pub async fn reassign(
        &self,
        survey_id: &str,
        assignments: &[Assignment],
        withdraw: &[(String, String)],
        targets: &[(String, u32)],
    ) -> StoreResult<()> {
        let at = now();
        with_pool!(self, pool => {
            let mut transaction = pool.begin().await?;
            for (cluster_id, enumerator) in withdraw {
                sqlx::query(DELETE_ASSIGNMENT)
                    .bind(survey_id)
                    .bind(cluster_id)
                    .bind(enumerator)
                    .execute(&mut *transaction)
                    .await?;
            }
            for assignment in assignments {
                sqlx::query(UPSERT_ASSIGNMENT)
                    .bind(survey_id)
                    .bind(&assignment.cluster_id)
                    .bind(&assignment.enumerator)
                    .bind(assignment.stratum.as_deref())
                    .bind(assignment.area.as_deref())
                    .bind(&at)
                    .execute(&mut *transaction)
                    .await?;
                if let Some(stratum) = &assignment.stratum {
                    sqlx::query(CLUSTER_STRATUM).bind(survey_id).bind(&assignment.cluster_id).bind(stratum)
                        .execute(&mut *transaction).await?;
                }
            }
            for (cluster_id, households) in targets {
                sqlx::query(CLUSTER_TARGET).bind(survey_id).bind(cluster_id).bind(i64::from(*households))
                    .execute(&mut *transaction).await?;
            }
            sqlx::query(BUMP_GENERATION).bind(survey_id).execute(&mut *transaction).await?;
            transaction.commit().await?;
            Ok(())
        })
    }

    /// Takes a cluster back from an enumerator; `false` when they did not have it.
    pub async fn unassign(
        &self,
        survey_id: &str,
        cluster_id: &str,
        enumerator: &str,
    ) -> StoreResult<bool> {
        with_pool!(self, pool => {
            let done = sqlx::query(DELETE_ASSIGNMENT)
                .bind(survey_id)
                .bind(cluster_id)
                .bind(enumerator)
                .execute(pool)
                .await?;
            Ok(done.rows_affected() > 0)
        })
    }

    /// An enumerator's assignments, every survey.
    pub async fn assignments_of(&self, user: &str) -> StoreResult<Vec<Assignment>> {
        self.assignments(ASSIGNMENTS_OF, user).await
    }

    /// A survey's assignments, every enumerator.
    pub async fn assignments_for(&self, survey_id: &str) -> StoreResult<Vec<Assignment>> {
        self.assignments(ASSIGNMENTS_FOR, survey_id).await
    }

    async fn assignments(&self, query: &str, key: &str) -> StoreResult<Vec<Assignment>> {
        with_pool!(self, pool => {
            let rows = sqlx::query(query).bind(key).fetch_all(pool).await?;
            let mut found = Vec::with_capacity(rows.len());
            for row in rows {
                found.push(Assignment {
                    survey_id: row.try_get("survey_id")?,
                    cluster_id: row.try_get("cluster_id")?,
                    enumerator: row.try_get("user_name")?,
                    stratum: row.try_get("stratum")?,
                    area: row.try_get("area")?,
                });
            }
            Ok(found)
        })
    }
}
