//! `VSS_ID`: a GUID in the Windows text form `{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A `VSS_ID` (a `GUID`): names shadow copies, sets, providers and writers.
///
/// The fields follow the Windows `GUID` layout so that the text form, the byte form and the
/// COM form agree. It is written lower-case, as `vssadmin` prints it, and parsed in either case.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct VssId {
    /// `Data1`.
    pub data1: u32,
    /// `Data2`.
    pub data2: u16,
    /// `Data3`.
    pub data3: u16,
    /// `Data4`.
    pub data4: [u8; 8],
}

/// Why a piece of text is not a GUID.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not a GUID of the form {{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}}")]
pub struct GuidParseError {
    /// The text that was refused.
    pub text: String,
}

impl VssId {
    /// `GUID_NULL`: "no object" or, for a provider argument, "let VSS choose".
    pub const NULL: VssId = VssId::from_u128(0);

    /// Builds a GUID from its 128-bit big-endian reading (`0x01234567_89ab_cdef_...`).
    pub const fn from_u128(v: u128) -> VssId {
        let b = v.to_be_bytes();
        VssId {
            data1: u32::from_be_bytes([b[0], b[1], b[2], b[3]]),
            data2: u16::from_be_bytes([b[4], b[5]]),
            data3: u16::from_be_bytes([b[6], b[7]]),
            data4: [b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]],
        }
    }

    /// The 128-bit big-endian reading of the GUID, as in the text form.
    pub const fn as_u128(&self) -> u128 {
        let d1 = self.data1.to_be_bytes();
        let d2 = self.data2.to_be_bytes();
        let d3 = self.data3.to_be_bytes();
        let d4 = self.data4;
        u128::from_be_bytes([
            d1[0], d1[1], d1[2], d1[3], d2[0], d2[1], d3[0], d3[1], d4[0], d4[1], d4[2], d4[3],
            d4[4], d4[5], d4[6], d4[7],
        ])
    }

    /// Whether this is `GUID_NULL`.
    pub const fn is_null(&self) -> bool {
        self.as_u128() == 0
    }

    /// Makes a version-4 style GUID out of 16 random bytes, setting the version and variant
    /// bits as `CoCreateGuid` does, so generated ids look like the ones Windows hands out.
    pub fn from_random_bytes(mut bytes: [u8; 16]) -> VssId {
        bytes[6] = (bytes[6] & 0x0f) | 0x40;
        bytes[8] = (bytes[8] & 0x3f) | 0x80;
        VssId::from_u128(u128::from_be_bytes(bytes))
    }
}

impl fmt::Display for VssId {
    /// `{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}`, lower case. Written digit by digit from the
    /// 128-bit value: every trace line, document and listing holds GUIDs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let value = self.as_u128();
        let mut text = [0u8; 38];
        text[0] = b'{';
        text[37] = b'}';
        let mut nibble = 0;
        for (i, slot) in text.iter_mut().enumerate().take(37).skip(1) {
            if matches!(i, 9 | 14 | 19 | 24) {
                *slot = b'-';
                continue;
            }
            let shift = 124 - 4 * nibble;
            *slot = DIGITS[((value >> shift) & 0xf) as usize];
            nibble += 1;
        }
        f.write_str(std::str::from_utf8(&text).expect("ASCII digits"))
    }
}

impl fmt::Debug for VssId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl FromStr for VssId {
    type Err = GuidParseError;

    /// Accepts the braced form `{…}`, the bare form, and the SDK name `GUID_NULL`.
    fn from_str(text: &str) -> Result<VssId, GuidParseError> {
        let err = || GuidParseError {
            text: text.to_string(),
        };
        if text.eq_ignore_ascii_case("GUID_NULL") {
            return Ok(VssId::NULL);
        }
        let inner = match text.strip_prefix('{') {
            Some(rest) => rest.strip_suffix('}').ok_or_else(err)?,
            None => text,
        };
        let groups: Vec<&str> = inner.split('-').collect();
        let widths = [8, 4, 4, 4, 12];
        if groups.len() != widths.len()
            || groups
                .iter()
                .zip(widths)
                .any(|(g, w)| g.len() != w || !g.bytes().all(|c| c.is_ascii_hexdigit()))
        {
            return Err(err());
        }
        let hex: String = groups.concat();
        let value = u128::from_str_radix(&hex, 16).map_err(|_| err())?;
        Ok(VssId::from_u128(value))
    }
}

impl Serialize for VssId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for VssId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<VssId, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_form_round_trips_in_either_case() {
        let upper: VssId = "{B5946137-7B9F-4925-AF80-51ABD60B20D5}".parse().unwrap();
        let lower: VssId = "{b5946137-7b9f-4925-af80-51abd60b20d5}".parse().unwrap();
        assert_eq!(upper, lower);
        assert_eq!(upper.to_string(), "{b5946137-7b9f-4925-af80-51abd60b20d5}");
        assert_eq!(upper.data1, 0xb5946137);
        assert_eq!(upper.data2, 0x7b9f);
        assert_eq!(
            upper.data4,
            [0xaf, 0x80, 0x51, 0xab, 0xd6, 0x0b, 0x20, 0xd5]
        );
    }

    #[test]
    fn malformed_text_is_refused() {
        for bad in [
            "",
            "{}",
            "{b5946137-7b9f-4925-af80-51abd60b20d}",
            "{b5946137-7b9f-4925-af80-51abd60b20d5",
            "{b5946137x7b9f-4925-af80-51abd60b20d5}",
            "{g5946137-7b9f-4925-af80-51abd60b20d5}",
            "{+5946137-7b9f-4925-af80-51abd60b20d5}",
        ] {
            assert!(bad.parse::<VssId>().is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn null_and_random_ids() {
        assert_eq!(
            VssId::NULL.to_string(),
            "{00000000-0000-0000-0000-000000000000}"
        );
        assert!(VssId::NULL.is_null());
        assert_eq!("guid_null".parse::<VssId>(), Ok(VssId::NULL));
        let id = VssId::from_random_bytes([0xff; 16]);
        assert_eq!(id.to_string(), "{ffffffff-ffff-4fff-bfff-ffffffffffff}");
    }
}
