//! `salama`: the Salama server binary.

use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use salama_server::Config;
use salama_server::auth::{self, Role};
use salama_server::limits::RateLimits;
use salama_server::store::{Revocation, Store};
use salama_server::{boot, publishing};
use salama_shared::Survey;
use tracing_subscriber::EnvFilter;

#[derive(Parser)]
#[command(
    name = "salama",
    version,
    about = "Perception-of-security surveys: collect, validate, aggregate",
    after_help = "Logging: set RUST_LOG (default `info,sqlx=warn`); logs carry request ids, \
                  status and latency, never answers or credentials."
)]
struct Cli {
    #[command(flatten)]
    options: Options,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Args)]
struct Options {
    /// Where data lives: `sqlite://PATH` (created on first start) or `postgres://…`.
    #[arg(
        long,
        env = "DATABASE_URL",
        hide_env_values = true,
        default_value = "sqlite://data/salama.db",
        global = true
    )]
    database_url: String,
    /// Address to serve on.
    #[arg(
        long,
        env = "SALAMA_LISTEN",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    listen: SocketAddr,
    /// Largest request body accepted, in bytes.
    #[arg(long, env = "SALAMA_BODY_LIMIT", default_value_t = 1024 * 1024, global = true)]
    body_limit: usize,
    /// Login attempts allowed per minute from one address.
    #[arg(long, env = "SALAMA_LOGINS_PER_MINUTE", default_value_t = NonZeroU32::new(10).expect("not zero"), global = true)]
    logins_per_minute: NonZeroU32,
    /// Anonymous submissions allowed per minute from one address.
    #[arg(long, env = "SALAMA_SUBMISSIONS_PER_MINUTE", default_value_t = NonZeroU32::new(60).expect("not zero"), global = true)]
    submissions_per_minute: NonZeroU32,
    /// The web client's built files, served for every path outside the API.
    #[arg(long, env = "SALAMA_STATIC_DIR", global = true)]
    static_dir: Option<PathBuf>,
    /// Mark session cookies `Secure` and send HSTS; set it when serving behind HTTPS.
    #[arg(long, env = "SALAMA_SECURE_COOKIES", global = true)]
    secure_cookies: bool,
    /// A reverse proxy (address or CIDR network) whose `X-Forwarded-For` or
    /// `Forwarded` header names the client, for rate limits and the audit
    /// log. Repeat it for several; the environment takes a comma-separated list.
    #[arg(long = "trusted-proxy", env = "SALAMA_TRUSTED_PROXIES", value_delimiter = ',', value_parser = salama_server::client_address::parse_trusted_proxy, global = true)]
    trusted_proxies: Vec<ipnet::IpNet>,
}

