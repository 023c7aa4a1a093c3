//! The backend trait: the requester API a backup application codes against.
//!
//! It is shaped after `IVssBackupComponents` and `IVssBackupComponentsEx2`, one Rust method
//! per Windows method, so that a backend over real VSS maps each call onto one COM call and
//! the simulator can stand in for it in tests. Asynchronous methods return a [`VssAsync`],
//! which keeps `IVssAsync`'s semantics. Dropping a [`BackupComponents`] is `Release`.

use std::fmt;

use bitflags::bitflags;

use crate::attributes::{HardwareOptions, SnapshotAttributes};
use crate::context::Context;
use crate::document::WriterComponents;
use crate::enums::{BackupType, ObjectType, WriterEvent};
use crate::guid::VssId;
use crate::hresult::HResult;
use crate::methods::Method;
use crate::props::{ObjectProp, SnapshotProp, WriterStatus};
use crate::provider::DeleteFailure;
use crate::storage::Block;
use crate::writer_metadata::{ComponentType, WriterMetadataDocument};

/// The result of a requester call: a value, or the HRESULT the method returned.
pub type VssResult<T = ()> = Result<T, HResult>;

/// `INFINITE`, the timeout `IVssAsync::Wait` takes by default.
pub const INFINITE: u32 = u32::MAX;

/// `IVssAsync`: the handle of an asynchronous operation.
pub trait VssAsync {
    /// `Wait(dwMilliseconds)`: block until the operation finishes; `S_OK` means the wait
    /// ended and [`query_status`](Self::query_status) tells how the operation went.
    fn wait(&mut self, milliseconds: u32) -> HResult;
    /// `QueryStatus(&hrResult, NULL)`: `VSS_S_ASYNC_PENDING`, `VSS_S_ASYNC_FINISHED`,
    /// `VSS_S_ASYNC_CANCELLED`, or the operation's error. The `Err` side is the call's own
    /// failure.
    fn query_status(&mut self) -> VssResult<HResult>;
    /// `Cancel()`: `S_OK` if it cancelled the operation now, `VSS_S_ASYNC_CANCELLED` if it
    /// was cancelled before, `VSS_S_ASYNC_FINISHED` if it had succeeded, or its error.
    fn cancel(&mut self) -> HResult;
}

/// What `DeleteSnapshots` reports when it succeeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deleted {
    /// `plDeletedSnapshots`.
    pub deleted: i32,
    /// `pNondeletedSnapshotID`: `GUID_NULL` when everything was deleted.
    pub nondeleted: VssId,
}

/// The arguments of `SetBackupState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackupStateArgs {
    /// `bSelectComponents`: component mode.
    pub select_components: bool,
    /// `bBackupBootableSystemState`.
    pub bootable_system_state: bool,
    /// `backupType`.
    pub backup_type: BackupType,
    /// `bPartialFileSupport`.
    pub partial_file_support: bool,
}

impl Default for BackupStateArgs {
    /// A full backup without components, as most requesters start.
    fn default() -> Self {
        BackupStateArgs {
            select_components: false,
            bootable_system_state: false,
            backup_type: BackupType::VSS_BT_FULL,
            partial_file_support: false,
        }
    }
}

/// A component of a writer, as `AddComponent` and `SetBackupSucceeded` name it
/// (`instanceId, writerId, ct, wszLogicalPath, wszComponentName`): one component that one
/// writer instance reports in its metadata, picked out by the instance, the writer's class,
/// the component's type, its logical path and its name. `logical_path: None` is a `NULL`
/// logical path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ComponentRef<'a> {
    /// `instanceId`: the writer instance.
    pub instance_id: VssId,
    /// `writerId`: the writer's class.
    pub writer_id: VssId,
    /// `ct`: the component's type.
    pub component_type: ComponentType,
    /// `wszLogicalPath`: the logical path; `None` is `NULL`.
    pub logical_path: Option<&'a str>,
    /// `wszComponentName`: the component's name.
    pub component_name: &'a str,
}

