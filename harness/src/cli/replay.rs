//! `abca-conformance replay <case-id>`: re-sends one case (or every case of a scenario) with
//! fresh `jti`, `iat` and challenge, and prints both sides of every exchange. A recorded
//! request re-sent as is (the HTML report's curl) would be refused by a server that detects
//! replays (draft-10 §Security Considerations, Replay Attacks) for the wrong reason; built
//! afresh, the case reaches the verdict it had in the run.
//!
//! Its positive control runs first, as in `run` (a rejection proves nothing on its own).
use super::{NetArgs, TargetArgs};
use abca_conformance::engine::{
    self, Corpus, EmbeddedOptions, RunOptions, Selection, TargetSource,
};
use abca_conformance::report::{self, gate, Verdict};
use abca_conformance::revision::Revision;
use clap::Args;
use std::path::{Path, PathBuf};

#[derive(Args, Debug, Clone)]
pub struct ReplayArgs {
    /// The case id as `run` prints it (`<scenario>/<mode>/<endpoint>`), or a scenario id for
    /// all of its cases.
    pub case: String,
    #[command(flatten)]
    pub target: TargetArgs,
    /// The scenarios of DIR instead of the built-in corpus.
    #[arg(long, value_name = "DIR")]
    pub suites: Option<PathBuf>,
    #[command(flatten)]
    pub net: NetArgs,
}

/// `abca-conformance replay` with the target options of a run (the case id goes after it):
/// what every printed replay line starts with.
pub fn command_prefix(
    target: &TargetArgs,
    net: &NetArgs,
    suites: Option<&Path>,
    draft: &str,
) -> String {
    let rev = Revision::parse(draft).ok().map(|r| r.as_str());
    let mut words = vec!["abca-conformance".to_string(), "replay".to_string()];
    words.extend(target.command_words(rev));
    words.extend(super::suites_words(suites));
    words.extend(net.command_words());
    words.join(" ")
}

pub async fn main(args: ReplayArgs) -> anyhow::Result<i32> {
    let corpus = Corpus::load(args.suites.as_deref())?;
    let ids: std::collections::BTreeSet<String> = corpus
        .cases()
        .iter()
        .filter(|c| c.id() == args.case || c.scenario.id == args.case)
        .map(|c| c.id())
        .collect();
    if ids.is_empty() {
        let near: Vec<String> = corpus
            .cases()
            .iter()
            .map(|c| c.id())
            .filter(|id| id.contains(&args.case))
            .take(5)
            .collect();
        anyhow::bail!(
            "no case {:?}: give an id as `run` prints it (<scenario>/<mode>/<endpoint>) or a scenario id{}",
            args.case,
            if near.is_empty() {
                String::new()
            } else {
                format!("; close: {}", near.join(", "))
            }
        );
    }
    let http = args.net.http_options()?;
    let source = TargetSource::from_flags(args.target.flags(), EmbeddedOptions::default())?;
    let opts = RunOptions {
        jobs: engine::default_jobs(),
        select: Selection::Ids(ids),
        keep_going: false,
        // One case: its challenge is fetched when it needs it, as the printed line shows.
        fetch_ahead: false,
    };
    let mut report = engine::run(&corpus, source, &http, &opts, &|_| {}).await?;
    let code = gate::decide(&mut report, false, None);
    let style = report::terminal::Style::detect();
    outln!(
        "replay against {}{} ({}), fresh jti, iat and challenge",
        report.target.issuer,
        if report.target.embedded {
            " (embedded reference AS)"
        } else {
            ""
        },
        report.tool.draft_label()
    );
    if let Some(p) = &report.preflight {
        for c in &p.checks {
            outln!(
                "preflight {}: {} ({})",
                c.name,
                if c.ok { "ok" } else { "FAILED" },
                c.answer
            );
        }
        if let Some(d) = report::preflight::diagnosis(p) {
            outln!("\n{d}");
        }
    }
    for r in &report.results {
        outln!(
            "\n=== {}  [{}] {}",
            r.id,
            r.requirements.join(", "),
            r.title
        );
        for x in &r.exchanges {
            out!("{}", report::wire::render(x));
        }
        let label = r.verdict.as_str().to_uppercase();
        outln!(
            "{} {}\n      {}",
            style.paint(r.verdict, &format!("{label:>7}")),
            r.id,
            r.reason
        );
    }
    let s = &report.summary;
    outln!(
        "\n{} pass, {} fail, {} warning, {} info, {} not_applicable, {} error (exit {code})",
        s.pass,
        s.fail,
        s.warning,
        s.info,
        s.not_applicable,
        s.get(Verdict::Error)
    );
    if code == 2 {
        if let Some(why) = report.run.could_not_run() {
            eprintln!("abca-conformance: error: {why}");
        }
    }
    Ok(code)
}
