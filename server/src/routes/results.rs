//! The public results page and its downloads (`/results/{survey_id}`,
//! `/results/{survey_id}/{release_id}.csv`): no login, rate-limited per
//! address like the public form's submissions. The releases are read from
//! the database on every request, so a withdrawal shows at once on every
//! server; browsers and proxies keep a copy but revalidate it each time
//! against its ETag, which a 304 answers without computing a table.

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use salama_shared::release::Release;

use super::params::{Params, download};
use crate::client_address::ClientAddress;
use crate::error::{ApiError, ApiResult};
use crate::results::{self, Facts, Released};
use crate::state::{AppState, PublishedSurvey};
use crate::store::UnitLevel;

/// `GET /results/{survey_id}`: the released tables, in `?lang=` when the
/// survey has that language.
pub async fn page(
    State(state): State<AppState>,
    ClientAddress(client): ClientAddress,
    Path(survey_id): Path<String>,
    Query(params): Query<Params>,
    headers: HeaderMap,
) -> Response {
    let (lang, admitted) = visit(&state, client, &params);
    let answer = async {
        admitted?;
        let Some(shown) = releases(&state, &survey_id, lang.as_deref()).await? else {
            return Ok(None);
        };
        if shown.fresh_for(&headers) {
            return Ok(Some(not_modified(&shown.etag)));
        }
        let Shown {
            published,
            policy,
            language,
            etag,
            ..
        } = &shown;
        let Some(released) = tables(&state, &shown).await? else {
            return Ok(None);
        };
        let survey = published.survey;
        let (policy, language) = (policy.clone(), language.clone());
        let html = tokio::task::spawn_blocking(move || {
            results::page(survey, &released, &policy, &language)
        })
        .await
        .map_err(|e| anyhow::anyhow!("results page task: {e}"))?;
        Ok::<_, ApiError>(Some(with_validators(
            ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response(),
            etag,
            true,
        )))
    };
    answered(answer.await, lang.as_deref())
}

/// `GET /results/{survey_id}/{release_id}.csv`: one released table as the
/// page shows it, one row per cell, its text neutralised against
/// spreadsheet formulas.
pub async fn csv(
    State(state): State<AppState>,
    ClientAddress(client): ClientAddress,
    Path((survey_id, file)): Path<(String, String)>,
    Query(params): Query<Params>,
    headers: HeaderMap,
) -> Response {
    let (lang, admitted) = visit(&state, client, &params);
    let answer = async {
        admitted?;
        let Some(release_id) = file
            .strip_suffix(".csv")
            .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|n| n.parse::<u32>().ok())
        else {
            return Ok(None);
        };
        let Some(shown) = releases(&state, &survey_id, lang.as_deref()).await? else {
            return Ok(None);
        };
        if !shown.releases.iter().any(|r| r.release_id == release_id) {
            return Ok(None);
        }
        if shown.fresh_for(&headers) {
            return Ok(Some(not_modified(&shown.etag)));
        }
        let Some(released) = tables(&state, &shown).await? else {
            return Ok(None);
        };
        let Some(table) = released
            .into_iter()
            .find(|r| r.release.release_id == release_id)
            .map(|r| r.table)
        else {
            return Ok(None);
        };
        let body = crate::aggregate::export::csv(&table, &shown.language)
            .map_err(|e| anyhow::anyhow!("writing CSV: {e}"))?;
        let response = download(
            body,
            "text/csv; charset=utf-8",
            &format!("{survey_id}-results-{release_id}.csv"),
        );
        Ok::<_, ApiError>(Some(with_validators(response, &shown.etag, false)))
    };
    answered(answer.await, lang.as_deref())
}

/// The language asked for, and whether this address may ask now.
fn visit(
    state: &AppState,
    client: std::net::IpAddr,
    params: &Params,
) -> (Option<String>, ApiResult<()>) {
    let lang = salama_shared::query::last(params, "lang").map(str::to_owned);
    (lang, state.results_limiter().check(client))
}