/// One `IVssBackupComponents` instance (with its `Ex2` methods).
///
/// The methods take the SDK's parameters in the SDK's order, the five that name a component
/// gathered in one [`ComponentRef`]; out-parameters become return values. Dropping the value releases the object, with the effects Windows documents
/// (auto-release shadow copies are deleted).
pub trait BackupComponents {
    /// The `IVssAsync` handle this backend returns.
    type Async: VssAsync;

    /// `InitializeForBackup(bstrXML)`: start a backup, or load a saved backup components
    /// document.
    fn initialize_for_backup(&mut self, xml: Option<&str>) -> VssResult;
    /// `SetContext(lContext)`: at most once, before creating, querying or deleting.
    fn set_context(&mut self, context: Context) -> VssResult;
    /// `SetBackupState(...)`: required before `PrepareForBackup`.
    fn set_backup_state(&mut self, state: BackupStateArgs) -> VssResult;
    /// `GatherWriterMetadata(&pAsync)`: the Identify event; once per object.
    fn gather_writer_metadata(&mut self) -> VssResult<Self::Async>;
    /// `GatherWriterStatus(&pAsync)`: ask the writers for their state.
    fn gather_writer_status(&mut self) -> VssResult<Self::Async>;
    /// `GetWriterStatusCount` and `GetWriterStatus` for every writer, after
    /// `GatherWriterStatus`.
    fn writer_status(&mut self) -> VssResult<Vec<WriterStatus>>;
    /// `GetWriterMetadataCount` and `GetWriterMetadata` for every writer, each writer's
    /// `IVssExamineWriterMetadata` read whole: what the writers told `GatherWriterMetadata`.
    fn writer_metadata(&mut self) -> VssResult<Vec<WriterMetadataDocument>>;
    /// `FreeWriterMetadata()`: give the gathered metadata up; this object cannot read it
    /// again.
    fn free_writer_metadata(&mut self) -> VssResult;
    /// `AddComponent(instanceId, writerId, ct, wszLogicalPath, wszComponentName)`: select a
    /// component of a writer for the backup.
    fn add_component(&mut self, component: &ComponentRef<'_>) -> VssResult;
    /// `SetBackupSucceeded(instanceId, writerId, ct, wszLogicalPath, wszComponentName,
    /// bSucceded)`: record whether a selected component was backed up.
    fn set_backup_succeeded(&mut self, component: &ComponentRef<'_>, succeeded: bool) -> VssResult;
    /// `GetWriterComponentsCount` and `GetWriterComponents` for every writer, each
    /// `IVssWriterComponentsExt` read whole: the components the backup components document
    /// holds.
    fn writer_components(&mut self) -> VssResult<Vec<WriterComponents>>;
    /// `StartSnapshotSet(&SnapshotSetId)`: begin a new, empty set.
    fn start_snapshot_set(&mut self) -> VssResult<VssId>;
    /// `AddToSnapshotSet(pwszVolumeName, ProviderId, &pidSnapshot)`.
    fn add_to_snapshot_set(&mut self, volume_name: &str, provider_id: VssId) -> VssResult<VssId>;
    /// `PrepareForBackup(&pAsync)`: the PrepareForBackup event (writer contexts only).
    fn prepare_for_backup(&mut self) -> VssResult<Self::Async>;
    /// `DoSnapshotSet(&pAsync)`: create every shadow copy of the set at one point in time.
    fn do_snapshot_set(&mut self) -> VssResult<Self::Async>;
    /// `BackupComplete(&pAsync)`: the BackupComplete event (writer contexts only).
    fn backup_complete(&mut self) -> VssResult<Self::Async>;
    /// `AbortBackup()`.
    fn abort_backup(&mut self) -> VssResult;
    /// `GetSnapshotProperties(SnapshotId, &Prop)`.
    fn get_snapshot_properties(&mut self, snapshot_id: VssId) -> VssResult<SnapshotProp>;
    /// `Query(QueriedObjectId, eQueriedObjectType, eReturnedObjectsType, &ppEnum)`, with the
    /// enumeration read to its end.
    fn query(
        &mut self,
        queried_object_id: VssId,
        queried_object_type: ObjectType,
        returned_objects_type: ObjectType,
    ) -> VssResult<Vec<ObjectProp>>;
    /// `DeleteSnapshots(SourceObjectId, eSourceObjectType, bForceDelete, ...)`.
    fn delete_snapshots(
        &mut self,
        source_object_id: VssId,
        source_object_type: ObjectType,
        force_delete: bool,
    ) -> Result<Deleted, DeleteFailure>;
    /// `SaveAsXML(&pbstrXML)`: the backup components document.
    fn save_as_xml(&mut self) -> VssResult<String>;
    /// `ImportSnapshots(&pAsync)`: surface a transported set on this machine.
    fn import_snapshots(&mut self) -> VssResult<Self::Async>;
    /// `BreakSnapshotSet(SnapshotSetId)`: make VSS forget a hardware set.
    fn break_snapshot_set(&mut self, snapshot_set_id: VssId) -> VssResult;
    /// `IVssBackupComponentsEx2::BreakSnapshotSetEx(SnapshotSetId, dwBreakFlags, &pAsync)`.
    fn break_snapshot_set_ex(
        &mut self,
        snapshot_set_id: VssId,
        break_flags: HardwareOptions,
    ) -> VssResult<Self::Async>;
    /// `ExposeSnapshot(SnapshotId, wszPathFromRoot, lAttributes, wszExpose, &pwszExposed)`.
    fn expose_snapshot(
        &mut self,
        snapshot_id: VssId,
        path_from_root: Option<&str>,
        attributes: SnapshotAttributes,
        expose: Option<&str>,
    ) -> VssResult<String>;
    /// `IVssBackupComponentsEx2::UnexposeSnapshot(snapshotId)`.
    fn unexpose_snapshot(&mut self, snapshot_id: VssId) -> VssResult;
    /// `IsVolumeSupported(ProviderId, pwszVolumeName, &pbSupportedByThisProvider)`.
    fn is_volume_supported(&mut self, provider_id: VssId, volume_name: &str) -> VssResult<bool>;
    /// `RevertToSnapshot(SnapshotId, bForceDismount)`: start reverting the shadow copy's
    /// volume to it (Windows Server, persistent copies); the revert goes on after the call.
    fn revert_to_snapshot(&mut self, snapshot_id: VssId, force_dismount: bool) -> VssResult;
    /// `QueryRevertStatus(pwszVolume, &ppAsync)`: the operation of the revert in progress
    /// on a volume, which ends when the revert does.
    fn query_revert_status(&mut self, volume_name: &str) -> VssResult<Self::Async>;
}

bitflags! {
    /// What a backend can do beyond the requester API, so that a test needing more than a
    /// backend offers is skipped with a reason instead of failed.
    #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default)]
    pub struct Capabilities: u32 {
        /// Several machines share one world (a SAN).
        const MULTIPLE_MACHINES = 1 << 0;
        /// A hardware provider is registered.
        const HARDWARE_PROVIDER = 1 << 1;
        /// Blocks of volumes can be written and read through [`Environment`].
        const BLOCK_IO = 1 << 2;
        /// Machines can be restarted.
        const REBOOT = 1 << 3;
        /// Provider methods, writer events and service calls can be made to fail.
        const FAULT_INJECTION = 1 << 4;
        /// A requester object can run without backup rights.
        const PRIVILEGES = 1 << 5;
        /// An asynchronous operation can be held pending until it is waited on.
        const HOLD_ASYNC = 1 << 6;
        /// LUNs can be masked and unmasked, volumes made read-write and given mount points,
        /// as a storage administrator does with the array's tools and VDS.
        const LUN_MANAGEMENT = 1 << 7;
    }
}

/// The rights of the account a requester object runs as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Privileges {
    /// A member of Administrators: everything is allowed.
    #[default]
    Administrator,
    /// A member of Backup Operators: backup rights are held.
    BackupOperator,
    /// An ordinary user: calls that need backup rights get `E_ACCESSDENIED`.
    User,
}

/// A provider method made to fail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderFault {
    /// The provider, or `None` for whichever provider the method is called on.
    pub provider_id: Option<VssId>,
    /// The provider method, e.g. `CommitSnapshots`. A fault on `BeginPrepareSnapshot`
    /// fails that method of either provider interface, as a provider has one of them.
    pub method: Method,
    /// What the method returns instead of doing its work.
    pub hr: HResult,
    /// How many calls succeed before the failures start.
    pub after: u32,
    /// How many calls fail; 0 means every call from then on.
    pub times: u32,
}

