//! The corpus and the catalog, checked together (issue 4: CI fails when a requirement has
//! neither scenarios nor an exclusion reason, when a scenario names an unknown requirement,
//! or when a stable id disappears).
use abca_conformance::engine::Corpus;
use std::collections::BTreeSet;

/// Loading validates the scenarios against the catalog: a problem panics with every message.
fn corpus() -> Corpus {
    Corpus::embedded().unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn corpus_is_valid_against_the_catalog() {
    let corpus = corpus();
    assert!(!corpus.scenarios().is_empty());
}

#[test]
fn every_requirement_is_covered_or_excluded_with_a_reason() {
    let corpus = corpus();
    let (scenarios, catalog) = (corpus.scenarios(), corpus.catalog());
    let uncovered: Vec<&str> = catalog
        .uncovered(scenarios)
        .iter()
        .map(|r| r.id.as_str())
        .collect();
    assert!(
        uncovered.is_empty(),
        "requirements with neither scenarios nor `excluded:`: {uncovered:?}"
    );
    for r in &catalog.requirements {
        if let Some(why) = &r.excluded {
            assert!(
                why.split_whitespace().count() >= 5,
                "{}: the exclusion reason is too thin: {why:?}",
                r.id
            );
        }
    }
}

#[test]
fn excluded_requirements_have_no_scenarios() {
    let corpus = corpus();
    let (scenarios, catalog) = (corpus.scenarios(), corpus.catalog());
    for (r, ids) in catalog.coverage(scenarios) {
        assert!(
            r.excluded.is_none() || ids.is_empty(),
            "{} is excluded but checked by {ids:?}",
            r.id
        );
    }
}

#[test]
fn stable_ids_do_not_disappear() {
    let corpus = corpus();
    let (scenarios, catalog) = (corpus.scenarios(), corpus.catalog());
    let text = Corpus::embedded_file("stable-ids.txt").unwrap_or_else(|| {
        std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../suites/stable-ids.txt"
        ))
        .expect("suites/stable-ids.txt")
        .leak()
    });
    let scenario_ids: BTreeSet<&str> = scenarios.iter().map(|l| l.scenario.id.as_str()).collect();
    let requirement_ids: BTreeSet<&str> =
        catalog.requirements.iter().map(|r| r.id.as_str()).collect();
    let mut gone = Vec::new();
    let mut listed = BTreeSet::new();
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let (kind, id) = line.split_once(' ').unwrap_or(("", line));
        listed.insert(id);
        let present = match kind {
            "scenario" => scenario_ids.contains(id),
            "requirement" => requirement_ids.contains(id),
            _ => panic!("suites/stable-ids.txt: bad line {line:?}"),
        };
        if !present {
            gone.push(line.to_string());
        }
    }
    assert!(
        gone.is_empty(),
        "stable ids that disappeared (ids must not be renamed or removed): {gone:?}"
    );
    let new: Vec<&str> = scenario_ids
        .iter()
        .chain(requirement_ids.iter())
        .filter(|i| !listed.contains(*i))
        .copied()
        .collect();
    assert!(
        new.is_empty(),
        "new ids missing from suites/stable-ids.txt (append them): {new:?}"
    );
}

