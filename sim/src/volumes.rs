//! Volumes as a machine sees them: on its local disk, or laid out on array LUNs, which the
//! machine reaches only while every one of them is unmasked to it.

use vss_model::Block;
use vss_model::backend::EnvError;
use vss_sim_hw::LunChange;

use crate::handles::{LayoutId, MachineId, VolumeSlot};
use crate::machine_volumes::{Placement, Volume};
use crate::san::{LiveReader, Role, same_mount};
use crate::world::World;

impl World {
    /// `GetVolumeNameForVolumeMountPoint`.
    pub fn volume_name_for_mount_point(
        &self,
        machine: &str,
        mount: &str,
    ) -> Result<String, EnvError> {
        let m = self.machine_index(machine)?;
        self.find_volume(m, mount)
            .map(|v| self.machines[m].volumes[v].name.clone())
            .ok_or_else(|| EnvError::UnknownTarget {
                machine: machine.to_string(),
                target: mount.to_string(),
            })
    }

    /// `GetVolumePathNamesForVolumeName`: where a volume of `machine` is mounted.
    pub fn volume_path_names_for_volume_name(
        &self,
        machine: &str,
        volume_name: &str,
    ) -> Result<Vec<String>, EnvError> {
        let m = self.machine_index(machine)?;
        let volumes = &self.machines[m].volumes;
        let volume = volumes
            .named(volume_name)
            .map(|v| &volumes[v])
            .find(|v| v.name.eq_ignore_ascii_case(volume_name))
            .ok_or_else(|| EnvError::UnknownTarget {
                machine: machine.to_string(),
                target: volume_name.to_string(),
            })?;
        Ok(volume.mount().into_iter().map(str::to_string).collect())
    }

    /// `ShouldBlockRevert`: whether writers that block a revert have components on a
    /// volume, as the world file says. The name needs its trailing backslash, as the
    /// function's page asks.
    pub fn should_block_revert(&self, machine: &str, volume: &str) -> Result<bool, EnvError> {
        let (m, v, _) = self.locate_volume(machine, volume)?;
        if !volume.ends_with('\\') {
            return Err(EnvError::Invalid(format!(
                "`{volume}` lacks its trailing backslash"
            )));
        }
        let name = &self.machines[m].volumes[v].name;
        Ok(self.machines[m].writers_block_revert.contains(name))
    }

    /// Whether machine `m` reaches volume `v`: a local one always, one on LUNs while every
    /// LUN is unmasked to it.
    pub(crate) fn reaches(&self, m: MachineId, v: VolumeSlot) -> bool {
        match &self.machines[m].volumes[v].placement {
            Placement::Local(_) => true,
            Placement::San(l) => {
                let san = &self.san;
                let array = san.array();
                let machine = &self.machines[m].name;
                san.layouts[*l].extents.iter().all(|e| {
                    array
                        .lun(&e.lun)
                        .is_some_and(|lun| lun.visible_to.contains(machine))
                })
            }
        }
    }

    /// The volume a name designates on a machine that reaches it: its mount point (`E:\`),
    /// its `\\?\Volume{GUID}\` name or its device object.
    pub(crate) fn find_volume(&self, m: MachineId, name: &str) -> Option<VolumeSlot> {
        let volumes = &self.machines[m].volumes;
        volumes.named(name).find(|&i| {
            let v = &volumes[i];
            let named = v.mount().is_some_and(|mount| same_mount(mount, name))
                || same_mount(&v.name, name)
                || v.device.eq_ignore_ascii_case(name);
            named && self.reaches(m, i)
        })
    }

    /// Whether a volume is a hardware shadow copy's, surfaced and not broken.
    pub(crate) fn is_shadow_volume(&self, m: MachineId, v: VolumeSlot) -> bool {
        match &self.machines[m].volumes[v].placement {
            Placement::Local(_) => false,
            Placement::San(l) => matches!(self.san.layouts[*l].role, Role::Shadow(_)),
        }
    }

