//! What the form shows after each change, computed by the shared engine the
//! server validates with: which sections and questions apply, which are
//! required, what calculations give, and every rule broken. The submission
//! that would be sent is built here too, so what is checked is what is sent.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use salama_shared::date::Timestamp;
use salama_shared::expr::Value;
use salama_shared::form::Form;
use salama_shared::schema::{Channel, Question, QuestionKind, Survey};
use salama_shared::submission::{Answers, Submission};
use salama_shared::text::{Text, interpolate};
use salama_shared::validate::{FieldError, Inspection};
use serde_json::Value as Json;

use super::draft::{Draft, Place};

#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot {
    pub relevant_sections: Vec<bool>,
    relevant: BTreeSet<String>,
    required: BTreeSet<String>,
    /// Every problem, keyed by path; the first per path is kept.
    pub errors: BTreeMap<String, FieldError>,
    pub submission: Submission,
    /// The choices offered now by each select with a `choice_filter`.
    offered: Vec<(Place, Vec<String>)>,
    /// Answers holding a choice no longer offered: the form clears them
    /// where the respondent sees it.
    pub stale: Vec<Place>,
    /// Labels (`false`) and hints (`true`) whose `${q}` were filled in.
    filled: Vec<(Place, bool, String)>,
}

impl Snapshot {
    /// Whether a choice of the question at `place` is offered now.
    pub fn offers(&self, place: Place, value: &str) -> bool {
        self.offered
            .iter()
            .find(|(at, _)| *at == place)
            .is_none_or(|(_, values)| values.iter().any(|offered| offered == value))
    }

    /// A label (or hint) with its `${q}` filled in from the answers.
    pub fn filled(&self, place: Place, hint: bool) -> Option<&str> {
        self.filled
            .iter()
            .find(|(at, is_hint, _)| *at == place && *is_hint == hint)
            .map(|(_, _, text)| text.as_str())
    }

    pub fn is_relevant(&self, place: Place) -> bool {
        self.relevant.contains(&place.path())
    }

    pub fn is_required(&self, place: Place) -> bool {
        self.required.contains(&place.path())
    }

    pub fn error(&self, path: &str) -> Option<&FieldError> {
        self.errors.get(path)
    }
}

/// Who sends the submission: online respondents by default; an enumerator's
/// interview names the enumerator and the cluster.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Envelope {
    pub enumerator_id: Option<String>,
    pub cluster_id: Option<String>,
}

pub fn snapshot(
    survey: &'static Survey,
    form: &'static Form<'static>,
    draft: &Draft,
    language: &str,
    now: Timestamp,
    envelope: &Envelope,
) -> Snapshot {
    let inspection = form.inspect(
        &draft.answers,
        (Some(now.local_date()), language),
        &draft.module_draws,
    );
    let mut walk = Walk {
        inspection: &inspection,
        draft,
        language: (language, &survey.default_language),
        relevant: BTreeSet::new(),
        required: BTreeSet::new(),
        answers: Answers::new(),
        offered: Vec::new(),
        stale: Vec::new(),
        filled: Vec::new(),
    };
    let mut relevant_sections = Vec::with_capacity(survey.sections.len());
    for (index, section) in survey.sections.iter().enumerate() {
        let relevant = inspection.section_is_relevant(index);
        relevant_sections.push(relevant);
        if relevant {
            for question in &section.questions {
                walk.question(question);
            }
        }
    }
    let submission = Submission {
        submission_id: draft.submission_id,
        survey_id: survey.id.clone(),
        survey_version: survey.version,
        channel: if envelope.enumerator_id.is_some() {
            Channel::Enumerator
        } else {
            Channel::Online
        },
        language: language.to_owned(),
        started_at: draft.started_at.clone(),
        completed_at: now,
        consent: draft.consent.clone(),
        enumerator_id: envelope.enumerator_id.clone(),
        cluster_id: envelope.cluster_id.clone(),
        respondent_selection: draft.respondent_selection.clone(),
        earlier_draws: draft.earlier_draws.clone(),
        module_draws: draft.module_draws.clone(),
        answers: walk.answers,
    };
    let mut errors = BTreeMap::new();
    if let Err(found) = form.validate(&submission) {
        for error in found {
            errors.entry(error.path.clone()).or_insert(error);
        }
    }
    Snapshot {
        relevant_sections,
        relevant: walk.relevant,
        required: walk.required,
        errors,
        submission,
        offered: walk.offered,
        stale: walk.stale,
        filled: walk.filled,
    }
}

