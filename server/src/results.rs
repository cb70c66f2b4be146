//! The public results page (`/results/{survey}`, issue 18): the tables a
//! survey team released, and nothing else, as plain HTML made on the
//! server. No WebAssembly and no script: it must open fast on a slow line
//! and work on any browser, so the page is one small document with its
//! style inline (allowed by its hash alone), every table with a caption,
//! its chart as inline SVG with a text alternative, and its methodology.
//!
//! Every released table is computed here, in [`released_tables`], through
//! the survey's disclosure policy: the one place where the released set is
//! known as a whole.

use std::fmt::Write as _;

use salama_shared::Survey;
use salama_shared::aggregate::{AggregateTable, Cell, Dimension, Population};
use salama_shared::disclosure::DisclosurePolicy;
use salama_shared::publication::{Flag, Rule};
use salama_shared::release::{CheckedRelease, Release};
use salama_shared::schema::{Channel, Level};
use salama_shared::text::is_right_to_left;
use salama_shared::words::{AnalysisWord, Key, ResultsWord, fill};
use sha2::{Digest, Sha256};

use crate::aggregate::cube::Cube;
use crate::aggregate::table::{self, Request};
use crate::error::ApiResult;
pub use crate::routes::shell::escape;
use crate::state::AppState;

/// The survey's disclosure policy, as the analysts' tables use it.
pub async fn policy(state: &AppState, survey_id: &str) -> ApiResult<DisclosurePolicy> {
    Ok(state.store().disclosure_policy(survey_id).await?)
}

/// A release and the table shown for it.
#[derive(Clone, Debug)]
pub struct Released {
    pub release: Release,
    pub table: AggregateTable,
}

/// The facts a survey's releases are computed from, one cube per level.
pub struct Facts<'c> {
    pub respondents: &'c Cube,
    pub members: Option<&'c Cube>,
}

/// The table of every release whose spec still checks against the
/// survey's latest version and policy (one that does not, after a new
/// version dropped its indicator, say, is left out and logged), each
/// computed with the policy and never exact.
pub fn released_tables(
    survey: &Survey,
    facts: &Facts,
    releases: &[Release],
    policy: &DisclosurePolicy,
    language: &str,
) -> Vec<Released> {
    releases
        .iter()
        .filter_map(|release| {
            let checked = release
                .spec
                .check(survey, policy)
                .inspect_err(|problems| {
                    tracing::warn!(survey = %survey.id, release = release.release_id, problems = problems.len(), "a release no longer checks against its survey; not shown")
                })
                .ok()?;
            let cube = match checked.indicator.unit {
                Level::Respondent => facts.respondents,
                Level::Member => facts.members?,
            };
            let request = request(&checked, policy, language);
            // A release whose table is too fine to check is left out, like
            // one that no longer checks: never shown unprotected.
            let table = table::table(survey, checked.indicator, cube, &request)
                .inspect_err(|error| {
                    tracing::warn!(survey = %survey.id, release = release.release_id, %error, "a release's table is too fine; not shown")
                })
                .ok()?;
            Some(Released {
                release: release.clone(),
                table,
            })
        })
        .collect()
}

/// The table request a release makes: everything the policy's.
fn request(checked: &CheckedRelease, policy: &DisclosurePolicy, language: &str) -> Request {
    Request {
        indicator: checked.indicator.id.clone(),
        by: checked.by.clone(),
        age_scheme: policy.age_scheme(checked.indicator.unit),
        area_level: usize::from(policy.area_level),
        channels: checked.channel.into_iter().collect(),
        from_day: checked.from.map(|date| date.days()),
        to_day: checked.to.map(|date| date.days()),
        area: None,
        rule: policy.default_rule(),
        min_count: u64::from(policy.min_count),
        language: language.to_owned(),
        policy: policy.clone(),
        exact: false,
    }
}

/// Whether any release is of an indicator about household members.
pub fn needs_members(survey: &Survey, releases: &[Release]) -> bool {
    releases.iter().any(|release| {
        survey
            .indicators
            .iter()
            .any(|i| i.id == release.spec.indicator && i.unit == Level::Member)
    })
}

