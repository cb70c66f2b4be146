//! Reading request bodies so that every failure has the API's error shape:
//! a body not declared as what the route reads is 415, malformed JSON is
//! 400, a body over the limit is 413, and JSON of the wrong shape is 422
//! with the field's path.
//! Malformed includes anything after the document and a key named twice.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use salama_shared::{FieldError, FieldErrorCode};
use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use thread_priority::ThreadPriority;

use serde::de::{DeserializeOwned, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::error::ApiError;
use crate::state::AppState;

/// A parsed JSON body, with the bytes exactly as received.
pub struct JsonBody<T> {
    pub value: T,
    pub raw: Bytes,
    /// Over [`PARSE_ON_WORKER_UP_TO`]: it was parsed in the large-body lane,
    /// and whatever else is done with `value` (checking it, freeing it)
    /// belongs there too.
    pub large: bool,
}

/// Bodies up to this size are parsed on the async worker that read them
/// (tens of microseconds); larger ones in the [`LargeBodies`] lane, so a
/// burst of 1 MiB bodies, each tens to hundreds of milliseconds of parsing,
/// never holds the workers that answer health checks and every other request.
/// An interview of the default questionnaire is a few KB, a full
/// 30-member household well under this.
pub const PARSE_ON_WORKER_UP_TO: usize = 16 * 1024;

type Job = Box<dyn FnOnce() + Send>;

/// Threads of their own for bodies over [`PARSE_ON_WORKER_UP_TO`]: half the
/// cores (at least one), at the lowest priority the operating system gives.
/// However many large bodies arrive together, they wait in one queue, and
/// while they are worked on the scheduler still serves every other request
/// first: off the async workers alone was not enough (eight threads parsing
/// at once left a normal request one slice of the CPU in ten), nor was a
/// lane of equal priority (a normal answer's p99 still doubled).
#[derive(Clone)]
pub struct LargeBodies {
    jobs: std::sync::mpsc::Sender<Job>,
}

impl LargeBodies {
    /// Starts the lane's threads; they end when the last handle is dropped.
    pub fn for_this_machine() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        let (jobs, queue) = std::sync::mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for index in 0..(cores / 2).max(1) {
            let queue = queue.clone();
            let started = std::thread::Builder::new()
                .name(format!("large-bodies-{index}"))
                .spawn(move || {
                    // Lowering one's own priority needs no privilege; if the
                    // system refuses, the lane still bounds how many run.
                    if let Err(error) = ThreadPriority::Min.set_for_current() {
                        tracing::warn!(?error, "the large-body lane runs at normal priority");
                    }
                    loop {
                        let job = match queue.lock() {
                            Ok(queue) => queue.recv(),
                            Err(poisoned) => poisoned.into_inner().recv(),
                        };
                        let Ok(job) = job else { return };
                        // A job that panics fails its own request (its
                        // answer channel is dropped), not the lane.
                        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                    }
                });
            if let Err(error) = started {
                tracing::error!(%error, "could not start a large-body thread");
            }
        }
        Self { jobs }
    }

    /// Frees a large value in the lane, without waiting: dropping a hostile
    /// body's hundreds of thousands of values takes milliseconds.
    pub fn discard<T: Send + 'static>(&self, value: T) {
        let _ = self.jobs.send(Box::new(move || drop(value)));
    }

    /// Runs `work` in the lane and waits for it without holding a worker.
    pub async fn run<R: Send + 'static>(
        &self,
        work: impl FnOnce() -> R + Send + 'static,
    ) -> Result<R, ApiError> {
        let (done, result) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Box::new(move || {
                let _ = done.send(work());
            }))
            .map_err(|_| anyhow::anyhow!("the large-body lane has stopped"))?;
        Ok(result
            .await
            .map_err(|_| anyhow::anyhow!("a large-body task failed"))?)
    }
}

impl<T: DeserializeOwned + Send + 'static> FromRequest<AppState> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, ApiError> {
        let raw = UnreadJson::from_request(request, state).await?.0;
        // Every body read this way is an object; serde would also fill a
        // struct from an array of its fields in order, which no client
        // sends on purpose and no document describes.
        if raw.iter().find(|byte| !byte.is_ascii_whitespace()) == Some(&b'[') {
            return Err(ApiError::Unprocessable {
                message: "the body does not have the expected shape".into(),
                fields: vec![crate::error::ErrorField::from(FieldError {
                    path: String::new(),
                    code: FieldErrorCode::WrongType,
                    message: "expected a JSON object, not an array".into(),
                })],
            });
        }
        if raw.len() <= PARSE_ON_WORKER_UP_TO {
            let value = parse(&raw)?;
            return Ok(Self {
                value,
                raw,
                large: false,
            });
        }
        let parsing = raw.clone();
        let value = state.large_bodies().run(move || parse(&parsing)).await??;
        Ok(Self {
            value,
            raw,
            large: true,
        })
    }
}

