//! Each validation rule on a small survey built for the purpose.

use serde_json::{Value as Json, json};

use super::*;
use crate::date::Timestamp;
use crate::schema::Channel;
use crate::submission::{Answers, ConsentRecord};

fn text(en: &str) -> Json {
    json!({ "en": en })
}

/// A survey with one question of every kind, and a few rules between them.
fn survey() -> Survey {
    let question = |id: &str, kind: Json| json!({ "id": id, "label": text(id), "kind": kind });
    let mut sections = json!([
        { "id": "main", "title": text("Main"), "questions": [
            question("colour", json!({"type": "single", "list": "colours"})),
            question("colours", json!({"type": "multiple", "list": "colours", "min_choices": 2, "max_choices": 3})),
            question("agree", json!({"type": "yes_no"})),
            question("level", json!({"type": "ordinal", "list": "levels"})),
            question("count", json!({"type": "integer", "min": 0, "max": 10})),
            question("share", json!({"type": "decimal", "min": 0.0, "max": 1.0})),
            question("comment", json!({"type": "text", "max_length": 5})),
            question("when", json!({"type": "date"})),
            question("area", json!({"type": "admin_area", "levels": 2})),
            question("info", json!({"type": "note"})),
            question("double", json!({"type": "calculate", "calculation": "${count} * 2"})),
            question("days_ago", json!({"type": "calculate", "calculation": "today() - ${when}"})),
            question("members", json!({"type": "roster", "max_rows": 3, "row_label": text("Member"), "questions": [
                question("age", json!({"type": "integer", "min": 0, "max": 120})),
            ]})),
            question("at", json!({"type": "time"})),
            question("since", json!({"type": "date_time"})),
        ]},
        { "id": "extra", "title": text("Extra"), "relevant": "${agree} = 'yes'", "questions": [
            question("why", json!({"type": "text", "max_length": 100})),
        ]},
    ]);
    sections[0]["questions"][0]["required"] = json!("${agree} = 'yes'");
    sections[0]["questions"][4]["constraint"] = json!(". != 7");
    sections[1]["questions"][0]["required"] = json!(true);
    let definition = json!({
        "id": "kinds", "version": 3, "languages": ["en"], "default_language": "en",
        "title": text("Kinds"), "channels": ["enumerator"],
        "consent": { "script": text("Script"), "question": text("Agree?") },
        "area_levels": [{"id": "region", "label": text("Region")}, {"id": "district", "label": text("District")}],
        "areas": [
            {"code": "r1", "name": text("R1"), "children": [{"code": "r1-d1", "name": text("D1")}]},
            {"code": "r2", "name": text("R2"), "children": [{"code": "r2-d1", "name": text("D1")}]},
        ],
        "choice_lists": [
            {"id": "colours", "choices": [
                {"value": "red", "label": text("Red")}, {"value": "blue", "label": text("Blue")},
                {"value": "green", "label": text("Green")}, {"value": "pink", "label": text("Pink")},
                {"value": "none", "label": text("None"), "exclusive": true}]},
            {"id": "levels", "choices": [
                {"value": "low", "label": text("Low")}, {"value": "high", "label": text("High")},
                {"value": "dk", "label": text("DK"), "missing": "dk"}]},
        ],
        "sections": sections,
    });
    let survey: Survey = serde_json::from_value(definition).expect("test survey deserialises");
    assert_eq!(survey.check(), vec![]);
    survey
}

fn submission(answers: Json) -> Submission {
    let Json::Object(answers) = answers else {
        panic!("answers are an object")
    };
    Submission {
        submission_id: uuid::Uuid::nil(),
        survey_id: "kinds".into(),
        survey_version: 3,
        channel: Channel::Enumerator,
        language: "en".into(),
        started_at: Timestamp::parse("2026-01-10T08:00:00Z").expect("valid"),
        completed_at: Timestamp::parse("2026-01-10T08:30:00Z").expect("valid"),
        consent: ConsentRecord {
            respondent: true,
            adult: None,
            assent: None,
        },
        enumerator_id: None,
        cluster_id: None,
        respondent_selection: None,
        earlier_draws: Vec::new(),
        module_draws: Vec::new(),
        answers: Answers::from_iter(answers),
    }
}

fn codes(survey: &Survey, answers: Json) -> Vec<(String, FieldErrorCode)> {
    match validate(survey, &submission(answers)) {
        Ok(_) => vec![],
        Err(errors) => errors.into_iter().map(|e| (e.path, e.code)).collect(),
    }
}

