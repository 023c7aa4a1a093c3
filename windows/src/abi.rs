//! The C types of vss.h and vsbackup.h, laid out as the SDK lays them out, and their
//! conversions to and from the model's types.
//!
//! The names are the SDK's, so that a reader can hold this file next to the header.
#![allow(non_camel_case_types, non_snake_case)]

use std::ptr;

use vss_model::{
    HResult, ObjectProp, ObjectType, ProviderProp, ProviderType, SnapshotAttributes, SnapshotProp,
    SnapshotState, VssId, VssTimestamp,
};
use windows_core::{GUID, HRESULT};

/// `BSTR`: a length-prefixed UTF-16 string from `SysAllocString`, freed with `SysFreeString`.
pub type BSTR = *mut u16;
/// `VSS_PWSZ`: a NUL-terminated UTF-16 string; when VSS returns one, it comes from
/// `CoTaskMemAlloc` and the caller frees it with `CoTaskMemFree`.
pub type VSS_PWSZ = *mut u16;
/// `LPCWSTR`: a NUL-terminated UTF-16 string the callee only reads.
pub type LPCWSTR = *const u16;
/// `VSS_ID`: a GUID.
pub type VSS_ID = GUID;
/// `VSS_TIMESTAMP`: a `LONGLONG` holding `FILETIME` ticks.
pub type VSS_TIMESTAMP = i64;
/// `boolean` of MIDL: one byte, 0 or 1 (`SetBackupState` takes these).
pub type boolean = u8;
/// `BOOL`: four bytes, 0 or not 0 (`DeleteSnapshots`, `IsVolumeSupported`).
pub type BOOL = i32;
/// `VSS_OBJECT_TYPE`, an `enum` (four bytes).
pub type VSS_OBJECT_TYPE = i32;
/// `VSS_SNAPSHOT_STATE`.
pub type VSS_SNAPSHOT_STATE = i32;
/// `VSS_PROVIDER_TYPE`.
pub type VSS_PROVIDER_TYPE = i32;
/// `VSS_BACKUP_TYPE`.
pub type VSS_BACKUP_TYPE = i32;
/// `VSS_RESTORE_TYPE`.
pub type VSS_RESTORE_TYPE = i32;
/// `VSS_WRITER_STATE`.
pub type VSS_WRITER_STATE = i32;
/// `VSS_COMPONENT_TYPE`.
pub type VSS_COMPONENT_TYPE = i32;
/// `VSS_FILE_RESTORE_STATUS`.
pub type VSS_FILE_RESTORE_STATUS = i32;
/// `VSS_ROLLFORWARD_TYPE`.
pub type VSS_ROLLFORWARD_TYPE = i32;
/// `VSS_USAGE_TYPE`.
pub type VSS_USAGE_TYPE = i32;
/// `VSS_SOURCE_TYPE`.
pub type VSS_SOURCE_TYPE = i32;
/// `VSS_RESTOREMETHOD_ENUM`.
pub type VSS_RESTOREMETHOD_ENUM = i32;
/// `VSS_WRITERRESTORE_ENUM`.
pub type VSS_WRITERRESTORE_ENUM = i32;
/// `VSS_RESTORE_TARGET`.
pub type VSS_RESTORE_TARGET = i32;
/// `PVSSCOMPONENTINFO`: a `const VSS_COMPONENTINFO *` that `IVssWMComponent` hands out and
/// takes back.
pub type PVSSCOMPONENTINFO = *const VSS_COMPONENTINFO;

/// `FILETIME`: 100-nanosecond ticks since 1601, in two halves.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FILETIME {
    /// `dwLowDateTime`.
    pub dwLowDateTime: u32,
    /// `dwHighDateTime`.
    pub dwHighDateTime: u32,
}

