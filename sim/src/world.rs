//! The simulated world: machines with their volumes, providers, writers and VSS service
//! state, the requester objects and asynchronous operations, the id source and the clock.

use std::collections::BTreeMap;

use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};
use vss_model::backend::{BackupStateArgs, EnvError, Privileges, ProviderFault};
use vss_model::document::{BackupComponentsDocument, WriterMetadata};
use vss_model::provider::{ShadowCopyDriver, SoftwareSnapshotProvider};
use vss_model::storage::LiveVolumes;
use vss_model::{
    BLOCK_SIZE, Block, Context, HResult, ProviderProp, VssId, VssTimestamp, WriterEvent,
    WriterState, WriterStatus,
};
use vss_sim_sw::{DiffAreaLimits, SystemProvider, VolumeSpec};

use crate::size::ByteSize;
use crate::trace::TraceEvent;
use crate::world_file::{Policy, WorldFile};

/// A software provider the simulated service can load: the provider interfaces and the
/// driver that sees the volume's writes.
pub trait SoftwareProvider: SoftwareSnapshotProvider + ShadowCopyDriver + Send {}

impl<T: SoftwareSnapshotProvider + ShadowCopyDriver + Send> SoftwareProvider for T {}

/// Why a world file cannot become a world.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorldError {
    /// The text is not a valid world file.
    #[error("{0}")]
    Parse(String),
    /// The world file is valid but describes an impossible world.
    #[error("{0}")]
    Invalid(String),
}

/// A volume of a machine and its live blocks.
#[derive(Debug)]
pub(crate) struct Volume {
    /// `\\?\Volume{GUID}\`.
    pub name: String,
    /// Its drive letter or mount folder, `C:\`.
    pub mount: String,
    /// Its size in blocks.
    pub blocks: u64,
    /// Only the blocks ever written with something other than zeros.
    pub data: BTreeMap<u64, Block>,
}

/// A registered provider and its loaded instance.
pub(crate) struct Registered {
    pub prop: ProviderProp,
    pub provider: Box<dyn SoftwareProvider>,
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

    pub fn metadata(&self) -> WriterMetadata {
        WriterMetadata {
            writer_id: self.id,
            instance_id: self.instance,
            writer_name: self.name.clone(),
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
    pub volumes: Vec<Volume>,
    pub providers: Vec<Registered>,
    pub writers: Vec<Writer>,
    /// `MaxShadowCopies` for client-accessible shadow copies.
    pub max_shadow_copies: u32,
    /// The requester object whose creation is in progress, from `StartSnapshotSet` until
    /// `DoSnapshotSet` ends.
    pub creation_lock: Option<u64>,
    /// Exposed names (upper case, no trailing backslash) and the shadow copies behind them.
    pub exposures: BTreeMap<String, VssId>,
    /// Auto-release shadow copies and the requester object that made or imported them.
    pub owners: BTreeMap<VssId, u64>,
    pub provider_faults: Vec<ArmedFault>,
    /// Requester methods told to fail once, by lower-case name.
    pub service_faults: BTreeMap<String, HResult>,
}

/// The read side of a machine's volumes, for shadow copy drivers.
pub(crate) struct Live<'a>(pub &'a [Volume]);

impl LiveVolumes for Live<'_> {
    fn read_live(&self, volume: &str, block: u64) -> Block {
        self.0
            .iter()
            .find(|v| v.name == volume)
            .and_then(|v| v.data.get(&block).cloned())
            .unwrap_or_default()
    }
}

/// Where a requester object's shadow copy set stands.
#[derive(Debug, Clone)]
pub(crate) enum SetPhase {
    /// No `StartSnapshotSet` yet.
    None,
    /// Volumes are being added.
    Open(SetPlan),
    /// `DoSnapshotSet` was accepted and has not finished.
    Creating(SetPlan),
    /// The set was created.
    Created(SetPlan),
    /// Creation failed or was abandoned; the object cannot make another set.
    Failed(SetPlan),
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
    pub provider: usize,
}

