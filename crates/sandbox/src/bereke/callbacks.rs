//! RBS callback notifications: `GET {callback}?mdOrder=…&orderNumber=…&operation=…&status=…
//! &amount=…&checksum=…`, the checksum being the upper-case hex HMAC-SHA256, keyed with the
//! merchant's callback token, of the other parameters sorted by name as `name;value;` pairs.

use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

use crate::deliver::{self, Outgoing};
use crate::page::append_query;
use crate::Sandbox;

/// The checksum RBS adds to callbacks.
pub fn checksum(token: &str, params: &[(&str, String)]) -> String {
    let mut sorted: Vec<&(&str, String)> = params.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(b.0));
    let message: String = sorted.iter().map(|(k, v)| format!("{k};{v};")).collect();
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(token.as_bytes()) else {
        return String::new();
    };
    mac.update(message.as_bytes());
    mac.finalize().into_bytes().iter().map(|b| format!("{b:02X}")).collect()
}

/// Notifies the merchant of `operation` (`approved`, `deposited`, `reversed`, `refunded`,
/// `declinedByTimeout`) with `status` 1 (success) or 0 (failure).
pub fn send(sb: &Sandbox, order: &Value, operation: &str, success: bool) {
    let Some(url) = sb.config.bereke.callback_url.as_deref() else {
        return;
    };
    let amount = match operation {
        "deposited" => order["depositedAmount"].as_i64(),
        "refunded" => order["refundedAmount"].as_i64(),
        _ => order["amount"].as_i64(),
    }
    .unwrap_or(0);
    let mut params: Vec<(&str, String)> = vec![
        ("mdOrder", order["mdOrder"].as_str().unwrap_or_default().to_owned()),
        ("orderNumber", order["orderNumber"].as_str().unwrap_or_default().to_owned()),
        ("operation", operation.to_owned()),
        ("status", if success { "1" } else { "0" }.to_owned()),
        ("amount", amount.to_string()),
    ];
    if let Some(token) = &sb.config.bereke.callback_token {
        let sum = checksum(token, &params);
        params.push(("checksum", sum));
    }
    let pairs: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
    deliver::send(
        sb,
        Outgoing {
            provider: "bereke",
            event: format!("{operation}:{}", if success { 1 } else { 0 }),
            url: append_query(url, &pairs),
            body: None,
            headers: vec![],
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_published_checksum_vectors() {
        let typo = [
            ("mdOrder", "3ff6962a-7dcc-4283-ab50-a6d7dd3386fe".to_owned()),
            ("orderNumber", "10747".to_owned()),
            ("operation", "deposited".to_owned()),
            ("status", "1$amount=123456".to_owned()),
        ];
        assert_eq!(checksum("test", &typo), "14E0D9722D43BE67BFF111F53570BB5BCCFEED8AD15D72A48D51D4E949DAF988");
        let docs = [
            ("amount", "123456".to_owned()),
            ("mdOrder", "3ff6962a-7dcc-4283-ab50-a6d7dd3386fe".to_owned()),
            ("operation", "deposited".to_owned()),
            ("orderNumber", "10747".to_owned()),
            ("status", "1".to_owned()),
        ];
        assert_eq!(checksum("test", &docs), "6351F0E7D1BD1E260F9191D80B1D64A54589F5D6B0D7BA07ABAD6165842952BC");
    }
}