struct Walk<'i, 'a> {
    inspection: &'i Inspection<'a>,
    draft: &'i Draft,
    /// The language shown, and the survey's default.
    language: (&'i str, &'i str),
    relevant: BTreeSet<String>,
    required: BTreeSet<String>,
    answers: Answers,
    offered: Vec<(Place, Vec<String>)>,
    stale: Vec<Place>,
    filled: Vec<(Place, bool, String)>,
}

impl Walk<'_, '_> {
    fn question(&mut self, question: &'static Question) {
        let id = question.id.as_str();
        if !self.inspection.is_relevant(id, None) {
            return;
        }
        self.relevant.insert(id.to_owned());
        if let QuestionKind::Roster { questions, .. } = &question.kind {
            self.fill(Place::Top(id), false, Some(&question.label));
            self.fill(Place::Top(id), true, question.hint.as_ref());
            let rows = self.draft.rows(id);
            let mut kept = Vec::with_capacity(rows);
            for row in 0..rows {
                let mut cells = Answers::new();
                for member in questions {
                    let place = Place::Cell {
                        roster: id,
                        row,
                        id: member.id.as_str(),
                    };
                    if let Some(answer) = self.cell(member, place) {
                        cells.insert(member.id.clone(), answer);
                    }
                }
                kept.push(Json::Object(cells));
            }
            self.answers.insert(id.to_owned(), Json::Array(kept));
        } else if let Some(answer) = self.cell(question, Place::Top(id)) {
            self.answers.insert(id.to_owned(), answer);
        }
    }

    /// Records relevance and requiredness; returns what to send: nothing for
    /// a question that does not apply (the server refuses such answers).
    fn cell(&mut self, question: &'static Question, place: Place) -> Option<Json> {
        let (id, row) = (place.id(), place.row());
        if row.is_some() && !self.inspection.is_relevant(id, row) {
            return None;
        }
        let path = place.path();
        if self.inspection.is_required(id, row) {
            self.required.insert(path.clone());
        }
        self.fill(place, false, Some(&question.label));
        self.fill(place, true, question.hint.as_ref());
        self.relevant.insert(path);
        match &question.kind {
            QuestionKind::Calculate { .. } => to_json(self.inspection.value(id, row)),
            _ if question.choice_filter.is_some() => self.offered_only(place),
            kind if kind.takes_answer() => self.draft.answer(place).cloned(),
            _ => None,
        }
    }

    /// Remembers the choices offered at `place`; returns its answer, or
    /// nothing, noting it stale, when it holds a choice no longer offered.
    fn offered_only(&mut self, place: Place) -> Option<Json> {
        let offered: Vec<String> = self
            .inspection
            .offered(place.id(), place.row())
            .into_iter()
            .map(|choice| choice.value.clone())
            .collect();
        let stale = self
            .draft
            .codes(place)
            .iter()
            .any(|code| !offered.contains(code));
        self.offered.push((place, offered));
        if stale {
            self.stale.push(place);
            return None;
        }
        self.draft.answer(place).cloned()
    }

    /// Fills in the `${q}` of a label or hint shown at `place`.
    fn fill(&mut self, place: Place, hint: bool, text: Option<&Text>) {
        let Some(text) = text else { return };
        let (language, default) = self.language;
        let inspection = self.inspection;
        let filled = interpolate(text.get(language, default), |name| {
            Some(inspection.value(name, place.row()).to_text().into_owned())
        });
        if let Cow::Owned(filled) = filled {
            self.filled.push((place, hint, filled));
        }
    }
}

