//! The COM interfaces of the VSS requester API, declared by hand.
//!
//! The published `windows` crate has no binding for `IVssBackupComponents`, so the
//! interfaces are declared here with windows-core's `interface` attribute, every method in the
//! slot the SDK header gives it, including the ones this backend never calls (they hold
//! slots). Each declaration also records its own slot order and offsets ([`Declared`]), which
//! a test checks against the header's order in [`slots`](crate::slots).
//!
//! Each method returns the raw `HRESULT` and takes the SDK's parameters with the SDK's names;
//! a pointer to an interface is passed untyped (`*mut c_void`), as the COM ABI passes it.
//!
//! The SDK gives `IVssWMFiledesc`, `IVssWMDependency` and `IVssWMComponent` no IID: a
//! requester reaches them only through the methods that hand them out. They are declared with
//! `GUID_NULL`, which no `QueryInterface` asks for. `IVssWriterComponents` derives from
//! nothing, and vsbackup.h's `IVssWriterComponentsExt` joins it and `IUnknown` in one object
//! with two vtable pointers; windows-core cannot declare that, so its vtable is declared plain
//! ([`IVssWriterComponents_Vtbl`]) and the object's layout is [`IVssWriterComponentsExt`].
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
    BOOL, BSTR, FILETIME, LPCWSTR, PVSSCOMPONENTINFO, VSS_BACKUP_TYPE, VSS_COMPONENT_TYPE,
    VSS_FILE_RESTORE_STATUS, VSS_ID, VSS_OBJECT_PROP, VSS_OBJECT_TYPE, VSS_PWSZ,
    VSS_RESTORE_TARGET, VSS_RESTORE_TYPE, VSS_RESTOREMETHOD_ENUM, VSS_ROLLFORWARD_TYPE,
    VSS_SNAPSHOT_PROP, VSS_SOURCE_TYPE, VSS_USAGE_TYPE, VSS_WRITER_STATE, VSS_WRITERRESTORE_ENUM,
    boolean,
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
    /// `IVssWMFiledesc` (vswriter.h): one set of files of a writer's metadata or of a
    /// component.
    #[iid("00000000-0000-0000-0000-000000000000")]
    pub interface IVssWMFiledesc(IVssWMFiledesc_Vtbl): IUnknown(IUnknown_Vtbl) {
        /// The directory, as a `BSTR` the caller frees.
        fn GetPath(pbstrPath: *mut BSTR);
        /// The file specification, as a `BSTR` the caller frees.
        fn GetFilespec(pbstrFilespec: *mut BSTR);
        /// Whether subdirectories count too (a C++ `bool`).
        fn GetRecursive(pbRecursive: *mut boolean);
        /// Where the files are restored instead, as a `BSTR` the caller frees.
        fn GetAlternateLocation(pbstrAlternateLocation: *mut BSTR);
        /// The `VSS_FILE_SPEC_BACKUP_TYPE` bits.
        fn GetBackupTypeMask(pdwTypeMask: *mut u32);
    }
}

com_interface! {
    /// `IVssWMDependency` (vswriter.h): a component another component depends on.
    #[iid("00000000-0000-0000-0000-000000000000")]
    pub interface IVssWMDependency(IVssWMDependency_Vtbl): IUnknown(IUnknown_Vtbl) {
        /// The class id of the component's writer.
        fn GetWriterId(pWriterId: *mut VSS_ID);
        /// Its logical path, as a `BSTR` the caller frees (`NULL` for none).
        fn GetLogicalPath(pbstrLogicalPath: *mut BSTR);
        /// Its name, as a `BSTR` the caller frees.
        fn GetComponentName(pbstrComponentName: *mut BSTR);
    }
}

com_interface! {
    /// `IVssWMComponent` (vsbackup.h): one component of a writer's metadata.
    #[iid("00000000-0000-0000-0000-000000000000")]
    pub interface IVssWMComponent(IVssWMComponent_Vtbl): IUnknown(IUnknown_Vtbl) {
        /// Its `VSS_COMPONENTINFO`, which the caller gives back with `FreeComponentInfo`.
        fn GetComponentInfo(ppInfo: *mut PVSSCOMPONENTINFO);
        /// Frees what `GetComponentInfo` handed out.
        fn FreeComponentInfo(pInfo: PVSSCOMPONENTINFO);
        /// A file set of a file group.
        fn GetFile(iFile: u32, ppFiledesc: *mut *mut c_void);
        /// A database file set.
        fn GetDatabaseFile(iDBFile: u32, ppFiledesc: *mut *mut c_void);
        /// A database log file set.
        fn GetDatabaseLogFile(iDbLogFile: u32, ppFiledesc: *mut *mut c_void);
        /// A component it depends on.
        fn GetDependency(iDependency: u32, ppDependency: *mut *mut c_void);
    }
}

