//! Widget tests in headless Chromium: mount into a fresh element, answer its requests with
//! an intercepted `fetch`, wait for its own events (never sleep), flush, assert the DOM.
#![cfg(all(target_arch = "wasm32", not(target_os = "wasi")))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen(inline_js = r#"
export function install_fetch(routes) {
  const calls = [];
  window.__tolemCalls = calls;
  window.__tolemSent = [];
  // The widget sends a Request (gloo-net's fetch(request)); a URL and options work too.
  window.fetch = async (input, init) => {
    const request = input instanceof Request ? input : new Request(new URL(input, location.href), init);
    const u = new URL(request.url);
    const text = await request.text();
    calls.push(request.method + " " + u.pathname + u.search);
    window.__tolemSent.push({ path: u.pathname, body: text ? JSON.parse(text) : null,
                              secret: request.headers.get("x-tolem-client-secret") });
    const r = routes[u.pathname];
    if (!r) return new Response('{"error":{"code":"NOT_FOUND","message":"no route"}}', { status: 404 });
    return new Response(r.body, { status: r.status, headers: { "content-type": "application/json" } });
  };
}
export function calls() { return window.__tolemCalls.slice(); }
export function sent() { return window.__tolemSent.slice(); }
export function next_event(el, name) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error("no " + name + " event within 5 s")), 5000);
    el.addEventListener(name, (e) => { clearTimeout(t); resolve(e.detail); }, { once: true });
  });
}
// How many method radios `el` holds at the moment `name` is dispatched on it.
export function radios_at_event(el, name) {
  return new Promise((resolve) => {
    el.addEventListener(name, () => resolve(el.querySelectorAll("input[type=radio]").length), { once: true });
  });
}
export function click(el) { el.click(); }
export function with_callbacks(options) {
  window.__tolemCallbacks = [];
  for (const name of ["onReady", "onMethod", "onStatus", "onError"]) {
    options[name] = (detail) => window.__tolemCallbacks.push(name + ":" + JSON.stringify(detail));
  }
  options.onRedirect = () => { throw new Error("a merchant bug"); };
  return options;
}
export function callbacks() { return window.__tolemCallbacks.slice(); }
// What runtime.js hands the widget when it sent `start` ahead of the wasm: here, already answered.
export function early_start(url, body, key, answer) {
  const controller = new AbortController();
  const early = { url, body, key, controller, aborted: false };
  controller.signal.addEventListener("abort", () => { early.aborted = true; });
  early.response = Promise.resolve(new Response(answer, { status: 200, headers: { "content-type": "application/json" } }));
  return early;
}
"#)]
extern "C" {
    fn install_fetch(routes: &JsValue);
    fn calls() -> js_sys::Array;
    fn sent() -> js_sys::Array;
    fn next_event(el: &web_sys::Element, name: &str) -> js_sys::Promise;
    fn radios_at_event(el: &web_sys::Element, name: &str) -> js_sys::Promise;
    fn click(el: &web_sys::Element);
    fn with_callbacks(options: &JsValue) -> JsValue;
    fn callbacks() -> js_sys::Array;
    fn early_start(url: &str, body: &str, key: &str, answer: &str) -> JsValue;
}

/// Mounts as a page that loaded the wasm itself does (no early `start` from the loader).
fn mount(target: JsValue, options: JsValue) -> Result<tolem::CheckoutHandle, JsValue> {
    tolem::mount(target, options, JsValue::UNDEFINED)
}

fn json(s: &str) -> JsValue {
    js_sys::JSON::parse(s).unwrap()
}

fn host() -> web_sys::Element {
    let doc = web_sys::window().unwrap().document().unwrap();
    let el = doc.create_element("div").unwrap();
    doc.body().unwrap().append_child(&el).unwrap();
    el
}

/// The client secret every test mounts with (the shop's server would have made the session).
const SECRET: &str = "cs_00c0ffee00c0ffee_secret_0123456789abcdef0123456789abcdef";

