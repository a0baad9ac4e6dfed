//! The reporting layer end to end: runs a small scenario folder (written here, with its own
//! requirement catalog) against the embedded reference AS with faults switched on, then checks
//! every renderer: the HTML in a real headless browser, the JUnit XML against the Jenkins
//! schema, baselines (round trip and staleness), `--strict`, the NDJSON stream and Markdown.
//!
//! External tools are required, not optional: a missing chromium or xmllint fails the test
//! with the install line (CI installs them), so the checks cannot silently stop running.
#[path = "common/process.rs"]
mod process;

use abca_conformance::engine::{
    self, Corpus, EmbeddedOptions, HttpOptions, RunOptions, TargetSource,
};
use abca_conformance::report::{self, baseline::Baseline, gate, Report, Verdict};
use reference_as::Fault;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

const CATALOG: &str = r#"draft: draft-ietf-oauth-attestation-based-client-auth-10
requirements:
  - id: T-VALID
    section: verification
    level: MUST
    summary: A valid request is accepted.
  - id: T-ATT-ALG-NOT-NONE
    section: verification-client-attestation-jwt
    item: 3
    level: MUST
    summary: An unsigned attestation (alg none) is refused.
  - id: T-POP-JTI-REPLAY
    section: security-consideration-replay
    level: SHOULD
    summary: A PoP jti seen before is refused.
  - id: T-DPOP-TYP
    section: rfc9449-4.3
    level: MUST
    summary: The DPoP proof has typ dpop+jwt.
  - id: T-DPOP-NONCE
    section: rfc9449-8
    level: MUST
    summary: A server that demands DPoP nonces refuses a proof without one.
"#;

/// (file stem = scenario id, YAML). 9 cases: 2 controls, 2 alg-none, 1 jti replay, 2 DPoP
/// typ, 2 not applicable (the embedded AS does not demand DPoP nonces).
const SCENARIOS: &[(&str, &str)] = &[
    (
        "control",
        r#"id: control
title: "The valid request <b>is</b> accepted"
requirements: [T-VALID]
modes: [attestation_pop_jwt, dpop_combined]
endpoints: [token]
role: control
expect: accept
"#,
    ),
    (
        "att-alg-none",
        r#"id: att-alg-none
title: "Unsigned attestation (alg none)"
requirements: [T-ATT-ALG-NOT-NONE]
modes: [attestation_pop_jwt, dpop_combined]
endpoints: [token]
mutations:
  - {sign_with: {token: attestation, key: none}}
expect: reject
"#,
    ),
    (
        "pop-jti-replay",
        r#"id: pop-jti-replay
title: "PoP jti replayed"
requirements: [T-POP-JTI-REPLAY]
modes: [attestation_pop_jwt]
endpoints: [token]
mutations:
  - {replay_jti: {token: pop}}
expect: reject
"#,
    ),
    (
        "dpop-typ-wrong",
        r#"id: dpop-typ-wrong
title: "DPoP proof with typ jwt"
requirements: [T-DPOP-TYP]
modes: [dpop_combined]
endpoints: [token, par]
mutations:
  - {set_jose_header: {token: dpop, name: typ, value: "jwt"}}
expect: reject
"#,
    ),
    (
        "dpop-nonce-missing",
        r#"id: dpop-nonce-missing
title: "DPoP proof without the demanded nonce"
requirements: [T-DPOP-NONCE]
modes: [dpop_combined]
endpoints: [token, par]
requires: [dpop_nonce_required]
mutations:
  - {challenge: missing}
expect: reject
"#,
    ),
];
const CASES: usize = 9;

fn suite_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("requirements.yaml"), CATALOG).unwrap();
    for (id, yaml) in SCENARIOS {
        std::fs::write(dir.path().join(format!("{id}.yaml")), yaml).unwrap();
    }
    dir
}

fn faulty() -> EmbeddedOptions {
    let mut o = EmbeddedOptions::default();
    o.server.faults = [
        Fault::AttestationAlgNoneAccepted,
        Fault::PopJtiReplayNotDetected,
    ]
    .into_iter()
    .collect();
    o
}

