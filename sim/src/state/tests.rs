//! The state file: runs kept and replayed, what survives from one run to the next, each
//! refusal with its message (and the file left as it was), and saving that never loses the
//! previous state.

use vss_model::backend::{BackupComponents, Environment};
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
    state.save(path).expect("saved");
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
    let loaded = StateFile::load(&path).expect("loads");
    assert_eq!(loaded, state);
    assert_eq!(loaded.runs().len(), 2);
    assert_eq!(loaded.runs()[1].label, "run2");
    let again = dir.join("again.json");
    loaded.save(&again).expect("saved");
    assert_eq!(
        fs::read(&again).expect("read"),
        fs::read(&path).expect("read")
    );
}

#[test]
fn a_persistent_copy_survives_into_later_runs_and_an_auto_release_one_does_not() {
    let dir = folder("survival");
    let path = dir.join("state.json");
    saved(&path, &[TWO_COPIES]);
    let sim = StateFile::load(&path)
        .expect("loads")
        .simulator()
        .expect("replays");
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
    let replayed = state.simulator().expect("replays");
    // The same ids, devices and times: the replay rebuilt the very same world.
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
    assert_eq!(state.runs().len(), 1);
    // The recording holds what happened, so it replays.
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
    assert_eq!(state.runs().len(), 1);
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
    assert!(state.runs().is_empty());
    // Naming the state's own world is running in it.
    let same = in_world(ONE_WRITE, state.world().clone());
    let report = state.run_scenario(&sim, &same, "same", false);
    assert_eq!(report.outcome, RunEnd::Passed, "{}", report.output);
    assert_eq!(state.runs().len(), 1);
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
    assert!(state.runs().is_empty());
}

#[test]
fn the_state_file_is_laid_out_one_step_a_line() {
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
    let text = good_text("corrupt").replacen("\"version\": 1,", "\"version\": 1,,", 1);
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
    let text = good_text("digest").replacen("\"orders\"", "\"invoices\"", 1);
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
    content.insert("version".into(), Value::from(2));
    let (e, shown) = refused("newer", &with_digest(content));
    assert!(matches!(e, StateError::Newer { version: 2, .. }), "{e:?}");
    assert_eq!(
        shown,
        "STATE was written by a newer vss-sim (version 2); this one reads version 1"
    );
}

#[test]
fn a_file_with_the_wrong_fields_is_refused_with_the_position() {
    let mut content = good_content("fields");
    content.insert("comment".into(), Value::String("hand-written".into()));
    let (e, shown) = refused("fields", &with_digest(content));
    assert!(matches!(e, StateError::Malformed { .. }), "{e:?}");
    assert_eq!(
        shown,
        "STATE:2:11: unknown field `comment`, expected one of `format`, `version`, `world`, `runs`, `digest`"
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
fn a_run_that_does_not_replay_as_recorded_is_refused() {
    let dir = folder("replay");
    let path = dir.join("state.json");
    saved(&path, &[ONE_WRITE, ONE_WRITE, TWO_COPIES]);
    let mut content: Map<String, Value> =
        serde_json::from_str(&fs::read_to_string(&path).expect("read")).expect("JSON");
    // Run 3 now claims that its commit failed.
    let steps = content["runs"][2]["steps"].as_array_mut().expect("steps");
    let commit = steps
        .iter_mut()
        .find(|s| s["call"] == "DoSnapshotSet")
        .expect("a commit");
    commit["expect"] = Value::String("VSS_E_BAD_STATE".into());
    let text = with_digest(content);
    fs::write(&path, &text).expect("written");
    let state = StateFile::load(&path).expect("the file itself is sound");
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
fn a_run_with_a_step_that_cannot_be_read_is_refused_on_load() {
    let dir = folder("bad-step");
    let path = dir.join("state.json");
    saved(&path, &[ONE_WRITE, TWO_COPIES]);
    let mut content: Map<String, Value> =
        serde_json::from_str(&fs::read_to_string(&path).expect("read")).expect("JSON");
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
    let sim = state.simulator().expect("replays");
    let report = state.run_scenario(&sim, &scenario(TWO_COPIES), "run2", false);
    assert_eq!(report.outcome, RunEnd::Passed, "{}", report.output);
    // The disk fills up half way through the new text.
    let e = state
        .save_with(&path, |file, text| {
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
    assert_eq!(names, ["state.json"], "the temporary file is left behind");
    assert_eq!(StateFile::load(&path).expect("loads").runs().len(), 1);
    // A process killed while saving leaves its temporary file; the next save is unharmed.
    let leftover = dir.join(format!(".state.json.{}.tmp", std::process::id()));
    fs::write(&leftover, "{\"format\": \"vss-sim-st").expect("written");
    state.save(&path).expect("saved");
    assert!(!leftover.exists());
    assert_eq!(StateFile::load(&path).expect("loads"), state);
}

#[test]
fn a_save_into_a_missing_folder_fails_and_writes_nothing() {
    let dir = folder("missing-folder");
    let path = dir.join("not-there").join("state.json");
    let state = StateFile::load_or_new(&path, None).expect("new");
    let e = state.save(&path).expect_err("refused");
    assert!(matches!(e, StateError::Save { .. }), "{e:?}");
    assert!(!path.exists());
}

#[test]
fn a_second_run_on_a_state_file_in_use_is_refused_until_the_first_lets_go() {
    let dir = folder("lock");
    let path = dir.join("s.json");
    let held = StateLock::take(&path).expect("the first run holds it");
    let second = StateLock::take(&path).expect_err("a second run is refused");
    assert_eq!(
        second.to_string(),
        format!(
            "the state file {} is in use by another run (which holds {}.lock)",
            path.display(),
            path.display()
        )
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

#[test]
fn a_run_kept_as_it_goes_is_saved_again_after_a_failed_save_and_dropped_when_not_whole() {
    let dir = folder("kept");
    let path = dir.join("state.json");
    let mut state = StateFile::load_or_new(&path, None).expect("new");
    let recorder = Recorder::new(state.simulator().expect("replays"));
    let mut kept = KeptRun::new(&state, "session");
    let saved_steps = || {
        StateFile::load(&path).map(|s| s.runs().iter().map(|r| r.steps.len()).collect::<Vec<_>>())
    };
    let mut r = recorder.create_backup_components("HOSTA").expect("created");
    r.initialize_for_backup(None).expect("initialized");
    kept.keep(&mut state, &recorder).expect("kept");
    assert_eq!(saved_steps().expect("saved"), [1]);
    // A save that fails (a folder where its temporary file goes) is tried again.
    let temporary = dir.join(format!(".state.json.{}.tmp", std::process::id()));
    fs::create_dir(&temporary).unwrap();
    r.set_context(Context::VSS_CTX_BACKUP).expect("set");
    let e = kept
        .keep(&mut state, &recorder)
        .expect_err("the save fails");
    assert!(matches!(e, StateError::Save { .. }), "{e:?}");
    assert_eq!(saved_steps().expect("the earlier save"), [1]);
    fs::remove_dir(&temporary).unwrap();
    kept.keep(&mut state, &recorder).expect("saved again");
    assert_eq!(saved_steps().expect("saved"), [2]);
    // A step the recording cannot hold: the run is taken out of the file.
    let _ = r.is_volume_supported(VssId::NULL, "$C");
    let e = kept.keep(&mut state, &recorder).expect_err("not whole");
    assert!(matches!(e, StateError::Incomplete { .. }), "{e:?}");
    assert_eq!(saved_steps().expect("saved"), Vec::<usize>::new());
    drop(r);
}
