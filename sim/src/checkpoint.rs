//! A checkpoint of the simulated world: everything that decides what the world does next,
//! as data that can be saved (the state file) and read back into a simulator that behaves
//! as the one saved, call for call and byte for byte.
//!
//! It holds what changes as the world runs: the machines' volumes and their blocks, each
//! provider's own records (the system provider's diff areas and copies, the hardware
//! provider's last set), the array's LUNs, VSS's hardware copies and imported sets, exposed
//! names, armed faults, writers' states, the id generator's position, the clock and the
//! object counter. What never changes (the policy, the machines' names, settings, providers
//! and writers) comes from the world file the checkpoint is read with, and must agree with
//! it.
//!
//! A checkpoint is taken between runs, when no requester object is alive and no creation is
//! under way: requester objects and asynchronous operations belong to the process that made
//! them and are not part of it, so one taken while an object is alive is refused.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;
use serde::{Deserialize, Serialize};
use vss_model::lun::VdsLunInformation;
use vss_model::methods::Method;
use vss_model::{Block, HResult, SnapshotProp, VssId, VssTimestamp, WriterEvent, WriterState};
use vss_sim_hw::{
    Array, ArrayCheckpoint, HardwareProvider, HardwareProviderCheckpoint,
    LEGACY_HARDWARE_PROVIDER_ID, LunId,
};
use vss_sim_sw::{SystemProvider, SystemProviderCheckpoint};

use crate::Simulator;
use crate::handles::{LayoutId, MachineId, ProviderSlot};
use crate::machine_volumes::{MachineVolumes, Placement, Volume};
use crate::san::{Extent, Layout, Role};
use crate::software_copies::SoftwareCopy;
use crate::world::{ArmedFault, HwCopy, HwState, Instance, World};
use crate::world_file::WorldFile;

/// Why a world cannot be checkpointed, or a checkpoint cannot be read back: the text says
/// what, and names the machine, volume or provider at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct CheckpointError(pub String);

/// The simulated world at one moment between runs; see the [module documentation](self).
/// [`Simulator::checkpoint`] takes one and [`Simulator::from_checkpoint`] reads it back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorldCheckpoint {
    /// The id generator: its seed, stream and position.
    ids: SavedIds,
    /// The logical clock.
    clock: VssTimestamp,
    /// The last number given to a requester object or an asynchronous operation.
    next_object: u64,
    /// The transportable sets imported so far.
    imported_sets: BTreeSet<VssId>,
    /// The hardware shadow copies VSS keeps.
    hw_copies: BTreeMap<VssId, SavedHwCopy>,
    /// The software shadow copies VSS counted as their sets were made.
    sw_copies: BTreeMap<VssId, SavedSwCopy>,
    /// The array and the volumes laid out on it.
    san: SavedSan,
    /// The machines, in world-file order.
    machines: Vec<SavedMachine>,
}

/// Where the ChaCha generator of GUIDs stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SavedIds {
    /// The 32-byte seed, in hexadecimal.
    seed: String,
    stream: u64,
    /// The position in the stream, in 32-bit words (a decimal text: it is 68 bits wide).
    word_pos: String,
}

