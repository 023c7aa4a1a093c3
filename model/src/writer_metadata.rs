//! Writer metadata: what a writer tells a requester about itself and its data in answer to
//! the Identify event, which `IVssBackupComponents::GetWriterMetadata` hands out as an
//! `IVssExamineWriterMetadata` (vsbackup.h) and Windows calls the Writer Metadata Document.
//!
//! A writer has an identity (class id, instance id, name, usage and source type), a restore
//! method, files it wants left out of the backup, and components. A component
//! (`IVssWMComponent`, described by `VSS_COMPONENTINFO`) is a file group or a database, with
//! the files that make it up (`IVssWMFiledesc`) and the components of other writers it
//! depends on (`IVssWMDependency`). A requester picks components for its backup with
//! `AddComponent`; those land in the backup components document ([`crate::document`]).
//!
//! The enumerations are vswriter.h's, with the SDK's names and values.

mod xml;

use serde::{Deserialize, Serialize};

use crate::guid::VssId;

sdk_enum! {
    /// `VSS_COMPONENT_TYPE`: what kind of data a component is.
    "VSS_COMPONENT_TYPE" => enum ComponentType {
        /// Not a valid type: no component has it.
        VSS_CT_UNDEFINED = 0,
        /// A database, with database files and log files.
        VSS_CT_DATABASE = 1,
        /// A group of files.
        VSS_CT_FILEGROUP = 2,
    }
}

sdk_enum! {
    /// `VSS_USAGE_TYPE`: how the system uses the writer's data.
    "VSS_USAGE_TYPE" => enum UsageType {
        /// Not known: a writer error.
        VSS_UT_UNDEFINED = 0,
        /// Part of the bootable system state.
        VSS_UT_BOOTABLESYSTEMSTATE = 1,
        /// A system service's data.
        VSS_UT_SYSTEMSERVICE = 2,
        /// User data.
        VSS_UT_USERDATA = 3,
        /// Anything else.
        VSS_UT_OTHER = 4,
    }
}

sdk_enum! {
    /// `VSS_SOURCE_TYPE`: what kind of store the writer's data is.
    "VSS_SOURCE_TYPE" => enum SourceType {
        /// Not known: a writer error.
        VSS_ST_UNDEFINED = 0,
        /// A transacted database.
        VSS_ST_TRANSACTEDDB = 1,
        /// A database without transactions.
        VSS_ST_NONTRANSACTEDDB = 2,
        /// Anything else, such as plain files.
        VSS_ST_OTHER = 3,
    }
}

sdk_enum! {
    /// `VSS_RESTOREMETHOD_ENUM`: how the writer's data is to be restored.
    "VSS_RESTOREMETHOD_ENUM" => enum RestoreMethod {
        /// Not known: a writer error.
        VSS_RME_UNDEFINED = 0,
        /// Restore only the files that are not there.
        VSS_RME_RESTORE_IF_NOT_THERE = 1,
        /// Restore over the files if they can be replaced.
        VSS_RME_RESTORE_IF_CAN_REPLACE = 2,
        /// Stop the writer's service, restore, start it again.
        VSS_RME_STOP_RESTORE_START = 3,
        /// Restore to another place.
        VSS_RME_RESTORE_TO_ALTERNATE_LOCATION = 4,
        /// Restore when the machine restarts.
        VSS_RME_RESTORE_AT_REBOOT = 5,
        /// Restore now where possible, at the restart otherwise.
        VSS_RME_RESTORE_AT_REBOOT_IF_CANNOT_REPLACE = 6,
        /// A method of the writer's own.
        VSS_RME_CUSTOM = 7,
        /// Restore, then stop and start the writer's service.
        VSS_RME_RESTORE_STOP_START = 8,
    }
}

sdk_enum! {
    /// `VSS_WRITERRESTORE_ENUM`: whether the writer takes part in a restore.
    "VSS_WRITERRESTORE_ENUM" => enum WriterRestore {
        /// Not known: a writer error.
        VSS_WRE_UNDEFINED = 0,
        /// It never hears the restore events.
        VSS_WRE_NEVER = 1,
        /// It hears them only when a file could not be replaced.
        VSS_WRE_IF_REPLACE_FAILS = 2,
        /// It always hears them.
        VSS_WRE_ALWAYS = 3,
    }
}

/// `VSS_FSBT_ALL_BACKUP_REQUIRED | VSS_FSBT_ALL_SNAPSHOT_REQUIRED`: the file backup type
/// mask the SDK's `AddFilesToFileGroup`, `AddDatabaseFiles` and `AddDatabaseLogFiles` give a
/// file set when the writer names none.
pub const DEFAULT_BACKUP_TYPE_MASK: u32 = 0x0000_0F0F;

/// One set of files (`IVssWMFiledesc`): the files of `path` that match `filespec`, and of
/// its subdirectories too when `recursive`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileDescriptor {
    /// `GetPath`: the directory, which may hold environment variables (`%SystemRoot%`).
    pub path: String,
    /// `GetFilespec`: the file names, wildcards allowed (`*.clb`).
    pub filespec: String,
    /// `GetRecursive`.
    pub recursive: bool,
    /// `GetAlternateLocation`: where the files are restored instead; empty when nowhere.
    pub alternate_location: String,
    /// `GetBackupTypeMask`: the `VSS_FILE_SPEC_BACKUP_TYPE` bits.
    pub backup_type_mask: u32,
}

