//! Runs tests/independent-client/client.mjs (the `jose` npm package, no code shared with this
//! project) against a started reference AS and checks every case it reports.
//!
//! Node.js and npm are required: without them this test FAILS (it does not skip), because a
//! silently skipped interop test would hide a broken server.
mod common;

use common::*;
use reference_as::{ChallengePolicy, ServerConfig};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::process::Command;

fn client_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/independent-client")
}

async fn run(cmd: &mut Command, what: &str, limit: Duration) -> std::process::Output {
    cmd.kill_on_drop(true);
    let out = tokio::time::timeout(limit, cmd.output())
        .await
        .unwrap_or_else(|_| panic!("{what} did not finish within {limit:?}"))
        .unwrap_or_else(|e| {
            panic!("{what} could not be started ({e}); Node.js >= 20 and npm are required for this test")
        });
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// `npm ci`, skipped when node_modules was installed from the same package-lock.json.
async fn npm_ci() {
    let dir = client_dir();
    let lock =
        std::fs::read(dir.join("package-lock.json")).expect("package-lock.json is committed");
    let digest = format!("{:x}", Sha256::digest(&lock));
    let stamp = dir.join("node_modules/.installed-from-lock-sha256");
    if std::fs::read_to_string(&stamp).ok().as_deref() == Some(digest.as_str())
        && dir.join("node_modules/jose/package.json").exists()
    {
        return;
    }
    run(
        Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(&dir),
        "npm ci",
        Duration::from_secs(300),
    )
    .await;
    std::fs::write(&stamp, digest).expect("write install stamp");
}

/// Expected (status, error, token_type) per case; None = not checked.
fn expectations() -> BTreeMap<&'static str, (u16, Option<&'static str>, Option<&'static str>)> {
    [
        ("normal_token", (200, None, Some("Bearer"))),
        ("normal_par", (201, None, None)),
        ("combined_token", (200, None, Some("DPoP"))),
        ("combined_par", (201, None, None)),
        (
            "normal_token_eddsa_attester_eddsa_key",
            (200, None, Some("Bearer")),
        ),
        ("normal_token_rs256_attester", (200, None, Some("Bearer"))),
        (
            "normal_token_ps256_attester_ps256_key",
            (200, None, Some("Bearer")),
        ),
        ("normal_token_independent_dpop", (200, None, Some("DPoP"))),
        ("combined_token_eddsa_key", (200, None, Some("DPoP"))),
        (
            "combined_token_cnf_extra_members",
            (200, None, Some("DPoP")),
        ),
        ("pop_wrong_aud", (401, Some("invalid_client"), None)),
        (
            "pop_signed_by_other_key",
            (401, Some("invalid_client"), None),
        ),
        ("attestation_expired", (401, Some("invalid_client"), None)),
        (
            "attestation_self_signed",
            (401, Some("invalid_client"), None),
        ),
        (
            "combined_dpop_key_not_cnf",
            (401, Some("invalid_client"), None),
        ),
        ("dpop_wrong_htu", (400, Some("invalid_dpop_proof"), None)),
        ("replay_first_use", (200, None, Some("Bearer"))),
        ("replay_second_use", (401, Some("invalid_client"), None)),
        (
            "no_proof_of_possession",
            (401, Some("invalid_client"), None),
        ),
    ]
    .into_iter()
    .collect()
}

fn key_file(path: &Path) {
    let doc = json!({
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT_URI,
        "attesters": [
            {"alg": "ES256", "kid": "att-es256", "jwk": ATTESTER.private_jwk},
            {"alg": "EdDSA", "kid": "att-eddsa", "jwk": ATTESTER_ED.private_jwk},
            {"alg": "RS256", "kid": "att-rsa", "pkcs8": rsa_pkcs8_pem()},
            {"alg": "PS256", "kid": "att-rsa", "pkcs8": rsa_pkcs8_pem()},
        ],
    });
    std::fs::write(path, doc.to_string()).expect("write key file");
}

async fn run_client(config: ServerConfig) {
    let srv = TestServer::start(config).await;
    let keys = std::env::temp_dir().join(format!("refas-jose-keys-{}.json", random_id()));
    key_file(&keys);
    let out = run(
        Command::new("node")
            .arg("client.mjs")
            .arg(&srv.issuer)
            .arg(&keys)
            .current_dir(client_dir()),
        "node client.mjs",
        Duration::from_secs(60),
    )
    .await;
    let _ = std::fs::remove_file(&keys);
    srv.stop().await;

    let stdout = String::from_utf8_lossy(&out.stdout);
    let mut seen = BTreeMap::new();
    for line in stdout.lines().filter(|l| !l.trim().is_empty()) {
        let v: Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("bad line {line:?}: {e}"));
        let name = v["case"].as_str().expect("case").to_owned();
        seen.insert(name, v);
    }
    let mut failures = vec![];
    for (name, (status, error, token_type)) in expectations() {
        let Some(v) = seen.get(name) else {
            failures.push(format!("{name}: not reported by the client"));
            continue;
        };
        let got = (
            v["status"].as_u64().unwrap_or(0) as u16,
            v["error"].as_str(),
            v["token_type"].as_str(),
        );
        let token_type_ok = token_type.is_none() || got.2 == token_type;
        if got.0 != status || got.1 != error || !token_type_ok {
            failures.push(format!(
                "{name}: expected {status} {error:?} {token_type:?}, got {v}"
            ));
        }
        if status == 201
            && !v["request_uri"]
                .as_str()
                .is_some_and(|u| u.starts_with("urn:ietf:params:oauth:request_uri:"))
        {
            failures.push(format!("{name}: no request_uri in {v}"));
        }
    }
    for name in seen.keys() {
        if !expectations().contains_key(name.as_str()) {
            failures.push(format!("{name}: reported but has no expectation"));
        }
    }
    assert!(
        failures.is_empty(),
        "independent client results:\n{}",
        failures.join("\n")
    );
}

#[tokio::test]
async fn jose_client_against_reference_as() {
    npm_ci().await;
    // Without challenges, then with challenges optional and required (the client follows the
    // advertised challenge endpoint: `challenge` claim in the PoP, `nonce` claim in a combined
    // DPoP proof).
    run_client(base_config()).await;
    for policy in [ChallengePolicy::Optional, ChallengePolicy::Required] {
        let mut c = base_config();
        c.challenge = policy;
        run_client(c).await;
    }
}
