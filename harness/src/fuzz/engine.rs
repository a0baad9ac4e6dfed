//! The fuzz run: the positive controls, then each generated case fired at the target through
//! runner::steps (challenge handling and retries included) and judged against the oracle with
//! the suite's own verdict rules; on a mismatch, proptest's shrinking (the case's ValueTree,
//! simplified and complicated as proptest's TestRunner does) against the live server, and a
//! re-check of the shrunk case.
//!
//! Case `n` of seed `S` is drawn from its own RNG seeded by (S, n), so the same seed gives the
//! same cases whatever `--jobs` is, and a finding can be regenerated (and shrunk) alone.
use super::finding::Finding;
use super::oracle::{Capabilities, Expected};
use super::{strategy, FuzzCase};
use crate::exchange::Http;
use crate::flow::Flows;
use crate::report::Verdict;
use crate::runner::prefetch::Challenges;
use crate::runner::steps::{self, Env};
use crate::scenario::{AlgList, Endpoint, JwsAlg, Mode};
use crate::target::Target;
use crate::verdict::{self, Control, Outcome};
use proptest::strategy::{BoxedStrategy, Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Clone, Debug)]
pub struct Options {
    pub cases: u64,
    pub seed: u64,
    /// Requests in flight at once.
    pub jobs: usize,
    /// Bound on shrinking steps (each is one or more requests).
    pub max_shrink_iters: u32,
}

/// What the run saw.
#[derive(Debug, Default)]
pub struct Summary {
    /// Cases generated.
    pub generated: u64,
    /// Sent and judged pass.
    pub passed: u64,
    /// Not sent: the oracle says the draft does not decide.
    pub skipped: u64,
    /// Sent, but no meaningful answer (transport error, unbuildable request).
    pub inconclusive: u64,
    /// SHOULD / MAY-level mismatches (reported, not findings).
    pub warnings: Vec<String>,
    pub finding: Option<Finding>,
    pub elapsed: Duration,
}

impl Summary {
    pub fn sent(&self) -> u64 {
        self.passed
            + self.inconclusive
            + self.warnings.len() as u64
            + u64::from(self.finding.is_some())
    }
}

/// The oracle's view of a discovered target.
pub fn capabilities(t: &Target) -> Capabilities {
    let p = t.policy();
    Capabilities {
        advertised: t
            .advertised
            .iter()
            .copied()
            .filter(|m| *m != Mode::None)
            .collect(),
        challenge_endpoint: t.challenge_endpoint.is_some(),
        challenge_required: p.challenge_required,
        dpop_nonce_required: p.dpop_nonce_required,
        challenge_single_use: p.challenge_single_use,
        attestation_max_age: p.attestation_max_age,
        attester_alg: t.keys.attester.alg().to_string(),
        instance_alg: t.keys.instance.alg().to_string(),
        attester_algs: JwsAlg::ALL
            .into_iter()
            .filter(|a| t.keys.attester_for(*a).is_ok())
            .map(|a| a.as_str().to_string())
            .collect(),
        attestation_algs: published_algs(t, AlgList::Attestation),
        pop_algs: published_algs(t, AlgList::Pop),
        dpop_algs: published_algs(t, AlgList::Dpop),
        attester_kid: t.keys.attester_kid.is_some(),
        attester_mac: t.keys.attester_mac.is_some(),
        same_client_both_modes: t.client_id(Mode::AttestationPopJwt)
            == t.client_id(Mode::DpopCombined),
        revision: t.spec.revision,
    }
}

/// A metadata algorithm list as published (its strings; None when the member is absent or
/// not an array).
fn published_algs(t: &Target, list: AlgList) -> Option<Vec<String>> {
    let names = t.metadata.get(list.member())?.as_array()?;
    Some(
        names
            .iter()
            .filter_map(|v| v.as_str().map(String::from))
            .collect(),
    )
}

/// The (mode, endpoint) pairs the target offers: advertised modes at the token endpoint and,
/// when advertised, the PAR endpoint.
pub fn pairs(t: &Target) -> Vec<(Mode, Endpoint)> {
    let mut out = Vec::new();
    for &mode in &[Mode::AttestationPopJwt, Mode::DpopCombined] {
        // draft-07 has no combined mode (its cases are not_applicable in `run` too).
        let in_revision = mode != Mode::DpopCombined || t.spec.revision.has_combined_mode();
        if !t.advertised.contains(&mode) || !in_revision {
            continue;
        }
        out.push((mode, Endpoint::Token));
        if t.par_endpoint.is_some() {
            out.push((mode, Endpoint::Par));
        }
    }
    out
}

