//! The hostile-input suite: what an attacker on the open internet tried
//! against a fresh server (issue 12), case by case, and what Salama answers
//! now. Cases that touch storage run on SQLite and on PostgreSQL.

mod common;

use std::net::IpAddr;
use std::num::NonZeroU32;

use common::{Server, assert_error, interview, online, send, spawn, spawn_configured};
use reqwest::StatusCode;
use salama_server::auth::Role;
use salama_server::limits::RateLimits;
use salama_server::store::{Store, UnitLevel};
use salama_server::{Config, doctor, facts};
use salama_shared::Submission;
use serde_json::{Value, json};

const SUBMISSIONS: &str = "/api/surveys/community-safety/submissions";

fn body(value: &Value) -> Vec<u8> {
    serde_json::to_vec(value).expect("serialises")
}

/// Respondent units whose facts are stored, as aggregates will read them.
async fn respondent_facts(store: &Store) -> usize {
    store
        .load_facts("community-safety", UnitLevel::Respondents, 0)
        .await
        .expect("facts load")
        .1
        .len()
}

/// Stored bodies as every later reader sees them.
async fn stored_bodies(store: &Store) -> Vec<(String, Vec<u8>)> {
    store
        .submission_bodies("community-safety", "", 10_000)
        .await
        .expect("bodies")
}

async fn analyst(server: &Server) -> String {
    server.user("analyst-1", Role::Analyst).await.1
}

async fn get_as(server: &Server, token: &str, path: &str) -> (StatusCode, Value) {
    send(server.client.get(server.url(path)).bearer_auth(token)).await
}

// 1. Bytes after the document, keys named twice.

#[tokio::test]
async fn nothing_may_follow_the_document_and_no_key_is_named_twice() {
    let server = spawn().await;
    let valid = body(&online());
    let mut bodies: Vec<Vec<u8>> = Vec::new();
    for trailer in [&b"{\"x\":1}"[..], b"xyz", b" 1", b"]"] {
        let mut with_trailer = valid.clone();
        with_trailer.extend_from_slice(trailer);
        bodies.push(with_trailer);
    }
    let text = String::from_utf8(valid.clone()).expect("utf-8");
    bodies.push(text.replacen("{", "{\"language\":\"en\",", 1).into_bytes());
    bodies.push(
        text.replacen("\"answers\":{", "\"answers\":{\"resp_sex\":\"male\",", 1)
            .into_bytes(),
    );
    for refused in bodies {
        let (status, answer) = server
            .post_raw(SUBMISSIONS, "application/json", refused.clone())
            .await;
        assert_eq!(
            status,
            StatusCode::BAD_REQUEST,
            "{}",
            String::from_utf8_lossy(&refused)
        );
        assert_error(&answer, "bad_request");
    }
    assert!(stored_bodies(&server.store).await.is_empty());
    // The same rule on every JSON route, role or not.
    let admin = server.user("admin-1", Role::Admin).await.1;
    for (path, method) in [
        ("/api/login", reqwest::Method::POST),
        ("/api/devices", reqwest::Method::POST),
        ("/api/surveys", reqwest::Method::POST),
        (
            "/api/surveys/community-safety/assignments",
            reqwest::Method::PUT,
        ),
    ] {
        let (status, answer) = send(
            server
                .client
                .request(method, server.url(path))
                .bearer_auth(&admin)
                .header("content-type", "application/json")
                .body("{\"name\":\"a\"}{"),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}");
        assert_error(&answer, "bad_request");
    }
}

