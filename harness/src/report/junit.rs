//! JUnit XML: one testcase per result; `failure` for fail, `error` for error, `skipped` with
//! the reason for not_applicable; requirement ids and level as properties.
use super::{Report, Verdict};
use quick_junit::{NonSuccessKind, Property, TestCase, TestCaseStatus, TestSuite};

pub fn render(report: &Report) -> anyhow::Result<String> {
    let mut junit = quick_junit::Report::new("abca-conformance");
    let mut suites: std::collections::BTreeMap<String, TestSuite> = Default::default();
    for r in &report.results {
        let area = r.scenario.split('-').next().unwrap_or("suite").to_string();
        let suite = suites
            .entry(area.clone())
            .or_insert_with(|| TestSuite::new(format!("abca-conformance.{area}")));
        let status = match r.verdict {
            Verdict::Pass | Verdict::Info | Verdict::Warning => TestCaseStatus::success(),
            Verdict::Fail => {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                s.set_message(r.reason.clone());
                s.set_type(format!("{:?}", r.level));
                s
            }
            Verdict::Error => {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Error);
                s.set_message(r.reason.clone());
                s.set_type("inconclusive");
                s
            }
            Verdict::NotApplicable => {
                let mut s = TestCaseStatus::skipped();
                s.set_message(r.reason.clone());
                s
            }
        };
        let mut tc = TestCase::new(r.id.clone(), status);
        tc.set_classname(format!("abca-conformance.{area}.{}", r.scenario));
        tc.set_time(std::time::Duration::from_millis(r.duration_ms));
        tc.add_property(Property::new("verdict", r.verdict.as_str()));
        tc.add_property(Property::new("level", format!("{:?}", r.level)));
        tc.add_property(Property::new("draft", r.draft.clone()));
        for req in &r.requirements {
            tc.add_property(Property::new("requirement", req.clone()));
        }
        if matches!(r.verdict, Verdict::Warning | Verdict::Info) {
            tc.set_system_out(format!("{}: {}", r.verdict.as_str(), r.reason));
        }
        suite.add_test_case(tc);
    }
    junit.add_test_suites(suites.into_values());
    Ok(junit.to_string()?)
}
