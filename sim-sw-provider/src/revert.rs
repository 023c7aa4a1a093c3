//! Reverting a volume to one of its shadow copies: the record of a revert in progress, and
//! which shadow copies the revert takes with it.
//!
//! A revert starts at `RevertToSnapshot`. The copy's content, where it differs from the
//! volume, is taken out of the diff area then, so that nothing done to the diff area while
//! the revert is in progress can change what the volume goes back to. The revert ends when
//! the service lets it run to its end (`ShadowCopyDriver::finish_revert`): the shadow copies
//! it takes with it are deleted, and its blocks go back onto the volume.

use serde::{Deserialize, Serialize};
use vss_model::{Block, VssId};

/// Which shadow copies of a volume a revert deletes. No page says; see
/// `docs/vss-revert.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RevertDeletes {
    /// Every shadow copy of the volume: its diff area lies on the volume, which goes back
    /// to a time when that area held something else.
    #[default]
    All,
    /// The copy reverted to and every later one: the older copies still read the volume's
    /// past, as they would with their diff area on another volume.
    RevertedAndLater,
}

impl RevertDeletes {
    /// Whether a revert to the copy at `reverted` in its volume's sequence deletes the copy
    /// at `seq`.
    pub(crate) fn deletes(self, seq: u64, reverted: u64) -> bool {
        match self {
            RevertDeletes::All => true,
            RevertDeletes::RevertedAndLater => seq >= reverted,
        }
    }
}

/// A revert in progress, as the provider keeps it (and a checkpoint saves it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Revert {
    /// The shadow copy the volume goes back to.
    pub snapshot: VssId,
    /// Its place in its volume's sequence.
    pub seq: u64,
    /// Each block where the copy differs from the volume, with the copy's content.
    pub blocks: Vec<(u64, Block)>,
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use vss_model::provider::{
        ProviderCreateSnapshotSet, ShadowCopyDriver, SoftwareSnapshotProvider,
    };
    use vss_model::storage::LiveVolumes;
    use vss_model::{Context, HResult, VssTimestamp};

    use super::*;
    use crate::{DiffAreaLimits, ShadowedVolume, SystemProvider};

    const VOLUME: &str = r"\\?\Volume{0000000e-0000-0000-0000-000000000000}\";

    struct Disk(BTreeMap<u64, Block>);

    impl LiveVolumes for Disk {
        fn read_live(&self, _volume: &str, block: u64) -> Block {
            self.0.get(&block).cloned().unwrap_or_default()
        }
    }

    impl Disk {
        fn write(&mut self, provider: &mut SystemProvider, block: u64, text: &str) {
            assert!(provider.before_write(VOLUME, block, self).is_empty());
            self.0.insert(block, Block::new(text.as_bytes()).unwrap());
        }
    }

    fn provider(rule: RevertDeletes) -> SystemProvider {
        let limits = DiffAreaLimits {
            max_bytes: None,
            min_bytes: 0,
        };
        let spec = ShadowedVolume {
            name: VOLUME.into(),
            ntfs: true,
            size_bytes: 1 << 30,
            diff_area: limits,
        };
        SystemProvider::new("HOSTA", vec![spec]).with_revert_deletes(rule)
    }

    fn copy(provider: &mut SystemProvider, n: u128, context: Context) -> VssId {
        let (set, id) = (VssId::from_u128(n << 8), VssId::from_u128(n));
        provider
            .begin_prepare_snapshot(set, id, VOLUME, context)
            .unwrap();
        provider.end_prepare_snapshots(set).unwrap();
        provider.pre_commit_snapshots(set).unwrap();
        let now = VssTimestamp::from_utc(2026, 1, 1, 0, 0, n as u32);
        provider.commit_snapshots(set, now).unwrap();
        provider.post_commit_snapshots(set, 1).unwrap();
        provider.pre_final_commit_snapshots(set).unwrap();
        provider.post_final_commit_snapshots(set).unwrap();
        id
    }

    /// The volume takes back the copy's blocks, and the rule says which copies go.
    #[test]
    fn a_revert_gives_back_the_copys_blocks_and_deletes_by_the_rule() {
        for (rule, deleted) in [
            (RevertDeletes::All, 3),
            (RevertDeletes::RevertedAndLater, 2),
        ] {
            let mut p = provider(rule);
            let mut disk = Disk(BTreeMap::new());
            let rollback = Context::VSS_CTX_APP_ROLLBACK;
            disk.write(&mut p, 0, "zero");
            let first = copy(&mut p, 1, rollback);
            disk.write(&mut p, 0, "one");
            let second = copy(&mut p, 2, rollback);
            disk.write(&mut p, 1, "two");
            copy(&mut p, 3, rollback);
            assert_eq!(
                p.query_revert_status(VOLUME),
                Err(HResult::VSS_E_OBJECT_NOT_FOUND)
            );
            p.revert_to_snapshot(second).unwrap();
            assert_eq!(p.reverting(VOLUME), Some(second));
            assert_eq!(p.query_revert_status(VOLUME), Ok(second));
            assert_eq!(
                p.revert_to_snapshot(first),
                Err(HResult::VSS_E_REVERT_IN_PROGRESS)
            );
            let done = p.finish_revert(VOLUME).expect("a revert in progress");
            assert_eq!(done.snapshot_id, second);
            assert_eq!(done.blocks, [(1, Block::zeroed())]);
            assert_eq!(done.deleted.len(), deleted, "{rule:?}");
            assert!(done.deleted.iter().any(|d| d.snapshot_id == second));
            assert_eq!(
                p.device_of(first).is_some(),
                rule == RevertDeletes::RevertedAndLater
            );
            assert_eq!(p.finish_revert(VOLUME), None);
        }
    }

    #[test]
    fn only_a_persistent_copy_is_reverted() {
        let mut p = provider(RevertDeletes::All);
        let backup = copy(&mut p, 1, Context::VSS_CTX_BACKUP);
        assert_eq!(p.revert_to_snapshot(backup), Err(HResult::E_INVALIDARG));
        assert_eq!(
            p.revert_to_snapshot(VssId::from_u128(9)),
            Err(HResult::VSS_E_OBJECT_NOT_FOUND)
        );
        assert_eq!(
            p.query_revert_status(r"\\?\Volume{00000000-0000-0000-0000-00000000000f}\"),
            Err(HResult::VSS_E_VOLUME_NOT_SUPPORTED)
        );
    }

    #[test]
    fn the_rules_pick_the_copies_a_revert_deletes() {
        assert!(RevertDeletes::All.deletes(1, 2));
        assert!(!RevertDeletes::RevertedAndLater.deletes(1, 2));
        assert!(RevertDeletes::RevertedAndLater.deletes(2, 2));
        assert!(RevertDeletes::RevertedAndLater.deletes(3, 2));
    }
}
