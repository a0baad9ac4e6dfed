//! The attester's certificate chain, carried in the Client Attestation's `x5c` header
//! (RFC 7515 §4.1.6; draft-10 §Trust Management and Key Resolution, first mechanism). As HAIP
//! 1.0 says, the chain starts with the attester's own certificate and leaves the trust anchor
//! out. Certificates are made with rcgen; nothing here writes DER by hand.
//!
//! When the suite knows the private key of the leaf's issuer (`attester_issuer_key`, written
//! by `keygen --x5c`; always for the embedded server) it can mint test leaves for the attester
//! key under that issuer: expired, not yet valid, without `digitalSignature`.
use crate::jose::{b64, SigningKey};
use anyhow::{bail, Context as _};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use rcgen::{
    BasicConstraints, Certificate, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose,
    PublicKeyData, SignatureAlgorithm,
};
use rsa::pkcs1::EncodeRsaPublicKey as _;
use serde_json::Value;
use std::path::Path;

/// A changed `x5c` the suite cannot make for this run.
#[derive(Debug, thiserror::Error)]
pub enum X5cError {
    #[error("the suite has no key of the leaf's issuer (attester_issuer_key)")]
    NoIssuerKey,
    #[error("the chain has no intermediate certificate")]
    NoIntermediate,
    #[error("the suite was not given the trust anchor (attester_trust_anchor)")]
    NoAnchor,
    /// rcgen could not make the certificate (e.g. a key type it cannot certify).
    #[error("cannot make the certificate: {0:#}")]
    Mint(anyhow::Error),
}
use time::{Duration, OffsetDateTime};

/// Common names of the certificates `keygen --x5c` and the embedded server make.
pub const CA_NAME: &str = "abca-conformance test attester CA";
pub const INTERMEDIATE_NAME: &str = "abca-conformance test attester intermediate CA";
pub const LEAF_NAME: &str = "abca-conformance test attester";

const DAY: i64 = 86_400;

/// A certificate authority the suite holds the key of.
pub struct Authority {
    pub cert: Certificate,
    pub key: KeyPair,
}

/// The chain a run sends, and what the suite can do with it.
pub struct X5c {
    /// DER certificates as sent: the leaf (whose key is the attester key) first, then the
    /// intermediates; never the trust anchor.
    pub chain: Vec<Vec<u8>>,
    /// The trust anchor registered at the server, when the suite was given it.
    pub anchor: Option<Vec<u8>>,
    /// The leaf's issuer, when its private key is known.
    pub issuer: Option<Authority>,
}

/// A test leaf for the attester key, each bending one rule of RFC 5280.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LeafKind {
    Valid,
    /// notAfter an hour ago, notBefore inside the issuer's validity (RFC 5280 §6.1.3 (a)(2)).
    Expired,
    /// notBefore tomorrow.
    NotYetValid,
    /// Key usage `keyEncipherment` only, no `digitalSignature` (RFC 5280 §4.2.1.3).
    NoDigitalSignature,
}

/// What `generate` made: the chain to send and the anchor's authority, whose certificate is
/// what the server must trust.
pub struct Generated {
    pub x5c: X5c,
    pub root: Authority,
}

impl X5c {
    /// The `x5c` header value: standard base64 (with padding, not base64url) DER, in order.
    pub fn header(&self) -> Value {
        Value::Array(
            self.chain
                .iter()
                .map(|der| Value::String(STANDARD.encode(der)))
                .collect(),
        )
    }

    /// A fresh test PKI for `leaf_key`: a root CA, an intermediate when asked, and the leaf.
    pub fn generate(leaf_key: &SigningKey, intermediate: bool) -> anyhow::Result<Generated> {
        let root = authority(CA_NAME, None)?;
        let (issuer, mut rest) = if intermediate {
            let inter = authority(INTERMEDIATE_NAME, Some(&root))?;
            let der = inter.cert.der().to_vec();
            (inter, vec![der])
        } else {
            // Without an intermediate the root itself issues the leaf.
            let copy = Authority {
                cert: root_copy(&root)?,
                key: KeyPair::from_pem(&root.key.serialize_pem())?,
            };
            (copy, Vec::new())
        };
        let leaf = mint(leaf_key, &issuer, LeafKind::Valid)?;
        let mut chain = vec![leaf];
        chain.append(&mut rest);
        Ok(Generated {
            x5c: X5c {
                chain,
                anchor: Some(root.cert.der().to_vec()),
                issuer: Some(issuer),
            },
            root,
        })
    }

