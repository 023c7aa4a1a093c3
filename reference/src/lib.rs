//! The reference model: a small, pure state machine that predicts what VSS answers.
//!
//! It knows the rules of the requester API (which call is allowed when, and with which
//! HRESULT it is refused), what shadow copies exist on which machine with which attributes,
//! what is exposed, imported and broken, which machines see which array LUN, and which
//! blocks each volume's diff area holds an old content of (by number: no data). It knows
//! nothing of block contents or of the inside of a provider: those are the simulator's
//! business. The simulator must agree with it on every step; the property tests and the
//! exhaustive exploration check that, and a reader can check the model against the
//! reference documentation rule by rule.
//!
//! The model covers a bounded alphabet of [`Step`]s over a small world described by a
//! [`WorldSpec`]: machines with local volumes and volumes on array LUNs, each running the
//! system provider and optionally the array's hardware provider, no writers. Identifiers
//! are symbolic ([`Id`]): the n-th set or shadow copy VSS handed out; a harness binds them to
//! the GUIDs the backend returns. Writers' metadata and components (`GetWriterMetadata`,
//! `FreeWriterMetadata`, `AddComponent`, `SetBackupSucceeded`, `GetWriterComponents`) are
//! not in the alphabet: the property tests never draw them, and the conformance suite checks
//! them against the documented codes and through COM, not against this model.
//!
//! The policy choices the documentation leaves open are the simulator's defaults, recorded
//! in `docs/assumptions.md`: `StartSnapshotSet` under `VSS_CTX_ALL` gives `VSS_E_BAD_STATE`,
//! a refused exposure gives `E_INVALIDARG`, administration calls see every context, a
//! break without a revert flag reverts the identities when no original is visible, a
//! revert deletes every shadow copy of its volume, and `QueryRevertStatus` of a volume
//! without a revert in progress gives `VSS_E_OBJECT_NOT_FOUND`.
//!
//! # Example
//!
//! Step the model through the start of a backup on HOSTA of a small world, one requester
//! object, and read what VSS would answer:
//!
//! ```
//! use vss_model::HResult;
//! use vss_reference::explore::SmallWorld;
//! use vss_reference::{RequesterCall, Id, ReferenceModel, Prediction, Step, Value};
//!
//! let mut model = ReferenceModel::new(SmallWorld::Small.spec());
//! let mut call = |call| model.step(&Step::Call { machine: 0, object: 0, call });
//!
//! // A set cannot be started before the object is initialised.
//! assert_eq!(call(RequesterCall::StartSnapshotSet).hr, HResult::VSS_E_BAD_STATE);
//! assert_eq!(call(RequesterCall::InitializeForBackup { document: None }), Prediction::ok(Value::None));
//! // The first set VSS hands out: symbolic id #0.
//! assert_eq!(call(RequesterCall::StartSnapshotSet), Prediction::ok(Value::Id(Id(0))));
//! // An object starts one set, not a second.
//! assert_eq!(call(RequesterCall::StartSnapshotSet).hr, HResult::VSS_E_BAD_STATE);
//! assert!(model.check_invariants().is_ok());
//! ```

mod administration;
mod diff_area;
mod requester;
mod revert;
mod sorted;
mod transport;

pub mod explore;

use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;
use std::sync::Arc;

use diff_area::DiffArea;
use sorted::SortedMap;
pub use sorted::SortedSet;

use vss_model::attributes::{HardwareOptions, SnapshotAttributes as A};
use vss_model::context::Context;
use vss_model::hresult::HResult;
use vss_model::lifecycle::{BackupEnd, RequesterPhase};
use vss_model::methods::{self, Method};

/// A symbolic identifier: the n-th set or shadow copy id VSS handed out (counting from 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Id(pub u32);

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// One volume of a machine.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct VolumeSpec {
    /// Its drive letter, `E:\`.
    pub mount: String,
    /// The array LUNs it lies on (indices into [`WorldSpec::luns`]); empty for a local disk.
    pub luns: Vec<usize>,
    /// The most blocks its diff area may hold (`vssadmin resize shadowstorage /maxsize`);
    /// `None` for no limit.
    pub diff_area_blocks: Option<u64>,
}

/// One machine.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MachineSpec {
    /// Its name.
    pub name: String,
    /// Its volumes.
    pub volumes: Vec<VolumeSpec>,
    /// Whether the array's hardware provider (with `IVssHardwareSnapshotProviderEx`) is
    /// registered there.
    pub hardware_provider: bool,
}

/// One LUN of the array, as provisioned.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LunSpec {
    /// Its name on the array.
    pub name: String,
    /// The machines (indices) it is unmasked to.
    pub visible_to: Vec<usize>,
}

/// The world the model predicts: machines, the array, what the array's provider can do.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WorldSpec {
    /// The machines.
    pub machines: Vec<MachineSpec>,
    /// The array's LUNs.
    pub luns: Vec<LunSpec>,
    /// The array makes differential clones.
    pub differential: bool,
    /// The array makes plex (full) clones.
    pub plex: bool,
    /// The array's provider makes transportable shadow copies.
    pub transportable: bool,
    /// `MaxShadowCopies`: client-accessible copies allowed per volume.
    pub max_client_accessible: usize,
}

