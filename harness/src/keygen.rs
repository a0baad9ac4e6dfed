//! `abca-conformance keygen --out DIR`: an attester key pair and the public JWKS to
//! register at an authorization server.
//!
//! The attester key signs Client Attestation JWTs (draft-10 §Client Attestation JWT); an AS
//! under test must trust its public key, so the JWKS is what an operator registers.
//!
//! `--x5c` also makes a test PKI for it (draft-10 §Trust Management and Key Resolution, the
//! `x5c` mechanism; HAIP 1.0): a CA (the trust anchor to register instead), optionally an
//! intermediate CA, and the attester's certificate; the chain the attestation carries, and
//! the issuing CA's private key so that the suite can mint test certificates under it.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _};
use serde_json::json;

use crate::jose::SigningKey;

/// File name of the private attester JWK.
pub const PRIVATE_JWK_FILE: &str = "attester.private.jwk.json";
/// File name of the public attester JWKS.
pub const PUBLIC_JWKS_FILE: &str = "attester.jwks.json";
/// `--x5c`: the trust anchor to register at the AS (`serve --attester-ca`).
pub const CA_FILE: &str = "attester-ca.pem";
/// `--x5c`: the chain the attestation carries in `x5c` (`attester_chain` in the target file).
pub const CHAIN_FILE: &str = "attester.chain.pem";
/// `--x5c`: the private key of the CA that issued the attester certificate
/// (`attester_issuer_key`).
pub const ISSUER_KEY_FILE: &str = "attester-issuer.private.pem";
/// `--x5c`: a target file fragment naming the files above.
pub const TARGET_FILE: &str = "target.x5c.yaml";

/// What [`keygen`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeygenOutput {
    /// The private JWK (mode 0600 on unix): pass it as `--attester-key`.
    pub private_jwk: PathBuf,
    /// The public JWKS to register at the AS (or to pass to `serve --attester-jwks`).
    pub public_jwks: PathBuf,
    /// The key's kid: its RFC 7638 thumbprint.
    pub kid: String,
    /// `--x5c`: the certificate files.
    pub x5c: Option<X5cFiles>,
}

/// The files `keygen --x5c` writes besides the key pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct X5cFiles {
    pub trust_anchor: PathBuf,
    pub chain: PathBuf,
    pub issuer_key: PathBuf,
    pub target: PathBuf,
}

/// The algorithm of the attester key `keygen` makes: ECDSA on one of the curves a key file
/// may hold (RFC 7518 §3.4). ES256 unless asked: HAIP requires it, and every server takes it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum KeygenAlg {
    #[default]
    Es256,
    Es384,
    Es512,
}

impl KeygenAlg {
    /// Every choice, by its JWS name (`keygen --alg`).
    pub const NAMES: [&'static str; 3] = ["ES256", "ES384", "ES512"];

    pub fn as_str(self) -> &'static str {
        match self {
            KeygenAlg::Es256 => "ES256",
            KeygenAlg::Es384 => "ES384",
            KeygenAlg::Es512 => "ES512",
        }
    }

    pub fn parse(name: &str) -> Option<KeygenAlg> {
        [KeygenAlg::Es256, KeygenAlg::Es384, KeygenAlg::Es512]
            .into_iter()
            .find(|a| a.as_str() == name)
    }
}

/// Options of [`keygen_with`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KeygenOptions {
    /// The attester key's algorithm.
    pub alg: KeygenAlg,
    /// Replace existing files instead of refusing.
    pub overwrite: bool,
    /// Also make a test PKI and the attester's certificate chain.
    pub x5c: bool,
    /// With `x5c`: an intermediate CA between the trust anchor and the attester certificate.
    pub intermediate: bool,
}

/// Generates an ES256 attester key into `out_dir` (created if missing); refuses to
/// overwrite existing files.
pub fn keygen(out_dir: &Path) -> anyhow::Result<KeygenOutput> {
    keygen_with(out_dir, KeygenOptions::default())
}

