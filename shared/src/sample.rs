//! Realistic example submissions of the default questionnaire, for tests,
//! benchmarks and demonstrations on both sides of the wire.

use serde_json::{Value as Json, json};
use uuid::Uuid;

use crate::date::Timestamp;
use crate::schema::Channel;
use crate::submission::{Answers, ConsentRecord, Submission};

/// One question kind of each type as a definition writes it, with its
/// own fields, for tests of how kinds are read, written and described.
pub const QUESTION_KINDS: [&str; 14] = [
    r#"{"type":"single","list":"yn"}"#,
    r#"{"type":"multiple","list":"yn","min_choices":1,"max_choices":2}"#,
    r#"{"type":"yes_no"}"#,
    r#"{"type":"ordinal","list":"scale"}"#,
    r#"{"type":"integer","min":0,"max":120}"#,
    r#"{"type":"decimal","min":0.5}"#,
    r#"{"type":"text","max_length":200}"#,
    r#"{"type":"date"}"#,
    r#"{"type":"time"}"#,
    r#"{"type":"date_time"}"#,
    r#"{"type":"admin_area","levels":2}"#,
    r#"{"type":"note"}"#,
    r#"{"type":"calculate","calculation":"1 + 1"}"#,
    r#"{"type":"roster","min_rows":1,"max_rows":30,"row_label":{"en":"Member"},"questions":[]}"#,
];

/// A complete household interview by an enumerator: a 34-year-old woman in the
/// capital district who was assaulted and did not report it, living with her
/// husband, three children (12, 9 and 4) and her mother.
pub fn household_interview() -> Submission {
    let answers = json!({
        "resp_sex": "female",
        "resp_age": 34,
        "resp_area": ["central", "central-capital"],
        "resp_urban_rural": "urban",
        "resp_displacement": "non_displaced",
        "wg_seeing": "some",
        "wg_hearing": "none",
        "wg_walking": "none",
        "wg_cognition": "none",
        "wg_selfcare": "none",
        "wg_communication": "none",
        "saf_1": "unsafe",
        "saf_1c": ["violence", "poor_lighting"],
        "saf_2": "safe",
        "saf_3": "several",
        "saf_4": "once_twice",
        "pol_1": "no",
        "tru_1": "a_little",
        "tru_2": "somewhat",
        "tru_3": "dk",
        "cor_1": "most",
        "vic_1": "yes",
        "vic_2": "yes",
        "vic_3": "no",
        "rep_1": "not_reported",
        "rep_2": ["no_confidence", "afraid"],
        "bri_1": "once_twice",
        "bri_2": "once_twice",
        "svc_2": "dissatisfied",
        "gov_1": "very_little",
        "gov_2": "dk",
        "dis_1": ["sex", "socioeconomic"],
        "dis_2": ["sex"],
        "household": [
            member("self", "female", 34, None),
            member("spouse", "male", 39, None),
            member("child", "female", 12, Some(("unsafe", "yes", Some("not_reported")))),
            member("child", "male", 9, Some(("safe", "no", None))),
            member("child", "female", 4, Some(("very_safe", "no", None))),
            member("parent", "female", 67, None),
        ],
    });
    submission(Channel::Enumerator, answers_of(answers))
}

/// The shortest complete online answer: a 40-year-old man living alone who
/// feels safe and has had no contact with the police.
pub fn online_answer() -> Submission {
    let answers = json!({
        "resp_sex": "male",
        "resp_age": 40,
        "resp_area": ["north", "north-river"],
        "resp_urban_rural": "rural",
        "resp_displacement": "idp",
        "wg_seeing": "none",
        "wg_hearing": "none",
        "wg_walking": "a_lot",
        "wg_cognition": "none",
        "wg_selfcare": "none",
        "wg_communication": "none",
        "saf_1": "safe",
        "saf_2": "very_safe",
        "saf_3": "never",
        "saf_4": "never",
        "pol_1": "yes",
        "tru_1": "a_lot",
        "tru_2": "a_lot",
        "tru_3": "somewhat",
        "cor_1": "some",
        "vic_1": "no",
        "vic_2": "no",
        "vic_3": "no",
        "bri_1": "never",
        "gov_1": "some",
        "gov_2": "a_lot",
        "dis_1": ["none"],
        "household": [member("self", "male", 40, None)],
    });
    let mut submission = submission(Channel::Online, answers_of(answers));
    submission.language = "fr".into();
    submission.enumerator_id = None;
    submission.cluster_id = None;
    submission
}

fn member(
    relationship: &str,
    sex: &str,
    age: u32,
    child: Option<(&str, &str, Option<&str>)>,
) -> Json {
    let mut row = json!({ "mem_relationship": relationship, "mem_sex": sex, "mem_age": age });
    if let Some((safe, harmed, reported)) = child {
        row["chl_safe"] = json!(safe);
        row["chl_harmed"] = json!(harmed);
        if let Some(reported) = reported {
            row["chl_reported"] = json!(reported);
        }
    }
    row
}

fn answers_of(json: Json) -> Answers {
    match json {
        Json::Object(map) => map,
        _ => Answers::new(),
    }
}

fn submission(channel: Channel, answers: Answers) -> Submission {
    Submission {
        submission_id: Uuid::from_u128(0x5a1a_4a00_0000_4000_8000_0000_0000_0001),
        survey_id: "community-safety".into(),
        survey_version: crate::default_survey::COMMUNITY_SAFETY_VERSION,
        channel,
        language: "en".into(),
        started_at: Timestamp::parse("2026-11-27T09:05:00+03:00").expect("valid literal"),
        completed_at: Timestamp::parse("2026-11-27T09:31:40+03:00").expect("valid literal"),
        consent: ConsentRecord {
            respondent: true,
            adult: None,
            assent: None,
        },
        enumerator_id: Some("enum-017".into()),
        cluster_id: Some("central-capital-ea-042".into()),
        respondent_selection: None,
        earlier_draws: Vec::new(),
        module_draws: Vec::new(),
        answers,
    }
}
