//! The vtable slot order of the interfaces, as the SDK headers give it, and the check that
//! the declarations of `interfaces.rs` follow it.
//!
//! A COM method is called by its position in the vtable, not by its name. A declaration with
//! two methods swapped, or one left out, still compiles, and then every call through a later
//! slot reaches the wrong method of the real object. So the order is written down twice, on
//! purpose apart: once as the declarations, and once here as [`HEADER_ORDER`], the methods as
//! vsbackup.h and vss.h declare them, each with the C types of its parameters. [`check`]
//! compares the two, using the offsets and size of the vtable the declaration really
//! produced, and each parameter's declared type against the header's ([`rust_type`]): a
//! C++ `bool` (one byte) declared as a four-byte `BOOL`, or a pointer declared as a value,
//! compiles and then passes garbage to the real object.

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
    pub methods: &'static [HeaderMethod],
}

/// One method as its header declares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeaderMethod {
    /// Its name.
    pub name: &'static str,
    /// The C types of its parameters, as the header writes them (`UINT *`, `bool`,
    /// `IVssAsync **`).
    pub parameters: &'static [&'static str],
}

/// A [`HeaderMethod`]: its name, then the C types of its parameters.
macro_rules! method {
    ($name:literal $(, $parameter:literal)*) => {
        HeaderMethod {
            name: $name,
            parameters: &[$($parameter),*],
        }
    };
}

