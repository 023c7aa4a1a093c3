//! The volumes a machine knows, findable by any of their names.
//!
//! A machine gains a volume for every shadow copy it surfaces and keeps the volumes of
//! broken sets for good, so a long-lived world's machines have many. Every requester call
//! and every write names a volume (`E:\`, `\\?\Volume{…}\` or a device object), so finding
//! one goes through an index of those names instead of a walk over every volume.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::{Index, IndexMut};

use vss_model::Block;
use vss_model::digest::Fnv1a64;

use crate::handles::{LayoutId, VolumeSlot};

/// Where a machine's volume keeps its blocks.
#[derive(Debug)]
pub(crate) enum Placement {
    /// On the machine's local disk: only the blocks ever written with something other than
    /// zeros.
    Local(BTreeMap<u64, Block>),
    /// On LUNs: a layout of the SAN.
    San(LayoutId),
}

/// A volume a machine knows.
#[derive(Debug)]
pub(crate) struct Volume {
    /// `\\?\Volume{GUID}\`.
    pub name: String,
    /// Its drive letter or mount folder, `C:\`, if it has one; changed only through
    /// [`MachineVolumes::set_mount`], which keeps the index.
    mount: Option<String>,
    /// Its device object, `\\?\GLOBALROOT\Device\HarddiskVolumeN`.
    pub device: String,
    /// Its size in blocks.
    pub blocks: u64,
    pub placement: Placement,
}

impl Volume {
    pub fn new(
        name: String,
        mount: Option<String>,
        device: String,
        blocks: u64,
        placement: Placement,
    ) -> Volume {
        Volume {
            name,
            mount,
            device,
            blocks,
            placement,
        }
    }

    /// Its drive letter or mount folder, if it has one.
    pub fn mount(&self) -> Option<&str> {
        self.mount.as_deref()
    }

    /// The names it can be found by: its mount point, its volume name, its device.
    fn names(&self) -> impl Iterator<Item = &str> {
        self.mount
            .as_deref()
            .into_iter()
            .chain([self.name.as_str(), self.device.as_str()])
    }
}

/// The index key of a name: the hash of its upper-case form without the trailing
/// backslash, so that every spelling a lookup accepts lands on it. A number, not the text:
/// device names share a long prefix, and a machine with thousands of volumes would compare
/// it at every step of every lookup. Callers compare the candidates exactly, so two names
/// with one hash only make one more candidate.
fn key(name: &str) -> u64 {
    let mut hash = Fnv1a64::default();
    for byte in name.trim_end_matches('\\').bytes() {
        hash.update(&[byte.to_ascii_uppercase()]);
    }
    hash.finish()
}

/// A machine's volumes in the order they arrived, indexed by name and by layout.
#[derive(Debug, Default)]
pub(crate) struct MachineVolumes {
    slots: BTreeMap<VolumeSlot, Volume>,
    /// Each name's key with the volume it names: one tree, no set per name.
    named: BTreeSet<(u64, VolumeSlot)>,
    on_layout: BTreeMap<LayoutId, VolumeSlot>,
    next: usize,
}

impl MachineVolumes {
    /// Adds a volume and returns its slot.
    pub fn add(&mut self, volume: Volume) -> VolumeSlot {
        let slot = VolumeSlot::from(self.next);
        self.next += 1;
        for name in volume.names() {
            self.named.insert((key(name), slot));
        }
        if let Placement::San(layout) = volume.placement {
            self.on_layout.insert(layout, slot);
        }
        self.slots.insert(slot, volume);
        slot
    }

    /// Removes a volume.
    pub fn remove(&mut self, slot: VolumeSlot) -> Volume {
        let volume = self.slots.remove(&slot).expect("a volume of the machine");
        for name in volume.names() {
            self.unname(name, slot);
        }
        if let Placement::San(layout) = volume.placement {
            self.on_layout.remove(&layout);
        }
        volume
    }

    fn unname(&mut self, name: &str, slot: VolumeSlot) {
        self.named.remove(&(key(name), slot));
    }

