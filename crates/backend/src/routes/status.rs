//! `GET /status?attemptId=…[&wait=seconds]`: the stored status moved forward by a fresh
//! provider read; with `wait`, held while the attempt is pending until its status changes
//! (a long poll).

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::Json;
use tokio::sync::broadcast;
use tokio::time::Instant;
use tolem_core::api::{check_id, StatusResponse};
use tolem_core::poll::{provider_read_every_ms, MAX_WAIT_SECONDS};
use tolem_core::providers::Provider;
use tolem_core::status::PaymentStatus;

use crate::error::AppError;
use crate::steps::{refresh, summary};
use crate::store::Attempt;
use crate::AppState;

/// The attempt's status, by `attemptId` or by `provider` and that provider's return
/// parameters. With the widget's client secret (header `X-Tolem-Client-Secret`), only an
/// attempt of that session's order is answered (`404` for any other); the lookup by return
/// parameters needs it.
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
    let attempt = match (query.get("attemptId"), query.get("provider").and_then(|p| Provider::from_wire(p))) {
        (Some(attempt_id), _) => {
            check_id("attemptId", attempt_id).map_err(|e| AppError::Invalid(e.to_string()))?;
            app.store.by_id(attempt_id).await?.ok_or(AppError::NotFound)?
        }
        // The shopper came back without the widget's journal (another tab or browser): the
        // provider's own return parameters (RBS `?orderId=`) name the attempt, which only its
        // own session may read.
        (None, Some(provider)) => {
            let Some(session_id) = app.providers.get(provider)?.returned_session(&query)? else {
                return Err(AppError::Invalid("attemptId is required".into()));
            };
            if session.is_none() {
                return Err(AppError::SessionInvalid("a lookup by provider order id needs the client secret"));
            }
            app.store.by_session(provider, &session_id).await?.ok_or(AppError::NotFound)?
        }
        (None, None) => return Err(AppError::Invalid("attemptId is required".into())),
    };
    if session.is_some_and(|s| s.request.order.id != attempt.order_id) {
        return Err(AppError::NotFound);
    }
    let wait = wait_of(&query)?;
    // Listening before the first look, so a change between that look and the wait is heard.
    let mut changes = app.store.changes().subscribe();
    let deadline = Instant::now() + wait;
    let mut look = Look { waiting: !wait.is_zero(), pending_since_ms: None, fresh: false };
    // Counted while held (`tolem_status_waiters`).
    let _waiter = (!wait.is_zero()).then(crate::metrics::Waiter::start);
    let mut attempt = attempt;
    loop {
        let (status, attention) = look.now(&app, &attempt).await?;
        let done = status != PaymentStatus::Pending
            || Instant::now() >= deadline
            || app.draining.load(std::sync::atomic::Ordering::Relaxed);
        if done {
            return Ok(Json(StatusResponse {
                order: summary(&attempt),
                attention,
                attempt_id: attempt.attempt_id,
                status,
                is_final: status.is_final(),
            }));
        }
        // Until this attempt changes (a webhook, a provider read, an admin action, here or on
        // another PostgreSQL instance), or the next look at the store: the only news that
        // reaches several processes sharing one SQLite file, and the next provider read.
        let next_look = deadline.min(Instant::now() + RECHECK_EVERY);
        tokio::select! {
            // News may be a new history step: when the attempt became pending is asked again.
            () = heard(&mut changes, &attempt.attempt_id) => look.pending_since_ms = None,
            () = tokio::time::sleep_until(next_look) => {}
        }
        attempt = app.store.by_id(&attempt.attempt_id).await?.ok_or(AppError::NotFound)?;
        look.fresh = true;
    }
}

/// `wait`: whole seconds, at most [`MAX_WAIT_SECONDS`] (more is taken as that); absent, 0.
fn wait_of(query: &HashMap<String, String>) -> Result<std::time::Duration, AppError> {
    let Some(text) = query.get("wait") else { return Ok(std::time::Duration::ZERO) };
    let seconds: u64 = text
        .parse()
        .map_err(|_| AppError::Invalid(format!("wait must be a whole number of seconds (0 to {MAX_WAIT_SECONDS})")))?;
    Ok(std::time::Duration::from_secs(seconds.min(MAX_WAIT_SECONDS)))
}

/// One `status` request's looks at its attempt.
struct Look {
    /// The request waits (`wait` > 0): provider reads follow [`provider_read_every_ms`].
    waiting: bool,
    /// When the attempt's latest history step was recorded, once looked up.
    pending_since_ms: Option<i64>,
    /// The attempt in hand was read from the store just now (a waiting request's later looks).
    fresh: bool,
}

impl Look {
    /// The status now, and why the merchant should look, if anything. A pending attempt is
    /// read at the provider when this request wins the attempt's read: once a second for
    /// plain polls; for waiting ones, on a schedule that backs off as the attempt stays
    /// pending ([`provider_read_every_ms`]), so however many shoppers and instances wait, the
    /// provider is asked once per turn and a lost webhook is still noticed.
    async fn now(&mut self, app: &AppState, attempt: &Attempt) -> Result<(PaymentStatus, Option<String>), AppError> {
        if attempt.status.is_final() {
            return Ok((attempt.status, attempt.attention.clone()));
        }
        let every = if self.waiting {
            let since = match self.pending_since_ms {
                Some(since) => since,
                None => {
                    let since = app.store.last_step_ms(&attempt.attempt_id).await?.unwrap_or(0);
                    self.pending_since_ms = Some(since);
                    since
                }
            };
            let pending_for = u64::try_from(crate::store::now_ms().saturating_sub(since)).unwrap_or(0);
            std::time::Duration::from_millis(provider_read_every_ms(pending_for))
        } else {
            PROVIDER_READ_EVERY
        };
        let read = app.store.claim_provider_read(&attempt.attempt_id, every).await?;
        let status = if read { refresh(app, attempt).await? } else { attempt.status };
        // The attempt may have been flagged since it was read (by this provider read, which was
        // not believed, or by a notification that arrived meanwhile): answer what is stored
        // now. An attempt read from the store this very moment is what is stored.
        let attention = if read || !self.fresh {
            app.store.by_id(&attempt.attempt_id).await?.and_then(|a| a.attention)
        } else {
            attempt.attention.clone()
        };
        Ok((status, attention))
    }
}

/// Returns when `attempt_id` is announced as changed (or when news was missed: a look at the
/// store settles it); never, while nothing is announced.
async fn heard(changes: &mut broadcast::Receiver<std::sync::Arc<str>>, attempt_id: &str) {
    loop {
        match changes.recv().await {
            Ok(changed) if &*changed == attempt_id => return,
            Ok(_) => {}
            Err(broadcast::error::RecvError::Lagged(_)) => return,
            Err(broadcast::error::RecvError::Closed) => std::future::pending::<()>().await,
        }
    }
}

/// How often a waiting request looks at the store again, whatever it heard.
pub const RECHECK_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

/// The least time between two provider reads of one attempt's status on behalf of `status`.
pub const PROVIDER_READ_EVERY: std::time::Duration = std::time::Duration::from_secs(1);
