//! De-identified microdata with the codebook that explains it. Two passes
//! over the submissions, page by page: the first keeps a few numbers per
//! row (the quasi-identifiers, `salama_shared::microdata::anonymity`) and
//! chooses what the file may show; the second streams it, so a million
//! interviews cost the server those numbers and a page of memory.

use salama_shared::api::ErrorBody;
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use salama_shared::csv_cell::neutralise;
use salama_shared::disclosure::DisclosurePolicy;
use salama_shared::microdata::{self, Collector, Design, Layout, Plan, Record};
use salama_shared::schema::Level;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::params::{Params, download};
use crate::auth::{Caller, Role};
use crate::error::{ApiError, ApiResult};
use crate::state::{AppState, PublishedSurvey};
use crate::store::{MICRODATA_SEPARATOR, Store, StoreError};

/// Submissions read per database round trip.
const PAGE: u32 = 2000;

/// The survey, and the columns a microdata file or its codebook has, from
/// `level` and `lang`: what both endpoints check first.
async fn layout(
    state: &AppState,
    caller: &Caller,
    survey_id: &str,
    params: &Params,
    policy: &DisclosurePolicy,
) -> ApiResult<(Arc<PublishedSurvey>, Layout, String)> {
    caller.require(&[Role::Analyst, Role::Admin])?;
    let published = state.survey(survey_id, None).await?;
    let query = microdata::Query::parse_for(params, published.survey).map_err(|errors| {
        ApiError::invalid(format!("{} invalid parameter(s)", errors.len()), errors)
    })?;
    let language = query
        .lang
        .unwrap_or_else(|| published.survey.default_language.clone());
    let layout = Layout::new(published.survey, query.level, &language, policy);
    Ok((published, layout, language))
}

fn level_name(level: Level) -> &'static str {
    match level {
        Level::Respondent => "respondents",
        Level::Member => "members",
    }
}

/// One row per respondent (`level=respondent`) or household member
/// (`level=member`), columns as in the codebook, k-anonymous over the
/// quasi-identifiers the codebook names at the survey's policy's k.
#[utoipa::path(get, path = "/api/surveys/{survey_id}/microdata.csv", tag = "analysis", security(("token" = []), ("session" = [])),
    params(("survey_id" = String, Path)),
    responses((status = 200, description = "CSV, streamed", body = String, content_type = "text/csv"), (status = 401, description = "No credentials", body = ErrorBody), (status = 403, description = "Not an analyst or admin", body = ErrorBody), (status = 404, description = "No such survey", body = ErrorBody), (status = 422, description = "Invalid parameters", body = ErrorBody)))]
pub async fn microdata(
    State(state): State<AppState>,
    caller: Caller,
    Path(survey_id): Path<String>,
    Query(params): Query<Params>,
) -> ApiResult<Response> {
    let policy = state.store().disclosure_policy(&survey_id).await?;
    let (published, layout, _) = layout(&state, &caller, &survey_id, &params, &policy).await?;
    let level = layout.level;
    let layout = Arc::new(layout);
    state
        .store()
        .audit(
            &caller.name,
            "microdata_downloaded",
            &format!("{survey_id} {}", level_name(level)),
        )
        .await?;
    let (chunks, receiver) = mpsc::channel::<Result<Vec<u8>, std::io::Error>>(4);
    let store = state.store().clone();
    tokio::spawn(async move {
        if let Err(error) = write_microdata(&store, &survey_id, layout, &policy, &chunks).await {
            tracing::error!(error = %error, "microdata stream stopped");
            let _ = chunks
                .send(Err(std::io::Error::other("the download stopped early")))
                .await;
        }
    });
    let stream = futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|chunk| (chunk, receiver))
    });
    let name = format!(
        "{}-{}-microdata.csv",
        published.stored.survey_id,
        level_name(level)
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}

/// A page of submissions: the last id, the bodies and the weights uploaded
/// for single submissions among them.
type Fetched = Option<(String, String, Vec<(String, f64)>)>;

