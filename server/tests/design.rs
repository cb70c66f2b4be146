//! The console's fieldwork and design calls over a real server: clusters
//! with their target number of households, progress per cluster as
//! interviews arrive, a design file previewed (matched, unmatched, changed,
//! removed) before it is stored, the design summarised with its history;
//! and hostile cells and files refused by row and column.

mod common;

use common::{Server, assert_error, interview, send, spawn, spawn_configured};
use reqwest::StatusCode;
use salama_server::Config;
use salama_server::auth::Role;
use serde_json::{Value, json};

const CLUSTERS: &str = "/api/surveys/community-safety/assignments.csv";
const WEIGHTS: &str = "/api/surveys/community-safety/weights";
const PROGRESS: &str = "/api/surveys/community-safety/clusters";
const DESIGN: &str = "/api/surveys/community-safety/design";

async fn csv(server: &Server, token: &str, path: &str, body: &str) -> (StatusCode, Value) {
    send(
        server
            .client
            .post(server.url(path))
            .bearer_auth(token)
            .header("content-type", "text/csv")
            .body(body.to_owned()),
    )
    .await
}

async fn read(server: &Server, token: &str, path: &str) -> (StatusCode, Value) {
    send(server.client.get(server.url(path)).bearer_auth(token)).await
}

/// Each problem's path and code.
fn problems(body: &Value) -> Vec<(String, String)> {
    body["error"]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|f| {
            (
                f["path"].as_str().expect("path").to_owned(),
                f["code"].as_str().expect("code").to_owned(),
            )
        })
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

async fn interviews_in(server: &Server, enumerator: &str, cluster: &str, how_many: usize) {
    for _ in 0..how_many {
        let mut submission = interview();
        submission["cluster_id"] = json!(cluster);
        let (status, body) = server
            .post_as(
                enumerator,
                "/api/surveys/community-safety/submissions",
                &submission,
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body:#}");
    }
}

/// (cluster, enumerators, target, interviews) of each cluster.
async fn progress(server: &Server, token: &str) -> Vec<(String, Vec<String>, Value, i64)> {
    let (status, body) = read(server, token, PROGRESS).await;
    assert_eq!(status, StatusCode::OK, "{body:#}");
    body.as_array()
        .expect("clusters")
        .iter()
        .map(|c| {
            (
                c["cluster"].as_str().expect("cluster").to_owned(),
                serde_json::from_value(c["enumerators"].clone()).expect("names"),
                c["target_households"].clone(),
                c["interviews"].as_i64().expect("count"),
            )
        })
        .collect()
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|n| (*n).to_owned()).collect()
}

#[tokio::test]
async fn sqlite_clusters_keep_their_targets_and_count_interviews() {
    clusters_keep_their_targets_and_count_interviews(spawn().await).await;
}

#[tokio::test]
async fn postgres_clusters_keep_their_targets_and_count_interviews() {
    clusters_keep_their_targets_and_count_interviews(on_postgres().await).await;
}

async fn on_postgres() -> Server {
    common::spawn_on(
        common::postgres_store().await,
        Config {
            body_limit: common::BODY_LIMIT,
            ..Config::default()
        },
        tempfile::tempdir().expect("folder"),
    )
    .await
}

