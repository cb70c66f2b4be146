//! Property tests: the expression language round-trips and never panics, and
//! generated interviews of the default questionnaire validate exactly as the
//! skip logic says.
#![cfg(not(target_arch = "wasm32"))]

use proptest::prelude::*;
use salama_shared::expr::{
    BinaryOp, Expr, Function, Regex, Scope, Value, eval, parse, parse_choice_filter,
};
use salama_shared::form::Form;
use salama_shared::submission::AdultConsent;
use salama_shared::{FieldErrorCode, Submission, community_safety, sample, validate};
use serde_json::{Value as Json, json};

fn name() -> impl Strategy<Value = String> {
    "[a-zA-Z_][a-zA-Z0-9_]{0,12}"
}

/// Any expression tree the parser can produce.
fn expr() -> impl Strategy<Value = Expr> {
    tree(false)
}

/// Any tree, with choice columns (bare names) when `columns`, as in a
/// `choice_filter`.
fn tree(columns: bool) -> impl Strategy<Value = Expr> {
    let column = name()
        .prop_filter("operators are not columns", |name| {
            !["and", "or", "div", "mod"].contains(&name.as_str())
        })
        .prop_map(move |name| {
            if columns {
                Expr::Column(name)
            } else {
                Expr::Reference(name)
            }
        });
    let leaf = prop_oneof![
        column,
        (0u32..100_000, 0u32..4)
            .prop_map(|(n, scale)| Expr::Number(f64::from(n) / 10f64.powi(scale as i32))),
        "[a-z '_éء-]{0,10}".prop_map(Expr::Text),
        "[a-z\"]{0,6}".prop_map(Expr::Text),
        name().prop_map(Expr::Reference),
        Just(Expr::Current),
        Just(Expr::Call(Function::Position, vec![])),
        Just(Expr::Call(Function::Today, vec![])),
    ];
    leaf.prop_recursive(6, 48, 3, |inner| {
        prop_oneof![
            inner.clone().prop_map(|e| Expr::Negate(Box::new(e))),
            (
                proptest::sample::select(BinaryOp::ALL.to_vec()),
                inner.clone(),
                inner.clone()
            )
                .prop_map(|(op, l, r)| Expr::Binary(op, Box::new(l), Box::new(r))),
            (
                proptest::sample::select(
                    Function::ALL
                        .iter()
                        .copied()
                        .filter(|f| *f != Function::Position)
                        .collect::<Vec<_>>()
                ),
                proptest::collection::vec(inner, 0..4)
            )
                .prop_map(|(function, mut args)| {
                    let (least, most) = function.arity();
                    while args.len() < least {
                        args.push(Expr::Number(1.0));
                    }
                    args.truncate(most);
                    // The parser compiles a text pattern as it reads it.
                    if function == Function::Regex
                        && let Expr::Text(pattern) = &args[1]
                    {
                        let regex =
                            Regex::new(pattern).expect("generated texts are literal patterns");
                        args[1] = Expr::Pattern(Box::new(regex));
                    }
                    Expr::Call(function, args)
                }),
        ]
    })
}

/// Strings that look like expressions, to reach deep into the parser.
fn expression_like() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("${a}".to_owned()),
        Just("${".to_owned()),
        Just("}".to_owned()),
        Just(".".to_owned()),
        Just("..".to_owned()),
        Just("(".to_owned()),
        Just(")".to_owned()),
        Just(",".to_owned()),
        Just("'x'".to_owned()),
        Just("'".to_owned()),
        Just("\"".to_owned()),
        Just("-".to_owned()),
        Just("!=".to_owned()),
        Just("<=".to_owned()),
        Just("and".to_owned()),
        Just("or".to_owned()),
        Just("div".to_owned()),
        Just("mod".to_owned()),
        Just("selected(".to_owned()),
        Just("if(".to_owned()),
        Just("position(".to_owned()),
        Just("count(".to_owned()),
        Just("regex(".to_owned()),
        Just("'^[a-z]{2,}(x|y)*$'".to_owned()),
        Just("'(a*)*['".to_owned()),
        Just("jr:choice-name(".to_owned()),
        Just("'${a}'".to_owned()),
        Just("indexed-repeat(".to_owned()),
        Just("join(".to_owned()),
        Just("once(".to_owned()),
        "[0-9]{1,3}(\\.[0-9]{0,2})?",
        "[a-z-]{1,8}",
        any::<char>().prop_map(String::from),
    ];
    proptest::collection::vec(token, 0..40).prop_map(|tokens| tokens.join(" "))
}

