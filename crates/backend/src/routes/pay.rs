//! `POST /pay`: where to send the shopper for the chosen method.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::Json;
use tolem_core::api::{PayRequest, PayResponse, RedirectTarget};
use tolem_core::providers::{ioka, Provider};

use super::json_body;
use crate::error::AppError;
use crate::AppState;

/// Handler.
pub async fn pay(State(app): State<Arc<AppState>>, body: Bytes) -> Result<Json<PayResponse>, AppError> {
    let req: PayRequest = json_body(&body)?;
    req.validate().map_err(|e| AppError::Invalid(e.to_string()))?;
    let attempt = app.store.by_id(&req.attempt_id)?.ok_or(AppError::NotFound)?;
    if attempt.status.is_final() {
        return Err(AppError::Conflict(format!("this attempt is already {}", attempt.status.as_str())));
    }
    match attempt.provider {
        Provider::Ioka => {
            let known = req.method_id == ioka::NEW_CARD_METHOD || req.method_id.starts_with(ioka::SAVED_CARD_PREFIX);
            if !known {
                return Err(AppError::Invalid("methodId: unknown method".into()));
            }
            // ioka's hosted page shows the customer's saved cards itself.
            let url =
                attempt.checkout_url.ok_or_else(|| AppError::Provider("ioka order has no checkout_url".into()))?;
            Ok(Json(PayResponse { redirect: RedirectTarget { url, method: "GET".into(), fields: vec![] } }))
        }
        other => Err(AppError::ProviderDisabled(other.as_str())),
    }
}
