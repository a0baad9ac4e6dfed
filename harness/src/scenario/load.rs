//! Reading scenario files: YAML → [`Scenario`], with file:line:column on every error.
//!
//! serde-saphyr rejects duplicate keys and bounds alias expansion by default (its budget),
//! which is what a corpus that users extend needs; `deny_unknown_fields` on the model makes
//! a misspelt key an error instead of a silently ignored one.
use super::Scenario;
pub use crate::yaml::{parse_yaml, InputError};
use std::path::{Path, PathBuf};

/// One scenario and where it came from.
#[derive(Clone, Debug)]
pub struct Loaded {
    pub scenario: Scenario,
    /// Display path (relative to the suites folder, or `<embedded>/...`).
    pub path: String,
    /// The file's text, so cross-file checks can point at a line.
    pub text: std::sync::Arc<str>,
}

impl Loaded {
    /// An error at the first line where `needle` appears after `key:` (or anywhere), so
    /// cross-file problems get a file:line:column too.
    pub(crate) fn error_at(&self, key: &str, needle: &str, message: String) -> InputError {
        let mut e = InputError::new(&self.path, message);
        let after_key = self.text.find(&format!("{key}:")).unwrap_or(0);
        if let Some(off) = self.text[after_key..].find(needle).map(|o| o + after_key) {
            let before = &self.text[..off];
            e.line = Some(before.matches('\n').count() as u64 + 1);
            e.column = Some(before.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u64 + 1);
        }
        e
    }
}

/// Parses one scenario file.
pub fn parse_scenario(path: &str, text: &str) -> Result<Scenario, InputError> {
    parse_yaml(path, text)
}

/// Is this path (relative to the suites root) a scenario file? The catalog, the coverage
/// matrix (`coverage.yaml`, read by tests/coverage_matrix.rs), the self-test table and
/// anything that is not YAML are not.
pub fn is_scenario_path(rel: &Path) -> bool {
    let yaml = matches!(
        rel.extension().and_then(|e| e.to_str()),
        Some("yaml") | Some("yml")
    );
    let top = rel
        .components()
        .next()
        .map(|c| c.as_os_str().to_os_string());
    yaml && rel != Path::new("requirements.yaml")
        && rel != Path::new("coverage.yaml")
        && top.as_deref() != Some(std::ffi::OsStr::new("self-test"))
        && top.as_deref() != Some(std::ffi::OsStr::new("profiles"))
}

/// Reads every scenario below `dir`. All errors are collected, so a user fixing a corpus
/// sees every broken file at once.
pub fn load_dir(dir: &Path) -> Result<Vec<Loaded>, Vec<InputError>> {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    collect_files(dir, dir, &mut files, &mut errors);
    files.sort();
    let mut out = Vec::new();
    for (rel, full) in files {
        let display = full.display().to_string();
        if !is_scenario_path(&rel) {
            continue;
        }
        match std::fs::read_to_string(&full) {
            Ok(text) => match parse_scenario(&display, &text) {
                Ok(scenario) => out.push(Loaded {
                    scenario,
                    path: display,
                    text: text.into(),
                }),
                Err(e) => errors.push(e),
            },
            Err(e) => errors.push(InputError::new(&display, format!("cannot read: {e}"))),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

fn collect_files(
    root: &Path,
    dir: &Path,
    files: &mut Vec<(PathBuf, PathBuf)>,
    errors: &mut Vec<InputError>,
) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            errors.push(InputError::new(
                &dir.display().to_string(),
                format!("cannot read folder: {e}"),
            ));
            return;
        }
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_files(root, &path, files, errors);
        } else if let Ok(rel) = path.strip_prefix(root) {
            files.push((rel.to_path_buf(), path.clone()));
        }
    }
}

/// The corpus compiled into the binary (so `cargo install` runs the suite from anywhere).
pub fn embedded() -> Result<Vec<Loaded>, Vec<InputError>> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let mut files: Vec<_> = crate::embedded_files::SUITES
        .iter()
        .filter(|(p, _)| is_scenario_path(Path::new(p)))
        .collect();
    files.sort();
    for (rel, text) in files {
        let display = format!("suites/{rel}");
        match parse_scenario(&display, text) {
            Ok(scenario) => out.push(Loaded {
                scenario,
                path: display,
                text: (*text).into(),
            }),
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}
