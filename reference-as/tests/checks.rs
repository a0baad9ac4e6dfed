//! One row per check of the reference AS, valid and invalid, over real HTTP on 127.0.0.1.
//! Attestation rows run in both modes at both endpoints; PoP rows in normal mode; DPoP proof
//! rows in combined mode and as an independent proof next to a PoP.
mod common;

use common::*;
use reference_as::{AuthMethod, ChallengePolicy, DpopNoncePolicy, ServerConfig};
use rstest::rstest;
use serde_json::json;

type Mutation = fn(&mut Case);

async fn run(config: ServerConfig, mode: Mode, ep: Ep, m: Mutation, expect: Expect) {
    let srv = TestServer::start(config).await;
    let mut case = Case::valid(&srv, mode, ep).await;
    m(&mut case);
    let resp = srv.send(&case).await;
    check(&resp, expect, &format!("{mode:?} {ep:?}"));
    srv.stop().await;
}

fn expired_by(secs: i64) -> i64 {
    now() - secs
}

// ------------------------------------------------------------------ attestation

#[rstest]
#[case::valid(|_: &mut Case| {}, OK)]
#[case::no_attestation(|c: &mut Case| c.att = None, INVALID_CLIENT)]
#[case::two_field_lines(|c: &mut Case| c.header_edits.push(|h| duplicate_line(h, "OAuth-Client-Attestation")), INVALID_CLIENT)]
#[case::comma_list(|c: &mut Case| c.header_edits.push(|h| comma_list(h, "OAuth-Client-Attestation")), INVALID_CLIENT)]
#[case::not_token68_quoted(|c: &mut Case| c.header_edits.push(|h| quote(h, "OAuth-Client-Attestation")), INVALID_CLIENT)]
#[case::two_parts(|c: &mut Case| { let t = c.att().encode(); c.att().raw = Some(t.rsplit_once('.').unwrap().0.to_owned()); }, INVALID_CLIENT)]
#[case::not_token68_chars(|c: &mut Case| c.att().raw = Some("e30.!!!.AAAA".into()), INVALID_CLIENT)]
#[case::bad_base64(|c: &mut Case| c.att().raw = Some("e30.e30~~.AAAA".into()), INVALID_CLIENT)]
#[case::padded_base64(|c: &mut Case| c.att().raw = Some("e30=.e30.AAAA".into()), INVALID_CLIENT)]
#[case::payload_not_json(|c: &mut Case| c.att().raw = Some(Jwt::raw_parts(br#"{"typ":"oauth-client-attestation+jwt","alg":"ES256"}"#, b"not json", &ATTESTER, "ES256")), INVALID_CLIENT)]
#[case::duplicate_json_member(|c: &mut Case| c.att().raw = Some(Jwt::raw_parts(br#"{"typ":"oauth-client-attestation+jwt","alg":"ES256","alg":"ES256"}"#, br#"{"sub":"x"}"#, &ATTESTER, "ES256")), INVALID_CLIENT)]
#[case::typ_missing(|c: &mut Case| { c.att().header.as_object_mut().unwrap().remove("typ"); }, INVALID_CLIENT)]
#[case::typ_wrong(|c: &mut Case| c.att().header["typ"] = json!("JWT"), INVALID_CLIENT)]
#[case::typ_pop(|c: &mut Case| c.att().header["typ"] = json!("oauth-client-attestation-pop+jwt"), INVALID_CLIENT)]
#[case::typ_case_insensitive(|c: &mut Case| c.att().header["typ"] = json!("OAuth-Client-Attestation+JWT"), OK)]
#[case::typ_application_prefix(|c: &mut Case| c.att().header["typ"] = json!("application/oauth-client-attestation+jwt"), OK)]
#[case::crit_header(|c: &mut Case| c.att().header["crit"] = json!(["exp"]), INVALID_CLIENT)]
#[case::alg_none(|c: &mut Case| c.att().header["alg"] = json!("none"), INVALID_CLIENT)]
#[case::alg_missing(|c: &mut Case| { c.att().header.as_object_mut().unwrap().remove("alg"); }, INVALID_CLIENT)]
#[case::alg_unsupported(|c: &mut Case| { c.att().header["alg"] = json!("ES512"); c.att().raw = Some(format!("{}.{}.{}", b64(c.att().header.to_string().as_bytes()), b64(c.att().claims.to_string().as_bytes()), b64(&[1; 132]))); }, INVALID_CLIENT)]
#[case::alg_hs256_without_oct_key(|c: &mut Case| { c.att().header["alg"] = json!("HS256"); c.att().key = &OCT; }, INVALID_CLIENT)]
#[case::signature_corrupted(|c: &mut Case| c.att().corrupt_signature = true, INVALID_CLIENT)]
#[case::signature_stripped(|c: &mut Case| { let t = c.att().encode(); let cut = t.rfind('.').unwrap(); c.att().raw = Some(format!("{}.", &t[..cut])); }, INVALID_CLIENT)]
#[case::untrusted_signer_self_signed(|c: &mut Case| { c.att().key = &CLIENT; c.att().header.as_object_mut().unwrap().remove("kid"); }, INVALID_CLIENT)]
#[case::untrusted_signer_other(|c: &mut Case| c.att().key = &OTHER, INVALID_CLIENT)]
#[case::kid_unknown(|c: &mut Case| c.att().header["kid"] = json!("nope"), INVALID_CLIENT)]
#[case::kid_absent(|c: &mut Case| { c.att().header.as_object_mut().unwrap().remove("kid"); }, OK)]
#[case::kid_of_other_trusted_key(|c: &mut Case| c.att().header["kid"] = json!("att-eddsa"), INVALID_CLIENT)]
#[case::attester_eddsa(|c: &mut Case| { c.att().key = &ATTESTER_ED; c.att().header["alg"] = json!("EdDSA"); c.att().header["kid"] = json!("att-eddsa"); }, OK)]
#[case::attester_rs256(|c: &mut Case| { c.att().key = &ATTESTER_RS; c.att().header["alg"] = json!("RS256"); c.att().header["kid"] = json!("att-rsa"); }, OK)]
#[case::attester_ps256(|c: &mut Case| { c.att().key = &ATTESTER_PS; c.att().header["alg"] = json!("PS256"); c.att().header["kid"] = json!("att-rsa"); }, OK)]
#[case::alg_key_type_mismatch(|c: &mut Case| { c.att().key = &ATTESTER_RS; c.att().header["alg"] = json!("RS256"); c.att().header["kid"] = json!("att-es256"); }, INVALID_CLIENT)]
#[case::sub_missing(|c: &mut Case| { c.att().claims.as_object_mut().unwrap().remove("sub"); }, INVALID_CLIENT)]
#[case::sub_number(|c: &mut Case| c.att().claims["sub"] = json!(42), INVALID_CLIENT)]
#[case::sub_unregistered(|c: &mut Case| { c.att().claims["sub"] = json!("https://unknown.example.com"); c.form.retain(|(k, _)| k != "client_id"); }, INVALID_CLIENT)]
#[case::exp_missing(|c: &mut Case| { c.att().claims.as_object_mut().unwrap().remove("exp"); }, INVALID_CLIENT)]
#[case::exp_string(|c: &mut Case| c.att().claims["exp"] = json!((now() + 3600).to_string()), INVALID_CLIENT)]
#[case::exp_passed(|c: &mut Case| c.att().claims["exp"] = json!(expired_by(3600)), INVALID_CLIENT)]
#[case::exp_passed_within_skew(|c: &mut Case| c.att().claims["exp"] = json!(expired_by(30)), OK)]
#[case::aud_other_server(|c: &mut Case| c.att().claims["aud"] = json!("https://other-as.example.com"), INVALID_CLIENT)]
#[case::aud_this_server(|c: &mut Case| { let i = c.issuer.clone(); c.att().claims["aud"] = json!([i]); }, OK)]
#[case::nbf_future(|c: &mut Case| c.att().claims["nbf"] = json!(now() + 3600), INVALID_CLIENT)]
#[case::cnf_missing(|c: &mut Case| { c.att().claims.as_object_mut().unwrap().remove("cnf"); }, INVALID_CLIENT)]
#[case::cnf_not_object(|c: &mut Case| c.att().claims["cnf"] = json!("key"), INVALID_CLIENT)]
#[case::cnf_without_jwk(|c: &mut Case| c.att().claims["cnf"] = json!({"jkt": "abc"}), INVALID_CLIENT)]
#[case::cnf_jwk_private(|c: &mut Case| c.att().claims["cnf"]["jwk"] = CLIENT.private_jwk.clone(), INVALID_CLIENT)]
#[case::cnf_jwk_oct(|c: &mut Case| c.att().claims["cnf"]["jwk"] = OCT.public_jwk.clone(), INVALID_CLIENT)]
#[case::iat_absent(|c: &mut Case| { c.att().claims.as_object_mut().unwrap().remove("iat"); }, OK)]
#[case::iat_string(|c: &mut Case| c.att().claims["iat"] = json!(now().to_string()), INVALID_CLIENT)]
#[case::iat_future(|c: &mut Case| c.att().claims["iat"] = json!(now() + 3600), INVALID_CLIENT)]
#[case::iat_old_without_policy(|c: &mut Case| c.att().claims["iat"] = json!(now() - 30 * 86400), OK)]
#[case::client_id_matches(|c: &mut Case| c.set_form("client_id", CLIENT_ID), OK)]
#[case::client_id_differs(|c: &mut Case| c.set_form("client_id", "https://someone-else.example.com"), INVALID_CLIENT)]
#[case::unknown_claim_ignored(|c: &mut Case| { c.att().claims["x_unknown"] = json!({"nested": true}); c.att().claims["iss"] = json!("https://attester.example.com"); }, OK)]
#[tokio::test]
async fn attestation_checks(
    #[case] m: Mutation,
    #[case] expect: Expect,
    #[values(Mode::Normal, Mode::Combined)] mode: Mode,
    #[values(Ep::Token, Ep::Par)] ep: Ep,
) {
    run(base_config(), mode, ep, m, expect).await;
}

