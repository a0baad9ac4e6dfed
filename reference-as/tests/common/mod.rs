//! Test-only token builder and HTTP helpers for the reference AS tests.
//!
//! ES256 is signed with the `p256` crate (the server verifies with `ring`), ES512 with `p521`
//! (the server's ES512 verifier is that crate too: jwk.rs checks it against signatures made by
//! Python `cryptography`); EdDSA, RSA and
//! HMAC signatures use `ring`'s signing side, which shares no code path with its verifiers
//! that matters here. JWS assembly is done by hand so that tests can build malformed tokens.
#![allow(dead_code)]

pub mod flow;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use reference_as::{
    AuthMethod, ChallengePolicy, ClientRegistration, DpopNoncePolicy, Draft, RunningServer,
    ServerConfig,
};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::sync::LazyLock;
use std::time::Duration;

pub const CLIENT_ID: &str = "https://client.example.com";
/// The attestation `iss` that draft-07 requires.
pub const ATTESTER_ISS: &str = "https://attester.example.com";
pub const REDIRECT_URI: &str = "https://client.example.com/cb";
/// Registered for combined mode only.
pub const DPOP_ONLY_CLIENT: &str = "https://dpop-only.example.com";
/// Registered for normal mode only.
pub const POP_ONLY_CLIENT: &str = "https://pop-only.example.com";
pub const HMAC_SECRET: &[u8] = b"a-32-byte-secret-for-hs256-tests";
/// RFC 7636 Appendix B verifier and its S256 challenge.
pub const PKCE_VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
pub const PKCE_CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

pub fn random_id() -> String {
    b64(&rand::random::<[u8; 16]>())
}

// ---------------------------------------------------------------- keys

pub enum Signer {
    P256(p256::ecdsa::SigningKey),
    P521(Box<p521::ecdsa::SigningKey>),
    Ed25519(ring::signature::Ed25519KeyPair),
    Rsa(ring::signature::RsaKeyPair),
    Oct(Vec<u8>),
}

pub struct TestKey {
    pub signer: Signer,
    pub public_jwk: Value,
    pub private_jwk: Value,
    pub alg: &'static str,
}

impl TestKey {
    pub fn p256(seed: u8) -> TestKey {
        let sk = p256::ecdsa::SigningKey::from_bytes(&[seed; 32].into()).expect("p256 scalar");
        let pt = sk.verifying_key().to_encoded_point(false);
        let public = json!({
            "kty": "EC", "crv": "P-256",
            "x": b64(pt.x().expect("x")), "y": b64(pt.y().expect("y")),
        });
        let mut private = public.clone();
        private["d"] = json!(b64(&[seed; 32]));
        TestKey {
            signer: Signer::P256(sk),
            public_jwk: public,
            private_jwk: private,
            alg: "ES256",
        }
    }

    /// A P-521 key (ES512) whose scalar is 66 octets of `seed` but the first (kept below
    /// the group order, which starts 0x01).
    pub fn p521(seed: u8) -> TestKey {
        let mut d = [seed; 66];
        d[0] = 0;
        let sk = p521::ecdsa::SigningKey::from_slice(&d).expect("p521 scalar");
        let pt = p521::ecdsa::VerifyingKey::from(&sk).to_encoded_point(false);
        let public = json!({
            "kty": "EC", "crv": "P-521",
            "x": b64(pt.x().expect("x")), "y": b64(pt.y().expect("y")),
        });
        let mut private = public.clone();
        private["d"] = json!(b64(&d));
        TestKey {
            signer: Signer::P521(Box::new(sk)),
            public_jwk: public,
            private_jwk: private,
            alg: "ES512",
        }
    }

    pub fn ed25519(seed: u8) -> TestKey {
        use ring::signature::KeyPair;
        let kp = ring::signature::Ed25519KeyPair::from_seed_unchecked(&[seed; 32]).unwrap();
        let public = json!({"kty": "OKP", "crv": "Ed25519", "x": b64(kp.public_key().as_ref())});
        let mut private = public.clone();
        private["d"] = json!(b64(&[seed; 32]));
        TestKey {
            signer: Signer::Ed25519(kp),
            public_jwk: public,
            private_jwk: private,
            alg: "EdDSA",
        }
    }

