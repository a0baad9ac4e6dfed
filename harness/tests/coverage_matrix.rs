//! The token × rule coverage matrix (issue 13 §3): `suites/coverage.yaml` names, for every
//! JWT/JWS/DPoP rule and every token it applies to, the scenarios that check it, or why the
//! cell does not apply, or that it is a known gap. This test keeps the file honest against the
//! corpus (no cell left out, no unknown scenario, no scenario that does not touch the token of
//! its cell) and renders `docs/coverage.md` from both.
use abca_conformance::engine::Corpus;
use abca_conformance::scenario::{FieldRef, Mutation, Scenario};
use abca_conformance::types::TokenKind;
use serde::Deserialize;
use std::collections::BTreeMap;

const MATRIX: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../suites/coverage.yaml");
const DOC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/coverage.md");
const REGENERATE: &str = "UPDATE_COVERAGE=1 cargo test -p abca-conformance --test coverage_matrix";
/// The columns, in order (keys of `tokens:`).
const TOKENS: [&str; 4] = ["attestation", "pop", "dpop", "independent_dpop"];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Matrix {
    tokens: BTreeMap<String, String>,
    rules: Vec<Row>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Row {
    rule: String,
    title: String,
    cite: String,
    cells: BTreeMap<String, Cell>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Cell {
    Covered(Vec<String>),
    /// Covered, with a note on the part of the rule that is deliberately not sent (e.g. a
    /// variant that would fail a conforming server).
    Noted {
        scenarios: Vec<String>,
        note: String,
    },
    NotApplicable {
        na: String,
    },
    Gap {
        gap: String,
        #[serde(default)]
        scenarios: Vec<String>,
    },
}

impl Cell {
    fn scenarios(&self) -> &[String] {
        match self {
            Cell::Covered(ids)
            | Cell::Noted { scenarios: ids, .. }
            | Cell::Gap { scenarios: ids, .. } => ids,
            Cell::NotApplicable { .. } => &[],
        }
    }
}

fn matrix() -> Matrix {
    let text = std::fs::read_to_string(MATRIX).unwrap_or_else(|e| panic!("{MATRIX}: {e}"));
    serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("suites/coverage.yaml: {e}"))
}

/// Whether a scenario changes `column`'s token: a token mutation on it, a change of its
/// header field, a replay of it, or (for the independent proof) an added DPoP token.
fn touches(s: &Scenario, column: &str) -> bool {
    let independent = |m: &Mutation| {
        matches!(
            m,
            Mutation::AddToken {
                token: TokenKind::Dpop,
                ..
            }
        )
    };
    if column == "independent_dpop" {
        return s.mutations.iter().any(independent);
    }
    let kind = match column {
        "attestation" => TokenKind::Attestation,
        "pop" => TokenKind::Pop,
        _ => TokenKind::Dpop,
    };
    let field = |f: &FieldRef| matches!(f, FieldRef::Token(k) if *k == kind);
    s.mutations.iter().any(|m| match m {
        Mutation::DuplicateHeader { field: k, .. } => *k == kind,
        Mutation::SetHeader { field: f, .. } | Mutation::RemoveHeader(f) => field(f),
        Mutation::ReplayJti { token } => *token == kind,
        // A replay of the whole request replays the mode's proof.
        Mutation::Replay => kind != TokenKind::Attestation,
        Mutation::Cnf(_) => kind == TokenKind::Attestation,
        Mutation::AddToken { .. } => false,
        // Every field name of the request, the mode's tokens' fields with them.
        Mutation::FieldNameCase(_) => true,
        m => m.token() == Some(kind),
    })
}

fn render(m: &Matrix, corpus: &Corpus) -> String {
    let title = |id: &str| {
        corpus
            .scenarios()
            .iter()
            .find(|l| l.scenario.id == id)
            .map(|l| l.scenario.title.clone())
            .unwrap_or_default()
    };
    let mut out = String::new();
    out.push_str("# Coverage: token × rule\n\n");
    out.push_str(&format!(
        "Generated from `suites/coverage.yaml` and the scenarios by `harness/tests/coverage_matrix.rs` \
         (regenerate: `{REGENERATE}`). Each cell names the scenarios that check the rule on that \
         token; **gap** marks what is not covered yet, *n/a* what does not apply, with the reason; a \
         note on a covered cell says what part of the rule is deliberately not sent, and why.\n\n"
    ));
    let (mut covered, mut gaps, mut na) = (0, 0, 0);
    out.push_str("| rule |");
    for t in TOKENS {
        out.push_str(&format!(" {} |", m.tokens[t]));
    }
    out.push_str("\n|---|");
    for _ in TOKENS {
        out.push_str("---|");
    }
    out.push('\n');
    for row in &m.rules {
        out.push_str(&format!("| [{}](#{}) |", row.title, row.rule));
        for t in TOKENS {
            let text = match &row.cells[t] {
                Cell::Covered(ids) | Cell::Noted { scenarios: ids, .. } => {
                    covered += 1;
                    ids.iter()
                        .map(|i| format!("`{i}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                }
                Cell::Gap { scenarios, .. } => {
                    gaps += 1;
                    let mut s = "**gap**".to_string();
                    for i in scenarios {
                        s.push_str(&format!(", `{i}` (part)"));
                    }
                    s
                }
                Cell::NotApplicable { .. } => {
                    na += 1;
                    "*n/a*".into()
                }
            };
            out.push_str(&format!(" {text} |"));
        }
        out.push('\n');
    }
    out.push_str(&format!(
        "\n{covered} cells covered, {gaps} gaps, {na} not applicable.\n\n## Rules\n"
    ));
    for row in &m.rules {
        out.push_str(&format!(
            "\n### {}\n\n{} ({}).\n\n",
            row.rule, row.title, row.cite
        ));
        for t in TOKENS {
            let cell = &row.cells[t];
            let what = match cell {
                Cell::Covered(ids) => ids
                    .iter()
                    .map(|i| format!("`{i}` ({})", title(i)))
                    .collect::<Vec<_>>()
                    .join("; "),
                Cell::Noted { scenarios, note } => format!(
                    "{}; note: {note}",
                    scenarios
                        .iter()
                        .map(|i| format!("`{i}` ({})", title(i)))
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
                Cell::Gap { gap, .. } => format!("**gap**: {gap}"),
                Cell::NotApplicable { na } => format!("*n/a*: {na}"),
            };
            out.push_str(&format!("- {}: {what}\n", m.tokens[t]));
        }
    }
    out
}

#[test]
fn every_cell_is_filled_and_names_real_scenarios_of_its_token() {
    let m = matrix();
    let corpus = Corpus::embedded().unwrap_or_else(|e| panic!("{e}"));
    let mut problems = Vec::new();
    let columns: Vec<&str> = m.tokens.keys().map(String::as_str).collect();
    let mut sorted = TOKENS.to_vec();
    sorted.sort();
    if columns != sorted {
        problems.push(format!("tokens: {columns:?}, expected {TOKENS:?}"));
    }
    let mut seen = std::collections::BTreeSet::new();
    for row in &m.rules {
        if !seen.insert(row.rule.as_str()) {
            problems.push(format!("{}: listed twice", row.rule));
        }
        for t in TOKENS {
            let Some(cell) = row.cells.get(t) else {
                problems.push(format!(
                    "{} × {t}: no cell (name scenarios, na: or gap:)",
                    row.rule
                ));
                continue;
            };
            if let Cell::Covered(ids) | Cell::Noted { scenarios: ids, .. } = cell {
                if ids.is_empty() {
                    problems.push(format!("{} × {t}: an empty list", row.rule));
                }
            }
            let reason = match cell {
                Cell::Noted { note: r, .. }
                | Cell::NotApplicable { na: r }
                | Cell::Gap { gap: r, .. } => Some(r),
                Cell::Covered(_) => None,
            };
            if reason.is_some_and(|r| r.trim().is_empty()) {
                problems.push(format!("{} × {t}: an empty note, na: or gap:", row.rule));
            }
            for id in cell.scenarios() {
                match corpus.scenarios().iter().find(|l| &l.scenario.id == id) {
                    None => problems.push(format!("{} × {t}: no scenario {id}", row.rule)),
                    Some(l) if !touches(&l.scenario, t) => problems.push(format!(
                        "{} × {t}: {id} does not change that token",
                        row.rule
                    )),
                    Some(_) => {}
                }
            }
        }
        for extra in row.cells.keys().filter(|k| !TOKENS.contains(&k.as_str())) {
            problems.push(format!("{}: unknown token column {extra}", row.rule));
        }
    }
    assert!(
        problems.is_empty(),
        "suites/coverage.yaml:\n  {}",
        problems.join("\n  ")
    );
}

#[test]
fn committed_document_is_the_rendered_matrix() {
    let corpus = Corpus::embedded().unwrap_or_else(|e| panic!("{e}"));
    let rendered = render(&matrix(), &corpus);
    if std::env::var_os("UPDATE_COVERAGE").is_some() {
        std::fs::write(DOC, &rendered).expect("write docs/coverage.md");
    }
    let committed = std::fs::read_to_string(DOC).unwrap_or_default();
    assert!(
        committed == rendered,
        "docs/coverage.md differs from suites/coverage.yaml and the corpus; regenerate it with {REGENERATE} and commit it"
    );
}
