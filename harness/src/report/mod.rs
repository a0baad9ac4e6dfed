//! Reports: the result model and its renderers. Every renderer reads the same [`Report`].
pub mod junit;
pub mod model;
pub mod terminal;
pub use model::*;

use std::path::{Path, PathBuf};

/// Output formats of `--format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Json,
    Junit,
}

impl Format {
    pub fn parse_list(s: &str) -> Result<Vec<Format>, String> {
        s.split(',')
            .map(|x| match x.trim() {
                "json" => Ok(Format::Json),
                "junit" => Ok(Format::Junit),
                other => Err(format!(
                    "unknown report format {other:?} (known: json, junit)"
                )),
            })
            .collect()
    }
    pub fn file_name(self) -> &'static str {
        match self {
            Format::Json => "report.json",
            Format::Junit => "junit.xml",
        }
    }
}

/// Writes the chosen formats into `dir` (created if needed); returns the paths written.
pub fn write_all(report: &Report, dir: &Path, formats: &[Format]) -> anyhow::Result<Vec<PathBuf>> {
    use anyhow::Context;
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create report folder {}", dir.display()))?;
    let mut written = Vec::new();
    for f in formats {
        let text = match f {
            Format::Json => serde_json::to_string_pretty(report)?,
            Format::Junit => junit::render(report)?,
        };
        let path = dir.join(f.file_name());
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}
