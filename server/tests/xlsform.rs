//! XLSForm import: survey teams publish the spreadsheet they already write,
//! and learn every problem in it at once, by sheet, row and column.

mod common;

use std::num::NonZeroU32;

use reqwest::StatusCode;
use salama_server::Config;
use salama_server::auth::Role;
use salama_server::limits::RateLimits;
use salama_server::xlsform::{self, ImportProblem, MAX_LISTED};
use salama_shared::schema::{QuestionKind, Required};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

use common::workbook;
use rust_xlsxwriter::Workbook;

fn settings() -> (&'static str, Vec<Vec<&'static str>>) {
    (
        "settings",
        vec![
            vec![
                "form_title",
                "form_id",
                "version",
                "default_language",
                "public",
                "consent_script::English (en)",
                "consent_script::Français (fr)",
                "consent_question::English (en)",
                "consent_question::Français (fr)",
            ],
            vec![
                "Market safety",
                "market-safety",
                "3",
                "English (en)",
                "yes",
                "We ask how safe you feel. Answers are confidential; skip or stop any time.",
                "Nous demandons si vous vous sentez en sécurité. Réponses confidentielles.",
                "Do you agree to take part?",
                "Acceptez-vous de participer ?",
            ],
        ],
    )
}

fn choices() -> (&'static str, Vec<Vec<&'static str>>) {
    (
        "choices",
        vec![
            vec![
                "list_name",
                "name",
                "label::English (en)",
                "label::Français (fr)",
                "missing",
            ],
            vec!["yes_no", "yes", "Yes", "Oui", ""],
            vec!["yes_no", "no", "No", "Non", ""],
            vec!["yes_no", "dk", "Don't know", "Ne sait pas", "dk"],
            vec!["sex", "female", "Female", "Femme", ""],
            vec!["sex", "male", "Male", "Homme", ""],
        ],
    )
}

const SURVEY_HEADER: [&str; 9] = [
    "type",
    "name",
    "label::English (en)",
    "label::Français (fr)",
    "hint::English (en)",
    "relevant",
    "constraint",
    "constraint_message::English (en)",
    "required",
];

/// A small valid form: two languages, a group, a nested group, a repeat,
/// choices, relevance, a constraint, a calculation and metadata.
fn valid_form() -> Vec<u8> {
    let survey = vec![
        SURVEY_HEADER.to_vec(),
        vec!["start", "start", "", "", "", "", "", "", ""],
        vec![
            "integer",
            "age",
            "How old are you?",
            "Quel âge avez-vous ?",
            "In years",
            "",
            ". >= 15 and . <= 120",
            "Between 15 and 120",
            "yes",
        ],
        vec![
            "begin_group",
            "safety",
            "Safety",
            "Sécurité",
            "",
            "",
            "",
            "",
            "",
        ],
        vec![
            "select_one yes_no",
            "walk_safe",
            "Do you feel safe walking alone at night?",
            "Vous sentez-vous en sécurité la nuit ?",
            "",
            "",
            "",
            "",
            "",
        ],
        vec![
            "begin group",
            "victim",
            "Victimisation",
            "Victimisation",
            "",
            "${age} >= 18",
            "",
            "",
            "",
        ],
        vec![
            "select_one yes_no",
            "robbed",
            "Were you robbed last year?",
            "Avez-vous été volé l'an dernier ?",
            "",
            "",
            "",
            "",
            "",
        ],
        vec![
            "text",
            "where_robbed",
            "Where?",
            "Où ?",
            "",
            "${robbed} = 'yes'",
            "",
            "",
            "",
        ],
        vec!["end group", "", "", "", "", "", "", "", ""],
        vec!["end_group", "", "", "", "", "", "", "", ""],
        vec![
            "begin_group",
            "household",
            "Household",
            "Ménage",
            "",
            "",
            "",
            "",
            "",
        ],
        vec![
            "begin_repeat",
            "members",
            "Member",
            "Membre",
            "",
            "",
            "",
            "",
            "",
        ],
        vec![
            "select_one sex",
            "mem_sex",
            "Sex",
            "Sexe",
            "",
            "",
            "",
            "",
            "yes",
        ],
        vec!["decimal", "mem_age", "Age", "Âge", "", "", ". >= 0", "", ""],
        vec!["end_repeat", "", "", "", "", "", "", "", ""],
        vec!["calculate", "size", "", "", "", "", "", "", ""],
        vec!["note", "thanks", "Thank you", "Merci", "", "", "", "", ""],
        vec!["end_group", "", "", "", "", "", "", "", ""],
    ];
    let mut survey = survey;
    // More columns, after the others.
    survey[0].extend(["calculation", "hint::fr", "constraint_message::fr"]);
    for row in survey.iter_mut().skip(1) {
        let age = row[1] == "age";
        row.push(if row[1] == "size" {
            "count(${members})"
        } else {
            ""
        });
        row.push(if age { "En années" } else { "" });
        row.push(if age { "Entre 15 et 120" } else { "" });
    }
    workbook(&[("survey", survey), choices(), settings()])
}

fn messages(problems: &[ImportProblem]) -> Vec<String> {
    problems.iter().map(ToString::to_string).collect()
}

/// Each expected problem is listed (by its beginning), and nothing else.
#[track_caller]
fn assert_listed(listed: &[String], expected: &[&str]) {
    for wanted in expected {
        assert!(
            listed.iter().any(|problem| problem.starts_with(wanted)),
            "missing {wanted:?} in {listed:#?}"
        );
    }
    assert_eq!(listed.len(), expected.len(), "{listed:#?}");
}

#[test]
fn a_two_language_form_with_a_group_and_a_repeat_imports_and_passes_check() {
    let imported = xlsform::import(&valid_form(), "market.xlsx")
        .unwrap_or_else(|problems| panic!("{:#?}", messages(&problems)));
    let survey = imported.survey;
    assert_eq!(survey.check(), vec![]);
    assert_eq!(survey.id, "market-safety");
    assert_eq!(survey.version, 3);
    assert!(survey.public);
    assert_eq!(survey.languages, ["en", "fr"]);
    assert_eq!(survey.default_language, "en");
    assert_eq!(survey.title.0["fr"], "Market safety");
    let sections: Vec<&str> = survey.sections.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(sections, ["part_1", "safety", "household"]);
    let age = survey.question("age").expect("age").question;
    assert!(matches!(age.required, Required::Always(true)));
    assert_eq!(
        age.constraint.as_ref().map(|c| c.source()),
        Some(". >= 15 and . <= 120")
    );
    assert_eq!(
        age.hint.as_ref().map(|h| h.0["en"].as_str()),
        Some("In years")
    );
    // A nested group's relevance is ANDed onto its questions.
    let where_robbed = survey.question("where_robbed").expect("where").question;
    assert_eq!(
        where_robbed.relevant.as_ref().map(|r| r.source()),
        Some("(${age} >= 18) and (${robbed} = 'yes')")
    );
    let members = survey.question("members").expect("roster").question;
    match &members.kind {
        QuestionKind::Roster {
            questions,
            max_rows,
            row_label,
            ..
        } => {
            assert_eq!(questions.len(), 2);
            assert_eq!(*max_rows, 30);
            assert_eq!(row_label.0["fr"], "Membre");
        }
        other => panic!("not a roster: {other:?}"),
    }
    let dk = &survey.choice_list("yes_no").expect("list").choices[2];
    assert_eq!(dk.missing, Some(salama_shared::schema::Missing::Dk));
    // `start` is left out with a note.
    assert_eq!(imported.notes.len(), 1);
    assert!(
        imported.notes[0]
            .to_string()
            .starts_with("survey row 2, column type:")
    );
}

#[test]
fn time_and_date_time_questions_import_as_their_kinds() {
    let survey = vec![
        vec!["type", "name", "label"],
        vec!["time", "at", "At what time did it happen?"],
        vec!["dateTime", "since", "Since when?"],
        vec!["datetime", "until", "Until when?"],
        vec!["time extra", "odd", "A time with a list?"],
    ];
    let problems = xlsform::import(
        &workbook(&[("survey", survey.clone()), ("settings", consent_settings())]),
        "clock.xlsx",
    )
    .expect_err("`time extra` is no type");
    assert_eq!(problems.len(), 1, "{:#?}", messages(&problems));
    assert_eq!(problems[0].row, Some(5), "{:#?}", messages(&problems));
    let imported = xlsform::import(
        &workbook(&[
            ("survey", survey[..4].to_vec()),
            ("settings", consent_settings()),
        ]),
        "clock.xlsx",
    )
    .unwrap_or_else(|problems| panic!("{:#?}", messages(&problems)));
    let kind = |id: &str| imported.survey.question(id).expect(id).question.kind.name();
    assert_eq!(
        [kind("at"), kind("since"), kind("until")],
        ["time", "date_time", "date_time"]
    );
}

