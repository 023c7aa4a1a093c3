//! The DLL's exports called as a program calls them, in one process: configured by the
//! environment, its requester objects driven through the real backend's COM client, its
//! world kept in a state file, traced and recorded.
//!
//! The DLL reads its environment once per thread, as in a real process, so the whole story
//! is one test. On Windows the exports are the DLL's and allocate with the system's
//! allocators: the Wine suite tests them there, through programs that load the DLL.
#![cfg(not(windows))]

use std::path::{Path, PathBuf};
use std::ptr;

use vss_model::backend::{BackupComponents, BackupStateArgs, VssAsync};
use vss_model::{Context, HResult, ObjectType, VssId};
use vss_sim::Simulator;
use vss_sim::runner::{RunEnd, Scenario, run_scenario};
use vss_sim::state::{StateFile, StateLock};
use vss_windows::ComBackupComponents;
use vss_windows::abi::VSS_SNAPSHOT_PROP;
use vss_windows::interfaces::IVssBackupComponents;
use windows_core::{HRESULT, Interface};

fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("vssapi-exports-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `CreateVssBackupComponents`, the object wrapped in the real backend's client.
fn create() -> Result<ComBackupComponents, HRESULT> {
    let mut raw = ptr::null_mut();
    // SAFETY: `raw` is a valid out-parameter.
    let hr = unsafe { vssapi::CreateVssBackupComponentsInternal(&mut raw) };
    if hr.is_err() {
        return Err(hr);
    }
    // SAFETY: on success the factory wrote an interface pointer with one reference for us.
    let iface = unsafe { IVssBackupComponents::from_raw(raw) };
    Ok(ComBackupComponents::new(iface, vssapi::memory::system()))
}

/// A persistent shadow copy of `C:` on the machine the process plays.
fn persistent_copy(requester: &mut ComBackupComponents) -> VssId {
    requester.initialize_for_backup(None).unwrap();
    requester
        .set_context(Context::VSS_CTX_APP_ROLLBACK)
        .unwrap();
    let mut op = requester.gather_writer_metadata().unwrap();
    assert_eq!(op.wait(u32::MAX), HResult::S_OK);
    requester.start_snapshot_set().unwrap();
    let copy = requester.add_to_snapshot_set(r"C:\", VssId::NULL).unwrap();
    requester
        .set_backup_state(BackupStateArgs::default())
        .unwrap();
    let mut op = requester.prepare_for_backup().unwrap();
    assert_eq!(op.wait(u32::MAX), HResult::S_OK);
    let mut op = requester.do_snapshot_set().unwrap();
    assert_eq!(op.wait(u32::MAX), HResult::S_OK);
    assert_eq!(op.query_status(), Ok(HResult::VSS_S_ASYNC_FINISHED));
    copy
}

fn replays(recording: &Path, sim: &Simulator) {
    let text = std::fs::read_to_string(recording).unwrap();
    let scenario = Scenario::parse(&text, &recording.display().to_string()).unwrap();
    let report = run_scenario(&scenario, sim, None);
    assert!(
        matches!(report.outcome, RunEnd::Passed),
        "{}",
        report.output
    );
}

#[test]
fn a_program_creates_keeps_and_finds_copies_through_the_exports() {
    let dir = scratch();
    let state = dir.join("world.json");
    let trace = dir.join("trace.txt");
    let recording = dir.join("run.json");
    // SAFETY: set before any thread of this test binary reads the environment.
    unsafe {
        std::env::set_var("VSS_SIM_STATE", &state);
        std::env::set_var("VSS_SIM_TRACE", &trace);
        std::env::set_var("VSS_SIM_RECORD", &recording);
        std::env::set_var("VSS_SIM_MACHINE", "hosta");
    }

    // SAFETY: NULL is the documented misuse; nothing is written.
    let hr = unsafe { vssapi::CreateVssBackupComponentsInternal(ptr::null_mut()) };
    assert_eq!(HResult(hr.0), HResult::E_INVALIDARG);

    // The first process's run: a persistent copy, kept in the state file as soon as it is
    // made, before the program lets go of the object.
    let mut requester = create().unwrap();
    let copy = persistent_copy(&mut requester);
    assert!(
        state.exists(),
        "the state file is written while the run goes on"
    );
    let mut prop = vss_windows::marshal::write_snapshot_prop(
        &*vssapi::memory::system(),
        &requester.get_snapshot_properties(copy).unwrap(),
    );
    // SAFETY: the strings were allocated with the DLL's allocators just above.
    unsafe { vssapi::VssFreeSnapshotPropertiesInternal(&mut prop) };
    assert!(prop.m_pwszOriginalVolumeName.is_null());
    // SAFETY: NULL is allowed and ignored.
    unsafe { vssapi::VssFreeSnapshotPropertiesInternal(ptr::null_mut::<VSS_SNAPSHOT_PROP>()) };
    drop(requester);

    // The run ended with the last release: the state file holds it and its lock is free;
    // the trace shows what VSS did; the recording replays on a fresh world.
    let saved = StateFile::load(&state).unwrap();
    assert_eq!(saved.run_count(), 1);
    let traced = std::fs::read_to_string(&trace).unwrap();
    assert!(traced.contains("DoSnapshotSet"), "{traced}");
    replays(&recording, &Simulator::default_world());

    // A held lock refuses the next run, and says which HRESULT and why.
    let lock = StateLock::take(&state).unwrap();
    assert_eq!(create().err(), Some(vssapi::refusal::LOCK_VIOLATION));
    drop(lock);

    // The next run starts from the state file and finds the copy.
    let mut requester = create().unwrap();
    requester.initialize_for_backup(None).unwrap();
    requester.set_context(Context::VSS_CTX_ALL).unwrap();
    let found = requester
        .query(
            VssId::NULL,
            ObjectType::VSS_OBJECT_NONE,
            ObjectType::VSS_OBJECT_SNAPSHOT,
        )
        .unwrap();
    assert_eq!(found.len(), 1);
    drop(requester);
    assert_eq!(StateFile::load(&state).unwrap().run_count(), 2);

    // ShouldBlockRevert: the default world blocks no revert; a volume it lacks and a NULL
    // answer are invalid arguments.
    let volume: Vec<u16> = "C:\\\0".encode_utf16().collect();
    let mut block = 1u8;
    // SAFETY: a NUL-terminated name and a writable byte.
    let hr = unsafe { vssapi::ShouldBlockRevertInternal(volume.as_ptr(), &mut block) };
    assert_eq!((HResult(hr.0), block), (HResult::S_OK, 0));
    let missing: Vec<u16> = "Q:\\\0".encode_utf16().collect();
    // SAFETY: as above.
    let hr = unsafe { vssapi::ShouldBlockRevertInternal(missing.as_ptr(), &mut block) };
    assert_eq!(HResult(hr.0), HResult::E_INVALIDARG);
    // SAFETY: NULL is refused before anything is written.
    let hr = unsafe { vssapi::ShouldBlockRevertInternal(volume.as_ptr(), ptr::null_mut()) };
    assert_eq!(HResult(hr.0), HResult::E_INVALIDARG);

    let audit = vssapi::memory::ledger().audit();
    assert!(audit.is_ok(), "{audit:?}");
}
