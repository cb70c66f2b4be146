//! Stored rows left out when read back: a body that does not read, a
//! version that is gone, a submission that no longer passes its rules. Every
//! reader (start-up back-fill, rebuild, cube, microdata) skips such a row
//! rather than stopping, logs its id, and counts it for the doctor.

use std::sync::atomic::{AtomicU64, Ordering};

/// A stored submission that gave no facts.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Skipped {
    pub submission_id: String,
    pub reason: SkipReason,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// The body is not one JSON submission.
    Unreadable,
    /// It names a version that is not published, or whose definition does not read.
    UnknownVersion,
    /// It reads, but breaks its version's rules.
    BreaksRules,
}

impl SkipReason {
    /// Why, in words, for the command line and the doctor.
    pub fn explained(self) -> &'static str {
        match self {
            SkipReason::Unreadable => "its stored body does not read as a submission",
            SkipReason::UnknownVersion => {
                "it names a survey version that is not published or does not read"
            }
            SkipReason::BreaksRules => "it breaks its survey version's rules",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::Unreadable => "unreadable",
            SkipReason::UnknownVersion => "unknown_version",
            SkipReason::BreaksRules => "breaks_rules",
        }
    }
}

static SKIPPED_SINCE_START: AtomicU64 = AtomicU64::new(0);

/// Counts rows a reader left out, for the doctor's report.
pub fn count_skipped(rows: usize) {
    if rows > 0 {
        SKIPPED_SINCE_START.fetch_add(rows as u64, Ordering::Relaxed);
    }
}

/// Rows left out by any reader since this process started.
pub fn skipped_since_start() -> u64 {
    SKIPPED_SINCE_START.load(Ordering::Relaxed)
}

/// Logs a stored submission left out somewhere: its id only, never its answers.
pub fn log_skipped(submission_id: &str, reason: SkipReason, left_out_of: &'static str) {
    tracing::warn!(submission = %submission_id.escape_debug(), reason = reason.as_str(), left_out_of, "stored submission skipped");
}
