//! `POST /webhooks/{provider}` (also GET, for RBS callbacks): verified by the provider's
//! implementation, then applied once each ([`crate::steps::apply_news`]), never moving a
//! status backwards.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::Json;
use tolem_core::providers::Provider;

use crate::error::AppError;
use crate::providers::{Incoming, Notice};
use crate::steps::apply_news;
use crate::AppState;

/// Answers `{"ok": true, …}` for each thing the notification says (`status`, `duplicate` or
/// `ignored`), or `{"ok": true, "results": […]}` when it says several (a batched callback).
pub async fn webhook(
    State(app): State<Arc<AppState>>,
    Path(provider): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<serde_json::Value>, AppError> {
    let provider = Provider::from_wire(&provider).ok_or(AppError::NotFound)?;
    let incoming = Incoming { query, headers, body };
    let verified = app.providers.get(provider)?.notifications(&app, &incoming).await;
    crate::metrics::webhook(provider.as_str(), verified.is_ok());
    let notices = verified?;
    let mut answers = Vec::with_capacity(notices.len());
    for notice in &notices {
        answers.push(match notice {
            Notice::Ignored(why) => serde_json::json!({"ok": true, "ignored": why}),
            Notice::News(news) => apply_news(&app, news).await?,
        });
    }
    match answers.len() {
        1 => Ok(Json(answers.remove(0))),
        _ => Ok(Json(serde_json::json!({"ok": true, "results": answers}))),
    }
}
