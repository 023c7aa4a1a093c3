//! Scenarios written in Rust, generic over the backend: sequences that read better as code
//! than as data, because they check what calls return against one another.
//!
//! Each function takes any [`Backend`], says which [`Capabilities`] it needs beyond the
//! requester API, and skips with the reason when the backend lacks one. It returns what
//! happened; a failure names the step and what it returned.

use std::fmt;

use vss_model::backend::{
    Backend, BackupComponents, BackupStateArgs, Capabilities, INFINITE, VssAsync, VssResult,
};
use vss_model::{
    Block, Context, HResult, HardwareOptions, SnapshotAttributes, SnapshotProp, VssId,
};
use vss_sim::runner::capability_names;

/// How a scenario function ended when nothing failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ran {
    /// Every check held.
    Passed,
    /// The backend lacks what the scenario needs; nothing ran. The text says what
    /// (`needs MULTIPLE_MACHINES, HARDWARE_PROVIDER`).
    Skipped(String),
}

/// A check that did not hold: the step and what it found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioFailure(pub String);

impl fmt::Display for ScenarioFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ScenarioFailure {}

/// What a scenario function returns.
pub type ScenarioResult = Result<Ran, ScenarioFailure>;

/// What [`canonical_backup`] needs: nothing beyond the requester API.
pub const CANONICAL_BACKUP_NEEDS: Capabilities = Capabilities::empty();

/// What [`transport_and_break`] needs: a hardware provider, and a second machine to import on.
pub const TRANSPORT_AND_BREAK_NEEDS: Capabilities =
    Capabilities::HARDWARE_PROVIDER.union(Capabilities::MULTIPLE_MACHINES);

/// What [`revert_to_snapshot`] needs: block I/O, to see the volume go back to the copy (on
/// real VSS it would revert a real volume).
pub const REVERT_TO_SNAPSHOT_NEEDS: Capabilities = Capabilities::BLOCK_IO;

/// The canonical backup of a volume (vss-behaviour.md §2.2, sequence A), on the backend's first
/// machine: `InitializeForBackup`, `SetContext(VSS_CTX_BACKUP)`, `GatherWriterMetadata`,
/// `SetBackupState`, `StartSnapshotSet`, `AddToSnapshotSet`, `PrepareForBackup`,
/// `DoSnapshotSet`, `GetSnapshotProperties`, `BackupComplete`, then `Release`: the copy was
/// auto-release, so another object no longer finds it.
pub fn canonical_backup<B: Backend>(backend: &B, volume: &str) -> ScenarioResult {
    if let Some(reason) = lacks(backend, CANONICAL_BACKUP_NEEDS) {
        return Ok(Ran::Skipped(reason));
    }
    let machine = machine(backend, 0)?;
    let mut r = ok(
        "CreateVssBackupComponents",
        backend.create_backup_components(&machine),
    )?;
    ok("InitializeForBackup", r.initialize_for_backup(None))?;
    ok("SetContext", r.set_context(Context::VSS_CTX_BACKUP))?;
    finished("GatherWriterMetadata", r.gather_writer_metadata())?;
    ok(
        "SetBackupState",
        r.set_backup_state(BackupStateArgs::default()),
    )?;
    let set = ok("StartSnapshotSet", r.start_snapshot_set())?;
    let copy = ok(
        "AddToSnapshotSet",
        r.add_to_snapshot_set(volume, VssId::NULL),
    )?;
    finished("PrepareForBackup", r.prepare_for_backup())?;
    finished("DoSnapshotSet", r.do_snapshot_set())?;
    let props = ok("GetSnapshotProperties", r.get_snapshot_properties(copy))?;
    check_props(&props, set, copy)?;
    let original = backend
        .volume_name_for_mount_point(&machine, volume)
        .map_err(|e| ScenarioFailure(format!("GetVolumeNameForVolumeMountPoint({volume}): {e}")))?;
    if !props.original_volume_name.eq_ignore_ascii_case(&original) {
        return Err(ScenarioFailure(format!(
            "GetSnapshotProperties: m_pwszOriginalVolumeName {}, expected {original}",
            props.original_volume_name
        )));
    }
    // VSS_CTX_BACKUP makes auto-release copies: neither persistent nor kept after Release.
    let kept = SnapshotAttributes::VSS_VOLSNAP_ATTR_PERSISTENT
        | SnapshotAttributes::VSS_VOLSNAP_ATTR_NO_AUTO_RELEASE;
    if props.snapshot_attributes.intersects(kept) {
        return Err(ScenarioFailure(format!(
            "GetSnapshotProperties: attributes {}, expected neither of {kept}",
            props.snapshot_attributes
        )));
    }
    finished("BackupComplete", r.backup_complete())?;
    drop(r);
    let mut admin = ok(
        "CreateVssBackupComponents",
        backend.create_backup_components(&machine),
    )?;
    ok("InitializeForBackup", admin.initialize_for_backup(None))?;
    ok("SetContext", admin.set_context(Context::VSS_CTX_ALL))?;
    returns(
        "GetSnapshotProperties after Release",
        admin.get_snapshot_properties(copy),
        HResult::VSS_E_OBJECT_NOT_FOUND,
    )?;
    Ok(Ran::Passed)
}

