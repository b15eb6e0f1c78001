//! Adaptive concurrency for one model provider.
//!
//! Requests to one provider (one origin: scheme, host and port) share a
//! [`Limiter`]. It starts at a moderate number of requests in flight and
//! grows while calls succeed: by one per success until the first sign of
//! overload (so the limit roughly doubles every round trip), then by one
//! per round trip. A 429, 503 or 529 halves the limit (once per round
//! trip: answers to requests sent before the cut do not cut again), and the
//! limit then stays put for a cool-down. A server-requested wait
//! (`Retry-After`, or a rate-limit header saying nothing is left) holds
//! every new request to that provider until it has passed.
//!
//! The limiter also keeps the requests that sleep before a retry, so the
//! progress display can say "retrying in 12 s after HTTP 429".

use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// Requests in flight at the start, when the cap allows.
const START: usize = 16;
/// How long the limit stays put after a cut, at least.
const COOL_DOWN: Duration = Duration::from_secs(2);

pub struct Limiter {
    origin: String,
    max: usize,
    state: Mutex<State>,
    cv: Condvar,
}

struct State {
    limit: f64,
    /// Below this, grow by one per success; above, by one per round trip.
    threshold: f64,
    in_flight: usize,
    /// No new request starts before this instant.
    hold_until: Option<(Instant, String)>,
    last_cut: Option<Instant>,
    grow_after: Option<Instant>,
    cuts: u64,
    retries: u64,
    next_wait_id: u64,
    waits: Vec<(u64, Instant, String)>,
}

/// A view of a limiter for progress displays.
#[derive(Debug, Clone, PartialEq)]
pub struct LimiterView {
    pub origin: String,
    pub limit: usize,
    pub in_flight: usize,
    /// Requests sleeping before a retry, and the soonest one's wait and reason.
    pub retrying: usize,
    pub next_retry: Option<(Duration, String)>,
    /// A provider-wide hold still in force.
    pub held: Option<(Duration, String)>,
    pub cuts: u64,
    pub retries: u64,
}

/// Permission to have one request in flight; given back on drop.
pub struct Permit<'a> {
    limiter: &'a Limiter,
    started: Instant,
}

impl Limiter {
    /// A limiter that never lets more than `max` requests fly at once.
    pub fn new(origin: &str, max: usize) -> Limiter {
        let max = max.max(1);
        Limiter {
            origin: origin.to_string(),
            max,
            state: Mutex::new(State {
                limit: START.min(max) as f64,
                threshold: max as f64,
                in_flight: 0,
                hold_until: None,
                last_cut: None,
                grow_after: None,
                cuts: 0,
                retries: 0,
                next_wait_id: 0,
                waits: Vec::new(),
            }),
            cv: Condvar::new(),
        }
    }

    /// Wait for a slot; None if `deadline` passes first.
    pub fn acquire(&self, deadline: Option<Instant>) -> Option<Permit<'_>> {
        let mut st = self.state.lock().unwrap();
        loop {
            let now = Instant::now();
            if deadline.is_some_and(|d| now >= d) {
                return None;
            }
            let held = st.hold_until.as_ref().map(|(t, _)| *t).filter(|t| *t > now);
            if held.is_none() {
                st.hold_until = None;
                if (st.in_flight as f64) < st.limit.floor().max(1.0) {
                    st.in_flight += 1;
                    return Some(Permit {
                        limiter: self,
                        started: now,
                    });
                }
            }
            // Wake on a release, at the end of a hold, or at the deadline.
            let mut wait = held.map_or(Duration::from_secs(1), |t| t - now);
            if let Some(d) = deadline {
                wait = wait.min(d.saturating_duration_since(now));
            }
            st = self
                .cv
                .wait_timeout(st, wait.max(Duration::from_millis(1)))
                .unwrap()
                .0;
        }
    }

    /// Hold every new request until `wait` has passed.
    pub fn hold(&self, wait: Duration, reason: &str) {
        let until = Instant::now() + wait;
        let mut st = self.state.lock().unwrap();
        if st.hold_until.as_ref().is_none_or(|(t, _)| *t < until) {
            st.hold_until = Some((until, reason.to_string()));
        }
    }

    /// Sleep `wait` before a retry, visible in [`Limiter::view`] meanwhile.
    pub fn retry_wait(&self, wait: Duration, reason: &str) {
        let id = {
            let mut st = self.state.lock().unwrap();
            st.retries += 1;
            st.next_wait_id += 1;
            let id = st.next_wait_id;
            st.waits
                .push((id, Instant::now() + wait, reason.to_string()));
            id
        };
        std::thread::sleep(wait);
        self.state.lock().unwrap().waits.retain(|w| w.0 != id);
    }

    pub fn view(&self) -> LimiterView {
        let st = self.state.lock().unwrap();
        let now = Instant::now();
        let next_retry = st
            .waits
            .iter()
            .min_by_key(|w| w.1)
            .map(|w| (w.1.saturating_duration_since(now), w.2.clone()));
        LimiterView {
            origin: self.origin.clone(),
            limit: st.limit.floor().max(1.0) as usize,
            in_flight: st.in_flight,
            retrying: st.waits.len(),
            next_retry,
            held: st
                .hold_until
                .as_ref()
                .filter(|(t, _)| *t > now)
                .map(|(t, r)| (*t - now, r.clone())),
            cuts: st.cuts,
            retries: st.retries,
        }
    }
}