/// Which provider `AddToSnapshotSet` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ProviderChoice {
    /// `GUID_NULL`: VSS chooses (hardware, then software, then system).
    Any,
    /// The system provider's id.
    System,
    /// The array's hardware provider's id.
    Hardware,
    /// An id no provider is registered under.
    Unregistered,
}

/// What a snapshot or set argument names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Ref {
    /// The n-th most recent id handed out (0: the latest; modulo how many there are); an id
    /// never handed out when there is none yet. Counting from the latest keeps a step's
    /// meaning when a shrinker drops earlier steps that handed out ids.
    Issued(u8),
    /// An id VSS never handed out.
    Unknown,
}

impl Ref {
    /// The place in a list of `count` ids handed out (oldest first) that the reference
    /// names, if any.
    pub fn index(self, count: usize) -> Option<usize> {
        match self {
            Ref::Issued(n) if count > 0 => Some(count - 1 - n as usize % count),
            _ => None,
        }
    }

    /// The reference to the id at `index` of a list of `count` ids handed out.
    pub fn to_index(index: usize, count: usize) -> Ref {
        Ref::Issued((count - 1 - index) as u8)
    }
}

/// A provider method made to fail once with `E_FAIL`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FaultMethod {
    /// `CommitSnapshots`: the set fails as a whole.
    CommitSnapshots,
    /// `LocateLuns`: the hardware provider cannot unmask the shadow LUNs.
    LocateLuns,
    /// `FillInLunInfo`: a shadow LUN is not recognised (VSS ignores the result on deletion).
    FillInLunInfo,
    /// `OnLunStateChange`: a break that must tell the provider fails.
    OnLunStateChange,
}

impl FaultMethod {
    /// The provider method.
    pub fn method(self) -> Method {
        match self {
            FaultMethod::CommitSnapshots => Method::CommitSnapshots,
            FaultMethod::LocateLuns => Method::LocateLuns,
            FaultMethod::FillInLunInfo => Method::FillInLunInfo,
            FaultMethod::OnLunStateChange => Method::OnLunStateChange,
        }
    }

    /// The provider method's SDK name.
    pub fn name(self) -> &'static str {
        self.method().name()
    }
}

/// A requester call the model predicts. Asynchronous calls are waited on at once.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RequesterCall {
    /// `Release`: the object dies.
    Release,
    /// `InitializeForBackup`, with the n-th saved document or none.
    InitializeForBackup {
        /// Which saved document (modulo how many there are), if any.
        document: Option<u8>,
    },
    /// `SetContext`.
    SetContext(Context),
    /// `GatherWriterMetadata` and `Wait`.
    GatherWriterMetadata,
    /// `SetBackupState` for a full backup without components.
    SetBackupState,
    /// `StartSnapshotSet`.
    StartSnapshotSet,
    /// `AddToSnapshotSet`.
    AddToSnapshotSet {
        /// The n-th volume of the machine; past the end, a name no volume has (`Z:\`).
        volume: u8,
        /// The provider named.
        provider: ProviderChoice,
    },
    /// `PrepareForBackup` and `Wait`.
    PrepareForBackup,
    /// `DoSnapshotSet` and `Wait`.
    DoSnapshotSet,
    /// `BackupComplete` and `Wait`.
    BackupComplete,
    /// `AbortBackup`.
    AbortBackup,
    /// `Query(GUID_NULL, VSS_OBJECT_NONE, VSS_OBJECT_SNAPSHOT)`.
    Query,
    /// `GetSnapshotProperties`.
    GetSnapshotProperties(Ref),
    /// `DeleteSnapshots` of one shadow copy (`set: false`) or of a set.
    DeleteSnapshots {
        /// The id.
        target: Ref,
        /// `VSS_OBJECT_SNAPSHOT_SET` rather than `VSS_OBJECT_SNAPSHOT`.
        set: bool,
    },
    /// `SaveAsXML`.
    SaveAsXml,
    /// `ImportSnapshots` and `Wait`.
    ImportSnapshots,
    /// `BreakSnapshotSet` (`flags: None`) or `BreakSnapshotSetEx` and `Wait`.
    BreakSnapshotSet {
        /// The set.
        set: Ref,
        /// The `dwBreakFlags` of `BreakSnapshotSetEx`.
        flags: Option<HardwareOptions>,
    },
    /// `ExposeSnapshot(id, NULL, VSS_VOLSNAP_ATTR_EXPOSED_LOCALLY, L"X:")`.
    ExposeSnapshot(Ref),
    /// `UnexposeSnapshot`.
    UnexposeSnapshot(Ref),
    /// `RevertToSnapshot`.
    RevertToSnapshot {
        /// The shadow copy.
        target: Ref,
        /// `bForceDismount`.
        force_dismount: bool,
    },
    /// `QueryRevertStatus`, and `Wait` when it hands back an operation.
    QueryRevertStatus {
        /// The n-th volume of the machine; past the end, a name no volume has (`Z:\`).
        volume: u8,
    },
}

