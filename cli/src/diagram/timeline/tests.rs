//! What a capture sees of the world, what a timeline says changed, and the timeline of the
//! transport-and-break example in every format.

use vss_model::backend::{
    Backend, BackupComponents, BackupStateArgs, INFINITE, VssAsync, VssResult,
};
use vss_model::{Context, ObjectType, SnapshotAttributes, VssId};

use super::*;
use crate::diagram::scenario::timeline_of_text;
use vss_sim::runner::RunEnd;

const EXAMPLE: &str = "examples/transport-and-break.yaml";

fn example() -> Timeline {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(EXAMPLE);
    let text = std::fs::read_to_string(path).expect("the example is there");
    let (timeline, outcome) = timeline_of_text(&text, EXAMPLE).expect("the example runs");
    assert_eq!(outcome, RunEnd::Passed);
    timeline
}

fn lun<'a>(state: &'a WorldState, name: &str) -> &'a ArrayLun {
    state
        .luns
        .iter()
        .find(|l| l.name == name)
        .unwrap_or_else(|| panic!("no LUN {name}"))
}

fn finish(operation: VssResult<impl VssAsync>) {
    let mut operation = operation.expect("the operation starts");
    operation.wait(INFINITE);
    let status = operation.query_status().expect("its status");
    assert!(status.is_success(), "{status}");
}