/// A component of another writer (or of the same one) that a component depends on
/// (`IVssWMDependency`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComponentDependency {
    /// `GetWriterId`: the class id of the writer the component belongs to.
    pub writer_id: VssId,
    /// `GetLogicalPath`: empty when the component has none.
    pub logical_path: String,
    /// `GetComponentName`.
    pub component_name: String,
}

/// One component of a writer (`IVssWMComponent`): the fields of its `VSS_COMPONENTINFO`,
/// and the file sets and dependencies it counts there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComponentInfo {
    /// `type`: `VSS_CT_FILEGROUP` or `VSS_CT_DATABASE`.
    pub component_type: ComponentType,
    /// `bstrLogicalPath`: empty when the component has none (a `NULL` `BSTR`).
    pub logical_path: String,
    /// `bstrComponentName`.
    pub component_name: String,
    /// `bstrCaption`.
    pub caption: String,
    /// `bRestoreMetadata`.
    pub restore_metadata: bool,
    /// `bNotifyOnBackupComplete`.
    pub notify_on_backup_complete: bool,
    /// `bSelectable`: may be picked for a backup on its own.
    pub selectable: bool,
    /// `bSelectableForRestore`.
    pub selectable_for_restore: bool,
    /// `dwComponentFlags`: the `VSS_COMPONENT_FLAGS` bits (`VSS_CF_NOT_SYSTEM_STATE` is 4).
    pub component_flags: u32,
    /// `GetFile` for each of `cFileCount`: a file group's files.
    pub files: Vec<FileDescriptor>,
    /// `GetDatabaseFile` for each of `cDatabases`.
    pub database_files: Vec<FileDescriptor>,
    /// `GetDatabaseLogFile` for each of `cLogFiles`.
    pub database_log_files: Vec<FileDescriptor>,
    /// `GetDependency` for each of `cDependencies`.
    pub dependencies: Vec<ComponentDependency>,
}

impl ComponentInfo {
    /// The component's path as DiskShadow and vshadow show it: a backslash, the logical
    /// path and a backslash when there is one, then the name (`\System Files`,
    /// `\SYSVOL\{…}`).
    pub fn full_path(&self) -> String {
        component_path(&self.logical_path, &self.component_name)
    }
}

/// A component's path from its logical path (empty for none) and name, as
/// [`ComponentInfo::full_path`] writes it.
pub fn component_path(logical_path: &str, component_name: &str) -> String {
    if logical_path.is_empty() {
        format!("\\{component_name}")
    } else {
        format!("\\{logical_path}\\{component_name}")
    }
}

/// How a writer's data is restored: what `GetRestoreMethod` reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestoreMethodInfo {
    /// `pMethod`.
    pub method: RestoreMethod,
    /// `pbstrService`: the service to stop and start, empty for none.
    pub service: String,
    /// `pbstrUserProcedure`: what a person restoring it by hand must do, empty for nothing.
    pub user_procedure: String,
    /// `pwriterRestore`.
    pub writer_restore: WriterRestore,
    /// `pbRebootRequired`.
    pub reboot_required: bool,
}

/// One writer's metadata, as `IVssExamineWriterMetadata` lets a requester read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WriterMetadataDocument {
    /// `GetIdentity`'s `pidInstance` (also `GetWriterMetadata`'s).
    pub instance_id: VssId,
    /// `GetIdentity`'s `pidWriter`: the writer class id.
    pub writer_id: VssId,
    /// `GetIdentity`'s `pbstrWriterName`.
    pub writer_name: String,
    /// `GetIdentity`'s `pUsage`.
    pub usage: UsageType,
    /// `GetIdentity`'s `pSource`.
    pub source: SourceType,
    /// `GetRestoreMethod`.
    pub restore_method: RestoreMethodInfo,
    /// `GetExcludeFile` for each of `GetFileCounts`' `pcExcludeFiles`.
    pub exclude_files: Vec<FileDescriptor>,
    /// `GetComponent` for each of `GetFileCounts`' `pcComponents`.
    pub components: Vec<ComponentInfo>,
}

impl WriterMetadataDocument {
    /// The component of that logical path (empty for none) and name, if the writer has it.
    pub fn component(&self, logical_path: &str, component_name: &str) -> Option<&ComponentInfo> {
        self.components
            .iter()
            .find(|c| c.logical_path == logical_path && c.component_name == component_name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_shown_as_windows_tools_show_them() {
        assert_eq!(component_path("", "System Files"), r"\System Files");
        assert_eq!(component_path("SYSVOL", "{x}"), r"\SYSVOL\{x}");
    }

    #[test]
    fn the_enumerations_have_the_sdk_values() {
        assert_eq!(ComponentType::VSS_CT_FILEGROUP.value(), 2);
        assert_eq!(UsageType::VSS_UT_OTHER.value(), 4);
        assert_eq!(SourceType::VSS_ST_OTHER.value(), 3);
        assert_eq!(RestoreMethod::VSS_RME_RESTORE_STOP_START.value(), 8);
        assert_eq!(WriterRestore::VSS_WRE_ALWAYS.value(), 3);
        assert_eq!(
            "vss_ct_database".parse(),
            Ok(ComponentType::VSS_CT_DATABASE)
        );
    }
}