impl Options {
    fn config(&self) -> Config {
        Config {
            body_limit: self.body_limit,
            rate_limits: RateLimits {
                logins_per_minute: self.logins_per_minute,
                submissions_per_minute: self.submissions_per_minute,
            },
            secure_cookies: self.secure_cookies,
            trusted_proxies: self.trusted_proxies.clone(),
            static_dir: self.static_dir.clone(),
            ..Config::default()
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API (the default).
    Serve,
    /// Bring the database schema up to date and exit.
    Migrate,
    /// Work with survey definitions.
    Survey {
        #[command(subcommand)]
        command: SurveyCommand,
    },
    /// Aggregation facts.
    Facts {
        #[command(subcommand)]
        command: FactsCommand,
    },
    /// Read every stored submission and fact row as the service does and
    /// list those that cannot be read (exits 1 if there are any).
    Doctor,
    /// Manage the people and devices that log in.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// A survey's disclosure policy: what its tables may show.
    Disclosure {
        #[command(subcommand)]
        command: DisclosureCommand,
    },
}

#[derive(Subcommand)]
enum DisclosureCommand {
    /// Print the policy in force, its version and the versions before.
    Show { survey: String },
    /// Set the policy as a new version (audited): the settings given
    /// change, the others stay as they are.
    Set {
        survey: String,
        /// Fewest unweighted cases an estimate is shown over (10 to 1000).
        #[arg(long)]
        min_n: Option<u32>,
        /// Estimates over fewer cases are shown "with caution".
        #[arg(long)]
        caution_n: Option<u32>,
        /// k: the smallest non-zero count shown (3 to 1000).
        #[arg(long)]
        min_count: Option<u32>,
        /// The publication rules analysts may choose, the default first
        /// (comma-separated).
        #[arg(long, value_delimiter = ',', value_parser = ["dhs_mics", "nchs"])]
        rules: Vec<String>,
        /// The only length of period a date filter may select.
        #[arg(long, value_parser = ["month", "quarter", "year", "fieldwork"])]
        period: Option<String>,
        /// The deepest admin-area level shown or filtered on (1 = top).
        #[arg(long)]
        area_level: Option<u8>,
        /// Age bands of respondents' indicators.
        #[arg(long, value_parser = ["un_adult", "sadd"])]
        respondent_age_scheme: Option<String>,
        /// Age bands of household members' indicators.
        #[arg(long, value_parser = ["un_adult", "sadd"])]
        member_age_scheme: Option<String>,
        /// The largest ratio between the largest and the smallest weight.
        #[arg(long)]
        max_weight_ratio: Option<f64>,
    },
}

#[derive(Subcommand)]
enum FactsCommand {
    /// Work the facts out again from the stored raw submissions.
    Rebuild {
        /// Only this survey (default: every survey).
        #[arg(long)]
        survey: Option<String>,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user; prints their password and device token once.
    Create {
        #[arg(long)]
        role: Role,
        name: String,
    },
    /// Revoke a user and every token and session they hold.
    Revoke { name: String },
}

#[derive(Subcommand)]
enum SurveyCommand {
    /// Check a survey definition (JSON, or an XLSForm .xlsx or .xls) and
    /// list every problem in it: with its JSON path, or its sheet, row and
    /// column.
    Check {
        /// The survey definition; `-` reads standard input.
        file: PathBuf,
        /// Print the problems as JSON instead of one per line.
        #[arg(long)]
        json: bool,
    },
    /// Import an XLSForm (.xlsx or .xls) as a survey definition (JSON),
    /// listing every problem with its sheet, row and column.
    Import {
        file: PathBuf,
        /// Where to write the definition (default: standard output).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Export a survey as an XLSForm (.xlsx) that `survey import` reads back
    /// to the same definition: a definition file (JSON), or a published
    /// survey by id from the database.
    Export {
        /// A survey definition (`FILE.json`), or the id of a published survey.
        source: String,
        /// With a survey id: this version (default: the latest).
        #[arg(long)]
        version: Option<u32>,
        /// The workbook to write.
        #[arg(long)]
        out: PathBuf,
    },
    /// Check a survey definition (JSON, or an XLSForm .xlsx or .xls) and
    /// publish it as a new immutable version.
    Publish {
        file: PathBuf,
        /// Let anyone answer it online without an account (also when the
        /// file says `"public": true`).
        #[arg(long)]
        public: bool,
    },
}

#[tokio::main]
async fn main() -> Result<ExitCode> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let cli = Cli::parse();
    let options = cli.options;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(&options).await,
        Command::Migrate => {
            open(&options).await?.close().await;
            eprintln!("database is up to date");
            Ok(ExitCode::SUCCESS)
        }
        Command::Survey {
            command: SurveyCommand::Check { file, json },
        } => check(&file, json),
        Command::Survey {
            command: SurveyCommand::Import { file, out },
        } => import(&file, out.as_deref()),
        Command::Survey {
            command:
                SurveyCommand::Export {
                    source,
                    version,
                    out,
                },
        } => export(&options, &source, version, &out).await,
        Command::Survey {
            command: SurveyCommand::Publish { file, public },
        } => publish(&options, &file, public).await,
        Command::Facts {
            command: FactsCommand::Rebuild { survey },
        } => {
            let store = open(&options).await?;
            let rebuilt = salama_server::facts::rebuild(&store, survey.as_deref()).await?;
            store.close().await;
            eprintln!(
                "rebuilt facts for {} survey(s): {} submission(s), {} unit(s)",
                rebuilt.surveys, rebuilt.submissions, rebuilt.units
            );
            for skipped in &rebuilt.skipped {
                eprintln!(
                    "no facts for {}: {}",
                    skipped.submission_id.escape_debug(),
                    skipped.reason.explained()
                );
            }
            Ok(if rebuilt.skipped.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Doctor => {
            let store = open(&options).await?;
            let checkup = salama_server::doctor::examine(&store).await?;
            store.close().await;
            print!("{}", salama_server::doctor::describe(&checkup));
            Ok(if checkup.is_healthy() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Disclosure { command } => disclosure(&options, command).await,
        Command::User {
            command: UserCommand::Create { role, name },
        } => {
            let store = open(&options).await?;
            let new = auth::create_user(&store, &name, role, "cli").await?;
            println!("Created {name} ({role}). Shown once, keep them safe:");
            println!("  password: {}", new.password);
            println!("  token:    {}", new.token);
            store.close().await;
            Ok(ExitCode::SUCCESS)
        }
        Command::User {
            command: UserCommand::Revoke { name },
        } => {
            let store = open(&options).await?;
            let revoked = auth::revoke_user(&store, &name, "cli").await?;
            store.close().await;
            match revoked {
                Revocation::Revoked => {
                    eprintln!("revoked {name} and all their tokens and sessions");
                    Ok(ExitCode::SUCCESS)
                }
                Revocation::NotActive => {
                    eprintln!("no active user named {name}");
                    Ok(ExitCode::FAILURE)
                }
                Revocation::LastAdmin => {
                    eprintln!(
                        "{name} is the last active admin: create another admin first (`salama user create --role admin NAME`)"
                    );
                    Ok(ExitCode::FAILURE)
                }
            }
        }
    }
}

/// `salama disclosure show|set`: through the store functions the API uses,
/// audited as `cli`.
async fn disclosure(options: &Options, command: DisclosureCommand) -> Result<ExitCode> {
    use salama_shared::aggregate::AgeScheme;
    use salama_shared::disclosure::Period;
    use salama_shared::publication::Rule;
    let survey_id = match &command {
        DisclosureCommand::Show { survey } | DisclosureCommand::Set { survey, .. } => {
            survey.clone()
        }
    };
    let store = open(options).await?;
    let Some(stored) = store.survey(&survey_id, None).await? else {
        store.close().await;
        eprintln!("no survey `{}` in the database", survey_id.escape_debug());
        return Ok(ExitCode::FAILURE);
    };
    let survey = Survey::from_json(&stored.definition).with_context(|| {
        format!(
            "stored survey {survey_id} v{} does not parse",
            stored.version
        )
    })?;
    let code = match command {
        DisclosureCommand::Show { .. } => {
            let current = store.current_disclosure_policy(&survey_id).await?;
            match (&current.set_by, &current.set_at) {
                (Some(by), Some(at)) => println!(
                    "{survey_id}: disclosure policy version {}, set by {by} at {at}",
                    current.version
                ),
                _ => println!("{survey_id}: the default disclosure policy (none set)"),
            }
            for (name, value) in current.policy.settings() {
                println!("  {name} {value}");
            }
            let history = store.disclosure_history(&survey_id).await?;
            for (newer, older) in history
                .iter()
                .zip(history.iter().skip(1).map(Some).chain([None]))
            {
                let default = salama_shared::disclosure::DisclosurePolicy::default();
                let before = older.map_or(&default, |older| &older.policy);
                let changes = before.changes_to(&newer.policy);
                println!(
                    "version {} by {} at {}: {}",
                    newer.version,
                    newer.set_by,
                    newer.set_at,
                    if changes.is_empty() {
                        "no change".to_owned()
                    } else {
                        changes.join(", ")
                    }
                );
            }
            ExitCode::SUCCESS
        }
        DisclosureCommand::Set {
            min_n,
            caution_n,
            min_count,
            rules,
            period,
            area_level,
            respondent_age_scheme,
            member_age_scheme,
            max_weight_ratio,
            ..
        } => {
            let mut policy = store.disclosure_policy(&survey_id).await?;
            // clap has checked the names against the same lists.
            let rule = |name: &str| Rule::ALL.into_iter().find(|rule| rule.as_str() == name);
            policy.min_n = min_n.unwrap_or(policy.min_n);
            policy.caution_n = caution_n.unwrap_or(policy.caution_n);
            policy.min_count = min_count.unwrap_or(policy.min_count);
            if !rules.is_empty() {
                policy.rules = rules.iter().filter_map(|name| rule(name)).collect();
            }
            policy.period = period
                .as_deref()
                .and_then(Period::parse)
                .unwrap_or(policy.period);
            policy.area_level = area_level.unwrap_or(policy.area_level);
            policy.respondent_age_scheme = respondent_age_scheme
                .as_deref()
                .and_then(AgeScheme::parse)
                .unwrap_or(policy.respondent_age_scheme);
            policy.member_age_scheme = member_age_scheme
                .as_deref()
                .and_then(AgeScheme::parse)
                .unwrap_or(policy.member_age_scheme);
            policy.max_weight_ratio = max_weight_ratio.unwrap_or(policy.max_weight_ratio);
            let problems = policy.problems_for(&survey);
            if problems.is_empty() {
                let version = store
                    .set_disclosure_policy(&survey_id, &policy, "cli")
                    .await?;
                eprintln!("{survey_id}: disclosure policy version {version} set");
                ExitCode::SUCCESS
            } else {
                for problem in &problems {
                    println!("{}: {}: {}", problem.path, problem.code, problem.message);
                }
                eprintln!("{} problem(s); nothing set", problems.len());
                ExitCode::FAILURE
            }
        }
    };
    store.close().await;
    Ok(code)
}

async fn open(options: &Options) -> Result<Store> {
    Store::open(&options.database_url)
        .await
        .with_context(|| format!("opening the database {}", redact(&options.database_url)))
}

/// The URL without its password, for logs and messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

async fn serve(options: &Options) -> Result<ExitCode> {
    let store = open(options).await?;
    let mut server = boot::Server::prepare(store, options.config()).await?;
    if let Some(admin) = server.take_first_admin() {
        println!("First start: created the administrator `admin`. Shown once, keep them safe:");
        println!("  password: {}", admin.password);
        println!("  token:    {}", admin.token);
    }
    let listener = boot::listen(options.listen).await?;
    let address = listener.local_addr()?;
    tracing::info!(%address, database = server.store().backend(), "serving");
    eprintln!("Salama is serving on http://{address}");
    server.serve(listener, shutdown()).await?;
    server.store().close().await;
    Ok(ExitCode::SUCCESS)
}

async fn shutdown() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

fn read(file: &Path) -> Result<String> {
    if file.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin()).context("reading standard input")
    } else {
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))
    }
}

/// Reads and checks a definition (JSON, or an XLSForm by its extension or
/// its bytes), printing every problem; `None` if it has any.
fn checked(file: &Path, json: bool) -> Result<Option<Survey>> {
    let survey = match read_definition(file)? {
        Ok(survey) => survey,
        Err(problems) => {
            report(&problems, json)?;
            return Ok(None);
        }
    };
    let problems: Vec<Listed> = survey
        .check()
        .into_iter()
        .map(|problem| Listed {
            code: serde_json::to_value(problem.code)
                .ok()
                .and_then(|code| code.as_str().map(str::to_owned))
                .unwrap_or_default(),
            path: problem.path,
            message: problem.message,
            line: None,
        })
        .collect();
    if problems.is_empty() {
        if json {
            println!("[]");
        }
        eprintln!("{} version {}: no problems", survey.id, survey.version);
        Ok(Some(survey))
    } else {
        report(&problems, json)?;
        Ok(None)
    }
}

/// A problem as `survey check` lists it: one line `path: code: message`, or
/// an object of the `--json` list.
#[derive(serde::Serialize)]
struct Listed {
    path: String,
    code: String,
    message: String,
    /// The line printed, when not `path: code: message` (an XLSForm's
    /// problems name their sheet, row and column in words).
    #[serde(skip)]
    line: Option<String>,
}

fn report(problems: &[Listed], json: bool) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(problems)?);
    } else {
        for problem in problems {
            if let Some(line) = &problem.line {
                println!("{line}");
            } else if problem.path.is_empty() {
                println!("{}: {}", problem.code, problem.message);
            } else {
                println!("{}: {}: {}", problem.path, problem.code, problem.message);
            }
        }
    }
    eprintln!("{} problem(s)", problems.len());
    Ok(())
}

