//! Grants: how the suite obtains what a token request redeems (issue 15). The target file's
//! `grant:` section says what the user knows (which grant, how a user logs in, where
//! pre-authorized codes come from); [`Grants::choose`] adds what the metadata says
//! (`grant_types_supported`, RFC 8414 §2).
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The OpenID4VCI 1.0 §6.1 grant type URN.
pub const PRE_AUTHORIZED_CODE_URN: &str = "urn:ietf:params:oauth:grant-type:pre-authorized_code";

/// Default `--max-flows` against a live server: each authorization-code flow logs a user in,
/// which a real server may rate-limit or audit. The embedded reference AS has no bound.
pub const DEFAULT_MAX_FLOWS: usize = 50;

/// Default timeout of one login step (one page load, one form submission with its
/// redirects, or the whole login command).
pub const DEFAULT_STEP_TIMEOUT_SECS: u64 = 15;

/// The redirect URI of flows when neither `grant.redirect_uri` nor `form.par.redirect_uri`
/// names one; it is never contacted (the suite stops at the redirect that names it).
pub const DEFAULT_REDIRECT_URI: &str = "https://client.example.com/cb";

/// A grant the valid token request can use.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum GrantType {
    #[serde(rename = "client_credentials")]
    ClientCredentials,
    #[serde(rename = "authorization_code")]
    AuthorizationCode,
    #[serde(
        rename = "urn:ietf:params:oauth:grant-type:pre-authorized_code",
        alias = "pre-authorized_code"
    )]
    PreAuthorizedCode,
    #[serde(rename = "refresh_token")]
    RefreshToken,
}

impl GrantType {
    /// The `grant_type` wire value (RFC 6749 §4.1.3, §4.4.2, §6; OpenID4VCI §6.1).
    pub fn as_str(self) -> &'static str {
        match self {
            GrantType::ClientCredentials => "client_credentials",
            GrantType::AuthorizationCode => "authorization_code",
            GrantType::PreAuthorizedCode => PRE_AUTHORIZED_CODE_URN,
            GrantType::RefreshToken => "refresh_token",
        }
    }

    pub fn parse(s: &str) -> Option<GrantType> {
        match s {
            "client_credentials" => Some(GrantType::ClientCredentials),
            "authorization_code" => Some(GrantType::AuthorizationCode),
            PRE_AUTHORIZED_CODE_URN | "pre-authorized_code" => Some(GrantType::PreAuthorizedCode),
            "refresh_token" => Some(GrantType::RefreshToken),
            _ => None,
        }
    }

    /// Each redemption needs an artifact of its own (a code, a refresh token).
    pub fn single_use(self) -> bool {
        self != GrantType::ClientCredentials
    }
}

/// `grant:` in the target file.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GrantConfig {
    /// The grant of the valid token request (the token endpoint's positive control and every
    /// token case). Default: see [`Grants::choose`].
    #[serde(rename = "type")]
    pub grant_type: Option<GrantType>,
    /// The redirect URI registered for the client (authorization code flows).
    pub redirect_uri: Option<String>,
    /// `scope` of the pushed authorization request.
    pub scope: Option<String>,
    /// How a user logs in and consents (authorization code flows).
    pub login: Option<LoginConfig>,
    /// Where a fresh pre-authorized code comes from.
    pub pre_authorized_code: Option<CodeProvider>,
    /// Which grant issues the refresh tokens that `refresh_token` and the refresh binding
    /// cases redeem (default: pre-authorized_code when a provider is set, else
    /// authorization_code when a login is set).
    pub refresh_from: Option<GrantType>,
    /// At most this many authorization-code flows per run (default 50 against a live server).
    pub max_flows: Option<usize>,
}

/// The user step of an authorization code flow: declarative steps over HTTP with a cookie
/// jar, or a command (for servers that need a real browser).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginConfig {
    /// Run in order on the pages the authorization endpoint leads to.
    #[serde(default)]
    pub steps: Vec<LoginStep>,
    /// argv of a program that receives the authorization URL as its last argument (and in
    /// `ABCA_AUTHORIZATION_URL`) and prints the final redirect URL (with `code`) on stdout.
    pub command: Option<Vec<String>>,
    /// One user session (cookie jar) for every flow of the run; default: a fresh one per flow.
    #[serde(default)]
    pub reuse_session: bool,
    /// Seconds per step (default 15); the login command gets this much in total.
    pub step_timeout: Option<u64>,
}

