//! The checkout component: owns the [`Flow`], turns browser happenings into flow events,
//! and carries out the effects `tolem_core::flow::step` returns. Timers, listeners and
//! requests are RAII handles kept here, so unmounting cancels them all.

use std::rc::Rc;

use gloo_timers::callback::{Interval, Timeout};
use yew::prelude::*;

use tolem_core::api::{
    OrderSummary, PayResponse, PaymentMethod, StartAnswer, StartRequest, StatusResponse, CLIENT_SECRET_HEADER,
};
use tolem_core::error::{CheckoutError, ErrorCode};
use tolem_core::flow::{step, Attempt, Effect, Event, Flow, FlowConfig, Mode, Notify, RedirectAnswer, ReturnHint};
use tolem_core::http::{encode_component, HttpRequest};
use tolem_core::poll::PollPolicy;
use tolem_core::providers::ioka::{self, IokaBrowser, IokaCard, IokaOrder};
use tolem_core::status::PaymentStatus;
use tolem_core::tabs::claim_key;
use tolem_core::wire;

use crate::browser::{self, Callbacks, Listener, Requests};
use crate::i18n::{money, t, Msg};
use crate::options::{Presentation, WidgetOptions};
use crate::views;

/// Props: the options, the host element events are dispatched on, the callbacks.
#[derive(Properties, Clone)]
pub struct CheckoutProps {
    /// Validated options.
    pub options: Rc<WidgetOptions>,
    /// The merchant's element.
    pub host: web_sys::Element,
    /// The merchant's callbacks.
    pub callbacks: Rc<Callbacks>,
}

impl PartialEq for CheckoutProps {
    fn eq(&self, other: &Self) -> bool {
        self.options == other.options && self.host == other.host && Rc::ptr_eq(&self.callbacks, &other.callbacks)
    }
}

/// How long after sending the shopper away the page may still be here before the provider's
/// page is offered as a link. A page that navigates is gone long before.
const REDIRECT_FALLBACK_MS: u32 = 4_000;

/// What the component reacts to: a flow event, or the display clock.
pub enum Message {
    /// Into the flow.
    Flow(Event),
    /// One second passed while confirming: redraw "checking for 45 seconds".
    Clock,
}

impl From<Event> for Message {
    fn from(event: Event) -> Self {
        Message::Flow(event)
    }
}

/// The component.
pub struct Checkout {
    flow: Flow,
    tick: Option<Timeout>,
    /// Ticks every second while confirming, for the elapsed time.
    clock: Option<Interval>,
    /// Offers the provider's page as a link if this page is still here after sending the
    /// shopper away (a `beforeunload` prompt they declined, a navigation something swallowed).
    redirect_fallback: Option<Timeout>,
    /// The time the view shows elapsed time against.
    now_ms: u64,
    /// The shopper acted (try again, check again, sign in): move focus to where the action
    /// led, so it is not lost with the button that vanished. Nothing else moves focus.
    focus_pending: bool,
    requests: Requests,
    _listeners: Vec<Listener>,
    customer_token: Option<String>,
}

fn flow_for(options: &WidgetOptions) -> Flow {
    Flow::new(FlowConfig {
        provider: options.provider,
        order_id: options.key.clone(),
        expected: options.expected_order(),
        policy: PollPolicy::default(),
        sandbox: options.sandbox_origin.clone(),
        new_tab: options.presentation == Presentation::NewTab,
    })
}

fn mount_event(options: &WidgetOptions) -> Event {
    Event::Mount {
        now_ms: browser::now_ms(),
        journal: browser::read_journal(options.provider, &options.key),
        hint: browser::return_hint().and_then(|h| ReturnHint::from_query_value(&h)),
        provider_order_id: browser::current_query()
            .and_then(|q| tolem_core::providers::bereke::parse_return(&q))
            .map(|r| r.order_id),
        fresh_key: browser::fresh_key(),
    }
}

