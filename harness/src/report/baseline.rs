//! Baselines: known, explained non-pass results (the OpenID Foundation suite's
//! expected-failures file). A baselined result keeps its verdict in the reports but does not
//! fail the run; an entry that no longer holds fails the run, so a baseline cannot go stale.
//!
//! ```yaml
//! - case: att-alg-none/attestation_pop_jwt/token   # one case, or a scenario id (all its cases)
//!   verdict: fail                                    # fail | warning | error
//!   reason: "vendor ticket 123: alg none accepted until 2.4"
//! ```
use super::{Baselined, CaseResult, Report, StaleEntry, Verdict};
use crate::scenario::load::{parse_yaml, InputError};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// One expected non-pass result.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// `<scenario>/<mode>/<endpoint>` (one case) or a scenario id (every case of it).
    pub case: String,
    pub verdict: Expected,
    /// Why the verdict is known and accepted for now; required.
    pub reason: String,
}

/// The verdicts a baseline may expect: the ones that are worth explaining.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Expected {
    Fail,
    Warning,
    Error,
}

impl Expected {
    pub fn verdict(self) -> Verdict {
        match self {
            Expected::Fail => Verdict::Fail,
            Expected::Warning => Verdict::Warning,
            Expected::Error => Verdict::Error,
        }
    }
    fn of(v: Verdict) -> Option<Expected> {
        match v {
            Verdict::Fail => Some(Expected::Fail),
            Verdict::Warning => Some(Expected::Warning),
            Verdict::Error => Some(Expected::Error),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Baseline {
    /// Where it was read from (for messages and report.json).
    pub path: String,
    pub entries: Vec<Entry>,
}

impl Entry {
    fn matches(&self, r: &CaseResult) -> bool {
        self.case == r.id || self.case == r.scenario
    }
}

impl Baseline {
    /// Parses a baseline file: a YAML list of entries; unknown fields, a missing or empty
    /// reason and duplicate entries are errors with the file's location.
    pub fn parse(path: &str, text: &str) -> Result<Baseline, InputError> {
        // An empty file is an empty list (a freshly written baseline of a clean run).
        let spanned: Vec<serde_saphyr::Spanned<Entry>> = if text
            .lines()
            .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
        {
            Vec::new()
        } else {
            parse_yaml(path, text)?
        };
        let mut entries: Vec<Entry> = Vec::with_capacity(spanned.len());
        for s in spanned {
            let e = s.value;
            let at = |m: String| InputError {
                path: path.to_string(),
                line: Some(s.referenced.line()).filter(|l| *l > 0),
                column: Some(s.referenced.column()).filter(|c| *c > 0),
                message: m,
            };
            if e.case.trim().is_empty() {
                return Err(at("`case` is empty".into()));
            }
            if e.reason.trim().is_empty() {
                return Err(at(format!(
                    "`reason` is empty for `{}`: say why this result is accepted",
                    e.case
                )));
            }
            if entries
                .iter()
                .any(|o| o.case == e.case && o.verdict == e.verdict)
            {
                return Err(at(format!(
                    "`{}` with verdict {} is listed twice",
                    e.case,
                    e.verdict.verdict().as_str()
                )));
            }
            entries.push(e);
        }
        Ok(Baseline {
            path: path.to_string(),
            entries,
        })
    }

    pub fn load(path: &Path) -> anyhow::Result<Baseline> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("--baseline {}: cannot read: {e}", path.display()))?;
        Ok(Baseline::parse(&path.display().to_string(), &text)?)
    }

    /// Keeps the entries `keep` says are in scope of this run (`--only` selects part of the
    /// corpus: entries for the cases left out are neither matched nor stale).
    pub fn scope(&mut self, keep: impl Fn(&str) -> bool) {
        self.entries.retain(|e| keep(&e.case));
    }

    /// The entry that expects this result's verdict; an entry naming the case beats one
    /// naming its scenario.
    pub fn entry_for(&self, r: &CaseResult) -> Option<&Entry> {
        let want = Expected::of(r.verdict)?;
        let hits = || {
            self.entries
                .iter()
                .filter(move |e| e.verdict == want && e.matches(r))
        };
        hits().find(|e| e.case == r.id).or_else(|| hits().next())
    }

    /// The mark a result gets (also used on the NDJSON stream, before the run is over).
    pub fn mark(&self, r: &CaseResult) -> Option<Baselined> {
        self.entry_for(r).map(|e| Baselined {
            baselined: true,
            baseline_reason: e.reason.clone(),
        })
    }

    /// Marks the results the baseline expects; returns the entries that no longer hold.
    ///
    /// An entry holds when at least one case it names got its verdict and every other case it
    /// names got that verdict too or was not applicable (a scenario-wide entry survives a
    /// target that does not advertise PAR, but not a fix in one of its cases).
    pub fn apply(&self, report: &mut Report) -> Vec<StaleEntry> {
        for r in &mut report.results {
            r.baseline = self.mark(r);
        }
        let mut stale = Vec::new();
        for e in &self.entries {
            let want = e.verdict.verdict();
            let named: Vec<&CaseResult> = report.results.iter().filter(|r| e.matches(r)).collect();
            let problem = if named.is_empty() {
                Some(
                    "names no case of this run (a case is <scenario>/<mode>/<endpoint> or a \
                     scenario id; see `abca-conformance list`)"
                        .to_string(),
                )
            } else {
                let other: Vec<String> = named
                    .iter()
                    .filter(|r| r.verdict != want && r.verdict != Verdict::NotApplicable)
                    .map(|r| format!("{} is {}", r.id, r.verdict.as_str()))
                    .collect();
                let got = named.iter().any(|r| r.verdict == want);
                if !got && other.is_empty() {
                    Some(format!(
                        "expected {}, but every case it names is not_applicable",
                        want.as_str()
                    ))
                } else if !other.is_empty() {
                    Some(format!(
                        "expected {} but {} (XPASS: remove or update the entry)",
                        want.as_str(),
                        other.join(", ")
                    ))
                } else {
                    None
                }
            };
            if let Some(problem) = problem {
                stale.push(StaleEntry {
                    case: e.case.clone(),
                    verdict: want,
                    reason: e.reason.clone(),
                    problem,
                });
            }
        }
        stale
    }
}

/// The baseline of a run: one entry per fail / warning / error result, reason prefilled
/// with the entry that matched it (if any) or the result's own reason.
pub fn from_report(report: &Report) -> Baseline {
    let mut entries: Vec<Entry> = report
        .results
        .iter()
        .filter_map(|r| {
            let verdict = Expected::of(r.verdict)?;
            let reason = match &r.baseline {
                Some(b) => b.baseline_reason.clone(),
                None => r.reason.clone(),
            };
            Some(Entry {
                case: r.id.clone(),
                verdict,
                reason,
            })
        })
        .collect();
    entries.sort_by(|a, b| a.case.cmp(&b.case));
    Baseline {
        path: String::new(),
        entries,
    }
}

/// The baseline file's text, checked to parse back to the same entries.
pub fn render(report: &Report, baseline: &Baseline) -> anyhow::Result<String> {
    let mut text = format!(
        "# abca-conformance baseline: known non-pass results of {} against {}.\n\
         # A listed result keeps its verdict in the reports but does not fail the run; an entry\n\
         # that no longer holds (the case passes, or is gone) fails it. Edit the reasons.\n\
         # case: <scenario>/<mode>/<endpoint> or a scenario id; verdict: fail | warning | error\n",
        report.tool.draft_label(),
        report.target.issuer
    );
    if !baseline.entries.is_empty() {
        text.push_str(&serde_saphyr::to_string(&baseline.entries)?);
    }
    let back = Baseline::parse("<written baseline>", &text)?;
    anyhow::ensure!(
        back.entries == baseline.entries,
        "the baseline does not read back as written"
    );
    Ok(text)
}

/// Writes the run's baseline to `path`; returns the number of entries.
pub fn write(report: &Report, path: &Path) -> anyhow::Result<usize> {
    let b = from_report(report);
    let text = render(report, &b)?;
    std::fs::write(path, text)
        .map_err(|e| anyhow::anyhow!("--write-baseline {}: {e}", path.display()))?;
    Ok(b.entries.len())
}
