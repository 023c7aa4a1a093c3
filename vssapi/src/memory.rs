//! The allocators the DLL hands strings out with, and frees them with.
//!
//! On Windows they are the system's: a program frees what it gets with `SysFreeString` and
//! `CoTaskMemFree`, as it would free real VSS's strings. Elsewhere the DLL's functions are
//! called by tests in the same process, and one checked ledger stands for the system's
//! allocators, so that a test sees any string leaked or freed twice.

use std::sync::Arc;

use vss_windows::ComMemory;
use vss_windows::abi::VSS_SNAPSHOT_PROP;

/// The allocators of the process, as the served objects use them.
pub fn system() -> Arc<dyn ComMemory> {
    platform::memory()
}

/// `VssFreeSnapshotProperties` with the process's allocators: each string of `prop` freed
/// with `CoTaskMemFree` and set to `NULL`.
///
/// # Safety
/// Each string of `prop` is `NULL` or task memory from [`system`] not yet freed.
pub unsafe fn free_snapshot_properties(prop: &mut VSS_SNAPSHOT_PROP) {
    // SAFETY: the caller vouches for the strings.
    unsafe { platform::memory().free_snapshot_properties(prop) }
}

#[cfg(windows)]
mod platform {
    use std::ffi::c_void;
    use std::sync::Arc;

    use vss_windows::abi::BSTR;
    use vss_windows::{ComMemory, SystemMemory};

    /// The system's allocators, with `VssFreeSnapshotProperties` done string by string:
    /// `SystemMemory` calls vssapi.dll's, which is this DLL's own export.
    struct DllMemory;

    // SAFETY: each function is the system's, whose promises the trait states.
    unsafe impl ComMemory for DllMemory {
        fn alloc_bstr(&self, units: &[u16]) -> BSTR {
            SystemMemory.alloc_bstr(units)
        }

        unsafe fn free_bstr(&self, bstr: BSTR) {
            // SAFETY: the caller's promise is passed on.
            unsafe { SystemMemory.free_bstr(bstr) }
        }

        unsafe fn bstr_len(&self, bstr: BSTR) -> usize {
            // SAFETY: the caller's promise is passed on.
            unsafe { SystemMemory.bstr_len(bstr) }
        }

        fn task_alloc(&self, bytes: usize) -> *mut c_void {
            SystemMemory.task_alloc(bytes)
        }

        unsafe fn task_free(&self, p: *mut c_void) {
            // SAFETY: the caller's promise is passed on.
            unsafe { SystemMemory.task_free(p) }
        }
    }

    pub(super) fn memory() -> Arc<dyn ComMemory> {
        Arc::new(DllMemory)
    }
}

#[cfg(not(windows))]
mod platform {
    use std::sync::{Arc, OnceLock};

    use vss_windows::{CheckedMemory, ComMemory};

    static LEDGER: OnceLock<Arc<CheckedMemory>> = OnceLock::new();

    pub(super) fn ledger() -> &'static Arc<CheckedMemory> {
        LEDGER.get_or_init(|| Arc::new(CheckedMemory::new()))
    }

    pub(super) fn memory() -> Arc<dyn ComMemory> {
        ledger().clone()
    }
}

/// The ledger standing for the system's allocators off Windows, shared by the DLL's
/// functions and the tests that call them.
#[cfg(not(windows))]
pub fn ledger() -> &'static vss_windows::CheckedMemory {
    platform::ledger()
}
