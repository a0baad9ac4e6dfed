//! Plan: scenario + target + fresh values → a concrete request. The valid request for a
//! (mode, endpoint) comes from the client engine; the scenario's mutations change it.
pub mod error;
pub mod fresh;
pub mod mutate;
pub mod placeholders;
pub mod request;

pub use error::PlanError;
pub use fresh::Fresh;
pub use request::{Field, FieldValue, RequestDraft};

use crate::client;
use crate::scenario::{Endpoint, FieldNameCase, KeyRef, Mode, Mutation, TokenKind};
use crate::target::Target;

/// The valid request for (mode, endpoint) with the given fresh values.
pub fn valid_request(
    target: &Target,
    mode: Mode,
    endpoint: Endpoint,
    fresh: &Fresh,
) -> Result<RequestDraft, PlanError> {
    let url = target
        .endpoint_url(endpoint)
        .ok_or(PlanError::NoEndpoint(endpoint))?
        .to_string();
    let keys = &target.keys;
    let client_id = target.client_id(mode).to_string();
    let attestation =
        client::attestation::issued(keys, &client_id, &attestation_claims(target), fresh.now);
    let mut fields = vec![Field {
        name: request::ATTESTATION.into(),
        value: FieldValue::Token(Box::new(attestation)),
    }];
    match mode {
        Mode::AttestationPopJwt => fields.push(Field {
            name: request::POP.into(),
            value: FieldValue::Token(Box::new(valid_pop(target, mode, fresh))),
        }),
        Mode::DpopCombined => fields.push(Field {
            name: request::DPOP.into(),
            value: FieldValue::Token(Box::new(valid_dpop(
                target,
                "POST",
                &url,
                fresh.combined_nonce.as_deref(),
                fresh.now,
            ))),
        }),
        Mode::None => return Err(PlanError::NoRequest),
    }
    let mut form: Vec<(String, String)> = match endpoint {
        Endpoint::Token => vec![
            ("grant_type".into(), "client_credentials".into()),
            ("client_id".into(), client_id.clone()),
        ],
        Endpoint::Par => vec![
            ("response_type".into(), "code".into()),
            ("client_id".into(), client_id.clone()),
            (
                "redirect_uri".into(),
                "https://client.example.com/cb".into(),
            ),
            // RFC 7636 example verifier's challenge: PAR servers commonly require PKCE.
            (
                "code_challenge".into(),
                "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".into(),
            ),
            ("code_challenge_method".into(), "S256".into()),
        ],
        _ => return Err(PlanError::NotAuthenticated(endpoint)),
    };
    let key = match endpoint {
        Endpoint::Token => "token",
        _ => "par",
    };
    let mut set = |n: &str, v: &str| match form.iter_mut().find(|(k, _)| k == n) {
        Some(slot) => slot.1 = v.to_string(),
        None => form.push((n.to_string(), v.to_string())),
    };
    if let Some(extra) = target.spec.form.get(key) {
        for (n, v) in extra {
            set(n, v);
        }
    }
    // The request's own protocol parameters (a grant, a flow's PKCE challenge) come last:
    // they are what this request is about.
    for (n, v) in &fresh.params {
        set(n, v);
    }
    Ok(RequestDraft {
        mode,
        method: "POST".into(),
        url,
        fields,
        form,
        name_case: FieldNameCase::default(),
    })
}

/// The attester's issuer identifier the harness puts in -07 attestations when the target file
/// gives none (`claims: {attestation: {iss: ...}}`): -07 §5.1 makes `iss` REQUIRED.
pub const DEFAULT_ATTESTER_ISS: &str = "https://attester.abca-conformance.invalid";

/// The extra claims of a valid attestation: the target file's, plus `iss` for -07.
pub fn attestation_claims(target: &Target) -> serde_json::Map<String, serde_json::Value> {
    let mut claims = target.spec.extra_claims(TokenKind::Attestation).clone();
    if target.spec.revision.pop_iss_required() && !claims.contains_key("iss") {
        claims.insert("iss".into(), DEFAULT_ATTESTER_ISS.into());
    }
    claims
}

/// The valid PoP for `mode`'s client: -07 adds `iss` = client_id (§5.2 rule 4: = the
/// attestation's `sub`); then the target file's extra PoP claims.
pub fn valid_pop(target: &Target, mode: Mode, fresh: &Fresh) -> client::token::TokenDraft {
    let mut t = client::pop::valid(
        &target.keys,
        target.issuer(),
        fresh.challenge.as_deref(),
        fresh.now,
    );
    if target.spec.revision.pop_iss_required() {
        t.claims
            .insert("iss".into(), target.client_id(mode).to_string().into());
    }
    for (k, v) in target.spec.extra_claims(TokenKind::Pop) {
        t.claims.insert(k.clone(), v.clone());
    }
    t
}

/// The valid DPoP proof signed by the Client Instance Key, with the target file's extra DPoP
/// claims.
pub fn valid_dpop(
    target: &Target,
    method: &str,
    url: &str,
    nonce: Option<&str>,
    now: i64,
) -> client::token::TokenDraft {
    let mut t = client::dpop::valid(&target.keys, KeyRef::Instance, method, url, nonce, now);
    for (k, v) in target.spec.extra_claims(TokenKind::Dpop) {
        t.claims.insert(k.clone(), v.clone());
    }
    t
}

/// The valid request with every mutation applied (steps such as `replay` are the runner's).
pub fn build(
    target: &Target,
    mode: Mode,
    endpoint: Endpoint,
    mutations: &[Mutation],
    fresh: &Fresh,
) -> Result<RequestDraft, PlanError> {
    let mut draft = valid_request(target, mode, endpoint, fresh)?;
    for m in mutations {
        mutate::apply(&mut draft, m, target, fresh)?;
    }
    Ok(draft)
}

/// The `jti` of the token of `kind`, for `replay_jti`.
pub fn jti_of(draft: &RequestDraft, kind: TokenKind) -> Option<String> {
    draft.token(kind)?.claim_str("jti").map(String::from)
}
