//! State files over the corpus: every file of `tests/scenarios/` and `examples/`, run twice
//! in a state of its world (the second time in the world the first left, as a user running
//! it again would), is kept in a state file whose checkpoint loads into the same world, and
//! whose audit log replays into it: the world read from the checkpoint and the world the log
//! replays into list the same copies and LUNs, and answer a third run with the same trace.

use std::path::{Path, PathBuf};

use vss_conformance::{scenario_files, scenario_name};
use vss_model::backend::{Backend, BackupComponents, Environment};
use vss_model::{Context, ObjectType, VssId};
use vss_sim::Simulator;
use vss_sim::runner::{RunEnd, Scenario};
use vss_sim::state::{StateFile, Verdict};

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
        let sim = state.simulator().expect("a new state builds");
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
            // As a kept run ends.
            fresh.end_kept_run();
            seen(&fresh)
        };
        state.save().expect("saved");
        let mut loaded = StateFile::load(&state_path).expect("loads");
        assert_eq!(loaded, state, "{name}");
        let runs = loaded.run_count();
        assert_eq!(
            loaded.verify().unwrap_or_else(|e| panic!("{name}: {e}")),
            Verdict::Matches { runs },
            "{name}"
        );
        let from_checkpoint = loaded.simulator().unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(seen(&from_checkpoint), expected, "{name}");
        // The same world built by replaying the log from the world file.
        let replayed = Simulator::new(scenario.world_file()).expect("valid");
        for run in loaded.runs().expect("the log reads") {
            let steps = Scenario::from_steps(
                &name,
                vss_sim::runner::WorldSource::Inline(Box::new(scenario.world_file().clone())),
                vss_model::backend::Capabilities::empty(),
                run.steps,
            )
            .expect("a kept run reads");
            let report = vss_sim::runner::run_scenario(&steps, &replayed, None);
            assert_eq!(report.outcome, RunEnd::Passed, "{name}: {}", report.output);
            replayed.end_kept_run();
        }
        // `seen` makes an object on each machine: once on each world, so they stay alike.
        assert_eq!(seen(&replayed), expected, "{name}");
        let third = |sim: &Simulator| {
            sim.take_trace();
            let tracer = sim.clone();
            let report = vss_sim::runner::run_scenario(
                &scenario,
                sim,
                Some(Box::new(move || tracer.take_trace_lines())),
            );
            (report.outcome, report.output)
        };
        assert_eq!(third(&from_checkpoint), third(&replayed), "{name}");
        assert_eq!(
            from_checkpoint.checkpoint().ok(),
            replayed.checkpoint().ok(),
            "{name}"
        );
    }
    // Most files run to their end a second time, so second runs are replayed too.
    assert!(
        kept_twice * 2 > files.len(),
        "{kept_twice} of {}",
        files.len()
    );
}
