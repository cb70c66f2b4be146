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
    ] {
        assert!(help.contains(option), "{option} missing from --help");
    }
}
