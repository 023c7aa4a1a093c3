//! Attribute text in the project's XML documents (the backup components document, writer
//! metadata): how a value is escaped so that an XML reader gives it back unchanged, and how
//! a boolean is spelt.

use std::borrow::Cow;
use std::fmt::Write as _;

use quick_xml::events::BytesStart;
use quick_xml::events::attributes::Attribute;
use quick_xml::name::QName;

/// The private entity that stands for U+0000, which no XML character reference may name.
pub(crate) const NUL_ENTITY: &str = "vss-nul";

/// Adds an attribute, escaping its value with [`escape_value`].
pub(crate) fn push_attr(element: &mut BytesStart<'_>, key: &str, value: &str) {
    element.push_attribute(Attribute {
        key: QName(key),
        value: Cow::Owned(escape_value(value)),
    });
}

/// Escapes a string for a double-quoted attribute value so that reading it back with XML
/// attribute-value normalisation gives the same string.
fn escape_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\0' => {
                out.push('&');
                out.push_str(NUL_ENTITY);
                out.push(';');
            }
            '\u{1}'..='\u{1F}' | '\u{7F}'..='\u{9F}' | '\u{FFFE}' | '\u{FFFF}' => {
                let _ = write!(out, "&#x{:X};", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out
}

/// A boolean as the documents write one: `yes` or `no`.
pub(crate) fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}
