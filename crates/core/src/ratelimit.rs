//! Per-client rate limits for the backend's `start` and `pay`: a token bucket per client,
//! pure arithmetic with the time passed in.

/// How many requests a client may make: `burst` at once, refilled at `per_minute`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    /// Sustained requests per minute.
    pub per_minute: u32,
    /// Requests allowed back to back before the limit bites.
    pub burst: u32,
}

/// One client's bucket.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bucket {
    tokens: f64,
    at_ms: u64,
}

impl Bucket {
    /// A full bucket at `now_ms`.
    pub fn full(limit: RateLimit, now_ms: u64) -> Bucket {
        Bucket { tokens: f64::from(limit.burst), at_ms: now_ms }
    }

    /// Takes one token at `now_ms`. `Err(ms)`: refused, try again in `ms` milliseconds.
    /// A clock that went backwards refills nothing.
    pub fn take(&mut self, limit: RateLimit, now_ms: u64) -> Result<(), u64> {
        let per_ms = f64::from(limit.per_minute) / 60_000.0;
        let elapsed = now_ms.saturating_sub(self.at_ms);
        // Exact for any realistic span (f64 holds integers up to 2^53 ms).
        self.tokens = (self.tokens + elapsed as f64 * per_ms).min(f64::from(limit.burst));
        self.at_ms = self.at_ms.max(now_ms);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            return Ok(());
        }
        if per_ms <= 0.0 {
            return Err(60_000);
        }
        let wait = ((1.0 - self.tokens) / per_ms).ceil();
        Err(if wait >= 60_000.0 { 60_000 } else { wait.max(1.0) as u64 })
    }

    /// True when the bucket is full again at `now_ms` (it can be forgotten).
    pub fn idle(&self, limit: RateLimit, now_ms: u64) -> bool {
        let per_ms = f64::from(limit.per_minute) / 60_000.0;
        self.tokens + now_ms.saturating_sub(self.at_ms) as f64 * per_ms >= f64::from(limit.burst)
    }
}

/// The client's address behind `trusted_proxies` proxies, read from `X-Forwarded-For`
/// (`forwarded`: the header's values in the order received). Each proxy appends the address
/// it was reached from, so the client is the `trusted_proxies`-th entry from the right;
/// entries further left were written by whoever sent the request and prove nothing. `None`
/// when no proxy is trusted, or the header does not have that many valid entries (then the
/// caller keys by the peer address).
pub fn forwarded_client(forwarded: &[&str], trusted_proxies: usize) -> Option<std::net::IpAddr> {
    if trusted_proxies == 0 {
        return None;
    }
    let hops: Vec<&str> = forwarded.iter().flat_map(|v| v.split(',')).map(str::trim).collect();
    let entry = hops.len().checked_sub(trusted_proxies).and_then(|i| hops.get(i))?;
    entry.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMIT: RateLimit = RateLimit { per_minute: 60, burst: 3 };

    #[test]
    fn a_burst_then_one_per_second() {
        let mut b = Bucket::full(LIMIT, 0);
        assert_eq!((b.take(LIMIT, 0), b.take(LIMIT, 0), b.take(LIMIT, 0)), (Ok(()), Ok(()), Ok(())));
        assert_eq!(b.take(LIMIT, 0), Err(1_000));
        assert_eq!(b.take(LIMIT, 400), Err(600), "the wait shrinks as time passes");
        assert_eq!(b.take(LIMIT, 1_000), Ok(()));
        assert_eq!(b.take(LIMIT, 1_000), Err(1_000));
        assert!(!b.idle(LIMIT, 1_000));
        assert!(b.idle(LIMIT, 4_000));
        // A long pause refills to the burst, not beyond.
        assert_eq!((b.take(LIMIT, 100_000), b.take(LIMIT, 100_000), b.take(LIMIT, 100_000)), (Ok(()), Ok(()), Ok(())));
        assert!(b.take(LIMIT, 100_000).is_err());
    }

    #[test]
    fn a_clock_going_backwards_refills_nothing_and_zero_rates_wait_a_minute() {
        let mut b = Bucket::full(LIMIT, 10_000);
        for _ in 0..3 {
            assert_eq!(b.take(LIMIT, 10_000), Ok(()));
        }
        assert!(b.take(LIMIT, 0).is_err());
        assert_eq!(b.take(LIMIT, 10_000), Err(1_000));
        let none = RateLimit { per_minute: 0, burst: 1 };
        let mut b = Bucket::full(none, 0);
        assert_eq!(b.take(none, 0), Ok(()));
        assert_eq!(b.take(none, u64::MAX), Err(60_000));
    }

    #[test]
    fn the_client_is_read_from_the_right_past_the_trusted_proxies() {
        use super::forwarded_client;
        use std::net::IpAddr;
        let ip = |s: &str| s.parse::<IpAddr>().ok();
        // One proxy: it appended the client's address last; what the client wrote is ignored.
        assert_eq!(forwarded_client(&["6.6.6.6, 203.0.113.7"], 1), ip("203.0.113.7"));
        assert_eq!(forwarded_client(&["6.6.6.6", "203.0.113.7"], 1), ip("203.0.113.7"), "two header lines");
        // Two proxies (a CDN, then a load balancer).
        assert_eq!(forwarded_client(&["1.1.1.1, 203.0.113.7, 10.0.0.2"], 2), ip("203.0.113.7"));
        assert_eq!(forwarded_client(&["10.0.0.2"], 2), None, "too few hops: the peer decides");
        assert_eq!(forwarded_client(&["1.1.1.1, 203.0.113.7"], 0), None, "no proxy trusted");
        assert_eq!(forwarded_client(&["1.1.1.1, not-an-ip"], 1), None);
        assert_eq!(forwarded_client(&[" 2001:db8::1 "], 1), ip("2001:db8::1"));
    }
}