/// serde fills a struct from an array of its fields in order; no route
/// takes that, whatever the role.
#[tokio::test]
async fn bodies_are_objects_not_arrays_of_fields() {
    let server = spawn().await;
    let admin = server.user("admin-1", Role::Admin).await.1;
    for (path, method, fields) in [
        (
            "/api/login",
            reqwest::Method::POST,
            r#"["admin-1", "a password"]"#,
        ),
        (
            "/api/devices",
            reqwest::Method::POST,
            r#"["admin-1", "a password"]"#,
        ),
        (
            "/api/me/password",
            reqwest::Method::POST,
            r#"["old", "new password!"]"#,
        ),
        (
            "/api/users",
            reqwest::Method::POST,
            r#"["someone", "analyst"]"#,
        ),
        (
            "/api/surveys/community-safety",
            reqwest::Method::PATCH,
            "[true]",
        ),
        (
            "/api/surveys/community-safety/retention",
            reqwest::Method::PUT,
            r#"["2099-01-01"]"#,
        ),
        (
            "/api/surveys/community-safety/disclosure",
            reqwest::Method::PUT,
            r#"[25, 50, 5, ["dhs_mics"], "month", 1, "un_adult", "sadd", 100.0]"#,
        ),
        (SUBMISSIONS, reqwest::Method::POST, "[]"),
    ] {
        let (status, answer) = send(
            server
                .client
                .request(method, server.url(path))
                .bearer_auth(&admin)
                .header("content-type", "application/json")
                .body(fields),
        )
        .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path}: {answer:#}"
        );
        assert_error(&answer, "invalid");
        assert_eq!(answer["error"]["fields"][0]["code"], "wrong_type", "{path}");
    }
    assert_eq!(
        server
            .store
            .retention("community-safety")
            .await
            .expect("read"),
        None
    );
    assert_eq!(
        server
            .store
            .current_disclosure_policy("community-safety")
            .await
            .expect("read")
            .version,
        0
    );
}

/// A key spelled with an escape is the same key: stored as the plain
/// spelling, so facts and microdata read the same answer.
#[tokio::test]
async fn escaped_keys_are_stored_as_every_reader_reads_them() {
    let server = spawn().await;
    let submission = online();
    let text = String::from_utf8(body(&submission)).expect("utf-8");
    let escaped = text.replacen("\"resp_sex\"", "\"resp\\u005fsex\"", 1);
    assert_ne!(escaped, text);
    let (status, answer) = server
        .post_raw(SUBMISSIONS, "application/json", escaped.into_bytes())
        .await;
    assert_eq!(status, StatusCode::CREATED, "{answer:#}");
    let stored = stored_bodies(&server.store).await;
    let stored_text = String::from_utf8(stored[0].1.clone()).expect("utf-8");
    // Four more alike, so the file has k rows to show.
    for _ in 0..4 {
        let mut alike = submission.clone();
        alike["submission_id"] = json!(uuid::Uuid::new_v4().to_string());
        let (status, answer) = server
            .post_raw(SUBMISSIONS, "application/json", body(&alike))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{answer:#}");
    }
    assert!(stored_text.contains("\"resp_sex\""), "{stored_text}");
    assert!(!stored_text.contains("\\u005f"), "{stored_text}");
    let analyst = analyst(&server).await;
    let response = server
        .client
        .get(server.url("/api/surveys/community-safety/microdata.csv?level=respondent"))
        .bearer_auth(&analyst)
        .send()
        .await
        .expect("microdata");
    assert_eq!(response.status(), StatusCode::OK);
    let csv = response.text().await.expect("text");
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let headers = reader.headers().expect("header").clone();
    let sex = headers
        .iter()
        .position(|h| h == "resp_sex")
        .expect("resp_sex column");
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    assert_eq!(rows.len(), 5);
    assert!(
        rows.iter()
            .all(|row| row[sex] == *submission["answers"]["resp_sex"].as_str().expect("sex")),
        "{rows:?}"
    );
    assert_eq!(respondent_facts(&server.store).await, 5);
}

mod reparse {
    //! Any body the API acknowledges is stored so that it re-reads, strictly,
    //! as the very submission that was validated.

    use super::*;
    use proptest::prelude::*;

    /// A valid submission sent with random spacing, key spellings and order.
    fn spelled(seed: (u64, bool, bool, bool)) -> (Value, Vec<u8>) {
        let (salt, pretty, escape, reorder) = seed;
        let mut submission = online();
        submission["answers"]["resp_age"] = json!(18 + (salt % 60));
        let mut text = if pretty {
            serde_json::to_string_pretty(&submission).expect("json")
        } else {
            serde_json::to_string(&submission).expect("json")
        };
        if escape {
            text = text.replacen("\"saf_1\"", "\"saf\\u005f1\"", 1);
            text = text.replacen("\"language\"", "\"lang\\u0075age\"", 1);
        }
        if reorder && let Value::Object(map) = &submission {
            let mut entries: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{}:{}", json!(k), v))
                .collect();
            entries.reverse();
            text = format!("{{ {} }}", entries.join(" ,\n "));
        }
        (submission, text.into_bytes())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]
        #[test]
        fn acknowledged_bodies_reparse_to_what_was_validated(
            seeds in proptest::collection::vec((any::<u64>(), any::<bool>(), any::<bool>(), any::<bool>()), 1..4)
        ) {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async {
                let server = spawn().await;
                let mut sent = Vec::new();
                for seed in seeds {
                    let (submission, bytes) = spelled(seed);
                    let (status, answer) = server.post_raw(SUBMISSIONS, "application/json", bytes).await;
                    assert_eq!(status, StatusCode::CREATED, "{answer:#}");
                    sent.push(serde_json::from_value::<Submission>(submission).expect("submission"));
                }
                let stored = stored_bodies(&server.store).await;
                assert_eq!(stored.len(), sent.len());
                for (id, bytes) in stored {
                    salama_server::json::well_formed(&bytes).expect("stored body is strict JSON");
                    let read: Submission = serde_json::from_slice(&bytes).expect("stored body reads");
                    let original = sent.iter().find(|s| s.submission_id.to_string() == id).expect("sent");
                    assert_eq!(&read, original);
                }
                assert_eq!(respondent_facts(&server.store).await, sent.len());
                let checkup = doctor::examine(&server.store).await.expect("checkup");
                assert!(checkup.is_healthy(), "{checkup:?}");
            });
        }
    }
}

