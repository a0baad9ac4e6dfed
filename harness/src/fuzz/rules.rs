//! The rules the oracle cites, by their id in `suites/requirements.yaml`: section, level and
//! summary are the catalog's (one source of truth), so a finding's scenario replays with the
//! embedded catalog and reads the same as the hand-written scenarios.
use crate::catalog::{Catalog, Requirement};
use crate::scenario::Level;
use std::sync::OnceLock;

#[derive(Debug, PartialEq, Eq)]
pub struct Rule {
    pub id: &'static str,
}

impl Rule {
    /// The catalog entry. Every rule id is in the embedded catalog (checked by
    /// `tests::every_rule_is_in_the_catalog`), so the lookup cannot miss at run time.
    pub fn requirement(&self) -> &'static Requirement {
        catalog()
            .get(self.id)
            .unwrap_or_else(|| panic!("oracle rule {} is not in suites/requirements.yaml", self.id))
    }

    pub fn level(&self) -> Level {
        self.requirement().level
    }
}

fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| {
        Catalog::embedded().expect("the embedded catalog parses (tests/catalog.rs)")
    })
}

macro_rules! rule {
    ($name:ident, $id:literal) => {
        pub static $name: Rule = Rule { id: $id };
    };
}

/// The rules, one line each (kept out of rustfmt: a table reads better unwrapped).
#[rustfmt::skip]
mod defs {
    use super::Rule;

    // Client Attestation JWT (draft-10 §Client Attestation JWT, §Verification Client Attestation JWT).
    rule!(ATT_SINGLE_FIELD, "ATT-SINGLE-FIELD");
    rule!(ATT_TOKEN68, "ATT-TOKEN68");
    rule!(ATT_JWT_VALID, "ATT-JWT-VALID");
    rule!(ATT_TYP, "ATT-TYP");
    rule!(ATT_ALG_PRESENT, "ATT-ALG-PRESENT");
    rule!(ATT_ALG_NOT_NONE, "ATT-ALG-NOT-NONE");
    rule!(ATT_ALG_SUPPORTED, "ATT-ALG-SUPPORTED");
    rule!(ATT_TRUSTED_SIGNER, "ATT-TRUSTED-SIGNER");
    rule!(ATT_SIGNATURE, "ATT-SIGNATURE");
    rule!(ATT_ALG_CONFUSION, "ATT-ALG-CONFUSION");
    rule!(ATT_SUB_REQUIRED, "ATT-SUB-REQUIRED");
    rule!(ATT_EXP_REQUIRED, "ATT-EXP-REQUIRED");
    rule!(ATT_EXP_CHECK, "ATT-EXP-CHECK");
    rule!(ATT_CNF_REQUIRED, "ATT-CNF-REQUIRED");
    rule!(ATT_CNF_JWK, "ATT-CNF-JWK");
    rule!(ATT_CNF_NOT_PRIVATE, "ATT-CNF-NOT-PRIVATE");
    rule!(ATT_FRESHNESS, "ATT-FRESHNESS");
    rule!(ATT_CLIENT_ID_MATCH, "ATT-CLIENT-ID-MATCH");
    rule!(ATT_IAT_OPTIONAL, "ATT-IAT-OPTIONAL");
    rule!(ATT_IAT_FUTURE, "ATT-IAT-FUTURE");
    rule!(ATT_UNKNOWN_CLAIMS, "ATT-UNKNOWN-CLAIMS-IGNORED");
    rule!(ERR_USE_FRESH, "ERR-USE-FRESH-ATTESTATION");

    // Client Attestation PoP JWT (draft-10 §Client Attestation PoP JWT, §Verification PoP).
    rule!(POP_SINGLE_FIELD, "POP-SINGLE-FIELD");
    rule!(POP_TOKEN68, "POP-TOKEN68");
    rule!(POP_JWT_VALID, "POP-JWT-VALID");
    rule!(POP_TYP, "POP-TYP");
    rule!(POP_ALG_PRESENT, "POP-ALG-PRESENT");
    rule!(POP_ALG_NOT_NONE, "POP-ALG-NOT-NONE");
    rule!(POP_ASYMMETRIC, "POP-ASYMMETRIC");
    rule!(POP_ALG_CONFUSION, "POP-ALG-CONFUSION");
    rule!(POP_SIGNATURE, "POP-SIGNATURE");
    rule!(POP_KEY_FROM_CNF, "POP-KEY-FROM-CNF");
    rule!(POP_AUD_REQUIRED, "POP-AUD-REQUIRED");
    rule!(POP_AUD_ISSUER, "POP-AUD-ISSUER");
    rule!(POP_JTI_REQUIRED, "POP-JTI-REQUIRED");
    rule!(POP_IAT_REQUIRED, "POP-IAT-REQUIRED");
    rule!(POP_IAT_WINDOW, "POP-IAT-WINDOW");
    rule!(POP_EXP, "POP-EXP");
    rule!(POP_CHALLENGE_MATCH, "POP-CHALLENGE-MATCH");
    rule!(POP_UNKNOWN_CLAIMS, "POP-UNKNOWN-CLAIMS-IGNORED");
    rule!(ERR_USE_CHALLENGE, "ERR-USE-ATTESTATION-CHALLENGE");

