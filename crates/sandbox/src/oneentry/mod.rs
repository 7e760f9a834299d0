//! OneEntry emulator, mounted at `/oneentry` (docs/providers.md): the content API of a
//! project with users who sign in by email, an `orders` storage whose orders are priced from
//! the project's own products (`totalSum` is computed here, never taken from the client),
//! payment accounts, payment sessions and a hosted payment page behind `paymentUrl`.
//!
//! * Every request needs the project's `x-app-token` (else 403); per-user calls a Bearer
//!   access token (else 401 — clients refresh once and retry once).
//! * `POST /api/content/users-auth-providers/marker/email/users/{auth,refresh,logout}`.
//! * `GET /api/content/orders-storage`, `POST|GET …/orders-storage/marker/{marker}/orders[/{id}]`.
//! * `GET /api/content/payments/accounts[/{id}]`, `POST /api/content/payments/sessions`,
//!   `GET /api/content/payments/sessions/order/{orderId}` (an array), `GET …/sessions/{id}`.
//! * `paymentUrl`: at once for `stripe`, only from the second read on for `paypal` (as the
//!   vendor describes PayPal), never for `cash`.
//! * `GET /checkout/{sessionId}`: the hosted page (Pay / Decline / Cancel), then the
//!   account's `successUrl` / `cancelUrl`.
//! * `POST /_control/tokens/expire`: every access token issued so far stops working;
//!   `GET /_control/refreshes`: how many refreshes were made.
//!
//! Errors are OneEntry's `{statusCode, message, pageData, timestamp}`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::ids::{ioka_now, now_ms, secret_hex};
use crate::store::StoreError;
use crate::{Answer, Sandbox};

mod hosted;
pub use hosted::TEST_CARDS;

const PROVIDER: &str = "oneentry";
pub(crate) const ORDER: &str = "oe_order";
pub(crate) const SESSION: &str = "oe_session";
const ACCESS: &str = "oe_access";
const REFRESH: &str = "oe_refresh";

/// The project's products: (id, title, price in minor units).
pub const PRODUCTS: [(i64, &str, i64); 2] = [(1, "Almaty apple tea, 1 kg", 1_500_000), (2, "Cosmo", 15_000)];

/// The payment accounts: (id, identifier, type, title).
const ACCOUNTS: [(i64, &str, &str, &str); 3] =
    [(1, "stripe", "stripe", "Card (Stripe)"), (2, "paypal", "custom", "PayPal"), (3, "cash", "custom", "Cash")];

pub fn router(sb: Arc<Sandbox>) -> Router<Arc<Sandbox>> {
    let content = Router::new()
        .route("/users-auth-providers/marker/{marker}/users/{action}", post(auth))
        .route("/orders-storage", get(storages))
        .route("/orders-storage/marker/{marker}/orders", post(create_order))
        .route("/orders-storage/marker/{marker}/orders/{id}", get(get_order))
        .route("/payments/accounts", get(accounts))
        .route("/payments/accounts/{id}", get(account))
        .route("/payments/sessions", post(create_session))
        .route("/payments/sessions/order/{order_id}", get(sessions_by_order))
        .route("/payments/sessions/{id}", get(session));
    Router::new()
        .nest("/api/content", content.layer(middleware::from_fn_with_state(sb.clone(), app_token)))
        .route("/checkout/{session}", get(hosted::page).post(hosted::submit))
        .route("/_control/tokens/expire", post(expire_tokens))
        .route("/_control/refreshes", get(refreshes))
        .layer(middleware::from_fn_with_state(sb, faults))
}

async fn faults(State(sb): State<Arc<Sandbox>>, req: Request, next: Next) -> Response {
    crate::control::apply_http_fault(&sb, PROVIDER, req, next, |status| error(status, "Injected fault")).await
}

/// OneEntry's error body.
pub(crate) fn error(status: StatusCode, message: &str) -> Response {
    let body = json!({"statusCode": status.as_u16(), "message": message, "pageData": null, "timestamp": format!("{}Z", &ioka_now()[..23])});
    (status, Json(body)).into_response()
}

