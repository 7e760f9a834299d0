//! `POST /webhooks/{provider}`: verified, idempotent, never moving a status backwards.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::Json;
use tolem_core::providers::bereke::OrderRef;
use tolem_core::providers::{bereke, ecommpay, ioka, paytone, Provider};
use tolem_core::status::PaymentStatus;

use super::{bereke_money, ReportedMoney};
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

/// Applies a verified notification: replays change nothing; money the provider reports is
/// checked against the attempt ([`super::believed`]); news about an earlier try counts only if
/// money moved (a late decline of try 1 must not fail try 2), and money on an earlier try is
/// flagged for the merchant. `money` reads what the notification says the payment is for.
async fn apply_notification(
    app: &AppState,
    provider: Provider,
    reference: &str,
    receipt: &str,
    observed: PaymentStatus,
    money: impl FnOnce(&crate::store::Attempt) -> ReportedMoney,
) -> Result<Json<serde_json::Value>, AppError> {
    let Some((attempt, current)) = attempt_for_reference(app, provider, reference).await? else {
        tracing::info!(provider = provider.as_str(), "notification for an unknown order");
        return Ok(Json(serde_json::json!({"ok": true, "ignored": "unknown order"})));
    };
    let reported = money(&attempt);
    let observed = super::believed(app, &attempt, observed, &reported, "webhook").await?;
    let money_moved = matches!(observed, PaymentStatus::Paid | PaymentStatus::Authorized | PaymentStatus::Refunded);
    if !current && money_moved {
        // Flagged before it is applied, so no answer says "paid" without saying why to look.
        let why = format!("{} on an earlier try ({reference}) than the current one", observed.as_str());
        tracing::error!(alert = "earlier_try_money", attempt = %attempt.attempt_id, provider = provider.as_str(), "{why}");
        app.store.flag(&attempt.attempt_id, &why, "webhook").await?;
    }
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

/// RBS callbacks carry no amount: one that says money moved is confirmed by reading the
/// order (`getOrderStatusExtended.do`), whose amount and currency are then checked.
async fn bereke_callback(app: &AppState, params: &str) -> Result<Json<serde_json::Value>, AppError> {
    let client = app.bereke.as_ref().ok_or(AppError::ProviderDisabled("bereke"))?;
    let callback = bereke::verify_callback(params, client.config.callback_token.expose().as_bytes())
        .map_err(|e| AppError::BadSignature(e.to_string()))?;
    let observed = callback.status();
    let money = if observed.takes_money() {
        match client.status(OrderRef::OrderId(&callback.md_order)).await? {
            Some(order) => bereke_money(&order),
            // The gateway does not know the order it just called about: believe nothing.
            None => return Err(AppError::Provider("bereke: the callback's order is unknown to the gateway".into())),
        }
    } else {
        None
    };
    apply_notification(app, Provider::Bereke, &callback.order_number, &callback.checksum, observed, |_| money).await
}

/// ECommPay: the callback is read against a strict schema (known keys, our `project_id`, a
/// `payment` block); one that says money moved is confirmed by the Gate's status read, whose
/// status and sum are what is recorded.
async fn ecommpay_callback(app: &AppState, body: &Bytes) -> Result<Json<serde_json::Value>, AppError> {
    use ecommpay::CallbackError;
    let client = app.ecommpay.as_ref().ok_or(AppError::ProviderDisabled("ecommpay"))?;
    let read =
        ecommpay::read_payment_callback(body, client.config.secret.expose().as_bytes(), client.config.project_id);
    let (callback, payment) = match read {
        Ok(read) => read,
        Err(CallbackError::NoPayment) => {
            return Ok(Json(serde_json::json!({"ok": true, "ignored": "no payment in callback"})));
        }
        Err(e @ (CallbackError::MissingSignature | CallbackError::BadSignature)) => {
            return Err(AppError::BadSignature(e.to_string()));
        }
        Err(e) => return Err(AppError::Invalid(format!("ecommpay callback: {e}"))),
    };
    let said = ecommpay::callback_status(&callback);
    let (observed, money) = if said.takes_money() {
        match client.payment(&payment.id).await? {
            Some((gate_status, sum)) => (gate_status, sum),
            None => (PaymentStatus::Pending, None),
        }
    } else {
        (said, None)
    };
    // A digest of what the signature covers: the same callback sent again, however formatted,
    // has the same one.
    let receipt = ecommpay::callback_receipt(body).ok_or_else(|| AppError::Invalid("ecommpay callback".into()))?;
    apply_notification(app, Provider::Ecommpay, &payment.id, &receipt, observed, |_| money).await
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
        let money =
            |attempt: &crate::store::Attempt| super::status::paytone_money(&invoice.attributes, attempt.currency);
        let Json(answer) = apply_notification(app, Provider::Paytone, &reference, &receipt, observed, money).await?;
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
    let money = ioka::webhook_money(&event)
        .map(|(amount, currency)| (amount, currency.unwrap_or(attempt.currency.code()).to_owned()));
    let observed = super::believed(app, &attempt, ioka::webhook_status(&event), &money, "webhook").await?;
    let Some(status) =
        app.store.advance_on_receipt(&attempt.attempt_id, Provider::Ioka, &receipt, observed, "webhook").await?
    else {
        return Ok(Json(serde_json::json!({"ok": true, "duplicate": true})));
    };
    tracing::info!(attempt = %attempt.attempt_id, event = ?event.event, status = status.as_str(), "ioka webhook");
    Ok(Json(serde_json::json!({"ok": true, "status": status.as_str()})))
}
