//! One indicator broken down by up to two groups: the table with 95%
//! intervals and publication flags (DHS/MICS: `*` suppressed, parentheses
//! for caution), a bar chart with interval whiskers, and downloads. Only
//! what the survey's disclosure policy allows is offered: whole periods of
//! its length, its area levels, its rules, its age bands.

use leptos::prelude::*;
use salama_shared::Survey;
use salama_shared::aggregate::{
    AgeScheme, AggregateTable, Cell, Dimension, Fieldwork, Format, Population, Query,
    available_breakdowns,
};
use salama_shared::date::Date;
use salama_shared::disclosure::{DisclosurePolicy, Period};
use salama_shared::publication::{Flag, Rule};
use salama_shared::schema::Channel;

use salama_shared::words::{AnalysisWord as W, fill};

use super::calls;
use crate::api::{self, ApiError, encode};
use crate::browser;
use crate::staff::{refusal, say};

fn dimension_name(dimension: Dimension) -> &'static str {
    say(match dimension {
        Dimension::Sex => W::DimensionSex,
        Dimension::AgeBand => W::DimensionAgeBand,
        Dimension::Area => W::DimensionArea,
        Dimension::Disability => W::DimensionDisability,
        Dimension::Displacement => W::DimensionDisplacement,
        Dimension::UrbanRural => W::DimensionUrbanRural,
    })
}

fn scheme_name(scheme: AgeScheme) -> &'static str {
    say(match scheme {
        AgeScheme::UnAdult => W::SchemeUnAdult,
        AgeScheme::Sadd => W::SchemeSadd,
    })
}

fn rule_name(rule: Rule) -> &'static str {
    say(match rule {
        Rule::DhsMics => W::RuleDhsMics,
        Rule::Nchs => W::RuleNchs,
    })
}

/// A number as the table shows it (`75.0`, `(42.5)`, `12.0–18.3`) with the
/// interface language's decimal separator.
fn localised(shown: String) -> String {
    match say(W::DecimalSeparator) {
        "." => shown,
        separator => shown.replace('.', separator),
    }
}

/// A percentage with one decimal.
fn percent(share: f64) -> String {
    localised(format!("{:.1}", share * 100.0))
}

fn estimate(cell: &Cell) -> String {
    localised(cell.flag.shown_as(cell.estimate))
}

fn interval(cell: &Cell) -> String {
    match (cell.ci_lower, cell.ci_upper) {
        (Some(lower), Some(upper)) => format!("{}–{}", percent(lower), percent(upper)),
        _ => String::new(),
    }
}

fn group_label(cell: &Cell) -> String {
    if cell.group.is_empty() {
        say(W::Total).into()
    } else {
        cell.group
            .iter()
            .map(|g| g.label.as_str())
            .collect::<Vec<_>>()
            .join(" · ")
    }
}

