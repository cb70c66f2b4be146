//! Published surveys: what clients render and validate against, and how an
//! admin publishes a new version.

use crate::openapi::Spreadsheet;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use salama_shared::Survey;
use salama_shared::api::ErrorBody;
use salama_shared::api::{SurveyListing, SurveySettings, SurveySummary};

use crate::auth::{Caller, MaybeCaller, Role};
use crate::error::{ApiError, ApiResult};
use crate::json::{JsonBody, SurveyUpload};
use crate::publishing;
use crate::state::AppState;
use crate::store::StoreError;
use crate::xlsform;

/// The latest version of each survey: public ones for everyone, all of them
/// for staff, who also see every version number, the submissions so far and
/// the retention date.
#[utoipa::path(get, path = "/api/surveys", tag = "surveys", responses((status = 200, description = "Latest version of each survey the caller may see; for staff, with its versions and submissions", body = Vec<SurveyListing>), (status = 401, description = "Credentials sent but not valid", body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
) -> ApiResult<Json<Vec<SurveyListing>>> {
    let mut listings = Vec::new();
    let mut retentions: std::collections::HashMap<String, _> = match caller {
        Some(_) => state
            .store()
            .retentions()
            .await?
            .into_iter()
            .map(|kept| (kept.survey_id.clone(), kept))
            .collect(),
        None => Default::default(),
    };
    let today = crate::store::today();
    for stored in state.store().surveys().await? {
        if !stored.public && caller.is_none() {
            continue;
        }
        let published = state
            .survey(&stored.survey_id, Some(stored.version))
            .await?;
        let (versions, channels, submissions, retention) = match caller {
            Some(_) => (
                Some(state.store().survey_versions(&stored.survey_id).await?),
                Some(published.survey.channels.clone()),
                Some(state.store().submission_count(&stored.survey_id).await?),
                Some(crate::retention::reported(
                    retentions.remove(&stored.survey_id).as_ref(),
                    today,
                )),
            ),
            None => (None, None, None, None),
        };
        listings.push(SurveyListing {
            summary: summary(published.survey, stored.public),
            versions,
            channels,
            submissions,
            retention,
        });
    }
    Ok(Json(listings))
}

/// How a survey is listed.
fn summary(survey: &Survey, public: bool) -> SurveySummary {
    SurveySummary {
        id: survey.id.clone(),
        version: survey.version,
        title: survey.title.clone(),
        languages: survey.languages.clone(),
        default_language: survey.default_language.clone(),
        public,
    }
}

#[utoipa::path(get, path = "/api/surveys/{survey_id}", tag = "surveys", params(("survey_id" = String, Path)), responses((status = 200, description = "The latest published definition", body = Survey), (status = 404, description = "No such survey, or not public", body = ErrorBody), (status = 401, description = "Credentials sent but not valid", body = ErrorBody)))]
pub async fn latest(
    State(state): State<AppState>,
    caller: MaybeCaller,
    Path(survey_id): Path<String>,
) -> ApiResult<impl IntoResponse> {
    definition(&state, &caller, &survey_id, None).await
}

#[utoipa::path(get, path = "/api/surveys/{survey_id}/versions/{version}", tag = "surveys", params(("survey_id" = String, Path), ("version" = u32, Path)), responses((status = 200, description = "That published definition", body = Survey), (status = 404, description = "No such version", body = ErrorBody), (status = 401, description = "Credentials sent but not valid", body = ErrorBody)))]
pub async fn version(
    State(state): State<AppState>,
    caller: MaybeCaller,
    Path((survey_id, version)): Path<(String, String)>,
) -> ApiResult<impl IntoResponse> {
    let version = version.parse().map_err(|_| {
        ApiError::NotFound(format!("survey `{survey_id}` has no version `{version}`"))
    })?;
    definition(&state, &caller, &survey_id, Some(version)).await
}

/// The definition as published, with the built-in interface words of its
/// languages that it does not word itself (the browser bundles carry only
/// English ones). A survey not marked public is not shown to anonymous
/// callers, not even its existence.
async fn definition(
    state: &AppState,
    MaybeCaller(caller): &MaybeCaller,
    survey_id: &str,
    version: Option<u32>,
) -> ApiResult<impl IntoResponse + use<>> {
    let published = state.survey(survey_id, version).await?;
    if !published.stored.public && caller.is_none() {
        return Err(ApiError::NotFound(format!("no survey `{survey_id}`")));
    }
    Ok((
        [(header::CONTENT_TYPE, "application/json")],
        published.served.clone(),
    ))
}

