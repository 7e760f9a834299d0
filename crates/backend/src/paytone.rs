//! Talks to Paytone (Corefy Commerce): the pre-request for methods (Public API), invoices
//! through the Private API. Requests, parsing and signatures come from
//! `tolem_core::providers::paytone`.

use std::time::Duration;

use tolem_core::api::PaymentMethod;
use tolem_core::money::{Currency, MinorUnits};
use tolem_core::providers::paytone::{self, Invoice, InvoiceRequest, PaytoneError, Prerequest, PrivateApi, PublicApi};

use crate::config::PaytoneConfig;
use crate::error::AppError;
use crate::provider_http;

/// A Paytone client.
pub struct PaytoneClient {
    /// Settings (with the secret).
    pub config: PaytoneConfig,
    http: reqwest::Client,
}

/// What creating an invoice came to.
#[derive(Debug)]
pub enum Created {
    /// The invoice.
    Invoice(Box<Invoice>),
    /// This `reference_id` is taken (an earlier create whose answer was lost): use the
    /// next try's reference.
    ReferenceTaken,
}

impl PaytoneClient {
    /// A client with a per-request timeout.
    pub fn new(config: PaytoneConfig, timeout: Duration) -> Self {
        PaytoneClient { config, http: provider_http::client(timeout) }
    }

    fn private(&self) -> PrivateApi<'_> {
        PrivateApi { base_url: &self.config.base_url, secret: self.config.secret.expose(), auth: &self.config.auth }
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
            Err(PaytoneError::Validation(m)) if m.contains("reference_id") => Ok(Created::ReferenceTaken),
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
