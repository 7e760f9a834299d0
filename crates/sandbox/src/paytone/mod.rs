//! Paytone (Corefy "Commerce") emulator, mounted at `/paytone` (docs/providers.md).
//!
//! * Public API (public key in the body): `POST /public-api/payment-prerequest`,
//!   `POST /public-api/payment-invoices`, `GET /public-api/payment-invoices/{id}`.
//! * Private API, HTTP Basic with the Commerce account id as login and its API key as password
//!   (Corefy's authentication page; Bearer with the API key only when the account is set up
//!   for it): `POST /api/payment-invoices`, `GET /api/payment-invoices/{id}`. The secret key,
//!   which signs callbacks, is not a Private API credential.
//! * `GET /hpp/?cpi=…`: the hosted payment page with Pay / Decline / Cancel; it sends the
//!   payer to the invoice's `return_url` with nothing appended.
//! * Callbacks: JSON:API `payment-invoices` documents POSTed to the account's callback URL,
//!   `X-Signature: base64(sha1(secret + body + secret))`. A payment sends two (`processing`,
//!   then `processed`); the `batch` webhook fault sends both in one body (`data` as an array).
//! * `POST /_control/invoices/{id}/expire`: lets an invoice's lifetime pass now.
//!
//! Amounts are major units (JSON numbers) on the wire; the emulator keeps minor units too.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Map, Value};

use crate::ids::{new_id, now_ms, secret_hex};
use crate::store::StoreError;
use crate::{Answer, Sandbox};

mod hosted;

pub use hosted::{signature, TEST_CARDS};

const PROVIDER: &str = "paytone";
/// Invoice kind in the store (external id = `reference_id`, unique per account).
pub(crate) const KIND: &str = "pt_invoice";
/// Invoice lifetime when the merchant sets no `expires`.
const DEFAULT_LIFETIME_S: i64 = 30 * 60;

pub fn router(sb: Arc<Sandbox>) -> Router<Arc<Sandbox>> {
    Router::new()
        .route("/public-api/payment-prerequest", post(prerequest))
        .route("/public-api/payment-invoices", post(create_public))
        .route("/public-api/payment-invoices/{id}", get(get_public))
        .route("/api/payment-invoices", post(create_private))
        .route("/api/payment-invoices/{id}", get(get_private))
        .route("/hpp/", get(hosted::page).post(hosted::submit))
        .route("/logos/{name}", get(logo))
        .route("/_control/invoices/{id}/expire", post(hosted::expire))
        .layer(middleware::from_fn_with_state(sb, faults))
}

async fn faults(State(sb): State<Arc<Sandbox>>, req: Request, next: Next) -> Response {
    crate::control::apply_http_fault(&sb, PROVIDER, req, next, |status| {
        error(status, "Upstream error", "injected fault", None)
    })
    .await
}

/// A JSON:API error answer.
fn error(status: StatusCode, title: &str, detail: &str, pointer: Option<&str>) -> Response {
    let mut item = json!({"status": status.as_u16().to_string(), "title": title, "detail": detail});
    if let Some(p) = pointer {
        item["source"] = json!({"pointer": p});
    }
    (status, Json(json!({"errors": [item]}))).into_response()
}

/// Corefy's validation answer: 422 with `request_id`, `error_type`, `error_codes`, `errors`.
fn invalid(code: &str, field: &str, detail: &str) -> Response {
    let body = json!({
        "request_id": secret_hex()[..32].to_owned(),
        "error_type": "validation_error",
        "error_codes": [code],
        "errors": [{"status": "422", "title": "Validation error", "detail": detail,
                    "code": code, "source": {"pointer": format!("/data/attributes/{field}")}}],
    });
    (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response()
}

fn store_failed(e: &StoreError) -> Response {
    tracing::error!(error = %e, "sandbox store");
    error(StatusCode::INTERNAL_SERVER_ERROR, "Internal error", "sandbox store failure", None)
}

/// A service the demo account offers: code, method, name, and its fields.
struct Service {
    method: &'static str,
    name: &'static str,
    category: &'static str,
    /// Fields: (key, label en, label ru, hint en, regexp, required).
    fields: &'static [(&'static str, &'static str, &'static str, &'static str, &'static str, bool)],
    /// Only for this currency (`None`: every currency).
    currency: Option<&'static str>,
}

