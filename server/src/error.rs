//! One error type for the HTTP API, and the one body shape every error has:
//! `{"error":{"code","message","fields":[{"path","code","message"}]}}`.
//! Internal causes are logged, never sent.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use salama_shared::{FieldError, Problem};
use serde::Serialize;

use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The body is not JSON, or not sent as JSON.
    #[error("{0}")]
    BadRequest(String),
    /// No credentials, or credentials that are not valid.
    #[error("authentication required")]
    Unauthorized,
    /// Valid credentials, but the role does not allow this.
    #[error("your role does not allow this")]
    Forbidden,
    #[error("{0}")]
    NotFound(String),
    #[error("this method is not allowed here")]
    MethodNotAllowed,
    /// The submission id is taken by other content.
    #[error("{0}")]
    Conflict(String),
    #[error("the request body is larger than {limit} bytes")]
    TooLarge { limit: usize },
    /// Well-formed JSON that breaks the rules, with every problem listed.
    #[error("{message}")]
    Unprocessable {
        message: String,
        fields: Vec<ErrorField>,
    },
    #[error("too many requests; try again in {retry_after_seconds} s")]
    RateLimited { retry_after_seconds: u64 },
    #[error("internal error")]
    Internal(#[from] anyhow::Error),
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        ApiError::Internal(error.into())
    }
}

/// One problem in a request, located by its path in the body.
#[derive(Clone, Debug, Serialize)]
pub struct ErrorField {
    pub path: String,
    pub code: String,
    pub message: String,
}

impl From<FieldError> for ErrorField {
    fn from(error: FieldError) -> Self {
        Self {
            path: error.path,
            code: error.code.as_str().to_owned(),
            message: error.message,
        }
    }
}

impl From<Problem> for ErrorField {
    fn from(problem: Problem) -> Self {
        let code = serde_json::to_value(problem.code)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned));
        Self {
            path: problem.path,
            code: code.unwrap_or_default(),
            message: problem.message,
        }
    }
}

impl ApiError {
    /// A 422 listing every problem.
    pub fn invalid<T: Into<ErrorField>>(
        message: impl Into<String>,
        fields: impl IntoIterator<Item = T>,
    ) -> Self {
        ApiError::Unprocessable {
            message: message.into(),
            fields: fields.into_iter().map(Into::into).collect(),
        }
    }
}

#[derive(Serialize)]
struct Body<'a> {
    error: Detail<'a>,
}

#[derive(Serialize)]
struct Detail<'a> {
    code: &'a str,
    message: String,
    fields: &'a [ErrorField],
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            ApiError::BadRequest(_) => "bad_request",
            ApiError::Unauthorized => "unauthorized",
            ApiError::Forbidden => "forbidden",
            ApiError::NotFound(_) => "not_found",
            ApiError::MethodNotAllowed => "method_not_allowed",
            ApiError::Conflict(_) => "conflict",
            ApiError::TooLarge { .. } => "too_large",
            ApiError::Unprocessable { .. } => "invalid",
            ApiError::RateLimited { .. } => "rate_limited",
            ApiError::Internal(_) => "internal",
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(cause) = &self {
            tracing::error!(error = format!("{cause:#}"), "request failed");
        }
        let fields = match &self {
            ApiError::Unprocessable { fields, .. } => fields.as_slice(),
            _ => &[],
        };
        let body = Body {
            error: Detail {
                code: self.code(),
                message: self.to_string(),
                fields,
            },
        };
        let mut response = (self.status(), Json(body)).into_response();
        if let ApiError::Unauthorized = self {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let ApiError::RateLimited {
            retry_after_seconds,
        } = self
        {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_seconds));
        }
        response
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
