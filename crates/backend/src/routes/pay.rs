//! `POST /pay`: where to send the shopper for the chosen method.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::Json;
use tolem_core::api::{PayRequest, PayResponse, RedirectTarget};
use tolem_core::providers::bereke::{self as bereke_adapter, OrderRef, RbsRegisterRequest};
use tolem_core::providers::ecommpay::{self as ecommpay_adapter, PaymentPageRequest};
use tolem_core::providers::oneentry::{self as oneentry_adapter, FormEntry, NewOrder, ProductLine};
use tolem_core::providers::paytone::{InvoiceRequest, InvoiceStatus};
use tolem_core::providers::{ioka, try_reference, Provider};
use tolem_core::status::PaymentStatus;

use super::{json_body, with_query};
use crate::error::AppError;
use crate::paytone::Created;
use crate::store::{Attempt, Leaving};
use crate::AppState;

/// Handler.
pub async fn pay(State(app): State<Arc<AppState>>, body: Bytes) -> Result<Json<PayResponse>, AppError> {
    let req: PayRequest = json_body(&body)?;
    req.validate().map_err(|e| AppError::Invalid(e.to_string()))?;
    let attempt = app.store.by_id(&req.attempt_id).await?.ok_or(AppError::NotFound)?;
    refuse_if_final(&attempt)?;
    refuse_if_repriced(&app, &attempt).await?;
    refuse_if_not_current(&app, &attempt).await?;
    let url = match attempt.provider {
        Provider::Ioka => {
            let known = req.method_id == ioka::NEW_CARD_METHOD || req.method_id.starts_with(ioka::SAVED_CARD_PREFIX);
            if !known {
                return Err(AppError::Invalid("methodId: unknown method".into()));
            }
            // ioka's hosted page shows the customer's saved cards itself.
            attempt.checkout_url.ok_or_else(|| AppError::Provider("ioka order has no checkout_url".into()))?
        }
        Provider::Bereke => {
            if req.method_id != bereke_adapter::CARD_METHOD {
                return Err(AppError::Invalid("methodId: unknown method".into()));
            }
            bereke_form_url(&app, attempt).await?
        }
        Provider::Ecommpay => {
            if req.method_id != ecommpay_adapter::PAYMENT_PAGE_METHOD {
                return Err(AppError::Invalid("methodId: unknown method".into()));
            }
            ecommpay_page_url(&app, attempt).await?
        }
        Provider::Paytone => paytone_hpp_url(&app, attempt, &req).await?,
        Provider::Oneentry => match oneentry_pay(&app, attempt, &req).await? {
            Some(url) => url,
            None => return Ok(Json(PayResponse { redirect: None, placed: true })),
        },
    };
    Ok(Json(PayResponse {
        redirect: Some(RedirectTarget { url, method: "GET".into(), fields: vec![] }),
        placed: false,
    }))
}

fn refuse_if_final(attempt: &Attempt) -> Result<(), AppError> {
    if attempt.status.is_final() {
        return Err(AppError::Conflict(format!("this attempt is already {}", attempt.status.as_str())));
    }
    Ok(())
}

/// The shop re-priced the order after this attempt's `start` read the old session (the two
/// raced): the attempt's amount is no longer what the shop asks, so nothing more is paid on it.
async fn refuse_if_repriced(app: &AppState, attempt: &Attempt) -> Result<(), AppError> {
    let current = app.store.session_for_order(&attempt.order_id).await?;
    match current {
        Some(s) if s.request.order.amount.0 != attempt.amount || s.request.order.currency != attempt.currency => {
            Err(AppError::Conflict("the shop changed this order's amount; reload the page".into()))
        }
        _ => Ok(()),
    }
}

