//! ECommPay's signature, as its SDKs compute it: every scalar becomes `path:value` (levels
//! joined with `:`, `:` in keys doubled, array items by index, `true`/`false`/`null` as
//! `1`/`0`/empty, `frame_mode` skipped, empty containers absent), sorted, joined with `;`,
//! HMAC-SHA512 with the project secret, Base64.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha512;

fn collect(value: &Value, path: &str, out: &mut Vec<(String, String)>) {
    let items: Vec<(String, &Value)> = match value {
        Value::Object(m) => m.iter().map(|(k, v)| (k.clone(), v)).collect(),
        Value::Array(a) => a.iter().enumerate().map(|(i, v)| (i.to_string(), v)).collect(),
        _ => return,
    };
    for (key, child) in items.into_iter().filter(|(k, _)| k != "frame_mode") {
        let here = if path.is_empty() { key.replace(':', "::") } else { format!("{path}:{}", key.replace(':', "::")) };
        let scalar = match child {
            Value::Object(_) | Value::Array(_) => {
                collect(child, &here, out);
                continue;
            }
            Value::Null => String::new(),
            Value::Bool(b) => if *b { "1" } else { "0" }.to_owned(),
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
        };
        out.push((here, scalar));
    }
}

/// PHP `SORT_NATURAL`: digit runs compare by numeric value.
fn natural_key(s: &str) -> Vec<(u8, String)> {
    let mut parts = Vec::new();
    let mut digits = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        if !digits.is_empty() {
            let trimmed = digits.trim_start_matches('0');
            parts.push((0, format!("{:0>40}", trimmed)));
            digits.clear();
        }
        parts.push((1, c.to_string()));
    }
    if !digits.is_empty() {
        parts.push((0, format!("{:0>40}", digits.trim_start_matches('0'))));
    }
    parts
}

/// The string signed for `params` (already without `signature`).
pub fn signing_string(params: &Value, natural: bool) -> String {
    let mut entries = Vec::new();
    collect(params, "", &mut entries);
    if natural {
        entries.sort_by_key(|(path, _)| natural_key(path));
    } else {
        entries.sort();
    }
    entries.iter().map(|(p, v)| format!("{p}:{v}")).collect::<Vec<_>>().join(";")
}

fn mac(secret: &str, message: &str) -> Option<Hmac<Sha512>> {
    let mut mac = Hmac::<Sha512>::new_from_slice(secret.as_bytes()).ok()?;
    mac.update(message.as_bytes());
    Some(mac)
}

/// Signs `params` (which must not contain `signature`).
pub fn sign(params: &Value, secret: &str) -> String {
    mac(secret, &signing_string(params, false)).map(|m| STANDARD.encode(m.finalize().into_bytes())).unwrap_or_default()
}

/// True when `signature` matches under either sort order (constant-time comparison).
pub fn verify(params: &Value, secret: &str, signature: &str) -> bool {
    let Ok(tag) = STANDARD.decode(signature.trim()) else {
        return false;
    };
    [false, true]
        .iter()
        .any(|&natural| mac(secret, &signing_string(params, natural)).is_some_and(|m| m.verify_slice(&tag).is_ok()))
}

/// Removes `signature` everywhere; returns the top-level or `general.signature` value.
pub fn strip(value: &mut Value) -> Option<String> {
    let top = value.get("signature").and_then(Value::as_str).map(str::to_owned);
    let general = value.get("general").and_then(|g| g.get("signature")).and_then(Value::as_str).map(str::to_owned);
    fn remove(v: &mut Value) {
        match v {
            Value::Object(m) => {
                m.remove("signature");
                m.values_mut().for_each(remove);
            }
            Value::Array(a) => a.iter_mut().for_each(remove),
            _ => {}
        }
    }
    remove(value);
    top.or(general)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn published_vectors() {
        let cases = [
            (
                "qwerty",
                json!({"payment":{"id":"test-payment","status":"success"}}),
                "UGzKT0NC26f4u0niyJSQPx5q3kFFIndwLXeJVXahfCFwbY+Svg1WoXIxzrIyyjWUSLFhT8wAQ5SfBDRHnwm6Yg==",
            ),
            (
                "qwerty",
                json!({"payment":{"id":"test-payment","status":"success"},"some_bool_param":true,"frame_mode":"popup"}),
                "TZS0J65ReNUMgKzeXUey9xOGGyC7r4OhsFXt/3H8XZM2Le8Wot2E1NIjeSPOyV1F3sUU6F3kfo9om2dhbe3ieA==",
            ),
            (
                "secret",
                json!({"project_id":"100","interface_type":"{\"id\":23}","payment_id":"test payment id","payment_description":"B&W"}),
                "97JFQpAyJ4HPfGVedJh0M1MqQDOFt/MCbdh8VrsT7DdRyTBDAF2mvUOsDANx1ZPfbvZg0+VUbF43xJnq0jEeLA==",
            ),
        ];
        for (secret, data, expected) in cases {
            assert_eq!(sign(&data, secret), expected);
            assert!(verify(&data, secret, expected));
            assert!(!verify(&data, "other", expected));
        }
        let multi = json!({"payment":{"id":"test-payment"},"errors":[{"code":"123","message":"grand crash","description":["description-str",{"description1":1}]},{"code":"456","message":"minor crash","description":null}]});
        assert_eq!(signing_string(&multi, false), "errors:0:code:123;errors:0:description:0:description-str;errors:0:description:1:description1:1;errors:0:message:grand crash;errors:1:code:456;errors:1:description:;errors:1:message:minor crash;payment:id:test-payment");
        let items: Vec<i32> = (0..11).collect();
        assert!(signing_string(&json!({ "x": items }), true).ends_with("x:9:9;x:10:10"));
    }
}
