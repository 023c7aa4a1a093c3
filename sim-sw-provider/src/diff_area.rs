//! The shadow copy storage area of one volume: the old content of every block overwritten
//! since a live shadow copy of the volume was taken.
//!
//! Shadow copies of a volume are numbered by a per-volume sequence (1, 2, …) in commit
//! order. A preserved block is keyed by the sequence current when it was overwritten, `K`: it
//! is the content shadow copies `prev < s <= K` see, `prev` being the block's previous key.
//! A shadow copy `s` therefore reads a block as the entry with the smallest key `>= s`, or
//! the live volume when there is none. A write costs one map lookup and at most one insert,
//! whatever the number of shadow copies.

use std::collections::{BTreeMap, BTreeSet};

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
    /// The sequence of the latest shadow copy committed on the volume (0: none yet).
    generation: u64,
    /// Live shadow copies by sequence.
    live: BTreeMap<u64, VssId>,
    /// For each block written while shadow copies were live: the generation of that write.
    written_at: BTreeMap<u64, u64>,
    /// Preserved content: block → key → old content.
    preserved: BTreeMap<u64, BTreeMap<u64, Block>>,
    /// The same entries by key, so that deletion finds what it may free without a full scan.
    by_key: BTreeMap<u64, BTreeSet<u64>>,
    /// How many blocks are preserved.
    blocks: u64,
}

impl DiffArea {
    pub(crate) fn new(limits: DiffAreaLimits) -> DiffArea {
        DiffArea {
            limits,
            generation: 0,
            live: BTreeMap::new(),
            written_at: BTreeMap::new(),
            preserved: BTreeMap::new(),
            by_key: BTreeMap::new(),
            blocks: 0,
        }
    }

    /// Bytes in use.
    pub(crate) fn used_bytes(&self) -> u64 {
        self.blocks * BLOCK_SIZE as u64
    }

    /// Whether a new shadow copy can have a diff area at all.
    pub(crate) fn can_hold_a_copy(&self) -> bool {
        self.limits
            .max_bytes
            .is_none_or(|max| max >= self.limits.min_bytes)
    }

    /// Registers a newly committed shadow copy and returns its sequence.
    pub(crate) fn commit(&mut self, snapshot: VssId) -> u64 {
        self.generation += 1;
        self.live.insert(self.generation, snapshot);
        self.generation
    }

    /// The oldest live shadow copy.
    pub(crate) fn oldest(&self) -> Option<VssId> {
        self.live.first_key_value().map(|(_, id)| *id)
    }

    /// Whether preserving one more block would pass the maximum.
    fn full(&self) -> bool {
        self.limits
            .max_bytes
            .is_some_and(|max| self.used_bytes() + BLOCK_SIZE as u64 > max)
    }

    /// Whether some live shadow copy still sees the content `block` has now.
    fn needs_preserving(&self, block: u64) -> bool {
        let since = self.written_at.get(&block).copied().unwrap_or(0);
        since < self.generation
            && self
                .live
                .range(since + 1..=self.generation)
                .next()
                .is_some()
    }

    /// Called before `block` is overwritten. Preserves its old content if a live shadow copy
    /// needs it; when the area is full, returns the oldest shadow copy to delete first, and
    /// the caller calls again once it is gone.
    pub(crate) fn before_write(
        &mut self,
        block: u64,
        old: impl FnOnce() -> Block,
    ) -> Result<(), VssId> {
        if self.live.is_empty() {
            return Ok(());
        }
        if self.needs_preserving(block) {
            if self.full() {
                return Err(self
                    .oldest()
                    .expect("a copy needs the block, so one is live"));
            }
            let key = self.generation;
            self.preserved.entry(block).or_default().insert(key, old());
            self.by_key.entry(key).or_default().insert(block);
            self.blocks += 1;
        }
        self.written_at.insert(block, self.generation);
        Ok(())
    }

    /// The content of `block` as shadow copy `seq` sees it, or `None` for "as the live volume".
    pub(crate) fn read(&self, seq: u64, block: u64) -> Option<&Block> {
        self.preserved
            .get(&block)?
            .range(seq..)
            .next()
            .map(|(_, b)| b)
    }

