//! Grouping by draft section, shared by the terminal, HTML and Markdown renderers.
//!
//! A result is counted under the section of its first requirement (its primary one), so the
//! per-section counts add up to the run's totals; requirements are grouped by their own
//! section.
use super::{CaseResult, Report, RequirementResult, Summary};
use std::collections::BTreeMap;

/// Sections of results whose requirement is not in the report's catalog.
pub const UNKNOWN: &str = "(unknown section)";

/// The draft the catalog's section anchors belong to (datatracker keeps this URL stable;
/// the per-revision HTML anchors are not, so the anchor is shown as text).
pub const DRAFT_URL: &str =
    "https://datatracker.ietf.org/doc/html/draft-ietf-oauth-attestation-based-client-auth-10";

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

/// Where a section anchor points: the draft (no stable per-section anchor), or an RFC's
/// `#section-x.y` for `rfcNNNN-x.y` anchors (datatracker keeps those stable).
pub fn link(section: &str) -> String {
    if let Some(rest) = section.strip_prefix("rfc") {
        if let Some((num, sec)) = rest.split_once('-') {
            if !num.is_empty() && num.bytes().all(|b| b.is_ascii_digit()) {
                return format!("https://datatracker.ietf.org/doc/html/rfc{num}#section-{sec}");
            }
        }
    }
    DRAFT_URL.to_string()
}

/// How the section is named in reports: `draft-10 §anchor` or `RFC 9449 §4.3`.
pub fn label(section: &str) -> String {
    if let Some(rest) = section.strip_prefix("rfc") {
        if let Some((num, sec)) = rest.split_once('-') {
            if !num.is_empty() && num.bytes().all(|b| b.is_ascii_digit()) {
                return format!("RFC {num} §{sec}");
            }
        }
    }
    if section == UNKNOWN {
        return section.to_string();
    }
    format!("draft-10 §{section}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_sections_link_to_the_rfc() {
        assert_eq!(
            link("rfc9449-4.3"),
            "https://datatracker.ietf.org/doc/html/rfc9449#section-4.3"
        );
        assert_eq!(label("rfc9449-4.3"), "RFC 9449 §4.3");
        assert_eq!(link("verification-dpop-combined"), DRAFT_URL);
        assert_eq!(
            label("verification-dpop-combined"),
            "draft-10 §verification-dpop-combined"
        );
        // Not an RFC anchor although it starts with "rfc".
        assert_eq!(link("rfcx-1"), DRAFT_URL);
    }
}
