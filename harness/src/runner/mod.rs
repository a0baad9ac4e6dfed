//! The run: expand scenarios into cases, run the positive controls, then every case
//! concurrently, judge each, and assemble the report.
mod bracket;
pub mod cases;
pub mod detect;
pub mod prefetch;
pub mod preflight;
pub mod steps;

use crate::catalog::Catalog;
use crate::checks;
use crate::corpus::{Case, Corpus, Selection};
use crate::exchange::{Http, Stop};
use crate::flow::Flows;
use crate::report::{
    CaseResult, Report, RequirementResult, RunStatus, Summary, TargetInfo, ToolInfo, Verdict,
};
use crate::scenario::{Endpoint, Expectation, Loaded, Role};
use crate::target::Target;
use crate::types::Inconclusive;
use crate::verdict::{self, Control, Judgement};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

/// What to run, and how many cases at once.
#[derive(Clone, Debug)]
pub struct RunOptions {
    pub select: Selection,
    pub jobs: usize,
    /// Run the cases even when the preflight found the target cannot be tested as
    /// configured (a refused control); without it the run stops after the preflight.
    pub keep_going: bool,
    /// Fetch challenges for the first cases while the preflight runs (runner/prefetch.rs);
    /// off: each challenge is fetched just before the request that uses it.
    pub fetch_ahead: bool,
}

impl Default for RunOptions {
    /// Every case, [`DEFAULT_IN_FLIGHT`] at once, challenges fetched ahead.
    fn default() -> Self {
        RunOptions {
            select: Selection::All,
            jobs: default_jobs(),
            keep_going: false,
            fetch_ahead: true,
        }
    }
}

/// Cases in flight at once by default: [`DEFAULT_IN_FLIGHT`].
pub fn default_jobs() -> usize {
    DEFAULT_IN_FLIGHT
}

/// The default in-flight limit, sized for network latency, not for cores: a case spends
/// nearly all its time waiting for the server (one or two round trips, a few hundred µs of
/// CPU), so the run's wall time is about requests × RTT / in-flight. Against a server 50 ms
/// away the full suite took 21.5 s with 2 in flight (the cores of a CI runner) and about 1.5 s
/// with 32 (`cargo bench --bench latency`). 32 requests in flight is a light load for an
/// authorization server; `--jobs` and `--rate` lower it for a fragile one, and the circuit
/// breaker stops a run whose server stopped answering.
pub const DEFAULT_IN_FLIGHT: usize = 32;

/// Called with each result as it is decided (progress bars, NDJSON streams).
pub type OnResult<'a> = &'a (dyn Fn(&CaseResult) + Sync);

