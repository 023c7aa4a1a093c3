//! The structures a callee hands out, filled and freed with the boundary's allocators
//! ([`ComMemory`]): what `GetSnapshotProperties` and `IVssEnumObject::Next` write for their
//! caller, and how the caller gives the strings back; and the `VSS_COMPONENTINFO` an
//! `IVssWMComponent` hands out and takes back itself.

use std::ptr;

use vss_model::writer_metadata::ComponentInfo;
use vss_model::{ObjectProp, ObjectType, SnapshotProp};

use crate::abi::{
    BSTR, VSS_COMPONENTINFO, VSS_OBJECT_PROP, VSS_OBJECT_UNION, VSS_PROVIDER_PROP,
    VSS_SNAPSHOT_PROP, guid,
};
use crate::memory::ComMemory;

/// Frees the strings of a `VSS_OBJECT_PROP` as the SDK asks: a shadow copy's through
/// `VssFreeSnapshotProperties`, a provider's with `CoTaskMemFree` one by one.
///
/// # Safety
/// The strings were allocated with `memory`'s task allocator and are not freed yet; after
/// this call they must not be used.
pub unsafe fn free_object_prop(memory: &dyn ComMemory, raw: &mut VSS_OBJECT_PROP) {
    if raw.Type == ObjectType::VSS_OBJECT_PROVIDER.value() {
        // SAFETY: the type says `Prov` is the member written; the caller hands its strings
        // over to be freed.
        unsafe {
            let prov = &mut raw.Obj.Prov;
            memory.task_free(prov.m_pwszProviderName.cast());
            memory.task_free(prov.m_pwszProviderVersion.cast());
            prov.m_pwszProviderName = ptr::null_mut();
            prov.m_pwszProviderVersion = ptr::null_mut();
        }
    } else {
        // SAFETY: any other element is a shadow copy's (`Next` fills no other kind), and the
        // caller hands its strings over to be freed.
        unsafe { memory.free_snapshot_properties(&mut raw.Obj.Snap) }
    }
}

/// Fills a `VSS_SNAPSHOT_PROP` for a caller, allocating its strings with `memory`'s task
/// allocator, as VSS does for `GetSnapshotProperties` and `IVssEnumObject::Next`.
pub fn write_snapshot_prop(memory: &dyn ComMemory, prop: &SnapshotProp) -> VSS_SNAPSHOT_PROP {
    let text = |s: &str| memory.task_string(s);
    let optional = |s: &Option<String>| s.as_deref().map_or(ptr::null_mut(), text);
    VSS_SNAPSHOT_PROP {
        m_SnapshotId: guid(prop.snapshot_id),
        m_SnapshotSetId: guid(prop.snapshot_set_id),
        m_lSnapshotsCount: prop.snapshots_count,
        m_pwszSnapshotDeviceObject: text(&prop.snapshot_device_object),
        m_pwszOriginalVolumeName: text(&prop.original_volume_name),
        m_pwszOriginatingMachine: text(&prop.originating_machine),
        m_pwszServiceMachine: text(&prop.service_machine),
        m_pwszExposedName: optional(&prop.exposed_name),
        m_pwszExposedPath: optional(&prop.exposed_path),
        m_ProviderId: guid(prop.provider_id),
        m_lSnapshotAttributes: prop.snapshot_attributes.bits() as i32,
        m_tsCreationTimestamp: prop.creation_timestamp.0,
        m_eStatus: prop.status.value(),
    }
}

/// Fills a `VSS_OBJECT_PROP` for a caller, allocating its strings with `memory`'s task
/// allocator.
pub fn write_object_prop(memory: &dyn ComMemory, prop: &ObjectProp) -> VSS_OBJECT_PROP {
    match prop {
        ObjectProp::Snapshot(snap) => VSS_OBJECT_PROP {
            Type: ObjectType::VSS_OBJECT_SNAPSHOT.value(),
            Obj: VSS_OBJECT_UNION {
                Snap: write_snapshot_prop(memory, snap),
            },
        },
        ObjectProp::Provider(prov) => VSS_OBJECT_PROP {
            Type: ObjectType::VSS_OBJECT_PROVIDER.value(),
            Obj: VSS_OBJECT_UNION {
                Prov: VSS_PROVIDER_PROP {
                    m_ProviderId: guid(prov.provider_id),
                    m_pwszProviderName: memory.task_string(&prov.provider_name),
                    m_eProviderType: prov.provider_type.value(),
                    m_pwszProviderVersion: memory.task_string(&prov.provider_version),
                    m_ProviderVersionId: guid(prov.provider_version_id),
                    m_ClassId: guid(prov.class_id),
                },
            },
        },
    }
}

/// Fills a `VSS_COMPONENTINFO` for a component, its strings `BSTR`s of `memory` (an empty
/// logical path or caption as `NULL`), as `IVssWMComponent::GetComponentInfo` hands it out.
/// The component has no icon.
pub fn write_component_info(memory: &dyn ComMemory, info: &ComponentInfo) -> VSS_COMPONENTINFO {
    let optional = |s: &str| -> BSTR {
        if s.is_empty() {
            ptr::null_mut()
        } else {
            memory.bstr(s)
        }
    };
    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    VSS_COMPONENTINFO {
        r#type: info.component_type.value(),
        bstrLogicalPath: optional(&info.logical_path),
        bstrComponentName: memory.bstr(&info.component_name),
        bstrCaption: optional(&info.caption),
        pbIcon: ptr::null_mut(),
        cbIcon: 0,
        bRestoreMetadata: u8::from(info.restore_metadata),
        bNotifyOnBackupComplete: u8::from(info.notify_on_backup_complete),
        bSelectable: u8::from(info.selectable),
        bSelectableForRestore: u8::from(info.selectable_for_restore),
        dwComponentFlags: info.component_flags,
        cFileCount: count(info.files.len()),
        cDatabases: count(info.database_files.len()),
        cLogFiles: count(info.database_log_files.len()),
        cDependencies: count(info.dependencies.len()),
    }
}

/// Frees the strings of a `VSS_COMPONENTINFO` that [`write_component_info`] filled, with
/// `SysFreeString`, and sets them to `NULL`.
///
/// # Safety
/// Each string is `NULL` or a live `BSTR` of `memory`; after this call they must not be used.
pub unsafe fn free_component_info(memory: &dyn ComMemory, info: &mut VSS_COMPONENTINFO) {
    for field in [
        &mut info.bstrLogicalPath,
        &mut info.bstrComponentName,
        &mut info.bstrCaption,
    ] {
        // SAFETY: the caller vouches that each string is NULL or a live BSTR.
        unsafe { memory.free_bstr(*field) };
        *field = ptr::null_mut();
    }
}
