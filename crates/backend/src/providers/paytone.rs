//! Paytone (Corefy Commerce): the methods come from the pre-request (Public API); each try
//! is an invoice made through the Private API, whose hosted page the shopper is sent to;
//! callbacks are signed batches of invoice versions. Requests, parsing and signatures come
//! from `tolem_core::providers::paytone`.

use std::time::Duration;

use tolem_core::api::{BrowserTokens, PayRequest, PaymentMethod, StartResponse};
use tolem_core::money::{Currency, MinorUnits};
use tolem_core::providers::paytone::{
    self, Invoice, InvoiceAttributes, InvoiceRequest, InvoiceStatus, PaytoneError, Prerequest, PrivateApi, PublicApi,
};
use tolem_core::providers::Provider;
use tolem_core::status::PaymentStatus;

use super::{BoxFuture, Incoming, News, Notice, Observation, Page, ProviderBackend, ReportedMoney};
use crate::config::PaytoneConfig;
use crate::error::AppError;
use crate::provider_http;
use crate::steps::{self, Checkout, NextStep};
use crate::store::Attempt;
use crate::AppState;

/// Paytone, with its Public and Private API client.
pub struct Paytone {
    /// Settings (with the secret).
    pub config: PaytoneConfig,
    http: reqwest::Client,
}

/// What creating an invoice came to.
#[derive(Debug)]
pub enum Created {
    /// The invoice made for the try.
    Invoice(Box<Invoice>),
    /// A 422 naming `reference_id`, with Paytone's words: most likely taken by an earlier
    /// create whose answer was lost ([GUESS]: Corefy documents no such rule), so the next
    /// try's reference is used; refused again, it was about something else.
    ReferenceTaken(String),
}

impl Paytone {
    /// A client with a per-request timeout.
    pub fn new(config: PaytoneConfig, timeout: Duration) -> Self {
        Paytone { config, http: provider_http::client(timeout) }
    }

    fn private(&self) -> PrivateApi<'_> {
        PrivateApi {
            base_url: &self.config.private_api_url,
            api_key: self.config.api_key.expose(),
            auth: &self.config.auth,
            body: self.config.invoice_body,
        }
    }

    /// The origin of the configured API (logos from it are trusted, e.g. the sandbox's).
    fn api_origin(&self) -> Option<String> {
        crate::config::origin_of(&self.config.base_url)
    }

    /// The methods the account offers for this amount, from the pre-request.
    pub async fn methods(
        &self,
        currency: Currency,
        amount: MinorUnits,
        locale: &str,
    ) -> Result<Vec<PaymentMethod>, AppError> {
        let api = PublicApi { base_url: &self.config.base_url, public_key: &self.config.public_key };
        let (status, body) = provider_http::send(&self.http, "paytone", api.prerequest(currency, amount)).await?;
        let pre: Prerequest = paytone::parse(status, &body)
            .map_err(|e| AppError::Provider(format!("paytone payment-prerequest: {e}")))?;
        Ok(paytone::methods(&pre, locale, self.api_origin().as_deref()))
    }

    /// Creates an invoice. The payer's fields refused by Paytone are a 400 with its words.
    pub async fn create_invoice(&self, r: &InvoiceRequest<'_>) -> Result<Created, AppError> {
        let (status, body) = provider_http::send(&self.http, "paytone", self.private().create_invoice(r)).await?;
        match paytone::parse::<Invoice>(status, &body) {
            Ok(invoice) => Ok(Created::Invoice(Box::new(invoice))),
            Err(PaytoneError::Validation(m)) if m.contains("reference_id") => Ok(Created::ReferenceTaken(m)),
            Err(PaytoneError::Validation(m)) => Err(AppError::Invalid(format!("fields: {m}"))),
            Err(e) => Err(AppError::Provider(format!("paytone create invoice: {e}"))),
        }
    }

    /// Reads an invoice.
    pub async fn invoice(&self, invoice_id: &str) -> Result<Invoice, AppError> {
        let (status, body) = provider_http::send(&self.http, "paytone", self.private().invoice(invoice_id)).await?;
        paytone::parse(status, &body).map_err(|e| AppError::Provider(format!("paytone invoice: {e}")))
    }

    /// The hosted page of an invoice.
    pub fn payer_url(&self, invoice: &paytone::Invoice) -> String {
        paytone::payer_url(&self.config.base_url, invoice)
    }
}

