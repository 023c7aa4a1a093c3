//! The `integrity` attribute: the hash of a document's canonical form, by which
//! `InitializeForBackup` refuses a document changed after `SaveAsXML` wrote it.

use super::{BackupComponentsDocument, DocumentError, INTEGRITY};
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

    /// Checks that `document`, the one read from `text` with this value, still hashes to
    /// it. A text that is the canonical form as written (the usual case: what `SaveAsXML`
    /// gave) hashes to it as it is, with the attribute taken out, and needs no writing; any
    /// other spelling of the same content is written in the canonical form to be hashed.
    pub(super) fn check(
        self,
        text: &str,
        document: &BackupComponentsDocument,
    ) -> Result<(), DocumentError> {
        if self.matches_as_written(text) {
            return Ok(());
        }
        if of(document) != self.value {
            return Err(DocumentError::IntegrityMismatch { found: self.text });
        }
        Ok(())
    }

    /// Whether `text`, with its first ` integrity="…"` (this value as read) taken out,
    /// hashes to the value. Only the canonical text can, short of a hash collision, which
    /// the integrity value never claimed to rule out.
    fn matches_as_written(&self, text: &str) -> bool {
        let attribute = format!(" {INTEGRITY}=\"{}\"", self.text);
        let Some(at) = text.find(&attribute) else {
            return false;
        };
        let mut hash = Fnv1a64::default();
        hash.update(&text.as_bytes()[..at]);
        hash.update(&text.as_bytes()[at + attribute.len()..]);
        hash.finish() == self.value
    }
}
