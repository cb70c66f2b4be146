//! De-identified microdata, streamed page by page so a million interviews
//! cost the server a page of memory, with the codebook that explains it.

use std::collections::HashMap;

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use salama_shared::Submission;
use salama_shared::microdata::{Design, Layout};
use salama_shared::schema::Level;
use tokio::sync::mpsc;

use super::analysis::{Params, field, param};
use crate::auth::{Caller, Role};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::Store;

/// Submissions read per database round trip.
const PAGE: u32 = 2000;
/// Bytes gathered before a chunk is sent.
const CHUNK: usize = 256 * 1024;

fn layout_params(
    params: &Params,
    languages: &[String],
    default_language: &str,
) -> ApiResult<(Level, String)> {
    let mut errors = Vec::new();
    let level = match param(params, "level").unwrap_or("respondent") {
        "respondent" => Level::Respondent,
        "member" => Level::Member,
        other => {
            errors.push(field(
                "level",
                "invalid_choice",
                format!("`{other}` is not one of respondent, member"),
            ));
            Level::Respondent
        }
    };
    let language = match param(params, "lang") {
        None => default_language.to_owned(),
        Some(lang) if languages.iter().any(|l| l == lang) => lang.to_owned(),
        Some(lang) => {
            errors.push(field(
                "lang",
                "invalid_choice",
                format!("the survey is not in `{lang}`"),
            ));
            default_language.to_owned()
        }
    };
    if errors.is_empty() {
        Ok((level, language))
    } else {
        Err(ApiError::invalid(
            format!("{} invalid parameter(s)", errors.len()),
            errors,
        ))
    }
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
    params(("survey_id" = String, Path), ("level" = Option<String>, Query, description = "respondent (default) or member"), ("lang" = Option<String>, Query)),
    responses((status = 200, description = "CSV, streamed"), (status = 401, description = "No credentials"), (status = 403, description = "Not an analyst or admin"), (status = 404, description = "No such survey"), (status = 422, description = "Invalid parameters")))]
pub async fn microdata(
    State(state): State<AppState>,
    caller: Caller,
    Path(survey_id): Path<String>,
    Query(params): Query<Params>,
) -> ApiResult<Response> {
    caller.require(&[Role::Analyst, Role::Admin])?;
    let published = state.survey(&survey_id, None).await?;
    let survey = published.survey;
    let (level, language) = layout_params(&params, &survey.languages, &survey.default_language)?;
    let layout = Layout::new(survey, level, &language);
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
        if let Err(error) = write_microdata(&store, &survey_id, &layout, &chunks).await {
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

async fn write_microdata(
    store: &Store,
    survey_id: &str,
    layout: &Layout,
    chunks: &mpsc::Sender<Result<Vec<u8>, std::io::Error>>,
) -> anyhow::Result<()> {
    let mut writer = csv::Writer::from_writer(Vec::with_capacity(CHUNK + 4096));
    writer.write_record(layout.header())?;
    let mut psus: HashMap<String, u64> = HashMap::new();
    let mut respondent_no = 0u64;
    let mut after = String::new();
    loop {
        let page = store.microdata_page(survey_id, &after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after.clone_from(&last.submission_id);
        for source in &page {
            let submission: Submission = match serde_json::from_slice(&source.body) {
                Ok(submission) => submission,
                Err(error) => {
                    tracing::error!(submission = %source.submission_id, error = %error, "stored submission unreadable; left out of microdata");
                    continue;
                }
            };
            respondent_no += 1;
            let next = u64::try_from(psus.len()).unwrap_or(u64::MAX) + 1;
            let design = Design {
                psu: source
                    .cluster_id
                    .as_ref()
                    .map(|cluster| *psus.entry(cluster.clone()).or_insert(next)),
                stratum: source.stratum.clone(),
                weight: source.weight,
            };
            for row in layout.rows(&submission, respondent_no, &design) {
                writer.write_record(&row)?;
            }
            if writer.get_ref().len() >= CHUNK {
                let full = std::mem::replace(
                    &mut writer,
                    csv::Writer::from_writer(Vec::with_capacity(CHUNK + 4096)),
                );
                let chunk = full
                    .into_inner()
                    .map_err(|e| anyhow::anyhow!("{}", e.error()))?;
                if chunks.send(Ok(chunk)).await.is_err() {
                    // The client went away.
                    return Ok(());
                }
            }
        }
    }
    let rest = writer
        .into_inner()
        .map_err(|e| anyhow::anyhow!("{}", e.error()))?;
    if !rest.is_empty() {
        let _ = chunks.send(Ok(rest)).await;
    }
    Ok(())
}

/// What each microdata column means: question, item code, label, type and
/// value codes (missing-answer codes marked).
#[utoipa::path(get, path = "/api/surveys/{survey_id}/codebook.csv", tag = "analysis", security(("token" = []), ("session" = [])),
    params(("survey_id" = String, Path), ("level" = Option<String>, Query, description = "respondent (default) or member"), ("lang" = Option<String>, Query)),
    responses((status = 200, description = "CSV"), (status = 401, description = "No credentials"), (status = 403, description = "Not an analyst or admin"), (status = 404, description = "No such survey")))]
pub async fn codebook(
    State(state): State<AppState>,
    caller: Caller,
    Path(survey_id): Path<String>,
    Query(params): Query<Params>,
) -> ApiResult<Response> {
    caller.require(&[Role::Analyst, Role::Admin])?;
    let published = state.survey(&survey_id, None).await?;
    let survey = published.survey;
    let (level, language) = layout_params(&params, &survey.languages, &survey.default_language)?;
    let layout = Layout::new(survey, level, &language);
    let write = || -> Result<Vec<u8>, csv::Error> {
        let mut writer = csv::Writer::from_writer(Vec::new());
        writer.write_record(["column", "question", "item", "label", "type", "values"])?;
        for column in &layout.columns {
            writer.write_record([
                column.name.as_str(),
                &column.question,
                &column.item,
                &column.label,
                column.kind,
                &column.values,
            ])?;
        }
        writer
            .into_inner()
            .map_err(|e| csv::Error::from(e.into_error()))
    };
    let body = write().map_err(|e| anyhow::anyhow!("writing the codebook: {e}"))?;
    Ok(super::analysis::download(
        body,
        "text/csv; charset=utf-8",
        &format!("{survey_id}-{}-codebook.csv", level_name(level)),
    ))
}
