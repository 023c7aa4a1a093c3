//! Writers: the events VSS sends them and the calls that gather what they say.
//!
//! Writers belong to the machine, not to a requester. A writer that fails an event reports
//! `VSS_WS_FAILED_AT_<event>` with its error and hears nothing more of that backup except
//! `OnAbort` and `OnBackupShutdown`; the requester's call itself still succeeds, and the
//! requester learns of the failure from `GatherWriterStatus`.

use vss_model::backend::VssResult;
use vss_model::lifecycle::{BackupEnd, RequesterPhase};
use vss_model::methods::Method;
use vss_model::writer_metadata::WriterMetadataDocument;
use vss_model::{HResult, WriterEvent, WriterState as S};

use crate::handles::{AsyncId, MachineId, RequesterId};
use crate::trace::TraceEvent;
use crate::world::{Work, World};

/// The state a writer reaches after handling an event well.
fn state_after(event: WriterEvent) -> S {
    match event {
        WriterEvent::OnPrepareSnapshot => S::VSS_WS_WAITING_FOR_FREEZE,
        WriterEvent::OnFreeze => S::VSS_WS_WAITING_FOR_THAW,
        WriterEvent::OnThaw => S::VSS_WS_WAITING_FOR_POST_SNAPSHOT,
        WriterEvent::OnPostSnapshot => S::VSS_WS_WAITING_FOR_BACKUP_COMPLETE,
        WriterEvent::OnIdentify
        | WriterEvent::OnPrepareBackup
        | WriterEvent::OnBackupComplete
        | WriterEvent::OnBackupShutdown
        | WriterEvent::OnAbort => S::VSS_WS_STABLE,
    }
}

fn failed(state: S) -> bool {
    state.value() >= S::VSS_WS_FAILED_AT_IDENTIFY.value()
}

impl World {
    /// Sends an event to every writer of the machine that is still taking part.
    pub(crate) fn send_writer_event(&mut self, m: MachineId, event: WriterEvent) {
        let machine = self.machines[m].name.clone();
        let mut answers = Vec::new();
        for w in &mut self.machines[m].writers {
            // Identify starts a new backup; Abort and BackupShutdown reach failed writers too.
            let starts_afresh = event == WriterEvent::OnIdentify;
            if failed(w.state)
                && !starts_afresh
                && !matches!(event, WriterEvent::OnAbort | WriterEvent::OnBackupShutdown)
            {
                continue;
            }
            let result = match (w.faults.remove(&event), event.failed_state()) {
                (Some(hr), Some(failed_state)) => {
                    w.state = failed_state;
                    w.failure = hr;
                    hr
                }
                _ => {
                    if starts_afresh || !failed(w.state) {
                        w.state = state_after(event);
                    }
                    if starts_afresh {
                        w.failure = HResult::S_OK;
                    }
                    HResult::S_OK
                }
            };
            answers.push((w.name.clone(), result));
        }
        self.record(TraceEvent::Writers {
            machine,
            event,
            answers,
        });
    }

    /// `GatherWriterMetadata(&pAsync)`: once per object.
    pub(crate) fn gather_writer_metadata(&mut self, req: RequesterId) -> VssResult<AsyncId> {
        self.begin_call(req, Method::GatherWriterMetadata)?;
        let r = self.requester(req);
        // Refused while a first call is still held, too.
        if !r.phase.is_initialized()
            || r.metadata.is_some()
            || r.pending.contains(&Work::GatherWriterMetadata)
        {
            return Err(HResult::VSS_E_BAD_STATE);
        }
        Ok(self.start_async(req, Work::GatherWriterMetadata))
    }

    /// The Identify event: in writer-less contexts no writer hears anything.
    pub(crate) fn run_gather_writer_metadata(&mut self, req: RequesterId) -> VssResult {
        let m = self.requester(req).machine;
        if !self.requester(req).context.has_writers() {
            self.note(m, "writer-less context: no Identify event");
            self.requester_mut(req).metadata = Some(Vec::new());
            return Ok(());
        }
        self.send_writer_event(m, WriterEvent::OnIdentify);
        let gathered = self.machines[m]
            .writers
            .iter()
            .filter(|w| !failed(w.state))
            .map(|w| w.metadata())
            .collect();
        self.requester_mut(req).metadata = Some(gathered);
        Ok(())
    }

    /// `GatherWriterStatus(&pAsync)`: after `GatherWriterMetadata`.
    pub(crate) fn gather_writer_status(&mut self, req: RequesterId) -> VssResult<AsyncId> {
        self.begin_call(req, Method::GatherWriterStatus)?;
        let r = self.requester(req);
        if !r.phase.is_initialized() || r.metadata.is_none() {
            return Err(HResult::VSS_E_BAD_STATE);
        }
        Ok(self.start_async(req, Work::GatherWriterStatus))
    }

