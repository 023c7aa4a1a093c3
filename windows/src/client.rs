//! The requester side: the model's [`BackupComponents`] and [`VssAsync`] traits over COM
//! interface pointers.
//!
//! Each trait method makes one COM call (more for `writer_status`, `writer_metadata`,
//! `writer_components` and `query`, which read a count, the objects it counts or an
//! enumeration to its end), converts the arguments to the SDK's forms, and frees what the
//! callee allocated exactly as the SDK asks, through the [`ComMemory`] both sides share.

mod writer_components;
mod writer_metadata;

use std::ffi::c_void;
use std::ptr;
use std::sync::Arc;

use vss_model::backend::{
    BackupComponents, BackupStateArgs, ComponentRef, Deleted, VssAsync, VssResult,
};
use vss_model::document::WriterComponents;
use vss_model::provider::DeleteFailure;
use vss_model::writer_metadata::WriterMetadataDocument;
use vss_model::{
    Context, HResult, HardwareOptions, ObjectProp, ObjectType, SnapshotAttributes, SnapshotProp,
    VssId, WriterState, WriterStatus,
};
use windows_core::{GUID, HRESULT, Interface};

use crate::abi::{
    self, BSTR, LPCWSTR, Unreadable, VSS_COMPONENT_TYPE, VSS_ID, VSS_OBJECT_PROP, VSS_PWSZ,
    VSS_SNAPSHOT_PROP, guid, hresult, vss_id, wide,
};
use crate::interfaces::{
    IVssAsync, IVssBackupComponents, IVssBackupComponentsEx2, IVssEnumObject,
    IVssExamineWriterMetadata,
};
use crate::memory::ComMemory;

/// One requester object reached through COM: real VSS's, or any object that implements
/// `IVssBackupComponents` (the simulator's, in the COM-ABI harness). Dropping it releases
/// the interface pointer, as `Release` does.
pub struct ComBackupComponents {
    iface: IVssBackupComponents,
    memory: Arc<dyn ComMemory>,
}

/// One `IVssAsync` reached through COM.
pub struct ComAsync {
    iface: IVssAsync,
}

/// What a call whose answer cannot be read reports: VSS returned a value the SDK does not
/// define, or text that is not UTF-16. `E_UNEXPECTED` is no code any of these methods
/// documents, so a conformance run shows it as the failure it is.
const UNREADABLE: HResult = HResult::E_UNEXPECTED;

fn ok(hr: HRESULT) -> VssResult {
    if hr.is_err() {
        Err(hresult(hr))
    } else {
        Ok(())
    }
}

/// A string argument in the SDK's form. C strings end at the first NUL, so a text holding one
/// would reach VSS cut short and name something else: it is refused before any call.
fn argument(text: &str) -> VssResult<Vec<u16>> {
    if text.contains('\0') {
        return Err(HResult::E_INVALIDARG);
    }
    Ok(wide(text))
}

fn readable<T>(value: Result<T, Unreadable>) -> VssResult<T> {
    value.map_err(|_| UNREADABLE)
}

/// Calls a method that hands out a `BSTR` through its out-parameter, reads the text and
/// frees it with `SysFreeString`, whatever the call returned.
fn bstr_out(
    memory: &dyn ComMemory,
    what: &str,
    call: impl FnOnce(*mut BSTR) -> HRESULT,
) -> VssResult<String> {
    let mut bstr: BSTR = ptr::null_mut();
    let hr = call(&mut bstr);
    // SAFETY: `bstr` is NULL or a BSTR the callee allocated for us.
    let text = unsafe { memory.read_bstr(bstr, what) };
    // SAFETY: the BSTR is ours to free, once.
    unsafe { memory.free_bstr(bstr) };
    ok(hr)?;
    readable(text)
}

/// Calls a method that hands out an interface pointer through its last parameter, and takes
/// the reference over (releasing it at once if the call failed nonetheless).
fn interface_out<I: Interface>(call: impl FnOnce(*mut *mut c_void) -> HRESULT) -> VssResult<I> {
    let mut raw: *mut c_void = ptr::null_mut();
    let hr = call(&mut raw);
    // SAFETY: a non-NULL `raw` is an interface pointer of type `I` the callee AddRef'd for
    // us.
    let handle = (!raw.is_null()).then(|| unsafe { I::from_raw(raw) });
    ok(hr)?;
    handle.ok_or(HResult::E_POINTER)
}