/// One `IVssBackupComponents` instance.
#[derive(Debug)]
pub(crate) struct Requester {
    pub machine: usize,
    pub alive: bool,
    pub privileges: Privileges,
    pub hold_next_async: bool,
    pub initialized: bool,
    pub context: Context,
    pub context_set: bool,
    pub backup_state: Option<BackupStateArgs>,
    /// The writers whose metadata `GatherWriterMetadata` gathered.
    pub metadata: Option<Vec<WriterMetadata>>,
    pub writer_status: Option<Vec<WriterStatus>>,
    pub set: SetPhase,
    pub prepared_for_backup: bool,
    pub backup_completed: bool,
    /// `AbortBackup` ended the backup.
    pub aborted: bool,
    /// Whether `Query` was called before any set: such an object is a query object and
    /// cannot make a backup.
    pub queried: bool,
    /// Held operations of this object, not yet run; their effects are not there yet.
    pub pending: Vec<Work>,
    /// The document `InitializeForBackup` loaded, if any.
    pub loaded: Option<BackupComponentsDocument>,
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
    pub requester: u64,
    pub state: AsyncState,
}

/// The whole simulated world.
pub struct World {
    pub(crate) policy: Policy,
    ids: ChaCha8Rng,
    clock: VssTimestamp,
    pub(crate) machines: Vec<Machine>,
    pub(crate) requesters: BTreeMap<u64, Requester>,
    pub(crate) asyncs: BTreeMap<u64, AsyncOp>,
    next_object: u64,
    trace: Vec<TraceEvent>,
}

