//! The DiskShadow script corpus (`examples/diskshadow/`): each script's output on the
//! simulator, as golden files.

use std::path::{Path, PathBuf};

use vss_diskshadow::{self as diskshadow, ScriptEnd, Session};
use vss_model::backend::Environment as _;
use vss_sim::Simulator;

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/diskshadow")
}

/// A fresh copy of the corpus, so that the .cab files scripts write land outside the tree.
fn workdir(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("vss-sim-diskshadow-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a work folder");
    for entry in std::fs::read_dir(corpus()).expect("the corpus") {
        let path = entry.expect("an entry").path();
        std::fs::copy(&path, dir.join(path.file_name().expect("a name"))).expect("copied");
    }
    dir
}

/// Runs `script` on `machine` of `sim` as `vss-sim diskshadow -s` does: banner, script,
/// and the end of the session; gives the output and how the script ended.
fn run(
    sim: &Simulator,
    dir: &Path,
    machine: &str,
    script: &str,
    params: &[&str],
    trace: bool,
) -> (String, ScriptEnd) {
    let text = std::fs::read_to_string(dir.join(script)).expect("the script");
    let params = params.iter().map(|p| p.to_string()).collect();
    let mut session = Session::new(sim, machine, params, dir);
    session.clock(Box::new(|| sim.clock()));
    if trace {
        sim.take_trace();
        session.trace(Box::new(|| sim.take_trace_lines()));
    }
    let mut out = diskshadow::banner(machine, sim.clock());
    let end = diskshadow::run_script(&mut session, &text);
    out.push_str(&session.end());
    (out, end)
}

fn single(script: &str, expected: ScriptEnd) -> String {
    let dir = workdir(script);
    let sim = Simulator::default_world();
    let (out, end) = run(&sim, &dir, "HOSTA", script, &[], false);
    assert_eq!(end, expected, "{out}");
    let _ = std::fs::remove_dir_all(&dir);
    out
}

#[test]
fn a_copy_backup_with_expose() {
    insta::assert_snapshot!(single("copy-backup-expose.dsh", ScriptEnd::Completed));
}

#[test]
fn writer_exclusions() {
    insta::assert_snapshot!(single("writer-exclusions.dsh", ScriptEnd::Completed));
}

#[test]
fn delete_by_alias() {
    insta::assert_snapshot!(single("delete-by-alias.dsh", ScriptEnd::Completed));
}

#[test]
fn break_writable_on_the_creating_machine() {
    insta::assert_snapshot!(single("break-writable.dsh", ScriptEnd::Completed));
}

#[test]
fn crlf_line_endings_read_as_lf() {
    // The file must keep its CRLF line ends for this test to test them.
    let text = std::fs::read(corpus().join("crlf-line-endings.dsh")).unwrap();
    let lines = text.split(|b| *b == b'\n').count() - 1;
    assert_eq!(text.windows(2).filter(|w| w == b"\r\n").count(), lines);
    insta::assert_snapshot!(single("crlf-line-endings.dsh", ScriptEnd::Completed));
}

#[test]
fn the_documentations_transportable_context_stops_the_script() {
    let out = single(
        "transportable-context.dsh",
        ScriptEnd::Failed {
            line: 4,
            failure: diskshadow::Failure::Syntax(diskshadow::script::SyntaxError {
                message:
                    "`transportable` is not a context: it is an option (set option transportable)"
                        .into(),
                line: Some(4),
                column: Some(13),
            }),
        },
    );
    insta::assert_snapshot!(out);
}

