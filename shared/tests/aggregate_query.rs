//! The aggregates query: what the analysts' page writes, the server reads
//! back unchanged; every bad parameter is named with its path, all at once.
#![cfg(not(target_arch = "wasm32"))]

use proptest::prelude::*;
use salama_shared::aggregate::{
    AgeScheme, Dimension, Format, POLICY_CODE, Query, area_level_of, available_breakdowns,
};
use salama_shared::api::ErrorField;
use salama_shared::date::Date;
use salama_shared::disclosure::{DisclosurePolicy, Period};
use salama_shared::publication::Rule;
use salama_shared::schema::{Channel, Level};
use salama_shared::{Survey, community_safety};

/// Splits a query string into decoded pairs, as the server's extractor does.
fn pairs(query: &str) -> Vec<(String, String)> {
    let decode = |text: &str| {
        let bytes = text.as_bytes();
        let mut out = Vec::new();
        let mut at = 0;
        while at < bytes.len() {
            if bytes[at] == b'%' {
                let hex = std::str::from_utf8(&bytes[at + 1..at + 3]).expect("ascii");
                out.push(u8::from_str_radix(hex, 16).expect("two hex digits"));
                at += 3;
            } else {
                out.push(bytes[at]);
                at += 1;
            }
        }
        String::from_utf8(out).expect("UTF-8 was encoded")
    };
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(key), decode(value))
        })
        .collect()
}

fn given(query: &str) -> Vec<(String, String)> {
    pairs(query)
}

fn errors(query: &str) -> Vec<ErrorField> {
    Query::parse(&given(query)).expect_err("refused")
}

fn paths(errors: &[ErrorField]) -> Vec<(&str, &str)> {
    errors
        .iter()
        .map(|e| (e.path.as_str(), e.code.as_str()))
        .collect()
}

fn some_text() -> impl Strategy<Value = String> {
    // Anything printable, commas, spaces, `&`, `=`, `%` and non-Latin
    // scripts included: the encoding must carry all of it.
    prop_oneof!["[a-z0-9_]{1,12}", "\\PC{1,12}", "[ &=%+,?#]{1,6}"]
}

fn query() -> impl Strategy<Value = Query> {
    let date = (1000i32..=9999, 1u32..=12, 1u32..=28)
        .prop_map(|(y, m, d)| Date::from_ymd(y, m, d).expect("a real date"));
    (
        some_text(),
        proptest::sample::subsequence(Dimension::ALL.to_vec(), 0..=3).prop_shuffle(),
        proptest::option::of(proptest::sample::select(AgeScheme::ALL.to_vec())),
        1usize..=20,
        proptest::option::of(some_text()),
        (
            proptest::option::of(date.clone()),
            proptest::option::of(date),
        ),
        proptest::option::of(proptest::sample::select(Channel::ALL.to_vec())),
        proptest::option::of(proptest::sample::select(Rule::ALL.to_vec())),
        proptest::option::of(1u64..=1000),
        proptest::option::of(some_text()),
        (
            proptest::sample::select(Format::ALL.to_vec()),
            any::<bool>(),
        ),
    )
        .prop_map(
            |(
                indicator,
                by,
                age_scheme,
                area_level,
                area,
                (from, to),
                channel,
                rule,
                min_count,
                lang,
                (format, exact),
            )| {
                Query {
                    indicator,
                    by,
                    age_scheme,
                    area_level,
                    area,
                    from,
                    to,
                    channel,
                    rule,
                    min_count,
                    lang,
                    format,
                    exact,
                }
            },
        )
}

proptest! {
    #[test]
    fn a_written_query_reads_back_the_same(query in query()) {
        let written = query.to_query_string();
        prop_assert_eq!(Query::parse(&pairs(&written)), Ok(query), "{}", written);
    }

    #[test]
    fn any_pairs_are_read_or_refused_without_panic(
        given in proptest::collection::vec(
            (prop_oneof![Just("by".to_owned()), Just("min_count".to_owned()), Just("from".to_owned()), "[a-z_]{1,10}"], "\\PC{0,20}"),
            0..12,
        )
    ) {
        if let Err(errors) = Query::parse(&given) {
            prop_assert!(!errors.is_empty());
        }
    }
}

#[test]
fn defaults_are_left_out_of_the_query_string() {
    let query = Query::new("sdg_16_1_4");
    assert_eq!(query.to_query_string(), "indicator=sdg_16_1_4");
    let query = Query {
        by: vec![Dimension::Sex, Dimension::AgeBand],
        age_scheme: Some(AgeScheme::Sadd),
        area: Some("Nord Kivu".into()),
        ..Query::new("sdg_16_1_4")
    };
    assert_eq!(
        query.to_query_string(),
        "indicator=sdg_16_1_4&by=sex,age_band&age_scheme=sadd&area=Nord%20Kivu"
    );
}