/// `VSS_COMPONENTINFO`: what `IVssWMComponent::GetComponentInfo` hands out. The structure
/// and its strings belong to the component object: the caller gives them back with
/// `FreeComponentInfo`, never frees them itself.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct VSS_COMPONENTINFO {
    /// `type`: `VSS_CT_DATABASE` or `VSS_CT_FILEGROUP`.
    pub r#type: VSS_COMPONENT_TYPE,
    /// `bstrLogicalPath`: `NULL` when the component has none.
    pub bstrLogicalPath: BSTR,
    /// `bstrComponentName`.
    pub bstrComponentName: BSTR,
    /// `bstrCaption`.
    pub bstrCaption: BSTR,
    /// `pbIcon`.
    pub pbIcon: *mut u8,
    /// `cbIcon`.
    pub cbIcon: u32,
    /// `bRestoreMetadata` (C++ `bool`).
    pub bRestoreMetadata: boolean,
    /// `bNotifyOnBackupComplete`.
    pub bNotifyOnBackupComplete: boolean,
    /// `bSelectable`.
    pub bSelectable: boolean,
    /// `bSelectableForRestore`.
    pub bSelectableForRestore: boolean,
    /// `dwComponentFlags`.
    pub dwComponentFlags: u32,
    /// `cFileCount`: files of a file group (`GetFile`).
    pub cFileCount: u32,
    /// `cDatabases`: database files (`GetDatabaseFile`).
    pub cDatabases: u32,
    /// `cLogFiles`: database log files (`GetDatabaseLogFile`).
    pub cLogFiles: u32,
    /// `cDependencies`: `GetDependency`.
    pub cDependencies: u32,
}

/// `VSS_SNAPSHOT_PROP`. Its strings belong to whoever received the structure, who frees them
/// all with `VssFreeSnapshotProperties`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct VSS_SNAPSHOT_PROP {
    /// `m_SnapshotId`.
    pub m_SnapshotId: VSS_ID,
    /// `m_SnapshotSetId`.
    pub m_SnapshotSetId: VSS_ID,
    /// `m_lSnapshotsCount`.
    pub m_lSnapshotsCount: i32,
    /// `m_pwszSnapshotDeviceObject`.
    pub m_pwszSnapshotDeviceObject: VSS_PWSZ,
    /// `m_pwszOriginalVolumeName`.
    pub m_pwszOriginalVolumeName: VSS_PWSZ,
    /// `m_pwszOriginatingMachine`.
    pub m_pwszOriginatingMachine: VSS_PWSZ,
    /// `m_pwszServiceMachine`.
    pub m_pwszServiceMachine: VSS_PWSZ,
    /// `m_pwszExposedName`: `NULL` when not exposed.
    pub m_pwszExposedName: VSS_PWSZ,
    /// `m_pwszExposedPath`: `NULL` when not exposed or exposed whole.
    pub m_pwszExposedPath: VSS_PWSZ,
    /// `m_ProviderId`.
    pub m_ProviderId: VSS_ID,
    /// `m_lSnapshotAttributes`.
    pub m_lSnapshotAttributes: i32,
    /// `m_tsCreationTimestamp`.
    pub m_tsCreationTimestamp: VSS_TIMESTAMP,
    /// `m_eStatus`.
    pub m_eStatus: VSS_SNAPSHOT_STATE,
}

/// `VSS_PROVIDER_PROP`. Its strings are freed with `CoTaskMemFree`, one by one.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct VSS_PROVIDER_PROP {
    /// `m_ProviderId`.
    pub m_ProviderId: VSS_ID,
    /// `m_pwszProviderName`.
    pub m_pwszProviderName: VSS_PWSZ,
    /// `m_eProviderType`.
    pub m_eProviderType: VSS_PROVIDER_TYPE,
    /// `m_pwszProviderVersion`.
    pub m_pwszProviderVersion: VSS_PWSZ,
    /// `m_ProviderVersionId`.
    pub m_ProviderVersionId: VSS_ID,
    /// `m_ClassId`.
    pub m_ClassId: GUID,
}

/// `VSS_OBJECT_UNION`: which member is valid is told by the `Type` beside it.
#[repr(C)]
#[derive(Clone, Copy)]
pub union VSS_OBJECT_UNION {
    /// For `VSS_OBJECT_SNAPSHOT`.
    pub Snap: VSS_SNAPSHOT_PROP,
    /// For `VSS_OBJECT_PROVIDER`.
    pub Prov: VSS_PROVIDER_PROP,
}

/// `VSS_OBJECT_PROP`: one element `IVssEnumObject::Next` returns.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct VSS_OBJECT_PROP {
    /// `Type`.
    pub Type: VSS_OBJECT_TYPE,
    /// `Obj`.
    pub Obj: VSS_OBJECT_UNION,
}

