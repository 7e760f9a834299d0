//! `POST /start`: get-or-create the provider's customer and order, once per merchant order.
//! What is paid (order, amount, currency), by whom and where the shopper comes back all come
//! from the checkout session the client secret names; the browser only picks the provider
//! and brings its key, its language and, for OneEntry, the shopper's sign-in.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::Json;
use tolem_core::api::{
    BrowserTokens, CustomerInfo, MethodKind, OrderInfo, OrderSummary, PaymentMethod, SignInCredentials, StartRequest,
    StartResponse, UserToken,
};
use tolem_core::money::{Currency, MinorUnits};
use tolem_core::providers::{ioka as ioka_adapter, try_reference, Provider};
use tolem_core::status::PaymentStatus;

use super::{json_body, with_query};
use crate::error::AppError;
use crate::ioka::NewOrder;
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
    /// The shop's return URL.
    pub return_url: String,
    /// The widget's key.
    pub idempotency_key: String,
    /// The shopper's language.
    pub locale: Option<String>,
    /// The shopper's sign-in (OneEntry).
    pub sign_in: Option<SignInCredentials>,
    /// A user token the shop's page has (OneEntry).
    pub user_token: Option<UserToken>,
}

/// Handler.
pub async fn start(State(app): State<Arc<AppState>>, body: Bytes) -> Result<Json<StartResponse>, AppError> {
    let body: StartRequest = json_body(&body)?;
    body.validate(MinorUnits(app.config.max_amount)).map_err(|e| AppError::Invalid(e.to_string()))?;
    let session = super::sessions::resolve(&app, body.client_secret.as_deref()).await?;
    if body.order.is_some() || body.customer.is_some() || body.return_url.is_some() {
        return Err(AppError::Invalid(
            "order, customer and returnUrl come from the checkout session: send only the clientSecret".into(),
        ));
    }
    let allowed = &session.request.providers;
    if !allowed.is_empty() && !allowed.contains(&body.provider) {
        return Err(AppError::Invalid("provider: not offered in this checkout session".into()));
    }
    let req = Checkout {
        provider: body.provider,
        order: session.request.order,
        customer: session.request.customer,
        return_url: session.request.return_url,
        idempotency_key: body.idempotency_key,
        locale: body.locale,
        sign_in: body.sign_in,
        user_token: body.user_token,
    };
    take_over_order(&app, &req).await?;
    match req.provider {
        Provider::Ioka => start_ioka(&app, &req).await,
        Provider::Bereke => {
            app.bereke.as_ref().ok_or(AppError::ProviderDisabled("bereke"))?;
            // Room for the `~n` suffix of later tries within RBS's 32 characters.
            if req.order.id.len() + 3 > tolem_core::providers::bereke::MAX_ORDER_NUMBER_LEN {
                return Err(AppError::Invalid("order.id: Bereke accepts order ids of at most 29 characters".into()));
            }
            let card = PaymentMethod::plain(tolem_core::providers::bereke::CARD_METHOD, MethodKind::Card, "Bank card");
            start_hosted_page(&app, &req, vec![card], BrowserTokens::default()).await
        }
        Provider::Ecommpay => {
            app.ecommpay.as_ref().ok_or(AppError::ProviderDisabled("ecommpay"))?;
            let page = PaymentMethod::plain(
                tolem_core::providers::ecommpay::PAYMENT_PAGE_METHOD,
                MethodKind::Card,
                "Card or another method",
            );
            start_hosted_page(&app, &req, vec![page], BrowserTokens::default()).await
        }
        Provider::Paytone => {
            let client = app.paytone.as_ref().ok_or(AppError::ProviderDisabled("paytone"))?;
            let locale = req.locale.as_deref().unwrap_or("ru");
            let methods = client.methods(req.order.currency, req.order.amount, locale).await?;
            if methods.is_empty() {
                return Err(AppError::Provider("paytone offers no method for this currency".into()));
            }
            let tokens =
                BrowserTokens { public_key: Some(client.config.public_key.clone()), ..BrowserTokens::default() };
            start_hosted_page(&app, &req, methods, tokens).await
        }
        Provider::Oneentry => start_oneentry(&app, &req).await,
    }
}