    /// The fixed 2048-bit RSA key in `rsa_test_key.pem`.
    pub fn rsa(alg: &'static str) -> TestKey {
        let kp = ring::signature::RsaKeyPair::from_pkcs8(&rsa_pkcs8_der()).expect("rsa key");
        let comps: ring::signature::RsaPublicKeyComponents<Vec<u8>> = kp.public().into();
        let public = json!({"kty": "RSA", "n": b64(&comps.n), "e": b64(&comps.e)});
        TestKey {
            signer: Signer::Rsa(kp),
            private_jwk: public.clone(),
            public_jwk: public,
            alg,
        }
    }

    pub fn oct(secret: &[u8]) -> TestKey {
        let jwk = json!({"kty": "oct", "k": b64(secret)});
        TestKey {
            signer: Signer::Oct(secret.to_vec()),
            public_jwk: jwk.clone(),
            private_jwk: jwk,
            alg: "HS256",
        }
    }

    /// Signs `input` with `alg`. HS256 with a non-oct key uses [`HMAC_SECRET`] (for PoP /
    /// DPoP rows that must be rejected for being symmetric).
    pub fn sign(&self, alg: &str, input: &[u8]) -> Vec<u8> {
        use p256::ecdsa::signature::Signer as _;
        let rng = ring::rand::SystemRandom::new();
        match (alg, &self.signer) {
            ("ES256", Signer::P256(sk)) => {
                let sig: p256::ecdsa::Signature = sk.sign(input);
                sig.to_bytes().to_vec()
            }
            ("ES512", Signer::P521(sk)) => {
                use p521::ecdsa::signature::RandomizedSigner as _;
                let sig: p521::ecdsa::Signature = sk.sign_with_rng(&mut rand::rngs::OsRng, input);
                sig.to_bytes().to_vec()
            }
            ("EdDSA", Signer::Ed25519(kp)) => kp.sign(input).as_ref().to_vec(),
            ("RS256" | "PS256", Signer::Rsa(kp)) => {
                let enc: &'static dyn ring::signature::RsaEncoding = if alg == "RS256" {
                    &ring::signature::RSA_PKCS1_SHA256
                } else {
                    &ring::signature::RSA_PSS_SHA256
                };
                let mut sig = vec![0; kp.public().modulus_len()];
                kp.sign(enc, &rng, input, &mut sig).expect("rsa sign");
                sig
            }
            ("HS256", signer) => {
                let secret = match signer {
                    Signer::Oct(k) => k.as_slice(),
                    _ => HMAC_SECRET,
                };
                let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret);
                ring::hmac::sign(&key, input).as_ref().to_vec()
            }
            _ => panic!("test key cannot sign {alg}"),
        }
    }
}

pub fn rsa_pkcs8_pem() -> &'static str {
    include_str!("rsa_test_key.pem")
}

fn rsa_pkcs8_der() -> Vec<u8> {
    let body: String = rsa_pkcs8_pem()
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    STANDARD.decode(body).expect("pem base64")
}