#[test]
fn range_rows_become_bounded_numbers_and_bad_parameters_are_each_listed() {
    let survey = vec![
        vec!["type", "name", "label", "parameters", "constraint"],
        vec!["range", "plain", "Default range", "", ""],
        vec!["range", "even", "Even", "start=0 end=20 step=2", ". != 4"],
        vec!["range", "down", "Down", "start=5;end=-5", ""],
        vec!["range", "share", "Share", "start=0 end=1 step=0.25", ""],
    ];
    let imported = xlsform::import(
        &workbook(&[("survey", survey.clone()), ("settings", consent_settings())]),
        "range.xlsx",
    )
    .unwrap_or_else(|problems| panic!("{:#?}", messages(&problems)));
    let question = |id: &str| imported.survey.question(id).expect(id).question;
    let bounds = |id: &str| match question(id).kind {
        QuestionKind::Integer { min, max } => (min.map(|n| n as f64), max.map(|n| n as f64)),
        QuestionKind::Decimal { min, max } => (min, max),
        ref other => panic!("{id} is {}", other.name()),
    };
    assert_eq!(bounds("plain"), (Some(1.0), Some(10.0)));
    assert_eq!(bounds("even"), (Some(0.0), Some(20.0)));
    assert_eq!(bounds("down"), (Some(-5.0), Some(5.0)));
    assert_eq!(question("share").kind.name(), "decimal");
    assert_eq!(bounds("share"), (Some(0.0), Some(1.0)));
    assert_eq!(
        question("even").constraint.as_ref().map(|c| c.source()),
        Some("(. != 4) and ((. - (0)) mod 2 = 0)")
    );
    assert!(question("plain").constraint.is_none());
    assert!(
        imported
            .notes
            .iter()
            .any(|note| note.code == "step_not_enforced" && note.row == Some(5)),
        "{:#?}",
        messages(&imported.notes)
    );

    let broken = vec![
        vec!["type", "name", "label", "parameters"],
        vec!["range", "a", "A", "start=x end=10"],
        vec!["range", "b", "B", "begin=1 step=-1"],
        vec!["range", "c", "C", "start=1e400"],
    ];
    let problems = xlsform::import(
        &workbook(&[("survey", broken), ("settings", consent_settings())]),
        "range.xlsx",
    )
    .expect_err("bad parameters");
    let listed: Vec<(Option<u32>, &str)> = problems
        .iter()
        .map(|p| (p.row, p.column.as_deref().unwrap_or("")))
        .collect();
    assert_eq!(
        listed,
        [
            (Some(2), "parameters"),
            (Some(3), "parameters"),
            (Some(3), "parameters"),
            (Some(4), "parameters")
        ],
        "{:#?}",
        messages(&problems)
    );
}

#[test]
fn acknowledge_rows_are_a_choice_of_ok_from_a_list_of_their_own() {
    let survey = vec![
        vec!["type", "name", "label", "required"],
        vec![
            "acknowledge",
            "read_notice",
            "I have read the notice above",
            "yes",
        ],
        vec!["select_one acknowledge", "agree", "Agree?", ""],
        vec!["acknowledge", "understood", "I understood", ""],
    ];
    let choices = vec![
        vec!["list_name", "name", "label"],
        vec!["acknowledge", "yes", "Yes"],
        vec!["acknowledge", "no", "No"],
    ];
    let imported = xlsform::import(
        &workbook(&[
            ("survey", survey),
            ("choices", choices),
            ("settings", consent_settings()),
        ]),
        "ack.xlsx",
    )
    .unwrap_or_else(|problems| panic!("{:#?}", messages(&problems)));
    let list_of = |id: &str| match &imported.survey.question(id).expect(id).question.kind {
        QuestionKind::Single { list } => list.clone(),
        other => panic!("{id} is {}", other.name()),
    };
    // The author's own list keeps its name; the ticked box gets another.
    assert_eq!(list_of("agree"), "acknowledge");
    assert_eq!(list_of("read_notice"), "acknowledge_");
    assert_eq!(list_of("understood"), "acknowledge_");
    let ok = imported
        .survey
        .choice_list("acknowledge_")
        .expect("added list");
    let values: Vec<&str> = ok.choices.iter().map(|c| c.value.as_str()).collect();
    assert_eq!(values, ["OK"]);
    assert_eq!(
        imported
            .notes
            .iter()
            .filter(|note| note.code == "acknowledge")
            .count(),
        1,
        "{:#?}",
        messages(&imported.notes)
    );
    assert_eq!(imported.survey.check(), vec![]);
    // Exported, the list is an ordinary one and imports back the same.
    let exported = xlsform::export::export(&imported.survey).expect("exports");
    let again = xlsform::import(&exported.bytes, "ack.xlsx")
        .unwrap_or_else(|problems| panic!("{:#?}", messages(&problems)));
    assert_eq!(
        again.survey.to_json_pretty(),
        imported.survey.to_json_pretty()
    );
}

#[test]
fn old_single_colon_headers_and_plain_labels_are_read() {
    let survey = vec![
        vec!["Type", "Name", "Label:English", "label:french", "LABEL"],
        vec!["note", "hello", "Hello", "Bonjour", ""],
        vec!["integer", "n", "", "Nombre", "Number"],
    ];
    let settings = vec![
        vec![
            "form_id",
            "version",
            "consent_script:English",
            "consent_script::fr",
            "consent_question::en",
            "consent_question::fr",
        ],
        vec!["old", "1", "Script", "Script fr", "Agree?", "D'accord ?"],
    ];
    let imported = xlsform::import(
        &workbook(&[("Survey", survey), ("SETTINGS", settings)]),
        "old.xls",
    )
    .unwrap_or_else(|problems| panic!("{:#?}", messages(&problems)));
    let n = imported.survey.question("n").expect("n").question;
    assert_eq!(n.label.0["en"], "Number");
    assert_eq!(n.label.0["fr"], "Nombre");
}

#[test]
fn a_broken_form_lists_every_problem_with_sheet_row_and_column() {
    let survey = vec![
        vec![
            "type",
            "name",
            "label",
            "relevant",
            "calculation",
            "repeat_count",
        ],
        vec!["select_one sexe", "sex", "Sex", "", "", ""],
        vec!["integer", "", "Age", "", "", ""],
        vec!["integer", "sex", "Sex again", "", "", ""],
        vec![
            "text",
            "where",
            "Where?",
            "${tuvo_disputaa} = 'yes'",
            "",
            "",
        ],
        vec!["selct_one yes_no", "bad_type", "Bad", "", "", ""],
        vec!["integer", "no_label", "", "", "", ""],
        vec!["geopoint", "gps", "Where are you?", "", "", ""],
        vec!["select_one yes_no or_other", "other", "Other?", "", "", ""],
        vec!["note", "broken", "Broken", "${sex} = ", "", ""],
        vec!["calculate", "calc", "", "", "", ""],
        vec!["begin_repeat", "people", "Person", "", "", "${n}"],
        vec!["text", "pname", "Name", "", "", ""],
        vec!["end_repeat", "", "", "", "", ""],
        vec!["end_group", "", "", "", "", ""],
        vec!["begin_group", "open", "Open", "", "", ""],
        vec!["note", "inside", "Inside", "", "", ""],
    ];
    let choices = vec![
        vec!["list_name", "name", "label"],
        vec!["sex", "f", "F"],
        vec!["yes_no", "yes", "Yes"],
        vec!["yes_no", "yes", "Yes again"],
    ];
    let settings = vec![
        vec!["form_id", "version", "consent_script", "consent_question"],
        vec!["broken", "2023010101", "Script", "Agree?"],
    ];
    let problems = xlsform::import(
        &workbook(&[
            ("survey", survey),
            ("choices", choices),
            ("settings", settings),
        ]),
        "broken.xlsx",
    )
    .expect_err("broken");
    let listed = messages(&problems);
    let expected = [
        "choices row 4, column name: `yes` is in list `yes_no` already, on row 3",
        "settings row 2, column version: version `2023010101`: Salama numbers versions 1, 2, 3… (whole numbers up to 1000000, not dates or dotted numbers); write 1 for a first version, and the next number for each change",
        "survey row 2, column type: type `select_one sexe` names no list in the choices sheet; lists there: sex, yes_no",
        "survey row 3, column name: a row of type `integer` needs a name",
        "survey row 4, column name: name `sex` is used already on row 2; names are unique in a form",
        "survey row 5, column relevant: `${tuvo_disputaa} = 'yes'`: `${tuvo_disputaa}` names no question",
        "survey row 6, column type: type `selct_one yes_no` is not an XLSForm type Salama reads",
        "survey row 7, column label: a row of type `integer` needs a label",
        "survey row 8, column type: type `geopoint`: Salama collects no household GPS or media (respondent safety)",
        "survey row 10, column relevant: `${sex} =` does not read as an expression",
        "survey row 11, column calculation: a `calculate` row needs a calculation",
        "survey row 12, column repeat_count: repeat_count `${n}`: Salama takes a number of rows",
        "survey row 15, column type: `end_group` closes nothing: no group or repeat is open",
        "survey row 16, column type: begin_group `open` is never closed by an `end_group`",
    ];
    assert_listed(&listed, &expected);
    // In reading order: the survey sheet from the top, then choices, then settings.
    assert!(listed[0].starts_with("survey row 2,"), "{listed:#?}");
    assert!(
        listed[listed.len() - 1].starts_with("settings row 2,"),
        "{listed:#?}"
    );
}

