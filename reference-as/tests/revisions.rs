//! The rules that differ between revisions, one row per rule and one expectation per
//! revision (-07, -10, -11, -12 editor's copy), over real HTTP on 127.0.0.1. Sections:
//! -07 §5.1/§5.2 (iss, nbf), §6.2 (no combined mode); -11/-12 §5.2, §6.3, §7.3, §7.4
//! (combined-mode freshness from DPoP nonces); -12 §4/§5.1 (iat, Structured Field Tokens).
mod common;

use common::*;
use reference_as::{AuthMethod, ChallengePolicy, DpopNoncePolicy, Draft, ServerConfig};
use rstest::rstest;
use serde_json::{json, Value};

type Mutation = fn(&mut Case);
type ConfigEdit = fn(&mut ServerConfig);

const ALL_OK: [Expect; 4] = [OK; 4];
const ALL_IC: [Expect; 4] = [INVALID_CLIENT; 4];
/// Only the -07 server rejects (a rule of -07 alone).
const ONLY_07_REJECTS: [Expect; 4] = [INVALID_CLIENT, OK, OK, OK];
/// Only the -12 server rejects.
const ONLY_12_REJECTS: [Expect; 4] = [OK, OK, OK, INVALID_CLIENT];

fn index(d: Draft) -> usize {
    Draft::ALL.iter().position(|x| *x == d).expect("a revision")
}

fn config(draft: Draft, edit: ConfigEdit) -> ServerConfig {
    let mut c = base_config();
    c.draft = draft;
    edit(&mut c);
    c
}

fn keep(_: &mut ServerConfig) {}
fn challenge_optional(c: &mut ServerConfig) {
    c.challenge = ChallengePolicy::Optional;
}
fn challenge_required(c: &mut ServerConfig) {
    c.challenge = ChallengePolicy::Required;
}
fn nonce_required(c: &mut ServerConfig) {
    c.dpop_nonce = DpopNoncePolicy::Required;
}
fn normal_only(c: &mut ServerConfig) {
    c.methods = [AuthMethod::AttestJwtClientAuth].into();
}
fn max_age(c: &mut ServerConfig) {
    c.windows.attestation_max_age = Some(3600);
}
fn with_mac_attester(c: &mut ServerConfig) {
    c.attester_jwks = attester_jwks(true);
}

fn remove(v: &mut Value, k: &str) {
    v.as_object_mut().unwrap().remove(k);
}

fn append_to(headers: &mut [(String, String)], name: &str, suffix: &str) {
    for (n, v) in headers.iter_mut() {
        if n.eq_ignore_ascii_case(name) {
            v.push_str(suffix);
        }
    }
}

