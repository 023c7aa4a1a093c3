//! Administration of existing shadow copies: properties, `Query`, `DeleteSnapshots`,
//! exposure, `IsVolumeSupported`, and the refusals of break and import that apply to
//! software shadow copies.

use vss_model::backend::{Deleted, VssResult};
use vss_model::lifecycle::RequesterPhase;
use vss_model::methods::Method;
use vss_model::provider::{DeleteFailure, PropertyValue};
use vss_model::{
    Context, HResult, ObjectProp, ObjectType, SnapshotAttributes as A, SnapshotProp,
    SnapshotPropertyId, VssId,
};

use crate::handles::{MachineId, RequesterId};
use crate::service::Keeper;
use crate::world::{HwState, World};

/// The exposure fields of a shadow copy's properties.
struct Exposure {
    name: Option<String>,
    path: Option<String>,
    attributes: A,
}

/// Whether a name is a drive letter (`X:` or `X:\`).
fn is_drive_letter(name: &str) -> bool {
    let b = name.trim_end_matches('\\').as_bytes();
    b.len() == 2 && b[0].is_ascii_alphabetic() && b[1] == b':'
}

/// Whether a name is an absolute mount folder (`C:\mnt\shadow`).
fn is_mount_folder(name: &str) -> bool {
    let b = name.as_bytes();
    b.len() > 3 && b[0].is_ascii_alphabetic() && name[1..].starts_with(":\\")
}

impl World {
    /// Whether the id belongs to a set some requester of the machine is still creating:
    /// the one holding the machine's creation lock, which is held from `StartSnapshotSet`
    /// until `DoSnapshotSet` ends.
    pub(crate) fn in_creation(&self, m: MachineId, id: VssId) -> bool {
        self.machines[m].creation_lock.is_some_and(|holder| {
            matches!(&self.requester(holder).phase, RequesterPhase::SetOpen(plan) | RequesterPhase::Creating(plan)
                if plan.id == id || plan.items.iter().any(|i| i.snapshot_id == id))
        })
    }

    /// `GetSnapshotProperties(SnapshotId, &Prop)`.
    pub(crate) fn get_snapshot_properties(
        &mut self,
        req: RequesterId,
        id: VssId,
    ) -> VssResult<SnapshotProp> {
        let m = self.begin_call(req, Method::GetSnapshotProperties)?;
        if !self.requester(req).phase.is_initialized() {
            return Err(HResult::VSS_E_BAD_STATE);
        }
        if id.is_null() {
            return Err(HResult::E_INVALIDARG);
        }
        if self.in_creation(m, id) {
            return Err(HResult::VSS_E_OBJECT_NOT_FOUND);
        }
        let context = self.administration_context(req);
        self.find_copy(m, id, context).map(|(_, prop)| prop)
    }

    /// Every created shadow copy of the machine seen under `context`, oldest first.
    fn all_copies(
        &mut self,
        m: MachineId,
        context: Context,
    ) -> VssResult<Vec<(Keeper, SnapshotProp)>> {
        let mut found = Vec::new();
        for p in self.software_providers(m) {
            found.extend(
                self.provider_copies(m, p, context)?
                    .into_iter()
                    .map(|s| (Keeper::Provider(p), s)),
            );
        }
        for id in self.hw_on(m) {
            let prop = &self.hw_copies[&id].prop;
            if context.sees(prop.snapshot_attributes) {
                found.push((Keeper::Service, prop.clone()));
            }
        }
        Ok(found)
    }

    /// `Query(GUID_NULL, VSS_OBJECT_NONE, eReturnedObjectsType, &ppEnum)`.
    pub(crate) fn query(
        &mut self,
        req: RequesterId,
        queried: VssId,
        queried_type: ObjectType,
        returned_type: ObjectType,
    ) -> VssResult<Vec<ObjectProp>> {
        let m = self.begin_call(req, Method::Query)?;
        if !self.requester(req).phase.is_initialized() {
            return Err(HResult::VSS_E_BAD_STATE);
        }
        if !queried.is_null() || queried_type != ObjectType::VSS_OBJECT_NONE {
            return Err(HResult::E_INVALIDARG);
        }
        let found: Vec<ObjectProp> = match returned_type {
            ObjectType::VSS_OBJECT_SNAPSHOT => {
                let context = self.requester(req).context;
                self.all_copies(m, context)?
                    .into_iter()
                    .map(|(_, s)| ObjectProp::Snapshot(s))
                    .collect()
            }
            ObjectType::VSS_OBJECT_PROVIDER => self.machines[m]
                .providers
                .iter()
                .map(|r| ObjectProp::Provider(r.prop.clone()))
                .collect(),
            _ => return Err(HResult::E_INVALIDARG),
        };
        // An object that queried before making a set is a query object from now on.
        if !self.requester(req).phase.has_set() {
            self.requester_mut(req).queried = true;
        }
        if found.is_empty() && self.policy.empty_query.is_failure() {
            return Err(self.policy.empty_query);
        }
        Ok(found)
    }

