//! The journal: what the widget writes to `sessionStorage` before sending the shopper
//! away, so that a return, a reload or a back-button visit resumes the same attempt.

use serde::{Deserialize, Serialize};

use crate::providers::Provider;

/// How long a journal record stays valid: long enough for a slow 3-D Secure step, short
/// enough that a stale tab does not resume a forgotten attempt.
pub const JOURNAL_TTL_MS: u64 = 60 * 60 * 1000;

/// One pending attempt.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JournalRecord {
    /// Record format version.
    pub v: u32,
    /// The provider of the attempt (a record for another provider is not resumed).
    pub provider: Provider,
    /// Backend attempt id (ioka token mode: the ioka order id).
    pub attempt_id: String,
    /// The merchant's order id.
    pub order_id: String,
    /// The key that travelled with the attempt.
    pub idempotency_key: String,
    /// Written at (ms since the epoch).
    pub created_ms: u64,
    /// Ignored after (ms since the epoch).
    pub expires_ms: u64,
    /// ioka token mode only: the order access token (browser-safe by design).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_access_token: Option<String>,
}

/// The current record format.
pub const JOURNAL_VERSION: u32 = 1;

impl JournalRecord {
    /// The `sessionStorage` key for an order: one record per provider and order.
    pub fn storage_key(provider: Provider, order_id: &str) -> String {
        format!("tolem:attempt:{}:{}", provider.as_str(), order_id)
    }

    /// A new record created at `now_ms`.
    pub fn new(provider: Provider, attempt_id: String, order_id: String, idempotency_key: String, now_ms: u64) -> Self {
        JournalRecord {
            v: JOURNAL_VERSION,
            provider,
            attempt_id,
            order_id,
            idempotency_key,
            created_ms: now_ms,
            expires_ms: now_ms.saturating_add(JOURNAL_TTL_MS),
            order_access_token: None,
        }
    }

    /// True when this record can resume the checkout for `provider` / `order_id` at `now_ms`:
    /// same format, same order, not expired, not written in the future.
    pub fn resumable(&self, provider: Provider, order_id: &str, now_ms: u64) -> bool {
        self.v == JOURNAL_VERSION
            && self.provider == provider
            && self.order_id == order_id
            && now_ms < self.expires_ms
            && self.created_ms <= now_ms.saturating_add(60_000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec() -> JournalRecord {
        JournalRecord::new(Provider::Ioka, "att_1".into(), "A-1".into(), "key".into(), 1_000)
    }

    #[test]
    fn resumable_only_for_the_same_order_in_time() {
        let r = rec();
        assert!(r.resumable(Provider::Ioka, "A-1", 1_000));
        assert!(r.resumable(Provider::Ioka, "A-1", 1_000 + JOURNAL_TTL_MS - 1));
        assert!(!r.resumable(Provider::Ioka, "A-1", 1_000 + JOURNAL_TTL_MS));
        assert!(!r.resumable(Provider::Ioka, "A-2", 1_000));
        assert!(!r.resumable(Provider::Bereke, "A-1", 1_000));
        let mut future = rec();
        future.created_ms = 10_000_000;
        future.expires_ms = 20_000_000;
        assert!(!future.resumable(Provider::Ioka, "A-1", 1_000));
        let mut old = rec();
        old.v = 0;
        assert!(!old.resumable(Provider::Ioka, "A-1", 1_000));
    }

    #[test]
    fn round_trips_as_json() {
        let r = rec();
        let json = serde_json::to_string(&r).unwrap_or_default();
        assert!(json.contains("\"attemptId\":\"att_1\""), "{json}");
        let back: Option<JournalRecord> = serde_json::from_str(&json).ok();
        assert_eq!(back, Some(r));
        assert_eq!(JournalRecord::storage_key(Provider::Ioka, "A-1"), "tolem:attempt:ioka:A-1");
    }
}