const SERVICES: [Service; 2] = [
    Service { method: "bank_card", name: "Bank card", category: "bank_card", fields: &[], currency: None },
    Service {
        method: "paytone_wallet",
        name: "Paytone Wallet",
        category: "e_wallet",
        fields: &[("phone", "Phone number", "Номер телефона", "+7 and 10 digits", r"^\+7\d{10}$", true)],
        currency: Some("KZT"),
    },
];

fn service_code(method: &str, currency: &str) -> String {
    format!("{method}_{}_hpp", currency.to_ascii_lowercase())
}

fn find_service(code: &str, currency: &str) -> Option<&'static Service> {
    SERVICES.iter().find(|s| service_code(s.method, currency) == code && s.currency.is_none_or(|c| c == currency))
}

/// The sandbox's own check of `^\+7\d{10}$` (the one regexp its services use).
fn matches_kz_phone(value: &str) -> bool {
    value.strip_prefix("+7").is_some_and(|rest| rest.len() == 10 && rest.bytes().all(|b| b.is_ascii_digit()))
}

/// Major units (a JSON number or numeric string) to minor units, two decimals, exactly.
fn minor_units(value: &Value) -> Option<i64> {
    let text = match value {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        _ => return None,
    };
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let fraction = fraction.trim_end_matches('0');
    if fraction.len() > 2 {
        return None;
    }
    let cents: i64 = format!("{fraction:0<2}").parse().ok()?;
    whole.parse::<i64>().ok()?.checked_mul(100)?.checked_add(cents)
}

/// Minor units back to the JSON number Corefy sends (`1500.5`, `4`).
fn major_units(minor: i64) -> Value {
    let text = if minor % 100 == 0 {
        (minor / 100).to_string()
    } else {
        format!("{}.{:02}", minor / 100, minor % 100).trim_end_matches('0').to_owned()
    };
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

fn now_s() -> i64 {
    now_ms() / 1000
}

async fn prerequest(State(sb): State<Arc<Sandbox>>, body: Bytes) -> Response {
    let Ok(req) = serde_json::from_slice::<Value>(&body) else {
        return error(StatusCode::BAD_REQUEST, "Bad request", "body is not JSON", None);
    };
    if req["public_key"].as_str() != Some(sb.config.paytone.public_key.as_str()) {
        return error(StatusCode::UNAUTHORIZED, "Unauthorized", "Invalid public key", Some("/public_key"));
    }
    let Some(currency) = req["currency"].as_str().filter(|c| c.len() == 3) else {
        return invalid("currency_required", "currency", "currency: is required (ISO 4217)");
    };
    let base = format!("{}/paytone", sb.config.public_base);
    let mut services = Map::new();
    let mut methods = Map::new();
    for s in SERVICES.iter().filter(|s| s.currency.is_none_or(|c| c == currency)) {
        let code = service_code(s.method, currency);
        let fields: Vec<Value> = s
            .fields
            .iter()
            .enumerate()
            .map(|(i, (key, en, ru, hint, regexp, required))| {
                json!({"key": key, "type": "string", "label": {"en": en, "ru": ru}, "hint": {"en": hint},
                       "regexp": regexp, "required": required, "weight": i})
            })
            .collect();
        services.insert(
            code.clone(),
            json!({"code": code, "method": s.method, "flow": "hpp", "currency": currency, "fields": fields, "status": "available"}),
        );
        methods.insert(
            s.method.to_owned(),
            json!({"code": s.method, "name": s.name, "category": s.category,
                   "logo": format!("{base}/logos/{}.svg", s.method), "icon": format!("{base}/logos/{}.svg", s.method)}),
        );
    }
    Json(json!({"data": {"type": "payment-prerequest", "id": secret_hex()[..20].to_owned(), "attributes": {
        "currency": currency, "test_mode": true, "services": services, "methods": methods,
    }}}))
    .into_response()
}

/// A small SVG badge per method, so logos load from the sandbox's own origin.
async fn logo(Path(name): Path<String>) -> Response {
    let (text, colour) = match name.as_str() {
        "bank_card.svg" => ("CARD", "#0b5cad"),
        "paytone_wallet.svg" => ("PT", "#1f7a3a"),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    let svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"48\" height=\"32\" viewBox=\"0 0 48 32\" role=\"img\" aria-label=\"{text}\">\
<rect width=\"48\" height=\"32\" rx=\"6\" fill=\"{colour}\"/><text x=\"24\" y=\"21\" font-family=\"sans-serif\" font-size=\"12\" fill=\"#fff\" text-anchor=\"middle\">{text}</text></svg>"
    );
    ([(header::CONTENT_TYPE, "image/svg+xml"), (header::CACHE_CONTROL, "max-age=3600")], svg).into_response()
}

/// The invoice attributes a create request carries: flat (Public API form) or JSON:API
/// `data.attributes` (both accepted on both APIs).
fn create_attributes(body: &Bytes) -> Result<Map<String, Value>, Response> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(mut map)) => match map.remove("data") {
            Some(Value::Object(mut data)) => match data.remove("attributes") {
                Some(Value::Object(attributes)) => Ok(attributes),
                _ => Err(error(StatusCode::BAD_REQUEST, "Bad request", "data.attributes is required", None)),
            },
            _ => Ok(map),
        },
        _ => Err(error(StatusCode::BAD_REQUEST, "Bad request", "body is not a JSON object", None)),
    }
}

