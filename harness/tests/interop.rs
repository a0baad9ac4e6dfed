//! Interop: the whole suite against a real third-party authorization server, panva's
//! `oidc-provider` (npm, pinned in interop/oidc-provider/package-lock.json), through the same
//! CLI a user runs, compared with interop/oidc-provider/expectations.yaml.
//!
//! Node and npm are required: without them this test FAILS with a message (a silently skipped
//! interop test would let the suite drift from real servers unnoticed).
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Expectations {
    server: String,
    version: String,
    claims: String,
    policy: serde_json::Value,
    expected: Vec<Expected>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Expected {
    scenario: String,
    verdict: String,
    why: String,
}

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../interop/oidc-provider")
}

/// Kills the server when the test ends, however it ends.
struct Server(Child);
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn run_with_timeout(cmd: &mut Command, secs: u64, what: &str) -> std::process::Output {
    let child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {what}: {e}"));
    let id = child.id();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(Duration::from_secs(secs)) {
        Ok(out) => out.unwrap_or_else(|e| panic!("{what} failed: {e}")),
        Err(_) => {
            let _ = Command::new("kill").arg("-9").arg(id.to_string()).status();
            panic!("{what} did not finish within {secs} s");
        }
    }
}

fn require_tool(tool: &str) {
    let ok = Command::new(tool)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    assert!(
        ok,
        "the interop test needs `{tool}` (Node.js 20+ and npm) on PATH to run oidc-provider; install Node.js"
    );
}

/// `npm ci`, skipped when node_modules was installed from the same lock file.
fn install(dir: &Path) {
    use sha2::Digest;
    let lock = std::fs::read(dir.join("package-lock.json")).expect("package-lock.json");
    let hash = format!("{:x}", sha2::Sha256::digest(&lock));
    let stamp = dir.join("node_modules/.abca-lock-sha256");
    if std::fs::read_to_string(&stamp).ok().as_deref() == Some(hash.as_str()) {
        return;
    }
    let out = run_with_timeout(
        Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(dir),
        600,
        "npm ci",
    );
    assert!(
        out.status.success(),
        "npm ci failed in {}:\n{}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::write(&stamp, hash).expect("stamp");
}

#[test]
fn oidc_provider_matches_expectations() {
    require_tool("node");
    require_tool("npm");
    let dir = fixture();
    install(&dir);
    let exp: Expectations = abca_conformance::scenario::load::parse_yaml(
        "interop/oidc-provider/expectations.yaml",
        &std::fs::read_to_string(dir.join("expectations.yaml")).expect("expectations.yaml"),
    )
    .unwrap_or_else(|e| panic!("{e}"));

    let work = std::env::temp_dir().join(format!("abca-interop-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).unwrap();
    let bin = env!("CARGO_BIN_EXE_abca-conformance");
    let out = run_with_timeout(
        Command::new(bin).args(["keygen", "--out"]).arg(&work),
        30,
        "abca-conformance keygen",
    );
    assert!(
        out.status.success(),
        "keygen: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Start oidc-provider on an ephemeral loopback port; --ttl makes it exit on its own even if
    // this test is killed before Drop runs.
    let mut child = Command::new("node")
        .arg("server.mjs")
        .args(["--port", "0", "--ttl", "600", "--attester-jwks"])
        .arg(work.join("attester.jwks.json"))
        .current_dir(&dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start oidc-provider");
    let stdout = child.stdout.take().expect("stdout");
    let server = Server(child);
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let ready = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("oidc-provider printed no ready line within 30 s");
    let ready: serde_json::Value = serde_json::from_str(ready.trim())
        .unwrap_or_else(|e| panic!("bad ready line {ready:?}: {e}"));
    let issuer = ready["issuer"].as_str().expect("issuer").to_string();
    assert_eq!(
        ready["oidc_provider_version"],
        exp.version.as_str(),
        "pinned version differs from the expectations"
    );

    // The target file a user would write for this server.
    let target = serde_json::json!({
        "issuer": issuer,
        "clients": {
            "attestation_pop_jwt": ready["clients"]["attest_jwt_client_auth"],
            "dpop_combined": ready["clients"]["attest_jwt_client_auth_dpop"],
        },
        "attester_key": "attester.private.jwk.json",
        "policy": exp.policy,
    });
    // JSON is YAML: the target file parser reads it as it is.
    std::fs::write(
        work.join("target.yaml"),
        serde_json::to_string_pretty(&target).unwrap(),
    )
    .unwrap();
    let out = run_with_timeout(
        Command::new(bin)
            .args(["run", "--format", "json", "--target"])
            .arg(work.join("target.yaml"))
            .arg("--report-dir")
            .arg(work.join("report")),
        300,
        "abca-conformance run",
    );
    drop(server);
    let code = out.status.code();
    let report: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(work.join("report/report.json")).unwrap_or_else(|_| {
            panic!(
                "no report.json (exit {code:?}):\n{}\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        }),
    )
    .unwrap();

    let expected: BTreeMap<&str, &Expected> = exp
        .expected
        .iter()
        .map(|e| (e.scenario.as_str(), e))
        .collect();
    let mut problems = Vec::new();
    let mut seen: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    let results = report["results"].as_array().expect("results");
    assert!(
        results.len() > 100,
        "only {} results: the suite did not really run",
        results.len()
    );
    for r in results {
        let scenario = r["scenario"].as_str().unwrap();
        let verdict = r["verdict"].as_str().unwrap();
        let want = expected
            .get(scenario)
            .map(|e| e.verdict.as_str())
            .unwrap_or("pass");
        seen.entry(scenario)
            .or_default()
            .insert(verdict.to_string());
        if verdict != want {
            problems.push(format!(
                "{}: expected {want}, got {verdict}: {}",
                r["id"].as_str().unwrap(),
                r["reason"]
            ));
        }
    }
    for e in &exp.expected {
        if e.why.trim().is_empty() {
            problems.push(format!("{}: an expectation needs its `why`", e.scenario));
        }
        if !seen.contains_key(e.scenario.as_str()) {
            problems.push(format!(
                "{}: listed in the expectations but no longer in the suite",
                e.scenario
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "{} {} ({}) differs from interop/oidc-provider/expectations.yaml:\n  {}",
        exp.server,
        exp.version,
        exp.claims,
        problems.join("\n  ")
    );
    // The exit status agrees with the report (no expected fail on this server).
    assert_eq!(code, Some(0), "exit status {code:?}");
    let _ = std::fs::remove_dir_all(&work);
}
