//! Bytes as hexadecimal text, two lower-case digits a byte with nothing between them: how the
//! backup components document writes LUN identifiers and how the state file saves blocks
//! and the id generator's seed.

/// The two digits of each byte, lower case.
///
/// ```
/// assert_eq!(vss_model::hex::encode(&[0x60, 0x0a, 0xff]), "600aff");
/// ```
pub fn encode(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    bytes
        .iter()
        .flat_map(|b| [DIGITS[usize::from(b >> 4)], DIGITS[usize::from(b & 0xf)]])
        .map(char::from)
        .collect()
}

/// The bytes that `text` writes, two digits (either case) a byte; `None` for an odd number of
/// characters or anything that is not a hex digit.
///
/// ```
/// assert_eq!(vss_model::hex::decode("600AfF"), Some(vec![0x60, 0x0a, 0xff]));
/// assert_eq!(vss_model::hex::decode("6"), None);
/// assert_eq!(vss_model::hex::decode("0g"), None);
/// ```
pub fn decode(text: &str) -> Option<Vec<u8>> {
    let digits = text.as_bytes();
    if !digits.len().is_multiple_of(2) {
        return None;
    }
    let value = |d: u8| char::from(d).to_digit(16).map(|v| v as u8);
    digits
        .chunks_exact(2)
        .map(|pair| Some(value(pair[0])? << 4 | value(pair[1])?))
        .collect()
}