pub(crate) fn store_failed(e: &StoreError) -> Response {
    tracing::error!(error = %e, "sandbox store");
    error(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error")
}

/// Every content request carries the project's app token.
async fn app_token(State(sb): State<Arc<Sandbox>>, req: Request, next: Next) -> Response {
    let given = req.headers().get("x-app-token").and_then(|v| v.to_str().ok());
    if given != Some(sb.config.oneentry.app_token.as_str()) {
        return error(StatusCode::FORBIDDEN, "Invalid app token");
    }
    next.run(req).await
}

/// The signed-in user of a request: `Err(401)` without a live access token.
fn user(sb: &Sandbox, headers: &HeaderMap) -> Result<String, Response> {
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    match sb.store.get(ACCESS, token) {
        Ok(Some(t)) if t["live"] == true => Ok(t["user"].as_str().unwrap_or_default().to_owned()),
        Ok(_) => Err(error(StatusCode::UNAUTHORIZED, "Unauthorized")),
        Err(e) => Err(store_failed(&e)),
    }
}

fn issue_tokens(sb: &Sandbox, user: &str) -> Result<Value, Response> {
    let (access, refresh) = (format!("oe_at_{}", secret_hex()), format!("oe_rt_{}", secret_hex()));
    sb.store.insert(ACCESS, &access, None, None, &json!({"user": user, "live": true})).map_err(|e| store_failed(&e))?;
    sb.store
        .insert(REFRESH, &refresh, None, None, &json!({"user": user, "used": false}))
        .map_err(|e| store_failed(&e))?;
    Ok(
        json!({"userIdentifier": user, "authProviderIdentifier": "email", "accessToken": access, "refreshToken": refresh}),
    )
}

async fn auth(State(sb): State<Arc<Sandbox>>, Path((marker, action)): Path<(String, String)>, body: Bytes) -> Response {
    if marker != "email" {
        return error(StatusCode::NOT_FOUND, "Auth provider not found");
    }
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return error(StatusCode::BAD_REQUEST, "Body must be JSON");
    };
    match action.as_str() {
        "auth" => {
            let field = |m: &str| {
                body["authData"].as_array().and_then(|items| {
                    items.iter().find(|i| i["marker"] == m).and_then(|i| i["value"].as_str()).map(str::to_owned)
                })
            };
            let (Some(email), Some(password)) = (field("email_reg"), field("password_reg")) else {
                return error(StatusCode::BAD_REQUEST, "authData must carry email_reg and password_reg");
            };
            let known = sb.config.oneentry.users.iter().any(|(e, p)| e.eq_ignore_ascii_case(&email) && *p == password);
            if !known {
                return error(StatusCode::UNAUTHORIZED, "Invalid email or password");
            }
            match issue_tokens(&sb, &email.to_ascii_lowercase()) {
                Ok(tokens) => Json(tokens).into_response(),
                Err(r) => r,
            }
        }
        "refresh" => {
            let token = body["refreshToken"].as_str().unwrap_or_default().to_owned();
            let user = match sb.store.get(REFRESH, &token) {
                Ok(Some(r)) if r["used"] == false => r["user"].as_str().unwrap_or_default().to_owned(),
                Ok(_) => return error(StatusCode::UNAUTHORIZED, "Invalid refresh token"),
                Err(e) => return store_failed(&e),
            };
            // A refresh token works once.
            if let Err(e) = sb.store.update(REFRESH, &token, &json!({"user": user, "used": true})) {
                return store_failed(&e);
            }
            match issue_tokens(&sb, &user) {
                Ok(tokens) => Json(tokens).into_response(),
                Err(r) => r,
            }
        }
        "logout" => Json(json!(true)).into_response(),
        _ => error(StatusCode::NOT_FOUND, "Not found"),
    }
}

async fn storages(State(sb): State<Arc<Sandbox>>) -> Response {
    let accounts: Vec<Value> = ACCOUNTS.iter().map(|a| json!({"identifier": a.1})).collect();
    Json(json!([{
        "id": 1, "identifier": sb.config.oneentry.storage_marker, "formIdentifier": "orderForm",
        "paymentAccountIdentifiers": accounts, "localizeInfos": {"title": "Orders"}, "position": 1, "generalTypeId": 21,
    }]))
    .into_response()
}

