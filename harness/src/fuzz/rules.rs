//! The rules the oracle cites. Ids and sections follow `suites/requirements.yaml` where the
//! catalog has the rule; the few the catalog does not list (rules of RFC 7515 / 7519 / 6749 /
//! 9110 that make a mutation harmless) carry their own ids. A finding's scenario cites these
//! ids, and the fuzz folder gets a `requirements.yaml` holding exactly the cited ones, so
//! `run --suites <dir>` works with or without the embedded catalog.
use crate::catalog::Requirement;
use crate::scenario::Level;

#[derive(Debug, PartialEq, Eq)]
pub struct Rule {
    pub id: &'static str,
    /// The draft's anchor (or `rfcNNNN-x.y`).
    pub section: &'static str,
    pub item: Option<u32>,
    pub level: Level,
    pub summary: &'static str,
}

impl Rule {
    pub fn requirement(&self) -> Requirement {
        Requirement {
            id: self.id.into(),
            section: self.section.into(),
            item: self.item,
            level: self.level,
            summary: self.summary.into(),
            excluded: None,
        }
    }
}

macro_rules! rule {
    ($name:ident, $id:literal, $section:literal, $item:expr, $level:ident, $summary:literal) => {
        pub static $name: Rule = Rule {
            id: $id,
            section: $section,
            item: $item,
            level: Level::$level,
            summary: $summary,
        };
    };
}

/// The rules, one line each (kept out of rustfmt: a table reads better unwrapped).
#[rustfmt::skip]
mod defs {
    use super::Rule;
    use crate::scenario::Level;

    // Client Attestation JWT (draft-10 §Client Attestation JWT, §Verification Client Attestation JWT).
    rule!(ATT_SINGLE_FIELD, "ATT-SINGLE-FIELD", "verification-client-attestation-jwt", Some(1), MUST,
        "Exactly one OAuth-Client-Attestation field value holding one JWT.");
    rule!(ATT_TOKEN68, "ATT-TOKEN68", "client-attestation-jwt", None, MUST,
        "The OAuth-Client-Attestation value follows the token68 grammar.");
    rule!(ATT_JWT_VALID, "ATT-JWT-VALID", "client-attestation-jwt", Some(3), MUST,
        "An attestation that is not a valid JWT (encoding, claim types, crit, nbf/exp per RFC 7519) is refused.");
    rule!(ATT_TYP, "ATT-TYP", "verification-client-attestation-jwt", Some(2), MUST,
        "The attestation's typ is oauth-client-attestation+jwt.");
    rule!(ATT_ALG_PRESENT, "ATT-ALG-PRESENT", "verification-client-attestation-jwt", Some(2), MUST,
        "The attestation's JOSE header carries alg.");
    rule!(ATT_ALG_NOT_NONE, "ATT-ALG-NOT-NONE", "verification-client-attestation-jwt", Some(3), MUST,
        "An attestation with alg none is refused.");
    rule!(ATT_ALG_SUPPORTED, "ATT-ALG-SUPPORTED", "verification-client-attestation-jwt", Some(3), MUST,
        "An attestation whose alg is not supported or does not match the signature made is refused.");
    rule!(ATT_TRUSTED_SIGNER, "ATT-TRUSTED-SIGNER", "verification-client-attestation-jwt", Some(4), MUST,
        "The attestation verifies with a key of a trusted Client Attester and no other key.");
    rule!(ATT_SIGNATURE, "ATT-SIGNATURE", "client-attestation-jwt", Some(2), MUST,
        "An attestation whose signature or MAC does not verify is refused.");
    rule!(ATT_SUB_REQUIRED, "ATT-SUB-REQUIRED", "verification-client-attestation-jwt", Some(2), MUST,
        "The attestation carries sub.");
    rule!(ATT_EXP_REQUIRED, "ATT-EXP-REQUIRED", "verification-client-attestation-jwt", Some(2), MUST,
        "The attestation carries exp.");
    rule!(ATT_EXP_CHECK, "ATT-EXP-CHECK", "client-attestation-jwt", None, MUST,
        "An attestation whose exp has passed is refused.");
    rule!(ATT_CNF_REQUIRED, "ATT-CNF-REQUIRED", "verification-client-attestation-jwt", Some(2), MUST,
        "The attestation carries a cnf claim naming the Client Instance Key.");
    rule!(ATT_CNF_JWK, "ATT-CNF-JWK", "client-attestation-jwt", None, MUST,
        "cnf holds the key as jwk; members that do not change the key, or their order, do not matter.");
    rule!(ATT_CNF_NOT_PRIVATE, "ATT-CNF-NOT-PRIVATE", "verification-client-attestation-jwt", Some(5), MUST,
        "The key in cnf is a public key.");
    rule!(ATT_FRESHNESS, "ATT-FRESHNESS", "verification-client-attestation-jwt", Some(6), MUST,
        "The attestation is fresh enough per the server's declared policy.");
    rule!(ATT_CLIENT_ID_MATCH, "ATT-CLIENT-ID-MATCH", "verification-client-attestation-jwt", Some(7), MUST,
        "A client_id in the request equals sub; without client_id the sub identifies the client.");
    rule!(ATT_IAT_OPTIONAL, "ATT-IAT-OPTIONAL", "client-attestation-jwt", None, MAY,
        "iat in the attestation is optional.");
    rule!(ATT_UNKNOWN_CLAIMS, "ATT-UNKNOWN-CLAIMS-IGNORED", "client-attestation-jwt", Some(1), MUST,
        "Claims the server does not understand are ignored.");
    rule!(ERR_USE_FRESH, "ERR-USE-FRESH-ATTESTATION", "errors", None, MUST,
        "An attestation refused for not being fresh enough gets use_fresh_attestation.");