async fn run_suite(dir: &Path, opts: EmbeddedOptions) -> Report {
    let corpus = Corpus::from_dir(dir).expect("the scenario folder loads");
    let run_opts = RunOptions {
        jobs: 4,
        ..RunOptions::default()
    };
    let http = HttpOptions::default();
    let report = tokio::time::timeout(
        Duration::from_secs(120),
        engine::run(
            &corpus,
            TargetSource::Embedded(opts),
            &http,
            &run_opts,
            &|_| {},
        ),
    )
    .await
    .expect("the run finishes within 2 minutes")
    .expect("the run works");
    assert_eq!(report.results.len(), CASES, "{:#?}", ids(&report));
    report
}

fn ids(report: &Report) -> Vec<(&str, Verdict)> {
    report
        .results
        .iter()
        .map(|r| (r.id.as_str(), r.verdict))
        .collect()
}

fn verdict_of(report: &Report, id: &str) -> Verdict {
    report
        .results
        .iter()
        .find(|r| r.id == id)
        .unwrap_or_else(|| panic!("no result {id}: {:?}", ids(report)))
        .verdict
}

/// The fault run: 2 fail (alg none, both modes), 1 warning (jti replay: SHOULD), 2 n/a.
async fn faulty_report(dir: &Path) -> Report {
    let report = run_suite(dir, faulty()).await;
    assert_eq!(
        verdict_of(&report, "att-alg-none/attestation_pop_jwt/token"),
        Verdict::Fail
    );
    assert_eq!(
        verdict_of(&report, "att-alg-none/dpop_combined/token"),
        Verdict::Fail
    );
    assert_eq!(
        verdict_of(&report, "pop-jti-replay/attestation_pop_jwt/token"),
        Verdict::Warning
    );
    assert_eq!(
        verdict_of(&report, "dpop-nonce-missing/dpop_combined/par"),
        Verdict::NotApplicable
    );
    assert_eq!(report.summary.fail, 2, "{:?}", ids(&report));
    assert_eq!(report.summary.warning, 1);
    assert_eq!(report.summary.pass, 4);
    assert_eq!(report.summary.not_applicable, 2);
    report
}

/// Runs a command with a deadline; stdout goes to `out` (a file, so a large DOM cannot
/// fill a pipe). Kills the process it started when the deadline passes.
/// Runs `cmd` (stdout kept, stderr dropped) and requires success.
fn run_with_timeout(cmd: tokio::process::Command, limit: Duration) -> String {
    let what = format!("{cmd:?}");
    let out = run_status(cmd, limit);
    assert_eq!(out.code, Some(0), "{what}: {}", out.both());
    out.stdout
}

fn run_status(mut cmd: tokio::process::Command, limit: Duration) -> process::Out {
    cmd.stderr(Stdio::null());
    let what = format!("{cmd:?}");
    process::output_blocking(cmd, limit, &what)
}

fn require_tool(path: &str, hint: &str) -> PathBuf {
    let p = PathBuf::from(path);
    assert!(p.exists(), "{path} not found: {hint}");
    p
}

fn chromium_dom(html: &Path, query: &str, scratch: &Path) -> String {
    let chromium = require_tool(
        "/usr/bin/chromium",
        "install chromium: apt-get install -y chromium",
    );
    let profile = scratch.join("chromium-profile");
    let url = format!("file://{}{query}", html.display());
    let mut cmd = tokio::process::Command::new(chromium);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        &format!("--user-data-dir={}", profile.display()),
        "--dump-dom",
        &url,
    ]);
    run_with_timeout(cmd, Duration::from_secs(90))
}

