//! The recorder over the corpus: every file of the corpus and of `examples/`, run on the
//! simulator through a `Recorder`, gives a recording that passes when replayed on a fresh
//! simulator, with the same requester calls and results; held operations are recorded on
//! their handle; recordings are named after their file and backend. The recorder's own
//! tests are in `sim/tests/recorder.rs`.

use std::path::{Path, PathBuf};

use vss_conformance::backends::{MakeBackend, SimBackend, run_file_recording};
use vss_conformance::recorder::recording_path;
use vss_conformance::{scenario_files, scenario_name};
use vss_sim::runner::{Report, RunEnd};

/// A fresh folder for this test's recordings.
fn folder(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("recorder")
        .join(test);
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Replays a recording on a fresh simulator of its world.
fn replay(path: &Path) -> Report {
    vss_sim::runner::run_file(path, false)
        .unwrap_or_else(|e| panic!("the recording {} is bad input: {e}", path.display()))
}

#[test]
fn every_corpus_file_and_example_replays_from_its_recording() {
    let dir = folder("corpus");
    let files: Vec<PathBuf> = ["tests/scenarios", "examples"]
        .iter()
        .flat_map(|f| scenario_files(f))
        .collect();
    assert!(files.len() > 40, "the corpus has {} files", files.len());
    let mut problems = Vec::new();
    for path in &files {
        let name = scenario_name(path);
        let out = recording_path(&dir, path, SimBackend.name());
        let original = run_file_recording(&SimBackend, path, Some(&out));
        assert_eq!(
            original.outcome,
            RunEnd::Passed,
            "{name}:\n{}",
            original.output
        );
        let recording = std::fs::read_to_string(&out).expect("a recording was written");
        // The same run gives the same bytes.
        let again = dir.join("again.json");
        run_file_recording(&SimBackend, path, Some(&again));
        assert_eq!(
            std::fs::read_to_string(&again).expect("written"),
            recording,
            "{name}: two recordings differ"
        );
        let replayed = replay(&out);
        if replayed.outcome != RunEnd::Passed {
            problems.push(format!(
                "{name}: the replay ended {:?}\n{}\n{recording}",
                replayed.outcome, replayed.output
            ));
        } else if replayed.calls != original.calls {
            // Every requester call was recorded, in order, with its result.
            problems.push(format!(
                "{name}: the replay made other calls\noriginal: {:?}\nreplay:   {:?}",
                original.calls, replayed.calls
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

#[test]
fn held_operations_and_their_own_calls_are_recorded_on_the_handle() {
    let dir = folder("held");
    let path = vss_conformance::repo_root().join("tests/scenarios/held-operations.yaml");
    let out = recording_path(&dir, &path, "sim");
    run_file_recording(&SimBackend, &path, Some(&out));
    let text = std::fs::read_to_string(&out).expect("written");
    for needle in [r#""hold": true, "bind": "op1""#, r#""async": "$op1""#] {
        assert!(text.contains(needle), "no `{needle}` in\n{text}");
    }
}

#[test]
fn recordings_are_named_after_their_folder_file_and_backend() {
    let dir = Path::new("recordings");
    assert_eq!(
        recording_path(dir, Path::new("tests/scenarios/s01-x.yaml"), "windows"),
        dir.join("scenarios-s01-x.windows.json")
    );
    assert_eq!(
        recording_path(dir, Path::new("examples/auto-release.yaml"), "sim"),
        dir.join("examples-auto-release.sim.json")
    );
}
