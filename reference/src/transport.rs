//! Hardware shadow copies on the array: the document, import, break, deletion and what a
//! restart does.

use vss_model::attributes::{HardwareOptions as H, SnapshotAttributes as A};
use vss_model::hresult::HResult;

use vss_model::lifecycle::RequesterPhase;

use std::sync::Arc;

use super::{
    Document, DocumentSet, FaultMethod, Id, Place, Prediction, Ref, ReferenceModel, SortedSet,
    Value,
};

impl ReferenceModel {
    pub(super) fn save_as_xml(&mut self, m: usize, o: u8) -> Prediction {
        let r = self.object(m, o);
        if !r.phase.is_initialized() {
            return Prediction::code(HResult::VSS_E_BAD_STATE);
        }
        let (set, items, created) = match &r.phase {
            RequesterPhase::Uninitialized | RequesterPhase::Initialized => {
                if let Some(d) = r.loaded {
                    let again = self.documents[d].clone();
                    return self.keep_document(again);
                }
                let document = Document {
                    context: r.context,
                    backup_state: r.backup_state,
                    set: None,
                };
                return self.keep_document(document);
            }
            RequesterPhase::SetOpen(set)
            | RequesterPhase::Creating(set)
            | RequesterPhase::Failed(set) => (set.id, &set.items, false),
            RequesterPhase::Created(set) => (set.id, &set.items, true),
        };
        // The LUN mapping of a hardware copy is known once the set is created, and as long
        // as the copy exists.
        let snapshots = items
            .iter()
            .map(|i| {
                let luns = self
                    .copies
                    .get(&i.snapshot)
                    .filter(|c| created && c.hardware)
                    .map(|c| c.luns.clone());
                (i.snapshot, luns)
            })
            .collect();
        let document = Document {
            context: r.context,
            backup_state: r.backup_state,
            set: Some(DocumentSet { id: set, snapshots }),
        };
        self.keep_document(document)
    }

    fn keep_document(&mut self, document: Document) -> Prediction {
        // The states that share the documents saved so far keep them as they are.
        Arc::make_mut(&mut self.documents).push(document);
        Prediction::ok(Value::Document(self.documents.len() - 1))
    }

    pub(super) fn import_snapshots(&mut self, m: usize, o: u8) -> Prediction {
        let r = self.object(m, o);
        let Some(document) = r.loaded.map(|d| self.documents[d].clone()) else {
            return Prediction::code(HResult::VSS_E_BAD_STATE);
        };
        let Some(set) = document.set else {
            return Prediction::code(HResult::VSS_E_BAD_STATE);
        };
        if !document
            .context
            .attributes()
            .contains(A::VSS_VOLSNAP_ATTR_TRANSPORTABLE)
        {
            return Prediction::code(HResult::VSS_E_NONTRANSPORTABLE_BCD);
        }
        if self.imported_sets.contains(&set.id) {
            return Prediction::code(HResult::VSS_E_OBJECT_ALREADY_EXISTS);
        }
        // The copies whose shadow LUNs the document names are still on the array, unmasked
        // to nobody.
        let wanted = set.snapshots.len();
        let candidates: Vec<Id> = set
            .snapshots
            .iter()
            .filter(|(id, luns)| {
                self.copies.get(id).is_some_and(|c| {
                    c.place == Place::Transported && luns.as_ref() == Some(&c.luns)
                })
            })
            .map(|(id, _)| *id)
            .collect();
        let (imported, failure) =
            if candidates.is_empty() || !self.world.machines[m].hardware_provider {
                (Vec::new(), None)
            } else {
                match self.surface(m, &candidates) {
                    Ok(surfaced) => (surfaced, None),
                    Err(hr) => (Vec::new(), Some(hr)),
                }
            };
        for id in &imported {
            let copy = Arc::make_mut(&mut self.copies)
                .get_mut(id)
                .expect("surfaced");
            copy.attributes |= A::VSS_VOLSNAP_ATTR_IMPORTED;
            // An auto-release copy is its importer's on this machine now, also when it was
            // made here by another object.
            if document.context.is_auto_release() {
                copy.owners.retain(|(machine, _)| *machine != m);
                copy.owners.push((m, o));
            }
        }
        if !imported.is_empty() {
            self.imported_sets.insert(set.id);
        }
        match imported.len() {
            0 => Prediction::code(failure.unwrap_or(HResult::VSS_E_NO_SNAPSHOTS_IMPORTED)),
            n if n < wanted => Prediction::code(HResult::VSS_S_SOME_SNAPSHOTS_NOT_IMPORTED),
            _ => Prediction::finished(),
        }
    }

