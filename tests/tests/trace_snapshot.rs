//! Traced runs of two examples, kept as snapshots: any change in what VSS, its providers,
//! its writers or the array do shows up here for review (`cargo insta review`).

use vss_conformance::repo_root;
use vss_sim::runner::{Outcome, run_file};

#[test]
fn traced_backup_with_writers() {
    let report = run_file(&repo_root().join("examples/backup-with-writers.yaml"), true)
        .expect("the example is valid");
    assert_eq!(report.outcome, Outcome::Passed);
    insta::assert_snapshot!(report.output);
}

#[test]
fn traced_transport_and_break() {
    let report = run_file(&repo_root().join("examples/transport-and-break.yaml"), true)
        .expect("the example is valid");
    assert_eq!(report.outcome, Outcome::Passed);
    insta::assert_snapshot!(report.output);
}

#[test]
fn same_seed_same_bytes() {
    let path = repo_root().join("examples/racing-requesters.json");
    let first = run_file(&path, true).expect("valid");
    let second = run_file(&path, true).expect("valid");
    assert_eq!(first.output, second.output);
}
