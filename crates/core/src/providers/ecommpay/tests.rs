use serde_json::{json, Value};

use super::*;
use crate::http::decode_form;

const VECTORS: &str = include_str!("../../../vectors/ecommpay_signature_vectors.json");
const MORE_VECTORS: &str = include_str!("../../../vectors/ecommpay_more_vectors.json");

fn vectors() -> Vec<Value> {
    let mut all: Vec<Value> = serde_json::from_str(VECTORS).unwrap();
    all.extend(serde_json::from_str::<Vec<Value>>(MORE_VECTORS).unwrap());
    all
}

#[test]
fn every_published_vector_signs_and_verifies() {
    let all = vectors();
    assert_eq!(all.len(), 23, "11 SDK vectors + 4 docs examples + 8 PHP callback formats");
    for v in &all {
        let name = v["name"].as_str().unwrap();
        let secret = v["secret"].as_str().unwrap().as_bytes();
        let expected = v["signature"].as_str().unwrap();
        let mut data = v["data"].clone();
        // `sign` strips any embedded signature first, as the SDKs do.
        assert_eq!(sign(&data, secret), expected, "{name}");
        if let Some(string) = v.get("string").and_then(Value::as_str) {
            strip_signature(&mut data);
            assert_eq!(signing_string(&data, SortOrder::Plain), string, "{name}");
        }
        // As a callback: the signature placed where ECommPay puts it verifies, and any
        // change to the body breaks it.
        let mut body = v["data"].clone();
        if v.get("strip").is_none() {
            body.as_object_mut().unwrap().insert("signature".into(), json!(expected));
        }
        assert!(verify_callback(body.to_string().as_bytes(), secret).is_ok(), "{name}");
        assert_eq!(
            verify_callback(body.to_string().as_bytes(), b"wrong secret"),
            Err(CallbackError::BadSignature),
            "{name}"
        );
    }
}

#[test]
fn signing_strings_of_the_js_and_go_sdk_tests() {
    let js = json!({"0": null, "a": {"b": 1, "c": 2}, "d": false, "f": ["g", {"h": 7, "i": {"k": 8}}], "e": [4, 5], "l": {"m": [{"n": 9}]}});
    assert_eq!(
        signing_string(&js, SortOrder::Plain),
        "0:;a:b:1;a:c:2;d:0;e:0:4;e:1:5;f:0:g;f:1:h:7;f:1:i:k:8;l:m:0:n:9"
    );
    let go: Value = serde_json::from_str(
        r#"{"a": {"b": 1111111111111111, "c": 2 }, "d": false, "f": [ "g", { "h": 7, "i": { "k": 8 } } ], "e": [ 4, 5 ], "j": null}"#,
    )
    .unwrap();
    assert_eq!(
        signing_string(&go, SortOrder::Plain),
        "a:b:1111111111111111;a:c:2;d:0;e:0:4;e:1:5;f:0:g;f:1:h:7;f:1:i:k:8;j:"
    );
}

#[test]
fn colons_in_keys_are_doubled_and_empty_containers_vanish() {
    let v = json!({"e:f": 1, "g": {}, "h": [], "i": {"j:k": true}});
    assert_eq!(signing_string(&v, SortOrder::Plain), "e::f:1;i:j::k:1");
}

#[test]
fn natural_order_differs_only_where_the_sdks_do() {
    let items: Vec<Value> = (0..11).map(|i| json!(i)).collect();
    let v = json!({ "x": items });
    let plain = signing_string(&v, SortOrder::Plain);
    let natural = signing_string(&v, SortOrder::Natural);
    assert!(plain.starts_with("x:0:0;x:1:1;x:10:10;x:2:2"), "{plain}");
    assert!(natural.starts_with("x:0:0;x:1:1;x:2:2") && natural.ends_with("x:9:9;x:10:10"), "{natural}");
    // Signed the PHP way, it still verifies.
    let php_signature = base64_encode(&hmac_sha512(b"s", natural.as_bytes()));
    assert!(signature_matches(&v, b"s", &php_signature));
    assert!(natural_cmp("a2", "a10").is_lt() && natural_cmp("a010", "a9").is_gt() && natural_cmp("b", "a9").is_gt());
}

