//! What must hold of a world between any two calls, checked by the world itself.
//!
//! The property tests check the same rules from outside, through the backend's API and
//! against the reference model; here the simulator states them over its own insides, so
//! that a break shows at the call that made it, with what broke. Debug builds check after
//! every requester call, `IVssAsync` call, release and environment step
//! ([`Simulator`](crate::Simulator) does it); the cost is the size of the world, which a
//! release build does not pay.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use vss_model::VssId;
use vss_model::lifecycle::RequesterPhase;
use vss_sim_hw::{LunId, Origin};

use crate::handles::MachineId;
use crate::machine_volumes::Placement;
use crate::san::Role;
use crate::world::{AsyncState, HwState, Work, World};

impl World {
    /// Checks the world's invariants; the error says every one that does not hold.
    ///
    /// - **The creation lock**: a machine's lock is held by the one live object of that
    ///   machine whose set is open or being created, and by nothing else.
    /// - **Originals untouched**: every LUN of the world file is still on the array, an
    ///   original, with the disk identity it was provisioned with.
    /// - **Every LUN accounted for**: every clone on the array is a shadow LUN of a
    ///   hardware copy VSS keeps, a LUN of a volume laid out on the SAN (surfaced or
    ///   broken), or one VSS left behind when a provider refused to take it back.
    /// - **Copies consistent with the providers**: a surfaced hardware copy is a volume of
    ///   the machine that serves it, and every shadow volume a machine has is a copy VSS
    ///   keeps; every software copy VSS counts is one its provider keeps; every exposed
    ///   name and every auto-release owner names a copy that exists, kept by VSS or by a
    ///   software provider of that machine.
    /// - **One revert at a time**: no volume is reverted by two providers at once, and an
    ///   operation that follows a revert names a volume its object's machine has.
    pub fn check_invariants(&self) -> Result<(), String> {
        let mut broken = String::new();
        self.check_creation_locks(&mut broken);
        self.check_luns(&mut broken);
        self.check_copies(&mut broken);
        self.check_reverts(&mut broken);
        if broken.is_empty() {
            Ok(())
        } else {
            Err(broken)
        }
    }

    fn check_creation_locks(&self, broken: &mut String) {
        for (m, machine) in self.machines.iter_enumerated() {
            let building: Vec<_> = self
                .requesters
                .iter()
                .filter(|(_, r)| r.machine == m && r.alive)
                .filter(|(_, r)| {
                    matches!(
                        r.phase,
                        RequesterPhase::SetOpen(_) | RequesterPhase::Creating(_)
                    )
                })
                .map(|(id, _)| *id)
                .collect();
            let held: Vec<_> = machine.creation_lock.into_iter().collect();
            if building != held {
                let _ = writeln!(
                    broken,
                    "{}: the creation lock is held by {held:?}, the objects building a set are {building:?}",
                    machine.name
                );
            }
        }
        for (id, r) in &self.requesters {
            let open = matches!(
                r.phase,
                RequesterPhase::SetOpen(_) | RequesterPhase::Creating(_)
            );
            if !r.alive && open {
                let _ = writeln!(broken, "{id} is released with its set still open");
            }
        }
    }

    fn check_luns(&self, broken: &mut String) {
        let array = self.san.array();
        for (name, identity) in &self.san.originals {
            match array.lun(name) {
                None => {
                    let _ = writeln!(broken, "the original LUN {name} is gone");
                }
                Some(lun) if lun.identity != *identity || lun.origin != Origin::Provisioned => {
                    let _ = writeln!(broken, "the original LUN {name} changed its identity");
                }
                Some(_) => {}
            }
        }
        // A shadow copy's volume stays laid out after the copy is deleted, its LUNs handed
        // back: only originals, broken volumes and live copies' volumes hold LUNs.
        let in_use = |role: Role| match role {
            Role::Original | Role::Broken => true,
            Role::Shadow(id) => self.hw_copies.contains_key(&id),
        };
        let mut claimed: BTreeSet<&LunId> = self
            .san
            .layouts
            .iter()
            .filter(|l| in_use(l.role))
            .flat_map(|l| &l.extents)
            .map(|e| &e.lun)
            .collect();
        for (id, copy) in &self.hw_copies {
            for (_, shadow, _) in &copy.pairs {
                match array.find(shadow) {
                    Some(lun) => {
                        claimed.insert(&lun.id);
                    }
                    None => {
                        let _ = writeln!(broken, "a shadow LUN of the live copy {id} is gone");
                    }
                }
            }
        }
        for lun in array.luns() {
            let clone = matches!(lun.origin, Origin::Clone { .. });
            if clone && !claimed.contains(&lun.id) && !self.san.left_behind.contains(&lun.id) {
                let _ = writeln!(broken, "the clone {} is no copy's and no volume's", lun.id);
            }
        }
    }

