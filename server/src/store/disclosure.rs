//! Each survey's disclosure policy, every version kept (migration 0012,
//! `salama_shared::disclosure`). The latest version is in force; a survey
//! with none, or whose latest row no longer reads, has the defaults.

use salama_shared::disclosure::{DisclosurePolicy, HISTORY_SHOWN, PolicyVersion};

use super::queries::INSERT_AUDIT;
use super::{Store, StoreResult, now};

/// The policy in force for a survey and where it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct CurrentPolicy {
    pub policy: DisclosurePolicy,
    /// 0: none set (or the latest does not read), the defaults apply.
    pub version: u32,
    pub set_by: Option<String>,
    pub set_at: Option<String>,
}

impl CurrentPolicy {
    fn default_policy() -> Self {
        Self {
            policy: DisclosurePolicy::default(),
            version: 0,
            set_by: None,
            set_at: None,
        }
    }
}

const COLUMNS: &str = "version, policy, set_by, set_at";
const LATEST_VERSION: &str =
    "SELECT COALESCE(MAX(version), 0) FROM disclosure_policies WHERE survey_id = $1";
const INSERT: &str = "INSERT INTO disclosure_policies (survey_id, version, policy, set_by, set_at) \
     VALUES ($1, $2, $3, $4, $5)";

/// A row of `disclosure_policies` in [`COLUMNS`] order.
type Row = (i64, String, String, String);

/// The row as a version, or why it does not read (edited by hand, or
/// written by a later Salama whose policy has fields this one lacks).
fn read(row: Row) -> Result<PolicyVersion, String> {
    let (version, text, set_by, set_at) = row;
    let version = u32::try_from(version).map_err(|_| format!("version {version}"))?;
    let policy: DisclosurePolicy = serde_json::from_str(&text)
        .map_err(|error| format!("version {version} does not read: {error}"))?;
    let problems = policy.problems();
    if !problems.is_empty() {
        let fields: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
        return Err(format!(
            "version {version} is out of bounds at {}",
            fields.join(", ")
        ));
    }
    Ok(PolicyVersion {
        version,
        policy,
        set_by,
        set_at,
    })
}

impl Store {
    /// The policy the server applies to `survey_id`'s tables now.
    pub async fn disclosure_policy(&self, survey_id: &str) -> StoreResult<DisclosurePolicy> {
        Ok(self.current_disclosure_policy(survey_id).await?.policy)
    }

    /// The policy in force, its version and who set it. A latest row that
    /// no longer reads, or is out of bounds, counts as the defaults and is
    /// logged: it never stops a query (nor start-up), and the defaults are
    /// the strict side.
    pub async fn current_disclosure_policy(&self, survey_id: &str) -> StoreResult<CurrentPolicy> {
        let query = format!(
            "SELECT {COLUMNS} FROM disclosure_policies WHERE survey_id = $1 \
             ORDER BY version DESC LIMIT 1"
        );
        let row: Option<Row> = with_pool!(self, pool => {
            sqlx::query_as(&query).bind(survey_id).fetch_optional(pool).await?
        });
        let Some(row) = row else {
            return Ok(CurrentPolicy::default_policy());
        };
        Ok(match read(row) {
            Ok(version) => CurrentPolicy {
                policy: version.policy,
                version: version.version,
                set_by: Some(version.set_by),
                set_at: Some(version.set_at),
            },
            Err(problem) => {
                tracing::error!(
                    survey = %survey_id,
                    %problem,
                    "the disclosure policy stored is not readable; the defaults apply"
                );
                CurrentPolicy::default_policy()
            }
        })
    }

    /// The versions set, newest first (at most [`HISTORY_SHOWN`]); rows
    /// that do not read are left out and logged.
    pub async fn disclosure_history(&self, survey_id: &str) -> StoreResult<Vec<PolicyVersion>> {
        let query = format!(
            "SELECT {COLUMNS} FROM disclosure_policies WHERE survey_id = $1 \
             ORDER BY version DESC LIMIT {HISTORY_SHOWN}"
        );
        let rows: Vec<Row> = with_pool!(self, pool => {
            sqlx::query_as(&query).bind(survey_id).fetch_all(pool).await?
        });
        Ok(rows
            .into_iter()
            .filter_map(|row| {
                read(row)
                    .inspect_err(|problem| {
                        tracing::error!(survey = %survey_id, %problem, "a disclosure policy version is not readable");
                    })
                    .ok()
            })
            .collect())
    }

    /// Stores `policy` as the survey's next version, audited in the same
    /// transaction (`disclosure_policy_set`, naming each setting that
    /// changes, old → new); the version it became. The caller checks the
    /// policy (`DisclosurePolicy::problems_for`).
    pub async fn set_disclosure_policy(
        &self,
        survey_id: &str,
        policy: &DisclosurePolicy,
        set_by: &str,
    ) -> StoreResult<u32> {
        let old = self.current_disclosure_policy(survey_id).await?.policy;
        let changes = old.changes_to(policy);
        let json = serde_json::to_string(policy)
            .map_err(|error| super::StoreError::Corrupt(format!("policy to JSON: {error}")))?;
        let at = now();
        with_pool!(self, pool => {
            let mut transaction = pool.begin().await?;
            let (latest,): (i64,) = sqlx::query_as(LATEST_VERSION).bind(survey_id)
                .fetch_one(&mut *transaction).await?;
            let version = latest.saturating_add(1);
            sqlx::query(INSERT).bind(survey_id).bind(version).bind(&json).bind(set_by).bind(&at)
                .execute(&mut *transaction).await?;
            let detail = if changes.is_empty() {
                format!("{survey_id}: disclosure policy version {version}, unchanged")
            } else {
                format!("{survey_id}: disclosure policy version {version}: {}", changes.join(", "))
            };
            sqlx::query(INSERT_AUDIT).bind(&at).bind(set_by).bind("disclosure_policy_set").bind(&detail)
                .execute(&mut *transaction).await?;
            transaction.commit().await?;
            Ok(u32::try_from(version).unwrap_or(u32::MAX))
        })
    }
}