/// What a storage administrator sees of one array LUN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LunState {
    /// Its name on the array.
    pub name: String,
    /// Its page-80 serial number.
    pub serial: String,
    /// Its disk identity: `MBR xxxxxxxx` or `GPT {…}`.
    pub identity: String,
    /// The machines it is unmasked to.
    pub visible_to: Vec<String>,
    /// Whether its volumes are read-only.
    pub read_only: bool,
    /// Whether its volumes are hidden.
    pub hidden: bool,
    /// The LUN it is a clone of, if it is one.
    pub clone_of: Option<String>,
    /// How a clone holds its data: `differential` (sharing the source's unchanged blocks)
    /// or `plex` (a full copy); `None` for a LUN that is not a clone.
    pub clone_kind: Option<&'static str>,
    /// Deleted from the array: its provider reclaimed it (after `OnLunEmpty`). The other
    /// fields then hold nothing; a deleted LUN's name is never given again.
    pub deleted: bool,
}

/// A failure outside the requester API: an unknown machine or volume, an impossible block.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvError {
    /// The backend has no such capability.
    #[error("this backend cannot {0}")]
    Unsupported(&'static str),
    /// No machine of that name.
    #[error("no machine named `{0}`")]
    UnknownMachine(String),
    /// No volume, device, drive letter or LUN of that name on the machine.
    #[error("`{target}` is not a volume, shadow copy device or exposed name on {machine}")]
    UnknownTarget {
        /// The machine asked.
        machine: String,
        /// The name that was not found.
        target: String,
    },
    /// The block is past the end of the volume.
    #[error("block {block} is past the end of `{target}`, which has {blocks} blocks")]
    OutOfRange {
        /// The volume or device.
        target: String,
        /// The block asked for.
        block: u64,
        /// How many blocks it has.
        blocks: u64,
    },
    /// The target cannot be written (a shadow copy, a read-only volume).
    #[error("`{0}` is read-only")]
    ReadOnly(String),
    /// Something else is wrong with the request.
    #[error("{0}")]
    Invalid(String),
}

