//! `_VSS_SNAPSHOT_CONTEXT`: what kind of shadow copy a requester makes, queries or deletes.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::attributes::{SnapshotAttributes as A, write_flags};
use crate::flag_text::{FlagForm, flag_bits, parse_flag_text};
use crate::hresult::HResult;

/// A snapshot context (`LONG lContext`): one of the `VSS_CTX_*` values, possibly ORed with the
/// few attribute bits a requester may add (`VSS_VOLSNAP_ATTR_TRANSPORTABLE`, …).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Context(pub i32);

/// The attribute bits that make up the context values themselves.
const COMPOSITION: A = A::VSS_VOLSNAP_ATTR_PERSISTENT
    .union(A::VSS_VOLSNAP_ATTR_CLIENT_ACCESSIBLE)
    .union(A::VSS_VOLSNAP_ATTR_NO_AUTO_RELEASE)
    .union(A::VSS_VOLSNAP_ATTR_NO_WRITERS);

/// The attribute bits a requester may OR into a creation context.
///
/// `TRANSPORTABLE`, `DIFFERENTIAL` and `PLEX` are the ones the context page allows; the
/// recovery and transaction bits are the ones the attribute page says a requester may set.
pub const CONTEXT_MODIFIERS: A = A::VSS_VOLSNAP_ATTR_TRANSPORTABLE
    .union(A::VSS_VOLSNAP_ATTR_DIFFERENTIAL)
    .union(A::VSS_VOLSNAP_ATTR_PLEX)
    .union(A::VSS_VOLSNAP_ATTR_NO_AUTORECOVERY)
    .union(A::VSS_VOLSNAP_ATTR_NOT_TRANSACTED)
    .union(A::VSS_VOLSNAP_ATTR_ROLLBACK_RECOVERY)
    .union(A::VSS_VOLSNAP_ATTR_TXF_RECOVERY);

const NAMED: [(&str, Context); 7] = [
    ("VSS_CTX_BACKUP", Context::VSS_CTX_BACKUP),
    (
        "VSS_CTX_FILE_SHARE_BACKUP",
        Context::VSS_CTX_FILE_SHARE_BACKUP,
    ),
    ("VSS_CTX_NAS_ROLLBACK", Context::VSS_CTX_NAS_ROLLBACK),
    ("VSS_CTX_APP_ROLLBACK", Context::VSS_CTX_APP_ROLLBACK),
    (
        "VSS_CTX_CLIENT_ACCESSIBLE",
        Context::VSS_CTX_CLIENT_ACCESSIBLE,
    ),
    (
        "VSS_CTX_CLIENT_ACCESSIBLE_WRITERS",
        Context::VSS_CTX_CLIENT_ACCESSIBLE_WRITERS,
    ),
    ("VSS_CTX_ALL", Context::VSS_CTX_ALL),
];

#[allow(missing_docs)]
impl Context {
    /// Auto-release, non-persistent, with writers: the default.
    pub const VSS_CTX_BACKUP: Context = Context(0);
    /// Auto-release, non-persistent, without writers.
    pub const VSS_CTX_FILE_SHARE_BACKUP: Context = Context(0x10);
    /// Persistent, no auto-release, without writers.
    pub const VSS_CTX_NAS_ROLLBACK: Context = Context(0x19);
    /// Persistent, no auto-release, with writers.
    pub const VSS_CTX_APP_ROLLBACK: Context = Context(0x09);
    /// Shadow Copies for Shared Folders: persistent, no writers, system provider only.
    pub const VSS_CTX_CLIENT_ACCESSIBLE: Context = Context(0x1D);
    /// Shadow Copies for Shared Folders with writers.
    pub const VSS_CTX_CLIENT_ACCESSIBLE_WRITERS: Context = Context(0x0D);
    /// Every context: for administration (`Query`, `DeleteSnapshots`, break, expose) only.
    pub const VSS_CTX_ALL: Context = Context(-1);
}

impl Context {
    /// The bits of the context as snapshot attributes (meaningless for `VSS_CTX_ALL`).
    pub fn attributes(self) -> A {
        A::from_bits_retain(self.0 as u32)
    }

    /// Whether this is `VSS_CTX_ALL`.
    pub fn is_all(self) -> bool {
        self == Context::VSS_CTX_ALL
    }

