//! `_VSS_VOLUME_SNAPSHOT_ATTRIBUTES` and `VSS_HARDWARE_OPTIONS`: bit flags with their SDK names.

use std::fmt;
use std::str::FromStr;

use bitflags::bitflags;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::flag_text::{FlagForm, flag_bits, parse_flag_text};

bitflags! {
    /// `m_lSnapshotAttributes`: what a shadow copy is and what has happened to it.
    ///
    /// Some bits come from the context, some are added by the provider (`HARDWARE_ASSISTED`,
    /// `DIFFERENTIAL`, `PLEX`) and some record the copy's history (`IMPORTED`, `EXPOSED_*`).
    #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
    pub struct SnapshotAttributes: u32 {
        /// Survives a reboot.
        const VSS_VOLSNAP_ATTR_PERSISTENT = 0x0000_0001;
        /// Made read-only right after creation; writers may not auto-recover it.
        const VSS_VOLSNAP_ATTR_NO_AUTORECOVERY = 0x0000_0002;
        /// A Shadow Copies for Shared Folders copy; it is not to be exposed.
        const VSS_VOLSNAP_ATTR_CLIENT_ACCESSIBLE = 0x0000_0004;
        /// Not deleted when the requester object that made it is released.
        const VSS_VOLSNAP_ATTR_NO_AUTO_RELEASE = 0x0000_0008;
        /// Made without writer participation.
        const VSS_VOLSNAP_ATTR_NO_WRITERS = 0x0000_0010;
        /// Meant to be moved to another machine; not surfaced where it was made.
        const VSS_VOLSNAP_ATTR_TRANSPORTABLE = 0x0000_0020;
        /// Not currently exposed (set unless exposed or mounted).
        const VSS_VOLSNAP_ATTR_NOT_SURFACED = 0x0000_0040;
        /// VSS does not coordinate with transaction managers for this copy.
        const VSS_VOLSNAP_ATTR_NOT_TRANSACTED = 0x0000_0080;
        /// Made by a hardware provider.
        const VSS_VOLSNAP_ATTR_HARDWARE_ASSISTED = 0x0001_0000;
        /// A copy-on-write (space-sharing) copy.
        const VSS_VOLSNAP_ATTR_DIFFERENTIAL = 0x0002_0000;
        /// A split-mirror (full) copy.
        const VSS_VOLSNAP_ATTR_PLEX = 0x0004_0000;
        /// Brought in by `ImportSnapshots` rather than made by `DoSnapshotSet`.
        const VSS_VOLSNAP_ATTR_IMPORTED = 0x0008_0000;
        /// Exposed as a drive letter or mount folder.
        const VSS_VOLSNAP_ATTR_EXPOSED_LOCALLY = 0x0010_0000;
        /// Exposed as a file share.
        const VSS_VOLSNAP_ATTR_EXPOSED_REMOTELY = 0x0020_0000;
        /// A writer must auto-recover the component in `OnPostSnapshot`.
        const VSS_VOLSNAP_ATTR_AUTORECOVER = 0x0040_0000;
        /// Auto-recovery for a non-backup use (rollback or data mining).
        const VSS_VOLSNAP_ATTR_ROLLBACK_RECOVERY = 0x0080_0000;
        /// Reserved for system use.
        const VSS_VOLSNAP_ATTR_DELAYED_POSTSNAPSHOT = 0x0100_0000;
        /// TxF recovery is enforced during creation.
        const VSS_VOLSNAP_ATTR_TXF_RECOVERY = 0x0200_0000;
        /// Present in the header; its meaning is not documented.
        const VSS_VOLSNAP_ATTR_FILE_SHARE = 0x0400_0000;
    }
}

