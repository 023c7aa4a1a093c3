//! A `Query` result served as `IVssEnumObject`.
#![allow(non_snake_case)]

use std::cell::Cell;
use std::ffi::c_void;
use std::rc::Rc;
use std::sync::Arc;

use vss_model::{HResult, ObjectProp};
use vss_windows::abi::{VSS_OBJECT_PROP, com_hresult};
use vss_windows::interfaces::{IVssEnumObject, IVssEnumObject_Impl};
use vss_windows::marshal::write_object_prop;
use vss_windows::memory::ComMemory;
use windows_core::{HRESULT, Interface, implement};

use crate::census::Live;

/// One enumeration: the objects, and where the next `Next` starts.
#[implement(IVssEnumObject, Agile = false)]
pub struct SimEnum {
    objects: Rc<[ObjectProp]>,
    next: Cell<usize>,
    memory: Arc<dyn ComMemory>,
    live: Live,
}

impl SimEnum {
    /// An enumeration of `objects` from the first, handing strings out with `memory`,
    /// counted while it lives by `live`'s census.
    pub fn new(objects: Rc<[ObjectProp]>, memory: Arc<dyn ComMemory>, live: Live) -> SimEnum {
        SimEnum {
            objects,
            next: Cell::new(0),
            memory,
            live,
        }
    }
}

const S_FALSE: HRESULT = HRESULT(1);

impl IVssEnumObject_Impl for SimEnum_Impl {
    unsafe fn Next(
        &self,
        celt: u32,
        rgelt: *mut VSS_OBJECT_PROP,
        pceltFetched: *mut u32,
    ) -> HRESULT {
        // As every COM enumeration: the count may be left out only when one element is asked.
        if rgelt.is_null() || (pceltFetched.is_null() && celt != 1) {
            return com_hresult(HResult::E_POINTER);
        }
        let start = self.next.get().min(self.objects.len());
        let end = start.saturating_add(celt as usize).min(self.objects.len());
        for (i, object) in self.objects[start..end].iter().enumerate() {
            // SAFETY: the caller passes room for `celt` elements, and `i < celt`; the strings
            // written are the caller's to free.
            unsafe { rgelt.add(i).write(write_object_prop(&*self.memory, object)) };
        }
        self.next.set(end);
        let fetched = (end - start) as u32;
        if !pceltFetched.is_null() {
            // SAFETY: not NULL, and the caller passes a writable count.
            unsafe { pceltFetched.write(fetched) };
        }
        if fetched == celt { HRESULT(0) } else { S_FALSE }
    }

    unsafe fn Skip(&self, celt: u32) -> HRESULT {
        let wanted = self.next.get().saturating_add(celt as usize);
        self.next.set(wanted.min(self.objects.len()));
        if wanted <= self.objects.len() {
            HRESULT(0)
        } else {
            S_FALSE
        }
    }

    unsafe fn Reset(&self) -> HRESULT {
        self.next.set(0);
        HRESULT(0)
    }

    unsafe fn Clone(&self, ppenum: *mut *mut c_void) -> HRESULT {
        if ppenum.is_null() {
            return com_hresult(HResult::E_POINTER);
        }
        let copy = SimEnum {
            objects: Rc::clone(&self.objects),
            next: Cell::new(self.next.get()),
            memory: Arc::clone(&self.memory),
            live: self.live.sibling(),
        };
        let copy: IVssEnumObject = copy.into();
        // SAFETY: not NULL, and the caller passes a writable pointer; the reference is theirs.
        unsafe { ppenum.write(copy.into_raw()) };
        HRESULT(0)
    }
}
