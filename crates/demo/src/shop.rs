//! The demo's shop server: what a merchant's own server does before its checkout page mounts
//! the widget. The storefront says which products are in the cart; this route prices them from
//! its own catalogue, names the signed-in shopper, and asks the backend for a checkout session
//! with the merchant key (one authenticated `POST {backend}/sessions`). The page gets only the
//! session's client secret and the total to show; the key never leaves this process.
//!
//! `POST /shop/checkout` with `{"orderId", "items": [{"productId", "quantity"}], "returnUrl",
//! "providers"?}` answers `{"clientSecret", "orderId", "amount", "currency"}`, or the backend's
//! JSON error with its status. Nothing the browser sends is a price. Pages the shop renders
//! itself get the secret written in instead (`/embed/element.html`'s `client-secret`
//! attribute, see `embed.rs`), which is the other way shops do it.
//!
//! `POST /shop/notifications` is the shop's endpoint for the backend's notifications
//! (`TOLEM_NOTIFY_URL`): each is checked against its signature before it is believed, and
//! `GET /shop/notifications` shows the ones taken.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use tolem_core::api::{CustomerInfo, OrderInfo, OrderItem, SessionRequest, SessionResponse};
use tolem_core::money::{Currency, MinorUnits};
use tolem_core::notify::{verify, ShopNotification, DEFAULT_TOLERANCE_SECONDS, SIGNATURE_HEADER};
use tolem_core::providers::Provider;

/// The shop's catalogue: (product id, name, price in tiyn). The same products, at the same
/// prices, as the sandbox's OneEntry project, so OneEntry's own pricing agrees with the shop's.
pub const CATALOGUE: [(i64, &str, i64); 2] = [(1, "Almaty apple tea, 1 kg", 1_500_000), (2, "Cosmo", 15_000)];

/// The most of one product a cart may hold.
const MAX_QUANTITY: i64 = 1_000;

/// The signed-in shopper of the demo shop: `u-42`, or the one the page names (a real shop
/// takes them from its own login; the demo lets a page choose, so that tests which save cards
/// have shoppers of their own).
fn shopper(id: Option<&str>) -> Result<CustomerInfo, String> {
    let id = id.unwrap_or("u-42");
    let fits =
        (1..=32).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !fits {
        return Err("shopper: 1 to 32 of a-z, 0-9 and -".to_owned());
    }
    Ok(CustomerInfo {
        id: Some(id.to_owned()),
        email: Some("shopper@example.kz".to_owned()),
        phone: Some("+77010000000".to_owned()),
    })
}

/// What the shop server needs: where the backend is and the merchant key.
pub struct Shop {
    /// The demo's origin (`http://127.0.0.1:PORT`), for return URLs of pages it renders.
    pub origin: String,
    /// `{origin}/api/checkout/sessions`
    pub sessions_url: String,
    /// The merchant key (`Authorization: Bearer …`).
    pub merchant_key: String,
    /// The HTTP client.
    pub http: reqwest::Client,
    /// The secret the backend signs its notifications with.
    pub notify_secret: String,
    /// The notifications taken, newest last (at most [`KEPT_NOTIFICATIONS`]).
    pub notifications: std::sync::Mutex<std::collections::VecDeque<ShopNotification>>,
}

/// How many notifications the demo shop keeps to show.
pub const KEPT_NOTIFICATIONS: usize = 200;

/// `POST /shop/notifications`: what a shop's endpoint does with the backend's notification.
/// It checks the signature over the raw body (and the timestamp, against replays) before it
/// believes anything, takes each `id` once, and answers 204. A real shop would mark its order
/// paid here; the demo keeps the last few to show at `GET /shop/notifications`.
pub async fn notification(State(shop): State<Arc<Shop>>, headers: HeaderMap, body: Bytes) -> Response {
    let signature = headers.get(SIGNATURE_HEADER).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    if let Err(e) = verify(shop.notify_secret.as_bytes(), signature, &body, now, DEFAULT_TOLERANCE_SECONDS) {
        tracing::warn!(error = %e, "shop: a notification was refused");
        return refuse(StatusCode::UNAUTHORIZED, "BAD_SIGNATURE", &e.to_string());
    }
    let Ok(notification) = serde_json::from_slice::<ShopNotification>(&body) else {
        return refuse(StatusCode::BAD_REQUEST, "INVALID_REQUEST", "not a notification");
    };
    tracing::info!(order = %notification.order_id, status = notification.status.as_str(), "shop: notified");
    if let Ok(mut kept) = shop.notifications.lock() {
        if !kept.iter().any(|n| n.id == notification.id) {
            kept.push_back(notification);
            while kept.len() > KEPT_NOTIFICATIONS {
                kept.pop_front();
            }
        }
    }
    StatusCode::NO_CONTENT.into_response()
}

/// `GET /shop/notifications`: the notifications the demo shop took, newest first.
pub async fn notifications(State(shop): State<Arc<Shop>>) -> Response {
    let kept: Vec<ShopNotification> =
        shop.notifications.lock().map(|k| k.iter().rev().cloned().collect()).unwrap_or_default();
    Json(serde_json::json!({ "notifications": kept })).into_response()
}

/// What the shop's page says about the cart: no prices.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Cart {
    /// The shop's order id.
    pub order_id: String,
    /// What is in the cart (default: one tea).
    #[serde(default)]
    pub items: Vec<OrderItem>,
    /// The checkout page the shopper comes back to.
    pub return_url: String,
    /// Only these providers, if given.
    #[serde(default)]
    pub providers: Vec<Provider>,
    /// Who is signed in (default `u-42`).
    #[serde(default)]
    pub shopper: Option<String>,
}

