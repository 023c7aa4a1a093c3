//! The simulated world: machines with their volumes, providers, writers and VSS service
//! state, the requester objects and asynchronous operations, the id source and the clock.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use rand_chacha::ChaCha8Rng;
use rand_core::RngCore;
use typed_index_collections::TiVec;
use vss_model::backend::{BackupStateArgs, EnvError, Privileges, ProviderFault};
use vss_model::document::{BackupComponentsDocument, WriterComponents};
use vss_model::lifecycle::{BackupEnd, RequesterPhase};
use vss_model::lun::VdsLunInformation;
use vss_model::methods::Method;
use vss_model::provider::{
    HardwareSnapshotProvider, ProviderCreateSnapshotSet, ShadowCopyDriver, SoftwareSnapshotProvider,
};
use vss_model::writer_metadata::{
    ComponentInfo, FileDescriptor, RestoreMethodInfo, SourceType, UsageType, WriterMetadataDocument,
};
use vss_model::{
    Context, HResult, HardwareOptions, ProviderProp, SnapshotProp, VssId, VssTimestamp,
    WriterEvent, WriterState, WriterStatus,
};

use crate::handles::{AsyncId, LayoutId, MachineId, ProviderSlot, RequesterId, VolumeSlot};
use crate::machine_volumes::MachineVolumes;
use crate::policy::Policy;
use crate::san::San;
use crate::software_copies::SoftwareCopies;
use crate::trace::{TRACE_KEPT, TraceEvent};

/// A software provider the simulated service can load: the provider interfaces and the
/// driver that sees the volume's writes.
/// A plugin is `Any` so that a checkpoint can tell the providers it knows how to save.
pub trait SoftwareProviderPlugin:
    SoftwareSnapshotProvider + ShadowCopyDriver + Send + std::any::Any
{
}

impl<T: SoftwareSnapshotProvider + ShadowCopyDriver + Send + std::any::Any> SoftwareProviderPlugin
    for T
{
}

/// Why a world file, read, cannot become a world: it describes an impossible one. The text
/// names the part at fault (`machine \`M1\`: a \`hardware\` provider needs a \`san\``).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct WorldError(pub String);

/// A hardware provider the simulated service can load.
/// A plugin is `Any` so that a checkpoint can tell the providers it knows how to save.
pub trait HardwareProviderPlugin: HardwareSnapshotProvider + Send + std::any::Any {}

impl<T: HardwareSnapshotProvider + Send + std::any::Any> HardwareProviderPlugin for T {}

/// A loaded provider, of either kind.
pub(crate) enum Instance {
    Software(Box<dyn SoftwareProviderPlugin>),
    Hardware(Box<dyn HardwareProviderPlugin>),
}

impl Instance {
    /// The interface every provider has: `IVssProviderCreateSnapshotSet`.
    pub fn common(&mut self) -> &mut dyn ProviderCreateSnapshotSet {
        match self {
            Instance::Software(p) => &mut **p,
            Instance::Hardware(p) => &mut **p,
        }
    }

    /// The software provider interface, if it is one.
    pub fn software(&mut self) -> Option<&mut dyn SoftwareProviderPlugin> {
        match self {
            Instance::Software(p) => Some(&mut **p),
            Instance::Hardware(_) => None,
        }
    }

    /// The hardware provider interface, if it is one.
    pub fn hardware(&mut self) -> Option<&mut dyn HardwareProviderPlugin> {
        match self {
            Instance::Hardware(p) => Some(&mut **p),
            Instance::Software(_) => None,
        }
    }

    /// The driver that sees writes, for a software provider.
    pub fn driver(&mut self) -> Option<&mut dyn ShadowCopyDriver> {
        match self {
            Instance::Software(p) => Some(&mut **p),
            Instance::Hardware(_) => None,
        }
    }

    /// The same, to read through.
    pub fn driver_ref(&self) -> Option<&dyn ShadowCopyDriver> {
        match self {
            Instance::Software(p) => Some(&**p),
            Instance::Hardware(_) => None,
        }
    }
}

/// A registered provider and its loaded instance.
pub(crate) struct Registered {
    pub prop: ProviderProp,
    pub instance: Instance,
}

