//! Reading one writer's metadata through the interfaces `GetWriterMetadata` hands out:
//! `IVssExamineWriterMetadata`, and the `IVssWMFiledesc`, `IVssWMComponent` and
//! `IVssWMDependency` objects it hands out in turn. Every `BSTR` read is freed with
//! `SysFreeString`, every `VSS_COMPONENTINFO` given back with `FreeComponentInfo`, and every
//! interface released when its wrapper drops.

use std::ptr;

use vss_model::HResult;
use vss_model::backend::VssResult;
use vss_model::writer_metadata::{
    ComponentDependency, ComponentInfo, ComponentType, FileDescriptor, RestoreMethod,
    RestoreMethodInfo, SourceType, UsageType, WriterMetadataDocument, WriterRestore,
};
use windows_core::GUID;

use super::{UNREADABLE, bstr_out, interface_out, ok, readable};
use crate::abi::{BSTR, PVSSCOMPONENTINFO, VSS_COMPONENTINFO, boolean, vss_id};
use crate::interfaces::{
    IVssExamineWriterMetadata, IVssWMComponent, IVssWMDependency, IVssWMFiledesc,
};
use crate::memory::ComMemory;

/// A value of an SDK enumeration, or [`UNREADABLE`] when VSS gave one the SDK lacks.
fn known<T>(value: Option<T>) -> VssResult<T> {
    value.ok_or(UNREADABLE)
}

/// Reads a writer's metadata whole.
pub(super) fn read(
    memory: &dyn ComMemory,
    m: &IVssExamineWriterMetadata,
) -> VssResult<WriterMetadataDocument> {
    let (mut instance, mut writer) = (GUID::zeroed(), GUID::zeroed());
    let (mut usage, mut source) = (0, 0);
    let writer_name = bstr_out(memory, "the writer name", |name| {
        // SAFETY: the interface is live; every out-parameter outlives the call.
        unsafe { m.GetIdentity(&mut instance, &mut writer, name, &mut usage, &mut source) }
    })?;
    let restore_method = restore_method(memory, m)?;
    let (mut includes, mut excludes, mut components) = (0u32, 0u32, 0u32);
    // SAFETY: the interface is live; the three counts outlive the call.
    ok(unsafe { m.GetFileCounts(&mut includes, &mut excludes, &mut components) })?;
    let exclude_files = (0..excludes)
        .map(|i| {
            // SAFETY: the interface is live; `p` is a valid out-parameter.
            let files = interface_out(|p| unsafe { m.GetExcludeFile(i, p) })?;
            file_set(memory, &files)
        })
        .collect::<VssResult<_>>()?;
    let components = (0..components)
        .map(|i| {
            // SAFETY: as above.
            let component = interface_out(|p| unsafe { m.GetComponent(i, p) })?;
            self::component(memory, &component)
        })
        .collect::<VssResult<_>>()?;
    Ok(WriterMetadataDocument {
        instance_id: vss_id(instance),
        writer_id: vss_id(writer),
        writer_name,
        usage: known(UsageType::from_value(usage))?,
        source: known(SourceType::from_value(source))?,
        restore_method,
        exclude_files,
        components,
    })
}

/// `GetRestoreMethod`, its two strings freed whatever the call returned.
fn restore_method(
    memory: &dyn ComMemory,
    m: &IVssExamineWriterMetadata,
) -> VssResult<RestoreMethodInfo> {
    let (mut method, mut writer_restore) = (0, 0);
    let (mut service, mut procedure): (BSTR, BSTR) = (ptr::null_mut(), ptr::null_mut());
    let mut reboot: boolean = 0;
    let mut mappings = 0u32;
    // SAFETY: the interface is live; every out-parameter outlives the call.
    let hr = unsafe {
        m.GetRestoreMethod(
            &mut method,
            &mut service,
            &mut procedure,
            &mut writer_restore,
            &mut reboot,
            &mut mappings,
        )
    };
    // SAFETY: each is NULL or a BSTR the callee allocated for us, read then freed once.
    let (service_text, procedure_text) = unsafe {
        let read = (
            memory.read_bstr(service, "the restore service"),
            memory.read_bstr(procedure, "the user procedure"),
        );
        memory.free_bstr(service);
        memory.free_bstr(procedure);
        read
    };
    ok(hr)?;
    Ok(RestoreMethodInfo {
        method: known(RestoreMethod::from_value(method))?,
        service: readable(service_text)?,
        user_procedure: readable(procedure_text)?,
        writer_restore: known(WriterRestore::from_value(writer_restore))?,
        reboot_required: reboot != 0,
    })
}

