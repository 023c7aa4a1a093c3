//! Block I/O on a machine: writes to original volumes go through every provider's driver
//! first (copy-on-write); reads resolve volumes, shadow copy devices, exposed names and
//! shadow copy ids.

use vss_model::backend::EnvError;
use vss_model::{Block, VssId};

use crate::world::{Live, World, same_mount};

/// What a read or write names.
enum Target {
    Volume(usize),
    /// A shadow copy device object, and the volume it copies.
    Shadow {
        device: String,
        volume: usize,
    },
}

impl World {
    fn resolve(&self, m: usize, target: &str) -> Result<Target, EnvError> {
        let machine = self.machines[m].name.clone();
        let unknown = || EnvError::UnknownTarget {
            machine: machine.clone(),
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
                .find_map(|r| r.provider.device_of(id)),
            None => Some(target.to_string()),
        };
        let (device, volume) = device
            .and_then(|device| {
                let volume = self.machines[m]
                    .providers
                    .iter()
                    .find_map(|r| r.provider.original_volume(&device))?;
                Some((device, volume))
            })
            .ok_or_else(unknown)?;
        let volume = self.find_volume(m, &volume).ok_or_else(unknown)?;
        Ok(Target::Shadow { device, volume })
    }

    fn check_block(&self, m: usize, v: usize, target: &str, block: u64) -> Result<(), EnvError> {
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

    /// Writes a block of an original volume.
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
        self.check_block(m, v, target, block)?;
        let machine = &mut self.machines[m];
        let name = machine.volumes[v].name.clone();
        let mut deleted = Vec::new();
        for registered in &mut machine.providers {
            deleted.extend(
                registered
                    .provider
                    .before_write(&name, block, &Live(&machine.volumes)),
            );
        }
        let data = &mut machine.volumes[v].data;
        if content.is_zero() {
            data.remove(&block);
        } else {
            data.insert(block, content);
        }
        for d in deleted {
            self.forget_copy(m, d.snapshot_id, d.reason);
        }
        Ok(())
    }

    /// Reads a block of a volume, a shadow copy device (`\\?\GLOBALROOT\Device\…`), an
    /// exposed name (`X:`) or a shadow copy id.
    pub fn read_block(
        &mut self,
        machine: &str,
        target: &str,
        block: u64,
    ) -> Result<Block, EnvError> {
        let m = self.machine_index(machine)?;
        match self.resolve(m, target)? {
            Target::Volume(v) => {
                self.check_block(m, v, target, block)?;
                Ok(self.machines[m].volumes[v]
                    .data
                    .get(&block)
                    .cloned()
                    .unwrap_or_default())
            }
            Target::Shadow { device, volume } => {
                self.check_block(m, volume, target, block)?;
                let machine = &self.machines[m];
                let live = Live(&machine.volumes);
                machine
                    .providers
                    .iter()
                    .find_map(|r| r.provider.read_shadow(&device, block, &live))
                    .ok_or_else(|| EnvError::UnknownTarget {
                        machine: machine.name.clone(),
                        target: target.to_string(),
                    })
            }
        }
    }
}
