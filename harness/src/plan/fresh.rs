//! Per-request fresh values: the time, and the challenge / DPoP nonce the server gave.
use crate::revision::Revision;

#[derive(Clone, Debug, Default)]
pub struct Fresh {
    pub now: i64,
    /// Attestation challenge (challenge endpoint or `OAuth-Client-Attestation-Challenge`).
    pub challenge: Option<String>,
    /// DPoP nonce (`DPoP-Nonce`, RFC 9449 §8).
    pub dpop_nonce: Option<String>,
    /// What a combined-mode DPoP proof puts in `nonce`. -10 §7.3 item 5: the value the server
    /// gave last, be it a challenge or a DPoP nonce. -11 §5.2 / §7.3: only a DPoP nonce
    /// (challenges "are not used" in combined mode).
    pub combined_nonce: Option<String>,
    /// -11 and later: challenges never become the combined-mode nonce.
    pub dpop_nonce_only: bool,
    /// Protocol parameters of this request that replace or join the defaults: the grant of a
    /// token request (`grant_type` and its artifact), or a flow's PKCE challenge, state and
    /// redirect URI at PAR.
    pub params: Vec<(String, String)>,
}

impl Fresh {
    /// Fresh values for `rev`: a challenge and a DPoP nonce (both from the challenge endpoint,
    /// -11 §6.3) placed where that revision wants them.
    pub fn for_revision(
        now: i64,
        rev: Revision,
        challenge: Option<String>,
        dpop_nonce: Option<String>,
    ) -> Fresh {
        let mut f = Fresh {
            now,
            dpop_nonce_only: rev.combined_freshness_from_dpop_nonce(),
            ..Fresh::default()
        };
        if let Some(c) = challenge {
            f.with_challenge(c);
        }
        if let Some(n) = dpop_nonce {
            f.with_dpop_nonce(n);
        }
        f
    }
    pub fn with_challenge(&mut self, c: String) {
        self.challenge = Some(c.clone());
        if !self.dpop_nonce_only {
            self.combined_nonce = Some(c);
        }
    }
    pub fn with_dpop_nonce(&mut self, n: String) {
        self.dpop_nonce = Some(n.clone());
        self.combined_nonce = Some(n);
    }
    /// The value to carry in a combined-mode proof's `nonce` as is (a reused or echoed one).
    pub fn with_combined_nonce(&mut self, n: String) {
        self.combined_nonce = Some(n);
    }
}
