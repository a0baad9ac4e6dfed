//! Bad input never panics and never runs: broken scenario files (`--suites DIR`) and bad
//! attester keys (`--attester-key FILE`) end the run with exit status 2 (docs/design.md) and a
//! message that names the file, with line:column where the YAML parser knows them.
//!
//! Each case runs the built binary in a fresh temporary folder, with a kill after a timeout
//! so a hang fails the test instead of stalling it. No case needs a server: the corpus and
//! the keys are checked before anything is sent (the issuer given is a closed port).
#[path = "common/process.rs"]
mod process;

use process::Out as Output;
use rstest::rstest;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// `run --target FILE` against a target that is never reached (the file must be refused first).
fn run_target(target: &Path) -> Output {
    run_bin(
        &[
            "run",
            "--target",
            target.to_str().unwrap(),
            "--timeout",
            "1",
        ],
        Duration::from_secs(30),
    )
}

/// Runs the CLI in a fresh folder; kills it (and fails) after `limit`.
fn run_bin(args: &[&str], limit: Duration) -> Output {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cmd = process::bin();
    cmd.args(args).current_dir(dir.path());
    process::output_blocking(cmd, limit, &format!("abca-conformance {args:?}"))
}

/// Exit 2, no panic, and every `needles` in stderr (case-insensitive).
fn assert_refused(out: &Output, needles: &[&str]) {
    assert!(
        !out.stderr.contains("panicked"),
        "panic on bad input:\n{}",
        out.stderr
    );
    assert_eq!(
        out.code,
        Some(2),
        "expected exit 2; stdout:\n{}\nstderr:\n{}",
        out.stdout,
        out.stderr
    );
    let lower = out.stderr.to_lowercase();
    for n in needles {
        assert!(
            lower.contains(&n.to_lowercase()),
            "stderr lacks {n:?}:\n{}",
            out.stderr
        );
    }
}

/// A valid scenario; the cases break it one way each.
const VALID: &str = "\
id: NAME
title: \"a valid request\"
requirements: [AUTH-VALID-ACCEPTED]
modes: [attestation_pop_jwt]
endpoints: [token]
role: control
expect: accept
";

fn write(dir: &Path, rel: &str, text: &str) -> PathBuf {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, text).unwrap();
    p
}

/// A target that does not exist: nothing may be sent before the input is checked.
const NOWHERE: &str = "http://127.0.0.1:9";

fn run_suites(dir: &Path) -> Output {
    run_bin(
        &[
            "run",
            "--suites",
            dir.to_str().unwrap(),
            "--issuer",
            NOWHERE,
            "--client-id",
            "c",
            "--attester-key",
            "/nonexistent/key.jwk",
            "--timeout",
            "1",
        ],
        Duration::from_secs(30),
    )
}