fn answered(answer: ApiResult<Option<Response>>, lang: Option<&str>) -> Response {
    match answer {
        Ok(Some(response)) => response,
        Ok(None) => not_found(lang),
        Err(error) => error.into_response(),
    }
}

/// What a survey shows the public, before any table is computed.
struct Shown {
    published: std::sync::Arc<PublishedSurvey>,
    releases: Vec<Release>,
    policy: salama_shared::disclosure::DisclosurePolicy,
    language: String,
    etag: String,
}

impl Shown {
    fn fresh_for(&self, headers: &HeaderMap) -> bool {
        headers
            .get_all(header::IF_NONE_MATCH)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .any(|tag| {
                let tag = tag.trim();
                tag == "*" || tag.trim_start_matches("W/") == self.etag
            })
    }
}

/// The survey's live releases, if it is public and has any: `None` for
/// an unknown survey, a closed one and one without a release alike.
async fn releases(
    state: &AppState,
    survey_id: &str,
    lang: Option<&str>,
) -> ApiResult<Option<Shown>> {
    let published = match state.survey(survey_id, None).await {
        Ok(published) if published.stored.public => published,
        Ok(_) | Err(ApiError::NotFound(_)) => return Ok(None),
        Err(error) => return Err(error),
    };
    let releases: Vec<Release> = state
        .store()
        .releases(survey_id)
        .await?
        .into_iter()
        .filter(Release::live)
        .collect();
    if releases.is_empty() {
        return Ok(None);
    }
    let policy = results::policy(state, survey_id).await?;
    let language = results::page_language(published.survey, lang).to_owned();
    let facts = state.store().fact_state(survey_id).await?;
    let etag = results::etag(
        published.stored.version,
        &releases,
        (facts.units, facts.generation),
        &policy,
        &language,
    );
    Ok(Some(Shown {
        published,
        releases,
        policy,
        language,
        etag,
    }))
}

/// Every live release's table, computed off the async workers; `None`
/// when none of them can be shown any more.
async fn tables(state: &AppState, shown: &Shown) -> ApiResult<Option<Vec<Released>>> {
    let survey = shown.published.survey;
    let survey_id = survey.id.as_str();
    let respondents = state
        .cubes()
        .current(state.store(), survey_id, UnitLevel::Respondents)
        .await?;
    let members = if results::needs_members(survey, &shown.releases) {
        Some(
            state
                .cubes()
                .current(state.store(), survey_id, UnitLevel::Members)
                .await?,
        )
    } else {
        None
    };
    let (releases, policy, language) = (
        shown.releases.clone(),
        shown.policy.clone(),
        shown.language.clone(),
    );
    let released = tokio::task::spawn_blocking(move || {
        let facts = Facts {
            respondents: &respondents,
            members: members.as_deref(),
        };
        results::released_tables(survey, &facts, &releases, &policy, &language)
    })
    .await
    .map_err(|e| anyhow::anyhow!("released tables task: {e}"))?;
    Ok((!released.is_empty()).then_some(released))
}

/// Kept by browsers and shared caches, but asked again each time: a
/// withdrawn table must not outlive its withdrawal in anyone's cache.
fn with_validators(mut response: Response, etag: &str, page: bool) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, no-cache"),
    );
    if let Ok(value) = HeaderValue::from_str(etag) {
        headers.insert(header::ETAG, value);
    }
    if page && let Ok(value) = HeaderValue::from_str(&results::content_security_policy()) {
        headers.insert(header::CONTENT_SECURITY_POLICY, value);
    }
    response
}

fn not_modified(etag: &str) -> Response {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = StatusCode::NOT_MODIFIED;
    with_validators(response, etag, false)
}

/// The one answer for every address without results.
fn not_found(lang: Option<&str>) -> Response {
    let mut response = (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        results::not_found_page(lang),
    )
        .into_response();
    if let Ok(value) = HeaderValue::from_str(&results::content_security_policy()) {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, value);
    }
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}
