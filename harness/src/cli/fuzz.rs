//! `abca-conformance fuzz`: random mutation sets against the target, judged by the spec
//! oracle; a mismatch is shrunk and written as a scenario under `<report-dir>/fuzz/`.
//! Exit status as for `run`: 0 nothing found, 1 a mismatch, 2 could not run.
use super::run::{default_jobs, prepare};
use super::TargetArgs;
use crate::embedded::EmbeddedOptions;
use crate::exchange::HttpOptions;
use crate::fuzz::engine::{Fuzzer, Options, Summary};
use clap::Args;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

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
    /// Requests in flight at once (default: number of cores).
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
    /// At most R cases per second, e.g. `50/s` or `50`.
    #[arg(long, value_name = "R/s")]
    pub rate: Option<String>,
    /// Findings go to DIR/fuzz/.
    #[arg(long, value_name = "DIR", default_value = "reports")]
    pub report_dir: PathBuf,
    /// Per-request timeout in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    pub timeout: f64,
    /// Bound on shrinking steps.
    #[arg(long, value_name = "N", default_value_t = 500)]
    pub max_shrink_iters: u32,
}

/// `--rate 50/s` or `--rate 50`.
pub fn parse_rate(s: &str) -> anyhow::Result<f64> {
    let n = s.trim().strip_suffix("/s").unwrap_or(s.trim());
    match n.parse::<f64>() {
        Ok(r) if r > 0.0 && r.is_finite() => Ok(r),
        _ => {
            anyhow::bail!("--rate {s:?}: expected a positive number of cases per second, e.g. 50/s")
        }
    }
}

/// The run's result, for the CLI and the tests.
pub struct FuzzOutcome {
    pub seed: u64,
    pub summary: Summary,
    /// Where the finding was written.
    pub written: Option<PathBuf>,
}

impl FuzzOutcome {
    pub fn exit_code(&self) -> i32 {
        i32::from(self.summary.finding.is_some())
    }
}

/// Runs the fuzzer as configured. `progress` gets every judged case (the CLI's bar).
pub async fn execute(
    args: &FuzzArgs,
    embedded_opts: EmbeddedOptions,
    progress: &(dyn Fn(&Summary) + Sync),
) -> anyhow::Result<FuzzOutcome> {
    if !(args.timeout > 0.0 && args.timeout <= 3600.0) {
        anyhow::bail!("--timeout must be between 0 and 3600 seconds");
    }
    let rate = args.rate.as_deref().map(parse_rate).transpose()?;
    let seed = args.seed.unwrap_or_else(rand::random);
    println!("fuzz: seed {seed} (the same --seed gives the same cases)");
    let http_opts = HttpOptions {
        timeout: Duration::from_secs_f64(args.timeout),
        ..HttpOptions::default()
    };
    let prepared = prepare(&args.target, &http_opts, embedded_opts).await?;
    let fuzzer = Fuzzer::new(Arc::new(prepared.target), prepared.http)?;
    let result = async {
        fuzzer.controls().await.map_err(anyhow::Error::msg)?;
        let opts = Options {
            cases: args.cases,
            seed,
            jobs: args.jobs.unwrap_or_else(default_jobs),
            rate,
            max_shrink_iters: args.max_shrink_iters,
        };
        fuzzer.run(&opts, progress).await
    }
    .await;
    if let Some(s) = prepared.server {
        s.shutdown().await;
    }
    let summary = result?;
    let written = match &summary.finding {
        Some(f) => Some(f.write(&args.report_dir.join("fuzz"))?),
        None => None,
    };
    Ok(FuzzOutcome {
        seed,
        summary,
        written,
    })
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
    let progress = |s: &Summary| {
        if let Some(b) = &bar {
            b.set_position(s.generated);
            b.set_message(format!("({} skipped)", s.skipped));
        }
    };
    let outcome = execute(&args, EmbeddedOptions::default(), &progress).await?;
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let s = &outcome.summary;
    let secs = s.elapsed.as_secs_f64().max(1e-9);
    println!(
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
        println!("  warning: {w}");
    }
    match (&s.finding, &outcome.written) {
        (Some(f), Some(path)) => {
            println!("fuzz: MISMATCH in case {} of seed {}", f.index, f.seed);
            println!("  {}", f.reason);
            println!(
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
                println!(
                    "  replay: abca-conformance run --suites {} <same target options>",
                    dir.display()
                );
            }
        }
        _ => println!("fuzz: no mismatch"),
    }
    Ok(outcome.exit_code())
}
