//! Flows: the client-side pieces of obtaining a grant other than client_credentials
//! (issue 15): PKCE (RFC 7636), the automated user step (browser), the user's programs
//! (command), pre-authorized codes (OpenID4VCI 1.0 §6.1), and the run's flow budget. The
//! runner (runner/steps.rs) puts them together with the authenticated requests.
pub mod browser;
pub mod command;
pub mod html;

use crate::exchange::Exchange;
use crate::exchange::{Http, WireRequest};
use crate::target::grant::{CodeProvider, GrantSpec};
use crate::target::Target;
use sha2::Digest;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Why a grant could not be obtained.
#[derive(Debug, thiserror::Error)]
pub enum FlowError {
    /// The target does not offer what the case needs (no PAR endpoint, no refresh token).
    #[error("{0}")]
    NotApplicable(String),
    /// The run's `--max-flows` bound is used up.
    #[error("inconclusive: the run's bound of {0} authorization-code flows (--max-flows, grant.max_flows) is used up")]
    Budget(usize),
    /// A login step did not match the page the server showed.
    #[error("inconclusive: user step {step}: {why}\n--- the page ---\n{page}")]
    Step {
        step: usize,
        why: String,
        page: String,
    },
    #[error("{0}")]
    Inconclusive(String),
}

/// The run's flow state: the bound on authorization-code flows, and the user session when the
/// target allows reusing it.
pub struct Flows {
    max: Option<usize>,
    started: AtomicUsize,
    /// `grant.login.reuse_session`: one jar, flows take turns with it.
    shared_jar: Option<tokio::sync::Mutex<browser::Jar>>,
}

impl Flows {
    pub fn new(target: &Target) -> Flows {
        let reuse = target.grants.login().is_some_and(|l| l.reuse_session);
        Flows {
            max: target.grants.max_flows,
            started: AtomicUsize::new(0),
            shared_jar: reuse.then(|| tokio::sync::Mutex::new(browser::Jar::default())),
        }
    }

    /// Counts one more flow, or refuses when the bound is reached.
    pub fn admit(&self) -> Result<(), FlowError> {
        let n = self.started.fetch_add(1, Ordering::SeqCst);
        match self.max {
            Some(max) if n >= max => Err(FlowError::Budget(max)),
            _ => Ok(()),
        }
    }

    /// Runs the user step with a fresh jar, or the shared one.
    pub async fn authorize(
        &self,
        ua: &browser::UserAgent<'_>,
        login: &crate::target::grant::LoginConfig,
        auth_url: &str,
        exchanges: &mut Vec<Exchange>,
    ) -> Result<browser::Redirect, FlowError> {
        match &self.shared_jar {
            Some(m) => {
                let mut jar = m.lock().await;
                ua.authorize(login, auth_url, &mut jar, exchanges).await
            }
            None => {
                let mut jar = browser::Jar::default();
                ua.authorize(login, auth_url, &mut jar, exchanges).await
            }
        }
    }
}

/// A PKCE pair (RFC 7636 §4.1, §4.2): 32 random octets as the verifier, S256 challenge.
pub struct Pkce {
    pub verifier: String,
    pub challenge: String,
}

impl Pkce {
    pub fn new() -> Pkce {
        let raw: [u8; 32] = rand::random();
        let verifier = crate::jose::b64::encode(raw);
        let challenge = crate::jose::b64::encode(sha2::Sha256::digest(verifier.as_bytes()));
        Pkce {
            verifier,
            challenge,
        }
    }
}

impl Default for Pkce {
    fn default() -> Self {
        Pkce::new()
    }
}

/// A fresh pre-authorized code from the target's provider.
pub async fn pre_authorized_code(
    spec: &GrantSpec,
    http: &Http,
    client_id: &str,
    timeout: std::time::Duration,
    exchanges: &mut Vec<Exchange>,
) -> Result<String, FlowError> {
    let provider = spec.config.pre_authorized_code.as_ref().ok_or_else(|| {
        FlowError::NotApplicable("the target file names no grant.pre_authorized_code source".into())
    })?;
    let text = match provider {
        CodeProvider::Command(argv) => command::run(
            &spec.resolve_argv(argv),
            &[("ABCA_CLIENT_ID", client_id)],
            timeout,
        )
        .await
        .map_err(|e| FlowError::Inconclusive(format!("pre-authorized code command: {e}")))?,
        CodeProvider::Url(url) => {
            let body = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("client_id", client_id)
                .finish();
            let wire = WireRequest {
                method: "POST".into(),
                url: url.clone(),
                headers: vec![
                    (
                        "Content-Type".into(),
                        "application/x-www-form-urlencoded".into(),
                    ),
                    ("Accept".into(), "application/json, text/plain".into()),
                ],
                body,
                name_case: Default::default(),
            };
            let (ex, reply) = http.exchange("pre-authorized code", &wire).await;
            exchanges.push(ex);
            let r = reply.map_err(|e| {
                FlowError::Inconclusive(format!("pre-authorized code from {url}: {e}"))
            })?;
            if !r.is_success() {
                return Err(FlowError::Inconclusive(format!(
                    "pre-authorized code from {url}: {}",
                    r.summary()
                )));
            }
            String::from_utf8_lossy(&r.body).into_owned()
        }
    };
    code_from(&text).ok_or_else(|| {
        let t: String = text.chars().take(200).collect();
        FlowError::Inconclusive(format!(
            "the pre-authorized code source gave no code (expected JSON with \
             `pre-authorized_code`, a credential offer, or the code alone): {t:?}"
        ))
    })
}

/// The code in a provider's answer: JSON `{"pre-authorized_code": ..}`, an OpenID4VCI
/// credential offer (§4.1.1 `grants` → the URN → `pre-authorized_code`), or the text itself.
fn code_from(text: &str) -> Option<String> {
    let t = text.trim();
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(t) {
        let direct = v.get("pre-authorized_code");
        let offer = v
            .get("grants")
            .and_then(|g| g.get(crate::target::grant::PRE_AUTHORIZED_CODE_URN))
            .and_then(|g| g.get("pre-authorized_code"));
        return direct.or(offer)?.as_str().map(String::from);
    }
    (!t.is_empty() && !t.contains(char::is_whitespace)).then(|| t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_is_s256_of_the_verifier() {
        let p = Pkce::new();
        assert_eq!(p.verifier.len(), 43);
        let want = crate::jose::b64::encode(sha2::Sha256::digest(p.verifier.as_bytes()));
        assert_eq!(p.challenge, want);
        assert_ne!(Pkce::new().verifier, p.verifier);
    }

    #[test]
    fn reads_codes_in_every_form() {
        assert_eq!(
            code_from("{\"pre-authorized_code\":\"a\"}").as_deref(),
            Some("a")
        );
        let offer = r#"{"credential_issuer":"x","grants":{"urn:ietf:params:oauth:grant-type:pre-authorized_code":{"pre-authorized_code":"b"}}}"#;
        assert_eq!(code_from(offer).as_deref(), Some("b"));
        assert_eq!(code_from("  c-1\n").as_deref(), Some("c-1"));
        assert_eq!(code_from("two words"), None);
        assert_eq!(code_from("{\"other\":1}"), None);
    }
}
