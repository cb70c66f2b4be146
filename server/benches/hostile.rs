//! Hostile-load benchmark (`cargo xtask bench hostile`): what eight clients
//! posting the worst bodies the limits allow, at once and without pause, do
//! to everyone else.
//!
//! A real server on 127.0.0.1 with the production body limit (1 MiB) and the
//! production runtime (tokio's defaults, one worker per core), rate limits
//! raised so the hostile bodies are read rather than turned away. Measured:
//! `GET /healthz` and a normal online answer, p50 and p99, idle and then
//! while each kind of hostile body is posted by 8 clients at once. Targets
//! (issue 12): `/healthz` p99 ≤ 50 ms, normal submissions p99 ≤ 2× idle.
//!
//! The server, the hostile clients and the probes each run on a runtime of
//! their own, so a busy client never delays the server's workers or the
//! probes' clocks; on one machine they still share its cores, which a real
//! attacker would not. Results go to stdout and to
//! `target/bench-hostile.json`.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use salama_server::limits::RateLimits;
use salama_server::store::Store;
use salama_server::{Config, boot};
use serde_json::{Value, json};
use uuid::Uuid;

const HOSTILE_CLIENTS: usize = 8;
const IDLE: Duration = Duration::from_secs(6);
const UNDER_LOAD: Duration = Duration::from_secs(8);
/// Pauses between probes: a monitor and a trickle of respondents, not a
/// load of their own.
const HEALTH_EVERY: Duration = Duration::from_millis(5);
const SUBMIT_EVERY: Duration = Duration::from_millis(10);
const HEALTH_P99_TARGET_MS: f64 = 50.0;
const SUBMIT_P99_TARGET_RATIO: f64 = 2.0;
const SUBMISSIONS: &str = "/api/surveys/community-safety/submissions";

/// A valid online answer with a fresh id, as a respondent sends it.
fn online() -> Value {
    let mut submission =
        serde_json::to_value(salama_shared::sample::online_answer()).expect("serialises");
    submission["submission_id"] = json!(Uuid::new_v4());
    submission
}

/// `answer` set to as many copies of `item` as fit in `limit` bytes with the
/// rest of an online answer around them.
fn filled(limit: usize, answer: &str, item: &Value) -> Vec<u8> {
    let mut submission = online();
    submission["answers"][answer] = json!([]);
    let around = serde_json::to_vec(&submission).expect("serialises").len();
    let each = serde_json::to_vec(item).expect("serialises").len() + 1;
    let count = (limit - around - 64) / each;
    submission["answers"][answer] = Value::Array(vec![item.clone(); count]);
    serde_json::to_vec(&submission).expect("serialises")
}

fn nested(depth: usize) -> Value {
    (0..depth).fold(json!([]), |inner, _| json!([inner]))
}

/// The worst bodies under the limit, each aimed at a different cost.
fn hostile_bodies(limit: usize) -> Vec<(&'static str, Bytes)> {
    // The household roster allows 30 rows; this sends hundreds of
    // thousands of empty ones, each missing every required answer.
    let roster = filled(limit, "household", &json!({}));
    // An area answer of arrays nested 100 deep (serde_json refuses 128),
    // repeated: an allocation for every two bytes, freed one by one.
    let nesting = filled(limit, "resp_area", &nested(100));
    // A multiple-choice answer with the same choice over and over.
    let choices = filled(limit, "dis_1", &json!("sex"));
    // As many distinct errors as fit: a full roster breaking every member
    // rule (the relationship constraint, a list, a minimum, an unknown
    // question), then unknown questions to the limit.
    let mut errors = online();
    errors["answers"]["household"] = Value::Array(
        (0..30)
            .map(|_| json!({"mem_relationship": "self", "mem_sex": "x", "mem_age": -1, "x": 1}))
            .collect(),
    );
    let around = serde_json::to_vec(&errors).expect("serialises").len();
    let answers = errors["answers"].as_object_mut().expect("an object");
    let per_key = r#","q0000000":0"#.len();
    for n in 0..(limit - around - 64) / per_key {
        answers.insert(format!("q{n:07}"), json!(0));
    }
    let errors = serde_json::to_vec(&errors).expect("serialises");
    let bodies = vec![
        ("roster of {}", roster),
        ("nested arrays", nesting),
        ("repeated choice", choices),
        ("many errors", errors),
    ];
    for (name, body) in &bodies {
        assert!(body.len() <= limit, "{name}: {} bytes", body.len());
    }
    bodies
        .into_iter()
        .map(|(name, body)| (name, Bytes::from(body)))
        .collect()
}

