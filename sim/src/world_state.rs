//! What a world holds at one moment: the array's LUNs and the machines' shadow copies, as a
//! storage administrator and VSS see them.
//!
//! [`WorldState::capture`] only reads, so a front end that drives the simulator its own way
//! (a scenario file, a DiskShadow script) can take one after each of its steps and compare
//! them; the timeline diagrams of `vss-sim diagram` are drawn from such captures.

use std::collections::BTreeMap;

use vss_model::VssId;

use crate::Simulator;
use crate::handles::MachineId;
use crate::san::Role;
use crate::world::{HwState, World};

/// What a LUN is to VSS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LunRole {
    /// A LUN of the world file: it holds (part of) an original volume.
    Original,
    /// A LUN of a hardware shadow copy VSS keeps.
    ShadowCopy {
        /// The shadow copy.
        snapshot: VssId,
        /// The copy is transportable and not imported yet: no machine's VSS has it
        /// surfaced, and its LUN is masked until an import.
        transported: bool,
    },
    /// A LUN of a broken set: an ordinary disk now, which VSS no longer knows.
    Broken,
    /// A clone no shadow copy claims: left behind when a provider refused to take its
    /// LUNs back or to discard an aborted set.
    Unclaimed,
    /// Deleted from the array: its provider reclaimed it.
    Deleted,
}

/// A LUN of the array, as the storage administrator and VSS see it at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArrayLun {
    /// Its name on the array (`LUN-E`, `LUN-E.5`).
    pub name: String,
    /// What it is to VSS.
    pub role: LunRole,
    /// The machines it is unmasked to, in the array's order.
    pub visible_to: Vec<String>,
    /// Whether its volumes are read-only.
    pub read_only: bool,
    /// Whether its volumes are hidden (no drive letter is given to them).
    pub hidden: bool,
    /// Its disk identity: `MBR xxxxxxxx` or `GPT {…}` (empty once deleted).
    pub identity: String,
    /// The LUN it was cloned from, for a clone.
    pub clone_of: Option<String>,
    /// How a clone holds its data: `differential` or `plex`.
    pub clone_kind: Option<&'static str>,
}

/// A shadow copy that exists at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShadowCopyView {
    /// The machine whose VSS has it: the one it is surfaced on or, for a transported copy
    /// not imported yet, the one that made it.
    pub machine: String,
    /// `m_SnapshotId`.
    pub id: VssId,
    /// `m_SnapshotSetId`.
    pub set: VssId,
    /// The original volume: its machine and drive letter (`HOSTA E:\`).
    pub original: String,
    /// Made by a hardware provider (on LUNs), rather than by a software one.
    pub hardware: bool,
    /// A transportable copy not imported yet.
    pub transported: bool,
    /// Its device object (`\\?\GLOBALROOT\Device\…`); empty for a transported copy.
    pub device: String,
    /// The drive letter or folder it is exposed as, if it is.
    pub exposed: Option<String>,
}

/// The array's LUNs and the machines' shadow copies at one moment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorldState {
    /// Every LUN the array has or had, by name.
    pub luns: Vec<ArrayLun>,
    /// Every shadow copy, by machine (in the world's order), original volume and id.
    pub shadow_copies: Vec<ShadowCopyView>,
}

impl WorldState {
    /// What the simulator's world holds now. It only reads: no provider is called, nothing
    /// reaches the trace, and no id or clock tick is used, so capturing between steps
    /// changes nothing of the run.
    pub fn capture(sim: &Simulator) -> WorldState {
        sim.with_world(|world| capture(world))
    }
}

/// What a world holds now ([`WorldState::capture`]).
fn capture(world: &World) -> WorldState {
    let mut roles: BTreeMap<String, LunRole> = BTreeMap::new();
    let san = &world.san;
    for (id, copy) in &world.hw_copies {
        match copy.state {
            HwState::Surfaced { layout, .. } => {
                for extent in &san.layouts[layout].extents {
                    let role = LunRole::ShadowCopy {
                        snapshot: *id,
                        transported: false,
                    };
                    roles.insert(extent.lun.to_string(), role);
                }
            }
            HwState::Transported { .. } => {
                let array = san.array();
                for (_, shadow, _) in &copy.pairs {
                    if let Some(lun) = array.find(shadow) {
                        let role = LunRole::ShadowCopy {
                            snapshot: *id,
                            transported: true,
                        };
                        roles.insert(lun.id.to_string(), role);
                    }
                }
            }
        }
    }
    for layout in san.layouts.iter().filter(|l| l.role == Role::Broken) {
        for extent in &layout.extents {
            roles
                .entry(extent.lun.to_string())
                .or_insert(LunRole::Broken);
        }
    }
    let luns = world
        .lun_states()
        .into_iter()
        .map(|lun| {
            let role = match (lun.deleted, roles.get(&lun.name), &lun.clone_of) {
                (true, _, _) => LunRole::Deleted,
                (false, Some(role), _) => *role,
                (false, None, None) => LunRole::Original,
                (false, None, Some(_)) => LunRole::Unclaimed,
            };
            ArrayLun {
                name: lun.name,
                role,
                visible_to: lun.visible_to,
                read_only: lun.read_only,
                hidden: lun.hidden,
                identity: lun.identity,
                clone_of: lun.clone_of,
                clone_kind: lun.clone_kind,
            }
        })
        .collect();
    WorldState {
        luns,
        shadow_copies: shadow_copies(world),
    }
}

