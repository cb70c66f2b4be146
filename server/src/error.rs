//! One error type for the HTTP API, and the one body shape every error has:
//! `{"error":{"code","message","fields":[{"path","code","message"}]}}`.
//! Internal causes are logged, never sent.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
pub use salama_shared::api::ErrorField;
use salama_shared::api::{ErrorBody, ErrorDetail};

use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The body is not well-formed (malformed JSON, unreadable bytes).
    #[error("{0}")]
    BadRequest(String),
    /// No credentials, or credentials that are not valid.
    #[error("authentication required")]
    Unauthorized,
    /// Valid credentials, but the role does not allow this.
    #[error("your role does not allow this")]
    Forbidden,
    /// A browser session of a user still on their one-time password, on a
    /// call other than choosing their own (`POST /api/me/password`).
    #[error(
        "choose your own password first (POST /api/me/password): a one-time password is good for nothing else"
    )]
    MustChangePassword,
    /// A state-changing request authenticated by the session cookie that
    /// does not come from Salama's own pages.
    #[error("this request does not come from Salama's own pages; reload the page and try again")]
    CrossSite,
    #[error("{0}")]
    NotFound(String),
    #[error("this method is not allowed here")]
    MethodNotAllowed,
    /// The submission id is taken by other content.
    #[error("{0}")]
    Conflict(String),
    /// The survey takes no more answers: its retention date has passed.
    #[error("{0}")]
    Closed(String),
    /// The body is not declared as the type the route reads.
    #[error("send the body with `Content-Type: {expected}`")]
    UnsupportedMediaType { expected: &'static str },
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

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden => StatusCode::FORBIDDEN,
            ApiError::CrossSite => StatusCode::FORBIDDEN,
            ApiError::MustChangePassword => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict(_) | ApiError::Closed(_) => StatusCode::CONFLICT,
            ApiError::UnsupportedMediaType { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
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
            ApiError::CrossSite => "cross_site",
            ApiError::MustChangePassword => "must_change_password",
            ApiError::NotFound(_) => "not_found",
            ApiError::MethodNotAllowed => "method_not_allowed",
            ApiError::Conflict(_) => "conflict",
            ApiError::Closed(_) => "survey_closed",
            ApiError::UnsupportedMediaType { .. } => "unsupported_media_type",
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
            ApiError::Unprocessable { fields, .. } => fields.clone(),
            _ => Vec::new(),
        };
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code().to_owned(),
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

pub use salama_shared::text::shown;

#[cfg(test)]
mod tests {
    use super::shown;

    #[test]
    fn outside_text_is_cut_and_its_controls_escaped() {
        assert_eq!(shown("ea-1", 64), "ea-1");
        assert_eq!(shown("abcdef", 3), "abc…");
        assert_eq!(shown("a\u{1b}[2J\nb", 64), "a\\u{1b}[2J\\nb");
        assert_eq!(shown("ناصر", 4), "ناصر");
    }
}
