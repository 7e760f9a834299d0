//! The steps every provider's flow is made of: the attempt lease and the checks under it,
//! new tries, the amount check on every report, applying a notification, the attempt a
//! hosted-page provider records at `start`. The routes and the provider files
//! ([`crate::providers`]) are built from these, so each rule is written once.

use tolem_core::api::{
    BrowserTokens, CustomerInfo, OrderInfo, OrderSummary, PaymentMethod, ReturnHint, SignInCredentials, StartResponse,
    UserToken, RETURN_PARAM,
};
use tolem_core::money::MinorUnits;
use tolem_core::providers::{try_reference, Provider};
use tolem_core::status::PaymentStatus;

use crate::error::AppError;
use crate::locks::Exclusive;
use crate::providers::{News, ReportedMoney};
use crate::store::{Attempt, AttemptDetails, Leaving};
use crate::AppState;

/// What `start` works from: the session's order, shopper and return URL, with what the
/// browser may choose.
pub struct Checkout {
    /// The provider the shopper picked (one the session allows).
    pub provider: Provider,
    /// The order, as the shop priced it.
    pub order: OrderInfo,
    /// The shopper, as the shop knows them.
    pub customer: CustomerInfo,
    /// Where the provider sends the shopper back: the checkout page.
    pub return_url: String,
    /// The widget's key, kept with the attempt and sent to providers that take one.
    pub idempotency_key: String,
    /// The shopper's language (`kk`, `ru`, `en`), for the provider's page.
    pub locale: Option<String>,
    /// The shopper's email and password, when the widget's sign-in form sent them (OneEntry).
    pub sign_in: Option<SignInCredentials>,
    /// A user token the shop's page already has (OneEntry).
    pub user_token: Option<UserToken>,
}

/// Refuses an attempt whose status is final: nothing more is paid on it.
///
/// # Errors
/// [`AppError::Conflict`] naming the status.
pub fn refuse_if_final(attempt: &Attempt) -> Result<(), AppError> {
    if attempt.status.is_final() {
        return Err(AppError::Conflict(format!("this attempt is already {}", attempt.status.as_str())));
    }
    Ok(())
}

/// Holds the attempt's lease (against every other `pay`, capture or release of it, on any
/// instance), then reads the attempt again, as it is now that nobody else changes it.
///
/// # Errors
/// [`AppError::Busy`] when the lease cannot be had, [`AppError::NotFound`].
pub async fn lease_attempt<'a>(app: &'a AppState, attempt_id: &str) -> Result<(Exclusive<'a>, Attempt), AppError> {
    let guard = app.exclusive(&format!("pay:{attempt_id}")).await?;
    let attempt = app.store.by_id(attempt_id).await?.ok_or(AppError::NotFound)?;
    Ok((guard, attempt))
}

/// [`lease_attempt`], refusing an attempt that became final meanwhile: what every step that
/// makes something at the provider for a try starts with.
///
/// # Errors
/// As [`lease_attempt`], and [`AppError::Conflict`] for a final attempt.
pub async fn with_attempt_lease<'a>(app: &'a AppState, attempt_id: &str) -> Result<(Exclusive<'a>, Attempt), AppError> {
    let (guard, attempt) = lease_attempt(app, attempt_id).await?;
    refuse_if_final(&attempt)?;
    Ok((guard, attempt))
}

/// A page the provider already settled must not be shown again: when the provider's
/// `observed` status is anything but pending, it is recorded and the `pay` refused.
///
/// # Errors
/// [`AppError::Conflict`] naming the recorded status.
pub async fn refuse_if_settled(app: &AppState, attempt: &Attempt, observed: PaymentStatus) -> Result<(), AppError> {
    if observed == PaymentStatus::Pending {
        return Ok(());
    }
    let status = app.store.advance_status(&attempt.attempt_id, observed, "pay").await?;
    Err(AppError::Conflict(format!("this attempt is already {}", status.as_str())))
}

