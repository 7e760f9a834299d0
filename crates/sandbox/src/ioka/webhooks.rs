//! Signed webhook delivery, the way ioka does it: the body is Python's `json.dumps`
//! (insertion order, `\uXXXX` escapes); `X-Signature` is the hex HMAC-SHA256, keyed with
//! the webhook's `key`, of the body re-serialised with sorted keys and raw UTF-8.

use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use crate::deliver::{self, Outgoing};
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
/// background (see [`deliver`]), unless a scripted fault drops, delays or duplicates it.
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
        let raw = dumps(&body, false, true);
        let signature = sign(&target.key, &body);
        deliver::send(
            sb,
            Outgoing {
                provider: "ioka",
                event: event.to_owned(),
                url: target.url,
                body: Some(raw),
                headers: vec![("content-type", "application/json".to_owned()), ("x-signature", signature)],
            },
        );
    }
}
