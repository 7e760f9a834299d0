//! The polling simulator behind `make bench`: how often a checkout asks for the payment
//! status after the shopper comes back, and how soon it shows the outcome, when the provider
//! settles after 5 s, 30 s, 5 min or not within 15 min.
//!
//! Nothing waits: a simulated clock jumps from event to event. Tolem is its real checkout
//! flow ([`tolem_core::flow::step`] with the default [`PollPolicy`]), fed the same events the
//! widget feeds it, against a backend that answers at once or one that holds the request
//! (the long poll, `wait`). Adyen's and Hyperswitch's schedules are reproduced from their
//! published code (see [`Schedule`]). Every status request takes [`SimConfig::latency_ms`];
//! the backend decides at the request's midpoint whether the payment has settled, and a
//! holding backend answers the moment it settles (the provider's notification), or after
//! [`MAX_WAIT_SECONDS`].

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use serde::Serialize;
use tolem_core::flow::{self, Effect, Event, Flow, FlowConfig, ReturnHint, State};
use tolem_core::journal::JournalRecord;
use tolem_core::poll::{PollPolicy, MAX_WAIT_SECONDS};
use tolem_core::providers::Provider;
use tolem_core::status::PaymentStatus;

/// Fifteen minutes: how long the simulation looks, and Adyen's countdown.
pub const HORIZON_MS: u64 = 15 * 60 * 1000;

/// A polling schedule to compare.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Schedule {
    /// Tolem's checkout flow against a backend that holds each status request until the
    /// status changes, at most 25 s (Tolem's reference backend).
    TolemLongPoll,
    /// Tolem's checkout flow against a backend that answers at once (one that ignores
    /// `wait`): its poll policy, 1 s growing ×1.5 to 10 s, ±20 % jitter, a 5 min budget, then
    /// "still being confirmed" with a "Check again" button.
    Tolem,
    /// Adyen Web's `usePaymentStatusTimer` (@adyen/adyen-web 6): the first request at once,
    /// then 2 s after each answer, 10 s once 60 s have passed, "expired" at 15 min.
    Adyen,
    /// Hyperswitch's web SDK: every 2 s after each answer, no cap.
    Hyperswitch,
}

impl Schedule {
    /// All four, in report order.
    pub const ALL: [Schedule; 4] = [Schedule::TolemLongPoll, Schedule::Tolem, Schedule::Adyen, Schedule::Hyperswitch];

    /// The display name.
    pub fn name(self) -> &'static str {
        match self {
            Schedule::TolemLongPoll => "Tolem, long poll",
            Schedule::Tolem => "Tolem, polling",
            Schedule::Adyen => "Adyen",
            Schedule::Hyperswitch => "Hyperswitch",
        }
    }
}

/// What the shopper is finally shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Ending {
    /// The payment's outcome.
    Outcome,
    /// Tolem: "still being confirmed" (the budget ran out), with "Check again".
    StillPending,
    /// Adyen: "payment expired".
    Expired,
    /// Still polling when the simulation stopped.
    StillPolling,
}

/// One simulation's knobs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct SimConfig {
    /// When the provider settles, after the shopper is back; `None`: not within the horizon.
    pub settle_after_ms: Option<u64>,
    /// How long each status request takes, end to end.
    pub latency_ms: u64,
    /// How many shoppers come back.
    pub shoppers: u32,
    /// They come back spread evenly at random over this window; each one's provider settles
    /// within ±10 % of `settle_after_ms` (the first shopper's exactly on it).
    pub arrival_window_ms: u64,
    /// Seed of the random numbers (arrivals and Tolem's jitter).
    pub seed: u64,
}

/// One shopper's figures.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ShopperResult {
    /// Status requests made within the horizon.
    pub requests: u32,
    /// From the provider settling to the shopper seeing the outcome; `None` if never shown.
    pub seen_after_settle_ms: Option<u64>,
    /// When polling stopped (outcome, still pending or expired), after the shopper is back.
    pub stopped_at_ms: Option<u64>,
}

