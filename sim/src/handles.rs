//! The handles the world hands out for what it keeps: a machine, a provider registered on
//! one, a requester object, an asynchronous operation, a volume laid out on LUNs, a volume
//! of a machine.
//!
//! Each is a number of its own type, so that a provider's place can never be taken for a
//! machine's, nor an operation for the object that started it. Lists kept in order are
//! `TiVec`s, which only their own kind of handle indexes.

use std::fmt;

macro_rules! place {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub(crate) struct $name(usize);

        impl From<usize> for $name {
            fn from(i: usize) -> Self {
                $name(i)
            }
        }

        impl From<$name> for usize {
            fn from(handle: $name) -> usize {
                handle.0
            }
        }
    };
}

place!(
    /// A machine, by its place in the world file.
    MachineId
);
place!(
    /// A provider registered on a machine, by its place in the machine's list (not the
    /// provider's `VSS_ID`, which every machine running it shares).
    ProviderSlot
);
place!(
    /// A volume laid out on LUNs of the SAN, as any machine that reaches them sees it.
    LayoutId
);
place!(
    /// A volume of one machine, numbered in the order it arrived there; the number stays
    /// the volume's when others go.
    VolumeSlot
);

/// A requester object (`IVssBackupComponents`), numbered from 1 in the order the world made
/// it (with the operations); the trace shows it as `#n`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct RequesterId(pub u64);

/// An asynchronous operation (`IVssAsync`), numbered with the requester objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct AsyncId(pub u64);

impl fmt::Display for RequesterId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}