/// A simulated writer (writers are per machine, not per requester).
#[derive(Debug)]
pub(crate) struct Writer {
    pub name: String,
    pub id: VssId,
    pub instance: VssId,
    pub state: WriterState,
    pub failure: HResult,
    /// Events it has been told to fail, once each.
    pub faults: BTreeMap<WriterEvent, HResult>,
    /// The rest of what it says of itself at Identify, as the world file gives it.
    pub usage: UsageType,
    pub source: SourceType,
    pub restore_method: RestoreMethodInfo,
    pub exclude_files: Vec<FileDescriptor>,
    pub components: Vec<ComponentInfo>,
}

impl Writer {
    pub fn status(&self) -> WriterStatus {
        WriterStatus {
            instance_id: self.instance,
            writer_id: self.id,
            writer_name: self.name.clone(),
            state: self.state,
            failure: self.failure,
        }
    }

    /// What it tells `GatherWriterMetadata`.
    pub fn metadata(&self) -> WriterMetadataDocument {
        WriterMetadataDocument {
            instance_id: self.instance,
            writer_id: self.id,
            writer_name: self.name.clone(),
            usage: self.usage,
            source: self.source,
            restore_method: self.restore_method.clone(),
            exclude_files: self.exclude_files.clone(),
            components: self.components.clone(),
        }
    }
}

/// A provider fault and how many matching calls it has seen.
#[derive(Debug)]
pub(crate) struct ArmedFault {
    pub fault: ProviderFault,
    pub seen: u32,
    pub fired: u32,
}

/// One machine and its VSS service.
pub(crate) struct Machine {
    pub name: String,
    pub volumes: MachineVolumes,
    pub providers: TiVec<ProviderSlot, Registered>,
    pub writers: Vec<Writer>,
    /// `MaxShadowCopies` for client-accessible shadow copies.
    pub max_shadow_copies: u32,
    /// The requester object whose creation is in progress, from `StartSnapshotSet` until
    /// `DoSnapshotSet` ends.
    pub creation_lock: Option<RequesterId>,
    /// Exposed names (upper case, no trailing backslash) and the shadow copies behind them.
    pub exposures: BTreeMap<String, VssId>,
    /// Auto-release shadow copies and the requester object that made or imported them.
    pub owners: BTreeMap<VssId, RequesterId>,
    pub provider_faults: Vec<ArmedFault>,
    /// Requester methods told to fail once.
    pub service_faults: BTreeMap<Method, HResult>,
    /// The last `HarddiskVolumeN` number given to a volume of the machine.
    pub last_volume_device: u32,
    /// The volumes (`\\?\Volume{GUID}\`) a process holds open: they cannot be locked.
    pub in_use: BTreeSet<String>,
    /// The volumes on which writers that block a revert have components.
    pub writers_block_revert: BTreeSet<String>,
}

/// The volumes of a set and the providers chosen for them.
#[derive(Debug, Clone)]
pub(crate) struct SetPlan {
    pub id: VssId,
    pub items: Vec<PlannedCopy>,
}

#[derive(Debug, Clone)]
pub(crate) struct PlannedCopy {
    pub snapshot_id: VssId,
    /// `\\?\Volume{GUID}\`.
    pub volume_name: String,
    /// The index of the chosen provider on the machine.
    pub provider: ProviderSlot,
    /// For a hardware provider: the volume's LUNs as VSS hands them to it.
    pub luns: Option<VolumeLuns>,
}

/// The LUNs of a volume, as VSS describes them to hardware providers.
#[derive(Debug, Clone)]
pub(crate) struct VolumeLuns {
    /// The machine's device name of each LUN (`\\.\PHYSICALDRIVEn`).
    pub devices: Vec<String>,
    /// Their descriptions, one-to-one.
    pub infos: Vec<VdsLunInformation>,
    /// The blocks of the volume on each, one-to-one.
    pub blocks: Vec<u64>,
}

/// Where a hardware shadow copy is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HwState {
    /// A transportable copy not imported yet: it lives in backup components documents, and
    /// its creator machine's service answers for its lifetime.
    Transported { creator: MachineId },
    /// Surfaced on a machine as the volume of a layout.
    Surfaced {
        machine: MachineId,
        layout: LayoutId,
    },
}

/// A hardware shadow copy: VSS keeps what it knows of these itself.
#[derive(Debug, Clone)]
pub(crate) struct HwCopy {
    pub prop: SnapshotProp,
    /// Each LUN of the original volume with its shadow, and the volume's blocks on it.
    pub pairs: Vec<(VdsLunInformation, VdsLunInformation, u64)>,
    pub state: HwState,
}

