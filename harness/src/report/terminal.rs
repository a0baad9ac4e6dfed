//! The terminal summary: counts, then every result that is not a pass (most severe first),
//! each with its reason and the command that replays it.
use super::{Report, Verdict};
use std::fmt::Write;

pub struct Style {
    pub color: bool,
}

impl Style {
    /// Colours only on a terminal, and never with NO_COLOR set (no-color.org).
    pub fn detect() -> Style {
        use std::io::IsTerminal;
        Style {
            color: std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        }
    }
    fn paint(&self, v: Verdict, s: &str) -> String {
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
            let _ = writeln!(
                out,
                "{} {}  [{}] {}\n      {}\n      replay: abca-conformance run{} --only '{}'",
                style.paint(v, &format!("{:>7}", v.as_str().to_uppercase())),
                r.id,
                r.requirements.join(", "),
                r.title,
                r.reason,
                if report.target.embedded {
                    String::new()
                } else {
                    " <target options>".to_string()
                },
                r.id
            );
        }
    }
    if verbose {
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
    let s = &report.summary;
    let _ = writeln!(
        out,
        "\n{} against {}{} in {} ms: {} pass, {} fail, {} warning, {} info, {} not_applicable, {} error",
        report.tool.draft,
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
    out
}
