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

#[cfg(test)]
mod tests {
    use super::*;

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
