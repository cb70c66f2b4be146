//! The disclosure attack suite (issue #18): an analyst with the public API
//! tries every subtraction the issue lists (a total minus the other cells,
//! one month minus the whole fieldwork, margins of one table against the
//! cells of another, one rule's table against the other's) on a survey
//! with 3 men among 100 women, a respondent alone in a month and small age
//! groups, and an independent attacker pools every number shown.
//!
//! The attacker treats every shown count as a linear equation over the
//! finest groups any table tells apart (sex × age band × region × month,
//! "unknown" included), knowing nothing else about the respondents: the
//! intruder model of linear suppression auditing (τ-ARGUS, sdcTable). A
//! group is exposed when its count (and with it, since estimates are
//! shown to 0.1 point, its number of "yes") is a linear combination of
//! the shown counts. No group of fewer than the policy's minimum may be
//! exposed, on either database. An intruder who also knows which of these
//! groups are empty (everyone who answered in September lives in the
//! north) is outside this model: see the README's guarantee.

mod common;

use std::collections::BTreeMap;

use reqwest::StatusCode;
use salama_server::auth::Role;
use serde_json::{Value, json};

const SURVEY: &str = "community-safety";
const REGIONS: [(&str, [&str; 2]); 3] = [
    ("north", ["north-hills", "north-river"]),
    ("central", ["central-capital", "central-lakeside"]),
    ("south", ["south-coast", "south-plains"]),
];
const MIN_N: usize = 25;
const K: usize = 5;

#[derive(Clone, Debug)]
struct Person {
    sex: &'static str,
    age: u32,
    region: &'static str,
    district: &'static str,
    date: String,
    saf_1: &'static str,
}

impl Person {
    fn month(&self) -> &str {
        &self.date[..7]
    }
}

/// 100 women over three months, three men, and one woman alone in August.
fn people() -> Vec<Person> {
    const SAF_1: [&str; 8] = [
        "safe",
        "unsafe",
        "very_safe",
        "safe",
        "dk",
        "very_unsafe",
        "safe",
        "never",
    ];
    let mut people: Vec<Person> = (0..100)
        .map(|i| {
            let (region, districts) = REGIONS[i % 3];
            Person {
                sex: "female",
                age: 18 + ((i * 7) % 63) as u32,
                region,
                district: districts[(i / 3) % 2],
                date: format!("2026-{:02}-{:02}", 9 + i % 3, 1 + (i * 5) % 28),
                saf_1: SAF_1[i % SAF_1.len()],
            }
        })
        .collect();
    let man = |age, region, district, date: &str, saf_1| Person {
        sex: "male",
        age,
        region,
        district,
        date: date.to_owned(),
        saf_1,
    };
    people.push(man(30, "north", "north-hills", "2026-09-10", "safe"));
    people.push(man(62, "north", "north-river", "2026-10-12", "safe"));
    people.push(man(
        45,
        "central",
        "central-capital",
        "2026-11-03",
        "unsafe",
    ));
    people.push(Person {
        sex: "female",
        age: 63,
        region: "south",
        district: "south-coast",
        date: "2026-08-15".into(),
        saf_1: "safe",
    });
    people
}

fn answer(person: &Person) -> Value {
    let mut submission = common::online();
    let answers = &mut submission["answers"];
    answers["resp_sex"] = json!(person.sex);
    answers["resp_age"] = json!(person.age);
    answers["resp_area"] = json!([person.region, person.district]);
    answers["saf_1"] = json!(person.saf_1);
    if person.saf_1.contains("unsafe") {
        answers["saf_1c"] = json!(["crime"]);
    }
    if person.saf_1 == "never" {
        answers["saf_1b"] = json!("unsafe");
    }
    answers["household"] =
        json!([{"mem_relationship": "self", "mem_sex": person.sex, "mem_age": person.age}]);
    submission["started_at"] = json!(format!("{}T09:00:00Z", person.date));
    submission["completed_at"] = json!(format!("{}T09:20:00Z", person.date));
    submission
}

fn un_adult_band(age: u32) -> &'static str {
    match age {
        0..=24 => "under_25",
        25..=34 => "25-34",
        35..=44 => "35-44",
        45..=54 => "45-54",
        55..=64 => "55-64",
        _ => "65+",
    }
}

/// What the analyst asked for, to know which groups each shown number
/// is about.
struct Asked {
    month: Option<&'static str>,
    region: Option<&'static str>,
}