impl VSS_SNAPSHOT_PROP {
    /// A structure of zeros and `NULL`s, as a caller passes it to be filled.
    pub const fn zeroed() -> VSS_SNAPSHOT_PROP {
        VSS_SNAPSHOT_PROP {
            m_SnapshotId: GUID::zeroed(),
            m_SnapshotSetId: GUID::zeroed(),
            m_lSnapshotsCount: 0,
            m_pwszSnapshotDeviceObject: ptr::null_mut(),
            m_pwszOriginalVolumeName: ptr::null_mut(),
            m_pwszOriginatingMachine: ptr::null_mut(),
            m_pwszServiceMachine: ptr::null_mut(),
            m_pwszExposedName: ptr::null_mut(),
            m_pwszExposedPath: ptr::null_mut(),
            m_ProviderId: GUID::zeroed(),
            m_lSnapshotAttributes: 0,
            m_tsCreationTimestamp: 0,
            m_eStatus: 0,
        }
    }
}

impl VSS_OBJECT_PROP {
    /// An element of zeros, as a caller passes it to `Next` to be filled.
    pub const fn zeroed() -> VSS_OBJECT_PROP {
        VSS_OBJECT_PROP {
            Type: 0,
            Obj: VSS_OBJECT_UNION {
                Snap: VSS_SNAPSHOT_PROP::zeroed(),
            },
        }
    }
}

/// The GUID of a `VSS_ID`: the fields are the same.
pub fn guid(id: VssId) -> GUID {
    GUID {
        data1: id.data1,
        data2: id.data2,
        data3: id.data3,
        data4: id.data4,
    }
}

/// The `VSS_ID` of a GUID.
pub fn vss_id(guid: GUID) -> VssId {
    VssId {
        data1: guid.data1,
        data2: guid.data2,
        data3: guid.data3,
        data4: guid.data4,
    }
}

/// The model's HRESULT of a COM one: the same 32 bits.
pub fn hresult(hr: HRESULT) -> HResult {
    HResult(hr.0)
}

/// The COM HRESULT of the model's one.
pub fn com_hresult(hr: HResult) -> HRESULT {
    HRESULT(hr.0)
}

/// Why a structure that came back through COM cannot be read as the model's type: VSS
/// answered with a value the SDK does not define, or a string that is not UTF-16.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable(pub String);

/// Reads a returned `VSS_SNAPSHOT_PROP`. It leaves the strings where they are; freeing them
/// is the caller's.
///
/// # Safety
/// Every string pointer of `raw` is `NULL` or a NUL-terminated UTF-16 string.
pub unsafe fn read_snapshot_prop(raw: &VSS_SNAPSHOT_PROP) -> Result<SnapshotProp, Unreadable> {
    // SAFETY: the caller vouches for every string of `raw`.
    let text = |p: VSS_PWSZ, field: &str| unsafe { read_pwsz(p, field) };
    let status = SnapshotState::from_value(raw.m_eStatus).ok_or_else(|| {
        Unreadable(format!(
            "m_eStatus {} is no VSS_SNAPSHOT_STATE",
            raw.m_eStatus
        ))
    })?;
    Ok(SnapshotProp {
        snapshot_id: vss_id(raw.m_SnapshotId),
        snapshot_set_id: vss_id(raw.m_SnapshotSetId),
        snapshots_count: raw.m_lSnapshotsCount,
        snapshot_device_object: text(raw.m_pwszSnapshotDeviceObject, "m_pwszSnapshotDeviceObject")?
            .unwrap_or_default(),
        original_volume_name: text(raw.m_pwszOriginalVolumeName, "m_pwszOriginalVolumeName")?
            .unwrap_or_default(),
        originating_machine: text(raw.m_pwszOriginatingMachine, "m_pwszOriginatingMachine")?
            .unwrap_or_default(),
        service_machine: text(raw.m_pwszServiceMachine, "m_pwszServiceMachine")?
            .unwrap_or_default(),
        exposed_name: text(raw.m_pwszExposedName, "m_pwszExposedName")?,
        exposed_path: text(raw.m_pwszExposedPath, "m_pwszExposedPath")?,
        provider_id: vss_id(raw.m_ProviderId),
        // The attribute word is a bit set; a bit the model has no name for is kept as it is.
        snapshot_attributes: SnapshotAttributes::from_bits_retain(raw.m_lSnapshotAttributes as u32),
        creation_timestamp: VssTimestamp(raw.m_tsCreationTimestamp),
        status,
    })
}

