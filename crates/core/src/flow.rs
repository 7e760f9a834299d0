//! The checkout flow as a pure state machine: [`step`]`(flow, event) -> (flow, effects)`.
//!
//! The widget feeds it events (answers, clicks, timer ticks, visibility changes) and
//! carries out the effects it returns (calls, timers, navigation, storage, DOM events).
//! Nothing here reads a clock or touches the network: `now_ms` and `random` arrive inside
//! events, so every transition is a one-line native test.
//!
//! States are named after what they wait for. Answers carry the number of the request they
//! answer; an answer to anything but the request in flight is stale and ignored, as is any
//! event that means nothing in the current state (a second click on Pay, a late timer).

use crate::api::{
    FieldValues, MethodKind, OrderSummary, PaymentMethod, RedirectTarget, SignInCredentials, StartAnswer, UserToken,
};
use crate::error::{CheckoutError, ErrorCode, Refusal};
use crate::journal::JournalRecord;
use crate::poll::PollPolicy;
use crate::providers::oneentry::rules::PageWait;
use crate::providers::{ioka, Provider};
use crate::redirect::{check_redirect, ParsedUrl, SandboxOrigin};
use crate::status::PaymentStatus;

/// What the flow needs to know and never changes while mounted.
#[derive(Clone, Debug, PartialEq)]
pub struct FlowConfig {
    /// The provider for this checkout.
    pub provider: Provider,
    /// What the checkout is remembered by (the journal, the payment claim): the merchant's
    /// order id, or the checkout session's id.
    pub order_id: String,
    /// The order the merchant mounted the widget for, when it said (`order`); answers for
    /// another order or amount are refused.
    pub expected: Option<OrderSummary>,
    /// When to poll.
    pub policy: PollPolicy,
    /// A sandbox origin the shopper may also be sent to (`make demo`, tests).
    pub sandbox: Option<SandboxOrigin>,
    /// Hosts the shopper may be sent to besides the provider's own: the merchant's
    /// `redirectHosts` and the hosts of provider URLs the widget was configured with.
    pub redirect_hosts: Vec<String>,
    /// The provider's page opens in a new tab; this tab starts confirming at once.
    pub new_tab: bool,
    /// The shopper's sign-in goes straight to the provider ([`Effect::SignInAtProvider`]),
    /// and `start` gets the user's token instead of the password (OneEntry with its project
    /// named to the widget).
    pub sign_in_at_provider: bool,
    /// No merchant backend: the widget talks to the provider itself ([`Mode::OneEntryDirect`]).
    pub direct: bool,
}

/// How the widget talks about this attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Through the merchant backend's `/pay` and `/status`.
    Backend,
    /// ioka token mode: the backend gave only tokens; the widget reads ioka's browser API.
    IokaToken {
        /// `ord_…_secret_…`: reads the order.
        order_access_token: String,
        /// `cus_…_secret_…`: reads the customer's saved cards, when the backend gave one.
        customer_access_token: Option<String>,
    },
    /// OneEntry with no merchant backend: the widget makes the order, the payment session and
    /// the status reads at the OneEntry project itself, as OneEntry's own SDK does.
    OneEntryDirect,
    /// The shopper came back from Bereke with its `?orderId=` but without the journal (the
    /// bank's page opened in another tab or browser): the status is looked up by that id.
    ProviderReturn {
        /// RBS `mdOrder`.
        provider_order_id: String,
    },
}

/// The attempt the flow is working on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attempt {
    /// Backend attempt id; the ioka order id in token mode; the merchant order id in OneEntry
    /// direct mode.
    pub attempt_id: String,
    /// The key that travels with the attempt.
    pub idempotency_key: String,
    /// How to reach it.
    pub mode: Mode,
}

pub use crate::api::ReturnHint;

/// Pending answers after a return through the provider's failure URL before the widget
/// concludes that nothing was paid (about 2.5 s with the default policy), leaving time for a
/// decline notice to reach the backend.
pub const FAILURE_HINT_GRACE_ANSWERS: u32 = 3;

/// Polling bookkeeping while waiting for a final status.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Poll {
    /// When polling (re)started.
    pub started_ms: u64,
    /// Answers received so far.
    pub answers: u32,
    /// Of those, the ones the backend held (a long poll that ran out with nothing new): they
    /// do not grow the backoff.
    pub held: u32,
    /// What comes next: the answer to the one request in flight, or a tick.
    pub next: Next,
    /// The tab is hidden: no requests until it is visible.
    pub hidden: bool,
    /// The browser is offline: no requests until it is online.
    pub offline: bool,
    /// The last request failed in a way worth retrying (shown as "connection trouble").
    pub trouble: bool,
    /// How the shopper came back, if known.
    pub hint: Option<ReturnHint>,
    /// The best status seen so far (never moves backwards).
    pub status: PaymentStatus,
    /// New-tab presentation: the provider's page, offered as a link in case that tab was
    /// closed or blocked.
    pub payment_page: Option<String>,
}

/// What a confirming checkout waits for next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Next {
    /// The answer to this status request (never more than one in flight).
    Answer(u64),
    /// The scheduled tick.
    Tick,
    /// Nothing: paused while hidden or offline.
    Nothing,
}

/// What a tab that found the order's payment under way in another tab keeps, so that "pay in
/// this tab instead" can go on with the shopper's choice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Choice {
    /// The methods offered.
    pub methods: Vec<PaymentMethod>,
    /// The chosen method.
    pub method_id: String,
    /// What was typed.
    pub form: MethodForm,
}

/// What the shopper typed into the chosen method's fields (Paytone: a phone number).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MethodForm {
    /// Values by field key, as typed.
    pub values: FieldValues,
    /// Keys whose value does not match the field's pattern. The browser's own `RegExp`
    /// decides (the provider writes JavaScript patterns), and says so in [`Event::Input`].
    pub mismatched: Vec<String>,
    /// Pay was pressed while something was missing or wrong: show what.
    pub show_errors: bool,
}

