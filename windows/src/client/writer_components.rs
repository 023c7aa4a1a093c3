//! Reading the components of the backup components document through the
//! `IVssWriterComponentsExt` objects `GetWriterComponents` hands out, and the
//! `IVssComponent` objects they hand out in turn.
//!
//! An `IVssWriterComponentsExt` is two vtables of one object (see
//! [`IVssWriterComponentsExt`]): its own methods are called through the interface pointer,
//! its `Release` one pointer further on.

use std::ffi::c_void;
use std::ptr::NonNull;

use vss_model::backend::VssResult;
use vss_model::document::{SelectedComponent, WriterComponents};
use vss_model::writer_metadata::ComponentType;
use windows_core::GUID;

use super::{UNREADABLE, bstr_out, interface_out, ok};
use crate::abi::{boolean, vss_id};
use crate::interfaces::{IVssComponent, IVssWriterComponents_Vtbl, IVssWriterComponentsExt};
use crate::memory::ComMemory;

/// One `IVssWriterComponentsExt` the caller holds a reference to, released when dropped.
pub(super) struct Held(NonNull<IVssWriterComponentsExt>);

impl Held {
    /// Takes over the reference `GetWriterComponents` handed out, if it handed one out.
    ///
    /// # Safety
    /// `raw` is NULL or an `IVssWriterComponentsExt` reference the caller now owns.
    pub(super) unsafe fn take(raw: *mut c_void) -> Option<Held> {
        NonNull::new(raw.cast()).map(Held)
    }

    fn this(&self) -> *mut c_void {
        self.0.as_ptr().cast()
    }

    fn methods(&self) -> &IVssWriterComponents_Vtbl {
        // SAFETY: the object is live while it is held, and starts with its vtable pointer.
        unsafe { &*(*self.0.as_ptr()).components }
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        // SAFETY: the object is live and holds our reference; its IUnknown vtable pointer
        // comes right after the first, and Release is called with that address, as a C++
        // caller converting to IUnknown would.
        unsafe {
            let object = self.0.as_ptr();
            let unknown = object.cast::<*const c_void>().add(1).cast::<c_void>();
            ((*(*object).unknown).Release)(unknown);
        }
    }
}

/// Reads the components of one writer of the document.
pub(super) fn read(memory: &dyn ComMemory, held: &Held) -> VssResult<WriterComponents> {
    let methods = held.methods();
    let (mut instance, mut writer) = (GUID::zeroed(), GUID::zeroed());
    // SAFETY: the object is live; both out-parameters outlive the call.
    ok(unsafe { (methods.GetWriterInfo)(held.this(), &mut instance, &mut writer) })?;
    let mut count = 0u32;
    // SAFETY: as above.
    ok(unsafe { (methods.GetComponentCount)(held.this(), &mut count) })?;
    let components = (0..count)
        .map(|i| {
            // SAFETY: as above; `p` is a valid out-parameter.
            let c: IVssComponent =
                interface_out(|p| unsafe { (methods.GetComponent)(held.this(), i, p) })?;
            component(memory, &c)
        })
        .collect::<VssResult<_>>()?;
    Ok(WriterComponents {
        instance_id: vss_id(instance),
        writer_id: vss_id(writer),
        components,
    })
}

/// Reads one `IVssComponent`.
fn component(memory: &dyn ComMemory, c: &IVssComponent) -> VssResult<SelectedComponent> {
    // SAFETY: the interface is live and the out-parameter outlives the call.
    let logical_path = bstr_out(memory, "the logical path", |p| unsafe {
        c.GetLogicalPath(p)
    })?;
    // SAFETY: the interface is live and the out-parameter outlives the call.
    let component_name = bstr_out(memory, "the component name", |p| unsafe {
        c.GetComponentName(p)
    })?;
    let mut component_type = 0;
    // SAFETY: the interface is live and the out-parameter outlives the call.
    ok(unsafe { c.GetComponentType(&mut component_type) })?;
    let mut succeeded: boolean = 0;
    // SAFETY: the interface is live and the out-parameter outlives the call.
    ok(unsafe { c.GetBackupSucceeded(&mut succeeded) })?;
    Ok(SelectedComponent {
        component_type: ComponentType::from_value(component_type).ok_or(UNREADABLE)?,
        logical_path,
        component_name,
        backup_succeeded: succeeded != 0,
    })
}