/// One payment per merchant order: an attempt the shopper switched away from pays nothing
/// more, and no attempt pays once another attempt for the order took or holds the money.
async fn refuse_if_not_current(app: &AppState, attempt: &Attempt) -> Result<(), AppError> {
    if let Some(other) = attempt.superseded_by {
        return Err(AppError::Conflict(format!(
            "this order is now being paid with {}; start again to pay with {}",
            other.as_str(),
            attempt.provider.as_str()
        )));
    }
    let paid_elsewhere = app.store.for_order(&attempt.order_id).await?.into_iter().find(|other| {
        other.attempt_id != attempt.attempt_id
            && (other.status.takes_money() || other.status == PaymentStatus::Refunded)
    });
    match paid_elsewhere {
        Some(other) => Err(AppError::Conflict(format!(
            "this order is already {} with {}",
            other.status.as_str(),
            other.provider.as_str()
        ))),
        None => Ok(()),
    }
}

/// How long the page about to be handed out can be paid: seconds for the provider, and the
/// moment (ms since the epoch) to record.
fn page_lifetime(app: &AppState) -> (u32, i64) {
    let secs = u32::try_from(app.config.page_lifetime.as_secs()).unwrap_or(u32::MAX);
    (secs, crate::store::now_ms().saturating_add(i64::from(secs).saturating_mul(1000)))
}

/// The return URLs the provider sends the shopper to, tagged so the widget knows which.
fn return_url(attempt: &Attempt, how: &str) -> String {
    with_query(&attempt.details.return_url, "tolem_return", how)
}

/// The current try's `formUrl`: registered once per try (double clicks and two tabs wait on
/// one lock and get the same page). A try the bank already settled is never reused.
async fn bereke_form_url(app: &AppState, attempt: Attempt) -> Result<String, AppError> {
    let client = app.bereke.as_ref().ok_or(AppError::ProviderDisabled("bereke"))?;
    let guard = app.exclusive(&format!("pay:{}", attempt.attempt_id)).await?;
    let mut attempt = app.store.by_id(&attempt.attempt_id).await?.ok_or(AppError::NotFound)?;
    refuse_if_final(&attempt)?;
    if let (Some(md_order), Some(url)) = (&attempt.provider_session_id, &attempt.checkout_url) {
        // Still payable? A settled order must not be shown again.
        if let Some(found) = client.status(OrderRef::OrderId(md_order)).await? {
            let observed = PaymentStatus::from(&found);
            if observed != PaymentStatus::Pending {
                let status = app.store.advance_status(&attempt.attempt_id, observed, "pay").await?;
                return Err(AppError::Conflict(format!("this attempt is already {}", status.as_str())));
            }
        }
        return Ok(url.clone());
    }
    loop {
        let order_number = attempt.provider_order_id.clone();
        let details = attempt.details.clone();
        let (lifetime_secs, payable_until) = page_lifetime(app);
        guard.ensure_held().await?;
        let registered = client
            .register(&RbsRegisterRequest {
                order_number: &order_number,
                amount: attempt.amount,
                currency: attempt.currency.numeric(),
                return_url: &return_url(&attempt, "success"),
                fail_url: &return_url(&attempt, "failure"),
                description: details.description.as_deref(),
                language: details.locale.as_deref(),
                client_id: attempt.provider_customer_id.as_deref(),
                email: details.email.as_deref(),
                phone: details.phone.as_deref(),
                json_params: Some(
                    serde_json::json!({"tolem_attempt": attempt.attempt_id, "tolem_idempotency_key": attempt.idempotency_key})
                        .to_string(),
                ),
                session_timeout_secs: Some(lifetime_secs),
            })
            .await?;
        match registered {
            Some(r) => {
                let stored = app
                    .store
                    .set_checkout(&attempt.attempt_id, attempt.try_number, Some(&r.order_id), &r.form_url)
                    .await?
                    .ok_or(AppError::NotFound)?;
                app.store.set_payable_until(&attempt.attempt_id, attempt.try_number, payable_until).await?;
                return stored.checkout_url.ok_or_else(|| AppError::Internal("checkout url not stored".into()));
            }
            None => {
                // errorCode 1: this orderNumber was registered before, but its formUrl never
                // reached us (a crash or timeout after the bank answered). Nobody can pay an
                // order whose page nobody has, so move on to the next try's number.
                tracing::warn!(attempt = %attempt.attempt_id, "Bereke orderNumber already used; registering the next try");
                attempt = match after_reference_taken(app, &attempt).await? {
                    NextStep::Try(next) => *next,
                    NextStep::Page(url) => return Ok(url),
                };
                if attempt.try_number > 20 {
                    return Err(AppError::Provider("Bereke refuses every order number".into()));
                }
            }
        }
    }
}