async fn create_public(State(sb): State<Arc<Sandbox>>, body: Bytes) -> Answer {
    let attributes = create_attributes(&body)?;
    if attributes.get("public_key").and_then(Value::as_str) != Some(sb.config.paytone.public_key.as_str()) {
        return Err(error(StatusCode::UNAUTHORIZED, "Unauthorized", "Invalid public key", Some("/public_key")));
    }
    Ok(create(&sb, attributes))
}

async fn create_private(State(sb): State<Arc<Sandbox>>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(r) = authorised(&sb, &headers) {
        return r;
    }
    match create_attributes(&body) {
        Ok(attributes) => create(&sb, attributes),
        Err(r) => r,
    }
}

/// Basic `account_id:api_key` (or Bearer `api_key` where the account accepts it).
fn authorised(sb: &Sandbox, headers: &HeaderMap) -> Result<(), Response> {
    let account = &sb.config.paytone;
    let given = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let ok = match given.split_once(' ') {
        Some(("Bearer", token)) => account.accepts_bearer && token == account.api_key,
        Some(("Basic", encoded)) => {
            use base64::Engine as _;
            base64::engine::general_purpose::STANDARD
                .decode(encoded.trim())
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .is_some_and(|pair| pair == format!("{}:{}", account.account_id, account.api_key))
        }
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(error(StatusCode::UNAUTHORIZED, "Unauthorized", "Invalid credentials", None))
    }
}

fn create(sb: &Sandbox, a: Map<String, Value>) -> Response {
    let text = |k: &str| a.get(k).and_then(Value::as_str).map(str::to_owned);
    let Some(reference_id) = text("reference_id").filter(|r| !r.is_empty()) else {
        return invalid("reference_id_required", "reference_id", "reference_id: is required");
    };
    if reference_id.chars().count() > sb.config.paytone.max_reference_len {
        return invalid("reference_id_invalid", "reference_id", "reference_id: is too long");
    }
    let Some(currency) = text("currency").filter(|c| c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase())) else {
        return invalid("currency_invalid", "currency", "currency: must be ISO 4217 alpha-3");
    };
    let Some(amount) = a.get("amount").and_then(minor_units).filter(|m| *m > 0) else {
        return invalid("amount_invalid", "amount", "amount: must be a positive number with at most 2 decimals");
    };
    let service_code = text("service");
    let service = match &service_code {
        Some(code) => match find_service(code, &currency) {
            Some(s) => Some(s),
            None => return invalid("service_not_available", "service", "service: is not available for this currency"),
        },
        None => None,
    };
    let fields = a.get("fields").and_then(Value::as_object).cloned().unwrap_or_default();
    for (key, _, _, _, _, required) in service.map(|s| s.fields).unwrap_or(&[]) {
        let value = fields.get(*key).and_then(Value::as_str).unwrap_or_default();
        if *required && value.is_empty() {
            return invalid(&format!("{key}_required"), &format!("fields/{key}"), &format!("{key}: is required"));
        }
        if !value.is_empty() && *key == "phone" && !matches_kz_phone(value) {
            return invalid("phone_invalid", "fields/phone", "phone: does not match the required format");
        }
    }
    if let Some(url) = text("return_url") {
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return invalid("return_url_invalid", "return_url", "return_url: must be a URL");
        }
    }
    let now = now_s();
    let expires = a.get("expires").and_then(Value::as_i64).unwrap_or(now + DEFAULT_LIFETIME_S);
    let id = format!("cpi_{}", &new_id("x")[2..]);
    let invoice = json!({
        "id": id,
        "status": "created",
        "resolution": "ok",
        "amount_minor": amount,
        "currency": currency,
        "reference_id": reference_id,
        "service": service_code,
        "method": service.map(|s| s.method),
        "description": text("description"),
        "fields": fields,
        "metadata": a.get("metadata").filter(|m| m.is_object()),
        "customer": a.get("customer").filter(|c| c.is_object()),
        "return_url": text("return_url"),
        "locale": text("locale"),
        "expires": expires,
        "created": now,
        "updated": now,
    });
    match sb.store.insert(KIND, &id, None, Some(&reference_id), &invoice) {
        Ok(()) => (StatusCode::CREATED, Json(document(sb, &invoice))).into_response(),
        Err(StoreError::Duplicate) => {
            invalid("reference_id_not_unique", "reference_id", "reference_id: an invoice with this reference exists")
        }
        Err(e) => store_failed(&e),
    }
}

