//! Grouping by draft section, shared by the terminal, HTML and Markdown renderers.
//!
//! A result is counted under the section of its first requirement (its primary one), so the
//! per-section counts add up to the run's totals; requirements are grouped by their own
//! section.
use super::{CaseResult, Report, RequirementResult, Summary};
use crate::catalog::rfc_anchor;
use crate::revision::Revision;
use std::collections::BTreeMap;

/// Sections of results whose requirement is not in the report's catalog.
pub const UNKNOWN: &str = "(unknown section)";

/// Results counted per section, in catalog order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SectionCounts {
    pub section: String,
    pub counts: Summary,
}

/// The section a result is counted under.
pub fn section_of<'a>(report: &'a Report, result: &CaseResult) -> &'a str {
    result
        .requirements
        .first()
        .and_then(|id| report.requirements.iter().find(|r| &r.id == id))
        .map(|r| r.section.as_str())
        .unwrap_or(UNKNOWN)
}

/// Sections in the order the catalog first names them.
pub fn order(report: &Report) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for r in &report.requirements {
        if !out.contains(&r.section.as_str()) {
            out.push(&r.section);
        }
    }
    out
}

/// Per-section result counts; sections without results are left out.
pub fn result_counts(report: &Report) -> Vec<SectionCounts> {
    let mut by: BTreeMap<&str, Summary> = BTreeMap::new();
    for r in &report.results {
        by.entry(section_of(report, r)).or_default().add(r.verdict);
    }
    let mut out = Vec::new();
    for s in order(report).into_iter().chain([UNKNOWN]) {
        if let Some(counts) = by.remove(s) {
            out.push(SectionCounts {
                section: s.to_string(),
                counts,
            });
        }
    }
    out
}

/// Requirements grouped by section, in catalog order.
pub fn requirements(report: &Report) -> Vec<(&str, Vec<&RequirementResult>)> {
    order(report)
        .into_iter()
        .map(|s| {
            let reqs = report
                .requirements
                .iter()
                .filter(|r| r.section == s)
                .collect();
            (s, reqs)
        })
        .collect()
}

/// The revision the report judged by (draft-11 when the report names none we know).
pub fn revision(report: &Report) -> Revision {
    Revision::parse(&report.tool.draft).unwrap_or_default()
}

/// Where a section anchor points: the section in the report's revision when the catalog
/// numbers it, the RFC's `#section-x.y` for `rfcNNNN-x.y` anchors, else the revision's text.
pub fn link(report: &Report, section: &str) -> String {
    if let Some((num, sec)) = rfc_anchor(section) {
        return format!("https://datatracker.ietf.org/doc/html/rfc{num}#section-{sec}");
    }
    let rev = revision(report);
    match number(report, section) {
        Some(n) => rev.section_url(n),
        None => rev.document_url().to_string(),
    }
}

/// How the section is named in reports: `draft-11 §7.2 (anchor)`, `draft-11 §anchor` when
/// unnumbered, or `RFC 9449 §4.3`.
pub fn label(report: &Report, section: &str) -> String {
    if let Some((num, sec)) = rfc_anchor(section) {
        return format!("RFC {num} §{sec}");
    }
    if section == UNKNOWN {
        return section.to_string();
    }
    let rev = revision(report).name();
    match number(report, section) {
        Some(n) => format!("{rev} §{n} ({section})"),
        None => format!("{rev} §{section}"),
    }
}

/// The number of section `anchor` in the report's revision, from its requirements.
fn number<'a>(report: &'a Report, anchor: &str) -> Option<&'a str> {
    report
        .requirements
        .iter()
        .find(|r| r.section == anchor && r.number.is_some())
        .and_then(|r| r.number.as_deref())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(draft: &str, reqs: Vec<RequirementResult>) -> Report {
        serde_json::from_value(serde_json::json!({
            "tool": {"name": "t", "version": "0", "draft": draft, "started_at": "", "duration_ms": 0},
            "target": {"issuer": "i", "embedded": true, "methods": [], "token_endpoint": null,
                       "par_endpoint": null, "challenge_endpoint": null, "metadata": {}},
            "summary": Summary::default(),
            "results": [],
            "requirements": reqs,
        }))
        .unwrap()
    }

    fn req(section: &str, number: Option<&str>) -> RequirementResult {
        serde_json::from_value(serde_json::json!({
            "id": "X", "section": section, "number": number, "level": "MUST", "summary": "",
            "verdict": "pass", "scenarios": [], "counts": {},
        }))
        .unwrap()
    }

    #[test]
    fn rfc_sections_link_to_the_rfc() {
        let r = report("draft-10", vec![]);
        assert_eq!(
            link(&r, "rfc9449-4.3"),
            "https://datatracker.ietf.org/doc/html/rfc9449#section-4.3"
        );
        assert_eq!(label(&r, "rfc9449-4.3"), "RFC 9449 §4.3");
        assert_eq!(
            link(&r, "verification-dpop-combined"),
            Revision::D10.document_url()
        );
        assert_eq!(
            label(&r, "verification-dpop-combined"),
            "draft-10 §verification-dpop-combined"
        );
        // Not an RFC anchor although it starts with "rfc".
        assert_eq!(link(&r, "rfcx-1"), Revision::D10.document_url());
    }

    #[test]
    fn numbered_sections_land_on_the_revision() {
        let r = report(
            "draft-07",
            vec![req("verification-client-attestation-pop-jwt", Some("9"))],
        );
        assert_eq!(
            label(&r, "verification-client-attestation-pop-jwt"),
            "draft-07 §9 (verification-client-attestation-pop-jwt)"
        );
        assert!(link(&r, "verification-client-attestation-pop-jwt").ends_with("auth-07#section-9"));
    }
}