/// A Paytone invoice's amount (major units, a JSON number) in minor units of its currency
/// (the attempt's, `fallback`, when the invoice names none).
pub fn money_of(invoice: &InvoiceAttributes, fallback: Currency) -> ReportedMoney {
    let code = invoice.currency.clone().unwrap_or_else(|| fallback.code().to_owned());
    let currency = Currency::from_code(&code).unwrap_or(fallback);
    let amount = invoice.amount.as_ref()?;
    match tolem_core::money::minor_from_major(&amount.to_string(), currency) {
        Some(minor) => Some((minor.0, code)),
        // An amount that is not a whole number of minor units is no order's amount.
        None => Some((-1, code)),
    }
}

impl Paytone {
    /// The current try's hosted page: one invoice per try, made on the first `pay` (a double
    /// click or a second tab gets the same page). Choosing another method (or other field
    /// values) before the invoice was touched makes a new try with a new invoice; a try
    /// Paytone already settled is never offered again.
    async fn hosted_page(&self, app: &AppState, attempt: Attempt, req: &PayRequest) -> Result<String, AppError> {
        let (guard, mut attempt) = steps::with_attempt_lease(app, &attempt.attempt_id).await?;
        if let (Some(invoice_id), Some(url)) = (&attempt.provider_session_id, &attempt.checkout_url) {
            let invoice = self.invoice(invoice_id).await?;
            steps::refuse_if_settled(app, &attempt, PaymentStatus::from(invoice.attributes.status)).await?;
            let same_choice = attempt.details.method_id.as_deref() == Some(req.method_id.as_str())
                && attempt.details.fields == req.fields;
            if same_choice || invoice.attributes.status != InvoiceStatus::Created {
                return Ok(url.clone());
            }
            attempt = steps::new_try(app, &attempt).await?;
        }
        // Whether the previous create in this loop was refused for its reference.
        let mut refused_before = false;
        loop {
            let details = attempt.details.clone();
            let metadata = [
                ("tolem_attempt", attempt.attempt_id.as_str()),
                ("tolem_idempotency_key", attempt.idempotency_key.as_str()),
            ];
            let (_, payable_until) = steps::page_lifetime(app);
            guard.ensure_held().await?;
            let created = self
                .create_invoice(&InvoiceRequest {
                    reference_id: &attempt.provider_order_id,
                    amount: MinorUnits(attempt.amount),
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
                    let url = self.payer_url(&invoice);
                    let url = steps::store_page(app, &attempt, Some(&invoice.id), &url, Some(payable_until)).await?;
                    let mut details = attempt.details.clone();
                    details.method_id = Some(req.method_id.clone());
                    details.fields = req.fields.clone();
                    details.provider_updated = None;
                    app.store.set_details(&attempt.attempt_id, &details).await?;
                    return Ok(url);
                }
                Created::ReferenceTaken(words) => {
                    // A fresh reference refused as well: not a lost answer (a rule about the
                    // reference itself, say). Say Paytone's words instead of walking on.
                    if refused_before {
                        return Err(AppError::Provider(format!("Paytone refuses the reference_id: {words}")));
                    }
                    refused_before = true;
                    // Most likely an earlier create for this reference whose answer never
                    // reached us.
                    tracing::warn!(attempt = %attempt.attempt_id, "Paytone refused the reference_id ({words}); using the next try's");
                    attempt = match steps::after_reference_taken(app, &attempt).await? {
                        NextStep::Try(next) => *next,
                        NextStep::Page(url) => return Ok(url),
                    };
                }
            }
        }
    }

