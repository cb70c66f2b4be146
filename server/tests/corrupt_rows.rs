//! One bad row never stops the service (issue 12, point 2). Rows written
//! straight into the database that the service cannot read are skipped,
//! counted, logged by submission id only and listed for admins, while the
//! real `salama` binary starts, aggregates, exports and rebuilds the rest.
//! Every story runs on SQLite and on a fresh database of the PostgreSQL
//! server named by `SALAMA_TEST_POSTGRES_URL`; a missing one fails the run,
//! as in the storage suite: these stories never skip silently.

mod common;

use std::collections::BTreeSet;
use std::io::Read;
use std::net::TcpListener;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use salama_server::store::{Pool, Store};
use serde_json::{Value, json};

/// In the answers of every corrupt row: it must never reach a log.
const MARKER: &str = "CORRUPT-ANSWER-MARKER-7f3a";
const SURVEY: &str = "community-safety";
const SHIPPED: u32 = salama_shared::default_survey::COMMUNITY_SAFETY_VERSION;
/// Valid online answers posted through the API.
const GOOD: usize = 6;

/// Where a story's data lives: a SQLite file in a temporary folder, or a
/// fresh database on the PostgreSQL server of `SALAMA_TEST_POSTGRES_URL`.
struct Database {
    url: String,
    _folder: Option<tempfile::TempDir>,
}

impl Database {
    fn sqlite() -> Self {
        let folder = tempfile::tempdir().expect("temporary folder");
        Self {
            url: format!("sqlite://{}", folder.path().join("salama.db").display()),
            _folder: Some(folder),
        }
    }

    async fn postgres() -> Self {
        Self {
            url: common::fresh_postgres_url().await,
            _folder: None,
        }
    }

    /// The database opened in this process, to write what no API would.
    async fn open(&self) -> Store {
        Store::open(&self.url).await.expect("store opens")
    }
}

/// Runs `$body` with `$pool` bound to the store's pool, whichever it is.
macro_rules! on_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match $store.pool() {
            Pool::Sqlite($pool) => $body,
            Pool::Postgres($pool) => $body,
        }
    };
}

/// Everything the binary wrote, over every run of a story.
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl Logs {
    fn capture(&self, mut from: impl Read + Send + 'static) -> JoinHandle<()> {
        let logs = self.clone();
        std::thread::spawn(move || {
            let mut buffer = [0u8; 8192];
            while let Ok(read) = from.read(&mut buffer) {
                if read == 0 {
                    break;
                }
                logs.0
                    .lock()
                    .expect("not poisoned")
                    .extend_from_slice(&buffer[..read]);
            }
        })
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("not poisoned")).into_owned()
    }

    fn append(&self, bytes: &[u8]) {
        self.0
            .lock()
            .expect("not poisoned")
            .extend_from_slice(bytes);
    }
}

/// The real binary serving on a free port, its stdout and stderr captured.
struct Running {
    child: Child,
    base: String,
    stdout: Logs,
    stderr: Logs,
    readers: Vec<JoinHandle<()>>,
}

fn binary(database: &Database) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_salama"));
    command
        .arg("--database-url")
        .arg(&database.url)
        // As talkative as it gets without the HTTP client's internals: no
        // level may show answers.
        .env("RUST_LOG", "debug,hyper=info,hyper_util=info,h2=info")
        .env_remove("DATABASE_URL");
    command
}

