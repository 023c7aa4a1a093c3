//! Malformed scenarios are refused with a message that names the file, the step (or the line
//! and column of a syntax error) and what is wrong; never with a panic.

use vss_conformance::{repo_root, scenario_files};
use vss_sim::runner::{InputError, RunEnd, run_file};

/// (file, what the message must contain).
const CASES: &[(&str, &[&str])] = &[
    (
        "unknown-lun.yaml",
        &["step 1", "the array has no LUN `LUN-Z`"],
    ),
    (
        "bad-lun-expectation.yaml",
        &["step 1", "identity `reverted` is not `original`, `new`"],
    ),
    (
        "lun-check-unknown-key.yaml",
        &["step 1", "unknown field `read_olny`"],
    ),
    (
        "unknown-clone-kind.yaml",
        &["unknown variant `mirror`, expected `differential` or `plex`"],
    ),
    (
        "volume-on-unknown-lun.yaml",
        &["volume `D:\\`", "the array has no LUN `LUN-X`"],
    ),
    (
        "hardware-without-san.yaml",
        &["machine `M1`", "a `hardware` provider needs a `san`"],
    ),
    (
        "yaml-syntax.yaml",
        &["yaml-syntax.yaml:2:5: unclosed bracket"],
    ),
    ("json-syntax.json", &["json-syntax.json:3:"]),
    (
        "unknown-argument.yaml",
        &[
            "step 3",
            "unknown-argument.yaml:4:31: step 3: unknown key `volum` (AddToSnapshotSet takes `volume` or `provider`;",
        ],
    ),
    (
        "unknown-method.yaml",
        &["step 2", "`DoSnapshot` is not a requester method"],
    ),
    ("unbound-name.yaml", &["step 2", "`$nope` is not bound"]),
    (
        "bad-guid.yaml",
        &[
            "step 2",
            "GetSnapshotProperties: `{not-a-guid}` is not a GUID",
        ],
    ),
    ("bad-hresult.yaml", &["step 1", "VSS_E_NO_SUCH_CODE"]),
    (
        "unknown-machine.yaml",
        &["step 1", "no machine named `HOSTZ`"],
    ),
    (
        "not-an-object.yaml",
        &["not-an-object.yaml", "an object with `world` and `steps`"],
    ),
    (
        "bad-world.yaml",
        &["bad-world.yaml", "machine `hosta` appears twice"],
    ),
    (
        "missing-world.yaml",
        &["cannot read the world file", "no-such-world.yaml"],
    ),
    (
        "block-out-of-range.yaml",
        &["step 1", "block 64 is past the end", "64 blocks"],
    ),
    (
        "bad-flag-name.yaml",
        &[
            "step 2",
            "`VSS_VOLSNAP_ATTR_TELEPORTABLE` is not a context name",
        ],
    ),
    (
        "release-unknown-object.yaml",
        &["step 2", "no requester object `r9`"],
    ),
    (
        "fail-service-undocumented.yaml",
        &["step 1", "SetContext does not document E_OUTOFMEMORY"],
    ),
    ("size-unit.yaml", &["size-unit.yaml", "`parsecs`"]),
    (
        "bad-policy.yaml",
        &["policy `expose_refused` must be a failure code, not S_OK"],
    ),
    (
        "bad-start-time.yaml",
        &["start_time `2026-02-31 00:00:00` is not a UTC time"],
    ),
    (
        "bad-mount.yaml",
        &["volume mount `data\\` is neither a drive letter"],
    ),
    (
        "accept-without-basis.yaml",
        &[
            "step 3",
            "`accept` needs `basis: INFERRED` or `basis: UNCONFIRMED`",
        ],
    ),
    (
        "accept-with-doc-basis.yaml",
        &[
            "step 2",
            "`accept` with `basis: DOC`: a documented code has no alternatives",
        ],
    ),
    (
        "unknown-basis.yaml",
        &[
            "step 1",
            "`basis`: `PROBABLE` is not DOC, INFERRED or UNCONFIRMED",
        ],
    ),
    (
        "accept-without-expect.yaml",
        &[
            "step 1",
            "`accept` lists alternatives to `expect`, and the step has none",
        ],
    ),
    (
        "basis-without-expect.yaml",
        &[
            "step 1",
            "`basis` labels the step's `expect`, and the step has none",
        ],
    ),
    (
        "accept-repeats-expect.yaml",
        &["step 3", "`accept` repeats `expect` (VSS_E_BAD_STATE)"],
    ),
    (
        "accept-bad-hresult.yaml",
        &["step 3", "`accept`: `E_INVALID` is neither a known HRESULT"],
    ),
    (
        "basis-on-environment-step.yaml",
        &["step 1", "unknown key `basis`"],
    ),
    (
        "unknown-capability.yaml",
        &[
            "`requires`: `LUN_MASKING` is not a capability",
            "known: MULTIPLE_MACHINES, HARDWARE_PROVIDER",
        ],
    ),
    (
        "requires-not-a-list.yaml",
        &["`requires` must be a list of capability names"],
    ),
    (
        "requires-beyond-the-world.yaml",
        &[
            "the scenario needs MULTIPLE_MACHINES (the scenario's `requires`), which the simulator of its world lacks",
        ],
    ),
    (
        "late-bad-step.yaml",
        &[
            "late-bad-step.yaml:9:5: step 5:",
            "`hold` applies to asynchronous calls and RevertToSnapshot only, not AddToSnapshotSet",
        ],
    ),
    (
        "key-without-value.yaml",
        &[
            "key-without-value.yaml:7:46: step 3:",
            "unknown key `expct` (AddToSnapshotSet takes",
        ],
    ),
    (
        "document-as-mount.yaml",
        &[
            "step 4",
            "`$doc` holds a backup components document, which only `xml` takes",
        ],
    ),
    (
        "guid-as-context.yaml",
        &["step 3", "(read with `$set` standing for a GUID)"],
    ),
    (
        "alias-bomb.yaml",
        &[
            "alias-bomb.yaml:6:",
            "the text holds more values than the reader takes",
        ],
    ),
    (
        "hold-without-value.yaml",
        &["hold-without-value.yaml:6:5: step 2: `hold` is given no value"],
    ),
    (
        "bound-name-of-another-kind.yaml",
        &["step 3", "`$set` is not an asynchronous operation"],
    ),
    (
        "lun-step-without-san.yaml",
        &[
            "step 2: the scenario needs LUN_MANAGEMENT (`env: mask`), which the simulator of its world lacks",
        ],
    ),
];

