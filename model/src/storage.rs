//! Blocks: the unit in which volumes, LUNs and shadow copies are written and read.

use std::fmt;
use std::sync::Arc;

/// The size of a block in bytes: 16 KiB, the copy-on-write granularity of the system provider.
pub const BLOCK_SIZE: usize = 16 * 1024;

/// The content of one block.
///
/// Trailing zero bytes are not stored, so an unwritten block costs nothing and a block holding
/// a short marker costs only the marker. Clones share the bytes.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Block(Arc<[u8]>);

/// Why bytes cannot be a block.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{len} bytes do not fit in a block of {BLOCK_SIZE} bytes")]
pub struct BlockTooLarge {
    /// How many bytes were offered.
    pub len: usize,
}

impl Block {
    /// A block of zeros, as every block of a new volume reads.
    pub fn zeroed() -> Block {
        Block::default()
    }

    /// A block that starts with `bytes` and is zero after them.
    pub fn new(bytes: &[u8]) -> Result<Block, BlockTooLarge> {
        if bytes.len() > BLOCK_SIZE {
            return Err(BlockTooLarge { len: bytes.len() });
        }
        let end = bytes.iter().rposition(|b| *b != 0).map_or(0, |i| i + 1);
        Ok(Block(bytes[..end].into()))
    }

    /// The stored bytes: the block's content up to its last non-zero byte.
    pub fn content(&self) -> &[u8] {
        &self.0
    }

    /// Whether every byte of the block is zero.
    pub fn is_zero(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for Block {
    /// The content as text (lossy), or `<zeros>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_zero() {
            f.write_str("<zeros>")
        } else {
            write!(f, "{:?}", String::from_utf8_lossy(&self.0))
        }
    }
}

/// A block is saved (in the simulator's state file) as the hexadecimal digits of its stored
/// bytes: any bytes, written and read back exactly.
impl serde::Serialize for Block {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&crate::hex::encode(&self.0))
    }
}

impl<'de> serde::Deserialize<'de> for Block {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Block, D::Error> {
        use serde::de::Error;
        let text = String::deserialize(deserializer)?;
        if text.len() % 2 != 0 {
            return Err(D::Error::custom(
                "a block's bytes take two hexadecimal digits each",
            ));
        }
        let bytes = crate::hex::decode(&text).ok_or_else(|| {
            let wrong = text
                .chars()
                .find(|c| !c.is_ascii_hexdigit())
                .unwrap_or_default();
            D::Error::custom(format!(
                "a block's bytes are hexadecimal digits, not `{wrong}`"
            ))
        })?;
        Block::new(&bytes).map_err(D::Error::custom)
    }
}

impl fmt::Debug for Block {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Read access to the live blocks of the volumes of one machine, by volume name
/// (`\\?\Volume{GUID}\`). A shadow copy driver reads the live volume through it for every
/// block it has not preserved.
pub trait LiveVolumes {
    /// The current content of `block` of `volume`.
    fn read_live(&self, volume: &str, block: u64) -> Block;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailing_zeros_are_not_stored() {
        let b = Block::new(b"abc\0\0\0").unwrap();
        assert_eq!(b.content(), b"abc");
        assert_eq!(b, Block::new(b"abc").unwrap());
        assert!(Block::new(&[0; 100]).unwrap().is_zero());
        assert_eq!(
            Block::new(&vec![1; BLOCK_SIZE + 1]),
            Err(BlockTooLarge {
                len: BLOCK_SIZE + 1
            })
        );
        assert_eq!(Block::new(b"hi").unwrap().to_string(), "\"hi\"");
        assert_eq!(Block::zeroed().to_string(), "<zeros>");
    }
}