fn account_json(sb: &Sandbox, a: &(i64, &str, &str, &str)) -> Value {
    let back = &sb.config.oneentry.return_url;
    let mut v = json!({
        "id": a.0, "identifier": a.1, "type": a.2, "isVisible": true, "isUsed": true, "testMode": true,
        "settings": {"status": "active"}, "localizeInfos": {"en_US": {"title": a.3}}, "updatedDate": "2026-01-01T00:00:00.000Z",
    });
    if a.1 != "cash" {
        v["testSettings"] = json!({"successUrl": back, "cancelUrl": back});
    }
    v
}

async fn accounts(State(sb): State<Arc<Sandbox>>) -> Response {
    Json(Value::Array(ACCOUNTS.iter().map(|a| account_json(&sb, a)).collect())).into_response()
}

async fn account(State(sb): State<Arc<Sandbox>>, Path(id): Path<i64>) -> Response {
    match ACCOUNTS.iter().find(|a| a.0 == id) {
        Some(a) => Json(account_json(&sb, a)).into_response(),
        None => error(StatusCode::NOT_FOUND, "Payment account not found"),
    }
}

/// `300.00`-style text of minor units.
fn major_text(minor: i64) -> String {
    format!("{}.{:02}", minor / 100, minor % 100)
}

/// A numeric id that is free for `kind`.
fn next_id(sb: &Sandbox, kind: &str) -> Result<i64, StoreError> {
    Ok(i64::try_from(sb.store.list(kind, None, None)?.len()).unwrap_or(0) + 100)
}

fn insert_numbered(sb: &Sandbox, kind: &str, parent: Option<&str>, mut doc: Value) -> Result<Value, StoreError> {
    for _ in 0..20 {
        let id = next_id(sb, kind)?;
        doc["id"] = json!(id);
        match sb.store.insert(kind, &id.to_string(), parent, None, &doc) {
            Ok(()) => return Ok(doc),
            Err(StoreError::Duplicate) => continue,
            Err(e) => return Err(e),
        }
    }
    Err(StoreError::Duplicate)
}

async fn create_order(
    State(sb): State<Arc<Sandbox>>,
    Path(marker): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let user = user(&sb, &headers)?;
    if marker != sb.config.oneentry.storage_marker {
        return Err(error(StatusCode::NOT_FOUND, "Orders storage not found"));
    }
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return Err(error(StatusCode::BAD_REQUEST, "Body must be JSON"));
    };
    if body["formIdentifier"] != "orderForm" {
        return Err(error(StatusCode::BAD_REQUEST, "formIdentifier: form not found"));
    }
    let account = body["paymentAccountIdentifier"].as_str().unwrap_or_default();
    if !ACCOUNTS.iter().any(|a| a.1 == account) {
        return Err(error(StatusCode::BAD_REQUEST, "paymentAccountIdentifier: payment account not found"));
    }
    let mut total = 0i64;
    let mut lines = Vec::new();
    for line in body["products"].as_array().map(Vec::as_slice).unwrap_or_default() {
        let (Some(id), Some(quantity)) = (line["productId"].as_i64(), line["quantity"].as_i64()) else {
            return Err(error(StatusCode::BAD_REQUEST, "products: productId and quantity are required"));
        };
        let Some(product) = PRODUCTS.iter().find(|p| p.0 == id) else {
            return Err(error(StatusCode::BAD_REQUEST, &format!("products: product {id} not found")));
        };
        if quantity < 1 {
            return Err(error(StatusCode::BAD_REQUEST, "products: quantity must be at least 1"));
        }
        total = total.saturating_add(product.2.saturating_mul(quantity));
        lines.push(json!({"id": product.0, "title": product.1, "sku": null, "previewImage": null,
                          "price": product.2 / 100, "quantity": quantity, "isGift": false}));
    }
    if lines.is_empty() {
        return Err(error(StatusCode::BAD_REQUEST, "products: at least one product is required"));
    }
    // `formData` arrives as {"<langCode>": [...]}; the order keeps the entries.
    let form_data: Vec<Value> = body["formData"]
        .as_object()
        .and_then(|m| m.values().next())
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let doc = json!({
        "user": user, "storageId": 1, "createdDate": format!("{}Z", &ioka_now()[..23]),
        "statusIdentifier": "inProgress", "formIdentifier": "orderForm", "formData": form_data,
        "total_minor": total, "currency": "", "paymentAccountIdentifier": account,
        "paymentAccountLocalizeInfos": {"title": ACCOUNTS.iter().find(|a| a.1 == account).map(|a| a.3)},
        "products": lines, "isCompleted": null,
    });
    let order = insert_numbered(&sb, ORDER, Some(&user), doc).map_err(|e| store_failed(&e))?;
    // A PayPal account opens the order's session by itself.
    if account == "paypal" {
        new_session(&sb, &order, "session", OWN_SESSION_AFTER_MS).map_err(|e| store_failed(&e))?;
    }
    let created = json!({
        "id": order["id"], "formIdentifier": "orderForm", "paymentAccountIdentifier": account,
        "formData": order["formData"], "products": body["products"], "currency": "",
        "totalSum": serde_json::from_str::<Value>(&major_text(total)).unwrap_or(Value::Null),
        "createdDate": order["createdDate"], "statusIdentifier": "inProgress",
    });
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