/// One active attempt per merchant order, across providers. Before the shopper starts
/// `req.provider`, every other provider's attempt for the order is looked at (with a fresh
/// provider read while it is pending):
///
/// * one that took, holds or refunded money refuses the start (`409`): the order is paid;
/// * one whose page can still be paid is closed where the provider allows it (Bereke
///   `decline.do`); where it does not (an ECommPay Payment Page before its `best_before`, a
///   Paytone invoice before it `expires`), the start is refused (`409`) while it is under way;
/// * any other still-pending one is superseded: it pays nothing more through Tolem, and money
///   that still reaches it (an ioka order paid with the token the browser kept) is recorded
///   and flagged for the merchant.
///
/// The provider's own attempt, if it was superseded earlier, becomes current again. Starts
/// for one order, on any instance, take turns here.
async fn take_over_order(app: &AppState, req: &Checkout) -> Result<(), AppError> {
    let guard = app.exclusive(&format!("order:{}", req.order.id)).await?;
    let now = crate::store::now_ms();
    for other in app.store.for_order(&req.order.id).await? {
        if other.provider == req.provider {
            if other.superseded_by.is_some() {
                app.store.reinstate(&other.attempt_id).await?;
            }
            continue;
        }
        if other.superseded_by.is_some() {
            continue;
        }
        let status = if other.status.is_final() { other.status } else { super::status::refresh(app, &other).await? };
        if status.takes_money() || status == PaymentStatus::Refunded {
            return Err(AppError::Conflict(format!(
                "this order is already {} with {}",
                status.as_str(),
                other.provider.as_str()
            )));
        }
        if status.is_final() {
            continue;
        }
        let page_live = other.payable_until_ms.is_some_and(|until| until > now);
        if page_live {
            guard.ensure_held().await?;
        }
        if page_live && !close_page(app, &other).await? {
            let until = other.payable_until_ms.map(|ms| tolem_core::time::iso_utc(ms.div_euclid(1000)));
            return Err(AppError::Conflict(format!(
                "a payment with {} is under way for this order: finish or cancel it there, or try again after {}",
                other.provider.as_str(),
                until.unwrap_or_default()
            )));
        }
        app.store.supersede(&other.attempt_id, req.provider).await?;
        tracing::info!(attempt = %other.attempt_id, to = req.provider.as_str(), "the shopper switched provider");
    }
    Ok(())
}

/// Closes the live page of a pending attempt at its provider, where the provider has a way
/// to: true when it can no longer be paid. A refusal means the provider's state moved (paid
/// meanwhile): the status is read again, and money there refuses the switch.
async fn close_page(app: &AppState, attempt: &Attempt) -> Result<bool, AppError> {
    match (attempt.provider, &app.bereke, &attempt.provider_session_id) {
        (Provider::Bereke, Some(client), Some(md_order)) => {
            if client.decline(md_order).await? {
                app.store.advance_status(&attempt.attempt_id, PaymentStatus::Cancelled, "switch").await?;
                return Ok(true);
            }
            let status = super::status::refresh(app, attempt).await?;
            if status.takes_money() {
                return Err(AppError::Conflict(format!("this order is already {} with bereke", status.as_str())));
            }
            Ok(status.is_final())
        }
        _ => Ok(false),
    }
}

