//! The one status model: every provider's statuses map into [`PaymentStatus`].
//!
//! Two rules keep it honest:
//! * only an explicit success from the provider is success; anything unknown is `Pending`;
//! * a status never moves backwards: a stale "unpaid" arriving after "paid" is ignored
//!   ([`PaymentStatus::advance`]).

use serde::{Deserialize, Serialize};

/// Where a payment stands, as the shopper and the merchant should understand it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
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

impl<'de> Deserialize<'de> for PaymentStatus {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        crate::wire::by_name(deserializer, PaymentStatus::from_wire, "payment status")
    }
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
    /// * a held payment may be released (`authorized` → `cancelled`), and a release is never
    ///   undone by a late authorisation (`cancelled` stays on `authorized`);
    /// * anything else that would go down or sideways keeps the current status.
    pub fn advance(self, next: PaymentStatus) -> PaymentStatus {
        // A hold that was released stays released: a late "authorized" cannot bring it back.
        if self == PaymentStatus::Cancelled && next == PaymentStatus::Authorized {
            return self;
        }
        if next.rank() > self.rank() {
            return next;
        }
        if self == PaymentStatus::Authorized && next == PaymentStatus::Cancelled {
            return next;
        }
        self
    }

    /// True for the statuses that say money is taken or held for the shopper.
    pub fn takes_money(self) -> bool {
        matches!(self, PaymentStatus::Paid | PaymentStatus::Authorized)
    }
}

/// The money a provider said a payment is for: minor units and the ISO 4217 alpha-3 code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reported<'a> {
    /// Minor units.
    pub amount: i64,
    /// `KZT`, …
    pub currency: &'a str,
}

/// Checks a provider's report against what the attempt charges. A report that money was
/// taken or held (`paid`, `authorized`) for another amount or currency is not believed:
/// `Err` says why, and the attempt stays where it is for the merchant to look at. Any other
/// status, or a report without an amount, passes as it is.
///
/// # Errors
/// The mismatch, in words for the attempt's history and the merchant.
pub fn check_reported(
    observed: PaymentStatus,
    reported: Option<Reported<'_>>,
    amount: i64,
    currency: crate::money::Currency,
) -> Result<PaymentStatus, String> {
    match reported {
        Some(r)
            if observed.takes_money() && (r.amount != amount || !r.currency.eq_ignore_ascii_case(currency.code())) =>
        {
            Err(format!(
                "the provider reported {} {} {} for an order of {amount} {}",
                observed.as_str(),
                r.amount,
                r.currency.chars().filter(char::is_ascii_alphanumeric).take(3).collect::<String>(),
                currency.code()
            ))
        }
        _ => Ok(observed),
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
            [Cancelled, Cancelled, Paid, Cancelled, Cancelled, Cancelled, Refunded],
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
    fn money_for_another_amount_or_currency_is_not_believed() {
        use super::{check_reported, Reported};
        use crate::money::Currency::{Kzt, Usd};
        let shop = (1_500_000, Kzt);
        let said = |amount, currency| Some(Reported { amount, currency });
        assert_eq!(check_reported(Paid, said(1_500_000, "KZT"), shop.0, shop.1), Ok(Paid));
        assert_eq!(check_reported(Paid, said(1_500_000, "kzt"), shop.0, shop.1), Ok(Paid));
        assert_eq!(check_reported(Paid, None, shop.0, shop.1), Ok(Paid), "no amount said: nothing to compare");
        for (status, amount, currency) in [(Paid, 100, "KZT"), (Authorized, 1_500_000, "USD"), (Paid, 1_500_001, "KZT")]
        {
            let refused = check_reported(status, said(amount, currency), shop.0, shop.1);
            assert!(
                refused.as_ref().is_err_and(|why| why.contains(&amount.to_string())),
                "{status:?} {amount} {currency}"
            );
        }
        // A decline or a refund moves no money to the shop: its amount does not matter.
        assert_eq!(check_reported(Failed, said(100, "KZT"), shop.0, shop.1), Ok(Failed));
        assert_eq!(check_reported(Paid, said(1_500_000, "USD"), 1_500_000, Usd), Ok(Paid));
        let odd = check_reported(Paid, said(1, "K;Z\nT<>"), shop.0, shop.1).unwrap_err();
        assert!(!odd.contains(';') && !odd.contains('<'), "provider text is not echoed raw: {odd}");
    }

    #[test]
    fn never_back_to_pending_from_anything_final() {
        for s in PaymentStatus::ALL.into_iter().filter(|s| s.is_final()) {
            assert_eq!(s.advance(Pending), s);
        }
    }
}
