//! `IVssAsync`: asynchronous operations, which run at once or, when held, at the first wait.

use vss_model::HResult;
use vss_model::backend::VssResult;
use vss_model::lifecycle::RequesterPhase;
use vss_model::methods::Method;

use crate::handles::{AsyncId, RequesterId};
use crate::world::{AsyncOp, AsyncState, Work, World};

impl World {
    /// Runs an operation's work and returns its result (`S_OK` or an error).
    pub(crate) fn run_work(&mut self, req: RequesterId, work: Work) -> HResult {
        let (method, result) = match work {
            Work::GatherWriterMetadata => (
                Method::GatherWriterMetadata,
                self.run_gather_writer_metadata(req),
            ),
            Work::GatherWriterStatus => (
                Method::GatherWriterStatus,
                self.run_gather_writer_status(req),
            ),
            Work::PrepareForBackup => (Method::PrepareForBackup, self.run_prepare_for_backup(req)),
            Work::DoSnapshotSet => (Method::DoSnapshotSet, self.run_do_snapshot_set(req)),
            Work::BackupComplete => (Method::BackupComplete, self.run_backup_complete(req)),
            Work::BreakSnapshotSetEx(set, flags) => (
                Method::BreakSnapshotSetEx,
                self.run_break_snapshot_set_ex(req, set, flags),
            ),
            Work::Revert(v) => (Method::QueryRevertStatus, self.run_revert(req, v)),
            Work::ImportSnapshots => {
                // The one operation that can succeed with a status of its own.
                return match self.run_import_snapshots(req) {
                    Ok(status) => status,
                    Err(hr) => self.documented(req, Method::ImportSnapshots, hr),
                };
            }
        };
        match result {
            Ok(()) => HResult::S_OK,
            Err(hr) => self.documented(req, method, hr),
        }
    }

    /// An operation of the object, in the given state, kept until the caller releases it.
    pub(crate) fn new_operation(&mut self, req: RequesterId, state: AsyncState) -> AsyncId {
        let id = self.new_async_id();
        self.asyncs.insert(
            id,
            AsyncOp {
                requester: req,
                state,
                released: false,
            },
        );
        self.requester_mut(req).operations += 1;
        id
    }

    /// `IVssAsync::Wait`: runs a held operation.
    pub(crate) fn async_wait(&mut self, op: AsyncId) -> HResult {
        let state = self.asyncs[&op].state;
        let requester = self.asyncs[&op].requester;
        if let Err(hr) = self.check_call(requester, Method::Wait) {
            return hr;
        }
        if !self.requester(requester).alive && matches!(state, AsyncState::Pending(_)) {
            return HResult::RPC_E_DISCONNECTED;
        }
        match state {
            // It runs while being waited on: a failure comes back from Wait itself.
            AsyncState::Pending(work) => {
                self.forget_pending(requester, work);
                let result = self.run_work(requester, work);
                self.asyncs.get_mut(&op).expect("known").state = AsyncState::Done(result);
                if result.is_failure() {
                    result
                } else {
                    HResult::S_OK
                }
            }
            // It had ended before the wait: the wait succeeds, QueryStatus tells how it went.
            AsyncState::Done(_) | AsyncState::Cancelled => HResult::S_OK,
        }
    }

    /// A held operation runs or is cancelled: it is no longer pending on its object.
    fn forget_pending(&mut self, req: RequesterId, work: Work) {
        let pending = &mut self.requester_mut(req).pending;
        if let Some(i) = pending.iter().position(|w| *w == work) {
            pending.remove(i);
        }
    }

    /// `IVssAsync::QueryStatus`.
    pub(crate) fn async_query_status(&mut self, op: AsyncId) -> VssResult<HResult> {
        self.check_call(self.asyncs[&op].requester, Method::QueryStatus)?;
        Ok(match self.asyncs[&op].state {
            AsyncState::Pending(_) => HResult::VSS_S_ASYNC_PENDING,
            AsyncState::Done(HResult::S_OK) => HResult::VSS_S_ASYNC_FINISHED,
            AsyncState::Done(error) => error,
            AsyncState::Cancelled => HResult::VSS_S_ASYNC_CANCELLED,
        })
    }

    /// `IVssAsync::Cancel`.
    pub(crate) fn async_cancel(&mut self, op: AsyncId) -> HResult {
        if let Err(hr) = self.check_call(self.asyncs[&op].requester, Method::Cancel) {
            return hr;
        }
        match self.asyncs[&op].state {
            // A revert cannot be cancelled once started: Windows refuses with a code Cancel
            // does not document, which reaches the caller as VSS_E_UNEXPECTED.
            AsyncState::Pending(Work::Revert(_)) => {
                let m = self.requester(self.asyncs[&op].requester).machine;
                self.note(m, "a revert cannot be cancelled: VSS_E_UNEXPECTED");
                HResult::VSS_E_UNEXPECTED
            }
            AsyncState::Pending(work) => {
                let req = self.asyncs[&op].requester;
                self.asyncs.get_mut(&op).expect("known").state = AsyncState::Cancelled;
                self.forget_pending(req, work);
                if work == Work::DoSnapshotSet {
                    let r = self.requester_mut(req);
                    if let RequesterPhase::Creating(plan) = &r.phase {
                        r.phase = RequesterPhase::Failed(plan.clone());
                    }
                    let (m, writers) = (r.machine, r.engages_writers());
                    self.release_lock(req, "DoSnapshotSet cancelled");
                    if writers {
                        self.send_writer_event(m, vss_model::WriterEvent::OnAbort);
                    }
                }
                HResult::S_OK
            }
            AsyncState::Done(HResult::S_OK) => HResult::VSS_S_ASYNC_FINISHED,
            AsyncState::Done(error) => error,
            AsyncState::Cancelled => HResult::VSS_S_ASYNC_CANCELLED,
        }
    }
}