/// How one sent case came out.
#[derive(Debug)]
pub enum Judged {
    Pass,
    /// A MUST-level mismatch: the reason, as the verdict rules word it.
    Mismatch(String),
    /// A SHOULD / MAY-level mismatch.
    Warning(String),
    Inconclusive(String),
}

/// Judges with the same rules `run` applies (verdict::judge), so a finding replays to the
/// same verdict. The controls were accepted before any case is sent.
pub fn judge(expected: &Expected, endpoint: Endpoint, outcome: &Outcome) -> Option<Judged> {
    let (expect, level) = expected.expectation()?;
    // The oracle names its error codes itself (Expected::Reject.errors).
    let ctx = verdict::CaseContext {
        endpoint,
        error_codes: &[],
    };
    let j = verdict::judge(&expect, level, outcome, &Control::Accepted, &ctx);
    Some(match j.verdict {
        Verdict::Pass => Judged::Pass,
        Verdict::Fail => Judged::Mismatch(j.reason),
        Verdict::Warning | Verdict::Info => Judged::Warning(j.reason),
        Verdict::Error | Verdict::NotApplicable => Judged::Inconclusive(j.reason),
    })
}

/// A valid request the server refused before fuzzing: draft-10 needs the valid request
/// accepted before any rejection means something (docs/design.md, "Verdicts").
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "the valid {} request at the {} endpoint was not accepted ({why}); fuzzing a server that refuses valid requests would only find its own brokenness",
    .mode.method(),
    .endpoint.as_str()
)]
pub struct ControlRefused {
    pub mode: Mode,
    pub endpoint: Endpoint,
    /// What the server answered, or why nothing came back.
    pub why: String,
}

pub struct Fuzzer {
    pub target: Arc<Target>,
    pub http: Http,
    pub caps: Capabilities,
    pub pairs: Vec<(Mode, Endpoint)>,
    strategy: BoxedStrategy<FuzzCase>,
    /// The declared grant's flows (a fuzzed token request redeems a fresh artifact too).
    flows: Arc<Flows>,
}

