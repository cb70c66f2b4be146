use serde_json::{Value as Json, json};

use super::*;
use crate::default_survey::COMMUNITY_SAFETY_JSON;

fn edited(edit: impl FnOnce(&mut Json)) -> Survey {
    let mut json: Json = serde_json::from_str(COMMUNITY_SAFETY_JSON).expect("shipped JSON parses");
    edit(&mut json);
    serde_json::from_value(json).expect("edited survey still deserialises")
}

/// The question object with `id`, wherever it is (rosters included).
fn question<'a>(json: &'a mut Json, id: &str) -> &'a mut Json {
    // Find the JSON pointer first, read-only: indexing a `Json` mutably would
    // insert the keys it looks for.
    fn find(questions: &Json, id: &str, at: String) -> Option<String> {
        questions
            .as_array()?
            .iter()
            .enumerate()
            .find_map(|(i, question)| {
                let here = format!("{at}/{i}");
                if question["id"] == id {
                    return Some(here);
                }
                find(
                    question.pointer("/kind/questions")?,
                    id,
                    format!("{here}/kind/questions"),
                )
            })
    }
    let pointer = json["sections"]
        .as_array()
        .expect("sections")
        .iter()
        .enumerate()
        .find_map(|(s, section)| {
            find(
                &section["questions"],
                id,
                format!("/sections/{s}/questions"),
            )
        })
        .unwrap_or_else(|| panic!("no question {id}"));
    json.pointer_mut(&pointer).expect("pointer just found")
}

fn problems(survey: &Survey) -> Vec<(String, ProblemCode)> {
    survey
        .check()
        .into_iter()
        .map(|p| (p.path, p.code))
        .collect()
}

#[track_caller]
fn assert_problem(survey: &Survey, path: &str, code: ProblemCode) {
    let found = problems(survey);
    assert!(
        found.contains(&(path.to_owned(), code)),
        "expected {path} {code:?}, found {found:#?}"
    );
}

#[test]
fn default_questionnaire_passes() {
    assert_eq!(problems(&crate::community_safety()), vec![]);
}

#[test]
fn duplicate_ids_across_sections_and_rosters() {
    let survey = edited(|json| question(json, "mem_sex")["id"] = json!("resp_sex"));
    assert_problem(&survey, "questions.resp_sex", ProblemCode::DuplicateId);
    let survey = edited(|json| json["choice_lists"][1]["id"] = json!("yes_no_dk_ra"));
    assert_problem(
        &survey,
        "choice_lists.yes_no_dk_ra",
        ProblemCode::DuplicateId,
    );
    let survey = edited(|json| json["choice_lists"][0]["choices"][1]["value"] = json!("yes"));
    assert_problem(
        &survey,
        "choice_lists.yes_no_dk_ra.choices.yes",
        ProblemCode::DuplicateId,
    );
}

#[test]
fn bad_ids_and_structural_limits() {
    let survey = edited(|json| question(json, "saf_1")["id"] = json!("1st"));
    assert_problem(&survey, "questions.1st", ProblemCode::InvalidId);
    let long = "q".repeat(65);
    let survey = edited(|json| question(json, "saf_1")["id"] = json!(long));
    assert_problem(
        &survey,
        &format!("questions.{long}.id"),
        ProblemCode::OutOfBounds,
    );
    let survey = edited(|json| json["version"] = json!(0));
    assert_problem(&survey, "version", ProblemCode::OutOfBounds);
    let survey = edited(|json| json["choice_lists"][0]["choices"][0]["value"] = json!("has space"));
    assert_problem(
        &survey,
        "choice_lists.yes_no_dk_ra.choices.has space",
        ProblemCode::InvalidId,
    );
}

#[test]
fn expressions_that_do_not_parse_report_their_position() {
    let survey = edited(|json| question(json, "saf_1b")["relevant"] = json!("${saf_1} = "));
    let problem = survey
        .check()
        .into_iter()
        .find(|p| p.code == ProblemCode::ExpressionSyntax)
        .expect("reported");
    assert_eq!(problem.path, "questions.saf_1b.relevant");
    assert!(
        problem.message.contains("at byte 11"),
        "{}",
        problem.message
    );
}

