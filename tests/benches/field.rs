//! The enumerators' field app in headless Chromium (phone-sized, no
//! throttling: what is measured is the device's own work):
//!
//! 1. adding the 30th member to a household and having the whole form
//!    re-evaluated by the shared engine, from the click until the page has
//!    settled (every task the click queued has run), 25 times;
//! 2. changing one answer in that 30-member household, the same way;
//! 3. sending an outbox of 200 interviews (imported from an outbox file)
//!    to the server on the same machine, from the first request to the last
//!    receipt kept, as the app's own performance marks time it.
//!
//! `cargo xtask bench field` builds the client and runs this; the figures
//! are printed and written to `target/bench-field.json`.

use salama_server::auth::{self, Role};
use salama_server::store::Assignment;
use salama_tests::{Browser, Site};
use serde_json::{Value, json};

const RUNS: usize = 25;
const OUTBOX: usize = 200;

/// Resolves once every microtask the page queued has run (a message
/// channel's task comes after them, without `setTimeout`'s clamping).
const SETTLE: &str = "const settle = () => new Promise(r => { const c = new MessageChannel(); c.port1.onmessage = () => r(); c.port2.postMessage(0); });";

#[tokio::main]
async fn main() {
    let site = Site::start().await;
    let created = auth::create_user(&site.store, "enum-bench", Role::Enumerator, "bench")
        .await
        .expect("user");
    site.store
        .assign(
            "community-safety",
            &[Assignment {
                survey_id: "community-safety".into(),
                cluster_id: "ea-7".into(),
                enumerator: "enum-bench".into(),
                stratum: None,
                area: None,
            }],
        )
        .await
        .expect("assigned");
    let browser = Browser::start().await;
    browser.goto(&site.url("/field")).await;
    browser.type_into("#name", "enum-bench").await;
    browser.type_into("#password", &created.password).await;
    browser.click("#sign-in").await;
    browser.click("#start-ea-7").await;
    browser.click("[id='consent.respondent']").await;
    browser.click("form.step button[type=submit]").await;
    browser.find("#q-household").await;
    for row in 0..29 {
        browser.click("#q-household").await;
        let cell = |id: &str| format!("[id='q-household-{row}-{id}']");
        let relationship = if row == 0 {
            "mem_relationship"
        } else {
            "mem_relationship-6"
        };
        browser.click(&cell(relationship)).await;
        browser.click(&cell("mem_sex")).await;
        browser
            .type_into(&cell("mem_age"), &(20 + row).to_string())
            .await;
    }
    let add = time_in_page(
        &browser,
        "const t0 = performance.now();
         document.getElementById('q-household').click();
         await settle();
         const t1 = performance.now();
         if (document.querySelectorAll('fieldset.row').length !== 30) { throw new Error('row not added'); }
         const rows = document.querySelectorAll('fieldset.row');
         rows[rows.length - 1].querySelector('button').click();
         await settle();
         return t1 - t0;",
    )
    .await;
    let add = timings(&add, "adding the 30th member");
    browser.click("#q-household").await;
    let answer = time_in_page(
        &browser,
        "const input = document.getElementById('q-household-29-mem_age');
         input.value = String(30 + (run % 2));
         const t0 = performance.now();
         input.dispatchEvent(new Event('input', { bubbles: true }));
         input.dispatchEvent(new Event('change', { bubbles: true }));
         await settle();
         return performance.now() - t0;",
    )
    .await;
    let answer = timings(&answer, "changing an answer at 30 members");

    // The outbox: 200 finished interviews in an outbox file.
    let folder = tempfile::tempdir().expect("folder");
    let file = folder.path().join("outbox.json");
    std::fs::write(&file, outbox_file("enum-bench", "ea-7", OUTBOX).to_string()).expect("file");
    browser.goto(&site.url("/field")).await;
    browser
        .find("#import")
        .await
        .send_keys(&file.display().to_string())
        .await
        .expect("file chosen");
    browser
        .wait_until(
            "every interview sent",
            &format!(
                "return document.querySelectorAll(\"li.interview[data-state='sent']\").length === {OUTBOX}"
            ),
        )
        .await;
    let sync = browser
        .script(
            "const s = performance.getEntriesByName('salama-sync-start'); const e = performance.getEntriesByName('salama-sync-end');
             return e[e.length - 1].startTime - s[s.length - 1].startTime;",
        )
        .await
        .as_f64()
        .expect("sync time");
    assert_eq!(site.stored().await, OUTBOX as u64, "each interview once");
    println!(
        "sync: {OUTBOX} interviews sent in {sync:.0} ms ({:.1} ms each, {:.0} interviews/s)",
        sync / OUTBOX as f64,
        OUTBOX as f64 / sync * 1000.0
    );
    let results = json!({
        "roster_add_at_30_ms": add,
        "answer_change_at_30_ms": answer,
        "sync_outbox": {"interviews": OUTBOX, "ms": sync},
    });
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || {
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("..")
                .join("target")
        },
        std::path::PathBuf::from,
    );
    std::fs::write(
        target.join("bench-field.json"),
        serde_json::to_string_pretty(&results).expect("json"),
    )
    .expect("results written");
    browser.close().await;
}

/// Runs `body` (an async function body that has `run` and `settle()` and
/// returns milliseconds) `RUNS` times in the page; the list of times.
async fn time_in_page(browser: &Browser, body: &str) -> Value {
    let script = format!(
        "{SETTLE}
         const done = arguments[arguments.length - 1];
         const once = async (run) => {{ {body} }};
         (async () => {{
           const times = [];
           await settle();
           for (let run = 0; run < {RUNS}; run++) {{ times.push(await once(run)); }}
           done(times);
         }})().catch(error => done(String(error)));"
    );
    browser
        .client
        .execute_async(&script, vec![])
        .await
        .expect("timings")
}

/// Prints and returns median, 90th percentile and maximum.
fn timings(values: &Value, what: &str) -> Value {
    let mut times: Vec<f64> =
        serde_json::from_value(values.clone()).unwrap_or_else(|_| panic!("{what}: {values}"));
    times.sort_by(f64::total_cmp);
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    println!(
        "{what}: median {:.1} ms, p90 {:.1} ms, max {:.1} ms ({} runs)",
        at(0.5),
        at(0.9),
        at(1.0),
        times.len()
    );
    json!({"median": at(0.5), "p90": at(0.9), "max": at(1.0), "runs": times.len()})
}

/// An outbox file as the field app exports it: `count` finished household
/// interviews of the default questionnaire, queued.
fn outbox_file(enumerator: &str, cluster: &str, count: usize) -> Value {
    let template =
        serde_json::to_value(salama_shared::sample::household_interview()).expect("json");
    let interviews: Vec<Value> = (0..count)
        .map(|i| {
            let id = format!("00000000-0000-4000-8000-{i:012}");
            let mut submission = template.clone();
            submission["submission_id"] = json!(id);
            submission["enumerator_id"] = json!(enumerator);
            submission["cluster_id"] = json!(cluster);
            json!({
                "id": id,
                "survey_id": submission["survey_id"],
                "survey_version": submission["survey_version"],
                "cluster_id": cluster,
                "enumerator_id": enumerator,
                "state": "queued",
                "draft": {
                    "submission_id": id,
                    "started_at": submission["started_at"],
                    "consent": submission["consent"],
                    "answers": submission["answers"],
                },
                "step": "review",
                "submission": submission,
                "attempts": 0,
                "updated_at": i,
            })
        })
        .collect();
    json!({"format": "salama-outbox", "version": 1, "exported_at": 0, "interviews": interviews})
}
