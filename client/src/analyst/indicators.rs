//! One indicator broken down by up to two groups: the table with 95%
//! intervals and publication flags (DHS/MICS: `*` suppressed, parentheses
//! for caution), a bar chart with interval whiskers, and downloads.

use leptos::prelude::*;
use salama_shared::Survey;
use salama_shared::aggregate::{AggregateTable, Cell, Dimension, Population};
use salama_shared::publication::Flag;
use salama_shared::schema::Channel;

use super::calls;
use crate::api::{self, ApiError};

const DIMENSIONS: [(&str, &str); 6] = [
    ("sex", "Sex"),
    ("age_band", "Age band"),
    ("area", "Area"),
    ("disability", "Disability"),
    ("displacement", "Displacement"),
    ("urban_rural", "Urban or rural"),
];

fn interval(cell: &Cell) -> String {
    match (cell.ci_lower, cell.ci_upper) {
        (Some(lower), Some(upper)) => format!("{:.1}–{:.1}", lower * 100.0, upper * 100.0),
        _ => String::new(),
    }
}

fn group_label(cell: &Cell) -> String {
    if cell.group.is_empty() {
        "Total".into()
    } else {
        cell.group
            .iter()
            .map(|g| g.label.as_str())
            .collect::<Vec<_>>()
            .join(" · ")
    }
}

pub fn view(survey_id: String) -> impl IntoView {
    let survey = RwSignal::new(None::<Result<Survey, ApiError>>);
    let indicator = RwSignal::new(String::new());
    let first = RwSignal::new("sex".to_owned());
    let second = RwSignal::new("age_band".to_owned());
    let scheme = RwSignal::new("un_adult".to_owned());
    let rule = RwSignal::new("dhs_mics".to_owned());
    let table = RwSignal::new(None::<Result<AggregateTable, ApiError>>);
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
    let query = move || {
        let mut by: Vec<String> = Vec::new();
        for dimension in [first.get(), second.get()] {
            if !dimension.is_empty() && !by.contains(&dimension) {
                by.push(dimension);
            }
        }
        format!(
            "indicator={}&by={}&age_scheme={}&rule={}",
            indicator.get(),
            by.join(","),
            scheme.get(),
            rule.get()
        )
    };
    let id = survey_id.clone();
    Effect::new(move |_| {
        let query = query();
        if indicator.get().is_empty() {
            return;
        }
        let id = id.clone();
        table.set(None);
        leptos::task::spawn_local(
            async move { table.set(Some(calls::aggregates(&id, &query).await)) },
        );
    });
    let dimension_select = move |signal: RwSignal<String>,
                                 id: &'static str,
                                 label: &'static str,
                                 optional: bool| {
        view! {
            <div class="question">
                <label for=id>{label}</label>
                <select id=id on:change=move |e| signal.set(event_target_value(&e))>
                    {optional.then(|| view! { <option value="" selected=signal.get_untracked().is_empty()>"(none)"</option> })}
                    {DIMENSIONS.iter().map(|(value, name)| {
                        let selected = signal.get_untracked() == *value;
                        view! { <option value=*value selected=selected>{*name}</option> }
                    }).collect_view()}
                </select>
            </div>
        }
    };
    let csv_id = survey_id.clone();
    let xlsx_id = survey_id;
    view! {
        <section aria-labelledby="indicator-title">
            <h2 id="indicator-title">"Indicators"</h2>
            <div class="controls">
                <div class="question">
                    <label for="indicator">"Indicator"</label>
                    <select id="indicator" on:change=move |e| indicator.set(event_target_value(&e))>
                        {move || match survey.get() {
                            Some(Ok(survey)) => survey.indicators.iter().map(|i| {
                                let selected = indicator.get_untracked() == i.id;
                                let label = format!("{} — {}", i.code, i.name.get("en", &survey.default_language));
                                view! { <option value=i.id.clone() selected=selected>{label}</option> }
                            }).collect_view().into_any(),
                            _ => ().into_any(),
                        }}
                    </select>
                </div>
                {dimension_select(first, "by-first", "Break down by", false)}
                {dimension_select(second, "by-second", "and by", true)}
                <div class="question">
                    <label for="age-scheme">"Age bands"</label>
                    <select id="age-scheme" on:change=move |e| scheme.set(event_target_value(&e))>
                        <option value="un_adult" selected=true>"UN adult (under 25 … 65+)"</option>
                        <option value="sadd">"Humanitarian (0–4, 5–11, 12–17, 18–59, 60+)"</option>
                    </select>
                </div>
                <div class="question">
                    <label for="rule">"Publication rule"</label>
                    <select id="rule" on:change=move |e| rule.set(event_target_value(&e))>
                        <option value="dhs_mics" selected=true>"DHS/MICS (n under 25 suppressed)"</option>
                        <option value="nchs">"NCHS 2017 (strict)"</option>
                    </select>
                </div>
            </div>
            <p class="downloads">
                "Download: "
                <a id="download-csv" download="" href=move || calls::aggregates_url(&csv_id, &format!("{}&format=csv", query()))>"CSV"</a>
                " · "
                <a id="download-xlsx" download="" href=move || calls::aggregates_url(&xlsx_id, &format!("{}&format=xlsx", query()))>"XLSX"</a>
            </p>
            {move || match table.get() {
                None => view! { <p role="status">"Computing…"</p> }.into_any(),
                Some(Err(ApiError::Invalid { message, .. })) => view! { <p class="error" role="alert">{message}</p> }.into_any(),
                Some(Err(error)) => view! { <p class="error" role="alert">{format!("The table could not be loaded: {error}")}</p> }.into_any(),
                Some(Ok(table)) => tables(table).into_any(),
            }}
        </section>
    }
}

