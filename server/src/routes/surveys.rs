//! Published surveys: what clients render and validate against.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::IntoResponse;
use salama_shared::text::Text;
use serde::Serialize;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

#[derive(Serialize)]
pub struct SurveySummary {
    pub id: String,
    pub version: u32,
    pub title: Text,
    pub languages: Vec<String>,
    pub default_language: String,
    pub public: bool,
}

/// The latest version of each survey anyone may answer online.
pub async fn list(State(state): State<AppState>) -> ApiResult<Json<Vec<SurveySummary>>> {
    let mut summaries = Vec::new();
    for stored in state.store().surveys().await? {
        if !stored.public {
            continue;
        }
        let published = state
            .survey(&stored.survey_id, Some(stored.version))
            .await?;
        let survey = &published.survey;
        summaries.push(SurveySummary {
            id: survey.id.clone(),
            version: survey.version,
            title: survey.title.clone(),
            languages: survey.languages.clone(),
            default_language: survey.default_language.clone(),
            public: stored.public,
        });
    }
    Ok(Json(summaries))
}

pub async fn latest(
    State(state): State<AppState>,
    Path(survey_id): Path<String>,
) -> ApiResult<impl IntoResponse> {
    definition(&state, &survey_id, None).await
}

pub async fn version(
    State(state): State<AppState>,
    Path((survey_id, version)): Path<(String, String)>,
) -> ApiResult<impl IntoResponse> {
    let version = version.parse().map_err(|_| {
        ApiError::NotFound(format!("survey `{survey_id}` has no version `{version}`"))
    })?;
    definition(&state, &survey_id, Some(version)).await
}

/// The definition exactly as published. Surveys not marked public are not
/// shown to anonymous callers, not even their existence.
async fn definition(
    state: &AppState,
    survey_id: &str,
    version: Option<u32>,
) -> ApiResult<impl IntoResponse + use<>> {
    let published = state.survey(survey_id, version).await?;
    if !published.stored.public {
        return Err(ApiError::NotFound(format!("no survey `{survey_id}`")));
    }
    Ok((
        [(header::CONTENT_TYPE, "application/json")],
        published.stored.definition.clone(),
    ))
}
