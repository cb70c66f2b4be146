//! What every request can reach: the store, the limits, and the parsed
//! surveys (published versions never change, so a parsed one is kept).

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use salama_shared::Survey;

use crate::error::{ApiError, ApiResult};
use crate::store::{Store, StoredSurvey};

#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    body_limit: usize,
    surveys: RwLock<HashMap<(String, u32), Arc<PublishedSurvey>>>,
}

/// A published version, parsed once.
pub struct PublishedSurvey {
    pub stored: StoredSurvey,
    pub survey: Survey,
}

impl AppState {
    pub fn new(store: Store, body_limit: usize) -> Self {
        Self {
            inner: Arc::new(Inner {
                store,
                body_limit,
                surveys: RwLock::new(HashMap::new()),
            }),
        }
    }

    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    pub fn body_limit(&self) -> usize {
        self.inner.body_limit
    }

    /// A published version, or the latest when `version` is `None`.
    pub async fn survey(
        &self,
        survey_id: &str,
        version: Option<u32>,
    ) -> ApiResult<Arc<PublishedSurvey>> {
        if let Some(version) = version
            && let Some(cached) = self.cached(survey_id, version)
        {
            return Ok(cached);
        }
        let stored =
            self.store()
                .survey(survey_id, version)
                .await?
                .ok_or_else(|| match version {
                    Some(version) => {
                        ApiError::NotFound(format!("survey `{survey_id}` has no version {version}"))
                    }
                    None => ApiError::NotFound(format!("no survey `{survey_id}`")),
                })?;
        if let Some(cached) = self.cached(survey_id, stored.version) {
            return Ok(cached);
        }
        let survey = Survey::from_json(&stored.definition).map_err(|e| {
            anyhow::anyhow!(
                "stored survey {survey_id} v{} does not parse: {e}",
                stored.version
            )
        })?;
        let published = Arc::new(PublishedSurvey { stored, survey });
        let key = (survey_id.to_owned(), published.stored.version);
        self.inner
            .surveys
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(key, published.clone());
        Ok(published)
    }

    fn cached(&self, survey_id: &str, version: u32) -> Option<Arc<PublishedSurvey>> {
        let surveys = self
            .inner
            .surveys
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        surveys.get(&(survey_id.to_owned(), version)).cloned()
    }
}
