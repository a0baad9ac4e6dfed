//! Interop: the whole suite against a real third-party authorization server, panva's
//! `oidc-provider` (npm, pinned in interop/oidc-provider/package-lock.json), through the same
//! CLI a user runs, compared with interop/oidc-provider/expectations.yaml.
//!
//! Node and npm are required: without them this test FAILS with a message (a silently skipped
//! interop test would let the suite drift from real servers unnoticed).
#[path = "common/interop.rs"]
mod common;

use common::*;

#[test]
fn oidc_provider_matches_expectations() {
    require_tool("node", "oidc-provider");
    require_tool("npm", "oidc-provider");
    let dir = fixture("oidc-provider");
    install(&dir);
    let exp = load_expectations("oidc-provider");
    let work = work_dir_with_keys("interop");

    let (server, ready) = start_fixture(&dir, &work);
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
        "attestation_claims": exp.attestation_claims,
        "policy": exp.policy,
    });
    let (code, report) = run_suite(&work, &target);
    drop(server);

    let problems = compare(&report, &exp);
    assert!(
        problems.is_empty(),
        "{} {} ({}) differs from interop/oidc-provider/expectations.yaml:\n  {}",
        exp.server,
        exp.version,
        exp.claims,
        problems.join("\n  ")
    );
    // The exit status agrees with the report (no expected fail on this server: 0).
    exit_agrees(code, &report).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(code, Some(0), "exit status {code:?}");
    let _ = std::fs::remove_dir_all(&work);
}
