//! [`read`] on serde_json's deserializers (the widget runs the same `Deserialize` impls on
//! serde-wasm-bindgen's; `tests/widget.rs` checks that side in Chromium): what each answer
//! accepts, what it refuses, and that a refusal names the value that did not fit.

use serde::de::DeserializeOwned;
use serde_json::{json, Value};

use super::*;
use crate::api::{IokaTokensResponse, PayResponse, StartResponse, StatusResponse};
use crate::journal::JournalRecord;
use crate::money::Currency;
use crate::options::MountOptions;
use crate::providers::ioka::{IokaCard, IokaOrderSeen, IokaOrderStatus};
use crate::providers::Provider;
use crate::status::PaymentStatus;

/// Reads `doc` both ways serde_json can hand it over (a parsed tree, and text whose names are
/// borrowed from the input), and checks they agree.
fn read_doc<T: DeserializeOwned + PartialEq + fmt::Debug>(doc: &Value) -> Result<T, ReadError> {
    let from_tree = read::<T, _>(doc.clone());
    let text = doc.to_string();
    let from_text = read::<T, _>(&mut serde_json::Deserializer::from_str(&text));
    assert_eq!(from_tree.as_ref().map_err(|e| &e.path), from_text.as_ref().map_err(|e| &e.path), "{doc}");
    from_tree
}

fn accepted<T: DeserializeOwned + PartialEq + fmt::Debug>(doc: Value) -> T {
    read_doc(&doc).unwrap_or_else(|e| panic!("refused {doc}: {e}"))
}

/// The refusal's path and message.
fn refused<T: DeserializeOwned + PartialEq + fmt::Debug>(doc: Value) -> ReadError {
    match read_doc::<T>(&doc) {
        Ok(v) => panic!("accepted {doc}: {v:?}"),
        Err(e) => e,
    }
}

fn start(extra: Value) -> Value {
    let mut doc = json!({"attemptId": "a", "orderId": "A-1", "amount": 100, "currency": "KZT", "status": "pending", "methods": []});
    if let (Some(doc), Some(extra)) = (doc.as_object_mut(), extra.as_object()) {
        for (k, v) in extra {
            if v.is_null() && k.starts_with('-') {
                doc.remove(&k[1..]);
            } else {
                doc.insert(k.clone(), v.clone());
            }
        }
    }
    doc
}

#[test]
fn start_answers_are_read_whole_and_unknown_members_are_passed_over() {
    let full = json!({
        "attemptId": "att_1", "orderId": "A-1", "amount": 1500000, "currency": "KZT", "status": "pending",
        "methods": [
            {"id": "card:crd_1", "kind": "saved_card", "label": "555555******5599", "brand": "MASTERCARD"},
            {"id": "card", "kind": "card", "label": "Bank card", "logo": null},
            {"id": "w", "kind": "wallet", "label": "Paytone Wallet", "logo": "https://x/w.svg",
             "fields": [{"key": "phone", "label": "Phone", "hint": "+7…", "pattern": "^\\+7\\d{10}$", "required": true},
                        {"key": "note", "label": "Note"}]},
            {"id": "cash", "kind": "cash", "label": "Cash", "extra": 1}
        ],
        "tokens": {"orderAccessToken": "ord_1_secret_2", "publicKey": "shp_1_public_2"},
        "redirectHosts": ["pay.mybank.kz"],
        "unknown": {"ignored": [true, 1.5]}
    });
    let r: StartResponse = accepted(full);
    assert_eq!((r.order.order_id.as_str(), r.order.amount.0, r.order.currency), ("A-1", 1_500_000, Currency::Kzt));
    assert_eq!(r.methods.len(), 4);
    assert_eq!(r.methods[2].fields.len(), 2);
    assert!(r.methods[2].fields[0].required && !r.methods[2].fields[1].required);
    assert_eq!(r.tokens.order_access_token.as_deref(), Some("ord_1_secret_2"));
    assert_eq!(r.redirect_hosts, ["pay.mybank.kz"]);
    let bare: StartResponse = accepted(start(json!({})));
    assert!(bare.redirect_hosts.is_empty() && bare.tokens.public_key.is_none());
}

