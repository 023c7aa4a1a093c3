//! Every example and every scenario of the corpus runs, and every expectation in it holds.

use vss_conformance::scenario_files;
use vss_sim::runner::{Outcome, run_file};

fn run_all(folder: &str) {
    let files = scenario_files(folder);
    assert!(!files.is_empty(), "no scenario in {folder}");
    let mut failed = Vec::new();
    for path in files {
        let report = run_file(&path, false).unwrap_or_else(|e| panic!("{e}"));
        if report.outcome != Outcome::Passed {
            failed.push(format!(
                "{}: {:?}\n{}",
                path.display(),
                report.outcome,
                report.output
            ));
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

#[test]
fn every_example_passes() {
    run_all("examples");
}

#[test]
fn every_corpus_scenario_passes() {
    run_all("tests/scenarios");
}
