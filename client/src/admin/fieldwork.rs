//! The fieldwork page (`/admin/fieldwork`), one survey at a time: the sample
//! of clusters uploaded as CSV with a preview of what it changes, each
//! enumerator's clusters with their progress against the households to
//! interview, a cluster withdrawn or moved after a confirmation that says
//! what becomes of its interviews; then the design: weights and strata
//! uploaded with a preview, the design as the aggregates use it, and its
//! history. Every change goes through the same calls a script would make.

use std::collections::BTreeMap;

use leptos::prelude::*;
use salama_shared::api::ErrorField;
use salama_shared::assignment_upload::AssignmentPlan;
use salama_shared::design_upload::{ClusterProgress, DesignPlan, DesignSummary};
use salama_shared::response_rate::ResponseRates;
use salama_shared::words::{AdminWord as A, StaffWord as S, fill};
use serde::Deserialize;
use wasm_bindgen_futures::JsFuture;

use super::calls::{self, Refusal};
use super::{Session, SurveyChoice, bar, say};
use crate::analyst::Me;
use crate::api::encode;
use crate::browser;

/// A person as `GET /api/users` lists them; only what the move needs.
#[derive(Clone, Debug, Deserialize)]
struct Staff {
    name: String,
    role: String,
    #[serde(default)]
    revoked: bool,
}

/// One survey's fieldwork as last read from the server.
#[derive(Clone, Copy)]
struct Fieldwork {
    survey: StoredValue<String>,
    clusters: RwSignal<Option<Result<Vec<ClusterProgress>, Refusal>>>,
    design: RwSignal<Option<Result<DesignSummary, Refusal>>>,
    rates: RwSignal<Option<Result<ResponseRates, Refusal>>>,
    enumerators: RwSignal<Vec<String>>,
    /// A withdrawal or move waiting for its confirmation.
    pending: RwSignal<Option<Change>>,
    status: RwSignal<String>,
}

/// A change to one cluster, as the confirmation describes it.
#[derive(Clone, Debug, PartialEq)]
struct Change {
    cluster: ClusterProgress,
    from: String,
    /// `None`: withdrawn; `Some`: moved to this enumerator.
    to: Option<String>,
}

impl Fieldwork {
    fn path(&self, tail: &str) -> String {
        format!(
            "/api/surveys/{}/{tail}",
            self.survey.with_value(|id| encode(id))
        )
    }

    /// Reads the clusters and the design again (after any change).
    fn reload(self) {
        leptos::task::spawn_local(async move {
            let clusters = calls::read(&self.path("clusters")).await;
            self.clusters.set(Some(clusters));
            let design = calls::read(&self.path("design")).await;
            self.design.set(Some(design));
            let rates = calls::read(&self.path("response-rates")).await;
            self.rates.set(Some(rates));
        });
    }
}

pub fn page(who: Me, session: Session) -> impl IntoView {
    let choice = SurveyChoice::load();
    view! {
        {bar(&who, session)}
        <main id="main" class="page wide">
            <h1 id="fieldwork-title">{say(A::FieldworkTitle)}</h1>
            {choice.chooser("fieldwork-survey")}
            {move || {
                let survey = choice.chosen.get();
                (!survey.is_empty()).then(|| untrack(|| survey_fieldwork(survey)))
            }}
        </main>
    }
}