#[test]
fn check_problems_point_back_at_their_cells() {
    let survey = vec![
        vec!["type", "name", "label::en", "label::fr", "constraint"],
        vec!["integer", "age", "Age", "", ". > ${age}"],
        vec!["integer", "2bad", "Bad id", "Mauvais", ""],
    ];
    let settings = vec![
        vec![
            "form_id",
            "consent_script::en",
            "consent_script::fr",
            "consent_question::en",
        ],
        vec!["ids", "Script", "Script fr", "Agree?"],
    ];
    let problems = xlsform::import(
        &workbook(&[("survey", survey), ("settings", settings)]),
        "ids.xlsx",
    )
    .expect_err("untranslated");
    let listed = messages(&problems);
    for wanted in [
        "survey row 2, column label::fr: no `fr` text",
        "survey row 3, column name: ",
        "settings row 2, column consent_question::fr: no `fr` text",
    ] {
        assert!(
            listed.iter().any(|problem| problem.starts_with(wanted)),
            "missing {wanted:?} in {listed:#?}"
        );
    }
}

#[test]
fn a_form_without_consent_texts_says_which_settings_salama_needs() {
    let survey = vec![vec!["type", "name", "label"], vec!["note", "hi", "Hi"]];
    let problems =
        xlsform::import(&workbook(&[("survey", survey)]), "bare.xlsx").expect_err("no consent");
    let listed = messages(&problems);
    assert_eq!(listed.len(), 2, "{listed:#?}");
    assert!(
        listed[0].starts_with("settings, column consent_script: Salama needs `consent_script`")
    );
}

#[test]
fn a_sheet_of_a_hundred_thousand_rows_gives_a_bounded_list() {
    let mut rows = vec![vec!["type", "name", "label"]];
    rows.extend((0..100_000).map(|_| vec!["integer", "", "x"]));
    let bytes = workbook(&[("survey", rows)]);
    let problems = xlsform::import(&bytes, "long.xlsx").expect_err("too long");
    assert!(problems.len() <= MAX_LISTED + 1, "{}", problems.len());
    assert!(
        messages(&problems)
            .iter()
            .any(|p| p.contains("more than 10000 rows")),
        "{:#?}",
        messages(&problems)
    );
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

async fn upload(
    server: &common::Server,
    token: &str,
    content_type: &str,
    body: Vec<u8>,
) -> (StatusCode, serde_json::Value) {
    common::send(
        server
            .client
            .post(server.url("/api/surveys"))
            .bearer_auth(token)
            .header("content-type", content_type)
            .body(body),
    )
    .await
}

#[tokio::test]
async fn an_admin_publishes_an_xlsform_and_fetches_it_back() {
    let server = common::spawn_configured(http_config()).await;
    let (_, admin) = server.user("author", Role::Admin).await;
    let (status, body) = upload(&server, &admin, XLSX, valid_form()).await;
    assert_eq!(status, StatusCode::CREATED, "{body:#}");
    assert_eq!(body["id"], "market-safety");
    assert_eq!(body["version"], 3);
    let (status, published) = server.get("/api/surveys/market-safety/versions/3").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(published["languages"], serde_json::json!(["en", "fr"]));
    assert_eq!(
        published["sections"][2]["questions"][0]["kind"]["type"],
        "roster"
    );
    // The same spreadsheet again is acknowledged, not published twice.
    let (status, _) = upload(&server, &admin, XLSX, valid_form()).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn only_admins_upload_and_only_as_json_or_xlsx() {
    let server = common::spawn_configured(http_config()).await;
    let (_, analyst) = server.user("analyst", Role::Analyst).await;
    let (status, _) = upload(&server, &analyst, XLSX, valid_form()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, admin) = server.user("author", Role::Admin).await;
    let (status, body) = upload(&server, &admin, "text/csv", valid_form()).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    common::assert_error(&body, "unsupported_media_type");
    // .xls is read from the command line only.
    let xls = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0, 0, 0].to_vec();
    let (status, body) = upload(&server, &admin, "application/vnd.ms-excel", xls).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body:#}");
    assert_eq!(body["error"]["fields"][0]["code"], "unsupported_format");
}

#[tokio::test]
async fn hostile_spreadsheets_get_422_with_a_bounded_list() {
    let server = common::spawn_configured(http_config()).await;
    let (_, admin) = server.user("author", Role::Admin).await;
    let mut long = vec![vec!["type", "name", "label"]];
    long.extend((0..20_000).map(|_| vec!["integer", "", "x"]));
    let huge = "x".repeat(30_000);
    let bodies: Vec<(&str, Vec<u8>)> = vec![
        ("garbage", b"this is not a spreadsheet".to_vec()),
        ("random zip", b"PK\x03\x04\x14\x00\x00\x00garbage".to_vec()),
        ("empty", Vec::new()),
        (
            "no survey sheet",
            workbook(&[("Sheet1", vec![vec!["hello"]])]),
        ),
        ("empty survey sheet", workbook(&[("survey", vec![])])),
        ("long", workbook(&[("survey", long)])),
        (
            "huge cell",
            workbook(&[(
                "survey",
                vec![
                    vec!["type", "name", "label"],
                    vec!["note", "n", huge.as_str()],
                ],
            )]),
        ),
    ];
    for (what, body) in bodies {
        let (status, answer) = upload(&server, &admin, XLSX, body).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{what}: {answer:#}"
        );
        common::assert_error(&answer, "invalid");
        let fields = answer["error"]["fields"].as_array().expect("fields");
        assert!(
            !fields.is_empty() && fields.len() <= MAX_LISTED + 1,
            "{what}: {}",
            fields.len()
        );
    }
    let (status, body) = upload(&server, &admin, XLSX, workbook(&[("survey", vec![])])).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let field = &body["error"]["fields"][0];
    assert!(
        field["path"].is_string() && field["message"].is_string(),
        "{body:#}"
    );
}

/// The parts of an .xlsx, with `change` applied to each and `extra` added.
fn rezip(
    xlsx: &[u8],
    change: impl Fn(&str, Vec<u8>) -> Vec<u8>,
    extra: &[(&str, Vec<u8>)],
) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).expect("zip");
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for index in 0..archive.len() {
        let mut part = archive.by_index(index).expect("part");
        let name = part.name().expect("name").to_string();
        let mut content = Vec::new();
        part.read_to_end(&mut content).expect("read part");
        writer.start_file(name.as_str(), options).expect("start");
        writer.write_all(&change(&name, content)).expect("write");
    }
    for (name, content) in extra {
        writer.start_file(*name, options).expect("start");
        writer.write_all(content).expect("write");
    }
    writer.finish().expect("finish").into_inner()
}

#[test]
fn a_zip_bomb_is_refused_before_the_reader_inflates_it() {
    let bomb = rezip(
        &valid_form(),
        |_, content| content,
        &[("xl/media/zeros.bin", vec![0; 40 * 1024 * 1024])],
    );
    assert!(bomb.len() < 1024 * 1024, "{}", bomb.len());
    let problems = xlsform::import_upload(&bomb, "", xlsform::Files::None).expect_err("bomb");
    assert_eq!(problems.len(), 1);
    assert!(
        problems[0].message.contains("unpacks to more than"),
        "{problems:?}"
    );
}

#[test]
fn an_announced_flood_of_texts_is_refused_before_room_is_made_for_it() {
    let flood = rezip(
        &valid_form(),
        |name, content| {
            if !name.ends_with("sharedStrings.xml") {
                return content;
            }
            let text = String::from_utf8(content).expect("xml");
            let at = text.find("uniqueCount=\"").expect("count") + "uniqueCount=\"".len();
            let end = at + text[at..].find('"').expect("quote");
            format!("{}99999999999999{}", &text[..at], &text[end..]).into_bytes()
        },
        &[],
    );
    let problems = xlsform::import_upload(&flood, "", xlsform::Files::None).expect_err("flood");
    assert!(
        problems[0].message.contains("different texts"),
        "{problems:?}"
    );
}

#[test]
fn a_cell_at_the_far_corner_costs_no_rectangle() {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("survey").expect("name");
    sheet.write_string(0, 0, "type").expect("cell");
    sheet
        .write_string(1_048_575, 16_383, "far")
        .expect("corner cell");
    let bytes = book.save_to_buffer().expect("saved");
    let problems = xlsform::import_upload(&bytes, "", xlsform::Files::None).expect_err("far");
    assert!(
        messages(&problems)
            .iter()
            .any(|p| p.starts_with("survey row 1048576, column XFD: the sheet has text beyond")),
        "{:#?}",
        messages(&problems)
    );
}

