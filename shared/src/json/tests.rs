//! The reader against serde: same value when serde reads a document, a
//! refusal exactly when serde refuses it, on the default questionnaire, a
//! survey using every part of the schema, generated surveys, mutations of
//! each, arbitrary JSON and hostile documents.

use proptest::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::json;

use super::*;
use crate::api::{ErrorBody, Receipt, SurveySummary};
use crate::schema::{Denominator, QuestionKind, Required, Role};
use crate::{FieldErrorCode, Survey};

/// Whether reader and serde agree on `text` read as a `T`: both refuse, or
/// both read it and write the same JSON back. The reader's refusal when
/// they disagree.
fn agree<T: FromJson + DeserializeOwned + Serialize>(text: &str) -> Result<bool, String> {
    let by_serde = serde_json::from_str::<T>(text);
    let by_reader = read_str::<T>(text);
    match (by_serde, by_reader) {
        (Ok(serde), Ok(reader)) => {
            let (serde, reader) = (
                serde_json::to_value(&serde).expect("writes"),
                serde_json::to_value(&reader).expect("writes"),
            );
            if serde == reader {
                Ok(true)
            } else {
                Err(format!("both read it, differently:\n{serde}\n{reader}"))
            }
        }
        (Err(_), Err(_)) => Ok(false),
        (Ok(_), Err(e)) => Err(format!("serde reads it, the reader refuses: {e}")),
        (Err(e), Ok(_)) => Err(format!("the reader reads it, serde refuses: {e}")),
    }
}

#[track_caller]
fn assert_agree<T: FromJson + DeserializeOwned + Serialize>(text: &str) -> bool {
    match agree::<T>(text) {
        Ok(read) => read,
        Err(e) => panic!("{e}\nin {text}"),
    }
}

const DEFAULT: &str = include_str!("../../surveys/community-safety.json");

fn text(en: &str) -> Value {
    json!({ "en": en, "fr": format!("{en} (fr)") })
}

/// A survey with every struct, every optional field, every kind, role and
/// denominator of the schema, small enough to mutate everywhere.
fn every_part() -> Value {
    let kinds: Vec<Value> = crate::sample::QUESTION_KINDS
        .iter()
        .map(|kind| serde_json::from_str(kind).expect("json"))
        .collect();
    let mut questions: Vec<Value> = kinds
        .into_iter()
        .enumerate()
        .map(|(n, kind)| json!({"id": format!("q{n}"), "label": text("Q"), "kind": kind}))
        .collect();
    questions[0] = json!({
        "id": "q0", "code": "SAF-1", "label": text("Q"), "hint": text("Hint"),
        "kind": {"type": "single", "list": "yn"}, "required": "${q2} = 'yes'",
        "relevant": "${q2} = 'yes'", "constraint": ". != 'no'",
        "constraint_message": text("No"), "choice_filter": "region = ${q10}",
        "source": "ours", "appearance": "minimal", "microdata_safe": true,
        "default": "yes",
    });
    questions[2]["required"] = json!(true);
    questions[13]["kind"]["questions"] = json!([
        {"id": "m_age", "label": text("Age"), "kind": {"type": "integer", "max": 120}},
        {"id": "m_sex", "label": text("Sex"), "kind": {"type": "single", "list": "yn"}},
    ]);
    json!({
        "id": "every", "version": 7, "languages": ["en", "fr"], "default_language": "en",
        "title": text("Every"), "description": text("Description"), "public": true,
        "channels": ["online", "enumerator"],
        "consent": {"script": text("Script"), "question": text("Agree?"),
            "minors": {"self_respondent_min_age": 12, "adult_age": 18,
                "adult_consent_question": text("Adult?"), "assent_question": text("Assent?")}},
        "safety_notice": text("Safety"),
        "area_levels": [{"id": "region", "label": text("Region")}],
        "areas": [{"code": "r1", "name": text("R1"),
            "children": [{"code": "d1", "name": text("D1")}]}],
        "choice_lists": [
            {"id": "yn", "choices": [
                {"value": "yes", "label": text("Yes"), "columns": {"region": "r1"}},
                {"value": "no", "label": text("No"), "exclusive": true, "missing": "na"}]},
        ],
        "sections": [
            {"id": "main", "title": text("Main"), "questions": questions},
            {"id": "module", "title": text("Module"), "relevant": "true()", "sensitive": true,
                "drawn_among": "${m_age} >= 15", "referrals": text("Help"),
                "questions": [{"id": "v", "label": text("V"), "kind": {"type": "yes_no"}}]},
        ],
        "roles": [
            {"role": "sex", "level": "member", "question": "m_sex"},
            {"role": "age", "level": "member", "question": "m_age"},
            {"role": "location", "level": "respondent", "question": "q10"},
            {"role": "disability", "level": "respondent", "questions": ["q0"], "disabled_if": ["yes"]},
            {"role": "displacement", "level": "respondent", "question": "q0", "household": true},
            {"role": "urban_rural", "level": "respondent", "question": "q0"},
        ],
        "indicators": [
            {"id": "i1", "code": "SDG 16.1.4", "name": text("Safe"), "unit": "respondent",
                "components": [{"question": "q0", "numerator": ["yes"]}],
                "denominator": {"rule": "all"}, "reported": ["no"], "source": "UN"},
            {"id": "i2", "code": "X", "name": text("X"), "unit": "member",
                "components": [{"question": "m_sex", "numerator": ["yes"]}],
                "denominator": {"rule": "valid_answers"}, "reported": []},
            {"id": "i3", "code": "Y", "name": text("Y"), "unit": "respondent",
                "components": [{"question": "q0", "numerator": ["yes"]}],
                "denominator": {"rule": "subpopulation", "filter": "${q2} = 'yes'"}, "reported": []},
        ],
        "messages": {"required": text("Please answer"), "too_long": text("Too long")},
        "interface_words": {"sw": {"form.yes": "Ndiyo"}},
    })
}