    /// `DeleteSnapshots(SourceObjectId, eSourceObjectType, bForceDelete, ...)`: one copy at a
    /// time, stopping at the first that cannot be deleted.
    pub(crate) fn delete_snapshots(
        &mut self,
        req: RequesterId,
        source: VssId,
        source_type: ObjectType,
    ) -> Result<Deleted, DeleteFailure> {
        let fail = |hr, deleted, nondeleted| DeleteFailure {
            hr,
            deleted,
            nondeleted,
        };
        let m = self
            .begin_call(req, Method::DeleteSnapshots)
            .map_err(|hr| fail(hr, 0, source))?;
        if !self.requester(req).phase.is_initialized() {
            return Err(fail(self.policy.uninitialized_administration, 0, source));
        }
        if source.is_null()
            || !matches!(
                source_type,
                ObjectType::VSS_OBJECT_SNAPSHOT | ObjectType::VSS_OBJECT_SNAPSHOT_SET
            )
        {
            return Err(fail(HResult::E_INVALIDARG, 0, source));
        }
        let context = self.administration_context(req);
        let targets: Vec<(Keeper, VssId)> = if source_type == ObjectType::VSS_OBJECT_SNAPSHOT {
            if self.in_creation(m, source) {
                return Err(fail(HResult::VSS_E_OBJECT_NOT_FOUND, 0, source));
            }
            let (p, _) = self
                .find_copy(m, source, context)
                .map_err(|hr| fail(hr, 0, source))?;
            vec![(p, source)]
        } else {
            self.all_copies(m, context)
                .map_err(|hr| fail(hr, 0, source))?
                .into_iter()
                .filter(|(_, s)| s.snapshot_set_id == source)
                .map(|(p, s)| (p, s.snapshot_id))
                .collect()
        };
        if targets.is_empty() {
            return Err(fail(HResult::VSS_E_OBJECT_NOT_FOUND, 0, source));
        }
        let mut deleted = 0;
        for (p, id) in targets {
            if let Err(hr) = self.delete_copy(m, p, id, "DeleteSnapshots") {
                let hr = self.translate(m, hr);
                return Err(fail(hr, deleted, id));
            }
            deleted += 1;
        }
        Ok(Deleted {
            deleted,
            nondeleted: VssId::NULL,
        })
    }

    /// `ExposeSnapshot(SnapshotId, wszPathFromRoot, lAttributes, wszExpose, &pwszExposed)`.
    pub(crate) fn expose_snapshot(
        &mut self,
        req: RequesterId,
        id: VssId,
        path_from_root: Option<&str>,
        attributes: A,
        expose: Option<&str>,
    ) -> VssResult<String> {
        let m = self.begin_call(req, Method::ExposeSnapshot)?;
        if !self.requester(req).phase.is_initialized() {
            return Err(HResult::VSS_E_BAD_STATE);
        }
        let locally = attributes == A::VSS_VOLSNAP_ATTR_EXPOSED_LOCALLY;
        if id.is_null() || !(locally || attributes == A::VSS_VOLSNAP_ATTR_EXPOSED_REMOTELY) {
            return Err(HResult::E_INVALIDARG);
        }
        if locally
            && (path_from_root.is_some()
                || expose.is_none_or(|e| !is_drive_letter(e) && !is_mount_folder(e)))
        {
            return Err(HResult::E_INVALIDARG);
        }
        let context = self.administration_context(req);
        let (p, prop) = self.find_copy(m, id, context)?;
        let current = prop.snapshot_attributes;
        let refused = current
            .intersects(A::VSS_VOLSNAP_ATTR_EXPOSED_LOCALLY | A::VSS_VOLSNAP_ATTR_EXPOSED_REMOTELY)
            || current.contains(A::VSS_VOLSNAP_ATTR_CLIENT_ACCESSIBLE)
            || (locally && !current.contains(A::VSS_VOLSNAP_ATTR_PERSISTENT));
        let name = match expose {
            Some(e) if is_drive_letter(e) => e.trim_end_matches('\\').to_ascii_uppercase(),
            Some(e) => e.to_string(),
            None => id.to_string(),
        };
        let key = name.trim_end_matches('\\').to_ascii_uppercase();
        let in_use = self.machines[m].exposures.contains_key(&key)
            || (locally && self.find_volume(m, &name).is_some());
        if refused || in_use {
            return Err(self.policy.expose_refused);
        }
        let path = if locally {
            None
        } else {
            path_from_root.map(str::to_string)
        };
        let new_attributes = (current - A::VSS_VOLSNAP_ATTR_NOT_SURFACED) | attributes;
        let exposure = Exposure {
            name: Some(name.clone()),
            path,
            attributes: new_attributes,
        };
        self.set_copy_properties(m, p, &prop, exposure)?;
        self.machines[m].exposures.insert(key, id);
        self.note(m, format!("shadow copy {id} exposed as {name}"));
        Ok(name)
    }

