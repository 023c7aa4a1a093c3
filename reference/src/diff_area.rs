//! A volume's diff area as the model counts it: which writes overwrote a content some live
//! shadow copy still sees, by time and block number only.
//!
//! The system provider keeps, for every block overwritten since a copy of its volume was
//! taken, the old content, once for all the copies that see it. Counted plainly: a write of a
//! block is kept when some live copy was taken after the block's previous write (or the
//! block was not written since that copy). When keeping one more would pass the area's
//! maximum, VSS deletes the volume's oldest copy and tries again.

use super::Id;
use super::sorted::SortedMap;

/// The copies of one volume and the writes since the oldest was taken.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub(super) struct DiffArea {
    /// Every copy taken and every write recorded gets the next tick.
    clock: u64,
    /// The live copies, by the tick they were taken at.
    copies: SortedMap<u64, Id>,
    /// The writes since the oldest live copy was taken: their tick and block.
    writes: Vec<(u64, u64)>,
}

impl DiffArea {
    /// A copy of the volume is taken now.
    pub(super) fn take(&mut self, copy: Id) {
        self.clock += 1;
        self.copies.insert(self.clock, copy);
    }

    /// A copy is gone; the writes no live copy can need are forgotten.
    pub(super) fn release(&mut self, copy: Id) {
        self.copies.retain(|_, c| *c != copy);
        let oldest = self.copies.keys().next().copied();
        match oldest {
            Some(oldest) => self.writes.retain(|(at, _)| *at > oldest),
            None => *self = DiffArea::default(),
        }
    }

    /// Whether no copy is left.
    pub(super) fn is_empty(&self) -> bool {
        self.copies.is_empty()
    }

    /// Called before `block` is written: the oldest copy, when the old content must be kept
    /// and the area already holds `max` blocks (for the caller to delete before calling
    /// again); otherwise the write is recorded.
    pub(super) fn before_write(&mut self, block: u64, max: Option<u64>) -> Result<(), Id> {
        if self.copies.is_empty() {
            return Ok(());
        }
        let now = self.clock + 1;
        if self.kept(now, block) && max.is_some_and(|max| self.held() >= max) {
            let oldest = self.copies.values().next().expect("not empty");
            return Err(*oldest);
        }
        self.clock = now;
        self.writes.push((now, block));
        Ok(())
    }

    /// Whether a write of `block` at tick `at` overwrites a content a live copy sees: one
    /// taken before it with no write of the block in between.
    fn kept(&self, at: u64, block: u64) -> bool {
        self.copies.keys().any(|&taken| {
            taken < at
                && !self
                    .writes
                    .iter()
                    .any(|&(t, b)| b == block && taken < t && t < at)
        })
    }

    /// How many old contents the area holds.
    fn held(&self) -> u64 {
        self.writes
            .iter()
            .filter(|&&(at, b)| self.kept(at, b))
            .count() as u64
    }
}