fn listeners(link: &html::Scope<Checkout>, options: &WidgetOptions) -> Vec<Listener> {
    let Some((window, document)) = browser::window_and_document() else {
        return Vec::new();
    };
    // Another tab finished this order's payment: look now instead of at the next tick.
    let on_news = {
        let link = link.clone();
        move || link.send_message(Event::Tick { now_ms: browser::now_ms() })
    };
    let on_visibility = {
        let link = link.clone();
        move |_| link.send_message(Event::Visibility { hidden: browser::document_hidden(), now_ms: browser::now_ms() })
    };
    let connectivity = |online: bool| {
        let link = link.clone();
        move |_| link.send_message(Event::Connectivity { online, now_ms: browser::now_ms() })
    };
    [
        Listener::new(&document, "visibilitychange", on_visibility),
        Listener::new(&window, "online", connectivity(true)),
        Listener::new(&window, "offline", connectivity(false)),
        browser::watch_payment(&claim_key(options.provider, &options.key), on_news),
    ]
    .into_iter()
    .flatten()
    .collect()
}

impl Component for Checkout {
    type Message = Message;
    type Properties = CheckoutProps;

    fn create(ctx: &Context<Self>) -> Self {
        let options = &ctx.props().options;
        ctx.link().send_message(mount_event(options));
        // A page that loads hidden or offline starts paused.
        if browser::document_hidden() {
            ctx.link().send_message(Event::Visibility { hidden: true, now_ms: browser::now_ms() });
        }
        if !browser::online() {
            ctx.link().send_message(Event::Connectivity { online: false, now_ms: browser::now_ms() });
        }
        Checkout {
            flow: flow_for(options),
            tick: None,
            clock: None,
            redirect_fallback: None,
            now_ms: browser::now_ms(),
            focus_pending: false,
            requests: Requests::default(),
            _listeners: listeners(ctx.link(), options),
            customer_token: None,
        }
    }

    fn update(&mut self, ctx: &Context<Self>, message: Message) -> bool {
        self.now_ms = browser::now_ms();
        let event = match message {
            Message::Clock => return matches!(self.flow.state, tolem_core::flow::State::AwaitingStatus { .. }),
            Message::Flow(event) => event,
        };
        if matches!(event, Event::Retry { .. } | Event::CheckAgain { .. } | Event::SignIn(_)) {
            self.focus_pending = true;
        }
        if let Event::StartAnswered { answer: Ok(StartAnswer::IokaTokens(tokens)), .. } = &event {
            self.customer_token = tokens.customer_access_token.clone();
        }
        let (flow, effects) = step(self.flow.clone(), event);
        let changed = flow.state != self.flow.state;
        self.flow = flow;
        for effect in effects {
            self.run(ctx, effect);
        }
        self.sync_clock(ctx);
        changed
    }

    fn rendered(&mut self, ctx: &Context<Self>, _first_render: bool) {
        if !self.focus_pending {
            return;
        }
        let host = &ctx.props().host;
        if self.flow.state.awaits_shopper() {
            browser::focus_marked(host);
            self.focus_pending = false;
        } else if !browser::focus_within(host) {
            // The button pressed is gone: keep focus in the widget, on what it now says.
            browser::focus_marked(host);
        }
    }

    fn changed(&mut self, ctx: &Context<Self>, old: &Self::Properties) -> bool {
        let new = &ctx.props().options;
        // A new session, amount or currency is a new checkout too: the shopper must never be
        // shown one total while the provider's order holds another.
        let same_checkout = new.provider == old.options.provider
            && new.key == old.options.key
            && new.client_secret == old.options.client_secret
            && new.expected_order() == old.options.expected_order()
            && new.backend_url == old.options.backend_url;
        if !same_checkout {
            self.stop_everything();
            self.customer_token = None;
            self.flow = flow_for(new);
            ctx.link().send_message(mount_event(new));
        }
        true
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        let options = &ctx.props().options;
        let link = ctx.link();
        let locale = options.locale;
        let retry = link.callback(|()| Event::Retry { fresh_key: browser::fresh_key() });
        views::render(
            &self.flow.state,
            &views::ViewContext {
                locale,
                provider: options.provider,
                amount: self.flow.order.as_ref().map(|o| money(locale, o.amount, o.currency)).unwrap_or_default(),
                now_ms: self.now_ms,
                budget_ms: self.flow.config.policy.budget_ms,
                theme: options.theme,
                group: format!("tolem-method-{}", options.key),
                onselect: link.callback(|method_id| Event::Select { method_id }),
                onpay: link.callback(|()| Event::Pay),
                oninput: link.callback(|(key, value, matches)| Event::Input { key, value, matches }),
                onsignin: link.callback(Event::SignIn),
                oncheck: link.callback(|()| Event::CheckAgain { now_ms: browser::now_ms() }),
                onpayhere: link.callback(|()| Event::PayHere),
                onretry: retry,
            },
        )
    }

