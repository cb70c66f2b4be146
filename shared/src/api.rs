//! The shapes the HTTP API sends, defined once so the server writes and the
//! browser client reads exactly the same fields.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::check::Problem;
use crate::field_error::FieldError;
use crate::json::FromJson;
use crate::text::Text;

/// One survey in `GET /api/surveys`: enough to list it and pick a language.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, FromJson)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SurveySummary {
    pub id: String,
    pub version: u32,
    pub title: Text,
    pub languages: Vec<String>,
    pub default_language: String,
    pub public: bool,
}

/// One survey in `GET /api/surveys` as staff see it: its summary, and for
/// the survey team every version published and the submissions received.
/// A type of its own, so the citizens' form, which reads only the summary,
/// carries none of it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SurveyListing {
    #[serde(flatten)]
    pub summary: SurveySummary,
    /// Every version published, oldest first (staff only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub versions: Option<Vec<u32>>,
    /// Who answers the latest version: online, by interview, or both (staff only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channels: Option<Vec<crate::schema::Channel>>,
    /// Submissions received so far, all versions and channels (staff only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submissions: Option<u64>,
    /// How long its raw data is kept, and where that stands (staff only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention: Option<crate::retention::Retention>,
}

/// Shortest password a person may choose (`POST /api/me/password`): long
/// enough that the login rate limit makes guessing it hopeless, short
/// enough to type on a phone. The console tells it before sending.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// `PATCH /api/surveys/{survey_id}`: open a survey to anonymous callers or not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SurveySettings {
    pub public: bool,
}

/// What the device gets back for a stored submission, and can ask for again.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, FromJson)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Receipt {
    pub submission_id: Uuid,
    pub survey_id: String,
    pub survey_version: u32,
    pub received_at: String,
    pub content_sha256: String,
}

/// Every error response: `{"error":{"code","message","fields":[…]}}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, FromJson)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, FromJson)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorDetail {
    /// Stable and machine-readable: `invalid`, `conflict`, `rate_limited`, …
    pub code: String,
    pub message: String,
    #[serde(default)]
    pub fields: Vec<ErrorField>,
}

/// One problem in a request, located by its path in the body
/// (`answers.resp_age` is reported as `resp_age`, roster cells as
/// `household[2].mem_age`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, FromJson)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorField {
    pub path: String,
    pub code: String,
    pub message: String,
}

impl ErrorField {
    pub fn new(path: impl Into<String>, code: &str, message: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            code: code.to_owned(),
            message: message.into(),
        }
    }
}

impl From<FieldError> for ErrorField {
    fn from(error: FieldError) -> Self {
        Self {
            path: error.path,
            code: error.code.as_str().to_owned(),
            message: error.message,
        }
    }
}

impl From<Problem> for ErrorField {
    fn from(problem: Problem) -> Self {
        let code = serde_json::to_value(problem.code)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned));
        Self {
            path: problem.path,
            code: code.unwrap_or_default(),
            message: problem.message,
        }
    }
}
