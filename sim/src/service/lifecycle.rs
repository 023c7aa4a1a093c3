//! The requester object's life: initialization, context, backup state, abort, release, and
//! what a machine restart does to it all.

use vss_model::backend::{BackupStateArgs, VssResult};
use vss_model::document::BackupComponentsDocument;
use vss_model::lifecycle::{BackupEnd, RequesterPhase};
use vss_model::methods::Method;
use vss_model::{BackupType, Context, HResult, SnapshotAttributes, VssId, WriterEvent};

use crate::handles::{AsyncId, MachineId, RequesterId};
use crate::world::{AsyncState, HwState, Work, World};

impl World {
    /// `InitializeForBackup(bstrXML)`.
    pub(crate) fn initialize_for_backup(
        &mut self,
        req: RequesterId,
        xml: Option<&str>,
    ) -> VssResult {
        self.begin_call(req, Method::InitializeForBackup)?;
        if self.requester(req).phase.is_initialized() {
            return Err(HResult::VSS_E_BAD_STATE);
        }
        let loaded = match xml {
            None => None,
            Some(text) => Some(BackupComponentsDocument::from_xml(text).map_err(|e| {
                let m = self.requester(req).machine;
                self.note(m, format!("the document is refused: {e}"));
                e.hresult()
            })?),
        };
        let r = self.requester_mut(req);
        r.phase = RequesterPhase::Initialized;
        if let Some(doc) = &loaded {
            r.context = doc.context;
            r.backup_state = doc.backup_state.as_ref().map(|s| BackupStateArgs {
                select_components: s.select_components,
                bootable_system_state: s.bootable_system_state,
                backup_type: s.backup_type,
                partial_file_support: s.partial_file_support,
            });
            r.components = doc.components.clone();
        }
        r.loaded = loaded;
        Ok(())
    }

    /// `SetContext(lContext)`: once, before `StartSnapshotSet`.
    pub(crate) fn set_context(&mut self, req: RequesterId, context: Context) -> VssResult {
        self.begin_call(req, Method::SetContext)?;
        let r = self.requester(req);
        // Once, and before the calls it governs: a set, the writers' metadata, a query.
        let late = r.phase.has_set() || r.metadata.is_some() || !r.pending.is_empty() || r.queried;
        if !r.phase.is_initialized() || r.context_set || late {
            return Err(HResult::VSS_E_BAD_STATE);
        }
        context.check_for_set_context()?;
        let r = self.requester_mut(req);
        r.context = context;
        r.context_set = true;
        Ok(())
    }

    /// `SetBackupState(...)`: before `PrepareForBackup`.
    pub(crate) fn set_backup_state(
        &mut self,
        req: RequesterId,
        state: BackupStateArgs,
    ) -> VssResult {
        self.begin_call(req, Method::SetBackupState)?;
        let r = self.requester(req);
        if !r.phase.is_initialized() || r.prepared_for_backup {
            return Err(HResult::VSS_E_BAD_STATE);
        }
        if matches!(state.backup_type, BackupType::VSS_BT_UNDEFINED) {
            return Err(HResult::E_INVALIDARG);
        }
        self.requester_mut(req).backup_state = Some(state);
        Ok(())
    }

    /// `AbortBackup()`: abandons a creation in progress and tells the writers; ignored when
    /// nothing is underway.
    pub(crate) fn abort_backup(&mut self, req: RequesterId) -> VssResult {
        let m = self.begin_call(req, Method::AbortBackup)?;
        let r = self.requester(req);
        if !r.phase.is_initialized() {
            return Err(HResult::VSS_E_BAD_STATE);
        }
        // A held operation is underway too.
        let underway = r.ended != Some(BackupEnd::Aborted)
            && (!r.pending.is_empty()
                || match &r.phase {
                    RequesterPhase::SetOpen(_) | RequesterPhase::Creating(_) => true,
                    RequesterPhase::Created(_) => r.ended.is_none(),
                    RequesterPhase::Uninitialized
                    | RequesterPhase::Initialized
                    | RequesterPhase::Failed(_) => false,
                });
        if !underway {
            self.note(m, "AbortBackup: nothing underway, ignored");
            return Ok(());
        }
        self.abandon_creation(req, "aborted by AbortBackup");
        self.requester_mut(req).ended = Some(BackupEnd::Aborted);
        if self.requester(req).engages_writers() {
            self.send_writer_event(m, WriterEvent::OnAbort);
        }
        Ok(())
    }