    /// The plain `VSS_CTX_*` value, with any modifier bits removed.
    pub fn base(self) -> Context {
        if self.is_all() {
            return self;
        }
        Context((self.attributes() & COMPOSITION).bits() as i32)
    }

    /// The modifier bits ORed into the context.
    pub fn modifiers(self) -> A {
        if self.is_all() {
            return A::empty();
        }
        self.attributes() - COMPOSITION
    }

    /// The name of the base context, if it is one of the documented ones.
    pub fn base_name(self) -> Option<&'static str> {
        let base = self.base();
        NAMED.iter().find(|(_, c)| *c == base).map(|(n, _)| *n)
    }

    /// Whether writers take part in creation under this context.
    pub fn has_writers(self) -> bool {
        !self.attributes().contains(A::VSS_VOLSNAP_ATTR_NO_WRITERS)
    }

    /// Whether shadow copies made under this context survive a reboot.
    pub fn is_persistent(self) -> bool {
        self.attributes().contains(A::VSS_VOLSNAP_ATTR_PERSISTENT)
    }

    /// Whether shadow copies made under this context are deleted when their creator's
    /// requester object is released.
    pub fn is_auto_release(self) -> bool {
        !self
            .attributes()
            .contains(A::VSS_VOLSNAP_ATTR_NO_AUTO_RELEASE)
    }

    /// Checks a value given to `SetContext`.
    ///
    /// Refused with `E_INVALIDARG`: a base that is not a documented context; a bit that is
    /// neither part of the base nor a modifier a requester may add; `DIFFERENTIAL` with
    /// `PLEX`; any modifier on `VSS_CTX_CLIENT_ACCESSIBLE`; `NO_AUTORECOVERY` together with
    /// `ROLLBACK_RECOVERY` or `TXF_RECOVERY`.
    pub fn check_for_set_context(self) -> Result<(), HResult> {
        if self.is_all() {
            return Ok(());
        }
        if self.0 < 0 || self.base_name().is_none() {
            return Err(HResult::E_INVALIDARG);
        }
        let modifiers = self.modifiers();
        let refused = modifiers - CONTEXT_MODIFIERS;
        let both_kinds = A::VSS_VOLSNAP_ATTR_DIFFERENTIAL | A::VSS_VOLSNAP_ATTR_PLEX;
        let recovering = A::VSS_VOLSNAP_ATTR_ROLLBACK_RECOVERY | A::VSS_VOLSNAP_ATTR_TXF_RECOVERY;
        if !refused.is_empty()
            || modifiers.contains(both_kinds)
            || (self.base() == Context::VSS_CTX_CLIENT_ACCESSIBLE && !modifiers.is_empty())
            || (modifiers.contains(A::VSS_VOLSNAP_ATTR_NO_AUTORECOVERY)
                && modifiers.intersects(recovering))
        {
            return Err(HResult::E_INVALIDARG);
        }
        Ok(())
    }

    /// Whether a shadow copy with these attributes is seen by a `Query` under this context:
    /// `VSS_CTX_ALL` sees everything, other contexts see the copies made under the same base
    /// context, whatever modifiers either carries.
    pub fn sees(self, attributes: A) -> bool {
        self.is_all() || (attributes & COMPOSITION).bits() as i32 == self.base().0
    }

    /// Looks a context up by a `VSS_CTX_*` name or a `VSS_VOLSNAP_ATTR_*` modifier name.
    pub fn from_sdk_name(name: &str) -> Option<Context> {
        if let Some((_, c)) = NAMED.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)) {
            return Some(*c);
        }
        A::from_sdk_name(name).map(|a| Context(a.bits() as i32))
    }
}

impl fmt::Display for Context {
    /// `VSS_CTX_BACKUP | VSS_VOLSNAP_ATTR_TRANSPORTABLE`; unknown bits as a hex remainder.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_all() {
            return f.write_str("VSS_CTX_ALL");
        }
        match self.base_name() {
            Some(base) => {
                let mods = self.modifiers();
                let names =
                    std::iter::once((base, 0)).chain(mods.iter_names().map(|(n, v)| (n, v.bits())));
                write_flags(f, names, mods.bits() & !A::all().bits())
            }
            None => write!(f, "0x{:X}", self.0 as u32),
        }
    }
}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (0x{:X})", self, self.0 as u32)
    }
}

