//! What a new installation starts with.

use crate::auth::{self, NewUser, Role};
use crate::publishing;
use crate::store::{Store, StoreResult};

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
pub async fn publish_default_questionnaire(store: &Store) -> StoreResult<bool> {
    let survey = salama_shared::community_safety();
    let definition = salama_shared::default_survey::COMMUNITY_SAFETY_JSON;
    Ok(publishing::publish(store, &survey, definition, "salama")
        .await?
        .new)
}
