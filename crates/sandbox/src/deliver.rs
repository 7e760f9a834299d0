//! Outgoing webhooks and callbacks for every provider: scripted faults (drop, duplicate,
//! delay) applied, then delivered in the background with retries, and logged for tests at
//! `/_control/webhooks`.

use std::time::Duration;

use crate::control::{Delivery, WebhookFault};
use crate::Sandbox;

/// How many times a delivery is tried when the merchant does not answer 2xx.
const TRIES: u32 = 3;
/// The pause between tries. Real providers wait longer (RBS: 30 s); the sandbox keeps tests
/// quick.
const RETRY_PAUSE: Duration = Duration::from_secs(1);

/// One outgoing notification.
pub struct Outgoing {
    /// `ioka`, `bereke`, `ecommpay`.
    pub provider: &'static str,
    /// Event name for the log (`PAYMENT_CAPTURED`, `deposited`, `success`).
    pub event: String,
    /// Target URL (for a GET callback, with the query already in it).
    pub url: String,
    /// `None`: GET; `Some(body)`: POST with this body.
    pub body: Option<String>,
    /// Extra headers (`content-type`, `x-signature`).
    pub headers: Vec<(&'static str, String)>,
}

impl Outgoing {
    /// The log entry for this notification, with the status it got.
    fn logged(&self, status: Option<u16>) -> Delivery {
        Delivery {
            provider: self.provider.into(),
            event: self.event.clone(),
            url: self.url.clone(),
            status,
            method: if self.body.is_some() { "POST" } else { "GET" },
            body: self.body.clone(),
            headers: self.headers.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect(),
        }
    }
}

/// Sends `out` unless a scripted fault says otherwise. Returns at once.
pub fn send(sb: &Sandbox, out: Outgoing) {
    let fault = sb.faults.take_webhook(out.provider);
    let kind = fault.as_ref().and_then(|f| f.webhook);
    if kind == Some(WebhookFault::Drop) {
        sb.faults.log_delivery(out.logged(None));
        return;
    }
    let delay = match kind {
        Some(WebhookFault::Delay) => Duration::from_millis(fault.as_ref().and_then(|f| f.latency_ms).unwrap_or(2000)),
        _ => Duration::ZERO,
    };
    let copies = if kind == Some(WebhookFault::Duplicate) { 2 } else { 1 };
    for _ in 0..copies {
        let client = sb.http.clone();
        let log = sb.delivery_log();
        let entry = out.logged(None);
        let (url, body, headers) = (out.url.clone(), out.body.clone(), out.headers.clone());
        tokio::spawn(async move {
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            let mut status = 0u16;
            for attempt in 0..TRIES {
                if attempt > 0 {
                    tokio::time::sleep(RETRY_PAUSE).await;
                }
                let mut request = match &body {
                    Some(b) => client.post(&url).body(b.clone()),
                    None => client.get(&url),
                };
                for (k, v) in &headers {
                    request = request.header(*k, v);
                }
                status = request.send().await.map(|r| r.status().as_u16()).unwrap_or(0);
                if (200..300).contains(&status) {
                    break;
                }
            }
            log.push(Delivery { status: Some(status), ..entry });
        });
    }
}
