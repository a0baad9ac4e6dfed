//! `cargo bench --bench latency`: the full default suite against the reference AS behind an
//! in-process delay proxy (default 50 ms round trip), at several in-flight limits (issue 17
//! §6). A report, not a timed test: it prints figures and never fails for being slow.
//!
//! The proxy (127.0.0.1) delays every chunk by half the RTT in each direction, and a new
//! connection by one RTT (the TCP handshake), without limiting throughput. The AS runs as its
//! own `serve` process, so the harness's CPU per case is this process's (the proxy included)
//! and the server's comes from /proc.
//!
//! For each `--jobs` it prints the wall time (discovery, preflight, cases, closing controls;
//! what a user waits for) against two bounds:
//! - requests × RTT / in-flight: the time to push every request through the in-flight limit
//!   (requests counted at the proxy);
//! - the critical path: the longest chain of dependent round trips (metadata; the longest
//!   preflight check; the longest case; the closing control), × RTT.
//!
//! Each in-flight limit runs twice in a row, with challenges fetched ahead while the preflight
//! runs (the default, runner/prefetch.rs) and without (`--no-fetch-ahead`), so the two compare
//! on the same machine load.
//!
//! Env: LATENCY_BENCH_RTT_MS (default 50), LATENCY_BENCH_JOBS (comma-separated, default
//! "2,8,16,32,64" plus the built-in default), LATENCY_BENCH_ROUNDS (default 1: how many times
//! each pair runs).
use abca_conformance::engine::{self, Connection, Corpus, HttpOptions, RunOptions, TargetSource};
use abca_conformance::report::Report;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

mod common;
use common::{child_cpu, env, process_cpu, Server};

/// Requests seen by the proxy (a client chunk that starts an HTTP/1.1 request line).
static REQUESTS: AtomicUsize = AtomicUsize::new(0);
/// Connections accepted by the proxy.
static CONNECTIONS: AtomicUsize = AtomicUsize::new(0);

/// Copies `from` to `to`, each chunk delivered `delay` after it was read; counts requests
/// when `count`.
async fn pipe(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    delay: Duration,
    count: bool,
) {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(tokio::time::Instant, Vec<u8>)>();
    let read = async move {
        let mut buf = vec![0u8; 64 * 1024];
        while let Ok(n) = from.read(&mut buf).await {
            if n == 0 {
                break;
            }
            let chunk = &buf[..n];
            if count && (chunk.starts_with(b"POST ") || chunk.starts_with(b"GET ")) {
                REQUESTS.fetch_add(1, Ordering::Relaxed);
            }
            if tx
                .send((tokio::time::Instant::now() + delay, chunk.to_vec()))
                .is_err()
            {
                break;
            }
        }
    };
    let write = async move {
        while let Some((due, data)) = rx.recv().await {
            tokio::time::sleep_until(due).await;
            if to.write_all(&data).await.is_err() {
                break;
            }
        }
        let _ = to.shutdown().await;
    };
    tokio::join!(read, write);
}

/// Accepts on `listener` and forwards to `upstream` with `rtt` of delay.
async fn proxy(listener: TcpListener, upstream: std::net::SocketAddr, rtt: Duration) {
    while let Ok((client, _)) = listener.accept().await {
        CONNECTIONS.fetch_add(1, Ordering::Relaxed);
        tokio::spawn(async move {
            // The TCP handshake of a real network: one round trip before the first byte.
            tokio::time::sleep(rtt).await;
            let Ok(server) = TcpStream::connect(upstream).await else {
                return;
            };
            let _ = client.set_nodelay(true);
            let _ = server.set_nodelay(true);
            let (cr, cw) = client.into_split();
            let (sr, sw) = server.into_split();
            tokio::join!(pipe(cr, sw, rtt / 2, true), pipe(sr, cw, rtt / 2, false));
        });
    }
}

/// The longest chain of dependent round trips of a run, from its report.
fn critical_path(report: &Report) -> usize {
    let preflight = report.preflight.as_ref();
    let longest_check = preflight
        .map(|p| {
            p.checks
                .iter()
                .map(|c| c.exchanges.len())
                .max()
                .unwrap_or(0)
        })
        .unwrap_or(0);
    let longest_control = preflight
        .map(|p| {
            p.checks
                .iter()
                .filter(|c| c.name.contains('/'))
                .map(|c| c.exchanges.len())
                .max()
                .unwrap_or(0)
        })
        .unwrap_or(0);
    let longest_case = report
        .results
        .iter()
        .map(|r| r.exchanges.len())
        .max()
        .unwrap_or(0);
    1 + longest_check + longest_case + longest_control
}