// 2 and 3. Envelope texts: a syntax, a length, no control characters; an
// interview is the work of whoever sends it.

async fn envelope_texts_are_codes(server: Server) {
    let (_, enumerator) = server.user("enum-017", Role::Enumerator).await;
    let analyst = analyst(&server).await;
    let long = "c".repeat(40_000);
    for (field, value) in [
        ("cluster_id", "ea\u{1f}1"),
        ("cluster_id", "ea\u{1e}"),
        ("cluster_id", "ea\u{0}1"),
        ("cluster_id", "=HYPERLINK(1)"),
        ("cluster_id", long.as_str()),
        ("enumerator_id", "enum-017\u{0}"),
    ] {
        let mut hostile = interview();
        hostile[field] = json!(value);
        let (status, answer) = server.post_as(&enumerator, SUBMISSIONS, &hostile).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}={value:?}"
        );
        assert!(
            answer["error"]["fields"]
                .as_array()
                .expect("fields")
                .iter()
                .any(|f| f["path"] == field),
            "{answer:#}"
        );
        let echoed = answer.to_string();
        assert!(echoed.len() < 4_000, "the answer echoes the input back");
    }
    assert!(stored_bodies(&server.store).await.is_empty());
    // A normal interview still goes in, and every reader keeps working.
    let (status, _) = server.post_as(&enumerator, SUBMISSIONS, &interview()).await;
    assert_eq!(status, StatusCode::CREATED);
    for path in [
        "/api/surveys/community-safety/aggregates?indicator=sdg_16_1_4",
        "/api/surveys/community-safety/fieldwork",
    ] {
        assert_eq!(
            get_as(&server, &analyst, path).await.0,
            StatusCode::OK,
            "{path}"
        );
    }
}

async fn interviews_are_credited_to_their_sender(server: Server) {
    let (_, amina) = server.user("amina", Role::Enumerator).await;
    server.user("enum-017", Role::Enumerator).await;
    let analyst = analyst(&server).await;
    // Naming another enumerator is refused.
    let mut named = interview();
    named["enumerator_id"] = json!("enum-017");
    let (status, answer) = server.post_as(&amina, SUBMISSIONS, &named).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(answer["error"]["fields"][0]["path"], "enumerator_id");
    assert_eq!(answer["error"]["fields"][0]["code"], "not_the_sender");
    // Naming nobody credits the sender.
    let mut unnamed = interview();
    unnamed
        .as_object_mut()
        .expect("object")
        .remove("enumerator_id");
    let (status, answer) = server.post_as(&amina, SUBMISSIONS, &unnamed).await;
    assert_eq!(status, StatusCode::CREATED, "{answer:#}");
    let stored = stored_bodies(&server.store).await;
    let read: Submission = serde_json::from_slice(&stored[0].1).expect("reads");
    assert_eq!(read.enumerator_id.as_deref(), Some("amina"));
    let (_, fieldwork) = get_as(&server, &analyst, "/api/surveys/community-safety/fieldwork").await;
    assert!(fieldwork.to_string().contains("amina"), "{fieldwork:#}");
    assert!(!fieldwork.to_string().contains("enum-017"), "{fieldwork:#}");
    // An online answer is nobody's interview.
    let mut online_named = online();
    online_named["enumerator_id"] = json!("amina");
    let (status, answer) = server.submit(&online_named).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(answer["error"]["fields"][0]["path"], "enumerator_id");
}

