//! The state file: runs kept in a checkpoint and an audit log, what survives from one run to
//! the next, each refusal with its message (and the file left as it was), saving that never
//! loses the previous state, version 1 files, and the files beside the state file.

use std::time::Duration;

use vss_model::backend::{Backend, BackupComponents, Environment, VssAsync};
use vss_model::{Context, ObjectProp, ObjectType, SnapshotAttributes, VssId};

use super::*;

/// A fresh folder for one test's files.
fn folder(test: &str) -> PathBuf {
    let dir = std::env::temp_dir()
        .join(format!("vss-sim-state-{}", std::process::id()))
        .join(test);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("a temporary folder");
    dir
}

/// A scenario given as JSON text.
fn scenario(text: &str) -> Scenario {
    Scenario::parse(text, "run.json").expect("the test's scenario parses")
}

/// The steps of a scenario given as JSON text, in a world written inside it.
fn in_world(text: &str, world: WorldFile) -> Scenario {
    let steps = scenario(text).steps.into_iter().map(|s| s.source).collect();
    Scenario::from_steps(
        "run.json",
        WorldSource::Inline(Box::new(world)),
        Capabilities::empty(),
        steps,
    )
    .expect("the test's steps read")
}

/// On HOSTA: `C:\` block 1 reads `monday`, then a persistent shadow copy of it (object
/// `keep`, released explicitly) and an auto-release one (object `backup`, left alive for the
/// end of the run to release), then block 1 reads `tuesday`.
const TWO_COPIES: &str = r#"{"steps": [
  {"env": "write", "volume": "C:\\", "block": 1, "data": "monday"},
  {"as": "keep", "call": "InitializeForBackup", "expect": "S_OK"},
  {"as": "keep", "call": "SetContext", "context": "VSS_CTX_APP_ROLLBACK", "expect": "S_OK"},
  {"as": "keep", "call": "GatherWriterMetadata", "expect": "S_OK"},
  {"as": "keep", "call": "StartSnapshotSet", "expect": "S_OK"},
  {"as": "keep", "call": "AddToSnapshotSet", "volume": "C:\\", "expect": "S_OK"},
  {"as": "keep", "call": "SetBackupState", "expect": "S_OK"},
  {"as": "keep", "call": "PrepareForBackup", "expect": "S_OK"},
  {"as": "keep", "call": "DoSnapshotSet", "expect": "S_OK"},
  {"env": "release", "as": "keep"},
  {"as": "backup", "call": "InitializeForBackup", "expect": "S_OK"},
  {"as": "backup", "call": "GatherWriterMetadata", "expect": "S_OK"},
  {"as": "backup", "call": "StartSnapshotSet", "expect": "S_OK"},
  {"as": "backup", "call": "AddToSnapshotSet", "volume": "C:\\", "expect": "S_OK"},
  {"as": "backup", "call": "SetBackupState", "expect": "S_OK"},
  {"as": "backup", "call": "PrepareForBackup", "expect": "S_OK"},
  {"as": "backup", "call": "DoSnapshotSet", "expect": "S_OK"},
  {"env": "write", "volume": "C:\\", "block": 1, "data": "tuesday"}
]}"#;

/// A short run that leaves a write on `E:\`.
const ONE_WRITE: &str = r#"{"steps": [
  {"env": "write", "volume": "E:\\", "block": 0, "data": "orders"},
  {"call": "InitializeForBackup", "expect": "S_OK"}
]}"#;

/// A new state of the default world at `path` with `runs` run on it, saved.
fn saved(path: &Path, runs: &[&str]) -> StateFile {
    let mut state = StateFile::load_or_new(path, None).expect("a new state");
    let sim = state.simulator().expect("an empty state replays");
    for (i, text) in runs.iter().enumerate() {
        let report = state.run_scenario(&sim, &scenario(text), &format!("run{}", i + 1), false);
        assert_eq!(report.outcome, RunEnd::Passed, "{}", report.output);
    }
    state.save().expect("saved");
    state
}

/// The shadow copies HOSTA lists in every context.
fn copies_on_hosta(sim: &Simulator) -> Vec<vss_model::SnapshotProp> {
    let mut admin = sim.create_backup_components("HOSTA").expect("created");
    admin.initialize_for_backup(None).expect("initialized");
    admin.set_context(Context::VSS_CTX_ALL).expect("set");
    admin
        .query(
            VssId::NULL,
            ObjectType::VSS_OBJECT_NONE,
            ObjectType::VSS_OBJECT_SNAPSHOT,
        )
        .expect("listed")
        .into_iter()
        .filter_map(|o| match o {
            ObjectProp::Snapshot(s) => Some(s),
            ObjectProp::Provider(_) => None,
        })
        .collect()
}

#[test]
fn a_saved_state_loads_as_it_was_and_saves_to_the_same_bytes() {
    let dir = folder("round-trip");
    let path = dir.join("state.json");
    let state = saved(&path, &[TWO_COPIES, ONE_WRITE]);
    let before = fs::read(&path).expect("read");
    let mut loaded = StateFile::load(&path).expect("loads");
    assert_eq!(loaded, state);
    assert_eq!(loaded.run_count(), 2);
    assert_eq!(loaded.runs().expect("the log reads")[1].label, "run2");
    loaded.save().expect("saved");
    assert_eq!(fs::read(&path).expect("read"), before);
}

