//! Runs the known-answer vectors of `vectors/jose/*.json` against the harness's JOSE layer.
//!
//! The format is Wycheproof-like: `{ "name", "source", "tests": [ {"id", "comment", "flags",
//! "input": {"kind": ..}, "result": "valid" | "invalid" | "acceptable"} ] }`. A file that
//! does not parse, a test of an unknown kind, or a test whose outcome differs from its
//! `result` fails this test; all failures are listed together.
//!
//! Kinds (the `kind` member of `input`):
//! - `jws_verify` {token, jwk, fails?}: the signature verifies with the JWK.
//! - `jws_sign` {jwk, signing_input, signature}: deterministic signing reproduces the
//!   signature exactly (Ed25519).
//! - `sign_verify` {jwk, signing_input}: the harness's signature with the private JWK
//!   verifies with its public JWK (randomized algorithms).
//! - `jwk_thumbprint` {jwk, thumbprint}: RFC 7638 thumbprint.
//! - `jwt` {token, verify_jwk | verify_jwk_at | unverified_reason, header?, claims?,
//!   claims_exact?, required_header?, required_claims?, public_jwk_at?, fails?}: decode,
//!   verify, then check shape, in that order.
//! - `private_key` {jwk | file | text, alg?, error?}: loading a signing key.
//!
//! `fails` / `error` on an invalid test name the check that must be the first to fail, so
//! that an invalid vector cannot pass for the wrong reason (say, a typo in its token).

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use abca_conformance::jose::{b64, jws, thumbprint, SigningKey};
use serde::Deserialize;
use serde_json::{Map, Value};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct VectorFile {
    name: String,
    source: String,
    tests: Vec<TestCase>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TestCase {
    id: u64,
    comment: String,
    flags: Vec<String>,
    input: Value,
    result: Expected,
}

#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum Expected {
    Valid,
    Invalid,
    Acceptable,
}

// One short-lived value per test case: the size difference between variants is irrelevant.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
enum Input {
    JwsVerify {
        token: String,
        jwk: Value,
        fails: Option<String>,
    },
    JwsSign {
        jwk: Value,
        signing_input: String,
        signature: String,
    },
    SignVerify {
        jwk: Value,
        signing_input: String,
    },
    JwkThumbprint {
        jwk: Value,
        thumbprint: String,
    },
    Jwt {
        token: String,
        verify_jwk: Option<Value>,
        verify_jwk_at: Option<String>,
        unverified_reason: Option<String>,
        header: Option<Map<String, Value>>,
        claims: Option<Map<String, Value>>,
        #[serde(default)]
        claims_exact: bool,
        #[serde(default)]
        required_header: Vec<String>,
        #[serde(default)]
        required_claims: Vec<String>,
        #[serde(default)]
        public_jwk_at: Vec<String>,
        fails: Option<String>,
    },
    PrivateKey {
        jwk: Option<Value>,
        file: Option<String>,
        text: Option<String>,
        alg: Option<String>,
        error: Option<String>,
    },
}

/// Why a vector's input was judged invalid: a short tag (matched against `fails` /
/// `error`) and a sentence for the failure list.
#[derive(Debug)]
struct Rejection {
    tag: String,
    detail: String,
}

fn reject(tag: &str, detail: impl Into<String>) -> Rejection {
    Rejection {
        tag: tag.to_string(),
        detail: detail.into(),
    }
}

/// A vector that is itself wrong (not an outcome of the code under test).
#[derive(Debug)]
struct BadVector(String);

fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../vectors")
}

/// Members that make a JWK private (RFC 7518 §6.2.2, §6.3.2, §6.4; RFC 8037 §2).
const PRIVATE_MEMBERS: [&str; 8] = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/// `header.jwk`, `claims.cnf.jwk`...
fn at<'a>(header: &'a Value, claims: &'a Value, path: &str) -> Option<&'a Value> {
    let mut parts = path.split('.');
    let mut value = match parts.next()? {
        "header" => header,
        "claims" => claims,
        _ => return None,
    };
    for part in parts {
        value = value.get(part)?;
    }
    Some(value)
}