/// One `IVssBackupComponents` instance.
#[derive(Debug)]
pub(crate) struct Requester {
    pub machine: MachineId,
    pub alive: bool,
    /// The caller has released it: it is kept only while operations of it are held.
    pub released: bool,
    /// How many of its operations the world keeps.
    pub operations: usize,
    pub privileges: Privileges,
    pub hold_next_async: bool,
    pub context: Context,
    pub context_set: bool,
    pub backup_state: Option<BackupStateArgs>,
    /// The writers whose metadata `GatherWriterMetadata` gathered.
    pub metadata: Option<Vec<WriterMetadataDocument>>,
    /// `FreeWriterMetadata` gave the gathered metadata up: the writers still take part,
    /// but `GetWriterMetadata` and `AddComponent` have nothing left to read.
    pub metadata_freed: bool,
    /// The components of its backup components document: added by `AddComponent`, or
    /// loaded with a document.
    pub components: Vec<WriterComponents>,
    pub writer_status: Option<Vec<WriterStatus>>,
    /// Where the object stands, with the set it started.
    pub phase: RequesterPhase<SetPlan>,
    pub prepared_for_backup: bool,
    /// How the backup ended, once `BackupComplete` or `AbortBackup` ended it.
    pub ended: Option<BackupEnd>,
    /// Whether `Query` was called before any set: such an object is a query object and
    /// cannot make a backup.
    pub queried: bool,
    /// Held operations of this object, not yet run; their effects are not there yet.
    pub pending: Vec<Work>,
    /// The document `InitializeForBackup` loaded, if any.
    pub loaded: Option<BackupComponentsDocument>,
}

impl Requester {
    /// Whether this object has brought the machine's writers into its backup: a writer
    /// context, and `GatherWriterMetadata` called.
    pub fn engages_writers(&self) -> bool {
        self.context.has_writers() && self.metadata.is_some()
    }
}

/// The work an asynchronous operation does when it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Work {
    GatherWriterMetadata,
    GatherWriterStatus,
    PrepareForBackup,
    DoSnapshotSet,
    BackupComplete,
    ImportSnapshots,
    BreakSnapshotSetEx(VssId, HardwareOptions),
    /// Following the revert of a volume (`QueryRevertStatus`): the revert is the machine's,
    /// so the operation is never the object's held work, and cannot be cancelled.
    Revert(VolumeSlot),
}

impl Work {
    /// Whether it is work of the object that started it, held until waited on: anything but
    /// following a revert.
    pub(crate) fn is_held_work(self) -> bool {
        !matches!(self, Work::Revert(_))
    }
}

/// An `IVssAsync`'s operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AsyncState {
    /// Held until waited on.
    Pending(Work),
    /// Finished with this result (`S_OK` or an error).
    Done(HResult),
    Cancelled,
}

#[derive(Debug)]
pub(crate) struct AsyncOp {
    pub requester: RequesterId,
    pub state: AsyncState,
    /// The caller has released its `IVssAsync`: a finished operation is then forgotten, a
    /// held one when it ends.
    pub released: bool,
}

/// The whole simulated world.
pub struct World {
    pub(crate) policy: Policy,
    /// The SAN the machines share, if the world has one.
    pub(crate) san: San,
    /// The hardware shadow copies VSS manages, on any machine.
    pub(crate) hw_copies: BTreeMap<VssId, HwCopy>,
    /// The software shadow copies that exist, counted per volume.
    pub(crate) sw_copies: SoftwareCopies,
    /// The transportable sets imported so far: a set imports once.
    pub(crate) imported_sets: BTreeSet<VssId>,
    pub(crate) ids: ChaCha8Rng,
    pub(crate) clock: VssTimestamp,
    pub(crate) machines: TiVec<MachineId, Machine>,
    /// The requester objects the caller still holds, or whose operations it still holds:
    /// a released object is forgotten with its last operation.
    pub(crate) requesters: BTreeMap<RequesterId, Requester>,
    /// The operations the caller still holds, and held ones not yet run.
    pub(crate) asyncs: BTreeMap<AsyncId, AsyncOp>,
    pub(crate) next_object: u64,
    /// The events not taken yet, the last [`TRACE_KEPT`] of them.
    pub(crate) trace: VecDeque<TraceEvent>,
    /// How many events were let go since the trace was last taken.
    pub(crate) trace_not_kept: u64,
    /// Whether events are recorded at all.
    pub(crate) tracing: bool,
    #[cfg(feature = "mutations")]
    /// Rules of VSS this world was told to break (see [`BrokenRule`]); empty but in tests
    /// that show a broken rule is caught.
    pub(crate) broken_rules: BTreeSet<BrokenRule>,
}

