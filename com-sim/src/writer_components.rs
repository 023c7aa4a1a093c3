//! The components of one writer in the backup components document, served as
//! `IVssWriterComponentsExt`, and each component as `IVssComponent`.
//!
//! vsbackup.h's `IVssWriterComponentsExt` is a C++ class deriving from `IVssWriterComponents`
//! (three methods, no `IUnknown`) and from `IUnknown`, so its object carries two vtable
//! pointers: the interface pointer points at the first, and a caller reaches `AddRef`,
//! `Release` and `QueryInterface` through the second, one pointer further on, passing that
//! address. windows-core's `implement` makes objects of one vtable chain only, so this object
//! is laid out by hand: [`IVssWriterComponentsExt`] first, then its count and data.
//!
//! `IVssComponent` answers what the document holds of a component: `GetLogicalPath`,
//! `GetComponentType`, `GetComponentName` and `GetBackupSucceeded` (vshadow reads the first
//! three). Its other 34 methods are about restores, partial files, differenced files and
//! backup stamps, which the simulator does not model: `E_NOTIMPL`.
#![allow(non_snake_case)]

use std::cell::Cell;
use std::ffi::c_void;
use std::sync::Arc;

use vss_model::HResult;
use vss_model::document::{SelectedComponent, WriterComponents};
use vss_windows::abi::{
    BOOL, BSTR, FILETIME, LPCWSTR, VSS_COMPONENT_TYPE, VSS_FILE_RESTORE_STATUS, VSS_ID,
    VSS_RESTORE_TARGET, boolean, com_hresult, guid,
};
use vss_windows::interfaces::{
    IVssComponent, IVssComponent_Impl, IVssWriterComponents_Vtbl, IVssWriterComponentsExt,
};
use vss_windows::memory::ComMemory;
use windows_core::{GUID, HRESULT, IUnknown, IUnknown_Vtbl, Interface, implement};

use crate::census::Live;
use crate::out_params::{
    done, not_found, not_implemented, put, put_bool, put_bstr, put_interface, put_optional_bstr,
    writable,
};

/// One writer's components, laid out as an `IVssWriterComponentsExt` object: the two
/// vtable pointers first, in the order the C++ class has them.
#[repr(C)]
struct SimWriterComponents {
    vtables: IVssWriterComponentsExt,
    references: Cell<u32>,
    components: WriterComponents,
    memory: Arc<dyn ComMemory>,
    live: Live,
}

static WRITER_COMPONENTS: IVssWriterComponents_Vtbl = IVssWriterComponents_Vtbl {
    GetComponentCount: get_component_count,
    GetWriterInfo: get_writer_info,
    GetComponent: get_component,
};

static UNKNOWN: IUnknown_Vtbl = IUnknown_Vtbl {
    QueryInterface: query_interface,
    AddRef: add_ref,
    Release: release,
};

/// Serves one writer's components and gives back the `IVssWriterComponentsExt` pointer,
/// holding one reference, which the caller releases.
pub fn serve_writer_components(
    components: WriterComponents,
    memory: Arc<dyn ComMemory>,
    live: Live,
) -> *mut c_void {
    let object = Box::new(SimWriterComponents {
        vtables: IVssWriterComponentsExt {
            components: &WRITER_COMPONENTS,
            unknown: &UNKNOWN,
        },
        references: Cell::new(1),
        components,
        memory,
        live,
    });
    Box::into_raw(object).cast()
}

/// The object behind the interface pointer.
///
/// # Safety
/// `this` is an interface pointer [`serve_writer_components`] handed out, still referenced.
unsafe fn object<'a>(this: *mut c_void) -> &'a SimWriterComponents {
    // SAFETY: the interface pointer is the object's address, and the object lives while a
    // reference to it is held.
    unsafe { &*this.cast::<SimWriterComponents>() }
}

/// The object behind its `IUnknown` vtable pointer, one pointer after its start.
///
/// # Safety
/// `unknown` is the address of the second vtable pointer of a live object.
unsafe fn from_unknown(unknown: *mut c_void) -> *mut SimWriterComponents {
    // SAFETY: the IUnknown vtable pointer is the second field, one pointer into the object.
    unsafe { unknown.cast::<*const c_void>().sub(1).cast() }
}

unsafe extern "system" fn query_interface(
    this: *mut c_void,
    iid: *const GUID,
    interface: *mut *mut c_void,
) -> HRESULT {
    if iid.is_null() || interface.is_null() {
        return com_hresult(HResult::E_POINTER);
    }
    // SAFETY: both pointers were checked; `this` is the object's IUnknown as COM passes it.
    unsafe {
        // The class has no IID of its own: only IUnknown is asked for by one.
        if *iid == IUnknown::IID {
            add_ref(this);
            interface.write(this);
            return HRESULT(0);
        }
        interface.write(std::ptr::null_mut());
    }
    com_hresult(HResult::E_NOINTERFACE)
}