#[rstest]
// Claims.
#[case::valid(keep, Mode::Normal, |_: &mut Case| {}, ALL_OK)]
#[case::attestation_iss_missing(keep, Mode::Normal, |c: &mut Case| remove(&mut c.att().claims, "iss"), ONLY_07_REJECTS)]
#[case::attestation_iss_empty(keep, Mode::Normal, |c: &mut Case| c.att().claims["iss"] = json!(""), ONLY_07_REJECTS)]
#[case::pop_iss_missing(keep, Mode::Normal, |c: &mut Case| remove(&mut c.pop().claims, "iss"), ONLY_07_REJECTS)]
#[case::pop_iss_other_client(keep, Mode::Normal, |c: &mut Case| c.pop().claims["iss"] = json!("https://someone-else.example.com"), ONLY_07_REJECTS)]
#[case::pop_iss_not_string(keep, Mode::Normal, |c: &mut Case| c.pop().claims["iss"] = json!(7), ONLY_07_REJECTS)]
#[case::client_id_equals_sub_and_pop_iss(keep, Mode::Normal, |c: &mut Case| c.set_form("client_id", CLIENT_ID), ALL_OK)]
#[case::attestation_nbf_future(keep, Mode::Normal, |c: &mut Case| c.att().claims["nbf"] = json!(now() + 3600), ALL_IC)]
#[case::attestation_nbf_past(keep, Mode::Normal, |c: &mut Case| c.att().claims["nbf"] = json!(now() - 60), ALL_OK)]
#[case::pop_nbf_future(keep, Mode::Normal, |c: &mut Case| c.pop().claims["nbf"] = json!(now() + 3600), ALL_IC)]
#[case::attestation_iat_missing(keep, Mode::Normal, |c: &mut Case| remove(&mut c.att().claims, "iat"), ONLY_12_REJECTS)]
#[case::attestation_iat_missing_combined(keep, Mode::Combined, |c: &mut Case| remove(&mut c.att().claims, "iat"), [INVALID_CLIENT, OK, OK, INVALID_CLIENT])]
#[case::attestation_iat_rounded_to_midnight(keep, Mode::Normal, |c: &mut Case| c.att().claims["iat"] = json!(now() - now() % 86400), ALL_OK)]
// -07 §5.1 rule 2 allows a MAC-protected attestation (§9 item 4 contradicts it); the -07
// server follows §5.1, as -08 did.
#[case::attestation_mac(with_mac_attester, Mode::Normal, |c: &mut Case| { c.att().header["alg"] = json!("HS256"); c.att().header["kid"] = json!("att-hs256"); c.att().key = &OCT; }, ALL_OK)]
// Field syntax: token68 up to -11, an RFC 9651 Token Item without parameters in -12.
#[case::attestation_sf_parameter(keep, Mode::Normal, |c: &mut Case| c.header_edits.push(|h| append_to(h, "OAuth-Client-Attestation", ";p=1")), ALL_IC)]
#[case::pop_sf_parameter(keep, Mode::Normal, |c: &mut Case| c.header_edits.push(|h| append_to(h, "OAuth-Client-Attestation-PoP", ";p=1")), ALL_IC)]
#[case::attestation_sf_string(keep, Mode::Normal, |c: &mut Case| c.header_edits.push(|h| quote(h, "OAuth-Client-Attestation")), ALL_IC)]
#[case::pop_sf_string(keep, Mode::Normal, |c: &mut Case| c.header_edits.push(|h| quote(h, "OAuth-Client-Attestation-PoP")), ALL_IC)]
#[case::attestation_two_lines(keep, Mode::Normal, |c: &mut Case| c.header_edits.push(|h| duplicate_line(h, "OAuth-Client-Attestation")), ALL_IC)]
#[case::attestation_comma_list(keep, Mode::Normal, |c: &mut Case| c.header_edits.push(|h| comma_list(h, "OAuth-Client-Attestation")), ALL_IC)]
#[case::pop_two_lines(keep, Mode::Normal, |c: &mut Case| c.header_edits.push(|h| duplicate_line(h, "OAuth-Client-Attestation-PoP")), ALL_IC)]
// Combined mode: none in -07 (§6.2 item 2: the PoP field is required).
#[case::combined(keep, Mode::Combined, |_: &mut Case| {}, ONLY_07_REJECTS)]
#[case::pop_with_independent_dpop(keep, Mode::Normal, |c: &mut Case| c.dpop = Some(dpop(&c.issuer.clone(), c.ep, &OTHER)), ALL_OK)]
#[case::combined_cnf_members_reordered(keep, Mode::Combined, |c: &mut Case| { let j = CLIENT.public_jwk.clone(); c.att().claims["cnf"]["jwk"] = json!({"use": "sig", "kid": "k1", "y": j["y"], "x": j["x"], "crv": "P-256", "kty": "EC"}); }, ONLY_07_REJECTS)]
#[case::combined_other_key(keep, Mode::Combined, |c: &mut Case| { c.dpop().key = &OTHER; c.dpop().header["jwk"] = OTHER.public_jwk.clone(); }, ALL_IC)]
#[case::combined_without_dpop_support(normal_only, Mode::Combined, |_: &mut Case| {}, ALL_IC)]
// Freshness. -10 §7.3 item 5: the challenge in the DPoP nonce, use_attestation_challenge;
// -11/-12 §5.2, §7.4: DPoP nonces only, use_dpop_nonce + DPoP-Nonce.
#[case::opt_combined_valid(challenge_optional, Mode::Combined, |_: &mut Case| {}, ONLY_07_REJECTS)]
#[case::opt_combined_without_nonce(challenge_optional, Mode::Combined, |c: &mut Case| remove(&mut c.dpop().claims, "nonce"), ONLY_07_REJECTS)]
#[case::opt_combined_made_up_nonce(challenge_optional, Mode::Combined, |c: &mut Case| c.dpop().claims["nonce"] = json!("made-up"), [INVALID_CLIENT, USE_CHALLENGE, USE_NONCE, USE_NONCE])]
#[case::req_combined_valid(challenge_required, Mode::Combined, |_: &mut Case| {}, ONLY_07_REJECTS)]
#[case::req_combined_without_nonce(challenge_required, Mode::Combined, |c: &mut Case| remove(&mut c.dpop().claims, "nonce"), [INVALID_CLIENT, USE_CHALLENGE, USE_NONCE, USE_NONCE])]
#[case::req_combined_nonce_in_challenge_claim(challenge_required, Mode::Combined, |c: &mut Case| { let v = c.dpop().claims.as_object_mut().unwrap().remove("nonce").unwrap(); c.dpop().claims["challenge"] = v; }, [INVALID_CLIENT, USE_CHALLENGE, USE_NONCE, USE_NONCE])]
#[case::req_normal_valid(challenge_required, Mode::Normal, |_: &mut Case| {}, ALL_OK)]
#[case::req_normal_without_challenge(challenge_required, Mode::Normal, |c: &mut Case| remove(&mut c.pop().claims, "challenge"), [USE_CHALLENGE; 4])]
#[case::req_normal_made_up_challenge(challenge_required, Mode::Normal, |c: &mut Case| c.pop().claims["challenge"] = json!("made-up"), [USE_CHALLENGE; 4])]
#[case::nonce_combined_valid(nonce_required, Mode::Combined, |_: &mut Case| {}, ONLY_07_REJECTS)]
#[case::nonce_combined_without_nonce(nonce_required, Mode::Combined, |c: &mut Case| remove(&mut c.dpop().claims, "nonce"), [INVALID_CLIENT, USE_NONCE, USE_NONCE, USE_NONCE])]
// -12 §7.4: 400 for the attestation codes (use_fresh_attestation here).
#[case::stale_attestation(max_age, Mode::Normal, |c: &mut Case| c.att().claims["iat"] = json!(now() - 7200), [Expect::Reject(400, "use_fresh_attestation"); 4])]
#[tokio::test]
async fn rules_per_revision(
    #[case] edit: ConfigEdit,
    #[case] mode: Mode,
    #[case] m: Mutation,
    #[case] expect: [Expect; 4],
    #[values(Draft::D07, Draft::D10, Draft::D11, Draft::D12)] draft: Draft,
    #[values(Ep::Token, Ep::Par)] ep: Ep,
) {
    let srv = TestServer::start(config(draft, edit)).await;
    let mut case = Case::valid(&srv, mode, ep).await;
    m(&mut case);
    let resp = srv.send(&case).await;
    check(
        &resp,
        expect[index(draft)],
        &format!("{draft} {mode:?} {ep:?}"),
    );
    srv.stop().await;
}

