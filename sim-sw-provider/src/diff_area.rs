//! The shadow copy storage area of one volume: its shadow copies as point-in-time views of
//! the volume (`vss_model::point_in_time`), within the area's size limits.

use std::collections::BTreeMap;

use vss_model::point_in_time::PointInTime;
use vss_model::{BLOCK_SIZE, Block, VssId};

/// The bounds of a diff area, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiffAreaLimits {
    /// The maximum size (`vssadmin resize shadowstorage /maxsize`); `None` is unbounded.
    pub max_bytes: Option<u64>,
    /// The size the area needs to exist at all (`MinDiffAreaFileSize`).
    pub min_bytes: u64,
}

/// The copy-on-write store of one volume.
#[derive(Debug)]
pub(crate) struct DiffArea {
    pub(crate) limits: DiffAreaLimits,
    views: PointInTime,
    /// The shadow copy of each live view.
    copies: BTreeMap<u64, VssId>,
}

impl DiffArea {
    pub(crate) fn new(limits: DiffAreaLimits) -> DiffArea {
        DiffArea {
            limits,
            views: PointInTime::default(),
            copies: BTreeMap::new(),
        }
    }

    /// An area as [`parts`](Self::parts) gave it, for a provider read back from a checkpoint.
    pub(crate) fn from_parts(
        limits: DiffAreaLimits,
        views: PointInTime,
        copies: BTreeMap<u64, VssId>,
    ) -> DiffArea {
        DiffArea {
            limits,
            views,
            copies,
        }
    }

    /// Its point-in-time views and the shadow copy of each, for a checkpoint.
    pub(crate) fn parts(&self) -> (&PointInTime, &BTreeMap<u64, VssId>) {
        (&self.views, &self.copies)
    }

    /// Whether a new shadow copy can have a diff area at all.
    pub(crate) fn can_hold_a_copy(&self) -> bool {
        self.limits
            .max_bytes
            .is_none_or(|max| max >= self.limits.min_bytes)
    }

    /// Registers a newly committed shadow copy and returns its sequence.
    pub(crate) fn commit(&mut self, snapshot: VssId) -> u64 {
        let seq = self.views.take();
        self.copies.insert(seq, snapshot);
        seq
    }

    /// Called before `block` is overwritten. Preserves its old content if a live shadow copy
    /// needs it; when the area is full, returns the oldest shadow copy to delete first, and
    /// the caller calls again once it is gone.
    pub(crate) fn before_write(
        &mut self,
        block: u64,
        old: impl FnOnce() -> Block,
    ) -> Result<(), VssId> {
        let max_blocks = self.limits.max_bytes.map(|max| max / BLOCK_SIZE as u64);
        self.views
            .before_write(block, old, max_blocks)
            .map_err(|oldest| self.copies[&oldest])
    }

    /// The content of `block` as shadow copy `seq` sees it, or `None` for "as the live volume".
    pub(crate) fn read(&self, seq: u64, block: u64) -> Option<&Block> {
        self.views.read(seq, block)
    }

    /// Every block shadow copy `seq` reads otherwise than the live volume, with the copy's
    /// content: what the volume takes back when it is reverted to the copy.
    pub(crate) fn content_of(&self, seq: u64) -> Vec<(u64, Block)> {
        self.views
            .preserved_block_numbers()
            .filter_map(|block| Some((block, self.views.read(seq, block)?.clone())))
            .collect()
    }

    /// Forgets shadow copy `seq` and frees every preserved block no live copy needs.
    pub(crate) fn release(&mut self, seq: u64) {
        self.views.release(seq);
        self.copies.remove(&seq);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_maximum_is_counted_in_blocks() {
        let mut area = DiffArea::new(DiffAreaLimits {
            max_bytes: Some(BLOCK_SIZE as u64 + 1),
            min_bytes: 0,
        });
        let first = VssId::from_u128(1);
        area.commit(first);
        assert_eq!(area.before_write(0, Block::zeroed), Ok(()));
        area.commit(VssId::from_u128(2));
        // A second block does not fit in one block and a byte: the oldest copy must go.
        assert_eq!(area.before_write(0, Block::zeroed), Err(first));
    }

    #[test]
    fn min_size_above_max_refuses_new_copies() {
        let area = DiffArea::new(DiffAreaLimits {
            max_bytes: Some(1),
            min_bytes: 2,
        });
        assert!(!area.can_hold_a_copy());
    }
}