/// One of the finest groups the tables tell apart; `None`: unknown.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Atom {
    sex: Option<&'static str>,
    band: Option<&'static str>,
    region: Option<&'static str>,
    month: Option<&'static str>,
}

const SEXES: [Option<&str>; 3] = [Some("female"), Some("male"), None];
const BANDS: [Option<&str>; 7] = [
    Some("under_25"),
    Some("25-34"),
    Some("35-44"),
    Some("45-54"),
    Some("55-64"),
    Some("65+"),
    None,
];
const AREAS: [Option<&str>; 4] = [Some("north"), Some("central"), Some("south"), None];
const MONTHS: [Option<&str>; 5] = [
    Some("2026-08"),
    Some("2026-09"),
    Some("2026-10"),
    Some("2026-11"),
    None,
];

fn atoms() -> Vec<Atom> {
    let mut atoms = Vec::new();
    for sex in SEXES {
        for band in BANDS {
            for region in AREAS {
                for month in MONTHS {
                    atoms.push(Atom {
                        sex,
                        band,
                        region,
                        month,
                    });
                }
            }
        }
    }
    atoms
}

fn atom_of(person: &Person) -> Atom {
    Atom {
        sex: Some(person.sex),
        band: Some(un_adult_band(person.age)),
        region: Some(person.region),
        month: MONTHS.into_iter().flatten().find(|m| *m == person.month()),
    }
}

/// Whether `atom` is inside the cell `group` of a table filtered as `asked`.
fn in_cell(atom: &Atom, asked: &Asked, group: &[(&str, Option<&str>)]) -> bool {
    if asked.month.is_some_and(|month| atom.month != Some(month))
        || asked
            .region
            .is_some_and(|region| atom.region != Some(region))
    {
        return false;
    }
    group.iter().all(|(dimension, wanted)| {
        let actual = match *dimension {
            "sex" => atom.sex,
            "age_band" => atom.band,
            "area" => atom.region,
            other => panic!("unexpected dimension {other}"),
        };
        *wanted == actual
    })
}

/// Every cell a table over `by` has, "unknown" values included.
fn grid(by: &str) -> Vec<Vec<(&'static str, Option<&'static str>)>> {
    let mut cells = vec![Vec::new()];
    for dimension in by.split(',').filter(|d| !d.is_empty()) {
        let values: &[Option<&str>] = match dimension {
            "sex" => &SEXES,
            "age_band" => &BANDS,
            "area" => &AREAS,
            other => panic!("unexpected dimension {other}"),
        };
        let dimension: &'static str = match dimension {
            "sex" => "sex",
            "age_band" => "age_band",
            _ => "area",
        };
        cells = cells
            .into_iter()
            .flat_map(|cell| {
                values.iter().map(move |&value| {
                    let mut cell = cell.clone();
                    cell.push((dimension, value));
                    cell
                })
            })
            .collect();
    }
    cells
}

/// Rows over groups modulo a prime, kept in echelon form: what the
/// attacker can work out is their span.
struct Knowledge {
    rows: BTreeMap<usize, Vec<u64>>,
    /// What each shown number was, for the failure message.
    sources: Vec<String>,
}

const P: u64 = (1 << 61) - 1;
/// More than the groups (3 × 7 × 4 × 5): independent rows never outnumber them.
const MAX_SOURCES: usize = 512;

fn mul(a: u64, b: u64) -> u64 {
    ((u128::from(a) * u128::from(b)) % u128::from(P)) as u64
}

fn inverse(a: u64) -> u64 {
    let (mut base, mut exponent, mut result) = (a, P - 2, 1u64);
    while exponent > 0 {
        if exponent & 1 == 1 {
            result = mul(result, base);
        }
        base = mul(base, base);
        exponent >>= 1;
    }
    result
}

impl Knowledge {
    fn new() -> Self {
        Self {
            rows: BTreeMap::new(),
            sources: Vec::new(),
        }
    }

    /// `row` reduced by what is known: all zero when it follows from it.
    fn reduce(&self, mut row: Vec<u64>) -> Vec<u64> {
        for (&lead, pivot) in &self.rows {
            let factor = row[lead];
            if factor != 0 {
                for (value, &p) in row.iter_mut().zip(pivot) {
                    *value = (*value + P - mul(factor, p)) % P;
                }
            }
        }
        row
    }