/// Starts the server on a runtime built as `#[tokio::main]` builds the
/// production one, on a thread of its own.
fn start_server(folder: &std::path::Path) -> String {
    let url = format!("sqlite://{}", folder.join("salama.db").display());
    let generous = NonZeroU32::new(1_000_000).expect("not zero");
    let config = Config {
        rate_limits: RateLimits {
            logins_per_minute: generous,
            submissions_per_minute: generous,
        },
        ..Config::default()
    };
    let (bound, address) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .expect("server runtime");
        runtime.block_on(async move {
            let store = Store::open(&url).await.expect("store");
            let server = boot::Server::prepare(store, config)
                .await
                .expect("server starts");
            let listener = boot::listen(([127, 0, 0, 1], 0).into())
                .await
                .expect("port");
            bound
                .send(listener.local_addr().expect("bound"))
                .expect("main thread waits");
            server
                .serve(listener, std::future::pending())
                .await
                .expect("serves");
        });
    });
    format!("http://{}", address.recv().expect("server started"))
}

struct Percentiles {
    count: usize,
    p50_ms: f64,
    p99_ms: f64,
}

fn percentiles(mut latencies: Vec<Duration>) -> Percentiles {
    assert!(!latencies.is_empty(), "no probe finished");
    latencies.sort();
    let at = |q: f64| {
        latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)].as_secs_f64()
            * 1e3
    };
    Percentiles {
        count: latencies.len(),
        p50_ms: at(0.50),
        p99_ms: at(0.99),
    }
}

struct Probed {
    health: Percentiles,
    submit: Percentiles,
}

/// Probes `/healthz` and normal submissions side by side for `span`, one
/// request of each in flight at a time.
async fn probe(base: &str, span: Duration) -> Probed {
    let client = reqwest::Client::new();
    let until = Instant::now() + span;
    let health = {
        let (client, url) = (client.clone(), format!("{base}/healthz"));
        async move {
            let mut latencies = Vec::new();
            while Instant::now() < until {
                let began = Instant::now();
                let response = client.get(&url).send().await.expect("health check");
                assert_eq!(response.status(), reqwest::StatusCode::OK);
                response.bytes().await.expect("health body");
                latencies.push(began.elapsed());
                tokio::time::sleep(HEALTH_EVERY).await;
            }
            latencies
        }
    };
    let submit = {
        let url = format!("{base}{SUBMISSIONS}");
        async move {
            let mut latencies = Vec::new();
            while Instant::now() < until {
                // Made before the clock starts: the server is measured.
                let body = serde_json::to_vec(&online()).expect("serialises");
                let began = Instant::now();
                let response = client
                    .post(&url)
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await
                    .expect("submission");
                let status = response.status();
                let text = response.text().await.expect("receipt");
                assert_eq!(status, reqwest::StatusCode::CREATED, "{text}");
                latencies.push(began.elapsed());
                tokio::time::sleep(SUBMIT_EVERY).await;
            }
            latencies
        }
    };
    let (health, submit) = tokio::join!(health, submit);
    Probed {
        health: percentiles(health),
        submit: percentiles(submit),
    }
}

/// What the hostile clients achieved in one phase.
struct Attack {
    requests: usize,
    per_second: f64,
    response_bytes: usize,
    status: u16,
}

/// Eight clients posting `body` back to back, on a runtime of their own,
/// until `stop` is set.
fn attack(base: &str, body: Bytes, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<Attack> {
    let url = format!("{base}{SUBMISSIONS}");
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("client runtime");
        runtime.block_on(async move {
            let done = Arc::new(AtomicUsize::new(0));
            let began = Instant::now();
            let clients: Vec<_> = (0..HOSTILE_CLIENTS)
                .map(|_| {
                    let (url, body, stop, done) =
                        (url.clone(), body.clone(), stop.clone(), done.clone());
                    tokio::spawn(async move {
                        // Its own connection, as separate attackers would have.
                        let client = reqwest::Client::new();
                        let mut last = (0, 0);
                        while !stop.load(Ordering::Relaxed) {
                            let response = client
                                .post(&url)
                                .header("content-type", "application/json")
                                .body(body.clone())
                                .send()
                                .await
                                .expect("hostile request");
                            let status = response.status().as_u16();
                            let size = response.bytes().await.expect("hostile response").len();
                            last = (status, size);
                            done.fetch_add(1, Ordering::Relaxed);
                        }
                        last
                    })
                })
                .collect();
            let mut last = (0, 0);
            for client in clients {
                last = client.await.expect("hostile client");
            }
            let requests = done.load(Ordering::Relaxed);
            Attack {
                requests,
                per_second: requests as f64 / began.elapsed().as_secs_f64(),
                status: last.0,
                response_bytes: last.1,
            }
        })
    })
}

