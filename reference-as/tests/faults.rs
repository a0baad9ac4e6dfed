//! One probe per named fault: the conforming server behaves correctly on the probe, the server
//! with the fault switched on does not, and the plain valid requests are still accepted with
//! the fault on (so each fault bends its one rule, not the whole server).
mod common;

use common::flow::*;
use common::*;
use reference_as::{AuthMethod, ChallengePolicy, DpopNoncePolicy, Draft, Fault, ServerConfig};
use serde_json::json;
use std::collections::BTreeSet;

type Mutation = fn(&mut Case);
type ConfigEdit = fn(&mut ServerConfig);

enum Probe {
    /// The mutated request is rejected (4xx) by a conforming server, accepted with the fault.
    Lenient(Mode, Ep, Mutation),
    /// The mutated request is valid: accepted by a conforming server, rejected with the fault.
    Strict(Mode, Ep, Mutation),
    /// A proof sent twice: the second use is rejected by a conforming server.
    PopReplay,
    DpopReplay,
    /// A challenge used twice (fresh jtis): the second use is rejected.
    ChallengeReuse,
    /// A challenge used after its lifetime (a fresh PoP): rejected.
    ChallengeExpired,
    /// Properties of responses other than accept / reject.
    ChallengeEndpointNoStore,
    MetadataHasDpopAlgs,
    /// client_attestation_pop_methods_supported is absent or a non-empty array.
    PopMethodsNonEmpty,
    /// client_attestation_pop_methods_supported names registered methods only.
    PopMethodsRegistered,
    MetadataHasAttestationAlgs,
    MalformedAttestationIs4xx,
    ChallengeErrorCarriesHeader,
    StaleAttestationGetsUseFresh,
    TokenTypeDpop,
    /// -11 §6.3: the challenge endpoint of a DPoP-nonce server sends `DPoP-Nonce`.
    ChallengeEndpointHasDpopNonce,
    /// -11 §7.4: a combined proof without the nonce gets use_dpop_nonce + `DPoP-Nonce`.
    CombinedMissingNonceGetsUseDpopNonce,
    /// A bad attestation signature: an RFC 6749 §5.2 JSON error response.
    ErrorIsOauthJson,
    /// A bad attestation signature: invalid_client.
    BadSignatureIsInvalidClient,
    /// A bad combined-mode DPoP signature: invalid_dpop_proof with 400.
    DpopErrorIs400,
    /// A valid PAR request: 201.
    ParIs201,
    /// A valid token request: token_type present, Cache-Control no-store.
    TokenResponseHasTokenType,
    TokenResponseNoStore,
    /// A PoP without challenge at a server requiring one; the retry with the error's
    /// challenge is accepted.
    RetryWithErrorChallenge,
    /// Grants: each of these is rejected by a conforming server (binding and single use).
    /// Instance A (CLIENT) gets a code through PAR and the pages; instance B redeems it.
    CodeOtherInstance,
    /// A pushes (uri_a), then B pushes its own request; the user authorizes uri_a; B redeems.
    RequestUriOtherInstance,
    /// A redeems its code twice.
    CodeReuse,
    /// A pushes with dpop_jkt of one key and redeems with a DPoP proof of another.
    DpopJktOtherKey,
    /// A refresh token of A (normal mode) refreshed by B in normal mode.
    RefreshOtherInstance,
    /// A refresh token of A (normal mode) refreshed by B in combined mode.
    RefreshOtherInstanceCombined,
    /// A refresh token of A refreshed with neither attestation nor PoP.
    RefreshWithoutAttestation,
}

struct FaultCase {
    fault: Fault,
    config: ConfigEdit,
    probe: Probe,
}

fn keep(_: &mut ServerConfig) {}
fn challenge_optional(c: &mut ServerConfig) {
    c.challenge = ChallengePolicy::Optional;
}
fn challenge_required(c: &mut ServerConfig) {
    c.challenge = ChallengePolicy::Required;
}
/// Challenges required, each living one second.
fn short_challenges(c: &mut ServerConfig) {
    c.challenge = ChallengePolicy::Required;
    c.windows.challenge_ttl = 1;
}
fn nonce_required(c: &mut ServerConfig) {
    c.dpop_nonce = DpopNoncePolicy::Required;
}
fn max_age(c: &mut ServerConfig) {
    c.windows.attestation_max_age = Some(3600);
}
fn d07(c: &mut ServerConfig) {
    c.draft = Draft::D07;
}
fn d11_nonce_server(c: &mut ServerConfig) {
    c.draft = Draft::D11;
    c.challenge = ChallengePolicy::Optional;
    c.dpop_nonce = DpopNoncePolicy::Required;
}
fn d11_challenge_required(c: &mut ServerConfig) {
    c.draft = Draft::D11;
    c.challenge = ChallengePolicy::Required;
}
fn d12(c: &mut ServerConfig) {
    c.draft = Draft::D12;
}
fn rsa_algs_only(c: &mut ServerConfig) {
    c.algs = vec![reference_as::Alg::Ps256];
}
fn normal_only(c: &mut ServerConfig) {
    c.methods = [AuthMethod::AttestJwtClientAuth].into();
}

fn remove(v: &mut serde_json::Value, k: &str) {
    v.as_object_mut().unwrap().remove(k);
}

