//! The COM interfaces of the VSS requester API, declared by hand.
//!
//! The published `windows` crate has no binding for `IVssBackupComponents`, so the
//! interfaces are declared here with windows-core's `interface` attribute, every method in the
//! slot the SDK header gives it, including the ones this backend never calls (they hold
//! slots). Each declaration also records its own slot order and offsets ([`Declared`]), which
//! a test checks against the header's order in [`slots`](crate::slots).
//!
//! Each method returns the raw `HRESULT` and takes the SDK's parameters with the SDK's names;
//! pointers to interfaces the backend does not use (writer metadata, components) are untyped.
// The SDK's method and parameter names are kept. windows-core generates, for each declaration,
// the calling wrappers, the `_Impl` trait and the vtable without documentation of their own;
// the declarations below carry it (the calling wrappers get none, not even the Safety section).
#![allow(
    non_snake_case,
    missing_docs,
    clippy::missing_safety_doc,
    clippy::too_many_arguments
)]

use std::ffi::c_void;

use windows_core::{HRESULT, IUnknown, IUnknown_Vtbl};

use crate::abi::{
    BOOL, BSTR, LPCWSTR, VSS_BACKUP_TYPE, VSS_COMPONENT_TYPE, VSS_FILE_RESTORE_STATUS, VSS_ID,
    VSS_OBJECT_PROP, VSS_OBJECT_TYPE, VSS_PWSZ, VSS_RESTORE_TYPE, VSS_ROLLFORWARD_TYPE,
    VSS_SNAPSHOT_PROP, VSS_WRITER_STATE, boolean,
};
use crate::slots::Declared;

