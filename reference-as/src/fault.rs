//! Named faults: each bends exactly one rule of the draft (or of RFC 9449 for DPoP).
//! CONTRACT: `Fault::all()`, `Fault::name()` (kebab-case, stable), `Fault::description()`,
//! `Fault::from_name()`, `Fault::too_strict()`, `Fault::drafts()` / `Fault::applies_to()`.
//! The suite's self-test iterates `all()`.
//!
//! A fault applies to the revisions whose text states the rule it bends (`drafts: [...]` in
//! its row; none written = every revision). Outside them the fault may have no effect (e.g.
//! combined-mode faults under -07, which has no combined mode) or bend a rule that the
//! revision does not state, so the self-test of a revision expects only its faults caught.
//!
//! Each fault is declared once, in the table below: variant, stable name, kind, and the rule
//! it bends. Most faults make the server too lenient (it accepts what it must reject); the
//! `too_strict` ones make it reject a valid request ([`Fault::too_strict`]), and their
//! description says so. Counts, lists and lookups are derived from the table.

use crate::draft::Draft;

/// One row of the fault table.
struct Row {
    fault: Fault,
    name: &'static str,
    kind: Kind,
    description: &'static str,
    drafts: &'static [Draft],
}

/// Whether a fault accepts what it must reject or rejects what it must accept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// Accepts a request the rule says to reject.
    Lenient,
    /// Rejects a request the rule says to accept.
    TooStrict,
}

macro_rules! kind {
    (lenient) => {
        Kind::Lenient
    };
    (too_strict) => {
        Kind::TooStrict
    };
}

/// The description as shown: a too-strict fault's starts with "Too strict: ".
macro_rules! description {
    (lenient, $d:literal) => {
        $d
    };
    (too_strict, $d:literal) => {
        concat!("Too strict: ", $d)
    };
}

/// The revisions a fault applies to: those listed, or all.
macro_rules! drafts {
    () => {
        &Draft::ALL
    };
    ($($d:ident),+) => {
        &[$(Draft::$d),+]
    };
}

macro_rules! faults {
    ($($variant:ident = $name:literal, $kind:ident, $description:literal
        $(, drafts: [$($d:ident),+])?;)+) => {
        /// One deliberately broken rule. The doc of each variant names the rule and how it is
        /// bent.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Fault {
            $(
                #[doc = concat!("`", $name, "`: ", description!($kind, $description))]
                $variant,
            )+
        }

        impl Fault {
            const TABLE: &'static [Row] = &[$(Row {
                fault: Fault::$variant,
                name: $name,
                kind: kind!($kind),
                description: description!($kind, $description),
                drafts: drafts!($($($d),+)?),
            }),+];
            const ALL: &'static [Fault] = &[$(Fault::$variant),+];
        }
    };
}