/// A whole run's figures.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RunResult {
    /// Whose polling schedule is simulated.
    pub schedule: Schedule,
    /// Shoppers, durations and backend behaviour of the run.
    pub config: SimConfig,
    /// What the first shopper (back at time 0) is shown.
    pub ending: Option<Ending>,
    /// The first shopper's figures.
    pub first: ShopperResult,
    /// Requests from all shoppers.
    pub total_requests: u64,
    /// Most requests in flight at once, all shoppers together.
    pub max_in_flight: u32,
    /// Most requests started within one second, all shoppers together.
    pub max_per_second: u32,
    /// Median, over the shoppers shown the outcome, of the delay from settling to seeing it.
    pub seen_after_p50_ms: Option<u64>,
    /// 95th percentile of the same.
    pub seen_after_p95_ms: Option<u64>,
}

/// What a poller asks the simulator to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Action {
    /// Send a status request; `wait`: ask the backend to hold it.
    Request { wait: bool },
    /// Fire [`Poller::timer`] after a delay (replacing the scheduled one).
    Timer(u64),
    /// Cancel the scheduled timer.
    CancelTimer,
    /// Fire [`Poller::deadline`] after this long (a countdown that runs beside the timer).
    Deadline(u64),
    /// Polling is over; the shopper is shown this.
    Done(Ending),
}

/// One shopper's checkout, asking for the status.
trait Poller {
    fn start(&mut self, now_ms: u64) -> Vec<Action>;
    fn answered(&mut self, now_ms: u64, settled: bool, held_ms: u64) -> Vec<Action>;
    fn timer(&mut self, now_ms: u64) -> Vec<Action>;
    fn deadline(&mut self, _now_ms: u64) -> Vec<Action> {
        vec![]
    }
}

/// The longest a holding backend keeps a status request.
const MAX_WAIT_MS: u64 = MAX_WAIT_SECONDS * 1000;

/// The simulation's epoch: shoppers come back from here on (ms since 1970, for the journal).
const EPOCH_MS: u64 = 1_800_000_000_000;

/// Tolem: the real flow, mounted with a journal as the widget is when the shopper is back.
struct TolemPoller {
    flow: Option<Flow>,
    request: u64,
    rng: Rng,
}

impl TolemPoller {
    fn new(rng: Rng) -> Self {
        let config = FlowConfig {
            provider: Provider::Ioka,
            order_id: "A-1".into(),
            expected: None,
            policy: PollPolicy::default(),
            sandbox: None,
            redirect_hosts: Vec::new(),
            new_tab: false,
            sign_in_at_provider: false,
            direct: false,
        };
        TolemPoller { flow: Some(Flow::new(config)), request: 0, rng }
    }

    fn feed(&mut self, event: Event) -> Vec<Action> {
        let Some(flow) = self.flow.take() else { return vec![] };
        let (flow, effects) = flow::step(flow, event);
        let mut actions = Vec::new();
        for effect in effects {
            match effect {
                Effect::FetchStatus { request, wait, .. } => {
                    self.request = request;
                    actions.push(Action::Request { wait });
                }
                Effect::ScheduleTick { after_ms } => actions.push(Action::Timer(u64::from(after_ms))),
                Effect::CancelTick => actions.push(Action::CancelTimer),
                _ => {}
            }
        }
        match flow.state {
            State::Final { .. } => actions.push(Action::Done(Ending::Outcome)),
            State::StillPending { .. } => actions.push(Action::Done(Ending::StillPending)),
            _ => {}
        }
        self.flow = Some(flow);
        actions
    }
}

impl Poller for TolemPoller {
    fn start(&mut self, now_ms: u64) -> Vec<Action> {
        let now_ms = EPOCH_MS + now_ms;
        let journal = JournalRecord::new(Provider::Ioka, "att_1".into(), "A-1".into(), "key".into(), now_ms);
        self.feed(Event::Mount {
            now_ms,
            journal: Some(journal),
            hint: Some(ReturnHint::Success),
            provider_order_id: None,
            fresh_key: "key".into(),
        })
    }

    fn answered(&mut self, now_ms: u64, settled: bool, held_ms: u64) -> Vec<Action> {
        let status = if settled { PaymentStatus::Paid } else { PaymentStatus::Pending };
        let random = self.rng.unit();
        let event = Event::StatusAnswered {
            request: self.request,
            answer: Ok(status),
            order: None,
            now_ms: EPOCH_MS + now_ms,
            random,
            held_ms,
        };
        self.feed(event)
    }

    fn timer(&mut self, now_ms: u64) -> Vec<Action> {
        self.feed(Event::Tick { now_ms: EPOCH_MS + now_ms })
    }
}