#[test]
fn the_default_questionnaire_and_every_part_read_the_same() {
    assert!(assert_agree::<Survey>(DEFAULT));
    let every = every_part();
    assert!(assert_agree::<Survey>(&every.to_string()));
    let survey: Survey = read_str(&every.to_string()).expect("reads");
    // Nothing lost on the way: every field written back.
    assert_eq!(serde_json::to_value(&survey).expect("writes"), every);
    for kind in crate::sample::QUESTION_KINDS {
        assert!(assert_agree::<QuestionKind>(kind));
    }
}

#[test]
fn the_api_bodies_read_the_same() {
    let summary = json!([{"id": "s", "version": 2, "title": text("S"), "languages": ["en"],
        "default_language": "en", "public": true, "extra": 1}]);
    assert!(assert_agree::<Vec<SurveySummary>>(&summary.to_string()));
    let receipt = json!({"submission_id": "67e55044-10b1-426f-9247-bb680e5fe0c8",
        "survey_id": "s", "survey_version": 2, "received_at": "2026-01-01T00:00:00Z",
        "content_sha256": "ab"});
    assert!(assert_agree::<Receipt>(&receipt.to_string()));
    let error = json!({"error": {"code": "invalid", "message": "no",
        "fields": [{"path": "a", "code": "required", "message": "m"}]}});
    assert!(assert_agree::<ErrorBody>(&error.to_string()));
    assert!(assert_agree::<ErrorBody>(
        r#"{"error": {"code": "invalid", "message": "no"}}"#
    ));
    for wrong in [
        r#"{"submission_id": "nope", "survey_id": "s", "survey_version": 2, "received_at": "", "content_sha256": ""}"#,
        r#"{"submission_id": 3, "survey_id": "s", "survey_version": 2, "received_at": "", "content_sha256": ""}"#,
        r#"{"submission_id": "{67e55044-10b1-426f-9247-bb680e5fe0c8}", "survey_id": "s", "survey_version": 2, "received_at": "", "content_sha256": ""}"#,
        r#"{"submission_id": "67e5504410b1426f9247bb680e5fe0c8", "survey_id": "s", "survey_version": -2, "received_at": "", "content_sha256": ""}"#,
    ] {
        assert_agree::<Receipt>(wrong);
    }
}

