//! The fuzzer against the embedded reference AS: silent on the conforming server; on a
//! faulty one it finds a mismatch, shrinks it to the mutation the fault is about, and writes
//! a scenario that `run --suites` replays to `fail` there and to no `fail` on the conforming
//! server. Fixed seeds; every test bounded in time.
use abca_conformance::engine::{
    self, Connection, Corpus, EmbeddedOptions, FuzzOptions, FuzzSummary, HttpOptions, RunOptions,
    TargetSource,
};
use abca_conformance::report::Verdict;
use abca_conformance::revision::Revision;
use abca_conformance::scenario::{ChallengeUse, CnfChange, KeyRef, Mutation, TokenKind};
use reference_as::Fault;
use std::path::{Path, PathBuf};
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(50);

fn server(faults: &[Fault]) -> EmbeddedOptions {
    server_in(Revision::default(), faults)
}

/// The reference AS speaking `rev`, judged by it.
fn server_in(rev: Revision, faults: &[Fault]) -> EmbeddedOptions {
    let mut o = EmbeddedOptions::default().with_revision(rev);
    o.server.faults = faults.iter().copied().collect();
    o
}

/// A fresh folder for one run's findings, removed when dropped (also when the test fails).
fn dir(name: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("abca-fuzz-test-{name}-"))
        .tempdir()
        .expect("a temporary folder")
}

/// What `abca-conformance fuzz` does: the run, and the finding written to DIR/fuzz/.
struct FuzzOutcome {
    summary: FuzzSummary,
    written: Option<PathBuf>,
}

impl FuzzOutcome {
    fn exit_code(&self) -> i32 {
        i32::from(self.summary.finding.is_some())
    }
}

async fn fuzz_with(
    opts: EmbeddedOptions,
    cases: u64,
    seed: u64,
    jobs: usize,
    max_shrink_iters: u32,
    report_dir: &Path,
) -> anyhow::Result<FuzzOutcome> {
    let conn = Connection::open(TargetSource::Embedded(opts), &HttpOptions::default()).await?;
    let opts = FuzzOptions {
        cases,
        seed,
        jobs,
        max_shrink_iters,
    };
    let summary = conn.fuzz(&opts, &|_| {}).await;
    conn.close().await;
    let summary = summary?;
    let written = match &summary.finding {
        Some(f) => Some(f.write(&report_dir.join("fuzz"))?),
        None => None,
    };
    Ok(FuzzOutcome { summary, written })
}

async fn fuzz(faults: &[Fault], cases: u64, seed: u64, report_dir: &Path) -> FuzzOutcome {
    fuzz_on(server(faults), cases, seed, report_dir).await
}

async fn fuzz_on(opts: EmbeddedOptions, cases: u64, seed: u64, report_dir: &Path) -> FuzzOutcome {
    tokio::time::timeout(LIMIT, fuzz_with(opts, cases, seed, 4, 300, report_dir))
        .await
        .expect("fuzz run timed out")
        .expect("fuzz run could not run")
}

/// `run --suites DIR` against `server`; the verdicts of the DIR's scenarios.
async fn replay_on(suites: &Path, server: EmbeddedOptions) -> Vec<Verdict> {
    let corpus = Corpus::from_dir(suites).expect("the written scenario loads");
    let opts = RunOptions {
        jobs: 2,
        ..RunOptions::default()
    };
    let http = HttpOptions::default();
    let run = engine::run(
        &corpus,
        TargetSource::Embedded(server),
        &http,
        &opts,
        &|_| {},
    );
    let report = tokio::time::timeout(LIMIT, run)
        .await
        .expect("replay timed out")
        .expect("replay could not run");
    report.results.iter().map(|r| r.verdict).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conforming_server_gives_no_finding() {
    let tmp = dir("conforming");
    let d = tmp.path();
    let out = fuzz(&[], 300, 20_260_101, d).await;
    let s = &out.summary;
    assert!(
        s.finding.is_none(),
        "finding on the reference AS: {:?}",
        s.finding
    );
    assert_eq!(out.exit_code(), 0);
    assert_eq!(s.generated, 300);
    // The cases really were sent and judged, most of them.
    assert!(s.passed >= 200, "{s:?}");
    assert_eq!(s.inconclusive, 0, "{s:?}");
    assert!(!d.join("fuzz").exists());
}

/// Servers that take other algorithms than the default ones: every algorithm the suite signs
/// is drawn (`use_alg`), judged against the server's lists, and the run's own instance key is
/// one the server takes (ES384 on an ES384-only server). No finding, most cases judged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conforming_servers_of_other_algorithms_give_no_finding() {
    for (name, algs, seed) in [
        (
            "all-algs",
            reference_as::Alg::ALL_ASYMMETRIC.to_vec(),
            20_261_130,
        ),
        ("es384-only", vec![reference_as::Alg::Es384], 20_261_131),
    ] {
        let mut opts = server(&[]);
        opts.server.algs = algs;
        let tmp = dir(name);
        let d = tmp.path();
        let out = fuzz_on(opts, 200, seed, d).await;
        let s = &out.summary;
        assert!(s.finding.is_none(), "{name}: finding: {:?}", s.finding);
        assert_eq!(s.generated, 200, "{name}");
        assert!(s.passed >= 120, "{name}: {s:?}");
        assert_eq!(s.inconclusive, 0, "{name}: {s:?}");
    }
}

