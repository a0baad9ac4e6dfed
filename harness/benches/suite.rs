//! `cargo bench --bench suite`: the full default suite, measured (issue 9). A report, not a
//! timed test: it prints figures and never fails for being slow.
//!
//! 1. As a user runs it: `abca-conformance run` (release build, embedded reference AS, report
//!    written) as a child process, repeated: wall time, CPU (harness + embedded server), peak
//!    RSS, cases/s; median and spread.
//! 2. The harness alone: the suite in this process against the reference AS running as its
//!    own `serve` process, repeated: wall, harness CPU per case, and the server's CPU.
//! 3. The crypto floor: signing the JWTs of one case (p256, as the harness does) and verifying
//!    them (ring, as the reference AS does), so harness overhead is a ratio, not a guess.
//!
//! Env: SUITE_BENCH_RUNS (default 10).
use abca_conformance::engine::{self, Corpus, HttpOptions, RunOptions, TargetSource};
use std::process::Command;
use std::time::Instant;

mod common;
use common::{child_cpu, env, floor, process_cpu, run_measured, stats, us, Server};

fn show(label: &str, unit: &str, xs: &[f64]) {
    let (med, min, max) = stats(xs);
    println!("  {label:<34} median {med:>9.2} {unit:<6} (min {min:.2}, max {max:.2})");
}

fn main() -> anyhow::Result<()> {
    let runs = env("SUITE_BENCH_RUNS", 10) as usize;
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    println!("suite bench: {runs} runs of the full default suite, {cores} cores");

    let f = floor();
    // A case signs an attestation and a PoP or DPoP proof (2 signatures) and the server
    // verifies both (2 verifications); the challenge fetch costs no cryptography.
    let floor_case = 2 * f.sign + 2 * f.verify_ring;
    println!(
        "crypto floor: ES256 sign (p256) {:.1} µs, verify (ring) {:.1} µs, verify (p256) {:.1} µs → {:.1} µs per case (2 signs + 2 ring verifies); the harness's share (2 signs) {:.1} µs",
        us(f.sign),
        us(f.verify_ring),
        us(f.verify_p256),
        us(floor_case),
        us(2 * f.sign)
    );

    // 1. As a user runs it.
    let dir = std::env::temp_dir().join(format!("abca-suite-bench-{}", std::process::id()));
    let bin = env!("CARGO_BIN_EXE_abca-conformance");
    let (mut wall, mut cpu, mut rss) = (vec![], vec![], vec![]);
    for _ in 0..runs {
        let m = run_measured(
            Command::new(bin)
                .args(["run", "--format", "json", "--report-dir"])
                .arg(&dir),
        )?;
        anyhow::ensure!(
            m.status == 0,
            "`run` against the embedded AS exited {}",
            m.status
        );
        wall.push(m.wall * 1e3);
        cpu.push(m.cpu * 1e3);
        rss.push(m.peak_rss_mib);
    }
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("report.json"))?)?;
    let results = report["results"].as_array().map_or(0, |a| a.len());
    let judged = report["results"].as_array().map_or(0, |a| {
        a.iter()
            .filter(|r| r["verdict"] != "not_applicable")
            .count()
    });
    let _ = std::fs::remove_dir_all(&dir);
    println!("1. `abca-conformance run` (embedded AS, process start to report written): {results} cases, {judged} judged");
    show("wall", "ms", &wall);
    show("CPU (harness + embedded AS)", "ms", &cpu);
    show("peak RSS", "MiB", &rss);
    let per_s: Vec<f64> = wall.iter().map(|w| results as f64 / (w / 1e3)).collect();
    show("cases/s", "", &per_s);

    // 2. The harness alone, against the AS in its own process.
    let server = Server::start(&[])?;
    let (rt, _) = common::runtime()?;
    let flags = server.flags(&server.issuer);
    let (mut wall, mut hcpu, mut scpu, mut cases) = (vec![], vec![], vec![], 0usize);
    let mut sent_requests = 0usize;
    for _ in 0..runs {
        let (c0, s0) = (process_cpu(), child_cpu(server.pid()).unwrap_or(0.0));
        let t = Instant::now();
        // Read per run, as `run` does.
        let corpus = Corpus::embedded()?;
        let report = rt.block_on(engine::run(
            &corpus,
            TargetSource::Remote(flags.clone()),
            &HttpOptions::default(),
            &RunOptions::default(),
            &|_| {},
        ))?;
        wall.push(t.elapsed().as_secs_f64() * 1e3);
        hcpu.push((process_cpu() - c0) * 1e3);
        scpu.push((child_cpu(server.pid()).unwrap_or(0.0) - s0) * 1e3);
        cases = report
            .results
            .iter()
            .filter(|r| !r.exchanges.is_empty())
            .count();
        sent_requests = report.results.iter().map(|r| r.exchanges.len()).sum();
    }
    println!("2. the harness alone (reference AS in its own process): {cases} cases sent requests ({sent_requests} exchanges)");
    show("wall", "ms", &wall);
    show("harness CPU", "ms", &hcpu);
    show("server CPU", "ms", &scpu);
    let per_case: Vec<f64> = hcpu.iter().map(|c| c * 1e3 / cases.max(1) as f64).collect();
    show("harness CPU per case", "µs", &per_case);
    let (med, _, _) = stats(&per_case);
    println!(
        "  harness CPU per case / crypto floor per case: {:.2}× (goal ≤ 2×); / the harness's own share (2 signs): {:.2}×",
        med / us(floor_case),
        med / us(2 * f.sign)
    );
    drop(server);
    Ok(())
}