/// Every shadow copy of the world. Hardware copies are VSS's own record; software copies
/// are the ones VSS counted when their sets were made, with their device asked of their
/// provider's driver, whose `device_of` only reads.
fn shadow_copies(world: &World) -> Vec<ShadowCopyView> {
    let mut found: Vec<(MachineId, ShadowCopyView)> = Vec::new();
    let exposed = |m: MachineId, id: VssId| {
        world.machines[m]
            .exposures
            .iter()
            .find(|(_, copy)| **copy == id)
            .map(|(name, _)| name.clone())
    };
    for (id, copy) in &world.hw_copies {
        let (m, transported) = match copy.state {
            HwState::Surfaced { machine, .. } => (machine, false),
            HwState::Transported { creator } => (creator, true),
        };
        let origin = &copy.prop.originating_machine;
        let original = match world.machine_index(origin) {
            Ok(o) => format!(
                "{origin} {}",
                world.display_volume(o, &copy.prop.original_volume_name)
            ),
            Err(_) => format!("{origin} {}", copy.prop.original_volume_name),
        };
        found.push((
            m,
            ShadowCopyView {
                machine: world.machines[m].name.clone(),
                id: *id,
                set: copy.prop.snapshot_set_id,
                original,
                hardware: true,
                transported,
                device: copy.prop.snapshot_device_object.clone(),
                exposed: exposed(m, *id),
            },
        ));
    }
    for (id, copy) in world.sw_copies.iter() {
        let m = copy.machine;
        let device = world.machines[m].providers[copy.provider]
            .instance
            .driver_ref()
            .and_then(|driver| driver.device_of(id));
        let Some(device) = device else { continue };
        found.push((
            m,
            ShadowCopyView {
                machine: world.machines[m].name.clone(),
                id,
                set: copy.set,
                original: format!(
                    "{} {}",
                    world.machines[m].name,
                    world.display_volume(m, &copy.volume_name)
                ),
                hardware: false,
                transported: false,
                device,
                exposed: exposed(m, id),
            },
        ));
    }
    found.sort_by(|(a, x), (b, y)| (a, &x.original, x.id).cmp(&(b, &y.original, y.id)));
    found.into_iter().map(|(_, copy)| copy).collect()
}

#[cfg(test)]
mod tests {
    use vss_model::backend::{Backend, BackupComponents, INFINITE, VssAsync};
    use vss_model::{Context, VssId};

    use super::*;
    use crate::world_file::default_world;

    /// Software copies are VSS's own record, not a requester object's: a world restored
    /// from a checkpoint, where no object of the run that made them is left, still lists
    /// them, and still counts them.
    #[test]
    fn software_copies_of_earlier_runs_are_listed_and_counted_after_a_restore() {
        let sim = Simulator::default_world();
        let mut r = sim.create_backup_components("HOSTA").unwrap();
        r.initialize_for_backup(None).unwrap();
        r.set_context(Context::VSS_CTX_NAS_ROLLBACK).unwrap();
        r.start_snapshot_set().unwrap();
        let id = r.add_to_snapshot_set("C:\\", VssId::NULL).unwrap();
        r.do_snapshot_set().unwrap().wait(INFINITE);
        drop(r);
        let before = WorldState::capture(&sim);
        assert_eq!(before.shadow_copies.len(), 1);
        assert_eq!(before.shadow_copies[0].id, id);

        let checkpoint = sim.checkpoint().unwrap();
        let restored = Simulator::from_checkpoint(default_world(), &checkpoint).unwrap();
        assert_eq!(WorldState::capture(&restored), before);
        restored.with_world(|w| {
            let m = w.machine_index("HOSTA").unwrap();
            let volume = w.volume_name_for_mount_point("HOSTA", "C:\\").unwrap();
            let counted: usize = (w.machines[m].providers.keys())
                .map(|p| w.sw_copies.count(m, p, &volume).all)
                .sum();
            assert_eq!(counted, 1);
        });
    }
}