/// A component as `AddComponent` and `SetBackupSucceeded` take it: the writer's ids and the
/// component's type in their SDK forms, the logical path (`NULL` for none) and the name as
/// wide strings.
struct ComponentArgs {
    instance: VSS_ID,
    writer: VSS_ID,
    component_type: VSS_COMPONENT_TYPE,
    logical_path: Option<Vec<u16>>,
    name: Vec<u16>,
}

impl ComponentArgs {
    fn new(component: &ComponentRef<'_>) -> VssResult<ComponentArgs> {
        Ok(ComponentArgs {
            instance: guid(component.instance_id),
            writer: guid(component.writer_id),
            component_type: component.component_type.value(),
            logical_path: component.logical_path.map(argument).transpose()?,
            name: argument(component.component_name)?,
        })
    }

    fn logical_path(&self) -> LPCWSTR {
        self.logical_path
            .as_ref()
            .map_or(ptr::null(), |p| p.as_ptr())
    }
}

impl ComBackupComponents {
    /// Wraps a requester interface pointer. `memory` must be the allocator the object hands
    /// its strings out with: the system's for real VSS.
    pub fn new(iface: IVssBackupComponents, memory: Arc<dyn ComMemory>) -> ComBackupComponents {
        ComBackupComponents { iface, memory }
    }

    /// The interface pointer.
    pub fn interface(&self) -> &IVssBackupComponents {
        &self.iface
    }

    /// `IVssBackupComponentsEx2`, which every Windows since Server 2008 implements; an
    /// object without it gives its `QueryInterface` failure (`E_NOINTERFACE`).
    fn ex2(&self) -> VssResult<IVssBackupComponentsEx2> {
        self.iface
            .cast::<IVssBackupComponentsEx2>()
            .map_err(|e| hresult(e.code()))
    }

    /// Calls a method that returns an `IVssAsync` through its last parameter.
    fn started(&self, call: impl FnOnce(*mut *mut c_void) -> HRESULT) -> VssResult<ComAsync> {
        interface_out(call).map(|iface| ComAsync { iface })
    }
}

impl VssAsync for ComAsync {
    fn wait(&mut self, milliseconds: u32) -> HResult {
        // SAFETY: the interface pointer is live while `self` is.
        hresult(unsafe { self.iface.Wait(milliseconds) })
    }

    fn query_status(&mut self) -> VssResult<HResult> {
        let mut status = HRESULT(0);
        // SAFETY: the interface pointer is live; `status` outlives the call; `pReserved` is
        // NULL as the SDK requires.
        ok(unsafe { self.iface.QueryStatus(&mut status, ptr::null_mut()) })?;
        Ok(hresult(status))
    }

    fn cancel(&mut self) -> HResult {
        // SAFETY: the interface pointer is live.
        hresult(unsafe { self.iface.Cancel() })
    }
}

impl BackupComponents for ComBackupComponents {
    type Async = ComAsync;

    fn initialize_for_backup(&mut self, xml: Option<&str>) -> VssResult {
        // The caller owns the BSTR it passes: allocated here, freed after the call.
        let bstr = xml.map_or(ptr::null_mut(), |x| self.memory.bstr(x));
        if xml.is_some() && bstr.is_null() {
            // NULL would ask for a fresh document instead of the one given.
            return Err(HResult::E_OUTOFMEMORY);
        }
        // SAFETY: the interface is live; `bstr` is NULL or a live BSTR the callee only reads.
        let hr = unsafe { self.iface.InitializeForBackup(bstr) };
        // SAFETY: `bstr` is NULL or the BSTR allocated above, no longer used by the callee.
        unsafe { self.memory.free_bstr(bstr) };
        ok(hr)
    }

    fn set_context(&mut self, context: Context) -> VssResult {
        // SAFETY: the interface is live.
        ok(unsafe { self.iface.SetContext(context.0) })
    }

    fn set_backup_state(&mut self, state: BackupStateArgs) -> VssResult {
        // SAFETY: the interface is live; the arguments are plain values.
        ok(unsafe {
            self.iface.SetBackupState(
                u8::from(state.select_components),
                u8::from(state.bootable_system_state),
                state.backup_type.value(),
                u8::from(state.partial_file_support),
            )
        })
    }

    fn gather_writer_metadata(&mut self) -> VssResult<ComAsync> {
        // SAFETY: the interface is live; `p` is a valid out-parameter.
        self.started(|p| unsafe { self.iface.GatherWriterMetadata(p) })
    }

