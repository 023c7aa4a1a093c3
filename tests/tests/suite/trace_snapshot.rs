//! The traced run of every example, kept as a snapshot named after its file: any change in
//! what VSS, its providers, its writers or the array do shows up here for review.
//!
//! The examples are found by listing `examples/`, so a new example gets a snapshot test
//! without anyone adding one; until its snapshot is accepted the test fails (CI runs with
//! `INSTA_UPDATE=no`, so it never writes one). To accept new or changed snapshots, run the
//! test with `INSTA_UPDATE=always`, or review the `.snap.new` files a plain run leaves.

use std::panic::{AssertUnwindSafe, catch_unwind};

use vss_conformance::{repo_root, scenario_files};
use vss_sim::runner::{RunEnd, run_file};

/// Where this file's snapshots live, and how their names start (insta's default: the test
/// binary's name and the module's, each followed by two underscores).
const SNAPSHOT_DIR: &str = "tests/tests/suite/snapshots";
const SNAPSHOT_PREFIX: &str = "suite__trace_snapshot__";

/// The name of an example's snapshot: its file name, extension included, so that two
/// examples differing only in their extension cannot share one.
fn snapshot_name(example: &std::path::Path) -> String {
    example
        .file_name()
        .and_then(|n| n.to_str())
        .expect("example file names are UTF-8")
        .to_string()
}

#[test]
fn every_example_matches_its_traced_snapshot() {
    let examples = scenario_files("examples");
    assert!(!examples.is_empty(), "examples/ holds no scenario file");
    let root = repo_root().display().to_string();
    // Every example is checked before the test fails, so that one run shows (and, when
    // updating, writes) every changed snapshot rather than the first.
    let mut failed = Vec::new();
    for example in &examples {
        let name = snapshot_name(example);
        let result = catch_unwind(AssertUnwindSafe(|| {
            let report = run_file(example, true)
                .unwrap_or_else(|e| panic!("the example {name} is bad input: {e}"));
            assert_eq!(report.outcome, RunEnd::Passed, "{name}\n{}", report.output);
            // A snapshot must read the same on every machine.
            assert!(
                !report.output.contains(&root),
                "the trace of {name} shows a path of this machine"
            );
            let mut settings = insta::Settings::clone_current();
            settings.set_input_file(example);
            settings.bind(|| insta::assert_snapshot!(name.as_str(), report.output));
        }));
        if result.is_err() {
            failed.push(name);
        }
    }
    assert!(
        failed.is_empty(),
        "examples whose trace changed: {failed:?}"
    );
}

#[test]
fn every_snapshot_belongs_to_an_example() {
    let examples: Vec<String> = scenario_files("examples")
        .iter()
        .map(|p| snapshot_name(p))
        .collect();
    let dir = repo_root().join(SNAPSHOT_DIR);
    let mut orphans = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("the snapshot folder exists") {
        let file = entry.expect("a readable folder entry").file_name();
        let file = file.to_string_lossy();
        let Some(example) = file
            .strip_prefix(SNAPSHOT_PREFIX)
            .and_then(|rest| rest.strip_suffix(".snap"))
        else {
            continue;
        };
        if !examples.iter().any(|e| e == example) {
            orphans.push(file.into_owned());
        }
    }
    assert!(
        orphans.is_empty(),
        "snapshots of examples that no longer exist (delete them): {orphans:?}"
    );
}

#[test]
fn same_seed_same_bytes() {
    let path = repo_root().join("examples/racing-requesters.json");
    let first = run_file(&path, true).expect("valid");
    let second = run_file(&path, true).expect("valid");
    assert_eq!(first.output, second.output);
}