#[test]
fn a_refused_start_answer_names_the_value() {
    let cases = [
        (
            start(json!({"methods": [{"id": "x", "kind": "crypto", "label": "X"}]})),
            "methods[0].kind",
            "`crypto` is not a known method kind",
        ),
        (start(json!({"-methods": null})), "", "missing field `methods`"),
        (start(json!({"-orderId": null})), "", "missing field `orderId`"),
        (start(json!({"attemptId": 7})), "attemptId", "invalid type: integer `7`, expected a string"),
        (start(json!({"attemptId": null})), "attemptId", "invalid type: null, expected a string"),
        (start(json!({"status": "done"})), "status", "`done` is not a known payment status"),
        (start(json!({"methods": {}})), "methods", "invalid type: map, expected a sequence"),
        (start(json!({"amount": 1.5})), "amount", "invalid type: floating point `1.5`, expected i64"),
        (start(json!({"currency": "GBP"})), "currency", "`GBP` is not a known currency (ISO 4217, upper case)"),
        (start(json!({"tokens": null})), "tokens", "invalid type: null, expected struct BrowserTokens"),
        (
            start(json!({"redirectHosts": ["ok", 5]})),
            "redirectHosts[1]",
            "invalid type: integer `5`, expected a string",
        ),
        (
            start(json!({"methods": [{"id": "x", "kind": "card", "label": "X", "fields": [{"key": "k"}]}]})),
            "methods[0].fields[0]",
            "missing field `label`",
        ),
        (
            start(
                json!({"methods": [{"id": "x", "kind": "card", "label": "X"}, {"id": "y", "kind": "card", "label": "Y", "brand": 5}]}),
            ),
            "methods[1].brand",
            "invalid type: integer `5`, expected a string",
        ),
        (json!(5), "", "invalid type: integer `5`, expected struct StartResponse"),
        (json!("text"), "", "invalid type: string \"text\", expected struct StartResponse"),
    ];
    for (doc, path, problem) in cases {
        let e = refused::<StartResponse>(doc.clone());
        assert_eq!((e.path.as_str(), e.problem.as_str()), (path, problem), "{doc}");
    }
    let e = refused::<StartResponse>(start(json!({"status": "done"})));
    assert_eq!(e.to_string(), "status: `done` is not a known payment status");
}

#[test]
fn ioka_guide_token_answers() {
    let both: IokaTokensResponse =
        accepted(json!({"order_access_token": "ord_1_secret_2", "customer_access_token": "cus_1_secret_2"}));
    assert_eq!(both.customer_access_token.as_deref(), Some("cus_1_secret_2"));
    let alone: IokaTokensResponse = accepted(json!({"order_access_token": "ord_1_secret_2"}));
    assert_eq!(alone.customer_access_token, None);
    accepted::<IokaTokensResponse>(json!({"order_access_token": "o", "customer_access_token": null}));
    let e = refused::<IokaTokensResponse>(json!({"customer_access_token": "c"}));
    assert_eq!(e.to_string(), "missing field `order_access_token`");
}

#[test]
fn pay_answers() {
    let post: PayResponse = accepted(
        json!({"redirect": {"url": "https://pay.example/p", "method": "POST", "fields": [["a", "1"], ["b", "2"]]}}),
    );
    assert_eq!(post.redirect.map(|t| (t.method, t.fields.len())), Some((crate::http::Method::Post, 2)));
    let get: PayResponse = accepted(json!({"redirect": {"url": "https://pay.example/p/1", "method": "get"}}));
    assert_eq!(get.redirect.map(|t| t.method), Some(crate::http::Method::Get), "a method in any case");
    assert!(accepted::<PayResponse>(json!({"placed": true})).placed);
    assert!(accepted::<PayResponse>(json!({"charged": true})).charged);
    assert_eq!(accepted::<PayResponse>(json!({})), accepted(json!({"redirect": null})));
    let cases = [
        (json!({"placed": null}), "placed"),
        (json!({"placed": "yes"}), "placed"),
        (json!({"redirect": "https://x"}), "redirect"),
        (json!({"redirect": {"method": "GET"}}), "redirect"),
        (json!({"redirect": {"url": "u", "method": "PUT"}}), "redirect.method"),
        (json!({"redirect": {"url": "u", "fields": [["a"]]}}), "redirect.fields[0]"),
        (json!({"redirect": {"url": "u", "fields": [["a", 1]]}}), "redirect.fields[0][1]"),
        (json!({"redirect": {"url": "u", "fields": {"a": "1"}}}), "redirect.fields"),
    ];
    for (doc, path) in cases {
        assert_eq!(refused::<PayResponse>(doc.clone()).path, path, "{doc}");
    }
}

