//! `vss-sim run --state FILE`: separate processes share one world through the state file;
//! a run that ran is kept, bad input is not; a state file or world that cannot be used is
//! refused with exit code 2 and the file left as it was.

use std::path::{Path, PathBuf};

use crate::common::{root, vss_sim_in};

/// Runs the binary from the repository root.
fn vss_sim(args: &[&Path]) -> (i32, String, String) {
    vss_sim_in(&root(), args)
}

/// `vss-sim run --state STATE FILES...`.
fn run_in(state: &Path, files: &[&Path]) -> (i32, String, String) {
    let mut args: Vec<&Path> = vec![Path::new("run"), Path::new("--state"), state];
    args.extend(files);
    vss_sim(&args)
}

/// A fresh folder for one test's files.
fn folder(test: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("state-cli")
        .join(test);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a folder");
    dir
}

/// Writes a file of the test and gives its path.
fn file(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("written");
    path
}

/// The first run, on HOSTA: a persistent shadow copy of `C:\` (block 1 reads `monday` in
/// it and `tuesday` after), an auto-release one whose object the end of the run releases,
/// and `F:\` written and its LUN masked from HOSTA, for another machine to take.
const HOSTA_RUN: &str = r#"
steps:
  - { env: write, volume: 'C:\', block: 1, data: monday }
  - { as: keep, call: InitializeForBackup, expect: S_OK }
  - { as: keep, call: SetContext, context: VSS_CTX_APP_ROLLBACK, expect: S_OK }
  - { as: keep, call: GatherWriterMetadata, expect: S_OK }
  - { as: keep, call: StartSnapshotSet, expect: S_OK }
  - { as: keep, call: AddToSnapshotSet, volume: 'C:\', expect: S_OK }
  - { as: keep, call: SetBackupState, expect: S_OK }
  - { as: keep, call: PrepareForBackup, expect: S_OK }
  - { as: keep, call: DoSnapshotSet, expect: S_OK }
  - { env: release, as: keep }
  - { as: backup, call: InitializeForBackup, expect: S_OK }
  - { as: backup, call: GatherWriterMetadata, expect: S_OK }
  - { as: backup, call: StartSnapshotSet, expect: S_OK }
  - { as: backup, call: AddToSnapshotSet, volume: 'C:\', expect: S_OK }
  - { as: backup, call: SetBackupState, expect: S_OK }
  - { as: backup, call: PrepareForBackup, expect: S_OK }
  - { as: backup, call: DoSnapshotSet, expect: S_OK }
  - { env: write, volume: 'C:\', block: 1, data: tuesday }
  - { env: write, volume: 'F:\', block: 0, data: orders }
  - { env: mask, lun: LUN-F }
"#;

/// The ids the `AddToSnapshotSet` lines of a run's output show, in order.
fn added(output: &str) -> Vec<String> {
    output
        .lines()
        .filter(|line| line.contains("AddToSnapshotSet"))
        .filter_map(|line| {
            let start = line.find('{')?;
            let end = line[start..].find('}')?;
            Some(line[start..=start + end].to_string())
        })
        .collect()
}

/// The second run: HOSTB takes the LUN HOSTA wrote and masked; HOSTA still has the
/// persistent copy `keep`, with its point in time, and no longer the auto-release `gone`.
fn later_run(keep: &str, gone: &str) -> String {
    format!(
        r#"
steps:
  - {{ on: HOSTB, env: unmask, lun: LUN-F }}
  - {{ on: HOSTB, env: read, device: '\\?\GLOBALROOT\Device\HarddiskVolume2', block: 0, expect: orders }}
  - {{ call: InitializeForBackup, expect: S_OK }}
  - {{ call: SetContext, context: VSS_CTX_ALL, expect: S_OK }}
  - {{ call: Query, expect: S_OK, expect_count: 1 }}
  - call: GetSnapshotProperties
    snapshot: '{keep}'
    bind: props
    expect: S_OK
    expect_props: {{ attributes_include: [VSS_VOLSNAP_ATTR_PERSISTENT] }}
  - {{ env: read, device: $props.snapshot_device_object, block: 1, expect: monday }}
  - {{ env: read, volume: 'C:\', block: 1, expect: tuesday }}
  - {{ call: GetSnapshotProperties, snapshot: '{gone}', expect: VSS_E_OBJECT_NOT_FOUND }}
"#
    )
}

/// The runs a state file keeps, by label: the lines of its audit log after the first.
fn labels(state: &Path) -> Vec<String> {
    let mut log = state.as_os_str().to_owned();
    log.push(".log");
    let text = std::fs::read_to_string(PathBuf::from(log)).expect("the audit log");
    text.lines()
        .skip(1)
        .map(|line| {
            let run: serde_json::Value = serde_json::from_str(line).expect("JSON");
            run["label"].as_str().expect("a label").to_string()
        })
        .collect()
}

#[test]
fn a_later_process_sees_what_an_earlier_one_left() {
    let dir = folder("two-processes");
    let state = dir.join("san.state.json");
    let first = file(&dir, "hosta.yaml", HOSTA_RUN);
    let (code, out, err) = run_in(&state, &[&first]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("every expectation held"), "{out}");
    let ids = added(&out);
    assert_eq!(ids.len(), 2, "{out}");
    let second = file(&dir, "hostb.yaml", &later_run(&ids[0], &ids[1]));
    let (code, out, err) = run_in(&state, &[&second]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("every expectation held"), "{out}");
    assert_eq!(
        labels(&state),
        [first.display().to_string(), second.display().to_string()]
    );
    // Without the state, the second run finds none of it.
    let (code, out, _) = vss_sim(&[Path::new("run"), &second]);
    assert_eq!(code, 1, "{out}");
}

#[test]
fn runs_of_one_process_follow_one_another_and_bad_input_is_not_kept() {
    let dir = folder("one-process");
    let state = dir.join("state.json");
    let first = file(&dir, "hosta.yaml", HOSTA_RUN);
    // It writes over `C:\`, then stops on a step only the run finds to be bad input (Q:
    // does not exist): neither the write nor anything else of it is kept, and the next
    // scenario does not see it.
    let bad = file(
        &dir,
        "bad.yaml",
        "steps:\n  - { env: write, volume: 'C:\\', block: 1, data: lost }\n  - { env: write, volume: 'Q:\\', block: 1, data: nowhere }\n",
    );
    let (code, out, _) = run_in(&state, &[&first]);
    assert_eq!(code, 0, "{out}");
    let ids = added(&out);
    let second = file(&dir, "hostb.yaml", &later_run(&ids[0], &ids[1]));
    std::fs::remove_file(&state).expect("removed");
    let (code, out, err) = run_in(&state, &[&first, &bad, &second]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("bad.yaml:3:5: step 2: "), "{err}");
    // The third file passed: it ran in the world the first left.
    assert_eq!(out.matches("every expectation held").count(), 2, "{out}");
    assert_eq!(
        labels(&state),
        [first.display().to_string(), second.display().to_string()]
    );
}

#[test]
fn a_run_with_failed_expectations_is_saved_and_exits_with_1() {
    let dir = folder("failed");
    let state = dir.join("state.json");
    let failed = file(
        &dir,
        "failed.yaml",
        "steps:\n  - { call: StartSnapshotSet, expect: S_OK }\n",
    );
    let (code, out, _) = run_in(&state, &[&failed]);
    assert_eq!(code, 1, "{out}");
    assert_eq!(labels(&state), [failed.display().to_string()]);
}

#[test]
fn bad_input_leaves_the_state_file_as_it_was() {
    let dir = folder("bad-input");
    let state = dir.join("state.json");
    let first = file(&dir, "hosta.yaml", HOSTA_RUN);
    let (code, _, _) = run_in(&state, &[&first]);
    assert_eq!(code, 0);
    let before = std::fs::read(&state).expect("read");
    let missing = dir.join("missing.yaml");
    let world = root().join("tests/scenarios/worlds/small.yaml");
    let own_world = file(
        &dir,
        "own-world.yaml",
        &format!("world: '{}'\nsteps: []\n", world.display()),
    );
    for (bad, message) in [
        (
            root().join("tests/bad-input/unknown-method.yaml"),
            "step 2: `DoSnapshot` is not a requester method",
        ),
        (missing, "missing.yaml: cannot read it"),
        (own_world, "the scenario names a world of its own"),
    ] {
        let (code, out, err) = run_in(&state, &[&bad]);
        assert_eq!(code, 2, "{}: {out}{err}", bad.display());
        assert!(err.starts_with("error: ") && err.contains(message), "{err}");
        assert_eq!(std::fs::read(&state).expect("read"), before);
    }
}

#[test]
fn a_scenario_with_a_world_of_its_own_is_refused() {
    let dir = folder("own-world");
    let state = dir.join("state.json");
    let own = file(
        &dir,
        "own.yaml",
        "world: { machines: [ { name: SOLO, volumes: [ { mount: 'C:\\' } ] } ] }\nsteps: []\n",
    );
    let (code, out, err) = run_in(&state, &[&own]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains(
            "own.yaml: the scenario names a world of its own, but it runs in the world of the state"
        ),
        "{err}"
    );
    assert!(!state.exists(), "nothing ran, so nothing was saved");
}

#[test]
fn a_state_file_that_cannot_be_used_is_refused_and_left_as_it_was() {
    let dir = folder("refused");
    let scenario = file(&dir, "run.yaml", "steps: []\n");
    let cases = [
        (
            "corrupt.json",
            "{\"format\": \"vss-sim-state\",, }",
            "corrupt.json:1:28: the state file is not valid JSON",
        ),
        (
            "truncated.json",
            "{\"format\": \"vss-sim-state\", \"vers",
            "truncated.json:1:33: the state file ends too early",
        ),
        (
            "newer.json",
            "{\"format\": \"vss-sim-state\", \"version\": 3}",
            "newer.json was written by a newer vss-sim (version 3); this one reads version 2",
        ),
        (
            "other.json",
            "{\"format\": \"diskshadow\"}",
            "other.json is not a vss-sim state file",
        ),
    ];
    for (name, text, message) in cases {
        let state = file(&dir, name, text);
        let (code, out, err) = run_in(&state, &[&scenario]);
        assert_eq!(code, 2, "{name}: {out}{err}");
        assert!(err.contains(message), "{name}: {err}");
        assert_eq!(std::fs::read_to_string(&state).expect("read"), text);
        assert!(out.is_empty(), "{name}: no scenario runs: {out}");
    }
}

#[test]
fn a_new_state_starts_from_the_world_given_and_an_existing_one_keeps_its_own() {
    let dir = folder("world");
    let state = dir.join("state.json");
    let world = root().join("tests/scenarios/worlds/small.yaml");
    let scenario = file(
        &dir,
        "run.yaml",
        "steps:\n  - { call: InitializeForBackup, expect: S_OK }\n",
    );
    let args = [
        Path::new("run"),
        Path::new("--state"),
        &state,
        Path::new("--world"),
        &world,
        &scenario,
    ];
    let (code, out, err) = vss_sim(&args);
    assert_eq!(code, 0, "{out}{err}");
    let text = std::fs::read_to_string(&state).expect("saved");
    let kept: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let world_file = vss_sim::world_file::parse(
        &std::fs::read_to_string(&world).expect("read"),
        "small.yaml",
    )
    .expect("parses");
    assert_eq!(
        kept["world"],
        serde_json::to_value(&world_file).expect("JSON")
    );
    // Given again for the state that now exists, it is refused.
    let (code, _, err) = vss_sim(&args);
    assert_eq!(code, 2);
    assert!(
        err.contains("exists and its own world is used: a world cannot be given for it"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&state).expect("read"), text);
    // A world file that does not build is named.
    let broken = file(&dir, "broken.yaml", "machines: []\n");
    let fresh = dir.join("fresh.json");
    let (code, _, err) = vss_sim(&[
        Path::new("run"),
        Path::new("--state"),
        &fresh,
        Path::new("--world"),
        &broken,
        &scenario,
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("broken.yaml: the world: "), "{err}");
    assert!(!fresh.exists());
    // And `--world` means nothing without a state.
    let (code, _, err) = vss_sim(&[Path::new("run"), Path::new("--world"), &world, &scenario]);
    assert_eq!(code, 2);
    assert!(err.contains("--state"), "{err}");
}

/// `vss-sim state ACTION STATE`.
fn state_cmd(action: &str, state: &Path) -> (i32, String, String) {
    vss_sim(&[Path::new("state"), Path::new(action), state])
}

#[test]
fn the_state_subcommands_show_verify_compact_and_reset_a_state_file() {
    let dir = folder("subcommands");
    let state = dir.join("s.json");
    let first = file(&dir, "hosta.yaml", HOSTA_RUN);
    let (code, out, err) = run_in(&state, &[&first]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, shown, err) = state_cmd("show", &state);
    assert_eq!(code, 0, "{err}");
    assert!(
        shown.contains("runs kept: 1\nmachine HOSTA\n  shadow copy {"),
        "{shown}"
    );
    assert!(shown.contains("LUN LUN-F: "), "{shown}");
    // The same state shows the same text.
    assert_eq!(state_cmd("show", &state).1, shown);
    let (code, out, err) = state_cmd("verify", &state);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("the checkpoint is the world the 1 runs of the audit log give"),
        "{out}"
    );
    // A checkpoint the log does not give: exit 3, naming where they differ.
    let text = std::fs::read_to_string(&state).expect("read");
    let mut content: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&text).expect("JSON");
    content.remove("digest");
    content["checkpoint"]["next_object"] = serde_json::Value::from(99);
    let digest = format!(
        "fnv1a64:{:016x}",
        vss_model::digest::fnv1a64(
            serde_json::Value::Object(content.clone())
                .to_string()
                .as_bytes()
        )
    );
    content.insert("digest".into(), serde_json::Value::String(digest));
    std::fs::write(&state, serde_json::to_string_pretty(&content).unwrap()).unwrap();
    let (code, _, err) = state_cmd("verify", &state);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("they first differ at `next_object`"), "{err}");
    std::fs::write(&state, &text).unwrap();
    // A log changed after it was written: bad input, exit 2.
    let log = dir.join("s.json.log");
    let logged = std::fs::read_to_string(&log).expect("the log");
    std::fs::write(&log, logged.replacen("monday", "sunday", 1)).unwrap();
    let (code, _, err) = state_cmd("verify", &state);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("s.json.log does not match its digest"),
        "{err}"
    );
    // Compacting drops the log and keeps the world.
    let (code, out, err) = state_cmd("compact", &state);
    assert_eq!(code, 0, "{out}{err}");
    assert!(!log.exists());
    let (_, after, _) = state_cmd("show", &state);
    assert_eq!(after, shown.replace("runs kept: 1", "runs kept: 0"));
    assert_eq!(state_cmd("verify", &state).0, 0);
    // Resetting starts afresh from the world file.
    let (code, out, err) = state_cmd("reset", &state);
    assert_eq!(code, 0, "{out}{err}");
    let (_, fresh, _) = state_cmd("show", &state);
    assert!(
        fresh.contains("machine HOSTA\n  no shadow copies"),
        "{fresh}"
    );
    // A file that is not a state file is bad input, and left as it was.
    let bad = file(&dir, "bad.json", "{}");
    let (code, _, err) = state_cmd("show", &bad);
    assert_eq!(code, 2, "{err}");
    assert_eq!(std::fs::read_to_string(&bad).unwrap(), "{}");
}

#[test]
fn a_state_file_of_the_previous_version_is_run_in_and_written_anew() {
    let dir = folder("version-1");
    let state = dir.join("old.json");
    std::fs::copy(root().join("sim/tests/fixtures/state-v1.json"), &state).expect("copied");
    let write = file(
        &dir,
        "write.yaml",
        "steps:\n  - { env: write, volume: 'E:\\', block: 0, data: later }\n",
    );
    let (code, out, err) = run_in(&state, &[&write]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        labels(&state),
        [
            "one-write.json",
            "one-write.json",
            "two-copies.json",
            &write.display().to_string()
        ]
    );
    let (code, out, err) = state_cmd("verify", &state);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("the 4 runs"), "{out}");
}

#[test]
fn a_run_waits_for_the_state_file_when_told_to_and_is_told_who_holds_it() {
    let dir = folder("wait");
    let state = dir.join("s.json");
    let first = file(&dir, "hosta.yaml", HOSTA_RUN);
    let held = vss_sim::state::StateLock::take(&state).expect("held");
    let (code, _, err) = run_in(&state, &[&first]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(&format!(
            "(which holds {}.lock): process {} (`",
            state.display(),
            std::process::id()
        )),
        "{err}"
    );
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_vss-sim"))
        .args(["run", "--wait", "120", "--state"])
        .arg(&state)
        .arg(&first)
        .current_dir(root())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("runs");
    std::thread::sleep(std::time::Duration::from_millis(300));
    drop(held);
    let out = child.wait_with_output().expect("it ends");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(labels(&state).len(), 1);
    let (code, _, err) = vss_sim(&[
        Path::new("run"),
        Path::new("--wait"),
        Path::new("-1"),
        Path::new("--state"),
        &state,
        &first,
    ]);
    assert_eq!(code, 2, "{err}");
}

#[cfg(unix)]
#[test]
fn a_state_file_behind_a_link_stays_one_file() {
    let dir = folder("link");
    std::fs::create_dir(dir.join("real")).unwrap();
    let link = dir.join("s.json");
    std::os::unix::fs::symlink("real/s.json", &link).unwrap();
    let first = file(&dir, "hosta.yaml", HOSTA_RUN);
    let (code, out, err) = run_in(&link, &[&first]);
    assert_eq!(code, 0, "{out}{err}");
    let second = file(
        &dir,
        "write.yaml",
        "steps:\n  - { env: write, volume: 'E:\\', block: 0, data: x }\n",
    );
    let (code, out, err) = run_in(&link, &[&second]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(labels(&dir.join("real").join("s.json")).len(), 2);
}