    /// Surfaces hardware copies on a machine: `LocateLuns` unmasks their shadow LUNs, VSS
    /// asks `FillInLunInfo` about each, gives each a new disk identity and mounts it hidden
    /// and read-only. A copy some LUN of which is not recognised is not surfaced.
    pub(super) fn surface(&mut self, m: usize, ids: &[Id]) -> Result<Vec<Id>, HResult> {
        if self.fault(m, FaultMethod::LocateLuns) {
            return Err(HResult::VSS_E_UNEXPECTED_PROVIDER_ERROR);
        }
        for id in ids {
            for &lun in &self.copies[id].luns {
                Arc::make_mut(&mut self.luns)[lun].visible_to.insert(m);
            }
        }
        let mut surfaced = Vec::new();
        for id in ids {
            let luns = self.copies[id].luns.clone();
            // The first LUN not recognised ends the copy's surfacing.
            if luns
                .iter()
                .any(|_| self.fault(m, FaultMethod::FillInLunInfo))
            {
                continue;
            }
            for lun in luns {
                let lun = &mut Arc::make_mut(&mut self.luns)[lun];
                lun.source_identity = false;
                lun.hidden = true;
                lun.read_only = true;
            }
            let copy = Arc::make_mut(&mut self.copies).get_mut(id).expect("listed");
            copy.place = Place::Live;
            copy.machine = m;
            surfaced.push(*id);
        }
        Ok(surfaced)
    }

    pub(super) fn break_snapshot_set(
        &mut self,
        m: usize,
        o: u8,
        set: Ref,
        flags: Option<H>,
    ) -> Prediction {
        if !self.object(m, o).phase.is_initialized() {
            return Prediction::code(HResult::VSS_E_BAD_STATE);
        }
        if flags.is_some_and(|f| !f.is_valid_break()) {
            return Prediction::code(HResult::E_INVALIDARG);
        }
        let Some(set) = ReferenceModel::resolve(&self.set_ids, set) else {
            return Prediction::code(HResult::VSS_E_OBJECT_NOT_FOUND);
        };
        if self.in_creation(m, set) {
            return Prediction::code(HResult::VSS_E_OBJECT_NOT_FOUND);
        }
        let here = |c: &super::ShadowCopy| c.set == set && c.machine == m && c.place == Place::Live;
        if self.copies.values().any(|c| here(c) && !c.hardware) {
            return Prediction::code(HResult::VSS_E_PROVIDER_VETO);
        }
        let ids: Vec<Id> = self
            .copies
            .iter()
            .filter(|(_, c)| here(c))
            .map(|(id, _)| *id)
            .collect();
        if ids.is_empty() {
            return Prediction::code(HResult::VSS_E_OBJECT_NOT_FOUND);
        }
        let done = match flags {
            None => HResult::S_OK,
            Some(_) => HResult::VSS_S_ASYNC_FINISHED,
        };
        let flags = flags.unwrap_or(H::empty());
        let shadows: Vec<usize> = ids
            .iter()
            .flat_map(|id| self.copies[id].luns.clone())
            .collect();
        let visible_original = shadows.iter().any(|s| {
            let source = self.luns[*s].clone_of.expect("a shadow LUN is a clone");
            self.luns[source].visible_to.contains(&m)
        });
        let revert = if flags.contains(H::VSS_BREAKEX_FLAG_REVERT_IDENTITY_ALL) {
            if visible_original {
                return Prediction::code(HResult::VSS_E_BREAK_REVERT_ID_FAILED);
            }
            true
        } else {
            !flags.contains(H::VSS_BREAKEX_FLAG_REVERT_IDENTITY_NONE) && !visible_original
        };
        let read_write = flags.contains(H::VSS_BREAKEX_FLAG_MAKE_READ_WRITE);
        let mask = flags.contains(H::VSS_BREAKEX_FLAG_MASK_LUNS);
        // The provider hears of a change it must make before VSS forgets the set.
        if (read_write || mask) && self.fault(m, FaultMethod::OnLunStateChange) {
            return Prediction::code(HResult::VSS_E_UNEXPECTED_PROVIDER_ERROR);
        }
        self.broken_sets.insert(set);
        for lun in shadows {
            self.broken_luns.insert(lun);
            let lun = &mut Arc::make_mut(&mut self.luns)[lun];
            if mask {
                lun.visible_to.remove(&m);
            }
            lun.hidden = false;
            if read_write {
                lun.read_only = false;
            }
            if revert {
                lun.source_identity = true;
            }
        }
        for id in ids {
            let copy = Arc::make_mut(&mut self.copies).remove(&id).expect("listed");
            self.forget_exposure(m, id);
            // An exposed volume that stays on the machine keeps its mount point.
            if let Some(name) = copy.exposed.filter(|_| !mask) {
                Arc::make_mut(&mut self.mounted)[m].insert(name);
            }
        }
        Prediction::code(done)
    }