/// The page's language: `lang` when the survey has it, else its default.
pub fn page_language<'s>(survey: &'s Survey, lang: Option<&str>) -> &'s str {
    lang.and_then(|lang| survey.languages.iter().find(|own| *own == lang))
        .unwrap_or(&survey.default_language)
}

/// A validator of everything the page is made from: the survey's version,
/// the releases' versions and states, the facts' version, the policy, the
/// language and this build. Equal tags, equal pages.
pub fn etag(
    survey_version: u32,
    releases: &[Release],
    facts: (i64, i64),
    policy: &DisclosurePolicy,
    language: &str,
) -> String {
    let mut hash = Sha256::new();
    let mut line = format!(
        "{}|{survey_version}|{}|{}|{language}|{}|",
        env!("CARGO_PKG_VERSION"),
        facts.0,
        facts.1,
        serde_json::to_string(policy).unwrap_or_default()
    );
    for release in releases {
        let _ = write!(
            line,
            "{}.{}.{};",
            release.release_id,
            release.version,
            release.live()
        );
    }
    hash.update(line.as_bytes());
    format!("\"{}\"", &hex::encode(hash.finalize())[..32])
}

/// The page's style, inline (one request on a slow line), allowed by its
/// hash in the page's Content-Security-Policy.
const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:0 auto;max-width:60rem;padding:0 1rem 2rem;line-height:1.5;color:#1a1a1a;background:#fff}\
a{color:#0b4f8a}header nav ul{list-style:none;display:flex;flex-wrap:wrap;gap:.25rem 1rem;padding:0;margin:.75rem 0}\
header nav a{display:inline-block;padding:.5rem .25rem;min-height:44px;box-sizing:border-box}\
h1{font-size:1.6rem;margin:.5rem 0}h2{font-size:1.3rem;margin-top:2.5rem;border-top:1px solid #ccc;padding-top:1rem}h3{font-size:1.1rem}\
.meta{color:#444}.scroll{overflow-x:auto}table{border-collapse:collapse;margin:.5rem 0;min-width:60%}\
caption{text-align:start;font-weight:600;padding:.25rem 0}th,td{padding:.3rem .6rem;border-bottom:1px solid #ddd;text-align:start}\
td.num{text-align:end;font-variant-numeric:tabular-nums}svg{max-width:100%;height:auto}\
.bar{fill:#2b6cb0}.bar.caution{fill:#90b4dc}.whisker{stroke:#1a1a1a;stroke-width:1.5}\
svg text{font-size:13px;fill:#1a1a1a}dl.legend dt{font-weight:700;float:inline-start;min-width:4rem}dl.legend dd{margin-inline-start:4.5rem}";

/// The page's Content-Security-Policy: nothing from anywhere but its own
/// inline style (by hash) and its own address's links and forms.
pub fn content_security_policy() -> String {
    let digest = Sha256::digest(STYLE.as_bytes());
    format!(
        "default-src 'none'; style-src 'sha256-{}'; img-src 'self'; base-uri 'none'; \
         form-action 'self'; frame-ancestors 'none'",
        base64(&digest)
    )
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (at, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if at <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> shift) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The opening of every page Salama serves here, in `language`.
fn head(language: &str, title: &str) -> String {
    let direction = if is_right_to_left(language) {
        "rtl"
    } else {
        "ltr"
    };
    format!(
        "<!doctype html>\n<html lang=\"{}\" dir=\"{direction}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        escape(language),
        escape(title)
    )
}

/// The answer for every address without results: the same bytes whether
/// the survey is unknown, closed to the public or has released nothing,
/// so the page tells no more than the public survey list does.
pub fn not_found_page(lang: Option<&str>) -> String {
    let language = lang
        .and_then(salama_shared::words::built_in_language)
        .unwrap_or("en");
    let word = |word: ResultsWord| escape(word.in_language(language));
    let mut page = head(language, word(ResultsWord::NotFoundTitle).as_str());
    let _ = write!(
        page,
        "<main>\n<h1>{}</h1>\n<p>{}</p>\n</main>\n</body>\n</html>\n",
        word(ResultsWord::NotFoundTitle),
        word(ResultsWord::NotFoundBody)
    );
    page
}

/// Everything the page says, in one language.
struct Page<'a> {
    survey: &'a Survey,
    language: &'a str,
    separator: &'a str,
}

impl Page<'_> {
    fn word(&self, word: ResultsWord) -> &str {
        self.survey.word(word, self.language)
    }

    fn analysis(&self, word: AnalysisWord) -> &str {
        self.survey.word(word, self.language)
    }

    fn number(&self, shown: String) -> String {
        match self.separator {
            "." => shown,
            separator => shown.replace('.', separator),
        }
    }

    fn percent(&self, share: f64) -> String {
        self.number(format!("{:.1}", share * 100.0))
    }

    /// The estimate as printed tables show it: `45.2`, `(45.2)`, `*`, `–`.
    fn estimate(&self, cell: &Cell) -> String {
        self.number(cell.flag.shown_as(cell.estimate))
    }

    /// A withheld cell shows nothing of itself: no interval, no n.
    fn withheld(cell: &Cell) -> bool {
        matches!(cell.flag, Flag::Suppressed) || cell.estimate.is_none()
    }

    fn interval(&self, cell: &Cell) -> String {
        match (Self::withheld(cell), cell.ci_lower, cell.ci_upper) {
            (false, Some(lower), Some(upper)) => {
                format!("{}–{}", self.percent(lower), self.percent(upper))
            }
            _ => String::new(),
        }
    }

    fn cases(cell: &Cell) -> String {
        match cell.flag {
            Flag::Suppressed => "*".to_owned(),
            _ => cell.n.map_or_else(|| "*".to_owned(), |n| n.to_string()),
        }
    }

    fn group(&self, cell: &Cell) -> String {
        if cell.group.is_empty() {
            self.analysis(AnalysisWord::Total).to_owned()
        } else {
            cell.group
                .iter()
                .map(|value| value.label.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        }
    }

    fn population(&self, channel: Channel) -> &str {
        self.analysis(match channel {
            Channel::Enumerator => AnalysisWord::PopulationInterviews,
            Channel::Online => AnalysisWord::PopulationOnline,
        })
    }

    fn dimension(&self, dimension: Dimension) -> &str {
        self.analysis(dimension.word())
    }

    fn period(&self, release: &Release) -> String {
        match (&release.spec.from, &release.spec.to) {
            (Some(from), Some(to)) => fill(
                self.word(ResultsWord::PeriodRange),
                &[("from", from), ("to", to)],
            ),
            _ => self.word(ResultsWord::WholeFieldwork).to_owned(),
        }
    }
}

/// The public page of `survey` in `language`, with its released tables.
pub fn page(
    survey: &Survey,
    released: &[Released],
    policy: &DisclosurePolicy,
    language: &str,
) -> String {
    let page = Page {
        survey,
        language,
        separator: survey.word(AnalysisWord::DecimalSeparator, language),
    };
    let default = survey.default_language.as_str();
    let survey_title = survey.title.get(language, default);
    let heading = fill(
        page.word(ResultsWord::PageTitle),
        &[("survey", survey_title)],
    );
    let mut out = head(language, &heading);
    out.push_str("<header>\n");
    if survey.languages.len() > 1 {
        let _ = write!(
            out,
            "<nav aria-label=\"{}\"><ul>",
            escape(page.word(ResultsWord::Languages))
        );
        for other in &survey.languages {
            let name = salama_shared::language::endonym(other);
            let current = if other == language {
                " aria-current=\"page\""
            } else {
                ""
            };
            let _ = write!(
                out,
                "<li><a href=\"?lang={0}\" lang=\"{0}\" hreflang=\"{0}\"{current}>{1}</a></li>",
                escape(other),
                escape(name)
            );
        }
        out.push_str("</ul></nav>\n");
    }
    let _ = writeln!(
        out,
        "<h1>{}</h1>\n<p>{}</p>\n</header>\n<main>",
        escape(&heading),
        escape(page.word(ResultsWord::Intro))
    );
    for shown in released {
        release_section(&mut out, &page, shown);
    }
    methodology(&mut out, &page, released, policy);
    out.push_str("</main>\n</body>\n</html>\n");
    out
}

fn release_section(out: &mut String, page: &Page, shown: &Released) {
    let release = &shown.release;
    let table = &shown.table;
    let id = release.release_id;
    let default = page.survey.default_language.as_str();
    let title = release.spec.title_in(page.language, default);
    let _ = write!(
        out,
        "<section aria-labelledby=\"release-{id}\">\n<h2 id=\"release-{id}\" dir=\"auto\">{}</h2>\n",
        escape(title)
    );
    let by: Vec<&str> = table.by.iter().map(|d| page.dimension(*d)).collect();
    let mut meta = vec![format!("{} {}", table.code, table.name)];
    if !by.is_empty() {
        meta.push(format!(
            "{} {}",
            page.analysis(AnalysisWord::BreakDownBy),
            by.join(", ")
        ));
    }
    meta.push(format!(
        "{}: {}",
        page.word(ResultsWord::Period),
        page.period(release)
    ));
    meta.push(fill(
        page.word(ResultsWord::ReleasedOn),
        &[
            ("date", release.released_at.get(..10).unwrap_or_default()),
            ("version", &release.version.to_string()),
        ],
    ));
    let _ = writeln!(out, "<p class=\"meta\">{}</p>", escape(&meta.join(" · ")));
    let note = release.spec.note_in(page.language, default);
    for paragraph in note.split('\n').filter(|line| !line.trim().is_empty()) {
        // A note may fall back to another language than the page's: its
        // own text decides its direction.
        let _ = writeln!(out, "<p dir=\"auto\">{}</p>", escape(paragraph));
    }
    for (at, population) in table.populations.iter().enumerate() {
        population_table(out, page, title, id, at, population);
    }
    let _ = writeln!(
        out,
        "<p><a href=\"/results/{}/{id}.csv?lang={}\" download>{}</a></p>\n</section>",
        escape(&page.survey.id),
        escape(page.language),
        escape(page.word(ResultsWord::DownloadCsv))
    );
}

fn population_table(
    out: &mut String,
    page: &Page,
    title: &str,
    id: u32,
    at: usize,
    population: &Population,
) {
    let name = page.population(population.channel);
    let _ = writeln!(out, "<h3>{}</h3>", escape(name));
    if !population.representative {
        let _ = writeln!(
            out,
            "<p><strong>{}</strong></p>",
            escape(page.word(ResultsWord::NotRepresentative))
        );
    }
    let _ = write!(
        out,
        "<div class=\"scroll\"><table>\n<caption>{} · {}</caption>\n<thead><tr><th scope=\"col\">{}</th>\
         <th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead>\n<tbody>\n",
        escape(title),
        escape(name),
        escape(page.analysis(AnalysisWord::ColumnGroup)),
        escape(page.word(ResultsWord::ColumnPercent)),
        escape(page.analysis(AnalysisWord::ColumnInterval)),
        escape(page.word(ResultsWord::ColumnCases)),
    );
    for cell in &population.cells {
        let _ = writeln!(
            out,
            "<tr><th scope=\"row\">{}</th><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            escape(&page.group(cell)),
            escape(&page.estimate(cell)),
            escape(&page.interval(cell)),
            Page::cases(cell)
        );
    }
    out.push_str("</tbody>\n</table></div>\n");
    chart(out, page, title, id, at, population);
}

/// Bars of the estimates with their 95% intervals as whiskers, one row a
/// cell; a withheld cell has no bar, only its sign. The chart repeats the
/// table, so its text alternative says what it shows.
fn chart(out: &mut String, page: &Page, title: &str, id: u32, at: usize, population: &Population) {
    const WIDTH: f64 = 640.0;
    const LABEL: f64 = 220.0;
    const ROW: f64 = 26.0;
    let plot = WIDTH - LABEL - 60.0;
    let height = ROW * population.cells.len() as f64 + 24.0;
    let rtl = is_right_to_left(page.language);
    // Right to left, the labels stand on the right and the bars grow leftwards.
    let x = |share: f64| {
        let along = share.clamp(0.0, 1.0) * plot;
        if rtl {
            WIDTH - LABEL - along
        } else {
            LABEL + along
        }
    };
    let chart_id = format!("chart-{id}-{at}");
    let description: Vec<String> = population
        .cells
        .iter()
        .map(|cell| {
            let interval = page.interval(cell);
            if interval.is_empty() {
                format!("{}: {}", page.group(cell), page.estimate(cell))
            } else {
                format!(
                    "{}: {} ({} {})",
                    page.group(cell),
                    page.estimate(cell),
                    page.analysis(AnalysisWord::ColumnInterval),
                    interval
                )
            }
        })
        .collect();
    let _ = write!(
        out,
        "<figure>\n<svg viewBox=\"0 0 {WIDTH} {height}\" width=\"{WIDTH}\" height=\"{height}\" role=\"img\" \
         aria-labelledby=\"{chart_id}-title {chart_id}-desc\" xmlns=\"http://www.w3.org/2000/svg\">\
         <title id=\"{chart_id}-title\">{}</title><desc id=\"{chart_id}-desc\">{}</desc>\n",
        escape(&fill(
            page.word(ResultsWord::ChartTitle),
            &[
                ("title", title),
                ("population", page.population(population.channel))
            ]
        )),
        escape(&description.join("; "))
    );
    // Text anchors at its start, which the page's direction (inherited by
    // the SVG) puts on the left or on the right: labels at the outer edge,
    // values just past the bar or the interval, growing away from it.
    let label_x = if rtl { WIDTH - 4.0 } else { 4.0 };
    let _ = write!(
        out,
        "<line class=\"whisker\" x1=\"{0}\" x2=\"{0}\" y1=\"0\" y2=\"{1}\"/>",
        x(0.0),
        height - 20.0
    );
    for (row, cell) in population.cells.iter().enumerate() {
        let top = ROW * row as f64 + 4.0;
        let middle = top + ROW / 2.0 - 2.0;
        let _ = write!(
            out,
            "<text x=\"{label_x}\" y=\"{}\" text-anchor=\"start\">{}</text>",
            middle + 4.0,
            escape(&salama_shared::text::shown(&page.group(cell), 30))
        );
        let shown = page.estimate(cell);
        let end = match (Page::withheld(cell), cell.estimate) {
            (false, Some(share)) => {
                let (left, right) = (x(0.0).min(x(share)), x(0.0).max(x(share)));
                let class = if cell.flag == Flag::Caution {
                    "bar caution"
                } else {
                    "bar"
                };
                let _ = write!(
                    out,
                    "<rect class=\"{class}\" x=\"{left:.1}\" y=\"{top:.1}\" width=\"{:.1}\" height=\"{:.1}\"/>",
                    right - left,
                    ROW - 8.0
                );
                let mut end = x(share);
                if let (Some(lower), Some(upper)) = (cell.ci_lower, cell.ci_upper) {
                    let (a, b) = (x(lower), x(upper));
                    let _ = write!(
                        out,
                        "<line class=\"whisker\" x1=\"{a:.1}\" x2=\"{b:.1}\" y1=\"{middle:.1}\" y2=\"{middle:.1}\"/>\
                         <line class=\"whisker\" x1=\"{a:.1}\" x2=\"{a:.1}\" y1=\"{:.1}\" y2=\"{:.1}\"/>\
                         <line class=\"whisker\" x1=\"{b:.1}\" x2=\"{b:.1}\" y1=\"{:.1}\" y2=\"{:.1}\"/>",
                        middle - 5.0,
                        middle + 5.0,
                        middle - 5.0,
                        middle + 5.0
                    );
                    end = if rtl { a.min(b) } else { a.max(b) };
                }
                end
            }
            _ => x(0.0),
        };
        let value_x = if rtl { end - 6.0 } else { end + 6.0 };
        let _ = write!(
            out,
            "<text x=\"{value_x:.1}\" y=\"{}\" text-anchor=\"start\">{}</text>",
            middle + 4.0,
            escape(&shown)
        );
    }
    out.push_str("</svg>\n</figure>\n");
}

fn methodology(out: &mut String, page: &Page, released: &[Released], policy: &DisclosurePolicy) {
    let _ = write!(
        out,
        "<section aria-labelledby=\"methodology\">\n<h2 id=\"methodology\">{}</h2>\n",
        escape(page.word(ResultsWord::MethodologyTitle))
    );
    // Each population's design once, with the largest total n released.
    let mut seen: Vec<(Channel, &str, u64)> = Vec::new();
    for shown in released {
        for population in &shown.table.populations {
            let total = population
                .cells
                .first()
                .filter(|cell| !Page::withheld(cell))
                .and_then(|cell| cell.n)
                .unwrap_or(0);
            match seen.iter_mut().find(|(channel, design, _)| {
                *channel == population.channel && *design == population.design
            }) {
                Some(entry) => entry.2 = entry.2.max(total),
                None => seen.push((population.channel, &population.design, total)),
            }
        }
    }
    let _ = writeln!(
        out,
        "<h3>{}</h3>",
        escape(page.word(ResultsWord::MethodDesign))
    );
    for (channel, design, total) in &seen {
        let _ = writeln!(
            out,
            "<p><strong>{}</strong>: {} {}</p>",
            escape(page.population(*channel)),
            escape(design),
            escape(&fill(
                page.word(ResultsWord::MethodCases),
                &[("n", &total.to_string())]
            ))
        );
        if *channel == Channel::Online {
            let _ = writeln!(
                out,
                "<p>{}</p>",
                escape(page.word(ResultsWord::NotRepresentative))
            );
        }
    }
    let rules: Vec<&str> = policy
        .rules
        .iter()
        .map(|rule| {
            page.analysis(match rule {
                Rule::DhsMics => AnalysisWord::RuleDhsMics,
                Rule::Nchs => AnalysisWord::RuleNchs,
            })
        })
        .collect();
    let _ = writeln!(
        out,
        "<h3>{}</h3>\n<p>{}</p>\n<p>{}</p>",
        escape(page.word(ResultsWord::MethodSuppressionTitle)),
        escape(&fill(
            page.word(ResultsWord::MethodSuppression),
            &[
                ("min_n", &policy.min_n.to_string()),
                ("caution_n", &policy.caution_n.to_string()),
                ("min_count", &policy.min_count.to_string()),
            ]
        )),
        escape(&fill(
            page.word(ResultsWord::MethodRules),
            &[("rules", &rules.join("; "))]
        ))
    );
    let _ = writeln!(
        out,
        "<h3>{}</h3>\n<dl class=\"legend\"><dt>*</dt><dd>{}</dd><dt>({})</dt><dd>{}</dd><dt>–</dt><dd>{}</dd></dl>\n</section>",
        escape(page.word(ResultsWord::LegendTitle)),
        escape(page.word(ResultsWord::LegendSuppressed)),
        escape(&page.number("12.3".to_owned())),
        escape(page.word(ResultsWord::LegendCaution)),
        escape(page.word(ResultsWord::LegendEmpty)),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_standard_alphabet_and_padding() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64(&[0xfb, 0xff]), "+/8=");
    }

    #[test]
    fn the_unknown_and_the_empty_look_alike() {
        let page = not_found_page(Some("ar"));
        assert!(page.contains("<html lang=\"ar\" dir=\"rtl\">"), "{page}");
        let page = not_found_page(Some("\"><script>"));
        assert!(page.contains("<html lang=\"en\" dir=\"ltr\">"));
        assert!(!page.contains("<script>"));
    }

    #[test]
    fn the_style_is_allowed_by_its_hash() {
        let policy = content_security_policy();
        assert!(policy.starts_with("default-src 'none'; style-src 'sha256-"));
        assert!(!policy.contains("unsafe-inline"));
    }
}