impl Fuzzer {
    /// What a case's requests share; the fuzzer fetches each challenge when a request needs
    /// it (nothing ahead: its cases are drawn one by one).
    fn env<'a>(&'a self, challenges: &'a Challenges<'a>) -> Env<'a> {
        Env {
            target: &self.target,
            http: &self.http,
            flows: &self.flows,
            challenges,
        }
    }

    pub fn new(target: Arc<Target>, http: Http) -> anyhow::Result<Fuzzer> {
        let caps = capabilities(&target);
        let pairs = pairs(&target);
        if pairs.is_empty() {
            anyhow::bail!(
                "the target advertises neither attest_jwt_client_auth nor attest_jwt_client_auth_dpop: nothing to fuzz"
            );
        }
        Ok(Fuzzer {
            flows: Arc::new(Flows::new(&target)),
            strategy: strategy::cases(pairs.clone()),
            target,
            http,
            caps,
            pairs,
        })
    }

    /// The ValueTree of case `n` of `seed`.
    pub fn tree(&self, seed: u64, n: u64) -> anyhow::Result<Box<dyn ValueTree<Value = FuzzCase>>> {
        let mut bytes = [0u8; 32];
        bytes[..8].copy_from_slice(&seed.to_le_bytes());
        bytes[8..16].copy_from_slice(&n.to_le_bytes());
        let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &bytes);
        let mut runner = TestRunner::new_with_rng(Config::default(), rng);
        self.strategy
            .new_tree(&mut runner)
            .map_err(|e| anyhow::anyhow!("cannot generate case {n}: {e}"))
    }

    pub fn case(&self, seed: u64, n: u64) -> anyhow::Result<FuzzCase> {
        Ok(self.tree(seed, n)?.current())
    }

    /// draft-10 needs the valid request accepted before any rejection means something
    /// (docs/design.md, "Verdicts"): every pair's valid request, or the reason it failed.
    pub async fn controls(&self) -> Result<(), ControlRefused> {
        for &(mode, endpoint) in &self.pairs {
            let e = steps::execute(
                self.env(&Challenges::new(&self.target, &self.http)),
                mode,
                endpoint,
                None,
                &[],
            )
            .await;
            let why = match &e.outcome {
                Outcome::Reply(r) if r.accepted() => continue,
                Outcome::Reply(r) => r.summary(),
                Outcome::Transport(t) | Outcome::Inconclusive(_, t) | Outcome::NotApplicable(t) => {
                    t.clone()
                }
            };
            return Err(ControlRefused {
                mode,
                endpoint,
                why,
            });
        }
        Ok(())
    }

    /// Sends one case and judges it (None: the oracle does not decide, nothing sent).
    pub async fn check(&self, case: &FuzzCase) -> Option<Judged> {
        let expected = case.expected(&self.caps);
        if let Expected::Skip { .. } = expected {
            return None;
        }
        let e = steps::execute(
            self.env(&Challenges::new(&self.target, &self.http)),
            case.mode,
            case.endpoint,
            None,
            &case.mutations,
        )
        .await;
        judge(&expected, case.endpoint, &e.outcome)
    }

    /// Runs `opts.cases` cases; stops launching new ones at the first mismatch, then shrinks
    /// the lowest-numbered mismatching case.
    pub async fn run(
        &self,
        opts: &Options,
        on_case: &(dyn Fn(&Summary) + Sync),
    ) -> anyhow::Result<Summary> {
        let start = Instant::now();
        let mut summary = Summary::default();
        let mut tasks = tokio::task::JoinSet::new();
        let mut mismatches: Vec<(u64, FuzzCase, String)> = Vec::new();
        let jobs = opts.jobs.max(1);
        let mut n = 0u64;
        loop {
            // Launch while there is room, no mismatch yet, and cases left.
            while mismatches.is_empty() && n < opts.cases && tasks.len() < jobs {
                let case = self.case(opts.seed, n)?;
                summary.generated += 1;
                let expected = case.expected(&self.caps);
                if let Expected::Skip { .. } = expected {
                    summary.skipped += 1;
                    n += 1;
                    continue;
                }
                let (target, http) = (self.target.clone(), self.http.clone());
                let flows = self.flows.clone();
                let index = n;
                tasks.spawn(async move {
                    let challenges = Challenges::new(&target, &http);
                    let env = Env {
                        target: &target,
                        http: &http,
                        flows: &flows,
                        challenges: &challenges,
                    };
                    let e =
                        steps::execute(env, case.mode, case.endpoint, None, &case.mutations).await;
                    (index, case, expected, e.outcome)
                });
                n += 1;
            }
            let Some(done) = tasks.join_next().await else {
                break;
            };
            let (index, case, expected, outcome) =
                done.map_err(|e| anyhow::anyhow!("a fuzz task failed: {e}"))?;
            match judge(&expected, case.endpoint, &outcome) {
                Some(Judged::Pass) => summary.passed += 1,
                Some(Judged::Mismatch(why)) => mismatches.push((index, case, why)),
                Some(Judged::Warning(why)) => summary.warnings.push(format!("case {index}: {why}")),
                Some(Judged::Inconclusive(_)) | None => summary.inconclusive += 1,
            }
            on_case(&summary);
        }
        summary.elapsed = start.elapsed();
        if let Some((index, original, reason)) = mismatches.into_iter().min_by_key(|m| m.0) {
            summary.finding = Some(self.shrink(opts, index, original, reason).await?);
        }
        Ok(summary)
    }

    /// proptest's shrinking loop (simplify while it still fails, complicate when it stops
    /// failing), each step asked of the live server; then the result is checked once more.
    async fn shrink(
        &self,
        opts: &Options,
        index: u64,
        original: FuzzCase,
        reason: String,
    ) -> anyhow::Result<Finding> {
        let mut tree = self.tree(opts.seed, index)?;
        let mut best = (original.clone(), reason.clone());
        let mut steps = 0u32;
        if tree.simplify() {
            while steps < opts.max_shrink_iters {
                steps += 1;
                let candidate = tree.current();
                match self.check(&candidate).await {
                    Some(Judged::Mismatch(why)) => {
                        best = (candidate, why);
                        if !tree.simplify() {
                            break;
                        }
                    }
                    _ => {
                        if !tree.complicate() {
                            break;
                        }
                    }
                }
            }
        }
        // The shrunk case must fail again; else fall back to the case as found.
        let mut confirmed = false;
        for candidate in [best.0.clone(), original.clone()] {
            if let Some(Judged::Mismatch(why)) = self.check(&candidate).await {
                best = (candidate, why);
                confirmed = true;
                break;
            }
        }
        let expected = best.0.expected(&self.caps);
        Ok(Finding {
            seed: opts.seed,
            index,
            case: best.0,
            original,
            expected,
            reason: best.1,
            shrink_steps: steps,
            confirmed,
            caps: self.caps.clone(),
            revision: self.target.spec.revision,
        })
    }
}