async fn start(database: &Database, client: &reqwest::Client) -> Running {
    let port = TcpListener::bind("127.0.0.1:0")
        .expect("free port")
        .local_addr()
        .expect("bound")
        .port();
    let mut child = binary(database)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("salama starts");
    let (stdout, stderr) = (Logs::default(), Logs::default());
    let readers = vec![
        stdout.capture(child.stdout.take().expect("piped")),
        stderr.capture(child.stderr.take().expect("piped")),
    ];
    let mut running = Running {
        child,
        base: format!("http://127.0.0.1:{port}"),
        stdout,
        stderr,
        readers,
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if client
            .get(running.url("/healthz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return running;
        }
        if let Ok(Some(status)) = running.child.try_wait() {
            for reader in running.readers.drain(..) {
                let _ = reader.join();
            }
            panic!(
                "salama exited at start-up ({status}):\n{}",
                running.stderr.text()
            );
        }
        assert!(
            Instant::now() < deadline,
            "salama did not answer /healthz:\n{}",
            running.stderr.text()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

impl Running {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Stops the server as a service manager would (SIGTERM) and returns
    /// what it wrote, stdout then stderr, into `logs` too.
    fn stop(mut self, logs: &Logs) -> (String, String) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(20);
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("waits") {
                break status;
            }
            if Instant::now() > deadline {
                self.child.kill().expect("SIGKILL");
                break self.child.wait().expect("reaped");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        for reader in self.readers.drain(..) {
            reader.join().expect("reader");
        }
        let (stdout, stderr) = (self.stdout.text(), self.stderr.text());
        assert!(status.success(), "salama stopped with {status}:\n{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        logs.append(stdout.as_bytes());
        logs.append(stderr.as_bytes());
        (stdout, stderr)
    }
}

/// A subcommand run to the end: exit status, stdout, stderr (also into `logs`).
fn run(database: &Database, args: &[&str], logs: &Logs) -> (ExitStatus, String, String) {
    let output = binary(database).args(args).output().expect("salama runs");
    logs.append(&output.stdout);
    logs.append(&output.stderr);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    (
        output.status,
        String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr,
    )
}

/// A valid online answer with a fresh id.
fn online() -> Value {
    let mut submission =
        serde_json::to_value(salama_shared::sample::online_answer()).expect("serialises");
    submission["submission_id"] = json!(uuid::Uuid::new_v4());
    submission
}

/// An online answer carrying [`MARKER`] where a question's answer goes
/// (a question the survey does not have, so no microdata column shows it).
fn marked() -> Value {
    let mut submission = online();
    submission["answers"]["resp_comment"] = json!(MARKER);
    submission
}

fn id_of(submission: &Value) -> String {
    submission["submission_id"]
        .as_str()
        .expect("an id")
        .to_owned()
}

/// Starts on an empty database, takes the first admin's token from stdout
/// and posts [`GOOD`] valid online answers; returns the token and their ids.
async fn first_start_with_good_answers(
    database: &Database,
    client: &reqwest::Client,
    logs: &Logs,
) -> (String, Vec<String>) {
    let server = start(database, client).await;
    let printed = server.stdout.text();
    let token = printed
        .lines()
        .find_map(|line| line.trim().strip_prefix("token:"))
        .map(|token| token.trim().to_owned())
        .unwrap_or_else(|| panic!("no admin token printed at first start:\n{printed}"));
    let mut good = Vec::new();
    for _ in 0..GOOD {
        let submission = online();
        let response = client
            .post(server.url(&format!("/api/surveys/{SURVEY}/submissions")))
            .json(&submission)
            .send()
            .await
            .expect("submission sent");
        assert_eq!(response.status(), StatusCode::CREATED);
        good.push(id_of(&submission));
    }
    // What a row carrying the marker does through the API: refused, so
    // only a hand-written row can hold one.
    let response = client
        .post(server.url(&format!("/api/surveys/{SURVEY}/submissions")))
        .json(&marked())
        .send()
        .await
        .expect("submission sent");
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    server.stop(logs);
    (token, good)
}

async fn get_json(client: &reqwest::Client, url: String, token: &str) -> Value {
    let response = client
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .expect("request");
    let status = response.status();
    let text = response.text().await.expect("body");
    assert_eq!(status, StatusCode::OK, "{text}");
    serde_json::from_str(&text).expect("JSON")
}

/// How many online answers the aggregate of SDG 16.1.4 counts, read
/// exactly by the admin (an analyst's table withholds counts this small).
async fn counted(server: &Running, client: &reqwest::Client, token: &str) -> u64 {
    let table = get_json(
        client,
        server.url(&format!(
            "/api/surveys/{SURVEY}/aggregates?indicator=sdg_16_1_4&channel=online&exact=true"
        )),
        token,
    )
    .await;
    table["populations"][0]["cells"][0]["n"]
        .as_u64()
        .unwrap_or_else(|| panic!("no count: {table:#}"))
}

/// The respondent microdata: its rows, each as column name → value.
async fn microdata(
    server: &Running,
    client: &reqwest::Client,
    token: &str,
) -> Vec<std::collections::HashMap<String, String>> {
    let response = client
        .get(server.url(&format!("/api/surveys/{SURVEY}/microdata.csv")))
        .bearer_auth(token)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::OK);
    let body = response.bytes().await.expect("the whole download");
    let mut reader = csv::Reader::from_reader(&body[..]);
    let header = reader.headers().expect("a header").clone();
    reader
        .records()
        .map(|record| {
            let record = record.expect("a CSV row");
            header
                .iter()
                .map(str::to_owned)
                .zip(record.iter().map(str::to_owned))
                .collect()
        })
        .collect()
}

async fn doctor(server: &Running, client: &reqwest::Client, token: &str) -> Value {
    get_json(client, server.url("/api/doctor"), token).await
}

/// The submission problems the doctor lists, as (id, reason).
fn problems(checkup: &Value) -> BTreeSet<(String, String)> {
    checkup["submission_problems"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|problem| {
            (
                problem["submission_id"].as_str().expect("id").to_owned(),
                problem["reason"].as_str().expect("reason").to_owned(),
            )
        })
        .collect()
}

fn unreadable_fact_rows(checkup: &Value) -> BTreeSet<String> {
    checkup["unreadable_fact_rows"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|id| id.as_str().expect("id").to_owned())
        .collect()
}

#[track_caller]
fn assert_names_all(text: &str, ids: &BTreeSet<(String, String)>) {
    for (id, _) in ids {
        assert!(text.contains(id.as_str()), "{id} not named in:\n{text}");
    }
}

const INSERT_SUBMISSION: &str = "INSERT INTO submissions \
     (submission_id, survey_id, survey_version, channel, content_sha256, body, received_at) \
     VALUES ($1, $2, $3, 'online', $4, $5, '2026-11-27T06:31:40Z')";
const MARK_BACKFILL: &str = "INSERT INTO pending_maintenance (task) VALUES ('facts_backfill')";

/// Writes a submission row as a script or a broken older server might:
/// filed under the shipped version of the survey (which exists), whatever
/// its body.
async fn write_submission(store: &Store, id: &str, body: &[u8]) {
    on_pool!(store, pool => {
        sqlx::query(INSERT_SUBMISSION)
            .bind(id)
            .bind(SURVEY)
            .bind(i64::from(SHIPPED))
            .bind("0".repeat(64))
            .bind(body)
            .execute(pool)
            .await
            .expect("corrupt row written");
    });
}

/// Submission rows no reader can use, each with the reason the doctor
/// gives, and the facts back-fill set pending so the next start reads them.
async fn write_corrupt_submissions(database: &Database) -> BTreeSet<(String, String)> {
    let store = database.open().await;
    let mut bad = BTreeSet::new();

    // (a) A whole submission, then more after it.
    let trailer = marked();
    let mut body = serde_json::to_vec(&trailer).expect("serialises");
    body.extend_from_slice(br#"{"x":1}"#);
    write_submission(&store, &id_of(&trailer), &body).await;
    bad.insert((id_of(&trailer), "unreadable".to_owned()));

    // (a) Not JSON at all, with the separators the page readers use.
    let not_json = uuid::Uuid::new_v4().to_string();
    let body = format!("resp_comment={MARKER}\u{1e}saf_1=unsafe\u{1f}{{\"x\":1}}");
    write_submission(&store, &not_json, body.as_bytes()).await;
    bad.insert((not_json, "unreadable".to_owned()));

    // (b) JSON but not UTF-8 (both columns hold bytes: BLOB, BYTEA).
    let not_utf8 = marked();
    let text = serde_json::to_string(&not_utf8).expect("serialises");
    let (head, tail) = text.split_once(MARKER).expect("marked");
    let body = [
        head.as_bytes(),
        MARKER.as_bytes(),
        &[0xff, 0xfe],
        tail.as_bytes(),
    ]
    .concat();
    write_submission(&store, &id_of(&not_utf8), &body).await;
    bad.insert((id_of(&not_utf8), "unreadable".to_owned()));

    // (d) A version that was never published (the row says the shipped one, the body 99).
    let mut unknown_version = marked();
    unknown_version["survey_version"] = json!(99);
    write_submission(
        &store,
        &id_of(&unknown_version),
        &serde_json::to_vec(&unknown_version).expect("serialises"),
    )
    .await;
    bad.insert((id_of(&unknown_version), "unknown_version".to_owned()));

    // Reads, but answers a question the survey does not have.
    let breaks_rules = marked();
    write_submission(
        &store,
        &id_of(&breaks_rules),
        &serde_json::to_vec(&breaks_rules).expect("serialises"),
    )
    .await;
    bad.insert((id_of(&breaks_rules), "breaks_rules".to_owned()));

    if let Pool::Sqlite(pool) = store.pool() {
        // SQLite keeps whatever type it is given: a number where the body
        // goes, and text that is not UTF-8.
        let number = uuid::Uuid::new_v4().to_string();
        sqlx::query(INSERT_SUBMISSION)
            .bind(&number)
            .bind(SURVEY)
            .bind(i64::from(SHIPPED))
            .bind("0".repeat(64))
            .bind(42_i64)
            .execute(pool)
            .await
            .expect("corrupt row written");
        bad.insert((number, "unreadable".to_owned()));
        let bad_text = uuid::Uuid::new_v4().to_string();
        sqlx::query(&INSERT_SUBMISSION.replace("$5", "CAST(x'7b22ff22' AS TEXT)"))
            .bind(&bad_text)
            .bind(SURVEY)
            .bind(i64::from(SHIPPED))
            .bind("0".repeat(64))
            .execute(pool)
            .await
            .expect("corrupt row written");
        bad.insert((bad_text, "unreadable".to_owned()));
    }

    on_pool!(&store, pool => {
        sqlx::query(MARK_BACKFILL).execute(pool).await.expect("back-fill pending");
    });
    store.close().await;
    bad
}

#[track_caller]
fn assert_no_answers_in(logs: &Logs) {
    let text = logs.text();
    assert!(
        !text.contains(MARKER),
        "an answer of a corrupt row reached the output:\n{text}"
    );
}

/// Corrupt submission rows: start-up back-fill, aggregates, microdata,
/// `salama doctor`, `GET /api/doctor` and `salama facts rebuild` all go on
/// without them, name them by id and never show their answers.
async fn corrupt_submissions_are_skipped_and_listed_for_admins(database: Database) {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client");
    let logs = Logs::default();
    let (token, good) = first_start_with_good_answers(&database, &client, &logs).await;
    let bad = write_corrupt_submissions(&database).await;

    // The back-fill at start-up reads every row, and the service starts.
    let server = start(&database, &client).await;
    assert_eq!(counted(&server, &client, &token).await, GOOD as u64);
    // Microdata leaves out the rows that do not read; the two that read
    // but name an unknown version or break the rules are exported as stored.
    let rows = microdata(&server, &client, &token).await;
    let mut versions: Vec<&str> = rows
        .iter()
        .map(|row| row["survey_version"].as_str())
        .collect();
    versions.sort_unstable();
    let shipped = SHIPPED.to_string();
    let mut expected = vec![shipped.as_str(); GOOD + 1];
    expected.push("99");
    assert_eq!(versions, expected);
    let checkup = doctor(&server, &client, &token).await;
    assert_eq!(problems(&checkup), bad, "{checkup:#}");
    assert_eq!(
        checkup["submission_problem_count"],
        bad.len(),
        "{checkup:#}"
    );
    assert_eq!(checkup["submissions"], GOOD + bad.len(), "{checkup:#}");
    assert_eq!(checkup["unreadable_fact_rows"], json!([]), "{checkup:#}");
    assert!(
        checkup["skipped_since_start"].as_u64() >= Some(bad.len() as u64),
        "the back-fill and microdata skipped rows: {checkup:#}"
    );
    // Admins only.
    let response = client
        .get(server.url("/api/doctor"))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let (_, stderr) = server.stop(&logs);
    assert_names_all(&stderr, &bad);
    for id in &good {
        assert!(!stderr.contains(id.as_str()), "good {id} logged:\n{stderr}");
    }

    // The command line says the same, and fails so a script notices.
    let (status, stdout, _) = run(&database, &["doctor"], &logs);
    assert_eq!(status.code(), Some(1), "{stdout}");
    assert_names_all(&stdout, &bad);
    assert!(
        stdout.contains(&format!("{} problem(s) found", bad.len())),
        "{stdout}"
    );

    // A rebuild builds the good ones' facts and names the others.
    let (status, _, stderr) = run(&database, &["facts", "rebuild"], &logs);
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("1 survey(s): {GOOD} submission(s)")),
        "{stderr}"
    );
    assert_names_all(&stderr, &bad);

    // And the service still counts them after a restart.
    let server = start(&database, &client).await;
    assert_eq!(counted(&server, &client, &token).await, GOOD as u64);
    let checkup = doctor(&server, &client, &token).await;
    assert_eq!(problems(&checkup), bad, "{checkup:#}");
    server.stop(&logs);

    assert_no_answers_in(&logs);
}

/// Fact rows that do not read: aggregates leave them out and go on,
/// the doctor names their submissions, and `salama facts rebuild` works
/// them out again from the stored submissions.
async fn corrupt_fact_rows_are_left_out_until_a_rebuild(database: Database) {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client");
    let logs = Logs::default();
    let (token, good) = first_start_with_good_answers(&database, &client, &logs).await;

    let store = database.open().await;
    let update = |column: &str, value: &str| {
        format!("UPDATE fact_units SET {column} = {value} WHERE submission_id = $1")
    };
    let mut broken = BTreeSet::new();
    // The page readers' field and row separators inside text columns (the
    // second one with an answer code after it, which must not be taken
    // for an id), and outcomes that do not decode or are cut in two.
    for (submission_id, sql, value) in [
        (&good[0], update("cluster_id", "$2"), "ea-1\u{1f}7"),
        (&good[1], update("area", "$2"), "north\u{1e}1\u{1f}river"),
        (&good[2], update("outcomes", "$2"), "sdg_16_1_4:x:y:z:w"),
        (
            &good[3],
            update("outcomes", "$2"),
            "sdg_16_1_4:0:n\u{1e}sdg_16_1_3a:0:d",
        ),
    ] {
        on_pool!(&store, pool => {
            sqlx::query(&sql).bind(submission_id).bind(value).execute(pool).await.expect("fact row broken");
        });
        broken.insert(submission_id.clone());
    }
    if let Pool::Sqlite(pool) = store.pool() {
        // Text that is not UTF-8.
        sqlx::query(&update("sex", "CAST(x'66ff' AS TEXT)"))
            .bind(&good[4])
            .execute(pool)
            .await
            .expect("fact row broken");
        broken.insert(good[4].clone());
    }
    let readable = GOOD - broken.len();
    store.close().await;

    let server = start(&database, &client).await;
    assert_eq!(counted(&server, &client, &token).await, readable as u64);
    // Microdata reads the submissions, which are intact.
    assert_eq!(microdata(&server, &client, &token).await.len(), GOOD);
    let checkup = doctor(&server, &client, &token).await;
    assert_eq!(unreadable_fact_rows(&checkup), broken, "{checkup:#}");
    assert_eq!(
        checkup["unreadable_fact_row_count"],
        broken.len(),
        "{checkup:#}"
    );
    assert_eq!(checkup["submission_problems"], json!([]), "{checkup:#}");
    let (_, stderr) = server.stop(&logs);
    for id in &broken {
        assert!(stderr.contains(id.as_str()), "{id} not logged:\n{stderr}");
    }

    let (status, stdout, _) = run(&database, &["doctor"], &logs);
    assert_eq!(status.code(), Some(1), "{stdout}");
    for id in &broken {
        assert!(stdout.contains(id.as_str()), "{id} not named:\n{stdout}");
    }

    // Every submission reads, so the rebuild succeeds and repairs them.
    let (status, _, stderr) = run(&database, &["facts", "rebuild"], &logs);
    assert!(status.success(), "{stderr}");
    let server = start(&database, &client).await;
    assert_eq!(counted(&server, &client, &token).await, GOOD as u64);
    let checkup = doctor(&server, &client, &token).await;
    assert_eq!(checkup["unreadable_fact_row_count"], 0, "{checkup:#}");
    server.stop(&logs);
    let (status, stdout, _) = run(&database, &["doctor"], &logs);
    assert!(status.success(), "{stdout}");
    assert!(stdout.contains("no problems found"), "{stdout}");

    assert_no_answers_in(&logs);
}

mod sqlite {
    use super::Database;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn corrupt_submissions_are_skipped_and_listed_for_admins() {
        super::corrupt_submissions_are_skipped_and_listed_for_admins(Database::sqlite()).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn corrupt_fact_rows_are_left_out_until_a_rebuild() {
        super::corrupt_fact_rows_are_left_out_until_a_rebuild(Database::sqlite()).await;
    }
}

mod postgres {
    use super::Database;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn corrupt_submissions_are_skipped_and_listed_for_admins() {
        super::corrupt_submissions_are_skipped_and_listed_for_admins(Database::postgres().await)
            .await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn corrupt_fact_rows_are_left_out_until_a_rebuild() {
        super::corrupt_fact_rows_are_left_out_until_a_rebuild(Database::postgres().await).await;
    }
}
