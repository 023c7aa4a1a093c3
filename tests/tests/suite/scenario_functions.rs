//! The scenarios written in Rust run on the backend `VSS_BACKEND` selects, in the default
//! world; on the simulator every one of them runs and passes. They skip on a backend that
//! lacks what they need, and a failure names its step.

use std::io::Write as _;

use vss_conformance::backends::{
    MakeBackend, OnBackend, SimBackend, default_world, on_selected_backend,
};
use vss_conformance::scenarios::{
    Ran, ScenarioResult, canonical_backup, revert_to_snapshot, transport_and_break,
};
use vss_sim::runner::REFERENCE_BACKEND;
use vss_sim::world_file::WorldFile;

/// Runs every scenario function on the default world's volumes: `C:\`, on the local disk, for
/// the backup, and `E:\`, on an array LUN, for the transport and the revert.
struct Every;

impl OnBackend for Every {
    type Output = (&'static str, Vec<(&'static str, ScenarioResult)>);

    fn run<M: MakeBackend>(self, maker: &M) -> Self::Output {
        let make = || {
            maker
                .make(&default_world())
                .unwrap_or_else(|e| panic!("{e}"))
        };
        let results = vec![
            ("canonical_backup", canonical_backup(&make(), r"C:\")),
            ("transport_and_break", transport_and_break(&make(), r"E:\")),
            ("revert_to_snapshot", revert_to_snapshot(&make(), r"E:\")),
        ];
        (maker.name(), results)
    }
}

#[test]
fn every_scenario_function_passes_on_the_selected_backend() {
    let (backend, results) = on_selected_backend(Every).unwrap_or_else(|e| panic!("{e}"));
    let mut stderr = std::io::stderr().lock();
    for (name, result) in results {
        match result {
            Ok(Ran::Passed) => {}
            // The simulator of the default world has every capability these need.
            Ok(Ran::Skipped(reason)) if backend != REFERENCE_BACKEND => {
                // Written past libtest's capture, so that a passing run shows the skip.
                let _ = writeln!(stderr, "{name} on {backend}: skipped: {reason}");
            }
            Ok(Ran::Skipped(reason)) => panic!("{name} skipped on {backend}: {reason}"),
            Err(failure) => panic!("{name} on {backend}: {failure}"),
        }
    }
}

fn sim(world: &str) -> vss_sim::Simulator {
    let file: WorldFile = vss_sim::world_file::parse(world, "w.yaml").expect("valid");
    SimBackend.make(&file).expect("valid")
}

#[test]
fn a_backend_without_a_second_machine_skips_the_transport() {
    let one = sim("machines: [ { name: M1, volumes: [ { mount: 'C:\\', size: 1 GiB } ] } ]");
    assert_eq!(
        transport_and_break(&one, r"C:\"),
        Ok(Ran::Skipped(
            "needs MULTIPLE_MACHINES, HARDWARE_PROVIDER".into()
        ))
    );
    assert_eq!(canonical_backup(&one, r"C:\"), Ok(Ran::Passed));
}

#[test]
fn a_failure_names_the_step_and_what_it_returned() {
    let backend = SimBackend.make(&default_world()).expect("valid");
    let failure = canonical_backup(&backend, r"Z:\").unwrap_err();
    assert_eq!(
        failure.to_string(),
        "AddToSnapshotSet returned VSS_E_OBJECT_NOT_FOUND (0x80042308), expected S_OK"
    );
    // C: is on the local disk, which no hardware provider supports: nothing to transport.
    let failure = transport_and_break(&backend, r"C:\").unwrap_err();
    assert_eq!(
        failure.to_string(),
        "AddToSnapshotSet returned VSS_E_VOLUME_NOT_SUPPORTED (0x8004230C), expected S_OK"
    );
}
