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
    assert_eq!(
        ready["oidc_provider_version"],
        exp.version.as_str(),
        "pinned version differs from the expectations"
    );

    // One run per revision the expectations argue from (-11, the newest published, and -12,
    // which oidc-provider declares); the same server answers both.
    for draft in &exp.drafts {
        let target = target_for(&ready, &exp, draft);
        let (code, report) = run_suite(&work, &target, &[]);
        assert_matches("oidc-provider", &report, &exp, draft);
        // The exit status agrees with the report (no expected fail on this server: 0).
        exit_agrees(code, &report).unwrap_or_else(|e| panic!("draft-{draft}: {e}"));
        assert_eq!(code, Some(0), "draft-{draft}: exit status {code:?}");
    }
    drop(server);
    let _ = std::fs::remove_dir_all(&work);
}
