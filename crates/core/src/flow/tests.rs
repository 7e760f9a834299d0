//! Every transition of the checkout flow, driven natively.

use super::*;
use crate::api::{IokaTokensResponse, MethodKind, SignInCredentials, StartResponse};
use crate::money::{Currency, MinorUnits};

const KEY: &str = "key-1";

fn config() -> FlowConfig {
    FlowConfig {
        provider: Provider::Ioka,
        order_id: "A-1".into(),
        expected: None,
        policy: PollPolicy { budget_ms: 60_000, ..PollPolicy::default() },
        sandbox: Some(SandboxOrigin { scheme: "http".into(), host: "127.0.0.1".into(), port: "8080".into() }),
        redirect_hosts: vec![],
        new_tab: false,
        sign_in_at_provider: false,
        direct: false,
    }
}

fn method(id: &str) -> PaymentMethod {
    PaymentMethod::plain(id, MethodKind::Card, id)
}

fn attempt() -> Attempt {
    Attempt { attempt_id: "att_1".into(), idempotency_key: KEY.into(), mode: Mode::Backend }
}

fn mount(journal: Option<JournalRecord>, hint: Option<ReturnHint>) -> (Flow, Vec<Effect>) {
    step(
        Flow::new(config()),
        Event::Mount { now_ms: 1_000, journal, hint, provider_order_id: None, fresh_key: KEY.into() },
    )
}

fn started(status: PaymentStatus, methods: Vec<PaymentMethod>) -> Result<StartAnswer, CheckoutError> {
    Ok(StartAnswer::Attempt(StartResponse {
        attempt_id: "att_1".into(),
        order: order_a1(),
        status,
        methods,
        tokens: Default::default(),
        redirect_hosts: vec![],
    }))
}

/// The order the tests' checkout is for: A-1, 15 000 ₸.
fn order_a1() -> OrderSummary {
    OrderSummary { order_id: "A-1".into(), amount: MinorUnits(1_500_000), currency: Currency::Kzt }
}

/// Mounted and answered: choosing between "card" and "kaspi".
fn choosing() -> Flow {
    let (flow, _) = mount(None, None);
    let (flow, _) = step(
        flow,
        Event::StartAnswered {
            request: 1,
            answer: started(PaymentStatus::Pending, vec![method("card"), method("kaspi")]),
        },
    );
    flow
}

fn parsed(url: &str) -> Option<ParsedUrl> {
    let (scheme, rest) = url.split_once("://")?;
    let host_port = rest.split('/').next()?;
    let (host, port) = host_port.split_once(':').unwrap_or((host_port, ""));
    Some(ParsedUrl { scheme: scheme.into(), host: host.into(), port: port.into(), has_credentials: host.contains('@') })
}

fn redirect(url: &str) -> Result<RedirectAnswer, CheckoutError> {
    Ok(RedirectAnswer {
        target: RedirectTarget { url: url.into(), method: crate::http::Method::Get, fields: vec![] },
        parsed: parsed(url),
    })
}

fn polling(hint: Option<ReturnHint>) -> Flow {
    let journal = JournalRecord::new(Provider::Ioka, "att_1".into(), "A-1".into(), KEY.into(), 500);
    mount(Some(journal), hint).0
}

fn answer(flow: Flow, request: u64, status: Result<PaymentStatus, CheckoutError>, now_ms: u64) -> (Flow, Vec<Effect>) {
    step(flow, Event::StatusAnswered { request, answer: status, order: None, now_ms, random: 0.5, held_ms: 30 })
}

fn network_error() -> CheckoutError {
    CheckoutError::new(ErrorCode::NetworkError, "offline", true)
}

fn in_flight(flow: &Flow) -> Option<u64> {
    match &flow.state {
        State::AwaitingStatus { poll, .. } => match poll.next {
            Next::Answer(request) => Some(request),
            Next::Tick | Next::Nothing => None,
        },
        _ => None,
    }
}

#[test]
fn mount_without_journal_starts() {
    let (flow, fx) = mount(None, None);
    assert_eq!(flow.state, State::AwaitingStart { request: 1, idempotency_key: KEY.into() });
    assert_eq!(fx, [Effect::CallStart { request: 1, idempotency_key: KEY.into(), sign_in: None, user_token: None }]);
}

#[test]
fn mount_with_a_journal_resumes_the_same_attempt() {
    let flow = polling(Some(ReturnHint::Success));
    assert!(
        matches!(&flow.state, State::AwaitingStatus { attempt: a, poll }
            if *a == attempt() && poll.next == Next::Answer(1) && poll.hint == Some(ReturnHint::Success)),
        "{:?}",
        flow.state
    );
}

#[test]
fn stale_expired_or_foreign_journals_are_not_resumed() {
    let mut other_order = JournalRecord::new(Provider::Ioka, "att_9".into(), "B-2".into(), "k".into(), 500);
    let (flow, _) = mount(Some(other_order.clone()), None);
    assert!(matches!(flow.state, State::AwaitingStart { .. }));
    other_order.order_id = "A-1".into();
    other_order.expires_ms = 999;
    let (flow, _) = mount(Some(other_order), None);
    assert!(matches!(flow.state, State::AwaitingStart { .. }));
}

#[test]
fn start_answer_offers_methods_with_the_first_selected() {
    let flow = choosing();
    assert!(
        matches!(&flow.state, State::ChoosingMethod { selected, methods, .. }
            if selected.as_deref() == Some("card") && methods.len() == 2),
        "{:?}",
        flow.state
    );
}

#[test]
fn start_answer_that_is_already_final_shows_it() {
    let (flow, _) = mount(None, None);
    let (flow, fx) = step(flow, Event::StartAnswered { request: 1, answer: started(PaymentStatus::Paid, vec![]) });
    assert_eq!(flow.state, State::Final { attempt: attempt(), status: PaymentStatus::Paid });
    assert_eq!(fx, [Effect::ClearJournal, Effect::Notify(Notify::Status { status: PaymentStatus::Paid })]);
}

#[test]
fn start_errors_and_empty_method_lists_fail_with_retry() {
    let (flow, _) = mount(None, None);
    let (flow, fx) = step(flow, Event::StartAnswered { request: 1, answer: Err(network_error()) });
    assert!(matches!(&flow.state, State::Failed { retry: Retry::Start, .. }));
    assert_eq!(fx, [Effect::Notify(Notify::Error(network_error()))]);
    let (flow, fx) = step(flow, Event::Retry { fresh_key: "key-2".into() });
    assert_eq!(flow.state, State::AwaitingStart { request: 2, idempotency_key: "key-2".into() });
    assert_eq!(
        fx,
        [Effect::CallStart { request: 2, idempotency_key: "key-2".into(), sign_in: None, user_token: None }]
    );

    let (flow, _) = step(flow, Event::StartAnswered { request: 2, answer: started(PaymentStatus::Pending, vec![]) });
    assert!(matches!(&flow.state, State::Failed { error, .. } if error.code == ErrorCode::BackendError));
}

