//! The browser edge: DOM, events, storage, URLs, fetch, timers, navigation.
//! Everything here is thin; decisions are made in `tolem_core`.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Function, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, Element};

use tolem_core::api::{EventDetail, RedirectTarget, WidgetEvent, RETURN_PARAM};
use tolem_core::error::{CheckoutError, ErrorCode};
use tolem_core::http::Method;
use tolem_core::journal::JournalRecord;
use tolem_core::providers::Provider;
use tolem_core::redirect::{ParsedUrl, SandboxOrigin};
use tolem_core::tabs::{may_claim, PaymentClaim};

use crate::i18n::Locale;

/// How long one request may take before it counts as a network error.
pub const REQUEST_TIMEOUT_MS: u32 = 15_000;

fn window() -> Option<web_sys::Window> {
    web_sys::window()
}

/// An element, or the first match of a selector.
pub fn resolve_target(target: &JsValue) -> Option<Element> {
    if let Some(el) = target.dyn_ref::<Element>() {
        return Some(el.clone());
    }
    let selector = target.as_string()?;
    window()?.document()?.query_selector(&selector).ok().flatten()
}

/// Replaces the host's content with one fresh `<div class="tolem">` for Yew to own.
pub fn fresh_root(host: &Element) -> Option<Element> {
    clear_children(host);
    let root = window()?.document()?.create_element("div").ok()?;
    root.set_class_name("tolem");
    host.append_child(&root).ok()?;
    Some(root)
}

/// Replaces the host's content with an existing widget root.
pub fn adopt_root(host: &Element, root: &Element) -> Option<()> {
    clear_children(host);
    host.append_child(root).ok()?;
    Some(())
}

/// Removes the host's children.
pub fn clear_children(host: &Element) {
    while let Some(child) = host.first_child() {
        let _ = host.remove_child(&child);
    }
}

/// An event's `detail` as a plain JS object (serde-wasm-bindgen builds it).
pub fn event_detail(detail: &EventDetail<'_>) -> JsValue {
    serde_wasm_bindgen::to_value(detail).unwrap_or(JsValue::UNDEFINED)
}

/// `{code, message}` for `tolem:error`.
pub fn error_detail(code: &str, message: &str) -> JsValue {
    event_detail(&EventDetail::Error { code, message })
}

/// Dispatches a bubbling, composed `CustomEvent` on the host.
pub fn dispatch(host: &Element, name: &str, detail: &JsValue) {
    let init = web_sys::CustomEventInit::new();
    init.set_bubbles(true);
    init.set_composed(true);
    init.set_detail(detail);
    if let Ok(event) = web_sys::CustomEvent::new_with_event_init_dict(name, &init) {
        let _ = host.dispatch_event(&event);
    }
}

/// The merchant's callbacks from the mount options (`onReady`, `onMethod`, …), one slot per
/// [`WidgetEvent`].
#[derive(Default)]
pub struct Callbacks {
    functions: [Option<Function>; 6],
}

impl Callbacks {
    /// Reads the functions from the options object.
    pub fn from_options(options: &JsValue) -> Callbacks {
        let get = |event: WidgetEvent| {
            Reflect::get(options, &event.callback().into()).ok().and_then(|f| f.dyn_into::<Function>().ok())
        };
        let mut functions: [Option<Function>; 6] = Default::default();
        for (slot, event) in functions.iter_mut().zip(WidgetEvent::ALL) {
            *slot = get(event);
        }
        Callbacks { functions }
    }

    /// Dispatches the event's `tolem:*` DOM event and calls its callback. A throwing callback
    /// is reported on the console and does not break the widget.
    pub fn emit(&self, host: &Element, event: WidgetEvent, detail: &JsValue) {
        dispatch(host, event.dom_type(), detail);
        let slot = WidgetEvent::ALL.iter().position(|e| *e == event);
        if let Some(f) = slot.and_then(|i| self.functions[i].as_ref()) {
            if let Err(e) = f.call1(&JsValue::NULL, detail) {
                web_sys::console::error_2(&"tolem: a merchant callback threw".into(), &e);
            }
        }
    }
}

