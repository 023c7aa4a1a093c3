//! The Windows functions the real backend needs: COM initialisation, the requester object's
//! factory in vssapi.dll, the system string allocators and volume names.
//!
//! This module is built on Windows, and on other systems under `--cfg vss_windows_check` so
//! that `.ci/run` type-checks it everywhere (it is never linked there).
#![allow(non_snake_case)]

use std::ffi::c_void;
use std::ptr;

use vss_model::backend::{EnvError, VssResult};
use windows_core::{HRESULT, Interface};

use crate::abi::{BOOL, BSTR, VSS_SNAPSHOT_PROP, hresult, read_pwsz, wide};
use crate::interfaces::IVssBackupComponents;
use crate::memory::ComMemory;

windows_core::link!("ole32.dll" "system" fn CoInitializeEx(pvReserved: *const c_void, dwCoInit: u32) -> HRESULT);
windows_core::link!("ole32.dll" "system" fn CoInitializeSecurity(pSecDesc: *const c_void, cAuthSvc: i32, asAuthSvc: *const c_void, pReserved1: *const c_void, dwAuthnLevel: u32, dwImpLevel: u32, pAuthList: *const c_void, dwCapabilities: u32, pReserved3: *const c_void) -> HRESULT);
windows_core::link!("ole32.dll" "system" fn CoTaskMemAlloc(cb: usize) -> *mut c_void);
windows_core::link!("ole32.dll" "system" fn CoTaskMemFree(pv: *const c_void));
windows_core::link!("oleaut32.dll" "system" fn SysAllocStringLen(strIn: *const u16, ui: u32) -> BSTR);
windows_core::link!("oleaut32.dll" "system" fn SysFreeString(bstrString: BSTR));
windows_core::link!("oleaut32.dll" "system" fn SysStringLen(pbstr: BSTR) -> u32);
windows_core::link!("vssapi.dll" "system" fn CreateVssBackupComponentsInternal(ppBackup: *mut *mut c_void) -> HRESULT);
windows_core::link!("vssapi.dll" "system" fn VssFreeSnapshotPropertiesInternal(pProp: *mut VSS_SNAPSHOT_PROP));
// The SDK's `bool *pbBlock` is a C++ bool, one byte: read as a byte, never as a Rust `bool`.
windows_core::link!("vssapi.dll" "system" fn ShouldBlockRevert(wszVolumeName: *const u16, pbBlock: *mut u8) -> HRESULT);
windows_core::link!("kernel32.dll" "system" fn GetVolumeNameForVolumeMountPointW(lpszVolumeMountPoint: *const u16, lpszVolumeName: *mut u16, cchBufferLength: u32) -> BOOL);
windows_core::link!("kernel32.dll" "system" fn GetVolumePathNamesForVolumeNameW(lpszVolumeName: *const u16, lpszVolumePathNames: *mut u16, cchBufferLength: u32, lpcchReturnLength: *mut u32) -> BOOL);
windows_core::link!("kernel32.dll" "system" fn GetLastError() -> u32);

/// `COINIT_MULTITHREADED`.
const COINIT_MULTITHREADED: u32 = 0;
/// `RPC_C_AUTHN_LEVEL_PKT_PRIVACY`.
const RPC_C_AUTHN_LEVEL_PKT_PRIVACY: u32 = 6;
/// `RPC_C_IMP_LEVEL_IDENTIFY`.
const RPC_C_IMP_LEVEL_IDENTIFY: u32 = 2;
/// `EOAC_DYNAMIC_CLOAKING`.
const EOAC_DYNAMIC_CLOAKING: u32 = 0x40;
/// `RPC_E_CHANGED_MODE`: the thread is already in a single-threaded apartment.
const RPC_E_CHANGED_MODE: HRESULT = HRESULT(0x8001_0106_u32 as i32);
/// `RPC_E_TOO_LATE`: the process's COM security was set before.
const RPC_E_TOO_LATE: HRESULT = HRESULT(0x8001_0119_u32 as i32);