// 9. Design uploads say what they change and refuse what matches nothing.

async fn design_uploads_keep_what_they_do_not_give(server: Server) {
    let (_, enumerator) = server.user("enum-017", Role::Enumerator).await;
    let analyst = analyst(&server).await;
    let mut first = interview();
    first["cluster_id"] = json!("ea-1");
    let (status, _) = server.post_as(&enumerator, SUBMISSIONS, &first).await;
    assert_eq!(status, StatusCode::CREATED);
    let upload = |csv: &'static str, content_type: &'static str| {
        send(
            server
                .client
                .post(server.url("/api/surveys/community-safety/weights"))
                .bearer_auth(&analyst)
                .header("content-type", content_type)
                .body(csv),
        )
    };
    let (status, stored) = upload("cluster_id,stratum,weight\nea-1,north,2.5\n", "text/csv").await;
    assert_eq!(status, StatusCode::OK, "{stored:#}");
    assert_eq!(
        (
            &stored["clusters"],
            &stored["clusters_with_interviews"],
            &stored["submissions"]
        ),
        (&json!(1), &json!(1), &json!(0))
    );
    // A later file of weights only keeps the stratum.
    let (status, _) = upload("cluster_id,weight\nea-1,3\n", "text/csv; charset=utf-8").await;
    assert_eq!(status, StatusCode::OK);
    let design = server
        .store
        .design_clusters("community-safety")
        .await
        .expect("design");
    assert_eq!(
        design,
        vec![("ea-1".to_owned(), Some("north".to_owned()), Some(3.0))]
    );
    // Unknown clusters and submissions are refused, by row; nothing is stored.
    let (status, answer) = upload("cluster_id,weight\nea-1,4\nea-404,1\n", "text/csv").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(answer["error"]["fields"][0]["path"], "rows[1].cluster_id");
    assert_eq!(answer["error"]["fields"][0]["code"], "unknown");
    let (status, answer) = upload(
        "submission_id,weight\n00000000-0000-4000-8000-000000000000,2\n",
        "text/csv",
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        answer["error"]["fields"][0]["path"],
        "rows[0].submission_id"
    );
    let weight = server
        .store
        .design_clusters("community-safety")
        .await
        .expect("design")[0]
        .2;
    assert_eq!(weight, Some(3.0));
    // Strata are codes too; and the body must say it is CSV.
    let (status, answer) = upload("cluster_id,stratum\nea-1,\"a\u{1f}b\"\n", "text/csv").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(answer["error"]["fields"][0]["path"], "rows[0].stratum");
    let (status, answer) = upload("cluster_id,weight\nea-1,5\n", "text/plain").await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_error(&answer, "unsupported_media_type");
}

// 10. Rebuilds while submissions arrive, and a second instance starting mid-way.

async fn rebuilds_are_safe_while_submissions_arrive(server: Server) {
    for _ in 0..30 {
        assert_eq!(server.submit(&online()).await.0, StatusCode::CREATED);
    }
    let store = server.store.clone();
    let rebuilding = tokio::spawn(async move { facts::rebuild(&store, None).await });
    let mut arriving = Vec::new();
    for _ in 0..30 {
        let submission = online();
        arriving.push(submission.clone());
        assert_eq!(server.submit(&submission).await.0, StatusCode::CREATED);
    }
    let rebuilt = rebuilding
        .await
        .expect("task")
        .expect("the rebuild completes");
    assert!(rebuilt.skipped.is_empty(), "{:?}", rebuilt.skipped);
    assert_eq!(respondent_facts(&server.store).await, 60);
    // The same, in the order that broke it: submissions get their facts
    // from their own transaction after the rebuild began and before it
    // reaches them.
    let store = &server.store;
    store
        .begin_facts_rebuild("community-safety")
        .await
        .expect("begin");
    for _ in 0..10 {
        assert_eq!(server.submit(&online()).await.0, StatusCode::CREATED);
    }
    let mut reader = facts::StoredReader::new(store, "community-safety");
    let (readable, unreadable) = facts::read_page(&mut reader, stored_bodies(store).await)
        .await
        .expect("read");
    assert!(unreadable.is_empty());
    let batch: Vec<_> = facts::check_page(readable)
        .await
        .expect("checked")
        .into_iter()
        .map(|(id, checked)| {
            let (version, channel, facts) = checked.expect("valid");
            (id, version, channel.as_str().to_owned(), facts)
        })
        .collect();
    assert_eq!(batch.len(), 70);
    store
        .append_facts("community-safety", &batch)
        .await
        .expect("facts of submissions that have them are left as they are");
    assert_eq!(respondent_facts(store).await, 70);
    // Two instances rebuilding at once (one restarting while the other runs)
    // write each submission's facts once.
    server
        .store
        .begin_facts_rebuild("community-safety")
        .await
        .expect("begin");
    let (first, second) = tokio::join!(
        facts::backfill_if_pending(&server.store),
        facts::rebuild(&server.store, None)
    );
    first.expect("back-fill completes");
    second.expect("rebuild completes");
    assert_eq!(respondent_facts(&server.store).await, 70);
    assert!(
        !server
            .store
            .maintenance_pending(salama_server::store::FACTS_BACKFILL)
            .await
            .expect("state")
    );
    let checkup = doctor::examine(&server.store).await.expect("checkup");
    assert!(checkup.is_healthy(), "{checkup:?}");
}