/// `list --changes 10..11` (and 11..12) is computed from the catalog alone; it must reproduce
/// the -10 → -11/-12 differences that REVISIONS.md §18/§19 lists for a server-side suite
/// (../shared/spec/REVISIONS.md, checked against the draft texts). Each entry: the
/// REVISIONS.md item, and the requirement the catalog must show as added, removed or changed.
#[test]
fn changes_reproduce_the_revisions_md_differences() {
    use abca_conformance::engine::ChangeKind;
    use abca_conformance::revision::Revision;
    let corpus = corpus();
    let catalog = corpus.catalog();
    #[derive(Debug, PartialEq)]
    enum K {
        Added,
        Removed,
        Changed,
    }
    let expected: &[(Revision, Revision, &str, &str, K)] = &[
        // §19 -10 → -11 item 1: combined-mode freshness moved to DPoP-Nonce; use_dpop_nonce.
        (
            Revision::D10,
            Revision::D11,
            "19.1",
            "COMB-CHALLENGE-NONCE",
            K::Removed,
        ),
        (
            Revision::D10,
            Revision::D11,
            "19.1",
            "COMB-DPOP-NONCE-FRESHNESS",
            K::Added,
        ),
        (
            Revision::D10,
            Revision::D11,
            "19.1",
            "ERR-USE-DPOP-NONCE-COMBINED",
            K::Added,
        ),
        // item 2: the challenge endpoint also returns DPoP-Nonce; attestation_challenge for the PoP only.
        (
            Revision::D10,
            Revision::D11,
            "19.2",
            "CHAL-ENDPOINT-DPOP-NONCE",
            K::Added,
        ),
        (
            Revision::D10,
            Revision::D11,
            "19.2",
            "CHAL-RESPONSE",
            K::Changed,
        ),
        // item 3: explicit status for use_attestation_challenge (-11), all three codes (-12).
        (
            Revision::D10,
            Revision::D11,
            "19.3",
            "CHAL-ERROR-400",
            K::Added,
        ),
        (
            Revision::D10,
            Revision::D11,
            "19.3",
            "ERR-USE-ATTESTATION-CHALLENGE",
            K::Changed,
        ),
        // ERR-STATUS-400 holds in every revision through RFC 6749 §5.2 (400 unless
        // invalid_client); -12 §7.4 restates it in the draft, so it is a change, not an addition.
        (
            Revision::D11,
            Revision::D12,
            "19.3",
            "ERR-STATUS-400",
            K::Changed,
        ),
        // item 4: AS without _dpop MUST reject; key match by thumbprint; invalid_client_attestation.
        (
            Revision::D10,
            Revision::D11,
            "19.4",
            "DISP-METHOD-ENFORCED",
            K::Changed,
        ),
        (
            Revision::D10,
            Revision::D11,
            "19.4",
            "DISP-COMBINED-UNSUPPORTED",
            K::Added,
        ),
        (
            Revision::D10,
            Revision::D11,
            "19.4",
            "COMB-KEY-MATCH",
            K::Changed,
        ),
        (
            Revision::D10,
            Revision::D11,
            "19.4",
            "ERR-INVALID-CLIENT-ATTESTATION",
            K::Changed,
        ),
        // item 5: challenges OPTIONAL, reuse policy; the duplicate 7.2 challenge check removed.
        (
            Revision::D10,
            Revision::D11,
            "19.5",
            "POP-CHALLENGE-RECEIVED",
            K::Removed,
        ),
        (
            Revision::D10,
            Revision::D11,
            "19.5",
            "REPLAY-CHALLENGE-SINGLE-USE",
            K::Changed,
        ),
        // item 6 (-12): attestation iat REQUIRED.
        (
            Revision::D11,
            Revision::D12,
            "19.6",
            "ATT-IAT-REQUIRED",
            K::Added,
        ),
        (
            Revision::D11,
            Revision::D12,
            "19.6",
            "ATT-IAT-OPTIONAL",
            K::Removed,
        ),
        // item 7 (-12): Structured Field Token headers without parameters.
        (
            Revision::D11,
            Revision::D12,
            "19.7",
            "ATT-SF-TOKEN",
            K::Added,
        ),
        (
            Revision::D11,
            Revision::D12,
            "19.7",
            "POP-SF-TOKEN",
            K::Added,
        ),
        (
            Revision::D11,
            Revision::D12,
            "19.7",
            "ATT-TOKEN68",
            K::Removed,
        ),
        // item 8: profiling (typ, sub/client_id, refresh binding).
        (
            Revision::D10,
            Revision::D11,
            "19.8",
            "PROFILE-OVERRIDES",
            K::Added,
        ),
        (Revision::D10, Revision::D11, "19.8", "ATT-TYP", K::Changed),
        (
            Revision::D10,
            Revision::D11,
            "19.8",
            "ATT-CLIENT-ID-MATCH",
            K::Changed,
        ),
        // item 9: refresh tokens bound "unless a profile"; client metadata.
        (
            Revision::D10,
            Revision::D11,
            "19.9",
            "BIND-REFRESH-TOKEN",
            K::Changed,
        ),
        (
            Revision::D10,
            Revision::D11,
            "19.9",
            "CLIENT-METADATA",
            K::Added,
        ),
        // item 10 (-12): attesters may round iat/exp.
        (
            Revision::D11,
            Revision::D12,
            "19.10",
            "ATT-FRESHNESS",
            K::Changed,
        ),
        // -07 → -10 items 1-3: iss and nbf removed, combined mode added.
        (
            Revision::D07,
            Revision::D10,
            "19.-07.1",
            "POP-ISS-SUB-MATCH",
            K::Removed,
        ),
        (
            Revision::D07,
            Revision::D10,
            "19.-07.1",
            "ATT-ISS-REQUIRED",
            K::Removed,
        ),
        (
            Revision::D07,
            Revision::D10,
            "19.-07.2",
            "ATT-NBF",
            K::Removed,
        ),
        (
            Revision::D07,
            Revision::D10,
            "19.-07.3",
            "COMB-KEY-MATCH",
            K::Added,
        ),
    ];
    for (from, to, item, id, kind) in expected {
        let changes = catalog.changes(*from, *to);
        let c = changes.iter().find(|c| c.id == *id).unwrap_or_else(|| {
            panic!("REVISIONS.md §{item}: {id} is not among the catalog's changes {from}..{to}")
        });
        let got = match c.kind {
            ChangeKind::Added => K::Added,
            ChangeKind::Removed => K::Removed,
            ChangeKind::Changed(_) => K::Changed,
        };
        assert_eq!(&got, kind, "REVISIONS.md §{item}: {id} {from}..{to}");
        assert!(
            c.note.is_some_and(|n| n.split_whitespace().count() >= 5),
            "{id}: a change needs a note saying what changed"
        );
    }
    // And the other way round: every change 10..11 is one REVISIONS.md names (no invented
    // differences).
    let named: std::collections::BTreeSet<&str> = expected
        .iter()
        .filter(|e| e.0 == Revision::D10 && e.1 == Revision::D11)
        .map(|e| e.3)
        .collect();
    for c in catalog.changes(Revision::D10, Revision::D11) {
        assert!(
            named.contains(c.id),
            "{} changes 10..11 in the catalog but REVISIONS.md §19 names no such difference",
            c.id
        );
    }
}

#[test]
fn every_requirement_section_is_numbered_in_each_of_its_revisions() {
    use abca_conformance::revision::Revision;
    let corpus = corpus();
    let catalog = corpus.catalog();
    for rev in Revision::ALL {
        for (r, st) in catalog.of_revision(rev) {
            // RFC sections and other documents' (a profile's) are numbered by no revision.
            if abca_conformance::engine::rfc_anchor(st.section).is_none()
                && !catalog.is_other_document(st.section)
            {
                assert!(
                    st.number.is_some(),
                    "{}: section `{}` has no number in {rev}",
                    r.id,
                    st.section
                );
            }
        }
    }
}