/// A software shadow copy as VSS counts it; the copy itself is its provider's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SavedSwCopy {
    machine: usize,
    set: VssId,
    provider: usize,
    volume_name: String,
    client_accessible: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SavedHwCopy {
    prop: SnapshotProp,
    pairs: Vec<(VdsLunInformation, VdsLunInformation, u64)>,
    state: SavedHwState,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
enum SavedHwState {
    /// Transportable, not imported yet: the index of the machine that made it.
    Transported { creator: usize },
    /// Surfaced on a machine (its index) as a layout (its index).
    Surfaced { machine: usize, layout: usize },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SavedSan {
    array: ArrayCheckpoint,
    layouts: Vec<SavedLayout>,
    left_behind: BTreeSet<LunId>,
    made_in_creation: Vec<LunId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SavedLayout {
    name: String,
    /// Each LUN of the volume with the blocks of the volume on it, in order.
    extents: Vec<(LunId, u64)>,
    blocks: u64,
    role: SavedRole,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
enum SavedRole {
    Original,
    Shadow(VssId),
    Broken,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SavedMachine {
    name: String,
    volumes: Vec<SavedVolume>,
    /// Each provider's own records, in registration order.
    providers: Vec<SavedProvider>,
    /// Each writer's instance and state, in world-file order.
    writers: Vec<SavedWriter>,
    exposures: BTreeMap<String, VssId>,
    provider_faults: Vec<SavedProviderFault>,
    /// Requester methods told to fail once, as `Interface::Method`.
    service_faults: BTreeMap<String, HResult>,
    last_volume_device: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SavedVolume {
    name: String,
    mount: Option<String>,
    device: String,
    blocks: u64,
    placement: SavedPlacement,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
enum SavedPlacement {
    /// On the local disk: the blocks written with something other than zeros.
    Local(BTreeMap<u64, Block>),
    /// On LUNs: the index of its layout.
    San(usize),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
enum SavedProvider {
    System(SystemProviderCheckpoint),
    Hardware(HardwareProviderCheckpoint),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SavedWriter {
    instance: VssId,
    state: WriterState,
    failure: HResult,
    faults: BTreeMap<WriterEvent, HResult>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SavedProviderFault {
    provider_id: Option<VssId>,
    /// `Interface::Method`.
    method: String,
    hr: HResult,
    after: u32,
    times: u32,
    seen: u32,
    fired: u32,
}

/// A method as a checkpoint names it: with its interface, as a provider method and a
/// requester method may share a name.
fn method_name(method: Method) -> String {
    format!("{}::{}", method.interface(), method.name())
}

fn method_named(name: &str) -> Result<Method, CheckpointError> {
    Method::from_name(name).ok_or_else(|| CheckpointError(format!("no method is named `{name}`")))
}

fn unhex32(text: &str) -> Option<[u8; 32]> {
    vss_model::hex::decode(text)?.try_into().ok()
}

impl Simulator {
    /// Ends a run kept in a state file: the array lets go of the names of the LUNs the run
    /// deleted ([`vss_sim_hw::Array::forget_deleted`]), so that what a state file holds, and
    /// what its later runs list, does not grow with every clone ever deleted. Called at the
    /// end of every run kept and of every run replayed, so both give the same world.
    pub fn end_kept_run(&self) {
        self.with_world(|world| world.san.array().forget_deleted());
    }

    /// A checkpoint of the simulator's world. Refused while a requester object is alive or
    /// a set is being created: those belong to a running process, not to the world kept.
    pub fn checkpoint(&self) -> Result<WorldCheckpoint, CheckpointError> {
        self.with_world(|world| world.checkpoint())
    }

    /// A simulator of the world `file` describes, in the state `checkpoint` holds. Refused,
    /// with what is wrong, when the checkpoint does not fit the world file (another number
    /// of machines, providers or writers) or holds a world that breaks the simulator's
    /// invariants.
    pub fn from_checkpoint(
        file: &WorldFile,
        checkpoint: &WorldCheckpoint,
    ) -> Result<Simulator, CheckpointError> {
        let world = World::from_checkpoint(file, checkpoint.clone())?;
        world.check_invariants().map_err(|broken| {
            CheckpointError(format!(
                "the world it holds breaks the simulator's rules: {}",
                broken.trim_end()
            ))
        })?;
        Ok(Simulator::from_world(world))
    }
}

impl World {
    fn checkpoint(&self) -> Result<WorldCheckpoint, CheckpointError> {
        if let Some((id, _)) = self.requesters.iter().find(|(_, r)| r.alive) {
            return Err(CheckpointError(format!(
                "requester object {id} is alive: a checkpoint is taken between runs"
            )));
        }
        // A deleted hardware copy's volume stays laid out, its LUNs handed back, and nothing
        // reaches it again: such layouts are left out (the others keep their order), so that
        // a checkpoint does not grow with every copy ever made.
        let surfaced: BTreeSet<LayoutId> = (self.hw_copies.values())
            .filter_map(|c| match c.state {
                HwState::Surfaced { layout, .. } => Some(layout),
                HwState::Transported { .. } => None,
            })
            .collect();
        let layout_index: BTreeMap<LayoutId, usize> = self
            .san
            .layouts
            .iter_enumerated()
            .filter(|(id, layout)| match layout.role {
                Role::Original | Role::Broken => true,
                Role::Shadow(copy) => {
                    self.hw_copies.contains_key(&copy)
                        || surfaced.contains(id)
                        || (self.machines.iter()).any(|m| m.volumes.on_layout(*id).is_some())
                }
            })
            .enumerate()
            .map(|(new, (old, _))| (old, new))
            .collect();
        let machines = self
            .machines
            .iter()
            .map(|m| {
                if m.creation_lock.is_some() || !m.owners.is_empty() {
                    return Err(CheckpointError(format!(
                        "machine `{}` is creating a set or has auto-release copies: a checkpoint is taken between runs",
                        m.name
                    )));
                }
                let providers = m
                    .providers
                    .iter()
                    .map(|r| save_provider(&r.instance, &m.name))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(SavedMachine {
                    name: m.name.clone(),
                    volumes: m
                        .volumes
                        .iter()
                        .map(|(_, v)| save_volume(v, &layout_index))
                        .collect(),
                    providers,
                    writers: m
                        .writers
                        .iter()
                        .map(|w| SavedWriter {
                            instance: w.instance,
                            state: w.state,
                            failure: w.failure,
                            faults: w.faults.clone(),
                        })
                        .collect(),
                    exposures: m.exposures.clone(),
                    provider_faults: m
                        .provider_faults
                        .iter()
                        .map(|f| SavedProviderFault {
                            provider_id: f.fault.provider_id,
                            method: method_name(f.fault.method),
                            hr: f.fault.hr,
                            after: f.fault.after,
                            times: f.fault.times,
                            seen: f.seen,
                            fired: f.fired,
                        })
                        .collect(),
                    service_faults: m
                        .service_faults
                        .iter()
                        .map(|(method, hr)| (method_name(*method), *hr))
                        .collect(),
                    last_volume_device: m.last_volume_device,
                })
            })
            .collect::<Result<Vec<_>, CheckpointError>>()?;
        let san = &self.san;
        Ok(WorldCheckpoint {
            ids: SavedIds {
                seed: vss_model::hex::encode(&self.ids.get_seed()),
                stream: self.ids.get_stream(),
                word_pos: self.ids.get_word_pos().to_string(),
            },
            clock: self.clock,
            next_object: self.next_object,
            imported_sets: self.imported_sets.clone(),
            sw_copies: self
                .sw_copies
                .iter()
                .map(|(id, copy)| {
                    let saved = SavedSwCopy {
                        machine: copy.machine.into(),
                        set: copy.set,
                        provider: copy.provider.into(),
                        volume_name: copy.volume_name.clone(),
                        client_accessible: copy.client_accessible,
                    };
                    (id, saved)
                })
                .collect(),
            hw_copies: self
                .hw_copies
                .iter()
                .map(|(id, copy)| {
                    let state = match copy.state {
                        HwState::Transported { creator } => SavedHwState::Transported {
                            creator: creator.into(),
                        },
                        HwState::Surfaced { machine, layout } => SavedHwState::Surfaced {
                            machine: machine.into(),
                            layout: layout_index[&layout],
                        },
                    };
                    let saved = SavedHwCopy {
                        prop: copy.prop.clone(),
                        pairs: copy.pairs.clone(),
                        state,
                    };
                    (*id, saved)
                })
                .collect(),
            san: SavedSan {
                array: san.array().checkpoint(),
                layouts: san
                    .layouts
                    .iter_enumerated()
                    .filter(|(id, _)| layout_index.contains_key(id))
                    .map(|(_, l)| SavedLayout {
                        name: l.name.clone(),
                        extents: l
                            .extents
                            .iter()
                            .map(|e| (e.lun.clone(), e.blocks))
                            .collect(),
                        blocks: l.blocks,
                        role: match l.role {
                            Role::Original => SavedRole::Original,
                            Role::Shadow(id) => SavedRole::Shadow(id),
                            Role::Broken => SavedRole::Broken,
                        },
                    })
                    .collect(),
                left_behind: san.left_behind.clone(),
                made_in_creation: san.made_in_creation.clone(),
            },
            machines,
        })
    }

    fn from_checkpoint(file: &WorldFile, saved: WorldCheckpoint) -> Result<World, CheckpointError> {
        let wrong = |text: String| CheckpointError(text);
        let mut world =
            World::new(file).map_err(|e| wrong(format!("the world does not build: {e}")))?;
        if saved.machines.len() != world.machines.len() {
            return Err(wrong(format!(
                "it holds {} machines, the world {}",
                saved.machines.len(),
                world.machines.len()
            )));
        }
        let layouts = saved.san.layouts.len();
        let machines = world.machines.len();
        let seed = unhex32(&saved.ids.seed)
            .ok_or_else(|| wrong("`ids.seed` must be 64 hexadecimal digits".into()))?;
        let word_pos: u128 = saved
            .ids
            .word_pos
            .parse()
            .map_err(|_| wrong("`ids.word_pos` must be a whole number, as text".into()))?;
        let mut ids = ChaCha8Rng::from_seed(seed);
        ids.set_stream(saved.ids.stream);
        ids.set_word_pos(word_pos);
        world.ids = ids;
        world.clock = saved.clock;
        world.next_object = saved.next_object;
        world.imported_sets = saved.imported_sets;
        let array = Array::from_checkpoint(saved.san.array).map_err(wrong)?;
        *world.san.array() = array;
        world.san.layouts = saved
            .san
            .layouts
            .into_iter()
            .map(|l| Layout {
                name: l.name,
                extents: l
                    .extents
                    .into_iter()
                    .map(|(lun, blocks)| Extent { lun, blocks })
                    .collect(),
                blocks: l.blocks,
                role: match l.role {
                    SavedRole::Original => Role::Original,
                    SavedRole::Shadow(id) => Role::Shadow(id),
                    SavedRole::Broken => Role::Broken,
                },
            })
            .collect();
        for (id, copy) in saved.sw_copies {
            let known = copy.machine < machines
                && copy.provider
                    < world.machines[MachineId::from(copy.machine)]
                        .providers
                        .len();
            if !known {
                return Err(CheckpointError(format!(
                    "the software copy {id} is on a machine or provider the world does not have"
                )));
            }
            let counted = SoftwareCopy {
                machine: MachineId::from(copy.machine),
                set: copy.set,
                provider: ProviderSlot::from(copy.provider),
                volume_name: copy.volume_name,
                client_accessible: copy.client_accessible,
            };
            world.sw_copies.add(id, counted);
        }
        world.san.left_behind = saved.san.left_behind;
        world.san.made_in_creation = saved.san.made_in_creation;
        world.hw_copies = saved
            .hw_copies
            .into_iter()
            .map(|(id, copy)| {
                let state = match copy.state {
                    SavedHwState::Transported { creator } if creator < machines => {
                        HwState::Transported {
                            creator: MachineId::from(creator),
                        }
                    }
                    SavedHwState::Surfaced { machine, layout }
                        if machine < machines && layout < layouts =>
                    {
                        HwState::Surfaced {
                            machine: MachineId::from(machine),
                            layout: LayoutId::from(layout),
                        }
                    }
                    _ => {
                        return Err(wrong(format!(
                            "hardware copy {id} names a machine or layout the world does not have"
                        )));
                    }
                };
                let copy = HwCopy {
                    prop: copy.prop,
                    pairs: copy.pairs,
                    state,
                };
                Ok((id, copy))
            })
            .collect::<Result<_, _>>()?;
        let array = Arc::clone(&world.san.array);
        let abilities = world.san.abilities;
        let revert_deletes = world.policy.revert_deletes;
        for (machine, saved) in world.machines.iter_mut().zip(saved.machines) {
            let name = machine.name.clone();
            let at = |what: String| wrong(format!("machine `{name}`: {what}"));
            if !saved.name.eq_ignore_ascii_case(&name) {
                return Err(at(format!(
                    "it is named `{}` in the checkpoint",
                    saved.name
                )));
            }
            if saved.providers.len() != machine.providers.len()
                || saved.writers.len() != machine.writers.len()
            {
                return Err(at(
                    "it has other providers or writers than the world file gives it".into(),
                ));
            }
            machine.volumes = saved
                .volumes
                .into_iter()
                .map(|v| {
                    let placement = match v.placement {
                        SavedPlacement::Local(blocks) => Placement::Local(blocks),
                        SavedPlacement::San(l) if l < layouts => Placement::San(LayoutId::from(l)),
                        SavedPlacement::San(l) => {
                            return Err(at(format!(
                                "volume `{}` lies on layout {l}, which the SAN does not have",
                                v.name
                            )));
                        }
                    };
                    Ok(Volume::new(v.name, v.mount, v.device, v.blocks, placement))
                })
                .collect::<Result<Vec<_>, _>>()?
                .into_iter()
                .fold(MachineVolumes::default(), |mut all, v| {
                    all.add(v);
                    all
                });
            for (registered, provider) in machine.providers.iter_mut().zip(saved.providers) {
                registered.instance = match (&registered.instance, provider) {
                    (Instance::Software(_), SavedProvider::System(p)) => {
                        Instance::Software(Box::new(
                            SystemProvider::from_checkpoint(&name, p)
                                .with_revert_deletes(revert_deletes),
                        ))
                    }
                    (Instance::Hardware(_), SavedProvider::Hardware(p)) => {
                        let legacy = registered.prop.provider_id == LEGACY_HARDWARE_PROVIDER_ID;
                        Instance::Hardware(Box::new(HardwareProvider::from_checkpoint(
                            &name,
                            Arc::clone(&array),
                            abilities,
                            legacy,
                            p,
                        )))
                    }
                    _ => {
                        return Err(at(format!(
                            "provider `{}` is of another kind in the checkpoint",
                            registered.prop.provider_name
                        )));
                    }
                };
            }
            for (writer, saved) in machine.writers.iter_mut().zip(saved.writers) {
                writer.instance = saved.instance;
                writer.state = saved.state;
                writer.failure = saved.failure;
                writer.faults = saved.faults;
            }
            machine.exposures = saved.exposures;
            machine.provider_faults = saved
                .provider_faults
                .into_iter()
                .map(|f| {
                    Ok(ArmedFault {
                        fault: vss_model::backend::ProviderFault {
                            provider_id: f.provider_id,
                            method: method_named(&f.method).map_err(|e| at(e.0))?,
                            hr: f.hr,
                            after: f.after,
                            times: f.times,
                        },
                        seen: f.seen,
                        fired: f.fired,
                    })
                })
                .collect::<Result<_, _>>()?;
            machine.service_faults = saved
                .service_faults
                .into_iter()
                .map(|(method, hr)| Ok((method_named(&method).map_err(|e| at(e.0))?, hr)))
                .collect::<Result<_, _>>()?;
            machine.last_volume_device = saved.last_volume_device;
        }
        Ok(world)
    }
}

/// A volume as saved, its layout numbered as the checkpoint numbers the layouts it keeps.
fn save_volume(v: &Volume, layout_index: &BTreeMap<LayoutId, usize>) -> SavedVolume {
    SavedVolume {
        name: v.name.clone(),
        mount: v.mount().map(str::to_string),
        device: v.device.clone(),
        blocks: v.blocks,
        placement: match &v.placement {
            Placement::Local(blocks) => SavedPlacement::Local(blocks.clone()),
            Placement::San(l) => SavedPlacement::San(layout_index[l]),
        },
    }
}

/// A provider's own records, for the providers a world file can register: the system
/// provider and the array's hardware provider.
fn save_provider(instance: &Instance, machine: &str) -> Result<SavedProvider, CheckpointError> {
    let unknown = || {
        CheckpointError(format!(
            "machine `{machine}` runs a provider a world file cannot register, which a checkpoint cannot hold"
        ))
    };
    match instance {
        Instance::Software(p) => {
            let any: &dyn std::any::Any = &**p;
            any.downcast_ref::<SystemProvider>()
                .map(|p| SavedProvider::System(p.checkpoint()))
                .ok_or_else(unknown)
        }
        Instance::Hardware(p) => {
            let any: &dyn std::any::Any = &**p;
            any.downcast_ref::<HardwareProvider>()
                .map(|p| SavedProvider::Hardware(p.checkpoint()))
                .ok_or_else(unknown)
        }
    }
}