/// The attestation challenge from the challenge endpoint placed in the combined-mode DPoP
/// `nonce`: the -10 way (§7.3 item 5). From -11 on challenges "are not used for the DPoP
/// proof" (§5.2): this server does not take it as a DPoP nonce.
#[rstest]
#[case(Draft::D10, OK)]
#[case(Draft::D11, USE_NONCE)]
#[case(Draft::D12, USE_NONCE)]
#[tokio::test]
async fn attestation_challenge_in_dpop_nonce(#[case] draft: Draft, #[case] expect: Expect) {
    let srv = TestServer::start(config(draft, challenge_optional)).await;
    let mut case = Case::valid(&srv, Mode::Combined, Ep::Token).await;
    case.dpop().claims["nonce"] = json!(srv.fresh_value().await);
    check(&srv.send(&case).await, expect, &format!("{draft}"));
    srv.stop().await;
}

/// From -11 on a DPoP nonce is not a PoP challenge either.
#[rstest]
#[tokio::test]
async fn dpop_nonce_as_pop_challenge(#[values(Draft::D11, Draft::D12)] draft: Draft) {
    let srv = TestServer::start(config(draft, challenge_optional)).await;
    let mut case = Case::valid(&srv, Mode::Normal, Ep::Token).await;
    case.pop().claims["challenge"] = json!(srv.fresh_nonce().await);
    check(&srv.send(&case).await, USE_CHALLENGE, &format!("{draft}"));
    srv.stop().await;
}

