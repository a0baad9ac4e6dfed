//! The bottom layer: plain types every other layer speaks of, each with its wire name (in
//! YAML, report.json, case ids and the CLI) declared once, next to its variant. `as_str`,
//! `parse`, `Display` and serde all read that one declaration. This module imports nothing
//! from the crate.
use std::fmt;

/// Declares a fieldless enum whose variants each have one wire name.
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $wire:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The wire names, in declaration order.
            pub const NAMES: &'static [&'static str] = &[$($wire),+];

            /// The wire name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $wire, )+
                }
            }

            /// The value of a wire name.
            pub fn parse(s: &str) -> Option<$name> {
                match s {
                    $( $wire => Some($name::$variant), )+
                    _ => None,
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl serde::de::Visitor<'_> for V {
                    type Value = $name;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        write!(f, "one of {}", $name::NAMES.join(", "))
                    }
                    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<$name, E> {
                        $name::parse(v).ok_or_else(|| E::unknown_variant(v, $name::NAMES))
                    }
                }
                d.deserialize_str(V)
            }
        }

        impl schemars::JsonSchema for $name {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }
            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!({ "type": "string", "enum": $name::NAMES })
            }
        }
    };
}

wire_enum! {
    /// Proof-of-possession mode; `none` is for endpoint-level checks (metadata, challenge).
    pub enum Mode {
        /// Normal mode, `attest_jwt_client_auth`.
        AttestationPopJwt = "attestation_pop_jwt",
        /// DPoP combined mode, `attest_jwt_client_auth_dpop`.
        DpopCombined = "dpop_combined",
        None = "none",
    }
}

impl Mode {
    /// The `token_endpoint_auth_method` value of the mode (draft-10 §Metadata).
    pub fn method(self) -> &'static str {
        match self {
            Mode::AttestationPopJwt => "attest_jwt_client_auth",
            Mode::DpopCombined => "attest_jwt_client_auth_dpop",
            Mode::None => "none",
        }
    }
}

wire_enum! {
    /// The endpoint a case is sent to (or, for `metadata`, reads).
    pub enum Endpoint {
        Token = "token",
        Par = "par",
        Challenge = "challenge",
        Metadata = "metadata",
    }
}

wire_enum! {
    /// Which of the three JWTs a mutation touches.
    pub enum TokenKind {
        /// The Client Attestation JWT (`OAuth-Client-Attestation`).
        Attestation = "attestation",
        /// The Client Attestation PoP JWT (`OAuth-Client-Attestation-PoP`).
        Pop = "pop",
        /// The DPoP proof (`DPoP`).
        Dpop = "dpop",
    }
}

impl TokenKind {
    /// The HTTP header field that carries the token.
    pub fn field_name(self) -> &'static str {
        match self {
            TokenKind::Attestation => "OAuth-Client-Attestation",
            TokenKind::Pop => "OAuth-Client-Attestation-PoP",
            TokenKind::Dpop => "DPoP",
        }
    }
}

wire_enum! {
    /// Keys the harness can sign with.
    pub enum KeyRef {
        /// The attester key of the target config (signs valid attestations).
        Attester = "attester",
        /// The Client Instance Key (in `cnf.jwk`; signs valid PoPs and combined DPoP proofs).
        Instance = "instance",
        /// A fresh P-256 key nobody trusts or expects.
        Other = "other",
        /// `alg: none`, empty signature.
        None = "none",
        /// HS256 with the instance key's public JWK thumbprint as the secret (a MAC where an
        /// asymmetric signature is required).
        HmacInstance = "hmac_instance",
        /// HS256 with the attestation MAC key of the target config.
        HmacAttester = "hmac_attester",
        /// HS256 keyed with the public key a verifier holds for this token's signer, as a
        /// verifier confused by `alg` would use it (RFC 8725 §2.1, §3.1): its public JWK as
        /// JSON. The key is the attester's for the attestation (with its `kid`), the
        /// attestation's `cnf.jwk` for the PoP, the `jwk` header for a DPoP proof.
        HmacPublicJwk = "hmac_public_jwk_json",
        /// The same, keyed with the key's SubjectPublicKeyInfo as PEM (RFC 7468 §13).
        HmacPublicPem = "hmac_public_spki_pem",
        /// The same, keyed with the key's SubjectPublicKeyInfo as DER (RFC 5280 §4.1.2.7).
        HmacPublicDer = "hmac_public_spki_der",
    }
}

wire_enum! {
    /// How a verifier confused by `alg: HS256` turns the public key it holds into an HMAC
    /// secret (RFC 8725 §2.1): the encodings libraries hand to a MAC when told HS256.
    pub enum PublicKeyEncoding {
        /// The public JWK as compact JSON, members in the order the verifier holds them.
        JwkJson = "jwk_json",
        /// SubjectPublicKeyInfo, PEM (`-----BEGIN PUBLIC KEY-----`, 64-column lines, final LF).
        SpkiPem = "spki_pem",
        /// SubjectPublicKeyInfo, DER.
        SpkiDer = "spki_der",
    }
}

impl KeyRef {
    /// The encoding of the verifier's own public key this signer MACs with, for the
    /// algorithm-confusion signers.
    pub fn confused_encoding(self) -> Option<PublicKeyEncoding> {
        match self {
            KeyRef::HmacPublicJwk => Some(PublicKeyEncoding::JwkJson),
            KeyRef::HmacPublicPem => Some(PublicKeyEncoding::SpkiPem),
            KeyRef::HmacPublicDer => Some(PublicKeyEncoding::SpkiDer),
            KeyRef::Attester
            | KeyRef::Instance
            | KeyRef::Other
            | KeyRef::None
            | KeyRef::HmacInstance
            | KeyRef::HmacAttester => None,
        }
    }
}