#[test]
fn ioka_token_mode_loads_methods_from_ioka() {
    let (flow, _) = mount(None, None);
    let tokens = IokaTokensResponse {
        order_access_token: "ord_77_secret_abc".into(),
        customer_access_token: Some("cus_5_secret_def".into()),
    };
    let (flow, fx) = step(flow, Event::StartAnswered { request: 1, answer: Ok(StartAnswer::IokaTokens(tokens)) });
    let token_attempt = Attempt {
        attempt_id: "ord_77".into(),
        idempotency_key: KEY.into(),
        // The customer's token travels with the attempt, for its saved cards.
        mode: Mode::IokaToken {
            order_access_token: "ord_77_secret_abc".into(),
            customer_access_token: Some("cus_5_secret_def".into()),
        },
    };
    assert_eq!(fx, [Effect::LoadMethods { request: 2, attempt: token_attempt.clone() }]);
    let (flow, fx) = step(flow, Event::MethodsAnswered { request: 2, answer: Ok(vec![method("card")]) });
    assert_eq!(fx, [Effect::Notify(Notify::Ready)]);
    let (flow, _) = step(flow, Event::Pay);
    let (_, fx) = step(
        flow,
        Event::PayAnswered { request: 3, answer: redirect("https://stage-checkout.ioka.kz/orders/ord_77"), now_ms: 5 },
    );
    assert!(
        matches!(&fx[0], Effect::WriteJournal(j)
            if j.attempt_id == "ord_77" && j.order_access_token.as_deref() == Some("ord_77_secret_abc")),
        "{fx:?}"
    );
}

#[test]
fn a_malformed_ioka_token_is_a_backend_error() {
    let (flow, _) = mount(None, None);
    let tokens = IokaTokensResponse { order_access_token: "garbage".into(), customer_access_token: None };
    let (flow, _) = step(flow, Event::StartAnswered { request: 1, answer: Ok(StartAnswer::IokaTokens(tokens)) });
    assert!(matches!(&flow.state, State::Failed { error, .. } if error.code == ErrorCode::BackendError));
}

#[test]
fn selecting_notifies_once_and_ignores_unknown_methods() {
    let flow = choosing();
    let (flow, fx) = step(flow, Event::Select { method_id: "kaspi".into() });
    assert_eq!(fx, [Effect::Notify(Notify::Method { method_id: "kaspi".into() })]);
    let (flow, fx) = step(flow, Event::Select { method_id: "kaspi".into() });
    assert!(fx.is_empty());
    let before = flow.clone();
    let (flow, fx) = step(flow, Event::Select { method_id: "bitcoin".into() });
    assert!(fx.is_empty());
    assert_eq!(flow, before);
}

#[test]
fn pay_locks_so_a_double_click_sends_one_request() {
    let flow = choosing();
    let (flow, fx) = step(flow, Event::Pay);
    assert_eq!(fx, [call_pay(2, "card", FieldValues::default(), false)]);
    let (flow, fx) = step(flow, Event::Pay);
    assert!(fx.is_empty(), "second click must do nothing");
    assert!(matches!(flow.state, State::AwaitingRedirect { .. }));
}

#[test]
fn pay_answer_writes_the_journal_then_navigates() {
    let (flow, _) = step(choosing(), Event::Pay);
    let url = "https://stage-checkout.ioka.kz/orders/ord_1";
    let (flow, fx) = step(flow, Event::PayAnswered { request: 2, answer: redirect(url), now_ms: 7_000 });
    let journal = JournalRecord::new(Provider::Ioka, "att_1".into(), "A-1".into(), KEY.into(), 7_000);
    assert_eq!(
        fx,
        [
            Effect::WriteJournal(journal),
            Effect::Notify(Notify::Redirect { url: url.into() }),
            Effect::Navigate(RedirectTarget { url: url.into(), method: crate::http::Method::Get, fields: vec![] }),
        ]
    );
    let (flow, fx) = step(flow, Event::NavigationFailed);
    assert!(fx.is_empty());
    assert!(matches!(flow.state, State::Redirecting { blocked: true, .. }));
}

#[test]
fn new_tab_presentation_confirms_here_and_keeps_a_link() {
    let flow = Flow::new(FlowConfig { new_tab: true, ..config() });
    let (flow, _) = step(
        flow,
        Event::Mount { now_ms: 1, journal: None, hint: None, provider_order_id: None, fresh_key: KEY.into() },
    );
    let (flow, _) =
        step(flow, Event::StartAnswered { request: 1, answer: started(PaymentStatus::Pending, vec![method("card")]) });
    let (flow, _) = step(flow, Event::Pay);
    let url = "https://checkout.ioka.kz/orders/ord_1";
    let (flow, fx) = step(flow, Event::PayAnswered { request: 2, answer: redirect(url), now_ms: 9 });
    assert!(fx.iter().any(|e| matches!(e, Effect::Navigate(t) if t.url == url)), "{fx:?}");
    assert_eq!(fx.last(), Some(&Effect::FetchStatus { request: 3, attempt: attempt(), wait: true }));
    assert!(
        matches!(&flow.state, State::AwaitingStatus { poll, .. } if poll.payment_page.as_deref() == Some(url)),
        "{:?}",
        flow.state
    );
    // a blocked popup changes nothing: the link is already on screen
    let (after, fx) = step(flow.clone(), Event::NavigationFailed);
    assert!(fx.is_empty());
    assert_eq!(after, flow);
}

#[test]
fn hostile_redirects_are_blocked_and_nothing_is_written() {
    for url in [
        "javascript://alert(1)",
        "data://text/html",
        "http://stage-checkout.ioka.kz/orders/1",
        "https://evil.example/orders/1",
        "https://user@evil.example/",
        "not a url",
    ] {
        let (flow, _) = step(choosing(), Event::Pay);
        let (flow, fx) = step(flow, Event::PayAnswered { request: 2, answer: redirect(url), now_ms: 1 });
        assert!(
            matches!(&flow.state, State::Failed { error, retry: Retry::Choose { .. } } if error.code == ErrorCode::RedirectBlocked),
            "{url}"
        );
        assert!(fx.iter().all(|e| !matches!(e, Effect::WriteJournal(_) | Effect::Navigate(_))), "{url}");
        // "try again" goes back to the same methods, without a new start
        let (flow, fx) = step(flow, Event::Retry { fresh_key: "x".into() });
        assert!(matches!(flow.state, State::ChoosingMethod { .. }));
        assert_eq!(fx, [Effect::Notify(Notify::Ready)]);
    }
}

#[test]
fn hosts_the_merchant_or_its_backend_vouch_for_are_allowed_exactly() {
    let navigates = |config: FlowConfig, vouched: Vec<String>, url: &str| {
        let (flow, _) = step(
            Flow::new(config),
            Event::Mount { now_ms: 1, journal: None, hint: None, provider_order_id: None, fresh_key: KEY.into() },
        );
        let mut answer = started(PaymentStatus::Pending, vec![method("card")]);
        if let Ok(StartAnswer::Attempt(r)) = &mut answer {
            r.redirect_hosts = vouched;
        }
        let (flow, _) = step(flow, Event::StartAnswered { request: 1, answer });
        let (flow, _) = step(flow, Event::Pay);
        let (_, fx) = step(flow, Event::PayAnswered { request: 2, answer: redirect(url), now_ms: 9 });
        fx.iter().any(|e| matches!(e, Effect::Navigate(_)))
    };
    let url = "https://pay.mybank.kz/payment/merchants/x/payment_ru.html?mdOrder=1";
    assert!(!navigates(config(), vec![], url), "not a known host");
    let merchant = FlowConfig { redirect_hosts: vec!["pay.mybank.kz".into()], ..config() };
    assert!(navigates(merchant, vec![], url), "the merchant's redirectHosts");
    assert!(navigates(config(), vec!["pay.mybank.kz".into()], url), "the backend's redirectHosts");
    assert!(!navigates(config(), vec!["mybank.kz".into(), "https://pay.mybank.kz".into()], url), "exact hosts only");
}