/// The survey in `file`, or the problems that stop it being read: for JSON
/// every shape problem with its JSON path, for an XLSForm every problem
/// with its sheet, row and column.
fn read_definition(file: &Path) -> Result<std::result::Result<Survey, Vec<Listed>>> {
    let is_workbook = matches!(
        file.extension().and_then(|extension| extension.to_str()),
        Some(extension) if extension.eq_ignore_ascii_case("xlsx") || extension.eq_ignore_ascii_case("xls")
    );
    if is_workbook {
        let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
        let name = file
            .file_name()
            .and_then(|name| name.to_str())
            .unwrap_or("");
        let folder = workbook_folder(file);
        let files = salama_server::xlsform::Files::Folder(&folder);
        return Ok(
            match salama_server::xlsform::import_with(&bytes, name, files) {
                Ok(imported) => {
                    for note in &imported.notes {
                        eprintln!("note: {note}");
                    }
                    Ok(imported.survey)
                }
                Err(problems) => Err(problems
                    .into_iter()
                    .map(|problem| Listed {
                        path: problem.path(),
                        code: problem.code.clone(),
                        line: Some(problem.to_string()),
                        message: problem.message,
                    })
                    .collect()),
            },
        );
    }
    Ok(
        salama_server::shape::read::<Survey>(&read(file)?).map_err(|problems| {
            problems
                .into_iter()
                .map(|problem| Listed {
                    path: problem.path,
                    code: problem.code.to_owned(),
                    message: problem.message,
                    line: None,
                })
                .collect()
        }),
    )
}

