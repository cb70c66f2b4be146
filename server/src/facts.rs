//! Facts for aggregation: worked out by the shared code when a submission
//! arrives, and rebuilt from the stored raw submissions when needed (after
//! the upgrade that introduced them, or with `salama facts rebuild`).

use std::collections::HashMap;

use salama_shared::form::Form;
use salama_shared::validate::ValidSubmission;
use salama_shared::{Submission, Survey};

use crate::store::{FACTS_BACKFILL, Store, StoreError, StoreResult, SubmissionFacts};

pub fn of_submission(form: &Form<'_>, valid: ValidSubmission<'_>) -> SubmissionFacts {
    let submission = valid.submission();
    SubmissionFacts {
        completed_on: submission.completed_at.local_date().to_string(),
        enumerator_id: submission.enumerator_id.clone(),
        cluster_id: submission.cluster_id.clone(),
        units: salama_shared::facts::facts(form, valid),
    }
}

/// What a rebuild did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rebuilt {
    pub surveys: usize,
    pub submissions: usize,
    pub units: usize,
    /// Stored submissions that no longer pass their version's rules (should
    /// not happen: they were validated on arrival); they have no facts.
    pub skipped: Vec<String>,
}

const PAGE: u32 = 1000;

/// Rebuilds the facts of every survey (or of one) from the raw submissions.
pub async fn rebuild(store: &Store, only: Option<&str>) -> StoreResult<Rebuilt> {
    let mut rebuilt = Rebuilt::default();
    let surveys = match only {
        Some(survey_id) => vec![survey_id.to_owned()],
        None => store.surveys_with_submissions().await?,
    };
    for survey_id in surveys {
        rebuild_survey(store, &survey_id, &mut rebuilt).await?;
        rebuilt.surveys += 1;
    }
    if only.is_none() {
        store.maintenance_done(FACTS_BACKFILL).await?;
    }
    Ok(rebuilt)
}

/// Runs the rebuild a migration (or an interrupted rebuild) left pending.
pub async fn backfill_if_pending(store: &Store) -> StoreResult<Option<Rebuilt>> {
    if !store.maintenance_pending(FACTS_BACKFILL).await? {
        return Ok(None);
    }
    tracing::info!("building aggregation facts for stored submissions");
    let rebuilt = rebuild(store, None).await?;
    tracing::info!(
        submissions = rebuilt.submissions,
        units = rebuilt.units,
        skipped = rebuilt.skipped.len(),
        "facts built"
    );
    Ok(Some(rebuilt))
}

async fn rebuild_survey(store: &Store, survey_id: &str, rebuilt: &mut Rebuilt) -> StoreResult<()> {
    store.begin_facts_rebuild(survey_id).await?;
    let mut versions: HashMap<u32, Survey> = HashMap::new();
    let mut after = String::new();
    loop {
        let page = store.submission_bodies(survey_id, &after, PAGE).await?;
        let Some((last, _)) = page.last() else { break };
        after.clone_from(last);
        let mut batch = Vec::with_capacity(page.len());
        for (id, body) in &page {
            let submission: Submission = serde_json::from_slice(body)
                .map_err(|e| StoreError::Corrupt(format!("submission {id} does not parse: {e}")))?;
            let version = submission.survey_version;
            let survey = match versions.entry(version) {
                std::collections::hash_map::Entry::Occupied(known) => known.into_mut(),
                std::collections::hash_map::Entry::Vacant(slot) => {
                    let stored =
                        store
                            .survey(survey_id, Some(version))
                            .await?
                            .ok_or_else(|| {
                                StoreError::Corrupt(format!(
                                    "submission {id} names a missing version {version}"
                                ))
                            })?;
                    let survey = Survey::from_json(&stored.definition).map_err(|e| {
                        StoreError::Corrupt(format!(
                            "survey {survey_id} v{version} does not parse: {e}"
                        ))
                    })?;
                    slot.insert(survey)
                }
            };
            let form = Form::new(survey);
            match form.validate(&submission) {
                Ok(valid) => {
                    let facts = of_submission(&form, valid);
                    rebuilt.units += facts.units.len();
                    batch.push((
                        id.clone(),
                        version,
                        submission.channel.as_str().to_owned(),
                        facts,
                    ));
                }
                Err(errors) => {
                    tracing::warn!(submission = %id, errors = errors.len(), "stored submission fails its rules; no facts");
                    rebuilt.skipped.push(id.clone());
                }
            }
        }
        rebuilt.submissions += batch.len();
        store.append_facts(survey_id, &batch).await?;
    }
    Ok(())
}