/// Enters this thread into the multithreaded apartment. A thread already in COM is fine: in
/// the multithreaded apartment already, or in a single-threaded one its owner chose
/// (`RPC_E_CHANGED_MODE`), where the object then lives. The thread never leaves (no
/// `CoUninitialize`): objects made on it may outlive any scope here.
fn enter_apartment() -> Result<(), HRESULT> {
    // SAFETY: a plain call with the NULL reserved pointer, as documented.
    let hr = unsafe { CoInitializeEx(ptr::null(), COINIT_MULTITHREADED) };
    if hr.is_err() && hr != RPC_E_CHANGED_MODE {
        return Err(hr);
    }
    Ok(())
}

/// Enters this thread into COM and sets the process's COM security as the SDK's requester
/// sample does, so that VSS may call back with identify-level impersonation. Security set
/// before by the process (`RPC_E_TOO_LATE`) stays as it was set.
pub(super) fn initialize_com() -> Result<(), String> {
    enter_apartment().map_err(|hr| format!("CoInitializeEx failed: {}", hresult(hr)))?;
    // SAFETY: NULL descriptor and lists with -1 services: the default security, as
    // documented for a process that takes the defaults.
    let hr = unsafe {
        CoInitializeSecurity(
            ptr::null(),
            -1,
            ptr::null(),
            ptr::null(),
            RPC_C_AUTHN_LEVEL_PKT_PRIVACY,
            RPC_C_IMP_LEVEL_IDENTIFY,
            ptr::null(),
            EOAC_DYNAMIC_CLOAKING,
            ptr::null(),
        )
    };
    if hr.is_err() && hr != RPC_E_TOO_LATE {
        return Err(format!("CoInitializeSecurity failed: {}", hresult(hr)));
    }
    Ok(())
}

/// `CreateVssBackupComponents`, which vsbackup.h defines inline as a call of
/// `CreateVssBackupComponentsInternal`.
///
/// The calling thread is entered into COM first: the backend may be used from a thread other
/// than the one that connected it.
pub(super) fn create_vss_backup_components() -> VssResult<IVssBackupComponents> {
    enter_apartment().map_err(hresult)?;
    let mut raw: *mut c_void = ptr::null_mut();
    // SAFETY: `raw` is a valid out-parameter.
    let hr = unsafe { CreateVssBackupComponentsInternal(&mut raw) };
    if hr.is_err() {
        return Err(hresult(hr));
    }
    if raw.is_null() {
        return Err(vss_model::HResult::E_POINTER);
    }
    // SAFETY: on success the factory wrote a new, AddRef'd interface pointer.
    Ok(unsafe { IVssBackupComponents::from_raw(raw) })
}

/// `text` as the volume functions want it: UTF-16, NUL-terminated, with the trailing
/// backslash they require (VSS's own volume names have it; a drive letter may not).
fn wide_with_backslash(text: &str) -> Vec<u16> {
    let mut text = text.to_string();
    if !text.ends_with('\\') {
        text.push('\\');
    }
    wide(&text)
}

/// `GetVolumeNameForVolumeMountPoint`: the `\\?\Volume{GUID}\` name of a mount point.
pub(super) fn volume_name_for_mount_point(mount_point: &str) -> Result<String, EnvError> {
    let point = wide_with_backslash(mount_point);
    // 50 characters hold `\\?\Volume{GUID}\` and its NUL, as the documentation says.
    let mut name = [0u16; 50];
    // SAFETY: `point` is NUL-terminated; `name` has the room passed.
    let done = unsafe {
        GetVolumeNameForVolumeMountPointW(point.as_ptr(), name.as_mut_ptr(), name.len() as u32)
    };
    if done == 0 {
        // SAFETY: a plain call.
        let error = unsafe { GetLastError() };
        return Err(EnvError::Invalid(format!(
            "GetVolumeNameForVolumeMountPoint(`{mount_point}`) failed with error {error}"
        )));
    }
    // SAFETY: on success the buffer holds a NUL-terminated name.
    match unsafe { read_pwsz(name.as_ptr(), "the volume name") } {
        Ok(Some(text)) => Ok(text),
        _ => Err(EnvError::Invalid(format!(
            "`{mount_point}` has no readable volume name"
        ))),
    }
}