/// The signed Payment Page URL for the current try. A `payment_id` the Gate already settled
/// is never offered again.
async fn ecommpay_page_url(app: &AppState, attempt: Attempt) -> Result<String, AppError> {
    let client = app.ecommpay.as_ref().ok_or(AppError::ProviderDisabled("ecommpay"))?;
    let _guard = app.exclusive(&format!("pay:{}", attempt.attempt_id)).await?;
    let attempt = app.store.by_id(&attempt.attempt_id).await?.ok_or(AppError::NotFound)?;
    refuse_if_final(&attempt)?;
    if let Some(observed) = client.status(&attempt.provider_order_id).await? {
        if observed != PaymentStatus::Pending {
            let status = app.store.advance_status(&attempt.attempt_id, observed, "pay").await?;
            return Err(AppError::Conflict(format!("this attempt is already {}", status.as_str())));
        }
    }
    let details = &attempt.details;
    let (_, payable_until) = page_lifetime(app);
    let best_before = tolem_core::time::iso_utc(payable_until.div_euclid(1000));
    let url = client.payment_page_url(&PaymentPageRequest {
        payment_id: &attempt.provider_order_id,
        amount: attempt.amount,
        currency: attempt.currency.code(),
        description: details.description.as_deref(),
        customer_id: attempt.provider_customer_id.as_deref(),
        customer_email: details.email.as_deref(),
        customer_phone: details.phone.as_deref(),
        language: details.locale.as_deref(),
        success_url: &return_url(&attempt, "success"),
        fail_url: &return_url(&attempt, "failure"),
        return_url: &return_url(&attempt, "back"),
        callback_url: client.config.callback_url.as_deref(),
        hold: client.config.hold,
        best_before: Some(&best_before),
    });
    let stored = app.store.set_checkout(&attempt.attempt_id, attempt.try_number, None, &url).await?;
    app.store.set_payable_until(&attempt.attempt_id, attempt.try_number, payable_until).await?;
    stored.and_then(|a| a.checkout_url).ok_or_else(|| AppError::Internal("checkout url not stored".into()))
}

