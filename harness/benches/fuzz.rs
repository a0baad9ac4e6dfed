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
use abca_conformance::cli::run::prepare;
use abca_conformance::cli::TargetArgs;
use abca_conformance::embedded::EmbeddedOptions;
use abca_conformance::exchange::HttpOptions;
use abca_conformance::fuzz::engine::{Fuzzer, Options, Summary};
use abca_conformance::jose::key::SigningKey;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// CPU seconds (user + system) of this process.
fn process_cpu() -> f64 {
    let mut u = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage fills the struct it is given; RUSAGE_SELF is always valid.
    let u = unsafe {
        libc::getrusage(libc::RUSAGE_SELF, u.as_mut_ptr());
        u.assume_init()
    };
    let t = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6;
    t(u.ru_utime) + t(u.ru_stime)
}

/// CPU seconds of another process, from /proc/<pid>/stat (utime + stime).
fn child_cpu(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    Some(ticks / hz)
}

struct Floor {
    sign: Duration,
    verify: Duration,
}

/// Per-operation cost of ES256 signing (the harness's keys) and p256 verification, over
/// signing inputs the size of a real attestation and proof.
fn floor() -> Floor {
    use p256::ecdsa::signature::Verifier;
    let key = SigningKey::generate_es256();
    let input = vec![b'e'; 600];
    let n = 2_000;
    let t = Instant::now();
    let mut sig = Vec::new();
    for i in 0..n {
        let mut m = input.clone();
        m[0] = i as u8;
        sig = key.sign(&m);
    }
    let sign = t.elapsed() / n;
    let sk = p256::ecdsa::SigningKey::random(&mut rand::rngs::OsRng);
    let vk = p256::ecdsa::VerifyingKey::from(&sk);
    let s: p256::ecdsa::Signature = p256::ecdsa::signature::Signer::sign(&sk, &input);
    assert_eq!(sig.len(), 64);
    let t = Instant::now();
    for _ in 0..n {
        vk.verify(&input, &s)
            .expect("the bench's own signature verifies");
    }
    let verify = t.elapsed() / n;
    Floor { sign, verify }
}

async fn fuzz(fuzzer: &Fuzzer, cases: u64, jobs: usize) -> Summary {
    fuzzer
        .controls()
        .await
        .expect("the valid requests are accepted");
    let opts = Options {
        cases,
        seed: 1,
        jobs,
        rate: None,
        max_shrink_iters: 0,
    };
    let s = fuzzer.run(&opts, &|_| {}).await.expect("fuzz run");
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

struct Server(Child);
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn main() -> anyhow::Result<()> {
    let cases = env("FUZZ_BENCH_CASES", 4_000);
    let jobs = env("FUZZ_BENCH_JOBS", 32) as usize;
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(cores)
        .enable_all()
        .build()?;
    println!("fuzz bench: {cases} cases, --jobs {jobs}, {cores} cores");

    let f = floor();
    let per_case = 2 * f.sign + 2 * f.verify;
    println!(
        "crypto floor: ES256 sign {:.1} µs, p256 verify {:.1} µs; one case signs 2 JWTs and the server verifies 2: {:.1} µs CPU/case → {:.0} cases/s per core",
        f.sign.as_secs_f64() * 1e6,
        f.verify.as_secs_f64() * 1e6,
        per_case.as_secs_f64() * 1e6,
        1.0 / per_case.as_secs_f64()
    );

    // 1. Embedded AS in this process.
    rt.block_on(async {
        let p = prepare(
            &TargetArgs::default(),
            &HttpOptions::default(),
            EmbeddedOptions::default(),
        )
        .await?;
        let fuzzer = Fuzzer::new(Arc::new(p.target), p.http)?;
        let cpu0 = process_cpu();
        let t = Instant::now();
        let s = fuzz(&fuzzer, cases, jobs).await;
        let wall = t.elapsed().as_secs_f64();
        let cpu = process_cpu() - cpu0;
        line("embedded AS", &s, wall);
        println!(
            "  process CPU (harness + server): {:.0} µs per sent case = {:.1}× the crypto floor",
            cpu / s.sent() as f64 * 1e6,
            cpu / s.sent() as f64 / per_case.as_secs_f64()
        );
        if let Some(srv) = p.server {
            srv.shutdown().await;
        }
        anyhow::Ok(())
    })?;

    // 2. The AS as its own process: the harness's CPU alone.
    let dir = std::env::temp_dir().join(format!("abca-fuzz-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let keys = abca_conformance::keygen::keygen_with(&dir, Default::default())?;
    let mut child = Command::new(env!("CARGO_BIN_EXE_abca-conformance"))
        .args(["serve", "--port", "0", "--attester-jwks"])
        .arg(&keys.public_jwks)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let stdout = child.stdout.take().expect("piped stdout");
    let server = Server(child);
    let mut issuer = None;
    for l in BufReader::new(stdout).lines() {
        let l = l?;
        if let Some(rest) = l.split("issuer ").nth(1) {
            issuer = rest.split_whitespace().next().map(String::from);
            break;
        }
    }
    let issuer = issuer.ok_or_else(|| anyhow::anyhow!("`serve` did not print its issuer"))?;
    let pid = server.0.id();
    rt.block_on(async {
        let args = TargetArgs {
            issuer: Some(issuer),
            client_id: Some(abca_conformance::embedded::CLIENT_ID.into()),
            attester_key: Some(keys.private_jwk.clone()),
            ..TargetArgs::default()
        };
        let p = prepare(&args, &HttpOptions::default(), EmbeddedOptions::default()).await?;
        let fuzzer = Fuzzer::new(Arc::new(p.target), p.http)?;
        let (cpu0, srv0) = (process_cpu(), child_cpu(pid).unwrap_or(0.0));
        let t = Instant::now();
        let s = fuzz(&fuzzer, cases, jobs).await;
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
        anyhow::Ok(())
    })?;
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
