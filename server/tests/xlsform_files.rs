//! `select_one_from_file`: choices read from a CSV file beside the
//! workbook, on the command line from its folder and through the API from
//! the parts of a multipart upload; every hostile file refused.

mod common;

use std::collections::BTreeMap;
use std::num::NonZeroU32;

use reqwest::StatusCode;
use salama_server::Config;
use salama_server::auth::Role;
use salama_server::limits::RateLimits;
use salama_server::xlsform::{self, Files, ImportProblem};
use salama_shared::schema::QuestionKind;

use common::xlsforms::workbook_as_text as workbook;

const FORMULA: &str = "=cmd|' /C calc'!A0";

/// A form asking a region from its choices sheet, then a town from `file`
/// filtered by region; its choices sheet has a list `list` of its own.
fn form(file: &str, list: &str) -> Vec<u8> {
    let town = format!("select_one_from_file {file}");
    let survey = [
        vec![
            "type",
            "name",
            "label::English (en)",
            "label::Français (fr)",
            "choice_filter",
        ],
        vec!["select_one region", "region", "Region?", "Région ?", ""],
        vec![
            town.as_str(),
            "town",
            "Town?",
            "Ville ?",
            "region = ${region}",
        ],
        vec![
            "select_multiple_from_file towns.csv",
            "visited",
            "Visited?",
            "Visitées ?",
            "",
        ],
    ];
    let choices = vec![
        vec![
            "list_name",
            "name",
            "label::English (en)",
            "label::Français (fr)",
        ],
        vec!["region", "north", "North", "Nord"],
        vec!["region", "south", "South", "Sud"],
        vec![list, "x", "X", "X"],
    ];
    let settings = [
        vec![
            "form_id",
            "version",
            "public",
            "consent_script",
            "consent_question",
        ],
        vec!["towns", "2", "yes", "We ask about your town.", "Agree?"],
    ];
    let settings_fr = vec![
        settings[0]
            .iter()
            .copied()
            .chain(["consent_script::fr", "consent_question::fr"])
            .collect(),
        settings[1]
            .iter()
            .copied()
            .chain(["Nous demandons.", "D'accord ?"])
            .collect(),
    ];
    workbook(&[
        ("survey", survey.iter().map(|row| row.to_vec()).collect()),
        ("choices", choices),
        ("settings", settings_fr),
    ])
}

fn towns_csv() -> String {
    format!(
        "name,label::English (en),label::Français (fr),region\r\ngoma,Goma,Goma,north\r\nbukavu,\"{}\",Bukavu,south\r\n",
        FORMULA.replace('"', "\"\"")
    )
}

fn listed(problems: &[ImportProblem]) -> Vec<(String, String, String)> {
    problems
        .iter()
        .map(|problem| {
            (
                problem.path(),
                problem.code.clone(),
                problem.message.clone(),
            )
        })
        .collect()
}

#[test]
fn a_file_beside_the_workbook_becomes_a_list_named_after_it() {
    let folder = tempfile::tempdir().expect("temporary folder");
    std::fs::write(folder.path().join("towns.csv"), towns_csv()).expect("write");
    let imported = xlsform::import_with(
        &form("towns.csv", "other"),
        "f.xlsx",
        Files::Folder(folder.path()),
    )
    .unwrap_or_else(|problems| panic!("{:#?}", listed(&problems)));
    let survey = imported.survey;
    let list = survey.choice_list("towns").expect("the list `towns`");
    let values: Vec<&str> = list.choices.iter().map(|c| c.value.as_str()).collect();
    assert_eq!(values, ["goma", "bukavu"]);
    assert_eq!(list.choices[1].label.0["en"], FORMULA, "kept as text");
    assert_eq!(list.choices[1].columns["region"], "south");
    let town = survey.question("town").expect("town").question;
    assert!(matches!(&town.kind, QuestionKind::Single { list } if list == "towns"));
    // Named twice, read once: both questions share the list.
    let visited = survey.question("visited").expect("visited").question;
    assert!(matches!(&visited.kind, QuestionKind::Multiple { list, .. } if list == "towns"));
    assert_eq!(survey.check(), vec![]);
    // Exported, the list is an ordinary one, its formula-like label a
    // string cell that reads back as the same text.
    let exported = xlsform::export::export(&survey).expect("exported");
    let again = xlsform::import(&exported.bytes, "again.xlsx")
        .unwrap_or_else(|problems| panic!("{:#?}", listed(&problems)));
    let label = &again.survey.choice_list("towns").expect("towns").choices[1].label;
    assert_eq!(label.0["en"], FORMULA);

    // A list of the choices sheet already named `towns`: named apart.
    let imported = xlsform::import_with(
        &form("towns.csv", "towns"),
        "f.xlsx",
        Files::Folder(folder.path()),
    )
    .unwrap_or_else(|problems| panic!("{:#?}", listed(&problems)));
    let town = imported.survey.question("town").expect("town").question;
    assert!(matches!(&town.kind, QuestionKind::Single { list } if list == "towns_"));
}