#[test]
fn salama_survey_import_writes_json_or_lists_problems() {
    use std::process::Command;
    let folder = tempfile::tempdir().expect("temporary folder");
    let form = folder.path().join("market.xlsx");
    std::fs::write(&form, valid_form()).expect("write");
    let out = folder.path().join("market.json");
    let output = Command::new(env!("CARGO_BIN_EXE_salama"))
        .args(["survey", "import"])
        .arg(&form)
        .arg("--out")
        .arg(&out)
        .env("RUST_LOG", "warn")
        .output()
        .expect("salama runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("note: survey row 2"), "{stderr}");
    let json = std::fs::read_to_string(&out).expect("written");
    let survey = salama_shared::Survey::from_json(&json).expect("a survey");
    assert_eq!(survey.check(), vec![]);

    let broken = folder.path().join("broken.xlsx");
    let rows = vec![
        vec!["type", "name", "label"],
        vec!["image", "photo", "Photo of the house"],
    ];
    std::fs::write(&broken, workbook(&[("survey", rows)])).expect("write");
    let output = Command::new(env!("CARGO_BIN_EXE_salama"))
        .args(["survey", "import"])
        .arg(&broken)
        .env("RUST_LOG", "warn")
        .output()
        .expect("salama runs");
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains(
            "survey row 2, column type: type `image`: Salama collects no household GPS or media"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("consent_script"), "{stdout}");
}

/// What public household forms (ODK and KoboToolbox, some written years
/// ago) hold that Salama reads: pyxform's older type, metadata and column
/// spellings, media columns (ignored), a group without a label, and a group
/// inside a repeat named as a top-level group, which pyxform allows.
#[test]
fn older_spellings_and_a_nested_group_named_twice_import() {
    let settings = vec![
        vec!["form_id", "consent_script", "consent_question"],
        vec!["water", "We ask about water at home.", "Do you agree?"],
    ];
    let choices = vec![
        vec!["list_name", "name", "label"],
        vec!["source", "tap", "Tap"],
        vec!["source", "well", "Well"],
        vec!["relation", "head", "Head"],
        vec!["relation", "child", "Child"],
    ];
    let survey = vec![
        vec![
            "type",
            "name",
            "caption",
            "relevance",
            "media::image::English",
            "readonly",
        ],
        vec!["get start time", "began", "", "", "", ""],
        vec!["phone number", "phone", "", "", "", ""],
        vec!["begin group", "members", "Members", "", "", ""],
        vec!["begin looped group", "person", "Person", "", "", ""],
        vec![
            "select one from relation",
            "relation",
            "Relation to the head",
            "",
            "",
            "",
        ],
        vec!["begin group", "members", "Confirmed members", "", "", ""],
        vec!["integer", "age", "Age", "", "age.png", "no"],
        vec!["end group", "", "", "", "", ""],
        vec!["end looped group", "", "", "", "", ""],
        vec!["end group", "", "", "", "", ""],
        // A page without a label, as KoboToolbox forms have them.
        vec!["begin group", "page", "", "", "", ""],
        vec!["integer", "rooms", "Rooms", "", "", ""],
        vec![
            "select all that apply from source or specify other",
            "sources",
            "Where does your water come from?",
            "${rooms} > 0",
            "",
            "",
        ],
        vec!["end group", "", "", "", "", ""],
    ];
    let imported = xlsform::import(
        &workbook(&[
            ("survey", survey),
            ("choices", choices),
            ("settings", settings),
        ]),
        "water.xlsx",
    )
    .unwrap_or_else(|problems| panic!("{:#?}", messages(&problems)));
    let survey = imported.survey;
    let ids: Vec<&str> = survey
        .sections
        .iter()
        .flat_map(|section| section.questions.iter().map(|q| q.id.as_str()))
        .collect();
    assert_eq!(ids, ["person", "rooms", "sources", "sources_other"]);
    assert_eq!(
        survey.sections[1].title, survey.title,
        "a group without a label is titled as the survey"
    );
    let sources = survey
        .sections
        .iter()
        .flat_map(|section| &section.questions)
        .find(|question| question.id == "sources")
        .expect("sources");
    assert_eq!(
        sources.relevant.as_ref().map(|r| r.source()),
        Some("${rooms} > 0"),
        "`relevance` is pyxform's other name for `relevant`"
    );
    assert_eq!(imported.notes.len(), 3, "{:#?}", imported.notes);
}

/// A row with neither type, name nor label is a comment (a heading in the
/// author's own column), as pyxform reads it; without `form_id` the id comes
/// from the file name, made an id.
#[test]
fn comment_rows_are_skipped_and_a_file_name_becomes_an_id() {
    let settings = vec![
        vec!["consent_script", "consent_question"],
        vec!["About the farm.", "Do you agree?"],
    ];
    let survey = vec![
        vec!["_category", "type", "name", "label"],
        vec!["Background on the farmer", "", "", ""],
        vec!["", "text", "farmer", "Name of the farmer"],
        vec!["", "", "", ""],
        vec!["1200", "", "", ""],
    ];
    let imported = xlsform::import(
        &workbook(&[("survey", survey), ("settings", settings)]),
        "Farm survey v2.1.xlsx",
    )
    .unwrap_or_else(|problems| panic!("{:#?}", messages(&problems)));
    assert_eq!(imported.survey.id, "Farm_survey_v2_1");
    assert_eq!(imported.survey.questions().count(), 1);
}

/// What stopped public forms, each said once and in the author's words: a
/// top-level group named twice (and nothing blamed on the rows after it),
/// typographic quotes, a language without built-in messages, a choice value
/// with a space.
#[test]
fn problems_met_in_public_forms_are_each_said_once() {
    let settings = vec![
        vec![
            "form_id",
            "version",
            "default_language",
            "consent_script::English (en)",
            "consent_script::Igbo (ig)",
            "consent_question::English (en)",
            "consent_question::Igbo (ig)",
        ],
        vec![
            "energy",
            "1",
            "English (en)",
            "About power.",
            "Banyere ike.",
            "Agree?",
            "Ị kwere?",
        ],
    ];
    let choices = vec![
        vec![
            "list_name",
            "name",
            "label::English (en)",
            "label::Igbo (ig)",
        ],
        vec!["source", "grid", "Grid", "Grid"],
        vec!["source", "solar panel", "Solar panel", "Solar"],
    ];
    let survey = vec![
        vec![
            "type",
            "name",
            "label::English (en)",
            "label::Igbo (ig)",
            "constraint",
        ],
        vec!["begin_group", "location", "Location", "Ebe", ""],
        vec![
            "text",
            "village",
            "Village",
            "Obodo",
            "string-length(.) > 1",
        ],
        vec!["end_group", "", "", "", ""],
        vec!["begin_group", "location", "Location again", "Ebe ọzọ", ""],
        vec!["select_one source", "power", "Power", "Ike", ""],
        vec![
            "text",
            "code",
            "Code",
            "Koodu",
            "selected(${power}, ‘grid’)",
        ],
        vec!["end_group", "", "", "", ""],
    ];
    let problems = xlsform::import(
        &workbook(&[
            ("survey", survey),
            ("choices", choices),
            ("settings", settings),
        ]),
        "energy.xlsx",
    )
    .expect_err("problems");
    let listed = messages(&problems);
    let expected = [
        "survey row 5, column name: name `location` is used already on row 2; names are unique in a form",
        "survey row 7, column constraint: `selected(${power}, ‘grid’)` does not read as an expression: unexpected character `‘` at byte 19; ‘ ’ “ ” are typographic quotes",
        "choices row 3, column name: choice value `solar panel`: a value uses letters, digits, `_`, `-` and `.`, no spaces",
        "messages, column label::ig: `ig` has no built-in interface words; give these 76: form.surveys, form.no_surveys,",
    ];
    assert_listed(&listed, &expected);
}

/// The author's shortest path: check the workbook as it is, then publish it.
#[test]
fn survey_check_and_publish_take_an_xlsform_directly() {
    use std::process::Command;
    let folder = tempfile::tempdir().expect("temporary folder");
    let salama = |args: &[&std::ffi::OsStr]| {
        Command::new(env!("CARGO_BIN_EXE_salama"))
            .args(args)
            .env(
                "DATABASE_URL",
                format!("sqlite://{}", folder.path().join("salama.db").display()),
            )
            .env("RUST_LOG", "warn")
            .output()
            .expect("salama runs")
    };
    let form = folder.path().join("market.xlsx");
    std::fs::write(&form, valid_form()).expect("write");
    let output = salama(&["survey".as_ref(), "check".as_ref(), form.as_os_str()]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("no problems"), "{stderr}");

    let broken = folder.path().join("broken.XLSX");
    let rows = vec![
        vec!["type", "name", "label", "relevent"],
        vec!["image", "photo", "Photo of the house", ""],
        vec!["select_one sexe", "sex", "Sex", ""],
    ];
    std::fs::write(&broken, workbook(&[("survey", rows)])).expect("write");
    let output = salama(&[
        "survey".as_ref(),
        "check".as_ref(),
        "--json".as_ref(),
        broken.as_os_str(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    let problems: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let paths: Vec<&str> = problems
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|problem| problem["path"].as_str())
        .collect();
    for expected in ["survey!R1:relevent", "survey!R2:type", "survey!R3:type"] {
        assert!(paths.contains(&expected), "{expected} in {paths:?}");
    }
    let output = salama(&["survey".as_ref(), "check".as_ref(), broken.as_os_str()]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("survey row 3, column type: type `select_one sexe` names no list"),
        "{stdout}"
    );

    let output = salama(&["survey".as_ref(), "publish".as_ref(), form.as_os_str()]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains("published market-safety version 3"),
        "{stderr}"
    );
}

fn consent_settings() -> Vec<Vec<&'static str>> {
    vec![
        vec!["form_id", "consent_script", "consent_question"],
        vec![
            "roles",
            "We ask about safety; skip or stop any time.",
            "Agree?",
        ],
    ]
}

#[test]
fn the_role_column_declares_disaggregation_at_the_right_level() {
    let survey = vec![
        vec!["type", "name", "label", "role"],
        vec!["integer", "age", "Age", "age"],
        vec!["select_one sex", "sex", "Sex", "Sex"],
        vec!["begin_repeat", "members", "Member", ""],
        vec!["select_one sex", "mem_sex", "Sex", "sex"],
        vec!["integer", "mem_age", "Age", "age"],
        vec!["end_repeat", "", "", ""],
    ];
    let choices = vec![
        vec!["list_name", "name", "label"],
        vec!["sex", "female", "Female"],
        vec!["sex", "male", "Male"],
    ];
    let imported = xlsform::import(
        &workbook(&[
            ("survey", survey),
            ("choices", choices),
            ("settings", consent_settings()),
        ]),
        "roles.xlsx",
    )
    .unwrap_or_else(|problems| panic!("{:#?}", messages(&problems)));
    let roles: Vec<(String, String)> = imported
        .survey
        .roles
        .iter()
        .map(|role| {
            (
                role.dimension().to_owned(),
                format!("{}:{}", role.level().as_str(), role.questions()[0]),
            )
        })
        .collect();
    assert_eq!(
        roles,
        [
            ("age".to_owned(), "respondent:age".to_owned()),
            ("sex".to_owned(), "respondent:sex".to_owned()),
            ("sex".to_owned(), "member:mem_sex".to_owned()),
            ("age".to_owned(), "member:mem_age".to_owned()),
        ]
    );
}

#[test]
fn salama_columns_mark_codes_sources_safe_text_and_sensitive_sections() {
    let survey = vec![
        vec![
            "type",
            "name",
            "label",
            "code",
            "source",
            "microdata_safe",
            "sensitive",
        ],
        vec!["text", "job", "Occupation", "OCC-1", "ILO", "yes", ""],
        vec!["begin_group", "violence", "Violence", "", "", "", "yes"],
        vec![
            "select_one yes_no",
            "hit",
            "Were you hit?",
            "VIC-1",
            "",
            "",
            "",
        ],
        vec!["end_group", "", "", "", "", "", ""],
    ];
    let choices = vec![
        vec!["list_name", "name", "label"],
        vec!["yes_no", "yes", "Yes"],
        vec!["yes_no", "no", "No"],
    ];
    let imported = xlsform::import(
        &workbook(&[
            ("survey", survey),
            ("choices", choices),
            ("settings", consent_settings()),
        ]),
        "own.xlsx",
    )
    .unwrap_or_else(|problems| panic!("{:#?}", messages(&problems)));
    let survey = imported.survey;
    let job = survey.question("job").expect("job").question;
    assert_eq!(job.code.as_deref(), Some("OCC-1"));
    assert_eq!(job.source.as_deref(), Some("ILO"));
    assert!(job.microdata_safe);
    assert!(!survey.sections[0].sensitive);
    assert!(survey.sections[1].sensitive);
    assert_eq!(
        survey
            .question("hit")
            .expect("hit")
            .question
            .code
            .as_deref(),
        Some("VIC-1")
    );
}

#[test]
fn a_household_displacement_role_groups_the_members_and_exports_back() {
    let survey = vec![
        vec!["type", "name", "label", "role"],
        vec![
            "select_one displacement",
            "hh_displacement",
            "Your household's situation",
            "household_displacement",
        ],
        vec!["begin_repeat", "members", "Member", ""],
        vec![
            "select_one displacement",
            "mem_displacement",
            "Situation",
            "household_displacement",
        ],
        vec!["end_repeat", "", "", ""],
    ];
    let choices = vec![
        vec!["list_name", "name", "label"],
        vec!["displacement", "idp", "Displaced"],
        vec!["displacement", "resident", "Resident"],
    ];
    let book = |survey| {
        workbook(&[
            ("survey", survey),
            ("choices", choices.clone()),
            ("settings", consent_settings()),
        ])
    };
    // A member's answer cannot speak for the household.
    let problems = xlsform::import(&book(survey.clone()), "roles.xlsx").expect_err("in a repeat");
    assert!(
        messages(&problems).iter().any(|message| message
            .starts_with("survey row 4, column role: role `household_displacement`")),
        "{:#?}",
        messages(&problems)
    );
    let survey: Vec<_> = survey
        .into_iter()
        .map(|row| {
            if row[1] == "mem_displacement" {
                vec![row[0], row[1], row[2], ""]
            } else {
                row
            }
        })
        .collect();
    let imported = xlsform::import(&book(survey), "roles.xlsx")
        .unwrap_or_else(|problems| panic!("{:#?}", messages(&problems)));
    assert!(imported.survey.roles[0].describes_household());
    let exported = xlsform::export::export(&imported.survey).expect("exports");
    let again = xlsform::import(&exported.bytes, "roles.xlsx")
        .unwrap_or_else(|problems| panic!("{:#?}", messages(&problems)));
    assert_eq!(
        again.survey.to_json_pretty(),
        imported.survey.to_json_pretty()
    );
}

#[test]
fn misspelt_columns_and_wrong_roles_are_pointed_at() {
    let survey = vec![
        vec!["type", "name", "label", "relevent", "role"],
        vec!["text", "age", "Age", "", "age"],
        vec!["integer", "n", "N", "", "disability"],
        vec!["integer", "m", "M", "", "height"],
    ];
    let problems = xlsform::import(
        &workbook(&[("survey", survey), ("settings", consent_settings())]),
        "roles.xlsx",
    )
    .expect_err("misspelt");
    let listed = messages(&problems);
    let expected = [
        "survey row 1, column relevent: `relevent` is not a column Salama reads; did you mean `relevant`?",
        "survey row 4, column role: role `height` is not one of sex, age, location, disability, displacement, household_displacement (outside repeats), urban_rural",
        "settings row 2, column disabled_if: questions have the role `disability`",
    ];
    assert_listed(&listed, &expected);

    // Without other problems, the check's verdict on a role comes back to
    // the role cell.
    let survey = vec![
        vec!["type", "name", "label", "role"],
        vec!["text", "age", "Age", "age"],
    ];
    let problems = xlsform::import(
        &workbook(&[("survey", survey), ("settings", consent_settings())]),
        "roles.xlsx",
    )
    .expect_err("wrong kind");
    assert!(
        messages(&problems)[0].starts_with("survey row 2, column role: "),
        "{:#?}",
        messages(&problems)
    );
}

#[test]
fn thousands_of_groups_and_questions_are_read_in_reasonable_time() {
    let names: Vec<(String, String)> = (0..2_400)
        .map(|i| (format!("g{i}"), format!("q{i}")))
        .collect();
    let mut rows = vec![vec!["type", "name", "label"]];
    for (group, question) in &names {
        rows.push(vec!["begin_group", group.as_str(), "Group"]);
        rows.push(vec!["integer", question.as_str(), "How many?"]);
        rows.push(vec!["end_group", "", ""]);
        rows.push(vec!["integer", "", "Loose"]);
    }
    let bytes = workbook(&[("survey", rows), ("settings", consent_settings())]);
    let started = std::time::Instant::now();
    let problems = xlsform::import(&bytes, "many.xlsx").expect_err("nameless rows");
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    assert_eq!(problems.len(), MAX_LISTED + 1);

    // Named, the rows translate and the check has its say on the whole.
    let loose: Vec<String> = (0..names.len()).map(|i| format!("l{i}")).collect();
    let mut rows = vec![vec!["type", "name", "label"]];
    for ((group, question), loose) in names.iter().zip(&loose) {
        rows.push(vec!["begin_group", group.as_str(), "Group"]);
        rows.push(vec!["integer", question.as_str(), "How many?"]);
        rows.push(vec!["end_group", "", ""]);
        rows.push(vec!["integer", loose.as_str(), "Loose"]);
    }
    let bytes = workbook(&[("survey", rows), ("settings", consent_settings())]);
    let started = std::time::Instant::now();
    let problems = xlsform::import(&bytes, "many.xlsx").expect_err("too many sections");
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    assert!(
        messages(&problems)
            .iter()
            .any(|p| p.starts_with("survey sheet: `sections` is outside its limits")),
        "{:#?}",
        messages(&problems)
    );
}

#[test]
fn an_oversized_cell_is_listed_with_the_other_problems() {
    let huge = "x".repeat(30_000);
    let survey = vec![
        vec!["type", "name", "label"],
        vec!["note", "big", huge.as_str()],
        vec!["integer", "", "No name"],
    ];
    let problems = xlsform::import(
        &workbook(&[("survey", survey), ("settings", consent_settings())]),
        "big.xlsx",
    )
    .expect_err("oversized");
    let listed = messages(&problems);
    assert!(
        listed[0].starts_with("survey row 2, column C: the cell holds more than 20000 characters"),
        "{listed:#?}"
    );
    assert!(
        listed
            .iter()
            .any(|p| p
                .starts_with("survey row 3, column name: a row of type `integer` needs a name")),
        "{listed:#?}"
    );
}

#[test]
fn or_other_adds_an_other_choice_and_a_question_to_specify_it() {
    let survey = vec![
        vec!["type", "name", "label", "relevant"],
        vec!["integer", "age", "Age", ""],
        vec![
            "select_multiple help or_other",
            "helpers",
            "Who helped?",
            "${age} > 10",
        ],
        vec!["text", "more", "More", "${helpers_other} != ''"],
    ];
    let choices = vec![
        vec!["list_name", "name", "label"],
        vec!["help", "police", "Police"],
        vec!["help", "family", "Family"],
    ];
    let imported = xlsform::import(
        &workbook(&[
            ("survey", survey),
            ("choices", choices),
            ("settings", consent_settings()),
        ]),
        "other.xlsx",
    )
    .unwrap_or_else(|problems| panic!("{:#?}", messages(&problems)));
    let survey = imported.survey;
    let helpers = survey.question("helpers").expect("helpers").question;
    assert_eq!(helpers.kind.list(), Some("help_other"));
    let list = survey.choice_list("help_other").expect("list with other");
    assert_eq!(list.choices.last().map(|c| c.value.as_str()), Some("other"));
    let specify = survey.question("helpers_other").expect("specify").question;
    assert_eq!(
        specify.relevant.as_ref().map(|r| r.source()),
        Some("(${age} > 10) and (selected(${helpers}, 'other'))")
    );
    assert!(
        imported.notes.iter().any(|note| note
            .to_string()
            .starts_with("survey row 3, column type: `or_other` adds")),
        "{:?}",
        imported.notes
    );
}

#[tokio::test]
async fn a_published_xlsform_takes_answers_by_its_own_rules() {
    let server = common::spawn_configured(http_config()).await;
    let (_, admin) = server.user("author", Role::Admin).await;
    let (status, body) = upload(&server, &admin, XLSX, valid_form()).await;
    assert_eq!(status, StatusCode::CREATED, "{body:#}");
    let answer = |age: u32| {
        let mut submission = common::online();
        submission["survey_id"] = serde_json::json!("market-safety");
        submission["survey_version"] = serde_json::json!(3);
        submission["language"] = serde_json::json!("fr");
        submission["answers"] = serde_json::json!({
            "age": age,
            "walk_safe": "yes",
            "robbed": "no",
            "members": [{"mem_sex": "female", "mem_age": 29.5}],
            "size": 1,
        });
        serde_json::to_vec(&submission).expect("serialises")
    };
    let path = "/api/surveys/market-safety/submissions";
    let (status, body) = server.post_raw(path, "application/json", answer(30)).await;
    assert!(status.is_success(), "{status}: {body:#}");
    // The spreadsheet's rules hold: the constraint (15 to 120, with its
    // French message) and the nested group's relevance (18 and over).
    let (status, body) = server.post_raw(path, "application/json", answer(12)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body:#}");
    let fields: Vec<(String, String, String)> = body["error"]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|field| {
            let text = |key: &str| field[key].as_str().unwrap_or_default().to_owned();
            (text("path"), text("code"), text("message"))
        })
        .collect();
    assert_eq!(fields.len(), 2, "{body:#}");
    assert_eq!(
        fields[0],
        (
            "age".to_owned(),
            "constraint".to_owned(),
            "Entre 15 et 120".to_owned()
        )
    );
    assert_eq!(
        (fields[1].0.as_str(), fields[1].1.as_str()),
        ("robbed", "not_relevant")
    );
}

#[test]
fn rules_for_minors_come_from_the_settings_sheet() {
    let survey = |role: &'static str| {
        vec![
            vec!["type", "name", "label", "role"],
            vec!["integer", "age", "Age", role],
        ]
    };
    let settings = |assent: &'static str| {
        vec![
            vec![
                "form_id",
                "consent_script",
                "consent_question",
                "self_respondent_min_age",
                "adult_age",
                "adult_consent_question",
                "assent_question",
            ],
            vec![
                "minors",
                "Script",
                "Agree?",
                "15",
                "18",
                "Has a parent agreed?",
                assent,
            ],
        ]
    };
    let imported = xlsform::import(
        &workbook(&[
            ("survey", survey("age")),
            ("settings", settings("Do you agree?")),
        ]),
        "minors.xlsx",
    )
    .unwrap_or_else(|problems| panic!("{:#?}", messages(&problems)));
    let minors = imported.survey.consent.minors.expect("rules for minors");
    assert_eq!((minors.self_respondent_min_age, minors.adult_age), (15, 18));

    let problems = xlsform::import(
        &workbook(&[("survey", survey("age")), ("settings", settings(""))]),
        "minors.xlsx",
    )
    .expect_err("no assent question");
    assert!(
        messages(&problems)[0]
            .starts_with("settings row 2, column assent_question: rules for minors need"),
        "{:#?}",
        messages(&problems)
    );

    // Without an age role the check says why, at the settings row.
    let problems = xlsform::import(
        &workbook(&[
            ("survey", survey("")),
            ("settings", settings("Do you agree?")),
        ]),
        "minors.xlsx",
    )
    .expect_err("no age role");
    assert!(
        messages(&problems)[0].starts_with(
            "settings row 2, column adult_age: rules for minors need a respondent-level age role"
        ),
        "{:#?}",
        messages(&problems)
    );
}

