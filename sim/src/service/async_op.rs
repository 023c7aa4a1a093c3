//! `IVssAsync`: asynchronous operations, which run at once or, when held, at the first wait.

use vss_model::HResult;
use vss_model::backend::VssResult;

use crate::world::{AsyncState, SetPhase, Work, World};

impl World {
    /// Runs an operation's work and returns its result (`S_OK` or an error).
    pub(crate) fn run_work(&mut self, req: u64, work: Work) -> HResult {
        let result = match work {
            Work::GatherWriterMetadata => self.run_gather_writer_metadata(req),
            Work::GatherWriterStatus => self.run_gather_writer_status(req),
            Work::PrepareForBackup => self.run_prepare_for_backup(req),
            Work::DoSnapshotSet => self.run_do_snapshot_set(req),
            Work::BackupComplete => self.run_backup_complete(req),
        };
        result.err().unwrap_or(HResult::S_OK)
    }

    /// `IVssAsync::Wait`: runs a held operation.
    pub(crate) fn async_wait(&mut self, op: u64) -> HResult {
        let state = self.asyncs[&op].state;
        let requester = self.asyncs[&op].requester;
        if let Err(hr) = self.check_call(requester, "Wait") {
            return hr;
        }
        if !self.requester(requester).alive && matches!(state, AsyncState::Pending(_)) {
            return HResult::RPC_E_DISCONNECTED;
        }
        let result = match state {
            AsyncState::Pending(work) => {
                let result = self.run_work(requester, work);
                self.asyncs.get_mut(&op).expect("known").state = AsyncState::Done(result);
                result
            }
            AsyncState::Done(result) => result,
            AsyncState::Cancelled => HResult::S_OK,
        };
        if result.is_failure() && self.policy.wait_returns_operation_error {
            result
        } else {
            HResult::S_OK
        }
    }

    /// `IVssAsync::QueryStatus`.
    pub(crate) fn async_query_status(&mut self, op: u64) -> VssResult<HResult> {
        self.check_call(self.asyncs[&op].requester, "QueryStatus")?;
        Ok(match self.asyncs[&op].state {
            AsyncState::Pending(_) => HResult::VSS_S_ASYNC_PENDING,
            AsyncState::Done(HResult::S_OK) => HResult::VSS_S_ASYNC_FINISHED,
            AsyncState::Done(error) => error,
            AsyncState::Cancelled => HResult::VSS_S_ASYNC_CANCELLED,
        })
    }

    /// `IVssAsync::Cancel`.
    pub(crate) fn async_cancel(&mut self, op: u64) -> HResult {
        if let Err(hr) = self.check_call(self.asyncs[&op].requester, "Cancel") {
            return hr;
        }
        match self.asyncs[&op].state {
            AsyncState::Pending(work) => {
                let req = self.asyncs[&op].requester;
                self.asyncs.get_mut(&op).expect("known").state = AsyncState::Cancelled;
                if work == Work::DoSnapshotSet {
                    let r = self.requester_mut(req);
                    if let SetPhase::Creating(plan) = &r.set {
                        r.set = SetPhase::Failed(plan.clone());
                    }
                    self.release_lock(req, "DoSnapshotSet cancelled");
                }
                HResult::S_OK
            }
            AsyncState::Done(HResult::S_OK) => HResult::VSS_S_ASYNC_FINISHED,
            AsyncState::Done(error) => error,
            AsyncState::Cancelled => HResult::VSS_S_ASYNC_CANCELLED,
        }
    }
}