/// The indicators of `survey_id`, starting from the table `remembered`
/// (from the page's address, or last shown), else the first indicator by
/// sex: a breakdown that passes the publication rules more often than two.
/// Each table shown is remembered and written into the address.
pub fn view(
    survey_id: String,
    lang: Option<String>,
    remembered: StoredValue<Option<Query>>,
) -> impl IntoView {
    let start = remembered.get_value();
    let survey = RwSignal::new(None::<Result<Survey, ApiError>>);
    let indicator = RwSignal::new(
        start
            .as_ref()
            .map(|q| q.indicator.clone())
            .unwrap_or_default(),
    );
    let first = RwSignal::new(
        start
            .as_ref()
            .map_or(Some(Dimension::Sex), |q| q.by.first().copied()),
    );
    let second = RwSignal::new(start.as_ref().and_then(|q| q.by.get(1).copied()));
    // `None`: the policy's default rule.
    let rule = RwSignal::new(start.as_ref().and_then(|q| q.rule));
    // One whole period of the policy's length, or the whole fieldwork.
    let period = RwSignal::new(start.as_ref().and_then(|q| q.from.zip(q.to)));
    let area_level = RwSignal::new(start.as_ref().map_or(1, |q| q.area_level));
    let policy = RwSignal::new(None::<DisclosurePolicy>);
    let fieldwork = RwSignal::new(None::<Fieldwork>);
    let table = RwSignal::new(None::<Result<AggregateTable, ApiError>>);
    // Indicator names in the table's language, else the survey's own.
    let names_language = lang.clone().unwrap_or_default();
    let levels_language = names_language.clone();
    // Copy, as the query is built by several closures.
    let lang = StoredValue::new(lang);
    let id = survey_id.clone();
    leptos::task::spawn_local(async move {
        // What the address asked for beyond the policy (an old link) falls
        // back to what it allows, rather than to a refusal.
        let rules = calls::disclosure(&id).await.unwrap_or_default();
        let whole = |(from, to): (Date, Date)| rules.period.whole(from, to).is_some();
        if !period.get_untracked().is_some_and(whole) {
            period.set(None);
        }
        if area_level.get_untracked() > usize::from(rules.area_level) {
            area_level.set(1);
        }
        if rule
            .get_untracked()
            .is_some_and(|r| !rules.rules.contains(&r))
        {
            rule.set(None);
        }
        policy.set(Some(rules));
        fieldwork.set(calls::fieldwork(&id, None).await.ok());
    });
    let id = survey_id.clone();
    leptos::task::spawn_local(async move {
        let loaded = api::survey(&id).await;
        if let Ok(survey) = &loaded
            && let Some(first) = survey.indicators.first()
            && !indicator.with_untracked(|id| survey.indicators.iter().any(|i| &i.id == id))
        {
            indicator.set(first.id.clone());
        }
        survey.set(Some(loaded));
    });
    // The breakdowns the survey defines for the indicator's unit, and the
    // bands the policy tabulates that unit in: only these are offered.
    let defaults = Memo::new(move |_| {
        let id = indicator.get();
        let unit = survey.with(|survey| match survey {
            Some(Ok(survey)) => survey
                .indicators
                .iter()
                .find(|i| i.id == id)
                .map(|i| (available_breakdowns(survey, i.unit), i.unit)),
            _ => None,
        });
        let bands = policy.with(|policy| {
            let policy = policy.clone().unwrap_or_default();
            unit.as_ref().map(|(_, unit)| policy.age_scheme(*unit))
        });
        (
            unit.map(|(available, _)| available).unwrap_or_default(),
            bands.unwrap_or_default(),
        )
    });
    let available = move || defaults.with(|(available, _)| available.clone());
    // Another unit of analysis: choices it lacks fall back to what it has.
    Effect::new(move |_| {
        let available = defaults.with(|(available, _)| available.clone());
        if available.is_empty() {
            return;
        }
        if first
            .get_untracked()
            .is_some_and(|d| !available.contains(&d))
        {
            first.set(available.first().copied());
        }
        if second
            .get_untracked()
            .is_some_and(|d| !available.contains(&d))
        {
            second.set(None);
        }
    });
    let query = move || {
        let mut query = Query::new(indicator.get());
        let available = available();
        for dimension in [first.get(), second.get()].into_iter().flatten() {
            if available.contains(&dimension) && !query.by.contains(&dimension) {
                query.by.push(dimension);
            }
        }
        query.rule = rule.get();
        query.area_level = area_level.get();
        if let Some((from, to)) = period.get() {
            query.from = Some(from);
            query.to = Some(to);
        }
        query.lang = lang.get_value();
        query
    };
    let id = survey_id.clone();
    Effect::new(move |_| {
        let query = query();
        let loaded =
            survey.with(|survey| matches!(survey, Some(Ok(_)))) && policy.with(Option::is_some);
        if query.indicator.is_empty() || !loaded {
            return;
        }
        remembered.set_value(Some(query.clone()));
        let address = Query {
            lang: None,
            ..query.clone()
        };
        browser::replace_query(&format!(
            "survey={}&{}",
            encode(&id),
            address.to_query_string()
        ));
        let id = id.clone();
        table.set(None);
        leptos::task::spawn_local(
            async move { table.set(Some(calls::aggregates(&id, &query).await)) },
        );
    });
    let dimension_select = move |signal: RwSignal<Option<Dimension>>,
                                 id: &'static str,
                                 label: &'static str,
                                 optional: bool| {
        view! {
            <div class="question">
                <label for=id>{label}</label>
                <select id=id on:change=move |e| signal.set(Dimension::parse(&event_target_value(&e)))>
                    {move || {
                        let chosen = signal.get();
                        let none = optional.then(|| view! { <option value="" selected=chosen.is_none()>{say(W::NoBreakdown)}</option> });
                        let options = available().into_iter().map(|dimension| {
                            view! { <option value=dimension.as_str() selected=chosen == Some(dimension)>{dimension_name(dimension)}</option> }
                        }).collect_view();
                        view! { {none} {options} }
                    }}
                </select>
            </div>
        }
    };
    let download = move |survey_id: String, format: Format| {
        move || {
            let query = Query { format, ..query() };
            calls::aggregates_url(&survey_id, &query)
        }
    };
    let csv_href = download(survey_id.clone(), Format::Csv);
    let xlsx_href = download(survey_id.clone(), Format::Xlsx);
    let microdata = microdata_links(survey, survey_id, lang);
    view! {
        <section aria-labelledby="indicator-title">
            <h2 id="indicator-title">{say(W::TabIndicators)}</h2>
            <div class="controls">
                <div class="question">
                    <label for="indicator">{say(W::Indicator)}</label>
                    <select id="indicator" on:change=move |e| indicator.set(event_target_value(&e))>
                        {move || match survey.get() {
                            Some(Ok(survey)) => survey.indicators.iter().map(|i| {
                                let selected = indicator.get_untracked() == i.id;
                                let label = format!("{} — {}", i.code, i.name.get(&names_language, &survey.default_language));
                                view! { <option value=i.id.clone() selected=selected>{label}</option> }
                            }).collect_view().into_any(),
                            _ => ().into_any(),
                        }}
                    </select>
                </div>
                {dimension_select(first, "by-first", say(W::BreakDownBy), false)}
                {dimension_select(second, "by-second", say(W::AndBy), true)}
                {period_select(policy, fieldwork, period)}
                {move || area_level_select(survey, policy, area_level, levels_language.clone())}
                <div class="question">
                    <label for="rule">{say(W::PublicationRule)}</label>
                    <select id="rule" on:change=move |e| {
                        let name = event_target_value(&e);
                        rule.set(Rule::ALL.into_iter().find(|r| r.as_str() == name));
                    }>
                        {move || {
                            let policy = policy.get().unwrap_or_default();
                            let chosen = rule.get().unwrap_or_else(|| policy.default_rule());
                            policy.rules.into_iter().map(|option| view! {
                                <option value=option.as_str() selected=option == chosen>{rule_name(option)}</option>
                            }).collect_view()
                        }}
                    </select>
                </div>
                <div class="question">
                    <span class="label">{say(W::AgeBands)}</span>
                    <p id="age-scheme" data-scheme=move || defaults.with(|(_, bands)| bands.as_str())>
                        {move || scheme_name(defaults.with(|(_, bands)| *bands))}
                    </p>
                </div>
            </div>
            {move || policy.get().map(|policy| view! { <p id="policy-hides" class="hint">{policy_hides(&policy)}</p> })}
            <p class="downloads">
                {say(W::Download)} " "
                <a id="download-csv" download="" href=csv_href>"CSV"</a>
                " · "
                <a id="download-xlsx" download="" href=xlsx_href>"XLSX"</a>
            </p>
            {microdata}
            {move || match (survey.with(|survey| survey.as_ref().map(|loaded| loaded.as_ref().err().cloned())), table.get()) {
                (Some(Some(error)), _) | (_, Some(Err(error))) => view! { <p class="error" role="alert">{refusal(&error)}</p> }.into_any(),
                (_, None) => view! { <p role="status">{say(W::Computing)}</p> }.into_any(),
                (_, Some(Ok(table))) => {
                    let legend = survey.with_untracked(|survey| match survey {
                        Some(Ok(survey)) => legend(survey, &table.reported, lang.get_value().as_deref()),
                        _ => Vec::new(),
                    });
                    tables(table, legend).into_any()
                }
            }}
        </section>
    }
}