    /// Adds a shown number; only those that add to what is known keep a
    /// column of their own for the derivations.
    fn learn(&mut self, row: Vec<u64>, source: String) {
        let mut row = row;
        row.extend(std::iter::repeat_n(0, MAX_SOURCES));
        let id = self.sources.len();
        let people = row.len() - MAX_SOURCES;
        row[people + id] = 1;
        let row = self.reduce(row);
        if let Some(lead) = row[..people].iter().position(|&v| v != 0) {
            assert!(id + 1 < MAX_SOURCES, "more independent numbers than groups");
            self.sources.push(source);
            let scale = inverse(row[lead]);
            let row: Vec<u64> = row.iter().map(|&v| mul(v, scale)).collect();
            // Keep earlier rows reduced against the new pivot.
            for other in self.rows.values_mut() {
                let factor = other[lead];
                if factor != 0 {
                    for (value, &p) in other.iter_mut().zip(&row) {
                        *value = (*value + P - mul(factor, p)) % P;
                    }
                }
            }
            self.rows.insert(lead, row);
        }
    }

    /// The shown numbers whose combination gives `row`'s population, if
    /// they do.
    fn derivation(&self, mut row: Vec<u64>) -> Option<Vec<String>> {
        let people = row.len();
        row.extend(std::iter::repeat_n(0, MAX_SOURCES));
        let reduced = self.reduce(row);
        reduced[..people].iter().all(|&v| v == 0).then(|| {
            reduced[people..]
                .iter()
                .enumerate()
                .filter(|(_, v)| **v != 0)
                .map(|(id, v)| {
                    let sign = if *v > P / 2 { "-" } else { "+" };
                    format!("{sign} {}", self.sources[id])
                })
                .collect()
        })
    }
}

/// Every group an attacker might aim at: sex × age band × region ×
/// month, each "any" or one value.
fn targets() -> Vec<(String, Vec<bool>)> {
    let any = |values: &[Option<&'static str>]| {
        std::iter::once(None)
            .chain(values.iter().flatten().map(|v| Some(*v)))
            .collect::<Vec<_>>()
    };
    let atoms = atoms();
    let mut targets = Vec::new();
    for sex in any(&SEXES) {
        for band in any(&BANDS) {
            for region in any(&AREAS) {
                for month in any(&MONTHS) {
                    let members = atoms
                        .iter()
                        .map(|atom| {
                            sex.is_none_or(|s| atom.sex == Some(s))
                                && band.is_none_or(|b| atom.band == Some(b))
                                && region.is_none_or(|r| atom.region == Some(r))
                                && month.is_none_or(|m| atom.month == Some(m))
                        })
                        .collect();
                    targets.push((format!("{sex:?} {band:?} {region:?} {month:?}"), members));
                }
            }
        }
    }
    targets
}

async fn table(server: &common::Server, token: &str, query: &str) -> Value {
    let response = server
        .client
        .get(server.url(&format!("/api/surveys/{SURVEY}/aggregates?{query}")))
        .bearer_auth(token)
        .send()
        .await
        .expect("aggregates");
    let status = response.status();
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(status, StatusCode::OK, "{query}: {body:#}");
    body
}