/// The billion-laughs document: nine levels of nine aliases (9^9 nodes once expanded),
/// inside a field that takes any JSON value so only the alias budget can stop it.
fn alias_bomb() -> String {
    let mut s = VALID.replace("NAME", "bomb").replace(
        "role: control\nexpect: accept\n",
        "expect: reject\nmutations:\n  - set_claim:\n      token: pop\n      name: x\n      value:\n",
    );
    s.push_str("        a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    let names = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'];
    for w in names.windows(2) {
        let (prev, cur) = (w[0], w[1]);
        let refs = vec![format!("*{prev}"); 9].join(", ");
        s.push_str(&format!("        {cur}: &{cur} [{refs}]\n"));
    }
    s
}

#[rstest]
// Line 2 opens a quoted string that never closes.
#[case::yaml_syntax("syntax.yaml", VALID.replace("NAME", "syntax").replace("title: \"a valid request\"", "title: \"unterminated"), &["syntax.yaml:2:8", "unclosed quote", "problem(s) in the scenarios"], true)]
#[case::yaml_indentation("indent.yaml", VALID.replace("NAME", "indent").replace("title: \"a valid request\"", "title: a valid request\n  stray: indent"), &["indent.yaml:3:8", "not allowed"], true)]
#[case::unknown_field("unknown-field.yaml", format!("{}colour: blue\n", VALID.replace("NAME", "unknown-field")), &["unknown-field.yaml:8:1", "colour"], true)]
#[case::duplicate_key("duplicate-key.yaml", format!("{}title: again\n", VALID.replace("NAME", "duplicate-key")), &["duplicate-key.yaml:8:", "duplicate"], true)]
#[case::unknown_mutation("unknown-mutation.yaml", VALID.replace("NAME", "unknown-mutation").replace("role: control\nexpect: accept\n", "expect: reject\nmutations:\n  - {frobnicate: {token: pop}}\n"), &["unknown-mutation.yaml:8:", "frobnicate"], true)]
#[case::unknown_requirement("unknown-req.yaml", VALID.replace("NAME", "unknown-req").replace("AUTH-VALID-ACCEPTED", "NO-SUCH-REQUIREMENT"), &["unknown-req.yaml", "unknown requirement id `NO-SUCH-REQUIREMENT`"], false)]
#[case::alias_bomb("bomb.yaml", alias_bomb(), &["bomb.yaml:", "budget"], true)]
#[case::wrong_type("wrong-type.yaml", VALID.replace("NAME", "wrong-type").replace("modes: [attestation_pop_jwt]", "modes: 7"), &["wrong-type.yaml:4:"], true)]
#[case::empty_file("empty.yaml", String::new(), &["empty.yaml"], false)]
#[case::not_utf8("latin1.yaml", "id: caf\u{e9}\n".to_string(), &["latin1.yaml"], false)]
fn broken_scenario_file(
    #[case] file: &str,
    #[case] text: String,
    #[case] needles: &[&str],
    #[case] has_location: bool,
) {
    let dir = tempfile::tempdir().unwrap();
    let path = if file == "latin1.yaml" {
        // Not UTF-8: the reader must say so, not panic.
        let p = dir.path().join(file);
        std::fs::write(&p, b"id: caf\xe9\n").unwrap();
        p
    } else {
        write(dir.path(), file, &text)
    };
    let out = run_suites(dir.path());
    assert_refused(&out, needles);
    // The message names the file by the path the user gave.
    assert!(
        out.stderr.contains(&path.display().to_string()),
        "stderr does not name {}:\n{}",
        path.display(),
        out.stderr
    );
    if has_location {
        // path:line:column: with numbers, the form editors jump to.
        let prefix = format!("{}:", path.display());
        let rest = &out.stderr[out.stderr.find(&prefix).unwrap() + prefix.len()..];
        let mut parts = rest.splitn(3, ':');
        let line = parts.next().unwrap_or("");
        let col = parts.next().unwrap_or("");
        assert!(
            line.parse::<u32>().is_ok() && col.parse::<u32>().is_ok(),
            "no line:column after {prefix}:\n{}",
            out.stderr
        );
    }
}

#[test]
fn duplicate_scenario_id_in_two_folders() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a/dup.yaml", &VALID.replace("NAME", "dup"));
    write(dir.path(), "b/dup.yaml", &VALID.replace("NAME", "dup"));
    let out = run_suites(dir.path());
    assert_refused(
        &out,
        &["duplicate scenario id `dup`", "a/dup.yaml", "b/dup.yaml"],
    );
}

#[test]
fn every_broken_file_is_reported_at_once() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "one.yaml",
        &format!("{}x: 1\n", VALID.replace("NAME", "one")),
    );
    write(
        dir.path(),
        "two.yaml",
        &format!("{}y: 2\n", VALID.replace("NAME", "two")),
    );
    let out = run_suites(dir.path());
    assert_refused(&out, &["2 problem(s)", "one.yaml:8:1", "two.yaml:8:1"]);
}

#[test]
fn suites_folder_missing() {
    let out = run_suites(Path::new("/nonexistent/suites"));
    assert_refused(&out, &["--suites /nonexistent/suites", "not a folder"]);
}

fn vectors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../vectors/keys")
}

fn run_with_key(key: &Path) -> Output {
    run_bin(
        &[
            "run",
            "--issuer",
            NOWHERE,
            "--client-id",
            "c",
            "--attester-key",
            key.to_str().unwrap(),
            "--timeout",
            "1",
        ],
        Duration::from_secs(30),
    )
}

