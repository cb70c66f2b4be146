//! Publishing a survey version, from the API, the command line or first
//! start: stored once, immutable, and audited when it is new.

use salama_shared::Survey;

use crate::store::{Publication, Store, StoreError, StoreResult};

/// Publishes `definition` (the JSON of `survey`) as `survey.id` version
/// `survey.version`. The same definition again is accepted without a second
/// audit entry, however it is spaced or ordered (the shipped file and the
/// API's own rendering of it are the same survey); another definition under
/// that version is refused.
pub async fn publish(
    store: &Store,
    survey: &Survey,
    definition: &str,
    actor: &str,
) -> StoreResult<Publication> {
    let publication = match store
        .publish_survey(&survey.id, survey.version, definition, survey.public)
        .await
    {
        Err(StoreError::VersionExists { survey_id, version }) => {
            let stored = store.survey(&survey_id, Some(version)).await?;
            match stored {
                Some(stored) if same_survey(&stored.definition, survey) => Publication {
                    survey: stored,
                    new: false,
                },
                _ => return Err(StoreError::VersionExists { survey_id, version }),
            }
        }
        other => other?,
    };
    if publication.new {
        store
            .audit(
                actor,
                "publish",
                &format!("{} v{}", survey.id, survey.version),
            )
            .await?;
        tracing::info!(survey = %survey.id, version = survey.version, actor, "published");
    }
    Ok(publication)
}

/// Whether a stored definition reads as the same survey: compared as the
/// JSON the schema writes, so spacing, key order and escapes do not count,
/// nor does `public` (a setting of the publication, not of the questions).
fn same_survey(stored: &str, survey: &Survey) -> bool {
    let Ok(mut stored) = Survey::from_json(stored) else {
        return false;
    };
    stored.public = survey.public;
    match (serde_json::to_value(&stored), serde_json::to_value(survey)) {
        (Ok(stored), Ok(offered)) => stored == offered,
        _ => false,
    }
}