/// How long the page about to be handed out can be paid: seconds for the provider, and the
/// moment (ms since the epoch) to record with [`crate::store::Store::set_payable_until`].
pub fn page_lifetime(app: &AppState) -> (u32, i64) {
    let secs = u32::try_from(app.config.page_lifetime.as_secs()).unwrap_or(u32::MAX);
    (secs, crate::store::now_ms().saturating_add(i64::from(secs).saturating_mul(1000)))
}

/// The shop's return URL tagged with how the shopper comes back, for the provider's URL of
/// that outcome.
pub fn return_url(base: &str, hint: ReturnHint) -> String {
    with_query(base, RETURN_PARAM, hint.as_query_value())
}

/// A new try on the same provider order (a new reference), because the shopper chose
/// another method or account.
///
/// # Errors
/// [`AppError::NotFound`] when the attempt is gone.
pub async fn new_try(app: &AppState, attempt: &Attempt) -> Result<Attempt, AppError> {
    let next_reference = try_reference(&attempt.order_id, attempt.try_number + 1);
    app.store
        .next_try(&attempt.attempt_id, attempt.try_number, &next_reference, Leaving::Always)
        .await?
        .ok_or(AppError::NotFound)
}

/// What to do once the provider says the current try's reference is taken.
pub enum NextStep {
    /// Make this next try's page.
    Try(Box<Attempt>),
    /// Show this page: the call that took the reference did come back, on another instance
    /// whose lease ran out under it, and stored its page.
    Page(String),
}

/// Most tries one `pay` makes when the provider keeps saying the reference is taken.
pub const MAX_TRIES: u32 = 20;

/// The provider refused the current try's reference as used by a call whose answer never
/// reached us: move to the next try, unless a page for this try was stored meanwhile (then
/// that page, so one try never has two).
///
/// # Errors
/// [`AppError::Conflict`] when the attempt became final, [`AppError::Internal`] when it
/// neither moved on nor has a page, [`AppError::Provider`] past [`MAX_TRIES`] (the provider
/// refuses every reference).
pub async fn after_reference_taken(app: &AppState, attempt: &Attempt) -> Result<NextStep, AppError> {
    let next_reference = try_reference(&attempt.order_id, attempt.try_number + 1);
    let stored = app
        .store
        .next_try(&attempt.attempt_id, attempt.try_number, &next_reference, Leaving::WithoutPage)
        .await?
        .ok_or(AppError::NotFound)?;
    if stored.try_number != attempt.try_number {
        if stored.try_number > MAX_TRIES {
            return Err(AppError::Provider(format!("{} refuses every reference", attempt.provider.as_str())));
        }
        return Ok(NextStep::Try(Box::new(stored)));
    }
    refuse_if_final(&stored)?;
    match stored.checkout_url {
        Some(url) => Ok(NextStep::Page(url)),
        None => Err(AppError::Internal("the try neither moved on nor has a page".into())),
    }
}

/// Records the page of the attempt's current try and until when it can be paid, answering
/// the page stored (the one a concurrent caller stored first, if one did).
///
/// # Errors
/// [`AppError::NotFound`] when the try moved on meanwhile.
pub async fn store_page(
    app: &AppState,
    attempt: &Attempt,
    session_id: Option<&str>,
    url: &str,
    payable_until: Option<i64>,
) -> Result<String, AppError> {
    let stored = app
        .store
        .set_checkout(&attempt.attempt_id, attempt.try_number, session_id, url)
        .await?
        .ok_or(AppError::NotFound)?;
    if let Some(until) = payable_until {
        app.store.set_payable_until(&attempt.attempt_id, attempt.try_number, until).await?;
    }
    stored.checkout_url.ok_or_else(|| AppError::Internal("checkout url not stored".into()))
}