/// The median time one hostile request takes with nothing else running.
async fn alone(base: &str, body: &Bytes) -> f64 {
    let client = reqwest::Client::new();
    let url = format!("{base}{SUBMISSIONS}");
    let mut times = Vec::new();
    for _ in 0..5 {
        let began = Instant::now();
        let response = client
            .post(&url)
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await
            .expect("hostile request");
        response.bytes().await.expect("hostile response");
        times.push(began.elapsed().as_secs_f64() * 1e3);
    }
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

fn main() {
    // Other work on the machine skews every figure: say how busy it was.
    let load_before = std::fs::read_to_string("/proc/loadavg").ok().map(|line| {
        line.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    });
    let folder = tempfile::tempdir().expect("temporary folder");
    let limit = Config::default().body_limit;
    let base = start_server(folder.path());
    let bodies = hostile_bodies(limit);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("probe runtime");

    // Warm the connection pool, the survey cache and SQLite.
    runtime.block_on(probe(&base, Duration::from_millis(500)));
    let idle = runtime.block_on(probe(&base, IDLE));

    let mut rows = Vec::new();
    for (name, body) in &bodies {
        let alone = runtime.block_on(alone(&base, body));
        let stop = Arc::new(AtomicBool::new(false));
        let attackers = attack(&base, body.clone(), stop.clone());
        // Let the attack reach full speed before measuring.
        std::thread::sleep(Duration::from_millis(500));
        let loaded = runtime.block_on(probe(&base, UNDER_LOAD));
        stop.store(true, Ordering::Relaxed);
        let attack = attackers.join().expect("attackers");
        rows.push((*name, body.len(), alone, loaded, attack));
    }

    println!(
        "idle, then {HOSTILE_CLIENTS} hostile clients at once; body limit {limit} bytes; \
         probes: /healthz every {HEALTH_EVERY:?}, a normal online answer every {SUBMIT_EVERY:?}; \
         {} cores, load average before the run {}",
        std::thread::available_parallelism().map_or(0, usize::from),
        load_before.as_deref().unwrap_or("unknown")
    );
    let line = |cells: [&str; 11]| {
        println!(
            "{:<16} {:>9} {:>6} {:>9} {:>8} {:>7} {:>8} {:>8} {:>8} {:>8} {:>9}",
            cells[0],
            cells[1],
            cells[2],
            cells[3],
            cells[4],
            cells[5],
            cells[6],
            cells[7],
            cells[8],
            cells[9],
            cells[10]
        )
    };
    let ms = |value: f64| format!("{value:.2}");
    line([
        "hostile body",
        "bytes",
        "status",
        "answer B",
        "alone ms",
        "host/s",
        "health",
        "health",
        "submit",
        "submit",
        "targets",
    ]);
    line([
        "", "", "", "", "", "", "p50 ms", "p99 ms", "p50 ms", "p99 ms", "",
    ]);
    line([
        "(idle)",
        "-",
        "-",
        "-",
        "-",
        "-",
        &ms(idle.health.p50_ms),
        &ms(idle.health.p99_ms),
        &ms(idle.submit.p50_ms),
        &ms(idle.submit.p99_ms),
        "-",
    ]);
    let mut report = vec![json!({
        "phase": "idle",
        "load_average_before": load_before,
        "health": {"count": idle.health.count, "p50_ms": idle.health.p50_ms, "p99_ms": idle.health.p99_ms},
        "submit": {"count": idle.submit.count, "p50_ms": idle.submit.p50_ms, "p99_ms": idle.submit.p99_ms},
    })];
    let mut all_met = true;
    for (name, bytes, alone, loaded, attack) in &rows {
        let health_met = loaded.health.p99_ms <= HEALTH_P99_TARGET_MS;
        let submit_met = loaded.submit.p99_ms <= SUBMIT_P99_TARGET_RATIO * idle.submit.p99_ms;
        all_met &= health_met && submit_met;
        let verdict = match (health_met, submit_met) {
            (true, true) => "met",
            (false, true) => "health ✗",
            (true, false) => "submit ✗",
            (false, false) => "both ✗",
        };
        line([
            name,
            &bytes.to_string(),
            &attack.status.to_string(),
            &attack.response_bytes.to_string(),
            &ms(*alone),
            &format!("{:.1}", attack.per_second),
            &ms(loaded.health.p50_ms),
            &ms(loaded.health.p99_ms),
            &ms(loaded.submit.p50_ms),
            &ms(loaded.submit.p99_ms),
            verdict,
        ]);
        report.push(json!({
            "phase": name,
            "body_bytes": bytes,
            "alone_ms": alone,
            "hostile": {"requests": attack.requests, "per_second": attack.per_second,
                        "status": attack.status, "response_bytes": attack.response_bytes},
            "health": {"count": loaded.health.count, "p50_ms": loaded.health.p50_ms, "p99_ms": loaded.health.p99_ms},
            "submit": {"count": loaded.submit.count, "p50_ms": loaded.submit.p50_ms, "p99_ms": loaded.submit.p99_ms},
            "health_target_met": health_met,
            "submit_target_met": submit_met,
        }));
    }
    println!(
        "targets: /healthz p99 ≤ {HEALTH_P99_TARGET_MS} ms; normal submission p99 ≤ \
         {SUBMIT_P99_TARGET_RATIO}× idle ({:.2} ms): {}",
        SUBMIT_P99_TARGET_RATIO * idle.submit.p99_ms,
        if all_met { "all met" } else { "NOT all met" }
    );
    let target =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench-hostile.json");
    match std::fs::write(
        &target,
        serde_json::to_vec_pretty(&report).expect("serialises"),
    ) {
        Ok(()) => eprintln!("written to {}", target.display()),
        Err(error) => eprintln!("not written to {}: {error}", target.display()),
    }
}
