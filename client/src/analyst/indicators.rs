//! One indicator broken down by up to two groups: the table with 95%
//! intervals and publication flags (DHS/MICS: `*` suppressed, parentheses
//! for caution), a bar chart with interval whiskers, and downloads.

use leptos::prelude::*;
use salama_shared::Survey;
use salama_shared::aggregate::{
    AgeScheme, AggregateTable, Cell, Dimension, Format, Population, Query, available_breakdowns,
    default_age_scheme,
};
use salama_shared::publication::{Flag, Rule};
use salama_shared::schema::Channel;

use salama_shared::words::AnalysisWord as W;

use super::calls;
use crate::api::{self, ApiError};
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

pub fn view(survey_id: String, lang: Option<String>) -> impl IntoView {
    let survey = RwSignal::new(None::<Result<Survey, ApiError>>);
    let indicator = RwSignal::new(String::new());
    let first = RwSignal::new(Some(Dimension::Sex));
    let second = RwSignal::new(Some(Dimension::AgeBand));
    // `None` until the analyst picks bands: the indicator's own default.
    let scheme = RwSignal::new(None::<AgeScheme>);
    let rule = RwSignal::new(Rule::default());
    let table = RwSignal::new(None::<Result<AggregateTable, ApiError>>);
    // Indicator names in the table's language, else the survey's own.
    let names_language = lang.clone().unwrap_or_default();
    // Copy, as the query is built by several closures.
    let lang = StoredValue::new(lang);
    let id = survey_id.clone();
    leptos::task::spawn_local(async move {
        let loaded = api::survey(&id).await;
        if let Ok(survey) = &loaded
            && let Some(first) = survey.indicators.first()
        {
            indicator.set(first.id.clone());
        }
        survey.set(Some(loaded));
    });
    // The breakdowns the survey defines for the indicator's unit, and the
    // bands it defaults to: only these are offered.
    let defaults = Memo::new(move |_| {
        let id = indicator.get();
        survey.with(|survey| match survey {
            Some(Ok(survey)) => survey
                .indicators
                .iter()
                .find(|i| i.id == id)
                .map(|i| {
                    (
                        available_breakdowns(survey, i.unit),
                        default_age_scheme(survey, i),
                    )
                })
                .unwrap_or_default(),
            _ => (Vec::new(), AgeScheme::default()),
        })
    });
    let available = move || defaults.with(|(available, _)| available.clone());
    // Another unit of analysis: choices it lacks fall back to what it has,
    // and the bands to its default.
    Effect::new(move |_| {
        let available = available();
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
        scheme.set(None);
    });
    let query = move || {
        let mut query = Query::new(indicator.get());
        let available = available();
        for dimension in [first.get(), second.get()].into_iter().flatten() {
            if available.contains(&dimension) && !query.by.contains(&dimension) {
                query.by.push(dimension);
            }
        }
        query.age_scheme = scheme.get();
        query.rule = rule.get();
        query.lang = lang.get_value();
        query
    };
    let id = survey_id.clone();
    Effect::new(move |_| {
        let query = query();
        if query.indicator.is_empty() {
            return;
        }
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
    let xlsx_href = download(survey_id, Format::Xlsx);
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
                <div class="question">
                    <label for="age-scheme">{say(W::AgeBands)}</label>
                    <select id="age-scheme" on:change=move |e| scheme.set(AgeScheme::parse(&event_target_value(&e)))>
                        {move || {
                            let chosen = scheme.get().unwrap_or_else(|| defaults.with(|(_, default)| *default));
                            AgeScheme::ALL.into_iter().map(|option| view! {
                                <option value=option.as_str() selected=option == chosen>{scheme_name(option)}</option>
                            }).collect_view()
                        }}
                    </select>
                </div>
                <div class="question">
                    <label for="rule">{say(W::PublicationRule)}</label>
                    <select id="rule" on:change=move |e| {
                        let name = event_target_value(&e);
                        rule.set(Rule::ALL.into_iter().find(|r| r.as_str() == name).unwrap_or_default());
                    }>
                        {Rule::ALL.into_iter().map(|option| view! {
                            <option value=option.as_str() selected=option == Rule::default()>{rule_name(option)}</option>
                        }).collect_view()}
                    </select>
                </div>
            </div>
            <p class="downloads">
                {say(W::Download)} " "
                <a id="download-csv" download="" href=csv_href>"CSV"</a>
                " · "
                <a id="download-xlsx" download="" href=xlsx_href>"XLSX"</a>
            </p>
            {move || match table.get() {
                None => view! { <p role="status">{say(W::Computing)}</p> }.into_any(),
                Some(Err(error)) => view! { <p class="error" role="alert">{refusal(&error)}</p> }.into_any(),
                Some(Ok(table)) => tables(table).into_any(),
            }}
        </section>
    }
}

fn tables(table: AggregateTable) -> impl IntoView {
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
                        <th scope="col">"n"</th>
                        <th scope="col">"%"</th>
                        <th scope="col">{say(W::ColumnInterval)}</th>
                        <th scope="col">{say(W::ColumnStandardError)}</th>
                        {reported.iter().map(|category| view! { <th scope="col">{category.to_uppercase()}</th> }).collect_view()}
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
                                    <td>{cell.n}</td>
                                    <td class="estimate">{estimate(cell)}</td>
                                    <td>{interval(cell)}</td>
                                    <td>{cell.standard_error.map(percent).unwrap_or_default()}</td>
                                    {cell.reported.iter().map(|count| view! {
                                        <td>{count.count.map_or_else(|| "*".to_owned(), |c| c.to_string())}</td>
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
/// published estimate are left out of the chart (the table says why).
fn chart(population: &Population) -> Option<AnyView> {
    const ROW: f64 = 26.0;
    const LABEL: f64 = 190.0;
    const WIDTH: f64 = 600.0;
    let scale = |value: f64| LABEL + value.clamp(0.0, 1.0) * (WIDTH - LABEL - 50.0);
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
                <text x=scale(cell.ci_upper.unwrap_or(share)) + 4.0 y=y + 13.0>{estimate(cell)}</text>
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
