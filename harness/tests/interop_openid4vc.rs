//! Interop: the whole suite against Animo's `@openid4vc/oauth2` (npm, pinned in
//! interop/openid4vc-oauth2/package-lock.json). The library is not a server:
//! interop/openid4vc-oauth2/server.mjs puts its client attestation verification behind a
//! minimal token endpoint and PAR endpoint. The run goes through the same CLI a user runs and is
//! compared with interop/openid4vc-oauth2/expectations.yaml.
//!
//! Node and npm are required: without them this test FAILS with a message.
#[path = "common/interop.rs"]
mod common;

use common::*;

#[test]
fn openid4vc_oauth2_matches_expectations() {
    require_tool("node", "@openid4vc/oauth2");
    require_tool("npm", "@openid4vc/oauth2");
    let dir = fixture("openid4vc-oauth2");
    install(&dir);
    let exp = load_expectations("openid4vc-oauth2");
    let scratch = work_dir_with_keys("interop-openid4vc");
    let work = scratch.path().to_path_buf();

    let (server, ready) = start_fixture(&dir, &work);
    assert_eq!(
        ready["openid4vc_oauth2_version"],
        exp.version.as_str(),
        "pinned version differs from the expectations"
    );
    for draft in &exp.drafts {
        let target = target_for(&ready, &exp, draft);
        // --keep-going: should a valid request be refused, the preflight would stop the run
        // (exit 2); the expectations record what the library does with every case instead.
        let (code, report) = run_suite(&work, &target, &["--keep-going"]);
        assert_matches("openid4vc-oauth2", &report, &exp, draft);
        // The CLI exits 1 exactly when the expectations for this revision hold a `fail`, and
        // the report's gate says so.
        exit_agrees(code, &report).unwrap_or_else(|e| panic!("draft-{draft}: {e}"));
        let fails = exp
            .expected
            .iter()
            .any(|e| e.verdict == "fail" && (e.drafts.is_empty() || e.drafts.contains(draft)));
        assert!(
            fails == (code == Some(1)),
            "draft-{draft}: exit status {code:?} does not match the expected fails"
        );
    }
    drop(server);
}
