//! The records behind the artifacts of the authorization code, pre-authorized code and refresh
//! token grants, and what each is bound to.
//!
//! Binding (draft-10 §Refresh token binding and §Binding of OAuth protocol artifacts; -11
//! §10.3 / §10.4): the Client Instance is identified by the RFC 7638 thumbprint of the
//! Client Instance Key, the `cnf.jwk` of the attestation that authenticated the request. A
//! code is bound to the instance that pushed its authorization request (PAR, RFC 9126) and,
//! when the pushed request named one, to a DPoP key (RFC 9449 §10 / §10.1); a refresh token is
//! bound to the instance that authenticated the grant that issued it.

/// An authorization request pushed to the PAR endpoint, referenced by its `request_uri`.
#[derive(Clone, Debug)]
pub struct PushedRequest {
    pub client_id: String,
    pub redirect_uri: String,
    /// PKCE S256 challenge (RFC 7636 §4.2).
    pub code_challenge: String,
    pub state: Option<String>,
    pub scope: Option<String>,
    /// The Client Instance Key that authenticated the PAR request (None only when PAR skips
    /// client authentication under the `par-skips-client-auth` fault).
    pub instance_jkt: Option<String>,
    /// `dpop_jkt`, or the thumbprint of a DPoP proof sent to the PAR endpoint (RFC 9449 §10.1:
    /// the server "MUST further behave as if the contained public key's thumbprint was
    /// provided using dpop_jkt").
    pub dpop_jkt: Option<String>,
}

/// A user session of the authorization pages (cookie `abca_session`).
#[derive(Clone, Debug)]
pub struct Session {
    /// The pushed request this session authorizes; its `request_uri` was used up when the
    /// session started (RFC 9126 §4: "SHOULD treat request_uri values as one-time use").
    pub request: PushedRequest,
    /// Anti-CSRF value echoed by the hidden `csrf` field of each form.
    pub csrf: String,
    /// The authenticated user, once the login form succeeded.
    pub user: Option<String>,
}

/// An issued authorization code (RFC 6749 §4.1.2).
#[derive(Clone, Debug)]
pub struct CodeGrant {
    pub client_id: String,
    pub redirect_uri: String,
    pub code_challenge: String,
    pub scope: Option<String>,
    pub subject: String,
    pub instance_jkt: Option<String>,
    pub dpop_jkt: Option<String>,
    /// Redeemed already; kept until expiry so that a second use is recognised as such.
    pub used: bool,
    /// The refresh token issued from this code, revoked if the code is used again
    /// (RFC 6749 §4.1.2: "SHOULD revoke (when possible) all tokens previously issued").
    pub refresh_token: Option<String>,
}

/// A pre-authorized code minted by the test endpoint (OpenID4VCI 1.0 §4.1.1, §6.1).
#[derive(Clone, Debug)]
pub struct PreAuthorizedCode {
    /// When minted for a client, only that client may redeem it.
    pub client_id: Option<String>,
    pub used: bool,
}

/// An issued refresh token (RFC 6749 §1.5, §6).
#[derive(Clone, Debug)]
pub struct RefreshGrant {
    pub client_id: String,
    pub scope: Option<String>,
    pub subject: String,
    /// The Client Instance Key of the token request that issued it (draft-10 §Refresh token
    /// binding: "MUST bind the refresh token to the Client Instance and its associated public
    /// key").
    pub instance_jkt: Option<String>,
}