faults! {
    AttestationMultipleFieldsAccepted = "attestation-multiple-fields-accepted", lenient,
        "Exactly one OAuth-Client-Attestation field (draft-10 §Verification Client Attestation JWT item 1): uses the first of two field lines / the first element of a comma list.";
    AttestationToken68NotChecked = "attestation-token68-not-checked", lenient,
        "The OAuth-Client-Attestation value must be token68 (draft-10 §Client Attestation JWT): accepts the JWT wrapped in double quotes by unquoting it, or followed by a space and more text by keeping the first word.";
    AttestationTypNotChecked = "attestation-typ-not-checked", lenient,
        "The attestation typ must be oauth-client-attestation+jwt (draft-10 §Client Attestation JWT): any typ accepted.";
    AttestationAlgNoneAccepted = "attestation-alg-none-accepted", lenient,
        "The attestation alg must not be none (draft-10 §Verification Client Attestation JWT item 3): an unsigned alg none attestation is accepted.";
    AttestationAlgFromKey = "attestation-alg-from-key", lenient,
        "The attestation alg is present and a registered algorithm, case-sensitive (draft-10 §Verification Client Attestation JWT items 2 and 3; RFC 7515 §4.1.1): a missing alg, or one the server does not know (unregistered, or in the wrong case), is taken as the trusted attester key's own algorithm.";
    AttestationSignatureNotChecked = "attestation-signature-not-checked", lenient,
        "The attestation signature must verify (draft-10 §Verification Client Attestation JWT item 4): the signature is not verified.";
    AttestationUntrustedSignerAccepted = "attestation-untrusted-signer-accepted", lenient,
        "The attestation must be signed by a trusted attester (draft-10 §Verification Client Attestation JWT item 4): an attestation self-signed by its own cnf key is accepted.";
    AttestationHmacWithPublicKey = "attestation-hmac-with-public-key", lenient,
        "Each key is used with exactly one algorithm (RFC 8725 §3.1): told alg HS256, the server checks the MAC with the trusted attester key it selects (by kid, or the x5c leaf) as the secret, encoded as its JWK JSON, SPKI PEM or SPKI DER (algorithm confusion, RFC 8725 §2.1).";
    AttestationSubNotRequired = "attestation-sub-not-required", lenient,
        "sub is required (draft-10 §Client Attestation JWT): a missing sub is tolerated and the client is taken from the form client_id.";
    AttestationExpNotRequired = "attestation-exp-not-required", lenient,
        "exp is required (draft-10 §Client Attestation JWT): an attestation without exp is accepted.";
    AttestationExpNotChecked = "attestation-exp-not-checked", lenient,
        "An expired attestation must be rejected (draft-10 §Client Attestation JWT, exp): an expired attestation is accepted.";
    AttestationFutureIatAccepted = "attestation-future-iat-accepted", lenient,
        "An attestation issued in the future is not fresh (draft-10 §Verification Client Attestation JWT item 6, iat is the time of issue, §Client Attestation JWT): an iat a day ahead is accepted.";
    AttestationCnfPrivateKeyAccepted = "attestation-cnf-private-key-accepted", lenient,
        "cnf.jwk must not be a private key (draft-10 §Verification Client Attestation JWT item 5): a cnf.jwk with private members (d) is accepted.";
    AttestationCnfNotRequired = "attestation-cnf-not-required", lenient,
        "The attestation carries cnf with the Client Instance Key as jwk (draft-10 §Client Attestation JWT, §Verification Client Attestation JWT item 2): an attestation without it (no cnf, a cnf that is not an object or has no jwk) is accepted as naming no key, and in combined mode the DPoP proof's key is then not compared with one.";
    AttestationClientIdMismatchAccepted = "attestation-client-id-mismatch-accepted", lenient,
        "A form client_id must equal sub (draft-10 §Verification Client Attestation JWT item 7): a differing client_id is accepted.";
    UseFreshAttestationNotUsed = "use-fresh-attestation-not-used", lenient,
        "A stale attestation must be answered with use_fresh_attestation (draft-10 §Errors): it is answered with invalid_client instead.";
    AttestationClaimTypesNotChecked = "attestation-claim-types-not-checked", lenient,
        "Attestation claims must have their JSON types (RFC 7519 NumericDate, StringOrURI): exp / iat given as a numeric JSON string (and a numeric sub) are accepted.";
    AttestationUnknownClaimsRejected = "attestation-unknown-claims-rejected", too_strict,
        "unknown attestation claims MUST be ignored (draft-10 §Client Attestation JWT rule 1), yet an attestation carrying one is rejected.";
    PopMultipleFieldsAccepted = "pop-multiple-fields-accepted", lenient,
        "Exactly one OAuth-Client-Attestation-PoP field (draft-10 §Verification PoP item 1): uses the first of two field lines / the first element of a comma list.";
    PopToken68NotChecked = "pop-token68-not-checked", lenient,
        "The OAuth-Client-Attestation-PoP value must be token68 (draft-10 §Client Attestation PoP JWT): accepts the JWT wrapped in double quotes by unquoting it, or followed by a space and more text by keeping the first word.";
    PopTypNotChecked = "pop-typ-not-checked", lenient,
        "The PoP typ must be oauth-client-attestation-pop+jwt (draft-10 §Client Attestation PoP JWT): any typ accepted.";
    PopAlgNoneAccepted = "pop-alg-none-accepted", lenient,
        "The PoP alg must not be none (draft-10 §Verification PoP item 3): an unsigned alg none PoP is accepted.";
    PopHmacAccepted = "pop-hmac-accepted", lenient,
        "The PoP must use an asymmetric algorithm (draft-10 §Client Attestation PoP JWT rule 2): an HS256 PoP is accepted without verification.";
    JoseHeaderDuplicateFirstWins = "jose-header-duplicate-first-wins", lenient,
        "JOSE header names must be unique; a parser rejects duplicates or keeps the lexically last (RFC 7515 §4): the server keeps the first of a duplicated header member, in all three JWTs.";
    JoseCritIgnored = "jose-crit-ignored", lenient,
        "A JWS whose crit lists an extension the recipient does not understand is invalid (RFC 7515 §4.1.11): crit is ignored, in all three JWTs.";
    PopHmacWithPublicKey = "pop-hmac-with-public-key", lenient,
        "The Client Instance Key is used with exactly one, asymmetric, algorithm (RFC 8725 §3.1; draft-10 §Client Attestation PoP JWT rule 2): told alg HS256, the server checks the PoP's MAC with cnf.jwk as the secret, encoded as its JSON, SPKI PEM or SPKI DER (algorithm confusion, RFC 8725 §2.1).";
    PopAlgFromKey = "pop-alg-from-key", lenient,
        "The PoP alg is present and a registered algorithm, case-sensitive (draft-10 §Verification PoP items 2 and 3; RFC 7515 §4.1.1): a missing alg, or one the server does not know (unregistered, or in the wrong case), is taken as the cnf key's own algorithm.";
    PopSignatureNotChecked = "pop-signature-not-checked", lenient,
        "The PoP signature must verify with cnf.jwk (draft-10 §Verification PoP item 4): the signature is not verified.";
    PopNotBoundToCnf = "pop-not-bound-to-cnf", lenient,
        "The PoP must verify with the cnf key (draft-10 §Client Attestation PoP JWT rule 3): a jwk in the PoP's own header, when present, is used instead.";
    PopAudNotChecked = "pop-aud-not-checked", lenient,
        "The PoP aud must be the issuer (draft-10 §Verification PoP item 7): any aud value is accepted.";
    PopAudTokenEndpointAccepted = "pop-aud-token-endpoint-accepted", lenient,
        "The PoP aud must be the issuer (draft-10 §Verification PoP item 7): the token endpoint URL is accepted as aud too.";
    PopAudNotRequired = "pop-aud-not-required", lenient,
        "aud is required in the PoP (draft-10 §Client Attestation PoP JWT, §Verification PoP item 2): a PoP without aud is accepted (a present aud is still checked).";
    PopClaimTypesNotChecked = "pop-claim-types-not-checked", lenient,
        "PoP claims must have their JSON types (RFC 7519 §4.1.7 jti a string, §4.1.6 iat a NumericDate; draft-10 §Client Attestation PoP JWT rule 4): a numeric jti is taken as its decimal string, an iat given as a numeric JSON string as its number.";
    PopJtiNotRequired = "pop-jti-not-required", lenient,
        "jti is required in the PoP (draft-10 §Client Attestation PoP JWT): a PoP without jti is accepted.";
    PopJtiReplayNotDetected = "pop-jti-replay-not-detected", lenient,
        "SHOULD detect PoP replay (draft-10 §Security Considerations Replay Attacks): a PoP jti is accepted again.";
    PopIatNotRequired = "pop-iat-not-required", lenient,
        "iat is required in the PoP (draft-10 §Client Attestation PoP JWT): a PoP without iat is accepted.";
    PopIatNotChecked = "pop-iat-not-checked", lenient,
        "The PoP iat must be within the window (draft-10 §Verification PoP item 6): a stale iat is accepted.";
    PopFutureIatAccepted = "pop-future-iat-accepted", lenient,
        "The PoP iat must be within the window (draft-10 §Verification PoP item 6): an iat far in the future is accepted.";
    PopExpNotChecked = "pop-exp-not-checked", lenient,
        "A PoP must be valid in all other respects per RFC 7519 (draft-10 §Client Attestation PoP JWT rule 4; RFC 7519 §4.1.4): a PoP whose exp has passed is accepted.";
    PopChallengeNotChecked = "pop-challenge-not-checked", lenient,
        "A PoP challenge must be one the server issued (draft-10 §Verification PoP item 5): a wrong challenge is accepted.";
    PopChallengeNotRequired = "pop-challenge-not-required", lenient,
        "With challenges required, the PoP must carry one (draft-10 §Verification PoP item 5): a PoP without challenge is accepted.";
    ChallengeReusable = "challenge-reusable", lenient,
        "Challenges are single-use (draft-10 §Implementation Considerations Replay Attack Detection): a challenge is accepted twice.";
    ChallengeNeverExpires = "challenge-never-expires", lenient,
        "A challenge lives challenge_ttl seconds, the server's local policy (-11 §6): challenges are kept and accepted forever.";
    UseAttestationChallengeWithoutHeader = "use-attestation-challenge-without-header", lenient,
        "use_attestation_challenge MUST come with an OAuth-Client-Attestation-Challenge header (draft-10 §Errors): the header is left out.";
    StrayPopIgnored = "stray-pop-ignored", lenient,
        "A PoP field selects normal mode (draft-10 §Verification dispatch): a PoP next to a DPoP proof is ignored and the request treated as combined mode.", drafts: [D10, D11, D12];
    DpopKeyNotMatchedToCnf = "dpop-key-not-matched-to-cnf", lenient,
        "In combined mode the DPoP key must be the cnf key (draft-10 §Verification DPoP Combined Mode item 4): any DPoP key is accepted.", drafts: [D10, D11, D12];
    DpopKeyComparedAsJson = "dpop-key-compared-as-json", too_strict,
        "the combined-mode key match compares cnf.jwk and the DPoP jwk as JSON text, so member order or extra members (use, kid, alg) break a valid request.", drafts: [D10, D11, D12];
    DpopMultipleFieldsAccepted = "dpop-multiple-fields-accepted", lenient,
        "Exactly one DPoP field (RFC 9449 §4.3 item 1, draft-10 §Verification DPoP Combined Mode item 2): uses the first of two field lines / the first element of a comma list.";
    DpopToken68NotChecked = "dpop-token68-not-checked", lenient,
        "The DPoP value is a single well-formed JWT in token68 syntax (RFC 9449 §4.1, §4.3 item 2): accepts the JWT wrapped in double quotes by unquoting it, or followed by a space and more text by keeping the first word.";
    DpopRequiredClaimsNotChecked = "dpop-required-claims-not-checked", lenient,
        "The DPoP proof holds every required member (RFC 9449 §4.2, §4.3 item 3): a missing htm, htu, jti or iat is not checked (a present one is), and a combined-mode proof without jwk is verified with the attestation's cnf key.";
    DpopTypNotChecked = "dpop-typ-not-checked", lenient,
        "The DPoP typ must be dpop+jwt (RFC 9449 §4.3 item 4): any typ accepted.";
    DpopAlgNoneAccepted = "dpop-alg-none-accepted", lenient,
        "The DPoP alg must be asymmetric and not none (RFC 9449 §4.3 item 5): an unsigned alg none proof is accepted.";
    DpopHmacWithPublicKey = "dpop-hmac-with-public-key", lenient,
        "The DPoP key is used with exactly one, asymmetric, algorithm (RFC 8725 §3.1; RFC 9449 §4.3 item 5): told alg HS256, the server checks the proof's MAC with its jwk header as the secret, encoded as its JSON, SPKI PEM or SPKI DER (algorithm confusion, RFC 8725 §2.1).";
    DpopAlgFromKey = "dpop-alg-from-key", lenient,
        "The DPoP alg is present and a registered algorithm, case-sensitive (RFC 9449 §4.3 items 3 and 5; RFC 7515 §4.1.1): a missing alg, or one the server does not know (unregistered, or in the wrong case), is taken as the jwk header's own algorithm.";
    DpopSignatureNotChecked = "dpop-signature-not-checked", lenient,
        "The DPoP signature must verify with its jwk (RFC 9449 §4.3 item 6): the signature is not verified.";
    DpopJwkPrivateAccepted = "dpop-jwk-private-accepted", lenient,
        "The DPoP jwk must not contain a private key (RFC 9449 §4.3 item 7): a jwk with d is accepted.";
    DpopHtmNotChecked = "dpop-htm-not-checked", lenient,
        "htm must match the request method (RFC 9449 §4.3 item 8): any htm accepted.";
    DpopHtuNotChecked = "dpop-htu-not-checked", lenient,
        "htu must match the request URI (RFC 9449 §4.3 item 9): any htu accepted.";
    DpopIatNotChecked = "dpop-iat-not-checked", lenient,
        "The DPoP iat must be within the window (RFC 9449 §4.3 item 11): a stale or future iat is accepted.";
    DpopExpNotChecked = "dpop-exp-not-checked", lenient,
        "A JWT whose exp has passed MUST NOT be accepted for processing (RFC 7519 §4.1.4; RFC 9449 §4.3 item 2, a valid JWT): a DPoP proof with an expired exp is accepted.";
    DpopNbfNotChecked = "dpop-nbf-not-checked", lenient,
        "A JWT MUST NOT be accepted for processing before its nbf (RFC 7519 §4.1.5; RFC 9449 §4.3 item 2, a valid JWT): a DPoP proof with a future nbf is accepted.";
    DpopJtiReplayNotDetected = "dpop-jti-replay-not-detected", lenient,
        "DPoP proofs must not be replayed (RFC 9449 §11.1): a DPoP jti is accepted again.";
    DpopNonceNotChecked = "dpop-nonce-not-checked", lenient,
        "With DPoP nonces required, the proof must carry a server nonce (RFC 9449 §8): a proof without / with a wrong nonce is accepted.";
    DpopChallengeClaimAccepted = "dpop-challenge-claim-accepted", lenient,
        "In combined mode the challenge is carried in the DPoP nonce claim (draft-10 §Verification DPoP Combined Mode item 5): a challenge claim is accepted instead.", drafts: [D10];
    TokenTypeBearerWithDpop = "token-type-bearer-with-dpop", lenient,
        "A DPoP-bound token has token_type DPoP (RFC 9449 §5): Bearer is returned although a DPoP proof was validated.";
    CombinedChallengeNotChecked = "combined-challenge-not-checked", lenient,
        "In combined mode the DPoP nonce claim carries a challenge the server issued, and must when it requires one (draft-10 §Verification DPoP Combined Mode item 5): the nonce claim is not checked against issued challenges, so a missing or wrong one is accepted.", drafts: [D10];
    IndependentDpopBoundToCnf = "independent-dpop-bound-to-cnf", too_strict,
        "next to a PoP, a DPoP proof is validated on its own (draft-10 §Using DPoP as the Proof of Possession), yet one whose key differs from cnf is rejected.", drafts: [D10, D11, D12];
    MethodNotEnforced = "method-not-enforced", lenient,
        "A mode must be enabled server-wide and registered for the client (RFC 7591 token_endpoint_auth_method): any mode is accepted.";
    AttestationAloneAccepted = "attestation-alone-accepted", lenient,
        "A proof of possession is required (draft-10 §Proof of Possession): an attestation with neither PoP nor DPoP is accepted.";
    ParSkipsClientAuth = "par-skips-client-auth", lenient,
        "The PAR endpoint authenticates the client like the token endpoint (RFC 9126 §2.1): PAR does not authenticate and trusts the form client_id.";
    ChallengeEndpointCacheable = "challenge-endpoint-cacheable", lenient,
        "The challenge response MUST carry Cache-Control: no-store (draft-10 §Challenge Endpoint): the header is left out.";
    MetadataMissingDpopAlgs = "metadata-missing-dpop-algs", lenient,
        "dpop_signing_alg_values_supported MUST be published when combined mode is used (draft-10 §Metadata): it is omitted.", drafts: [D10, D11, D12];
    PopMethodsEmpty = "pop-methods-empty", lenient,
        "client_attestation_pop_methods_supported MUST NOT be empty when present (-10/-11 §7.6): it is published as an empty array.", drafts: [D10, D11, D12];
    PopMethodsAuthMethodNames = "pop-methods-auth-method-names", lenient,
        "client_attestation_pop_methods_supported names registered Proof of Possession methods (-11 §7.6: attestation_pop_jwt, dpop_combined, none): it lists the token endpoint auth method names (attest_jwt_client_auth, ...) instead.", drafts: [D10, D11, D12];
    MetadataMissingAttestationAlgs = "metadata-missing-attestation-algs", lenient,
        "client_attestation_signing_alg_values_supported and client_attestation_pop_signing_alg_values_supported MUST be published (draft-10 §Metadata): both are omitted.";
    MetadataAlgsIncomplete = "metadata-algs-incomplete", lenient,
        "The server SHOULD list the algorithms it supports (draft-10 §Authorization Server Metadata): the *_signing_alg_values_supported lists name the configured algorithms, while every asymmetric algorithm the server implements is verified.";
    ServerErrorOnMalformed = "server-error-on-malformed", lenient,
        "Malformed input gets an OAuth error, never a server error: an attestation that is not valid base64url/JSON is answered with 500.";
    // Grants and artifact binding (issue 15); every revision.
    CodeNotBoundToInstance = "code-not-bound-to-instance", lenient,
        "An authorization code should be bound to the Client Instance Key used at PAR (draft-10 §Binding of OAuth protocol artifacts, RECOMMENDED): it is redeemed by any instance of the client.";
    RequestUriNotBoundToInstance = "request-uri-not-bound-to-instance", lenient,
        "The binding of a code is established by the PAR request that produced its request_uri (draft-10 §Binding of OAuth protocol artifacts): the code is bound to the instance of the client's latest PAR request with the same code_challenge instead (pushed requests indexed by client and PKCE challenge), so a request_uri pushed by one instance yields a code for another instance that pushed the same request later.";
    CodeReusable = "code-reusable", lenient,
        "An authorization code is single-use (RFC 6749 §4.1.2): it is accepted again.";
    DpopJktNotChecked = "dpop-jkt-not-checked", lenient,
        "The DPoP proof at the token endpoint must use the key named by dpop_jkt at PAR (RFC 9449 §10): any key, or none, is accepted.";
    RefreshNotBoundToInstance = "refresh-not-bound-to-instance", lenient,
        "A refresh token MUST be bound to the Client Instance Key (draft-10 §Refresh token binding): any instance of the client may refresh it.";
    RefreshBindingCheckedInNormalModeOnly = "refresh-binding-checked-in-normal-mode-only", lenient,
        "The refresh token binding is to the key, whatever the mode (draft-10 §Refresh token binding): a combined-mode refresh request is not checked.";
    RefreshSkipsClientAuth = "refresh-skips-client-auth", lenient,
        "To prove the refresh token binding the Client Instance MUST use the client attestation mechanism when refreshing (draft-10 §Refresh token binding): a refresh request without the Client Attestation is accepted on the refresh token alone.";
    // Rules of one revision (issue 14).
    AttestationIssNotRequired = "attestation-iss-not-required", lenient,
        "The attestation iss is REQUIRED (draft-07 §5.1; removed in -08): an attestation without iss is accepted.",
        drafts: [D07];
    PopIssNotChecked = "pop-iss-not-checked", lenient,
        "The PoP iss is REQUIRED and equals the client_id and the attestation sub (draft-07 §5.2 rule 4, §9 item 13; removed in -08): a PoP without iss, or with an iss naming another client, is accepted.",
        drafts: [D07];
    NbfNotChecked = "nbf-not-checked", lenient,
        "Attestation and PoP MUST NOT be accepted before their nbf (draft-07 §5.1, §5.2): a future nbf is ignored in both.",
        drafts: [D07];
    PresentNbfNotChecked = "present-nbf-not-checked", lenient,
        "A present nbf still makes the attestation or PoP invalid before it (RFC 7519 §4.1.5; draft-10 §Client Attestation JWT rule 3, §Client Attestation PoP JWT rule 4), although the revisions after -07 define no nbf: a future nbf is ignored in both.",
        drafts: [D10, D11, D12];
    CombinedModeAcceptedIn07 = "combined-mode-accepted-in-07", lenient,
        "draft-07 has no DPoP combined mode: the OAuth-Client-Attestation-PoP field is required (draft-07 §6.2 item 2, §9 item 1): attestation + DPoP without a PoP is accepted as combined mode (the -09/-10 behaviour).",
        drafts: [D07];
    ChallengeEndpointWithoutDpopNonce = "challenge-endpoint-without-dpop-nonce", lenient,
        "A server that supports DPoP nonces MUST also send a fresh DPoP-Nonce from the challenge endpoint (draft-11 §6.3, -12 §6.3): the header is left out.",
        drafts: [D11, D12];
    DpopNonceFreshnessViaChallenge = "dpop-nonce-freshness-via-challenge", lenient,
        "In combined mode a missing or wrong DPoP nonce is use_dpop_nonce with a fresh DPoP-Nonce (draft-11 §5.2, §7.4; -12 the same): the server keeps the draft-10 rule, takes an attestation challenge in the DPoP nonce and answers use_attestation_challenge instead.",
        drafts: [D11, D12];
    AttestationIatNotRequired = "attestation-iat-not-required", lenient,
        "The attestation iat is REQUIRED (draft-12 editor's copy §4, §7.1 item 2): an attestation without iat is accepted.",
        drafts: [D12];
    SfParametersAccepted = "sf-parameters-accepted", lenient,
        "The OAuth-Client-Attestation and -PoP values are Structured Field Token Items that MUST NOT have parameters (draft-12 editor's copy §4, §5.1; RFC 9651): parameters such as ;p=1 are ignored.",
        drafts: [D12];
    ErrorsNotOauthJson = "errors-not-oauth-json", lenient,
        "Every rejection must be an RFC 6749 §5.2 error response (draft-10 §Errors points there): errors are answered with the same status as an HTML page (text/html, no error member).";
    ClientAuthFailureInvalidRequest = "client-auth-failure-invalid-request", lenient,
        "A failed client authentication is invalid_client (RFC 6749 §5.2, draft-10 §Errors): it is answered 400 invalid_request instead.";
    ErrorsAll401 = "errors-all-401", lenient,
        "RFC 6749 §5.2 answers errors other than invalid_client with 400: every error response goes out as 401.";
    ParAnswers200 = "par-answers-200", lenient,
        "RFC 9126 §2.2: an accepted pushed authorization request is answered 201: it is answered 200.";
    TokenTypeMissing = "token-type-missing", lenient,
        "RFC 6749 §5.1: token_type is REQUIRED in a token response: it is left out.";
    TokenResponseCacheable = "token-response-cacheable", lenient,
        "RFC 6749 §5.1: a token response MUST carry Cache-Control: no-store: the header is left out.";
    ChallengeFromErrorNotHonoured = "challenge-from-error-not-honoured", lenient,
        "The challenge sent with use_attestation_challenge (and the DPoP-Nonce with use_dpop_nonce) must be usable for the retry (draft-10 §Errors, -11 §6.1, RFC 9449 §8): error responses carry a value the server never stored, so the retry is refused.";
    RepeatedFormParamAccepted = "repeated-form-param-accepted", lenient,
        "RFC 6749 §3.2: request parameters MUST NOT be included more than once (§5.2: invalid_request): a repeated parameter is accepted, the last value wins.";
    EmptyFormParamKept = "empty-form-param-kept", too_strict,
        "RFC 6749 §3.2: a parameter sent without a value is treated as if omitted: an empty value is kept, so an empty client_id is compared with the attestation's sub and refused.";
    // x5c attester chains (issue 16).
    X5cMalformedIgnored = "x5c-malformed-ignored", lenient,
        "Each x5c element is base64 DER (RFC 7515 §4.1.6): an element that is not base64 or not a DER certificate is skipped instead of rejected.";
    X5cChainOrderNotChecked = "x5c-chain-order-not-checked", lenient,
        "The certificate with the signing key MUST be the first in x5c (RFC 7515 §4.1.6): the first non-CA certificate anywhere in the array is taken as the leaf.";
    X5cUntrustedAnchorAccepted = "x5c-untrusted-anchor-accepted", lenient,
        "The x5c chain MUST be validated to a trusted anchor (RFC 7515 §4.1.6, RFC 5280 §6; draft-10 §Trust Management): no path validation, the leaf key is trusted as it is.";
    X5cValidityNotChecked = "x5c-validity-not-checked", lenient,
        "Certificates MUST be within their validity period (RFC 5280 §6.1.3 (a)(2)): the chain is validated at an instant the leaf claims to be valid at, not now.";
    X5cKeyUsageNotChecked = "x5c-key-usage-not-checked", lenient,
        "A leaf whose key usage lacks digitalSignature may not sign (RFC 5280 §4.2.1.3): the key usage extension is ignored.";
    X5cLeafKeyNotChecked = "x5c-leaf-key-not-checked", lenient,
        "The attestation must be signed by the x5c leaf's key (RFC 7515 §4.1.6): once the chain validates, the signature is not verified with the leaf key.";
}

impl Fault {
    /// Every fault, in declaration order.
    pub fn all() -> &'static [Fault] {
        Fault::ALL
    }

    fn row(self) -> &'static Row {
        // The table is generated in variant order, so the discriminant indexes it.
        &Fault::TABLE[self as usize]
    }

    pub fn name(self) -> &'static str {
        self.row().name
    }

    /// The rule the fault bends, where it is stated, and how; too-strict faults say so first.
    pub fn description(self) -> &'static str {
        self.row().description
    }

    pub fn from_name(name: &str) -> Option<Fault> {
        Fault::TABLE
            .iter()
            .find(|r| r.name == name)
            .map(|r| r.fault)
    }

    /// The revisions whose text states the rule this fault bends, oldest first.
    pub fn drafts(self) -> &'static [Draft] {
        self.row().drafts
    }

    /// True when the self-test of `draft` must catch this fault.
    pub fn applies_to(self, draft: Draft) -> bool {
        self.drafts().contains(&draft)
    }

    /// True for the faults that reject a valid request instead of accepting an invalid one.
    pub fn too_strict(self) -> bool {
        self.row().kind == Kind::TooStrict
    }
}