    /// Loads a chain (PEM, leaf first), and optionally the issuer's private key (PKCS#8 PEM)
    /// and the trust anchor (PEM). The issuer's certificate is the chain's second one, or the
    /// anchor when the chain is the leaf alone.
    pub fn load(
        chain: &Path,
        issuer_key: Option<&Path>,
        anchor: Option<&Path>,
        leaf_key: &SigningKey,
    ) -> anyhow::Result<X5c> {
        let chain_ders = read_pem_certificates(chain)?;
        let anchor = match anchor {
            Some(p) => Some(
                read_pem_certificates(p)?
                    .into_iter()
                    .next()
                    .context("trust anchor file holds no certificate")?,
            ),
            None => None,
        };
        let leaf_bits = public_key_bits(leaf_key)?;
        // The first certificate must be the attester key's (RFC 7515 §4.1.6): a mismatch is a
        // configuration error, not something to test the server with.
        if x509_spki_bits(&chain_ders[0]).as_deref() != Some(leaf_bits.bytes.as_slice()) {
            bail!(
                "the first certificate of {} is not the attester key's certificate (x5c must start with it, RFC 7515 §4.1.6)",
                chain.display()
            );
        }
        let issuer = match issuer_key {
            None => None,
            Some(p) => {
                let issuer_der = chain_ders.get(1).or(anchor.as_ref()).with_context(|| {
                    format!(
                        "attester_issuer_key needs the issuer's certificate: put it after the leaf in {} or give attester_trust_anchor",
                        chain.display()
                    )
                })?;
                let pem = std::fs::read_to_string(p)
                    .with_context(|| format!("cannot read {}", p.display()))?;
                let key = KeyPair::from_pem(&pem).map_err(|e| {
                    anyhow::anyhow!("{} is not a PKCS#8 private key: {e}", p.display())
                })?;
                if x509_spki_bits(issuer_der).as_deref() != Some(key.public_key_raw()) {
                    bail!(
                        "{} is not the private key of the leaf's issuer certificate",
                        p.display()
                    );
                }
                let params = CertificateParams::from_ca_cert_der(&issuer_der.clone().into())
                    .map_err(|e| anyhow::anyhow!("issuer certificate: {e}"))?;
                // Re-signed only to serve as the issuer of minted leaves: what they take from
                // it is its name and key.
                let cert = params.self_signed(&key)?;
                Some(Authority { cert, key })
            }
        };
        Ok(X5c {
            chain: chain_ders,
            anchor,
            issuer,
        })
    }

    /// The chain with its leaf replaced by a `kind` leaf for `leaf_key`, minted by the known
    /// issuer.
    pub fn with_minted_leaf(
        &self,
        leaf_key: &SigningKey,
        kind: LeafKind,
    ) -> Result<Vec<Vec<u8>>, X5cError> {
        let issuer = self.issuer.as_ref().ok_or(X5cError::NoIssuerKey)?;
        let leaf = mint(leaf_key, issuer, kind).map_err(X5cError::Mint)?;
        let mut chain = vec![leaf];
        chain.extend(self.chain.iter().skip(1).cloned());
        Ok(chain)
    }

    /// A chain for `leaf_key` from a fresh CA the server has never heard of.
    pub fn untrusted(leaf_key: &SigningKey) -> Result<Vec<Vec<u8>>, X5cError> {
        let rogue = authority(CA_NAME, None).map_err(X5cError::Mint)?;
        Ok(vec![
            mint(leaf_key, &rogue, LeafKind::Valid).map_err(X5cError::Mint)?
        ])
    }
}

