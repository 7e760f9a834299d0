//! Talks to ECommPay: signs Payment Page URLs, reads payments from the Gate, captures or
//! cancels holds. Signing and parsing come from `tolem_core::providers::ecommpay`.

use std::time::Duration;

use tolem_core::providers::ecommpay::{self, Gate, GateAnswer, PaymentPage, PaymentPageRequest};
use tolem_core::status::PaymentStatus;

use crate::config::EcommpayConfig;
use crate::error::AppError;
use crate::provider_http;
use crate::routes::ReportedMoney;

/// An ECommPay client.
pub struct EcommpayClient {
    /// Settings (with the secret).
    pub config: EcommpayConfig,
    http: reqwest::Client,
}

impl EcommpayClient {
    /// A client with a per-request timeout.
    pub fn new(config: EcommpayConfig, timeout: Duration) -> Self {
        EcommpayClient { config, http: provider_http::client(timeout) }
    }

    fn gate(&self) -> Gate<'_> {
        Gate {
            base_url: &self.config.gate_url,
            project_id: self.config.project_id,
            secret: self.config.secret.expose().as_bytes(),
        }
    }

    /// The signed Payment Page URL (no request is made).
    pub fn payment_page_url(&self, r: &PaymentPageRequest<'_>) -> String {
        PaymentPage {
            url: &self.config.payment_page_url,
            project_id: self.config.project_id,
            secret: self.config.secret.expose().as_bytes(),
        }
        .url(r)
    }

    /// The payment's status from the Gate; `None` when the Gate does not know it yet (the
    /// shopper has not submitted the page).
    pub async fn status(&self, payment_id: &str) -> Result<Option<PaymentStatus>, AppError> {
        Ok(self.payment(payment_id).await?.map(|(status, _)| status))
    }

    /// The payment's status and its sum (minor units, currency) from the Gate; `None` when
    /// the Gate does not know it yet.
    pub async fn payment(&self, payment_id: &str) -> Result<Option<(PaymentStatus, ReportedMoney)>, AppError> {
        let (status, body) =
            provider_http::send(&self.http, "ecommpay", self.gate().payment_status(payment_id)).await?;
        match ecommpay::parse_status_answer(status, &body, self.config.secret.expose().as_bytes()) {
            Ok(GateAnswer::Payment(p)) => {
                let sum = p.payment.as_ref().and_then(|pay| pay.amount()).map(|s| (s.amount, s.currency));
                Ok(Some((ecommpay::callback_status(&p), sum)))
            }
            Ok(GateAnswer::NotFound) => Ok(None),
            Ok(GateAnswer::Accepted) => Err(AppError::Provider("ecommpay status: unexpected answer".into())),
            Err(e) => Err(AppError::Provider(format!("ecommpay status: {e}"))),
        }
    }

    /// Captures (`capture`) or cancels a held payment.
    pub async fn settle_hold(
        &self,
        payment_id: &str,
        capture: bool,
        amount: i64,
        currency: &str,
    ) -> Result<(), AppError> {
        let req = self.gate().settle_hold(payment_id, capture, amount, currency);
        let (status, body) = provider_http::send(&self.http, "ecommpay", req).await?;
        ecommpay::parse_settle_answer(status, &body)
            .map(|_| ())
            .map_err(|e| AppError::Conflict(format!("ECommPay refused: {e}")))
    }
}
