//! The vtable slot order of the interfaces, as the SDK headers give it, and the check that
//! the declarations in [`interfaces`](crate::interfaces) follow it.
//!
//! A COM method is called by its position in the vtable, not by its name. A declaration with
//! two methods swapped, or one left out, still compiles, and then every call through a later
//! slot reaches the wrong method of the real object. So the order is written down twice, on
//! purpose apart: once as the declarations, and once here as [`HEADER_ORDER`], the list of
//! names as vsbackup.h and vss.h declare them. [`check`] compares the two, using the offsets
//! and size of the vtable the declaration really produced.

use std::fmt;
use std::mem::size_of;

/// One interface's own methods (not its parent's), in the order its header declares them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeaderOrder {
    /// The interface, e.g. `IVssBackupComponentsEx2`.
    pub interface: &'static str,
    /// The interface it derives from, whose slots come first.
    pub parent: &'static str,
    /// Its methods in slot order.
    pub methods: &'static [&'static str],
}

/// The order of every interface this crate declares, from the Windows SDK headers: vss.h
/// for `IVssEnumObject` and `IVssAsync`, vsbackup.h for the requester interfaces. Methods
/// the backend never calls are listed too, since they hold slots.
pub const HEADER_ORDER: &[HeaderOrder] = &[
    HeaderOrder {
        interface: "IVssEnumObject",
        parent: "IUnknown",
        methods: &["Next", "Skip", "Reset", "Clone"],
    },
    HeaderOrder {
        interface: "IVssAsync",
        parent: "IUnknown",
        methods: &["Cancel", "Wait", "QueryStatus"],
    },
    HeaderOrder {
        interface: "IVssBackupComponents",
        parent: "IUnknown",
        methods: &[
            "GetWriterComponentsCount",
            "GetWriterComponents",
            "InitializeForBackup",
            "SetBackupState",
            "InitializeForRestore",
            "SetRestoreState",
            "GatherWriterMetadata",
            "GetWriterMetadataCount",
            "GetWriterMetadata",
            "FreeWriterMetadata",
            "AddComponent",
            "PrepareForBackup",
            "AbortBackup",
            "GatherWriterStatus",
            "GetWriterStatusCount",
            "FreeWriterStatus",
            "GetWriterStatus",
            "SetBackupSucceeded",
            "SetBackupOptions",
            "SetSelectedForRestore",
            "SetRestoreOptions",
            "SetAdditionalRestores",
            "SetPreviousBackupStamp",
            "SaveAsXML",
            "BackupComplete",
            "AddAlternativeLocationMapping",
            "AddRestoreSubcomponent",
            "SetFileRestoreStatus",
            "AddNewTarget",
            "SetRangesFilePath",
            "PreRestore",
            "PostRestore",
            "SetContext",
            "StartSnapshotSet",
            "AddToSnapshotSet",
            "DoSnapshotSet",
            "DeleteSnapshots",
            "ImportSnapshots",
            "BreakSnapshotSet",
            "GetSnapshotProperties",
            "Query",
            "IsVolumeSupported",
            "DisableWriterClasses",
            "EnableWriterClasses",
            "DisableWriterInstances",
            "ExposeSnapshot",
            "RevertToSnapshot",
            "QueryRevertStatus",
        ],
    },
    HeaderOrder {
        interface: "IVssBackupComponentsEx",
        parent: "IVssBackupComponents",
        methods: &["GetWriterMetadataEx", "SetSelectedForRestoreEx"],
    },
    HeaderOrder {
        interface: "IVssBackupComponentsEx2",
        parent: "IVssBackupComponentsEx",
        methods: &[
            "UnexposeSnapshot",
            "SetAuthoritativeRestore",
            "SetRollForward",
            "SetRestoreName",
            "BreakSnapshotSetEx",
            "PreFastRecovery",
            "FastRecovery",
        ],
    },
];

/// What a declaration in [`interfaces`](crate::interfaces) produced: its methods in the order
/// it declares them, each with the byte offset of its slot in the generated vtable.
#[derive(Debug, Clone, Copy)]
pub struct Declared {
    /// The interface.
    pub interface: &'static str,
    /// The interface it derives from.
    pub parent: &'static str,
    /// The size in bytes of the parent's vtable, where this interface's slots start.
    pub parent_size: usize,
    /// Each declared method with the offset of its slot.
    pub slots: &'static [(&'static str, usize)],
    /// The size in bytes of the whole vtable.
    pub size: usize,
}