#[test]
fn pay_errors_return_to_the_methods() {
    let (flow, _) = step(choosing(), Event::Pay);
    let err = CheckoutError::new(ErrorCode::ProviderError, "503", true);
    let (flow, _) = step(flow, Event::PayAnswered { request: 2, answer: Err(err), now_ms: 1 });
    let (flow, _) = step(flow, Event::Retry { fresh_key: "x".into() });
    let (_, fx) = step(flow, Event::Pay);
    assert!(matches!(fx.as_slice(), [Effect::CallPay { .. }]));
}

#[test]
fn polling_backs_off_then_ends_in_final() {
    let flow = polling(None);
    let (flow, fx) = answer(flow, 1, Ok(PaymentStatus::Pending), 2_000);
    assert_eq!(
        fx,
        [Effect::Notify(Notify::Status { status: PaymentStatus::Pending }), Effect::ScheduleTick { after_ms: 1000 }]
    );
    let (flow, fx) = step(flow, Event::Tick { now_ms: 3_000 });
    assert_eq!(fx, [Effect::FetchStatus { request: 2, attempt: attempt(), wait: true }]);
    let (flow, fx) = answer(flow, 2, Ok(PaymentStatus::Pending), 3_100);
    assert_eq!(fx, [Effect::ScheduleTick { after_ms: 1500 }], "pending is announced once");
    let (flow, _) = step(flow, Event::Tick { now_ms: 4_600 });
    let (flow, fx) = answer(flow, 3, Ok(PaymentStatus::Paid), 4_700);
    assert_eq!(flow.state, State::Final { attempt: attempt(), status: PaymentStatus::Paid });
    assert_eq!(
        fx,
        [Effect::CancelTick, Effect::ClearJournal, Effect::Notify(Notify::Status { status: PaymentStatus::Paid })]
    );
    // a late tick or answer after the end changes nothing
    let (flow2, fx) = step(flow.clone(), Event::Tick { now_ms: 9_000 });
    assert!(fx.is_empty());
    assert_eq!(flow2, flow);
    let (_, fx) = answer(flow, 3, Ok(PaymentStatus::Failed), 9_000);
    assert!(fx.is_empty());
}

#[test]
fn every_final_status_ends_polling() {
    for status in PaymentStatus::ALL.into_iter().filter(|s| s.is_final()) {
        let (flow, fx) = answer(polling(None), 1, Ok(status), 2_000);
        assert_eq!(flow.state, State::Final { attempt: attempt(), status });
        assert!(fx.contains(&Effect::ClearJournal));
    }
}

#[test]
fn one_request_in_flight_ticks_while_waiting_are_ignored() {
    let flow = polling(None);
    let (flow, fx) = step(flow, Event::Tick { now_ms: 1_500 });
    assert!(fx.is_empty());
    assert_eq!(in_flight(&flow), Some(1));
    // a stale answer to another request is ignored
    let (flow, fx) = answer(flow, 99, Ok(PaymentStatus::Paid), 1_600);
    assert!(fx.is_empty());
    assert_eq!(in_flight(&flow), Some(1));
}

#[test]
fn network_trouble_keeps_polling_and_hard_errors_fail() {
    let (flow, fx) = answer(polling(None), 1, Err(network_error()), 2_000);
    assert_eq!(fx, [Effect::ScheduleTick { after_ms: 1000 }]);
    assert!(matches!(&flow.state, State::AwaitingStatus { poll, .. } if poll.trouble));
    let (flow, _) = step(flow, Event::Tick { now_ms: 3_000 });
    let (flow, _) = answer(flow, 2, Ok(PaymentStatus::Pending), 3_100);
    assert!(matches!(&flow.state, State::AwaitingStatus { poll, .. } if !poll.trouble));

    let hard = CheckoutError::new(ErrorCode::BackendError, "404", false);
    let (flow, fx) = answer(polling(None), 1, Err(hard), 2_000);
    assert!(matches!(&flow.state, State::Failed { retry: Retry::Start, .. }));
    assert!(
        matches!(fx.as_slice(), [Effect::CancelTick, Effect::ClearJournal, Effect::Notify(Notify::Error(_))]),
        "{fx:?}"
    );
    let (_, fx) = step(flow, Event::Retry { fresh_key: "x".into() });
    assert_eq!(fx, [Effect::CallStart { request: 2, idempotency_key: "x".into(), sign_in: None, user_token: None }]);
}

#[test]
fn hidden_or_offline_pauses_and_coming_back_asks_at_once() {
    let (flow, _) = answer(polling(None), 1, Ok(PaymentStatus::Pending), 2_000);
    let (flow, fx) = step(flow, Event::Visibility { hidden: true, now_ms: 2_100 });
    assert_eq!(fx, [Effect::CancelTick]);
    let (flow, fx) = step(flow, Event::Tick { now_ms: 3_000 });
    assert!(fx.is_empty(), "no requests while hidden");
    let (flow, fx) = step(flow, Event::Connectivity { online: false, now_ms: 3_100 });
    assert!(fx.is_empty());
    let (flow, fx) = step(flow, Event::Visibility { hidden: false, now_ms: 3_200 });
    assert!(fx.is_empty(), "still offline");
    let (flow, fx) = step(flow, Event::Connectivity { online: true, now_ms: 3_300 });
    assert_eq!(fx, [Effect::CancelTick, Effect::FetchStatus { request: 2, attempt: attempt(), wait: true }]);
    // an answer while hidden schedules nothing
    let (flow, _) = step(flow, Event::Visibility { hidden: true, now_ms: 3_400 });
    let (_, fx) = answer(flow, 2, Ok(PaymentStatus::Pending), 3_500);
    assert!(fx.is_empty());
}