/// A transportable hardware shadow copy of a volume of the first machine (vss-behaviour.md
/// §2.2, sequences C and D, and §3): made there under
/// `VSS_CTX_BACKUP | VSS_VOLSNAP_ATTR_TRANSPORTABLE`, its document saved, imported on the
/// second machine (the copy then carries `IMPORTED`, `TRANSPORTABLE` and
/// `HARDWARE_ASSISTED`, and is served there), and broken there with
/// `VSS_BREAKEX_FLAG_MAKE_READ_WRITE`, after which VSS no longer knows it; the backup then
/// completes on the first machine.
pub fn transport_and_break<B: Backend>(backend: &B, volume: &str) -> ScenarioResult {
    if let Some(reason) = lacks(backend, TRANSPORT_AND_BREAK_NEEDS) {
        return Ok(Ran::Skipped(reason));
    }
    let (here, there) = (machine(backend, 0)?, machine(backend, 1)?);
    let mut a = ok(
        "CreateVssBackupComponents",
        backend.create_backup_components(&here),
    )?;
    ok("InitializeForBackup", a.initialize_for_backup(None))?;
    let transportable = Context(
        Context::VSS_CTX_BACKUP.0
            | SnapshotAttributes::VSS_VOLSNAP_ATTR_TRANSPORTABLE.bits() as i32,
    );
    ok("SetContext", a.set_context(transportable))?;
    finished("GatherWriterMetadata", a.gather_writer_metadata())?;
    ok(
        "SetBackupState",
        a.set_backup_state(BackupStateArgs::default()),
    )?;
    let set = ok("StartSnapshotSet", a.start_snapshot_set())?;
    let copy = ok(
        "AddToSnapshotSet",
        a.add_to_snapshot_set(volume, VssId::NULL),
    )?;
    finished("PrepareForBackup", a.prepare_for_backup())?;
    finished("DoSnapshotSet", a.do_snapshot_set())?;
    let document = ok("SaveAsXML", a.save_as_xml())?;
    let mut b = ok(
        "CreateVssBackupComponents",
        backend.create_backup_components(&there),
    )?;
    ok(
        "InitializeForBackup",
        b.initialize_for_backup(Some(&document)),
    )?;
    finished("ImportSnapshots", b.import_snapshots())?;
    let props = ok("GetSnapshotProperties", b.get_snapshot_properties(copy))?;
    check_props(&props, set, copy)?;
    let imported = SnapshotAttributes::VSS_VOLSNAP_ATTR_IMPORTED
        | SnapshotAttributes::VSS_VOLSNAP_ATTR_TRANSPORTABLE
        | SnapshotAttributes::VSS_VOLSNAP_ATTR_HARDWARE_ASSISTED;
    if !props.snapshot_attributes.contains(imported) {
        return Err(ScenarioFailure(format!(
            "GetSnapshotProperties: attributes {}, expected {imported} among them",
            props.snapshot_attributes
        )));
    }
    for (field, value, want) in [
        (
            "m_pwszOriginatingMachine",
            &props.originating_machine,
            &here,
        ),
        ("m_pwszServiceMachine", &props.service_machine, &there),
    ] {
        if !value.eq_ignore_ascii_case(want) {
            return Err(ScenarioFailure(format!(
                "GetSnapshotProperties: {field} {value}, expected {want}"
            )));
        }
    }
    finished(
        "BreakSnapshotSetEx",
        b.break_snapshot_set_ex(set, HardwareOptions::VSS_BREAKEX_FLAG_MAKE_READ_WRITE),
    )?;
    returns(
        "GetSnapshotProperties after the break",
        b.get_snapshot_properties(copy),
        HResult::VSS_E_OBJECT_NOT_FOUND,
    )?;
    finished("BackupComplete", a.backup_complete())?;
    Ok(Ran::Passed)
}

