//! The shop's server decides what is paid: attacks a shopper with devtools and curl would try
//! on checkout sessions, played over real loopback HTTP against the demo process. Each one
//! must fail with a clear error, and the sandbox's ledger proves nothing was created or
//! changed at any provider.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use serde_json::{json, Value};
use tolem_sandbox::demo_credentials as creds;

impl Running {
    /// `{provider: {orders, paid}}` the sandbox holds for a merchant order.
    async fn ledger(&self, order_id: &str) -> Value {
        self.get(&format!("/sandbox/_control/ledger?order={order_id}")).await.1
    }

    /// True when no provider holds anything for the order.
    async fn untouched(&self, order_id: &str) -> bool {
        let ledger = self.ledger(order_id).await;
        let counts: Vec<u64> = ["ioka", "bereke", "ecommpay", "paytone", "oneentry"]
            .iter()
            .flat_map(|p| [ledger[p]["orders"].as_u64(), ledger[p]["paid"].as_u64()])
            .map(|n| n.expect("a ledger count"))
            .collect();
        counts.iter().all(|n| *n == 0)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_browser_cannot_set_the_price() {
    let demo = start_demo(None).await;
    // The old way: the widget names order and amount itself. Without a session it starts nothing.
    let priced_by_browser = json!({
        "provider": "ioka",
        "order": {"id": "TM-PRICE", "amount": 100, "currency": "KZT"},
        "customer": {"id": "u-42"},
        "returnUrl": format!("{}/", demo.origin),
        "idempotencyKey": "k-tm-price",
    });
    let (code, body) = demo.post("/api/checkout/start", priced_by_browser).await;
    assert_eq!((code, body["error"]["code"].as_str()), (401, Some("SESSION_INVALID")), "{body}");
    for provider in ["bereke", "ecommpay", "paytone", "oneentry"] {
        let mut body = Running::start_body_with(provider, "", "TM-PRICE");
        body["clientSecret"] = Value::Null;
        let (code, _) = demo.post("/api/checkout/start", body).await;
        assert_eq!(code, 401, "{provider}");
    }
    assert!(demo.untouched("TM-PRICE").await, "nothing at any provider");

    // With the page's real secret, an amount (or any order field) alongside it is refused...
    let start = demo.start_body("TM-PRICE").await;
    for tampered in [
        json!({"id": "TM-PRICE", "amount": 100, "currency": "KZT"}),
        json!({"id": "TM-PRICE", "amount": 1_500_000, "currency": "USD"}),
        json!({"id": "TM-OTHER", "amount": 1_500_000, "currency": "KZT"}),
    ] {
        let mut body = start.clone();
        body["order"] = tampered.clone();
        let (code, answer) = demo.post("/api/checkout/start", body).await;
        assert_eq!(code, 400, "{tampered}: {answer}");
    }
    assert!(demo.untouched("TM-PRICE").await && demo.untouched("TM-OTHER").await);

    // ...and the honest start pays exactly what the shop priced.
    let (code, started) = demo.post("/api/checkout/start", start).await;
    assert_eq!(code, 200, "{started}");
    assert_eq!((started["orderId"].as_str(), started["amount"].as_i64()), (Some("TM-PRICE"), Some(1_500_000)));
    assert_eq!(demo.ioka_orders("TM-PRICE").await[0]["amount"], 1_500_000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_shops_server_makes_sessions() {
    let demo = start_demo(None).await;
    let body = demo.session_body_for("ioka", "TM-KEY");
    let url = format!("{}/api/checkout/sessions", demo.origin);
    let wrong_keys = [
        None,
        Some(format!("Bearer {}x", creds::TOLEM_MERCHANT_KEY)),
        Some(format!("Bearer {}", &creds::TOLEM_MERCHANT_KEY[..creds::TOLEM_MERCHANT_KEY.len() - 1])),
        Some("Bearer ".to_owned()),
        Some(format!("Basic {}", creds::TOLEM_MERCHANT_KEY)),
        Some(creds::TOLEM_MERCHANT_KEY.to_owned()),
        Some(format!("Bearer {}", creds::IOKA_API_KEY)),
        Some("Bearer tolem-demo-admin-token".to_owned()),
    ];
    for key in wrong_keys {
        let mut request = demo.http.post(&url).header("content-type", "application/json").body(body.to_string());
        if let Some(k) = &key {
            request = request.header("authorization", k);
        }
        let (code, answer) = common::answer(request).await;
        assert_eq!((code, answer["error"]["code"].as_str()), (401, Some("UNAUTHORIZED")), "{key:?}: {answer}");
        assert!(!answer.to_string().contains(creds::TOLEM_MERCHANT_KEY), "the refusal does not echo the key");
    }
    // The key in the query string or a cookie is not the key either.
    let (code, _) = common::answer(
        demo.http
            .post(format!("{url}?key={}", creds::TOLEM_MERCHANT_KEY))
            .header("content-type", "application/json")
            .body(body.to_string()),
    )
    .await;
    assert_eq!(code, 401);
    let (code, session) = demo.session(body.clone()).await;
    assert_eq!(code, 200, "{session}");
    assert!(session["clientSecret"].as_str().unwrap().starts_with(session["id"].as_str().unwrap()));
    assert!(session["expiresAt"].as_i64().unwrap() > 1_700_000_000, "{session}");
    let (code, again) = demo.session(body).await;
    assert_eq!((code, &again["clientSecret"]), (200, &session["clientSecret"]), "same order and price: same session");
    assert!(demo.untouched("TM-KEY").await, "a session alone creates nothing at a provider");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_browser_cannot_pick_the_shopper() {
    let demo = start_demo(None).await;
    let mut start = demo.start_body("TM-WHO").await;
    start["customer"] = json!({"id": "u-7", "email": "someone-else@example.kz"});
    let (code, body) = demo.post("/api/checkout/start", start.clone()).await;
    assert_eq!(code, 400, "{body}");
    assert!(!body.to_string().contains("customer_access_token"), "{body}");
    let (_, others) = demo.get("/sandbox/ioka/v2/customers?external_id=u-7").await;
    assert_eq!(others.as_array().map(Vec::len), Some(0), "no ioka customer looked up or made for u-7");
    assert!(demo.untouched("TM-WHO").await);

    // The session's shopper is the one the start is for.
    start.as_object_mut().unwrap().remove("customer");
    let (code, started) = demo.post("/api/checkout/start", start).await;
    assert_eq!(code, 200, "{started}");
    let (_, customers) = demo.get("/sandbox/ioka/v2/customers?external_id=u-42").await;
    let customer_id = customers[0]["id"].as_str().unwrap();
    assert_eq!(demo.ioka_orders("TM-WHO").await[0]["customer_id"].as_str(), Some(customer_id));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_price_changes_only_until_a_payment_starts() {
    let demo = start_demo(None).await;
    let first = demo.client_secret(demo.session_body_for("ioka", "TM-REPRICE")).await;
    // Before anything started, the shop may change its mind: a new session, the old secret dead.
    let mut cheaper = demo.session_body_for("ioka", "TM-REPRICE");
    cheaper["order"]["amount"] = json!(990_000);
    let second = demo.client_secret(cheaper.clone()).await;
    assert_ne!(first, second);
    let (code, body) = demo.post("/api/checkout/start", Running::start_body_with("ioka", &first, "TM-REPRICE")).await;
    assert_eq!((code, body["error"]["code"].as_str()), (401, Some("SESSION_INVALID")), "{body}");
    assert!(demo.untouched("TM-REPRICE").await);

    let (code, started) =
        demo.post("/api/checkout/start", Running::start_body_with("ioka", &second, "TM-REPRICE")).await;
    assert_eq!((code, started["amount"].as_i64()), (200, Some(990_000)), "{started}");
    // Once started, no new price: 409, and the order and its secret stay as they were.
    let (code, body) = demo.session(demo.session_body_for("ioka", "TM-REPRICE")).await;
    assert_eq!((code, body["error"]["code"].as_str()), (409, Some("CONFLICT")), "{body}");
    assert_eq!(demo.client_secret(cheaper).await, second, "the started session is still the order's");
    let orders = demo.ioka_orders("TM-REPRICE").await;
    assert_eq!((orders.len(), orders[0]["amount"].as_i64()), (1, Some(990_000)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_learns_nothing_of_another_orders_attempts() {
    let demo = start_demo(None).await;
    let mine = demo.client_secret(demo.session_body_for("ioka", "TM-MINE")).await;
    let theirs = demo.start("TM-THEIRS").await;
    let their_attempt = theirs["attemptId"].as_str().unwrap();
    // An edited journal names their attempt: with my secret the backend does not know it.
    let path = format!("/api/checkout/status?attemptId={their_attempt}");
    let (code, body) = demo.get_as_session(&path, &mine).await;
    assert_eq!(code, 404, "{body}");
    assert!(!body.to_string().contains("TM-THEIRS"), "{body}");
    // A made-up secret of the right shape is no session at all.
    let forged = format!("{}ff", &mine[..mine.len() - 2]);
    let (code, body) = demo.get_as_session(&path, &forged).await;
    assert_eq!((code, body["error"]["code"].as_str()), (401, Some("SESSION_INVALID")), "{body}");
    // Their own widget, with their secret, reads it and sees which order and amount it is.
    let secret = demo.client_secret(demo.session_body_for("ioka", "TM-THEIRS")).await;
    let (code, body) = demo.get_as_session(&path, &secret).await;
    assert_eq!((code, body["orderId"].as_str(), body["amount"].as_i64()), (200, Some("TM-THEIRS"), Some(1_500_000)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_session_starts_nothing_but_still_reads_its_status() {
    let (running, store) = start_demo_with_store(tolem_demo::DemoOptions::default()).await;

    let started = running.start("TM-LATE").await;
    let secret = running.client_secret(running.session_body_for("ioka", "TM-LATE")).await;
    let id = tolem_core::api::session_id_of(&secret).unwrap();
    let session = store.session_by_id(id).await.unwrap().unwrap();
    store.refresh_session(id, &session.request, 1).await.unwrap(); // ran out long ago

    let (code, body) =
        running.post("/api/checkout/start", Running::start_body_with("ioka", &secret, "TM-LATE-2")).await;
    assert_eq!((code, body["error"]["code"].as_str()), (401, Some("SESSION_INVALID")), "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("expired"), "{body}");
    // The shopper who comes back after the session ran out still learns how their payment went.
    let path = format!("/api/checkout/status?attemptId={}", started["attemptId"].as_str().unwrap());
    let (code, body) = running.get_as_session(&path, &secret).await;
    assert_eq!((code, body["status"].as_str()), (200, Some("pending")), "{body}");
    assert_eq!(running.ioka_orders("TM-LATE").await.len(), 1, "still the one ioka order");
}

/// The Payment Page URL's parameters, decoded, without `signature`, as the JSON ECommPay signs.
fn page_params(url: &str) -> (Value, String) {
    let query = url.split_once('?').unwrap().1;
    let mut params = serde_json::Map::new();
    let mut signature = String::new();
    for (k, v) in tolem_core::http::decode_form(query) {
        if k == "signature" {
            signature = v;
        } else {
            params.insert(k, Value::String(v));
        }
    }
    (Value::Object(params), signature)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_smuggled_separator_forges_no_ecommpay_callback() {
    use tolem_core::providers::ecommpay::{signing_string, SortOrder};
    let demo = start_demo(None).await;
    // The shop copies the shopper's email from its form into the session, as shops do.
    let smuggled = "a@b;payment:id:TM-EP;payment:status:success;zz:x";
    let mut session = demo.session_body_for("ecommpay", "TM-EP");
    session["customer"]["email"] = json!(smuggled);
    let secret = demo.client_secret(session).await;
    let (code, started) =
        demo.post("/api/checkout/start", Running::start_body_with("ecommpay", &secret, "TM-EP")).await;
    assert_eq!(code, 200, "{started}");
    let attempt = started["attemptId"].as_str().unwrap().to_owned();
    let url = demo.pay_url_with(&attempt, "payment_page", json!({})).await;
    let (params, url_signature) = page_params(&url);
    let signed_email = params["customer_email"].as_str().unwrap().to_owned();
    assert!(!signed_email.contains(';'), "the separator is neutralised in the signed value: {signed_email}");

    // The forgery of the issue: the URL's signature over a callback whose flattened, sorted
    // entries read the same as the URL's would have with the email taken as it was.
    let mut rest = params.clone();
    rest.as_object_mut().unwrap().remove("customer_email");
    let best_before = rest.as_object_mut().unwrap().remove("best_before").unwrap();
    let forged = json!({
        "best_before": best_before,
        "customer_email": "a@b",
        "payment": {"id": "TM-EP", "status": "success"},
        "zz": format!("x;{}", signing_string(&rest, SortOrder::Plain)),
    });
    let mut as_before = params.clone();
    as_before["customer_email"] = json!(smuggled);
    assert_eq!(
        signing_string(&forged, SortOrder::Plain),
        signing_string(&as_before, SortOrder::Plain),
        "the forged callback is a real forgery: it signs as the URL did before separators were neutralised"
    );
    let mut with_signature = forged.clone();
    with_signature["signature"] = json!(url_signature);
    let (code, answer) = demo.post("/api/checkout/webhooks/ecommpay", with_signature.clone()).await;
    assert_eq!((code, answer["error"]["code"].as_str()), (401, Some("BAD_SIGNATURE")), "{answer}");
    // Without the unknown key, and with our project, the signature itself no longer matches.
    let mut known_keys_only = with_signature.clone();
    let tail = known_keys_only.as_object_mut().unwrap().remove("zz").unwrap();
    known_keys_only["transaction"] = tail;
    known_keys_only["project_id"] = json!(creds::ECOMMPAY_PROJECT_ID);
    known_keys_only.as_object_mut().unwrap().remove("customer_email");
    known_keys_only.as_object_mut().unwrap().remove("best_before");
    let (code, answer) = demo.post("/api/checkout/webhooks/ecommpay", known_keys_only).await;
    assert_eq!((code, answer["error"]["code"].as_str()), (401, Some("BAD_SIGNATURE")), "{answer}");

    assert_eq!(demo.status(&attempt).await["status"], "pending");
    let ledger = demo.ledger("TM-EP").await;
    assert_eq!(ledger["ecommpay"]["paid"], 0, "nothing paid at ECommPay: {ledger}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_ecommpay_callback_is_confirmed_at_the_gate() {
    let demo = start_demo(None).await;
    let started = demo.start_for("ecommpay", "TM-GATE").await;
    let attempt = started["attemptId"].as_str().unwrap().to_owned();
    demo.pay_url_with(&attempt, "payment_page", json!({})).await;
    // Well formed and signed with the project secret, but the shopper never paid: the Gate
    // does not know the payment, so "success" is not recorded.
    let mut callback = json!({
        "project_id": creds::ECOMMPAY_PROJECT_ID,
        "payment": {"id": "TM-GATE", "status": "success", "sum": {"amount": 1_500_000, "currency": "KZT"}},
        "operation": {"id": 1, "type": "sale", "status": "success"},
    });
    callback["signature"] = json!(tolem_core::providers::ecommpay::sign(&callback, creds::ECOMMPAY_SECRET.as_bytes()));
    let (code, answer) = demo.post("/api/checkout/webhooks/ecommpay", callback.clone()).await;
    assert_eq!(code, 200, "{answer}");
    assert_eq!(demo.status(&attempt).await["status"], "pending", "{answer}");
    // A signed body with a key no payment callback has (a signature made over other data) is
    // not a callback.
    let mut odd = callback.clone();
    odd.as_object_mut().unwrap().remove("signature");
    odd["customer_email"] = json!("a@b");
    odd["signature"] = json!(tolem_core::providers::ecommpay::sign(&odd, creds::ECOMMPAY_SECRET.as_bytes()));
    let (code, answer) = demo.post("/api/checkout/webhooks/ecommpay", odd).await;
    assert_eq!((code, answer["error"]["code"].as_str()), (400, Some("INVALID_REQUEST")), "{answer}");
    // Another project's callback, signed alike, is not ours.
    callback["project_id"] = json!(creds::ECOMMPAY_PROJECT_ID + 1);
    callback["signature"] = json!(tolem_core::providers::ecommpay::sign(&callback, creds::ECOMMPAY_SECRET.as_bytes()));
    let (code, answer) = demo.post("/api/checkout/webhooks/ecommpay", callback).await;
    assert_eq!((code, answer["error"]["code"].as_str()), (400, Some("INVALID_REQUEST")), "{answer}");
    assert_eq!(demo.ledger("TM-GATE").await["ecommpay"]["paid"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn money_for_another_amount_is_flagged_never_paid() {
    let (running, store) = start_demo_with_store(tolem_demo::DemoOptions::default()).await;
    let attempt = running.start("TM-SUM").await["attemptId"].as_str().unwrap().to_owned();
    let order_id = running.ioka_orders("TM-SUM").await[0]["id"].as_str().unwrap().to_owned();
    // ioka says the order was paid, but for 1 ₸ (a provider order someone else priced).
    let event = json!({"event": "PAYMENT_CAPTURED",
        "order": {"id": order_id, "status": "PAID", "amount": 100, "currency": "KZT"},
        "payment": {"id": "pay_SUM", "order_id": order_id, "status": "CAPTURED", "captured_amount": 100}});
    let signature = tolem_core::signature::hex_lower(&tolem_core::signature::hmac_sha256(
        creds::IOKA_WEBHOOK_KEY.as_bytes(),
        tolem_core::pyjson::dumps_sorted(&event).as_bytes(),
    ));
    let url = format!("{}/api/checkout/webhooks/ioka", running.origin);
    for _ in 0..2 {
        let r = running.http.post(&url).header("X-Signature", &signature).body(event.to_string()).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 200);
    }
    let status = running.status(&attempt).await;
    assert_eq!(status["status"], "pending", "{status}");
    let why = status["attention"].as_str().unwrap_or_default();
    assert!(why.contains("paid 100 KZT") && why.contains("1500000"), "the answer says why: {status}");
    let history = store.history(&attempt).await.unwrap();
    let alerts: Vec<_> = history.iter().filter(|(_, source)| source.starts_with("alert:webhook")).collect();
    assert_eq!(alerts.len(), 1, "recorded once, however often it is sent: {history:?}");
    assert!(history.iter().all(|(s, _)| *s == tolem_core::status::PaymentStatus::Pending), "{history:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_merchant_order_is_paid_once_across_providers() {
    let demo = start_demo(None).await;
    // The shopper opens the bank's card page...
    let bereke = demo.start_for("bereke", "TM-ONE").await["attemptId"].as_str().unwrap().to_owned();
    let form_url = demo.pay_url_with(&bereke, "card", json!({})).await;
    // ...comes back and picks ioka: the bank's order is declined, so its page takes no card.
    let ioka = demo.start_for("ioka", "TM-ONE").await["attemptId"].as_str().unwrap().to_owned();
    let page = demo.http.get(&form_url).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("value=\"pay\">"), "the bank's page is closed: {page}");
    assert_eq!(demo.ledger("TM-ONE").await["bereke"]["paid"], 0);
    let (code, body) = demo.pay(&bereke, "card", json!({})).await;
    assert_eq!(code, 409, "the attempt the shopper left pays nothing more: {body}");

    // ioka is paid...
    let checkout = demo.pay_url_with(&ioka, "card", json!({})).await;
    demo.hosted(&checkout, "pay", "5555555555555599").await;
    demo.status_becomes(&ioka, "paid").await;
    // ...and a second tab that still shows Bereke cannot start it again, nor pay it.
    let (code, body) = demo.post("/api/checkout/start", demo.start_body_for("bereke", "TM-ONE").await).await;
    assert_eq!((code, body["error"]["code"].as_str()), (409, Some("CONFLICT")), "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("paid with ioka"), "{body}");
    for provider in ["ecommpay", "paytone"] {
        let (code, _) = demo.post("/api/checkout/start", demo.start_body_for(provider, "TM-ONE").await).await;
        assert_eq!(code, 409, "{provider}");
    }
    let ledger = demo.ledger("TM-ONE").await;
    assert_eq!(
        (ledger["bereke"]["orders"].as_u64(), ledger["bereke"]["paid"].as_u64()),
        (Some(1), Some(0)),
        "{ledger}"
    );
    assert_eq!(ledger["paytone"]["orders"], 0, "{ledger}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_that_cannot_be_closed_holds_the_order_until_it_expires() {
    let demo = start_demo_with(tolem_demo::DemoOptions {
        page_lifetime: std::time::Duration::from_secs(2),
        ..tolem_demo::DemoOptions::default()
    })
    .await;
    let ecommpay = demo.start_for("ecommpay", "TM-LIVE").await["attemptId"].as_str().unwrap().to_owned();
    let page = demo.pay_url_with(&ecommpay, "payment_page", json!({})).await;
    // ECommPay offers no way to close a Payment Page: while it can be paid, no other provider.
    let (code, body) = demo.post("/api/checkout/start", demo.start_body_for("paytone", "TM-LIVE").await).await;
    assert_eq!((code, body["error"]["code"].as_str()), (409, Some("CONFLICT")), "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("under way"), "{body}");
    assert_eq!(demo.ledger("TM-LIVE").await["paytone"]["orders"], 0);

    // Its best_before passes: the page refuses the shopper, and the order may move on.
    tokio::time::sleep(std::time::Duration::from_millis(2_100)).await;
    let (code, refused) = answer(demo.http.get(&page)).await;
    assert_eq!(code, 400, "{refused}");
    let (code, body) = demo.post("/api/checkout/start", demo.start_body_for("paytone", "TM-LIVE").await).await;
    assert_eq!(code, 200, "{body}");
    let paytone = body["attemptId"].as_str().unwrap().to_owned();
    let invoice_url = demo.pay_url_with(&paytone, "bank_card_kzt_hpp", json!({})).await;
    let cpi = invoice_url.split("cpi=").nth(1).unwrap();
    let (_, invoice) = demo.get(&format!("/sandbox/paytone/public-api/payment-invoices/{cpi}")).await;
    let expires = invoice["data"]["attributes"]["expires"].as_i64().unwrap();
    let now =
        i64::try_from(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()).unwrap();
    assert!((now..=now + 3).contains(&expires), "the invoice lives as long as the page lifetime: {expires} vs {now}");
    let (code, body) = demo.pay(&ecommpay, "payment_page", json!({})).await;
    assert_eq!(code, 409, "the ECommPay attempt was superseded: {body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn money_on_a_stale_invoice_is_recorded_and_flagged() {
    let (demo, store) = start_demo_with_store(tolem_demo::DemoOptions::default()).await;
    let attempt = demo.start_for("paytone", "TM-STALE").await["attemptId"].as_str().unwrap().to_owned();
    let card = demo.pay_url_with(&attempt, "bank_card_kzt_hpp", json!({})).await;
    // The shopper switches to the wallet: a new try with its own invoice...
    let wallet = demo.pay_url_with(&attempt, "paytone_wallet_kzt_hpp", json!({"phone": "+77011234567"})).await;
    assert_ne!(card, wallet);
    // ...then pays the first invoice anyway, from the browser's history.
    let cpi = card.split("cpi=").nth(1).unwrap();
    demo.hosted_with(&format!("{}/sandbox/paytone/hpp/", demo.origin), "pay", "4242424242424242", &[("cpi", cpi)])
        .await;
    let status = demo.status_becomes(&attempt, "paid").await;
    let why = status["attention"].as_str().unwrap_or_default();
    let history = store.history(&attempt).await.unwrap();
    assert!(why.contains("earlier try"), "the merchant is told: {status}");
    assert!(history.iter().any(|(_, source)| source.starts_with("alert:webhook")), "{history:?}");
}

/// How often the sandbox's ioka answered reads of one order.
async fn ioka_order_reads(demo: &Running, ioka_order: &str) -> u64 {
    demo.provider_calls(&format!("ioka GET /v2/orders/{ioka_order}")).await
}

/// A demo whose clients may make `burst` requests at once, then one a second, behind
/// `trusted_proxies` proxies.
async fn limited_demo(burst: u32, trusted_proxies: usize) -> Running {
    start_demo_with(tolem_demo::DemoOptions {
        rate_limit: Some(tolem_backend::RateLimit { per_minute: 60, burst }),
        trusted_proxies,
        ..tolem_demo::DemoOptions::default()
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_status_flood_is_throttled_and_reads_the_provider_once_a_second() {
    let demo = limited_demo(30, 0).await;
    let attempt = demo.start("TM-FLOOD").await["attemptId"].as_str().unwrap().to_owned();
    let ioka_order = demo.ioka_orders("TM-FLOOD").await[0]["id"].as_str().unwrap().to_owned();
    let before = ioka_order_reads(&demo, &ioka_order).await;
    let url = format!("{}/api/checkout/status?attemptId={attempt}", demo.origin);
    let began = std::time::Instant::now();
    let (mut answered, mut refused) = (0, 0);
    for _ in 0..200 {
        let r = demo.http.get(&url).send().await.unwrap();
        match r.status().as_u16() {
            200 => answered += 1,
            429 => {
                assert!(r.headers().get("retry-after").is_some());
                let body: Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
                assert_eq!(body["error"]["code"], "RATE_LIMITED");
                refused += 1;
            }
            other => panic!("unexpected {other}"),
        }
    }
    let seconds = began.elapsed().as_secs() + 1;
    assert!(answered <= 30 + seconds, "the burst, then one a second: {answered} answered");
    assert!(refused >= 200 - 30 - seconds, "{refused} refused");
    let reads = ioka_order_reads(&demo, &ioka_order).await - before;
    println!(
        "status flood: {answered} answered, {refused} refused (429), {reads} ioka order reads in {:?}",
        began.elapsed()
    );
    assert!(reads >= 1 && reads <= seconds, "{reads} provider reads in about {seconds} s of polling");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotating_forwarded_for_buys_no_new_budget() {
    // No proxy configured: the header is the client's own words and ignored.
    let direct = limited_demo(5, 0).await;
    // One proxy in front: only the entry it appended (the right-most) names the client.
    let proxied = limited_demo(5, 1).await;
    for (demo, appended) in [(&direct, None), (&proxied, Some("203.0.113.7"))] {
        let url = format!("{}/api/checkout/status?attemptId=att_0000000000000000", demo.origin);
        let mut codes = Vec::new();
        for i in 0..12 {
            let claimed = format!("10.{}.{}.{}", i, i * 3 % 256, i * 7 % 256);
            let header = match appended {
                Some(real) => format!("{claimed}, {real}"),
                None => claimed,
            };
            let r = demo.http.get(&url).header("x-forwarded-for", header).send().await.unwrap();
            codes.push(r.status().as_u16());
        }
        assert_eq!(codes.iter().filter(|c| **c == 404).count(), 5, "{appended:?}: one budget: {codes:?}");
        assert!(codes[5..].iter().all(|c| *c == 429), "{appended:?}: {codes:?}");
    }
    // Behind the proxy, another client (another right-most entry) has its own budget.
    let url = format!("{}/api/checkout/status?attemptId=att_0000000000000000", proxied.origin);
    let r = proxied.http.get(&url).header("x-forwarded-for", "203.0.113.7, 198.51.100.9").send().await.unwrap();
    assert_eq!(r.status().as_u16(), 404);
    // And the same `start` flood with rotating claims is refused too: nothing at ioka.
    for i in 0..8 {
        let body = direct.start_body(&format!("TM-XFF-{i}")).await;
        let r = direct
            .http
            .post(format!("{}/api/checkout/start", direct.origin))
            .header("content-type", "application/json")
            .header("x-forwarded-for", format!("10.9.9.{i}"))
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        let code = r.status().as_u16();
        if i >= 5 {
            assert_eq!(code, 429, "start {i}");
            assert!(direct.untouched(&format!("TM-XFF-{i}")).await);
        }
    }
}

/// `TOLEM_ALLOWED_ORIGINS` (`DemoOptions::extra_origins`): a shop's own dev server on another
/// port may use the demo's backend — CORS answers its origin and its return URLs are accepted —
/// and any other origin still may not.
#[tokio::test]
async fn an_extra_origin_may_use_the_demo_and_others_still_may_not() {
    let demo = start_demo_with(tolem_demo::DemoOptions {
        extra_origins: vec!["http://127.0.0.1:9".into()],
        ..tolem_demo::DemoOptions::default()
    })
    .await;
    for (origin, allowed) in [("http://127.0.0.1:9", true), ("http://127.0.0.1:10", false)] {
        let mut body = demo.session_body_for("ioka", &format!("ORIGIN-{allowed}"));
        body["returnUrl"] = serde_json::json!(format!("{origin}/checkout"));
        let (status, answer) = demo.session(body).await;
        assert_eq!(status == 200, allowed, "{origin}: {answer}");
        let preflight = demo
            .http
            .request(reqwest::Method::OPTIONS, format!("{}/api/checkout/start", demo.origin))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
            .send()
            .await
            .unwrap();
        let granted = preflight.headers().get("access-control-allow-origin").and_then(|v| v.to_str().ok());
        assert_eq!(granted == Some(origin), allowed, "{origin}: {granted:?}");
    }
}
