//! A requester object's life and the creation of a set: which call is allowed when.

use std::sync::Arc;

use vss_model::attributes::SnapshotAttributes as A;
use vss_model::context::Context;
use vss_model::hresult::HResult;

use vss_model::lifecycle::{BackupEnd, RequesterPhase};

use super::{
    Place, Planned, PlannedSet, Prediction, ProviderChoice, ReferenceModel, ShadowCopy, Value,
};

/// `AddToSnapshotSet` refuses a 65th volume.
const MAX_VOLUMES_PER_SET: usize = 64;
/// At most 512 software shadow copies of one volume.
const MAX_SOFTWARE_COPIES: usize = 512;

impl ReferenceModel {
    pub(super) fn initialize(&mut self, m: usize, o: u8, document: Option<u8>) -> Prediction {
        if self.object(m, o).phase.is_initialized() {
            return Prediction::code(HResult::VSS_E_BAD_STATE);
        }
        let loaded = document
            .filter(|_| !self.documents.is_empty())
            .map(|d| d as usize % self.documents.len());
        let (context, backup_state) = match loaded {
            Some(d) => (self.documents[d].context, self.documents[d].backup_state),
            None => (Context::VSS_CTX_BACKUP, false),
        };
        let r = self.object_mut(m, o);
        r.phase = RequesterPhase::Initialized;
        r.loaded = loaded;
        r.context = context;
        r.backup_state = backup_state;
        Prediction::ok(Value::None)
    }

    pub(super) fn set_context(&mut self, m: usize, o: u8, context: Context) -> Prediction {
        let r = self.object(m, o);
        // Once, and before the calls it governs: a set, the writers' metadata, a query.
        let late = r.phase.has_set() || r.gathered || r.queried;
        if !r.phase.is_initialized() || r.context_set || late {
            return Prediction::code(HResult::VSS_E_BAD_STATE);
        }
        if let Err(hr) = context.check_for_set_context() {
            return Prediction::code(hr);
        }
        let r = self.object_mut(m, o);
        r.context = context;
        r.context_set = true;
        Prediction::ok(Value::None)
    }

    pub(super) fn gather_writer_metadata(&mut self, m: usize, o: u8) -> Prediction {
        let r = self.object(m, o);
        if !r.phase.is_initialized() || r.gathered {
            return Prediction::code(HResult::VSS_E_BAD_STATE);
        }
        self.object_mut(m, o).gathered = true;
        Prediction::finished()
    }

    pub(super) fn set_backup_state(&mut self, m: usize, o: u8) -> Prediction {
        let r = self.object(m, o);
        if !r.phase.is_initialized() || r.prepared {
            return Prediction::code(HResult::VSS_E_BAD_STATE);
        }
        self.object_mut(m, o).backup_state = true;
        Prediction::ok(Value::None)
    }

    pub(super) fn start_snapshot_set(&mut self, m: usize, o: u8) -> Prediction {
        let r = self.object(m, o);
        // One object, one operation: not after another set, a query, an abort, or a
        // document that describes a set.
        let loaded_set = r.loaded.is_some_and(|d| self.documents[d].set.is_some());
        let aborted = r.ended == Some(BackupEnd::Aborted);
        if r.phase != RequesterPhase::Initialized || r.queried || aborted || loaded_set {
            return Prediction::code(HResult::VSS_E_BAD_STATE);
        }
        if r.context.is_all() {
            return Prediction::code(HResult::VSS_E_BAD_STATE);
        }
        if self.creating[m].is_some() {
            return Prediction::code(HResult::VSS_E_SNAPSHOT_SET_IN_PROGRESS);
        }
        let id = self.new_id();
        Arc::make_mut(&mut self.set_ids).push(id);
        self.creating[m] = Some(o);
        self.object_mut(m, o).phase = RequesterPhase::SetOpen(PlannedSet {
            id,
            items: Vec::new(),
        });
        Prediction::ok(Value::Id(id))
    }

