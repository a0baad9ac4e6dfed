//! The draft revision a server is judged by: draft-ietf-oauth-attestation-based-client-auth
//! -07, -10, -11 or the -12 editor's copy. A bottom-layer type: it imports nothing from the
//! crate, so every layer (target, scenario, catalog, plan, report) can name it.
//!
//! What differs between revisions is data (`suites/requirements.yaml`, the scenarios'
//! `revisions:` and `by_revision:`); this type only names the revisions, where their texts
//! live, and the few structural facts the engine needs to lay out a request (which JWTs carry
//! `iss`, whether combined mode exists, where combined-mode freshness comes from).
use serde::{Deserialize, Serialize};
use std::fmt;

/// A revision of the draft. Wire form "07", "10", "11", "12"; in report.json "draft-07".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Revision {
    /// draft-07 (pinned by OpenID4VCI 1.0 and the OpenID Foundation conformance suite).
    D07,
    /// draft-10.
    D10,
    /// draft-11 (3 September 2026), the newest published revision: the default.
    #[default]
    D11,
    /// The -12 editor's copy (working-group last call, 9 October 2026): not published.
    D12,
}

/// A revision name that is not one of ours.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown draft revision {0:?}: expected 07, 10, 11 or 12 (12 is the editor's copy)")]
pub struct UnknownRevision(pub String);

impl Revision {
    pub const ALL: [Revision; 4] = [Revision::D07, Revision::D10, Revision::D11, Revision::D12];

    /// "07", "10", "11", "12"; also accepts "7", "-07", "draft-07" and the full draft name.
    pub fn parse(s: &str) -> Result<Revision, UnknownRevision> {
        let t = s.trim();
        let t = t
            .strip_prefix("draft-ietf-oauth-attestation-based-client-auth-")
            .or_else(|| t.strip_prefix("draft-"))
            .or_else(|| t.strip_prefix('-'))
            .unwrap_or(t);
        match t {
            "07" | "7" => Ok(Revision::D07),
            "10" => Ok(Revision::D10),
            "11" => Ok(Revision::D11),
            "12" => Ok(Revision::D12),
            _ => Err(UnknownRevision(s.to_string())),
        }
    }

    /// The wire form: "07", "10", "11", "12".
    pub fn as_str(self) -> &'static str {
        match self {
            Revision::D07 => "07",
            Revision::D10 => "10",
            Revision::D11 => "11",
            Revision::D12 => "12",
        }
    }

    /// "draft-07" .. "draft-12": report.json's `draft` field.
    pub fn name(self) -> &'static str {
        match self {
            Revision::D07 => "draft-07",
            Revision::D10 => "draft-10",
            Revision::D11 => "draft-11",
            Revision::D12 => "draft-12",
        }
    }

    /// Only an editor's copy of -12 exists (REVISIONS.md §0): it is labelled so wherever shown.
    pub fn is_editors_copy(self) -> bool {
        self == Revision::D12
    }

    /// The name as people read it: "draft-11", "draft-12 (editor's copy, not published)".
    pub fn label(self) -> String {
        if self.is_editors_copy() {
            format!("{} (editor's copy, not published)", self.name())
        } else {
            self.name().to_string()
        }
    }

    /// Where the text is: datatracker for published revisions, the working group's gh-pages
    /// build of the WGLC branch for the -12 editor's copy (REVISIONS.md §0).
    pub fn document_url(self) -> &'static str {
        match self {
            Revision::D07 => "https://datatracker.ietf.org/doc/html/draft-ietf-oauth-attestation-based-client-auth-07",
            Revision::D10 => "https://datatracker.ietf.org/doc/html/draft-ietf-oauth-attestation-based-client-auth-10",
            Revision::D11 => "https://datatracker.ietf.org/doc/html/draft-ietf-oauth-attestation-based-client-auth-11",
            Revision::D12 => "https://oauth-wg.github.io/draft-ietf-oauth-attestation-based-client-auth/225-frederik-wglc/draft-ietf-oauth-attestation-based-client-auth.html",
        }
    }

    /// A link that lands on section `number` (e.g. "7.2") of this revision's text (both
    /// datatracker and the xml2rfc HTML build name sections `#section-7.2`).
    pub fn section_url(self, number: &str) -> String {
        format!("{}#section-{number}", self.document_url())
    }

    /// DPoP combined mode (`attest_jwt_client_auth_dpop`) exists: from -09 on (REVISIONS.md
    /// §5; -07 has no such mode).
    pub fn has_combined_mode(self) -> bool {
        self != Revision::D07
    }

    /// -07 §5.1 / §5.2: the Client Attestation carries the attester's `iss`, the PoP carries
    /// `iss` = client_id (removed in -08).
    pub fn pop_iss_required(self) -> bool {
        self == Revision::D07
    }

    /// -11 §7.3 / §5.2: in combined mode server freshness comes only from the RFC 9449 DPoP
    /// nonce mechanism ("challenges ... are not used"); -09/-10 §7.3 item 5 put the attestation
    /// challenge into the DPoP `nonce`.
    pub fn combined_freshness_from_dpop_nonce(self) -> bool {
        self >= Revision::D11
    }

    /// The -12 editor's copy §4: the attestation `iat` is REQUIRED (OPTIONAL up to -11).
    pub fn attestation_iat_required(self) -> bool {
        self == Revision::D12
    }

    /// The -12 editor's copy §4, §5.1: the attestation and PoP header values are Structured
    /// Field Tokens without parameters (token68 up to -11).
    pub fn sf_token_headers(self) -> bool {
        self == Revision::D12
    }

    /// -07 §5.1 / §5.2: `nbf` in either JWT MUST be honoured (removed from both in -08).
    pub fn nbf_rules(self) -> bool {
        self == Revision::D07
    }

    /// The revision before this one among ours (for `list --changes`).
    pub fn previous(self) -> Option<Revision> {
        let i = Revision::ALL.iter().position(|r| *r == self)?;
        i.checked_sub(1).map(|j| Revision::ALL[j])
    }
}

