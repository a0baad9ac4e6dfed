//! report.json's JSON Schema, `docs/report.schema.json` (docs/design.md, "report.json"): the
//! committed file is exactly what the Rust types generate, and a real report validates
//! against it (with `jsonschema`, an independent validator), so consumers can rely on it.
use abca_conformance::engine::{self, Corpus, HttpOptions, RunOptions, TargetSource};
use abca_conformance::report::{self, Baselined};

const SCHEMA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/report.schema.json");
const REGENERATE: &str =
    "UPDATE_REPORT_SCHEMA=1 cargo test -p abca-conformance --test report_schema";

fn generated() -> String {
    serde_json::to_string_pretty(&report::json_schema()).expect("the schema serialises") + "\n"
}

fn committed() -> serde_json::Value {
    let text = std::fs::read_to_string(SCHEMA)
        .unwrap_or_else(|e| panic!("{SCHEMA}: {e}; write it with {REGENERATE}"));
    serde_json::from_str(&text).expect("docs/report.schema.json is JSON")
}

#[test]
fn committed_schema_is_the_generated_one() {
    let generated = generated();
    if std::env::var_os("UPDATE_REPORT_SCHEMA").is_some() {
        std::fs::write(SCHEMA, &generated).expect("write docs/report.schema.json");
    }
    let committed = std::fs::read_to_string(SCHEMA).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/report.schema.json differs from the schema of the report types; regenerate it with {REGENERATE} and commit it"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_report_validates_against_the_committed_schema() {
    let corpus = Corpus::embedded().expect("corpus");
    let (http, opts) = (HttpOptions::default(), RunOptions::default());
    let run = engine::run(&corpus, TargetSource::default(), &http, &opts, &|_| {});
    let mut report = tokio::time::timeout(std::time::Duration::from_secs(120), run)
        .await
        .expect("the run finishes within 2 minutes")
        .expect("the run works");
    // Every optional part present: a decided gate and a baselined result.
    report.results[0].baseline = Some(Baselined {
        baselined: true,
        baseline_reason: "known".into(),
    });
    report::gate::decide(&mut report, true, None);
    let value = serde_json::to_value(&report).expect("the report serialises");

    let schema = committed();
    let validator = jsonschema::validator_for(&schema).expect("a valid JSON Schema");
    let errors: Vec<String> = validator
        .iter_errors(&value)
        .take(20)
        .map(|e| e.to_string())
        .collect();
    assert!(
        errors.is_empty(),
        "report.json does not fit its schema:\n{}",
        errors.join("\n")
    );

    // The schema is not vacuous: a wrong verdict name and a missing member are refused.
    let mut bad = value.clone();
    bad["results"][0]["verdict"] = "passed".into();
    assert!(!validator.is_valid(&bad), "an unknown verdict validated");
    let mut bad = value;
    bad["summary"]
        .as_object_mut()
        .expect("summary is an object")
        .remove("fail");
    assert!(
        !validator.is_valid(&bad),
        "a summary without `fail` validated"
    );
}
