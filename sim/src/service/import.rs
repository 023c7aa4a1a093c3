//! `ImportSnapshots`: surfacing a transportable set on a machine from its backup components
//! document, on the machine that made it or on another of the SAN.

use vss_model::backend::VssResult;
use vss_model::methods::Method;
use vss_model::{HResult, SnapshotAttributes as A, VssId};

use crate::handles::{AsyncId, RequesterId};
use crate::world::{HwState, Work, World};

impl World {
    /// `ImportSnapshots(&pAsync)`: needs a loaded document of a transportable set.
    pub(crate) fn import_snapshots(&mut self, req: RequesterId) -> VssResult<AsyncId> {
        self.begin_call(req, Method::ImportSnapshots)?;
        let r = self.requester(req);
        let Some(set) = r.loaded.as_ref().and_then(|d| d.snapshot_set.as_ref()) else {
            return Err(HResult::VSS_E_BAD_STATE);
        };
        if !set
            .context
            .attributes()
            .contains(A::VSS_VOLSNAP_ATTR_TRANSPORTABLE)
        {
            return Err(HResult::VSS_E_NONTRANSPORTABLE_BCD);
        }
        Ok(self.start_async(req, Work::ImportSnapshots))
    }

    /// The import itself: `LocateLuns` and `FillInLunInfo` through the machine's hardware
    /// provider of each copy, then each copy whose LUNs all arrived is mounted, hidden and
    /// read-only, with `VSS_VOLSNAP_ATTR_IMPORTED`. Returns `S_OK` when every copy arrived,
    /// `VSS_S_SOME_SNAPSHOTS_NOT_IMPORTED` when some did.
    pub(crate) fn run_import_snapshots(&mut self, req: RequesterId) -> Result<HResult, HResult> {
        let m = self.requester(req).machine;
        let doc = self
            .requester(req)
            .loaded
            .clone()
            .expect("checked when the call was made");
        let set = doc.snapshot_set.expect("checked when the call was made");
        let wanted: Vec<VssId> = set.snapshots.iter().map(|s| s.snapshot_id).collect();
        if self.imported_sets.contains(&set.snapshot_set_id) {
            self.note(
                m,
                format!(
                    "set {} was imported before; a set imports once",
                    set.snapshot_set_id
                ),
            );
            return Err(HResult::VSS_E_OBJECT_ALREADY_EXISTS);
        }
        let mut imported = Vec::new();
        let mut providers: Vec<(VssId, Vec<VssId>)> = Vec::new();
        for description in &set.snapshots {
            let id = description.snapshot_id;
            // VSS finds the shadow LUNs from the document: one saved before DoSnapshotSet
            // recorded them names none.
            let Some(mapping) = &description.lun_mapping else {
                self.note(
                    m,
                    format!(
                        "shadow copy {id}: the document holds no LUN information (saved before the set was created)"
                    ),
                );
                continue;
            };
            let recorded = |copy: &crate::world::HwCopy| {
                copy.pairs.len() == mapping.luns.len()
                    && copy
                        .pairs
                        .iter()
                        .zip(&mapping.luns)
                        .all(|((_, shadow, _), pair)| shadow.same_lun(&pair.shadow))
            };
            match self.hw_copies.get(&id) {
                Some(copy)
                    if matches!(copy.state, HwState::Transported { .. }) && recorded(copy) =>
                {
                    match providers
                        .iter_mut()
                        .find(|(p, _)| *p == description.provider_id)
                    {
                        Some((_, ids)) => ids.push(id),
                        None => providers.push((description.provider_id, vec![id])),
                    }
                }
                _ => self.note(
                    m,
                    format!("shadow copy {id}: its LUNs are no longer on the array"),
                ),
            }
        }
        // A provider that fails leaves its copies out; the others' still arrive.
        let mut failure = None;
        for (provider, ids) in providers {
            let Some(p) = self.hardware_provider(m, provider) else {
                self.note(
                    m,
                    format!(
                        "provider {provider} is not registered here: its LUNs cannot be located"
                    ),
                );
                continue;
            };
            match self.surface(m, p, &ids) {
                Ok(surfaced) => imported.extend(surfaced),
                Err(hr) => failure = failure.or(Some(hr)),
            }
        }
        let auto_release = set.context.is_auto_release();
        for id in &imported {
            let copy = self.hw_copies.get_mut(id).expect("surfaced");
            copy.prop.snapshot_attributes |= A::VSS_VOLSNAP_ATTR_IMPORTED;
            if auto_release {
                self.machines[m].owners.insert(*id, req);
            }
        }
        if !imported.is_empty() {
            self.imported_sets.insert(set.snapshot_set_id);
        }
        match imported.len() {
            0 => Err(failure.map_or(HResult::VSS_E_NO_SNAPSHOTS_IMPORTED, |hr| {
                self.translate(m, hr)
            })),
            n if n < wanted.len() => Ok(HResult::VSS_S_SOME_SNAPSHOTS_NOT_IMPORTED),
            _ => Ok(HResult::S_OK),
        }
    }
}
