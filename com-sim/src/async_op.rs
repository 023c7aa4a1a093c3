//! The simulator's asynchronous operation served as `IVssAsync`.
#![allow(non_snake_case)]

use std::cell::RefCell;

use vss_model::HResult;
use vss_model::backend::VssAsync;
use vss_sim::SimAsync;
use vss_windows::abi::com_hresult;
use vss_windows::interfaces::{IVssAsync, IVssAsync_Impl};
use windows_core::{HRESULT, implement};

use crate::census::Live;

/// One simulated `IVssAsync`.
#[implement(IVssAsync, Agile = false)]
pub struct SimAsyncOp {
    inner: RefCell<SimAsync>,
    _live: Live,
}

impl SimAsyncOp {
    /// Serves `inner`, counted while it lives by `live`'s census.
    pub fn new(inner: SimAsync, live: Live) -> SimAsyncOp {
        SimAsyncOp {
            inner: RefCell::new(inner),
            _live: live,
        }
    }
}

/// What a call made while another call on the same object is still running gets: a
/// single-threaded object cannot serve it, and the caller broke the apartment's rules.
pub(crate) fn reentered() -> HRESULT {
    com_hresult(HResult::E_UNEXPECTED)
}

impl IVssAsync_Impl for SimAsyncOp_Impl {
    unsafe fn Cancel(&self) -> HRESULT {
        match self.inner.try_borrow_mut() {
            Ok(mut op) => com_hresult(op.cancel()),
            Err(_) => reentered(),
        }
    }

    unsafe fn Wait(&self, dwMilliseconds: u32) -> HRESULT {
        match self.inner.try_borrow_mut() {
            Ok(mut op) => com_hresult(op.wait(dwMilliseconds)),
            Err(_) => reentered(),
        }
    }

    unsafe fn QueryStatus(&self, pHrResult: *mut HRESULT, pReserved: *mut i32) -> HRESULT {
        if pHrResult.is_null() {
            return com_hresult(HResult::E_POINTER);
        }
        // The SDK reserves the second parameter: a caller passing anything but NULL is wrong.
        if !pReserved.is_null() {
            return com_hresult(HResult::E_INVALIDARG);
        }
        let Ok(mut op) = self.inner.try_borrow_mut() else {
            return reentered();
        };
        match op.query_status() {
            Ok(status) => {
                // SAFETY: not NULL, and the caller passes a writable HRESULT.
                unsafe { pHrResult.write(com_hresult(status)) };
                HRESULT(0)
            }
            Err(hr) => com_hresult(hr),
        }
    }
}
