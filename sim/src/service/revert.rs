//! Reverting a volume to one of its shadow copies (`RevertToSnapshot`) and following the
//! revert (`QueryRevertStatus`), as Windows Server does it: for a software provider's
//! persistent copies only, through the provider that made them. The volume is dismounted,
//! takes back the copy's blocks, and loses the shadow copies the revert takes with it; the
//! revert survives a restart and cannot be cancelled.
//!
//! A revert runs to its end within `RevertToSnapshot`, unless the object was told to hold
//! it: it then stays in progress, the volume dismounted, until an operation that follows it
//! is waited on, or its machine restarts.

use vss_model::backend::VssResult;
use vss_model::methods::Method;
use vss_model::{HResult, SnapshotAttributes as A, VssId};

use crate::handles::{AsyncId, MachineId, RequesterId, VolumeSlot};
use crate::service::Keeper;
use crate::world::{AsyncState, Work, World};

impl World {
    /// `RevertToSnapshot(SnapshotId, bForceDismount)`. The checks are VSS's own, made on
    /// what it knows of the copy and the volume before it asks the provider.
    pub(crate) fn revert_to_snapshot(
        &mut self,
        req: RequesterId,
        id: VssId,
        force_dismount: bool,
    ) -> VssResult {
        // The hold is for this call only, whatever becomes of it.
        let hold = std::mem::take(&mut self.requester_mut(req).hold_next_async);
        let m = self.begin_call(req, Method::RevertToSnapshot)?;
        if !self.requester(req).phase.is_initialized() {
            return Err(self.policy.uninitialized_administration);
        }
        if id.is_null() {
            return Err(HResult::E_INVALIDARG);
        }
        if self.in_creation(m, id) {
            return Err(HResult::VSS_E_OBJECT_NOT_FOUND);
        }
        let context = self.administration_context(req);
        let (keeper, prop) = self.find_copy(m, id, context)?;
        if !prop
            .snapshot_attributes
            .contains(A::VSS_VOLSNAP_ATTR_PERSISTENT)
        {
            self.note(m, format!("shadow copy {id} is not persistent: no revert"));
            return Err(HResult::VSS_E_UNSUPPORTED_CONTEXT);
        }
        let Keeper::Provider(p) = keeper else {
            self.note(
                m,
                format!("shadow copy {id} is a hardware provider's, which has no revert"),
            );
            return Err(HResult::E_NOTIMPL);
        };
        let name = prop.original_volume_name;
        let shown = self.display_volume(m, &name);
        if let Some(other) = self.reverting(m, &name) {
            self.note(m, format!("{shown} is being reverted to {other} already"));
            return Err(HResult::VSS_E_REVERT_IN_PROGRESS);
        }
        let Some(v) = self.writable_volume(m, &name) else {
            self.note(
                m,
                format!("{shown} cannot be written here (read-only, or its LUNs masked)"),
            );
            return Err(HResult::VSS_E_VOLUME_NOT_SUPPORTED);
        };
        let blocked = self.machines[m].writers_block_revert.contains(&name);
        if blocked && self.policy.blocked_revert.is_failure() {
            self.note(m, format!("writers block a revert of {shown}"));
            return Err(self.policy.blocked_revert);
        }
        let in_use = self.machines[m].in_use.contains(&name);
        if in_use && !force_dismount {
            self.note(m, format!("{shown} is in use and cannot be locked"));
            return Err(HResult::VSS_E_VOLUME_IN_USE);
        }
        let method = Method::SoftwareRevertToSnapshot;
        self.call_provider(m, p, method, id.to_string(), |pr| pr.revert_to_snapshot(id))
            .map_err(|hr| self.provider_revert_code(m, method, hr))?;
        let how = if in_use {
            " by force, though in use"
        } else {
            ""
        };
        self.note(
            m,
            format!("{shown} dismounted{how}: its revert to {id} is in progress"),
        );
        if hold {
            self.note(
                m,
                format!(
                    "the revert of {shown} is held until an operation following it is waited on"
                ),
            );
            return Ok(());
        }
        self.finish_revert(m, v)
            .expect("the volume was checked writable just now");
        Ok(())
    }