impl RequesterCall {
    /// The method the call makes; `None` for `Release`, which is `IUnknown`'s.
    pub fn method(&self) -> Option<Method> {
        Some(match self {
            RequesterCall::Release => return None,
            RequesterCall::InitializeForBackup { .. } => Method::InitializeForBackup,
            RequesterCall::SetContext(_) => Method::SetContext,
            RequesterCall::GatherWriterMetadata => Method::GatherWriterMetadata,
            RequesterCall::SetBackupState => Method::SetBackupState,
            RequesterCall::StartSnapshotSet => Method::StartSnapshotSet,
            RequesterCall::AddToSnapshotSet { .. } => Method::AddToSnapshotSet,
            RequesterCall::PrepareForBackup => Method::PrepareForBackup,
            RequesterCall::DoSnapshotSet => Method::DoSnapshotSet,
            RequesterCall::BackupComplete => Method::BackupComplete,
            RequesterCall::AbortBackup => Method::AbortBackup,
            RequesterCall::Query => Method::Query,
            RequesterCall::GetSnapshotProperties(_) => Method::GetSnapshotProperties,
            RequesterCall::DeleteSnapshots { .. } => Method::DeleteSnapshots,
            RequesterCall::SaveAsXml => Method::SaveAsXml,
            RequesterCall::ImportSnapshots => Method::ImportSnapshots,
            RequesterCall::BreakSnapshotSet { flags: None, .. } => Method::BreakSnapshotSet,
            RequesterCall::BreakSnapshotSet { flags: Some(_), .. } => Method::BreakSnapshotSetEx,
            RequesterCall::ExposeSnapshot(_) => Method::ExposeSnapshot,
            RequesterCall::UnexposeSnapshot(_) => Method::UnexposeSnapshot,
            RequesterCall::RevertToSnapshot { .. } => Method::RevertToSnapshot,
            RequesterCall::QueryRevertStatus { .. } => Method::QueryRevertStatus,
        })
    }

    /// The SDK name of the method the call makes (`Release` for a release).
    pub fn name(&self) -> &'static str {
        self.method().map_or("Release", Method::name)
    }
}

/// The codes the model's policy picks where the documentation leaves them open (the
/// simulator's defaults), for [`methods::may_return`].
const POLICY: [(Method, HResult); 8] = [
    (Method::StartSnapshotSet, HResult::VSS_E_BAD_STATE),
    (Method::ExposeSnapshot, HResult::E_INVALIDARG),
    (Method::DeleteSnapshots, HResult::VSS_E_BAD_STATE),
    (Method::BreakSnapshotSet, HResult::VSS_E_BAD_STATE),
    (Method::BreakSnapshotSetEx, HResult::VSS_E_BAD_STATE),
    (Method::Query, HResult::S_OK),
    (Method::RevertToSnapshot, HResult::VSS_E_BAD_STATE),
    (Method::QueryRevertStatus, HResult::VSS_E_BAD_STATE),
];

/// One step: a call on a requester object, or a change of the world around VSS.
///
/// The variants are ordered simplest first: a shrinker that prefers earlier variants turns
/// a failing sequence into a short one.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Step {
    /// An application writes a block of an original volume. The model says whether the
    /// machine reaches the volume, and which software copies a full diff area deletes to
    /// make room; what the block holds is the simulator's to keep.
    Write {
        /// The machine.
        machine: usize,
        /// The n-th volume of the machine.
        volume: u8,
        /// The block.
        block: u8,
        /// The byte written.
        value: u8,
    },
    /// A machine restarts.
    Reboot {
        /// The machine.
        machine: usize,
    },
    /// A storage administrator masks or unmasks an original LUN.
    SetLunVisible {
        /// The LUN (index into [`WorldSpec::luns`]).
        lun: usize,
        /// The machine.
        machine: usize,
        /// Unmask rather than mask.
        visible: bool,
    },
    /// A provider method on a machine will fail once with `E_FAIL`.
    Fault {
        /// The machine.
        machine: usize,
        /// The method.
        method: FaultMethod,
    },
    /// A call on a requester object, created by `CreateVssBackupComponents` on first use.
    Call {
        /// The machine.
        machine: usize,
        /// Which of the machine's objects.
        object: u8,
        /// The call.
        call: RequesterCall,
    },
}

/// What the model shows of a shadow copy, as `VSS_SNAPSHOT_PROP` does.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CopyView {
    /// `m_SnapshotId`.
    pub id: Id,
    /// `m_SnapshotSetId`.
    pub set: Id,
    /// `m_lSnapshotAttributes`.
    pub attributes: A,
    /// `m_pwszExposedName`.
    pub exposed_name: Option<String>,
}

/// What a call returned besides its HRESULT.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Value {
    /// Nothing more.
    None,
    /// A new set or shadow copy id.
    Id(Id),
    /// `Query`'s shadow copies, sorted by id.
    Copies(Vec<CopyView>),
    /// `GetSnapshotProperties`.
    Copy(CopyView),
    /// `DeleteSnapshots`: how many were deleted; for a write, how many software copies a
    /// full diff area deleted to make room.
    Deleted(i32),
    /// `ExposeSnapshot`: the exposed name.
    Exposed(String),
    /// `SaveAsXML`: the number of the saved document.
    Document(usize),
    /// An environment step the world refuses (a write to a volume the machine does not
    /// reach).
    Refused,
}

