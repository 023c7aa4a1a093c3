//! The software shadow copies VSS knows on every machine, and how many each volume has.
//!
//! A software provider keeps its shadow copies itself and lists them when asked, but VSS
//! checks the limits on copies per volume at every `AddToSnapshotSet`, and a world that
//! lives long has made and deleted many. Counting the copies of each volume as they are
//! made and deleted keeps that check, and any listing, independent of history.

use std::collections::BTreeMap;

use vss_model::VssId;

use crate::handles::{MachineId, ProviderSlot};

/// A software shadow copy as VSS records it when its set is created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SoftwareCopy {
    pub machine: MachineId,
    pub set: VssId,
    pub provider: ProviderSlot,
    /// `\\?\Volume{GUID}\` of the original.
    pub volume_name: String,
    /// Whether it was made client-accessible (it counts against `MaxShadowCopies`).
    pub client_accessible: bool,
}

/// How many software shadow copies a volume has.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct CopyCount {
    pub all: usize,
    pub client_accessible: usize,
}

/// Every software shadow copy that exists, by id, with the count each provider keeps of
/// each volume.
#[derive(Debug, Default)]
pub(crate) struct SoftwareCopies {
    copies: BTreeMap<VssId, SoftwareCopy>,
    per_volume: BTreeMap<(MachineId, ProviderSlot, String), CopyCount>,
}

impl SoftwareCopies {
    /// Records a copy its provider has just committed.
    pub fn add(&mut self, id: VssId, copy: SoftwareCopy) {
        let count = self
            .per_volume
            .entry((copy.machine, copy.provider, copy.volume_name.clone()))
            .or_default();
        count.all += 1;
        count.client_accessible += usize::from(copy.client_accessible);
        self.copies.insert(id, copy);
    }

    /// Forgets a copy that no longer exists; nothing for an id it does not know.
    pub fn remove(&mut self, id: VssId) {
        let Some(copy) = self.copies.remove(&id) else {
            return;
        };
        let key = (copy.machine, copy.provider, copy.volume_name);
        let count = self.per_volume.get_mut(&key).expect("counted when added");
        count.all -= 1;
        count.client_accessible -= usize::from(copy.client_accessible);
        if count.all == 0 {
            self.per_volume.remove(&key);
        }
    }

    /// The copies one provider of a machine keeps of a volume.
    pub fn count(
        &self,
        machine: MachineId,
        provider: ProviderSlot,
        volume_name: &str,
    ) -> CopyCount {
        self.per_volume
            .get(&(machine, provider, volume_name.to_string()))
            .copied()
            .unwrap_or_default()
    }

    /// Every copy, by id.
    pub fn iter(&self) -> impl Iterator<Item = (VssId, &SoftwareCopy)> {
        self.copies.iter().map(|(id, copy)| (*id, copy))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_follow_the_copies_of_each_volume() {
        let mut copies = SoftwareCopies::default();
        let copy = |volume: &str, client_accessible| SoftwareCopy {
            machine: MachineId::from(0),
            set: VssId::NULL,
            provider: ProviderSlot::from(0),
            volume_name: volume.into(),
            client_accessible,
        };
        let ids: Vec<VssId> = (1..=3u8)
            .map(|n| VssId::from_random_bytes([n; 16]))
            .collect();
        copies.add(ids[0], copy("C", true));
        copies.add(ids[1], copy("C", false));
        copies.add(ids[2], copy("E", false));
        let c = copies.count(MachineId::from(0), ProviderSlot::from(0), "C");
        assert_eq!((c.all, c.client_accessible), (2, 1));
        copies.remove(ids[0]);
        copies.remove(ids[0]);
        let c = copies.count(MachineId::from(0), ProviderSlot::from(0), "C");
        assert_eq!((c.all, c.client_accessible), (1, 0));
        copies.remove(ids[1]);
        assert_eq!(
            copies.count(MachineId::from(0), ProviderSlot::from(0), "C"),
            CopyCount::default()
        );
        assert_eq!(
            copies.iter().map(|(id, _)| id).collect::<Vec<_>>(),
            [ids[2]]
        );
    }
}