    fn gather_writer_status(&mut self) -> VssResult<ComAsync> {
        // SAFETY: as above.
        self.started(|p| unsafe { self.iface.GatherWriterStatus(p) })
    }

    fn writer_status(&mut self) -> VssResult<Vec<WriterStatus>> {
        let mut count = 0u32;
        // SAFETY: the interface is live; `count` outlives the call.
        ok(unsafe { self.iface.GetWriterStatusCount(&mut count) })?;
        let mut statuses = Vec::new();
        for i in 0..count {
            let (mut instance, mut writer) = (GUID::zeroed(), GUID::zeroed());
            let mut name: BSTR = ptr::null_mut();
            let (mut state, mut failure) = (0i32, HRESULT(0));
            // SAFETY: the interface is live; every out-parameter outlives the call.
            let hr = unsafe {
                self.iface.GetWriterStatus(
                    i,
                    &mut instance,
                    &mut writer,
                    &mut name,
                    &mut state,
                    &mut failure,
                )
            };
            // SAFETY: `name` is NULL or the BSTR the callee allocated for us.
            let writer_name = unsafe { self.memory.read_bstr(name, "the writer name") };
            // SAFETY: the BSTR is ours to free (`SysFreeString`), whatever the call returned.
            unsafe { self.memory.free_bstr(name) };
            ok(hr)?;
            statuses.push(WriterStatus {
                instance_id: vss_id(instance),
                writer_id: vss_id(writer),
                writer_name: readable(writer_name)?,
                state: WriterState::from_value(state).ok_or(UNREADABLE)?,
                failure: hresult(failure),
            });
        }
        Ok(statuses)
    }

    fn writer_metadata(&mut self) -> VssResult<Vec<WriterMetadataDocument>> {
        let mut count = 0u32;
        // SAFETY: the interface is live; `count` outlives the call.
        ok(unsafe { self.iface.GetWriterMetadataCount(&mut count) })?;
        (0..count)
            .map(|i| {
                // GetIdentity gives the instance id again, with the rest of the identity.
                let mut instance = GUID::zeroed();
                // SAFETY: the interface is live; both out-parameters outlive the call.
                let metadata: IVssExamineWriterMetadata = interface_out(|p| unsafe {
                    self.iface.GetWriterMetadata(i, &mut instance, p)
                })?;
                writer_metadata::read(&*self.memory, &metadata)
            })
            .collect()
    }

    fn free_writer_metadata(&mut self) -> VssResult {
        // SAFETY: the interface is live.
        ok(unsafe { self.iface.FreeWriterMetadata() })
    }

    fn add_component(&mut self, component: &ComponentRef<'_>) -> VssResult {
        let c = ComponentArgs::new(component)?;
        // SAFETY: the interface is live; both strings are NULL or NUL-terminated and outlive
        // the call, which only reads them.
        ok(unsafe {
            self.iface.AddComponent(
                c.instance,
                c.writer,
                c.component_type,
                c.logical_path(),
                c.name.as_ptr(),
            )
        })
    }

    fn set_backup_succeeded(&mut self, component: &ComponentRef<'_>, succeeded: bool) -> VssResult {
        let c = ComponentArgs::new(component)?;
        // SAFETY: as for `add_component`; the flag is a one-byte C++ `bool`.
        ok(unsafe {
            self.iface.SetBackupSucceeded(
                c.instance,
                c.writer,
                c.component_type,
                c.logical_path(),
                c.name.as_ptr(),
                u8::from(succeeded),
            )
        })
    }

    fn writer_components(&mut self) -> VssResult<Vec<WriterComponents>> {
        let mut count = 0u32;
        // SAFETY: the interface is live; `count` outlives the call.
        ok(unsafe { self.iface.GetWriterComponentsCount(&mut count) })?;
        (0..count)
            .map(|i| {
                let mut raw: *mut c_void = ptr::null_mut();
                // SAFETY: the interface is live; `raw` is a valid out-parameter.
                let hr = unsafe { self.iface.GetWriterComponents(i, &mut raw) };
                // SAFETY: a non-NULL `raw` is a reference the callee handed to us, taken
                // over (and released at once if the call failed nonetheless).
                let held = unsafe { writer_components::Held::take(raw) };
                ok(hr)?;
                writer_components::read(&*self.memory, &held.ok_or(HResult::E_POINTER)?)
            })
            .collect()
    }

