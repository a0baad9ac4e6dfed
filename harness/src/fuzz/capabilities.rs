//! What the fuzzer's oracle knows about the target, as plain values.
use crate::revision::Revision;
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
            attester_kid: true,
            attester_mac: false,
            same_client_both_modes: true,
            revision: Revision::default(),
        }
    }
}