/// Every place in a document: the path of keys and indices to it.
fn places(value: &Value) -> Vec<Vec<Step>> {
    let mut found = vec![vec![]];
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                for mut place in places(inner) {
                    place.insert(0, Step::Key(key.clone()));
                    found.push(place);
                }
            }
        }
        Value::Array(items) => {
            for (index, inner) in items.iter().enumerate() {
                for mut place in places(inner) {
                    place.insert(0, Step::Index(index));
                    found.push(place);
                }
            }
        }
        _ => {}
    }
    found
}

fn at<'v>(value: &'v mut Value, place: &[Step]) -> &'v mut Value {
    place.iter().fold(value, |value, step| match step {
        Step::Key(key) => &mut value[key.as_str()],
        Step::Index(index) => &mut value[*index],
    })
}

/// Values of every JSON type and the edges of the number types.
fn wrong_values() -> Vec<Value> {
    vec![
        Value::Null,
        json!(true),
        json!(0),
        json!(1),
        json!(-1),
        json!(4_294_967_295u64),
        json!(4_294_967_296u64),
        json!(u64::MAX),
        json!(i64::MIN),
        json!(1.5),
        json!(2.0),
        json!(1e300),
        json!(""),
        json!("x"),
        json!("dk"),
        json!("${a} = 1"),
        json!("not a uuid"),
        json!([]),
        json!(["en"]),
        json!({}),
        json!({"en": "x"}),
    ]
}

/// Every mutation of `document` at `place`: each key taken out, an unknown
/// key added, the value replaced by one of each type, unknown names, and
/// fields of other variants.
fn mutations(document: &Value, place: &[Step]) -> Vec<Value> {
    let mut out = Vec::new();
    let mut edit = |change: &dyn Fn(&mut Value)| {
        let mut changed = document.clone();
        change(at(&mut changed, place));
        out.push(changed);
    };
    for wrong in wrong_values() {
        edit(&|v| *v = wrong.clone());
    }
    let target = at(&mut document.clone(), place).clone();
    if let Value::Object(map) = &target {
        for key in map.keys() {
            edit(&|v| {
                v.as_object_mut().expect("object").remove(key);
            });
        }
        edit(&|v| {
            v["relevent"] = json!("1");
        });
        // Fields of every variant of the tagged enums.
        for (field, value) in [
            ("list", json!("yn")),
            ("max_length", json!(3)),
            ("min", json!(1)),
            ("max", json!(2.5)),
            ("min_choices", json!(1)),
            ("levels", json!(2)),
            ("calculation", json!("1")),
            ("max_rows", json!(3)),
            ("row_label", text("Row")),
            ("questions", json!([])),
            ("question", json!("q0")),
            ("disabled_if", json!(["yes"])),
            ("household", json!(true)),
            ("filter", json!("1")),
        ] {
            edit(&|v| {
                v[field] = value.clone();
            });
        }
        for tag in ["type", "role", "rule", "level", "unit", "missing"] {
            if map.contains_key(tag) {
                for name in ["slider", "member", "all", "roster", "single", "Sex", ""] {
                    edit(&|v| v[tag] = json!(name));
                }
            }
        }
        // serde's positional form of a struct.
        edit(&|v| *v = Value::Array(map.values().cloned().collect()));
    }
    if let Value::Array(items) = &target {
        edit(&|v| v.as_array_mut().expect("array").push(json!(null)));
        if !items.is_empty() {
            edit(&|v| {
                v.as_array_mut().expect("array").pop();
            });
        }
    }
    out
}

#[test]
fn every_part_mutated_everywhere_is_refused_exactly_when_serde_refuses() {
    let every = every_part();
    let (mut read, mut refused) = (0, 0);
    for place in places(&every) {
        for changed in mutations(&every, &place) {
            if assert_agree::<Survey>(&changed.to_string()) {
                read += 1;
            } else {
                refused += 1;
            }
        }
    }
    // The mutations are worth something: many read, many refused.
    assert!(
        read > 1000 && refused > 1000,
        "{read} read, {refused} refused"
    );
}

#[test]
fn the_default_questionnaire_mutated_agrees() {
    let default: Value = serde_json::from_str(DEFAULT).expect("json");
    for place in places(&default).iter().step_by(41) {
        for changed in mutations(&default, place) {
            assert_agree::<Survey>(&changed.to_string());
        }
    }
}