/// The attempt of a provider whose side is made at `pay` (RBS `register.do`, the signed
/// Payment Page URL, the Paytone invoice, the OneEntry order): `start` only records it,
/// once per merchant order, and offers `methods`. An attempt whose last try failed, was
/// cancelled or expired moves to a new try (a new `orderNumber` / `payment_id` /
/// `reference_id`: the providers refuse to reuse one).
///
/// # Errors
/// [`AppError::Conflict`] when the order was started with another amount.
pub async fn start_hosted_page(
    app: &AppState,
    req: &Checkout,
    methods: Vec<PaymentMethod>,
    tokens: BrowserTokens,
) -> Result<StartResponse, AppError> {
    let provider = req.provider;
    // No hold across instances: nothing is made at the provider here, the insert is decided
    // by the unique constraint and a new try by compare-and-set. Callers in this process
    // queue, so they do not all read the provider at once.
    let _guard = app.locks.lock(&format!("start:{}:{}", provider.as_str(), req.order.id)).await;
    let attempt = match app.store.by_order(provider, &req.order.id).await? {
        Some(existing) => {
            refuse_if_repriced_at_start(&existing, req)?;
            let existing = with_fresh_status(app, existing).await?;
            if matches!(existing.status, PaymentStatus::Failed | PaymentStatus::Cancelled | PaymentStatus::Expired) {
                let next_reference = try_reference(&existing.order_id, existing.try_number + 1);
                app.store
                    .next_try(&existing.attempt_id, existing.try_number, &next_reference, Leaving::Always)
                    .await?
                    .ok_or(AppError::NotFound)?
            } else {
                existing
            }
        }
        None => {
            app.store
                .insert_or_existing(&Attempt {
                    attempt_id: new_attempt_id()?,
                    provider,
                    order_id: req.order.id.clone(),
                    amount: req.order.amount.0,
                    currency: req.order.currency,
                    idempotency_key: req.idempotency_key.clone(),
                    provider_customer_id: req.customer.id.clone(),
                    provider_order_id: try_reference(&req.order.id, 1),
                    order_access_token: None,
                    customer_access_token: None,
                    checkout_url: None,
                    status: PaymentStatus::Pending,
                    try_number: 1,
                    provider_session_id: None,
                    details: AttemptDetails {
                        return_url: req.return_url.clone(),
                        description: req.order.description.clone(),
                        locale: req.locale.clone(),
                        email: req.customer.email.clone(),
                        phone: req.customer.phone.clone(),
                        items: req.order.items.clone(),
                        ..AttemptDetails::default()
                    },
                    attention: None,
                    superseded_by: None,
                    payable_until_ms: None,
                })
                .await?
        }
    };
    Ok(StartResponse {
        order: summary(&attempt),
        attempt_id: attempt.attempt_id,
        status: attempt.status,
        methods,
        tokens,
        redirect_hosts: Vec::new(),
    })
}

/// Refuses a `start` for an order this provider already has an attempt for at another
/// amount or currency.
///
/// # Errors
/// [`AppError::Conflict`].
pub fn refuse_if_repriced_at_start(existing: &Attempt, req: &Checkout) -> Result<(), AppError> {
    if existing.amount != req.order.amount.0 || existing.currency != req.order.currency {
        return Err(AppError::Conflict("this order was started with a different amount".into()));
    }
    Ok(())
}

/// An attempt already under way may have been paid while its notification was lost (the
/// shopper paid, closed the tab, and opens the order again): read the provider before
/// answering, so the widget shows the payment instead of offering to pay again. A failed read
/// keeps what is stored.
///
/// # Errors
/// Store failures.
pub async fn with_fresh_status(app: &AppState, mut attempt: Attempt) -> Result<Attempt, AppError> {
    if !attempt.status.is_final() {
        attempt.status = refresh(app, &attempt).await?;
    }
    Ok(attempt)
}