#[track_caller]
fn rejects(answers: Json, path: &str, code: FieldErrorCode) {
    assert_eq!(codes(&survey(), answers), vec![(path.to_owned(), code)]);
}

#[test]
fn a_full_answer_is_valid() {
    let answers = json!({
        "colour": "red", "colours": ["red", "blue"], "agree": "yes", "level": "dk", "count": 3,
        "share": 0.5, "comment": "ok", "when": "2026-01-01", "area": ["r2", "r2-d1"],
        "double": 6, "members": [{"age": 30}, {"age": 2}], "why": "because",
    });
    assert_eq!(codes(&survey(), answers), vec![]);
}

#[test]
fn numbers_typed_in_any_script_are_normalised_before_validation() {
    let survey = survey();
    let form = Form::new(&survey);
    let mut typed = submission(json!({
        "count": "٣", "share": "٠٫٥", "comment": "٣", "members": [{"age": "۳۴"}, {"age": "३"}],
        "agree": "yes", "colour": "red", "why": "x", "double": 6,
    }));
    form.normalise_numbers(&mut typed);
    assert_eq!(typed.answers["count"], json!(3));
    assert_eq!(typed.answers["share"], json!(0.5));
    // Text questions keep what was typed.
    assert_eq!(typed.answers["comment"], json!("٣"));
    assert_eq!(typed.answers["members"], json!([{"age": 34}, {"age": 3}]));
    assert_eq!(form.validate(&typed).map(|_| ()), Ok(()));

    // What is no number is left to be refused, with what is expected.
    let mut wrong = submission(json!({"count": "٣٫٥", "share": "a", "members": "x"}));
    form.normalise_numbers(&mut wrong);
    let found: Vec<_> = form
        .validate(&wrong)
        .err()
        .map(|rejected| rejected.errors)
        .unwrap_or_default()
        .into_iter()
        .map(|error| (error.path, error.code, error.message))
        .collect();
    assert_eq!(
        found,
        vec![
            (
                "count".to_owned(),
                FieldErrorCode::NotWholeNumber,
                "Enter a whole number, for example 34.".to_owned()
            ),
            (
                "members".to_owned(),
                FieldErrorCode::WrongType,
                "This answer has the wrong form for this question.".to_owned()
            ),
            (
                "share".to_owned(),
                FieldErrorCode::NotNumber,
                "Enter a number, for example 2.5.".to_owned()
            ),
        ]
    );
}

#[test]
fn nothing_answered_is_valid_when_nothing_is_required() {
    assert_eq!(codes(&survey(), json!({})), vec![]);
    assert_eq!(
        codes(
            &survey(),
            json!({"colour": null, "colours": [], "comment": ""})
        ),
        vec![]
    );
}

#[test]
fn choice_rules() {
    rejects(
        json!({"colour": "purple"}),
        "colour",
        FieldErrorCode::NotInList,
    );
    rejects(
        json!({"colour": ["red"]}),
        "colour",
        FieldErrorCode::WrongType,
    );
    rejects(
        json!({"colours": ["red", "red"]}),
        "colours",
        FieldErrorCode::DuplicateChoice,
    );
    rejects(
        json!({"colours": ["red"]}),
        "colours",
        FieldErrorCode::TooFewChoices,
    );
    rejects(
        json!({"colours": ["red", "blue", "green", "pink"]}),
        "colours",
        FieldErrorCode::TooManyChoices,
    );
    rejects(
        json!({"colours": ["red", "none"]}),
        "colours",
        FieldErrorCode::ExclusiveChoice,
    );
    rejects(
        json!({"colours": "red blue"}),
        "colours",
        FieldErrorCode::WrongType,
    );
    rejects(
        json!({"agree": "maybe"}),
        "agree",
        FieldErrorCode::NotInList,
    );
    rejects(json!({"agree": true}), "agree", FieldErrorCode::WrongType);
    rejects(
        json!({"level": "medium"}),
        "level",
        FieldErrorCode::NotInList,
    );
}