    /// Deletes a shadow copy: a hardware copy's shadow LUNs are handed back to the array
    /// (`FillInLunInfo` for each its machine sees, whose answer VSS ignores, then
    /// `OnLunEmpty`); a software copy's view leaves its diff area.
    pub(super) fn delete_copy(&mut self, id: Id) {
        // A copy already gone leaves the shared copies as they are.
        if !self.copies.contains_key(&id) {
            return;
        }
        let copy = Arc::make_mut(&mut self.copies)
            .remove(&id)
            .expect("checked above");
        for lun in copy.luns {
            if self.luns[lun].visible_to.contains(&copy.machine) {
                self.fault(copy.machine, FaultMethod::FillInLunInfo);
            }
            let lun = &mut Arc::make_mut(&mut self.luns)[lun];
            lun.deleted = true;
            lun.visible_to = SortedSet::new();
        }
        self.forget_exposure(copy.machine, id);
        if !copy.hardware {
            let key = (copy.machine, copy.volume);
            let area = self
                .diff_areas
                .get_mut(&key)
                .expect("a software copy has a diff area");
            area.release(id);
            // An area no copy uses is as good as new: forgetting it keeps equal states equal.
            if area.is_empty() {
                self.diff_areas.remove(&key);
            }
        }
    }

    /// A machine restarts: its objects die without clean-up, and every non-persistent
    /// shadow copy there (or made there and not yet imported) goes.
    pub(super) fn reboot(&mut self, m: usize) {
        let dying: Vec<u8> = self
            .objects
            .keys()
            .filter(|(machine, _)| *machine == m)
            .map(|(_, o)| *o)
            .collect();
        for o in dying {
            self.objects.remove(&(m, o));
        }
        self.creating[m] = None;
        let transient: Vec<Id> = self
            .copies
            .iter()
            .filter(|(_, c)| {
                let here = match c.place {
                    Place::Live => c.machine == m,
                    Place::Transported => c.creator == m,
                };
                here && !c.attributes.contains(A::VSS_VOLSNAP_ATTR_PERSISTENT)
            })
            .map(|(id, _)| *id)
            .collect();
        for id in transient {
            self.delete_copy(id);
        }
        let owned_here = |c: &super::ShadowCopy| c.owners.iter().any(|(machine, _)| *machine == m);
        if self.copies.values().any(owned_here) {
            for copy in Arc::make_mut(&mut self.copies).values_mut() {
                copy.owners.retain(|(machine, _)| *machine != m);
            }
        }
    }
}
