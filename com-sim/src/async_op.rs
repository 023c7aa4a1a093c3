//! A served requester object's asynchronous operation, as `IVssAsync`.
#![allow(non_snake_case)]

use std::cell::RefCell;

use vss_model::HResult;
use vss_model::backend::VssAsync;
use vss_windows::abi::com_hresult;
use vss_windows::interfaces::{IVssAsync, IVssAsync_Impl};
use windows_core::{HRESULT, implement};

use crate::census::Live;

/// One asynchronous operation of a served requester object, as `IVssAsync`.
#[implement(IVssAsync, Agile = false)]
pub struct SimAsyncOp<A>
where
    A: VssAsync + 'static,
{
    inner: RefCell<A>,
    live: Live,
}

impl<A: VssAsync + 'static> SimAsyncOp<A> {
    /// Serves `inner`, counted while it lives by `live`'s census.
    pub fn new(inner: A, live: Live) -> SimAsyncOp<A> {
        SimAsyncOp {
            inner: RefCell::new(inner),
            live,
        }
    }
}

/// What a call made while another call on the same object is still running gets: a
/// single-threaded object cannot serve it, and the caller broke the apartment's rules.
pub(crate) fn reentered() -> HRESULT {
    com_hresult(HResult::E_UNEXPECTED)
}

impl<A: VssAsync + 'static> SimAsyncOp<A> {
    /// Makes one call on the operation, then tells the host it ended; a call made while
    /// another is running on it is refused (see [`reentered`]).
    fn call(&self, f: impl FnOnce(&mut A) -> HRESULT) -> HRESULT {
        let hr = match self.inner.try_borrow_mut() {
            Ok(mut op) => f(&mut op),
            Err(_) => return reentered(),
        };
        self.live.called();
        hr
    }
}

impl<A: VssAsync + 'static> IVssAsync_Impl for SimAsyncOp_Impl<A> {
    unsafe fn Cancel(&self) -> HRESULT {
        self.call(|op| com_hresult(op.cancel()))
    }

    unsafe fn Wait(&self, dwMilliseconds: u32) -> HRESULT {
        self.call(|op| com_hresult(op.wait(dwMilliseconds)))
    }

    unsafe fn QueryStatus(&self, pHrResult: *mut HRESULT, pReserved: *mut i32) -> HRESULT {
        if pHrResult.is_null() {
            return com_hresult(HResult::E_POINTER);
        }
        // The SDK reserves the second parameter: a caller passing anything but NULL is wrong.
        if !pReserved.is_null() {
            return com_hresult(HResult::E_INVALIDARG);
        }
        self.call(|op| match op.query_status() {
            Ok(status) => {
                // SAFETY: not NULL, and the caller passes a writable HRESULT.
                unsafe { pHrResult.write(com_hresult(status)) };
                HRESULT(0)
            }
            Err(hr) => com_hresult(hr),
        })
    }
}