/// The order of every interface this crate declares, with each method's parameter types, from
/// the Windows SDK headers: vss.h for `IVssEnumObject` and `IVssAsync`, vsbackup.h for the
/// requester interfaces and the writer metadata a requester examines, vswriter.h for the file
/// descriptions, dependencies and the components of the backup components document. Methods
/// the backend never calls are listed too, since they hold slots. `IVssWriterComponents`
/// derives from nothing (its parent is empty): vsbackup.h's `IVssWriterComponentsExt` joins
/// it and `IUnknown` as two vtables of one object, which [`crate::interfaces`] lays out.
pub const HEADER_ORDER: &[HeaderOrder] = &[
    HeaderOrder {
        interface: "IVssEnumObject",
        parent: "IUnknown",
        methods: &[
            method!("Next", "ULONG", "VSS_OBJECT_PROP *", "ULONG *"),
            method!("Skip", "ULONG"),
            method!("Reset"),
            method!("Clone", "IVssEnumObject **"),
        ],
    },
    HeaderOrder {
        interface: "IVssAsync",
        parent: "IUnknown",
        methods: &[
            method!("Cancel"),
            method!("Wait", "DWORD"),
            method!("QueryStatus", "HRESULT *", "INT *"),
        ],
    },
    HeaderOrder {
        interface: "IVssBackupComponents",
        parent: "IUnknown",
        methods: &[
            method!("GetWriterComponentsCount", "UINT *"),
            method!("GetWriterComponents", "UINT", "IVssWriterComponentsExt **"),
            method!("InitializeForBackup", "BSTR"),
            method!("SetBackupState", "bool", "bool", "VSS_BACKUP_TYPE", "bool"),
            method!("InitializeForRestore", "BSTR"),
            method!("SetRestoreState", "VSS_RESTORE_TYPE"),
            method!("GatherWriterMetadata", "IVssAsync **"),
            method!("GetWriterMetadataCount", "UINT *"),
            method!(
                "GetWriterMetadata",
                "UINT",
                "VSS_ID *",
                "IVssExamineWriterMetadata **"
            ),
            method!("FreeWriterMetadata"),
            method!(
                "AddComponent",
                "VSS_ID",
                "VSS_ID",
                "VSS_COMPONENT_TYPE",
                "LPCWSTR",
                "LPCWSTR"
            ),
            method!("PrepareForBackup", "IVssAsync **"),
            method!("AbortBackup"),
            method!("GatherWriterStatus", "IVssAsync **"),
            method!("GetWriterStatusCount", "UINT *"),
            method!("FreeWriterStatus"),
            method!(
                "GetWriterStatus",
                "UINT",
                "VSS_ID *",
                "VSS_ID *",
                "BSTR *",
                "VSS_WRITER_STATE *",
                "HRESULT *"
            ),
            method!(
                "SetBackupSucceeded",
                "VSS_ID",
                "VSS_ID",
                "VSS_COMPONENT_TYPE",
                "LPCWSTR",
                "LPCWSTR",
                "bool"
            ),
            method!(
                "SetBackupOptions",
                "VSS_ID",
                "VSS_COMPONENT_TYPE",
                "LPCWSTR",
                "LPCWSTR",
                "LPCWSTR"
            ),
            method!(
                "SetSelectedForRestore",
                "VSS_ID",
                "VSS_COMPONENT_TYPE",
                "LPCWSTR",
                "LPCWSTR",
                "bool"
            ),
            method!(
                "SetRestoreOptions",
                "VSS_ID",
                "VSS_COMPONENT_TYPE",
                "LPCWSTR",
                "LPCWSTR",
                "LPCWSTR"
            ),
            method!(
                "SetAdditionalRestores",
                "VSS_ID",
                "VSS_COMPONENT_TYPE",
                "LPCWSTR",
                "LPCWSTR",
                "bool"
            ),
            method!(
                "SetPreviousBackupStamp",
                "VSS_ID",
                "VSS_COMPONENT_TYPE",
                "LPCWSTR",
                "LPCWSTR",
                "LPCWSTR"
            ),
            method!("SaveAsXML", "BSTR *"),
            method!("BackupComplete", "IVssAsync **"),
            method!(
                "AddAlternativeLocationMapping",
                "VSS_ID",
                "VSS_COMPONENT_TYPE",
                "LPCWSTR",
                "LPCWSTR",
                "LPCWSTR",
                "LPCWSTR",
                "bool",
                "LPCWSTR"
            ),
            method!(
                "AddRestoreSubcomponent",
                "VSS_ID",
                "VSS_COMPONENT_TYPE",
                "LPCWSTR",
                "LPCWSTR",
                "LPCWSTR",
                "LPCWSTR",
                "bool"
            ),
            method!(
                "SetFileRestoreStatus",
                "VSS_ID",
                "VSS_COMPONENT_TYPE",
                "LPCWSTR",
                "LPCWSTR",
                "VSS_FILE_RESTORE_STATUS"
            ),
            method!(
                "AddNewTarget",
                "VSS_ID",
                "VSS_COMPONENT_TYPE",
                "LPCWSTR",
                "LPCWSTR",
                "LPCWSTR",
                "LPCWSTR",
                "bool",
                "LPCWSTR"
            ),
            method!(
                "SetRangesFilePath",
                "VSS_ID",
                "VSS_COMPONENT_TYPE",
                "LPCWSTR",
                "LPCWSTR",
                "UINT",
                "LPCWSTR"
            ),
            method!("PreRestore", "IVssAsync **"),
            method!("PostRestore", "IVssAsync **"),
            method!("SetContext", "LONG"),
            method!("StartSnapshotSet", "VSS_ID *"),
            method!("AddToSnapshotSet", "VSS_PWSZ", "VSS_ID", "VSS_ID *"),
            method!("DoSnapshotSet", "IVssAsync **"),
            method!(
                "DeleteSnapshots",
                "VSS_ID",
                "VSS_OBJECT_TYPE",
                "BOOL",
                "LONG *",
                "VSS_ID *"
            ),
            method!("ImportSnapshots", "IVssAsync **"),
            method!("BreakSnapshotSet", "VSS_ID"),
            method!("GetSnapshotProperties", "VSS_ID", "VSS_SNAPSHOT_PROP *"),
            method!(
                "Query",
                "VSS_ID",
                "VSS_OBJECT_TYPE",
                "VSS_OBJECT_TYPE",
                "IVssEnumObject **"
            ),
            method!("IsVolumeSupported", "VSS_ID", "VSS_PWSZ", "BOOL *"),
            method!("DisableWriterClasses", "const VSS_ID *", "UINT"),
            method!("EnableWriterClasses", "const VSS_ID *", "UINT"),
            method!("DisableWriterInstances", "const VSS_ID *", "UINT"),
            method!(
                "ExposeSnapshot",
                "VSS_ID",
                "VSS_PWSZ",
                "LONG",
                "VSS_PWSZ",
                "VSS_PWSZ *"
            ),
            method!("RevertToSnapshot", "VSS_ID", "BOOL"),
            method!("QueryRevertStatus", "VSS_PWSZ", "IVssAsync **"),
        ],
    },
    HeaderOrder {
        interface: "IVssWMFiledesc",
        parent: "IUnknown",
        methods: &[
            method!("GetPath", "BSTR *"),
            method!("GetFilespec", "BSTR *"),
            method!("GetRecursive", "bool *"),
            method!("GetAlternateLocation", "BSTR *"),
            method!("GetBackupTypeMask", "DWORD *"),
        ],
    },
    HeaderOrder {
        interface: "IVssWMDependency",
        parent: "IUnknown",
        methods: &[
            method!("GetWriterId", "VSS_ID *"),
            method!("GetLogicalPath", "BSTR *"),
            method!("GetComponentName", "BSTR *"),
        ],
    },
    HeaderOrder {
        interface: "IVssWMComponent",
        parent: "IUnknown",
        methods: &[
            method!("GetComponentInfo", "PVSSCOMPONENTINFO *"),
            method!("FreeComponentInfo", "PVSSCOMPONENTINFO"),
            method!("GetFile", "UINT", "IVssWMFiledesc **"),
            method!("GetDatabaseFile", "UINT", "IVssWMFiledesc **"),
            method!("GetDatabaseLogFile", "UINT", "IVssWMFiledesc **"),
            method!("GetDependency", "UINT", "IVssWMDependency **"),
        ],
    },
    HeaderOrder {
        interface: "IVssExamineWriterMetadata",
        parent: "IUnknown",
        methods: &[
            method!(
                "GetIdentity",
                "VSS_ID *",
                "VSS_ID *",
                "BSTR *",
                "VSS_USAGE_TYPE *",
                "VSS_SOURCE_TYPE *"
            ),
            method!("GetFileCounts", "UINT *", "UINT *", "UINT *"),
            method!("GetIncludeFile", "UINT", "IVssWMFiledesc **"),
            method!("GetExcludeFile", "UINT", "IVssWMFiledesc **"),
            method!("GetComponent", "UINT", "IVssWMComponent **"),
            method!(
                "GetRestoreMethod",
                "VSS_RESTOREMETHOD_ENUM *",
                "BSTR *",
                "BSTR *",
                "VSS_WRITERRESTORE_ENUM *",
                "bool *",
                "UINT *"
            ),
            method!("GetAlternateLocationMapping", "UINT", "IVssWMFiledesc **"),
            method!("GetBackupSchema", "DWORD *"),
            method!("GetDocument", "IXMLDOMDocument **"),
            method!("SaveAsXML", "BSTR *"),
            method!("LoadFromXML", "BSTR"),
        ],
    },
    HeaderOrder {
        interface: "IVssComponent",
        parent: "IUnknown",
        methods: &[
            method!("GetLogicalPath", "BSTR *"),
            method!("GetComponentType", "VSS_COMPONENT_TYPE *"),
            method!("GetComponentName", "BSTR *"),
            method!("GetBackupSucceeded", "bool *"),
            method!("GetAlternateLocationMappingCount", "UINT *"),
            method!("GetAlternateLocationMapping", "UINT", "IVssWMFiledesc **"),
            method!("SetBackupMetadata", "LPCWSTR"),
            method!("GetBackupMetadata", "BSTR *"),
            method!("AddPartialFile", "LPCWSTR", "LPCWSTR", "LPCWSTR", "LPCWSTR"),
            method!("GetPartialFileCount", "UINT *"),
            method!(
                "GetPartialFile",
                "UINT",
                "BSTR *",
                "BSTR *",
                "BSTR *",
                "BSTR *"
            ),
            method!("IsSelectedForRestore", "bool *"),
            method!("GetAdditionalRestores", "bool *"),
            method!("GetNewTargetCount", "UINT *"),
            method!("GetNewTarget", "UINT", "IVssWMFiledesc **"),
            method!(
                "AddDirectedTarget",
                "LPCWSTR",
                "LPCWSTR",
                "LPCWSTR",
                "LPCWSTR",
                "LPCWSTR",
                "LPCWSTR"
            ),
            method!("GetDirectedTargetCount", "UINT *"),
            method!(
                "GetDirectedTarget",
                "UINT",
                "BSTR *",
                "BSTR *",
                "BSTR *",
                "BSTR *",
                "BSTR *",
                "BSTR *"
            ),
            method!("SetRestoreMetadata", "LPCWSTR"),
            method!("GetRestoreMetadata", "BSTR *"),
            method!("SetRestoreTarget", "VSS_RESTORE_TARGET"),
            method!("GetRestoreTarget", "VSS_RESTORE_TARGET *"),
            method!("SetPreRestoreFailureMsg", "LPCWSTR"),
            method!("GetPreRestoreFailureMsg", "BSTR *"),
            method!("SetPostRestoreFailureMsg", "LPCWSTR"),
            method!("GetPostRestoreFailureMsg", "BSTR *"),
            method!("SetBackupStamp", "LPCWSTR"),
            method!("GetBackupStamp", "BSTR *"),
            method!("GetPreviousBackupStamp", "BSTR *"),
            method!("GetBackupOptions", "BSTR *"),
            method!("GetRestoreOptions", "BSTR *"),
            method!("GetRestoreSubcomponentCount", "UINT *"),
            method!(
                "GetRestoreSubcomponent",
                "UINT",
                "BSTR *",
                "BSTR *",
                "bool *"
            ),
            method!("GetFileRestoreStatus", "VSS_FILE_RESTORE_STATUS *"),
            method!(
                "AddDifferencedFilesByLastModifyTime",
                "LPCWSTR",
                "LPCWSTR",
                "BOOL",
                "FILETIME"
            ),
            method!(
                "AddDifferencedFilesByLastModifyLSN",
                "LPCWSTR",
                "LPCWSTR",
                "BOOL",
                "BSTR"
            ),
            method!("GetDifferencedFilesCount", "UINT *"),
            method!(
                "GetDifferencedFile",
                "UINT",
                "BSTR *",
                "BSTR *",
                "BOOL *",
                "BSTR *",
                "FILETIME *"
            ),
        ],
    },
    HeaderOrder {
        interface: "IVssWriterComponents",
        parent: "",
        methods: &[
            method!("GetComponentCount", "UINT *"),
            method!("GetWriterInfo", "VSS_ID *", "VSS_ID *"),
            method!("GetComponent", "UINT", "IVssComponent **"),
        ],
    },
    HeaderOrder {
        interface: "IVssBackupComponentsEx",
        parent: "IVssBackupComponents",
        methods: &[
            method!(
                "GetWriterMetadataEx",
                "UINT",
                "VSS_ID *",
                "IVssExamineWriterMetadataEx **"
            ),
            method!(
                "SetSelectedForRestoreEx",
                "VSS_ID",
                "VSS_COMPONENT_TYPE",
                "LPCWSTR",
                "LPCWSTR",
                "bool",
                "VSS_ID"
            ),
        ],
    },
    HeaderOrder {
        interface: "IVssBackupComponentsEx2",
        parent: "IVssBackupComponentsEx",
        methods: &[
            method!("UnexposeSnapshot", "VSS_ID"),
            method!(
                "SetAuthoritativeRestore",
                "VSS_ID",
                "VSS_COMPONENT_TYPE",
                "LPCWSTR",
                "LPCWSTR",
                "bool"
            ),
            method!(
                "SetRollForward",
                "VSS_ID",
                "VSS_COMPONENT_TYPE",
                "LPCWSTR",
                "LPCWSTR",
                "VSS_ROLLFORWARD_TYPE",
                "LPCWSTR"
            ),
            method!(
                "SetRestoreName",
                "VSS_ID",
                "VSS_COMPONENT_TYPE",
                "LPCWSTR",
                "LPCWSTR",
                "LPCWSTR"
            ),
            method!("BreakSnapshotSetEx", "VSS_ID", "DWORD", "IVssAsync **"),
            method!("PreFastRecovery", "VSS_ID", "DWORD", "IVssAsync **"),
            method!("FastRecovery", "VSS_ID", "DWORD", "IVssAsync **"),
        ],
    },
];

