//! What every served method does with its parameters: checks an out-parameter before any
//! work (a call with nowhere to put its result must change nothing), writes through it, and
//! reads the strings it is given.

use std::ffi::c_void;

use vss_model::HResult;
use vss_windows::abi::{self, BSTR, boolean, com_hresult};
use vss_windows::memory::ComMemory;
use windows_core::{HRESULT, Interface};

/// The HRESULT of a call that returns nothing.
pub(crate) fn done(result: Result<(), HRESULT>) -> HRESULT {
    result.err().unwrap_or(HRESULT(0))
}

/// Writes `value` through an out-parameter, or fails with `E_POINTER` for `NULL`.
///
/// # Safety
/// `out` is `NULL` or valid for a write of `T`.
pub(crate) unsafe fn put<T>(out: *mut T, value: T) -> Result<(), HRESULT> {
    if out.is_null() {
        return Err(com_hresult(HResult::E_POINTER));
    }
    // SAFETY: not NULL, and the caller vouches that it is writable.
    unsafe { out.write(value) };
    Ok(())
}

/// Checks an out-parameter before any work is done, as a call with nowhere to put its
/// result must change nothing.
pub(crate) fn writable<T>(out: *mut T) -> Result<(), HRESULT> {
    if out.is_null() {
        Err(com_hresult(HResult::E_POINTER))
    } else {
        Ok(())
    }
}

/// `E_INVALIDARG`: an argument the method cannot take.
pub(crate) fn invalid() -> HRESULT {
    com_hresult(HResult::E_INVALIDARG)
}

/// `E_NOTIMPL`: a method of something the simulator does not model (restore, MSXML).
pub(crate) fn not_implemented() -> HRESULT {
    com_hresult(HResult::E_NOTIMPL)
}

/// `VSS_E_OBJECT_NOT_FOUND`: an index past the end of what the object holds.
pub(crate) fn not_found() -> HRESULT {
    com_hresult(HResult::VSS_E_OBJECT_NOT_FOUND)
}

/// Hands an interface out through an out-parameter; the reference is the caller's.
///
/// # Safety
/// As [`put`].
pub(crate) unsafe fn put_interface<I: Interface>(
    out: *mut *mut c_void,
    iface: I,
) -> Result<(), HRESULT> {
    // SAFETY: the caller vouches for `out`; `into_raw` gives up our reference to it.
    unsafe { put(out, iface.into_raw()) }
}

/// Hands a text out as a `BSTR` the caller frees with `SysFreeString`.
///
/// # Safety
/// As [`put`].
pub(crate) unsafe fn put_bstr(
    memory: &dyn ComMemory,
    out: *mut BSTR,
    text: &str,
) -> Result<(), HRESULT> {
    writable(out)?;
    // SAFETY: checked writable; the BSTR is the caller's.
    unsafe { put(out, memory.bstr(text)) }
}

/// Hands out a text that may be absent (a logical path, a caption, an alternate location):
/// `NULL` when it is empty, as the SDK allows, else a `BSTR` the caller frees.
///
/// # Safety
/// As [`put`].
pub(crate) unsafe fn put_optional_bstr(
    memory: &dyn ComMemory,
    out: *mut BSTR,
    text: &str,
) -> Result<(), HRESULT> {
    if text.is_empty() {
        // SAFETY: the caller vouches for `out`.
        return unsafe { put(out, std::ptr::null_mut()) };
    }
    // SAFETY: as above.
    unsafe { put_bstr(memory, out, text) }
}

/// A `bool` (one byte) as the SDK's C++ out-parameters take it.
///
/// # Safety
/// As [`put`].
pub(crate) unsafe fn put_bool(out: *mut boolean, value: bool) -> Result<(), HRESULT> {
    // SAFETY: the caller vouches for `out`.
    unsafe { put(out, u8::from(value)) }
}

/// Reads a string argument; `NULL` is `None`, text that is not UTF-16 `E_INVALIDARG`.
///
/// # Safety
/// `p` is `NULL` or NUL-terminated.
pub(crate) unsafe fn text(p: *const u16) -> Result<Option<String>, HRESULT> {
    // SAFETY: the caller vouches for `p`.
    unsafe { abi::read_pwsz(p, "an argument") }.map_err(|_| invalid())
}

/// Reads a string argument that must be given.
///
/// # Safety
/// As [`text`].
pub(crate) unsafe fn required(p: *const u16) -> Result<String, HRESULT> {
    // SAFETY: the caller vouches for `p`.
    unsafe { text(p) }?.ok_or_else(invalid)
}
