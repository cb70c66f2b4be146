//! What analysts read: aggregate tables (JSON, CSV, XLSX) and the survey
//! design they rest on (weights upload). Analysts and admins only; every
//! read of data is written to the audit log.

use crate::openapi::Spreadsheet;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use salama_shared::aggregate::{self, AggregateTable, Format};
use salama_shared::api::ErrorBody;
use salama_shared::api::ErrorField;
use salama_shared::schema::{Indicator, Level};
use salama_shared::text::is_envelope_code;
use serde::Serialize;

use super::params::{CODE_RULE, Params, download, field, language, quoted};
use crate::aggregate::export;
use crate::aggregate::table::{self, Request};
use crate::auth::{Caller, Role};
use crate::error::{ApiError, ApiResult};
use crate::json::CsvBody;
use crate::state::AppState;
use crate::store::{DesignEntry, UnitLevel};

/// An aggregate table: one indicator by up to three of the breakdowns the
/// survey defines, one set of cells per population, suppressed values left
/// out. The query parameters are those of `shared::aggregate::Query`
/// (the API document lists them from there).
#[utoipa::path(get, path = "/api/surveys/{survey_id}/aggregates", tag = "analysis", security(("token" = []), ("session" = [])),
    params(("survey_id" = String, Path)),
    responses((status = 200, description = "The table", content((AggregateTable = "application/json"), (String = "text/csv"), (Spreadsheet = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))), (status = 401, description = "No credentials", body = ErrorBody), (status = 403, description = "Not an analyst or admin", body = ErrorBody), (status = 404, description = "No such survey", body = ErrorBody), (status = 422, description = "Every invalid parameter", body = ErrorBody)))]
pub async fn aggregates(
    State(state): State<AppState>,
    caller: Caller,
    Path(survey_id): Path<String>,
    Query(params): Query<Params>,
) -> ApiResult<Response> {
    caller.require(&[Role::Analyst, Role::Admin])?;
    let published = state.survey(&survey_id, None).await?;
    let survey = published.survey;
    let (query, indicator) = aggregate::Query::parse_for(&params, survey).map_err(|errors| {
        ApiError::invalid(format!("{} invalid parameter(s)", errors.len()), errors)
    })?;
    let request = request(survey, indicator, &query);
    let language = request.language.clone();
    let level = match indicator.unit {
        Level::Respondent => UnitLevel::Respondents,
        Level::Member => UnitLevel::Members,
    };
    let cube = state
        .cubes()
        .current(state.store(), &survey_id, level)
        .await?;
    let indicator = indicator.clone();
    let table =
        tokio::task::spawn_blocking(move || table::table(survey, &indicator, &cube, &request))
            .await
            .map_err(|e| anyhow::anyhow!("aggregation task: {e}"))?;
    let by: Vec<&str> = table.by.iter().map(|d| d.as_str()).collect();
    let on_screen = query.format == Format::Json;
    if !on_screen || state.screen_reads().to_audit(&caller.name, &survey_id) {
        let grouped = if on_screen {
            " (on screen; further on-screen reads of this survey by this user within 15 minutes are not logged)"
        } else {
            ""
        };
        state
            .store()
            .audit(
                &caller.name,
                "aggregates_read",
                &format!(
                    "{survey_id} {} by [{}] as {:?}{grouped}",
                    table.indicator,
                    by.join(","),
                    query.format
                ),
            )
            .await?;
    }
    respond(&table, query.format, &language)
}

/// What the table is worked out from: the query with the survey's defaults
/// filled in.
fn request(
    survey: &salama_shared::Survey,
    indicator: &Indicator,
    query: &aggregate::Query,
) -> Request {
    Request {
        indicator: indicator.id.clone(),
        by: query.by.clone(),
        age_scheme: query.age_scheme_for(survey, indicator),
        area_level: query.area_level,
        channels: query.channel.into_iter().collect(),
        from_day: query.from.map(|date| date.days()),
        to_day: query.to.map(|date| date.days()),
        area: query.area.clone(),
        rule: query.rule,
        min_count: query.min_count,
        language: query
            .lang
            .clone()
            .unwrap_or_else(|| survey.default_language.clone()),
    }
}

fn respond(table: &AggregateTable, format: Format, language: &str) -> ApiResult<Response> {
    let name = format!("{}-{}", table.survey_id, table.indicator);
    Ok(match format {
        Format::Json => Json(table).into_response(),
        Format::Csv => {
            let body =
                export::csv(table, language).map_err(|e| anyhow::anyhow!("writing CSV: {e}"))?;
            download(body, "text/csv; charset=utf-8", &format!("{name}.csv"))
        }
        Format::Xlsx => {
            let body =
                export::xlsx(table, language).map_err(|e| anyhow::anyhow!("writing XLSX: {e}"))?;
            download(
                body,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                &format!("{name}.xlsx"),
            )
        }
    })
}

