//! What the fuzzer's oracle knows about the target, as plain values.
use crate::revision::Revision;
use crate::scenario::TokenKind;
use crate::types::Mode;
use std::collections::BTreeSet;

/// What the oracle knows about the target: discovered metadata and declared policy.
#[derive(Clone, Debug, PartialEq)]
pub struct Capabilities {
    /// Modes in `token_endpoint_auth_methods_supported`.
    pub advertised: BTreeSet<Mode>,
    /// Metadata advertises `challenge_endpoint`.
    pub challenge_endpoint: bool,
    /// Declared: every PoP / combined proof must carry a challenge.
    pub challenge_required: bool,
    /// Declared: every DPoP proof must carry a server nonce.
    pub dpop_nonce_required: bool,
    /// Declared: an issued challenge is accepted once.
    pub challenge_single_use: bool,
    /// Declared maximum attestation age in seconds.
    pub attestation_max_age: Option<u64>,
    /// `alg` of the attester key.
    pub attester_alg: String,
    /// `alg` of the Client Instance Key and of the "other" key: the run picks one the
    /// server's proof lists accept (client/keys.rs `instance_alg`).
    pub instance_alg: String,
    /// The algorithms the harness can sign an attestation with (the attester key, an RSA key
    /// for every RS*/PS*, further attester keys the target trusts): `use_alg` on the
    /// attestation can be built with these only.
    pub attester_algs: Vec<String>,
    /// The published `client_attestation_signing_alg_values_supported` (None: not published).
    pub attestation_algs: Option<Vec<String>>,
    /// The published `client_attestation_pop_signing_alg_values_supported`.
    pub pop_algs: Option<Vec<String>>,
    /// The published `dpop_signing_alg_values_supported`.
    pub dpop_algs: Option<Vec<String>>,
    /// The attestation header names the attester key by `kid`.
    pub attester_kid: bool,
    /// The target has the attestation MAC key (HS256 attestations can be valid).
    pub attester_mac: bool,
    /// The same client_id serves both modes (a request that switches mode stays registered).
    pub same_client_both_modes: bool,
    /// The revision the server is judged by: the valid request and the rules follow it.
    pub revision: Revision,
}

impl Default for Capabilities {
    /// The embedded reference AS with its default configuration.
    fn default() -> Self {
        Capabilities {
            advertised: [Mode::AttestationPopJwt, Mode::DpopCombined].into(),
            challenge_endpoint: true,
            challenge_required: false,
            dpop_nonce_required: false,
            challenge_single_use: true,
            attestation_max_age: Some(86_400),
            attester_alg: "ES256".into(),
            instance_alg: "ES256".into(),
            attester_algs: vec!["ES256".into()],
            attestation_algs: Some(Self::default_algs()),
            pop_algs: Some(Self::default_algs()),
            dpop_algs: Some(Self::default_algs()),
            attester_kid: true,
            attester_mac: false,
            same_client_both_modes: true,
            revision: Revision::default(),
        }
    }
}

impl Capabilities {
    /// What the reference AS advertises by default (reference-as `Alg::ASYMMETRIC`).
    fn default_algs() -> Vec<String> {
        ["ES256", "EdDSA", "PS256", "RS256"]
            .map(String::from)
            .to_vec()
    }

    /// The metadata list that governs the algorithm of `token` (draft-10 §Authorization
    /// Server Metadata; RFC 9449 §5.1 for DPoP proofs), when published.
    pub fn alg_list(&self, token: TokenKind) -> Option<&[String]> {
        match token {
            TokenKind::Attestation => self.attestation_algs.as_deref(),
            TokenKind::Pop => self.pop_algs.as_deref(),
            TokenKind::Dpop => self.dpop_algs.as_deref(),
        }
    }
}
