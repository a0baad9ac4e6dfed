//! Attester keys from an `x5c` certificate chain (RFC 7515 §4.1.6), trust established by
//! validating the chain against a configured trust anchor (draft-10 §Trust Management and Key
//! Resolution, first mechanism; HAIP 1.0 requires it for wallet attestations).
//!
//! RFC 5280 path validation (signatures, names, validity, basic constraints) is done by
//! rustls-webpki; what it leaves to the application (the leaf's key usage, its public key) is
//! read with x509-cert. Nothing here parses DER by hand.
use crate::fault::Fault;
use crate::jwk::KeyMaterial;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, TrustAnchor, UnixTime};
use serde_json::Value;
use std::time::Duration;
use x509_cert::der::Decode;
use x509_cert::Certificate;

/// Why an `x5c` header does not give a trusted attester key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum X5cError {
    #[error("x5c is not a non-empty JSON array of strings (RFC 7515 §4.1.6)")]
    NotAnArray,
    #[error("x5c[{0}] is not base64 (RFC 7515 §4.1.6: base64, not base64url, of DER)")]
    NotBase64(usize),
    #[error("x5c[{0}] is not a DER X.509 certificate: {1}")]
    NotDer(usize, String),
    #[error("no trusted attester CA is configured, so an x5c chain cannot be validated")]
    NoTrustAnchor,
    #[error(
        "x5c chain does not validate to a trusted attester CA (RFC 5280 path validation): {0}"
    )]
    Path(String),
    #[error(
        "x5c leaf certificate's key usage does not allow digitalSignature (RFC 5280 §4.2.1.3)"
    )]
    KeyUsage,
    #[error("x5c leaf certificate key: {0}")]
    LeafKey(String),
}

/// Reads every `CERTIFICATE` block of a PEM text (e.g. `serve --attester-ca FILE`).
pub fn parse_pem_certificates(pem: &str) -> anyhow::Result<Vec<Vec<u8>>> {
    let certs = CertificateDer::pem_slice_iter(pem.as_bytes())
        .map(|c| c.map(|c| c.as_ref().to_vec()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| anyhow::anyhow!("not a PEM certificate file: {e}"))?;
    if certs.is_empty() {
        anyhow::bail!("no \"-----BEGIN CERTIFICATE-----\" block found");
    }
    Ok(certs)
}

/// Trust anchors from DER certificates (each checked when the server starts).
pub fn trust_anchors(ders: &[Vec<u8>]) -> anyhow::Result<Vec<TrustAnchor<'static>>> {
    ders.iter()
        .enumerate()
        .map(|(i, der)| {
            let der = CertificateDer::from(der.as_slice());
            webpki::anchor_from_trusted_cert(&der)
                .map(|a| a.to_owned())
                .map_err(|e| anyhow::anyhow!("attester CA #{i} is not a usable trust anchor: {e}"))
        })
        .collect()
}

/// Faults that bend one chain check each (see [`Fault`]).
#[derive(Clone, Copy, Debug, Default)]
pub struct Leniency {
    pub skip_undecodable: bool,
    pub leaf_anywhere: bool,
    pub no_path_validation: bool,
    pub validity_not_checked: bool,
    pub key_usage_not_checked: bool,
}

impl Leniency {
    pub fn from_faults(fault: impl Fn(Fault) -> bool) -> Leniency {
        Leniency {
            skip_undecodable: fault(Fault::X5cMalformedIgnored),
            leaf_anywhere: fault(Fault::X5cChainOrderNotChecked),
            no_path_validation: fault(Fault::X5cUntrustedAnchorAccepted),
            validity_not_checked: fault(Fault::X5cValidityNotChecked),
            key_usage_not_checked: fault(Fault::X5cKeyUsageNotChecked),
        }
    }
}