fn tables(table: AggregateTable) -> impl IntoView {
    let reported = table.reported.clone();
    let dimensions: Vec<&'static str> = table
        .by
        .iter()
        .map(|d| {
            DIMENSIONS
                .iter()
                .find(|(v, _)| *v == d.as_str())
                .map_or("", |(_, n)| *n)
        })
        .collect();
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
    let heading = match population.channel {
        Channel::Enumerator => "Household interviews (probability sample)",
        Channel::Online => "Online answers (opt-in: not representative)",
    };
    let id = population.channel.as_str();
    let groups = by.len().max(1);
    view! {
        <section class="population" id=format!("population-{id}")>
            <h4>{heading}</h4>
            <p class="design">{population.design.clone()}</p>
            <ul class="notes">{population.notes.iter().map(|note| view! { <li>{note.clone()}</li> }).collect_view()}</ul>
            <div class="scroll" tabindex="0" role="region" aria-label="Table (scrolls sideways on narrow screens)">
                <table class="estimates" id=format!("table-{id}")>
                    <caption>"Percent, with 95% confidence interval. * suppressed (fewer than 25 cases), ( ) use with caution, – no cases."</caption>
                    <thead><tr>
                        {if dimensions.is_empty() {
                            vec![view! { <th scope="col">"Group"</th> }]
                        } else {
                            dimensions.iter().map(|d| view! { <th scope="col">{*d}</th> }).collect::<Vec<_>>()
                        }}
                        <th scope="col">"n"</th>
                        <th scope="col">"%"</th>
                        <th scope="col">"95% CI"</th>
                        <th scope="col">"SE (points)"</th>
                        {reported.iter().map(|category| view! { <th scope="col">{category.to_uppercase()}</th> }).collect_view()}
                    </tr></thead>
                    <tbody>
                        {population.cells.iter().map(|cell| {
                            let labels: Vec<String> = if cell.group.is_empty() {
                                let mut labels = vec!["Total".to_owned()];
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
                                    <td class="estimate">{cell.flag.shown_as(cell.estimate)}</td>
                                    <td>{interval(cell)}</td>
                                    <td>{cell.standard_error.map(|se| format!("{:.1}", se * 100.0)).unwrap_or_default()}</td>
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
            let estimate = cell.estimate.unwrap_or_default();
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
                <rect class=class x=LABEL y=y width=scale(estimate) - LABEL height=18.0/>
                {whisker}
                <text x=scale(cell.ci_upper.unwrap_or(estimate)) + 4.0 y=y + 13.0>{cell.flag.shown_as(cell.estimate)}</text>
            }
        })
        .collect_view();
    let axis_y = height - 16.0;
    Some(view! {
        <svg class="chart" role="img" viewBox=format!("0 0 {WIDTH} {height}")
            aria-label="Bar chart of the published estimates with their 95% intervals; the table gives the numbers.">
            {bars}
            <line class="axis" x1=LABEL x2=scale(1.0) y1=axis_y y2=axis_y/>
            <text x=LABEL y=axis_y + 14.0>"0%"</text>
            <text x=scale(0.5) y=axis_y + 14.0 text-anchor="middle">"50%"</text>
            <text x=scale(1.0) y=axis_y + 14.0 text-anchor="end">"100%"</text>
        </svg>
    }.into_any())
}