fn fetch(store: &Store, survey_id: &str, after: String) -> JoinHandle<Result<Fetched, StoreError>> {
    let (store, survey_id) = (store.clone(), survey_id.to_owned());
    tokio::spawn(async move {
        let page = store.microdata_page(&survey_id, &after, PAGE).await?;
        let weights = match &page {
            Some((last, _)) => {
                store
                    .submission_weights_between(&survey_id, &after, last)
                    .await?
            }
            None => Vec::new(),
        };
        Ok(page.map(|(last, bodies)| (last, bodies, weights)))
    })
}

/// Psu and stratum as opaque numbers: drawn in a random order for each
/// download (a keyed hash), the same within it, so a file can be analysed
/// with its design while its numbers say nothing of the places.
struct Numbering {
    key: u64,
    /// Cluster → (stratum number, weight), from the design.
    clusters: HashMap<String, (Option<String>, Option<f64>)>,
    /// Cluster → psu number, filled after the first pass.
    psus: HashMap<String, u64>,
}

fn keyed(key: u64, text: &str) -> u64 {
    use std::hash::Hasher as _;
    let mut hasher = microdata::Fnv::default();
    hasher.write(&key.to_le_bytes());
    hasher.write(text.as_bytes());
    hasher.finish()
}

/// `texts` numbered 1, 2… in the order of their keyed hashes.
fn opaque<'t>(key: u64, texts: impl IntoIterator<Item = &'t str>) -> HashMap<String, u64> {
    let mut texts: Vec<&str> = texts.into_iter().collect();
    texts.sort_unstable();
    texts.dedup();
    texts.sort_by_key(|text| (keyed(key, text), *text));
    texts
        .into_iter()
        .enumerate()
        .map(|(at, text)| (text.to_owned(), at as u64 + 1))
        .collect()
}

impl Numbering {
    async fn new(store: &Store, survey_id: &str) -> anyhow::Result<Self> {
        let mut key = [0u8; 8];
        getrandom::fill(&mut key).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
        let key = u64::from_le_bytes(key);
        let design = store.design_clusters(survey_id).await?;
        let strata = opaque(
            key,
            design
                .iter()
                .filter_map(|(_, stratum, _)| stratum.as_deref()),
        );
        let clusters = design
            .into_iter()
            .map(|(cluster, stratum, weight)| {
                let number = stratum.and_then(|s| strata.get(&s)).map(u64::to_string);
                (cluster, (number, weight))
            })
            .collect();
        Ok(Self {
            key,
            clusters,
            psus: HashMap::new(),
        })
    }

    fn design(&self, record: &Record<'_>, weights: &HashMap<String, f64>) -> Design {
        let cluster_id = record.cluster_id.as_deref();
        let cluster = cluster_id.and_then(|id| self.clusters.get(id));
        Design {
            psu: cluster_id.and_then(|id| self.psus.get(id)).copied(),
            stratum: cluster.and_then(|(stratum, _)| stratum.clone()),
            weight: weights
                .get(record.submission_id.as_ref())
                .copied()
                .or_else(|| cluster.and_then(|(_, weight)| *weight)),
        }
    }
}