/// Where the files a workbook names (`select_one_from_file towns.csv`)
/// are looked for: beside it.
fn workbook_folder(file: &Path) -> std::path::PathBuf {
    match file.parent() {
        Some(folder) if !folder.as_os_str().is_empty() => folder.to_owned(),
        _ => std::path::PathBuf::from("."),
    }
}

fn import(file: &Path, out: Option<&Path>) -> Result<ExitCode> {
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let name = file
        .file_name()
        .and_then(|name| name.to_str())
        .unwrap_or("");
    let folder = workbook_folder(file);
    let files = salama_server::xlsform::Files::Folder(&folder);
    let imported = match salama_server::xlsform::import_with(&bytes, name, files) {
        Ok(imported) => imported,
        Err(problems) => {
            for problem in &problems {
                println!("{problem}");
            }
            eprintln!("{}: {} problem(s) listed", file.display(), problems.len());
            return Ok(ExitCode::FAILURE);
        }
    };
    for note in &imported.notes {
        eprintln!("note: {note}");
    }
    let json = imported.survey.to_json_pretty();
    match out {
        Some(out) => {
            std::fs::write(out, format!("{json}\n"))
                .with_context(|| format!("writing {}", out.display()))?;
            eprintln!(
                "{} version {}: imported to {}",
                imported.survey.id,
                imported.survey.version,
                out.display()
            );
        }
        None => println!("{json}"),
    }
    Ok(ExitCode::SUCCESS)
}