impl X5c {
    /// The `x5c` header value after `change` (leaf key: the attester key).
    pub fn changed(
        &self,
        leaf_key: &SigningKey,
        change: crate::scenario::X5cChange,
    ) -> Result<Value, X5cError> {
        use crate::scenario::X5cChange as C;
        let encode = |ders: &[Vec<u8>]| -> Vec<Value> {
            ders.iter()
                .map(|d| Value::String(STANDARD.encode(d)))
                .collect()
        };
        let need_intermediate = || {
            if self.chain.len() < 2 {
                Err(X5cError::NoIntermediate)
            } else {
                Ok(())
            }
        };
        let items = match change {
            C::UntrustedAnchor => encode(&Self::untrusted(leaf_key)?),
            C::ExpiredLeaf => encode(&self.with_minted_leaf(leaf_key, LeafKind::Expired)?),
            C::NotYetValidLeaf => encode(&self.with_minted_leaf(leaf_key, LeafKind::NotYetValid)?),
            C::NoDigitalSignature => {
                encode(&self.with_minted_leaf(leaf_key, LeafKind::NoDigitalSignature)?)
            }
            C::WrongOrder => {
                need_intermediate()?;
                let mut reversed = self.chain.clone();
                reversed.reverse();
                encode(&reversed)
            }
            C::MissingIntermediate => {
                need_intermediate()?;
                encode(&self.chain[..1])
            }
            C::AppendNotBase64 => {
                let mut v = encode(&self.chain);
                v.push(Value::String("%%% not base64 %%%".into()));
                v
            }
            C::AppendNotDer => {
                let mut v = encode(&self.chain);
                v.push(Value::String(STANDARD.encode(b"not a DER certificate")));
                v
            }
            C::IncludeAnchor => {
                let anchor = self.anchor.as_ref().ok_or(X5cError::NoAnchor)?;
                let mut with = self.chain.clone();
                with.push(anchor.clone());
                encode(&with)
            }
        };
        Ok(Value::Array(items))
    }
}

/// A CA certificate, self-signed or issued by `parent`, valid for ten years.
fn authority(name: &str, parent: Option<&Authority>) -> anyhow::Result<Authority> {
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
    let mut p = CertificateParams::new(Vec::<String>::new())?;
    p.distinguished_name.push(DnType::CommonName, name);
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let now = OffsetDateTime::now_utc();
    p.not_before = now - Duration::seconds(DAY);
    p.not_after = now + Duration::seconds(3650 * DAY);
    let cert = match parent {
        None => p.self_signed(&key)?,
        Some(a) => p.signed_by(&key, &a.cert, &a.key)?,
    };
    Ok(Authority { cert, key })
}

/// The same root, as a second value (an rcgen Certificate is not Clone).
fn root_copy(root: &Authority) -> anyhow::Result<Certificate> {
    let params = CertificateParams::from_ca_cert_der(root.cert.der())?;
    Ok(params.self_signed(&root.key)?)
}

/// A leaf certificate for the attester key.
fn mint(leaf_key: &SigningKey, issuer: &Authority, kind: LeafKind) -> anyhow::Result<Vec<u8>> {
    let public = public_key_bits(leaf_key)?;
    let mut p = CertificateParams::new(Vec::<String>::new())?;
    p.distinguished_name.push(DnType::CommonName, LEAF_NAME);
    // basicConstraints CA=false. (rcgen also writes no extension at all, key usage included,
    // for a leaf without it.)
    p.is_ca = IsCa::ExplicitNoCa;
    p.use_authority_key_identifier_extension = true;
    p.key_usages = match kind {
        LeafKind::NoDigitalSignature => vec![KeyUsagePurpose::KeyEncipherment],
        _ => vec![KeyUsagePurpose::DigitalSignature],
    };
    let now = OffsetDateTime::now_utc();
    (p.not_before, p.not_after) = match kind {
        // Expired, but issued while its issuer was valid: a leaf older than its issuer would
        // also fail path validation at any instant (RFC 5280 §6.1.3 (a)(2) for the issuer),
        // so a server that skipped only the leaf's validity would still refuse it (issue 13
        // §4). Valid from the issuer's notBefore (at most 30 days back) to an hour ago.
        LeafKind::Expired => {
            let not_after = now - Duration::seconds(3600);
            let issued = not_before_of(issuer.cert.der())
                .map_or(not_after - Duration::seconds(30 * DAY), |nb| {
                    nb.max(now - Duration::seconds(30 * DAY))
                });
            (issued.min(not_after - Duration::seconds(60)), not_after)
        }
        LeafKind::NotYetValid => (
            now + Duration::seconds(DAY),
            now + Duration::seconds(30 * DAY),
        ),
        _ => (
            now - Duration::seconds(DAY),
            now + Duration::seconds(365 * DAY),
        ),
    };
    Ok(p.signed_by(&public, &issuer.cert, &issuer.key)?
        .der()
        .to_vec())
}