    /// `QueryRevertStatus(pwszVolume, &ppAsync)`: asks the machine's software providers in
    /// turn; the first that is reverting the volume gives the operation that follows it.
    pub(crate) fn query_revert_status(
        &mut self,
        req: RequesterId,
        volume: &str,
    ) -> VssResult<AsyncId> {
        // Whether the operation is waited on is the caller's to choose; the revert's end is
        // the revert's own.
        self.requester_mut(req).hold_next_async = false;
        let m = self.begin_call(req, Method::QueryRevertStatus)?;
        if !self.requester(req).phase.is_initialized() {
            return Err(self.policy.uninitialized_administration);
        }
        if !volume.ends_with('\\') {
            return Err(HResult::E_INVALIDARG);
        }
        let v = self
            .find_volume(m, volume)
            .ok_or(HResult::VSS_E_OBJECT_NOT_FOUND)?;
        let name = self.machines[m].volumes[v].name.clone();
        let providers = self.software_providers(m);
        if providers.is_empty() {
            self.note(m, "no software provider is registered: nothing can revert");
            return Err(HResult::E_NOTIMPL);
        }
        let method = Method::SoftwareQueryRevertStatus;
        let mut supported = false;
        for p in providers {
            match self.call_provider(m, p, method, name.clone(), |pr| {
                pr.query_revert_status(&name)
            }) {
                Ok(_) => return Ok(self.new_operation(req, AsyncState::Pending(Work::Revert(v)))),
                Err(HResult::VSS_E_VOLUME_NOT_SUPPORTED) => {}
                Err(HResult::VSS_E_OBJECT_NOT_FOUND) => supported = true,
                Err(hr) => return Err(self.provider_revert_code(m, method, hr)),
            }
        }
        if !supported {
            return Err(HResult::VSS_E_VOLUME_NOT_SUPPORTED);
        }
        match self.policy.no_revert_in_progress {
            hr if hr.is_failure() => Err(hr),
            _ => Ok(self.new_operation(req, AsyncState::Done(HResult::S_OK))),
        }
    }

    /// What the operation following a revert does when it is waited on: the revert runs to
    /// its end, unless it ended already.
    pub(crate) fn run_revert(&mut self, req: RequesterId, v: VolumeSlot) -> VssResult {
        let m = self.requester(req).machine;
        let name = self.machines[m].volumes[v].name.clone();
        if self.reverting(m, &name).is_none() {
            return Ok(());
        }
        self.finish_revert(m, v)
    }

    /// A machine restarts: each revert in progress goes on as it starts, and ends.
    pub(crate) fn finish_reverts_at_restart(&mut self, m: MachineId) {
        let reverting: Vec<VolumeSlot> = self.machines[m]
            .volumes
            .iter()
            .filter(|(_, volume)| self.reverting(m, &volume.name).is_some())
            .map(|(v, _)| v)
            .collect();
        for v in reverting {
            let shown = self.display_volume(m, &self.machines[m].volumes[v].name);
            self.note(
                m,
                format!("the revert of {shown} goes on as the machine starts"),
            );
            // A volume that cannot be written keeps its revert in progress, as the failure
            // says.
            let _ = self.finish_revert(m, v);
        }
    }

    /// The shadow copy a volume of machine `m` is being reverted to, if it is.
    pub(crate) fn reverting(&self, m: MachineId, volume: &str) -> Option<VssId> {
        self.machines[m]
            .providers
            .iter()
            .filter_map(|r| r.instance.driver_ref())
            .find_map(|d| d.reverting(volume))
    }

    /// The volume of machine `m` with this name, if the machine reaches it and can write it.
    fn writable_volume(&self, m: MachineId, name: &str) -> Option<VolumeSlot> {
        self.find_volume(m, name)
            .filter(|v| !self.volume_read_only(m, *v))
    }

    /// Ends the revert in progress on volume `v`: the driver deletes the copies the revert
    /// takes, and the copy's blocks go back onto the volume through the copy-on-write of
    /// the copies that remain. A volume the machine cannot write now keeps its revert in
    /// progress: `VSS_E_REVERT_VOLUME_LOST`.
    fn finish_revert(&mut self, m: MachineId, v: VolumeSlot) -> VssResult {
        let name = self.machines[m].volumes[v].name.clone();
        let shown = self.display_volume(m, &name);
        if self.writable_volume(m, &name) != Some(v) {
            self.note(
                m,
                format!("{shown} cannot be written: its revert waits until it can"),
            );
            return Err(HResult::VSS_E_REVERT_VOLUME_LOST);
        }
        let Some(done) = self.machines[m]
            .providers
            .iter_mut()
            .filter_map(|r| r.instance.driver())
            .find_map(|d| d.finish_revert(&name))
        else {
            return Ok(());
        };
        for d in &done.deleted {
            self.forget_copy(m, d.snapshot_id, d.reason);
        }
        let count = match done.blocks.len() {
            1 => "1 block".to_string(),
            n => format!("{n} blocks"),
        };
        for (block, content) in done.blocks {
            let overflow = self
                .write_volume(m, v, block, content)
                .expect("checked writable above");
            for d in overflow {
                self.forget_copy(m, d.snapshot_id, d.reason);
            }
        }
        let id = done.snapshot_id;
        self.note(
            m,
            format!("{shown} reverted to {id}: {count} written back; mounted again"),
        );
        Ok(())
    }

    /// A failure of the provider's revert methods as the requester sees it: a code the
    /// provider method documents passes on; any other is translated as any provider code.
    fn provider_revert_code(&mut self, m: MachineId, method: Method, hr: HResult) -> HResult {
        if method.info().documents(hr) {
            hr
        } else {
            self.translate(m, hr)
        }
    }
}