/// What is wrong with one field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldProblem {
    /// Required and empty.
    Missing,
    /// Does not match the provider's pattern.
    Mismatch,
}

impl MethodForm {
    /// The problems of `method`'s fields, in the method's order.
    pub fn problems(&self, method: &PaymentMethod) -> Vec<(String, FieldProblem)> {
        method
            .fields
            .iter()
            .filter_map(|f| {
                let value = self.values.get(&f.key).map_or("", str::trim);
                if value.is_empty() {
                    f.required.then(|| (f.key.clone(), FieldProblem::Missing))
                } else if self.mismatched.contains(&f.key) {
                    Some((f.key.clone(), FieldProblem::Mismatch))
                } else {
                    None
                }
            })
            .collect()
    }

    /// The values to send with `pay`: only `method`'s fields, trimmed, non-empty.
    pub fn submitted(&self, method: &PaymentMethod) -> FieldValues {
        FieldValues(
            method
                .fields
                .iter()
                .filter_map(|f| {
                    let value = self.values.get(&f.key)?.trim();
                    (!value.is_empty()).then(|| (f.key.clone(), value.to_owned()))
                })
                .collect(),
        )
    }
}

/// What pressing "try again" on an error does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Retry {
    /// Start from the beginning.
    Start,
    /// Go back to the method list.
    Choose {
        /// The attempt being paid (kept to go on with it, or to start again).
        attempt: Attempt,
        /// The methods offered, kept to go back to the choice.
        methods: Vec<PaymentMethod>,
        /// What the shopper had typed (kept, so nothing is lost).
        form: MethodForm,
    },
}

/// Where the checkout is, named after what it waits for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum State {
    /// Not mounted yet.
    Unmounted,
    /// Waiting for the backend's `start` answer.
    AwaitingStart {
        /// Request number.
        request: u64,
        /// The key sent with `start`.
        idempotency_key: String,
    },
    /// The backend needs the shopper signed in (OneEntry): the email + password form.
    SigningIn {
        /// The key `start` goes on with.
        idempotency_key: String,
        /// The last sign-in was refused (wrong email or password).
        refused: bool,
    },
    /// ioka token mode: waiting for ioka's browser API to list methods.
    AwaitingMethods {
        /// The attempt being paid.
        attempt: Attempt,
        /// Request number.
        request: u64,
    },
    /// Waiting for the shopper to pick a method and press Pay.
    ChoosingMethod {
        /// The attempt being paid.
        attempt: Attempt,
        /// What to offer.
        methods: Vec<PaymentMethod>,
        /// The chosen method id.
        selected: Option<String>,
        /// The chosen method's fields as typed.
        form: MethodForm,
    },
    /// Pay was pressed: waiting for the redirect target. The Pay button is locked.
    AwaitingRedirect {
        /// The attempt being paid.
        attempt: Attempt,
        /// The methods (kept to go back on error).
        methods: Vec<PaymentMethod>,
        /// The chosen method.
        method_id: String,
        /// The fields as typed (kept to go back on error).
        form: MethodForm,
        /// Request number.
        request: u64,
        /// Reads that found the provider's page not ready yet ([`Event::PageNotReady`]); while
        /// above zero, the next read waits for a tick.
        page_reads: u32,
    },
    /// The order is placed with nothing to pay online (cash on delivery): done.
    Placed {
        /// The attempt being paid.
        attempt: Attempt,
    },
    /// Sending the shopper to the provider's page.
    Redirecting {
        /// The attempt being paid.
        attempt: Attempt,
        /// The provider's page the shopper is sent to (the fallback link if the browser does not go).
        url: String,
        /// Navigation did not happen (a popup blocker, a sandboxed frame): show a link.
        blocked: bool,
    },
    /// Back from the provider: waiting for a final status.
    AwaitingStatus {
        /// The attempt being paid.
        attempt: Attempt,
        /// Polling state.
        poll: Poll,
    },
    /// Another tab of this browser holds this order's payment: this tab watches for the
    /// outcome, and keeps the shopper's choice in case they pay here instead
    /// ([`Event::PayHere`]).
    WatchingOtherTab {
        /// The attempt being paid.
        attempt: Attempt,
        /// Polling state.
        poll: Poll,
        /// What the shopper had chosen here.
        choice: Box<Choice>,
    },
    /// The time budget ran out without a final status: "still being confirmed".
    StillPending {
        /// The attempt being paid.
        attempt: Attempt,
    },
    /// A final status.
    Final {
        /// The attempt being paid.
        attempt: Attempt,
        /// The status (`is_final()` holds).
        status: PaymentStatus,
    },
    /// Something went wrong; `retry` says what "try again" does.
    Failed {
        /// What went wrong.
        error: CheckoutError,
        /// What "try again" does.
        retry: Retry,
    },
}

impl State {
    /// True while confirming a payment (here or in another tab): the screen shows the time
    /// so far.
    pub fn is_confirming(&self) -> bool {
        matches!(self, State::AwaitingStatus { .. } | State::WatchingOtherTab { .. })
    }

    /// True when the shopper has been asked something or told the outcome, so the screen
    /// will stay as it is until they act: where focus may come to rest after their action.
    /// False while Tolem is still working (loading, preparing, confirming).
    pub fn awaits_shopper(&self) -> bool {
        matches!(
            self,
            State::ChoosingMethod { .. }
                | State::SigningIn { .. }
                | State::Final { .. }
                | State::Failed { .. }
                | State::StillPending { .. }
                | State::Placed { .. }
                | State::Redirecting { blocked: true, .. }
        )
    }
}

