//! `report.html`: one self-contained page (inline CSS and a few lines of inline JS, no
//! external assets), rendered by minijinja from `templates/report.html` with HTML
//! autoescaping on, so nothing a server sends can inject markup.
//!
//! This module only shapes the data for the template (a view model); layout lives in the
//! template.
use super::{curl, gate, sections, CaseResult, Exchange, Report, Verdict};
use minijinja::{AutoEscape, Environment};
use serde::Serialize;

const TEMPLATE: &str = include_str!("templates/report.html");

#[derive(Serialize)]
struct View<'a> {
    title: String,
    tool: &'a super::ToolInfo,
    target: &'a super::TargetInfo,
    draft_url: String,
    /// `draft-11`, or `draft-12 (editor's copy, not published)`.
    draft_label: String,
    /// The document's name: draft-ietf-oauth-attestation-based-client-auth-11.
    draft_doc: String,
    total: usize,
    counts: Vec<Count>,
    /// The page opens filtered on the verdicts that need attention.
    focus: bool,
    passed: bool,
    exit_status: i32,
    gate: Option<&'a super::Gate>,
    sections: Vec<SectionView<'a>>,
    results: Vec<ResultView<'a>>,
}

#[derive(Serialize)]
struct Count {
    verdict: &'static str,
    label: &'static str,
    n: usize,
    /// Ticked in the filter when the page opens: the verdicts that need attention (fail,
    /// warning, error) when there are any, else every verdict.
    shown: bool,
}

/// The verdicts a reader must look at: a broken MUST or SHOULD, or a case that could not be
/// judged. `info` is an observation (a MAY, or a point the draft leaves open), not a problem.
fn needs_attention(v: Verdict) -> bool {
    matches!(v, Verdict::Fail | Verdict::Warning | Verdict::Error)
}

#[derive(Serialize)]
struct SectionView<'a> {
    label: String,
    link: String,
    anchor: &'a str,
    requirements: Vec<RequirementView<'a>>,
}

#[derive(Serialize)]
struct RequirementView<'a> {
    id: &'a str,
    level: String,
    summary: &'a str,
    verdict: &'static str,
    excluded: Option<&'a str>,
    counts: String,
    /// Results that are not a pass (shown at once) and all results (behind a toggle).
    notable: Vec<ResultLink<'a>>,
    results: Vec<ResultLink<'a>>,
}

#[derive(Serialize)]
struct ResultLink<'a> {
    id: &'a str,
    verdict: &'static str,
}

#[derive(Serialize)]
struct ResultView<'a> {
    id: &'a str,
    scenario: &'a str,
    title: &'a str,
    mode: &'static str,
    endpoint: &'static str,
    level: String,
    verdict: &'static str,
    /// The verdict as the run counts it: `fail` for a warning under `--strict`.
    shown: &'static str,
    strict_failure: bool,
    reason: &'a str,
    draft: String,
    duration_ms: u64,
    baseline_reason: Option<&'a str>,
    requirements: Vec<RequirementRef<'a>>,
    mutations: String,
    expect: String,
    exchanges: Vec<ExchangeView<'a>>,
    /// The command that re-sends the case with fresh tokens.
    replay: String,
}

#[derive(Serialize)]
struct RequirementRef<'a> {
    id: &'a str,
    level: String,
    summary: &'a str,
    section: String,
    link: String,
}

#[derive(Serialize)]
struct ExchangeView<'a> {
    purpose: &'a str,
    method: &'a str,
    url: &'a str,
    headers: &'a [(String, String)],
    body: &'a str,
    response: Option<ResponseView<'a>>,
    error: Option<&'a str>,
    jwts: Vec<JwtView<'a>>,
    curl: String,
    duration_ms: u64,
}

#[derive(Serialize)]
struct ResponseView<'a> {
    status: u16,
    headers: &'a [(String, String)],
    body: String,
    truncated: bool,
}

#[derive(Serialize)]
struct JwtView<'a> {
    field: &'a str,
    header: String,
    claims: String,
}

fn pretty(v: &serde_json::Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string())
}

/// A JSON body pretty-printed; anything else as received.
fn pretty_body(body: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(body) {
        Ok(v) if !body.trim().is_empty() => pretty(&v),
        _ => body.to_string(),
    }
}

fn label(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "pass",
        Verdict::Fail => "fail",
        Verdict::Warning => "warning",
        Verdict::Info => "info",
        Verdict::NotApplicable => "n/a",
        Verdict::Error => "error",
    }
}

fn exchange(x: &Exchange) -> ExchangeView<'_> {
    ExchangeView {
        purpose: &x.purpose,
        method: &x.request.method,
        url: &x.request.url,
        headers: &x.request.headers,
        body: &x.request.body,
        response: x.response.as_ref().map(|r| ResponseView {
            status: r.status,
            headers: &r.headers,
            body: pretty_body(&r.body),
            truncated: r.body_truncated,
        }),
        error: x.error.as_deref(),
        jwts: x
            .jwts
            .iter()
            .map(|j| JwtView {
                field: &j.field,
                header: pretty(&j.header),
                claims: pretty(&j.claims),
            })
            .collect(),
        curl: curl::command(&x.request),
        duration_ms: x.duration_ms,
    }
}