macro_rules! on_both_databases {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    super::$case(super::spawn().await).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let store = super::common::postgres_store().await;
                    let folder = tempfile::tempdir().expect("folder");
                    let config = salama_server::Config {
                        rate_limits: super::generous(),
                        body_limit: super::common::BODY_LIMIT,
                        ..salama_server::Config::default()
                    };
                    super::$case(super::common::spawn_on(store, config, folder).await).await;
                }
            )*
        }
    };
}

fn generous() -> RateLimits {
    RateLimits {
        logins_per_minute: NonZeroU32::new(1000).expect("not zero"),
        submissions_per_minute: NonZeroU32::new(1000).expect("not zero"),
    }
}

on_both_databases!(
    envelope_texts_are_codes,
    interviews_are_credited_to_their_sender,
    design_uploads_keep_what_they_do_not_give,
    rebuilds_are_safe_while_submissions_arrive,
);

// 6. Requests forged by another site.

/// A signed-in user who has chosen their own password (a one-time one
/// opens nothing but choosing it).
async fn session_cookie(server: &Server, name: &str, role: Role) -> String {
    server.user(name, role).await;
    let password = format!("{name}'s own password");
    let hash = salama_server::auth::hash_password(password.clone())
        .await
        .expect("hashed");
    server
        .store
        .change_password(name, &hash, "")
        .await
        .expect("password set");
    server.session(name, &password).await.1
}