impl fmt::Display for Revision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Revision {
    type Err = UnknownRevision;
    fn from_str(s: &str) -> Result<Revision, UnknownRevision> {
        Revision::parse(s)
    }
}

/// Serialized as "draft-07" (report.json's `draft` field).
impl Serialize for Revision {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// Read from "07", "draft-07" (or a YAML number such as `7`, `10`).
impl<'de> Deserialize<'de> for Revision {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Revision, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Revision;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a draft revision: \"07\", \"10\", \"11\" or \"12\"")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Revision, E> {
                Revision::parse(v).map_err(E::custom)
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Revision, E> {
                Revision::parse(&v.to_string()).map_err(E::custom)
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Revision, E> {
                Revision::parse(&v.to_string()).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

/// What `--draft` asks for: one revision, or `auto` (probe the server in each revision's shape
/// and run the best match).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DraftChoice {
    Revision(Revision),
    Auto,
}

impl std::str::FromStr for DraftChoice {
    type Err = UnknownRevision;
    fn from_str(s: &str) -> Result<DraftChoice, UnknownRevision> {
        match s.trim() {
            "auto" | "detect" => Ok(DraftChoice::Auto),
            other => Revision::parse(other)
                .map(DraftChoice::Revision)
                .map_err(|_| UnknownRevision(format!("{other} (or auto)"))),
        }
    }
}

/// `A..B` for `list --changes`: the differences from revision A to revision B.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RevisionRange {
    pub from: Revision,
    pub to: Revision,
}

impl std::str::FromStr for RevisionRange {
    type Err = UnknownRevision;
    fn from_str(s: &str) -> Result<RevisionRange, UnknownRevision> {
        let (a, b) = s
            .split_once("..")
            .ok_or_else(|| UnknownRevision(format!("{s} (expected FROM..TO, e.g. 10..11)")))?;
        Ok(RevisionRange {
            from: Revision::parse(a)?,
            to: Revision::parse(b)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_spelling() {
        for (s, r) in [
            ("07", Revision::D07),
            ("7", Revision::D07),
            ("draft-07", Revision::D07),
            ("-10", Revision::D10),
            ("11", Revision::D11),
            (
                "draft-ietf-oauth-attestation-based-client-auth-12",
                Revision::D12,
            ),
        ] {
            assert_eq!(Revision::parse(s), Ok(r), "{s}");
        }
        assert!(Revision::parse("09").is_err());
        assert!(Revision::parse("").is_err());
        assert_eq!(Revision::default(), Revision::D11);
    }

    #[test]
    fn serde_uses_the_report_form() {
        assert_eq!(
            serde_json::to_string(&Revision::D07).unwrap(),
            "\"draft-07\""
        );
        let r: Revision = serde_json::from_str("\"draft-12\"").unwrap();
        assert_eq!(r, Revision::D12);
        let r: Revision = serde_saphyr::from_str("10").unwrap();
        assert_eq!(r, Revision::D10);
        let r: Revision = serde_saphyr::from_str("\"07\"").unwrap();
        assert_eq!(r, Revision::D07);
    }

    #[test]
    fn only_12_is_an_editors_copy() {
        assert!(Revision::D12.is_editors_copy());
        assert!(Revision::D12.label().contains("editor's copy"));
        assert!(Revision::ALL[..3].iter().all(|r| !r.is_editors_copy()));
        assert!(Revision::D11
            .section_url("7.2")
            .ends_with("-11#section-7.2"));
    }

    #[test]
    fn choices_and_ranges() {
        assert_eq!("auto".parse(), Ok(DraftChoice::Auto));
        assert_eq!("12".parse(), Ok(DraftChoice::Revision(Revision::D12)));
        let r: RevisionRange = "10..11".parse().unwrap();
        assert_eq!((r.from, r.to), (Revision::D10, Revision::D11));
        assert!("10-11".parse::<RevisionRange>().is_err());
        assert_eq!(Revision::D10.previous(), Some(Revision::D07));
        assert_eq!(Revision::D07.previous(), None);
    }
}
