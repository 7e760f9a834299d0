//! Signed webhook delivery, the way ioka does it: the body is Python's `json.dumps`
//! (insertion order, `\uXXXX` escapes); `X-Signature` is the hex HMAC-SHA256, keyed with
//! the webhook's `key`, of the body re-serialised with sorted keys and raw UTF-8.

use std::time::Duration;

use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use crate::control::{Delivery, WebhookFault};
use crate::pyjson::dumps;
use crate::Sandbox;

/// A webhook target with its key and subscribed events (`None`: all).
struct Target {
    url: String,
    key: String,
    events: Option<Vec<String>>,
}

fn targets(sb: &Sandbox) -> Vec<Target> {
    let mut out: Vec<Target> = sb
        .config
        .ioka
        .webhooks
        .iter()
        .map(|w| Target { url: w.url.clone(), key: w.key.clone(), events: None })
        .collect();
    if let Ok(hooks) = sb.store.list("webhook", None, None) {
        for h in hooks {
            if let (Some(url), Some(key)) = (h["url"].as_str(), h["key"].as_str()) {
                let events =
                    h["events"].as_array().map(|e| e.iter().filter_map(|x| x.as_str().map(str::to_owned)).collect());
                out.push(Target { url: url.to_owned(), key: key.to_owned(), events });
            }
        }
    }
    out
}

/// The signature ioka puts in `X-Signature`.
pub fn sign(key: &str, body: &Value) -> String {
    let canonical = dumps(body, true, false);
    let mut mac = match Hmac::<Sha256>::new_from_slice(key.as_bytes()) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(canonical.as_bytes());
    mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

/// Queues `event` for every subscribed webhook. Returns at once; delivery retries in the
/// background (3 tries, 1 s apart), unless a scripted fault drops or duplicates it.
pub fn send_event(sb: &Sandbox, event: &str, order: &Value, payment: Option<&Value>) {
    let mut order_out = order.clone();
    if let Some(map) = order_out.as_object_mut() {
        for hidden in [
            "checkout_url",
            "access_token",
            "attempts_left",
            "shop_id",
            "attempts",
            "customer_id",
            "card_id",
            "mcc",
            "features",
        ] {
            map.remove(hidden);
        }
    }
    let mut body = json!({"event": event, "order": order_out});
    if let Some(p) = payment {
        body["payment"] = p.clone();
    }
    for target in targets(sb) {
        if target.events.as_ref().is_some_and(|e| !e.iter().any(|x| x == event)) {
            continue;
        }
        let fault = sb.faults.take_webhook("ioka");
        if fault == Some(WebhookFault::Drop) {
            sb.faults.log_delivery(Delivery {
                provider: "ioka".into(),
                event: event.into(),
                url: target.url.clone(),
                status: None,
            });
            continue;
        }
        let copies = if fault == Some(WebhookFault::Duplicate) { 2 } else { 1 };
        let raw = dumps(&body, false, true);
        let signature = sign(&target.key, &body);
        for _ in 0..copies {
            let client = sb.http.clone();
            let (url, raw, signature, event) = (target.url.clone(), raw.clone(), signature.clone(), event.to_owned());
            let faults = sb_faults_handle(sb);
            tokio::spawn(async move {
                let mut status = 0u16;
                for attempt in 0..3 {
                    if attempt > 0 {
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                    let sent = client
                        .post(&url)
                        .header("content-type", "application/json")
                        .header("x-signature", &signature)
                        .body(raw.clone())
                        .send()
                        .await;
                    status = sent.map(|r| r.status().as_u16()).unwrap_or(0);
                    if (200..300).contains(&status) {
                        break;
                    }
                }
                faults(Delivery { provider: "ioka".into(), event, url, status: Some(status) });
            });
        }
    }
}

/// A `'static` logger for spawned deliveries.
fn sb_faults_handle(sb: &Sandbox) -> impl Fn(Delivery) + Send + 'static {
    let log = sb.delivery_log();
    move |d| log.push(d)
}