/// Control of the world around the requester API: block I/O, restarts, faults, rights.
///
/// Only backends that own their world (the simulator) offer it; see [`Capabilities`].
pub trait Environment {
    /// The requester objects of the backend this environment belongs to.
    type Components;

    /// Write `data` (zero-padded) to `block` of a volume (`E:\`, `\\?\Volume{GUID}\`).
    fn write_block(
        &self,
        machine: &str,
        target: &str,
        block: u64,
        data: &[u8],
    ) -> Result<(), EnvError>;
    /// Read `block` of a volume, a shadow copy device or an exposed drive letter.
    fn read_block(&self, machine: &str, target: &str, block: u64) -> Result<Block, EnvError>;
    /// Restart a machine: its requester objects die and non-persistent shadow copies go.
    fn reboot(&self, machine: &str) -> Result<(), EnvError>;
    /// Make a provider method on a machine fail.
    fn fail_provider_method(&self, machine: &str, fault: ProviderFault) -> Result<(), EnvError>;
    /// Make a writer fail an event with an error (`VSS_E_WRITERERROR_*`).
    fn fail_writer_event(
        &self,
        machine: &str,
        writer: &str,
        event: WriterEvent,
        hr: HResult,
    ) -> Result<(), EnvError>;
    /// Make the service fail a requester method on a machine with one of its documented
    /// codes, as an internal failure would (out of memory, an unexpected error).
    fn fail_service_call(&self, machine: &str, method: Method, hr: HResult)
    -> Result<(), EnvError>;
    /// Unmask (`true`) or mask (`false`) an array LUN to a machine.
    fn set_lun_visible(&self, machine: &str, lun: &str, visible: bool) -> Result<(), EnvError>;
    /// Set or clear the read-only flag of a volume on LUNs (`VDS_VF_READONLY`).
    fn set_volume_read_only(
        &self,
        machine: &str,
        target: &str,
        read_only: bool,
    ) -> Result<(), EnvError>;
    /// Give a volume a drive letter or mount folder, or take it away (`None`).
    fn assign_mount(
        &self,
        machine: &str,
        target: &str,
        mount: Option<&str>,
    ) -> Result<(), EnvError>;
    /// Every LUN of the array, by name, deleted ones included.
    fn luns(&self) -> Vec<LunState>;
    /// The array LUNs a volume lies on, in order (none for a local volume).
    fn volume_luns(&self, machine: &str, target: &str) -> Result<Vec<String>, EnvError>;
    /// Change the rights a requester object's process runs with.
    fn set_privileges(
        &self,
        components: &Self::Components,
        privileges: Privileges,
    ) -> Result<(), EnvError>;
    /// Keep (or no longer keep) the next asynchronous operation this object starts pending
    /// until it is waited on; the next revert it starts (`RevertToSnapshot`) is kept in
    /// progress the same way, until its `QueryRevertStatus` operation is waited on.
    fn hold_next_async(&self, components: &Self::Components, hold: bool) -> Result<(), EnvError>;
}