/// The element whose opening tag contains `needle` (a crude but sufficient DOM probe for
/// chromium's serialization, which puts each attribute as `name="value"`).
fn tag_with<'a>(dom: &'a str, needle: &str) -> &'a str {
    let at = dom
        .find(needle)
        .unwrap_or_else(|| panic!("{needle} not in the DOM"));
    let start = dom[..at].rfind('<').unwrap();
    let end = at + dom[at..].find('>').unwrap();
    &dom[start..=end]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn html_report_renders_in_a_headless_browser() {
    let dir = suite_dir();
    let mut report = faulty_report(dir.path()).await;
    gate::decide(&mut report, false, None);
    let out = tempfile::tempdir().unwrap();
    let written =
        report::write_all(&report, out.path(), &[report::Format::Html]).expect("html written");
    let html = &written[0];
    let text = std::fs::read_to_string(html).unwrap();
    // Self-contained: no external scripts, styles, images or fonts.
    for bad in ["<script src", "<link", "<img", "@import", "url("] {
        assert!(
            !text.contains(bad),
            "report.html references an asset: {bad}"
        );
    }
    // Escaped: the scenario title carries markup.
    assert!(text.contains("The valid request &lt;b&gt;is&lt;"));
    assert!(!text.contains("<b>is"));

    let scratch = tempfile::tempdir().unwrap();
    let dom = chromium_dom(html, "", scratch.path());
    // Summary counts.
    assert!(
        tag_with(&dom, "id=\"run-status\"").contains("failed"),
        "run status"
    );
    for (verdict, n) in [
        ("pass", 4),
        ("fail", 2),
        ("warning", 1),
        ("not_applicable", 2),
    ] {
        let needle = format!("data-count=\"{verdict}\"><b>{n}</b>");
        assert!(dom.contains(&needle), "count {needle} missing");
    }
    // A known result, its requirement and the draft link.
    assert!(dom.contains("id=\"r-att-alg-none/attestation_pop_jwt/token\""));
    assert!(dom.contains("T-ATT-ALG-NOT-NONE"));
    assert!(dom.contains(
        "https://datatracker.ietf.org/doc/html/draft-ietf-oauth-attestation-based-client-auth-11"
    ));
    assert!(dom.contains("draft-11 §verification-client-attestation-jwt"));
    // Decoded JWTs: the attestation's typ and an unsigned attestation's alg.
    assert!(dom.contains("\"typ\": \"oauth-client-attestation+jwt\""));
    assert!(dom.contains("\"alg\": \"none\""));
    assert!(dom.contains("\"cnf\": {"));
    // The replay command, with the attestation as its own -H line.
    assert!(dom.contains("curl -sS -i"));
    assert!(dom.contains("-H 'OAuth-Client-Attestation: "));
    // The filter.
    assert!(dom.contains("id=\"filter\""));
    assert_eq!(dom.matches("name=\"verdict\"").count(), 6);
    // The page opens on what needs attention: with fails and a warning, passes are hidden
    // (the page's script ran), fails and warnings shown, and the count cards are links.
    assert!(tag_with(&dom, "id=\"r-control/attestation_pop_jwt/token\"").contains(" hidden=\"\""));
    let fail = tag_with(&dom, "id=\"r-att-alg-none/attestation_pop_jwt/token\"");
    assert!(!fail.contains(" hidden=\"\""), "{fail}");
    let warning = tag_with(&dom, "id=\"r-pop-jti-replay/attestation_pop_jwt/token\"");
    assert!(!warning.contains(" hidden=\"\""), "{warning}");
    assert!(dom.contains("id=\"focus-note\""));
    assert!(tag_with(&dom, "data-count=\"fail\"").contains("href=\"?show=fail#results\""));
    // A passing run opens on everything.
    let mut clean = report.clone();
    clean.results.retain(|r| r.verdict == Verdict::Pass);
    clean.summary = Default::default();
    for r in &clean.results {
        clean.summary.add(r.verdict);
    }
    clean.gate = None;
    let clean_html = report::html::render(&clean).unwrap();
    assert!(!clean_html.contains("id=\"focus-note\""));
    assert_eq!(
        clean_html.matches("name=\"verdict\" value=").count(),
        clean_html.matches(" checked>").count()
    );

    // The filter works in the browser: ?show=fail hides passes and keeps fails, and a
    // fragment opens the result it names.
    let dom = chromium_dom(
        html,
        "?show=fail#r-att-alg-none/dpop_combined/token",
        scratch.path(),
    );
    assert!(tag_with(&dom, "id=\"r-control/attestation_pop_jwt/token\"").contains(" hidden=\"\""));
    let fail = tag_with(&dom, "id=\"r-att-alg-none/dpop_combined/token\"");
    assert!(!fail.contains(" hidden=\"\""), "{fail}");
    assert!(fail.contains(" open=\"\""), "{fail}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn junit_validates_against_the_jenkins_schema() {
    let xmllint = require_tool(
        "/usr/bin/xmllint",
        "install libxml2-utils: apt-get install -y libxml2-utils",
    );
    let dir = suite_dir();
    let mut report = faulty_report(dir.path()).await;
    // Every JUnit status: failure (fail; warning under --strict), error, skipped (n/a and
    // baselined), success; and a reason with characters XML 1.0 cannot carry.
    let mut broken = report.results[0].clone();
    broken.id = "synthetic/none/metadata".into();
    broken.verdict = Verdict::Error;
    broken.reason = "server answered \u{1}\u{8} <&> \"binary\"".into();
    report.results.push(broken);
    let baseline = Baseline::parse(
        "b.yaml",
        "- case: att-alg-none/dpop_combined/token\n  verdict: fail\n  reason: known\n",
    )
    .unwrap();
    gate::decide(&mut report, true, Some(&baseline));
    let xml = report::junit::render(&report).unwrap();
    assert!(xml.contains("<failure"), "{xml}");
    assert!(xml.contains("type=\"SHOULD (--strict)\""));
    assert!(xml.contains("<error"));
    assert!(xml.contains("baselined fail: known"));
    assert!(xml.contains("<skipped"));

    let out = tempfile::tempdir().unwrap();
    let path = out.path().join("junit.xml");
    std::fs::write(&path, &xml).unwrap();
    let xsd = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/junit-10.xsd");
    let mut cmd = std::process::Command::new(xmllint);
    cmd.arg("--noout")
        .arg("--schema")
        .arg(&xsd)
        .arg(&path)
        .stderr(Stdio::piped());
    let output = cmd.output().expect("xmllint runs");
    assert!(
        output.status.success(),
        "junit.xml does not validate:\n{}\n{xml}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn baseline_round_trip_and_staleness() {
    let dir = suite_dir();
    let work = tempfile::tempdir().unwrap();
    let bpath = work.path().join("baseline.yaml");

    // 1. The broken server fails the run.
    let mut first = faulty_report(dir.path()).await;
    assert_eq!(gate::decide(&mut first, false, None), 1);
    assert_eq!(
        first.gate.as_ref().unwrap().failing,
        [
            "att-alg-none/attestation_pop_jwt/token",
            "att-alg-none/dpop_combined/token"
        ]
    );
    // --strict adds the warning.
    let mut strict = first.clone();
    assert_eq!(gate::decide(&mut strict, true, None), 1);
    assert_eq!(strict.gate.as_ref().unwrap().failing.len(), 3);
    let text = report::terminal::render(&strict, &report::terminal::Style { color: false }, false);
    assert!(
        text.contains("   FAIL pop-jti-replay/attestation_pop_jwt/token (warning, --strict)"),
        "{text}"
    );
    assert!(text.contains("--strict: 1 warning(s) count as failures"));
    // --verbose lists the passes too, under their requirement.
    assert!(!text.contains("By requirement:"));
    let verbose =
        report::terminal::render(&strict, &report::terminal::Style { color: false }, true);
    let (_, listing) = verbose.split_once("By requirement:").expect(&verbose);
    assert!(
        listing
            .lines()
            .any(|l| l.trim() == "✔ control/attestation_pop_jwt/token pass"),
        "{verbose}"
    );
    assert!(
        listing
            .lines()
            .any(|l| l.trim() == "✖ att-alg-none/attestation_pop_jwt/token fail"),
        "{verbose}"
    );
    // The section table, counted by the result's first requirement.
    let row = text
        .lines()
        .find(|l| l.starts_with("draft-11 §verification-client-attestation-jwt"))
        .unwrap_or_else(|| panic!("no section row:\n{text}"));
    assert_eq!(
        row.split_whitespace().skip(2).collect::<Vec<_>>(),
        ["0", "2", "0", "0", "0", "0"]
    );

    // 2. Write the baseline: one entry per fail / warning, reasons prefilled; valid as
    // written.
    let n = report::baseline::write(&first, &bpath).unwrap();
    assert_eq!(n, 3);
    let written = std::fs::read_to_string(&bpath).unwrap();
    let b = Baseline::load(&bpath).unwrap();
    assert_eq!(b.entries.len(), 3, "{written}");
    let jti = b
        .entries
        .iter()
        .find(|e| e.case == "pop-jti-replay/attestation_pop_jwt/token")
        .unwrap();
    assert_eq!(jti.verdict, report::baseline::Expected::Warning);
    assert_eq!(
        jti.reason,
        first
            .results
            .iter()
            .find(|r| r.id == jti.case)
            .unwrap()
            .reason
    );

    // 3. Same server, with the baseline: exit 0, verdicts kept, results marked.
    let mut second = faulty_report(dir.path()).await;
    assert_eq!(
        gate::decide(&mut second, true, Some(&b)),
        0,
        "{:?}",
        second.gate
    );
    let g = second.gate.as_ref().unwrap();
    assert_eq!(g.baselined, 3);
    assert!(g.stale_baseline.is_empty() && g.failing.is_empty());
    assert_eq!(second.summary.fail, 2, "verdicts stay as they are");
    let json = serde_json::to_value(&second).unwrap();
    let marked: Vec<&serde_json::Value> = json["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["baselined"] == serde_json::json!(true))
        .collect();
    assert_eq!(marked.len(), 3);
    assert!(marked.iter().all(|r| r["baseline_reason"].is_string()));
    // Unmarked results carry no baseline fields at all (compatible extension).
    let pass = json["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["verdict"] == "pass")
        .unwrap();
    assert!(pass.get("baselined").is_none() && pass.get("baseline_reason").is_none());
    // report.json reads back with the marks.
    let back: Report = serde_json::from_value(json).unwrap();
    assert_eq!(
        back.results.iter().filter(|r| r.baseline.is_some()).count(),
        3
    );
    assert_eq!(back.gate, second.gate);
    // The Markdown and HTML writers show the baseline.
    let md = report::markdown::render(&second).unwrap();
    assert!(md.contains("✅ passed"), "{md}");
    assert!(md.contains("| 4 | 2 | 1 | 0 | 2 | 0 |"), "{md}");
    assert!(md.contains("**fail (baselined)**"), "{md}");
    assert!(md.contains("### Not passing (3)"), "{md}");
    assert!(md.contains("2 not applicable"), "{md}");
    // An info result is an observation: not under "Not passing", and without "(MUST)".
    let mut observed = second.clone();
    let ctl = observed
        .results
        .iter_mut()
        .find(|r| r.verdict == Verdict::Pass)
        .unwrap();
    ctl.verdict = Verdict::Info;
    let info_id = ctl.id.clone();
    let md = report::markdown::render(&observed).unwrap();
    let (not_passing, rest) = md.split_once("observation(s)").expect(&md);
    assert!(!not_passing.contains(&info_id), "{md}");
    let info_row = rest
        .lines()
        .find(|l| l.contains(&info_id))
        .unwrap_or_else(|| panic!("{md}"));
    assert!(!info_row.contains("(MUST)"), "{info_row}");
    assert!(
        md.contains("[RFC 9449 §4.3](https://datatracker.ietf.org/doc/html/rfc9449#section-4.3)")
    );
    let html = report::html::render(&second).unwrap();
    assert!(html.contains("Baselined fail: "));
    assert!(html.contains("PASSED"));

    // 4. The fixed server with the same baseline: every entry is now an XPASS, the run fails.
    let mut third = run_suite(dir.path(), EmbeddedOptions::default()).await;
    assert_eq!(third.summary.fail, 0);
    assert_eq!(third.summary.warning, 0);
    assert_eq!(gate::decide(&mut third, false, Some(&b)), 1);
    let g = third.gate.as_ref().unwrap();
    assert!(g.failing.is_empty());
    assert_eq!(g.stale_baseline.len(), 3, "{g:?}");
    let s = g
        .stale_baseline
        .iter()
        .find(|s| s.case == "att-alg-none/dpop_combined/token")
        .unwrap();
    assert!(s.problem.contains("XPASS"), "{}", s.problem);
    assert!(s
        .problem
        .contains("att-alg-none/dpop_combined/token is pass"));
    let text = report::terminal::render(&third, &report::terminal::Style { color: false }, false);
    assert!(
        text.contains("  STALE baseline entry att-alg-none/dpop_combined/token (fail)"),
        "{text}"
    );
    let md = report::markdown::render(&third).unwrap();
    assert!(md.contains("### Stale baseline entries"), "{md}");
    assert!(md.contains("❌ failed"));

    // 5. An entry naming no case of the run, and a scenario-wide entry.
    let b = Baseline::parse(
        "b.yaml",
        "- case: no-such-scenario/attestation_pop_jwt/token\n  verdict: fail\n  reason: gone\n\
         - case: att-alg-none\n  verdict: fail\n  reason: whole scenario\n",
    )
    .unwrap();
    let mut fourth = first.clone();
    assert_eq!(gate::decide(&mut fourth, false, Some(&b)), 1);
    let g = fourth.gate.as_ref().unwrap();
    assert_eq!(g.stale_baseline.len(), 1);
    assert!(g.stale_baseline[0]
        .problem
        .contains("names no case of this run"));
    assert_eq!(g.baselined, 2, "the scenario id covers both modes");
    assert!(g.failing.is_empty());
}

#[test]
fn baseline_files_are_checked() {
    // Unknown field: serde-saphyr's error with line and column.
    let e = Baseline::parse(
        "b.yaml",
        "- case: x/attestation_pop_jwt/token\n  verdict: fail\n  reason: r\n  expires: 2025\n",
    )
    .unwrap_err();
    assert_eq!((e.path.as_str(), e.line), ("b.yaml", Some(4)), "{e}");
    assert!(e.column.is_some(), "{e}");
    assert!(e.to_string().contains("expires"), "{e}");
    // A pass cannot be baselined.
    let e = Baseline::parse("b.yaml", "- case: x\n  verdict: pass\n  reason: r\n").unwrap_err();
    assert!(e.to_string().starts_with("b.yaml:2:"), "{e}");
    // The reason is required and must say something.
    let e = Baseline::parse("b.yaml", "- case: x\n  verdict: fail\n").unwrap_err();
    assert!(e.to_string().contains("reason"), "{e}");
    let e = Baseline::parse(
        "b.yaml",
        "- case: x\n  verdict: fail\n  reason: ok\n- case: x\n  verdict: fail\n  reason: '  '\n",
    )
    .unwrap_err();
    assert_eq!(e.line, Some(4), "{e}");
    assert!(e.message.contains("`reason` is empty"), "{e}");
    // Duplicates.
    let e = Baseline::parse(
        "b.yaml",
        "- {case: x, verdict: fail, reason: a}\n- {case: x, verdict: fail, reason: b}\n",
    )
    .unwrap_err();
    assert!(e.message.contains("listed twice"), "{e}");
    // A comment-only file is an empty baseline.
    assert!(Baseline::parse("b.yaml", "# nothing yet\n")
        .unwrap()
        .entries
        .is_empty());
}

/// The binary: `--format ndjson` streams one JSON object per result, then the summary;
/// nothing else on stdout. A bad baseline is a usage error (exit 2).
#[test]
fn ndjson_stream_from_the_binary() {
    let dir = suite_dir();
    let out = tempfile::tempdir().unwrap();
    let mut cmd = process::bin();
    cmd.args(["run", "--suites"])
        .arg(dir.path())
        .args(["--format", "ndjson,json", "--report-dir"])
        .arg(out.path().join("reports"));
    cmd.env("NO_COLOR", "1");
    let text = run_with_timeout(cmd, Duration::from_secs(120));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), CASES + 1, "{text}");
    let parsed: Vec<serde_json::Value> = lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let (results, summary) = parsed.split_at(CASES);
    assert!(results.iter().all(|r| r["type"] == "result"));
    let mut ids: Vec<&str> = results.iter().map(|r| r["id"].as_str().unwrap()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), CASES);
    assert!(results
        .iter()
        .all(|r| r["verdict"].is_string() && r["exchanges"].is_array()));
    let s = &summary[0];
    assert_eq!(s["type"], "summary");
    assert_eq!(s["results"], CASES);
    assert_eq!(s["summary"]["pass"], 7);
    assert_eq!(s["summary"]["not_applicable"], 2);
    assert_eq!(s["exit_status"], 0);
    // The other formats still go to files.
    let json: Report = serde_json::from_str(
        &std::fs::read_to_string(out.path().join("reports/report.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(json.results.len(), CASES);

    // A baseline with an unknown field stops the run before it starts.
    let bad = out.path().join("bad.yaml");
    std::fs::write(&bad, "- case: x\n  verdict: fail\n  reason: r\n  why: no\n").unwrap();
    let mut cmd = process::bin();
    cmd.args(["run", "--suites"])
        .arg(dir.path())
        .arg("--baseline")
        .arg(&bad);
    assert_eq!(run_status(cmd, Duration::from_secs(60)).code, Some(2));
}
