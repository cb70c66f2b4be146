//! The console's calls beyond signing in (which is the analysts'
//! `analyst::calls`): uploads whose every refusal is read, whatever its
//! status, because the console shows the server's words and places to
//! someone fixing a spreadsheet.

use salama_shared::api::{ErrorBody, ErrorField, SurveyListing, SurveySummary};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::api::{ApiError, call, encode, parse_serde};

/// What a survey upload is sent as: the JSON text, or the workbook and its
/// CSV files as `multipart/form-data` (the browser writes the boundary).
#[derive(Clone)]
pub enum Upload {
    Json(String),
    Workbook(web_sys::FormData),
}

impl Upload {
    pub fn is_workbook(&self) -> bool {
        matches!(self, Upload::Workbook(_))
    }
}

/// A refusal as the server words it: its status, message and the problems
/// with their places (none when it could not be reached: status 0).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Refusal {
    pub status: u16,
    pub message: String,
    pub fields: Vec<ErrorField>,
}

impl Refusal {
    /// What to tell the person: the first problem's words, else the
    /// server's message, else that it could not be reached or failed.
    pub fn in_words(&self) -> String {
        use crate::staff::say;
        use salama_shared::words::{StaffWord as S, fill};
        if self.status == 0 {
            return say(S::Unreachable).to_owned();
        }
        match self.fields.first() {
            Some(field) => field.message.clone(),
            None if !self.message.is_empty() => self.message.clone(),
            None => fill(say(S::Failed), &[("status", &self.status.to_string())]),
        }
    }
}

pub async fn surveys() -> Result<Vec<SurveyListing>, ApiError> {
    parse_serde(&call("GET", "/api/surveys", None).await?)
}

/// A survey's disclosure policy, its version and history.
pub async fn disclosure(
    survey_id: &str,
) -> Result<salama_shared::disclosure::SurveyDisclosure, ApiError> {
    let url = format!("/api/surveys/{}/disclosure", encode(survey_id));
    parse_serde(&call("GET", &url, None).await?)
}

pub async fn set_public(survey_id: &str, public: bool) -> Result<SurveySummary, ApiError> {
    let body = serde_json::json!({ "public": public }).to_string();
    let url = format!("/api/surveys/{}", encode(survey_id));
    parse_serde(&call("PATCH", &url, Some(body)).await?)
}

/// A person as `GET /api/users` lists them.
#[derive(Clone, Debug, PartialEq, serde::Deserialize)]
pub struct Person {
    pub name: String,
    pub role: String,
    pub last_login_at: Option<String>,
    pub revoked: bool,
    pub revoked_at: Option<String>,
    pub devices: Vec<Device>,
}

/// One of a person's devices.
#[derive(Clone, Debug, PartialEq, serde::Deserialize)]
pub struct Device {
    pub id: String,
    pub label: Option<String>,
    pub last_seen_at: Option<String>,
    pub revoked: bool,
}

/// A person just created, with their one-time password.
#[derive(Clone, Debug, PartialEq, serde::Deserialize)]
pub struct Created {
    pub name: String,
    pub role: String,
    pub password: String,
}

/// One line of the audit log.
#[derive(Clone, Debug, PartialEq, serde::Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub detail: String,
}

pub async fn people() -> Result<Vec<Person>, ApiError> {
    parse_serde(&call("GET", "/api/users", None).await?)
}

pub async fn create_person(name: &str, role: &str) -> Result<Created, ApiError> {
    let body = serde_json::json!({ "name": name, "role": role }).to_string();
    parse_serde(&call("POST", "/api/users", Some(body)).await?)
}

pub async fn revoke_person(name: &str) -> Result<(), ApiError> {
    let url = format!("/api/users/{}/revoke", encode(name));
    call("POST", &url, None).await.map(|_| ())
}

pub async fn revoke_device(device_id: &str) -> Result<(), ApiError> {
    let url = format!("/api/devices/{}/revoke", encode(device_id));
    call("POST", &url, None).await.map(|_| ())
}

/// The audit search's entries, newest first.
pub async fn audit(query: &salama_shared::audit::Query) -> Result<Vec<AuditEntry>, ApiError> {
    let url = format!("/api/audit?{}", query.to_query_string());
    parse_serde(&call("GET", &url, None).await?)
}

/// The survey publishing would store, as clients would be served it (for
/// the preview); nothing is stored.
pub async fn check(upload: &Upload) -> Result<salama_shared::Survey, Refusal> {
    let text = send_upload("/api/survey-check", upload).await?;
    salama_shared::Survey::from_json(&text).map_err(|error| Refusal {
        message: error.to_string(),
        ..Refusal::default()
    })
}

