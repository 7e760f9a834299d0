//! `POST /pay`: where to send the shopper for the chosen method.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::Json;
use tolem_core::api::{PayRequest, PayResponse, RedirectTarget};
use tolem_core::http::Method;
use tolem_core::status::PaymentStatus;

use super::json_body;
use crate::error::AppError;
use crate::providers::Page;
use crate::steps::refuse_if_final;
use crate::store::Attempt;
use crate::AppState;

/// Checks that the attempt may still be paid (not final, not re-priced by the shop, still the
/// order's current attempt, no other attempt of the order paid), then asks its provider for
/// the page.
pub async fn pay(State(app): State<Arc<AppState>>, body: Bytes) -> Result<Json<PayResponse>, AppError> {
    let req: PayRequest = json_body(&body)?;
    req.validate().map_err(|e| AppError::Invalid(e.to_string()))?;
    let attempt = app.store.by_id(&req.attempt_id).await?.ok_or(AppError::NotFound)?;
    refuse_if_final(&attempt)?;
    refuse_if_repriced(&app, &attempt).await?;
    refuse_if_not_current(&app, &attempt).await?;
    let provider = app.providers.get(attempt.provider)?;
    let nowhere = PayResponse { redirect: None, placed: false, charged: false };
    let answer = match provider.page(&app, attempt, &req).await? {
        Page::Redirect(url) => {
            PayResponse { redirect: Some(RedirectTarget { url, method: Method::Get, fields: vec![] }), ..nowhere }
        }
        Page::Placed => PayResponse { placed: true, ..nowhere },
        Page::Charged => PayResponse { charged: true, ..nowhere },
    };
    Ok(Json(answer))
}

/// `POST /methods/remove` `{attemptId, methodId}`: removes a saved method (an ioka saved
/// card) of the attempt's shopper, who got the method from this attempt's `start`. The
/// provider checks the card is the shopper's; nothing about the attempt changes.
pub async fn remove_method(State(app): State<Arc<AppState>>, body: Bytes) -> Result<Json<serde_json::Value>, AppError> {
    let req: PayRequest = json_body(&body)?;
    req.validate().map_err(|e| AppError::Invalid(e.to_string()))?;
    let attempt = app.store.by_id(&req.attempt_id).await?.ok_or(AppError::NotFound)?;
    refuse_if_final(&attempt)?;
    app.providers.get(attempt.provider)?.remove_saved_method(&app, &attempt, &req.method_id).await?;
    tracing::info!(attempt = %attempt.attempt_id, provider = attempt.provider.as_str(), "saved method removed");
    Ok(Json(serde_json::json!({"removed": true})))
}

/// The shop re-priced the order after this attempt's `start` read the old session (the two
/// raced): the attempt's amount is no longer what the shop asks, so nothing more is paid on it.
async fn refuse_if_repriced(app: &AppState, attempt: &Attempt) -> Result<(), AppError> {
    let current = app.store.session_for_order(&attempt.order_id).await?;
    match current {
        Some(s) if s.request.order.amount.0 != attempt.amount || s.request.order.currency != attempt.currency => {
            Err(AppError::Conflict("the shop changed this order's amount; reload the page".into()))
        }
        _ => Ok(()),
    }
}

/// One payment per merchant order: an attempt the shopper switched away from pays nothing
/// more, and no attempt pays once another attempt for the order took or holds the money.
async fn refuse_if_not_current(app: &AppState, attempt: &Attempt) -> Result<(), AppError> {
    if let Some(other) = attempt.superseded_by {
        return Err(AppError::Conflict(format!(
            "this order is now being paid with {}; start again to pay with {}",
            other.as_str(),
            attempt.provider.as_str()
        )));
    }
    let paid_elsewhere = app.store.for_order(&attempt.order_id).await?.into_iter().find(|other| {
        other.attempt_id != attempt.attempt_id
            && (other.status.takes_money() || other.status == PaymentStatus::Refunded)
    });
    match paid_elsewhere {
        Some(other) => Err(AppError::Conflict(format!(
            "this order is already {} with {}",
            other.status.as_str(),
            other.provider.as_str()
        ))),
        None => Ok(()),
    }
}