/// Reads every page once to choose what the file may show: the plan, and
/// the clusters' numbers.
async fn first_pass(
    store: &Store,
    survey_id: &str,
    layout: &Arc<Layout>,
    policy: &DisclosurePolicy,
) -> anyhow::Result<(Plan, Numbering)> {
    let mut numbering = Numbering::new(store, survey_id).await?;
    let shared = Arc::new(Numbering {
        key: numbering.key,
        clusters: std::mem::take(&mut numbering.clusters),
        psus: HashMap::new(),
    });
    let mut collector = Collector::new(layout.quasi_identifiers.clone());
    let mut clusters: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut next = Some(fetch(store, survey_id, String::new()));
    while let Some(reading) = next.take() {
        let Some((last, bodies, weights)) = reading.await?? else {
            break;
        };
        next = Some(fetch(store, survey_id, last));
        let (layout, shared) = (layout.clone(), shared.clone());
        (collector, clusters) = tokio::task::spawn_blocking(move || {
            let weights: HashMap<String, f64> = weights.into_iter().collect();
            for body in bodies.split(MICRODATA_SEPARATOR) {
                // Unreadable rows are counted by the second pass.
                let Ok(record) = Record::parse(body) else {
                    continue;
                };
                if let Some(cluster) = record.cluster_id.as_deref()
                    && !clusters.contains(cluster)
                {
                    clusters.insert(cluster.to_owned());
                }
                let rows = layout.quasi_identifier_rows(&record, &shared.design(&record, &weights));
                collector.add(&record.submission_id, &rows);
            }
            (collector, clusters)
        })
        .await?;
    }
    let k = policy.min_count;
    let plan = tokio::task::spawn_blocking(move || collector.plan(k)).await?;
    numbering.clusters = Arc::try_unwrap(shared)
        .map_err(|_| anyhow::anyhow!("the first pass still holds the design"))?
        .clusters;
    numbering.psus = opaque(numbering.key, clusters.iter().map(String::as_str));
    Ok((plan, numbering))
}

/// The first pass chooses what may be shown; the second reads page n+1
/// while page n is turned into CSV on another thread, so the database and
/// the formatting each keep a core busy.
async fn write_microdata(
    store: &Store,
    survey_id: &str,
    layout: Arc<Layout>,
    policy: &DisclosurePolicy,
    chunks: &mpsc::Sender<Result<Vec<u8>, std::io::Error>>,
) -> anyhow::Result<()> {
    let (plan, numbering) = first_pass(store, survey_id, &layout, policy).await?;
    let plan = Arc::new(plan);
    let numbering = Arc::new(numbering);
    let header = {
        let mut writer = csv::Writer::from_writer(Vec::new());
        writer.write_record(
            layout
                .header()
                .into_iter()
                .map(|name| neutralise(name).into_owned()),
        )?;
        writer
            .into_inner()
            .map_err(|e| anyhow::anyhow!("{}", e.error()))?
    };
    if chunks.send(Ok(header)).await.is_err() {
        return Ok(());
    }
    let mut next = Some(fetch(store, survey_id, String::new()));
    // Two pages are formatted at once (one per core) while the next is read;
    // they are sent in order.
    let mut formatting = std::collections::VecDeque::new();
    let mut respondent_no = 0u64;
    loop {
        let page = match next.take() {
            Some(reading) => reading.await??,
            None => None,
        };
        if let Some((last, bodies, weights)) = page {
            next = Some(fetch(store, survey_id, last));
            let (layout, plan, numbering) = (layout.clone(), plan.clone(), numbering.clone());
            let first = respondent_no;
            respondent_no += bodies.split(MICRODATA_SEPARATOR).count() as u64;
            formatting.push_back(tokio::task::spawn_blocking(move || {
                let page = Page {
                    layout: &layout,
                    plan: &plan,
                    numbering: &numbering,
                    weights: &weights.into_iter().collect(),
                };
                page.csv(&bodies, first)
            }));
            if formatting.len() < 2 {
                continue;
            }
        }
        let Some(oldest) = formatting.pop_front() else {
            break;
        };
        if chunks.send(Ok(oldest.await??)).await.is_err() {
            // The client went away.
            if let Some(reading) = next {
                reading.abort();
            }
            return Ok(());
        }
    }
    Ok(())
}

/// What turning a page into CSV needs besides the bodies.
struct Page<'p> {
    layout: &'p Layout,
    plan: &'p Plan,
    numbering: &'p Numbering,
    weights: &'p HashMap<String, f64>,
}

