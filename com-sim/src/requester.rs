//! The simulator's requester object served as `IVssBackupComponentsEx2` (and so as
//! `IVssBackupComponentsEx` and `IVssBackupComponents`).
//!
//! Each COM method checks its pointers as a COM server must, reads the SDK's argument forms,
//! makes the one matching call on the simulator's object and writes the results back in
//! the SDK's forms, allocating what the caller will free with the shared [`ComMemory`].
//! Writer metadata (`GetWriterMetadata`) and the components of the document
//! (`GetWriterComponents`) are handed out as served objects of their own (see
//! `writer_metadata` and `writer_components`). Methods the simulator does not model
//! (restore, writer classes and instances enabled or disabled, the Ex methods that add
//! restore options or a writer instance name, fast recovery) return `E_NOTIMPL`.
#![allow(non_snake_case)]

use std::cell::{RefCell, RefMut};
use std::ffi::c_void;
use std::rc::Rc;
use std::sync::Arc;

use vss_model::backend::{BackupComponents, BackupStateArgs, ComponentRef, VssResult};
use vss_model::document::WriterComponents;
use vss_model::writer_metadata::{ComponentType, WriterMetadataDocument};
use vss_model::{
    BackupType, Context, HResult, HardwareOptions, ObjectType, SnapshotAttributes, VssId,
    WriterStatus,
};
use vss_windows::abi::{
    self, BOOL, BSTR, LPCWSTR, VSS_BACKUP_TYPE, VSS_COMPONENT_TYPE, VSS_FILE_RESTORE_STATUS,
    VSS_ID, VSS_OBJECT_TYPE, VSS_PWSZ, VSS_RESTORE_TYPE, VSS_ROLLFORWARD_TYPE, VSS_SNAPSHOT_PROP,
    VSS_WRITER_STATE, boolean, com_hresult, guid, vss_id,
};
use vss_windows::interfaces::{
    IVssAsync, IVssBackupComponents_Impl, IVssBackupComponentsEx_Impl, IVssBackupComponentsEx2,
    IVssBackupComponentsEx2_Impl, IVssEnumObject, IVssExamineWriterMetadata,
};
use vss_windows::memory::ComMemory;
use windows_core::{HRESULT, Interface, implement};

use crate::async_op::{SimAsyncOp, reentered};
use crate::census::{Census, Live};
use crate::enumeration::SimEnum;
use crate::out_params::{
    done, invalid, not_found, not_implemented, put, put_interface, required, text, writable,
};
use crate::writer_components::serve_writer_components;
use crate::writer_metadata::SimWriterMetadata;

/// One requester object behind COM: the simulator's own (`vss_sim::SimComponents`), or any
/// other [`BackupComponents`] over it, such as a recorded one.
#[implement(IVssBackupComponentsEx2, Agile = false)]
pub struct SimRequester<C>
where
    C: BackupComponents + 'static,
{
    inner: RefCell<C>,
    memory: Arc<dyn ComMemory>,
    /// What `GetWriterStatusCount` read, which `GetWriterStatus` hands out one by one.
    statuses: RefCell<Vec<WriterStatus>>,
    /// What `GetWriterMetadataCount` read, which `GetWriterMetadata` hands out one by one;
    /// `None` until read, and again once `FreeWriterMetadata` freed it.
    metadata: RefCell<Option<Vec<Rc<WriterMetadataDocument>>>>,
    /// What `GetWriterComponentsCount` read, which `GetWriterComponents` hands out one by
    /// one; `None` until read, and again once `AddComponent` or `SetBackupSucceeded`
    /// changed the document.
    components: RefCell<Option<Vec<WriterComponents>>>,
    live: Live,
}

