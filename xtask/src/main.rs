//! `cargo xtask <command>`: the project's commands, in Rust so they work the
//! same on every machine with nothing but cargo installed.

mod dist;
mod postgres;
mod provision;
mod shell;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Parser, Subcommand};

use crate::shell::Cargo;

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Build, run, test and benchmark Salama")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Bench {
    Validate,
    /// What a table withholds: the disclosure policy's secondary
    /// suppression over 336 to 15,120 cells.
    Suppression,
    Ingest,
    /// Time until the form's first question is usable at 400 kbit/s, 400 ms.
    Load,
    /// 1M interviews: SDG 16.1.4 by sex × age band × region beside DuckDB,
    /// and the microdata export's throughput and memory.
    Aggregate,
    /// The field app in the browser: adding the 30th household member, and
    /// sending an outbox of 200 interviews.
    Field,
    /// `/healthz` and a normal submission, idle and while 8 clients post
    /// the worst bodies the 1 MiB limit allows.
    Hostile,
}

#[derive(Subcommand)]
enum Command {
    /// Build the web client and the server, and serve Salama on 127.0.0.1:8080.
    Run,
    /// Build the web client for serving: hashed file names, gzip and brotli
    /// variants, sizes printed and checked against the budget.
    Dist {
        /// A wasm-opt (binaryen ≥ 116, e.g. from npm's `binaryen`) to shrink the wasm further.
        #[arg(long, env = "SALAMA_WASM_OPT")]
        wasm_opt: Option<PathBuf>,
    },
    /// Only the citizens' form bundle, quickly, with its gzip size and a
    /// copy that keeps function names for `twiggy` (for work on its size).
    FormSize,
    /// Everything CI checks: formatting, clippy, native tests, browser (wasm) tests.
    Test {
        /// Skip the headless-browser tests (for a quick loop; CI never skips them).
        #[arg(long)]
        no_browser: bool,
    },
    /// Benchmarks: `validate` (criterion, the default), `ingest` (HTTP on
    /// SQLite and PostgreSQL beside a sqlx baseline), `load` (the form on a
    /// throttled connection in headless Chromium), `aggregate` (1M
    /// interviews beside DuckDB, and the microdata export), `field` (the
    /// field app in the browser) or `hostile` (latency while 8 clients post
    /// worst-case bodies).
    Bench {
        #[arg(value_enum, default_value = "validate")]
        which: Bench,
        /// Extra arguments for criterion (e.g. a filter).
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
}

fn main() -> ExitCode {
    let result = match Cli::parse().command {
        Command::Run => run(),
        Command::Dist { wasm_opt } => provision::wasm_target()
            .and_then(|()| dist::build(wasm_opt.as_deref()))
            .map(|folder| eprintln!("web client written to {}", folder.display())),
        Command::FormSize => provision::wasm_target().and_then(|()| dist::measure_form()),
        Command::Test { no_browser } => test(!no_browser),
        Command::Bench {
            which: Bench::Validate,
            args,
        } => Cargo::new("bench")
            .args(["-p", "salama-shared", "--bench", "validate", "--"])
            .args(args)
            .run(),
        Command::Bench {
            which: Bench::Suppression,
            args,
        } => Cargo::new("bench")
            .args(["-p", "salama-shared", "--bench", "suppression", "--"])
            .args(args)
            .run(),
        Command::Bench {
            which: Bench::Ingest,
            ..
        } => bench_ingest(),
        Command::Bench {
            which: Bench::Load, ..
        } => bench_browser("page_load"),
        Command::Bench {
            which: Bench::Aggregate,
            ..
        } => bench_aggregate(),
        Command::Bench {
            which: Bench::Field,
            ..
        } => bench_browser("field"),
        Command::Bench {
            which: Bench::Hostile,
            ..
        } => Cargo::new("bench")
            .args(["-p", "salama-server", "--bench", "hostile", "--locked"])
            .run(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Builds the web client and the server and serves both with the SQLite
/// default under `data/`; the default questionnaire is published and, on
/// first start, an administrator is created and its one-time credentials
/// printed.
fn run() -> Result<()> {
    provision::wasm_target()?;
    let dist = dist::build(None)?;
    eprintln!(
        "\nSalama will serve on http://127.0.0.1:8080/ (the form: http://127.0.0.1:8080/s/community-safety)\n"
    );
    Cargo::new("run")
        .args([
            "--release",
            "--locked",
            "-p",
            "salama-server",
            "--bin",
            "salama",
            "--",
            "serve",
            "--static-dir",
        ])
        .arg(&dist)
        .run()
}

/// A measurement in headless Chromium (`page_load`: the throttled first
/// load; `field`: the field app).
fn bench_browser(bench: &str) -> Result<()> {
    provision::wasm_target()?;
    let dist = dist::build(None)?;
    let chromium = provision::chromium()?;
    Cargo::new("bench")
        .args(["-p", "salama-tests", "--bench", bench, "--locked"])
        .env("SALAMA_TEST_DIST", &dist)
        .env("SALAMA_TEST_CHROMIUM", &chromium.browser)
        .env("CHROMEDRIVER", &chromium.driver)
        .run()
}

/// The aggregation benchmark, with DuckDB from PyPI as its baseline.
fn bench_aggregate() -> Result<()> {
    let python = provision::duckdb_python(&shell::target_dir())?;
    Cargo::new("bench")
        .args(["-p", "salama-server", "--bench", "aggregate", "--locked"])
        .env("SALAMA_BENCH_PYTHON", &python)
        .run()
}

/// The ingest benchmark on SQLite and on a throwaway PostgreSQL with fsync
/// on, so both backends pay for durability.
fn bench_ingest() -> Result<()> {
    let postgres = postgres::Postgres::start(postgres::Durability::Fsync)?;
    let result = Cargo::new("bench")
        .args(["-p", "salama-server", "--bench", "ingest", "--locked"])
        .env("SALAMA_BENCH_POSTGRES_URL", &postgres.url)
        .run();
    drop(postgres);
    result
}

fn test(browser: bool) -> Result<()> {
    provision::wasm_target()?;
    Cargo::new("fmt").args(["--all", "--", "--check"]).run()?;
    Cargo::new("clippy")
        .args([
            "--workspace",
            "--all-targets",
            "--locked",
            "--",
            "-D",
            "warnings",
        ])
        .run()?;
    // The shared rules and the client must keep building for the browser.
    Cargo::new("clippy")
        .args([
            "-p",
            "salama-shared",
            "-p",
            "salama-client",
            "--target",
            "wasm32-unknown-unknown",
            "--locked",
        ])
        .args(["--", "-D", "warnings"])
        .run()?;
    // The web client, built as it is served (and held to its size budget),
    // for the browser tests.
    let browser_env = if browser {
        let dist = dist::build(None)?;
        let chromium = provision::chromium()?;
        let axe = provision::axe_core(&shell::target_dir())?;
        Some((dist, chromium, axe))
    } else {
        None
    };
    // The estimators are checked against R's survey package.
    provision::r_survey()?;
    // Every microdata export is checked for k-anonymity with pycanon.
    let started = std::time::Instant::now();
    let pycanon = provision::pycanon_python(&shell::target_dir())?;
    eprintln!("pycanon ready in {:.1} s", started.elapsed().as_secs_f64());
    // The storage conformance suite runs against SQLite and this PostgreSQL.
    let postgres = postgres::Postgres::start(postgres::Durability::NoFsync)?;
    let mut tests = if shell::has_nextest() {
        Cargo::new("nextest").args(["run", "--workspace", "--locked", "--no-fail-fast"])
    } else {
        Cargo::new("test").args(["--workspace", "--locked", "--no-fail-fast"])
    };
    tests = match &browser_env {
        Some((dist, chromium, axe)) => tests
            .env("SALAMA_TEST_DIST", dist)
            .env("SALAMA_TEST_AXE", axe)
            .env("SALAMA_TEST_CHROMIUM", &chromium.browser)
            .env("CHROMEDRIVER", &chromium.driver),
        None => tests.args(["--exclude", "salama-tests"]),
    };
    let result = tests
        .env("SALAMA_TEST_POSTGRES_URL", &postgres.url)
        .env("SALAMA_TEST_PYCANON", &pycanon)
        .run();
    drop(postgres);
    result?;
    if browser {
        browser_tests()?;
    }
    eprintln!("\nAll checks passed.");
    Ok(())
}

/// The shared rules' tests compiled to wasm32 and run in headless Chromium.
fn browser_tests() -> Result<()> {
    let chromium = provision::chromium()?;
    Cargo::new("build")
        .args([
            "-p",
            "xtask",
            "--bin",
            "wasm-bindgen-test-runner",
            "--locked",
        ])
        .run()?;
    let target = shell::target_dir();
    let runner = target.join("debug").join("wasm-bindgen-test-runner");
    let capabilities = write_webdriver_capabilities(&target, &chromium.browser)?;
    Cargo::new("test")
        .args([
            "-p",
            "salama-shared",
            "--target",
            "wasm32-unknown-unknown",
            "--test",
            "default_questionnaire",
            "--locked",
        ])
        .env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER", &runner)
        .env("CHROMEDRIVER", &chromium.driver)
        .env("WASM_BINDGEN_TEST_WEBDRIVER_JSON", &capabilities)
        .env("WASM_BINDGEN_TEST_TIMEOUT", "120")
        .run()
}

/// Chromium as root on a closed network: no sandbox, and nothing that phones home.
fn write_webdriver_capabilities(
    target: &std::path::Path,
    browser: &std::path::Path,
) -> Result<PathBuf> {
    let path = target.join("webdriver.json");
    let capabilities = format!(
        r#"{{"goog:chromeOptions": {{"binary": "{}", "args": ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]}}}}"#,
        browser.display()
    );
    std::fs::create_dir_all(target)?;
    std::fs::write(&path, capabilities)?;
    Ok(path)
}