wire_enum! {
    /// How header field names go on the wire. Field names are case-insensitive (RFC 9110
    /// §5.1); over HTTP/1.1 the letters sent are the client's choice, over HTTP/2 every name
    /// is lower case (RFC 9113 §8.2.2).
    #[derive(Default)]
    pub enum FieldNameCase {
        /// Every name in lower case (`oauth-client-attestation-pop`): the HTTP client's own.
        #[default]
        Lower = "lower",
        /// Each dash-separated word capitalised (`Oauth-Client-Attestation-Pop`, `Dpop`):
        /// neither the lower case the client sends by default nor the draft's spelling
        /// (`OAuth-Client-Attestation-PoP`, `DPoP`), so a server that matches either exactly
        /// misses the field.
        Title = "title",
    }
}

impl FieldNameCase {
    /// `name` as it goes on the wire over HTTP/1.1.
    pub fn apply(self, name: &str) -> String {
        let lower = name.to_ascii_lowercase();
        match self {
            FieldNameCase::Lower => lower,
            FieldNameCase::Title => lower
                .split('-')
                .map(|w| {
                    let mut cs = w.chars();
                    cs.next()
                        .map(|c| c.to_ascii_uppercase().to_string() + cs.as_str())
                        .unwrap_or_default()
                })
                .collect::<Vec<_>>()
                .join("-"),
        }
    }
}

wire_enum! {
    /// Requirement level (RFC 2119 keywords, as the draft writes them).
    pub enum Level {
        MUST = "MUST",
        SHOULD = "SHOULD",
        MAY = "MAY",
    }
}

impl Level {
    /// The verdict for a broken rule of this level.
    pub fn broken(self) -> Verdict {
        match self {
            Level::MUST => Verdict::Fail,
            Level::SHOULD => Verdict::Warning,
            Level::MAY => Verdict::Info,
        }
    }
}

wire_enum! {
    /// The verdict on one case (docs/design.md, "Verdicts").
    pub enum Verdict {
        Pass = "pass",
        Fail = "fail",
        Warning = "warning",
        Info = "info",
        NotApplicable = "not_applicable",
        Error = "error",
    }
}

wire_enum! {
    /// Why a case is `error`: what kept the suite from judging it (docs/design.md,
    /// "Verdicts"). Carried in report.json next to the reason, so a consumer tells a set-up
    /// problem (`control_refused`) from a network one (`no_answer`) without reading prose.
    pub enum Inconclusive {
        /// No answer at all: timeout, connection refused or reset.
        NoAnswer = "no_answer",
        /// The valid request for this mode and endpoint is refused, so a refusal here proves
        /// nothing.
        ControlRefused = "control_refused",
        /// The valid request, accepted before this case, was refused after it: the answer may
        /// be a lock-out rather than a judgement of this request.
        ControlLost = "control_lost",
        /// No positive control ran for this mode and endpoint.
        NoControl = "no_control",
        /// The run stopped sending (circuit breaker, `--deadline`).
        RunStopped = "run_stopped",
        /// A two-step case's first step did not give what the second needs (not accepted; no
        /// challenge or nonce to retry with).
        FirstStep = "first_step",
        /// The challenge endpoint did not issue a challenge.
        NoChallenge = "no_challenge",
        /// The grant's artifact could not be obtained (an authorization-code flow, a login
        /// page step, a pre-authorized code).
        Flow = "flow",
        /// The suite could not build this request for this target (a scenario that needs
        /// something the request or the keys do not have).
        CannotBuild = "cannot_build",
    }
}

impl Verdict {
    /// The one severity order: how much a verdict needs a look. A requirement's verdict is the
    /// most severe of its results, and reports list the most severe first.
    pub fn severity(self) -> u8 {
        match self {
            Verdict::Fail => 5,
            Verdict::Error => 4,
            Verdict::Warning => 3,
            Verdict::Info => 2,
            Verdict::Pass => 1,
            Verdict::NotApplicable => 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_round_trip_through_serde() {
        for v in Verdict::ALL {
            let json = serde_json::to_string(v).unwrap();
            assert_eq!(json, format!("\"{}\"", v.as_str()));
            assert_eq!(serde_json::from_str::<Verdict>(&json).unwrap(), *v);
        }
        for m in Mode::ALL {
            assert_eq!(Mode::parse(m.as_str()), Some(*m));
        }
        let e = serde_json::from_str::<Endpoint>("\"tokn\"").unwrap_err();
        assert!(e.to_string().contains("unknown variant `tokn`"), "{e}");
    }

    #[test]
    fn title_case_is_neither_lower_case_nor_the_drafts_spelling() {
        let t = |n| FieldNameCase::Title.apply(n);
        assert_eq!(
            t("OAuth-Client-Attestation-PoP"),
            "Oauth-Client-Attestation-Pop"
        );
        assert_eq!(t("DPoP"), "Dpop");
        assert_eq!(t("content-type"), "Content-Type");
        assert_eq!(FieldNameCase::Lower.apply("DPoP"), "dpop");
    }

    #[test]
    fn severity_is_a_total_order() {
        let mut s: Vec<u8> = Verdict::ALL.iter().map(|v| v.severity()).collect();
        s.sort();
        s.dedup();
        assert_eq!(s.len(), Verdict::ALL.len());
    }
}