/// The whole periods of the policy's length that hold interviews or online
/// answers, newest first, and the whole fieldwork; none to choose when the
/// policy allows only the whole fieldwork.
fn period_select(
    policy: RwSignal<Option<DisclosurePolicy>>,
    fieldwork: RwSignal<Option<Fieldwork>>,
    period: RwSignal<Option<(Date, Date)>>,
) -> impl IntoView {
    move || {
        let length = policy.with(|policy| policy.as_ref().map(|policy| policy.period))?;
        if length == Period::Fieldwork {
            return None;
        }
        let mut indices: Vec<i32> = fieldwork.with(|fieldwork| {
            fieldwork
                .iter()
                .flat_map(|fieldwork| &fieldwork.by_day)
                .filter_map(|day| Date::parse(&day.date))
                .filter_map(|date| length.index(date))
                .collect()
        });
        if let Some(index) = period
            .get_untracked()
            .and_then(|(from, _)| length.index(from))
        {
            indices.push(index);
        }
        indices.sort_unstable_by(|a, b| b.cmp(a));
        indices.dedup();
        let chosen = period.get();
        let options = indices
            .into_iter()
            .filter_map(|index| {
                let (from, to) = length.bounds(index)?;
                let value = format!("{from}/{to}");
                let selected = chosen == Some((from, to));
                Some(view! { <option value=value selected=selected>{period_label(length, from)}</option> })
            })
            .collect_view();
        let choose = move |event: leptos::ev::Event| {
            let value = event_target_value(&event);
            period.set(
                value
                    .split_once('/')
                    .and_then(|(from, to)| Some((Date::parse(from)?, Date::parse(to)?))),
            );
        };
        Some(view! {
            <div class="question">
                <label for="period">{say(W::Period)}</label>
                <select id="period" on:change=choose>
                    <option value="" selected=chosen.is_none()>{say(W::WholeFieldwork)}</option>
                    {options}
                </select>
            </div>
        })
    }
}

