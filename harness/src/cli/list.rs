//! `list` (scenarios, or the requirement catalog with coverage) and `explain <scenario>`.
use clap::Args;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct ListArgs {
    /// Print the requirement catalog with the scenarios covering each requirement.
    #[arg(long)]
    pub requirements: bool,
    #[arg(long, value_name = "DIR")]
    pub suites: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct ExplainArgs {
    /// Scenario id.
    pub scenario: String,
    #[arg(long, value_name = "DIR")]
    pub suites: Option<PathBuf>,
}

pub fn list(a: ListArgs) -> anyhow::Result<i32> {
    let (scenarios, catalog) = super::run::load_corpus(a.suites.as_ref())?;
    if a.requirements {
        let mut uncovered = 0;
        for (r, ids) in catalog.coverage(&scenarios) {
            let cover = match (&r.excluded, ids.is_empty()) {
                (Some(why), _) => format!("excluded: {why}"),
                (None, true) => {
                    uncovered += 1;
                    "NOT COVERED".to_string()
                }
                (None, false) => ids.join(", "),
            };
            println!(
                "{:<28} {:<6} §{}{}  {}\n    {}",
                r.id,
                format!("{:?}", r.level),
                r.section,
                r.item.map(|i| format!(" item {i}")).unwrap_or_default(),
                r.summary,
                cover
            );
        }
        let n = catalog.requirements.len();
        let excluded = catalog
            .requirements
            .iter()
            .filter(|r| r.excluded.is_some())
            .count();
        println!("\n{n} requirements: {} covered by scenarios, {excluded} excluded, {uncovered} not covered", n - excluded - uncovered);
        return Ok(if uncovered > 0 { 1 } else { 0 });
    }
    for l in &scenarios {
        let s = &l.scenario;
        println!("{:<48} {:<40} {}", s.id, s.requirements.join(","), s.title);
    }
    println!("\n{} scenarios", scenarios.len());
    Ok(0)
}

pub fn explain(a: ExplainArgs) -> anyhow::Result<i32> {
    let (scenarios, catalog) = super::run::load_corpus(a.suites.as_ref())?;
    let l = scenarios
        .iter()
        .find(|l| l.scenario.id == a.scenario)
        .ok_or_else(|| {
            anyhow::anyhow!("no scenario {:?} (see `abca-conformance list`)", a.scenario)
        })?;
    let s = &l.scenario;
    println!("{} — {}\nfile: {}", s.id, s.title, l.path);
    for id in &s.requirements {
        if let Some(r) = catalog.get(id) {
            println!(
                "requirement {} ({:?}, §{}{}): {}",
                r.id,
                r.level,
                r.section,
                r.item.map(|i| format!(" item {i}")).unwrap_or_default(),
                r.summary
            );
        }
    }
    println!("modes: {:?}  endpoints: {:?}", s.modes, s.endpoints);
    if !s.requires.is_empty() {
        println!("requires: {:?}", s.requires);
    }
    println!("mutations:");
    for m in &s.mutations {
        println!("  - {}", serde_json::to_string(m)?);
    }
    println!("expect: {}", serde_json::to_string(&s.expect)?);
    if let Some(r) = &s.rationale {
        println!("why: {r}");
    }
    Ok(0)
}