    // Client Attestation PoP JWT (draft-10 §Client Attestation PoP JWT, §Verification PoP).
    rule!(POP_SINGLE_FIELD, "POP-SINGLE-FIELD", "verification-client-attestation-pop-jwt", Some(1), MUST,
        "A normal-mode request carries exactly one OAuth-Client-Attestation-PoP field value holding one JWT.");
    rule!(POP_TOKEN68, "POP-TOKEN68", "client-attestation-pop-jwt", None, MUST,
        "The OAuth-Client-Attestation-PoP value follows the token68 grammar.");
    rule!(POP_JWT_VALID, "POP-JWT-VALID", "client-attestation-pop-jwt", Some(4), MUST,
        "A PoP that is not a valid JWT (encoding, claim types, crit, nbf/exp per RFC 7519) is refused.");
    rule!(POP_TYP, "POP-TYP", "verification-client-attestation-pop-jwt", Some(2), MUST,
        "The PoP's typ is oauth-client-attestation-pop+jwt.");
    rule!(POP_ALG_PRESENT, "POP-ALG-PRESENT", "verification-client-attestation-pop-jwt", Some(2), MUST,
        "The PoP's JOSE header carries alg.");
    rule!(POP_ALG_NOT_NONE, "POP-ALG-NOT-NONE", "verification-client-attestation-pop-jwt", Some(3), MUST,
        "A PoP with alg none is refused.");
    rule!(POP_ASYMMETRIC, "POP-ASYMMETRIC", "client-attestation-pop-jwt", Some(2), MUST,
        "The PoP is signed with an asymmetric algorithm; a MAC is refused.");
    rule!(POP_SIGNATURE, "POP-SIGNATURE", "client-attestation-pop-jwt", Some(2), MUST,
        "A PoP whose signature does not verify is refused.");
    rule!(POP_KEY_FROM_CNF, "POP-KEY-FROM-CNF", "verification-client-attestation-pop-jwt", Some(4), MUST,
        "The PoP verifies with the attestation's cnf key and no other key.");
    rule!(POP_AUD_REQUIRED, "POP-AUD-REQUIRED", "verification-client-attestation-pop-jwt", Some(2), MUST,
        "The PoP carries aud.");
    rule!(POP_AUD_ISSUER, "POP-AUD-ISSUER", "verification-client-attestation-pop-jwt", Some(7), MUST,
        "The PoP's aud is the issuer identifier.");
    rule!(POP_JTI_REQUIRED, "POP-JTI-REQUIRED", "verification-client-attestation-pop-jwt", Some(2), MUST,
        "The PoP carries jti.");
    rule!(POP_IAT_REQUIRED, "POP-IAT-REQUIRED", "verification-client-attestation-pop-jwt", Some(2), MUST,
        "The PoP carries iat.");
    rule!(POP_IAT_WINDOW, "POP-IAT-WINDOW", "verification-client-attestation-pop-jwt", Some(6), MUST,
        "The PoP's iat is within the window; a day ago or an hour ahead is outside any window.");
    rule!(POP_CHALLENGE_MATCH, "POP-CHALLENGE-MATCH", "verification-client-attestation-pop-jwt", Some(5), MUST,
        "When the server handed out a challenge, the PoP's challenge claim carries it.");
    rule!(POP_UNKNOWN_CLAIMS, "POP-UNKNOWN-CLAIMS-IGNORED", "client-attestation-pop-jwt", Some(1), MUST,
        "Claims the server does not understand are ignored.");
    rule!(ERR_USE_CHALLENGE, "ERR-USE-ATTESTATION-CHALLENGE", "errors", None, MUST,
        "A PoP without the expected challenge gets use_attestation_challenge (with the challenge header).");