/// Parses `YYYY-MM-DD hh:mm:ss`.
fn parse_time(text: &str) -> Option<VssTimestamp> {
    let (date, time) = text.trim().split_once(' ')?;
    let d: Vec<&str> = date.split('-').collect();
    let t: Vec<&str> = time.split(':').collect();
    if d.len() != 3 || t.len() != 3 {
        return None;
    }
    let (y, mo, da) = (d[0].parse().ok()?, d[1].parse().ok()?, d[2].parse().ok()?);
    let (h, mi, s) = (t[0].parse().ok()?, t[1].parse().ok()?, t[2].parse().ok()?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let month_days = match mo {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    if !(1601..=9999).contains(&y)
        || !(1..=12).contains(&mo)
        || !(1..=month_days).contains(&da)
        || h > 23
        || mi > 59
        || s > 59
    {
        return None;
    }
    Some(VssTimestamp::from_utc(y, mo, da, h, mi, s))
}

/// Windows' default `MinDiffAreaFileSize`: 32 MiB below 500 MiB of volume, 320 MiB above.
fn default_min_diff_area(volume_size: ByteSize) -> u64 {
    if volume_size.0 < 500 << 20 {
        32 << 20
    } else {
        320 << 20
    }
}

/// Whether a name is a drive letter (`E:\`) or an absolute mount folder (`C:\Mount\E\`).
fn is_mount_point(name: &str) -> bool {
    let b = name.as_bytes();
    b.len() >= 3
        && b[0].is_ascii_alphabetic()
        && name[1..].starts_with(":\\")
        && name.ends_with('\\')
        && !name[2..].contains("\\\\")
}

/// Whether two mount names are the same (case and the trailing backslash aside).
pub(crate) fn same_mount(a: &str, b: &str) -> bool {
    a.trim_end_matches('\\')
        .eq_ignore_ascii_case(b.trim_end_matches('\\'))
}

impl World {
    /// Builds a world from a parsed world file.
    pub fn new(file: &WorldFile) -> Result<World, WorldError> {
        let clock = parse_time(&file.start_time).ok_or_else(|| {
            WorldError::Invalid(format!(
                "start_time `{}` is not a UTC time `YYYY-MM-DD hh:mm:ss`",
                file.start_time
            ))
        })?;
        file.policy.check().map_err(WorldError::Invalid)?;
        if file.machines.is_empty() {
            return Err(WorldError::Invalid(
                "a world needs at least one machine".into(),
            ));
        }
        let mut world = World {
            policy: file.policy.clone(),
            ids: ChaCha8Rng::seed_from_u64(file.seed),
            clock,
            machines: Vec::new(),
            requesters: BTreeMap::new(),
            asyncs: BTreeMap::new(),
            next_object: 0,
            trace: Vec::new(),
        };
        for m in &file.machines {
            if world
                .machines
                .iter()
                .any(|x| x.name.eq_ignore_ascii_case(&m.name))
            {
                return Err(WorldError::Invalid(format!(
                    "machine `{}` appears twice",
                    m.name
                )));
            }
            if !(1..=512).contains(&m.max_shadow_copies) {
                return Err(WorldError::Invalid(format!(
                    "machine `{}`: max_shadow_copies must be between 1 and 512",
                    m.name
                )));
            }
            let mut volumes = Vec::new();
            let mut specs = Vec::new();
            for v in &m.volumes {
                let mount = v.mount.clone();
                if !is_mount_point(&mount) {
                    return Err(WorldError::Invalid(format!(
                        "machine `{}`: volume mount `{mount}` is neither a drive letter (`E:\\`) nor a mount folder (`C:\\Mount\\Data\\`); both end with a backslash",
                        m.name
                    )));
                }
                if volumes
                    .iter()
                    .any(|x: &Volume| same_mount(&x.mount, &mount))
                {
                    return Err(WorldError::Invalid(format!(
                        "machine `{}`: `{mount}` is mounted twice",
                        m.name
                    )));
                }
                if v.size.0 < BLOCK_SIZE as u64 {
                    return Err(WorldError::Invalid(format!(
                        "machine `{}`: volume `{mount}` is smaller than one block ({BLOCK_SIZE} bytes)",
                        m.name
                    )));
                }
                let guid = v.guid.unwrap_or_else(|| world.new_id());
                let name = format!(r"\\?\Volume{guid}\");
                if volumes.iter().any(|x: &Volume| x.name == name) {
                    return Err(WorldError::Invalid(format!(
                        "machine `{}`: two volumes have the GUID {guid}",
                        m.name
                    )));
                }
                specs.push(VolumeSpec {
                    name: name.clone(),
                    ntfs: v.file_system.eq_ignore_ascii_case("NTFS"),
                    size_bytes: v.size.0,
                    diff_area: DiffAreaLimits {
                        max_bytes: v.diff_area.max.map(|s| s.0),
                        min_bytes: v
                            .diff_area
                            .min
                            .map_or_else(|| default_min_diff_area(v.size), |s| s.0),
                    },
                });
                volumes.push(Volume {
                    name,
                    mount,
                    blocks: v.size.0 / BLOCK_SIZE as u64,
                    data: BTreeMap::new(),
                });
            }
            let mut providers: Vec<Registered> = Vec::new();
            for kind in &m.providers {
                if m.providers
                    .iter()
                    .filter(|k| k.eq_ignore_ascii_case(kind))
                    .count()
                    > 1
                {
                    return Err(WorldError::Invalid(format!(
                        "machine `{}`: provider `{kind}` is registered twice",
                        m.name
                    )));
                }
                match kind.to_ascii_lowercase().as_str() {
                    "system" => providers.push(Registered {
                        prop: vss_sim_sw::provider_prop(),
                        provider: Box::new(SystemProvider::new(&m.name, specs.clone())),
                    }),
                    other => {
                        return Err(WorldError::Invalid(format!(
                            "machine `{}`: unknown provider kind `{other}` (known: system)",
                            m.name
                        )));
                    }
                }
            }
            let writers = m
                .writers
                .iter()
                .map(|w| Writer {
                    name: w.name.clone(),
                    id: w.id,
                    instance: world.new_id(),
                    state: WriterState::VSS_WS_STABLE,
                    failure: HResult::S_OK,
                    faults: BTreeMap::new(),
                })
                .collect();
            world.machines.push(Machine {
                name: m.name.clone(),
                volumes,
                providers,
                writers,
                max_shadow_copies: m.max_shadow_copies,
                creation_lock: None,
                exposures: BTreeMap::new(),
                owners: BTreeMap::new(),
                provider_faults: Vec::new(),
                service_faults: BTreeMap::new(),
            });
        }
        Ok(world)
    }

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

    /// A fresh handle number for a requester object or an asynchronous operation.
    pub(crate) fn new_object(&mut self) -> u64 {
        self.next_object += 1;
        self.next_object
    }

    pub(crate) fn record(&mut self, event: TraceEvent) {
        self.trace.push(event);
    }

    pub(crate) fn note(&mut self, machine: usize, text: impl Into<String>) {
        let machine = self.machines[machine].name.clone();
        self.record(TraceEvent::Note {
            machine,
            text: text.into(),
        });
    }

    /// Everything that happened underneath since the last call.
    pub fn take_trace(&mut self) -> Vec<TraceEvent> {
        std::mem::take(&mut self.trace)
    }

    /// The machines' names, in world-file order.
    pub fn machine_names(&self) -> Vec<String> {
        self.machines.iter().map(|m| m.name.clone()).collect()
    }

    pub(crate) fn machine_index(&self, name: &str) -> Result<usize, EnvError> {
        self.machines
            .iter()
            .position(|m| m.name.eq_ignore_ascii_case(name))
            .ok_or_else(|| EnvError::UnknownMachine(name.to_string()))
    }

    /// The volume a name designates: its mount point (`E:\`) or its `\\?\Volume{GUID}\` name.
    pub(crate) fn find_volume(&self, machine: usize, name: &str) -> Option<usize> {
        self.machines[machine]
            .volumes
            .iter()
            .position(|v| same_mount(&v.mount, name) || same_mount(&v.name, name))
    }

    /// `GetVolumeNameForVolumeMountPoint`.
    pub fn volume_name_for_mount_point(
        &self,
        machine: &str,
        mount: &str,
    ) -> Result<String, EnvError> {
        let m = self.machine_index(machine)?;
        self.find_volume(m, mount)
            .map(|v| self.machines[m].volumes[v].name.clone())
            .ok_or_else(|| EnvError::UnknownTarget {
                machine: machine.to_string(),
                target: mount.to_string(),
            })
    }

    /// The mount point of a `\\?\Volume{GUID}\` name, for messages.
    pub(crate) fn display_volume(&self, machine: usize, volume_name: &str) -> String {
        self.machines[machine]
            .volumes
            .iter()
            .find(|v| v.name == volume_name)
            .map_or_else(|| volume_name.to_string(), |v| v.mount.clone())
    }

    pub(crate) fn requester(&self, id: u64) -> &Requester {
        &self.requesters[&id]
    }

    pub(crate) fn requester_mut(&mut self, id: u64) -> &mut Requester {
        self.requesters
            .get_mut(&id)
            .expect("requester handles are never removed")
    }

    /// `CreateVssBackupComponents`.
    pub(crate) fn create_requester(&mut self, machine: usize) -> u64 {
        let id = self.new_object();
        self.requesters.insert(
            id,
            Requester {
                machine,
                alive: true,
                privileges: Privileges::Administrator,
                hold_next_async: false,
                initialized: false,
                context: Context::VSS_CTX_BACKUP,
                context_set: false,
                backup_state: None,
                metadata: None,
                writer_status: None,
                set: SetPhase::None,
                prepared_for_backup: false,
                backup_completed: false,
                aborted: false,
                queried: false,
                pending: Vec::new(),
                loaded: None,
            },
        );
        id
    }
}
