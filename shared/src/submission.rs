//! The envelope a client sends: who filled which survey version, how, with
//! what consent, and the answers.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::date::Timestamp;
use crate::schema::Channel;

/// Answers keyed by question id. A roster's answer is an array of objects,
/// one per row, keyed by the roster's own question ids.
pub type Answers = serde_json::Map<String, serde_json::Value>;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Submission {
    /// Generated on the device before the first attempt to send, so a resend
    /// after a lost response is recognised as the same submission.
    pub submission_id: Uuid,
    pub survey_id: String,
    pub survey_version: u32,
    pub channel: Channel,
    /// The language the form was filled in, one of the survey's languages.
    pub language: String,
    pub started_at: Timestamp,
    pub completed_at: Timestamp,
    pub consent: ConsentRecord,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enumerator_id: Option<String>,
    /// The sampled cluster (PSU) for enumerator interviews.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_id: Option<String>,
    /// For household interviews: how the respondent was drawn among the
    /// household's eligible members (see `selection`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub respondent_selection: Option<crate::selection::RespondentSelection>,
    /// Draws made before the household list was corrected, oldest first:
    /// kept, so that a redraw is on the record rather than a silent retry.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub earlier_draws: Vec<crate::selection::RespondentSelection>,
    /// Draws for modules asked of one household member (the violence module).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub module_draws: Vec<crate::selection::ModuleDraw>,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub answers: Answers,
}

/// Consent and assent as recorded before the first question.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ConsentRecord {
    /// The respondent agreed to take part. A submission without it is refused:
    /// declining ends the interview and nothing is sent.
    pub respondent: bool,
    /// For a respondent under the adult age: a parent's or caretaker's answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adult: Option<AdultConsent>,
    /// For a respondent under the adult age: the child's own agreement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assent: Option<bool>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AdultConsent {
    Given,
    Refused,
    /// No parent or caretaker lives in the household (MICS6 allows the
    /// interview on the minor's own assent then).
    NoCaretaker,
}

impl Submission {
    pub fn from_json(json: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(json)
    }
}
