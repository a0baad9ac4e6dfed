//! Named faults: each bends exactly one rule of draft-10 (or of RFC 9449 for combined mode).
//! CONTRACT: `Fault::all()`, `Fault::name()` (kebab-case, stable), `Fault::description()`,
//! `Fault::from_name()`. The suite's self-test iterates `all()`.
//!
//! Most faults make the server too lenient (it accepts what it must reject); the ones whose
//! description starts with "Too strict" make it reject a valid request ([`Fault::too_strict`]).

/// One deliberately broken rule. The doc of each variant names the rule and how it is bent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Fault {
    /// `attestation-multiple-fields-accepted`: Exactly one OAuth-Client-Attestation field (draft-10 §Verification Client Attestation JWT item 1): uses the first of two field lines / the first element of a comma list.
    AttestationMultipleFieldsAccepted,
    /// `attestation-token68-not-checked`: The OAuth-Client-Attestation value must be token68 (draft-10 §Client Attestation JWT): accepts the JWT wrapped in double quotes by unquoting it.
    AttestationToken68NotChecked,
    /// `attestation-typ-not-checked`: The attestation typ must be oauth-client-attestation+jwt (draft-10 §Client Attestation JWT): any typ accepted.
    AttestationTypNotChecked,
    /// `attestation-alg-none-accepted`: The attestation alg must not be none (draft-10 §Verification Client Attestation JWT item 3): an unsigned alg none attestation is accepted.
    AttestationAlgNoneAccepted,
    /// `attestation-signature-not-checked`: The attestation signature must verify (draft-10 §Verification Client Attestation JWT item 4): the signature is not verified.
    AttestationSignatureNotChecked,
    /// `attestation-untrusted-signer-accepted`: The attestation must be signed by a trusted attester (draft-10 §Verification Client Attestation JWT item 4): an attestation self-signed by its own cnf key is accepted.
    AttestationUntrustedSignerAccepted,
    /// `attestation-sub-not-required`: sub is required (draft-10 §Client Attestation JWT): a missing sub is tolerated and the client is taken from the form client_id.
    AttestationSubNotRequired,
    /// `attestation-exp-not-required`: exp is required (draft-10 §Client Attestation JWT): an attestation without exp is accepted.
    AttestationExpNotRequired,
    /// `attestation-exp-not-checked`: An expired attestation must be rejected (draft-10 §Client Attestation JWT, exp): an expired attestation is accepted.
    AttestationExpNotChecked,
    /// `attestation-cnf-private-key-accepted`: cnf.jwk must not be a private key (draft-10 §Verification Client Attestation JWT item 5): a cnf.jwk with private members (d) is accepted.
    AttestationCnfPrivateKeyAccepted,
    /// `attestation-client-id-mismatch-accepted`: A form client_id must equal sub (draft-10 §Verification Client Attestation JWT item 7): a differing client_id is accepted.
    AttestationClientIdMismatchAccepted,
    /// `use-fresh-attestation-not-used`: A stale attestation must be answered with use_fresh_attestation (draft-10 §Errors): it is answered with invalid_client instead.
    UseFreshAttestationNotUsed,
    /// `attestation-claim-types-not-checked`: Attestation claims must have their JSON types (RFC 7519 NumericDate, StringOrURI): exp / iat given as a numeric JSON string (and a numeric sub) are accepted.
    AttestationClaimTypesNotChecked,
    /// `attestation-unknown-claims-rejected`: Too strict: unknown attestation claims MUST be ignored (draft-10 §Client Attestation JWT rule 1), yet an attestation carrying one is rejected.
    AttestationUnknownClaimsRejected,
    /// `pop-multiple-fields-accepted`: Exactly one OAuth-Client-Attestation-PoP field (draft-10 §Verification PoP item 1): uses the first of two field lines / the first element of a comma list.
    PopMultipleFieldsAccepted,
    /// `pop-typ-not-checked`: The PoP typ must be oauth-client-attestation-pop+jwt (draft-10 §Client Attestation PoP JWT): any typ accepted.
    PopTypNotChecked,
    /// `pop-alg-none-accepted`: The PoP alg must not be none (draft-10 §Verification PoP item 3): an unsigned alg none PoP is accepted.
    PopAlgNoneAccepted,
    /// `pop-hmac-accepted`: The PoP must use an asymmetric algorithm (draft-10 §Client Attestation PoP JWT rule 2): an HS256 PoP is accepted without verification.
    PopHmacAccepted,
    /// `pop-signature-not-checked`: The PoP signature must verify with cnf.jwk (draft-10 §Verification PoP item 4): the signature is not verified.
    PopSignatureNotChecked,
    /// `pop-not-bound-to-cnf`: The PoP must verify with the cnf key (draft-10 §Client Attestation PoP JWT rule 3): a jwk in the PoP's own header, when present, is used instead.
    PopNotBoundToCnf,
    /// `pop-aud-not-checked`: The PoP aud must be the issuer (draft-10 §Verification PoP item 7): any aud value is accepted.
    PopAudNotChecked,
    /// `pop-aud-token-endpoint-accepted`: The PoP aud must be the issuer (draft-10 §Verification PoP item 7): the token endpoint URL is accepted as aud too.
    PopAudTokenEndpointAccepted,
    /// `pop-jti-not-required`: jti is required in the PoP (draft-10 §Client Attestation PoP JWT): a PoP without jti is accepted.
    PopJtiNotRequired,
    /// `pop-jti-replay-not-detected`: SHOULD detect PoP replay (draft-10 §Security Considerations Replay Attacks): a PoP jti is accepted again.
    PopJtiReplayNotDetected,
    /// `pop-iat-not-required`: iat is required in the PoP (draft-10 §Client Attestation PoP JWT): a PoP without iat is accepted.
    PopIatNotRequired,
    /// `pop-iat-not-checked`: The PoP iat must be within the window (draft-10 §Verification PoP item 6): a stale iat is accepted.
    PopIatNotChecked,
    /// `pop-future-iat-accepted`: The PoP iat must be within the window (draft-10 §Verification PoP item 6): an iat far in the future is accepted.
    PopFutureIatAccepted,
    /// `pop-challenge-not-checked`: A PoP challenge must be one the server issued (draft-10 §Verification PoP item 5): a wrong challenge is accepted.
    PopChallengeNotChecked,
    /// `pop-challenge-not-required`: With challenges required, the PoP must carry one (draft-10 §Verification PoP item 5): a PoP without challenge is accepted.
    PopChallengeNotRequired,
    /// `challenge-reusable`: Challenges are single-use (draft-10 §Implementation Considerations Replay Attack Detection): a challenge is accepted twice.
    ChallengeReusable,
    /// `use-attestation-challenge-without-header`: use_attestation_challenge MUST come with an OAuth-Client-Attestation-Challenge header (draft-10 §Errors): the header is left out.
    UseAttestationChallengeWithoutHeader,
    /// `stray-pop-ignored`: A PoP field selects normal mode (draft-10 §Verification dispatch): a PoP next to a DPoP proof is ignored and the request treated as combined mode.
    StrayPopIgnored,
    /// `dpop-key-not-matched-to-cnf`: In combined mode the DPoP key must be the cnf key (draft-10 §Verification DPoP Combined Mode item 4): any DPoP key is accepted.
    DpopKeyNotMatchedToCnf,
    /// `dpop-key-compared-as-json`: Too strict: the combined-mode key match compares cnf.jwk and the DPoP jwk as JSON text, so member order or extra members (use, kid, alg) break a valid request.
    DpopKeyComparedAsJson,
    /// `dpop-multiple-fields-accepted`: Exactly one DPoP field (RFC 9449 §4.3 item 1, draft-10 §Verification DPoP Combined Mode item 2): uses the first of two field lines / the first element of a comma list.
    DpopMultipleFieldsAccepted,
    /// `dpop-typ-not-checked`: The DPoP typ must be dpop+jwt (RFC 9449 §4.3 item 4): any typ accepted.
    DpopTypNotChecked,
    /// `dpop-alg-none-accepted`: The DPoP alg must be asymmetric and not none (RFC 9449 §4.3 item 5): an unsigned alg none proof is accepted.
    DpopAlgNoneAccepted,
    /// `dpop-signature-not-checked`: The DPoP signature must verify with its jwk (RFC 9449 §4.3 item 6): the signature is not verified.
    DpopSignatureNotChecked,
    /// `dpop-jwk-private-accepted`: The DPoP jwk must not contain a private key (RFC 9449 §4.3 item 7): a jwk with d is accepted.
    DpopJwkPrivateAccepted,
    /// `dpop-htm-not-checked`: htm must match the request method (RFC 9449 §4.3 item 8): any htm accepted.
    DpopHtmNotChecked,
    /// `dpop-htu-not-checked`: htu must match the request URI (RFC 9449 §4.3 item 9): any htu accepted.
    DpopHtuNotChecked,
    /// `dpop-iat-not-checked`: The DPoP iat must be within the window (RFC 9449 §4.3 item 11): a stale or future iat is accepted.
    DpopIatNotChecked,
    /// `dpop-jti-replay-not-detected`: DPoP proofs must not be replayed (RFC 9449 §11.1): a DPoP jti is accepted again.
    DpopJtiReplayNotDetected,
    /// `dpop-nonce-not-checked`: With DPoP nonces required, the proof must carry a server nonce (RFC 9449 §8): a proof without / with a wrong nonce is accepted.
    DpopNonceNotChecked,
    /// `dpop-challenge-claim-accepted`: In combined mode the challenge is carried in the DPoP nonce claim (draft-10 §Verification DPoP Combined Mode item 5): a challenge claim is accepted instead.
    DpopChallengeClaimAccepted,
    /// `token-type-bearer-with-dpop`: A DPoP-bound token has token_type DPoP (RFC 9449 §5): Bearer is returned although a DPoP proof was validated.
    TokenTypeBearerWithDpop,
    /// `independent-dpop-bound-to-cnf`: Too strict: next to a PoP, a DPoP proof is validated on its own (draft-10 §Using DPoP as the Proof of Possession), yet one whose key differs from cnf is rejected.
    IndependentDpopBoundToCnf,
    /// `method-not-enforced`: A mode must be enabled server-wide and registered for the client (RFC 7591 token_endpoint_auth_method): any mode is accepted.
    MethodNotEnforced,
    /// `attestation-alone-accepted`: A proof of possession is required (draft-10 §Proof of Possession): an attestation with neither PoP nor DPoP is accepted.
    AttestationAloneAccepted,
    /// `par-skips-client-auth`: The PAR endpoint authenticates the client like the token endpoint (RFC 9126 §2.1): PAR does not authenticate and trusts the form client_id.
    ParSkipsClientAuth,
    /// `challenge-endpoint-cacheable`: The challenge response MUST carry Cache-Control: no-store (draft-10 §Challenge Endpoint): the header is left out.
    ChallengeEndpointCacheable,
    /// `metadata-missing-dpop-algs`: dpop_signing_alg_values_supported MUST be published when combined mode is used (draft-10 §Metadata): it is omitted.
    MetadataMissingDpopAlgs,
    /// `metadata-missing-attestation-algs`: client_attestation_signing_alg_values_supported and client_attestation_pop_signing_alg_values_supported MUST be published (draft-10 §Metadata): both are omitted.
    MetadataMissingAttestationAlgs,
    /// `server-error-on-malformed`: Malformed input gets an OAuth error, never a server error: an attestation that is not valid base64url/JSON is answered with 500.
    ServerErrorOnMalformed,
}

