//! `vss-sim diagram`: what it prints, its exit codes, and its messages on bad input.

use std::path::PathBuf;

use vss_sim_cli::diagram::{self, Format};

use crate::common::{root, vss_sim_in};

fn vss_sim(args: &[&str]) -> (i32, String, String) {
    vss_sim_in(&root(), args)
}

/// A scratch folder of this test process.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("vss-sim-diagram-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn lifecycle_prints_each_format_and_mermaid_by_default() {
    for (args, format) in [
        (&["diagram", "lifecycle"][..], Format::Mermaid),
        (
            &["diagram", "lifecycle", "--format", "mermaid"],
            Format::Mermaid,
        ),
        (&["diagram", "lifecycle", "--format", "dot"], Format::Dot),
        (&["diagram", "lifecycle", "--format", "svg"], Format::Svg),
    ] {
        let (code, out, err) = vss_sim(args);
        assert_eq!(code, 0, "{args:?}: {err}");
        assert_eq!(out, diagram::lifecycle(format), "{args:?}");
    }
}

#[test]
fn a_run_prints_the_timeline_of_the_scenario() {
    let example = "examples/transport-and-break.yaml";
    for format in Format::ALL {
        let (code, out, err) = vss_sim(&["diagram", "run", example, "--format", format.name()]);
        assert_eq!(code, 0, "{err}");
        let (timeline, _) = diagram::timeline_of_file(&root().join(example)).unwrap();
        // The library names the file as it was given; the binary was given it relative.
        let mut expected = timeline.clone();
        expected.title = example.to_string();
        assert_eq!(out, expected.render(format));
    }
    let (_, out, _) = vss_sim(&["diagram", "run", example]);
    assert!(out.starts_with("sequenceDiagram\n"));
    assert!(out.contains("Note over SAN: new LUN-E.5: LUN of transported shadow copy"));
}

#[test]
fn an_unknown_format_is_bad_input() {
    for args in [
        &["diagram", "lifecycle", "--format", "png"][..],
        &[
            "diagram",
            "run",
            "examples/transport-and-break.yaml",
            "--format",
            "PNG",
        ],
    ] {
        let (code, out, err) = vss_sim(args);
        assert_eq!(code, 2, "{args:?}");
        assert!(out.is_empty());
        assert!(
            err.contains("no diagram format is named")
                && err.contains("the formats are mermaid, dot, svg"),
            "{err}"
        );
    }
}