/// Fieldwork progress: interviews and online answers by day, area and
/// enumerator (counts only).
#[utoipa::path(get, path = "/api/surveys/{survey_id}/fieldwork", tag = "analysis", security(("token" = []), ("session" = [])),
    params(("survey_id" = String, Path), ("lang" = Option<String>, Query)),
    responses((status = 200, description = "Counts", body = salama_shared::aggregate::Fieldwork), (status = 401, description = "No credentials", body = ErrorBody), (status = 403, description = "Not an analyst or admin", body = ErrorBody), (status = 404, description = "No such survey", body = ErrorBody)))]
pub async fn fieldwork(
    State(state): State<AppState>,
    caller: Caller,
    Path(survey_id): Path<String>,
    Query(params): Query<Params>,
) -> ApiResult<Json<salama_shared::aggregate::Fieldwork>> {
    caller.require(&[Role::Analyst, Role::Admin])?;
    let published = state.survey(&survey_id, None).await?;
    let survey = published.survey;
    let mut errors = Vec::new();
    let language = language(&params, survey, &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::invalid("invalid parameter", errors));
    }
    let cube = state
        .cubes()
        .current(state.store(), &survey_id, UnitLevel::Respondents)
        .await?;
    let progress = tokio::task::spawn_blocking(move || {
        crate::aggregate::fieldwork::fieldwork(survey, &cube, &language)
    })
    .await
    .map_err(|e| anyhow::anyhow!("fieldwork task: {e}"))?;
    Ok(Json(progress))
}

/// What a weights upload stored, and how much of it the data knows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct DesignStored {
    /// Cluster rows stored.
    pub clusters: usize,
    /// Of those, clusters with interviews so far (the others are assigned,
    /// or named by an earlier upload, and have none yet).
    pub clusters_with_interviews: usize,
    /// Submission weights stored, each for a stored submission.
    pub submissions: usize,
}

/// The sample design as CSV (`Content-Type: text/csv`): either `cluster_id`
/// with `stratum` and/or `weight` (the cluster's interviews share them), or
/// `submission_id` with `weight`. Uploading again replaces the values it
/// gives and keeps those it does not (a column left out, or an empty cell).
/// Every row must name a cluster with interviews, assigned or already in
/// the design, or a stored submission.
#[utoipa::path(post, path = "/api/surveys/{survey_id}/weights", tag = "analysis", security(("token" = []), ("session" = [])),
    params(("survey_id" = String, Path)), request_body(content = String, content_type = "text/csv"),
    responses((status = 200, description = "How many clusters and submissions were given a design, and how many have interviews", body = DesignStored), (status = 401, description = "No credentials", body = ErrorBody), (status = 403, description = "Not an analyst or admin", body = ErrorBody), (status = 404, description = "No such survey", body = ErrorBody), (status = 413, description = "Larger than the body limit", body = ErrorBody), (status = 415, description = "Not sent as text/csv", body = ErrorBody), (status = 422, description = "Every problem, by row and column", body = ErrorBody)))]
pub async fn upload_weights(
    State(state): State<AppState>,
    caller: Caller,
    Path(survey_id): Path<String>,
    body: CsvBody,
) -> ApiResult<Json<DesignStored>> {
    caller.require(&[Role::Analyst, Role::Admin])?;
    state.survey(&survey_id, None).await?;
    let invalid = |errors: Vec<ErrorField>| {
        ApiError::invalid(
            format!("{} problem(s) in the design file", errors.len()),
            errors,
        )
    };
    let entries = parse_design(&body.0).map_err(invalid)?;
    let cube = state
        .cubes()
        .current(state.store(), &survey_id, UnitLevel::Respondents)
        .await?;
    let mut known_clusters: std::collections::HashSet<String> = state
        .store()
        .assignments_for(&survey_id)
        .await?
        .into_iter()
        .map(|assignment| assignment.cluster_id)
        .collect();
    known_clusters.extend(
        state
            .store()
            .design_clusters(&survey_id)
            .await?
            .into_iter()
            .map(|(cluster, _, _)| cluster),
    );
    let named_submissions: Vec<String> = entries
        .iter()
        .filter_map(|entry| match entry {
            DesignEntry::Submission { submission_id, .. } => Some(submission_id.clone()),
            DesignEntry::Cluster { .. } => None,
        })
        .collect();
    let stored_submissions = state
        .store()
        .stored_submissions(&survey_id, &named_submissions)
        .await?;
    let mut errors = Vec::new();
    let mut stored = DesignStored {
        clusters: 0,
        clusters_with_interviews: 0,
        submissions: 0,
    };
    for (index, entry) in entries.iter().enumerate() {
        match entry {
            DesignEntry::Cluster { cluster_id, .. } => {
                let with_interviews = cube.has_cluster(cluster_id);
                if !with_interviews && !known_clusters.contains(cluster_id) {
                    errors.push(field(
                        &format!("rows[{index}].cluster_id"),
                        "unknown",
                        format!("no interviews, assignment or design for cluster `{cluster_id}`"),
                    ));
                }
                stored.clusters += 1;
                stored.clusters_with_interviews += usize::from(with_interviews);
            }
            DesignEntry::Submission { submission_id, .. } => {
                if !stored_submissions.contains(submission_id) {
                    errors.push(field(
                        &format!("rows[{index}].submission_id"),
                        "unknown",
                        format!("no stored submission `{submission_id}` in this survey"),
                    ));
                }
                stored.submissions += 1;
            }
        }
    }
    if !errors.is_empty() {
        return Err(invalid(errors));
    }
    state.store().upsert_design(&survey_id, &entries).await?;
    state
        .store()
        .audit(
            &caller.name,
            "design_uploaded",
            &format!(
                "{survey_id}: {} cluster(s) ({} with interviews), {} submission weight(s)",
                stored.clusters, stored.clusters_with_interviews, stored.submissions
            ),
        )
        .await?;
    Ok(Json(stored))
}

