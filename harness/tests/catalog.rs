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