/// A checkout session's options, naming the order the page expects (1 500 000 tiyn).
fn options(order_id: &str, locale: &str) -> JsValue {
    json(&format!(
        r#"{{"provider":"ioka","backendUrl":"/api/checkout","locale":"{locale}","clientSecret":"{SECRET}",
            "order":{{"id":"{order_id}","amount":1500000,"currency":"KZT"}}}}"#
    ))
}

/// The backend's `start` answer for an order: two methods, a saved card first.
fn start(order_id: &str, amount: i64) -> String {
    format!(
        r#"{{"attemptId":"att_1","status":"pending","tokens":{{}},"orderId":"{order_id}","amount":{amount},"currency":"KZT",
  "methods":[{{"id":"card:crd_1","kind":"saved_card","label":"555555******5599","brand":"MASTERCARD"}},
             {{"id":"card","kind":"card","label":"Bank card"}}]}}"#
    )
}

fn routes(pairs: &[(&str, u16, &str)]) -> JsValue {
    let o = js_sys::Object::new();
    for (path, status, body) in pairs {
        let r = js_sys::Object::new();
        js_sys::Reflect::set(&r, &"status".into(), &JsValue::from(*status)).unwrap();
        js_sys::Reflect::set(&r, &"body".into(), &JsValue::from_str(body)).unwrap();
        js_sys::Reflect::set(&o, &JsValue::from_str(path), &r).unwrap();
    }
    o.into()
}

fn field(v: &JsValue, name: &str) -> JsValue {
    js_sys::Reflect::get(v, &name.into()).unwrap()
}

/// Writes a journal record, as the widget does before a redirect, valid for a minute.
fn journal(attempt_id: &str, order_id: &str) -> web_sys::Storage {
    let storage = web_sys::window().unwrap().session_storage().unwrap().unwrap();
    let now = js_sys::Date::now() as u64;
    let record = format!(
        r#"{{"v":1,"provider":"ioka","attemptId":"{attempt_id}","orderId":"{order_id}","idempotencyKey":"k","createdMs":{now},"expiresMs":{}}}"#,
        now + 60_000
    );
    storage.set_item(&format!("tolem:attempt:ioka:{order_id}"), &record).unwrap();
    storage
}

/// Mounts into a fresh element and waits until the methods are on screen.
async fn mounted(options: JsValue) -> (web_sys::Element, tolem::CheckoutHandle) {
    let el = host();
    let ready = next_event(&el, "tolem:ready");
    let handle = mount(el.clone().into(), options).unwrap();
    JsFuture::from(ready).await.unwrap();
    yew::scheduler::flush().await;
    (el, handle)
}

fn calls_to(path: &str) -> usize {
    calls().iter().filter(|c| c.as_string().unwrap_or_default().contains(path)).count()
}

#[wasm_bindgen_test]
async fn ready_is_dispatched_once_the_methods_are_on_screen() {
    install_fetch(&routes(&[("/api/checkout/start", 200, start("W-0", 1_500_000).as_str())]));
    let el = host();
    let radios = radios_at_event(&el, "tolem:ready");
    let _handle = mount(el.clone().into(), options("W-0", "en")).unwrap();
    let shown = JsFuture::from(radios).await.unwrap().as_f64().unwrap();
    assert_eq!(shown, 2.0, "both methods are in the DOM when tolem:ready is dispatched");
}