/// `ShouldBlockRevert`: whether writers the registry lists under `WritersBlockingRevert`
/// have components on the volume. The name is passed as given: the function, not this
/// backend, judges it.
pub(super) fn should_block_revert(volume_name: &str) -> Result<bool, EnvError> {
    let name = wide(volume_name);
    let mut block = 0u8;
    // SAFETY: `name` is NUL-terminated; `block` is a one-byte out-parameter, as C++'s bool.
    let hr = unsafe { ShouldBlockRevert(name.as_ptr(), &mut block) };
    if hr.is_err() {
        return Err(EnvError::Invalid(format!(
            "ShouldBlockRevert(`{volume_name}`) failed with {}",
            hresult(hr)
        )));
    }
    Ok(block != 0)
}

/// `ERROR_MORE_DATA`: the buffer was too small; the length needed was returned.
const ERROR_MORE_DATA: u32 = 234;

/// `GetVolumePathNamesForVolumeName`: the drive letters and folders a volume is mounted at.
pub(super) fn volume_path_names_for_volume_name(
    volume_name: &str,
) -> Result<Vec<String>, EnvError> {
    let name = wide_with_backslash(volume_name);
    // MAX_PATH characters hold one path; the function says how many it needs for more.
    let mut names = vec![0u16; 261];
    loop {
        let mut needed = 0u32;
        // SAFETY: `name` is NUL-terminated; `names` has the room passed.
        let done = unsafe {
            GetVolumePathNamesForVolumeNameW(
                name.as_ptr(),
                names.as_mut_ptr(),
                names.len() as u32,
                &mut needed,
            )
        };
        if done != 0 {
            break;
        }
        // SAFETY: a plain call.
        let error = unsafe { GetLastError() };
        if error == ERROR_MORE_DATA && needed as usize > names.len() {
            names = vec![0u16; needed as usize];
            continue;
        }
        return Err(EnvError::Invalid(format!(
            "GetVolumePathNamesForVolumeName(`{volume_name}`) failed with error {error}"
        )));
    }
    // A list of NUL-terminated paths, ended by an empty one.
    Ok(names
        .split(|unit| *unit == 0)
        .take_while(|path| !path.is_empty())
        .map(String::from_utf16_lossy)
        .collect())
}

/// The system's allocators: oleaut32's `BSTR` functions, ole32's task memory, and vssapi's
/// `VssFreeSnapshotProperties`.
pub struct SystemMemory;

// SAFETY: these are the Windows functions whose promises the trait states.
unsafe impl ComMemory for SystemMemory {
    fn alloc_bstr(&self, units: &[u16]) -> BSTR {
        // A text too long for a BSTR gets none, as an allocation that fails.
        let Ok(len) = u32::try_from(units.len()) else {
            return std::ptr::null_mut();
        };
        // SAFETY: `units` holds `len` units to copy.
        unsafe { SysAllocStringLen(units.as_ptr(), len) }
    }

    unsafe fn free_bstr(&self, bstr: BSTR) {
        // SAFETY: the caller vouches that `bstr` is NULL or a live BSTR.
        unsafe { SysFreeString(bstr) }
    }

    unsafe fn bstr_len(&self, bstr: BSTR) -> usize {
        // SAFETY: the caller vouches that `bstr` is NULL or a live BSTR.
        unsafe { SysStringLen(bstr) as usize }
    }

    fn task_alloc(&self, bytes: usize) -> *mut c_void {
        // SAFETY: a plain allocation.
        unsafe { CoTaskMemAlloc(bytes) }
    }

    unsafe fn task_free(&self, p: *mut c_void) {
        // SAFETY: the caller vouches that `p` is NULL or live task memory.
        unsafe { CoTaskMemFree(p) }
    }

    unsafe fn free_snapshot_properties(&self, prop: &mut VSS_SNAPSHOT_PROP) {
        // SAFETY: the caller vouches for the structure's strings; the function frees them.
        unsafe { VssFreeSnapshotPropertiesInternal(prop) }
    }
}