/// Trusted attester (kid att-es256).
pub static ATTESTER: LazyLock<TestKey> = LazyLock::new(|| TestKey::p256(1));
pub static ATTESTER_ED: LazyLock<TestKey> = LazyLock::new(|| TestKey::ed25519(2));
pub static ATTESTER_RS: LazyLock<TestKey> = LazyLock::new(|| TestKey::rsa("RS256"));
pub static ATTESTER_PS: LazyLock<TestKey> = LazyLock::new(|| TestKey::rsa("PS256"));
/// A P-521 attester (ES512), trusted only by the servers that are given its key.
pub static ATTESTER_P521: LazyLock<TestKey> = LazyLock::new(|| TestKey::p521(7));
/// A P-521 Client Instance Key (ES512 PoPs and DPoP proofs).
pub static CLIENT_P521: LazyLock<TestKey> = LazyLock::new(|| TestKey::p521(8));
/// The Client Instance Key (cnf) of the default attestation.
pub static CLIENT: LazyLock<TestKey> = LazyLock::new(|| TestKey::p256(3));
pub static CLIENT_ED: LazyLock<TestKey> = LazyLock::new(|| TestKey::ed25519(4));
/// The Client Instance Key of a second instance of the same client.
pub static INSTANCE_B: LazyLock<TestKey> = LazyLock::new(|| TestKey::p256(6));
/// A key nobody trusts or binds.
pub static OTHER: LazyLock<TestKey> = LazyLock::new(|| TestKey::p256(5));
pub static OCT: LazyLock<TestKey> = LazyLock::new(|| TestKey::oct(HMAC_SECRET));
/// Algorithm confusion (RFC 8725 §2.1): HMAC keys made of public keys the server holds. The
/// trusted attester's JWK as the server's JWKS holds it (kid last), as JSON.
pub static ATTESTER_JWK_AS_MAC: LazyLock<TestKey> = LazyLock::new(|| {
    let mut jwk = ATTESTER.public_jwk.clone();
    jwk["kid"] = json!("att-es256");
    TestKey::oct(&serde_json::to_vec(&jwk).unwrap())
});
/// The Client Instance Key's SubjectPublicKeyInfo, DER (RustCrypto's encoder).
pub static CLIENT_DER_AS_MAC: LazyLock<TestKey> = LazyLock::new(|| {
    use p256::pkcs8::EncodePublicKey as _;
    let der = client_public_key().to_public_key_der().unwrap();
    TestKey::oct(der.as_bytes())
});
/// The Client Instance Key's SubjectPublicKeyInfo, PEM with LF line endings.
pub static CLIENT_PEM_AS_MAC: LazyLock<TestKey> = LazyLock::new(|| {
    use p256::pkcs8::{EncodePublicKey as _, LineEnding};
    let pem = client_public_key()
        .to_public_key_pem(LineEnding::LF)
        .unwrap();
    TestKey::oct(pem.as_bytes())
});
fn client_public_key() -> p256::PublicKey {
    let sk = p256::ecdsa::SigningKey::from_bytes(&[3; 32].into()).expect("p256 scalar");
    p256::PublicKey::from(sk.verifying_key())
}
/// A symmetric key the server does not know.
pub static OCT_OTHER: LazyLock<TestKey> =
    LazyLock::new(|| TestKey::oct(b"another-secret-unknown-to-the-AS"));

/// The JWKS of trusted attesters (ES256 / EdDSA / RSA keys with kids).
pub fn attester_jwks(with_oct: bool) -> Value {
    let mut keys = vec![];
    for (key, kid) in [
        (&*ATTESTER, "att-es256"),
        (&*ATTESTER_ED, "att-eddsa"),
        (&*ATTESTER_RS, "att-rsa"),
    ] {
        let mut k = key.public_jwk.clone();
        k["kid"] = json!(kid);
        keys.push(k);
    }
    if with_oct {
        let mut k = OCT.public_jwk.clone();
        k["kid"] = json!("att-hs256");
        keys.push(k);
    }
    json!({ "keys": keys })
}

// ---------------------------------------------------------------- JWTs

/// A JWT under construction: header and claims stay editable until [`Jwt::encode`].
#[derive(Clone)]
pub struct Jwt {
    pub header: Value,
    pub claims: Value,
    pub key: &'static TestKey,
    /// Replace the whole encoded token (for malformed-token rows).
    pub raw: Option<String>,
    /// Corrupt the signature after signing.
    pub corrupt_signature: bool,
}

impl Jwt {
    pub fn new(header: Value, claims: Value, key: &'static TestKey) -> Jwt {
        Jwt {
            header,
            claims,
            key,
            raw: None,
            corrupt_signature: false,
        }
    }

    pub fn encode(&self) -> String {
        if let Some(raw) = &self.raw {
            return raw.clone();
        }
        let h = b64(self.header.to_string().as_bytes());
        let p = b64(self.claims.to_string().as_bytes());
        let input = format!("{h}.{p}");
        let alg = self.header["alg"].as_str().unwrap_or("none");
        let mut sig = if alg == "none" {
            vec![]
        } else {
            self.key.sign(alg, input.as_bytes())
        };
        if self.corrupt_signature {
            if let Some(b) = sig.first_mut() {
                *b ^= 0x55;
            } else {
                sig.push(1);
            }
        }
        format!("{input}.{}", b64(&sig))
    }

