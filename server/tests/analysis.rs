//! Aggregates over a real running server: facts written at ingest, tables by
//! group with the populations kept apart, suppression done by the server,
//! downloads, the weights upload, and every bad parameter reported by name.

mod common;

use common::{As, assert_error, interview, online, send, spawn};
use reqwest::StatusCode;
use salama_server::auth::Role;
use salama_shared::estimate::{Observation, mean_in_domain};
use serde_json::{Value, json};

const AREAS: [[&str; 2]; 3] = [
    ["north", "north-hills"],
    ["central", "central-capital"],
    ["south", "south-coast"],
];
const SAF_1: [&str; 7] = [
    "very_safe",
    "safe",
    "unsafe",
    "dk",
    "safe",
    "very_unsafe",
    "safe",
];

/// The i-th generated interview: a respondent alone in their household.
struct Generated {
    sex: &'static str,
    region: &'static str,
    cluster: String,
    safe: bool,
    dk: bool,
}

fn generated(i: usize) -> Generated {
    Generated {
        sex: if i.is_multiple_of(3) {
            "female"
        } else {
            "male"
        },
        region: AREAS[i % 3][0],
        cluster: format!("ea-{}", i % 6),
        safe: matches!(SAF_1[i % SAF_1.len()], "very_safe" | "safe"),
        dk: SAF_1[i % SAF_1.len()] == "dk",
    }
}

fn generated_submission(i: usize) -> Value {
    let mut submission = interview();
    let g = generated(i);
    let age = 18 + (i * 7) % 60;
    let answers = &mut submission["answers"];
    answers["resp_sex"] = json!(g.sex);
    answers["resp_age"] = json!(age);
    answers["resp_area"] = json!(AREAS[i % 3]);
    answers["saf_1"] = json!(SAF_1[i % SAF_1.len()]);
    if !SAF_1[i % SAF_1.len()].contains("unsafe") {
        answers.as_object_mut().map(|a| a.remove("saf_1c"));
    }
    answers["household"] = json!([{"mem_relationship": "self", "mem_sex": g.sex, "mem_age": age}]);
    submission["cluster_id"] = json!(g.cluster);
    submission
}

/// Posts the generated interviews `range` as an enumerator; returns them.
async fn post_generated(
    server: &common::Server,
    enumerator: &str,
    range: std::ops::Range<usize>,
) -> Vec<Value> {
    let mut posted = Vec::new();
    for i in range {
        let submission = generated_submission(i);
        let request = server
            .client
            .post(server.url("/api/surveys/community-safety/submissions"))
            .bearer_auth(enumerator)
            .json(&submission);
        let (status, body) = send(request).await;
        assert_eq!(status, StatusCode::CREATED, "{body:#}");
        posted.push(submission);
    }
    posted
}

async fn get(server: &common::Server, token: &str, path: &str) -> (StatusCode, Value) {
    send(server.with(
        server.client.get(server.url(path)),
        &As::Token(token.to_owned()),
    ))
    .await
}

fn cell<'t>(population: &'t Value, sex: &str) -> &'t Value {
    population["cells"]
        .as_array()
        .expect("cells")
        .iter()
        .find(|cell| cell["group"][0]["value"] == sex)
        .unwrap_or_else(|| panic!("no cell for {sex}: {population:#}"))
}