#[wasm_bindgen_test]
async fn shows_methods_in_kazakh_with_tenge_amount() {
    install_fetch(&routes(&[("/api/checkout/start", 200, start("W-1", 1_500_000).as_str())]));
    let (el, mut handle) = mounted(options("W-1", "kk")).await;

    let radios = el.query_selector_all("[role=radiogroup] input[type=radio]").unwrap();
    assert_eq!(radios.length(), 2);
    let first: web_sys::HtmlInputElement = radios.get(0).unwrap().dyn_into().unwrap();
    assert!(first.checked(), "the first method is preselected");
    let legend = el.query_selector("legend").unwrap().unwrap().text_content().unwrap();
    assert_eq!(legend, "Төлем тәсілін таңдаңыз");
    let pay = el.query_selector(".tolem-pay").unwrap().unwrap().text_content().unwrap();
    assert_eq!(pay, "15\u{202f}000\u{a0}₸ төлеу");
    assert!(el.query_selector("[style]").unwrap().is_none(), "no inline styles");
    // the start request carried the session's secret and a key, and nothing about the order
    assert_eq!(calls_to("POST /api/checkout/start"), 1);
    let body = field(&sent().get(0), "body");
    assert_eq!(field(&body, "clientSecret").as_string().as_deref(), Some(SECRET));
    // the key is a v4 UUID from crypto.getRandomValues (8-4-4-4-12 hex, version 4, variant 10)
    let key = field(&body, "idempotencyKey").as_string().unwrap_or_default();
    let groups: Vec<&str> = key.split('-').collect();
    assert_eq!(groups.iter().map(|g| g.len()).collect::<Vec<_>>(), [8, 4, 4, 4, 12], "{key}");
    assert!(key.bytes().all(|b| b == b'-' || b.is_ascii_hexdigit()) && groups[2].starts_with('4'), "{key}");
    assert!(matches!(groups[3].as_bytes()[0], b'8' | b'9' | b'a' | b'b'), "{key}");
    for absent in ["order", "customer", "returnUrl"] {
        assert!(field(&body, absent).is_undefined(), "start sent {absent}");
    }

    handle.unmount();
    assert_eq!(el.child_element_count(), 0, "unmount empties the host");
}

