//! Point-in-time views of a block device: the old content of every block overwritten since a
//! view of the device was taken. Shadow copies of a volume (the system provider) and
//! differential clones of a LUN (a storage array) are both such views.
//!
//! Views are numbered by a per-device sequence (1, 2, …) as they are taken. A preserved block
//! is keyed by the sequence current when it was overwritten, `K`: it is the content views
//! `prev < s <= K` see, `prev` being the block's previous key. View `s` therefore reads a
//! block as the entry with the smallest key `>= s`, or the live device when there is none. A
//! write costs one map lookup and at most one insert, whatever the number of views.

use std::collections::{BTreeMap, BTreeSet};

use crate::storage::Block;

/// The preserved blocks of one device and the views that need them.
///
/// It is saved (in the simulator's state file) without its indexes, which are built again
/// when it is read, so that a saved form cannot hold indexes that disagree with the blocks.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(from = "SavedViews", into = "SavedViews")]
pub struct PointInTime {
    /// The sequence of the latest view taken (0: none yet).
    generation: u64,
    /// Live views by sequence.
    live: BTreeSet<u64>,
    /// For each block written while views were live: the generation of that write.
    written_at: BTreeMap<u64, u64>,
    /// Preserved content: block → key → old content.
    preserved: BTreeMap<u64, BTreeMap<u64, Block>>,
    /// The same entries by key, so that releasing a view finds what it may free without a
    /// full scan.
    by_key: BTreeMap<u64, BTreeSet<u64>>,
    /// How many blocks are preserved.
    blocks: u64,
}

/// What is saved of a [`PointInTime`]: everything but its indexes.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct SavedViews {
    generation: u64,
    live: BTreeSet<u64>,
    written_at: BTreeMap<u64, u64>,
    preserved: BTreeMap<u64, BTreeMap<u64, Block>>,
}

impl From<PointInTime> for SavedViews {
    fn from(views: PointInTime) -> SavedViews {
        SavedViews {
            generation: views.generation,
            live: views.live,
            written_at: views.written_at,
            preserved: views.preserved,
        }
    }
}

impl From<SavedViews> for PointInTime {
    fn from(saved: SavedViews) -> PointInTime {
        let mut by_key: BTreeMap<u64, BTreeSet<u64>> = BTreeMap::new();
        let mut blocks = 0;
        for (block, entries) in &saved.preserved {
            for key in entries.keys() {
                by_key.entry(*key).or_default().insert(*block);
                blocks += 1;
            }
        }
        PointInTime {
            generation: saved.generation,
            live: saved.live,
            written_at: saved.written_at,
            preserved: saved.preserved,
            by_key,
            blocks,
        }
    }
}

impl PointInTime {
    /// Takes a view of the device as it is now and returns its sequence.
    pub fn take(&mut self) -> u64 {
        self.generation += 1;
        self.live.insert(self.generation);
        self.generation
    }

    /// The oldest live view.
    pub fn oldest(&self) -> Option<u64> {
        self.live.first().copied()
    }

    /// Whether any view is live.
    pub fn has_views(&self) -> bool {
        !self.live.is_empty()
    }

    /// How many blocks are preserved.
    pub fn preserved_blocks(&self) -> u64 {
        self.blocks
    }

