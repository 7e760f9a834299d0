//! `POST /start`: get-or-create the provider's customer and order, once per merchant order.
//! What is paid (order, amount, currency), by whom and where the shopper comes back all come
//! from the checkout session the client secret names; the browser only picks the provider
//! and brings its key, its language and, for OneEntry, the shopper's sign-in.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::Json;
use tolem_core::api::{StartRequest, StartResponse};
use tolem_core::money::MinorUnits;
use tolem_core::providers::Provider;
use tolem_core::status::PaymentStatus;

use super::json_body;
use crate::error::AppError;
use crate::steps::{refresh, Checkout};
use crate::AppState;

/// Resolves the checkout session, applies the one-payment-per-order rule, then lets the
/// chosen provider find or make the attempt.
pub async fn start(State(app): State<Arc<AppState>>, body: Bytes) -> Result<Json<StartResponse>, AppError> {
    let body: StartRequest = json_body(&body)?;
    body.validate(MinorUnits(app.config.max_amount)).map_err(|e| AppError::Invalid(e.to_string()))?;
    let session = super::sessions::resolve(&app, body.client_secret.as_deref()).await?;
    if body.order.is_some() || body.customer.is_some() || body.return_url.is_some() {
        return Err(AppError::Invalid(
            "order, customer and returnUrl come from the checkout session: send only the clientSecret".into(),
        ));
    }
    let allowed = &session.request.providers;
    if !allowed.is_empty() && !allowed.contains(&body.provider) {
        return Err(AppError::Invalid("provider: not offered in this checkout session".into()));
    }
    let req = Checkout {
        provider: body.provider,
        order: session.request.order,
        customer: session.request.customer,
        return_url: session.request.return_url,
        idempotency_key: body.idempotency_key,
        locale: body.locale,
        sign_in: body.sign_in,
        user_token: body.user_token,
    };
    let provider = app.providers.get(req.provider)?;
    take_over_order(&app, &req).await?;
    let mut answer = provider.start(&app, &req).await?;
    answer.redirect_hosts = vouched_hosts(&app, provider.page_hosts(), req.provider);
    Ok(Json(answer))
}

/// The hosts `start` vouches for as this provider's pages: those of its configured URLs and
/// `TOLEM_REDIRECT_HOSTS`, less the ones the widget knows already.
fn vouched_hosts(app: &AppState, page_hosts: Vec<String>, provider: Provider) -> Vec<String> {
    let mut hosts: Vec<String> = Vec::new();
    for host in page_hosts.into_iter().chain(app.config.redirect_hosts.iter().cloned()) {
        if !provider.redirect_hosts().contains(&host.as_str()) && !hosts.contains(&host) {
            hosts.push(host);
        }
    }
    hosts
}

/// One active attempt per merchant order, across providers. Before the shopper starts
/// `req.provider`, every other provider's attempt for the order is looked at (with a fresh
/// provider read while it is pending):
///
/// * one that took, holds or refunded money refuses the start (`409`): the order is paid;
/// * one whose page can still be paid is closed where the provider allows it (Bereke
///   `decline.do`); where it does not (an ECommPay Payment Page before its `best_before`, a
///   Paytone invoice before it `expires`), the start is refused (`409`) while it is under way;
/// * any other still-pending one is superseded: it pays nothing more through Tolem, and money
///   that still reaches it (an ioka order paid with the token the browser kept) is recorded
///   and flagged for the merchant.
///
/// The provider's own attempt, if it was superseded earlier, becomes current again. Starts
/// for one order, on any instance, take turns here.
async fn take_over_order(app: &AppState, req: &Checkout) -> Result<(), AppError> {
    let guard = app.exclusive(&format!("order:{}", req.order.id)).await?;
    let now = crate::store::now_ms();
    for other in app.store.for_order(&req.order.id).await? {
        if other.provider == req.provider {
            if other.superseded_by.is_some() {
                app.store.reinstate(&other.attempt_id).await?;
            }
            continue;
        }
        if other.superseded_by.is_some() {
            continue;
        }
        let status = if other.status.is_final() { other.status } else { refresh(app, &other).await? };
        if status.takes_money() || status == PaymentStatus::Refunded {
            return Err(AppError::Conflict(format!(
                "this order is already {} with {}",
                status.as_str(),
                other.provider.as_str()
            )));
        }
        if status.is_final() {
            continue;
        }
        let page_live = other.payable_until_ms.is_some_and(|until| until > now);
        if page_live {
            guard.ensure_held().await?;
        }
        if page_live && !close_page(app, &other).await? {
            let until = other.payable_until_ms.map(|ms| tolem_core::time::iso_utc(ms.div_euclid(1000)));
            return Err(AppError::Conflict(format!(
                "a payment with {} is under way for this order: finish or cancel it there, or try again after {}",
                other.provider.as_str(),
                until.unwrap_or_default()
            )));
        }
        app.store.supersede(&other.attempt_id, req.provider).await?;
        tracing::info!(attempt = %other.attempt_id, to = req.provider.as_str(), "the shopper switched provider");
    }
    Ok(())
}

/// Closes the live page of a pending attempt at its provider, where the provider has a way
/// to: true when it can no longer be paid.
async fn close_page(app: &AppState, attempt: &crate::store::Attempt) -> Result<bool, AppError> {
    match app.providers.get(attempt.provider) {
        Ok(provider) => provider.close_page(app, attempt).await,
        Err(_) => Ok(false),
    }
}
