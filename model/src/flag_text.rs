//! The text and serde forms of flag values (contexts, snapshot attributes, hardware
//! options): a number, a text of names joined by `|` (`VSS_CTX_BACKUP | VSS_VOLSNAP_ATTR_PLEX`),
//! a hexadecimal `0x1D`, or a list of any of these ORed together.

use serde::Deserialize;

/// A flag value as a file writes it, before its names are looked up.
pub(crate) enum FlagForm {
    Number(i64),
    Text(String),
    List(Vec<FlagForm>),
}

impl<'de> Deserialize<'de> for FlagForm {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<FlagForm, D::Error> {
        d.deserialize_any(FlagVisitor)
    }
}

struct FlagVisitor;

impl<'de> serde::de::Visitor<'de> for FlagVisitor {
    type Value = FlagForm;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a flag name, `NAME | NAME`, a number, or a list of them")
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<FlagForm, E> {
        Ok(FlagForm::Number(v))
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<FlagForm, E> {
        i64::try_from(v)
            .map(FlagForm::Number)
            .map_err(|_| E::custom(format!("{v} does not fit in 32 bits")))
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<FlagForm, E> {
        Ok(FlagForm::Text(v.to_string()))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<FlagForm, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(FlagForm::List(items))
    }
}

/// Reads a number that must fit a 32-bit `LONG` or `DWORD`.
fn bits_of_number(n: i64, what: &str) -> Result<u32, String> {
    i32::try_from(n)
        .map(|v| v as u32)
        .or_else(|_| u32::try_from(n))
        .map_err(|_| format!("{what} {n} does not fit in 32 bits"))
}

/// Reads the text form: parts joined by `|`, each a name, `0x1D` or `29` (so that what
/// `Display` writes, `NAME | 0x10000000`, reads back).
pub(crate) fn parse_flag_text(
    text: &str,
    what: &str,
    lookup: &dyn Fn(&str) -> Option<u32>,
) -> Result<u32, String> {
    text.split('|').map(str::trim).try_fold(0, |acc, part| {
        let bits = if let Some(hex) = part.strip_prefix("0x").or_else(|| part.strip_prefix("0X")) {
            u32::from_str_radix(hex, 16).map_err(|_| format!("`{part}` is not a {what} value"))?
        } else if let Ok(n) = part.parse::<i64>() {
            bits_of_number(n, what)?
        } else {
            lookup(part).ok_or_else(|| format!("`{part}` is not a {what} name"))?
        };
        Ok(acc | bits)
    })
}

/// The bits of a flag value in any of its forms.
pub(crate) fn flag_bits(
    form: FlagForm,
    what: &str,
    lookup: &dyn Fn(&str) -> Option<u32>,
) -> Result<u32, String> {
    match form {
        FlagForm::Number(n) => bits_of_number(n, what),
        FlagForm::Text(t) => parse_flag_text(&t, what, lookup),
        FlagForm::List(items) => items
            .into_iter()
            .try_fold(0, |acc, item| Ok(acc | flag_bits(item, what, lookup)?)),
    }
}