async fn clusters_keep_their_targets_and_count_interviews(server: Server) {
    let (_, admin) = server.user("admin-1", Role::Admin).await;
    let (_, first) = server.user("enum-1", Role::Enumerator).await;
    let (_, second) = server.user("enum-2", Role::Enumerator).await;
    let (_, analyst) = server.user("analyst-1", Role::Analyst).await;
    let file = "cluster,stratum,area,enumerator,households\n\
                ea-1,urban,central-capital,enum-1,12\n\
                ea-2,rural,,enum-1,\n\
                ea-3,rural,north-hills,enum-2,20\n";
    let (status, plan) = csv(&server, &admin, &format!("{CLUSTERS}?dry_run=true"), file).await;
    assert_eq!(status, StatusCode::OK, "{plan:#}");
    assert_eq!(plan["added"][0]["households"], 12);
    assert!(plan["added"][1].get("households").is_none(), "{plan:#}");
    assert!(progress(&server, &admin).await.is_empty());
    let (status, _) = csv(&server, &admin, CLUSTERS, file).await;
    assert_eq!(status, StatusCode::OK);
    interviews_in(&server, &first, "ea-1", 3).await;
    interviews_in(&server, &second, "ea-3", 1).await;
    assert_eq!(
        progress(&server, &analyst).await,
        [
            ("ea-1".to_owned(), names(&["enum-1"]), json!(12), 3),
            ("ea-2".to_owned(), names(&["enum-1"]), Value::Null, 0),
            ("ea-3".to_owned(), names(&["enum-2"]), json!(20), 1),
        ]
    );
    // ea-1 moves with its target; a new target alone is an update; a file
    // without the column keeps every target.
    let (status, plan) = csv(
        &server,
        &admin,
        CLUSTERS,
        "cluster,stratum,area,enumerator,households\n\
         ea-1,urban,central-capital,enum-2,\n\
         ea-2,rural,,enum-1,8\n\
         ea-3,rural,north-hills,enum-2,20\n",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{plan:#}");
    assert_eq!(
        (
            plan["moved"].as_array().map(Vec::len),
            plan["updated"][0]["cluster"].as_str(),
            plan["unchanged"].as_u64()
        ),
        (Some(1), Some("ea-2"), Some(1))
    );
    let (status, _) = csv(
        &server,
        &admin,
        CLUSTERS,
        "cluster,enumerator\nea-3,enum-1\n",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        progress(&server, &admin).await,
        [
            ("ea-1".to_owned(), names(&["enum-2"]), json!(12), 3),
            ("ea-2".to_owned(), names(&["enum-1"]), json!(8), 0),
            ("ea-3".to_owned(), names(&["enum-1"]), json!(20), 1),
        ]
    );
    // A withdrawn cluster keeps its interviews and its place in the list.
    let (status, _) = send(
        server
            .client
            .delete(server.url("/api/surveys/community-safety/assignments/enum-1/ea-3"))
            .bearer_auth(&admin),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        progress(&server, &admin).await[2],
        ("ea-3".to_owned(), Vec::new(), json!(20), 1)
    );
    // Enumerators see neither list.
    for path in [PROGRESS, DESIGN] {
        let (status, body) = read(&server, &first, path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
        assert_error(&body, "forbidden");
        let (status, _) = send(server.client.get(server.url(path))).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}");
    }
}

#[tokio::test]
async fn hostile_household_targets_are_refused_by_row() {
    let server = spawn().await;
    let (_, admin) = server.user("admin-1", Role::Admin).await;
    server.user("enum-1", Role::Enumerator).await;
    let long = "9".repeat(300);
    let file = format!(
        "cluster,enumerator,households\n\
         ea-1,enum-1,=1+2\n\
         ea-2,enum-1,-3\n\
         ea-3,enum-1,0\n\
         ea-4,enum-1,1e3\n\
         ea-5,enum-1,10001\n\
         ea-6,enum-1,{long}\n\
         ea-7,enum-1,1\u{7}\n\
         ea-8,enum-1,+4\n\
         ea-9,enum-1,10000\n"
    );
    let (status, body) = csv(&server, &admin, CLUSTERS, &file).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body:#}");
    assert_eq!(
        problems(&body),
        pairs(&[
            ("rows[0].households", "out_of_range"),
            ("rows[1].households", "out_of_range"),
            ("rows[2].households", "out_of_range"),
            ("rows[3].households", "out_of_range"),
            ("rows[4].households", "out_of_range"),
            ("rows[5].households", "too_long"),
            ("rows[6].households", "control_character"),
            ("rows[7].households", "out_of_range"),
        ])
    );
    // The long cell is not quoted back whole.
    assert!(body.to_string().len() < 4_000, "{body}");
    assert!(
        server
            .store
            .assignments_for("community-safety")
            .await
            .expect("read")
            .is_empty()
    );
}

#[tokio::test]
async fn sqlite_a_design_file_is_previewed_then_stored_and_summarised() {
    a_design_file_is_previewed_then_stored_and_summarised(spawn().await).await;
}

#[tokio::test]
async fn postgres_a_design_file_is_previewed_then_stored_and_summarised() {
    a_design_file_is_previewed_then_stored_and_summarised(on_postgres().await).await;
}

async fn a_design_file_is_previewed_then_stored_and_summarised(server: Server) {
    let (_, admin) = server.user("admin-1", Role::Admin).await;
    let (_, enumerator) = server.user("enum-1", Role::Enumerator).await;
    let (_, analyst) = server.user("analyst-1", Role::Analyst).await;
    let (status, _) = csv(
        &server,
        &admin,
        CLUSTERS,
        "cluster,stratum,enumerator\nea-1,north,enum-1\nea-2,north,enum-1\nea-3,south,enum-1\n",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    interviews_in(&server, &enumerator, "ea-1", 2).await;
    interviews_in(&server, &enumerator, "ea-3", 1).await;
    let (status, summary) = read(&server, &analyst, DESIGN).await;
    assert_eq!(status, StatusCode::OK, "{summary:#}");
    assert_eq!(
        (
            &summary["interviews"],
            &summary["weighted_interviews"],
            &summary["psus"],
            &summary["clusters_without_weight"]
        ),
        (&json!(3), &json!(0), &json!(2), &json!(["ea-1", "ea-3"]))
    );

    let first = "cluster_id,weight\nea-1,2.5\nea-3,4\n";
    let (status, stored) = csv(&server, &admin, WEIGHTS, first).await;
    assert_eq!(status, StatusCode::OK, "{stored:#}");
    assert_eq!(stored["changed"].as_array().map(Vec::len), Some(2));

    // ea-1 unchanged, ea-2 given a weight, ea-404 unknown, ea-3 left out.
    let second = "cluster_id,stratum,weight\nea-1,,2.5\nea-2,,3\nea-404,,1\n";
    let (status, preview) = csv(
        &server,
        &admin,
        &format!("{WEIGHTS}?dry_run=true&replace=true"),
        second,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{preview:#}");
    assert_eq!(preview["dry_run"], true);
    assert_eq!(
        (
            &preview["matched"],
            &preview["unchanged"],
            &preview["keyed_by"]
        ),
        (&json!(2), &json!(1), &json!("cluster"))
    );
    assert_eq!(
        preview["changed"],
        json!([{"line": 3, "key": "ea-2", "stratum_before": "north", "stratum": "north",
                "weight_before": null, "weight": 3.0}])
    );
    assert_eq!(preview["unmatched"], json!([{"line": 4, "key": "ea-404"}]));
    assert_eq!(preview["removed"], json!([{"key": "ea-3", "weight": 4.0}]));
    // Without replace, the same file keeps ea-3's weight and says so.
    let (_, kept) = csv(&server, &admin, &format!("{WEIGHTS}?dry_run=true"), second).await;
    assert_eq!((&kept["removed"], &kept["kept"]), (&json!([]), &json!(1)));
    // Nothing was stored by the previews; storing refuses the unknown row.
    let (status, refused) = csv(&server, &admin, &format!("{WEIGHTS}?replace=true"), second).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        problems(&refused),
        pairs(&[("rows[2].cluster_id", "unknown")])
    );
    let fixed = "cluster_id,stratum,weight\nea-1,,2.5\nea-2,,3\n";
    let (status, stored) = csv(&server, &analyst, &format!("{WEIGHTS}?replace=true"), fixed).await;
    assert_eq!(status, StatusCode::OK, "{stored:#}");
    assert_eq!(stored["removed"], json!([{"key": "ea-3", "weight": 4.0}]));

    let (_, summary) = read(&server, &admin, DESIGN).await;
    assert_eq!(
        (
            &summary["interviews"],
            &summary["weighted_interviews"],
            &summary["sum_of_weights"],
            &summary["clusters_without_weight"]
        ),
        (&json!(3), &json!(2), &json!(5.0), &json!(["ea-3"]))
    );
    assert_eq!(
        summary["strata"],
        json!([
            {"stratum": "north", "clusters": 1, "interviews": 2, "weighted_interviews": 2, "sum_of_weights": 5.0},
            {"stratum": "south", "clusters": 1, "interviews": 1, "weighted_interviews": 0, "sum_of_weights": 0.0},
        ])
    );
    let history: Vec<(String, String, i64, i64, i64)> = summary["history"]
        .as_array()
        .expect("history")
        .iter()
        .map(|u| {
            (
                u["uploaded_by"].as_str().expect("who").to_owned(),
                u["keyed_by"].as_str().expect("kind").to_owned(),
                u["rows"].as_i64().expect("rows"),
                u["changed"].as_i64().expect("changed"),
                u["removed"].as_i64().expect("removed"),
            )
        })
        .collect();
    assert_eq!(
        history,
        [
            ("analyst-1".into(), "cluster".into(), 2, 1, 1),
            ("admin-1".into(), "cluster".into(), 2, 2, 0),
        ]
    );
    assert!(
        summary["history"][0]["uploaded_at"]
            .as_str()
            .is_some_and(|at| at.ends_with('Z'))
    );
}

#[tokio::test]
async fn hostile_weights_are_refused_by_row_and_nothing_is_stored() {
    let server = spawn().await;
    let (_, admin) = server.user("admin-1", Role::Admin).await;
    server.user("enum-1", Role::Enumerator).await;
    let (status, _) = csv(
        &server,
        &admin,
        CLUSTERS,
        "cluster,enumerator\nea-1,enum-1\nea-2,enum-1\n",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let long = format!("ea-{}", "x".repeat(300));
    let cells = [
        "NaN", "inf", "-1", "0", "1e-300", "1e10", "=1+2", "+3", "@SUM(A1)", " ", "2,5",
    ];
    let mut file = String::from("cluster_id,weight\n");
    for (index, cell) in cells.iter().enumerate() {
        file.push_str(&format!("c-{index},\"{cell}\"\n"));
    }
    file.push_str(&format!("{long},1\n"));
    file.push_str("ea-\u{1b}[31m,1\n");
    file.push_str("=HYPERLINK(\"x\"),1\n");
    file.push_str("ea-1,1.5\nea-1,2\n");
    let (status, body) = csv(&server, &admin, &format!("{WEIGHTS}?dry_run=true"), &file).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body:#}");
    let mut expected: Vec<(String, String)> = (0..cells.len())
        .filter(|index| cells[*index] != " ")
        .map(|index| (format!("rows[{index}].weight"), "out_of_range".to_owned()))
        .collect();
    // A blank cell (trimmed) is no weight, and the row then has nothing.
    expected.insert(9, ("rows[9].weight".into(), "required".into()));
    expected.extend(pairs(&[
        ("rows[11].cluster_id", "invalid"),
        ("rows[12].cluster_id", "invalid"),
        ("rows[13].cluster_id", "invalid"),
        ("rows[15].cluster_id", "duplicate"),
    ]));
    assert_eq!(problems(&body), expected);
    assert!(body.to_string().len() < 8_000, "quoted cells are bounded");
    // The edges of the range are accepted, each on its own: together they
    // are 1e15 apart, far beyond the disclosure policy's weight ratio.
    for edge in ["0.000001", "1e9"] {
        let (status, body) = csv(
            &server,
            &admin,
            &format!("{WEIGHTS}?dry_run=true"),
            &format!("cluster_id,weight\nea-1,{edge}\nea-2,{edge}\n"),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body:#}");
        assert_eq!(body["changed"].as_array().map(Vec::len), Some(2));
    }
    let (status, body) = csv(
        &server,
        &admin,
        &format!("{WEIGHTS}?dry_run=true"),
        "cluster_id,weight\nea-1,0.000001\nea-2,1e9\n",
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body:#}");
    assert_eq!(
        problems(&body),
        pairs(&[
            ("rows[1].weight", "disclosure_policy"),
            ("rows[0].weight", "disclosure_policy")
        ])
    );
    // A bad parameter is named.
    let (status, body) = csv(
        &server,
        &admin,
        &format!("{WEIGHTS}?dry_run=maybe"),
        "cluster_id,weight\nea-1,1\n",
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problems(&body)[0].0, "dry_run");
    assert!(
        server
            .store
            .design_clusters("community-safety")
            .await
            .expect("design")
            .iter()
            .all(|(_, _, weight)| weight.is_none())
    );
}

#[tokio::test]
async fn a_huge_design_file_is_bounded_by_rows_and_bytes() {
    let server = spawn_configured(Config {
        body_limit: 4 * 1024 * 1024,
        ..Config::default()
    })
    .await;
    let (_, admin) = server.user("admin-1", Role::Admin).await;
    let mut file = String::from("cluster_id,weight\n");
    for index in 0..=salama_shared::design_upload::MAX_DESIGN_ROWS {
        file.push_str(&format!("c{index},1\n"));
    }
    let (status, body) = csv(&server, &admin, &format!("{WEIGHTS}?dry_run=true"), &file).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problems(&body), pairs(&[("rows", "too_many")]));
    file.push_str(&"c,1\n".repeat(1024 * 1024));
    let (status, body) = csv(&server, &admin, WEIGHTS, &file).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_error(&body, "too_large");
}
