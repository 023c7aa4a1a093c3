//! `vssapi.dll` built from the simulator: a Windows VSS requester, unmodified, runs against
//! a simulated SAN.
//!
//! A backup program reaches VSS through a handful of functions of `vssapi.dll`, above all
//! `CreateVssBackupComponents`, which hands out the requester object, `IVssBackupComponents`.
//! This crate builds a DLL of that name exporting those functions with vssapi.dll's
//! signatures, whose requester objects are the simulator's, served through COM by
//! `vss-sim-com` (the same objects the COM-ABI harness tests). Placed beside a program (or,
//! under Wine, loaded with `WINEDLLOVERRIDES=vssapi=n`), it lets the program create, import,
//! break, expose and delete shadow copies of a world with hardware providers and LUNs, with
//! faults on demand, on a machine that has none of them.
//!
//! The world is set by environment variables ([`config::VARIABLES`]): the world file, a
//! state file shared with `vss-sim run --state` and `vss-sim diskshadow --state` (so a
//! program on HOSTA and a DiskShadow session on HOSTB work on one SAN), the machine the
//! process plays, a trace file and a recording of the calls. How the world lives in a
//! process is described in [`session`].
//!
//! Nothing may unwind into the program: every export catches a panic and returns
//! `E_UNEXPECTED`, and a setting the DLL cannot use makes the factory fail with an HRESULT
//! that says which ([`refusal`]), the reason on standard error and in the trace.
//!
//! The exports are what the SDK's vsbackup.h calls (Windows 8 and later, where
//! `CreateVssBackupComponents`, `VssFreeSnapshotProperties` and `ShouldBlockRevert` are
//! inline functions calling the `…Internal` ones). Off Windows they are plain functions the
//! tests call, with a checked allocator standing for the system's ([`memory`]).
#![allow(non_snake_case)]

pub mod config;
pub mod memory;
pub mod refusal;
pub mod session;

use std::ffi::c_void;
use std::panic::{AssertUnwindSafe, catch_unwind};

use vss_model::HResult;
use vss_model::backend::Backend;
use vss_windows::abi::{self, VSS_SNAPSHOT_PROP, boolean, com_hresult};
use windows_core::{HRESULT, Interface};

use crate::refusal::Refusal;

/// Runs an export's body, turning a panic into `E_UNEXPECTED` and a refusal into its
/// HRESULT, told to the user.
fn guarded(what: &str, body: impl FnOnce() -> Result<(), Refusal>) -> HRESULT {
    let outcome =
        catch_unwind(AssertUnwindSafe(body)).unwrap_or_else(|_| Err(Refusal::internal(what)));
    match outcome {
        Ok(()) => HRESULT(0),
        Err(refusal) => {
            session::report(&refusal);
            refusal.hr
        }
    }
}

/// `CreateVssBackupComponents`: a new requester object (`IVssBackupComponents`) on the
/// machine the process plays, written to `*ppBackup` with one reference for the caller.
///
/// Returns `E_INVALIDARG` for a `NULL` `ppBackup`, as documented, and a refusal's HRESULT
/// when the configured world cannot be served.
///
/// # Safety
/// `ppBackup` is `NULL` or valid for a write of a pointer.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn CreateVssBackupComponentsInternal(
    ppBackup: *mut *mut c_void,
) -> HRESULT {
    if ppBackup.is_null() {
        return com_hresult(HResult::E_INVALIDARG);
    }
    guarded("CreateVssBackupComponents", || {
        let object = session::create_backup_components(memory::system)?;
        // SAFETY: checked not NULL above; the caller vouches that it is writable. The
        // reference `into_raw` gives up is the caller's.
        unsafe { ppBackup.write(object.into_raw()) };
        Ok(())
    })
}

/// `VssFreeSnapshotProperties`: frees the strings of a `VSS_SNAPSHOT_PROP` that
/// `GetSnapshotProperties` or a `Query` enumeration filled in, and sets them to `NULL`.
///
/// # Safety
/// `pProp` is `NULL` or points to a structure whose strings are `NULL` or were allocated
/// by this DLL and not freed since.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn VssFreeSnapshotPropertiesInternal(pProp: *mut VSS_SNAPSHOT_PROP) {
    if pProp.is_null() {
        return;
    }
    // SAFETY: not NULL; the caller vouches for the strings.
    unsafe { memory::free_snapshot_properties(&mut *pProp) };
}

/// `ShouldBlockRevert`: whether reverting `wszVolumeName` to a shadow copy is blocked on the
/// machine the process plays (the world says so of the volume), written to `*pbBlock`.
///
/// # Safety
/// `wszVolumeName` is `NULL` or NUL-terminated; `pbBlock` is `NULL` or valid for a write of
/// a byte.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn ShouldBlockRevertInternal(
    wszVolumeName: *const u16,
    pbBlock: *mut boolean,
) -> HRESULT {
    if pbBlock.is_null() {
        return com_hresult(HResult::E_INVALIDARG);
    }
    // SAFETY: the caller vouches for the string.
    let volume = match unsafe { abi::read_pwsz(wszVolumeName, "wszVolumeName") } {
        Ok(Some(volume)) => volume,
        _ => return com_hresult(HResult::E_INVALIDARG),
    };
    guarded("ShouldBlockRevert", || {
        let block = session::with_world(|sim, machine| {
            sim.should_block_revert(machine, &volume)
                .map_err(|e| Refusal::argument(format!("ShouldBlockRevert({volume}): {e}")))
        })?;
        // SAFETY: checked not NULL above; the caller vouches that it is writable.
        unsafe { pbBlock.write(boolean::from(block)) };
        Ok(())
    })
}