pub async fn run(
    target: &Target,
    http: &Http,
    corpus: &Corpus,
    opts: &RunOptions,
    on_result: OnResult<'_>,
) -> Report {
    let started = Instant::now();
    let started_at = rfc3339_now();
    let (scenarios, catalog) = (corpus.scenarios(), corpus.catalog());
    let all = corpus.cases();
    let selected: Vec<Case> = all.into_iter().filter(|c| opts.select.accepts(c)).collect();

    // Positive controls first: every (mode, endpoint) a selected case leans on, in the
    // preflight (runner/preflight.rs).
    let rev = target.spec.revision;
    let sending: Vec<&Case> = selected
        .iter()
        .filter(|c| !matches!(c.scenario.expect_in(rev), Expectation::Check(_)))
        .filter(|c| cases::outside_revision(c, catalog, rev).is_none())
        .filter(|c| cases::not_applicable(c, target).is_none())
        .collect();
    let mut needed: Vec<cases::ControlKey> =
        sending.iter().map(|c| cases::control_key(c)).collect();
    needed.sort();
    needed.dedup();
    let request_cases = selected
        .iter()
        .any(|c| !matches!(c.scenario.expect_in(rev), Expectation::Check(_)));
    let flows = Flows::new(target);
    let flows = &flows;
    // One in-flight limit for the whole run: the preflight, the challenges fetched ahead
    // while it runs (half the places at most, so the preflight never waits for a place),
    // then the cases and the closing controls.
    let sem = Arc::new(tokio::sync::Semaphore::new(opts.jobs.max(1)));
    let challenges = prefetch::Challenges::new(target, http);
    let challenges = &challenges;
    let fill = challenges.fill(
        &sem,
        opts.jobs / 2,
        match opts.fetch_ahead {
            true => sending.len().min(prefetch::AHEAD_PER_PLACE * opts.jobs),
            false => 0,
        },
    );
    // The fetches ahead still in flight when the preflight ends finish alongside the cases.
    let ((), report) = futures::future::join(fill, async {
        let (mut preflight, controls) = preflight::run(
            target,
            http,
            flows,
            challenges,
            &needed,
            request_cases,
            &sem,
        )
        .await;
        challenges.stop();
        let env = steps::Env {
            target,
            http,
            flows,
            challenges,
        };
        // A refused control stops the run: the cases would only repeat the refusal. The
        // selected controls are still reported, judged from the preflight's own exchanges.
        let stop = !preflight.passed && !opts.keep_going;
        preflight.stopped = stop;
        let selected: Vec<Case> = if stop {
            selected
                .into_iter()
                .filter(|c| {
                    c.scenario.role == Role::Control
                        && controls.contains_key(&cases::control_key(c))
                })
                .collect()
        } else {
            selected
        };

        // Verdicts resting on a refusal wait for a control sent after them (runner/bracket.rs).
        let bracket = bracket::Bracket::new(opts.jobs);
        // Longest cases take their place in flight first (the semaphore is fair: places go in
        // the order asked); results keep the corpus order.
        let mut order: Vec<usize> = (0..selected.len()).collect();
        order.sort_by_cached_key(|&i| std::cmp::Reverse(cases::round_trips(&selected[i], target)));
        let results =
            futures::future::join_all(order.iter().map(|&i| (i, &selected[i])).map(|(i, case)| {
                let (sem, bracket) = (sem.clone(), &bracket);
                let controls = &controls;
                async move {
                    let (r, stopped) = {
                        let _permit = sem.acquire().await;
                        if stop {
                            (
                                control_from_preflight(case, target, catalog, controls),
                                None,
                            )
                        } else {
                            run_case(case, env, catalog, controls).await
                        }
                    };
                    // A held result moves into the bracket and comes back decided (below).
                    let r = if leans_on_control(case, &r, rev) {
                        bracket.hold(i, cases::control_key(case).closing(), r);
                        None
                    } else {
                        on_result(&r);
                        Some(r)
                    };
                    bracket.finished(env, &sem, on_result).await;
                    (r, stopped)
                }
            }))
            .await;
        bracket.close(env, &sem, on_result).await;
        let mut results: Vec<_> = {
            let mut by_index: Vec<_> = order.into_iter().zip(results).collect();
            by_index.sort_by_key(|(i, _)| *i);
            by_index.into_iter().map(|(_, r)| r).collect()
        };
        for (i, decided) in bracket.into_decided() {
            results[i].0 = Some(decided);
        }
        // A case the circuit breaker kept from running makes the run incomplete; one the deadline
        // kept from running does not (the user chose the deadline).
        let cut_short = results.iter().find_map(|(_, s)| match s {
            Some(stop @ Stop::Breaker { .. }) => Some(stop.to_string()),
            _ => None,
        });
        // Every held result was decided by the last close, so none is missing here.
        let results: Vec<CaseResult> = results.into_iter().filter_map(|(r, _)| r).collect();
        debug_assert_eq!(results.len(), selected.len());

        let mut summary = Summary::default();
        for r in &results {
            summary.add(r.verdict);
        }
        let requirements = requirement_results(catalog, scenarios, &results, rev);
        Report {
            tool: ToolInfo {
                name: "abca-conformance".into(),
                version: env!("CARGO_PKG_VERSION").into(),
                draft: target.spec.revision.name().into(),
                editors_copy: target.spec.revision.is_editors_copy(),
                draft_note: None,
                started_at,
                duration_ms: started.elapsed().as_millis() as u64,
            },
            target: TargetInfo {
                issuer: target.issuer().to_string(),
                embedded: target.embedded,
                methods: target.methods.clone(),
                token_endpoint: Some(target.token_endpoint.clone()),
                par_endpoint: target.par_endpoint.clone(),
                challenge_endpoint: target.challenge_endpoint.clone(),
                metadata: target.metadata.clone(),
            },
            summary,
            // Under --keep-going the cases ran: a breaker trip or a run where nothing could be
            // judged says more than "the preflight failed", so those win; else a refused control
            // still keeps the run from being a pass.
            run: match (cut_short, preflight.passed) {
                (None, false) if stop => RunStatus::PreflightFailed { stopped: true },
                (cut_short, passed) => match run_status(cut_short, &results) {
                    RunStatus::Complete if !passed => RunStatus::PreflightFailed { stopped: false },
                    status => status,
                },
            },
            results,
            requirements,
            gate: None,
            preflight: Some(preflight),
            replay_command: None,
        }
    })
    .await;
    report
}

