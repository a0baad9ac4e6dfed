//! `abca-conformance fuzz`: random mutation sets against the target, judged by the spec
//! oracle; a mismatch is shrunk and written as a scenario under `<report-dir>/fuzz/`.
//! Exit status as for `run`: 0 nothing found, 1 a mismatch, 2 could not run.
use super::{NetArgs, TargetArgs};
use abca_conformance::engine::{
    self, Connection, EmbeddedOptions, FuzzOptions, FuzzSummary, TargetSource,
};
use clap::Args;
use std::io::IsTerminal;
use std::path::PathBuf;

#[derive(Args, Debug, Clone)]
pub struct FuzzArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    /// Number of cases to generate.
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub cases: u64,
    /// Seed of the case generator (random when not given; printed at start).
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// Cases in flight at once (default: 32, sized for network latency; see `run --jobs`).
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Findings go to DIR/fuzz/.
    #[arg(long, value_name = "DIR", default_value = "reports")]
    pub report_dir: PathBuf,
    /// Bound on shrinking steps.
    #[arg(long, value_name = "N", default_value_t = 500)]
    pub max_shrink_iters: u32,
    #[command(flatten)]
    pub net: NetArgs,
}

/// The run's result.
struct FuzzOutcome {
    summary: FuzzSummary,
    /// Where the finding was written.
    written: Option<PathBuf>,
}

/// Runs the fuzzer as the arguments say. `progress` gets every judged case (the bar).
async fn execute(
    args: &FuzzArgs,
    progress: &(dyn Fn(&FuzzSummary) + Sync),
) -> anyhow::Result<FuzzOutcome> {
    let http = args.net.http_options()?;
    let seed = args.seed.unwrap_or_else(rand::random);
    outln!("fuzz: seed {seed} (the same --seed gives the same cases)");
    let source = TargetSource::from_flags(args.target.flags(), EmbeddedOptions::default())?;
    let conn = Connection::open(source, &http).await?;
    let opts = FuzzOptions {
        cases: args.cases,
        seed,
        jobs: args.jobs.unwrap_or_else(engine::default_jobs),
        max_shrink_iters: args.max_shrink_iters,
    };
    let summary = conn.fuzz(&opts, progress).await;
    conn.close().await;
    let summary = summary?;
    let written = match &summary.finding {
        Some(f) => Some(f.write(&args.report_dir.join("fuzz"))?),
        None => None,
    };
    Ok(FuzzOutcome { summary, written })
}

pub async fn main(args: FuzzArgs) -> anyhow::Result<i32> {
    let bar = std::io::stderr().is_terminal().then(|| {
        let b = indicatif::ProgressBar::new(args.cases);
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:30} {pos}/{len} cases, {per_sec}, {elapsed_precise} {msg}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        b
    });
    let progress = |s: &FuzzSummary| {
        if let Some(b) = &bar {
            b.set_position(s.generated);
            b.set_message(format!("({} skipped)", s.skipped));
        }
    };
    let outcome = execute(&args, &progress).await?;
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let s = &outcome.summary;
    let secs = s.elapsed.as_secs_f64().max(1e-9);
    outln!(
        "fuzz: {} cases in {:.1} s ({:.0}/s): {} sent, {} passed, {} not decided by the draft (not sent), {} inconclusive, {} warnings",
        s.generated,
        secs,
        s.generated as f64 / secs,
        s.sent(),
        s.passed,
        s.skipped,
        s.inconclusive,
        s.warnings.len()
    );
    for w in &s.warnings {
        outln!("  warning: {w}");
    }
    match (&s.finding, &outcome.written) {
        (Some(f), Some(path)) => {
            outln!("fuzz: MISMATCH in case {} of seed {}", f.index, f.seed);
            outln!("  {}", f.reason);
            outln!(
                "  shrunk to {} mutation(s){}; written to {}",
                f.case.mutations.len(),
                if f.confirmed {
                    ""
                } else {
                    " (did NOT reproduce when re-sent)"
                },
                path.display()
            );
            if let Some(dir) = path.parent() {
                let mut words = vec!["abca-conformance".to_string(), "run".to_string()];
                words.extend(super::suites_words(Some(dir)));
                words.extend(args.target.command_words(None));
                words.extend(args.net.command_words());
                outln!("  replay: {}", words.join(" "));
            }
        }
        _ => outln!("fuzz: no mismatch"),
    }
    Ok(i32::from(s.finding.is_some()))
}