/// A redirect answer with the URL already parsed by the browser's URL parser.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RedirectAnswer {
    /// The target as the backend (or ioka) gave it.
    pub target: RedirectTarget,
    /// `target.url` parsed; `None` if it did not parse.
    pub parsed: Option<ParsedUrl>,
}

/// Everything that can happen to the checkout.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// The widget was mounted (or the page loaded with it).
    Mount {
        /// When it happened, by the edge's clock (ms since the epoch).
        now_ms: u64,
        /// The journal record for this order, if sessionStorage had one.
        journal: Option<JournalRecord>,
        /// How the shopper came back, if the URL says so.
        hint: Option<ReturnHint>,
        /// The provider's own order id from the return URL (RBS `?orderId=`), if any.
        provider_order_id: Option<String>,
        /// A fresh idempotency key, used if nothing is resumed.
        fresh_key: String,
    },
    /// The backend answered `start`.
    StartAnswered {
        /// Which request.
        request: u64,
        /// What the call answered, or why it failed.
        answer: Result<StartAnswer, CheckoutError>,
    },
    /// OneEntry direct mode: the project answered in place of `start`.
    DirectStartAnswered {
        /// Which request.
        request: u64,
        /// What the call answered, or why it failed.
        answer: Result<DirectStart, CheckoutError>,
    },
    /// The provider answered the sign-in ([`Effect::SignInAtProvider`]).
    SignedIn {
        /// Which request.
        request: u64,
        /// What the call answered, or why it failed.
        answer: Result<SignedIn, CheckoutError>,
    },
    /// ioka token mode: methods arrived from ioka's browser API.
    MethodsAnswered {
        /// Which request.
        request: u64,
        /// What the call answered, or why it failed.
        answer: Result<Vec<PaymentMethod>, CheckoutError>,
    },
    /// The shopper picked a method.
    Select {
        /// Method id.
        method_id: String,
    },
    /// The shopper typed into a method's field.
    Input {
        /// Field key.
        key: String,
        /// The value now.
        value: String,
        /// The value matches the field's pattern (or it has none), as the browser's
        /// `RegExp` judged it.
        matches: bool,
    },
    /// The shopper pressed Pay.
    Pay,
    /// The shopper submitted the sign-in form.
    SignIn(SignInCredentials),
    /// `pay` answered that the order is placed with nothing to pay online.
    OrderPlaced {
        /// Which request.
        request: u64,
    },
    /// `pay` answered that the provider was asked to charge the method and there is nothing
    /// to open (a saved card paid by its id): follow the status.
    Charged {
        /// Which request.
        request: u64,
        /// Now (for the journal and the poll).
        now_ms: u64,
    },
    /// The shopper asked to remove a saved method (a saved card).
    RemoveMethod {
        /// Method id.
        method_id: String,
    },
    /// The backend answered [`Effect::CallRemoveMethod`].
    MethodRemoved {
        /// The method asked about.
        method_id: String,
        /// `Ok` once the provider no longer keeps it.
        answer: Result<(), CheckoutError>,
    },
    /// The redirect target arrived.
    PayAnswered {
        /// Which request.
        request: u64,
        /// What the call answered, or why it failed.
        answer: Result<RedirectAnswer, CheckoutError>,
        /// Now (for the journal).
        now_ms: u64,
    },
    /// The provider has no page for the payment yet (a OneEntry session whose `paymentUrl`
    /// is still empty): read again after a pause ([`PageWait`]).
    PageNotReady {
        /// Which request.
        request: u64,
    },
    /// Navigation to the provider did not happen.
    NavigationFailed,
    /// Instead of answering [`Effect::CallPay`]: another tab of this browser holds this
    /// order's payment (Web Locks / a shared claim), so this tab must not start one.
    PayingElsewhere {
        /// Which request.
        request: u64,
        /// When it happened, by the edge's clock (ms since the epoch).
        now_ms: u64,
    },
    /// "Pay in this tab instead", while another tab holds the payment.
    PayHere,
    /// A status answer arrived.
    StatusAnswered {
        /// Which request.
        request: u64,
        /// What the call answered, or why it failed.
        answer: Result<PaymentStatus, CheckoutError>,
        /// The order the answer says it is about (the backend's `status` answers say; ioka's
        /// browser API and OneEntry direct do not).
        order: Option<OrderSummary>,
        /// When it happened, by the edge's clock (ms since the epoch).
        now_ms: u64,
        /// Uniform in `[0, 1)`, for jitter.
        random: f64,
        /// How long the request took, sent to answered: a backend that honours `wait` (the
        /// long poll) held it while nothing changed.
        held_ms: u64,
    },
    /// The poll timer fired.
    Tick {
        /// When it happened, by the edge's clock (ms since the epoch).
        now_ms: u64,
    },
    /// The tab was hidden or shown.
    Visibility {
        /// Hidden now.
        hidden: bool,
        /// When it happened, by the edge's clock (ms since the epoch).
        now_ms: u64,
    },
    /// The browser went offline or online.
    Connectivity {
        /// Online now.
        online: bool,
        /// When it happened, by the edge's clock (ms since the epoch).
        now_ms: u64,
    },
    /// "Check again" after the budget ran out.
    CheckAgain {
        /// When it happened, by the edge's clock (ms since the epoch).
        now_ms: u64,
    },
    /// "Try again" on an error, or "choose another way" after a cancel.
    Retry {
        /// A fresh idempotency key, used if this starts over.
        fresh_key: String,
    },
}

/// What a OneEntry project answered in place of `start` (direct mode).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DirectStart {
    /// Nobody is signed in (no user token from the page, none kept by this browser).
    SignInNeeded,
    /// The shopper's payment accounts, and the status of the current try's order (pending
    /// when there is none, or when the last try is over).
    Accounts {
        /// The current try's status.
        status: PaymentStatus,
        /// The accounts as methods.
        methods: Vec<PaymentMethod>,
    },
}