fn own_sheets_form(areas: Vec<Vec<&'static str>>, indicators: Vec<Vec<&'static str>>) -> Vec<u8> {
    workbook(&own_sheets(areas, indicators))
}

#[allow(clippy::type_complexity)]
fn own_main_sheets() -> (
    Vec<Vec<&'static str>>,
    Vec<Vec<&'static str>>,
    Vec<Vec<&'static str>>,
) {
    let survey = vec![
        vec!["type", "name", "label::en", "label::fr", "role"],
        vec!["admin_area", "area", "Where?", "Où ?", "location"],
        vec!["select_one wg", "wg_see", "Seeing", "Voir", "disability"],
        vec![
            "select_one wg",
            "wg_hear",
            "Hearing",
            "Entendre",
            "disability",
        ],
        vec!["select_one yes_no", "hit", "Were you hit?", "Frappé ?", ""],
        vec![
            "select_one safe",
            "safe",
            "Safe at night?",
            "Sûr la nuit ?",
            "",
        ],
    ];
    let choices = vec![
        vec!["list_name", "name", "label::en", "label::fr", "missing"],
        vec!["wg", "none", "No difficulty", "Aucune", ""],
        vec!["wg", "a_lot", "A lot", "Beaucoup", ""],
        vec!["wg", "cannot", "Cannot", "Impossible", ""],
        vec!["yes_no", "yes", "Yes", "Oui", ""],
        vec!["yes_no", "no", "No", "Non", ""],
        vec!["safe", "safe", "Safe", "Sûr", ""],
        vec!["safe", "unsafe", "Unsafe", "Pas sûr", ""],
        vec!["safe", "dk", "Don't know", "Ne sait pas", "dk"],
    ];
    let settings = vec![
        vec![
            "form_id",
            "consent_script::en",
            "consent_script::fr",
            "consent_question::en",
            "consent_question::fr",
            "disabled_if",
        ],
        vec![
            "own",
            "We ask about safety.",
            "Nous parlons de sécurité.",
            "Agree?",
            "D'accord ?",
            "a_lot cannot",
        ],
    ];
    (survey, choices, settings)
}

