//! The recorder: every file of the corpus and of `examples/`, run on the simulator through a
//! `Recorder`, gives a recording that passes when replayed on a fresh simulator, with the
//! same requester calls and results; ids are replayed as `$name` references; and a recording
//! whose recorded result is wrong fails its replay.

use std::path::{Path, PathBuf};

use serde_json::Value;
use vss_conformance::backends::{MakeBackend, SimBackend, default_world, run_file_recording};
use vss_conformance::recorder::{Recorder, recording_path};
use vss_conformance::{scenario_files, scenario_name};
use vss_model::backend::{
    Backend, BackupComponents, Capabilities, EnvError, Environment, INFINITE, VssAsync, VssResult,
};
use vss_model::{Context, HResult, ObjectType, VssId};
use vss_sim::Simulator;
use vss_sim::runner::{Outcome, Report, Scenario, WorldSource, run_scenario};

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
            Outcome::Passed,
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
        if replayed.outcome != Outcome::Passed {
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

/// The default world with another seed: every GUID the simulator hands out differs.
fn reseeded(seed: u64) -> vss_sim::world_file::WorldFile {
    let mut world = default_world();
    world.seed = seed;
    world
}

/// A backup of `C:\` made through a recorder of a simulator of the default world, with the
/// recording's text, the set id and the shadow copy id.
fn recorded_backup() -> (String, VssId, VssId) {
    let recorder = Recorder::new(SimBackend.make(&default_world()).expect("valid"));
    let (set, copy) = {
        let mut r = recorder.create_backup_components("HOSTA").expect("created");
        r.initialize_for_backup(None).expect("initialized");
        r.set_context(Context::VSS_CTX_FILE_SHARE_BACKUP)
            .expect("set");
        let set = r.start_snapshot_set().expect("started");
        let copy = r.add_to_snapshot_set(r"C:\", VssId::NULL).expect("added");
        let mut op = r.do_snapshot_set().expect("started");
        assert_eq!(op.wait(INFINITE), HResult::S_OK);
        assert_eq!(op.query_status(), Ok(HResult::VSS_S_ASYNC_FINISHED));
        r.get_snapshot_properties(copy).expect("found");
        let listed = r
            .query(
                VssId::NULL,
                ObjectType::VSS_OBJECT_NONE,
                ObjectType::VSS_OBJECT_SNAPSHOT,
            )
            .expect("listed");
        assert_eq!(listed.len(), 1);
        r.delete_snapshots(copy, ObjectType::VSS_OBJECT_SNAPSHOT, false)
            .expect("deleted");
        (set, copy)
    };
    assert!(recorder.gaps().is_empty(), "{:?}", recorder.gaps());
    let text = recorder.scenario_text(&default_world(), Capabilities::empty(), "a unit test");
    (text, set, copy)
}

/// Runs a recording's text on a simulator of `world`.
fn run_text(text: &str, world: vss_sim::world_file::WorldFile) -> Report {
    let mut scenario = Scenario::parse(text, "recording.json").expect("a recording parses");
    scenario.world = WorldSource::Inline(Box::new(world.clone()));
    let sim = Simulator::new(&world).expect("valid");
    run_scenario(&scenario, &sim, None)
}

#[test]
fn a_recorded_id_is_replayed_as_a_reference() {
    let (text, set, copy) = recorded_backup();
    // No GUID the simulator handed out is in the recording: each is a reference.
    for id in [set, copy] {
        assert!(!text.contains(&id.to_string()), "{id} is in\n{text}");
    }
    for needle in [
        r#""call": "StartSnapshotSet", "bind": "set1", "expect": "S_OK""#,
        r#""call": "AddToSnapshotSet", "volume": "C:\\", "bind": "snap1", "expect": "S_OK""#,
        r#""call": "DoSnapshotSet", "expect": "S_OK""#,
        r#""call": "GetSnapshotProperties", "snapshot": "$snap1""#,
        r#""snapshot_set_id": "$set1""#,
        r#""original_volume_name": "C:\\""#,
        r#""expect_count": 1, "expect_includes": ["$snap1"]"#,
        r#""call": "DeleteSnapshots", "id": "$snap1", "expect": "S_OK", "expect_deleted": 1, "expect_nondeleted": "GUID_NULL""#,
        r#"{"env": "release"}"#,
    ] {
        assert!(text.contains(needle), "no `{needle}` in\n{text}");
    }
    assert!(text.contains(r#""world": "default""#), "{text}");
    // It replays where the ids are those of another seed.
    for seed in [1, 2] {
        let replayed = run_text(&text, reseeded(seed));
        assert_eq!(replayed.outcome, Outcome::Passed, "{}", replayed.output);
    }
}

/// The recording with one value of one step replaced.
fn altered(text: &str, method: &str, key: &str, value: Value) -> String {
    let mut scenario: Value = serde_json::from_str(text).expect("a recording is JSON");
    let steps = scenario["steps"].as_array_mut().expect("steps");
    let step = steps
        .iter_mut()
        .find(|s| s["call"] == method)
        .unwrap_or_else(|| panic!("no {method} step"));
    let slot = key
        .split('.')
        .fold(step, |v, part| v.get_mut(part).expect("the key is there"));
    *slot = value;
    scenario.to_string()
}

#[test]
fn a_wrong_recorded_result_fails_the_replay() {
    let (text, _, _) = recorded_backup();
    let cases = [
        ("DoSnapshotSet", "expect", "VSS_E_BAD_STATE".into()),
        (
            "GetSnapshotProperties",
            "expect_props.snapshot_attributes",
            "VSS_VOLSNAP_ATTR_PERSISTENT".into(),
        ),
        (
            "GetSnapshotProperties",
            "expect_props.status",
            "VSS_SS_PREPARED".into(),
        ),
        ("Query", "expect_count", 2.into()),
        ("DeleteSnapshots", "expect_deleted", 0.into()),
    ];
    for (method, key, value) in cases {
        let wrong = altered(&text, method, key, value);
        let replayed = run_text(&wrong, default_world());
        assert_eq!(
            replayed.outcome,
            Outcome::Failed(1),
            "{method} {key}:\n{}",
            replayed.output
        );
    }
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
fn a_text_that_reads_as_a_reference_is_a_gap() {
    let recorder = Recorder::new(SimBackend.make(&default_world()).expect("valid"));
    {
        let mut r = recorder.create_backup_components("HOSTA").expect("created");
        r.initialize_for_backup(None).expect("initialized");
        let _ = r.is_volume_supported(VssId::NULL, "$C");
    }
    let gaps = recorder.gaps();
    assert_eq!(gaps.len(), 1, "{gaps:?}");
    assert!(gaps[0].contains("`$C`"), "{gaps:?}");
    let text = recorder.scenario_text(&default_world(), Capabilities::empty(), "a unit test");
    assert!(
        text.contains(
            "It does not hold all of the run: step 2 gives the text `$C`, which a replay reads as a reference."
        ),
        "{text}"
    );
}

#[test]
fn a_world_of_its_own_is_written_inline_and_requires_is_kept() {
    let world = reseeded(9);
    let recorder = Recorder::new(SimBackend.make(&world).expect("valid"));
    let text = recorder.scenario_text(&world, Capabilities::REBOOT, "a unit test");
    let scenario = Scenario::parse(&text, "recording.json").expect("parses");
    assert_eq!(scenario.world, WorldSource::Inline(Box::new(world)));
    assert_eq!(scenario.requires, Capabilities::REBOOT);
    assert!(scenario.steps.is_empty());
}

#[test]
fn environment_steps_are_recorded_with_their_observations() {
    let recorder = Recorder::new(SimBackend.make(&default_world()).expect("valid"));
    let env = recorder.environment().expect("the simulator has one");
    env.write_block("hosta", r"C:\", 3, b"hello")
        .expect("written");
    env.read_block("HOSTA", r"C:\", 3).expect("read");
    env.read_block("HOSTA", r"C:\", 4).expect("read");
    assert!(matches!(
        env.read_block("HOSTB", r"\\?\GLOBALROOT\Device\Nothing", 0),
        Err(EnvError::UnknownTarget { .. })
    ));
    env.reboot("HOSTB").expect("restarted");
    let text = recorder.scenario_text(&default_world(), Capabilities::empty(), "a unit test");
    for needle in [
        r#"{"env": "write", "target": "C:\\", "block": 3, "data": "hello"}"#,
        r#"{"env": "read", "target": "C:\\", "block": 3, "expect": "hello"}"#,
        r#"{"env": "read", "target": "C:\\", "block": 4, "expect": null}"#,
        r#"{"on": "HOSTB", "env": "read", "target": "\\\\?\\GLOBALROOT\\Device\\Nothing", "block": 0, "expect_gone": true}"#,
        r#"{"on": "HOSTB", "env": "reboot"}"#,
    ] {
        assert!(text.contains(needle), "no `{needle}` in\n{text}");
    }
    let replayed = run_text(&text, default_world());
    assert_eq!(replayed.outcome, Outcome::Passed, "{}", replayed.output);
}

/// The simulator without its environment, as real Windows is.
struct NoEnvironment(Simulator);

impl Backend for NoEnvironment {
    type Components = <Simulator as Backend>::Components;

    fn name(&self) -> &str {
        "no-environment"
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::empty()
    }

    fn machines(&self) -> Vec<String> {
        self.0.machines()
    }

    fn create_backup_components(&self, machine: &str) -> VssResult<Self::Components> {
        self.0.create_backup_components(machine)
    }

    fn volume_name_for_mount_point(
        &self,
        machine: &str,
        mount_point: &str,
    ) -> Result<String, EnvError> {
        self.0.volume_name_for_mount_point(machine, mount_point)
    }

    fn environment(&self) -> Option<&dyn Environment<Components = Self::Components>> {
        None
    }
}

#[test]
fn without_an_environment_only_requester_calls_are_recorded() {
    let sim = SimBackend.make(&default_world()).expect("valid");
    let recorder = Recorder::new(NoEnvironment(sim));
    assert!(recorder.environment().is_none());
    assert_eq!(
        recorder.write_block("HOSTA", r"C:\", 0, b"x"),
        Err(EnvError::Unsupported("control its environment"))
    );
    {
        let mut r = recorder.create_backup_components("HOSTA").expect("created");
        assert_eq!(
            r.set_context(Context::VSS_CTX_BACKUP),
            Err(HResult::VSS_E_BAD_STATE)
        );
    }
    let text = recorder.scenario_text(&default_world(), Capabilities::empty(), "a unit test");
    assert!(
        text.contains("Recorded on the `no-environment` backend from a unit test"),
        "{text}"
    );
    assert!(
        text.contains(
            r#""steps": [
    {"call": "SetContext", "context": "VSS_CTX_BACKUP", "expect": "VSS_E_BAD_STATE"},
    {"env": "release"}
  ]"#
        ),
        "{text}"
    );
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