    fn destroy(&mut self, _ctx: &Context<Self>) {
        self.stop_everything();
    }
}

impl Checkout {
    /// Drops every timer and aborts every request (unmount, or a new checkout).
    fn stop_everything(&mut self) {
        self.tick = None;
        self.clock = None;
        self.redirect_fallback = None;
        self.requests.abort_all();
    }

    /// The display clock runs exactly while confirming.
    fn sync_clock(&mut self, ctx: &Context<Self>) {
        let confirming = matches!(self.flow.state, tolem_core::flow::State::AwaitingStatus { .. });
        if confirming && self.clock.is_none() {
            let link = ctx.link().clone();
            self.clock = Some(Interval::new(1_000, move || link.send_message(Message::Clock)));
        } else if !confirming {
            self.clock = None;
        }
    }

    fn run(&mut self, ctx: &Context<Self>, effect: Effect) {
        let props = ctx.props();
        let options = props.options.clone();
        let link = ctx.link().clone();
        let requests = self.requests.clone();
        match effect {
            Effect::CallStart { request, idempotency_key, sign_in } => {
                // With a session the backend knows the order, shopper and return URL; only a
                // backend of ioka's guide (no session) is told them.
                let unpriced = options.client_secret.is_none();
                let mut body = StartRequest {
                    provider: options.provider,
                    client_secret: options.client_secret.clone(),
                    order: options.order.clone().filter(|_| unpriced),
                    customer: Some(options.customer.clone()).filter(|_| unpriced),
                    return_url: unpriced
                        .then(|| options.return_url.clone().unwrap_or_else(browser::current_return_url)),
                    idempotency_key,
                    locale: Some(options.locale.tag().to_owned()),
                    sign_in: None,
                    user_token: options.user_token.clone(),
                };
                link.send_future(async move {
                    if let Some(project) = options.oneentry_direct() {
                        let answer = crate::oneentry_direct::start(&requests, &options, project, sign_in).await;
                        return Event::StartAnswered { request, answer };
                    }
                    match (sign_in, &options.oneentry) {
                        // Straight at OneEntry: the password never reaches the merchant backend.
                        (Some(s), Some(project)) => match crate::oneentry_direct::sign_in(&requests, project, &s).await
                        {
                            Ok(token) => body.user_token = Some(token),
                            Err(answer) => return Event::StartAnswered { request, answer: Err(answer) },
                        },
                        (Some(s), None) => body.sign_in = Some(s),
                        (None, _) => {}
                    }
                    let url = format!("{}/start", options.backend_url);
                    let answer = match to_json(&body) {
                        Some(json) => match requests.json_value("POST", &url, &[], Some(json), false).await {
                            Ok(value) => start_answer(value, &url),
                            Err(e) => Err(e),
                        },
                        None => Err(CheckoutError::new(ErrorCode::Internal, "cannot encode the start request", false)),
                    };
                    Event::StartAnswered { request, answer }
                });
            }
            Effect::LoadMethods { request, attempt } => {
                let customer_token = self.customer_token.clone();
                link.send_future(async move {
                    let answer = load_ioka_methods(&requests, &options, &attempt, customer_token.as_deref()).await;
                    Event::MethodsAnswered { request, answer }
                });
            }
            Effect::CallPay { request, attempt, method_id, fields, take_over } => {
                link.send_future(async move {
                    let key = claim_key(options.provider, &options.key);
                    if !browser::claim_payment(&key, take_over).await {
                        return Event::PayingElsewhere { request, now_ms: browser::now_ms() };
                    }
                    let answer = match redirect_target(&requests, &options, &attempt, &method_id, fields).await {
                        Ok(PayOutcome::Placed) => return Event::OrderPlaced { request },
                        Ok(PayOutcome::Redirect(target)) => {
                            let parsed = browser::parse_url(&target.url);
                            Ok(RedirectAnswer { target, parsed })
                        }
                        Err(e) => Err(e),
                    };
                    Event::PayAnswered { request, answer, now_ms: browser::now_ms() }
                });
            }
            Effect::FetchStatus { request, attempt } => {
                link.send_future(async move {
                    let (answer, order) = match fetch_status(&requests, &options, &attempt).await {
                        Ok((status, order)) => (Ok(status), order),
                        Err(e) => (Err(e), None),
                    };
                    let (now_ms, random) = (browser::now_ms(), browser::random());
                    Event::StatusAnswered { request, answer, order, now_ms, random }
                });
            }
            Effect::ScheduleTick { after_ms } => {
                self.tick =
                    Some(Timeout::new(after_ms, move || link.send_message(Event::Tick { now_ms: browser::now_ms() })));
            }
            Effect::CancelTick => self.tick = None,
            Effect::WriteJournal(record) => {
                if !browser::write_journal(&record) {
                    web_sys::console::warn_1(
                        &"tolem: sessionStorage unavailable; a reload will not resume this payment".into(),
                    );
                }
            }
            Effect::ClearJournal => {
                browser::clear_journal(options.provider, &options.key);
                browser::release_payment(&claim_key(options.provider, &options.key));
            }
            Effect::Navigate(target) => {
                if browser::navigate(&target, options.presentation == Presentation::NewTab) {
                    self.redirect_fallback = Some(Timeout::new(REDIRECT_FALLBACK_MS, move || {
                        link.send_message(Event::NavigationFailed);
                    }));
                } else {
                    link.send_message(Event::NavigationFailed);
                }
            }
            Effect::Notify(n) => notify(&props.host, &props.callbacks, options.provider.as_str(), n),
        }
    }
}