fn check_verify(token: &str, jwk: &Value) -> Result<(), Rejection> {
    match jws::verify(token, jwk) {
        Ok(true) => Ok(()),
        Ok(false) => Err(reject("signature", "signature does not verify")),
        Err(e) => Err(reject("error", format!("cannot verify: {e}"))),
    }
}

fn run_input(input: &Input) -> Result<Result<(), Rejection>, BadVector> {
    Ok(match input {
        Input::JwsVerify { token, jwk, .. } => check_verify(token, jwk),
        Input::JwsSign {
            jwk,
            signing_input,
            signature,
        } => {
            let key = SigningKey::from_jwk(jwk)
                .map_err(|e| BadVector(format!("jws_sign key does not load: {e}")))?;
            let got = b64::encode(key.sign(signing_input.as_bytes()));
            if &got == signature {
                Ok(())
            } else {
                Err(reject(
                    "signature",
                    format!("signature {got} differs from {signature}"),
                ))
            }
        }
        Input::SignVerify { jwk, signing_input } => {
            let key = SigningKey::from_jwk(jwk)
                .map_err(|e| BadVector(format!("sign_verify key does not load: {e}")))?;
            let token = format!(
                "{signing_input}.{}",
                b64::encode(key.sign(signing_input.as_bytes()))
            );
            check_verify(&token, &key.public_jwk())
        }
        Input::JwkThumbprint { jwk, thumbprint } => match thumbprint::thumbprint(jwk) {
            Ok(got) if &got == thumbprint => Ok(()),
            Ok(got) => Err(reject(
                "thumbprint",
                format!("thumbprint {got} differs from {thumbprint}"),
            )),
            Err(e) => Err(reject("error", e.to_string())),
        },
        Input::Jwt {
            token,
            verify_jwk,
            verify_jwk_at,
            unverified_reason,
            header: want_header,
            claims: want_claims,
            claims_exact,
            required_header,
            required_claims,
            public_jwk_at,
            ..
        } => {
            match (verify_jwk, verify_jwk_at, unverified_reason) {
                (Some(_), None, None) | (None, Some(_), None) => {}
                (None, None, Some(reason)) if !reason.trim().is_empty() => {}
                _ => {
                    return Err(BadVector(
                        "a jwt test needs exactly one of verify_jwk, verify_jwk_at, \
                         unverified_reason (saying why the signature is not checked)"
                            .into(),
                    ))
                }
            }
            let (header, claims) = match jws::decode_unverified(token) {
                Ok(decoded) => decoded,
                Err(e) => return Ok(Err(reject("decode", e.to_string()))),
            };
            let jwk = match (verify_jwk, verify_jwk_at) {
                (Some(jwk), _) => Some(jwk.clone()),
                (None, Some(path)) => match at(&header, &claims, path) {
                    Some(jwk) => Some(jwk.clone()),
                    None => return Ok(Err(reject("signature", format!("no JWK at {path}")))),
                },
                _ => None,
            };
            if let Some(jwk) = jwk {
                if let Err(r) = check_verify(token, &jwk) {
                    return Ok(Err(r));
                }
            }
            Ok(()).and_then(|()| {
                for (name, want) in want_header.iter().flatten() {
                    if header.get(name) != Some(want) {
                        return Err(reject(
                            "header",
                            format!("header {name} is {:?}, expected {want}", header.get(name)),
                        ));
                    }
                }
                for name in required_header {
                    if header.get(name).is_none() {
                        return Err(reject("required", format!("header {name} missing")));
                    }
                }
                for name in required_claims {
                    if claims.get(name).is_none() {
                        return Err(reject("required", format!("claim {name} missing")));
                    }
                }
                if let Some(want) = want_claims {
                    if *claims_exact {
                        if claims != Value::Object(want.clone()) {
                            return Err(reject(
                                "claims",
                                format!(
                                    "claims {claims} differ from {}",
                                    Value::Object(want.clone())
                                ),
                            ));
                        }
                    } else {
                        for (name, want) in want {
                            if claims.get(name) != Some(want) {
                                return Err(reject(
                                    "claims",
                                    format!(
                                        "claim {name} is {:?}, expected {want}",
                                        claims.get(name)
                                    ),
                                ));
                            }
                        }
                    }
                }
                for path in public_jwk_at {
                    let Some(Value::Object(jwk)) = at(&header, &claims, path) else {
                        return Err(reject("public_jwk", format!("no JWK object at {path}")));
                    };
                    if let Some(m) = PRIVATE_MEMBERS.iter().find(|m| jwk.contains_key(**m)) {
                        return Err(reject(
                            "public_jwk",
                            format!("{path} has private member {m}"),
                        ));
                    }
                    if let Err(e) = thumbprint::thumbprint(&Value::Object(jwk.clone())) {
                        return Err(reject("public_jwk", format!("{path}: {e}")));
                    }
                }
                Ok(())
            })
        }
        Input::PrivateKey {
            jwk,
            file,
            text,
            alg,
            ..
        } => {
            let loaded = match (jwk, file, text) {
                (Some(jwk), None, None) => SigningKey::from_jwk(jwk),
                (None, Some(file), None) => SigningKey::from_file(vectors_dir().join(file)),
                (None, None, Some(text)) => SigningKey::from_text(text),
                _ => {
                    return Err(BadVector(
                        "a private_key test needs exactly one of jwk, file, text".into(),
                    ))
                }
            };
            match loaded {
                Ok(key) => match alg {
                    Some(alg) if key.alg() != alg => Err(reject(
                        "alg",
                        format!("loaded as {}, expected {alg}", key.alg()),
                    )),
                    _ => Ok(()),
                },
                Err(e) => {
                    // An error message must never carry private key material.
                    let message = format!("{e} / {e:?}");
                    for member in PRIVATE_MEMBERS {
                        if let Some(secret) = jwk
                            .as_ref()
                            .and_then(|j| j.get(member))
                            .and_then(Value::as_str)
                        {
                            if secret.len() >= 8 && message.contains(&secret[..8]) {
                                return Err(BadVector(format!(
                                    "LEAK: the error message contains private member {member}: {e}"
                                )));
                            }
                        }
                    }
                    Err(reject(e.kind(), e.to_string()))
                }
            }
        }
    })
}