#[test]
fn a_regex_pattern_that_does_not_compile_is_refused_with_its_reason() {
    let survey =
        edited(|json| question(json, "resp_age")["constraint"] = json!("regex(., '[0-9')"));
    let problem = survey
        .check()
        .into_iter()
        .find(|p| p.path == "questions.resp_age.constraint")
        .expect("reported");
    assert_eq!(problem.code, ProblemCode::ExpressionSyntax);
    assert!(
        problem.message.contains("`[` is never closed by `]`"),
        "{}",
        problem.message
    );
}

#[test]
fn choice_names_are_asked_of_questions_with_choices() {
    let survey = edited(|json| {
        question(json, "saf_1b")["relevant"] = json!("jr:choice-name(${saf_1}, '${saf_1}') != ''");
    });
    assert_eq!(problems(&survey), vec![]);
    let survey = edited(|json| {
        question(json, "saf_1b")["relevant"] = json!("jr:choice-name(${saf_1}, ${saf_1}) != ''");
    });
    assert_problem(
        &survey,
        "questions.saf_1b.relevant",
        ProblemCode::ExpressionSyntax,
    );
    let survey = edited(|json| {
        question(json, "saf_1b")["relevant"] = json!("jr:choice-name(1, '${resp_age}') != ''");
    });
    assert_problem(&survey, "questions.saf_1b.relevant", ProblemCode::WrongKind);
    let survey = edited(|json| {
        question(json, "saf_1b")["relevant"] = json!("jr:choice-name(1, '${nothing}') != ''");
    });
    assert_problem(
        &survey,
        "questions.saf_1b.relevant",
        ProblemCode::UnknownReference,
    );
}

#[test]
fn references_to_unknown_questions() {
    let survey =
        edited(|json| question(json, "rep_2")["relevant"] = json!("${rep_one} = 'not_reported'"));
    assert_problem(
        &survey,
        "questions.rep_2.relevant",
        ProblemCode::UnknownReference,
    );
    let survey = edited(|json| {
        json["indicators"][3]["denominator"]["filter"] = json!("${victim} = 'yes'");
    });
    assert_problem(
        &survey,
        "indicators.sdg_16_3_1.denominator.filter",
        ProblemCode::UnknownReference,
    );
}

#[test]
fn placeholders_in_texts_name_questions() {
    let survey = edited(|json| {
        question(json, "saf_1b")["label"]["en"] = json!("You said ${saf_1}; and ${nowhere}?");
    });
    assert_eq!(
        problems(&survey),
        [(
            "questions.saf_1b.label.en".to_owned(),
            ProblemCode::UnknownReference
        )]
    );
}

#[test]
fn current_value_and_position_only_where_meaningful() {
    let survey = edited(|json| question(json, "saf_1b")["relevant"] = json!(". = 'never'"));
    assert_problem(
        &survey,
        "questions.saf_1b.relevant",
        ProblemCode::MisplacedExpression,
    );
    let survey = edited(|json| question(json, "saf_1b")["relevant"] = json!("position(..) = 1"));
    assert_problem(
        &survey,
        "questions.saf_1b.relevant",
        ProblemCode::MisplacedExpression,
    );
    let survey = edited(|json| question(json, "wg_intro")["constraint"] = json!(". > 1"));
    assert_problem(
        &survey,
        "questions.wg_intro.constraint",
        ProblemCode::MisplacedExpression,
    );
}

#[test]
fn cycles_between_calculations() {
    let survey = edited(|json| {
        let questions = json["sections"][0]["questions"]
            .as_array_mut()
            .expect("questions");
        questions.push(
            json!({"id": "calc_a", "label": {"en": "a", "fr": "a", "ar": "a"},
            "kind": {"type": "calculate", "calculation": "${calc_b} + 1"}}),
        );
        questions.push(
            json!({"id": "calc_b", "label": {"en": "b", "fr": "b", "ar": "b"},
            "kind": {"type": "calculate", "calculation": "${calc_a} * 2"}}),
        );
    });
    let cycles: Vec<_> = survey
        .check()
        .into_iter()
        .filter(|p| p.code == ProblemCode::Cycle)
        .collect();
    assert_eq!(cycles.len(), 1, "{cycles:#?}");
    assert!(
        cycles[0]
            .message
            .contains("${calc_a} → ${calc_b} → ${calc_a}"),
        "{}",
        cycles[0].message
    );
}

