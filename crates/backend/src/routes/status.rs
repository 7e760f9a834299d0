//! `GET /status?attemptId=…`: the stored status moved forward by a fresh provider read.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::Json;
use tolem_core::api::{check_id, StatusResponse};
use tolem_core::providers::bereke::OrderRef;
use tolem_core::providers::Provider;
use tolem_core::status::PaymentStatus;

use super::{bereke_money, ReportedMoney};
use crate::error::AppError;
use crate::store::Attempt;
use crate::AppState;

/// Handler. With the widget's client secret (header `X-Tolem-Client-Secret`), only an attempt
/// of that session's order is answered (`404` for any other); the Bereke `?orderId=` lookup
/// needs it.
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
    let attempt = match (query.get("attemptId"), query.get("provider"), query.get("orderId")) {
        (Some(attempt_id), _, _) => {
            check_id("attemptId", attempt_id).map_err(|e| AppError::Invalid(e.to_string()))?;
            app.store.by_id(attempt_id).await?.ok_or(AppError::NotFound)?
        }
        // The shopper came back from Bereke without the widget's journal (another tab or
        // browser): RBS's `?orderId=` names the attempt, which only its own session may read.
        (None, Some(provider), Some(order_id)) if provider == "bereke" => {
            let order_id = tolem_core::providers::bereke::parse_return(&format!("?orderId={order_id}"))
                .ok_or_else(|| AppError::Invalid("orderId: not a Bereke order id".into()))?
                .order_id;
            if session.is_none() {
                return Err(AppError::SessionInvalid("a lookup by provider order id needs the client secret"));
            }
            app.store.by_session(Provider::Bereke, &order_id).await?.ok_or(AppError::NotFound)?
        }
        _ => return Err(AppError::Invalid("attemptId is required".into())),
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
        order: super::start::summary(&attempt),
        attention,
        attempt_id: attempt.attempt_id,
        status,
        is_final: status.is_final(),
    }))
}

/// The least time between two provider reads of one attempt's status on behalf of `status`.
pub const PROVIDER_READ_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

/// OneEntry: the newest session of the try's order, through the configured status table.
/// A placed cash order has no page (`checkout_url`) and nothing to read: it stays pending.
async fn oneentry_status(app: &AppState, attempt: &Attempt) -> Result<Option<PaymentStatus>, AppError> {
    let order_id = attempt.provider_session_id.as_deref().and_then(|s| s.parse::<i64>().ok());
    let (Some(client), Some(order_id), Some(mut user), Some(_)) =
        (&app.oneentry, order_id, attempt.details.user_token.clone(), &attempt.checkout_url)
    else {
        return Ok(None);
    };
    let (session, refreshed) = client.latest_session(&mut user, order_id).await?;
    if refreshed {
        let mut details = attempt.details.clone();
        details.user_token = Some(user);
        app.store.set_details(&attempt.attempt_id, &details).await?;
    }
    Ok(session.map(|s| client.config.statuses.map(&s.status)))
}

/// The stored status moved forward by a fresh provider read. A failed read is not an answer:
/// it keeps what we know (the widget asks again, backing off).
pub async fn refresh(app: &AppState, attempt: &Attempt) -> Result<PaymentStatus, AppError> {
    // `Ok(None)`: nothing to read yet (no provider order for this try, or not configured).
    // With the status, the money the provider says the payment is for, where it says.
    let observed: Result<Option<(PaymentStatus, ReportedMoney)>, AppError> = match attempt.provider {
        Provider::Ioka => match &app.ioka {
            Some(client) => client
                .order(&attempt.provider_order_id)
                .await
                .map(|o| Some((o.status.into(), Some((o.amount, o.currency.clone()))))),
            None => Ok(None),
        },
        Provider::Bereke => match (&app.bereke, &attempt.provider_session_id) {
            (Some(client), Some(md_order)) => {
                client.status(OrderRef::OrderId(md_order)).await.map(|found| match found {
                    Some(found) => Some((PaymentStatus::from(&found), bereke_money(&found))),
                    None => {
                        tracing::warn!(attempt = %attempt.attempt_id, "Bereke does not know this order");
                        None
                    }
                })
            }
            _ => Ok(None),
        },
        Provider::Ecommpay => match (&app.ecommpay, &attempt.checkout_url) {
            (Some(client), Some(_)) => client.payment(&attempt.provider_order_id).await,
            _ => Ok(None),
        },
        Provider::Paytone => match (&app.paytone, &attempt.provider_session_id) {
            (Some(client), Some(invoice_id)) => client.invoice(invoice_id).await.map(|invoice| {
                let money = paytone_money(&invoice.attributes, attempt.currency);
                Some((invoice.attributes.status.into(), money))
            }),
            _ => Ok(None),
        },
        // OneEntry's price is checked at `pay` (the order's `totalSum`); its session says none.
        Provider::Oneentry => oneentry_status(app, attempt).await.map(|s| s.map(|s| (s, None))),
    };
    let observed = match observed {
        Ok(Some((status, money))) => Ok(Some(super::believed(app, attempt, status, &money, "poll").await?)),
        Ok(None) => Ok(None),
        Err(e) => Err(e),
    };
    match observed {
        Ok(Some(observed)) => Ok(app.store.advance_status(&attempt.attempt_id, observed, "poll").await?),
        Ok(None) => Ok(attempt.status),
        Err(e) => {
            tracing::warn!(error = %e, "status read failed; answering the stored status");
            Ok(attempt.status)
        }
    }
}

/// A Paytone invoice's amount (major units, a JSON number) in minor units of its currency.
pub fn paytone_money(
    invoice: &tolem_core::providers::paytone::InvoiceAttributes,
    fallback: tolem_core::money::Currency,
) -> ReportedMoney {
    let code = invoice.currency.clone().unwrap_or_else(|| fallback.code().to_owned());
    let currency = tolem_core::money::Currency::from_code(&code).unwrap_or(fallback);
    let amount = invoice.amount.as_ref()?;
    match tolem_core::money::minor_from_major(&amount.to_string(), currency) {
        Some(minor) => Some((minor.0, code)),
        // An amount that is not a whole number of minor units is no order's amount.
        None => Some((-1, code)),
    }
}