/// What the provider answered a sign-in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignedIn {
    /// The user's tokens.
    Token(UserToken),
    /// The email or password is wrong.
    Refused,
}

/// Notifications to the merchant's page (`tolem:*` events and callbacks).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Notify {
    /// Methods are on screen.
    Ready,
    /// A method was chosen.
    Method {
        /// Its id.
        method_id: String,
    },
    /// The order is placed, to be paid on delivery.
    Placed {
        /// The method chosen.
        method_id: String,
    },
    /// The shopper is being sent away.
    Redirect {
        /// The provider's page.
        url: String,
    },
    /// The status is known (pending on first contact, and every final status).
    Status {
        /// The status now (a final one, or `pending` on first contact).
        status: PaymentStatus,
    },
    /// An error is shown.
    Error(CheckoutError),
}

impl Notify {
    /// The merchant-facing event this notification is.
    pub fn event(&self) -> crate::api::WidgetEvent {
        use crate::api::WidgetEvent;
        match self {
            Notify::Ready => WidgetEvent::Ready,
            Notify::Method { .. } => WidgetEvent::Method,
            Notify::Placed { .. } => WidgetEvent::Placed,
            Notify::Redirect { .. } => WidgetEvent::Redirect,
            Notify::Status { .. } => WidgetEvent::Status,
            Notify::Error(_) => WidgetEvent::Error,
        }
    }
}

/// What the widget must do.
#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    /// `POST {backendUrl}/start`.
    CallStart {
        /// Request number to answer with.
        request: u64,
        /// The idempotency key to send.
        idempotency_key: String,
        /// The shopper's sign-in, when the backend asked for one.
        sign_in: Option<SignInCredentials>,
        /// The user's token from a sign-in at the provider.
        user_token: Option<UserToken>,
    },
    /// OneEntry direct mode: in place of `start`, the user's accounts and the current try's
    /// status, read at the project.
    StartDirect {
        /// Request number.
        request: u64,
        /// The user's token from a sign-in just made (else the page's, else this browser's).
        user_token: Option<UserToken>,
    },
    /// Sign the shopper in at the provider (the password never reaches the merchant
    /// backend); answer [`Event::SignedIn`].
    SignInAtProvider {
        /// Request number.
        request: u64,
        /// What the shopper typed.
        credentials: SignInCredentials,
    },
    /// ioka token mode: read the order and the customer's cards from ioka's browser API.
    LoadMethods {
        /// Request number.
        request: u64,
        /// The attempt being paid.
        attempt: Attempt,
    },
    /// Get the redirect target (`POST /pay`, the ioka order's `checkout_url`, or in OneEntry
    /// direct mode the payment session's `paymentUrl`). Answered by [`Event::PayAnswered`],
    /// [`Event::OrderPlaced`], [`Event::PageNotReady`] or [`Event::PayingElsewhere`].
    CallPay {
        /// Request number.
        request: u64,
        /// The attempt being paid.
        attempt: Attempt,
        /// The chosen method.
        method_id: String,
        /// The method's field values.
        fields: FieldValues,
        /// Take the order's payment over from another tab (the shopper asked to pay here).
        /// Otherwise the edge first claims the payment for this tab and answers
        /// [`Event::PayingElsewhere`] if another tab holds it.
        take_over: bool,
    },
    /// `POST {backendUrl}/methods/remove`; answered by [`Event::MethodRemoved`].
    CallRemoveMethod {
        /// The attempt whose shopper saved the method.
        attempt: Attempt,
        /// The saved method.
        method_id: String,
    },
    /// Read the status (`GET /status`, or the ioka order).
    FetchStatus {
        /// Request number.
        request: u64,
        /// The attempt being paid.
        attempt: Attempt,
        /// Ask the backend to hold the answer until the status changes (`wait`, a long poll).
        /// Not after a return through the provider's failure or back way: there the flow
        /// gives the decline a short grace, counted in prompt answers.
        wait: bool,
    },
    /// Fire [`Event::Tick`] after a delay (replacing any scheduled tick).
    ScheduleTick {
        /// Milliseconds from now.
        after_ms: u32,
    },
    /// Cancel a scheduled tick.
    CancelTick,
    /// Write the journal record to sessionStorage.
    WriteJournal(JournalRecord),
    /// Remove this order's journal record: this tab is done with the attempt (a final status,
    /// the order placed, or given up). The edge also drops the order's payment claim and tells
    /// the shop's other tabs ([`crate::tabs`]).
    ClearJournal,
    /// Send the shopper to the provider.
    Navigate(RedirectTarget),
    /// Tell the merchant's page.
    Notify(Notify),
}

/// The checkout: configuration, current state, and the request counter.
#[derive(Clone, Debug, PartialEq)]
pub struct Flow {
    /// Fixed configuration.
    pub config: FlowConfig,
    /// Where the checkout is.
    pub state: State,
    /// The order being paid, as far as known: what the merchant mounted with, else what the
    /// first backend answer said (the amount the shopper is shown).
    pub order: Option<OrderSummary>,
    /// Hosts the merchant's backend vouched for in its `start` answer (those of the provider
    /// URLs it is configured with, and its own list).
    pub vouched_hosts: Vec<String>,
    next_request: u64,
}

impl Flow {
    /// A flow that has not been mounted yet.
    pub fn new(config: FlowConfig) -> Self {
        let order = config.expected.clone();
        Flow { config, state: State::Unmounted, order, vouched_hosts: Vec::new(), next_request: 1 }
    }

    /// Takes in the order an answer is about: the first one known is kept, and an answer
    /// about any other order, amount or currency is an error (an edited journal, a return
    /// URL naming someone else's payment, a backend that mixed attempts up).
    fn agree_on(&mut self, answered: &OrderSummary) -> Result<(), CheckoutError> {
        match &self.order {
            Some(known) if known != answered => Err(CheckoutError::new(
                ErrorCode::BackendError,
                "the backend answered for another order or amount than this checkout's",
                false,
            )),
            Some(_) => Ok(()),
            None => {
                self.order = Some(answered.clone());
                Ok(())
            }
        }
    }