fn notify(host: &web_sys::Element, callbacks: &Callbacks, provider: &str, n: Notify) {
    match n {
        Notify::Ready => callbacks.emit(host, "ready", &browser::detail("provider", provider)),
        Notify::Method { method_id } => callbacks.emit(host, "method", &browser::detail("methodId", &method_id)),
        Notify::Redirect { url } => callbacks.emit(host, "redirect", &browser::detail("url", &url)),
        Notify::Placed { method_id } => callbacks.emit(host, "placed", &browser::detail("methodId", &method_id)),
        Notify::Status { status } => {
            callbacks.emit(host, "status", &browser::status_detail(status.as_str(), status.is_final()))
        }
        Notify::Error(e) => callbacks.emit(host, "error", &browser::error_detail(e.code.as_str(), &e.message)),
    }
}

/// Tolem's `start` answer (it has `attemptId`) or ioka's guide shape (only the tokens): one
/// look at the body picks the reader, so it is read once, and its errors name that shape's fields.
fn start_answer(value: wasm_bindgen::JsValue, url: &str) -> Result<StartAnswer, CheckoutError> {
    if wire::is_tolem_start_answer(&browser::Js(value.clone())) {
        browser::decode(&value, url, false, wire::start_response).map(StartAnswer::Attempt)
    } else {
        browser::decode(&value, url, false, wire::ioka_tokens_response).map(StartAnswer::IokaTokens)
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> Option<String> {
    serde_json::to_string(value).ok()
}

fn config_error(message: &str) -> CheckoutError {
    CheckoutError::new(ErrorCode::ConfigError, message, false)
}

async fn send_provider<T>(
    requests: &Requests,
    req: Option<HttpRequest>,
    read: fn(&browser::Js) -> Result<T, wire::ReadError>,
) -> Result<T, CheckoutError> {
    let req = req.ok_or_else(|| CheckoutError::new(ErrorCode::BackendError, "malformed access token", false))?;
    let headers: Vec<(&str, &str)> = req.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    requests.json(req.method.as_str(), &req.url, &headers, req.body.clone(), true, read).await
}

fn ioka_browser(options: &WidgetOptions) -> Result<(String, String), CheckoutError> {
    let key = options
        .public_key
        .clone()
        .ok_or_else(|| config_error("publicKey is required when the backend answers with ioka tokens"))?;
    Ok((options.ioka_api(), key))
}

fn order_token(attempt: &Attempt) -> Option<&str> {
    match &attempt.mode {
        Mode::IokaToken { order_access_token } => Some(order_access_token),
        Mode::Backend | Mode::ProviderReturn { .. } => None,
    }
}

async fn ioka_order(
    requests: &Requests,
    options: &WidgetOptions,
    attempt: &Attempt,
) -> Result<IokaOrder, CheckoutError> {
    let (base, key) = ioka_browser(options)?;
    let token = order_token(attempt).unwrap_or_default();
    send_provider(requests, IokaBrowser { base_url: &base, public_key: &key }.get_order(token), wire::ioka_order).await
}

async fn load_ioka_methods(
    requests: &Requests,
    options: &WidgetOptions,
    attempt: &Attempt,
    customer_token: Option<&str>,
) -> Result<Vec<PaymentMethod>, CheckoutError> {
    // Reading the order proves the token works before the shopper is offered anything.
    ioka_order(requests, options, attempt).await?;
    let (base, key) = ioka_browser(options)?;
    let cards: Vec<IokaCard> = match customer_token {
        // Saved cards are a convenience: if they cannot be read, a new card still works.
        Some(token) => send_provider(
            requests,
            IokaBrowser { base_url: &base, public_key: &key }.customer_cards(token),
            wire::ioka_cards,
        )
        .await
        .unwrap_or_default(),
        None => Vec::new(),
    };
    Ok(ioka::methods_from_cards(&cards, t(options.locale, Msg::NewCard)))
}

/// What `pay` came to.
pub(crate) enum PayOutcome {
    /// Go to the provider's page.
    Redirect(tolem_core::api::RedirectTarget),
    /// The order is placed, paid on delivery.
    Placed,
}

async fn redirect_target(
    requests: &Requests,
    options: &WidgetOptions,
    attempt: &Attempt,
    method_id: &str,
    fields: tolem_core::api::FieldValues,
) -> Result<PayOutcome, CheckoutError> {
    if let (Mode::Backend, Some(project)) = (&attempt.mode, options.oneentry_direct()) {
        return crate::oneentry_direct::pay(requests, options, project, method_id).await;
    }
    match attempt.mode {
        Mode::Backend => {
            let body = tolem_core::api::PayRequest {
                attempt_id: attempt.attempt_id.clone(),
                method_id: method_id.to_owned(),
                fields,
            };
            let json = to_json(&body).ok_or_else(|| CheckoutError::new(ErrorCode::Internal, "cannot encode", false))?;
            let answer: PayResponse = requests
                .json("POST", &format!("{}/pay", options.backend_url), &[], Some(json), false, wire::pay_response)
                .await?;
            match (answer.redirect, answer.placed) {
                (Some(target), _) => Ok(PayOutcome::Redirect(target)),
                (None, true) => Ok(PayOutcome::Placed),
                (None, false) => Err(CheckoutError::new(
                    ErrorCode::BackendError,
                    "pay answered neither a redirect nor placed",
                    false,
                )),
            }
        }
        Mode::ProviderReturn { .. } => {
            Err(CheckoutError::new(ErrorCode::Internal, "a looked-up attempt cannot start a payment", false))
        }
        Mode::IokaToken { .. } => {
            let order = ioka_order(requests, options, attempt).await?;
            let url = order.checkout_url.ok_or_else(|| {
                CheckoutError::new(ErrorCode::ProviderError, "the ioka order has no checkout_url", false)
            })?;
            Ok(PayOutcome::Redirect(tolem_core::api::RedirectTarget { url, method: "GET".into(), fields: vec![] }))
        }
    }
}

/// The status, and the order the backend says it is about (ioka's browser API and OneEntry
/// direct do not say; the flow then relies on what it mounted with).
async fn fetch_status(
    requests: &Requests,
    options: &WidgetOptions,
    attempt: &Attempt,
) -> Result<(PaymentStatus, Option<OrderSummary>), CheckoutError> {
    if let (Mode::Backend, Some(project)) = (&attempt.mode, options.oneentry_direct()) {
        return Ok((crate::oneentry_direct::status(requests, options, project).await?, None));
    }
    let url = match &attempt.mode {
        Mode::Backend => format!("{}/status?attemptId={}", options.backend_url, encode_component(&attempt.attempt_id)),
        Mode::ProviderReturn { provider_order_id } => format!(
            "{}/status?provider={}&orderId={}",
            options.backend_url,
            options.provider.as_str(),
            encode_component(provider_order_id)
        ),
        Mode::IokaToken { .. } => return Ok((ioka_order(requests, options, attempt).await?.status.into(), None)),
    };
    // The session's secret limits the answer to its own order's attempts.
    let headers: Vec<(&str, &str)> =
        options.client_secret.as_deref().map(|s| (CLIENT_SECRET_HEADER, s)).into_iter().collect();
    let answer: StatusResponse = requests.json("GET", &url, &headers, None, false, wire::status_response).await?;
    Ok((answer.status, Some(answer.order)))
}