    /// Ends a creation that has not finished: its pending `DoSnapshotSet` is cancelled, the
    /// set is failed and the creation lock freed. Providers have heard nothing yet, since a
    /// creation runs to its end once it starts.
    pub(crate) fn abandon_creation(&mut self, req: RequesterId, why: &str) {
        let pending: Vec<AsyncId> = self
            .asyncs
            .iter()
            .filter(|(_, op)| {
                op.requester == req
                    && matches!(op.state, AsyncState::Pending(work) if work.is_held_work())
            })
            .map(|(id, _)| *id)
            .collect();
        for id in pending {
            self.asyncs.get_mut(&id).expect("listed above").state = AsyncState::Cancelled;
            self.forget_async_if_released(id);
        }
        let r = self.requester_mut(req);
        r.pending.clear();
        if let RequesterPhase::SetOpen(plan) | RequesterPhase::Creating(plan) = &r.phase {
            r.phase = RequesterPhase::Failed(plan.clone());
        }
        self.release_lock(req, why);
    }

    /// Frees the machine's creation lock if this object holds it.
    pub(crate) fn release_lock(&mut self, req: RequesterId, why: &str) {
        let m = self.requester(req).machine;
        if self.machines[m].creation_lock == Some(req) {
            self.machines[m].creation_lock = None;
            self.note(m, format!("creation lock released ({why})"));
        }
    }

    /// `Release`: the object dies; its creation is abandoned, the writers hear
    /// `OnBackupShutdown`, and VSS deletes the auto-release shadow copies it made.
    pub(crate) fn release(&mut self, req: RequesterId) {
        if self.requester(req).alive {
            self.end_object(req);
        }
        self.requester_mut(req).released = true;
        self.forget_requester_if_unused(req);
    }

    /// A requester object the caller has released, with no operation of it held, can
    /// never be named again: the world forgets it, so that no later call pays for it.
    fn forget_requester_if_unused(&mut self, req: RequesterId) {
        let r = self.requester(req);
        if r.released && r.operations == 0 {
            self.requesters.remove(&req);
        }
    }

    /// The caller released an `IVssAsync`. A finished operation can never be asked about
    /// again and is forgotten, as is one that follows a revert (the revert is the
    /// machine's); a held one stays pending on its object until that object's creation is
    /// abandoned.
    pub(crate) fn release_async(&mut self, op: AsyncId) {
        self.asyncs.get_mut(&op).expect("a held operation").released = true;
        self.forget_async_if_released(op);
    }

    fn forget_async_if_released(&mut self, op: AsyncId) {
        let (released, state, req) = {
            let o = &self.asyncs[&op];
            (o.released, o.state, o.requester)
        };
        if released && !matches!(state, AsyncState::Pending(work) if work.is_held_work()) {
            self.asyncs.remove(&op);
            self.requester_mut(req).operations -= 1;
            self.forget_requester_if_unused(req);
        }
    }

    /// What VSS does when a living object is released.
    fn end_object(&mut self, req: RequesterId) {
        let m = self.requester(req).machine;
        self.abandon_creation(req, "requester object released");
        let r = self.requester_mut(req);
        r.alive = false;
        let shutdown = r.metadata.is_some() && r.context.has_writers();
        if shutdown {
            self.send_writer_event(m, WriterEvent::OnBackupShutdown);
        }
        let owned: Vec<_> = self.machines[m]
            .owners
            .iter()
            .filter(|(_, owner)| **owner == req)
            .map(|(id, _)| *id)
            .collect();
        const REASON: &str = "auto-release: its requester object was released";
        for id in owned {
            if let Some(copy) = self.hw_copies.get(&id) {
                // A transportable copy imported on another machine is that machine's now.
                let elsewhere =
                    matches!(copy.state, HwState::Surfaced { machine, .. } if machine != m);
                if elsewhere {
                    self.machines[m].owners.remove(&id);
                } else {
                    self.delete_hw_copy(id, REASON);
                }
                continue;
            }
            match self.find_copy(m, id, Context::VSS_CTX_ALL) {
                Ok((p, _)) => {
                    if let Err(hr) = self.delete_copy(m, p, id, REASON) {
                        self.note(
                            m,
                            format!("auto-release of {id} failed with {hr}; the copy stays"),
                        );
                        self.machines[m].owners.remove(&id);
                    }
                }
                Err(_) => {
                    self.machines[m].owners.remove(&id);
                }
            }
        }
    }

