//! The system provider as a checkpoint: everything it keeps, as data that can be saved
//! (the simulator's state file) and read back into a provider that behaves as the one saved.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use vss_model::point_in_time::PointInTime;
use vss_model::{Context, SnapshotProp, SnapshotState, VssId};

use crate::diff_area::{DiffArea, DiffAreaLimits};
use crate::revert::{Revert, RevertDeletes};
use crate::{Creation, ShadowCopy, ShadowedVolume, SystemProvider};

/// Everything a [`SystemProvider`] keeps: its volumes with their diff areas, its shadow
/// copies, the set it is creating and its counters. [`SystemProvider::checkpoint`] makes
/// one and [`SystemProvider::from_checkpoint`] reads it back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SystemProviderCheckpoint {
    /// The context of the last `SetContext`.
    context: Context,
    /// The last `HarddiskVolumeShadowCopyN` number handed out.
    last_device: u32,
    /// The volumes it may shadow copy, by name, with their diff areas.
    volumes: BTreeMap<String, SavedDiffArea>,
    /// The shadow copies, by id, with their place in their volume's sequence.
    copies: BTreeMap<VssId, SavedShadowCopy>,
    /// The set being created, if one is.
    creation: Option<SavedCreation>,
    /// The reverts in progress, by volume (absent when there is none: a checkpoint of a
    /// provider that never reverted reads as it did before reverts were modelled).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    reverting: BTreeMap<String, Revert>,
}

/// A volume and its diff area.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SavedDiffArea {
    ntfs: bool,
    size_bytes: u64,
    max_bytes: Option<u64>,
    min_bytes: u64,
    views: PointInTime,
    /// The shadow copy of each live view, by sequence.
    copies: BTreeMap<u64, VssId>,
}

/// A shadow copy and its place in its volume's sequence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SavedShadowCopy {
    prop: SnapshotProp,
    seq: u64,
}

/// A set being created: how far it got, and each copy's id, volume and context.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SavedCreation {
    set_id: VssId,
    state: SnapshotState,
    copies: Vec<(VssId, String, Context)>,
}

impl SystemProvider {
    /// Everything the provider keeps, to be saved.
    pub fn checkpoint(&self) -> SystemProviderCheckpoint {
        SystemProviderCheckpoint {
            context: self.context,
            last_device: self.last_device,
            volumes: self
                .volumes
                .iter()
                .map(|(name, (spec, area))| {
                    let (views, copies) = area.parts();
                    let saved = SavedDiffArea {
                        ntfs: spec.ntfs,
                        size_bytes: spec.size_bytes,
                        max_bytes: area.limits.max_bytes,
                        min_bytes: area.limits.min_bytes,
                        views: views.clone(),
                        copies: copies.clone(),
                    };
                    (name.clone(), saved)
                })
                .collect(),
            copies: self
                .copies
                .iter()
                .map(|(id, copy)| {
                    let saved = SavedShadowCopy {
                        prop: copy.prop.clone(),
                        seq: copy.seq,
                    };
                    (*id, saved)
                })
                .collect(),
            creation: self.creation.as_ref().map(|c| SavedCreation {
                set_id: c.set_id,
                state: c.state,
                copies: c.record.clone(),
            }),
            reverting: self.reverting.clone(),
        }
    }

    /// The provider of `machine` as `checkpoint` saved it. The volume limits are those
    /// saved with it: a checkpoint holds the provider whole, but for the rule of what a
    /// revert deletes, which is the world's ([`with_revert_deletes`](Self::with_revert_deletes)).
    pub fn from_checkpoint(machine: &str, checkpoint: SystemProviderCheckpoint) -> SystemProvider {
        SystemProvider {
            machine: machine.to_string(),
            context: checkpoint.context,
            volumes: checkpoint
                .volumes
                .into_iter()
                .map(|(name, saved)| {
                    let limits = DiffAreaLimits {
                        max_bytes: saved.max_bytes,
                        min_bytes: saved.min_bytes,
                    };
                    let spec = ShadowedVolume {
                        name: name.clone(),
                        ntfs: saved.ntfs,
                        size_bytes: saved.size_bytes,
                        diff_area: limits,
                    };
                    let area = DiffArea::from_parts(limits, saved.views, saved.copies);
                    (name, (spec, area))
                })
                .collect(),
            last_device: checkpoint.last_device,
            creation: checkpoint.creation.map(|c| {
                let mut creation = Creation::new(c.set_id, c.copies);
                creation.state = c.state;
                creation
            }),
            copies: checkpoint
                .copies
                .into_iter()
                .map(|(id, saved)| {
                    let copy = ShadowCopy {
                        prop: saved.prop,
                        seq: saved.seq,
                    };
                    (id, copy)
                })
                .collect(),
            reverting: checkpoint.reverting,
            revert_deletes: RevertDeletes::default(),
        }
    }
}