/// Reads one `IVssWMFiledesc`.
fn file_set(memory: &dyn ComMemory, d: &IVssWMFiledesc) -> VssResult<FileDescriptor> {
    // SAFETY: the interface is live and the out-parameter outlives the call.
    let path = bstr_out(memory, "the path", |p| unsafe { d.GetPath(p) })?;
    // SAFETY: the interface is live and the out-parameter outlives the call.
    let filespec = bstr_out(memory, "the filespec", |p| unsafe { d.GetFilespec(p) })?;
    let mut recursive: boolean = 0;
    // SAFETY: the interface is live and the out-parameter outlives the call.
    ok(unsafe { d.GetRecursive(&mut recursive) })?;
    // SAFETY: the interface is live and the out-parameter outlives the call.
    let alternate_location = bstr_out(memory, "the alternate location", |p| unsafe {
        d.GetAlternateLocation(p)
    })?;
    let mut backup_type_mask = 0u32;
    // SAFETY: the interface is live and the out-parameter outlives the call.
    ok(unsafe { d.GetBackupTypeMask(&mut backup_type_mask) })?;
    Ok(FileDescriptor {
        path,
        filespec,
        recursive: recursive != 0,
        alternate_location,
        backup_type_mask,
    })
}

/// Reads one `IVssWMComponent`: its `VSS_COMPONENTINFO` (given back with
/// `FreeComponentInfo` however the reading went), then the file sets and dependencies it
/// counts.
fn component(memory: &dyn ComMemory, c: &IVssWMComponent) -> VssResult<ComponentInfo> {
    let mut info: PVSSCOMPONENTINFO = ptr::null();
    // SAFETY: the interface is live; `info` outlives the call.
    ok(unsafe { c.GetComponentInfo(&mut info) })?;
    if info.is_null() {
        return Err(HResult::E_POINTER);
    }
    // SAFETY: the callee handed out a structure that stays valid until FreeComponentInfo.
    let read = component_with(memory, c, unsafe { &*info });
    // SAFETY: `info` is what GetComponentInfo handed out, given back once.
    let freed = ok(unsafe { c.FreeComponentInfo(info) });
    let component = read?;
    freed?;
    Ok(component)
}

fn component_with(
    memory: &dyn ComMemory,
    c: &IVssWMComponent,
    info: &VSS_COMPONENTINFO,
) -> VssResult<ComponentInfo> {
    // SAFETY: the structure's strings are NULL or BSTRs of the component object, alive until
    // FreeComponentInfo; they are only read here.
    let text = |b: BSTR, what: &str| readable(unsafe { memory.read_bstr(b, what) });
    let sets =
        |count: u32, get: &dyn Fn(u32, *mut *mut std::ffi::c_void) -> windows_core::HRESULT| {
            (0..count)
                .map(|i| file_set(memory, &interface_out(|p| get(i, p))?))
                .collect::<VssResult<Vec<_>>>()
        };
    Ok(ComponentInfo {
        component_type: known(ComponentType::from_value(info.r#type))?,
        logical_path: text(info.bstrLogicalPath, "the logical path")?,
        component_name: text(info.bstrComponentName, "the component name")?,
        caption: text(info.bstrCaption, "the caption")?,
        restore_metadata: info.bRestoreMetadata != 0,
        notify_on_backup_complete: info.bNotifyOnBackupComplete != 0,
        selectable: info.bSelectable != 0,
        selectable_for_restore: info.bSelectableForRestore != 0,
        component_flags: info.dwComponentFlags,
        // SAFETY: the interface is live and the out-parameter outlives the call.
        files: sets(info.cFileCount, &|i, p| unsafe { c.GetFile(i, p) })?,
        // SAFETY: the interface is live and the out-parameter outlives the call.
        database_files: sets(info.cDatabases, &|i, p| unsafe { c.GetDatabaseFile(i, p) })?,
        // SAFETY: the interface is live and the out-parameter outlives the call.
        database_log_files: sets(info.cLogFiles, &|i, p| unsafe {
            c.GetDatabaseLogFile(i, p)
        })?,
        dependencies: (0..info.cDependencies)
            .map(|i| {
                // SAFETY: as above.
                let d = interface_out(|p| unsafe { c.GetDependency(i, p) })?;
                dependency(memory, &d)
            })
            .collect::<VssResult<_>>()?,
    })
}

/// Reads one `IVssWMDependency`.
fn dependency(memory: &dyn ComMemory, d: &IVssWMDependency) -> VssResult<ComponentDependency> {
    let mut writer = GUID::zeroed();
    // SAFETY: the interface is live and the out-parameter outlives the call.
    ok(unsafe { d.GetWriterId(&mut writer) })?;
    Ok(ComponentDependency {
        writer_id: vss_id(writer),
        // SAFETY: the interface is live and the out-parameter outlives the call.
        logical_path: bstr_out(memory, "the logical path", |p| unsafe {
            d.GetLogicalPath(p)
        })?,
        // SAFETY: the interface is live and the out-parameter outlives the call.
        component_name: bstr_out(memory, "the component name", |p| unsafe {
            d.GetComponentName(p)
        })?,
    })
}
