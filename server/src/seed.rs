//! What a new installation starts with.

use crate::store::{Store, StoreResult};

/// Publishes the default questionnaire (public for the online channel) if
/// this version is not there yet. Returns whether it published.
pub async fn publish_default_questionnaire(store: &Store) -> StoreResult<bool> {
    let survey = salama_shared::community_safety();
    if store
        .survey(&survey.id, Some(survey.version))
        .await?
        .is_some()
    {
        return Ok(false);
    }
    let definition = salama_shared::default_survey::COMMUNITY_SAFETY_JSON;
    store
        .publish_survey(&survey.id, survey.version, definition, survey.public)
        .await?;
    store
        .audit(
            "salama",
            "publish",
            &format!("{} v{} (default questionnaire)", survey.id, survey.version),
        )
        .await?;
    tracing::info!(survey = %survey.id, version = survey.version, "published the default questionnaire");
    Ok(true)
}