    // Dispatch and combined mode (draft-10 §Verification, §Verification DPoP Combined Mode).
    rule!(DISP_POP_PRESENT, "DISP-POP-PRESENT", "verification", None, MUST,
        "A PoP field selects normal mode; a DPoP proof next to it is validated on its own per RFC 9449.");
    rule!(DISP_INDEPENDENT_KEY, "DISP-INDEPENDENT-DPOP-KEY", "dpop-combined-mode", None, MUST,
        "In normal mode a DPoP proof may use a key other than cnf.");
    rule!(DISP_PROOF_REQUIRED, "DISP-PROOF-REQUIRED", "verification", None, MUST,
        "An attestation without any proof of possession does not authenticate the client.");
    rule!(DISP_METHOD_ENFORCED, "DISP-METHOD-ENFORCED", "as-metadata", None, MUST,
        "A request in a mode the server does not advertise is refused.");
    rule!(COMB_SINGLE_DPOP, "COMB-SINGLE-DPOP", "verification-dpop-combined", Some(2), MUST,
        "A combined-mode request carries exactly one DPoP field value.");
    rule!(COMB_DPOP_VALID, "COMB-DPOP-VALID", "verification-dpop-combined", Some(3), MUST,
        "The combined DPoP proof is validated per RFC 9449.");
    rule!(COMB_KEY_MATCH, "COMB-KEY-MATCH", "verification-dpop-combined", Some(4), MUST,
        "The DPoP proof's jwk is the cnf key, compared on key material (extra members, order do not matter).");
    rule!(COMB_CHALLENGE_NONCE, "COMB-CHALLENGE-NONCE", "verification-dpop-combined", Some(5), MUST,
        "In combined mode a server challenge travels in the DPoP nonce claim.");

    // RFC 9449 §4.3 checks pulled in by combined mode (and by an independent proof).
    rule!(DPOP_SINGLE_FIELD, "DPOP-SINGLE-FIELD", "rfc9449-4.3", Some(1), MUST,
        "Not more than one DPoP header field.");
    rule!(DPOP_WELL_FORMED, "DPOP-WELL-FORMED", "rfc9449-4.3", Some(2), MUST,
        "The DPoP value is a single well-formed JWT.");
    rule!(DPOP_REQUIRED_CLAIMS, "DPOP-REQUIRED-CLAIMS", "rfc9449-4.3", Some(3), MUST,
        "The proof holds typ, alg, jwk, jti, htm, htu and iat.");
    rule!(DPOP_TYP, "DPOP-TYP", "rfc9449-4.3", Some(4), MUST, "The proof's typ is dpop+jwt.");
    rule!(DPOP_ALG, "DPOP-ALG", "rfc9449-4.3", Some(5), MUST,
        "The proof's alg is an asymmetric algorithm, not none and not a MAC.");
    rule!(DPOP_SIGNATURE, "DPOP-SIGNATURE", "rfc9449-4.3", Some(6), MUST,
        "The proof's signature verifies with its jwk header.");
    rule!(DPOP_JWK_PUBLIC, "DPOP-JWK-PUBLIC", "rfc9449-4.3", Some(7), MUST,
        "The jwk header holds no private key.");
    rule!(DPOP_HTM, "DPOP-HTM", "rfc9449-4.3", Some(8), MUST, "htm is the request method.");
    rule!(DPOP_HTU, "DPOP-HTU", "rfc9449-4.3", Some(9), MUST, "htu is the URI the request was sent to.");
    rule!(DPOP_NONCE, "DPOP-NONCE", "rfc9449-4.3", Some(10), MUST,
        "When the server demands a DPoP nonce, the proof carries one it supplied.");
    rule!(DPOP_IAT_WINDOW, "DPOP-IAT-WINDOW", "rfc9449-4.3", Some(11), MUST,
        "The proof's iat is within the window; a day ago or an hour ahead is outside any window.");

    // Client authentication in general.
    rule!(AUTH_CLIENT_REQUIRED, "AUTH-CLIENT-REQUIRED", "rfc6749-3.2.1", None, MUST,
        "A request without any attestation is refused.");
    rule!(AUTH_VALID_ACCEPTED, "AUTH-VALID-ACCEPTED", "as-metadata", None, MUST,
        "A conforming request in an advertised mode is accepted.");

    // SHOULD-level replay rules (draft-10 §Security Considerations Replay Attacks).
    rule!(REPLAY_DETECT, "REPLAY-DETECT", "security-consideration-replay", None, SHOULD,
        "The server refuses a PoP sent again.");
    rule!(REPLAY_JTI, "REPLAY-JTI", "security-consideration-replay", None, SHOULD,
        "The server refuses a PoP reusing a jti it has seen.");
    rule!(DPOP_JTI_REPLAY, "DPOP-JTI-REPLAY", "security-consideration-replay", None, SHOULD,
        "The server refuses a DPoP proof reusing a jti it has seen.");
    rule!(REPLAY_CHALLENGE_SINGLE_USE, "REPLAY-CHALLENGE-SINGLE-USE", "security-consideration-replay", None, SHOULD,
        "A server with single-use challenges refuses a second PoP with the same challenge.");