/// A fixed-interval poller: Adyen's two-speed timer with its countdown, or Hyperswitch's.
struct IntervalPoller {
    started_ms: u64,
    delay_ms: u64,
    /// After this long, the delay becomes `slow_delay_ms` (Adyen's throttle).
    slow_after_ms: Option<(u64, u64)>,
    /// After this long, "expired" (Adyen's countdown).
    expires_after_ms: Option<u64>,
}

impl IntervalPoller {
    fn adyen() -> Self {
        IntervalPoller {
            started_ms: 0,
            delay_ms: 2_000,
            slow_after_ms: Some((60_000, 10_000)),
            expires_after_ms: Some(HORIZON_MS),
        }
    }

    fn hyperswitch() -> Self {
        IntervalPoller { started_ms: 0, delay_ms: 2_000, slow_after_ms: None, expires_after_ms: None }
    }
}

impl Poller for IntervalPoller {
    fn start(&mut self, now_ms: u64) -> Vec<Action> {
        self.started_ms = now_ms;
        let mut actions = vec![Action::Request { wait: false }];
        actions.extend(self.expires_after_ms.map(Action::Deadline));
        actions
    }

    fn answered(&mut self, now_ms: u64, settled: bool, _held_ms: u64) -> Vec<Action> {
        if settled {
            return vec![Action::Done(Ending::Outcome)];
        }
        let delay = match self.slow_after_ms {
            Some((after, slow)) if now_ms - self.started_ms >= after => slow,
            _ => self.delay_ms,
        };
        vec![Action::Timer(delay)]
    }

    fn timer(&mut self, _now_ms: u64) -> Vec<Action> {
        vec![Action::Request { wait: false }]
    }

    fn deadline(&mut self, _now_ms: u64) -> Vec<Action> {
        vec![Action::Done(Ending::Expired)]
    }
}

