//! `POST /webhooks/{provider}`: verified, idempotent, never moving a status backwards.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::Json;
use tolem_core::providers::{bereke, ecommpay, ioka, paytone, Provider};
use tolem_core::status::PaymentStatus;

use crate::error::AppError;
use crate::AppState;

/// Handler (POST; RBS callbacks may also come as GET with the parameters in the query).
pub async fn webhook(
    State(app): State<Arc<AppState>>,
    Path(provider): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<serde_json::Value>, AppError> {
    match Provider::from_wire(&provider) {
        Some(Provider::Ioka) => ioka_webhook(&app, &headers, &body).await,
        Some(Provider::Bereke) => {
            // GET: the query; POST: a form body (or, if empty, the query).
            let params =
                if body.is_empty() { query.unwrap_or_default() } else { String::from_utf8_lossy(&body).into_owned() };
            bereke_callback(&app, &params).await
        }
        Some(Provider::Ecommpay) => ecommpay_callback(&app, &body).await,
        Some(Provider::Paytone) => paytone_callback(&app, &headers, &body).await,
        Some(other) => Err(AppError::ProviderDisabled(other.as_str())),
        None => Err(AppError::NotFound),
    }
}

/// Finds the attempt a provider reference (`orderNumber` / `payment_id`) belongs to, and
/// whether the reference is the attempt's current try.
async fn attempt_for_reference(
    app: &AppState,
    provider: Provider,
    reference: &str,
) -> Result<Option<(crate::store::Attempt, bool)>, AppError> {
    let order_id = reference.split_once('~').map_or(reference, |(order, _)| order);
    let attempt = app.store.by_order(provider, order_id).await?;
    Ok(attempt.map(|a| {
        let current = a.provider_order_id == reference;
        (a, current)
    }))
}

/// Applies a verified notification: replays change nothing; news about an earlier try counts
/// only if money moved (a late decline of try 1 must not fail try 2).
async fn apply_notification(
    app: &AppState,
    provider: Provider,
    reference: &str,
    receipt: &str,
    observed: PaymentStatus,
) -> Result<Json<serde_json::Value>, AppError> {
    let Some((attempt, current)) = attempt_for_reference(app, provider, reference).await? else {
        tracing::info!(provider = provider.as_str(), "notification for an unknown order");
        return Ok(Json(serde_json::json!({"ok": true, "ignored": "unknown order"})));
    };
    let money_moved = matches!(observed, PaymentStatus::Paid | PaymentStatus::Authorized | PaymentStatus::Refunded);
    // News about an earlier try that moved no money is recorded and changes nothing.
    let applied = if !current && !money_moved { PaymentStatus::Pending } else { observed };
    let Some(status) = app.store.advance_on_receipt(&attempt.attempt_id, provider, receipt, applied, "webhook").await?
    else {
        return Ok(Json(serde_json::json!({"ok": true, "duplicate": true})));
    };
    if !current && !money_moved {
        return Ok(Json(serde_json::json!({"ok": true, "ignored": "earlier try"})));
    }
    tracing::info!(attempt = %attempt.attempt_id, provider = provider.as_str(), status = status.as_str(), "notification");
    Ok(Json(serde_json::json!({"ok": true, "status": status.as_str()})))
}

async fn bereke_callback(app: &AppState, params: &str) -> Result<Json<serde_json::Value>, AppError> {
    let client = app.bereke.as_ref().ok_or(AppError::ProviderDisabled("bereke"))?;
    let callback = bereke::verify_callback(params, client.config.callback_token.expose().as_bytes())
        .map_err(|e| AppError::BadSignature(e.to_string()))?;
    apply_notification(app, Provider::Bereke, &callback.order_number, &callback.checksum, callback.status()).await
}

async fn ecommpay_callback(app: &AppState, body: &Bytes) -> Result<Json<serde_json::Value>, AppError> {
    let client = app.ecommpay.as_ref().ok_or(AppError::ProviderDisabled("ecommpay"))?;
    let callback = ecommpay::verify_callback(body, client.config.secret.expose().as_bytes())
        .map_err(|e| AppError::BadSignature(e.to_string()))?;
    let Some(payment) = &callback.payment else {
        return Ok(Json(serde_json::json!({"ok": true, "ignored": "no payment in callback"})));
    };
    // A digest of the signed body: the same callback sent again has the same one.
    let receipt = tolem_core::signature::hex_lower(&tolem_core::signature::hmac_sha256(b"receipt", body));
    apply_notification(app, Provider::Ecommpay, &payment.id, &receipt, ecommpay::callback_status(&callback)).await
}

/// Paytone: `X-Signature` over the raw body; a batched callback carries several invoice
/// versions. A version older (`updated`) than the newest applied for the current invoice is
/// ignored, so callbacks out of order cannot undo news.
async fn paytone_callback(
    app: &AppState,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<Json<serde_json::Value>, AppError> {
    let client = app.paytone.as_ref().ok_or(AppError::ProviderDisabled("paytone"))?;
    let signature = headers.get("x-signature").and_then(|v| v.to_str().ok());
    let invoices = paytone::verify_callback(client.config.secret.expose().as_bytes(), body, signature)
        .map_err(|e| AppError::BadSignature(e.to_string()))?;
    let mut answers = Vec::new();
    for invoice in invoices {
        let Some(reference) = invoice.attributes.reference_id.clone() else {
            answers.push(serde_json::json!({"ok": true, "ignored": "no reference_id"}));
            continue;
        };
        let updated = invoice.attributes.updated;
        if let Some((attempt, true)) = attempt_for_reference(app, Provider::Paytone, &reference).await? {
            if attempt.provider_session_id.as_deref() == Some(invoice.id.as_str())
                && !paytone::is_newer(updated, attempt.details.provider_updated)
            {
                answers.push(serde_json::json!({"ok": true, "ignored": "older than the last callback"}));
                continue;
            }
        }
        let status = serde_json::to_value(invoice.attributes.status).unwrap_or_default();
        let receipt = format!("{}:{}:{}", invoice.id, status.as_str().unwrap_or("?"), updated.unwrap_or(0));
        let observed = PaymentStatus::from(invoice.attributes.status);
        let Json(answer) = apply_notification(app, Provider::Paytone, &reference, &receipt, observed).await?;
        if let Some((mut attempt, true)) = attempt_for_reference(app, Provider::Paytone, &reference).await? {
            if attempt.provider_session_id.as_deref() == Some(invoice.id.as_str())
                && paytone::is_newer(updated, attempt.details.provider_updated)
            {
                attempt.details.provider_updated = updated;
                app.store.set_details(&attempt.attempt_id, &attempt.details).await?;
            }
        }
        answers.push(answer);
    }
    match answers.len() {
        1 => Ok(Json(answers.remove(0))),
        _ => Ok(Json(serde_json::json!({"ok": true, "results": answers}))),
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
    let Some(attempt) = app.store.by_provider_order(Provider::Ioka, &order_id).await? else {
        // Not ours (or created outside Tolem): acknowledge so ioka stops retrying.
        tracing::info!(event = ?event.event, "ioka webhook for an unknown order");
        return Ok(Json(serde_json::json!({"ok": true, "ignored": "unknown order"})));
    };
    // A replay (same signed body) changes nothing; a new event moves the status forward.
    let receipt = signature.unwrap_or_default().trim().to_ascii_lowercase();
    let observed = ioka::webhook_status(&event);
    let Some(status) =
        app.store.advance_on_receipt(&attempt.attempt_id, Provider::Ioka, &receipt, observed, "webhook").await?
    else {
        return Ok(Json(serde_json::json!({"ok": true, "duplicate": true})));
    };
    tracing::info!(attempt = %attempt.attempt_id, event = ?event.event, status = status.as_str(), "ioka webhook");
    Ok(Json(serde_json::json!({"ok": true, "status": status.as_str()})))
}