#[rstest]
#[case::hs256_with_trusted_oct(|c: &mut Case| { c.att().header["alg"] = json!("HS256"); c.att().header["kid"] = json!("att-hs256"); c.att().key = &OCT; }, OK)]
#[case::hs256_wrong_secret(|c: &mut Case| { c.att().header["alg"] = json!("HS256"); c.att().header["kid"] = json!("att-hs256"); c.att().key = &OCT_OTHER; }, INVALID_CLIENT)]
#[tokio::test]
async fn attestation_hs256(#[case] m: Mutation, #[case] expect: Expect) {
    let mut cfg = base_config();
    cfg.attester_jwks = attester_jwks(true);
    run(cfg, Mode::Normal, Ep::Token, m, expect).await;
}

#[rstest]
#[case::fresh(|_: &mut Case| {}, OK)]
#[case::stale(|c: &mut Case| c.att().claims["iat"] = json!(now() - 7200), Expect::Reject(400, "use_fresh_attestation"))]
#[tokio::test]
async fn attestation_freshness(
    #[case] m: Mutation,
    #[case] expect: Expect,
    #[values(Mode::Normal, Mode::Combined)] mode: Mode,
) {
    let mut cfg = base_config();
    cfg.windows.attestation_max_age = Some(3600);
    run(cfg, mode, Ep::Token, m, expect).await;
}

// ------------------------------------------------------------------ PoP (normal mode)

