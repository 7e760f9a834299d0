use super::*;

const SAMPLES: &str = include_str!("../../../vectors/rbs_samples.txt");

/// The JSON lines of rbs_samples.txt, in order: paid, unpaid, held, declined, register.
fn samples() -> Vec<&'static str> {
    SAMPLES.lines().filter(|l| l.starts_with('{')).collect()
}

#[test]
fn real_status_answers_map_to_the_right_status() {
    let s = samples();
    assert_eq!(s.len(), 5);
    let expected = [
        (PaymentStatus::Paid, Some("66c0640d-c88c-76e6-9dfa-c4ff5e34c9d9")),
        (PaymentStatus::Pending, Some("9d9b693d-8b57-7f03-a928-d6dc29950482")),
        (PaymentStatus::Authorized, Some("e51f45c1-8411-7a83-aa2c-12b900151068")),
        (PaymentStatus::Expired, Some("b9054496-c65a-4975-9418-1051d101f1b9")),
    ];
    for (body, (status, md_order)) in s.iter().zip(expected) {
        let parsed: RbsOrderStatusExtended = parse(200, body).unwrap();
        assert_eq!(PaymentStatus::from(&parsed), status, "{body}");
        assert_eq!(parsed.md_order(), md_order);
    }
    let paid: RbsOrderStatusExtended = parse(200, s[0]).unwrap();
    assert_eq!(paid.amount, Some(550_000));
    assert_eq!(paid.payment_amount_info.and_then(|p| p.deposited_amount), Some(550_000));
    let register: RbsRegisterResponse = parse(200, s[4]).unwrap();
    assert_eq!(register.order_id.as_deref(), Some("b43ab099-cbd9-7216-8270-d0af5e369d04"));
    assert!(register.form_url.unwrap().contains("mdOrder=b43ab099"));
}

#[test]
fn every_order_status_and_action_code_maps() {
    use PaymentStatus::*;
    let actions = [
        (Some(0), RbsAction::Approved),
        (Some(-100), RbsAction::NotAttempted),
        (Some(-2007), RbsAction::SessionExpired),
        (Some(-2006), RbsAction::ThreeDsFailed),
        (Some(116), RbsAction::Declined),
        (None, RbsAction::Missing),
    ];
    for (code, action) in actions {
        assert_eq!(RbsAction::from_code(code), action);
    }
    // orderStatus × actionCode (Approved, NotAttempted, SessionExpired, ThreeDsFailed, Declined, Missing)
    let table: [(Option<i64>, [PaymentStatus; 6]); 9] = [
        (Some(0), [Pending, Pending, Expired, Pending, Pending, Pending]),
        (Some(1), [Authorized; 6]),
        (Some(2), [Paid; 6]),
        (Some(3), [Cancelled; 6]),
        (Some(4), [Refunded; 6]),
        (Some(5), [Pending; 6]),
        (Some(6), [Failed, Failed, Expired, Failed, Failed, Failed]),
        (Some(7), [Pending; 6]),
        (None, [Pending; 6]),
    ];
    for (code, row) in table {
        for ((_, action), expected) in actions.iter().zip(row) {
            assert_eq!(order_status(RbsOrderStatus::from_code(code), *action), expected, "{code:?} {action:?}");
        }
    }
}

