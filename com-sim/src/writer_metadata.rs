//! One writer's metadata served as `IVssExamineWriterMetadata`, and the objects it hands out
//! in turn: a component (`IVssWMComponent`), a file set (`IVssWMFiledesc`) and a dependency
//! (`IVssWMDependency`). Each answers from the metadata `GetWriterMetadata` read; none of them
//! calls the simulator again.
//!
//! Answered for real: everything a requester reads to choose components, vshadow's reading
//! included, and `SaveAsXML`. `E_NOTIMPL`: `GetIncludeFile` (Microsoft documents it as not
//! supported), `GetDocument` (an MSXML document, which the simulator has no MSXML for) and
//! `LoadFromXML` (the simulator writes writer metadata but does not read it back).
#![allow(non_snake_case)]

use std::cell::RefCell;
use std::ffi::c_void;
use std::rc::Rc;
use std::sync::Arc;

use vss_model::HResult;
use vss_model::writer_metadata::{ComponentDependency, FileDescriptor, WriterMetadataDocument};
use vss_windows::abi::{
    BSTR, PVSSCOMPONENTINFO, VSS_COMPONENTINFO, VSS_ID, VSS_RESTOREMETHOD_ENUM, VSS_SOURCE_TYPE,
    VSS_USAGE_TYPE, VSS_WRITERRESTORE_ENUM, boolean, com_hresult, guid,
};
use vss_windows::interfaces::{
    IVssExamineWriterMetadata, IVssExamineWriterMetadata_Impl, IVssWMComponent,
    IVssWMComponent_Impl, IVssWMDependency, IVssWMDependency_Impl, IVssWMFiledesc,
    IVssWMFiledesc_Impl,
};
use vss_windows::marshal::{free_component_info, write_component_info};
use vss_windows::memory::ComMemory;
use windows_core::{HRESULT, implement};

use crate::census::Live;
use crate::out_params::{
    done, invalid, not_found, not_implemented, put, put_bool, put_bstr, put_interface,
    put_optional_bstr, writable,
};

/// One writer's metadata, as `IVssExamineWriterMetadata`.
#[implement(IVssExamineWriterMetadata, Agile = false)]
pub struct SimWriterMetadata {
    metadata: Rc<WriterMetadataDocument>,
    memory: Arc<dyn ComMemory>,
    live: Live,
}

impl SimWriterMetadata {
    /// Serves `metadata`, handing strings out with `memory`, counted while it lives by
    /// `live`'s census (as is every object it hands out).
    pub fn new(
        metadata: Rc<WriterMetadataDocument>,
        memory: Arc<dyn ComMemory>,
        live: Live,
    ) -> SimWriterMetadata {
        SimWriterMetadata {
            metadata,
            memory,
            live,
        }
    }
}

/// The element at `index` of a list a served object holds, or `VSS_E_OBJECT_NOT_FOUND`.
fn nth<T>(list: &[T], index: u32) -> Result<&T, HRESULT> {
    list.get(index as usize).ok_or_else(not_found)
}

/// A count of a list, as the SDK's `UINT`s give one.
fn count<T>(list: &[T]) -> u32 {
    u32::try_from(list.len()).unwrap_or(u32::MAX)
}

/// Hands out the file set at `index` of `list` as an `IVssWMFiledesc`, counted by `live`'s
/// census.
///
/// # Safety
/// `out` is `NULL` or valid for a write of a pointer.
unsafe fn file_set(
    list: &[FileDescriptor],
    index: u32,
    out: *mut *mut c_void,
    memory: &Arc<dyn ComMemory>,
    live: &Live,
) -> HRESULT {
    let run = || {
        writable(out)?;
        let served = SimWMFiledesc {
            files: nth(list, index)?.clone(),
            memory: Arc::clone(memory),
            _live: live.sibling(),
        };
        // SAFETY: checked writable above.
        unsafe { put_interface(out, IVssWMFiledesc::from(served)) }
    };
    done(run())
}

impl IVssExamineWriterMetadata_Impl for SimWriterMetadata_Impl {
    unsafe fn GetIdentity(
        &self,
        pidInstance: *mut VSS_ID,
        pidWriter: *mut VSS_ID,
        pbstrWriterName: *mut BSTR,
        pUsage: *mut VSS_USAGE_TYPE,
        pSource: *mut VSS_SOURCE_TYPE,
    ) -> HRESULT {
        let run = || {
            writable(pidInstance)?;
            writable(pidWriter)?;
            writable(pbstrWriterName)?;
            writable(pUsage)?;
            writable(pSource)?;
            let m = &self.metadata;
            // SAFETY: every out-parameter was checked writable above; the BSTR is the
            // caller's to free.
            unsafe {
                put(pidInstance, guid(m.instance_id))?;
                put(pidWriter, guid(m.writer_id))?;
                put(pUsage, m.usage.value())?;
                put(pSource, m.source.value())?;
                put_bstr(&*self.memory, pbstrWriterName, &m.writer_name)
            }
        };
        done(run())
    }

