//! The merchant's own calls (not the widget's): capture or release a held payment.
//! `POST /admin/capture` and `POST /admin/release` with `{"attemptId": "att_…"}` and
//! `Authorization: Bearer <TOLEM_ADMIN_TOKEN>`. Off unless the token is configured.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::Json;
use serde::Deserialize;
use tolem_core::api::{check_id, StatusResponse};
use tolem_core::signature::constant_time_eq;
use tolem_core::status::PaymentStatus;

use super::json_body;
use crate::error::AppError;
use crate::AppState;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct HoldRequest {
    attempt_id: String,
}

fn authorize(app: &AppState, headers: &HeaderMap) -> Result<(), AppError> {
    let Some(token) = &app.config.admin_token else {
        return Err(AppError::NotFound);
    };
    let given = headers.get("authorization").and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    match given {
        Some(g) if constant_time_eq(g.trim().as_bytes(), token.expose().as_bytes()) => Ok(()),
        _ => Err(AppError::Unauthorized),
    }
}

/// `POST /admin/capture`.
pub async fn capture(
    State(app): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<StatusResponse>, AppError> {
    settle(&app, &headers, &body, true).await
}

/// `POST /admin/release`.
pub async fn release(
    State(app): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<StatusResponse>, AppError> {
    settle(&app, &headers, &body, false).await
}

async fn settle(
    app: &AppState,
    headers: &HeaderMap,
    body: &Bytes,
    capture: bool,
) -> Result<Json<StatusResponse>, AppError> {
    authorize(app, headers)?;
    let req: HoldRequest = json_body(body)?;
    check_id("attemptId", &req.attempt_id).map_err(|e| AppError::Invalid(e.to_string()))?;
    let (guard, mut attempt) = crate::steps::lease_attempt(app, &req.attempt_id).await?;
    if attempt.status == PaymentStatus::Pending {
        // The hold may be there before its callback: ask the provider.
        attempt.status = crate::steps::refresh(app, &attempt).await?;
    }
    if attempt.status != PaymentStatus::Authorized {
        // A report that was not believed (money for another amount) is why it is still pending.
        let flagged = app.store.by_id(&attempt.attempt_id).await?.and_then(|a| a.attention);
        let why = flagged.map(|why| format!(" (needs attention: {why})")).unwrap_or_default();
        return Err(AppError::Conflict(format!(
            "only a held payment can be settled; this one is {}{why}",
            attempt.status.as_str()
        )));
    }
    guard.ensure_held().await?;
    let observed = app.providers.get(attempt.provider)?.settle_hold(app, &attempt, capture).await?;
    let status =
        app.store.advance_status(&attempt.attempt_id, observed, if capture { "capture" } else { "release" }).await?;
    Ok(Json(StatusResponse {
        order: crate::steps::summary(&attempt),
        attention: attempt.attention.clone(),
        attempt_id: attempt.attempt_id,
        status,
        is_final: status.is_final(),
    }))
}
