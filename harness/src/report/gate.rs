//! The exit status of `run`, decided here and nowhere else (docs/design.md, "Run status and exit status"):
//! 1 when at least one `fail`; `--strict` raises warnings (broken SHOULDs) to failures like
//! h2spec's `--strict`; a baselined result does not count, and a baseline entry that no
//! longer holds does. 2 when nothing fails but the suite could not really run
//! ([`super::RunStatus`]): cut short by the circuit breaker, or nothing judged.
use super::baseline::Baseline;
use super::{CaseResult, Gate, Report, Verdict};

/// Does this result fail the run?
pub fn fails_run(r: &CaseResult, strict: bool) -> bool {
    r.baseline.is_none()
        && (r.verdict == Verdict::Fail || (strict && r.verdict == Verdict::Warning))
}

/// Is this a warning that `--strict` turns into a failure (for renderers)?
pub fn strict_failure(report: &Report, r: &CaseResult) -> bool {
    r.verdict == Verdict::Warning
        && r.baseline.is_none()
        && report.gate.as_ref().is_some_and(|g| g.strict)
}

/// Applies the baseline (marking results), decides the exit status and records the decision
/// in `report.gate`; returns the exit status.
pub fn decide(report: &mut Report, strict: bool, baseline: Option<&Baseline>) -> i32 {
    let stale = match baseline {
        Some(b) => b.apply(report),
        None => {
            for r in &mut report.results {
                r.baseline = None;
            }
            Vec::new()
        }
    };
    let failing: Vec<String> = report
        .results
        .iter()
        .filter(|r| fails_run(r, strict))
        .map(|r| r.id.clone())
        .collect();
    // A run stopped by the preflight is "could not run" even though its refused controls
    // are `fail`: the server was not tested.
    let exit_status = if report.run == (super::RunStatus::PreflightFailed { stopped: true }) {
        2
    } else {
        status(
            !failing.is_empty() || !stale.is_empty(),
            report.run.could_not_run().is_some(),
        )
    };
    report.gate = Some(Gate {
        exit_status,
        strict,
        baseline: baseline.map(|b| b.path.clone()),
        baselined: report
            .results
            .iter()
            .filter(|r| r.baseline.is_some())
            .count(),
        failing,
        stale_baseline: stale,
    });
    exit_status
}

/// The exit status recorded in the report, or the same rule without `--strict` or a baseline
/// when none was decided.
pub fn exit_status(report: &Report) -> i32 {
    match &report.gate {
        Some(g) => g.exit_status,
        None => status(
            report.results.iter().any(|r| r.verdict == Verdict::Fail),
            report.run.could_not_run().is_some(),
        ),
    }
}

/// The rule: a failure is 1; otherwise a run that could not really run is 2; else 0.
fn status(fails: bool, could_not_run: bool) -> i32 {
    match (fails, could_not_run) {
        (true, _) => 1,
        (false, true) => 2,
        (false, false) => 0,
    }
}