/// The predicted result of a step: the HRESULT (for an asynchronous call, what `QueryStatus`
/// reports after `Wait`, or the call's own error) and any value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Prediction {
    /// The HRESULT.
    pub hr: HResult,
    /// The value.
    pub value: Value,
}

impl Prediction {
    /// `S_OK` with a value.
    pub fn ok(value: Value) -> Prediction {
        Prediction {
            hr: HResult::S_OK,
            value,
        }
    }

    /// An HRESULT alone: a failure, or a success code such as `VSS_S_ASYNC_FINISHED`.
    pub fn code(hr: HResult) -> Prediction {
        Prediction {
            hr,
            value: Value::None,
        }
    }

    fn finished() -> Prediction {
        Prediction::code(HResult::VSS_S_ASYNC_FINISHED)
    }
}

/// A set an object started: its id and the shadow copies added to it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct PlannedSet {
    id: Id,
    items: Vec<Planned>,
}

/// A shadow copy added to a set that is not yet created.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Planned {
    snapshot: Id,
    volume: usize,
    hardware: bool,
}

/// A requester object (`IVssBackupComponents`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
struct Requester {
    /// Where it stands, with the set it started.
    phase: RequesterPhase<PlannedSet>,
    context: Context,
    context_set: bool,
    gathered: bool,
    backup_state: bool,
    prepared: bool,
    /// A query was made before any set: the object is a query object now.
    queried: bool,
    /// How the backup ended, once `BackupComplete` or `AbortBackup` ended it.
    ended: Option<BackupEnd>,
    /// The document it was initialized with.
    loaded: Option<usize>,
}

/// Where a hardware shadow copy's LUNs are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Place {
    /// A local (software) copy, or a hardware copy surfaced on its machine.
    Live,
    /// A transportable hardware copy not yet imported.
    Transported,
}

/// A shadow copy that exists.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct ShadowCopy {
    set: Id,
    /// The machine that made it.
    creator: usize,
    /// The machine it lives on (for a transported copy, the one that made it).
    machine: usize,
    /// The original volume (index into the creating machine's volumes).
    volume: usize,
    hardware: bool,
    place: Place,
    attributes: A,
    /// The name it is exposed as: the model exposes as [`EXPOSE_AS`] only.
    exposed: Option<&'static str>,
    /// Its shadow LUNs (indices into the model's LUN list).
    luns: Vec<usize>,
    /// The requester objects whose release deletes it (auto-release copies): the one that
    /// made it and the one that imported it.
    owners: Vec<(usize, u8)>,
}

/// An array LUN as a storage administrator sees it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LunView {
    /// The LUN it is a clone of (index into this list), if it is one.
    pub clone_of: Option<usize>,
    /// The machines it is unmasked to.
    pub visible_to: SortedSet<usize>,
    /// Its volumes are read-only.
    pub read_only: bool,
    /// Its volumes are hidden.
    pub hidden: bool,
    /// It carries its source's disk identity (always true for an original).
    pub source_identity: bool,
    /// Deleted from the array.
    pub deleted: bool,
}

/// A saved backup components document.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Document {
    context: Context,
    backup_state: bool,
    set: Option<DocumentSet>,
}

/// The shadow copy set a document describes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct DocumentSet {
    id: Id,
    /// Each shadow copy, with its shadow LUNs when the document was saved after creation.
    snapshots: Vec<(Id, Option<Vec<usize>>)>,
}

/// The world a model describes, shared by every state stepped from the same start: a state
/// clones it by its reference count alone. It is no part of a state's hash: the states that
/// are compared (one exploration's) share one world, and hashing it would only cost time.
/// Equal states still hash alike, as the hash leaves nothing out that tells them apart.
#[derive(Debug, Clone, PartialEq, Eq)]
struct SharedWorld(Arc<WorldSpec>);

impl Hash for SharedWorld {
    fn hash<H: Hasher>(&self, _: &mut H) {}
}

impl Deref for SharedWorld {
    type Target = WorldSpec;

    fn deref(&self) -> &WorldSpec {
        &self.0
    }
}

