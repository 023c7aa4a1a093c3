//! Building a world from a world file: the SAN and its LUNs, the machines with their
//! volumes, providers and writers.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;
use typed_index_collections::TiVec;
use vss_model::{BLOCK_SIZE, VssTimestamp};
use vss_sim_hw::{Abilities, Array, ArrayModel, DiskIdentity, HardwareProvider, LunId};
use vss_sim_sw::{DiffAreaLimits, ShadowedVolume, SystemProvider};

use crate::machine_volumes::{MachineVolumes, Placement, Volume};
use crate::san::{Extent, Layout, Role, San, same_mount};
use crate::size::ByteSize;
use crate::volumes::is_mount_point;
use crate::world::{Instance, Machine, Registered, World, WorldError};
use crate::world_file::{CloneFile, MachineFile, SanFile, WorldFile};

mod writers;

/// Parses `YYYY-MM-DD hh:mm:ss`.
fn parse_time(text: &str) -> Option<VssTimestamp> {
    let (date, time) = text.trim().split_once(' ')?;
    let d: Vec<&str> = date.split('-').collect();
    let t: Vec<&str> = time.split(':').collect();
    if d.len() != 3 || t.len() != 3 {
        return None;
    }
    let (y, mo, da) = (d[0].parse().ok()?, d[1].parse().ok()?, d[2].parse().ok()?);
    let (h, mi, s) = (t[0].parse().ok()?, t[1].parse().ok()?, t[2].parse().ok()?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let month_days = match mo {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    if !(1601..=9999).contains(&y)
        || !(1..=12).contains(&mo)
        || !(1..=month_days).contains(&da)
        || h > 23
        || mi > 59
        || s > 59
    {
        return None;
    }
    Some(VssTimestamp::from_utc(y, mo, da, h, mi, s))
}

/// Windows' default `MinDiffAreaFileSize`: 32 MiB below 500 MiB of volume, 320 MiB above.
fn default_min_diff_area(volume_size: u64) -> u64 {
    if volume_size < 500 << 20 {
        32 << 20
    } else {
        320 << 20
    }
}

fn invalid(text: String) -> WorldError {
    WorldError(text)
}

impl World {
    /// Builds a world from a parsed world file.
    pub fn new(file: &WorldFile) -> Result<World, WorldError> {
        let clock = parse_time(&file.start_time).ok_or_else(|| {
            invalid(format!(
                "start_time `{}` is not a UTC time `YYYY-MM-DD hh:mm:ss`",
                file.start_time
            ))
        })?;
        file.policy.check().map_err(WorldError)?;
        if file.machines.is_empty() {
            return Err(invalid("a world needs at least one machine".into()));
        }
        let mut world = World {
            policy: file.policy.clone(),
            san: San::empty(),
            hw_copies: BTreeMap::new(),
            imported_sets: BTreeSet::new(),
            ids: ChaCha8Rng::seed_from_u64(file.seed),
            clock,
            machines: TiVec::new(),
            requesters: BTreeMap::new(),
            sw_copies: Default::default(),
            asyncs: BTreeMap::new(),
            next_object: 0,
            trace: Default::default(),
            trace_not_kept: 0,
            tracing: true,
            #[cfg(feature = "mutations")]
            broken_rules: BTreeSet::new(),
        };
        if let Some(san) = &file.san {
            world.build_san(san, file)?;
        }
        for m in &file.machines {
            world.build_machine(m)?;
        }
        Ok(world)
    }

    fn build_san(&mut self, file: &SanFile, world: &WorldFile) -> Result<(), WorldError> {
        let mut array = Array::new(ArrayModel {
            vendor: file.vendor.clone(),
            product: file.product.clone(),
            revision: file.revision.clone(),
        });
        let mut originals = BTreeMap::new();
        for lun in &file.luns {
            if lun.size.0 < BLOCK_SIZE as u64 {
                return Err(invalid(format!(
                    "LUN `{}` is smaller than one block ({BLOCK_SIZE} bytes)",
                    lun.name
                )));
            }
            let mut visible = BTreeSet::new();
            for machine in &lun.visible_to {
                let known = world
                    .machines
                    .iter()
                    .find(|m| m.name.eq_ignore_ascii_case(machine));
                let known = known.ok_or_else(|| {
                    invalid(format!("LUN `{}`: no machine named `{machine}`", lun.name))
                })?;
                visible.insert(known.name.clone());
            }
            let identity = if lun.gpt {
                DiskIdentity::Gpt(self.new_id())
            } else {
                DiskIdentity::Mbr(self.new_id().data1)
            };
            originals.insert(LunId::from(lun.name.as_str()), identity);
            array
                .provision(&lun.name, lun.size.0 / BLOCK_SIZE as u64, identity, visible)
                .map_err(|e| invalid(e.to_string()))?;
        }
        if file.clones.is_empty() {
            return Err(invalid(
                "san: `clones` must name at least one of differential, plex".to_string(),
            ));
        }
        self.san = San {
            array: Arc::new(Mutex::new(array)),
            layouts: TiVec::new(),
            abilities: Abilities {
                differential: file.clones.contains(&CloneFile::Differential),
                plex: file.clones.contains(&CloneFile::Plex),
                transportable: file.transportable,
            },
            described: true,
            originals,
            left_behind: BTreeSet::new(),
            made_in_creation: Vec::new(),
        };
        Ok(())
    }

    fn build_machine(&mut self, m: &MachineFile) -> Result<(), WorldError> {
        let name = &m.name;
        if self
            .machines
            .iter()
            .any(|x| x.name.eq_ignore_ascii_case(name))
        {
            return Err(invalid(format!("machine `{name}` appears twice")));
        }
        if !(1..=512).contains(&m.max_shadow_copies) {
            return Err(invalid(format!(
                "machine `{name}`: max_shadow_copies must be between 1 and 512"
            )));
        }
        let mut volumes: Vec<Volume> = Vec::new();
        let mut specs = Vec::new();
        let (mut in_use, mut writers_block_revert) = (BTreeSet::new(), BTreeSet::new());
        for v in &m.volumes {
            let mount = v.mount.clone();
            if !is_mount_point(&mount) {
                return Err(invalid(format!(
                    "machine `{name}`: volume mount `{mount}` is neither a drive letter (`E:\\`) nor a mount folder (`C:\\Mount\\Data\\`); both end with a backslash"
                )));
            }
            if volumes
                .iter()
                .any(|x| x.mount().is_some_and(|y| same_mount(y, &mount)))
            {
                return Err(invalid(format!(
                    "machine `{name}`: `{mount}` is mounted twice"
                )));
            }
            let (placement, size) = self.place_volume(name, &mount, &v.luns, v.size)?;
            if size < BLOCK_SIZE as u64 {
                return Err(invalid(format!(
                    "machine `{name}`: volume `{mount}` is smaller than one block ({BLOCK_SIZE} bytes)"
                )));
            }
            let guid = v.guid.unwrap_or_else(|| self.new_id());
            let volume_name = format!(r"\\?\Volume{guid}\");
            // The layout just placed is still unnamed, so it cannot match.
            let taken = volumes.iter().any(|x| x.name == volume_name)
                || self.san.layouts.iter().any(|l| l.name == volume_name);
            if taken {
                return Err(invalid(format!(
                    "machine `{name}`: two volumes have the GUID {guid}"
                )));
            }
            if let Placement::San(l) = placement {
                self.san.layouts[l].name = volume_name.clone();
            }
            if v.in_use {
                in_use.insert(volume_name.clone());
            }
            if v.writers_block_revert {
                writers_block_revert.insert(volume_name.clone());
            }
            specs.push(ShadowedVolume {
                name: volume_name.clone(),
                ntfs: v.file_system.eq_ignore_ascii_case("NTFS"),
                size_bytes: size,
                diff_area: DiffAreaLimits {
                    max_bytes: v.diff_area.max.map(|s| s.0),
                    min_bytes: v
                        .diff_area
                        .min
                        .map_or_else(|| default_min_diff_area(size), |s| s.0),
                },
            });
            volumes.push(Volume::new(
                volume_name,
                Some(mount),
                format!(r"\\?\GLOBALROOT\Device\HarddiskVolume{}", volumes.len() + 1),
                size / BLOCK_SIZE as u64,
                placement,
            ));
        }
        let mut providers: Vec<Registered> = Vec::new();
        for kind in &m.providers {
            if m.providers
                .iter()
                .filter(|k| k.eq_ignore_ascii_case(kind))
                .count()
                > 1
            {
                return Err(invalid(format!(
                    "machine `{name}`: provider `{kind}` is registered twice"
                )));
            }
            let hardware = |legacy: bool| -> Result<Registered, WorldError> {
                let san = &self.san;
                if !san.described {
                    return Err(invalid(format!(
                        "machine `{name}`: a `{kind}` provider needs a `san` in the world"
                    )));
                }
                let provider =
                    HardwareProvider::new(name, Arc::clone(&san.array), san.abilities, legacy);
                Ok(Registered {
                    prop: provider.prop(),
                    instance: Instance::Hardware(Box::new(provider)),
                })
            };
            providers.push(match kind.to_ascii_lowercase().as_str() {
                "system" => Registered {
                    prop: vss_sim_sw::provider_prop(),
                    instance: Instance::Software(Box::new(
                        SystemProvider::new(name, specs.clone())
                            .with_revert_deletes(self.policy.revert_deletes),
                    )),
                },
                "hardware" => hardware(false)?,
                "legacy_hardware" => hardware(true)?,
                other => {
                    return Err(invalid(format!(
                        "machine `{name}`: unknown provider kind `{other}` (known: system, hardware, legacy_hardware)"
                    )));
                }
            });
        }
        let writers = writers::writers(name, &m.writers, || self.new_id())?;
        self.machines.push(Machine {
            name: name.clone(),
            last_volume_device: volumes.len() as u32,
            volumes: volumes
                .into_iter()
                .fold(MachineVolumes::default(), |mut all, v| {
                    all.add(v);
                    all
                }),
            providers: providers.into(),
            writers,
            max_shadow_copies: m.max_shadow_copies,
            creation_lock: None,
            exposures: BTreeMap::new(),
            owners: BTreeMap::new(),
            provider_faults: Vec::new(),
            service_faults: BTreeMap::new(),
            in_use,
            writers_block_revert,
        });
        Ok(())
    }

    /// Where a volume of the world file lies, and its size in bytes: on the local disk, or
    /// wholly on the LUNs it names, in order.
    fn place_volume(
        &mut self,
        machine: &str,
        mount: &str,
        luns: &[String],
        size: Option<ByteSize>,
    ) -> Result<(Placement, u64), WorldError> {
        if luns.is_empty() {
            let size = size.ok_or_else(|| {
                invalid(format!(
                    "machine `{machine}`: volume `{mount}` needs a `size` (or `luns`)"
                ))
            })?;
            return Ok((Placement::Local(BTreeMap::new()), size.0));
        }
        let san = &mut self.san;
        if !san.described {
            return Err(invalid(format!(
                "machine `{machine}`: volume `{mount}` lies on LUNs, but the world has no `san`"
            )));
        }
        let mut extents = Vec::new();
        {
            let array = san.array();
            for lun in luns {
                let found = array.lun(lun).ok_or_else(|| {
                    invalid(format!(
                        "machine `{machine}`: volume `{mount}`: the array has no LUN `{lun}`"
                    ))
                })?;
                if san
                    .layouts
                    .iter()
                    .flat_map(|l| &l.extents)
                    .any(|e| e.lun == *lun)
                    || extents.iter().any(|e: &Extent| e.lun == *lun)
                {
                    return Err(invalid(format!("LUN `{lun}` holds two volumes")));
                }
                extents.push(Extent {
                    lun: LunId::from(lun.as_str()),
                    blocks: found.blocks,
                });
            }
        }
        let blocks: u64 = extents.iter().map(|e| e.blocks).sum();
        let bytes = blocks * BLOCK_SIZE as u64;
        if size.is_some_and(|s| s.0 != bytes) {
            return Err(invalid(format!(
                "machine `{machine}`: volume `{mount}` is {} but its LUNs hold {}",
                size.unwrap_or_default(),
                ByteSize(bytes)
            )));
        }
        let layout = san.layouts.push_and_get_key(Layout {
            name: String::new(),
            extents,
            blocks,
            role: Role::Original,
        });
        Ok((Placement::San(layout), bytes))
    }
}
