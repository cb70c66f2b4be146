//! A throwaway PostgreSQL cluster for the storage conformance suite: Debian's
//! binaries, a fresh data folder, a free port on 127.0.0.1, stopped and
//! removed when the tests are done (also when they fail).

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, Result};

use crate::provision;
use crate::shell::run;

/// Tests do not need crash safety and run faster without it; benchmarks
/// measure what production pays.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    Fsync,
    NoFsync,
}

pub struct Postgres {
    bin: PathBuf,
    data: PathBuf,
    pub url: String,
}

impl Postgres {
    pub fn start(durability: Durability) -> Result<Self> {
        let bin = match binaries() {
            Some(bin) => bin,
            None => {
                provision::debian_packages(&["postgresql"])?;
                binaries()
                    .context("postgresql installed, but no initdb under /usr/lib/postgresql")?
            }
        };
        let data =
            std::env::temp_dir().join(format!("salama-test-postgres-{}", std::process::id()));
        if data.exists() {
            std::fs::remove_dir_all(&data)?;
        }
        std::fs::create_dir_all(&data)?;
        let as_root = provision::is_root();
        if as_root {
            // PostgreSQL refuses to run as root: the cluster belongs to `postgres`.
            let mut chown = Command::new("chown");
            chown.args(["postgres:postgres"]).arg(&data);
            run(chown)?;
        }
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let cluster = Self {
            bin,
            data,
            url: format!("postgres://salama@127.0.0.1:{port}/postgres"),
        };
        let data = cluster.data.display().to_string();
        cluster.pg(
            as_root,
            "initdb",
            &[
                "-D",
                &data,
                "-U",
                "salama",
                "-A",
                "trust",
                "--no-sync",
                "-E",
                "UTF8",
            ],
        )?;
        let fsync = if durability == Durability::Fsync {
            "on"
        } else {
            "off"
        };
        let options = format!(
            "-p {port} -k {data} -c listen_addresses=127.0.0.1 -c fsync={fsync} -c max_connections=200"
        );
        let log = format!("{data}/server.log");
        cluster.pg(
            as_root,
            "pg_ctl",
            &["-D", &data, "-l", &log, "-o", &options, "-w", "start"],
        )?;
        Ok(cluster)
    }

    fn pg(&self, as_root: bool, program: &str, args: &[&str]) -> Result<()> {
        let program = self.bin.join(program);
        let mut command = if as_root {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(&program);
            command
        } else {
            Command::new(&program)
        };
        command.args(args).current_dir(std::env::temp_dir());
        run(command)
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let data = self.data.display().to_string();
        if let Err(error) = self.pg(
            provision::is_root(),
            "pg_ctl",
            &["-D", &data, "-m", "immediate", "-w", "stop"],
        ) {
            eprintln!("warning: could not stop the test PostgreSQL: {error:#}");
        }
        let _ = std::fs::remove_dir_all(&self.data);
    }
}

/// The newest PostgreSQL server binaries Debian installed.
fn binaries() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let version = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}