#[test]
fn forged_and_unsigned_callbacks_are_refused() {
    let forged =
        r#"{"payment":{"id":"test-payment"},"signature":"UGzKT0NC26f4u0niyJSQPx5q3kFFIndwLXeJVXahfCFwbYg34h32gh3"}"#;
    assert_eq!(verify_callback(forged.as_bytes(), b"qwerty"), Err(CallbackError::BadSignature));
    let unsigned = r#"{"payment":{"id":"test-payment","status":"success"}}"#;
    assert_eq!(verify_callback(unsigned.as_bytes(), b"qwerty"), Err(CallbackError::MissingSignature));
    assert_eq!(verify_callback(b"[1,2]", b"qwerty"), Err(CallbackError::Malformed));
    assert_eq!(verify_callback(b"{not json", b"qwerty"), Err(CallbackError::Malformed));
    // The published #1 vector with its status changed to "success" from "decline" style
    // tampering: same signature, different body.
    let tampered = r#"{"payment":{"id":"test-payment","status":"decline"},"signature":"UGzKT0NC26f4u0niyJSQPx5q3kFFIndwLXeJVXahfCFwbY+Svg1WoXIxzrIyyjWUSLFhT8wAQ5SfBDRHnwm6Yg=="}"#;
    assert_eq!(verify_callback(tampered.as_bytes(), b"qwerty"), Err(CallbackError::BadSignature));
    let genuine = r#"{"payment":{"id":"test-payment","status":"success"},"signature":"UGzKT0NC26f4u0niyJSQPx5q3kFFIndwLXeJVXahfCFwbY+Svg1WoXIxzrIyyjWUSLFhT8wAQ5SfBDRHnwm6Yg=="}"#;
    let callback = verify_callback(genuine.as_bytes(), b"qwerty").unwrap();
    assert_eq!(callback_status(&callback), PaymentStatus::Paid);
}

#[test]
fn the_sdk_urls_verify_over_decoded_values() {
    // PHP SDK (space as `+`) and Python SDK (`{"id": 24}` with a space) URLs, exactly as published.
    let urls = [
        ("secret", "project_id=100&interface_type=%7B%22id%22%3A23%7D&payment_id=test+payment+id&payment_description=B%26W&signature=97JFQpAyJ4HPfGVedJh0M1MqQDOFt%2FMCbdh8VrsT7DdRyTBDAF2mvUOsDANx1ZPfbvZg0%2BVUbF43xJnq0jEeLA%3D%3D"),
        ("qwerty", "payment_id=test-payment&interface_type=%7B%22id%22%3A%2024%7D&project_id=1&best_before=2055-05-05T00%3A00%3A00&signature=q69mSGul5x6KACTn0Vl%2BX6N4hH1lL45yQiEbmLzJvNoJ1hwkBuiEv%2FLLpJuyLWtIrgU7%2Bq0TAUO0f%2Bai0bqjKQ%3D%3D"),
    ];
    for (secret, query) in urls {
        let pairs = decode_form(query);
        let mut object = serde_json::Map::new();
        for (k, v) in pairs {
            object.insert(k, Value::String(v));
        }
        let mut params = Value::Object(object);
        let signature = strip_signature(&mut params).unwrap();
        assert!(signature_matches(&params, secret.as_bytes(), &signature), "{query}");
    }
}

#[test]
fn payment_page_urls_are_signed_over_what_they_carry() {
    let page = PaymentPage { url: "https://paymentpage.ecommpay.com/payment", project_id: 100, secret: b"secret" };
    let request = PaymentPageRequest {
        payment_id: "A-1001",
        amount: 1_500_000,
        currency: "KZT",
        description: Some("Заказ A-1001 & co"),
        customer_id: Some("u-42"),
        customer_email: None,
        customer_phone: None,
        language: Some("kk"),
        success_url: "https://shop.kz/c?tolem_return=success",
        fail_url: "https://shop.kz/c?tolem_return=failure",
        return_url: "https://shop.kz/c?tolem_return=back",
        callback_url: None,
        hold: false,
        best_before: Some("2026-12-03T12:00:00+00:00"),
    };
    let url = page.url(&request);
    assert!(url.contains("&best_before=2026-12-03T12%3A00%3A00%2B00%3A00"), "{url}");
    let (base, query) = url.split_once('?').unwrap();
    assert_eq!(base, "https://paymentpage.ecommpay.com/payment");
    assert!(query.starts_with("project_id=100&payment_id=A-1001&payment_amount=1500000&payment_currency=KZT&"));
    assert!(!query.contains(' ') && !query.contains("tolem_return=success&"), "values are encoded: {query}");
    let mut object = serde_json::Map::new();
    for (k, v) in decode_form(query) {
        object.insert(k, Value::String(v));
    }
    assert_eq!(object["payment_description"], json!("Заказ A-1001 & co"));
    assert_eq!(object["operation_type"], json!("sale"));
    let mut params = Value::Object(object);
    let signature = strip_signature(&mut params).unwrap();
    assert!(signature_matches(&params, b"secret", &signature));
    assert!(!signature_matches(&params, b"other", &signature));
    assert!(query.ends_with(&format!("signature={}", encode_component(&signature))));
}