/// One step: on the current page, find a form, fill named fields, submit it, follow the
/// redirects.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LoginStep {
    /// Which form: the first whose `action`, `id` or `name` contains this text; default: the
    /// first form that has every field of `fields`.
    pub form: Option<String>,
    /// Values for named fields; each must exist in the form (hidden fields are kept as the
    /// page set them).
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
    /// The `name` of the submit button to press; default: the form's first submit button.
    pub submit: Option<String>,
}

/// A source of fresh pre-authorized codes: `{command: [argv...]}` prints one on stdout;
/// `{url: URL}` answers one to a POST (JSON `pre-authorized_code`, a credential offer, or
/// the code as plain text).
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum CodeProvider {
    Command(Vec<String>),
    Url(String),
}

/// Grants resolved: what the user said, paths made absolute.
#[derive(Clone, Debug, Default)]
pub struct GrantSpec {
    pub config: GrantConfig,
    /// The target file's folder (relative command paths start there).
    pub base: PathBuf,
}

impl GrantSpec {
    pub fn new(config: GrantConfig, base: &Path) -> GrantSpec {
        GrantSpec {
            config,
            base: base.to_path_buf(),
        }
    }

    /// argv with a relative program path (one with a `/`) taken from the target file's folder.
    pub fn resolve_argv(&self, argv: &[String]) -> Vec<String> {
        let mut out = argv.to_vec();
        if let Some(p) = out.first_mut() {
            if p.contains('/') && Path::new(p.as_str()).is_relative() {
                *p = self.base.join(p.as_str()).display().to_string();
            }
        }
        out
    }
}

/// The grants of a discovered target.
#[derive(Clone, Debug)]
pub struct Grants {
    /// The grant of the valid token request.
    pub token: GrantType,
    /// The grant that issues refresh tokens, when one is usable.
    pub refresh_from: Option<GrantType>,
    /// `grant_types_supported`, when the server publishes it.
    pub supported: Option<Vec<String>>,
    pub spec: GrantSpec,
    pub redirect_uri: String,
    pub max_flows: Option<usize>,
}

impl Grants {
    /// Chooses the grants. The declared `grant.type` wins (an unadvertised one is an error:
    /// the control would fail for a reason the user can fix). Otherwise client_credentials,
    /// unless the server lists grant_types_supported without it; then a grant the target
    /// file enables (pre-authorized_code with a provider, authorization_code with a login).
    pub fn choose(
        spec: GrantSpec,
        supported: Option<Vec<String>>,
        par_redirect_uri: Option<&str>,
        embedded: bool,
    ) -> anyhow::Result<Grants> {
        let listed = |g: GrantType| {
            supported
                .as_ref()
                .is_none_or(|l| l.iter().any(|s| s == g.as_str()))
        };
        let c = &spec.config;
        let usable = |g: GrantType| match g {
            GrantType::ClientCredentials => true,
            GrantType::AuthorizationCode => c.login.is_some(),
            GrantType::PreAuthorizedCode => c.pre_authorized_code.is_some(),
            GrantType::RefreshToken => false,
        };
        let refresh_from = match c.refresh_from {
            Some(g @ (GrantType::AuthorizationCode | GrantType::PreAuthorizedCode)) => {
                if !usable(g) {
                    anyhow::bail!("grant.refresh_from {} needs {}", g.as_str(), needs(g));
                }
                Some(g)
            }
            Some(g) => anyhow::bail!(
                "grant.refresh_from must be authorization_code or pre-authorized_code, not {}",
                g.as_str()
            ),
            None => [GrantType::PreAuthorizedCode, GrantType::AuthorizationCode]
                .into_iter()
                .find(|g| usable(*g) && listed(*g)),
        };
        let token = match c.grant_type {
            Some(g) => {
                if !listed(g) {
                    anyhow::bail!(
                        "grant.type {} is not in the server's grant_types_supported {:?}",
                        g.as_str(),
                        supported.as_deref().unwrap_or_default()
                    );
                }
                match g {
                    GrantType::RefreshToken if refresh_from.is_none() => anyhow::bail!(
                        "grant.type refresh_token needs a grant that issues refresh tokens: \
                         grant.login (authorization_code) or grant.pre_authorized_code"
                    ),
                    GrantType::RefreshToken | GrantType::ClientCredentials => {}
                    g if !usable(g) => {
                        anyhow::bail!("grant.type {} needs {}", g.as_str(), needs(g))
                    }
                    _ => {}
                }
                g
            }
            None => [
                GrantType::ClientCredentials,
                GrantType::PreAuthorizedCode,
                GrantType::AuthorizationCode,
            ]
            .into_iter()
            .find(|g| usable(*g) && listed(*g))
            // Nothing usable: keep client_credentials, so the control fails visibly.
            .unwrap_or(GrantType::ClientCredentials),
        };
        let redirect_uri = c
            .redirect_uri
            .clone()
            .or(par_redirect_uri.map(String::from))
            .unwrap_or_else(|| DEFAULT_REDIRECT_URI.to_string());
        let max_flows = match c.max_flows {
            Some(n) => Some(n),
            None if embedded => None,
            None => Some(DEFAULT_MAX_FLOWS),
        };
        Ok(Grants {
            token,
            refresh_from,
            supported,
            spec,
            redirect_uri,
            max_flows,
        })
    }