impl Page<'_> {
    /// The page's submissions as CSV rows, numbered after `first`.
    fn csv(&self, bodies: &str, first: u64) -> anyhow::Result<Vec<u8>> {
        let mut writer = csv::Writer::from_writer(Vec::with_capacity(bodies.len() / 4));
        let mut members = Vec::new();
        for (index, body) in bodies.split(MICRODATA_SEPARATOR).enumerate() {
            let number = first + index as u64 + 1;
            let record = match Record::parse(body) {
                Ok(record) => record,
                Err(error) => {
                    // The body may not even hold an id; its position in
                    // the export is logged instead, never its text.
                    tracing::warn!(
                        row = number,
                        error_line = error.line(),
                        error_column = error.column(),
                        "stored submission unreadable; left out of microdata (see `salama doctor`)"
                    );
                    crate::skipped::count_skipped(1);
                    continue;
                }
            };
            let design = self.numbering.design(&record, self.weights);
            let mut rows = self.layout.rows(&record, number, &design);
            if !self.plan.release(&record.submission_id, &mut rows) {
                // Arrived or changed after the first pass chose what may
                // be shown: it waits for the next download.
                tracing::info!(
                    row = number,
                    "submission changed during the export; left out"
                );
                continue;
            }
            // The layout has already quoted text a spreadsheet would run.
            match self.layout.level {
                Level::Respondent => {
                    for row in rows {
                        writer.write_record(row.iter().map(|field| field.as_bytes()))?;
                    }
                }
                Level::Member => members.extend(rows.into_iter().map(|row| {
                    row.into_iter()
                        .map(Cow::into_owned)
                        .collect::<Vec<String>>()
                })),
            }
        }
        // A household's members side by side would join them again: the
        // page's members are written in a keyed random order.
        if !members.is_empty() {
            let mut state = self.numbering.key ^ first.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
            for at in (1..members.len()).rev() {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                members.swap(at, (state % (at as u64 + 1)) as usize);
            }
            for row in members {
                writer.write_record(row.iter().map(|field| field.as_bytes()))?;
            }
        }
        writer
            .into_inner()
            .map_err(|e| anyhow::anyhow!("{}", e.error()))
    }
}

/// What each microdata column means: question, item code, label, type and
/// value codes (missing-answer codes marked).
#[utoipa::path(get, path = "/api/surveys/{survey_id}/codebook.csv", tag = "analysis", security(("token" = []), ("session" = [])),
    params(("survey_id" = String, Path)),
    responses((status = 200, description = "CSV", body = String, content_type = "text/csv"), (status = 401, description = "No credentials", body = ErrorBody), (status = 403, description = "Not an analyst or admin", body = ErrorBody), (status = 404, description = "No such survey", body = ErrorBody), (status = 422, description = "Invalid parameters", body = ErrorBody)))]
pub async fn codebook(
    State(state): State<AppState>,
    caller: Caller,
    Path(survey_id): Path<String>,
    Query(params): Query<Params>,
) -> ApiResult<Response> {
    let policy = state.store().disclosure_policy(&survey_id).await?;
    let (published, layout, language) =
        layout(&state, &caller, &survey_id, &params, &policy).await?;
    let level = layout.level;
    let layout = Arc::new(layout);
    // The same choice the file's first pass makes, over the same rows.
    let (plan, _) = first_pass(state.store(), &survey_id, &layout, &policy).await?;
    let notes = layout.disclosure_notes(published.survey, &language, &plan);
    let write = || -> Result<Vec<u8>, csv::Error> {
        let mut writer = csv::Writer::from_writer(Vec::new());
        writer.write_record([
            "column",
            "question",
            "item",
            "label",
            "type",
            "values",
            "k",
            "released",
            "suppressed",
        ])?;
        // Every cell is text, most of it from the survey definition.
        for (column, [k, released, suppressed]) in layout.columns.iter().zip(&notes) {
            let cells = [
                column.name.as_str(),
                &column.question,
                &column.item,
                &column.label,
                column.kind,
                &column.values,
                k,
                released,
                suppressed,
            ]
            .map(neutralise);
            writer.write_record(cells.iter().map(|cell| cell.as_bytes()))?;
        }
        writer
            .into_inner()
            .map_err(|e| csv::Error::from(e.into_error()))
    };
    let body = write().map_err(|e| anyhow::anyhow!("writing the codebook: {e}"))?;
    Ok(download(
        body,
        "text/csv; charset=utf-8",
        &format!("{survey_id}-{}-codebook.csv", level_name(level)),
    ))
}