#[test]
fn refusals_say_where_and_what() {
    let mut every = every_part();
    every["sections"][0]["questions"][3]["kind"]["type"] = json!("foo");
    let error = read_str::<Survey>(&every.to_string()).expect_err("refused");
    assert_eq!(
        error.to_string(),
        "sections[0].questions[3].kind: unknown variant `foo`"
    );
    assert_eq!(error.path(), "sections[0].questions[3].kind");
    let mut every = every_part();
    every["consent"]["minors"]["adult_age"] = json!(4_294_967_296u64);
    let error = read_str::<Survey>(&every.to_string()).expect_err("refused");
    assert_eq!(
        error.to_string(),
        "consent.minors.adult_age: expected a u32, found 4294967296"
    );
    let mut every = every_part();
    every["messages"]["no_such_code"] = text("x");
    let error = read_str::<Survey>(&every.to_string()).expect_err("refused");
    assert_eq!(
        error.to_string(),
        "messages: unknown error code `no_such_code`"
    );
    let mut every = every_part();
    every["sections"][1]["questions"][0]["relevent"] = json!("1");
    let error = read_str::<Survey>(&every.to_string()).expect_err("refused");
    assert_eq!(
        error.to_string(),
        "sections[1].questions[0]: unknown field `relevent`"
    );
    let error = read_str::<Survey>("{").expect_err("refused");
    assert!(error.to_string().contains("EOF"), "{error}");
    let error = read_str::<Survey>("[]").expect_err("refused");
    assert!(error.to_string().contains("array of 0 values"), "{error}");
}

/// The one known difference, kept visible: a struct's field written twice
/// is refused by serde and read as its last value here (the `Value` keeps
/// the last). The server writes every document the browser reads.
#[test]
fn a_field_written_twice_is_the_one_difference() {
    let text = r#"{"script": {"en": "a"}, "script": {"en": "b"}, "question": {}}"#;
    assert!(serde_json::from_str::<crate::schema::Consent>(text).is_err());
    let read: crate::schema::Consent = read_str(text).expect("the last one");
    assert_eq!(read.script.get("en", "en"), "b");
}

