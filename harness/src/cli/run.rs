//! `abca-conformance run`: target → scenarios → plan → exchange → verdict → report.
use super::{NetArgs, TargetArgs};
use crate::catalog::Catalog;
use crate::embedded::{self, EmbeddedOptions};
use crate::exchange::{Http, HttpOptions};
use crate::report::{self, Format, Report};
use crate::runner::{self, RunOptions};
use crate::scenario::{load, Loaded};
use crate::target::{discovery, Target};
use clap::Args;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Args, Debug, Clone)]
pub struct RunArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    /// Run the scenarios of DIR instead of the built-in corpus.
    #[arg(long, value_name = "DIR")]
    pub suites: Option<PathBuf>,
    /// Only cases whose id (scenario/mode/endpoint) contains PATTERN, or matches it as a glob
    /// with `*`; repeatable.
    #[arg(long, value_name = "PATTERN")]
    pub only: Vec<String>,
    /// Concurrent requests (default: number of cores).
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Where report files go.
    #[arg(long, value_name = "DIR", default_value = "reports")]
    pub report_dir: PathBuf,
    /// Reports to write, comma-separated: json (report.json), junit (junit.xml), html
    /// (report.html, one self-contained page), md (summary.md, for a PR comment or
    /// $GITHUB_STEP_SUMMARY), ndjson. ndjson is a stream, not a file: one JSON object per line
    /// on stdout as each result is decided ({"type":"result", ...the report.json result
    /// fields}), then one {"type":"summary", ...} line with the counts and the exit status;
    /// the human summary then goes to stderr. Example: --format ndjson,json
    #[arg(long, value_name = "LIST", default_value = "json,junit,html,md")]
    pub format: String,
    /// Known non-pass results (YAML list of {case, verdict: fail|warning|error, reason}).
    /// A listed result keeps its verdict in the reports but does not fail the run; an entry
    /// whose case no longer gets that verdict, or names no case of this run, fails the run.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Write a baseline of this run's fail / warning / error results to FILE, each with its
    /// reason prefilled (edit them), for use with --baseline.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// Warnings (broken SHOULDs) fail the run like fails (exit status 1).
    #[arg(long)]
    pub strict: bool,
    /// Per-request timeout in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    pub timeout: f64,
    #[command(flatten)]
    pub net: NetArgs,
    /// Also list not_applicable cases with their reasons.
    #[arg(long, short)]
    pub verbose: bool,
}

/// Loads the corpus (embedded, or `--suites DIR`) and the catalog, validated together.
pub fn load_corpus(suites: Option<&PathBuf>) -> anyhow::Result<(Vec<Loaded>, Catalog)> {
    let fail = |errs: Vec<load::InputError>| {
        let n = errs.len();
        let list: Vec<String> = errs.into_iter().map(|e| e.to_string()).collect();
        anyhow::anyhow!("{n} problem(s) in the scenarios:\n  {}", list.join("\n  "))
    };
    let (scenarios, catalog) = match suites {
        Some(dir) => {
            if !dir.is_dir() {
                anyhow::bail!("--suites {}: not a folder", dir.display());
            }
            let catalog_path = dir.join("requirements.yaml");
            let catalog = if catalog_path.is_file() {
                let text = std::fs::read_to_string(&catalog_path)?;
                Catalog::parse(&catalog_path.display().to_string(), &text)?
            } else {
                Catalog::embedded()?
            };
            (load::load_dir(dir).map_err(fail)?, catalog)
        }
        None => (load::embedded().map_err(fail)?, Catalog::embedded()?),
    };
    load::validate(&scenarios, &catalog).map_err(fail)?;
    Ok((scenarios, catalog))
}

/// A discovered target, and the embedded server behind it when there is one (kept alive
/// for the run).
pub struct Prepared {
    pub target: Target,
    pub http: Http,
    pub server: Option<reference_as::RunningServer>,
}

pub async fn prepare(
    args: &TargetArgs,
    http_opts: &HttpOptions,
    embedded_opts: EmbeddedOptions,
) -> anyhow::Result<Prepared> {
    let http = Http::new(http_opts)?;
    let flags = args.flags();
    if flags.draft == Some(crate::revision::DraftChoice::Auto) {
        anyhow::bail!("--draft auto is resolved by `run` before the target is prepared; give a revision (07, 10, 11, 12) here");
    }
    if flags.is_empty() {
        let mut embedded_opts = embedded_opts;
        if let Some(crate::revision::DraftChoice::Revision(r)) = flags.draft {
            embedded_opts = embedded_opts.with_revision(r);
        }
        let e = embedded::start(embedded_opts).await?;
        let target = discovery::discover(&http, e.spec, e.keys, true).await?;
        return Ok(Prepared {
            target,
            http,
            server: Some(e.server),
        });
    }
    let spec = flags.resolve()?;
    let keys = crate::client::keys::KeySet::load(
        &spec.attester_key,
        spec.attester_kid.clone(),
        spec.attestation_mac_key.as_deref(),
    )?;
    let target = discovery::discover(&http, spec, keys, false).await?;
    Ok(Prepared {
        target,
        http,
        server: None,
    })
}

pub fn default_jobs() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
}