/// A calculated value as sent: numbers as numbers, the rest as text.
fn to_json(value: Value<'_>) -> Option<Json> {
    match value {
        Value::Empty => None,
        Value::Number(number) => serde_json::Number::from_f64(number).map(Json::Number),
        other => {
            let text = other.to_text();
            (!text.is_empty()).then(|| Json::String(text.into_owned()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use salama_shared::FieldErrorCode;
    use salama_shared::submission::ConsentRecord;
    use uuid::Uuid;

    fn default_form() -> (&'static Survey, &'static Form<'static>) {
        let survey: &'static Survey = Box::leak(Box::new(salama_shared::community_safety()));
        (survey, Box::leak(Box::new(Form::new(survey))))
    }

    fn consenting_draft() -> Draft {
        let mut draft = Draft::new(Uuid::nil(), Timestamp::from_unix_seconds(1_700_000_000));
        draft.consent = ConsentRecord {
            respondent: true,
            adult: None,
            assent: None,
        };
        draft
    }

    fn now() -> Timestamp {
        Timestamp::from_unix_seconds(1_700_000_600)
    }

    #[test]
    fn skip_logic_follows_the_answers_and_stale_answers_are_not_sent() {
        let (survey, form) = default_form();
        let mut draft = consenting_draft();
        let follow_up = Place::Top("saf_1b");
        let shot = snapshot(survey, form, &draft, "en", now(), &Envelope::default());
        assert!(!shot.is_relevant(follow_up));
        draft.set(Place::Top("saf_1"), Some(Json::from("never")));
        draft.set(follow_up, Some(Json::from("safe")));
        let shot = snapshot(survey, form, &draft, "en", now(), &Envelope::default());
        assert!(shot.is_relevant(follow_up));
        assert!(shot.is_required(follow_up));
        assert!(shot.submission.answers.contains_key("saf_1b"));
        draft.set(Place::Top("saf_1"), Some(Json::from("daily")));
        let shot = snapshot(survey, form, &draft, "en", now(), &Envelope::default());
        assert!(!shot.is_relevant(follow_up));
        assert!(!shot.submission.answers.contains_key("saf_1b"));
        assert!(
            shot.error("saf_1b").is_none(),
            "a hidden answer is no error"
        );
    }

    #[test]
    fn a_complete_interview_has_no_errors_and_validates_on_the_server_side() {
        let (survey, form) = default_form();
        let sample = salama_shared::sample::online_answer();
        let mut draft = consenting_draft();
        draft.answers = sample.answers.clone();
        let shot = snapshot(survey, form, &draft, "en", now(), &Envelope::default());
        assert_eq!(shot.errors, BTreeMap::new());
        assert!(form.validate(&shot.submission).is_ok());
    }

    #[test]
    fn filtered_choices_follow_earlier_answers_and_labels_name_them() {
        let survey: &'static Survey = Box::leak(Box::new(
            Survey::from_json(
                r#"{"id": "cascade", "version": 1, "languages": ["en"], "default_language": "en",
                "title": {"en": "Cascade"}, "channels": ["online"],
                "consent": {"script": {"en": "Script"}, "question": {"en": "Agree?"}},
                "choice_lists": [
                    {"id": "regions", "choices": [
                        {"value": "north", "label": {"en": "North"}},
                        {"value": "south", "label": {"en": "South"}}]},
                    {"id": "districts", "choices": [
                        {"value": "hills", "label": {"en": "Hills"}, "columns": {"region": "north"}},
                        {"value": "coast", "label": {"en": "Coast"}, "columns": {"region": "south"}}]}],
                "sections": [{"id": "main", "title": {"en": "Main"}, "questions": [
                    {"id": "region", "label": {"en": "Region"}, "kind": {"type": "single", "list": "regions"}},
                    {"id": "district", "label": {"en": "District of ${region}"},
                     "hint": {"en": "In ${region}"},
                     "kind": {"type": "multiple", "list": "districts"}, "choice_filter": "region = ${region}"}]}]}"#,
            )
            .expect("a survey"),
        ));
        assert_eq!(survey.check(), vec![]);
        let form: &'static Form<'static> = Box::leak(Box::new(Form::new(survey)));
        let mut draft = consenting_draft();
        let district = Place::Top("district");
        draft.set(Place::Top("region"), Some(Json::from("north")));
        draft.set(district, Some(serde_json::json!(["hills"])));
        let shot = snapshot(survey, form, &draft, "en", now(), &Envelope::default());
        assert!(shot.offers(district, "hills"));
        assert!(!shot.offers(district, "coast"));
        assert!(
            shot.offers(Place::Top("region"), "south"),
            "an unfiltered list offers all"
        );
        assert_eq!(shot.stale, vec![]);
        assert_eq!(shot.filled(district, false), Some("District of north"));
        assert_eq!(shot.filled(district, true), Some("In north"));
        assert_eq!(shot.filled(Place::Top("region"), false), None);
        // The region changes: the district chosen is no longer offered.
        draft.set(Place::Top("region"), Some(Json::from("south")));
        let shot = snapshot(survey, form, &draft, "en", now(), &Envelope::default());
        assert!(shot.offers(district, "coast"));
        assert_eq!(shot.stale, vec![district]);
        assert!(!shot.submission.answers.contains_key("district"));
        assert!(shot.errors.is_empty(), "{:?}", shot.errors);
    }

    #[test]
    fn errors_are_in_the_chosen_language_and_located_by_path() {
        let (survey, form) = default_form();
        let mut draft = consenting_draft();
        draft.set(Place::Top("resp_age"), Some(Json::from(200)));
        draft.add_row("household", Answers::new());
        let shot = snapshot(survey, form, &draft, "fr", now(), &Envelope::default());
        let age = shot.error("resp_age").expect("age out of range");
        assert_eq!(age.code, FieldErrorCode::AboveMaximum);
        assert!(age.message.contains("au plus"), "{}", age.message);
        assert!(
            shot.errors
                .keys()
                .any(|path| path.starts_with("household[0]."))
        );
    }
}