/// The current try's Paytone hosted page: one invoice per try, created on the first `pay`
/// (a double click or a second tab gets the same page). Choosing another method (or other
/// field values) before the invoice was touched makes a new try with a new invoice; a try
/// Paytone already settled is never offered again.
async fn paytone_hpp_url(app: &AppState, attempt: Attempt, req: &PayRequest) -> Result<String, AppError> {
    let client = app.paytone.as_ref().ok_or(AppError::ProviderDisabled("paytone"))?;
    let guard = app.exclusive(&format!("pay:{}", attempt.attempt_id)).await?;
    let mut attempt = app.store.by_id(&attempt.attempt_id).await?.ok_or(AppError::NotFound)?;
    refuse_if_final(&attempt)?;
    if let (Some(invoice_id), Some(url)) = (&attempt.provider_session_id, &attempt.checkout_url) {
        let invoice = client.invoice(invoice_id).await?;
        let observed = PaymentStatus::from(invoice.attributes.status);
        if observed != PaymentStatus::Pending {
            let status = app.store.advance_status(&attempt.attempt_id, observed, "pay").await?;
            return Err(AppError::Conflict(format!("this attempt is already {}", status.as_str())));
        }
        let same_choice = attempt.details.method_id.as_deref() == Some(req.method_id.as_str())
            && attempt.details.fields == req.fields;
        if same_choice || invoice.attributes.status != InvoiceStatus::Created {
            return Ok(url.clone());
        }
        attempt = new_try(app, &attempt).await?;
    }
    loop {
        let details = attempt.details.clone();
        let reference = attempt.provider_order_id.clone();
        let metadata = [
            ("tolem_attempt", attempt.attempt_id.as_str()),
            ("tolem_idempotency_key", attempt.idempotency_key.as_str()),
        ];
        let (_, payable_until) = page_lifetime(app);
        guard.ensure_held().await?;
        let created = client
            .create_invoice(&InvoiceRequest {
                reference_id: &reference,
                amount: tolem_core::money::MinorUnits(attempt.amount),
                currency: attempt.currency,
                description: details.description.as_deref(),
                service: &req.method_id,
                fields: &req.fields,
                // One return URL for every outcome, so no hint: the widget asks the status.
                return_url: &details.return_url,
                locale: details.locale.as_deref(),
                customer_id: attempt.provider_customer_id.as_deref(),
                email: details.email.as_deref(),
                phone: details.phone.as_deref(),
                expires: Some(payable_until.div_euclid(1000)),
                metadata: &metadata,
            })
            .await?;
        match created {
            Created::Invoice(invoice) => {
                let url = client.payer_url(&invoice);
                let stored = app
                    .store
                    .set_checkout(&attempt.attempt_id, attempt.try_number, Some(&invoice.id), &url)
                    .await?
                    .ok_or(AppError::NotFound)?;
                app.store.set_payable_until(&attempt.attempt_id, attempt.try_number, payable_until).await?;
                let mut details = stored.details.clone();
                details.method_id = Some(req.method_id.clone());
                details.fields = req.fields.clone();
                details.provider_updated = None;
                app.store.set_details(&attempt.attempt_id, &details).await?;
                return stored.checkout_url.ok_or_else(|| AppError::Internal("checkout url not stored".into()));
            }
            Created::ReferenceTaken => {
                // An earlier create for this reference whose answer never reached us.
                tracing::warn!(attempt = %attempt.attempt_id, "Paytone reference_id already used; using the next try's");
                attempt = match after_reference_taken(app, &attempt).await? {
                    NextStep::Try(next) => *next,
                    NextStep::Page(url) => return Ok(url),
                };
                if attempt.try_number > 20 {
                    return Err(AppError::Provider("Paytone refuses every reference".into()));
                }
            }
        }
    }
}

/// A new try on the same provider order: the shopper chose another method.
async fn new_try(app: &AppState, attempt: &Attempt) -> Result<Attempt, AppError> {
    let next_reference = try_reference(&attempt.order_id, attempt.try_number + 1);
    app.store
        .next_try(&attempt.attempt_id, attempt.try_number, &next_reference, Leaving::Always)
        .await?
        .ok_or(AppError::NotFound)
}

/// What to do once the provider says the current try's reference is taken.
enum NextStep {
    /// Register this next try.
    Try(Box<Attempt>),
    /// Show this page: the call that took the reference did come back, on another instance
    /// whose lease ran out under it, and stored its page.
    Page(String),
}

/// The provider refused the current try's reference as used by a call whose answer never
/// reached us: move to the next try, unless a page for this try was stored meanwhile (then
/// that page, so one try never has two).
async fn after_reference_taken(app: &AppState, attempt: &Attempt) -> Result<NextStep, AppError> {
    let next_reference = try_reference(&attempt.order_id, attempt.try_number + 1);
    let stored = app
        .store
        .next_try(&attempt.attempt_id, attempt.try_number, &next_reference, Leaving::WithoutPage)
        .await?
        .ok_or(AppError::NotFound)?;
    if stored.try_number != attempt.try_number {
        return Ok(NextStep::Try(Box::new(stored)));
    }
    refuse_if_final(&stored)?;
    match stored.checkout_url {
        Some(url) => Ok(NextStep::Page(url)),
        None => Err(AppError::Internal("the try neither moved on nor has a page".into())),
    }
}

