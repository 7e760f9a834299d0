//! `GET /status?attemptId=…`: the stored status moved forward by a fresh provider read.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::Json;
use tolem_core::api::{check_id, StatusResponse};
use tolem_core::providers::Provider;
use tolem_core::status::PaymentStatus;

use crate::error::AppError;
use crate::AppState;

/// Handler.
pub async fn status(
    State(app): State<Arc<AppState>>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<StatusResponse>, AppError> {
    let attempt_id = query.get("attemptId").ok_or_else(|| AppError::Invalid("attemptId is required".into()))?;
    check_id("attemptId", attempt_id).map_err(|e| AppError::Invalid(e.to_string()))?;
    let attempt = app.store.by_id(attempt_id)?.ok_or(AppError::NotFound)?;
    let mut status = attempt.status;
    if !status.is_final() {
        match attempt.provider {
            Provider::Ioka => {
                if let Some(client) = &app.ioka {
                    // A failed read is not an answer: keep what we know and let the widget
                    // ask again (it backs off).
                    match client.order(&attempt.provider_order_id).await {
                        Ok(order) => {
                            let observed: PaymentStatus = order.status.into();
                            status = app.store.advance_status(&attempt.attempt_id, observed, "poll")?;
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "status read failed; answering the stored status")
                        }
                    }
                }
            }
            other => return Err(AppError::ProviderDisabled(other.as_str())),
        }
    }
    Ok(Json(StatusResponse { attempt_id: attempt.attempt_id, status, is_final: status.is_final() }))
}