#[test]
fn breakdowns_given_repeated_or_comma_separated_count_alike() {
    let one = Query::parse(&given("indicator=x&by=sex,age_band")).expect("valid");
    let two = Query::parse(&given("indicator=x&by=sex&by=%20age_band%20")).expect("valid");
    assert_eq!(one, two);
    assert_eq!(one.by, [Dimension::Sex, Dimension::AgeBand]);
}

#[test]
fn the_last_of_a_repeated_parameter_counts_and_empty_ones_are_absent() {
    let query =
        Query::parse(&given("indicator=a&indicator=b&rule=nchs&rule=&area=")).expect("valid");
    assert_eq!(query.indicator, "b");
    assert_eq!(query.rule, None);
    assert_eq!(query.area, None);
}

#[test]
fn unknown_parameters_are_ignored() {
    // The server has always ignored them; links with extra parameters
    // (a cache-buster, a tracking tag) keep working.
    assert_eq!(
        Query::parse(&given("indicator=x&utm_source=mail")),
        Ok(Query::new("x"))
    );
}

#[test]
fn each_bad_value_is_named_with_its_parameter() {
    let cases = [
        ("", "indicator", "required"),
        ("indicator=x&by=income", "by[0]", "invalid_choice"),
        ("indicator=x&by=sex,sex", "by[1]", "duplicate"),
        (
            "indicator=x&by=sex,age_band,area,disability",
            "by",
            "too_many",
        ),
        (
            "indicator=x&age_scheme=decades",
            "age_scheme",
            "invalid_choice",
        ),
        ("indicator=x&area_level=0", "area_level", "out_of_range"),
        ("indicator=x&area_level=two", "area_level", "out_of_range"),
        ("indicator=x&from=2026-13-01", "from", "invalid_date"),
        ("indicator=x&to=yesterday", "to", "invalid_date"),
        ("indicator=x&channel=phone", "channel", "invalid_choice"),
        ("indicator=x&rule=who", "rule", "invalid_choice"),
        ("indicator=x&min_count=0", "min_count", "out_of_range"),
        ("indicator=x&min_count=1001", "min_count", "out_of_range"),
        ("indicator=x&format=pdf", "format", "invalid_choice"),
        ("indicator=x&exact=yes", "exact", "invalid_choice"),
    ];
    for (query, path, code) in cases {
        assert_eq!(paths(&errors(query)), [(path, code)], "{query}");
    }
    let refused = errors("indicator=x&format=pdf");
    assert_eq!(refused[0].message, "`pdf` is not one of json, csv, xlsx");
}

#[test]
fn several_problems_are_listed_together() {
    let refused =
        errors("by=sex,income&by=sex&from=2026-13-01&age_scheme=decades&format=pdf&min_count=0");
    assert_eq!(
        paths(&refused),
        [
            ("indicator", "required"),
            ("by[1]", "invalid_choice"),
            ("by[2]", "duplicate"),
            ("age_scheme", "invalid_choice"),
            ("from", "invalid_date"),
            ("min_count", "out_of_range"),
            ("format", "invalid_choice"),
        ]
    );
}

#[test]
fn outside_text_is_cut_and_escaped_in_messages() {
    let long = "x".repeat(500);
    let refused = errors(&format!("indicator=x&channel={long}%0A"));
    assert!(refused[0].message.len() < 200, "{}", refused[0].message);
    let refused = errors("indicator=x&rule=a%0Ab");
    assert!(
        refused[0].message.contains("a\\nb"),
        "{}",
        refused[0].message
    );
}

fn survey_without(dimension: &str) -> Survey {
    let mut survey = community_safety();
    survey.roles.retain(|role| role.dimension() != dimension);
    survey
}

