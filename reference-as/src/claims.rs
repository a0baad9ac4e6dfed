//! Small helpers shared by the three JWT checks: explicit typing and time claims.
use crate::jose::numeric;
use serde_json::{Map, Value};

/// RFC 7515 §4.1.9: `typ` is a media type, compared case-insensitively, and the
/// "application/" prefix may be omitted. RFC 8725 §3.11 explicit typing.
pub fn typ_matches(header: &Map<String, Value>, expected: &str) -> Result<(), String> {
    let Some(typ) = header.get("typ") else {
        return Err(format!("typ header missing (must be {expected})"));
    };
    let Some(typ) = typ.as_str() else {
        return Err("typ header is not a string".into());
    };
    let lower = typ.to_ascii_lowercase();
    let bare = lower.strip_prefix("application/").unwrap_or(&lower);
    if bare == expected {
        Ok(())
    } else {
        Err(format!("typ is {typ:?}, must be {expected}"))
    }
}

/// A NumericDate claim (RFC 7519 §2). With `coerce`, a JSON string holding a number is taken
/// too (only for the `attestation-claim-types-not-checked` and `pop-claim-types-not-checked`
/// faults).
pub fn numeric_date(
    claims: &Map<String, Value>,
    name: &str,
    coerce: bool,
) -> Result<Option<f64>, String> {
    match claims.get(name) {
        None => Ok(None),
        Some(v) => {
            if let Some(n) = numeric(v) {
                return Ok(Some(n));
            }
            if coerce {
                if let Some(n) = v
                    .as_str()
                    .and_then(|s| s.trim().parse::<f64>().ok())
                    .filter(|n| n.is_finite())
                {
                    return Ok(Some(n));
                }
            }
            Err(format!(
                "{name} is not a JSON number (RFC 7519 NumericDate)"
            ))
        }
    }
}

/// RFC 7519 §4.1.5: if `nbf` is present the JWT must not be used before it (with skew).
pub fn check_nbf(claims: &Map<String, Value>, now: u64, skew: u64) -> Result<(), String> {
    if let Some(nbf) = numeric_date(claims, "nbf", false)? {
        if nbf > (now + skew) as f64 {
            return Err("nbf is in the future".into());
        }
    }
    Ok(())
}

/// RFC 7519 §4.1.4: if `exp` is present the JWT must not be used after it (with skew).
pub fn check_optional_exp(claims: &Map<String, Value>, now: u64, skew: u64) -> Result<(), String> {
    if let Some(exp) = numeric_date(claims, "exp", false)? {
        if exp + (skew as f64) <= now as f64 {
            return Err("exp has passed".into());
        }
    }
    Ok(())
}