#[rstest]
#[case::valid(|_: &mut Case| {}, OK)]
#[case::two_field_lines(|c: &mut Case| c.header_edits.push(|h| duplicate_line(h, "OAuth-Client-Attestation-PoP")), INVALID_CLIENT)]
#[case::comma_list(|c: &mut Case| c.header_edits.push(|h| comma_list(h, "OAuth-Client-Attestation-PoP")), INVALID_CLIENT)]
#[case::not_token68_quoted(|c: &mut Case| c.header_edits.push(|h| quote(h, "OAuth-Client-Attestation-PoP")), INVALID_CLIENT)]
#[case::not_a_jwt(|c: &mut Case| c.pop().raw = Some("abc".into()), INVALID_CLIENT)]
#[case::typ_missing(|c: &mut Case| { c.pop().header.as_object_mut().unwrap().remove("typ"); }, INVALID_CLIENT)]
#[case::typ_wrong(|c: &mut Case| c.pop().header["typ"] = json!("jwt"), INVALID_CLIENT)]
#[case::typ_attestation(|c: &mut Case| c.pop().header["typ"] = json!("oauth-client-attestation+jwt"), INVALID_CLIENT)]
#[case::alg_none(|c: &mut Case| c.pop().header["alg"] = json!("none"), INVALID_CLIENT)]
#[case::alg_hs256(|c: &mut Case| c.pop().header["alg"] = json!("HS256"), INVALID_CLIENT)]
#[case::signature_corrupted(|c: &mut Case| c.pop().corrupt_signature = true, INVALID_CLIENT)]
#[case::signed_by_other_key(|c: &mut Case| c.pop().key = &OTHER, INVALID_CLIENT)]
#[case::signed_by_own_header_jwk(|c: &mut Case| { c.pop().key = &OTHER; c.pop().header["jwk"] = OTHER.public_jwk.clone(); }, INVALID_CLIENT)]
#[case::signed_by_attester(|c: &mut Case| c.pop().key = &ATTESTER, INVALID_CLIENT)]
#[case::cnf_eddsa(|c: &mut Case| { c.att().claims["cnf"]["jwk"] = CLIENT_ED.public_jwk.clone(); c.pop().key = &CLIENT_ED; c.pop().header["alg"] = json!("EdDSA"); }, OK)]
#[case::cnf_rsa_rs256(|c: &mut Case| { c.att().claims["cnf"]["jwk"] = ATTESTER_RS.public_jwk.clone(); c.pop().key = &ATTESTER_RS; c.pop().header["alg"] = json!("RS256"); }, OK)]
#[case::cnf_rsa_ps256(|c: &mut Case| { c.att().claims["cnf"]["jwk"] = ATTESTER_PS.public_jwk.clone(); c.pop().key = &ATTESTER_PS; c.pop().header["alg"] = json!("PS256"); }, OK)]
#[case::aud_missing(|c: &mut Case| { c.pop().claims.as_object_mut().unwrap().remove("aud"); }, INVALID_CLIENT)]
#[case::aud_wrong(|c: &mut Case| c.pop().claims["aud"] = json!("https://as.example.com"), INVALID_CLIENT)]
#[case::aud_array(|c: &mut Case| { let i = c.issuer.clone(); c.pop().claims["aud"] = json!([i]); }, INVALID_CLIENT)]
#[case::aud_token_endpoint(|c: &mut Case| { let i = format!("{}/token", c.issuer); c.pop().claims["aud"] = json!(i); }, INVALID_CLIENT)]
#[case::aud_trailing_slash(|c: &mut Case| { let i = format!("{}/", c.issuer); c.pop().claims["aud"] = json!(i); }, INVALID_CLIENT)]
#[case::jti_missing(|c: &mut Case| { c.pop().claims.as_object_mut().unwrap().remove("jti"); }, INVALID_CLIENT)]
#[case::jti_number(|c: &mut Case| c.pop().claims["jti"] = json!(7), INVALID_CLIENT)]
#[case::iat_missing(|c: &mut Case| { c.pop().claims.as_object_mut().unwrap().remove("iat"); }, INVALID_CLIENT)]
#[case::iat_string(|c: &mut Case| c.pop().claims["iat"] = json!(now().to_string()), INVALID_CLIENT)]
#[case::iat_stale(|c: &mut Case| c.pop().claims["iat"] = json!(now() - 600), INVALID_CLIENT)]
#[case::iat_a_day_ago(|c: &mut Case| c.pop().claims["iat"] = json!(now() - 86400), INVALID_CLIENT)]
#[case::iat_future(|c: &mut Case| c.pop().claims["iat"] = json!(now() + 3600), INVALID_CLIENT)]
#[case::iat_future_within_skew(|c: &mut Case| c.pop().claims["iat"] = json!(now() + 30), OK)]
#[case::exp_passed(|c: &mut Case| c.pop().claims["exp"] = json!(now() - 3600), INVALID_CLIENT)]
#[case::unknown_claim_ignored(|c: &mut Case| c.pop().claims["x_extra"] = json!(1), OK)]
#[case::challenge_ignored_when_off(|c: &mut Case| c.pop().claims["challenge"] = json!("made-up"), OK)]
#[case::no_pop_no_dpop(|c: &mut Case| c.pop = None, INVALID_CLIENT)]
#[tokio::test]
async fn pop_checks(
    #[case] m: Mutation,
    #[case] expect: Expect,
    #[values(Ep::Token, Ep::Par)] ep: Ep,
) {
    run(base_config(), Mode::Normal, ep, m, expect).await;
}

// ------------------------------------------------------------------ DPoP proof

