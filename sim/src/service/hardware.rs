//! Hardware shadow copies: the LUNs of volumes as VSS describes them, surfacing shadow LUNs
//! on a machine (the import steps of `LocateLuns` and `FillInLunInfo`), and handing LUNs
//! back with `OnLunEmpty`.

use vss_model::lun::{BusType, VER_VDS_LUN_INFORMATION, VdsLunInformation};
use vss_model::methods::Method;
use vss_model::{Context, HResult, SnapshotAttributes as A, VssId};
use vss_sim_hw::DiskIdentity;

use crate::handles::{MachineId, ProviderSlot, VolumeSlot};
use crate::machine_volumes::Placement;
use crate::san::{Extent, Layout, Role};
use crate::trace::TraceEvent;
use crate::world::{HwState, Instance, VolumeLuns, World};

impl World {
    /// The device name of a LUN on a machine, `\\.\PHYSICALDRIVEn`: the local disk is 0, and
    /// an array LUN has the number the machine gave it when it arrived (0 for one the
    /// machine does not see).
    pub(crate) fn lun_device(&self, m: MachineId, lun: &str) -> String {
        let n = self
            .san
            .array()
            .disk_number(&self.machines[m].name, lun)
            .unwrap_or(0);
        format!(r"\\.\PHYSICALDRIVE{n}")
    }

    /// The machine's local disk as VSS describes it: no array knows it.
    fn local_disk(&self, m: MachineId) -> VdsLunInformation {
        VdsLunInformation {
            version: VER_VDS_LUN_INFORMATION,
            device_type: 0,
            device_type_modifier: 0,
            command_queueing: true,
            bus_type: BusType::VDSBusTypeSata,
            vendor_id: Some("ATA".to_string()),
            product_id: Some("LOCAL DISK".to_string()),
            product_revision: Some("1.0".to_string()),
            serial_number: Some(format!("{}-DISK0", self.machines[m].name)),
            disk_signature: VssId::NULL,
            identifiers: Vec::new(),
            interconnects: Vec::new(),
        }
    }

    /// The LUNs a volume lies on, as VSS hands them to hardware providers.
    pub(crate) fn volume_luns(&self, m: MachineId, v: VolumeSlot) -> VolumeLuns {
        let volume = &self.machines[m].volumes[v];
        match &volume.placement {
            Placement::Local(_) => VolumeLuns {
                devices: vec![r"\\.\PHYSICALDRIVE0".to_string()],
                infos: vec![self.local_disk(m)],
                blocks: vec![volume.blocks],
            },
            Placement::San(l) => {
                let san = &self.san;
                let extents = &san.layouts[*l].extents;
                let infos = {
                    let array = san.array();
                    extents
                        .iter()
                        .map(|e| {
                            let mut info = array.info(&e.lun);
                            // VSS reads the disk's signature from the disk itself.
                            info.disk_signature = array
                                .lun(&e.lun)
                                .map_or(VssId::NULL, |l| l.identity.as_guid());
                            info
                        })
                        .collect()
                };
                VolumeLuns {
                    devices: extents.iter().map(|e| self.lun_device(m, &e.lun)).collect(),
                    infos,
                    blocks: extents.iter().map(|e| e.blocks).collect(),
                }
            }
        }
    }

    /// `AreLunsSupported` for the LUNs of a volume.
    pub(crate) fn hardware_supports(
        &mut self,
        m: MachineId,
        p: ProviderSlot,
        v: VolumeSlot,
        context: Context,
    ) -> Result<bool, HResult> {
        let VolumeLuns {
            devices, mut infos, ..
        } = self.volume_luns(m, v);
        let args = format!("{context}, {}", devices.join(" "));
        self.call_hardware(m, p, Method::AreLunsSupported, args, |pr| {
            pr.are_luns_supported(context, &devices, &mut infos)
        })
        .map_err(|hr| self.translate(m, hr))
    }

    /// The hardware provider of a machine with this id, if it is registered there.
    pub(crate) fn hardware_provider(&self, m: MachineId, id: VssId) -> Option<ProviderSlot> {
        self.machines[m]
            .providers
            .position(|r| r.prop.provider_id == id && matches!(r.instance, Instance::Hardware(_)))
    }

