//! What every request can reach: the store, the limits, and the parsed
//! surveys (published versions never change, so a parsed one is kept).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use salama_shared::Survey;
use salama_shared::form::Form;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::ingest::Writer;
use crate::limits::{Limiter, RateLimits};
use crate::store::{Store, StoredSurvey};

#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    writer: Writer,
    config: Config,
    logins: Limiter,
    submissions: Limiter,
    /// The public results pages, apart from the submissions' budget.
    results: Limiter,
    large_bodies: crate::json::LargeBodies,
    surveys: RwLock<HashMap<(String, u32), Arc<PublishedSurvey>>>,
    cubes: crate::aggregate::Cubes,
    /// Recently checked tokens, so a busy device does not cost a database
    /// read per request. Entries live `Config::remember_callers_for`;
    /// logging out or revoking a user or device through this server forgets
    /// their tokens at once, and other servers on the same PostgreSQL
    /// database refuse them within `remember_callers_for` (5 s by default).
    callers: Mutex<HashMap<String, (Caller, Instant)>>,
    /// Counts revocations forgotten from `callers` (changed under its lock):
    /// a lookup that began before one does not cache what it found, which
    /// may be the token just revoked.
    forgotten: std::sync::atomic::AtomicU64,
    screen_reads: crate::screen_reads::ScreenReads,
}

const MAX_REMEMBERED_CALLERS: usize = 10_000;

/// What the server is told at start.
#[derive(Clone, Debug)]
pub struct Config {
    /// Largest request body accepted, in bytes.
    pub body_limit: usize,
    pub rate_limits: RateLimits,
    /// Mark session cookies `Secure` and send HSTS (behind HTTPS).
    pub secure_cookies: bool,
    /// Reverse proxies whose `X-Forwarded-For`/`Forwarded` name the client.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// How long a checked token is trusted without asking the database. A
    /// token revoked through this server's API is refused on its next
    /// request; one revoked by another process (the command line, another
    /// server on the same PostgreSQL database) stops working within this
    /// time: the bound on revocation across instances, 5 s by default.
    pub remember_callers_for: Duration,
    /// The web client's built files, served for every path outside the API.
    pub static_dir: Option<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            body_limit: 1024 * 1024,
            rate_limits: RateLimits::default(),
            secure_cookies: false,
            trusted_proxies: Vec::new(),
            remember_callers_for: Duration::from_secs(5),
            static_dir: None,
        }
    }
}

/// A published version, parsed once.
pub struct PublishedSurvey {
    pub stored: StoredSurvey,
    pub survey: &'static Survey,
    /// The survey indexed for validation, built once per version.
    pub form: Form<'static>,
    /// The definition as the clients get it: with the built-in words of
    /// its languages that the browser bundles do not carry
    /// ([`Survey::with_served_words`]).
    pub served: String,
}

impl AppState {
    pub fn new(store: Store, config: Config) -> Self {
        let inner = Inner {
            writer: Writer::start(store.clone()),
            store,
            logins: Limiter::per_minute(config.rate_limits.logins_per_minute),
            submissions: Limiter::per_minute(config.rate_limits.submissions_per_minute),
            results: Limiter::per_minute(config.rate_limits.submissions_per_minute),
            large_bodies: crate::json::LargeBodies::for_this_machine(),
            config,
            surveys: RwLock::new(HashMap::new()),
            cubes: crate::aggregate::Cubes::default(),
            callers: Mutex::new(HashMap::new()),
            forgotten: std::sync::atomic::AtomicU64::new(0),
            screen_reads: crate::screen_reads::ScreenReads::default(),
        };
        Self {
            inner: Arc::new(inner),
        }
    }

    /// Where submissions are written, in shared commits.
    pub fn writer(&self) -> &Writer {
        &self.inner.writer
    }

    /// Facts held in memory for aggregation.
    pub fn cubes(&self) -> &crate::aggregate::Cubes {
        &self.inner.cubes
    }

    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// Which on-screen table reads are audited.
    pub fn screen_reads(&self) -> &crate::screen_reads::ScreenReads {
        &self.inner.screen_reads
    }

    pub fn login_limiter(&self) -> &Limiter {
        &self.inner.logins
    }

    pub fn submission_limiter(&self) -> &Limiter {
        &self.inner.submissions
    }

    /// Anonymous reads of the public results pages, at the public form's pace.
    pub fn results_limiter(&self) -> &Limiter {
        &self.inner.results
    }

    /// The lane bodies over [`crate::json::PARSE_ON_WORKER_UP_TO`] wait for.
    pub fn large_bodies(&self) -> &crate::json::LargeBodies {
        &self.inner.large_bodies
    }

    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    pub fn body_limit(&self) -> usize {
        self.inner.config.body_limit
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
        let served = serde_json::to_string(&survey.clone().with_served_words()).map_err(|e| {
            anyhow::anyhow!(
                "survey {survey_id} v{} does not serialise: {e}",
                stored.version
            )
        })?;
        let key = (survey_id.to_owned(), stored.version);
        let mut surveys = self
            .inner
            .surveys
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(cached) = surveys.get(&key) {
            return Ok(cached.clone());
        }
        // A published version never changes and stays cached for the life of
        // the process, so it is kept for good: the index can then borrow it.
        let survey: &'static Survey = Box::leak(Box::new(survey));
        let published = Arc::new(PublishedSurvey {
            stored,
            survey,
            form: Form::new(survey),
            served,
        });
        surveys.insert(key, published.clone());
        Ok(published)
    }

    pub fn remembered_caller(&self, token_sha256: &str) -> Option<Caller> {
        let callers = self
            .inner
            .callers
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        callers
            .get(token_sha256)
            .filter(|(_, checked)| checked.elapsed() < self.inner.config.remember_callers_for)
            .map(|(caller, _)| caller.clone())
    }

    /// Read before looking a token up in the database, and handed back to
    /// [`AppState::remember_caller`].
    pub fn forget_mark(&self) -> u64 {
        self.inner
            .forgotten
            .load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Caches a caller found by a lookup that began at `mark`, unless a
    /// revocation was forgotten since (the lookup may predate it).
    pub fn remember_caller(&self, token_sha256: String, caller: Caller, mark: u64) {
        let mut callers = self
            .inner
            .callers
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if self.forget_mark() != mark {
            return;
        }
        if callers.len() >= MAX_REMEMBERED_CALLERS {
            let ttl = self.inner.config.remember_callers_for;
            callers.retain(|_, (_, checked)| checked.elapsed() < ttl);
        }
        if callers.len() < MAX_REMEMBERED_CALLERS {
            callers.insert(token_sha256, (caller, Instant::now()));
        }
    }

    /// Forgets every cached token of `name` (revoked): their next request,
    /// on this server, is checked against the database.
    pub fn forget_user(&self, name: &str) {
        let mut callers = self
            .inner
            .callers
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        self.inner
            .forgotten
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        callers.retain(|_, (caller, _)| caller.name != name);
    }

    pub fn forget_caller(&self, token_sha256: &str) {
        let mut callers = self
            .inner
            .callers
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        self.inner
            .forgotten
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        callers.remove(token_sha256);
    }

    /// Drops a survey's versions from the cache after a setting changed, so
    /// the next request reads them again.
    pub fn forget_survey(&self, survey_id: &str) {
        self.inner
            .surveys
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .retain(|(id, _), _| id != survey_id);
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