/// A client-accessible shadow copy made in one session is reverted to in the next, after
/// the volume changed: the volume reads as it did at the copy, and the copy is gone.
#[test]
fn a_volume_is_reverted_to_a_client_accessible_copy() {
    use vss_model::backend::{Backend, BackupComponents};
    use vss_model::{Block, Context, ObjectProp, ObjectType, VssId};

    let dir = workdir("revert");
    let sim = Simulator::default_world();
    let env = sim.environment().expect("the simulator's world");
    env.write_block("HOSTA", r"E:\", 5, b"before").unwrap();
    let (_, end) = run(&sim, &dir, "HOSTA", "revert-create.dsh", &[], false);
    assert_eq!(end, ScriptEnd::Completed);
    env.write_block("HOSTA", r"E:\", 5, b"after").unwrap();
    let mut admin = sim.create_backup_components("HOSTA").unwrap();
    admin.initialize_for_backup(None).unwrap();
    admin.set_context(Context::VSS_CTX_ALL).unwrap();
    let listed = admin
        .query(
            VssId::NULL,
            ObjectType::VSS_OBJECT_NONE,
            ObjectType::VSS_OBJECT_SNAPSHOT,
        )
        .unwrap();
    let [ObjectProp::Snapshot(copy)] = listed.as_slice() else {
        panic!("one shadow copy, not {listed:?}");
    };
    let id = copy.snapshot_id.to_string();
    let (out, end) = run(&sim, &dir, "HOSTA", "revert.dsh", &[&id], true);
    assert_eq!(end, ScriptEnd::Completed, "{out}");
    assert_eq!(
        env.read_block("HOSTA", r"E:\", 5),
        Ok(Block::new(b"before").unwrap())
    );
    let _ = std::fs::remove_dir_all(&dir);
    insta::assert_snapshot!("revert_traced", out);
}

#[test]
fn only_a_client_accessible_copy_is_reverted() {
    let dir = workdir("revert-persistent");
    let sim = Simulator::default_world();
    let (out, end) = run(&sim, &dir, "HOSTA", "revert-persistent.dsh", &[], false);
    let _ = std::fs::remove_dir_all(&dir);
    let ScriptEnd::Failed {
        line: 6,
        failure: diskshadow::Failure::Refused(why),
    } = end
    else {
        panic!("the revert is not refused: {end:?}\n{out}");
    };
    assert!(why.contains("is not client-accessible"), "{why}");
    insta::assert_snapshot!(out);
}

/// HOSTA creates the transportable set, writing `cab`; HOSTB, sharing the SAN, then runs
/// `script` with it. The two sessions are two runs of DiskShadow. Gives both outputs.
fn across_machines(name: &str, script: &str, cab: &str, trace: bool) -> (String, String) {
    let dir = workdir(name);
    let sim = Simulator::default_world();
    let (made, end) = run(&sim, &dir, "HOSTA", "transport-create.dsh", &[cab], false);
    assert_eq!(end, ScriptEnd::Completed, "{made}");
    assert!(dir.join(cab).exists());
    let (out, end) = run(&sim, &dir, "HOSTB", script, &[cab], trace);
    assert_eq!(end, ScriptEnd::Completed, "{out}");
    let _ = std::fs::remove_dir_all(&dir);
    (made, out)
}

#[test]
fn a_transportable_set_made_on_hosta_is_imported_and_broken_on_hostb() {
    let (made, broken) = across_machines(
        "transport-break",
        "transport-import-break.dsh",
        "transport.cab",
        true,
    );
    insta::assert_snapshot!("transport_create_on_hosta", made);
    insta::assert_snapshot!("transport_import_break_on_hostb_traced", broken);
}

#[test]
fn a_transportable_set_made_on_hosta_is_imported_and_exposed_on_hostb() {
    let (_, exposed) = across_machines(
        "transport-expose",
        "transport-import-expose.dsh",
        "t.cab",
        false,
    );
    insta::assert_snapshot!(exposed);
}

#[test]
fn a_volatile_copy_dies_with_the_session_and_a_persistent_one_survives() {
    let dir = workdir("lifetimes");
    let sim = Simulator::default_world();
    std::fs::write(dir.join("volatile.dsh"), "add volume C:\ncreate\n").unwrap();
    std::fs::write(
        dir.join("persistent.dsh"),
        "set context persistent\nadd volume C:\ncreate\n",
    )
    .unwrap();
    std::fs::write(dir.join("list.dsh"), "list shadows all\n").unwrap();
    let (_, end) = run(&sim, &dir, "HOSTA", "volatile.dsh", &[], false);
    assert_eq!(end, ScriptEnd::Completed);
    let (listed, _) = run(&sim, &dir, "HOSTA", "list.dsh", &[], false);
    assert!(
        listed.contains("No shadow copies found in system."),
        "{listed}"
    );
    let (_, end) = run(&sim, &dir, "HOSTA", "persistent.dsh", &[], false);
    assert_eq!(end, ScriptEnd::Completed);
    let (listed, _) = run(&sim, &dir, "HOSTA", "list.dsh", &[], false);
    assert!(
        listed.contains("Number of shadow copies listed: 1"),
        "{listed}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_failing_command_stops_the_script_with_the_hresult() {
    let dir = workdir("failing");
    let sim = Simulator::default_world();
    std::fs::write(
        dir.join("fail.dsh"),
        "add volume C:\nbreak {11111111-2222-3333-4444-555555555555}\nlist shadows all\n",
    )
    .unwrap();
    let (out, end) = run(&sim, &dir, "HOSTA", "fail.dsh", &[], false);
    assert_eq!(
        end,
        ScriptEnd::Failed {
            line: 2,
            failure: diskshadow::Failure::Vss(vss_model::HResult::VSS_E_OBJECT_NOT_FOUND)
        }
    );
    assert!(out.contains("The last operation failed.\n\t- Returned HRESULT: 80042308\n\t- Error text: VSS_E_OBJECT_NOT_FOUND\n"), "{out}");
    assert!(!out.contains("list shadows"), "the script went on: {out}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_interactive_prompt_keeps_going_after_an_error() {
    let sim = Simulator::default_world();
    let dir = workdir("prompt-like");
    let mut session = Session::new(&sim, "HOSTA", Vec::new(), &dir);
    assert!(matches!(
        session.execute("frobnicate", 1),
        diskshadow::Done::Failed(_)
    ));
    assert!(matches!(
        session.execute("add volume Q:", 2),
        diskshadow::Done::Failed(_)
    ));
    assert_eq!(session.execute("add volume C:", 3), diskshadow::Done::Ok);
    assert_eq!(session.execute("EXIT", 4), diskshadow::Done::Exit);
    // A long argument is quoted by its start and its length, not echoed back whole.
    let long = "x".repeat(20_000);
    assert!(matches!(
        session.execute(&format!("add volume {long}"), 5),
        diskshadow::Done::Failed(_)
    ));
    let out = session.end();
    // At the prompt the line in error is the one just typed: it is not numbered.
    assert!(
        out.contains("Syntax error: `frobnicate` is not a DiskShadow command"),
        "{out}"
    );
    assert!(!out.contains("line 1"), "{out}");
    assert!(
        out.contains("The volume Q: does not exist on HOSTA."),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "The volume {}… (20000 characters) does not exist",
            &long[..40]
        )),
        "{out}"
    );
    assert!(out.len() < 2_000, "{} bytes", out.len());
}

#[test]
fn reset_drops_the_settings_aliases_and_volatile_copies_and_keeps_persistent_ones() {
    let sim = Simulator::default_world();
    let dir = workdir("reset");
    let mut session = Session::new(&sim, "HOSTA", Vec::new(), &dir);
    for (number, line) in [
        "add volume C: alias volatile",
        "create",
        "reset",
        "set context persistent",
        "add volume E: alias kept",
        "create",
        "reset",
    ]
    .into_iter()
    .enumerate()
    {
        assert_eq!(
            session.execute(line, number + 1),
            diskshadow::Done::Ok,
            "{line}"
        );
    }
    session.take_output();
    assert!(matches!(
        session.execute("expose %kept% X:", 7),
        diskshadow::Done::Failed(_)
    ));
    assert_eq!(session.execute("set", 8), diskshadow::Done::Ok);
    assert_eq!(session.execute("list shadows all", 9), diskshadow::Done::Ok);
    let out = session.end();
    assert!(
        out.contains("%kept% is not an alias or variable of this session"),
        "{out}"
    );
    assert!(out.contains("Context: volatile (VSS_CTX_BACKUP)"), "{out}");
    assert!(out.contains("Number of shadow copies listed: 1"), "{out}");
    assert!(out.contains("[E:\\]"), "{out}");
}

#[test]
fn looking_around() {
    insta::assert_snapshot!(single("look-around.dsh", ScriptEnd::Completed));
}

#[test]
fn break_read_only_on_the_creating_machine() {
    insta::assert_snapshot!(single("break-read-only.dsh", ScriptEnd::Completed));
}

#[test]
fn a_software_copy_cannot_be_broken() {
    let out = single(
        "break-software.dsh",
        ScriptEnd::Failed {
            line: 6,
            failure: diskshadow::Failure::Vss(vss_model::HResult::VSS_E_PROVIDER_VETO),
        },
    );
    insta::assert_snapshot!(out);
}

#[test]
fn a_transportable_set_made_on_hosta_is_imported_and_masked_on_hostb() {
    let (_, masked) = across_machines(
        "transport-mask",
        "transport-import-mask.dsh",
        "m.cab",
        false,
    );
    insta::assert_snapshot!(masked);
}

/// A script added to the corpus gets a golden test here: each one is named in this file.
#[test]
fn every_script_of_the_corpus_has_a_golden_test() {
    let tests = include_str!("corpus.rs");
    let mut scripts: Vec<String> = std::fs::read_dir(corpus())
        .expect("the corpus")
        .map(|e| {
            e.expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| name.ends_with(".dsh"))
        .collect();
    scripts.sort();
    assert!(scripts.len() >= 12, "{scripts:?}");
    for script in scripts {
        assert!(
            tests.contains(&format!("\"{script}\"")),
            "{script} has no golden test in diskshadow/tests/corpus.rs"
        );
    }
}

/// Runs `text` as a script named `name` in a fresh folder of its own, on `sim`.
fn inline(sim: &Simulator, name: &str, text: &str) -> (String, ScriptEnd, PathBuf) {
    let dir = std::env::temp_dir().join(format!("vss-sim-ds-inline-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(name), text).unwrap();
    let (out, end) = run(sim, &dir, "HOSTA", name, &[], false);
    (out, end, dir)
}

/// The lines of `out` that start with `prefix`.
fn lines_with<'a>(out: &'a str, prefix: &str) -> Vec<&'a str> {
    out.lines().filter(|l| l.starts_with(prefix)).collect()
}

#[test]
fn unnamed_metadata_files_are_named_after_the_set_and_never_overwritten() {
    let sim = Simulator::default_world();
    // The files a create writes are named in verbose output.
    let script = r"set verbose on
set context persistent
set option transportable
add volume E:
create
reset
set verbose on
set context persistent
set option transportable
add volume F:
create
";
    let (out, end, dir) = inline(&sim, "two.dsh", script);
    assert_eq!(end, ScriptEnd::Completed, "{out}");
    let files: Vec<&str> = out
        .lines()
        .filter_map(|l| l.strip_prefix("Inserted file Manifest.xml into .cab file "))
        .collect();
    assert_eq!(files.len(), 2, "{out}");
    assert_eq!(files[0], "2026-01-01_00-00-01_HOSTA.cab", "{out}");
    assert_ne!(files[0], files[1], "{out}");
    for file in files {
        assert!(dir.join(file).exists(), "{file}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn delete_and_list_find_copies_by_volume_age_set_id_and_alias() {
    let sim = Simulator::default_world();
    let script = r"set context persistent nowriters
add volume C: alias first
create
reset
set context persistent nowriters
add volume C: alias second
add volume E:
create
list shadows id %second%
delete shadows oldest C:
list shadows all
delete shadows volume %second%
delete shadows set %VSS_SHADOW_SET%
list shadows all
";
    let (out, end, dir) = inline(&sim, "delete.dsh", script);
    assert_eq!(end, ScriptEnd::Completed, "{out}");
    assert_eq!(
        lines_with(&out, "Number of shadow copies deleted"),
        ["Number of shadow copies deleted: 1"; 3],
        "{out}"
    );
    // After each create; by id; after the oldest copy of C: went; at the end.
    assert_eq!(
        lines_with(&out, "Number of shadow copies listed"),
        [
            "Number of shadow copies listed: 1",
            "Number of shadow copies listed: 2",
            "Number of shadow copies listed: 1",
            "Number of shadow copies listed: 2",
        ],
        "{out}"
    );
    assert!(
        out.ends_with("No shadow copies found in system.\n->\n"),
        "{out}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn refusals_of_the_session_say_what_is_wrong() {
    for (script, message) in [
        (
            "add volume C:\nadd volume c:\\\n",
            "The volume c:\\ is already in the shadow copy set.",
        ),
        (
            "begin backup\nbegin backup\n",
            "A backup is already in progress",
        ),
        (
            "end backup\n",
            "No backup is in progress: END BACKUP needs BEGIN BACKUP first.",
        ),
        ("create\n", "No volumes are in the shadow copy set"),
        (
            "import\n",
            "No metadata is loaded: LOAD METADATA must come before IMPORT.",
        ),
        (
            "load metadata missing.cab\n",
            "The metadata file missing.cab cannot be loaded",
        ),
        (
            "writer verify \"System Writer\"\nset context persistent nowriters\nadd volume C:\ncreate\n",
            "is to be verified, but the context excludes all writers",
        ),
        (
            "writer verify \"No Such Writer\"\nadd volume C:\ncreate\n",
            "Writer \"No Such Writer\" was not found.",
        ),
        (
            "writer verify \"WMI Writer\"\nwriter exclude \"wmi writer\"\nadd volume C:\ncreate\n",
            "Writer \"WMI Writer\" is to be verified, but it is excluded.",
        ),
        ("unexpose Q:\n", "No shadow copy is exposed at Q:."),
    ] {
        let sim = Simulator::default_world();
        let (out, end, dir) = inline(&sim, "refused.dsh", script);
        assert!(
            matches!(
                end,
                ScriptEnd::Failed {
                    failure: diskshadow::Failure::Refused(_),
                    ..
                }
            ),
            "{script}: {end:?}\n{out}"
        );
        assert!(out.contains(message), "{script}: {out}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn the_settings_and_the_set_are_listed() {
    let sim = Simulator::default_world();
    let script = r"set context persistent nowriters
set option transportable plex
set verbose on
set
add
add volume \\?\Volume{71430c07-b2bd-467b-a349-10f15efac393}\ alias data
add alias tag hello
add
";
    let (out, end, dir) = inline(&sim, "show.dsh", script);
    assert_eq!(end, ScriptEnd::Completed, "{out}");
    for line in [
        "Context: persistent nowriters (VSS_CTX_NAS_ROLLBACK | VSS_VOLSNAP_ATTR_TRANSPORTABLE | VSS_VOLSNAP_ATTR_PLEX)",
        "Options: plex transportable",
        "Verbose: on",
        "0 volumes in Shadow Copy Set.",
        "No Diskshadow aliases in the environment.",
        "1 volume in Shadow Copy Set.",
        "\tAlias tag = hello",
    ] {
        assert!(out.contains(line), "{line}\n{out}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_volume_added_by_its_volume_name_is_shown_with_its_drive_letter() {
    let sim = Simulator::default_world();
    let script = r"set context persistent
add volume \\?\Volume{71430c07-b2bd-467b-a349-10f15efac393}\
create
";
    let (out, end, dir) = inline(&sim, "guid.dsh", script);
    assert_eq!(end, ScriptEnd::Completed, "{out}");
    assert!(
        out.contains(
            r"Original volume name: \\?\Volume{71430c07-b2bd-467b-a349-10f15efac393}\ [E:\]"
        ),
        "{out}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_copy_of_a_volume_mounted_at_a_folder_or_a_is_listed_with_its_mount() {
    let world = r"
machines:
  - name: HOSTA
    providers: [system]
    volumes:
      - mount: 'C:\'
        size: 100 GiB
        diff_area: { max: 10 GiB }
      - mount: 'C:\mnt\data\'
        size: 10 GiB
        diff_area: { max: 1 GiB }
      - mount: 'A:\'
        size: 10 GiB
        diff_area: { max: 1 GiB }
";
    let sim = Simulator::new(&vss_sim::world_file::parse(world, "folder.yaml").unwrap()).unwrap();
    let (out, end, dir) = inline(
        &sim,
        "make.dsh",
        "set context persistent\nadd volume C:\\mnt\\data\\\nadd volume A:\ncreate\n",
    );
    assert_eq!(end, ScriptEnd::Completed, "{out}");
    let _ = std::fs::remove_dir_all(&dir);
    // A later session has no volumes of its own to go by: it asks where each volume is.
    let (listed, end, dir) = inline(&sim, "list.dsh", "list shadows all\n");
    assert_eq!(end, ScriptEnd::Completed, "{listed}");
    let originals = lines_with(&listed, "\t\t- Original volume name:");
    assert_eq!(originals.len(), 2, "{listed}");
    assert!(originals[0].ends_with(r"\ [C:\mnt\data\]"), "{listed}");
    assert!(originals[1].ends_with(r"\ [A:\]"), "{listed}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn excluding_a_writer_the_machine_does_not_run_or_a_component_does_not_fail() {
    // As scripts generated for many servers write them: writers of other server roles,
    // and components by their path.
    let sim = Simulator::default_world();
    let script = r#"set verbose on
set context persistent
writer exclude {2a40fd15-dfca-4aa8-a654-1f8c654603f6}
writer exclude "Microsoft Exchange Writer:\Microsoft Exchange Server\Microsoft Information Store\Replica\{d1c0b9b4-07d7-4f85-bbd4-0a7fbd2fa4ee}"
writer exclude "System Writer:\Win32 Services Files"
add volume C:
create
"#;
    let (out, end, dir) = inline(&sim, "roles.dsh", script);
    assert_eq!(end, ScriptEnd::Completed, "{out}");
    // Writers the machine does not run have nothing to exclude; the selectable component
    // named is left out, and its writer stays with the rest of its components.
    for line in [
        "Component \"\\Win32 Services Files\" from writer \"System Writer\" is excluded from backup,",
        "because the script excludes it.",
        "* Including writer \"System Writer\":",
        "\t+ Adding component: \\System Files",
    ] {
        assert!(out.lines().any(|l| l == line), "{line}\n{out}");
    }
    assert!(!out.contains("Excluding writer"), "{out}");
    assert!(!out.contains("Adding component: \\Win32"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_metadata_file_that_cannot_be_written_stops_create_before_anything_is_made() {
    let sim = Simulator::default_world();
    let script =
        "set context persistent\nset metadata no-such-folder/set.cab\nadd volume E:\ncreate\n";
    let (out, end, dir) = inline(&sim, "nowhere.dsh", script);
    assert!(
        matches!(end, ScriptEnd::Failed { line: 4, .. }),
        "{end:?}\n{out}"
    );
    let folder = dir.join("no-such-folder");
    assert!(
        out.contains(&format!(
            "The metadata file no-such-folder/set.cab cannot be written: the folder {} does not exist. Nothing was created.",
            folder.display()
        )),
        "{out}"
    );
    let (listed, _, dir2) = inline(&sim, "list.dsh", "list shadows all\n");
    assert!(
        listed.contains("No shadow copies found in system."),
        "{listed}"
    );
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&dir2);
}

#[test]
fn the_metadata_file_names_its_set_and_import_says_which_set_it_imported() {
    let dir = workdir("manifest-set");
    let sim = Simulator::default_world();
    let (made, end) = run(
        &sim,
        &dir,
        "HOSTA",
        "transport-create.dsh",
        &["t.cab"],
        false,
    );
    assert_eq!(end, ScriptEnd::Completed, "{made}");
    let set_line = lines_with(&made, "Alias VSS_SHADOW_SET for shadow set ID ");
    let set = set_line[0]
        .split(' ')
        .nth(6)
        .expect("the set id")
        .parse::<vss_model::VssId>()
        .expect("a GUID");
    let written = diskshadow::metadata::read(&dir.join("t.cab")).expect("the cabinet");
    assert_eq!(written.set, Some(set));
    // A cabinet whose manifest names no set still loads and imports; the message then
    // names no set.
    let unnamed = diskshadow::metadata::Metadata {
        set: None,
        ..written
    };
    diskshadow::metadata::write(
        &dir.join("unnamed.cab"),
        &unnamed,
        "HOSTA",
        "Dis0001.tmp",
        &[],
    )
    .expect("written");
    std::fs::write(
        dir.join("import.dsh"),
        "load metadata %DISKSH_PARAM_1%\nimport\n",
    )
    .unwrap();
    let (imported, end) = run(&sim, &dir, "HOSTB", "import.dsh", &["unnamed.cab"], false);
    assert_eq!(end, ScriptEnd::Completed, "{imported}");
    assert!(
        imported.contains("\n-> import\nThe shadow copy set was imported.\n"),
        "{imported}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_unnamed_metadata_file_takes_the_time_of_its_set() {
    // A set this machine can query is asked about; a transportable one is not, and without
    // a clock its file is named after the machine alone.
    let sim = Simulator::default_world();
    let dir = workdir("unnamed-times");
    let mut session = Session::new(&sim, "HOSTA", Vec::new(), &dir);
    session.trace(Box::new(Vec::new));
    let script = "set verbose on\nset context persistent nowriters\nadd volume C:\ncreate\nreset\nset verbose on\nset context persistent\nset option transportable\nadd volume E:\ncreate\n";
    let end = diskshadow::run_script(&mut session, script);
    let out = session.end();
    assert_eq!(end, ScriptEnd::Completed, "{out}");
    assert_eq!(
        lines_with(&out, "Inserted file Manifest.xml into .cab file "),
        [
            "Inserted file Manifest.xml into .cab file 2026-01-01_00-00-01_HOSTA.cab",
            "Inserted file Manifest.xml into .cab file metadata_HOSTA.cab",
        ],
        "{out}"
    );
    let asked: Vec<&str> = out
        .lines()
        .filter(|l| l.contains("GetSnapshotProperties("))
        .collect();
    assert_eq!(asked.len(), 1, "{out}");
    assert!(asked[0].ends_with("-> S_OK (0x00000000)"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_syntax_error_is_placed_at_the_word_that_is_wrong() {
    let sim = Simulator::default_world();
    let (out, end, dir) = inline(
        &sim,
        "typo.dsh",
        "add alias x {11111111-2222-3333-4444-555555555555}\n\n  break writable %x% now\n",
    );
    let (position, e) = end.syntax_error().expect("a syntax error");
    assert_eq!(position, vss_model::position::Position::new(3, 22), "{out}");
    assert_eq!(e.message, "unexpected `now`: break [writable] SETID");
    // The transcript says it as DiskShadow does, by line.
    assert!(
        out.contains("Syntax error: line 3: unexpected `now`: break [writable] SETID\n"),
        "{out}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn help_lists_the_commands_and_shows_one_with_its_forms() {
    let sim = Simulator::default_world();
    let dir = workdir("help");
    let mut session = Session::new(&sim, "HOSTA", Vec::new(), &dir);
    for line in ["help", "?"] {
        assert_eq!(session.execute(line, 1), diskshadow::Done::Ok, "{line}");
        let out = session.take_output();
        assert!(out.starts_with("SET       "), "{line}: {out}");
        assert!(out.contains("\nBREAK     "), "{line}: {out}");
        assert!(out.ends_with("For one command's forms: help COMMAND, or COMMAND /?.\n"));
    }
    for line in ["help delete", "DELETE /?", "delete shadows all /?"] {
        assert_eq!(session.execute(line, 1), diskshadow::Done::Ok, "{line}");
        let out = session.take_output();
        assert!(
            out.starts_with("Deletes shadow copies.\n\nDELETE SHADOWS { ALL | VOLUME"),
            "{line}: {out}"
        );
    }
    // Asking for help deletes nothing, and a word that names no command is an error.
    assert!(matches!(
        session.execute("help frobnicate", 2),
        diskshadow::Done::Failed(_)
    ));
    let out = session.take_output();
    assert!(
        out.contains("`frobnicate` is not a DiskShadow command: `help` lists them"),
        "{out}"
    );
}

#[test]
fn set_metadata_never_writes_over_a_file_that_is_not_metadata() {
    let sim = Simulator::default_world();
    let dir = workdir("metadata-guard");
    std::fs::write(dir.join("backup.dsh"), "list providers\n").unwrap();
    let mut session = Session::new(&sim, "HOSTA", Vec::new(), &dir);
    for line in [
        "set context persistent",
        "set option transportable",
        "add volume E:",
    ] {
        assert_eq!(session.execute(line, 1), diskshadow::Done::Ok, "{line}");
    }
    // A script (or a log, or a state file) of that name is left as it is, and no set is made.
    assert_eq!(
        session.execute("set metadata backup.dsh", 2),
        diskshadow::Done::Ok
    );
    assert!(matches!(
        session.execute("create", 3),
        diskshadow::Done::Failed(_)
    ));
    let out = session.take_output();
    assert!(
        out.contains(
            "is not the metadata of an earlier create; it is left as it is. Nothing was created."
        ),
        "{out}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("backup.dsh")).unwrap(),
        "list providers\n"
    );
    assert!(
        sim.luns().iter().all(|l| l.clone_of.is_none()),
        "a clone was made"
    );
    // A name Windows cannot hold is refused when it is set.
    assert!(matches!(
        session.execute("set metadata what?.cab", 4),
        diskshadow::Done::Failed(_)
    ));
    assert!(
        session
            .take_output()
            .contains("a file name cannot hold `?`")
    );
    // The metadata of an earlier create is written over, as DiskShadow does.
    assert_eq!(
        session.execute("set metadata set.cab", 5),
        diskshadow::Done::Ok
    );
    assert_eq!(session.execute("create", 6), diskshadow::Done::Ok);
    assert_eq!(session.execute("add volume F:", 7), diskshadow::Done::Ok);
    assert_eq!(
        session.execute("create", 8),
        diskshadow::Done::Ok,
        "{}",
        session.take_output()
    );
}

#[test]
fn components_are_picked_by_the_volumes_their_files_are_on() {
    // An ASR-like writer whose top-level boot component lies on no volume of the machine,
    // and a database writer whose selectable store on E: has a log component beneath it on
    // C:. Only C: is in the set.
    let world = r"
machines:
  - name: HOSTA
    volumes:
      - { mount: 'C:\', size: 100 GiB }
      - { mount: 'E:\', size: 100 GiB }
    writers:
      - name: System Writer
        id: '{e8132975-6f93-4464-a53e-1050253ae220}'
        components:
          - { name: System Files, files: [{ path: 'C:\Windows\System32', filespec: '*.dll' }] }
      - name: ASR Writer
        id: '{be000cbe-11fe-4426-9c58-531aa6355fc4}'
        components:
          - { name: ASR, logical_path: ASR, files: [{ path: 'C:\Windows', filespec: 'asr.xml' }] }
          - { name: BCD, logical_path: BCD, files: [{ path: '\\?\GLOBALROOT\Device\HarddiskVolume1\EFI', filespec: 'BCD' }] }
      - name: Store Writer
        id: '{11111111-2222-3333-4444-555555555555}'
        components:
          - { name: Store, selectable: true, files: [{ path: 'E:\Store', filespec: '*.edb' }] }
          - { name: Logs, logical_path: Store, files: [{ path: 'C:\Logs', filespec: '*.log' }] }
          - { name: Config, selectable: true, files: [{ path: 'C:\Config', filespec: '*' }] }
";
    let sim = Simulator::new(&vss_sim::world_file::parse(world, "writers.yaml").unwrap()).unwrap();
    let (out, end, dir) = inline(
        &sim,
        "writers.dsh",
        "set verbose on\nset context persistent\nadd volume C:\ncreate\n",
    );
    assert_eq!(end, ScriptEnd::Completed, "{out}");
    let said: Vec<&str> = out
        .lines()
        .skip_while(|l| *l != "-> create")
        .skip(1)
        .take_while(|l| !l.starts_with("Alias "))
        .collect();
    assert_eq!(
        said,
        [
            // BCD's volume has no name on the machine, so none is shown, as Windows shows none.
            "Component \"\\BCD\\BCD\" from writer \"ASR Writer\" is excluded from backup,",
            "because it requires volume  which is not in the shadow copy set.",
            "The writer \"ASR Writer\" is now entirely excluded from the backup because the top-level",
            "non selectable component \"\\BCD\\BCD\" is excluded.",
            "Component \"\\Store\" from writer \"Store Writer\" is excluded from backup,",
            "because it requires volume E:\\ which is not in the shadow copy set.",
            "",
            "* Including writer \"System Writer\":",
            "\t+ Adding component: \\System Files",
            "",
            // Logs, beneath the store left out, goes with it.
            "* Including writer \"Store Writer\":",
            "\t+ Adding component: \\Config",
            "",
        ],
        "{out}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
