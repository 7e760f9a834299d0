//! One file per route: each checks its request, then dispatches to the provider
//! ([`crate::providers`]) and the shared steps ([`crate::steps`]).

pub mod admin;
pub mod pay;
pub mod sessions;
pub mod start;
pub mod status;
pub mod webhooks;

use axum::body::Bytes;
use serde::de::DeserializeOwned;

use crate::error::AppError;

/// The token of an `Authorization: Bearer …` header, trimmed.
pub fn bearer(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers.get("authorization")?.to_str().ok()?.strip_prefix("Bearer ").map(str::trim)
}

/// A route behind its own bearer token (`TOLEM_ADMIN_TOKEN`, `TOLEM_METRICS_TOKEN`): off
/// ([`AppError::NotFound`]) without one configured; [`AppError::Unauthorized`] unless the
/// request carries it (compared in constant time).
///
/// # Errors
/// As above.
pub fn require_token(expected: Option<&crate::Secret>, headers: &axum::http::HeaderMap) -> Result<(), AppError> {
    let Some(token) = expected else {
        return Err(AppError::NotFound);
    };
    match bearer(headers) {
        Some(given) if tolem_core::signature::constant_time_eq(given.as_bytes(), token.expose().as_bytes()) => Ok(()),
        _ => Err(AppError::Unauthorized),
    }
}

/// The page size of an admin list: `given` (1–200), or 50 when absent.
///
/// # Errors
/// [`AppError::Invalid`] for anything else.
pub fn page_limit(given: Option<&str>) -> Result<u32, AppError> {
    match given {
        None => Ok(50),
        Some(text) => text
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=200).contains(n))
            .ok_or_else(|| AppError::Invalid("limit: an integer from 1 to 200".into())),
    }
}

/// Parses a JSON body into `T`, with a clear 400 on failure that names the field
/// (`order.amount: invalid type: floating point 1.5, expected i64`); axum's own rejection
/// would answer in plain text.
pub fn json_body<T: DeserializeOwned>(body: &Bytes) -> Result<T, AppError> {
    let mut reader = serde_json::Deserializer::from_slice(body);
    let value: T = serde_path_to_error::deserialize(&mut reader).map_err(|e| {
        let path = e.path().to_string();
        match path.as_str() {
            "" | "." => AppError::Invalid(format!("malformed JSON body: {}", e.inner())),
            _ => AppError::Invalid(format!("{path}: {}", e.inner())),
        }
    })?;
    reader.end().map_err(|e| AppError::Invalid(format!("malformed JSON body: {e}")))?;
    Ok(value)
}
