//! A problem found in a submission and its code: what validation reports,
//! what a survey may give its own wording for (`Survey::messages`), and
//! what the message catalogue words. A leaf, so the schema and the
//! catalogue need not reach into validation for it.

use serde::{Deserialize, Serialize};

/// One problem with a submission.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FieldError {
    /// Where the problem is: a question id, a roster row and question
    /// (`household[2].age`, rows counted from 0), or an envelope field
    /// (`consent.assent`).
    pub path: String,
    pub code: FieldErrorCode,
    /// Readable by the respondent, in the submission's language.
    pub message: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FieldErrorCode {
    UnknownQuestion,
    WrongType,
    NotInList,
    DuplicateChoice,
    ExclusiveChoice,
    TooFewChoices,
    TooManyChoices,
    BelowMinimum,
    AboveMaximum,
    TooLong,
    InvalidDate,
    InvalidTime,
    InvalidDateTime,
    InvalidArea,
    Required,
    Constraint,
    NotRelevant,
    NoAnswerExpected,
    TooFewRows,
    TooManyRows,
    CalculationMismatch,
    SurveyMismatch,
    ChannelNotAllowed,
    UnsupportedLanguage,
    InvalidTimestamps,
    ConsentRequired,
    RespondentTooYoung,
    AdultConsentRequired,
    AssentRequired,
    InvalidSurvey,
    /// The respondent's draw does not match the household roster sent.
    InvalidSelection,
    /// An envelope code (cluster, enumerator) that is not a plain code.
    InvalidCode,
    /// A time outside what a device's clock can have recorded.
    ImplausibleTime,
    /// A whole-number question answered with something else.
    NotWholeNumber,
    /// A number question answered with something else.
    NotNumber,
}

crate::names::read_by_name!(FieldErrorCode, "error code");

impl FieldErrorCode {
    pub const ALL: [FieldErrorCode; 35] = [
        Self::UnknownQuestion,
        Self::WrongType,
        Self::NotInList,
        Self::DuplicateChoice,
        Self::ExclusiveChoice,
        Self::TooFewChoices,
        Self::TooManyChoices,
        Self::BelowMinimum,
        Self::AboveMaximum,
        Self::TooLong,
        Self::InvalidDate,
        Self::InvalidTime,
        Self::InvalidDateTime,
        Self::InvalidArea,
        Self::Required,
        Self::Constraint,
        Self::NotRelevant,
        Self::NoAnswerExpected,
        Self::TooFewRows,
        Self::TooManyRows,
        Self::CalculationMismatch,
        Self::SurveyMismatch,
        Self::ChannelNotAllowed,
        Self::UnsupportedLanguage,
        Self::InvalidTimestamps,
        Self::ConsentRequired,
        Self::RespondentTooYoung,
        Self::AdultConsentRequired,
        Self::AssentRequired,
        Self::InvalidSurvey,
        Self::InvalidSelection,
        Self::InvalidCode,
        Self::ImplausibleTime,
        Self::NotWholeNumber,
        Self::NotNumber,
    ];

    pub fn as_str(self) -> &'static str {
        // Mirrors the serde names (the wire format); a unit test keeps them equal.
        match self {
            Self::UnknownQuestion => "unknown_question",
            Self::WrongType => "wrong_type",
            Self::NotInList => "not_in_list",
            Self::DuplicateChoice => "duplicate_choice",
            Self::ExclusiveChoice => "exclusive_choice",
            Self::TooFewChoices => "too_few_choices",
            Self::TooManyChoices => "too_many_choices",
            Self::BelowMinimum => "below_minimum",
            Self::AboveMaximum => "above_maximum",
            Self::TooLong => "too_long",
            Self::InvalidDate => "invalid_date",
            Self::InvalidTime => "invalid_time",
            Self::InvalidDateTime => "invalid_date_time",
            Self::InvalidArea => "invalid_area",
            Self::Required => "required",
            Self::Constraint => "constraint",
            Self::NotRelevant => "not_relevant",
            Self::NoAnswerExpected => "no_answer_expected",
            Self::TooFewRows => "too_few_rows",
            Self::TooManyRows => "too_many_rows",
            Self::CalculationMismatch => "calculation_mismatch",
            Self::SurveyMismatch => "survey_mismatch",
            Self::ChannelNotAllowed => "channel_not_allowed",
            Self::UnsupportedLanguage => "unsupported_language",
            Self::InvalidTimestamps => "invalid_timestamps",
            Self::ConsentRequired => "consent_required",
            Self::RespondentTooYoung => "respondent_too_young",
            Self::AdultConsentRequired => "adult_consent_required",
            Self::AssentRequired => "assent_required",
            Self::InvalidSurvey => "invalid_survey",
            Self::InvalidSelection => "invalid_selection",
            Self::InvalidCode => "invalid_code",
            Self::ImplausibleTime => "implausible_time",
            Self::NotWholeNumber => "not_whole_number",
            Self::NotNumber => "not_number",
        }
    }
}