/// The model's whole state. Two states are equal when VSS would behave the same from them.
///
/// Exploration keeps hundreds of thousands of states at once, so what most steps leave as it
/// is (the world, the shadow copies, the LUNs, the documents and ids handed out, what each
/// machine exposes, keeps mounted and will fail) is shared between states and copied on a
/// change, and the collections are sorted vectors sized to their entries.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ReferenceModel {
    world: SharedWorld,
    objects: SortedMap<(usize, u8), Requester>,
    /// The object creating a set on each machine (VSS's creation lock).
    creating: Vec<Option<u8>>,
    /// Every shadow copy that exists, shared until one changes.
    copies: Arc<SortedMap<Id, ShadowCopy>>,
    /// Every LUN, shared until one changes.
    luns: Arc<Vec<LunView>>,
    /// Every document saved, shared until one more is saved.
    documents: Arc<Vec<Document>>,
    /// Every set and shadow copy id handed out, in order, shared until one more is.
    set_ids: Arc<Vec<Id>>,
    snapshot_ids: Arc<Vec<Id>>,
    next_id: u32,
    imported_sets: SortedSet<Id>,
    /// Exposed names per machine, shared until one changes.
    exposures: Arc<Vec<SortedMap<&'static str, Id>>>,
    /// Names that broken volumes kept as their mount points, per machine, shared until one
    /// changes.
    mounted: Arc<Vec<SortedSet<&'static str>>>,
    /// Provider methods that will fail, per machine: each armed fault fails one call.
    /// Shared until one is armed or taken.
    faults: Arc<Vec<SortedMap<FaultMethod, u32>>>,
    /// The diff area of each volume that has had software copies, by (machine, volume).
    diff_areas: SortedMap<(usize, usize), DiffArea>,
    /// The sets broken so far, and the LUNs they left as ordinary disks.
    broken_sets: SortedSet<Id>,
    broken_luns: SortedSet<usize>,
}

/// The drive letter `ExposeSnapshot` steps use.
pub const EXPOSE_AS: &str = "X:";

impl ReferenceModel {
    /// The model of a world nothing has happened in yet. The world is shared, not copied,
    /// by every state stepped from this one.
    pub fn new(world: impl Into<Arc<WorldSpec>>) -> ReferenceModel {
        let world: Arc<WorldSpec> = world.into();
        let luns = world
            .luns
            .iter()
            .map(|l| LunView {
                clone_of: None,
                visible_to: l.visible_to.iter().copied().collect(),
                read_only: false,
                hidden: false,
                source_identity: true,
                deleted: false,
            })
            .collect();
        let machines = world.machines.len();
        ReferenceModel {
            world: SharedWorld(world),
            objects: SortedMap::new(),
            creating: vec![None; machines],
            copies: Arc::default(),
            luns: Arc::new(luns),
            documents: Arc::default(),
            set_ids: Arc::default(),
            snapshot_ids: Arc::default(),
            next_id: 0,
            imported_sets: SortedSet::new(),
            exposures: Arc::new(vec![SortedMap::new(); machines]),
            mounted: Arc::new(vec![SortedSet::new(); machines]),
            faults: Arc::new(vec![SortedMap::new(); machines]),
            diff_areas: SortedMap::new(),
            broken_sets: SortedSet::new(),
            broken_luns: SortedSet::new(),
        }
    }

    /// The world it models.
    pub fn world(&self) -> &WorldSpec {
        &self.world
    }

    /// Every LUN of the array: the originals in the world's order, then each clone as it was
    /// made.
    pub fn luns(&self) -> &[LunView] {
        &self.luns
    }

    /// Every set id handed out, in order.
    pub fn set_ids(&self) -> &[Id] {
        &self.set_ids
    }

    /// Every shadow copy id handed out, in order.
    pub fn snapshot_ids(&self) -> &[Id] {
        &self.snapshot_ids
    }

    /// The shadow copies `Query` under `VSS_CTX_ALL` lists on a machine, sorted by id.
    pub fn live_copies(&self, machine: usize) -> Vec<CopyView> {
        self.visible_copies(machine, Context::VSS_CTX_ALL)
    }

    /// The hardware shadow copies made transportable and not yet imported, with the
    /// machine that made each.
    pub fn transported(&self) -> Vec<(Id, usize)> {
        self.copies
            .iter()
            .filter(|(_, c)| c.place == Place::Transported)
            .map(|(id, c)| (*id, c.machine))
            .collect()
    }

    /// The original volume a live or transported shadow copy was taken of: the creating
    /// machine and the volume's index there.
    pub fn original_of(&self, snapshot: Id) -> Option<(usize, usize)> {
        let copy = self.copies.get(&snapshot)?;
        Some((copy.creator, copy.volume))
    }

    /// The shadow LUNs of a hardware shadow copy that exists.
    pub fn copy_luns(&self, snapshot: Id) -> Option<&[usize]> {
        self.copies.get(&snapshot).map(|c| c.luns.as_slice())
    }