/// A body sent as JSON and within the limit, not parsed yet: routes that
/// need a role check it first, so a caller without it learns nothing from
/// how their body would have been read (and costs no parsing).
pub struct UnreadJson(pub Bytes);

impl UnreadJson {
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        parse(&self.0)
    }
}

impl FromRequest<AppState> for UnreadJson {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, ApiError> {
        Ok(Self(
            body_of_type(request, state, "application/json").await?,
        ))
    }
}

/// A CSV body within the limit.
pub struct CsvBody(pub Bytes);

impl FromRequest<AppState> for CsvBody {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, ApiError> {
        Ok(Self(body_of_type(request, state, "text/csv").await?))
    }
}

/// The media type of an XLSForm in the Office Open XML format (.xlsx).
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
/// The media type of an Excel 97-2003 workbook (.xls).
pub const XLS: &str = "application/vnd.ms-excel";
/// A workbook uploaded with the files it names.
pub const MULTIPART: &str = "multipart/form-data";

/// A survey definition as sent, within the limit and not read yet: JSON,
/// or an XLSForm workbook.
pub enum SurveyUpload {
    Json(UnreadJson),
    Spreadsheet(Bytes),
    /// `multipart/form-data`: the workbook and the files it names.
    Parts(Vec<crate::multipart::Part>),
}

impl FromRequest<AppState> for SurveyUpload {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, ApiError> {
        let declared = declared_type(&request).unwrap_or_default();
        if declared.eq_ignore_ascii_case(XLSX) {
            Ok(Self::Spreadsheet(body_of_type(request, state, XLSX).await?))
        } else if declared.eq_ignore_ascii_case(XLS) {
            Ok(Self::Spreadsheet(body_of_type(request, state, XLS).await?))
        } else if declared.eq_ignore_ascii_case("application/json") {
            Ok(Self::Json(UnreadJson::from_request(request, state).await?))
        } else if declared.eq_ignore_ascii_case(MULTIPART) {
            let unread = |error: crate::multipart::MultipartError| {
                ApiError::BadRequest(format!("could not read the multipart body: {error}"))
            };
            let content_type = request
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|value| value.to_str().ok())
                .unwrap_or_default();
            let boundary = crate::multipart::boundary(content_type).map_err(unread)?;
            let body = body_of_type(request, state, MULTIPART).await?;
            Ok(Self::Parts(
                crate::multipart::parts(&body, &boundary).map_err(unread)?,
            ))
        } else {
            Err(ApiError::UnsupportedMediaType {
                expected: "application/json, or an XLSForm as application/vnd.openxmlformats-officedocument.spreadsheetml.sheet (or as multipart/form-data with the files it names)",
            })
        }
    }
}

/// The media type the request declares, without parameters.
fn declared_type(request: &Request) -> Option<String> {
    request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .map(|declared| declared.trim().to_owned())
}

/// The body, if it is declared as `media` (any parameters) and within the
/// limit. A body must say what it is: a cross-site form can send only
/// `text/plain`, form data or multipart without asking first.
async fn body_of_type(
    request: Request,
    state: &AppState,
    media: &'static str,
) -> Result<Bytes, ApiError> {
    let declared =
        declared_type(&request).is_some_and(|declared| declared.eq_ignore_ascii_case(media));
    if !declared {
        return Err(ApiError::UnsupportedMediaType { expected: media });
    }
    Bytes::from_request(request, state)
        .await
        .map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::TooLarge {
                    limit: state.body_limit(),
                }
            } else {
                ApiError::BadRequest(format!("could not read the body: {rejection}"))
            }
        })
}

