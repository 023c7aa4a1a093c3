//! Block I/O on a machine: writes to volumes go through every software provider's driver
//! first (copy-on-write); reads resolve volumes (by mount point, name or device object),
//! software shadow copy devices, exposed names and shadow copy ids.

use vss_model::backend::EnvError;
use vss_model::{Block, VssId};

use crate::handles::{MachineId, VolumeSlot};
use crate::san::{LiveReader, same_mount};
use crate::world::World;

/// What a read or write names.
enum Target {
    /// A volume the machine reaches.
    Volume(VolumeSlot),
    /// A software shadow copy's device object, and the volume it copies.
    Shadow { device: String, volume: VolumeSlot },
}

impl World {
    fn resolve(&self, m: MachineId, target: &str) -> Result<Target, EnvError> {
        let unknown = || EnvError::UnknownTarget {
            machine: self.machines[m].name.clone(),
            target: target.to_string(),
        };
        if let Some(v) = self.find_volume(m, target) {
            return Ok(Target::Volume(v));
        }
        let snapshot = match target.parse::<VssId>() {
            Ok(id) => Some(id),
            Err(_) => self.machines[m]
                .exposures
                .iter()
                .find(|(name, _)| same_mount(name, target))
                .map(|(_, id)| *id),
        };
        let device = match snapshot {
            Some(id) => self.machines[m]
                .providers
                .iter()
                .filter_map(|r| r.instance.driver_ref())
                .find_map(|d| d.device_of(id))
                .ok_or_else(unknown)?,
            None => target.to_string(),
        };
        // A hardware shadow copy is a volume of its own.
        if let Some(v) = self.find_volume(m, &device) {
            return Ok(Target::Volume(v));
        }
        let original = self.machines[m]
            .providers
            .iter()
            .filter_map(|r| r.instance.driver_ref())
            .find_map(|d| d.original_volume(&device))
            .ok_or_else(unknown)?;
        let volume = self.find_volume(m, &original).ok_or_else(unknown)?;
        Ok(Target::Shadow { device, volume })
    }

    /// Refuses block I/O on a volume being reverted: it is dismounted until the revert ends.
    fn check_mounted(&self, m: MachineId, v: VolumeSlot, target: &str) -> Result<(), EnvError> {
        let name = &self.machines[m].volumes[v].name;
        match self.reverting(m, name) {
            Some(id) => Err(EnvError::Invalid(format!(
                "`{target}` is being reverted to shadow copy {id}: it is dismounted until the revert ends"
            ))),
            None => Ok(()),
        }
    }

    fn check_block(
        &self,
        m: MachineId,
        v: VolumeSlot,
        target: &str,
        block: u64,
    ) -> Result<(), EnvError> {
        let blocks = self.machines[m].volumes[v].blocks;
        if block >= blocks {
            return Err(EnvError::OutOfRange {
                target: target.to_string(),
                block,
                blocks,
            });
        }
        Ok(())
    }

    /// Writes a block of a volume.
    pub fn write_block(
        &mut self,
        machine: &str,
        target: &str,
        block: u64,
        data: &[u8],
    ) -> Result<(), EnvError> {
        let m = self.machine_index(machine)?;
        let content = Block::new(data).map_err(|e| EnvError::Invalid(e.to_string()))?;
        let v = match self.resolve(m, target)? {
            Target::Volume(v) => v,
            Target::Shadow { .. } => return Err(EnvError::ReadOnly(target.to_string())),
        };
        self.check_mounted(m, v, target)?;
        self.check_block(m, v, target, block)?;
        let deleted = self
            .write_volume(m, v, block, content)
            .map_err(|e| match e {
                EnvError::ReadOnly(_) => EnvError::ReadOnly(target.to_string()),
                other => other,
            })?;
        for d in deleted {
            self.forget_copy(m, d.snapshot_id, d.reason);
        }
        Ok(())
    }

    /// Reads a block of a volume, a shadow copy device (`\\?\GLOBALROOT\Device\…`), an
    /// exposed name (`X:`) or a shadow copy id.
    pub fn read_block(&self, machine: &str, target: &str, block: u64) -> Result<Block, EnvError> {
        let m = self.machine_index(machine)?;
        match self.resolve(m, target)? {
            Target::Volume(v) => {
                self.check_mounted(m, v, target)?;
                self.check_block(m, v, target, block)?;
                Ok(self.read_volume(m, v, block))
            }
            Target::Shadow { device, volume } => {
                self.check_block(m, volume, target, block)?;
                let machine = &self.machines[m];
                let array = self.san.array();
                let live = LiveReader {
                    volumes: &machine.volumes,
                    san: (&self.san.layouts, &*array),
                };
                machine
                    .providers
                    .iter()
                    .filter_map(|r| r.instance.driver_ref())
                    .find_map(|d| d.read_shadow(&device, block, &live))
                    .ok_or_else(|| EnvError::UnknownTarget {
                        machine: machine.name.clone(),
                        target: target.to_string(),
                    })
            }
        }
    }
}