fn cases() -> Vec<FaultCase> {
    use Ep::*;
    use Fault as F;
    use Mode::*;
    use Probe::*;
    let c = |fault, config: ConfigEdit, probe| FaultCase {
        fault,
        config,
        probe,
    };
    vec![
        // Attestation JWT.
        c(
            F::AttestationMultipleFieldsAccepted,
            keep,
            Lenient(Normal, Token, |c| {
                c.header_edits
                    .push(|h| duplicate_line(h, "OAuth-Client-Attestation"))
            }),
        ),
        c(
            F::AttestationToken68NotChecked,
            keep,
            Lenient(Normal, Token, |c| {
                c.header_edits
                    .push(|h| quote(h, "OAuth-Client-Attestation"))
            }),
        ),
        c(
            F::AttestationTypNotChecked,
            keep,
            Lenient(Normal, Token, |c| c.att().header["typ"] = json!("JWT")),
        ),
        c(
            F::AttestationAlgNoneAccepted,
            keep,
            Lenient(Normal, Token, |c| c.att().header["alg"] = json!("none")),
        ),
        c(
            F::AttestationAlgFromKey,
            keep,
            // No alg over an ES256 signature by the attester key the kid names.
            Lenient(Normal, Token, |c| {
                let att = c.att();
                remove(&mut att.header, "alg");
                let (h, p) = (att.header.to_string(), att.claims.to_string());
                att.raw = Some(Jwt::raw_parts(h.as_bytes(), p.as_bytes(), att.key, "ES256"));
            }),
        ),
        c(
            F::AttestationSignatureNotChecked,
            keep,
            Lenient(Normal, Token, |c| c.att().corrupt_signature = true),
        ),
        c(
            F::AttestationUntrustedSignerAccepted,
            keep,
            Lenient(Normal, Token, |c| {
                c.att().key = &CLIENT;
                remove(&mut c.att().header, "kid");
            }),
        ),
        c(
            F::AttestationHmacWithPublicKey,
            keep,
            Lenient(Normal, Token, |c| {
                c.att().header["alg"] = json!("HS256");
                c.att().key = &ATTESTER_JWK_AS_MAC;
            }),
        ),
        c(
            F::AttestationSubNotRequired,
            keep,
            Lenient(Normal, Token, |c| {
                remove(&mut c.att().claims, "sub");
                c.set_form("client_id", CLIENT_ID);
            }),
        ),
        c(
            F::AttestationExpNotRequired,
            keep,
            Lenient(Normal, Token, |c| remove(&mut c.att().claims, "exp")),
        ),
        c(
            F::AttestationExpNotChecked,
            keep,
            Lenient(Normal, Token, |c| {
                c.att().claims["exp"] = json!(now() - 3600)
            }),
        ),
        c(
            F::AttestationFutureIatAccepted,
            keep,
            Lenient(Normal, Token, |c| {
                c.att().claims["iat"] = json!(now() + 86400)
            }),
        ),
        c(
            F::AttestationCnfPrivateKeyAccepted,
            keep,
            Lenient(Normal, Token, |c| {
                c.att().claims["cnf"]["jwk"] = CLIENT.private_jwk.clone()
            }),
        ),
        c(
            F::AttestationCnfNotRequired,
            keep,
            // Combined mode: the DPoP proof (under the instance key) has no cnf to match.
            Lenient(Combined, Token, |c| remove(&mut c.att().claims, "cnf")),
        ),
        c(
            F::AttestationClientIdMismatchAccepted,
            keep,
            Lenient(Normal, Token, |c| {
                c.set_form("client_id", "https://someone-else.example.com")
            }),
        ),
        c(
            F::UseFreshAttestationNotUsed,
            max_age,
            StaleAttestationGetsUseFresh,
        ),
        c(
            F::AttestationClaimTypesNotChecked,
            keep,
            Lenient(Normal, Token, |c| {
                c.att().claims["exp"] = json!((now() + 3600).to_string())
            }),
        ),
        c(
            F::AttestationUnknownClaimsRejected,
            keep,
            Strict(Normal, Token, |c| {
                c.att().claims["x_vendor_claim"] = json!("ignored")
            }),
        ),
        // PoP JWT.
        c(
            F::PopMultipleFieldsAccepted,
            keep,
            Lenient(Normal, Token, |c| {
                c.header_edits
                    .push(|h| duplicate_line(h, "OAuth-Client-Attestation-PoP"))
            }),
        ),
        c(
            F::PopToken68NotChecked,
            keep,
            Lenient(Normal, Token, |c| {
                c.header_edits
                    .push(|h| quote(h, "OAuth-Client-Attestation-PoP"))
            }),
        ),
        c(
            F::PopTypNotChecked,
            keep,
            Lenient(Normal, Token, |c| c.pop().header["typ"] = json!("jwt")),
        ),
        c(
            F::PopAlgNoneAccepted,
            keep,
            Lenient(Normal, Token, |c| c.pop().header["alg"] = json!("none")),
        ),
        c(
            F::PopHmacAccepted,
            keep,
            Lenient(Normal, Token, |c| c.pop().header["alg"] = json!("HS256")),
        ),
        c(
            F::JoseHeaderDuplicateFirstWins,
            keep,
            // RFC 7515 §4: alg ES256 first, none last; either conforming parser refuses it.
            Lenient(Normal, Token, |c| {
                let att = c.att();
                let mut header = att.header.to_string();
                header.pop();
                header.push_str(r#","alg":"none"}"#);
                let payload = att.claims.to_string();
                att.raw = Some(Jwt::raw_parts(
                    header.as_bytes(),
                    payload.as_bytes(),
                    att.key,
                    "ES256",
                ));
            }),
        ),
        c(
            F::JoseCritIgnored,
            keep,
            Lenient(Combined, Token, |c| {
                c.dpop().header["x-conformance-critical"] = json!(true);
                c.dpop().header["crit"] = json!(["x-conformance-critical"]);
            }),
        ),
        c(
            F::PopHmacWithPublicKey,
            keep,
            Lenient(Normal, Token, |c| {
                c.pop().header["alg"] = json!("HS256");
                c.pop().key = &CLIENT_DER_AS_MAC;
            }),
        ),
        c(
            F::PopAlgFromKey,
            keep,
            // alg es256 over an ES256 signature: RFC 7515 §4.1.1 names are case-sensitive.
            Lenient(Normal, Token, |c| {
                let pop = c.pop();
                pop.header["alg"] = json!("es256");
                let (h, p) = (pop.header.to_string(), pop.claims.to_string());
                pop.raw = Some(Jwt::raw_parts(h.as_bytes(), p.as_bytes(), pop.key, "ES256"));
            }),
        ),
        c(
            F::PopSignatureNotChecked,
            keep,
            Lenient(Normal, Token, |c| c.pop().corrupt_signature = true),
        ),
        c(
            F::PopNotBoundToCnf,
            keep,
            Lenient(Normal, Token, |c| {
                c.pop().key = &OTHER;
                c.pop().header["jwk"] = OTHER.public_jwk.clone();
            }),
        ),
        c(
            F::PopAudNotChecked,
            keep,
            Lenient(Normal, Token, |c| {
                c.pop().claims["aud"] = json!("https://elsewhere.example.com")
            }),
        ),
        c(
            F::PopAudTokenEndpointAccepted,
            keep,
            Lenient(Normal, Token, |c| {
                let t = format!("{}/token", c.issuer);
                c.pop().claims["aud"] = json!(t);
            }),
        ),
        c(
            F::PopAudNotRequired,
            keep,
            Lenient(Normal, Token, |c| remove(&mut c.pop().claims, "aud")),
        ),
        c(
            F::PopClaimTypesNotChecked,
            keep,
            Lenient(Normal, Token, |c| {
                c.pop().claims["jti"] = json!(4242424242u64)
            }),
        ),
        c(
            F::PopJtiNotRequired,
            keep,
            Lenient(Normal, Token, |c| remove(&mut c.pop().claims, "jti")),
        ),
        c(F::PopJtiReplayNotDetected, keep, PopReplay),
        c(
            F::PopExpNotChecked,
            keep,
            Lenient(Normal, Token, |c| {
                c.pop().claims["exp"] = json!(now() - 3600)
            }),
        ),
        c(
            F::PopIatNotRequired,
            keep,
            Lenient(Normal, Token, |c| remove(&mut c.pop().claims, "iat")),
        ),
        c(
            F::PopIatNotChecked,
            keep,
            Lenient(Normal, Token, |c| {
                c.pop().claims["iat"] = json!(now() - 86400)
            }),
        ),
        c(
            F::PopFutureIatAccepted,
            keep,
            Lenient(Normal, Token, |c| {
                c.pop().claims["iat"] = json!(now() + 3600)
            }),
        ),
        c(
            F::PopChallengeNotChecked,
            challenge_optional,
            Lenient(Normal, Token, |c| {
                c.pop().claims["challenge"] = json!("made-up")
            }),
        ),
        c(
            F::PopChallengeNotRequired,
            challenge_required,
            Lenient(Normal, Token, |c| remove(&mut c.pop().claims, "challenge")),
        ),
        c(F::ChallengeReusable, challenge_required, ChallengeReuse),
        c(F::ChallengeNeverExpires, short_challenges, ChallengeExpired),
        c(
            F::UseAttestationChallengeWithoutHeader,
            challenge_required,
            ChallengeErrorCarriesHeader,
        ),
        // DPoP combined mode and RFC 9449 proof checks.
        c(
            F::StrayPopIgnored,
            keep,
            Lenient(Combined, Token, |c| {
                let mut p = pop(&c.issuer.clone(), &OTHER);
                p.corrupt_signature = true;
                c.pop = Some(p);
            }),
        ),
        c(
            F::DpopKeyNotMatchedToCnf,
            keep,
            Lenient(Combined, Token, |c| {
                c.dpop().key = &OTHER;
                c.dpop().header["jwk"] = OTHER.public_jwk.clone();
            }),
        ),
        c(
            F::DpopKeyComparedAsJson,
            keep,
            Strict(Combined, Token, |c| {
                let j = CLIENT.public_jwk.clone();
                c.att().claims["cnf"]["jwk"] = json!({"use": "sig", "kid": "k1", "y": j["y"], "x": j["x"], "crv": "P-256", "kty": "EC"});
            }),
        ),
        c(
            F::DpopMultipleFieldsAccepted,
            keep,
            Lenient(Combined, Token, |c| {
                c.header_edits.push(|h| duplicate_line(h, "DPoP"))
            }),
        ),
        c(
            F::DpopToken68NotChecked,
            keep,
            Lenient(Combined, Token, |c| {
                c.header_edits.push(|h| quote(h, "DPoP"))
            }),
        ),
        c(
            F::DpopRequiredClaimsNotChecked,
            keep,
            Lenient(Combined, Token, |c| remove(&mut c.dpop().claims, "htm")),
        ),
        c(
            F::DpopTypNotChecked,
            keep,
            Lenient(Combined, Token, |c| c.dpop().header["typ"] = json!("jwt")),
        ),
        c(
            F::DpopAlgNoneAccepted,
            keep,
            Lenient(Combined, Token, |c| c.dpop().header["alg"] = json!("none")),
        ),
        c(
            F::DpopHmacWithPublicKey,
            keep,
            Lenient(Combined, Token, |c| {
                c.dpop().header["alg"] = json!("HS256");
                c.dpop().key = &CLIENT_PEM_AS_MAC;
            }),
        ),
        c(
            F::DpopAlgFromKey,
            keep,
            Lenient(Combined, Token, |c| {
                let dpop = c.dpop();
                remove(&mut dpop.header, "alg");
                let (h, p) = (dpop.header.to_string(), dpop.claims.to_string());
                dpop.raw = Some(Jwt::raw_parts(
                    h.as_bytes(),
                    p.as_bytes(),
                    dpop.key,
                    "ES256",
                ));
            }),
        ),
        c(
            F::DpopSignatureNotChecked,
            keep,
            Lenient(Combined, Token, |c| c.dpop().corrupt_signature = true),
        ),
        c(
            F::DpopJwkPrivateAccepted,
            keep,
            Lenient(Combined, Token, |c| {
                c.dpop().header["jwk"] = CLIENT.private_jwk.clone()
            }),
        ),
        c(
            F::DpopHtmNotChecked,
            keep,
            Lenient(Combined, Token, |c| c.dpop().claims["htm"] = json!("PUT")),
        ),
        c(
            F::DpopHtuNotChecked,
            keep,
            Lenient(Combined, Token, |c| {
                c.dpop().claims["htu"] = json!("https://elsewhere.example.com/token")
            }),
        ),
        c(
            F::DpopIatNotChecked,
            keep,
            Lenient(Combined, Token, |c| {
                c.dpop().claims["iat"] = json!(now() - 86400)
            }),
        ),
        c(
            F::DpopExpNotChecked,
            keep,
            Lenient(Combined, Token, |c| {
                c.dpop().claims["exp"] = json!(now() - 3600)
            }),
        ),
        c(
            F::DpopNbfNotChecked,
            keep,
            Lenient(Combined, Token, |c| {
                c.dpop().claims["nbf"] = json!(now() + 3600)
            }),
        ),
        c(F::DpopJtiReplayNotDetected, keep, DpopReplay),
        c(
            F::DpopNonceNotChecked,
            nonce_required,
            Lenient(Combined, Token, |c| remove(&mut c.dpop().claims, "nonce")),
        ),
        c(
            F::DpopChallengeClaimAccepted,
            challenge_required,
            Lenient(Combined, Token, |c| {
                let v = c.dpop().claims["nonce"].clone();
                remove(&mut c.dpop().claims, "nonce");
                c.dpop().claims["challenge"] = v;
            }),
        ),
        c(
            F::CombinedChallengeNotChecked,
            challenge_optional,
            Lenient(Combined, Token, |c| {
                c.dpop().claims["nonce"] = json!("made-up")
            }),
        ),
        c(F::TokenTypeBearerWithDpop, keep, TokenTypeDpop),
        c(
            F::IndependentDpopBoundToCnf,
            keep,
            Strict(Normal, Token, |c| {
                c.dpop = Some(dpop(&c.issuer.clone(), c.ep, &OTHER))
            }),
        ),
        // Dispatch, endpoints, metadata, errors.
        c(
            F::MethodNotEnforced,
            normal_only,
            Lenient(Combined, Token, |_| {}),
        ),
        c(
            F::AttestationAloneAccepted,
            keep,
            Lenient(Normal, Token, |c| c.pop = None),
        ),
        c(
            F::ParSkipsClientAuth,
            keep,
            Lenient(Normal, Par, |c| {
                c.att = None;
                c.pop = None;
            }),
        ),
        c(
            F::ChallengeEndpointCacheable,
            challenge_optional,
            ChallengeEndpointNoStore,
        ),
        c(F::MetadataMissingDpopAlgs, keep, MetadataHasDpopAlgs),
        c(F::PopMethodsEmpty, keep, PopMethodsNonEmpty),
        c(F::PopMethodsAuthMethodNames, keep, PopMethodsRegistered),
        c(
            F::MetadataMissingAttestationAlgs,
            keep,
            MetadataHasAttestationAlgs,
        ),
        c(
            F::MetadataAlgsIncomplete,
            rsa_algs_only,
            // Everything is ES256: listed by no algorithm list of this server.
            Lenient(Normal, Token, |_| {}),
        ),
        c(F::ServerErrorOnMalformed, keep, MalformedAttestationIs4xx),
        // Grants.
        c(F::CodeNotBoundToInstance, keep, CodeOtherInstance),
        c(
            F::RequestUriNotBoundToInstance,
            keep,
            RequestUriOtherInstance,
        ),
        c(F::CodeReusable, keep, CodeReuse),
        c(F::DpopJktNotChecked, keep, DpopJktOtherKey),
        c(F::RefreshNotBoundToInstance, keep, RefreshOtherInstance),
        c(
            F::RefreshBindingCheckedInNormalModeOnly,
            keep,
            RefreshOtherInstanceCombined,
        ),
        c(F::RefreshSkipsClientAuth, keep, RefreshWithoutAttestation),
        // Rules of one revision.
        c(
            F::AttestationIssNotRequired,
            d07,
            Lenient(Normal, Token, |c| remove(&mut c.att().claims, "iss")),
        ),
        c(
            F::PopIssNotChecked,
            d07,
            Lenient(Normal, Token, |c| {
                c.pop().claims["iss"] = json!("https://someone-else.example.com")
            }),
        ),
        c(
            F::PresentNbfNotChecked,
            keep,
            Lenient(Normal, Token, |c| {
                c.att().claims["nbf"] = json!(now() + 3600)
            }),
        ),
        c(
            F::NbfNotChecked,
            d07,
            Lenient(Normal, Token, |c| {
                c.pop().claims["nbf"] = json!(now() + 3600)
            }),
        ),
        c(
            F::CombinedModeAcceptedIn07,
            d07,
            Lenient(Combined, Token, |_| {}),
        ),
        c(
            F::ChallengeEndpointWithoutDpopNonce,
            d11_nonce_server,
            ChallengeEndpointHasDpopNonce,
        ),
        c(
            F::DpopNonceFreshnessViaChallenge,
            d11_challenge_required,
            CombinedMissingNonceGetsUseDpopNonce,
        ),
        c(
            F::AttestationIatNotRequired,
            d12,
            Lenient(Normal, Token, |c| remove(&mut c.att().claims, "iat")),
        ),
        c(
            F::SfParametersAccepted,
            d12,
            Lenient(Normal, Token, |c| {
                c.header_edits.push(|h| {
                    for (n, v) in h.iter_mut() {
                        if n.eq_ignore_ascii_case("OAuth-Client-Attestation") {
                            v.push_str(";p=1");
                        }
                    }
                })
            }),
        ),
        c(F::ErrorsNotOauthJson, keep, ErrorIsOauthJson),
        c(
            F::ClientAuthFailureInvalidRequest,
            keep,
            BadSignatureIsInvalidClient,
        ),
        c(F::ErrorsAll401, keep, DpopErrorIs400),
        c(F::ParAnswers200, keep, ParIs201),
        c(F::TokenTypeMissing, keep, TokenResponseHasTokenType),
        c(F::TokenResponseCacheable, keep, TokenResponseNoStore),
        c(
            F::ChallengeFromErrorNotHonoured,
            challenge_required,
            RetryWithErrorChallenge,
        ),
        c(
            F::RepeatedFormParamAccepted,
            keep,
            Lenient(Normal, Token, |c| {
                c.set_form("client_id", CLIENT_ID);
                c.form.push(("client_id".into(), CLIENT_ID.into()));
            }),
        ),
        c(
            F::EmptyFormParamKept,
            keep,
            Strict(Normal, Token, |c| c.set_form("client_id", "")),
        ),
        // x5c chains (RFC 7515 §4.1.6), the server trusting the test PKI's root.
        c(
            F::X5cMalformedIgnored,
            trust_pki,
            Lenient(Normal, Token, |c| {
                let mut chain = PKI.x5c(&[&PKI.leaf, &PKI.inter]);
                chain.as_array_mut().unwrap().push(json!("%%% not base64"));
                c.att().header["x5c"] = chain;
            }),
        ),
        c(
            F::X5cChainOrderNotChecked,
            trust_pki,
            Lenient(Normal, Token, |c| {
                c.att().header["x5c"] = PKI.x5c(&[&PKI.inter, &PKI.leaf])
            }),
        ),
        c(
            F::X5cUntrustedAnchorAccepted,
            trust_pki,
            Lenient(Normal, Token, |c| {
                c.att().header["x5c"] = PKI.x5c(&[&PKI.rogue_leaf])
            }),
        ),
        c(
            F::X5cValidityNotChecked,
            trust_pki,
            Lenient(Normal, Token, |c| {
                c.att().header["x5c"] = PKI.x5c(&[&PKI.expired_leaf, &PKI.inter])
            }),
        ),
        c(
            F::X5cKeyUsageNotChecked,
            trust_pki,
            Lenient(Normal, Token, |c| {
                c.att().header["x5c"] = PKI.x5c(&[&PKI.no_signing_leaf, &PKI.inter])
            }),
        ),
        c(
            F::X5cLeafKeyNotChecked,
            trust_pki,
            Lenient(Normal, Token, |c| {
                c.att().header["x5c"] = PKI.x5c(&[&PKI.leaf, &PKI.inter]);
                c.att().key = &OTHER;
            }),
        ),
    ]
}

fn trust_pki(c: &mut ServerConfig) {
    c.attester_cas = vec![PKI.root.clone()];
}

/// A test PKI for the ATTESTER key: root -> intermediate -> leaves (DER).
struct Pki {
    root: Vec<u8>,
    inter: Vec<u8>,
    leaf: Vec<u8>,
    expired_leaf: Vec<u8>,
    no_signing_leaf: Vec<u8>,
    rogue_leaf: Vec<u8>,
}

impl Pki {
    fn x5c(&self, certs: &[&Vec<u8>]) -> serde_json::Value {
        use base64::Engine;
        json!(certs
            .iter()
            .map(|d| base64::engine::general_purpose::STANDARD.encode(d))
            .collect::<Vec<_>>())
    }
}

/// The attester's public key as rcgen wants it (an uncompressed P-256 point).
struct AttesterPublic(Vec<u8>);

impl rcgen::PublicKeyData for AttesterPublic {
    fn der_bytes(&self) -> &[u8] {
        &self.0
    }
    fn algorithm(&self) -> &rcgen::SignatureAlgorithm {
        &rcgen::PKCS_ECDSA_P256_SHA256
    }
}

static PKI: std::sync::LazyLock<Pki> = std::sync::LazyLock::new(|| {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose};
    let ca = |name: &str| {
        let key = KeyPair::generate().unwrap();
        let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
        p.distinguished_name.push(DnType::CommonName, name);
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        p.key_usages = vec![KeyUsagePurpose::KeyCertSign];
        (p, key)
    };
    let (root_p, root_key) = ca("root");
    let root = root_p.self_signed(&root_key).unwrap();
    let (inter_p, inter_key) = ca("intermediate");
    let inter = inter_p.signed_by(&inter_key, &root, &root_key).unwrap();
    let (rogue_p, rogue_key) = ca("root");
    let rogue = rogue_p.self_signed(&rogue_key).unwrap();
    let jwk = &ATTESTER.public_jwk;
    let coord = |n: &str| {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(jwk[n].as_str().unwrap())
            .unwrap()
    };
    let mut point = vec![4u8];
    point.extend(coord("x"));
    point.extend(coord("y"));
    let public = AttesterPublic(point);
    let day = time::Duration::days(1);
    let now = time::OffsetDateTime::now_utc();
    let leaf = |from: time::OffsetDateTime,
                to: time::OffsetDateTime,
                usage: KeyUsagePurpose,
                issuer: &rcgen::Certificate,
                issuer_key: &KeyPair| {
        let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
        p.distinguished_name.push(DnType::CommonName, "attester");
        p.is_ca = IsCa::ExplicitNoCa;
        p.key_usages = vec![usage];
        p.not_before = from;
        p.not_after = to;
        p.signed_by(&public, issuer, issuer_key)
            .unwrap()
            .der()
            .to_vec()
    };
    let sign = KeyUsagePurpose::DigitalSignature;
    Pki {
        leaf: leaf(now - day, now + day * 30, sign, &inter, &inter_key),
        expired_leaf: leaf(now - day * 30, now - day, sign, &inter, &inter_key),
        no_signing_leaf: leaf(
            now - day,
            now + day * 30,
            KeyUsagePurpose::KeyEncipherment,
            &inter,
            &inter_key,
        ),
        rogue_leaf: leaf(now - day, now + day * 30, sign, &rogue, &rogue_key),
        root: root.der().to_vec(),
        inter: inter.der().to_vec(),
    }
});

