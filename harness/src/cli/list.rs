//! `list` (scenarios, or the requirement catalog with coverage, per revision; or the changes
//! between two revisions) and `explain <scenario>`.
use abca_conformance::engine::{Catalog, ChangeKind, Corpus, Stated, DEFAULT_REVISION};
use abca_conformance::revision::{Revision, RevisionRange};
use abca_conformance::scenario::Loaded;
use clap::Args;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct ListArgs {
    /// Print the requirement catalog with the scenarios covering each requirement.
    #[arg(long)]
    pub requirements: bool,
    /// The revision to list for: 07, 10, 11 or 12 (the editor's copy); default 11. With
    /// --requirements: its requirements, sections and levels; alone: the scenarios that apply.
    #[arg(long, value_name = "07|10|11|12")]
    pub draft: Option<Revision>,
    /// What changed between two revisions, from the catalog: e.g. `--changes 10..11`.
    #[arg(long, value_name = "FROM..TO", conflicts_with_all = ["requirements", "draft"])]
    pub changes: Option<RevisionRange>,
    #[arg(long, value_name = "DIR")]
    pub suites: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct ExplainArgs {
    /// What to explain: a scenario id, a case id as `run` prints it
    /// (`<scenario>/<mode>/<endpoint>`), or a requirement id (`ATT-TYP`).
    #[arg(value_name = "ID")]
    pub id: String,
    /// Explain it as this revision states it (07, 10, 11, 12); default 11.
    #[arg(long, value_name = "07|10|11|12")]
    pub draft: Option<Revision>,
    #[arg(long, value_name = "DIR")]
    pub suites: Option<PathBuf>,
}

pub fn list(a: ListArgs) -> anyhow::Result<i32> {
    let corpus = Corpus::load(a.suites.as_deref())?;
    let (scenarios, catalog) = (corpus.scenarios(), corpus.catalog());
    if let Some(range) = a.changes {
        out!("{}", changes(catalog, range));
        return Ok(0);
    }
    let rev = a.draft.unwrap_or(DEFAULT_REVISION);
    if a.requirements {
        outln!("requirements of {}\n", rev.label());
        let mut uncovered = 0;
        for (r, ids) in catalog.coverage(scenarios) {
            let Some(st) = catalog.stated(&r.id, rev) else {
                continue;
            };
            let ids: Vec<&str> = ids
                .into_iter()
                .filter(|id| applies(scenarios, catalog, id, rev))
                .collect();
            let cover = match (&r.excluded, ids.is_empty()) {
                (Some(why), _) => format!("excluded: {why}"),
                (None, true) => {
                    uncovered += 1;
                    "NOT COVERED".to_string()
                }
                (None, false) => ids.join(", "),
            };
            outln!(
                "{:<28} {:<6} {}  {}\n    {}",
                r.id,
                format!("{:?}", st.level),
                st.cite(),
                st.summary,
                cover
            );
        }
        let of_rev = catalog.of_revision(rev);
        let n = of_rev.len();
        let excluded = of_rev.iter().filter(|(r, _)| r.excluded.is_some()).count();
        outln!("\n{n} requirements: {} covered by scenarios, {excluded} excluded, {uncovered} not covered", n - excluded - uncovered);
        return Ok(if uncovered > 0 { 1 } else { 0 });
    }
    let mut n = 0;
    for l in scenarios {
        let s = &l.scenario;
        if !applies(scenarios, catalog, &s.id, rev) {
            continue;
        }
        n += 1;
        outln!("{:<48} {:<40} {}", s.id, s.requirements.join(","), s.title);
    }
    outln!(
        "\n{n} scenarios apply to {} ({} in the corpus)",
        rev.label(),
        scenarios.len()
    );
    Ok(0)
}

/// Does scenario `id` apply to `rev` (its `revisions:` and its requirements')?
fn applies(scenarios: &[Loaded], catalog: &Catalog, id: &str, rev: Revision) -> bool {
    scenarios.iter().any(|l| {
        let s = &l.scenario;
        s.id == id
            && (s.revisions.is_empty() || s.revisions.contains(&rev))
            && s.requirements
                .iter()
                .any(|r| catalog.get(r).is_some_and(|q| q.in_revision(rev)))
    })
}

/// `list --changes FROM..TO`: the requirements added, removed and changed, from the catalog.
pub fn changes(catalog: &Catalog, range: RevisionRange) -> String {
    use std::fmt::Write;
    let (from, to) = (range.from, range.to);
    let mut out = format!("changes from {} to {}\n", from.label(), to.label());
    let all = catalog.changes(from, to);
    for (title, want) in [("added", 0u8), ("removed", 1), ("changed", 2)] {
        let group: Vec<_> = all
            .iter()
            .filter(|c| match c.kind {
                ChangeKind::Added => want == 0,
                ChangeKind::Removed => want == 1,
                ChangeKind::Changed(_) => want == 2,
            })
            .collect();
        let _ = writeln!(out, "\n{title} ({}):", group.len());
        for c in group {
            let cite =
                |s: &Option<Stated>| s.as_ref().map(|s| format!("{} {:?}", s.cite(), s.level));
            let place = match (&c.kind, cite(&c.before), cite(&c.after)) {
                (ChangeKind::Changed(f), Some(a), Some(b)) if f.is_empty() => {
                    format!("{a} → {b} [text]")
                }
                (ChangeKind::Changed(f), Some(a), Some(b)) => {
                    format!("{a} → {b} [{}]", f.join(", "))
                }
                (_, a, b) => a.or(b).unwrap_or_default(),
            };
            let summary = c
                .after
                .as_ref()
                .or(c.before.as_ref())
                .map(|s| s.summary)
                .unwrap_or("");
            let _ = writeln!(out, "  {:<28} {place}\n      {summary}", c.id);
            if let Some(n) = c.note {
                let label = match c.kind {
                    ChangeKind::Removed => "why",
                    _ => "change",
                };
                let _ = writeln!(out, "      {label}: {n}");
            }
        }
    }
    out
}

pub fn explain(a: ExplainArgs) -> anyhow::Result<i32> {
    let corpus = Corpus::load(a.suites.as_deref())?;
    let (scenarios, catalog) = (corpus.scenarios(), corpus.catalog());
    let rev = a.draft.unwrap_or(DEFAULT_REVISION);
    if let Some(r) = catalog.get(&a.id) {
        return explain_requirement(scenarios, catalog, r, rev);
    }
    // A case id names its scenario first; its mode and endpoint must be the scenario's.
    let mut parts = a.id.splitn(3, '/');
    let scenario_id = parts.next().unwrap_or_default();
    let l = scenarios
        .iter()
        .find(|l| l.scenario.id == scenario_id)
        .ok_or_else(|| {
            anyhow::anyhow!(
                "no scenario, case or requirement {:?} (see `abca-conformance list` and `list --requirements`)",
                a.id
            )
        })?;
    let s = &l.scenario;
    let (mode, endpoint) = (parts.next(), parts.next());
    if let Some(m) = mode {
        if !s.modes.iter().any(|x| x.as_str() == m) {
            anyhow::bail!(
                "scenario {} has no mode {m:?} (modes: {})",
                s.id,
                wire(&s.modes, |x| x.as_str())
            );
        }
    }
    if let Some(e) = endpoint {
        if !s.endpoints.iter().any(|x| x.as_str() == e) {
            anyhow::bail!(
                "scenario {} has no endpoint {e:?} (endpoints: {})",
                s.id,
                wire(&s.endpoints, |x| x.as_str())
            );
        }
    }
    outln!("{} — {}", s.id, s.title);
    // The built-in scenarios live inside the binary: a `suites/...` path would name a file
    // that does not exist outside the repository. Files of --suites are shown where they are.
    if let Some(dir) = &a.suites {
        outln!("file: {}", dir.join(&l.path).display());
    }
    outln!("as {}:", rev.label());
    for id in &s.requirements {
        match (catalog.get(id), catalog.stated(id, rev)) {
            (_, Some(st)) => outln!(
                "requirement {} ({:?}, {}): {}",
                st.id,
                st.level,
                st.cite(),
                st.summary
            ),
            (Some(r), None) => outln!(
                "requirement {}: {}",
                r.id,
                r.absent_reason(rev).unwrap_or_default()
            ),
            (None, None) => {}
        }
    }
    outln!(
        "modes: {}  endpoints: {}",
        mode.map(str::to_string)
            .unwrap_or_else(|| wire(&s.modes, |x| x.as_str())),
        endpoint
            .map(str::to_string)
            .unwrap_or_else(|| wire(&s.endpoints, |x| x.as_str()))
    );
    if !s.requires.is_empty() {
        let names: Vec<String> = s
            .requires
            .iter()
            .map(|p| {
                serde_json::to_value(p)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_else(|| format!("{p:?}"))
            })
            .collect();
        outln!("requires: {}", names.join(", "));
    }
    outln!("mutations:");
    for m in &s.mutations {
        outln!("  - {}", serde_json::to_string(m)?);
    }
    if !s.revisions.is_empty() {
        let list: Vec<&str> = s.revisions.iter().map(|r| r.name()).collect();
        outln!("revisions: {}", list.join(", "));
    }
    outln!("expect: {}", serde_json::to_string(s.expect_in(rev))?);
    if let Some(r) = s.rationale_in(rev) {
        outln!("why: {r}");
    }
    Ok(0)
}

/// Wire names, comma-separated.
fn wire<T>(xs: &[T], name: impl Fn(&T) -> &'static str) -> String {
    xs.iter().map(name).collect::<Vec<_>>().join(", ")
}

/// `explain <REQUIREMENT-ID>`: the requirement as `rev` states it, and the scenarios that
/// check it.
fn explain_requirement(
    scenarios: &[Loaded],
    catalog: &Catalog,
    r: &abca_conformance::engine::Requirement,
    rev: Revision,
) -> anyhow::Result<i32> {
    match catalog.stated(&r.id, rev) {
        Some(st) => outln!(
            "requirement {} ({:?}, {}): {}",
            st.id,
            st.level,
            st.cite(),
            st.summary
        ),
        None => outln!(
            "requirement {}: {}",
            r.id,
            r.absent_reason(rev).unwrap_or_default()
        ),
    }
    if let Some(why) = &r.excluded {
        outln!("excluded: {why}");
    }
    let ids: Vec<&str> = catalog
        .coverage(scenarios)
        .into_iter()
        .find(|(q, _)| q.id == r.id)
        .map(|(_, ids)| ids)
        .unwrap_or_default();
    if ids.is_empty() {
        outln!("checked by: no scenario");
    } else {
        outln!("checked by:");
        for id in ids {
            let title = scenarios
                .iter()
                .find(|l| l.scenario.id == id)
                .map(|l| l.scenario.title.as_str())
                .unwrap_or_default();
            outln!("  {id:<44} {title}");
        }
    }
    Ok(0)
}
