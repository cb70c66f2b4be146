//! Aggregation benchmark (`cargo xtask bench aggregate`).
//!
//! 1. Loads synthetic household interviews of the default questionnaire
//!    (`SALAMA_BENCH_SUBMISSIONS`, default 1,000,000) into SQLite through the
//!    real ingest path (validated, facts worked out, batched transactions),
//!    with a stratified cluster design: 12 strata, 2,000 clusters, weights.
//!    The database is kept in `target/bench-aggregate/` and reused.
//! 2. Starts the server as `salama serve` does, timing its loading of the
//!    facts into memory, and streams the respondent microdata over HTTP:
//!    MB/s and the growth of the process's peak memory while it runs.
//! 3. Times SDG 16.1.4 by sex × age band × region with CIs over HTTP (first
//!    request, then p50/p90) and in the engine alone.
//! 4. Baseline: DuckDB (`SALAMA_BENCH_PYTHON` with the `duckdb` package) runs
//!    the same estimate and linearised SE over the same facts exported to
//!    CSV; the ratio is reported and the numbers are compared.
//!
//! Results go to stdout and `target/bench-aggregate.json`.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use salama_server::aggregate::table::{self, Request};
use salama_server::auth::{self, Role};
use salama_server::store::{DesignEntry, NewSubmission, Store, UnitLevel};
use salama_server::{Config, boot};
use salama_shared::Submission;
use salama_shared::aggregate::{AgeScheme, Dimension};
use salama_shared::form::Form;
use salama_shared::publication::Rule;
use salama_shared::schema::Channel;
use serde_json::{Value, json};
use uuid::Uuid;

const CLUSTERS: usize = 2_000;
const DISTRICTS: [[&str; 2]; 6] = [
    ["north", "north-hills"],
    ["north", "north-river"],
    ["central", "central-capital"],
    ["central", "central-lakeside"],
    ["south", "south-coast"],
    ["south", "south-plains"],
];
const BATCH: usize = 1_000;
const QUERY: &str = "indicator=sdg_16_1_4&by=sex,age_band,area&channel=enumerator";

/// xorshift64*: reproducible data without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
}

fn cluster_district(cluster: usize) -> usize {
    cluster % DISTRICTS.len()
}

fn cluster_urban(cluster: usize) -> bool {
    (cluster / DISTRICTS.len()).is_multiple_of(2)
}

/// The i-th synthetic interview: feeling safe depends on sex, age and the
/// cluster, so the table has something to show.
fn synthetic(template: &Value, rng: &mut Rng, index: usize) -> Submission {
    let cluster = index % CLUSTERS;
    let district = DISTRICTS[cluster_district(cluster)];
    let female = rng.chance(0.52);
    let age = 18 + rng.below(70);
    let cluster_effect = (cluster % 7) as f64 * 0.03 - 0.09;
    let p_safe =
        0.6 - if female { 0.15 } else { 0.0 } - if age >= 60 { 0.1 } else { 0.0 } + cluster_effect;
    let saf_1 = if rng.chance(p_safe) {
        if rng.chance(0.4) { "very_safe" } else { "safe" }
    } else {
        ["unsafe", "very_unsafe", "never", "dk"][rng.below(4) as usize]
    };
    let mut submission = template.clone();
    submission["submission_id"] = json!(Uuid::from_u64_pair(0x5a1a_0000, index as u64));
    submission["cluster_id"] = json!(format!("ea-{cluster:04}"));
    let answers = &mut submission["answers"];
    let sex = if female { "female" } else { "male" };
    answers["resp_sex"] = json!(sex);
    answers["resp_age"] = json!(age);
    answers["resp_area"] = json!(district);
    answers["resp_urban_rural"] = json!(if cluster_urban(cluster) {
        "urban"
    } else {
        "rural"
    });
    answers["saf_1"] = json!(saf_1);
    match saf_1 {
        "unsafe" | "very_unsafe" => {}
        _ => {
            answers.as_object_mut().map(|a| a.remove("saf_1c"));
        }
    }
    if saf_1 == "never" {
        answers["saf_1b"] = json!("unsafe");
    }
    let mut household = vec![json!({"mem_relationship": "self", "mem_sex": sex, "mem_age": age})];
    for _ in 0..rng.below(4) {
        let child_age = rng.below(18);
        household.push(json!({
            "mem_relationship": "child",
            "mem_sex": if rng.chance(0.5) { "female" } else { "male" },
            "mem_age": child_age,
            "chl_safe": if rng.chance(0.7) { "safe" } else { "unsafe" },
            "chl_harmed": "no",
        }));
    }
    answers["household"] = Value::Array(household);
    serde_json::from_value(submission).expect("a synthetic submission deserialises")
}