#[test]
fn number_rules() {
    rejects(json!({"count": -1}), "count", FieldErrorCode::BelowMinimum);
    rejects(json!({"count": 11}), "count", FieldErrorCode::AboveMaximum);
    rejects(
        json!({"count": 18_446_744_073_709_551_615u64}),
        "count",
        FieldErrorCode::AboveMaximum,
    );
    rejects(
        json!({"count": 2.5}),
        "count",
        FieldErrorCode::NotWholeNumber,
    );
    rejects(
        json!({"count": "3"}),
        "count",
        FieldErrorCode::NotWholeNumber,
    );
    rejects(
        json!({"share": -0.1}),
        "share",
        FieldErrorCode::BelowMinimum,
    );
    rejects(json!({"share": 1.5}), "share", FieldErrorCode::AboveMaximum);
    rejects(json!({"count": 7}), "count", FieldErrorCode::Constraint);
}

#[test]
fn text_date_and_area_rules() {
    rejects(
        json!({"comment": "too long"}),
        "comment",
        FieldErrorCode::TooLong,
    );
    // Length counts characters, not bytes.
    assert_eq!(codes(&survey(), json!({"comment": "ناصرم"})), vec![]);
    // Typed text only: line breaks and tabs, no other control characters.
    assert_eq!(codes(&survey(), json!({"comment": "a\r\nb\t"})), vec![]);
    for hostile in ["a\u{0}", "\u{1b}[2J", "a\u{1f}b", "\u{7f}", "\u{85}x"] {
        rejects(
            json!({"comment": hostile}),
            "comment",
            FieldErrorCode::WrongType,
        );
    }
    rejects(
        json!({"when": "2026-02-30"}),
        "when",
        FieldErrorCode::InvalidDate,
    );
    rejects(json!({"when": 20260101}), "when", FieldErrorCode::WrongType);
    assert_eq!(
        codes(
            &survey(),
            json!({"at": "21:45", "since": "2026-11-30T06:05:30"})
        ),
        vec![]
    );
    rejects(json!({"at": "24:00"}), "at", FieldErrorCode::InvalidTime);
    rejects(json!({"at": "9:45"}), "at", FieldErrorCode::InvalidTime);
    rejects(json!({"at": 2145}), "at", FieldErrorCode::WrongType);
    rejects(
        json!({"since": "2026-02-30T06:05"}),
        "since",
        FieldErrorCode::InvalidDateTime,
    );
    rejects(
        json!({"since": "2026-11-30T06:05Z"}),
        "since",
        FieldErrorCode::InvalidDateTime,
    );
    rejects(
        json!({"since": "2026-11-30"}),
        "since",
        FieldErrorCode::InvalidDateTime,
    );
    rejects(
        json!({"area": ["r1", "r2-d1"]}),
        "area",
        FieldErrorCode::InvalidArea,
    );
    rejects(json!({"area": ["r1"]}), "area", FieldErrorCode::InvalidArea);
    rejects(
        json!({"area": ["nowhere", "r1-d1"]}),
        "area",
        FieldErrorCode::InvalidArea,
    );
    rejects(json!({"area": "r1-d1"}), "area", FieldErrorCode::WrongType);
}

#[test]
fn notes_and_calculations() {
    rejects(
        json!({"info": "read"}),
        "info",
        FieldErrorCode::NoAnswerExpected,
    );
    rejects(
        json!({"count": 3, "double": 7}),
        "double",
        FieldErrorCode::CalculationMismatch,
    );
    assert_eq!(codes(&survey(), json!({"count": 3, "double": "6"})), vec![]);
    // today() is the interview's own date, so browser and server agree.
    assert_eq!(
        codes(&survey(), json!({"when": "2026-01-01", "days_ago": 9})),
        vec![]
    );
    rejects(
        json!({"when": "2026-01-01", "days_ago": 8}),
        "days_ago",
        FieldErrorCode::CalculationMismatch,
    );
}

#[test]
fn required_when_and_section_relevance() {
    // `colour` is required only when `agree` is yes; `why` lives in a section
    // that only applies then, and is required there.
    rejects(
        json!({"agree": "yes", "why": "x"}),
        "colour",
        FieldErrorCode::Required,
    );
    rejects(
        json!({"agree": "yes", "colour": "red"}),
        "why",
        FieldErrorCode::Required,
    );
    rejects(
        json!({"agree": "no", "why": "x"}),
        "why",
        FieldErrorCode::NotRelevant,
    );
    assert_eq!(codes(&survey(), json!({"agree": "no"})), vec![]);
}

