//! `abca-conformance run`: arguments → corpus, target and options → the engine's report →
//! renderers and the exit status.
use super::{NetArgs, TargetArgs};
use abca_conformance::engine::{
    self, Connection, Corpus, EmbeddedOptions, RunOptions, Selection, TargetSource,
};
use abca_conformance::report::{
    self, baseline::Baseline, gate, ndjson, progress::Progress, Format,
};
use abca_conformance::revision::DraftChoice;
use clap::Args;
use std::path::PathBuf;

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
    /// Cases in flight at once (default: 32, sized for network latency rather than cores:
    /// a case mostly waits for the server). Lower it, or use --rate, for a fragile server.
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
    #[command(flatten)]
    pub net: NetArgs,
    /// Run the cases even when the preflight finds that the valid request of a mode is
    /// refused (by default the run stops there with a diagnosis, exit 2). The cases of a
    /// refused control are then inconclusive (`error`), its control `fail`.
    #[arg(long)]
    pub keep_going: bool,
    /// Fetch each challenge just before the request that uses it. By default, while the
    /// preflight runs, idle places in flight fetch challenges for the first cases, which use
    /// them if they are under 5 s old; turn that off for a server whose challenges expire
    /// sooner.
    #[arg(long)]
    pub no_fetch_ahead: bool,
    /// Also list every requirement with the cases that check it and their verdicts, passes
    /// included (h2spec style), and the not_applicable cases with their reasons.
    #[arg(long, short)]
    pub verbose: bool,
}

impl RunArgs {
    /// `--only`, as the engine's selection.
    fn selection(&self) -> Selection {
        if self.only.is_empty() {
            Selection::All
        } else {
            Selection::Patterns(self.only.clone())
        }
    }
}

pub async fn main(args: RunArgs) -> anyhow::Result<i32> {
    let formats = Format::parse_list(&args.format).map_err(anyhow::Error::msg)?;
    // Read before the run: a bad baseline is a usage error (exit 2), not a finding.
    let mut baseline = args.baseline.as_deref().map(Baseline::load).transpose()?;
    // Found before the first request, not after the run.
    if formats.iter().any(|f| *f != Format::Ndjson) {
        report::check_writable(&args.report_dir)?;
    }
    let corpus = Corpus::load(args.suites.as_deref())?;
    let select = args.selection();
    if !args.only.is_empty() && corpus.count(&select) == 0 {
        anyhow::bail!(
            "--only {:?} matches no case (see `abca-conformance list`)",
            args.only
        );
    }
    // With --only, an entry for a case this run did not select is out of scope, not stale;
    // an entry naming no case of the corpus stays (it is stale: a typo).
    if let Some(b) = baseline.as_mut() {
        if !args.only.is_empty() {
            let cases = corpus.cases();
            b.scope(|entry| {
                let names = |c: &engine::Case| entry == c.id() || entry == c.scenario.id;
                let known = cases.iter().any(names);
                let chosen = cases.iter().any(|c| names(c) && select.accepts(c));
                chosen || !known
            });
        }
    }
    let http = args.net.http_options()?;
    // --draft auto: the target is prepared without a revision, then probed (runner/detect).
    let mut flags = args.target.flags();
    let auto = flags.draft == Some(DraftChoice::Auto);
    if auto {
        flags.draft = None;
    }
    let source = TargetSource::from_flags(flags, EmbeddedOptions::default())?;
    let opts = RunOptions {
        jobs: args.jobs.unwrap_or_else(engine::default_jobs),
        select,
        keep_going: args.keep_going,
        fetch_ahead: !args.no_fetch_ahead,
    };
    let stream = formats.contains(&Format::Ndjson);
    let progress = Progress::for_run(|| corpus.count(&opts.select));
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
    let mut conn = Connection::open(source, &http).await?;
    let auto_note = if auto {
        Some(conn.detect_revision(&corpus, opts.jobs).await?)
    } else {
        None
    };
    let mut report = conn.run(&corpus, &opts, &on_result).await;
    conn.close().await;
    engine::annotate_draft(&mut report, auto_note);
    progress.finish();
    report.replay_command = Some(super::replay::command_prefix(
        &args.target,
        &args.net,
        args.suites.as_deref(),
        &report.tool.draft,
    ));
    let code = gate::decide(&mut report, args.strict, baseline.as_ref());
    // With NDJSON on stdout, everything meant for people goes to stderr.
    let say = |text: &str| {
        if stream {
            eprint!("{text}")
        } else {
            out!("{text}")
        }
    };
    let style = if stream {
        report::terminal::Style::detect_stderr()
    } else {
        report::terminal::Style::detect()
    };
    let preflight = report.preflight.as_ref();
    let stopped = preflight.is_some_and(|p| p.stopped);
    // When the run stopped, the controls' FAIL lines would only repeat the diagnosis.
    if !stopped {
        say(&report::terminal::render(&report, &style, args.verbose));
    }
    if let Some(d) = preflight.and_then(report::preflight::diagnosis) {
        say(&format!("\n{d}\n"));
    }
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
        if let Some(why) = report.run.could_not_run() {
            eprintln!("abca-conformance: error: {why}");
        }
    }
    Ok(code)
}
