//! RFC 8414 authorization server metadata with the members of the draft revision served:
//! -10/-11/-12 §8 ("Authorization Server and Resource Server Metadata"), -07 §10.1.
use crate::config::{AuthMethod, ChallengePolicy};
use crate::draft::Draft;
use crate::fault::Fault;
use crate::jwk::Alg;
use crate::state::AppState;
use serde_json::{json, Map, Value};

pub fn metadata(st: &AppState) -> Value {
    let mut m = Map::new();
    m.insert("issuer".into(), json!(st.issuer));
    m.insert("token_endpoint".into(), json!(st.token_endpoint));
    m.insert(
        "pushed_authorization_request_endpoint".into(),
        json!(st.par_endpoint),
    );
    if st.config.challenge != ChallengePolicy::Off {
        m.insert("challenge_endpoint".into(), json!(st.challenge_endpoint));
    }
    // -07 registers only attest_jwt_client_auth (-07 §13); _dpop appears in -09.
    let methods: Vec<&str> = st
        .config
        .methods
        .iter()
        .filter(|m| **m != AuthMethod::AttestJwtClientAuthDpop || st.combined_enabled())
        .map(|m| m.as_str())
        .collect();
    m.insert(
        "token_endpoint_auth_methods_supported".into(),
        json!(methods),
    );
    let names =
        |algs: &[Alg]| -> Value { json!(algs.iter().map(|a| a.as_str()).collect::<Vec<_>>()) };
    // MUST when the PoP JWT mechanism is used (draft-10 §Metadata); published in both modes
    // because the attestation is verified in both.
    if !st.fault(Fault::MetadataMissingAttestationAlgs) {
        m.insert(
            "client_attestation_signing_alg_values_supported".into(),
            names(&st.attestation_algs()),
        );
        m.insert(
            "client_attestation_pop_signing_alg_values_supported".into(),
            names(st.proof_algs()),
        );
    }
    let combined = st.combined_enabled();
    // MUST when DPoP is the PoP in combined mode (draft-10 §Metadata). Published in every
    // revision and mode all the same: the server takes DPoP proofs next to a PoP too (an
    // independent proof binds the token, RFC 9449 §5), and RFC 9449 §5.1 is how a client
    // learns that (HAIP 1.0 requires DPoP whatever the attestation revision).
    if !st.fault(Fault::MetadataMissingDpopAlgs) {
        m.insert(
            "dpop_signing_alg_values_supported".into(),
            names(st.proof_algs()),
        );
    }
    let mut pop_methods = Vec::new();
    let confused = st.fault(Fault::PopMethodsAuthMethodNames);
    if st.method_enabled(AuthMethod::AttestJwtClientAuth) {
        pop_methods.push(if confused {
            "attest_jwt_client_auth"
        } else {
            "attestation_pop_jwt"
        });
    }
    if combined {
        pop_methods.push(if confused {
            "attest_jwt_client_auth_dpop"
        } else {
            "dpop_combined"
        });
    }
    if st.fault(Fault::PopMethodsEmpty) {
        pop_methods.clear();
        m.insert("client_attestation_pop_methods_supported".into(), json!([]));
    }
    // New in -10 (§7.6, §8); -07 does not define it.
    if !pop_methods.is_empty() && st.draft() != Draft::D07 {
        // The array MUST NOT be empty when present (-10/-11/-12 §8).
        m.insert(
            "client_attestation_pop_methods_supported".into(),
            json!(pop_methods),
        );
    }
    m.insert(
        "authorization_endpoint".into(),
        json!(st.authorization_endpoint),
    );
    m.insert(
        "grant_types_supported".into(),
        json!(crate::grants::SUPPORTED),
    );
    m.insert("response_types_supported".into(), json!(["code"]));
    // RFC 7636 §4.3 / RFC 8414 §2: only S256; PKCE is required for every code.
    m.insert("code_challenge_methods_supported".into(), json!(["S256"]));
    // RFC 9126 §5: the authorization endpoint accepts only pushed requests.
    m.insert("require_pushed_authorization_requests".into(), json!(true));
    // RFC 9207 §3: `iss` is in every authorization response.
    m.insert(
        "authorization_response_iss_parameter_supported".into(),
        json!(true),
    );
    // OpenID4VCI 1.0 §11.3 (AS metadata): the pre-authorized code grant needs client
    // authentication here (by attestation, like every grant).
    m.insert(
        "pre-authorized_grant_anonymous_access_supported".into(),
        json!(false),
    );
    Value::Object(m)
}
