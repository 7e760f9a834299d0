//! The checkout component: owns the [`Flow`], turns browser happenings into flow events,
//! and hands the effects `tolem_core::flow::step` returns to [`crate::effects`]. Timers,
//! listeners and requests are RAII handles kept here, so unmounting cancels them all.

use std::cell::Cell;
use std::rc::Rc;

use gloo_timers::callback::{Interval, Timeout};
use yew::prelude::*;

use tolem_core::flow::{step, Effect, Event, Flow, FlowConfig, Notify, ReturnHint};
use tolem_core::poll::PollPolicy;
use tolem_core::tabs::claim_key;

use crate::browser::{self, Callbacks, EarlyStart, Listener, Requests};
use crate::effects;
use crate::i18n::money;
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
    /// The `start` request the loader sent ahead of the wasm, for the checkout's first start.
    pub early_start: Rc<Cell<Option<EarlyStart>>>,
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

/// The checkout on the page: its flow, and the timers, listeners and requests it owns.
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
    /// The loader's early `start`, until the first start takes it or the checkout began
    /// without one.
    early_start: Option<EarlyStart>,
    /// `tolem:ready` waits for the render that puts the methods on screen: the merchant's
    /// handler runs after the shopper can see them, and may rely on them being there.
    ready_after_render: bool,
    _listeners: Vec<Listener>,
}

fn flow_for(options: &WidgetOptions) -> Flow {
    Flow::new(FlowConfig {
        provider: options.provider,
        order_id: options.key.clone(),
        expected: options.expected_order(),
        policy: PollPolicy::default(),
        sandbox: options.sandbox_origin.clone(),
        redirect_hosts: options.redirect_hosts.clone(),
        new_tab: options.presentation == Presentation::NewTab,
        sign_in_at_provider: options.oneentry.is_some(),
        direct: options.oneentry_direct().is_some(),
    })
}

