//! Target: the server under test — what the user said (config) and what its metadata says
//! (discovery).
// The files sit beside this one, not in a `target/` folder: tools (and people) take a
// `target/` folder for cargo's build output.
#[path = "target_config.rs"]
pub mod config;
#[path = "target_discovery.rs"]
pub mod discovery;
#[path = "target_grant.rs"]
pub mod grant;

pub use config::{Policy, TargetFlags, TargetSpec};

use crate::client::keys::KeySet;
use crate::exchange::Exchange;
use crate::scenario::{Endpoint, Mode};
use std::collections::BTreeSet;

/// A discovered target: everything a plan needs.
pub struct Target {
    pub spec: TargetSpec,
    pub metadata: serde_json::Value,
    pub metadata_exchange: Exchange,
    pub token_endpoint: String,
    pub par_endpoint: Option<String>,
    pub challenge_endpoint: Option<String>,
    /// RFC 6749 §3.1, where authorization code flows send the user.
    pub authorization_endpoint: Option<String>,
    /// The grants the valid token request and the flows use.
    pub grants: grant::Grants,
    /// Modes advertised in `token_endpoint_auth_methods_supported` (draft-10 §Metadata).
    pub advertised: BTreeSet<Mode>,
    pub methods: Vec<String>,
    pub keys: KeySet,
    /// The embedded reference AS.
    pub embedded: bool,
}

impl Target {
    pub fn issuer(&self) -> &str {
        &self.spec.issuer
    }

    pub fn endpoint_url(&self, e: Endpoint) -> Option<&str> {
        match e {
            Endpoint::Token => Some(&self.token_endpoint),
            Endpoint::Par => self.par_endpoint.as_deref(),
            Endpoint::Challenge => self.challenge_endpoint.as_deref(),
            Endpoint::Metadata => None,
        }
    }

    /// The client_id for requests in `mode` (the first configured one for other modes).
    pub fn client_id(&self, mode: Mode) -> &str {
        self.spec
            .client_ids
            .get(&mode)
            .or_else(|| self.spec.client_ids.values().next())
            .map(String::as_str)
            .unwrap_or("")
    }

    pub fn policy(&self) -> &Policy {
        &self.spec.policy
    }

    /// Both modes authenticate as the same client, so an artifact issued in one mode may be
    /// redeemed in the other (servers that register one method per client use two clients).
    pub fn same_client_both_modes(&self) -> bool {
        self.client_id(Mode::AttestationPopJwt) == self.client_id(Mode::DpopCombined)
    }
}