async fn an_analyst_recovers_nothing_below_the_policy(server: common::Server) {
    let people = people();
    for person in &people {
        let (status, body) = server.submit(&answer(person)).await;
        assert_eq!(status, StatusCode::CREATED, "{person:?}: {body:#}");
    }
    let (_, analyst) = server.user("analyst", Role::Analyst).await;

    // The first attack, by hand: total × n minus women × n.
    let by_sex = table(
        &server,
        &analyst,
        "indicator=sdg_16_1_4&channel=online&by=sex",
    )
    .await;
    let cells = by_sex["populations"][0]["cells"].as_array().expect("cells");
    let total = &cells[0];
    assert_eq!(total["n"].as_u64(), Some(people.len() as u64), "{by_sex:#}");
    for sex in ["male", "female"] {
        let cell = cells
            .iter()
            .find(|c| c["group"][0]["value"] == sex)
            .expect("cell");
        assert_eq!(cell["flag"], "suppressed", "{sex}: {cell:#}");
        for field in ["n", "weighted_n", "estimate", "ci_lower", "ci_upper"] {
            assert!(cell.get(field).is_none(), "{sex} shows {field}: {cell:#}");
        }
    }

    // Every table the policy allows, pooled.
    let atom_list = atoms();
    let mut counts = Knowledge::new();
    let mut reported: Vec<Knowledge> = vec![Knowledge::new(), Knowledge::new()];
    let breakdowns = [
        "",
        "sex",
        "age_band",
        "area",
        "sex,age_band",
        "sex,area",
        "age_band,area",
        "sex,age_band,area",
    ];
    let months: [Option<(&str, &str, &str)>; 5] = [
        None,
        Some(("2026-08", "2026-08-01", "2026-08-31")),
        Some(("2026-09", "2026-09-01", "2026-09-30")),
        Some(("2026-10", "2026-10-01", "2026-10-31")),
        Some(("2026-11", "2026-11-01", "2026-11-30")),
    ];
    let mut tables = 0;
    let only: Option<Vec<String>> = std::env::var("DEBUG_ATTACK_BY")
        .ok()
        .map(|list| list.split(';').map(str::to_owned).collect());
    for by in breakdowns {
        if only
            .as_ref()
            .is_some_and(|only| !only.iter().any(|o| o == by))
        {
            continue;
        }
        // The other rule's tables only where a rule could matter most: it
        // withholds more, never less, so the pooled attack is no weaker.
        let rules: &[&str] = if matches!(by, "sex" | "sex,area") {
            &["dhs_mics", "nchs"]
        } else {
            &["dhs_mics"]
        };
        for &rule in rules {
            for month in months {
                for region in [None, Some("north"), Some("central"), Some("south")] {
                    let mut query = format!("indicator=sdg_16_1_4&channel=online&rule={rule}");
                    if !by.is_empty() {
                        query.push_str(&format!("&by={by}"));
                    }
                    if let Some((_, from, to)) = month {
                        query.push_str(&format!("&from={from}&to={to}"));
                    }
                    if let Some(region) = region {
                        query.push_str(&format!("&area={region}"));
                    }
                    let body = table(&server, &analyst, &query).await;
                    tables += 1;
                    let asked = Asked {
                        month: month.map(|(month, _, _)| month),
                        region,
                    };
                    let population = &body["populations"][0];
                    let shown = population["cells"].as_array().expect("cells");
                    for cell in grid(by).into_iter().chain([Vec::new()]) {
                        let found = shown.iter().find(|c| {
                            let group = c["group"].as_array().expect("group");
                            group.len() == cell.len()
                                && group.iter().zip(&cell).all(|(value, (dimension, wanted))| {
                                    value["dimension"] == *dimension
                                        && value["value"].as_str() == *wanted
                                })
                        });
                        let row = |of: &dyn Fn(&Atom) -> u64| -> Vec<u64> {
                            atom_list
                                .iter()
                                .map(|atom| {
                                    if in_cell(atom, &asked, &cell) {
                                        of(atom)
                                    } else {
                                        0
                                    }
                                })
                                .collect()
                        };
                        let members = row(&|_| 1);
                        let truth = |category: Option<&str>| -> u64 {
                            people
                                .iter()
                                .filter(|p| {
                                    in_cell(&atom_of(p), &asked, &cell)
                                        && category.is_none_or(|c| p.saf_1 == c)
                                })
                                .count() as u64
                        };
                        let Some(found) = found else {
                            // Only an empty "unknown" cell may be left out,
                            // and leaving it out says it is empty.
                            assert!(
                                cell.iter().any(|(_, value)| value.is_none()),
                                "{query}: {cell:?} missing"
                            );
                            assert_eq!(truth(None), 0, "{query}: {cell:?} left out");
                            counts.learn(members.clone(), format!("{query} {cell:?} absent"));
                            for knowledge in &mut reported {
                                knowledge
                                    .learn(members.clone(), format!("{query} {cell:?} absent"));
                            }
                            continue;
                        };
                        if let Some(estimate) = found["estimate"].as_f64() {
                            assert!(
                                ((estimate * 1000.0).round() - estimate * 1000.0).abs() < 1e-6,
                                "rounded to 0.1 point: {found:#}"
                            );
                        }
                        if let Some(n) = found["n"].as_u64() {
                            assert_eq!(n, truth(None), "{query}: {found:#}");
                            counts.learn(members.clone(), format!("{query} {cell:?} n={n}"));
                        }
                        for (slot, category) in ["never", "dk"].into_iter().enumerate() {
                            let count = found["reported"]
                                .as_array()
                                .and_then(|r| r.iter().find(|r| r["category"] == category))
                                .and_then(|r| r["count"].as_u64());
                            if let Some(count) = count {
                                assert_eq!(count, truth(Some(category)), "{query}: {found:#}");
                                reported[slot].learn(
                                    members.clone(),
                                    format!("{query} {cell:?} {category}={count}"),
                                );
                            }
                        }
                    }
                }
            }
        }
    }
    assert!(only.is_some() || tables >= 200);
    assert!(
        counts.rows.len() > 5,
        "the tables must show something for the attack to mean anything"
    );

    let mut exposed = Vec::new();
    for (name, members) in targets() {
        let in_target = |p: &&Person| {
            let atom = atom_of(p);
            atom_list
                .iter()
                .zip(&members)
                .any(|(a, &inside)| inside && *a == atom)
        };
        let row: Vec<u64> = members.iter().map(|&inside| u64::from(inside)).collect();
        let size = people.iter().filter(in_target).count();
        if (1..MIN_N).contains(&size)
            && let Some(derivation) = counts.derivation(row.clone())
        {
            exposed.push(format!("{name}: n = {size} = {derivation:#?}"));
        }
        for (slot, category) in ["never", "dk"].into_iter().enumerate() {
            let size = people
                .iter()
                .filter(in_target)
                .filter(|p| p.saf_1 == category)
                .count();
            if (1..K).contains(&size)
                && let Some(derivation) = reported[slot].derivation(row.clone())
            {
                exposed.push(format!("{name}: {category} = {size} = {derivation:#?}"));
            }
        }
    }
    assert!(
        exposed.is_empty(),
        "{} populations under the policy recovered from {tables} tables: {:#?}",
        exposed.len(),
        &exposed[..exposed.len().min(3)]
    );
}

