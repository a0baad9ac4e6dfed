//! The run's results, as written to `report.json` (docs/design.md, "report.json"; extend compatibly)
//! and read by every other renderer (terminal, JUnit, HTML, Markdown, NDJSON).
pub use crate::exchange::{DecodedJwt, Exchange, HttpRequest, HttpResponse};
pub use crate::types::Verdict;
use crate::types::{Endpoint, Inconclusive, Level, Mode};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Report {
    pub tool: ToolInfo,
    pub target: TargetInfo,
    pub summary: Summary,
    pub results: Vec<CaseResult>,
    pub requirements: Vec<RequirementResult>,
    /// Whether the suite really ran: cut short by the circuit breaker, or nothing could be
    /// judged, is "the suite could not run" (exit status 2). Absent in reports written before
    /// it was recorded, which read as complete.
    #[serde(default)]
    pub run: RunStatus,
    /// How the exit status was decided (`--strict`, `--baseline`); absent when nobody decided
    /// it yet (a Report straight from the runner).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gate: Option<Gate>,
    /// What the preflight found before the cases ran (runner/preflight.rs); absent in
    /// reports written before it existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preflight: Option<Preflight>,
    /// The command that re-sends one case of this run with fresh `jti`, `iat` and challenge,
    /// without the case id (append it): `abca-conformance replay` with this run's target
    /// options. Set by the CLI; absent from reports of the library alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replay_command: Option<String>,
}

impl Report {
    /// The complete command that re-sends case `id` with fresh tokens. Without a recorded
    /// [`Report::replay_command`], the embedded AS needs no target options; another target
    /// says so in the line rather than printing a command that would test the wrong server.
    pub fn replay_line(&self, id: &str) -> String {
        let prefix = match &self.replay_command {
            Some(c) => c.clone(),
            None if self.target.embedded => "abca-conformance replay".into(),
            None => "abca-conformance replay <target options>".into(),
        };
        format!("{prefix} {}", super::curl::quote(id))
    }
}

/// The preflight: metadata sane, the challenge endpoint answering, and each positive
/// control (the valid request of a mode at an endpoint) accepted, checked before any case.
#[derive(Clone, Debug, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Preflight {
    /// Every check passed.
    pub passed: bool,
    /// The run stopped after the preflight (a check failed and `--keep-going` was not given):
    /// the cases did not run, and the exit status is 2.
    pub stopped: bool,
    pub checks: Vec<PreflightCheck>,
}

#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PreflightCheck {
    /// `metadata`, `challenge endpoint`, or the control's `<mode>/<endpoint>`.
    pub name: String,
    pub ok: bool,
    /// What the server answered (`401 invalid_client ("...")`), or why nothing came back.
    pub answer: String,
    /// Likely causes, most likely first (empty when `ok`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub likely_causes: Vec<String>,
    /// What was sent and received for this check.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exchanges: Vec<Exchange>,
}

/// Whether the suite really ran (docs/design.md, "Run status and exit status").
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq, schemars::JsonSchema)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum RunStatus {
    /// Every selected case was run or judged not applicable, and at least one was judged.
    #[default]
    Complete,
    /// The circuit breaker stopped the run (the target went away mid-run): the cases it
    /// skipped are unknown, so a clean exit would be a lie.
    CutShort {
        /// Why the breaker tripped.
        reason: String,
    },
    /// The preflight found the target cannot be tested as configured (a positive control
    /// refused, the challenge endpoint silent, no method advertised): `stopped` when the
    /// cases did not run, else they ran under `--keep-going`.
    PreflightFailed { stopped: bool },
    /// Every result is `error` or `not_applicable`, at least one `error`.
    NothingJudged {
        errors: usize,
        /// The first `error` result: its id and reason.
        first: String,
    },
}