/// The Rust type a declaration gives a parameter of C type `c`: the SDK's scalar names map to
/// their Rust widths (`UINT`, `ULONG`, `DWORD` to `u32`; `LONG`, `INT` to `i32`; C++ `bool`,
/// one byte, to `boolean`), the SDK's own type names stay, a pointer is `*mut` (`*const` when
/// the header writes `const`), and an interface pointer (MSXML's `IXMLDOMDocument` too) is
/// passed as `*mut c_void`.
pub fn rust_type(c: &str) -> String {
    let c = c.trim();
    let (constant, c) = match c.strip_prefix("const ") {
        Some(rest) => (true, rest),
        None => (false, c),
    };
    let stars = c.chars().filter(|ch| *ch == '*').count();
    let base = c.trim_end_matches(['*', ' ']);
    let base = match base {
        "UINT" | "ULONG" | "DWORD" => "u32",
        "LONG" | "INT" => "i32",
        "bool" => "boolean",
        interface if interface.starts_with("IVss") || interface == "IXMLDOMDocument" => "c_void",
        other => other,
    };
    let mut rust = base.to_string();
    for level in 0..stars {
        let pointer = if constant && level + 1 == stars {
            "*const "
        } else {
            "*mut "
        };
        rust = format!("{pointer}{rust}");
    }
    rust
}