/// Runs the suite as configured; returns the report. Used by the CLI and the tests.
pub async fn execute(
    args: &RunArgs,
    embedded_opts: EmbeddedOptions,
    on_result: runner::OnResult<'_>,
) -> anyhow::Result<Report> {
    execute_with(args, embedded_opts, None, on_result).await
}

/// [`execute`] with an exact selection of case ids instead of `--only` (the libtest
/// integration selects cases by name).
pub async fn execute_with(
    args: &RunArgs,
    embedded_opts: EmbeddedOptions,
    ids: Option<std::collections::BTreeSet<String>>,
    on_result: runner::OnResult<'_>,
) -> anyhow::Result<Report> {
    let (scenarios, catalog) = load_corpus(args.suites.as_ref())?;
    if !(args.timeout > 0.0 && args.timeout <= 3600.0) {
        anyhow::bail!("--timeout must be between 0 and 3600 seconds");
    }
    let http_opts = args
        .net
        .http_options(Duration::from_secs_f64(args.timeout))?;
    let prepared = prepare(&args.target, &http_opts, embedded_opts).await?;
    let opts = RunOptions {
        select: if let Some(ids) = ids {
            runner::Selection::Ids(ids)
        } else if args.only.is_empty() {
            runner::Selection::All
        } else {
            runner::Selection::Patterns(args.only.clone())
        },
        jobs: args.jobs.unwrap_or_else(default_jobs),
    };
    let report = runner::run(
        &prepared.target,
        &prepared.http,
        &scenarios,
        &catalog,
        &opts,
        on_result,
    )
    .await;
    if let Some(s) = prepared.server {
        s.shutdown().await;
    }
    if !args.only.is_empty() && report.results.is_empty() {
        anyhow::bail!(
            "--only {:?} matches no case (see `abca-conformance list`)",
            args.only
        );
    }
    Ok(report)
}

pub async fn main(args: RunArgs) -> anyhow::Result<i32> {
    use report::{baseline::Baseline, ndjson, progress::Progress};
    let formats = Format::parse_list(&args.format).map_err(anyhow::Error::msg)?;
    // Read before the run: a bad baseline is a usage error (exit 2), not a finding.
    let baseline = args.baseline.as_deref().map(Baseline::load).transpose()?;
    let stream = formats.contains(&Format::Ndjson);
    let progress = Progress::for_run(|| {
        load_corpus(args.suites.as_ref())
            .map(|(s, _)| {
                let cases = crate::runner::cases::expand(&s);
                let sel = |c: &&crate::runner::cases::Case| {
                    args.only.is_empty()
                        || args
                            .only
                            .iter()
                            .any(|p| crate::runner::cases::matches(p, c))
                };
                cases.iter().filter(sel).count()
            })
            .unwrap_or(0)
    });
    let on_result = |r: &report::CaseResult| {
        progress.tick(r);
        if stream {
            let line = match baseline.as_ref().and_then(|b| b.mark(r)) {
                Some(mark) => ndjson::result_line(&report::CaseResult {
                    baseline: Some(mark),
                    ..r.clone()
                }),
                None => ndjson::result_line(r),
            };
            // A closed pipe must not stop the run: the report files are still written.
            if let Ok(line) = line {
                let _ = ndjson::emit(&mut std::io::stdout().lock(), &line);
            }
        }
    };
    let mut report = execute(&args, EmbeddedOptions::default(), &on_result).await?;
    progress.finish();
    let mut code = report::gate::decide(&mut report, args.strict, baseline.as_ref());
    // Nothing failed, but nothing could be judged either (or the circuit breaker stopped the
    // run): that is "the suite could not run", exit 2 (DESIGN.md), not a green run.
    let could_not_run = runner::limits::could_not_run(&report);
    if code == 0 && could_not_run.is_some() {
        code = 2;
        if let Some(g) = report.gate.as_mut() {
            g.exit_status = 2;
        }
    }
    // With NDJSON on stdout, everything meant for people goes to stderr.
    let say = |text: &str| {
        if stream {
            eprint!("{text}")
        } else {
            print!("{text}")
        }
    };
    let style = if stream {
        report::terminal::Style::detect_stderr()
    } else {
        report::terminal::Style::detect()
    };
    say(&report::terminal::render(&report, &style, args.verbose));
    let written = report::write_all(&report, &args.report_dir, &formats)?;
    for p in written {
        say(&format!("wrote {}\n", p.display()));
    }
    if let Some(path) = &args.write_baseline {
        let n = report::baseline::write(&report, path)?;
        say(&format!("wrote {} ({n} entries)\n", path.display()));
    }
    if stream {
        let _ = ndjson::emit(
            &mut std::io::stdout().lock(),
            &ndjson::summary_line(&report)?,
        );
    }
    if code == 2 {
        if let Some(why) = &could_not_run {
            eprintln!("abca-conformance: error: {why}");
        }
    }
    Ok(code)
}

impl RunArgs {
    /// Parses `run` options with clap's defaults (tests and tools build RunArgs this way).
    pub fn parse_from<I, T>(args: I) -> Result<RunArgs, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        use clap::Parser;
        #[derive(Parser)]
        struct Wrapper {
            #[command(flatten)]
            run: RunArgs,
        }
        let argv = std::iter::once(std::ffi::OsString::from("run"))
            .chain(args.into_iter().map(Into::into));
        Wrapper::try_parse_from(argv).map(|w| w.run)
    }
}