com_interface! {
    /// `IVssExamineWriterMetadata` (vsbackup.h): one writer's metadata, as
    /// `GetWriterMetadata` hands it out.
    #[iid("902fcf7f-b7fd-42f8-81f1-b2e400b1e5bd")]
    pub interface IVssExamineWriterMetadata(IVssExamineWriterMetadata_Vtbl): IUnknown(IUnknown_Vtbl) {
        /// The writer's ids, name (a `BSTR` the caller frees), usage and source type.
        fn GetIdentity(
            pidInstance: *mut VSS_ID,
            pidWriter: *mut VSS_ID,
            pbstrWriterName: *mut BSTR,
            pUsage: *mut VSS_USAGE_TYPE,
            pSource: *mut VSS_SOURCE_TYPE,
        );
        /// How many include files (reserved), exclude files and components it has.
        fn GetFileCounts(pcIncludeFiles: *mut u32, pcExcludeFiles: *mut u32, pcComponents: *mut u32);
        /// Not supported by VSS.
        fn GetIncludeFile(iFile: u32, ppFiledesc: *mut *mut c_void);
        /// An excluded file set.
        fn GetExcludeFile(iFile: u32, ppFiledesc: *mut *mut c_void);
        /// A component.
        fn GetComponent(iComponent: u32, ppComponent: *mut *mut c_void);
        /// The restore method; the two strings are `BSTR`s the caller frees.
        fn GetRestoreMethod(
            pMethod: *mut VSS_RESTOREMETHOD_ENUM,
            pbstrService: *mut BSTR,
            pbstrUserProcedure: *mut BSTR,
            pwriterRestore: *mut VSS_WRITERRESTORE_ENUM,
            pbRebootRequired: *mut boolean,
            pcMappings: *mut u32,
        );
        /// An alternate location mapping.
        fn GetAlternateLocationMapping(iMapping: u32, ppFiledesc: *mut *mut c_void);
        /// The `VSS_BACKUP_SCHEMA` bits.
        fn GetBackupSchema(pdwSchemaMask: *mut u32);
        /// The metadata as an MSXML document.
        fn GetDocument(pDoc: *mut *mut c_void);
        /// The metadata as XML, a `BSTR` the caller frees.
        fn SaveAsXML(pbstrXML: *mut BSTR);
        /// Reads metadata from XML.
        fn LoadFromXML(bstrXML: BSTR);
    }
}

