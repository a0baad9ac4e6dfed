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
    let scratch = work_dir_with_keys("interop");
    let work = scratch.path().to_path_buf();

    let (server, ready) = start_fixture(&dir, &work);
    assert_eq!(
        ready["oidc_provider_version"],
        exp.version.as_str(),
        "pinned version differs from the expectations"
    );

    // The fixture's own target.yaml, as a user runs it (issue 15: the flows go through
    // oidc-provider's real login and consent pages), with this test's key pair; one run per
    // revision the expectations argue from (-11, the newest published, and -12, which
    // oidc-provider declares); the same server answers both.
    let target_file = dir.join("target.yaml");
    let target: serde_json::Value = abca_conformance::scenario::load::parse_yaml(
        "interop/oidc-provider/target.yaml",
        &std::fs::read_to_string(&target_file).expect("target.yaml"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        target["policy"], exp.policy,
        "target.yaml's policy and expectations.yaml's policy differ"
    );
    let issuer = ready["issuer"].as_str().expect("issuer").to_string();
    let key = work.join("attester.private.jwk.json");
    for draft in &exp.drafts {
        assert_eq!(
            target["clients"],
            target_for(&ready, &exp, draft)["clients"]
        );
        let (code, report) = run_cli(
            &work,
            &[
                "--target".as_ref(),
                target_file.as_os_str(),
                "--issuer".as_ref(),
                issuer.as_ref(),
                "--attester-key".as_ref(),
                key.as_os_str(),
                "--draft".as_ref(),
                draft.as_ref(),
            ],
        );
        // The flows ran through the login and consent pages: a code was redeemed and
        // refreshed.
        for case in [
            "bind-code-redeemed/attestation_pop_jwt/token",
            "bind-code-redeemed/dpop_combined/token",
            "bind-refresh-same-key/attestation_pop_jwt/token",
            "bind-refresh-same-key/dpop_combined/token",
        ] {
            let r = report["results"]
                .as_array()
                .and_then(|rs| rs.iter().find(|r| r["id"] == case))
                .unwrap_or_else(|| panic!("draft-{draft}: no result {case}"));
            assert_eq!(
                r["verdict"], "pass",
                "draft-{draft}: {case}: {}",
                r["reason"]
            );
            let pages = r["exchanges"]
                .as_array()
                .map(|xs| {
                    xs.iter()
                        .filter(|x| {
                            x["purpose"]
                                .as_str()
                                .is_some_and(|p| p.starts_with("user step"))
                        })
                        .count()
                })
                .unwrap_or(0);
            assert!(
                pages >= 3,
                "draft-{draft}: {case}: the login and consent pages were not driven"
            );
        }
        assert_matches("oidc-provider", &report, &exp, draft);
        // The exit status agrees with the report (no expected fail on this server: 0).
        exit_agrees(code, &report).unwrap_or_else(|e| panic!("draft-{draft}: {e}"));
        assert_eq!(code, Some(0), "draft-{draft}: exit status {code:?}");
    }
    drop(server);
}