#[test]
fn a_persistent_copy_survives_into_later_runs_and_an_auto_release_one_does_not() {
    let dir = folder("survival");
    let path = dir.join("state.json");
    saved(&path, &[TWO_COPIES]);
    let sim = StateFile::load(&path)
        .expect("loads")
        .simulator()
        .expect("builds");
    let copies = copies_on_hosta(&sim);
    assert_eq!(copies.len(), 1, "{copies:?}");
    let copy = &copies[0];
    assert!(
        copy.snapshot_attributes
            .contains(SnapshotAttributes::VSS_VOLSNAP_ATTR_PERSISTENT),
        "{}",
        copy.snapshot_attributes
    );
    // It still holds the point in time of its run, and the volume what that run wrote last.
    let env = sim.environment().expect("the simulator has one");
    let read = |target: &str| {
        let block = env.read_block("HOSTA", target, 1).expect("read");
        String::from_utf8_lossy(block.content()).into_owned()
    };
    assert_eq!(read(&copy.snapshot_device_object), "monday");
    assert_eq!(read(r"C:\"), "tuesday");
}

#[test]
fn the_simulator_of_a_state_is_the_one_its_runs_left() {
    let dir = folder("same-simulator");
    let path = dir.join("state.json");
    let mut state = StateFile::load_or_new(&path, None).expect("new");
    let live = state.simulator().expect("replays");
    let report = state.run_scenario(&live, &scenario(TWO_COPIES), "run1", false);
    assert_eq!(report.outcome, RunEnd::Passed, "{}", report.output);
    let replayed = state.simulator().expect("builds");
    // The same ids, devices and times: the checkpoint holds the very same world.
    assert_eq!(copies_on_hosta(&replayed), copies_on_hosta(&live));
    // And the next id either hands out is the same.
    let next = |sim: &Simulator| {
        let mut r = sim.create_backup_components("HOSTA").expect("created");
        r.initialize_for_backup(None).expect("initialized");
        r.set_context(Context::VSS_CTX_FILE_SHARE_BACKUP)
            .expect("set");
        r.start_snapshot_set().expect("started")
    };
    assert_eq!(next(&replayed), next(&live));
}

#[test]
fn a_run_with_failed_expectations_is_kept_and_a_bad_input_one_is_not() {
    let dir = folder("outcomes");
    let path = dir.join("state.json");
    let mut state = StateFile::load_or_new(&path, None).expect("new");
    let sim = state.simulator().expect("replays");
    let failed = r#"{"steps": [
      {"env": "write", "volume": "E:\\", "block": 0, "data": "kept"},
      {"call": "StartSnapshotSet", "expect": "S_OK"}
    ]}"#;
    let report = state.run_scenario(&sim, &scenario(failed), "failed", false);
    assert_eq!(report.outcome, RunEnd::Failed(1), "{}", report.output);
    assert_eq!(state.run_count(), 1);
    // The checkpoint holds what happened.
    let replayed = state.simulator().expect("replays");
    let block = replayed.read_block("HOSTA", r"E:\", 0).expect("read");
    assert_eq!(block.content(), b"kept");
    // Only the run can tell that Q: does not exist then: it is bad input found on the way.
    let bad = r#"{"steps": [
      {"env": "write", "volume": "E:\\", "block": 0, "data": "lost"},
      {"env": "write", "volume": "Q:\\", "block": 0, "data": "nowhere"}
    ]}"#;
    let report = state.run_scenario(&sim, &scenario(bad), "bad", false);
    assert!(
        matches!(report.outcome, RunEnd::BadInput(_)),
        "{:?}",
        report.outcome
    );
    assert_eq!(state.run_count(), 1);
    // The write before the bad step is not part of the state.
    let rebuilt = state.simulator().expect("replays");
    let block = rebuilt.read_block("HOSTA", r"E:\", 0).expect("read");
    assert_eq!(block.content(), b"kept");
}

#[test]
fn a_scenario_runs_in_the_worlds_of_the_state_only() {
    let dir = folder("worlds");
    let path = dir.join("state.json");
    let mut state = StateFile::load_or_new(&path, None).expect("new");
    let sim = state.simulator().expect("replays");
    let mut other = state.world().clone();
    other.seed = 7;
    let own = in_world(ONE_WRITE, other);
    let report = state.run_scenario(&sim, &own, "own", false);
    let RunEnd::BadInput(e) = &report.outcome else {
        panic!("{:?}", report.outcome)
    };
    assert_eq!(
        e.to_string(),
        format!(
            "run.json: the scenario names a world of its own, but it runs in the world of the state {}: leave out `world`",
            path.display()
        )
    );
    assert_eq!(state.run_count(), 0);
    // Naming the state's own world is running in it.
    let same = in_world(ONE_WRITE, state.world().clone());
    let report = state.run_scenario(&sim, &same, "same", false);
    assert_eq!(report.outcome, RunEnd::Passed, "{}", report.output);
    assert_eq!(state.run_count(), 1);
}

#[test]
fn the_trace_of_a_run_starts_with_the_run() {
    let dir = folder("trace");
    let path = dir.join("state.json");
    saved(&path, &[TWO_COPIES]);
    let mut state = StateFile::load(&path).expect("loads");
    let sim = state.simulator().expect("replays");
    let report = state.run_scenario(&sim, &scenario(ONE_WRITE), "traced", true);
    assert_eq!(report.outcome, RunEnd::Passed, "{}", report.output);
    // The replayed run's provider calls are not shown under this run's first step.
    assert!(
        !report.output.contains("DoSnapshotSet"),
        "{}",
        report.output
    );
    assert!(
        !report.output.contains("CommitSnapshots"),
        "{}",
        report.output
    );
}