/// The JSON:API document of an invoice, as the APIs answer and callbacks carry it. Unknown
/// values are left out rather than sent as `null`.
fn document(sb: &Sandbox, inv: &Value) -> Value {
    let id = inv["id"].as_str().unwrap_or_default();
    let minor = inv["amount_minor"].as_i64().unwrap_or(0);
    let paid = inv["status"] == "processed";
    let mut attributes = json!({
        "status": inv["status"],
        "resolution": inv["resolution"],
        "moderation_required": false,
        "amount": major_units(minor),
        "payment_amount": major_units(if paid { minor } else { 0 }),
        "currency": inv["currency"],
        "service_currency": inv["currency"],
        "reference_id": inv["reference_id"],
        "test_mode": true,
        "fee": 0,
        "deposit": major_units(if paid { minor } else { 0 }),
        "flow": "hpp",
        "flow_data": {"action": format!("{}/paytone/hpp/?cpi={id}", sb.config.public_base), "method": "GET", "params": []},
        "created": inv["created"],
        "updated": inv["updated"],
        "expires": inv["expires"],
    });
    for key in ["service", "description", "metadata", "customer", "return_url"] {
        if !inv[key].is_null() {
            attributes[key] = inv[key].clone();
        }
    }
    let mut data = json!({"type": "payment-invoices", "id": id, "attributes": attributes});
    if let (Some(service), Some(method)) = (inv["service"].as_str(), inv["method"].as_str()) {
        data["relationships"] = json!({
            "payment-service": {"data": {"type": "payment-services", "id": service}},
            "payment-method": {"data": {"type": "payment-methods", "id": method}},
        });
    }
    json!({"data": data})
}

/// Reads an invoice, letting its lifetime run out first if it has.
fn load(sb: &Sandbox, id: &str) -> Result<Value, Response> {
    match sb.store.get(KIND, id) {
        Ok(Some(inv)) => Ok(hosted::expire_if_due(sb, inv)),
        Ok(None) => Err(error(StatusCode::NOT_FOUND, "Not found", "Payment invoice not found", None)),
        Err(e) => Err(store_failed(&e)),
    }
}

async fn get_public(State(sb): State<Arc<Sandbox>>, Path(id): Path<String>) -> Response {
    match load(&sb, &id) {
        Ok(inv) => Json(document(&sb, &inv)).into_response(),
        Err(r) => r,
    }
}

async fn get_private(State(sb): State<Arc<Sandbox>>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    if let Err(r) = authorised(&sb, &headers) {
        return r;
    }
    get_public(State(sb), Path(id)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn major_and_minor_units_and_the_phone_rule() {
        assert_eq!(minor_units(&json!(1500.5)), Some(150_050));
        assert_eq!(minor_units(&json!(4)), Some(400));
        assert_eq!(minor_units(&json!("0.29")), Some(29));
        assert_eq!(minor_units(&json!(0.001)), None);
        assert_eq!(minor_units(&json!(-1)), None);
        assert_eq!(major_units(150_050), json!(1500.5));
        assert_eq!(major_units(400), json!(4));
        assert_eq!(major_units(29).to_string(), "0.29");
        assert!(matches_kz_phone("+77010000000"));
        assert!(!matches_kz_phone("+7701000000"));
        assert!(!matches_kz_phone("87010000000"));
        assert!(!matches_kz_phone("+7701000000a"));
    }
}