#[test]
fn the_budget_ends_in_still_pending_and_check_again_restarts() {
    let (flow, _) = answer(polling(None), 1, Ok(PaymentStatus::Pending), 2_000);
    let (flow, _) = step(flow, Event::Tick { now_ms: 30_000 });
    let (flow, fx) = answer(flow, 2, Ok(PaymentStatus::Pending), 61_000);
    assert_eq!(flow.state, State::StillPending { attempt: attempt() });
    assert_eq!(fx, [Effect::CancelTick]);
    let (flow, fx) = step(flow, Event::CheckAgain { now_ms: 70_000 });
    assert_eq!(fx, [Effect::FetchStatus { request: 3, attempt: attempt(), wait: true }]);
    let (flow, _) = answer(flow, 3, Ok(PaymentStatus::Pending), 71_000);
    assert!(matches!(flow.state, State::AwaitingStatus { .. }), "the new budget starts at check-again");
    // a late tick past the budget asks once more; a pending answer ends it...
    let (flow, fx) = step(flow, Event::Tick { now_ms: 140_000 });
    assert_eq!(fx, [Effect::FetchStatus { request: 4, attempt: attempt(), wait: true }]);
    let (pending, fx) = answer(flow.clone(), 4, Ok(PaymentStatus::Pending), 140_100);
    assert_eq!(pending.state, State::StillPending { attempt: attempt() });
    assert_eq!(fx, [Effect::CancelTick]);
    // ...and a final one is shown
    let (paid, _) = answer(flow, 4, Ok(PaymentStatus::Paid), 140_100);
    assert_eq!(paid.state, State::Final { attempt: attempt(), status: PaymentStatus::Paid });
}

#[test]
fn a_tab_shown_again_past_the_budget_asks_once_more() {
    let (flow, _) = answer(polling(None), 1, Ok(PaymentStatus::Pending), 2_000);
    let (flow, _) = step(flow, Event::Visibility { hidden: true, now_ms: 3_000 });
    let (flow, fx) = step(flow, Event::Visibility { hidden: false, now_ms: 600_000 });
    assert_eq!(fx, [Effect::CancelTick, Effect::FetchStatus { request: 2, attempt: attempt(), wait: true }]);
    let (flow, _) = answer(flow, 2, Ok(PaymentStatus::Paid), 600_100);
    assert_eq!(flow.state, State::Final { attempt: attempt(), status: PaymentStatus::Paid });
}

#[test]
fn status_never_moves_backwards_while_polling() {
    let (flow, _) = answer(polling(None), 1, Ok(PaymentStatus::Pending), 2_000);
    let (flow, _) = step(flow, Event::Tick { now_ms: 3_000 });
    let (flow, fx) = answer(flow, 2, Ok(PaymentStatus::Authorized), 3_100);
    assert_eq!(flow.state, State::Final { attempt: attempt(), status: PaymentStatus::Authorized });
    assert!(fx.contains(&Effect::Notify(Notify::Status { status: PaymentStatus::Authorized })));
}

#[test]
fn coming_back_through_the_back_url_with_nothing_paid_is_cancelled() {
    let (flow, fx) = answer(polling(Some(ReturnHint::Back)), 1, Ok(PaymentStatus::Pending), 2_000);
    assert_eq!(flow.state, State::Final { attempt: attempt(), status: PaymentStatus::Cancelled });
    assert!(fx.contains(&Effect::ClearJournal));
    // but if the provider says paid, paid it is
    let (flow, _) = answer(polling(Some(ReturnHint::Back)), 1, Ok(PaymentStatus::Paid), 2_000);
    assert_eq!(flow.state, State::Final { attempt: attempt(), status: PaymentStatus::Paid });
    // "choose another way" starts again (the backend returns the same attempt)
    let (flow, _) = answer(polling(Some(ReturnHint::Back)), 1, Ok(PaymentStatus::Pending), 2_000);
    let (_, fx) = step(flow, Event::Retry { fresh_key: "k2".into() });
    assert!(matches!(fx.as_slice(), [Effect::CallStart { .. }]));
}

#[test]
fn coming_back_through_the_failure_url_waits_for_a_decline_then_says_nothing_was_paid() {
    let (flow, _) = answer(polling(Some(ReturnHint::Failure)), 1, Ok(PaymentStatus::Pending), 2_000);
    assert!(matches!(flow.state, State::AwaitingStatus { .. }), "a decline notice may still be on its way");
    let (flow, _) = step(flow, Event::Tick { now_ms: 3_000 });
    let (flow, _) = answer(flow, 2, Ok(PaymentStatus::Pending), 3_000);
    assert!(matches!(flow.state, State::AwaitingStatus { .. }));
    let (flow, _) = step(flow, Event::Tick { now_ms: 4_500 });
    let (flow, fx) = answer(flow, 3, Ok(PaymentStatus::Pending), 4_500);
    assert_eq!(flow.state, State::Final { attempt: attempt(), status: PaymentStatus::Cancelled });
    assert!(fx.contains(&Effect::ClearJournal));
    // the decline, when it arrives in time, is what the shopper sees
    let (flow, _) = answer(polling(Some(ReturnHint::Failure)), 1, Ok(PaymentStatus::Failed), 2_000);
    assert_eq!(flow.state, State::Final { attempt: attempt(), status: PaymentStatus::Failed });
    // and a success hint never short-cuts anything
    let (flow, _) = answer(polling(Some(ReturnHint::Success)), 1, Ok(PaymentStatus::Pending), 2_000);
    assert!(matches!(flow.state, State::AwaitingStatus { .. }));
}

#[test]
fn a_bereke_return_without_the_journal_is_looked_up_by_the_bank_order_id() {
    let bereke = FlowConfig { provider: Provider::Bereke, ..config() };
    let mount = |config: FlowConfig| {
        step(
            Flow::new(config),
            Event::Mount {
                now_ms: 1,
                journal: None,
                hint: Some(ReturnHint::Success),
                provider_order_id: Some("b43ab099-cbd9".into()),
                fresh_key: KEY.into(),
            },
        )
    };
    let (flow, fx) = mount(bereke);
    let looked_up = Attempt {
        attempt_id: String::new(),
        idempotency_key: KEY.into(),
        mode: Mode::ProviderReturn { provider_order_id: "b43ab099-cbd9".into() },
    };
    assert_eq!(fx, [Effect::FetchStatus { request: 1, attempt: looked_up, wait: true }]);
    let (flow, _) = answer(flow, 1, Ok(PaymentStatus::Paid), 2);
    assert!(matches!(flow.state, State::Final { status: PaymentStatus::Paid, .. }));
    // other providers have no such parameter: a fresh start
    let (_, fx) = mount(config());
    assert!(matches!(fx.as_slice(), [Effect::CallStart { .. }]));
}

#[test]
fn paid_is_final_and_cannot_be_restarted() {
    let (flow, _) = answer(polling(None), 1, Ok(PaymentStatus::Paid), 2_000);
    let (flow2, fx) = step(flow.clone(), Event::Retry { fresh_key: "k".into() });
    assert!(fx.is_empty());
    assert_eq!(flow2, flow);
}