com_interface! {
    /// `IVssComponent` (vswriter.h): one component of the backup components document.
    #[iid("d2c72c96-c121-4518-b627-e5a93d010ead")]
    pub interface IVssComponent(IVssComponent_Vtbl): IUnknown(IUnknown_Vtbl) {
        /// Its logical path, a `BSTR` the caller frees (`NULL` for none).
        fn GetLogicalPath(pbstrPath: *mut BSTR);
        /// Its `VSS_COMPONENT_TYPE`.
        fn GetComponentType(pct: *mut VSS_COMPONENT_TYPE);
        /// Its name, a `BSTR` the caller frees.
        fn GetComponentName(pbstrName: *mut BSTR);
        /// What `SetBackupSucceeded` recorded (a C++ `bool`).
        fn GetBackupSucceeded(pbSucceeded: *mut boolean);
        /// `GetAlternateLocationMappingCount`.
        fn GetAlternateLocationMappingCount(pcMappings: *mut u32);
        /// `GetAlternateLocationMapping`.
        fn GetAlternateLocationMapping(iMapping: u32, ppFiledesc: *mut *mut c_void);
        /// `SetBackupMetadata`.
        fn SetBackupMetadata(wszData: LPCWSTR);
        /// `GetBackupMetadata`.
        fn GetBackupMetadata(pbstrData: *mut BSTR);
        /// `AddPartialFile`.
        fn AddPartialFile(wszPath: LPCWSTR, wszFilename: LPCWSTR, wszRanges: LPCWSTR, wszMetadata: LPCWSTR);
        /// `GetPartialFileCount`.
        fn GetPartialFileCount(pcPartialFiles: *mut u32);
        /// `GetPartialFile`.
        fn GetPartialFile(
            iPartialFile: u32,
            pbstrPath: *mut BSTR,
            pbstrFilename: *mut BSTR,
            pbstrRange: *mut BSTR,
            pbstrMetadata: *mut BSTR,
        );
        /// `IsSelectedForRestore`.
        fn IsSelectedForRestore(pbSelectedForRestore: *mut boolean);
        /// `GetAdditionalRestores`.
        fn GetAdditionalRestores(pbAdditionalRestores: *mut boolean);
        /// `GetNewTargetCount`.
        fn GetNewTargetCount(pcNewTarget: *mut u32);
        /// `GetNewTarget`.
        fn GetNewTarget(iNewTarget: u32, ppFiledesc: *mut *mut c_void);
        /// `AddDirectedTarget`.
        fn AddDirectedTarget(
            wszSourcePath: LPCWSTR,
            wszSourceFilename: LPCWSTR,
            wszSourceRangeList: LPCWSTR,
            wszDestinationPath: LPCWSTR,
            wszDestinationFilename: LPCWSTR,
            wszDestinationRangeList: LPCWSTR,
        );
        /// `GetDirectedTargetCount`.
        fn GetDirectedTargetCount(pcDirectedTarget: *mut u32);
        /// `GetDirectedTarget`.
        fn GetDirectedTarget(
            iDirectedTarget: u32,
            pbstrSourcePath: *mut BSTR,
            pbstrSourceFileName: *mut BSTR,
            pbstrSourceRangeList: *mut BSTR,
            pbstrDestinationPath: *mut BSTR,
            pbstrDestinationFilename: *mut BSTR,
            pbstrDestinationRangeList: *mut BSTR,
        );
        /// `SetRestoreMetadata`.
        fn SetRestoreMetadata(wszRestoreMetadata: LPCWSTR);
        /// `GetRestoreMetadata`.
        fn GetRestoreMetadata(pbstrRestoreMetadata: *mut BSTR);
        /// `SetRestoreTarget`.
        fn SetRestoreTarget(target: VSS_RESTORE_TARGET);
        /// `GetRestoreTarget`.
        fn GetRestoreTarget(pTarget: *mut VSS_RESTORE_TARGET);
        /// `SetPreRestoreFailureMsg`.
        fn SetPreRestoreFailureMsg(wszPreRestoreFailureMsg: LPCWSTR);
        /// `GetPreRestoreFailureMsg`.
        fn GetPreRestoreFailureMsg(pbstrPreRestoreFailureMsg: *mut BSTR);
        /// `SetPostRestoreFailureMsg`.
        fn SetPostRestoreFailureMsg(wszPostRestoreFailureMsg: LPCWSTR);
        /// `GetPostRestoreFailureMsg`.
        fn GetPostRestoreFailureMsg(pbstrPostRestoreFailureMsg: *mut BSTR);
        /// `SetBackupStamp`.
        fn SetBackupStamp(wszBackupStamp: LPCWSTR);
        /// `GetBackupStamp`.
        fn GetBackupStamp(pbstrBackupStamp: *mut BSTR);
        /// `GetPreviousBackupStamp`.
        fn GetPreviousBackupStamp(pbstrBackupStamp: *mut BSTR);
        /// `GetBackupOptions`.
        fn GetBackupOptions(pbstrBackupOptions: *mut BSTR);
        /// `GetRestoreOptions`.
        fn GetRestoreOptions(pbstrRestoreOptions: *mut BSTR);
        /// `GetRestoreSubcomponentCount`.
        fn GetRestoreSubcomponentCount(pcRestoreSubcomponent: *mut u32);
        /// `GetRestoreSubcomponent`.
        fn GetRestoreSubcomponent(
            iComponent: u32,
            pbstrLogicalPath: *mut BSTR,
            pbstrComponentName: *mut BSTR,
            pbRepair: *mut boolean,
        );
        /// `GetFileRestoreStatus`.
        fn GetFileRestoreStatus(pStatus: *mut VSS_FILE_RESTORE_STATUS);
        /// `AddDifferencedFilesByLastModifyTime`.
        fn AddDifferencedFilesByLastModifyTime(
            wszPath: LPCWSTR,
            wszFilespec: LPCWSTR,
            bRecursive: BOOL,
            ftLastModifyTime: FILETIME,
        );
        /// `AddDifferencedFilesByLastModifyLSN`.
        fn AddDifferencedFilesByLastModifyLSN(
            wszPath: LPCWSTR,
            wszFilespec: LPCWSTR,
            bRecursive: BOOL,
            bstrLsnString: BSTR,
        );
        /// `GetDifferencedFilesCount`.
        fn GetDifferencedFilesCount(pcDifferencedFiles: *mut u32);
        /// `GetDifferencedFile`.
        fn GetDifferencedFile(
            iDifferencedFile: u32,
            pbstrPath: *mut BSTR,
            pbstrFilespec: *mut BSTR,
            pbRecursive: *mut BOOL,
            pbstrLsnString: *mut BSTR,
            pftLastModifyTime: *mut FILETIME,
        );
    }
}

