//! The corpus: the scenarios and the requirement catalog, read and validated together once
//! per run, and the cases they expand to (scenario × mode × endpoint).
use crate::catalog::Catalog;
use crate::revision::Revision;
use crate::scenario::load::{self, InputError, Loaded};
use crate::scenario::{Endpoint, Expectation, Mode, Role, Scenario};
use std::path::{Path, PathBuf};

/// Why a corpus cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum CorpusError {
    /// Every problem found, so a user fixing a corpus sees them all at once.
    #[error("{} problem(s) in the scenarios:\n  {}", .0.len(), list(.0))]
    Invalid(Vec<InputError>),
    #[error("--suites {}: not a folder", .0.display())]
    NotAFolder(PathBuf),
    /// An empty or wrong folder must not end in "PASSED: 0 result(s)", a false green.
    #[error("--suites {}: no scenario file (*.yaml with an `id:`) in it; see suites/README.md for the format", .0.display())]
    Empty(PathBuf),
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Catalog(#[from] InputError),
}

fn list(errors: &[InputError]) -> String {
    let lines: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    lines.join("\n  ")
}

/// Scenarios and catalog, validated against each other.
#[derive(Clone, Debug)]
pub struct Corpus {
    scenarios: Vec<Loaded>,
    catalog: Catalog,
}

impl Corpus {
    /// The corpus compiled into the binary.
    pub fn embedded() -> Result<Corpus, CorpusError> {
        let scenarios = load::embedded().map_err(CorpusError::Invalid)?;
        Corpus::new(scenarios, Catalog::embedded()?)
    }

    /// The scenarios below `dir` (`--suites DIR`), with its `requirements.yaml` when it has
    /// one and the embedded catalog otherwise.
    pub fn from_dir(dir: &Path) -> Result<Corpus, CorpusError> {
        if !dir.is_dir() {
            return Err(CorpusError::NotAFolder(dir.to_path_buf()));
        }
        let catalog_path = dir.join("requirements.yaml");
        let catalog = if catalog_path.is_file() {
            let text =
                std::fs::read_to_string(&catalog_path).map_err(|source| CorpusError::Read {
                    path: catalog_path.clone(),
                    source,
                })?;
            Catalog::parse(&catalog_path.display().to_string(), &text)?
        } else {
            Catalog::embedded()?
        };
        let scenarios = load::load_dir(dir).map_err(CorpusError::Invalid)?;
        if scenarios.is_empty() {
            return Err(CorpusError::Empty(dir.to_path_buf()));
        }
        Corpus::new(scenarios, catalog)
    }

    /// [`Corpus::from_dir`] when a folder is given, else [`Corpus::embedded`].
    pub fn load(dir: Option<&Path>) -> Result<Corpus, CorpusError> {
        match dir {
            Some(d) => Corpus::from_dir(d),
            None => Corpus::embedded(),
        }
    }

    fn new(scenarios: Vec<Loaded>, catalog: Catalog) -> Result<Corpus, CorpusError> {
        validate(&scenarios, &catalog).map_err(CorpusError::Invalid)?;
        Ok(Corpus { scenarios, catalog })
    }

    pub fn scenarios(&self) -> &[Loaded] {
        &self.scenarios
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// Every case, in corpus order.
    pub fn cases(&self) -> Vec<Case<'_>> {
        expand(&self.scenarios)
    }

    /// How many cases `selection` picks.
    pub fn count(&self, selection: &Selection) -> usize {
        self.cases().iter().filter(|c| selection.accepts(c)).count()
    }

    /// A file of the embedded `suites/` folder by its path in that folder (e.g.
    /// `self-test/faults.yaml`).
    pub fn embedded_file(path: &str) -> Option<&'static str> {
        crate::embedded_files::SUITES
            .iter()
            .find(|(p, _)| *p == path)
            .map(|(_, t)| *t)
    }
}