    fn request(&mut self) -> u64 {
        let r = self.next_request;
        self.next_request += 1;
        r
    }
}

/// One step of the checkout. Returns the next flow and what to do.
pub fn step(mut flow: Flow, event: Event) -> (Flow, Vec<Effect>) {
    let state = std::mem::replace(&mut flow.state, State::Unmounted);
    let (state, effects) = transition(&mut flow, state, event);
    flow.state = state;
    (flow, effects)
}

type Out = (State, Vec<Effect>);

fn transition(flow: &mut Flow, state: State, event: Event) -> Out {
    match (state, event) {
        (State::Unmounted, Event::Mount { now_ms, journal, hint, provider_order_id, fresh_key }) => {
            let resumable = journal.filter(|j| j.resumable(flow.config.provider, &flow.config.order_id, now_ms));
            let from_provider = provider_order_id.filter(|_| flow.config.provider == Provider::Bereke);
            match (resumable, from_provider) {
                (Some(j), _) => {
                    let mode = match j.order_access_token {
                        Some(order_access_token) => Mode::IokaToken { order_access_token, customer_access_token: None },
                        None if flow.config.direct => Mode::OneEntryDirect,
                        None => Mode::Backend,
                    };
                    let attempt = Attempt { attempt_id: j.attempt_id, idempotency_key: j.idempotency_key, mode };
                    begin_polling(flow, attempt, now_ms, hint, None)
                }
                (None, Some(provider_order_id)) => {
                    let mode = Mode::ProviderReturn { provider_order_id };
                    let attempt = Attempt { attempt_id: String::new(), idempotency_key: fresh_key, mode };
                    begin_polling(flow, attempt, now_ms, hint, None)
                }
                (None, None) => start(flow, fresh_key),
            }
        }

        (State::AwaitingStart { request, idempotency_key }, Event::StartAnswered { request: r, answer })
            if r == request =>
        {
            let answer = match answer {
                Ok(StartAnswer::Attempt(resp)) => flow.agree_on(&resp.order).map(|()| StartAnswer::Attempt(resp)),
                other => other,
            };
            match answer {
                Ok(StartAnswer::Attempt(resp)) => {
                    // Compared exactly with the URL parser's (lower-case) host: anything that is
                    // not a host name can never match.
                    flow.vouched_hosts = resp.redirect_hosts;
                    let attempt = Attempt { attempt_id: resp.attempt_id, idempotency_key, mode: Mode::Backend };
                    if resp.status.is_final() {
                        let fx = vec![Effect::ClearJournal, notify_status(resp.status)];
                        (State::Final { attempt, status: resp.status }, fx)
                    } else {
                        offer_methods(attempt, resp.methods, Retry::Start)
                    }
                }
                Ok(StartAnswer::IokaTokens(tokens)) => {
                    match ioka::order_id_from_access_token(&tokens.order_access_token) {
                        Some(order_id) => {
                            let attempt = Attempt {
                                attempt_id: order_id.to_owned(),
                                idempotency_key,
                                mode: Mode::IokaToken {
                                    order_access_token: tokens.order_access_token,
                                    customer_access_token: tokens.customer_access_token,
                                },
                            };
                            let request = flow.request();
                            let fx = vec![Effect::LoadMethods { request, attempt: attempt.clone() }];
                            (State::AwaitingMethods { attempt, request }, fx)
                        }
                        None => fail(
                            CheckoutError::new(ErrorCode::BackendError, "malformed order_access_token", false),
                            Retry::Start,
                        ),
                    }
                }
                Err(error) if error.asks_to_sign_in() => {
                    let refused = error.refusal == Some(Refusal::SignInFailed);
                    (State::SigningIn { idempotency_key, refused }, vec![])
                }
                Err(error) => fail(error, Retry::Start),
            }
        }

        (State::AwaitingStart { request, idempotency_key }, Event::DirectStartAnswered { request: r, answer })
            if r == request =>
        {
            match answer {
                Ok(DirectStart::SignInNeeded) => (State::SigningIn { idempotency_key, refused: false }, vec![]),
                Ok(DirectStart::Accounts { status, methods }) => {
                    let attempt = Attempt {
                        attempt_id: flow.config.order_id.clone(),
                        idempotency_key,
                        mode: Mode::OneEntryDirect,
                    };
                    if status.is_final() {
                        (State::Final { attempt, status }, vec![Effect::ClearJournal, notify_status(status)])
                    } else {
                        offer_methods(attempt, methods, Retry::Start)
                    }
                }
                Err(error) => fail(error, Retry::Start),
            }
        }

        (State::AwaitingStart { request, idempotency_key }, Event::SignedIn { request: r, answer }) if r == request => {
            match answer {
                Ok(SignedIn::Token(token)) => start_with(flow, idempotency_key, None, Some(token)),
                Ok(SignedIn::Refused) => (State::SigningIn { idempotency_key, refused: true }, vec![]),
                Err(error) => fail(error, Retry::Start),
            }
        }

        (State::AwaitingMethods { attempt, request }, Event::MethodsAnswered { request: r, answer })
            if r == request =>
        {
            match answer {
                Ok(methods) => offer_methods(attempt, methods, Retry::Start),
                Err(error) => fail(error, Retry::Start),
            }
        }

        (State::SigningIn { idempotency_key, .. }, Event::SignIn(credentials)) => {
            if flow.config.sign_in_at_provider {
                let request = flow.request();
                let fx = vec![Effect::SignInAtProvider { request, credentials }];
                (State::AwaitingStart { request, idempotency_key }, fx)
            } else {
                start_with(flow, idempotency_key, Some(credentials), None)
            }
        }

        (State::ChoosingMethod { attempt, methods, selected, mut form }, Event::Select { method_id }) => {
            if methods.iter().any(|m| m.id == method_id) && selected.as_deref() != Some(&method_id) {
                form.show_errors = false;
                let fx = vec![Effect::Notify(Notify::Method { method_id: method_id.clone() })];
                (State::ChoosingMethod { attempt, methods, selected: Some(method_id), form }, fx)
            } else {
                (State::ChoosingMethod { attempt, methods, selected, form }, vec![])
            }
        }

        (State::ChoosingMethod { attempt, methods, selected, mut form }, Event::Input { key, value, matches }) => {
            form.mismatched.retain(|k| *k != key);
            if !matches {
                form.mismatched.push(key.clone());
            }
            form.values.set(key, value);
            (State::ChoosingMethod { attempt, methods, selected, form }, vec![])
        }

        (State::ChoosingMethod { attempt, methods, selected: Some(method_id), mut form }, Event::Pay) => {
            let Some(method) = methods.iter().find(|m| m.id == method_id) else {
                return (State::ChoosingMethod { attempt, methods, selected: None, form }, vec![]);
            };
            if !form.problems(method).is_empty() {
                form.show_errors = true;
                return (State::ChoosingMethod { attempt, methods, selected: Some(method_id), form }, vec![]);
            }
            let fields = form.submitted(method);
            let request = flow.request();
            let fx = vec![Effect::CallPay {
                request,
                attempt: attempt.clone(),
                method_id: method_id.clone(),
                fields,
                take_over: false,
            }];
            (State::AwaitingRedirect { attempt, methods, method_id, form, request, page_reads: 0 }, fx)
        }

        (
            State::AwaitingRedirect { attempt, methods, method_id, form, request, .. },
            Event::PayingElsewhere { request: r, now_ms },
        ) if r == request => {
            let (state, fx) = begin_polling(flow, attempt, now_ms, None, None);
            match state {
                State::AwaitingStatus { attempt, poll } => {
                    let choice = Box::new(Choice { methods, method_id, form });
                    (State::WatchingOtherTab { attempt, poll, choice }, fx)
                }
                other => (other, fx),
            }
        }

        (
            State::AwaitingRedirect { attempt, methods, method_id, form, request, page_reads },
            Event::PageNotReady { request: r },
        ) if r == request => match PageWait::default().next_read(page_reads + 1) {
            Some(after_ms) => {
                let page_reads = page_reads + 1;
                let state = State::AwaitingRedirect { attempt, methods, method_id, form, request, page_reads };
                (state, vec![Effect::ScheduleTick { after_ms }])
            }
            None => fail(
                CheckoutError::new(ErrorCode::ProviderError, "the payment page is not ready yet", true),
                Retry::Choose { attempt, methods, form },
            ),
        },

        (State::AwaitingRedirect { attempt, methods, method_id, form, page_reads, .. }, Event::Tick { .. })
            if page_reads > 0 =>
        {
            let fields = methods.iter().find(|m| m.id == method_id).map(|m| form.submitted(m)).unwrap_or_default();
            let request = flow.request();
            // This tab holds the order's payment already: the read takes it over from itself.
            let fx = vec![Effect::CallPay {
                request,
                attempt: attempt.clone(),
                method_id: method_id.clone(),
                fields,
                take_over: true,
            }];
            (State::AwaitingRedirect { attempt, methods, method_id, form, request, page_reads }, fx)
        }

        (State::WatchingOtherTab { attempt, choice, .. }, Event::PayHere) => {
            let Choice { methods, method_id, form } = *choice;
            let fields = methods.iter().find(|m| m.id == method_id).map(|m| form.submitted(m)).unwrap_or_default();
            let request = flow.request();
            let fx = vec![
                Effect::CancelTick,
                Effect::CallPay {
                    request,
                    attempt: attempt.clone(),
                    method_id: method_id.clone(),
                    fields,
                    take_over: true,
                },
            ];
            (State::AwaitingRedirect { attempt, methods, method_id, form, request, page_reads: 0 }, fx)
        }

        (State::ChoosingMethod { attempt, methods, selected, form }, Event::RemoveMethod { method_id }) => {
            let removable = matches!(attempt.mode, Mode::Backend)
                && methods.iter().any(|m| m.id == method_id && m.kind == MethodKind::SavedCard);
            let fx = match removable {
                true => vec![Effect::CallRemoveMethod { attempt: attempt.clone(), method_id }],
                false => vec![],
            };
            (State::ChoosingMethod { attempt, methods, selected, form }, fx)
        }

        (
            State::ChoosingMethod { attempt, mut methods, mut selected, form },
            Event::MethodRemoved { method_id, answer },
        ) => match answer {
            Ok(()) => {
                methods.retain(|m| m.id != method_id);
                if selected.as_deref() == Some(method_id.as_str()) {
                    selected = methods.first().map(|m| m.id.clone());
                }
                (State::ChoosingMethod { attempt, methods, selected, form }, vec![])
            }
            Err(error) => fail(error, Retry::Choose { attempt, methods, form }),
        },

        (State::AwaitingRedirect { attempt, request, .. }, Event::Charged { request: r, now_ms }) if r == request => {
            // Nothing to open: the journal says a payment was asked for, so a reload follows
            // its status as after a return.
            let mut fx = vec![Effect::WriteJournal(journal_record(flow, &attempt, now_ms))];
            let (state, more) = begin_polling(flow, attempt, now_ms, None, None);
            fx.extend(more);
            (state, fx)
        }

        (State::AwaitingRedirect { attempt, method_id, request, .. }, Event::OrderPlaced { request: r })
            if r == request =>
        {
            let fx = vec![Effect::ClearJournal, Effect::Notify(Notify::Placed { method_id })];
            (State::Placed { attempt }, fx)
        }

        (
            State::AwaitingRedirect { attempt, methods, form, request, .. },
            Event::PayAnswered { request: r, answer, now_ms },
        ) if r == request => match answer {
            Ok(RedirectAnswer { target, parsed }) => {
                let verdict = match &parsed {
                    Some(p) => {
                        let extra = [&flow.config.redirect_hosts[..], &flow.vouched_hosts[..]];
                        check_redirect(flow.config.provider, p, flow.config.sandbox.as_ref(), &extra)
                            .map_err(|e| e.to_string())
                    }
                    None => Err("the redirect URL does not parse".to_owned()),
                };
                match verdict {
                    Ok(()) => {
                        let record = journal_record(flow, &attempt, now_ms);
                        let url = target.url.clone();
                        let mut fx = vec![
                            Effect::WriteJournal(record),
                            Effect::Notify(Notify::Redirect { url: url.clone() }),
                            Effect::Navigate(target),
                        ];
                        if flow.config.new_tab {
                            let (state, more) = begin_polling(flow, attempt, now_ms, None, Some(url));
                            fx.extend(more);
                            return (state, fx);
                        }
                        (State::Redirecting { attempt, url, blocked: false }, fx)
                    }
                    Err(why) => fail(
                        CheckoutError::new(ErrorCode::RedirectBlocked, why, false),
                        Retry::Choose { attempt, methods, form },
                    ),
                }
            }
            Err(error) => fail(error, Retry::Choose { attempt, methods, form }),
        },

        (State::Redirecting { attempt, url, .. }, Event::NavigationFailed) => {
            (State::Redirecting { attempt, url, blocked: true }, vec![])
        }

        (State::AwaitingStatus { attempt, poll }, event) => polling(flow, attempt, poll, Watcher::ThisTab, event),
        (State::WatchingOtherTab { attempt, poll, choice }, event) => {
            polling(flow, attempt, poll, Watcher::OtherTab(choice), event)
        }

        (State::StillPending { attempt }, Event::CheckAgain { now_ms }) => {
            begin_polling(flow, attempt, now_ms, None, None)
        }

        (
            State::Final { status: PaymentStatus::Cancelled | PaymentStatus::Failed | PaymentStatus::Expired, .. },
            Event::Retry { fresh_key, .. },
        ) => start(flow, fresh_key),

        (State::Failed { retry, .. }, Event::Retry { fresh_key }) => match retry {
            Retry::Start => start(flow, fresh_key),
            Retry::Choose { attempt, methods, form } => {
                let selected = methods.first().map(|m| m.id.clone());
                let form = MethodForm { show_errors: false, ..form };
                (State::ChoosingMethod { attempt, methods, selected, form }, vec![Effect::Notify(Notify::Ready)])
            }
        },

        // Anything else is stray or late: a second click, an answer to an old request, a
        // tick after the final status. Nothing changes.
        (state, _) => (state, vec![]),
    }
}