struct Anything;

impl<'a> Scope<'a> for Anything {
    fn reference(&self, name: &str) -> Value<'a> {
        match name.len() % 5 {
            0 => Value::Empty,
            1 => Value::Number(name.len() as f64),
            2 => Value::text(name.to_owned()),
            3 => Value::Choices(vec![name.to_owned().into(), "b".into()]),
            _ => Value::List(vec![Value::Number(1.0), Value::Empty, Value::text("x")]),
        }
    }
    fn current(&self) -> Value<'a> {
        Value::Number(3.0)
    }
    fn position(&self) -> Option<usize> {
        Some(2)
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn printing_then_parsing_gives_the_same_tree(tree in expr()) {
        let printed = tree.to_string();
        let parsed = parse(&printed);
        prop_assert_eq!(parsed.as_ref(), Ok(&tree), "printed as {}", printed);
    }

    #[test]
    fn choice_filters_print_and_parse_back_to_the_same_tree(tree in tree(true)) {
        let printed = tree.to_string();
        let parsed = parse_choice_filter(&printed);
        prop_assert_eq!(parsed.as_ref(), Ok(&tree), "printed as {}", printed);
    }

    #[test]
    fn parsed_expressions_print_back_to_the_same_tree(source in expression_like()) {
        if let Ok(tree) = parse(&source) {
            prop_assert_eq!(parse(&tree.to_string()), Ok(tree.clone()));
            // Evaluation never panics either.
            let _ = eval(&tree, &Anything);
        }
    }

    #[test]
    fn arbitrary_text_never_panics_the_parser_or_evaluator(source in "\\PC{0,200}") {
        if let Ok(tree) = parse(&source) {
            let _ = eval(&tree, &Anything);
        }
    }

    #[test]
    fn placeholders_are_found_in_any_text_and_filled_in_place(
        before in "\\PC{0,20}",
        name in name(),
        after in "\\PC{0,20}",
    ) {
        let text = format!("{before}${{{name}}}{after}");
        // Whatever surrounds it, the placeholder written is found (a `${` in
        // `before` may open an earlier, longer one: then it holds ours).
        let found: Vec<&str> = salama_shared::text::placeholders(&text).map(|(_, n)| n).collect();
        let seen = found.contains(&name.as_str()) || before.contains("${");
        prop_assert!(seen, "{text:?}: {found:?}");
        let filled = salama_shared::text::interpolate(&text, |_| Some("·".to_owned()));
        let written = format!("${{{name}}}");
        let kept = filled.contains(&written) && !before.contains("${");
        prop_assert!(!kept, "{text:?} filled as {filled:?}");
    }

    #[test]
    fn error_positions_fall_inside_the_input(source in expression_like()) {
        if let Err(error) = parse(&source) {
            prop_assert!(error.position <= source.len());
            prop_assert!(source.is_char_boundary(error.position));
        }
    }
}

/// Draws choices from a list of random numbers, so one proptest input
/// describes a whole interview and shrinks sensibly.
struct Picks(std::vec::IntoIter<u32>);

impl Picks {
    fn next(&mut self) -> u32 {
        self.0.next().unwrap_or(0)
    }
    fn one<'a>(&mut self, options: &[&'a str]) -> &'a str {
        options[self.next() as usize % options.len()]
    }
    fn some<'a>(&mut self, options: &[&'a str]) -> Vec<&'a str> {
        let mask = self.next();
        let chosen: Vec<_> = options
            .iter()
            .enumerate()
            .filter(|(i, _)| mask & (1 << i) != 0)
            .map(|(_, o)| *o)
            .collect();
        if chosen.is_empty() {
            vec![options[0]]
        } else {
            chosen
        }
    }
    fn between(&mut self, low: u32, high: u32) -> u32 {
        low + self.next() % (high - low + 1)
    }
}

