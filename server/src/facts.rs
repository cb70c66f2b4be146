//! Facts for aggregation: worked out by the shared code when a submission
//! arrives, and rebuilt from the stored raw submissions when needed (after
//! the upgrade that introduced them, or with `salama facts rebuild`).

use std::collections::HashMap;
use std::sync::Arc;

use salama_shared::form::Form;
use salama_shared::schema::Channel;
use salama_shared::validate::ValidSubmission;
use salama_shared::{Submission, Survey};

use crate::skipped::{SkipReason, Skipped, count_skipped, log_skipped};
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
    /// Stored submissions left without facts, and why: a row that does not
    /// read (written by hand, or by an older server that accepted it) or no
    /// longer passes its version's rules. The rebuild goes on without them.
    pub skipped: Vec<Skipped>,
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

/// Reads stored submissions back as the rules see them, with each survey
/// version's definition parsed once.
pub struct StoredReader<'s> {
    store: &'s Store,
    survey_id: String,
    /// `None` for a version that is missing or does not read.
    versions: HashMap<u32, Option<Arc<Survey>>>,
}

impl<'s> StoredReader<'s> {
    pub fn new(store: &'s Store, survey_id: &str) -> Self {
        Self {
            store,
            survey_id: survey_id.to_owned(),
            versions: HashMap::new(),
        }
    }

    /// A stored body, read as strictly as the API reads a request, and the
    /// definition of the version it names.
    pub async fn read(
        &mut self,
        body: &[u8],
    ) -> StoreResult<Result<(Submission, Arc<Survey>), SkipReason>> {
        let Ok(submission) = parse_stored(body) else {
            return Ok(Err(SkipReason::Unreadable));
        };
        let version = submission.survey_version;
        if !self.versions.contains_key(&version) {
            let survey = self
                .store
                .survey(&self.survey_id, Some(version))
                .await?
                .and_then(|stored| match Survey::from_json(&stored.definition) {
                    Ok(survey) => Some(Arc::new(survey)),
                    Err(error) => {
                        tracing::error!(survey = %self.survey_id, version, error = %error, "stored survey definition does not read");
                        None
                    }
                });
            self.versions.insert(version, survey);
        }
        Ok(match self.versions.get(&version).and_then(Option::as_ref) {
            Some(survey) => Ok((submission, survey.clone())),
            None => Err(SkipReason::UnknownVersion),
        })
    }
}

/// A stored body as a submission: one JSON document with unique keys, of
/// the submission's shape, for the survey the row is filed under.
fn parse_stored(body: &[u8]) -> Result<Submission, ()> {
    crate::json::well_formed(body).map_err(|_| ())?;
    serde_json::from_slice(body).map_err(|_| ())
}

/// A stored submission as read, about to be checked against its version.
pub type Readable = (String, Submission, Arc<Survey>);

/// What checking a stored submission gives: its facts, or why it has none.
pub type Checked = Result<(u32, Channel, SubmissionFacts), SkipReason>;

/// Reads a page of stored bodies; those that read are returned to be
/// checked, those that do not are returned with their reason.
pub async fn read_page(
    reader: &mut StoredReader<'_>,
    page: Vec<(String, Vec<u8>)>,
) -> StoreResult<(Vec<Readable>, Vec<Skipped>)> {
    let mut readable = Vec::with_capacity(page.len());
    let mut skipped = Vec::new();
    for (submission_id, body) in page {
        match reader.read(&body).await? {
            Ok((submission, survey)) => readable.push((submission_id, submission, survey)),
            Err(reason) => skipped.push(Skipped {
                submission_id,
                reason,
            }),
        }
    }
    Ok((readable, skipped))
}

/// The shared rules applied to stored submissions, off the async workers.
pub async fn check_page(readable: Vec<Readable>) -> StoreResult<Vec<(String, Checked)>> {
    tokio::task::spawn_blocking(move || {
        readable
            .into_iter()
            .map(|(submission_id, submission, survey)| {
                let form = Form::new(&survey);
                let checked = match form.validate(&submission) {
                    Ok(valid) => Ok((
                        submission.survey_version,
                        submission.channel,
                        of_submission(&form, valid),
                    )),
                    Err(_) => Err(SkipReason::BreaksRules),
                };
                (submission_id, checked)
            })
            .collect()
    })
    .await
    .map_err(|e| StoreError::Corrupt(format!("checking stored submissions: {e}")))
}

async fn rebuild_survey(store: &Store, survey_id: &str, rebuilt: &mut Rebuilt) -> StoreResult<()> {
    store.begin_facts_rebuild(survey_id).await?;
    let mut reader = StoredReader::new(store, survey_id);
    let mut after = String::new();
    loop {
        let page = store.submission_bodies(survey_id, &after, PAGE).await?;
        let Some((last, _)) = page.last() else { break };
        after.clone_from(last);
        let (readable, unreadable) = read_page(&mut reader, page).await?;
        let mut skipped = unreadable;
        let mut batch = Vec::with_capacity(readable.len());
        for (submission_id, checked) in check_page(readable).await? {
            match checked {
                Ok((version, channel, facts)) => {
                    rebuilt.units += facts.units.len();
                    batch.push((submission_id, version, channel.as_str().to_owned(), facts));
                }
                Err(reason) => skipped.push(Skipped {
                    submission_id,
                    reason,
                }),
            }
        }
        for skip in &skipped {
            log_skipped(&skip.submission_id, skip.reason, "facts");
        }
        count_skipped(skipped.len());
        rebuilt.skipped.extend(skipped);
        rebuilt.submissions += batch.len();
        store.append_facts(survey_id, &batch).await?;
    }
    Ok(())
}