/// An order of this user.
fn owned_order(sb: &Sandbox, user: &str, id: i64) -> Result<Value, Response> {
    match sb.store.get(ORDER, &id.to_string()) {
        Ok(Some(o)) if o["user"] == user => Ok(o),
        Ok(_) => Err(error(StatusCode::NOT_FOUND, "Order not found")),
        Err(e) => Err(store_failed(&e)),
    }
}

async fn get_order(
    State(sb): State<Arc<Sandbox>>,
    Path((_marker, id)): Path<(String, i64)>,
    headers: HeaderMap,
) -> Answer {
    let user = user(&sb, &headers)?;
    let order = owned_order(&sb, &user, id)?;
    let sessions = sb.store.list(SESSION, None, Some(&id.to_string())).unwrap_or_default();
    let payment_url = sessions.last().and_then(|s| s["paymentUrl"].as_str().map(str::to_owned));
    let mut out = order.clone();
    if let Some(map) = out.as_object_mut() {
        map.remove("user");
        map.remove("total_minor");
        map.insert("totalSum".into(), json!(major_text(order["total_minor"].as_i64().unwrap_or(0))));
        map.insert("paymentUrl".into(), json!(payment_url));
    }
    Ok(Json(out).into_response())
}

/// A session as OneEntry answers it: `paymentUrl` always present (null allowed), no
/// `clientSecret` unless there is one.
fn session_json(s: &Value) -> Value {
    json!({
        "id": s["id"], "createdDate": s["createdDate"], "updatedDate": s["updatedDate"], "type": s["type"],
        "status": s["status"], "paymentAccountId": s["paymentAccountId"], "orderId": s["orderId"],
        "paymentUrl": s["paymentUrl"], "amount": s["amount"],
    })
}

/// Reading a session is what makes a late `paymentUrl` appear (PayPal: not on the first
/// answer, then on every later read).
fn read_session(sb: &Sandbox, mut s: Value) -> Value {
    let reads = s["reads"].as_i64().unwrap_or(0) + 1;
    s["reads"] = json!(reads);
    if s["paymentUrl"].is_null() && s["url_after_reads"].as_i64().is_some_and(|n| reads >= n) {
        s["paymentUrl"] = json!(format!("{}/oneentry/checkout/{}", sb.config.public_base, s["id"]));
    }
    let _ = sb.store.update(SESSION, &s["id"].to_string(), &s);
    s
}