/// A month's table is worked out over every month that has answers: with
/// answers in 71 months and three breakdowns that is more than the check
/// may cost, and the table is refused with a reason, not computed slowly.
/// A phone whose clock said 2001 adds one month, not the 300 in between.
async fn a_table_too_fine_to_check_is_refused(server: common::Server) {
    let mut dates: Vec<String> = (0..71)
        .map(|month| format!("{}-{:02}-10", 2021 + month / 12, 1 + month % 12))
        .collect();
    dates.push("2001-03-10".into());
    for date in dates {
        let person = Person {
            sex: "female",
            age: 40,
            region: "north",
            district: "north-hills",
            date,
            saf_1: "safe",
        };
        let (status, body) = server.submit(&answer(&person)).await;
        assert_eq!(status, StatusCode::CREATED, "{body:#}");
    }
    let (_, analyst) = server.user("analyst", Role::Analyst).await;
    let november = "&from=2026-11-01&to=2026-11-30";
    let fine = "indicator=sdg_16_1_4&channel=online&by=sex,age_band,area";
    let response = server
        .client
        .get(server.url(&format!(
            "/api/surveys/{SURVEY}/aggregates?{fine}{november}"
        )))
        .bearer_auth(&analyst)
        .send()
        .await
        .expect("aggregates");
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["error"]["fields"][0]["code"], "too_fine", "{body:#}");
    // Without the month the same breakdowns are fine, and so is the month
    // with two (over every month since 2001 they would not be).
    table(&server, &analyst, fine).await;
    table(
        &server,
        &analyst,
        &format!("indicator=sdg_16_1_4&channel=online&by=sex,age_band{november}"),
    )
    .await;
}

macro_rules! on_both_databases {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    super::$case(super::common::spawn().await).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let store = super::common::postgres_store().await;
                    let folder = tempfile::tempdir().expect("folder");
                    let config = salama_server::Config {
                        body_limit: super::common::BODY_LIMIT,
                        rate_limits: salama_server::limits::RateLimits {
                            logins_per_minute: std::num::NonZeroU32::new(1000).expect("not zero"),
                            submissions_per_minute: std::num::NonZeroU32::new(1000).expect("not zero"),
                        },
                        ..salama_server::Config::default()
                    };
                    super::$case(super::common::spawn_on(store, config, folder).await).await;
                }
            )*
        }
    };
}

on_both_databases!(
    an_analyst_recovers_nothing_below_the_policy,
    a_table_too_fine_to_check_is_refused,
);
