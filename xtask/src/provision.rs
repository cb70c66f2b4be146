//! Installs what the tests need on a fresh machine: the wasm32 target and the
//! standard library's source (the browser bundles rebuild it for size) with
//! rustup, and Debian's Chromium and ChromeDriver with apt-get when root.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{Result, bail};

use crate::shell::{output, run};

pub fn wasm_target() -> Result<()> {
    let installed = output(Command::new("rustup").args(["component", "list", "--installed"]))?;
    let has = |component: &str| {
        installed
            .lines()
            .any(|line| line.trim().starts_with(component))
    };
    if !has("rust-std-wasm32-unknown-unknown") {
        let mut add = Command::new("rustup");
        add.args(["target", "add", "wasm32-unknown-unknown"]);
        run(add)?;
    }
    if !has("rust-src") {
        let mut add = Command::new("rustup");
        add.args(["component", "add", "rust-src"]);
        run(add)?;
    }
    Ok(())
}

pub struct Chromium {
    pub browser: PathBuf,
    pub driver: PathBuf,
}

pub fn chromium() -> Result<Chromium> {
    let chromium = Chromium {
        browser: "/usr/bin/chromium".into(),
        driver: "/usr/bin/chromedriver".into(),
    };
    if !chromium.browser.exists() || !chromium.driver.exists() {
        debian_packages(&["chromium", "chromium-driver"])?;
    }
    Ok(chromium)
}

/// `apt-get install` as root; otherwise say exactly what to install.
pub fn debian_packages(packages: &[&str]) -> Result<()> {
    if !is_root() {
        bail!(
            "missing Debian packages; run as root or install them: apt-get install {}",
            packages.join(" ")
        );
    }
    let mut update = Command::new("apt-get");
    update.args(["update", "-q"]);
    run(update)?;
    let mut install = Command::new("apt-get");
    install
        .args(["install", "-y", "-q", "--no-install-recommends"])
        .args(packages)
        .env("DEBIAN_FRONTEND", "noninteractive");
    run(install)
}

pub fn is_root() -> bool {
    output(Command::new("id").arg("-u")).is_ok_and(|uid| uid.trim() == "0")
}

/// The axe-core version the accessibility check runs; fetched from the npm
/// registry with npm (which checks the registry's integrity hash).
const AXE_CORE: &str = "axe-core@4.10.3";

/// `axe.min.js`, fetched once into the target folder.
pub fn axe_core(target: &std::path::Path) -> Result<PathBuf> {
    if Command::new("npm").arg("--version").output().is_err() {
        debian_packages(&["npm"])?;
    }
    npm_file(target, AXE_CORE, "package/axe.min.js")
}

/// binaryen's wasm-opt, version 132 from the npm registry (Debian's 108
/// miscompiles the client), or `None` without Node.js and npm: it only
/// makes the wasm a little smaller.
pub fn binaryen_wasm_opt(target: &std::path::Path) -> Result<Option<PathBuf>> {
    let has = |program: &str| Command::new(program).arg("--version").output().is_ok();
    if !has("node") || !has("npm") {
        eprintln!("note: no Node.js and npm here; the wasm is not run through wasm-opt");
        return Ok(None);
    }
    npm_file(target, "binaryen@132.0.0", "package/bin/wasm-opt").map(Some)
}

/// One file of an npm package, fetched once with `npm pack` (which checks
/// the registry's integrity hash) into the target folder.
fn npm_file(target: &std::path::Path, package: &str, file: &str) -> Result<PathBuf> {
    let folder = target.join("npm").join(package.replace('@', "-"));
    let script = folder.join(file);
    if script.exists() {
        return Ok(script);
    }
    std::fs::create_dir_all(&folder)?;
    let mut pack = Command::new("npm");
    pack.args(["pack", package, "--silent", "--pack-destination"])
        .arg(&folder);
    run(pack)?;
    let tarball = std::fs::read_dir(&folder)?
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .find(|path| path.extension().is_some_and(|e| e == "tgz"));
    let Some(tarball) = tarball else {
        bail!("npm pack {package} left no tarball in {}", folder.display());
    };
    let mut unpack = Command::new("tar");
    unpack
        .arg("-xzf")
        .arg(&tarball)
        .arg("-C")
        .arg(&folder)
        .arg(file);
    run(unpack)?;
    Ok(script)
}

/// R and its `survey` package: the independent oracle the estimators are
/// checked against (`shared/tests/oracle.rs`).
pub fn r_survey() -> Result<()> {
    let has_survey = Command::new("Rscript")
        .args(["-e", "library(survey)"])
        .output()
        .is_ok_and(|output| output.status.success());
    if has_survey {
        return Ok(());
    }
    debian_packages(&["r-base-core", "r-cran-survey"])
}

/// The DuckDB version the aggregation benchmark compares against.
const DUCKDB: &str = "duckdb==2.0.1";

/// A Python with DuckDB from PyPI, in a virtual environment under the
/// target folder (the aggregation benchmark's baseline).
pub fn duckdb_python(target: &std::path::Path) -> Result<PathBuf> {
    python_with(
        target,
        "duckdb-venv",
        DUCKDB,
        "import duckdb, sys; sys.exit(duckdb.__version__ != '2.0.1')",
    )
}

/// The pycanon version the microdata's k-anonymity is checked with.
const PYCANON: &str = "pycanon==1.3.6";

/// A Python with pycanon from PyPI (an independent check that every
/// microdata export is k-anonymous, `server/tests/analysis.rs`).
pub fn pycanon_python(target: &std::path::Path) -> Result<PathBuf> {
    python_with(
        target,
        "pycanon-venv",
        PYCANON,
        "import pycanon.anonymity, importlib.metadata as m, sys; sys.exit(m.version('pycanon') != '1.3.6')",
    )
}

/// A Python with `requirement` from PyPI in the virtual environment
/// `target/venv`, created when `check` (a Python program) fails in it.
fn python_with(
    target: &std::path::Path,
    venv: &str,
    requirement: &str,
    check: &str,
) -> Result<PathBuf> {
    let venv = target.join(venv);
    let python = venv.join("bin/python");
    let has_it = |python: &std::path::Path| {
        Command::new(python)
            .args(["-c", check])
            .output()
            .is_ok_and(|output| output.status.success())
    };
    if has_it(&python) {
        return Ok(python);
    }
    if Command::new("python3").arg("--version").output().is_err() {
        debian_packages(&["python3", "python3-venv"])?;
    }
    let mut create = Command::new("python3");
    create.args(["-m", "venv"]).arg(&venv);
    run(create)?;
    let mut install = Command::new(venv.join("bin/pip"));
    install.args(["install", "--quiet", requirement]);
    run(install)?;
    if !has_it(&python) {
        bail!("{requirement} did not install into {}", venv.display());
    }
    Ok(python)
}