/// Runs the probe; Ok(true) when the server behaved conformingly.
async fn probe(srv: &TestServer, p: &Probe) -> Result<bool, String> {
    let rejected_4xx = |r: &Resp| -> Result<bool, String> {
        if r.status >= 500 {
            return Err(format!("server error {}", r.describe()));
        }
        Ok(!r.ok())
    };
    match p {
        Probe::Lenient(mode, ep, m) | Probe::Strict(mode, ep, m) => {
            let mut case = Case::valid(srv, *mode, *ep).await;
            m(&mut case);
            let r = srv.send(&case).await;
            let rejected = rejected_4xx(&r)?;
            Ok(if matches!(p, Probe::Lenient(..)) {
                rejected
            } else {
                !rejected
            })
        }
        Probe::PopReplay | Probe::DpopReplay => {
            let mode = if matches!(p, Probe::PopReplay) {
                Mode::Normal
            } else {
                Mode::Combined
            };
            let (headers, body) = Case::valid(srv, mode, Ep::Token).await.encode();
            let first = srv.send_raw("/token", &headers, &body).await;
            if !first.ok() {
                return Err(format!("first use rejected: {}", first.describe()));
            }
            rejected_4xx(&srv.send_raw("/token", &headers, &body).await)
        }
        Probe::ChallengeReuse => {
            let mut case = Case::valid(srv, Mode::Normal, Ep::Token).await;
            let first = srv.send(&case).await;
            if !first.ok() {
                return Err(format!("first use rejected: {}", first.describe()));
            }
            case.pop().claims["jti"] = json!(random_id());
            case.pop().claims["iat"] = json!(now());
            rejected_4xx(&srv.send(&case).await)
        }
        Probe::ChallengeExpired => {
            let mut case = Case::valid(srv, Mode::Normal, Ep::Token).await;
            // Lifetimes are whole seconds against the clock's second: two of them pass.
            tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
            case.pop().claims["jti"] = json!(random_id());
            case.pop().claims["iat"] = json!(now());
            rejected_4xx(&srv.send(&case).await)
        }
        Probe::ChallengeEndpointNoStore => {
            let r = srv
                .http
                .post(srv.url("/challenge"))
                .send()
                .await
                .map_err(|e| e.to_string())?;
            Ok(r.status() == 200
                && r.headers()
                    .get("cache-control")
                    .is_some_and(|v| v.to_str().unwrap_or("").contains("no-store")))
        }
        Probe::PopMethodsNonEmpty => {
            let md = srv.metadata().await;
            let m = &md["client_attestation_pop_methods_supported"];
            Ok(m.is_null() || m.as_array().is_some_and(|a| !a.is_empty()))
        }
        Probe::PopMethodsRegistered => {
            let md = srv.metadata().await;
            let registered = ["attestation_pop_jwt", "dpop_combined", "none"];
            Ok(md["client_attestation_pop_methods_supported"]
                .as_array()
                .is_some_and(|a| {
                    a.iter()
                        .all(|v| v.as_str().is_some_and(|s| registered.contains(&s)))
                }))
        }
        Probe::MetadataHasDpopAlgs => {
            Ok(srv.metadata().await["dpop_signing_alg_values_supported"].is_array())
        }
        Probe::MetadataHasAttestationAlgs => {
            let md = srv.metadata().await;
            Ok(
                md["client_attestation_signing_alg_values_supported"].is_array()
                    && md["client_attestation_pop_signing_alg_values_supported"].is_array(),
            )
        }
        Probe::MalformedAttestationIs4xx => {
            let mut case = Case::valid(srv, Mode::Normal, Ep::Token).await;
            // token68-clean, so it reaches the decoder: the payload is base64url of "notjson".
            case.att().raw = Some("e30.bm90anNvbg.AAAA".into());
            let r = srv.send(&case).await;
            Ok((400..500).contains(&r.status))
        }
        Probe::ChallengeErrorCarriesHeader => {
            let mut case = Case::valid(srv, Mode::Normal, Ep::Token).await;
            remove(&mut case.pop().claims, "challenge");
            let r = srv.send(&case).await;
            if r.error() != Some("use_attestation_challenge") {
                return Err(format!(
                    "expected use_attestation_challenge: {}",
                    r.describe()
                ));
            }
            Ok(r.header("oauth-client-attestation-challenge").is_some())
        }
        Probe::StaleAttestationGetsUseFresh => {
            let mut case = Case::valid(srv, Mode::Normal, Ep::Token).await;
            case.att().claims["iat"] = json!(now() - 7200);
            let r = srv.send(&case).await;
            if r.ok() {
                return Err("stale attestation accepted".into());
            }
            Ok(r.error() == Some("use_fresh_attestation"))
        }
        Probe::ChallengeEndpointHasDpopNonce => {
            let r = srv
                .http
                .post(srv.url("/challenge"))
                .send()
                .await
                .map_err(|e| e.to_string())?;
            Ok(r.status() == 200 && r.headers().get("dpop-nonce").is_some())
        }
        Probe::CombinedMissingNonceGetsUseDpopNonce => {
            let mut case = Case::valid(srv, Mode::Combined, Ep::Token).await;
            remove(&mut case.dpop().claims, "nonce");
            let r = srv.send(&case).await;
            if r.ok() {
                return Err("combined proof without nonce accepted".into());
            }
            Ok(r.status == 400
                && r.error() == Some("use_dpop_nonce")
                && r.header("dpop-nonce").is_some())
        }
        Probe::ErrorIsOauthJson | Probe::BadSignatureIsInvalidClient => {
            let mut case = Case::valid(srv, Mode::Normal, Ep::Token).await;
            case.att().corrupt_signature = true;
            let r = srv.send(&case).await;
            if r.ok() {
                return Err("bad attestation signature accepted".into());
            }
            Ok(if matches!(p, Probe::ErrorIsOauthJson) {
                r.header("content-type")
                    .is_some_and(|ct| ct.starts_with("application/json"))
                    && r.error().is_some()
            } else {
                r.error() == Some("invalid_client")
            })
        }
        Probe::DpopErrorIs400 => {
            let mut case = Case::valid(srv, Mode::Combined, Ep::Token).await;
            case.dpop().corrupt_signature = true;
            let r = srv.send(&case).await;
            Ok(r.status == 400 && r.error() == Some("invalid_dpop_proof"))
        }
        Probe::ParIs201 => {
            let case = Case::valid(srv, Mode::Normal, Ep::Par).await;
            Ok(srv.send(&case).await.status == 201)
        }
        Probe::TokenResponseHasTokenType | Probe::TokenResponseNoStore => {
            let case = Case::valid(srv, Mode::Normal, Ep::Token).await;
            let r = srv.send(&case).await;
            if !r.ok() {
                return Err(format!("valid request rejected: {}", r.describe()));
            }
            Ok(if matches!(p, Probe::TokenResponseHasTokenType) {
                r.json["token_type"].is_string()
            } else {
                r.header("cache-control")
                    .is_some_and(|v| v.contains("no-store"))
            })
        }
        Probe::RetryWithErrorChallenge => {
            let mut case = Case::valid(srv, Mode::Normal, Ep::Token).await;
            case.pop().claims["challenge"] = json!("never-issued");
            let r = srv.send(&case).await;
            let c = r
                .header("oauth-client-attestation-challenge")
                .ok_or_else(|| format!("no challenge header on the error: {}", r.describe()))?;
            case.pop().claims["challenge"] = json!(c);
            case.pop().claims["jti"] = json!(random_id());
            Ok(srv.send(&case).await.ok())
        }
        Probe::CodeOtherInstance => {
            let code = code_flow(srv, Mode::Normal, &CLIENT, &Push::default()).await;
            rejected_4xx(&redeem(srv, Mode::Normal, &INSTANCE_B, &code, None).await)
        }
        Probe::RequestUriOtherInstance => {
            let (verifier, challenge) = pkce();
            let uri_a = push(srv, Mode::Normal, &CLIENT, &challenge, &Push::default())
                .await
                .map_err(|r| format!("PAR of A rejected: {}", r.describe()))?;
            push(srv, Mode::Normal, &INSTANCE_B, &challenge, &Push::default())
                .await
                .map_err(|r| format!("PAR of B rejected: {}", r.describe()))?;
            let q = user_step(srv, &uri_a, true).await?;
            let code = Code {
                code: param(&q, "code").ok_or("no code")?.to_owned(),
                verifier,
            };
            rejected_4xx(&redeem(srv, Mode::Normal, &INSTANCE_B, &code, None).await)
        }
        Probe::CodeReuse => {
            let code = code_flow(srv, Mode::Normal, &CLIENT, &Push::default()).await;
            let first = redeem(srv, Mode::Normal, &CLIENT, &code, None).await;
            if !first.ok() {
                return Err(format!("first redemption rejected: {}", first.describe()));
            }
            rejected_4xx(&redeem(srv, Mode::Normal, &CLIENT, &code, None).await)
        }
        Probe::DpopJktOtherKey => {
            let opts = Push {
                dpop_jkt: Some(jkt(&OTHER)),
                ..Push::default()
            };
            let code = code_flow(srv, Mode::Normal, &CLIENT, &opts).await;
            rejected_4xx(&redeem(srv, Mode::Normal, &CLIENT, &code, Some(&CLIENT_ED)).await)
        }
        Probe::RefreshOtherInstance | Probe::RefreshOtherInstanceCombined => {
            let rt = refresh_token_of(srv, Mode::Normal, &CLIENT).await;
            let mode = if matches!(p, Probe::RefreshOtherInstance) {
                Mode::Normal
            } else {
                Mode::Combined
            };
            rejected_4xx(&refresh(srv, mode, &INSTANCE_B, &rt).await)
        }
        Probe::RefreshWithoutAttestation => {
            let rt = refresh_token_of(srv, Mode::Normal, &CLIENT).await;
            let mut case = Case::valid_as(srv, Mode::Normal, Ep::Token, &CLIENT).await;
            case.form.clear();
            case.set_form("grant_type", "refresh_token");
            case.set_form("refresh_token", &rt);
            case.att = None;
            case.pop = None;
            rejected_4xx(&srv.send(&case).await)
        }
        Probe::TokenTypeDpop => {
            let case = Case::valid(srv, Mode::Combined, Ep::Token).await;
            let r = srv.send(&case).await;
            if !r.ok() {
                return Err(format!("combined request rejected: {}", r.describe()));
            }
            Ok(r.json["token_type"] == "DPoP")
        }
    }
}