fn start(flow: &mut Flow, idempotency_key: String) -> Out {
    start_with(flow, idempotency_key, None, None)
}

/// `start` (at the backend, or in direct mode at the provider), with what the shopper's
/// sign-in gave: the credentials for the backend, or the provider's token.
fn start_with(
    flow: &mut Flow,
    idempotency_key: String,
    sign_in: Option<SignInCredentials>,
    user_token: Option<UserToken>,
) -> Out {
    let request = flow.request();
    let effect = if flow.config.direct {
        Effect::StartDirect { request, user_token }
    } else {
        Effect::CallStart { request, idempotency_key: idempotency_key.clone(), sign_in, user_token }
    };
    (State::AwaitingStart { request, idempotency_key }, vec![effect])
}

fn offer_methods(attempt: Attempt, methods: Vec<PaymentMethod>, retry: Retry) -> Out {
    if methods.is_empty() {
        return fail(CheckoutError::new(ErrorCode::BackendError, "no payment methods offered", false), retry);
    }
    let selected = methods.first().map(|m| m.id.clone());
    let form = MethodForm::default();
    (State::ChoosingMethod { attempt, methods, selected, form }, vec![Effect::Notify(Notify::Ready)])
}

fn fail(error: CheckoutError, retry: Retry) -> Out {
    let fx = vec![Effect::Notify(Notify::Error(error.clone()))];
    (State::Failed { error, retry }, fx)
}