/// `<html lang>`, else the browser's languages, else Russian ([`Locale::negotiate`]).
pub fn default_locale() -> Locale {
    let html_lang =
        window().and_then(|w| w.document()).and_then(|d| d.document_element()).and_then(|e| e.get_attribute("lang"));
    let languages: Vec<String> =
        window().map(|w| w.navigator().languages().iter().filter_map(|l| l.as_string()).collect()).unwrap_or_default();
    Locale::negotiate(None, html_lang.as_deref(), languages.iter().map(String::as_str)).unwrap_or(Locale::Ru)
}

/// Focuses the element marked `tolem-focus` inside `host`, if any. Returns whether it did.
pub fn focus_marked(host: &Element) -> bool {
    let Ok(Some(target)) = host.query_selector(".tolem-focus") else { return false };
    target.dyn_into::<web_sys::HtmlElement>().is_ok_and(|el| el.focus().is_ok())
}

/// True when the focused element is inside `host` (false when focus fell back to `<body>`).
pub fn focus_within(host: &Element) -> bool {
    window()
        .and_then(|w| w.document())
        .and_then(|d| d.active_element())
        .is_some_and(|active| host.contains(Some(&active)))
}

#[wasm_bindgen]
extern "C" {
    /// The browser's own `RegExp`: providers write their field patterns for it.
    #[wasm_bindgen(js_name = RegExp)]
    type JsRegExp;
    #[wasm_bindgen(catch, constructor, js_class = "RegExp")]
    fn compile(pattern: &str, flags: &str) -> Result<JsRegExp, JsValue>;
    #[wasm_bindgen(method)]
    fn test(this: &JsRegExp, text: &str) -> bool;
}

/// True when `value` matches the provider's `pattern` as JavaScript reads it: in Unicode
/// mode where the pattern allows it (`\p{L}`), else as written. A pattern the browser cannot
/// compile judges nothing (the provider still checks the value).
pub fn pattern_matches(pattern: Option<&str>, value: &str) -> bool {
    match pattern {
        Some(p) => {
            JsRegExp::compile(p, "u").or_else(|_| JsRegExp::compile(p, "")).map(|re| re.test(value)).unwrap_or(true)
        }
        None => true,
    }
}

/// Parses with the WHATWG URL parser, exactly as navigation will.
pub fn parse_url(url: &str) -> Option<ParsedUrl> {
    let base = window().and_then(|w| w.location().href().ok()).unwrap_or_default();
    let u = web_sys::Url::new_with_base(url, &base).ok()?;
    Some(ParsedUrl {
        scheme: u.protocol().trim_end_matches(':').to_ascii_lowercase(),
        host: u.hostname().to_ascii_lowercase(),
        port: u.port(),
        has_credentials: !u.username().is_empty() || !u.password().is_empty(),
    })
}

/// `url` resolved against this page (so `/sandbox` works as well as a full URL).
pub fn absolute_url(url: &str) -> Option<String> {
    let base = window().and_then(|w| w.location().href().ok()).unwrap_or_default();
    web_sys::Url::new_with_base(url, &base).ok().map(|u| u.href())
}

/// The origin parts of an absolute URL.
pub fn origin_parts(url: &str) -> Option<SandboxOrigin> {
    let u = web_sys::Url::new(url).ok()?;
    Some(SandboxOrigin { scheme: u.protocol().trim_end_matches(':').to_owned(), host: u.hostname(), port: u.port() })
}

/// This page's URL without our return parameter and fragment: the default return URL.
pub fn current_return_url() -> String {
    let href = window().and_then(|w| w.location().href().ok()).unwrap_or_default();
    match web_sys::Url::new(&href) {
        Ok(u) => {
            u.search_params().delete(RETURN_PARAM);
            u.set_hash("");
            u.href()
        }
        Err(_) => href,
    }
}

/// The `tolem_return` value in this page's URL.
pub fn return_hint() -> Option<String> {
    let href = window()?.location().href().ok()?;
    web_sys::Url::new(&href).ok()?.search_params().get(RETURN_PARAM)
}

/// This page's query string (`?a=1&b=2`), if any.
pub fn current_query() -> Option<String> {
    window()?.location().search().ok().filter(|q| !q.is_empty())
}

/// Milliseconds since the epoch.
pub fn now_ms() -> u64 {
    let ms = js_sys::Date::now();
    if ms.is_finite() && ms > 0.0 {
        ms as u64
    } else {
        0
    }
}

/// Uniform in `[0, 1)`.
pub fn random() -> f64 {
    js_sys::Math::random()
}

