//! The whole corpus against the embedded reference AS, one libtest trial per case
//! (`<scenario>/<mode>/<endpoint>`), so `cargo test --test suite -- <id>` runs one. A case
//! that does not apply is listed as ignored, and its reason printed at the end (plain
//! libtest would lose it).
#[path = "common/libtest.rs"]
mod libtest;

use abca_conformance::engine::FETCHED_AHEAD_PURPOSE;
use abca_conformance::engine::{self, Corpus, HttpOptions, RunOptions, Selection, TargetSource};
use abca_conformance::report::{Report, Verdict};
use libtest_mimic::{Arguments, Failed, Trial};
use std::collections::{BTreeMap, BTreeSet};

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
    let fetched_ahead = fetched_ahead_trial(&report);
    let mut not_applicable = Vec::new();
    let mut trials: Vec<Trial> = report
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
    trials.push(fetched_ahead);
    let conclusion = libtest_mimic::run(&args, trials);
    if !not_applicable.is_empty() && !args.list {
        println!("not applicable to the embedded reference AS (default configuration):");
        for line in &not_applicable {
            println!("  {line}");
        }
    }
    conclusion.exit();
}

/// Challenges fetched ahead while the preflight ran (runner/prefetch.rs): the first cases use
/// them, and no challenge the endpoint issued goes to two cases (a case may use its own
/// twice: the reused-challenge cases).
fn fetched_ahead_trial(report: &Report) -> Trial {
    let mut cases_of: BTreeMap<String, BTreeSet<&str>> = BTreeMap::new();
    let (mut fetched, mut ahead) = (0, 0);
    for r in &report.results {
        for e in r
            .exchanges
            .iter()
            .filter(|e| e.purpose.starts_with("challenge"))
        {
            fetched += 1;
            ahead += usize::from(e.purpose == FETCHED_AHEAD_PURPOSE);
            let issued = e
                .response
                .as_ref()
                .and_then(|x| serde_json::from_str::<serde_json::Value>(&x.body).ok())
                .and_then(|b| b["attestation_challenge"].as_str().map(String::from));
            if let Some(c) = issued {
                cases_of.entry(c).or_default().insert(&r.id);
            }
        }
    }
    let shared: Vec<String> = cases_of
        .iter()
        .filter(|(_, ids)| ids.len() > 1)
        .map(|(c, ids)| format!("{c}: {ids:?}"))
        .collect();
    let outcome = if !shared.is_empty() {
        Err(format!(
            "challenges used by more than one case:\n  {}",
            shared.join("\n  ")
        ))
    } else if fetched > 0 && ahead == 0 {
        Err(format!(
            "{fetched} challenges fetched by the cases, none fetched ahead"
        ))
    } else {
        Ok(())
    };
    Trial::test(
        "runner/challenges-fetched-ahead-go-to-one-case-each",
        move || outcome.map_err(Failed::from),
    )
}
