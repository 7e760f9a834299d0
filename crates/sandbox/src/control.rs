//! The control API tests use to script faults and inspect results: `/_control/faults`,
//! `/_control/webhooks` (every delivery, with its body and headers), `/_control/ledger`,
//! `/_control/requests` (how often each provider path was called).

use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use crate::Sandbox;

/// One scripted fault. Matching requests (by provider, method, path glob with `*` for one
/// segment) get the fault, `times` times (forever when absent).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FaultRule {
    /// `ioka`, …
    pub provider: String,
    /// `GET`, `POST`; any when absent.
    #[serde(default)]
    pub method: Option<String>,
    /// Path under the provider prefix, e.g. `/v2/orders/*`; any when absent.
    #[serde(default)]
    pub path: Option<String>,
    /// Answer with this status and the provider's error body, without running the handler.
    #[serde(default)]
    pub status: Option<u16>,
    /// Wait this long first (a large value is a timeout for the client).
    #[serde(default)]
    pub latency_ms: Option<u64>,
    /// Run the handler, then cut its body short so it is not valid JSON.
    #[serde(default)]
    pub malformed: bool,
    /// Run the handler (the provider acts), then wait this long before answering: the
    /// client times out or dies without learning what the provider did.
    #[serde(default)]
    pub answer_after_ms: Option<u64>,
    /// A webhook fault instead of an HTTP one: `drop`, `duplicate`, `delay` (by
    /// `latencyMs`), or `batch`.
    #[serde(default)]
    pub webhook: Option<WebhookFault>,
    /// How many times; forever when absent.
    #[serde(default)]
    pub times: Option<u32>,
}

/// What to do to outgoing webhooks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WebhookFault {
    /// Never deliver.
    Drop,
    /// Deliver twice.
    Duplicate,
    /// Deliver after `latencyMs` (so the shopper can come back first).
    Delay,
    /// Put the notifications of one event into one body (Paytone: `data` as an array);
    /// providers that never batch deliver normally.
    Batch,
}

/// One webhook delivery, for tests to inspect.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Delivery {
    /// The provider that sent it (`ioka`, `bereke`, …).
    pub provider: String,
    /// Event name.
    pub event: String,
    /// Target URL.
    pub url: String,
    /// HTTP status received, 0 when unreachable, `null` when dropped by a fault.
    pub status: Option<u16>,
    /// `GET` or `POST`.
    pub method: &'static str,
    /// The body sent (or that would have been sent), for a POST.
    pub body: Option<String>,
    /// The headers sent, signature included: tests replay or tamper with a delivery
    /// exactly as an attacker or a retrying provider would.
    pub headers: Vec<(String, String)>,
}

/// Records deliveries from background tasks.
pub struct DeliveryLog(pub Arc<Faults>);

impl DeliveryLog {
    /// Records one delivery.
    pub fn push(&self, d: Delivery) {
        self.0.log_delivery(d);
    }
}

/// The fault switchboard and the webhook log.
#[derive(Default)]
pub struct Faults {
    rules: Mutex<Vec<FaultRule>>,
    deliveries: Mutex<Vec<Delivery>>,
    requests: Mutex<std::collections::BTreeMap<String, u64>>,
}

fn path_matches(glob: &str, path: &str) -> bool {
    let g: Vec<&str> = glob.trim_end_matches('/').split('/').collect();
    let p: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    g.len() == p.len() && g.iter().zip(&p).all(|(g, p)| *g == "*" || g == p)
}

impl Faults {
    /// Adds a rule.
    pub fn add(&self, rule: FaultRule) {
        if let Ok(mut rules) = self.rules.lock() {
            rules.push(rule);
        }
    }

    /// Counts one request to a provider path (`ioka GET /v2/orders/ord_…`).
    pub(crate) fn count_request(&self, provider: &str, method: &str, path: &str) {
        if let Ok(mut seen) = self.requests.lock() {
            *seen.entry(format!("{provider} {method} {path}")).or_default() += 1;
        }
    }

    fn requests(&self) -> std::collections::BTreeMap<String, u64> {
        self.requests.lock().map(|r| r.clone()).unwrap_or_default()
    }

    /// Removes every rule and forgets the delivery log and the request counts.
    pub fn clear(&self) {
        if let Ok(mut rules) = self.rules.lock() {
            rules.clear();
        }
        if let Ok(mut seen) = self.requests.lock() {
            seen.clear();
        }
        if let Ok(mut log) = self.deliveries.lock() {
            log.clear();
        }
    }

    fn take(&self, pick: impl Fn(&FaultRule) -> bool) -> Option<FaultRule> {
        let mut rules = self.rules.lock().ok()?;
        let index = rules.iter().position(pick)?;
        let rule = rules[index].clone();
        match rules[index].times.as_mut() {
            Some(1) => {
                rules.remove(index);
            }
            Some(n) => *n -= 1,
            None => {}
        }
        Some(rule)
    }

    /// The HTTP fault for this request, if one is scripted (consumes one use).
    pub fn take_http(&self, provider: &str, method: &str, path: &str) -> Option<FaultRule> {
        self.take(|r| {
            r.webhook.is_none()
                && r.provider == provider
                && r.method.as_deref().is_none_or(|m| m.eq_ignore_ascii_case(method))
                && r.path.as_deref().is_none_or(|g| path_matches(g, path))
        })
    }

