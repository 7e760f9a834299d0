//! Notifications to the shop: what the backend POSTs to `TOLEM_NOTIFY_URL` when an attempt's
//! status changes, how it is signed, how the shop checks it, and when a failed delivery is
//! tried again.
//!
//! The signature follows Stripe's scheme: the header `Tolem-Signature: t=<unix seconds>,v1=<hex>`
//! where `v1` is HMAC-SHA256 under the shared secret of `"<t>.<raw body>"`. The shop checks it
//! over the raw bytes it received (before any JSON parsing) and refuses a timestamp too far
//! from its clock, so a captured notification cannot be replayed days later. Several `v1`
//! values may be present while a secret is being rotated; any one matching is enough.

use serde::{Deserialize, Serialize};

use crate::signature::{hex_decode, hex_lower, hmac_sha256, verify_hmac_sha256};
use crate::status::PaymentStatus;

/// The header carrying the signature.
pub const SIGNATURE_HEADER: &str = "tolem-signature";

/// How far a notification's timestamp may be from the shop's clock by default: five minutes.
pub const DEFAULT_TOLERANCE_SECONDS: i64 = 300;

/// One status change, as the shop receives it (JSON, camelCase).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShopNotification {
    /// Unique per notification (`<attemptId>.<sequence>`): the same id delivered twice is the
    /// same change (deliveries are at least once).
    pub id: String,
    /// The attempt (one per merchant order and provider).
    pub attempt_id: String,
    /// The merchant's order.
    pub order_id: String,
    /// `ioka`, `bereke`, `ecommpay`, `paytone` or `oneentry`.
    pub provider: String,
    /// The status the attempt moved to.
    pub status: PaymentStatus,
    /// As in the status API: false only while `pending`. `authorized` is final for the shopper
    /// (their part is done) though the shop's capture or release still moves it.
    #[serde(rename = "final")]
    pub is_final: bool,
    /// The attempt's amount, in minor units (tiyn for KZT).
    pub amount: i64,
    /// ISO 4217 code.
    pub currency: String,
    /// The provider's reference for the payment (its order id), when there is one.
    pub reference: Option<String>,
    /// The change's place in the attempt's history (1, 2, …): a shop that gets an older one
    /// after a newer one (a replay) keeps the newer.
    pub sequence: i64,
    /// When the status changed, RFC 3339 UTC.
    pub at: String,
}

/// Signs `body` at `unix_seconds`: the value of [`SIGNATURE_HEADER`].
pub fn sign(secret: &[u8], unix_seconds: i64, body: &[u8]) -> String {
    format!("t={unix_seconds},v1={}", hex_lower(&hmac_sha256(secret, &signed_payload(unix_seconds, body))))
}

fn signed_payload(unix_seconds: i64, body: &[u8]) -> Vec<u8> {
    let mut message = format!("{unix_seconds}.").into_bytes();
    message.extend_from_slice(body);
    message
}

/// Why a notification was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// The header is missing its `t=` or `v1=` part, or they are not numbers / hex.
    #[error("malformed signature header (expected t=<unix seconds>,v1=<hex>)")]
    Malformed,
    /// The timestamp is further from now than the tolerance (a replay, or a clock far off).
    #[error("timestamp {age_seconds} s away from now (tolerance {tolerance_seconds} s)")]
    Stale {
        /// Now minus the header's timestamp.
        age_seconds: i64,
        /// The tolerance it exceeded.
        tolerance_seconds: i64,
    },
    /// No `v1` value matches the body under this secret.
    #[error("no signature matches the body under this secret")]
    Mismatch,
}