/// RFC 9449 §4.3 checks: in combined mode, and for an independent proof next to a PoP.
#[rstest]
#[case::valid(|_: &mut Case| {}, OK)]
#[case::two_field_lines(|c: &mut Case| c.header_edits.push(|h| duplicate_line(h, "DPoP")), INVALID_DPOP)]
#[case::comma_list(|c: &mut Case| c.header_edits.push(|h| comma_list(h, "DPoP")), INVALID_DPOP)]
#[case::not_a_jwt(|c: &mut Case| c.dpop().raw = Some("abc".into()), INVALID_DPOP)]
#[case::typ_missing(|c: &mut Case| { c.dpop().header.as_object_mut().unwrap().remove("typ"); }, INVALID_DPOP)]
#[case::typ_wrong(|c: &mut Case| c.dpop().header["typ"] = json!("oauth-client-attestation-pop+jwt"), INVALID_DPOP)]
#[case::alg_none(|c: &mut Case| c.dpop().header["alg"] = json!("none"), INVALID_DPOP)]
#[case::alg_hs256(|c: &mut Case| c.dpop().header["alg"] = json!("HS256"), INVALID_DPOP)]
#[case::signature_corrupted(|c: &mut Case| c.dpop().corrupt_signature = true, INVALID_DPOP)]
#[case::signature_by_other_key(|c: &mut Case| c.dpop().key = &OTHER, INVALID_DPOP)]
#[case::jwk_missing(|c: &mut Case| { c.dpop().header.as_object_mut().unwrap().remove("jwk"); }, INVALID_DPOP)]
#[case::jwk_private(|c: &mut Case| c.dpop().header["jwk"] = CLIENT.private_jwk.clone(), INVALID_DPOP)]
#[case::htm_get(|c: &mut Case| c.dpop().claims["htm"] = json!("GET"), INVALID_DPOP)]
#[case::htm_missing(|c: &mut Case| { c.dpop().claims.as_object_mut().unwrap().remove("htm"); }, INVALID_DPOP)]
#[case::htu_other_endpoint(|c: &mut Case| { let u = format!("{}/other", c.issuer); c.dpop().claims["htu"] = json!(u); }, INVALID_DPOP)]
#[case::htu_other_host(|c: &mut Case| c.dpop().claims["htu"] = json!("https://as.example.com/token"), INVALID_DPOP)]
#[case::htu_with_query(|c: &mut Case| { let u = format!("{}?a=b", c.dpop().claims["htu"].as_str().unwrap()); c.dpop().claims["htu"] = json!(u); }, INVALID_DPOP)]
#[case::htu_with_fragment(|c: &mut Case| { let u = format!("{}#f", c.dpop().claims["htu"].as_str().unwrap()); c.dpop().claims["htu"] = json!(u); }, INVALID_DPOP)]
#[case::htu_scheme_uppercase(|c: &mut Case| { let u = c.dpop().claims["htu"].as_str().unwrap().replacen("http", "HTTP", 1); c.dpop().claims["htu"] = json!(u); }, OK)]
#[case::iat_stale(|c: &mut Case| c.dpop().claims["iat"] = json!(now() - 600), INVALID_DPOP)]
#[case::iat_future(|c: &mut Case| c.dpop().claims["iat"] = json!(now() + 3600), INVALID_DPOP)]
#[case::iat_missing(|c: &mut Case| { c.dpop().claims.as_object_mut().unwrap().remove("iat"); }, INVALID_DPOP)]
#[case::jti_missing(|c: &mut Case| { c.dpop().claims.as_object_mut().unwrap().remove("jti"); }, INVALID_DPOP)]
#[case::eddsa(|c: &mut Case| { c.att().claims["cnf"]["jwk"] = CLIENT_ED.public_jwk.clone(); c.dpop().key = &CLIENT_ED; c.dpop().header["alg"] = json!("EdDSA"); c.dpop().header["jwk"] = CLIENT_ED.public_jwk.clone(); if let Some(p) = c.pop.as_mut() { p.key = &CLIENT_ED; p.header["alg"] = json!("EdDSA"); } }, OK)]
#[tokio::test]
async fn dpop_checks(
    #[case] m: Mutation,
    #[case] expect: Expect,
    #[values(Mode::Normal, Mode::Combined)] mode: Mode,
    #[values(Ep::Token, Ep::Par)] ep: Ep,
) {
    let srv = TestServer::start(base_config()).await;
    let mut case = Case::valid(&srv, mode, ep).await;
    if mode == Mode::Normal {
        case.add_independent_dpop(&srv, &CLIENT).await;
    }
    m(&mut case);
    let resp = srv.send(&case).await;
    check(&resp, expect, &format!("{mode:?} {ep:?}"));
    if expect == OK {
        assert_eq!(resp.status == 200, ep == Ep::Token);
        if ep == Ep::Token {
            assert_eq!(
                resp.json["token_type"], "DPoP",
                "a validated DPoP proof → DPoP"
            );
        }
    }
    srv.stop().await;
}

/// draft-10 §Verification dispatch and the combined-mode key match.
#[rstest]
#[case::combined_key_is_not_cnf(Mode::Combined, |c: &mut Case| { c.dpop().key = &OTHER; c.dpop().header["jwk"] = OTHER.public_jwk.clone(); }, INVALID_CLIENT)]
#[case::combined_cnf_with_extra_members_reordered(Mode::Combined, |c: &mut Case| {
    let j = &CLIENT.public_jwk;
    c.att().claims["cnf"]["jwk"] = json!({"y": j["y"], "use": "sig", "kid": "k1", "alg": "ES256", "key_ops": ["verify"], "x": j["x"], "crv": "P-256", "kty": "EC"});
}, OK)]
#[case::independent_dpop_other_key(Mode::Normal, |c: &mut Case| { let mut d = dpop(&c.issuer.clone(), c.ep, &OTHER); d.key = &OTHER; c.dpop = Some(d); }, OK)]
#[case::stray_bad_pop_next_to_good_dpop(Mode::Combined, |c: &mut Case| { let mut p = pop(&c.issuer.clone(), &OTHER); p.corrupt_signature = true; c.pop = Some(p); }, INVALID_CLIENT)]
#[case::good_pop_bad_independent_dpop(Mode::Normal, |c: &mut Case| { let mut d = dpop(&c.issuer.clone(), c.ep, &CLIENT); d.corrupt_signature = true; c.dpop = Some(d); }, INVALID_DPOP)]
#[case::combined_pop_typ_as_dpop(Mode::Combined, |c: &mut Case| c.dpop().header["typ"] = json!("oauth-client-attestation-pop+jwt"), INVALID_DPOP)]
#[tokio::test]
async fn dispatch_and_key_match(
    #[case] mode: Mode,
    #[case] m: Mutation,
    #[case] expect: Expect,
    #[values(Ep::Token, Ep::Par)] ep: Ep,
) {
    run(base_config(), mode, ep, m, expect).await;
}

