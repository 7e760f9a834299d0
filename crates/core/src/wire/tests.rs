//! Each reader against the type's serde `Deserialize`: the same documents are accepted with
//! the same result, and the same documents are refused.

use serde::de::DeserializeOwned;
use serde_json::{json, Value};

use super::*;

/// The reader and serde agree on `doc`: both accept it with equal values, or both refuse it.
fn agree<T: DeserializeOwned + PartialEq + fmt::Debug>(
    read: fn(&Value) -> Result<T, ReadError>,
    doc: Value,
) -> Option<T> {
    let ours = read(&doc);
    let serde = serde_json::from_value::<T>(doc.clone());
    match (ours, serde) {
        (Ok(a), Ok(b)) => {
            assert_eq!(a, b, "{doc}");
            Some(a)
        }
        (Err(_), Err(_)) => None,
        (a, b) => panic!("disagree on {doc}: ours {a:?}, serde {b:?}"),
    }
}

fn accepted<T: DeserializeOwned + PartialEq + fmt::Debug>(read: fn(&Value) -> Result<T, ReadError>, doc: Value) -> T {
    agree(read, doc.clone()).unwrap_or_else(|| panic!("refused: {doc}"))
}

fn refused<T: DeserializeOwned + PartialEq + fmt::Debug>(
    read: fn(&Value) -> Result<T, ReadError>,
    doc: Value,
) -> ReadError {
    assert!(agree(read, doc.clone()).is_none(), "accepted: {doc}");
    read(&doc).err().unwrap_or_else(|| panic!("accepted: {doc}"))
}

#[test]
fn start_responses() {
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
        "unknown": {"ignored": true}
    });
    let r = accepted(start_response, full);
    assert_eq!(r.methods.len(), 4);
    assert!(r.redirect_hosts.is_empty());
    let base = || json!({"attemptId": "a", "orderId": "A-1", "amount": 100, "currency": "KZT", "status": "pending", "methods": []});
    let with_hosts = |hosts: Value| {
        let mut v = base();
        v["redirectHosts"] = hosts;
        v
    };
    let r = accepted(start_response, with_hosts(json!(["pay.mybank.kz", "hpp.example"])));
    assert_eq!(r.redirect_hosts, ["pay.mybank.kz", "hpp.example"]);
    for bad in [json!(null), json!("pay.mybank.kz"), json!([5]), json!([null])] {
        let e = refused(start_response, with_hosts(bad));
        assert_eq!(e.to_string(), "redirectHosts: must be an array of strings");
    }
    accepted(
        start_response,
        json!({"attemptId": "a", "orderId": "A-1", "amount": 100, "currency": "KZT", "status": "paid", "methods": []}),
    );
    refused(
        start_response,
        json!({"attemptId": "a", "orderId": "A-1", "amount": 100, "currency": "KZT", "status": "paid", "methods": [], "tokens": null}),
    );
    let e = refused(
        start_response,
        json!({"attemptId": "a", "orderId": "A-1", "amount": 100, "currency": "KZT", "status": "paid", "methods": [{"id": "x", "kind": "crypto", "label": "X"}]}),
    );
    assert_eq!(e.to_string(), "methods[0].kind: is not one of the known values");
    let e = refused(
        start_response,
        json!({"attemptId": "a", "orderId": "A-1", "amount": 100, "currency": "KZT", "status": "paid"}),
    );
    assert_eq!(e.to_string(), "methods: is missing");
    refused(
        start_response,
        json!({"attemptId": 7, "orderId": "A-1", "amount": 100, "currency": "KZT", "status": "paid", "methods": []}),
    );
    refused(
        start_response,
        json!({"attemptId": null, "orderId": "A-1", "amount": 100, "currency": "KZT", "status": "paid", "methods": []}),
    );
    refused(
        start_response,
        json!({"attemptId": "a", "orderId": "A-1", "amount": 100, "currency": "KZT", "status": "done", "methods": []}),
    );
    refused(
        start_response,
        json!({"attemptId": "a", "orderId": "A-1", "amount": 100, "currency": "KZT", "status": "paid", "methods": {}}),
    );
    refused(
        start_response,
        json!({"attemptId": "a", "orderId": "A-1", "amount": 100, "currency": "KZT", "status": "paid", "methods": [{"id": "x", "kind": "card", "label": "X", "fields": [{"key": "k"}]}]}),
    );
    refused(
        start_response,
        json!({"attemptId": "a", "orderId": "A-1", "amount": 100, "currency": "KZT", "status": "paid", "methods": [{"id": "x", "kind": "card", "label": "X", "brand": 5}]}),
    );
    let e = refused(
        start_response,
        json!({"attemptId": "a", "amount": 100, "currency": "KZT", "status": "paid", "methods": []}),
    );
    assert_eq!(e.to_string(), "orderId: is missing");
    refused(
        start_response,
        json!({"attemptId": "a", "orderId": "A-1", "amount": 1.5, "currency": "KZT", "status": "paid", "methods": []}),
    );
    refused(
        start_response,
        json!({"attemptId": "a", "orderId": "A-1", "amount": 100, "currency": "GBP", "status": "paid", "methods": []}),
    );
    refused(start_response, json!([1, 2]));
    refused(start_response, json!("text"));
    assert!(is_tolem_start_answer(&json!({"attemptId": "a"})));
    assert!(!is_tolem_start_answer(&json!({"order_access_token": "a"})));
}