fn main() -> anyhow::Result<()> {
    let rtt = Duration::from_millis(env("LATENCY_BENCH_RTT_MS", 50));
    let default_jobs = engine::default_jobs();
    let mut jobs: Vec<usize> = std::env::var("LATENCY_BENCH_JOBS")
        .ok()
        .map(|v| v.split(',').filter_map(|j| j.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![2, 8, 16, 32, 64]);
    if !jobs.contains(&default_jobs) {
        jobs.push(default_jobs);
    }
    jobs.sort();
    let (rt, cores) = common::runtime()?;
    println!(
        "latency bench: full default suite, reference AS (`serve`, own process) behind a {} ms RTT proxy; {cores} cores ({}); default --jobs {default_jobs}",
        rtt.as_millis(),
        std::env::consts::ARCH
    );
    println!("command: cargo bench --bench latency (LATENCY_BENCH_RTT_MS, LATENCY_BENCH_JOBS)");
    rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let proxy_addr = listener.local_addr()?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let issuer = format!("http://{proxy_addr}");
        // The AS speaks the revision the suite judges by (serve's default is the newest).
        let draft = engine::DEFAULT_REVISION.as_str();
        let server = Server::start_at(port, &issuer, &["--draft", draft])?;
        let upstream: std::net::SocketAddr = format!("127.0.0.1:{port}").parse()?;
        tokio::spawn(proxy(listener, upstream, rtt));
        let corpus = Corpus::embedded()?;
        println!(
            "{:>6} {:>6} {:>9} {:>9} {:>6} {:>14} {:>7} {:>13} {:>7} {:>12} {:>12}",
            "jobs",
            "ahead",
            "wall s",
            "requests",
            "conns",
            "req×RTT/jobs",
            "ratio",
            "critical path",
            "ratio",
            "harness µs/c",
            "server µs/c"
        );
        let rounds = env("LATENCY_BENCH_ROUNDS", 1);
        let runs = jobs
            .iter()
            .flat_map(|&j| (0..rounds).flat_map(move |_| [(j, true), (j, false)]));
        for (j, fetch_ahead) in runs {
            let flags = server.flags(&issuer);
            let opts = RunOptions {
                jobs: j,
                fetch_ahead,
                ..RunOptions::default()
            };
            REQUESTS.store(0, Ordering::Relaxed);
            CONNECTIONS.store(0, Ordering::Relaxed);
            let (cpu0, srv0) = (process_cpu(), child_cpu(server.pid()).unwrap_or(0.0));
            let t = Instant::now();
            let conn =
                Connection::open(TargetSource::Remote(flags), &HttpOptions::default()).await?;
            let report = conn.run(&corpus, &opts, &|_| {}).await;
            conn.close().await;
            let wall = t.elapsed().as_secs_f64();
            let cpu = process_cpu() - cpu0;
            let srv = child_cpu(server.pid()).map(|c| c - srv0);
            // The conforming AS: a fail or error here is worth a look (printed, not fatal).
            for r in report.results.iter().filter(|r| {
                matches!(
                    r.verdict,
                    abca_conformance::report::Verdict::Fail
                        | abca_conformance::report::Verdict::Error
                )
            }) {
                println!("  !! {} {}: {}", r.verdict.as_str(), r.id, r.reason);
            }
            let requests = REQUESTS.load(Ordering::Relaxed);
            let bound = requests as f64 * rtt.as_secs_f64() / j as f64;
            let path = critical_path(&report) as f64 * rtt.as_secs_f64();
            let cases = report.results.len() as f64;
            println!(
                "{:>6} {:>6} {:>9.2} {:>9} {:>6} {:>13.2}s {:>6.2}× {:>12.2}s {:>6.2}× {:>12.0} {:>12}",
                format!("{j}{}", if j == default_jobs { "*" } else { "" }),
                if fetch_ahead { "yes" } else { "no" },
                wall,
                requests,
                CONNECTIONS.load(Ordering::Relaxed),
                bound,
                wall / bound,
                path,
                wall / path,
                cpu / cases * 1e6,
                srv.map(|s| format!("{:.0}", s / cases * 1e6))
                    .unwrap_or_else(|| "?".into()),
            );
        }
        println!("* the default; ahead: challenges fetched ahead while the preflight runs (the default) or not (--no-fetch-ahead); µs/c: CPU per case (harness: this process, proxy included)");
        drop(server);
        anyhow::Ok(())
    })
}