    /// What must hold in every state, whatever happened before:
    ///
    /// - at most one set is being created on a machine, by the object holding its lock;
    /// - every clone on the array is deleted, or a LUN of exactly one shadow copy, or left by
    ///   a break: none is leaked;
    /// - every LUN of a shadow copy is on the array and a clone of the right original;
    /// - no live shadow copy belongs to a set that was broken;
    /// - every copy's attributes agree with what it is and what happened to it: hardware
    ///   copies are `HARDWARE_ASSISTED` and software ones `DIFFERENTIAL` and never
    ///   `TRANSPORTABLE`; only imported hardware copies are `IMPORTED`; a copy is
    ///   `EXPOSED_LOCALLY` exactly when it has an exposed name, and `NOT_SURFACED` when it is
    ///   a hardware copy that is not.
    pub fn check_invariants(&self) -> Result<(), String> {
        for (m, holder) in self.creating.iter().enumerate() {
            let opening = || {
                self.objects
                    .iter()
                    .filter(move |((machine, _), r)| {
                        *machine == m && matches!(r.phase, RequesterPhase::SetOpen(_))
                    })
                    .map(|((_, o), _)| *o)
            };
            // Checked in every state of an exploration: no list is made unless it is wrong.
            let mut open = opening();
            if open.next() != *holder || open.next().is_some() {
                let open: Vec<u8> = opening().collect();
                return Err(format!(
                    "machine {m}: sets being created by objects {open:?}, lock held by {holder:?}"
                ));
            }
        }
        for (i, lun) in self.luns.iter().enumerate() {
            let Some(source) = lun.clone_of else { continue };
            let owners = self.copies.values().filter(|c| c.luns.contains(&i)).count();
            let accounted = match (lun.deleted, self.broken_luns.contains(&i)) {
                (true, false) => owners == 0,
                (false, true) => owners == 0,
                (false, false) => owners == 1,
                (true, true) => false,
            };
            if !accounted {
                return Err(format!(
                    "clone {i} of LUN {source}: deleted {}, broken {}, in {owners} shadow copies",
                    lun.deleted,
                    self.broken_luns.contains(&i)
                ));
            }
        }
        for (id, copy) in self.copies.iter() {
            let volume = &self.world.machines[copy.creator].volumes[copy.volume];
            let sources = copy.luns.iter().map(|l| self.luns[*l].clone_of);
            let expected = volume.luns.iter().map(|l| Some(*l));
            if copy.hardware
                && (!sources.eq(expected) || copy.luns.iter().any(|l| self.luns[*l].deleted))
            {
                return Err(format!("shadow copy {id} lies on {:?}", copy.luns));
            }
            // A copy a partial import left behind stays transported; none comes back.
            if copy.place == Place::Live && self.broken_sets.contains(&copy.set) {
                return Err(format!(
                    "shadow copy {id} of broken set {} is back",
                    copy.set
                ));
            }
            let a = copy.attributes;
            let exposed = copy.exposed.is_some();
            let consistent = a.contains(A::VSS_VOLSNAP_ATTR_HARDWARE_ASSISTED) == copy.hardware
                && (copy.hardware || a.contains(A::VSS_VOLSNAP_ATTR_DIFFERENTIAL))
                && (copy.hardware || !a.contains(A::VSS_VOLSNAP_ATTR_TRANSPORTABLE))
                && (!a.contains(A::VSS_VOLSNAP_ATTR_IMPORTED)
                    || (copy.hardware && a.contains(A::VSS_VOLSNAP_ATTR_TRANSPORTABLE)))
                && a.contains(A::VSS_VOLSNAP_ATTR_EXPOSED_LOCALLY) == exposed
                && a.contains(A::VSS_VOLSNAP_ATTR_NOT_SURFACED) == (copy.hardware && !exposed);
            if !consistent {
                return Err(format!("shadow copy {id} has attributes {a}"));
            }
        }
        Ok(())
    }

    /// The sets broken so far.
    pub fn broken_sets(&self) -> &SortedSet<Id> {
        &self.broken_sets
    }

    /// Applies a step and returns what VSS answers.
    pub fn step(&mut self, step: &Step) -> Prediction {
        match step {
            Step::Write {
                machine,
                volume,
                block,
                ..
            } => {
                let volume = *volume as usize;
                let exists = volume < self.world.machines[*machine].volumes.len();
                if !(exists && self.reaches(*machine, volume)) {
                    return Prediction::ok(Value::Refused);
                }
                match self.before_write(*machine, volume, u64::from(*block)) {
                    0 => Prediction::ok(Value::None),
                    deleted => Prediction::ok(Value::Deleted(deleted)),
                }
            }
            Step::Reboot { machine } => {
                self.reboot(*machine);
                Prediction::ok(Value::None)
            }
            Step::SetLunVisible {
                lun,
                machine,
                visible,
            } => {
                let lun = &mut Arc::make_mut(&mut self.luns)[*lun];
                if *visible {
                    lun.visible_to.insert(*machine);
                } else {
                    lun.visible_to.remove(machine);
                }
                Prediction::ok(Value::None)
            }
            Step::Fault { machine, method } => {
                *Arc::make_mut(&mut self.faults)[*machine].get_or_default(*method) += 1;
                Prediction::ok(Value::None)
            }
            Step::Call {
                machine,
                object,
                call,
            } => self.call(*machine, *object, call),
        }
    }