const SAFETY: [&str; 6] = ["very_safe", "safe", "unsafe", "very_unsafe", "never", "dk"];
const FREQUENCY: [&str; 5] = ["never", "once_twice", "several", "many", "always"];
const TRUST: [&str; 6] = ["not_at_all", "a_little", "somewhat", "a_lot", "dk", "ra"];
const CONTACT: [&str; 4] = ["never", "once_twice", "few", "often"];
const SAY: [&str; 7] = [
    "not_at_all",
    "very_little",
    "some",
    "a_lot",
    "great_deal",
    "dk",
    "ra",
];
const YES_NO_DK_RA: [&str; 4] = ["yes", "no", "dk", "ra"];
const DIFFICULTY: [&str; 4] = ["none", "some", "a_lot", "cannot"];
const GROUNDS: [&str; 12] = [
    "sex",
    "age",
    "disability",
    "ethnicity",
    "migration",
    "socioeconomic",
    "location",
    "religion",
    "family_status",
    "sogi",
    "political",
    "other",
];
const AREAS: [(&str, &str); 6] = [
    ("north", "north-hills"),
    ("north", "north-river"),
    ("central", "central-capital"),
    ("central", "central-lakeside"),
    ("south", "south-coast"),
    ("south", "south-plains"),
];

/// A valid interview built by following the questionnaire's skip logic by
/// hand, independently of the validator's expression engine.
fn interview(picks: Vec<u32>) -> Submission {
    let mut p = Picks(picks.into_iter());
    let mut submission = sample::household_interview();
    let age = p.between(15, 95);
    if age < 18 {
        submission.consent.adult = Some(if p.next().is_multiple_of(2) {
            AdultConsent::Given
        } else {
            AdultConsent::NoCaretaker
        });
        submission.consent.assent = Some(true);
    }
    submission.language = p.one(&["en", "fr", "ar"]).to_owned();
    let (region, district) = AREAS[p.next() as usize % AREAS.len()];
    let mut a = json!({
        "resp_sex": p.one(&["female", "male"]),
        "resp_age": age,
        "resp_area": [region, district],
        "resp_urban_rural": p.one(&["urban", "rural"]),
        "resp_displacement": p.one(&["non_displaced", "idp", "refugee", "returnee", "other_migrant", "ra"]),
        "saf_2": p.one(&SAFETY),
        "saf_3": p.one(&FREQUENCY),
        "saf_4": p.one(&FREQUENCY),
        "pol_1": p.one(&YES_NO_DK_RA),
        "tru_1": p.one(&TRUST),
        "tru_2": p.one(&TRUST),
        "tru_3": p.one(&TRUST),
        "cor_1": p.one(&["none", "some", "most", "all", "dk"]),
        "vic_1": p.one(&YES_NO_DK_RA),
        "gov_1": p.one(&SAY),
        "gov_2": p.one(&SAY),
    });
    for domain in [
        "wg_seeing",
        "wg_hearing",
        "wg_walking",
        "wg_cognition",
        "wg_selfcare",
        "wg_communication",
    ] {
        a[domain] = json!(p.one(&DIFFICULTY));
    }
    let saf_1 = p.one(&SAFETY);
    a["saf_1"] = json!(saf_1);
    if saf_1 == "never" {
        a["saf_1b"] = json!(p.one(&["very_safe", "safe", "unsafe", "very_unsafe", "dk"]));
    }
    if saf_1 == "unsafe" || saf_1 == "very_unsafe" {
        a["saf_1c"] = if p.next().is_multiple_of(5) {
            json!(["dk"])
        } else {
            json!(p.some(&[
                "crime",
                "violence",
                "armed_groups",
                "security_forces",
                "gangs_drugs",
                "harassment",
                "poor_lighting",
                "other"
            ]))
        };
    }
    let vic_2 = p.one(&YES_NO_DK_RA);
    let vic_3 = p.one(&["yes", "no", "ra"]);
    a["vic_2"] = json!(vic_2);
    a["vic_3"] = json!(vic_3);
    if vic_2 == "yes" || vic_3 == "yes" {
        let reported = p.one(&[
            "police",
            "other_authority",
            "traditional",
            "not_reported",
            "dk",
        ]);
        a["rep_1"] = json!(reported);
        if reported == "not_reported" {
            a["rep_2"] = json!(p.some(&[
                "no_confidence",
                "afraid",
                "family_friend",
                "not_serious",
                "other"
            ]));
        }
    }
    let bri_1 = p.one(&CONTACT);
    a["bri_1"] = json!(bri_1);
    if bri_1 != "never" {
        a["bri_2"] = json!(p.one(&CONTACT));
        a["svc_2"] = json!(p.one(&[
            "very_dissatisfied",
            "dissatisfied",
            "satisfied",
            "very_satisfied"
        ]));
    }
    match p.next() % 4 {
        0 => a["dis_1"] = json!(["none"]),
        1 => a["dis_1"] = json!(["ra"]),
        _ => {
            a["dis_1"] = json!(p.some(&GROUNDS));
            a["dis_2"] = if p.next().is_multiple_of(3) {
                json!(["none"])
            } else {
                json!(p.some(&GROUNDS))
            };
        }
    }
    let members = p.between(1, 12);
    let mut rows =
        vec![json!({"mem_relationship": "self", "mem_sex": a["resp_sex"], "mem_age": age})];
    for _ in 1..members {
        let age = p.between(0, 100);
        let mut row = json!({
            "mem_relationship": p.one(&["spouse", "child", "grandchild", "parent", "sibling", "other_relative", "not_related"]),
            "mem_sex": p.one(&["female", "male"]),
            "mem_age": age,
        });
        if age < 18 {
            row["chl_safe"] = json!(p.one(&["very_safe", "safe", "unsafe", "very_unsafe", "dk"]));
            let harmed = p.one(&YES_NO_DK_RA);
            row["chl_harmed"] = json!(harmed);
            if harmed == "yes" {
                row["chl_reported"] = json!(p.one(&[
                    "police",
                    "other_authority",
                    "traditional",
                    "not_reported",
                    "dk"
                ]));
            }
        }
        rows.push(row);
    }
    a["household"] = Json::Array(rows);
    submission.answers = match a {
        Json::Object(map) => map,
        _ => unreachable!("built as an object"),
    };
    submission
}

