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

/// Backend error code: this provider needs the shopper signed in (OneEntry) and nothing
/// identified them.
pub const SIGN_IN_REQUIRED: &str = "SIGN_IN_REQUIRED";
/// Backend error code: the email or password was wrong.
pub const SIGN_IN_FAILED: &str = "SIGN_IN_FAILED";

/// An error the checkout shows and reports.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckoutError {
    /// The stable code.
    pub code: ErrorCode,
    /// A developer-facing message (the shopper sees a translated text chosen by `code`).
    pub message: String,
    /// True when trying the same thing again may work (network trouble, 5xx, 429).
    pub retryable: bool,
    /// The merchant backend's own error code (`SIGN_IN_REQUIRED`, `INVALID_REQUEST`, …),
    /// when the error came from its error body; `HTTP_<status>` for a provider called straight
    /// from the browser.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backend_code: Option<String>,
}

impl CheckoutError {
    /// A new error.
    pub fn new(code: ErrorCode, message: impl Into<String>, retryable: bool) -> Self {
        CheckoutError { code, message: message.into(), retryable, backend_code: None }
    }

    /// Classifies an HTTP answer from the merchant backend that was not a success.
    ///
    /// 5xx, 408 and 429 are worth retrying; other 4xx are not. A backend error body's code
    /// `PROVIDER_ERROR` is kept, so a provider outage reads as such.
    pub fn from_backend_status(http_status: u16, backend_code: Option<&str>, message: &str) -> Self {
        let retryable = http_status >= 500 || http_status == 408 || http_status == 429;
        let code = match backend_code {
            Some("PROVIDER_ERROR") => ErrorCode::ProviderError,
            _ => ErrorCode::BackendError,
        };
        let mut error = CheckoutError::new(code, format!("backend answered {http_status}: {message}"), retryable);
        error.backend_code = backend_code.map(str::to_owned);
        error
    }

    /// True when the backend asks the shopper to sign in first (OneEntry).
    pub fn asks_to_sign_in(&self) -> bool {
        matches!(self.backend_code.as_deref(), Some(SIGN_IN_REQUIRED | SIGN_IN_FAILED))
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
