use super::*;
use crate::status::PaymentStatus;

const VECTOR_BODY: &str = r#"{"data":{"type":"payment-invoices","id":"cpi_UoIW6RdSYyIRj8vR","attributes":{"status":"processed","resolution":"ok","amount":4,"currency":"UAH","reference_id":"e2041fe2-44da-44da-0090-4ffe9d2f25d0","test_mode":true}}}"#;

#[test]
fn callback_signature_matches_the_vector_in_section_7_4() {
    assert_eq!(callback_signature(b"test_secret_key", VECTOR_BODY.as_bytes()), "aVFNhpSS6VwvPthuiY6BxZa/tko=");
    let invoices = verify_callback(b"test_secret_key", VECTOR_BODY.as_bytes(), Some("aVFNhpSS6VwvPthuiY6BxZa/tko="));
    let invoices = invoices.unwrap();
    assert_eq!(invoices.len(), 1);
    assert_eq!(invoices[0].id, "cpi_UoIW6RdSYyIRj8vR");
    assert_eq!(PaymentStatus::from(invoices[0].attributes.status), PaymentStatus::Paid);
}

#[test]
fn forged_tampered_and_unsigned_callbacks_are_refused() {
    let good = "aVFNhpSS6VwvPthuiY6BxZa/tko=";
    assert_eq!(verify_callback(b"test_secret_key", VECTOR_BODY.as_bytes(), None), Err(CallbackError::MissingSignature));
    assert_eq!(
        verify_callback(b"test_secret_key", VECTOR_BODY.as_bytes(), Some(" ")),
        Err(CallbackError::MissingSignature)
    );
    assert_eq!(verify_callback(b"other", VECTOR_BODY.as_bytes(), Some(good)), Err(CallbackError::BadSignature));
    let tampered = VECTOR_BODY.replace("\"amount\":4", "\"amount\":5");
    assert_eq!(verify_callback(b"test_secret_key", tampered.as_bytes(), Some(good)), Err(CallbackError::BadSignature));
    // Re-serialising the body changes the bytes, so a signature over parsed JSON is not ours.
    let reformatted = serde_json::to_string_pretty(&serde_json::from_str::<Value>(VECTOR_BODY).unwrap()).unwrap();
    assert_eq!(
        verify_callback(b"test_secret_key", reformatted.as_bytes(), Some(good)),
        Err(CallbackError::BadSignature)
    );
    assert_eq!(
        verify_callback(b"test_secret_key", VECTOR_BODY.as_bytes(), Some("not base64!")),
        Err(CallbackError::BadSignature)
    );
    // Signed but not an invoice: refused as malformed, not applied.
    let odd = br#"{"hello":1}"#;
    let sig = callback_signature(b"k", odd);
    assert!(matches!(verify_callback(b"k", odd, Some(&sig)), Err(CallbackError::Malformed(_))));
}

#[test]
fn batched_callbacks_yield_every_invoice() {
    let body = r#"{"data":[{"type":"payment-invoices","id":"cpi_A","attributes":{"status":"processing","updated":10}},{"type":"payment-invoices","id":"cpi_A","attributes":{"status":"processed","updated":12}}]}"#;
    let sig = callback_signature(b"s", body.as_bytes());
    let invoices = verify_callback(b"s", body.as_bytes(), Some(&sig)).unwrap();
    assert_eq!(invoices.len(), 2);
    assert_eq!(invoices[1].attributes.updated, Some(12));
}

