//! Reports: the result model and its renderers. Every renderer reads the same [`Report`].
//!
//! - [`model`]: report.json, the contract;
//! - [`gate`] decides the exit status (`--strict`, [`baseline`] entries) and records why;
//! - file renderers: [`junit`], [`html`] (one self-contained page), [`markdown`] (PR comment,
//!   `$GITHUB_STEP_SUMMARY`); [`ndjson`] streams results to stdout as they are decided;
//! - on the terminal: [`terminal`] (summary), [`progress`] (bar on stderr), [`wire`] (an
//!   exchange, both sides, for `replay`);
//! - helpers: [`sections`] (grouping by draft section), [`curl`] (replay commands).
pub mod baseline;
pub mod curl;
pub mod gate;
pub mod html;
pub mod junit;
pub mod markdown;
pub mod model;
pub mod ndjson;
pub mod preflight;
pub mod progress;
pub mod sections;
pub mod terminal;
pub mod wire;
pub use model::*;

use std::path::{Path, PathBuf};

/// Checks that report files can be written into `dir` (created when missing), before a run
/// sends its first request: an unwritable folder found after the run loses the run.
pub fn check_writable(dir: &Path) -> anyhow::Result<()> {
    use anyhow::Context;
    std::fs::create_dir_all(dir)
        .with_context(|| format!("--report-dir {}: cannot create it", dir.display()))?;
    let probe = dir.join(format!(".abca-write-test-{}", std::process::id()));
    std::fs::write(&probe, b"")
        .with_context(|| format!("--report-dir {}: cannot write into it", dir.display()))?;
    let _ = std::fs::remove_file(&probe);
    Ok(())
}

/// The JSON Schema of report.json (draft 2020-12), generated from [`Report`]; committed as
/// `docs/report.schema.json` and checked against this by a test.
pub fn json_schema() -> serde_json::Value {
    let mut schema = schemars::schema_for!(Report).to_value();
    if let Some(o) = schema.as_object_mut() {
        o.insert("title".into(), "abca-conformance report.json".into());
        o.insert(
            "description".into(),
            "The report of one `abca-conformance run` (docs/design.md, \"report.json\"). Fields are only ever added.".into(),
        );
    }
    schema
}

/// Output formats of `--format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Json,
    Junit,
    Html,
    Markdown,
    /// Not a file: one JSON object per result on stdout as each is decided, then a summary.
    Ndjson,
}

impl Format {
    pub const KNOWN: &'static str = "json, junit, html, md, ndjson";

    pub fn parse_list(s: &str) -> Result<Vec<Format>, String> {
        let mut out = Vec::new();
        for x in s.split(',') {
            let f = match x.trim() {
                "json" => Format::Json,
                "junit" => Format::Junit,
                "html" => Format::Html,
                "md" | "markdown" => Format::Markdown,
                "ndjson" => Format::Ndjson,
                other => {
                    return Err(format!(
                        "unknown report format {other:?} (known: {})",
                        Format::KNOWN
                    ))
                }
            };
            if !out.contains(&f) {
                out.push(f);
            }
        }
        Ok(out)
    }

    /// The file this format is written to; `None` for the stdout stream.
    pub fn file_name(self) -> Option<&'static str> {
        match self {
            Format::Json => Some("report.json"),
            Format::Junit => Some("junit.xml"),
            Format::Html => Some("report.html"),
            Format::Markdown => Some("summary.md"),
            Format::Ndjson => None,
        }
    }

    /// Renders the file of this format; `None` for the stdout stream.
    pub fn render(self, report: &Report) -> anyhow::Result<Option<String>> {
        Ok(Some(match self {
            Format::Json => serde_json::to_string_pretty(report)?,
            Format::Junit => junit::render(report)?,
            Format::Html => html::render(report)?,
            Format::Markdown => markdown::render(report)?,
            Format::Ndjson => return Ok(None),
        }))
    }
}

/// Writes the file formats among `formats` into `dir` (created if needed); returns the paths
/// written.
pub fn write_all(report: &Report, dir: &Path, formats: &[Format]) -> anyhow::Result<Vec<PathBuf>> {
    use anyhow::Context;
    let files: Vec<Format> = formats
        .iter()
        .copied()
        .filter(|f| f.file_name().is_some())
        .collect();
    if files.is_empty() {
        return Ok(Vec::new());
    }
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create report folder {}", dir.display()))?;
    let mut written = Vec::new();
    for f in files {
        let (Some(name), Some(text)) = (f.file_name(), f.render(report)?) else {
            continue;
        };
        let path = dir.join(name);
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::Format;

    #[test]
    fn format_list() {
        assert_eq!(
            Format::parse_list("json,junit,html,md").unwrap(),
            [Format::Json, Format::Junit, Format::Html, Format::Markdown]
        );
        assert_eq!(
            Format::parse_list("ndjson, json,json").unwrap(),
            [Format::Ndjson, Format::Json]
        );
        let e = Format::parse_list("json,pdf").unwrap_err();
        assert!(e.contains("\"pdf\"") && e.contains("ndjson"), "{e}");
    }
}