    unsafe fn GetFileCounts(
        &self,
        pcIncludeFiles: *mut u32,
        pcExcludeFiles: *mut u32,
        pcComponents: *mut u32,
    ) -> HRESULT {
        let run = || {
            writable(pcIncludeFiles)?;
            writable(pcExcludeFiles)?;
            writable(pcComponents)?;
            // SAFETY: every out-parameter was checked writable above. Include files are
            // reserved: none.
            unsafe {
                put(pcIncludeFiles, 0)?;
                put(pcExcludeFiles, count(&self.metadata.exclude_files))?;
                put(pcComponents, count(&self.metadata.components))
            }
        };
        done(run())
    }

    unsafe fn GetIncludeFile(&self, _iFile: u32, _ppFiledesc: *mut *mut c_void) -> HRESULT {
        not_implemented()
    }

    unsafe fn GetExcludeFile(&self, iFile: u32, ppFiledesc: *mut *mut c_void) -> HRESULT {
        // SAFETY: the caller vouches for the out-parameter.
        unsafe {
            file_set(
                &self.metadata.exclude_files,
                iFile,
                ppFiledesc,
                &self.memory,
                &self.live,
            )
        }
    }

    unsafe fn GetComponent(&self, iComponent: u32, ppComponent: *mut *mut c_void) -> HRESULT {
        let run = || {
            writable(ppComponent)?;
            nth(&self.metadata.components, iComponent)?;
            let served = SimWMComponent {
                metadata: Rc::clone(&self.metadata),
                index: iComponent as usize,
                handed: RefCell::new(Vec::new()),
                memory: Arc::clone(&self.memory),
                live: self.live.sibling(),
            };
            // SAFETY: checked writable above.
            unsafe { put_interface(ppComponent, IVssWMComponent::from(served)) }
        };
        done(run())
    }

    unsafe fn GetRestoreMethod(
        &self,
        pMethod: *mut VSS_RESTOREMETHOD_ENUM,
        pbstrService: *mut BSTR,
        pbstrUserProcedure: *mut BSTR,
        pwriterRestore: *mut VSS_WRITERRESTORE_ENUM,
        pbRebootRequired: *mut boolean,
        pcMappings: *mut u32,
    ) -> HRESULT {
        let run = || {
            writable(pMethod)?;
            writable(pbstrService)?;
            writable(pbstrUserProcedure)?;
            writable(pwriterRestore)?;
            writable(pbRebootRequired)?;
            writable(pcMappings)?;
            let r = &self.metadata.restore_method;
            let memory = &*self.memory;
            // SAFETY: every out-parameter was checked writable above; the BSTRs are the
            // caller's to free. The simulated writers map no alternate locations.
            unsafe {
                put(pMethod, r.method.value())?;
                put(pwriterRestore, r.writer_restore.value())?;
                put_bool(pbRebootRequired, r.reboot_required)?;
                put(pcMappings, 0)?;
                put_optional_bstr(memory, pbstrService, &r.service)?;
                put_optional_bstr(memory, pbstrUserProcedure, &r.user_procedure)
            }
        };
        done(run())
    }

    unsafe fn GetAlternateLocationMapping(
        &self,
        iMapping: u32,
        ppFiledesc: *mut *mut c_void,
    ) -> HRESULT {
        // SAFETY: the caller vouches for the out-parameter; there are no mappings.
        unsafe { file_set(&[], iMapping, ppFiledesc, &self.memory, &self.live) }
    }

    unsafe fn GetBackupSchema(&self, pdwSchemaMask: *mut u32) -> HRESULT {
        // VSS_BS_UNDEFINED: the simulated writers support full backups only.
        // SAFETY: the caller vouches for the out-parameter.
        done(unsafe { put(pdwSchemaMask, 0) })
    }

    unsafe fn GetDocument(&self, _pDoc: *mut *mut c_void) -> HRESULT {
        not_implemented()
    }

    unsafe fn SaveAsXML(&self, pbstrXML: *mut BSTR) -> HRESULT {
        // SAFETY: the caller vouches for the out-parameter; the BSTR is the caller's.
        done(unsafe { put_bstr(&*self.memory, pbstrXML, &self.metadata.to_xml()) })
    }

    unsafe fn LoadFromXML(&self, _bstrXML: BSTR) -> HRESULT {
        not_implemented()
    }
}