/// A period as a picker shows it: `2026-11`, `Q4 2026`, `2026`.
fn period_label(length: Period, first: Date) -> String {
    let (year, month, _) = first.ymd();
    match length {
        Period::Month => format!("{year}-{month:02}"),
        Period::Quarter => fill(
            say(W::QuarterOf),
            &[
                ("q", &(month.div_ceil(3)).to_string()),
                ("year", &year.to_string()),
            ],
        ),
        Period::Year | Period::Fieldwork => year.to_string(),
    }
}

/// The admin levels an area breakdown may use: those the survey defines,
/// down to the policy's; nothing to choose when that is one.
fn area_level_select(
    survey: RwSignal<Option<Result<Survey, ApiError>>>,
    policy: RwSignal<Option<DisclosurePolicy>>,
    area_level: RwSignal<usize>,
    language: String,
) -> Option<impl IntoView> {
    let deepest =
        usize::from(policy.with(|policy| policy.as_ref().map(|policy| policy.area_level))?);
    let levels: Vec<(usize, String)> = survey.with(|survey| match survey {
        Some(Ok(survey)) => survey
            .area_levels
            .iter()
            .take(deepest)
            .enumerate()
            .map(|(at, level)| {
                (
                    at + 1,
                    level
                        .label
                        .get(&language, &survey.default_language)
                        .to_owned(),
                )
            })
            .collect(),
        _ => Vec::new(),
    });
    (levels.len() > 1).then(|| {
        let chosen = area_level.get_untracked();
        view! {
            <div class="question">
                <label for="area-level">{say(W::AreaLevel)}</label>
                <select id="area-level" on:change=move |e| area_level.set(event_target_value(&e).parse().unwrap_or(1))>
                    {levels.into_iter().map(|(level, label)| view! {
                        <option value=level.to_string() selected=level == chosen>{label}</option>
                    }).collect_view()}
                </select>
            </div>
        }
    })
}

/// What the policy hides, in one line.
fn policy_hides(policy: &DisclosurePolicy) -> String {
    let periods = say(match policy.period {
        Period::Month => W::PeriodsMonth,
        Period::Quarter => W::PeriodsQuarter,
        Period::Year => W::PeriodsYear,
        Period::Fieldwork => W::PeriodsFieldwork,
    });
    fill(
        say(W::PolicyHides),
        &[
            ("n", &policy.min_n.to_string()),
            ("k", &policy.min_count.to_string()),
            ("periods", periods),
            ("level", &policy.area_level.to_string()),
        ],
    )
}