#[rstest]
#[case::wrong_curve_jwk("k1.jwk.json", Source::Vector("wrong-curve.secp256k1.jwk.json"), &["unsupported curve", "secp256k1", "P-256, P-384 or P-521"])]
#[case::wrong_curve_pem("k1.pem", Source::Vector("pem/wrong-curve.secp256k1.pkcs8.pem"), &["secp256k1"])]
#[case::wrong_curve_sec1("k1.sec1.pem", Source::Vector("pem/wrong-curve.secp256k1.sec1.pem"), &["secp256k1"])]
#[case::public_jwk("public.jwk.json", Source::PublicOf("attester.es256.jwk.json"), &["public key", "private key is needed"])]
#[case::public_pem("public.pem", Source::Vector("pem/attester.es256.public.pem"), &["public"])]
#[case::jwks_not_jwk("set.jwks.json", Source::Vector("attesters.jwks.json"), &["JWK Set"])]
#[case::garbage("garbage.bin", Source::Text("\u{1}\u{2}not a key at all"), &["neither JSON nor a PEM"])]
#[case::bad_json("bad.jwk.json", Source::Text("{\"kty\": \"EC\", \"crv\": "), &["does not parse"])]
#[case::empty("empty.jwk", Source::Text(""), &["empty"])]
#[case::missing_file("missing.jwk.json", Source::Missing, &["cannot read key file"])]
fn bad_attester_key(#[case] name: &str, #[case] source: Source, #[case] needles: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    match source {
        Source::Vector(v) => {
            std::fs::copy(vectors().join(v), &path).unwrap();
        }
        Source::PublicOf(v) => {
            let text = std::fs::read_to_string(vectors().join(v)).unwrap();
            let mut jwk: serde_json::Value = serde_json::from_str(&text).unwrap();
            jwk.as_object_mut().unwrap().remove("d");
            std::fs::write(&path, jwk.to_string()).unwrap();
        }
        Source::Text(t) => std::fs::write(&path, t).unwrap(),
        Source::Missing => {}
    }
    let out = run_with_key(&path);
    assert_refused(&out, needles);
    assert!(
        out.stderr.contains(&path.display().to_string()),
        "the message does not name the key file {}:\n{}",
        path.display(),
        out.stderr
    );
}

#[derive(Debug)]
enum Source {
    Vector(&'static str),
    PublicOf(&'static str),
    Text(&'static str),
    Missing,
}

/// A JWK whose private member is malformed must be refused without echoing the secret.
#[test]
fn malformed_private_key_is_not_echoed() {
    let dir = tempfile::tempdir().unwrap();
    let secret = "SECRETSECRETSECRETSECRET-not-base64url!!";
    let text = std::fs::read_to_string(vectors().join("attester.es256.jwk.json")).unwrap();
    let mut jwk: serde_json::Value = serde_json::from_str(&text).unwrap();
    jwk["d"] = secret.into();
    let path = dir.path().join("bad-d.jwk.json");
    std::fs::write(&path, jwk.to_string()).unwrap();
    let out = run_with_key(&path);
    assert_refused(&out, &[]);
    assert!(!out.stderr.contains("SECRETSECRET"), "{}", out.stderr);
    assert!(!out.stdout.contains("SECRETSECRET"), "{}", out.stdout);
}

/// A target file whose MAC key is not a key: exit 2, naming the file.
#[test]
fn bad_mac_key_in_target_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        vectors().join("attester.es256.jwk.json"),
        dir.path().join("attester.jwk.json"),
    )
    .unwrap();
    std::fs::write(dir.path().join("mac.jwk.json"), "{\"kty\": \"EC\"}").unwrap();
    let target = write(
        dir.path(),
        "target.yaml",
        &format!(
            "issuer: {NOWHERE}\nclient_id: c\nattester_key: attester.jwk.json\nattestation_mac_key: mac.jwk.json\n"
        ),
    );
    let out = run_target(&target);
    assert_refused(&out, &["mac.jwk.json", "oct"]);
}

/// A target file with a typo: exit 2 with file:line:column.
#[test]
fn bad_target_file() {
    let dir = tempfile::tempdir().unwrap();
    let target = write(
        dir.path(),
        "target.yaml",
        &format!("issuer: {NOWHERE}\nclient_id: c\nattester_kee: k.jwk\n"),
    );
    let out = run_target(&target);
    assert_refused(
        &out,
        &[&format!("{}:3:1", target.display()), "attester_kee"],
    );
}

#[rstest]
#[case::zero_timeout(&["--timeout", "0"], "--timeout")]
#[case::zero_rate(&["--rate", "0"], "--rate")]
#[case::negative_deadline(&["--deadline=-1"], "--deadline")]
#[case::ca_cert_missing(&["--ca-cert", "/nonexistent/ca.pem"], "--ca-cert")]
#[case::ca_cert_not_pem(&["--ca-cert", "/dev/null"], "--ca-cert")]
fn bad_flags(#[case] flags: &[&str], #[case] needle: &str) {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("k.jwk.json");
    std::fs::copy(vectors().join("attester.es256.jwk.json"), &key).unwrap();
    let mut args = vec![
        "run",
        "--issuer",
        NOWHERE,
        "--client-id",
        "c",
        "--attester-key",
        key.to_str().unwrap(),
    ];
    args.extend_from_slice(flags);
    let out = run_bin(&args, Duration::from_secs(30));
    assert_refused(&out, &[needle]);
}