#[test]
fn the_odd_corners_of_serde_agree() {
    // `null` is None for an Option, but choice_filter goes through
    // read_choice_filter, which wants a string.
    for (field, value) in [
        ("relevant", json!(null)),
        ("choice_filter", json!(null)),
        ("required", json!(null)),
        ("microdata_safe", json!(null)),
        ("code", json!(null)),
    ] {
        let mut every = every_part();
        every["sections"][0]["questions"][0][field] = value;
        assert_agree::<Survey>(&every.to_string());
    }
    // A struct written as an array of its fields, as serde accepts.
    let consent = json!([text("S"), text("Q")]);
    assert!(assert_agree::<crate::schema::Consent>(&consent.to_string()));
    assert!(!assert_agree::<crate::schema::Consent>(
        &json!([text("S")]).to_string()
    ));
    assert!(!assert_agree::<crate::schema::Consent>(
        &json!([text("S"), text("Q"), null, 1]).to_string()
    ));
    assert!(assert_agree::<QuestionKind>(
        r#"["single","yn",null,null,null,null,null,null,null,null,null,null,null]"#
    ));
    assert!(!assert_agree::<QuestionKind>(r#"["single","yn"]"#));
    for required in ["true", "false", r#""${a}""#, "1", "null", "[]", "{}"] {
        assert_agree::<Required>(required);
    }
    for role in [
        r#"{"role":"disability","level":"member","questions":[],"disabled_if":[]}"#,
        r#"{"role":"disability","level":"member","questions":[],"disabled_if":[],"question":"q"}"#,
        r#"{"role":"nope","level":"member","question":"q"}"#,
        r#"{"role":"nope","level":"member","questions":[]}"#,
        r#"{"role":"sex","level":"member"}"#,
    ] {
        assert_agree::<Role>(role);
    }
    for denominator in [
        r#"{"rule":"all","filter":null}"#,
        r#"{"rule":"subpopulation","filter":null}"#,
        r#"{"rule":"subpopulation"}"#,
    ] {
        assert_agree::<Denominator>(denominator);
    }
    for kind in [
        r#"{"type":"integer","min":-3,"max":18446744073709551615}"#,
        r#"{"type":"integer","min":-0}"#,
        r#"{"type":"decimal","min":-1e400}"#,
        r#"{"type":"decimal","min":1e308}"#,
        r#"{"type":"text","max_length":1.0}"#,
        r#"{"type":"multiple","list":"a","min_choices":null}"#,
        r#"{"type":"roster","max_rows":1,"row_label":{},"questions":[],"min_rows":null}"#,
        r#"{"type":null}"#,
        r#"{"list":"a"}"#,
    ] {
        assert_agree::<QuestionKind>(kind);
    }
    for key in ["required", "Required", "no_such", ""] {
        assert_agree::<std::collections::BTreeMap<FieldErrorCode, Text>>(
            &json!({ key: {"en": "x"} }).to_string(),
        );
    }
}

#[test]
fn hostile_documents_are_refused_as_serde_refuses_them() {
    // serde_json's recursion limit (128) holds for the reader's parse too.
    for depth in [100, 127, 128, 129, 1000, 100_000] {
        let nested = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        assert_agree::<Vec<Value>>(&nested);
        let mut every = every_part();
        every["interface_words"] = serde_json::from_str(&format!(
            "{{\"a\":{}{}}}",
            "[".repeat(depth.min(126)),
            "]".repeat(depth.min(126))
        ))
        .unwrap_or(Value::Null);
        assert_agree::<Survey>(&every.to_string());
        let text = every.to_string().replace(
            "\"interface_words\":",
            &format!("\"interface_words\":{}", "[".repeat(depth)),
        );
        assert!(!assert_agree::<Survey>(&text));
    }
    // Rosters in rosters: accepted or refused alike, up to the depth limit.
    for depth in [1, 10, 30, 40, 41, 42, 43, 60] {
        let mut question = json!({"id": "leaf", "label": text("L"), "kind": {"type": "note"}});
        for level in 0..depth {
            question = json!({"id": format!("r{level}"), "label": {}, "kind": {
                "type": "roster", "max_rows": 2, "row_label": {}, "questions": [question]}});
        }
        let mut every = every_part();
        every["sections"][1]["questions"] = json!([question]);
        assert_agree::<Survey>(&every.to_string());
    }
    // A huge list.
    let mut every = every_part();
    let choices: Vec<Value> = (0..100_000)
        .map(|n| json!({"value": format!("c{n}"), "label": {"en": "c"}}))
        .collect();
    every["choice_lists"][0]["choices"] = Value::Array(choices);
    assert!(assert_agree::<Survey>(&every.to_string()));
    // Control characters, escaped or raw, lone surrogates, trailing text.
    let every = every_part().to_string();
    for (from, to) in [
        ("\"Every\"", "\"Ev\\u0000ery\""),
        ("\"Every\"", "\"Ev\u{1}ery\""),
        ("\"Every\"", "\"Ev\nery\""),
        ("\"Every\"", "\"Ev\\ud800ery\""),
        ("\"Every\"", "\"Ev\\u00e9ry\u{202e}\""),
    ] {
        assert_agree::<Survey>(&every.replacen(from, to, 1));
    }
    assert!(!assert_agree::<Survey>(&format!("{every} x")));
    assert!(assert_agree::<Survey>(&format!(" {every}\n")));
}

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        prop_oneof![
            "\\PC{0,12}",
            Just("en".to_owned()),
            Just("single".to_owned()),
            Just("member".to_owned()),
            Just("required".to_owned()),
        ]
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 40, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::btree_map(
                prop_oneof![
                    "[a-z_]{1,8}",
                    Just("type".to_owned()),
                    Just("list".to_owned()),
                    Just("role".to_owned()),
                    Just("level".to_owned()),
                    Just("question".to_owned()),
                    Just("rule".to_owned()),
                    Just("en".to_owned()),
                    Just("error".to_owned()),
                    Just("code".to_owned()),
                    Just("message".to_owned()),
                ],
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn maybe(
    key: &'static str,
    value: impl Strategy<Value = Value>,
) -> impl Strategy<Value = Option<(&'static str, Value)>> {
    proptest::option::of(value.prop_map(move |v| (key, v)))
}

fn object(parts: Vec<Option<(&'static str, Value)>>) -> Value {
    Value::Object(
        parts
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.to_owned(), v))
            .collect(),
    )
}

fn a_text() -> impl Strategy<Value = Value> {
    proptest::collection::btree_map(
        prop_oneof![Just("en"), Just("fr"), Just("ar")],
        "\\PC{0,6}",
        0..3,
    )
    .prop_map(|m| json!(m))
}

fn a_name() -> impl Strategy<Value = Value> {
    "[a-z][a-z0-9_]{0,6}".prop_map(Value::from)
}

fn an_expression() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!("${a} = 'yes'")),
        Just(json!(". > 3")),
        Just(json!("(")),
        "\\PC{0,10}".prop_map(Value::from),
    ]
}