#[test]
fn a_missing_or_hostile_file_is_refused_at_the_row_naming_it() {
    let folder = tempfile::tempdir().expect("temporary folder");
    let problems = xlsform::import_with(
        &form("towns.csv", "other"),
        "f.xlsx",
        Files::Folder(folder.path()),
    )
    .expect_err("no file");
    let found = listed(&problems);
    assert!(
        found
            .iter()
            .any(|(path, code, message)| path == "survey!R3:type"
                && code == "missing_file"
                && message.contains("`towns.csv`")
                && message.contains(&folder.path().display().to_string())),
        "{found:#?}"
    );
    // Without a folder (an upload alone): how to give it.
    let problems = xlsform::import(&form("towns.csv", "other"), "f.xlsx").expect_err("no file");
    assert!(
        listed(&problems)[0].2.contains("multipart/form-data"),
        "{problems:#?}"
    );

    let write = |text: &str| std::fs::write(folder.path().join("towns.csv"), text).expect("write");
    let import = || {
        let problems = xlsform::import_with(
            &form("towns.csv", "other"),
            "f.xlsx",
            Files::Folder(folder.path()),
        )
        .expect_err("refused");
        listed(&problems)
    };
    write("label,region\ngoma,north\n");
    let found = import();
    assert!(
        found
            .iter()
            .any(|(path, code, _)| path == "towns.csv!R1" && code == "missing_column"),
        "{found:#?}"
    );
    write("name,label\ngoma,Goma\n,No name\n");
    let found = import();
    assert!(
        found
            .iter()
            .any(|(path, code, _)| path == "towns.csv!R3:name" && code == "missing_name"),
        "{found:#?}"
    );
    write("name,label\ngoma,Goma\ngoma,Goma again\n");
    let found = import();
    assert!(
        found
            .iter()
            .any(|(path, code, _)| path == "towns.csv!R3:name" && code == "duplicate_name"),
        "{found:#?}"
    );
    write("name,label\ngoma,Go\u{1b}[2Jma\n");
    assert!(
        import()
            .iter()
            .any(|(path, code, message)| path == "survey!R3:type"
                && code == "missing_file"
                && message.contains("control character"))
    );
    let oversize = format!("name,label\n{}", "a,b\n".repeat(2_000_000));
    write(&oversize);
    assert!(
        import()
            .iter()
            .any(|(_, _, message)| message.contains("larger than"))
    );

    // A file named with a path is not looked for at all.
    std::fs::write(folder.path().join("towns.csv"), towns_csv()).expect("write");
    for name in [
        "../../etc/passwd",
        "../towns.csv",
        "/etc/passwd.csv",
        ".towns.csv",
        "towns.xml",
    ] {
        let problems =
            xlsform::import_with(&form(name, "other"), "f.xlsx", Files::Folder(folder.path()))
                .expect_err("refused");
        let found = listed(&problems);
        assert!(
            found
                .iter()
                .any(|(path, code, _)| path == "survey!R3:type" && code == "invalid_file_name"),
            "{name}: {found:#?}"
        );
    }
}

#[test]
fn the_command_line_reads_the_file_from_the_workbooks_folder() {
    use std::process::Command;
    let folder = tempfile::tempdir().expect("temporary folder");
    let form_path = folder.path().join("towns.xlsx");
    std::fs::write(&form_path, form("towns.csv", "other")).expect("write");
    let run = || {
        Command::new(env!("CARGO_BIN_EXE_salama"))
            .args(["survey", "import"])
            .arg(&form_path)
            .env("RUST_LOG", "warn")
            .current_dir(std::env::temp_dir())
            .output()
            .expect("salama runs")
    };
    let output = run();
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("`towns.csv`") && stdout.contains("looked for"),
        "{stdout}"
    );
    std::fs::write(folder.path().join("towns.csv"), towns_csv()).expect("write");
    let output = run();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let survey = salama_shared::Survey::from_json(&String::from_utf8_lossy(&output.stdout))
        .expect("a survey");
    assert!(survey.choice_list("towns").is_some());
}