/// `source` is a definition file when it names one (or ends in `.json`),
/// else a published survey's id.
async fn export(
    options: &Options,
    source: &str,
    version: Option<u32>,
    out: &Path,
) -> Result<ExitCode> {
    let as_file = Path::new(source);
    let survey = if as_file.is_file() || source.ends_with(".json") {
        if version.is_some() {
            anyhow::bail!("--version is for a survey read from the database, not from {source}");
        }
        let Some(survey) = checked(as_file, false)? else {
            return Ok(ExitCode::FAILURE);
        };
        survey
    } else {
        let store = open(options).await?;
        let stored = store.survey(source, version).await;
        store.close().await;
        let Some(stored) = stored? else {
            eprintln!(
                "no survey `{source}`{} in the database",
                version.map(|v| format!(" version {v}")).unwrap_or_default()
            );
            return Ok(ExitCode::FAILURE);
        };
        Survey::from_json(&stored.definition)
            .with_context(|| format!("stored survey {source} v{} does not parse", stored.version))?
    };
    let exported = salama_server::xlsform::export::export(&survey)?;
    std::fs::write(out, &exported.bytes).with_context(|| format!("writing {}", out.display()))?;
    for loss in &exported.losses {
        eprintln!("not carried: {loss}");
    }
    eprintln!(
        "{} version {}: exported to {}",
        survey.id,
        survey.version,
        out.display()
    );
    Ok(if exported.losses.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn check(file: &Path, json: bool) -> Result<ExitCode> {
    Ok(if checked(file, json)?.is_some() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

async fn publish(options: &Options, file: &Path, public: bool) -> Result<ExitCode> {
    let Some(mut survey) = checked(file, false)? else {
        return Ok(ExitCode::FAILURE);
    };
    survey.public |= public;
    let store = open(options).await?;
    let publication = publishing::publish(&store, &survey, &survey.to_json_pretty(), "cli").await?;
    let stored = publication.survey;
    eprintln!(
        "published {} version {} ({})",
        stored.survey_id,
        stored.version,
        if stored.public {
            "public"
        } else {
            "not public"
        }
    );
    store.close().await;
    Ok(ExitCode::SUCCESS)
}
