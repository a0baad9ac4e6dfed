//! The oracle's rule table: one row per rule (rstest), and the combination properties.
use super::*;
use crate::revision::Revision;
use crate::scenario::JwsAlg as J;
use crate::scenario::{
    ChallengeUse, CnfChange, DuplicateCopy, DuplicateStyle, FieldRef, SignatureDamage,
};
use crate::scenario::{Endpoint, KeyRef, Level, Mode, Mutation, TokenKind};
use proptest::prelude::*;
use rstest::rstest;
use serde_json::json;
use serde_json::Value;
use TokenKind::{Attestation as A, Dpop as D, Pop as P};

const N: Mode = Mode::AttestationPopJwt;
const C: Mode = Mode::DpopCombined;

fn claim(t: TokenKind, n: &str, v: Value) -> Mutation {
    Mutation::SetClaim {
        token: t,
        name: n.into(),
        value: v,
    }
}
fn rm_claim(t: TokenKind, n: &str) -> Mutation {
    Mutation::RemoveClaim {
        token: t,
        name: n.into(),
    }
}
fn hdr(t: TokenKind, n: &str, v: Value) -> Mutation {
    Mutation::SetJoseHeader {
        token: t,
        name: n.into(),
        value: v,
    }
}
fn rm_hdr(t: TokenKind, n: &str) -> Mutation {
    Mutation::RemoveJoseHeader {
        token: t,
        name: n.into(),
    }
}
fn time(t: TokenKind, n: &str, offset: i64) -> Mutation {
    Mutation::TimeClaim {
        token: t,
        name: n.into(),
        offset,
    }
}
fn sign(t: TokenKind, key: KeyRef) -> Mutation {
    Mutation::SignWith { token: t, key }
}
fn damage(t: TokenKind) -> Mutation {
    Mutation::DamageSignature {
        token: t,
        damage: SignatureDamage::FlipBit,
    }
}
fn dup(t: TokenKind) -> Mutation {
    Mutation::DuplicateHeader {
        field: t,
        style: DuplicateStyle::Comma,
        copy: DuplicateCopy::Fresh,
    }
}
fn raw(t: TokenKind, v: &str) -> Mutation {
    Mutation::SetHeader {
        field: FieldRef::Token(t),
        value: v.into(),
    }
}
fn form(n: &str, v: Option<&str>) -> Mutation {
    Mutation::Form {
        name: n.into(),
        value: v.map(String::from),
    }
}
fn repeat(n: &str) -> Mutation {
    Mutation::RepeatForm {
        name: n.into(),
        value: "${client_id}".into(),
    }
}
fn add(t: TokenKind, inner: Vec<Mutation>) -> Mutation {
    Mutation::AddToken {
        token: t,
        mutations: inner,
    }
}