    /// The webhook fault for the next delivery, if one is scripted (consumes one use).
    pub fn take_webhook(&self, provider: &str) -> Option<FaultRule> {
        self.take(|r| r.webhook.is_some_and(|w| w != WebhookFault::Batch) && r.provider == provider)
    }

    /// The next webhook fault of this kind for `provider`, if one is scripted (consumes one use).
    pub fn take_webhook_kind(&self, provider: &str, kind: WebhookFault) -> Option<FaultRule> {
        self.take(|r| r.webhook == Some(kind) && r.provider == provider)
    }

    /// Records a delivery.
    pub fn log_delivery(&self, d: Delivery) {
        if let Ok(mut log) = self.deliveries.lock() {
            log.push(d);
        }
    }

    fn deliveries(&self) -> Vec<Delivery> {
        self.deliveries.lock().map(|d| d.clone()).unwrap_or_default()
    }
}

/// Runs a request through the scripted HTTP faults for `provider`: wait, answer with an
/// error status (the provider's error body from `error_body`, or a cut-off HTML page when
/// `malformed`), or run the handler and cut its body in half so it is not valid JSON.
pub async fn apply_http_fault(
    sb: &Sandbox,
    provider: &str,
    req: axum::extract::Request,
    next: axum::middleware::Next,
    error_body: fn(StatusCode) -> axum::response::Response,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    sb.faults.count_request(provider, req.method().as_str(), req.uri().path());
    let Some(rule) = sb.faults.take_http(provider, req.method().as_str(), req.uri().path()) else {
        return next.run(req).await;
    };
    if let Some(ms) = rule.latency_ms {
        tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
    }
    match (rule.status, rule.malformed) {
        (Some(status), malformed) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            if malformed {
                (status, "<html><body>upstream error").into_response()
            } else {
                error_body(status)
            }
        }
        (None, true) => {
            let inner = answer_late(next.run(req).await, rule.answer_after_ms).await;
            let status = inner.status();
            let bytes = axum::body::to_bytes(inner.into_body(), 1 << 20).await.unwrap_or_default();
            let cut = bytes.slice(..bytes.len() / 2);
            (status, [("content-type", "application/json")], cut).into_response()
        }
        (None, false) => answer_late(next.run(req).await, rule.answer_after_ms).await,
    }
}

/// Holds an answer the provider already produced for `after_ms`, if set.
pub(crate) async fn answer_late(answer: axum::response::Response, after_ms: Option<u64>) -> axum::response::Response {
    if let Some(ms) = after_ms {
        tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
    }
    answer
}

pub fn router(_sb: Arc<Sandbox>) -> Router<Arc<Sandbox>> {
    Router::new()
        .route("/faults", axum::routing::post(add_fault).delete(clear_faults))
        .route("/webhooks", get(list_deliveries))
        .route("/requests", get(list_requests))
        .route("/ledger", get(ledger))
}

/// `?order=A-1001`: every provider's count of orders and payments for that merchant order.
async fn ledger(
    State(sb): State<Arc<Sandbox>>,
    axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> Result<Json<crate::ledger::Ledgers>, (StatusCode, &'static str)> {
    let order = q.get("order").filter(|o| !o.is_empty()).ok_or((StatusCode::BAD_REQUEST, "order is required"))?;
    Ok(Json(crate::ledger::ledgers(&sb, order)))
}

async fn add_fault(State(sb): State<Arc<Sandbox>>, body: axum::body::Bytes) -> (StatusCode, Json<serde_json::Value>) {
    match serde_json::from_slice::<FaultRule>(&body) {
        Ok(rule) => {
            sb.faults.add(rule);
            (StatusCode::CREATED, Json(serde_json::json!({"ok": true})))
        }
        Err(e) => (StatusCode::BAD_REQUEST, Json(serde_json::json!({"error": e.to_string()}))),
    }
}

async fn clear_faults(State(sb): State<Arc<Sandbox>>) -> StatusCode {
    sb.faults.clear();
    StatusCode::NO_CONTENT
}

async fn list_deliveries(State(sb): State<Arc<Sandbox>>) -> Json<Vec<Delivery>> {
    Json(sb.faults.deliveries())
}

/// `GET /_control/requests`: `{"ioka GET /v2/orders/ord_…": 3, …}`, every provider call the
/// sandbox answered (or faulted) since it started or was cleared.
async fn list_requests(State(sb): State<Arc<Sandbox>>) -> Json<std::collections::BTreeMap<String, u64>> {
    Json(sb.faults.requests())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_match_and_count_down() {
        let f = Faults::default();
        f.add(FaultRule {
            provider: "ioka".into(),
            method: Some("POST".into()),
            path: Some("/v2/orders/*".into()),
            status: Some(503),
            times: Some(2),
            ..FaultRule::default()
        });
        assert!(f.take_http("ioka", "GET", "/v2/orders/ord_1").is_none());
        assert!(f.take_http("ioka", "POST", "/v2/orders").is_none());
        assert!(f.take_http("ioka", "post", "/v2/orders/ord_1").is_some());
        assert!(f.take_http("ioka", "POST", "/v2/orders/ord_2").is_some());
        assert!(f.take_http("ioka", "POST", "/v2/orders/ord_3").is_none(), "used up");
    }
}