#[test]
fn the_survey_decides_which_breakdowns_are_accepted() {
    let survey = community_safety();
    assert_eq!(
        available_breakdowns(&survey, Level::Respondent),
        Dimension::ALL
    );
    // Members have their own sex and age; area and urban/rural are the
    // household's; disability and displacement are the respondent's own.
    assert_eq!(
        available_breakdowns(&survey, Level::Member),
        [
            Dimension::Sex,
            Dimension::AgeBand,
            Dimension::Area,
            Dimension::UrbanRural
        ]
    );
    // A displacement question about the household groups its members too.
    let mut household = community_safety();
    for role in &mut household.roles {
        if let salama_shared::schema::Role::Displacement { household, .. } = role {
            *household = true;
        }
    }
    assert!(available_breakdowns(&household, Level::Member).contains(&Dimension::Displacement));
    let survey = survey_without("urban_rural");
    let refused = Query::parse_for(
        &given("indicator=sdg_16_1_4&by=sex,urban_rural"),
        &survey,
        &DisclosurePolicy::default(),
    )
    .expect_err("refused");
    assert_eq!(paths(&refused), [("by[1]", "unavailable")]);
    assert!(
        refused[0]
            .message
            .ends_with("by sex, age_band, area, disability, displacement"),
        "{}",
        refused[0].message
    );
    let refused = Query::parse_for(
        &given("indicator=child_safe_proxy&by=displacement"),
        &community_safety(),
        &DisclosurePolicy::default(),
    )
    .expect_err("members have no displacement of their own");
    assert_eq!(paths(&refused), [("by[0]", "unavailable")]);
}

#[test]
fn survey_problems_are_listed_with_the_others() {
    let survey = community_safety();
    let refused = Query::parse_for(
        &given("indicator=nope&area_level=9&area=atlantis&lang=xx&format=pdf"),
        &survey,
        &DisclosurePolicy::default(),
    )
    .expect_err("refused");
    assert_eq!(
        paths(&refused),
        [
            ("format", "invalid_choice"),
            ("indicator", "unknown"),
            ("area_level", "out_of_range"),
            ("area", "unknown"),
            ("lang", "invalid_choice"),
        ]
    );
    let (query, indicator) = Query::parse_for(
        &given("indicator=sdg_16_1_4&by=sex&lang=fr"),
        &survey,
        &DisclosurePolicy::default(),
    )
    .expect("valid");
    assert_eq!(indicator.id, "sdg_16_1_4");
    assert_eq!(query.lang.as_deref(), Some("fr"));
}

#[test]
fn the_policy_chooses_the_age_bands_rule_and_count_a_query_names_none_of() {
    let survey = community_safety();
    let indicator = |id: &str| {
        survey
            .indicators
            .iter()
            .find(|i| i.id == id)
            .expect("in the default survey")
            .clone()
    };
    let policy = DisclosurePolicy {
        rules: vec![Rule::Nchs, Rule::DhsMics],
        min_count: 7,
        respondent_age_scheme: AgeScheme::Sadd,
        member_age_scheme: AgeScheme::UnAdult,
        ..DisclosurePolicy::default()
    };
    let query = Query::new("child_safe_proxy");
    assert_eq!(
        query.age_scheme_for(&indicator("child_safe_proxy"), &policy),
        AgeScheme::UnAdult
    );
    assert_eq!(
        query.age_scheme_for(&indicator("sdg_16_1_4"), &policy),
        AgeScheme::Sadd
    );
    assert_eq!(query.rule_for(&policy), Rule::Nchs);
    assert_eq!(query.min_count_for(&policy), 7);
    let asked = Query {
        rule: Some(Rule::DhsMics),
        min_count: Some(9),
        ..query
    };
    assert_eq!(asked.rule_for(&policy), Rule::DhsMics);
    assert_eq!(asked.min_count_for(&policy), 9);
}

/// The problems `query` has under `policy`, as (path, code).
fn under(policy: &DisclosurePolicy, query: &str) -> Vec<(String, String)> {
    let survey = community_safety();
    match Query::parse_for(&given(query), &survey, policy) {
        Ok(_) => Vec::new(),
        Err(errors) => errors.into_iter().map(|e| (e.path, e.code)).collect(),
    }
}