/// A fresh idempotency key: a v4 UUID from `crypto.getRandomValues`, which every browser
/// that runs WebAssembly has, in secure contexts and others alike (`randomUUID` is secure-only).
/// Without it the widget stops with an error rather than make a guessable key from the clock.
pub fn fresh_key() -> String {
    let mut bytes = [0u8; 16];
    let filled =
        window().and_then(|w| w.crypto().ok()).is_some_and(|c| c.get_random_values_with_u8_array(&mut bytes).is_ok());
    if !filled {
        wasm_bindgen::throw_str("Tolem needs crypto.getRandomValues (Web Crypto) for its idempotency keys");
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

fn session_storage() -> Option<web_sys::Storage> {
    window()?.session_storage().ok().flatten()
}

/// The journal record for this order, if a valid one is stored.
pub fn read_journal(provider: Provider, order_id: &str) -> Option<JournalRecord> {
    let raw = session_storage()?.get_item(&JournalRecord::storage_key(provider, order_id)).ok().flatten()?;
    let value = js_sys::JSON::parse(&raw).ok()?;
    from_js(value).ok()
}

/// Writes the journal; `false` when storage refused (private mode, quota).
pub fn write_journal(record: &JournalRecord) -> bool {
    let Some(text) = to_json(record) else {
        return false;
    };
    session_storage()
        .map(|s| s.set_item(&JournalRecord::storage_key(record.provider, &record.order_id), &text).is_ok())
        .unwrap_or(false)
}

/// Removes the journal record.
pub fn clear_journal(provider: Provider, order_id: &str) {
    if let Some(s) = session_storage() {
        let _ = s.remove_item(&JournalRecord::storage_key(provider, order_id));
    }
}

thread_local! {
    /// This page load's tab id, for payment claims.
    static TAB_ID: String = fresh_key();
}

fn local_storage() -> Option<web_sys::Storage> {
    window()?.local_storage().ok().flatten()
}

/// Reads the claim under `key` and, if this tab may pay, writes this tab's claim.
fn decide_claim(key: &str, take_over: bool) -> bool {
    // No shared storage (private mode, blocked): nothing to coordinate with.
    let Some(storage) = local_storage() else { return true };
    let existing = storage.get_item(key).ok().flatten().and_then(|t| PaymentClaim::from_text(&t));
    let now = now_ms();
    TAB_ID.with(|tab| {
        let granted = may_claim(existing.as_ref(), tab, now, take_over);
        if granted {
            let _ = storage.set_item(key, &PaymentClaim { tab: tab.clone(), at_ms: now }.to_text());
        }
        granted
    })
}

/// Claims the order's payment (`key` from [`tolem_core::tabs::claim_key`]) for this tab:
/// `false` when another tab of this browser holds it. Read-and-write happens inside a Web
/// Lock where the browser has them, so two tabs cannot both see "free"; elsewhere the shared
/// storage alone decides.
pub async fn claim_payment(key: &str, take_over: bool) -> bool {
    let locks = window().and_then(|w| Reflect::get(&w.navigator(), &"locks".into()).ok()).filter(|l| l.is_object());
    let request = locks
        .as_ref()
        .and_then(|l| Reflect::get(l, &"request".into()).ok())
        .and_then(|f| f.dyn_into::<Function>().ok());
    let (Some(locks), Some(request)) = (locks, request) else { return decide_claim(key, take_over) };
    let options = js_sys::Object::new();
    let _ = Reflect::set(&options, &"ifAvailable".into(), &JsValue::TRUE);
    let owned = key.to_owned();
    // `lock` is null when another tab holds the lock this very moment: it is paying.
    let callback = Closure::once_into_js(move |lock: JsValue| {
        JsValue::from_bool(!lock.is_null() && decide_claim(&owned, take_over))
    });
    match request.call3(&locks, &key.into(), &options, &callback).map(|p| JsFuture::from(js_sys::Promise::from(p))) {
        Ok(future) => match future.await {
            Ok(granted) => granted.as_bool().unwrap_or(true),
            Err(_) => decide_claim(key, take_over),
        },
        Err(_) => decide_claim(key, take_over),
    }
}

/// The order's payment is over here (a final status, the order placed, or given up):
/// removes the claim and tells the shop's other tabs to look.
pub fn release_payment(key: &str) {
    if let Some(storage) = local_storage() {
        let _ = storage.remove_item(key);
    }
    if let Ok(channel) = web_sys::BroadcastChannel::new(key) {
        let _ = channel.post_message(&"settled".into());
        channel.close();
    }
}

/// Calls `on_news` when another tab says this order's payment is over: a BroadcastChannel
/// message, or, where there is none, the claim disappearing from the shared storage.
pub fn watch_payment(key: &str, on_news: impl Fn() + 'static) -> Option<Listener> {
    if let Ok(channel) = web_sys::BroadcastChannel::new(key) {
        // The listener keeps the channel alive (and closes nothing: a dropped channel is collected).
        return Listener::new(&channel, "message", move |_| on_news());
    }
    let owned = key.to_owned();
    Listener::new(&window()?.into(), "storage", move |e| {
        if Reflect::get(&e, &"key".into()).ok().and_then(|k| k.as_string()).as_deref() == Some(owned.as_str()) {
            on_news();
        }
    })
}

/// Sends the shopper away; `false` when it could not (popup blocked, navigation refused).
pub fn navigate(target: &RedirectTarget, new_tab: bool) -> bool {
    let Some(w) = window() else {
        return false;
    };
    if target.method == Method::Post {
        return submit_form(&w, target, new_tab).is_some();
    }
    if new_tab {
        // `window.open(…, "noopener")` always answers null, which would hide a blocked popup;
        // open normally and cut the opener link by hand instead.
        match w.open_with_url_and_target(&target.url, "_blank") {
            Ok(Some(opened)) => {
                let _ = Reflect::set(&opened, &"opener".into(), &JsValue::NULL);
                true
            }
            _ => false,
        }
    } else {
        w.location().assign(&target.url).is_ok()
    }
}

fn submit_form(w: &web_sys::Window, target: &RedirectTarget, new_tab: bool) -> Option<()> {
    let doc = w.document()?;
    let form = doc.create_element("form").ok()?;
    form.set_attribute("method", "post").ok()?;
    form.set_attribute("action", &target.url).ok()?;
    if new_tab {
        form.set_attribute("target", "_blank").ok()?;
    }
    form.set_attribute("hidden", "").ok()?;
    for (name, value) in &target.fields {
        let input = doc.create_element("input").ok()?;
        input.set_attribute("type", "hidden").ok()?;
        input.set_attribute("name", name).ok()?;
        input.set_attribute("value", value).ok()?;
        form.append_child(&input).ok()?;
    }
    doc.body()?.append_child(&form).ok()?;
    form.dyn_ref::<web_sys::HtmlFormElement>()?.submit().ok()
}

/// An event listener removed when dropped.
pub struct Listener {
    target: web_sys::EventTarget,
    name: &'static str,
    closure: Closure<dyn FnMut(web_sys::Event)>,
}

impl Listener {
    /// Listens to `name` on `target`.
    pub fn new(
        target: &web_sys::EventTarget,
        name: &'static str,
        f: impl FnMut(web_sys::Event) + 'static,
    ) -> Option<Listener> {
        let closure = Closure::<dyn FnMut(web_sys::Event)>::new(f);
        target.add_event_listener_with_callback(name, closure.as_ref().unchecked_ref()).ok()?;
        Some(Listener { target: target.clone(), name, closure })
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self.target.remove_event_listener_with_callback(self.name, self.closure.as_ref().unchecked_ref());
    }
}

/// True when the document is hidden.
pub fn document_hidden() -> bool {
    window().and_then(|w| w.document()).is_some_and(|d| d.hidden())
}

/// True when the browser says it is online.
pub fn online() -> bool {
    window().is_none_or(|w| w.navigator().on_line())
}

/// The window and document as event targets.
pub fn window_and_document() -> Option<(web_sys::EventTarget, web_sys::EventTarget)> {
    let w = window()?;
    let d = w.document()?;
    Some((w.into(), d.into()))
}

/// A sessionStorage value (what OneEntry direct mode keeps).
#[cfg(feature = "browser-direct")]
pub fn session_get(key: &str) -> Option<String> {
    session_storage()?.get_item(key).ok().flatten()
}

/// Sets a sessionStorage value (quietly does nothing where storage is unavailable).
#[cfg(feature = "browser-direct")]
pub fn session_set(key: &str, value: &str) {
    if let Some(s) = session_storage() {
        let _ = s.set_item(key, value);
    }
}

/// Requests in flight, aborted together when the widget unmounts.
#[derive(Clone, Default)]
pub struct Requests {
    live: Rc<RefCell<Vec<AbortController>>>,
}

impl Requests {
    /// Aborts everything in flight.
    pub fn abort_all(&self) {
        if let Ok(mut live) = self.live.try_borrow_mut() {
            for c in live.drain(..) {
                c.abort();
            }
        }
    }

    /// GET or POST JSON, with a timeout; answers the body as `read` reads it.
    pub async fn json<T: serde::de::DeserializeOwned>(
        &self,
        method: Method,
        url: &str,
        headers: &[(&str, &str)],
        body: Option<String>,
        provider_direct: bool,
    ) -> Result<T, CheckoutError> {
        let value = self.json_value(method, url, headers, body, provider_direct).await?;
        decode(value, url, provider_direct)
    }

    /// GET JSON from a backend that may hold the request up to `held_ms` (a long poll), with
    /// the usual timeout on top of that.
    pub async fn json_held<T: serde::de::DeserializeOwned>(
        &self,
        url: &str,
        headers: &[(&str, &str)],
        held_ms: u32,
    ) -> Result<T, CheckoutError> {
        let timeout_ms = REQUEST_TIMEOUT_MS.saturating_add(held_ms);
        let value = self.exchange(Method::Get, url, headers, None, false, timeout_ms).await?;
        decode(value, url, false)
    }

    /// GET or POST JSON, with a timeout; answers the body as a JS value, for callers that
    /// look at it before choosing a type.
    pub async fn json_value(
        &self,
        method: Method,
        url: &str,
        headers: &[(&str, &str)],
        body: Option<String>,
        provider_direct: bool,
    ) -> Result<JsValue, CheckoutError> {
        self.exchange(method, url, headers, body, provider_direct, REQUEST_TIMEOUT_MS).await
    }

    /// The answer to the `start` request the loader sent before the wasm was ready, read as
    /// this widget reads its own requests (the timeout counts from now; unmounting aborts it).
    pub async fn adopt(&self, early: EarlyStart) -> Result<JsValue, CheckoutError> {
        let EarlyStart { url, response, controller, .. } = early;
        self.watched(&controller, REQUEST_TIMEOUT_MS, async {
            let response = JsFuture::from(response).await.ok().and_then(|r| r.dyn_into::<web_sys::Response>().ok());
            match response {
                Some(response) => answer_of(gloo_net::http::Response::from(response), &url, false).await,
                None => Err(unreachable(&url, &controller)),
            }
        })
        .await
    }

    async fn exchange(
        &self,
        method: Method,
        url: &str,
        headers: &[(&str, &str)],
        body: Option<String>,
        provider_direct: bool,
        timeout_ms: u32,
    ) -> Result<JsValue, CheckoutError> {
        let controller = AbortController::new().map_err(|_| internal("AbortController unavailable"))?;
        self.watched(&controller, timeout_ms, send(method, url, headers, body, &controller, provider_direct)).await
    }

    /// Runs `call` with `controller` aborted after `timeout_ms` or when the widget unmounts.
    async fn watched(
        &self,
        controller: &AbortController,
        timeout_ms: u32,
        call: impl std::future::Future<Output = Result<JsValue, CheckoutError>>,
    ) -> Result<JsValue, CheckoutError> {
        if let Ok(mut live) = self.live.try_borrow_mut() {
            live.push(controller.clone());
        }
        let timeout = {
            let c = controller.clone();
            gloo_timers::callback::Timeout::new(timeout_ms, move || c.abort())
        };
        let result = call.await;
        drop(timeout);
        if let Ok(mut live) = self.live.try_borrow_mut() {
            live.retain(|c| c != controller);
        }
        result
    }
}

/// A `start` request the loader (`runtime.js`) sent when the merchant called `mount`, while
/// the wasm was still on its way: the widget takes its answer when its own `start` would have
/// been byte for byte this request, and aborts it otherwise.
pub struct EarlyStart {
    /// The URL it went to.
    pub url: String,
    /// Its JSON body, as sent.
    pub body: String,
    /// The idempotency key in the body: the widget's key for this checkout.
    pub key: String,
    /// `fetch`'s promise of the response.
    response: js_sys::Promise,
    controller: AbortController,
}

impl EarlyStart {
    /// Reads the loader's `{url, body, key, response, controller}`; `None` when there is none.
    pub fn from_js(value: &JsValue) -> Option<EarlyStart> {
        let get = |name: &str| Reflect::get(value, &JsValue::from_str(name)).ok();
        let text = |name: &str| get(name).and_then(|v| v.as_string());
        if !value.is_object() {
            return None;
        }
        Some(EarlyStart {
            url: text("url")?,
            body: text("body")?,
            key: text("key")?,
            response: get("response")?.dyn_into().ok()?,
            controller: get("controller")?.dyn_into().ok()?,
        })
    }

    /// Drops the request: the widget will not use its answer.
    pub fn abort(self) {
        self.controller.abort();
    }

    /// Kept when it is exactly the request to `url` with `body`; aborted otherwise.
    pub fn kept_if_same(self, url: &str, body: Option<&str>) -> Option<EarlyStart> {
        if self.url == url && body == Some(self.body.as_str()) {
            Some(self)
        } else {
            self.abort();
            None
        }
    }
}

/// A JSON body as `read` reads it; a body of another shape is the backend's (or provider's)
/// error, naming the value that did not fit.
pub fn decode<T: serde::de::DeserializeOwned>(
    value: JsValue,
    url: &str,
    provider_direct: bool,
) -> Result<T, CheckoutError> {
    from_js(value).map_err(|e| {
        let code = if provider_direct { ErrorCode::ProviderError } else { ErrorCode::BackendError };
        CheckoutError::new(code, format!("unexpected answer from {}: {e}", path_of(url)), true)
    })
}

/// `value` as JSON: serde-wasm-bindgen makes the JS value (objects for maps too), the
/// browser's `JSON.stringify` writes it.
pub fn to_json<T: serde::Serialize>(value: &T) -> Option<String> {
    let value = value.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).ok()?;
    js_sys::JSON::stringify(&value).ok()?.as_string()
}

/// A refusal's body in the backend API's shape, as far as it is there.
#[derive(serde::Deserialize)]
struct BackendProblem {
    error: Problem,
}

/// `code` and `message`, each when it is text: inside the backend's error body, and a
/// provider's whole error body (of which the widget reports the `code`).
#[derive(Default, serde::Deserialize)]
struct Problem {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

/// True when `value` is an object with the member `name`.
pub fn has_member(value: &JsValue, name: &str) -> bool {
    value.is_object() && Reflect::has(value, &JsValue::from_str(name)).unwrap_or(false)
}

/// A JS value read by serde (through serde-wasm-bindgen); the error names the path of the
/// value that did not fit.
pub fn from_js<T: serde::de::DeserializeOwned>(value: JsValue) -> Result<T, String> {
    tolem_core::wire::read(serde_wasm_bindgen::Deserializer::from(value)).map_err(|mut e| {
        // serde-wasm-bindgen's errors are JS `Error`s, whose text starts with their name.
        if let Some(problem) = e.problem.strip_prefix("Error: ") {
            e.problem = problem.to_owned();
        }
        e.to_string()
    })
}

fn internal(message: &str) -> CheckoutError {
    CheckoutError::new(ErrorCode::Internal, message, false)
}

fn path_of(url: &str) -> String {
    web_sys::Url::new(url).map(|u| u.pathname()).unwrap_or_else(|_| url.to_owned())
}

async fn send(
    method: Method,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<String>,
    controller: &AbortController,
    provider_direct: bool,
) -> Result<JsValue, CheckoutError> {
    // gloo-net sends and reads; the request is built here with web-sys, because gloo-net's
    // builder re-parses every URL for its query parameters (a kilobyte the widget never uses).
    let init = web_sys::RequestInit::new();
    init.set_method(method.as_str());
    init.set_signal(Some(&controller.signal()));
    let h = web_sys::Headers::new().map_err(|_| internal("Headers unavailable"))?;
    let _ = h.append("Accept", "application/json");
    for (k, v) in headers {
        let _ = h.append(k, v);
    }
    if let Some(b) = body {
        let _ = h.append("Content-Type", "application/json");
        init.set_body(&JsValue::from_str(&b));
    }
    init.set_headers(&h);
    let request = web_sys::Request::new_with_str_and_init(url, &init).map_err(|_| unreachable(url, controller))?;
    let response = gloo_net::http::Request::from(request).send().await.map_err(|_| unreachable(url, controller))?;
    answer_of(response, url, provider_direct).await
}

/// A request that got no response: it timed out (aborted by its timer) or never got through.
fn unreachable(url: &str, controller: &AbortController) -> CheckoutError {
    let what = if controller.signal().aborted() { "timed out:" } else { "could not reach" };
    CheckoutError::new(ErrorCode::NetworkError, format!("{what} {}", path_of(url)), true)
}

/// A response's JSON body; a refusal is the error its status and body describe.
async fn answer_of(
    response: gloo_net::http::Response,
    url: &str,
    provider_direct: bool,
) -> Result<JsValue, CheckoutError> {
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    let parsed = js_sys::JSON::parse(&text);
    if !response.ok() {
        let body = parsed.unwrap_or(JsValue::NULL);
        if provider_direct {
            let code = from_js::<Problem>(body).ok().and_then(|p| p.code).unwrap_or_default();
            return Err(CheckoutError::from_provider_status(status, &format!("provider answered {status} {code}")));
        }
        // The backend API's error body (`{"error": {"code", "message"}}`) says what went wrong;
        // whatever it lacks, the HTTP status says.
        let problem = from_js::<BackendProblem>(body).map(|b| b.error).unwrap_or_default();
        let message = problem.message.unwrap_or_else(|| format!("HTTP {status}"));
        return Err(CheckoutError::from_backend_status(status, problem.code.as_deref(), &message));
    }
    parsed.map_err(|_| {
        let code = if provider_direct { ErrorCode::ProviderError } else { ErrorCode::BackendError };
        CheckoutError::new(code, format!("{} answered with malformed JSON", path_of(url)), true)
    })
}

#[cfg(all(test, target_arch = "wasm32"))]
mod tests {
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    #[wasm_bindgen_test]
    fn provider_patterns_are_judged_by_the_browsers_regexp() {
        let phone = Some(r"^\+7\d{10}$");
        assert!(super::pattern_matches(phone, "+77011234567"));
        assert!(!super::pattern_matches(phone, "87011234567"));
        assert!(!super::pattern_matches(phone, "+7701123456"));
        assert!(super::pattern_matches(None, "anything"), "no pattern, nothing to judge");
        assert!(super::pattern_matches(Some("(unclosed"), "x"), "a pattern the browser cannot compile judges nothing");
        assert!(super::pattern_matches(Some("^\\p{L}+$"), "Төлем"), "JavaScript syntax, Unicode mode");
        assert!(!super::pattern_matches(Some("^\\p{L}+$"), "Төлем1"));
        assert!(super::pattern_matches(Some(r"^\-\d+$"), "-12"), "a pattern only the legacy mode accepts still works");
    }

    fn parsed(json: &str) -> wasm_bindgen::JsValue {
        js_sys::JSON::parse(json).unwrap_or(wasm_bindgen::JsValue::UNDEFINED)
    }

    fn evaluated(js: &str) -> wasm_bindgen::JsValue {
        js_sys::Function::new_no_args(js)
            .call0(&wasm_bindgen::JsValue::NULL)
            .unwrap_or(wasm_bindgen::JsValue::UNDEFINED)
    }

    #[wasm_bindgen_test]
    fn answers_are_read_by_serde_wasm_bindgen_and_a_refusal_names_the_value() {
        use tolem_core::api::{PayResponse, StartResponse, StatusResponse};
        use tolem_core::status::PaymentStatus;
        let answer = parsed(
            r#"{"attemptId":"att_1","status":"pending","orderId":"A-1","amount":1500000,"currency":"KZT","tokens":{"publicKey":null},
                "methods":[{"id":"w","kind":"wallet","label":"W","fields":[{"key":"phone","label":"P","required":true}]}],"unknown":[1.5]}"#,
        );
        assert!(super::has_member(&answer, "attemptId"));
        assert!(!super::has_member(&parsed(r#"{"order_access_token":"o"}"#), "attemptId"));
        let read = super::from_js::<StartResponse>(answer);
        let read =
            read.as_ref().map(|r| (r.status, r.order.amount.0, r.methods.len(), r.methods[0].fields[0].required));
        assert_eq!(read, Ok((PaymentStatus::Pending, 1_500_000, 1, true)));
        let refused = |json: &str| super::from_js::<StartResponse>(parsed(json)).err().unwrap_or_default();
        let base = r#""attemptId":"a","orderId":"A-1","amount":100,"currency":"KZT","status":"paid""#;
        assert_eq!(
            refused(&format!(r#"{{{base},"methods":[{{"id":"x","kind":"crypto","label":"X"}}]}}"#)),
            "methods[0].kind: `crypto` is not a known method kind"
        );
        assert_eq!(refused(&format!(r#"{{{base}}}"#)), "missing field `methods`");
        assert_eq!(
            refused(&format!(r#"{{{base},"methods":[{{"id":"x","kind":"card","label":"X","brand":5}}]}}"#)),
            "methods[0].brand: invalid type: floating point `5.0`, expected a string"
        );
        assert_eq!(
            refused(r#"{"attemptId":"a","orderId":"A-1","amount":1.5,"currency":"KZT","status":"paid","methods":[]}"#),
            "amount: invalid type: floating point `1.5`, expected i64"
        );
        assert_eq!(refused(r#""text""#), "invalid type: string \"text\", expected struct StartResponse");
        // an array is an object in JS: its members are missing
        assert_eq!(refused(r#"[{"attemptId":"a"}]"#), "missing field `attemptId`");
        let e = super::from_js::<PayResponse>(parsed(r#"{"placed":null}"#)).err();
        assert_eq!(e.as_deref(), Some("placed: invalid type: unit value, expected a boolean"));
        let e = super::from_js::<PayResponse>(parsed(r#"{"redirect":{"url":"u","fields":[["a",1]]}}"#)).err();
        assert_eq!(e.as_deref(), Some("redirect.fields[0][1]: invalid type: floating point `1.0`, expected a string"));
        let status = super::from_js::<StatusResponse>(parsed(
            r#"{"attemptId":"a","orderId":"A-1","amount":100,"currency":"KZT","status":"paid","final":true}"#,
        ));
        assert_eq!(status.map(|s| (s.status, s.is_final)), Ok((PaymentStatus::Paid, true)));
    }

    #[wasm_bindgen_test]
    fn mount_options_come_straight_from_the_merchants_object() {
        use tolem_core::options::MountOptions;
        // functions are not fields, and an undefined member is one not set
        let options = evaluated(
            "return { provider: 'ioka', onStatus: () => 1, locale: undefined, backendUrl: undefined, redirectHosts: undefined, customer: undefined, order: { id: 'A-1', amount: 1500000, currency: 'KZT' } }",
        );
        let read = super::from_js::<MountOptions>(options).map(|o| (o.order.map(|o| o.amount.0), o.locale));
        assert_eq!(read, Ok((Some(1_500_000), None)));
        let e = super::from_js::<MountOptions>(evaluated(
            "return { provider: 'ioka', order: { id: 'A-1', amount: '15', currency: 'KZT' } }",
        ));
        assert_eq!(e.err().as_deref(), Some("order.amount: invalid type: string \"15\", expected i64"));
        let e = super::from_js::<MountOptions>(evaluated("return { provider: 'ioka', customer: { email: 5 } }"));
        assert_eq!(e.err().as_deref(), Some("customer.email: invalid type: floating point `5.0`, expected a string"));
    }

    #[wasm_bindgen_test]
    fn event_details_and_bodies_are_plain_json_objects() {
        use tolem_core::api::{EventDetail, FieldValues, PayRequest};
        let detail = super::event_detail(&EventDetail::Status { status: "paid", is_final: true });
        assert_eq!(
            js_sys::JSON::stringify(&detail).ok().and_then(|s| s.as_string()).as_deref(),
            Some(r#"{"status":"paid","final":true}"#)
        );
        let detail = super::event_detail(&EventDetail::Method { method_id: "card" });
        assert_eq!(
            js_sys::JSON::stringify(&detail).ok().and_then(|s| s.as_string()).as_deref(),
            Some(r#"{"methodId":"card"}"#)
        );
        let mut fields = FieldValues::default();
        fields.set("phone".into(), "+77010000000".into());
        let body = PayRequest { attempt_id: "att_1".into(), method_id: "w".into(), fields };
        assert_eq!(
            super::to_json(&body).as_deref(),
            Some(r#"{"attemptId":"att_1","methodId":"w","fields":{"phone":"+77010000000"}}"#),
            "field values are an object, not a Map"
        );
    }
}