    /// Encodes header and payload from raw bytes (for bad JSON rows).
    pub fn raw_parts(header: &[u8], payload: &[u8], key: &TestKey, alg: &str) -> String {
        let input = format!("{}.{}", b64(header), b64(payload));
        let sig = key.sign(alg, input.as_bytes());
        format!("{input}.{}", b64(&sig))
    }
}

// ---------------------------------------------------------------- servers

pub fn base_config() -> ServerConfig {
    let both: BTreeSet<AuthMethod> = [
        AuthMethod::AttestJwtClientAuth,
        AuthMethod::AttestJwtClientAuthDpop,
    ]
    .into();
    ServerConfig {
        attester_jwks: attester_jwks(false),
        clients: vec![
            ClientRegistration {
                client_id: CLIENT_ID.into(),
                methods: both.clone(),
                redirect_uris: vec![REDIRECT_URI.into()],
            },
            ClientRegistration {
                client_id: DPOP_ONLY_CLIENT.into(),
                methods: [AuthMethod::AttestJwtClientAuthDpop].into(),
                redirect_uris: vec![REDIRECT_URI.into()],
            },
            ClientRegistration {
                client_id: POP_ONLY_CLIENT.into(),
                methods: [AuthMethod::AttestJwtClientAuth].into(),
                redirect_uris: vec![REDIRECT_URI.into()],
            },
        ],
        methods: both,
        challenge: ChallengePolicy::Off,
        dpop_nonce: DpopNoncePolicy::Off,
        // The rows of checks.rs and faults.rs pin draft-10; revisions.rs sets the others.
        draft: Draft::D10,
        ..ServerConfig::default()
    }
}

pub struct TestServer {
    pub issuer: String,
    pub config: ServerConfig,
    pub http: reqwest::Client,
    running: Option<RunningServer>,
}

impl TestServer {
    pub async fn start(config: ServerConfig) -> TestServer {
        let running = reference_as::start(config.clone())
            .await
            .expect("start reference AS");
        TestServer {
            issuer: running.issuer.clone(),
            config,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .expect("reqwest client"),
            running: Some(running),
        }
    }

    pub async fn stop(mut self) {
        if let Some(r) = self.running.take() {
            r.shutdown().await;
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.issuer)
    }

    /// A fresh server value: from the challenge endpoint when there is one, else from the
    /// `DPoP-Nonce` header of an (unauthenticated, rejected) token request. Up to -10 the value
    /// serves as PoP challenge and as DPoP nonce; from -11 on it is a challenge when it comes
    /// from the challenge endpoint (use [`TestServer::fresh_nonce`] for DPoP proofs).
    pub async fn fresh_value(&self) -> String {
        if self.config.challenge != ChallengePolicy::Off {
            let r = self
                .http
                .post(self.url("/challenge"))
                .send()
                .await
                .expect("challenge request");
            assert_eq!(r.status(), 200);
            let v: Value = r.json().await.expect("challenge json");
            return v["attestation_challenge"]
                .as_str()
                .expect("challenge")
                .to_owned();
        }
        self.nonce_from_token_endpoint().await
    }

    /// A fresh DPoP nonce. Up to -10 the challenge value (draft-10 §7.3 item 5); from -11 on the
    /// `DPoP-Nonce` header of the challenge endpoint (-11 §6.3) or of a token response.
    pub async fn fresh_nonce(&self) -> String {
        if self.config.draft <= Draft::D10 {
            return self.fresh_value().await;
        }
        if self.config.challenge != ChallengePolicy::Off {
            let r = self
                .http
                .post(self.url("/challenge"))
                .send()
                .await
                .expect("challenge request");
            assert_eq!(r.status(), 200);
            // Without one (the challenge-endpoint-without-dpop-nonce fault) a client falls
            // back on RFC 9449 §8: the DPoP-Nonce of an error response.
            if let Some(n) = r.headers().get("dpop-nonce").and_then(|v| v.to_str().ok()) {
                return n.to_owned();
            }
        }
        self.nonce_from_token_endpoint().await
    }