#[test]
fn ioka_token_answers() {
    accepted(
        ioka_tokens_response,
        json!({"order_access_token": "ord_1_secret_2", "customer_access_token": "cus_1_secret_2"}),
    );
    accepted(ioka_tokens_response, json!({"order_access_token": "ord_1_secret_2"}));
    accepted(ioka_tokens_response, json!({"order_access_token": "ord_1_secret_2", "customer_access_token": null}));
    refused(ioka_tokens_response, json!({"customer_access_token": "c"}));
}

#[test]
fn pay_responses() {
    accepted(pay_response, json!({"redirect": {"url": "https://pay.example/p/1"}}));
    let r = accepted(
        pay_response,
        json!({"redirect": {"url": "https://pay.example/p", "method": "POST", "fields": [["a", "1"], ["b", "2"]]}}),
    );
    assert_eq!(r.redirect.map(|t| t.fields.len()), Some(2));
    accepted(pay_response, json!({"placed": true}));
    accepted(pay_response, json!({}));
    accepted(pay_response, json!({"redirect": null}));
    refused(pay_response, json!({"placed": null}));
    refused(pay_response, json!({"redirect": {"method": "GET"}}));
    refused(pay_response, json!({"redirect": {"url": "u", "fields": [["a"]]}}));
    refused(pay_response, json!({"redirect": {"url": "u", "fields": [["a", 1]]}}));
    refused(pay_response, json!({"redirect": {"url": "u", "fields": {"a": "1"}}}));
    refused(pay_response, json!({"placed": "yes"}));
    refused(pay_response, json!({"redirect": "https://x"}));
}

#[test]
fn status_responses() {
    for status in PaymentStatus::ALL {
        let doc = json!({"attemptId": "a", "orderId": "A-1", "amount": 100, "currency": "KZT", "status": status.as_str(), "final": status.is_final()});
        assert_eq!(accepted(status_response, doc).status, status);
    }
    let r = accepted(
        status_response,
        json!({"attemptId": "a", "orderId": "A-1", "amount": 100, "currency": "KZT", "status": "paid", "final": true}),
    );
    assert_eq!((r.order.order_id.as_str(), r.order.amount.0), ("A-1", 100));
    refused(status_response, json!({"attemptId": "a", "status": "paid", "final": true}));
    refused(
        status_response,
        json!({"attemptId": "a", "orderId": "A-1", "amount": "100", "currency": "KZT", "status": "paid", "final": true}),
    );
    refused(
        status_response,
        json!({"attemptId": "a", "orderId": "A-1", "amount": 100, "currency": "KZT", "status": "paid"}),
    );
    refused(
        status_response,
        json!({"attemptId": "a", "orderId": "A-1", "amount": 100, "currency": "KZT", "status": "paid", "final": null}),
    );
    refused(
        status_response,
        json!({"attemptId": "a", "orderId": "A-1", "amount": 100, "currency": "KZT", "status": "PAID", "final": true}),
    );
}