#[test]
fn relevance_that_depends_on_itself_is_a_cycle() {
    let survey = edited(|json| question(json, "saf_2")["relevant"] = json!("${saf_2} = 'safe'"));
    assert_problem(&survey, "questions.saf_2", ProblemCode::Cycle);
}

#[test]
fn missing_translations_name_the_language() {
    let survey = edited(|json| {
        question(json, "vic_3")["label"]
            .as_object_mut()
            .expect("label")
            .remove("ar");
        json["choice_lists"][2]["choices"][0]["label"]["fr"] = json!("  ");
    });
    assert_problem(
        &survey,
        "questions.vic_3.label.ar",
        ProblemCode::MissingTranslation,
    );
    assert_problem(
        &survey,
        "choice_lists.sex.choices.female.label.fr",
        ProblemCode::MissingTranslation,
    );
}

#[test]
fn texts_carry_no_control_characters() {
    let survey = edited(|json| {
        question(json, "vic_3")["label"]["en"] = json!("Were you\u{1b}[2J attacked?");
        json["choice_lists"][2]["choices"][0]["label"]["fr"] = json!("Femme\u{0}");
        question(json, "vic_2")["label"]["en"] = json!("Line one\nline two\tend");
        question(json, "vic_1")["appearance"] = json!("minimal\nquick");
        question(json, "saf_1")["appearance"] = json!("w3 horizontal-compact");
    });
    assert_problem(
        &survey,
        "questions.vic_3.label.en",
        ProblemCode::InvalidText,
    );
    assert_problem(
        &survey,
        "choice_lists.sex.choices.female.label.fr",
        ProblemCode::InvalidText,
    );
    assert!(
        !problems(&survey).contains(&("questions.vic_2.label.en".into(), ProblemCode::InvalidText))
    );
    assert_problem(
        &survey,
        "questions.vic_1.appearance",
        ProblemCode::InvalidText,
    );
    assert!(!problems(&survey).contains(&(
        "questions.saf_1.appearance".into(),
        ProblemCode::InvalidText
    )));
}

#[test]
fn a_language_without_built_in_words_must_bring_its_own() {
    let survey = edited(|json| json["languages"] = json!(["en", "fr", "ar", "sw"]));
    let found = problems(&survey);
    assert!(found.contains(&("interface_words.sw".into(), ProblemCode::MissingTranslation)));
    assert!(found.contains(&("title.sw".into(), ProblemCode::MissingTranslation)));
    // A kind's own codes are asked for only where the survey has that kind.
    let listed = |survey: &Survey, key: &str| {
        survey
            .missing_interface_words("sw")
            .iter()
            .any(|k| k == key)
    };
    assert!(listed(&survey, "message.required"));
    assert!(!listed(&survey, "message.invalid_time"));
    let with_a_time = edited(|json| {
        json["languages"] = json!(["en", "fr", "ar", "sw"]);
        question(json, "vic_2")["kind"] = json!({"type": "time"});
    });
    assert!(listed(&with_a_time, "message.invalid_time"));
    assert!(!listed(&with_a_time, "message.invalid_date_time"));
    let survey = edited(|json| json["default_language"] = json!("pt"));
    assert_problem(&survey, "default_language", ProblemCode::InvalidLanguage);
}

#[test]
fn indicators_must_point_at_categorical_questions_and_their_categories() {
    let survey = edited(|json| json["indicators"][0]["components"][0]["question"] = json!("nope"));
    assert_problem(
        &survey,
        "indicators.sdg_16_1_4.components[0]",
        ProblemCode::UnknownQuestion,
    );
    let survey = edited(|json| {
        json["indicators"][0]["components"][0]["numerator"] = json!(["very_safe", "sure"])
    });
    assert_problem(
        &survey,
        "indicators.sdg_16_1_4.components[0]",
        ProblemCode::UnknownCategory,
    );
    let survey =
        edited(|json| json["indicators"][0]["components"][0]["question"] = json!("resp_age"));
    assert_problem(
        &survey,
        "indicators.sdg_16_1_4.components[0]",
        ProblemCode::WrongKind,
    );
    let survey =
        edited(|json| json["indicators"][0]["components"][0]["question"] = json!("chl_safe"));
    assert_problem(
        &survey,
        "indicators.sdg_16_1_4.components[0]",
        ProblemCode::WrongLevel,
    );
    let survey = edited(|json| json["indicators"][2]["reported"] = json!(["dk"]));
    assert_problem(
        &survey,
        "indicators.sdg_16_1_3b.components[0]",
        ProblemCode::UnknownCategory,
    );
}