fn http_config() -> Config {
    Config {
        body_limit: 1024 * 1024,
        rate_limits: RateLimits {
            logins_per_minute: NonZeroU32::new(1000).expect("not zero"),
            submissions_per_minute: NonZeroU32::new(1000).expect("not zero"),
        },
        ..Config::default()
    }
}

const BOUNDARY: &str = "salama-test-boundary";

/// A multipart/form-data body of (file name, content type, bytes) parts.
fn multipart(parts: &[(&str, &str, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    for (index, (file_name, content_type, bytes)) in parts.iter().enumerate() {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"part{index}\"; filename=\"{file_name}\"\r\nContent-Type: {content_type}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

async fn upload(
    server: &common::Server,
    token: &str,
    body: Vec<u8>,
) -> (StatusCode, serde_json::Value) {
    common::send(
        server
            .client
            .post(server.url("/api/surveys"))
            .bearer_auth(token)
            .header(
                "content-type",
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .body(body),
    )
    .await
}

fn fields(body: &serde_json::Value) -> Vec<(String, String)> {
    body["error"]["fields"]
        .as_array()
        .map(|fields| {
            fields
                .iter()
                .map(|field| {
                    let text = |key: &str| field[key].as_str().unwrap_or_default().to_owned();
                    (text("path"), text("code"))
                })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn an_upload_brings_the_files_its_form_names() {
    let server = common::spawn_configured(http_config()).await;
    let (_, admin) = server.user("author", Role::Admin).await;
    let workbook = form("towns.csv", "other");
    let csv = towns_csv();
    let xlsx = xlsform::XLSX_CONTENT_TYPE;

    // The file named by the form, missing: located at the row naming it.
    let (status, body) = upload(&server, &admin, multipart(&[("f.xlsx", xlsx, &workbook)])).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body:#}");
    assert!(
        fields(&body).contains(&("survey!R3:type".into(), "missing_file".into())),
        "{body:#}"
    );

    // A file named with a path, or twice, or no workbook at all.
    for (parts, code) in [
        (
            multipart(&[
                ("f.xlsx", xlsx, &workbook),
                ("../../etc/passwd", "text/csv", csv.as_bytes()),
            ]),
            "invalid_file_name",
        ),
        (
            multipart(&[
                ("f.xlsx", xlsx, &workbook),
                ("towns.csv", "text/csv", csv.as_bytes()),
                ("towns.csv", "text/csv", csv.as_bytes()),
            ]),
            "duplicate_file",
        ),
        (
            multipart(&[("towns.csv", "text/csv", csv.as_bytes())]),
            "missing_workbook",
        ),
    ] {
        let (status, body) = upload(&server, &admin, parts).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body:#}");
        assert!(
            fields(&body).iter().any(|(_, found)| found == code),
            "{code}: {body:#}"
        );
    }
    // A body that is no multipart, and one over the body limit.
    let (status, body) = upload(&server, &admin, b"not multipart".to_vec()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body:#}");
    let huge = vec![b'a'; 2 * 1024 * 1024];
    let (status, _) = upload(
        &server,
        &admin,
        multipart(&[
            ("f.xlsx", xlsx, &workbook),
            ("towns.csv", "text/csv", &huge),
        ]),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);

    // With its file: published, the formula-like label kept as text.
    let parts = multipart(&[
        ("f.xlsx", xlsx, &workbook),
        ("towns.csv", "text/csv", csv.as_bytes()),
    ]);
    let (status, body) = upload(&server, &admin, parts).await;
    assert_eq!(status, StatusCode::CREATED, "{body:#}");
    let (status, published) = server.get("/api/surveys/towns/versions/2").await;
    assert_eq!(status, StatusCode::OK);
    let lists: BTreeMap<String, serde_json::Value> = published["choice_lists"]
        .as_array()
        .expect("lists")
        .iter()
        .map(|list| {
            (
                list["id"].as_str().unwrap_or_default().to_owned(),
                list.clone(),
            )
        })
        .collect();
    assert_eq!(lists["towns"]["choices"][1]["label"]["en"], FORMULA);
}
