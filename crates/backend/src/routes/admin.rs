//! The merchant's own calls (not the widget's), with `Authorization: Bearer
//! <TOLEM_ADMIN_TOKEN>`; off unless the token is configured:
//! capture or release a held payment (`POST /admin/capture`, `POST /admin/release` with
//! `{"attemptId": "att_…"}`), attempts (`GET /admin/attempts`, `GET /admin/attempts/{id}`),
//! and the shop's notifications (`GET /admin/notifications`, `POST /admin/notifications/replay`).
//! No admin route answers a browser's CORS request: they are for the shop's servers.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::Json;
use serde::{Deserialize, Serialize};
use tolem_core::api::{check_id, StatusResponse};
use tolem_core::status::PaymentStatus;

use super::json_body;
use crate::error::AppError;
use crate::store::{AttemptFilter, DeliveryRecord, DeliveryState, ListedAttempt, PageCursor};
use crate::AppState;
use tolem_core::providers::Provider;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct HoldRequest {
    attempt_id: String,
}

fn authorize(app: &AppState, headers: &HeaderMap) -> Result<(), AppError> {
    super::require_token(app.config.admin_token.as_ref(), headers)
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

/// `GET /admin/notifications?state=pending|delivered|failed&attemptId=…&limit=…`: the shop's
/// notifications and where their delivery stands, newest first (at most 200; default 50).
pub async fn notifications(
    State(app): State<Arc<AppState>>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<NotificationList>, AppError> {
    authorize(&app, &headers)?;
    let state = match query.get("state").map(String::as_str) {
        None | Some("") => None,
        Some(name) => Some(
            DeliveryState::from_name(name)
                .ok_or_else(|| AppError::Invalid("state: one of pending, delivered, failed".into()))?,
        ),
    };
    let attempt_id = query.get("attemptId").map(String::as_str).filter(|id| !id.is_empty());
    if let Some(id) = attempt_id {
        check_id("attemptId", id).map_err(|e| AppError::Invalid(e.to_string()))?;
    }
    let limit = super::page_limit(query.get("limit").map(String::as_str))?;
    let records = app.store.notifications(state, attempt_id, limit).await?;
    Ok(Json(NotificationList { notifications: records.iter().map(NotificationView::of).collect() }))
}

/// `POST /admin/notifications/replay` with `{"attemptId": "att_…", "sequence": 3}`: sends
/// that notification again now (a failed one, or one the shop lost).
pub async fn replay_notification(
    State(app): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<NotificationList>, AppError> {
    authorize(&app, &headers)?;
    let req: ReplayRequest = json_body(&body)?;
    check_id("attemptId", &req.attempt_id).map_err(|e| AppError::Invalid(e.to_string()))?;
    if app.config.notify.is_none() {
        return Err(AppError::Conflict("notifications are off (TOLEM_NOTIFY_URL is not set)".into()));
    }
    if !app.store.replay_notification(&req.attempt_id, req.sequence).await? {
        return Err(AppError::NotFound);
    }
    let records = app.store.notifications(None, Some(&req.attempt_id), 200).await?;
    let replayed = records.iter().filter(|r| r.step == req.sequence).map(NotificationView::of).collect();
    Ok(Json(NotificationList { notifications: replayed }))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ReplayRequest {
    attempt_id: String,
    sequence: i64,
}

/// The admin API's list of notifications.
#[derive(Serialize)]
pub struct NotificationList {
    notifications: Vec<NotificationView>,
}

/// One notification as the admin API shows it (times in ms since the epoch).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct NotificationView {
    id: String,
    attempt_id: String,
    sequence: i64,
    status: PaymentStatus,
    state: &'static str,
    tries: u32,
    created_ms: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_try_ms: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    delivered_ms: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    failed_ms: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_error: Option<String>,
}

impl NotificationView {
    fn of(r: &DeliveryRecord) -> NotificationView {
        NotificationView {
            id: format!("{}.{}", r.attempt_id, r.step),
            attempt_id: r.attempt_id.clone(),
            sequence: r.step,
            status: r.status,
            state: r.state.as_str(),
            tries: r.tries,
            created_ms: r.created_ms,
            next_try_ms: (r.state == DeliveryState::Pending).then_some(r.next_ms),
            delivered_ms: r.delivered_ms,
            failed_ms: r.failed_ms,
            last_error: r.last_error.clone(),
        }
    }
}

/// `GET /admin/attempts?orderId=&provider=&status=&from=&to=&limit=&cursor=`: attempts newest
/// first (`from`/`to`: creation time in ms since the epoch, `to` exclusive), at most `limit`
/// (1–200, default 50); `nextCursor` fetches the next page.
pub async fn attempts(
    State(app): State<Arc<AppState>>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<AttemptList>, AppError> {
    authorize(&app, &headers)?;
    let text = |name: &str| query.get(name).map(String::as_str).filter(|v| !v.is_empty());
    let invalid = |message: &str| AppError::Invalid(message.to_owned());
    let millis = |name: &'static str| -> Result<Option<i64>, AppError> {
        text(name)
            .map(|v| {
                v.parse::<i64>()
                    .ok()
                    .filter(|ms| *ms >= 0)
                    .ok_or_else(|| invalid(&format!("{name}: ms since the epoch")))
            })
            .transpose()
    };
    let order_id = text("orderId").map(str::to_owned);
    if let Some(id) = &order_id {
        check_id("orderId", id).map_err(|e| AppError::Invalid(e.to_string()))?;
    }
    let filter = AttemptFilter {
        order_id,
        provider: text("provider")
            .map(|p| {
                Provider::from_wire(p).ok_or_else(|| invalid("provider: ioka, bereke, ecommpay, paytone or oneentry"))
            })
            .transpose()?,
        status: text("status")
            .map(|s| PaymentStatus::from_wire(s).ok_or_else(|| invalid("status: a payment status (pending, paid, …)")))
            .transpose()?,
        from_ms: millis("from")?,
        to_ms: millis("to")?,
    };
    let limit = super::page_limit(text("limit"))?;
    let after = text("cursor")
        .map(|c| PageCursor::parse(c).ok_or_else(|| invalid("cursor: as nextCursor gave it")))
        .transpose()?;
    let page = app.store.search_attempts(&filter, after.as_ref(), limit).await?;
    Ok(Json(AttemptList {
        attempts: page.attempts.iter().map(AttemptView::of).collect(),
        next_cursor: page.next.map(|c| c.to_text()),
    }))
}

/// `GET /admin/attempts/{attemptId}`: one attempt with its whole history and its
/// notifications to the shop.
pub async fn attempt(
    State(app): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(attempt_id): Path<String>,
) -> Result<Json<AttemptDetail>, AppError> {
    authorize(&app, &headers)?;
    check_id("attemptId", &attempt_id).map_err(|e| AppError::Invalid(e.to_string()))?;
    let listed = app.store.listed_attempt(&attempt_id).await?.ok_or(AppError::NotFound)?;
    let history = app.store.history_entries(&attempt_id).await?;
    let notifications = app.store.notifications(None, Some(&attempt_id), 200).await?;
    Ok(Json(AttemptDetail {
        attempt: AttemptView::of(&listed),
        history: history
            .into_iter()
            .map(|h| HistoryView { sequence: h.step, status: h.status, source: h.source, at_ms: h.at_ms })
            .collect(),
        notifications: notifications.iter().map(NotificationView::of).collect(),
    }))
}

/// A page of attempts.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AttemptList {
    attempts: Vec<AttemptView>,
    next_cursor: Option<String>,
}

/// One attempt with its history and notifications.
#[derive(Serialize)]
pub struct AttemptDetail {
    #[serde(flatten)]
    attempt: AttemptView,
    history: Vec<HistoryView>,
    notifications: Vec<NotificationView>,
}

/// An attempt as the admin API shows it (no tokens, no secrets; times in ms since the epoch).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AttemptView {
    attempt_id: String,
    order_id: String,
    provider: &'static str,
    amount: i64,
    currency: &'static str,
    status: PaymentStatus,
    #[serde(rename = "final")]
    is_final: bool,
    try_number: u32,
    reference: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    checkout_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    payable_until_ms: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    attention: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    superseded_by: Option<&'static str>,
    created_ms: i64,
    updated_ms: i64,
}

impl AttemptView {
    fn of(listed: &ListedAttempt) -> AttemptView {
        let a = &listed.attempt;
        AttemptView {
            attempt_id: a.attempt_id.clone(),
            order_id: a.order_id.clone(),
            provider: a.provider.as_str(),
            amount: a.amount,
            currency: a.currency.code(),
            status: a.status,
            is_final: a.status.is_final(),
            try_number: a.try_number,
            reference: a.provider_order_id.clone(),
            checkout_url: a.checkout_url.clone(),
            payable_until_ms: a.payable_until_ms,
            attention: a.attention.clone(),
            superseded_by: a.superseded_by.map(Provider::as_str),
            created_ms: listed.created_ms,
            updated_ms: listed.updated_ms,
        }
    }
}

/// One history entry.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct HistoryView {
    sequence: i64,
    status: PaymentStatus,
    source: String,
    at_ms: i64,
}
