//! The decisions a OneEntry payment is made of, for both edges that drive it: the reference
//! backend (`crates/backend/src/providers/oneentry.rs`) and the widget's direct mode
//! (`src/oneentry_direct.rs`, no merchant backend). No I/O and no clock: each edge makes the
//! calls and waits, and asks here what the answers mean.

use crate::api::OrderItem;
use crate::money::{minor_from_major, Currency, MinorUnits};
use crate::status::PaymentStatus;

use super::{FormEntry, ProductLine};

/// The OneEntry order a try pays with: `kept` is the current try's order and the payment
/// account it was made for. OneEntry ties an order to one account, so choosing another
/// account needs a new order (`None`: create one).
pub fn order_for_account(kept: Option<(i64, &str)>, account: &str) -> Option<i64> {
    kept.filter(|(_, made_for)| *made_for == account).map(|(id, _)| id)
}

/// True when the current try's order can no longer be paid (its session failed, was
/// cancelled or expired): the next `pay` makes a new order.
pub fn try_is_over(session_status: PaymentStatus) -> bool {
    matches!(session_status, PaymentStatus::Failed | PaymentStatus::Cancelled | PaymentStatus::Expired)
}

/// OneEntry prices an order from its own products; the order's `totalSum` (major units, as
/// the answer wrote it: `"300.00"` or `300`) must be the amount the shopper was shown, or
/// nothing is paid on it.
///
/// # Errors
/// [`PriceDiffers`] when the total is missing, unreadable, or another amount.
pub fn check_price(total_sum: Option<&str>, amount: MinorUnits, currency: Currency) -> Result<(), PriceDiffers> {
    match total_sum.and_then(|t| minor_from_major(t.trim(), currency)) {
        Some(total) if total == amount => Ok(()),
        _ => Err(PriceDiffers),
    }
}

/// The order's `totalSum` is not the amount the shopper was shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("OneEntry prices the order differently from its amount")]
pub struct PriceDiffers;

/// The markers of the project's order form fields Tolem fills: each project names its own
/// form's fields (`TOLEM_ONEENTRY_FORM_FIELDS`); an empty marker leaves that value out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormMarkers {
    /// The try's reference (how Tolem and the sandbox's ledger find the order again).
    pub order_number: String,
    /// The shopper's email.
    pub email: String,
    /// The shopper's phone.
    pub phone: String,
}

impl Default for FormMarkers {
    /// `order_number`, `email`, `phone`.
    fn default() -> Self {
        FormMarkers { order_number: "order_number".into(), email: "email".into(), phone: "phone".into() }
    }
}

impl FormMarkers {
    /// Reads `order_number=orderNo,email=mail,phone=` (each optional; unnamed ones keep their
    /// default, an empty one is left out).
    ///
    /// # Errors
    /// A message naming the entry that is not `field=marker` for one of the three fields.
    pub fn parse(text: &str) -> Result<FormMarkers, String> {
        let mut markers = FormMarkers::default();
        for entry in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let (field, marker) = entry.split_once('=').ok_or_else(|| format!("{entry:?} is not field=marker"))?;
            let slot = match field.trim() {
                "order_number" => &mut markers.order_number,
                "email" => &mut markers.email,
                "phone" => &mut markers.phone,
                other => return Err(format!("{other:?} is not order_number, email or phone")),
            };
            *slot = marker.trim().to_owned();
        }
        Ok(markers)
    }
}

/// The order form's data: the try's reference, and the shopper's email and phone where known,
/// each under the project's marker for it.
pub fn order_form(
    markers: &FormMarkers,
    order_number: &str,
    email: Option<&str>,
    phone: Option<&str>,
) -> Vec<FormEntry> {
    let entry =
        |marker: &str, value: &str| FormEntry { marker: marker.into(), value: value.into(), kind: "string".into() };
    let mut form = Vec::new();
    for (marker, value) in
        [(&markers.order_number, Some(order_number)), (&markers.email, email), (&markers.phone, phone)]
    {
        if let (false, Some(v)) = (marker.is_empty(), value) {
            form.push(entry(marker, v));
        }
    }
    form
}

/// The order's products as OneEntry takes them.
pub fn product_lines(items: &[OrderItem]) -> Vec<ProductLine> {
    items.iter().map(|i| ProductLine { product_id: i.product_id, quantity: i.quantity }).collect()
}

/// How long to wait for a payment session's `paymentUrl`, which some accounts (PayPal) fill
/// in only after the session is made: read the session again up to `reads` times, `pause_ms`
/// apart, then give up (the shopper may try again).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageWait {
    /// Reads after the first.
    pub reads: u32,
    /// The pause before each of them.
    pub pause_ms: u32,
}

impl Default for PageWait {
    /// Six more reads, half a second apart: about three seconds, as the vendor suggests.
    fn default() -> Self {
        PageWait { reads: 6, pause_ms: 500 }
    }
}

impl PageWait {
    /// After `reads_done` reads without a `paymentUrl`: the pause before the next one, or
    /// `None` to give up.
    pub fn next_read(&self, reads_done: u32) -> Option<u32> {
        (reads_done <= self.reads).then_some(self.pause_ms)
    }
}

/// What to do when a per-user call answers 401.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AfterUnauthorized {
    /// Refresh the user's tokens with this refresh token, then make the call once more.
    Refresh(String),
    /// Ask the shopper to sign in: there is no refresh token, or it was refreshed already.
    SignIn,
}