/// [`keygen`] with options.
pub fn keygen_with(out_dir: &Path, options: KeygenOptions) -> anyhow::Result<KeygenOutput> {
    let private_path = out_dir.join(PRIVATE_JWK_FILE);
    let public_path = out_dir.join(PUBLIC_JWKS_FILE);
    let x5c_paths = X5cFiles {
        trust_anchor: out_dir.join(CA_FILE),
        chain: out_dir.join(CHAIN_FILE),
        issuer_key: out_dir.join(ISSUER_KEY_FILE),
        target: out_dir.join(TARGET_FILE),
    };
    if options.intermediate && !options.x5c {
        bail!("--intermediate needs --x5c");
    }
    if options.x5c && options.alg == KeygenAlg::Es512 {
        // rcgen's ring backend signs no P-521 certificates.
        bail!("--x5c makes certificates for ES256 and ES384 keys only, not ES512");
    }
    if !options.overwrite {
        let mut paths = vec![&private_path, &public_path];
        if options.x5c {
            paths.extend([
                &x5c_paths.trust_anchor,
                &x5c_paths.chain,
                &x5c_paths.issuer_key,
                &x5c_paths.target,
            ]);
        }
        for path in paths {
            if path.exists() {
                bail!(
                    "{} already exists; refusing to overwrite a key (`abca-conformance keygen --force` replaces it)",
                    path.display()
                );
            }
        }
    }
    fs::create_dir_all(out_dir)
        .with_context(|| format!("cannot create output directory {}", out_dir.display()))?;

    let key = SigningKey::generate_for(options.alg.as_str())?;
    let kid = key.thumbprint();
    let key = key.with_kid(kid.clone());

    let mut public = key.public_jwk();
    // `use` and `alg` tell the AS what the key is for (RFC 7517 §4.2, §4.4).
    public["use"] = json!("sig");
    public["alg"] = json!(key.alg());
    let jwks = json!({ "keys": [public] });

    let private_text = serde_json::to_string_pretty(&key.private_jwk())? + "\n";
    write_private(&private_path, private_text.as_bytes(), options.overwrite)
        .with_context(|| format!("cannot write {}", private_path.display()))?;
    fs::write(&public_path, serde_json::to_string_pretty(&jwks)? + "\n")
        .with_context(|| format!("cannot write {}", public_path.display()))?;

    let x5c = if options.x5c {
        write_pki(&key, &x5c_paths, options)?;
        Some(x5c_paths)
    } else {
        None
    };
    Ok(KeygenOutput {
        private_jwk: private_path,
        public_jwks: public_path,
        kid,
        x5c,
    })
}

