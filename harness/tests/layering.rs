//! The data flow shows in the imports (docs/design.md, "Architecture"): a module imports only
//! modules of lower layers, so nothing below the runner knows about reports, and nothing
//! below the CLI about clap. Read from the sources, so a new `use` against the flow fails here.
use std::collections::BTreeMap;
use std::path::Path;

/// Every top-level module of the harness library, lowest layer first. A module may import
/// modules of strictly lower layers only; two modules in one layer know nothing of each other.
const LAYERS: &[&[&str]] = &[
    &["types", "yaml", "embedded_files"],
    &["revision", "jose"],
    &["scenario", "profile", "exchange"],
    &["catalog", "client"],
    &["corpus", "target"],
    &["plan", "flow", "verdict"],
    &["checks", "report"],
    &["runner"],
    &["fuzz", "embedded", "keygen"],
    &["engine"],
    &["cli", "main", "lib"],
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

/// The top-level module a source file belongs to (`runner/steps.rs` → `runner`; the
/// `target_*.rs` files are `target`'s submodules).
fn module_of(rel: &Path) -> String {
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    let name = first.trim_end_matches(".rs");
    name.split('_')
        .next()
        .filter(|p| *p == "target")
        .unwrap_or(name)
        .to_string()
}

/// The top-level modules named after `crate::` in `text`, outside `#[cfg(test)]` code:
/// `crate::a::b`, and each member of `crate::{a::x, b}`.
fn crate_imports(text: &str) -> Vec<String> {
    let text = text.split("#[cfg(test)]").next().unwrap_or("");
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 1;
            let mut at_member_start = true;
            let mut word = String::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    _ => {}
                }
                if depth == 0 {
                    if at_member_start && !word.is_empty() {
                        out.push(word);
                    }
                    break;
                }
                if c.is_alphanumeric() || c == '_' {
                    word.push(c);
                    continue;
                }
                if depth == 1 && at_member_start && !word.is_empty() {
                    out.push(std::mem::take(&mut word));
                    at_member_start = false;
                }
                word.clear();
                if depth == 1 && c == ',' {
                    at_member_start = true;
                }
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            out.push(name);
        }
    }
    out
}

fn sources(dir: &Path, root: &Path, out: &mut BTreeMap<String, String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, root, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let rel = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            out.insert(rel, std::fs::read_to_string(&path).unwrap());
        }
    }
}

#[test]
fn imports_follow_the_data_flow() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = BTreeMap::new();
    sources(&root, &root, &mut files);
    let mut problems = Vec::new();
    for (rel, text) in &files {
        let from = module_of(Path::new(rel));
        let Some(lf) = layer_of(&from) else {
            problems.push(format!("{rel}: module `{from}` has no layer in LAYERS"));
            continue;
        };
        for to in crate_imports(text) {
            if to == from {
                continue;
            }
            match layer_of(&to) {
                None => problems.push(format!("{rel}: imports `{to}`, which has no layer")),
                Some(lt) if lt >= lf => problems.push(format!(
                    "{rel}: `{from}` (layer {lf}) imports `{to}` (layer {lt}), against the data flow"
                )),
                Some(_) => {}
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_reader_finds_grouped_imports() {
    assert_eq!(
        crate_imports("use crate::{report::{A, B}, exchange::Http, types};\nuse crate::plan::X;"),
        ["report", "exchange", "types", "plan"]
    );
    assert!(crate_imports("#[cfg(test)]\nuse crate::cli::X;").is_empty());
}
