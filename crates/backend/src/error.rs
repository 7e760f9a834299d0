//! One error type for every route: logs the detail, answers `{"error": {"code", "message"}}`
//! with no provider internals.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use tolem_core::api::{ErrorBody, ErrorDetail};
use tolem_core::error::Refusal;

use crate::store::StoreError;

/// What a route can fail with.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The request is malformed or a field is invalid (400 `INVALID_REQUEST`).
    #[error("invalid request: {0}")]
    Invalid(String),
    /// The provider is not configured on this backend (400 `CONFIG_ERROR`).
    #[error("provider {0} is not enabled on this backend")]
    ProviderDisabled(&'static str),
    /// No such attempt (404 `NOT_FOUND`).
    #[error("not found")]
    NotFound,
    /// The same order was started with different data (409 `CONFLICT`).
    #[error("conflict: {0}")]
    Conflict(String),
    /// A webhook failed verification (401 `BAD_SIGNATURE`).
    #[error("webhook rejected: {0}")]
    BadSignature(String),
    /// The provider failed or answered something unreadable (502 `PROVIDER_ERROR`).
    /// The detail is logged, never sent.
    #[error("provider: {0}")]
    Provider(String),
    /// The provider needs the shopper signed in and nothing identified them (401
    /// `SIGN_IN_REQUIRED`: the widget shows its sign-in form).
    #[error("sign-in required")]
    SignInRequired,
    /// The shopper's email or password was refused (401 `SIGN_IN_FAILED`).
    #[error("sign-in refused")]
    SignInFailed,
    /// `start` without a client secret of a live checkout session (401 `SESSION_INVALID`).
    #[error("no valid checkout session: {0}")]
    SessionInvalid(&'static str),
    /// A merchant-only route without the right bearer token (401 `UNAUTHORIZED`).
    #[error("unauthorized")]
    Unauthorized,
    /// The client asked too often (429 `RATE_LIMITED`, with `Retry-After`).
    #[error("rate limited")]
    RateLimited {
        /// Seconds until the next request is accepted.
        retry_after_s: u64,
    },
    /// Another request for the same order or attempt is still being handled, on this
    /// instance or another (503 `BUSY`, with `Retry-After`).
    #[error("busy")]
    Busy,
    /// A JSON route called with another body type (415 `UNSUPPORTED_MEDIA_TYPE`): a form or
    /// `text/plain` post is what a page on another origin can send without a CORS preflight.
    #[error("content type is not application/json")]
    UnsupportedMediaType,
    /// The body is larger than [`crate::MAX_BODY_BYTES`] (413 `TOO_LARGE`).
    #[error("body too large")]
    TooLarge,
    /// Our own failure (500 `INTERNAL`).
    #[error("internal: {0}")]
    Internal(String),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        AppError::Internal(e.to_string())
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, code, message) = match &self {
            AppError::Invalid(m) => (StatusCode::BAD_REQUEST, Refusal::InvalidRequest, m.clone()),
            AppError::ProviderDisabled(_) => (StatusCode::BAD_REQUEST, Refusal::ConfigError, self.to_string()),
            AppError::NotFound => (StatusCode::NOT_FOUND, Refusal::NotFound, "no such attempt".to_owned()),
            AppError::Conflict(m) => (StatusCode::CONFLICT, Refusal::Conflict, m.clone()),
            AppError::BadSignature(_) => {
                (StatusCode::UNAUTHORIZED, Refusal::BadSignature, "signature verification failed".to_owned())
            }
            AppError::Provider(_) => (
                StatusCode::BAD_GATEWAY,
                Refusal::ProviderError,
                "the payment provider is unavailable, please try again".to_owned(),
            ),
            AppError::Unauthorized => {
                (StatusCode::UNAUTHORIZED, Refusal::Unauthorized, "a valid bearer token is required".to_owned())
            }
            AppError::SessionInvalid(_) => (
                StatusCode::UNAUTHORIZED,
                Refusal::SessionInvalid,
                "the checkout session is unknown or has expired; reload the page".to_owned(),
            ),
            AppError::SignInRequired => {
                (StatusCode::UNAUTHORIZED, Refusal::SignInRequired, "please sign in".to_owned())
            }
            AppError::SignInFailed => {
                (StatusCode::UNAUTHORIZED, Refusal::SignInFailed, "wrong email or password".to_owned())
            }
            AppError::RateLimited { .. } => (
                StatusCode::TOO_MANY_REQUESTS,
                Refusal::RateLimited,
                "too many requests, please wait a moment".to_owned(),
            ),
            AppError::Busy => (
                StatusCode::SERVICE_UNAVAILABLE,
                Refusal::Busy,
                "this order is being handled by another request, please try again".to_owned(),
            ),
            AppError::UnsupportedMediaType => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                Refusal::UnsupportedMediaType,
                "send the body as Content-Type: application/json".to_owned(),
            ),
            AppError::TooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                Refusal::TooLarge,
                format!("the request body is larger than {} KiB", crate::MAX_BODY_BYTES / 1024),
            ),
            AppError::Internal(_) => {
                (StatusCode::INTERNAL_SERVER_ERROR, Refusal::Internal, "internal error".to_owned())
            }
        };
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        } else {
            tracing::warn!(error = %self, "request refused");
        }
        let mut response = (status, Json(ErrorBody { error: ErrorDetail { code: code.as_str().to_owned(), message } }))
            .into_response();
        let retry_after_s = match self {
            AppError::RateLimited { retry_after_s } => Some(retry_after_s),
            AppError::Busy => Some(1),
            _ => None,
        };
        if let Some(seconds) = retry_after_s {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from(seconds));
        }
        response
    }
}
