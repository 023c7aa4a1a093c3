//! Every example and every scenario of the corpus runs on the backend `VSS_BACKEND` selects
//! (the simulator by default), and every expectation in it holds, apart from the known
//! divergences of `tests/known-divergences.toml`. Scenarios the backend cannot run are
//! skipped, and shown.

use std::collections::BTreeSet;
use std::io::Write as _;

use vss_conformance::backends::{MakeBackend, OnBackend, on_selected_backend, run_file};
use vss_conformance::divergences::Ledger;
use vss_conformance::{scenario_files, scenario_name};
use vss_sim::runner::Report;

/// Runs every scenario of a folder, each named as the ledger names it.
struct Folder(&'static str);

impl OnBackend for Folder {
    type Output = (&'static str, Vec<(String, Report)>);

    fn run<M: MakeBackend>(self, maker: &M) -> Self::Output {
        let files = scenario_files(self.0);
        assert!(!files.is_empty(), "no scenario in {}", self.0);
        let runs = files
            .iter()
            .map(|path| (scenario_name(path), run_file(maker, path)))
            .collect();
        (maker.name(), runs)
    }
}

fn ledger() -> Ledger {
    Ledger::load().unwrap_or_else(|e| panic!("{e}"))
}

fn run_all(folder: &'static str) {
    let (backend, runs) = on_selected_backend(Folder(folder)).unwrap_or_else(|e| panic!("{e}"));
    let judgement = ledger().judge(backend, &runs);
    // libtest captures what the print macros write; skips and known divergences are written
    // to the process's stderr directly, so that a passing run shows them too.
    let mut stderr = std::io::stderr().lock();
    for note in &judgement.notes {
        let _ = writeln!(stderr, "{note}");
    }
    assert!(
        judgement.problems.is_empty(),
        "{}",
        judgement.problems.join("\n")
    );
}

#[test]
fn every_example_passes() {
    run_all("examples");
}

#[test]
fn every_corpus_scenario_passes() {
    run_all("tests/scenarios");
}

#[test]
fn every_ledger_entry_names_a_scenario_and_another_backend() {
    let scenarios: BTreeSet<String> = ["examples", "tests/scenarios"]
        .iter()
        .flat_map(|folder| scenario_files(folder))
        .map(|path| scenario_name(&path))
        .collect();
    let problems = ledger().check(&scenarios);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
