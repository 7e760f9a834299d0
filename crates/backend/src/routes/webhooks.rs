//! `POST /webhooks/{provider}`: verified, idempotent, never moving a status backwards.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::Json;
use tolem_core::providers::{ioka, Provider};

use crate::error::AppError;
use crate::AppState;

/// Handler.
pub async fn webhook(
    State(app): State<Arc<AppState>>,
    Path(provider): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<serde_json::Value>, AppError> {
    match Provider::from_wire(&provider) {
        Some(Provider::Ioka) => ioka_webhook(&app, &headers, &body).await,
        Some(other) => Err(AppError::ProviderDisabled(other.as_str())),
        None => Err(AppError::NotFound),
    }
}

async fn ioka_webhook(app: &AppState, headers: &HeaderMap, body: &Bytes) -> Result<Json<serde_json::Value>, AppError> {
    let client = app.ioka.as_ref().ok_or(AppError::ProviderDisabled("ioka"))?;
    let signature = headers.get("x-signature").and_then(|v| v.to_str().ok());
    let event = ioka::verify_webhook(client.config.webhook_key.expose().as_bytes(), body, signature)
        .map_err(|e| AppError::BadSignature(e.to_string()))?;
    let order_id =
        event.order.as_ref().map(|o| o.id.clone()).or_else(|| event.payment.as_ref().map(|p| p.order_id.clone()));
    let Some(order_id) = order_id else {
        return Ok(Json(serde_json::json!({"ok": true, "ignored": "no order in event"})));
    };
    let Some(attempt) = app.store.by_provider_order(Provider::Ioka, &order_id)? else {
        // Not ours (or created outside Tolem): acknowledge so ioka stops retrying.
        tracing::info!(event = ?event.event, "ioka webhook for an unknown order");
        return Ok(Json(serde_json::json!({"ok": true, "ignored": "unknown order"})));
    };
    // A replay (same signed body) changes nothing; a new event moves the status forward.
    let receipt = signature.unwrap_or_default().trim().to_ascii_lowercase();
    if !app.store.first_receipt(Provider::Ioka, &receipt)? {
        return Ok(Json(serde_json::json!({"ok": true, "duplicate": true})));
    }
    let observed = ioka::webhook_status(&event);
    let status = app.store.advance_status(&attempt.attempt_id, observed, "webhook")?;
    tracing::info!(attempt = %attempt.attempt_id, event = ?event.event, status = status.as_str(), "ioka webhook");
    Ok(Json(serde_json::json!({"ok": true, "status": status.as_str()})))
}