#[test]
fn status_answers() {
    for status in PaymentStatus::ALL {
        let doc = json!({"attemptId": "a", "orderId": "A-1", "amount": 100, "currency": "KZT", "status": status.as_str(), "final": status.is_final()});
        let r: StatusResponse = accepted(doc);
        assert_eq!((r.status, r.is_final, r.order.order_id.as_str()), (status, status.is_final(), "A-1"));
    }
    let status = |extra: Value| {
        let mut doc = json!({"attemptId": "a", "orderId": "A-1", "amount": 100, "currency": "KZT", "status": "paid", "final": true});
        if let (Some(doc), Some(extra)) = (doc.as_object_mut(), extra.as_object()) {
            doc.extend(extra.clone());
        }
        doc
    };
    let cases = [
        (status(json!({"amount": "100"})), "amount"),
        (status(json!({"final": null})), "final"),
        (status(json!({"status": "PAID"})), "status"),
        (json!({"attemptId": "a", "status": "paid", "final": true}), ""),
    ];
    for (doc, path) in cases {
        assert_eq!(refused::<StatusResponse>(doc.clone()).path, path, "{doc}");
    }
    let e = refused::<StatusResponse>(
        json!({"attemptId": "a", "orderId": "A-1", "amount": 100, "currency": "KZT", "status": "paid"}),
    );
    assert_eq!(e.to_string(), "missing field `final`");
}

#[test]
fn ioka_orders_and_cards_as_the_browser_reads_them() {
    let order = json!({
        "id": "ord_1", "shop_id": "shp_1", "status": "UNPAID", "created_at": "2026-01-01T00:00:00",
        "amount": 150000, "currency": "KZT", "capture_method": "AUTO", "external_id": "A-1",
        "description": null, "customer_id": "cus_1", "checkout_url": "https://x/ord_1", "access_token": "t", "mcc": "5411"
    });
    let seen: IokaOrderSeen = accepted(order);
    assert_eq!((seen.status, seen.checkout_url.as_deref()), (IokaOrderStatus::Unpaid, Some("https://x/ord_1")));
    for (name, status) in [
        ("ON_HOLD", IokaOrderStatus::OnHold),
        ("PAID", IokaOrderStatus::Paid),
        ("EXPIRED", IokaOrderStatus::Expired),
        ("SOMETHING_NEW", IokaOrderStatus::Unknown),
    ] {
        assert_eq!(accepted::<IokaOrderSeen>(json!({"status": name})).status, status);
    }
    assert_eq!(refused::<IokaOrderSeen>(json!({"status": 3})).path, "status");
    assert_eq!(refused::<IokaOrderSeen>(json!({"status": "PAID", "checkout_url": 1})).path, "checkout_url");
    let cards: Vec<IokaCard> = accepted(json!([
        {"id": "crd_1", "pan_masked": "555555******5599", "payment_system": "MASTERCARD", "status": "APPROVED", "cvc_required": false},
        {"id": "crd_2"}
    ]));
    assert_eq!(cards.iter().map(|c| c.cvc_required).collect::<Vec<_>>(), [false, true], "absent counts as required");
    assert_eq!(refused::<Vec<IokaCard>>(json!([{"id": "crd_1"}, {"pan_masked": "x"}])).path, "[1]");
    assert_eq!(refused::<Vec<IokaCard>>(json!({"id": "crd_1"})).path, "");
}

#[test]
fn journal_records_read_back_what_was_written() {
    let record = JournalRecord::new(Provider::Bereke, "att_1".into(), "A-1".into(), "k".into(), 1_800_000_000_000);
    assert_eq!(accepted::<JournalRecord>(serde_json::to_value(&record).unwrap_or_default()), record);
    let mut token = JournalRecord::new(Provider::Ioka, "ord_1".into(), "A-1".into(), "k".into(), 5);
    token.order_access_token = Some("ord_1_secret_2".into());
    assert_eq!(accepted::<JournalRecord>(serde_json::to_value(&token).unwrap_or_default()), token);
    let journal = |extra: Value| {
        let mut doc = json!({"v": 1, "provider": "ioka", "attemptId": "a", "orderId": "o", "idempotencyKey": "k", "createdMs": 1, "expiresMs": 2});
        if let (Some(doc), Some(extra)) = (doc.as_object_mut(), extra.as_object()) {
            doc.extend(extra.clone());
        }
        doc
    };
    for (extra, path) in [
        (json!({"provider": "stripe"}), "provider"),
        (json!({"v": -1}), "v"),
        (json!({"v": 4_294_967_296_u64}), "v"),
        (json!({"createdMs": -1}), "createdMs"),
    ] {
        assert_eq!(refused::<JournalRecord>(journal(extra.clone())).path, path, "{extra}");
    }
}

