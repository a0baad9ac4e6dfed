//! The requirement catalog, `suites/requirements.yaml`: every server-side normative
//! statement of the draft revisions the suite knows (-07, -10, -11, the -12 editor's copy; and
//! the RFC 9449 proof checks combined mode pulls in), with a stable id. Each requirement says
//! in which revisions it exists and where its section, item, level or wording differ; section
//! anchors map to each revision's section number. Which scenarios check a requirement is
//! derived from the scenarios, never listed twice.
use crate::revision::Revision;
use crate::scenario::{InputError, Level, Loaded};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    pub draft: String,
    /// Section anchors (the -10 names, plus anchors for sections other revisions add) and
    /// their number in each revision (REVISIONS.md §1). An anchor without a number in a
    /// revision does not exist there.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub sections: BTreeMap<String, SectionDef>,
    pub requirements: Vec<Requirement>,
}

/// One section of the draft across revisions.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SectionDef {
    pub title: String,
    /// Section number per revision, e.g. `{"07": "9", "10": "7.1"}`.
    pub numbers: BTreeMap<Revision, String>,
    /// Set when the anchor names another document (a profile such as HAIP 1.0), which no
    /// revision of the draft numbers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<String>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Requirement {
    pub id: String,
    /// The draft's section anchor (or `rfc9449-4.3`-style for other RFCs).
    pub section: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<u32>,
    pub level: Level,
    pub summary: String,
    /// Why it cannot be observed from outside; such a requirement has no scenario.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub excluded: Option<String>,
    /// The revisions the requirement belongs to; empty means all of them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub revisions: Vec<Revision>,
    /// Why the requirement does not exist in the other revisions (shown with
    /// `not_applicable` results of scenarios that check only such requirements).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub absent: Option<String>,
    /// Where a revision differs from the fields above: section, item, level, wording, and a
    /// note saying what changed (`list --changes`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub by_revision: BTreeMap<Revision, RevisionDelta>,
    /// What a rejection for breaking this rule is: a failed client authentication, so the
    /// error code is fixed (ERR-CLIENT-AUTH-CODE). Absent: any OAuth error code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejected_as: Option<ErrorClass>,
}

/// What one revision says differently about a requirement.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RevisionDelta {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub section: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<Level>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// What changed in this revision, in a sentence citing the text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change: Option<String>,
}

/// A requirement as one revision states it.
#[derive(Clone, Debug, PartialEq)]
pub struct Stated<'a> {
    pub id: &'a str,
    pub revision: Revision,
    /// Section anchor.
    pub section: &'a str,
    /// The section's number in this revision (None for RFC anchors and unmapped anchors).
    pub number: Option<&'a str>,
    pub item: Option<u32>,
    pub level: Level,
    pub summary: &'a str,
    pub change: Option<&'a str>,
}

impl Stated<'_> {
    /// `draft-11 §7.2 item 5`, `RFC 9449 §4.3`, or `draft-11 §anchor` when unmapped.
    pub fn cite(&self) -> String {
        let item = self.item.map(|i| format!(" item {i}")).unwrap_or_default();
        match (rfc_anchor(self.section), self.number) {
            (Some((num, sec)), _) => format!("RFC {num} §{sec}"),
            (None, Some(n)) => format!("{} §{n}{item}", self.revision.name()),
            (None, None) => format!("{} §{}{item}", self.revision.name(), self.section),
        }
    }
    /// A link that lands on the section in this revision's text (or the RFC's).
    pub fn url(&self) -> String {
        match (rfc_anchor(self.section), self.number) {
            (Some((num, sec)), _) => {
                format!("https://datatracker.ietf.org/doc/html/rfc{num}#section-{sec}")
            }
            (None, Some(n)) => self.revision.section_url(n),
            (None, None) => self.revision.document_url().to_string(),
        }
    }
}

