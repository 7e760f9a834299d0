//! The small, stable set of error codes merchants switch on (docs/architecture.md, "Contracts").

use serde::{Deserialize, Serialize};

/// What went wrong, as a code a merchant's `onError` can switch on. Messages may change;
/// codes do not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    /// The browser could not reach the merchant backend (offline, refused, timed out).
    NetworkError,
    /// The merchant backend answered with an error or with a body we cannot read.
    BackendError,
    /// The payment provider refused or failed (reported through the backend).
    ProviderError,
    /// The widget was mounted with missing or invalid options.
    ConfigError,
    /// A redirect target was not an allowed `https:` URL of the provider.
    RedirectBlocked,
    /// A bug in Tolem itself (including a caught panic).
    Internal,
}

impl ErrorCode {
    /// The wire name, e.g. `"NETWORK_ERROR"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::NetworkError => "NETWORK_ERROR",
            ErrorCode::BackendError => "BACKEND_ERROR",
            ErrorCode::ProviderError => "PROVIDER_ERROR",
            ErrorCode::ConfigError => "CONFIG_ERROR",
            ErrorCode::RedirectBlocked => "REDIRECT_BLOCKED",
            ErrorCode::Internal => "INTERNAL",
        }
    }
}

/// Why the merchant backend refused a request: the `error.code` of its error body
/// (`{"error": {"code", "message"}}`, `www/backend-api.md`). The reference backend answers
/// only these; the widget acts on a few of them and reads any other code as no refusal it
/// knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Refusal {
    /// 400: the request is malformed or a field is invalid.
    InvalidRequest,
    /// 400: the provider is not enabled on this backend.
    ConfigError,
    /// 404: no such attempt (or not this session's).
    NotFound,
    /// 409: the order, its amount or its state forbids this.
    Conflict,
    /// 401: a webhook failed verification.
    BadSignature,
    /// 502: the provider failed or answered something unreadable.
    ProviderError,
    /// 401: the provider needs the shopper signed in (OneEntry) and nothing identified them.
    SignInRequired,
    /// 401: the shopper's email or password was refused.
    SignInFailed,
    /// 401: no live checkout session for the client secret.
    SessionInvalid,
    /// 401: a merchant-only route without the right bearer token.
    Unauthorized,
    /// 429: too many requests from this client.
    RateLimited,
    /// 503: another request for the same order or attempt is being handled.
    Busy,
    /// 415: the body is not JSON.
    UnsupportedMediaType,
    /// 413: the body is too large.
    TooLarge,
    /// 500: the backend's own failure.
    Internal,
}

impl Refusal {
    /// Every refusal.
    pub const ALL: [Refusal; 15] = [
        Refusal::InvalidRequest,
        Refusal::ConfigError,
        Refusal::NotFound,
        Refusal::Conflict,
        Refusal::BadSignature,
        Refusal::ProviderError,
        Refusal::SignInRequired,
        Refusal::SignInFailed,
        Refusal::SessionInvalid,
        Refusal::Unauthorized,
        Refusal::RateLimited,
        Refusal::Busy,
        Refusal::UnsupportedMediaType,
        Refusal::TooLarge,
        Refusal::Internal,
    ];

    /// The code on the wire (`"SIGN_IN_REQUIRED"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Refusal::InvalidRequest => "INVALID_REQUEST",
            Refusal::ConfigError => "CONFIG_ERROR",
            Refusal::NotFound => "NOT_FOUND",
            Refusal::Conflict => "CONFLICT",
            Refusal::BadSignature => "BAD_SIGNATURE",
            Refusal::ProviderError => "PROVIDER_ERROR",
            Refusal::SignInRequired => "SIGN_IN_REQUIRED",
            Refusal::SignInFailed => "SIGN_IN_FAILED",
            Refusal::SessionInvalid => "SESSION_INVALID",
            Refusal::Unauthorized => "UNAUTHORIZED",
            Refusal::RateLimited => "RATE_LIMITED",
            Refusal::Busy => "BUSY",
            Refusal::UnsupportedMediaType => "UNSUPPORTED_MEDIA_TYPE",
            Refusal::TooLarge => "TOO_LARGE",
            Refusal::Internal => "INTERNAL",
        }
    }

    /// The refusal a code names; `None` for a code this version does not know.
    pub fn from_code(code: &str) -> Option<Refusal> {
        Refusal::ALL.into_iter().find(|r| r.as_str() == code)
    }
}