/// Whether Tolem may open a payment session for an order of `account` that has none yet.
/// Accounts that open their own once the order exists (`own_session`: PayPal by default,
/// `TOLEM_ONEENTRY_OWN_SESSION_ACCOUNTS` [GUESS]) are waited for instead: a second session
/// beside the account's own would be a second page the shopper could pay.
pub fn may_open_session<S: AsRef<str>>(account: &str, own_session: &[S]) -> bool {
    !own_session.iter().any(|a| a.as_ref() == account)
}

/// Accounts that open their own payment session, when nothing is configured.
pub const OWN_SESSION_ACCOUNTS: [&str; 1] = ["paypal"];

/// The user's access token was refused: refresh once and retry once, and never loop.
pub fn after_unauthorized(refreshed_already: bool, refresh_token: Option<&str>) -> AfterUnauthorized {
    match refresh_token {
        Some(token) if !refreshed_already => AfterUnauthorized::Refresh(token.to_owned()),
        _ => AfterUnauthorized::SignIn,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_markers_are_the_projects_and_an_empty_one_is_left_out() {
        let m = FormMarkers::parse("order_number=orderNo, phone=").unwrap();
        assert_eq!((m.order_number.as_str(), m.email.as_str(), m.phone.as_str()), ("orderNo", "email", ""));
        let form = order_form(&m, "A-1", Some("s@example.kz"), Some("+77010000000"));
        let markers: Vec<_> = form.iter().map(|f| (f.marker.as_str(), f.value.as_str())).collect();
        assert_eq!(markers, [("orderNo", "A-1"), ("email", "s@example.kz")]);
        assert!(FormMarkers::parse("name=x").unwrap_err().contains("name"));
        assert!(FormMarkers::parse("email").is_err());
        assert_eq!(FormMarkers::parse(""), Ok(FormMarkers::default()));
    }

    #[test]
    fn accounts_that_open_their_own_session_are_waited_for() {
        let own: Vec<String> = OWN_SESSION_ACCOUNTS.map(str::to_owned).to_vec();
        assert!(!may_open_session("paypal", &own));
        assert!(may_open_session("stripe", &own));
        assert!(may_open_session::<&str>("paypal", &[]));
        assert!(!may_open_session("paypal", &OWN_SESSION_ACCOUNTS));
    }

    #[test]
    fn an_order_is_reused_only_for_the_account_it_was_made_for() {
        assert_eq!(order_for_account(Some((55, "stripe")), "stripe"), Some(55));
        assert_eq!(order_for_account(Some((55, "stripe")), "paypal"), None);
        assert_eq!(order_for_account(None, "stripe"), None);
    }

    #[test]
    fn a_try_is_over_only_when_its_session_ended_without_money() {
        for s in [PaymentStatus::Failed, PaymentStatus::Cancelled, PaymentStatus::Expired] {
            assert!(try_is_over(s), "{s:?}");
        }
        for s in [PaymentStatus::Pending, PaymentStatus::Paid, PaymentStatus::Authorized, PaymentStatus::Refunded] {
            assert!(!try_is_over(s), "{s:?}");
        }
    }

    #[test]
    fn the_price_must_be_the_amount_to_the_minor_unit() {
        let amount = MinorUnits(1_500_000);
        assert_eq!(check_price(Some("15000.00"), amount, Currency::Kzt), Ok(()));
        assert_eq!(check_price(Some("15000"), amount, Currency::Kzt), Ok(()));
        assert_eq!(check_price(Some("14999.99"), amount, Currency::Kzt), Err(PriceDiffers));
        assert_eq!(check_price(Some("15000.001"), amount, Currency::Kzt), Err(PriceDiffers));
        assert_eq!(check_price(Some("abc"), amount, Currency::Kzt), Err(PriceDiffers));
        assert_eq!(check_price(None, amount, Currency::Kzt), Err(PriceDiffers));
    }

    #[test]
    fn the_form_names_the_try_and_the_known_contacts() {
        let form = order_form(&FormMarkers::default(), "A-1~2", Some("s@example.kz"), None);
        let markers: Vec<_> = form.iter().map(|f| (f.marker.as_str(), f.value.as_str())).collect();
        assert_eq!(markers, [("order_number", "A-1~2"), ("email", "s@example.kz")]);
        assert!(form.iter().all(|f| f.kind == "string"));
        let lines = product_lines(&[OrderItem { product_id: 1, quantity: 2 }]);
        assert_eq!((lines[0].product_id, lines[0].quantity), (1, 2));
    }

    #[test]
    fn the_page_is_waited_for_a_bounded_number_of_reads() {
        let wait = PageWait { reads: 2, pause_ms: 300 };
        assert_eq!(wait.next_read(1), Some(300));
        assert_eq!(wait.next_read(2), Some(300));
        assert_eq!(wait.next_read(3), None);
        assert_eq!(PageWait::default().next_read(7), None);
    }

    #[test]
    fn a_refused_token_is_refreshed_once() {
        assert_eq!(after_unauthorized(false, Some("r1")), AfterUnauthorized::Refresh("r1".into()));
        assert_eq!(after_unauthorized(true, Some("r2")), AfterUnauthorized::SignIn);
        assert_eq!(after_unauthorized(false, None), AfterUnauthorized::SignIn);
    }
}