    /// Whether a volume on LUNs is read-only (any of its LUNs is).
    pub(crate) fn volume_read_only(&self, m: MachineId, v: VolumeSlot) -> bool {
        match &self.machines[m].volumes[v].placement {
            Placement::Local(_) => false,
            Placement::San(l) => {
                let san = &self.san;
                let array = san.array();
                san.layouts[*l]
                    .extents
                    .iter()
                    .any(|e| array.lun(&e.lun).is_some_and(|lun| lun.read_only))
            }
        }
    }

    /// Reads a block of a volume the machine reaches.
    pub(crate) fn read_volume(&self, m: MachineId, v: VolumeSlot, block: u64) -> Block {
        let volume = &self.machines[m].volumes[v];
        match &volume.placement {
            Placement::Local(data) => data.get(&block).cloned().unwrap_or_default(),
            Placement::San(l) => {
                let san = &self.san;
                let (lun, at) = san.layouts[*l]
                    .locate(block)
                    .expect("checked against the size");
                san.array().read(lun, at).expect("the LUN holds the block")
            }
        }
    }

    /// Writes a block of a volume, after every software provider's driver has seen it.
    /// Returns the shadow copies the drivers deleted to make room.
    pub(crate) fn write_volume(
        &mut self,
        m: MachineId,
        v: VolumeSlot,
        block: u64,
        content: Block,
    ) -> Result<Vec<vss_model::provider::DriverDeletion>, EnvError> {
        if self.volume_read_only(m, v) {
            return Err(EnvError::ReadOnly(self.machines[m].volumes[v].name.clone()));
        }
        let name = self.machines[m].volumes[v].name.clone();
        let mut deleted = Vec::new();
        {
            let array = self.san.array();
            let san = (&self.san.layouts, &*array);
            let machine = &mut self.machines[m];
            for registered in &mut machine.providers {
                if let Some(driver) = registered.instance.driver() {
                    let live = LiveReader {
                        volumes: &machine.volumes,
                        san,
                    };
                    deleted.extend(driver.before_write(&name, block, &live));
                }
            }
        }
        match &mut self.machines[m].volumes[v].placement {
            Placement::Local(data) => {
                if content.is_zero() {
                    data.remove(&block);
                } else {
                    data.insert(block, content);
                }
            }
            Placement::San(l) => {
                let san = &self.san;
                let (lun, at) = san.layouts[*l]
                    .locate(block)
                    .expect("checked against the size");
                san.array()
                    .write(lun, at, content)
                    .expect("the LUN holds the block");
            }
        }
        Ok(deleted)
    }
}

/// Whether a name is a drive letter (`E:\`) or an absolute mount folder (`C:\Mount\E\`),
/// with its trailing backslash.
pub(crate) fn is_mount_point(name: &str) -> bool {
    let b = name.as_bytes();
    b.len() >= 3
        && b[0].is_ascii_alphabetic()
        && name[1..].starts_with(":\\")
        && name.ends_with('\\')
        && !name[2..].contains("\\\\")
}

impl World {
    /// The machine finds the volumes on LUNs that have become reachable: an original or
    /// broken volume of any machine, once every LUN of it is unmasked to this one, appears
    /// here too, without a mount point.
    pub(crate) fn rescan(&mut self, m: MachineId) {
        let san = &self.san;
        let machine = self.machines[m].name.clone();
        let found: Vec<LayoutId> = {
            let array = san.array();
            san.layouts
                .keys()
                .filter(|l| !matches!(san.layouts[*l].role, Role::Shadow(_)))
                .filter(|l| self.machines[m].volumes.on_layout(*l).is_none())
                .filter(|l| {
                    san.layouts[*l].extents.iter().all(|e| {
                        array
                            .lun(&e.lun)
                            .is_some_and(|lun| lun.visible_to.contains(&machine))
                    })
                })
                .collect()
        };
        for l in found {
            let device = self.attach_layout(m, l);
            let name = &self.san.layouts[l].name;
            self.note(m, format!("volume {name} arrived as {device}"));
        }
    }

