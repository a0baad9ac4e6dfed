//! What the benches share: process CPU and memory figures, the crypto floor, and a reference
//! AS started as its own process (so the harness's CPU can be told apart from the server's).
#![allow(dead_code)] // each bench uses part of it
use abca_conformance::jose::key::SigningKey;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A multi-thread runtime with a worker per core, and the number of cores.
#[allow(dead_code)] // not every bench drives async code
pub fn runtime() -> anyhow::Result<(tokio::runtime::Runtime, usize)> {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(cores)
        .enable_all()
        .build()?;
    Ok((rt, cores))
}

pub fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn rusage(who: libc::c_int) -> libc::rusage {
    let mut u = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage fills the struct it is given; RUSAGE_SELF/CHILDREN are always valid.
    unsafe {
        libc::getrusage(who, u.as_mut_ptr());
        u.assume_init()
    }
}

fn secs(tv: libc::timeval) -> f64 {
    tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6
}

/// CPU seconds (user + system) of this process.
pub fn process_cpu() -> f64 {
    let u = rusage(libc::RUSAGE_SELF);
    secs(u.ru_utime) + secs(u.ru_stime)
}

/// Peak resident set of this process, in MiB.
pub fn peak_rss_mib() -> f64 {
    rusage(libc::RUSAGE_SELF).ru_maxrss as f64 / 1024.0
}

/// CPU seconds of another (live) process, from /proc/<pid>/stat (utime + stime).
pub fn child_cpu(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    Some(ticks / hz)
}

/// A finished child process, measured by wait4: wall time, CPU seconds, peak RSS (MiB).
pub struct Measured {
    pub wall: f64,
    pub cpu: f64,
    pub peak_rss_mib: f64,
    pub status: i32,
}

/// Runs `cmd` to completion and measures it.
pub fn run_measured(cmd: &mut Command) -> std::io::Result<Measured> {
    let t = Instant::now();
    let child = cmd.stdout(Stdio::null()).stderr(Stdio::null()).spawn()?;
    let mut status = 0;
    let mut u = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: wait4 on our own child's pid, with valid pointers for status and rusage.
    let r = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, u.as_mut_ptr()) };
    if r < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: wait4 succeeded, so it filled the struct.
    let u = unsafe { u.assume_init() };
    Ok(Measured {
        wall: t.elapsed().as_secs_f64(),
        cpu: secs(u.ru_utime) + secs(u.ru_stime),
        peak_rss_mib: u.ru_maxrss as f64 / 1024.0,
        status: libc::WEXITSTATUS(status),
    })
}

/// The cost of the cryptography one case needs, per operation.
pub struct Floor {
    /// ES256 signature with the harness's p256 keys.
    pub sign: Duration,
    /// ES256 verification with p256.
    pub verify_p256: Duration,
    /// ES256 verification with ring (what the reference AS uses).
    pub verify_ring: Duration,
}

/// Per-operation cost over signing inputs the size of a real attestation and proof.
pub fn floor() -> Floor {
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
    let verify_p256 = t.elapsed() / n;
    let point = vk.to_encoded_point(false);
    let ring_key = ring::signature::UnparsedPublicKey::new(
        &ring::signature::ECDSA_P256_SHA256_FIXED,
        point.as_bytes(),
    );
    let raw = s.to_bytes();
    let t = Instant::now();
    for _ in 0..n {
        ring_key
            .verify(&input, &raw)
            .expect("ring verifies the bench's own signature");
    }
    let verify_ring = t.elapsed() / n;
    Floor {
        sign,
        verify_p256,
        verify_ring,
    }
}

pub fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// Median and spread (min, max) of a sample.
pub fn stats(xs: &[f64]) -> (f64, f64, f64) {
    let mut v = xs.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    let med = if v.is_empty() {
        0.0
    } else if v.len() % 2 == 1 {
        v[v.len() / 2]
    } else {
        (v[v.len() / 2 - 1] + v[v.len() / 2]) / 2.0
    };
    (med, *v.first().unwrap_or(&0.0), *v.last().unwrap_or(&0.0))
}

/// The reference AS as its own process (`abca-conformance serve`), with a fresh attester key.
pub struct Server {
    child: Child,
    pub issuer: String,
    pub attester_key: PathBuf,
    dir: PathBuf,
}

impl Server {
    pub fn start(extra: &[&str]) -> anyhow::Result<Server> {
        Server::start_with(&["--port", "0"], extra)
    }

    /// On `port`, calling itself `issuer` (e.g. the address of a proxy in front of it).
    pub fn start_at(port: u16, issuer: &str, extra: &[&str]) -> anyhow::Result<Server> {
        Server::start_with(&["--port", &port.to_string(), "--issuer", issuer], extra)
    }

    fn start_with(place: &[&str], extra: &[&str]) -> anyhow::Result<Server> {
        let dir = std::env::temp_dir().join(format!(
            "abca-bench-{}-{}",
            std::process::id(),
            rand::random::<u32>()
        ));
        let keys = abca_conformance::keygen::keygen_with(&dir, Default::default())?;
        let mut child = Command::new(env!("CARGO_BIN_EXE_abca-conformance"))
            .arg("serve")
            .args(place)
            .arg("--attester-jwks")
            .arg(&keys.public_jwks)
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?;
        let stdout = child.stdout.take().expect("piped stdout");
        let mut issuer = None;
        for l in BufReader::new(stdout).lines() {
            let l = l?;
            if let Some(rest) = l.split("issuer ").nth(1) {
                issuer = rest.split_whitespace().next().map(String::from);
                break;
            }
        }
        let issuer = match issuer {
            Some(i) => i,
            None => {
                let _ = child.kill();
                anyhow::bail!("`serve` did not print its issuer")
            }
        };
        Ok(Server {
            child,
            issuer,
            attester_key: keys.private_jwk,
            dir,
        })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The target flags for this server, reached at `issuer` (its own, or a proxy's in front
    /// of it), as the embedded client with the attester key it trusts.
    #[allow(dead_code)] // not every bench runs against a served AS
    pub fn flags(&self, issuer: &str) -> abca_conformance::engine::TargetFlags {
        abca_conformance::engine::TargetFlags {
            issuer: Some(issuer.to_string()),
            client_id: Some(abca_conformance::engine::EMBEDDED_CLIENT_ID.into()),
            attester_key: Some(self.attester_key.clone()),
            ..Default::default()
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
