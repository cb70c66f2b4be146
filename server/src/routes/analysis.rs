//! What analysts read: aggregate tables (JSON, CSV, XLSX) and fieldwork
//! counts (the design they rest on is in `design.rs`). Analysts and admins only; every
//! read of data is written to the audit log.

use crate::openapi::Spreadsheet;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use salama_shared::aggregate::{self, AggregateTable, Format};
use salama_shared::api::ErrorBody;
use salama_shared::disclosure::DisclosurePolicy;
use salama_shared::query::last;
use salama_shared::schema::{Indicator, Level};

use super::params::{Params, download, language};
use crate::aggregate::export;
use crate::aggregate::table::{self, Request};
use crate::auth::{Caller, Role};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::UnitLevel;

/// An aggregate table: one indicator by up to three of the breakdowns the
/// survey defines, one set of cells per population, suppressed values left
/// out. The query parameters are those of `shared::aggregate::Query`
/// (the API document lists them from there), held to the survey's
/// disclosure policy (`GET /api/surveys/{survey_id}/disclosure`): a query
/// asking for more than it shows is refused at the parameter, naming the
/// policy's value. `exact=true` (admins only) lifts those limits and sends
/// estimates unrounded and nothing withheld, to check them.
#[utoipa::path(get, path = "/api/surveys/{survey_id}/aggregates", tag = "analysis", security(("token" = []), ("session" = [])),
    params(("survey_id" = String, Path)),
    responses((status = 200, description = "The table", content((AggregateTable = "application/json"), (String = "text/csv"), (Spreadsheet = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))), (status = 401, description = "No credentials", body = ErrorBody), (status = 403, description = "Not an analyst or admin, or `exact=true` from someone not an admin", body = ErrorBody), (status = 404, description = "No such survey", body = ErrorBody), (status = 422, description = "Every invalid parameter, and every one asking for more than the disclosure policy shows (code `disclosure_policy`)", body = ErrorBody)))]
pub async fn aggregates(
    State(state): State<AppState>,
    caller: Caller,
    Path(survey_id): Path<String>,
    Query(params): Query<Params>,
) -> ApiResult<Response> {
    caller.require(&[Role::Analyst, Role::Admin])?;
    // Asked before anything else is read: an analyst learns nothing of
    // what an exact table would have shown.
    if last(&params, "exact") == Some("true") {
        caller.require(&[Role::Admin])?;
    }
    let published = state.survey(&survey_id, None).await?;
    let survey = published.survey;
    let policy = state.store().disclosure_policy(&survey_id).await?;
    let (query, indicator) =
        aggregate::Query::parse_for(&params, survey, &policy).map_err(|errors| {
            ApiError::invalid(format!("{} invalid parameter(s)", errors.len()), errors)
        })?;
    let request = request(survey, indicator, &query, policy);
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
            .map_err(|e| anyhow::anyhow!("aggregation task: {e}"))?
            .map_err(|e| {
                ApiError::invalid(
                    "table too fine",
                    [salama_shared::api::ErrorField::new(
                        "by",
                        "too_fine",
                        e.to_string(),
                    )],
                )
            })?;
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
                    "{survey_id} {} by [{}] as {:?}{}{grouped}",
                    table.indicator,
                    by.join(","),
                    query.format,
                    if query.exact { ", exact" } else { "" }
                ),
            )
            .await?;
    }
    respond(&table, query.format, &language)
}

/// What the table is worked out from: the query with the survey's and its
/// policy's defaults filled in.
fn request(
    survey: &salama_shared::Survey,
    indicator: &Indicator,
    query: &aggregate::Query,
    policy: DisclosurePolicy,
) -> Request {
    Request {
        indicator: indicator.id.clone(),
        by: query.by.clone(),
        age_scheme: query.age_scheme_for(indicator, &policy),
        area_level: query.area_level,
        channels: query.channel.into_iter().collect(),
        from_day: query.from.map(|date| date.days()),
        to_day: query.to.map(|date| date.days()),
        area: query.area.clone(),
        rule: query.rule_for(&policy),
        min_count: query.min_count_for(&policy),
        language: query
            .lang
            .clone()
            .unwrap_or_else(|| survey.default_language.clone()),
        policy,
        exact: query.exact,
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