/// OneEntry: one order per try in the orders storage (priced by OneEntry from its products,
/// and refused when that price is not the amount the shopper was shown), then a payment
/// session whose `paymentUrl` may appear only on a later read. A cash account places the
/// order and answers `None`: nothing to pay online.
async fn oneentry_pay(app: &AppState, attempt: Attempt, req: &PayRequest) -> Result<Option<String>, AppError> {
    let client = app.oneentry.as_ref().ok_or(AppError::ProviderDisabled("oneentry"))?;
    let guard = app.exclusive(&format!("pay:{}", attempt.attempt_id)).await?;
    let mut attempt = app.store.by_id(&attempt.attempt_id).await?.ok_or(AppError::NotFound)?;
    refuse_if_final(&attempt)?;
    let mut user = attempt.details.user_token.clone().ok_or(AppError::SignInRequired)?;
    let mut order_id: Option<i64> = attempt.provider_session_id.as_deref().and_then(|s| s.parse().ok());
    if order_id.is_some() && attempt.details.method_id.as_deref() != Some(req.method_id.as_str()) {
        // Another payment account: OneEntry ties the order to one, so a new try, a new order.
        attempt = new_try(app, &attempt).await?;
        order_id = None;
    }
    let order_id = match order_id {
        Some(id) => id,
        None => {
            let details = attempt.details.clone();
            let mut form_data = vec![FormEntry {
                marker: "order_number".into(),
                value: attempt.provider_order_id.clone(),
                kind: "string".into(),
            }];
            for (marker, value) in [("email", &details.email), ("phone", &details.phone)] {
                if let Some(v) = value {
                    form_data.push(FormEntry { marker: marker.into(), value: v.clone(), kind: "string".into() });
                }
            }
            let products: Vec<ProductLine> =
                details.items.iter().map(|i| ProductLine { product_id: i.product_id, quantity: i.quantity }).collect();
            let config = &client.config;
            guard.ensure_held().await?;
            let (created, _) = client
                .create_order(
                    &mut user,
                    &NewOrder {
                        storage_marker: &config.storage_marker,
                        form_identifier: &config.form_identifier,
                        payment_account_identifier: &req.method_id,
                        form_data: &form_data,
                        products: &products,
                    },
                )
                .await?;
            let total = created.total_sum.as_ref().and_then(|t| match t {
                serde_json::Value::Number(n) => Some(n.to_string()),
                serde_json::Value::String(s) => Some(s.clone()),
                _ => None,
            });
            let total = total.and_then(|t| tolem_core::money::minor_from_major(&t, attempt.currency));
            if total != Some(tolem_core::money::MinorUnits(attempt.amount)) {
                tracing::warn!(attempt = %attempt.attempt_id, "OneEntry priced the order differently");
                return Err(AppError::Conflict("the shop's prices differ from the order amount".into()));
            }
            app.store.set_session(&attempt.attempt_id, attempt.try_number, &created.id.to_string()).await?;
            attempt.details.method_id = Some(req.method_id.clone());
            created.id
        }
    };
    attempt.details.user_token = Some(user.clone());
    app.store.set_details(&attempt.attempt_id, &attempt.details).await?;
    if oneentry_adapter::is_cash(&req.method_id) {
        tracing::info!(attempt = %attempt.attempt_id, "OneEntry order placed, pay on delivery");
        return Ok(None);
    }
    let (mut session, _) = client.latest_session(&mut user, order_id).await?;
    if let Some(s) = &session {
        let observed = client.config.statuses.map(&s.status);
        if observed != PaymentStatus::Pending {
            let status = app.store.advance_status(&attempt.attempt_id, observed, "pay").await?;
            return Err(AppError::Conflict(format!("this attempt is already {}", status.as_str())));
        }
    }
    if session.is_none() {
        guard.ensure_held().await?;
        session = Some(client.create_session(&mut user, order_id).await?.0);
    }
    let mut reads = 0;
    while session.as_ref().is_some_and(|s| s.payment_url.is_none()) && reads < client.config.url_reads {
        tokio::time::sleep(client.config.url_read_pause).await;
        session = client.latest_session(&mut user, order_id).await?.0;
        reads += 1;
    }
    attempt.details.user_token = Some(user);
    app.store.set_details(&attempt.attempt_id, &attempt.details).await?;
    match session.and_then(|s| s.payment_url) {
        Some(url) => {
            let stored = app
                .store
                .set_checkout(&attempt.attempt_id, attempt.try_number, Some(&order_id.to_string()), &url)
                .await?;
            Ok(stored.and_then(|a| a.checkout_url))
        }
        None => Err(AppError::Provider("the OneEntry payment page is not ready yet".into())),
    }
}
