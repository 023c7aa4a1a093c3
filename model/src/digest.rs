//! The one hash the project uses to tell that a file was changed after it was written.
//!
//! The backup components document carries one in its `integrity` attribute, and the
//! simulator's state file in its `digest`. Both are the 64-bit FNV-1a hash: small, well known
//! and enough to catch damage or an edit. It is no defence against someone who means to forge
//! a file, and neither format tries to be.

/// The 64-bit FNV-1a hash of `bytes`.
///
/// ```
/// use vss_model::digest::fnv1a64;
///
/// assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
/// assert_eq!(format!("{:016x}", fnv1a64(b"foobar")), "85944171f73967e8");
/// ```
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut hash = Fnv1a64::default();
    hash.update(bytes);
    hash.finish()
}

/// The 64-bit FNV-1a hash of bytes given in pieces, or written to it as to a file: what
/// [`fnv1a64`] gives for them all at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fnv1a64(u64);

impl Default for Fnv1a64 {
    fn default() -> Self {
        Fnv1a64(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv1a64 {
    /// Adds bytes to the hash.
    pub fn update(&mut self, bytes: &[u8]) {
        const PRIME: u64 = 0x0000_0100_0000_01b3;
        for &byte in bytes {
            self.0 = (self.0 ^ u64::from(byte)).wrapping_mul(PRIME);
        }
    }

    /// The hash of everything added.
    pub fn finish(self) -> u64 {
        self.0
    }
}

impl std::io::Write for Fnv1a64 {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.update(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The 64-bit FNV-1a hash of some bytes followed by `bytes`, given `hash`, the hash of the
/// bytes before: a file that only grows (the state file's audit log) is hashed by what was
/// added alone.
///
/// ```
/// use vss_model::digest::{fnv1a64, fnv1a64_more};
///
/// assert_eq!(fnv1a64_more(fnv1a64(b"foo"), b"bar"), fnv1a64(b"foobar"));
/// ```
pub fn fnv1a64_more(hash: u64, bytes: &[u8]) -> u64 {
    let mut more = Fnv1a64(hash);
    more.update(bytes);
    more.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a64_gives_the_published_values() {
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
    }
}
