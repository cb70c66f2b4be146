//! The estimators against an independent oracle: R's `survey` package (Debian
//! `r-cran-survey`) on generated data for three designs. Never against
//! numbers computed with the same formulas in Rust.
#![cfg(not(target_arch = "wasm32"))]

use std::fmt::Write as _;
use std::process::Command;

use salama_shared::estimate::{self, Observation};

/// A small deterministic generator (xorshift64*), so every run sees the
/// same data and a failure can be reproduced.
struct Random(u64);

impl Random {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }
}

struct Row {
    stratum: String,
    psu: String,
    weight: f64,
    value: f64,
}

/// `strata` strata of `psus` PSUs of `per_psu` units; the chance of a 1
/// differs by stratum and PSU, weights vary by PSU and unit when asked.
fn generate(seed: u64, strata: usize, psus: usize, per_psu: usize, unequal: bool) -> Vec<Row> {
    let mut random = Random(seed);
    let mut rows = Vec::new();
    for h in 0..strata {
        for c in 0..psus {
            let chance = 0.2 + 0.5 * random.next();
            let psu_weight = if unequal {
                50.0 + 400.0 * random.next()
            } else {
                100.0
            };
            for _ in 0..per_psu {
                let weight = if unequal {
                    psu_weight * (0.7 + 0.6 * random.next())
                } else {
                    psu_weight
                };
                rows.push(Row {
                    stratum: format!("s{h}"),
                    psu: format!("s{h}p{c}"),
                    weight,
                    value: f64::from(u8::from(random.next() < chance)),
                });
            }
        }
    }
    rows
}