/// Events that mean nothing in a state change nothing, in every state.
#[test]
fn stray_events_change_nothing() {
    let strays = [
        Event::Pay,
        Event::NavigationFailed,
        Event::Tick { now_ms: 5 },
        Event::CheckAgain { now_ms: 5 },
        Event::StartAnswered { request: 42, answer: Err(network_error()) },
        Event::MethodsAnswered { request: 42, answer: Ok(vec![]) },
        Event::PayAnswered { request: 42, answer: Err(network_error()), now_ms: 5 },
        Event::StatusAnswered {
            request: 42,
            answer: Ok(PaymentStatus::Paid),
            order: None,
            now_ms: 5,
            random: 0.5,
            held_ms: 30,
        },
    ];
    let (waiting_start, _) = mount(None, None);
    let (awaiting_redirect, _) = step(choosing(), Event::Pay);
    let (redirecting, _) = step(
        awaiting_redirect.clone(),
        Event::PayAnswered { request: 2, answer: redirect("https://checkout.ioka.kz/x"), now_ms: 1 },
    );
    let (final_paid, _) = answer(polling(None), 1, Ok(PaymentStatus::Paid), 2_000);
    let states = [waiting_start, awaiting_redirect, final_paid];
    for flow in states {
        for e in strays.iter().filter(|e| !matches!(e, Event::Pay | Event::NavigationFailed)) {
            let (after, fx) = step(flow.clone(), e.clone());
            assert_eq!(after, flow, "{e:?} in {:?}", flow.state);
            assert!(fx.is_empty(), "{e:?} in {:?}", flow.state);
        }
    }
    for e in strays.iter().filter(|e| !matches!(e, Event::NavigationFailed)) {
        let (after, fx) = step(redirecting.clone(), e.clone());
        assert_eq!(after, redirecting, "{e:?}");
        assert!(fx.is_empty());
    }
    // a second Mount never restarts a mounted flow
    let (after, fx) = step(
        choosing(),
        Event::Mount { now_ms: 1, journal: None, hint: None, provider_order_id: None, fresh_key: "z".into() },
    );
    assert_eq!(after, choosing());
    assert!(fx.is_empty());
}

#[test]
fn return_hints_parse() {
    assert_eq!(ReturnHint::from_query_value("success"), Some(ReturnHint::Success));
    assert_eq!(ReturnHint::from_query_value("failure"), Some(ReturnHint::Failure));
    assert_eq!(ReturnHint::from_query_value("back"), Some(ReturnHint::Back));
    assert_eq!(ReturnHint::from_query_value("paid"), None);
}

fn wallet() -> PaymentMethod {
    let mut m = PaymentMethod::plain("wallet_kzt_hpp", MethodKind::Wallet, "Wallet");
    m.fields = vec![crate::api::MethodField {
        key: "phone".into(),
        label: "Phone".into(),
        hint: None,
        pattern: Some(r"^\+7\d{10}$".into()),
        required: true,
    }];
    m
}

fn choosing_wallet() -> Flow {
    let (flow, _) = mount(None, None);
    let answer = started(PaymentStatus::Pending, vec![wallet(), method("card")]);
    step(flow, Event::StartAnswered { request: 1, answer }).0
}

fn form_of(flow: &Flow) -> MethodForm {
    match &flow.state {
        State::ChoosingMethod { form, .. } | State::AwaitingRedirect { form, .. } => form.clone(),
        other => panic!("no form in {other:?}"),
    }
}

#[test]
fn required_and_mismatched_fields_keep_pay_from_going_out() {
    let flow = choosing_wallet();
    let (flow, fx) = step(flow, Event::Pay);
    assert!(fx.is_empty(), "a required field is empty: nothing is sent");
    assert!(form_of(&flow).show_errors);
    assert_eq!(form_of(&flow).problems(&wallet()), [("phone".to_owned(), FieldProblem::Missing)]);

    let (flow, _) = step(flow, Event::Input { key: "phone".into(), value: "8701".into(), matches: false });
    let (flow, fx) = step(flow, Event::Pay);
    assert!(fx.is_empty());
    assert_eq!(form_of(&flow).problems(&wallet()), [("phone".to_owned(), FieldProblem::Mismatch)]);

    let (flow, _) = step(flow, Event::Input { key: "phone".into(), value: " +77011234567 ".into(), matches: true });
    let (flow, fx) = step(flow, Event::Pay);
    let fields = FieldValues(vec![("phone".to_owned(), "+77011234567".to_owned())]);
    assert_eq!(fx, [call_pay(2, "wallet_kzt_hpp", fields, false)]);

    // An error on the way back keeps what was typed.
    let error = CheckoutError::new(ErrorCode::BackendError, "refused", false);
    let (flow, _) = step(flow, Event::PayAnswered { request: 2, answer: Err(error), now_ms: 5 });
    let (flow, _) = step(flow, Event::Retry { fresh_key: "k2".into() });
    assert_eq!(form_of(&flow).values.get("phone"), Some(" +77011234567 "));
    assert!(!form_of(&flow).show_errors);
}

#[test]
fn fields_of_another_method_are_not_sent() {
    let flow = choosing_wallet();
    let (flow, _) = step(flow, Event::Input { key: "phone".into(), value: "+77011234567".into(), matches: true });
    let (flow, _) = step(flow, Event::Select { method_id: "card".into() });
    let (_, fx) = step(flow, Event::Pay);
    assert_eq!(fx, [call_pay(2, "card", FieldValues::default(), false)]);
}

#[test]
fn a_placed_order_ends_without_a_redirect() {
    let (flow, _) = step(choosing(), Event::Pay);
    let (flow, fx) = step(flow.clone(), Event::OrderPlaced { request: 9 });
    assert!(fx.is_empty(), "an answer to another request is ignored");
    let (flow, fx) = step(flow, Event::OrderPlaced { request: 2 });
    assert_eq!(flow.state, State::Placed { attempt: attempt() });
    assert_eq!(fx, [Effect::ClearJournal, Effect::Notify(Notify::Placed { method_id: "card".into() })]);
    let (_, fx) = step(flow, Event::Pay);
    assert!(fx.is_empty());
}

#[test]
fn the_backend_can_ask_for_a_sign_in_and_refuse_a_wrong_one() {
    let (flow, _) = mount(None, None);
    let required = CheckoutError::from_backend_status(401, Some("SIGN_IN_REQUIRED"), "sign in");
    let (flow, fx) = step(flow, Event::StartAnswered { request: 1, answer: Err(required) });
    assert!(fx.is_empty(), "no error event: a form is not an error");
    assert_eq!(flow.state, State::SigningIn { idempotency_key: KEY.into(), refused: false });

    let sign_in = SignInCredentials { email: "u@x.kz".into(), password: "wrong".into() };
    assert!(!format!("{sign_in:?}").contains("wrong"), "the password never prints");
    let (flow, fx) = step(flow, Event::SignIn(sign_in.clone()));
    assert_eq!(
        fx,
        [Effect::CallStart { request: 2, idempotency_key: KEY.into(), sign_in: Some(sign_in), user_token: None }]
    );
    let refused = CheckoutError::from_backend_status(401, Some("SIGN_IN_FAILED"), "wrong");
    let (flow, _) = step(flow, Event::StartAnswered { request: 2, answer: Err(refused) });
    assert_eq!(flow.state, State::SigningIn { idempotency_key: KEY.into(), refused: true });

    let right = SignInCredentials { email: "u@x.kz".into(), password: "right".into() };
    let (flow, _) = step(flow, Event::SignIn(right));
    let (flow, _) =
        step(flow, Event::StartAnswered { request: 3, answer: started(PaymentStatus::Pending, vec![method("cash")]) });
    assert!(matches!(flow.state, State::ChoosingMethod { .. }));

    // Any other refusal is an error with "try again", as before.
    let (flow, _) = mount(None, None);
    let other = CheckoutError::from_backend_status(400, Some("INVALID_REQUEST"), "bad");
    let (flow, _) = step(flow, Event::StartAnswered { request: 1, answer: Err(other) });
    assert!(matches!(flow.state, State::Failed { retry: Retry::Start, .. }));
}

