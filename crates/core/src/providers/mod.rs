//! Provider adapters. One provider = `<name>.rs` (requests, parsing, status mapping,
//! signatures) + `<name>/transformers.rs` (its wire types).

use serde::{Deserialize, Serialize};

pub mod bereke;
pub mod ecommpay;
pub mod ioka;
pub mod oneentry;
pub mod paytone;

/// The five providers Tolem speaks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    /// ioka (Kazakhstan), API v2.
    Ioka,
    /// Bereke Bank, RBS gateway.
    Bereke,
    /// ECommPay Payment Page.
    Ecommpay,
    /// Paytone Checkout (Corefy platform).
    Paytone,
    /// OneEntry Payments.
    Oneentry,
}

impl<'de> Deserialize<'de> for Provider {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        crate::wire::by_name(deserializer, Provider::from_wire, "provider")
    }
}

impl Provider {
    /// All providers.
    pub const ALL: [Provider; 5] =
        [Provider::Ioka, Provider::Bereke, Provider::Ecommpay, Provider::Paytone, Provider::Oneentry];

    /// The wire name (`"ioka"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Ioka => "ioka",
            Provider::Bereke => "bereke",
            Provider::Ecommpay => "ecommpay",
            Provider::Paytone => "paytone",
            Provider::Oneentry => "oneentry",
        }
    }

    /// Parses a wire name.
    pub fn from_wire(s: &str) -> Option<Provider> {
        Provider::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// Hosts of the provider's hosted payment pages that a shopper may be sent to (live and
    /// test), each from a public source (docs/providers.md, "Hosts the shopper is sent to").
    /// A deployment adds the hosts of its configured provider URLs and its own
    /// (`redirectHosts`, `TOLEM_REDIRECT_HOSTS`); the sandbox origin is added by configuration.
    pub fn redirect_hosts(self) -> &'static [&'static str] {
        match self {
            // ioka's OpenAPI example answers `checkout_url` on `stage-checkout.ioka.kz` (test);
            // live is `checkout.ioka.kz` (a public ioka client).
            Provider::Ioka => &["checkout.ioka.kz", "stage-checkout.ioka.kz"],
            // RBS answers `formUrl` on its API host: `securepayments.berekebank.kz` (live, as
            // public Bereke clients configure it) and `3dsec.berekebank.kz` (Bereke's test
            // gateway, in its redirect integration guide).
            Provider::Bereke => &["securepayments.berekebank.kz", "3dsec.berekebank.kz"],
            // ECommPay's SDKs: `https://paymentpage.ecommpay.com/payment`.
            Provider::Ecommpay => &["paymentpage.ecommpay.com"],
            // Corefy's hosted page is `{BASE COM API URL}/hpp/`; `com.paycore.io` is Corefy's
            // default base. Paytone's own host comes with the account (configured).
            Provider::Paytone => &["com.paycore.io"],
            // OneEntry's `paymentUrl` is its payment account's page: Stripe Checkout and PayPal
            // (live and sandbox). Other accounts add their hosts.
            Provider::Oneentry => &["checkout.stripe.com", "www.paypal.com", "www.sandbox.paypal.com"],
        }
    }
}

/// The provider-side reference for a merchant order's `try_number`-th payment try (RBS
/// `orderNumber`, ECommPay `payment_id`): the order id itself first, then `{order id}~{n}`.
/// `~` never appears in order ids, so two orders' references cannot collide; a provider
/// that refuses a reused reference therefore refuses only a real duplicate.
pub fn try_reference(order_id: &str, try_number: u32) -> String {
    if try_number <= 1 {
        order_id.to_owned()
    } else {
        format!("{order_id}~{try_number}")
    }
}