/// -11/-12 §6.3: a server that supports DPoP server nonces also sends `DPoP-Nonce` from the
/// challenge endpoint, and that nonce is accepted in a combined-mode proof. Up to -10 the
/// challenge itself is the nonce.
#[rstest]
#[case::d07(Draft::D07, challenge_optional, false)]
#[case::d10(Draft::D10, challenge_optional, false)]
#[case::d10_nonce_required(Draft::D10, nonce_and_challenge, false)]
#[case::d11(Draft::D11, challenge_optional, true)]
#[case::d11_required(Draft::D11, challenge_required, true)]
#[case::d11_normal_only(Draft::D11, challenge_optional_normal_only, false)]
#[case::d11_normal_only_nonce_required(Draft::D11, nonce_and_challenge_normal_only, true)]
#[case::d12(Draft::D12, challenge_optional, true)]
#[tokio::test]
async fn challenge_endpoint_dpop_nonce(
    #[case] draft: Draft,
    #[case] edit: ConfigEdit,
    #[case] has_nonce: bool,
) {
    let srv = TestServer::start(config(draft, edit)).await;
    let r = srv
        .http
        .post(srv.url("/challenge"))
        .send()
        .await
        .expect("challenge request");
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
    let nonce = r
        .headers()
        .get("dpop-nonce")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body: Value = r.json().await.expect("json");
    assert!(body["attestation_challenge"].is_string(), "{body}");
    assert_eq!(nonce.is_some(), has_nonce, "{draft}: DPoP-Nonce {nonce:?}");
    if let (Some(n), true) = (
        nonce,
        srv.config
            .methods
            .contains(&AuthMethod::AttestJwtClientAuthDpop),
    ) {
        let mut case = Case::valid(&srv, Mode::Combined, Ep::Token).await;
        case.dpop().claims["nonce"] = json!(n);
        check(
            &srv.send(&case).await,
            OK,
            &format!("{draft} endpoint nonce"),
        );
    }
    srv.stop().await;
}

fn nonce_and_challenge(c: &mut ServerConfig) {
    c.challenge = ChallengePolicy::Optional;
    c.dpop_nonce = DpopNoncePolicy::Required;
}
fn challenge_optional_normal_only(c: &mut ServerConfig) {
    challenge_optional(c);
    normal_only(c);
}
fn nonce_and_challenge_normal_only(c: &mut ServerConfig) {
    nonce_and_challenge(c);
    normal_only(c);
}

/// The retry signals work: a request without freshness is refused with a fresh value, and a
/// retry carrying that value succeeds. -11 §6.1 (use_attestation_challenge: 400 + fresh
/// Challenge) for the PoP in every revision; for combined mode use_attestation_challenge up
/// to -10, use_dpop_nonce + DPoP-Nonce from -11 (§7.4).
#[rstest]
#[tokio::test]
async fn retry_with_the_fresh_value(
    #[values(Draft::D07, Draft::D10, Draft::D11, Draft::D12)] draft: Draft,
    #[values(Mode::Normal, Mode::Combined)] mode: Mode,
) {
    if draft == Draft::D07 && mode == Mode::Combined {
        return;
    }
    let srv = TestServer::start(config(draft, challenge_required)).await;
    let mut case = Case::valid(&srv, mode, Ep::Token).await;
    let (claim, header, expect) = match (mode, draft) {
        (Mode::Normal, _) => (
            "challenge",
            "oauth-client-attestation-challenge",
            USE_CHALLENGE,
        ),
        (Mode::Combined, Draft::D07 | Draft::D10) => {
            ("nonce", "oauth-client-attestation-challenge", USE_CHALLENGE)
        }
        (Mode::Combined, Draft::D11 | Draft::D12) => ("nonce", "dpop-nonce", USE_NONCE),
    };
    remove(&mut case.proof().claims, claim);
    let first = srv.send(&case).await;
    check(&first, expect, &format!("{draft} {mode:?} first"));
    let fresh = first.header(header).expect("fresh value");
    case.proof().claims[claim] = json!(fresh);
    case.proof().claims["jti"] = json!(random_id());
    check(
        &srv.send(&case).await,
        OK,
        &format!("{draft} {mode:?} retry"),
    );
    srv.stop().await;
}