#[test]
fn the_states_that_wait_for_the_shopper_are_where_focus_may_rest() {
    let (loading, _) = mount(None, None);
    assert!(!loading.state.awaits_shopper(), "loading: Tolem is working");
    let (choosing, _) = step(
        loading,
        Event::StartAnswered { request: 1, answer: started(PaymentStatus::Pending, vec![method("card")]) },
    );
    assert!(choosing.state.awaits_shopper(), "the methods wait for a choice");
    let (preparing, _) = step(choosing, Event::Pay);
    assert!(!preparing.state.awaits_shopper(), "Pay pressed: preparing the redirect");
    let redirecting = State::Redirecting { attempt: attempt(), url: "https://pay.example/x".into(), blocked: false };
    assert!(!redirecting.awaits_shopper(), "leaving for the provider");
    let blocked = State::Redirecting { attempt: attempt(), url: "https://pay.example/x".into(), blocked: true };
    assert!(blocked.awaits_shopper(), "the fallback link waits for a click");
    assert!(State::StillPending { attempt: attempt() }.awaits_shopper());
    assert!(State::Final { attempt: attempt(), status: PaymentStatus::Paid }.awaits_shopper());
}

#[test]
fn another_tab_paying_makes_this_one_watch_then_pay_here_takes_over() {
    let (flow, _) = step(choosing(), Event::Pay);
    // The edge found the order claimed by another tab: no navigation, no journal; watch.
    let (flow, fx) = step(flow, Event::PayingElsewhere { request: 2, now_ms: 5_000 });
    assert!(matches!(fx.as_slice(), [Effect::FetchStatus { request: 3, .. }]), "{fx:?}");
    assert!(matches!(flow.state, State::WatchingOtherTab { .. }), "{:?}", flow.state);
    assert!(!flow.state.awaits_shopper());
    // A stale answer to the old pay request changes nothing.
    let before = flow.clone();
    let (flow, fx) = step(flow, Event::PayingElsewhere { request: 2, now_ms: 5_100 });
    assert!(fx.is_empty());
    assert_eq!(flow, before);
    // The other tab's payment settles: this tab sees it through its own status read.
    let settled = Event::StatusAnswered {
        request: 3,
        answer: Ok(PaymentStatus::Paid),
        order: None,
        now_ms: 6_000,
        random: 0.5,
        held_ms: 30,
    };
    let (paid, fx) = step(flow.clone(), settled.clone());
    assert!(matches!(paid.state, State::Final { status: PaymentStatus::Paid, .. }));
    assert!(fx.contains(&Effect::ClearJournal));
    // Or the shopper pays here instead, with the method they had chosen.
    let (flow, fx) = step(flow, Event::PayHere);
    assert_eq!(fx, [Effect::CancelTick, call_pay(4, "card", FieldValues::default(), true)]);
    assert!(matches!(flow.state, State::AwaitingRedirect { request: 4, .. }));
    // The status answer still in flight is ignored now.
    let before = flow.clone();
    let (flow, _) = step(flow, settled);
    assert_eq!(flow, before);
}

#[test]
fn pay_here_means_nothing_unless_another_tab_holds_the_payment() {
    let (flow, _) = step(choosing(), Event::Pay);
    let (flow, _) = step(
        flow,
        Event::PayAnswered {
            request: 2,
            answer: redirect("https://stage-checkout.ioka.kz/orders/ord_1"),
            now_ms: 7_000,
        },
    );
    let before = flow.clone();
    let (flow, fx) = step(flow, Event::PayHere);
    assert!(fx.is_empty());
    assert_eq!(flow, before);
}

/// The `pay` call the flow asks for, for the test attempt.
fn call_pay(request: u64, method_id: &str, fields: FieldValues, take_over: bool) -> Effect {
    Effect::CallPay { request, attempt: attempt(), method_id: method_id.into(), fields, take_over }
}

#[test]
fn an_answer_for_another_order_or_amount_is_never_shown_as_paid() {
    // Resumed from a journal (which a shopper can edit): the first status answer names the
    // order; a later one about another order is refused, even when it says "paid".
    let flow = polling(Some(ReturnHint::Success));
    let (flow, _) = step(
        flow,
        Event::StatusAnswered {
            request: 1,
            answer: Ok(PaymentStatus::Pending),
            order: Some(order_a1()),
            now_ms: 2_000,
            random: 0.5,
            held_ms: 30,
        },
    );
    assert_eq!(flow.order, Some(order_a1()), "learned from the first answer");
    let (flow, _) = step(flow, Event::Tick { now_ms: 5_000 });
    let cheaper = OrderSummary { amount: MinorUnits(100), ..order_a1() };
    let (flow, fx) = step(
        flow,
        Event::StatusAnswered {
            request: 2,
            answer: Ok(PaymentStatus::Paid),
            order: Some(cheaper),
            now_ms: 5_100,
            random: 0.5,
            held_ms: 30,
        },
    );
    assert!(
        matches!(&flow.state, State::Failed { error, .. } if error.code == ErrorCode::BackendError),
        "{:?}",
        flow.state
    );
    assert!(!fx.iter().any(|e| matches!(e, Effect::Notify(Notify::Status { status: PaymentStatus::Paid }))));

    // Mounted for an order (the merchant said which): a start answer for another is refused.
    let expected = FlowConfig { expected: Some(order_a1()), ..config() };
    let (flow, _) = step(
        Flow::new(expected),
        Event::Mount { now_ms: 1, journal: None, hint: None, provider_order_id: None, fresh_key: KEY.into() },
    );
    let other = StartResponse {
        attempt_id: "att_9".into(),
        order: OrderSummary { order_id: "B-7".into(), ..order_a1() },
        status: PaymentStatus::Paid,
        methods: vec![],
        tokens: Default::default(),
        redirect_hosts: vec![],
    };
    let (flow, fx) = step(flow, Event::StartAnswered { request: 1, answer: Ok(StartAnswer::Attempt(other)) });
    assert!(matches!(flow.state, State::Failed { .. }), "{:?}", flow.state);
    assert!(!fx.iter().any(|e| matches!(e, Effect::Notify(Notify::Status { .. }))));
}

fn direct_config() -> FlowConfig {
    FlowConfig { provider: Provider::Oneentry, sign_in_at_provider: true, direct: true, ..config() }
}

fn direct_attempt() -> Attempt {
    Attempt { attempt_id: "A-1".into(), idempotency_key: KEY.into(), mode: Mode::OneEntryDirect }
}

fn token() -> UserToken {
    UserToken { access_token: "at".into(), refresh_token: Some("rt".into()) }
}