/// Fuzzes a server with `fault` until the first mismatch; checks the shrunk case with
/// `names_it`, then replays the written folder against the faulty and the conforming server.
async fn finds(fault: Fault, seed: u64, names_it: fn(&Mutation) -> bool) {
    finds_on(server(&[]), fault, seed, names_it).await
}

/// `finds` against `base` (a revision, a configuration) with `fault` added.
async fn finds_on(base: EmbeddedOptions, fault: Fault, seed: u64, names_it: fn(&Mutation) -> bool) {
    let faulty_server = || {
        let mut o = base.clone();
        o.server.faults.insert(fault);
        o
    };
    let tmp = dir(fault.name());
    let d = tmp.path();
    let out = fuzz_on(faulty_server(), 2_000, seed, d).await;
    let f = out
        .summary
        .finding
        .as_ref()
        .unwrap_or_else(|| panic!("{}: no mismatch found in 2000 cases", fault.name()));
    assert_eq!(out.exit_code(), 1);
    assert!(f.confirmed, "the shrunk case did not fail again: {f:?}");
    assert!(
        f.case.mutations.iter().any(names_it),
        "{}: the shrunk case does not name the fault's mutation: {:?}",
        fault.name(),
        f.case.mutations
    );
    assert!(
        f.case.mutations.len() <= f.original.mutations.len(),
        "shrinking grew the case"
    );
    let written = out.written.as_ref().expect("the finding was written");
    assert!(written.starts_with(d.join("fuzz")));
    let suites = d.join("fuzz");
    let faulty = replay_on(&suites, faulty_server()).await;
    assert_eq!(
        faulty,
        vec![Verdict::Fail],
        "replay against the faulty server"
    );
    let conforming = replay_on(&suites, base.clone()).await;
    assert!(
        !conforming.contains(&Verdict::Fail) && !conforming.is_empty(),
        "replay against the conforming server: {conforming:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finds_pop_aud_not_checked() {
    finds(
        Fault::PopAudNotChecked,
        11,
        |m| matches!(m, Mutation::SetClaim { token: TokenKind::Pop, name, .. } if name == "aud"),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finds_attestation_typ_not_checked() {
    finds(Fault::AttestationTypNotChecked, 12, |m| match m {
        Mutation::SetJoseHeader {
            token: TokenKind::Attestation,
            name,
            ..
        }
        | Mutation::RemoveJoseHeader {
            token: TokenKind::Attestation,
            name,
        } => name == "typ",
        _ => false,
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finds_pop_typ_not_checked() {
    finds(Fault::PopTypNotChecked, 13, |m| match m {
        Mutation::SetJoseHeader {
            token: TokenKind::Pop,
            name,
            ..
        }
        | Mutation::RemoveJoseHeader {
            token: TokenKind::Pop,
            name,
        } => name == "typ",
        _ => false,
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finds_dpop_key_not_matched_to_cnf() {
    finds(Fault::DpopKeyNotMatchedToCnf, 14, |m| {
        matches!(
            m,
            Mutation::Cnf(CnfChange::OtherKey)
                | Mutation::SignWith {
                    token: TokenKind::Dpop,
                    key: KeyRef::Other | KeyRef::Attester
                }
        ) || matches!(m, Mutation::SetClaim { token: TokenKind::Attestation, name, .. } if name == "cnf")
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finds_attestation_exp_not_checked() {
    finds(Fault::AttestationExpNotChecked, 15, |m| match m {
        Mutation::TimeClaim {
            token: TokenKind::Attestation,
            name,
            offset,
        } => name == "exp" && *offset <= -600,
        Mutation::SetClaim {
            token: TokenKind::Attestation,
            name,
            ..
        } => name == "exp",
        _ => false,
    })
    .await;
}

/// The oracle reads the revision the run judges by: silent on the conforming server of each.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conforming_server_of_each_revision_gives_no_finding() {
    for rev in Revision::ALL {
        let tmp = dir(&format!("conforming-{}", rev.as_str()));
        let d = tmp.path();
        let out = fuzz_on(server_in(rev, &[]), 200, 20_261_130, d).await;
        let s = &out.summary;
        assert!(
            s.finding.is_none(),
            "{rev}: finding on the reference AS: {:?}",
            s.finding
        );
        assert!(s.passed >= 120, "{rev}: {s:?}");
        assert_eq!(s.inconclusive, 0, "{rev}: {s:?}");
    }
}

/// -11 §5.2 / §7.4 with DPoP nonces demanded: the oracle wants use_dpop_nonce in combined mode.
fn nonce_server_11() -> EmbeddedOptions {
    server_in(Revision::D11, &[]).with_dpop_nonce(reference_as::DpopNoncePolicy::Required)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conforming_nonce_server_of_11_gives_no_finding() {
    let tmp = dir("conforming-nonce-11");
    let d = tmp.path();
    let out = fuzz_on(nonce_server_11(), 200, 20_261_131, d).await;
    let s = &out.summary;
    assert!(
        s.finding.is_none(),
        "finding on the reference AS: {:?}",
        s.finding
    );
    assert_eq!(s.inconclusive, 0, "{s:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finds_attestation_iat_not_required_in_12() {
    finds_on(server_in(Revision::D12, &[]), Fault::AttestationIatNotRequired, 16, |m| {
        matches!(m, Mutation::RemoveClaim { token: TokenKind::Attestation, name } if name == "iat")
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finds_pop_iss_not_checked_in_07() {
    finds_on(
        server_in(Revision::D07, &[]),
        Fault::PopIssNotChecked,
        17,
        |m| matches!(m, Mutation::SetClaim { token: TokenKind::Pop, name, .. } if name == "iss"),
    )
    .await;
}

/// -11 §7.4: at a challenge server that demands DPoP nonces in combined mode, a missing or
/// wrong nonce is use_dpop_nonce; the fault answers use_attestation_challenge (the -10 rule).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finds_dpop_nonce_freshness_via_challenge_in_11() {
    let mut base =
        server_in(Revision::D11, &[]).with_challenge(reference_as::ChallengePolicy::Required);
    base.policy.dpop_nonce_required = true;
    finds_on(base, Fault::DpopNonceFreshnessViaChallenge, 19, |m| {
        matches!(
            m,
            Mutation::Challenge(ChallengeUse::Missing | ChallengeUse::Wrong)
        ) || matches!(m, Mutation::RemoveClaim { token: TokenKind::Dpop, name } | Mutation::SetClaim { token: TokenKind::Dpop, name, .. } if name == "nonce")
    })
    .await;
}

/// A server that refuses the valid request must stop the fuzzer (exit 2), not feed it
/// "findings" that are its own brokenness.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_control_stops_the_run() {
    let tmp = dir("control");
    let d = tmp.path();
    let mut opts = server(&[]);
    // PAR refuses the harness's redirect_uri: the valid PAR request is rejected.
    opts.server.clients[0].redirect_uris = vec!["https://elsewhere.example/cb".into()];
    let err = tokio::time::timeout(LIMIT, fuzz_with(opts, 50, 1, 2, 10, d))
        .await
        .expect("timed out")
        .err()
        .expect("the run must not proceed");
    let msg = format!("{err:#}");
    assert!(
        msg.contains("was not accepted") && msg.contains("par"),
        "{msg}"
    );
    assert!(!d.join("fuzz").exists());
}