#[test]
fn member_roles_and_indicators_read_one_roster() {
    let with_visitors = |json: &mut Json| {
        let household = json["sections"]
            .as_array()
            .and_then(|sections| {
                sections.iter().find_map(|section| {
                    section["questions"]
                        .as_array()?
                        .iter()
                        .find(|q| q["id"] == "household")
                        .cloned()
                })
            })
            .expect("the default questionnaire has a household roster");
        let mut visitors = household;
        visitors["id"] = json!("visitors");
        let members = visitors["kind"]["questions"]
            .as_array_mut()
            .expect("members");
        members.retain(|q| q["id"] == "mem_sex" || q["id"] == "mem_age");
        for member in members.iter_mut() {
            let id = member["id"]
                .as_str()
                .unwrap_or_default()
                .replace("mem_", "vis_");
            member["id"] = json!(id);
            member.as_object_mut().map(|q| q.remove("relevant"));
        }
        json["sections"][0]["questions"]
            .as_array_mut()
            .expect("questions")
            .push(visitors);
    };
    let survey = edited(|json| with_visitors(json));
    assert_eq!(survey.check(), vec![], "a second roster alone is fine");
    let survey = edited(|json| {
        with_visitors(json);
        json["roles"][7]["question"] = json!("vis_age");
    });
    let problems = survey.check();
    assert!(
        problems
            .iter()
            .any(|p| p.code == ProblemCode::WrongLevel && p.message.contains("vis_age")),
        "{problems:?}"
    );
}

#[test]
fn roles_must_fit_their_questions() {
    let survey = edited(|json| json["roles"][1]["question"] = json!("resp_sex"));
    assert_problem(&survey, "roles[1]", ProblemCode::WrongKind);
    let survey = edited(|json| json["roles"][0]["question"] = json!("mem_sex"));
    assert_problem(&survey, "roles[0]", ProblemCode::WrongLevel);
    let survey = edited(|json| json["roles"][6]["level"] = json!("respondent"));
    assert_problem(&survey, "roles[6]", ProblemCode::DuplicateRole);
    let survey = edited(|json| json["roles"][5]["disabled_if"] = json!(["a_lot", "blind"]));
    assert_problem(&survey, "roles[5]", ProblemCode::UnknownCategory);
    let survey = edited(|json| json["roles"][2]["question"] = json!("ghost"));
    assert_problem(&survey, "roles[2]", ProblemCode::UnknownQuestion);
    // Only a respondent's answer can describe the household.
    let survey = edited(|json| {
        json["roles"]
            .as_array_mut()
            .expect("roles")
            .push(json!({"role": "displacement", "level": "member", "question": "mem_sex", "household": true}));
    });
    let last = survey.roles.len() - 1;
    assert_problem(
        &survey,
        &format!("roles[{last}].household"),
        ProblemCode::WrongLevel,
    );
}

#[test]
fn minors_rules_need_an_age_role() {
    let survey = edited(|json| {
        json["roles"].as_array_mut().expect("roles").remove(1);
    });
    assert_problem(&survey, "consent.minors", ProblemCode::MissingRole);
    let survey = edited(|json| json["consent"]["minors"]["self_respondent_min_age"] = json!(18));
    assert_problem(&survey, "consent.minors", ProblemCode::InvalidRange);
}

