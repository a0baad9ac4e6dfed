//! Reading scenario files: YAML → [`Scenario`], with file:line:column on every error.
//!
//! serde-saphyr rejects duplicate keys and bounds alias expansion by default (its budget),
//! which is what a corpus that users extend needs; `deny_unknown_fields` on the model makes
//! a misspelt key an error instead of a silently ignored one.
use super::Scenario;
use std::fmt;
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
    fn error_at(&self, key: &str, needle: &str, message: String) -> InputError {
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

/// Parses one scenario file.
pub fn parse_scenario(path: &str, text: &str) -> Result<Scenario, InputError> {
    parse_yaml(path, text)
}

/// Is this path (relative to the suites root) a scenario file? The catalog, the self-test
/// table and anything that is not YAML are not.
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
        && top.as_deref() != Some(std::ffi::OsStr::new("self-test"))
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

/// Checks across files: unique ids equal to the file stem, known requirement ids, and the
/// shape rules serde cannot express.
pub fn validate(
    scenarios: &[Loaded],
    catalog: &crate::catalog::Catalog,
) -> Result<(), Vec<InputError>> {
    use super::{Endpoint, Expectation, Mode, Mutation, Role};
    let mut errors = Vec::new();
    let mut seen = std::collections::BTreeMap::new();
    for l in scenarios {
        let s = &l.scenario;
        let err = |m: String| InputError::new(&l.path, m);
        if let Some(prev) = seen.insert(s.id.clone(), l.path.clone()) {
            errors.push(err(format!(
                "duplicate scenario id `{}` (also in {prev})",
                s.id
            )));
        }
        let stem = Path::new(&l.path).file_stem().and_then(|s| s.to_str());
        if stem != Some(s.id.as_str()) {
            errors.push(err(format!(
                "scenario id `{}` differs from the file name `{}`",
                s.id,
                stem.unwrap_or("?")
            )));
        }
        if !s
            .id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            errors.push(err(format!("scenario id `{}` is not kebab-case", s.id)));
        }
        if s.requirements.is_empty() {
            errors.push(err("`requirements` is empty".into()));
        }
        for r in &s.requirements {
            if catalog.get(r).is_none() {
                errors.push(l.error_at(
                    "requirements",
                    r,
                    format!("unknown requirement id `{r}` (not in suites/requirements.yaml)"),
                ));
            }
        }
        if s.modes.is_empty() || s.endpoints.is_empty() {
            errors.push(err("`modes` and `endpoints` must not be empty".into()));
        }
        let endpoint_level = s
            .endpoints
            .iter()
            .any(|e| matches!(e, Endpoint::Metadata | Endpoint::Challenge));
        let is_check = matches!(s.expect, Expectation::Check(_));
        if is_check != endpoint_level || (is_check && s.modes != [Mode::None]) {
            errors.push(err(
                "`check:` expectations go with mode `none` and endpoints metadata/challenge, \
                 and those only with `check:`"
                    .into(),
            ));
        }
        if !is_check && s.modes.contains(&Mode::None) {
            errors.push(err("mode `none` is only for `check:` scenarios".into()));
        }
        if s.role == Role::Control
            && (!s.mutations.is_empty() || !matches!(s.expect, Expectation::Accept(_)))
        {
            errors.push(err(
                "a control is the valid request: no mutations, `expect: accept`".into(),
            ));
        }
        let steps = s
            .mutations
            .iter()
            .filter(|m| {
                matches!(
                    m,
                    Mutation::Replay
                        | Mutation::ReplayJti { .. }
                        | Mutation::Challenge(super::ChallengeUse::Reused)
                        | Mutation::Challenge(super::ChallengeUse::FromResponse)
                )
            })
            .count();
        if steps > 1 {
            errors.push(err(
                "at most one of replay, replay_jti, challenge: reused, challenge: from_response per scenario".into(),
            ));
        }
        // Revisions: every revision named must be one where the scenario applies, and a
        // scenario must apply somewhere (else it could never run).
        let applies = |rev: crate::revision::Revision| {
            (s.revisions.is_empty() || s.revisions.contains(&rev))
                && s.requirements
                    .iter()
                    .any(|r| catalog.get(r).is_some_and(|q| q.in_revision(rev)))
        };
        for rev in s.by_revision.keys() {
            if !applies(*rev) {
                errors.push(l.error_at(
                    "by_revision",
                    rev.as_str(),
                    format!("by_revision names {rev}, where the scenario does not apply"),
                ));
            }
        }
        for (rev, d) in &s.by_revision {
            if let Some(e) = &d.expect {
                if matches!(e, Expectation::Check(_)) != is_check {
                    errors.push(err(format!(
                        "by_revision {rev}: a `check:` expectation cannot become a request expectation or back"
                    )));
                }
                if s.role == Role::Control && !matches!(e, Expectation::Accept(_)) {
                    errors.push(err(format!(
                        "by_revision {rev}: a control expects `accept`"
                    )));
                }
            }
        }
        if !crate::revision::Revision::ALL.into_iter().any(applies) {
            errors.push(err(
                "the scenario applies to no revision (its `revisions:` and its requirements' share none)".into(),
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}