    pub(super) fn add_to_snapshot_set(
        &mut self,
        m: usize,
        o: u8,
        volume: usize,
        provider: ProviderChoice,
    ) -> Prediction {
        let r = self.object(m, o);
        let RequesterPhase::SetOpen(PlannedSet { items, .. }) = &r.phase else {
            return Prediction::code(HResult::VSS_E_BAD_STATE);
        };
        if items.len() >= MAX_VOLUMES_PER_SET {
            return Prediction::code(HResult::VSS_E_MAXIMUM_NUMBER_OF_VOLUMES_REACHED);
        }
        if volume >= self.world.machines[m].volumes.len() || !self.reaches(m, volume) {
            return Prediction::code(HResult::VSS_E_OBJECT_NOT_FOUND);
        }
        if items.iter().any(|i| i.volume == volume) {
            return Prediction::code(HResult::VSS_E_OBJECT_ALREADY_EXISTS);
        }
        let context = r.context;
        let hardware = match provider {
            ProviderChoice::Unregistered => {
                return Prediction::code(HResult::VSS_E_PROVIDER_NOT_REGISTERED);
            }
            ProviderChoice::Hardware if !self.world.machines[m].hardware_provider => {
                return Prediction::code(HResult::VSS_E_PROVIDER_NOT_REGISTERED);
            }
            ProviderChoice::Hardware if !self.hardware_supports(m, volume, context) => {
                return Prediction::code(HResult::VSS_E_VOLUME_NOT_SUPPORTED_BY_PROVIDER);
            }
            ProviderChoice::Hardware => true,
            ProviderChoice::System if !system_supports(context) => {
                return Prediction::code(HResult::VSS_E_VOLUME_NOT_SUPPORTED_BY_PROVIDER);
            }
            ProviderChoice::System => false,
            ProviderChoice::Any if self.hardware_supports(m, volume, context) => true,
            ProviderChoice::Any if system_supports(context) => false,
            ProviderChoice::Any => return Prediction::code(HResult::VSS_E_VOLUME_NOT_SUPPORTED),
        };
        if !hardware && self.software_limit_reached(m, volume, context) {
            return Prediction::code(HResult::VSS_E_MAXIMUM_NUMBER_OF_SNAPSHOTS_REACHED);
        }
        let snapshot = self.new_id();
        Arc::make_mut(&mut self.snapshot_ids).push(snapshot);
        let RequesterPhase::SetOpen(PlannedSet { items, .. }) = &mut self.object_mut(m, o).phase
        else {
            unreachable!("checked above");
        };
        items.push(Planned {
            snapshot,
            volume,
            hardware,
        });
        Prediction::ok(Value::Id(snapshot))
    }

    /// The array's provider takes a volume on its LUNs when it can make the kind of clone
    /// the context asks for; client-accessible copies are the system provider's alone.
    fn hardware_supports(&self, m: usize, volume: usize, context: Context) -> bool {
        let attributes = context.attributes();
        let kind = if attributes.contains(A::VSS_VOLSNAP_ATTR_PLEX) {
            self.world.plex
        } else if attributes.contains(A::VSS_VOLSNAP_ATTR_DIFFERENTIAL) {
            self.world.differential
        } else {
            self.world.differential || self.world.plex
        };
        self.world.machines[m].hardware_provider
            && !self.world.machines[m].volumes[volume].luns.is_empty()
            && !attributes.contains(A::VSS_VOLSNAP_ATTR_CLIENT_ACCESSIBLE)
            && (self.world.transportable || !attributes.contains(A::VSS_VOLSNAP_ATTR_TRANSPORTABLE))
            && kind
    }

