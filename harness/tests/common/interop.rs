//! Shared by the interop tests (tests/interop*.rs): npm install with a lock stamp, processes
//! with timeouts, a node fixture server and its ready line, and the comparison of a report with
//! an interop/<server>/expectations.yaml file.
//!
//! Node and npm are required: without them the tests FAIL with a message (a silently skipped
//! interop test would let the suite drift from real servers unnoticed).
#![allow(dead_code)] // each test binary uses its own subset

use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// interop/<name>/expectations.yaml.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expectations {
    pub server: String,
    pub version: String,
    pub claims: String,
    /// The revisions the server is judged by, one run each (the target file's `draft:`).
    pub drafts: Vec<String>,
    /// The token grants the server is judged with (the target file's `grant.type`), one run
    /// each per revision; empty: one run with the target file's default grant.
    #[serde(default)]
    pub grants: Vec<String>,
    /// The target file's `policy:`.
    pub policy: serde_json::Value,
    /// The target file's `attestation_claims:` (extra claims the server needs).
    #[serde(default)]
    pub attestation_claims: serde_json::Map<String, serde_json::Value>,
    /// The target file's `claims:` (extra claims per token: attestation, pop, dpop).
    #[serde(default)]
    pub token_claims: serde_json::Map<String, serde_json::Value>,
    /// Modes and endpoints the server does not offer: their cases must be `not_applicable`.
    #[serde(default)]
    pub not_offered: NotOffered,
    pub expected: Vec<Expected>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct NotOffered {
    #[serde(default)]
    pub modes: Vec<String>,
    #[serde(default)]
    pub endpoints: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expected {
    /// A scenario name (all its cases), or one case id `scenario/mode/endpoint`, which wins.
    pub scenario: String,
    /// The revisions (of `drafts`) the entry holds for; empty: all of them.
    #[serde(default)]
    pub drafts: Vec<String>,
    /// The token grants (of `grants`) the entry holds for; empty: all of them.
    #[serde(default)]
    pub grants: Vec<String>,
    pub verdict: String,
    pub why: String,
}

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../interop")
        .join(name)
}