    fn check_copies(&self, broken: &mut String) {
        for (id, copy) in self.sw_copies.iter() {
            let machine = &self.machines[copy.machine];
            let kept = machine.providers[copy.provider]
                .instance
                .driver_ref()
                .and_then(|driver| driver.device_of(id))
                .is_some();
            if !kept {
                let _ = writeln!(
                    broken,
                    "{}: the software copy {id} is counted but its provider has it no more",
                    machine.name
                );
            }
        }
        for (id, copy) in &self.hw_copies {
            let HwState::Surfaced { machine, layout } = copy.state else {
                continue;
            };
            let name = &self.machines[machine].name;
            if !copy.prop.service_machine.eq_ignore_ascii_case(name) {
                let _ = writeln!(
                    broken,
                    "the copy {id} is surfaced on {name}, which does not serve it"
                );
            }
            let attached = self.machines[machine].volumes.on_layout(layout).is_some();
            if !attached || self.san.layouts[layout].role != Role::Shadow(*id) {
                let _ = writeln!(broken, "the copy {id} is not the volume it was surfaced as");
            }
        }
        for (m, machine) in self.machines.iter_enumerated() {
            for (_, volume) in machine.volumes.iter() {
                if let Placement::San(l) = volume.placement
                    && let Role::Shadow(id) = self.san.layouts[l].role
                    && !self.hw_copies.contains_key(&id)
                {
                    let _ = writeln!(
                        broken,
                        "{}: the shadow volume {} is no live copy's",
                        machine.name, volume.name
                    );
                }
            }
            for (name, id) in &machine.exposures {
                if !self.copy_exists(m, *id) {
                    let _ = writeln!(
                        broken,
                        "{}: {name} exposes {id}, which does not exist",
                        machine.name
                    );
                }
            }
            for id in machine.owners.keys() {
                if !self.copy_exists(m, *id) {
                    let _ = writeln!(
                        broken,
                        "{}: the auto-release copy {id} does not exist",
                        machine.name
                    );
                }
            }
        }
    }

    fn check_reverts(&self, broken: &mut String) {
        for machine in &self.machines {
            for (_, volume) in machine.volumes.iter() {
                let reverting = machine
                    .providers
                    .iter()
                    .filter_map(|p| p.instance.driver_ref())
                    .filter(|d| d.reverting(&volume.name).is_some())
                    .count();
                if reverting > 1 {
                    let _ = writeln!(
                        broken,
                        "{}: {} is reverted by {reverting} providers at once",
                        machine.name, volume.name
                    );
                }
            }
        }
        for (id, op) in &self.asyncs {
            if let AsyncState::Pending(Work::Revert(v)) = op.state {
                let machine = &self.machines[self.requesters[&op.requester].machine];
                if !machine.volumes.slots().contains(&v) {
                    let _ = writeln!(
                        broken,
                        "{}: operation {id:?} follows the revert of a volume it does not have",
                        machine.name
                    );
                }
            }
        }
    }

    /// Whether a shadow copy exists for machine `m`: a hardware copy VSS keeps, or a copy a
    /// software provider of the machine serves.
    fn copy_exists(&self, m: MachineId, id: VssId) -> bool {
        self.hw_copies.contains_key(&id)
            || self.machines[m]
                .providers
                .iter()
                .filter_map(|p| p.instance.driver_ref())
                .any(|driver| driver.device_of(id).is_some())
    }
}

#[cfg(test)]
mod tests {
    use vss_sim_hw::CloneKind;

    use super::*;
    use crate::handles::RequesterId;
    use crate::world_file::default_world;

    fn world() -> World {
        let world = World::new(default_world()).expect("the default world builds");
        assert_eq!(world.check_invariants(), Ok(()));
        world
    }

    fn broken(world: &World) -> String {
        world
            .check_invariants()
            .expect_err("the check finds the break")
    }

    #[test]
    fn a_creation_lock_no_object_holds_is_found() {
        let mut w = world();
        let hosta = w.machine_index("HOSTA").expect("HOSTA");
        w.machines[hosta].creation_lock = Some(RequesterId(99));
        assert!(broken(&w).contains("creation lock is held by [RequesterId(99)]"));
    }

    #[test]
    fn a_lost_original_and_a_stray_clone_are_found() {
        let w = world();
        w.san
            .array()
            .clone_lun("LUN-E", CloneKind::Plex)
            .expect("cloned");
        let text = broken(&w);
        assert!(text.contains("is no copy's and no volume's"), "{text}");
        let w = world();
        w.san.array().delete("LUN-F").expect("deleted");
        assert!(broken(&w).contains("the original LUN LUN-F is gone"));
    }

    #[test]
    fn an_exposure_or_owner_of_no_copy_is_found() {
        let mut w = world();
        let hosta = w.machine_index("HOSTA").expect("HOSTA");
        let gone = VssId::from_u128(7);
        w.machines[hosta].exposures.insert("X:".into(), gone);
        w.machines[hosta].owners.insert(gone, RequesterId(1));
        let text = broken(&w);
        assert!(text.contains("X: exposes"), "{text}");
        assert!(text.contains("the auto-release copy"), "{text}");
    }
}