type Sheets = Vec<(&'static str, Vec<Vec<&'static str>>)>;

fn own_sheets(areas: Vec<Vec<&'static str>>, indicators: Vec<Vec<&'static str>>) -> Sheets {
    let (survey, choices, settings) = own_main_sheets();
    vec![
        ("survey", survey),
        ("choices", choices),
        ("settings", settings),
        ("areas", areas),
        ("indicators", indicators),
    ]
}

fn own_areas() -> Vec<Vec<&'static str>> {
    vec![
        vec!["level", "code", "parent", "label::en", "label::fr"],
        vec!["region", "", "", "Region", "Région"],
        vec!["district", "", "", "District", "District"],
        vec!["region", "north", "", "North", "Nord"],
        vec!["district", "north-hills", "north", "Hills", "Collines"],
        vec!["region", "south", "", "South", "Sud"],
        vec!["district", "north-river", "north", "River", "Fleuve"],
        vec!["district", "south-coast", "south", "Coast", "Côte"],
    ]
}

#[test]
fn the_areas_and_indicators_sheets_and_the_disability_role_are_read() {
    let survey = vec![
        vec![
            "name",
            "code",
            "label::en",
            "label::fr",
            "unit",
            "question",
            "numerator",
            "denominator",
            "reported",
            "source",
        ],
        vec![
            "feel_safe",
            "SDG 16.1.4",
            "Feel safe",
            "Se sentent en sécurité",
            "respondent",
            "safe",
            "safe",
            "all",
            "dk",
            "SDG metadata",
        ],
        vec![
            "victims",
            "V",
            "Victims",
            "Victimes",
            "",
            "hit",
            "yes",
            "${safe} = 'unsafe'",
            "",
            "",
        ],
        vec!["", "", "", "", "", "safe", "unsafe", "", "", ""],
    ];
    let imported = xlsform::import(&own_sheets_form(own_areas(), survey), "own.xlsx")
        .unwrap_or_else(|problems| panic!("{:#?}", messages(&problems)));
    let json = serde_json::to_value(&imported.survey).expect("json");
    assert!(matches!(
        imported
            .survey
            .question("area")
            .expect("area")
            .question
            .kind,
        QuestionKind::AdminArea { levels: 2 }
    ));
    assert_eq!(
        json["area_levels"],
        serde_json::json!([
            {"id": "region", "label": {"en": "Region", "fr": "Région"}},
            {"id": "district", "label": {"en": "District", "fr": "District"}},
        ])
    );
    assert_eq!(
        json["areas"],
        serde_json::json!([
            {"code": "north", "name": {"en": "North", "fr": "Nord"}, "children": [
                {"code": "north-hills", "name": {"en": "Hills", "fr": "Collines"}},
                {"code": "north-river", "name": {"en": "River", "fr": "Fleuve"}},
            ]},
            {"code": "south", "name": {"en": "South", "fr": "Sud"}, "children": [
                {"code": "south-coast", "name": {"en": "Coast", "fr": "Côte"}},
            ]},
        ])
    );
    assert_eq!(
        json["indicators"],
        serde_json::json!([
            {"id": "feel_safe", "code": "SDG 16.1.4",
             "name": {"en": "Feel safe", "fr": "Se sentent en sécurité"},
             "unit": "respondent", "components": [{"question": "safe", "numerator": ["safe"]}],
             "denominator": {"rule": "all"}, "reported": ["dk"], "source": "SDG metadata"},
            {"id": "victims", "code": "V", "name": {"en": "Victims", "fr": "Victimes"},
             "unit": "respondent",
             "components": [
                {"question": "hit", "numerator": ["yes"]},
                {"question": "safe", "numerator": ["unsafe"]},
             ],
             "denominator": {"rule": "subpopulation", "filter": "${safe} = 'unsafe'"},
             "reported": []},
        ])
    );
    assert_eq!(
        json["roles"],
        serde_json::json!([
            {"role": "location", "level": "respondent", "question": "area"},
            {"role": "disability", "level": "respondent", "questions": ["wg_see", "wg_hear"],
             "disabled_if": ["a_lot", "cannot"]},
        ])
    );
}

