use super::*;
use serde_json::json;

fn api() -> OneEntryApi<'static> {
    OneEntryApi {
        project_url: "https://shop.oneentry.cloud/",
        app_token: "app-token-1",
        device_metadata: r#"{"fingerprint":"UQ_x_y"}"#,
        lang_code: "en_US",
    }
}

#[test]
fn sign_in_and_refresh_requests_match_the_sdk() {
    let r = api().sign_in("u@x.kz", "p@ss");
    assert_eq!(r.url, "https://shop.oneentry.cloud/api/content/users-auth-providers/marker/email/users/auth");
    assert_eq!(r.header("x-app-token"), Some("app-token-1"));
    assert_eq!(r.header("x-device-metadata"), Some(r#"{"fingerprint":"UQ_x_y"}"#));
    assert_eq!(r.header("authorization"), None);
    let body: Value = serde_json::from_str(r.body.as_deref().unwrap()).unwrap();
    assert_eq!(
        body,
        json!({"authData":[{"marker":"email_reg","value":"u@x.kz"},{"marker":"password_reg","value":"p@ss"}]})
    );
    let r = api().refresh("rt-1");
    assert!(r.url.ends_with("/users-auth-providers/marker/email/users/refresh"));
    assert_eq!(r.body.as_deref(), Some(r#"{"refreshToken":"rt-1"}"#));
    let answer =
        r#"{"userIdentifier":"u@x.kz","authProviderIdentifier":"email","accessToken":"at","refreshToken":"rt"}"#;
    let tokens: AuthTokens = parse(200, answer).unwrap();
    assert_eq!((tokens.access_token.as_str(), tokens.refresh_token.as_str()), ("at", "rt"));
}

#[test]
fn json_text_escapes_what_json_needs_and_round_trips() {
    for s in ["plain", "qu\"ote", "back\\slash", "line\nbreak\ttab\r", "\u{1}\u{1f}", "Төлем ₸ 😀", ""] {
        let text = json_text(s);
        assert_eq!(serde_json::from_str::<String>(&text).unwrap(), s, "{text}");
    }
    let r = api().sign_in("a\"b@x.kz", "p\\w");
    let body: Value = serde_json::from_str(r.body.as_deref().unwrap()).unwrap();
    assert_eq!(body["authData"][0]["value"], "a\"b@x.kz");
    assert_eq!(body["authData"][1]["value"], "p\\w");
    let meta: Value = serde_json::from_str(&device_metadata("UQ_1", "Linux", "Chrome \"x\"", "kk-KZ")).unwrap();
    assert_eq!(
        meta,
        json!({"fingerprint": "UQ_1", "deviceInfo": {"os": "Linux", "browser": "Chrome \"x\"", "location": "kk-KZ"}})
    );
}

#[test]
fn orders_and_sessions_requests_carry_the_user_token() {
    let order = NewOrder {
        storage_marker: "orders",
        form_identifier: "orderForm",
        payment_account_identifier: "stripe",
        form_data: &[FormEntry { marker: "name".into(), value: "Ivan".into(), kind: "string".into() }],
        products: &[ProductLine { product_id: 1, quantity: 2 }],
    };
    let r = api().create_order(&order, "at");
    assert_eq!(r.url, "https://shop.oneentry.cloud/api/content/orders-storage/marker/orders/orders?langCode=en_US");
    assert_eq!(r.header("authorization"), Some("Bearer at"));
    assert!(!format!("{r:?}").contains("Bearer at"), "tokens are redacted in logs");
    let body: Value = serde_json::from_str(r.body.as_deref().unwrap()).unwrap();
    assert_eq!(
        body,
        json!({"formIdentifier":"orderForm","paymentAccountIdentifier":"stripe",
               "formData":{"en_US":[{"marker":"name","value":"Ivan","type":"string"}]},
               "products":[{"productId":1,"quantity":2}]})
    );
    let r = api().create_session(55, "at");
    let body: Value = serde_json::from_str(r.body.as_deref().unwrap()).unwrap();
    assert_eq!(body, json!({"automaticTaxEnabled": false, "orderId": 55, "type": "session"}));
    let r = api().sessions_by_order(55, "at");
    assert_eq!(r.url, "https://shop.oneentry.cloud/api/content/payments/sessions/order/55");
    assert_eq!(r.header("x-device-metadata"), None, "only POSTs carry device metadata");
}

#[test]
fn sessions_by_order_reads_an_array_or_an_object() {
    let one = r#"{"id":27,"createdDate":"2025-06-04T04:38:32.849Z","updatedDate":"2025-06-04T04:38:32.849Z","type":"session","status":"waiting","paymentAccountId":1,"orderId":55,"paymentUrl":null}"#;
    let parsed: SessionsByOrder = parse(200, one).unwrap();
    let session = parsed.latest().unwrap();
    assert_eq!((session.id, session.status.as_str(), session.payment_url.as_deref()), (27, "waiting", None));
    let many = r#"[{"id":27,"status":"waiting","paymentUrl":null},{"id":31,"status":"paid","paymentUrl":"https://pay.example/x"}]"#;
    let latest = parse::<SessionsByOrder>(200, many).unwrap().latest().unwrap();
    assert_eq!((latest.id, latest.payment_url.as_deref()), (31, Some("https://pay.example/x")));
    assert_eq!(parse::<SessionsByOrder>(200, "[]").unwrap().latest(), None);
}

#[test]
fn the_vendors_order_example_parses() {
    let order = r#"{"id":418,"storageId":1,"createdDate":"2026-01-28T16:02:08.865Z","statusIdentifier":"inProgress","formIdentifier":"orderForm","formData":[{"marker":"order_name","value":"Ivan","type":"string"}],"totalSum":"300.00","currency":"","paymentAccountIdentifier":"cash","paymentAccountLocalizeInfos":{"title":"Cash"},"products":[{"id":2957,"title":"Cosmo","price":150,"quantity":2,"sku":null,"previewImage":null}],"paymentUrl":null,"isCompleted":null}"#;
    let parsed: CreatedOrder = parse(200, order).unwrap();
    assert_eq!(parsed.id, 418);
    assert_eq!(parsed.total_sum, Some(DecimalText("300.00".into())));
    assert!(is_cash(parsed.payment_account_identifier.as_deref().unwrap()));
}

#[test]
fn a_total_is_kept_as_its_decimal_text_whether_a_number_or_a_string() {
    let total = |json: &str| {
        serde_json::from_str::<CreatedOrder>(&format!(r#"{{"id":1,"totalSum":{json}}}"#)).map(|o| o.total_sum)
    };
    assert_eq!(total("300").ok(), Some(Some(DecimalText("300".into()))));
    assert_eq!(total("15000.5").ok(), Some(Some(DecimalText("15000.5".into()))));
    assert_eq!(total("300.0").ok(), Some(Some(DecimalText("300".into()))), "the number, not its spelling");
    assert_eq!(total(r#""300.00""#).ok(), Some(Some(DecimalText("300.00".into()))));
    assert_eq!(total("null").ok(), Some(None));
    assert!(total("[300]").is_err(), "a total is a number or its text");
}

#[test]
fn localized_titles_are_read_in_both_shapes_and_the_rest_is_passed_over() {
    let titles = |json: &str| serde_json::from_str::<LocalizedTitles>(json).ok();
    assert_eq!(
        titles(r#"{"en_US":{"title":"Card","content":"<p>x</p>"},"ru_RU":{"title":"Карта"},"kk_KZ":{"content":"y"}}"#),
        Some(LocalizedTitles {
            title: None,
            by_language: vec![("en_US".into(), "Card".into()), ("ru_RU".into(), "Карта".into())]
        })
    );
    assert_eq!(
        titles(r#"{"title":"Cash","content":"pay the courier","menu":[1,{"a":2}],"n":1.5,"ok":true,"none":null}"#),
        Some(LocalizedTitles { title: Some("Cash".into()), by_language: vec![] })
    );
    assert_eq!(titles(r#"{"title":5}"#), Some(LocalizedTitles::default()), "a title that is not text is none");
    assert_eq!(titles("null"), Some(LocalizedTitles::default()));
    assert_eq!(titles("[]"), Some(LocalizedTitles::default()));
}

#[test]
fn errors_keep_oneentrys_message_and_401_asks_for_a_refresh() {
    let body = r#"{"statusCode":401,"message":"Unauthorized","pageData":null,"timestamp":"2025-01-01T00:00:00Z"}"#;
    assert_eq!(parse::<AuthTokens>(401, body), Err(OneEntryError::Unauthorized("Unauthorized".into())));
    let body = r#"{"statusCode":400,"message":["email must be an email"],"pageData":null,"timestamp":"x"}"#;
    assert_eq!(
        parse::<AuthTokens>(400, body),
        Err(OneEntryError::Refused { status: 400, message: "email must be an email".into() })
    );
    assert!(matches!(parse::<AuthTokens>(502, "<html>"), Err(OneEntryError::Refused { status: 502, .. })));
    assert!(matches!(parse::<AuthTokens>(200, "{}"), Err(OneEntryError::Malformed(_))));
}

#[test]
fn session_statuses_map_with_a_configurable_table() {
    let table = SessionStatusTable::default();
    assert_eq!(table.map("waiting"), PaymentStatus::Pending);
    assert_eq!(table.map("paid"), PaymentStatus::Paid);
    assert_eq!(table.map("completed"), PaymentStatus::Paid);
    assert_eq!(table.map("Completed"), PaymentStatus::Paid);
    assert_eq!(table.map("canceled"), PaymentStatus::Cancelled);
    assert_eq!(table.map("expired"), PaymentStatus::Expired);
    assert_eq!(table.map("succeeded"), PaymentStatus::Pending, "unknown is pending, never success");
    let custom = SessionStatusTable::with_overrides("declined=failed, succeeded = paid").unwrap();
    assert_eq!(custom.map("declined"), PaymentStatus::Failed);
    assert_eq!(custom.map("succeeded"), PaymentStatus::Paid);
    assert_eq!(custom.map("waiting"), PaymentStatus::Pending);
    assert!(SessionStatusTable::with_overrides("declined").is_err());
    assert!(SessionStatusTable::with_overrides("declined=nope").is_err());
}

#[test]
fn accounts_become_methods_and_cash_is_marked() {
    let accounts = r#"[{"id":1,"identifier":"stripe","type":"stripe","isVisible":true,"isUsed":true,"testMode":true,"localizeInfos":{"en_US":{"title":"Card (Stripe)"}}},
        {"id":4,"identifier":"paypal","type":"custom","localizeInfos":{"ru_RU":{"title":"PayPal"}}},
        {"id":2,"identifier":"cash","type":"custom","isVisible":true,"localizeInfos":{"title":"Cash"}},
        {"id":3,"identifier":"hidden","type":"custom","isVisible":false,"localizeInfos":{}}]"#;
    let accounts: Vec<PaymentAccount> = parse(200, accounts).unwrap();
    let methods = methods(&accounts, "ru_RU");
    assert_eq!(methods.len(), 3);
    assert_eq!(
        (methods[0].id.as_str(), methods[0].label.as_str(), methods[0].kind),
        ("stripe", "Card (Stripe)", MethodKind::Card)
    );
    assert_eq!(
        (methods[1].id.as_str(), methods[1].label.as_str(), methods[1].kind),
        ("paypal", "PayPal", MethodKind::Wallet)
    );
    assert_eq!(
        (methods[2].id.as_str(), methods[2].label.as_str(), methods[2].kind),
        ("cash", "Cash", MethodKind::Cash)
    );
    assert_eq!(lang_code("kk"), "kk_KZ");
}