/// A declaration that does not follow its header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotError(pub String);

impl fmt::Display for SlotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SlotError {}

/// The header order of an interface, by name.
pub fn header_order(interface: &str) -> Option<&'static HeaderOrder> {
    HEADER_ORDER.iter().find(|h| h.interface == interface)
}

/// Checks a declaration against its header: the same parent, the same methods in the same
/// order, each in the slot its position gives, and a vtable ending after the last one.
/// Slots are numbered from the start of the vtable, `IUnknown`'s three included.
pub fn check(declared: &Declared, header: &HeaderOrder) -> Result<(), SlotError> {
    let pointer = size_of::<usize>();
    let first = declared.parent_size / pointer;
    let name = declared.interface;
    if declared.parent != header.parent {
        return Err(SlotError(format!(
            "{name} is declared deriving from {}, but its header derives it from {}",
            declared.parent, header.parent
        )));
    }
    let names: Vec<&str> = declared.slots.iter().map(|(n, _)| *n).collect();
    for (i, expected) in header.methods.iter().enumerate() {
        match names.get(i) {
            Some(found) if found == expected => {}
            Some(found) => {
                let place = if header.methods.contains(found) {
                    format!(
                        "the header puts `{found}` in slot {}",
                        first + position(header, found)
                    )
                } else {
                    format!("the header has no `{found}`")
                };
                return Err(SlotError(format!(
                    "slot {} of {name} is declared as `{found}` but the header has `{expected}` there ({place})",
                    first + i
                )));
            }
            None => {
                return Err(SlotError(format!(
                    "{name} declares {} methods but the header has {}: `{expected}` (slot {}) is missing",
                    names.len(),
                    header.methods.len(),
                    first + i
                )));
            }
        }
    }
    if let Some(extra) = names.get(header.methods.len()) {
        return Err(SlotError(format!(
            "{name} declares `{extra}` in slot {}, past the header's last method",
            first + header.methods.len()
        )));
    }
    for (i, (method, offset)) in declared.slots.iter().enumerate() {
        let expected = declared.parent_size + i * pointer;
        if *offset != expected {
            return Err(SlotError(format!(
                "`{method}` of {name} sits at byte {offset} of the vtable, not at byte {expected} (slot {})",
                first + i
            )));
        }
    }
    let size = declared.parent_size + declared.slots.len() * pointer;
    if declared.size != size {
        return Err(SlotError(format!(
            "the vtable of {name} has {} bytes, not the {size} its {} slots take",
            declared.size,
            first + declared.slots.len()
        )));
    }
    Ok(())
}

fn position(header: &HeaderOrder, method: &str) -> usize {
    header
        .methods
        .iter()
        .position(|m| *m == method)
        .unwrap_or(header.methods.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interfaces::DECLARED;

    #[test]
    fn every_declared_interface_follows_its_header() {
        for declared in DECLARED {
            let header = header_order(declared.interface)
                .unwrap_or_else(|| panic!("{} has no header order", declared.interface));
            if let Err(e) = check(declared, header) {
                panic!("{e}");
            }
        }
    }

    #[test]
    fn every_interface_of_the_headers_is_declared_and_parents_come_first() {
        let names: Vec<&str> = DECLARED.iter().map(|d| d.interface).collect();
        for header in HEADER_ORDER {
            let at = names.iter().position(|n| *n == header.interface);
            let at = at.unwrap_or_else(|| panic!("{} is not declared", header.interface));
            if header.parent != "IUnknown" {
                let parent = names.iter().position(|n| *n == header.parent);
                assert!(parent.is_some_and(|p| p < at), "{}", header.parent);
            }
        }
    }

    #[test]
    fn the_requester_vtable_has_the_sdk_slot_count() {
        // IUnknown's 3, IVssBackupComponents' 48, Ex's 2 and Ex2's 7.
        let ex2 = DECLARED
            .iter()
            .find(|d| d.interface == "IVssBackupComponentsEx2")
            .expect("declared");
        assert_eq!(ex2.size / size_of::<usize>(), 3 + 48 + 2 + 7);
        let break_ex = ex2.slots.iter().find(|(n, _)| *n == "BreakSnapshotSetEx");
        assert_eq!(break_ex.map(|(_, o)| o / size_of::<usize>()), Some(57));
    }
}