    /// Surfaces hardware shadow copies on machine `m` through provider `p`: `LocateLuns`
    /// unmasks their shadow LUNs, VSS finds the disks that arrived and asks `FillInLunInfo`
    /// about each, writes a new disk identity on each (a shadow LUN must not collide with its
    /// original) and mounts each volume hidden and read-only. Returns the copies surfaced: a
    /// copy some LUN of which did not arrive is not.
    pub(crate) fn surface(
        &mut self,
        m: MachineId,
        p: ProviderSlot,
        ids: &[VssId],
    ) -> Result<Vec<VssId>, HResult> {
        let shadows: Vec<VdsLunInformation> = ids
            .iter()
            .flat_map(|id| {
                self.hw_copies[id]
                    .pairs
                    .iter()
                    .map(|(_, shadow, _)| shadow.clone())
            })
            .collect();
        self.call_hardware(m, p, Method::LocateLuns, serials(&shadows), |pr| {
            pr.locate_luns(&shadows)
        })
        .map_err(|hr| self.translate(m, hr))?;
        let mut surfaced = Vec::new();
        for &id in ids {
            let mut luns = Vec::new();
            for (_, shadow, blocks) in self.hw_copies[&id].pairs.clone() {
                let machine = self.machines[m].name.clone();
                let found = {
                    let san = &self.san;
                    let array = san.array();
                    array
                        .find(&shadow)
                        .filter(|l| l.visible_to.contains(&machine))
                        .map(|l| l.id.clone())
                };
                let Some(lun) = found else {
                    self.note(
                        m,
                        format!(
                            "LUN {} did not arrive",
                            shadow.serial_number.clone().unwrap_or_default()
                        ),
                    );
                    break;
                };
                let device = self.lun_device(m, &lun);
                let mut info = shadow.clone();
                let ours = self
                    .call_hardware(m, p, Method::FillInLunInfo, device.clone(), |pr| {
                        pr.fill_in_lun_info(&device, &mut info)
                    })
                    .unwrap_or(false);
                if !ours || !info.same_lun(&shadow) {
                    self.note(
                        m,
                        format!("LUN {lun} does not match the shadow copy's description"),
                    );
                    break;
                }
                luns.push(Extent { lun, blocks });
            }
            if luns.len() == self.hw_copies[&id].pairs.len() {
                self.mount_shadow(m, id, luns);
                surfaced.push(id);
            }
        }
        Ok(surfaced)
    }

