//! Reading JSON request bodies so that every failure has the API's error
//! shape: wrong content type and malformed JSON are 400, a body over the
//! limit is 413, and JSON of the wrong shape is 422 with the field's path.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use salama_shared::{FieldError, FieldErrorCode};
use serde::de::DeserializeOwned;

use crate::error::ApiError;
use crate::state::AppState;

/// A parsed JSON body, with the bytes exactly as received.
pub struct JsonBody<T> {
    pub value: T,
    pub raw: Bytes,
}

impl<T: DeserializeOwned> FromRequest<AppState> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, ApiError> {
        let is_json = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split(';').next())
            .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"));
        if !is_json {
            return Err(ApiError::BadRequest(
                "send the body as JSON with `Content-Type: application/json`".into(),
            ));
        }
        let raw = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::TooLarge {
                        limit: state.body_limit(),
                    }
                } else {
                    ApiError::BadRequest(format!("could not read the body: {rejection}"))
                }
            })?;
        let value = parse(&raw)?;
        Ok(Self { value, raw })
    }
}

pub fn parse<T: DeserializeOwned>(raw: &[u8]) -> Result<T, ApiError> {
    // Well-formed bodies are the common case: parse them at full speed, and
    // parse again with path tracking only to explain a failure.
    if let Ok(value) = serde_json::from_slice(raw) {
        return Ok(value);
    }
    let mut deserializer = serde_json::Deserializer::from_slice(raw);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let inner = error.inner();
        if inner.is_syntax() || inner.is_eof() || inner.is_io() {
            return ApiError::BadRequest(format!("malformed JSON: {inner}"));
        }
        let path = match error.path().to_string() {
            root if root == "." => String::new(),
            path => path,
        };
        ApiError::Unprocessable {
            message: "the body does not have the expected shape".into(),
            fields: vec![crate::error::ErrorField::from(FieldError {
                path,
                code: FieldErrorCode::WrongType,
                message: inner.to_string(),
            })],
        }
    })
}