    async fn nonce_from_token_endpoint(&self) -> String {
        let r = self
            .send_raw("/token", &[], "grant_type=client_credentials")
            .await;
        r.header("dpop-nonce").expect("DPoP-Nonce header")
    }

    pub async fn send_raw(&self, path: &str, headers: &[(String, String)], body: &str) -> Resp {
        let mut rb = self
            .http
            .post(self.url(path))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.to_owned());
        for (k, v) in headers {
            rb = rb.header(k.as_str(), v.as_str());
        }
        Resp::from(rb.send().await.expect("request"), path, &self.config).await
    }

    pub async fn send(&self, case: &Case) -> Resp {
        let (headers, body) = case.encode();
        let mut rb = self
            .http
            .request(case.http_method.clone(), self.url(case.ep.path()))
            .header("content-type", case.content_type.as_str())
            .body(body);
        for (k, v) in &headers {
            rb = rb.header(k.as_str(), v.as_str());
        }
        Resp::from(
            rb.send().await.expect("request"),
            case.ep.path(),
            &self.config,
        )
        .await
    }

    pub async fn metadata(&self) -> Value {
        self.http
            .get(self.url("/.well-known/oauth-authorization-server"))
            .send()
            .await
            .expect("metadata")
            .json()
            .await
            .expect("metadata json")
    }
}

/// A response, with the invariants every /token and /par response must meet already checked:
/// JSON body, never 5xx, and the challenge / DPoP-Nonce headers when the policy asks for them.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub json: Value,
    pub headers: reqwest::header::HeaderMap,
}

impl Resp {
    async fn from(r: reqwest::Response, path: &str, cfg: &ServerConfig) -> Resp {
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let text = r.text().await.expect("body");
        // The one fault that answers errors with an HTML page (issue 13) is the only server
        // allowed a body that is not JSON.
        let html_fault = cfg
            .faults
            .contains(&reference_as::Fault::ErrorsNotOauthJson);
        let json: Value = match serde_json::from_str(&text) {
            Ok(v) => v,
            Err(_) if html_fault && status >= 400 => Value::Null,
            Err(_) => panic!("{path}: body is not JSON ({status}): {text}"),
        };
        let resp = Resp {
            status,
            json,
            headers,
        };
        if path == "/token" || path == "/par" {
            let is_challenge_error = resp.error() == Some("use_attestation_challenge");
            let header_fault = cfg
                .faults
                .contains(&reference_as::Fault::UseAttestationChallengeWithoutHeader);
            if cfg.challenge != ChallengePolicy::Off && !(is_challenge_error && header_fault) {
                assert!(
                    resp.header("oauth-client-attestation-challenge").is_some(),
                    "{path} {status}: OAuth-Client-Attestation-Challenge header missing"
                );
            }
            if cfg.dpop_nonce == DpopNoncePolicy::Required {
                assert!(
                    resp.header("dpop-nonce").is_some(),
                    "DPoP-Nonce header missing"
                );
            }
            if status >= 400 && !html_fault {
                assert_eq!(
                    resp.header("cache-control").as_deref(),
                    Some("no-store"),
                    "error without Cache-Control: no-store"
                );
            }
        }
        resp
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }

    pub fn error(&self) -> Option<&str> {
        self.json.get("error").and_then(Value::as_str)
    }

    pub fn ok(&self) -> bool {
        self.status == 200 || self.status == 201
    }

    pub fn describe(&self) -> String {
        format!("{} {}", self.status, self.json)
    }
}

// ---------------------------------------------------------------- requests

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Normal,
    Combined,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ep {
    Token,
    Par,
}

impl Ep {
    pub fn path(self) -> &'static str {
        match self {
            Ep::Token => "/token",
            Ep::Par => "/par",
        }
    }
}

pub type HeaderEdit = fn(&mut Vec<(String, String)>);

/// One request: the three JWTs, the form, and edits applied to the header list last.
#[derive(Clone)]
pub struct Case {
    pub mode: Mode,
    pub ep: Ep,
    pub issuer: String,
    pub att: Option<Jwt>,
    pub pop: Option<Jwt>,
    pub dpop: Option<Jwt>,
    pub form: Vec<(String, String)>,
    pub header_edits: Vec<HeaderEdit>,
    pub http_method: reqwest::Method,
    pub content_type: String,
}