/// A mode must be enabled server-wide and registered for the client.
#[rstest]
#[case::combined_on_normal_only_server(Mode::Combined, &[AuthMethod::AttestJwtClientAuth], CLIENT_ID, INVALID_CLIENT)]
#[case::normal_on_combined_only_server(Mode::Normal, &[AuthMethod::AttestJwtClientAuthDpop], CLIENT_ID, INVALID_CLIENT)]
#[case::normal_on_normal_only_server(Mode::Normal, &[AuthMethod::AttestJwtClientAuth], CLIENT_ID, OK)]
#[case::combined_on_combined_only_server(Mode::Combined, &[AuthMethod::AttestJwtClientAuthDpop], CLIENT_ID, OK)]
#[case::normal_by_dpop_only_client(Mode::Normal, &[AuthMethod::AttestJwtClientAuth, AuthMethod::AttestJwtClientAuthDpop], DPOP_ONLY_CLIENT, INVALID_CLIENT)]
#[case::combined_by_pop_only_client(Mode::Combined, &[AuthMethod::AttestJwtClientAuth, AuthMethod::AttestJwtClientAuthDpop], POP_ONLY_CLIENT, INVALID_CLIENT)]
#[case::combined_by_dpop_only_client(Mode::Combined, &[AuthMethod::AttestJwtClientAuth, AuthMethod::AttestJwtClientAuthDpop], DPOP_ONLY_CLIENT, OK)]
#[tokio::test]
async fn auth_methods(
    #[case] mode: Mode,
    #[case] methods: &[AuthMethod],
    #[case] client: &'static str,
    #[case] expect: Expect,
    #[values(Ep::Token, Ep::Par)] ep: Ep,
) {
    let mut cfg = base_config();
    cfg.methods = methods.iter().copied().collect();
    let srv = TestServer::start(cfg).await;
    let mut case = Case::valid(&srv, mode, ep).await;
    case.att().claims["sub"] = json!(client);
    case.set_form("client_id", client);
    let resp = srv.send(&case).await;
    check(&resp, expect, &format!("{mode:?} {ep:?} {client}"));
    srv.stop().await;
}

// ------------------------------------------------------------------ challenges and nonces

fn cfg(challenge: ChallengePolicy, nonce: DpopNoncePolicy) -> ServerConfig {
    let mut c = base_config();
    c.challenge = challenge;
    c.dpop_nonce = nonce;
    c
}

#[rstest]
// Optional: no challenge is fine, a made-up one is not.
#[case::opt_normal_valid(ChallengePolicy::Optional, DpopNoncePolicy::Off, Mode::Normal, |_: &mut Case| {}, OK)]
#[case::opt_normal_without(ChallengePolicy::Optional, DpopNoncePolicy::Off, Mode::Normal, |c: &mut Case| { c.pop().claims.as_object_mut().unwrap().remove("challenge"); }, OK)]
#[case::opt_normal_made_up(ChallengePolicy::Optional, DpopNoncePolicy::Off, Mode::Normal, |c: &mut Case| c.pop().claims["challenge"] = json!("made-up"), USE_CHALLENGE)]
#[case::opt_normal_not_string(ChallengePolicy::Optional, DpopNoncePolicy::Off, Mode::Normal, |c: &mut Case| c.pop().claims["challenge"] = json!(5), USE_CHALLENGE)]
#[case::opt_combined_valid(ChallengePolicy::Optional, DpopNoncePolicy::Off, Mode::Combined, |_: &mut Case| {}, OK)]
#[case::opt_combined_without(ChallengePolicy::Optional, DpopNoncePolicy::Off, Mode::Combined, |c: &mut Case| { c.dpop().claims.as_object_mut().unwrap().remove("nonce"); }, OK)]
#[case::opt_combined_made_up(ChallengePolicy::Optional, DpopNoncePolicy::Off, Mode::Combined, |c: &mut Case| c.dpop().claims["nonce"] = json!("made-up"), USE_CHALLENGE)]
// Required.
#[case::req_normal_valid(ChallengePolicy::Required, DpopNoncePolicy::Off, Mode::Normal, |_: &mut Case| {}, OK)]
#[case::req_normal_without(ChallengePolicy::Required, DpopNoncePolicy::Off, Mode::Normal, |c: &mut Case| { c.pop().claims.as_object_mut().unwrap().remove("challenge"); }, USE_CHALLENGE)]
#[case::req_normal_made_up(ChallengePolicy::Required, DpopNoncePolicy::Off, Mode::Normal, |c: &mut Case| c.pop().claims["challenge"] = json!("made-up"), USE_CHALLENGE)]
#[case::req_normal_in_nonce_claim(ChallengePolicy::Required, DpopNoncePolicy::Off, Mode::Normal, |c: &mut Case| { let v = c.pop().claims.as_object_mut().unwrap().remove("challenge").unwrap(); c.pop().claims["nonce"] = v; }, USE_CHALLENGE)]
#[case::req_combined_valid(ChallengePolicy::Required, DpopNoncePolicy::Off, Mode::Combined, |_: &mut Case| {}, OK)]
#[case::req_combined_without(ChallengePolicy::Required, DpopNoncePolicy::Off, Mode::Combined, |c: &mut Case| { c.dpop().claims.as_object_mut().unwrap().remove("nonce"); }, USE_CHALLENGE)]
#[case::req_combined_in_challenge_claim(ChallengePolicy::Required, DpopNoncePolicy::Off, Mode::Combined, |c: &mut Case| { let v = c.dpop().claims.as_object_mut().unwrap().remove("nonce").unwrap(); c.dpop().claims["challenge"] = v; }, USE_CHALLENGE)]
#[case::req_combined_made_up(ChallengePolicy::Required, DpopNoncePolicy::Off, Mode::Combined, |c: &mut Case| c.dpop().claims["nonce"] = json!("made-up"), USE_CHALLENGE)]
// DPoP nonce required (RFC 9449 §8).
#[case::nonce_combined_valid(ChallengePolicy::Off, DpopNoncePolicy::Required, Mode::Combined, |_: &mut Case| {}, OK)]
#[case::nonce_combined_without(ChallengePolicy::Off, DpopNoncePolicy::Required, Mode::Combined, |c: &mut Case| { c.dpop().claims.as_object_mut().unwrap().remove("nonce"); }, USE_NONCE)]
#[case::nonce_combined_made_up(ChallengePolicy::Off, DpopNoncePolicy::Required, Mode::Combined, |c: &mut Case| c.dpop().claims["nonce"] = json!("made-up"), USE_NONCE)]
#[case::nonce_normal_without_dpop(ChallengePolicy::Off, DpopNoncePolicy::Required, Mode::Normal, |_: &mut Case| {}, OK)]
// Both: one value in the nonce claim satisfies both.
#[case::both_combined_valid(ChallengePolicy::Required, DpopNoncePolicy::Required, Mode::Combined, |_: &mut Case| {}, OK)]
#[case::both_combined_without(ChallengePolicy::Required, DpopNoncePolicy::Required, Mode::Combined, |c: &mut Case| { c.dpop().claims.as_object_mut().unwrap().remove("nonce"); }, USE_NONCE)]
#[case::both_normal_valid(ChallengePolicy::Required, DpopNoncePolicy::Required, Mode::Normal, |_: &mut Case| {}, OK)]
#[tokio::test]
async fn challenge_policies(
    #[case] challenge: ChallengePolicy,
    #[case] nonce: DpopNoncePolicy,
    #[case] mode: Mode,
    #[case] m: Mutation,
    #[case] expect: Expect,
    #[values(Ep::Token, Ep::Par)] ep: Ep,
) {
    run(cfg(challenge, nonce), mode, ep, m, expect).await;
}