/// A small deterministic random source (xorshift64*), so runs are reproducible.
#[derive(Clone, Copy, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed (0 is replaced).
    pub fn new(seed: u64) -> Self {
        Rng(if seed == 0 { 0x9E37_79B9_7F4A_7C15 } else { seed })
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        // 53 random bits: exact in an f64
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Due {
    /// A shopper comes back.
    Arrive,
    /// A request's answer arrives; `settled` was decided at the backend, which held the
    /// request `held_ms` first.
    Answer { settled: bool, held_ms: u64 },
    /// A timer of the given generation fires.
    Timer { generation: u64 },
    /// The countdown ends.
    Deadline,
}

struct Shopper {
    poller: Box<dyn Poller>,
    back_ms: u64,
    settle_ms: Option<u64>,
    timer_generation: u64,
    done: Option<(Ending, u64)>,
    requests: u32,
}

/// Runs one schedule under one configuration.
pub fn simulate(schedule: Schedule, config: SimConfig) -> RunResult {
    let mut rng = Rng::new(config.seed);
    let mut shoppers: Vec<Shopper> = (0..config.shoppers.max(1))
        .map(|n| {
            // the first shopper is back at 0: the one whose figures are reported
            let back_ms = if n == 0 { 0 } else { (rng.unit() * config.arrival_window_ms as f64) as u64 };
            let poller: Box<dyn Poller> = match schedule {
                Schedule::Tolem | Schedule::TolemLongPoll => Box::new(TolemPoller::new(Rng::new(rng.next_u64()))),
                Schedule::Adyen => Box::new(IntervalPoller::adyen()),
                Schedule::Hyperswitch => Box::new(IntervalPoller::hyperswitch()),
            };
            // the crowd's providers settle within ±10 % of the scenario's time, so no schedule
            // is lucky or unlucky with the phase of its timer
            let spread = if n == 0 { 1.0 } else { 0.9 + 0.2 * rng.unit() };
            let settle_ms = config.settle_after_ms.map(|s| back_ms + (s as f64 * spread) as u64);
            Shopper { poller, back_ms, settle_ms, timer_generation: 0, done: None, requests: 0 }
        })
        .collect();

    // (due time, sequence, shopper, what): the sequence keeps equal times in order
    let mut queue: BinaryHeap<Reverse<(u64, u64, usize, Due)>> = BinaryHeap::new();
    let mut sequence = 0u64;
    for (index, shopper) in shoppers.iter().enumerate() {
        queue.push(Reverse((shopper.back_ms, sequence, index, Due::Arrive)));
        sequence += 1;
    }
    let mut in_flight = 0u32;
    let mut max_in_flight = 0u32;
    let mut total_requests = 0u64;
    let mut per_second: Vec<u32> = Vec::new();

    while let Some(Reverse((now, _, index, due))) = queue.pop() {
        let Some(shopper) = shoppers.get_mut(index) else { continue };
        if now > shopper.back_ms + HORIZON_MS {
            continue;
        }
        let local = now - shopper.back_ms;
        if let Due::Answer { .. } = due {
            in_flight -= 1;
        }
        if shopper.done.is_some() {
            // the shopper has been shown the end: late answers and timers change nothing
            continue;
        }
        let actions = match due {
            Due::Arrive => shopper.poller.start(local),
            Due::Answer { settled, held_ms } => shopper.poller.answered(local, settled, held_ms),
            Due::Timer { generation } if generation == shopper.timer_generation => shopper.poller.timer(local),
            Due::Timer { .. } => continue,
            Due::Deadline => shopper.poller.deadline(local),
        };
        for action in actions {
            match action {
                Action::Request { wait } => {
                    shopper.requests += 1;
                    total_requests += 1;
                    in_flight += 1;
                    max_in_flight = max_in_flight.max(in_flight);
                    let second = usize::try_from(now / 1000).unwrap_or(usize::MAX);
                    if per_second.len() <= second {
                        per_second.resize(second + 1, 0);
                    }
                    if let Some(count) = per_second.get_mut(second) {
                        *count += 1;
                    }
                    let at_backend = now + config.latency_ms / 2;
                    let holds = wait && schedule == Schedule::TolemLongPoll;
                    let (settled, held_ms) = match shopper.settle_ms {
                        Some(s) if s <= at_backend => (true, 0),
                        Some(s) if holds && s <= at_backend + MAX_WAIT_MS => (true, s - at_backend),
                        _ if holds => (false, MAX_WAIT_MS),
                        _ => (false, 0),
                    };
                    let answer_at = now + config.latency_ms + held_ms;
                    queue.push(Reverse((answer_at, sequence, index, Due::Answer { settled, held_ms })));
                    sequence += 1;
                }
                Action::Timer(after_ms) => {
                    shopper.timer_generation += 1;
                    let generation = shopper.timer_generation;
                    queue.push(Reverse((now + after_ms, sequence, index, Due::Timer { generation })));
                    sequence += 1;
                }
                Action::CancelTimer => shopper.timer_generation += 1,
                Action::Deadline(after_ms) => {
                    queue.push(Reverse((now + after_ms, sequence, index, Due::Deadline)));
                    sequence += 1;
                }
                Action::Done(ending) => {
                    shopper.done.get_or_insert((ending, local));
                    shopper.timer_generation += 1;
                }
            }
        }
    }

    let mut delays: Vec<u64> = shoppers.iter().filter_map(|s| first_result(s).seen_after_settle_ms).collect();
    delays.sort_unstable();
    let percentile =
        |p: usize| (!delays.is_empty()).then(|| delays.get((delays.len() - 1) * p / 100).copied()).flatten();
    let first = shoppers.first().map(first_result).unwrap_or_default();
    let ending = shoppers.first().map(|s| s.done.map_or(Ending::StillPolling, |(e, _)| e));
    RunResult {
        schedule,
        config,
        ending,
        first,
        total_requests,
        max_in_flight,
        max_per_second: per_second.into_iter().max().unwrap_or(0),
        seen_after_p50_ms: percentile(50),
        seen_after_p95_ms: percentile(95),
    }
}

fn first_result(shopper: &Shopper) -> ShopperResult {
    let seen_after_settle_ms = match (shopper.done, shopper.settle_ms) {
        (Some((Ending::Outcome, at)), Some(settle)) => Some((shopper.back_ms + at).saturating_sub(settle)),
        _ => None,
    };
    ShopperResult { requests: shopper.requests, seen_after_settle_ms, stopped_at_ms: shopper.done.map(|(_, at)| at) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(settle_after_ms: Option<u64>) -> SimConfig {
        SimConfig { settle_after_ms, latency_ms: 200, shoppers: 1, arrival_window_ms: 0, seed: 7 }
    }

    #[test]
    fn hyperswitch_asks_every_two_seconds_after_each_answer() {
        // requests at 0, 2.2, 4.4, 6.6 s; the provider settles at 5 s, decided mid-request
        // (6.7 s), seen at 6.8 s
        let run = simulate(Schedule::Hyperswitch, one(Some(5_000)));
        assert_eq!(run.first.requests, 4);
        assert_eq!(run.first.seen_after_settle_ms, Some(1_800));
        assert_eq!(run.ending, Some(Ending::Outcome));
        // no cap: about one request per 2.2 s for the whole horizon
        let never = simulate(Schedule::Hyperswitch, one(None));
        assert_eq!(never.first.requests, 410);
        assert_eq!(never.ending, Some(Ending::StillPolling));
    }

    #[test]
    fn adyen_slows_down_after_a_minute_and_expires_at_fifteen() {
        let never = simulate(Schedule::Adyen, one(None));
        assert_eq!(never.ending, Some(Ending::Expired));
        assert_eq!(never.first.stopped_at_ms.map(|t| t / 1000), Some(900));
        // 28 requests in the first 60 s at 2.2 s, then one per 10.2 s for 14 minutes
        let requests = never.first.requests;
        assert!((100..=115).contains(&requests), "{requests}");
    }

    #[test]
    fn tolem_backs_off_and_stops_at_its_budget() {
        let never = simulate(Schedule::Tolem, one(None));
        assert_eq!(never.ending, Some(Ending::StillPending));
        let stopped = never.first.stopped_at_ms.unwrap_or(0);
        assert!((300_000..320_000).contains(&stopped), "{stopped}");
        let requests = never.first.requests;
        assert!((30..=45).contains(&requests), "{requests}");
        let quick = simulate(Schedule::Tolem, one(Some(5_000)));
        assert_eq!(quick.ending, Some(Ending::Outcome));
        assert!(quick.first.seen_after_settle_ms.is_some_and(|d| d < 5_000));
    }

    #[test]
    fn tolem_with_the_long_poll_sees_the_outcome_as_the_backend_learns_it() {
        // held 25 s, asked again at once, held until the provider settles at 30 s: the answer
        // takes the second half of the request's way back
        let settles = simulate(Schedule::TolemLongPoll, one(Some(30_000)));
        assert_eq!(settles.ending, Some(Ending::Outcome));
        assert_eq!(settles.first.requests, 2);
        assert_eq!(settles.first.seen_after_settle_ms, Some(100));
        // never: one request per 25 s until the 5-minute budget, then "still being confirmed"
        let never = simulate(Schedule::TolemLongPoll, one(None));
        assert_eq!(never.ending, Some(Ending::StillPending));
        let requests = never.first.requests;
        assert!((11..=14).contains(&requests), "{requests}");
        // the backend that ignores `wait` gets the polling schedule, the same flow
        let polling = simulate(Schedule::Tolem, one(Some(30_000)));
        assert!(polling.first.requests > settles.first.requests);
    }

    #[test]
    fn one_shopper_never_has_two_requests_in_flight() {
        for schedule in Schedule::ALL {
            assert_eq!(simulate(schedule, one(None)).max_in_flight, 1, "{schedule:?}");
        }
    }

    #[test]
    fn a_crowd_counts_every_request_and_its_peak() {
        let crowd = SimConfig { shoppers: 100, arrival_window_ms: 10_000, ..one(Some(30_000)) };
        let run = simulate(Schedule::Hyperswitch, crowd);
        // each shopper asks every 2.2 s until its provider settles between 27 and 33 s: 13 to
        // 16 requests each (the first shopper, settling at 30 s exactly, makes 15)
        assert_eq!(run.first.requests, 15);
        assert!((100 * 13..=100 * 16).contains(&run.total_requests), "{}", run.total_requests);
        assert!(run.max_in_flight > 1 && run.max_in_flight <= 100);
        assert!(run.max_per_second >= run.max_in_flight / 2);
        // a 2.2 s cycle: everyone sees it within one cycle and a request
        let p95 = run.seen_after_p95_ms.unwrap_or(u64::MAX);
        assert!(run.seen_after_p50_ms.unwrap_or(u64::MAX) <= p95 && p95 <= 2_400, "{p95}");
    }

    #[test]
    fn the_random_source_is_uniform_enough_and_repeatable() {
        let mut a = Rng::new(1);
        let mut b = Rng::new(1);
        let xs: Vec<f64> = (0..10_000).map(|_| a.unit()).collect();
        assert!(xs.iter().all(|x| (0.0..1.0).contains(x)));
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        assert!((0.48..0.52).contains(&mean), "{mean}");
        assert_eq!(xs.first().copied(), Some(b.unit()));
    }
}