    /// 512 software copies of a volume, or `MaxShadowCopies` client-accessible ones.
    fn software_limit_reached(&self, m: usize, volume: usize, context: Context) -> bool {
        let on_volume: Vec<A> = self
            .copies
            .values()
            .filter(|c| !c.hardware && c.machine == m && c.volume == volume)
            .map(|c| c.attributes)
            .collect();
        let client = |a: &A| a.contains(A::VSS_VOLSNAP_ATTR_CLIENT_ACCESSIBLE);
        on_volume.len() >= MAX_SOFTWARE_COPIES
            || (client(&context.attributes())
                && on_volume.iter().filter(|a| client(a)).count()
                    >= self.world.max_client_accessible)
    }

    pub(super) fn prepare_for_backup(&mut self, m: usize, o: u8) -> Prediction {
        let r = self.object(m, o);
        let ready = r.phase.is_initialized()
            && r.context.has_writers()
            && r.backup_state
            && r.gathered
            && !r.prepared
            && matches!(r.phase, RequesterPhase::SetOpen(_));
        if !ready {
            return Prediction::code(HResult::VSS_E_BAD_STATE);
        }
        self.object_mut(m, o).prepared = true;
        Prediction::finished()
    }

    pub(super) fn do_snapshot_set(&mut self, m: usize, o: u8) -> Prediction {
        let r = self.object(m, o);
        let RequesterPhase::SetOpen(PlannedSet { id: set, items }) = r.phase.clone() else {
            return Prediction::code(HResult::VSS_E_BAD_STATE);
        };
        if r.context.has_writers() && !r.gathered {
            return Prediction::code(HResult::VSS_E_BAD_STATE);
        }
        let context = r.context;
        let result = self.create(m, set, &items, context);
        self.creating[m] = None;
        match result {
            Ok(()) => {
                if context.is_auto_release() {
                    for item in &items {
                        let copy = Arc::make_mut(&mut self.copies)
                            .get_mut(&item.snapshot)
                            .expect("just made");
                        copy.owners.push((m, o));
                    }
                }
                self.object_mut(m, o).phase =
                    RequesterPhase::Created(PlannedSet { id: set, items });
                Prediction::finished()
            }
            Err(hr) => {
                self.object_mut(m, o).phase = RequesterPhase::Failed(PlannedSet { id: set, items });
                Prediction::code(hr)
            }
        }
    }

    /// The providers' part of `DoSnapshotSet`: every copy at one point in time, then the
    /// auto-import of a non-transportable hardware part. Nothing of a failed set remains.
    fn create(
        &mut self,
        m: usize,
        set: super::Id,
        items: &[Planned],
        context: Context,
    ) -> Result<(), HResult> {
        // A volume whose LUNs were masked since it was added is gone: its software provider
        // cannot prepare a copy of it.
        if items
            .iter()
            .any(|i| !i.hardware && !self.reaches(m, i.volume))
        {
            return Err(HResult::VSS_E_UNEXPECTED_PROVIDER_ERROR);
        }
        if !items.is_empty() && self.fault(m, super::FaultMethod::CommitSnapshots) {
            return Err(HResult::VSS_E_UNEXPECTED_PROVIDER_ERROR);
        }
        for item in items {
            let (attributes, place, luns) = if item.hardware {
                let mut luns = Vec::new();
                for &source in &self.world.machines[m].volumes[item.volume].luns {
                    luns.push(self.luns.len());
                    Arc::make_mut(&mut self.luns).push(super::LunView {
                        clone_of: Some(source),
                        visible_to: Default::default(),
                        read_only: false,
                        hidden: false,
                        source_identity: true,
                        deleted: false,
                    });
                }
                let attributes = context.attributes()
                    | A::VSS_VOLSNAP_ATTR_HARDWARE_ASSISTED
                    | A::VSS_VOLSNAP_ATTR_NOT_SURFACED;
                (attributes, Place::Transported, luns)
            } else {
                let attributes = (context.attributes() - A::VSS_VOLSNAP_ATTR_TRANSPORTABLE)
                    | A::VSS_VOLSNAP_ATTR_DIFFERENTIAL;
                (attributes, Place::Live, Vec::new())
            };
            if !item.hardware {
                let area = self.diff_areas.get_or_default((m, item.volume));
                area.take(item.snapshot);
            }
            let copy = ShadowCopy {
                set,
                creator: m,
                machine: m,
                volume: item.volume,
                hardware: item.hardware,
                place,
                attributes,
                exposed: None,
                luns,
                owners: Vec::new(),
            };
            Arc::make_mut(&mut self.copies).insert(item.snapshot, copy);
        }
        let transportable = context
            .attributes()
            .contains(A::VSS_VOLSNAP_ATTR_TRANSPORTABLE);
        let hardware: Vec<super::Id> = items
            .iter()
            .filter(|i| i.hardware)
            .map(|i| i.snapshot)
            .collect();
        if transportable || hardware.is_empty() {
            return Ok(());
        }
        let surfaced = self.surface(m, &hardware);
        if surfaced.as_ref().map_or(true, |s| s.len() < hardware.len()) {
            for item in items {
                self.delete_copy(item.snapshot);
            }
            return Err(surfaced
                .err()
                .unwrap_or(HResult::VSS_E_UNEXPECTED_PROVIDER_ERROR));
        }
        Ok(())
    }