/// Runs `body` in R after loading `survey` and reading the rows (with a
/// `dom` column when `domains` are given) as data frame `d`; returns what it
/// printed, line by line.
fn run_r(rows: &[Row], domains: Option<&[&str]>, body: &str) -> Vec<String> {
    let folder = tempfile_dir();
    let csv = folder.join("data.csv");
    let mut text = String::from("stratum,psu,w,y,dom\n");
    for (i, row) in rows.iter().enumerate() {
        let domain = domains.map_or("all", |domains| domains[i]);
        writeln!(
            text,
            "{},{},{:.17},{},{domain}",
            row.stratum, row.psu, row.weight, row.value
        )
        .expect("write");
    }
    std::fs::write(&csv, text).expect("csv written");
    let script = format!(
        "suppressMessages(library(survey))\nd <- read.csv(\"{}\")\n{body}",
        csv.display()
    );
    let output = Command::new("Rscript")
        .args(["-e", &script])
        .output()
        .expect(
            "Rscript runs: install Debian's r-base-core and r-cran-survey (cargo xtask test does)",
        );
    let _ = std::fs::remove_dir_all(&folder);
    assert!(
        output.status.success(),
        "R failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

/// R's estimate, SE, Korn–Graubard interval and degrees of freedom, and the
/// Wilson interval (`prop.test` without continuity correction) on the
/// unweighted counts.
fn r_oracle(rows: &[Row], design: &str) -> [f64; 7] {
    let body = format!(
        r#"des <- {design}
m <- svymean(~y, des)
ci <- svyciprop(~y, des, method = "beta", level = 0.95)
w <- prop.test(sum(d$y), nrow(d), correct = FALSE)$conf.int
cat(sprintf("%.17g", c(coef(m), SE(m), attr(ci, "ci"), degf(des), w)), sep = "\n")
"#
    );
    let numbers: Vec<f64> = run_r(rows, None, &body)
        .iter()
        .map(|line| line.trim().parse().expect("a number from R"))
        .collect();
    numbers.try_into().expect("seven numbers from R")
}

fn tempfile_dir() -> std::path::PathBuf {
    let folder = std::env::temp_dir().join(format!(
        "salama-oracle-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default()
    ));
    std::fs::create_dir_all(&folder).expect("temporary folder");
    folder
}

fn observations(rows: &[Row]) -> Vec<Observation<'_>> {
    rows.iter()
        .map(|row| Observation {
            value: row.value,
            weight: row.weight,
            stratum: &row.stratum,
            psu: &row.psu,
        })
        .collect()
}

fn compare(rows: &[Row], design: &str) {
    let [estimate, se, lower, upper, df, wilson_lower, wilson_upper] = r_oracle(rows, design);
    let observations = observations(rows);
    let ours = estimate::mean(&observations).expect("an estimate");
    assert!(
        (ours.estimate - estimate).abs() < 1e-6,
        "{design}: estimate {} vs R {estimate}",
        ours.estimate
    );
    assert!(
        (ours.standard_error - se).abs() < 1e-6,
        "{design}: SE {} vs R {se}",
        ours.standard_error
    );
    assert_eq!(ours.degrees_of_freedom, df, "{design}: degrees of freedom");
    let (our_lower, our_upper) = estimate::korn_graubard(&ours, 0.95).expect("an interval");
    assert!(
        (our_lower - lower).abs() < 1e-4,
        "{design}: KG lower {our_lower} vs R {lower}"
    );
    assert!(
        (our_upper - upper).abs() < 1e-4,
        "{design}: KG upper {our_upper} vs R {upper}"
    );
    let successes: f64 = rows.iter().map(|row| row.value).sum();
    let (w_lower, w_upper) = estimate::wilson(successes, rows.len() as f64, 0.95).expect("Wilson");
    assert!(
        (w_lower - wilson_lower).abs() < 1e-4,
        "{design}: Wilson lower {w_lower} vs R {wilson_lower}"
    );
    assert!(
        (w_upper - wilson_upper).abs() < 1e-4,
        "{design}: Wilson upper {w_upper} vs R {wilson_upper}"
    );
}

#[test]
fn simple_random_sample_agrees_with_r() {
    for seed in [1, 2, 3] {
        let mut rows = generate(seed, 1, 300, 1, false);
        // Each unit is its own PSU in a simple random sample.
        for (i, row) in rows.iter_mut().enumerate() {
            row.psu = format!("u{i}");
        }
        compare(&rows, "svydesign(ids = ~1, weights = ~w, data = d)");
    }
}

#[test]
fn stratified_sample_agrees_with_r() {
    for seed in [4, 5] {
        let mut rows = generate(seed, 4, 60, 1, true);
        for (i, row) in rows.iter_mut().enumerate() {
            row.psu = format!("u{i}");
        }
        compare(
            &rows,
            "svydesign(ids = ~1, strata = ~stratum, weights = ~w, data = d)",
        );
    }
}

#[test]
fn stratified_two_stage_cluster_sample_with_unequal_weights_agrees_with_r() {
    for seed in [6, 7, 8] {
        let rows = generate(seed, 5, 8, 12, true);
        compare(
            &rows,
            "svydesign(ids = ~psu, strata = ~stratum, weights = ~w, data = d, nest = TRUE)",
        );
    }
}

/// Domains (R `svyby`): estimate, SE and Korn–Graubard interval per domain,
/// one of them under 25 cases, in a stratified cluster design.
#[test]
fn domains_including_one_under_25_cases_agree_with_r() {
    let rows = generate(9, 5, 8, 12, true);
    let mut random = Random(99);
    // Three domains: about half, about half, and a rare one (~3%).
    let domains: Vec<&str> = rows
        .iter()
        .map(|_| {
            let u = random.next();
            if u < 0.03 {
                "rare"
            } else if u < 0.52 {
                "a"
            } else {
                "b"
            }
        })
        .collect();
    let rare = domains.iter().filter(|d| **d == "rare").count();
    assert!((5..25).contains(&rare), "the rare domain has {rare} cases");
    let lines = run_r(
        &rows,
        Some(&domains),
        r#"des <- svydesign(ids = ~psu, strata = ~stratum, weights = ~w, data = d, nest = TRUE)
b <- svyby(~y, ~dom, des, svyciprop, method = "beta", vartype = c("se", "ci"))
for (k in seq_len(nrow(b))) cat(sprintf("%s %.17g %.17g %.17g %.17g", b$dom[k], b$y[k], b$se[k], b$ci_l[k], b$ci_u[k]), sep = "\n")
"#,
    );
    let observations = observations(&rows);
    let mut compared = 0;
    for line in &lines {
        let parts: Vec<&str> = line.split_whitespace().collect();
        let [domain, estimate, se, lower, upper] = parts[..] else {
            panic!("unexpected line from R: {line}");
        };
        let number = |text: &str| -> f64 { text.parse().expect("a number from R") };
        let ours =
            estimate::mean_in_domain(&observations, |i| domains[i] == domain).expect("an estimate");
        assert!(
            (ours.estimate - number(estimate)).abs() < 1e-6,
            "{domain}: estimate {} vs R {estimate}",
            ours.estimate
        );
        assert!(
            (ours.standard_error - number(se)).abs() < 1e-6,
            "{domain}: SE {} vs R {se}",
            ours.standard_error
        );
        let (our_lower, our_upper) = estimate::korn_graubard(&ours, 0.95).expect("an interval");
        assert!(
            (our_lower - number(lower)).abs() < 1e-4,
            "{domain}: KG lower {our_lower} vs R {lower}"
        );
        assert!(
            (our_upper - number(upper)).abs() < 1e-4,
            "{domain}: KG upper {our_upper} vs R {upper}"
        );
        compared += 1;
    }
    assert_eq!(compared, 3);
}
