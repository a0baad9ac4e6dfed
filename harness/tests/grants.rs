//! Issue 15, "Done when": the token endpoint's positive control works with each of the four
//! grants against the embedded AS, selected on the command line (`--grant`), and really uses
//! that grant (its exchanges show how the artifact was obtained and redeemed).
use serde_json::Value;
use std::process::Command;

/// `run --grant GRANT --only control-valid-request` against the embedded AS: exit code and
/// report.json.
fn run(grant: &str) -> (Option<i32>, Value) {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_abca-conformance"))
        .args(["run", "--format", "json", "--grant", grant])
        .args(["--only", "control-valid-request"])
        .arg("--report-dir")
        .arg(dir.path())
        .output()
        .expect("run abca-conformance");
    let report = std::fs::read_to_string(dir.path().join("report.json")).unwrap_or_else(|_| {
        panic!(
            "--grant {grant}: no report.json:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code(), serde_json::from_str(&report).unwrap())
}

/// The token controls of both modes pass, and each has an exchange whose purpose starts with
/// one of `marks` (the step that obtained the grant's artifact) and one that sent the grant.
fn check(grant: &str, wire: &str, marks: &[&str]) {
    let (code, report) = run(grant);
    assert_eq!(code, Some(0), "--grant {grant}: exit {code:?}");
    for mode in ["attestation_pop_jwt", "dpop_combined"] {
        let id = format!("control-valid-request/{mode}/token");
        let r = report["results"]
            .as_array()
            .and_then(|rs| rs.iter().find(|r| r["id"] == id.as_str()))
            .unwrap_or_else(|| panic!("--grant {grant}: no result {id}"));
        assert_eq!(
            r["verdict"], "pass",
            "--grant {grant}: {id}: {}",
            r["reason"]
        );
        let xs = r["exchanges"].as_array().expect("exchanges");
        let purposes: Vec<&str> = xs.iter().filter_map(|x| x["purpose"].as_str()).collect();
        for m in marks {
            assert!(
                purposes.iter().any(|p| p.starts_with(m)),
                "--grant {grant}: {id}: no exchange {m:?} in {purposes:?}"
            );
        }
        let last = xs.last().expect("an exchange");
        let body = last["request"]["body"].as_str().unwrap_or_default();
        assert!(
            body.contains(&format!("grant_type={wire}")),
            "--grant {grant}: {id}: the judged request is not a {wire} request: {body}"
        );
    }
}

#[test]
fn client_credentials() {
    check("client_credentials", "client_credentials", &[]);
}

#[test]
fn authorization_code_through_the_login_pages() {
    check(
        "authorization_code",
        "authorization_code",
        &[
            "pushed authorization request of the flow",
            "user step: login step 1",
            "user step: login step 2",
        ],
    );
}

#[test]
fn pre_authorized_code() {
    check(
        "pre-authorized_code",
        "urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Apre-authorized_code",
        &["pre-authorized code"],
    );
}

#[test]
fn refresh_token() {
    check(
        "refresh_token",
        "refresh_token",
        &["token request that issues the refresh token"],
    );
}