fn survey_fieldwork(survey: String) -> impl IntoView {
    let fieldwork = Fieldwork {
        survey: StoredValue::new(survey),
        clusters: RwSignal::new(None),
        design: RwSignal::new(None),
        rates: RwSignal::new(None),
        enumerators: RwSignal::new(Vec::new()),
        pending: RwSignal::new(None),
        status: RwSignal::new(String::new()),
    };
    fieldwork.reload();
    leptos::task::spawn_local(async move {
        if let Ok(staff) = calls::read::<Vec<Staff>>("/api/users").await {
            fieldwork.enumerators.set(
                staff
                    .into_iter()
                    .filter(|person| person.role == "enumerator" && !person.revoked)
                    .map(|person| person.name)
                    .collect(),
            );
        }
    });
    let clusters_upload = Upload {
        name: "clusters",
        title: A::ClustersTitle,
        intro: A::ClustersIntro,
        replace: A::ReplaceClusters,
        apply: A::ApplyChanges,
        endpoint: "assignments.csv",
    };
    let weights_upload = Upload {
        name: "weights",
        title: A::WeightsTitle,
        intro: A::WeightsIntro,
        replace: A::ReplaceWeights,
        apply: A::StoreDesign,
        endpoint: "weights",
    };
    view! {
        {clusters_upload.panel(fieldwork, cluster_plan)}
        <section aria-labelledby="by-enumerator-title">
            <h2 id="by-enumerator-title">{say(A::ByEnumeratorTitle)}</h2>
            <p class="hint">{say(A::ProgressExplained)}</p>
            <button type="button" id="fieldwork-refresh" on:click=move |_| fieldwork.reload()>{say(A::Refresh)}</button>
            <p id="fieldwork-status" role="status" class="status">{move || fieldwork.status.get()}</p>
            {move || fieldwork.pending.get().map(|change| confirmation(fieldwork, change))}
            {move || by_enumerator(fieldwork)}
        </section>
        <section aria-labelledby="rates-title">
            <h2 id="rates-title">{say(A::RatesTitle)}</h2>
            <p class="hint">{say(A::RatesIntro)}</p>
            {move || super::rates::response_rates(fieldwork.survey.get_value(), fieldwork.rates.get())}
        </section>
        <section aria-labelledby="design-title">
            <h2 id="design-title">{say(A::DesignTitle)}</h2>
            {move || design_now(fieldwork)}
        </section>
        {weights_upload.panel(fieldwork, design_plan)}
        <section aria-labelledby="history-title">
            <h2 id="history-title">{say(A::HistoryTitle)}</h2>
            {move || history(fieldwork)}
        </section>
    }
}

/// A CSV upload with its preview: the file is sent with `dry_run=true`,
/// what it would change is shown, and only "apply" changes anything (the
/// same text, the same `replace`).
#[derive(Clone, Copy)]
struct Upload {
    /// Names the elements (`clusters-file`, `weights-apply`…).
    name: &'static str,
    title: A,
    intro: A,
    replace: A,
    apply: A,
    endpoint: &'static str,
}

/// Where an upload stands.
#[derive(Clone)]
enum Step<T> {
    Idle,
    Busy,
    Refused(Refusal),
    Planned(T),
    Applied(T),
}

/// What a plan shows, and what stops it being applied.
struct Shown {
    view: AnyView,
    blocked: Option<&'static str>,
}

impl Upload {
    fn id(self, part: &str) -> String {
        format!("{}-{part}", self.name)
    }

