//! Live-server etiquette: a request-rate limit, a deadline for the whole run, and a circuit
//! breaker that stops sending after N consecutive transport failures.
//!
//! Every request of a run (discovery, challenges, controls, cases) goes through one
//! [`super::Http`], which holds one [`Limits`]; so the rate is shared by all concurrent
//! cases, and once the breaker trips or the deadline passes nothing more is sent. The runner
//! asks [`Limits::stopped`] before a case and marks it `error` with that reason.
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;
use tokio::time::Instant;

/// Why a run sends nothing more.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Stop {
    /// The circuit breaker tripped: the target stopped answering.
    #[error("stopped after {after} consecutive errors: {last_error}")]
    Breaker { after: usize, last_error: String },
    /// `--deadline` passed.
    #[error("run deadline reached")]
    Deadline,
}

/// What the user asked for (`--rate`, `--deadline`, `--max-consecutive-errors`).
#[derive(Clone, Debug, PartialEq)]
pub struct LimitOptions {
    /// Requests per second, all cases together; `None`: no limit.
    pub rate: Option<f64>,
    /// The whole run, from the moment the limits are created; `None`: no deadline.
    pub deadline: Option<Duration>,
    /// Consecutive transport failures (no answer at all) before the run stops sending;
    /// 0 never stops.
    pub max_consecutive_errors: usize,
}

/// Default for `--max-consecutive-errors`: enough to ride out a few dropped connections,
/// few enough not to hammer a server that has gone away.
pub const DEFAULT_MAX_CONSECUTIVE_ERRORS: usize = 20;

impl Default for LimitOptions {
    fn default() -> Self {
        LimitOptions {
            rate: None,
            deadline: None,
            max_consecutive_errors: DEFAULT_MAX_CONSECUTIVE_ERRORS,
        }
    }
}

impl LimitOptions {
    /// Checks the numbers a user typed; the message names the flag.
    pub fn validate(&self) -> Result<(), super::OptionError> {
        if let Some(r) = self.rate {
            if !(r.is_finite() && r > 0.0 && r <= 100_000.0) {
                return Err(super::OptionError(format!(
                    "--rate must be a number of requests per second above 0 (got {r})"
                )));
            }
        }
        if let Some(d) = self.deadline {
            if d.is_zero() {
                return Err(super::OptionError(
                    "--deadline must be more than 0 seconds".into(),
                ));
            }
        }
        Ok(())
    }
}

pub struct Limits {
    rate: Option<RateLimiter>,
    deadline: Option<Instant>,
    breaker: Breaker,
}

impl Limits {
    pub fn new(opts: &LimitOptions) -> Limits {
        Limits {
            rate: opts.rate.map(RateLimiter::new),
            deadline: opts.deadline.map(|d| Instant::now() + d),
            breaker: Breaker::new(opts.max_consecutive_errors),
        }
    }

    pub fn rate_limited(&self) -> bool {
        self.rate.is_some()
    }

    /// Why nothing more may be sent, once the breaker has tripped or the deadline passed.
    pub fn stopped(&self) -> Option<Stop> {
        if let Some(why) = self.breaker.tripped.get() {
            return Some(why.clone());
        }
        match self.deadline {
            Some(d) if Instant::now() >= d => Some(Stop::Deadline),
            _ => None,
        }
    }

    /// Waits for the right to send one request (the rate limit); `Err` with the reason when
    /// the run has stopped, or would reach its deadline while waiting.
    pub async fn admit(&self) -> Result<(), Stop> {
        if let Some(why) = self.stopped() {
            return Err(why);
        }
        if let Some(rate) = &self.rate {
            let slot = rate.reserve();
            if matches!(self.deadline, Some(d) if slot >= d) {
                return Err(Stop::Deadline);
            }
            tokio::time::sleep_until(slot).await;
            // The breaker may have tripped while this request waited its turn.
            if let Some(why) = self.stopped() {
                return Err(why);
            }
        }
        Ok(())
    }

    /// Time left before the deadline (zero once passed); `None` without a deadline.
    pub fn remaining(&self) -> Option<Duration> {
        self.deadline
            .map(|d| d.saturating_duration_since(Instant::now()))
    }

    /// The server answered (any status): the failure streak is over.
    pub fn record_answer(&self) {
        self.breaker.consecutive.store(0, Ordering::SeqCst);
    }

    /// No answer at all (refused, reset, timed out, TLS failure).
    pub fn record_transport_failure(&self, error: &str) {
        self.breaker.failure(error);
    }
}

/// A token bucket of capacity one: requests leave at most every `1/rate` seconds. A larger
/// bucket would let a burst of `capacity` go out at once, so that some one-second window sees
/// up to twice the rate the user allowed; etiquette towards a live server wants the strict
/// reading of "R requests per second".
struct RateLimiter {
    interval: Duration,
    /// When the next request may leave.
    next: Mutex<Instant>,
}

impl RateLimiter {
    fn new(rate: f64) -> RateLimiter {
        RateLimiter {
            interval: Duration::from_secs_f64(1.0 / rate),
            next: Mutex::new(Instant::now()),
        }
    }

