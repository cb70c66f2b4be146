//! Hostile bodies cost what the limits allow, no more: at the production
//! body limit (1 MiB) a roster far past its `max_rows` or a body full of
//! problems is answered with a short list and the total, and a body over the
//! limit is refused before it is read.

mod common;

use std::num::NonZeroU32;

use common::{Server, assert_error, online};
use reqwest::StatusCode;
use salama_server::Config;
use salama_server::limits::RateLimits;
use serde_json::{Value, json};

const BODY_LIMIT: usize = 1024 * 1024;
const SUBMISSIONS: &str = "/api/surveys/community-safety/submissions";
/// At most this many problems are described (issue 12); the rest are counted.
const LISTED: usize = 100;
/// The default questionnaire's household roster allows this many rows.
const MAX_ROWS: usize = 30;

async fn spawn() -> Server {
    let generous = NonZeroU32::new(1000).expect("not zero");
    common::spawn_configured(Config {
        body_limit: BODY_LIMIT,
        rate_limits: RateLimits {
            logins_per_minute: generous,
            submissions_per_minute: generous,
        },
        ..Config::default()
    })
    .await
}

/// Status, the response's size in bytes, and its JSON.
async fn post(server: &Server, body: Vec<u8>) -> (StatusCode, usize, Value) {
    let response = server
        .client
        .post(server.url(SUBMISSIONS))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("request");
    let status = response.status();
    let bytes = response.bytes().await.expect("response body");
    let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, bytes.len(), json)
}

fn with_household(rows: Vec<Value>) -> Vec<u8> {
    let mut submission = online();
    submission["answers"]["household"] = Value::Array(rows);
    serde_json::to_vec(&submission).expect("serialises")
}

/// The total a 422's message states: "N answer(s) break the survey's rules…".
fn stated_total(body: &Value) -> usize {
    body["error"]["message"]
        .as_str()
        .and_then(|message| message.split_whitespace().next())
        .and_then(|count| count.parse().ok())
        .unwrap_or_else(|| panic!("no total in {body:#}"))
}

#[tokio::test]
async fn a_roster_of_100000_empty_rows_gets_a_short_answer() {
    let server = spawn().await;
    let body = with_household(vec![json!({}); 100_000]);
    assert!(body.len() < BODY_LIMIT);
    let (status, size, body) = post(&server, body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body:#}");
    assert_error(&body, "invalid");
    let fields = body["error"]["fields"].as_array().expect("fields");
    assert!(!fields.is_empty() && fields.len() <= LISTED);
    assert!(
        fields
            .iter()
            .any(|field| field["path"] == "household" && field["code"] == "too_many_rows"),
        "{body:#}"
    );
    // Only the rows up to the limit are read: no path names a later row.
    assert!(
        fields.iter().all(|field| {
            let path = field["path"].as_str().unwrap_or_default();
            path.strip_prefix("household[")
                .and_then(|rest| rest.split(']').next())
                .and_then(|row| row.parse::<usize>().ok())
                .is_none_or(|row| row < MAX_ROWS)
        }),
        "{body:#}"
    );
    let total = stated_total(&body);
    assert!(total >= fields.len(), "{body:#}");
    assert!(size < 64 * 1024, "a {size}-byte answer to a hostile roster");
}

#[tokio::test]
async fn a_body_full_of_problems_lists_100_and_states_the_total() {
    let server = spawn().await;
    let mut submission = online();
    let answers = submission["answers"].as_object_mut().expect("answers");
    for n in 0..20_000 {
        answers.insert(format!("q{n:05}"), json!(n));
    }
    let body = serde_json::to_vec(&submission).expect("serialises");
    assert!(body.len() < BODY_LIMIT);
    let (status, size, body) = post(&server, body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body:#}");
    assert_error(&body, "invalid");
    let fields = body["error"]["fields"].as_array().expect("fields");
    assert_eq!(fields.len(), LISTED);
    assert!(
        fields
            .iter()
            .all(|field| field["code"] == "unknown_question")
    );
    assert_eq!(stated_total(&body), 20_000, "{body:#}");
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains(&format!("the first {LISTED} are listed")),
        "{message}"
    );
    assert!(size < 64 * 1024, "a {size}-byte answer to 20,000 problems");
}

#[tokio::test]
async fn a_body_over_the_limit_is_413_in_the_api_error_shape() {
    let server = spawn().await;
    // Well-formed JSON a byte past the limit, and plain padding.
    let mut roster = with_household(Vec::new());
    let padding = BODY_LIMIT + 1 - roster.len();
    let at = roster.len() - 1;
    roster.splice(at..at, std::iter::repeat_n(b' ', padding));
    assert_eq!(roster.len(), BODY_LIMIT + 1);
    for body in [roster, vec![b' '; BODY_LIMIT + 1]] {
        let (status, size, body) = post(&server, body).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body:#}");
        assert_error(&body, "too_large");
        assert_eq!(body["error"]["fields"], json!([]));
        assert!(size < 1024);
    }
}

#[tokio::test]
async fn one_row_past_max_rows_is_too_many_rows_on_the_roster() {
    let server = spawn().await;
    let adult = json!({"mem_relationship": "other_relative", "mem_sex": "female", "mem_age": 30});
    let mut rows = online()["answers"]["household"]
        .as_array()
        .expect("the sample's household")
        .clone();
    rows.resize(MAX_ROWS, adult);
    // Exactly max_rows is accepted.
    let (status, _, body) = post(&server, with_household(rows.clone())).await;
    assert_eq!(status, StatusCode::CREATED, "{body:#}");
    // One more is the roster's error, and the only one.
    rows.push(rows[MAX_ROWS - 1].clone());
    let (status, _, body) = post(&server, with_household(rows)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body:#}");
    assert_error(&body, "invalid");
    assert_eq!(
        body["error"]["fields"]
            .as_array()
            .expect("fields")
            .iter()
            .map(|field| (&field["path"], &field["code"]))
            .collect::<Vec<_>>(),
        vec![(&json!("household"), &json!("too_many_rows"))],
        "{body:#}"
    );
}