#[test]
fn ioka_orders_and_cards() {
    let order = json!({
        "id": "ord_1", "shop_id": "shp_1", "status": "UNPAID", "created_at": "2026-01-01T00:00:00",
        "amount": 150000, "currency": "KZT", "capture_method": "AUTO", "external_id": "A-1",
        "description": null, "customer_id": "cus_1", "checkout_url": "https://x/ord_1", "access_token": "t",
        "mcc": "5411"
    });
    accepted(ioka_order, order);
    for status in ["UNPAID", "ON_HOLD", "PAID", "EXPIRED", "SOMETHING_NEW"] {
        accepted(ioka_order, json!({"id": "o", "status": status, "amount": 100, "currency": "KZT"}));
    }
    accepted(
        ioka_order,
        json!({"id": "o", "status": "PAID", "amount": 100, "currency": "KZT", "capture_method": "MANUAL"}),
    );
    refused(
        ioka_order,
        json!({"id": "o", "status": "PAID", "amount": 100, "currency": "KZT", "capture_method": "LATER"}),
    );
    refused(ioka_order, json!({"id": "o", "status": "PAID", "amount": 100.5, "currency": "KZT"}));
    refused(ioka_order, json!({"id": "o", "status": "PAID", "currency": "KZT"}));
    refused(ioka_order, json!({"id": "o", "status": 3, "amount": 100, "currency": "KZT"}));
    accepted(ioka_cards, json!([]));
    accepted(
        ioka_cards,
        json!([{"id": "crd_1", "pan_masked": "555555******5599", "payment_system": "MASTERCARD", "status": "APPROVED"}, {"id": "crd_2"}]),
    );
    refused(ioka_cards, json!([{"pan_masked": "x"}]));
    refused(ioka_cards, json!({"id": "crd_1"}));
}

#[test]
fn journal_records() {
    let record = JournalRecord::new(Provider::Bereke, "att_1".into(), "A-1".into(), "k".into(), 1_800_000_000_000);
    let doc = serde_json::to_value(&record).unwrap_or_default();
    assert_eq!(accepted(journal_record, doc), record);
    let mut token = JournalRecord::new(Provider::Ioka, "ord_1".into(), "A-1".into(), "k".into(), 5);
    token.order_access_token = Some("ord_1_secret_2".into());
    accepted(journal_record, serde_json::to_value(&token).unwrap_or_default());
    refused(
        journal_record,
        json!({"v": 1, "provider": "stripe", "attemptId": "a", "orderId": "o", "idempotencyKey": "k", "createdMs": 1, "expiresMs": 2}),
    );
    refused(
        journal_record,
        json!({"v": -1, "provider": "ioka", "attemptId": "a", "orderId": "o", "idempotencyKey": "k", "createdMs": 1, "expiresMs": 2}),
    );
    refused(
        journal_record,
        json!({"v": 1, "provider": "ioka", "attemptId": "a", "orderId": "o", "idempotencyKey": "k", "createdMs": -1, "expiresMs": 2}),
    );
    refused(
        journal_record,
        json!({"v": 1, "provider": "ioka", "attemptId": "a", "orderId": "o", "idempotencyKey": "k", "createdMs": 1}),
    );
}