#[test]
fn problems_in_the_areas_and_indicators_sheets_name_their_cells() {
    let areas = vec![
        vec!["level", "code", "parent", "label::en", "label::fr"],
        vec!["region", "", "", "Region", "Région"],
        vec!["district", "", "", "District", "District"],
        vec!["region", "north", "", "North", "Nord"],
        vec!["district", "hills", "", "Hills", "Collines"],
        vec!["district", "river", "nowhere", "River", "Fleuve"],
        vec!["county", "x", "north", "X", "X"],
        vec!["region", "north", "", "North again", "Nord"],
        vec!["district", "coast", "north", "Coast", ""],
    ];
    let indicators = vec![
        vec![
            "name",
            "code",
            "label::en",
            "label::fr",
            "unit",
            "question",
            "numerator",
            "denominator",
        ],
        vec!["", "", "", "", "", "safe", "safe", ""],
        vec![
            "ok",
            "OK",
            "Ok",
            "Ok",
            "household",
            "safe",
            "safe",
            "valid_answers",
        ],
        vec!["bad", "B", "Bad", "Mal", "", "safe", "safe", "${safe} ="],
        vec!["typo", "T", "Typo", "Typo", "", "nosuch", "safe", "all"],
    ];
    let mut bytes_sheets = own_sheets(areas, indicators);
    bytes_sheets.push((
        "messages",
        vec![
            vec!["code", "label::en", "label::fr"],
            vec!["requird", "Answer", "Répondez"],
            vec!["required", "Answer", "Répondez"],
            vec!["required", "Again", "Encore"],
        ],
    ));
    let problems =
        xlsform::import(&workbook(&bytes_sheets), "own.xlsx").expect_err("broken sheets");
    let listed = messages(&problems);
    let expected = [
        "areas row 5, column parent: area `hills` is at level `district` and needs the `parent` area it lies in",
        "areas row 6, column parent: parent `nowhere` is no area on a row above",
        "areas row 7, column level: level `county` is not declared",
        "areas row 8, column code: area code `north` is used on a row above",
        "indicators row 2, column name: an indicator row needs its `name`",
        "indicators row 3, column unit: unit `household` is not `respondent` or `member`",
        "indicators row 4, column denominator: `${safe} =` is neither `all`, `valid_answers` nor an expression",
        "messages row 2, column code: code `requird` is neither an error code nor an interface word; the nearest is `required`",
        "messages row 4, column code: code `required` is worded on a row above",
    ];
    for wanted in expected {
        assert!(
            listed.iter().any(|problem| problem.starts_with(wanted)),
            "missing {wanted:?} in {listed:#?}"
        );
    }
    // Refused rows hide the check's findings but not the missing translation.
    assert!(
        listed
            .iter()
            .any(|problem| problem.starts_with("areas row 9, column label::fr")),
        "{listed:#?}"
    );
}

#[test]
fn bounds_scales_and_roster_columns_are_read_and_their_slips_pointed_at() {
    let survey = vec![
        vec![
            "type",
            "name",
            "label",
            "min",
            "max",
            "max_length",
            "min_rows",
            "max_rows",
            "row_label",
        ],
        vec!["integer", "age", "Age", "0", "120", "", "", "", ""],
        vec!["ordinal", "safe", "Safe?", "", "", "", "", "", ""],
        vec!["yes_no", "told", "Told?", "", "", "", "", "", ""],
        vec!["text", "job", "Job", "", "", "80", "", "", ""],
        vec![
            "begin_repeat",
            "members",
            "Members",
            "",
            "",
            "",
            "1",
            "12",
            "Member",
        ],
        vec!["integer", "mem_age", "Age", "", "", "", "", "", ""],
        vec!["end_repeat", "", "", "", "", "", "", "", ""],
    ];
    let choices = vec![
        vec!["list_name", "name", "label"],
        vec!["scale", "safe", "Safe"],
        vec!["scale", "unsafe", "Unsafe"],
    ];
    let mut broken = survey.clone();
    broken[1] = vec!["integer", "age", "Age", "1.5", "many", "", "", "", ""];
    broken[2] = vec!["ordinal", "safe", "Safe?", "", "", "", "", "", ""];
    broken[4] = vec!["text", "job", "Job", "", "", "-3", "", "", ""];
    broken[5] = vec![
        "begin_repeat",
        "members",
        "Members",
        "",
        "",
        "",
        "",
        "lots",
        "",
    ];
    let survey = {
        let mut fine = survey;
        fine[2] = vec!["ordinal scale", "safe", "Safe?", "", "", "", "", "", ""];
        fine
    };
    let imported = xlsform::import(
        &workbook(&[
            ("survey", survey),
            ("choices", choices.clone()),
            ("settings", consent_settings()),
        ]),
        "bounds.xlsx",
    )
    .unwrap_or_else(|problems| panic!("{:#?}", messages(&problems)));
    let kind = |id: &str| {
        imported
            .survey
            .question(id)
            .expect(id)
            .question
            .kind
            .clone()
    };
    assert!(matches!(
        kind("age"),
        QuestionKind::Integer {
            min: Some(0),
            max: Some(120)
        }
    ));
    assert!(matches!(kind("safe"), QuestionKind::Ordinal { ref list } if list == "scale"));
    assert!(matches!(kind("told"), QuestionKind::YesNo));
    assert!(matches!(kind("job"), QuestionKind::Text { max_length: 80 }));
    match kind("members") {
        QuestionKind::Roster {
            min_rows,
            max_rows,
            row_label,
            ..
        } => {
            assert_eq!((min_rows, max_rows), (1, 12));
            assert_eq!(
                row_label.0.values().next().map(String::as_str),
                Some("Member")
            );
        }
        other => panic!("{other:?}"),
    }

    let problems = xlsform::import(
        &workbook(&[
            ("survey", broken),
            ("choices", choices),
            ("settings", consent_settings()),
        ]),
        "bounds.xlsx",
    )
    .expect_err("slips");
    let listed = messages(&problems);
    let expected = [
        "survey row 2, column min: min 1.5: give a whole number",
        "survey row 2, column max: max `many` is not a number",
        "survey row 3, column type: type `ordinal`: `ordinal` needs a list name after it",
        "survey row 5, column max_length: max_length -3: give a whole number from 0",
        "survey row 6, column max_rows: max_rows `lots`: give a number of rows from 0 to 1000",
    ];
    for wanted in expected {
        assert!(
            listed.iter().any(|problem| problem.starts_with(wanted)),
            "missing {wanted:?} in {listed:#?}"
        );
    }
}

/// The problems an import of these sheets lists: each expected one (by its
/// beginning) and nothing else.
#[track_caller]
fn assert_refused_with(sheets: &[(&str, Vec<Vec<&str>>)], expected: &[&str]) {
    let problems = xlsform::import(&workbook(sheets), "refused.xlsx").expect_err("refused");
    assert_listed(&messages(&problems), expected);
}

