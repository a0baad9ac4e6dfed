//! Reading YAML inputs (scenarios, the catalog, target files, baselines, the self-test table)
//! with one set of options, and the error every input reports: file:line:column and what is
//! wrong. Imports nothing from the crate.
//!
//! serde-saphyr rejects duplicate keys and bounds alias expansion by default (its budget),
//! which is what a corpus that users extend needs.
use std::fmt;

/// A problem with one input file; `line`/`column` are 1-based when known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputError {
    pub path: String,
    pub line: Option<u64>,
    pub column: Option<u64>,
    pub message: String,
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(l), Some(c)) => write!(f, "{}:{}:{}: {}", self.path, l, c, self.message),
            (Some(l), None) => write!(f, "{}:{}: {}", self.path, l, self.message),
            _ => write!(f, "{}: {}", self.path, self.message),
        }
    }
}

impl std::error::Error for InputError {}

impl InputError {
    pub fn new(path: &str, message: impl Into<String>) -> Self {
        InputError {
            path: path.to_string(),
            line: None,
            column: None,
            message: message.into(),
        }
    }
}

/// Deserializes any YAML document with the project's options, mapping errors to
/// [`InputError`] with a location.
pub fn parse_yaml<T: serde::de::DeserializeOwned>(path: &str, text: &str) -> Result<T, InputError> {
    let mut options = serde_saphyr::Options::default();
    options.with_snippet = false;
    serde_saphyr::from_str_with_options::<T>(text, options).map_err(|e| {
        let loc = e.location();
        // The error's Display may repeat the location; keep its first line, which is the
        // message proper.
        let message = e.to_string();
        let message = message.lines().next().unwrap_or("invalid YAML").to_string();
        InputError {
            path: path.to_string(),
            line: loc.as_ref().map(|l| l.line()).filter(|l| *l > 0),
            column: loc.as_ref().map(|l| l.column()).filter(|c| *c > 0),
            message,
        }
    })
}
