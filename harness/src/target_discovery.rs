//! Metadata discovery (RFC 8414 §3, then OpenID Connect Discovery) and what it tells us:
//! which modes, endpoints and algorithms apply.
use super::{Target, TargetSpec};
use crate::client::keys::KeySet;
use crate::exchange::{Http, WireRequest};
use crate::scenario::Mode;
use anyhow::{bail, Context};
use std::collections::BTreeSet;

/// RFC 8414 §3.1: the well-known segment goes between the host and the issuer's path.
pub fn well_known_urls(issuer: &str) -> anyhow::Result<Vec<String>> {
    let u = url::Url::parse(issuer)
        .with_context(|| format!("issuer {issuer:?} is not a URL (e.g. https://as.example.com)"))?;
    // RFC 8414 §2: the issuer is an https URL (http for a server on this machine). Any other
    // scheme parses, but has no origin to put the well-known path on.
    if !matches!(u.scheme(), "https" | "http") || u.host_str().is_none() {
        bail!(
            "issuer {issuer:?}: the issuer must be an https:// URL with a host (RFC 8414 §2; http:// for a local test server), not scheme {:?}",
            u.scheme()
        );
    }
    if u.query().is_some() || u.fragment().is_some() {
        bail!("issuer {issuer:?} must not have a query or fragment (RFC 8414 §2)");
    }
    let path = u.path().trim_end_matches('/');
    let origin = u.origin().ascii_serialization();
    Ok(vec![
        format!("{origin}/.well-known/oauth-authorization-server{path}"),
        format!(
            "{}/.well-known/openid-configuration",
            issuer.trim_end_matches('/')
        ),
    ])
}

pub async fn discover(
    http: &Http,
    spec: TargetSpec,
    keys: KeySet,
    embedded: bool,
) -> anyhow::Result<Target> {
    let mut problems = Vec::new();
    let mut found = None;
    for url in well_known_urls(&spec.issuer)? {
        let req = WireRequest {
            method: "GET".into(),
            url: url.clone(),
            headers: vec![("Accept".into(), "application/json".into())],
            body: String::new(),
            name_case: Default::default(),
        };
        let (ex, reply) = http.exchange("metadata", &req).await;
        match reply {
            Ok(r) if r.status == 200 => match r.json {
                Some(serde_json::Value::Object(m)) => {
                    found = Some((serde_json::Value::Object(m), ex));
                    break;
                }
                _ => problems.push(format!("{url}: 200 but the body is not a JSON object")),
            },
            Ok(r) => problems.push(format!("{url}: HTTP {}", r.status)),
            Err(e) => problems.push(format!("{url}: {e}")),
        }
    }
    let (metadata, metadata_exchange) = found.with_context(|| {
        format!(
            "no authorization server metadata for {}:\n  {}",
            spec.issuer,
            problems.join("\n  ")
        )
    })?;
    // RFC 8414 §3.3: the issuer in the document must be identical to the one used to find it.
    let advertised_issuer = metadata
        .get("issuer")
        .and_then(|v| v.as_str())
        .unwrap_or("");
    if advertised_issuer != spec.issuer {
        bail!(
            "metadata issuer {advertised_issuer:?} differs from the configured issuer {:?} (RFC 8414 §3.3)",
            spec.issuer
        );
    }
    let endpoint = |name: &str| -> anyhow::Result<Option<String>> {
        match metadata.get(name) {
            None => Ok(None),
            Some(serde_json::Value::String(s)) => {
                let u = url::Url::parse(s)
                    .with_context(|| format!("metadata {name} {s:?} is not a URL"))?;
                check_same_host(&spec.issuer, &u, name)?;
                Ok(Some(s.clone()))
            }
            Some(_) => bail!("metadata {name} is not a string"),
        }
    };
    let token_endpoint = endpoint("token_endpoint")?.context("metadata has no token_endpoint")?;
    let par_endpoint = endpoint("pushed_authorization_request_endpoint")?;
    let challenge_endpoint = endpoint("challenge_endpoint")?;
    let authorization_endpoint = endpoint("authorization_endpoint")?;
    let grant_types: Option<Vec<String>> = match metadata.get("grant_types_supported") {
        None => None,
        Some(serde_json::Value::Array(a)) => Some(
            a.iter()
                .filter_map(|x| x.as_str().map(String::from))
                .collect(),
        ),
        Some(_) => bail!("metadata grant_types_supported is not an array"),
    };
    let par_redirect = spec
        .form
        .get("par")
        .and_then(|f| f.get("redirect_uri"))
        .cloned();
    let grants = super::grant::Grants::choose(
        spec.grant.clone(),
        grant_types,
        par_redirect.as_deref(),
        embedded,
    )?;
    if let Some(super::grant::CodeProvider::Url(u)) = &grants.spec.config.pre_authorized_code {
        let parsed = url::Url::parse(u)
            .with_context(|| format!("grant.pre_authorized_code.url {u:?} is not a URL"))?;
        check_same_host(&spec.issuer, &parsed, "grant.pre_authorized_code.url")?;
    }
    let methods: Vec<String> = metadata
        .get("token_endpoint_auth_methods_supported")
        .and_then(|v| v.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    let mut advertised = BTreeSet::new();
    if methods.iter().any(|m| m == "attest_jwt_client_auth") {
        advertised.insert(Mode::AttestationPopJwt);
    }
    if methods.iter().any(|m| m == "attest_jwt_client_auth_dpop") {
        advertised.insert(Mode::DpopCombined);
    }
    // The instance key must be one the server accepts in proofs (draft-10 §Metadata lists).
    let mut keys = keys;
    let list = |name: &str| -> Option<Vec<&str>> {
        metadata
            .get(name)?
            .as_array()
            .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
    };
    let pop_algs = list("client_attestation_pop_signing_alg_values_supported");
    let dpop_algs = list("dpop_signing_alg_values_supported");
    keys.use_instance_alg(crate::client::keys::instance_alg(
        pop_algs.as_deref(),
        dpop_algs.as_deref(),
    ))?;
    Ok(Target {
        spec,
        metadata,
        metadata_exchange,
        token_endpoint,
        par_endpoint,
        challenge_endpoint,
        authorization_endpoint,
        grants,
        advertised,
        methods,
        keys,
        embedded,
    })
}

/// Live-server etiquette: the suite only talks to the target's own host.
fn check_same_host(issuer: &str, u: &url::Url, name: &str) -> anyhow::Result<()> {
    let i = url::Url::parse(issuer)?;
    if i.host_str() != u.host_str() {
        bail!(
            "metadata {name} points at host {:?}, not the issuer's host {:?}; the suite only contacts the target's own host",
            u.host_str().unwrap_or(""),
            i.host_str().unwrap_or("")
        );
    }
    Ok(())
}