fn a_kind(inner: BoxedStrategy<Value>) -> impl Strategy<Value = Value> {
    let small = 0u32..50;
    prop_oneof![
        a_name().prop_map(|list| json!({"type": "single", "list": list})),
        a_name().prop_map(|list| json!({"type": "ordinal", "list": list})),
        (a_name(), proptest::option::of(small.clone()), proptest::option::of(small.clone())).prop_map(
            |(list, min, max)| {
                let mut kind = json!({"type": "multiple", "list": list});
                if let Some(min) = min { kind["min_choices"] = json!(min); }
                if let Some(max) = max { kind["max_choices"] = json!(max); }
                kind
            }
        ),
        (proptest::option::of(any::<i64>()), proptest::option::of(any::<i64>())).prop_map(|(min, max)| {
            let mut kind = json!({"type": "integer"});
            if let Some(min) = min { kind["min"] = json!(min); }
            if let Some(max) = max { kind["max"] = json!(max); }
            kind
        }),
        (proptest::option::of(-1e6f64..1e6), proptest::option::of(any::<i32>())).prop_map(|(min, max)| {
            let mut kind = json!({"type": "decimal"});
            if let Some(min) = min { kind["min"] = json!(min); }
            if let Some(max) = max { kind["max"] = json!(max); }
            kind
        }),
        any::<u32>().prop_map(|n| json!({"type": "text", "max_length": n})),
        small.clone().prop_map(|n| json!({"type": "admin_area", "levels": n})),
        an_expression().prop_map(|e| json!({"type": "calculate", "calculation": e})),
        prop_oneof![Just("yes_no"), Just("date"), Just("time"), Just("date_time"), Just("note")]
            .prop_map(|t| json!({"type": t})),
        (proptest::option::of(small.clone()), small, a_text(), proptest::collection::vec(inner, 0..3))
            .prop_map(|(min, max, label, questions)| {
                let mut kind = json!({"type": "roster", "max_rows": max, "row_label": label, "questions": questions});
                if let Some(min) = min { kind["min_rows"] = json!(min); }
                kind
            }),
    ]
}

fn a_question() -> impl Strategy<Value = Value> {
    let leaf = a_kind(Just(json!({"id": "x", "label": {}, "kind": {"type": "note"}})).boxed());
    let question = |kind: BoxedStrategy<Value>| {
        (
            (a_name(), a_text(), kind),
            (
                maybe("code", "[A-Z]{1,3}-[0-9]".prop_map(Value::from)),
                maybe("hint", a_text()),
                maybe(
                    "required",
                    prop_oneof![any::<bool>().prop_map(Value::from), an_expression()],
                ),
                maybe("relevant", an_expression()),
                maybe("constraint", an_expression()),
                maybe("constraint_message", a_text()),
                maybe("choice_filter", an_expression()),
                maybe("source", a_name()),
                maybe("appearance", a_name()),
                maybe("microdata_safe", any::<bool>().prop_map(Value::from)),
                maybe("default", a_name()),
            ),
        )
            .prop_map(|((id, label, kind), (a, b, c, d, e, f, g, h, i, j, k))| {
                object(vec![
                    Some(("id", id)),
                    Some(("label", label)),
                    Some(("kind", kind)),
                    a,
                    b,
                    c,
                    d,
                    e,
                    f,
                    g,
                    h,
                    i,
                    j,
                    k,
                ])
            })
            .boxed()
    };
    let inner = question(leaf.boxed());
    question(a_kind(inner).boxed())
}

