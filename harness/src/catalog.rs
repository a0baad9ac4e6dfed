//! The requirement catalog, `suites/requirements.yaml`: every server-side normative
//! statement of draft-10 (and the RFC 9449 proof checks combined mode pulls in), with a stable
//! id. Which scenarios check a requirement is derived from the scenarios, never listed twice.
use crate::scenario::{InputError, Level, Loaded};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    pub draft: String,
    pub requirements: Vec<Requirement>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Requirement {
    pub id: String,
    /// The draft's section anchor (or `rfc9449-4.3`-style for other RFCs).
    pub section: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<u32>,
    pub level: Level,
    pub summary: String,
    /// Why it cannot be observed from outside; such a requirement has no scenario.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub excluded: Option<String>,
}

impl Catalog {
    pub fn parse(path: &str, text: &str) -> Result<Catalog, InputError> {
        let c: Catalog = crate::scenario::load::parse_yaml(path, text)?;
        let mut seen = std::collections::BTreeSet::new();
        for r in &c.requirements {
            if !seen.insert(r.id.as_str()) {
                return Err(InputError::new(
                    path,
                    format!("duplicate requirement id `{}`", r.id),
                ));
            }
        }
        Ok(c)
    }

    /// The catalog compiled into the binary.
    pub fn embedded() -> Result<Catalog, InputError> {
        let text = crate::embedded_files::SUITES
            .iter()
            .find(|(p, _)| *p == "requirements.yaml")
            .map(|(_, t)| *t)
            .ok_or_else(|| InputError::new("suites/requirements.yaml", "not embedded"))?;
        Catalog::parse("suites/requirements.yaml", text)
    }

    pub fn get(&self, id: &str) -> Option<&Requirement> {
        self.requirements.iter().find(|r| r.id == id)
    }

    /// Scenario ids checking each requirement, in catalog order.
    pub fn coverage<'a>(&'a self, scenarios: &'a [Loaded]) -> Vec<(&'a Requirement, Vec<&'a str>)> {
        self.requirements
            .iter()
            .map(|r| {
                let ids = scenarios
                    .iter()
                    .filter(|l| l.scenario.requirements.iter().any(|x| x == &r.id))
                    .map(|l| l.scenario.id.as_str())
                    .collect();
                (r, ids)
            })
            .collect()
    }

    /// Requirements with neither a scenario nor an `excluded:` reason.
    pub fn uncovered<'a>(&'a self, scenarios: &'a [Loaded]) -> Vec<&'a Requirement> {
        self.coverage(scenarios)
            .into_iter()
            .filter(|(r, ids)| ids.is_empty() && r.excluded.is_none())
            .map(|(r, _)| r)
            .collect()
    }

    /// The level of a scenario: the strongest of its requirements'.
    pub fn level_of(&self, requirement_ids: &[String]) -> Level {
        requirement_ids
            .iter()
            .filter_map(|id| self.get(id))
            .map(|r| r.level)
            .min() // MUST < SHOULD < MAY in declaration order
            .unwrap_or(Level::MUST)
    }
}