    // Rules of the underlying RFCs that make a mutation harmless (not in the draft's catalog).
    rule!(JOSE_UNKNOWN_HEADER, "JOSE-UNKNOWN-HEADER-IGNORED", "rfc7515-4", None, MUST,
        "JOSE header parameters that are not understood (and not listed in crit) are ignored.");
    rule!(JWT_UNKNOWN_CLAIMS, "JWT-UNKNOWN-CLAIMS-IGNORED", "rfc7519-4", None, MUST,
        "JWT claims that are not understood are ignored (a DPoP proof may carry other claims, RFC 9449 §4.2).");
    rule!(FORM_UNKNOWN_PARAM, "FORM-UNKNOWN-PARAM-IGNORED", "rfc6749-3.2", None, MUST,
        "The authorization server ignores unrecognized request parameters.");
    rule!(HTTP_UNKNOWN_FIELD, "HTTP-UNKNOWN-FIELD-IGNORED", "rfc9110-5.1", None, SHOULD,
        "Recipients ignore unrecognized header fields.");
}
pub use defs::*;

/// Every rule the oracle can cite (for the catalog written next to findings, and tests).
pub fn all() -> &'static [&'static Rule] {
    ALL
}

static ALL: &[&Rule] = &[
    &ATT_SINGLE_FIELD,
    &ATT_TOKEN68,
    &ATT_JWT_VALID,
    &ATT_TYP,
    &ATT_ALG_PRESENT,
    &ATT_ALG_NOT_NONE,
    &ATT_ALG_SUPPORTED,
    &ATT_TRUSTED_SIGNER,
    &ATT_SIGNATURE,
    &ATT_SUB_REQUIRED,
    &ATT_EXP_REQUIRED,
    &ATT_EXP_CHECK,
    &ATT_CNF_REQUIRED,
    &ATT_CNF_JWK,
    &ATT_CNF_NOT_PRIVATE,
    &ATT_FRESHNESS,
    &ATT_CLIENT_ID_MATCH,
    &ATT_IAT_OPTIONAL,
    &ATT_UNKNOWN_CLAIMS,
    &ERR_USE_FRESH,
    &POP_SINGLE_FIELD,
    &POP_TOKEN68,
    &POP_JWT_VALID,
    &POP_TYP,
    &POP_ALG_PRESENT,
    &POP_ALG_NOT_NONE,
    &POP_ASYMMETRIC,
    &POP_SIGNATURE,
    &POP_KEY_FROM_CNF,
    &POP_AUD_REQUIRED,
    &POP_AUD_ISSUER,
    &POP_JTI_REQUIRED,
    &POP_IAT_REQUIRED,
    &POP_IAT_WINDOW,
    &POP_CHALLENGE_MATCH,
    &POP_UNKNOWN_CLAIMS,
    &ERR_USE_CHALLENGE,
    &DISP_POP_PRESENT,
    &DISP_INDEPENDENT_KEY,
    &DISP_PROOF_REQUIRED,
    &DISP_METHOD_ENFORCED,
    &COMB_SINGLE_DPOP,
    &COMB_DPOP_VALID,
    &COMB_KEY_MATCH,
    &COMB_CHALLENGE_NONCE,
    &DPOP_SINGLE_FIELD,
    &DPOP_WELL_FORMED,
    &DPOP_REQUIRED_CLAIMS,
    &DPOP_TYP,
    &DPOP_ALG,
    &DPOP_SIGNATURE,
    &DPOP_JWK_PUBLIC,
    &DPOP_HTM,
    &DPOP_HTU,
    &DPOP_NONCE,
    &DPOP_IAT_WINDOW,
    &AUTH_CLIENT_REQUIRED,
    &AUTH_VALID_ACCEPTED,
    &REPLAY_DETECT,
    &REPLAY_JTI,
    &DPOP_JTI_REPLAY,
    &REPLAY_CHALLENGE_SINGLE_USE,
    &JOSE_UNKNOWN_HEADER,
    &JWT_UNKNOWN_CLAIMS,
    &FORM_UNKNOWN_PARAM,
    &HTTP_UNKNOWN_FIELD,
];

#[cfg(test)]
mod tests {
    #[test]
    fn ids_are_unique() {
        let mut ids: Vec<_> = super::all().iter().map(|r| r.id).collect();
        ids.sort();
        let n = ids.len();
        ids.dedup();
        assert_eq!(ids.len(), n);
    }
}