bitflags! {
    /// `VSS_HARDWARE_OPTIONS`: the `BreakSnapshotSetEx` flags (low byte) and the
    /// `OnLunStateChange` notifications (second byte).
    #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
    pub struct HardwareOptions: u32 {
        /// Mask the shadow copy LUNs from this machine on break.
        const VSS_BREAKEX_FLAG_MASK_LUNS = 0x0000_0001;
        /// Make the shadow copy LUNs read-write on break.
        const VSS_BREAKEX_FLAG_MAKE_READ_WRITE = 0x0000_0002;
        /// Give every shadow LUN the identity of its original, or fail and change nothing.
        const VSS_BREAKEX_FLAG_REVERT_IDENTITY_ALL = 0x0000_0004;
        /// Keep the shadow LUNs' own identities.
        const VSS_BREAKEX_FLAG_REVERT_IDENTITY_NONE = 0x0000_0008;
        /// The LUNs are being made read-write for good (notification only).
        const VSS_ONLUNSTATECHANGE_NOTIFY_READ_WRITE = 0x0000_0100;
        /// The LUNs are briefly read-write for auto-recovery (notification only).
        const VSS_ONLUNSTATECHANGE_NOTIFY_LUN_PRE_RECOVERY = 0x0000_0200;
        /// Auto-recovery is over and the LUNs are read-only again (notification only).
        const VSS_ONLUNSTATECHANGE_NOTIFY_LUN_POST_RECOVERY = 0x0000_0400;
        /// The provider must mask the shadow LUNs from this machine without deleting them.
        const VSS_ONLUNSTATECHANGE_DO_MASK_LUNS = 0x0000_0800;
    }
}

/// The flags of `VSS_HARDWARE_OPTIONS` that `BreakSnapshotSetEx` takes.
pub const BREAKEX_FLAGS: HardwareOptions = HardwareOptions::VSS_BREAKEX_FLAG_MASK_LUNS
    .union(HardwareOptions::VSS_BREAKEX_FLAG_MAKE_READ_WRITE)
    .union(HardwareOptions::VSS_BREAKEX_FLAG_REVERT_IDENTITY_ALL)
    .union(HardwareOptions::VSS_BREAKEX_FLAG_REVERT_IDENTITY_NONE);

impl HardwareOptions {
    /// Whether `BreakSnapshotSetEx` takes these flags: only the `VSS_BREAKEX_FLAG_*` bits, not
    /// both revert flags, and `MASK_LUNS` alone (vshadow's rules for `-mask`, `-forcerevert`
    /// and `-norevert`; the API page lists only `E_INVALIDARG`, see `docs/assumptions.md`).
    pub fn is_valid_break(self) -> bool {
        let revert_both = HardwareOptions::VSS_BREAKEX_FLAG_REVERT_IDENTITY_ALL
            | HardwareOptions::VSS_BREAKEX_FLAG_REVERT_IDENTITY_NONE;
        BREAKEX_FLAGS.contains(self)
            && !self.contains(revert_both)
            && (!self.contains(HardwareOptions::VSS_BREAKEX_FLAG_MASK_LUNS)
                || self == HardwareOptions::VSS_BREAKEX_FLAG_MASK_LUNS)
    }
}

/// Writes set flags as `A | B`, unknown bits as a hex remainder, and no flag as `0`.
pub(crate) fn write_flags<'a>(
    f: &mut fmt::Formatter<'_>,
    names: impl Iterator<Item = (&'a str, u32)>,
    remainder: u32,
) -> fmt::Result {
    let mut first = true;
    for (name, _) in names {
        if !first {
            f.write_str(" | ")?;
        }
        f.write_str(name)?;
        first = false;
    }
    if remainder != 0 {
        if !first {
            f.write_str(" | ")?;
        }
        write!(f, "0x{remainder:X}")?;
        first = false;
    }
    if first {
        f.write_str("0")?;
    }
    Ok(())
}