fn notify_status(status: PaymentStatus) -> Effect {
    Effect::Notify(Notify::Status { status })
}

/// What the journal keeps of an attempt a payment was asked for (the order's access token
/// in ioka token mode, which has no backend to ask), so a return or a reload resumes it.
fn journal_record(flow: &Flow, attempt: &Attempt, now_ms: u64) -> JournalRecord {
    let mut record = JournalRecord::new(
        flow.config.provider,
        attempt.attempt_id.clone(),
        flow.config.order_id.clone(),
        attempt.idempotency_key.clone(),
        now_ms,
    );
    if let Mode::IokaToken { order_access_token, .. } = &attempt.mode {
        record.order_access_token = Some(order_access_token.clone());
    }
    record
}

fn begin_polling(
    flow: &mut Flow,
    attempt: Attempt,
    now_ms: u64,
    hint: Option<ReturnHint>,
    payment_page: Option<String>,
) -> Out {
    let request = flow.request();
    let poll = Poll {
        started_ms: now_ms,
        answers: 0,
        held: 0,
        next: Next::Answer(request),
        hidden: false,
        offline: false,
        trouble: false,
        hint,
        status: PaymentStatus::Pending,
        payment_page,
    };
    let fx = vec![Effect::FetchStatus { request, attempt: attempt.clone(), wait: may_wait(&poll) }];
    (State::AwaitingStatus { attempt, poll }, fx)
}