    /// The numbers of the blocks some view holds an old content of.
    pub fn preserved_block_numbers(&self) -> impl Iterator<Item = u64> + '_ {
        self.preserved.keys().copied()
    }

    /// Called before `block` is overwritten, while `old` can still read its content.
    /// Preserves it if a live view needs it. When `max_blocks` are preserved already, returns
    /// the oldest view instead, for the caller to release before calling again.
    pub fn before_write(
        &mut self,
        block: u64,
        old: impl FnOnce() -> Block,
        max_blocks: Option<u64>,
    ) -> Result<(), u64> {
        if self.live.is_empty() {
            return Ok(());
        }
        if self.needs_preserving(block) {
            if max_blocks.is_some_and(|max| self.blocks >= max) {
                return Err(self
                    .oldest()
                    .expect("a view needs the block, so one is live"));
            }
            let key = self.generation;
            self.preserved.entry(block).or_default().insert(key, old());
            self.by_key.entry(key).or_default().insert(block);
            self.blocks += 1;
        }
        self.written_at.insert(block, self.generation);
        Ok(())
    }

    /// Whether some live view still sees the content `block` has now.
    fn needs_preserving(&self, block: u64) -> bool {
        let since = self.written_at.get(&block).copied().unwrap_or(0);
        since < self.generation
            && self
                .live
                .range(since + 1..=self.generation)
                .next()
                .is_some()
    }

    /// The content of `block` as view `seq` sees it, or `None` for "as the live device".
    pub fn read(&self, seq: u64, block: u64) -> Option<&Block> {
        self.preserved
            .get(&block)?
            .range(seq..)
            .next()
            .map(|(_, b)| b)
    }

    /// Forgets view `seq` and frees every preserved block no live view needs.
    pub fn release(&mut self, seq: u64) {
        if !self.live.remove(&seq) {
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
    use std::collections::BTreeMap;

    use super::*;

    fn block(text: &str) -> Block {
        Block::new(text.as_bytes()).unwrap()
    }

    /// A device of a few blocks with its views, to check reads against a plain history.
    #[derive(Default)]
    struct Device {
        live: BTreeMap<u64, Block>,
        views: PointInTime,
        max: Option<u64>,
    }

    impl Device {
        fn write(&mut self, b: u64, text: &str) {
            let live = &self.live;
            while let Err(oldest) =
                self.views
                    .before_write(b, || live.get(&b).cloned().unwrap_or_default(), self.max)
            {
                self.views.release(oldest);
            }
            self.live.insert(b, block(text));
        }

        fn read(&self, seq: u64, b: u64) -> Block {
            self.views
                .read(seq, b)
                .cloned()
                .unwrap_or_else(|| self.live.get(&b).cloned().unwrap_or_default())
        }
    }

    #[test]
    fn each_view_reads_its_point_in_time() {
        let mut d = Device::default();
        d.write(0, "a0");
        let s1 = d.views.take();
        d.write(0, "a1");
        d.write(0, "a1'");
        let s2 = d.views.take();
        d.write(1, "b2");
        let s3 = d.views.take();
        d.write(0, "a3");
        assert_eq!(d.read(s1, 0), block("a0"));
        assert_eq!(d.read(s2, 0), block("a1'"));
        assert_eq!(d.read(s3, 0), block("a1'"));
        assert_eq!(d.read(s1, 1), Block::zeroed());
        assert_eq!(d.read(s3, 1), block("b2"));
        // Only the first overwrite of a block after a view is preserved: a0, the zeros of
        // block 1 and a1'.
        assert_eq!(d.views.preserved_blocks(), 3);
    }

    #[test]
    fn releasing_frees_only_unneeded_blocks() {
        let mut d = Device::default();
        d.write(0, "x");
        let s1 = d.views.take();
        d.write(0, "y");
        let s2 = d.views.take();
        d.write(0, "z");
        assert_eq!(d.views.preserved_blocks(), 2);
        d.views.release(s2);
        assert_eq!(d.views.preserved_blocks(), 1);
        assert_eq!(d.read(s1, 0), block("x"));
        d.views.release(s1);
        assert_eq!(d.views.preserved_blocks(), 0);
        assert!(d.views.preserved.is_empty() && d.views.by_key.is_empty());
    }

    #[test]
    fn a_full_store_gives_up_its_oldest_view() {
        let mut d = Device {
            max: Some(1),
            ..Device::default()
        };
        let s1 = d.views.take();
        d.write(0, "p");
        let s2 = d.views.take();
        d.write(0, "q");
        // Preserving for s2 needs a second block: s1 had to go.
        assert_eq!(d.views.oldest(), Some(s2));
        assert!(!d.views.live.contains(&s1));
        assert_eq!(d.read(s2, 0), block("p"));
        assert_eq!(d.views.preserved_blocks(), 1);
    }
}