pub fn attestation(sub: &str, cnf: &'static TestKey) -> Jwt {
    let t = now();
    Jwt::new(
        json!({"typ": "oauth-client-attestation+jwt", "alg": "ES256", "kid": "att-es256"}),
        json!({"sub": sub, "iat": t, "exp": t + 3600, "cnf": {"jwk": cnf.public_jwk}}),
        &ATTESTER,
    )
}

pub fn pop(issuer: &str, key: &'static TestKey) -> Jwt {
    Jwt::new(
        json!({"typ": "oauth-client-attestation-pop+jwt", "alg": key.alg}),
        json!({"aud": issuer, "jti": random_id(), "iat": now()}),
        key,
    )
}

pub fn dpop(issuer: &str, ep: Ep, key: &'static TestKey) -> Jwt {
    Jwt::new(
        json!({"typ": "dpop+jwt", "alg": key.alg, "jwk": key.public_jwk}),
        json!({"htm": "POST", "htu": format!("{issuer}{}", ep.path()), "iat": now(), "jti": random_id()}),
        key,
    )
}

impl Case {
    /// The valid request for `mode` at `ep`, with fresh challenge / nonce values when `srv`
    /// demands or offers them.
    pub async fn valid(srv: &TestServer, mode: Mode, ep: Ep) -> Case {
        Case::valid_as(srv, mode, ep, &CLIENT).await
    }

    /// The valid request of the Client Instance whose key is `key` (its attestation's cnf
    /// key, signing its PoP or combined-mode DPoP proof).
    pub async fn valid_as(srv: &TestServer, mode: Mode, ep: Ep, key: &'static TestKey) -> Case {
        let issuer = srv.issuer.clone();
        let mut case = Case {
            mode,
            ep,
            att: Some(attestation(CLIENT_ID, key)),
            pop: None,
            dpop: None,
            form: match ep {
                Ep::Token => vec![("grant_type".into(), "client_credentials".into())],
                Ep::Par => vec![
                    ("response_type".into(), "code".into()),
                    ("client_id".into(), CLIENT_ID.into()),
                    ("redirect_uri".into(), REDIRECT_URI.into()),
                    ("state".into(), "af0ifjsldkj".into()),
                    // RFC 7636 Appendix B: the reference AS requires PKCE S256 at PAR.
                    ("code_challenge".into(), PKCE_CHALLENGE.into()),
                    ("code_challenge_method".into(), "S256".into()),
                ],
            },
            header_edits: vec![],
            http_method: reqwest::Method::POST,
            content_type: "application/x-www-form-urlencoded".into(),
            issuer: issuer.clone(),
        };
        match mode {
            Mode::Normal => {
                let mut p = pop(&issuer, key);
                if srv.config.challenge != ChallengePolicy::Off {
                    p.claims["challenge"] = json!(srv.fresh_value().await);
                }
                case.pop = Some(p);
            }
            Mode::Combined => {
                let mut d = dpop(&issuer, ep, key);
                if srv.config.challenge != ChallengePolicy::Off
                    || srv.config.dpop_nonce == DpopNoncePolicy::Required
                {
                    d.claims["nonce"] = json!(srv.fresh_nonce().await);
                }
                case.dpop = Some(d);
            }
        }
        // draft-07 §5.1 / §5.2: iss in the attestation (the attester) and in the PoP (the
        // client_id).
        if srv.config.draft == Draft::D07 {
            case.att().claims["iss"] = json!(ATTESTER_ISS);
            if let Some(p) = case.pop.as_mut() {
                p.claims["iss"] = json!(CLIENT_ID);
            }
        }
        case
    }

    /// Adds an independent DPoP proof (normal mode) signed by `key`, with a server nonce when
    /// the server requires one.
    pub async fn add_independent_dpop(&mut self, srv: &TestServer, key: &'static TestKey) {
        let mut d = dpop(&srv.issuer, self.ep, key);
        if srv.config.dpop_nonce == DpopNoncePolicy::Required {
            d.claims["nonce"] = json!(srv.fresh_nonce().await);
        }
        self.dpop = Some(d);
    }