/// A published version as an XLSForm (.xlsx) that imports back to the same
/// definition, for the same callers who may read its JSON. What the
/// workbook cannot carry is listed in its `notes` sheet.
#[utoipa::path(get, path = "/api/surveys/{survey_id}/versions/{version}/xlsform", tag = "surveys", params(("survey_id" = String, Path), ("version" = u32, Path)), responses((status = 200, description = "The definition as an XLSForm workbook", body = Spreadsheet, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (status = 404, description = "No such version, or not public", body = ErrorBody), (status = 401, description = "Credentials sent but not valid", body = ErrorBody)))]
pub async fn xlsform(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    Path((survey_id, version)): Path<(String, String)>,
) -> ApiResult<impl IntoResponse> {
    let version: u32 = version.parse().map_err(|_| {
        ApiError::NotFound(format!("survey `{survey_id}` has no version `{version}`"))
    })?;
    let published = state.survey(&survey_id, Some(version)).await?;
    if !published.stored.public && caller.is_none() {
        return Err(ApiError::NotFound(format!("no survey `{survey_id}`")));
    }
    let exported = tokio::task::spawn_blocking(move || xlsform::export::export(published.survey))
        .await
        .map_err(|e| anyhow::anyhow!("XLSForm export stopped: {e}"))?
        .map_err(|e| anyhow::anyhow!("XLSForm export failed: {e}"))?;
    let disposition = format!("attachment; filename=\"{survey_id}-v{version}.xlsx\"");
    Ok((
        [
            (header::CONTENT_TYPE, xlsform::XLSX_CONTENT_TYPE.to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        exported.bytes,
    ))
}

/// An uploaded XLSForm read off the async workers, with the files uploaded
/// beside it (none when it came alone).
async fn imported(
    bytes: axum::body::Bytes,
    files: Option<xlsform::files::Uploaded>,
) -> ApiResult<Survey> {
    let imported = tokio::task::spawn_blocking(move || {
        let files = files
            .as_ref()
            .map_or(xlsform::Files::None, xlsform::Files::Uploaded);
        xlsform::import_upload(&bytes, "", files)
    })
    .await
    .map_err(|error| ApiError::Internal(error.into()))?;
    imported
        .map(|imported| imported.survey)
        .map_err(|problems| {
            let listed = problems.len();
            ApiError::invalid(
                format!("the XLSForm has problems ({listed} listed)"),
                problems,
            )
        })
}

/// An upload (JSON, an XLSForm alone, or an XLSForm with its files as
/// multipart) read and checked, or every problem found with its place.
async fn checked(body: SurveyUpload) -> ApiResult<Survey> {
    let survey: Survey = match body {
        SurveyUpload::Json(json) => json.parse()?,
        SurveyUpload::Spreadsheet(bytes) => imported(bytes, None).await?,
        SurveyUpload::Parts(parts) => {
            let (bytes, files) = xlsform::files::uploaded(parts).map_err(|problems| {
                ApiError::invalid(
                    format!("the upload has problems ({} listed)", problems.len()),
                    problems,
                )
            })?;
            imported(bytes, Some(files)).await?
        }
    };
    let problems = survey.check();
    if !problems.is_empty() {
        return Err(ApiError::invalid(
            format!("the survey has {} problem(s)", problems.len()),
            problems,
        ));
    }
    Ok(survey)
}

/// Checks a definition as publishing would, and stores nothing (admin): the
/// survey the console previews with the citizens' form, as clients would
/// be served it once published (with the built-in words of its languages),
/// or every problem with its sheet, row and column or JSON path. Not under
/// `/api/surveys/`, where `check` would read as a survey's id.
#[utoipa::path(post, path = "/api/survey-check", tag = "surveys", security(("token" = []), ("session" = [])), request_body(content((Survey = "application/json"), (Spreadsheet = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (Spreadsheet = "multipart/form-data"))), responses((status = 200, description = "The definition publishing would store, as clients would be served it; nothing stored", body = Survey), (status = 401, description = "No credentials", body = ErrorBody), (status = 403, description = "Not an admin", body = ErrorBody), (status = 415, description = "Neither JSON nor an XLSForm", body = ErrorBody), (status = 422, description = "Every problem in the definition or the XLSForm", body = ErrorBody), (status = 400, description = "Not JSON, or not a workbook", body = ErrorBody), (status = 413, description = "Larger than the body limit", body = ErrorBody)))]
pub async fn check(
    caller: Caller,
    body: SurveyUpload,
) -> ApiResult<([(header::HeaderName, &'static str); 1], String)> {
    caller.require(&[Role::Admin])?;
    let survey = checked(body).await?;
    let served = serde_json::to_string(&survey.with_served_words())
        .map_err(|e| anyhow::anyhow!("a checked survey does not serialise: {e}"))?;
    Ok(([(header::CONTENT_TYPE, "application/json")], served))
}

/// Publishes a checked definition as a new immutable version (admin), sent
/// as JSON or as an XLSForm (.xlsx), which is imported first and refused
/// with every problem located by sheet, row and column. The same definition
/// again is acknowledged (200); another definition under a version that
/// exists is a conflict (409).
#[utoipa::path(post, path = "/api/surveys", tag = "surveys", security(("token" = []), ("session" = [])), request_body(content((Survey = "application/json"), (Spreadsheet = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (Spreadsheet = "multipart/form-data"))), responses((status = 201, description = "Published", body = SurveySummary), (status = 200, description = "Already published with this definition", body = SurveySummary), (status = 401, description = "No credentials", body = ErrorBody), (status = 403, description = "Not an admin", body = ErrorBody), (status = 409, description = "Version published with another definition", body = ErrorBody), (status = 415, description = "Neither JSON nor an XLSForm", body = ErrorBody), (status = 422, description = "Every problem in the definition or the XLSForm", body = ErrorBody), (status = 400, description = "Not JSON, or not a workbook", body = ErrorBody), (status = 413, description = "Larger than the body limit", body = ErrorBody)))]
pub async fn publish(
    State(state): State<AppState>,
    caller: Caller,
    body: SurveyUpload,
) -> ApiResult<(StatusCode, Json<SurveySummary>)> {
    caller.require(&[Role::Admin])?;
    let survey = checked(body).await?;
    let definition = survey.to_json_pretty();
    let publication = match publishing::publish(state.store(), &survey, &definition, &caller.name)
        .await
    {
        Ok(publication) => publication,
        Err(StoreError::VersionExists { survey_id, version }) => {
            return Err(ApiError::Conflict(format!(
                "survey `{survey_id}` version {version} is published with another definition; publish a new version"
            )));
        }
        Err(other) => return Err(other.into()),
    };
    let status = if publication.new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(summary(&survey, publication.survey.public))))
}

/// Opens a survey to anonymous callers (the public form) or closes it
/// (admin), audited. `public` is a setting of the publication, not part of
/// the questions (two definitions differing only in it are the same
/// version), so it changes on every version in place and publishes nothing.
#[utoipa::path(patch, path = "/api/surveys/{survey_id}", tag = "surveys", security(("token" = []), ("session" = [])), params(("survey_id" = String, Path)), request_body = SurveySettings, responses((status = 200, description = "The survey as listed now", body = SurveySummary), (status = 401, description = "No credentials", body = ErrorBody), (status = 403, description = "Not an admin", body = ErrorBody), (status = 404, description = "No such survey", body = ErrorBody), (status = 400, description = "Not JSON", body = ErrorBody), (status = 422, description = "Not the settings: each problem with its field", body = ErrorBody), (status = 413, description = "Larger than the body limit", body = ErrorBody), (status = 415, description = "Not sent as application/json", body = ErrorBody)))]
pub async fn settings(
    State(state): State<AppState>,
    caller: Caller,
    Path(survey_id): Path<String>,
    body: JsonBody<SurveySettings>,
) -> ApiResult<Json<SurveySummary>> {
    caller.require(&[Role::Admin])?;
    let SurveySettings { public } = body.value;
    if !state.store().set_survey_public(&survey_id, public).await? {
        return Err(ApiError::NotFound(format!("no survey `{survey_id}`")));
    }
    state.forget_survey(&survey_id);
    let action = if public {
        "survey_opened"
    } else {
        "survey_closed"
    };
    state
        .store()
        .audit(&caller.name, action, &survey_id)
        .await?;
    let published = state.survey(&survey_id, None).await?;
    Ok(Json(summary(published.survey, published.stored.public)))
}