/// OneEntry: the shopper must be signed in (a user token from the page, a sign-in from the
/// widget, or the tokens an earlier `start` stored); the project's payment accounts are the
/// methods. The OneEntry order is created at `pay`, once the account is chosen.
async fn start_oneentry(app: &AppState, req: &Checkout) -> Result<Json<StartResponse>, AppError> {
    let client = app.oneentry.as_ref().ok_or(AppError::ProviderDisabled("oneentry"))?;
    if req.order.items.is_empty() {
        return Err(AppError::Invalid("order.items: OneEntry prices the order from its products; list them".into()));
    }
    let given = match (&req.user_token, &req.sign_in) {
        (Some(token), _) => Some(token.clone()),
        (None, Some(s)) => Some(client.sign_in(&s.email, &s.password).await?),
        (None, None) => None,
    };
    let stored = app.store.by_order(Provider::Oneentry, &req.order.id).await?.and_then(|a| a.details.user_token);
    let mut user = given.or(stored).ok_or(AppError::SignInRequired)?;
    let (accounts, _) = client.accounts(&mut user).await?;
    let lang = tolem_core::providers::oneentry::lang_code(req.locale.as_deref().unwrap_or("ru"));
    let methods = tolem_core::providers::oneentry::methods(&accounts, lang);
    if methods.is_empty() {
        return Err(AppError::Provider("oneentry offers no payment account".into()));
    }
    let Json(answer) = start_hosted_page(app, req, methods, BrowserTokens::default()).await?;
    if let Some(mut attempt) = app.store.by_id(&answer.attempt_id).await? {
        attempt.details.user_token = Some(user);
        app.store.set_details(&attempt.attempt_id, &attempt.details).await?;
    }
    Ok(Json(answer))
}

async fn start_ioka(app: &AppState, req: &Checkout) -> Result<Json<StartResponse>, AppError> {
    let client = app.ioka.as_ref().ok_or(AppError::ProviderDisabled("ioka"))?;
    if req.order.currency != Currency::Kzt {
        return Err(AppError::Invalid("order.currency: ioka accepts KZT only".into()));
    }
    if req.order.amount.0 < 100 {
        return Err(AppError::Invalid("order.amount: ioka's minimum is 100 tiyn (1 ₸)".into()));
    }
    // A known order needs no hold: reading its status and reopening it are compare-and-set.
    let attempt = match app.store.by_order(Provider::Ioka, &req.order.id).await? {
        Some(existing) => resume_ioka(app, client, req, existing).await?,
        None => {
            // Concurrent starts for a new order, on any instance, wait here: only the holder
            // talks to ioka. A holder that died after ioka made the order leaves it for the
            // next holder to find by external_id (get-or-create): still one ioka order.
            let guard = app.exclusive(&format!("start:ioka:{}", req.order.id)).await?;
            match app.store.by_order(Provider::Ioka, &req.order.id).await? {
                Some(existing) => resume_ioka(app, client, req, existing).await?,
                None => create_ioka(app, client, req, &guard).await?,
            }
        }
    };

    let methods = match &attempt.provider_customer_id {
        Some(customer_id) if !attempt.status.is_final() => {
            ioka_adapter::methods_from_cards(&client.cards(customer_id).await, "Bank card")
        }
        _ => vec![PaymentMethod::plain(ioka_adapter::NEW_CARD_METHOD, MethodKind::Card, "Bank card")],
    };
    Ok(Json(StartResponse {
        order: summary(&attempt),
        attempt_id: attempt.attempt_id,
        status: attempt.status,
        methods,
        tokens: BrowserTokens {
            order_access_token: attempt.order_access_token,
            customer_access_token: attempt.customer_access_token,
            public_key: Some(client.config.public_key.clone()),
        },
    }))
}

/// An ioka order this backend already knows: fresh status, reopened if a try failed.
async fn resume_ioka(
    app: &AppState,
    client: &crate::ioka::IokaClient,
    req: &Checkout,
    existing: Attempt,
) -> Result<Attempt, AppError> {
    if existing.amount != req.order.amount.0 || existing.currency != req.order.currency {
        return Err(AppError::Conflict("this order was started with a different amount".into()));
    }
    let existing = with_fresh_status(app, existing).await?;
    reopen_if_payable(app, client, existing).await
}