#[test]
fn a_recording_that_misses_part_of_its_run_is_not_kept() {
    let dir = folder("gaps");
    let mut state = StateFile::load_or_new(&dir.join("state.json"), None).expect("new");
    let recorder = Recorder::new(state.simulator().expect("replays"));
    {
        let mut r = recorder.create_backup_components("HOSTA").expect("created");
        r.initialize_for_backup(None).expect("initialized");
        let _ = r.is_volume_supported(VssId::NULL, "$C");
    }
    let e = state
        .push_recording("gaps", &recorder)
        .expect_err("refused");
    assert!(matches!(e, StateError::Incomplete { .. }), "{e:?}");
    assert!(
        e.to_string().ends_with(
            "the run `gaps` cannot be kept: step 2 gives the text `$C`, which a replay reads as a reference."
        ),
        "{e}"
    );
    assert_eq!(state.run_count(), 0);
}

#[test]
fn the_state_file_holds_the_world_indented_and_the_checkpoint_on_one_line() {
    let dir = folder("layout");
    let path = dir.join("state.json");
    saved(&path, &[ONE_WRITE]);
    insta::assert_snapshot!(fs::read_to_string(&path).expect("read"));
}

/// Writes `text` as the state file of a test and checks that loading it is refused with
/// `expected`'s message, and that the file is as it was.
fn refused(test: &str, text: &[u8]) -> (StateError, String) {
    let dir = folder(test);
    let path = dir.join("state.json");
    fs::write(&path, text).expect("written");
    let e = StateFile::load(&path).expect_err("refused");
    assert_eq!(fs::read(&path).expect("read"), text, "the file was changed");
    let shown = e.to_string();
    let file = path.display().to_string();
    assert!(shown.contains(&file), "{shown} does not name {file}");
    (e, shown.replace(&file, "STATE"))
}

/// The text of a saved state of the default world with one run.
fn good_text(test: &str) -> String {
    let path = folder(test).join("good.json");
    saved(&path, &[ONE_WRITE]);
    fs::read_to_string(&path).expect("read")
}

/// A state text whose content is `content`, with the digest it should have.
fn with_digest(mut content: Map<String, Value>) -> Vec<u8> {
    content.remove("digest");
    let digest = digest(&Value::Object(content.clone()));
    content.insert("digest".into(), Value::String(digest));
    serde_json::to_vec_pretty(&content).expect("JSON")
}

/// The content of a saved state of the default world with one run, to alter.
fn good_content(test: &str) -> Map<String, Value> {
    serde_json::from_str(&good_text(test)).expect("JSON")
}

#[test]
fn corrupt_json_is_refused_with_its_position() {
    let text = good_text("corrupt").replacen("\"version\": 2,", "\"version\": 2,,", 1);
    let (e, shown) = refused("corrupt", text.as_bytes());
    assert!(matches!(e, StateError::Corrupt { .. }), "{e:?}");
    assert_eq!(
        shown,
        "STATE:3:16: the state file is not valid JSON: key must be a string"
    );
}

#[test]
fn a_truncated_file_is_refused() {
    let text = good_text("truncated");
    let (e, shown) = refused("truncated", &text.as_bytes()[..text.len() / 2]);
    assert!(matches!(e, StateError::Truncated { .. }), "{e:?}");
    assert!(
        shown.contains(": the state file ends too early (is it truncated?): EOF while parsing"),
        "{shown}"
    );
    let (e, _) = refused("empty", b"");
    assert!(matches!(e, StateError::Truncated { .. }), "{e:?}");
}

#[test]
fn a_changed_file_does_not_match_its_digest() {
    let text = good_text("digest").replacen("\"HOSTA\"", "\"HOSTC\"", 1);
    let (e, shown) = refused("digest", text.as_bytes());
    assert!(matches!(e, StateError::DigestMismatch { .. }), "{e:?}");
    assert!(
        shown.starts_with("STATE: the content does not match its digest (recorded fnv1a64:"),
        "{shown}"
    );
    assert!(
        shown.ends_with("): the file was changed or damaged after it was written"),
        "{shown}"
    );
}