unsafe extern "system" fn add_ref(this: *mut c_void) -> u32 {
    // SAFETY: COM passes the IUnknown pointer of a live object.
    let object = unsafe { &*from_unknown(this) };
    let count = object.references.get() + 1;
    object.references.set(count);
    count
}

unsafe extern "system" fn release(this: *mut c_void) -> u32 {
    // SAFETY: as above.
    let object = unsafe { from_unknown(this) };
    // SAFETY: the object is live until its last reference goes, here.
    let count = unsafe { (*object).references.get() } - 1;
    if count == 0 {
        // SAFETY: the object came from `Box::into_raw` and this was its last reference.
        drop(unsafe { Box::from_raw(object) });
    } else {
        // SAFETY: still referenced.
        unsafe { (*object).references.set(count) };
    }
    count
}

unsafe extern "system" fn get_component_count(
    this: *mut c_void,
    pcComponents: *mut u32,
) -> HRESULT {
    // SAFETY: COM passes the interface pointer of a live object.
    let object = unsafe { object(this) };
    let count = u32::try_from(object.components.components.len()).unwrap_or(u32::MAX);
    // SAFETY: the caller vouches for the out-parameter.
    done(unsafe { put(pcComponents, count) })
}

unsafe extern "system" fn get_writer_info(
    this: *mut c_void,
    pidInstance: *mut VSS_ID,
    pidWriter: *mut VSS_ID,
) -> HRESULT {
    // SAFETY: as above.
    let object = unsafe { object(this) };
    let run = || {
        writable(pidInstance)?;
        writable(pidWriter)?;
        // SAFETY: both checked writable above.
        unsafe {
            put(pidInstance, guid(object.components.instance_id))?;
            put(pidWriter, guid(object.components.writer_id))
        }
    };
    done(run())
}

unsafe extern "system" fn get_component(
    this: *mut c_void,
    iComponent: u32,
    ppComponent: *mut *mut c_void,
) -> HRESULT {
    // SAFETY: as above.
    let object = unsafe { object(this) };
    let run = || {
        writable(ppComponent)?;
        let list = &object.components.components;
        let component = list.get(iComponent as usize).ok_or_else(not_found)?;
        let served = SimComponent {
            component: component.clone(),
            memory: Arc::clone(&object.memory),
            _live: object.live.sibling(),
        };
        // SAFETY: checked writable above.
        unsafe { put_interface(ppComponent, IVssComponent::from(served)) }
    };
    done(run())
}

/// One component of the document, as `IVssComponent`.
#[implement(IVssComponent, Agile = false)]
pub struct SimComponent {
    component: SelectedComponent,
    memory: Arc<dyn ComMemory>,
    /// Counts the object while it lives.
    _live: Live,
}

impl IVssComponent_Impl for SimComponent_Impl {
    unsafe fn GetLogicalPath(&self, pbstrPath: *mut BSTR) -> HRESULT {
        let path = &self.component.logical_path;
        // SAFETY: the caller vouches for the out-parameter.
        done(unsafe { put_optional_bstr(&*self.memory, pbstrPath, path) })
    }

    unsafe fn GetComponentType(&self, pct: *mut VSS_COMPONENT_TYPE) -> HRESULT {
        // SAFETY: the caller vouches for the out-parameter.
        done(unsafe { put(pct, self.component.component_type.value()) })
    }

    unsafe fn GetComponentName(&self, pbstrName: *mut BSTR) -> HRESULT {
        let name = &self.component.component_name;
        // SAFETY: the caller vouches for the out-parameter.
        done(unsafe { put_bstr(&*self.memory, pbstrName, name) })
    }

    unsafe fn GetBackupSucceeded(&self, pbSucceeded: *mut boolean) -> HRESULT {
        // SAFETY: the caller vouches for the out-parameter.
        done(unsafe { put_bool(pbSucceeded, self.component.backup_succeeded) })
    }

    unsafe fn GetAlternateLocationMappingCount(&self, _pcMappings: *mut u32) -> HRESULT {
        not_implemented()
    }

    unsafe fn GetAlternateLocationMapping(
        &self,
        _iMapping: u32,
        _ppFiledesc: *mut *mut c_void,
    ) -> HRESULT {
        not_implemented()
    }