#[test]
fn analysts_may_ask_for_stricter_than_the_policy_never_for_laxer() {
    let policy = DisclosurePolicy::default();
    let refused = |query: &str, path: &str| {
        assert_eq!(
            under(&policy, query),
            [(path.to_owned(), POLICY_CODE.to_owned())],
            "{query}"
        );
    };
    for allowed in [
        "indicator=sdg_16_1_4",
        "indicator=sdg_16_1_4&min_count=5&rule=nchs",
        "indicator=sdg_16_1_4&min_count=1000",
        "indicator=sdg_16_1_4&from=2026-02-01&to=2026-02-28",
        "indicator=sdg_16_1_4&from=2024-02-01&to=2024-02-29",
        "indicator=sdg_16_1_4&by=age_band&age_scheme=un_adult",
        "indicator=child_safe_proxy&by=age_band&age_scheme=sadd",
        "indicator=sdg_16_1_4&by=area&area_level=1",
    ] {
        assert_eq!(under(&policy, allowed), [], "{allowed}");
    }
    refused("indicator=sdg_16_1_4&min_count=4", "min_count");
    refused("indicator=sdg_16_1_4&min_count=1", "min_count");
    // A day, a window across two months, half a month, one date alone.
    refused("indicator=sdg_16_1_4&from=2026-03-17&to=2026-03-17", "from");
    refused("indicator=sdg_16_1_4&from=2026-03-02&to=2026-03-31", "from");
    refused("indicator=sdg_16_1_4&from=2026-03-01&to=2026-04-30", "to");
    refused("indicator=sdg_16_1_4&from=2026-03-01&to=2026-03-15", "to");
    refused("indicator=sdg_16_1_4&to=2026-03-31", "from");
    refused("indicator=sdg_16_1_4&from=2026-03-01", "to");
    refused("indicator=sdg_16_1_4&from=2026-03-31&to=2026-03-01", "from");
    refused("indicator=sdg_16_1_4&by=area&area_level=2", "area_level");
    refused(
        "indicator=child_safe_proxy&by=age_band&age_scheme=un_adult",
        "age_scheme",
    );
    refused("indicator=sdg_16_1_4&age_scheme=sadd", "age_scheme");
    let survey = community_safety();
    let district = survey.areas[0].children[0].code.clone();
    assert_eq!(area_level_of(&survey, &survey.areas[0].code), Some(1));
    assert_eq!(area_level_of(&survey, &district), Some(2));
    assert_eq!(area_level_of(&survey, "atlantis"), None);
    refused(&format!("indicator=sdg_16_1_4&area={district}"), "area");

    // The message names the policy's value.
    let survey = community_safety();
    let errors = Query::parse_for(
        &given(
            "indicator=sdg_16_1_4&min_count=2&rule=nchs&from=2026-03-02&to=2026-03-31&area_level=2",
        ),
        &survey,
        &DisclosurePolicy {
            rules: vec![Rule::DhsMics],
            ..DisclosurePolicy::default()
        },
    )
    .expect_err("refused");
    let messages: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
    assert!(messages[0].contains("dhs_mics only"), "{messages:?}");
    assert!(messages[1].starts_with("at least 5"), "{messages:?}");
    assert!(
        messages[2].contains("one whole month, such as 2026-03-01 to 2026-03-31"),
        "{messages:?}"
    );
    assert!(messages[3].starts_with("at most 1"), "{messages:?}");

    // Longer periods, and none at all.
    let quarters = DisclosurePolicy {
        period: Period::Quarter,
        ..DisclosurePolicy::default()
    };
    assert_eq!(
        under(
            &quarters,
            "indicator=sdg_16_1_4&from=2026-04-01&to=2026-06-30"
        ),
        []
    );
    assert_eq!(
        under(
            &quarters,
            "indicator=sdg_16_1_4&from=2026-04-01&to=2026-04-30"
        ),
        [("to".to_owned(), POLICY_CODE.to_owned())]
    );
    let fieldwork = DisclosurePolicy {
        period: Period::Fieldwork,
        ..DisclosurePolicy::default()
    };
    assert_eq!(
        under(
            &fieldwork,
            "indicator=sdg_16_1_4&from=2026-04-01&to=2026-04-30"
        ),
        [
            ("from".to_owned(), POLICY_CODE.to_owned()),
            ("to".to_owned(), POLICY_CODE.to_owned())
        ]
    );
    // Deeper areas, once the policy releases them.
    let districts = DisclosurePolicy {
        area_level: 2,
        ..DisclosurePolicy::default()
    };
    assert_eq!(
        under(
            &districts,
            &format!("indicator=sdg_16_1_4&by=area&area_level=2&area={district}")
        ),
        []
    );
}

#[test]
fn an_exact_query_is_not_held_to_the_policy() {
    // Whether the caller may ask for it is the server's to say (admins).
    let laxest = "indicator=sdg_16_1_4&min_count=1&from=2026-03-17&to=2026-03-17&area_level=2&age_scheme=sadd&exact=true";
    assert_eq!(under(&DisclosurePolicy::default(), laxest), []);
    let query = Query::parse(&given(laxest)).expect("valid");
    assert!(query.exact);
    assert!(query.to_query_string().ends_with("&exact=true"));
}

#[test]
fn every_parameter_is_described_with_its_allowed_values() {
    let parameters = Query::parameters();
    let names: Vec<&str> = parameters.iter().map(|p| p.name).collect();
    assert_eq!(
        names,
        [
            "indicator",
            "by",
            "age_scheme",
            "area_level",
            "area",
            "from",
            "to",
            "channel",
            "rule",
            "min_count",
            "lang",
            "format",
            "exact"
        ]
    );
    let by = &parameters[1];
    assert!(by.repeated);
    assert_eq!(by.allowed, Dimension::ALL.map(Dimension::as_str));
    assert!(parameters[0].required);
}