#[test]
fn a_missing_file_is_bad_input_named() {
    let (code, out, err) = vss_sim(&["diagram", "run", "examples/no-such-scenario.yaml"]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(
        err.starts_with("error: examples/no-such-scenario.yaml: cannot read it: "),
        "{err}"
    );
}

#[test]
fn a_malformed_scenario_is_bad_input_named_with_its_place() {
    let file = scratch("malformed.yaml");
    std::fs::write(&file, "steps:\n  - { call: InitializeForBackup\n").unwrap();
    let shown = file.display().to_string();
    let (code, out, err) = vss_sim(&["diagram", "run", &shown]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert_eq!(err, format!("error: {shown}:2:5: unclosed bracket '{{'\n"));

    let (code, out, err) = vss_sim(&["diagram", "run", "tests/bad-input/unknown-method.yaml"]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(
        err.contains("unknown-method.yaml:3:5: step 2: `DoSnapshot` is not a requester method"),
        "{err}"
    );
}

#[test]
fn a_failed_expectation_still_draws_and_exits_with_1() {
    let file = scratch("wrong.json");
    std::fs::write(
        &file,
        r#"{"steps": [{"call": "StartSnapshotSet", "expect": "S_OK"}]}"#,
    )
    .unwrap();
    let shown = file.display().to_string();
    let (code, out, err) = vss_sim(&["diagram", "run", &shown, "--format", "dot"]);
    assert_eq!(code, 1);
    assert!(
        out.contains(r#"step1 [label="HOSTA: 1 r1 StartSnapshotSet -> VSS_E_BAD_STATE\l"];"#),
        "{out}"
    );
    assert_eq!(
        err,
        format!("{shown}: 1 expectation did not hold; the diagram shows the run as it went\n")
    );
}

#[test]
fn a_world_file_is_found_beside_its_scenario() {
    // The corpus names world files relative to the scenario's folder; so does the diagram.
    let corpus = root().join("tests/scenarios");
    let named = std::fs::read_dir(&corpus)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .find(|p| {
            std::fs::read_to_string(p)
                .unwrap()
                .lines()
                .any(|l| l.starts_with("world: worlds/"))
        })
        .expect("a corpus scenario with a world file");
    let relative = named.strip_prefix(root()).unwrap();
    let (code, out, err) = vss_sim(&["diagram", "run", relative.to_str().unwrap()]);
    assert_eq!(code, 0, "{}: {err}", relative.display());
    assert!(out.starts_with("sequenceDiagram\n"));
}

#[test]
fn a_diskshadow_script_is_drawn_command_by_command() {
    // The script runs as DiskShadow runs it, writing its metadata .cab in the working folder.
    let work = scratch("drawn");
    std::fs::create_dir_all(&work).unwrap();
    let script = root().join("examples/diskshadow/break-writable.dsh");
    let (code, out, err) = vss_sim_in(
        &work,
        &[
            "diagram".as_ref(),
            "diskshadow".as_ref(),
            script.as_os_str(),
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(work.join("2026-01-01_00-00-01_HOSTA.cab").exists());
    assert!(out.starts_with("sequenceDiagram"), "{out}");
    for line in [
        "M0->>M0: create",
        "new LUN-F.5: LUN of shadow copy",
        "M0->>M0: break writable %VSS_SHADOW_SET%",
        "LUN-F.5: broken off: an ordinary disk, read-write, no longer hidden",
        "(DiskShadow exits: its requester objects are released)",
    ] {
        assert!(out.contains(line), "{line}\n{out}");
    }
    let failing = work.join("failing.dsh");
    std::fs::write(
        &failing,
        "set context persistent\nadd volume C:\ncreate\nbreak %VSS_SHADOW_SET%\n",
    )
    .unwrap();
    let (code, out, err) = vss_sim_in(
        &work,
        &["diagram", "diskshadow", "failing.dsh", "--format", "dot"],
    );
    assert_eq!(code, 1, "{err}");
    assert!(out.starts_with("digraph"), "{out}");
    assert!(
        out.contains("break %VSS_SHADOW_SET% -> VSS_E_PROVIDER_VETO"),
        "{out}"
    );
    assert!(err.contains("the script stopped at line 4"), "{err}");
    // The script named as `vss-sim diskshadow` takes it draws the same run.
    let (code, switched, _) = vss_sim_in(
        &work,
        &[
            "diagram",
            "diskshadow",
            "/S",
            "failing.dsh",
            "--format",
            "dot",
        ],
    );
    assert_eq!((code, switched), (1, out));
    std::fs::write(work.join("typo.dsh"), "set context transportable\n").unwrap();
    let (code, out, err) = vss_sim_in(
        &work,
        &["diagram", "diskshadow", "typo.dsh", "--format", "dot"],
    );
    assert_eq!(code, 2);
    assert!(
        out.contains("set context transportable -> syntax error"),
        "{out}"
    );
    assert_eq!(
        err,
        "error: typo.dsh:1:13: the script stopped at a syntax error: `transportable` is not a context: it is an option (set option transportable); the diagram shows the run up to it\n"
    );
    let utf16: Vec<u8> = "add volume C:\n"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    std::fs::write(work.join("utf16.dsh"), utf16).unwrap();
    let (code, out, err) = vss_sim_in(&work, &["diagram", "diskshadow", "utf16.dsh"]);
    assert_eq!(code, 2);
    assert!(out.is_empty(), "{out}");
    assert_eq!(
        err,
        "error: utf16.dsh:1:2: the line holds a NUL character: UTF-16 without a byte-order mark? (save the script as UTF-8, or as UTF-16 with its byte-order mark)\n"
    );
    let (code, _, err) = vss_sim(&["diagram", "diskshadow", "no-such.dsh"]);
    assert_eq!(code, 2);
    assert!(
        err.starts_with("error: no-such.dsh: cannot read it: "),
        "{err}"
    );
}