/// What a declaration of `interfaces.rs` produced: its methods in the order
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
    /// Each declared method's parameter types, as written in the declaration.
    pub parameters: &'static [&'static [&'static str]],
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
    let header_names: Vec<&str> = header.methods.iter().map(|m| m.name).collect();
    for (i, expected) in header_names.iter().enumerate() {
        match names.get(i) {
            Some(found) if found == expected => {}
            Some(found) => {
                let place = if header_names.contains(found) {
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
    for (method, declared_types) in header.methods.iter().zip(declared.parameters) {
        let expected: Vec<String> = method.parameters.iter().map(|c| rust_type(c)).collect();
        if expected.len() != declared_types.len() {
            return Err(SlotError(format!(
                "`{}` of {name} is declared with {} parameters but the header has {}: ({})",
                method.name,
                declared_types.len(),
                expected.len(),
                method.parameters.join(", ")
            )));
        }
        for (i, (want, got)) in expected.iter().zip(declared_types.iter()).enumerate() {
            if want != got {
                return Err(SlotError(format!(
                    "parameter {} of `{}` of {name} is declared `{got}` but the header's `{}` is `{want}`",
                    i + 1,
                    method.name,
                    method.parameters[i]
                )));
            }
        }
    }
    Ok(())
}

fn position(header: &HeaderOrder, method: &str) -> usize {
    header
        .methods
        .iter()
        .position(|m| m.name == method)
        .unwrap_or(header.methods.len())
}