    /// What one invoice version in a callback says. A version older (`updated`) than the
    /// newest one seen for the current invoice is ignored, so callbacks out of order cannot
    /// undo news; a newer one's stamp is recorded before its news is applied (a retry of it
    /// has the same stamp, which still counts as news).
    async fn notice(&self, app: &AppState, invoice: &Invoice) -> Result<Notice, AppError> {
        let Some(reference) = invoice.attributes.reference_id.clone() else {
            return Ok(Notice::Ignored("no reference_id"));
        };
        let updated = invoice.attributes.updated;
        let Some((mut attempt, current_try)) = steps::attempt_for_reference(app, Provider::Paytone, &reference).await?
        else {
            tracing::info!(provider = "paytone", "notification for an unknown order");
            return Ok(Notice::Ignored("unknown order"));
        };
        if current_try && attempt.provider_session_id.as_deref() == Some(invoice.id.as_str()) {
            if !paytone::is_newer(updated, attempt.details.provider_updated) {
                return Ok(Notice::Ignored("older than the last callback"));
            }
            attempt.details.provider_updated = updated;
            app.store.set_details(&attempt.attempt_id, &attempt.details).await?;
        }
        let status = serde_json::to_value(invoice.attributes.status).unwrap_or_default();
        let receipt = format!("{}:{}:{}", invoice.id, status.as_str().unwrap_or("?"), updated.unwrap_or(0));
        let observed = Observation {
            status: PaymentStatus::from(invoice.attributes.status),
            money: money_of(&invoice.attributes, attempt.currency),
        };
        Ok(Notice::News(Box::new(News { attempt, current_try, reference, receipt, observed })))
    }
}

impl ProviderBackend for Paytone {
    fn provider(&self) -> Provider {
        Provider::Paytone
    }

    /// The hosted page is `{API base}/hpp/`.
    fn page_hosts(&self) -> Vec<String> {
        tolem_core::redirect::https_host(&self.config.base_url).into_iter().collect()
    }

    /// The methods the pre-request offers for the order's amount and currency; the public
    /// key goes to the browser.
    fn start<'a>(
        &'a self,
        app: &'a AppState,
        checkout: &'a Checkout,
    ) -> BoxFuture<'a, Result<StartResponse, AppError>> {
        Box::pin(async move {
            let locale = checkout.locale.as_deref().unwrap_or("ru");
            let methods = self.methods(checkout.order.currency, checkout.order.amount, locale).await?;
            if methods.is_empty() {
                return Err(AppError::Provider("paytone offers no method for this currency".into()));
            }
            let tokens = BrowserTokens { public_key: Some(self.config.public_key.clone()), ..BrowserTokens::default() };
            steps::start_hosted_page(app, checkout, methods, tokens).await
        })
    }

    fn page<'a>(
        &'a self,
        app: &'a AppState,
        attempt: Attempt,
        choice: &'a PayRequest,
    ) -> BoxFuture<'a, Result<Page, AppError>> {
        Box::pin(async move { Ok(Page::Redirect(self.hosted_page(app, attempt, choice).await?)) })
    }

    fn read<'a>(
        &'a self,
        _app: &'a AppState,
        attempt: &'a Attempt,
    ) -> BoxFuture<'a, Result<Option<Observation>, AppError>> {
        Box::pin(async move {
            let Some(invoice_id) = &attempt.provider_session_id else {
                return Ok(None);
            };
            let invoice = self.invoice(invoice_id).await?;
            Ok(Some(Observation {
                status: invoice.attributes.status.into(),
                money: money_of(&invoice.attributes, attempt.currency),
            }))
        })
    }

    /// `X-Signature` over the raw body; a batched callback carries several invoice versions,
    /// each read by [`Paytone::notice`].
    fn notifications<'a>(
        &'a self,
        app: &'a AppState,
        incoming: &'a Incoming,
    ) -> BoxFuture<'a, Result<Vec<Notice>, AppError>> {
        Box::pin(async move {
            let signature = incoming.headers.get("x-signature").and_then(|v| v.to_str().ok());
            let invoices =
                paytone::verify_callback(self.config.callback_secret.expose().as_bytes(), &incoming.body, signature)
                    .map_err(|e| AppError::BadSignature(e.to_string()))?;
            let mut notices = Vec::with_capacity(invoices.len());
            for invoice in &invoices {
                notices.push(self.notice(app, invoice).await?);
            }
            Ok(notices)
        })
    }
}
