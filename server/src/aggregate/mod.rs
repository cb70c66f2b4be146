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
