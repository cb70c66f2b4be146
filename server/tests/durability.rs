//! Acknowledged means durable: the real `salama` binary on SQLite takes
//! concurrent submissions and is killed with SIGKILL mid-load, several times.
//! After each restart every acknowledged submission is there exactly once,
//! resends get their original receipt, and the database passes its
//! integrity check.

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const ROUNDS: usize = 3;
const SENDERS: usize = 8;

fn start(database: &Path) -> (Child, String) {
    let port = TcpListener::bind("127.0.0.1:0")
        .expect("free port")
        .local_addr()
        .expect("bound")
        .port();
    let child = Command::new(env!("CARGO_BIN_EXE_salama"))
        .arg("serve")
        .env("DATABASE_URL", format!("sqlite://{}", database.display()))
        .env("SALAMA_LISTEN", format!("127.0.0.1:{port}"))
        .env("SALAMA_SUBMISSIONS_PER_MINUTE", "1000000")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("salama starts");
    (child, format!("http://127.0.0.1:{port}"))
}

async fn wait_until_ready(client: &reqwest::Client, base: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if client
            .get(format!("{base}/healthz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("salama did not become ready at {base}");
}

fn fresh_submission() -> Value {
    let mut submission =
        serde_json::to_value(salama_shared::sample::online_answer()).expect("serialises");
    submission["submission_id"] = json!(uuid::Uuid::new_v4());
    submission
}

/// Receipts the server acknowledged, by submission id, with the body sent.
type Acknowledged = Arc<Mutex<BTreeMap<String, (Value, Value)>>>;

async fn send_until_refused(client: reqwest::Client, base: String, acknowledged: Acknowledged) {
    // Bounded: stops at the first failed request (the server was killed) or
    // after 2,000 submissions.
    for _ in 0..2_000 {
        let submission = fresh_submission();
        let url = format!("{base}/api/surveys/community-safety/submissions");
        let Ok(response) = client.post(url).json(&submission).send().await else {
            return;
        };
        if response.status() != reqwest::StatusCode::CREATED {
            return;
        }
        let Ok(receipt) = response.json::<Value>().await else {
            return;
        };
        let id = submission["submission_id"].as_str().expect("id").to_owned();
        acknowledged
            .lock()
            .expect("not poisoned")
            .insert(id, (submission, receipt));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_submissions_survive_sigkill_exactly_once() {
    let folder = tempfile::tempdir().expect("temporary folder");
    let database = folder.path().join("salama.db");
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client");
    let acknowledged: Acknowledged = Arc::default();

    for round in 0..ROUNDS {
        let (mut child, base) = start(&database);
        wait_until_ready(&client, &base).await;
        let senders: Vec<_> = (0..SENDERS)
            .map(|_| {
                tokio::spawn(send_until_refused(
                    client.clone(),
                    base.clone(),
                    acknowledged.clone(),
                ))
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(400 + 200 * round as u64)).await;
        child.kill().expect("SIGKILL");
        child.wait().expect("reaped");
        for sender in senders {
            sender.await.expect("sender finished");
        }
    }

    let acknowledged = acknowledged.lock().expect("not poisoned").clone();
    assert!(
        acknowledged.len() > 50,
        "the load was too light to prove anything: {}",
        acknowledged.len()
    );

    let (mut child, base) = start(&database);
    wait_until_ready(&client, &base).await;
    for (id, (_, receipt)) in &acknowledged {
        let stored: Value = client
            .get(format!("{base}/api/submissions/{id}/receipt"))
            .send()
            .await
            .expect("receipt request")
            .json()
            .await
            .expect("receipt");
        assert_eq!(
            &stored, receipt,
            "acknowledged submission {id} lost or changed"
        );
    }
    // Resending a few acknowledged submissions stores nothing new.
    for (submission, receipt) in acknowledged.values().take(20) {
        let response = client
            .post(format!("{base}/api/surveys/community-safety/submissions"))
            .json(submission)
            .send()
            .await
            .expect("resend");
        assert_eq!(response.status(), reqwest::StatusCode::OK);
        assert_eq!(&response.json::<Value>().await.expect("receipt"), receipt);
    }
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");

    let store = salama_server::store::Store::open(&format!("sqlite://{}", database.display()))
        .await
        .expect("reopens");
    let stored = store
        .submission_count("community-safety")
        .await
        .expect("count");
    // Submissions whose response was lost in the kill may be stored too; none
    // acknowledged may be missing, and ids are unique by construction.
    assert!(
        stored >= acknowledged.len() as u64,
        "{stored} stored < {} acknowledged",
        acknowledged.len()
    );
    let salama_server::store::Pool::Sqlite(pool) = store.pool() else {
        panic!("SQLite store")
    };
    let integrity: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(pool)
        .await
        .expect("check");
    assert_eq!(integrity, "ok");
    eprintln!(
        "{} acknowledged across {ROUNDS} SIGKILLs, {stored} stored, integrity ok",
        acknowledged.len()
    );
}