    pub(super) fn backup_complete(&mut self, m: usize, o: u8) -> Prediction {
        let r = self.object(m, o);
        let ready = r.phase.is_initialized()
            && r.context.has_writers()
            && matches!(r.phase, RequesterPhase::Created(_))
            && r.ended.is_none();
        if !ready {
            return Prediction::code(HResult::VSS_E_BAD_STATE);
        }
        self.object_mut(m, o).ended = Some(BackupEnd::Completed);
        Prediction::finished()
    }

    pub(super) fn abort_backup(&mut self, m: usize, o: u8) -> Prediction {
        let r = self.object(m, o);
        if !r.phase.is_initialized() {
            return Prediction::code(HResult::VSS_E_BAD_STATE);
        }
        let underway = match r.phase {
            RequesterPhase::SetOpen(_) | RequesterPhase::Creating(_) => r.ended.is_none(),
            RequesterPhase::Created(_) => r.ended.is_none(),
            RequesterPhase::Uninitialized
            | RequesterPhase::Initialized
            | RequesterPhase::Failed(_) => false,
        };
        if underway {
            self.abandon(m, o);
            self.object_mut(m, o).ended = Some(BackupEnd::Aborted);
        }
        Prediction::ok(Value::None)
    }

    /// Ends a creation that has not run: the set is failed and the creation lock freed.
    fn abandon(&mut self, m: usize, o: u8) {
        let r = self.object_mut(m, o);
        if let RequesterPhase::SetOpen(set) = &r.phase {
            r.phase = RequesterPhase::Failed(set.clone());
        }
        if self.creating[m] == Some(o) {
            self.creating[m] = None;
        }
    }

    /// `Release`: the object dies, its creation is abandoned, and VSS deletes the
    /// auto-release shadow copies it owns, except one imported on another machine, which is
    /// that machine's now.
    pub(super) fn release(&mut self, m: usize, o: u8) {
        if !self.objects.contains_key(&(m, o)) {
            return;
        }
        self.abandon(m, o);
        self.objects.remove(&(m, o));
        let owned: Vec<super::Id> = self
            .copies
            .iter()
            .filter(|(_, c)| c.owners.contains(&(m, o)))
            .map(|(id, _)| *id)
            .collect();
        for id in owned {
            let copy = Arc::make_mut(&mut self.copies)
                .get_mut(&id)
                .expect("listed");
            if copy.hardware && copy.place == Place::Live && copy.machine != m {
                copy.owners.retain(|owner| *owner != (m, o));
            } else {
                self.delete_copy(id);
            }
        }
    }
}

/// The system provider takes any volume unless the context asks for a plex or a
/// transportable copy.
fn system_supports(context: Context) -> bool {
    !context
        .modifiers()
        .intersects(A::VSS_VOLSNAP_ATTR_PLEX | A::VSS_VOLSNAP_ATTR_TRANSPORTABLE)
}