/// A rule of VSS the simulator can be told to break, so that a test can show the property
/// tests catch the break. Only a build with the `mutations` feature can set one
/// (`World::break_rule`); nothing else ever does.
#[cfg(feature = "mutations")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum BrokenRule {
    /// `BreakSnapshotSet` of a set made by a software provider succeeds (and forgets
    /// nothing) instead of answering `VSS_E_PROVIDER_VETO`.
    BreakSoftwareSets,
}

#[cfg(feature = "mutations")]
impl World {
    /// Makes this world break a rule of VSS, for a test that shows the break is caught.
    pub fn break_rule(&mut self, rule: BrokenRule) {
        self.broken_rules.insert(rule);
    }
}

impl World {
    /// A new GUID from the world's seeded generator.
    pub(crate) fn new_id(&mut self) -> VssId {
        let mut bytes = [0u8; 16];
        self.ids.fill_bytes(&mut bytes);
        VssId::from_random_bytes(bytes)
    }

    /// Moves the clock one second on and reads it.
    pub(crate) fn tick(&mut self) -> VssTimestamp {
        self.clock = VssTimestamp(self.clock.0 + VssTimestamp::TICKS_PER_SECOND);
        self.clock
    }

    /// A fresh number for a requester object or an asynchronous operation: they share one
    /// count, so the trace numbers them in the order they were made.
    fn next_number(&mut self) -> u64 {
        self.next_object += 1;
        self.next_object
    }

    /// A fresh handle for an asynchronous operation.
    pub(crate) fn new_async_id(&mut self) -> AsyncId {
        AsyncId(self.next_number())
    }

    pub(crate) fn record(&mut self, event: TraceEvent) {
        if !self.tracing {
            return;
        }
        if self.trace.len() == TRACE_KEPT {
            self.trace.pop_front();
            self.trace_not_kept += 1;
        }
        self.trace.push_back(event);
    }

    pub(crate) fn note(&mut self, machine: MachineId, text: impl Into<String>) {
        let machine = self.machines[machine].name.clone();
        self.record(TraceEvent::Note {
            machine,
            text: text.into(),
        });
    }

    /// Everything that happened underneath since the last call.
    pub fn take_trace(&mut self) -> Vec<TraceEvent> {
        let count = std::mem::take(&mut self.trace_not_kept);
        let lost = (count > 0).then_some(TraceEvent::NotKept { count });
        lost.into_iter().chain(self.trace.drain(..)).collect()
    }

    /// The machines' names, in world-file order.
    pub fn machine_names(&self) -> Vec<String> {
        self.machines.iter().map(|m| m.name.clone()).collect()
    }

    pub(crate) fn machine_index(&self, name: &str) -> Result<MachineId, EnvError> {
        self.machines
            .position(|m| m.name.eq_ignore_ascii_case(name))
            .ok_or_else(|| EnvError::UnknownMachine(name.to_string()))
    }

    /// The mount point of a `\\?\Volume{GUID}\` name, for messages.
    pub(crate) fn display_volume(&self, machine: MachineId, volume_name: &str) -> String {
        self.machines[machine]
            .volumes
            .by_volume_name(volume_name)
            .and_then(|v| v.mount().map(str::to_string))
            .unwrap_or_else(|| volume_name.to_string())
    }

    pub(crate) fn requester(&self, id: RequesterId) -> &Requester {
        &self.requesters[&id]
    }

    pub(crate) fn requester_mut(&mut self, id: RequesterId) -> &mut Requester {
        self.requesters
            .get_mut(&id)
            .expect("requester handles are never removed")
    }

    /// `CreateVssBackupComponents`.
    pub(crate) fn create_requester(&mut self, machine: MachineId) -> RequesterId {
        let id = RequesterId(self.next_number());
        self.requesters.insert(
            id,
            Requester {
                machine,
                alive: true,
                released: false,
                operations: 0,
                privileges: Privileges::Administrator,
                hold_next_async: false,
                context: Context::VSS_CTX_BACKUP,
                context_set: false,
                backup_state: None,
                metadata: None,
                metadata_freed: false,
                components: Vec::new(),
                writer_status: None,
                phase: RequesterPhase::Uninitialized,
                prepared_for_backup: false,
                ended: None,
                queried: false,
                pending: Vec::new(),
                loaded: None,
            },
        );
        id
    }
}