    fn call(&mut self, m: usize, o: u8, call: &RequesterCall) -> Prediction {
        if *call == RequesterCall::Release {
            self.release(m, o);
            return Prediction::ok(Value::None);
        }
        self.objects.get_or_default((m, o));
        let outcome = match call {
            RequesterCall::Release => unreachable!("handled above"),
            RequesterCall::InitializeForBackup { document } => self.initialize(m, o, *document),
            RequesterCall::SetContext(context) => self.set_context(m, o, *context),
            RequesterCall::GatherWriterMetadata => self.gather_writer_metadata(m, o),
            RequesterCall::SetBackupState => self.set_backup_state(m, o),
            RequesterCall::StartSnapshotSet => self.start_snapshot_set(m, o),
            RequesterCall::AddToSnapshotSet { volume, provider } => {
                self.add_to_snapshot_set(m, o, *volume as usize, *provider)
            }
            RequesterCall::PrepareForBackup => self.prepare_for_backup(m, o),
            RequesterCall::DoSnapshotSet => self.do_snapshot_set(m, o),
            RequesterCall::BackupComplete => self.backup_complete(m, o),
            RequesterCall::AbortBackup => self.abort_backup(m, o),
            RequesterCall::Query => self.query(m, o),
            RequesterCall::GetSnapshotProperties(r) => self.get_snapshot_properties(m, o, *r),
            RequesterCall::DeleteSnapshots { target, set } => {
                self.delete_snapshots(m, o, *target, *set)
            }
            RequesterCall::SaveAsXml => self.save_as_xml(m, o),
            RequesterCall::ImportSnapshots => self.import_snapshots(m, o),
            RequesterCall::BreakSnapshotSet { set, flags } => {
                self.break_snapshot_set(m, o, *set, *flags)
            }
            RequesterCall::ExposeSnapshot(r) => self.expose_snapshot(m, o, *r),
            RequesterCall::UnexposeSnapshot(r) => self.unexpose_snapshot(m, o, *r),
            RequesterCall::RevertToSnapshot {
                target,
                force_dismount,
            } => self.revert_to_snapshot(m, o, *target, *force_dismount),
            RequesterCall::QueryRevertStatus { .. } => self.query_revert_status(m, o),
        };
        // A failure the method does not document reaches the requester as the internal
        // error its page lists (VSS_E_UNEXPECTED, or E_FAIL on the revert pages).
        let undocumented = call
            .method()
            .filter(|method| !methods::may_return(*method, outcome.hr, &POLICY));
        match undocumented {
            Some(method) if outcome.hr.is_failure() => {
                Prediction::code(method.info().internal_error())
            }
            _ => outcome,
        }
    }

    fn object(&self, m: usize, o: u8) -> &Requester {
        &self.objects[&(m, o)]
    }

    fn object_mut(&mut self, m: usize, o: u8) -> &mut Requester {
        self.objects.get_mut(&(m, o)).expect("created by the call")
    }

    fn new_id(&mut self) -> Id {
        let id = Id(self.next_id);
        self.next_id += 1;
        id
    }

    /// Makes room in a volume's diff area for the old content of a block about to be
    /// overwritten, deleting the volume's oldest software copies while there is none, and
    /// says how many it deleted.
    fn before_write(&mut self, m: usize, volume: usize, block: u64) -> i32 {
        let max = self.world.machines[m].volumes[volume].diff_area_blocks;
        let mut deleted = 0;
        loop {
            let Some(area) = self.diff_areas.get_mut(&(m, volume)) else {
                return deleted;
            };
            match area.before_write(block, max) {
                Ok(()) => return deleted,
                Err(oldest) => {
                    self.delete_copy(oldest);
                    deleted += 1;
                }
            }
        }
    }

    /// Resolves a reference to a set or snapshot id; `None` for one never handed out.
    fn resolve(ids: &[Id], r: Ref) -> Option<Id> {
        r.index(ids.len()).map(|i| ids[i])
    }

    /// Takes a pending fault of a provider method on a machine: `true` if the call fails.
    fn fault(&mut self, m: usize, method: FaultMethod) -> bool {
        // Most calls find no fault armed: they leave the shared faults alone.
        if !self.faults[m].contains_key(&method) {
            return false;
        }
        let faults = &mut Arc::make_mut(&mut self.faults)[m];
        match faults.get_mut(&method) {
            Some(1) => faults.remove(&method).is_some(),
            Some(n) => {
                *n -= 1;
                true
            }
            None => false,
        }
    }

    /// Forgets the name a shadow copy is exposed as on a machine, if it is exposed there.
    fn forget_exposure(&mut self, m: usize, id: Id) {
        if self.exposures[m].values().any(|s| *s == id) {
            Arc::make_mut(&mut self.exposures)[m].retain(|_, s| *s != id);
        }
    }

    /// Whether a machine reaches a volume: every LUN it lies on is unmasked to it.
    fn reaches(&self, m: usize, volume: usize) -> bool {
        self.world.machines[m].volumes[volume]
            .luns
            .iter()
            .all(|l| self.luns[*l].visible_to.contains(&m))
    }

    /// The shadow copies on a machine a context sees, sorted by id.
    fn visible_copies(&self, m: usize, context: Context) -> Vec<CopyView> {
        self.seen(m, context).map(|(id, c)| view(*id, c)).collect()
    }

    /// The shadow copies on a machine a context sees, by id, as they are kept: what the
    /// exploration's properties look at in every state without making views of them.
    fn seen(&self, m: usize, context: Context) -> impl Iterator<Item = (&Id, &ShadowCopy)> {
        self.copies
            .iter()
            .filter(move |(_, c)| c.machine == m && c.place == Place::Live)
            .filter(move |(_, c)| context.sees(c.attributes))
    }