    /// A machine restarts: its requester objects die with their processes (no events, no
    /// clean-up by VSS), non-persistent shadow copies vanish, writers start afresh.
    pub(crate) fn reboot_machine(&mut self, m: MachineId) {
        let name = self.machines[m].name.clone();
        self.note(m, format!("{name} restarts"));
        let dying: Vec<RequesterId> = self
            .requesters
            .iter()
            .filter(|(_, r)| r.machine == m && r.alive)
            .map(|(id, _)| *id)
            .collect();
        for req in dying {
            self.abandon_creation(req, "machine restarted");
            self.requester_mut(req).alive = false;
        }
        // VSS deletes non-persistent hardware shadow copies at the restart, and hands their
        // LUNs back.
        let transient: Vec<VssId> = self
            .hw_copies
            .iter()
            .filter(|(_, c)| {
                let here = match c.state {
                    HwState::Surfaced { machine, .. } => machine == m,
                    HwState::Transported { creator } => creator == m,
                };
                here && !c
                    .prop
                    .snapshot_attributes
                    .contains(SnapshotAttributes::VSS_VOLSNAP_ATTR_PERSISTENT)
            })
            .map(|(id, _)| *id)
            .collect();
        for id in transient {
            self.delete_hw_copy(id, "not persistent");
        }
        for p in self.software_providers(m) {
            let gone = self.machines[m].providers[p]
                .instance
                .driver()
                .map(|d| d.on_restart())
                .unwrap_or_default();
            for d in gone {
                self.forget_copy(m, d.snapshot_id, d.reason);
            }
        }
        self.finish_reverts_at_restart(m);
        let machine = &mut self.machines[m];
        machine.owners.clear();
        for w in &mut machine.writers {
            w.state = vss_model::WriterState::VSS_WS_STABLE;
            w.failure = HResult::S_OK;
        }
    }

    /// Records the start of an asynchronous operation: it runs now, or waits to be waited on
    /// when the object was told to hold it.
    pub(crate) fn start_async(&mut self, req: RequesterId, work: Work) -> AsyncId {
        let hold = std::mem::take(&mut self.requester_mut(req).hold_next_async);
        let state = if hold {
            let m = self.requester(req).machine;
            self.note(m, format!("{work:?} held pending until waited on"));
            self.requester_mut(req).pending.push(work);
            AsyncState::Pending(work)
        } else {
            AsyncState::Done(self.run_work(req, work))
        };
        self.new_operation(req, state)
    }
}

#[cfg(test)]
mod tests {
    use vss_model::backend::{Backend, BackupComponents, INFINITE, VssAsync};
    use vss_model::{Context, ObjectType};

    use crate::Simulator;

    /// Released objects and operations leave nothing behind: what the world keeps does not
    /// grow with the cycles it has run.
    #[test]
    fn released_objects_and_operations_are_forgotten() {
        let sim = Simulator::default_world();
        for _ in 0..20 {
            let mut r = sim.create_backup_components("HOSTA").unwrap();
            r.initialize_for_backup(None).unwrap();
            r.set_context(Context::VSS_CTX_NAS_ROLLBACK).unwrap();
            let set = r.start_snapshot_set().unwrap();
            r.add_to_snapshot_set("C:\\", vss_model::VssId::NULL)
                .unwrap();
            let mut op = r.do_snapshot_set().unwrap();
            op.wait(INFINITE);
            // The operation outlives its object: the object is kept until it goes.
            drop(r);
            assert_eq!(sim.with_world(|w| w.requesters.len()), 1);
            assert_eq!(
                op.query_status(),
                Ok(vss_model::HResult::VSS_S_ASYNC_FINISHED)
            );
            drop(op);
            let mut d = sim.create_backup_components("HOSTA").unwrap();
            d.initialize_for_backup(None).unwrap();
            d.set_context(Context::VSS_CTX_ALL).unwrap();
            d.delete_snapshots(set, ObjectType::VSS_OBJECT_SNAPSHOT_SET, true)
                .unwrap();
        }
        sim.with_world(|w| {
            assert_eq!((w.requesters.len(), w.asyncs.len()), (0, 0));
            assert_eq!(w.sw_copies.iter().count(), 0);
        });
    }

    /// A trace nobody takes keeps its last events only, and says how many it let go.
    #[test]
    fn an_untaken_trace_keeps_its_last_events() {
        use crate::trace::{TRACE_KEPT, TraceEvent};
        let sim = Simulator::default_world();
        sim.take_trace();
        let note = |n: usize| TraceEvent::Note {
            machine: "HOSTA".into(),
            text: n.to_string(),
        };
        sim.with_world(|w| (0..TRACE_KEPT + 3).for_each(|n| w.record(note(n))));
        let trace = sim.take_trace();
        assert_eq!(trace.len(), TRACE_KEPT + 1);
        assert_eq!(trace[0], TraceEvent::NotKept { count: 3 });
        assert_eq!(trace[1], note(3));
        assert!(sim.take_trace().is_empty());
    }

    /// A simulator told not to trace records nothing, and drops what it had.
    #[test]
    fn a_simulator_with_its_trace_off_records_nothing() {
        let sim = Simulator::default_world();
        let mut r = sim.create_backup_components("HOSTA").unwrap();
        r.initialize_for_backup(None).unwrap();
        sim.set_tracing(false);
        r.set_context(Context::VSS_CTX_NAS_ROLLBACK).unwrap();
        r.start_snapshot_set().unwrap();
        assert!(sim.take_trace().is_empty());
        sim.set_tracing(true);
        drop(r);
        assert!(!sim.take_trace().is_empty(), "the release is traced again");
    }
}