pub fn load_expectations(name: &str) -> Expectations {
    let path = fixture(name).join("expectations.yaml");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    abca_conformance::scenario::load::parse_yaml(
        &format!("interop/{name}/expectations.yaml"),
        &text,
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

/// Kills the server when the test ends, however it ends.
pub struct Server(Child);
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn run_with_timeout(cmd: &mut Command, secs: u64, what: &str) -> std::process::Output {
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

pub fn require_tool(tool: &str, purpose: &str) {
    let ok = Command::new(tool)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    assert!(
        ok,
        "the interop test needs `{tool}` (Node.js 20+ and npm) on PATH to run {purpose}; install Node.js"
    );
}

/// `npm ci`, skipped when node_modules was installed from the same lock file.
pub fn install(dir: &Path) {
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

/// A fresh scratch directory holding an attester key pair from `abca-conformance keygen`
/// (attester.private.jwk.json, attester.jwks.json), removed with its keys when dropped, also
/// when the test fails.
pub fn work_dir_with_keys(tag: &str) -> tempfile::TempDir {
    let work = tempfile::Builder::new()
        .prefix(&format!("abca-{tag}-"))
        .tempdir()
        .expect("a temporary folder");
    let out = run_with_timeout(
        Command::new(env!("CARGO_BIN_EXE_abca-conformance"))
            .args(["keygen", "--out"])
            .arg(work.path()),
        30,
        "abca-conformance keygen",
    );
    assert!(
        out.status.success(),
        "keygen: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    work
}

/// Starts `node server.mjs ARGS` in `dir` and waits (30 s at most) for its one JSON ready line
/// on stdout. The server is killed when the returned guard drops.
/// Starts a fixture's server.mjs the way every fixture takes it: an ephemeral loopback port, a
/// --ttl so it exits on its own even if the test is killed before Drop runs, and the attester
/// JWKS that `work_dir_with_keys` wrote.
pub fn start_fixture(dir: &Path, work: &Path) -> (Server, serde_json::Value) {
    let jwks = work.join("attester.jwks.json");
    start_node_server(
        dir,
        &[
            "--port".as_ref(),
            "0".as_ref(),
            "--ttl".as_ref(),
            "600".as_ref(),
            "--attester-jwks".as_ref(),
            jwks.as_os_str(),
        ],
    )
}

pub fn start_node_server(dir: &Path, args: &[&std::ffi::OsStr]) -> (Server, serde_json::Value) {
    let mut child = Command::new("node")
        .arg("server.mjs")
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start node server.mjs in {}: {e}", dir.display()));
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
        .unwrap_or_else(|_| panic!("{} printed no ready line within 30 s", dir.display()));
    let ready: serde_json::Value = serde_json::from_str(ready.trim())
        .unwrap_or_else(|e| panic!("bad ready line {ready:?}: {e}"));
    (server, ready)
}

/// Writes `target` as work/target.yaml, runs the whole suite against it through the CLI
/// (5 minutes at most), and returns the exit code and report.json.
pub fn run_suite(
    work: &Path,
    target: &serde_json::Value,
    extra: &[&str],
) -> (Option<i32>, serde_json::Value) {
    // JSON is YAML: the target file parser reads it as it is.
    std::fs::write(
        work.join("target.yaml"),
        serde_json::to_string_pretty(target).unwrap(),
    )
    .unwrap();
    let file = work.join("target.yaml");
    let mut args: Vec<&std::ffi::OsStr> = extra.iter().map(|a| a.as_ref()).collect();
    args.extend(["--target".as_ref(), file.as_os_str()]);
    run_cli(work, &args)
}

/// `abca-conformance run --format json --report-dir work/report ARGS` (5 minutes at most):
/// the exit code and report.json.
pub fn run_cli(work: &Path, args: &[&std::ffi::OsStr]) -> (Option<i32>, serde_json::Value) {
    let out = run_with_timeout(
        Command::new(env!("CARGO_BIN_EXE_abca-conformance"))
            .args(["run", "--format", "json"])
            .args(args)
            .arg("--report-dir")
            .arg(work.join("report")),
        300,
        "abca-conformance run",
    );
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
    (code, report)
}

/// Every way the report differs from the expectations: a case with another verdict than
/// expected (unlisted = `pass`, a not-offered mode/endpoint = `not_applicable`), an entry
/// without `why`, an entry that matches no case (stale), and an entry none of whose cases has
/// the expected verdict any more is caught by the first rule.
/// The target file a user would write for a fixture: its ready line's issuer and clients (keyed
/// by auth method there, by mode in the target file), the key `work_dir_with_keys` wrote, and
/// the expectations' policy and extra claims.
pub fn target_for(ready: &serde_json::Value, exp: &Expectations, draft: &str) -> serde_json::Value {
    let mut clients = serde_json::Map::new();
    for (method, mode) in [
        ("attest_jwt_client_auth", "attestation_pop_jwt"),
        ("attest_jwt_client_auth_dpop", "dpop_combined"),
    ] {
        if let Some(id) = ready["clients"].get(method) {
            clients.insert(mode.into(), id.clone());
        }
    }
    serde_json::json!({
        "issuer": ready["issuer"],
        "clients": clients,
        "attester_key": "attester.private.jwk.json",
        "attestation_claims": exp.attestation_claims,
        "claims": exp.token_claims,
        "policy": exp.policy,
        "draft": draft,
    })
}

/// Fails the test, listing every difference, unless the report matches the expectations.
pub fn assert_matches(fixture: &str, report: &serde_json::Value, exp: &Expectations, draft: &str) {
    assert_matches_run(fixture, report, exp, draft, None);
}

/// As [`assert_matches`], for a run whose valid token request uses `grant` (one of the
/// expectations' `grants`).
pub fn assert_matches_run(
    fixture: &str,
    report: &serde_json::Value,
    exp: &Expectations,
    draft: &str,
    grant: Option<&str>,
) {
    // The counts of README's "Tested against" table (`-- --nocapture` shows them).
    let s = &report["summary"];
    let with = grant.map(|g| format!(", grant {g}")).unwrap_or_default();
    eprintln!(
        "{} {} judged by draft-{draft}{with}: pass {}, fail {}, warning {}, info {}, not_applicable {}, error {}",
        exp.server,
        exp.version,
        s["pass"],
        s["fail"],
        s["warning"],
        s["info"],
        s["not_applicable"],
        s["error"]
    );
    let problems = compare(report, exp, draft, grant);
    assert!(
        problems.is_empty(),
        "{} {} ({}) judged by draft-{draft}{with} differs from interop/{fixture}/expectations.yaml:\n  {}",
        exp.server,
        exp.version,
        exp.claims,
        problems.join("\n  ")
    );
}

/// The cases that are not part of revision `draft` (their verdict is `not_applicable` against
/// any server judged by it), from the suite's own data.
pub fn outside_revision(draft: &str) -> BTreeSet<String> {
    use abca_conformance::engine::{self, Corpus};
    let rev = abca_conformance::revision::Revision::parse(draft)
        .unwrap_or_else(|e| panic!("expectations: bad draft {draft:?}: {e}"));
    let corpus = Corpus::embedded().unwrap_or_else(|e| panic!("{e}"));
    corpus
        .cases()
        .iter()
        .filter(|c| engine::outside_revision(&corpus, c, rev).is_some())
        .map(|c| c.id())
        .collect()
}

/// The differences between a report of a run judged by `draft` (with the token grant `grant`,
/// `None`: the target's default) and the entries that hold for that run.
pub fn compare(
    report: &serde_json::Value,
    exp: &Expectations,
    draft: &str,
    grant: Option<&str>,
) -> Vec<String> {
    let outside = outside_revision(draft);
    let mut problems = Vec::new();
    if report["tool"]["draft"] != format!("draft-{draft}").as_str() {
        problems.push(format!(
            "the report judged by {}, not draft-{draft}",
            report["tool"]["draft"]
        ));
    }
    if let Some(g) = grant.filter(|g| !exp.grants.iter().any(|x| x == g)) {
        problems.push(format!(
            "grant {g} is not one the expectations list ({:?})",
            exp.grants
        ));
    }
    for e in &exp.expected {
        if let Some(d) = e.drafts.iter().find(|d| !exp.drafts.contains(d)) {
            problems.push(format!(
                "{}: draft {d} is not one the server is judged by ({:?})",
                e.scenario, exp.drafts
            ));
        }
        if let Some(g) = e.grants.iter().find(|g| !exp.grants.contains(g)) {
            problems.push(format!(
                "{}: grant {g} is not one the server is judged with ({:?})",
                e.scenario, exp.grants
            ));
        }
    }
    let holds = |e: &&Expected| {
        (e.drafts.is_empty() || e.drafts.iter().any(|d| d == draft))
            && (e.grants.is_empty() || grant.is_some_and(|g| e.grants.iter().any(|x| x == g)))
    };
    let mut expected: BTreeMap<&str, &Expected> = BTreeMap::new();
    for e in exp.expected.iter().filter(holds) {
        if expected.insert(e.scenario.as_str(), e).is_some() {
            problems.push(format!(
                "{}: two entries hold for draft-{draft} ({})",
                e.scenario,
                grant.unwrap_or("default grant")
            ));
        }
    }
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let results = report["results"].as_array().expect("results");
    if results.len() <= 100 {
        problems.push(format!(
            "only {} results: the suite did not really run",
            results.len()
        ));
    }
    for r in results {
        let id = r["id"].as_str().unwrap_or_default();
        let scenario = r["scenario"].as_str().unwrap_or_default();
        let verdict = r["verdict"].as_str().unwrap_or_default();
        let mut parts = id.split('/');
        let (mode, endpoint) = (parts.nth(1).unwrap_or(""), parts.next().unwrap_or(""));
        let want = if let Some(e) = expected.get(id) {
            seen.insert(id.to_string());
            e.verdict.as_str()
        } else if exp.not_offered.modes.iter().any(|m| m == mode)
            || exp.not_offered.endpoints.iter().any(|e| e == endpoint)
            || outside.contains(id)
        {
            "not_applicable"
        } else if let Some(e) = expected.get(scenario) {
            seen.insert(scenario.to_string());
            e.verdict.as_str()
        } else {
            "pass"
        };
        if verdict != want {
            problems.push(format!(
                "{id}: expected {want}, got {verdict}: {}",
                r["reason"]
            ));
        }
    }
    for e in exp.expected.iter().filter(holds) {
        if e.why.trim().is_empty() {
            problems.push(format!("{}: an expectation needs its `why`", e.scenario));
        }
        if !seen.contains(&e.scenario) {
            problems.push(format!(
                "{}: listed in the expectations but matches no case of the suite",
                e.scenario
            ));
        }
    }
    problems
}

/// The CLI's exit status must agree with the report: 1 exactly when a case is `fail` (no
/// `--strict`, no baseline here), and equal to the report's own `gate.exit_status`.
pub fn exit_agrees(code: Option<i32>, report: &serde_json::Value) -> Result<(), String> {
    let fails = report["results"]
        .as_array()
        .map(|rs| rs.iter().filter(|r| r["verdict"] == "fail").count())
        .unwrap_or(0);
    let want = i32::from(fails > 0);
    let gate = report["gate"]["exit_status"].as_i64();
    if code == Some(want) && gate == Some(i64::from(want)) {
        Ok(())
    } else {
        Err(format!(
            "exit status {code:?} (report gate {gate:?}), but the report has {fails} fail verdict(s): expected {want}"
        ))
    }
}