/// A certificate's notBefore.
fn not_before_of(der: &[u8]) -> Option<OffsetDateTime> {
    use x509_parser::prelude::FromDer as _;
    let (_, cert) = x509_parser::certificate::X509Certificate::from_der(der).ok()?;
    OffsetDateTime::from_unix_timestamp(cert.validity().not_before.timestamp()).ok()
}

/// A signing key's public half as rcgen wants it: the subjectPublicKey bits and the algorithm
/// that names the key type in the SubjectPublicKeyInfo.
struct PublicBits {
    bytes: Vec<u8>,
    alg: &'static SignatureAlgorithm,
}

impl PublicKeyData for PublicBits {
    fn der_bytes(&self) -> &[u8] {
        &self.bytes
    }
    fn algorithm(&self) -> &SignatureAlgorithm {
        self.alg
    }
}

fn public_key_bits(key: &SigningKey) -> anyhow::Result<PublicBits> {
    let jwk = key.public_jwk();
    let member = |name: &str| -> anyhow::Result<Vec<u8>> {
        jwk.get(name)
            .and_then(Value::as_str)
            .and_then(|s| b64::decode(s).ok())
            .with_context(|| format!("public JWK lacks {name}"))
    };
    match (jwk["kty"].as_str(), jwk["crv"].as_str()) {
        (Some("EC"), Some(crv)) => {
            let alg = match crv {
                "P-256" => &rcgen::PKCS_ECDSA_P256_SHA256,
                "P-384" => &rcgen::PKCS_ECDSA_P384_SHA384,
                other => bail!("no certificates for EC curve {other}"),
            };
            let mut bytes = vec![0x04];
            bytes.extend(member("x")?);
            bytes.extend(member("y")?);
            Ok(PublicBits { bytes, alg })
        }
        (Some("OKP"), _) => Ok(PublicBits {
            bytes: member("x")?,
            alg: &rcgen::PKCS_ED25519,
        }),
        (Some("RSA"), _) => {
            let n = rsa::BigUint::from_bytes_be(&member("n")?);
            let e = rsa::BigUint::from_bytes_be(&member("e")?);
            let public = rsa::RsaPublicKey::new(n, e)?;
            let der = public.to_pkcs1_der()?;
            Ok(PublicBits {
                bytes: der.as_bytes().to_vec(),
                alg: &rcgen::PKCS_RSA_SHA256,
            })
        }
        _ => bail!("certificates can hold no {} key", key.kty()),
    }
}

/// The subjectPublicKey bits of a DER certificate.
fn x509_spki_bits(der: &[u8]) -> Option<Vec<u8>> {
    use x509_parser::prelude::FromDer as _;
    let (_, cert) = x509_parser::certificate::X509Certificate::from_der(der).ok()?;
    Some(cert.public_key().subject_public_key.data.to_vec())
}

/// Every CERTIFICATE block of a PEM file, in order.
pub fn read_pem_certificates(path: &Path) -> anyhow::Result<Vec<Vec<u8>>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read certificate file {}", path.display()))?;
    let blocks = pem::parse_many(&text)
        .map_err(|e| anyhow::anyhow!("{} is not PEM: {e}", path.display()))?;
    let certs: Vec<Vec<u8>> = blocks
        .into_iter()
        .filter(|b| b.tag() == "CERTIFICATE")
        .map(|b| b.into_contents())
        .collect();
    if certs.is_empty() {
        bail!(
            "{} holds no \"-----BEGIN CERTIFICATE-----\" block",
            path.display()
        );
    }
    Ok(certs)
}

/// PEM text of DER certificates.
pub fn to_pem(ders: &[Vec<u8>]) -> String {
    ders.iter()
        .map(|d| pem::encode(&pem::Pem::new("CERTIFICATE", d.clone())))
        .collect()
}