    fn start_snapshot_set(&mut self) -> VssResult<VssId> {
        let mut id = GUID::zeroed();
        // SAFETY: the interface is live; `id` outlives the call.
        ok(unsafe { self.iface.StartSnapshotSet(&mut id) })?;
        Ok(vss_id(id))
    }

    fn add_to_snapshot_set(&mut self, volume_name: &str, provider_id: VssId) -> VssResult<VssId> {
        let mut volume = argument(volume_name)?;
        let mut id = GUID::zeroed();
        // SAFETY: the interface is live; `volume` is NUL-terminated and outlives the call,
        // which only reads it; `id` outlives the call.
        ok(unsafe {
            self.iface
                .AddToSnapshotSet(volume.as_mut_ptr(), guid(provider_id), &mut id)
        })?;
        Ok(vss_id(id))
    }

    fn prepare_for_backup(&mut self) -> VssResult<ComAsync> {
        // SAFETY: the interface is live; `p` is a valid out-parameter.
        self.started(|p| unsafe { self.iface.PrepareForBackup(p) })
    }

    fn do_snapshot_set(&mut self) -> VssResult<ComAsync> {
        // SAFETY: as above.
        self.started(|p| unsafe { self.iface.DoSnapshotSet(p) })
    }

    fn backup_complete(&mut self) -> VssResult<ComAsync> {
        // SAFETY: as above.
        self.started(|p| unsafe { self.iface.BackupComplete(p) })
    }

    fn abort_backup(&mut self) -> VssResult {
        // SAFETY: the interface is live.
        ok(unsafe { self.iface.AbortBackup() })
    }

    fn get_snapshot_properties(&mut self, snapshot_id: VssId) -> VssResult<SnapshotProp> {
        let mut prop = VSS_SNAPSHOT_PROP::zeroed();
        // SAFETY: the interface is live; `prop` outlives the call.
        ok(unsafe {
            self.iface
                .GetSnapshotProperties(guid(snapshot_id), &mut prop)
        })?;
        // SAFETY: on success the callee filled `prop` with NULL or NUL-terminated strings.
        let read = unsafe { abi::read_snapshot_prop(&prop) };
        // SAFETY: the strings are ours to free, with `VssFreeSnapshotProperties`.
        unsafe { self.memory.free_snapshot_properties(&mut prop) };
        readable(read)
    }

    fn query(
        &mut self,
        queried_object_id: VssId,
        queried_object_type: ObjectType,
        returned_objects_type: ObjectType,
    ) -> VssResult<Vec<ObjectProp>> {
        let mut raw: *mut c_void = ptr::null_mut();
        // SAFETY: the interface is live; `raw` is a valid out-parameter.
        let hr = unsafe {
            self.iface.Query(
                guid(queried_object_id),
                queried_object_type.value(),
                returned_objects_type.value(),
                &mut raw,
            )
        };
        // SAFETY: a non-NULL `raw` is an enumeration the callee AddRef'd for us.
        let enumeration = (!raw.is_null()).then(|| unsafe { IVssEnumObject::from_raw(raw) });
        ok(hr)?;
        let Some(enumeration) = enumeration else {
            return Ok(Vec::new());
        };
        let mut objects = Vec::new();
        loop {
            let mut element = VSS_OBJECT_PROP::zeroed();
            let mut fetched = 0u32;
            // SAFETY: the enumeration is live; there is room for the one element asked for.
            let hr = unsafe { enumeration.Next(1, &mut element, &mut fetched) };
            ok(hr)?;
            if fetched == 0 {
                break;
            }
            // SAFETY: `Next` filled the element: its type names the valid member, whose
            // strings are NULL or NUL-terminated.
            let read = unsafe { abi::read_object_prop(&element) };
            // SAFETY: the element's strings are ours to free, as its type says.
            unsafe { crate::marshal::free_object_prop(&*self.memory, &mut element) };
            objects.push(readable(read)?);
            if hr != HRESULT(0) {
                // `S_FALSE`: fewer than asked were left, so this was the last one.
                break;
            }
        }
        Ok(objects)
    }

    fn delete_snapshots(
        &mut self,
        source_object_id: VssId,
        source_object_type: ObjectType,
        force_delete: bool,
    ) -> Result<Deleted, DeleteFailure> {
        let mut deleted = 0i32;
        let mut nondeleted = GUID::zeroed();
        // SAFETY: the interface is live; both out-parameters outlive the call.
        let hr = unsafe {
            self.iface.DeleteSnapshots(
                guid(source_object_id),
                source_object_type.value(),
                i32::from(force_delete),
                &mut deleted,
                &mut nondeleted,
            )
        };
        match ok(hr) {
            Ok(()) => Ok(Deleted {
                deleted,
                nondeleted: vss_id(nondeleted),
            }),
            Err(hr) => Err(DeleteFailure {
                hr,
                deleted,
                nondeleted: vss_id(nondeleted),
            }),
        }
    }