impl<C: BackupComponents + 'static> SimRequester<C> {
    /// Serves `inner`, handing strings out with `memory`; it and every object it hands out
    /// are counted by `live`'s census while they live.
    pub fn new(inner: C, memory: Arc<dyn ComMemory>, live: Live) -> SimRequester<C> {
        SimRequester {
            inner: RefCell::new(inner),
            memory,
            statuses: RefCell::new(Vec::new()),
            metadata: RefCell::new(None),
            components: RefCell::new(None),
            live,
        }
    }

    /// The requester object behind the interface.
    pub fn components(&self) -> std::cell::Ref<'_, C> {
        self.inner.borrow()
    }

    /// The simulator's object for one call, or `E_UNEXPECTED` when a call is already running
    /// on it (see [`reentered`]).
    fn state(&self) -> Result<RefMut<'_, C>, HRESULT> {
        self.inner.try_borrow_mut().map_err(|_| reentered())
    }

    /// Makes one call on the requester object, then tells the host it ended.
    fn call<T>(&self, f: impl FnOnce(&mut C) -> VssResult<T>) -> Result<T, HRESULT> {
        let result = f(&mut *self.state()?).map_err(com_hresult);
        self.live.called();
        result
    }
}

fn object_type(value: VSS_OBJECT_TYPE) -> Result<ObjectType, HRESULT> {
    ObjectType::from_value(value).ok_or_else(invalid)
}

/// A component as `AddComponent` and `SetBackupSucceeded` name it, read from the SDK's
/// forms: a type outside `VSS_COMPONENT_TYPE` or a `NULL` name is `E_INVALIDARG`, a `NULL`
/// logical path none.
struct NamedComponent {
    instance: VssId,
    writer: VssId,
    component_type: ComponentType,
    logical_path: Option<String>,
    name: String,
}

impl NamedComponent {
    /// # Safety
    /// Each string is `NULL` or NUL-terminated.
    unsafe fn read(
        instance: VSS_ID,
        writer: VSS_ID,
        ct: VSS_COMPONENT_TYPE,
        logical_path: LPCWSTR,
        name: LPCWSTR,
    ) -> Result<NamedComponent, HRESULT> {
        Ok(NamedComponent {
            instance: vss_id(instance),
            writer: vss_id(writer),
            component_type: ComponentType::from_value(ct).ok_or_else(invalid)?,
            // SAFETY: the caller vouches for both strings.
            logical_path: unsafe { text(logical_path) }?,
            // SAFETY: the caller vouches for the string.
            name: unsafe { required(name) }?,
        })
    }

    /// The component as the requester API names it.
    fn named(&self) -> ComponentRef<'_> {
        ComponentRef {
            instance_id: self.instance,
            writer_id: self.writer,
            component_type: self.component_type,
            logical_path: self.logical_path.as_deref(),
            component_name: &self.name,
        }
    }
}

impl<C: BackupComponents + 'static> SimRequester_Impl<C> {
    /// Starts an asynchronous operation and hands its `IVssAsync` out.
    ///
    /// # Safety
    /// `out` is `NULL` or valid for a write of a pointer.
    unsafe fn started(
        &self,
        out: *mut *mut c_void,
        start: impl FnOnce(&mut C) -> VssResult<C::Async>,
    ) -> HRESULT {
        let run = || {
            writable(out)?;
            let op = self.call(start)?;
            let handle: IVssAsync = SimAsyncOp::new(op, self.live.sibling()).into();
            // SAFETY: checked writable above; the reference `into_raw` gives is the caller's.
            unsafe { put(out, handle.into_raw()) }
        };
        done(run())
    }
}

impl<C: BackupComponents + 'static> SimRequester_Impl<C> {
    /// The writers' metadata, as `GetWriterMetadataCount` read it, or read now.
    fn metadata(&self) -> Result<Vec<Rc<WriterMetadataDocument>>, HRESULT> {
        if let Some(read) = &*self.metadata.borrow() {
            return Ok(read.clone());
        }
        let read: Vec<_> = self
            .call(|c| c.writer_metadata())?
            .into_iter()
            .map(Rc::new)
            .collect();
        *self.metadata.borrow_mut() = Some(read.clone());
        Ok(read)
    }

    /// Reads a component as the SDK names it and makes one call about it; the document's
    /// components read earlier are read again next time, as the call may change them.
    ///
    /// # Safety
    /// The two strings of `named` are `NULL` or NUL-terminated.
    unsafe fn on_component(
        &self,
        named: (VSS_ID, VSS_ID, VSS_COMPONENT_TYPE, LPCWSTR, LPCWSTR),
        f: impl FnOnce(&mut C, &ComponentRef<'_>) -> VssResult,
    ) -> HRESULT {
        let (instance, writer, ct, logical_path, name) = named;
        let run = || {
            // SAFETY: the caller vouches for both strings.
            let c = unsafe { NamedComponent::read(instance, writer, ct, logical_path, name) }?;
            self.components.borrow_mut().take();
            self.call(|r| f(r, &c.named()))
        };
        done(run())
    }

    /// The document's components, as `GetWriterComponentsCount` read them, or read now.
    fn components(&self) -> Result<Vec<WriterComponents>, HRESULT> {
        if let Some(read) = &*self.components.borrow() {
            return Ok(read.clone());
        }
        let read = self.call(|c| c.writer_components())?;
        *self.components.borrow_mut() = Some(read.clone());
        Ok(read)
    }
}

