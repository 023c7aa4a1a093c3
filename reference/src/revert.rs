//! Reverting a volume to one of its shadow copies, and asking after the revert.
//!
//! In the model's worlds no volume is in use and none is read-only, so `bForceDismount`
//! changes nothing; a revert runs to its end within the call (the model holds nothing), so
//! `QueryRevertStatus` never finds one in progress.

use vss_model::attributes::SnapshotAttributes as A;
use vss_model::hresult::HResult;

use super::{Prediction, Ref, ReferenceModel, Value};

impl ReferenceModel {
    /// `RevertToSnapshot`: a software provider's persistent copy of a volume the machine
    /// reaches; the volume then loses every software shadow copy it has.
    pub(super) fn revert_to_snapshot(
        &mut self,
        m: usize,
        o: u8,
        target: Ref,
        _force_dismount: bool,
    ) -> Prediction {
        if !self.object(m, o).phase.is_initialized() {
            return Prediction::code(HResult::VSS_E_BAD_STATE);
        }
        let id = ReferenceModel::resolve(&self.snapshot_ids, target);
        if id.is_some_and(|id| self.in_creation(m, id)) {
            return Prediction::code(HResult::VSS_E_OBJECT_NOT_FOUND);
        }
        let Some(id) = self.live_here(m, id) else {
            return Prediction::code(HResult::VSS_E_OBJECT_NOT_FOUND);
        };
        let copy = &self.copies[&id];
        if !copy.attributes.contains(A::VSS_VOLSNAP_ATTR_PERSISTENT) {
            return Prediction::code(HResult::VSS_E_UNSUPPORTED_CONTEXT);
        }
        if copy.hardware {
            return Prediction::code(HResult::E_NOTIMPL);
        }
        let volume = copy.volume;
        if !self.reaches(m, volume) {
            return Prediction::code(HResult::VSS_E_VOLUME_NOT_SUPPORTED);
        }
        let gone: Vec<_> = self
            .copies
            .iter()
            .filter(|(_, c)| !c.hardware && c.machine == m && c.volume == volume)
            .map(|(id, _)| *id)
            .collect();
        for id in gone {
            self.delete_copy(id);
        }
        Prediction::ok(Value::None)
    }

    /// `QueryRevertStatus`: every volume of the model's worlds is one the system provider
    /// can revert, and none is being reverted; a volume the machine does not have or does
    /// not reach is not found either.
    pub(super) fn query_revert_status(&mut self, m: usize, o: u8) -> Prediction {
        if !self.object(m, o).phase.is_initialized() {
            return Prediction::code(HResult::VSS_E_BAD_STATE);
        }
        Prediction::code(HResult::VSS_E_OBJECT_NOT_FOUND)
    }
}
