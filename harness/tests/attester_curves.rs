//! A server that takes only ES384, or only ES512, judged with an attester key of that curve
//! loaded from a file (issue 16, "Done when": "With a server advertising RSA only, or ES384
//! only, the controls pass with a matching instance key").
//!
//! The reference AS runs on 127.0.0.1 as a remote target (not the embedded one, which makes
//! its own attester key): it trusts only the public half of `vectors/keys/attester.es384.jwk.json`
//! (or `.es512`), and advertises and verifies one algorithm for attestations, PoPs and DPoP
//! proofs. The suite is given the private key file, as a user gives `--attester-key`.
use abca_conformance::engine::{self, Corpus, HttpOptions, RunOptions, TargetFlags, TargetSource};
use abca_conformance::jose::SigningKey;
use abca_conformance::report::{Report, Verdict};
use abca_conformance::scenario::Role;
use reference_as::{Alg, ServerConfig};
use std::collections::BTreeSet;
use std::path::PathBuf;

fn vector(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../vectors/keys")
        .join(name)
}

/// Runs the whole corpus against a reference AS that takes only `alg`, trusting the attester
/// key in `key_file` (and nothing else) under `kid`.
async fn run_single_alg(alg: Alg, key_file: &str, kid: &str) -> (Report, Corpus) {
    let key_path = vector(key_file);
    let key = SigningKey::from_file(&key_path).expect("the attester key file loads");
    assert_eq!(key.alg(), alg.as_str(), "{key_file}");
    let key = key.with_kid(kid);
    let config = ServerConfig {
        algs: vec![alg],
        attester_jwks: serde_json::json!({ "keys": [key.public_jwk()] }),
        ..ServerConfig::default()
    };
    let client_id = config.clients[0].client_id.clone();
    let server = reference_as::start(config)
        .await
        .expect("reference AS starts");
    let corpus = Corpus::embedded().expect("corpus");
    let flags = TargetFlags {
        issuer: Some(server.issuer.clone()),
        client_id: Some(client_id),
        attester_key: Some(key_path),
        attester_kid: Some(kid.into()),
        ..TargetFlags::default()
    };
    let report = engine::run(
        &corpus,
        TargetSource::Remote(flags),
        &HttpOptions::default(),
        &RunOptions::default(),
        &|_| {},
    )
    .await
    .expect("the suite runs");
    server.shutdown().await;
    (report, corpus)
}

/// 0 fail, 0 error, 0 warning; every control case ran and passed, signed with `alg` end to
/// end; each `alg-<list>-<alg>` case passed and no other algorithm's case ran.
fn assert_judged_with(report: &Report, corpus: &Corpus, alg: &str) {
    let bad: Vec<String> = report
        .results
        .iter()
        .filter(|r| matches!(r.verdict, Verdict::Fail | Verdict::Error | Verdict::Warning))
        .map(|r| format!("{} {}: {}", r.id, r.verdict.as_str(), r.reason))
        .collect();
    assert!(bad.is_empty(), "{alg}: {}", bad.join("\n"));
    assert_eq!(report.summary.fail, 0);
    assert_eq!(report.summary.error, 0);

    let controls: BTreeSet<&str> = corpus
        .scenarios()
        .iter()
        .filter(|l| l.scenario.role == Role::Control && !l.scenario.id.starts_with("haip-"))
        .map(|l| l.scenario.id.as_str())
        .collect();
    assert!(!controls.is_empty());
    let mut control_cases = 0;
    for r in report
        .results
        .iter()
        .filter(|r| controls.contains(r.scenario.as_str()))
    {
        assert_eq!(r.verdict, Verdict::Pass, "{}: {}", r.id, r.reason);
        control_cases += 1;
        // Every JWT the control sent is signed with the server's one algorithm: the
        // attestation by the file's key, the PoP / DPoP proof by a matching instance key.
        let jwts: Vec<_> = r.exchanges.iter().flat_map(|e| e.jwts.iter()).collect();
        assert!(!jwts.is_empty(), "{}", r.id);
        for jwt in jwts {
            assert_eq!(jwt.header["alg"], alg, "{} {}", r.id, jwt.field);
        }
    }
    assert!(control_cases >= 4, "{alg}: {control_cases} control cases");

    alg_cases_pass(report, alg);
    // The other algorithms are not advertised: their cases do not apply.
    for r in report.results.iter().filter(|r| {
        ["ES256", "ES384", "ES512", "EdDSA", "RS256", "PS256"]
            .iter()
            .filter(|a| **a != alg)
            .any(|a| {
                ["attestation", "pop", "dpop"]
                    .iter()
                    .any(|l| r.scenario == format!("alg-{l}-{}", a.to_ascii_lowercase()))
            })
    }) {
        assert_eq!(r.verdict, Verdict::NotApplicable, "{}", r.id);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn es384_only_server_with_a_p384_attester_key_file() {
    let (report, corpus) =
        run_single_alg(Alg::Es384, "attester.es384.jwk.json", "attester-es384").await;
    assert_judged_with(&report, &corpus, "ES384");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn es512_only_server_with_a_p521_attester_key_file() {
    // The SEC1 PEM form ("EC PRIVATE KEY", as `openssl ecparam -genkey` writes): no kid in
    // the file, the target names it.
    let (report, corpus) =
        run_single_alg(Alg::Es512, "pem/attester.es512.sec1.pem", "attester-es512").await;
    assert_judged_with(&report, &corpus, "ES512");
}

/// The embedded server taking every algorithm it verifies: its ES512 cases run (an ES512
/// attester among its trusted keys, ES512 instance keys) and pass, none is "not applicable".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn embedded_server_runs_the_es512_cases() {
    let mut embedded = engine::EmbeddedOptions::default();
    embedded.server.algs = Alg::ALL_ASYMMETRIC.to_vec();
    let corpus = Corpus::embedded().expect("corpus");
    let ids: BTreeSet<String> = corpus
        .cases()
        .iter()
        .map(|c| c.id())
        .filter(|id| id.starts_with("alg-") || id.starts_with("control-valid-request/"))
        .collect();
    let report = engine::run(
        &corpus,
        TargetSource::Embedded(embedded),
        &HttpOptions::default(),
        &RunOptions {
            select: engine::Selection::Ids(ids),
            ..RunOptions::default()
        },
        &|_| {},
    )
    .await
    .expect("the suite runs");
    alg_cases_pass(&report, "ES512");
    assert_eq!(report.summary.fail, 0);
    assert_eq!(report.summary.error, 0);
}

/// Each token's own `alg-<token>-<alg>` case ran, and passed.
fn alg_cases_pass(report: &Report, alg: &str) {
    let suffix = alg.to_ascii_lowercase();
    for list in ["attestation", "pop", "dpop"] {
        let scenario = format!("alg-{list}-{suffix}");
        let ran: Vec<_> = report
            .results
            .iter()
            .filter(|r| r.scenario == scenario)
            .collect();
        assert!(!ran.is_empty(), "{scenario} has no case");
        for r in ran {
            assert_eq!(r.verdict, Verdict::Pass, "{}: {}", r.id, r.reason);
        }
    }
}