impl<C: BackupComponents + 'static> IVssBackupComponents_Impl for SimRequester_Impl<C> {
    unsafe fn GetWriterComponentsCount(&self, pcComponents: *mut u32) -> HRESULT {
        let run = || {
            writable(pcComponents)?;
            // The count reads the document afresh, for GetWriterComponents to hand out.
            self.components.borrow_mut().take();
            let count = u32::try_from(self.components()?.len()).map_err(|_| invalid())?;
            // SAFETY: checked writable above.
            unsafe { put(pcComponents, count) }
        };
        done(run())
    }

    unsafe fn GetWriterComponents(&self, iWriter: u32, ppWriter: *mut *mut c_void) -> HRESULT {
        let run = || {
            writable(ppWriter)?;
            let components = self.components()?;
            let writer = components.get(iWriter as usize).ok_or_else(not_found)?;
            let served = serve_writer_components(
                writer.clone(),
                Arc::clone(&self.memory),
                self.live.sibling(),
            );
            // SAFETY: checked writable above; the reference is the caller's.
            unsafe { put(ppWriter, served) }
        };
        done(run())
    }

    unsafe fn InitializeForBackup(&self, bstrXML: BSTR) -> HRESULT {
        let run = || {
            let xml = if bstrXML.is_null() {
                None
            } else {
                // SAFETY: a non-NULL argument is a BSTR the caller allocated with the shared
                // allocator and keeps alive during the call.
                Some(unsafe { self.memory.read_bstr(bstrXML, "bstrXML") }.map_err(|_| invalid())?)
            };
            self.call(|c| c.initialize_for_backup(xml.as_deref()))
        };
        done(run())
    }

    unsafe fn SetBackupState(
        &self,
        bSelectComponents: boolean,
        bBackupBootableSystemState: boolean,
        backupType: VSS_BACKUP_TYPE,
        bPartialFileSupport: boolean,
    ) -> HRESULT {
        let run = || {
            let state = BackupStateArgs {
                select_components: bSelectComponents != 0,
                bootable_system_state: bBackupBootableSystemState != 0,
                backup_type: BackupType::from_value(backupType).ok_or_else(invalid)?,
                partial_file_support: bPartialFileSupport != 0,
            };
            self.call(|c| c.set_backup_state(state))
        };
        done(run())
    }

    unsafe fn InitializeForRestore(&self, _bstrXML: BSTR) -> HRESULT {
        not_implemented()
    }

    unsafe fn SetRestoreState(&self, _restoreType: VSS_RESTORE_TYPE) -> HRESULT {
        not_implemented()
    }

    unsafe fn GatherWriterMetadata(&self, pAsync: *mut *mut c_void) -> HRESULT {
        // SAFETY: the caller vouches for the out-parameter.
        unsafe { self.started(pAsync, |c| c.gather_writer_metadata()) }
    }

    unsafe fn GetWriterMetadataCount(&self, pcWriters: *mut u32) -> HRESULT {
        let run = || {
            writable(pcWriters)?;
            // The count reads the metadata afresh, for GetWriterMetadata to hand out.
            self.metadata.borrow_mut().take();
            let count = u32::try_from(self.metadata()?.len()).map_err(|_| invalid())?;
            // SAFETY: checked writable above.
            unsafe { put(pcWriters, count) }
        };
        done(run())
    }

    unsafe fn GetWriterMetadata(
        &self,
        iWriter: u32,
        pidInstance: *mut VSS_ID,
        ppMetadata: *mut *mut c_void,
    ) -> HRESULT {
        let run = || {
            writable(pidInstance)?;
            writable(ppMetadata)?;
            let metadata = self.metadata()?;
            let writer = metadata.get(iWriter as usize).ok_or_else(not_found)?;
            let served: IVssExamineWriterMetadata = SimWriterMetadata::new(
                Rc::clone(writer),
                Arc::clone(&self.memory),
                self.live.sibling(),
            )
            .into();
            // SAFETY: both checked writable above; the reference is the caller's.
            unsafe {
                put(pidInstance, guid(writer.instance_id))?;
                put_interface(ppMetadata, served)
            }
        };
        done(run())
    }

    unsafe fn FreeWriterMetadata(&self) -> HRESULT {
        let freed = self.call(|c| c.free_writer_metadata());
        if freed.is_ok() {
            self.metadata.borrow_mut().take();
        }
        done(freed)
    }

    unsafe fn AddComponent(
        &self,
        instanceId: VSS_ID,
        writerId: VSS_ID,
        ct: VSS_COMPONENT_TYPE,
        wszLogicalPath: LPCWSTR,
        wszComponentName: LPCWSTR,
    ) -> HRESULT {
        let named = (instanceId, writerId, ct, wszLogicalPath, wszComponentName);
        // SAFETY: the caller passes NULL or NUL-terminated strings.
        unsafe { self.on_component(named, |r, c| r.add_component(c)) }
    }

    unsafe fn PrepareForBackup(&self, ppAsync: *mut *mut c_void) -> HRESULT {
        // SAFETY: the caller vouches for the out-parameter.
        unsafe { self.started(ppAsync, |c| c.prepare_for_backup()) }
    }

    unsafe fn AbortBackup(&self) -> HRESULT {
        done(self.call(|c| c.abort_backup()))
    }

    unsafe fn GatherWriterStatus(&self, pAsync: *mut *mut c_void) -> HRESULT {
        // SAFETY: the caller vouches for the out-parameter.
        unsafe { self.started(pAsync, |c| c.gather_writer_status()) }
    }

    unsafe fn GetWriterStatusCount(&self, pcWriters: *mut u32) -> HRESULT {
        let run = || {
            writable(pcWriters)?;
            let statuses = self.call(|c| c.writer_status())?;
            let count = u32::try_from(statuses.len()).map_err(|_| invalid())?;
            *self.statuses.borrow_mut() = statuses;
            // SAFETY: checked writable above.
            unsafe { put(pcWriters, count) }
        };
        done(run())
    }

    unsafe fn FreeWriterStatus(&self) -> HRESULT {
        self.statuses.borrow_mut().clear();
        HRESULT(0)
    }

    unsafe fn GetWriterStatus(
        &self,
        iWriter: u32,
        pidInstance: *mut VSS_ID,
        pidWriter: *mut VSS_ID,
        pbstrWriter: *mut BSTR,
        pnStatus: *mut VSS_WRITER_STATE,
        phResultFailure: *mut HRESULT,
    ) -> HRESULT {
        let run = || {
            writable(pidInstance)?;
            writable(pidWriter)?;
            writable(pbstrWriter)?;
            writable(pnStatus)?;
            writable(phResultFailure)?;
            let statuses = self.statuses.borrow();
            let status = statuses.get(iWriter as usize).ok_or_else(invalid)?;
            // SAFETY: every out-parameter was checked writable above; the BSTR is the
            // caller's to free.
            unsafe {
                put(pidInstance, guid(status.instance_id))?;
                put(pidWriter, guid(status.writer_id))?;
                put(pbstrWriter, self.memory.bstr(&status.writer_name))?;
                put(pnStatus, status.state.value())?;
                put(phResultFailure, com_hresult(status.failure))
            }
        };
        done(run())
    }

    unsafe fn SetBackupSucceeded(
        &self,
        instanceId: VSS_ID,
        writerId: VSS_ID,
        ct: VSS_COMPONENT_TYPE,
        wszLogicalPath: LPCWSTR,
        wszComponentName: LPCWSTR,
        bSucceded: boolean,
    ) -> HRESULT {
        let named = (instanceId, writerId, ct, wszLogicalPath, wszComponentName);
        // SAFETY: the caller passes NULL or NUL-terminated strings.
        unsafe { self.on_component(named, |r, c| r.set_backup_succeeded(c, bSucceded != 0)) }
    }

    unsafe fn SetBackupOptions(
        &self,
        _writerId: VSS_ID,
        _ct: VSS_COMPONENT_TYPE,
        _wszLogicalPath: LPCWSTR,
        _wszComponentName: LPCWSTR,
        _wszBackupOptions: LPCWSTR,
    ) -> HRESULT {
        not_implemented()
    }

    unsafe fn SetSelectedForRestore(
        &self,
        _writerId: VSS_ID,
        _ct: VSS_COMPONENT_TYPE,
        _wszLogicalPath: LPCWSTR,
        _wszComponentName: LPCWSTR,
        _bSelectedForRestore: boolean,
    ) -> HRESULT {
        not_implemented()
    }

    unsafe fn SetRestoreOptions(
        &self,
        _writerId: VSS_ID,
        _ct: VSS_COMPONENT_TYPE,
        _wszLogicalPath: LPCWSTR,
        _wszComponentName: LPCWSTR,
        _wszRestoreOptions: LPCWSTR,
    ) -> HRESULT {
        not_implemented()
    }

    unsafe fn SetAdditionalRestores(
        &self,
        _writerId: VSS_ID,
        _ct: VSS_COMPONENT_TYPE,
        _wszLogicalPath: LPCWSTR,
        _wszComponentName: LPCWSTR,
        _bAdditionalRestores: boolean,
    ) -> HRESULT {
        not_implemented()
    }

    unsafe fn SetPreviousBackupStamp(
        &self,
        _writerId: VSS_ID,
        _ct: VSS_COMPONENT_TYPE,
        _wszLogicalPath: LPCWSTR,
        _wszComponentName: LPCWSTR,
        _wszPreviousBackupStamp: LPCWSTR,
    ) -> HRESULT {
        not_implemented()
    }

    unsafe fn SaveAsXML(&self, pbstrXML: *mut BSTR) -> HRESULT {
        let run = || {
            writable(pbstrXML)?;
            let xml = self.call(|c| c.save_as_xml())?;
            // SAFETY: checked writable above; the BSTR is the caller's to free.
            unsafe { put(pbstrXML, self.memory.bstr(&xml)) }
        };
        done(run())
    }

    unsafe fn BackupComplete(&self, ppAsync: *mut *mut c_void) -> HRESULT {
        // SAFETY: the caller vouches for the out-parameter.
        unsafe { self.started(ppAsync, |c| c.backup_complete()) }
    }

    unsafe fn AddAlternativeLocationMapping(
        &self,
        _writerId: VSS_ID,
        _componentType: VSS_COMPONENT_TYPE,
        _wszLogicalPath: LPCWSTR,
        _wszComponentName: LPCWSTR,
        _wszPath: LPCWSTR,
        _wszFilespec: LPCWSTR,
        _bRecursive: boolean,
        _wszDestination: LPCWSTR,
    ) -> HRESULT {
        not_implemented()
    }

    unsafe fn AddRestoreSubcomponent(
        &self,
        _writerId: VSS_ID,
        _componentType: VSS_COMPONENT_TYPE,
        _wszLogicalPath: LPCWSTR,
        _wszComponentName: LPCWSTR,
        _wszSubComponentLogicalPath: LPCWSTR,
        _wszSubComponentName: LPCWSTR,
        _bRepair: boolean,
    ) -> HRESULT {
        not_implemented()
    }

    unsafe fn SetFileRestoreStatus(
        &self,
        _writerId: VSS_ID,
        _ct: VSS_COMPONENT_TYPE,
        _wszLogicalPath: LPCWSTR,
        _wszComponentName: LPCWSTR,
        _status: VSS_FILE_RESTORE_STATUS,
    ) -> HRESULT {
        not_implemented()
    }

    unsafe fn AddNewTarget(
        &self,
        _writerId: VSS_ID,
        _ct: VSS_COMPONENT_TYPE,
        _wszLogicalPath: LPCWSTR,
        _wszComponentName: LPCWSTR,
        _wszPath: LPCWSTR,
        _wszFileName: LPCWSTR,
        _bRecursive: boolean,
        _wszAlternatePath: LPCWSTR,
    ) -> HRESULT {
        not_implemented()
    }

    unsafe fn SetRangesFilePath(
        &self,
        _writerId: VSS_ID,
        _ct: VSS_COMPONENT_TYPE,
        _wszLogicalPath: LPCWSTR,
        _wszComponentName: LPCWSTR,
        _iPartialFile: u32,
        _wszRangesFile: LPCWSTR,
    ) -> HRESULT {
        not_implemented()
    }

    unsafe fn PreRestore(&self, _ppAsync: *mut *mut c_void) -> HRESULT {
        not_implemented()
    }

    unsafe fn PostRestore(&self, _ppAsync: *mut *mut c_void) -> HRESULT {
        not_implemented()
    }

    unsafe fn SetContext(&self, lContext: i32) -> HRESULT {
        done(self.call(|c| c.set_context(Context(lContext))))
    }

    unsafe fn StartSnapshotSet(&self, pSnapshotSetId: *mut VSS_ID) -> HRESULT {
        let run = || {
            writable(pSnapshotSetId)?;
            let id = self.call(|c| c.start_snapshot_set())?;
            // SAFETY: checked writable above.
            unsafe { put(pSnapshotSetId, guid(id)) }
        };
        done(run())
    }

    unsafe fn AddToSnapshotSet(
        &self,
        pwszVolumeName: VSS_PWSZ,
        ProviderId: VSS_ID,
        pidSnapshot: *mut VSS_ID,
    ) -> HRESULT {
        let run = || {
            writable(pidSnapshot)?;
            // SAFETY: the caller passes a NUL-terminated volume name.
            let volume = unsafe { required(pwszVolumeName) }?;
            let id = self.call(|c| c.add_to_snapshot_set(&volume, vss_id(ProviderId)))?;
            // SAFETY: checked writable above.
            unsafe { put(pidSnapshot, guid(id)) }
        };
        done(run())
    }

    unsafe fn DoSnapshotSet(&self, ppAsync: *mut *mut c_void) -> HRESULT {
        // SAFETY: the caller vouches for the out-parameter.
        unsafe { self.started(ppAsync, |c| c.do_snapshot_set()) }
    }

    unsafe fn DeleteSnapshots(
        &self,
        SourceObjectId: VSS_ID,
        eSourceObjectType: VSS_OBJECT_TYPE,
        bForceDelete: BOOL,
        plDeletedSnapshots: *mut i32,
        pNondeletedSnapshotID: *mut VSS_ID,
    ) -> HRESULT {
        let run = || {
            writable(plDeletedSnapshots)?;
            writable(pNondeletedSnapshotID)?;
            let kind = object_type(eSourceObjectType)?;
            let id = vss_id(SourceObjectId);
            let result = self.state()?.delete_snapshots(id, kind, bForceDelete != 0);
            self.live.called();
            // The counts are written whether the deletion finished or stopped part way.
            let (hr, deleted, nondeleted) = match result {
                Ok(d) => (HResult::S_OK, d.deleted, d.nondeleted),
                Err(f) => (f.hr, f.deleted, f.nondeleted),
            };
            // SAFETY: both out-parameters were checked writable above.
            unsafe {
                put(plDeletedSnapshots, deleted)?;
                put(pNondeletedSnapshotID, guid(nondeleted))?;
            }
            if hr.is_failure() {
                Err(com_hresult(hr))
            } else {
                Ok(())
            }
        };
        done(run())
    }

    unsafe fn ImportSnapshots(&self, ppAsync: *mut *mut c_void) -> HRESULT {
        // SAFETY: the caller vouches for the out-parameter.
        unsafe { self.started(ppAsync, |c| c.import_snapshots()) }
    }

    unsafe fn BreakSnapshotSet(&self, SnapshotSetId: VSS_ID) -> HRESULT {
        done(self.call(|c| c.break_snapshot_set(vss_id(SnapshotSetId))))
    }

    unsafe fn GetSnapshotProperties(
        &self,
        SnapshotId: VSS_ID,
        pProp: *mut VSS_SNAPSHOT_PROP,
    ) -> HRESULT {
        let run = || {
            writable(pProp)?;
            let prop = self.call(|c| c.get_snapshot_properties(vss_id(SnapshotId)))?;
            // SAFETY: checked writable above; the strings are the caller's to free.
            unsafe {
                put(
                    pProp,
                    vss_windows::marshal::write_snapshot_prop(&*self.memory, &prop),
                )
            }
        };
        done(run())
    }

    unsafe fn Query(
        &self,
        QueriedObjectId: VSS_ID,
        eQueriedObjectType: VSS_OBJECT_TYPE,
        eReturnedObjectsType: VSS_OBJECT_TYPE,
        ppEnum: *mut *mut c_void,
    ) -> HRESULT {
        let run = || {
            writable(ppEnum)?;
            let queried = object_type(eQueriedObjectType)?;
            let returned = object_type(eReturnedObjectsType)?;
            let objects = self.call(|c| c.query(vss_id(QueriedObjectId), queried, returned))?;
            let enumeration: IVssEnumObject = SimEnum::new(
                objects.into(),
                Arc::clone(&self.memory),
                self.live.sibling(),
            )
            .into();
            // SAFETY: checked writable above; the reference is the caller's.
            unsafe { put(ppEnum, enumeration.into_raw()) }
        };
        done(run())
    }

    unsafe fn IsVolumeSupported(
        &self,
        ProviderId: VSS_ID,
        pwszVolumeName: VSS_PWSZ,
        pbSupportedByThisProvider: *mut BOOL,
    ) -> HRESULT {
        let run = || {
            writable(pbSupportedByThisProvider)?;
            // SAFETY: the caller passes a NUL-terminated volume name.
            let volume = unsafe { required(pwszVolumeName) }?;
            let supported = self.call(|c| c.is_volume_supported(vss_id(ProviderId), &volume))?;
            // SAFETY: checked writable above.
            unsafe { put(pbSupportedByThisProvider, BOOL::from(supported)) }
        };
        done(run())
    }

    unsafe fn DisableWriterClasses(
        &self,
        _rgWriterClassId: *const VSS_ID,
        _cClassId: u32,
    ) -> HRESULT {
        not_implemented()
    }

    unsafe fn EnableWriterClasses(
        &self,
        _rgWriterClassId: *const VSS_ID,
        _cClassId: u32,
    ) -> HRESULT {
        not_implemented()
    }

    unsafe fn DisableWriterInstances(
        &self,
        _rgWriterInstanceId: *const VSS_ID,
        _cInstanceId: u32,
    ) -> HRESULT {
        not_implemented()
    }

    unsafe fn ExposeSnapshot(
        &self,
        SnapshotId: VSS_ID,
        wszPathFromRoot: VSS_PWSZ,
        lAttributes: i32,
        wszExpose: VSS_PWSZ,
        pwszExposed: *mut VSS_PWSZ,
    ) -> HRESULT {
        let run = || {
            writable(pwszExposed)?;
            // SAFETY: the caller passes NULL or NUL-terminated strings.
            let (path, expose) = unsafe { (text(wszPathFromRoot)?, text(wszExpose)?) };
            // The attribute word is a bit set; bits without a name are passed on for the
            // simulator to judge.
            let attributes = SnapshotAttributes::from_bits_retain(lAttributes as u32);
            let exposed = self.call(|c| {
                c.expose_snapshot(
                    vss_id(SnapshotId),
                    path.as_deref(),
                    attributes,
                    expose.as_deref(),
                )
            })?;
            // SAFETY: checked writable above; the string is the caller's to free.
            unsafe { put(pwszExposed, self.memory.task_string(&exposed)) }
        };
        done(run())
    }

    unsafe fn RevertToSnapshot(&self, SnapshotId: VSS_ID, bForceDismount: BOOL) -> HRESULT {
        done(self.call(|c| c.revert_to_snapshot(vss_id(SnapshotId), bForceDismount != 0)))
    }

    unsafe fn QueryRevertStatus(&self, pwszVolume: VSS_PWSZ, ppAsync: *mut *mut c_void) -> HRESULT {
        let read = || {
            // The out-parameter first, as for every call: with nowhere to put the result,
            // nothing is looked at.
            writable(ppAsync)?;
            // SAFETY: the caller passes a NUL-terminated volume name.
            unsafe { required(pwszVolume) }
        };
        match read() {
            // SAFETY: the caller vouches for the out-parameter.
            Ok(volume) => unsafe { self.started(ppAsync, |c| c.query_revert_status(&volume)) },
            Err(hr) => hr,
        }
    }
}