/// Reads a returned `VSS_PROVIDER_PROP`, leaving its strings where they are.
///
/// # Safety
/// Every string pointer of `raw` is `NULL` or a NUL-terminated UTF-16 string.
pub unsafe fn read_provider_prop(raw: &VSS_PROVIDER_PROP) -> Result<ProviderProp, Unreadable> {
    // SAFETY: the caller vouches for every string of `raw`.
    let text = |p: VSS_PWSZ, field: &str| unsafe { read_pwsz(p, field) };
    let provider_type = ProviderType::from_value(raw.m_eProviderType).ok_or_else(|| {
        Unreadable(format!(
            "m_eProviderType {} is no VSS_PROVIDER_TYPE",
            raw.m_eProviderType
        ))
    })?;
    Ok(ProviderProp {
        provider_id: vss_id(raw.m_ProviderId),
        provider_name: text(raw.m_pwszProviderName, "m_pwszProviderName")?.unwrap_or_default(),
        provider_type,
        provider_version: text(raw.m_pwszProviderVersion, "m_pwszProviderVersion")?
            .unwrap_or_default(),
        provider_version_id: vss_id(raw.m_ProviderVersionId),
        class_id: vss_id(raw.m_ClassId),
    })
}

/// Reads a returned `VSS_OBJECT_PROP`, leaving its strings where they are.
///
/// # Safety
/// `raw.Type` tells which member of the union is valid, and that member's string pointers
/// are `NULL` or NUL-terminated UTF-16 strings.
pub unsafe fn read_object_prop(raw: &VSS_OBJECT_PROP) -> Result<ObjectProp, Unreadable> {
    match ObjectType::from_value(raw.Type) {
        // SAFETY: the type says `Snap` is the member written, and the caller vouches for its
        // strings.
        Some(ObjectType::VSS_OBJECT_SNAPSHOT) => unsafe {
            read_snapshot_prop(&raw.Obj.Snap).map(ObjectProp::Snapshot)
        },
        // SAFETY: as above, for `Prov`.
        Some(ObjectType::VSS_OBJECT_PROVIDER) => unsafe {
            read_provider_prop(&raw.Obj.Prov).map(ObjectProp::Provider)
        },
        _ => Err(Unreadable(format!(
            "an enumerated object of type {} is neither a shadow copy nor a provider",
            raw.Type
        ))),
    }
}

/// The UTF-16 form of a text with its terminating NUL, as an `LPCWSTR` argument takes it.
pub fn wide(text: &str) -> Vec<u16> {
    text.encode_utf16().chain(Some(0)).collect()
}

/// Reads a NUL-terminated UTF-16 string; `NULL` is `None`.
///
/// # Safety
/// `p` is `NULL` or points to a NUL-terminated UTF-16 string that stays valid during the call.
pub unsafe fn read_pwsz(p: *const u16, field: &str) -> Result<Option<String>, Unreadable> {
    if p.is_null() {
        return Ok(None);
    }
    let mut len = 0;
    // SAFETY: the string is NUL-terminated, so every unit up to and including the NUL is in
    // bounds.
    while unsafe { *p.add(len) } != 0 {
        len += 1;
    }
    // SAFETY: the `len` units before the NUL were just read.
    let units = unsafe { std::slice::from_raw_parts(p, len) };
    String::from_utf16(units)
        .map(Some)
        .map_err(|_| Unreadable(format!("{field} is not valid UTF-16")))
}

#[cfg(test)]
mod tests {
    use std::mem::{offset_of, size_of};

    use super::*;