    unsafe fn SetBackupMetadata(&self, _wszData: LPCWSTR) -> HRESULT {
        not_implemented()
    }

    unsafe fn GetBackupMetadata(&self, _pbstrData: *mut BSTR) -> HRESULT {
        not_implemented()
    }

    unsafe fn AddPartialFile(
        &self,
        _wszPath: LPCWSTR,
        _wszFilename: LPCWSTR,
        _wszRanges: LPCWSTR,
        _wszMetadata: LPCWSTR,
    ) -> HRESULT {
        not_implemented()
    }

    unsafe fn GetPartialFileCount(&self, _pcPartialFiles: *mut u32) -> HRESULT {
        not_implemented()
    }

    unsafe fn GetPartialFile(
        &self,
        _iPartialFile: u32,
        _pbstrPath: *mut BSTR,
        _pbstrFilename: *mut BSTR,
        _pbstrRange: *mut BSTR,
        _pbstrMetadata: *mut BSTR,
    ) -> HRESULT {
        not_implemented()
    }

    unsafe fn IsSelectedForRestore(&self, _pbSelectedForRestore: *mut boolean) -> HRESULT {
        not_implemented()
    }

    unsafe fn GetAdditionalRestores(&self, _pbAdditionalRestores: *mut boolean) -> HRESULT {
        not_implemented()
    }

    unsafe fn GetNewTargetCount(&self, _pcNewTarget: *mut u32) -> HRESULT {
        not_implemented()
    }

    unsafe fn GetNewTarget(&self, _iNewTarget: u32, _ppFiledesc: *mut *mut c_void) -> HRESULT {
        not_implemented()
    }

    unsafe fn AddDirectedTarget(
        &self,
        _wszSourcePath: LPCWSTR,
        _wszSourceFilename: LPCWSTR,
        _wszSourceRangeList: LPCWSTR,
        _wszDestinationPath: LPCWSTR,
        _wszDestinationFilename: LPCWSTR,
        _wszDestinationRangeList: LPCWSTR,
    ) -> HRESULT {
        not_implemented()
    }

    unsafe fn GetDirectedTargetCount(&self, _pcDirectedTarget: *mut u32) -> HRESULT {
        not_implemented()
    }

    unsafe fn GetDirectedTarget(
        &self,
        _iDirectedTarget: u32,
        _pbstrSourcePath: *mut BSTR,
        _pbstrSourceFileName: *mut BSTR,
        _pbstrSourceRangeList: *mut BSTR,
        _pbstrDestinationPath: *mut BSTR,
        _pbstrDestinationFilename: *mut BSTR,
        _pbstrDestinationRangeList: *mut BSTR,
    ) -> HRESULT {
        not_implemented()
    }

    unsafe fn SetRestoreMetadata(&self, _wszRestoreMetadata: LPCWSTR) -> HRESULT {
        not_implemented()
    }

    unsafe fn GetRestoreMetadata(&self, _pbstrRestoreMetadata: *mut BSTR) -> HRESULT {
        not_implemented()
    }

    unsafe fn SetRestoreTarget(&self, _target: VSS_RESTORE_TARGET) -> HRESULT {
        not_implemented()
    }

    unsafe fn GetRestoreTarget(&self, _pTarget: *mut VSS_RESTORE_TARGET) -> HRESULT {
        not_implemented()
    }

    unsafe fn SetPreRestoreFailureMsg(&self, _wszPreRestoreFailureMsg: LPCWSTR) -> HRESULT {
        not_implemented()
    }

    unsafe fn GetPreRestoreFailureMsg(&self, _pbstrPreRestoreFailureMsg: *mut BSTR) -> HRESULT {
        not_implemented()
    }

    unsafe fn SetPostRestoreFailureMsg(&self, _wszPostRestoreFailureMsg: LPCWSTR) -> HRESULT {
        not_implemented()
    }

    unsafe fn GetPostRestoreFailureMsg(&self, _pbstrPostRestoreFailureMsg: *mut BSTR) -> HRESULT {
        not_implemented()
    }

    unsafe fn SetBackupStamp(&self, _wszBackupStamp: LPCWSTR) -> HRESULT {
        not_implemented()
    }

    unsafe fn GetBackupStamp(&self, _pbstrBackupStamp: *mut BSTR) -> HRESULT {
        not_implemented()
    }

    unsafe fn GetPreviousBackupStamp(&self, _pbstrBackupStamp: *mut BSTR) -> HRESULT {
        not_implemented()
    }

    unsafe fn GetBackupOptions(&self, _pbstrBackupOptions: *mut BSTR) -> HRESULT {
        not_implemented()
    }