#[tokio::test]
async fn a_session_cookie_does_not_carry_requests_from_other_sites() {
    let server = spawn().await;
    let cookie = session_cookie(&server, "root", Role::Admin).await;
    server.user("enum-1", Role::Enumerator).await;
    let assignment = json!([{"enumerator": "enum-1", "cluster_id": "ea-1"}]);
    let put = |headers: &[(&'static str, &str)]| {
        let mut request = server
            .client
            .put(server.url("/api/surveys/community-safety/assignments"))
            .header("cookie", &cookie)
            .json(&assignment);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        send(request)
    };
    for forged in [
        vec![("origin", "http://evil.example")],
        vec![("origin", "null")],
        vec![("sec-fetch-site", "cross-site")],
        vec![
            ("sec-fetch-site", "same-site"),
            ("origin", "http://sub.127.0.0.1"),
        ],
        vec![],
    ] {
        let (status, answer) = put(&forged).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{forged:?}");
        assert_error(&answer, "cross_site");
    }
    assert!(
        server
            .store
            .assignments_for("community-safety")
            .await
            .expect("assignments")
            .is_empty()
    );
    let (status, _) = put(&[("sec-fetch-site", "same-origin")]).await;
    assert_eq!(status, StatusCode::OK);
    let own = server.base.clone();
    let (status, _) = put(&[("origin", own.as_str())]).await;
    assert_eq!(status, StatusCode::OK);
    // Withdrawing and uploading weights are refused the same way.
    let (status, _) = send(
        server
            .client
            .delete(server.url("/api/surveys/community-safety/assignments/enum-1/ea-1"))
            .header("cookie", &cookie)
            .header("origin", "http://evil.example"),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = send(
        server
            .client
            .post(server.url("/api/surveys/community-safety/weights"))
            .header("cookie", &cookie)
            .header("content-type", "text/plain")
            .header("origin", "http://evil.example")
            .body("cluster_id,weight\nea-1,1\n"),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // From our own page, a text/plain body is still not a design file.
    let (status, _) = send(
        server
            .client
            .post(server.url("/api/surveys/community-safety/weights"))
            .header("cookie", &cookie)
            .header("content-type", "text/plain")
            .header("sec-fetch-site", "same-origin")
            .body("cluster_id,weight\nea-1,1\n"),
    )
    .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    // Bearer tokens are never sent by a browser on its own: unaffected.
    let admin = server.user("script", Role::Admin).await.1;
    let (status, _) = send(
        server
            .client
            .put(server.url("/api/surveys/community-safety/assignments"))
            .bearer_auth(&admin)
            .header("origin", "http://evil.example")
            .json(&assignment),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    // Reading is not changing: a GET with the cookie needs no origin.
    let (status, _) = send(
        server
            .client
            .get(server.url("/api/me"))
            .header("cookie", &cookie),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn request_ids_from_outside_are_kept_only_when_plain() {
    let server = spawn().await;
    let id_of = |sent: &'static str| {
        let request = server.client.get(server.url("/healthz"));
        async move {
            let response = request
                .header("x-request-id", sent)
                .send()
                .await
                .expect("get");
            response.headers()["x-request-id"]
                .to_str()
                .expect("ascii")
                .to_owned()
        }
    };
    assert_eq!(id_of("proxy-7f3a.1").await, "proxy-7f3a.1");
    let long: &'static str = Box::leak("a".repeat(65).into_boxed_str());
    for forged in ["id\tlevel=ERROR", "a b", "=cmd", long] {
        let given = id_of(forged).await;
        assert_ne!(given, forged);
        assert!(uuid::Uuid::parse_str(&given).is_ok(), "{given}");
    }
}

#[tokio::test]
async fn hsts_is_sent_only_behind_https() {
    let plain = spawn().await;
    let response = plain
        .client
        .get(plain.url("/healthz"))
        .send()
        .await
        .expect("get");
    assert!(
        response
            .headers()
            .get("strict-transport-security")
            .is_none()
    );
    let secure = spawn_configured(Config {
        secure_cookies: true,
        ..Config::default()
    })
    .await;
    let response = secure
        .client
        .get(secure.url("/healthz"))
        .send()
        .await
        .expect("get");
    assert_eq!(
        response.headers()["strict-transport-security"],
        "max-age=31536000"
    );
}

// 7. Behind a reverse proxy.

/// A reverse proxy for one request per connection, as nginx is configured
/// with `proxy_add_x_forwarded_for`: it appends the address it was reached
/// from to `X-Forwarded-For` and forwards from 127.0.0.1.
async fn start_proxy(upstream: String) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("free port");
    let address = listener.local_addr().expect("bound");
    tokio::spawn(async move {
        loop {
            let Ok((mut client, peer)) = listener.accept().await else {
                return;
            };
            let upstream = upstream.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    if client.read(&mut byte).await.unwrap_or(0) == 0 {
                        return;
                    }
                    head.push(byte[0]);
                }
                let head = String::from_utf8_lossy(&head).into_owned();
                let mut lines: Vec<String> =
                    head.trim_end().split("\r\n").map(str::to_owned).collect();
                let client_ip = peer.ip().to_string();
                match lines
                    .iter_mut()
                    .find(|line| line.to_ascii_lowercase().starts_with("x-forwarded-for:"))
                {
                    Some(line) => line.push_str(&format!(", {client_ip}")),
                    None => lines.push(format!("X-Forwarded-For: {client_ip}")),
                }
                lines.retain(|line| !line.to_ascii_lowercase().starts_with("connection:"));
                lines.push("Connection: close".into());
                let mut server = tokio::net::TcpStream::connect(&upstream)
                    .await
                    .expect("upstream");
                let forwarded = format!("{}\r\n\r\n", lines.join("\r\n"));
                server
                    .write_all(forwarded.as_bytes())
                    .await
                    .expect("forward");
                let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
            });
        }
    });
    format!("http://{address}")
}

/// A client whose connections leave from `address` (any of 127.0.0.0/8).
fn client_from(address: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(address.parse::<IpAddr>().expect("address"))
        .pool_max_idle_per_host(0)
        .build()
        .expect("client")
}

async fn wrong_login(client: &reqwest::Client, base: &str, forged: Option<&str>) -> StatusCode {
    let mut request = client
        .post(format!("{base}/api/login"))
        .json(&json!({"name": "nobody", "password": "wrong"}));
    if let Some(forged) = forged {
        request = request.header("x-forwarded-for", forged);
    }
    request.send().await.expect("login").status()
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_client_has_its_own_budget() {
    let limits = RateLimits {
        logins_per_minute: NonZeroU32::new(2).expect("not zero"),
        submissions_per_minute: NonZeroU32::new(1000).expect("not zero"),
    };
    let server = spawn_configured(Config {
        rate_limits: limits,
        trusted_proxies: vec!["127.0.0.1/32".parse().expect("network")],
        ..Config::default()
    })
    .await;
    let proxy = start_proxy(server.base.trim_start_matches("http://").to_owned()).await;
    let (first, second) = (client_from("127.0.0.2"), client_from("127.0.0.3"));
    assert_eq!(
        wrong_login(&first, &proxy, None).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        wrong_login(&first, &proxy, None).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        wrong_login(&first, &proxy, None).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // Forging an address does not buy a new budget: the proxy appends the
    // real one, and that is the one believed.
    assert_eq!(
        wrong_login(&first, &proxy, Some("10.9.9.9")).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // Another client behind the same proxy is not locked out.
    assert_eq!(
        wrong_login(&second, &proxy, None).await,
        StatusCode::UNAUTHORIZED
    );
    // The audit log names the client, not the proxy.
    let audit = server.store.recent_audit(50).await.expect("audit");
    let failed: Vec<&str> = audit
        .iter()
        .filter(|entry| entry.action == "login_failed")
        .map(|entry| entry.detail.as_str())
        .collect();
    assert!(failed.contains(&"127.0.0.2"), "{failed:?}");
    assert!(failed.contains(&"127.0.0.3"), "{failed:?}");
    assert!(!failed.contains(&"127.0.0.1"), "{failed:?}");
}

#[tokio::test]
async fn without_trusted_proxies_forwarding_headers_are_ignored() {
    let limits = RateLimits {
        logins_per_minute: NonZeroU32::new(2).expect("not zero"),
        submissions_per_minute: NonZeroU32::new(1000).expect("not zero"),
    };
    let server = common::spawn_with(limits).await;
    let client = reqwest::Client::new();
    for (forged, expected) in [
        ("10.0.0.1", StatusCode::UNAUTHORIZED),
        ("10.0.0.2", StatusCode::UNAUTHORIZED),
        ("10.0.0.3", StatusCode::TOO_MANY_REQUESTS),
    ] {
        assert_eq!(
            wrong_login(&client, &server.base, Some(forged)).await,
            expected
        );
    }
}

// 8. The smaller holes.

#[tokio::test]
async fn user_names_are_codes_and_logins_are_bounded() {
    let server = common::spawn_configured(Config {
        rate_limits: generous(),
        body_limit: 1024 * 1024,
        ..Config::default()
    })
    .await;
    for bad in ["Amina K", "amina\u{0}", "=cmd", ""] {
        let refused =
            salama_server::auth::create_user(&server.store, bad, Role::Enumerator, "test").await;
        assert!(refused.is_err(), "{bad:?}");
    }
    assert!(
        server
            .store
            .user("Amina K")
            .await
            .expect("lookup")
            .is_none()
    );
    // Oversized names and passwords are refused without a lookup or a hash,
    // and the audit log keeps a short printable trace.
    for (name, password) in [
        ("x".repeat(200_000), "p".to_owned()),
        ("amina".to_owned(), "p".repeat(200_000)),
    ] {
        let (status, answer) = send(
            server
                .client
                .post(server.url("/api/login"))
                .json(&json!({"name": name, "password": password})),
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_error(&answer, "unauthorized");
    }
    let (status, _) = send(
        server
            .client
            .post(server.url("/api/login"))
            .json(&json!({"name": "bad\u{1b}[31mname", "password": "x"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let audit = server.store.recent_audit(10).await.expect("audit");
    assert!(
        audit
            .iter()
            .all(|entry| entry.actor.len() <= 64 && !entry.actor.chars().any(char::is_control))
    );
}

#[tokio::test]
async fn implausible_times_are_refused() {
    let server = spawn().await;
    for (field, time) in [
        ("started_at", "0000-01-01T00:00:00Z"),
        ("started_at", "1970-01-01T00:00:00Z"),
        ("completed_at", "9999-12-31T23:59:59Z"),
        ("completed_at", "2026-11-27T09:31:60Z"),
    ] {
        let mut hostile = online();
        hostile[field] = json!(time);
        let (status, answer) = server.submit(&hostile).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{field}={time}");
        assert!(answer.to_string().contains(field), "{answer:#}");
    }
    let mut hostile = online();
    hostile["completed_at"] = json!(format!("2026-11-27T09:31:40.{}Z", "1".repeat(50_000)));
    let (status, _) = server.submit(&hostile).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(stored_bodies(&server.store).await.is_empty());
}

#[tokio::test]
async fn publishing_checks_the_role_first_and_is_idempotent() {
    // Room for the default questionnaire (75 KB).
    let server = spawn_configured(Config {
        rate_limits: generous(),
        ..Config::default()
    })
    .await;
    let analyst = analyst(&server).await;
    let admin = server.user("root", Role::Admin).await.1;
    let publish = |token: &str, body: Vec<u8>| {
        send(
            server
                .client
                .post(server.url("/api/surveys"))
                .bearer_auth(token)
                .header("content-type", "application/json")
                .body(body),
        )
    };
    // The role first: an analyst learns nothing from how the body reads.
    let (status, _) = publish(&analyst, b"not json at all".to_vec()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // The shipped file, byte for byte, is the version already published.
    let shipped = salama_shared::default_survey::COMMUNITY_SAFETY_JSON;
    let (status, answer) = publish(&admin, shipped.as_bytes().to_vec()).await;
    assert_eq!(status, StatusCode::OK, "{answer:#}");
    // Versions stay below the type's last value, so a later one is possible.
    let mut last: Value = serde_json::from_str(shipped).expect("json");
    last["version"] = json!(u32::MAX);
    let (status, answer) = publish(&admin, body(&last)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer:#}");
    // Another definition under a published version is still a conflict.
    let mut changed: Value = serde_json::from_str(shipped).expect("json");
    changed["title"]["en"] = json!("Another title");
    let (status, _) = publish(&admin, body(&changed)).await;
    assert_eq!(status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn every_failure_class_has_one_status_and_shape() {
    let server = spawn().await;
    let analyst = analyst(&server).await;
    // Too large: JSON error on the JSON and the CSV routes alike.
    let (status, answer) = send(
        server
            .client
            .post(server.url("/api/surveys/community-safety/weights"))
            .bearer_auth(&analyst)
            .header("content-type", "text/csv")
            .body(vec![b'a'; common::BODY_LIMIT + 1]),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_error(&answer, "too_large");
    // Not declared as what the route reads: 415.
    let (status, answer) = server
        .post_raw(SUBMISSIONS, "text/plain", body(&online()))
        .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_error(&answer, "unsupported_media_type");
}

#[tokio::test]
async fn precompressed_files_vary_by_accepted_encoding() {
    let folder = tempfile::tempdir().expect("folder");
    std::fs::create_dir_all(folder.path().join("assets")).expect("assets");
    std::fs::write(folder.path().join("assets/app-1.js"), "let a = 1;").expect("js");
    std::fs::write(folder.path().join("assets/app-1.js.gz"), b"gz").expect("gz");
    std::fs::write(folder.path().join("index.html"), "<html></html>").expect("html");
    let server = spawn_configured(Config {
        static_dir: Some(folder.path().to_owned()),
        ..Config::default()
    })
    .await;
    for path in ["/assets/app-1.js", "/"] {
        let response = server
            .client
            .get(server.url(path))
            .header("accept-encoding", "gzip")
            .send()
            .await
            .expect("get");
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let vary: Vec<String> = response
            .headers()
            .get_all("vary")
            .iter()
            .map(|v| v.to_str().unwrap_or("").to_ascii_lowercase())
            .collect();
        assert!(
            vary.iter().any(|v| v.contains("accept-encoding")),
            "{path}: {vary:?}"
        );
    }
}

#[test]
fn the_command_line_publishes_a_file_as_public_when_it_says_so() {
    let folder = tempfile::tempdir().expect("folder");
    let database = format!("sqlite://{}", folder.path().join("salama.db").display());
    let mut definition: Value =
        serde_json::from_str(salama_shared::default_survey::COMMUNITY_SAFETY_JSON).expect("json");
    definition["id"] = json!("public-from-file");
    definition["public"] = json!(true);
    let file = folder.path().join("survey.json");
    std::fs::write(&file, body(&definition)).expect("file");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_salama"))
        .args(["--database-url", &database, "survey", "publish"])
        .arg(&file)
        .output()
        .expect("salama runs");
    assert!(output.status.success(), "{output:?}");
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(said.contains("(public)"), "{said}");
}
