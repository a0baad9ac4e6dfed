//! JUnit XML: one testcase per result; `failure` for fail (and for a warning under
//! `--strict`), `error` for error, `skipped` with the reason for not_applicable and for a
//! baselined result. Valid against the Jenkins JUnit schema (tests/data/junit-10.xsd), which
//! allows properties on a testsuite only: a case's verdict, level and requirement ids go in
//! its system-out.
use super::{gate, CaseResult, Report, Verdict};
use quick_junit::{NonSuccessKind, Property, TestCase, TestCaseStatus, TestSuite};

/// XML 1.0 cannot carry most control characters, not even escaped; a reason quoting a
/// server's binary answer must not make the file unreadable.
pub fn xml_safe(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => c,
            c if c < ' ' || c == '\u{FFFE}' || c == '\u{FFFF}' => '\u{FFFD}',
            c => c,
        })
        .collect()
}

fn non_success(kind: NonSuccessKind, message: &str, ty: &str) -> TestCaseStatus {
    let mut s = TestCaseStatus::non_success(kind);
    s.set_message(xml_safe(message));
    s.set_type(ty);
    s
}

fn status(report: &Report, r: &CaseResult) -> TestCaseStatus {
    if let Some(b) = &r.baseline {
        let mut s = TestCaseStatus::skipped();
        s.set_message(xml_safe(&format!(
            "baselined {}: {}",
            r.verdict.as_str(),
            b.baseline_reason
        )));
        return s;
    }
    match r.verdict {
        Verdict::Warning if gate::strict_failure(report, r) => {
            non_success(NonSuccessKind::Failure, &r.reason, "SHOULD (--strict)")
        }
        Verdict::Pass | Verdict::Info | Verdict::Warning => TestCaseStatus::success(),
        Verdict::Fail => non_success(
            NonSuccessKind::Failure,
            &r.reason,
            &format!("{:?}", r.level),
        ),
        Verdict::Error => non_success(NonSuccessKind::Error, &r.reason, "inconclusive"),
        Verdict::NotApplicable => {
            let mut s = TestCaseStatus::skipped();
            s.set_message(xml_safe(&r.reason));
            s
        }
    }
}

pub fn render(report: &Report) -> anyhow::Result<String> {
    let mut junit = quick_junit::Report::new("abca-conformance");
    let mut suites: std::collections::BTreeMap<String, TestSuite> = Default::default();
    for r in &report.results {
        let area = r.scenario.split('-').next().unwrap_or("suite").to_string();
        let suite = suites.entry(area.clone()).or_insert_with(|| {
            let mut s = TestSuite::new(format!("abca-conformance.{area}"));
            s.add_property(Property::new("draft", report.tool.draft.clone()));
            s.add_property(Property::new("issuer", xml_safe(&report.target.issuer)));
            s.add_property(Property::new(
                "tool",
                format!("{} {}", report.tool.name, report.tool.version),
            ));
            s
        });
        let mut tc = TestCase::new(xml_safe(&r.id), status(report, r));
        tc.set_classname(xml_safe(&format!("abca-conformance.{area}.{}", r.scenario)));
        tc.set_time(std::time::Duration::from_millis(r.duration_ms));
        let mut out = format!(
            "verdict: {}\nlevel: {:?}\nrequirements: {}\ndraft: {}\nreason: {}\n",
            r.verdict.as_str(),
            r.level,
            r.requirements.join(", "),
            r.draft,
            r.reason
        );
        if let Some(b) = &r.baseline {
            out.push_str(&format!("baselined: {}\n", b.baseline_reason));
        }
        tc.set_system_out(xml_safe(&out));
        suite.add_test_case(tc);
    }
    junit.add_test_suites(suites.into_values());
    Ok(junit.to_string()?)
}