/// A control case judged from the preflight's execution (the run stopped there).
fn control_from_preflight(
    case: &Case<'_>,
    target: &Target,
    catalog: &Catalog,
    controls: &preflight::Controls,
) -> CaseResult {
    let s = case.scenario;
    let rev = target.spec.revision;
    let expect = s.expect_in(rev);
    let level = s
        .level_in(rev)
        .unwrap_or_else(|| catalog.level_in(&s.requirements, rev));
    let (judgement, exchanges, ms) = match controls.get(&cases::control_key(case)) {
        Some((_, e)) => (
            verdict::judge(
                expect,
                level,
                &e.outcome,
                &Control::NotNeeded,
                &verdict::CaseContext {
                    endpoint: case.endpoint,
                    error_codes: &catalog.error_codes_of(&s.requirements),
                },
            ),
            e.exchanges.clone(),
            e.exchanges.iter().map(|x| x.duration_ms).sum(),
        ),
        None => (
            Judgement::inconclusive(Inconclusive::NoControl, "no control ran"),
            Vec::new(),
            0,
        ),
    };
    case_result(
        case,
        target,
        catalog,
        (level, expect),
        judgement,
        exchanges,
        ms,
    )
}

/// A verdict that rests on a refusal (a negative that passed, a valid variant that was
/// refused) leans on the server still accepting the valid request after it
/// (runner/bracket.rs).
fn leans_on_control(case: &Case<'_>, r: &CaseResult, rev: crate::revision::Revision) -> bool {
    if case.scenario.role == Role::Control {
        return false;
    }
    match case.scenario.expect_in(rev) {
        Expectation::Reject(_) => r.verdict == Verdict::Pass,
        Expectation::Accept(_) => matches!(r.verdict, Verdict::Fail | Verdict::Warning),
        Expectation::Observe | Expectation::Check(_) => false,
    }
}

/// [`RunStatus`] of a run: cut short by the breaker, else whether anything was judged.
fn run_status(cut_short: Option<String>, results: &[CaseResult]) -> RunStatus {
    if let Some(reason) = cut_short {
        return RunStatus::CutShort { reason };
    }
    let mut errors = results.iter().filter(|r| r.verdict == Verdict::Error);
    let judged = results
        .iter()
        .any(|r| !matches!(r.verdict, Verdict::Error | Verdict::NotApplicable));
    match errors.next() {
        Some(first) if !judged => RunStatus::NothingJudged {
            errors: 1 + errors.count(),
            first: format!("{}: {}", first.id, first.reason),
        },
        _ => RunStatus::Complete,
    }
}

async fn run_case(
    case: &Case<'_>,
    env: steps::Env<'_>,
    catalog: &Catalog,
    controls: &preflight::Controls,
) -> (CaseResult, Option<Stop>) {
    let start = Instant::now();
    let (target, http) = (env.target, env.http);
    let mut stopped = None;
    let s = case.scenario;
    let rev = target.spec.revision;
    let expect = s.expect_in(rev);
    let level = s
        .level_in(rev)
        .unwrap_or_else(|| catalog.level_in(&s.requirements, rev));
    let outside = cases::outside_revision(case, catalog, rev);
    let (judgement, exchanges) = if let Some(why) =
        outside.or_else(|| cases::not_applicable(case, target))
    {
        (Judgement::decided(Verdict::NotApplicable, why), Vec::new())
    } else if let Some(why) = http
        .stopped()
        .filter(|_| case.endpoint != Endpoint::Metadata)
    {
        // Circuit breaker tripped or deadline passed (exchange/limits.rs): nothing more
        // is sent. Metadata checks send nothing (they read the discovered document) and
        // are still judged.
        let judgement = Judgement::inconclusive(Inconclusive::RunStopped, why.to_string());
        stopped = Some(why);
        (judgement, Vec::new())
    } else if let Expectation::Check(check) = expect {
        checks::run(*check, target, http, verdict::broken(level)).await
    } else {
        let key = cases::control_key(case);
        let control = if s.role == Role::Control {
            Control::NotNeeded
        } else {
            controls
                .get(&key)
                .map(|(c, _)| c.clone())
                .unwrap_or_else(|| Control::NotAccepted("no control ran".into()))
        };
        let e = steps::execute(env, case.mode, case.endpoint, s.flow.as_ref(), &s.mutations).await;
        let codes = catalog.error_codes_of(&s.requirements);
        let ctx = verdict::CaseContext {
            endpoint: case.endpoint,
            error_codes: &codes,
        };
        let mut judgement = verdict::judge(expect, level, &e.outcome, &control, &ctx);
        let mut exchanges = e.exchanges;
        // Show the failed control next to an inconclusive negative: it is the reason.
        if let Control::NotAccepted(_) = control {
            if judgement.verdict == Verdict::Error {
                if let Some((_, c)) = controls.get(&key) {
                    let mut cx = c.exchanges.clone();
                    for x in &mut cx {
                        x.purpose = format!("positive control: {}", x.purpose);
                    }
                    cx.append(&mut exchanges);
                    exchanges = cx;
                }
            }
            if judgement.verdict == Verdict::Pass {
                // Unreachable by construction (judge() returns error), kept as a guard: a
                // pass without an accepted control would be a lie.
                judgement =
                    Judgement::inconclusive(Inconclusive::ControlRefused, "control not accepted");
            }
        }
        (judgement, exchanges)
    };
    let duration_ms = start.elapsed().as_millis() as u64;
    let result = case_result(
        case,
        target,
        catalog,
        (level, expect),
        judgement,
        exchanges,
        duration_ms,
    );
    (result, stopped)
}