/// The de-identified microdata and their codebook, in the table's
/// language; the members' file only for a survey with a household roster.
fn microdata_links(
    survey: RwSignal<Option<Result<Survey, ApiError>>>,
    survey_id: String,
    lang: StoredValue<Option<String>>,
) -> impl IntoView {
    let base = format!("/api/surveys/{}", encode(&survey_id));
    let language = lang
        .get_value()
        .map(|lang| format!("lang={}", encode(&lang)))
        .unwrap_or_default();
    let address = move |file: &str, level: Option<&str>| {
        let query: Vec<String> = level
            .map(|level| format!("level={level}"))
            .into_iter()
            .chain((!language.is_empty()).then(|| language.clone()))
            .collect();
        match query.is_empty() {
            true => format!("{base}/{file}"),
            false => format!("{base}/{file}?{}", query.join("&")),
        }
    };
    let respondents = address("microdata.csv", None);
    let members = address("microdata.csv", Some("member"));
    let codebook = address("codebook.csv", None);
    let has_roster = move || {
        survey.with(
            |survey| matches!(survey, Some(Ok(survey)) if survey.household_roster().is_some()),
        )
    };
    view! {
        <p class="downloads" id="microdata">
            {say(W::Microdata)} " "
            <a id="download-respondents" download="" href=respondents>{say(W::MicrodataRespondents)}</a>
            <Show when=has_roster>
                " · "
                <a id="download-members" download="" href=members.clone()>{say(W::MicrodataMembers)}</a>
            </Show>
            " · "
            <a id="download-codebook" download="" href=codebook>{say(W::Codebook)}</a>
        </p>
    }
}

/// What each column of the table means, the reported categories (DK, RA)
/// named by the survey's own labels.
fn legend(survey: &Survey, reported: &[String], lang: Option<&str>) -> Vec<String> {
    let language = lang.unwrap_or(&survey.default_language);
    let mut lines: Vec<String> = [
        W::LegendN,
        W::LegendPercent,
        W::LegendInterval,
        W::LegendStandardError,
    ]
    .into_iter()
    .map(|word| say(word).to_owned())
    .collect();
    for code in reported {
        let label = survey
            .choice_lists
            .iter()
            .flat_map(|list| &list.choices)
            .find(|choice| &choice.value == code && choice.missing.is_some())
            .map_or(code.as_str(), |choice| {
                choice.label.get(language, &survey.default_language)
            });
        lines.push(fill(
            say(W::LegendReported),
            &[("code", code.to_uppercase().as_str()), ("label", label)],
        ));
    }
    lines
}

fn tables(table: AggregateTable, legend: Vec<String>) -> impl IntoView {
    let reported = table.reported.clone();
    let dimensions: Vec<&'static str> = table.by.iter().map(|d| dimension_name(*d)).collect();
    let title = format!("{} {}", table.code, table.name);
    let populations: Vec<AnyView> = table
        .populations
        .into_iter()
        .map(|population| population_view(population, &dimensions, &reported, &table.by))
        .collect();
    view! {
        <h3 id="table-title">{title}</h3>
        <ul class="legend" id="legend">{legend.into_iter().map(|line| view! { <li>{line}</li> }).collect_view()}</ul>
        {populations}
    }
}