    /// Forgets shadow copy `seq` and frees every preserved block no live copy needs.
    pub(crate) fn release(&mut self, seq: u64) {
        if self.live.remove(&seq).is_none() {
            return;
        }
        // Only entries whose range covers `seq` can have lost their last reader: for each
        // block, its first entry with a key >= seq.
        let candidates: Vec<(u64, u64)> = self
            .by_key
            .range(seq..)
            .flat_map(|(key, blocks)| blocks.iter().map(move |b| (*key, *b)))
            .collect();
        for (key, block) in candidates {
            let entries = &self.preserved[&block];
            if entries.range(seq..).next().map(|(k, _)| *k) != Some(key) {
                continue;
            }
            let prev = entries.range(..key).next_back().map_or(0, |(k, _)| *k);
            if self.live.range(prev + 1..=key).next().is_some() {
                continue;
            }
            self.drop_entry(block, key);
        }
        if self.live.is_empty() {
            // Nothing can need old content any more; start afresh.
            self.written_at.clear();
        }
    }

    fn drop_entry(&mut self, block: u64, key: u64) {
        if let Some(entries) = self.preserved.get_mut(&block) {
            entries.remove(&key);
            if entries.is_empty() {
                self.preserved.remove(&block);
            }
        }
        if let Some(blocks) = self.by_key.get_mut(&key) {
            blocks.remove(&block);
            if blocks.is_empty() {
                self.by_key.remove(&key);
            }
        }
        self.blocks -= 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(text: &str) -> Block {
        Block::new(text.as_bytes()).unwrap()
    }

    fn id(n: u128) -> VssId {
        VssId::from_u128(n)
    }

    /// A volume of a few blocks with its diff area, to check reads against a plain history.
    struct Volume {
        live: BTreeMap<u64, Block>,
        area: DiffArea,
    }

    impl Volume {
        fn write(&mut self, b: u64, text: &str) {
            let live = &self.live;
            while let Err(oldest) = self
                .area
                .before_write(b, || live.get(&b).cloned().unwrap_or_default())
            {
                let seq = *self
                    .area
                    .live
                    .iter()
                    .find(|(_, v)| **v == oldest)
                    .unwrap()
                    .0;
                self.area.release(seq);
            }
            self.live.insert(b, block(text));
        }

        fn read(&self, seq: u64, b: u64) -> Block {
            self.area
                .read(seq, b)
                .cloned()
                .unwrap_or_else(|| self.live.get(&b).cloned().unwrap_or_default())
        }
    }

    fn volume(max_blocks: Option<u64>) -> Volume {
        Volume {
            live: BTreeMap::new(),
            area: DiffArea::new(DiffAreaLimits {
                max_bytes: max_blocks.map(|n| n * BLOCK_SIZE as u64),
                min_bytes: 0,
            }),
        }
    }

    #[test]
    fn each_copy_reads_its_point_in_time() {
        let mut v = volume(None);
        v.write(0, "a0");
        let s1 = v.area.commit(id(1));
        v.write(0, "a1");
        v.write(0, "a1'");
        let s2 = v.area.commit(id(2));
        v.write(1, "b2");
        let s3 = v.area.commit(id(3));
        v.write(0, "a3");
        assert_eq!(v.read(s1, 0), block("a0"));
        assert_eq!(v.read(s2, 0), block("a1'"));
        assert_eq!(v.read(s3, 0), block("a1'"));
        assert_eq!(v.read(s1, 1), Block::zeroed());
        assert_eq!(v.read(s3, 1), block("b2"));
        // Only the first overwrite of a block after a commit is preserved: a0, the zeros of
        // block 1 and a1'.
        assert_eq!(v.area.blocks, 3);
    }

    #[test]
    fn releasing_frees_only_unneeded_blocks() {
        let mut v = volume(None);
        v.write(0, "x");
        let s1 = v.area.commit(id(1));
        v.write(0, "y");
        let s2 = v.area.commit(id(2));
        v.write(0, "z");
        assert_eq!(v.area.blocks, 2);
        v.area.release(s2);
        assert_eq!(v.area.blocks, 1);
        assert_eq!(v.read(s1, 0), block("x"));
        v.area.release(s1);
        assert_eq!(v.area.blocks, 0);
        assert!(v.area.preserved.is_empty() && v.area.by_key.is_empty());
    }

    #[test]
    fn a_full_area_gives_up_its_oldest_copy() {
        let mut v = volume(Some(1));
        let s1 = v.area.commit(id(1));
        v.write(0, "p");
        let s2 = v.area.commit(id(2));
        v.write(0, "q");
        // Preserving for s2 needs a second block: s1 had to go.
        assert!(!v.area.live.contains_key(&s1));
        assert_eq!(v.read(s2, 0), block("p"));
        assert_eq!(v.area.used_bytes(), BLOCK_SIZE as u64);
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