    /// Adds a volume laid out on the SAN to a machine, without a mount point, under the
    /// machine's next device name; returns that name.
    pub(crate) fn attach_layout(&mut self, m: MachineId, layout: LayoutId) -> String {
        let san = &self.san;
        let (name, blocks) = (san.layouts[layout].name.clone(), san.layouts[layout].blocks);
        let machine = &mut self.machines[m];
        machine.last_volume_device += 1;
        let device = format!(
            r"\\?\GLOBALROOT\Device\HarddiskVolume{}",
            machine.last_volume_device
        );
        machine.volumes.add(Volume::new(
            name,
            None,
            device.clone(),
            blocks,
            Placement::San(layout),
        ));
        device
    }

    /// Unmasks or masks an array LUN to a machine.
    pub fn set_lun_visible(
        &mut self,
        machine: &str,
        lun: &str,
        visible: bool,
    ) -> Result<(), EnvError> {
        let m = self.machine_index(machine)?;
        if !self.san.described {
            return Err(EnvError::Invalid("the world has no SAN".into()));
        }
        let san = &self.san;
        let name = self.machines[m].name.clone();
        // LUN names are matched in any case, as the other LUN steps match them.
        let lun = san
            .array()
            .luns()
            .find(|l| l.id.eq_ignore_ascii_case(lun))
            .map_or_else(|| lun.to_string(), |l| l.id.to_string());
        let lun = lun.as_str();
        let reached_before: Vec<(VolumeSlot, bool)> = self.machines[m]
            .volumes
            .slots()
            .into_iter()
            .map(|v| (v, self.reaches(m, v)))
            .collect();
        san.array()
            .set_visible(lun, &name, visible)
            .map_err(|e| EnvError::Invalid(e.to_string()))?;
        self.note_lun_changes(m);
        if visible {
            self.rescan(m);
            self.settle_returning_mounts(m, &reached_before);
        }
        Ok(())
    }

    /// A volume that comes back keeps its mount point unless another volume took it while it
    /// was away, as the mount manager hands a drive letter to one volume only.
    fn settle_returning_mounts(&mut self, m: MachineId, reached_before: &[(VolumeSlot, bool)]) {
        for &(v, reached) in reached_before {
            if reached || !self.reaches(m, v) {
                continue;
            }
            let Some(mount) = self.machines[m].volumes[v].mount().map(str::to_string) else {
                continue;
            };
            let holder = self.machines[m].volumes.named(&mount).find(|&x| {
                x != v
                    && reached_before
                        .binary_search_by_key(&x, |(slot, _)| *slot)
                        .is_ok_and(|i| reached_before[i].1)
                    && self.machines[m].volumes[x]
                        .mount()
                        .is_some_and(|y| same_mount(y, &mount))
            });
            let exposed = self.machines[m]
                .exposures
                .keys()
                .any(|e| same_mount(e, &mount));
            let holder = match holder {
                Some(x) => self.machines[m].volumes[x].device.clone(),
                None if exposed => "an exposed shadow copy".to_string(),
                None => continue,
            };
            self.machines[m].volumes.set_mount(v, None);
            let text = format!(
                "{} is back without {mount}, which {holder} holds now",
                self.machines[m].volumes[v].device
            );
            self.note(m, text);
        }
    }

    /// Puts the array's LUN state changes in the trace, as seen from a machine.
    pub(crate) fn note_lun_changes(&mut self, m: MachineId) {
        let changes = self.san.array().take_changes();
        for change in changes {
            if let LunChange::Created { lun, .. } = &change {
                self.san.made_in_creation.push(lun.clone());
            }
            self.note(m, change.to_string());
        }
    }

    /// Every LUN of the array, as a storage administrator sees it.
    pub fn lun_states(&self) -> Vec<vss_model::backend::LunState> {
        let array = self.san.array();
        let deleted = array.deleted().map(|name| vss_model::backend::LunState {
            name: name.to_string(),
            serial: String::new(),
            identity: String::new(),
            visible_to: Vec::new(),
            read_only: false,
            hidden: false,
            clone_of: None,
            clone_kind: None,
            deleted: true,
        });
        let mut states: Vec<_> = array
            .luns()
            .map(|l| vss_model::backend::LunState {
                name: l.id.to_string(),
                serial: l.serial.clone(),
                identity: l.identity.to_string(),
                visible_to: l.visible_to.iter().cloned().collect(),
                read_only: l.read_only,
                hidden: l.hidden,
                clone_of: match &l.origin {
                    vss_sim_hw::Origin::Provisioned => None,
                    vss_sim_hw::Origin::Clone { source, .. } => Some(source.to_string()),
                },
                clone_kind: match &l.origin {
                    vss_sim_hw::Origin::Provisioned => None,
                    vss_sim_hw::Origin::Clone { kind, .. } => Some(kind.name()),
                },
                deleted: false,
            })
            .chain(deleted)
            .collect();
        states.sort_by(|a, b| a.name.cmp(&b.name));
        states
    }