    pub fn login(&self) -> Option<&LoginConfig> {
        self.spec.config.login.as_ref()
    }

    pub fn step_timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs(
            self.login()
                .and_then(|l| l.step_timeout)
                .unwrap_or(DEFAULT_STEP_TIMEOUT_SECS)
                .max(1),
        )
    }
}

fn needs(g: GrantType) -> &'static str {
    match g {
        GrantType::AuthorizationCode => "grant.login (steps or a command) for the user step",
        GrantType::PreAuthorizedCode => "grant.pre_authorized_code (a command or a URL)",
        _ => "nothing",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(yaml: &str) -> GrantSpec {
        let c: GrantConfig = crate::scenario::load::parse_yaml("t", yaml).unwrap();
        GrantSpec::new(c, Path::new("/base"))
    }

    #[test]
    fn default_is_client_credentials_unless_unlisted() {
        let g = Grants::choose(spec("{}"), None, None, false).unwrap();
        assert_eq!(g.token, GrantType::ClientCredentials);
        assert_eq!(g.max_flows, Some(DEFAULT_MAX_FLOWS));
        let s = spec("login: {steps: [{fields: {u: a}}]}");
        let g = Grants::choose(s, Some(vec!["authorization_code".into()]), None, true).unwrap();
        assert_eq!(g.token, GrantType::AuthorizationCode);
        assert_eq!(g.refresh_from, Some(GrantType::AuthorizationCode));
        assert_eq!(g.max_flows, None);
    }

    #[test]
    fn declared_grant_must_be_usable_and_listed() {
        let e = Grants::choose(spec("type: authorization_code"), None, None, false);
        assert!(e.unwrap_err().to_string().contains("grant.login"));
        let e = Grants::choose(
            spec("{type: pre-authorized_code, pre_authorized_code: {url: 'http://x/y'}}"),
            Some(vec!["authorization_code".into()]),
            None,
            false,
        );
        assert!(e.unwrap_err().to_string().contains("grant_types_supported"));
        let e = Grants::choose(spec("type: refresh_token"), None, None, false);
        assert!(e.unwrap_err().to_string().contains("refresh tokens"));
        let g = Grants::choose(
            spec("{type: refresh_token, pre_authorized_code: {command: [./mint]}}"),
            None,
            Some("https://c/cb"),
            false,
        )
        .unwrap();
        assert_eq!(g.refresh_from, Some(GrantType::PreAuthorizedCode));
        assert_eq!(g.redirect_uri, "https://c/cb");
        assert_eq!(
            g.spec.resolve_argv(&["./mint".into(), "x".into()]),
            vec!["/base/./mint".to_string(), "x".into()]
        );
    }
}
