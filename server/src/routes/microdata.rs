//! De-identified microdata, streamed page by page so a million interviews
//! cost the server a page of memory, with the codebook that explains it.

use salama_shared::api::ErrorBody;
use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use salama_shared::csv_cell::neutralise;
use salama_shared::microdata::{self, Design, Layout, Record};
use salama_shared::schema::Level;
use tokio::sync::mpsc;

use super::params::{Params, download};
use crate::auth::{Caller, Role};
use crate::error::{ApiError, ApiResult};
use crate::state::{AppState, PublishedSurvey};
use crate::store::{MICRODATA_SEPARATOR, Store};

/// Submissions read per database round trip.
const PAGE: u32 = 2000;

/// The survey, and the columns a microdata file or its codebook has, from
/// `level` and `lang`: what both endpoints check first.
async fn layout(
    state: &AppState,
    caller: &Caller,
    survey_id: &str,
    params: &Params,
) -> ApiResult<(Arc<PublishedSurvey>, Layout)> {
    caller.require(&[Role::Analyst, Role::Admin])?;
    let published = state.survey(survey_id, None).await?;
    let query = microdata::Query::parse_for(params, published.survey).map_err(|errors| {
        ApiError::invalid(format!("{} invalid parameter(s)", errors.len()), errors)
    })?;
    let language = query
        .lang
        .unwrap_or_else(|| published.survey.default_language.clone());
    let layout = Layout::new(published.survey, query.level, &language);
    Ok((published, layout))
}

fn level_name(level: Level) -> &'static str {
    match level {
        Level::Respondent => "respondents",
        Level::Member => "members",
    }
}

/// One row per respondent (`level=respondent`) or household member
/// (`level=member`), columns as in the codebook.
#[utoipa::path(get, path = "/api/surveys/{survey_id}/microdata.csv", tag = "analysis", security(("token" = []), ("session" = [])),
    params(("survey_id" = String, Path)),
    responses((status = 200, description = "CSV, streamed", body = String, content_type = "text/csv"), (status = 401, description = "No credentials", body = ErrorBody), (status = 403, description = "Not an analyst or admin", body = ErrorBody), (status = 404, description = "No such survey", body = ErrorBody), (status = 422, description = "Invalid parameters", body = ErrorBody)))]
pub async fn microdata(
    State(state): State<AppState>,
    caller: Caller,
    Path(survey_id): Path<String>,
    Query(params): Query<Params>,
) -> ApiResult<Response> {
    let (published, layout) = layout(&state, &caller, &survey_id, &params).await?;
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
        if let Err(error) = write_microdata(&store, &survey_id, layout, &chunks).await {
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

/// Reads page n+1 while page n is turned into CSV on another thread, so
/// the database and the formatting each keep a core busy.
async fn write_microdata(
    store: &Store,
    survey_id: &str,
    layout: Arc<Layout>,
    chunks: &mpsc::Sender<Result<Vec<u8>, std::io::Error>>,
) -> anyhow::Result<()> {
    let clusters: HashMap<String, (Option<String>, Option<f64>)> = store
        .design_clusters(survey_id)
        .await?
        .into_iter()
        .map(|(cluster, stratum, weight)| (cluster, (stratum, weight)))
        .collect();
    let clusters = Arc::new(clusters);
    // Clusters are numbered in order of appearance, design uploaded or not.
    let numbers = Arc::new(std::sync::Mutex::new(HashMap::<String, u64>::new()));
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
    let fetch = |after: String| {
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
            Ok::<_, crate::store::StoreError>(page.map(|(last, bodies)| (last, bodies, weights)))
        })
    };
    let mut next = Some(fetch(String::new()));
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
            next = Some(fetch(last));
            let (layout, clusters, numbers) = (layout.clone(), clusters.clone(), numbers.clone());
            let first = respondent_no;
            respondent_no += bodies.split(MICRODATA_SEPARATOR).count() as u64;
            formatting.push_back(tokio::task::spawn_blocking(move || {
                let page = Page {
                    layout: &layout,
                    clusters: &clusters,
                    weights: &weights.into_iter().collect(),
                    cluster_numbers: &numbers,
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
    clusters: &'p HashMap<String, (Option<String>, Option<f64>)>,
    weights: &'p HashMap<String, f64>,
    /// Clusters are numbered as they are first met, the same in every page.
    cluster_numbers: &'p std::sync::Mutex<HashMap<String, u64>>,
}

impl Page<'_> {
    /// The page's submissions as CSV rows, numbered after `first`.
    fn csv(&self, bodies: &str, first: u64) -> anyhow::Result<Vec<u8>> {
        let mut writer = csv::Writer::from_writer(Vec::with_capacity(bodies.len() / 4));
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
            let cluster_id = record.cluster_id.as_deref();
            let psu = cluster_id.map(|id| {
                let mut numbers = self
                    .cluster_numbers
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
                let next = numbers.len() as u64 + 1;
                *numbers.entry(id.to_owned()).or_insert(next)
            });
            let cluster = cluster_id.and_then(|id| self.clusters.get(id));
            let design = Design {
                psu,
                stratum: cluster.and_then(|(stratum, _)| stratum.clone()),
                weight: self
                    .weights
                    .get(record.submission_id.as_ref())
                    .copied()
                    .or_else(|| cluster.and_then(|(_, weight)| *weight)),
            };
            // The layout has already quoted text a spreadsheet would run.
            for row in self.layout.rows(&record, number, &design) {
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
    let (_, layout) = layout(&state, &caller, &survey_id, &params).await?;
    let level = layout.level;
    let write = || -> Result<Vec<u8>, csv::Error> {
        let mut writer = csv::Writer::from_writer(Vec::new());
        writer.write_record(["column", "question", "item", "label", "type", "values"])?;
        // Every cell is text, most of it from the survey definition.
        for column in &layout.columns {
            let cells = [
                column.name.as_str(),
                &column.question,
                &column.item,
                &column.label,
                column.kind,
                &column.values,
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