fn case_result(
    case: &Case<'_>,
    target: &Target,
    catalog: &Catalog,
    (level, expect): (crate::scenario::Level, &Expectation),
    judgement: Judgement,
    exchanges: Vec<crate::report::Exchange>,
    duration_ms: u64,
) -> CaseResult {
    let s = case.scenario;
    let rev = target.spec.revision;
    CaseResult {
        id: case.id(),
        scenario: s.id.clone(),
        title: s.title.clone(),
        mode: case.mode,
        endpoint: case.endpoint,
        // The requirements of this revision (a scenario may also name rules of others); a
        // broken rule of the response around the scenario's own (verdict::Rule) is reported
        // as that rule's result.
        requirements: if let Some(rule) = judgement.rule {
            vec![rule.id().to_string()]
        } else {
            let of_rev: Vec<String> = s
                .requirements
                .iter()
                .filter(|id| catalog.get(id).is_none_or(|r| r.in_revision(rev)))
                .cloned()
                .collect();
            if of_rev.is_empty() {
                s.requirements.clone()
            } else {
                of_rev
            }
        },
        level: judgement.rule.map_or(level, |r| r.level()),
        verdict: judgement.verdict,
        reason: judgement.reason,
        inconclusive: judgement.inconclusive,
        draft: target.spec.revision.name().into(),
        mutations: s
            .mutations
            .iter()
            .filter_map(|m| serde_json::to_value(m).ok())
            .collect(),
        expect: serde_json::to_value(expect).unwrap_or_default(),
        exchanges,
        duration_ms,
        baseline: None,
    }
}

/// Per requirement of `rev`, as `rev` states it (section number, level, wording), with the
/// worst verdict of the results that check it.
fn requirement_results(
    catalog: &Catalog,
    scenarios: &[Loaded],
    results: &[CaseResult],
    rev: crate::revision::Revision,
) -> Vec<RequirementResult> {
    catalog
        .coverage(scenarios)
        .into_iter()
        .filter_map(|(r, ids)| catalog.stated(&r.id, rev).map(|st| (r, st, ids)))
        .map(|(r, st, ids)| {
            let mut counts = BTreeMap::new();
            let mut worst = Verdict::NotApplicable;
            for res in results.iter().filter(|x| x.requirements.contains(&r.id)) {
                *counts.entry(res.verdict.as_str().to_string()).or_insert(0) += 1;
                if res.verdict.severity() > worst.severity() {
                    worst = res.verdict;
                }
            }
            RequirementResult {
                id: r.id.clone(),
                section: st.section.to_string(),
                number: st.number.map(String::from),
                item: st.item,
                cite: Some(st.cite()),
                url: Some(st.url()),
                level: st.level,
                summary: st.summary.to_string(),
                verdict: worst,
                scenarios: ids.into_iter().map(String::from).collect(),
                excluded: r.excluded.clone(),
                counts,
            }
        })
        .collect()
}

fn rfc3339_now() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
}
