//! State files over the corpus: every file of `tests/scenarios/` and `examples/`, run twice
//! in a state of its world (the second time in the world the first left, as a user running
//! it again would), is kept in a state file that loads and replays into the same world.

use std::path::{Path, PathBuf};

use vss_conformance::{scenario_files, scenario_name};
use vss_model::backend::{Backend, BackupComponents, Environment};
use vss_model::{Context, ObjectType, VssId};
use vss_sim::Simulator;
use vss_sim::runner::{RunEnd, Scenario};
use vss_sim::state::StateFile;

/// A fresh folder for this test's state files.
fn folder(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("state")
        .join(test);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a folder");
    dir
}

/// What can be seen of a simulator's world from outside: every LUN of the array, and the
/// shadow copies each machine lists in every context.
fn seen(sim: &Simulator) -> String {
    let mut out = format!("{:?}\n", sim.luns());
    for machine in sim.machines() {
        let mut admin = sim.create_backup_components(&machine).expect("created");
        admin.initialize_for_backup(None).expect("initialized");
        admin.set_context(Context::VSS_CTX_ALL).expect("set");
        let listed = admin.query(
            VssId::NULL,
            ObjectType::VSS_OBJECT_NONE,
            ObjectType::VSS_OBJECT_SNAPSHOT,
        );
        out.push_str(&format!("{machine}: {listed:?}\n"));
    }
    out
}

#[test]
fn every_corpus_file_and_example_is_kept_in_a_state_that_replays() {
    let dir = folder("corpus");
    let files: Vec<PathBuf> = ["tests/scenarios", "examples"]
        .iter()
        .flat_map(|f| scenario_files(f))
        .collect();
    assert!(files.len() > 40, "the corpus has {} files", files.len());
    let mut kept_twice = 0;
    for (i, path) in files.iter().enumerate() {
        let name = scenario_name(path);
        let text = std::fs::read_to_string(path).expect("read");
        let scenario = Scenario::parse(&text, &path.display().to_string()).expect("parses");
        let world = scenario.world_file().clone();
        let state_path = dir.join(format!("{i}.json"));
        let mut state = StateFile::load_or_new(&state_path, Some(world)).expect("a new state");
        let sim = state.simulator().expect("an empty state replays");
        let first = state.run_scenario(&sim, &scenario, &name, false);
        assert_eq!(first.outcome, RunEnd::Passed, "{name}:\n{}", first.output);
        // Run again in what the first run left, it may well fail expectations; whatever it
        // did is kept when it ran to its end. Bad input is not kept, and the steps it ran
        // before stopping are then in `sim` only: the world to compare with is the first
        // run's alone.
        let again = state.run_scenario(&sim, &scenario, &name, false);
        let expected = if matches!(again.outcome, RunEnd::Passed | RunEnd::Failed(_)) {
            kept_twice += 1;
            seen(&sim)
        } else {
            let fresh = Simulator::new(scenario.world_file()).expect("valid");
            let alone = vss_sim::runner::run_scenario(&scenario, &fresh, None);
            assert_eq!(alone.outcome, RunEnd::Passed, "{name}");
            seen(&fresh)
        };
        state.save(&state_path).expect("saved");
        let loaded = StateFile::load(&state_path).expect("loads");
        assert_eq!(loaded, state, "{name}");
        let replayed = loaded.simulator().unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(seen(&replayed), expected, "{name}");
    }
    // Most files run to their end a second time, so second runs are replayed too.
    assert!(
        kept_twice * 2 > files.len(),
        "{kept_twice} of {}",
        files.len()
    );
}
