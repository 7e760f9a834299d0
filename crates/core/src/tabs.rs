//! Two tabs, one order: which tab may start the order's payment.
//!
//! A tab that is about to start a payment claims the order in `localStorage` (shared by the
//! shop's tabs), inside a Web Lock where the browser has them so that two tabs cannot both
//! read "free" and both claim. Another tab that finds a live claim does not pay: it says
//! "payment in progress in another tab" and watches for the outcome. A claim outlives the
//! claiming page (it goes to the provider's page), so it carries its time and lapses after
//! [`CLAIM_TTL_MS`]; the order's final status removes it. The backend's idempotency key is the
//! last line of defence either way: this only keeps the shopper from being sent twice.

use crate::providers::Provider;

/// How long a claim holds without news: the provider's page is usually done in minutes.
pub const CLAIM_TTL_MS: u64 = 15 * 60 * 1000;

/// One tab's claim on an order's payment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaymentClaim {
    /// The claiming tab (random per page load).
    pub tab: String,
    /// When it claimed (ms since the epoch).
    pub at_ms: u64,
}

impl PaymentClaim {
    /// The stored form: `tab at_ms`.
    pub fn to_text(&self) -> String {
        format!("{} {}", self.tab, self.at_ms)
    }

    /// Reads the stored form; anything else (an older format, a hand edit) is no claim.
    pub fn from_text(text: &str) -> Option<PaymentClaim> {
        let (tab, at) = text.split_once(' ')?;
        let at_ms = at.parse().ok()?;
        (!tab.is_empty()).then(|| PaymentClaim { tab: tab.to_owned(), at_ms })
    }
}

/// The `localStorage` key (and Web Lock / BroadcastChannel name) for an order.
pub fn claim_key(provider: Provider, order_id: &str) -> String {
    format!("tolem-pay:{}:{order_id}", provider.as_str())
}

/// True when `tab` may start the payment now: nobody holds it, it is this tab's own claim,
/// the claim has lapsed (or is from the future: a clock that moved), or the shopper asked to
/// pay here instead.
pub fn may_claim(existing: Option<&PaymentClaim>, tab: &str, now_ms: u64, take_over: bool) -> bool {
    match existing {
        _ if take_over => true,
        None => true,
        Some(c) if c.tab == tab => true,
        Some(c) => c.at_ms > now_ms || now_ms - c.at_ms >= CLAIM_TTL_MS,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claim(tab: &str, at_ms: u64) -> PaymentClaim {
        PaymentClaim { tab: tab.into(), at_ms }
    }

    #[test]
    fn another_tabs_live_claim_blocks_until_it_lapses() {
        let other = claim("b", 1_000);
        assert!(may_claim(None, "a", 1_000, false));
        assert!(!may_claim(Some(&other), "a", 1_000, false));
        assert!(!may_claim(Some(&other), "a", 1_000 + CLAIM_TTL_MS - 1, false));
        assert!(may_claim(Some(&other), "a", 1_000 + CLAIM_TTL_MS, false), "lapsed");
        assert!(may_claim(Some(&other), "a", 999, false), "a claim from the future is not trusted");
        assert!(may_claim(Some(&other), "a", 1_000, true), "pay here instead");
        assert!(may_claim(Some(&claim("a", 1_000)), "a", 1_001, false), "its own claim");
    }

    #[test]
    fn stored_form_round_trips_and_junk_is_no_claim() {
        let c = claim("k3j9", 1_733_000_000_000);
        assert_eq!(PaymentClaim::from_text(&c.to_text()), Some(c));
        for junk in ["", "k3j9", " 12", "k3j9 soon", "k3j9 -1", "{\"tab\":1}"] {
            assert_eq!(PaymentClaim::from_text(junk), None, "{junk:?}");
        }
        assert_eq!(claim_key(Provider::Bereke, "A-1001"), "tolem-pay:bereke:A-1001");
    }
}