#[test]
fn kinds_lists_ranges_and_rosters() {
    let survey = edited(|json| question(json, "saf_1")["kind"]["list"] = json!("no_such_list"));
    assert_problem(
        &survey,
        "questions.saf_1.kind.list",
        ProblemCode::UnknownList,
    );
    let survey = edited(|json| {
        question(json, "resp_age")["kind"] = json!({"type": "integer", "min": 10, "max": 5})
    });
    assert_problem(
        &survey,
        "questions.resp_age.kind",
        ProblemCode::InvalidRange,
    );
    let survey = edited(|json| {
        let roster = question(json, "household").clone();
        question(json, "household")["kind"]["questions"]
            .as_array_mut()
            .expect("members")
            .push(json!({
                "id": "inner", "label": roster["label"], "kind": {"type": "roster", "max_rows": 2,
                "row_label": roster["label"], "questions": []}
            }));
    });
    assert_problem(&survey, "questions.inner", ProblemCode::NestedRoster);
    let survey = edited(|json| question(json, "resp_area")["kind"]["levels"] = json!(3));
    assert_problem(
        &survey,
        "questions.resp_area.kind.levels",
        ProblemCode::InvalidArea,
    );
    let survey = edited(|json| json["areas"][0]["children"] = json!([]));
    assert_problem(&survey, "areas.north", ProblemCode::InvalidArea);
}

#[test]
fn every_problem_is_reported_at_once() {
    let survey = edited(|json| {
        question(json, "mem_sex")["id"] = json!("resp_sex");
        question(json, "saf_1b")["relevant"] = json!("${saf_1} = ");
        question(json, "rep_2")["relevant"] = json!("${nobody} = 1");
        question(json, "vic_3")["label"]
            .as_object_mut()
            .expect("label")
            .remove("fr");
        json["indicators"][0]["components"][0]["numerator"] = json!(["sure"]);
        json["roles"][1]["question"] = json!("resp_area");
    });
    let mut codes: Vec<ProblemCode> = survey.check().into_iter().map(|p| p.code).collect();
    codes.sort_by_key(|code| format!("{code:?}"));
    codes.dedup();
    for expected in [
        ProblemCode::DuplicateId,
        ProblemCode::ExpressionSyntax,
        ProblemCode::UnknownReference,
        ProblemCode::MissingTranslation,
        ProblemCode::UnknownCategory,
        ProblemCode::WrongKind,
    ] {
        assert!(
            codes.contains(&expected),
            "{expected:?} missing from {codes:?}"
        );
    }
}

#[test]
fn unknown_fields_are_refused_when_loading() {
    let mut json: Json = serde_json::from_str(COMMUNITY_SAFETY_JSON).expect("parses");
    question(&mut json, "saf_1b")["relevent"] = json!("true()");
    let error = serde_json::from_value::<Survey>(json).expect_err("misspelt key refused");
    assert!(error.to_string().contains("relevent"), "{error}");
}

#[test]
fn a_default_must_be_an_answer_to_its_question() {
    let with = |defaults: &[(&str, &str)]| {
        let defaults: Vec<(String, String)> = defaults
            .iter()
            .map(|(id, default)| ((*id).to_owned(), (*default).to_owned()))
            .collect();
        edited(move |json| {
            for (id, default) in defaults {
                question(json, &id)["default"] = json!(default);
            }
        })
    };
    let fine = with(&[
        ("resp_sex", "female"),
        ("resp_age", "30"),
        ("saf_1c", "crime gangs_drugs"),
        ("saf_3", "never"),
    ]);
    let found = problems(&fine);
    assert!(
        !found
            .iter()
            .any(|(path, _)| path.ends_with(".default") || path.contains("saf_3")),
        "{found:?}"
    );
    for (id, default, code) in [
        ("resp_sex", "unknown", ProblemCode::InvalidDefault),
        ("resp_age", "121", ProblemCode::InvalidDefault),
        ("resp_age", "thirty", ProblemCode::InvalidDefault),
        ("resp_age", "2.5", ProblemCode::InvalidDefault),
        ("saf_1c", "crime crime", ProblemCode::InvalidDefault),
        ("saf_1c", "crime nonsense", ProblemCode::InvalidDefault),
        ("resp_sex", " ", ProblemCode::InvalidDefault),
        ("resp_sex", "fe\u{7}male", ProblemCode::InvalidDefault),
        ("wg_intro", "hello", ProblemCode::WrongKind),
        ("resp_area", "north", ProblemCode::WrongKind),
        ("household", "1", ProblemCode::WrongKind),
    ] {
        let survey = with(&[(id, default)]);
        assert_problem(&survey, &format!("questions.{id}.default"), code);
        let message = survey
            .check()
            .into_iter()
            .find(|problem| problem.path.ends_with(".default"))
            .map(|problem| problem.message)
            .unwrap_or_default();
        assert!(message.contains(&format!("`{id}`")), "{message}");
    }
}