/// `IVssWriterComponents` (vswriter.h)'s vtable: three methods and no `IUnknown` before
/// them, since the class derives from nothing. Each takes the interface pointer first.
#[repr(C)]
pub struct IVssWriterComponents_Vtbl {
    /// `GetComponentCount(pcComponents)`.
    pub GetComponentCount:
        unsafe extern "system" fn(this: *mut c_void, pcComponents: *mut u32) -> HRESULT,
    /// `GetWriterInfo(pidInstance, pidWriter)`.
    pub GetWriterInfo: unsafe extern "system" fn(
        this: *mut c_void,
        pidInstance: *mut VSS_ID,
        pidWriter: *mut VSS_ID,
    ) -> HRESULT,
    /// `GetComponent(iComponent, ppComponent)`: an `IVssComponent` the caller releases.
    pub GetComponent: unsafe extern "system" fn(
        this: *mut c_void,
        iComponent: u32,
        ppComponent: *mut *mut c_void,
    ) -> HRESULT,
}

impl IVssWriterComponents_Vtbl {
    /// The vtable's methods in the order declared, with their offsets, as
    /// [`crate::slots::check`] compares them with the header.
    pub const DECLARED: Declared = Declared {
        interface: "IVssWriterComponents",
        parent: "",
        parent_size: 0,
        slots: &[
            (
                "GetComponentCount",
                std::mem::offset_of!(IVssWriterComponents_Vtbl, GetComponentCount),
            ),
            (
                "GetWriterInfo",
                std::mem::offset_of!(IVssWriterComponents_Vtbl, GetWriterInfo),
            ),
            (
                "GetComponent",
                std::mem::offset_of!(IVssWriterComponents_Vtbl, GetComponent),
            ),
        ],
        parameters: &[
            &["*mut u32"],
            &["*mut VSS_ID", "*mut VSS_ID"],
            &["u32", "*mut *mut c_void"],
        ],
        size: std::mem::size_of::<IVssWriterComponents_Vtbl>(),
    };
}

/// The start of every object an `IVssWriterComponentsExt *` points at (vsbackup.h: a class
/// deriving from `IVssWriterComponents` and from `IUnknown`, in that order): the
/// `IVssWriterComponents` vtable pointer, which the interface pointer itself points at, then
/// the `IUnknown` vtable pointer. Its `AddRef` and `Release` are reached one pointer further
/// on than the interface pointer, and are called with that address.
#[repr(C)]
pub struct IVssWriterComponentsExt {
    /// The `IVssWriterComponents` vtable.
    pub components: *const IVssWriterComponents_Vtbl,
    /// The `IUnknown` vtable.
    pub unknown: *const IUnknown_Vtbl,
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
    IVssWMFiledesc::DECLARED,
    IVssWMDependency::DECLARED,
    IVssWMComponent::DECLARED,
    IVssExamineWriterMetadata::DECLARED,
    IVssComponent::DECLARED,
    IVssWriterComponents_Vtbl::DECLARED,
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
            (
                IVssExamineWriterMetadata::IID,
                0x902fcf7f_b7fd_42f8_81f1_b2e400b1e5bd,
            ),
            (IVssComponent::IID, 0xd2c72c96_c121_4518_b627_e5a93d010ead),
            // Without an IID in the SDK.
            (IVssWMFiledesc::IID, 0),
            (IVssWMDependency::IID, 0),
            (IVssWMComponent::IID, 0),
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
            // `IUnknown` is windows-core's; an empty parent is none at all.
            if !["IUnknown", ""].contains(&header.parent) {
                let parent = names.iter().position(|n| *n == header.parent);
                assert!(parent.is_some_and(|p| p < at), "{}", header.parent);
            }
        }
    }

    #[test]
    fn the_writer_components_object_has_two_vtables_and_the_component_38_methods() {
        let pointer = size_of::<usize>();
        assert_eq!(std::mem::offset_of!(IVssWriterComponentsExt, components), 0);
        assert_eq!(
            std::mem::offset_of!(IVssWriterComponentsExt, unknown),
            pointer
        );
        assert_eq!(size_of::<IVssWriterComponents_Vtbl>(), 3 * pointer);
        assert_eq!(IVssComponent::DECLARED.size / pointer, 3 + 38);
        assert_eq!(IVssExamineWriterMetadata::DECLARED.size / pointer, 3 + 11);
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