#[tokio::test]
async fn an_analyst_reads_16_1_4_by_sex_for_each_population_apart() {
    let server = spawn().await;
    let (_, enumerator) = server.user("enum-017", Role::Enumerator).await;
    let (_, analyst) = server.user("analyst-1", Role::Analyst).await;
    let interviews = 120;
    post_generated(&server, &enumerator, 0..interviews).await;
    // Three online answers: their own population, never pooled.
    for _ in 0..3 {
        assert_eq!(server.submit(&online()).await.0, StatusCode::CREATED);
    }

    let (status, table) = get(
        &server,
        &analyst,
        "/api/surveys/community-safety/aggregates?indicator=sdg_16_1_4&by=sex",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{table:#}");
    assert_eq!(table["code"], "SDG 16.1.4");
    let populations = table["populations"].as_array().expect("populations");
    assert_eq!(populations.len(), 2);
    let (survey, web) = (&populations[0], &populations[1]);
    assert_eq!(
        (
            survey["channel"].as_str(),
            survey["representative"].as_bool()
        ),
        (Some("enumerator"), Some(true))
    );
    assert_eq!(
        (web["channel"].as_str(), web["representative"].as_bool()),
        (Some("online"), Some(false))
    );
    assert!(
        web["notes"][0]
            .as_str()
            .expect("note")
            .contains("not a probability sample")
    );
    assert!(
        survey["design"]
            .as_str()
            .expect("design")
            .contains("Taylor"),
        "clusters given: {survey:#}"
    );

    // The total, then female and male, counted independently here.
    assert_eq!(survey["cells"][0]["group"], json!([]));
    assert_eq!(survey["cells"][0]["n"], interviews);
    for sex in ["female", "male"] {
        let members: Vec<Generated> = (0..interviews)
            .map(generated)
            .filter(|g| g.sex == sex)
            .collect();
        let safe = members.iter().filter(|g| g.safe).count();
        let dk = members.iter().filter(|g| g.dk).count();
        let cell = cell(survey, sex);
        assert_eq!(cell["n"], members.len());
        let estimate = cell["estimate"].as_f64().expect("shown");
        // Published estimates are rounded to 0.1 point (admins' exact
        // tables keep every digit).
        assert!((estimate - safe as f64 / members.len() as f64).abs() <= 0.0005);
        assert_eq!(cell["reported"][1], json!({"category": "dk", "count": dk}));
        let (lower, upper) = (
            cell["ci_lower"].as_f64().expect("ci"),
            cell["ci_upper"].as_f64().expect("ci"),
        );
        assert!(lower < estimate && estimate < upper);
        // The SE is the shared estimator's (checked against R) on the same units.
        let observations: Vec<(Generated, Observation<'static>)> = (0..interviews)
            .map(|i| {
                let g = generated(i);
                let psu: &'static str = Box::leak(g.cluster.clone().into_boxed_str());
                let value = f64::from(u8::from(g.safe));
                (
                    g,
                    Observation {
                        value,
                        weight: 1.0,
                        stratum: "",
                        psu,
                    },
                )
            })
            .collect();
        let only: Vec<Observation<'_>> = observations.iter().map(|(_, o)| *o).collect();
        let expected = mean_in_domain(&only, |i| observations[i].0.sex == sex).expect("estimate");
        let se = cell["standard_error"].as_f64().expect("se");
        assert!(
            (se - expected.standard_error).abs() <= 0.00005,
            "{se} vs {}",
            expected.standard_error
        );
        assert_eq!(
            cell["degrees_of_freedom"].as_f64(),
            Some(expected.degrees_of_freedom)
        );
    }
    // Three online answers: too few to show, so no number is sent at all,
    // not even how many.
    let web_total = &web["cells"][0];
    assert_eq!(
        (web_total["n"].as_u64(), web_total["flag"].as_str()),
        (None, Some("suppressed"))
    );
    assert!(
        web_total.get("estimate").is_none() && web_total.get("ci_lower").is_none(),
        "{web_total:#}"
    );

    // By region (the districts answered roll up), only among interviews.
    let (status, by_area) = get(
        &server,
        &analyst,
        "/api/surveys/community-safety/aggregates?indicator=sdg_16_1_4&by=area&channel=enumerator&lang=fr",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{by_area:#}");
    let cells = by_area["populations"][0]["cells"]
        .as_array()
        .expect("cells");
    for region in ["north", "central", "south"] {
        let cell = cells
            .iter()
            .find(|c| c["group"][0]["value"] == region)
            .expect("region cell");
        let expected = (0..interviews)
            .filter(|&i| generated(i).region == region)
            .count();
        assert_eq!(cell["n"], expected);
    }
    assert_eq!(
        cells[1]["group"][0]["label"], "Région Nord",
        "labels in the language asked for"
    );
    let notes = by_area["populations"][0]["notes"].to_string();
    assert!(notes.contains("Signalements (DHS/MICS)"), "{notes}");

    // Fieldwork progress: counts by day, area and enumerator.
    let (status, progress) =
        get(&server, &analyst, "/api/surveys/community-safety/fieldwork").await;
    assert_eq!(status, StatusCode::OK, "{progress:#}");
    assert_eq!(
        (progress["interviews"].as_u64(), progress["online"].as_u64()),
        (Some(interviews as u64), Some(3))
    );
    assert_eq!(
        progress["by_day"],
        json!([{"date": "2026-11-27", "interviews": interviews, "online": 3}])
    );
    assert_eq!(
        progress["by_enumerator"],
        json!([{"enumerator": "enum-017", "interviews": interviews, "last": "2026-11-27"}])
    );
    let areas = progress["by_area"].as_array().expect("areas");
    assert_eq!(
        areas
            .iter()
            .map(|a| a["interviews"].as_u64().unwrap_or(0))
            .sum::<u64>(),
        interviews as u64
    );
    assert_eq!(
        areas[0]["area"], "north-hills",
        "districts as answered, in the survey's order"
    );

    // Reading data is audited.
    let (_, admin) = server.user("admin-1", Role::Admin).await;
    let (_, audit) = get(&server, &admin, "/api/audit").await;
    assert!(
        audit
            .as_array()
            .expect("entries")
            .iter()
            .any(|e| e["action"] == "aggregates_read" && e["actor"] == "analyst-1"),
        "{audit:#}"
    );
}

#[tokio::test]
async fn on_screen_reads_are_audited_once_a_quarter_hour_and_downloads_each_time() {
    let server = spawn().await;
    let (_, enumerator) = server.user("enum-017", Role::Enumerator).await;
    let (_, analyst) = server.user("analyst-1", Role::Analyst).await;
    post_generated(&server, &enumerator, 0..30).await;
    let base = "/api/surveys/community-safety/aggregates?indicator=sdg_16_1_4";
    for by in ["sex", "age_band", "area", "sex,age_band"] {
        let (status, _) = get(&server, &analyst, &format!("{base}&by={by}")).await;
        assert_eq!(status, StatusCode::OK);
    }
    for _ in 0..2 {
        let response = server
            .download(&analyst, &format!("{base}&by=sex&format=csv"))
            .await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    let (_, admin) = server.user("admin-1", Role::Admin).await;
    let (_, audit) = get(&server, &admin, "/api/audit").await;
    let reads: Vec<&str> = audit
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| e["action"] == "aggregates_read" && e["actor"] == "analyst-1")
        .filter_map(|e| e["detail"].as_str())
        .collect();
    assert_eq!(
        reads.iter().filter(|d| d.contains("as Json")).count(),
        1,
        "four tables on screen, one entry: {reads:?}"
    );
    assert_eq!(
        reads.iter().filter(|d| d.contains("as Csv")).count(),
        2,
        "each download: {reads:?}"
    );
}

#[tokio::test]
async fn weights_and_strata_change_the_estimates_at_once() {
    let server = spawn().await;
    let (_, enumerator) = server.user("enum-017", Role::Enumerator).await;
    let (_, analyst) = server.user("analyst-1", Role::Analyst).await;
    let interviews = 90;
    post_generated(&server, &enumerator, 0..interviews).await;
    let path = "/api/surveys/community-safety/aggregates?indicator=sdg_16_1_4&channel=enumerator";
    let (_, before) = get(&server, &analyst, path).await;
    assert!(
        before["populations"][0]["notes"][0]
            .as_str()
            .expect("note")
            .contains("No weights")
    );

    let weights = "cluster_id,stratum,weight\nea-0,s1,10\nea-1,s1,20\nea-2,s1,30\nea-3,s2,40\nea-4,s2,50\nea-5,s2,60\n";
    let upload = server
        .client
        .post(server.url("/api/surveys/community-safety/weights"))
        .bearer_auth(&analyst)
        .header("content-type", "text/csv")
        .body(weights);
    let (status, stored) = send(upload).await;
    assert_eq!(status, StatusCode::OK, "{stored:#}");
    assert_eq!(
        (
            &stored["clusters"],
            &stored["clusters_with_interviews"],
            &stored["submissions"],
            &stored["matched"]
        ),
        (&json!(6), &json!(6), &json!(0), &json!(6))
    );

    // Every digit, to compare with the estimator: an admin's exact table.
    let (_, admin) = server.user("admin-2", Role::Admin).await;
    let (_, after) = get(&server, &admin, &format!("{path}&exact=true")).await;
    let population = &after["populations"][0];
    assert!(
        population["notes"]
            .as_array()
            .expect("notes")
            .iter()
            .all(|n| !n.as_str().unwrap_or("").contains("no weight")
                && !n.as_str().unwrap_or("").contains("No weights")),
        "{population:#}"
    );
    assert!(
        population["design"]
            .as_str()
            .expect("design")
            .contains("2 stratum/strata and 6 PSUs")
    );
    let total = &population["cells"][0];
    let weight = |i: usize| 10.0 * (i % 6 + 1) as f64;
    let (mut sum, mut safe) = (0.0, 0.0);
    for i in 0..interviews {
        sum += weight(i);
        if generated(i).safe {
            safe += weight(i);
        }
    }
    let estimate = total["estimate"].as_f64().expect("estimate");
    assert!(
        (estimate - safe / sum).abs() < 1e-12,
        "{estimate} vs {}",
        safe / sum
    );
    assert_eq!(total["weighted_n"].as_f64(), Some(sum));
    // Design df: 6 PSUs − 2 strata.
    assert_eq!(total["degrees_of_freedom"].as_f64(), Some(4.0));
    // The SE follows the stratified cluster design, as the shared estimator has it.
    let observations: Vec<Observation<'_>> = (0..interviews)
        .map(|i| Observation {
            value: f64::from(u8::from(generated(i).safe)),
            weight: weight(i),
            stratum: if i % 6 < 3 { "s1" } else { "s2" },
            psu: ["ea-0", "ea-1", "ea-2", "ea-3", "ea-4", "ea-5"][i % 6],
        })
        .collect();
    let expected = mean_in_domain(&observations, |_| true).expect("estimate");
    let se = total["standard_error"].as_f64().expect("se");
    assert!(
        se > 0.0 && (se - expected.standard_error).abs() < 1e-12,
        "{se} vs {}",
        expected.standard_error
    );
}

#[tokio::test]
async fn downloads_come_as_csv_and_xlsx() {
    let server = spawn().await;
    let (_, enumerator) = server.user("enum-017", Role::Enumerator).await;
    let (_, analyst) = server.user("analyst-1", Role::Analyst).await;
    post_generated(&server, &enumerator, 0..60).await;
    let base = "/api/surveys/community-safety/aggregates?indicator=sdg_16_1_4&by=sex&by=age_band&channel=enumerator";
    let response = server
        .download(&analyst, &format!("{base}&format=csv"))
        .await;
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .expect("ascii")
            .contains("community-safety-sdg_16_1_4.csv")
    );
    let text = response.text().await.expect("text");
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some(
            "population,representative,sex,sex_label,age_band,age_band_label,n,weighted_n,estimate,standard_error,ci_lower,ci_upper,degrees_of_freedom,flag,shown_as,count_never,count_dk,method_notes"
        )
    );
    // Every row says how its numbers were made, as the XLSX's About sheet does.
    assert!(
        text.lines()
            .skip(1)
            .all(|l| l.contains("Flags (DHS/MICS): under 25 unweighted cases suppressed")),
        "{text}"
    );
    let total = lines.next().expect("total row");
    assert!(
        total.starts_with("enumerator,true,total,Total,total,Total,60,"),
        "{total}"
    );
    // 2 sexes × 6 bands (an unknown value would only appear if someone had one).
    assert_eq!(lines.count(), 12);
    // Small cells are starred and carry no number.
    assert!(text.lines().any(|l| l.contains(",suppressed,*,")), "{text}");
    assert!(
        !text
            .lines()
            .filter(|l| l.contains(",suppressed,"))
            .any(|l| l.split(',').nth(8).is_some_and(|v| !v.is_empty()))
    );

    let response = server
        .download(&analyst, &format!("{base}&format=xlsx"))
        .await;
    assert_eq!(
        response.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let bytes = response.bytes().await.expect("bytes");
    assert_eq!(&bytes[..4], b"PK\x03\x04", "an XLSX file is a zip archive");
    assert!(bytes.len() > 4000);
}

#[tokio::test]
async fn bad_parameters_are_named_with_their_path() {
    let server = spawn().await;
    let (_, analyst) = server.user("analyst-1", Role::Analyst).await;
    let (status, body) = get(
        &server,
        &analyst,
        "/api/surveys/community-safety/aggregates?indicator=nope&by=sex,income&by=sex&from=2026-13-01&age_scheme=decades&format=pdf&min_count=0",
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_error(&body, "invalid");
    let paths: Vec<&str> = body["error"]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|f| f["path"].as_str().unwrap_or(""))
        .collect();
    for expected in [
        "indicator",
        "by[1]",
        "by[2]",
        "from",
        "age_scheme",
        "format",
        "min_count",
    ] {
        assert!(
            paths.contains(&expected),
            "{expected} missing from {paths:?}"
        );
    }
    // Household members have no displacement of their own in this survey:
    // refused, with the breakdowns it does have, rather than one "Unknown".
    let (status, body) = get(
        &server,
        &analyst,
        "/api/surveys/community-safety/aggregates?indicator=child_safe_proxy&by=sex,displacement",
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["fields"][0]["path"], "by[1]");
    assert_eq!(body["error"]["fields"][0]["code"], "unavailable");
    assert!(
        body["error"]["fields"][0]["message"]
            .as_str()
            .is_some_and(|m| m.ends_with("by sex, age_band, area, urban_rural")),
        "{body:#}"
    );
    let (status, body) = get(&server, &analyst, "/api/surveys/community-safety/aggregates?indicator=sdg_16_1_4&by=sex,area,urban_rural,disability").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["fields"][0]["path"], "by");
    let (status, _) = get(
        &server,
        &analyst,
        "/api/surveys/ghost/aggregates?indicator=x",
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let upload = |csv: &'static str| {
        server
            .client
            .post(server.url("/api/surveys/community-safety/weights"))
            .bearer_auth(&analyst)
            .header("content-type", "text/csv")
            .body(csv)
    };
    let (status, body) = send(upload("cluster_id,weight\nea-1,2.5\nea-1,3\nea-2,-1\n,4\n")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let paths: Vec<&str> = body["error"]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|f| f["path"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        paths,
        ["rows[1].cluster_id", "rows[2].weight", "rows[3].cluster_id"]
    );
    let (status, body) = send(upload("name,weight\nx,1\n")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["fields"][0]["path"], "header");
    let (status, body) = send(upload("submission_id,weight\nnot-a-uuid,1\n")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["fields"][0]["path"], "rows[0].submission_id");
}

#[tokio::test]
async fn children_are_counted_through_the_household_roster() {
    let server = spawn().await;
    let (_, enumerator) = server.user("enum-017", Role::Enumerator).await;
    let (_, analyst) = server.user("analyst-1", Role::Analyst).await;
    // The sample household has three children: 12 (unsafe), 9 and 4 (safe).
    for _ in 0..10 {
        let mut household = interview();
        household.as_object_mut().map(|s| s.remove("cluster_id"));
        let request = server
            .client
            .post(server.url("/api/surveys/community-safety/submissions"))
            .bearer_auth(&enumerator)
            .json(&household);
        assert_eq!(send(request).await.0, StatusCode::CREATED);
    }
    // Thirty children in ten households: counted exactly in an admin's
    // exact table (an analyst's withholds groups of ten).
    let (_, admin) = server.user("admin-2", Role::Admin).await;
    let (status, table) = get(
        &server,
        &admin,
        "/api/surveys/community-safety/aggregates?indicator=child_safe_proxy&by=age_band&age_scheme=sadd&exact=true",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{table:#}");
    assert_eq!(table["unit"], "member");
    let population = &table["populations"][0];
    let n_of = |band: &str| {
        population["cells"]
            .as_array()
            .expect("cells")
            .iter()
            .find(|c| c["group"][0]["value"] == band)
            .map(|c| c["n"].as_u64())
    };
    assert_eq!(
        population["cells"][0]["n"], 30,
        "three children in each of ten households"
    );
    assert_eq!(n_of("0-4"), Some(Some(10)));
    assert_eq!(n_of("5-11"), Some(Some(10)));
    assert_eq!(n_of("12-17"), Some(Some(10)));
    assert_eq!(
        n_of("18-59"),
        Some(Some(0)),
        "adults are not in this indicator"
    );
    // Without clusters the household is the sampling unit: ten identical
    // households (2 of 3 children safe in each) vary not at all, where
    // thirty independent children would.
    assert!(
        population["design"]
            .as_str()
            .expect("design")
            .contains("sampling of households"),
        "{population:#}"
    );
    assert_eq!(population["cells"][0]["standard_error"].as_f64(), Some(0.0));
    // Household members are in the humanitarian bands by the default
    // disclosure policy, and in no others: two sets of bands would
    // subtract into narrower ones.
    let (_, by_default) = get(
        &server,
        &analyst,
        "/api/surveys/community-safety/aggregates?indicator=child_safe_proxy&by=age_band",
    )
    .await;
    assert_eq!(by_default["age_scheme"], "sadd");
    // The analyst's table has the same bands, each of ten children
    // withheld whole, and the thirty as a total.
    let analysts = by_default["populations"][0]["cells"]
        .as_array()
        .expect("cells");
    assert_eq!(analysts[0]["n"], 30);
    for band in ["0-4", "5-11", "12-17"] {
        let cell = analysts
            .iter()
            .find(|c| c["group"][0]["value"] == band)
            .expect("band");
        assert_eq!(cell["flag"], "suppressed", "{cell:#}");
        assert!(cell.get("n").is_none() && cell.get("estimate").is_none());
    }
    let adult_bands = "/api/surveys/community-safety/aggregates?indicator=child_safe_proxy&by=age_band&age_scheme=un_adult";
    let (status, refused) = get(&server, &analyst, adult_bands).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        (
            &refused["error"]["fields"][0]["path"],
            &refused["error"]["fields"][0]["code"]
        ),
        (&json!("age_scheme"), &json!("disclosure_policy"))
    );
    assert!(
        refused["error"]["fields"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("sadd bands only")),
        "{refused:#}"
    );
    // An admin may choose the other set for the survey: it is then the
    // default, and the only one.
    let (_, admin) = server.user("admin-1", Role::Admin).await;
    let mut policy = serde_json::to_value(salama_shared::disclosure::DisclosurePolicy::default())
        .expect("a policy");
    policy["member_age_scheme"] = json!("un_adult");
    let (status, set) = send(
        server
            .client
            .put(server.url("/api/surveys/community-safety/disclosure"))
            .bearer_auth(&admin)
            .json(&policy),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{set:#}");
    let (status, adult) = get(&server, &analyst, adult_bands).await;
    assert_eq!(status, StatusCode::OK, "{adult:#}");
    assert_eq!(adult["age_scheme"], "un_adult");
    let (status, _) = get(
        &server,
        &analyst,
        "/api/surveys/community-safety/aggregates?indicator=child_safe_proxy&by=age_band&age_scheme=sadd",
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn microdata_streams_without_identifiers_and_matches_its_codebook() {
    let server = spawn().await;
    let (_, enumerator) = server.user("enum-017", Role::Enumerator).await;
    let (_, analyst) = server.user("analyst-1", Role::Analyst).await;
    let mut ids = Vec::new();
    for submission in post_generated(&server, &enumerator, 0..25).await {
        ids.push(submission["submission_id"].as_str().expect("id").to_owned());
    }
    assert_eq!(server.submit(&online()).await.0, StatusCode::CREATED);
    let data = server
        .download(&analyst, "/api/surveys/community-safety/microdata.csv")
        .await
        .text()
        .await
        .expect("text");
    let mut reader = csv::Reader::from_reader(data.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(str::to_owned)
        .collect();
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    assert_eq!(rows.len(), 26, "every respondent, both channels");
    for id in &ids {
        assert!(!data.contains(id.as_str()), "submission ids stay out");
    }
    assert!(
        !data.contains("enum-1") && !data.contains("ea-"),
        "no enumerator, no cluster name"
    );
    let column = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("{name}"))
    };
    let psus: std::collections::HashSet<&str> = rows
        .iter()
        .map(|r| &r[column("psu")])
        .filter(|p| !p.is_empty())
        .collect();
    assert_eq!(psus.len(), 6, "six clusters, numbered");
    let numbers: Vec<&str> = rows.iter().map(|r| &r[column("respondent_no")]).collect();
    assert_eq!(
        numbers.len(),
        numbers
            .iter()
            .collect::<std::collections::HashSet<_>>()
            .len()
    );
    let channels: Vec<&str> = rows.iter().map(|r| &r[column("channel")]).collect();
    assert_eq!(channels.iter().filter(|c| **c == "online").count(), 1);

    let codebook = server
        .download(&analyst, "/api/surveys/community-safety/codebook.csv")
        .await
        .text()
        .await
        .expect("text");
    let mut reader = csv::Reader::from_reader(codebook.as_bytes());
    let described: Vec<String> = reader
        .records()
        .map(|r| r.expect("row")[0].to_owned())
        .collect();
    assert_eq!(
        described, header,
        "the codebook describes exactly the file's columns"
    );
    assert!(codebook.contains("dk=Don't know (missing)"));
    // In another language of the survey, Salama's own texts follow the
    // survey's labels.
    let french = server
        .download(
            &analyst,
            "/api/surveys/community-safety/codebook.csv?lang=fr",
        )
        .await
        .text()
        .await
        .expect("text");
    let mut reader = csv::Reader::from_reader(french.as_bytes());
    let labels: std::collections::HashMap<String, String> = reader
        .records()
        .map(|r| {
            let r = r.expect("row");
            (r[0].to_owned(), format!("{} | {}", &r[3], &r[5]))
        })
        .collect();
    assert_eq!(labels["stratum"], "Strate | ");
    assert!(labels["dis_2__sex"].contains("| 1=a choisi "), "{labels:?}");
    assert!(labels["gov_2"].contains(" (manquant)"), "{labels:?}");
    assert!(!french.contains("(missing)") && !french.contains("did not"));

    let members = server
        .download(
            &analyst,
            "/api/surveys/community-safety/microdata.csv?level=member",
        )
        .await
        .text()
        .await
        .expect("text");
    // 25 one-person households, and the online respondent living alone;
    // no key leads back to the household.
    assert_eq!(members.lines().count(), 1 + 26);
    assert!(members.starts_with("channel,"), "{members}");
    assert!(
        !members
            .lines()
            .next()
            .unwrap_or_default()
            .contains("respondent_no")
    );

    let (_, admin) = server.user("admin-1", Role::Admin).await;
    let (_, audit) = get(&server, &admin, "/api/audit").await;
    let downloads = audit
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| e["action"] == "microdata_downloaded")
        .count();
    assert_eq!(downloads, 2);
    let (status, body) = get(
        &server,
        &analyst,
        "/api/surveys/community-safety/microdata.csv?level=household",
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["fields"][0]["path"], "level");
}

/// The generated interview `i` with a household of its own: sizes from 1
/// to 30 members of every relationship, sex and age.
fn generated_household(i: usize) -> Value {
    let mut submission = generated_submission(i);
    let sex = submission["answers"]["resp_sex"].clone();
    let age = submission["answers"]["resp_age"].clone();
    let size = if i == 7 { 30 } else { 1 + (i * 5) % 9 };
    let mut members = vec![json!({"mem_relationship": "self", "mem_sex": sex, "mem_age": age})];
    for m in 1..size {
        let relationship = [
            "spouse",
            "child",
            "grandchild",
            "parent",
            "sibling",
            "not_related",
        ][(i + m) % 6];
        let sex = if (i * 3 + m).is_multiple_of(2) {
            "female"
        } else {
            "male"
        };
        let age = (i * 11 + m * 17) % 90;
        let mut member = json!({"mem_relationship": relationship, "mem_sex": sex, "mem_age": age});
        if age < 18 {
            member["chl_safe"] = json!("very_safe");
            member["chl_harmed"] = json!("no");
        }
        members.push(member);
    }
    submission["answers"]["household"] = json!(members);
    if i == 11 {
        // Alone in a district.
        submission["answers"]["resp_area"] = json!(["north", "north-river"]);
    }
    submission
}

/// The columns the codebook names as quasi-identifiers (a count of
/// suppressed values), after checking that it states k everywhere.
fn quasi_identifiers(codebook: &str, k: &str) -> Vec<String> {
    let mut reader = csv::Reader::from_reader(codebook.as_bytes());
    let header = reader.headers().expect("header").clone();
    let at = |name: &str| header.iter().position(|h| h == name).expect(name);
    let mut named = Vec::new();
    for row in reader.records() {
        let row = row.expect("row");
        assert_eq!(&row[at("k")], k, "{row:?}");
        if !row[at("suppressed")].is_empty() {
            assert!(!row[at("released")].is_empty(), "{row:?}");
            named.push(row[at("column")].to_owned());
        }
    }
    named
}

/// Every combination of `columns` occurs at least `k` times in `file`,
/// counted here and by pycanon (`SALAMA_TEST_PYCANON`, a Python with it,
/// which `cargo xtask test` installs: without it this fails).
fn assert_k_anonymous(file: &str, columns: &[String], k: usize) {
    let mut reader = csv::Reader::from_reader(file.as_bytes());
    let header = reader.headers().expect("header").clone();
    let at: Vec<usize> = columns
        .iter()
        .map(|c| header.iter().position(|h| h == c).expect(c))
        .collect();
    let mut classes: std::collections::HashMap<Vec<String>, usize> = Default::default();
    for row in reader.records() {
        let row = row.expect("row");
        *classes
            .entry(at.iter().map(|&c| row[c].to_owned()).collect())
            .or_default() += 1;
    }
    assert!(classes.values().all(|n| *n >= k), "{classes:?}");
    let python = std::env::var("SALAMA_TEST_PYCANON").expect(
        "SALAMA_TEST_PYCANON is not set: run `cargo xtask test`, which installs pycanon in a virtual environment",
    );
    let folder = tempfile::tempdir().expect("temporary folder");
    let path = folder.path().join("microdata.csv");
    std::fs::write(&path, file).expect("written");
    let output = std::process::Command::new(python)
        .args([
            "-c",
            "import sys, pandas\n\
             from pycanon import anonymity\n\
             data = pandas.read_csv(sys.argv[1], dtype=str, keep_default_na=False)\n\
             print(anonymity.k_anonymity(data, sys.argv[2].split(',')))",
        ])
        .arg(&path)
        .arg(columns.join(","))
        .output()
        .expect("pycanon runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let measured: usize = String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .expect("pycanon prints k");
    assert!(measured >= k, "pycanon measures k = {measured}");
}

#[tokio::test]
async fn every_microdata_export_is_k_anonymous_by_pycanon_too() {
    let server = spawn().await;
    let (_, enumerator) = server.user("enum-017", Role::Enumerator).await;
    let (_, analyst) = server.user("analyst-1", Role::Analyst).await;
    for i in 0..60 {
        let (status, body) = send(
            server
                .client
                .post(server.url("/api/surveys/community-safety/submissions"))
                .bearer_auth(&enumerator)
                .json(&generated_household(i)),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{body:#}");
    }
    let (status, body) = send(
        server
            .client
            .post(server.url("/api/surveys/community-safety/weights"))
            .bearer_auth(&analyst)
            .header("content-type", "text/csv")
            .body("cluster_id,stratum,weight\nea-0,north-urban,2.5\nea-1,north-urban,3\nea-2,south-rural,4\n"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body:#}");
    for level in ["respondent", "member"] {
        let file = server
            .download(
                &analyst,
                &format!("/api/surveys/community-safety/microdata.csv?level={level}"),
            )
            .await
            .text()
            .await
            .expect("text");
        let codebook = server
            .download(
                &analyst,
                &format!("/api/surveys/community-safety/codebook.csv?level={level}"),
            )
            .await
            .text()
            .await
            .expect("text");
        let columns = quasi_identifiers(&codebook, "5");
        assert!(columns.contains(&"stratum".to_owned()), "{columns:?}");
        assert!(!file.contains("north-urban") && !file.contains("north-river"));
        let rows = file.lines().count() - 1;
        if level == "respondent" {
            assert_eq!(rows, 60, "no respondent is left out");
            for column in [
                "resp_age",
                "resp_area__district",
                "household_size",
                "wg_seeing",
            ] {
                assert!(
                    columns.contains(&column.to_owned()),
                    "{column}: {columns:?}"
                );
            }
        } else {
            assert!(!file.contains("respondent_no") && !codebook.contains("mem_is_child"));
            assert!(
                columns.contains(&"mem_relationship".to_owned()),
                "{columns:?}"
            );
        }
        assert_k_anonymous(&file, &columns, 5);
    }
}

#[tokio::test]
async fn facts_rebuilt_from_raw_submissions_give_the_same_tables() {
    let server = spawn().await;
    let (_, enumerator) = server.user("enum-017", Role::Enumerator).await;
    let (_, analyst) = server.user("analyst-1", Role::Analyst).await;
    post_generated(&server, &enumerator, 0..40).await;
    let path = "/api/surveys/community-safety/aggregates?indicator=sdg_16_7_2&by=sex,age_band";
    let (_, before) = get(&server, &analyst, path).await;

    // As a database upgraded from before facts existed: raw submissions only.
    let salama_server::store::Pool::Sqlite(pool) = server.store.pool() else {
        panic!("the test server runs on SQLite")
    };
    sqlx::query("DELETE FROM fact_units")
        .execute(pool)
        .await
        .expect("delete");
    sqlx::query("UPDATE fact_state SET units = 0, generation = generation + 1")
        .execute(pool)
        .await
        .expect("reset");
    sqlx::query(
        "INSERT INTO pending_maintenance (task) VALUES ('facts_backfill') ON CONFLICT DO NOTHING",
    )
    .execute(pool)
    .await
    .expect("mark");
    let (_, emptied) = get(&server, &analyst, path).await;
    assert_eq!(emptied["populations"], json!([]), "no facts, no table");

    let rebuilt = salama_server::facts::backfill_if_pending(&server.store)
        .await
        .expect("rebuild")
        .expect("it was pending");
    assert_eq!(
        (rebuilt.submissions, rebuilt.units, rebuilt.skipped.len()),
        (40, 80, 0)
    );
    assert!(
        salama_server::facts::backfill_if_pending(&server.store)
            .await
            .expect("check")
            .is_none(),
        "done once"
    );
    let (_, after) = get(&server, &analyst, path).await;
    assert_eq!(after, before);
}

#[tokio::test]
async fn members_take_the_household_s_displacement_when_the_survey_says_it_is_the_household_s() {
    let server = spawn().await;
    let (_, admin) = server.user("admin-1", Role::Admin).await;
    let (_, enumerator) = server.user("enum-017", Role::Enumerator).await;
    let mut survey =
        serde_json::to_value(salama_shared::community_safety()).expect("survey serialises");
    let next = salama_shared::default_survey::COMMUNITY_SAFETY_VERSION + 1;
    survey["version"] = json!(next);
    for role in survey["roles"].as_array_mut().expect("roles") {
        if role["role"] == "displacement" {
            role["household"] = json!(true);
        }
    }
    let (status, body) = send(
        server
            .client
            .post(server.url("/api/surveys"))
            .bearer_auth(&admin)
            .json(&survey),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body:#}");
    // Three children in each household: five displaced households, two not.
    for (displacement, households) in [("idp", 5), ("non_displaced", 2)] {
        for _ in 0..households {
            let mut household = interview();
            household.as_object_mut().map(|s| s.remove("cluster_id"));
            household["survey_version"] = json!(next);
            household["answers"]["resp_displacement"] = json!(displacement);
            let request = server
                .client
                .post(server.url("/api/surveys/community-safety/submissions"))
                .bearer_auth(&enumerator)
                .json(&household);
            let (status, body) = send(request).await;
            assert_eq!(status, StatusCode::CREATED, "{body:#}");
        }
    }
    let (status, table) = get(
        &server,
        &admin,
        "/api/surveys/community-safety/aggregates?indicator=child_safe_proxy&by=displacement&exact=true",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{table:#}");
    let cells = table["populations"][0]["cells"].as_array().expect("cells");
    let n_of = |value: &str| {
        cells
            .iter()
            .find(|cell| cell["group"][0]["value"] == value)
            .and_then(|cell| cell["n"].as_u64())
    };
    assert_eq!(n_of("idp"), Some(15), "{table:#}");
    assert_eq!(n_of("non_displaced"), Some(6), "{table:#}");
}
