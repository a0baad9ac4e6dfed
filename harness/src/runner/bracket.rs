//! Controls that bracket the run (docs/design.md, "Scenarios, cases and controls").
//!
//! A rejection proves something only while the server still accepts the valid request: a
//! server that locks a client out after a few failures (or after a replay, or a burst) would
//! otherwise earn a `pass` on every negative that follows, and a `fail` on every valid variant.
//! So a case whose verdict rests on a refusal (a negative that passed, a valid variant that
//! was refused) is held back until the positive control of its (mode, endpoint) has been sent
//! again *after* it finished; if that closing control is refused, the verdict becomes `error`
//! (inconclusive), with the closing exchange attached. Closing controls run every `every` finished cases and once
//! at the end, in the run's own concurrency limit, so the check costs one request per
//! (mode, endpoint) per round and adds no barrier between cases.
use super::cases::{ControlKey, FlowKind};
use super::steps::{self, Env, Executed};
use crate::report::CaseResult;
use crate::types::{Inconclusive, Verdict};
use crate::verdict::{Control, Outcome};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use tokio::sync::Semaphore;

/// Finished cases between two rounds of closing controls (at least this, or four times the
/// in-flight limit, so that a round is never mostly controls).
const MIN_ROUND: usize = 64;

/// Runs the valid request (or, for a flow key, the valid flow) of each key in `keys`,
/// within `sem`.
pub async fn run_controls(
    env: Env<'_>,
    sem: &Semaphore,
    keys: &[ControlKey],
) -> Vec<(ControlKey, Executed)> {
    futures::future::join_all(keys.iter().map(|&key| async move {
        let _permit = sem.acquire().await;
        let flow = key.flow.map(FlowKind::valid);
        let e = steps::execute(env, key.mode, key.endpoint, flow.as_ref(), &[]).await;
        (key, e)
    }))
    .await
}

/// The state of a control from its execution.
pub fn control_state(outcome: &Outcome) -> Control {
    match outcome {
        Outcome::Reply(r) if r.accepted() => Control::Accepted,
        Outcome::Reply(r) => Control::NotAccepted(r.summary()),
        Outcome::Transport(t) | Outcome::Inconclusive(_, t) | Outcome::NotApplicable(t) => {
            Control::NotAccepted(t.clone())
        }
    }
}

/// A case waiting for its closing control.
struct Held {
    /// Its place in the run's results.
    index: usize,
    control: ControlKey,
    result: CaseResult,
}

/// Cases waiting for their closing control, and the ones already decided.
pub struct Bracket {
    every: usize,
    finished: AtomicUsize,
    held: Mutex<Vec<Held>>,
    decided: Mutex<Vec<(usize, CaseResult)>>,
}

impl Bracket {
    pub fn new(jobs: usize) -> Self {
        Bracket {
            every: MIN_ROUND.max(4 * jobs),
            finished: AtomicUsize::new(0),
            held: Mutex::new(Vec::new()),
            decided: Mutex::new(Vec::new()),
        }
    }

    /// Holds a case back until a control sent after it confirms its verdict.
    pub fn hold(&self, index: usize, control: ControlKey, result: CaseResult) {
        lock(&self.held).push(Held {
            index,
            control,
            result,
        });
    }

    /// Counts a finished case; every `every` cases, closes the held ones. The caller must not
    /// hold a permit of `sem` (the closing controls need one each).
    pub async fn finished(&self, env: Env<'_>, sem: &Semaphore, on_result: super::OnResult<'_>) {
        let n = self.finished.fetch_add(1, Ordering::SeqCst) + 1;
        if n % self.every == 0 {
            self.close(env, sem, on_result).await;
        }
    }

    /// Sends the control of every held case again (they all finished before this call) and
    /// decides them: the verdict stands when it was accepted, else `error`.
    pub async fn close(&self, env: Env<'_>, sem: &Semaphore, on_result: super::OnResult<'_>) {
        let held = std::mem::take(&mut *lock(&self.held));
        if held.is_empty() {
            return;
        }
        let mut keys: Vec<ControlKey> = held.iter().map(|h| h.control).collect();
        keys.sort();
        keys.dedup();
        let closing = run_controls(env, sem, &keys).await;
        for Held {
            index,
            control,
            mut result,
        } in held
        {
            if let Some((_, e)) = closing.iter().find(|(k, _)| *k == control) {
                if let Control::NotAccepted(why) = control_state(&e.outcome) {
                    refused_after(&mut result, &why, e);
                }
            }
            on_result(&result);
            lock(&self.decided).push((index, result));
        }
    }

    /// The decided results, to replace the held ones by index.
    pub fn into_decided(self) -> Vec<(usize, CaseResult)> {
        self.decided.into_inner().unwrap_or_else(|e| e.into_inner())
    }
}

/// A pass whose closing control was refused: the rejection may be the server refusing the
/// client (a lock-out), not this request.
fn refused_after(result: &mut CaseResult, why: &str, closing: &Executed) {
    let was = result.verdict;
    result.verdict = Verdict::Error;
    result.inconclusive = Some(Inconclusive::ControlLost);
    result.reason = format!(
        "inconclusive: the valid request for this mode and endpoint, accepted before this case, was refused after it ({why}), so this case's answer may be the server refusing the client (a lock-out) rather than judging this request (it was {}: {})",
        was.as_str(),
        result.reason
    );
    result
        .exchanges
        .extend(closing.exchanges.iter().cloned().map(|mut x| {
            x.purpose = format!("closing positive control: {}", x.purpose);
            x
        }));
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