/// Independent DPoP proof next to a PoP when nonces are required.
#[rstest]
#[case::with_nonce(true, OK)]
#[case::without_nonce(false, USE_NONCE)]
#[tokio::test]
async fn independent_dpop_nonce(#[case] with_nonce: bool, #[case] expect: Expect) {
    let srv = TestServer::start(cfg(ChallengePolicy::Off, DpopNoncePolicy::Required)).await;
    let mut case = Case::valid(&srv, Mode::Normal, Ep::Token).await;
    case.add_independent_dpop(&srv, &OTHER).await;
    if !with_nonce {
        case.dpop().claims.as_object_mut().unwrap().remove("nonce");
    }
    check(&srv.send(&case).await, expect, "independent DPoP");
    srv.stop().await;
}

/// The client follows `use_attestation_challenge` / `use_dpop_nonce` once, with the value from
/// the response header, and succeeds; a challenge is single-use.
#[rstest]
#[tokio::test]
async fn retry_with_header_value_and_single_use(
    #[values(Mode::Normal, Mode::Combined)] mode: Mode,
    #[values(
        (ChallengePolicy::Required, DpopNoncePolicy::Off),
        (ChallengePolicy::Off, DpopNoncePolicy::Required),
        (ChallengePolicy::Required, DpopNoncePolicy::Required)
    )]
    policies: (ChallengePolicy, DpopNoncePolicy),
) {
    let srv = TestServer::start(cfg(policies.0, policies.1)).await;
    let mut case = Case::valid(&srv, mode, Ep::Token).await;
    if mode == Mode::Normal && policies.1 == DpopNoncePolicy::Required {
        case.add_independent_dpop(&srv, &CLIENT).await;
    }
    for jwt in [case.pop.as_mut(), case.dpop.as_mut()]
        .into_iter()
        .flatten()
    {
        let c = jwt.claims.as_object_mut().unwrap();
        c.remove("challenge");
        c.remove("nonce");
    }
    let first = srv.send(&case).await;
    assert_eq!(first.status, 400, "{}", first.describe());
    let header = match first.error() {
        Some("use_attestation_challenge") => "oauth-client-attestation-challenge",
        Some("use_dpop_nonce") => "dpop-nonce",
        other => panic!("unexpected error {other:?}"),
    };
    let value = first.header(header).expect("retry header");
    if let Some(p) = case.pop.as_mut() {
        if policies.0 != ChallengePolicy::Off {
            p.claims["challenge"] = json!(value);
        }
        p.claims["jti"] = json!(random_id());
    }
    if let Some(d) = case.dpop.as_mut() {
        d.claims["nonce"] = json!(value);
        d.claims["jti"] = json!(random_id());
    }
    let second = srv.send(&case).await;
    check(&second, OK, "retry with the header value");
    // Same value again with fresh jtis: it was consumed.
    for jwt in [case.pop.as_mut(), case.dpop.as_mut()]
        .into_iter()
        .flatten()
    {
        jwt.claims["jti"] = json!(random_id());
    }
    let third = srv.send(&case).await;
    assert!(
        matches!(
            third.error(),
            Some("use_attestation_challenge" | "use_dpop_nonce")
        ),
        "a used challenge must not be accepted again: {}",
        third.describe()
    );
    srv.stop().await;
}

#[tokio::test]
async fn expired_challenge_rejected() {
    let mut c = cfg(ChallengePolicy::Required, DpopNoncePolicy::Off);
    c.windows.challenge_ttl = 0;
    let srv = TestServer::start(c).await;
    let case = Case::valid(&srv, Mode::Normal, Ep::Token).await;
    check(&srv.send(&case).await, USE_CHALLENGE, "expired challenge");
    srv.stop().await;
}

