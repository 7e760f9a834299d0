//! Talks to Bereke's RBS gateway: register an order for a payment try, read its status,
//! capture or release a hold. Requests and parsing come from `tolem_core::providers::bereke`.

use std::time::Duration;

use serde::de::DeserializeOwned;
use tolem_core::providers::bereke::{
    self, HasErrorCode, OrderRef, RbsError, RbsOrderStatusExtended, RbsRegisterRequest, RbsRegisterResponse, RbsServer,
    RbsSimpleResponse,
};

use crate::config::BerekeConfig;
use crate::error::AppError;
use crate::provider_http;

/// An RBS client.
pub struct BerekeClient {
    /// Settings (with the secrets).
    pub config: BerekeConfig,
    http: reqwest::Client,
}

/// A registered order: the gateway's id and its hosted page.
#[derive(Clone, Debug)]
pub struct Registered {
    /// `mdOrder`.
    pub order_id: String,
    /// `formUrl`.
    pub form_url: String,
}

impl BerekeClient {
    /// A client with a per-request timeout.
    pub fn new(config: BerekeConfig, timeout: Duration) -> Self {
        BerekeClient { config, http: provider_http::client(timeout) }
    }

    fn server(&self) -> RbsServer<'_> {
        RbsServer {
            base_url: &self.config.base_url,
            user_name: &self.config.user_name,
            password: self.config.password.expose(),
        }
    }

    async fn call<T: DeserializeOwned + HasErrorCode>(
        &self,
        req: tolem_core::http::HttpRequest,
    ) -> Result<Result<T, RbsError>, AppError> {
        let (status, body) = provider_http::send(&self.http, "bereke", req).await?;
        Ok(bereke::parse(status, &body))
    }

    /// `register.do` (or `registerPreAuth.do` in two-stage mode). `Ok(None)` when the order
    /// number was already used (errorCode 1).
    pub async fn register(&self, r: &RbsRegisterRequest<'_>) -> Result<Option<Registered>, AppError> {
        let answer: Result<RbsRegisterResponse, RbsError> =
            self.call(self.server().register(r, self.config.two_stage)).await?;
        match answer {
            Ok(RbsRegisterResponse { order_id: Some(order_id), form_url: Some(form_url), .. }) => {
                Ok(Some(Registered { order_id, form_url }))
            }
            Ok(_) => Err(AppError::Provider("bereke register.do: answer without orderId/formUrl".into())),
            Err(e) if e.is_order_number_used() => Ok(None),
            Err(e) => Err(AppError::Provider(format!("bereke register.do: {e}"))),
        }
    }

    /// `getOrderStatusExtended.do`. `Ok(None)` for an unknown order (errorCode 6).
    pub async fn status(&self, order: OrderRef<'_>) -> Result<Option<RbsOrderStatusExtended>, AppError> {
        match self.call(self.server().order_status_extended(order)).await? {
            Ok(s) => Ok(Some(s)),
            Err(e) if e.is_unknown_order() => Ok(None),
            Err(e) => Err(AppError::Provider(format!("bereke getOrderStatusExtended.do: {e}"))),
        }
    }

    /// `decline.do`: closes a registered order nobody has paid (the shopper switched to
    /// another provider). `Ok(false)` when the gateway refuses (the order is no longer unpaid:
    /// read its status to learn why).
    pub async fn decline(&self, md_order: &str) -> Result<bool, AppError> {
        let answer: Result<RbsSimpleResponse, RbsError> = self.call(self.server().decline(md_order)).await?;
        match answer {
            Ok(_) => Ok(true),
            // 5: our credentials are refused; any other code: the order's state forbids it.
            Err(RbsError::Code { code }) if code != "5" => Ok(false),
            Err(e) => Err(AppError::Provider(format!("bereke decline.do: {e}"))),
        }
    }

    /// `deposit.do` (whole held amount) when `capture`, else `reverse.do`.
    pub async fn settle_hold(&self, md_order: &str, capture: bool) -> Result<(), AppError> {
        let req = if capture { self.server().deposit(md_order, 0) } else { self.server().reverse(md_order) };
        let answer: Result<RbsSimpleResponse, RbsError> = self.call(req).await?;
        answer.map(|_| ()).map_err(|e| AppError::Conflict(format!("Bereke refused: {e}")))
    }
}