    /// Gives a volume a mount point, or takes it away.
    pub fn set_mount(&mut self, slot: VolumeSlot, mount: Option<String>) {
        if let Some(old) = self.slots[&slot].mount.clone() {
            self.unname(&old, slot);
            // The old mount may also be how its volume name or device is spelled.
            let volume = &self.slots[&slot];
            for name in [volume.name.clone(), volume.device.clone()] {
                self.named.insert((key(&name), slot));
            }
        }
        if let Some(new) = &mount {
            self.named.insert((key(new), slot));
        }
        self.slots
            .get_mut(&slot)
            .expect("a volume of the machine")
            .mount = mount;
    }

    /// The volumes one of whose names could be `name` (by mount point, volume name or
    /// device, in any case, with or without the trailing backslash), in arrival order.
    pub fn named(&self, name: &str) -> impl Iterator<Item = VolumeSlot> + '_ {
        let k = key(name);
        let (first, last) = (VolumeSlot::from(0), VolumeSlot::from(usize::MAX));
        self.named
            .range((k, first)..=(k, last))
            .map(|(_, slot)| *slot)
    }

    /// The volume whose `\\?\Volume{GUID}\` name is exactly `name`.
    pub fn by_volume_name(&self, name: &str) -> Option<&Volume> {
        self.named(name)
            .map(|slot| &self.slots[&slot])
            .find(|v| v.name == name)
    }

    /// The volume laid out on a layout of the SAN, if the machine has it.
    pub fn on_layout(&self, layout: LayoutId) -> Option<VolumeSlot> {
        self.on_layout.get(&layout).copied()
    }

    /// Every volume, in arrival order.
    pub fn iter(&self) -> impl Iterator<Item = (VolumeSlot, &Volume)> {
        self.slots.iter().map(|(slot, v)| (*slot, v))
    }

    /// Every slot, in arrival order.
    pub fn slots(&self) -> Vec<VolumeSlot> {
        self.slots.keys().copied().collect()
    }
}

impl Index<VolumeSlot> for MachineVolumes {
    type Output = Volume;

    fn index(&self, slot: VolumeSlot) -> &Volume {
        &self.slots[&slot]
    }
}

impl IndexMut<VolumeSlot> for MachineVolumes {
    fn index_mut(&mut self, slot: VolumeSlot) -> &mut Volume {
        self.slots.get_mut(&slot).expect("a volume of the machine")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn volume(name: &str, mount: Option<&str>, device: &str) -> Volume {
        Volume::new(
            name.into(),
            mount.map(Into::into),
            device.into(),
            1,
            Placement::Local(BTreeMap::new()),
        )
    }

    #[test]
    fn names_find_their_volume_in_any_spelling_and_follow_mount_changes() {
        let mut volumes = MachineVolumes::default();
        let c = volumes.add(volume(
            r"\\?\Volume{1}\",
            Some(r"C:\"),
            r"\\?\GLOBALROOT\Device\HarddiskVolume1",
        ));
        let e = volumes.add(volume(
            r"\\?\Volume{2}\",
            None,
            r"\\?\GLOBALROOT\Device\HarddiskVolume2",
        ));
        assert_eq!(volumes.named("c:").collect::<Vec<_>>(), [c]);
        assert_eq!(volumes.named(r"\\?\volume{2}").collect::<Vec<_>>(), [e]);
        assert_eq!(
            volumes
                .named(r"\\?\GLOBALROOT\Device\HARDDISKVOLUME1")
                .collect::<Vec<_>>(),
            [c]
        );
        volumes.set_mount(c, None);
        volumes.set_mount(e, Some(r"C:\".into()));
        assert_eq!(volumes.named(r"C:\").collect::<Vec<_>>(), [e]);
        assert_eq!(volumes.named(r"\\?\Volume{1}\").collect::<Vec<_>>(), [c]);
        volumes.remove(c);
        assert_eq!(volumes.named(r"\\?\Volume{1}\").count(), 0);
        assert_eq!(
            volumes.by_volume_name(r"\\?\Volume{2}\").map(Volume::mount),
            Some(Some(r"C:\"))
        );
        assert_eq!(volumes.slots(), [e]);
    }
}