impl Permit<'_> {
    /// The call succeeded: grow.
    pub fn success(&self) {
        let mut st = self.limiter.state.lock().unwrap();
        if st.grow_after.is_some_and(|t| Instant::now() < t) {
            return;
        }
        let step = if st.limit < st.threshold {
            1.0
        } else {
            1.0 / st.limit
        };
        st.limit = (st.limit + step).min(self.limiter.max as f64);
    }

    /// The server said it is overloaded or rate-limited: cut, once per
    /// round trip, and hold new requests for the wait it asked for.
    pub fn overloaded(&self, retry_after: Option<Duration>, reason: &str) {
        let now = Instant::now();
        let mut st = self.limiter.state.lock().unwrap();
        if st.last_cut.is_none_or(|t| self.started >= t) {
            st.limit = (st.limit / 2.0).max(1.0);
            st.threshold = st.limit;
            st.last_cut = Some(now);
            st.cuts += 1;
            st.grow_after = Some(now + retry_after.unwrap_or_default().max(COOL_DOWN));
        }
        if let Some(w) = retry_after {
            let until = now + w;
            if st.hold_until.as_ref().is_none_or(|(t, _)| *t < until) {
                st.hold_until = Some((until, reason.to_string()));
            }
        }
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        let mut st = self.limiter.state.lock().unwrap();
        st.in_flight -= 1;
        drop(st);
        self.limiter.cv.notify_all();
    }
}

/// The limiters of one run, one per provider origin, all capped at `max`.
pub struct Limiters {
    max: usize,
    by_origin: Mutex<HashMap<String, Arc<Limiter>>>,
}

impl Default for Limiters {
    fn default() -> Self {
        Limiters::new(START)
    }
}

impl std::fmt::Debug for Limiters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Limiters").field("max", &self.max).finish()
    }
}

impl Limiters {
    pub fn new(max: usize) -> Limiters {
        Limiters {
            max: max.max(1),
            by_origin: Mutex::new(HashMap::new()),
        }
    }

    /// The limiter for the origin of `url`.
    pub fn for_url(&self, url: &str) -> Arc<Limiter> {
        let origin = origin_of(url);
        self.by_origin
            .lock()
            .unwrap()
            .entry(origin.clone())
            .or_insert_with(|| Arc::new(Limiter::new(&origin, self.max)))
            .clone()
    }

    pub fn views(&self) -> Vec<LimiterView> {
        let mut v: Vec<LimiterView> = self
            .by_origin
            .lock()
            .unwrap()
            .values()
            .map(|l| l.view())
            .collect();
        v.sort_by(|a, b| a.origin.cmp(&b.origin));
        v
    }
}

/// `scheme://host:port` of a URL (the whole string if it has no path).
pub fn origin_of(url: &str) -> String {
    let after = url.find("://").map_or(0, |i| i + 3);
    match url[after..].find('/') {
        Some(i) => url[..after + i].to_string(),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_fast_then_slowly_and_cuts_once_per_round_trip() {
        let l = Limiter::new("http://x", 64);
        assert_eq!(l.view().limit, 16);
        for _ in 0..16 {
            l.acquire(None).unwrap().success();
        }
        assert_eq!(l.view().limit, 32);
        // Two requests in flight together both see 429: one cut, not two.
        let a = l.acquire(None).unwrap();
        let b = l.acquire(None).unwrap();
        a.overloaded(None, "HTTP 429");
        b.overloaded(None, "HTTP 429");
        drop((a, b));
        assert_eq!(l.view().limit, 16);
        assert_eq!(l.view().cuts, 1);
        // Cooling down: successes do not grow the limit yet.
        l.acquire(None).unwrap().success();
        assert_eq!(l.view().limit, 16);
        // A request sent after the cut may cut again.
        l.acquire(None).unwrap().overloaded(None, "HTTP 529");
        assert_eq!(l.view().limit, 8);
    }

    #[test]
    fn additive_growth_after_a_cut() {
        let l = Limiter::new("http://x", 64);
        {
            let mut st = l.state.lock().unwrap();
            st.limit = 10.0;
            st.threshold = 10.0;
        }
        for _ in 0..10 {
            l.acquire(None).unwrap().success();
        }
        let v = l.view().limit;
        assert!(v == 10 || v == 11, "one round trip adds about one: {v}");
    }

    #[test]
    fn caps_in_flight_and_honours_holds_and_deadlines() {
        let l = Limiter::new("http://x", 2);
        let a = l.acquire(None).unwrap();
        let _b = l.acquire(None).unwrap();
        let t = Instant::now();
        assert!(l
            .acquire(Some(Instant::now() + Duration::from_millis(50)))
            .is_none());
        assert!(t.elapsed() >= Duration::from_millis(50));
        drop(a);
        assert!(l.acquire(None).is_some());
        l.hold(
            Duration::from_millis(150),
            "x-ratelimit-remaining-requests: 0",
        );
        assert!(l.view().held.is_some());
        let t = Instant::now();
        drop(l.acquire(None).unwrap());
        assert!(t.elapsed() >= Duration::from_millis(140));
    }

    #[test]
    fn origins() {
        assert_eq!(
            origin_of("https://api.openai.com/v1/chat"),
            "https://api.openai.com"
        );
        assert_eq!(origin_of("http://127.0.0.1:9"), "http://127.0.0.1:9");
        let ls = Limiters::new(4);
        assert!(Arc::ptr_eq(
            &ls.for_url("http://h:1/v1"),
            &ls.for_url("http://h:1/other")
        ));
        assert!(!Arc::ptr_eq(
            &ls.for_url("http://h:1/v1"),
            &ls.for_url("http://h:2/v1")
        ));
    }
}