fn result<'a>(report: &'a Report, r: &'a CaseResult) -> ResultView<'a> {
    let strict = gate::strict_failure(report, r);
    ResultView {
        id: &r.id,
        scenario: &r.scenario,
        title: &r.title,
        mode: r.mode.as_str(),
        endpoint: r.endpoint.as_str(),
        level: format!("{:?}", r.level),
        verdict: r.verdict.as_str(),
        shown: if strict { "fail" } else { r.verdict.as_str() },
        strict_failure: strict,
        reason: &r.reason,
        draft: crate::revision::Revision::parse(&r.draft)
            .map(|v| v.label())
            .unwrap_or_else(|_| r.draft.clone()),
        duration_ms: r.duration_ms,
        baseline_reason: r.baseline.as_ref().map(|b| b.baseline_reason.as_str()),
        requirements: r
            .requirements
            .iter()
            .map(|id| {
                let req = report.requirements.iter().find(|q| &q.id == id);
                let section = req.map(|q| q.section.as_str()).unwrap_or(sections::UNKNOWN);
                RequirementRef {
                    id,
                    level: req.map(|q| format!("{:?}", q.level)).unwrap_or_default(),
                    summary: req.map(|q| q.summary.as_str()).unwrap_or(""),
                    section: req
                        .and_then(|q| q.cite.clone())
                        .unwrap_or_else(|| sections::label(report, section)),
                    link: req
                        .and_then(|q| q.url.clone())
                        .unwrap_or_else(|| sections::link(report, section)),
                }
            })
            .collect(),
        mutations: pretty(&serde_json::Value::Array(r.mutations.clone())),
        expect: pretty(&r.expect),
        exchanges: r.exchanges.iter().map(exchange).collect(),
        replay: report.replay_line(&r.id),
    }
}

fn view(report: &Report) -> View<'_> {
    let focus = Verdict::ALL
        .iter()
        .any(|&v| needs_attention(v) && report.summary.get(v) > 0);
    let counts = Verdict::ALL
        .iter()
        .map(|&v| Count {
            verdict: v.as_str(),
            label: label(v),
            n: report.summary.get(v),
            shown: !focus || needs_attention(v),
        })
        .collect();
    let sections = sections::requirements(report)
        .into_iter()
        .map(|(s, reqs)| SectionView {
            label: sections::label(report, s),
            link: sections::link(report, s),
            anchor: s,
            requirements: reqs
                .into_iter()
                .map(|q| RequirementView {
                    id: &q.id,
                    level: format!("{:?}", q.level),
                    summary: &q.summary,
                    verdict: q.verdict.as_str(),
                    excluded: q.excluded.as_deref(),
                    counts: q
                        .counts
                        .iter()
                        .map(|(k, n)| format!("{n} {k}"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    notable: report
                        .results
                        .iter()
                        .filter(|r| r.requirements.contains(&q.id))
                        .filter(|r| !matches!(r.verdict, Verdict::Pass | Verdict::NotApplicable))
                        .map(|r| ResultLink {
                            id: &r.id,
                            verdict: r.verdict.as_str(),
                        })
                        .collect(),
                    results: report
                        .results
                        .iter()
                        .filter(|r| r.requirements.contains(&q.id))
                        .map(|r| ResultLink {
                            id: &r.id,
                            verdict: r.verdict.as_str(),
                        })
                        .collect(),
                })
                .collect(),
        })
        .collect();
    let exit_status = gate::exit_status(report);
    View {
        title: format!(
            "abca-conformance {}: {}",
            report.tool.draft_label(),
            report.target.issuer
        ),
        tool: &report.tool,
        target: &report.target,
        draft_url: sections::revision(report).document_url().to_string(),
        draft_label: report.tool.draft_label(),
        draft_doc: format!(
            "draft-ietf-oauth-attestation-based-client-auth-{}",
            sections::revision(report).as_str()
        ),
        total: report.results.len(),
        counts,
        focus,
        passed: exit_status == 0,
        exit_status,
        gate: report.gate.as_ref(),
        sections,
        results: {
            // What needs a look first; the sort is stable, so run order holds within a verdict.
            let mut rs: Vec<&CaseResult> = report.results.iter().collect();
            rs.sort_by_key(|r| std::cmp::Reverse(r.verdict.severity()));
            rs.into_iter().map(|r| result(report, r)).collect()
        },
    }
}

fn environment() -> anyhow::Result<Environment<'static>> {
    let mut env = Environment::new();
    // Explicit, not left to the file-name rule: everything is escaped for HTML.
    env.set_auto_escape_callback(|_| AutoEscape::Html);
    env.add_template("report.html", TEMPLATE)?;
    Ok(env)
}

pub fn render(report: &Report) -> anyhow::Result<String> {
    let env = environment()?;
    let tmpl = env.get_template("report.html")?;
    Ok(tmpl.render(view(report))?)
}