    /// `UnexposeSnapshot(snapshotId)`.
    pub(crate) fn unexpose_snapshot(&mut self, req: RequesterId, id: VssId) -> VssResult {
        let m = self.begin_call(req, Method::UnexposeSnapshot)?;
        if !self.requester(req).phase.is_initialized() {
            return Err(HResult::VSS_E_BAD_STATE);
        }
        if id.is_null() {
            return Err(HResult::E_INVALIDARG);
        }
        let context = self.administration_context(req);
        let (p, prop) = self.find_copy(m, id, context)?;
        let exposed = A::VSS_VOLSNAP_ATTR_EXPOSED_LOCALLY | A::VSS_VOLSNAP_ATTR_EXPOSED_REMOTELY;
        if !prop.snapshot_attributes.intersects(exposed) {
            return Err(HResult::VSS_E_OBJECT_NOT_FOUND);
        }
        // Only a hardware copy goes back to being not surfaced; a software one is a device.
        let mut attributes = prop.snapshot_attributes - exposed;
        if attributes.contains(A::VSS_VOLSNAP_ATTR_HARDWARE_ASSISTED) {
            attributes |= A::VSS_VOLSNAP_ATTR_NOT_SURFACED;
        }
        let exposure = Exposure {
            name: None,
            path: None,
            attributes,
        };
        self.set_copy_properties(m, p, &prop, exposure)?;
        self.machines[m].exposures.retain(|_, s| *s != id);
        self.note(m, format!("shadow copy {id} unexposed"));
        Ok(())
    }

    /// Writes the exposure fields of a shadow copy: through `SetSnapshotProperty` for a
    /// software provider's; into VSS's own record, and the shadow volume's mount point, for
    /// a hardware one.
    fn set_copy_properties(
        &mut self,
        m: MachineId,
        keeper: Keeper,
        old: &SnapshotProp,
        new: Exposure,
    ) -> VssResult {
        let id = old.snapshot_id;
        let Keeper::Provider(p) = keeper else {
            let local = new.attributes.contains(A::VSS_VOLSNAP_ATTR_EXPOSED_LOCALLY);
            let mount = new.name.clone().filter(|_| local).map(|n| {
                if n.ends_with('\\') {
                    n
                } else {
                    format!("{n}\\")
                }
            });
            let copy = self.hw_copies.get_mut(&id).expect("found above");
            copy.prop.exposed_name = new.name;
            copy.prop.exposed_path = new.path;
            copy.prop.snapshot_attributes = new.attributes;
            if let HwState::Surfaced { layout, .. } = copy.state {
                let volumes = &mut self.machines[m].volumes;
                if let Some(volume) = volumes.on_layout(layout) {
                    volumes.set_mount(volume, mount);
                }
            }
            return Ok(());
        };
        let fields = |e: Exposure| {
            [
                (
                    SnapshotPropertyId::VSS_SPROPID_EXPOSED_NAME,
                    PropertyValue::Text(e.name),
                ),
                (
                    SnapshotPropertyId::VSS_SPROPID_EXPOSED_PATH,
                    PropertyValue::Text(e.path),
                ),
                (
                    SnapshotPropertyId::VSS_SPROPID_SNAPSHOT_ATTRIBUTES,
                    PropertyValue::Long(e.attributes.bits() as i32),
                ),
            ]
        };
        for (done, (property, value)) in fields(new).into_iter().enumerate() {
            let args = format!("{id}, {property}, {value:?}");
            if let Err(hr) = self.call_provider(m, p, Method::SetSnapshotProperty, args, |pr| {
                pr.set_snapshot_property(id, property, value)
            }) {
                // Put back what was already changed, so that a failed call changes nothing.
                let before = Exposure {
                    name: old.exposed_name.clone(),
                    path: old.exposed_path.clone(),
                    attributes: old.snapshot_attributes,
                };
                for (property, value) in fields(before).into_iter().take(done) {
                    let args = format!("{id}, {property}, {value:?}");
                    let _ = self.call_provider(m, p, Method::SetSnapshotProperty, args, |pr| {
                        pr.set_snapshot_property(id, property, value)
                    });
                }
                return Err(self.translate(m, hr));
            }
        }
        Ok(())
    }

    /// `IsVolumeSupported(ProviderId, pwszVolumeName, &bSupported)`: whether shadow copies of
    /// the volume are possible at all, even if a limit is reached now.
    pub(crate) fn is_volume_supported(
        &mut self,
        req: RequesterId,
        provider: VssId,
        volume: &str,
    ) -> VssResult<bool> {
        let m = self.begin_call(req, Method::IsVolumeSupported)?;
        if !self.requester(req).phase.is_initialized() {
            return Err(HResult::VSS_E_BAD_STATE);
        }
        // A name without its trailing backslash names no volume.
        let v = self
            .find_volume(m, volume)
            .filter(|_| volume.ends_with('\\'))
            .ok_or(HResult::VSS_E_OBJECT_NOT_FOUND)?;
        let name = self.machines[m].volumes[v].name.clone();
        let context = self.requester(req).context;
        for p in self.machines[m].providers.keys() {
            let id = self.machines[m].providers[p].prop.provider_id;
            if (provider.is_null() || provider == id)
                && self.provider_supports(m, p, &name, context)?
            {
                return Ok(true);
            }
        }
        Ok(false)
    }
}