/// The leaf's public key, once the chain in `x5c` validates to one of `anchors` at `now`.
/// The leaf is the first certificate (RFC 7515 §4.1.6: "The certificate containing the public
/// key corresponding to the key used to digitally sign the JWS MUST be the first
/// certificate"); the others are the path's intermediates, in any order RFC 5280 allows.
pub fn leaf_key(
    x5c: &Value,
    anchors: &[TrustAnchor<'static>],
    now: u64,
    lenient: Leniency,
) -> Result<KeyMaterial, X5cError> {
    let items = x5c
        .as_array()
        .filter(|a| !a.is_empty())
        .ok_or(X5cError::NotAnArray)?;
    let mut ders: Vec<(Vec<u8>, Certificate)> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let decoded = item
            .as_str()
            .ok_or(X5cError::NotAnArray)
            .and_then(|s| STANDARD.decode(s).map_err(|_| X5cError::NotBase64(i)))
            .and_then(|der| match Certificate::from_der(&der) {
                Ok(c) => Ok((der, c)),
                Err(e) => Err(X5cError::NotDer(i, e.to_string())),
            });
        match decoded {
            Ok(pair) => ders.push(pair),
            Err(X5cError::NotBase64(_) | X5cError::NotDer(..)) if lenient.skip_undecodable => {}
            Err(e) => return Err(e),
        }
    }
    if ders.is_empty() {
        return Err(X5cError::NotAnArray);
    }
    let leaf_index = if lenient.leaf_anywhere {
        ders.iter().position(|(_, c)| !is_ca(c)).unwrap_or(0)
    } else {
        0
    };
    let (leaf_der, leaf) = ders.remove(leaf_index);

    if !lenient.no_path_validation {
        if anchors.is_empty() {
            return Err(X5cError::NoTrustAnchor);
        }
        let time = if lenient.validity_not_checked {
            // Validate at an instant the leaf claims to be valid at, whatever the clock says.
            let nb = leaf.tbs_certificate.validity.not_before.to_unix_duration();
            nb + Duration::from_secs(1)
        } else {
            Duration::from_secs(now)
        };
        let leaf_cert = CertificateDer::from(leaf_der.as_slice());
        let ee = webpki::EndEntityCert::try_from(&leaf_cert)
            .map_err(|e| X5cError::Path(e.to_string()))?;
        let intermediates: Vec<CertificateDer<'_>> = ders
            .iter()
            .map(|(d, _)| CertificateDer::from(d.as_slice()))
            .collect();
        ee.verify_for_usage(
            webpki::ALL_VERIFICATION_ALGS,
            anchors,
            &intermediates,
            UnixTime::since_unix_epoch(time),
            AnyExtendedKeyUsage,
            None,
            None,
        )
        .map_err(|e| X5cError::Path(e.to_string()))?;
    }

    if !lenient.key_usage_not_checked && !allows_digital_signature(&leaf)? {
        return Err(X5cError::KeyUsage);
    }
    spki_key(&leaf)
}

/// No extended key usage is defined for attester certificates: any (or none) is accepted.
struct AnyExtendedKeyUsage;

impl webpki::ExtendedKeyUsageValidator for AnyExtendedKeyUsage {
    fn validate(&self, iter: webpki::KeyPurposeIdIter<'_, '_>) -> Result<(), webpki::Error> {
        // A malformed EKU extension is still an error.
        for purpose in iter {
            purpose?;
        }
        Ok(())
    }
}

const OID_KEY_USAGE: &str = "2.5.29.15";
const OID_BASIC_CONSTRAINTS: &str = "2.5.29.19";

fn extension<'c>(c: &'c Certificate, oid: &str) -> Option<&'c [u8]> {
    c.tbs_certificate
        .extensions
        .as_ref()?
        .iter()
        .find(|e| e.extn_id.to_string() == oid)
        .map(|e| e.extn_value.as_bytes())
}

fn is_ca(c: &Certificate) -> bool {
    extension(c, OID_BASIC_CONSTRAINTS)
        .and_then(|v| x509_cert::ext::pkix::BasicConstraints::from_der(v).ok())
        .is_some_and(|bc| bc.ca)
}

/// RFC 5280 §4.2.1.3: when the key usage extension is present, the key may be used only for
/// the purposes it lists; signing a JWT needs `digitalSignature`. Without the extension any
/// usage is allowed.
fn allows_digital_signature(c: &Certificate) -> Result<bool, X5cError> {
    match extension(c, OID_KEY_USAGE) {
        None => Ok(true),
        Some(v) => x509_cert::ext::pkix::KeyUsage::from_der(v)
            .map(|ku| ku.digital_signature())
            .map_err(|e| X5cError::NotDer(0, format!("key usage extension: {e}"))),
    }
}

const OID_EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
const OID_P256: &str = "1.2.840.10045.3.1.7";
const OID_P384: &str = "1.3.132.0.34";
const OID_P521: &str = "1.3.132.0.35";
const OID_ED25519: &str = "1.3.101.112";
const OID_RSA: &str = "1.2.840.113549.1.1.1";

/// The leaf's SubjectPublicKeyInfo as key material for the JWS verifier.
fn spki_key(c: &Certificate) -> Result<KeyMaterial, X5cError> {
    let spki = &c.tbs_certificate.subject_public_key_info;
    let bits = spki
        .subject_public_key
        .as_bytes()
        .ok_or_else(|| X5cError::LeafKey("public key is not a whole number of octets".into()))?;
    match spki.algorithm.oid.to_string().as_str() {
        OID_EC_PUBLIC_KEY => {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.decode_as::<x509_cert::der::oid::ObjectIdentifier>().ok())
                .map(|o| o.to_string())
                .unwrap_or_default();
            match curve.as_str() {
                OID_P256 => Ok(KeyMaterial::EcP256(bits.to_vec())),
                OID_P384 => Ok(KeyMaterial::EcP384(bits.to_vec())),
                OID_P521 => Ok(KeyMaterial::EcP521(bits.to_vec())),
                other => Err(X5cError::LeafKey(format!("unsupported EC curve {other}"))),
            }
        }
        OID_ED25519 => Ok(KeyMaterial::Ed25519(bits.to_vec())),
        OID_RSA => {
            let rsa = pkcs1::RsaPublicKey::from_der(bits)
                .map_err(|e| X5cError::LeafKey(format!("RSA public key: {e}")))?;
            Ok(KeyMaterial::Rsa {
                n: rsa.modulus.as_bytes().to_vec(),
                e: rsa.public_exponent.as_bytes().to_vec(),
            })
        }
        other => Err(X5cError::LeafKey(format!(
            "unsupported public key algorithm {other}"
        ))),
    }
}