/// The stored status moved forward by a fresh provider read, checked by [`believed`]. A
/// failed read is not an answer: it keeps what we know (the widget asks again, backing off).
///
/// # Errors
/// Store failures.
pub async fn refresh(app: &AppState, attempt: &Attempt) -> Result<PaymentStatus, AppError> {
    let Ok(provider) = app.providers.get(attempt.provider) else {
        return Ok(attempt.status);
    };
    match provider.read(app, attempt).await {
        Ok(Some(observed)) => {
            let status = believed(app, attempt, observed.status, &observed.money, "poll").await?;
            Ok(app.store.advance_status(&attempt.attempt_id, status, "poll").await?)
        }
        Ok(None) => Ok(attempt.status),
        Err(e) => {
            tracing::warn!(error = %e, "status read failed; answering the stored status");
            Ok(attempt.status)
        }
    }
}

/// A provider's report, checked against what the attempt charges
/// ([`tolem_core::status::check_reported`]). Money taken or held for another amount or currency
/// is not believed: the attempt is flagged (history and `attention`), an alert is logged, and
/// the report counts as `pending`, so the attempt stays where it is for the merchant. Money
/// on an attempt the shopper switched away from is believed and flagged.
///
/// # Errors
/// Store failures.
pub async fn believed(
    app: &AppState,
    attempt: &Attempt,
    observed: PaymentStatus,
    reported: &ReportedMoney,
    source: &str,
) -> Result<PaymentStatus, AppError> {
    let reported =
        reported.as_ref().map(|(amount, currency)| tolem_core::status::Reported { amount: *amount, currency });
    match tolem_core::status::check_reported(observed, reported, attempt.amount, attempt.currency) {
        Ok(status) => {
            if let (Some(current), true) = (attempt.superseded_by, status.takes_money()) {
                // Money on an attempt the shopper left: it counts (it is there), and the
                // merchant is told, because the order may now be paid twice.
                let why = format!("{} after the shopper switched to {}", status.as_str(), current.as_str());
                tracing::error!(alert = "superseded_attempt_money", attempt = %attempt.attempt_id, source, "{why}");
                app.store.flag(&attempt.attempt_id, &why, source).await?;
            }
            Ok(status)
        }
        Err(why) => {
            tracing::error!(alert = "amount_mismatch", attempt = %attempt.attempt_id, provider = attempt.provider.as_str(), source, "{why}");
            app.store.flag(&attempt.attempt_id, &why, source).await?;
            Ok(PaymentStatus::Pending)
        }
    }
}

/// The attempt a provider reference (`orderNumber`, `payment_id`, `reference_id`) belongs
/// to, and whether the reference is the attempt's current try.
///
/// # Errors
/// Store failures.
pub async fn attempt_for_reference(
    app: &AppState,
    provider: Provider,
    reference: &str,
) -> Result<Option<(Attempt, bool)>, AppError> {
    let order_id = reference.split_once('~').map_or(reference, |(order, _)| order);
    let attempt = app.store.by_order(provider, order_id).await?;
    Ok(attempt.map(|a| {
        let current = a.provider_order_id == reference;
        (a, current)
    }))
}

/// A verified notification about `reference` (a try reference), as news for the attempt it
/// belongs to, or acknowledged and ignored when no attempt has it (not ours, or made outside
/// Tolem), so the provider stops retrying.
///
/// # Errors
/// Store failures.
pub async fn notice_for_reference(
    app: &AppState,
    provider: Provider,
    reference: &str,
    receipt: String,
    observed: crate::providers::Observation,
) -> Result<crate::providers::Notice, AppError> {
    use crate::providers::Notice;
    let Some((attempt, current_try)) = attempt_for_reference(app, provider, reference).await? else {
        tracing::info!(provider = provider.as_str(), "notification for an unknown order");
        return Ok(Notice::Ignored("unknown order"));
    };
    Ok(Notice::News(Box::new(News { attempt, current_try, reference: reference.to_owned(), receipt, observed })))
}