type Prepared = (Uuid, Vec<u8>, salama_server::store::SubmissionFacts);

/// Loads `total` interviews unless the database already holds them.
async fn load(store: &Store, total: usize) -> Duration {
    let have = store
        .submission_count("community-safety")
        .await
        .expect("count") as usize;
    if have == total {
        eprintln!("reusing {total} stored submissions");
        return Duration::ZERO;
    }
    assert_eq!(
        have, 0,
        "a partial database: remove target/bench-aggregate and run again"
    );
    let start = Instant::now();
    let (batches, mut receive) = tokio::sync::mpsc::channel::<Vec<Prepared>>(2);
    // Generation and validation on one core, SQLite writes on the other.
    std::thread::spawn(move || {
        let survey = salama_shared::community_safety();
        let form = Form::new(&survey);
        let template =
            serde_json::to_value(salama_shared::sample::household_interview()).expect("serialises");
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let mut batch = Vec::with_capacity(BATCH);
        for index in 0..total {
            let submission = synthetic(&template, &mut rng, index);
            let valid = form.validate(&submission).unwrap_or_else(|errors| {
                panic!("synthetic submission {index} is invalid: {errors:?}")
            });
            let facts = salama_server::facts::of_submission(&form, valid);
            let body = serde_json::to_vec(&submission).expect("serialises");
            batch.push((submission.submission_id, body, facts));
            if (batch.len() == BATCH || index + 1 == total)
                && batches.blocking_send(std::mem::take(&mut batch)).is_err()
            {
                return;
            }
        }
    });
    let sha = "0".repeat(64);
    let mut stored = 0;
    while let Some(batch) = receive.recv().await {
        let news: Vec<NewSubmission<'_>> = batch
            .iter()
            .map(|(id, body, facts)| NewSubmission {
                submission_id: *id,
                survey_id: "community-safety",
                survey_version: salama_shared::default_survey::COMMUNITY_SAFETY_VERSION,
                channel: "enumerator",
                content_sha256: &sha,
                body,
                facts,
            })
            .collect();
        store.insert_submissions(&news).await.expect("insert");
        stored += news.len();
        if stored % 100_000 == 0 {
            eprintln!("  {stored} stored ({:.0} s)", start.elapsed().as_secs_f64());
        }
    }
    let mut rng = Rng(42);
    let design: Vec<DesignEntry> = (0..CLUSTERS)
        .map(|cluster| DesignEntry::Cluster {
            cluster_id: format!("ea-{cluster:04}"),
            stratum: Some(format!(
                "{}-{}",
                DISTRICTS[cluster_district(cluster)][1],
                if cluster_urban(cluster) {
                    "urban"
                } else {
                    "rural"
                }
            )),
            weight: Some(50.0 + rng.below(450) as f64),
        })
        .collect();
    store
        .upsert_design("community-safety", &design)
        .await
        .expect("design");
    start.elapsed()
}

fn memory_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|line| line.starts_with(field))
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|kib| kib.parse().ok())
        .unwrap_or(0)
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    sorted[((sorted.len() as f64 * q) as usize).min(sorted.len() - 1)]
}

/// The respondent facts DuckDB reads: design, groups and the 16.1.4 outcome.
async fn export_facts(store: &Store, path: &Path) -> usize {
    let survey = salama_shared::community_safety();
    let region_of = |district: &str| {
        survey
            .areas
            .iter()
            .find(|region| region.children.iter().any(|d| d.code == district))
            .map_or("", |region| region.code.as_str())
    };
    let (_, rows) = store
        .load_facts("community-safety", UnitLevel::Respondents, 0)
        .await
        .expect("facts");
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).expect("facts CSV"));
    writeln!(out, "psu,stratum,weight,sex,age,region,counted").expect("write");
    for row in &rows {
        let outcome = salama_shared::facts::decode_outcomes(&row.outcomes).expect("outcomes");
        let counted = outcome
            .iter()
            .find(|o| o.indicator == "sdg_16_1_4" && o.component == 0)
            .map_or(0, |o| match o.counted {
                salama_shared::facts::Counted::No => 1,
                salama_shared::facts::Counted::Denominator => 2,
                salama_shared::facts::Counted::Numerator => 3,
            });
        writeln!(
            out,
            "{},{},{},{},{},{},{counted}",
            row.cluster_id.as_deref().unwrap_or(""),
            row.stratum.as_deref().unwrap_or(""),
            row.weight.unwrap_or(1.0),
            row.sex.as_deref().unwrap_or(""),
            row.age.unwrap_or(-1),
            region_of(row.area.as_deref().unwrap_or("")),
        )
        .expect("write");
    }
    rows.len()
}