/// Reads a design CSV, reporting every problem with its row and column.
pub fn parse_design(body: &[u8]) -> Result<Vec<DesignEntry>, Vec<ErrorField>> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(body);
    let headers = match reader.headers() {
        Ok(headers) => headers.clone(),
        Err(error) => {
            return Err(vec![field(
                "header",
                "unreadable",
                format!("not CSV: {error}"),
            )]);
        }
    };
    let column = |name: &str| headers.iter().position(|h| h == name);
    let (cluster, submission) = (column("cluster_id"), column("submission_id"));
    let (stratum, weight) = (column("stratum"), column("weight"));
    let by_cluster = match (cluster, submission) {
        (Some(_), None) => true,
        (None, Some(_)) => false,
        _ => {
            return Err(vec![field(
                "header",
                "invalid_header",
                "name exactly one of `cluster_id` or `submission_id`, with `weight` and/or `stratum`",
            )]);
        }
    };
    if weight.is_none() && (!by_cluster || stratum.is_none()) {
        return Err(vec![field(
            "header",
            "invalid_header",
            "a `weight` column is needed (or `stratum` for clusters)",
        )]);
    }
    let mut entries = Vec::new();
    let mut errors = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (index, record) in reader.records().enumerate() {
        let path = |name: &str| format!("rows[{index}].{name}");
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                errors.push(field(
                    &format!("rows[{index}]"),
                    "unreadable",
                    error.to_string(),
                ));
                continue;
            }
        };
        let get = |at: Option<usize>| at.and_then(|at| record.get(at)).filter(|v| !v.is_empty());
        let key_name = if by_cluster {
            "cluster_id"
        } else {
            "submission_id"
        };
        let Some(key) = get(if by_cluster { cluster } else { submission }) else {
            errors.push(field(&path(key_name), "required", "empty"));
            continue;
        };
        if by_cluster && !is_envelope_code(key) {
            errors.push(field(&path(key_name), "invalid", CODE_RULE));
            continue;
        }
        if !seen.insert(key.to_owned()) {
            errors.push(field(
                &path(key_name),
                "duplicate",
                format!("`{}` appears twice", key.escape_debug()),
            ));
            continue;
        }
        let parsed_weight = match get(weight) {
            None => None,
            Some(text) => match text.parse::<f64>() {
                Ok(value) if value.is_finite() && value > 0.0 => Some(value),
                _ => {
                    errors.push(field(
                        &path("weight"),
                        "out_of_range",
                        format!("`{}` is not a positive number", quoted(text)),
                    ));
                    continue;
                }
            },
        };
        if by_cluster {
            let stratum = get(stratum).map(str::to_owned);
            if stratum.as_deref().is_some_and(|s| !is_envelope_code(s)) {
                errors.push(field(&path("stratum"), "invalid", CODE_RULE));
                continue;
            }
            if parsed_weight.is_none() && stratum.is_none() {
                errors.push(field(
                    &path("weight"),
                    "required",
                    "a cluster row needs a weight or a stratum",
                ));
                continue;
            }
            entries.push(DesignEntry::Cluster {
                cluster_id: key.to_owned(),
                stratum,
                weight: parsed_weight,
            });
        } else {
            let Some(weight) = parsed_weight else {
                errors.push(field(&path("weight"), "required", "empty"));
                continue;
            };
            let Ok(id) = uuid::Uuid::parse_str(key) else {
                errors.push(field(
                    &path("submission_id"),
                    "invalid",
                    format!("`{}` is not a submission id (UUID)", quoted(key)),
                ));
                continue;
            };
            entries.push(DesignEntry::Submission {
                submission_id: id.hyphenated().to_string(),
                weight,
            });
        }
    }
    super::params::rows_read(entries, errors)
}