#[wasm_bindgen_test]
async fn double_click_sends_one_pay_and_hostile_redirects_are_blocked() {
    install_fetch(&routes(&[
        ("/api/checkout/start", 200, start("W-2", 1_500_000).as_str()),
        ("/api/checkout/pay", 200, r#"{"redirect":{"url":"javascript:alert(document.cookie)","method":"GET"}}"#),
    ]));
    let (el, mut handle) = mounted(options("W-2", "en")).await;

    let error = next_event(&el, "tolem:error");
    let pay = el.query_selector(".tolem-pay").unwrap().unwrap();
    click(&pay);
    click(&pay);
    let detail = JsFuture::from(error).await.unwrap();
    yew::scheduler::flush().await;
    assert_eq!(field(&detail, "code").as_string().as_deref(), Some("REDIRECT_BLOCKED"));
    assert_eq!(calls_to("POST /api/checkout/pay"), 1, "two clicks, one request");
    let alert = el.query_selector("[role=alert]").unwrap().unwrap();
    assert_eq!(alert.get_attribute("data-code").as_deref(), Some("REDIRECT_BLOCKED"));
    let storage = web_sys::window().unwrap().session_storage().unwrap().unwrap();
    assert_eq!(storage.get_item("tolem:attempt:ioka:W-2").unwrap(), None, "nothing journaled for a blocked redirect");
    handle.unmount();
}

#[wasm_bindgen_test]
async fn resumes_from_the_journal_and_announces_the_final_status() {
    install_fetch(&routes(&[(
        "/api/checkout/status",
        200,
        r#"{"attemptId":"att_9","status":"paid","final":true,"orderId":"W-3","amount":1500000,"currency":"KZT"}"#,
    )]));
    let storage = journal("att_9", "W-3");

    let el = host();
    let status = next_event(&el, "tolem:status");
    let mut handle = mount(el.clone().into(), options("W-3", "ru")).unwrap();
    let detail = JsFuture::from(status).await.unwrap();
    yew::scheduler::flush().await;
    assert_eq!(field(&detail, "status").as_string().as_deref(), Some("paid"));
    assert_eq!(field(&detail, "final").as_bool(), Some(true));
    assert_eq!(calls_to("/api/checkout/start"), 0, "a journaled attempt is resumed, not restarted");
    assert_eq!(calls_to("GET /api/checkout/status?attemptId=att_9"), 1);
    let asked = field(&sent().get(0), "secret");
    assert_eq!(asked.as_string().as_deref(), Some(SECRET), "status is asked with the session's secret");
    let result = el.query_selector("[role=status][data-status=paid]").unwrap().unwrap();
    assert_eq!(result.text_content().unwrap(), "Оплата прошла успешноВы оплатили 15\u{202f}000\u{a0}₸.");
    assert_eq!(storage.get_item("tolem:attempt:ioka:W-3").unwrap(), None, "journal cleared");
    handle.unmount();
}

/// The loader's early `start` for `order_id` in `locale`, answered with the order's methods.
fn early(order_id: &str, locale: &str) -> JsValue {
    let body =
        format!(r#"{{"provider":"ioka","clientSecret":"{SECRET}","idempotencyKey":"k-early","locale":"{locale}"}}"#);
    early_start("/api/checkout/start", &body, "k-early", &start(order_id, 1_500_000))
}

#[wasm_bindgen_test]
async fn takes_the_loaders_early_start_only_when_it_is_its_own_request() {
    // The same request the widget would send: its answer is the widget's; nothing else is sent.
    install_fetch(&routes(&[("/api/checkout/start", 200, start("W-E1", 1_500_000).as_str())]));
    let el = host();
    let ready = next_event(&el, "tolem:ready");
    let sent_early = early("W-E1", "en");
    let mut handle = tolem::mount(el.clone().into(), options("W-E1", "en"), sent_early.clone()).unwrap();
    JsFuture::from(ready).await.unwrap();
    yew::scheduler::flush().await;
    assert_eq!(
        calls_to("/api/checkout/start"),
        0,
        "the early request's answer was used; sent {:?}",
        js_sys::JSON::stringify(&sent()).unwrap()
    );
    assert_eq!(field(&sent_early, "aborted").as_bool(), Some(false));
    assert_eq!(el.query_selector_all("input[type=radio]").unwrap().length(), 2, "its methods are shown");
    handle.unmount();

    // Another language than the widget speaks: the early request is aborted, the widget asks itself.
    install_fetch(&routes(&[("/api/checkout/start", 200, start("W-E2", 1_500_000).as_str())]));
    let el = host();
    let ready = next_event(&el, "tolem:ready");
    let sent_early = early("W-E2", "kk");
    let mut handle = tolem::mount(el.clone().into(), options("W-E2", "en"), sent_early.clone()).unwrap();
    JsFuture::from(ready).await.unwrap();
    assert_eq!(field(&sent_early, "aborted").as_bool(), Some(true));
    assert_eq!(calls_to("/api/checkout/start"), 1);
    let body = field(&sent().get(0), "body");
    assert_eq!(field(&body, "locale").as_string().as_deref(), Some("en"));
    assert_ne!(
        field(&body, "idempotencyKey").as_string().as_deref(),
        Some("k-early"),
        "its own key, not the unused one's"
    );
    handle.unmount();

    // A checkout that resumes its journal reads the status: the early start is aborted unused.
    install_fetch(&routes(&[(
        "/api/checkout/status",
        200,
        r#"{"attemptId":"att_7","status":"paid","final":true,"orderId":"W-E3","amount":1500000,"currency":"KZT"}"#,
    )]));
    journal("att_7", "W-E3");
    let el = host();
    let status = next_event(&el, "tolem:status");
    let sent_early = early("W-E3", "en");
    let mut handle = tolem::mount(el.clone().into(), options("W-E3", "en"), sent_early.clone()).unwrap();
    JsFuture::from(status).await.unwrap();
    assert_eq!(field(&sent_early, "aborted").as_bool(), Some(true));
    assert_eq!(calls_to("/api/checkout/start"), 0);
    handle.unmount();

    // Options the widget refuses: nothing mounts, and the early request is aborted.
    let sent_early = early("W-E4", "en");
    assert!(tolem::mount(host().into(), json(r#"{"provider":"nope"}"#), sent_early.clone()).is_err());
    assert_eq!(field(&sent_early, "aborted").as_bool(), Some(true));
}

#[wasm_bindgen_test]
fn the_backend_only_build_refuses_the_browser_direct_modes_at_mount() {
    // (iokaTokensUrl comes with publicKey: the options check asks for both.)
    for extra in [r#""publicKey":"pk_1""#, r#""oneentry":{"projectUrl":"https://p.oneentry.cloud","appToken":"t"}"#] {
        let options =
            json(&format!(r#"{{"provider":"ioka","backendUrl":"/api/checkout","clientSecret":"{SECRET}",{extra}}}"#));
        let Err(err) = mount(host().into(), options) else { panic!("mounted with {extra}") };
        assert_eq!(field(&err, "code").as_string().as_deref(), Some("CONFIG_ERROR"), "{extra}");
        let message = field(&err, "message").as_string().unwrap_or_default();
        assert!(message.contains("browser-direct build"), "{extra}: {message}");
    }
}

#[wasm_bindgen_test]
async fn malformed_and_failing_backends_show_clear_errors() {
    install_fetch(&routes(&[("/api/checkout/start", 200, r#"{"attemptId": "att_1", "meth"#)]));
    let el = host();
    let error = next_event(&el, "tolem:error");
    let mut handle = mount(el.clone().into(), options("W-4", "en")).unwrap();
    let detail = JsFuture::from(error).await.unwrap();
    yew::scheduler::flush().await;
    assert_eq!(field(&detail, "code").as_string().as_deref(), Some("BACKEND_ERROR"));
    let alert = el.query_selector("[role=alert]").unwrap().unwrap();
    assert!(alert.text_content().unwrap().contains("could not process the request"));
    handle.unmount();

    // well-formed JSON of the wrong shape: the message names the value that did not fit
    let wrong_kind = start("W-4b", 1_500_000).replace(r#""kind":"card""#, r#""kind":"crypto""#);
    assert!(wrong_kind.contains("crypto"), "the fixture has a card method to spoil");
    install_fetch(&routes(&[("/api/checkout/start", 200, wrong_kind.as_str())]));
    let el = host();
    let error = next_event(&el, "tolem:error");
    let mut handle = mount(el.clone().into(), options("W-4b", "en")).unwrap();
    let detail = JsFuture::from(error).await.unwrap();
    assert_eq!(field(&detail, "code").as_string().as_deref(), Some("BACKEND_ERROR"));
    let message = field(&detail, "message").as_string().unwrap_or_default();
    assert!(message.contains("methods[1].kind: `crypto` is not a known method kind"), "{message}");
    handle.unmount();

    install_fetch(&routes(&[(
        "/api/checkout/start",
        502,
        r#"{"error":{"code":"PROVIDER_ERROR","message":"the payment provider is unavailable"}}"#,
    )]));
    let el = host();
    let error = next_event(&el, "tolem:error");
    let mut handle = mount(el.clone().into(), options("W-5", "en")).unwrap();
    let detail = JsFuture::from(error).await.unwrap();
    assert_eq!(field(&detail, "code").as_string().as_deref(), Some("PROVIDER_ERROR"));
    // "Try again" starts over and now succeeds
    install_fetch(&routes(&[("/api/checkout/start", 200, start("W-5", 1_500_000).as_str())]));
    yew::scheduler::flush().await;
    let ready = next_event(&el, "tolem:ready");
    click(&el.query_selector("[role=alert] button").unwrap().unwrap());
    JsFuture::from(ready).await.unwrap();
    yew::scheduler::flush().await;
    assert!(el.query_selector("[role=radiogroup]").unwrap().is_some());
    handle.unmount();
}

#[wasm_bindgen_test]
fn invalid_options_are_config_errors() {
    let el = host();
    for bad in [
        r#"{"provider":"paypal","backendUrl":"/b","order":{"id":"A","amount":100,"currency":"KZT"}}"#,
        r#"{"provider":"ioka","backendUrl":"/b","order":{"id":"A","amount":1.5,"currency":"KZT"}}"#,
        r#"{"provider":"ioka","backendUrl":"/b","order":{"id":"A","amount":-100,"currency":"KZT"}}"#,
        r#"{"provider":"ioka","backendUrl":"/b","order":{"id":"A B","amount":100,"currency":"KZT"}}"#,
        r#"{"provider":"ioka","backendUrl":"/b","order":{"id":"A","amount":100,"currency":"KZT"},"locale":"de"}"#,
        r#"{"provider":"ioka","order":{"id":"A","amount":100,"currency":"KZT"}}"#,
        r#"{"provider":"ioka","backendUrl":"/b","order":{"id":"A","amount":100,"currency":"KZT"},"theme":"blue"}"#,
    ] {
        let err = match mount(el.clone().into(), json(bad)) {
            Err(e) => e,
            Ok(_) => panic!("accepted {bad}"),
        };
        assert_eq!(field(&err, "code").as_string().as_deref(), Some("CONFIG_ERROR"), "{bad}");
    }
    // a value of the wrong type is named
    let bad = r#"{"provider":"ioka","backendUrl":"/b","order":{"id":"A","amount":"100","currency":"KZT"}}"#;
    let Err(err) = mount(el.clone().into(), json(bad)) else { panic!("accepted {bad}") };
    let thrown = field(&err, "message").as_string().unwrap_or_default();
    assert!(thrown.contains(r#"order.amount: invalid type: string "100", expected i64"#), "{thrown}");
    let missing = mount(JsValue::from_str("#no-such-element"), options("W-6", "en"));
    assert!(missing.is_err());
}

#[wasm_bindgen_test]
async fn an_attempt_the_backend_forgot_starts_over_cleanly() {
    install_fetch(&routes(&[
        ("/api/checkout/status", 404, r#"{"error":{"code":"NOT_FOUND","message":"no such attempt"}}"#),
        ("/api/checkout/start", 200, start("W-7", 1_500_000).as_str()),
    ]));
    let storage = journal("att_gone", "W-7");
    let el = host();
    let error = next_event(&el, "tolem:error");
    let mut handle = mount(el.clone().into(), options("W-7", "en")).unwrap();
    let detail = JsFuture::from(error).await.unwrap();
    yew::scheduler::flush().await;
    assert_eq!(field(&detail, "code").as_string().as_deref(), Some("BACKEND_ERROR"));
    assert_eq!(storage.get_item("tolem:attempt:ioka:W-7").unwrap(), None, "the dead journal is forgotten");
    let ready = next_event(&el, "tolem:ready");
    click(&el.query_selector("[role=alert] button").unwrap().unwrap());
    JsFuture::from(ready).await.unwrap();
    assert_eq!(calls_to("POST /api/checkout/start"), 1, "try again starts over");
    handle.unmount();
}

#[wasm_bindgen_test]
async fn update_changes_the_language_and_callbacks_are_called() {
    install_fetch(&routes(&[("/api/checkout/start", 200, start("W-8", 1_500_000).as_str())]));
    let (el, mut handle) = mounted(with_callbacks(&options("W-8", "en"))).await;
    assert_eq!(el.query_selector("legend").unwrap().unwrap().text_content().unwrap(), "Choose how to pay");

    handle.update(json(r#"{"locale":"ru"}"#)).unwrap();
    yew::scheduler::flush().await;
    assert_eq!(el.query_selector("legend").unwrap().unwrap().text_content().unwrap(), "Выберите способ оплаты");
    assert_eq!(calls_to("POST /api/checkout/start"), 1, "a language change does not restart the checkout");
    assert!(handle.update(json(r#"{"locale":"de"}"#)).is_err(), "an invalid update is refused");
    assert_eq!(el.query_selector("legend").unwrap().unwrap().text_content().unwrap(), "Выберите способ оплаты");

    let second: web_sys::HtmlElement =
        el.query_selector_all("input[type=radio]").unwrap().get(1).unwrap().dyn_into().unwrap();
    second.click();
    yew::scheduler::flush().await;
    let seen: Vec<String> = callbacks().iter().filter_map(|v| v.as_string()).collect();
    assert_eq!(seen[0], r#"onReady:{"provider":"ioka"}"#);
    assert!(seen.contains(&r#"onMethod:{"methodId":"card"}"#.to_owned()), "{seen:?}");
    assert!(seen.iter().any(|s| s.starts_with("onError:") && s.contains("CONFIG_ERROR")), "{seen:?}");
    handle.unmount();
}

#[wasm_bindgen_test]
async fn a_reused_widget_root_starts_from_scratch_and_a_new_amount_starts_again() {
    install_fetch(&routes(&[("/api/checkout/start", 200, start("W-9", 1_500_000).as_str())]));
    let (first_host, mut first) = mounted(options("W-9", "kk")).await;
    let second_radio: web_sys::HtmlElement =
        first_host.query_selector_all("input[type=radio]").unwrap().get(1).unwrap().dyn_into().unwrap();
    second_radio.click();
    yew::scheduler::flush().await;
    first.unmount();
    assert_eq!(first_host.child_element_count(), 0);

    // The next mount reuses the parked app and its root: nothing of W-9 may show through.
    install_fetch(&routes(&[("/api/checkout/start", 200, start("W-10", 1_500_000).as_str())]));
    let (other_host, mut other) = mounted(options("W-10", "en")).await;
    let radios = other_host.query_selector_all("input[type=radio]").unwrap();
    let preselected: web_sys::HtmlInputElement = radios.get(0).unwrap().dyn_into().unwrap();
    assert!(preselected.checked(), "a fresh checkout, not W-9's selection");
    assert_eq!(other_host.query_selector("legend").unwrap().unwrap().text_content().unwrap(), "Choose how to pay");
    assert_eq!(first_host.child_element_count(), 0, "the old host stays empty");

    install_fetch(&routes(&[("/api/checkout/start", 200, start("W-10", 990_000).as_str())]));
    let ready = next_event(&other_host, "tolem:ready");
    other.update(json(r#"{"order":{"id":"W-10","amount":990000,"currency":"KZT"}}"#)).unwrap();
    JsFuture::from(ready).await.unwrap();
    assert_eq!(calls_to("POST /api/checkout/start"), 1, "a new amount is a new start");
    let pay = other_host.query_selector(".tolem-pay").unwrap().unwrap().text_content().unwrap();
    assert_eq!(pay, "Pay ₸9,900", "the amount the backend answered");
    other.unmount();
}

#[wasm_bindgen_test]
async fn an_answer_about_another_order_or_amount_is_never_shown_as_paid() {
    // An edited journal (or a backend that mixed attempts up) leads to someone else's payment.
    for (order, amount) in [("SOMEONE-ELSE", 1_500_000), ("W-11", 100)] {
        let paid = format!(
            r#"{{"attemptId":"att_x","status":"paid","final":true,"orderId":"{order}","amount":{amount},"currency":"KZT"}}"#
        );
        install_fetch(&routes(&[("/api/checkout/status", 200, paid.as_str())]));
        let storage = journal("att_x", "W-11");
        let el = host();
        let error = next_event(&el, "tolem:error");
        let mut handle = mount(el.clone().into(), options("W-11", "en")).unwrap();
        let detail = JsFuture::from(error).await.unwrap();
        yew::scheduler::flush().await;
        assert_eq!(field(&detail, "code").as_string().as_deref(), Some("BACKEND_ERROR"), "{order} {amount}");
        assert!(el.query_selector("[data-status=paid]").unwrap().is_none(), "never shown as paid");
        assert!(!el.text_content().unwrap_or_default().contains("successful"));
        handle.unmount();
        storage.remove_item("tolem:attempt:ioka:W-11").unwrap();
    }
}
