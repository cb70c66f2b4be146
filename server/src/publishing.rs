//! Publishing a survey version, from the API, the command line or first
//! start: stored once, immutable, and audited when it is new.

use salama_shared::Survey;

use crate::store::{Publication, Store, StoreResult};

/// Publishes `definition` (the JSON of `survey`) as `survey.id` version
/// `survey.version`. The same definition again is accepted without a second
/// audit entry; another definition under that version is refused.
pub async fn publish(
    store: &Store,
    survey: &Survey,
    definition: &str,
    actor: &str,
) -> StoreResult<Publication> {
    let publication = store
        .publish_survey(&survey.id, survey.version, definition, survey.public)
        .await?;
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