fn codes(submission: &Submission) -> Vec<(String, FieldErrorCode)> {
    match validate(&community_safety(), submission) {
        Ok(_) => vec![],
        Err(errors) => errors.into_iter().map(|e| (e.path, e.code)).collect(),
    }
}

/// One way to break a valid interview, and the single error it must cause.
fn break_one(submission: &mut Submission, how: u32, which: u32) -> (String, FieldErrorCode) {
    let a = &mut submission.answers;
    let rows = a["household"].as_array().map_or(0, Vec::len);
    let adults: Vec<usize> = (1..rows)
        .filter(|&i| {
            a["household"][i]["mem_age"]
                .as_u64()
                .is_some_and(|age| age >= 18)
        })
        .collect();
    match how % 7 {
        0 => {
            let question = [
                "saf_2",
                "saf_3",
                "pol_1",
                "tru_2",
                "gov_1",
                "resp_urban_rural",
            ][which as usize % 6];
            a[question] = json!("not_a_code");
            (question.into(), FieldErrorCode::NotInList)
        }
        1 => {
            let question =
                ["saf_2", "saf_4", "cor_1", "vic_1", "gov_2", "wg_hearing"][which as usize % 6];
            a.remove(question);
            (question.into(), FieldErrorCode::Required)
        }
        2 => {
            // An answer to the first question the skip logic hides.
            let hidden = ["saf_1b", "saf_1c", "rep_1", "rep_2", "bri_2", "dis_2"]
                .into_iter()
                .find(|q| !a.contains_key(*q))
                .unwrap_or("saf_1b");
            let value = match hidden {
                "saf_1c" | "rep_2" | "dis_2" => json!(["other"]),
                "rep_1" => json!("police"),
                "bri_2" => json!("never"),
                _ => json!("safe"),
            };
            if hidden == "saf_1b" && a["saf_1"] == "never" {
                a["saf_1b"] = json!("not_a_code");
                return ("saf_1b".into(), FieldErrorCode::NotInList);
            }
            a.insert(hidden.into(), value);
            (hidden.into(), FieldErrorCode::NotRelevant)
        }
        3 => {
            a["pol_1"] = json!(which);
            ("pol_1".into(), FieldErrorCode::WrongType)
        }
        4 => {
            a.insert("respondent_name".into(), json!("Amina"));
            ("respondent_name".into(), FieldErrorCode::UnknownQuestion)
        }
        5 if !adults.is_empty() => {
            let row = adults[which as usize % adults.len()];
            a["household"][row]["mem_age"] = json!(121 + which % 1000);
            (
                format!("household[{row}].mem_age"),
                FieldErrorCode::AboveMaximum,
            )
        }
        _ => {
            let row = which as usize % rows;
            a["household"][row]["mem_sex"] = json!("unknown");
            (
                format!("household[{row}].mem_sex"),
                FieldErrorCode::NotInList,
            )
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn generated_interviews_validate(picks in proptest::collection::vec(any::<u32>(), 120)) {
        let submission = interview(picks);
        prop_assert_eq!(codes(&submission), vec![]);
    }

    #[test]
    fn breaking_one_answer_gives_exactly_its_error(
        picks in proptest::collection::vec(any::<u32>(), 120),
        how in any::<u32>(),
        which in any::<u32>(),
    ) {
        let mut submission = interview(picks);
        let expected = break_one(&mut submission, how, which);
        prop_assert_eq!(codes(&submission), vec![expected]);
    }

    #[test]
    fn arbitrary_answers_never_panic_the_validator(
        key in "[a-z_]{1,12}",
        value in any_json(),
        in_roster in any::<bool>(),
    ) {
        let mut submission = sample::household_interview();
        if in_roster {
            submission.answers["household"][1][key.as_str()] = value;
        } else {
            submission.answers.insert(key, value);
        }
        let _ = validate(&community_safety(), &submission);
    }
}

/// `(described, counted)` problems of a submission.
fn problems(form: &Form<'_>, submission: &Submission) -> (usize, usize) {
    match form.validate(submission) {
        Ok(_) => (0, 0),
        Err(rejected) => (rejected.errors.len(), rejected.total),
    }
}

/// An online answer with `unknown` answers to no question and a household
/// roster of `rows` empty rows.
fn hostile(unknown: usize, rows: usize) -> Submission {
    let mut submission = sample::online_answer();
    for n in 0..unknown {
        submission.answers.insert(format!("unknown_{n}"), json!(n));
    }
    submission.answers["household"] = Json::Array(vec![json!({}); rows]);
    submission
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// However many problems a body holds, every one is counted and at most
    /// 100 are described (issue 12); rows past the roster's `max_rows` add
    /// one problem, not one per row.
    #[test]
    fn problems_are_all_counted_but_few_described(
        unknown in 0usize..3_000,
        rows_over in 1usize..5_000,
    ) {
        let survey = community_safety();
        let form = Form::new(&survey);
        let max_rows = form
            .rosters
            .iter()
            .find(|roster| roster.question.id == "household")
            .expect("the household roster")
            .max_rows as usize;
        // A roster just over its limit: what its rows cost, counted once.
        let (_, roster_problems) = problems(&form, &hostile(0, max_rows + 1));
        prop_assert!(roster_problems > 1);
        let (described, counted) = problems(&form, &hostile(unknown, max_rows + rows_over));
        prop_assert_eq!(counted, unknown + roster_problems);
        prop_assert_eq!(described, counted.min(100));
    }
}

fn any_json() -> impl Strategy<Value = Json> {
    let leaf = prop_oneof![
        Just(Json::Null),
        any::<bool>().prop_map(Json::from),
        any::<i64>().prop_map(Json::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Json::Null, Json::Number)),
        "\\PC{0,20}".prop_map(Json::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Json::Array),
            proptest::collection::btree_map("[a-z_]{1,8}", inner, 0..4)
                .prop_map(|m| Json::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    /// A number a person typed, shown back in any language's convention,
    /// reads as the same number: `2,5` typed is stored 2.5, shown `2,5`,
    /// and read again 2.5. Typed numbers have at most 15 significant
    /// digits, which every f64 keeps exactly; reading longer ones exactly
    /// too (serde_json's `float_roundtrip`) measured 8.6 KB gzip more wasm.
    #[test]
    fn a_typed_number_shown_then_read_is_the_same(
        digits in -999_999_999_999_999i64..=999_999_999_999_999,
        decimals in 0usize..=12,
        separator in proptest::sample::select(vec![".", ","]),
    ) {
        let unsigned = format!("{:0>width$}", digits.unsigned_abs(), width = decimals + 1);
        let (whole, fraction) = unsigned.split_at(unsigned.len() - decimals);
        let sign = if digits < 0 { "-" } else { "" };
        let typed = format!("{sign}{whole}{separator}{fraction}");
        let value = salama_shared::number::read(&typed);
        prop_assert!(value.is_some(), "{} not read", typed);
        let value = value.unwrap_or_default();
        let shown = salama_shared::number::show(value, separator);
        prop_assert_eq!(salama_shared::number::read(&shown), Some(value), "typed {}, shown {}", typed, shown);
    }
}