impl RunStatus {
    /// Why the suite could not run, for people; `None` when it did.
    pub fn could_not_run(&self) -> Option<String> {
        match self {
            RunStatus::Complete => None,
            RunStatus::CutShort { reason } => Some(format!("the run was cut short: {reason}")),
            RunStatus::PreflightFailed { stopped: true } => Some("the preflight failed: the target cannot be tested as configured (see above; --keep-going runs the cases anyway)".into()),
            RunStatus::PreflightFailed { stopped: false } => Some("the preflight failed (see above): the cases leaning on a refused control are inconclusive, so the run is not a pass".into()),
            RunStatus::NothingJudged { errors, first } => Some(format!(
                "no case could be judged ({errors} error(s)); first: {first}"
            )),
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ToolInfo {
    pub name: String,
    pub version: String,
    /// The revision the run judged by: `draft-07`, `draft-10`, `draft-11` or `draft-12`.
    pub draft: String,
    /// True for `draft-12`: only an editor's copy of -12 exists, and reports say so.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub editors_copy: bool,
    /// How the revision was chosen (`--draft auto`), or which revision the failed controls
    /// point at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub draft_note: Option<String>,
    /// RFC 3339 UTC.
    pub started_at: String,
    pub duration_ms: u64,
}

impl ToolInfo {
    /// The revision as shown to people: `draft-11`, `draft-12 (editor's copy, not published)`.
    pub fn draft_label(&self) -> String {
        match crate::revision::Revision::parse(&self.draft) {
            Ok(r) => r.label(),
            Err(_) => self.draft.clone(),
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TargetInfo {
    pub issuer: String,
    /// `true` when the embedded reference AS was the target.
    pub embedded: bool,
    /// Auth methods advertised in metadata.
    pub methods: Vec<String>,
    pub token_endpoint: Option<String>,
    pub par_endpoint: Option<String>,
    pub challenge_endpoint: Option<String>,
    /// The metadata document as fetched.
    pub metadata: serde_json::Value,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq, schemars::JsonSchema)]
pub struct Summary {
    pub pass: usize,
    pub fail: usize,
    pub warning: usize,
    pub info: usize,
    pub not_applicable: usize,
    pub error: usize,
}

impl Summary {
    pub fn add(&mut self, v: Verdict) {
        *match v {
            Verdict::Pass => &mut self.pass,
            Verdict::Fail => &mut self.fail,
            Verdict::Warning => &mut self.warning,
            Verdict::Info => &mut self.info,
            Verdict::NotApplicable => &mut self.not_applicable,
            Verdict::Error => &mut self.error,
        } += 1;
    }
    pub fn get(&self, v: Verdict) -> usize {
        match v {
            Verdict::Pass => self.pass,
            Verdict::Fail => self.fail,
            Verdict::Warning => self.warning,
            Verdict::Info => self.info,
            Verdict::NotApplicable => self.not_applicable,
            Verdict::Error => self.error,
        }
    }
}

/// One scenario run in one (mode, endpoint).
#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CaseResult {
    /// `<scenario>/<mode>/<endpoint>`, unique in a run; the libtest name.
    pub id: String,
    pub scenario: String,
    pub title: String,
    pub mode: Mode,
    pub endpoint: Endpoint,
    pub requirements: Vec<String>,
    pub level: Level,
    pub verdict: Verdict,
    /// Why this verdict: what was expected and what happened.
    pub reason: String,
    /// Why the suite could not judge the case: present exactly when the verdict is `error`
    /// (absent in reports written before it was recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inconclusive: Option<Inconclusive>,
    /// The draft revision the verdict is against (`draft-11`; the run's revision).
    pub draft: String,
    /// The mutations applied, as in the scenario file.
    pub mutations: Vec<serde_json::Value>,
    /// The expectation, as in the scenario file.
    pub expect: serde_json::Value,
    pub exchanges: Vec<Exchange>,
    pub duration_ms: u64,
    /// Set when a `--baseline` entry expects this verdict: serialized as `"baselined": true`
    /// and `"baseline_reason"` next to the other fields; the verdict itself is unchanged.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<Baselined>,
}

/// A result a baseline entry expected (the OpenID Foundation suite's "expected failure").
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, schemars::JsonSchema)]
pub struct Baselined {
    /// Always `true`; a plain flag for consumers of report.json.
    pub baselined: bool,
    /// The entry's reason: why this verdict is known and accepted for now.
    pub baseline_reason: String,
}

/// The decision on the run's exit status, and what went into it.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq, schemars::JsonSchema)]
pub struct Gate {
    /// 0: nothing fails the run; 1: at least one result or baseline entry does; 2: nothing
    /// fails, but the suite could not really run (see `run`).
    pub exit_status: i32,
    /// `--strict`: a warning (broken SHOULD) fails the run like a fail.
    pub strict: bool,
    /// The `--baseline` file, when one was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<String>,
    /// Results a baseline entry matched.
    pub baselined: usize,
    /// Ids of the results that fail the run (not baselined).
    pub failing: Vec<String>,
    /// Baseline entries that no longer hold; each fails the run.
    pub stale_baseline: Vec<StaleEntry>,
}

/// A baseline entry whose case did not get the expected verdict (XPASS), or names no case.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, schemars::JsonSchema)]
pub struct StaleEntry {
    pub case: String,
    pub verdict: Verdict,
    pub reason: String,
    /// What happened instead.
    pub problem: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RequirementResult {
    pub id: String,
    /// Section anchor (the -10 anchor names; `rfcNNNN-x.y` for other RFCs).
    pub section: String,
    /// The section's number in the run's revision, e.g. `7.2`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// The item of the section's numbered list, in the run's revision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<u32>,
    /// How reports cite it: `draft-11 §7.2 item 5`, `RFC 9449 §4.3`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cite: Option<String>,
    /// A link that lands on the section in the run's revision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The level in the run's revision.
    pub level: Level,
    pub summary: String,
    /// Worst verdict over its results; `not_applicable` when none ran; excluded ones are
    /// `not_applicable` with `excluded` set.
    pub verdict: Verdict,
    pub scenarios: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub excluded: Option<String>,
    /// Verdict counts over this requirement's results.
    pub counts: BTreeMap<String, usize>,
}