impl Fault {
    pub fn all() -> &'static [Fault] {
        &[
            Fault::AttestationMultipleFieldsAccepted,
            Fault::AttestationToken68NotChecked,
            Fault::AttestationTypNotChecked,
            Fault::AttestationAlgNoneAccepted,
            Fault::AttestationSignatureNotChecked,
            Fault::AttestationUntrustedSignerAccepted,
            Fault::AttestationSubNotRequired,
            Fault::AttestationExpNotRequired,
            Fault::AttestationExpNotChecked,
            Fault::AttestationCnfPrivateKeyAccepted,
            Fault::AttestationClientIdMismatchAccepted,
            Fault::UseFreshAttestationNotUsed,
            Fault::AttestationClaimTypesNotChecked,
            Fault::AttestationUnknownClaimsRejected,
            Fault::PopMultipleFieldsAccepted,
            Fault::PopTypNotChecked,
            Fault::PopAlgNoneAccepted,
            Fault::PopHmacAccepted,
            Fault::PopSignatureNotChecked,
            Fault::PopNotBoundToCnf,
            Fault::PopAudNotChecked,
            Fault::PopAudTokenEndpointAccepted,
            Fault::PopJtiNotRequired,
            Fault::PopJtiReplayNotDetected,
            Fault::PopIatNotRequired,
            Fault::PopIatNotChecked,
            Fault::PopFutureIatAccepted,
            Fault::PopChallengeNotChecked,
            Fault::PopChallengeNotRequired,
            Fault::ChallengeReusable,
            Fault::UseAttestationChallengeWithoutHeader,
            Fault::StrayPopIgnored,
            Fault::DpopKeyNotMatchedToCnf,
            Fault::DpopKeyComparedAsJson,
            Fault::DpopMultipleFieldsAccepted,
            Fault::DpopTypNotChecked,
            Fault::DpopAlgNoneAccepted,
            Fault::DpopSignatureNotChecked,
            Fault::DpopJwkPrivateAccepted,
            Fault::DpopHtmNotChecked,
            Fault::DpopHtuNotChecked,
            Fault::DpopIatNotChecked,
            Fault::DpopJtiReplayNotDetected,
            Fault::DpopNonceNotChecked,
            Fault::DpopChallengeClaimAccepted,
            Fault::TokenTypeBearerWithDpop,
            Fault::IndependentDpopBoundToCnf,
            Fault::MethodNotEnforced,
            Fault::AttestationAloneAccepted,
            Fault::ParSkipsClientAuth,
            Fault::ChallengeEndpointCacheable,
            Fault::MetadataMissingDpopAlgs,
            Fault::MetadataMissingAttestationAlgs,
            Fault::ServerErrorOnMalformed,
        ]
    }

    pub fn name(self) -> &'static str {
        match self {
            Fault::AttestationMultipleFieldsAccepted => "attestation-multiple-fields-accepted",
            Fault::AttestationToken68NotChecked => "attestation-token68-not-checked",
            Fault::AttestationTypNotChecked => "attestation-typ-not-checked",
            Fault::AttestationAlgNoneAccepted => "attestation-alg-none-accepted",
            Fault::AttestationSignatureNotChecked => "attestation-signature-not-checked",
            Fault::AttestationUntrustedSignerAccepted => "attestation-untrusted-signer-accepted",
            Fault::AttestationSubNotRequired => "attestation-sub-not-required",
            Fault::AttestationExpNotRequired => "attestation-exp-not-required",
            Fault::AttestationExpNotChecked => "attestation-exp-not-checked",
            Fault::AttestationCnfPrivateKeyAccepted => "attestation-cnf-private-key-accepted",
            Fault::AttestationClientIdMismatchAccepted => "attestation-client-id-mismatch-accepted",
            Fault::UseFreshAttestationNotUsed => "use-fresh-attestation-not-used",
            Fault::AttestationClaimTypesNotChecked => "attestation-claim-types-not-checked",
            Fault::AttestationUnknownClaimsRejected => "attestation-unknown-claims-rejected",
            Fault::PopMultipleFieldsAccepted => "pop-multiple-fields-accepted",
            Fault::PopTypNotChecked => "pop-typ-not-checked",
            Fault::PopAlgNoneAccepted => "pop-alg-none-accepted",
            Fault::PopHmacAccepted => "pop-hmac-accepted",
            Fault::PopSignatureNotChecked => "pop-signature-not-checked",
            Fault::PopNotBoundToCnf => "pop-not-bound-to-cnf",
            Fault::PopAudNotChecked => "pop-aud-not-checked",
            Fault::PopAudTokenEndpointAccepted => "pop-aud-token-endpoint-accepted",
            Fault::PopJtiNotRequired => "pop-jti-not-required",
            Fault::PopJtiReplayNotDetected => "pop-jti-replay-not-detected",
            Fault::PopIatNotRequired => "pop-iat-not-required",
            Fault::PopIatNotChecked => "pop-iat-not-checked",
            Fault::PopFutureIatAccepted => "pop-future-iat-accepted",
            Fault::PopChallengeNotChecked => "pop-challenge-not-checked",
            Fault::PopChallengeNotRequired => "pop-challenge-not-required",
            Fault::ChallengeReusable => "challenge-reusable",
            Fault::UseAttestationChallengeWithoutHeader => {
                "use-attestation-challenge-without-header"
            }
            Fault::StrayPopIgnored => "stray-pop-ignored",
            Fault::DpopKeyNotMatchedToCnf => "dpop-key-not-matched-to-cnf",
            Fault::DpopKeyComparedAsJson => "dpop-key-compared-as-json",
            Fault::DpopMultipleFieldsAccepted => "dpop-multiple-fields-accepted",
            Fault::DpopTypNotChecked => "dpop-typ-not-checked",
            Fault::DpopAlgNoneAccepted => "dpop-alg-none-accepted",
            Fault::DpopSignatureNotChecked => "dpop-signature-not-checked",
            Fault::DpopJwkPrivateAccepted => "dpop-jwk-private-accepted",
            Fault::DpopHtmNotChecked => "dpop-htm-not-checked",
            Fault::DpopHtuNotChecked => "dpop-htu-not-checked",
            Fault::DpopIatNotChecked => "dpop-iat-not-checked",
            Fault::DpopJtiReplayNotDetected => "dpop-jti-replay-not-detected",
            Fault::DpopNonceNotChecked => "dpop-nonce-not-checked",
            Fault::DpopChallengeClaimAccepted => "dpop-challenge-claim-accepted",
            Fault::TokenTypeBearerWithDpop => "token-type-bearer-with-dpop",
            Fault::IndependentDpopBoundToCnf => "independent-dpop-bound-to-cnf",
            Fault::MethodNotEnforced => "method-not-enforced",
            Fault::AttestationAloneAccepted => "attestation-alone-accepted",
            Fault::ParSkipsClientAuth => "par-skips-client-auth",
            Fault::ChallengeEndpointCacheable => "challenge-endpoint-cacheable",
            Fault::MetadataMissingDpopAlgs => "metadata-missing-dpop-algs",
            Fault::MetadataMissingAttestationAlgs => "metadata-missing-attestation-algs",
            Fault::ServerErrorOnMalformed => "server-error-on-malformed",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Fault::AttestationMultipleFieldsAccepted => "Exactly one OAuth-Client-Attestation field (draft-10 §Verification Client Attestation JWT item 1): uses the first of two field lines / the first element of a comma list.",
            Fault::AttestationToken68NotChecked => "The OAuth-Client-Attestation value must be token68 (draft-10 §Client Attestation JWT): accepts the JWT wrapped in double quotes by unquoting it.",
            Fault::AttestationTypNotChecked => "The attestation typ must be oauth-client-attestation+jwt (draft-10 §Client Attestation JWT): any typ accepted.",
            Fault::AttestationAlgNoneAccepted => "The attestation alg must not be none (draft-10 §Verification Client Attestation JWT item 3): an unsigned alg none attestation is accepted.",
            Fault::AttestationSignatureNotChecked => "The attestation signature must verify (draft-10 §Verification Client Attestation JWT item 4): the signature is not verified.",
            Fault::AttestationUntrustedSignerAccepted => "The attestation must be signed by a trusted attester (draft-10 §Verification Client Attestation JWT item 4): an attestation self-signed by its own cnf key is accepted.",
            Fault::AttestationSubNotRequired => "sub is required (draft-10 §Client Attestation JWT): a missing sub is tolerated and the client is taken from the form client_id.",
            Fault::AttestationExpNotRequired => "exp is required (draft-10 §Client Attestation JWT): an attestation without exp is accepted.",
            Fault::AttestationExpNotChecked => "An expired attestation must be rejected (draft-10 §Client Attestation JWT, exp): an expired attestation is accepted.",
            Fault::AttestationCnfPrivateKeyAccepted => "cnf.jwk must not be a private key (draft-10 §Verification Client Attestation JWT item 5): a cnf.jwk with private members (d) is accepted.",
            Fault::AttestationClientIdMismatchAccepted => "A form client_id must equal sub (draft-10 §Verification Client Attestation JWT item 7): a differing client_id is accepted.",
            Fault::UseFreshAttestationNotUsed => "A stale attestation must be answered with use_fresh_attestation (draft-10 §Errors): it is answered with invalid_client instead.",
            Fault::AttestationClaimTypesNotChecked => "Attestation claims must have their JSON types (RFC 7519 NumericDate, StringOrURI): exp / iat given as a numeric JSON string (and a numeric sub) are accepted.",
            Fault::AttestationUnknownClaimsRejected => "Too strict: unknown attestation claims MUST be ignored (draft-10 §Client Attestation JWT rule 1), yet an attestation carrying one is rejected.",
            Fault::PopMultipleFieldsAccepted => "Exactly one OAuth-Client-Attestation-PoP field (draft-10 §Verification PoP item 1): uses the first of two field lines / the first element of a comma list.",
            Fault::PopTypNotChecked => "The PoP typ must be oauth-client-attestation-pop+jwt (draft-10 §Client Attestation PoP JWT): any typ accepted.",
            Fault::PopAlgNoneAccepted => "The PoP alg must not be none (draft-10 §Verification PoP item 3): an unsigned alg none PoP is accepted.",
            Fault::PopHmacAccepted => "The PoP must use an asymmetric algorithm (draft-10 §Client Attestation PoP JWT rule 2): an HS256 PoP is accepted without verification.",
            Fault::PopSignatureNotChecked => "The PoP signature must verify with cnf.jwk (draft-10 §Verification PoP item 4): the signature is not verified.",
            Fault::PopNotBoundToCnf => "The PoP must verify with the cnf key (draft-10 §Client Attestation PoP JWT rule 3): a jwk in the PoP's own header, when present, is used instead.",
            Fault::PopAudNotChecked => "The PoP aud must be the issuer (draft-10 §Verification PoP item 7): any aud value is accepted.",
            Fault::PopAudTokenEndpointAccepted => "The PoP aud must be the issuer (draft-10 §Verification PoP item 7): the token endpoint URL is accepted as aud too.",
            Fault::PopJtiNotRequired => "jti is required in the PoP (draft-10 §Client Attestation PoP JWT): a PoP without jti is accepted.",
            Fault::PopJtiReplayNotDetected => "SHOULD detect PoP replay (draft-10 §Security Considerations Replay Attacks): a PoP jti is accepted again.",
            Fault::PopIatNotRequired => "iat is required in the PoP (draft-10 §Client Attestation PoP JWT): a PoP without iat is accepted.",
            Fault::PopIatNotChecked => "The PoP iat must be within the window (draft-10 §Verification PoP item 6): a stale iat is accepted.",
            Fault::PopFutureIatAccepted => "The PoP iat must be within the window (draft-10 §Verification PoP item 6): an iat far in the future is accepted.",
            Fault::PopChallengeNotChecked => "A PoP challenge must be one the server issued (draft-10 §Verification PoP item 5): a wrong challenge is accepted.",
            Fault::PopChallengeNotRequired => "With challenges required, the PoP must carry one (draft-10 §Verification PoP item 5): a PoP without challenge is accepted.",
            Fault::ChallengeReusable => "Challenges are single-use (draft-10 §Implementation Considerations Replay Attack Detection): a challenge is accepted twice.",
            Fault::UseAttestationChallengeWithoutHeader => "use_attestation_challenge MUST come with an OAuth-Client-Attestation-Challenge header (draft-10 §Errors): the header is left out.",
            Fault::StrayPopIgnored => "A PoP field selects normal mode (draft-10 §Verification dispatch): a PoP next to a DPoP proof is ignored and the request treated as combined mode.",
            Fault::DpopKeyNotMatchedToCnf => "In combined mode the DPoP key must be the cnf key (draft-10 §Verification DPoP Combined Mode item 4): any DPoP key is accepted.",
            Fault::DpopKeyComparedAsJson => "Too strict: the combined-mode key match compares cnf.jwk and the DPoP jwk as JSON text, so member order or extra members (use, kid, alg) break a valid request.",
            Fault::DpopMultipleFieldsAccepted => "Exactly one DPoP field (RFC 9449 §4.3 item 1, draft-10 §Verification DPoP Combined Mode item 2): uses the first of two field lines / the first element of a comma list.",
            Fault::DpopTypNotChecked => "The DPoP typ must be dpop+jwt (RFC 9449 §4.3 item 4): any typ accepted.",
            Fault::DpopAlgNoneAccepted => "The DPoP alg must be asymmetric and not none (RFC 9449 §4.3 item 5): an unsigned alg none proof is accepted.",
            Fault::DpopSignatureNotChecked => "The DPoP signature must verify with its jwk (RFC 9449 §4.3 item 6): the signature is not verified.",
            Fault::DpopJwkPrivateAccepted => "The DPoP jwk must not contain a private key (RFC 9449 §4.3 item 7): a jwk with d is accepted.",
            Fault::DpopHtmNotChecked => "htm must match the request method (RFC 9449 §4.3 item 8): any htm accepted.",
            Fault::DpopHtuNotChecked => "htu must match the request URI (RFC 9449 §4.3 item 9): any htu accepted.",
            Fault::DpopIatNotChecked => "The DPoP iat must be within the window (RFC 9449 §4.3 item 11): a stale or future iat is accepted.",
            Fault::DpopJtiReplayNotDetected => "DPoP proofs must not be replayed (RFC 9449 §11.1): a DPoP jti is accepted again.",
            Fault::DpopNonceNotChecked => "With DPoP nonces required, the proof must carry a server nonce (RFC 9449 §8): a proof without / with a wrong nonce is accepted.",
            Fault::DpopChallengeClaimAccepted => "In combined mode the challenge is carried in the DPoP nonce claim (draft-10 §Verification DPoP Combined Mode item 5): a challenge claim is accepted instead.",
            Fault::TokenTypeBearerWithDpop => "A DPoP-bound token has token_type DPoP (RFC 9449 §5): Bearer is returned although a DPoP proof was validated.",
            Fault::IndependentDpopBoundToCnf => "Too strict: next to a PoP, a DPoP proof is validated on its own (draft-10 §Using DPoP as the Proof of Possession), yet one whose key differs from cnf is rejected.",
            Fault::MethodNotEnforced => "A mode must be enabled server-wide and registered for the client (RFC 7591 token_endpoint_auth_method): any mode is accepted.",
            Fault::AttestationAloneAccepted => "A proof of possession is required (draft-10 §Proof of Possession): an attestation with neither PoP nor DPoP is accepted.",
            Fault::ParSkipsClientAuth => "The PAR endpoint authenticates the client like the token endpoint (RFC 9126 §2.1): PAR does not authenticate and trusts the form client_id.",
            Fault::ChallengeEndpointCacheable => "The challenge response MUST carry Cache-Control: no-store (draft-10 §Challenge Endpoint): the header is left out.",
            Fault::MetadataMissingDpopAlgs => "dpop_signing_alg_values_supported MUST be published when combined mode is used (draft-10 §Metadata): it is omitted.",
            Fault::MetadataMissingAttestationAlgs => "client_attestation_signing_alg_values_supported and client_attestation_pop_signing_alg_values_supported MUST be published (draft-10 §Metadata): both are omitted.",
            Fault::ServerErrorOnMalformed => "Malformed input gets an OAuth error, never a server error: an attestation that is not valid base64url/JSON is answered with 500.",
        }
    }

    pub fn from_name(name: &str) -> Option<Fault> {
        Fault::all().iter().copied().find(|f| f.name() == name)
    }

    /// True for the faults that reject a valid request instead of accepting an invalid one.
    pub fn too_strict(self) -> bool {
        self.description().starts_with("Too strict")
    }
}