#[test]
fn every_invoice_status_maps_and_unknown_is_pending() {
    use InvoiceStatus as I;
    use PaymentStatus as P;
    let table = [
        ("created", I::Created, P::Pending),
        ("expired", I::Expired, P::Expired),
        ("terminated", I::Terminated, P::Cancelled),
        ("processing", I::Processing, P::Pending),
        ("process_pending", I::ProcessPending, P::Pending),
        ("processed", I::Processed, P::Paid),
        ("partially_processed", I::PartiallyProcessed, P::Pending),
        ("process_error", I::ProcessError, P::Pending),
        ("process_failed", I::ProcessFailed, P::Failed),
        ("refunding", I::Refunding, P::Paid),
        ("refund_pending", I::RefundPending, P::Paid),
        ("refund_error", I::RefundError, P::Paid),
        ("partially_refunded", I::PartiallyRefunded, P::Paid),
        ("refunded", I::Refunded, P::Refunded),
        ("refund_failed", I::RefundFailed, P::Paid),
        ("something_new", I::Unknown, P::Pending),
    ];
    for (wire, status, ours) in table {
        let parsed: InvoiceStatus = serde_json::from_str(&format!("\"{wire}\"")).unwrap();
        assert_eq!(parsed, status, "{wire}");
        assert_eq!(PaymentStatus::from(parsed), ours, "{wire}");
    }
    for final_failure in ["process_failed", "expired", "terminated"] {
        let s: InvoiceStatus = serde_json::from_str(&format!("\"{final_failure}\"")).unwrap();
        let ours = PaymentStatus::from(s);
        assert!(ours.is_final() && ours != P::Paid, "{final_failure}");
    }
}

const PREREQUEST: &str = r#"{"data":{"type":"payment-prerequest","attributes":{"currency":"KZT","test_mode":true,
 "services":{
  "bank_card_kzt_hpp":{"code":"bank_card_kzt_hpp","method":"bank_card","flow":"hpp","currency":"KZT","fields":[],"status":"available"},
  "kaspi_kzt_hpp":{"code":"kaspi_kzt_hpp","method":"kaspi","flow":"hpp","currency":"KZT","fields":[
     {"key":"email","type":"string","label":{"en":"Email","ru":"Почта"},"hint":{"en":"For the receipt"},"regexp":"","required":false,"weight":2},
     {"key":"phone","type":"string","label":{"en":"Phone","ru":"Телефон"},"hint":{"ru":"+7 и 10 цифр"},"regexp":"^\\+7\\d{10}$","required":true,"weight":1}],"status":"available"},
  "qiwi_kzt_hpp":{"code":"qiwi_kzt_hpp","method":"qiwi","flow":"hpp","currency":"KZT","fields":[],"status":"disabled"},
  "broken":{"method":"x"}},
 "methods":{
  "bank_card":{"code":"bank_card","name":"Bank card","category":"bank_card","logo":"https://static.paytone.io/logos/bank_card.svg","icon":null},
  "kaspi":{"code":"kaspi","name":"Kaspi.kz","category":"e_wallet","logo":"javascript:alert(1)","icon":"https://static.paytone.io/icons/kaspi.svg"}}}}}"#;

#[test]
fn prerequest_services_become_methods_with_fields_in_weight_order() {
    let pre: Prerequest = parse(200, PREREQUEST).unwrap();
    assert_eq!(pre.kind, "payment-prerequest");
    let methods = methods(&pre, "ru", None);
    let ids: Vec<&str> = methods.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["bank_card_kzt_hpp", "kaspi_kzt_hpp"], "disabled and unreadable services are left out");
    assert_eq!(methods[0].kind, MethodKind::Card);
    assert_eq!(methods[0].label, "Bank card");
    assert_eq!(methods[0].logo.as_deref(), Some("https://static.paytone.io/logos/bank_card.svg"));
    let kaspi = &methods[1];
    assert_eq!(kaspi.kind, MethodKind::Wallet);
    assert_eq!(kaspi.label, "Kaspi.kz", "the provider's spelling");
    assert_eq!(
        kaspi.logo.as_deref(),
        Some("https://static.paytone.io/icons/kaspi.svg"),
        "a javascript: logo is dropped"
    );
    let keys: Vec<&str> = kaspi.fields.iter().map(|f| f.key.as_str()).collect();
    assert_eq!(keys, ["phone", "email"]);
    assert_eq!(kaspi.fields[0].label, "Телефон");
    assert_eq!(kaspi.fields[0].hint.as_deref(), Some("+7 и 10 цифр"));
    assert_eq!(kaspi.fields[0].pattern.as_deref(), Some("^\\+7\\d{10}$"));
    assert!(kaspi.fields[0].required);
    assert_eq!(kaspi.fields[1].pattern, None, "an empty regexp means no pattern");
    assert_eq!(kaspi.fields[1].hint.as_deref(), Some("For the receipt"), "falls back to English");
    let sandboxed = PREREQUEST.replace("https://static.paytone.io", "http://127.0.0.1:8080/sandbox/paytone");
    let pre: Prerequest = parse(200, &sandboxed).unwrap();
    let trusted = super::methods(&pre, "en", Some("http://127.0.0.1:8080"));
    assert_eq!(trusted[0].logo.as_deref(), Some("http://127.0.0.1:8080/sandbox/paytone/logos/bank_card.svg"));
    assert_eq!(super::methods(&pre, "en", Some("http://127.0.0.1:80"))[0].logo, None, "another origin");
    assert_eq!(super::methods(&pre, "en", None)[0].logo, None, "plain http is not trusted");
}

