//! Ingest benchmark (`cargo xtask bench ingest`): realistic household
//! interviews (six-member roster) posted over real HTTP on 127.0.0.1 at
//! concurrency 1, 16 and 64, on SQLite and on PostgreSQL, each beside a
//! baseline in the same run: the same rows inserted with sqlx alone (one
//! transaction each, no HTTP, no validation).
//!
//! PostgreSQL comes from `SALAMA_BENCH_POSTGRES_URL` (xtask starts a
//! throwaway cluster with fsync on). Results go to stdout and to
//! `target/bench-ingest.json`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use salama_server::auth::{self, Role};
use salama_server::store::{NewSubmission, Store};
use salama_server::{Config, boot};
use serde_json::{Value, json};
use uuid::Uuid;

const CONCURRENCY: [usize; 3] = [1, 16, 64];

struct Measured {
    per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
}

fn requests_for(concurrency: usize) -> usize {
    if concurrency == 1 { 400 } else { 4_000 }
}

fn interview() -> Value {
    let mut submission =
        serde_json::to_value(salama_shared::sample::household_interview()).expect("serialises");
    submission["submission_id"] = json!(Uuid::new_v4());
    // Credited to whichever enumerator's token sends it.
    submission
        .as_object_mut()
        .map(|fields| fields.remove("enumerator_id"));
    submission
}

fn summarise(mut latencies: Vec<Duration>, elapsed: Duration) -> Measured {
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
    Measured {
        per_second: latencies.len() as f64 / elapsed.as_secs_f64(),
        p50_ms: at(0.50).as_secs_f64() * 1e3,
        p99_ms: at(0.99).as_secs_f64() * 1e3,
    }
}