impl<C: BackupComponents + 'static> IVssBackupComponentsEx_Impl for SimRequester_Impl<C> {
    unsafe fn GetWriterMetadataEx(
        &self,
        _iWriter: u32,
        _pidInstance: *mut VSS_ID,
        _ppMetadata: *mut *mut c_void,
    ) -> HRESULT {
        not_implemented()
    }

    unsafe fn SetSelectedForRestoreEx(
        &self,
        _writerId: VSS_ID,
        _ct: VSS_COMPONENT_TYPE,
        _wszLogicalPath: LPCWSTR,
        _wszComponentName: LPCWSTR,
        _bSelectedForRestore: boolean,
        _instanceId: VSS_ID,
    ) -> HRESULT {
        not_implemented()
    }
}

impl<C: BackupComponents + 'static> IVssBackupComponentsEx2_Impl for SimRequester_Impl<C> {
    unsafe fn UnexposeSnapshot(&self, snapshotId: VSS_ID) -> HRESULT {
        done(self.call(|c| c.unexpose_snapshot(vss_id(snapshotId))))
    }

    unsafe fn SetAuthoritativeRestore(
        &self,
        _writerId: VSS_ID,
        _ct: VSS_COMPONENT_TYPE,
        _wszLogicalPath: LPCWSTR,
        _wszComponentName: LPCWSTR,
        _bAuth: boolean,
    ) -> HRESULT {
        not_implemented()
    }

    unsafe fn SetRollForward(
        &self,
        _writerId: VSS_ID,
        _ct: VSS_COMPONENT_TYPE,
        _wszLogicalPath: LPCWSTR,
        _wszComponentName: LPCWSTR,
        _rollType: VSS_ROLLFORWARD_TYPE,
        _wszRollForwardPoint: LPCWSTR,
    ) -> HRESULT {
        not_implemented()
    }

    unsafe fn SetRestoreName(
        &self,
        _writerId: VSS_ID,
        _ct: VSS_COMPONENT_TYPE,
        _wszLogicalPath: LPCWSTR,
        _wszComponentName: LPCWSTR,
        _wszRestoreName: LPCWSTR,
    ) -> HRESULT {
        not_implemented()
    }

    unsafe fn BreakSnapshotSetEx(
        &self,
        SnapshotSetID: VSS_ID,
        dwBreakFlags: u32,
        ppAsync: *mut *mut c_void,
    ) -> HRESULT {
        // The flag word is passed on whole, unnamed bits included, for the simulator to judge.
        let flags = HardwareOptions::from_bits_retain(dwBreakFlags);
        // SAFETY: the caller vouches for the out-parameter.
        unsafe {
            self.started(ppAsync, |c| {
                c.break_snapshot_set_ex(vss_id(SnapshotSetID), flags)
            })
        }
    }

    unsafe fn PreFastRecovery(
        &self,
        _SnapshotSetID: VSS_ID,
        _dwPreFastRecoveryFlags: u32,
        _ppAsync: *mut *mut c_void,
    ) -> HRESULT {
        not_implemented()
    }

    unsafe fn FastRecovery(
        &self,
        _SnapshotSetID: VSS_ID,
        _dwFastRecoveryFlags: u32,
        _ppAsync: *mut *mut c_void,
    ) -> HRESULT {
        not_implemented()
    }
}

/// Serves a requester object and gives back its `IVssBackupComponents`, reached
/// through `QueryInterface` from the most derived interface as a caller of
/// `CreateVssBackupComponents` would get it.
pub fn serve<C: BackupComponents + 'static>(
    inner: C,
    memory: Arc<dyn ComMemory>,
    census: &Census,
) -> VssResult<vss_windows::interfaces::IVssBackupComponents> {
    let ex2: IVssBackupComponentsEx2 = SimRequester::new(inner, memory, census.enrol()).into();
    ex2.cast().map_err(|e| abi::hresult(e.code()))
}

/// The requester object of type `C` behind a requester interface, if [`serve`] made it: COM's own
/// dynamic cast finds it, and anything else is `E_NOINTERFACE`.
pub fn served<C: BackupComponents + 'static>(
    iface: &vss_windows::interfaces::IVssBackupComponents,
) -> VssResult<windows_core::ComObject<SimRequester<C>>> {
    windows_core::ComObject::cast_from(iface).map_err(|e| abi::hresult(e.code()))
}
