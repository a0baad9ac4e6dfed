//! `cargo bench --bench fuzz_memory`: a long fuzz run (default 100,000 cases) against the
//! reference AS as its own `serve` process, sampling this process's resident memory as it
//! goes (issue 17 §6): the harness must not grow with the number of cases. A report, not a
//! timed test: it prints figures and never fails for being slow.
//!
//! Prints the resident set (current, from /proc/self/statm) every tenth of the run, the peak,
//! and the harness's and the server's CPU per sent case.
//! Env: FUZZ_MEMORY_CASES (default 100000), FUZZ_MEMORY_JOBS (default 32), FUZZ_MEMORY_SEED
//! (default 8).
use abca_conformance::engine::{Connection, FuzzOptions, FuzzSummary, HttpOptions, TargetSource};
use std::sync::Mutex;
use std::time::Instant;

mod common;
use common::{child_cpu, env, peak_rss_mib, process_cpu, Server};

/// Resident set of this process now, in MiB (/proc/self/statm: pages).
fn rss_mib() -> f64 {
    let pages = std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<f64>().ok())
        .unwrap_or(0.0);
    // SAFETY: sysconf has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as f64;
    pages * page / (1024.0 * 1024.0)
}

/// VmRSS of another process, in MiB.
fn rss_of(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn main() -> anyhow::Result<()> {
    let cases = env("FUZZ_MEMORY_CASES", 100_000);
    let jobs = env("FUZZ_MEMORY_JOBS", 32) as usize;
    let (rt, cores) = common::runtime()?;
    println!(
        "fuzz memory bench: {cases} cases, --jobs {jobs}, {cores} cores; the AS as its own process"
    );
    println!("command: cargo bench --bench fuzz_memory (FUZZ_MEMORY_CASES, FUZZ_MEMORY_JOBS)");
    // The peak (getrusage) at each stage, so that a peak above the samples can be placed: on
    // Linux ru_maxrss survives execve, so at start it holds the peak of the process that
    // forked this one (cargo, about 100 MiB) rather than anything of the harness.
    let peak_at_start = peak_rss_mib();
    let server = Server::start(&[])?;
    let peak_after_server = peak_rss_mib();
    let pid = server.pid();
    let seed = env("FUZZ_MEMORY_SEED", 8);
    // A sample every 1 % of the run; the table shows every tenth.
    let step = (cases / 100).max(1);
    let samples: Mutex<Vec<(u64, f64)>> = Mutex::new(Vec::new());
    let summary: FuzzSummary = rt.block_on(async {
        let flags = server.flags(&server.issuer);
        let conn = Connection::open(TargetSource::Remote(flags), &HttpOptions::default()).await?;
        samples.lock().unwrap().push((0, rss_mib()));
        println!(
            "peak RSS so far: {peak_at_start:.1} MiB at start, {peak_after_server:.1} MiB after starting the AS, {:.1} MiB after discovery",
            peak_rss_mib()
        );
        let opts = FuzzOptions {
            cases,
            seed,
            jobs,
            max_shrink_iters: 0,
        };
        let progress = |s: &FuzzSummary| {
            if s.generated % step == 0 {
                samples.lock().unwrap().push((s.generated, rss_mib()));
            }
        };
        let (cpu0, srv0) = (process_cpu(), child_cpu(pid).unwrap_or(0.0));
        let t = Instant::now();
        let s = conn.fuzz(&opts, &progress).await?;
        let wall = t.elapsed().as_secs_f64();
        let cpu = process_cpu() - cpu0;
        let srv = child_cpu(pid).map(|c| c - srv0);
        conn.close().await;
        let sent = s.sent().max(1) as f64;
        println!(
            "seed {seed}: {} cases ({} sent, {} not decided) in {wall:.1} s = {:.0} cases/s",
            s.generated,
            s.sent(),
            s.skipped,
            s.generated as f64 / wall,
        );
        if let Some(f) = &s.finding {
            // The reference AS conforms: a finding is an oracle or AS bug, and stops the run.
            println!(
                "  !! finding at case {} after {wall:.0} s: {}\n     case: {:?}",
                f.index, f.reason, f.case
            );
        }
        println!(
            "CPU per sent case: harness {:.0} µs, server {}",
            cpu / sent * 1e6,
            srv.map(|c| format!("{:.0} µs", c / sent * 1e6))
                .unwrap_or_else(|| "?".into())
        );
        anyhow::Ok(s)
    })?;
    let samples = samples.into_inner().unwrap_or_default();
    println!("resident set of the harness (MiB) by cases done:");
    for (i, (n, mib)) in samples.iter().enumerate() {
        if i % 10 == 0 || i + 1 == samples.len() {
            println!("  {n:>8} {mib:>8.1}");
        }
    }
    let max = samples.iter().map(|s| s.1).fold(0.0, f64::max);
    println!("  largest sample {max:.1} MiB ({} samples)", samples.len());
    let first = samples.get(10).map_or(0.0, |s| s.1);
    let last = samples.last().map_or(0.0, |s| s.1);
    println!(
        "peak RSS {:.1} MiB; from {:.0} % of the run to the end: {first:.1} → {last:.1} MiB ({:+.1} MiB); server RSS at the end {}; warnings kept: {}",
        peak_rss_mib(),
        100.0 / 10.0,
        last - first,
        rss_of(pid).map_or("?".into(), |m| format!("{m:.1} MiB")),
        summary.warnings.len()
    );
    Ok(())
}