async fn create_session(State(sb): State<Arc<Sandbox>>, headers: HeaderMap, body: Bytes) -> Answer {
    let user = user(&sb, &headers)?;
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return Err(error(StatusCode::BAD_REQUEST, "Body must be JSON"));
    };
    let Some(order_id) = body["orderId"].as_i64() else {
        return Err(error(StatusCode::BAD_REQUEST, "orderId must be a number"));
    };
    let order = owned_order(&sb, &user, order_id)?;
    let session =
        new_session(&sb, &order, body["type"].as_str().unwrap_or("session"), 0).map_err(|e| store_failed(&e))?;
    let session = read_session(&sb, session);
    Ok((StatusCode::CREATED, Json(session_json(&session))).into_response())
}

/// How long after its order a PayPal account's own session shows up [GUESS: the account opens
/// one by itself, a moment later].
const OWN_SESSION_AFTER_MS: i64 = 400;

/// A payment session for `order`, seen by reads from `after_ms` on. stripe: the URL at once;
/// paypal: from the second read; cash: never.
fn new_session(sb: &Sandbox, order: &Value, kind: &str, after_ms: i64) -> Result<Value, StoreError> {
    let account = ACCOUNTS.iter().find(|a| order["paymentAccountIdentifier"] == a.1).copied().unwrap_or(ACCOUNTS[0]);
    let now = format!("{}Z", &ioka_now()[..23]);
    let url_after_reads = match account.1 {
        "stripe" => Some(0),
        "paypal" => Some(2),
        _ => None,
    };
    let order_id = order["id"].as_i64().unwrap_or(0);
    let doc = json!({
        "createdDate": now, "updatedDate": now, "type": kind,
        "status": "waiting", "paymentAccountId": account.0, "orderId": order_id, "paymentUrl": null,
        "amount": order["total_minor"].as_i64().unwrap_or(0) / 100, "reads": 0, "url_after_reads": url_after_reads,
        "user": order["user"], "created_ms": now_ms(), "visible_from_ms": now_ms() + after_ms,
    });
    insert_numbered(sb, SESSION, Some(&order_id.to_string()), doc)
}

/// Whether a session has shown up yet.
fn visible(s: &Value) -> bool {
    s["visible_from_ms"].as_i64().is_none_or(|from| from <= now_ms())
}

async fn sessions_by_order(State(sb): State<Arc<Sandbox>>, Path(order_id): Path<i64>, headers: HeaderMap) -> Answer {
    let user = user(&sb, &headers)?;
    owned_order(&sb, &user, order_id)?;
    let list = sb.store.list(SESSION, None, Some(&order_id.to_string())).map_err(|e| store_failed(&e))?;
    let shown: Vec<Value> = list.into_iter().filter(visible).map(|s| session_json(&read_session(&sb, s))).collect();
    // None yet: a 404, which OneEntry's own rules code allows for [GUESS: which of the two].
    if shown.is_empty() {
        return Err(error(StatusCode::NOT_FOUND, "Payment session not found"));
    }
    Ok(Json(Value::Array(shown)).into_response())
}

async fn session(State(sb): State<Arc<Sandbox>>, Path(id): Path<i64>, headers: HeaderMap) -> Answer {
    let user = user(&sb, &headers)?;
    match sb.store.get(SESSION, &id.to_string()).map_err(|e| store_failed(&e))? {
        Some(s) if s["user"] == user.as_str() => Ok(Json(session_json(&read_session(&sb, s))).into_response()),
        _ => Err(error(StatusCode::NOT_FOUND, "Session not found")),
    }
}

async fn expire_tokens(State(sb): State<Arc<Sandbox>>) -> Response {
    let mut n = 0;
    for id in sb.store.ids(ACCESS).unwrap_or_default() {
        if let Ok(Some(mut t)) = sb.store.get(ACCESS, &id) {
            if t["live"] == true {
                t["live"] = json!(false);
                let _ = sb.store.update(ACCESS, &id, &t);
                n += 1;
            }
        }
    }
    Json(json!({"expired": n})).into_response()
}

async fn refreshes(State(sb): State<Arc<Sandbox>>) -> Response {
    let used = sb.store.list(REFRESH, None, None).unwrap_or_default().iter().filter(|r| r["used"] == true).count();
    Json(json!({"refreshes": used})).into_response()
}