    /// The offsets a 64-bit Windows compiler gives the SDK structures (GUIDs 4-aligned,
    /// pointers and `LONGLONG` 8-aligned).
    #[test]
    #[cfg(target_pointer_width = "64")]
    fn the_structures_have_the_sdk_layout_on_64_bit() {
        assert_eq!(offset_of!(VSS_SNAPSHOT_PROP, m_lSnapshotsCount), 32);
        assert_eq!(
            offset_of!(VSS_SNAPSHOT_PROP, m_pwszSnapshotDeviceObject),
            40
        );
        assert_eq!(offset_of!(VSS_SNAPSHOT_PROP, m_pwszExposedPath), 80);
        assert_eq!(offset_of!(VSS_SNAPSHOT_PROP, m_ProviderId), 88);
        assert_eq!(offset_of!(VSS_SNAPSHOT_PROP, m_lSnapshotAttributes), 104);
        assert_eq!(offset_of!(VSS_SNAPSHOT_PROP, m_tsCreationTimestamp), 112);
        assert_eq!(offset_of!(VSS_SNAPSHOT_PROP, m_eStatus), 120);
        assert_eq!(size_of::<VSS_SNAPSHOT_PROP>(), 128);
        assert_eq!(offset_of!(VSS_PROVIDER_PROP, m_eProviderType), 24);
        assert_eq!(offset_of!(VSS_PROVIDER_PROP, m_ProviderVersionId), 40);
        assert_eq!(size_of::<VSS_PROVIDER_PROP>(), 72);
        assert_eq!(offset_of!(VSS_OBJECT_PROP, Obj), 8);
        assert_eq!(size_of::<VSS_OBJECT_PROP>(), 136);
        assert_eq!(offset_of!(VSS_COMPONENTINFO, bstrLogicalPath), 8);
        assert_eq!(offset_of!(VSS_COMPONENTINFO, pbIcon), 32);
        assert_eq!(offset_of!(VSS_COMPONENTINFO, cbIcon), 40);
        assert_eq!(offset_of!(VSS_COMPONENTINFO, bRestoreMetadata), 44);
        assert_eq!(offset_of!(VSS_COMPONENTINFO, bSelectableForRestore), 47);
        assert_eq!(offset_of!(VSS_COMPONENTINFO, dwComponentFlags), 48);
        assert_eq!(offset_of!(VSS_COMPONENTINFO, cDependencies), 64);
        assert_eq!(size_of::<VSS_COMPONENTINFO>(), 72);
    }

    /// The offsets a 32-bit Windows compiler gives them (pointers 4-aligned, `LONGLONG` still
    /// 8-aligned). Other 32-bit systems align `LONGLONG` differently, and never meet VSS.
    #[test]
    #[cfg(all(windows, target_pointer_width = "32"))]
    fn the_structures_have_the_sdk_layout_on_32_bit_windows() {
        assert_eq!(offset_of!(VSS_SNAPSHOT_PROP, m_lSnapshotsCount), 32);
        assert_eq!(
            offset_of!(VSS_SNAPSHOT_PROP, m_pwszSnapshotDeviceObject),
            36
        );
        assert_eq!(offset_of!(VSS_SNAPSHOT_PROP, m_pwszExposedPath), 56);
        assert_eq!(offset_of!(VSS_SNAPSHOT_PROP, m_ProviderId), 60);
        assert_eq!(offset_of!(VSS_SNAPSHOT_PROP, m_lSnapshotAttributes), 76);
        assert_eq!(offset_of!(VSS_SNAPSHOT_PROP, m_tsCreationTimestamp), 80);
        assert_eq!(offset_of!(VSS_SNAPSHOT_PROP, m_eStatus), 88);
        assert_eq!(size_of::<VSS_SNAPSHOT_PROP>(), 96);
        assert_eq!(offset_of!(VSS_PROVIDER_PROP, m_eProviderType), 20);
        assert_eq!(offset_of!(VSS_PROVIDER_PROP, m_ProviderVersionId), 28);
        assert_eq!(size_of::<VSS_PROVIDER_PROP>(), 60);
        assert_eq!(offset_of!(VSS_OBJECT_PROP, Obj), 8);
        assert_eq!(size_of::<VSS_OBJECT_PROP>(), 104);
        assert_eq!(offset_of!(VSS_COMPONENTINFO, pbIcon), 16);
        assert_eq!(offset_of!(VSS_COMPONENTINFO, bRestoreMetadata), 24);
        assert_eq!(offset_of!(VSS_COMPONENTINFO, dwComponentFlags), 28);
        assert_eq!(size_of::<VSS_COMPONENTINFO>(), 48);
    }

    #[test]
    fn guids_and_hresults_keep_their_bits() {
        let id: VssId = "{b5946137-7b9f-4925-af80-51abd60b20d5}"
            .parse()
            .expect("valid");
        assert_eq!(vss_id(guid(id)), id);
        assert_eq!(
            guid(id),
            GUID::from_u128(0xb5946137_7b9f_4925_af80_51abd60b20d5)
        );
        let hr = HResult::VSS_E_BAD_STATE;
        assert_eq!(hresult(com_hresult(hr)), hr);
        assert_eq!(com_hresult(hr).0 as u32, 0x80042301);
    }
}
