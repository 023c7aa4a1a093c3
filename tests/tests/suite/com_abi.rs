//! The COM-ABI harness: the conformance suite through `vss-windows` and COM, on any system.
//!
//! Every example and corpus scenario runs twice: on the simulator called directly, and on the
//! same simulator served as COM objects and called through `vss-windows`' vtables
//! ([`ComBackend`]). The two runs must print the same lines, trace included (every provider
//! call and LUN change underneath), end the same way and make the same calls: so every
//! argument and result crossed the COM boundary intact. After each COM run the memory ledger
//! must be clean: no string leaked, none freed twice or by the wrong function.

use std::path::Path;

use vss_conformance::backends::{ComBackend, MakeBackend, SimBackend, default_world};
use vss_conformance::scenarios::{Ran, canonical_backup, transport_and_break};
use vss_conformance::{scenario_files, scenario_name};
use vss_model::backend::{Backend, BackupComponents};
use vss_sim::Simulator;
use vss_sim::runner::{Report, RunEnd, Scenario, run_scenario};

/// Runs a scenario file traced on a backend of `maker` whose simulator `sim_of` reaches,
/// and gives the report and the backend.
fn traced<M: MakeBackend>(
    maker: &M,
    sim_of: impl Fn(&M::Backend) -> &Simulator,
    path: &Path,
) -> (Report, M::Backend) {
    let text = std::fs::read_to_string(path).expect("readable");
    // The file's own path, from which a world file it names is found.
    let shown = path.display().to_string();
    let scenario = Scenario::parse(&text, &shown).expect("the scenario parses");
    let world = scenario.world_file().clone();
    let backend = maker.make(&world).expect("the backend is made");
    let sim = sim_of(&backend).clone();
    let tracer = Box::new(move || sim.take_trace().iter().map(ToString::to_string).collect());
    let report = run_scenario(&scenario, &backend, Some(tracer));
    (report, backend)
}

fn same_through_com(folder: &str) -> usize {
    let files = scenario_files(folder);
    assert!(!files.is_empty(), "no scenario in {folder}");
    let mut problems = Vec::new();
    for path in &files {
        let name = scenario_name(path);
        let (direct, _) = traced(&SimBackend, |sim| sim, path);
        let (through_com, backend) = traced(&ComBackend, |com| com.simulator(), path);
        if direct.output != through_com.output {
            problems.push(format!(
                "{name}: the output differs through COM\n--- direct\n{}\n--- through COM\n{}",
                direct.output, through_com.output
            ));
        }
        if direct.outcome != through_com.outcome || direct.calls != through_com.calls {
            problems.push(format!(
                "{name}: direct {:?} with {} calls, through COM {:?} with {} calls",
                direct.outcome,
                direct.calls.len(),
                through_com.outcome,
                through_com.calls.len()
            ));
        }
        if let Err(e) = ComBackend.audit(&backend) {
            problems.push(format!("{name}: {e}"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
    files.len()
}

#[test]
fn every_example_runs_the_same_through_com() {
    same_through_com("examples");
}

#[test]
fn every_corpus_scenario_runs_the_same_through_com() {
    let count = same_through_com("tests/scenarios");
    assert!(count >= 40, "only {count} corpus scenarios");
}

#[test]
fn the_scenario_functions_pass_through_com() {
    let backend = ComBackend.make(&default_world()).expect("made");
    for (name, result) in [
        ("canonical_backup", canonical_backup(&backend, r"C:\")),
        ("transport_and_break", transport_and_break(&backend, r"E:\")),
    ] {
        match result {
            Ok(Ran::Passed) => {}
            other => panic!("{name}: {other:?}"),
        }
    }
    ComBackend.audit(&backend).unwrap_or_else(|e| panic!("{e}"));
    // Strings did cross the boundary (documents, properties), and all came back.
    let counts = backend.memory().counts();
    assert!(counts.allocations > 0, "{counts:?}");
}

/// A string the caller does not free is caught: the ledger names it, and the run that left
/// it fails.
#[test]
fn a_string_left_unfreed_fails_the_audit() {
    let backend = ComBackend.make(&default_world()).expect("made");
    let mut requester = backend.create_backup_components("HOSTA").expect("created");
    requester.initialize_for_backup(None).expect("initialized");
    // A BSTR allocated on the caller's side and never given back, as a careless caller of
    // InitializeForBackup would leave it.
    let leaked = vss_windows::ComMemory::bstr(backend.memory(), "<BackupComponents/>");
    drop(requester);
    let error = ComBackend.audit(&backend).expect_err("a leak");
    assert_eq!(
        error,
        "the COM memory ledger: leaked: SysAllocStringLen block `<BackupComponents/>`"
    );
    assert!(!leaked.is_null());
}

/// What the conformance run reports when the ledger is not clean: the run fails.
#[test]
fn the_corpus_runner_fails_a_run_whose_audit_fails() {
    struct Leaky;
    impl MakeBackend for Leaky {
        type Backend = vss_sim_com::ComSim;
        fn name(&self) -> &'static str {
            "com"
        }
        fn make(&self, world: &vss_sim::world_file::WorldFile) -> Result<Self::Backend, String> {
            let backend = ComBackend.make(world)?;
            vss_windows::ComMemory::task_string(backend.memory(), "X:");
            Ok(backend)
        }
        fn audit(&self, backend: &Self::Backend) -> Result<(), String> {
            ComBackend.audit(backend)
        }
    }
    let path = scenario_files("examples")[0].clone();
    let report = vss_conformance::backends::run_file(&Leaky, &path);
    assert_eq!(report.outcome, RunEnd::Failed(1), "{}", report.output);
    assert!(
        report
            .output
            .ends_with("audit  the COM memory ledger: leaked: CoTaskMemAlloc block `X:`\n"),
        "{}",
        report.output
    );
}