    /// Takes the next free slot and returns its time; callers sleep until then outside the
    /// lock, so concurrent cases queue in slot order.
    fn reserve(&self) -> Instant {
        let mut next = self.next.lock().unwrap_or_else(|p| p.into_inner());
        let slot = (*next).max(Instant::now());
        *next = slot + self.interval;
        slot
    }
}

struct Breaker {
    max: usize,
    consecutive: AtomicUsize,
    /// Set once, when the streak reaches `max`; never cleared, so an answer arriving later
    /// from a request already in flight does not restart a run the user was told had stopped.
    tripped: OnceLock<Stop>,
}

impl Breaker {
    fn new(max: usize) -> Breaker {
        Breaker {
            max,
            consecutive: AtomicUsize::new(0),
            tripped: OnceLock::new(),
        }
    }

    fn failure(&self, error: &str) {
        let n = self.consecutive.fetch_add(1, Ordering::SeqCst) + 1;
        if self.max == 0 || n < self.max {
            return;
        }
        let why = Stop::Breaker {
            after: self.max,
            last_error: error.to_string(),
        };
        if self.tripped.set(why.clone()).is_ok() {
            // Said at once on stderr: the user watching a run should know it has stopped
            // talking to the server, not find out from the report.
            eprintln!("abca-conformance: {why}; no further requests are sent, the remaining cases are marked error");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(rate: Option<f64>, deadline: Option<Duration>, max: usize) -> Limits {
        Limits::new(&LimitOptions {
            rate,
            deadline,
            max_consecutive_errors: max,
        })
    }

    #[tokio::test]
    async fn rate_spaces_requests() {
        let l = limits(Some(50.0), None, 0);
        let start = Instant::now();
        for _ in 0..11 {
            l.admit().await.unwrap();
        }
        // 11 requests at 50/s: the 11th leaves 10 intervals (200 ms) after the first.
        let took = start.elapsed();
        assert!(took >= Duration::from_millis(195), "{took:?}");
        assert!(took < Duration::from_millis(1500), "{took:?}");
    }

    #[tokio::test]
    async fn rate_is_shared_by_concurrent_callers() {
        let l = std::sync::Arc::new(limits(Some(40.0), None, 0));
        let start = Instant::now();
        let tasks: Vec<_> = (0..9)
            .map(|_| {
                let l = l.clone();
                tokio::spawn(async move { l.admit().await })
            })
            .collect();
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        // 9 at 40/s from 9 tasks at once: still 8 intervals of 25 ms.
        assert!(start.elapsed() >= Duration::from_millis(195));
    }

    #[tokio::test]
    async fn breaker_trips_after_n_consecutive_failures_only() {
        let l = limits(None, None, 3);
        l.record_transport_failure("refused");
        l.record_transport_failure("refused");
        l.record_answer();
        l.record_transport_failure("refused");
        l.record_transport_failure("refused");
        assert!(l.admit().await.is_ok(), "an answer resets the streak");
        l.record_transport_failure("reset by peer");
        let why = l.admit().await.unwrap_err();
        assert_eq!(
            why.to_string(),
            "stopped after 3 consecutive errors: reset by peer"
        );
        l.record_answer();
        assert_eq!(l.stopped(), Some(why), "stays stopped");
    }

    #[tokio::test]
    async fn breaker_zero_never_trips() {
        let l = limits(None, None, 0);
        for _ in 0..100 {
            l.record_transport_failure("x");
        }
        assert!(l.stopped().is_none());
    }

    #[tokio::test]
    async fn deadline_stops_admission() {
        let l = limits(None, Some(Duration::from_millis(50)), 0);
        assert!(l.admit().await.is_ok());
        tokio::time::sleep(Duration::from_millis(80)).await;
        assert_eq!(l.admit().await.unwrap_err(), Stop::Deadline);
        assert_eq!(l.remaining(), Some(Duration::ZERO));
    }

    #[tokio::test]
    async fn deadline_refuses_a_slot_beyond_it() {
        // 1 request per 10 s: the second slot lies past a 1 s deadline, so it is refused
        // now instead of sleeping through the deadline.
        let l = limits(Some(0.1), Some(Duration::from_secs(1)), 0);
        assert!(l.admit().await.is_ok());
        let start = Instant::now();
        assert_eq!(l.admit().await.unwrap_err(), Stop::Deadline);
        assert!(start.elapsed() < Duration::from_millis(500));
    }

    #[test]
    fn options_are_validated() {
        let bad = |rate, deadline| {
            LimitOptions {
                rate,
                deadline,
                ..LimitOptions::default()
            }
            .validate()
            .is_err()
        };
        assert!(bad(Some(0.0), None));
        assert!(bad(Some(-1.0), None));
        assert!(bad(Some(f64::NAN), None));
        assert!(bad(None, Some(Duration::ZERO)));
        assert!(!bad(Some(0.5), Some(Duration::from_secs(1))));
    }
}