fn context_bits(name: &str) -> Option<u32> {
    Context::from_sdk_name(name).map(|c| c.0 as u32)
}

impl FromStr for Context {
    type Err = String;
    /// Reads `VSS_CTX_BACKUP | VSS_VOLSNAP_ATTR_TRANSPORTABLE`, `0x29` or `41`.
    fn from_str(text: &str) -> Result<Context, String> {
        parse_flag_text(text, "context", &context_bits).map(|b| Context(b as i32))
    }
}

/// Written as its names, which every reader of contexts accepts.
impl Serialize for Context {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Read from a number, a text of names or a list of either.
impl<'de> Deserialize<'de> for Context {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Context, D::Error> {
        flag_bits(FlagForm::deserialize(d)?, "context", &context_bits)
            .map(|b| Context(b as i32))
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn composition_matches_vss_h() {
        let a = |c: Context| c.attributes();
        assert_eq!(
            a(Context::VSS_CTX_CLIENT_ACCESSIBLE),
            A::VSS_VOLSNAP_ATTR_PERSISTENT
                | A::VSS_VOLSNAP_ATTR_CLIENT_ACCESSIBLE
                | A::VSS_VOLSNAP_ATTR_NO_AUTO_RELEASE
                | A::VSS_VOLSNAP_ATTR_NO_WRITERS
        );
        assert!(Context::VSS_CTX_APP_ROLLBACK.is_persistent());
        assert!(!Context::VSS_CTX_APP_ROLLBACK.is_auto_release());
        assert!(Context::VSS_CTX_APP_ROLLBACK.has_writers());
        assert!(!Context::VSS_CTX_FILE_SHARE_BACKUP.has_writers());
        assert!(Context::VSS_CTX_BACKUP.is_auto_release());
        assert_eq!(Context::VSS_CTX_ALL.0 as u32, 0xFFFF_FFFF);
    }

    #[test]
    fn set_context_rules() {
        let t = A::VSS_VOLSNAP_ATTR_TRANSPORTABLE.bits() as i32;
        let ok = |v: i32| Context(v).check_for_set_context().is_ok();
        assert!(ok(0));
        assert!(ok(t));
        assert!(ok(0x09 | t));
        assert!(ok(-1));
        assert!(ok(0x0D));
        assert!(!ok(0x1D | t), "no modifier on VSS_CTX_CLIENT_ACCESSIBLE");
        assert!(!ok(0x01), "PERSISTENT alone is not a context");
        assert!(!ok(0x2_0000 | 0x4_0000), "DIFFERENTIAL with PLEX");
        assert!(!ok(0x1_0000), "HARDWARE_ASSISTED is not for SetContext");
        assert!(
            !ok(0x2 | 0x80_0000),
            "NO_AUTORECOVERY with ROLLBACK_RECOVERY"
        );
        assert!(ok(0x80_0000));
        assert!(!ok(-2));
    }

    #[test]
    fn query_filter() {
        let fsb = Context::VSS_CTX_FILE_SHARE_BACKUP.attributes();
        assert!(!Context::VSS_CTX_BACKUP.sees(fsb));
        assert!(Context::VSS_CTX_ALL.sees(fsb));
        let transported = A::VSS_VOLSNAP_ATTR_TRANSPORTABLE | A::VSS_VOLSNAP_ATTR_HARDWARE_ASSISTED;
        assert!(Context::VSS_CTX_BACKUP.sees(transported));
    }

    #[test]
    fn names() {
        let c = Context(0x29);
        assert_eq!(
            c.to_string(),
            "VSS_CTX_APP_ROLLBACK | VSS_VOLSNAP_ATTR_TRANSPORTABLE"
        );
        assert_eq!(Context::VSS_CTX_ALL.to_string(), "VSS_CTX_ALL");
        for c in [
            Context(0x29),
            Context::VSS_CTX_ALL,
            Context(0x12345),
            Context(0),
            Context(-2),
        ] {
            assert_eq!(c.to_string().parse::<Context>(), Ok(c), "{c}");
        }
        assert_eq!(
            Context::from_sdk_name("vss_ctx_nas_rollback"),
            Some(Context(0x19))
        );
        assert_eq!(
            Context::from_sdk_name("VSS_VOLSNAP_ATTR_PLEX"),
            Some(Context(0x4_0000))
        );
    }
}