/// Publishes; `Ok(true)` when new, `Ok(false)` when this very definition
/// was published already.
pub async fn publish(upload: &Upload) -> Result<(SurveySummary, bool), Refusal> {
    let (status, text) = send_with_status(
        "POST",
        "/api/surveys",
        &body_of(upload),
        !upload.is_workbook(),
        None,
    )
    .await?;
    let summary = parse_serde(&text).map_err(|_| Refusal {
        status,
        ..Refusal::default()
    })?;
    Ok((summary, status == 201))
}

/// A CSV file sent as the fieldwork uploads take it (`text/csv`), its
/// answer read as `T`.
pub async fn send_csv<T: serde::de::DeserializeOwned>(url: &str, text: &str) -> Result<T, Refusal> {
    let (status, answer) = send_with_status(
        "POST",
        url,
        &JsValue::from_str(text),
        false,
        Some("text/csv"),
    )
    .await?;
    parse_serde(&answer).map_err(|_| Refusal {
        status,
        ..Refusal::default()
    })
}

/// A one-time code that signs `name`'s phone in, with a QR code of the
/// field app's address at `origin` carrying it.
pub async fn pairing_code(
    name: &str,
    origin: &str,
) -> Result<salama_shared::pairing::PairingCode, Refusal> {
    let body = serde_json::json!({ "origin": origin });
    send_json(
        "POST",
        &format!("/api/users/{}/pairing", encode(name)),
        &body,
    )
    .await
}

/// A console read, every refusal kept as the server words it.
pub async fn read<T: serde::de::DeserializeOwned>(url: &str) -> Result<T, Refusal> {
    let (status, answer) = send_with_status("GET", url, &JsValue::NULL, false, None).await?;
    parse_serde(&answer).map_err(|_| Refusal {
        status,
        ..Refusal::default()
    })
}

/// A console read of text (a survey definition), every refusal kept.
pub async fn read_text(url: &str) -> Result<String, Refusal> {
    send_with_status("GET", url, &JsValue::NULL, false, None)
        .await
        .map(|(_, text)| text)
}

/// A JSON body sent, its answer read as `T`, every refusal kept as the
/// server words it.
pub async fn send_json<T: serde::de::DeserializeOwned>(
    method: &str,
    url: &str,
    body: &serde_json::Value,
) -> Result<T, Refusal> {
    let body = JsValue::from_str(&body.to_string());
    let (status, answer) = send_with_status(method, url, &body, true, None).await?;
    parse_serde(&answer).map_err(|_| Refusal {
        status,
        ..Refusal::default()
    })
}

/// A call with no answer to read (a withdrawal).
pub async fn delete(url: &str) -> Result<(), Refusal> {
    send_with_status("DELETE", url, &JsValue::NULL, false, None)
        .await
        .map(|_| ())
}

async fn send_upload(url: &str, upload: &Upload) -> Result<String, Refusal> {
    send("POST", url, &body_of(upload), !upload.is_workbook()).await
}

fn body_of(upload: &Upload) -> JsValue {
    match upload {
        Upload::Json(text) => JsValue::from_str(text),
        Upload::Workbook(parts) => parts.clone().into(),
    }
}

async fn send(method: &str, url: &str, body: &JsValue, json: bool) -> Result<String, Refusal> {
    send_with_status(method, url, body, json, None)
        .await
        .map(|(_, text)| text)
}

async fn send_with_status(
    method: &str,
    url: &str,
    body: &JsValue,
    json: bool,
    content_type: Option<&str>,
) -> Result<(u16, String), Refusal> {
    let unreachable = || Refusal::default();
    let window = web_sys::window().ok_or_else(unreachable)?;
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    let headers = web_sys::Headers::new().map_err(|_| unreachable())?;
    let _ = headers.set("accept", "application/json");
    if json {
        let _ = headers.set("content-type", "application/json");
    }
    if let Some(content_type) = content_type {
        let _ = headers.set("content-type", content_type);
    }
    init.set_headers(&headers);
    if !body.is_null() {
        init.set_body(body);
    }
    let request = web_sys::Request::new_with_str_and_init(url, &init).map_err(|_| unreachable())?;
    let response: web_sys::Response = JsFuture::from(window.fetch_with_request(&request))
        .await
        .map_err(|_| unreachable())?
        .dyn_into()
        .map_err(|_| unreachable())?;
    let text = match response.text() {
        Ok(promise) => JsFuture::from(promise)
            .await
            .map_err(|_| unreachable())?
            .as_string()
            .unwrap_or_default(),
        Err(_) => String::new(),
    };
    let status = response.status();
    if response.ok() {
        return Ok((status, text));
    }
    let (message, fields) = serde_json::from_str::<ErrorBody>(&text)
        .map(|body| (body.error.message, body.error.fields))
        .unwrap_or_default();
    Err(Refusal {
        status,
        message,
        fields,
    })
}