/// Applies verified news: a replay (same receipt) changes nothing; money the provider reports
/// is checked against the attempt ([`believed`]); news about an earlier try counts only if
/// money moved (a late decline of try 1 must not fail try 2), and money on an earlier try is
/// flagged for the merchant. Answers what the provider is told.
///
/// # Errors
/// Store failures.
pub async fn apply_news(app: &AppState, news: &News) -> Result<serde_json::Value, AppError> {
    let News { attempt, current_try, reference, receipt, observed } = news;
    let provider = attempt.provider;
    let observed = believed(app, attempt, observed.status, &observed.money, "webhook").await?;
    let money_moved = matches!(observed, PaymentStatus::Paid | PaymentStatus::Authorized | PaymentStatus::Refunded);
    if !current_try && money_moved {
        // Flagged before it is applied, so no answer says "paid" without saying why to look.
        let why = format!("{} on an earlier try ({reference}) than the current one", observed.as_str());
        tracing::error!(alert = "earlier_try_money", attempt = %attempt.attempt_id, provider = provider.as_str(), "{why}");
        app.store.flag(&attempt.attempt_id, &why, "webhook").await?;
    }
    // News about an earlier try that moved no money is recorded and changes nothing.
    let applied = if !current_try && !money_moved { PaymentStatus::Pending } else { observed };
    let Some(status) = app.store.advance_on_receipt(&attempt.attempt_id, provider, receipt, applied, "webhook").await?
    else {
        return Ok(serde_json::json!({"ok": true, "duplicate": true}));
    };
    if !current_try && !money_moved {
        return Ok(serde_json::json!({"ok": true, "ignored": "earlier try"}));
    }
    tracing::info!(attempt = %attempt.attempt_id, provider = provider.as_str(), status = status.as_str(), "notification");
    Ok(serde_json::json!({"ok": true, "status": status.as_str()}))
}

/// The order an attempt pays, as answers name it.
pub fn summary(attempt: &Attempt) -> OrderSummary {
    OrderSummary { order_id: attempt.order_id.clone(), amount: MinorUnits(attempt.amount), currency: attempt.currency }
}

/// A new attempt id (`att_` and 16 random hex digits).
///
/// # Errors
/// [`AppError::Internal`] when the system has no randomness.
pub fn new_attempt_id() -> Result<String, AppError> {
    Ok(format!("att_{}", random_hex(8)?))
}

/// `bytes` random bytes as lower-case hex, from the operating system's generator. Fails
/// closed: without randomness no id or secret is made (a guessable one would be worse).
///
/// # Errors
/// [`AppError::Internal`] when the generator fails.
pub fn random_hex(bytes: usize) -> Result<String, AppError> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).map_err(|e| AppError::Internal(format!("no randomness: {e}")))?;
    Ok(tolem_core::signature::hex_lower(&buf))
}

/// `url` with `name=value` added to its query (before any fragment).
pub fn with_query(url: &str, name: &str, value: &str) -> String {
    let (base, fragment) = match url.split_once('#') {
        Some((b, f)) => (b, Some(f)),
        None => (url, None),
    };
    let sep = if base.contains('?') { '&' } else { '?' };
    let mut out = format!("{base}{sep}{name}={value}");
    if let Some(f) = fragment {
        out.push('#');
        out.push_str(f);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{return_url, with_query};
    use tolem_core::api::ReturnHint;

    #[test]
    fn query_is_appended_correctly() {
        assert_eq!(with_query("https://s.kz/c", "tolem_return", "back"), "https://s.kz/c?tolem_return=back");
        assert_eq!(with_query("https://s.kz/c?p=ioka", "a", "b"), "https://s.kz/c?p=ioka&a=b");
        assert_eq!(with_query("https://s.kz/c?p=1#top", "a", "b"), "https://s.kz/c?p=1&a=b#top");
    }

    #[test]
    fn return_urls_carry_the_hint_the_widget_parses() {
        for hint in ReturnHint::ALL {
            let url = return_url("https://s.kz/c?p=1", hint);
            let value = url.rsplit_once("tolem_return=").map(|(_, v)| v);
            assert_eq!(value.and_then(ReturnHint::from_query_value), Some(hint), "{url}");
        }
    }
}