    // Dispatch and combined mode (draft-10 §Verification, §Verification DPoP Combined Mode).
    rule!(DISP_POP_PRESENT, "DISP-POP-PRESENT");
    rule!(DISP_INDEPENDENT_KEY, "DISP-INDEPENDENT-DPOP-KEY");
    rule!(DISP_PROOF_REQUIRED, "DISP-PROOF-REQUIRED");
    rule!(DISP_METHOD_ENFORCED, "DISP-METHOD-ENFORCED");
    rule!(COMB_SINGLE_DPOP, "COMB-SINGLE-DPOP");
    rule!(COMB_DPOP_VALID, "COMB-DPOP-VALID");
    rule!(COMB_KEY_MATCH, "COMB-KEY-MATCH");
    rule!(COMB_CHALLENGE_NONCE, "COMB-CHALLENGE-NONCE");

    // Rules of one revision (the catalog's `revisions:`).
    rule!(ATT_ISS_REQUIRED, "ATT-ISS-REQUIRED");
    rule!(ATT_NBF, "ATT-NBF");
    rule!(POP_ISS_REQUIRED, "POP-ISS-REQUIRED");
    rule!(POP_ISS_SUB_MATCH, "POP-ISS-SUB-MATCH");
    rule!(POP_NBF, "POP-NBF");
    rule!(ATT_NBF_PRESENT, "ATT-NBF-PRESENT");
    rule!(POP_NBF_PRESENT, "POP-NBF-PRESENT");
    rule!(DISP_NO_COMBINED_07, "DISP-NO-COMBINED-07");
    rule!(ATT_IAT_REQUIRED, "ATT-IAT-REQUIRED");
    rule!(ATT_SF_TOKEN, "ATT-SF-TOKEN");
    rule!(POP_SF_TOKEN, "POP-SF-TOKEN");
    rule!(COMB_DPOP_NONCE_FRESHNESS, "COMB-DPOP-NONCE-FRESHNESS");
    rule!(ERR_USE_DPOP_NONCE_COMBINED, "ERR-USE-DPOP-NONCE-COMBINED");

    // RFC 9449 §4.3 checks pulled in by combined mode (and by an independent proof).
    rule!(DPOP_SINGLE_FIELD, "DPOP-SINGLE-FIELD");
    rule!(DPOP_WELL_FORMED, "DPOP-WELL-FORMED");
    rule!(DPOP_REQUIRED_CLAIMS, "DPOP-REQUIRED-CLAIMS");
    rule!(DPOP_TYP, "DPOP-TYP");
    rule!(DPOP_ALG, "DPOP-ALG");
    rule!(DPOP_ALG_CONFUSION, "DPOP-ALG-CONFUSION");
    rule!(DPOP_SIGNATURE, "DPOP-SIGNATURE");
    rule!(DPOP_JWK_PUBLIC, "DPOP-JWK-PUBLIC");
    rule!(DPOP_HTM, "DPOP-HTM");
    rule!(DPOP_HTU, "DPOP-HTU");
    rule!(DPOP_NONCE, "DPOP-NONCE");
    rule!(DPOP_IAT_WINDOW, "DPOP-IAT-WINDOW");
    rule!(DPOP_EXP, "DPOP-EXP");
    rule!(DPOP_NBF, "DPOP-NBF");

    // Client authentication in general.
    rule!(AUTH_CLIENT_REQUIRED, "AUTH-CLIENT-REQUIRED");
    rule!(AUTH_VALID_ACCEPTED, "AUTH-VALID-ACCEPTED");

    // SHOULD-level replay rules (draft-10 §Security Considerations Replay Attacks).
    rule!(REPLAY_DETECT, "REPLAY-DETECT");
    rule!(REPLAY_JTI, "REPLAY-JTI");
    rule!(DPOP_JTI_REPLAY, "DPOP-JTI-REPLAY");
    rule!(DPOP_INDEPENDENT_JTI_REPLAY, "DPOP-INDEPENDENT-JTI-REPLAY");
    rule!(REPLAY_CHALLENGE_SINGLE_USE, "REPLAY-CHALLENGE-SINGLE-USE");

