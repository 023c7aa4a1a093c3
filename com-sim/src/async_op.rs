//! The simulator's asynchronous operation served as `IVssAsync`.
#![allow(non_snake_case)]

use std::cell::RefCell;

use vss_model::HResult;
use vss_model::backend::VssAsync;
use vss_sim::SimAsync;
use vss_windows::abi::com_hresult;
use vss_windows::interfaces::{IVssAsync, IVssAsync_Impl};
use windows_core::{HRESULT, implement};

/// One simulated `IVssAsync`.
#[implement(IVssAsync, Agile = false)]
pub struct SimAsyncOp {
    inner: RefCell<SimAsync>,
}

impl SimAsyncOp {
    /// Serves `inner`.
    pub fn new(inner: SimAsync) -> SimAsyncOp {
        SimAsyncOp {
            inner: RefCell::new(inner),
        }
    }
}

impl IVssAsync_Impl for SimAsyncOp_Impl {
    unsafe fn Cancel(&self) -> HRESULT {
        com_hresult(self.inner.borrow_mut().cancel())
    }

    unsafe fn Wait(&self, dwMilliseconds: u32) -> HRESULT {
        com_hresult(self.inner.borrow_mut().wait(dwMilliseconds))
    }

    unsafe fn QueryStatus(&self, pHrResult: *mut HRESULT, pReserved: *mut i32) -> HRESULT {
        if pHrResult.is_null() {
            return com_hresult(HResult::E_POINTER);
        }
        // The SDK reserves the second parameter: a caller passing anything but NULL is wrong.
        if !pReserved.is_null() {
            return com_hresult(HResult::E_INVALIDARG);
        }
        match self.inner.borrow_mut().query_status() {
            Ok(status) => {
                // SAFETY: not NULL, and the caller passes a writable HRESULT.
                unsafe { pHrResult.write(com_hresult(status)) };
                HRESULT(0)
            }
            Err(hr) => com_hresult(hr),
        }
    }
}