macro_rules! named_flags {
    ($ty:ty, $what:literal) => {
        impl $ty {
            /// Looks one flag up by its SDK name (case-insensitive).
            pub fn from_sdk_name(name: &str) -> Option<Self> {
                Self::all()
                    .iter_names()
                    .find(|(n, _)| n.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v)
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let names = self.iter_names().map(|(n, v)| (n, v.bits()));
                write_flags(f, names, self.bits() & !Self::all().bits())
            }
        }

        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{} (0x{:X})", self, self.bits())
            }
        }

        impl FromStr for $ty {
            type Err = String;
            /// Reads `NAME | NAME`, `0x…` or a decimal number.
            fn from_str(text: &str) -> Result<Self, String> {
                let lookup = |n: &str| <$ty>::from_sdk_name(n).map(|v| v.bits());
                parse_flag_text(text, $what, &lookup).map(Self::from_bits_retain)
            }
        }

        /// Written as its names (`A | B`), which every reader of flags accepts.
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        /// Read from a number, a text of names or a list of either.
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let lookup = |n: &str| <$ty>::from_sdk_name(n).map(|v| v.bits());
                flag_bits(FlagForm::deserialize(d)?, $what, &lookup)
                    .map(Self::from_bits_retain)
                    .map_err(serde::de::Error::custom)
            }
        }
    };
}

named_flags!(SnapshotAttributes, "snapshot attribute");
named_flags!(HardwareOptions, "VSS_HARDWARE_OPTIONS");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_match_the_sdk() {
        assert_eq!(
            SnapshotAttributes::VSS_VOLSNAP_ATTR_IMPORTED.bits(),
            0x80000
        );
        assert_eq!(
            SnapshotAttributes::VSS_VOLSNAP_ATTR_HARDWARE_ASSISTED.bits(),
            0x10000
        );
        assert_eq!(
            SnapshotAttributes::VSS_VOLSNAP_ATTR_FILE_SHARE.bits(),
            0x0400_0000
        );
        assert_eq!(
            HardwareOptions::VSS_ONLUNSTATECHANGE_DO_MASK_LUNS.bits(),
            0x800
        );
        assert_eq!(BREAKEX_FLAGS.bits(), 0x0F);
    }

    #[test]
    fn break_flag_rules() {
        let valid: Vec<u32> = (0..=0x1F)
            .filter(|b| HardwareOptions::from_bits_retain(*b).is_valid_break())
            .collect();
        // None, MASK alone, READ_WRITE with at most one revert flag, each revert flag alone.
        assert_eq!(valid, [0x0, 0x1, 0x2, 0x4, 0x6, 0x8, 0xA]);
    }

    #[test]
    fn names_print_and_parse() {
        let a = SnapshotAttributes::VSS_VOLSNAP_ATTR_PERSISTENT
            | SnapshotAttributes::VSS_VOLSNAP_ATTR_NO_AUTO_RELEASE;
        assert_eq!(
            a.to_string(),
            "VSS_VOLSNAP_ATTR_PERSISTENT | VSS_VOLSNAP_ATTR_NO_AUTO_RELEASE"
        );
        assert_eq!(SnapshotAttributes::empty().to_string(), "0");
        assert_eq!(
            HardwareOptions::from_bits_retain(0x1_0002).to_string(),
            "VSS_BREAKEX_FLAG_MAKE_READ_WRITE | 0x10000"
        );
        assert_eq!(
            HardwareOptions::from_sdk_name("vss_breakex_flag_mask_luns"),
            Some(HardwareOptions::VSS_BREAKEX_FLAG_MASK_LUNS)
        );
        assert_eq!(SnapshotAttributes::from_sdk_name("VSS_CTX_BACKUP"), None);
    }

    #[test]
    fn text_forms_read_back() {
        for bits in [0, 0x21, 0x1000_0002, 0x00F0_0000] {
            let a = SnapshotAttributes::from_bits_retain(bits);
            assert_eq!(a.to_string().parse::<SnapshotAttributes>(), Ok(a), "{a}");
        }
        let h = HardwareOptions::from_bits_retain(0x1_0002);
        assert_eq!(h.to_string().parse::<HardwareOptions>(), Ok(h));
        assert_eq!(
            "0x20 | VSS_VOLSNAP_ATTR_PLEX"
                .parse::<SnapshotAttributes>()
                .map(|a| a.bits()),
            Ok(0x4_0020)
        );
        assert!(
            "VSS_VOLSNAP_ATTR_NOPE"
                .parse::<SnapshotAttributes>()
                .is_err()
        );
    }
}