    fn save_as_xml(&mut self) -> VssResult<String> {
        // SAFETY: the interface is live; `p` is a valid out-parameter.
        bstr_out(
            &*self.memory,
            "the backup components document",
            |p| unsafe { self.iface.SaveAsXML(p) },
        )
    }

    fn import_snapshots(&mut self) -> VssResult<ComAsync> {
        // SAFETY: the interface is live; `p` is a valid out-parameter.
        self.started(|p| unsafe { self.iface.ImportSnapshots(p) })
    }

    fn break_snapshot_set(&mut self, snapshot_set_id: VssId) -> VssResult {
        // SAFETY: the interface is live.
        ok(unsafe { self.iface.BreakSnapshotSet(guid(snapshot_set_id)) })
    }

    fn break_snapshot_set_ex(
        &mut self,
        snapshot_set_id: VssId,
        break_flags: HardwareOptions,
    ) -> VssResult<ComAsync> {
        let ex2 = self.ex2()?;
        // SAFETY: the interface is live; `p` is a valid out-parameter.
        self.started(|p| unsafe {
            ex2.BreakSnapshotSetEx(guid(snapshot_set_id), break_flags.bits(), p)
        })
    }

    fn expose_snapshot(
        &mut self,
        snapshot_id: VssId,
        path_from_root: Option<&str>,
        attributes: SnapshotAttributes,
        expose: Option<&str>,
    ) -> VssResult<String> {
        let mut path = path_from_root.map(argument).transpose()?;
        let mut name = expose.map(argument).transpose()?;
        let arg = |s: &mut Option<Vec<u16>>| s.as_mut().map_or(ptr::null_mut(), |v| v.as_mut_ptr());
        let mut exposed: VSS_PWSZ = ptr::null_mut();
        // SAFETY: the interface is live; the two strings are NULL or NUL-terminated and
        // outlive the call, which only reads them; `exposed` is a valid out-parameter.
        let hr = unsafe {
            self.iface.ExposeSnapshot(
                guid(snapshot_id),
                arg(&mut path),
                attributes.bits() as i32,
                arg(&mut name),
                &mut exposed,
            )
        };
        // SAFETY: `exposed` is NULL or a NUL-terminated string the callee allocated for us.
        let text = unsafe { abi::read_pwsz(exposed, "the exposed name") };
        // SAFETY: the string is ours to free, with `CoTaskMemFree`.
        unsafe { self.memory.task_free(exposed.cast()) };
        ok(hr)?;
        readable(text)?.ok_or(HResult::E_POINTER)
    }

    fn unexpose_snapshot(&mut self, snapshot_id: VssId) -> VssResult {
        let ex2 = self.ex2()?;
        // SAFETY: the interface is live.
        ok(unsafe { ex2.UnexposeSnapshot(guid(snapshot_id)) })
    }

    fn is_volume_supported(&mut self, provider_id: VssId, volume_name: &str) -> VssResult<bool> {
        let mut volume = argument(volume_name)?;
        let mut supported = 0i32;
        // SAFETY: the interface is live; `volume` is NUL-terminated and outlives the call,
        // which only reads it; `supported` outlives the call.
        ok(unsafe {
            self.iface
                .IsVolumeSupported(guid(provider_id), volume.as_mut_ptr(), &mut supported)
        })?;
        Ok(supported != 0)
    }

    fn revert_to_snapshot(&mut self, snapshot_id: VssId, force_dismount: bool) -> VssResult {
        // SAFETY: the interface is live; the arguments are plain values (`BOOL` is four
        // bytes, as vsbackup.h declares it).
        ok(unsafe {
            self.iface
                .RevertToSnapshot(guid(snapshot_id), i32::from(force_dismount))
        })
    }

    fn query_revert_status(&mut self, volume_name: &str) -> VssResult<ComAsync> {
        let mut volume = argument(volume_name)?;
        // SAFETY: the interface is live; `volume` is NUL-terminated and outlives the call,
        // which only reads it; `p` is a valid out-parameter.
        self.started(|p| unsafe { self.iface.QueryRevertStatus(volume.as_mut_ptr(), p) })
    }
}
