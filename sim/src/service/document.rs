//! `SaveAsXML`: the backup components document of a requester object.

use vss_model::backend::VssResult;
use vss_model::document::{
    BackupComponentsDocument, BackupState, DiskExtent, LunMapping, LunPair, SnapshotDescription,
    SnapshotSetDescription, WriterMetadata,
};
use vss_model::lifecycle::RequesterPhase;
use vss_model::methods::Method;
use vss_model::{BLOCK_SIZE, Context, HResult, SnapshotAttributes, VssTimestamp};

use crate::handles::RequesterId;
use crate::world::World;

impl World {
    /// `SaveAsXML(&pbstrXML)`.
    pub(crate) fn save_as_xml(&mut self, req: RequesterId) -> VssResult<String> {
        let m = self.begin_call(req, Method::SaveAsXml)?;
        let r = self.requester(req);
        if !r.phase.is_initialized() {
            return Err(HResult::VSS_E_BAD_STATE);
        }
        let (plan, created) = match &r.phase {
            RequesterPhase::Uninitialized | RequesterPhase::Initialized => {
                // A document that was loaded and not added to is saved as it came.
                if let Some(doc) = &r.loaded {
                    return Ok(doc.to_xml());
                }
                (None, false)
            }
            RequesterPhase::SetOpen(p)
            | RequesterPhase::Creating(p)
            | RequesterPhase::Failed(p) => (Some(p.clone()), false),
            RequesterPhase::Created(p) => (Some(p.clone()), true),
        };
        let context = r.context;
        let mut doc = BackupComponentsDocument {
            context,
            backup_state: r.backup_state.map(|s| BackupState {
                select_components: s.select_components,
                bootable_system_state: s.bootable_system_state,
                backup_type: s.backup_type,
                partial_file_support: s.partial_file_support,
            }),
            writers: r
                .metadata
                .iter()
                .flatten()
                .map(|w| WriterMetadata {
                    writer_id: w.writer_id,
                    instance_id: w.instance_id,
                    writer_name: w.writer_name.clone(),
                })
                .collect(),
            components: r.components.clone(),
            snapshot_set: None,
        };
        if let Some(plan) = plan {
            let machine = self.machines[m].name.clone();
            let mut snapshots = Vec::new();
            for item in &plan.items {
                // A hardware copy's record, even one still on the array only (transportable).
                let hardware = self.hw_copies.get(&item.snapshot_id).filter(|_| created);
                let lun_mapping = hardware.map(|copy| LunMapping {
                    luns: copy
                        .pairs
                        .iter()
                        .map(|(original, shadow, _)| LunPair {
                            original: original.clone(),
                            shadow: shadow.clone(),
                        })
                        .collect(),
                    extents: copy
                        .pairs
                        .iter()
                        .enumerate()
                        .map(|(i, (_, _, blocks))| DiskExtent {
                            lun: i as u32,
                            offset: 0,
                            length: blocks * BLOCK_SIZE as u64,
                        })
                        .collect(),
                });
                let prop = match hardware {
                    Some(copy) => Some(copy.prop.clone()),
                    None if created => self
                        .find_copy(m, item.snapshot_id, Context::VSS_CTX_ALL)
                        .ok()
                        .map(|(_, p)| p),
                    None => None,
                };
                snapshots.push(SnapshotDescription {
                    snapshot_id: item.snapshot_id,
                    provider_id: self.machines[m].providers[item.provider].prop.provider_id,
                    original_volume_name: item.volume_name.clone(),
                    originating_machine: machine.clone(),
                    service_machine: machine.clone(),
                    snapshot_device_object: prop
                        .as_ref()
                        .map(|p| p.snapshot_device_object.clone())
                        .unwrap_or_default(),
                    snapshot_attributes: prop
                        .as_ref()
                        .map_or(SnapshotAttributes::empty(), |p| p.snapshot_attributes),
                    creation_timestamp: prop
                        .as_ref()
                        .map_or(VssTimestamp(0), |p| p.creation_timestamp),
                    lun_mapping,
                });
            }
            doc.snapshot_set = Some(SnapshotSetDescription {
                snapshot_set_id: plan.id,
                context,
                created,
                snapshots,
            });
        }
        Ok(doc.to_xml())
    }
}