/// Declares a COM interface with windows-core's `interface` attribute and gives it a
/// `DECLARED` constant: its methods in the order written, with the vtable offset of each.
macro_rules! com_interface {
    (
        $(#[doc = $doc:literal])*
        #[iid($iid:literal)]
        pub interface $name:ident ($vtbl:ident) : $parent:ident ($parent_vtbl:ident) {
            $(
                $(#[doc = $mdoc:literal])*
                fn $method:ident($($arg:ident : $ty:ty),* $(,)?);
            )*
        }
    ) => {
        $(#[doc = $doc])*
        #[windows_core::interface($iid)]
        pub unsafe trait $name: $parent {
            $(
                $(#[doc = $mdoc])*
                ///
                /// # Safety
                /// The SDK's contract for the method: the object is live, every pointer
                /// argument is valid for what the method does with it, every string is
                /// NUL-terminated, and a `BSTR` argument is a real `BSTR` from
                /// `SysAllocString*` (or `NULL` where allowed). The call is made from a
                /// thread in the object's apartment, and never while another call on the
                /// same object is running.
                pub unsafe fn $method(&self, $($arg: $ty),*) -> HRESULT;
            )*
        }

        impl $name {
            /// This declaration's methods in the order written, each with the byte offset of
            /// its slot in the vtable the declaration produced.
            pub const DECLARED: Declared = Declared {
                interface: stringify!($name),
                parent: stringify!($parent),
                parent_size: ::std::mem::size_of::<$parent_vtbl>(),
                slots: &[$((stringify!($method), ::std::mem::offset_of!($vtbl, $method))),*],
                parameters: &[$(&[$(stringify!($ty)),*]),*],
                size: ::std::mem::size_of::<$vtbl>(),
            };
        }
    };
}

com_interface! {
    /// `IVssEnumObject` (vss.h): the enumeration `Query` returns.
    #[iid("ae1c7110-2f60-11d3-8a39-00c04f72d8e3")]
    pub interface IVssEnumObject(IVssEnumObject_Vtbl): IUnknown(IUnknown_Vtbl) {
        /// Copies up to `celt` elements; `S_FALSE` when fewer were left.
        fn Next(celt: u32, rgelt: *mut VSS_OBJECT_PROP, pceltFetched: *mut u32);
        /// Passes over `celt` elements.
        fn Skip(celt: u32);
        /// Goes back to the first element.
        fn Reset();
        /// A second enumeration at the same place.
        fn Clone(ppenum: *mut *mut c_void);
    }
}

com_interface! {
    /// `IVssAsync` (vss.h): the handle of an asynchronous operation.
    #[iid("507c37b4-cf5b-4e95-b0af-14eb9767467e")]
    pub interface IVssAsync(IVssAsync_Vtbl): IUnknown(IUnknown_Vtbl) {
        /// Cancels the operation.
        fn Cancel();
        /// Waits for the operation to end.
        fn Wait(dwMilliseconds: u32);
        /// How the operation stands (`VSS_S_ASYNC_PENDING`, `_FINISHED`, `_CANCELLED` or its
        /// error) in `*pHrResult`; `pReserved` must be `NULL`.
        fn QueryStatus(pHrResult: *mut HRESULT, pReserved: *mut i32);
    }
}

com_interface! {
    /// `IVssBackupComponents` (vsbackup.h): the requester object.
    #[iid("665c1d5f-c218-414d-a05d-7fef5f9d5c86")]
    pub interface IVssBackupComponents(IVssBackupComponents_Vtbl): IUnknown(IUnknown_Vtbl) {
        /// `GetWriterComponentsCount`.
        fn GetWriterComponentsCount(pcComponents: *mut u32);
        /// `GetWriterComponents` (the `IVssWriterComponentsExt` is not used here).
        fn GetWriterComponents(iWriter: u32, ppWriter: *mut *mut c_void);
        /// `InitializeForBackup`: `NULL` or a saved backup components document.
        fn InitializeForBackup(bstrXML: BSTR);
        /// `SetBackupState`.
        fn SetBackupState(
            bSelectComponents: boolean,
            bBackupBootableSystemState: boolean,
            backupType: VSS_BACKUP_TYPE,
            bPartialFileSupport: boolean,
        );
        /// `InitializeForRestore`.
        fn InitializeForRestore(bstrXML: BSTR);
        /// `SetRestoreState`.
        fn SetRestoreState(restoreType: VSS_RESTORE_TYPE);
        /// `GatherWriterMetadata`.
        fn GatherWriterMetadata(pAsync: *mut *mut c_void);
        /// `GetWriterMetadataCount`.
        fn GetWriterMetadataCount(pcWriters: *mut u32);
        /// `GetWriterMetadata` (the `IVssExamineWriterMetadata` is not used here).
        fn GetWriterMetadata(iWriter: u32, pidInstance: *mut VSS_ID, ppMetadata: *mut *mut c_void);
        /// `FreeWriterMetadata`.
        fn FreeWriterMetadata();
        /// `AddComponent`.
        fn AddComponent(
            instanceId: VSS_ID,
            writerId: VSS_ID,
            ct: VSS_COMPONENT_TYPE,
            wszLogicalPath: LPCWSTR,
            wszComponentName: LPCWSTR,
        );
        /// `PrepareForBackup`.
        fn PrepareForBackup(ppAsync: *mut *mut c_void);
        /// `AbortBackup`.
        fn AbortBackup();
        /// `GatherWriterStatus`.
        fn GatherWriterStatus(pAsync: *mut *mut c_void);
        /// `GetWriterStatusCount`.
        fn GetWriterStatusCount(pcWriters: *mut u32);
        /// `FreeWriterStatus`.
        fn FreeWriterStatus();
        /// `GetWriterStatus`: the writer's name is a `BSTR` the caller frees.
        fn GetWriterStatus(
            iWriter: u32,
            pidInstance: *mut VSS_ID,
            pidWriter: *mut VSS_ID,
            pbstrWriter: *mut BSTR,
            pnStatus: *mut VSS_WRITER_STATE,
            phResultFailure: *mut HRESULT,
        );
        /// `SetBackupSucceeded`.
        fn SetBackupSucceeded(
            instanceId: VSS_ID,
            writerId: VSS_ID,
            ct: VSS_COMPONENT_TYPE,
            wszLogicalPath: LPCWSTR,
            wszComponentName: LPCWSTR,
            bSucceded: boolean,
        );
        /// `SetBackupOptions`.
        fn SetBackupOptions(
            writerId: VSS_ID,
            ct: VSS_COMPONENT_TYPE,
            wszLogicalPath: LPCWSTR,
            wszComponentName: LPCWSTR,
            wszBackupOptions: LPCWSTR,
        );
        /// `SetSelectedForRestore`.
        fn SetSelectedForRestore(
            writerId: VSS_ID,
            ct: VSS_COMPONENT_TYPE,
            wszLogicalPath: LPCWSTR,
            wszComponentName: LPCWSTR,
            bSelectedForRestore: boolean,
        );
        /// `SetRestoreOptions`.
        fn SetRestoreOptions(
            writerId: VSS_ID,
            ct: VSS_COMPONENT_TYPE,
            wszLogicalPath: LPCWSTR,
            wszComponentName: LPCWSTR,
            wszRestoreOptions: LPCWSTR,
        );
        /// `SetAdditionalRestores`.
        fn SetAdditionalRestores(
            writerId: VSS_ID,
            ct: VSS_COMPONENT_TYPE,
            wszLogicalPath: LPCWSTR,
            wszComponentName: LPCWSTR,
            bAdditionalRestores: boolean,
        );
        /// `SetPreviousBackupStamp`.
        fn SetPreviousBackupStamp(
            writerId: VSS_ID,
            ct: VSS_COMPONENT_TYPE,
            wszLogicalPath: LPCWSTR,
            wszComponentName: LPCWSTR,
            wszPreviousBackupStamp: LPCWSTR,
        );
        /// `SaveAsXML`: the document is a `BSTR` the caller frees.
        fn SaveAsXML(pbstrXML: *mut BSTR);
        /// `BackupComplete`.
        fn BackupComplete(ppAsync: *mut *mut c_void);
        /// `AddAlternativeLocationMapping`.
        fn AddAlternativeLocationMapping(
            writerId: VSS_ID,
            componentType: VSS_COMPONENT_TYPE,
            wszLogicalPath: LPCWSTR,
            wszComponentName: LPCWSTR,
            wszPath: LPCWSTR,
            wszFilespec: LPCWSTR,
            bRecursive: boolean,
            wszDestination: LPCWSTR,
        );
        /// `AddRestoreSubcomponent`.
        fn AddRestoreSubcomponent(
            writerId: VSS_ID,
            componentType: VSS_COMPONENT_TYPE,
            wszLogicalPath: LPCWSTR,
            wszComponentName: LPCWSTR,
            wszSubComponentLogicalPath: LPCWSTR,
            wszSubComponentName: LPCWSTR,
            bRepair: boolean,
        );
        /// `SetFileRestoreStatus`.
        fn SetFileRestoreStatus(
            writerId: VSS_ID,
            ct: VSS_COMPONENT_TYPE,
            wszLogicalPath: LPCWSTR,
            wszComponentName: LPCWSTR,
            status: VSS_FILE_RESTORE_STATUS,
        );
        /// `AddNewTarget`.
        fn AddNewTarget(
            writerId: VSS_ID,
            ct: VSS_COMPONENT_TYPE,
            wszLogicalPath: LPCWSTR,
            wszComponentName: LPCWSTR,
            wszPath: LPCWSTR,
            wszFileName: LPCWSTR,
            bRecursive: boolean,
            wszAlternatePath: LPCWSTR,
        );
        /// `SetRangesFilePath`.
        fn SetRangesFilePath(
            writerId: VSS_ID,
            ct: VSS_COMPONENT_TYPE,
            wszLogicalPath: LPCWSTR,
            wszComponentName: LPCWSTR,
            iPartialFile: u32,
            wszRangesFile: LPCWSTR,
        );
        /// `PreRestore`.
        fn PreRestore(ppAsync: *mut *mut c_void);
        /// `PostRestore`.
        fn PostRestore(ppAsync: *mut *mut c_void);
        /// `SetContext`.
        fn SetContext(lContext: i32);
        /// `StartSnapshotSet`.
        fn StartSnapshotSet(pSnapshotSetId: *mut VSS_ID);
        /// `AddToSnapshotSet`.
        fn AddToSnapshotSet(pwszVolumeName: VSS_PWSZ, ProviderId: VSS_ID, pidSnapshot: *mut VSS_ID);
        /// `DoSnapshotSet`.
        fn DoSnapshotSet(ppAsync: *mut *mut c_void);
        /// `DeleteSnapshots`: the counts are written on failure too.
        fn DeleteSnapshots(
            SourceObjectId: VSS_ID,
            eSourceObjectType: VSS_OBJECT_TYPE,
            bForceDelete: BOOL,
            plDeletedSnapshots: *mut i32,
            pNondeletedSnapshotID: *mut VSS_ID,
        );
        /// `ImportSnapshots`.
        fn ImportSnapshots(ppAsync: *mut *mut c_void);
        /// `BreakSnapshotSet`.
        fn BreakSnapshotSet(SnapshotSetId: VSS_ID);
        /// `GetSnapshotProperties`: the caller frees the strings with
        /// `VssFreeSnapshotProperties`.
        fn GetSnapshotProperties(SnapshotId: VSS_ID, pProp: *mut VSS_SNAPSHOT_PROP);
        /// `Query`.
        fn Query(
            QueriedObjectId: VSS_ID,
            eQueriedObjectType: VSS_OBJECT_TYPE,
            eReturnedObjectsType: VSS_OBJECT_TYPE,
            ppEnum: *mut *mut c_void,
        );
        /// `IsVolumeSupported`.
        fn IsVolumeSupported(
            ProviderId: VSS_ID,
            pwszVolumeName: VSS_PWSZ,
            pbSupportedByThisProvider: *mut BOOL,
        );
        /// `DisableWriterClasses`.
        fn DisableWriterClasses(rgWriterClassId: *const VSS_ID, cClassId: u32);
        /// `EnableWriterClasses`.
        fn EnableWriterClasses(rgWriterClassId: *const VSS_ID, cClassId: u32);
        /// `DisableWriterInstances`.
        fn DisableWriterInstances(rgWriterInstanceId: *const VSS_ID, cInstanceId: u32);
        /// `ExposeSnapshot`: the exposed name is task memory the caller frees.
        fn ExposeSnapshot(
            SnapshotId: VSS_ID,
            wszPathFromRoot: VSS_PWSZ,
            lAttributes: i32,
            wszExpose: VSS_PWSZ,
            pwszExposed: *mut VSS_PWSZ,
        );
        /// `RevertToSnapshot`.
        fn RevertToSnapshot(SnapshotId: VSS_ID, bForceDismount: BOOL);
        /// `QueryRevertStatus`.
        fn QueryRevertStatus(pwszVolume: VSS_PWSZ, ppAsync: *mut *mut c_void);
    }
}

com_interface! {
    /// `IVssBackupComponentsEx` (vsbackup.h, Windows Server 2003 SP1 and later).
    #[iid("963f03ad-9e4c-4a34-ac15-e4b6174e5036")]
    pub interface IVssBackupComponentsEx(IVssBackupComponentsEx_Vtbl):
        IVssBackupComponents(IVssBackupComponents_Vtbl) {
        /// `GetWriterMetadataEx` (the `IVssExamineWriterMetadataEx` is not used here).
        fn GetWriterMetadataEx(iWriter: u32, pidInstance: *mut VSS_ID, ppMetadata: *mut *mut c_void);
        /// `SetSelectedForRestoreEx`.
        fn SetSelectedForRestoreEx(
            writerId: VSS_ID,
            ct: VSS_COMPONENT_TYPE,
            wszLogicalPath: LPCWSTR,
            wszComponentName: LPCWSTR,
            bSelectedForRestore: boolean,
            instanceId: VSS_ID,
        );
    }
}

com_interface! {
    /// `IVssBackupComponentsEx2` (vsbackup.h, Windows Server 2008 and later): the break with
    /// flags and `UnexposeSnapshot`.
    #[iid("acfe2b3a-22c9-4ef8-bd03-2f9ca230084e")]
    pub interface IVssBackupComponentsEx2(IVssBackupComponentsEx2_Vtbl):
        IVssBackupComponentsEx(IVssBackupComponentsEx_Vtbl) {
        /// `UnexposeSnapshot`.
        fn UnexposeSnapshot(snapshotId: VSS_ID);
        /// `SetAuthoritativeRestore`.
        fn SetAuthoritativeRestore(
            writerId: VSS_ID,
            ct: VSS_COMPONENT_TYPE,
            wszLogicalPath: LPCWSTR,
            wszComponentName: LPCWSTR,
            bAuth: boolean,
        );
        /// `SetRollForward`.
        fn SetRollForward(
            writerId: VSS_ID,
            ct: VSS_COMPONENT_TYPE,
            wszLogicalPath: LPCWSTR,
            wszComponentName: LPCWSTR,
            rollType: VSS_ROLLFORWARD_TYPE,
            wszRollForwardPoint: LPCWSTR,
        );
        /// `SetRestoreName`.
        fn SetRestoreName(
            writerId: VSS_ID,
            ct: VSS_COMPONENT_TYPE,
            wszLogicalPath: LPCWSTR,
            wszComponentName: LPCWSTR,
            wszRestoreName: LPCWSTR,
        );
        /// `BreakSnapshotSetEx`.
        fn BreakSnapshotSetEx(SnapshotSetID: VSS_ID, dwBreakFlags: u32, ppAsync: *mut *mut c_void);
        /// `PreFastRecovery`.
        fn PreFastRecovery(SnapshotSetID: VSS_ID, dwPreFastRecoveryFlags: u32, ppAsync: *mut *mut c_void);
        /// `FastRecovery`.
        fn FastRecovery(SnapshotSetID: VSS_ID, dwFastRecoveryFlags: u32, ppAsync: *mut *mut c_void);
    }
}

/// Every declaration, parents before the interfaces that derive from them.
pub const DECLARED: &[Declared] = &[
    IVssEnumObject::DECLARED,
    IVssAsync::DECLARED,
    IVssBackupComponents::DECLARED,
    IVssBackupComponentsEx::DECLARED,
    IVssBackupComponentsEx2::DECLARED,
];

#[cfg(test)]
mod tests {
    use windows_core::Interface;

    use super::*;
    use crate::slots::{HEADER_ORDER, HeaderMethod, HeaderOrder, check, header_order};

    const CANCEL: HeaderMethod = HeaderMethod {
        name: "Cancel",
        parameters: &[],
    };
    const WAIT: HeaderMethod = HeaderMethod {
        name: "Wait",
        parameters: &["DWORD"],
    };
    const QUERY_STATUS: HeaderMethod = HeaderMethod {
        name: "QueryStatus",
        parameters: &["HRESULT *", "INT *"],
    };
    const ASYNC_HEADER: HeaderOrder = HeaderOrder {
        interface: "IVssAsync",
        parent: "IUnknown",
        methods: &[CANCEL, WAIT, QUERY_STATUS],
    };

    mod swapped {
        use super::super::*;

        com_interface! {
            /// `IVssAsync` with `Wait` and `Cancel` swapped.
            #[iid("507c37b4-cf5b-4e95-b0af-14eb9767467e")]
            pub interface IVssAsync(IVssAsync_Vtbl): IUnknown(IUnknown_Vtbl) {
                /// Wrong slot.
                fn Wait(dwMilliseconds: u32);
                /// Wrong slot.
                fn Cancel();
                /// Right slot.
                fn QueryStatus(pHrResult: *mut HRESULT, pReserved: *mut i32);
            }
        }
    }

    mod wrong_types {
        use super::super::*;

        com_interface! {
            /// `IVssAsync` with a signed timeout and a one-byte reserved pointer.
            #[iid("507c37b4-cf5b-4e95-b0af-14eb9767467e")]
            pub interface IVssAsync(IVssAsync_Vtbl): IUnknown(IUnknown_Vtbl) {
                /// Right slot, right type.
                fn Cancel();
                /// `DWORD` declared signed.
                fn Wait(dwMilliseconds: i32);
                /// `INT *` declared as a pointer to a byte.
                fn QueryStatus(pHrResult: *mut HRESULT, pReserved: *mut u8);
            }
        }
    }

    mod missing {
        use super::super::*;

        com_interface! {
            /// `IVssAsync` without `Wait`.
            #[iid("507c37b4-cf5b-4e95-b0af-14eb9767467e")]
            pub interface IVssAsync(IVssAsync_Vtbl): IUnknown(IUnknown_Vtbl) {
                /// Right slot.
                fn Cancel();
                /// One slot early.
                fn QueryStatus(pHrResult: *mut HRESULT, pReserved: *mut i32);
            }
        }
    }

    #[test]
    fn two_swapped_methods_fail_the_slot_check() {
        let error = check(&swapped::IVssAsync::DECLARED, &ASYNC_HEADER).expect_err("swapped");
        assert_eq!(
            error.to_string(),
            "slot 3 of IVssAsync is declared as `Wait` but the header has `Cancel` there \
             (the header puts `Wait` in slot 4)"
        );
    }

    #[test]
    fn a_missing_method_fails_the_slot_check() {
        let error = check(&missing::IVssAsync::DECLARED, &ASYNC_HEADER).expect_err("missing");
        assert_eq!(
            error.to_string(),
            "slot 4 of IVssAsync is declared as `QueryStatus` but the header has `Wait` there \
             (the header puts `QueryStatus` in slot 5)"
        );
        let shorter = HeaderOrder {
            methods: &[CANCEL],
            ..ASYNC_HEADER
        };
        let error = check(&IVssAsync::DECLARED, &shorter).expect_err("one too many");
        assert_eq!(
            error.to_string(),
            "IVssAsync declares `Wait` in slot 4, past the header's last method"
        );
        let error = check(
            &missing::IVssAsync::DECLARED,
            &HeaderOrder {
                methods: &[CANCEL, QUERY_STATUS, WAIT],
                ..ASYNC_HEADER
            },
        )
        .expect_err("the last one is missing");
        assert_eq!(
            error.to_string(),
            "IVssAsync declares 2 methods but the header has 3: `Wait` (slot 5) is missing"
        );
    }

    #[test]
    fn a_parameter_of_another_type_fails_the_check() {
        let error = check(&wrong_types::IVssAsync::DECLARED, &ASYNC_HEADER).expect_err("types");
        assert_eq!(
            error.to_string(),
            "parameter 1 of `Wait` of IVssAsync is declared `i32` but the header's `DWORD` is `u32`"
        );
        let fewer = HeaderOrder {
            methods: &[
                CANCEL,
                HeaderMethod {
                    name: "Wait",
                    parameters: &[],
                },
                QUERY_STATUS,
            ],
            ..ASYNC_HEADER
        };
        let error = check(&IVssAsync::DECLARED, &fewer).expect_err("a parameter too many");
        assert_eq!(
            error.to_string(),
            "`Wait` of IVssAsync is declared with 1 parameters but the header has 0: ()"
        );
    }

    #[test]
    fn the_iids_are_the_sdk_ones() {
        use windows_core::GUID;
        let iids = [
            (
                IVssBackupComponents::IID,
                0x665c1d5f_c218_414d_a05d_7fef5f9d5c86,
            ),
            (
                IVssBackupComponentsEx::IID,
                0x963f03ad_9e4c_4a34_ac15_e4b6174e5036,
            ),
            (
                IVssBackupComponentsEx2::IID,
                0xacfe2b3a_22c9_4ef8_bd03_2f9ca230084e,
            ),
            (IVssAsync::IID, 0x507c37b4_cf5b_4e95_b0af_14eb9767467e),
            (IVssEnumObject::IID, 0xae1c7110_2f60_11d3_8a39_00c04f72d8e3),
        ];
        for (iid, expected) in iids {
            assert_eq!(iid, GUID::from_u128(expected));
        }
    }

    #[test]
    fn every_declared_interface_follows_its_header() {
        for declared in DECLARED {
            let header = header_order(declared.interface)
                .unwrap_or_else(|| panic!("{} has no header order", declared.interface));
            if let Err(e) = check(declared, header) {
                panic!("{e}");
            }
        }
    }

    #[test]
    fn every_interface_of_the_headers_is_declared_and_parents_come_first() {
        let names: Vec<&str> = DECLARED.iter().map(|d| d.interface).collect();
        for header in HEADER_ORDER {
            let at = names.iter().position(|n| *n == header.interface);
            let at = at.unwrap_or_else(|| panic!("{} is not declared", header.interface));
            if header.parent != "IUnknown" {
                let parent = names.iter().position(|n| *n == header.parent);
                assert!(parent.is_some_and(|p| p < at), "{}", header.parent);
            }
        }
    }

    #[test]
    fn the_requester_vtable_has_the_sdk_slot_count() {
        // IUnknown's 3, IVssBackupComponents' 48, Ex's 2 and Ex2's 7.
        let ex2 = DECLARED
            .iter()
            .find(|d| d.interface == "IVssBackupComponentsEx2")
            .expect("declared");
        assert_eq!(ex2.size / size_of::<usize>(), 3 + 48 + 2 + 7);
        let break_ex = ex2.slots.iter().find(|(n, _)| *n == "BreakSnapshotSetEx");
        assert_eq!(break_ex.map(|(_, o)| o / size_of::<usize>()), Some(57));
    }
}
