//! The poll policy: when to ask for the status again, and when to stop asking.
//!
//! Pure arithmetic on inputs: the caller passes the attempt number and a random number,
//! so tests can replay any schedule. One request is in flight at a time (enforced by
//! [`crate::flow`]); the delay starts when the previous answer arrives.

/// Named constants, in the spirit of Adyen's `usePaymentStatusTimer` constants.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PollPolicy {
    /// Delay before the second request (the first goes out at once).
    pub initial_delay_ms: u32,
    /// Each delay is the previous one times this.
    pub factor: f64,
    /// Delays never exceed this.
    pub max_delay_ms: u32,
    /// ± this share of each delay is random, so a crowd of returning shoppers does not
    /// poll in lock-step.
    pub jitter: f64,
    /// After this long without a final status, stop and say "still being confirmed".
    pub budget_ms: u64,
}

impl Default for PollPolicy {
    fn default() -> Self {
        PollPolicy { initial_delay_ms: 1_000, factor: 1.5, max_delay_ms: 10_000, jitter: 0.2, budget_ms: 5 * 60 * 1000 }
    }
}

impl PollPolicy {
    /// The delay after answer number `attempt` (0 for the first answer), with `random`
    /// uniformly in `[0, 1)`.
    pub fn delay_ms(&self, attempt: u32, random: f64) -> u32 {
        let exponent = i32::try_from(attempt.min(64)).unwrap_or(64);
        let base = f64::from(self.initial_delay_ms) * self.factor.powi(exponent);
        let capped = base.min(f64::from(self.max_delay_ms));
        let random = if random.is_finite() { random.clamp(0.0, 1.0) } else { 0.5 };
        let spread = 1.0 - self.jitter + 2.0 * self.jitter * random;
        let ms = (capped * spread).round();
        if ms <= 0.0 {
            0
        } else if ms >= f64::from(u32::MAX) {
            u32::MAX
        } else {
            // in range, checked above
            ms as u32
        }
    }

    /// True when polling that began at `started_ms` has used its budget at `now_ms`.
    pub fn budget_spent(&self, started_ms: u64, now_ms: u64) -> bool {
        now_ms.saturating_sub(started_ms) >= self.budget_ms
    }
}

/// A pending answer that took at least this long was held by the backend (a long poll
/// that ran out with nothing new), not slowed down: the widget asks again at once.
pub const HELD_MS: u64 = 5_000;

/// The pause before asking again after a held answer: up to a quarter of a second, so the
/// shoppers whose waits ran out together do not all ask in the same millisecond.
pub fn after_held_ms(random: f64) -> u32 {
    let random = if random.is_finite() { random.clamp(0.0, 1.0) } else { 0.5 };
    // within 0..=250 by the clamp
    (250.0 * random).round() as u32
}

/// How long a backend answering a long poll (`GET /status?wait=`) may hold it, in seconds:
/// under the idle timeouts of common proxies and load balancers (60 s), with room to spare.
pub const MAX_WAIT_SECONDS: u64 = 25;

/// While shoppers wait on a pending attempt, how often the backend itself asks the provider
/// (once per attempt, however many wait): every second at first, then a tenth of how long
/// the attempt has been pending, at most every 30 s. A lost webhook is still noticed, and a
/// payment left open for an hour costs the provider a read every half minute, not every
/// second.
pub fn provider_read_every_ms(pending_for_ms: u64) -> u64 {
    (pending_for_ms / 10).clamp(1_000, 30_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn after_a_held_answer_the_next_ask_is_at_once() {
        assert_eq!([0.0, 0.5, 1.0, f64::NAN, -1.0].map(after_held_ms), [0, 125, 250, 125, 0]);
    }

    #[test]
    fn the_backends_own_reads_back_off_as_a_payment_stays_open() {
        let every: Vec<u64> =
            [0, 5_000, 10_000, 60_000, 300_000, 3_600_000].into_iter().map(provider_read_every_ms).collect();
        assert_eq!(every, [1_000, 1_000, 1_000, 6_000, 30_000, 30_000]);
        // reads in a pending quarter of an hour, read as soon as allowed
        let (mut t, mut reads) = (0u64, 0u32);
        while t < 15 * 60 * 1000 {
            t += provider_read_every_ms(t);
            reads += 1;
        }
        assert_eq!(reads, 66, "about one read in 14 s on average, against 900 at one a second");
    }

    #[test]
    fn backoff_grows_then_caps() {
        let p = PollPolicy::default();
        let middle: Vec<u32> = (0..10).map(|n| p.delay_ms(n, 0.5)).collect();
        assert_eq!(middle, [1000, 1500, 2250, 3375, 5063, 7594, 10000, 10000, 10000, 10000]);
        assert_eq!(p.delay_ms(1000, 0.5), 10_000);
    }

    #[test]
    fn jitter_stays_within_its_share() {
        let p = PollPolicy::default();
        assert_eq!(p.delay_ms(0, 0.0), 800);
        assert_eq!(p.delay_ms(0, 0.999_999), 1200);
        assert_eq!(p.delay_ms(20, 0.0), 8000);
        assert_eq!(p.delay_ms(20, 1.0), 12000);
        // garbage randomness cannot produce garbage delays
        assert_eq!(p.delay_ms(0, f64::NAN), 1000);
        assert_eq!(p.delay_ms(0, -3.0), 800);
    }

    #[test]
    fn budget() {
        let p = PollPolicy { budget_ms: 1000, ..PollPolicy::default() };
        assert!(!p.budget_spent(5_000, 5_999));
        assert!(p.budget_spent(5_000, 6_000));
        assert!(!p.budget_spent(5_000, 10), "a clock that goes backwards does not end polling");
    }

    /// Requests made by this policy in 15 minutes of "never settles": bounded, and far
    /// fewer than a fixed 2 s interval (450).
    #[test]
    fn requests_in_a_long_wait_are_bounded() {
        let p = PollPolicy { budget_ms: 15 * 60 * 1000, ..PollPolicy::default() };
        let (mut t, mut n) = (0u64, 0u32);
        while !p.budget_spent(0, t) {
            t += u64::from(p.delay_ms(n, 0.5));
            n += 1;
        }
        assert!((90..=100).contains(&n), "{n}");
    }
}