    unsafe fn GetRestoreOptions(&self, _pbstrRestoreOptions: *mut BSTR) -> HRESULT {
        not_implemented()
    }

    unsafe fn GetRestoreSubcomponentCount(&self, _pcRestoreSubcomponent: *mut u32) -> HRESULT {
        not_implemented()
    }

    unsafe fn GetRestoreSubcomponent(
        &self,
        _iComponent: u32,
        _pbstrLogicalPath: *mut BSTR,
        _pbstrComponentName: *mut BSTR,
        _pbRepair: *mut boolean,
    ) -> HRESULT {
        not_implemented()
    }

    unsafe fn GetFileRestoreStatus(&self, _pStatus: *mut VSS_FILE_RESTORE_STATUS) -> HRESULT {
        not_implemented()
    }

    unsafe fn AddDifferencedFilesByLastModifyTime(
        &self,
        _wszPath: LPCWSTR,
        _wszFilespec: LPCWSTR,
        _bRecursive: BOOL,
        _ftLastModifyTime: FILETIME,
    ) -> HRESULT {
        not_implemented()
    }

    unsafe fn AddDifferencedFilesByLastModifyLSN(
        &self,
        _wszPath: LPCWSTR,
        _wszFilespec: LPCWSTR,
        _bRecursive: BOOL,
        _bstrLsnString: BSTR,
    ) -> HRESULT {
        not_implemented()
    }

    unsafe fn GetDifferencedFilesCount(&self, _pcDifferencedFiles: *mut u32) -> HRESULT {
        not_implemented()
    }

    unsafe fn GetDifferencedFile(
        &self,
        _iDifferencedFile: u32,
        _pbstrPath: *mut BSTR,
        _pbstrFilespec: *mut BSTR,
        _pbRecursive: *mut BOOL,
        _pbstrLsnString: *mut BSTR,
        _pftLastModifyTime: *mut FILETIME,
    ) -> HRESULT {
        not_implemented()
    }
}

#[cfg(test)]
mod tests {
    use std::ptr;

    use vss_model::VssId;
    use vss_model::writer_metadata::ComponentType;
    use vss_windows::CheckedMemory;

    use super::*;
    use crate::census::Census;

    #[test]
    fn the_object_answers_through_both_vtables_and_goes_with_its_last_reference() {
        let census = Census::new();
        let components = WriterComponents {
            instance_id: VssId::from_u128(1),
            writer_id: VssId::from_u128(2),
            components: vec![SelectedComponent {
                component_type: ComponentType::VSS_CT_FILEGROUP,
                logical_path: String::new(),
                component_name: "Registry".into(),
                backup_succeeded: true,
            }],
        };
        let this =
            serve_writer_components(components, Arc::new(CheckedMemory::new()), census.enrol());
        // SAFETY: `this` is a live object served above; the IUnknown vtable is reached one
        // pointer further on, as a C++ caller reaches it; every out-parameter is valid.
        unsafe {
            let object = this.cast::<IVssWriterComponentsExt>();
            let methods = &*(*object).components;
            let unknown_this = this.cast::<*const c_void>().add(1).cast::<c_void>();
            let unknown = &*(*object).unknown;
            let mut count = 0;
            assert_eq!((methods.GetComponentCount)(this, &mut count), HRESULT(0));
            assert_eq!(count, 1);
            let mut raw = ptr::null_mut();
            assert_eq!((methods.GetComponent)(this, 1, &mut raw), not_found());
            assert_eq!((methods.GetComponent)(this, 0, &mut raw), HRESULT(0));
            let component = IVssComponent::from_raw(raw);
            let mut succeeded = 0;
            assert_eq!(component.GetBackupSucceeded(&mut succeeded), HRESULT(0));
            assert_eq!(succeeded, 1);
            assert_eq!(component.GetBackupStamp(ptr::null_mut()), not_implemented());
            drop(component);
            // QueryInterface gives the same IUnknown, and nothing else.
            let mut same = ptr::null_mut();
            assert_eq!(
                (unknown.QueryInterface)(unknown_this, &IUnknown::IID, &mut same),
                HRESULT(0)
            );
            assert_eq!(same, unknown_this);
            let mut other = ptr::null_mut();
            let refused = (unknown.QueryInterface)(unknown_this, &IVssComponent::IID, &mut other);
            assert_eq!(refused, com_hresult(HResult::E_NOINTERFACE));
            assert!(other.is_null());
            assert_eq!((unknown.Release)(unknown_this), 1);
            assert_eq!(census.live(), 1);
            assert_eq!((unknown.Release)(unknown_this), 0);
        }
        assert_eq!(census.live(), 0);
    }
}