#[test]
fn a_sign_in_at_the_provider_hands_start_a_token_never_the_password() {
    let config = FlowConfig { provider: Provider::Oneentry, sign_in_at_provider: true, ..config() };
    let (flow, _) = step(
        Flow::new(config),
        Event::Mount { now_ms: 1_000, journal: None, hint: None, provider_order_id: None, fresh_key: KEY.into() },
    );
    let required = CheckoutError::from_backend_status(401, Some("SIGN_IN_REQUIRED"), "sign in");
    let (flow, _) = step(flow, Event::StartAnswered { request: 1, answer: Err(required) });
    let credentials = SignInCredentials { email: "u@x.kz".into(), password: "pw".into() };
    let (flow, fx) = step(flow, Event::SignIn(credentials.clone()));
    assert_eq!(fx, [Effect::SignInAtProvider { request: 2, credentials }]);
    // A refusal shows the form again, saying so.
    let (flow, fx) = step(flow, Event::SignedIn { request: 2, answer: Ok(SignedIn::Refused) });
    assert!(fx.is_empty());
    assert_eq!(flow.state, State::SigningIn { idempotency_key: KEY.into(), refused: true });
    let right = SignInCredentials { email: "u@x.kz".into(), password: "right".into() };
    let (flow, _) = step(flow, Event::SignIn(right));
    let (stale, fx) = step(flow.clone(), Event::SignedIn { request: 2, answer: Ok(SignedIn::Token(token())) });
    assert!(fx.is_empty(), "an answer to the first sign-in is stale");
    assert_eq!(stale, flow);
    let (flow, fx) = step(flow, Event::SignedIn { request: 3, answer: Ok(SignedIn::Token(token())) });
    assert_eq!(
        fx,
        [Effect::CallStart { request: 4, idempotency_key: KEY.into(), sign_in: None, user_token: Some(token()) }]
    );
    assert!(matches!(flow.state, State::AwaitingStart { request: 4, .. }));
}

#[test]
fn direct_mode_starts_at_the_provider_and_its_attempt_says_so() {
    let (flow, fx) = step(
        Flow::new(direct_config()),
        Event::Mount { now_ms: 1_000, journal: None, hint: None, provider_order_id: None, fresh_key: KEY.into() },
    );
    assert_eq!(fx, [Effect::StartDirect { request: 1, user_token: None }]);
    let (flow, fx) = step(flow, Event::DirectStartAnswered { request: 1, answer: Ok(DirectStart::SignInNeeded) });
    assert!(fx.is_empty(), "a form is not an error");
    assert_eq!(flow.state, State::SigningIn { idempotency_key: KEY.into(), refused: false });
    let credentials = SignInCredentials { email: "u@x.kz".into(), password: "pw".into() };
    let (flow, _) = step(flow, Event::SignIn(credentials));
    let (flow, fx) = step(flow, Event::SignedIn { request: 2, answer: Ok(SignedIn::Token(token())) });
    assert_eq!(fx, [Effect::StartDirect { request: 3, user_token: Some(token()) }]);
    let accounts = DirectStart::Accounts { status: PaymentStatus::Pending, methods: vec![method("stripe")] };
    let (flow, fx) = step(flow, Event::DirectStartAnswered { request: 3, answer: Ok(accounts) });
    assert_eq!(fx, [Effect::Notify(Notify::Ready)]);
    assert!(matches!(&flow.state, State::ChoosingMethod { attempt, .. } if *attempt == direct_attempt()));

    // A try already paid at the project ends the checkout at once.
    let (flow, _) = step(
        Flow::new(direct_config()),
        Event::Mount { now_ms: 1_000, journal: None, hint: None, provider_order_id: None, fresh_key: KEY.into() },
    );
    let paid = DirectStart::Accounts { status: PaymentStatus::Paid, methods: vec![method("stripe")] };
    let (flow, fx) = step(flow, Event::DirectStartAnswered { request: 1, answer: Ok(paid) });
    assert_eq!(flow.state, State::Final { attempt: direct_attempt(), status: PaymentStatus::Paid });
    assert_eq!(fx, [Effect::ClearJournal, Effect::Notify(Notify::Status { status: PaymentStatus::Paid })]);

    // Resumed from the journal, the attempt is still a direct one.
    let journal = JournalRecord::new(Provider::Oneentry, "A-1".into(), "A-1".into(), KEY.into(), 500);
    let (flow, fx) = step(
        Flow::new(direct_config()),
        Event::Mount {
            now_ms: 1_000,
            journal: Some(journal),
            hint: None,
            provider_order_id: None,
            fresh_key: KEY.into(),
        },
    );
    assert_eq!(fx, [Effect::FetchStatus { request: 1, attempt: direct_attempt(), wait: true }]);
    assert!(flow.state.is_confirming());
}

#[test]
fn a_page_that_is_not_ready_is_read_again_on_the_flows_own_timer_then_given_up() {
    let (flow, _) = step(choosing(), Event::Pay);
    let (flow, fx) = step(flow, Event::PageNotReady { request: 9 });
    assert!(fx.is_empty(), "an answer to another request is ignored");
    let wait = PageWait::default();
    let (mut flow, fx) = step(flow, Event::PageNotReady { request: 2 });
    assert_eq!(fx, [Effect::ScheduleTick { after_ms: wait.pause_ms }]);
    let mut request = 2;
    for _ in 1..wait.reads {
        let (next, fx) = step(flow, Event::Tick { now_ms: 2_000 });
        request += 1;
        assert_eq!(fx, [call_pay(request, "card", FieldValues::default(), true)], "the tab already holds the claim");
        let (next, fx) = step(next, Event::PageNotReady { request });
        assert_eq!(fx, [Effect::ScheduleTick { after_ms: wait.pause_ms }]);
        flow = next;
    }
    let (flow, _) = step(flow, Event::Tick { now_ms: 5_000 });
    request += 1;
    // The page appears on a later read: the shopper goes there.
    let (found, fx) = step(
        flow.clone(),
        Event::PayAnswered { request, answer: redirect("https://checkout.ioka.kz/orders/ord_late"), now_ms: 5_100 },
    );
    assert!(matches!(found.state, State::Redirecting { .. }), "{:?}", found.state);
    assert!(fx.iter().any(|e| matches!(e, Effect::Navigate(_))));
    // Or it never does: an error the shopper can retry from the methods.
    let (gave_up, fx) = step(flow, Event::PageNotReady { request });
    assert!(
        matches!(&gave_up.state, State::Failed { error, retry: Retry::Choose { .. } } if error.code == ErrorCode::ProviderError && error.retryable),
        "{:?}",
        gave_up.state
    );
    assert!(matches!(fx.as_slice(), [Effect::Notify(Notify::Error(_))]));
    // A tick while the pay request is in flight (no read pending) does nothing.
    let (flow, _) = step(choosing(), Event::Pay);
    let (same, fx) = step(flow.clone(), Event::Tick { now_ms: 2_000 });
    assert!(fx.is_empty());
    assert_eq!(same, flow);
}

