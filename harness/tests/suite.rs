//! The whole corpus against the embedded reference AS, one libtest trial per case
//! (`<scenario>/<mode>/<endpoint>`), so `cargo test --test suite -- <id>` runs one. A case
//! that does not apply is listed as ignored, and its reason printed at the end (plain
//! libtest would lose it).
#[path = "common/libtest.rs"]
mod libtest;

use abca_conformance::engine::{self, Corpus, HttpOptions, RunOptions, Selection, TargetSource};
use abca_conformance::report::Verdict;
use libtest_mimic::{Arguments, Failed, Trial};
use std::collections::BTreeSet;

fn main() {
    let args = Arguments::from_args();
    let corpus = Corpus::embedded().unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(2)
    });
    // Run only what libtest would run (the filter is applied again by libtest itself).
    let wanted: BTreeSet<String> = corpus
        .cases()
        .iter()
        .map(|c| c.id())
        .filter(|id| libtest::wanted(&args, id))
        .collect();
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let opts = RunOptions {
        select: Selection::Ids(wanted),
        ..RunOptions::default()
    };
    let report = rt
        .block_on(engine::run(
            &corpus,
            TargetSource::default(),
            &HttpOptions::default(),
            &opts,
            &|_| {},
        ))
        .unwrap_or_else(|e| {
            eprintln!("the suite could not run: {e:#}");
            std::process::exit(2)
        });
    let mut not_applicable = Vec::new();
    let trials: Vec<Trial> = report
        .results
        .into_iter()
        .map(|r| {
            let name = r.id.clone();
            match r.verdict {
                Verdict::NotApplicable => {
                    not_applicable.push(format!("{}: {}", r.id, r.reason));
                    Trial::test(name, || Ok(()))
                        .with_ignored_flag(true)
                        .with_kind("n/a")
                }
                // The reference AS is strictly conforming: a warning is a bug too.
                Verdict::Pass | Verdict::Info => Trial::test(name, || Ok(())),
                Verdict::Fail | Verdict::Error | Verdict::Warning => {
                    let msg = format!(
                        "{}: {}\n  requirements: {}\n  exchanges:\n{}",
                        r.verdict.as_str(),
                        r.reason,
                        r.requirements.join(", "),
                        r.exchanges
                            .iter()
                            .map(|e| format!(
                                "    {} {} {} -> {}",
                                e.purpose,
                                e.request.method,
                                e.request.url,
                                e.response
                                    .as_ref()
                                    .map(|x| format!(
                                        "{} {}",
                                        x.status,
                                        x.body.chars().take(200).collect::<String>()
                                    ))
                                    .or(e.error.clone())
                                    .unwrap_or_default()
                            ))
                            .collect::<Vec<_>>()
                            .join("\n")
                    );
                    Trial::test(name, move || Err(Failed::from(msg)))
                }
            }
        })
        .collect();
    let conclusion = libtest_mimic::run(&args, trials);
    if !not_applicable.is_empty() && !args.list {
        println!("not applicable to the embedded reference AS (default configuration):");
        for line in &not_applicable {
            println!("  {line}");
        }
    }
    conclusion.exit();
}
