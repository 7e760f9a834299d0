//! `POST /sessions`: the shop's server says what a shopper is to pay. Authenticated with a
//! merchant key (`Authorization: Bearer …`, `TOLEM_MERCHANT_KEYS`); the answer's client secret
//! is all the browser ever gets, and `start` takes the order, amount, shopper and return URL
//! from the session it names, never from the browser.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::Json;
use tolem_core::api::{session_id_of, SessionRequest, SessionResponse, SESSION_DEFAULT_SECONDS};
use tolem_core::money::MinorUnits;
use tolem_core::signature::constant_time_eq;

use super::json_body;
use crate::error::AppError;
use crate::store::{now_ms, CheckoutSession};
use crate::AppState;

/// How many times a session is read again when another request changed it in between.
const ROUNDS: usize = 4;

/// Makes (or finds) the order's session for the shop's server.
pub async fn create(
    State(app): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<SessionResponse>, AppError> {
    let key = super::bearer(&headers).ok_or(AppError::Unauthorized)?;
    if !app.config.is_merchant_key(key) {
        return Err(AppError::Unauthorized);
    }
    let req: SessionRequest = json_body(&body)?;
    req.validate(MinorUnits(app.config.max_amount)).map_err(|e| AppError::Invalid(e.to_string()))?;
    if !app.config.return_url_allowed(&req.return_url) {
        return Err(AppError::Invalid("returnUrl: must be an http(s) URL on an allowed origin".into()));
    }
    if let Some(p) = req.providers.iter().find(|p| !app.providers.enabled(**p)) {
        return Err(AppError::ProviderDisabled(p.as_str()));
    }
    let seconds = i64::from(req.expires_in_seconds.unwrap_or(SESSION_DEFAULT_SECONDS));
    let expires_ms = now_ms().saturating_add(seconds * 1_000);
    let session = get_or_make(&app, req, expires_ms).await?;
    Ok(Json(SessionResponse {
        id: session.session_id,
        client_secret: session.client_secret,
        expires_at: session.expires_ms / 1_000,
    }))
}

/// The order's session: the same one for the same amount and currency (its details and expiry
/// refreshed), a new one for a new price while nothing was started, `409` once something was.
async fn get_or_make(app: &AppState, req: SessionRequest, expires_ms: i64) -> Result<CheckoutSession, AppError> {
    for _ in 0..ROUNDS {
        let Some(existing) = app.store.session_for_order(&req.order.id).await? else {
            let fresh = new_session(req.clone(), expires_ms)?;
            if app.store.insert_session(&fresh).await? {
                return Ok(fresh);
            }
            continue; // another request made the order's session first: decide against it
        };
        let same_price =
            existing.request.order.amount == req.order.amount && existing.request.order.currency == req.order.currency;
        if same_price {
            let expires_ms = expires_ms.max(existing.expires_ms);
            app.store.refresh_session(&existing.session_id, &req, expires_ms).await?;
            return Ok(CheckoutSession { request: req, expires_ms, ..existing });
        }
        if app.store.order_has_attempt(&req.order.id).await? {
            return Err(AppError::Conflict("this order was started with a different amount".into()));
        }
        let fresh = new_session(req.clone(), expires_ms)?;
        if app.store.replace_session(&existing.session_id, &fresh).await? {
            return Ok(fresh);
        }
    }
    Err(AppError::Busy)
}

fn new_session(request: SessionRequest, expires_ms: i64) -> Result<CheckoutSession, AppError> {
    let session_id = format!("cs_{}", crate::steps::random_hex(8)?);
    let client_secret = format!("{session_id}_secret_{}", crate::steps::random_hex(16)?);
    Ok(CheckoutSession { session_id, client_secret, request, expires_ms })
}

/// The live session a client secret belongs to (what `start` needs).
///
/// # Errors
/// [`AppError::SessionInvalid`] when there is none: no secret, an unknown or replaced one (the
/// shop changed the price), or an expired one.
pub async fn resolve(app: &AppState, client_secret: Option<&str>) -> Result<CheckoutSession, AppError> {
    let session = resolve_any_age(app, client_secret.ok_or(AppError::SessionInvalid("no clientSecret"))?).await?;
    if session.expires_ms <= now_ms() {
        return Err(AppError::SessionInvalid("expired"));
    }
    Ok(session)
}

/// The session a client secret belongs to, expired or not: enough to say which order a
/// status is asked about (a shopper may come back after the session ran out).
///
/// # Errors
/// [`AppError::SessionInvalid`] for a secret of no session (or of a replaced one).
pub async fn resolve_any_age(app: &AppState, secret: &str) -> Result<CheckoutSession, AppError> {
    let id = session_id_of(secret).ok_or(AppError::SessionInvalid("not a client secret"))?;
    let session = app.store.session_by_id(id).await?.ok_or(AppError::SessionInvalid("unknown session"))?;
    if !constant_time_eq(session.client_secret.as_bytes(), secret.as_bytes()) {
        return Err(AppError::SessionInvalid("wrong secret"));
    }
    Ok(session)
}