    // Rules of the underlying RFCs that make a mutation harmless (not in the draft's catalog).
    rule!(JOSE_UNKNOWN_HEADER, "JOSE-UNKNOWN-HEADER-IGNORED");
    rule!(JWT_UNKNOWN_CLAIMS, "JWT-UNKNOWN-CLAIMS-IGNORED");
    rule!(FORM_UNKNOWN_PARAM, "FORM-UNKNOWN-PARAM-IGNORED");
    rule!(FORM_EMPTY_PARAM, "FORM-EMPTY-PARAM-OMITTED");
    rule!(FORM_REPEATED_PARAM, "FORM-REPEATED-PARAM-REFUSED");
    // Every advertised algorithm (draft-10 §Authorization Server Metadata).
    rule!(META_ALG_HONOURED, "META-ALG-HONOURED");
    rule!(HTTP_UNKNOWN_FIELD, "HTTP-UNKNOWN-FIELD-IGNORED");
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
    &ATT_ALG_CONFUSION,
    &ATT_SUB_REQUIRED,
    &ATT_EXP_REQUIRED,
    &ATT_EXP_CHECK,
    &ATT_CNF_REQUIRED,
    &ATT_CNF_JWK,
    &ATT_CNF_NOT_PRIVATE,
    &ATT_FRESHNESS,
    &ATT_CLIENT_ID_MATCH,
    &ATT_IAT_OPTIONAL,
    &ATT_IAT_FUTURE,
    &ATT_UNKNOWN_CLAIMS,
    &ERR_USE_FRESH,
    &POP_SINGLE_FIELD,
    &POP_TOKEN68,
    &POP_JWT_VALID,
    &POP_TYP,
    &POP_ALG_PRESENT,
    &POP_ALG_NOT_NONE,
    &POP_ASYMMETRIC,
    &POP_ALG_CONFUSION,
    &POP_SIGNATURE,
    &POP_KEY_FROM_CNF,
    &POP_AUD_REQUIRED,
    &POP_AUD_ISSUER,
    &POP_JTI_REQUIRED,
    &POP_IAT_REQUIRED,
    &POP_IAT_WINDOW,
    &POP_EXP,
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
    &ATT_ISS_REQUIRED,
    &ATT_NBF,
    &POP_ISS_REQUIRED,
    &POP_ISS_SUB_MATCH,
    &POP_NBF,
    &ATT_NBF_PRESENT,
    &POP_NBF_PRESENT,
    &DISP_NO_COMBINED_07,
    &ATT_IAT_REQUIRED,
    &ATT_SF_TOKEN,
    &POP_SF_TOKEN,
    &COMB_DPOP_NONCE_FRESHNESS,
    &ERR_USE_DPOP_NONCE_COMBINED,
    &DPOP_SINGLE_FIELD,
    &DPOP_WELL_FORMED,
    &DPOP_REQUIRED_CLAIMS,
    &DPOP_TYP,
    &DPOP_ALG,
    &DPOP_ALG_CONFUSION,
    &DPOP_SIGNATURE,
    &DPOP_JWK_PUBLIC,
    &DPOP_HTM,
    &DPOP_HTU,
    &DPOP_NONCE,
    &DPOP_IAT_WINDOW,
    &DPOP_EXP,
    &DPOP_NBF,
    &AUTH_CLIENT_REQUIRED,
    &AUTH_VALID_ACCEPTED,
    &REPLAY_DETECT,
    &REPLAY_JTI,
    &DPOP_JTI_REPLAY,
    &DPOP_INDEPENDENT_JTI_REPLAY,
    &REPLAY_CHALLENGE_SINGLE_USE,
    &JOSE_UNKNOWN_HEADER,
    &JWT_UNKNOWN_CLAIMS,
    &FORM_UNKNOWN_PARAM,
    &FORM_EMPTY_PARAM,
    &FORM_REPEATED_PARAM,
    &HTTP_UNKNOWN_FIELD,
    &META_ALG_HONOURED,
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

    #[test]
    fn every_rule_is_in_the_catalog() {
        let catalog = crate::catalog::Catalog::embedded().unwrap();
        for r in super::all() {
            let req = catalog.get(r.id);
            assert!(req.is_some(), "{} is not in suites/requirements.yaml", r.id);
            assert!(
                req.unwrap().excluded.is_none(),
                "{} is excluded in the catalog",
                r.id
            );
        }
    }
}