#[test]
fn functions_of_real_forms_import_and_unrepeatable_ones_are_refused_row_by_row() {
    let header = vec!["type", "name", "label", "constraint", "calculation"];
    let settings = vec![
        vec!["form_id", "version", "consent_script", "consent_question"],
        vec!["functions", "1", "Script", "Agree?"],
    ];
    let choices = vec![
        vec!["list_name", "name", "label"],
        vec!["sex", "female", "Female"],
        vec!["sex", "male", "Male"],
    ];
    let survey = vec![
        header.clone(),
        vec!["text", "phone", "Phone", "regex(., '^0[0-9]{9}$')", ""],
        vec!["begin_repeat", "members", "Member", "", ""],
        vec!["text", "mem_name", "Name", "", ""],
        vec!["select_one sex", "mem_sex", "Sex", "", ""],
        vec![
            "calculate",
            "previous",
            "",
            "",
            "if(position(..) > 1, indexed-repeat(${mem_name}, ${members}, position(..) - 1), '')",
        ],
        vec![
            "calculate",
            "sex_label",
            "",
            "",
            "jr:choice-name(${mem_sex}, '${mem_sex}')",
        ],
        vec!["end_repeat", "", "", "", ""],
        vec!["calculate", "names", "", "", "join(', ', ${mem_name})"],
        vec!["calculate", "first", "", "", "once(${phone})"],
    ];
    let imported = xlsform::import(
        &workbook(&[
            ("survey", survey),
            ("choices", choices.clone()),
            ("settings", settings.clone()),
        ]),
        "functions.xlsx",
    )
    .unwrap_or_else(|problems| panic!("{:#?}", messages(&problems)));
    assert_eq!(imported.survey.check(), vec![]);
    let phone = imported
        .survey
        .question("phone")
        .expect("phone imported")
        .question;
    assert_eq!(
        phone.constraint.as_ref().map(|c| c.source()),
        Some("regex(., '^0[0-9]{9}$')")
    );

    let survey = vec![
        header,
        vec!["text", "phone", "Phone", "regex(., '^[0-9')", ""],
        vec!["calculate", "when", "", "", "now()"],
        vec!["calculate", "draw", "", "", "if(random() < 0.5, 'a', 'b')"],
        vec!["calculate", "key", "", "", "concat('k-', uuid())"],
        vec!["calculate", "at", "", "", "decimal-date-time(today())"],
    ];
    assert_refused_with(
        &[
            ("survey", survey),
            ("choices", choices),
            ("settings", settings),
        ],
        &[
            "survey row 2, column constraint: `regex(., '^[0-9')` does not read as an expression: the pattern of regex() does not compile: `[` is never closed by `]` (character 2)",
            "survey row 3, column calculation: `now()`: `now()` gives another value each time it is worked out, and Salama works every interview out again on the server to check it, where such a value could not be checked; the `start` and `end` rows record when the interview was made",
            "survey row 4, column calculation: `if(random() < 0.5, 'a', 'b')`: `random()` gives another value each time",
            "survey row 5, column calculation: `concat('k-', uuid())`: `uuid()` gives another value each time",
            "survey row 6, column calculation: `decimal-date-time(today())`: `decimal-date-time()` reads a time of day, which Salama keeps for no answer",
        ],
    );
}

#[test]
fn choice_filters_and_the_choices_own_columns_are_read_and_checked() {
    let settings = vec![
        vec!["form_id", "version", "consent_script", "consent_question"],
        vec!["cascade", "1", "Script", "Agree?"],
    ];
    let choices = vec![
        vec![
            "list_name",
            "name",
            "label",
            "region",
            "$kuid",
            "Kind of place",
        ],
        vec!["regions", "north", "North", "", "a1", ""],
        vec!["regions", "south", "South", "", "a2", ""],
        vec!["districts", "n1", "N1", "north", "a3", "x"],
        vec!["districts", "s1", "S1", "south", "a4", ""],
    ];
    let header = vec!["type", "name", "label", "choice_filter"];
    let survey = vec![
        header.clone(),
        vec!["select_one regions", "region", "Region", ""],
        vec![
            "select_one districts",
            "district",
            "District",
            "region=${region}",
        ],
    ];
    let imported = xlsform::import(
        &workbook(&[
            ("survey", survey),
            ("choices", choices.clone()),
            ("settings", settings.clone()),
        ]),
        "cascade.xlsx",
    )
    .unwrap_or_else(|problems| panic!("{:#?}", messages(&problems)));
    let survey = &imported.survey;
    let district = survey.question("district").expect("imported").question;
    assert_eq!(
        district.choice_filter.as_ref().map(|f| f.source()),
        Some("region=${region}")
    );
    let districts = survey.choice_list("districts").expect("list");
    assert_eq!(
        districts.choices[0].columns,
        [("region".to_owned(), "north".to_owned())].into()
    );
    assert!(
        survey.choice_list("regions").expect("list").choices[0]
            .columns
            .is_empty()
    );

    let survey = vec![
        header,
        vec!["select_one regions", "region", "Region", ""],
        vec![
            "select_one districts",
            "district",
            "District",
            "regoin = ${region}",
        ],
        vec!["integer", "count", "Count", "region = 'north'"],
    ];
    assert_refused_with(
        &[
            ("survey", survey),
            ("choices", choices),
            ("settings", settings),
        ],
        &[
            "survey row 3, column choice_filter: `regoin` is no column of the choices of list `districts`; columns there: name, region",
            "survey row 4, column choice_filter: only a question with choices can filter them",
        ],
    );
}

/// A form whose questions start with an answer: XLSForm's `default`.
fn defaults_form(sex_default: &'static str, age_default: &'static str) -> Vec<u8> {
    let survey = vec![
        vec![
            "type",
            "name",
            "label::English (en)",
            "label::Français (fr)",
            "default",
        ],
        vec!["select_one sex", "sex", "Sex?", "Sexe ?", sex_default],
        vec!["integer", "age", "Age?", "Âge ?", age_default],
        vec!["date", "visit", "Visit?", "Visite ?", "2024-01-31"],
        vec![
            "select_multiple yes_no",
            "both",
            "Which?",
            "Lesquels ?",
            "yes dk",
        ],
        vec!["begin_repeat", "members", "Members", "Membres", ""],
        vec![
            "select_one yes_no",
            "present",
            "Present?",
            "Présent ?",
            "yes",
        ],
        vec!["end_repeat", "", "", "", ""],
    ];
    workbook(&[("survey", survey), choices(), settings()])
}

#[tokio::test]
async fn an_imported_default_publishes_and_an_untouched_interview_sends() {
    let server = common::spawn_configured(http_config()).await;
    let (_, admin) = server.user("author", Role::Admin).await;
    let (status, body) = upload(&server, &admin, XLSX, defaults_form("female", "30")).await;
    assert_eq!(status, StatusCode::CREATED, "{body:#}");
    let (status, published) = server.get("/api/surveys/market-safety/versions/3").await;
    assert_eq!(status, StatusCode::OK);
    let survey: salama_shared::Survey =
        serde_json::from_value(published).expect("the published survey reads");
    let age = survey.question("age").expect("age").question;
    assert_eq!(age.default.as_deref(), Some("30"));
    // What a new interview starts with, sent as it is.
    let mut answers = survey.default_answers();
    assert_eq!(
        serde_json::Value::Object(answers.clone()),
        serde_json::json!({"sex": "female", "age": 30, "visit": "2024-01-31", "both": ["yes", "dk"]})
    );
    let Some(QuestionKind::Roster { questions, .. }) =
        survey.question("members").map(|place| &place.question.kind)
    else {
        panic!("members is a roster");
    };
    let row = salama_shared::schema::default_answers(questions);
    answers.insert("members".into(), serde_json::json!([row]));
    let mut submission = common::online();
    submission["survey_id"] = serde_json::json!("market-safety");
    submission["survey_version"] = serde_json::json!(3);
    submission["answers"] = serde_json::Value::Object(answers);
    let path = "/api/surveys/market-safety/submissions";
    let body = serde_json::to_vec(&submission).expect("serialises");
    let (status, body) = server.post_raw(path, "application/json", body).await;
    assert!(status.is_success(), "{status}: {body:#}");
}

#[test]
fn a_default_that_is_no_answer_or_is_worked_out_is_refused_at_its_cell() {
    let problems = xlsform::import(&defaults_form("unknown", "${sex}"), "defaults.xlsx")
        .expect_err("two bad defaults");
    let listed: Vec<(String, String)> = problems
        .iter()
        .map(|problem| (problem.path(), problem.code.clone()))
        .collect();
    assert!(
        listed.contains(&(
            "survey!R3:default".to_owned(),
            "unsupported_value".to_owned()
        )),
        "{listed:?}"
    );
    let problems = xlsform::import(&defaults_form("unknown", "today()"), "defaults.xlsx")
        .expect_err("two bad defaults");
    let listed: Vec<(String, String, String)> = problems
        .iter()
        .map(|problem| {
            (
                problem.path(),
                problem.code.clone(),
                problem.message.clone(),
            )
        })
        .collect();
    assert!(
        listed
            .iter()
            .any(|(path, code, message)| path == "survey!R3:default"
                && code == "unsupported_value"
                && message.contains("`today()`")),
        "{listed:?}"
    );
    // Once no row is refused, the check's own problem finds its cell.
    let problems = xlsform::import(&defaults_form("unknown", "30"), "defaults.xlsx")
        .expect_err("a default not in its list");
    let listed: Vec<(String, String, String)> = problems
        .iter()
        .map(|problem| {
            (
                problem.path(),
                problem.code.clone(),
                problem.message.clone(),
            )
        })
        .collect();
    assert!(
        listed
            .iter()
            .any(|(path, code, message)| path == "survey!R2:default"
                && code == "invalid_default"
                && message.contains("`sex`")
                && message.contains("list `sex`")),
        "{listed:?}"
    );
}

#[test]
fn a_group_or_repeat_takes_no_default() {
    let survey = vec![
        vec!["type", "name", "label", "default"],
        vec!["begin_repeat", "members", "Members", "1"],
        vec!["integer", "age", "Age", ""],
        vec!["end_repeat", "", "", ""],
    ];
    let problems = xlsform::import(&workbook(&[("survey", survey)]), "groups.xlsx")
        .expect_err("a default on a repeat");
    assert!(
        problems
            .iter()
            .any(|problem| problem.path() == "survey!R2:default"
                && problem.code == "unsupported_column"),
        "{:#?}",
        messages(&problems)
    );
}