/// One component of a writer's metadata, as `IVssWMComponent`.
#[implement(IVssWMComponent, Agile = false)]
pub struct SimWMComponent {
    metadata: Rc<WriterMetadataDocument>,
    index: usize,
    /// The `VSS_COMPONENTINFO`s handed out and not yet given back.
    handed: RefCell<Vec<PVSSCOMPONENTINFO>>,
    memory: Arc<dyn ComMemory>,
    live: Live,
}

impl SimWMComponent_Impl {
    fn component(&self) -> &vss_model::writer_metadata::ComponentInfo {
        &self.metadata.components[self.index]
    }
}

impl SimWriterMetadata_Impl {}

impl IVssWMComponent_Impl for SimWMComponent_Impl {
    unsafe fn GetComponentInfo(&self, ppInfo: *mut PVSSCOMPONENTINFO) -> HRESULT {
        let run = || {
            writable(ppInfo)?;
            let info = self
                .memory
                .task_alloc(size_of::<VSS_COMPONENTINFO>())
                .cast::<VSS_COMPONENTINFO>();
            if info.is_null() {
                return Err(com_hresult(HResult::E_OUTOFMEMORY));
            }
            // SAFETY: fresh task memory, aligned for any C type, with room for the structure.
            unsafe { info.write(write_component_info(&*self.memory, self.component())) };
            self.handed.borrow_mut().push(info);
            // SAFETY: checked writable above; the structure is the caller's until it gives
            // it back with FreeComponentInfo.
            unsafe { put(ppInfo, info.cast_const()) }
        };
        done(run())
    }

    unsafe fn FreeComponentInfo(&self, pInfo: PVSSCOMPONENTINFO) -> HRESULT {
        let mut handed = self.handed.borrow_mut();
        // Only a structure this component handed out, once.
        let Some(at) = handed.iter().position(|p| *p == pInfo) else {
            return invalid();
        };
        handed.remove(at);
        let info = pInfo.cast_mut();
        // SAFETY: `info` is a structure GetComponentInfo allocated in task memory and filled
        // with BSTRs of the same memory; nothing uses it after this.
        unsafe {
            free_component_info(&*self.memory, &mut *info);
            self.memory.task_free(info.cast());
        }
        HRESULT(0)
    }

    unsafe fn GetFile(&self, iFile: u32, ppFiledesc: *mut *mut c_void) -> HRESULT {
        // SAFETY: the caller vouches for the out-parameter.
        unsafe {
            file_set(
                &self.component().files,
                iFile,
                ppFiledesc,
                &self.memory,
                &self.live,
            )
        }
    }

    unsafe fn GetDatabaseFile(&self, iDBFile: u32, ppFiledesc: *mut *mut c_void) -> HRESULT {
        // SAFETY: as above.
        unsafe {
            file_set(
                &self.component().database_files,
                iDBFile,
                ppFiledesc,
                &self.memory,
                &self.live,
            )
        }
    }

    unsafe fn GetDatabaseLogFile(&self, iDbLogFile: u32, ppFiledesc: *mut *mut c_void) -> HRESULT {
        // SAFETY: as above.
        unsafe {
            file_set(
                &self.component().database_log_files,
                iDbLogFile,
                ppFiledesc,
                &self.memory,
                &self.live,
            )
        }
    }

    unsafe fn GetDependency(&self, iDependency: u32, ppDependency: *mut *mut c_void) -> HRESULT {
        let run = || {
            writable(ppDependency)?;
            let dependency = nth(&self.component().dependencies, iDependency)?.clone();
            let served = SimWMDependency {
                dependency,
                memory: Arc::clone(&self.memory),
                _live: self.live.sibling(),
            };
            // SAFETY: checked writable above.
            unsafe { put_interface(ppDependency, IVssWMDependency::from(served)) }
        };
        done(run())
    }
}

/// One set of files, as `IVssWMFiledesc`.
#[implement(IVssWMFiledesc, Agile = false)]
pub struct SimWMFiledesc {
    files: FileDescriptor,
    memory: Arc<dyn ComMemory>,
    /// Counts the object while it lives.
    _live: Live,
}

impl IVssWMFiledesc_Impl for SimWMFiledesc_Impl {
    unsafe fn GetPath(&self, pbstrPath: *mut BSTR) -> HRESULT {
        // SAFETY: the caller vouches for the out-parameter.
        done(unsafe { put_bstr(&*self.memory, pbstrPath, &self.files.path) })
    }

    unsafe fn GetFilespec(&self, pbstrFilespec: *mut BSTR) -> HRESULT {
        // SAFETY: the caller vouches for the out-parameter.
        done(unsafe { put_bstr(&*self.memory, pbstrFilespec, &self.files.filespec) })
    }

    unsafe fn GetRecursive(&self, pbRecursive: *mut boolean) -> HRESULT {
        // SAFETY: the caller vouches for the out-parameter.
        done(unsafe { put_bool(pbRecursive, self.files.recursive) })
    }