    /// Mounts a shadow copy's volume on its arrived LUNs: new disk identities, hidden and
    /// read-only.
    fn mount_shadow(&mut self, m: MachineId, id: VssId, extents: Vec<Extent>) {
        for extent in &extents {
            let fresh = self.new_id();
            let san = &self.san;
            let mut array = san.array();
            let new = match array.lun(&extent.lun).expect("arrived").identity {
                DiskIdentity::Mbr(_) => DiskIdentity::Mbr(fresh.data1),
                DiskIdentity::Gpt(_) => DiskIdentity::Gpt(fresh),
            };
            array.set_identity(&extent.lun, new).expect("arrived");
            array.set_hidden(&extent.lun, true).expect("arrived");
            array.set_read_only(&extent.lun, true).expect("arrived");
        }
        self.note_lun_changes(m);
        let guid = self.new_id();
        let blocks = extents.iter().map(|e| e.blocks).sum();
        let san = &mut self.san;
        let layout = san.layouts.push_and_get_key(Layout {
            name: format!(r"\\?\Volume{guid}\"),
            extents,
            blocks,
            role: Role::Shadow(id),
        });
        let device = self.attach_layout(m, layout);
        let machine_name = self.machines[m].name.clone();
        let copy = self.hw_copies.get_mut(&id).expect("known");
        copy.state = HwState::Surfaced { machine: m, layout };
        copy.prop.snapshot_device_object = device.clone();
        copy.prop.service_machine = machine_name.clone();
        let (origin, original) = (
            copy.prop.originating_machine.clone(),
            copy.prop.original_volume_name.clone(),
        );
        let volume = match self.machine_index(&origin) {
            Ok(o) => format!("{origin} {}", self.display_volume(o, &original)),
            Err(_) => original,
        };
        self.record(TraceEvent::Created {
            machine: machine_name,
            snapshot: id,
            device,
            volume,
        });
    }

    /// The hardware shadow copies surfaced on a machine, oldest first.
    pub(crate) fn hw_on(&self, m: MachineId) -> Vec<VssId> {
        let mut ids: Vec<_> = self
            .hw_copies
            .iter()
            .filter(|(_, c)| matches!(c.state, HwState::Surfaced { machine, .. } if machine == m))
            .map(|(id, c)| {
                (
                    c.prop.creation_timestamp,
                    c.prop.snapshot_device_object.clone(),
                    *id,
                )
            })
            .collect();
        ids.sort();
        ids.into_iter().map(|(_, _, id)| id).collect()
    }

    /// Deletes a hardware shadow copy: VSS dismounts its volume and hands each of its shadow
    /// LUNs back to the provider with `OnLunEmpty` (best effort: a refusal leaves the LUN to
    /// the provider, and the copy is gone all the same).
    pub(crate) fn delete_hw_copy(&mut self, id: VssId, reason: &str) {
        let Some(copy) = self.hw_copies.remove(&id) else {
            return;
        };
        let (m, layout) = match copy.state {
            HwState::Surfaced { machine, layout } => (machine, Some(layout)),
            HwState::Transported { creator } => (creator, None),
        };
        if let Some(layout) = layout {
            let volumes = &mut self.machines[m].volumes;
            if let Some(volume) = volumes.on_layout(layout) {
                volumes.remove(volume);
            }
        }
        if let Some(p) = self.hardware_provider(m, copy.prop.provider_id) {
            for (_, shadow, _) in &copy.pairs {
                // A LUN the machine sees is described by its provider first, as VSS does
                // before OnLunEmpty; one never surfaced has no device here.
                let machine = self.machines[m].name.clone();
                let seen = self
                    .san
                    .array()
                    .find(shadow)
                    .filter(|l| l.visible_to.contains(&machine))
                    .map(|l| l.id.clone());
                let device = match &seen {
                    Some(lun) => {
                        let device = self.lun_device(m, lun);
                        let mut info = shadow.clone();
                        // VSS ignores what FillInLunInfo returns.
                        let _ =
                            self.call_hardware(m, p, Method::FillInLunInfo, device.clone(), |pr| {
                                pr.fill_in_lun_info(&device, &mut info)
                            });
                        device
                    }
                    None => String::new(),
                };
                let serial = shadow.serial_number.clone().unwrap_or_default();
                let args = if device.is_empty() {
                    serial
                } else {
                    format!("{device}, {serial}")
                };
                let handed_back = self.call_hardware(m, p, Method::OnLunEmpty, args, |pr| {
                    pr.on_lun_empty(&device, shadow)
                });
                // A LUN its provider would not take back stays on the array, no copy's.
                if handed_back.is_err() {
                    let lun = self.san.array().find(shadow).map(|l| l.id.clone());
                    self.san.left_behind.extend(lun);
                }
            }
        }
        self.forget_copy(m, id, reason);
    }

    /// Attributes of a hardware shadow copy made under a context: `NOT_SURFACED`, as every
    /// hardware copy is while not exposed, whether mounted hidden or still on masked LUNs.
    pub(crate) fn hw_attributes(context: Context) -> A {
        context.attributes()
            | A::VSS_VOLSNAP_ATTR_HARDWARE_ASSISTED
            | A::VSS_VOLSNAP_ATTR_NOT_SURFACED
    }
}

/// The serial numbers of LUNs, as the trace shows a provider call's arguments.
pub(crate) fn serials(luns: &[VdsLunInformation]) -> String {
    luns.iter()
        .filter_map(|l| l.serial_number.as_deref())
        .collect::<Vec<_>>()
        .join(" ")
}
