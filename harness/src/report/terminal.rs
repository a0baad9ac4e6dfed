//! The terminal summary: every result that is not a pass (most severe first), each with its
//! reason and the command that replays it; with `--verbose`, every requirement with its cases
//! and verdicts (passes too) and the not-applicable reasons; then counts by draft section;
//! then the totals and what decides the exit status (`--strict`, baseline).
use super::{gate, sections, Report, Summary, Verdict};
use std::fmt::Write;

pub struct Style {
    pub color: bool,
}

impl Style {
    /// For stdout: colours only on a terminal, and never with NO_COLOR set (no-color.org).
    pub fn detect() -> Style {
        use std::io::IsTerminal;
        Style::for_stream(std::io::stdout().is_terminal())
    }
    /// For stderr (where the summary goes when stdout carries NDJSON).
    pub fn detect_stderr() -> Style {
        use std::io::IsTerminal;
        Style::for_stream(std::io::stderr().is_terminal())
    }
    pub fn for_stream(is_terminal: bool) -> Style {
        Style {
            color: is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        }
    }
    pub fn paint(&self, v: Verdict, s: &str) -> String {
        if !self.color {
            return s.to_string();
        }
        let code = match v {
            Verdict::Pass => "32",
            Verdict::Fail => "31;1",
            Verdict::Warning => "33",
            Verdict::Info => "36",
            Verdict::NotApplicable => "2",
            Verdict::Error => "35;1",
        };
        format!("\x1b[{code}m{s}\x1b[0m")
    }
}

pub fn render(report: &Report, style: &Style, verbose: bool) -> String {
    let mut out = String::new();
    let order = [
        Verdict::Fail,
        Verdict::Error,
        Verdict::Warning,
        Verdict::Info,
    ];
    for v in order {
        for r in report.results.iter().filter(|r| r.verdict == v) {
            // Under --strict a warning fails the run: show it as the failure it counts as.
            let strict = gate::strict_failure(report, r);
            let (shown, label) = if strict {
                (Verdict::Fail, "FAIL".to_string())
            } else {
                (v, v.as_str().to_uppercase())
            };
            let note = match (&r.baseline, strict) {
                (Some(_), _) => " (baselined)",
                (None, true) => " (warning, --strict)",
                _ => "",
            };
            let _ = writeln!(
                out,
                "{} {}{}  [{}] {}\n      {}",
                style.paint(shown, &format!("{label:>7}")),
                r.id,
                note,
                r.requirements.join(", "),
                r.title,
                r.reason,
            );
            if let Some(b) = &r.baseline {
                let _ = writeln!(out, "      baseline: {}", b.baseline_reason);
            }
            let _ = writeln!(out, "      replay: {}", report.replay_line(&r.id));
        }
    }
    if verbose {
        by_requirement(&mut out, report, style);
        for r in report
            .results
            .iter()
            .filter(|r| r.verdict == Verdict::NotApplicable)
        {
            let _ = writeln!(
                out,
                "{} {}  {}",
                style.paint(Verdict::NotApplicable, "    N/A"),
                r.id,
                r.reason
            );
        }
    }
    section_table(&mut out, report, style);
    let s = &report.summary;
    let _ = writeln!(
        out,
        "\n{} against {}{} in {} ms: {} pass, {} fail, {} warning, {} info, {} not_applicable, {} error",
        report.tool.draft_label(),
        report.target.issuer,
        if report.target.embedded { " (embedded reference AS)" } else { "" },
        report.tool.duration_ms,
        style.paint(Verdict::Pass, &s.pass.to_string()),
        style.paint(Verdict::Fail, &s.fail.to_string()),
        style.paint(Verdict::Warning, &s.warning.to_string()),
        style.paint(Verdict::Info, &s.info.to_string()),
        s.not_applicable,
        style.paint(Verdict::Error, &s.error.to_string()),
    );
    if let Some(causes) = inconclusive_causes(report) {
        let _ = writeln!(
            out,
            "{} not judged: {causes}",
            style.paint(Verdict::Error, "error")
        );
    }
    if let Some(n) = &report.tool.draft_note {
        let _ = writeln!(out, "{n}");
    }
    gate_lines(&mut out, report, style);
    out
}

/// The `error` results counted by cause (`330 control_refused, 9 no_answer`), most frequent
/// first: what kept the suite from judging them, at a glance.
fn inconclusive_causes(report: &Report) -> Option<String> {
    let mut counts = std::collections::BTreeMap::new();
    for r in &report.results {
        if let Some(c) = r.inconclusive {
            *counts.entry(c).or_insert(0usize) += 1;
        }
    }
    let mut counts: Vec<_> = counts.into_iter().collect();
    counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    (!counts.is_empty()).then(|| {
        counts
            .iter()
            .map(|(c, n)| format!("{n} {}", c.as_str()))
            .collect::<Vec<_>>()
            .join(", ")
    })
}

