//! The revision of draft-ietf-oauth-attestation-based-client-auth the server implements.
//! Section numbers differ between revisions; each rule that differs cites its section per
//! revision where it is applied (dispatch.rs, verify_*.rs, fields.rs, errors.rs, handlers.rs).

/// A revision of the draft. `Default` is the newest published revision (-11, 3 September 2026).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Draft {
    /// draft-07: CA and PoP carry `iss`, `nbf` honoured, no DPoP combined mode. Pinned by
    /// OpenID4VCI 1.0.
    D07,
    /// draft-10.
    D10,
    /// draft-11 (3 September 2026): combined-mode freshness only through DPoP nonces.
    #[default]
    D11,
    /// The -12 editor's copy (working-group last call; not published): CA `iat` REQUIRED,
    /// Structured Field headers, recommended status codes.
    D12,
}

impl Draft {
    /// Every revision, oldest first.
    pub const ALL: [Draft; 4] = [Draft::D07, Draft::D10, Draft::D11, Draft::D12];

    /// `"07"`, `"10"`, `"11"` or `"12"` (a leading `draft-` is tolerated).
    pub fn parse(s: &str) -> Option<Draft> {
        match s.trim().strip_prefix("draft-").unwrap_or(s.trim()) {
            "07" => Some(Draft::D07),
            "10" => Some(Draft::D10),
            "11" => Some(Draft::D11),
            "12" => Some(Draft::D12),
            _ => None,
        }
    }

    /// The wire form: `"07"`, `"10"`, `"11"`, `"12"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Draft::D07 => "07",
            Draft::D10 => "10",
            Draft::D11 => "11",
            Draft::D12 => "12",
        }
    }

    /// Only an editor's copy of -12 exists (REVISIONS.md §0).
    pub fn is_editors_copy(self) -> bool {
        self == Draft::D12
    }

    /// DPoP combined mode (`attest_jwt_client_auth_dpop`) exists from -09 on; -07 has none.
    pub fn has_combined_mode(self) -> bool {
        self >= Draft::D10
    }

    /// -11 §5.2 / §7.3: combined-mode freshness comes only from RFC 9449 DPoP nonces; -10 §7.3
    /// item 5 read the attestation challenge from the DPoP `nonce` instead.
    pub fn dpop_nonce_freshness(self) -> bool {
        self >= Draft::D11
    }
}

impl std::fmt::Display for Draft {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "draft-{}", self.as_str())
    }
}

impl std::str::FromStr for Draft {
    type Err = String;
    fn from_str(s: &str) -> Result<Draft, String> {
        Draft::parse(s)
            .ok_or_else(|| format!("unknown draft revision {s:?} (use 07, 10, 11 or 12)"))
    }
}

#[cfg(test)]
mod tests {
    use super::Draft;

    #[test]
    fn parse_round_trips() {
        for d in Draft::ALL {
            assert_eq!(Draft::parse(d.as_str()), Some(d));
            assert_eq!(d.to_string().parse::<Draft>(), Ok(d));
        }
        assert_eq!(Draft::parse("08"), None);
        assert_eq!(Draft::parse(""), None);
        assert_eq!(Draft::default(), Draft::D11);
        assert!(Draft::D12.is_editors_copy() && !Draft::D11.is_editors_copy());
    }
}