#[test]
fn error_codes_are_strings_or_numbers_and_become_errors() {
    // errorCode 1 covers three refusals of RBS's table; only the message tells them apart.
    for message in [
        "Заказ с таким номером уже обработан",
        "Заказ с таким номером был зарегистрирован, но не был оплачен",
        "Неверный номер заказа",
    ] {
        let body = serde_json::json!({"errorCode": "1", "errorMessage": message}).to_string();
        let e = parse::<RbsRegisterResponse>(200, &body).unwrap_err();
        assert!(e.is_order_number_refused());
        assert_eq!(e, RbsError::Code { code: "1".into(), message: message.into() });
    }
    assert!(parse::<RbsRegisterResponse>(200, r#"{"errorCode":"5","errorMessage":"Неверный язык"}"#)
        .unwrap_err()
        .is_wrong_value());
    let unknown = r#"{"errorCode":6,"errorMessage":"Заказ не найден"}"#;
    assert!(parse::<RbsOrderStatusExtended>(200, unknown).unwrap_err().is_unknown_order());
    assert_eq!(
        parse::<RbsSimpleResponse>(200, r#"{"errorCode":"0","errorMessage":"Успешно"}"#).unwrap().error_code,
        "0"
    );
    assert_eq!(parse::<RbsSimpleResponse>(502, "<html>"), Err(RbsError::Malformed { status: 502 }));
    assert_eq!(parse::<RbsSimpleResponse>(200, "<html>"), Err(RbsError::Malformed { status: 200 }));
    let short: RbsOrderStatusShort =
        parse(200, r#"{"OrderStatus":2,"ErrorCode":"0","ErrorMessage":"","OrderNumber":"7","Amount":100}"#).unwrap();
    assert_eq!(PaymentStatus::from(&short), PaymentStatus::Paid);
}

#[test]
fn requests_are_form_encoded_with_numeric_currency() {
    let server = RbsServer {
        base_url: "https://3dsec.berekebank.kz/payment/rest/",
        user_name: "shop-api",
        password: "p&ss word",
    };
    let req = server.register(
        &RbsRegisterRequest {
            order_number: "A-1001",
            amount: 1_500_000,
            currency: crate::money::Currency::Kzt.numeric(),
            return_url: "https://shop.kz/c?x=1&tolem_return=success",
            fail_url: "https://shop.kz/c?tolem_return=failure",
            description: Some("Заказ A-1001"),
            language: Some("kk"),
            client_id: None,
            email: None,
            phone: None,
            json_params: None,
            session_timeout_secs: Some(1200),
        },
        true,
    );
    assert_eq!(req.url, "https://3dsec.berekebank.kz/payment/rest/registerPreAuth.do");
    assert_eq!(req.header("content-type"), Some("application/x-www-form-urlencoded"));
    let body = decode_form(req.body.as_deref().unwrap());
    let get = |k: &str| body.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    assert_eq!(get("sessionTimeoutSecs"), Some("1200"), "the page lives as long as Tolem says");
    assert_eq!(get("password"), Some("p&ss word"));
    assert_eq!(get("currency"), Some("398"));
    assert_eq!(get("amount"), Some("1500000"));
    assert_eq!(get("returnUrl"), Some("https://shop.kz/c?x=1&tolem_return=success"));
    assert_eq!(get("clientId"), None);
    assert!(!format!("{req:?}").contains("p&ss"), "Debug hides the form body");
    assert!(server.order_status_extended(OrderRef::OrderNumber("A-1")).body.unwrap().contains("orderNumber=A-1"));
    assert!(server.deposit("u-1", 0).url.ends_with("/deposit.do"));
    assert!(server.reverse("u-1").url.ends_with("/reverse.do"));
    assert!(server.refund("u-1", 5).body.unwrap().ends_with("amount=5"));
    assert!(server
        .register(&RbsRegisterRequest { order_number: "x", ..sample_register() }, false)
        .url
        .ends_with("/register.do"));
}

fn sample_register() -> RbsRegisterRequest<'static> {
    RbsRegisterRequest {
        order_number: "A",
        amount: 1,
        currency: 398,
        return_url: "https://s.kz/",
        fail_url: "https://s.kz/",
        description: None,
        language: None,
        client_id: None,
        email: None,
        phone: None,
        json_params: None,
        session_timeout_secs: None,
    }
}

#[test]
fn return_parameters_are_read_with_or_without_a_merchant_query() {
    let plain = parse_return("https://4pda.ru/2020/07/02/372817/?orderId=b43ab099-cbd9-7216-8270-d0af5e369d04&lang=ru");
    assert_eq!(
        plain,
        Some(RbsReturn { order_id: "b43ab099-cbd9-7216-8270-d0af5e369d04".into(), lang: Some("ru".into()) })
    );
    let merchant =
        parse_return("https://shop.kz/checkout?provider=bereke&tolem_return=success&orderId=abc-1&lang=kk#top");
    assert_eq!(merchant.map(|r| (r.order_id, r.lang)), Some(("abc-1".into(), Some("kk".into()))));
    assert_eq!(parse_return("?orderId=abc-2").map(|r| r.lang), Some(None));
    assert_eq!(parse_return("https://shop.kz/checkout"), None);
    assert_eq!(parse_return("https://shop.kz/?orderId="), None);
    assert_eq!(parse_return("https://shop.kz/?orderId=%3Cscript%3E"), None, "only id-shaped values");
}

#[test]
fn callback_checksums_match_the_published_vectors() {
    // Verified third-party vector (note the `$` typo that folds amount into status).
    let published = "mdOrder=3ff6962a-7dcc-4283-ab50-a6d7dd3386fe&orderNumber=10747&checksum=14E0D9722D43BE67BFF111F53570BB5BCCFEED8AD15D72A48D51D4E949DAF988&operation=deposited&status=1$amount=123456";
    let params = decode_form(published);
    assert_eq!(
        checksum_string(&params, false),
        "mdOrder;3ff6962a-7dcc-4283-ab50-a6d7dd3386fe;operation;deposited;orderNumber;10747;status;1$amount=123456;"
    );
    assert_eq!(checksum(&params, b"test"), "14E0D9722D43BE67BFF111F53570BB5BCCFEED8AD15D72A48D51D4E949DAF988");
    let cb = verify_callback(published, b"test").unwrap();
    assert_eq!((cb.operation, cb.success), (RbsOperation::Deposited, false), "status is `1$amount=…`, not 1");

    let docs = "amount=123456&mdOrder=3ff6962a-7dcc-4283-ab50-a6d7dd3386fe&operation=deposited&orderNumber=10747&status=1&checksum=6351F0E7D1BD1E260F9191D80B1D64A54589F5D6B0D7BA07ABAD6165842952BC";
    assert_eq!(
        checksum_string(&decode_form(docs), false),
        "amount;123456;mdOrder;3ff6962a-7dcc-4283-ab50-a6d7dd3386fe;operation;deposited;orderNumber;10747;status;1;"
    );
    let cb = verify_callback(docs, b"test").unwrap();
    assert_eq!(cb.status(), PaymentStatus::Paid);
    assert_eq!(cb.order_number, "10747");
    // Lower-case checksums are accepted; anything else is not.
    assert!(verify_callback(
        &docs.to_ascii_lowercase().replace("mdorder", "mdOrder").replace("ordernumber", "orderNumber"),
        b"test"
    )
    .is_ok());
    assert_eq!(verify_callback(docs, b"other"), Err(RbsCallbackError::BadChecksum));
    assert_eq!(verify_callback(&docs.replace("status=1", "status=0"), b"test"), Err(RbsCallbackError::BadChecksum));
    assert_eq!(verify_callback("mdOrder=1&status=1", b"test"), Err(RbsCallbackError::MissingChecksum));
}

#[test]
fn callback_operations_map_to_statuses() {
    use PaymentStatus::*;
    let cases = [
        ("deposited", "1", Paid),
        ("deposited", "0", Failed),
        ("approved", "1", Authorized),
        ("approved", "0", Failed),
        ("reversed", "1", Cancelled),
        ("reversed", "0", Pending),
        ("refunded", "1", Refunded),
        ("declinedByTimeout", "1", Expired),
        ("declinedCardpresent", "0", Failed),
        ("bindingCreated", "1", Pending),
        ("somethingNew", "1", Pending),
    ];
    for (operation, status, expected) in cases {
        let mut params: Vec<(String, String)> = vec![
            ("mdOrder".into(), "u-1".into()),
            ("orderNumber".into(), "A-1".into()),
            ("operation".into(), operation.into()),
            ("status".into(), status.into()),
        ];
        let sum = checksum(&params, b"tok");
        params.push(("checksum".into(), sum));
        let cb = verify_callback(&encode_form(&params), b"tok").unwrap();
        assert_eq!(cb.status(), expected, "{operation} {status}");
    }
}

#[test]
fn try_references_never_collide_with_order_ids() {
    use crate::providers::try_reference;
    assert_eq!(try_reference("A-1", 1), "A-1");
    assert_eq!(try_reference("A-1", 2), "A-1~2");
    assert!(crate::api::check_id("order.id", &try_reference("A-1", 2)).is_err(), "`~` is not an order id character");
}

#[test]
fn the_page_language_is_the_shoppers_when_the_gateway_has_it() {
    let all: Vec<String> = PAGE_LANGUAGES.iter().map(|l| (*l).to_owned()).collect();
    assert_eq!(page_language(Some("kk"), &all), Some("kk"));
    assert_eq!(page_language(Some("en-GB"), &all), Some("en"));
    let no_kazakh = vec!["ru".to_owned(), "en".to_owned()];
    assert_eq!(page_language(Some("kk"), &no_kazakh), Some("ru"), "a language the page lacks: Russian");
    assert_eq!(page_language(Some("de"), &["en".to_owned()]), None, "nothing fits: the gateway's default");
    assert_eq!(page_language(None, &all), None);
}