/// `rfc9449-4.3` → ("9449", "4.3").
pub fn rfc_anchor(section: &str) -> Option<(&str, &str)> {
    let rest = section.strip_prefix("rfc")?;
    let (num, sec) = rest.split_once('-')?;
    (!num.is_empty() && num.bytes().all(|b| b.is_ascii_digit())).then_some((num, sec))
}

impl Requirement {
    /// Does the requirement exist in `rev`?
    pub fn in_revision(&self, rev: Revision) -> bool {
        self.revisions.is_empty() || self.revisions.contains(&rev)
    }

    /// Why the requirement is not part of `rev` (None when it is).
    pub fn absent_reason(&self, rev: Revision) -> Option<String> {
        if self.in_revision(rev) {
            return None;
        }
        let list: Vec<&str> = self.revisions.iter().map(|r| r.name()).collect();
        Some(match &self.absent {
            Some(why) => format!("{} is not a rule of {rev}: {why}", self.id),
            None => format!("{} is a rule of {} only", self.id, list.join(", ")),
        })
    }
}

/// The kind of failure a broken rule is, and the error codes that name it.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ErrorClass {
    /// A well-formed attestation or PoP that does not verify: client authentication failed.
    /// RFC 6749 §5.2 `invalid_client` ("Client authentication failed"); draft-10 §Errors
    /// `invalid_client_attestation` "MAY be used in addition". `invalid_request` is for
    /// malformed requests, so such rules leave malformed input (bad base64, two fields) out.
    ClientAuthentication,
    /// A DPoP proof that does not verify: RFC 9449 §5 answers `invalid_dpop_proof`; in
    /// combined mode the proof is also the client's authentication (draft-10 §DPoP combined
    /// mode), so `invalid_client` / `invalid_client_attestation` are right too.
    DpopProof,
}

impl ErrorClass {
    pub fn codes(self) -> &'static [&'static str] {
        match self {
            ErrorClass::ClientAuthentication => &["invalid_client", "invalid_client_attestation"],
            ErrorClass::DpopProof => &[
                "invalid_dpop_proof",
                "invalid_client",
                "invalid_client_attestation",
            ],
        }
    }
}

impl Catalog {
    pub fn parse(path: &str, text: &str) -> Result<Catalog, InputError> {
        let c: Catalog = crate::scenario::load::parse_yaml(path, text)?;
        let mut seen = std::collections::BTreeSet::new();
        for r in &c.requirements {
            if !seen.insert(r.id.as_str()) {
                return Err(InputError::new(
                    path,
                    format!("duplicate requirement id `{}`", r.id),
                ));
            }
            for (rev, d) in &r.by_revision {
                if !r.in_revision(*rev) {
                    return Err(InputError::new(
                        path,
                        format!(
                            "{}: by_revision names {rev}, which is not in its revisions",
                            r.id
                        ),
                    ));
                }
                if let Some(s) = &d.section {
                    if rfc_anchor(s).is_none()
                        && !c.sections.is_empty()
                        && !c.sections.contains_key(s)
                    {
                        return Err(InputError::new(
                            path,
                            format!("{}: unknown section anchor `{s}` for {rev}", r.id),
                        ));
                    }
                }
            }
            if rfc_anchor(&r.section).is_none()
                && !c.sections.is_empty()
                && !c.sections.contains_key(&r.section)
            {
                return Err(InputError::new(
                    path,
                    format!(
                        "{}: unknown section anchor `{}` (add it under `sections:`)",
                        r.id, r.section
                    ),
                ));
            }
        }
        Ok(c)
    }

    /// The catalog compiled into the binary.
    pub fn embedded() -> Result<Catalog, InputError> {
        let text = crate::embedded_files::SUITES
            .iter()
            .find(|(p, _)| *p == "requirements.yaml")
            .map(|(_, t)| *t)
            .ok_or_else(|| InputError::new("suites/requirements.yaml", "not embedded"))?;
        Catalog::parse("suites/requirements.yaml", text)
    }

