//! Aggregates: facts held in memory per survey and unit level, tables
//! computed from them, and their downloads.

pub mod cube;
pub mod export;
pub mod fieldwork;
pub mod table;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use cube::Cube;

use crate::store::{Store, StoreResult, UnitLevel};

/// One cube, replaced whole when it changes; the lock serialises refreshes.
type Slot = Arc<tokio::sync::Mutex<Arc<Cube>>>;

/// The in-memory facts of each (survey, level), refreshed before use.
#[derive(Default)]
pub struct Cubes {
    cubes: Mutex<HashMap<(String, UnitLevel), Slot>>,
}

impl Cubes {
    /// Loads every survey's facts into memory in the background, so the
    /// first table after a restart does not wait for a million rows.
    pub async fn warm(&self, store: &Store) {
        let surveys = match store.surveys_with_submissions().await {
            Ok(surveys) => surveys,
            Err(error) => {
                tracing::warn!(error = %error, "could not list surveys to warm aggregates");
                return;
            }
        };
        for survey_id in surveys {
            for level in [UnitLevel::Respondents, UnitLevel::Members] {
                let started = std::time::Instant::now();
                match self.current(store, &survey_id, level).await {
                    Ok(cube) => {
                        tracing::info!(survey = %survey_id, ?level, units = cube.len(), seconds = started.elapsed().as_secs_f64(), "aggregation facts in memory")
                    }
                    Err(error) => {
                        tracing::warn!(survey = %survey_id, error = %error, "could not load aggregation facts")
                    }
                }
            }
        }
    }

    /// The facts as the store has them now. Concurrent callers for the same
    /// survey wait for one refresh instead of each loading the rows.
    pub async fn current(
        &self,
        store: &Store,
        survey_id: &str,
        level: UnitLevel,
    ) -> StoreResult<Arc<Cube>> {
        let slot = {
            let mut cubes = self
                .cubes
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            cubes
                .entry((survey_id.to_owned(), level))
                .or_default()
                .clone()
        };
        let mut held = slot.lock().await;
        if let Some(fresh) = Cube::refreshed(&held, store, survey_id, level).await? {
            *held = Arc::new(fresh);
        }
        Ok(held.clone())
    }
}