#[test]
fn roster_rows() {
    rejects(
        json!({"members": [{"age": 1}, {"age": 2}, {"age": 3}, {"age": 4}]}),
        "members",
        FieldErrorCode::TooManyRows,
    );
    rejects(
        json!({"members": [{"age": 1}, "two"]}),
        "members[1]",
        FieldErrorCode::WrongType,
    );
    rejects(
        json!({"members": {"age": 1}}),
        "members",
        FieldErrorCode::WrongType,
    );
    rejects(
        json!({"members": [{"age": 1, "name": "Amina"}]}),
        "members[0].name",
        FieldErrorCode::UnknownQuestion,
    );
    rejects(
        json!({"members": [{"age": 121}]}),
        "members[0].age",
        FieldErrorCode::AboveMaximum,
    );
    rejects(json!({"age": 3}), "age", FieldErrorCode::UnknownQuestion);
}

#[test]
fn envelope_channel() {
    let mut online = submission(json!({}));
    online.channel = Channel::Online;
    let errors = validate(&survey(), &online).expect_err("enumerator-only survey");
    assert_eq!(errors[0].path, "channel");
    assert_eq!(errors[0].code, FieldErrorCode::ChannelNotAllowed);
    let mut other = submission(json!({}));
    other.survey_id = "other".into();
    assert_eq!(
        validate(&survey(), &other).expect_err("wrong survey")[0].code,
        FieldErrorCode::SurveyMismatch
    );
}

#[test]
fn a_broken_rule_is_reported_not_panicked_on() {
    let mut broken = survey();
    broken.sections[0].questions[4].constraint = Some(crate::expr::Expression::new(". >"));
    broken.sections[0].questions[10].kind = crate::schema::QuestionKind::Calculate {
        calculation: crate::expr::Expression::new("${count} *"),
    };
    let found = codes(&broken, json!({"count": 3}));
    assert_eq!(
        found,
        vec![
            ("count".into(), FieldErrorCode::InvalidSurvey),
            ("double".into(), FieldErrorCode::InvalidSurvey)
        ]
    );
}

#[test]
fn cycles_evaluate_to_empty_instead_of_hanging() {
    let mut cyclic = survey();
    cyclic.sections[0].questions[10].kind = crate::schema::QuestionKind::Calculate {
        calculation: crate::expr::Expression::new("${days_ago} + 1"),
    };
    cyclic.sections[0].questions[11].kind = crate::schema::QuestionKind::Calculate {
        calculation: crate::expr::Expression::new("${double} + 1"),
    };
    assert!(
        cyclic
            .check()
            .iter()
            .any(|p| p.code == crate::ProblemCode::Cycle)
    );
    assert_eq!(codes(&cyclic, json!({"count": 1})), vec![]);
}

#[test]
fn error_codes_are_their_wire_names() {
    for code in FieldErrorCode::ALL {
        assert_eq!(
            serde_json::to_value(code).expect("serialises"),
            json!(code.as_str())
        );
    }
}

#[test]
fn a_survey_may_bring_its_own_messages() {
    let mut own = survey();
    own.messages.insert(
        FieldErrorCode::AboveMaximum,
        crate::text::Text::from([("en", "No more than {max}, please.")]),
    );
    let errors = validate(&own, &submission(json!({"count": 11}))).expect_err("above maximum");
    assert_eq!(errors[0].message, "No more than 10, please.");
}

/// Region → district → village, and a list filtered on two columns.
fn cascade() -> Survey {
    let choice = |value: &str, columns: Json| json!({"value": value, "label": text(value), "columns": columns});
    let question = |id: &str, list: &str, filter: Option<&str>| {
        let mut question =
            json!({ "id": id, "label": text(id), "kind": {"type": "single", "list": list} });
        if let Some(filter) = filter {
            question["choice_filter"] = json!(filter);
        }
        question
    };
    let definition = json!({
        "id": "kinds", "version": 3, "languages": ["en"], "default_language": "en",
        "title": text("Cascade"), "channels": ["enumerator"],
        "consent": { "script": text("Script"), "question": text("Agree?") },
        "choice_lists": [
            {"id": "regions", "choices": [
                {"value": "north", "label": text("North")}, {"value": "south", "label": text("South")}]},
            {"id": "districts", "choices": [
                choice("n1", json!({"region": "north"})), choice("n2", json!({"region": "north"})),
                choice("s1", json!({"region": "south"}))]},
            {"id": "villages", "choices": [
                choice("n1a", json!({"district": "n1"})), choice("n2a", json!({"district": "n2"})),
                choice("s1a", json!({"district": "s1"}))]},
            {"id": "places", "choices": [
                choice("market", json!({"region": "north", "kind": "public"})),
                choice("home", json!({"region": "north", "kind": "private"})),
                choice("school", json!({"region": "south", "kind": "public"}))]},
        ],
        "sections": [{ "id": "main", "title": text("Main"), "questions": [
            question("region", "regions", None),
            question("district", "districts", Some("region = ${region}")),
            question("village", "villages", Some("district=${district}")),
            question("place", "places", Some("region = ${region} and kind != 'private'")),
            question("other_region", "regions", Some("name != ${region}")),
        ]}],
    });
    let survey: Survey = serde_json::from_value(definition).expect("cascade deserialises");
    assert_eq!(survey.check(), vec![]);
    survey
}

