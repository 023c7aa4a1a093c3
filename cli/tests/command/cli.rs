//! The `vss-sim` command: exit codes and messages as the README promises.

use crate::common::{root, vss_sim_in};

fn vss_sim(args: &[&str]) -> (i32, String, String) {
    vss_sim_in(&root(), args)
}

#[test]
fn an_example_passes_with_0() {
    let (code, out, _) = vss_sim(&["run", "examples/backup-with-writers.yaml"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("DoSnapshotSet"));
    assert!(out.contains("S_OK (0x00000000)"));
    assert!(out.contains("every expectation held"));
}

#[test]
fn a_failed_expectation_exits_with_1() {
    let dir = std::env::temp_dir().join(format!("vss-sim-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("wrong.yaml");
    std::fs::write(
        &file,
        "steps:\n  - { call: StartSnapshotSet, expect: S_OK }\n",
    )
    .unwrap();
    let (code, out, _) = vss_sim(&["run", file.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("VSS_E_BAD_STATE (0x80042301)  [EXPECTED S_OK (0x00000000)]"),
        "{out}"
    );
    assert!(out.contains("1 expectation failed"));
}

#[test]
fn bad_input_exits_with_2_and_names_the_step() {
    let (code, _, err) = vss_sim(&["run", "tests/bad-input/unknown-method.yaml"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("unknown-method.yaml:3:5: step 2: `DoSnapshot` is not a requester method"),
        "{err}"
    );
    let (code, _, err) = vss_sim(&["run", "no/such/file.yaml"]);
    assert_eq!(code, 2);
    assert!(err.contains("no/such/file.yaml"), "{err}");
}

#[test]
fn explain_codes_and_methods() {
    let (code, out, _) = vss_sim(&["explain", "0x80042308"]);
    assert_eq!(code, 0);
    assert!(
        out.starts_with("VSS_E_OBJECT_NOT_FOUND = 0x80042308"),
        "{out}"
    );
    let (code, out, _) = vss_sim(&["explain", "vss_e_provider_veto"]);
    assert_eq!(code, 0);
    assert!(out.contains("0x80042306"));
    let (code, out, _) = vss_sim(&["explain", "BreakSnapshotSetEx"]);
    assert_eq!(code, 0);
    assert!(out.contains("IVssBackupComponentsEx2::BreakSnapshotSetEx"));
    assert!(out.contains("VSS_E_BREAK_REVERT_ID_FAILED"));
    let (code, _, err) = vss_sim(&["explain", "NoSuchThing"]);
    assert_eq!(code, 2);
    assert!(err.contains("NoSuchThing"));
}

#[test]
fn explain_reads_a_code_as_diskshadow_and_the_event_log_write_it() {
    // DiskShadow prints `80042306` (hexadecimal without 0x); a program may print the signed
    // decimal value. Both are VSS_E_PROVIDER_VETO.
    for written in [
        "80042306",
        "0x80042306",
        "-2147212538",
        "VSS_E_PROVIDER_VETO",
    ] {
        let (code, out, err) = vss_sim(&["explain", written]);
        assert_eq!(code, 0, "{written}: {err}");
        assert!(
            out.starts_with("VSS_E_PROVIDER_VETO = 0x80042306"),
            "{written}: {out}"
        );
    }
    // A value that is no code vss-sim knows is bad input, not an answer.
    let (code, out, err) = vss_sim(&["explain", "0x04C55942"]);
    assert_eq!(code, 2, "{out}");
    assert!(err.contains("0x04C55942"), "{err}");
    let (code, out, _) = vss_sim(&["explain", "--help"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("Exit codes: 0 when it was explained; 2"),
        "{out}"
    );
}

#[test]
fn explore_exits_with_1_when_a_property_is_not_found_and_2_on_bad_arguments() {
    let (code, out, _) = vss_sim(&["explore", "--world", "two-luns", "--depth", "6"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("NOT FOUND"), "{out}");
    assert!(out.contains("always"), "{out}");
    let (code, _, err) = vss_sim(&["explore", "--depth", "0"]);
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = vss_sim(&["explore", "--world", "nope"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("nope"), "{err}");
    for bad in ["0", "many", "1.5"] {
        let (code, _, err) = vss_sim(&["explore", "--max-states", bad]);
        assert_eq!(code, 2, "{bad}: {err}");
        assert!(err.contains("--max-states"), "{bad}: {err}");
    }
}

/// A run that reaches its bound of states stops, says so on both outputs, and exits 3.
#[test]
fn explore_exits_with_3_when_it_reaches_its_bound_of_states() {
    let (code, out, err) = vss_sim(&["explore", "--world", "two-luns", "--max-states", "5000"]);
    assert_eq!(code, 3, "{out}{err}");
    assert!(out.ends_with("CUT SHORT\n"), "{out}");
    assert!(!out.contains("passed"), "{out}");
    assert!(
        err.contains("stopped at its bound of 5000 states (--max-states)"),
        "{err}"
    );
    assert!(err.contains("raise the bound with --max-states N"), "{err}");
}

/// Every scenario file of `examples/`.
fn example_files() -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(root().join("examples"))
        .expect("examples/")
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "json"))
        .collect();
    files.sort();
    files
}

/// A reader that stops reading (`vss-sim … | head -1`) is no error of the command: it runs
/// to its end, exits as it would have, and does not panic.
#[test]
fn output_to_a_reader_that_went_away_is_dropped() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    // More than a pipe holds (64 KiB), so that the command writes after the reader left.
    let mut traced = vec!["run".to_string(), "--trace".to_string()];
    traced.extend(example_files().iter().map(|p| p.display().to_string()));
    for args in &[traced, vec!["explain".into(), "VSS_E_BAD_STATE".into()]] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_vss-sim"))
            .args(args)
            .current_dir(root())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary runs");
        let mut first = String::new();
        BufReader::new(child.stdout.take().expect("its output"))
            .read_line(&mut first)
            .expect("a line");
        // The reading end is dropped here: every later write finds the pipe closed.
        let out = child.wait_with_output().expect("it ends");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
    }
}