/// A VSS implementation the same tests can run against: the simulator, or real VSS.
pub trait Backend {
    /// Its requester objects.
    type Components: BackupComponents;

    /// A short name, as `VSS_BACKEND` selects it.
    fn name(&self) -> &str;
    /// What it can do beyond the requester API.
    fn capabilities(&self) -> Capabilities;
    /// The machines it has, the first one being the default.
    fn machines(&self) -> Vec<String>;
    /// The machine `wanted` names, in any case, as the backend spells it; with no name, the
    /// default one (an empty name when there is none). `None` when no machine has that name.
    fn machine_named(&self, wanted: Option<&str>) -> Option<String> {
        let mut machines = self.machines().into_iter();
        match wanted {
            None => Some(machines.next().unwrap_or_default()),
            Some(wanted) => machines.find(|m| m.eq_ignore_ascii_case(wanted)),
        }
    }
    /// `CreateVssBackupComponents` on a machine.
    fn create_backup_components(&self, machine: &str) -> VssResult<Self::Components>;
    /// `GetVolumeNameForVolumeMountPoint`: the `\\?\Volume{GUID}\` name of a mount point.
    fn volume_name_for_mount_point(
        &self,
        machine: &str,
        mount_point: &str,
    ) -> Result<String, EnvError>;
    /// `GetVolumePathNamesForVolumeName`: the drive letters and folders a `\\?\Volume{GUID}\`
    /// volume is mounted at, none when it has none.
    fn volume_path_names_for_volume_name(
        &self,
        machine: &str,
        volume_name: &str,
    ) -> Result<Vec<String>, EnvError>;
    /// `ShouldBlockRevert(wszVolumeName, &bBlock)` (vssapi.dll): whether a writer that the
    /// machine's registry lists under `WritersBlockingRevert` has components on the volume,
    /// so that it should not be reverted to a shadow copy.
    fn should_block_revert(&self, machine: &str, volume_name: &str) -> Result<bool, EnvError>;
    /// Control of the world, when the backend has it.
    fn environment(&self) -> Option<&dyn Environment<Components = Self::Components>>;
}

impl fmt::Display for Privileges {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Privileges::Administrator => "administrator",
            Privileges::BackupOperator => "backup operator",
            Privileges::User => "user without backup rights",
        })
    }
}
