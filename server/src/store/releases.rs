//! Releases: the tables shown to the public (migration 0013,
//! `salama_shared::release`). Every edit is a new version; the latest
//! version of each release is the one shown unless it is withdrawn. The
//! public page reads them here on every request: no cache to outlive a
//! withdrawal on another instance.

use salama_shared::release::{Release, ReleaseSpec};

use super::queries::INSERT_AUDIT;
use super::{Store, StoreResult, now};

const COLUMNS: &str = "survey_id, release_id, version, spec, released_by, released_at, \
     withdrawn_by, withdrawn_at";
/// The latest version of each of a survey's releases, newest first.
const LATEST: &str = "SELECT survey_id, release_id, version, spec, released_by, released_at, \
     withdrawn_by, withdrawn_at FROM releases r WHERE survey_id = $1 AND version = \
     (SELECT MAX(version) FROM releases WHERE survey_id = r.survey_id AND release_id = r.release_id) \
     ORDER BY release_id DESC";
const NEXT_RELEASE_ID: &str =
    "SELECT COALESCE(MAX(release_id), 0) + 1 FROM releases WHERE survey_id = $1";
const NEXT_VERSION: &str =
    "SELECT MAX(version) + 1 FROM releases WHERE survey_id = $1 AND release_id = $2";
const INSERT: &str = "INSERT INTO releases (survey_id, release_id, version, spec, released_by, released_at) \
     VALUES ($1, $2, $3, $4, $5, $6)";
const WITHDRAW: &str = "UPDATE releases SET withdrawn_by = $3, withdrawn_at = $4 \
     WHERE survey_id = $1 AND release_id = $2 AND withdrawn_at IS NULL AND version = \
     (SELECT MAX(version) FROM releases WHERE survey_id = $1 AND release_id = $2)";

/// A row in [`COLUMNS`] order.
type Row = (
    String,
    i64,
    i64,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
);

/// A row as a release; one whose spec does not read (edited by hand) is
/// left out and logged, so one bad row hides nothing else.
fn read(row: Row) -> Option<Release> {
    let (
        survey_id,
        release_id,
        version,
        spec,
        released_by,
        released_at,
        withdrawn_by,
        withdrawn_at,
    ) = row;
    let spec: ReleaseSpec = serde_json::from_str(&spec)
        .inspect_err(|error| {
            tracing::error!(survey = %survey_id, release_id, version, %error, "a release's spec is not readable")
        })
        .ok()?;
    Some(Release {
        survey_id,
        release_id: u32::try_from(release_id).ok()?,
        version: u32::try_from(version).ok()?,
        spec,
        released_by,
        released_at,
        withdrawn_by,
        withdrawn_at,
    })
}

impl Store {
    /// The latest version of each of the survey's releases, newest first.
    pub async fn releases(&self, survey_id: &str) -> StoreResult<Vec<Release>> {
        let rows: Vec<Row> = with_pool!(self, pool => {
            sqlx::query_as(LATEST).bind(survey_id).fetch_all(pool).await?
        });
        Ok(rows.into_iter().filter_map(read).collect())
    }

    /// Every version of one release, latest first; empty if unknown.
    pub async fn release_history(
        &self,
        survey_id: &str,
        release_id: u32,
    ) -> StoreResult<Vec<Release>> {
        let query = format!(
            "SELECT {COLUMNS} FROM releases WHERE survey_id = $1 AND release_id = $2 \
             ORDER BY version DESC"
        );
        let rows: Vec<Row> = with_pool!(self, pool => {
            sqlx::query_as(&query).bind(survey_id).bind(i64::from(release_id)).fetch_all(pool).await?
        });
        Ok(rows.into_iter().filter_map(read).collect())
    }

    /// Stores a new release (`release_id` none) or the next version of one,
    /// audited in the same transaction. `None` when `release_id` names no
    /// release of the survey. The caller checks the spec.
    pub async fn publish_release(
        &self,
        survey_id: &str,
        release_id: Option<u32>,
        spec: &ReleaseSpec,
        by: &str,
    ) -> StoreResult<Option<Release>> {
        let json = serde_json::to_string(spec)
            .map_err(|e| super::StoreError::Corrupt(format!("release spec: {e}")))?;
        let at = now();
        let stored: Option<(i64, i64)> = with_pool!(self, pool => {
            let mut transaction = pool.begin().await?;
            let (id, version) = match release_id {
                None => {
                    let (id,): (i64,) = sqlx::query_as(NEXT_RELEASE_ID).bind(survey_id)
                        .fetch_one(&mut *transaction).await?;
                    (id, 1)
                }
                Some(id) => {
                    let (version,): (Option<i64>,) = sqlx::query_as(NEXT_VERSION)
                        .bind(survey_id).bind(i64::from(id)).fetch_one(&mut *transaction).await?;
                    match version {
                        Some(version) => (i64::from(id), version),
                        None => return Ok(None),
                    }
                }
            };
            sqlx::query(INSERT).bind(survey_id).bind(id).bind(version).bind(&json).bind(by).bind(&at)
                .execute(&mut *transaction).await?;
            let by_list = spec.by.join(",");
            let detail = format!(
                "{survey_id} release {id} version {version}: {} by [{by_list}] {}",
                spec.indicator,
                match (&spec.from, &spec.to) {
                    (Some(from), Some(to)) => format!("{from}..{to}"),
                    _ => "whole fieldwork".to_owned(),
                }
            );
            sqlx::query(INSERT_AUDIT).bind(&at).bind(by).bind("release_published").bind(&detail)
                .execute(&mut *transaction).await?;
            transaction.commit().await?;
            Some((id, version))
        });
        Ok(stored.and_then(|(id, version)| {
            Some(Release {
                survey_id: survey_id.to_owned(),
                release_id: u32::try_from(id).ok()?,
                version: u32::try_from(version).ok()?,
                spec: spec.clone(),
                released_by: by.to_owned(),
                released_at: at.clone(),
                withdrawn_by: None,
                withdrawn_at: None,
            })
        }))
    }

    /// Takes a release off the public page, audited; withdrawing one
    /// already withdrawn changes nothing. `None` when there is no such
    /// release, else its latest version as it now stands.
    pub async fn withdraw_release(
        &self,
        survey_id: &str,
        release_id: u32,
        by: &str,
    ) -> StoreResult<Option<Release>> {
        let at = now();
        let detail = format!("{survey_id} release {release_id} withdrawn");
        with_pool!(self, pool => {
            let mut transaction = pool.begin().await?;
            let changed = sqlx::query(WITHDRAW).bind(survey_id).bind(i64::from(release_id))
                .bind(by).bind(&at).execute(&mut *transaction).await?.rows_affected();
            if changed > 0 {
                sqlx::query(INSERT_AUDIT).bind(&at).bind(by).bind("release_withdrawn").bind(&detail)
                    .execute(&mut *transaction).await?;
            }
            transaction.commit().await?;
        });
        Ok(self
            .release_history(survey_id, release_id)
            .await?
            .into_iter()
            .next())
    }
}