#[test]
fn mount_options_agree_with_serde() {
    let full = json!({
        "provider": "oneentry", "backendUrl": "/api/checkout",
        "order": {"id": "A-1", "amount": 1500000, "currency": "KZT", "description": "Order", "items": [{"productId": 1, "quantity": 2}]},
        "customer": {"id": "u-1", "email": "a@b.kz", "phone": "+77010000000"},
        "locale": "kk", "returnUrl": "https://shop.kz/c", "publicKey": "shp_1_public_2", "presentation": "new-tab",
        "sandboxUrl": "/sandbox", "iokaApiUrl": "https://ioka", "userToken": {"accessToken": "a", "refreshToken": "r"},
        "oneentry": {"projectUrl": "https://p.oneentry.cloud", "appToken": "t", "direct": true},
        "theme": "dark", "onStatus": null, "redirectHosts": ["pay.mybank.kz"]
    });
    let o = accepted(mount_options, full);
    assert_eq!(o.redirect_hosts, ["pay.mybank.kz"]);
    refused(mount_options, json!({"provider": "ioka", "redirectHosts": "pay.mybank.kz"}));
    assert_eq!(o.oneentry.map(|p| (p.orders_storage, p.order_form)), Some(("orders".into(), "orderForm".into())));
    accepted(mount_options, json!({"provider": "ioka", "order": {"id": "A", "amount": 1, "currency": "USD"}}));
    for currency in Currency::ALL {
        accepted(
            mount_options,
            json!({"provider": "ioka", "order": {"id": "A", "amount": 1, "currency": currency.code()}}),
        );
    }
    let e = refused(mount_options, json!({"provider": "ioka", "order": {"id": "A", "amount": 1.5, "currency": "KZT"}}));
    assert_eq!(e.to_string(), "order.amount: must be a whole number");
    let e =
        refused(mount_options, json!({"provider": "ioka", "order": {"id": "A", "amount": "15", "currency": "KZT"}}));
    assert_eq!(e.path, "order.amount");
    let e = refused(mount_options, json!({"provider": "ioka", "order": {"id": "A", "amount": 1, "currency": "GBP"}}));
    assert_eq!(e.to_string(), "order.currency: is not one of the known values");
    let bare = accepted(mount_options, json!({"provider": "ioka", "clientSecret": "cs_1_secret_2", "order": null}));
    assert_eq!((bare.order, bare.client_secret.as_deref()), (None, Some("cs_1_secret_2")));
    refused(mount_options, json!({"provider": "ioka", "clientSecret": 5}));
    refused(mount_options, json!({"order": {"id": "A", "amount": 1, "currency": "KZT"}}));
    refused(
        mount_options,
        json!({"provider": "ioka", "order": {"id": "A", "amount": 1, "currency": "KZT", "items": [{"productId": 1}]}}),
    );
    refused(
        mount_options,
        json!({"provider": "ioka", "order": {"id": "A", "amount": 1, "currency": "KZT"}, "customer": "u-1"}),
    );
    refused(
        mount_options,
        json!({"provider": "ioka", "order": {"id": "A", "amount": 1, "currency": "KZT"}, "userToken": {}}),
    );
    refused(
        mount_options,
        json!({"provider": "ioka", "order": {"id": "A", "amount": 1, "currency": "KZT"}, "oneentry": {"projectUrl": "p"}}),
    );
    refused(
        mount_options,
        json!({"provider": "ioka", "order": {"id": "A", "amount": 1, "currency": "KZT"}, "locale": 3}),
    );
    refused(
        mount_options,
        json!({"provider": "ioka", "order": {"id": "A", "amount": 1, "currency": "KZT"}, "backendUrl": null}),
    );
    refused(
        mount_options,
        json!({"provider": "ioka", "order": {"id": "A", "amount": 1, "currency": "KZT"}, "customer": null}),
    );
    accepted(
        mount_options,
        json!({"provider": "ioka", "order": {"id": "A", "amount": 1, "currency": "KZT"}, "userToken": null, "oneentry": null}),
    );
    refused(mount_options, json!(null));
}

#[test]
fn whole_numbers_stop_where_js_numbers_do() {
    assert_eq!(whole(1_500_000.0), Some(1_500_000));
    assert_eq!(whole(-3.0), Some(-3));
    assert_eq!(whole(0.5), None);
    assert_eq!(whole(f64::NAN), None);
    assert_eq!(whole(f64::INFINITY), None);
    assert_eq!(whole(1e300), None);
    assert_eq!(whole(9_007_199_254_740_992.0), Some(9_007_199_254_740_992));
}