/// The test PKI of `--x5c`.
fn write_pki(key: &SigningKey, paths: &X5cFiles, options: KeygenOptions) -> anyhow::Result<()> {
    use crate::client::x5c::{to_pem, X5c};
    let generated = X5c::generate(key, options.intermediate)?;
    let write = |path: &Path, text: String| {
        fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
    };
    write(&paths.trust_anchor, generated.root.cert.pem())?;
    write(&paths.chain, to_pem(&generated.x5c.chain))?;
    let issuer = generated
        .x5c
        .issuer
        .as_ref()
        .context("a generated chain has a known issuer")?;
    write_private(
        &paths.issuer_key,
        issuer.key.serialize_pem().as_bytes(),
        options.overwrite,
    )
    .with_context(|| format!("cannot write {}", paths.issuer_key.display()))?;
    let name = |p: &Path| {
        p.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    write(
        &paths.target,
        format!(
            "# Merge into your target file (paths are relative to it); register {ca} at the AS.\n\
             profile: haip\n\
             attester_key: {key}\n\
             attester_chain: {chain}\n\
             attester_issuer_key: {issuer}\n\
             attester_trust_anchor: {ca}\n",
            ca = name(&paths.trust_anchor),
            key = PRIVATE_JWK_FILE,
            chain = name(&paths.chain),
            issuer = name(&paths.issuer_key),
        ),
    )?;
    Ok(())
}

/// Writes the private key so that it is never readable by others, not even for a moment:
/// the file is created with mode 0600 rather than chmod-ed after the write.
fn write_private(path: &Path, bytes: &[u8], overwrite: bool) -> std::io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true);
    if overwrite {
        options.create(true).truncate(true);
    } else {
        // create_new fails if the file appeared since the check above
        options.create_new(true);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
        options.mode(0o600);
        let mut file = options.open(path)?;
        // An existing file keeps its mode on open; tighten it before writing the key.
        file.set_permissions(fs::Permissions::from_mode(0o600))?;
        file.write_all(bytes)?;
        file.sync_all()
    }
    #[cfg(not(unix))]
    {
        let mut file = options.open(path)?;
        file.write_all(bytes)?;
        file.sync_all()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jose::{jws, thumbprint};

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "abca-keygen-{name}-{}-{}",
            std::process::id(),
            rand::random::<u64>()
        ));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn writes_a_usable_key_pair() {
        let dir = temp_dir("ok");
        let out = keygen(&dir).unwrap();
        let key = SigningKey::from_file(&out.private_jwk).unwrap();
        assert_eq!(key.alg(), "ES256");
        assert_eq!(key.kid(), Some(out.kid.as_str()));
        let jwks: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(&out.public_jwks).unwrap()).unwrap();
        let public = &jwks["keys"][0];
        assert!(public.get("d").is_none(), "the JWKS must be public");
        assert_eq!(public["kid"], out.kid.as_str());
        assert_eq!(thumbprint::thumbprint(public).unwrap(), out.kid);
        // a token signed with the private file verifies with the published key
        let token = jws::sign(&jws::header("JWT", "ES256"), &Default::default(), &key);
        assert_eq!(jws::verify(&token, public), Ok(true));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = fs::metadata(&out.private_jwk).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn makes_p384_and_p521_keys_on_request() {
        for (alg, crv) in [(KeygenAlg::Es384, "P-384"), (KeygenAlg::Es512, "P-521")] {
            let dir = temp_dir(alg.as_str());
            let out = keygen_with(
                &dir,
                KeygenOptions {
                    alg,
                    ..Default::default()
                },
            )
            .unwrap();
            let key = SigningKey::from_file(&out.private_jwk).unwrap();
            assert_eq!(key.alg(), alg.as_str());
            let jwks: serde_json::Value =
                serde_json::from_str(&fs::read_to_string(&out.public_jwks).unwrap()).unwrap();
            let public = &jwks["keys"][0];
            assert_eq!(public["crv"], crv);
            assert_eq!(public["alg"], alg.as_str());
            let token = jws::sign(&jws::header("JWT", alg.as_str()), &Default::default(), &key);
            assert_eq!(jws::verify(&token, public), Ok(true), "{crv}");
            fs::remove_dir_all(&dir).unwrap();
        }
        assert_eq!(KeygenAlg::parse("ES512"), Some(KeygenAlg::Es512));
        assert_eq!(KeygenAlg::parse("es512"), None);
    }

    #[test]
    fn refuses_to_overwrite_unless_asked() {
        let dir = temp_dir("overwrite");
        let first = keygen(&dir).unwrap();
        let err = keygen(&dir).unwrap_err();
        assert!(err.to_string().contains("already exists"), "{err}");
        // the first key is untouched
        assert_eq!(
            SigningKey::from_file(&first.private_jwk).unwrap().kid(),
            Some(first.kid.as_str())
        );
        // only the public file left over still blocks
        fs::remove_file(&first.private_jwk).unwrap();
        assert!(keygen(&dir).is_err());
        let second = keygen_with(
            &dir,
            KeygenOptions {
                overwrite: true,
                ..Default::default()
            },
        )
        .unwrap();
        assert_ne!(second.kid, first.kid);
        fs::remove_dir_all(&dir).unwrap();
    }
}