/// The tag an invalid test must fail with, if it names one.
fn expected_tag(input: &Input) -> Option<&str> {
    match input {
        Input::JwsVerify { fails, .. } | Input::Jwt { fails, .. } => fails.as_deref(),
        Input::PrivateKey { error, .. } => error.as_deref(),
        _ => None,
    }
}

fn run_file(path: &Path, failures: &mut Vec<String>) -> usize {
    let label = path
        .file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned();
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            failures.push(format!("{label}: cannot read: {e}"));
            return 0;
        }
    };
    let file: VectorFile = match serde_json::from_str(&text) {
        Ok(f) => f,
        Err(e) => {
            failures.push(format!("{label}: does not parse as a vector file: {e}"));
            return 0;
        }
    };
    if file.name.trim().is_empty() || file.source.trim().is_empty() || file.tests.is_empty() {
        failures.push(format!(
            "{label}: needs a name, a source and at least one test"
        ));
    }
    let mut ids = BTreeSet::new();
    for test in &file.tests {
        let name = format!("{label}#{}", test.id);
        if !ids.insert(test.id) {
            failures.push(format!("{name}: duplicate id"));
        }
        if test.comment.trim().is_empty() {
            failures.push(format!("{name}: empty comment"));
        }
        if test.flags.iter().any(|f| f.trim().is_empty()) {
            failures.push(format!("{name}: empty flag"));
        }
        let input: Input = match serde_json::from_value(test.input.clone()) {
            Ok(i) => i,
            Err(e) => {
                failures.push(format!("{name}: unknown or malformed test kind: {e}"));
                continue;
            }
        };
        let want_tag = expected_tag(&input);
        if want_tag.is_some() && test.result != Expected::Invalid {
            failures.push(format!(
                "{name}: fails/error given on a test that is not invalid"
            ));
        }
        let outcome = match run_input(&input) {
            Ok(o) => o,
            Err(BadVector(why)) => {
                failures.push(format!("{name}: bad vector: {why}"));
                continue;
            }
        };
        match (test.result, &outcome) {
            (Expected::Valid, Ok(())) | (Expected::Acceptable, _) => {}
            (Expected::Valid, Err(r)) => failures.push(format!(
                "{name}: expected valid, got invalid ({}: {}) — {}",
                r.tag, r.detail, test.comment
            )),
            (Expected::Invalid, Ok(())) => failures.push(format!(
                "{name}: expected invalid, got valid — {}",
                test.comment
            )),
            (Expected::Invalid, Err(r)) => {
                if let Some(want) = want_tag {
                    if r.tag != want {
                        failures.push(format!(
                            "{name}: invalid for the wrong reason: {} ({}), expected {want} — {}",
                            r.tag, r.detail, test.comment
                        ));
                    }
                }
            }
        }
        if test.result == Expected::Acceptable {
            // Recorded so that `cargo test -- --nocapture` shows what this build does.
            println!(
                "{name}: acceptable, this build says {}",
                match &outcome {
                    Ok(()) => "valid".to_string(),
                    Err(r) => format!("invalid ({})", r.tag),
                }
            );
        }
    }
    file.tests.len()
}