#[test]
fn a_file_of_another_format_is_refused() {
    let mut content = good_content("format");
    content.insert("format".into(), Value::String("vss-sim-trace".into()));
    let (e, shown) = refused("format", &with_digest(content));
    assert!(matches!(e, StateError::UnknownFormat { .. }), "{e:?}");
    assert_eq!(
        shown,
        "STATE is not a vss-sim state file: its `format` is \"vss-sim-trace\", not \"vss-sim-state\""
    );
    let (e, shown) = refused("no-format", br#"{"version": 1}"#);
    assert!(matches!(e, StateError::UnknownFormat { .. }), "{e:?}");
    assert_eq!(
        shown,
        "STATE is not a vss-sim state file: it has no `format` (\"vss-sim-state\")"
    );
    let (e, _) = refused("not-an-object", b"[1, 2]");
    assert!(matches!(e, StateError::UnknownFormat { .. }), "{e:?}");
}

#[test]
fn a_file_of_a_newer_version_is_refused() {
    let mut content = good_content("newer");
    content.insert("version".into(), Value::from(3));
    let (e, shown) = refused("newer", &with_digest(content));
    assert!(matches!(e, StateError::Newer { version: 3, .. }), "{e:?}");
    assert_eq!(
        shown,
        "STATE was written by a newer vss-sim (version 3); this one reads version 2"
    );
}

#[test]
fn a_file_with_the_wrong_fields_is_refused_with_the_position() {
    let mut content = good_content("fields");
    content.insert("comment".into(), Value::String("hand-written".into()));
    let (e, shown) = refused("fields", &with_digest(content));
    assert!(matches!(e, StateError::Malformed { .. }), "{e:?}");
    // Placed on the line of the field: the content is written with its keys in order.
    assert!(
        shown.starts_with("STATE:") && shown.ends_with(":11: unknown field `comment`, expected one of `format`, `version`, `world`, `checkpoint`, `log`, `digest`"),
        "{shown}"
    );
    let mut content = good_content("version-zero");
    content.insert("version".into(), Value::from(0));
    let (e, shown) = refused("version-zero", &with_digest(content));
    assert!(matches!(e, StateError::Malformed { .. }), "{e:?}");
    assert_eq!(shown, "STATE: `version` must be a whole number from 1 up");
}

#[test]
fn a_world_that_does_not_build_is_refused() {
    let mut content = good_content("world");
    content["world"]["machines"][0]["volumes"][1]["luns"] = serde_json::json!(["LUN-NONE"]);
    let (e, shown) = refused("world", &with_digest(content));
    assert!(matches!(e, StateError::World { .. }), "{e:?}");
    assert!(
        shown.starts_with("STATE: the world does not build: ") && shown.contains("LUN-NONE"),
        "{shown}"
    );
}

#[test]
fn a_run_of_a_version_1_file_that_does_not_replay_as_recorded_is_refused() {
    let dir = folder("replay");
    let path = dir.join("state.json");
    let mut content: Map<String, Value> = serde_json::from_str(VERSION_1).expect("JSON");
    // Run 3 now claims that its commit failed.
    let steps = content["runs"][2]["steps"].as_array_mut().expect("steps");
    let commit = steps
        .iter_mut()
        .find(|s| s["call"] == "DoSnapshotSet")
        .expect("a commit");
    commit["expect"] = Value::String("VSS_E_BAD_STATE".into());
    let text = with_digest(content);
    fs::write(&path, &text).expect("written");
    let mut state = StateFile::load(&path).expect("the file itself is sound");
    let e = state.simulator().err().expect("refused");
    assert!(matches!(e, StateError::Replay { run: 3, .. }), "{e:?}");
    let shown = e.to_string().replace(&path.display().to_string(), "STATE");
    assert_eq!(
        shown,
        "run 3 of STATE does not replay: step 9: HOSTA r1 DoSnapshotSet S_OK (0x00000000) [EXPECTED VSS_E_BAD_STATE (0x80042301)]"
    );
    assert_eq!(fs::read(&path).expect("read"), text);
}

/// A step that cannot be read is found when the file is loaded, before any run is replayed,
/// and the message names the run and the step.
#[test]
fn a_run_of_a_version_1_file_with_a_step_that_cannot_be_read_is_refused_on_load() {
    let dir = folder("bad-step");
    let path = dir.join("state.json");
    let mut content: Map<String, Value> = serde_json::from_str(VERSION_1).expect("JSON");
    content["runs"].as_array_mut().expect("runs").remove(0);
    let steps = content["runs"][1]["steps"].as_array_mut().expect("steps");
    steps[3]["hlod"] = Value::Bool(true);
    let text = with_digest(content);
    fs::write(&path, &text).expect("written");
    let e = StateFile::load(&path).expect_err("refused");
    assert!(matches!(e, StateError::BadStep { run: 2, .. }), "{e:?}");
    let shown = e.to_string().replace(&path.display().to_string(), "STATE");
    // Placed where the step starts in the file: a line above its `hlod` key.
    let key_line = String::from_utf8_lossy(&text)
        .lines()
        .position(|l| l.contains("\"hlod\""))
        .expect("the key's line")
        + 1;
    let (place, rest) = shown
        .strip_prefix("STATE:")
        .and_then(|s| s.split_once(": "))
        .expect("a place");
    let line: usize = place.split(':').next().unwrap().parse().expect("a line");
    assert!(line > 1 && line <= key_line, "{shown}");
    assert!(rest.starts_with("run 2, step 4: "), "{shown}");
    assert!(shown.contains("`hlod`"), "{shown}");
    assert_eq!(fs::read(&path).expect("read"), text);
}

#[test]
fn a_world_cannot_be_given_for_a_state_that_exists() {
    let dir = folder("world-given");
    let path = dir.join("state.json");
    let state = saved(&path, &[ONE_WRITE]);
    let before = fs::read(&path).expect("read");
    let e = StateFile::load_or_new(&path, Some(state.world().clone())).expect_err("refused");
    assert!(matches!(e, StateError::WorldGiven { .. }), "{e:?}");
    assert_eq!(
        e.to_string(),
        format!(
            "{} exists and its own world is used: a world cannot be given for it (leave out the world, or name a new state file)",
            path.display()
        )
    );
    assert_eq!(fs::read(&path).expect("read"), before);
}

#[test]
fn a_new_state_starts_from_the_world_given() {
    let dir = folder("new-world");
    let path = dir.join("state.json");
    let mut world = StateFile::load_or_new(&path, None)
        .expect("new")
        .world()
        .clone();
    world.seed = 42;
    let state = StateFile::load_or_new(&path, Some(world.clone())).expect("new");
    assert_eq!(state.world(), &world);
    assert!(!path.exists(), "nothing is written before a save");
    world.machines[0].volumes[1].luns = vec!["LUN-NONE".into()];
    let e = StateFile::load_or_new(&path, Some(world)).expect_err("refused");
    assert!(matches!(e, StateError::World { .. }), "{e:?}");
}

#[test]
fn a_save_that_fails_half_way_leaves_the_previous_state_whole() {
    let dir = folder("crash");
    let path = dir.join("state.json");
    saved(&path, &[ONE_WRITE]);
    let before = fs::read(&path).expect("read");
    let mut state = StateFile::load(&path).expect("loads");
    let sim = state.simulator().expect("builds");
    let report = state.run_scenario(&sim, &scenario(TWO_COPIES), "run2", false);
    assert_eq!(report.outcome, RunEnd::Passed, "{}", report.output);
    // The disk fills up half way through the new text.
    let e = state
        .save_with(|file, text| {
            file.write_all(&text[..text.len() / 2])?;
            Err(io::Error::new(
                io::ErrorKind::StorageFull,
                "the disk is full",
            ))
        })
        .expect_err("the save fails");
    assert!(matches!(e, StateError::Save { .. }), "{e:?}");
    assert_eq!(
        e.to_string(),
        format!(
            "cannot save the state file {}: the disk is full",
            path.display()
        )
    );
    assert_eq!(fs::read(&path).expect("read"), before);
    let names: Vec<_> = fs::read_dir(&dir)
        .expect("listed")
        .map(|entry| entry.expect("an entry").file_name())
        .collect();
    let mut names: Vec<_> = names
        .into_iter()
        .map(|n| n.to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["state.json", "state.json.log"],
        "the temporary file is left behind"
    );
    // The run was appended to the log before the state file was to be replaced: the next
    // load finds it past what the state file records, and replays it.
    let mut reloaded = StateFile::load(&path).expect("loads");
    assert_eq!(reloaded.run_count(), 2);
    let replayed = reloaded.simulator().expect("the appended run replays");
    assert_eq!(copies_on_hosta(&replayed), copies_on_hosta(&sim));
    // A process killed while saving leaves its temporary file; the next save is unharmed.
    let leftover = dir.join(format!(".state.json.{}.tmp", std::process::id()));
    fs::write(&leftover, "{\"format\": \"vss-sim-st").expect("written");
    state.save().expect("saved");
    assert!(!leftover.exists());
    let loaded = StateFile::load(&path).expect("loads");
    assert_eq!(loaded.run_count(), 2);
    assert_eq!(loaded.checkpoint(), state.checkpoint());
    assert_eq!(
        loaded.verify().expect("verified"),
        Verdict::Matches { runs: 2 }
    );
}

#[test]
fn a_save_into_a_missing_folder_fails_and_writes_nothing() {
    let dir = folder("missing-folder");
    let path = dir.join("not-there").join("state.json");
    let mut state = StateFile::load_or_new(&path, None).expect("new");
    let sim = state.simulator().expect("builds");
    let report = state.run_scenario(&sim, &scenario(ONE_WRITE), "run1", false);
    assert_eq!(report.outcome, RunEnd::Passed, "{}", report.output);
    let e = state.save().expect_err("refused");
    assert!(matches!(e, StateError::Save { .. }), "{e:?}");
    assert!(!path.exists());
}

#[test]
fn a_second_run_on_a_state_file_in_use_is_refused_until_the_first_lets_go() {
    let dir = folder("lock");
    let path = dir.join("s.json");
    let held = StateLock::take(&path).expect("the first run holds it");
    let second = StateLock::take(&path).expect_err("a second run is refused");
    let shown = second.to_string();
    let expected = format!(
        "the state file {} is in use by another run (which holds {}.lock): process {} (`",
        path.display(),
        path.display(),
        std::process::id()
    );
    assert!(shown.starts_with(&expected), "{shown}");
    assert!(
        shown.contains("`) since ") && shown.ends_with(" UTC"),
        "{shown}"
    );
    drop(held);
    StateLock::take(&path).expect("free again");
}

#[test]
fn a_state_file_that_cannot_be_written_is_refused_before_anything_runs() {
    let dir = folder("unwritable");
    let missing = dir.join("no-such-folder").join("s.json");
    let e = StateLock::take(&missing).expect_err("refused");
    assert!(
        e.to_string()
            .contains("cannot be written: its folder cannot be written"),
        "{e}"
    );
    let path = dir.join("ro.json");
    std::fs::write(&path, "{}").unwrap();
    let mut permissions = std::fs::metadata(&path).unwrap().permissions();
    permissions.set_readonly(true);
    std::fs::set_permissions(&path, permissions).unwrap();
    let e = StateLock::take(&path).expect_err("refused");
    assert!(
        e.to_string()
            .ends_with("cannot be written: it is read-only"),
        "{e}"
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "{}");
}

#[test]
fn the_folder_is_tried_even_when_an_earlier_run_left_the_lock_file() {
    let dir = folder("probe");
    let path = dir.join("s.json");
    drop(StateLock::take(&path).expect("a first run"));
    assert!(dir.join("s.json.lock").exists(), "the lock file stays");
    // Where a save would write its temporary file, nothing can be written (a folder is in
    // the way: a refusal even for an administrator, whom permissions do not stop).
    let temporary = dir.join(format!(".s.json.{}.tmp", std::process::id()));
    fs::create_dir(&temporary).unwrap();
    let e = StateLock::take(&path).expect_err("refused");
    assert!(
        e.to_string()
            .contains("cannot be written: its folder cannot be written"),
        "{e}"
    );
    fs::remove_dir(&temporary).unwrap();
    StateLock::take(&path).expect("writable again");
}

/// A state file written by the simulator before checkpoints (version 1): the default world
/// and three runs, ONE_WRITE twice and TWO_COPIES, each replayed at every load.
const VERSION_1: &str = include_str!("../../tests/fixtures/state-v1.json");

#[test]
fn a_version_1_file_is_replayed_once_and_saved_as_version_2() {
    let dir = folder("version-1");
    let path = dir.join("state.json");
    fs::write(&path, VERSION_1).expect("written");
    let mut state = StateFile::load(&path).expect("a version 1 file loads");
    assert_eq!(state.run_count(), 3);
    assert_eq!(state.checkpoint(), None);
    assert_eq!(
        state.verify().expect("it replays"),
        Verdict::Matches { runs: 3 }
    );
    let sim = state.simulator().expect("its runs replay");
    assert_eq!(copies_on_hosta(&sim).len(), 1);
    // Nothing is written until a save; then the file is version 2, its runs in the log.
    assert_eq!(fs::read_to_string(&path).expect("read"), VERSION_1);
    state.save().expect("saved");
    let saved: Value =
        serde_json::from_str(&fs::read_to_string(&path).expect("read")).expect("JSON");
    assert_eq!(saved["version"], 2);
    assert_eq!(saved["log"]["runs"], 3);
    let mut loaded = StateFile::load(&path).expect("loads");
    let labels: Vec<String> = loaded
        .runs()
        .expect("read")
        .into_iter()
        .map(|r| r.label)
        .collect();
    assert_eq!(
        labels,
        ["one-write.json", "one-write.json", "two-copies.json"]
    );
    assert_eq!(
        loaded.verify().expect("verified"),
        Verdict::Matches { runs: 3 }
    );
    let built = loaded.simulator().expect("builds from the checkpoint");
    assert_eq!(copies_on_hosta(&built), copies_on_hosta(&sim));
}

/// Several runs of varied kinds, each state built from its checkpoint and from a replay of
/// its log: the two worlds list the same copies, read the same data, and answer the next
/// run with the same trace, byte for byte.
#[test]
fn a_world_read_from_its_checkpoint_behaves_as_the_world_its_runs_replay_into() {
    let histories: [&[&str]; 4] = [
        &[ONE_WRITE],
        &[TWO_COPIES],
        &[TWO_COPIES, ONE_WRITE, TWO_COPIES],
        &[ONE_WRITE, TWO_COPIES, TWO_COPIES, ONE_WRITE],
    ];
    for (i, history) in histories.iter().enumerate() {
        let dir = folder(&format!("fidelity-{i}"));
        let path = dir.join("state.json");
        let state = saved(&path, history);
        let mut loaded = StateFile::load(&path).expect("loads");
        let from_checkpoint = loaded.simulator().expect("builds");
        let replayed = Simulator::new(state.world()).expect("builds");
        for run in loaded.runs().expect("the log reads") {
            replay_run(&replayed, state.world(), &run, &path).expect("replays");
        }
        assert_eq!(
            copies_on_hosta(&from_checkpoint),
            copies_on_hosta(&replayed),
            "{i}"
        );
        let next = |sim: &Simulator| {
            sim.take_trace();
            let report = run_scenario(
                &scenario(TWO_COPIES),
                sim,
                Some(Box::new({
                    let sim = sim.clone();
                    move || sim.take_trace_lines()
                })),
            );
            (report.outcome, report.output)
        };
        assert_eq!(next(&from_checkpoint), next(&replayed), "history {i}");
        assert_eq!(
            from_checkpoint.checkpoint().expect("taken"),
            replayed.checkpoint().expect("taken"),
            "history {i}"
        );
    }
}

#[test]
fn loading_reads_the_checkpoint_and_never_the_log() {
    let dir = folder("no-replay");
    let path = dir.join("state.json");
    saved(&path, &[TWO_COPIES, ONE_WRITE]);
    // A log no longer there is refused for a run, which could not be kept...
    let log = dir.join("state.json.log");
    let text = fs::read(&log).expect("the log");
    fs::remove_file(&log).expect("removed");
    let e = StateFile::load(&path).expect_err("refused");
    assert!(matches!(e, StateError::Log { .. }), "{e:?}");
    assert!(e.to_string().ends_with("state.json.log is missing"), "{e}");
    // ...but the world is the checkpoint's alone: a log whose runs no longer replay is not
    // read by a load, only by `verify`.
    let damaged = String::from_utf8(text)
        .expect("text")
        .replace("\"S_OK\"", "\"E_FAIL\"");
    fs::write(&log, &damaged).expect("written");
    let mut state = StateFile::load(&path).expect("loads");
    let sim = state.simulator().expect("builds from the checkpoint");
    assert_eq!(copies_on_hosta(&sim).len(), 1);
    let e = state.verify().expect_err("the log is damaged");
    assert!(e.to_string().contains("does not match its digest"), "{e}");
}

#[test]
fn verify_tells_a_checkpoint_the_log_does_not_give() {
    let dir = folder("verify");
    let path = dir.join("state.json");
    saved(&path, &[TWO_COPIES]);
    let state = StateFile::load(&path).expect("loads");
    assert_eq!(
        state.verify().expect("verified"),
        Verdict::Matches { runs: 1 }
    );
    let mut content = good_content_of(&path);
    content["checkpoint"]["clock"] = Value::from(0);
    fs::write(&path, with_digest(content)).expect("written");
    let state = StateFile::load(&path).expect("loads");
    assert_eq!(
        state.verify().expect("verified"),
        Verdict::Differs {
            runs: 1,
            at: "clock".into()
        }
    );
}

/// The content of the state file at `path`, to alter.
fn good_content_of(path: &Path) -> Map<String, Value> {
    serde_json::from_str(&fs::read_to_string(path).expect("read")).expect("JSON")
}

#[test]
fn a_damaged_checkpoint_is_refused_with_where_and_what() {
    let dir = folder("bad-checkpoint");
    let path = dir.join("state.json");
    saved(&path, &[TWO_COPIES]);
    let mut content = good_content_of(&path);
    content["checkpoint"]["machines"][0]["colour"] = Value::from("blue");
    let text = with_digest(content);
    fs::write(&path, &text).expect("written");
    let e = StateFile::load(&path).expect_err("refused");
    assert!(
        matches!(
            e,
            StateError::Malformed {
                position: Some(_),
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.to_string().contains("unknown field `colour`"), "{e}");
    assert_eq!(fs::read(&path).expect("read"), text);
    // A checkpoint that reads but does not fit its world is refused when it is built.
    let state = saved(&dir.join("other.json"), &[TWO_COPIES]);
    let mut content = good_content_of(&dir.join("other.json"));
    content["checkpoint"]["machines"]
        .as_array_mut()
        .expect("machines")
        .pop();
    fs::write(&path, with_digest(content)).expect("written");
    let e = StateFile::load(&path)
        .expect("reads")
        .simulator()
        .err()
        .expect("refused");
    assert!(matches!(e, StateError::Checkpoint { .. }), "{e:?}");
    assert!(
        e.to_string()
            .ends_with("does not build: it holds 1 machines, the world 2"),
        "{e}"
    );
    drop(state);
}

#[test]
fn saving_appends_only_the_new_run_to_the_log() {
    let dir = folder("append");
    let path = dir.join("state.json");
    saved(&path, &[TWO_COPIES]);
    let log = dir.join("state.json.log");
    let before = fs::read(&log).expect("the log");
    let mut state = StateFile::load(&path).expect("loads");
    let sim = state.simulator().expect("builds");
    let report = state.run_scenario(&sim, &scenario(ONE_WRITE), "run2", false);
    assert_eq!(report.outcome, RunEnd::Passed, "{}", report.output);
    state.save().expect("saved");
    let after = fs::read(&log).expect("the log");
    assert!(after.starts_with(&before), "the log was rewritten");
    let added = String::from_utf8_lossy(&after[before.len()..]).into_owned();
    assert_eq!(added.lines().count(), 1, "{added}");
    assert!(added.starts_with("{\"label\":\"run2\","), "{added}");
}

#[test]
fn compact_drops_the_log_and_reset_the_checkpoint() {
    let dir = folder("compact");
    let path = dir.join("state.json");
    saved(&path, &[TWO_COPIES]);
    let mut state = StateFile::load(&path).expect("loads");
    let sim = state.simulator().expect("builds");
    let copies = copies_on_hosta(&sim);
    state.compact();
    state.save().expect("saved");
    assert!(!dir.join("state.json.log").exists());
    let mut state = StateFile::load(&path).expect("loads");
    assert_eq!(state.run_count(), 0);
    assert_eq!(copies_on_hosta(&state.simulator().expect("builds")), copies);
    // A later run starts a new log from the checkpoint, and it verifies from there.
    let sim = state.simulator().expect("builds");
    let report = state.run_scenario(&sim, &scenario(ONE_WRITE), "after", false);
    assert_eq!(report.outcome, RunEnd::Passed, "{}", report.output);
    state.save().expect("saved");
    let state = StateFile::load(&path).expect("loads");
    assert_eq!(
        state.verify().expect("verified"),
        Verdict::Matches { runs: 1 }
    );
    let mut state = state;
    state.reset();
    state.save().expect("saved");
    let mut state = StateFile::load(&path).expect("loads");
    assert_eq!(state.checkpoint(), None);
    assert!(copies_on_hosta(&state.simulator().expect("builds")).is_empty());
    assert!(!dir.join("state.json.log").exists());
}

#[cfg(unix)]
#[test]
fn a_state_file_reached_through_a_link_is_read_locked_and_saved_where_it_leads() {
    let dir = folder("symlink");
    fs::create_dir(dir.join("real")).expect("a folder");
    let target = dir.join("real").join("san.json");
    let link = dir.join("san.json");
    std::os::unix::fs::symlink("real/san.json", &link).expect("a link");
    // The link leads to no file yet: the first save writes where it leads.
    let lock = StateLock::take(&link).expect("locked");
    saved(&link, &[TWO_COPIES]);
    assert!(
        fs::symlink_metadata(&link)
            .expect("there")
            .file_type()
            .is_symlink()
    );
    assert!(target.exists() && dir.join("real").join("san.json.log").exists());
    assert!(dir.join("real").join("san.json.lock").exists());
    // The lock is the target's, by either name.
    assert!(matches!(
        StateLock::take(&target),
        Err(StateError::InUse { .. })
    ));
    drop(lock);
    let mut state = StateFile::load(&link).expect("loads");
    let sim = state.simulator().expect("builds");
    let report = state.run_scenario(&sim, &scenario(ONE_WRITE), "again", false);
    assert_eq!(report.outcome, RunEnd::Passed, "{}", report.output);
    state.save().expect("saved");
    assert!(
        fs::symlink_metadata(&link)
            .expect("there")
            .file_type()
            .is_symlink()
    );
    assert_eq!(StateFile::load(&target).expect("loads").run_count(), 2);
}

#[test]
fn the_temporary_files_of_an_interrupted_save_go_when_the_lock_is_next_taken() {
    let dir = folder("stale");
    let path = dir.join("s.json");
    saved(&path, &[ONE_WRITE]);
    let stale = [
        ".s.json.4000000.tmp",
        ".s.json.log.4000001.tmp",
        ".s.json.run.7.tmp",
    ];
    for name in stale {
        fs::write(dir.join(name), "half a save").expect("written");
    }
    let other = dir.join(".t.json.8.tmp");
    fs::write(&other, "another state's").expect("written");
    drop(StateLock::take(&path).expect("locked"));
    for name in stale {
        assert!(!dir.join(name).exists(), "{name} is left");
    }
    assert!(
        other.exists(),
        "another state file's temporary file was removed"
    );
}

#[test]
fn a_run_waits_for_the_lock_when_told_to() {
    let dir = folder("wait");
    let path = dir.join("s.json");
    let held = StateLock::take(&path).expect("held");
    let e = StateLock::take_waiting(&path, Duration::from_millis(50)).expect_err("still held");
    assert!(
        e.to_string().contains("and did not let go within 0.05 s"),
        "{e}"
    );
    let (tell, told) = std::sync::mpsc::channel();
    let waiter = std::thread::spawn({
        let path = path.clone();
        move || {
            tell.send(()).expect("told");
            StateLock::take_waiting(&path, Duration::from_secs(60)).map(drop)
        }
    });
    told.recv().expect("the waiter started");
    drop(held);
    waiter
        .join()
        .expect("joined")
        .expect("it got the lock once let go");
}

#[test]
fn a_run_kept_as_it_goes_is_saved_when_it_changes_something_and_replayed_when_unfinished() {
    let dir = folder("kept");
    let path = dir.join("state.json");
    let mut state = StateFile::load_or_new(&path, None).expect("new");
    let recorder = Recorder::new(state.simulator().expect("builds"));
    let mut kept = KeptRun::new(&mut state, "session").expect("begun");
    let unfinished = dir.join("state.json.run");
    let mut r = recorder.create_backup_components("HOSTA").expect("created");
    r.initialize_for_backup(None).expect("initialized");
    r.set_context(Context::VSS_CTX_CLIENT_ACCESSIBLE)
        .expect("set");
    kept.keep(&mut state, &recorder).expect("kept");
    assert!(
        !unfinished.exists(),
        "nothing that changes the world was done"
    );
    r.start_snapshot_set().expect("started");
    r.add_to_snapshot_set(r"C:\", VssId::NULL).expect("added");
    let mut made = r.do_snapshot_set().expect("made");
    assert_eq!(made.wait(u32::MAX), vss_model::HResult::S_OK);
    assert_eq!(
        made.query_status(),
        Ok(vss_model::HResult::VSS_S_ASYNC_FINISHED)
    );
    drop(made);
    // A save that fails (a folder where its temporary file goes) is tried again.
    let temporary = dir.join(format!(".state.json.run.{}.tmp", std::process::id()));
    fs::create_dir(&temporary).unwrap();
    let e = kept
        .keep(&mut state, &recorder)
        .expect_err("the save fails");
    assert!(matches!(e, StateError::Save { .. }), "{e:?}");
    fs::remove_dir(&temporary).unwrap();
    r.query(
        VssId::NULL,
        ObjectType::VSS_OBJECT_NONE,
        ObjectType::VSS_OBJECT_SNAPSHOT,
    )
    .expect("listed");
    kept.keep(&mut state, &recorder).expect("saved again");
    assert!(unfinished.exists());
    // The process dies here: the next one replays the unfinished run, which releases its
    // object, and keeps it.
    let mut next = StateFile::load(&path).expect("loads");
    assert_eq!(next.run_count(), 1);
    let sim = next.simulator().expect("replays");
    assert_eq!(copies_on_hosta(&sim).len(), 1);
    next.save().expect("saved");
    assert!(!unfinished.exists());
    assert_eq!(
        StateFile::load(&path).expect("loads").verify().expect("ok"),
        Verdict::Matches { runs: 1 }
    );
    drop(r);
}

#[test]
fn a_run_kept_as_it_goes_that_cannot_be_held_whole_is_dropped() {
    let dir = folder("kept-gaps");
    let path = dir.join("state.json");
    let mut state = StateFile::load_or_new(&path, None).expect("new");
    let recorder = Recorder::new(state.simulator().expect("builds"));
    let mut kept = KeptRun::new(&mut state, "session").expect("begun");
    let mut r = recorder.create_backup_components("HOSTA").expect("created");
    r.initialize_for_backup(None).expect("initialized");
    r.set_context(Context::VSS_CTX_APP_ROLLBACK).expect("set");
    r.start_snapshot_set().expect("started");
    kept.keep(&mut state, &recorder).expect("kept");
    assert!(dir.join("state.json.run").exists());
    let _ = r.is_volume_supported(VssId::NULL, "$C");
    r.abort_backup().expect("aborted");
    let e = kept.keep(&mut state, &recorder).expect_err("not whole");
    assert!(matches!(e, StateError::Incomplete { .. }), "{e:?}");
    assert!(!dir.join("state.json.run").exists());
    drop(r);
    let e = kept.finish(&mut state, &recorder).expect_err("not whole");
    assert!(matches!(e, StateError::Incomplete { .. }), "{e:?}");
    // The state file a new state was given for the unfinished run holds no run.
    assert_eq!(StateFile::load(&path).expect("loads").run_count(), 0);
}