    /// The array LUNs of a volume the machine reaches, in order (none for a local volume).
    pub fn luns_of_volume(&self, machine: &str, target: &str) -> Result<Vec<String>, EnvError> {
        self.locate_volume(machine, target).map(|(_, _, luns)| luns)
    }

    /// The machine and volume indexes of a volume the machine reaches, and its LUNs.
    fn locate_volume(
        &self,
        machine: &str,
        target: &str,
    ) -> Result<(MachineId, VolumeSlot, Vec<String>), EnvError> {
        let m = self.machine_index(machine)?;
        let v = self
            .find_volume(m, target)
            .ok_or_else(|| EnvError::UnknownTarget {
                machine: machine.to_string(),
                target: target.to_string(),
            })?;
        let luns = match &self.machines[m].volumes[v].placement {
            Placement::Local(_) => Vec::new(),
            Placement::San(l) => self.san.layouts[*l]
                .extents
                .iter()
                .map(|e| e.lun.to_string())
                .collect(),
        };
        Ok((m, v, luns))
    }

    /// The LUNs of a volume the machine reaches; an error for a local one.
    fn volume_luns_of(
        &self,
        machine: &str,
        target: &str,
    ) -> Result<(MachineId, VolumeSlot, Vec<String>), EnvError> {
        let found = self.locate_volume(machine, target)?;
        if found.2.is_empty() {
            return Err(EnvError::Invalid(format!(
                "`{target}` is on the local disk; only volumes on LUNs are managed this way"
            )));
        }
        Ok(found)
    }

    /// Sets or clears the read-only flag of a volume on LUNs.
    pub fn set_volume_read_only(
        &mut self,
        machine: &str,
        target: &str,
        read_only: bool,
    ) -> Result<(), EnvError> {
        let (m, _, luns) = self.volume_luns_of(machine, target)?;
        {
            let san = &self.san;
            let mut array = san.array();
            for lun in &luns {
                array
                    .set_read_only(lun, read_only)
                    .expect("a LUN of a volume");
            }
        }
        self.note_lun_changes(m);
        Ok(())
    }

    /// Gives a volume a drive letter or mount folder, or takes it away.
    pub fn assign_mount(
        &mut self,
        machine: &str,
        target: &str,
        mount: Option<&str>,
    ) -> Result<(), EnvError> {
        let (m, v, _) = self.locate_volume(machine, target)?;
        let mount = match mount {
            None => None,
            Some(name) => {
                let name = if name.ends_with('\\') {
                    name.to_string()
                } else {
                    format!("{name}\\")
                };
                if !is_mount_point(&name) {
                    return Err(EnvError::Invalid(format!(
                        "`{name}` is neither a drive letter nor a mount folder"
                    )));
                }
                // A volume this machine no longer reaches (its LUNs masked) gives its mount
                // point up.
                let volumes = &self.machines[m].volumes;
                let taken = volumes.named(&name).any(|i| {
                    i != v
                        && volumes[i].mount().is_some_and(|y| same_mount(y, &name))
                        && self.reaches(m, i)
                }) || self.machines[m]
                    .exposures
                    .keys()
                    .any(|e| same_mount(e, &name));
                if taken {
                    return Err(EnvError::Invalid(format!(
                        "`{name}` is in use on {machine}"
                    )));
                }
                Some(name)
            }
        };
        self.machines[m].volumes.set_mount(v, mount.clone());
        let volume = &self.machines[m].volumes[v];
        let text = match mount {
            Some(mount) => format!("{} mounted at {mount}", volume.device),
            None => format!("{} has no mount point now", volume.device),
        };
        self.note(m, text);
        Ok(())
    }
}