async fn check_fault(fc: FaultCase) -> Result<(), String> {
    let name = fc.fault.name();
    let mut cfg = base_config();
    (fc.config)(&mut cfg);

    let conforming = TestServer::start(cfg.clone()).await;
    let ok = probe(&conforming, &fc.probe).await;
    conforming.stop().await;
    match ok {
        Ok(true) => {}
        Ok(false) => return Err(format!("{name}: the conforming server fails the probe")),
        Err(e) => return Err(format!("{name}: conforming server: {e}")),
    }

    let mut faulty_cfg = cfg.clone();
    faulty_cfg.faults = [fc.fault].into();
    let faulty = TestServer::start(faulty_cfg).await;
    let result = async {
        match probe(&faulty, &fc.probe).await {
            Ok(false) => {}
            Ok(true) => {
                return Err(format!(
                    "{name}: the fault does not change the probe's outcome"
                ))
            }
            Err(e) => return Err(format!("{name}: faulty server: {e}")),
        }
        // The plain valid requests still pass: the fault bends one rule only.
        for mode in [Mode::Normal, Mode::Combined] {
            let method = match mode {
                Mode::Normal => AuthMethod::AttestJwtClientAuth,
                Mode::Combined => AuthMethod::AttestJwtClientAuthDpop,
            };
            // draft-07 has no combined mode.
            if !cfg.methods.contains(&method) || (mode == Mode::Combined && cfg.draft == Draft::D07)
            {
                continue;
            }
            for ep in [Ep::Token, Ep::Par] {
                let case = Case::valid(&faulty, mode, ep).await;
                let r = faulty.send(&case).await;
                if !r.ok() {
                    return Err(format!(
                        "{name}: valid {mode:?} request at {ep:?} rejected with the fault on: {}",
                        r.describe()
                    ));
                }
            }
        }
        Ok(())
    }
    .await;
    faulty.stop().await;
    result
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fault_bends_its_rule() {
    let mut set = tokio::task::JoinSet::new();
    for fc in cases() {
        set.spawn(tokio::time::timeout(
            std::time::Duration::from_secs(30),
            async move {
                let name = fc.fault.name();
                (name, check_fault(fc).await)
            },
        ));
    }
    let mut failures = vec![];
    let mut passed = 0;
    while let Some(joined) = set.join_next().await {
        match joined {
            Ok(Ok((_, Ok(())))) => passed += 1,
            Ok(Ok((_, Err(e)))) => failures.push(e),
            Ok(Err(_)) => failures.push("a fault probe timed out".into()),
            Err(e) => failures.push(format!("a fault probe panicked: {e}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} fault probes failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(passed, Fault::all().len());
}

#[test]
fn every_fault_has_a_probe() {
    let probed: Vec<Fault> = cases().iter().map(|c| c.fault).collect();
    let unique: BTreeSet<Fault> = probed.iter().copied().collect();
    assert_eq!(unique.len(), probed.len(), "a fault has two probes");
    let all: BTreeSet<Fault> = Fault::all().iter().copied().collect();
    let missing: Vec<&str> = all.difference(&unique).map(|f| f.name()).collect();
    assert!(missing.is_empty(), "faults without a probe: {missing:?}");
}

#[test]
fn fault_names_are_stable_and_round_trip() {
    let mut names = BTreeSet::new();
    for f in Fault::all() {
        let n = f.name();
        assert!(names.insert(n), "duplicate name {n}");
        assert!(
            n.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
            "{n} is not kebab-case"
        );
        assert_eq!(Fault::from_name(n), Some(*f));
        assert!(!f.description().is_empty());
    }
    // What `serve --list-faults` shows: a too-strict fault says so first, a lenient one not.
    for f in Fault::all() {
        assert_eq!(
            f.description().starts_with("Too strict: "),
            f.too_strict(),
            "{}",
            f.name()
        );
    }
    assert_eq!(Fault::from_name("no-such-fault"), None);
    let strict: Vec<&str> = Fault::all()
        .iter()
        .filter(|f| f.too_strict())
        .map(|f| f.name())
        .collect();
    assert_eq!(
        strict,
        [
            "attestation-unknown-claims-rejected",
            "dpop-key-compared-as-json",
            "independent-dpop-bound-to-cnf",
            "empty-form-param-kept"
        ]
    );
}

/// Each probe runs the server as a revision the fault applies to, and the faults of one
/// revision are the ones the issue names.
#[test]
fn faults_are_probed_under_their_revisions() {
    for fc in cases() {
        let mut cfg = base_config();
        (fc.config)(&mut cfg);
        assert!(
            fc.fault.applies_to(cfg.draft),
            "{} is probed as draft-{} but applies to {:?}",
            fc.fault.name(),
            cfg.draft.as_str(),
            fc.fault.drafts()
        );
    }
    let only = |d: Draft| -> Vec<&str> {
        Fault::all()
            .iter()
            .filter(|f| f.drafts() == [d])
            .map(|f| f.name())
            .collect()
    };
    assert_eq!(
        only(Draft::D07),
        [
            "attestation-iss-not-required",
            "pop-iss-not-checked",
            "nbf-not-checked",
            "combined-mode-accepted-in-07"
        ]
    );
    assert_eq!(
        only(Draft::D12),
        ["attestation-iat-not-required", "sf-parameters-accepted"]
    );
    for f in [
        Fault::ChallengeEndpointWithoutDpopNonce,
        Fault::DpopNonceFreshnessViaChallenge,
    ] {
        assert_eq!(f.drafts(), [Draft::D11, Draft::D12], "{}", f.name());
    }
}