/// An error the checkout shows and reports.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckoutError {
    /// The stable code.
    pub code: ErrorCode,
    /// A developer-facing message (the shopper sees a translated text chosen by `code`).
    pub message: String,
    /// True when trying the same thing again may work (network trouble, 5xx, 429).
    pub retryable: bool,
    /// The merchant backend's refusal, when its error body named one this version knows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refusal: Option<Refusal>,
    /// The HTTP status of the answer, when the error is an HTTP answer (from the backend, or
    /// from a provider called straight from the browser).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_status: Option<u16>,
}

impl CheckoutError {
    /// A new error.
    pub fn new(code: ErrorCode, message: impl Into<String>, retryable: bool) -> Self {
        CheckoutError { code, message: message.into(), retryable, refusal: None, http_status: None }
    }

    /// Classifies an HTTP answer from the merchant backend that was not a success.
    ///
    /// 5xx, 408 and 429 are worth retrying; other 4xx are not. A backend error body's code
    /// `PROVIDER_ERROR` is kept, so a provider outage reads as such.
    pub fn from_backend_status(http_status: u16, backend_code: Option<&str>, message: &str) -> Self {
        let retryable = http_status >= 500 || http_status == 408 || http_status == 429;
        let refusal = backend_code.and_then(Refusal::from_code);
        let code = match refusal {
            Some(Refusal::ProviderError) => ErrorCode::ProviderError,
            _ => ErrorCode::BackendError,
        };
        let mut error = CheckoutError::new(code, format!("backend answered {http_status}: {message}"), retryable);
        error.refusal = refusal;
        error.http_status = Some(http_status);
        error
    }

    /// A provider called straight from the browser answered `http_status` (retryable for 5xx
    /// and 429).
    pub fn from_provider_status(http_status: u16, message: &str) -> Self {
        let retryable = http_status >= 500 || http_status == 429;
        let mut error = CheckoutError::new(ErrorCode::ProviderError, message, retryable);
        error.http_status = Some(http_status);
        error
    }

    /// True when the backend asks the shopper to sign in first (OneEntry).
    pub fn asks_to_sign_in(&self) -> bool {
        matches!(self.refusal, Some(Refusal::SignInRequired | Refusal::SignInFailed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_serialise_as_documented() {
        let all = [
            ErrorCode::NetworkError,
            ErrorCode::BackendError,
            ErrorCode::ProviderError,
            ErrorCode::ConfigError,
            ErrorCode::RedirectBlocked,
            ErrorCode::Internal,
        ];
        for c in all {
            assert_eq!(serde_json::to_string(&c).unwrap_or_default(), format!("\"{}\"", c.as_str()));
        }
    }

    #[test]
    fn refusal_codes_round_trip_and_unknown_codes_are_none() {
        for r in Refusal::ALL {
            assert_eq!(Refusal::from_code(r.as_str()), Some(r));
            assert_eq!(serde_json::to_string(&r).unwrap_or_default(), format!("\"{}\"", r.as_str()));
        }
        assert_eq!(Refusal::from_code("SOMETHING_NEW"), None);
        let e = CheckoutError::from_backend_status(401, Some("SIGN_IN_REQUIRED"), "x");
        assert!(e.asks_to_sign_in());
        assert_eq!((e.refusal, e.http_status), (Some(Refusal::SignInRequired), Some(401)));
    }

    #[test]
    fn backend_statuses_are_classified() {
        let cases = [
            (500, None, ErrorCode::BackendError, true),
            (502, Some("PROVIDER_ERROR"), ErrorCode::ProviderError, true),
            (429, None, ErrorCode::BackendError, true),
            (408, None, ErrorCode::BackendError, true),
            (400, Some("INVALID_REQUEST"), ErrorCode::BackendError, false),
            (404, None, ErrorCode::BackendError, false),
            (409, Some("PROVIDER_ERROR"), ErrorCode::ProviderError, false),
        ];
        for (status, code, want, retry) in cases {
            let e = CheckoutError::from_backend_status(status, code, "x");
            assert_eq!((e.code, e.retryable), (want, retry), "{status} {code:?}");
        }
    }
}
