//! The text and serde forms of flag values (contexts, snapshot attributes, hardware
//! options): a number, a text of names joined by `|` (`VSS_CTX_BACKUP | VSS_VOLSNAP_ATTR_PLEX`),
//! a hexadecimal `0x1D`, or a list of any of these ORed together.

use serde::Deserialize;

/// A flag value as a file writes it, before its names are looked up.
#[derive(Deserialize)]
#[serde(untagged)]
pub(crate) enum FlagForm {
    Number(i64),
    Text(String),
    List(Vec<FlagForm>),
}

/// Reads a number that must fit a 32-bit `LONG` or `DWORD`.
fn bits_of_number(n: i64, what: &str) -> Result<u32, String> {
    i32::try_from(n)
        .map(|v| v as u32)
        .or_else(|_| u32::try_from(n))
        .map_err(|_| format!("{what} {n} does not fit in 32 bits"))
}

/// Reads the text form: `A | B`, `0x1D` or `29`.
pub(crate) fn parse_flag_text(
    text: &str,
    what: &str,
    lookup: &dyn Fn(&str) -> Option<u32>,
) -> Result<u32, String> {
    let t = text.trim();
    if let Some(hex) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        return u32::from_str_radix(hex, 16).map_err(|_| format!("`{t}` is not a {what} value"));
    }
    if let Ok(n) = t.parse::<i64>() {
        return bits_of_number(n, what);
    }
    t.split('|').map(str::trim).try_fold(0, |acc, name| {
        lookup(name)
            .map(|v| acc | v)
            .ok_or_else(|| format!("`{name}` is not a {what} name"))
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