fn population_view(
    population: Population,
    dimensions: &[&'static str],
    reported: &[String],
    by: &[Dimension],
) -> AnyView {
    let heading = say(match population.channel {
        Channel::Enumerator => W::PopulationInterviews,
        Channel::Online => W::PopulationOnline,
    });
    let id = population.channel.as_str();
    let groups = by.len().max(1);
    view! {
        <section class="population" id=format!("population-{id}")>
            <h4>{heading}</h4>
            <p class="design">{population.design.clone()}</p>
            <ul class="notes">{population.notes.iter().map(|note| view! { <li>{note.clone()}</li> }).collect_view()}</ul>
            <div class="scroll" tabindex="0" role="region" aria-label=say(W::ScrollTable)>
                <table class="estimates" id=format!("table-{id}")>
                    <caption>{say(W::TableCaption)}</caption>
                    <thead><tr>
                        {if dimensions.is_empty() {
                            vec![view! { <th scope="col">{say(W::ColumnGroup)}</th> }]
                        } else {
                            dimensions.iter().map(|d| view! { <th scope="col">{*d}</th> }).collect::<Vec<_>>()
                        }}
                        <th scope="col" class="number">"n"</th>
                        <th scope="col" class="number">"%"</th>
                        <th scope="col" class="number">{say(W::ColumnInterval)}</th>
                        <th scope="col" class="number">{say(W::ColumnStandardError)}</th>
                        {reported.iter().map(|category| view! { <th scope="col" class="number">{category.to_uppercase()}</th> }).collect_view()}
                    </tr></thead>
                    <tbody>
                        {population.cells.iter().map(|cell| {
                            let labels: Vec<String> = if cell.group.is_empty() {
                                let mut labels = vec![say(W::Total).to_owned()];
                                labels.resize(groups, String::new());
                                labels
                            } else {
                                cell.group.iter().map(|g| g.label.clone()).collect()
                            };
                            let flag = cell.flag.as_str();
                            view! {
                                <tr data-flag=flag>
                                    {labels.into_iter().map(|label| view! { <th scope="row">{label}</th> }).collect_view()}
                                    <td class="number">{cell.n.map(|n| n.to_string()).unwrap_or_default()}</td>
                                    <td class="estimate number">{estimate(cell)}</td>
                                    <td class="number">{interval(cell)}</td>
                                    <td class="number">{cell.standard_error.map(percent).unwrap_or_default()}</td>
                                    {cell.reported.iter().map(|count| view! {
                                        <td class="number">{count.count.map_or_else(|| "*".to_owned(), |c| c.to_string())}</td>
                                    }).collect_view()}
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            {chart(&population)}
        </section>
    }
    .into_any()
}

/// Horizontal bars with the 95% interval as a whisker; cells without a
/// published estimate are left out of the chart (the table says why). The
/// estimate is written in a column of its own at the end of each row, so
/// it is never read as the interval's upper bound.
fn chart(population: &Population) -> Option<AnyView> {
    const ROW: f64 = 26.0;
    const LABEL: f64 = 190.0;
    const WIDTH: f64 = 600.0;
    const VALUE: f64 = 64.0;
    let scale = |value: f64| LABEL + value.clamp(0.0, 1.0) * (WIDTH - LABEL - VALUE - 12.0);
    let shown: Vec<&Cell> = population
        .cells
        .iter()
        .filter(|c| c.estimate.is_some())
        .collect();
    if shown.is_empty() {
        return None;
    }
    let height = ROW * shown.len() as f64 + 24.0;
    let bars = shown
        .iter()
        .enumerate()
        .map(|(index, cell)| {
            let y = ROW * index as f64 + 4.0;
            let share = cell.estimate.unwrap_or_default();
            let whisker = match (cell.ci_lower, cell.ci_upper) {
                (Some(lower), Some(upper)) => Some(view! {
                    <line class="whisker" x1=scale(lower) x2=scale(upper) y1=y + 9.0 y2=y + 9.0/>
                    <line class="whisker" x1=scale(lower) x2=scale(lower) y1=y + 4.0 y2=y + 14.0/>
                    <line class="whisker" x1=scale(upper) x2=scale(upper) y1=y + 4.0 y2=y + 14.0/>
                }),
                _ => None,
            };
            let class = if cell.flag == Flag::Caution { "bar caution" } else { "bar" };
            view! {
                <text x=LABEL - 6.0 y=y + 13.0 text-anchor="end">{group_label(cell)}</text>
                <rect class=class x=LABEL y=y width=scale(share) - LABEL height=18.0/>
                {whisker}
                <text class="value" x=WIDTH - 4.0 y=y + 13.0 text-anchor="end">{estimate(cell)}</text>
            }
        })
        .collect_view();
    let axis_y = height - 16.0;
    Some(
        view! {
            <svg class="chart" role="img" viewBox=format!("0 0 {WIDTH} {height}")
                aria-label=say(W::ChartLabel)>
                {bars}
                <line class="axis" x1=LABEL x2=scale(1.0) y1=axis_y y2=axis_y/>
                <text x=LABEL y=axis_y + 14.0>"0%"</text>
                <text x=scale(0.5) y=axis_y + 14.0 text-anchor="middle">"50%"</text>
                <text x=scale(1.0) y=axis_y + 14.0 text-anchor="end">"100%"</text>
            </svg>
        }
        .into_any(),
    )
}
