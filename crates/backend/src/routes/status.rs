//! `GET /status?attemptId=…`: the stored status moved forward by a fresh provider read.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::Json;
use tolem_core::api::{check_id, StatusResponse};
use tolem_core::providers::Provider;

use crate::error::AppError;
use crate::steps::{refresh, summary};
use crate::AppState;

/// The attempt's status, by `attemptId` or by `provider` and that provider's return
/// parameters. With the widget's client secret (header `X-Tolem-Client-Secret`), only an
/// attempt of that session's order is answered (`404` for any other); the lookup by return
/// parameters needs it.
pub async fn status(
    State(app): State<Arc<AppState>>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<StatusResponse>, AppError> {
    let secret = headers.get(crate::CLIENT_SECRET_HEADER).and_then(|v| v.to_str().ok());
    let session = match secret {
        Some(s) => Some(super::sessions::resolve_any_age(&app, s).await?),
        None => None,
    };
    let attempt = match (query.get("attemptId"), query.get("provider").and_then(|p| Provider::from_wire(p))) {
        (Some(attempt_id), _) => {
            check_id("attemptId", attempt_id).map_err(|e| AppError::Invalid(e.to_string()))?;
            app.store.by_id(attempt_id).await?.ok_or(AppError::NotFound)?
        }
        // The shopper came back without the widget's journal (another tab or browser): the
        // provider's own return parameters (RBS `?orderId=`) name the attempt, which only its
        // own session may read.
        (None, Some(provider)) => {
            let Some(session_id) = app.providers.get(provider)?.returned_session(&query)? else {
                return Err(AppError::Invalid("attemptId is required".into()));
            };
            if session.is_none() {
                return Err(AppError::SessionInvalid("a lookup by provider order id needs the client secret"));
            }
            app.store.by_session(provider, &session_id).await?.ok_or(AppError::NotFound)?
        }
        (None, None) => return Err(AppError::Invalid("attemptId is required".into())),
    };
    if session.is_some_and(|s| s.request.order.id != attempt.order_id) {
        return Err(AppError::NotFound);
    }
    // One provider read per attempt per second, however many tabs, instances or scripts
    // poll it: the others answer what is stored (webhooks keep that current).
    let status = if attempt.status.is_final() {
        attempt.status
    } else if app.store.claim_provider_read(&attempt.attempt_id, PROVIDER_READ_EVERY).await? {
        refresh(&app, &attempt).await?
    } else {
        attempt.status
    };
    // The attempt may have been flagged since it was read (by this read, which was not
    // believed, or by a notification that arrived meanwhile): answer what is stored now.
    let attention = if attempt.status.is_final() {
        attempt.attention.clone()
    } else {
        app.store.by_id(&attempt.attempt_id).await?.and_then(|a| a.attention)
    };
    Ok(Json(StatusResponse {
        order: summary(&attempt),
        attention,
        attempt_id: attempt.attempt_id,
        status,
        is_final: status.is_final(),
    }))
}

/// The least time between two provider reads of one attempt's status on behalf of `status`.
pub const PROVIDER_READ_EVERY: std::time::Duration = std::time::Duration::from_secs(1);