#[test]
fn a_software_copy_is_seen_exposed_and_gone() {
    let sim = vss_sim::Simulator::default_world();
    let start = WorldState::capture(&sim);
    assert!(start.shadow_copies.is_empty());
    assert_eq!(start.luns.len(), 4);
    assert!(
        start
            .luns
            .iter()
            .all(|l| l.role == LunRole::Original && l.visible_to == ["HOSTA"] && !l.read_only)
    );

    let mut r = sim.create_backup_components("HOSTA").unwrap();
    r.initialize_for_backup(None).unwrap();
    r.set_context(Context::VSS_CTX_APP_ROLLBACK).unwrap();
    finish(r.gather_writer_metadata());
    let set = r.start_snapshot_set().unwrap();
    let id = r.add_to_snapshot_set(r"C:\", VssId::NULL).unwrap();
    r.set_backup_state(BackupStateArgs::default()).unwrap();
    finish(r.prepare_for_backup());
    finish(r.do_snapshot_set());
    let made = WorldState::capture(&sim);
    assert_eq!(
        made.shadow_copies,
        [ShadowCopyView {
            machine: "HOSTA".into(),
            id,
            set,
            original: r"HOSTA C:\".into(),
            hardware: false,
            transported: false,
            device: r"\\?\GLOBALROOT\Device\HarddiskVolumeShadowCopy1".into(),
            exposed: None,
        }]
    );
    assert_eq!(
        made.luns, start.luns,
        "a copy of a local volume touches no LUN"
    );

    r.expose_snapshot(
        id,
        None,
        SnapshotAttributes::VSS_VOLSNAP_ATTR_EXPOSED_LOCALLY,
        Some("X:"),
    )
    .unwrap();
    let exposed = WorldState::capture(&sim);
    assert_eq!(exposed.shadow_copies[0].exposed.as_deref(), Some("X:"));

    r.delete_snapshots(id, ObjectType::VSS_OBJECT_SNAPSHOT, false)
        .unwrap();
    assert!(WorldState::capture(&sim).shadow_copies.is_empty());
}

#[test]
fn a_transported_lun_is_imported_then_broken_off() {
    let timeline = example();
    // Step 9 is DoSnapshotSet on HOSTA, 15 ImportSnapshots on HOSTB, 19 the break.
    let after = |n: usize| &timeline.steps[n - 1];
    assert!(after(9).label.starts_with("9 backup DoSnapshotSet -> S_OK"));
    let made = &after(9).state;
    let clone = made
        .luns
        .iter()
        .find(|l| l.clone_of.as_deref() == Some("LUN-E"))
        .expect("a clone of LUN-E");
    let copy = &made.shadow_copies[0];
    assert_eq!(
        clone.role,
        LunRole::ShadowCopy {
            snapshot: copy.id,
            transported: true
        }
    );
    assert!(clone.visible_to.is_empty());
    assert_eq!((copy.machine.as_str(), copy.transported), ("HOSTA", true));
    assert_eq!(copy.device, "");

    let imported = &after(15).state;
    let shadow = lun(imported, &clone.name);
    assert_eq!(
        shadow.role,
        LunRole::ShadowCopy {
            snapshot: copy.id,
            transported: false
        }
    );
    assert_eq!(shadow.visible_to, ["HOSTB"]);
    assert!(shadow.read_only && shadow.hidden);
    assert_ne!(shadow.identity, lun(imported, "LUN-E").identity);
    let copy = &imported.shadow_copies[0];
    assert_eq!((copy.machine.as_str(), copy.transported), ("HOSTB", false));
    assert_eq!(copy.original, r"HOSTA E:\");

    let broken = &after(19).state;
    let disk = lun(broken, &clone.name);
    assert_eq!(disk.role, LunRole::Broken);
    assert!(!disk.read_only && !disk.hidden);
    assert!(broken.shadow_copies.is_empty());
    // Nothing the steps after the break do changes the LUNs or makes a copy.
    let last = &timeline.steps.last().unwrap().state;
    assert_eq!(last, broken);
}

#[test]
fn a_lun_its_provider_would_not_take_back_is_unclaimed_and_the_other_is_deleted() {
    let text = r"
steps:
  - { call: InitializeForBackup }
  - { call: SetContext, context: VSS_CTX_APP_ROLLBACK }
  - { call: GatherWriterMetadata }
  - { call: StartSnapshotSet }
  - { call: AddToSnapshotSet, volume: 'E:\', bind: e }
  - { call: AddToSnapshotSet, volume: 'F:\', bind: f }
  - { call: SetBackupState }
  - { call: PrepareForBackup }
  - { call: DoSnapshotSet, expect: S_OK }
  - { env: fail_provider, method: OnLunEmpty, hresult: E_FAIL }
  - { call: DeleteSnapshots, snapshot: $e, expect: S_OK }
  - { call: DeleteSnapshots, snapshot: $f, expect: S_OK }
";
    let (timeline, outcome) = timeline_of_text(text, "inline.yaml").unwrap();
    assert_eq!(outcome, RunEnd::Passed);
    let clone_of = |state: &WorldState, source: &str| {
        state
            .luns
            .iter()
            .find(|l| l.clone_of.as_deref() == Some(source))
            .cloned()
    };
    let made = &timeline.steps[8].state;
    let e = clone_of(made, "LUN-E").expect("E's clone");
    let f = clone_of(made, "LUN-F").expect("F's clone");
    assert!(matches!(
        e.role,
        LunRole::ShadowCopy {
            transported: false,
            ..
        }
    ));
    assert_eq!(
        e.visible_to,
        ["HOSTA"],
        "surfaced on the machine that made it"
    );
    let end = &timeline.steps[11].state;
    assert_eq!(lun(end, &e.name).role, LunRole::Unclaimed);
    assert_eq!(lun(end, &f.name).role, LunRole::Deleted);
    assert!(end.shadow_copies.is_empty());
    let changes = lun_changes(&timeline.steps[10].state, end);
    assert_eq!(changes, [format!("{}: deleted", f.name)]);
}

#[test]
fn changes_name_what_changed() {
    let timeline = example();
    let import = &timeline.steps[14];
    let before = &timeline.steps[13].state;
    let lines = lun_changes(before, &import.state);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].contains("visible to HOSTB, read-only, hidden, new identity MBR "),
        "{}",
        lines[0]
    );
    let copies = copy_changes(before, &import.state);
    assert_eq!(copies.len(), 1);
    assert_eq!(copies[0].0, "HOSTB");
    assert!(
        copies[0].1[0].ends_with("(from HOSTA)"),
        "{:?}",
        copies[0].1
    );
    // A step that changes nothing has nothing to say.
    let read = &timeline.steps[17];
    assert!(lun_changes(&timeline.steps[16].state, &read.state).is_empty());
    assert!(copy_changes(&timeline.steps[16].state, &read.state).is_empty());
}

#[test]
fn a_timeline_made_by_hand_draws_its_own_steps() {
    // What a front end other than the scenario runner does: drive the simulator, push a
    // label and a capture after each of its steps.
    let sim = vss_sim::Simulator::default_world();
    let mut timeline = Timeline::new(
        "by hand; with a semicolon",
        sim.with_world(|w| w.machine_names()),
        WorldState::capture(&sim),
    );
    let mut r = sim.create_backup_components("HOSTA").unwrap();
    r.initialize_for_backup(None).unwrap();
    timeline.push("HOSTA", "SET CONTEXT PERSISTENT", WorldState::capture(&sim));
    timeline.push("HOSTB", "LIST SHADOWS ALL", WorldState::capture(&sim));
    let mermaid = timeline.render(Format::Mermaid);
    assert!(
        mermaid.contains("    %% by hand; with a semicolon\n"),
        "{mermaid}"
    );
    assert!(mermaid.contains("    M0->>M0: SET CONTEXT PERSISTENT\n"));
    assert!(mermaid.contains("    M1->>M1: LIST SHADOWS ALL\n"));
    assert!(
        !mermaid.contains("Note over SAN"),
        "nothing changed on the array"
    );
    let dot = timeline.render(Format::Dot);
    assert!(
        dot.contains(r#"step2 [label="HOSTB: LIST SHADOWS ALL\l"];"#),
        "{dot}"
    );
    let svg = timeline.render(Format::Svg);
    assert!(svg.contains(">HOSTB: LIST SHADOWS ALL</tspan>"));
}

#[test]
fn a_machine_the_world_does_not_name_gets_its_own_participant() {
    let mut timeline = Timeline::new("t", vec!["HOSTA".into()], WorldState::default());
    timeline.push("hosta", "one", WorldState::default());
    timeline.push("OTHER", "two", WorldState::default());
    let mermaid = timeline.render(Format::Mermaid);
    assert!(mermaid.contains("participant M1 as OTHER\n"));
    assert!(mermaid.contains("M0->>M0: one\n"), "{mermaid}");
    assert!(mermaid.contains("M1->>M1: two\n"));
    // No LUN anywhere: no array to draw, and the first note spans the machines only.
    assert!(!mermaid.contains("SAN"));
    assert!(mermaid.contains("Note over M0,M1: before the first step<br/>no shadow copy\n"));
}

#[test]
fn the_example_as_mermaid() {
    insta::assert_snapshot!(example().render(Format::Mermaid));
}

#[test]
fn the_example_as_dot() {
    insta::assert_snapshot!(example().render(Format::Dot));
}

#[test]
fn the_example_as_svg() {
    insta::assert_snapshot!(example().render(Format::Svg));
}