// ------------------------------------------------------------------ replay

#[rstest]
#[tokio::test]
async fn jti_replay_detected(
    #[values(Mode::Normal, Mode::Combined)] mode: Mode,
    #[values(Ep::Token, Ep::Par)] ep: Ep,
) {
    let srv = TestServer::start(base_config()).await;
    let case = Case::valid(&srv, mode, ep).await;
    let (headers, body) = case.encode();
    let first = srv.send_raw(ep.path(), &headers, &body).await;
    check(&first, OK, "first use");
    let again = srv.send_raw(ep.path(), &headers, &body).await;
    let expect = match mode {
        Mode::Normal => INVALID_CLIENT,
        Mode::Combined => INVALID_DPOP,
    };
    check(&again, expect, "replayed proof");
    srv.stop().await;
}

#[tokio::test]
async fn independent_dpop_replay_detected() {
    let srv = TestServer::start(base_config()).await;
    let mut case = Case::valid(&srv, Mode::Normal, Ep::Token).await;
    case.add_independent_dpop(&srv, &OTHER).await;
    check(&srv.send(&case).await, OK, "first use");
    let replayed_dpop = case.dpop.clone();
    let mut second = Case::valid(&srv, Mode::Normal, Ep::Token).await;
    second.dpop = replayed_dpop;
    check(
        &srv.send(&second).await,
        INVALID_DPOP,
        "replayed DPoP, fresh PoP",
    );
    srv.stop().await;
}

// ------------------------------------------------------------------ endpoints

#[rstest]
#[case::grant_unsupported(Ep::Token, |c: &mut Case| c.set_form("grant_type", "password"), Expect::Reject(400, "unsupported_grant_type"))]
#[case::grant_missing(Ep::Token, |c: &mut Case| c.form.clear(), Expect::Reject(400, "invalid_request"))]
#[case::duplicate_param(Ep::Token, |c: &mut Case| c.form.push(("grant_type".into(), "client_credentials".into())), Expect::Reject(400, "invalid_request"))]
#[case::wrong_content_type(Ep::Token, |c: &mut Case| c.content_type = "application/json".into(), Expect::Reject(400, "invalid_request"))]
#[case::get_method(Ep::Token, |c: &mut Case| c.http_method = reqwest::Method::GET, Expect::Reject(405, "invalid_request"))]
#[case::par_redirect_unregistered(Ep::Par, |c: &mut Case| c.set_form("redirect_uri", "https://evil.example.com/cb"), Expect::Reject(400, "invalid_request"))]
#[case::par_redirect_missing(Ep::Par, |c: &mut Case| c.form.retain(|(k, _)| k != "redirect_uri"), Expect::Reject(400, "invalid_request"))]
#[case::par_response_type_missing(Ep::Par, |c: &mut Case| c.form.retain(|(k, _)| k != "response_type"), Expect::Reject(400, "invalid_request"))]
#[case::par_response_type_token(Ep::Par, |c: &mut Case| c.set_form("response_type", "token"), Expect::Reject(400, "unsupported_response_type"))]
#[case::par_request_uri(Ep::Par, |c: &mut Case| c.set_form("request_uri", "urn:x"), Expect::Reject(400, "invalid_request"))]
#[case::par_without_client_id(Ep::Par, |c: &mut Case| c.form.retain(|(k, _)| k != "client_id"), OK)]
#[case::auth_failure_before_grant_check(Ep::Token, |c: &mut Case| { c.set_form("grant_type", "password"); c.att = None; }, INVALID_CLIENT)]
#[tokio::test]
async fn endpoint_rules(
    #[case] ep: Ep,
    #[case] m: Mutation,
    #[case] expect: Expect,
    #[values(Mode::Normal, Mode::Combined)] mode: Mode,
) {
    run(base_config(), mode, ep, m, expect).await;
}

#[tokio::test]
async fn token_response_shape() {
    let srv = TestServer::start(base_config()).await;
    let case = Case::valid(&srv, Mode::Normal, Ep::Token).await;
    let r = srv.send(&case).await;
    check(&r, OK, "normal mode token");
    assert_eq!(r.json["token_type"], "Bearer");
    assert!(r.json["expires_in"].as_u64().is_some());
    assert_eq!(r.header("cache-control").as_deref(), Some("no-store"));
    let case = Case::valid(&srv, Mode::Combined, Ep::Token).await;
    let r = srv.send(&case).await;
    assert_eq!(r.json["token_type"], "DPoP");
    srv.stop().await;
}