#[test]
fn every_status_maps_and_unknown_is_pending() {
    let table = [
        ("success", PaymentStatus::Paid),
        ("awaiting capture", PaymentStatus::Authorized),
        ("decline", PaymentStatus::Failed),
        ("external error", PaymentStatus::Failed),
        ("cancelled", PaymentStatus::Cancelled),
        ("canceled", PaymentStatus::Cancelled),
        ("refunded", PaymentStatus::Refunded),
        ("reversed", PaymentStatus::Refunded),
        ("partially refunded", PaymentStatus::Paid),
        ("expired", PaymentStatus::Expired),
        ("processing", PaymentStatus::Pending),
        ("awaiting 3ds result", PaymentStatus::Pending),
        ("awaiting customer", PaymentStatus::Pending),
        ("something new", PaymentStatus::Pending),
    ];
    for (wire, expected) in table {
        let parsed: EcommpayPaymentStatus = serde_json::from_value(json!(wire)).unwrap();
        assert_eq!(PaymentStatus::from(parsed), expected, "{wire}");
    }
}

#[test]
fn gate_status_request_and_answers() {
    let gate = Gate { base_url: "https://api.ecommpay.com/", project_id: 3254, secret: b"secret" };
    let req = gate.payment_status("id_38202316");
    assert_eq!(req.url, "https://api.ecommpay.com/v2/payment/status");
    assert_eq!(req.method, Method::Post);
    let body: Value = serde_json::from_str(req.body.as_deref().unwrap()).unwrap();
    assert_eq!(body["general"]["project_id"], json!(3254));
    assert_eq!(body["general"]["payment_id"], json!("id_38202316"));
    let mut unsigned = body.clone();
    let signature = strip_signature(&mut unsigned).unwrap();
    assert!(signature_matches(&unsigned, b"secret", &signature));

    // Read as ECommPay's plugins read it: a 200 answer is the payment, signed or not.
    let answer = json!({"project_id": 3254, "payment": {"id": "id_38202316", "status": "awaiting capture"}});
    let mut signed = answer.clone();
    signed.as_object_mut().unwrap().insert("signature".into(), json!(sign(&answer, b"secret")));
    for body in [&signed, &answer] {
        match parse_status_answer(200, &body.to_string()) {
            Ok(GateAnswer::Payment(p)) => assert_eq!(callback_status(&p), PaymentStatus::Authorized),
            other => panic!("{other:?}"),
        }
    }
    // An error answer that still names the payment reports it.
    let declined = json!({"status": "error", "errors": [{"code": "3028", "message": "Decline"}],
        "payment": {"id": "id_38202316", "status": "decline"}});
    match parse_status_answer(400, &declined.to_string()) {
        Ok(GateAnswer::Payment(p)) => assert_eq!(callback_status(&p), PaymentStatus::Failed),
        other => panic!("{other:?}"),
    }
    // Any other refusal says nothing about the payment, whatever its code.
    for code in ["3061", "1", "\"weird\""] {
        let body = format!(r#"{{"status":"error","errors":[{{"code":{code},"message":"Transaction not found"}}]}}"#);
        assert!(matches!(parse_status_answer(400, &body), Ok(GateAnswer::NotKnown { status: 400, .. })), "{body}");
    }
    assert!(matches!(parse_status_answer(404, ""), Err(GateError::Status { status: 404, .. })));
    assert!(matches!(parse_status_answer(500, "oops"), Err(GateError::Status { status: 500, .. })));
    assert!(matches!(parse_status_answer(502, r#"{"errors":[]}"#), Err(GateError::Status { status: 502, .. })));
    let capture = gate.settle_hold("p1", CARD_METHOD, true, 500, "KZT");
    assert!(capture.url.ends_with("/v2/payment/card/capture"));
    let cancel = gate.settle_hold("p1", &gate_method(Some("Google Pay")), false, 500, "KZT");
    assert!(cancel.url.ends_with("/v2/payment/googlepay/cancel"), "{}", cancel.url);
    assert_eq!(parse_settle_answer(200, "{}"), Ok(GateAnswer::Accepted));
}

/// The Payment Page of the forgery: the shopper's email carries entries of its own.
fn page_request(email: &str) -> PaymentPageRequest<'_> {
    PaymentPageRequest {
        payment_id: "A-1",
        amount: 1_500_000,
        currency: "KZT",
        description: Some("Tea; 1 kg"),
        customer_id: Some("u-42"),
        customer_email: Some(email),
        customer_phone: None,
        language: None,
        success_url: "https://shop.kz/?a=1;b=2",
        fail_url: "https://shop.kz/",
        return_url: "https://shop.kz/",
        callback_url: None,
        hold: false,
        best_before: None,
    }
}

const SMUGGLING_EMAIL: &str = "a@b;payment:id:A-1;payment:status:success;zz:x";

#[test]
fn a_separator_in_a_signed_value_cannot_forge_a_callback() {
    let secret = b"project secret";
    let page = PaymentPage { url: "https://paymentpage.ecommpay.com/payment", project_id: 240_001, secret };
    // What the hole was: signing the raw values, the page's signature also signs a callback
    // whose flattened, sorted entries are the same string.
    let raw: Map<String, Value> = [
        ("customer_email", SMUGGLING_EMAIL),
        ("merchant_success_url", "https://shop.kz/"),
        ("payment_id", "A-1"),
        ("project_id", "240001"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), json!(v)))
    .collect();
    let raw_signature = sign(&Value::Object(raw), secret);
    let forged = json!({"customer_email": "a@b", "payment": {"id": "A-1", "status": "success"},
                        "zz": "x;merchant_success_url:https://shop.kz/;payment_id:A-1;project_id:240001",
                        "signature": raw_signature});
    let forged = forged.to_string();
    assert!(verify_callback(forged.as_bytes(), secret).is_ok(), "the raw signature does sign the forgery");
    assert_eq!(
        read_payment_callback(forged.as_bytes(), secret, 240_001).map(|_| ()),
        Err(CallbackError::UnknownKey("customer_email".into())),
        "the strict reading refuses it"
    );

    // Now: every value is signable, so the page signs exactly one entry per parameter.
    let params = page.params(&page_request(SMUGGLING_EMAIL));
    assert!(params.iter().all(|(_, v)| !v.contains(';')), "{params:?}");
    let object: Map<String, Value> = params.iter().map(|(k, v)| ((*k).to_owned(), json!(v))).collect();
    assert_eq!(signing_string(&Value::Object(object), SortOrder::Plain).split(';').count(), params.len());
    let email = params.iter().find(|(k, _)| *k == "customer_email").map(|(_, v)| v.as_str());
    assert_eq!(email, Some("a@b,payment:id:A-1,payment:status:success,zz:x"));
    let success = params.iter().find(|(k, _)| *k == "merchant_success_url").map(|(_, v)| v.as_str());
    assert_eq!(success, Some("https://shop.kz/?a=1%3Bb=2"), "URLs keep their meaning, percent-encoded");
    let url = page.url(&page_request(SMUGGLING_EMAIL));
    let signature = decode_form(url.split_once('?').unwrap().1).into_iter().find(|(k, _)| k == "signature").unwrap().1;
    let replayed = json!({"customer_email": "a@b", "payment": {"id": "A-1", "status": "success"}, "zz": "x", "signature": signature});
    assert_eq!(verify_callback(replayed.to_string().as_bytes(), secret).map(|_| ()), Err(CallbackError::BadSignature));
}

#[test]
fn callbacks_are_read_against_a_strict_schema() {
    let secret = b"secret";
    let signed = |body: Value| {
        let mut body = body;
        let signature = sign(&body, secret);
        body.as_object_mut().unwrap().insert("signature".into(), json!(signature));
        body.to_string()
    };
    let good = json!({"project_id": 28051, "payment": {"id": "A-1", "status": "success", "sum": {"amount": 100, "currency": "KZT"}},
                      "operation": {"status": "success"}, "account": {"number": "424242******4242"}});
    let (callback, payment) = read_payment_callback(signed(good.clone()).as_bytes(), secret, 28051).unwrap();
    assert_eq!((payment.id.as_str(), callback_status(&callback)), ("A-1", PaymentStatus::Paid));
    let in_general =
        json!({"general": {"project_id": "28051", "payment_id": "A-1"}, "payment": {"id": "A-1", "status": "decline"}});
    assert!(
        read_payment_callback(signed(in_general).as_bytes(), secret, 28051).is_ok(),
        "project_id in general, as a string"
    );

    let mut other_project = good.clone();
    other_project["project_id"] = json!(28052);
    let mut no_project = good.clone();
    no_project.as_object_mut().unwrap().remove("project_id");
    let mut no_payment = good.clone();
    no_payment.as_object_mut().unwrap().remove("payment");
    let mut unknown = good.clone();
    unknown["customer_email"] = json!("a@b");
    for (body, refused) in [
        (other_project, CallbackError::WrongProject),
        (no_project, CallbackError::WrongProject),
        (no_payment, CallbackError::NoPayment),
        (unknown, CallbackError::UnknownKey("customer_email".into())),
    ] {
        assert_eq!(
            read_payment_callback(signed(body.clone()).as_bytes(), secret, 28051).map(|_| ()),
            Err(refused),
            "{body}"
        );
    }
    // The documentation's callback example reads as a payment callback of its project.
    let docs = vectors().into_iter().find(|v| v["name"] == "docs-callback-example").unwrap();
    let mut body = docs["data"].clone();
    body["signature"] = docs["signature"].clone();
    assert!(read_payment_callback(body.to_string().as_bytes(), b"secret", 28051).is_ok());
}

#[test]
fn a_reformatted_callback_has_the_same_receipt() {
    let compact = br#"{"project_id":1,"payment":{"id":"A-1","status":"success"},"signature":"x"}"#;
    let pretty = b"{\n  \"payment\": {\"status\": \"success\", \"id\": \"A-1\"},\n  \"signature\": \"y\",\n  \"project_id\": 1\n}";
    let other = br#"{"project_id":1,"payment":{"id":"A-1","status":"decline"},"signature":"x"}"#;
    let receipt = super::callback_receipt(compact).unwrap();
    assert_eq!(super::callback_receipt(pretty), Some(receipt.clone()), "format and signature aside, the same news");
    assert_ne!(super::callback_receipt(other), Some(receipt));
    assert_eq!(super::callback_receipt(b"[1]"), None);
}

#[test]
fn every_way_back_is_switched_on_and_opens_in_the_same_tab() {
    let page = PaymentPage { url: "https://paymentpage.ecommpay.com/payment", project_id: 1, secret: b"s" };
    let params = page.params(&page_request("a@b.kz"));
    let value = |k: &str| params.iter().find(|(key, _)| *key == k).map(|(_, v)| v.as_str());
    for way in ["success", "fail", "return"] {
        assert!(value(&format!("merchant_{way}_url")).is_some(), "{way}");
        assert_eq!(value(&format!("merchant_{way}_enabled")), Some("2"), "{way}");
        assert_eq!(value(&format!("merchant_{way}_redirect_mode")), Some("parent_page"), "{way}");
    }
}

#[test]
fn methods_and_phones_are_written_as_the_gate_takes_them() {
    assert_eq!(gate_method(Some("card")), "card");
    assert_eq!(gate_method(Some("Apple Pay")), "applepay");
    assert_eq!(gate_method(Some("google_pay")), "googlepay");
    assert_eq!(gate_method(None), "card");
    assert_eq!(gate_method(Some("../x")), "x", "nothing but letters and digits reaches the path");
    assert_eq!(customer_phone("+7 (701) 000-00-00").as_deref(), Some("77010000000"));
    assert_eq!(customer_phone("123"), None, "fewer than 4 digits");
    assert_eq!(customer_phone(&"1".repeat(25)), None, "more than 24");
    assert_eq!(customer_phone("call me"), None);
}