/// Which cases run.
#[derive(Clone, Debug, Default)]
pub enum Selection {
    #[default]
    All,
    /// `--only`: globs or substrings (see [`matches`]).
    Patterns(Vec<String>),
    /// Exact case ids (the libtest integration).
    Ids(std::collections::BTreeSet<String>),
}

impl Selection {
    pub fn accepts(&self, case: &Case) -> bool {
        match self {
            Selection::All => true,
            Selection::Patterns(ps) => ps.iter().any(|p| matches(p, case)),
            Selection::Ids(ids) => ids.contains(&case.id()),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Case<'a> {
    pub scenario: &'a Scenario,
    pub mode: Mode,
    pub endpoint: Endpoint,
}

impl Case<'_> {
    /// `<scenario>/<mode>/<endpoint>`: unique in a run, the libtest name, what `--only` matches.
    pub fn id(&self) -> String {
        format!(
            "{}/{}/{}",
            self.scenario.id,
            self.mode.as_str(),
            self.endpoint.as_str()
        )
    }
}

/// Every case of the corpus, in corpus order.
pub fn expand(scenarios: &[Loaded]) -> Vec<Case<'_>> {
    let mut out = Vec::new();
    for l in scenarios {
        for &mode in &l.scenario.modes {
            for &endpoint in &l.scenario.endpoints {
                out.push(Case {
                    scenario: &l.scenario,
                    mode,
                    endpoint,
                });
            }
        }
    }
    out
}

/// `--only`: a glob with `*` against the case id or the scenario id, or a substring.
pub fn matches(pattern: &str, case: &Case) -> bool {
    let id = case.id();
    if pattern.contains('*') {
        glob(pattern, &id) || glob(pattern, &case.scenario.id)
    } else {
        id.contains(pattern)
    }
}

fn glob(p: &str, s: &str) -> bool {
    match p.split_once('*') {
        None => p == s,
        Some((head, tail)) => {
            let Some(rest) = s.strip_prefix(head) else {
                return false;
            };
            if tail.is_empty() {
                return true;
            }
            (0..=rest.len()).any(|i| rest.is_char_boundary(i) && glob(tail, &rest[i..]))
        }
    }
}

/// Checks across files: unique ids equal to the file stem, known requirement ids, and the
/// shape rules serde cannot express.
fn validate(scenarios: &[Loaded], catalog: &Catalog) -> Result<(), Vec<InputError>> {
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
        if let Some(p) = &s.profile {
            if let Err(e) = crate::profile::Profile::named(p) {
                errors.push(err(format!("profile: {e}")));
            }
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
            .filter(|m| m.two_step().is_some())
            .count();
        if s.flow.is_some() {
            if s.endpoints != [Endpoint::Token] {
                errors.push(err(
                    "a `flow:` scenario judges a token request: `endpoints: [token]`".into(),
                ));
            }
            if steps > 0 || s.role == Role::Control {
                errors.push(err(
                    "a `flow:` scenario is a flow then one judged request: no replay, \
                     replay_jti, reused or from_response challenge, and not a control"
                        .into(),
                ));
            }
        }
        if steps > 1 {
            errors.push(err(
                "at most one of replay, replay_jti, challenge: reused, challenge: from_response, challenge: from_error per scenario".into(),
            ));
        }
        // Revisions: every revision named must be one where the scenario applies, and a
        // scenario must apply somewhere (else it could never run).
        let applies = |rev: Revision| {
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
            if let Some(m) = &d.modes {
                if m.is_empty() || m.iter().any(|x| !s.modes.contains(x)) {
                    errors.push(err(format!(
                        "by_revision {rev}: `modes` must be a non-empty subset of the scenario's modes"
                    )));
                }
            }
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
        if !Revision::ALL.into_iter().any(applies) {
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

#[cfg(test)]
mod tests {
    use super::glob;
    #[test]
    fn globs() {
        assert!(glob("pop-*", "pop-aud-wrong"));
        assert!(glob("*/dpop_combined/*", "x/dpop_combined/token"));
        assert!(!glob("pop-*", "att-pop"));
        assert!(glob("*", ""));
        assert!(!glob("a*b", "ac"));
    }
}
