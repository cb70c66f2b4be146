//! `salama`: the Salama server binary. Serving, storage and users arrive with
//! the server issue; today it checks survey definitions with the same rules
//! the server will apply before publishing one.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use salama_shared::Survey;

#[derive(Parser)]
#[command(
    name = "salama",
    version,
    about = "Perception-of-security surveys: collect, validate, aggregate"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Work with survey definitions.
    Survey {
        #[command(subcommand)]
        command: SurveyCommand,
    },
}

#[derive(Subcommand)]
enum SurveyCommand {
    /// Check a survey definition (JSON) and list every problem in it.
    Check {
        /// The survey definition; `-` reads standard input.
        file: PathBuf,
        /// Print the problems as JSON instead of one per line.
        #[arg(long)]
        json: bool,
    },
}

fn main() -> Result<ExitCode> {
    match Cli::parse().command {
        Command::Survey {
            command: SurveyCommand::Check { file, json },
        } => check(&file, json),
    }
}

fn check(file: &PathBuf, json: bool) -> Result<ExitCode> {
    let text = if file.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin()).context("reading standard input")?
    } else {
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?
    };
    let survey = match Survey::from_json(&text) {
        Ok(survey) => survey,
        Err(error) => {
            eprintln!("{}: not a survey definition: {error}", file.display());
            return Ok(ExitCode::from(2));
        }
    };
    let problems = survey.check();
    if json {
        println!("{}", serde_json::to_string_pretty(&problems)?);
    } else {
        for problem in &problems {
            println!(
                "{}: {}: {}",
                problem.path,
                serde_json::to_value(problem.code)?.as_str().unwrap_or("?"),
                problem.message
            );
        }
    }
    if problems.is_empty() {
        eprintln!("{} version {}: no problems", survey.id, survey.version);
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("{} problem(s)", problems.len());
        Ok(ExitCode::FAILURE)
    }
}