/// A new ioka order (found again by `external_id` if an earlier call made it), and its attempt.
async fn create_ioka(
    app: &AppState,
    client: &crate::ioka::IokaClient,
    req: &Checkout,
    guard: &crate::locks::Exclusive<'_>,
) -> Result<Attempt, AppError> {
    guard.ensure_held().await?;
    let customer = client.get_or_create_customer(&req.customer).await?;
    guard.ensure_held().await?;
    let (customer_id, customer_token) = match customer {
        Some((id, token)) => (Some(id), token),
        None => (None, None),
    };
    let handle = client
        .get_or_create_order(&NewOrder {
            external_id: &req.order.id,
            amount: req.order.amount.0,
            currency: req.order.currency.code(),
            description: req.order.description.as_deref(),
            customer_id: customer_id.as_deref(),
            return_urls: ["success", "failure", "back"].map(|v| with_query(&req.return_url, "tolem_return", v)),
            idempotency_key: &req.idempotency_key,
        })
        .await?;
    let status: PaymentStatus = handle.order.status.into();
    let fresh = Attempt {
        attempt_id: format!("att_{}", random_hex(8)?),
        provider: Provider::Ioka,
        order_id: req.order.id.clone(),
        amount: req.order.amount.0,
        currency: req.order.currency,
        idempotency_key: req.idempotency_key.clone(),
        provider_customer_id: customer_id,
        provider_order_id: handle.order.id.clone(),
        order_access_token: handle.access_token,
        customer_access_token: customer_token,
        checkout_url: handle.order.checkout_url.clone(),
        status,
        try_number: 1,
        provider_session_id: None,
        details: AttemptDetails::default(),
        attention: None,
        superseded_by: None,
        payable_until_ms: None,
    };
    Ok(app.store.insert_or_existing(&fresh).await?)
}

/// Bereke, ECommPay and Paytone: the provider's side is created at `pay` (RBS
/// `register.do`, the signed Payment Page URL, the Paytone invoice), so `start` only records
/// the attempt, once per merchant order, and offers `methods`. An attempt whose last try
/// failed, was cancelled or expired moves to a new try (a new `orderNumber` / `payment_id` /
/// `reference_id`: the providers refuse to reuse one).
async fn start_hosted_page(
    app: &AppState,
    req: &Checkout,
    methods: Vec<PaymentMethod>,
    tokens: BrowserTokens,
) -> Result<Json<StartResponse>, AppError> {
    let provider = req.provider;
    // No hold across instances: nothing is made at the provider here, the insert is decided
    // by the unique constraint and a new try by compare-and-set. Callers in this process
    // queue, so they do not all read the provider at once.
    let _guard = app.locks.lock(&format!("start:{}:{}", provider.as_str(), req.order.id)).await;
    let attempt = match app.store.by_order(provider, &req.order.id).await? {
        Some(existing) => {
            if existing.amount != req.order.amount.0 || existing.currency != req.order.currency {
                return Err(AppError::Conflict("this order was started with a different amount".into()));
            }
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
                    attempt_id: format!("att_{}", random_hex(8)?),
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
    Ok(Json(StartResponse {
        order: summary(&attempt),
        attempt_id: attempt.attempt_id,
        status: attempt.status,
        methods,
        tokens,
    }))
}

/// An attempt already under way may have been paid while its notification was lost (the
/// shopper paid, closed the tab, and opens the order again): read the provider before
/// answering, so the widget shows the payment instead of offering to pay again. A failed read
/// keeps what is stored.
async fn with_fresh_status(app: &AppState, mut attempt: Attempt) -> Result<Attempt, AppError> {
    if !attempt.status.is_final() {
        attempt.status = super::status::refresh(app, &attempt).await?;
    }
    Ok(attempt)
}

/// A declined or cancelled try leaves the ioka order payable (`UNPAID`, attempts left): a
/// new start reopens the attempt for another try. Anything else stays as it is.
async fn reopen_if_payable(
    app: &AppState,
    client: &crate::ioka::IokaClient,
    mut attempt: Attempt,
) -> Result<Attempt, AppError> {
    if !matches!(attempt.status, PaymentStatus::Failed | PaymentStatus::Cancelled) {
        return Ok(attempt);
    }
    let order = client.order(&attempt.provider_order_id).await?;
    attempt.status = match order.status {
        ioka_adapter::IokaOrderStatus::Unpaid => app.store.reopen(&attempt.attempt_id).await?,
        other => app.store.advance_status(&attempt.attempt_id, other.into(), "start").await?,
    };
    Ok(attempt)
}

/// The order an attempt pays, as answers name it.
pub fn summary(attempt: &Attempt) -> OrderSummary {
    OrderSummary { order_id: attempt.order_id.clone(), amount: MinorUnits(attempt.amount), currency: attempt.currency }
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