#[test]
fn dates_times_and_texts_take_defaults_of_their_own_shape() {
    let survey = |kind: Json, default: &str| {
        let default = default.to_owned();
        edited(move |json| {
            let question = question(json, "resp_age");
            question["kind"] = kind;
            question["default"] = json!(default);
            question.as_object_mut().map(|q| q.remove("constraint"));
        })
    };
    let default_problems = |survey: &Survey| -> Vec<(String, ProblemCode)> {
        problems(survey)
            .into_iter()
            .filter(|(path, _)| path.ends_with(".default"))
            .collect()
    };
    for (kind, good, bad) in [
        (json!({"type": "date"}), "2024-02-29", "2023-02-29"),
        (json!({"type": "time"}), "08:30", "25:00"),
        (
            json!({"type": "date_time"}),
            "2024-01-31T08:30",
            "2024-01-31",
        ),
        (
            json!({"type": "text", "max_length": 5}),
            "Kigali",
            "Kigal\u{1b}",
        ),
        (
            json!({"type": "text", "max_length": 5}),
            "Goma",
            "Bujumbura",
        ),
        (json!({"type": "yes_no"}), "no", "maybe"),
        (json!({"type": "decimal", "min": 0.5}), "0.75", "0.25"),
    ] {
        let good_survey = survey(kind.clone(), good);
        // "Kigali" is six characters: too long for the 5 allowed.
        if good != "Kigali" {
            assert_eq!(default_problems(&good_survey), vec![], "{kind} {good}");
        }
        assert_eq!(
            default_problems(&survey(kind.clone(), bad)),
            vec![(
                "questions.resp_age.default".to_owned(),
                ProblemCode::InvalidDefault
            )],
            "{kind} {bad}"
        );
    }
}

#[test]
fn a_new_interview_starts_with_the_defaults_outside_rosters() {
    let survey = edited(|json| {
        question(json, "resp_sex")["default"] = json!("female");
        question(json, "resp_age")["default"] = json!("30");
        question(json, "saf_1c")["default"] = json!("crime gangs_drugs");
        question(json, "mem_relationship")["default"] = json!("self");
    });
    let answers = survey.default_answers();
    assert_eq!(
        Json::Object(answers),
        json!({"resp_sex": "female", "resp_age": 30, "saf_1c": ["crime", "gangs_drugs"]})
    );
    let Some(QuestionKind::Roster { questions, .. }) = survey
        .question("household")
        .map(|place| &place.question.kind)
    else {
        panic!("the household roster");
    };
    assert_eq!(
        Json::Object(crate::schema::default_answers(questions)),
        json!({"mem_relationship": "self"})
    );
}

#[test]
fn indexed_repeat_reads_a_question_of_the_roster_it_names() {
    let with = |relevant: &str| {
        let relevant = relevant.to_owned();
        edited(move |json| question(json, "saf_2")["relevant"] = json!(relevant))
    };
    let on_path = |survey: &Survey| -> Vec<(ProblemCode, String)> {
        survey
            .check()
            .into_iter()
            .filter(|problem| problem.path == "questions.saf_2.relevant")
            .map(|problem| (problem.code, problem.message))
            .collect()
    };
    assert_eq!(
        on_path(&with("indexed-repeat(${mem_age}, ${household}, 1) > 15")),
        vec![]
    );
    for (relevant, code, words) in [
        (
            "indexed-repeat(${resp_age}, ${household}, 1) > 15",
            ProblemCode::WrongKind,
            "`${resp_age}` is not a question of roster `household` (it is outside any roster)",
        ),
        (
            "indexed-repeat(${mem_age}, ${resp_age}, 1) > 15",
            ProblemCode::WrongKind,
            "`${resp_age}` is an integer question, not a roster",
        ),
        (
            "indexed-repeat('mem_age', ${household}, 1) > 15",
            ProblemCode::ExpressionSyntax,
            "indexed-repeat names a question and its roster",
        ),
    ] {
        let found = on_path(&with(relevant));
        assert!(
            found
                .iter()
                .any(|(at, message)| *at == code && message.contains(words)),
            "{relevant}: {found:?}"
        );
    }
}
