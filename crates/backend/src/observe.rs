//! Request ids and logs.
//!
//! Every answer carries `X-Request-Id`: the caller's own when it sent a plausible one (1 to 128
//! of `A-Z a-z 0-9 . _ : -`, as a load balancer or the shop's server would make), else a new
//! random one. Each log line written while answering, the provider calls' included, is inside
//! the request's span and names it. `TOLEM_LOG_FORMAT=json` writes one JSON object per line
//! (with the span's fields) instead of text.

use axum::extract::{MatchedPath, Request};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

/// The request id header, in and out.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// True for an id worth keeping from the caller.
pub fn plausible_request_id(id: &str) -> bool {
    (1..=128).contains(&id.len())
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'))
}

/// A new id: 16 random bytes in hex (the time and the process id should randomness fail).
fn fresh_request_id() -> String {
    crate::steps::random_hex(16).unwrap_or_else(|_| format!("{:x}{:08x}", crate::store::now_ms(), std::process::id()))
}

/// The middleware: names the request, runs it inside its span, counts the answer
/// ([`crate::metrics::request`]) and returns the id in the answer.
pub async fn request_id(req: Request, next: Next) -> Response {
    let id = req
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| plausible_request_id(v))
        .map_or_else(fresh_request_id, str::to_owned);
    let route = req.extensions().get::<MatchedPath>().map_or("unmatched", MatchedPath::as_str).to_owned();
    let span = tracing::info_span!("request", request_id = %id, method = %req.method(), route = %route);
    let mut response = next.run(req).instrument(span).await;
    crate::metrics::request(&route, response.status().as_u16());
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    response
}

/// How log lines are written (`TOLEM_LOG_FORMAT`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines (the default).
    Text,
    /// One JSON object per line: `timestamp`, `level`, `fields` (the message and its
    /// values), `span` (the request's `request_id`, `method` and `route` while answering).
    Json,
}

impl LogFormat {
    /// `TOLEM_LOG_FORMAT`: `text` (or unset) or `json`.
    ///
    /// # Errors
    /// A message naming the variable for any other value.
    pub fn from_setting(value: Option<&str>) -> Result<LogFormat, String> {
        match value.map(str::trim) {
            None | Some("" | "text") => Ok(LogFormat::Text),
            Some("json") => Ok(LogFormat::Json),
            Some(other) => Err(format!("TOLEM_LOG_FORMAT must be text or json, not {other:?}")),
        }
    }
}

/// Installs the process's log writer (to standard output).
pub fn init_logs(format: LogFormat) {
    match format {
        LogFormat::Text => tracing_subscriber::fmt().with_target(false).init(),
        LogFormat::Json => {
            tracing_subscriber::fmt().json().with_target(false).with_current_span(true).with_span_list(false).init()
        }
    }
}