#[test]
fn requests_carry_major_units_and_the_right_auth() {
    let public = PublicApi { base_url: "https://com.paycore.io/", public_key: "pk_test_1" };
    let r = public.prerequest(Currency::Kzt, MinorUnits(150_050));
    assert_eq!(r.url, "https://com.paycore.io/public-api/payment-prerequest");
    let body: Value = serde_json::from_str(r.body.as_deref().unwrap()).unwrap();
    assert_eq!(body, json!({"amount": 1500.5, "currency": "KZT", "public_key": "pk_test_1"}));
    assert!(r.body.as_deref().unwrap().contains(r#""amount":1500.5"#), "the exact decimal on the wire");

    let fields = FieldValues(vec![("phone".to_owned(), "+77010000000".to_owned())]);
    let invoice = InvoiceRequest {
        reference_id: "A-1~2",
        amount: MinorUnits(29),
        currency: Currency::Usd,
        description: Some("Order"),
        service: "kaspi_kzt_hpp",
        fields: &fields,
        return_url: "https://shop.kz/c?tolem_return=back",
        locale: Some("kk"),
        customer_id: Some("u-1"),
        email: None,
        phone: Some("+77010000000"),
        expires: Some(1_796_299_200),
        metadata: &[("tolem_attempt", "att_1")],
    };
    let private = default_private_api("https://api.paytone.test/");
    assert_eq!(private, "https://api.paytone.test/api");
    let bearer =
        PrivateApi { base_url: &private, api_key: "ak_test_9", auth: &PrivateAuth::Bearer, body: InvoiceBody::JsonApi };
    let req = bearer.create_invoice(&invoice);
    assert_eq!(req.url, "https://api.paytone.test/api/payment-invoices");
    assert_eq!(req.header("authorization"), Some("Bearer ak_test_9"));
    assert!(!format!("{req:?}").contains("ak_test_9"), "the key is redacted in logs");
    let body: Value = serde_json::from_str(req.body.as_deref().unwrap()).unwrap();
    let attributes = &body["data"]["attributes"];
    assert_eq!(body["data"]["type"], "payment-invoices");
    assert_eq!(attributes["amount"].to_string(), "0.29");
    assert_eq!(attributes["locale"], "ru", "no Kazakh HPP: Russian");
    assert_eq!(attributes["fields"]["phone"], "+77010000000");
    assert_eq!(attributes["customer"]["reference_id"], "u-1");
    assert_eq!(attributes["metadata"]["tolem_attempt"], "att_1");
    assert_eq!(attributes["expires"], 1_796_299_200);
    // A Private API host of its own, as Corefy's docs allow.
    let basic = PrivateApi {
        base_url: "https://private.paytone.test/",
        api_key: "sk",
        auth: &PrivateAuth::Basic { account_id: "acc".into() },
        body: InvoiceBody::Flat,
    };
    let flat: Value = serde_json::from_str(basic.create_invoice(&invoice).body.as_deref().unwrap()).unwrap();
    assert_eq!((flat["reference_id"].as_str(), flat.get("data")), (Some("A-1~2"), None), "{flat}");
    assert_eq!(basic.invoice("cpi_X/1").header("authorization"), Some("Basic YWNjOnNr"));
    assert_eq!(basic.invoice("cpi_X/1").url, "https://private.paytone.test/payment-invoices/cpi_X%2F1");
    assert_eq!(hpp_url("https://com.paycore.io/", "cpi_1"), "https://com.paycore.io/hpp/?cpi=cpi_1");
}

#[test]
fn answers_and_errors_are_read_like_the_sdk_reads_them() {
    let created = r#"{"data":{"type":"payment-invoices","id":"cpi_1","attributes":{"status":"created","amount":1500.5,"currency":"KZT","reference_id":"A-1","updated":1700000000}}}"#;
    let invoice: Invoice = parse(201, created).unwrap();
    assert_eq!(invoice.attributes.amount.as_ref().map(ToString::to_string).as_deref(), Some("1500.5"));
    let amount = invoice.attributes.amount.map(|a| a.to_string()).unwrap_or_default();
    assert_eq!(crate::money::minor_from_major(&amount, Currency::Kzt), Some(MinorUnits(150_050)));
    let validation = r#"{"request_id":"r1","error_type":"validation_error","error_codes":["invalid_phone"],"errors":[{"title":"Invalid field","detail":"phone: does not match"}]}"#;
    assert_eq!(parse::<Invoice>(422, validation), Err(PaytoneError::Validation("phone: does not match".into())));
    assert!(matches!(
        parse::<Invoice>(401, r#"{"error":"Unauthorized"}"#),
        Err(PaytoneError::Refused { status: 401, .. })
    ));
    assert!(matches!(parse::<Invoice>(200, r#"{"errors":[{"title":"x"}]}"#), Err(PaytoneError::Refused { .. })));
    assert!(matches!(
        parse::<Invoice>(502, "<html>bad gateway</html>"),
        Err(PaytoneError::Refused { status: 502, .. })
    ));
    assert!(matches!(parse::<Invoice>(200, "{not json"), Err(PaytoneError::Malformed(_))));
    assert!(matches!(parse::<Invoice>(200, r#"{"data":{"id":"cpi_1"}}"#), Err(PaytoneError::Malformed(_))));
}

#[test]
fn out_of_order_callbacks_are_recognised_by_updated() {
    assert!(is_newer(Some(12), Some(10)));
    assert!(is_newer(Some(10), Some(10)));
    assert!(!is_newer(Some(9), Some(10)));
    assert!(is_newer(None, Some(10)));
    assert!(is_newer(Some(1), None));
}

#[test]
fn the_payer_goes_where_the_invoice_says_else_to_the_hpp() {
    let invoice = |flow: Value| -> Invoice {
        serde_json::from_value(
            json!({"type": "payment-invoices", "id": "cpi_1", "attributes": {"status": "created", "flow_data": flow}}),
        )
        .unwrap()
    };
    let base = "https://com.paycore.io";
    let page = json!({"action": "https://checkout.paycore.io/hpp/?cpi=cpi_1", "method": "GET", "params": []});
    assert_eq!(payer_url(base, &invoice(page)), "https://checkout.paycore.io/hpp/?cpi=cpi_1");
    let post = json!({"action": "https://acs.bank/3ds", "method": "POST", "params": {"PaReq": "x"}});
    assert_eq!(payer_url(base, &invoice(post)), "https://com.paycore.io/hpp/?cpi=cpi_1");
    assert_eq!(
        payer_url(base, &invoice(json!({"action": "javascript:alert(1)"}))),
        "https://com.paycore.io/hpp/?cpi=cpi_1"
    );
    assert_eq!(payer_url(base, &invoice(Value::Null)), "https://com.paycore.io/hpp/?cpi=cpi_1");
}
