//! The `salama` command line: checking and publishing definitions, users.

use std::process::{Command, Output};

fn salama(database: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_salama"))
        .args(args)
        .env("DATABASE_URL", format!("sqlite://{}", database.display()))
        .env("RUST_LOG", "warn")
        .output()
        .expect("salama runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A misspelt key, an unknown type and a missing label are each listed
/// with their JSON path; none hides the others.
#[test]
fn survey_check_lists_every_shape_problem_of_a_json_definition() {
    let folder = tempfile::tempdir().expect("temporary folder");
    let mut broken: serde_json::Value =
        serde_json::from_str(salama_shared::default_survey::COMMUNITY_SAFETY_JSON).expect("json");
    let questions = &mut broken["sections"][2]["questions"];
    questions[4]["relevent"] = serde_json::json!("${saf_1} != ''");
    questions[1]["kind"]["type"] = serde_json::json!("integr");
    questions[2]
        .as_object_mut()
        .map(|question| question.remove("label"));
    let file = folder.path().join("broken.json");
    std::fs::write(
        &file,
        serde_json::to_string_pretty(&broken).expect("serialises"),
    )
    .expect("write");
    let output = salama(
        &folder.path().join("salama.db"),
        &["survey", "check", file.to_str().expect("utf-8")],
    );
    assert_eq!(output.status.code(), Some(1));
    let stdout = text(&output.stdout);
    for expected in [
        "sections[2].questions[4].relevent: unknown_key: unknown key; did you mean `relevant`?",
        "sections[2].questions[1].kind.type: unknown_value: `integr` is not one of `single`",
        "sections[2].questions[2].label: missing_key: missing: this key is required",
    ] {
        assert!(stdout.contains(expected), "{expected} in:\n{stdout}");
    }
    assert!(
        text(&output.stderr).contains("3 problem(s)"),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn survey_check_lists_every_problem_and_fails() {
    let folder = tempfile::tempdir().expect("temporary folder");
    let database = folder.path().join("salama.db");
    let good = folder.path().join("good.json");
    std::fs::write(&good, salama_shared::default_survey::COMMUNITY_SAFETY_JSON).expect("write");
    let output = salama(
        &database,
        &["survey", "check", good.to_str().expect("utf-8")],
    );
    assert!(output.status.success(), "{}", text(&output.stderr));

    let mut broken: serde_json::Value =
        serde_json::from_str(salama_shared::default_survey::COMMUNITY_SAFETY_JSON).expect("json");
    broken["sections"][0]["questions"][0]["relevant"] = serde_json::json!("${nobody} =");
    broken["default_language"] = serde_json::json!("pt");
    let bad = folder.path().join("bad.json");
    std::fs::write(&bad, broken.to_string()).expect("write");
    let output = salama(
        &database,
        &["survey", "check", "--json", bad.to_str().expect("utf-8")],
    );
    assert_eq!(output.status.code(), Some(1));
    let problems: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("JSON problems");
    let codes: Vec<&str> = problems
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|p| p["code"].as_str())
        .collect();
    assert!(
        codes.contains(&"expression_syntax") && codes.contains(&"invalid_language"),
        "{codes:?}"
    );

    let output = salama(
        &database,
        &[
            "survey",
            "check",
            folder.path().join("missing.json").to_str().expect("utf-8"),
        ],
    );
    assert!(!output.status.success());
}

#[test]
fn publishing_and_users_from_the_command_line() {
    let folder = tempfile::tempdir().expect("temporary folder");
    let database = folder.path().join("nested/salama.db");
    let mut survey: serde_json::Value =
        serde_json::from_str(salama_shared::default_survey::COMMUNITY_SAFETY_JSON).expect("json");
    survey["version"] = serde_json::json!(4);
    let file = folder.path().join("v4.json");
    std::fs::write(&file, survey.to_string()).expect("write");
    let output = salama(
        &database,
        &[
            "survey",
            "publish",
            "--public",
            file.to_str().expect("utf-8"),
        ],
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(text(&output.stderr).contains("published community-safety version 4 (public)"));

    let output = salama(
        &database,
        &["user", "create", "--role", "enumerator", "enum-7"],
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    let printed = text(&output.stdout);
    assert!(
        printed.contains("password: ") && printed.contains("token:    slm_"),
        "{printed}"
    );
    let output = salama(
        &database,
        &["user", "create", "--role", "enumerator", "enum-7"],
    );
    assert!(
        !output.status.success(),
        "a second user with the same name is refused"
    );
    let output = salama(&database, &["user", "create", "--role", "boss", "x"]);
    assert!(!output.status.success(), "an unknown role is refused");
    assert!(
        salama(&database, &["user", "revoke", "enum-7"])
            .status
            .success()
    );
    assert!(
        !salama(&database, &["user", "revoke", "enum-7"])
            .status
            .success(),
        "already revoked"
    );
}

/// `salama disclosure show|set`: the same store functions and audit as
/// the API, the same checks (the survey's own area levels included).
#[tokio::test]
async fn the_disclosure_policy_is_shown_and_set_from_the_command_line() {
    let folder = tempfile::tempdir().expect("temporary folder");
    let database = folder.path().join("salama.db");
    let file = folder.path().join("survey.json");
    std::fs::write(&file, salama_shared::default_survey::COMMUNITY_SAFETY_JSON).expect("write");
    let output = salama(
        &database,
        &["survey", "publish", file.to_str().expect("utf-8")],
    );
    assert!(output.status.success(), "{}", text(&output.stderr));

    let output = salama(&database, &["disclosure", "show", "community-safety"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let shown = text(&output.stdout);
    assert!(
        shown.contains("the default disclosure policy (none set)")
            && shown.contains("  min_n 25\n")
            && shown.contains("  period month\n"),
        "{shown}"
    );

    let output = salama(
        &database,
        &[
            "disclosure",
            "set",
            "community-safety",
            "--min-n",
            "30",
            "--period",
            "quarter",
            "--rules",
            "nchs,dhs_mics",
        ],
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(text(&output.stderr).contains("disclosure policy version 1 set"));
    let shown = text(&salama(&database, &["disclosure", "show", "community-safety"]).stdout);
    assert!(
        shown.contains("disclosure policy version 1, set by cli")
            && shown.contains("  rules nchs,dhs_mics\n")
            && shown.contains("version 1 by cli at ")
            && shown.contains(
                "min_n 25 → 30, rules dhs_mics,nchs → nchs,dhs_mics, period month → quarter"
            ),
        "{shown}"
    );

    // Refused as the API refuses: each problem at its field, nothing set.
    let output = salama(
        &database,
        &[
            "disclosure",
            "set",
            "community-safety",
            "--area-level",
            "3",
            "--min-count",
            "1",
        ],
    );
    assert_eq!(output.status.code(), Some(1));
    let listed = text(&output.stdout);
    assert!(
        listed.contains("min_count: out_of_range: must be from 3 to 1000")
            && listed.contains("area_level: out_of_range: this survey's areas have 2 level(s)"),
        "{listed}"
    );
    for refused in [
        &["disclosure", "set", "community-safety", "--period", "week"][..],
        &["disclosure", "set", "community-safety", "--min-n", "-1"][..],
        &[
            "disclosure",
            "set",
            "community-safety",
            "--max-weight-ratio",
            "NaN",
        ][..],
        &["disclosure", "set", "ghost", "--min-n", "30"][..],
        &["disclosure", "show", "ghost"][..],
    ] {
        assert!(!salama(&database, refused).status.success(), "{refused:?}");
    }

    let store = salama_server::store::Store::open(&format!("sqlite://{}", database.display()))
        .await
        .expect("open");
    let current = store
        .current_disclosure_policy("community-safety")
        .await
        .expect("read");
    assert_eq!((current.version, current.policy.min_n), (1, 30));
    let audit = store.recent_audit(10).await.expect("audit");
    assert_eq!(
        audit
            .iter()
            .filter(|entry| entry.action == "disclosure_policy_set" && entry.actor == "cli")
            .count(),
        1
    );
    store.close().await;
}

#[test]
fn help_documents_every_option() {
    let output = Command::new(env!("CARGO_BIN_EXE_salama"))
        .arg("--help")
        .output()
        .expect("runs");
    let help = text(&output.stdout);
    for option in [
        "--database-url",
        "--listen",
        "--static-dir",
        "--body-limit",
        "--logins-per-minute",
        "--submissions-per-minute",
        "--secure-cookies",
        "RUST_LOG",
        "serve",
        "migrate",
        "survey",
        "user",
        "disclosure",
    ] {
        assert!(help.contains(option), "{option} missing from --help");
    }
}