/// What a row expects: the outcome, and a rule id that must be cited (or a Skip).
#[derive(Debug)]
enum Want {
    Accept(&'static str),
    Reject(&'static str),
    RejectWith(&'static str, &'static [&'static str]),
    Warn(&'static str),
    Skip,
}

fn check(mode: Mode, ms: Vec<Mutation>, caps: Capabilities, want: Want) {
    let got = expect(mode, Endpoint::Token, &ms, &caps);
    let cites = |id: &str| got.rules().iter().any(|r| r.id == id);
    let ok = match (&want, &got) {
        (Want::Accept(id), Expected::Accept { .. }) => cites(id),
        (Want::Reject(id), Expected::Reject { level, .. }) => *level == Level::MUST && cites(id),
        (Want::RejectWith(id, errs), Expected::Reject { errors, level, .. }) => {
            let (mut a, mut b) = (errors.clone(), errs.to_vec());
            a.sort();
            b.sort();
            *level == Level::MUST && cites(id) && a == b
        }
        (Want::Warn(id), Expected::Reject { level, .. }) => *level == Level::SHOULD && cites(id),
        (Want::Skip, Expected::Skip { .. }) => true,
        _ => false,
    };
    assert!(ok, "{mode:?} {ms:?}: want {want:?}, got {got:?}");
}

fn caps() -> Capabilities {
    Capabilities::default()
}
fn no_challenges() -> Capabilities {
    Capabilities {
        challenge_endpoint: false,
        ..caps()
    }
}
fn required() -> Capabilities {
    Capabilities {
        challenge_required: true,
        ..caps()
    }
}
fn nonce_required() -> Capabilities {
    Capabilities {
        dpop_nonce_required: true,
        challenge_endpoint: false,
        ..caps()
    }
}
/// `c`, judged by revision `r`.
fn rev(r: Revision, c: Capabilities) -> Capabilities {
    Capabilities { revision: r, ..c }
}
fn use_alg(t: TokenKind, alg: crate::scenario::JwsAlg) -> Mutation {
    Mutation::UseAlg { token: t, alg }
}
/// A server that takes only ES384 (the run's instance key is then an ES384 key), trusting an
/// ES384 and an EdDSA attester key.
fn es384_only() -> Capabilities {
    let list = Some(vec!["ES384".to_string()]);
    Capabilities {
        attester_alg: "ES384".into(),
        instance_alg: "ES384".into(),
        attester_algs: vec!["ES384".into(), "EdDSA".into()],
        attestation_algs: list.clone(),
        pop_algs: list.clone(),
        dpop_algs: list,
        ..caps()
    }
}
fn normal_only() -> Capabilities {
    Capabilities {
        advertised: [N].into(),
        ..caps()
    }
}

// One row per rule (draft-10 section in the rule's id), then the open points.
#[rstest]
// Harmless changes: accept.
#[case::valid(N, vec![], caps(), Want::Accept("AUTH-VALID-ACCEPTED"))]
#[case::valid_combined(C, vec![], caps(), Want::Accept("AUTH-VALID-ACCEPTED"))]
#[case::att_unknown_claim(N, vec![claim(A, "x_a", json!({"k": [1]}))], caps(), Want::Accept("ATT-UNKNOWN-CLAIMS-IGNORED"))]
#[case::pop_unknown_claim(N, vec![claim(P, "x_b", json!(null))], caps(), Want::Accept("POP-UNKNOWN-CLAIMS-IGNORED"))]
#[case::pop_nonce_is_unknown(N, vec![claim(P, "nonce", json!("n"))], caps(), Want::Accept("POP-UNKNOWN-CLAIMS-IGNORED"))]
#[case::dpop_unknown_claim(C, vec![claim(D, "x_c", json!(1.5))], caps(), Want::Accept("JWT-UNKNOWN-CLAIMS-IGNORED"))]
#[case::unknown_jose_header(N, vec![hdr(P, "x_h", json!(true))], caps(), Want::Accept("JOSE-UNKNOWN-HEADER-IGNORED"))]
#[case::cnf_members_combined(C, vec![Mutation::Cnf(CnfChange::AddMembers([("use".to_string(), json!("sig")), ("kid".to_string(), json!("k"))].into_iter().collect()))], caps(), Want::Accept("COMB-KEY-MATCH"))]
#[case::cnf_order(N, vec![Mutation::Cnf(CnfChange::ReverseOrder)], caps(), Want::Accept("ATT-CNF-JWK"))]
#[case::unknown_field(N, vec![raw_named("X-Fuzz-a", "1")], caps(), Want::Accept("HTTP-UNKNOWN-FIELD-IGNORED"))]
#[case::unknown_param(N, vec![form("x_p", Some("1"))], caps(), Want::Accept("FORM-UNKNOWN-PARAM-IGNORED"))]
#[case::no_client_id(N, vec![form("client_id", None)], caps(), Want::Accept("ATT-CLIENT-ID-MATCH"))]
#[case::empty_client_id(N, vec![form("client_id", Some(""))], caps(), Want::Accept("FORM-EMPTY-PARAM-OMITTED"))]
#[case::repeat_after_remove(N, vec![form("client_id", None), repeat("client_id")], caps(), Want::Accept("AUTH-VALID-ACCEPTED"))]
#[case::remove_after_repeat(N, vec![repeat("client_id"), form("client_id", None)], caps(), Want::Accept("ATT-CLIENT-ID-MATCH"))]
#[case::independent_dpop_other_key(N, vec![add(D, vec![sign(D, KeyRef::Other)])], caps(), Want::Accept("DISP-INDEPENDENT-DPOP-KEY"))]
#[case::other_instance_key(N, vec![Mutation::Cnf(CnfChange::OtherKey), sign(P, KeyRef::Other)], caps(), Want::Accept("AUTH-VALID-ACCEPTED"))]
#[case::pop_next_to_combined(C, vec![add(P, vec![])], caps(), Want::Accept("DISP-POP-PRESENT"))]
#[case::no_iat_no_policy(N, vec![rm_claim(A, "iat")], Capabilities { attestation_max_age: None, ..caps() }, Want::Accept("ATT-IAT-OPTIONAL"))]
#[case::exp_far(N, vec![claim(A, "exp", json!(5_000_000_000i64))], caps(), Want::Accept("AUTH-VALID-ACCEPTED"))]
#[case::fixed_later(N, vec![claim(P, "aud", json!("x")), claim(P, "aud", json!("${issuer}"))], caps(), Want::Accept("AUTH-VALID-ACCEPTED"))]
// Client Attestation JWT.
#[case::att_missing(N, vec![Mutation::RemoveHeader(FieldRef::Token(A))], caps(), Want::Reject("AUTH-CLIENT-REQUIRED"))]
#[case::att_twice(N, vec![dup(A)], caps(), Want::Reject("ATT-SINGLE-FIELD"))]
#[case::att_quoted(N, vec![raw(A, "\"abc.def.ghi\"")], caps(), Want::Reject("ATT-TOKEN68"))]
#[case::att_garbage(N, vec![raw(A, "abc.def.ghi")], caps(), Want::Reject("ATT-JWT-VALID"))]
#[case::att_typ(N, vec![hdr(A, "typ", json!("JWT"))], caps(), Want::Reject("ATT-TYP"))]
#[case::att_typ_missing(C, vec![rm_hdr(A, "typ")], caps(), Want::Reject("ATT-TYP"))]
#[case::att_alg_missing(N, vec![rm_hdr(A, "alg")], caps(), Want::Reject("ATT-ALG-PRESENT"))]
#[case::att_alg_none(N, vec![sign(A, KeyRef::None)], caps(), Want::Reject("ATT-ALG-NOT-NONE"))]
#[case::att_alg_other(N, vec![hdr(A, "alg", json!("RS256"))], caps(), Want::Reject("ATT-ALG-SUPPORTED"))]
#[case::att_self_signed(N, vec![sign(A, KeyRef::Instance)], caps(), Want::Reject("ATT-TRUSTED-SIGNER"))]
#[case::att_damaged(C, vec![damage(A)], caps(), Want::Reject("ATT-SIGNATURE"))]
#[case::att_no_sub(N, vec![rm_claim(A, "sub")], caps(), Want::Reject("ATT-SUB-REQUIRED"))]
#[case::att_sub_number(N, vec![claim(A, "sub", json!(7))], caps(), Want::Reject("ATT-JWT-VALID"))]
#[case::att_no_exp(N, vec![rm_claim(A, "exp")], caps(), Want::Reject("ATT-EXP-REQUIRED"))]
#[case::att_expired(N, vec![time(A, "exp", -3600)], caps(), Want::Reject("ATT-EXP-CHECK"))]
#[case::att_exp_string(N, vec![claim(A, "exp", json!("1"))], caps(), Want::Reject("ATT-JWT-VALID"))]
#[case::att_nbf_future(N, vec![time(A, "nbf", 7200)], caps(), Want::Warn("ATT-NBF-PRESENT"))]
#[case::pop_nbf_future(N, vec![time(P, "nbf", 7200)], caps(), Want::Warn("POP-NBF-PRESENT"))]
#[case::att_crit(N, vec![hdr(A, "crit", json!(["x"]))], caps(), Want::Reject("ATT-JWT-VALID"))]
#[case::att_no_cnf(N, vec![rm_claim(A, "cnf")], caps(), Want::Reject("ATT-CNF-REQUIRED"))]
#[case::att_cnf_no_jwk(N, vec![Mutation::Cnf(CnfChange::RemoveJwk)], caps(), Want::Reject("ATT-CNF-JWK"))]
#[case::att_cnf_private(C, vec![Mutation::Cnf(CnfChange::IncludePrivate)], caps(), Want::Reject("ATT-CNF-NOT-PRIVATE"))]
#[case::att_cnf_symmetric(N, vec![Mutation::Cnf(CnfChange::Symmetric)], caps(), Want::Reject("ATT-CNF-NOT-PRIVATE"))]
#[case::att_stale(N, vec![time(A, "iat", -200_000)], caps(), Want::RejectWith("ERR-USE-FRESH-ATTESTATION", &["use_fresh_attestation"]))]
#[case::client_id_mismatch(N, vec![form("client_id", Some("other"))], caps(), Want::Reject("ATT-CLIENT-ID-MATCH"))]
#[case::client_id_repeated(N, vec![repeat("client_id")], caps(), Want::Warn("FORM-REPEATED-PARAM-REFUSED"))]
// Client Attestation PoP JWT.
#[case::pop_twice(N, vec![dup(P)], caps(), Want::Reject("POP-SINGLE-FIELD"))]
#[case::pop_non_ascii(N, vec![raw(P, "é€")], caps(), Want::Reject("POP-TOKEN68"))]
#[case::pop_typ(N, vec![hdr(P, "typ", json!("dpop+jwt"))], caps(), Want::Reject("POP-TYP"))]
#[case::pop_alg_missing(N, vec![rm_hdr(P, "alg")], caps(), Want::Reject("POP-ALG-PRESENT"))]
#[case::pop_alg_none(N, vec![sign(P, KeyRef::None)], caps(), Want::Reject("POP-ALG-NOT-NONE"))]
#[case::pop_hmac(N, vec![sign(P, KeyRef::HmacInstance)], caps(), Want::Reject("POP-ASYMMETRIC"))]
#[case::pop_damaged(N, vec![damage(P)], caps(), Want::Reject("POP-SIGNATURE"))]
#[case::pop_other_key(N, vec![sign(P, KeyRef::Other)], caps(), Want::Reject("POP-KEY-FROM-CNF"))]
#[case::pop_own_jwk(N, vec![hdr(P, "jwk", json!("${other_jwk}")), sign(P, KeyRef::Other)], caps(), Want::Reject("POP-KEY-FROM-CNF"))]
#[case::cnf_other_key(N, vec![Mutation::Cnf(CnfChange::OtherKey)], caps(), Want::Reject("POP-KEY-FROM-CNF"))]
#[case::pop_no_aud(N, vec![rm_claim(P, "aud")], caps(), Want::Reject("POP-AUD-REQUIRED"))]
#[case::pop_aud_token_endpoint(N, vec![claim(P, "aud", json!("${token_endpoint}"))], caps(), Want::Reject("POP-AUD-ISSUER"))]
#[case::pop_aud_two(N, vec![claim(P, "aud", json!(["${issuer}", "https://x"]))], caps(), Want::Reject("POP-AUD-ISSUER"))]
#[case::pop_no_jti(N, vec![rm_claim(P, "jti")], caps(), Want::Reject("POP-JTI-REQUIRED"))]
#[case::pop_jti_number(N, vec![claim(P, "jti", json!(5))], caps(), Want::Reject("POP-JWT-VALID"))]
#[case::pop_no_iat(N, vec![rm_claim(P, "iat")], caps(), Want::Reject("POP-IAT-REQUIRED"))]
#[case::pop_iat_stale(N, vec![time(P, "iat", -86_400)], caps(), Want::Reject("POP-IAT-WINDOW"))]
#[case::pop_iat_future(N, vec![time(P, "iat", 3_600)], caps(), Want::Reject("POP-IAT-WINDOW"))]
#[case::pop_exp_past(N, vec![time(P, "exp", -3_600)], caps(), Want::Warn("POP-EXP"))]
#[case::pop_exp_past_and_typ(N, vec![time(P, "exp", -3_600), hdr(P, "typ", json!("x"))], caps(), Want::Reject("POP-TYP"))]
#[case::dpop_exp_past(C, vec![time(D, "exp", -3_600)], caps(), Want::Warn("DPOP-EXP"))]
#[case::dpop_nbf_future(C, vec![time(D, "nbf", 3_600)], caps(), Want::Warn("DPOP-NBF"))]
#[case::independent_dpop_exp_past(N, vec![add(D, vec![time(D, "exp", -3_600)])], caps(), Want::Warn("DPOP-EXP"))]
#[case::independent_dpop_nbf_future(N, vec![add(D, vec![time(D, "nbf", 3_600)])], caps(), Want::Warn("DPOP-NBF"))]
#[case::att_iat_day_ahead(N, vec![time(A, "iat", 86_400)], caps(), Want::Warn("ATT-IAT-FUTURE"))]
#[case::pop_challenge_wrong(N, vec![Mutation::Challenge(ChallengeUse::Wrong)], caps(), Want::RejectWith("POP-CHALLENGE-MATCH", &["use_attestation_challenge"]))]
#[case::pop_challenge_required(N, vec![Mutation::Challenge(ChallengeUse::Missing)], required(), Want::RejectWith("ERR-USE-ATTESTATION-CHALLENGE", &["use_attestation_challenge"]))]
#[case::pop_challenge_in_nonce(N, vec![Mutation::Challenge(ChallengeUse::WrongClaim)], required(), Want::Reject("POP-CHALLENGE-MATCH"))]
// Dispatch.
#[case::no_proof(N, vec![Mutation::RemoveHeader(FieldRef::Token(P))], caps(), Want::Reject("DISP-PROOF-REQUIRED"))]
#[case::bad_pop_next_to_dpop(C, vec![add(P, vec![sign(P, KeyRef::Other)])], caps(), Want::Reject("POP-KEY-FROM-CNF"))]
#[case::bad_independent_dpop(N, vec![add(D, vec![damage(D)])], caps(), Want::Reject("DISP-POP-PRESENT"))]
#[case::unadvertised(C, vec![], normal_only(), Want::Warn("DISP-METHOD-ENFORCED"))]
#[case::pop_switches_to_unadvertised(C, vec![add(P, vec![])], Capabilities { advertised: [C].into(), ..caps() }, Want::Warn("DISP-METHOD-ENFORCED"))]
// Combined mode and RFC 9449.
#[case::dpop_twice(C, vec![dup(D)], caps(), Want::Reject("COMB-SINGLE-DPOP"))]
#[case::dpop_garbage(C, vec![raw(D, "a.b")], caps(), Want::Reject("DPOP-WELL-FORMED"))]
#[case::comb_key(C, vec![Mutation::Cnf(CnfChange::OtherKey)], caps(), Want::Reject("COMB-KEY-MATCH"))]
#[case::comb_signed_other(C, vec![sign(D, KeyRef::Other)], caps(), Want::Reject("COMB-KEY-MATCH"))]
#[case::dpop_typ(C, vec![hdr(D, "typ", json!("JWT"))], caps(), Want::Reject("DPOP-TYP"))]
#[case::dpop_none(C, vec![sign(D, KeyRef::None)], caps(), Want::Reject("DPOP-ALG"))]
#[case::dpop_jwk_not_signer(C, vec![hdr(D, "jwk", json!("${other_jwk}"))], caps(), Want::Reject("DPOP-SIGNATURE"))]
#[case::dpop_jwk_private(C, vec![hdr(D, "jwk", json!("${instance_jwk_private}"))], caps(), Want::Reject("DPOP-JWK-PUBLIC"))]
#[case::dpop_no_jwk(C, vec![rm_hdr(D, "jwk")], caps(), Want::Reject("DPOP-REQUIRED-CLAIMS"))]
#[case::dpop_htm(C, vec![claim(D, "htm", json!("GET"))], caps(), Want::Reject("DPOP-HTM"))]
#[case::dpop_htu(C, vec![claim(D, "htu", json!("${issuer}"))], caps(), Want::Reject("DPOP-HTU"))]
#[case::dpop_no_jti(C, vec![rm_claim(D, "jti")], caps(), Want::Reject("DPOP-REQUIRED-CLAIMS"))]
#[case::dpop_iat(C, vec![time(D, "iat", 7_200)], caps(), Want::Reject("DPOP-IAT-WINDOW"))]
// -10 §7.3 item 5: the challenge rides in the nonce; either retry signal (suite stance).
#[case::comb_challenge_wrong(C, vec![Mutation::Challenge(ChallengeUse::Wrong)], rev(Revision::D10, caps()), Want::RejectWith("COMB-CHALLENGE-NONCE", &["use_attestation_challenge", "use_dpop_nonce"]))]
#[case::comb_nonce_required(C, vec![Mutation::Challenge(ChallengeUse::Missing)], rev(Revision::D10, nonce_required()), Want::RejectWith("DPOP-NONCE", &["use_attestation_challenge", "use_dpop_nonce"]))]
// -11 §5.2, §7.3 item 3, §7.4: DPoP nonces only, use_dpop_nonce.
#[case::comb_nonce_required_11(C, vec![Mutation::Challenge(ChallengeUse::Missing)], nonce_required(), Want::RejectWith("ERR-USE-DPOP-NONCE-COMBINED", &["use_dpop_nonce"]))]
#[case::comb_nonce_wrong_12(C, vec![Mutation::Challenge(ChallengeUse::Wrong)], rev(Revision::D12, nonce_required()), Want::RejectWith("COMB-DPOP-NONCE-FRESHNESS", &["use_dpop_nonce"]))]
#[case::comb_nonce_missing_challenge_server_11(C, vec![Mutation::Challenge(ChallengeUse::Missing)], required(), Want::Skip)]
#[case::comb_nonce_wrong_challenge_server_11(C, vec![Mutation::Challenge(ChallengeUse::Wrong)], caps(), Want::Skip)]
#[case::independent_nonce(N, vec![add(D, vec![rm_claim(D, "nonce")])], nonce_required(), Want::RejectWith("DPOP-NONCE", &["use_dpop_nonce"]))]
// Rules of one revision: -07 iss and nbf, no combined mode; -12 attestation iat and SF tokens.
#[case::valid_07(N, vec![], rev(Revision::D07, caps()), Want::Accept("AUTH-VALID-ACCEPTED"))]
#[case::att_no_iss_07(N, vec![rm_claim(A, "iss")], rev(Revision::D07, caps()), Want::Reject("ATT-ISS-REQUIRED"))]
#[case::att_iss_number_07(N, vec![claim(A, "iss", json!(1))], rev(Revision::D07, caps()), Want::Reject("ATT-JWT-VALID"))]
#[case::att_iss_other_07(N, vec![claim(A, "iss", json!("https://other"))], rev(Revision::D07, caps()), Want::Skip)]
#[case::pop_no_iss_07(N, vec![rm_claim(P, "iss")], rev(Revision::D07, caps()), Want::Reject("POP-ISS-REQUIRED"))]
#[case::pop_iss_other_07(N, vec![claim(P, "iss", json!("other"))], rev(Revision::D07, caps()), Want::Reject("POP-ISS-SUB-MATCH"))]
#[case::att_nbf_future_07(N, vec![time(A, "nbf", 7200)], rev(Revision::D07, caps()), Want::Reject("ATT-NBF"))]
#[case::pop_nbf_future_07(N, vec![time(P, "nbf", 7200)], rev(Revision::D07, caps()), Want::Reject("POP-NBF"))]
#[case::dpop_without_pop_07(N, vec![Mutation::RemoveHeader(FieldRef::Token(P)), add(D, vec![])], rev(Revision::D07, no_challenges()), Want::Reject("DISP-NO-COMBINED-07"))]
#[case::dpop_without_pop_10(N, vec![Mutation::RemoveHeader(FieldRef::Token(P)), add(D, vec![])], rev(Revision::D10, no_challenges()), Want::Accept("DISP-POP-PRESENT"))]
#[case::independent_dpop_07(N, vec![add(D, vec![damage(D)])], rev(Revision::D07, caps()), Want::Skip)]
#[case::no_iat_12(N, vec![rm_claim(A, "iat")], rev(Revision::D12, Capabilities { attestation_max_age: None, ..caps() }), Want::Reject("ATT-IAT-REQUIRED"))]
#[case::att_quoted_12(N, vec![raw(A, "\"abc.def.ghi\"")], rev(Revision::D12, caps()), Want::Reject("ATT-SF-TOKEN"))]
#[case::pop_non_ascii_12(N, vec![raw(P, "é€")], rev(Revision::D12, caps()), Want::Reject("POP-SF-TOKEN"))]
// Every advertised algorithm (use_alg): listed → honoured; unlisted, unpublished or unsignable → open.
#[case::use_alg_pop_listed(N, vec![use_alg(P, J::PS256)], caps(), Want::Accept("META-ALG-HONOURED"))]
#[case::use_alg_dpop_listed(C, vec![use_alg(D, J::EdDSA)], caps(), Want::Accept("META-ALG-HONOURED"))]
#[case::use_alg_pop_with_harmless(N, vec![claim(P, "x_b", json!(1)), use_alg(P, J::RS256), time(A, "exp", 7200)], caps(), Want::Accept("META-ALG-HONOURED"))]
#[case::use_alg_attestation_own_key(N, vec![use_alg(A, J::ES256)], caps(), Want::Accept("META-ALG-HONOURED"))]
#[case::use_alg_attestation_other_key(C, vec![use_alg(A, J::EdDSA)], es384_only(), Want::Skip)]
#[case::use_alg_attestation_listed_other_key(N, vec![use_alg(A, J::EdDSA)], Capabilities { attestation_algs: Some(vec!["ES384".into(), "EdDSA".into()]), ..es384_only() }, Want::Accept("META-ALG-HONOURED"))]
#[case::use_alg_attestation_unsignable(N, vec![use_alg(A, J::ES512)], caps(), Want::Skip)]
#[case::use_alg_pop_unlisted(N, vec![use_alg(P, J::ES384)], caps(), Want::Skip)]
#[case::use_alg_pop_no_list(N, vec![use_alg(P, J::PS256)], Capabilities { pop_algs: None, ..caps() }, Want::Skip)]
#[case::use_alg_pop_damaged(N, vec![use_alg(P, J::PS256), damage(P)], caps(), Want::Reject("POP-SIGNATURE"))]
#[case::use_alg_pop_misnamed(N, vec![use_alg(P, J::PS256), hdr(P, "alg", json!("RS256"))], caps(), Want::Reject("POP-SIGNATURE"))]
#[case::use_alg_attestation_misnamed(N, vec![use_alg(A, J::ES256), hdr(A, "alg", json!("ES384"))], caps(), Want::Reject("ATT-ALG-SUPPORTED"))]
#[case::use_alg_then_typ(C, vec![use_alg(D, J::ES256), hdr(D, "typ", json!("JWT"))], caps(), Want::Reject("DPOP-TYP"))]
#[case::use_alg_no_such_proof(C, vec![use_alg(P, J::ES256)], caps(), Want::Skip)]
#[case::use_alg_with_key_change(N, vec![use_alg(P, J::PS256), sign(P, KeyRef::Other)], caps(), Want::Skip)]
#[case::use_alg_with_cnf_change(N, vec![use_alg(P, J::PS256), Mutation::Cnf(CnfChange::ReverseOrder)], caps(), Want::Skip)]
// A server of one algorithm: the run's instance key is of it, and so is the valid request.
#[case::es384_valid(N, vec![], es384_only(), Want::Accept("AUTH-VALID-ACCEPTED"))]
#[case::es384_valid_combined(C, vec![], es384_only(), Want::Accept("AUTH-VALID-ACCEPTED"))]
#[case::es384_cnf_alg_member(C, vec![Mutation::Cnf(CnfChange::AddMembers([("alg".to_string(), json!("ES384"))].into_iter().collect()))], es384_only(), Want::Accept("COMB-KEY-MATCH"))]
#[case::es384_cnf_other_alg_member(C, vec![Mutation::Cnf(CnfChange::AddMembers([("alg".to_string(), json!("ES256"))].into_iter().collect()))], es384_only(), Want::Skip)]
#[case::es384_pop_misnamed_es256(N, vec![hdr(P, "alg", json!("ES256"))], es384_only(), Want::Reject("POP-SIGNATURE"))]
// Several broken rules: any code.
#[case::two_codes(N, vec![Mutation::Challenge(ChallengeUse::Wrong), time(A, "iat", -200_000)], caps(), Want::RejectWith("POP-CHALLENGE-MATCH", &["use_attestation_challenge", "use_fresh_attestation"]))]
#[case::coded_and_not(N, vec![Mutation::Challenge(ChallengeUse::Wrong), hdr(P, "typ", json!("x"))], caps(), Want::RejectWith("POP-TYP", &[]))]
#[case::open_lifts_the_code(N, vec![hdr(A, "kid", json!("x")), Mutation::Challenge(ChallengeUse::Wrong)], caps(), Want::RejectWith("POP-CHALLENGE-MATCH", &[]))]
#[case::break_beats_open(N, vec![claim(P, "aud", json!(["${issuer}"])), hdr(A, "typ", json!("x"))], caps(), Want::Reject("ATT-TYP"))]
// SHOULD: replay detection is a warning.
#[case::replay(N, vec![Mutation::Replay], caps(), Want::Warn("REPLAY-DETECT"))]
#[case::replay_jti_dpop(C, vec![Mutation::ReplayJti { token: D }], caps(), Want::Warn("DPOP-JTI-REPLAY"))]
#[case::replay_jti_independent_dpop(N, vec![add(D, vec![]), Mutation::ReplayJti { token: D }], caps(), Want::Warn("DPOP-INDEPENDENT-JTI-REPLAY"))]
#[case::reused_challenge(N, vec![Mutation::Challenge(ChallengeUse::Reused)], caps(), Want::Warn("REPLAY-CHALLENGE-SINGLE-USE"))]
// Found by the 100,000-case fuzz bench (seed 8, case 49,465): rsa_private signs the proof with
// an RSA key, which the later cnf (the instance key) no longer names.
#[case::rsa_private_then_cnf_instance(C, vec![Mutation::Cnf(CnfChange::IncludePrivate), Mutation::Cnf(CnfChange::RsaPrivate), claim(A, "cnf", json!({"jwk": "${instance_jwk}"}))], caps(), Want::Skip)]
#[case::rsa_private_alone(C, vec![Mutation::Cnf(CnfChange::RsaPrivate)], caps(), Want::Reject("ATT-CNF-NOT-PRIVATE"))]
#[case::reused_and_broken(N, vec![Mutation::Challenge(ChallengeUse::Reused), hdr(P, "typ", json!("x"))], caps(), Want::Reject("POP-TYP"))]
#[case::replay_of_a_broken_request(N, vec![Mutation::Replay, hdr(P, "typ", json!("x"))], caps(), Want::Skip)]
// Points the draft leaves open (or the harness cannot build): not judged.
#[case::aud_one_element_array(N, vec![claim(P, "aud", json!(["${issuer}"]))], caps(), Want::Skip)]
#[case::htu_query(C, vec![claim(D, "htu", json!("${endpoint_url}?x=1"))], caps(), Want::Skip)]
#[case::typ_case(N, vec![hdr(A, "typ", json!("OAUTH-CLIENT-ATTESTATION+JWT"))], caps(), Want::Skip)]
#[case::typ_prefix(N, vec![hdr(P, "typ", json!("application/oauth-client-attestation-pop+jwt"))], caps(), Want::Skip)]
#[case::jti_literal(N, vec![claim(P, "jti", json!("abc"))], caps(), Want::Skip)]
#[case::challenge_optional_missing(N, vec![Mutation::Challenge(ChallengeUse::Missing)], caps(), Want::Skip)]
#[case::challenge_never_offered(N, vec![Mutation::Challenge(ChallengeUse::Wrong)], no_challenges(), Want::Skip)]
#[case::exp_within_skew(N, vec![time(A, "exp", -100)], caps(), Want::Skip)]
#[case::att_iat_future(N, vec![time(A, "iat", 600)], caps(), Want::Skip)]
#[case::pop_iat_stale_but_challenges(N, vec![time(P, "iat", -86_400)], required(), Want::Skip)]
#[case::att_aud(N, vec![claim(A, "aud", json!("x"))], caps(), Want::Skip)]
#[case::att_kid(N, vec![hdr(A, "kid", json!("x"))], caps(), Want::Skip)]
#[case::odd_cnf_member(C, vec![Mutation::Cnf(CnfChange::AddMembers([("use".to_string(), json!("enc"))].into_iter().collect()))], caps(), Want::Skip)]
#[case::other_method(N, vec![Mutation::HttpMethod("GET".into())], caps(), Want::Skip)]
#[case::unbuildable_wrong_claim(N, vec![Mutation::Challenge(ChallengeUse::WrongClaim)], no_challenges(), Want::Skip)]
#[case::unbuildable_cnf(N, vec![Mutation::Cnf(CnfChange::RemoveJwk), Mutation::Cnf(CnfChange::ReverseOrder)], caps(), Want::Skip)]
#[case::unbuildable_no_token(C, vec![claim(P, "aud", json!("x"))], caps(), Want::Skip)]
#[case::no_iat_with_policy(N, vec![rm_claim(A, "iat")], caps(), Want::Skip)]
fn rules(
    #[case] mode: Mode,
    #[case] ms: Vec<Mutation>,
    #[case] caps: Capabilities,
    #[case] want: Want,
) {
    check(mode, ms, caps, want);
}

fn raw_named(n: &str, v: &str) -> Mutation {
    Mutation::SetHeader {
        field: FieldRef::Name(n.into()),
        value: v.into(),
    }
}

#[test]
fn par_without_client_id_is_open() {
    let got = expect(N, Endpoint::Par, &[form("client_id", None)], &caps());
    assert!(matches!(got, Expected::Skip { .. }), "{got:?}");
}

/// Changes that keep a normal-mode request valid, whatever else is changed.
fn harmless() -> Vec<Mutation> {
    vec![
        claim(A, "x_a", json!(1)),
        claim(P, "x_b", json!("é")),
        raw_named("X-Fuzz-z", "1"),
        form("x_p", Some("v")),
        Mutation::Cnf(CnfChange::AddMembers(
            [("key_ops".to_string(), json!(["verify"]))]
                .into_iter()
                .collect(),
        )),
        Mutation::Cnf(CnfChange::ReverseOrder),
        hdr(P, "x_h", json!([])),
        add(D, vec![sign(D, KeyRef::Other)]),
    ]
}

/// MUST-breaking changes that no harmless change above repairs, with a rule they cite.
fn breakers() -> Vec<(Mutation, &'static str)> {
    vec![
        (hdr(A, "typ", json!("JWT")), "ATT-TYP"),
        (claim(P, "aud", json!("https://x")), "POP-AUD-ISSUER"),
        (sign(P, KeyRef::None), "POP-ALG-NOT-NONE"),
        (damage(A), "ATT-SIGNATURE"),
        (rm_claim(P, "jti"), "POP-JTI-REQUIRED"),
        (dup(A), "ATT-SINGLE-FIELD"),
        (form("client_id", Some("x")), "ATT-CLIENT-ID-MATCH"),
        (
            Mutation::Cnf(CnfChange::IncludePrivate),
            "ATT-CNF-NOT-PRIVATE",
        ),
        (time(A, "exp", -5_000), "ATT-EXP-CHECK"),
        (
            Mutation::Challenge(ChallengeUse::Wrong),
            "POP-CHALLENGE-MATCH",
        ),
    ]
}

proptest! {
    /// Any single MUST-breaking mutation makes the whole request Reject, in any order
    /// with harmless ones.
    #[test]
    fn one_break_rejects_whatever_else(
        b in 0usize..10,
        picks in proptest::sample::subsequence((0..8).collect::<Vec<_>>(), 0..=4),
        at in 0usize..5,
    ) {
        let (breaker, rule) = breakers()[b].clone();
        let h = harmless();
        let mut ms: Vec<Mutation> = picks.iter().map(|&i| h[i].clone()).collect();
        ms.insert(at.min(ms.len()), breaker);
        let got = expect(N, Endpoint::Token, &ms, &caps());
        let cited = got.rules().iter().any(|r| r.id == rule);
        prop_assert!(matches!(got, Expected::Reject { level: Level::MUST, .. }) && cited, "{:?} → {:?}", ms, got);
    }

    /// Harmless mutations alone keep Accept.
    #[test]
    fn harmless_keep_accept(
        picks in proptest::sample::subsequence((0..8).collect::<Vec<_>>(), 0..=8),
    ) {
        let h = harmless();
        let ms: Vec<Mutation> = picks.iter().map(|&i| h[i].clone()).collect();
        let got = expect(N, Endpoint::Token, &ms, &caps());
        prop_assert!(matches!(got, Expected::Accept { .. }), "{:?} → {:?}", ms, got);
    }

    /// The oracle is total: any generated case gets an answer, and a generated case's
    /// answer does not depend on anything but the case (pure).
    #[test]
    fn total_and_pure(case in super::super::strategy::cases(vec![(N, Endpoint::Token), (C, Endpoint::Par)])) {
        let a = case.expected(&caps());
        let b = case.expected(&caps());
        prop_assert_eq!(a, b);
    }
}
