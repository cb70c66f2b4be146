//! Time until the first question is usable on a slow connection: Chromium
//! with DevTools network emulation at 400 kbit/s each way and 400 ms latency,
//! a cold cache each time (a new browser profile per run). The client marks
//! `salama-form-ready` when the consent question is on screen; its time is
//! read from the page's own performance timeline, from navigation start.
//!
//! `cargo xtask bench load` builds the client and runs this.

use std::time::Duration;

use salama_tests::{Browser, Site};
use serde_json::Value;

const RUNS: usize = 5;
const LATENCY_MS: u32 = 400;
const KBIT_PER_SECOND: u32 = 400;

#[tokio::main]
async fn main() {
    let site = Site::start().await;
    let mut ready = Vec::new();
    for run in 1..=RUNS {
        let browser = Browser::start().await;
        browser.throttle(LATENCY_MS, KBIT_PER_SECOND).await;
        browser.goto(&site.url("/s/community-safety")).await;
        let mut waited = Duration::ZERO;
        let at = loop {
            let mark = browser
                .script("const m = performance.getEntriesByName('salama-form-ready'); return m.length ? m[0].startTime : null")
                .await;
            if let Some(at) = mark.as_f64() {
                break at;
            }
            assert!(
                waited < Duration::from_secs(120),
                "the form never became usable"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
            waited += Duration::from_millis(100);
        };
        let transfer = browser
            .script(
                "return performance.getEntriesByType('resource').concat(performance.getEntriesByType('navigation'))
                   .map(e => [e.name.replace(location.origin, ''), e.transferSize, e.encodedBodySize, e.decodedBodySize, Math.round(e.responseEnd)])",
            )
            .await;
        if run == 1 {
            println!("requests (path, transfer bytes, encoded body, decoded body, done at ms):");
            for entry in transfer.as_array().into_iter().flatten() {
                println!("  {entry}");
            }
            let total: u64 = transfer
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|entry| entry.get(1).and_then(Value::as_u64))
                .sum();
            println!("  total transferred: {total} bytes");
        }
        println!("run {run}: first question usable after {at:.0} ms");
        ready.push(at);
        browser.close().await;
    }
    ready.sort_by(f64::total_cmp);
    println!(
        "first question usable at {KBIT_PER_SECOND} kbit/s and {LATENCY_MS} ms latency, {RUNS} cold loads: median {:.0} ms, min {:.0} ms, max {:.0} ms",
        ready[RUNS / 2],
        ready[0],
        ready[RUNS - 1]
    );
}
