//! Retention dates acted on (DOMAIN §5): a survey whose date has passed
//! takes no more answers, and its raw data is destroyed by a pass that runs
//! at start and every hour after, on every instance (a pass finding nothing
//! to destroy costs one indexed read per survey past its date).

use std::time::Duration;

use salama_shared::date::Date;
use salama_shared::retention::{self, Retention};

use crate::error::{ApiError, ApiResult};
use crate::store::{Destruction, Store, StoreResult, StoredRetention, today};

/// How often the destruction pass runs: a survey is closed to answers from
/// the first second after its last day, whatever the pass; the pass only
/// bounds how long destroyed data lingers, an hour at most.
const PASS_EVERY: Duration = Duration::from_secs(60 * 60);

/// Starts the hourly destruction pass, the first one now. A failed pass is
/// logged and tried again at the next: start-up never waits on it.
pub fn spawn_passes(store: Store) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(PASS_EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            if let Err(error) = pass(&store, today()).await {
                tracing::error!(%error, "the retention pass failed; it runs again within the hour");
            }
        }
    });
}

/// One destruction pass as of `today`, logged.
pub async fn pass(store: &Store, today: Date) -> StoreResult<Vec<Destruction>> {
    let destroyed = store.destroy_passed(today).await?;
    for destruction in &destroyed {
        tracing::warn!(
            survey = %destruction.survey_id,
            retain_until = %destruction.retain_until,
            submissions = destruction.submissions,
            "raw data destroyed: the retention date has passed"
        );
    }
    Ok(destroyed)
}

/// What the API reports of a survey's retention on `today`.
pub fn reported(stored: Option<&StoredRetention>, today: Date) -> Retention {
    let (standing, days_left) = retention::standing(stored.map(|kept| kept.retain_until), today);
    Retention {
        retain_until: stored.map(|kept| kept.retain_until.to_string()),
        set_by: stored.map(|kept| kept.set_by.clone()),
        set_at: stored.map(|kept| kept.set_at.clone()),
        today: today.to_string(),
        standing,
        days_left,
        destroyed_at: stored.and_then(|kept| kept.destroyed_at.clone()),
        destroyed_submissions: stored.map_or(0, |kept| kept.destroyed_submissions),
    }
}

/// Refuses an answer to a survey whose retention date has passed. Read
/// from the database every time (one primary-key read), so a date set on
/// any instance applies at once on all of them.
pub async fn check_open(store: &Store, survey_id: &str) -> ApiResult<()> {
    let Some(kept) = store.retention(survey_id).await? else {
        return Ok(());
    };
    if retention::has_passed(kept.retain_until, today()) {
        return Err(ApiError::Closed(format!(
            "survey `{survey_id}` stopped taking answers after {}: its retention date has passed and its data is destroyed",
            kept.retain_until
        )));
    }
    Ok(())
}