    fn panel<T>(self, fieldwork: Fieldwork, show: fn(&T, bool) -> Shown) -> impl IntoView
    where
        T: serde::de::DeserializeOwned + Clone + Send + Sync + 'static,
    {
        let step = RwSignal::new(Step::<T>::Idle);
        let text = RwSignal::new(String::new());
        let replace = RwSignal::new(false);
        let previewed_replace = RwSignal::new(false);
        let files = NodeRef::<leptos::html::Input>::new();
        let url = move |dry_run: bool, replace: bool| {
            let mut url = fieldwork.path(self.endpoint);
            let flags: Vec<&str> = [(dry_run, "dry_run=true"), (replace, "replace=true")]
                .into_iter()
                .filter_map(|(on, flag)| on.then_some(flag))
                .collect();
            if !flags.is_empty() {
                url.push('?');
                url.push_str(&flags.join("&"));
            }
            url
        };
        let preview = move |event: leptos::ev::SubmitEvent| {
            event.prevent_default();
            let file = files
                .get_untracked()
                .and_then(|input| input.files())
                .and_then(|list| list.get(0));
            let Some(file) = file else {
                step.set(Step::Refused(Refusal {
                    status: 400,
                    message: say(A::NoFile).to_owned(),
                    fields: Vec::new(),
                }));
                return;
            };
            step.set(Step::Busy);
            let replacing = replace.get_untracked();
            leptos::task::spawn_local(async move {
                let read = JsFuture::from(file.text())
                    .await
                    .ok()
                    .and_then(|t| t.as_string());
                let Some(read) = read else {
                    step.set(Step::Refused(Refusal::default()));
                    return;
                };
                let answer = calls::send_csv::<T>(&url(true, replacing), &read).await;
                text.set(read);
                previewed_replace.set(replacing);
                step.set(match answer {
                    Ok(plan) => Step::Planned(plan),
                    Err(refusal) => Step::Refused(refusal),
                });
                browser::focus_soon(self.id("outcome"));
            });
        };
        let apply = move |_| {
            step.set(Step::Busy);
            leptos::task::spawn_local(async move {
                let answer = calls::send_csv::<T>(
                    &url(false, previewed_replace.get_untracked()),
                    &text.get_untracked(),
                )
                .await;
                step.set(match answer {
                    Ok(plan) => Step::Applied(plan),
                    Err(refusal) => Step::Refused(refusal),
                });
                fieldwork.reload();
                browser::focus_soon(self.id("outcome"));
            });
        };
        let outcome = move || match step.get() {
            Step::Idle => ().into_any(),
            Step::Busy => view! { <p role="status">{say(A::Checking)}</p> }.into_any(),
            Step::Refused(refusal) => csv_problems(&self.id("outcome"), refusal).into_any(),
            Step::Applied(plan) => {
                let shown = show(&plan, true);
                view! {
                    <h3 id=self.id("outcome") tabindex="-1" role="status">{say(A::Applied)}</h3>
                    {shown.view}
                }
                .into_any()
            }
            Step::Planned(plan) => {
                let shown = show(&plan, false);
                let blocked = shown.blocked;
                view! {
                    <h3 id=self.id("outcome") tabindex="-1">{say(A::PlanTitle)}</h3>
                    {shown.view}
                    {blocked.map(|reason| view! { <p class="error" role="alert">{reason}</p> })}
                    <button type="button" id=self.id("apply") class="primary"
                        prop:disabled=blocked.is_some() on:click=apply>{say(self.apply)}</button>
                }
                .into_any()
            }
        };
        let busy = move || matches!(step.get(), Step::Busy);
        view! {
            <section class="upload" aria-labelledby=self.id("title")>
                <h2 id=self.id("title")>{say(self.title)}</h2>
                <p>{say(self.intro)}</p>
                <form on:submit=preview>
                    <div class="question">
                        <label for=self.id("file")>{say(A::CsvFile)}</label>
                        <input id=self.id("file") type="file" accept=".csv,text/csv" node_ref=files/>
                    </div>
                    <div class="choice">
                        <input id=self.id("replace") type="checkbox"
                            prop:checked=move || replace.get()
                            on:change=move |e| replace.set(event_target_checked(&e))/>
                        <label for=self.id("replace")>{say(self.replace)}</label>
                    </div>
                    <button id=self.id("preview") type="submit" prop:disabled=busy>{say(A::PreviewChanges)}</button>
                </form>
                {outcome}
            </section>
        }
    }
}

