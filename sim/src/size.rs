//! Byte sizes as world files write them: `100 GiB`, `320MiB`, `16 KiB`, or a plain number.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A size in bytes.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct ByteSize(pub u64);

const UNITS: [(&str, u64); 9] = [
    ("TiB", 1 << 40),
    ("GiB", 1 << 30),
    ("MiB", 1 << 20),
    ("KiB", 1 << 10),
    ("TB", 1_000_000_000_000),
    ("GB", 1_000_000_000),
    ("MB", 1_000_000),
    ("KB", 1_000),
    ("B", 1),
];

impl ByteSize {
    /// Reads `<number> [unit]`, the unit being one of B, KB, MB, GB, TB (powers of 1000) or
    /// KiB, MiB, GiB, TiB (powers of 1024), in any case.
    pub fn parse(text: &str) -> Result<ByteSize, String> {
        let t = text.trim();
        let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
        let (digits, unit) = t.split_at(split);
        let unit = unit.trim();
        let number: u64 = digits
            .parse()
            .map_err(|_| format!("`{text}` is not a size such as `64 GiB` or `16384`"))?;
        let scale = if unit.is_empty() {
            1
        } else {
            UNITS
                .iter()
                .find(|(u, _)| u.eq_ignore_ascii_case(unit))
                .map(|(_, s)| *s)
                .ok_or_else(|| {
                    format!(
                        "`{unit}` in `{text}` is not a unit (B, KiB, MiB, GiB, TiB, KB, MB, GB, TB)"
                    )
                })?
        };
        number
            .checked_mul(scale)
            .map(ByteSize)
            .ok_or_else(|| format!("`{text}` is too large"))
    }
}

impl fmt::Display for ByteSize {
    /// The largest binary unit that divides the size exactly.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (unit, scale) in &UNITS[..4] {
            if self.0 >= *scale && self.0.is_multiple_of(*scale) {
                return write!(f, "{} {unit}", self.0 / scale);
            }
        }
        write!(f, "{} B", self.0)
    }
}

impl fmt::Debug for ByteSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl Serialize for ByteSize {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ByteSize {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<ByteSize, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Number(u64),
            Text(String),
        }
        match Raw::deserialize(d)? {
            Raw::Number(n) => Ok(ByteSize(n)),
            Raw::Text(t) => ByteSize::parse(&t).map_err(serde::de::Error::custom),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(ByteSize::parse("64 TiB"), Ok(ByteSize(64 << 40)));
        assert_eq!(ByteSize::parse("320MiB"), Ok(ByteSize(320 << 20)));
        assert_eq!(ByteSize::parse("10 gb"), Ok(ByteSize(10_000_000_000)));
        assert_eq!(ByteSize::parse("16384"), Ok(ByteSize(16384)));
        assert!(ByteSize::parse("lots").is_err());
        assert!(ByteSize::parse("5 parsecs").is_err());
        assert!(ByteSize::parse("99999999999999 TiB").is_err());
        assert_eq!(ByteSize(320 << 20).to_string(), "320 MiB");
        assert_eq!(ByteSize(1000).to_string(), "1000 B");
    }
}
