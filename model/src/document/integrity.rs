//! The `integrity` attribute: the hash of a document's canonical form, by which
//! `InitializeForBackup` refuses a document changed after `SaveAsXML` wrote it.

use super::{BackupComponentsDocument, DocumentError};
use crate::digest::Fnv1a64;

/// The integrity value of a document: the 64-bit FNV-1a hash of the XML
/// [`to_xml`](BackupComponentsDocument::to_xml) writes for it, with the integrity attribute
/// left out, hashed as it is written, with no text kept.
pub(super) fn of(document: &BackupComponentsDocument) -> u64 {
    document.render_into(Fnv1a64::default()).finish()
}

/// The integrity attribute as read.
pub(super) struct Integrity {
    text: String,
    value: u64,
}

impl Integrity {
    /// Reads the attribute's value: exactly 16 hex digits (either case). `None` for anything
    /// else.
    pub(super) fn parse(text: &str) -> Option<Integrity> {
        (text.len() == 16 && text.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| u64::from_str_radix(text, 16).ok())
            .flatten()
            .map(|value| Integrity {
                text: text.to_string(),
                value,
            })
    }

    /// Checks that `document`, the one read with this value, still hashes to it.
    pub(super) fn check(self, document: &BackupComponentsDocument) -> Result<(), DocumentError> {
        if of(document) != self.value {
            return Err(DocumentError::IntegrityMismatch { found: self.text });
        }
        Ok(())
    }
}