#[rstest]
#[tokio::test]
async fn challenge_endpoint(
    #[values(
        ChallengePolicy::Off,
        ChallengePolicy::Optional,
        ChallengePolicy::Required
    )]
    policy: ChallengePolicy,
) {
    let srv = TestServer::start(cfg(policy, DpopNoncePolicy::Off)).await;
    let md = srv.metadata().await;
    let post = srv.http.post(srv.url("/challenge")).send().await.unwrap();
    if policy == ChallengePolicy::Off {
        assert!(md.get("challenge_endpoint").is_none());
        assert_eq!(post.status(), 404);
    } else {
        assert_eq!(md["challenge_endpoint"], srv.url("/challenge"));
        assert_eq!(post.status(), 200);
        assert_eq!(post.headers()["cache-control"], "no-store");
        assert!(post.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json"));
        let v: serde_json::Value = post.json().await.unwrap();
        assert!(v["attestation_challenge"]
            .as_str()
            .is_some_and(|s| s.len() >= 32));
        let get = srv.http.get(srv.url("/challenge")).send().await.unwrap();
        assert_eq!(get.status(), 405);
    }
    srv.stop().await;
}

#[rstest]
#[case::both(&[AuthMethod::AttestJwtClientAuth, AuthMethod::AttestJwtClientAuthDpop], false)]
#[case::normal_only(&[AuthMethod::AttestJwtClientAuth], false)]
#[case::combined_only(&[AuthMethod::AttestJwtClientAuthDpop], false)]
#[case::with_oct(&[AuthMethod::AttestJwtClientAuth], true)]
#[tokio::test]
async fn metadata_members(#[case] methods: &[AuthMethod], #[case] oct: bool) {
    let mut c = base_config();
    c.methods = methods.iter().copied().collect();
    c.attester_jwks = attester_jwks(oct);
    let srv = TestServer::start(c).await;
    let md = srv.metadata().await;
    assert_eq!(md["issuer"], srv.issuer);
    assert_eq!(md["token_endpoint"], srv.url("/token"));
    assert_eq!(md["pushed_authorization_request_endpoint"], srv.url("/par"));
    assert_eq!(
        md["grant_types_supported"],
        json!([
            "client_credentials",
            "authorization_code",
            "refresh_token",
            "urn:ietf:params:oauth:grant-type:pre-authorized_code"
        ])
    );
    let names: Vec<&str> = methods.iter().map(|m| m.as_str()).collect();
    assert_eq!(md["token_endpoint_auth_methods_supported"], json!(names));
    let mut att_algs = vec!["ES256", "EdDSA", "PS256", "RS256"];
    if oct {
        att_algs.push("HS256");
    }
    assert_eq!(
        md["client_attestation_signing_alg_values_supported"],
        json!(att_algs)
    );
    assert_eq!(
        md["client_attestation_pop_signing_alg_values_supported"],
        json!(["ES256", "EdDSA", "PS256", "RS256"])
    );
    let combined = methods.contains(&AuthMethod::AttestJwtClientAuthDpop);
    // In every mode: an independent DPoP proof next to a PoP binds the token (RFC 9449 §5.1).
    assert_eq!(
        md["dpop_signing_alg_values_supported"],
        json!(["ES256", "EdDSA", "PS256", "RS256"])
    );
    let mut pm = vec![];
    if methods.contains(&AuthMethod::AttestJwtClientAuth) {
        pm.push("attestation_pop_jwt");
    }
    if combined {
        pm.push("dpop_combined");
    }
    assert_eq!(md["client_attestation_pop_methods_supported"], json!(pm));
    srv.stop().await;
}

/// The issuer may have a path: endpoints and metadata follow it (RFC 8414 §3.1).
#[tokio::test]
async fn issuer_with_path() {
    let app = reference_as::router(ServerConfig {
        issuer: Some("http://127.0.0.1:9/tenant".into()),
        ..base_config()
    })
    .unwrap();
    use tower::ServiceExt;
    let req = axum::http::Request::get("/.well-known/oauth-authorization-server/tenant")
        .body(axum::body::Body::empty())
        .unwrap();
    let resp = app.oneshot(req).await.unwrap();
    assert_eq!(resp.status(), 200);
    let body = axum::body::to_bytes(resp.into_body(), 1 << 16)
        .await
        .unwrap();
    let md: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(md["token_endpoint"], "http://127.0.0.1:9/tenant/token");
}

#[tokio::test]
async fn huge_body_is_an_oauth_error() {
    let srv = TestServer::start(base_config()).await;
    let body = "a=".to_string() + &"x".repeat(200 * 1024);
    let r = srv.send_raw("/token", &[], &body).await;
    assert_eq!(r.status, 413, "{}", r.describe());
    assert_eq!(r.error(), Some("invalid_request"));
    srv.stop().await;
}

/// ES512 (RFC 7518 §3.4, P-521) end to end: a server that takes only ES512 advertises it in
/// the three lists and accepts an ES512 attestation by a trusted P-521 attester with an ES512
/// PoP or combined-mode DPoP proof, in both modes at both endpoints; a corrupted ES512
/// signature and an ES256 attestation (an algorithm it does not take) are refused.
#[rstest]
#[tokio::test]
async fn es512_only_server(
    #[values(Mode::Normal, Mode::Combined)] mode: Mode,
    #[values(Ep::Token, Ep::Par)] ep: Ep,
) {
    let mut c = base_config();
    c.algs = vec![reference_as::Alg::Es512];
    let mut jwks = attester_jwks(false);
    let mut att = ATTESTER_P521.public_jwk.clone();
    att["kid"] = json!("att-es512");
    jwks["keys"].as_array_mut().unwrap().push(att);
    c.attester_jwks = jwks;
    let srv = TestServer::start(c).await;
    let md = srv.metadata().await;
    for list in [
        "client_attestation_signing_alg_values_supported",
        "client_attestation_pop_signing_alg_values_supported",
        "dpop_signing_alg_values_supported",
    ] {
        assert_eq!(md[list], json!(["ES512"]), "{list}");
    }
    let es512 = |case: &mut Case| {
        let att = case.att();
        att.key = &ATTESTER_P521;
        att.header["alg"] = json!("ES512");
        att.header["kid"] = json!("att-es512");
    };
    let what = format!("{mode:?} {ep:?}");
    let mut case = Case::valid_as(&srv, mode, ep, &CLIENT_P521).await;
    es512(&mut case);
    check(&srv.send(&case).await, OK, &what);

    let mut case = Case::valid_as(&srv, mode, ep, &CLIENT_P521).await;
    es512(&mut case);
    case.att().corrupt_signature = true;
    check(&srv.send(&case).await, INVALID_CLIENT, &what);

    let mut case = Case::valid_as(&srv, mode, ep, &CLIENT_P521).await;
    es512(&mut case);
    case.proof().corrupt_signature = true;
    let bad_proof = match mode {
        Mode::Normal => INVALID_CLIENT,
        Mode::Combined => INVALID_DPOP,
    };
    check(&srv.send(&case).await, bad_proof, &what);

    // The default attestation: ES256 by a trusted key, but not an algorithm this server takes.
    let case = Case::valid_as(&srv, mode, ep, &CLIENT_P521).await;
    check(&srv.send(&case).await, INVALID_CLIENT, &what);
    srv.stop().await;
}