fn input_error(name: &str) -> InputError {
    let path = repo_root().join("tests/bad-input").join(name);
    match run_file(&path, false) {
        Err(e) => e,
        Ok(report) => match report.outcome {
            RunEnd::BadInput(e) => e,
            other => panic!(
                "{name}: expected bad input, got {other:?}\n{}",
                report.output
            ),
        },
    }
}

#[test]
fn each_malformed_file_gets_a_clear_message() {
    for (name, fragments) in CASES {
        let message = input_error(name).to_string();
        for fragment in *fragments {
            assert!(
                message.contains(fragment),
                "{name}: `{fragment}` is not in:\n{message}"
            );
        }
    }
}

/// A malformed step is found before any step runs: the file is refused whole, with nothing
/// run and nothing printed, wherever in it the mistake is.
#[test]
fn malformed_steps_are_refused_before_anything_runs() {
    for name in [
        "late-bad-step.yaml",
        "key-without-value.yaml",
        "hold-without-value.yaml",
        "document-as-mount.yaml",
        "guid-as-context.yaml",
        "bound-name-of-another-kind.yaml",
        "unknown-machine.yaml",
        "release-unknown-object.yaml",
        "unbound-name.yaml",
    ] {
        let path = repo_root().join("tests/bad-input").join(name);
        match run_file(&path, false) {
            Err(e) => assert!(e.step.is_some() && e.position.is_some(), "{name}: {e}"),
            Ok(report) => panic!("{name} ran:\n{}", report.output),
        }
    }
}

/// Every message in full, with its place: a change of wording shows here for review.
#[test]
fn the_messages_as_shown() {
    let root = repo_root().display().to_string();
    let mut all = String::new();
    for (name, _) in CASES {
        let message = input_error(name).to_string().replace(&root, "");
        all.push_str(&message);
        all.push('\n');
    }
    insta::assert_snapshot!(all);
}

#[test]
fn every_file_of_the_folder_is_checked() {
    let files: Vec<String> = scenario_files("tests/bad-input")
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    let checked: Vec<String> = CASES.iter().map(|(n, _)| n.to_string()).collect();
    let mut files_sorted = files.clone();
    files_sorted.sort();
    let mut checked_sorted = checked.clone();
    checked_sorted.sort();
    assert_eq!(files_sorted, checked_sorted);
}

#[test]
fn bad_input_exits_with_2() {
    assert_eq!(
        RunEnd::BadInput(input_error("unknown-method.yaml")).exit_code(),
        2
    );
}