fn a_survey() -> impl Strategy<Value = Value> {
    let level = prop_oneof![Just("respondent"), Just("member")];
    let role = prop_oneof![
        (prop_oneof![Just("sex"), Just("age"), Just("location"), Just("displacement"), Just("urban_rural")], level.clone(), a_name())
            .prop_flat_map(|(role, level, question)| {
                // `household` is displacement's alone (the mutation tests
                // put it, and other fields, where it does not belong).
                let displacement = role == "displacement";
                proptest::option::of(any::<bool>()).prop_map(move |household| {
                    let mut role = json!({"role": role, "level": level, "question": question});
                    if let (Some(household), true) = (household, displacement) {
                        role["household"] = json!(household);
                    }
                    role
                })
            }),
        (level.clone(), proptest::collection::vec(a_name(), 0..3), proptest::collection::vec(a_name(), 0..3))
            .prop_map(|(level, questions, disabled_if)| json!({"role": "disability", "level": level, "questions": questions, "disabled_if": disabled_if})),
    ];
    let denominator = prop_oneof![
        Just(json!({"rule": "all"})),
        Just(json!({"rule": "valid_answers"})),
        an_expression().prop_map(|filter| json!({"rule": "subpopulation", "filter": filter})),
    ];
    let indicator = (
        a_name(),
        a_text(),
        level,
        proptest::collection::vec((a_name(), proptest::collection::vec(a_name(), 0..3)), 0..3),
        denominator,
        maybe(
            "reported",
            proptest::collection::vec(a_name(), 0..2).prop_map(Value::from),
        ),
        maybe("source", a_name()),
    )
        .prop_map(
            |(id, name, unit, components, denominator, reported, source)| {
                let components: Vec<Value> = components
                    .into_iter()
                    .map(|(q, n)| json!({"question": q, "numerator": n}))
                    .collect();
                object(vec![
                    Some(("id", id.clone())),
                    Some(("code", id)),
                    Some(("name", name)),
                    Some(("unit", json!(unit))),
                    Some(("components", json!(components))),
                    Some(("denominator", denominator)),
                    reported,
                    source,
                ])
            },
        );
    let choice = (
        a_name(),
        a_text(),
        maybe(
            "missing",
            prop_oneof![Just(json!("dk")), Just(json!("ra")), Just(json!("na"))],
        ),
        maybe("exclusive", any::<bool>().prop_map(Value::from)),
        maybe(
            "columns",
            proptest::collection::btree_map("[a-z]{1,4}", "[a-z]{0,4}", 0..2)
                .prop_map(|m| json!(m)),
        ),
    )
        .prop_map(|(value, label, missing, exclusive, columns)| {
            object(vec![
                Some(("value", value)),
                Some(("label", label)),
                missing,
                exclusive,
                columns,
            ])
        });
    let list = (a_name(), proptest::collection::vec(choice, 0..4))
        .prop_map(|(id, choices)| json!({"id": id, "choices": choices}));
    let section = (
        a_name(),
        a_text(),
        proptest::collection::vec(a_question(), 0..4),
        maybe("relevant", an_expression()),
        maybe("sensitive", any::<bool>().prop_map(Value::from)),
        maybe("drawn_among", an_expression()),
        maybe("referrals", a_text()),
    )
        .prop_map(|(id, title, questions, a, b, c, d)| {
            object(vec![
                Some(("id", id)),
                Some(("title", title)),
                Some(("questions", json!(questions))),
                a,
                b,
                c,
                d,
            ])
        });
    let minors = (any::<u32>(), 0u32..30, a_text(), a_text()).prop_map(|(a, b, c, d)| json!({"self_respondent_min_age": a, "adult_age": b, "adult_consent_question": c, "assent_question": d}));
    let area = || (a_name(), a_text()).prop_map(|(code, name)| json!({"code": code, "name": name}));
    let areas = proptest::collection::vec((area(), proptest::collection::vec(area(), 0..2)), 0..3)
        .prop_map(|areas| {
            Value::from(
                areas
                    .into_iter()
                    .map(|(mut a, children)| {
                        if !children.is_empty() {
                            a["children"] = json!(children);
                        }
                        a
                    })
                    .collect::<Vec<_>>(),
            )
        });
    let code = proptest::sample::select(FieldErrorCode::ALL.to_vec()).prop_map(|c| c.as_str());
    (
        (
            a_name(),
            any::<u32>(),
            a_text(),
            proptest::collection::vec(prop_oneof![Just("online"), Just("enumerator")], 0..3),
            a_text(),
            a_text(),
            maybe("minors", minors),
        ),
        (
            maybe("description", a_text()),
            maybe("public", any::<bool>().prop_map(Value::from)),
            maybe("safety_notice", a_text()),
            maybe(
                "area_levels",
                proptest::collection::vec(
                    (a_name(), a_text()).prop_map(|(id, label)| json!({"id": id, "label": label})),
                    0..2,
                )
                .prop_map(Value::from),
            ),
            maybe("areas", areas),
        ),
        (
            maybe(
                "choice_lists",
                proptest::collection::vec(list, 0..3).prop_map(Value::from),
            ),
            proptest::collection::vec(section, 0..3),
            maybe(
                "roles",
                proptest::collection::vec(role, 0..3).prop_map(Value::from),
            ),
            maybe(
                "indicators",
                proptest::collection::vec(indicator, 0..2).prop_map(Value::from),
            ),
        ),
        (
            maybe(
                "messages",
                proptest::collection::btree_map(code, a_text(), 0..3).prop_map(|m| json!(m)),
            ),
            maybe(
                "interface_words",
                proptest::collection::btree_map(
                    a_name().prop_map(|n| n.as_str().unwrap_or_default().to_owned()),
                    proptest::collection::btree_map("[a-z.]{1,8}", "\\PC{0,5}", 0..2),
                    0..2,
                )
                .prop_map(|m| json!(m)),
            ),
        ),
    )
        .prop_map(
            |(
                (id, version, title, channels, script, question, minors),
                (a, b, c, d, e),
                (f, sections, g, h),
                (i, j),
            )| {
                let mut consent = json!({"script": script, "question": question});
                if let Some((_, minors)) = minors {
                    consent["minors"] = minors;
                }
                object(vec![
                    Some(("id", id)),
                    Some(("version", json!(version))),
                    Some(("languages", json!(["en", "fr"]))),
                    Some(("default_language", json!("en"))),
                    Some(("title", title)),
                    Some(("channels", json!(channels))),
                    Some(("consent", consent)),
                    Some(("sections", json!(sections))),
                    a,
                    b,
                    c,
                    d,
                    e,
                    f,
                    g,
                    h,
                    i,
                    j,
                ])
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn generated_surveys_read_the_same(survey in a_survey()) {
        prop_assert!(agree::<Survey>(&survey.to_string()).map_err(TestCaseError::fail)?);
    }

    #[test]
    fn generated_surveys_with_a_value_put_anywhere_agree(
        survey in a_survey(),
        choose in any::<proptest::sample::Index>(),
        value in prop_oneof![any_json(), proptest::sample::select(wrong_values())],
        how in 0..3usize,
    ) {
        let all = places(&survey);
        let place = &all[choose.index(all.len())];
        let mut changed = survey.clone();
        let target = at(&mut changed, place);
        match (how, target) {
            (0, Value::Object(map)) => {
                let key = map.keys().nth(choose.index(map.len().max(1))).cloned();
                if let Some(key) = key { map.remove(&key); }
            }
            (1, Value::Object(map)) => { map.insert("type".to_owned(), value); }
            (_, target) => *target = value,
        }
        agree::<Survey>(&changed.to_string()).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn arbitrary_json_never_panics_and_agrees(value in any_json()) {
        let text = value.to_string();
        agree::<Survey>(&text).map_err(TestCaseError::fail)?;
        agree::<QuestionKind>(&text).map_err(TestCaseError::fail)?;
        agree::<Role>(&text).map_err(TestCaseError::fail)?;
        agree::<Denominator>(&text).map_err(TestCaseError::fail)?;
        agree::<Required>(&text).map_err(TestCaseError::fail)?;
        agree::<Text>(&text).map_err(TestCaseError::fail)?;
        agree::<Vec<SurveySummary>>(&text).map_err(TestCaseError::fail)?;
        agree::<Receipt>(&text).map_err(TestCaseError::fail)?;
        agree::<ErrorBody>(&text).map_err(TestCaseError::fail)?;
        agree::<std::collections::BTreeMap<FieldErrorCode, Text>>(&text).map_err(TestCaseError::fail)?;
    }
}