#[cfg(test)]
mod tests {
    use vss_model::backend::{Backend, BackupComponents, EnvError, INFINITE, VssAsync};
    use vss_model::{Block, Context, HResult, VssId};

    use crate::{SimComponents, Simulator, world_file};

    /// A client-accessible copy of `E:\` made while block 1 held "then", which now holds
    /// "now"; and an object to revert with.
    fn copied(sim: &Simulator) -> (VssId, SimComponents) {
        let env = sim.environment().expect("the simulator's world");
        env.write_block("HOSTA", r"E:\", 1, b"then").unwrap();
        let mut r = sim.create_backup_components("HOSTA").unwrap();
        r.initialize_for_backup(None).unwrap();
        r.set_context(Context::VSS_CTX_CLIENT_ACCESSIBLE).unwrap();
        r.start_snapshot_set().unwrap();
        let copy = r.add_to_snapshot_set(r"E:\", VssId::NULL).unwrap();
        r.do_snapshot_set().unwrap().wait(INFINITE);
        env.write_block("HOSTA", r"E:\", 1, b"now").unwrap();
        let mut admin = sim.create_backup_components("HOSTA").unwrap();
        admin.initialize_for_backup(None).unwrap();
        (copy, admin)
    }

    /// While a revert is in progress its volume is dismounted: block I/O is refused, and
    /// comes back with the copy's content once an operation following it is waited on.
    #[test]
    fn a_volume_being_reverted_takes_no_io_until_the_revert_ends() {
        let sim = Simulator::default_world();
        let env = sim.environment().expect("the simulator's world");
        let (copy, mut admin) = copied(&sim);
        env.hold_next_async(&admin, true).unwrap();
        admin.revert_to_snapshot(copy, false).unwrap();
        let refused =
            |e: EnvError| matches!(e, EnvError::Invalid(t) if t.contains("being reverted"));
        assert!(refused(env.read_block("HOSTA", r"E:\", 1).unwrap_err()));
        assert!(refused(
            env.write_block("HOSTA", r"E:\", 1, b"x").unwrap_err()
        ));
        let mut status = admin.query_revert_status(r"E:\").unwrap();
        assert_eq!(status.query_status(), Ok(HResult::VSS_S_ASYNC_PENDING));
        assert_eq!(status.wait(INFINITE), HResult::S_OK);
        assert_eq!(
            env.read_block("HOSTA", r"E:\", 1),
            Ok(Block::new(b"then").unwrap())
        );
    }

    /// A revert in progress between two runs is kept in the checkpoint, and ends in the
    /// world read back from it.
    #[test]
    fn a_revert_in_progress_survives_a_checkpoint() {
        let sim = Simulator::default_world();
        let (copy, mut admin) = copied(&sim);
        let env = sim.environment().expect("the simulator's world");
        env.hold_next_async(&admin, true).unwrap();
        admin.revert_to_snapshot(copy, false).unwrap();
        drop(admin);
        let saved = sim.checkpoint().expect("no object is alive");
        let again = Simulator::from_checkpoint(world_file::default_world(), &saved).unwrap();
        let mut admin = again.create_backup_components("HOSTA").unwrap();
        admin.initialize_for_backup(None).unwrap();
        assert_eq!(
            admin.revert_to_snapshot(copy, true),
            Err(HResult::VSS_E_REVERT_IN_PROGRESS)
        );
        admin
            .query_revert_status(r"E:\")
            .expect("the revert is followed")
            .wait(INFINITE);
        let env = again.environment().expect("the simulator's world");
        assert_eq!(
            env.read_block("HOSTA", r"E:\", 1),
            Ok(Block::new(b"then").unwrap())
        );
        assert_eq!(
            admin.query_revert_status(r"E:\").err(),
            Some(HResult::VSS_E_OBJECT_NOT_FOUND)
        );
    }

    /// `ShouldBlockRevert` answers from the world file, and refuses a name it cannot take.
    #[test]
    fn should_block_revert_reads_the_world_file() {
        let text = r"
machines:
  - name: M1
    volumes:
      - { mount: 'C:\', size: 1 GiB }
      - { mount: 'D:\', size: 1 GiB, writers_block_revert: true }
";
        let sim = Simulator::new(&world_file::parse(text, "w.yaml").unwrap()).unwrap();
        assert_eq!(sim.should_block_revert("M1", r"C:\"), Ok(false));
        assert_eq!(sim.should_block_revert("m1", r"d:\"), Ok(true));
        assert!(matches!(
            sim.should_block_revert("M1", "D:"),
            Err(EnvError::Invalid(_))
        ));
        assert!(matches!(
            sim.should_block_revert("M1", r"Q:\"),
            Err(EnvError::UnknownTarget { .. })
        ));
        assert!(matches!(
            sim.should_block_revert("M9", r"C:\"),
            Err(EnvError::UnknownMachine(_))
        ));
    }
}