/// Reads a JSON document strictly: nothing may follow it, no object may name
/// a key twice (however the key is spelled with escapes), and only then is
/// its shape checked. What one route accepts, every later reader of the
/// stored bytes reads the same way.
pub fn parse<T: DeserializeOwned>(raw: &[u8]) -> Result<T, ApiError> {
    well_formed(raw).map_err(|error| ApiError::BadRequest(format!("malformed JSON: {error}")))?;
    // Well-formed bodies of the right shape are the common case: parse them
    // at full speed, and parse again with path tracking only to explain a failure.
    if let Ok(value) = serde_json::from_slice(raw) {
        return Ok(value);
    }
    let mut deserializer = serde_json::Deserializer::from_slice(raw);
    let parsed = serde_path_to_error::deserialize(&mut deserializer);
    let error = match parsed {
        Ok(value) => {
            // Unreachable after `well_formed` and a failed fast path, but a
            // trailer must never slip through whichever path is taken.
            deserializer
                .end()
                .map_err(|error| ApiError::BadRequest(format!("malformed JSON: {error}")))?;
            return Ok(value);
        }
        Err(error) => error,
    };
    let inner = error.inner();
    if inner.is_syntax() || inner.is_eof() || inner.is_io() {
        return Err(ApiError::BadRequest(format!("malformed JSON: {inner}")));
    }
    let path = match error.path().to_string() {
        root if root == "." => String::new(),
        path => path,
    };
    Err(ApiError::Unprocessable {
        message: "the body does not have the expected shape".into(),
        fields: vec![crate::error::ErrorField::from(FieldError {
            path,
            code: FieldErrorCode::WrongType,
            // serde quotes the value it refused (an unknown variant of
            // 60 KB, say): cut and escaped like any outside text.
            message: crate::error::shown(&inner.to_string(), 300),
        })],
    })
}

/// One JSON document and nothing after it, with no key repeated in any
/// object. Keys are compared unescaped, so `"a\u005fb"` and `"a_b"` collide.
pub fn well_formed(raw: &[u8]) -> Result<(), serde_json::Error> {
    let mut deserializer = serde_json::Deserializer::from_slice(raw);
    UniqueKeys.deserialize(&mut deserializer)?;
    deserializer.end()
}

/// Walks a document without keeping it, refusing repeated keys.
struct UniqueKeys;

impl<'de> DeserializeSeed<'de> for UniqueKeys {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for UniqueKeys {
    type Value = ();

    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("a JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<(), A::Error> {
        while items.next_element_seed(UniqueKeys)?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut entries: A) -> Result<(), A::Error> {
        let mut seen: HashSet<Cow<'de, str>> = HashSet::new();
        while let Some(key) = entries.next_key::<Cow<'de, str>>()? {
            if seen.contains(&key) {
                return Err(serde::de::Error::custom(format_args!(
                    "the key `{}` appears twice in one object",
                    key.escape_debug()
                )));
            }
            entries.next_value_seed(UniqueKeys)?;
            seen.insert(key);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(body: &str) -> bool {
        matches!(
            parse::<serde_json::Value>(body.as_bytes()),
            Err(ApiError::BadRequest(_))
        )
    }

    #[test]
    fn nothing_may_follow_the_document() {
        for body in [
            r#"{"a":1}{"x":1}"#,
            r#"{"a":1}xyz"#,
            r#"{"a":1} 1"#,
            "[1]]",
            r#"{"a":1},"#,
        ] {
            assert!(refused(body), "{body}");
        }
        assert!(!refused("  {\"a\":1}  \n"));
    }

    #[test]
    fn a_key_is_named_once_however_it_is_spelled() {
        for body in [
            r#"{"a":1,"a":2}"#,
            r#"{"a_b":1,"a\u005fb":2}"#,
            r#"{"x":[{"k":1,"k":1}]}"#,
            r#"{"x":{"y":{"z":1,"z":null}}}"#,
        ] {
            assert!(refused(body), "{body}");
        }
        assert!(!refused(r#"{"a":{"a":1},"b":[{"a":1},{"a":2}]}"#));
    }

    #[test]
    fn a_trailer_is_refused_even_when_the_shape_is_wrong() {
        #[derive(serde::Deserialize, Debug)]
        struct Shape {
            #[allow(dead_code)]
            n: u32,
        }
        assert!(matches!(
            parse::<Shape>(br#"{"n":"x"} {"#),
            Err(ApiError::BadRequest(_))
        ));
        assert!(matches!(
            parse::<Shape>(br#"{"n":"x"}"#),
            Err(ApiError::Unprocessable { .. })
        ));
    }
}
