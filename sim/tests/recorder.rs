//! The recorder: what is done through a `Recorder` is written as a scenario that replays on
//! a fresh simulator with the same results; ids are replayed as `$name` references; a
//! recording whose recorded result is wrong fails its replay; and the steps it hands out as
//! data are those it writes, the releases at the end of a run included.

use serde_json::Value;
use vss_model::backend::{
    Backend, BackupComponents, Capabilities, EnvError, Environment, INFINITE, VssAsync, VssResult,
};
use vss_model::{Context, HResult, ObjectType, VssId};
use vss_sim::Simulator;
use vss_sim::recorder::Recorder;
use vss_sim::runner::{Report, RunEnd, Scenario, WorldSource, run_scenario};
use vss_sim::world_file::WorldFile;

/// The embedded default world.
fn default_world() -> WorldFile {
    vss_sim::world_file::default_world().clone()
}

/// The default world with another seed: every GUID the simulator hands out differs.
fn reseeded(seed: u64) -> WorldFile {
    let mut world = default_world();
    world.seed = seed;
    world
}

/// A backup of `C:\` made through a recorder of a simulator of the default world, with the
/// recording's text, the set id and the shadow copy id.
fn recorded_backup() -> (String, VssId, VssId) {
    let recorder = Recorder::new(Simulator::new(&default_world()).expect("valid"));
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
fn run_text(text: &str, world: WorldFile) -> Report {
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
        assert_eq!(replayed.outcome, RunEnd::Passed, "{}", replayed.output);
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
            RunEnd::Failed(1),
            "{method} {key}:\n{}",
            replayed.output
        );
    }
}

#[test]
fn a_text_that_reads_as_a_reference_is_a_gap() {
    let recorder = Recorder::new(Simulator::new(&default_world()).expect("valid"));
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
    let recorder = Recorder::new(Simulator::new(&world).expect("valid"));
    let text = recorder.scenario_text(&world, Capabilities::REBOOT, "a unit test");
    let scenario = Scenario::parse(&text, "recording.json").expect("parses");
    assert_eq!(scenario.world, WorldSource::Inline(Box::new(world)));
    assert_eq!(scenario.requires, Capabilities::REBOOT);
    assert!(scenario.steps.is_empty());
}

#[test]
fn environment_steps_are_recorded_with_their_observations() {
    let recorder = Recorder::new(Simulator::new(&default_world()).expect("valid"));
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
    assert_eq!(replayed.outcome, RunEnd::Passed, "{}", replayed.output);
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

    fn volume_path_names_for_volume_name(
        &self,
        machine: &str,
        volume_name: &str,
    ) -> Result<Vec<String>, EnvError> {
        self.0
            .volume_path_names_for_volume_name(machine, volume_name)
    }

    fn should_block_revert(&self, machine: &str, volume_name: &str) -> Result<bool, EnvError> {
        self.0.should_block_revert(machine, volume_name)
    }

    fn environment(&self) -> Option<&dyn Environment<Components = Self::Components>> {
        None
    }
}

#[test]
fn without_an_environment_only_requester_calls_are_recorded() {
    let sim = Simulator::new(&default_world()).expect("valid");
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

/// A run on HOSTA and HOSTB whose objects are left alive at its end, but one that dies in a
/// restart of HOSTB.
const LEFT_ALIVE: &str = r#"{"steps": [
  {"as": "backup", "call": "InitializeForBackup", "expect": "S_OK"},
  {"as": "backup", "call": "SetContext", "context": "VSS_CTX_FILE_SHARE_BACKUP", "expect": "S_OK"},
  {"as": "backup", "call": "StartSnapshotSet", "expect": "S_OK"},
  {"as": "backup", "call": "AddToSnapshotSet", "volume": "C:\\", "bind": "c", "expect": "S_OK"},
  {"as": "backup", "call": "DoSnapshotSet", "expect": "S_OK"},
  {"as": "backup", "call": "GetSnapshotProperties", "snapshot": "$c", "expect": "S_OK"},
  {"as": "admin", "call": "InitializeForBackup", "expect": "S_OK"},
  {"on": "HOSTB", "as": "gone", "call": "InitializeForBackup", "expect": "S_OK"},
  {"on": "HOSTB", "env": "reboot"},
  {"on": "HOSTB", "as": "other", "call": "InitializeForBackup", "expect": "S_OK"}
]}"#;

/// Runs a scenario text on a recorder of a simulator of the default world; the recorder is
/// handed back once the run, and with it every requester object of the run, has ended.
fn recorded_run(text: &str) -> (Report, Recorder<Simulator>) {
    let scenario = Scenario::parse(text, "run.json").expect("parses");
    let recorder = Recorder::new(Simulator::new(&default_world()).expect("valid"));
    let report = run_scenario(&scenario, &recorder, None);
    (report, recorder)
}

#[test]
fn the_objects_left_alive_are_released_in_the_steps_when_the_run_ends() {
    let (report, recorder) = recorded_run(LEFT_ALIVE);
    assert_eq!(report.outcome, RunEnd::Passed, "{}", report.output);
    let steps = recorder.steps();
    let last: Vec<Value> = steps[steps.len() - 3..]
        .iter()
        .map(|s| Value::Object(s.clone()))
        .collect();
    // In the order the runner releases them, by machine and the run's names (`admin`, the
    // recording's `r2`, before `backup`); the object that died in the restart has nothing to
    // release.
    assert_eq!(
        last,
        [
            serde_json::json!({"as": "r2", "env": "release"}),
            serde_json::json!({"env": "release"}),
            serde_json::json!({"on": "HOSTB", "as": "r2", "env": "release"}),
        ]
    );
    assert_eq!(steps.len(), 13, "{steps:?}");
}

#[test]
fn the_steps_as_data_are_the_steps_written() {
    let (_, recorder) = recorded_run(LEFT_ALIVE);
    let text = recorder.scenario_text(&default_world(), Capabilities::empty(), "a unit test");
    let written = Scenario::parse(&text, "recording.json").expect("parses");
    let written: Vec<_> = written.steps.into_iter().map(|s| s.source).collect();
    assert_eq!(recorder.steps(), written);
    // The bound names are among them, as later steps refer to them.
    assert!(
        recorder
            .steps()
            .iter()
            .any(|s| s.get("bind") == Some(&Value::String("snap1".into()))),
        "{text}"
    );
}

#[test]
fn a_run_replayed_from_its_steps_leaves_no_auto_release_copy() {
    let (_, recorder) = recorded_run(LEFT_ALIVE);
    let sim = Simulator::new(&default_world()).expect("valid");
    let replay = Scenario::from_steps(
        "replay",
        WorldSource::Default,
        Capabilities::empty(),
        recorder.steps(),
    )
    .expect("the recorded steps read");
    let replayed = run_scenario(&replay, &sim, None);
    assert_eq!(replayed.outcome, RunEnd::Passed, "{}", replayed.output);
    // The copy was auto-release; its object's release, recorded at the end, took it.
    let mut admin = sim.create_backup_components("HOSTA").expect("created");
    admin.initialize_for_backup(None).expect("initialized");
    admin.set_context(Context::VSS_CTX_ALL).expect("set");
    let listed = admin
        .query(
            VssId::NULL,
            ObjectType::VSS_OBJECT_NONE,
            ObjectType::VSS_OBJECT_SNAPSHOT,
        )
        .expect("listed");
    assert!(listed.is_empty(), "{listed:?}");
}
