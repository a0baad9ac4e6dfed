//! `--format ndjson`: one JSON object per line on stdout, written as each result is decided
//! (from the runner's `on_result` callback), then one summary line. Every line has a `type`:
//! `result` (the fields of a report.json result) or `summary` (counts and the exit decision).
use super::{CaseResult, Gate, Report, Summary};
use serde::Serialize;
use std::io::Write;

#[derive(Serialize)]
struct ResultLine<'a> {
    r#type: &'static str,
    #[serde(flatten)]
    result: &'a CaseResult,
}

#[derive(Serialize)]
struct SummaryLine<'a> {
    r#type: &'static str,
    tool: &'a str,
    version: &'a str,
    draft: &'a str,
    issuer: &'a str,
    results: usize,
    duration_ms: u64,
    summary: &'a Summary,
    exit_status: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    gate: Option<&'a Gate>,
}

/// The line of one result (no trailing newline).
pub fn result_line(r: &CaseResult) -> serde_json::Result<String> {
    serde_json::to_string(&ResultLine {
        r#type: "result",
        result: r,
    })
}

/// The closing line (no trailing newline).
pub fn summary_line(report: &Report) -> serde_json::Result<String> {
    serde_json::to_string(&SummaryLine {
        r#type: "summary",
        tool: &report.tool.name,
        version: &report.tool.version,
        draft: &report.tool.draft,
        issuer: &report.target.issuer,
        results: report.results.len(),
        duration_ms: report.tool.duration_ms,
        summary: &report.summary,
        exit_status: super::gate::exit_status(report),
        gate: report.gate.as_ref(),
    })
}

/// Writes one line and flushes, so a consumer reading the pipe sees each result at once.
/// Errors (a closed pipe) are returned, never panicked on.
pub fn emit(out: &mut impl Write, line: &str) -> std::io::Result<()> {
    out.write_all(line.as_bytes())?;
    out.write_all(b"\n")?;
    out.flush()
}