#[test]
fn every_jose_vector_gives_its_expected_result() {
    let dir = vectors_dir().join("jose");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();

    // The vector set must not shrink unnoticed: these files are required.
    let names: BTreeSet<String> = paths
        .iter()
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    for required in [
        "draft10-examples.json",
        "keys.json",
        "rfc7515-a3-es256.json",
        "rfc7638-thumbprint.json",
        "rfc8037-ed25519.json",
        "rfc9449-dpop.json",
    ] {
        assert!(
            names.contains(required),
            "vectors/jose/{required} is missing"
        );
    }

    let mut failures = Vec::new();
    let mut count = 0;
    for path in &paths {
        count += run_file(path, &mut failures);
    }
    let mut report = String::new();
    for f in &failures {
        let _ = writeln!(report, "  {f}");
    }
    assert!(
        failures.is_empty(),
        "{} of {count} vector tests failed:\n{report}",
        failures.len()
    );
    println!("{count} vector tests in {} files passed", paths.len());
}

/// The runner itself must be able to fail: feed it vectors with the wrong expectation.
#[test]
fn the_runner_catches_wrong_expectations() {
    let dir = std::env::temp_dir().join(format!(
        "abca-vectors-selftest-{}-{}",
        std::process::id(),
        rand::random::<u64>()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let ed = serde_json::json!({"kty": "OKP", "crv": "Ed25519",
        "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"});
    let cases = [
        // a correct thumbprint declared invalid
        serde_json::json!({"kind": "jwk_thumbprint", "jwk": ed,
            "thumbprint": "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"}),
        // a wrong thumbprint declared valid is caught below with result valid
        serde_json::json!({"kind": "no_such_kind"}),
    ];
    let file = serde_json::json!({"name": "n", "source": "s", "tests": [
        {"id": 1, "comment": "c", "flags": [], "input": cases[0], "result": "invalid"},
        {"id": 2, "comment": "c", "flags": [], "input": cases[1], "result": "valid"},
        {"id": 3, "comment": "c", "flags": [], "input":
            {"kind": "jwk_thumbprint", "jwk": ed, "thumbprint": "AAAA"}, "result": "valid"},
        {"id": 4, "comment": "c", "flags": [], "input":
            {"kind": "private_key", "text": "garbage", "error": "wrong_curve"}, "result": "invalid"},
    ]});
    let path = dir.join("self.json");
    std::fs::write(&path, file.to_string()).unwrap();
    let mut failures = Vec::new();
    run_file(&path, &mut failures);
    std::fs::write(&path, "{ not json").unwrap();
    run_file(&path, &mut failures);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(failures.len(), 5, "{failures:#?}");
    assert!(
        failures[0].contains("#1: expected invalid"),
        "{}",
        failures[0]
    );
    assert!(
        failures[1].contains("#2: unknown or malformed test kind"),
        "{}",
        failures[1]
    );
    assert!(
        failures[2].contains("#3: expected valid"),
        "{}",
        failures[2]
    );
    assert!(
        failures[3].contains("#4: invalid for the wrong reason"),
        "{}",
        failures[3]
    );
    assert!(failures[4].contains("does not parse"), "{}", failures[4]);
}