#[tokio::main]
async fn main() {
    let total: usize = std::env::var("SALAMA_BENCH_SUBMISSIONS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000);
    let target = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target");
    let folder = target.join(format!("bench-aggregate/{total}"));
    std::fs::create_dir_all(&folder).expect("bench folder");
    let url = format!("sqlite://{}", folder.join("salama.db").display());
    let store = Store::open(&url).await.expect("store");
    salama_server::seed::publish_default_questionnaire(&store)
        .await
        .expect("seeded");
    eprintln!("loading {total} synthetic interviews (validated, with facts)…");
    let load_time = load(&store, total).await;
    let database_bytes = std::fs::metadata(folder.join("salama.db")).map_or(0, |m| m.len());

    // Started as `salama serve` starts, and measured once the facts the
    // start loads are in memory, so nothing below competes with the load.
    let warm_up = Instant::now();
    let server = boot::Server::prepare(store.clone(), Config::default())
        .await
        .expect("server starts");
    server.warmed().await;
    let warm_up_seconds = warm_up.elapsed().as_secs_f64();
    eprintln!("facts in memory {warm_up_seconds:.2} s after the start");
    let serving = server.serve_on_free_port().await.expect("serving");
    let base = format!("http://{}", serving.address());
    let name = format!("analyst-{}", Uuid::new_v4().simple());
    let token = auth::create_user(&store, &name, Role::Analyst, "bench")
        .await
        .expect("analyst")
        .token;
    let client = reqwest::Client::new();

    // Microdata: bytes per second and peak memory growth while streaming.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let rss_before = memory_kib("VmRSS:");
    let start = Instant::now();
    let mut response = client
        .get(format!("{base}/api/surveys/community-safety/microdata.csv"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("microdata");
    assert!(response.status().is_success());
    let (mut bytes, mut lines) = (0usize, 0usize);
    while let Some(chunk) = response.chunk().await.expect("chunk") {
        bytes += chunk.len();
        lines += chunk.iter().filter(|&&b| b == b'\n').count();
    }
    let microdata_time = start.elapsed();
    let peak_growth_mib = memory_kib("VmHWM:").saturating_sub(rss_before) as f64 / 1024.0;
    let microdata_mb_s = bytes as f64 / 1e6 / microdata_time.as_secs_f64();
    assert_eq!(lines, total + 1, "one line per respondent and the header");
    eprintln!(
        "microdata: {:.1} MB in {:.2} s = {microdata_mb_s:.1} MB/s, peak memory growth {peak_growth_mib:.1} MiB",
        bytes as f64 / 1e6,
        microdata_time.as_secs_f64()
    );

    // The table over HTTP, on the facts the start put in memory.
    let url = format!("{base}/api/surveys/community-safety/aggregates?{QUERY}");
    let timed = |client: &reqwest::Client| {
        let request = client.get(&url).bearer_auth(&token);
        async move {
            let start = Instant::now();
            let response = request.send().await.expect("aggregates");
            assert!(response.status().is_success());
            let table: Value = response.json().await.expect("json");
            (start.elapsed().as_secs_f64() * 1e3, table)
        }
    };
    let (first_ms, table) = timed(&client).await;
    let mut http_ms = Vec::new();
    for _ in 0..30 {
        http_ms.push(timed(&client).await.0);
    }
    http_ms.sort_by(f64::total_cmp);

    // The engine alone, on the facts already in memory.
    let cube = server
        .state()
        .cubes()
        .current(&store, "community-safety", UnitLevel::Respondents)
        .await
        .expect("cube");
    let survey = salama_shared::community_safety();
    let indicator = survey
        .indicators
        .iter()
        .find(|i| i.id == "sdg_16_1_4")
        .expect("16.1.4")
        .clone();
    let request = Request {
        indicator: indicator.id.clone(),
        by: vec![Dimension::Sex, Dimension::AgeBand, Dimension::Area],
        age_scheme: AgeScheme::UnAdult,
        area_level: 1,
        channels: vec![Channel::Enumerator],
        from_day: None,
        to_day: None,
        area: None,
        rule: Rule::DhsMics,
        min_count: 5,
        language: "en".into(),
        policy: salama_shared::disclosure::DisclosurePolicy::default(),
        exact: false,
    };
    let mut engine_ms = Vec::new();
    for _ in 0..30 {
        let start = Instant::now();
        let computed =
            table::table(&survey, &indicator, &cube, &request).expect("table within the limits");
        engine_ms.push(start.elapsed().as_secs_f64() * 1e3);
        std::hint::black_box(computed);
    }
    engine_ms.sort_by(f64::total_cmp);

    // DuckDB over the same facts.
    let csv = folder.join("facts-16-1-4.csv");
    let exported = export_facts(&store, &csv).await;
    let python = std::env::var("SALAMA_BENCH_PYTHON").unwrap_or_else(|_| "python3".into());
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("benches/aggregate_duckdb.py");
    let output = std::process::Command::new(&python)
        .arg(&script)
        .arg(&csv)
        .output()
        .expect("python runs");
    assert!(
        output.status.success(),
        "DuckDB baseline failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let duckdb: Value = serde_json::from_slice(&output.stdout).expect("DuckDB result JSON");
    let duckdb_p50 = duckdb["p50_ms"].as_f64().expect("p50");

    // The two must agree on every cell they both show.
    let mut compared = 0;
    let mut largest_difference: f64 = 0.0;
    let cells = table["populations"][0]["cells"].as_array().expect("cells");
    for cell in cells
        .iter()
        .filter(|c| c["group"].as_array().is_some_and(|g| !g.is_empty()))
    {
        let Some(estimate) = cell["estimate"].as_f64() else {
            continue;
        };
        let group: Vec<&str> = cell["group"]
            .as_array()
            .expect("group")
            .iter()
            .map(|g| g["value"].as_str().unwrap_or(""))
            .collect();
        let theirs = duckdb["cells"]
            .as_array()
            .expect("cells")
            .iter()
            .find(|c| c["sex"] == group[0] && c["band"] == group[1] && c["region"] == group[2]);
        let Some(theirs) = theirs else {
            panic!("DuckDB has no cell {group:?}")
        };
        largest_difference = largest_difference
            .max((estimate - theirs["estimate"].as_f64().expect("est")).abs())
            .max(
                (cell["standard_error"].as_f64().expect("se") - theirs["se"].as_f64().expect("se"))
                    .abs(),
            );
        compared += 1;
    }
    assert!(
        compared > 0 && largest_difference < 1e-9,
        "Salama and DuckDB disagree by {largest_difference}"
    );

    let http_p50 = percentile(&http_ms, 0.5);
    let engine_p50 = percentile(&engine_ms, 0.5);
    let summary = json!({
        "submissions": total,
        "respondent_facts": exported,
        "database_bytes": database_bytes,
        "load_seconds": load_time.as_secs_f64(),
        "microdata": {"bytes": bytes, "seconds": microdata_time.as_secs_f64(), "mb_per_second": microdata_mb_s, "peak_memory_growth_mib": peak_growth_mib},
        "aggregate_16_1_4_sex_age_region": {
            "cells": cells.len(),
            "warm_up_seconds": warm_up_seconds,
            "http_first_ms": first_ms,
            "http_p50_ms": http_p50,
            "http_p90_ms": percentile(&http_ms, 0.9),
            "engine_p50_ms": engine_p50,
            "engine_p90_ms": percentile(&engine_ms, 0.9),
        },
        "duckdb": {"version": duckdb["version"], "p50_ms": duckdb_p50, "load_seconds": duckdb["load_seconds"]},
        "ratio_http_p50_to_duckdb_p50": http_p50 / duckdb_p50,
        "ratio_engine_p50_to_duckdb_p50": engine_p50 / duckdb_p50,
        "cells_compared_with_duckdb": compared,
        "largest_difference": largest_difference,
    });
    println!("{}", serde_json::to_string_pretty(&summary).expect("json"));
    std::fs::write(target.join("bench-aggregate.json"), summary.to_string())
        .expect("write results");
}