/// The checkout's first event. `key` is the idempotency key the loader's early `start`
/// carried, if it sent one; otherwise a fresh one is made.
fn mount_event(options: &WidgetOptions, key: Option<String>) -> Event {
    Event::Mount {
        now_ms: browser::now_ms(),
        journal: browser::read_journal(options.provider, &options.key),
        hint: browser::return_hint().and_then(|h| ReturnHint::from_query_value(&h)),
        provider_order_id: browser::current_query()
            .and_then(|q| tolem_core::providers::bereke::parse_return(&q))
            .map(|r| r.order_id),
        fresh_key: key.unwrap_or_else(browser::fresh_key),
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
        let early_start = ctx.props().early_start.take().and_then(|early| effects::early_start_fitting(options, early));
        ctx.link().send_message(mount_event(options, early_start.as_ref().map(|e| e.key.clone())));
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
            early_start,
            ready_after_render: false,
            _listeners: listeners(ctx.link(), options),
        }
    }

    fn update(&mut self, ctx: &Context<Self>, message: Message) -> bool {
        self.now_ms = browser::now_ms();
        let event = match message {
            Message::Clock => return self.flow.state.is_confirming(),
            Message::Flow(event) => event,
        };
        if matches!(event, Event::Retry { .. } | Event::CheckAgain { .. } | Event::SignIn(_)) {
            self.focus_pending = true;
        }
        let (flow, effects) = step(self.flow.clone(), event);
        let changed = flow.state != self.flow.state;
        self.flow = flow;
        for effect in effects {
            self.run(ctx, effect);
        }
        // The loader's early `start` serves the first start only: a checkout that resumed
        // its journal (or began otherwise) has no use for it.
        if let Some(early) = self.early_start.take() {
            early.abort();
        }
        self.sync_clock(ctx);
        if !changed {
            // No render follows an unchanged state.
            self.notify_ready(ctx);
        }
        changed
    }

    fn rendered(&mut self, ctx: &Context<Self>, _first_render: bool) {
        self.notify_ready(ctx);
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
            self.flow = flow_for(new);
            ctx.link().send_message(mount_event(new, None));
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
                onremove: link.callback(|method_id| Event::RemoveMethod { method_id }),
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
    /// Dispatches a `tolem:ready` held for the render (see `ready_after_render`).
    fn notify_ready(&mut self, ctx: &Context<Self>) {
        if std::mem::take(&mut self.ready_after_render) {
            let props = ctx.props();
            effects::notify(&props.host, &props.callbacks, props.options.provider.as_str(), Notify::Ready);
        }
    }

    fn stop_everything(&mut self) {
        self.ready_after_render = false;
        self.tick = None;
        self.clock = None;
        self.redirect_fallback = None;
        self.requests.abort_all();
        if let Some(early) = self.early_start.take() {
            early.abort();
        }
    }

    /// The display clock runs exactly while confirming.
    fn sync_clock(&mut self, ctx: &Context<Self>) {
        let confirming = self.flow.state.is_confirming();
        if confirming && self.clock.is_none() {
            let link = ctx.link().clone();
            self.clock = Some(Interval::new(1_000, move || link.send_message(Message::Clock)));
        } else if !confirming {
            self.clock = None;
        }
    }

    /// Hands one effect to [`effects`]; keeps the timers it sets.
    fn run(&mut self, ctx: &Context<Self>, effect: Effect) {
        let props = ctx.props();
        let options = props.options.clone();
        let link = ctx.link().clone();
        let requests = self.requests.clone();
        // One boxed future type for every call: Yew's `send_future` is compiled once, not once
        // per effect (each copy is kilobytes of wasm).
        let answer = |call: std::pin::Pin<Box<dyn std::future::Future<Output = Event>>>| link.send_future(call);
        match effect {
            Effect::CallStart { request, idempotency_key, sign_in, user_token } => {
                let early = self.early_start.take();
                answer(Box::pin(effects::start(
                    requests,
                    options,
                    request,
                    idempotency_key,
                    sign_in,
                    user_token,
                    early,
                )))
            }
            Effect::StartDirect { request, user_token } => {
                answer(Box::pin(effects::start_direct(requests, options, request, user_token)))
            }
            Effect::SignInAtProvider { request, credentials } => {
                answer(Box::pin(effects::sign_in_at_provider(requests, options, request, credentials)))
            }
            Effect::LoadMethods { request, attempt } => {
                answer(Box::pin(effects::load_methods(requests, options, request, attempt)))
            }
            Effect::CallPay { request, attempt, method_id, fields, take_over } => {
                answer(Box::pin(effects::pay(requests, options, request, attempt, method_id, fields, take_over)))
            }
            Effect::CallRemoveMethod { attempt, method_id } => {
                answer(Box::pin(effects::remove_method(requests, options, attempt, method_id)))
            }
            Effect::FetchStatus { request, attempt, wait } => {
                answer(Box::pin(effects::fetch_status(requests, options, request, attempt, wait)))
            }
            Effect::ScheduleTick { after_ms } => {
                self.tick =
                    Some(Timeout::new(after_ms, move || link.send_message(Event::Tick { now_ms: browser::now_ms() })));
            }
            Effect::CancelTick => self.tick = None,
            Effect::WriteJournal(record) => effects::write_journal(&record),
            Effect::ClearJournal => effects::clear_journal(&options),
            Effect::Navigate(target) => {
                if effects::navigate(&options, &target) {
                    self.redirect_fallback = Some(Timeout::new(REDIRECT_FALLBACK_MS, move || {
                        link.send_message(Event::NavigationFailed);
                    }));
                } else {
                    link.send_message(Event::NavigationFailed);
                }
            }
            Effect::Notify(Notify::Ready) => self.ready_after_render = true,
            Effect::Notify(n) => effects::notify(&props.host, &props.callbacks, options.provider.as_str(), n),
        }
    }
}