    unsafe fn GetAlternateLocation(&self, pbstrAlternateLocation: *mut BSTR) -> HRESULT {
        let location = &self.files.alternate_location;
        // SAFETY: the caller vouches for the out-parameter.
        done(unsafe { put_optional_bstr(&*self.memory, pbstrAlternateLocation, location) })
    }

    unsafe fn GetBackupTypeMask(&self, pdwTypeMask: *mut u32) -> HRESULT {
        // SAFETY: the caller vouches for the out-parameter.
        done(unsafe { put(pdwTypeMask, self.files.backup_type_mask) })
    }
}

/// A component another one depends on, as `IVssWMDependency`.
#[implement(IVssWMDependency, Agile = false)]
pub struct SimWMDependency {
    dependency: ComponentDependency,
    memory: Arc<dyn ComMemory>,
    /// Counts the object while it lives.
    _live: Live,
}

impl IVssWMDependency_Impl for SimWMDependency_Impl {
    unsafe fn GetWriterId(&self, pWriterId: *mut VSS_ID) -> HRESULT {
        // SAFETY: the caller vouches for the out-parameter.
        done(unsafe { put(pWriterId, guid(self.dependency.writer_id)) })
    }

    unsafe fn GetLogicalPath(&self, pbstrLogicalPath: *mut BSTR) -> HRESULT {
        let path = &self.dependency.logical_path;
        // SAFETY: the caller vouches for the out-parameter.
        done(unsafe { put_optional_bstr(&*self.memory, pbstrLogicalPath, path) })
    }

    unsafe fn GetComponentName(&self, pbstrComponentName: *mut BSTR) -> HRESULT {
        let name = &self.dependency.component_name;
        // SAFETY: the caller vouches for the out-parameter.
        done(unsafe { put_bstr(&*self.memory, pbstrComponentName, name) })
    }
}

#[cfg(test)]
mod tests {
    use std::ptr;

    use vss_model::backend::{Backend, BackupComponents, INFINITE, VssAsync};
    use vss_windows::CheckedMemory;
    use windows_core::Interface;

    use super::*;
    use crate::census::Census;

    /// The System Writer's metadata in the default world.
    fn system_writer() -> WriterMetadataDocument {
        let sim = vss_sim::Simulator::default_world();
        let mut r = sim.create_backup_components("HOSTA").expect("created");
        r.initialize_for_backup(None).expect("initialized");
        r.gather_writer_metadata().expect("gathered").wait(INFINITE);
        let metadata = r.writer_metadata().expect("metadata");
        metadata
            .into_iter()
            .find(|w| w.writer_name == "System Writer")
            .expect("listed")
    }

    #[test]
    fn component_infos_go_back_once_and_the_rest_answers_as_documented() {
        let memory = Arc::new(CheckedMemory::new());
        let census = Census::new();
        let served: IVssExamineWriterMetadata =
            SimWriterMetadata::new(Rc::new(system_writer()), memory.clone(), census.enrol()).into();
        let mut raw: *mut c_void = ptr::null_mut();
        let mut xml: BSTR = ptr::null_mut();
        // SAFETY: a live interface; every out-parameter is valid or NULL on purpose.
        unsafe {
            assert_eq!(served.GetIncludeFile(0, &mut raw), not_implemented());
            assert_eq!(served.GetExcludeFile(1, &mut raw), not_found());
            assert_eq!(
                served.GetComponent(0, ptr::null_mut()),
                com_hresult(HResult::E_POINTER)
            );
            assert_eq!(served.SaveAsXML(&mut xml), HRESULT(0));
            let text = memory.read_bstr(xml, "the XML").expect("UTF-16");
            assert!(text.contains(r#"friendlyName="System Writer""#), "{text}");
            memory.free_bstr(xml);
            assert_eq!(served.GetComponent(0, &mut raw), HRESULT(0));
        }
        // SAFETY: the server handed out a reference to an IVssWMComponent.
        let component = unsafe { IVssWMComponent::from_raw(raw) };
        let mut info: PVSSCOMPONENTINFO = ptr::null();
        // SAFETY: a live interface and valid out-parameters; the second free gives back a
        // structure already given back, which must be refused.
        unsafe {
            assert_eq!(component.GetComponentInfo(&mut info), HRESULT(0));
            let name = memory.read_bstr((*info).bstrComponentName, "the name");
            assert_eq!(name.as_deref(), Ok("System Files"));
            assert!((*info).bstrLogicalPath.is_null());
            assert_eq!(component.FreeComponentInfo(info), HRESULT(0));
            assert_eq!(component.FreeComponentInfo(info), invalid());
        }
        assert_eq!(census.live(), 2, "the metadata and its component");
        drop((component, served));
        assert_eq!(census.live(), 0);
        assert_eq!(memory.audit().map(drop), Ok(()));
    }
}
