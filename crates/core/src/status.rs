//! The one status model: every provider's statuses map into [`PaymentStatus`].
//!
//! Two rules keep it honest:
//! * only an explicit success from the provider is success; anything unknown is `Pending`;
//! * a status never moves backwards: a stale "unpaid" arriving after "paid" is ignored
//!   ([`PaymentStatus::advance`]).

use serde::{Deserialize, Serialize};

/// Where a payment stands, as the shopper and the merchant should understand it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PaymentStatus {
    /// Not settled yet (created, waiting for the shopper, 3-D Secure, or unknown to us).
    Pending,
    /// Money is held on the card; the merchant captures it later.
    Authorized,
    /// Money is taken.
    Paid,
    /// The payment was declined or failed.
    Failed,
    /// The shopper or the merchant cancelled it (or a hold was released).
    Cancelled,
    /// The order ran out of time or attempts.
    Expired,
    /// The money went back to the shopper.
    Refunded,
}

impl PaymentStatus {
    /// Every status, for table-driven tests and docs.
    pub const ALL: [PaymentStatus; 7] = [
        PaymentStatus::Pending,
        PaymentStatus::Authorized,
        PaymentStatus::Paid,
        PaymentStatus::Failed,
        PaymentStatus::Cancelled,
        PaymentStatus::Expired,
        PaymentStatus::Refunded,
    ];

    /// True when the widget can stop polling: everything except `Pending`.
    ///
    /// `Authorized` is final for the shopper (their part is done); the merchant's capture
    /// later moves it to `Paid`.
    pub fn is_final(self) -> bool {
        !matches!(self, PaymentStatus::Pending)
    }

    /// The wire name (`"paid"`), as in events and the backend API.
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentStatus::Pending => "pending",
            PaymentStatus::Authorized => "authorized",
            PaymentStatus::Paid => "paid",
            PaymentStatus::Failed => "failed",
            PaymentStatus::Cancelled => "cancelled",
            PaymentStatus::Expired => "expired",
            PaymentStatus::Refunded => "refunded",
        }
    }

    /// Parses a wire name; `None` for anything else.
    pub fn from_wire(s: &str) -> Option<PaymentStatus> {
        PaymentStatus::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// How far along a payment is. Unsuccessful endings sit above `Pending` and below any
    /// movement of money, because a provider may still take a payment on an order whose
    /// earlier try was declined (a later "paid" must win over an earlier "failed").
    fn rank(self) -> u8 {
        match self {
            PaymentStatus::Pending => 0,
            PaymentStatus::Failed | PaymentStatus::Cancelled | PaymentStatus::Expired => 1,
            PaymentStatus::Authorized => 2,
            PaymentStatus::Paid => 3,
            PaymentStatus::Refunded => 4,
        }
    }

    /// The status after learning `next`, never moving backwards.
    ///
    /// * a higher rank wins (`failed` → `paid` is accepted: money moved);
    /// * a held payment may be released (`authorized` → `cancelled`);
    /// * anything else that would go down or sideways keeps the current status.
    pub fn advance(self, next: PaymentStatus) -> PaymentStatus {
        if next.rank() > self.rank() {
            return next;
        }
        if self == PaymentStatus::Authorized && next == PaymentStatus::Cancelled {
            return next;
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::PaymentStatus::{self, *};

    #[test]
    fn only_pending_is_not_final() {
        for s in PaymentStatus::ALL {
            assert_eq!(s.is_final(), s != Pending, "{s:?}");
        }
    }

    #[test]
    fn wire_names_round_trip() {
        for s in PaymentStatus::ALL {
            assert_eq!(PaymentStatus::from_wire(s.as_str()), Some(s));
            let json = serde_json::to_string(&s).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", s.as_str()));
        }
        assert_eq!(PaymentStatus::from_wire("succeeded"), None);
    }

    /// The whole 7×7 table of `advance`, written out so a change to the rule is visible.
    #[test]
    fn advance_table() {
        // rows: current; columns: next, in PaymentStatus::ALL order
        // (Pending, Authorized, Paid, Failed, Cancelled, Expired, Refunded)
        let expected: [[PaymentStatus; 7]; 7] = [
            [Pending, Authorized, Paid, Failed, Cancelled, Expired, Refunded],
            [Authorized, Authorized, Paid, Authorized, Cancelled, Authorized, Refunded],
            [Paid, Paid, Paid, Paid, Paid, Paid, Refunded],
            [Failed, Authorized, Paid, Failed, Failed, Failed, Refunded],
            [Cancelled, Authorized, Paid, Cancelled, Cancelled, Cancelled, Refunded],
            [Expired, Authorized, Paid, Expired, Expired, Expired, Refunded],
            [Refunded, Refunded, Refunded, Refunded, Refunded, Refunded, Refunded],
        ];
        for (i, current) in PaymentStatus::ALL.into_iter().enumerate() {
            for (j, next) in PaymentStatus::ALL.into_iter().enumerate() {
                assert_eq!(current.advance(next), expected[i][j], "{current:?} then {next:?}");
            }
        }
    }

    #[test]
    fn never_back_to_pending_from_anything_final() {
        for s in PaymentStatus::ALL.into_iter().filter(|s| s.is_final()) {
            assert_eq!(s.advance(Pending), s);
        }
    }
}