    pub(crate) fn run_gather_writer_status(&mut self, req: RequesterId) -> VssResult {
        let m = self.requester(req).machine;
        // Every writer of the machine, including those that failed to identify themselves.
        let status = self.machines[m]
            .writers
            .iter()
            .map(|w| w.status())
            .collect();
        self.requester_mut(req).writer_status = Some(status);
        Ok(())
    }

    /// `GetWriterStatusCount` + `GetWriterStatus`.
    pub(crate) fn writer_status(
        &mut self,
        req: RequesterId,
    ) -> VssResult<Vec<vss_model::WriterStatus>> {
        self.begin_call(req, Method::GetWriterStatus)?;
        self.requester(req)
            .writer_status
            .clone()
            .ok_or(HResult::VSS_E_BAD_STATE)
    }

    /// `GetWriterMetadataCount` + `GetWriterMetadata`: what the writers said at Identify,
    /// once `GatherWriterMetadata` has finished and until `FreeWriterMetadata`.
    pub(crate) fn writer_metadata(
        &mut self,
        req: RequesterId,
    ) -> VssResult<Vec<WriterMetadataDocument>> {
        self.begin_call(req, Method::GetWriterMetadata)?;
        self.gathered(req).cloned().ok_or(HResult::VSS_E_BAD_STATE)
    }

    /// The metadata `GatherWriterMetadata` gathered and the object can still read: none
    /// before it finished (or while it is held) and none once freed.
    pub(crate) fn gathered(&self, req: RequesterId) -> Option<&Vec<WriterMetadataDocument>> {
        let r = self.requester(req);
        let readable = r.phase.is_initialized()
            && !r.metadata_freed
            && !r.pending.contains(&Work::GatherWriterMetadata);
        r.metadata.as_ref().filter(|_| readable)
    }

    /// `FreeWriterMetadata()`: after `GatherWriterMetadata` finished; freeing twice frees
    /// nothing more.
    pub(crate) fn free_writer_metadata(&mut self, req: RequesterId) -> VssResult {
        self.begin_call(req, Method::FreeWriterMetadata)?;
        let r = self.requester(req);
        let gathered = r.metadata.is_some() && !r.pending.contains(&Work::GatherWriterMetadata);
        if !r.phase.is_initialized() || !gathered {
            return Err(HResult::VSS_E_BAD_STATE);
        }
        self.requester_mut(req).metadata_freed = true;
        Ok(())
    }

    /// `PrepareForBackup(&pAsync)`: writer contexts only, after `StartSnapshotSet` and
    /// `SetBackupState`.
    pub(crate) fn prepare_for_backup(&mut self, req: RequesterId) -> VssResult<AsyncId> {
        self.begin_call(req, Method::PrepareForBackup)?;
        let r = self.requester(req);
        let ready = r.phase.is_initialized()
            && r.context.has_writers()
            && r.backup_state.is_some()
            && r.metadata.is_some()
            && !r.prepared_for_backup
            && r.pending.is_empty()
            && matches!(r.phase, RequesterPhase::SetOpen(_));
        if !ready {
            return Err(HResult::VSS_E_BAD_STATE);
        }
        Ok(self.start_async(req, Work::PrepareForBackup))
    }

    pub(crate) fn run_prepare_for_backup(&mut self, req: RequesterId) -> VssResult {
        let m = self.requester(req).machine;
        self.requester_mut(req).prepared_for_backup = true;
        self.send_writer_event(m, WriterEvent::OnPrepareBackup);
        Ok(())
    }

    /// `BackupComplete(&pAsync)`: writer contexts only, after a successful `DoSnapshotSet`.
    pub(crate) fn backup_complete(&mut self, req: RequesterId) -> VssResult<AsyncId> {
        self.begin_call(req, Method::BackupComplete)?;
        let r = self.requester(req);
        let ready = r.phase.is_initialized()
            && r.context.has_writers()
            && matches!(r.phase, RequesterPhase::Created(_))
            && r.ended.is_none()
            && r.pending.is_empty();
        if !ready {
            return Err(HResult::VSS_E_BAD_STATE);
        }
        Ok(self.start_async(req, Work::BackupComplete))
    }

    pub(crate) fn run_backup_complete(&mut self, req: RequesterId) -> VssResult {
        let m = self.requester(req).machine;
        self.requester_mut(req).ended = Some(BackupEnd::Completed);
        self.send_writer_event(m, WriterEvent::OnBackupComplete);
        Ok(())
    }
}
