//! What a new installation starts with.

use crate::auth::{self, NewUser, Role};
use crate::publishing;
use crate::store::{Store, StoreError, StoreResult};

/// On first start there is no administrator: create `admin` so someone can
/// log in. Returns the one-time credentials to print.
pub async fn first_admin(store: &Store) -> anyhow::Result<Option<NewUser>> {
    if store.has_active_admin().await? || store.user("admin").await?.is_some() {
        return Ok(None);
    }
    Ok(Some(
        auth::create_user(store, "admin", Role::Admin, "salama").await?,
    ))
}

/// Publishes the default questionnaire (public for the online channel) if
/// this version is not there yet. Returns whether it published.
///
/// An administrator may have published a version of `community-safety` of
/// their own under the number this release ships: theirs stays (published
/// versions are immutable) and the server starts anyway, saying so.
pub async fn publish_default_questionnaire(store: &Store) -> StoreResult<bool> {
    let survey = salama_shared::community_safety();
    let definition = salama_shared::default_survey::COMMUNITY_SAFETY_JSON;
    match publishing::publish(store, &survey, definition, "salama").await {
        Ok(publication) => Ok(publication.new),
        Err(StoreError::VersionExists { survey_id, version }) => {
            tracing::warn!(
                survey = %survey_id,
                version,
                "the default questionnaire was not published: this version number holds another definition already"
            );
            Ok(false)
        }
        Err(other) => Err(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An installation where an administrator published their own
    /// `community-safety` under the number a later release ships.
    #[tokio::test]
    async fn a_shipped_version_number_taken_already_does_not_stop_start_up() {
        let folder = tempfile::tempdir().expect("temporary folder");
        let url = format!("sqlite://{}", folder.path().join("salama.db").display());
        let store = Store::open(&url).await.expect("SQLite opens");
        let mut theirs = salama_shared::community_safety();
        theirs.title.0.insert("en".into(), "Our own round".into());
        let definition = theirs.to_json_pretty();
        publishing::publish(&store, &theirs, &definition, "admin")
            .await
            .expect("their version published");

        let published = publish_default_questionnaire(&store)
            .await
            .expect("start-up goes on");
        assert!(!published);
        let stored = store
            .survey(&theirs.id, Some(theirs.version))
            .await
            .expect("read")
            .expect("stored");
        assert_eq!(stored.definition, definition, "theirs is kept as published");
        assert!(
            !publish_default_questionnaire(&store)
                .await
                .expect("every start")
        );
    }
}