/// A checkout session for a cart: the client secret for the page, and the order as priced.
pub struct CartSession {
    /// `cs_…_secret_…`
    pub client_secret: String,
    /// The order the session is for.
    pub order: OrderInfo,
}

fn refuse(status: StatusCode, code: &str, message: &str) -> Response {
    (status, Json(serde_json::json!({"error": {"code": code, "message": message}}))).into_response()
}

/// The cart priced from the catalogue: the order the session is made for.
fn priced(cart: &Cart) -> Result<OrderInfo, String> {
    let items = match cart.items.is_empty() {
        true => vec![OrderItem { product_id: 1, quantity: 1 }],
        false => cart.items.clone(),
    };
    let mut amount: i64 = 0;
    let mut names = Vec::new();
    for item in &items {
        let (_, name, price) = CATALOGUE
            .iter()
            .find(|(id, _, _)| *id == item.product_id)
            .ok_or_else(|| format!("no product {}", item.product_id))?;
        if !(1..=MAX_QUANTITY).contains(&item.quantity) {
            return Err(format!("quantity must be 1 to {MAX_QUANTITY}"));
        }
        amount = amount.saturating_add(price.saturating_mul(item.quantity));
        names.push(format!("{name} × {}", item.quantity));
    }
    Ok(OrderInfo {
        id: cart.order_id.clone(),
        amount: MinorUnits(amount),
        currency: Currency::Kzt,
        description: Some(names.join(", ")),
        items,
    })
}

impl Shop {
    /// Prices the cart and asks the backend for its checkout session.
    ///
    /// # Errors
    /// A JSON error response: the cart's own (400), or the backend's, with its status.
    pub async fn session(&self, cart: Cart) -> Result<CartSession, Response> {
        let order = priced(&cart).map_err(|e| refuse(StatusCode::BAD_REQUEST, "INVALID_REQUEST", &e))?;
        let customer =
            shopper(cart.shopper.as_deref()).map_err(|e| refuse(StatusCode::BAD_REQUEST, "INVALID_REQUEST", &e))?;
        let request = SessionRequest {
            order: order.clone(),
            customer,
            providers: cart.providers,
            return_url: cart.return_url,
            expires_in_seconds: None,
        };
        let body = serde_json::to_vec(&request)
            .map_err(|e| refuse(StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL", &e.to_string()))?;
        let answer = self
            .http
            .post(&self.sessions_url)
            .header(header::AUTHORIZATION, format!("Bearer {}", self.merchant_key))
            .header(header::CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await
            .map_err(|e| refuse(StatusCode::BAD_GATEWAY, "BACKEND_ERROR", &format!("the backend: {e}")))?;
        let status = StatusCode::from_u16(answer.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
        let bytes = answer.bytes().await.unwrap_or_default();
        if !status.is_success() {
            // The backend's own JSON error, as it said it.
            return Err((status, [(header::CONTENT_TYPE, "application/json")], bytes).into_response());
        }
        let session: SessionResponse = serde_json::from_slice(&bytes).map_err(|e| {
            refuse(StatusCode::BAD_GATEWAY, "BACKEND_ERROR", &format!("the backend's session answer: {e}"))
        })?;
        Ok(CartSession { client_secret: session.client_secret, order })
    }
}

/// Prices the demo cart and makes its checkout session.
pub async fn checkout(State(shop): State<Arc<Shop>>, body: Bytes) -> Response {
    let cart: Cart = match serde_json::from_slice(&body) {
        Ok(c) => c,
        Err(e) => return refuse(StatusCode::BAD_REQUEST, "INVALID_REQUEST", &e.to_string()),
    };
    match shop.session(cart).await {
        Ok(CartSession { client_secret, order }) => Json(serde_json::json!({
            "clientSecret": client_secret,
            "orderId": order.id,
            "amount": order.amount.0,
            "currency": order.currency.code(),
            // Where this shop's sandbox is, for the widget's `sandboxUrl`: a page served from
            // elsewhere (`trunk serve`, a shop's own dev server) gets the demo's, not its own.
            "sandboxUrl": format!("{}/sandbox", shop.origin),
        }))
        .into_response(),
        Err(refused) => refused,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn cart(items: &str) -> Cart {
        serde_json::from_str(&format!(r#"{{"orderId":"A-1","returnUrl":"http://x/","items":{items}}}"#)).unwrap()
    }

    #[test]
    fn the_shop_prices_the_cart_itself() {
        assert_eq!(priced(&cart("[]")).map(|o| o.amount), Ok(MinorUnits(1_500_000)), "one tea by default");
        assert_eq!(
            priced(&cart(r#"[{"productId":1,"quantity":2},{"productId":2,"quantity":3}]"#)).map(|o| o.amount),
            Ok(MinorUnits(3_045_000))
        );
        assert!(priced(&cart(r#"[{"productId":9,"quantity":1}]"#)).is_err());
        assert!(priced(&cart(r#"[{"productId":1,"quantity":0}]"#)).is_err());
        assert!(priced(&cart(r#"[{"productId":1,"quantity":1001}]"#)).is_err());
        let priced_by_browser = r#"{"orderId":"A-1","returnUrl":"http://x/","amount":100}"#;
        assert!(serde_json::from_str::<Cart>(priced_by_browser).is_err(), "no amount from the browser");
    }
}