/// Which confirming state polling keeps the checkout in.
enum Watcher {
    /// [`State::AwaitingStatus`].
    ThisTab,
    /// [`State::WatchingOtherTab`], with the shopper's choice.
    OtherTab(Box<Choice>),
}

impl Watcher {
    // Called from every exit of `polling`: kept out of line so it is compiled once.
    #[inline(never)]
    fn state(self, attempt: Attempt, poll: Poll) -> State {
        match self {
            Watcher::ThisTab => State::AwaitingStatus { attempt, poll },
            Watcher::OtherTab(choice) => State::WatchingOtherTab { attempt, poll, choice },
        }
    }
}

fn polling(flow: &mut Flow, attempt: Attempt, mut poll: Poll, watcher: Watcher, event: Event) -> Out {
    match event {
        Event::StatusAnswered { request, answer, order, now_ms, random, held_ms }
            if poll.next == Next::Answer(request) =>
        {
            poll.next = Next::Nothing;
            poll.answers += 1;
            let mut fx = Vec::new();
            let answer = match order {
                Some(order) => flow.agree_on(&order).and(answer),
                None => answer,
            };
            match answer {
                Ok(status) => {
                    poll.trouble = false;
                    let first = poll.answers == 1;
                    poll.status = poll.status.advance(status);
                    if poll.status.is_final() {
                        let status = poll.status;
                        let fx = vec![Effect::CancelTick, Effect::ClearJournal, notify_status(status)];
                        return (State::Final { attempt, status }, fx);
                    }
                    let gave_up = match poll.hint {
                        // The shopper left the provider's page without paying, and the
                        // provider confirms nothing was paid.
                        Some(ReturnHint::Back) => true,
                        // The provider's failure page, yet nothing is settled: RBS sends a
                        // cancel there too and leaves the order open. After a grace for a
                        // late decline notice, nothing was paid: say so.
                        Some(ReturnHint::Failure) => poll.answers >= FAILURE_HINT_GRACE_ANSWERS,
                        Some(ReturnHint::Success) | None => false,
                    };
                    if gave_up {
                        let status = PaymentStatus::Cancelled;
                        let fx = vec![Effect::CancelTick, Effect::ClearJournal, notify_status(status)];
                        return (State::Final { attempt, status }, fx);
                    }
                    if first {
                        fx.push(notify_status(PaymentStatus::Pending));
                    }
                }
                Err(error) if error.retryable => poll.trouble = true,
                Err(error) => {
                    // Not worth asking again (the backend does not know this attempt, the
                    // token was refused): forget the journal; "try again" starts over, and
                    // `start` finds the same provider order by the merchant's order id.
                    let (state, mut fx) = fail(error, Retry::Start);
                    fx.splice(0..0, [Effect::CancelTick, Effect::ClearJournal]);
                    return (state, fx);
                }
            }
            if flow.config.policy.budget_spent(poll.started_ms, now_ms) {
                fx.push(Effect::CancelTick);
                return (State::StillPending { attempt }, fx);
            }
            if !poll.hidden && !poll.offline {
                // A backend that held the request while nothing changed is asked again at
                // once (it answers the moment there is news); one that answered at once, on
                // the backoff schedule.
                let after_ms = if held_ms >= crate::poll::HELD_MS && !poll.trouble {
                    poll.held += 1;
                    crate::poll::after_held_ms(random)
                } else {
                    flow.config.policy.delay_ms(poll.answers - 1 - poll.held, random)
                };
                poll.next = Next::Tick;
                fx.push(Effect::ScheduleTick { after_ms });
            }
            (watcher.state(attempt, poll), fx)
        }
        Event::Tick { .. } => {
            if matches!(poll.next, Next::Answer(_)) || poll.hidden || poll.offline {
                if poll.next == Next::Tick {
                    poll.next = Next::Nothing;
                }
                return (watcher.state(attempt, poll), vec![]);
            }
            // Past the budget (a late timer), still ask once more: the answer decides
            // between the outcome and "still being confirmed".
            fetch(flow, attempt, poll, watcher)
        }
        Event::Visibility { hidden, .. } => {
            poll.hidden = hidden;
            resume_if_possible(flow, attempt, poll, watcher)
        }
        Event::Connectivity { online, .. } => {
            poll.offline = !online;
            resume_if_possible(flow, attempt, poll, watcher)
        }
        _ => (watcher.state(attempt, poll), vec![]),
    }
}

/// When the tab becomes visible and online again, ask at once instead of waiting out the
/// backoff; while hidden or offline, stop the timer.
fn resume_if_possible(flow: &mut Flow, attempt: Attempt, mut poll: Poll, watcher: Watcher) -> Out {
    if poll.hidden || poll.offline {
        let fx = if poll.next == Next::Tick { vec![Effect::CancelTick] } else { vec![] };
        if poll.next == Next::Tick {
            poll.next = Next::Nothing;
        }
        return (watcher.state(attempt, poll), fx);
    }
    if matches!(poll.next, Next::Answer(_)) {
        return (watcher.state(attempt, poll), vec![]);
    }
    // Past the budget too: one last look, and its answer decides (see `Event::Tick`).
    let (state, mut fx) = fetch(flow, attempt, poll, watcher);
    fx.insert(0, Effect::CancelTick);
    (state, fx)
}

fn fetch(flow: &mut Flow, attempt: Attempt, mut poll: Poll, watcher: Watcher) -> Out {
    let request = flow.request();
    poll.next = Next::Answer(request);
    let fx = vec![Effect::FetchStatus { request, attempt: attempt.clone(), wait: may_wait(&poll) }];
    (watcher.state(attempt, poll), fx)
}

/// Whether this poll's requests may be held by the backend (see [`Effect::FetchStatus`]).
fn may_wait(poll: &Poll) -> bool {
    !matches!(poll.hint, Some(ReturnHint::Failure | ReturnHint::Back))
}

#[cfg(test)]
mod tests;