/// Checks a received notification: `header` is [`SIGNATURE_HEADER`]'s value, `body` the raw
/// bytes, `now_unix_seconds` the receiver's clock.
///
/// # Errors
/// [`VerifyError`] saying why it must be refused.
pub fn verify(
    secret: &[u8],
    header: &str,
    body: &[u8],
    now_unix_seconds: i64,
    tolerance_seconds: i64,
) -> Result<(), VerifyError> {
    let mut timestamp = None;
    let mut tags = Vec::new();
    for part in header.split(',') {
        let (key, value) = part.trim().split_once('=').ok_or(VerifyError::Malformed)?;
        match key {
            "t" => timestamp = Some(value.parse::<i64>().map_err(|_| VerifyError::Malformed)?),
            "v1" => tags.push(hex_decode(value).ok_or(VerifyError::Malformed)?),
            // Other schemes (a future v2) are skipped, as Stripe's libraries do.
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(VerifyError::Malformed)?;
    if tags.is_empty() {
        return Err(VerifyError::Malformed);
    }
    let age_seconds = now_unix_seconds.saturating_sub(timestamp);
    if age_seconds.saturating_abs() > tolerance_seconds {
        return Err(VerifyError::Stale { age_seconds, tolerance_seconds });
    }
    let message = signed_payload(timestamp, body);
    if tags.iter().any(|tag| verify_hmac_sha256(secret, &message, tag)) {
        Ok(())
    } else {
        Err(VerifyError::Mismatch)
    }
}

/// How long to wait before delivery try `tries + 1` after `tries` failed ones: `first_ms`,
/// doubling, at most an hour (from 10 s: 10 s, 20 s, 40 s, …; 72 hours hold about 75 tries).
pub fn retry_delay_ms(tries: u32, first_ms: i64) -> i64 {
    const LONGEST_MS: i64 = 3_600_000;
    let doublings = tries.saturating_sub(1).min(20);
    first_ms.clamp(1, LONGEST_MS).saturating_mul(1 << doublings).min(LONGEST_MS)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"whsec_test_0123456789abcdef0123456789abcdef";

    #[test]
    fn a_signed_body_verifies_and_any_change_is_refused() {
        let body = br#"{"id":"att_1.2","status":"paid"}"#;
        let header = sign(SECRET, 1_700_000_000, body);
        assert!(header.starts_with("t=1700000000,v1="));
        assert_eq!(verify(SECRET, &header, body, 1_700_000_010, 300), Ok(()));
        let tampered = br#"{"id":"att_1.2","status":"paid "}"#;
        assert_eq!(verify(SECRET, &header, tampered, 1_700_000_010, 300), Err(VerifyError::Mismatch));
        assert_eq!(verify(b"another secret", &header, body, 1_700_000_010, 300), Err(VerifyError::Mismatch));
        // The timestamp is signed too: moving it breaks the signature.
        let moved = header.replacen("t=1700000000", "t=1700000005", 1);
        assert_eq!(verify(SECRET, &moved, body, 1_700_000_010, 300), Err(VerifyError::Mismatch));
    }

    #[test]
    fn old_and_future_timestamps_are_refused() {
        let body = b"{}";
        let header = sign(SECRET, 1_700_000_000, body);
        assert_eq!(
            verify(SECRET, &header, body, 1_700_000_301, 300),
            Err(VerifyError::Stale { age_seconds: 301, tolerance_seconds: 300 })
        );
        assert_eq!(
            verify(SECRET, &header, body, 1_699_999_699, 300),
            Err(VerifyError::Stale { age_seconds: -301, tolerance_seconds: 300 })
        );
        assert_eq!(verify(SECRET, &header, body, 1_700_000_300, 300), Ok(()));
    }

    #[test]
    fn any_matching_v1_is_enough_and_unknown_schemes_are_skipped() {
        let body = b"{}";
        let good = sign(SECRET, 42, body);
        let tag = good.split("v1=").nth(1).unwrap_or_default();
        let header = format!("t=42,v1={},v0=zz,v1={tag}", "00".repeat(32));
        assert_eq!(verify(SECRET, &header, body, 42, 300), Ok(()));
    }

    #[test]
    fn malformed_headers_are_refused() {
        for header in ["", "t=1", "v1=00", "t=x,v1=00", "t=1,v1=zz", "t=1;v1=00", "garbage"] {
            assert_eq!(verify(SECRET, header, b"{}", 1, 300), Err(VerifyError::Malformed), "{header}");
        }
    }

    #[test]
    fn retries_back_off_to_an_hour() {
        assert_eq!(retry_delay_ms(0, 10_000), 10_000);
        assert_eq!(retry_delay_ms(1, 10_000), 10_000);
        assert_eq!(retry_delay_ms(2, 10_000), 20_000);
        assert_eq!(retry_delay_ms(3, 10_000), 40_000);
        assert_eq!(retry_delay_ms(10, 10_000), 3_600_000);
        assert_eq!(retry_delay_ms(u32::MAX, 10_000), 3_600_000);
        assert_eq!(retry_delay_ms(3, 50), 200);
        assert_eq!(retry_delay_ms(3, 0), 4, "at least a millisecond to start from");
    }

    #[test]
    fn the_payload_is_camel_case_with_final() {
        let n = ShopNotification {
            id: "att_1.3".into(),
            attempt_id: "att_1".into(),
            order_id: "A-1".into(),
            provider: "ioka".into(),
            status: PaymentStatus::Paid,
            is_final: true,
            amount: 1_500_000,
            currency: "KZT".into(),
            reference: Some("ord_9".into()),
            sequence: 3,
            at: "2026-12-07T03:00:00+00:00".into(),
        };
        let json = serde_json::to_value(&n).unwrap_or_default();
        assert_eq!(json["attemptId"], "att_1");
        assert_eq!(json["final"], true);
        assert_eq!(json["status"], "paid");
        assert_eq!(json["amount"], 1_500_000);
        let back: ShopNotification = serde_json::from_value(json).unwrap_or_else(|_| n.clone());
        assert_eq!(back, n);
    }
}