    pub fn att(&mut self) -> &mut Jwt {
        self.att.as_mut().expect("attestation")
    }
    pub fn pop(&mut self) -> &mut Jwt {
        self.pop.as_mut().expect("PoP")
    }
    pub fn dpop(&mut self) -> &mut Jwt {
        self.dpop.as_mut().expect("DPoP proof")
    }
    /// The proof of possession of the mode: the PoP in normal mode, the DPoP proof in combined.
    pub fn proof(&mut self) -> &mut Jwt {
        match self.mode {
            Mode::Normal => self.pop(),
            Mode::Combined => self.dpop(),
        }
    }

    pub fn set_form(&mut self, k: &str, v: &str) {
        self.form.retain(|(n, _)| n != k);
        self.form.push((k.into(), v.into()));
    }

    pub fn encode(&self) -> (Vec<(String, String)>, String) {
        let mut headers = vec![];
        if let Some(a) = &self.att {
            headers.push(("OAuth-Client-Attestation".to_string(), a.encode()));
        }
        if let Some(p) = &self.pop {
            headers.push(("OAuth-Client-Attestation-PoP".to_string(), p.encode()));
        }
        if let Some(d) = &self.dpop {
            headers.push(("DPoP".to_string(), d.encode()));
        }
        for edit in &self.header_edits {
            edit(&mut headers);
        }
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(self.form.iter())
            .finish();
        (headers, body)
    }
}

/// Duplicates the header field `name` (two field lines with the same value).
pub fn duplicate_line(headers: &mut Vec<(String, String)>, name: &str) {
    if let Some((n, v)) = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .cloned()
    {
        headers.push((n, v));
    }
}

/// Turns the value of `name` into a comma list of the value twice.
pub fn comma_list(headers: &mut [(String, String)], name: &str) {
    for (n, v) in headers.iter_mut() {
        if n.eq_ignore_ascii_case(name) {
            *v = format!("{v}, {v}");
        }
    }
}

/// Wraps the value of `name` in double quotes.
pub fn quote(headers: &mut [(String, String)], name: &str) {
    for (n, v) in headers.iter_mut() {
        if n.eq_ignore_ascii_case(name) {
            *v = format!("\"{v}\"");
        }
    }
}

// ---------------------------------------------------------------- expectations

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expect {
    Accept,
    Reject(u16, &'static str),
}

pub const OK: Expect = Expect::Accept;
pub const INVALID_CLIENT: Expect = Expect::Reject(401, "invalid_client");
pub const INVALID_DPOP: Expect = Expect::Reject(400, "invalid_dpop_proof");
pub const USE_CHALLENGE: Expect = Expect::Reject(400, "use_attestation_challenge");
pub const USE_NONCE: Expect = Expect::Reject(400, "use_dpop_nonce");

pub fn check(resp: &Resp, expect: Expect, what: &str) {
    match expect {
        Expect::Accept => {
            assert!(
                resp.ok(),
                "{what}: expected success, got {}",
                resp.describe()
            );
            if resp.status == 200 {
                assert!(
                    resp.json["access_token"].is_string(),
                    "{what}: no access_token"
                );
            } else {
                let uri = resp.json["request_uri"].as_str().unwrap_or("");
                assert!(
                    uri.starts_with("urn:ietf:params:oauth:request_uri:"),
                    "{what}: bad request_uri {uri:?}"
                );
                assert_eq!(resp.json["expires_in"], 60, "{what}");
            }
        }
        Expect::Reject(status, error) => {
            assert_eq!(
                (resp.status, resp.error()),
                (status, Some(error)),
                "{what}: got {}",
                resp.describe()
            );
            assert!(
                resp.json["error_description"]
                    .as_str()
                    .is_some_and(|d| !d.is_empty()),
                "{what}: no error_description"
            );
            if error == "use_attestation_challenge" {
                assert!(
                    resp.header("oauth-client-attestation-challenge").is_some(),
                    "{what}: use_attestation_challenge without OAuth-Client-Attestation-Challenge"
                );
            }
            if error == "use_dpop_nonce" {
                assert!(resp.header("dpop-nonce").is_some(), "{what}: no DPoP-Nonce");
            }
        }
    }
}
