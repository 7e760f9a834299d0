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