    /// The shadow copies `Query` under `VSS_CTX_ALL` lists on a machine, as
    /// [`ReferenceModel::live_copies`] does, by id and set.
    fn listed(&self, m: usize) -> impl Iterator<Item = (Id, Id)> {
        self.seen(m, Context::VSS_CTX_ALL)
            .map(|(id, c)| (*id, c.set))
    }
}

fn view(id: Id, c: &ShadowCopy) -> CopyView {
    CopyView {
        id,
        set: c.set,
        attributes: c.attributes,
        exposed_name: c.exposed.map(str::to_string),
    }
}

/// The contexts [`ReferenceModel::natural_steps`] offers: the backup default (which needs the
/// writers' metadata), a file-share backup, a persistent one without writers, and the two
/// transportable ones.
const NATURAL_CONTEXTS: [Context; 4] = [
    Context::VSS_CTX_FILE_SHARE_BACKUP,
    Context::VSS_CTX_NAS_ROLLBACK,
    Context(0x20),
    Context(0x39),
];

impl ReferenceModel {
    /// The steps that take some object further along the way a backup application goes:
    /// initialize, set a context, start a set, add volumes, create it, save its document,
    /// import it elsewhere, expose, break or delete its copies, release. Random sequences
    /// drawn mostly from these reach deep states; exploration uses them as its actions.
    pub fn natural_steps(&self, objects: u8) -> Vec<Step> {
        let mut steps = Vec::new();
        for m in 0..self.world.machines.len() {
            for o in 0..objects {
                let call = |call| Step::Call {
                    machine: m,
                    object: o,
                    call,
                };
                let Some(r) = self
                    .objects
                    .get(&(m, o))
                    .filter(|r| r.phase.is_initialized())
                else {
                    steps.push(call(RequesterCall::InitializeForBackup { document: None }));
                    if !self.documents.is_empty() {
                        let last = (self.documents.len() - 1) as u8;
                        steps.push(call(RequesterCall::InitializeForBackup {
                            document: Some(last),
                        }));
                    }
                    continue;
                };
                let loaded_set = r.loaded.is_some_and(|d| self.documents[d].set.is_some());
                match &r.phase {
                    RequesterPhase::Uninitialized | RequesterPhase::Initialized if loaded_set => {
                        steps.push(call(RequesterCall::ImportSnapshots))
                    }
                    RequesterPhase::Uninitialized | RequesterPhase::Initialized => {
                        if !r.context_set {
                            for context in NATURAL_CONTEXTS {
                                steps.push(call(RequesterCall::SetContext(context)));
                            }
                        }
                        steps.push(call(RequesterCall::StartSnapshotSet));
                    }
                    RequesterPhase::SetOpen(PlannedSet { items, .. })
                    | RequesterPhase::Creating(PlannedSet { items, .. }) => {
                        let volumes = self.world.machines[m].volumes.len() as u8;
                        for volume in 0..volumes {
                            steps.push(call(RequesterCall::AddToSnapshotSet {
                                volume,
                                provider: ProviderChoice::Any,
                            }));
                        }
                        if r.context.has_writers() && !r.gathered {
                            steps.push(call(RequesterCall::GatherWriterMetadata));
                        } else if !items.is_empty() {
                            steps.push(call(RequesterCall::DoSnapshotSet));
                        }
                    }
                    RequesterPhase::Created(_) => {
                        steps.push(call(RequesterCall::SaveAsXml));
                        steps.push(call(RequesterCall::Release));
                    }
                    RequesterPhase::Failed(_) => steps.push(call(RequesterCall::Release)),
                }
            }
        }
        // What can be done with the shadow copies that exist, from an object of their
        // machine.
        for (id, copy) in self.copies.iter() {
            if copy.place != Place::Live {
                continue;
            }
            let set = self.set_ids.iter().position(|s| *s == copy.set);
            let snapshot = self.snapshot_ids.iter().position(|s| s == id);
            let (Some(set), Some(snapshot)) = (set, snapshot) else {
                continue;
            };
            let call = |call| Step::Call {
                machine: copy.machine,
                object: 0,
                call,
            };
            let set = Ref::to_index(set, self.set_ids.len());
            for flags in [
                None,
                Some(HardwareOptions::VSS_BREAKEX_FLAG_MAKE_READ_WRITE),
                Some(HardwareOptions::VSS_BREAKEX_FLAG_MASK_LUNS),
                Some(HardwareOptions::VSS_BREAKEX_FLAG_REVERT_IDENTITY_ALL),
            ] {
                steps.push(call(RequesterCall::BreakSnapshotSet { set, flags }));
            }
            steps.push(call(RequesterCall::ExposeSnapshot(Ref::to_index(
                snapshot,
                self.snapshot_ids.len(),
            ))));
            steps.push(call(RequesterCall::DeleteSnapshots {
                target: set,
                set: true,
            }));
        }
        steps
    }
}
