//! Calls to the Salama HTTP API on the same origin, with the browser's
//! `fetch` (no HTTP crate: the wasm stays small).

use salama_shared::Submission;
use salama_shared::Survey;
use salama_shared::api::{ErrorBody, ErrorField, Receipt, SurveySummary};
use salama_shared::json::{self, FromJson};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ApiError {
    /// No answer from the server: offline, DNS, a dropped connection.
    #[error("the server could not be reached")]
    Network,
    #[error("not found")]
    NotFound,
    /// Missing, expired or revoked credentials.
    #[error("not signed in")]
    Unauthorized,
    /// The answers break the survey's rules; every field is listed.
    #[error("{message}")]
    Invalid {
        message: String,
        fields: Vec<ErrorField>,
    },
    /// The submission id was used before for other answers.
    #[error("{0}")]
    Conflict(String),
    #[error("too many requests")]
    RateLimited { retry_after_seconds: u32 },
    /// Anything else, including the server failing: worth retrying later.
    #[error("the server answered {status}")]
    Server { status: u16 },
    /// A 2xx whose body is not what the API documents.
    #[error("unexpected answer from the server: {0}")]
    Unexpected(String),
}

impl ApiError {
    /// Whether sending the same request again later can succeed.
    pub fn is_transient(&self) -> bool {
        match self {
            ApiError::Network | ApiError::RateLimited { .. } => true,
            ApiError::Server { status } => *status >= 500 || *status == 408,
            _ => false,
        }
    }
}

pub async fn surveys() -> Result<Vec<SurveySummary>, ApiError> {
    parse(&call("GET", "/api/surveys", None).await?)
}

/// The survey definition as published, parsed by the shared schema. The
/// page's boot script may have asked for it already (see `cargo xtask dist`).
pub async fn survey(survey_id: &str) -> Result<Survey, ApiError> {
    let body = match prefetched(survey_id) {
        Some(response) => answer(response).await?,
        None => call("GET", &format!("/api/surveys/{}", encode(survey_id)), None).await?,
    };
    Survey::from_json(&body).map_err(|e| ApiError::Unexpected(e.to_string()))
}

/// Sends a submission; the server's idempotency makes a resend after a lost
/// answer safe (200 with the same receipt).
/// Enumerators' devices send their token.
pub async fn submit(submission: &Submission, token: Option<&str>) -> Result<Receipt, ApiError> {
    let url = format!("/api/surveys/{}/submissions", encode(&submission.survey_id));
    let body =
        serde_json::to_string(submission).map_err(|e| ApiError::Unexpected(e.to_string()))?;
    parse(&call_as("POST", &url, Some(body), token).await?)
}

pub async fn receipt(submission_id: &str) -> Result<Receipt, ApiError> {
    let url = format!("/api/submissions/{}/receipt", encode(submission_id));
    parse(&call("GET", &url, None).await?)
}

/// A body of the API's shared types, read in the browser without serde's
/// per-type code (see `salama_shared::json`).
pub(crate) fn parse<T: FromJson + serde::de::DeserializeOwned>(body: &str) -> Result<T, ApiError> {
    json::from_str(body).map_err(|e| ApiError::Unexpected(e.to_string()))
}

/// A body of a type only the analysts' pages, the console or the field app
/// read, with serde: those bundles have no size budget (yet), the
/// citizens' form never calls this.
pub(crate) fn parse_serde<T: serde::de::DeserializeOwned>(body: &str) -> Result<T, ApiError> {
    serde_json::from_str(body).map_err(|e| ApiError::Unexpected(e.to_string()))
}

/// The boot script's request for this survey's definition, taken once.
fn prefetched(survey_id: &str) -> Option<js_sys::Promise> {
    let window = JsValue::from(web_sys::window()?);
    let get = |key: &str| js_sys::Reflect::get(&window, &JsValue::from_str(key)).ok();
    let promise = get("salamaSurvey")?.dyn_into::<js_sys::Promise>().ok()?;
    let same = get("salamaSurveyId")
        .and_then(|id| id.as_string())
        .as_deref()
        == Some(survey_id);
    for key in ["salamaSurvey", "salamaSurveyId"] {
        let _ = js_sys::Reflect::delete_property(
            window.unchecked_ref::<js_sys::Object>(),
            &JsValue::from_str(key),
        );
    }
    same.then_some(promise)
}

/// One request; a 2xx gives the body, anything else an [`ApiError`] read
/// from the API's error body.
pub(crate) async fn call(
    method: &str,
    url: &str,
    body: Option<String>,
) -> Result<String, ApiError> {
    call_as(method, url, body, None).await
}

/// [`call`] with a device's bearer token. Inlined, so the citizens' form
/// (which never has a token) carries no code for one.
#[inline(always)]
pub(crate) async fn call_as(
    method: &str,
    url: &str,
    body: Option<String>,
    token: Option<&str>,
) -> Result<String, ApiError> {
    let window = web_sys::window().ok_or(ApiError::Network)?;
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    let headers = web_sys::Headers::new().map_err(|_| ApiError::Network)?;
    let _ = headers.set("accept", "application/json");
    if let Some(token) = token {
        let _ = headers.set("authorization", &format!("Bearer {token}"));
    }
    if let Some(body) = &body {
        let _ = headers.set("content-type", "application/json");
        init.set_body(&JsValue::from_str(body));
    }
    init.set_headers(&headers);
    let request =
        web_sys::Request::new_with_str_and_init(url, &init).map_err(|_| ApiError::Network)?;
    answer(window.fetch_with_request(&request)).await
}

/// Waits for a `fetch` and reads its answer.
async fn answer(fetch: js_sys::Promise) -> Result<String, ApiError> {
    let response: web_sys::Response = JsFuture::from(fetch)
        .await
        .map_err(|_| ApiError::Network)?
        .dyn_into()
        .map_err(|_| ApiError::Network)?;
    let text = match response.text() {
        Ok(promise) => JsFuture::from(promise)
            .await
            .map_err(|_| ApiError::Network)?
            .as_string()
            .unwrap_or_default(),
        Err(_) => String::new(),
    };
    let status = response.status();
    if response.ok() {
        return Ok(text);
    }
    let retry_after_seconds = response
        .headers()
        .get("retry-after")
        .ok()
        .flatten()
        .and_then(|value| value.parse().ok())
        .unwrap_or(5);
    let (message, fields) = json::from_str::<ErrorBody>(&text)
        .map(|body| (body.error.message, body.error.fields))
        .unwrap_or_default();
    Err(match status {
        401 => ApiError::Unauthorized,
        404 => ApiError::NotFound,
        409 => ApiError::Conflict(message),
        422 => ApiError::Invalid { message, fields },
        429 => ApiError::RateLimited {
            retry_after_seconds,
        },
        status => ApiError::Server { status },
    })
}

/// Survey ids are plain identifiers, but a path segment from a URL must not
/// be able to reach another endpoint.
pub(crate) fn encode(segment: &str) -> String {
    String::from(js_sys::encode_uri_component(segment))
}
