//! Interop: the whole suite against Animo's `@openid4vc/oauth2` (npm, pinned in
//! interop/openid4vc-oauth2/package-lock.json). The library is not a server:
//! interop/openid4vc-oauth2/server.mjs puts its client attestation verification behind a
//! minimal token endpoint and PAR endpoint. The run goes through the same CLI a user runs and is
//! compared with interop/openid4vc-oauth2/expectations.yaml.
//!
//! One run per revision and token grant of the expectations: client_credentials (the fixture
//! calls the library's verifyClientAttestation itself; a replayed PoP can be judged there) and
//! the OpenID4VCI pre-authorized code grant (the library's token-request API from parse to
//! verify, codes from the fixture's /test/offer, refresh tokens from it for the refresh binding
//! cases).
//!
//! Node and npm are required: without them this test FAILS with a message.
#[path = "common/interop.rs"]
mod common;

use common::*;

/// The target file's `grant:` for a run with token grant `grant`.
fn grant_section(ready: &serde_json::Value, grant: &str) -> serde_json::Value {
    match grant {
        "client_credentials" => serde_json::json!({"type": "client_credentials"}),
        "pre-authorized_code" => serde_json::json!({
            "type": "pre-authorized_code",
            "pre_authorized_code": {"url": ready["pre_authorized_code_endpoint"]},
        }),
        other => panic!("expectations: no run defined for grant {other:?}"),
    }
}

/// The positive control used `grant`: its token request carried that grant_type, and for a
/// pre-authorized code the code came from the fixture's offer endpoint first.
fn control_used(report: &serde_json::Value, grant: &str) -> Result<(), String> {
    let wire = match grant {
        "pre-authorized_code" => "urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Apre-authorized_code",
        g => g,
    };
    let checks = report["preflight"]["checks"]
        .as_array()
        .ok_or("no preflight")?;
    let control = checks
        .iter()
        .find(|c| c["name"] == "attestation_pop_jwt/token")
        .ok_or("no token control in the preflight")?;
    let exchanges = control["exchanges"].as_array().ok_or("no exchanges")?;
    let token = exchanges
        .iter()
        .find(|x| {
            x["request"]["url"]
                .as_str()
                .is_some_and(|u| u.ends_with("/token"))
        })
        .ok_or("the control sent no token request")?;
    let body = token["request"]["body"].as_str().unwrap_or_default();
    if !body.contains(&format!("grant_type={wire}")) {
        return Err(format!("the control's token request was {body:?}"));
    }
    if grant == "pre-authorized_code" && exchanges[0]["purpose"] != "pre-authorized code" {
        return Err("the control got no code from the offer endpoint".into());
    }
    Ok(())
}

#[test]
fn openid4vc_oauth2_matches_expectations() {
    require_tool("node", "@openid4vc/oauth2");
    require_tool("npm", "@openid4vc/oauth2");
    let dir = fixture("openid4vc-oauth2");
    install(&dir);
    let exp = load_expectations("openid4vc-oauth2");
    assert!(!exp.grants.is_empty(), "expectations: no grants");
    let scratch = work_dir_with_keys("interop-openid4vc");
    let work = scratch.path().to_path_buf();

    let (server, ready) = start_fixture(&dir, &work);
    assert_eq!(
        ready["openid4vc_oauth2_version"],
        exp.version.as_str(),
        "pinned version differs from the expectations"
    );
    for draft in &exp.drafts {
        for grant in &exp.grants {
            let mut target = target_for(&ready, &exp, draft);
            target["grant"] = grant_section(&ready, grant);
            // --keep-going: should a valid request be refused, the preflight would stop the
            // run (exit 2); the expectations record what the library does with every case.
            let (code, report) = run_suite(&work, &target, &["--keep-going"]);
            control_used(&report, grant)
                .unwrap_or_else(|e| panic!("draft-{draft}, grant {grant}: {e}"));
            assert_matches_run("openid4vc-oauth2", &report, &exp, draft, Some(grant));
            // The CLI exits 1 exactly when the expectations for this run hold a `fail`, and
            // the report's gate says so.
            exit_agrees(code, &report)
                .unwrap_or_else(|e| panic!("draft-{draft}, grant {grant}: {e}"));
            let fails = exp.expected.iter().any(|e| {
                e.verdict == "fail"
                    && (e.drafts.is_empty() || e.drafts.contains(draft))
                    && (e.grants.is_empty() || e.grants.contains(grant))
            });
            assert!(
                fails == (code == Some(1)),
                "draft-{draft}, grant {grant}: exit status {code:?} does not match the expected fails"
            );
        }
    }
    drop(server);
}
