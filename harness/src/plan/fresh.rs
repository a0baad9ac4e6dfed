//! Per-request fresh values: the time, and the challenge / DPoP nonce the server gave.
#[derive(Clone, Debug, Default)]
pub struct Fresh {
    pub now: i64,
    /// Attestation challenge (challenge endpoint or `OAuth-Client-Attestation-Challenge`).
    pub challenge: Option<String>,
    /// DPoP nonce (`DPoP-Nonce`, RFC 9449 §8).
    pub dpop_nonce: Option<String>,
    /// What a combined-mode DPoP proof puts in `nonce`: the value the server gave last, be it
    /// a challenge or a DPoP nonce (draft-10 §Verification DPoP Combined Mode item 5).
    pub combined_nonce: Option<String>,
}

impl Fresh {
    pub fn new(now: i64, challenge: Option<String>) -> Fresh {
        Fresh {
            now,
            combined_nonce: challenge.clone(),
            challenge,
            dpop_nonce: None,
        }
    }
    pub fn with_challenge(&mut self, c: String) {
        self.challenge = Some(c.clone());
        self.combined_nonce = Some(c);
    }
    pub fn with_dpop_nonce(&mut self, n: String) {
        self.dpop_nonce = Some(n.clone());
        self.combined_nonce = Some(n);
    }
}
