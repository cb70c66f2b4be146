//! Tables read on screen are many: every choice an analyst changes on the
//! page is a request. Each one in the audit log would bury what the log is
//! for (sign-ins, downloads, revocations), so an analyst's on-screen reads
//! of a survey are audited once a quarter hour; downloads, which leave the
//! server as files, are audited every time.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long one audited on-screen read stands for the reads after it.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);

/// Bounds the memory whatever the number of analysts and surveys: past it,
/// windows that have ended are dropped, and if none has, all are.
const MOST_REMEMBERED: usize = 10_000;

#[derive(Default)]
pub struct ScreenReads {
    last_audited: Mutex<HashMap<(String, String), Instant>>,
}

impl ScreenReads {
    /// Whether `who`'s on-screen read of `survey_id` is to be audited: the
    /// first, and the first after each [`WINDOW`].
    pub fn to_audit(&self, who: &str, survey_id: &str) -> bool {
        self.to_audit_at(who, survey_id, Instant::now())
    }

    fn to_audit_at(&self, who: &str, survey_id: &str, now: Instant) -> bool {
        let mut last = self
            .last_audited
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let key = (who.to_owned(), survey_id.to_owned());
        if let Some(at) = last.get(&key)
            && now.saturating_duration_since(*at) < WINDOW
        {
            return false;
        }
        if last.len() >= MOST_REMEMBERED {
            last.retain(|_, at| now.saturating_duration_since(*at) < WINDOW);
            if last.len() >= MOST_REMEMBERED {
                last.clear();
            }
        }
        last.insert(key, now);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_read_a_window_per_analyst_and_survey() {
        let reads = ScreenReads::default();
        let start = Instant::now();
        assert!(reads.to_audit_at("ana", "s1", start));
        assert!(!reads.to_audit_at("ana", "s1", start + Duration::from_secs(60)));
        assert!(reads.to_audit_at("ana", "s2", start), "another survey");
        assert!(reads.to_audit_at("bob", "s1", start), "another analyst");
        assert!(reads.to_audit_at("ana", "s1", start + WINDOW));
        assert!(!reads.to_audit_at("ana", "s1", start + WINDOW + Duration::from_secs(1)));
    }

    #[test]
    fn memory_stays_bounded() {
        let reads = ScreenReads::default();
        let start = Instant::now();
        for n in 0..MOST_REMEMBERED + 10 {
            assert!(reads.to_audit_at(&format!("user-{n}"), "s", start));
        }
        let remembered = reads.last_audited.lock().expect("lock").len();
        assert!(remembered <= MOST_REMEMBERED, "{remembered}");
    }
}
