//! Stored rows that cannot be read. Every reader (start-up, back-fill,
//! `facts rebuild`, microdata, aggregates) skips such a row, logs its
//! submission id and counts it here, and goes on; `salama doctor` and
//! `GET /api/doctor` (admins) look through everything and list them.

use serde::Serialize;

use crate::facts::{self, StoredReader};
use crate::skipped::{self, SkipReason, Skipped};
use crate::store::{Store, StoreResult};

/// Listed problems stop at this many; the counts go on.
pub const MAX_LISTED: usize = 1000;

/// What a look through the stored data found.
#[derive(Clone, Debug, Default, Serialize, utoipa::ToSchema)]
pub struct Checkup {
    pub surveys: usize,
    pub submissions: usize,
    /// Stored submissions that give no facts, and why (first [`MAX_LISTED`]);
    /// microdata leaves out only those whose body does not read.
    pub submission_problems: Vec<Skipped>,
    pub submission_problem_count: usize,
    /// Submissions with a fact row that does not read (first [`MAX_LISTED`]).
    pub unreadable_fact_rows: Vec<String>,
    pub unreadable_fact_row_count: usize,
    /// Rows this process's readers have left out since it started.
    pub skipped_since_start: u64,
}

impl Checkup {
    pub fn is_healthy(&self) -> bool {
        self.submission_problem_count == 0 && self.unreadable_fact_row_count == 0
    }
}

const PAGE: u32 = 1000;

/// Reads every stored submission and fact row as the service would.
pub async fn examine(store: &Store) -> StoreResult<Checkup> {
    let mut checkup = Checkup {
        skipped_since_start: skipped::skipped_since_start(),
        ..Checkup::default()
    };
    for survey_id in store.surveys_with_submissions().await? {
        checkup.surveys += 1;
        let mut reader = StoredReader::new(store, &survey_id);
        let mut after = String::new();
        loop {
            let page = store.submission_bodies(&survey_id, &after, PAGE).await?;
            let Some((last, _)) = page.last() else { break };
            after.clone_from(last);
            checkup.submissions += page.len();
            let (readable, mut problems) = facts::read_page(&mut reader, page).await?;
            for (submission_id, checked) in facts::check_page(readable).await? {
                if let Err(reason) = checked {
                    problems.push(Skipped {
                        submission_id,
                        reason,
                    });
                }
            }
            checkup.submission_problem_count += problems.len();
            let room = MAX_LISTED.saturating_sub(checkup.submission_problems.len());
            checkup
                .submission_problems
                .extend(problems.into_iter().take(room));
        }
        let unreadable = store.unreadable_facts(&survey_id).await?;
        checkup.unreadable_fact_row_count += unreadable.len();
        let room = MAX_LISTED.saturating_sub(checkup.unreadable_fact_rows.len());
        checkup
            .unreadable_fact_rows
            .extend(unreadable.into_iter().take(room));
    }
    Ok(checkup)
}

/// The checkup as lines for a terminal.
pub fn describe(checkup: &Checkup) -> String {
    let mut text = format!(
        "{} survey(s), {} stored submission(s) read\n",
        checkup.surveys, checkup.submissions
    );
    for problem in &checkup.submission_problems {
        // Microdata reads bodies without their version's rules: only a body
        // that does not read at all is left out of it.
        let left_out = match problem.reason {
            SkipReason::Unreadable => "it is left out of facts and microdata",
            SkipReason::UnknownVersion | SkipReason::BreaksRules => {
                "it is left out of facts (microdata exports it as stored)"
            }
        };
        let why = format!("{}; {left_out}", problem.reason.explained());
        text.push_str(&format!(
            "submission {}: {why}\n",
            problem.submission_id.escape_debug()
        ));
    }
    for submission_id in &checkup.unreadable_fact_rows {
        text.push_str(&format!(
            "submission {}: a fact row does not read; it is left out of aggregates (`salama facts rebuild` works it out again)\n",
            submission_id.escape_debug()
        ));
    }
    let listed = checkup.submission_problems.len() + checkup.unreadable_fact_rows.len();
    let total = checkup.submission_problem_count + checkup.unreadable_fact_row_count;
    if total > listed {
        text.push_str(&format!("… and {} more\n", total - listed));
    }
    text.push_str(&if total == 0 {
        "no problems found\n".to_owned()
    } else {
        format!("{total} problem(s) found\n")
    });
    text
}