/// A table with a caption: the plan's parts, the strata, the history.
pub(super) fn table(id: String, caption: String, head: &[A], rows: Vec<Vec<String>>) -> AnyView {
    let caption_id = format!("{id}-caption");
    let head = head
        .iter()
        .map(|word| view! { <th scope="col">{say(*word)}</th> })
        .collect_view();
    let rows = rows
        .into_iter()
        .map(|cells| {
            let mut cells = cells.into_iter();
            let first = cells.next().unwrap_or_default();
            let rest = cells.map(|cell| view! { <td>{cell}</td> }).collect_view();
            view! { <tr><th scope="row">{first}</th>{rest}</tr> }
        })
        .collect_view();
    let labelled_by = caption_id.clone();
    view! {
        <div class="scroll" tabindex="0" role="region" aria-labelledby=labelled_by>
            <table id=id>
                <caption id=caption_id>{caption}</caption>
                <thead><tr>{head}</tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}

/// A table of a plan's part, left out when the part is empty.
fn part(id: &str, word: A, head: &[A], rows: Vec<Vec<String>>) -> Option<AnyView> {
    if rows.is_empty() {
        return None;
    }
    let caption = fill(say(word), &[("n", &rows.len().to_string())]);
    Some(table(id.to_owned(), caption, head, rows))
}

fn text(value: &Option<String>) -> String {
    value.clone().unwrap_or_default()
}

fn cluster_plan(plan: &AssignmentPlan, applied: bool) -> Shown {
    let households = |n: Option<u32>| n.map(|n| n.to_string()).unwrap_or_default();
    let full = [
        A::ColumnCluster,
        A::ColumnEnumerator,
        A::ColumnStratum,
        A::ColumnArea,
        A::ColumnHouseholds,
    ];
    let rows = |list: &[salama_shared::assignment_upload::PlannedAssignment]| {
        list.iter()
            .map(|row| {
                vec![
                    row.cluster.clone(),
                    row.enumerator.clone(),
                    text(&row.stratum),
                    text(&row.area),
                    households(row.households),
                ]
            })
            .collect()
    };
    let moved = plan
        .moved
        .iter()
        .map(|m| {
            vec![
                m.to.cluster.clone(),
                m.from.join(", "),
                m.to.enumerator.clone(),
            ]
        })
        .collect();
    let withdrawn = plan
        .withdrawn
        .iter()
        .map(|w| vec![w.cluster.clone(), w.enumerator.clone()])
        .collect();
    let unknown = plan
        .unknown_enumerators
        .iter()
        .map(|u| {
            let reason = if u.code == "wrong_role" {
                A::ReasonWrongRole
            } else {
                A::ReasonUnknown
            };
            vec![
                u.line.to_string(),
                u.cluster.clone(),
                u.enumerator.clone(),
                say(reason).to_owned(),
            ]
        })
        .collect();
    let prefix = if applied { "applied" } else { "plan" };
    let parts = [
        part(
            &format!("{prefix}-added"),
            A::PlanAdded,
            &full,
            rows(&plan.added),
        ),
        part(
            &format!("{prefix}-moved"),
            A::PlanMoved,
            &[A::ColumnCluster, A::ColumnFrom, A::ColumnTo],
            moved,
        ),
        part(
            &format!("{prefix}-updated"),
            A::PlanUpdated,
            &full,
            rows(&plan.updated),
        ),
        part(
            &format!("{prefix}-withdrawn"),
            A::PlanWithdrawn,
            &[A::ColumnCluster, A::ColumnEnumerator],
            withdrawn,
        ),
        part(
            &format!("{prefix}-unknown"),
            A::PlanUnknown,
            &[
                A::ColumnRow,
                A::ColumnCluster,
                A::ColumnEnumerator,
                A::ColumnProblem,
            ],
            unknown,
        ),
    ];
    let unchanged = fill(say(A::PlanUnchanged), &[("n", &plan.unchanged.to_string())]);
    Shown {
        view: view! { {parts.into_iter().flatten().collect_view()}<p>{unchanged}</p> }.into_any(),
        blocked: (!plan.unknown_enumerators.is_empty()).then(|| say(A::UnknownBlocks)),
    }
}

/// A weight as people read it: whole, or to at most four decimals.
fn number(value: f64) -> String {
    let text = format!("{value:.4}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

fn before_after(before: String, after: String) -> String {
    if before == after {
        after
    } else {
        format!(
            "{} → {}",
            if before.is_empty() { "–" } else { &before },
            after
        )
    }
}

fn design_plan(plan: &DesignPlan, applied: bool) -> Shown {
    let weight = |w: Option<f64>| w.map(number).unwrap_or_default();
    let changed = plan
        .changed
        .iter()
        .map(|row| {
            vec![
                row.key.clone(),
                before_after(text(&row.stratum_before), text(&row.stratum)),
                before_after(weight(row.weight_before), weight(row.weight)),
            ]
        })
        .collect();
    let unmatched = plan
        .unmatched
        .iter()
        .map(|row| vec![row.line.to_string(), row.key.clone()])
        .collect();
    let removed = plan
        .removed
        .iter()
        .map(|row| vec![row.key.clone(), number(row.weight)])
        .collect();
    let prefix = if applied { "stored" } else { "design" };
    let parts = [
        part(
            &format!("{prefix}-changed"),
            A::DesignChanged,
            &[A::ColumnKey, A::ColumnStratum, A::ColumnWeight],
            changed,
        ),
        part(
            &format!("{prefix}-unmatched"),
            A::DesignUnmatched,
            &[A::ColumnRow, A::ColumnKey],
            unmatched,
        ),
        part(
            &format!("{prefix}-removed"),
            A::DesignRemoved,
            &[A::ColumnKey, A::ColumnWeight],
            removed,
        ),
    ];
    let matched = fill(
        say(A::DesignMatched),
        &[
            ("n", &plan.matched.to_string()),
            ("m", &plan.unchanged.to_string()),
        ],
    );
    let kept = (plan.kept > 0).then(|| fill(say(A::DesignKept), &[("n", &plan.kept.to_string())]));
    Shown {
        view: view! {
            <p>{matched}</p>
            {parts.into_iter().flatten().collect_view()}
            {kept.map(|kept| view! { <p>{kept}</p> })}
        }
        .into_any(),
        blocked: (!plan.unmatched.is_empty()).then(|| say(A::UnmatchedBlocks)),
    }
}

/// Every problem of a CSV file by line and column (`rows[3].cluster` is
/// line 5: the header is line 1).
pub(super) fn csv_problems(id: &str, refusal: Refusal) -> impl IntoView + use<> {
    if refusal.status == 0 {
        return view! { <p id=id.to_owned() tabindex="-1" class="error" role="alert">{say(S::Unreachable)}</p> }.into_any();
    }
    let fields = if refusal.fields.is_empty() {
        let message = if refusal.message.is_empty() {
            fill(say(S::Failed), &[("status", &refusal.status.to_string())])
        } else {
            refusal.message
        };
        vec![ErrorField::new("", "", message)]
    } else {
        refusal.fields
    };
    let count = fields.len().to_string();
    let rows = fields
        .into_iter()
        .map(|field| {
            let (line, column) = place(&field.path);
            let message = match field.message.split_once(": ") {
                Some((start, rest)) if start.starts_with("line ") => rest.to_owned(),
                _ => field.message,
            };
            vec![line, column, message]
        })
        .collect();
    view! {
        <h3 id=id.to_owned() tabindex="-1" role="alert">{fill(say(A::ProblemsTitle), &[("n", &count)])}</h3>
        {table(format!("{id}-problems"), say(A::ProblemsCaption).to_owned(),
            &[A::ColumnRow, A::ColumnColumn, A::ColumnProblem], rows)}
    }
    .into_any()
}

/// The line and column a problem's path names.
fn place(path: &str) -> (String, String) {
    if let Some((index, column)) = path
        .strip_prefix("rows[")
        .and_then(|rest| rest.split_once(']'))
    {
        let line = index
            .parse::<usize>()
            .map(|index| (index + 2).to_string())
            .unwrap_or_default();
        return (line, column.trim_start_matches('.').to_owned());
    }
    match path {
        "header" => ("1".to_owned(), String::new()),
        "" | "rows" => (say(A::WholeFile).to_owned(), String::new()),
        other => (String::new(), other.to_owned()),
    }
}

fn by_enumerator(fieldwork: Fieldwork) -> AnyView {
    let clusters = match fieldwork.clusters.get() {
        None => return view! { <p role="status">{say(S::Loading)}</p> }.into_any(),
        Some(Err(refusal)) => return csv_problems("clusters-failed", refusal).into_any(),
        Some(Ok(clusters)) => clusters,
    };
    if clusters.is_empty() {
        return view! { <p id="no-clusters">{say(A::NoClusters)}</p> }.into_any();
    }
    let mut groups: BTreeMap<Option<String>, Vec<ClusterProgress>> = BTreeMap::new();
    for cluster in clusters {
        if cluster.enumerators.is_empty() {
            groups.entry(None).or_default().push(cluster);
        } else {
            for enumerator in &cluster.enumerators {
                groups
                    .entry(Some(enumerator.clone()))
                    .or_default()
                    .push(cluster.clone());
            }
        }
    }
    // Those with clusters first, by name; the clusters nobody has last.
    let unassigned = groups.remove(&None);
    let everyone = fieldwork.enumerators.get();
    let groups = groups
        .into_iter()
        .chain(unassigned.map(|clusters| (None, clusters)))
        .map(|(name, clusters)| enumerator_group(fieldwork, name, clusters, &everyone))
        .collect_view();
    groups.into_any()
}

fn enumerator_group(
    fieldwork: Fieldwork,
    name: Option<String>,
    clusters: Vec<ClusterProgress>,
    everyone: &[String],
) -> impl IntoView + use<> {
    let heading = name
        .clone()
        .unwrap_or_else(|| say(A::NotAssigned).to_owned());
    let id = format!("enumerator-{}", name.as_deref().unwrap_or("none"));
    let (interviews, target): (i64, i64) = clusters.iter().fold((0, 0), |(n, t), c| {
        (n + c.interviews, t + c.target_households.unwrap_or(0))
    });
    let total = fill(
        say(A::ProgressTotal),
        &[
            ("n", &interviews.to_string()),
            ("target", &target.to_string()),
        ],
    );
    let rows = clusters
        .into_iter()
        .map(|cluster| cluster_row(fieldwork, name.clone(), cluster, everyone))
        .collect_view();
    let title_id = format!("{id}-title");
    let (section_label, region_label) = (title_id.clone(), title_id.clone());
    view! {
        <section class="enumerator" data-enumerator=name.unwrap_or_default() aria-labelledby=section_label>
            <h3 id=title_id>{heading}</h3>
            <p class="total">{total}</p>
            <div class="scroll" tabindex="0" role="region" aria-labelledby=region_label>
                <table id=id>
                    <thead><tr>
                        <th scope="col">{say(A::ColumnCluster)}</th>
                        <th scope="col">{say(A::ColumnStratum)}</th>
                        <th scope="col">{say(A::ColumnArea)}</th>
                        <th scope="col">{say(A::ColumnProgress)}</th>
                        <th scope="col">{say(A::ColumnActions)}</th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </section>
    }
}

fn cluster_row(
    fieldwork: Fieldwork,
    holder: Option<String>,
    cluster: ClusterProgress,
    everyone: &[String],
) -> impl IntoView + use<> {
    let progress = match cluster.target_households {
        Some(target) => fill(
            say(A::ProgressOf),
            &[
                ("n", &cluster.interviews.to_string()),
                ("target", &target.to_string()),
            ],
        ),
        None => fill(
            say(A::ProgressNoTarget),
            &[("n", &cluster.interviews.to_string())],
        ),
    };
    let bar = cluster.target_households.map(|target| {
        let value = cluster.interviews.min(target).to_string();
        view! { <progress max=target.to_string() value=value aria-hidden="true"></progress> }
    });
    let actions = holder.map(|from| {
        let others: Vec<String> = everyone.iter().filter(|n| **n != from).cloned().collect();
        let choice = RwSignal::new(others.first().cloned().unwrap_or_default());
        let options = others
            .into_iter()
            .map(|name| view! { <option value=name.clone()>{name.clone()}</option> })
            .collect_view();
        let label = fill(say(A::MoveLabel), &[("cluster", &cluster.cluster)]);
        let (for_move, for_withdraw) = (cluster.clone(), cluster.clone());
        let from_move = from.clone();
        let move_it = move |_| {
            let to = choice.get_untracked();
            if to.is_empty() {
                return;
            }
            fieldwork.pending.set(Some(Change {
                cluster: for_move.clone(),
                from: from_move.clone(),
                to: Some(to),
            }));
            browser::focus_soon("confirm-title".into());
        };
        let withdraw = move |_| {
            fieldwork.pending.set(Some(Change {
                cluster: for_withdraw.clone(),
                from: from.clone(),
                to: None,
            }));
            browser::focus_soon("confirm-title".into());
        };
        view! {
            <div class="actions">
                <select class="move-to" aria-label=label on:change=move |e| choice.set(event_target_value(&e))>{options}</select>
                <button type="button" class="move" on:click=move_it>{say(A::Move)}</button>
                <button type="button" class="withdraw" on:click=withdraw>{say(A::Withdraw)}</button>
            </div>
        }
    });
    view! {
        <tr data-cluster=cluster.cluster.clone()>
            <th scope="row">{cluster.cluster.clone()}</th>
            <td>{text(&cluster.stratum)}</td>
            <td>{text(&cluster.area)}</td>
            <td class="progress">{bar}" "<span>{progress}</span></td>
            <td>{actions}</td>
        </tr>
    }
}

/// Before a cluster is withdrawn or moved: what will happen, and to the
/// interviews already made there.
fn confirmation(fieldwork: Fieldwork, change: Change) -> impl IntoView {
    let cluster = change.cluster.cluster.clone();
    let question = match &change.to {
        None => fill(
            say(A::ConfirmWithdraw),
            &[("cluster", &cluster), ("enumerator", &change.from)],
        ),
        Some(to) => fill(
            say(A::ConfirmMove),
            &[("cluster", &cluster), ("from", &change.from), ("to", to)],
        ),
    };
    let consequence = fill(
        say(A::InterviewsKept),
        &[
            ("n", &change.cluster.interviews.to_string()),
            ("enumerator", &change.from),
        ],
    );
    let confirm = move |_| {
        let change = change.clone();
        fieldwork.pending.set(None);
        leptos::task::spawn_local(async move {
            let cluster = change.cluster.cluster.clone();
            let done = match &change.to {
                None => calls::delete(&fieldwork.path(&format!(
                    "assignments/{}/{}",
                    encode(&change.from),
                    encode(&cluster)
                )))
                .await
                .map(|()| {
                    fill(
                        say(A::WithdrawnDone),
                        &[("cluster", &cluster), ("enumerator", &change.from)],
                    )
                }),
                Some(to) => {
                    // One row of the clusters file: the move is one
                    // transaction (taken from one, given to the other), and
                    // the cluster keeps its stratum, area and target.
                    let row = [
                        cluster.as_str(),
                        change.cluster.stratum.as_deref().unwrap_or_default(),
                        change.cluster.area.as_deref().unwrap_or_default(),
                        to.as_str(),
                    ]
                    .map(csv_cell)
                    .join(",");
                    let file = format!("cluster,stratum,area,enumerator\n{row}\n");
                    calls::send_csv::<AssignmentPlan>(&fieldwork.path("assignments.csv"), &file)
                        .await
                        .map(|_| {
                            fill(
                                say(A::MovedDone),
                                &[("cluster", &cluster), ("enumerator", to)],
                            )
                        })
                }
            };
            fieldwork
                .status
                .set(done.unwrap_or_else(|refusal| refusal.in_words()));
            fieldwork.reload();
            browser::focus_soon("fieldwork-status".into());
        });
    };
    let cancel = move |_| {
        fieldwork.pending.set(None);
        browser::focus_soon("by-enumerator-title".into());
    };
    view! {
        <div class="confirm" role="group" aria-labelledby="confirm-title">
            <h3 id="confirm-title" tabindex="-1">{question}</h3>
            <p>{consequence}</p>
            <div class="actions">
                <button type="button" id="confirm-change" class="primary" on:click=confirm>{say(A::Confirm)}</button>
                <button type="button" id="cancel-change" on:click=cancel>{say(A::Cancel)}</button>
            </div>
        </div>
    }
}

/// A cell of a CSV file the console writes, quoted.
fn csv_cell(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

fn design_now(fieldwork: Fieldwork) -> AnyView {
    let design = match fieldwork.design.get() {
        None => return view! { <p role="status">{say(S::Loading)}</p> }.into_any(),
        Some(Err(refusal)) => return csv_problems("design-failed", refusal).into_any(),
        Some(Ok(design)) => design,
    };
    let figure = |word: A, value: String| {
        view! { <dt>{say(word)}</dt><dd>{value}</dd> }
    };
    let figures = view! {
        <dl id="design-figures">
            {figure(A::DesignInterviews, design.interviews.to_string())}
            {figure(A::DesignWeighted, design.weighted_interviews.to_string())}
            {figure(A::DesignSumOfWeights, number(design.sum_of_weights))}
            {figure(A::DesignPsus, design.psus.to_string())}
            {figure(A::DesignSubmissionWeights, design.submission_weights.to_string())}
        </dl>
    };
    let strata = design
        .strata
        .iter()
        .map(|stratum| {
            vec![
                stratum
                    .stratum
                    .clone()
                    .unwrap_or_else(|| say(A::NoStratum).to_owned()),
                stratum.clusters.to_string(),
                stratum.interviews.to_string(),
                stratum.weighted_interviews.to_string(),
                number(stratum.sum_of_weights),
            ]
        })
        .collect::<Vec<_>>();
    let strata = (!strata.is_empty()).then(|| {
        table(
            "strata".into(),
            say(A::StrataCaption).to_owned(),
            &[
                A::ColumnStratum,
                A::ColumnClusters,
                A::ColumnInterviews,
                A::ColumnWeighted,
                A::ColumnSumOfWeights,
            ],
            strata,
        )
    });
    let unweighted = if design.clusters_without_weight.is_empty() {
        say(A::AllWeighted).to_owned()
    } else {
        fill(
            say(A::WithoutWeight),
            &[("list", &design.clusters_without_weight.join(", "))],
        )
    };
    view! {
        {figures}
        {strata}
        <p id="without-weight">{unweighted}</p>
    }
    .into_any()
}

fn history(fieldwork: Fieldwork) -> AnyView {
    let Some(Ok(design)) = fieldwork.design.get() else {
        return ().into_any();
    };
    if design.history.is_empty() {
        return view! { <p>{say(A::NoHistory)}</p> }.into_any();
    }
    let language = expect_context::<crate::interface::Interface>()
        .language
        .get_untracked();
    let rows = design
        .history
        .iter()
        .map(|upload| {
            let kind = if upload.keyed_by == "submission" {
                A::KindSubmission
            } else {
                A::KindCluster
            };
            vec![
                browser::local_date(&upload.uploaded_at, &language, browser::Moment::Instant)
                    .unwrap_or_else(|| upload.uploaded_at.clone()),
                upload.uploaded_by.clone(),
                say(kind).to_owned(),
                upload.rows.to_string(),
                upload.changed.to_string(),
                upload.removed.to_string(),
            ]
        })
        .collect();
    table(
        "design-history".into(),
        say(A::HistoryCaption).to_owned(),
        &[
            A::ColumnWhen,
            A::ColumnWho,
            A::ColumnKind,
            A::ColumnRows,
            A::ColumnChanged,
            A::ColumnRemoved,
        ],
        rows,
    )
}