#[test]
fn mount_options_are_read_as_the_merchant_writes_them() {
    let full = json!({
        "provider": "oneentry", "backendUrl": "/api/checkout",
        "order": {"id": "A-1", "amount": 1500000, "currency": "KZT", "description": "Order", "items": [{"productId": 1, "quantity": 2}]},
        "customer": {"id": "u-1", "email": "a@b.kz", "phone": "+77010000000"},
        "locale": "kk", "returnUrl": "https://shop.kz/c", "publicKey": "shp_1_public_2", "presentation": "new-tab",
        "sandboxUrl": "/sandbox", "iokaApiUrl": "https://ioka", "iokaTokensUrl": "/startPaymentWithSavedCard",
        "userToken": {"accessToken": "a", "refreshToken": "r"},
        "oneentry": {"projectUrl": "https://p.oneentry.cloud", "appToken": "t", "direct": true},
        "theme": "dark", "onStatus": null, "redirectHosts": ["pay.mybank.kz"]
    });
    let o: MountOptions = accepted(full);
    assert_eq!(o.redirect_hosts, ["pay.mybank.kz"]);
    assert_eq!(o.order.as_ref().map(|o| (o.amount.0, o.items.len())), Some((1_500_000, 1)));
    assert_eq!(
        o.oneentry.map(|p| (p.direct, p.orders_storage, p.order_form)),
        Some((true, "orders".into(), "orderForm".into()))
    );
    for currency in Currency::ALL {
        accepted::<MountOptions>(
            json!({"provider": "ioka", "order": {"id": "A", "amount": 1, "currency": currency.code()}}),
        );
    }
    let bare: MountOptions =
        accepted(json!({"provider": "ioka", "clientSecret": "cs_1_secret_2", "order": null, "userToken": null}));
    assert_eq!(
        (bare.order, bare.client_secret.as_deref(), bare.backend_url.as_str()),
        (None, Some("cs_1_secret_2"), "")
    );
    let order = json!({"id": "A", "amount": 1, "currency": "KZT"});
    let cases = [
        (json!({"provider": "ioka", "order": {"id": "A", "amount": 1.5, "currency": "KZT"}}), "order.amount"),
        (json!({"provider": "ioka", "order": {"id": "A", "amount": "15", "currency": "KZT"}}), "order.amount"),
        (json!({"provider": "ioka", "order": {"id": "A", "amount": 1, "currency": "GBP"}}), "order.currency"),
        (
            json!({"provider": "ioka", "order": {"id": "A", "amount": 1, "currency": "KZT", "items": [{"productId": 1}]}}),
            "order.items[0]",
        ),
        (json!({"provider": "ioka", "clientSecret": 5}), "clientSecret"),
        (json!({"order": order}), ""),
        (json!({"provider": "ioka", "customer": "u-1"}), "customer"),
        (json!({"provider": "ioka", "customer": {"email": 5}}), "customer.email"),
        (json!({"provider": "ioka", "userToken": {}}), "userToken"),
        (json!({"provider": "ioka", "oneentry": {"projectUrl": "p"}}), "oneentry"),
        (
            json!({"provider": "ioka", "oneentry": {"projectUrl": "p", "appToken": "t", "direct": "yes"}}),
            "oneentry.direct",
        ),
        (json!({"provider": "ioka", "locale": 3}), "locale"),
        (json!({"provider": "ioka", "backendUrl": 5}), "backendUrl"),
        (json!({"provider": "ioka", "redirectHosts": [5]}), "redirectHosts[0]"),
        (json!({"provider": "ioka", "redirectHosts": "pay.mybank.kz"}), "redirectHosts"),
        (json!(null), ""),
    ];
    for (doc, path) in cases {
        assert_eq!(refused::<MountOptions>(doc.clone()).path, path, "{doc}");
    }
    let e =
        refused::<MountOptions>(json!({"provider": "ioka", "order": {"id": "A", "amount": 1.5, "currency": "KZT"}}));
    assert_eq!(e.to_string(), "order.amount: invalid type: floating point `1.5`, expected i64");
}

#[test]
fn names_are_read_into_their_enums() {
    let provider = |v: Value| read::<Provider, _>(v);
    assert_eq!(provider(json!("ecommpay")), Ok(Provider::Ecommpay));
    assert_eq!(provider(json!("Ecommpay")).map_err(|e| e.problem), Err("`Ecommpay` is not a known provider".into()));
    assert_eq!(provider(json!(1)).map_err(|e| e.problem), Err("invalid type: integer `1`, expected a string".into()));
    assert_eq!(read::<MethodKindAlias, _>(json!("saved_card")), Ok(crate::api::MethodKind::SavedCard));
}

type MethodKindAlias = crate::api::MethodKind;

#[test]
fn a_path_is_written_as_members_and_indexes() {
    let path = Path::default();
    assert_eq!(path.to_string(), "");
    path.push(Step::Element(2));
    path.push(Step::Member("fields".into()));
    path.push(Step::Element(0));
    path.push(Step::Member("key".into()));
    assert_eq!(path.to_string(), "[2].fields[0].key");
    path.pop();
    path.pop();
    assert_eq!(path.to_string(), "[2].fields");
}
