//! Challenges fetched ahead (issue 17 §6). While the preflight runs its few dependent steps
//! (the challenge check, then the controls), most of the run's places in flight are idle; they
//! fetch challenges for the first cases, so that those cases start with their own request
//! instead of a round trip to the challenge endpoint. The run sends the same number of
//! requests (each case still uses a challenge of its own, never one another case used); it
//! sends fewer of them after the preflight, where the in-flight limit is the bottleneck.
//!
//! A challenge fetched ahead is only used while it is young ([`MAX_AGE`]): the draft leaves
//! the lifetime to the server (-10 §6.1 / -11 §6.3 "the Authorization Server MAY ... expire"),
//! and a case must not be refused for a stale challenge instead of for the rule it tests (a
//! stale one is answered with `use_attestation_challenge`, and the case retries with the fresh
//! challenge from that error, runner/steps.rs, but that costs the round trip saved).
use crate::checks::{self, ChallengeError, Issued};
use crate::exchange::Http;
use crate::report::Exchange;
use crate::target::Target;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// How old a challenge fetched ahead may be when a case takes it. The preflight and the first
/// cases take well under a second on a 50 ms network; servers keep challenges for minutes
/// (the reference AS 300 s). A target that declares a shorter `challenge_lifetime` gets a
/// third of it.
pub const MAX_AGE: Duration = Duration::from_secs(5);

/// The purpose of a challenge exchange fetched ahead, in the report of the case that used it.
pub const PURPOSE: &str = "challenge (fetched ahead)";

/// Challenges fetched ahead per place in flight at most (and never more than the cases that
/// send a request): enough for the first waves of cases, few enough that a run the preflight
/// stops wastes little.
pub const AHEAD_PER_PLACE: usize = 4;

/// One challenge fetched ahead: what the endpoint issued, the exchange (it goes into the
/// report of the case that uses it), and when.
struct Fetched {
    issued: Issued,
    exchange: Exchange,
    at: Instant,
}

/// The run's supply of challenges: those fetched ahead, else one fetched when asked.
pub struct Challenges<'a> {
    target: &'a Target,
    http: &'a Http,
    ready: Mutex<VecDeque<Fetched>>,
    /// [`MAX_AGE`], or less for a target whose challenges live shorter.
    max_age: Duration,
    /// Set when the preflight is over (or a fetch ahead failed): no more fetches ahead start.
    done: AtomicBool,
}

impl<'a> Challenges<'a> {
    pub fn new(target: &'a Target, http: &'a Http) -> Self {
        Challenges {
            target,
            http,
            ready: Mutex::new(VecDeque::new()),
            max_age: target
                .policy()
                .challenge_lifetime
                .map_or(MAX_AGE, |s| MAX_AGE.min(Duration::from_secs(s) / 3)),
            done: AtomicBool::new(false),
        }
    }

    /// A fresh challenge for one request: one fetched ahead while it is young (its exchange
    /// goes into `exchanges`), else one fetched now. Never the same challenge twice.
    pub async fn take(&self, exchanges: &mut Vec<Exchange>) -> Result<Issued, ChallengeError> {
        if let Some(f) = self.young() {
            exchanges.push(f.exchange);
            return Ok(f.issued);
        }
        checks::get_challenge(self.target, self.http, exchanges).await
    }

    fn young(&self) -> Option<Fetched> {
        let mut ready = self.ready.lock().unwrap_or_else(|e| e.into_inner());
        // Oldest first: the ones at the front are the first to grow stale.
        while let Some(f) = ready.pop_front() {
            if f.at.elapsed() < self.max_age {
                return Some(f);
            }
        }
        None
    }

    /// Fetches up to `count` challenges ahead, `workers` at a time, each holding a place of
    /// `sem` (the run's in-flight limit, which the preflight shares), until [`Self::stop`].
    /// Does nothing when the server hands out no challenges, or under `--rate` (there the
    /// rate, not the round trip, bounds the run, and a fetch ahead would delay the preflight).
    pub async fn fill(&self, sem: &Semaphore, workers: usize, count: usize) {
        if self.target.challenge_endpoint.is_none() || self.http.rate_limited() || count == 0 {
            return;
        }
        // Fetches ahead still allowed, shared by the workers.
        let budget = AtomicUsize::new(count);
        let claim = || {
            budget
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |b| b.checked_sub(1))
                .is_ok()
        };
        let worker = || async {
            while !self.done.load(Ordering::Relaxed) && claim() {
                let Ok(_place) = sem.acquire().await else {
                    return;
                };
                // The preflight may have ended while this worker waited for a place.
                if self.done.load(Ordering::Relaxed) {
                    return;
                }
                let mut exchanges = Vec::with_capacity(1);
                let at = Instant::now();
                // With an endpoint, an `Ok` holds a challenge or a DPoP nonce (checks.rs), and
                // its one exchange.
                match checks::get_challenge(self.target, self.http, &mut exchanges).await {
                    Ok(issued) => {
                        let Some(mut exchange) = exchanges.pop() else {
                            return;
                        };
                        exchange.purpose = PURPOSE.into();
                        let mut ready = self.ready.lock().unwrap_or_else(|e| e.into_inner());
                        ready.push_back(Fetched {
                            issued,
                            exchange,
                            at,
                        });
                    }
                    // A failure is the cases' to find and report, each in its own request.
                    Err(_) => {
                        self.done.store(true, Ordering::Relaxed);
                        return;
                    }
                }
            }
        };
        futures::future::join_all((0..workers.max(1)).map(|_| worker())).await;
    }

    /// No more fetches ahead start (the preflight is over; the cases now fill the places).
    pub fn stop(&self) {
        self.done.store(true, Ordering::Relaxed);
    }
}