#[test]
fn watching_another_tab_polls_on_its_own_schedule_and_stays_that_state() {
    let (flow, _) = step(choosing(), Event::Pay);
    let (flow, _) = step(flow, Event::PayingElsewhere { request: 2, now_ms: 5_000 });
    let (flow, fx) = step(
        flow,
        Event::StatusAnswered {
            request: 3,
            answer: Ok(PaymentStatus::Pending),
            order: None,
            now_ms: 5_500,
            random: 0.5,
            held_ms: 30,
        },
    );
    assert!(matches!(fx.as_slice(), [Effect::Notify(_), Effect::ScheduleTick { .. }]), "{fx:?}");
    assert!(matches!(flow.state, State::WatchingOtherTab { .. }));
    let (flow, fx) = step(flow, Event::Tick { now_ms: 6_500 });
    assert!(matches!(fx.as_slice(), [Effect::FetchStatus { request: 4, .. }]), "{fx:?}");
    let (flow, fx) = step(flow, Event::Visibility { hidden: true, now_ms: 6_600 });
    assert!(fx.is_empty(), "a request in flight is not cancelled");
    assert!(matches!(&flow.state, State::WatchingOtherTab { poll, .. } if poll.hidden));
}

fn saved(id: &str) -> PaymentMethod {
    PaymentMethod::plain(id, MethodKind::SavedCard, "555555******5599")
}

/// Choosing between a saved card (selected) and a new card.
fn choosing_saved() -> Flow {
    let (flow, _) = mount(None, None);
    let methods = vec![saved("card:crd_1"), method("card")];
    step(flow, Event::StartAnswered { request: 1, answer: started(PaymentStatus::Pending, methods) }).0
}

#[test]
fn a_charged_saved_card_follows_the_status_with_nothing_to_open() {
    let (flow, fx) = step(choosing_saved(), Event::Pay);
    assert!(matches!(&fx[..], [Effect::CallPay { request: 2, method_id, .. }] if method_id == "card:crd_1"));
    let (flow, fx) = step(flow.clone(), Event::Charged { request: 9, now_ms: 5_000 });
    assert!(fx.is_empty(), "an answer to another request is ignored");
    let (flow, fx) = step(flow, Event::Charged { request: 2, now_ms: 5_000 });
    let journal = JournalRecord::new(Provider::Ioka, "att_1".into(), "A-1".into(), KEY.into(), 5_000);
    assert_eq!(fx, [Effect::WriteJournal(journal), Effect::FetchStatus { request: 3, attempt: attempt(), wait: true }]);
    assert!(!fx.iter().any(|e| matches!(e, Effect::Navigate(_))), "nowhere to go");
    let (flow, fx) = answer(flow, 3, Ok(PaymentStatus::Paid), 5_200);
    assert!(matches!(flow.state, State::Final { status: PaymentStatus::Paid, .. }), "{:?}", flow.state);
    assert!(fx.contains(&Effect::ClearJournal));
}

#[test]
fn a_saved_card_is_removed_through_the_backend_and_leaves_the_list() {
    let (flow, fx) = step(choosing_saved(), Event::RemoveMethod { method_id: "card:crd_1".into() });
    assert_eq!(fx, [Effect::CallRemoveMethod { attempt: attempt(), method_id: "card:crd_1".into() }]);
    // a new card, or a method that is not there, is not the shopper's to remove
    for other in ["card", "card:crd_9"] {
        let (_, fx) = step(flow.clone(), Event::RemoveMethod { method_id: other.into() });
        assert!(fx.is_empty(), "{other}");
    }
    let refused = CheckoutError::new(ErrorCode::BackendError, "no", true);
    let (failed, _) = step(flow.clone(), Event::MethodRemoved { method_id: "card:crd_1".into(), answer: Err(refused) });
    assert!(matches!(failed.state, State::Failed { .. }), "the shopper is told, and can go back to the list");
    let (flow, fx) = step(flow, Event::MethodRemoved { method_id: "card:crd_1".into(), answer: Ok(()) });
    assert!(fx.is_empty());
    match &flow.state {
        State::ChoosingMethod { methods, selected, .. } => {
            assert_eq!(methods.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(), ["card"]);
            assert_eq!(selected.as_deref(), Some("card"), "the removed card was chosen: the next one is");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn ioka_token_mode_has_no_backend_to_remove_a_card_with() {
    let mut flow = choosing_saved();
    if let State::ChoosingMethod { attempt, .. } = &mut flow.state {
        attempt.mode = Mode::IokaToken { order_access_token: "ord_1_secret_a".into(), customer_access_token: None };
    }
    let (_, fx) = step(flow, Event::RemoveMethod { method_id: "card:crd_1".into() });
    assert!(fx.is_empty());
}

#[test]
fn a_held_answer_is_followed_at_once_and_a_prompt_one_on_the_backoff_schedule() {
    let held = |flow: Flow, request: u64, now_ms: u64| {
        step(
            flow,
            Event::StatusAnswered {
                request,
                answer: Ok(PaymentStatus::Pending),
                order: None,
                now_ms,
                random: 0.5,
                held_ms: 25_000,
            },
        )
    };
    let tick_after = |fx: &[Effect]| {
        fx.iter().find_map(|e| match e {
            Effect::ScheduleTick { after_ms } => Some(*after_ms),
            _ => None,
        })
    };
    // A backend that held the first two requests for the whole wait: ask again at once.
    let (flow, fx) = held(polling(Some(ReturnHint::Success)), 1, 26_000);
    assert_eq!(tick_after(&fx), Some(crate::poll::after_held_ms(0.5)));
    let (flow, _) = step(flow, Event::Tick { now_ms: 26_200 });
    let (flow, fx) = held(flow, 2, 51_300);
    assert_eq!(tick_after(&fx), Some(125));
    // Then one that answers at once (a backend that ignores `wait`, or news): the schedule
    // starts at its first step, not pushed on by the held answers.
    let (flow, _) = step(flow, Event::Tick { now_ms: 51_500 });
    let (flow, fx) = answer(flow, 3, Ok(PaymentStatus::Pending), 51_600);
    assert_eq!(tick_after(&fx), Some(PollPolicy::default().delay_ms(0, 0.5)));
    assert_eq!(in_flight(&flow), None);
    // A failed request is never taken for a held one, however long it took.
    let (flow, _) = step(flow, Event::Tick { now_ms: 53_000 });
    let (_, fx) = step(
        flow,
        Event::StatusAnswered {
            request: 4,
            answer: Err(network_error()),
            order: None,
            now_ms: 53_100,
            random: 0.5,
            held_ms: 40_000,
        },
    );
    assert_eq!(tick_after(&fx), Some(PollPolicy::default().delay_ms(1, 0.5)), "{fx:?}");
}

#[test]
fn after_the_providers_failure_or_back_way_the_backend_is_not_asked_to_hold() {
    let waits = |hint: Option<ReturnHint>| {
        let journal = JournalRecord::new(Provider::Ioka, "att_1".into(), "A-1".into(), KEY.into(), 500);
        let (_, fx) = mount(Some(journal), hint);
        fx.iter().find_map(|e| match e {
            Effect::FetchStatus { wait, .. } => Some(*wait),
            _ => None,
        })
    };
    assert_eq!(waits(Some(ReturnHint::Success)), Some(true));
    assert_eq!(waits(None), Some(true));
    // The grace for a late decline is counted in answers: they must come promptly.
    assert_eq!(waits(Some(ReturnHint::Failure)), Some(false));
    assert_eq!(waits(Some(ReturnHint::Back)), Some(false));
}
