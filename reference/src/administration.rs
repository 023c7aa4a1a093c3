//! Administration of shadow copies that exist: query, properties, deletion, exposure.
//!
//! Every call here sees the copies of its own machine only, and (as administration tools
//! do) under every context: only `Query` filters by the object's context.

use std::sync::Arc;

use vss_model::attributes::SnapshotAttributes as A;
use vss_model::hresult::HResult;

use vss_model::lifecycle::RequesterPhase;

use super::{EXPOSE_AS, Id, Place, Prediction, Ref, ReferenceModel, Value, view};

impl ReferenceModel {
    /// Whether an id belongs to a set some object on the machine is still building.
    pub(super) fn in_creation(&self, m: usize, id: Id) -> bool {
        self.objects.iter().any(|((machine, _), r)| {
            *machine == m
                && matches!(&r.phase, RequesterPhase::SetOpen(set)
                    if set.id == id || set.items.iter().any(|i| i.snapshot == id))
        })
    }

    /// A shadow copy that lives on the machine.
    pub(super) fn live_here(&self, m: usize, id: Option<Id>) -> Option<Id> {
        id.filter(|id| {
            self.copies
                .get(id)
                .is_some_and(|c| c.machine == m && c.place == Place::Live)
        })
    }

    pub(super) fn query(&mut self, m: usize, o: u8) -> Prediction {
        let r = self.object(m, o);
        if !r.phase.is_initialized() {
            return Prediction::code(HResult::VSS_E_BAD_STATE);
        }
        let found = self.visible_copies(m, r.context);
        if !r.phase.has_set() {
            self.object_mut(m, o).queried = true;
        }
        Prediction::ok(Value::Copies(found))
    }

    pub(super) fn get_snapshot_properties(&mut self, m: usize, o: u8, r: Ref) -> Prediction {
        if !self.object(m, o).phase.is_initialized() {
            return Prediction::code(HResult::VSS_E_BAD_STATE);
        }
        let id = ReferenceModel::resolve(&self.snapshot_ids, r);
        if id.is_some_and(|id| self.in_creation(m, id)) {
            return Prediction::code(HResult::VSS_E_OBJECT_NOT_FOUND);
        }
        match self.live_here(m, id) {
            Some(id) => Prediction::ok(Value::Copy(view(id, &self.copies[&id]))),
            None => Prediction::code(HResult::VSS_E_OBJECT_NOT_FOUND),
        }
    }

    pub(super) fn delete_snapshots(
        &mut self,
        m: usize,
        o: u8,
        target: Ref,
        set: bool,
    ) -> Prediction {
        if !self.object(m, o).phase.is_initialized() {
            return Prediction::code(HResult::VSS_E_BAD_STATE);
        }
        let targets: Vec<Id> = if set {
            match ReferenceModel::resolve(&self.set_ids, target) {
                // Software copies first, as VSS asks the providers before its own records.
                Some(set) => {
                    let mut ids: Vec<(bool, Id)> = self
                        .copies
                        .iter()
                        .filter(|(_, c)| c.set == set && c.machine == m && c.place == Place::Live)
                        .map(|(id, c)| (c.hardware, *id))
                        .collect();
                    ids.sort();
                    ids.into_iter().map(|(_, id)| id).collect()
                }
                None => Vec::new(),
            }
        } else {
            let id = ReferenceModel::resolve(&self.snapshot_ids, target);
            if id.is_some_and(|id| self.in_creation(m, id)) {
                return Prediction::code(HResult::VSS_E_OBJECT_NOT_FOUND);
            }
            self.live_here(m, id).into_iter().collect()
        };
        if targets.is_empty() {
            return Prediction::code(HResult::VSS_E_OBJECT_NOT_FOUND);
        }
        for id in &targets {
            self.delete_copy(*id);
        }
        Prediction::ok(Value::Deleted(targets.len() as i32))
    }

    pub(super) fn expose_snapshot(&mut self, m: usize, o: u8, r: Ref) -> Prediction {
        if !self.object(m, o).phase.is_initialized() {
            return Prediction::code(HResult::VSS_E_BAD_STATE);
        }
        let Some(id) = self.live_here(m, ReferenceModel::resolve(&self.snapshot_ids, r)) else {
            return Prediction::code(HResult::VSS_E_OBJECT_NOT_FOUND);
        };
        let current = self.copies[&id].attributes;
        // Only persistent copies are exposed locally, each once, never a client-accessible
        // one; and a name is exposed once, and not where a volume is mounted.
        let refused = current
            .intersects(A::VSS_VOLSNAP_ATTR_EXPOSED_LOCALLY | A::VSS_VOLSNAP_ATTR_EXPOSED_REMOTELY)
            || current.contains(A::VSS_VOLSNAP_ATTR_CLIENT_ACCESSIBLE)
            || !current.contains(A::VSS_VOLSNAP_ATTR_PERSISTENT)
            || self.exposures[m].contains_key(&EXPOSE_AS)
            || self.mounted[m].contains(&EXPOSE_AS);
        if refused {
            return Prediction::code(HResult::E_INVALIDARG);
        }
        let copy = Arc::make_mut(&mut self.copies)
            .get_mut(&id)
            .expect("found above");
        copy.attributes =
            (current - A::VSS_VOLSNAP_ATTR_NOT_SURFACED) | A::VSS_VOLSNAP_ATTR_EXPOSED_LOCALLY;
        copy.exposed = Some(EXPOSE_AS);
        Arc::make_mut(&mut self.exposures)[m].insert(EXPOSE_AS, id);
        Prediction::ok(Value::Exposed(EXPOSE_AS.to_string()))
    }

    pub(super) fn unexpose_snapshot(&mut self, m: usize, o: u8, r: Ref) -> Prediction {
        if !self.object(m, o).phase.is_initialized() {
            return Prediction::code(HResult::VSS_E_BAD_STATE);
        }
        let Some(id) = self.live_here(m, ReferenceModel::resolve(&self.snapshot_ids, r)) else {
            return Prediction::code(HResult::VSS_E_OBJECT_NOT_FOUND);
        };
        let exposed = A::VSS_VOLSNAP_ATTR_EXPOSED_LOCALLY | A::VSS_VOLSNAP_ATTR_EXPOSED_REMOTELY;
        let copy = Arc::make_mut(&mut self.copies)
            .get_mut(&id)
            .expect("found above");
        if !copy.attributes.intersects(exposed) {
            return Prediction::code(HResult::VSS_E_OBJECT_NOT_FOUND);
        }
        copy.attributes -= exposed;
        if copy.hardware {
            copy.attributes |= A::VSS_VOLSNAP_ATTR_NOT_SURFACED;
        }
        copy.exposed = None;
        self.forget_exposure(m, id);
        Prediction::ok(Value::None)
    }
}
