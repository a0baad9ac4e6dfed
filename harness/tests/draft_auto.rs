//! `--draft auto` and the revision hint (issue 14): the valid request is sent in each
//! revision's shape and the best match is run; a run whose controls fail in a way another
//! revision explains says which revision to try. Against the embedded reference AS speaking
//! one revision at a time.
use abca_conformance::engine::{
    self, Connection, Corpus, EmbeddedOptions, HttpOptions, RunOptions,
};
use abca_conformance::report::{Report, Verdict};
use abca_conformance::revision::Revision;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(120);

/// `run --draft auto` against the reference AS speaking `server`: the report and its note.
async fn auto_run(server: Revision) -> Report {
    let corpus = Corpus::embedded().expect("corpus");
    let opts = EmbeddedOptions::default().with_revision(server);
    let work = async {
        let mut conn = Connection::open(
            engine::TargetSource::Embedded(opts),
            &HttpOptions::default(),
        )
        .await
        .expect("open");
        let note = conn.detect_revision(&corpus, 2).await.expect("detect");
        let mut report = conn.run(&corpus, &RunOptions::default(), &|_| {}).await;
        conn.close().await;
        engine::annotate_draft(&mut report, Some(note));
        report
    };
    tokio::time::timeout(LIMIT, work).await.expect("timed out")
}

fn count(report: &Report, v: Verdict) -> usize {
    report.results.iter().filter(|r| r.verdict == v).count()
}

/// A draft-07 server refuses the iss-less JWTs of every later shape: auto picks -07, says so,
/// and the run is clean.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auto_picks_07_for_a_draft_07_server() {
    let report = auto_run(Revision::D07).await;
    let note = report.tool.draft_note.clone().unwrap_or_default();
    assert_eq!(report.tool.draft, "draft-07", "{note}");
    assert!(note.contains("running draft-07"), "{note}");
    assert!(
        note.contains("draft-11: 0/"),
        "the -11 shape must have been refused: {note}"
    );
    assert_eq!(count(&report, Verdict::Fail), 0);
    assert_eq!(count(&report, Verdict::Error), 0);
    assert!(count(&report, Verdict::Pass) > 100);
}

/// A server accepting the -11 shape is judged by -11, the newest published revision (a tie
/// with other shapes goes to it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auto_picks_11_for_a_draft_11_server() {
    let report = auto_run(Revision::D11).await;
    assert_eq!(report.tool.draft, "draft-11");
    let note = report.tool.draft_note.clone().unwrap_or_default();
    assert!(note.contains("running draft-11"), "{note}");
    // A -11 server ignores the extra iss of the -07 shape (-11 §4: claims not understood are
    // ignored), so every shape is accepted and the preference decides.
    assert!(note.contains("draft-11: 4/4"), "{note}");
    assert_eq!(count(&report, Verdict::Fail), 0);
}

/// A draft-07 server judged by -11: the controls fail, and the report says to try -07.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_controls_point_at_draft_07() {
    let corpus = Corpus::embedded().expect("corpus");
    let mut opts = EmbeddedOptions::default().with_revision(Revision::D07);
    opts.revision = Revision::D11;
    let run_opts = RunOptions {
        keep_going: true,
        ..RunOptions::default()
    };
    let http = HttpOptions::default();
    let work = engine::run(
        &corpus,
        engine::TargetSource::Embedded(opts),
        &http,
        &run_opts,
        &|_| {},
    );
    let mut report = tokio::time::timeout(LIMIT, work)
        .await
        .expect("timed out")
        .expect("run");
    engine::annotate_draft(&mut report, None);
    assert_eq!(report.tool.draft, "draft-11");
    assert!(
        count(&report, Verdict::Fail) > 0,
        "the -11 controls must fail at a -07 server"
    );
    let note = report.tool.draft_note.clone().unwrap_or_default();
    assert!(note.contains("try --draft 07"), "{note}");
}