/// Runs `total` operations on `concurrency` tasks, timing each.
async fn load<F, Fut>(concurrency: usize, total: usize, operation: F) -> Measured
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let operation = Arc::new(operation);
    let start = Instant::now();
    let workers: Vec<_> = (0..concurrency)
        .map(|worker| {
            let operation = operation.clone();
            let share = total / concurrency + usize::from(worker < total % concurrency);
            tokio::spawn(async move {
                let mut latencies = Vec::with_capacity(share);
                for _ in 0..share {
                    let began = Instant::now();
                    operation().await;
                    latencies.push(began.elapsed());
                }
                latencies
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(total);
    for worker in workers {
        latencies.extend(worker.await.expect("worker"));
    }
    summarise(latencies, start.elapsed())
}

async fn fresh_store(backend: &str, folder: &std::path::Path) -> Store {
    let url = match backend {
        "sqlite" => format!(
            "sqlite://{}",
            folder
                .join(format!("{}.db", Uuid::new_v4().simple()))
                .display()
        ),
        _ => {
            let admin_url =
                std::env::var("SALAMA_BENCH_POSTGRES_URL").expect("SALAMA_BENCH_POSTGRES_URL");
            let admin = sqlx::PgPool::connect(&admin_url).await.expect("PostgreSQL");
            let name = format!("salama_bench_{}", Uuid::new_v4().simple());
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&admin)
                .await
                .expect("create database");
            admin.close().await;
            format!(
                "{}/{name}",
                admin_url.rsplit_once('/').expect("database in URL").0
            )
        }
    };
    let store = Store::open(&url).await.expect("store");
    salama_server::seed::publish_default_questionnaire(&store)
        .await
        .expect("seed");
    store
}

async fn over_http(store: Store, concurrency: usize) -> Measured {
    let token = auth::create_user(
        &store,
        &format!("enum-{concurrency}"),
        Role::Enumerator,
        "bench",
    )
    .await
    .expect("user")
    .token;
    let server = boot::Server::prepare(store, Config::default())
        .await
        .expect("server starts");
    let serving = server.serve_on_free_port().await.expect("serving");
    let url = format!(
        "http://{}/api/surveys/community-safety/submissions",
        serving.address()
    );
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .build()
        .expect("client");
    // Bodies are made before the clock starts: the server is measured, not the client.
    let bodies: Arc<Vec<bytes::Bytes>> = Arc::new(
        (0..requests_for(concurrency))
            .map(|_| bytes::Bytes::from(serde_json::to_vec(&interview()).expect("serialises")))
            .collect(),
    );
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let measured = load(concurrency, requests_for(concurrency), move || {
        let (client, url, token) = (client.clone(), url.clone(), token.clone());
        let body = bodies[next.fetch_add(1, std::sync::atomic::Ordering::Relaxed)].clone();
        async move {
            let response = client
                .post(url)
                .bearer_auth(token)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .expect("request");
            assert_eq!(
                response.status(),
                reqwest::StatusCode::CREATED,
                "{:?}",
                response.text().await
            );
        }
    })
    .await;
    serving.stop(Duration::ZERO).await;
    measured
}

async fn sqlx_alone(store: Store, concurrency: usize) -> Measured {
    // The same bytes the HTTP run stores: a serialised interview per row.
    let body = Arc::new(serde_json::to_vec(&interview()).expect("serialises"));
    let survey = salama_shared::community_safety();
    let form = salama_shared::form::Form::new(&survey);
    let sample = salama_shared::sample::household_interview();
    let valid = form.validate(&sample).expect("the sample is valid");
    let facts = Arc::new(salama_server::facts::of_submission(&form, valid));
    load(concurrency, requests_for(concurrency), move || {
        let (store, body, facts) = (store.clone(), body.clone(), facts.clone());
        async move {
            let new = NewSubmission {
                submission_id: Uuid::new_v4(),
                survey_id: "community-safety",
                survey_version: salama_shared::default_survey::COMMUNITY_SAFETY_VERSION,
                channel: "enumerator",
                content_sha256: "0000000000000000000000000000000000000000000000000000000000000000",
                body: &body,
                facts: &facts,
            };
            store.insert_submission(&new).await.expect("insert");
        }
    })
    .await
}

#[tokio::main]
async fn main() {
    let folder = tempfile::tempdir().expect("temporary folder");
    let mut backends = vec!["sqlite"];
    if std::env::var("SALAMA_BENCH_POSTGRES_URL").is_ok() {
        backends.push("postgres");
    } else {
        eprintln!(
            "SALAMA_BENCH_POSTGRES_URL not set: PostgreSQL is left out (cargo xtask bench ingest sets it)"
        );
    }
    let mut report = Vec::new();
    println!(
        "{:<9} {:>5} {:>14} {:>9} {:>9} {:>14} {:>9} {:>9} {:>7}",
        "backend", "conc", "http/s", "p50 ms", "p99 ms", "sqlx/s", "p50 ms", "p99 ms", "ratio"
    );
    for backend in backends {
        for concurrency in CONCURRENCY {
            let http = over_http(fresh_store(backend, folder.path()).await, concurrency).await;
            let baseline = sqlx_alone(fresh_store(backend, folder.path()).await, concurrency).await;
            let ratio = http.per_second / baseline.per_second;
            println!(
                "{backend:<9} {concurrency:>5} {:>14.0} {:>9.2} {:>9.2} {:>14.0} {:>9.2} {:>9.2} {ratio:>7.2}",
                http.per_second,
                http.p50_ms,
                http.p99_ms,
                baseline.per_second,
                baseline.p50_ms,
                baseline.p99_ms
            );
            report.push(json!({
                "backend": backend, "concurrency": concurrency, "requests": requests_for(concurrency),
                "http": {"per_second": http.per_second, "p50_ms": http.p50_ms, "p99_ms": http.p99_ms},
                "sqlx_alone": {"per_second": baseline.per_second, "p50_ms": baseline.p50_ms, "p99_ms": baseline.p99_ms},
                "ratio": ratio,
            }));
        }
    }
    let target =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench-ingest.json");
    match std::fs::write(
        &target,
        serde_json::to_vec_pretty(&report).expect("serialises"),
    ) {
        Ok(()) => eprintln!("written to {}", target.display()),
        Err(error) => eprintln!("not written to {}: {error}", target.display()),
    }
}