/// Metadata per revision: -07 knows neither combined mode nor
/// client_attestation_pop_methods_supported (both new in -09/-10); DPoP algorithms are
/// published in every revision.
#[rstest]
#[tokio::test]
async fn metadata_per_revision(
    #[values(Draft::D07, Draft::D10, Draft::D11, Draft::D12)] draft: Draft,
) {
    let srv = TestServer::start(config(draft, keep)).await;
    let md = srv.metadata().await;
    let later = draft != Draft::D07;
    let methods = &md["token_endpoint_auth_methods_supported"];
    assert_eq!(
        methods,
        &if later {
            json!(["attest_jwt_client_auth", "attest_jwt_client_auth_dpop"])
        } else {
            json!(["attest_jwt_client_auth"])
        },
        "{draft}"
    );
    // DPoP proofs are taken in every revision (an independent proof binds the token, RFC
    // 9449 §5), so their algorithms are published in every revision (RFC 9449 §5.1).
    assert!(
        md["dpop_signing_alg_values_supported"].is_array(),
        "{draft}"
    );
    assert_eq!(
        md["client_attestation_pop_methods_supported"],
        if later {
            json!(["attestation_pop_jwt", "dpop_combined"])
        } else {
            Value::Null
        },
        "{draft}"
    );
    // -07 §10.1: both alg lists MUST be present when attest_jwt_client_auth is advertised.
    assert!(md["client_attestation_signing_alg_values_supported"].is_array());
    assert!(md["client_attestation_pop_signing_alg_values_supported"].is_array());
    srv.stop().await;
}

/// The default is the newest published revision.
#[test]
fn default_revision_is_11() {
    assert_eq!(ServerConfig::default().draft, Draft::D11);
}

/// Server values are single-use: a combined-mode proof reusing its nonce (with a fresh jti)
/// is refused with the retry signal of the revision (-10: the nonce is a challenge; -11/-12
/// §7.4: use_dpop_nonce).
#[rstest]
#[case(Draft::D10, USE_CHALLENGE)]
#[case(Draft::D11, USE_NONCE)]
#[case(Draft::D12, USE_NONCE)]
#[tokio::test]
async fn combined_nonce_reuse(
    #[case] draft: Draft,
    #[case] expect: Expect,
    #[values(challenge_required, nonce_required, nonce_and_challenge)] edit: ConfigEdit,
) {
    let srv = TestServer::start(config(draft, edit)).await;
    let mut case = Case::valid(&srv, Mode::Combined, Ep::Token).await;
    check(&srv.send(&case).await, OK, &format!("{draft} first use"));
    case.dpop().claims["jti"] = json!(random_id());
    let second = srv.send(&case).await;
    // -10 with DPoP nonces required: RFC 9449 §8 checks the nonce first.
    let expect = if draft == Draft::D10 && srv.config.dpop_nonce == DpopNoncePolicy::Required {
        USE_NONCE
    } else {
        expect
    };
    check(&second, expect, &format!("{draft} reuse"));
    srv.stop().await;
}

/// Under `dpop-nonce-freshness-via-challenge` a -11 server still accepts the valid combined
/// request of every freshness configuration (the fault bends the error, not the happy path).
#[rstest]
#[tokio::test]
async fn via_challenge_fault_keeps_valid_combined_requests(
    #[values(
        challenge_optional,
        challenge_required,
        nonce_required,
        nonce_and_challenge
    )]
    edit: ConfigEdit,
) {
    let mut cfg = config(Draft::D11, edit);
    cfg.faults = [reference_as::Fault::DpopNonceFreshnessViaChallenge].into();
    let srv = TestServer::start(cfg).await;
    for ep in [Ep::Token, Ep::Par] {
        let case = Case::valid(&srv, Mode::Combined, ep).await;
        check(&srv.send(&case).await, OK, &format!("{ep:?}"));
    }
    srv.stop().await;
}