/// `--verbose`: every requirement of the run, by draft section, with each case that checks
/// it and its verdict (h2spec style), so the passes are visible too.
fn by_requirement(out: &mut String, report: &Report, style: &Style) {
    let _ = writeln!(out, "\nBy requirement:");
    for (section, reqs) in sections::requirements(report) {
        let rows: Vec<_> = reqs
            .into_iter()
            .map(|q| {
                let rs: Vec<_> = report
                    .results
                    .iter()
                    .filter(|r| r.requirements.contains(&q.id))
                    .collect();
                (q, rs)
            })
            .filter(|(_, rs)| !rs.is_empty())
            .collect();
        if rows.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n  {}", sections::label(report, section));
        for (q, rs) in rows {
            let _ = writeln!(out, "    {} ({:?}) {}", q.id, q.level, q.summary);
            for r in rs {
                let mark = match r.verdict {
                    Verdict::Pass => "✔",
                    Verdict::Fail => "✖",
                    Verdict::Warning => "!",
                    Verdict::Info => "i",
                    Verdict::NotApplicable => "-",
                    Verdict::Error => "?",
                };
                let _ = writeln!(
                    out,
                    "      {} {} {}",
                    style.paint(r.verdict, mark),
                    r.id,
                    style.paint(r.verdict, r.verdict.as_str())
                );
            }
        }
    }
}

/// Result counts per draft section, aligned.
fn section_table(out: &mut String, report: &Report, style: &Style) {
    let rows = sections::result_counts(report);
    if rows.is_empty() {
        return;
    }
    let labels: Vec<String> = rows
        .iter()
        .map(|r| sections::label(report, &r.section))
        .collect();
    let width = labels
        .iter()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(0)
        .max("section".len());
    let _ = writeln!(
        out,
        "\n{:<width$}  {:>5} {:>5} {:>7} {:>5} {:>5} {:>5}",
        "section", "pass", "fail", "warning", "info", "n/a", "error"
    );
    let cell = |v: Verdict, c: &Summary, w: usize| {
        let n = c.get(v);
        let text = format!("{n:>w$}");
        // Colour only what needs a look: a zero stays plain.
        if n == 0 || v == Verdict::NotApplicable {
            text
        } else {
            style.paint(v, &text)
        }
    };
    for (row, label) in rows.iter().zip(&labels) {
        let pad = width - label.chars().count();
        let c = &row.counts;
        let _ = writeln!(
            out,
            "{label}{:pad$}  {} {} {} {} {} {}",
            "",
            cell(Verdict::Pass, c, 5),
            cell(Verdict::Fail, c, 5),
            cell(Verdict::Warning, c, 7),
            cell(Verdict::Info, c, 5),
            cell(Verdict::NotApplicable, c, 5),
            cell(Verdict::Error, c, 5),
        );
    }
}

/// What decided the exit status: strict warnings, baselined results, stale entries.
fn gate_lines(out: &mut String, report: &Report, style: &Style) {
    let Some(g) = &report.gate else {
        return;
    };
    let counted = report
        .results
        .iter()
        .filter(|r| gate::strict_failure(report, r))
        .count();
    if counted > 0 {
        let _ = writeln!(out, "--strict: {counted} warning(s) count as failures");
    }
    if let Some(path) = &g.baseline {
        let _ = writeln!(
            out,
            "baseline {path}: {} result(s) baselined, {} stale entr{}",
            g.baselined,
            g.stale_baseline.len(),
            if g.stale_baseline.len() == 1 {
                "y"
            } else {
                "ies"
            }
        );
        for s in &g.stale_baseline {
            let _ = writeln!(
                out,
                "{} baseline entry {} ({}): {}",
                style.paint(Verdict::Fail, "  STALE"),
                s.case,
                s.verdict.as_str(),
                s.problem
            );
        }
    }
    let verdict = if g.exit_status == 0 {
        style.paint(Verdict::Pass, "PASSED")
    } else {
        style.paint(Verdict::Fail, "FAILED")
    };
    let _ = writeln!(
        out,
        "{verdict}: {} result(s) and {} baseline entr{} fail the run (exit {})",
        g.failing.len(),
        g.stale_baseline.len(),
        if g.stale_baseline.len() == 1 {
            "y"
        } else {
            "ies"
        },
        g.exit_status
    );
}
