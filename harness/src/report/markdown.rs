//! `summary.md`: GitHub-flavoured Markdown for a PR comment or `$GITHUB_STEP_SUMMARY`:
//! counts, one line per result that needs attention (fail, warning, error), the `info`
//! observations apart, and counts by draft section. Rendered by
//! minijinja from `templates/summary.md`; table cells go through the `cell` filter, which
//! keeps a server's text from breaking the table or injecting markup.
use super::{gate, sections, CaseResult, Report, Verdict};
use minijinja::{AutoEscape, Environment};
use serde::Serialize;

const TEMPLATE: &str = include_str!("templates/summary.md");

/// Rows per table; GitHub caps a step summary at 1 MiB, and the HTML report has the rest.
pub const MAX_ROWS: usize = 200;
/// Characters of a reason kept in a table cell.
const MAX_REASON: usize = 300;

#[derive(Serialize)]
struct View<'a> {
    passed: bool,
    exit_status: i32,
    issuer: &'a str,
    embedded: bool,
    draft: String,
    version: &'a str,
    duration_ms: u64,
    total: usize,
    summary: &'a super::Summary,
    gate: Option<&'a super::Gate>,
    strict_failures: usize,
    not_passing: Vec<Row<'a>>,
    not_passing_total: usize,
    /// `info` results: observations, not problems.
    info: Vec<Row<'a>>,
    info_total: usize,
    not_applicable: Vec<Row<'a>>,
    not_applicable_total: usize,
    sections: Vec<SectionRow>,
    max_rows: usize,
}

#[derive(Serialize)]
struct Row<'a> {
    id: &'a str,
    verdict: String,
    requirement: String,
    reason: String,
}

#[derive(Serialize)]
struct SectionRow {
    label: String,
    link: String,
    pass: usize,
    fail: usize,
    warning: usize,
    info: usize,
    not_applicable: usize,
    error: usize,
}

/// Escapes text for one GitHub Markdown table cell, on one line.
pub fn cell(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\n' | '\r' | '\t' => out.push(' '),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '|' | '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '~' | '!' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let cut: String = s.chars().take(max).collect();
    format!("{cut}…")
}

fn row<'a>(report: &'a Report, r: &'a CaseResult) -> Row<'a> {
    let mut verdict = r.verdict.as_str().to_string();
    if gate::strict_failure(report, r) {
        verdict.push_str(" (fails: --strict)");
    }
    if r.baseline.is_some() {
        verdict.push_str(" (baselined)");
    }
    let requirement = r
        .requirements
        .iter()
        .map(|id| {
            let level = report
                .requirements
                .iter()
                .find(|q| &q.id == id)
                .map(|q| format!(" ({:?})", q.level))
                .unwrap_or_default();
            format!("{id}{level}")
        })
        .collect::<Vec<_>>()
        .join(", ");
    let reason = match &r.baseline {
        Some(b) if b.baseline_reason != r.reason => {
            format!("{} — baseline: {}", r.reason, b.baseline_reason)
        }
        _ => r.reason.clone(),
    };
    Row {
        id: &r.id,
        verdict,
        requirement,
        reason: shorten(&reason, MAX_REASON),
    }
}

fn view(report: &Report) -> View<'_> {
    let mut not_passing: Vec<&CaseResult> = report
        .results
        .iter()
        .filter(|r| matches!(r.verdict, Verdict::Fail | Verdict::Warning | Verdict::Error))
        .collect();
    // `info` is an observation (a MAY, or a point the draft leaves open), listed apart and
    // without a level: under "Not passing" with "(MUST)" it would read as a broken rule.
    let info: Vec<&CaseResult> = report
        .results
        .iter()
        .filter(|r| r.verdict == Verdict::Info)
        .collect();
    not_passing.sort_by_key(|r| {
        (
            std::cmp::Reverse(r.verdict.severity()),
            r.baseline.is_some(),
        )
    });
    let not_applicable: Vec<&CaseResult> = report
        .results
        .iter()
        .filter(|r| r.verdict == Verdict::NotApplicable)
        .collect();
    let exit_status = gate::exit_status(report);
    View {
        passed: exit_status == 0,
        exit_status,
        issuer: &report.target.issuer,
        embedded: report.target.embedded,
        draft: format!("judged by {}", report.tool.draft_label()),
        version: &report.tool.version,
        duration_ms: report.tool.duration_ms,
        total: report.results.len(),
        summary: &report.summary,
        gate: report.gate.as_ref(),
        strict_failures: report
            .results
            .iter()
            .filter(|r| gate::strict_failure(report, r))
            .count(),
        not_passing_total: not_passing.len(),
        not_passing: not_passing
            .iter()
            .take(MAX_ROWS)
            .map(|r| row(report, r))
            .collect(),
        info_total: info.len(),
        info: info
            .iter()
            .take(MAX_ROWS)
            .map(|r| Row {
                requirement: r.requirements.join(", "),
                ..row(report, r)
            })
            .collect(),
        not_applicable_total: not_applicable.len(),
        not_applicable: not_applicable
            .iter()
            .take(MAX_ROWS)
            .map(|r| row(report, r))
            .collect(),
        sections: sections::result_counts(report)
            .into_iter()
            .map(|s| SectionRow {
                label: sections::label(report, &s.section),
                link: sections::link(report, &s.section),
                pass: s.counts.pass,
                fail: s.counts.fail,
                warning: s.counts.warning,
                info: s.counts.info,
                not_applicable: s.counts.not_applicable,
                error: s.counts.error,
            })
            .collect(),
        max_rows: MAX_ROWS,
    }
}

pub fn render(report: &Report) -> anyhow::Result<String> {
    let mut env = Environment::new();
    // Markdown is not HTML: escaping is the `cell` filter's job, applied where text lands.
    env.set_auto_escape_callback(|_| AutoEscape::None);
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.add_filter("cell", |s: String| cell(&s));
    env.add_template("summary.md", TEMPLATE)?;
    Ok(env.get_template("summary.md")?.render(view(report))?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_stay_one_cell() {
        assert_eq!(
            cell("a|b\nc <script> `x` *y* [l](u)"),
            "a\\|b c &lt;script&gt; \\`x\\` \\*y\\* \\[l\\](u)"
        );
    }
}
