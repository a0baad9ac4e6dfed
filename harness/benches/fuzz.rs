//! `cargo bench --bench fuzz`: fuzz cases per second against the reference AS, and the crypto
//! floor for comparison. A report, not a timed test (nothing here can fail on a slow machine).
//!
//! Two set-ups:
//! 1. the embedded AS, in this process (what `abca-conformance fuzz` does with no target):
//!    cases/s and process CPU per case (harness + server together);
//! 2. the AS as a separate `abca-conformance serve` process: cases/s, the harness's CPU per
//!    case (this process) and the server's (from /proc), so the harness's share shows.
//!
//! The floor: signing the JWTs one case needs (attestation + PoP or DPoP proof, ES256 with the
//! harness's p256 keys) and verifying them (p256 here; the reference AS verifies with ring).
//! Env: FUZZ_BENCH_CASES (default 4000), FUZZ_BENCH_JOBS (default 32).
use abca_conformance::engine::{
    Connection, FuzzOptions, FuzzSummary as Summary, HttpOptions, TargetSource,
};
use std::time::Instant;

mod common;
use common::{child_cpu, env, floor, process_cpu, us, Server};

/// The positive controls, then the cases (the controls are a handful of requests against
/// thousands of cases).
async fn fuzz(conn: &Connection, cases: u64, jobs: usize) -> Summary {
    let opts = FuzzOptions {
        cases,
        seed: 1,
        jobs,
        max_shrink_iters: 0,
    };
    let s = conn.fuzz(&opts, &|_| {}).await.expect("fuzz run");
    if let Some(f) = &s.finding {
        // The reference AS conforms: a finding here is a bug in the oracle or the AS.
        println!(
            "  !! finding against the reference AS (oracle or AS bug), case {}: {:?} → {}",
            f.index, f.case, f.reason
        );
    }
    s
}

fn line(label: &str, s: &Summary, wall: f64) {
    println!(
        "{label}: {} cases ({} sent, {} not decided) in {wall:.2} s = {:.0} cases/s ({:.0} sent/s)",
        s.generated,
        s.sent(),
        s.skipped,
        s.generated as f64 / wall,
        s.sent() as f64 / wall,
    );
}

fn main() -> anyhow::Result<()> {
    let cases = env("FUZZ_BENCH_CASES", 4_000);
    let jobs = env("FUZZ_BENCH_JOBS", 32) as usize;
    let (rt, cores) = common::runtime()?;
    println!("fuzz bench: {cases} cases, --jobs {jobs}, {cores} cores");

    let f = floor();
    let per_case = 2 * f.sign + 2 * f.verify_p256;
    println!(
        "crypto floor: ES256 sign {:.1} µs, p256 verify {:.1} µs (ring {:.1} µs); one case signs 2 JWTs and the server verifies 2: {:.1} µs CPU/case → {:.0} cases/s per core",
        us(f.sign),
        us(f.verify_p256),
        us(f.verify_ring),
        per_case.as_secs_f64() * 1e6,
        1.0 / per_case.as_secs_f64()
    );

    // 1. Embedded AS in this process.
    rt.block_on(async {
        let conn = Connection::open(TargetSource::default(), &HttpOptions::default()).await?;
        let cpu0 = process_cpu();
        let t = Instant::now();
        let s = fuzz(&conn, cases, jobs).await;
        let wall = t.elapsed().as_secs_f64();
        let cpu = process_cpu() - cpu0;
        line("embedded AS", &s, wall);
        println!(
            "  process CPU (harness + server): {:.0} µs per sent case = {:.1}× the crypto floor",
            cpu / s.sent() as f64 * 1e6,
            cpu / s.sent() as f64 / per_case.as_secs_f64()
        );
        conn.close().await;
        anyhow::Ok(())
    })?;

    // 2. The AS as its own process: the harness's CPU alone.
    let server = Server::start(&[])?;
    let pid = server.pid();
    rt.block_on(async {
        let flags = server.flags(&server.issuer);
        let conn = Connection::open(TargetSource::Remote(flags), &HttpOptions::default()).await?;
        let (cpu0, srv0) = (process_cpu(), child_cpu(pid).unwrap_or(0.0));
        let t = Instant::now();
        let s = fuzz(&conn, cases, jobs).await;
        let wall = t.elapsed().as_secs_f64();
        let cpu = process_cpu() - cpu0;
        let srv = child_cpu(pid).map(|c| c - srv0);
        line("separate AS process", &s, wall);
        let sent = s.sent() as f64;
        println!(
            "  harness CPU: {:.0} µs per sent case = {:.1}× the crypto floor (the harness's own share of the floor, 2 signatures: {:.0} µs)",
            cpu / sent * 1e6,
            cpu / sent / per_case.as_secs_f64(),
            (2 * f.sign).as_secs_f64() * 1e6
        );
        if let Some(srv) = srv {
            println!("  server CPU:  {:.0} µs per sent case", srv / sent * 1e6);
        }
        conn.close().await;
        anyhow::Ok(())
    })?;
    drop(server);
    Ok(())
}