#[test]
fn choice_filters_offer_only_the_children_of_earlier_answers() {
    let survey = cascade();
    let form = Form::new(&survey);
    let answers = json!({"region": "north", "district": "n2"});
    let Json::Object(answers) = answers else {
        panic!("an object")
    };
    let inspection = form.inspect(&answers, (None, "en"), &[]);
    let offered = |id: &str| -> Vec<&str> {
        inspection
            .offered(id, None)
            .iter()
            .map(|choice| choice.value.as_str())
            .collect()
    };
    assert_eq!(offered("region"), ["north", "south"]);
    assert_eq!(offered("district"), ["n1", "n2"]);
    assert_eq!(offered("village"), ["n2a"]);
    assert_eq!(offered("place"), ["market"]);
    assert_eq!(offered("other_region"), ["south"]);

    let valid = json!({"region": "south", "district": "s1", "village": "s1a", "place": "school", "other_region": "north"});
    assert_eq!(codes(&survey, valid), vec![]);
    let stale = json!({"region": "south", "district": "n1", "village": "n1a", "place": "home", "other_region": "south"});
    assert_eq!(
        codes(&survey, stale),
        vec![
            ("district".to_owned(), FieldErrorCode::NotInList),
            ("place".to_owned(), FieldErrorCode::NotInList),
            ("other_region".to_owned(), FieldErrorCode::NotInList),
        ]
    );
    // Before the parent is answered, nothing is offered, so nothing can be chosen.
    assert_eq!(
        codes(&survey, json!({"district": "n1"})),
        vec![("district".to_owned(), FieldErrorCode::NotInList)]
    );
}

#[test]
fn a_filter_is_checked_against_the_list_it_filters() {
    let mut json: Json = serde_json::from_str(&cascade().to_json_pretty()).expect("json");
    json["sections"][0]["questions"][1]["choice_filter"] =
        json!("regoin = ${region} and ${nowhere}");
    json["sections"][0]["questions"][0]["choice_filter"] = json!("name = 'x'");
    json["choice_lists"][1]["choices"][0]["columns"]["1st"] = json!("x");
    let survey: Survey = serde_json::from_value(json).expect("deserialises");
    let problems: Vec<(String, crate::check::ProblemCode)> = survey
        .check()
        .into_iter()
        .map(|problem| (problem.path, problem.code))
        .collect();
    use crate::check::ProblemCode;
    assert_eq!(
        problems,
        vec![
            (
                "choice_lists.districts.choices.n1.columns".to_owned(),
                ProblemCode::InvalidId
            ),
            (
                "questions.district.choice_filter".to_owned(),
                ProblemCode::UnknownReference
            ),
            (
                "questions.district.choice_filter".to_owned(),
                ProblemCode::UnknownReference
            ),
        ],
        "{:#?}",
        survey.check()
    );
    let mut json: Json = serde_json::from_str(&cascade().to_json_pretty()).expect("json");
    json["sections"][0]["questions"][0]["kind"] = json!({"type": "text", "max_length": 9});
    json["sections"][0]["questions"][0]["choice_filter"] = json!("name = 'x'");
    let survey: Survey = serde_json::from_value(json).expect("deserialises");
    assert_eq!(
        survey
            .check()
            .into_iter()
            .map(|p| (p.path, p.code))
            .collect::<Vec<_>>(),
        vec![(
            "questions.region.choice_filter".to_owned(),
            crate::check::ProblemCode::WrongKind
        )]
    );
}