    pub fn get(&self, id: &str) -> Option<&Requirement> {
        self.requirements.iter().find(|r| r.id == id)
    }

    /// The number of section `anchor` in `rev`.
    pub fn section_number(&self, anchor: &str, rev: Revision) -> Option<&str> {
        self.sections
            .get(anchor)
            .and_then(|s| s.numbers.get(&rev))
            .map(String::as_str)
    }

    /// Does `anchor` name a part of another document (see [`SectionDef::document`])?
    pub fn is_other_document(&self, anchor: &str) -> bool {
        self.sections
            .get(anchor)
            .is_some_and(|s| s.document.is_some())
    }

    /// Requirement `id` as revision `rev` states it; None when it is not a rule of `rev`.
    pub fn stated(&self, id: &str, rev: Revision) -> Option<Stated<'_>> {
        let r = self.get(id)?;
        r.in_revision(rev).then(|| self.state(r, rev))
    }

    /// The fields of a requirement state the -10 rule. An entry of `by_revision` for -11 also
    /// holds for -12 unless -12 has its own (field by field: the later revision wins); an entry
    /// for -07 holds for -07 only.
    fn state<'a>(&'a self, r: &'a Requirement, rev: Revision) -> Stated<'a> {
        let deltas: Vec<&RevisionDelta> = r
            .by_revision
            .iter()
            .filter(|(k, _)| {
                if rev < Revision::D10 {
                    **k == rev
                } else {
                    **k >= Revision::D10 && **k <= rev
                }
            })
            .map(|(_, d)| d)
            .collect();
        let pick = |f: &dyn Fn(&'a RevisionDelta) -> Option<&'a str>| {
            deltas.iter().rev().find_map(|d| f(d))
        };
        let section = pick(&|d| d.section.as_deref()).unwrap_or(&r.section);
        Stated {
            id: &r.id,
            revision: rev,
            section,
            number: self.section_number(section, rev),
            item: deltas.iter().rev().find_map(|d| d.item).or(r.item),
            level: deltas.iter().rev().find_map(|d| d.level).unwrap_or(r.level),
            summary: pick(&|d| d.summary.as_deref()).unwrap_or(&r.summary),
            change: r.by_revision.get(&rev).and_then(|d| d.change.as_deref()),
        }
    }

    /// Every requirement of `rev`, as it states them, in catalog order.
    pub fn of_revision(&self, rev: Revision) -> Vec<(&Requirement, Stated<'_>)> {
        self.requirements
            .iter()
            .filter(|r| r.in_revision(rev))
            .map(|r| (r, self.state(r, rev)))
            .collect()
    }

    /// What differs between two revisions, from the catalog alone (`list --changes`).
    pub fn changes(&self, from: Revision, to: Revision) -> Vec<Change<'_>> {
        let mut out = Vec::new();
        for r in &self.requirements {
            match (r.in_revision(from), r.in_revision(to)) {
                (false, false) => {}
                (false, true) => out.push(Change {
                    id: &r.id,
                    kind: ChangeKind::Added,
                    before: None,
                    after: Some(self.state(r, to)),
                    note: note_between(r, from, to).or(r.absent.as_deref()),
                }),
                (true, false) => out.push(Change {
                    id: &r.id,
                    kind: ChangeKind::Removed,
                    before: Some(self.state(r, from)),
                    after: None,
                    note: r.absent.as_deref(),
                }),
                (true, true) => {
                    let (a, b) = (self.state(r, from), self.state(r, to));
                    let mut fields = Vec::new();
                    if a.level != b.level {
                        fields.push("level");
                    }
                    if a.summary != b.summary {
                        fields.push("wording");
                    }
                    if a.number != b.number || a.section != b.section || a.item != b.item {
                        fields.push("section");
                    }
                    let note = note_between(r, from, to);
                    // A renumbering alone is no rule change; list it only when asked for
                    // with the other differences (the `section` field says so).
                    if fields.iter().any(|f| *f != "section") || note.is_some() {
                        out.push(Change {
                            id: &r.id,
                            kind: ChangeKind::Changed(fields),
                            before: Some(a),
                            after: Some(b),
                            note,
                        });
                    }
                }
            }
        }
        out
    }

    /// Scenario ids checking each requirement, in catalog order.
    pub fn coverage<'a>(&'a self, scenarios: &'a [Loaded]) -> Vec<(&'a Requirement, Vec<&'a str>)> {
        self.requirements
            .iter()
            .map(|r| {
                let ids = scenarios
                    .iter()
                    .filter(|l| l.scenario.requirements.iter().any(|x| x == &r.id))
                    .map(|l| l.scenario.id.as_str())
                    .collect();
                (r, ids)
            })
            .collect()
    }

    /// Requirements with neither a scenario nor an `excluded:` reason.
    pub fn uncovered<'a>(&'a self, scenarios: &'a [Loaded]) -> Vec<&'a Requirement> {
        self.coverage(scenarios)
            .into_iter()
            .filter(|(r, ids)| ids.is_empty() && r.excluded.is_none())
            .map(|(r, _)| r)
            .collect()
    }

    /// The error codes a rejection of a scenario with these requirements must use when the
    /// scenario names none: only when every requirement is `rejected_as` something (a
    /// scenario touching an unclassified rule keeps "any code"); the union of their codes.
    pub fn error_codes_of(&self, requirement_ids: &[String]) -> Vec<&'static str> {
        let classes: Vec<Option<ErrorClass>> = requirement_ids
            .iter()
            .map(|id| self.get(id).and_then(|r| r.rejected_as))
            .collect();
        if classes.is_empty() || classes.iter().any(Option::is_none) {
            return Vec::new();
        }
        let mut codes: Vec<&'static str> = Vec::new();
        for c in classes.into_iter().flatten() {
            for code in c.codes() {
                if !codes.contains(code) {
                    codes.push(code);
                }
            }
        }
        codes
    }

    /// The level of a scenario: the strongest of its requirements'.
    pub fn level_of(&self, requirement_ids: &[String]) -> Level {
        requirement_ids
            .iter()
            .filter_map(|id| self.get(id))
            .map(|r| r.level)
            .min() // MUST < SHOULD < MAY in declaration order
            .unwrap_or(Level::MUST)
    }

    /// The level of a scenario in `rev`: the strongest of its requirements as `rev` states them.
    pub fn level_in(&self, requirement_ids: &[String], rev: Revision) -> Level {
        requirement_ids
            .iter()
            .filter_map(|id| self.stated(id, rev))
            .map(|r| r.level)
            .min()
            .unwrap_or_else(|| self.level_of(requirement_ids))
    }
}

/// The `change:` notes of the revisions after `from` up to `to` (the newest one that says
/// something), e.g. 10..12 picks -12's note over -11's.
fn note_between(r: &Requirement, from: Revision, to: Revision) -> Option<&str> {
    let (lo, hi) = if from <= to { (from, to) } else { (to, from) };
    r.by_revision
        .iter()
        .filter(|(rev, _)| **rev > lo && **rev <= hi)
        .filter_map(|(_, d)| d.change.as_deref())
        .next_back()
}

/// One difference between two revisions.
#[derive(Clone, Debug)]
pub struct Change<'a> {
    pub id: &'a str,
    pub kind: ChangeKind,
    pub before: Option<Stated<'a>>,
    pub after: Option<Stated<'a>>,
    pub note: Option<&'a str>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChangeKind {
    /// A rule of the later revision only.
    Added,
    /// A rule of the earlier revision only.
    Removed,
    /// In both; the fields that differ (`level`, `wording`, `section`).
    Changed(Vec<&'static str>),
}