/// A volume of the first machine reverted to a client-accessible shadow copy of it, as
/// Microsoft's vshadow sample reverts: `GetSnapshotProperties` for the copy's volume,
/// `ShouldBlockRevert`, `RevertToSnapshot` with `bForceDismount`, then `QueryRevertStatus`,
/// whose `VSS_E_OBJECT_NOT_FOUND` means that the revert is over, or a wait for it. The
/// volume then reads what it held at the copy, and the copy is gone with the revert.
pub fn revert_to_snapshot<B: Backend>(backend: &B, volume: &str) -> ScenarioResult {
    if let Some(reason) = lacks(backend, REVERT_TO_SNAPSHOT_NEEDS) {
        return Ok(Ran::Skipped(reason));
    }
    let machine = machine(backend, 0)?;
    let env = backend
        .environment()
        .ok_or_else(|| ScenarioFailure("BLOCK_IO without an environment".into()))?;
    let write = |text: &str| {
        env.write_block(&machine, volume, 0, text.as_bytes())
            .map_err(|e| ScenarioFailure(format!("writing {volume}: {e}")))
    };
    write("at the copy")?;
    let mut r = ok(
        "CreateVssBackupComponents",
        backend.create_backup_components(&machine),
    )?;
    ok("InitializeForBackup", r.initialize_for_backup(None))?;
    ok(
        "SetContext",
        r.set_context(Context::VSS_CTX_CLIENT_ACCESSIBLE),
    )?;
    ok("StartSnapshotSet", r.start_snapshot_set())?;
    let copy = ok(
        "AddToSnapshotSet",
        r.add_to_snapshot_set(volume, VssId::NULL),
    )?;
    finished("DoSnapshotSet", r.do_snapshot_set())?;
    write("after the copy")?;
    let props = ok("GetSnapshotProperties", r.get_snapshot_properties(copy))?;
    let original = props.original_volume_name;
    let blocked = backend
        .should_block_revert(&machine, &original)
        .map_err(|e| ScenarioFailure(format!("ShouldBlockRevert({original}): {e}")))?;
    if blocked {
        return Err(ScenarioFailure(format!(
            "ShouldBlockRevert({original}) is TRUE; nothing blocks a revert here"
        )));
    }
    ok("RevertToSnapshot", r.revert_to_snapshot(copy, true))?;
    match r.query_revert_status(&original) {
        Err(HResult::VSS_E_OBJECT_NOT_FOUND) => {}
        started => finished("QueryRevertStatus", started)?,
    }
    let read = env
        .read_block(&machine, volume, 0)
        .map_err(|e| ScenarioFailure(format!("reading {volume}: {e}")))?;
    let want = Block::new(b"at the copy").expect("a short text");
    if read != want {
        return Err(ScenarioFailure(format!(
            "{volume} reads {read} after the revert, expected {want}"
        )));
    }
    returns(
        "GetSnapshotProperties after the revert",
        r.get_snapshot_properties(copy),
        HResult::VSS_E_OBJECT_NOT_FOUND,
    )?;
    Ok(Ran::Passed)
}

/// The reason to skip, when the backend lacks some of `needs`.
fn lacks<B: Backend>(backend: &B, needs: Capabilities) -> Option<String> {
    let missing = needs - backend.capabilities();
    (!missing.is_empty()).then(|| format!("needs {}", capability_names(missing)))
}

/// The backend's machine at `index`: the first is where scenarios start.
fn machine<B: Backend>(backend: &B, index: usize) -> Result<String, ScenarioFailure> {
    backend.machines().get(index).cloned().ok_or_else(|| {
        ScenarioFailure(format!(
            "the {} backend has no machine number {}",
            backend.name(),
            index + 1
        ))
    })
}

/// The value of a call that must succeed.
fn ok<T>(step: &str, result: VssResult<T>) -> Result<T, ScenarioFailure> {
    result.map_err(|hr| ScenarioFailure(format!("{step} returned {hr}, expected S_OK")))
}

/// A call that must fail with `want`.
fn returns<T>(step: &str, result: VssResult<T>, want: HResult) -> Result<(), ScenarioFailure> {
    match result {
        Err(hr) if hr == want => Ok(()),
        Err(hr) => Err(ScenarioFailure(format!(
            "{step} returned {hr}, expected {want}"
        ))),
        Ok(_) => Err(ScenarioFailure(format!(
            "{step} returned S_OK (0x00000000), expected {want}"
        ))),
    }
}

/// An asynchronous call that must start, and whose operation must finish successfully: the
/// requester's `Wait`, then `QueryStatus`.
fn finished<A: VssAsync>(step: &str, started: VssResult<A>) -> Result<(), ScenarioFailure> {
    let mut op = ok(step, started)?;
    let waited = op.wait(INFINITE);
    if waited.is_failure() {
        return Err(ScenarioFailure(format!("{step}: Wait returned {waited}")));
    }
    match op.query_status() {
        Ok(HResult::VSS_S_ASYNC_FINISHED) => Ok(()),
        Ok(status) => Err(ScenarioFailure(format!(
            "{step}: the operation ended with {status}, expected VSS_S_ASYNC_FINISHED"
        ))),
        Err(hr) => Err(ScenarioFailure(format!(
            "{step}: QueryStatus returned {hr}"
        ))),
    }
}

/// The properties of a copy belong to it and to its set.
fn check_props(props: &SnapshotProp, set: VssId, copy: VssId) -> Result<(), ScenarioFailure> {
    if props.snapshot_id != copy || props.snapshot_set_id != set {
        return Err(ScenarioFailure(format!(
            "GetSnapshotProperties: copy {} of set {}, expected copy {copy} of set {set}",
            props.snapshot_id, props.snapshot_set_id
        )));
    }
    Ok(())
}
